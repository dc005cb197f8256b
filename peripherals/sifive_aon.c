/* SiFive FE310 always-on block ("sifive,aon"): the watchdog, the real-time
 * clock, the low-frequency clock controls, the backup registers and the
 * power-management unit's registers, as on the FE310-G002.
 *
 * Register map (SiFive FE310-G002 Manual: "Always-On (AON) Domain" memory
 * map, "Watchdog Timer (WDT)", "Real-Time Clock (RTC)", "Power-Management
 * Unit (PMU)", and the LFROSC / LFALTCLK sections of "Clock Generation";
 * offsets from the base, 0x10000000 on the FE310):
 *   0x000 wdogcfg    wdogscale 3:0, wdogrsten 8, wdogzerocmp 9,
 *                    wdogenalways 12, wdogcoreawake 13, wdogip0 28
 *   0x008 wdogcount  31-bit counter
 *   0x010 wdogs      (RO) wdogcount[scale+15:scale]
 *   0x018 wdogfeed   write 0x0d09f00d: the counter restarts from 0; reads 0
 *   0x01c wdogkey    write 0x51f15e: unlocks the next watchdog write; reads
 *                    1 while unlocked
 *   0x020 wdogcmp0   16 bits
 *   0x040 rtccfg     rtcscale 3:0, rtcenalways 12, rtcip0 28 (RO)
 *   0x048 rtccountlo / 0x04c rtccounthi (15:0): the 48-bit counter
 *   0x050 rtcs       (RO) rtccount[scale+31:scale]
 *   0x060 rtccmp0    32 bits
 *   0x070 lfrosccfg  lfroscdiv 5:0, lfrosctrim 20:16, lfroscen 30,
 *                    lfroscrdy 31 (RO, = lfroscen); reset 0xc0100004
 *                    (enabled, trim 16, divide by 5)
 *   0x07c lfclkmux   lfextclk_sel 0 (reset 0: LFROSC), lfextclk_mux_status
 *                    31 (RO: the aon_lfclksel pin)
 *   0x080 backup0..15  plain 32-bit registers
 *   0x100 pmuwakepm0..7 / 0x120 pmusleeppm0..7  10 bits each
 *   0x140 pmuie      bits 3:1 (rtc, dwakeup, awakeup)
 *   0x144 pmucause   (RO) wakeupcause 1:0, resetcause 9:8
 *   0x148 pmusleep   write: deep sleep (see below)
 *   0x14c pmukey     write 0x51f15e: unlocks the next PMU write; reads 1
 *                    while unlocked
 * Writes to a watchdog register (0x000-0x020 but wdogkey) while locked are
 * ignored (and reported); any such write locks again. Likewise the PMU
 * registers (0x100-0x148) with pmukey. Other offsets read 0 and ignore
 * writes. Accesses must be 32-bit and aligned (else a bus error).
 * Outputs, in wiring order: wdog (wdogip0; PLIC source 1 on the FE310)
 * and rtc (rtcip0; PLIC source 2).
 *
 * The low-frequency clock (lfclk), which both counters count, is chosen as
 * the manual's clock-generation chapter draws it: the aon_lfclksel pin
 * (read back in lfextclk_mux_status) low forces the external psdlfaltclk;
 * high lets lfextclk_sel choose: 0 the internal LFROSC divided by
 * lfroscdiv + 1 (stopped while lfroscen is 0), 1 psdlfaltclk. Properties:
 *   lfrosc-frequency    the LFROSC before its divider, default 32768 Hz,
 *                       the nominal rate SiFive's HiFive1 Rev B description
 *                       (freedom-e-sdk core.dts, `lfrosc`) and its
 *                       freedom-metal driver use; so at reset lfclk runs at
 *                       32768 / 5 = 6553.6 Hz (freedom-metal, dividing in
 *                       integers, computes 6553)
 *   lfaltclk-frequency  what the board drives on psdlfaltclk, default 32768
 *                       (the HiFive1 Rev B's 32.768 kHz clock); 0: nothing
 *                       (lfclk stops while it is selected)
 *   lfclksel            the aon_lfclksel pin, 0 or 1, default 1
 *   lfclk-frequency     the old name, from before the LFROSC was modelled,
 *                       when lfclk ran at this rate from power-on: the same
 *                       as lfaltclk-frequency with lfclksel 0 (so an old
 *                       board keeps its timing); it cannot be given with
 *                       either
 * All frequencies are at most 0xffffffff Hz. lfrosctrim is stored but
 * does not change the rate (the manual gives no rate per trim step). A
 * write to lfrosccfg or lfclkmux that changes the rate takes effect at
 * once (the divider restarts its count): pending watchdog and RTC events
 * move to the cycles at which the new clock reaches them. A write that
 * leaves the rate as it was (the trim, the divider or enable of an LFROSC
 * that is not selected) changes no tick.
 *
 * Both counters count lfclk ticks while enabled (watchdog: wdogenalways or
 * wdogcoreawake, the core being always awake here; RTC: rtcenalways). A
 * clock event waits for the first cycle at which the compare matches.
 * Watchdog: a match sets the sticky wdogip0, clears the counter on that
 * tick when wdogzerocmp is set; with wdogrsten the match instead asks the
 * machine to reset (DeviceHost.request_reset) from that event, without
 * raising ip0 first (a machine that cannot reset gets ip0 and a guest
 * diagnostic). rtcip0 is a level: rtcs >= rtccmp0.
 *
 * Deep sleep (a write to pmusleep): when nothing could ever wake the chip
 * again (pmuie's rtc wake-up off or the RTC stopped, no watchdog armed to
 * reset: one that counts with wdogenalways, since wdogcoreawake stops
 * with the core; the dwakeup pin is never driven here), the chip is off
 * for good: the device asks the machine to end the run with exit status
 * 0 (DeviceHost.request_exit) and says so as a guest diagnostic. That is
 * how a HiFive1 firmware without an exit device ends cleanly. A sleep that
 * the RTC or the watchdog would end is not modelled, nor is deep sleep on
 * a machine that cannot end the run (no request_exit): either is reported
 * and the core keeps running.
 *
 * Machine reset (the class `reset` hook), whatever asked for it: the
 * watchdog returns to its reset values (disabled, counter 0, locked);
 * the RTC, the low-frequency clock controls, the backup registers and the
 * PMU programs keep their state, as the always-on domain does; pmucause
 * records the cause: resetcause 2 (watchdog) when this watchdog bit, else
 * 1 (external), wakeupcause 0. At power-on pmucause is 0. The hardware
 * leaves wdogcmp0 and rtccmp0 undefined; here they reset to all ones so
 * nothing matches until programmed. The PMU programs reset to SiFive's
 * default FE310-G002 sleep and wake programs.
 *
 * Guest diagnostics (DeviceHost.log_guest): writes ignored because the
 * watchdog or the PMU is locked, a watchdog bite on a machine that cannot
 * reset, deep sleep.
 *
 * Not modelled: waking from sleep (the PMU programs are stored, never
 * run), the digital wake-up pin, the LFROSC's trim and its start-up time
 * (lfroscrdy follows lfroscen at once), a CPU asleep for wdogcoreawake.
 * wdogcfg and rtccfg read their ip0 bit from the counter at the exact
 * cycle; other effects of a match (wdogzerocmp, a reset) happen when its
 * event runs, at most one CPU block later.
 */
