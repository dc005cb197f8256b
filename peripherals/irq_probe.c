/* Interrupt probe ("mcusim,irq-probe"): a simulator-only device with
 * interrupt inputs whose levels firmware, tests and the debugger can read.
 * It exists to check a board's `irq:` wiring without a real interrupt
 * controller (e.g. `irq: [probe.0, probe.1]` on a CLINT).
 *
 * One register, a regs.h table (irq_probe_regs):
 *   0x0 levels  32-bit, read-only: bit n = the level of input n (writes
 *               are ignored)
 * The access must be 32-bit and aligned (a bus error otherwise, unless
 * `bad-access: ignore`); other offsets read 0 and ignore writes, reported
 * once each as guest diagnostics. The levels follow the inputs and nothing
 * else: there is no reset hook (a machine reset leaves the lines driven).
 * Properties: `inputs`, how many inputs (1-32, default 32), and
 * `bad-access`.
 */
#include "peripherals/peripheral.h"
#include "peripherals/regs.h"
#include "soc/alloc.h"

#include <stdlib.h>

#define PROBE_MAX_INPUTS 32

typedef struct IrqProbe {
    Owner *owner; /* for its name in messages; no reference */
    char *name;   /* the board's name for it, for the bank */
    unsigned inputs;
    RegBank bank;
    uint32_t levels;
} IrqProbe;

static void probe_set_level(void *opaque, unsigned line, bool level)
{
    IrqProbe *p = opaque;
    if (level)
        p->levels |= UINT32_C(1) << line;
    else
        p->levels &= ~(UINT32_C(1) << line);
}

static const RegDef irq_probe_regs[] = {
    {.name = "levels", .offset = 0x0, .width = 4, .access = REG_RO,
     .store = offsetof(IrqProbe, levels)},
};

static const RegTable irq_probe_table = {
    .regs = irq_probe_regs,
    .nregs = REG_TABLE_LEN(irq_probe_regs),
};

/* The levels are the one register: its record is the state. */
REGS_STATE_HOOKS(probe, IrqProbe, bank, "mcusim,irq-probe")

static bool probe_irq_input(void *state, unsigned n, IrqLine *out,
                            Error **errp)
{
    IrqProbe *p = state;
    if (n >= p->inputs)
        return device_no_irq_input(owner_name(p->owner), n, p->inputs, errp);
    *out = (IrqLine){.handler = probe_set_level, .opaque = p, .line = n};
    return true;
}

static const DeviceProperty probe_props[] = {
    {"inputs", "how many interrupt inputs, 1 to 32; default 32", false},
    REGS_BAD_ACCESS_PROPERTY,
    {0},
};

static void probe_finalize(void *opaque)
{
    IrqProbe *p = opaque;
    free(p->name);
    free(p);
}

static bool probe_create(const DeviceConfig *config, Device *out, Error **errp)
{
    uint64_t inputs;
    if (!device_check_props(config, probe_props, errp) ||
        !device_prop_u64_range(config, "inputs", PROBE_MAX_INPUTS, 1,
                               PROBE_MAX_INPUTS, &inputs, errp))
        return false;
    IrqProbe *p = xcalloc(1, sizeof *p);
    p->name = xstrdup(config->desc->name);
    if (!regs_bank_init(&p->bank, &irq_probe_table, p, p->name, config, errp)) {
        probe_finalize(p);
        return false;
    }
    p->inputs = (unsigned)inputs;
    p->owner = owner_new(config->ms, config->desc->name, probe_finalize, p);
    out->owner = p->owner;
    out->region = regs_region_new(p->owner, &p->bank, config->size);
    out->state = p;
    return true;
}

const PeripheralClass irq_probe_class = {
    .type = "mcusim,irq-probe",
    .description = "interrupt probe: reads back the levels of its inputs",
    .default_size = 0x1000,
    .min_size = 4,
    .max_size = 0x1000,
    .properties = probe_props,
    .create = probe_create,
    .irq_input = probe_irq_input,
    .registers = &irq_probe_table,
    .save_state = probe_save_state,
    .load_state = probe_load_state,
};
