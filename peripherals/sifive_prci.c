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
 * Bits outside the fields read 0 and ignore writes; so do other offsets.
 * Accesses must be 32-bit and aligned (anything else is a bus error).
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
 * Not modelled: the clocks themselves (the CPU runs at the board's
 * `frequency` whatever these registers say), the process monitor beyond
 * storing procmoncfg, the oscillators' trim and divider effects.
 */
#include "peripherals/peripheral.h"
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
    uint64_t hfrosc_delay, hfxosc_delay, pll_delay; /* CPU cycles */
    /* The writable fields; ready and lock bits are computed. */
    uint32_t hfrosccfg, hfxosccfg, pllcfg, plloutdiv, procmoncfg;
    uint64_t hfrosc_ready_at; /* CLOCK_NEVER while disabled */
    uint64_t hfxosc_ready_at;
    uint64_t pll_start;       /* settings last changed; NEVER while bypassed */
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

/* ---- registers ---- */

static uint32_t hfrosccfg_get(const Prci *p)
{
    return p->hfrosccfg | (prci_reached(p, p->hfrosc_ready_at) ? HFROSC_RDY : 0);
}

static void hfrosccfg_set(Prci *p, uint32_t v)
{
    uint32_t old = p->hfrosccfg;
    p->hfrosccfg = v & (HFROSC_DIV | HFROSC_TRIM | HFROSC_EN);
    if (!(p->hfrosccfg & HFROSC_EN))
        p->hfrosc_ready_at = CLOCK_NEVER;
    else if (!(old & HFROSC_EN))
        p->hfrosc_ready_at = prci_after(p, p->hfrosc_delay);
}

static uint32_t hfxosccfg_get(const Prci *p)
{
    return p->hfxosccfg | (prci_reached(p, p->hfxosc_ready_at) ? HFXOSC_RDY : 0);
}

static void hfxosccfg_set(Prci *p, uint32_t v)
{
    uint32_t old = p->hfxosccfg;
    p->hfxosccfg = v & HFXOSC_EN;
    if (!(p->hfxosccfg & HFXOSC_EN))
        p->hfxosc_ready_at = CLOCK_NEVER;
    else if (!(old & HFXOSC_EN))
        p->hfxosc_ready_at = prci_after(p, p->hfxosc_delay);
}

static uint32_t pllcfg_get(const Prci *p)
{
    return p->pllcfg | (prci_pll_locked(p) ? PLL_LOCK : 0);
}

static void pllcfg_set(Prci *p, uint32_t v)
{
    uint32_t old = p->pllcfg;
    p->pllcfg = v & (PLL_R | PLL_F | PLL_Q | PLL_SEL | PLL_REFSEL | PLL_BYPASS);
    if (p->pllcfg & PLL_BYPASS)
        p->pll_start = CLOCK_NEVER;
    else if ((old & PLL_BYPASS) || ((old ^ p->pllcfg) & PLL_RELOCK))
        p->pll_start = clock_now(p->clock);
    if ((p->pllcfg & PLL_SEL) && !(old & PLL_SEL) &&
        !(p->pllcfg & PLL_BYPASS) && !prci_pll_locked(p))
        device_log_guest(&p->host, p->name, "pllsel set while the PLL is "
                         "not locked (the clock would glitch)");
}

static uint32_t plloutdiv_get(const Prci *p) { return p->plloutdiv; }
static void plloutdiv_set(Prci *p, uint32_t v)
{
    p->plloutdiv = v & (PLLOUT_DIV | PLLOUT_DIVBY1);
}

static uint32_t procmoncfg_get(const Prci *p) { return p->procmoncfg; }
static void procmoncfg_set(Prci *p, uint32_t v) { p->procmoncfg = v & PROCMON_MASK; }

typedef struct PrciReg {
    const char *name;
    uint32_t offset;
    uint32_t (*get)(const Prci *p);
    void (*set)(Prci *p, uint32_t value);
} PrciReg;

static const PrciReg prci_regs[] = {
    { "hfrosccfg",  0x00, hfrosccfg_get,  hfrosccfg_set },
    { "hfxosccfg",  0x04, hfxosccfg_get,  hfxosccfg_set },
    { "pllcfg",     0x08, pllcfg_get,     pllcfg_set },
    { "plloutdiv",  0x0c, plloutdiv_get,  plloutdiv_set },
    { "procmoncfg", 0xf0, procmoncfg_get, procmoncfg_set },
};

static const PrciReg *prci_find_reg(uint64_t offset)
{
    for (size_t i = 0; i < sizeof prci_regs / sizeof prci_regs[0]; i++)
        if (prci_regs[i].offset == offset)
            return &prci_regs[i];
    return NULL;
}

/* False (a bus error) for anything but an aligned 32-bit access. */
static bool prci_read(void *opaque, uint64_t offset, unsigned size,
                      uint32_t *value)
{
    if (size != 4 || offset % 4)
        return false;
    const PrciReg *reg = prci_find_reg(offset);
    *value = reg ? reg->get(opaque) : 0;
    return true;
}

static bool prci_write(void *opaque, uint64_t offset, unsigned size,
                       uint32_t value)
{
    if (size != 4 || offset % 4)
        return false;
    const PrciReg *reg = prci_find_reg(offset);
    if (reg)
        reg->set(opaque, value);
    return true;
}

static const MmioOps prci_ops = {
    .read = prci_read,
    .write = prci_write,
    .peek = prci_read,
};

/* ---- the class ---- */

static void prci_reset(void *state)
{
    Prci *p = state;
    p->hfrosccfg = HFROSC_RESET;
    p->hfxosccfg = HFXOSC_RESET;
    p->pllcfg = PLL_RESET;
    p->plloutdiv = PLLOUT_RESET;
    p->procmoncfg = 0;
    p->hfrosc_ready_at = 0; /* running and ready */
    p->hfxosc_ready_at = 0;
    p->pll_start = CLOCK_NEVER; /* bypassed */
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
    p->clock = config->host->clock;
    p->host = *config->host;
    p->name = xstrdup(desc->name);
    p->hfrosc_delay = hfrosc;
    p->hfxosc_delay = hfxosc;
    p->pll_delay = pll;
    prci_reset(p);
    out->owner = owner_new(config->ms, desc->name, prci_finalize, p);
    out->region = memory_region_new_mmio(out->owner, desc->name, config->size,
                                         &prci_ops, p);
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
};