#include "peripherals/peripheral.h"
#include "soc/alloc.h"

#include <stdlib.h>
#include <string.h>

#define AON_LFROSC_HZ 32768    /* the LFROSC before its divider */
#define AON_LFALTCLK_HZ 32768  /* the HiFive1 Rev B's psdlfaltclk */
#define AON_KEY 0x51f15eu
#define WDOG_FOOD 0x0d09f00du

/* wdogcfg */
#define WDOG_SCALE 0xfu
#define WDOG_RSTEN (1u << 8)
#define WDOG_ZEROCMP (1u << 9)
#define WDOG_ENALWAYS (1u << 12)
#define WDOG_COREAWAKE (1u << 13)
#define WDOG_IP0 (1u << 28)
#define WDOGCFG_MASK (WDOG_SCALE | WDOG_RSTEN | WDOG_ZEROCMP | WDOG_ENALWAYS | \
                      WDOG_COREAWAKE | WDOG_IP0)
#define WDOG_COUNT_MASK 0x7fffffffu
/* rtccfg */
#define RTC_SCALE 0xfu
#define RTC_ENALWAYS (1u << 12)
#define RTC_IP0 (1u << 28)
#define RTC_COUNT_MASK ((UINT64_C(1) << 48) - 1)
/* lfrosccfg */
#define LFROSC_MASK (0x3fu | (0x1fu << 16) | (1u << 30))
#define LFROSC_EN (1u << 30)
#define LFROSC_RDY (1u << 31)
#define LFROSC_DIV 0x3fu
#define LFROSC_RESET (LFROSC_EN | (16u << 16) | 4u)
/* lfclkmux */
#define LFCLKMUX_SEL 1u
#define LFCLKMUX_STATUS (1u << 31)
/* PMU */
#define PMU_PROGRAM_MASK 0x3ffu
#define PMUIE_MASK 0xeu
#define PMUIE_RTC (1u << 1)
#define RESETCAUSE_EXTERNAL (1u << 8)
#define RESETCAUSE_WATCHDOG (2u << 8)

