/* SiFive CLINT ("sifive,clint0") for one hart: the machine software and
 * timer interrupts, as on the FE310-G002 and QEMU's virt board.
 *
 * Register map (SiFive FE310-G002 Manual v19p05, chapter 9 "Core-Local
 * Interruptor", table 24 "CLINT Register Map"; offsets from the base), a
 * regs.h table (`clint_regs`) of 32-bit registers, the 64-bit ones as two
 * halves:
 *   0x0000  msip       RW  bit 0 msip, the hart's MSIP; bits 31:1 read 0 (9.2)
 *   0x4000  mtimecmp   RW  mtimecmp's low word, 0x4004 mtimecmph its high
 *                          word (9.3)
 *   0xbff8  mtime      RW  mtime's low word, 0xbffc mtimeh its high word (9.3)
 * Outputs, in wiring order: msi (msip bit 0) and mti (mtime >= mtimecmp).
 *
 * mtime is not counted: it is derived from virtual time at the
 * `timebase-frequency` (Hz; default 10 MHz as on QEMU virt, the FE310's
 * rtcclk is 32768 Hz) plus an offset, which a write to either half sets
 * (the other half keeps its value at that moment). While mtimecmp lies in
 * the future a clock event waits for the first cycle at which it is due.
 * The CLINT is the CPU's time source (`time`, `timeh`).
 *
 * Accesses must be 32-bit and aligned: anything else is a bus error,
 * unless `bad-access: ignore` (then it reads 0, writes nothing and is
 * reported once). Other offsets read 0 and ignore writes, reported once
 * each as a guest diagnostic. Reads have no side effects, so the
 * debugger's peek is the read.
 *
 * Not modelled: more than one hart (the msip and mtimecmp arrays), 64-bit
 * accesses (RV64 only), the FE310's rtcclk coming from the AON block (the
 * timebase is fixed), mtime wrapping past 2^64. Hardware leaves mtimecmp
 * unreset; here it resets to all ones so MTI stays low until programmed.
 */
#include "peripherals/peripheral.h"
#include "peripherals/regs.h"
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
    char *name;
    RegBank bank;
    Clock *clock;
    ClockEvent *timer;    /* pending while mtimecmp is in the future */
    uint64_t timebase_hz;
    uint32_t msip;
    uint32_t mtimecmp, mtimecmph; /* mtimecmp's low and high words */
    uint64_t mtime_offset; /* mtime = ticks of virtual time + offset */
    bool written;         /* a register changed: the outputs follow */
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

static uint64_t clint_mtimecmp(const Clint *c)
{
    return (uint64_t)c->mtimecmph << 32 | c->mtimecmp;
}

/* Drives both outputs from the registers and the time; true when MTI is
 * high. */
static bool clint_drive(Clint *c, uint64_t mtime)
{
    bool mti = mtime >= clint_mtimecmp(c);
    irq_set(&c->irqs[CLINT_MSI], c->msip & MSIP_MASK);
    irq_set(&c->irqs[CLINT_MTI], mti);
    return mti;
}

/* The one place the outputs are driven; called after every register
 * write and when the timer event fires. Schedules the event for the cycle
 * mtime reaches mtimecmp, or cancels it. */
static void clint_update_irq(Clint *c)
{
    uint64_t ticks = clint_ticks(c);
    uint64_t mtime = ticks + c->mtime_offset;
    uint64_t cmp = clint_mtimecmp(c);
    bool mti = clint_drive(c, mtime);
    uint64_t due = CLOCK_NEVER;
    if (!mti && cmp - mtime <= UINT64_MAX - ticks)
        due = clock_cycles_from(c->clock, ticks + (cmp - mtime), c->timebase_hz);
    if (due == CLOCK_NEVER)
        clock_event_cancel(c->timer);
    else
        clock_event_schedule(c->timer, due);
}

static void clint_timer_fired(void *opaque)
{
    clint_update_irq(opaque);
}

/* ---- register behaviour; the registers are the table below ---- */

/* msip and mtimecmp are plain storage: a write only marks the outputs for
 * updating (reads change nothing, so they update nothing). */
