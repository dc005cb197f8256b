/* SiFive FE310 PRCI ("sifive,fe310-prci"): the clock generator's control
 * registers (power, reset, clock, interrupt), as on the FE310-G002.
 *
 * Register map (SiFive FE310-G002 Manual, "Clock Generation", the PRCI
 * memory map; offsets from the base, 0x10008000 on the FE310):
 *   0x00 hfrosccfg  hfroscdiv 5:0, hfrosctrim 20:16, hfroscen 30,
 *                   hfroscrdy 31 (RO)              reset 0xc0100004
 *   0x04 hfxosccfg  hfxoscen 30, hfxoscrdy 31 (RO) reset 0xc0000000
 *   0x08 pllcfg     pllr 2:0, pllf 9:4, pllq 11:10, pllsel 16,
 *                   pllrefsel 17, pllbypass 18, plllock 31 (RO)
 *                                                  reset 0x00060df1
 *   0x0c plloutdiv  plloutdiv 5:0, plloutdivby1 8  reset 0x00000100
 *   0xf0 procmoncfg procmondivsel 4:0, procmondelaysel 12:8, procmonen 16,
 *                   procmonsel 25:24, procmonnten 28   reset 0
 * The map is a regs.h table (prci_regs) with these fields, so traces show
 * them. Bits outside the fields read 0 and ignore writes (the table's
 * masks; the ready and lock bits are computed when read). Accesses must
 * be 32-bit and aligned: anything else is a bus error, unless the board
 * says `bad-access: ignore` (then it reads 0 and is reported once). Other
 * offsets read 0 and ignore writes, reported once each as guest
 * diagnostics.
 *
 * Status bits follow virtual time, so a firmware's "wait for ready" or
 * "wait for lock" loop ends after a realistic delay:
 *   - hfroscrdy / hfxoscrdy: set `hfrosc-ready-cycles` / `hfxosc-ready-
 *     cycles` CPU cycles after the oscillator's enable bit goes from 0 to
 *     1 (defaults: 10 us and 1 ms of virtual time), clear while disabled;
 *   - plllock: 0 while the PLL is bypassed (pllbypass powers it down) or
 *     its reference (pllrefsel: 1 HFXOSC, 0 HFROSC) is not ready; set
 *     `pll-lock-cycles` CPU cycles (default 100 us) after the later of
 *     "bypass cleared or pllr/pllf/pllq/pllrefsel changed" and "the
 *     reference became ready".
 * At reset both oscillators run and are ready, and the PLL is bypassed
 * with the HFXOSC as reference: the state the HiFive1 boot loader leaves.
 * The bits are computed when read, from the times above: no clock events.
 *
 * Selecting the PLL (pllsel) before it has locked is reported as a guest
 * diagnostic (DeviceHost.log_guest), each time.
 *
 * Properties: the three delays above and `bad-access` (regs.h).
 *
 * Not modelled: the clocks themselves (the CPU runs at the board's
 * `frequency` whatever these registers say), the process monitor beyond
 * storing procmoncfg, the oscillators' trim and divider effects.
 */
#include "peripherals/peripheral.h"
#include "peripherals/regs.h"
#include "soc/alloc.h"

#include <stdlib.h>

/* hfrosccfg */
#define HFROSC_DIV 0x3fu
#define HFROSC_TRIM (0x1fu << 16)
#define HFROSC_EN (1u << 30)
#define HFROSC_RDY (1u << 31)
#define HFROSC_RESET (HFROSC_EN | (16u << 16) | 4u)
/* hfxosccfg */
#define HFXOSC_EN (1u << 30)
#define HFXOSC_RDY (1u << 31)
#define HFXOSC_RESET HFXOSC_EN
/* pllcfg */
#define PLL_R 0x7u
#define PLL_F (0x3fu << 4)
#define PLL_Q (0x3u << 10)
#define PLL_SEL (1u << 16)
#define PLL_REFSEL (1u << 17)
#define PLL_BYPASS (1u << 18)
#define PLL_LOCK (1u << 31)
#define PLL_RESET (PLL_BYPASS | PLL_REFSEL | (3u << 10) | (0x1fu << 4) | 1u)
/* Fields whose change makes the PLL lock again. */
#define PLL_RELOCK (PLL_R | PLL_F | PLL_Q | PLL_REFSEL)
/* plloutdiv */
#define PLLOUT_DIV 0x3fu
#define PLLOUT_DIVBY1 (1u << 8)
#define PLLOUT_RESET PLLOUT_DIVBY1
/* procmoncfg */
#define PROCMON_MASK (0x1fu | (0x1fu << 8) | (1u << 16) | (3u << 24) | (1u << 28))