#define AON_BACKUP_REGS 16
#define AON_PMU_PROGRAM 8

enum { AON_WDOG, AON_RTC, AON_NUM_IRQS };

static const char *const aon_irq_names[AON_NUM_IRQS] = {
    [AON_WDOG] = "wdog",
    [AON_RTC] = "rtc",
};

/* SiFive's default FE310-G002 PMU programs. */
static const uint32_t default_wake[AON_PMU_PROGRAM] = {
    0x3f0, 0x2f8, 0x030, 0x030, 0x030, 0x030, 0x030, 0x030,
};
static const uint32_t default_sleep[AON_PMU_PROGRAM] = {
    0x2f0, 0x3f0, 0x3d0, 0x3c0, 0x3c0, 0x3c0, 0x3c0, 0x3c0,
};

typedef struct Aon {
    Clock *clock;
    DeviceHost host;
    char *name;
    IrqLine irqs[AON_NUM_IRQS];

    /* The low-frequency clock: a source of lf_hz divided by lf_div, that
     * is lf_hz / lf_div ticks a second since epoch_cycle, epoch_ticks
     * before it (ticks count from power-on and never jump). lf_hz 0:
     * stopped. */
    uint64_t lfrosc_hz, lfaltclk_hz;
    bool lfclksel_pin;
    uint64_t lf_hz, lf_div;
    uint64_t epoch_cycle, epoch_ticks;

    /* Watchdog: count = wdog_base + ticks since wdog_anchor while running. */
    ClockEvent *wdog_event;
    uint32_t wdogcfg;
    uint32_t wdog_base;
    uint64_t wdog_anchor;
    uint64_t wdog_due; /* the tick wdog_event waits for */
    uint32_t wdogcmp;
    bool wdog_unlocked;
    bool wdog_biting; /* this watchdog asked for the reset in progress */

    /* RTC: count = rtc_base + ticks since rtc_anchor while enabled. */
    ClockEvent *rtc_event;
    uint32_t rtccfg;
    uint64_t rtc_base;
    uint64_t rtc_anchor;
    uint32_t rtccmp;

    uint32_t lfrosccfg, lfclkmux;
    uint32_t backup[AON_BACKUP_REGS];
    uint32_t pmuwakepm[AON_PMU_PROGRAM], pmusleeppm[AON_PMU_PROGRAM];
    uint32_t pmuie, pmucause;
    bool pmu_unlocked;
} Aon;

/* ---- the low-frequency clock ---- */

/* The source lfclk follows now: psdlfaltclk when the pin forces it or
 * lfextclk_sel picks it, else the LFROSC through its divider. */
static bool lfclk_is_external(const Aon *a)
{
    return !a->lfclksel_pin || (a->lfclkmux & LFCLKMUX_SEL);
}

/* The source lfclk counts and its divider, from the registers. */
static void lfclk_rate(const Aon *a, uint64_t *hz, uint64_t *div)
{
    *hz = a->lfaltclk_hz;
    *div = 1;
    if (!lfclk_is_external(a)) {
        *hz = (a->lfrosccfg & LFROSC_EN) ? a->lfrosc_hz : 0;
        *div = (a->lfrosccfg & LFROSC_DIV) + 1;
    }
}

/* Low-frequency clock ticks since power-on at `cycle` (not before the
 * epoch): the source's ticks, divided (floor of a floor is the floor of
 * the whole quotient). */
static uint64_t aon_ticks_at(const Aon *a, uint64_t cycle)
{
    uint64_t source = clock_cycles_to(a->clock, cycle - a->epoch_cycle, a->lf_hz);
    return a->epoch_ticks + source / a->lf_div;
}

static uint64_t aon_ticks(const Aon *a)
{
    return aon_ticks_at(a, clock_now(a->clock));
}