static void clint_written(void *dev, unsigned index, uint32_t value)
{
    Clint *c = dev;
    c->written = true;
}

/* mtime's halves: a write sets the half written and keeps the other. */
static void mtime_set_half(Clint *c, unsigned shift, uint32_t value)
{
    uint64_t word = UINT64_C(0xffffffff) << shift;
    uint64_t mtime = (clint_mtime(c) & ~word) | ((uint64_t)value << shift);
    c->mtime_offset = mtime - clint_ticks(c);
    c->written = true;
}

static uint32_t mtime_read(void *dev, unsigned index, bool peek)
{
    return (uint32_t)clint_mtime(dev);
}

static uint32_t mtimeh_read(void *dev, unsigned index, bool peek)
{
    return (uint32_t)(clint_mtime(dev) >> 32);
}

static void mtime_write(void *dev, unsigned index, uint32_t value)
{
    mtime_set_half(dev, 0, value);
}

static void mtimeh_write(void *dev, unsigned index, uint32_t value)
{
    mtime_set_half(dev, 32, value);
}

static void clint_changed(void *dev)
{
    Clint *c = dev;
    if (!c->written)
        return;
    c->written = false;
    clint_update_irq(c);
}

static const RegField msip_fields[] = {{"msip", 0, 1}, {0}};

static const RegDef clint_regs[] = {
    {.name = "msip", .offset = 0x0000, .width = 4, .access = REG_RW,
     .mask = MSIP_MASK, .store = offsetof(Clint, msip), .write = clint_written,
     .fields = msip_fields},
    {.name = "mtimecmp", .offset = 0x4000, .width = 4, .access = REG_RW,
     .reset = UINT32_MAX, .store = offsetof(Clint, mtimecmp),
     .write = clint_written},
    {.name = "mtimecmph", .offset = 0x4004, .width = 4, .access = REG_RW,
     .reset = UINT32_MAX, .store = offsetof(Clint, mtimecmph),
     .write = clint_written},
    {.name = "mtime", .offset = 0xbff8, .width = 4, .access = REG_RW,
     .store = REG_NO_STORE, .read = mtime_read, .write = mtime_write},
    {.name = "mtimeh", .offset = 0xbffc, .width = 4, .access = REG_RW,
     .store = REG_NO_STORE, .read = mtimeh_read, .write = mtimeh_write},
};

static const RegState clint_state[] = {
    REG_STATE(Clint, mtime_offset),
    REG_STATE_EVENT(Clint, timer),
};

/* A snapshot load: the outputs from the restored registers (the timer
 * event waits at its restored deadline). */
static void clint_loaded(void *dev)
{
    clint_drive(dev, clint_mtime(dev));
}

static const RegTable clint_table = {
    .regs = clint_regs,
    .nregs = REG_TABLE_LEN(clint_regs),
    .state = clint_state,
    .nstate = REG_TABLE_LEN(clint_state),
    .after_access = clint_changed,
    .after_load = clint_loaded,
};

REGS_STATE_HOOKS(clint, Clint, bank, "sifive,clint0")

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
    regs_reset(&c->bank);
    c->mtime_offset = -clint_ticks(c);
    clint_update_irq(c);
}

static void clint_finalize(void *opaque)
{
    Clint *c = opaque;
    clock_event_free(c->timer);
    free(c->name);
    free(c);
}

static const DeviceProperty clint_props[] = {
    {"timebase-frequency", "mtime's rate in Hz; default 10000000", false},
    REGS_BAD_ACCESS_PROPERTY,
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
    c->name = xstrdup(config->desc->name);
    if (!regs_bank_init(&c->bank, &clint_table, c, c->name, config, errp)) {
        free(c->name);
        free(c);
        return false;
    }
    c->clock = host->clock;
    c->timebase_hz = timebase;
    c->timer = clock_event_new(c->clock, clint_timer_fired, c);
    c->mtime_offset = -clint_ticks(c); /* mtime is 0 at reset */
    Owner *owner = owner_new(config->ms, c->name, clint_finalize, c);
    MemoryRegion *region = regs_region_new(owner, &c->bank, config->size);
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
    .registers = &clint_table,
    .save_state = clint_save_state,
    .load_state = clint_load_state,
};