/* Default delays, in microseconds of virtual time. */
#define HFROSC_READY_US 10
#define HFXOSC_READY_US 1000
#define PLL_LOCK_US 100

typedef struct Prci {
    Clock *clock;
    DeviceHost host;
    char *name;
    RegBank bank;
    uint64_t hfrosc_delay, hfxosc_delay, pll_delay; /* CPU cycles */
    /* The writable fields; ready and lock bits are computed. */
    uint32_t hfrosccfg, hfxosccfg, pllcfg, plloutdiv, procmoncfg;
    /* When each oscillator is (or was) ready; CLOCK_NEVER exactly while it
     * is disabled, which is how a write tells that it enables it. */
    uint64_t hfrosc_ready_at, hfxosc_ready_at;
    uint64_t pll_start; /* settings last changed; NEVER while bypassed */
    uint32_t pllcfg_before; /* pllcfg as the previous write left it */
} Prci;

/* True once `at` (CLOCK_NEVER: never) has come. */
static bool prci_reached(const Prci *p, uint64_t at)
{
    return at != CLOCK_NEVER && clock_now(p->clock) >= at;
}

static uint64_t prci_after(const Prci *p, uint64_t delay)
{
    uint64_t now = clock_now(p->clock);
    return delay >= CLOCK_NEVER - now ? CLOCK_NEVER - 1 : now + delay;
}

static bool prci_pll_locked(const Prci *p)
{
    uint64_t ref_ready = (p->pllcfg & PLL_REFSEL) ? p->hfxosc_ready_at
                                                  : p->hfrosc_ready_at;
    if (p->pll_start == CLOCK_NEVER || ref_ready == CLOCK_NEVER)
        return false;
    uint64_t start = p->pll_start > ref_ready ? p->pll_start : ref_ready;
    if (p->pll_delay >= CLOCK_NEVER - start)
        return false;
    return prci_reached(p, start + p->pll_delay);
}

/* ---- registers: the hooks (the table stores the fields, masked) ---- */

/* An oscillator's enable bit was written: disabling stops it, enabling a
 * stopped one starts its delay, rewriting a running one changes nothing. */
static void osc_enable_written(const Prci *p, bool enabled, uint64_t delay,
                               uint64_t *ready_at)
{
    if (!enabled)
        *ready_at = CLOCK_NEVER;
    else if (*ready_at == CLOCK_NEVER)
        *ready_at = prci_after(p, delay);
}

static uint32_t hfrosccfg_read(void *dev, unsigned index, bool peek)
{
    const Prci *p = dev;
    return p->hfrosccfg | (prci_reached(p, p->hfrosc_ready_at) ? HFROSC_RDY : 0);
}

static void hfrosccfg_write(void *dev, unsigned index, uint32_t v)
{
    Prci *p = dev;
    osc_enable_written(p, v & HFROSC_EN, p->hfrosc_delay, &p->hfrosc_ready_at);
}

static uint32_t hfxosccfg_read(void *dev, unsigned index, bool peek)
{
    const Prci *p = dev;
    return p->hfxosccfg | (prci_reached(p, p->hfxosc_ready_at) ? HFXOSC_RDY : 0);
}