/* The first cycle at which the tick count reaches `tick`; CLOCK_NEVER when
 * the clock is stopped or it is too far away (past the last cycle, or
 * more than 2^64 source cycles on: centuries of virtual time). */
static uint64_t aon_cycle_of_tick(const Aon *a, uint64_t tick)
{
    if (tick <= a->epoch_ticks)
        return a->epoch_cycle;
    uint64_t ticks = tick - a->epoch_ticks;
    if (!a->lf_hz || ticks > CLOCK_NEVER / a->lf_div)
        return CLOCK_NEVER;
    uint64_t wait = clock_cycles_from(a->clock, ticks * a->lf_div, a->lf_hz);
    return wait >= CLOCK_NEVER - a->epoch_cycle ? CLOCK_NEVER
                                                : a->epoch_cycle + wait;
}

static void aon_schedule(Aon *a, ClockEvent *event, uint64_t due_tick)
{
    uint64_t when = aon_cycle_of_tick(a, due_tick);
    if (when == CLOCK_NEVER)
        clock_event_cancel(event);
    else
        clock_event_schedule(event, when);
}

/* Ticks from `count` until a compare of `cmp` against the `width`-bit
 * window of the counter at `scale` next becomes true; 0 when it never
 * becomes true again (cmp 0: always true). The counter's wrap is a
 * multiple of the window's period, so one formula covers both. */
static uint64_t ticks_to_match(uint64_t count, unsigned scale, unsigned width,
                               uint64_t cmp)
{
    if (cmp == 0)
        return 0;
    uint64_t period = UINT64_C(1) << (scale + width);
    uint64_t pos = count & (period - 1);
    uint64_t target = cmp << scale;
    return pos < target ? target - pos : period - pos + target;
}

/* ---- watchdog ---- */

static bool wdog_running(const Aon *a)
{
    return a->wdogcfg & (WDOG_ENALWAYS | WDOG_COREAWAKE);
}

static uint32_t wdog_count(const Aon *a, uint64_t ticks)
{
    if (!wdog_running(a))
        return a->wdog_base;
    return (uint32_t)((a->wdog_base + (ticks - a->wdog_anchor)) & WDOG_COUNT_MASK);
}

static uint32_t wdog_scaled(const Aon *a, uint32_t count)
{
    return (count >> (a->wdogcfg & WDOG_SCALE)) & 0xffff;
}

static bool wdog_match(const Aon *a, uint64_t ticks)
{
    return wdog_scaled(a, wdog_count(a, ticks)) >= a->wdogcmp;
}

/* Freezes the count in wdog_base before a change of configuration. */
static void wdog_settle(Aon *a, uint64_t ticks)
{
    a->wdog_base = wdog_count(a, ticks);
    a->wdog_anchor = ticks;
}

static void wdog_restart(Aon *a, uint32_t count, uint64_t ticks)
{
    a->wdog_base = count & WDOG_COUNT_MASK;
    a->wdog_anchor = ticks;
}

/* The one place the watchdog's output, zero-compare and reset happen;
 * called after every watchdog write and when its event fires. */
static void wdog_update(Aon *a, bool fired)
{
    uint64_t ticks = aon_ticks(a);
    bool match = wdog_match(a, ticks);
    if (match && (a->wdogcfg & WDOG_RSTEN) && a->host.request_reset) {
        /* The reset rewrites the watchdog and drives its output: raising
         * ip0 first would only leave a stale request in the PLIC. */
        a->wdog_biting = true;
        a->host.request_reset(a->host.opaque); /* runs aon_reset */
        return;
    }
    if (match && (a->wdogcfg & WDOG_RSTEN) && !(a->wdogcfg & WDOG_IP0))
        device_log_guest(&a->host, a->name, "the watchdog bit but this "
                         "machine cannot reset (wdogip0 set instead)");
    if (match) {
        a->wdogcfg |= WDOG_IP0;
        if (a->wdogcfg & WDOG_ZEROCMP) /* back to 0 on the matching tick */
            wdog_restart(a, 0, fired && a->wdog_due <= ticks ? a->wdog_due
                                                             : ticks);
    }
    irq_set(&a->irqs[AON_WDOG], a->wdogcfg & WDOG_IP0);
    uint64_t delta = ticks_to_match(wdog_count(a, ticks), a->wdogcfg & WDOG_SCALE,
                                    16, a->wdogcmp);
    if (wdog_running(a) && delta) {
        a->wdog_due = ticks + delta;
        aon_schedule(a, a->wdog_event, a->wdog_due);
    } else {
        clock_event_cancel(a->wdog_event);
    }
}

