/* Power controller ("mcusim,power-controller"): firmware switches other
 * peripherals' power domains on and off, one bit each, and reads back
 * which are powered, as with the power domain control and status
 * registers of TI's CC26x0/CC13x0 PRCM (SWCU117, "PRCM": PDCTL0 turns the
 * PERIPH, SERIAL and RFC domains on or off, PDSTAT0 says which are on,
 * and firmware waits for the status after a change).
 *
 * Properties: `domains` (required), 1 to 32 peripheral names separated by
 * spaces, domain i the peripheral named i-th (a domain naming the
 * controller itself, or a name given twice, is refused at create); and
 * `bad-access` (regs.h).
 *
 * Registers, a regs.h table (32-bit, aligned: anything else is a bus
 * error, unless `bad-access: ignore`; other offsets read 0 and ignore
 * writes, reported once each; bits past the last domain read 0):
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
 * Writes to status and error are ignored (reported, each time).
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
#include "peripherals/regs.h"
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
    RegBank bank;
    uint32_t power, error;
    uint32_t status; /* what the machine answered, kept across resets */
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

/* status is the machine's answer, not a value that resets: a hook's. */
static uint32_t status_read(void *dev, unsigned index, bool peek)
{
    const PowerCtl *p = dev;
    return p->status;
}

/* After the store: only the bits that name domains stay; then each domain
 * whose wish differs from its status is asked for, in domain order. */
static void power_write(void *dev, unsigned index, uint32_t value)
{
    PowerCtl *p = dev;
    p->power = value & p->mask;
    for (unsigned i = 0; i < p->ndomains; i++) {
        bool on = p->power >> i & 1;
        if (on != (p->status >> i & 1))
            power_request(p, i, on);
    }
}

static const RegDef power_regs[] = {
    {.name = "power", .offset = 0x00, .width = 4, .access = REG_RW,
     .reset = UINT32_MAX, .store = offsetof(PowerCtl, power),
     .write = power_write},
    {.name = "status", .offset = 0x04, .width = 4, .access = REG_RO,
     .reset = UINT32_MAX, .store = REG_NO_STORE, .read = status_read},
    {.name = "error", .offset = 0x08, .width = 4, .access = REG_RO,
     .store = offsetof(PowerCtl, error)},
};

static const RegState power_state[] = {
    REG_STATE(PowerCtl, status),
};

static const RegTable power_table = {
    .regs = power_regs,
    .nregs = REG_TABLE_LEN(power_regs),
    .state = power_state,
    .nstate = REG_TABLE_LEN(power_state),
};

/* power and error are registers, status the declared state; the domains'
 * power itself is the machine's (a snapshot's power flags). */
REGS_STATE_HOOKS(power, PowerCtl, bank, POWER_TYPE)

/* ---- reset, create and the class ---- */

/* The registers to their reset values (error clears), then power reads
 * back what the domains are. */
static void power_reset(void *state)
{
    PowerCtl *p = state;
    regs_reset(&p->bank);
    p->power = p->status;
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
    REGS_BAD_ACCESS_PROPERTY,
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
    if (!regs_bank_init(&p->bank, &power_table, p, p->name, config, errp)) {
        power_finalize(p);
        return false;
    }
    p->host = *config->host;
    p->mask = p->ndomains == 32 ? UINT32_MAX
                                : (UINT32_C(1) << p->ndomains) - 1;
    p->status = p->mask;
    power_reset(p);
    Owner *owner = owner_new(config->ms, desc->name, power_finalize, p);
    MemoryRegion *region = regs_region_new(owner, &p->bank, config->size);
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
    .registers = &power_table,
    .save_state = power_save_state,
    .load_state = power_load_state,
};