static void hfxosccfg_write(void *dev, unsigned index, uint32_t v)
{
    Prci *p = dev;
    osc_enable_written(p, v & HFXOSC_EN, p->hfxosc_delay, &p->hfxosc_ready_at);
}

static uint32_t pllcfg_read(void *dev, unsigned index, bool peek)
{
    const Prci *p = dev;
    return p->pllcfg | (prci_pll_locked(p) ? PLL_LOCK : 0);
}

static void pllcfg_write(void *dev, unsigned index, uint32_t v)
{
    Prci *p = dev;
    uint32_t old = p->pllcfg_before;
    p->pllcfg_before = v;
    if (v & PLL_BYPASS)
        p->pll_start = CLOCK_NEVER;
    else if ((old & PLL_BYPASS) || ((old ^ v) & PLL_RELOCK))
        p->pll_start = clock_now(p->clock);
    if ((v & PLL_SEL) && !(old & PLL_SEL) && !(v & PLL_BYPASS) &&
        !prci_pll_locked(p))
        device_log_guest(&p->host, p->name, "pllsel set while the PLL is "
                         "not locked (the clock would glitch)");
}

static const RegField hfrosccfg_fields[] = {
    {"hfroscdiv", 0, 6}, {"hfrosctrim", 16, 5}, {"hfroscen", 30, 1},
    {"hfroscrdy", 31, 1}, {0},
};
static const RegField hfxosccfg_fields[] = {
    {"hfxoscen", 30, 1}, {"hfxoscrdy", 31, 1}, {0},
};
static const RegField pllcfg_fields[] = {
    {"pllr", 0, 3}, {"pllf", 4, 6}, {"pllq", 10, 2}, {"pllsel", 16, 1},
    {"pllrefsel", 17, 1}, {"pllbypass", 18, 1}, {"plllock", 31, 1}, {0},
};
static const RegField plloutdiv_fields[] = {
    {"plloutdiv", 0, 6}, {"plloutdivby1", 8, 1}, {0},
};
static const RegField procmoncfg_fields[] = {
    {"procmondivsel", 0, 5}, {"procmondelaysel", 8, 5}, {"procmonen", 16, 1},
    {"procmonsel", 24, 2}, {"procmonnten", 28, 1}, {0},
};

static const RegDef prci_regs[] = {
    {.name = "hfrosccfg", .offset = 0x00, .width = 4, .access = REG_RW,
     .reset = HFROSC_RESET, .mask = HFROSC_DIV | HFROSC_TRIM | HFROSC_EN,
     .store = offsetof(Prci, hfrosccfg), .read = hfrosccfg_read,
     .write = hfrosccfg_write, .fields = hfrosccfg_fields},
    {.name = "hfxosccfg", .offset = 0x04, .width = 4, .access = REG_RW,
     .reset = HFXOSC_RESET, .mask = HFXOSC_EN,
     .store = offsetof(Prci, hfxosccfg), .read = hfxosccfg_read,
     .write = hfxosccfg_write, .fields = hfxosccfg_fields},
    {.name = "pllcfg", .offset = 0x08, .width = 4, .access = REG_RW,
     .reset = PLL_RESET,
     .mask = PLL_R | PLL_F | PLL_Q | PLL_SEL | PLL_REFSEL | PLL_BYPASS,
     .store = offsetof(Prci, pllcfg), .read = pllcfg_read,
     .write = pllcfg_write, .fields = pllcfg_fields},
    {.name = "plloutdiv", .offset = 0x0c, .width = 4, .access = REG_RW,
     .reset = PLLOUT_RESET, .mask = PLLOUT_DIV | PLLOUT_DIVBY1,
     .store = offsetof(Prci, plloutdiv), .fields = plloutdiv_fields},
    {.name = "procmoncfg", .offset = 0xf0, .width = 4, .access = REG_RW,
     .mask = PROCMON_MASK, .store = offsetof(Prci, procmoncfg),
     .fields = procmoncfg_fields},
};