static void wdog_fired(void *opaque)
{
    wdog_update(opaque, true);
}

/* ---- RTC ---- */

static bool rtc_running(const Aon *a)
{
    return a->rtccfg & RTC_ENALWAYS;
}

static uint64_t rtc_count(const Aon *a, uint64_t ticks)
{
    if (!rtc_running(a))
        return a->rtc_base;
    return (a->rtc_base + (ticks - a->rtc_anchor)) & RTC_COUNT_MASK;
}

static uint32_t rtc_scaled(const Aon *a, uint64_t ticks)
{
    return (uint32_t)(rtc_count(a, ticks) >> (a->rtccfg & RTC_SCALE));
}

static void rtc_settle(Aon *a, uint64_t ticks)
{
    a->rtc_base = rtc_count(a, ticks);
    a->rtc_anchor = ticks;
}

/* The one place the RTC's output is driven; schedules the event for its
 * next change (a rise at the compare, a fall when rtcs wraps). */
static void rtc_update(Aon *a)
{
    uint64_t ticks = aon_ticks(a);
    bool ip = rtc_scaled(a, ticks) >= a->rtccmp;
    irq_set(&a->irqs[AON_RTC], ip);
    uint64_t count = rtc_count(a, ticks);
    unsigned scale = a->rtccfg & RTC_SCALE;
    uint64_t delta;
    if (ip) /* falls when rtcs wraps to 0 */
        delta = a->rtccmp ? (UINT64_C(1) << (scale + 32)) -
                                (count & ((UINT64_C(1) << (scale + 32)) - 1))
                          : 0;
    else
        delta = ticks_to_match(count, scale, 32, a->rtccmp);
    if (rtc_running(a) && delta)
        aon_schedule(a, a->rtc_event, ticks + delta);
    else
        clock_event_cancel(a->rtc_event);
}

static void rtc_fired(void *opaque)
{
    rtc_update(opaque);
}

/* ---- registers ---- */

enum {
    WDOGCFG = 0x000, WDOGCOUNT = 0x008, WDOGS = 0x010, WDOGFEED = 0x018,
    WDOGKEY = 0x01c, WDOGCMP0 = 0x020,
    RTCCFG = 0x040, RTCCOUNTLO = 0x048, RTCCOUNTHI = 0x04c, RTCS = 0x050,
    RTCCMP0 = 0x060,
    LFROSCCFG = 0x070, LFCLKMUX = 0x07c,
    BACKUP0 = 0x080, BACKUP_END = BACKUP0 + 4 * AON_BACKUP_REGS,
    PMUWAKEPM0 = 0x100, PMUSLEEPPM0 = 0x120, PMU_PROGRAMS_END = 0x140,
    PMUIE = 0x140, PMUCAUSE = 0x144, PMUSLEEP = 0x148, PMUKEY = 0x14c,
};

static uint32_t aon_get(const Aon *a, uint64_t offset)
{
    uint64_t ticks = aon_ticks(a);
    if (offset >= BACKUP0 && offset < BACKUP_END)
        return a->backup[(offset - BACKUP0) / 4];
    if (offset >= PMUWAKEPM0 && offset < PMUSLEEPPM0)
        return a->pmuwakepm[(offset - PMUWAKEPM0) / 4];
    if (offset >= PMUSLEEPPM0 && offset < PMU_PROGRAMS_END)
        return a->pmusleeppm[(offset - PMUSLEEPPM0) / 4];
    switch (offset) {
    case WDOGCFG:
        return a->wdogcfg | (wdog_match(a, ticks) ? WDOG_IP0 : 0);
    case WDOGCOUNT: return wdog_count(a, ticks);
    case WDOGS: return wdog_scaled(a, wdog_count(a, ticks));
    case WDOGKEY: return a->wdog_unlocked;
    case WDOGCMP0: return a->wdogcmp;
    case RTCCFG:
        return a->rtccfg | (rtc_scaled(a, ticks) >= a->rtccmp ? RTC_IP0 : 0);
    case RTCCOUNTLO: return (uint32_t)rtc_count(a, ticks);
    case RTCCOUNTHI: return (uint32_t)(rtc_count(a, ticks) >> 32);
    case RTCS: return rtc_scaled(a, ticks);
    case RTCCMP0: return a->rtccmp;
    case LFROSCCFG:
        return a->lfrosccfg | (a->lfrosccfg & LFROSC_EN ? LFROSC_RDY : 0);
    case LFCLKMUX:
        return a->lfclkmux | (a->lfclksel_pin ? LFCLKMUX_STATUS : 0);
    case PMUIE: return a->pmuie;
    case PMUCAUSE: return a->pmucause;
    case PMUKEY: return a->pmu_unlocked;
    }
    return 0; /* wdogfeed, pmusleep and undefined offsets */
}

