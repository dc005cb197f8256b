/* Power controller ("mcusim,power-controller"): firmware switches other
 * peripherals' power domains on and off, one bit each, and reads back
 * which are powered, as with the power domain control and status
 * registers of TI's CC26x0/CC13x0 PRCM (SWCU117, "PRCM": PDCTL0 turns the
 * PERIPH, SERIAL and RFC domains on or off, PDSTAT0 says which are on,
 * and firmware waits for the status after a change).
 *
 * Property `domains` (required): 1 to 32 peripheral names separated by
 * spaces; domain i is the peripheral named i-th. A domain naming the
 * controller itself, or a name given twice, is refused at create.
 *
 * Registers (32-bit, aligned: anything else is a bus error; other offsets
 * read 0 and ignore writes; bits past the last domain read 0):
 *   0x00 power   RW  bit i: domain i should be powered. A write asks the
 *                    machine (DeviceHost.power), in domain order, to
 *                    switch each domain whose written bit differs from its
 *                    status bit; a domain whose last request failed is
 *                    therefore asked again by writing the same value.
 *                    Reads return the last value written (reset: all
 *                    ones).
 *   0x04 status  RO  bit i: domain i is powered now, as the machine
 *                    answered the last request for it (reset: all ones)
 *   0x08 error   RO  bit i: the last request for domain i failed; the
 *                    failure, with the machine's reason, is reported
 *                    (device_log_guest)
 * Writes to status and error are ignored (reported).
 *
 * Powering a domain off removes that peripheral with its state; on
 * re-creates it at its reset state from its board entry (soc/device.h).
 * A machine reset leaves the domains as they are (the machine does not
 * re-create anything while it resets): power reads back status and the
 * error bits clear.
 *
 * Not modelled: power-up delays (a domain is on once the write returns),
 * domains powered on or off by someone else (the monitor): status says
 * what this controller last did.
 */
#include "peripherals/peripheral.h"
#include "soc/alloc.h"

#include <stdlib.h>
#include <string.h>

#define POWER_TYPE "mcusim,power-controller"
#define POWER_MAX_DOMAINS 32

typedef struct PowerCtl {
    char *name;
    DeviceHost host;
    char **domains;
    size_t ndomains;
    uint32_t mask; /* the bits that name domains */
    uint32_t power, status, error;
} PowerCtl;

/* Asks the machine to switch domain i; remembers the answer. */
static void power_request(PowerCtl *p, unsigned i, bool on)
{
    uint32_t bit = UINT32_C(1) << i;
    Error *err = NULL;
    bool ok = p->host.power &&
              p->host.power(p->host.opaque, p->domains[i], on, &err);
    if (ok) {
        p->status = on ? p->status | bit : p->status & ~bit;
        p->error &= ~bit;
        return;
    }
    p->error |= bit;
    device_log_guest(&p->host, p->name, "powering '%s' %s failed: %s",
                     p->domains[i], on ? "on" : "off",
                     err ? error_message(err) : "the machine cannot power "
                     "peripherals");
    error_free(err);
}

/* ---- registers ---- */

static uint32_t power_read(const PowerCtl *p) { return p->power; }
static uint32_t status_read(const PowerCtl *p) { return p->status; }
static uint32_t error_read(const PowerCtl *p) { return p->error; }

static void power_write(PowerCtl *p, uint32_t value)
{
    p->power = value & p->mask;
    for (unsigned i = 0; i < p->ndomains; i++) {
        bool on = p->power >> i & 1;
        if (on != (p->status >> i & 1))
            power_request(p, i, on);
    }
}

typedef struct PowerReg {
    const char *name;
    uint32_t offset;
    uint32_t (*read)(const PowerCtl *p);
    void (*write)(PowerCtl *p, uint32_t value); /* NULL: read-only */
} PowerReg;

static const PowerReg power_regs[] = {
    { "power",  0x00, power_read,  power_write },
    { "status", 0x04, status_read, NULL },
    { "error",  0x08, error_read,  NULL },
};

static const PowerReg *power_find_reg(uint64_t offset)
{
    for (size_t i = 0; i < sizeof power_regs / sizeof power_regs[0]; i++)
        if (power_regs[i].offset == offset)
            return &power_regs[i];
    return NULL;
}

static bool power_mmio_read(void *opaque, uint64_t offset, unsigned size,
                            uint32_t *value)
{
    if (size != 4 || offset % 4)
        return false;
    const PowerReg *reg = power_find_reg(offset);
    *value = reg ? reg->read(opaque) : 0;
    return true;
}

static bool power_mmio_write(void *opaque, uint64_t offset, unsigned size,
                             uint32_t value)
{
    PowerCtl *p = opaque;
    if (size != 4 || offset % 4)
        return false;
    const PowerReg *reg = power_find_reg(offset);
    if (reg && reg->write)
        reg->write(p, value);
    else if (reg)
        device_log_guest(&p->host, p->name, "write to read-only '%s' "
                         "ignored", reg->name);
    return true;
}

static const MmioOps power_ops = {
    .read = power_mmio_read,
    .write = power_mmio_write,
    .peek = power_mmio_read,
};

/* ---- reset, create and the class ---- */

static void power_reset(void *state)
{
    PowerCtl *p = state;
    p->power = p->status;
    p->error = 0;
}

static void power_finalize(void *opaque)
{
    PowerCtl *p = opaque;
    device_names_free(p->domains, p->ndomains);
    free(p->name);
    free(p);
}

static const DeviceProperty power_props[] = {
    {"domains", "the peripherals it powers, bit i the i-th, 1 to 32 names "
     "separated by spaces; required", false},
    {0},
};

/* Refuses a domain naming the controller: it may not power itself. */
static bool power_check_self(const DeviceConfig *config, const PowerCtl *p,
                             Error **errp)
{
    for (size_t i = 0; i < p->ndomains; i++) {
        if (strcmp(p->domains[i], config->desc->name) != 0)
            continue;
        const SourceLoc *loc = &board_peripheral_prop(config->desc,
                                                      "domains")->loc;
        error_setf(errp, "%s:%u:%u: 'domains' names '%s' itself: a power "
                   "controller cannot power itself", loc->file, loc->line,
                   loc->col, config->desc->name);
        return false;
    }
    return true;
}

static bool power_create(const DeviceConfig *config, Device *out,
                         Error **errp)
{
    const BoardPeripheral *desc = config->desc;
    PowerCtl *p = xcalloc(1, sizeof *p);
    if (!device_check_props(config, power_props, errp) ||
        !device_prop_required(config, "domains", errp) ||
        !device_prop_names(config, "domains", 1, POWER_MAX_DOMAINS,
                           &p->domains, &p->ndomains, errp) ||
        !power_check_self(config, p, errp)) {
        power_finalize(p);
        return false;
    }
    p->name = xstrdup(desc->name);
    p->host = *config->host;
    p->mask = p->ndomains == 32 ? UINT32_MAX
                                : (UINT32_C(1) << p->ndomains) - 1;
    p->power = p->status = p->mask;
    Owner *owner = owner_new(config->ms, desc->name, power_finalize, p);
    MemoryRegion *region = memory_region_new_mmio(owner, desc->name,
                                                  config->size, &power_ops, p);
    *out = (Device){.owner = owner, .region = region, .state = p};
    return true;
}

const PeripheralClass power_controller_class = {
    .type = POWER_TYPE,
    .description = "power controller: switches other peripherals off and "
                   "on from firmware, with status and error bits",
    .default_size = 0x1000,
    .min_size = 0xc,
    .max_size = 0x1000,
    .properties = power_props,
    .create = power_create,
    .reset = power_reset,
};