/* The times the ready and lock bits are computed from. */
static const RegState prci_state[] = {
    REG_STATE(Prci, hfrosc_ready_at),
    REG_STATE(Prci, hfxosc_ready_at),
    REG_STATE(Prci, pll_start),
    REG_STATE(Prci, pllcfg_before),
};

static const RegTable prci_table = {
    .regs = prci_regs,
    .nregs = REG_TABLE_LEN(prci_regs),
    .state = prci_state,
    .nstate = REG_TABLE_LEN(prci_state),
};

REGS_STATE_HOOKS(prci, Prci, bank, "sifive,fe310-prci")

/* ---- the class ---- */

static void prci_reset(void *state)
{
    Prci *p = state;
    regs_reset(&p->bank);
    p->hfrosc_ready_at = 0; /* running and ready */
    p->hfxosc_ready_at = 0;
    p->pll_start = CLOCK_NEVER; /* bypassed */
    p->pllcfg_before = PLL_RESET;
}

static void prci_finalize(void *opaque)
{
    Prci *p = opaque;
    free(p->name);
    free(p);
}

/* A delay property in CPU cycles; the default is `us` microseconds of
 * virtual time at the clock's frequency. */
static bool prci_delay_prop(const DeviceConfig *config, const char *key,
                            uint64_t us, uint64_t *out, Error **errp)
{
    uint64_t hz = clock_hz(config->host->clock);
    uint64_t dflt = (uint64_t)((unsigned __int128)hz * us / 1000000);
    return device_prop_u64(config, key, dflt, out, errp);
}

static const DeviceProperty prci_props[] = {
    {"hfrosc-ready-cycles", "CPU cycles from hfroscen to hfroscrdy; default "
     "10 us of virtual time", false},
    {"hfxosc-ready-cycles", "CPU cycles from hfxoscen to hfxoscrdy; default "
     "1 ms of virtual time", false},
    {"pll-lock-cycles", "CPU cycles the PLL takes to lock; default 100 us of "
     "virtual time", false},
    REGS_BAD_ACCESS_PROPERTY,
    {0},
};

static bool prci_create(const DeviceConfig *config, Device *out, Error **errp)
{
    const BoardPeripheral *desc = config->desc;
    if (!device_check_props(config, prci_props, errp) ||
        !device_require_clock(config, errp))
        return false;
    uint64_t hfrosc, hfxosc, pll;
    if (!prci_delay_prop(config, "hfrosc-ready-cycles", HFROSC_READY_US,
                         &hfrosc, errp) ||
        !prci_delay_prop(config, "hfxosc-ready-cycles", HFXOSC_READY_US,
                         &hfxosc, errp) ||
        !prci_delay_prop(config, "pll-lock-cycles", PLL_LOCK_US, &pll, errp))
        return false;
    Prci *p = xcalloc(1, sizeof *p);
    p->name = xstrdup(desc->name);
    if (!regs_bank_init(&p->bank, &prci_table, p, p->name, config, errp)) {
        free(p->name);
        free(p);
        return false;
    }
    p->clock = config->host->clock;
    p->host = *config->host;
    p->hfrosc_delay = hfrosc;
    p->hfxosc_delay = hfxosc;
    p->pll_delay = pll;
    prci_reset(p);
    out->owner = owner_new(config->ms, desc->name, prci_finalize, p);
    out->region = regs_region_new(out->owner, &p->bank, config->size);
    out->state = p;
    return true;
}

const PeripheralClass sifive_prci_class = {
    .type = "sifive,fe310-prci",
    .description = "SiFive FE310 PRCI: oscillators and PLL with ready/lock "
                   "timing (clock rates not modelled)",
    .default_size = 0x1000,
    .min_size = 0x100,
    .max_size = 0x1000,
    .properties = prci_props,
    .create = prci_create,
    .reset = prci_reset,
    .registers = &prci_table,
    .save_state = prci_save_state,
    .load_state = prci_load_state,
};