static void aon_report_locked(Aon *a, const char *what, const char *key,
                              uint64_t offset)
{
    device_log_guest(&a->host, a->name, "write at +0x%llx ignored: the %s is "
                     "locked (write 0x%x to %s first)",
                     (unsigned long long)offset, what, AON_KEY, key);
}

static void wdog_write(Aon *a, uint64_t offset, uint32_t value)
{
    uint64_t ticks = aon_ticks(a);
    if (offset == WDOGKEY) {
        a->wdog_unlocked = value == AON_KEY;
        return;
    }
    bool unlocked = a->wdog_unlocked;
    a->wdog_unlocked = false;
    if (!unlocked) {
        aon_report_locked(a, "watchdog", "wdogkey", offset);
        return;
    }
    switch (offset) {
    case WDOGCFG:
        wdog_settle(a, ticks);
        a->wdogcfg = value & WDOGCFG_MASK;
        break;
    case WDOGCOUNT:
        wdog_restart(a, value, ticks);
        break;
    case WDOGFEED:
        if (value == WDOG_FOOD)
            wdog_restart(a, 0, ticks);
        break;
    case WDOGCMP0:
        a->wdogcmp = value & 0xffff;
        break;
    }
    wdog_update(a, false);
}

static void rtc_write(Aon *a, uint64_t offset, uint32_t value)
{
    uint64_t ticks = aon_ticks(a);
    rtc_settle(a, ticks);
    switch (offset) {
    case RTCCFG:
        a->rtccfg = value & (RTC_SCALE | RTC_ENALWAYS);
        break;
    case RTCCOUNTLO:
        a->rtc_base = (a->rtc_base & ~UINT64_C(0xffffffff)) | value;
        break;
    case RTCCOUNTHI:
        a->rtc_base = (a->rtc_base & UINT64_C(0xffffffff)) |
                      (uint64_t)(value & 0xffff) << 32;
        break;
    case RTCCMP0:
        a->rtccmp = value;
        break;
    }
    rtc_update(a);
}

/* Deep sleep: the end of the run when nothing could ever wake the chip
 * (see the top of the file). The watchdog counts in deep sleep only with
 * wdogenalways: wdogcoreawake stops it with the core. */
static void pmu_sleep(Aon *a)
{
    bool rtc_wakes = (a->pmuie & PMUIE_RTC) && rtc_running(a);
    bool wdog_bites = (a->wdogcfg & WDOG_ENALWAYS) && (a->wdogcfg & WDOG_RSTEN);
    if (rtc_wakes || wdog_bites) {
        device_log_guest(&a->host, a->name, "pmusleep: a sleep the %s would "
                         "end is not modelled; the core keeps running",
                         rtc_wakes ? "RTC" : "watchdog");
        return;
    }
    if (!a->host.request_exit) {
        device_log_guest(&a->host, a->name, "pmusleep: deep sleep with "
                         "nothing that can wake the chip, on a machine that "
                         "cannot end the run, is not modelled; the core "
                         "keeps running");
        return;
    }
    device_log_guest(&a->host, a->name, "pmusleep: deep sleep with nothing "
                     "that can wake the chip: it stays off, the run ends");
    a->host.request_exit(a->host.opaque, 0);
}

static void pmu_write(Aon *a, uint64_t offset, uint32_t value)
{
    if (offset == PMUKEY) {
        a->pmu_unlocked = value == AON_KEY;
        return;
    }
    bool unlocked = a->pmu_unlocked;
    a->pmu_unlocked = false;
    if (!unlocked) {
        aon_report_locked(a, "PMU", "pmukey", offset);
        return;
    }
    if (offset < PMUSLEEPPM0)
        a->pmuwakepm[(offset - PMUWAKEPM0) / 4] = value & PMU_PROGRAM_MASK;
    else if (offset < PMU_PROGRAMS_END)
        a->pmusleeppm[(offset - PMUSLEEPPM0) / 4] = value & PMU_PROGRAM_MASK;
    else if (offset == PMUIE)
        a->pmuie = value & PMUIE_MASK;
    else if (offset == PMUSLEEP)
        pmu_sleep(a);
}

