/* Interrupt probe ("mcusim,irq-probe"): a simulator-only device with
 * interrupt inputs whose levels firmware, tests and the debugger can read.
 * It exists to check a board's `irq:` wiring without a real interrupt
 * controller (e.g. `irq: [probe.0, probe.1]` on a CLINT).
 *
 *   offset 0, 32-bit read: bit n = the level of input n; writes ignored
 *   other offsets read 0
 * Property `inputs`: how many inputs (1-32, default 32).
 */
#include "peripherals/peripheral.h"
#include "soc/alloc.h"

#include <stdlib.h>

#define PROBE_MAX_INPUTS 32

typedef struct IrqProbe {
    Owner *owner; /* for its name in messages; no reference */
    unsigned inputs;
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

static bool probe_read(void *opaque, uint64_t offset, unsigned size,
                       uint32_t *value)
{
    const IrqProbe *p = opaque;
    *value = offset == 0 ? p->levels : 0;
    return true;
}

static bool probe_write(void *opaque, uint64_t offset, unsigned size,
                        uint32_t value)
{
    return true;
}

static const MmioOps probe_ops = {
    .read = probe_read,
    .write = probe_write,
    .peek = probe_read,
};

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
    {0},
};

static bool probe_create(const DeviceConfig *config, Device *out, Error **errp)
{
    uint64_t inputs;
    if (!device_check_props(config, probe_props, errp) ||
        !device_prop_u64_range(config, "inputs", PROBE_MAX_INPUTS, 1,
                               PROBE_MAX_INPUTS, &inputs, errp))
        return false;
    IrqProbe *p = xcalloc(1, sizeof *p);
    p->inputs = (unsigned)inputs;
    p->owner = owner_new(config->ms, config->desc->name, free, p);
    out->owner = p->owner;
    out->region = memory_region_new_mmio(p->owner, config->desc->name,
                                         config->size, &probe_ops, p);
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
};
