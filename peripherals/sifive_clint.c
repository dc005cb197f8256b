/* SiFive CLINT ("sifive,clint0") for one hart: the machine software and
 * timer interrupts, as on the FE310-G002 and QEMU's virt board.
 *
 * Register map (SiFive FE310-G002 Manual v19p05, chapter 9 "Core-Local
 * Interruptor", table 24 "CLINT Register Map"; offsets from the base):
 *   0x0000  msip      4B RW  bit 0 is the hart's MSIP; bits 31:1 read 0 (9.2)
 *   0x4000  mtimecmp  8B RW  low word, then high word at 0x4004 (9.3)
 *   0xbff8  mtime     8B RW  low word, then high word at 0xbffc (9.3)
 * Outputs, in wiring order: msi (msip bit 0) and mti (mtime >= mtimecmp).
 *
 * mtime is not counted: it is derived from virtual time at the
 * `timebase-frequency` (Hz; default 10 MHz as on QEMU virt, the FE310's
 * rtcclk is 32768 Hz) plus an offset, which a write to mtime sets. While
 * mtimecmp lies in the future a clock event waits for the first cycle at
 * which it is due. The CLINT is the CPU's time source (`time`, `timeh`).
 *
 * Accesses must be 32-bit and aligned (anything else is a bus error); other
 * offsets read 0 and ignore writes. Reads have no side effects, so the
 * debugger's peek is the read.
 *
 * Not modelled: more than one hart (the msip and mtimecmp arrays), 64-bit
 * accesses (RV64 only), the FE310's rtcclk coming from the AON block (the
 * timebase is fixed), mtime wrapping past 2^64. Hardware leaves mtimecmp
 * unreset; here it resets to all ones so MTI stays low until programmed.
 */
#include "peripherals/peripheral.h"
#include "soc/alloc.h"

#include <stdlib.h>

#define CLINT_DEFAULT_TIMEBASE 10000000 /* Hz, QEMU virt's */
#define MSIP_MASK 1u

enum { CLINT_MSI, CLINT_MTI, CLINT_NUM_IRQS };

static const char *const clint_irq_names[CLINT_NUM_IRQS] = {
    [CLINT_MSI] = "msi",
    [CLINT_MTI] = "mti",
};

typedef struct Clint {
    Clock *clock;
    ClockEvent *timer;    /* pending while mtimecmp is in the future */
    uint64_t timebase_hz;
    uint32_t msip;
    uint64_t mtimecmp;
    uint64_t mtime_offset; /* mtime = ticks of virtual time + offset */
    IrqLine irqs[CLINT_NUM_IRQS];
} Clint;

/* Timebase ticks since virtual time 0. */
static uint64_t clint_ticks(const Clint *c)
{
    return clock_cycles_to(c->clock, clock_now(c->clock), c->timebase_hz);
}

static uint64_t clint_mtime(const Clint *c)
{
    return clint_ticks(c) + c->mtime_offset;
}

/* The one place the outputs are driven; called after every change and when
 * the timer event fires. Schedules the event for the cycle mtime reaches
 * mtimecmp, or cancels it. */
static void clint_update_irq(Clint *c)
{
    uint64_t ticks = clint_ticks(c);
    uint64_t mtime = ticks + c->mtime_offset;
    bool mti = mtime >= c->mtimecmp;
    irq_set(&c->irqs[CLINT_MSI], c->msip & MSIP_MASK);
    irq_set(&c->irqs[CLINT_MTI], mti);
    uint64_t due = CLOCK_NEVER;
    if (!mti && c->mtimecmp - mtime <= UINT64_MAX - ticks)
        due = clock_cycles_from(c->clock, ticks + (c->mtimecmp - mtime),
                                c->timebase_hz);
    if (due == CLOCK_NEVER)
        clock_event_cancel(c->timer);
    else
        clock_event_schedule(c->timer, due);
}

static void clint_timer_fired(void *opaque)
{
    clint_update_irq(opaque);
}

/* ---- registers: each row is one 32-bit word of a (up to) 64-bit value ---- */

static uint64_t msip_get(const Clint *c) { return c->msip; }
static void msip_set(Clint *c, uint64_t v) { c->msip = (uint32_t)v & MSIP_MASK; }
static uint64_t mtimecmp_get(const Clint *c) { return c->mtimecmp; }
static void mtimecmp_set(Clint *c, uint64_t v) { c->mtimecmp = v; }
static uint64_t mtime_get(const Clint *c) { return clint_mtime(c); }
static void mtime_set(Clint *c, uint64_t v) { c->mtime_offset = v - clint_ticks(c); }

typedef struct ClintReg {
    const char *name;
    uint32_t offset;
    unsigned shift; /* the word's place in the value: 0 low, 32 high */
    uint64_t (*get)(const Clint *c);
    void (*set)(Clint *c, uint64_t value);
} ClintReg;