/* lfrosccfg or lfclkmux. Only a new rate restarts the divider: the tick
 * count so far is kept, and pending watchdog and RTC events move to the
 * cycles the new rate reaches them. A write that leaves the rate as it
 * was (the trim, the divider of an unselected LFROSC) changes no tick. */
static void lfclk_write(Aon *a, uint64_t offset, uint32_t value)
{
    if (offset == LFROSCCFG)
        a->lfrosccfg = value & LFROSC_MASK;
    else
        a->lfclkmux = value & LFCLKMUX_SEL;
    uint64_t hz, div;
    lfclk_rate(a, &hz, &div);
    if (hz == a->lf_hz && div == a->lf_div)
        return;
    uint64_t now = clock_now(a->clock);
    a->epoch_ticks = aon_ticks_at(a, now);
    a->epoch_cycle = now;
    a->lf_hz = hz;
    a->lf_div = div;
    wdog_update(a, false);
    rtc_update(a);
}

/* False (a bus error) for anything but an aligned 32-bit access. */
static bool aon_read(void *opaque, uint64_t offset, unsigned size,
                     uint32_t *value)
{
    if (size != 4 || offset % 4)
        return false;
    *value = aon_get(opaque, offset);
    return true;
}

static bool aon_write(void *opaque, uint64_t offset, unsigned size,
                      uint32_t value)
{
    Aon *a = opaque;
    if (size != 4 || offset % 4)
        return false;
    if (offset == WDOGCFG || offset == WDOGCOUNT || offset == WDOGS ||
        offset == WDOGFEED || offset == WDOGKEY || offset == WDOGCMP0)
        wdog_write(a, offset, value);
    else if (offset == RTCCFG || offset == RTCCOUNTLO ||
             offset == RTCCOUNTHI || offset == RTCCMP0)
        rtc_write(a, offset, value);
    else if (offset == LFROSCCFG || offset == LFCLKMUX)
        lfclk_write(a, offset, value);
    else if (offset >= BACKUP0 && offset < BACKUP_END)
        a->backup[(offset - BACKUP0) / 4] = value;
    else if (offset >= PMUWAKEPM0 && offset <= PMUKEY && offset != PMUCAUSE)
        pmu_write(a, offset, value);
    return true;
}

static const MmioOps aon_ops = {
    .read = aon_read,
    .write = aon_write,
    .peek = aon_read,
};

/* ---- the class ---- */

/* The watchdog's reset values; what the always-on domain keeps is not
 * touched here. */
static void wdog_reset(Aon *a)
{
    a->wdogcfg = 0;
    a->wdogcmp = 0xffff;
    a->wdog_unlocked = false;
    wdog_restart(a, 0, aon_ticks(a));
}

static void aon_reset(void *state)
{
    Aon *a = state;
    a->pmucause = a->wdog_biting ? RESETCAUSE_WATCHDOG : RESETCAUSE_EXTERNAL;
    a->wdog_biting = false;
    a->pmu_unlocked = false;
    wdog_reset(a);
    wdog_update(a, false);
    rtc_update(a);
}

static void aon_connect_irqs(void *state, const IrqLine *irqs, size_t n)
{
    Aon *a = state;
    for (size_t i = 0; i < AON_NUM_IRQS; i++)
        a->irqs[i] = i < n ? irqs[i] : (IrqLine){0};
    if (n) {
        irq_set(&a->irqs[AON_WDOG], a->wdogcfg & WDOG_IP0);
        irq_set(&a->irqs[AON_RTC], rtc_scaled(a, aon_ticks(a)) >= a->rtccmp);
    }
}

static void aon_finalize(void *opaque)
{
    Aon *a = opaque;
    clock_event_free(a->wdog_event);
    clock_event_free(a->rtc_event);
    free(a->name);
    free(a);
}

/* The board's low-frequency clock inputs (see the top of the file). */
typedef struct AonClocks {
    uint64_t lfrosc_hz, lfaltclk_hz, lfclksel;
} AonClocks;

/* lfclk-frequency, the old name of the board's low-frequency clock: it
 * counted from power-on, so it means lfaltclk-frequency with the
 * aon_lfclksel pin low, and cannot be mixed with either. */
static bool aon_config_old(const DeviceConfig *config, AonClocks *c,
                           Error **errp)
{
    const BoardProp *old = board_peripheral_prop(config->desc, "lfclk-frequency");
    if (board_peripheral_prop(config->desc, "lfaltclk-frequency") ||
        board_peripheral_prop(config->desc, "lfclksel")) {
        error_setf(errp, "%s:%u:%u: 'lfclk-frequency' is the old name of "
                   "'lfaltclk-frequency' with 'lfclksel: 0': give either it "
                   "or those", old->loc.file, old->loc.line, old->loc.col);
        return false;
    }
    c->lfclksel = 0;
    return device_prop_u64_range(config, "lfclk-frequency", AON_LFALTCLK_HZ, 0,
                                 UINT32_MAX, &c->lfaltclk_hz, errp);
}

static const DeviceProperty aon_props[] = {
    {"lfrosc-frequency", "the LFROSC before its divider, in Hz; default 32768",
     false},
    {"lfaltclk-frequency", "the clock the board drives on psdlfaltclk, in Hz "
     "(0: none); default 32768", false},
    {"lfclksel", "the aon_lfclksel pin, 0 (psdlfaltclk) or 1 (lfextclk_sel "
     "chooses); default 1", false},
    {"lfclk-frequency", "old name of lfaltclk-frequency with lfclksel 0; "
     "default unset", false},
    {0},
};

static bool aon_config(const DeviceConfig *config, AonClocks *c, Error **errp)
{
    if (!device_check_props(config, aon_props, errp) ||
        !device_prop_u64_range(config, "lfrosc-frequency", AON_LFROSC_HZ, 1,
                               UINT32_MAX, &c->lfrosc_hz, errp) ||
        !device_require_clock(config, errp))
        return false;
    if (board_peripheral_prop(config->desc, "lfclk-frequency"))
        return aon_config_old(config, c, errp);
    return device_prop_u64_range(config, "lfaltclk-frequency", AON_LFALTCLK_HZ,
                                 0, UINT32_MAX, &c->lfaltclk_hz, errp) &&
           device_prop_u64_range(config, "lfclksel", 1, 0, 1, &c->lfclksel,
                                 errp);
}

static bool aon_create(const DeviceConfig *config, Device *out, Error **errp)
{
    AonClocks clocks;
    if (!aon_config(config, &clocks, errp))
        return false;
    Aon *a = xcalloc(1, sizeof *a);
    a->clock = config->host->clock;
    a->host = *config->host;
    a->name = xstrdup(config->desc->name);
    a->lfrosc_hz = clocks.lfrosc_hz;
    a->lfaltclk_hz = clocks.lfaltclk_hz;
    a->lfclksel_pin = clocks.lfclksel;
    a->wdog_event = clock_event_new(a->clock, wdog_fired, a);
    a->rtc_event = clock_event_new(a->clock, rtc_fired, a);
    /* Power-on: everything at its reset value, pmucause 0; lfclk counts
     * from here. */
    a->epoch_cycle = clock_now(a->clock);
    a->lfrosccfg = LFROSC_RESET;
    lfclk_rate(a, &a->lf_hz, &a->lf_div);
    wdog_reset(a);
    a->rtccmp = UINT32_MAX;
    a->rtc_anchor = aon_ticks(a);
    memcpy(a->pmuwakepm, default_wake, sizeof a->pmuwakepm);
    memcpy(a->pmusleeppm, default_sleep, sizeof a->pmusleeppm);
    out->owner = owner_new(config->ms, config->desc->name, aon_finalize, a);
    out->region = memory_region_new_mmio(out->owner, config->desc->name,
                                         config->size, &aon_ops, a);
    out->state = a;
    return true;
}

const PeripheralClass sifive_aon_class = {
    .type = "sifive,aon",
    .description = "SiFive FE310 always-on block: low-frequency clock "
                   "(LFROSC, psdlfaltclk), watchdog, RTC, backup registers, "
                   "PMU",
    .default_size = 0x1000,
    .min_size = 0x150,
    .max_size = 0x1000,
    .properties = aon_props,
    .create = aon_create,
    .irq_outputs = AON_NUM_IRQS,
    .irq_output_names = aon_irq_names,
    .connect_irqs = aon_connect_irqs,
    .reset = aon_reset,
};