static const ClintReg clint_regs[] = {
    { "msip",      0x0000, 0,  msip_get,     msip_set },
    { "mtimecmp",  0x4000, 0,  mtimecmp_get, mtimecmp_set },
    { "mtimecmph", 0x4004, 32, mtimecmp_get, mtimecmp_set },
    { "mtime",     0xbff8, 0,  mtime_get,    mtime_set },
    { "mtimeh",    0xbffc, 32, mtime_get,    mtime_set },
};

static const ClintReg *clint_find_reg(uint64_t offset)
{
    for (size_t i = 0; i < sizeof clint_regs / sizeof clint_regs[0]; i++)
        if (clint_regs[i].offset == offset)
            return &clint_regs[i];
    return NULL;
}

/* False (a bus error) for anything but an aligned 32-bit access. */
static bool clint_read(void *opaque, uint64_t offset, unsigned size,
                       uint32_t *value)
{
    if (size != 4 || offset % 4)
        return false;
    const ClintReg *reg = clint_find_reg(offset);
    *value = reg ? (uint32_t)(reg->get(opaque) >> reg->shift) : 0;
    return true;
}

static bool clint_write(void *opaque, uint64_t offset, unsigned size,
                        uint32_t value)
{
    Clint *c = opaque;
    if (size != 4 || offset % 4)
        return false;
    const ClintReg *reg = clint_find_reg(offset);
    if (!reg)
        return true;
    uint64_t word = UINT64_C(0xffffffff) << reg->shift;
    uint64_t v = reg->get(c);
    reg->set(c, (v & ~word) | ((uint64_t)value << reg->shift));
    clint_update_irq(c);
    return true;
}

static const MmioOps clint_ops = {
    .read = clint_read,
    .write = clint_write,
    .peek = clint_read,
};

/* ---- the class ---- */

static uint64_t clint_read_time(void *dev)
{
    return clint_mtime(dev);
}

static void clint_connect_irqs(void *state, const IrqLine *irqs, size_t n)
{
    Clint *c = state;
    for (size_t i = 0; i < CLINT_NUM_IRQS; i++)
        c->irqs[i] = i < n ? irqs[i] : (IrqLine){0};
    if (n)
        clint_update_irq(c);
}

/* A machine reset: msip clear, mtimecmp all ones (MTI low until firmware
 * programs it), mtime back to 0. */
static void clint_reset(void *state)
{
    Clint *c = state;
    c->msip = 0;
    c->mtimecmp = UINT64_MAX;
    c->mtime_offset = -clint_ticks(c);
    clint_update_irq(c);
}

static void clint_finalize(void *opaque)
{
    Clint *c = opaque;
    clock_event_free(c->timer);
    free(c);
}

static const DeviceProperty clint_props[] = {
    {"timebase-frequency", "mtime's rate in Hz; default 10000000", false},
    {0},
};

static bool clint_config(const DeviceConfig *config, uint64_t *timebase,
                         Error **errp)
{
    return device_check_props(config, clint_props, errp) &&
           device_prop_positive_u64(config, "timebase-frequency",
                                    CLINT_DEFAULT_TIMEBASE, timebase, errp) &&
           device_require_clock(config, errp);
}

static bool clint_create(const DeviceConfig *config, Device *out, Error **errp)
{
    uint64_t timebase;
    if (!clint_config(config, &timebase, errp))
        return false;
    const DeviceHost *host = config->host;
    Clint *c = xcalloc(1, sizeof *c);
    c->clock = host->clock;
    c->timebase_hz = timebase;
    c->timer = clock_event_new(c->clock, clint_timer_fired, c);
    c->mtimecmp = UINT64_MAX;
    c->mtime_offset = -clint_ticks(c); /* mtime is 0 at reset */
    Owner *owner = owner_new(config->ms, config->desc->name, clint_finalize, c);
    MemoryRegion *region = memory_region_new_mmio(owner, config->desc->name,
                                                  config->size, &clint_ops, c);
    if (host->set_time_source &&
        !host->set_time_source(host->opaque, clint_read_time, c, errp)) {
        owner_unref(owner);
        return false;
    }
    *out = (Device){.owner = owner, .region = region, .state = c};
    return true;
}

const PeripheralClass sifive_clint_class = {
    .type = "sifive,clint0",
    .description = "SiFive CLINT: machine timer and software interrupt, one hart",
    .default_size = 0x10000,
    .min_size = 0xc000,
    .max_size = 0x10000,
    .properties = clint_props,
    .create = clint_create,
    .irq_outputs = CLINT_NUM_IRQS,
    .irq_output_names = clint_irq_names,
    .connect_irqs = clint_connect_irqs,
    .reset = clint_reset,
};
