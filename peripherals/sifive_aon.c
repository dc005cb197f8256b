/* SiFive FE310 always-on block ("sifive,aon"): the watchdog, the real-time
 * clock, the low-frequency clock controls, the backup registers and the
 * power-management unit's registers, as on the FE310-G002.
 *
 * Register map (SiFive FE310-G002 Manual: "Always-On (AON) Domain" memory
 * map, "Watchdog Timer (WDT)", "Real-Time Clock (RTC)", "Power-Management
 * Unit (PMU)", and the LFROSC / LFALTCLK sections of "Clock Generation";
 * offsets from the base, 0x10000000 on the FE310), declared as the regs.h
 * table aon_regs below (names and fields as the manual's, for traces):
 *   0x000 wdogcfg    wdogscale 3:0, wdogrsten 8, wdogzerocmp 9,
 *                    wdogenalways 12, wdogcoreawake 13, wdogip0 28
 *   0x008 wdogcount  31-bit counter
 *   0x010 wdogs      wdogcount[scale+15:scale]; a write changes nothing
 *                    (but, as any watchdog write, needs and uses the key)
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
 *   0x080 backup[16]     plain 32-bit registers
 *   0x100 pmuwakeupi[8] / 0x120 pmusleepi[8]  the PMU's wake and sleep
 *                    programs, 10 bits each: delay 3:0, pmu_out_0_en 4,
 *                    pmu_out_1_en 5, corerst 7, hfclkrst 8, isolate 9
 *   0x140 pmuie      rtc 1, dwakeup 2, awakeup 3
 *   0x144 pmucause   (RO) wakeupcause 1:0, resetcause 9:8
 *   0x148 pmusleep   write: deep sleep (see below); reads 0
 *   0x14c pmukey     write 0x51f15e: unlocks the next PMU write; reads 1
 *                    while unlocked
 * Writes to a watchdog register (0x000-0x020 but wdogkey) while locked are
 * ignored (and reported); any such write locks again. Likewise the PMU
 * registers (0x100-0x148 but pmucause) with pmukey. Accesses must be
 * 32-bit and aligned (a bus error otherwise, unless `bad-access: ignore`:
 * then they read 0, and are reported once each); offsets with no register
 * read 0 and ignore writes, reported once each, as for every regs.h model.
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
 *   bad-access          fault (default) or ignore (regs.h)
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
 * How the table holds that: every register with a value is stored; its
 * access kind, writable bits and reset (the PMU programs per element:
 * default_wake, default_sleep) are the table's. Read hooks add what is
 * computed: the counters' ticks since they were last settled (wdogcount,
 * rtccountlo and rtccounthi store the count at that tick), the compares'
 * live ip0 (wdogcfg, rtccfg), lfroscrdy and the pin's status. The keys
 * store 1 while unlocked (their write hooks turn the value written into
 * that). An `accept` hook runs before every watchdog, RTC and PMU write:
 * the watchdog's and the PMU's use up their key, and refuse and report a
 * locked write; the watchdog's and the RTC's settle their counter under
 * the configuration it counted with, so the write applies from this tick,
 * and note which counter aon_after_access, the one place outputs and
 * timers follow, updates. The always-on domain's registers are gathered
 * in AonKept, which aon_reset puts back after regs_reset.
 *
 * Guest diagnostics (DeviceHost.log_guest): writes ignored because the
 * watchdog or the PMU is locked, a watchdog bite on a machine that cannot
 * reset, deep sleep, and what regs.h reports.
 *
 * Not modelled: waking from sleep (the PMU programs are stored, never
 * run), the digital wake-up pin, the LFROSC's trim and its start-up time
 * (lfroscrdy follows lfroscen at once), a CPU asleep for wdogcoreawake.
 * wdogcfg and rtccfg read their ip0 bit from the counter at the exact
 * cycle; other effects of a match (wdogzerocmp, a reset) happen when its
 * event runs, at most one CPU block later.
 */
#include "peripherals/peripheral.h"
#include "peripherals/regs.h"
#include "soc/alloc.h"

#include <stdlib.h>

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
#define WDOGCMP_MASK 0xffffu
#define WDOGCMP_RESET 0xffffu
/* rtccfg */
#define RTC_SCALE 0xfu
#define RTC_ENALWAYS (1u << 12)
#define RTC_IP0 (1u << 28)
#define RTCCFG_MASK (RTC_SCALE | RTC_ENALWAYS)
#define RTC_COUNT_MASK ((UINT64_C(1) << 48) - 1)
#define RTCCOUNTHI_MASK 0xffffu
/* lfrosccfg */
#define LFROSC_MASK (0x3fu | (0x1fu << 16) | (1u << 30))
#define LFROSC_EN (1u << 30)
#define LFROSC_RDY (1u << 31)
#define LFROSC_DIV 0x3fu
#define LFROSC_RESET (LFROSC_RDY | LFROSC_EN | (16u << 16) | 4u)
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

enum {
    WDOGCFG = 0x000, WDOGCOUNT = 0x008, WDOGS = 0x010, WDOGFEED = 0x018,
    WDOGKEY = 0x01c, WDOGCMP0 = 0x020,
    RTCCFG = 0x040, RTCCOUNTLO = 0x048, RTCCOUNTHI = 0x04c, RTCS = 0x050,
    RTCCMP0 = 0x060,
    LFROSCCFG = 0x070, LFCLKMUX = 0x07c, BACKUP0 = 0x080,
    PMUWAKEUPI0 = 0x100, PMUSLEEPI0 = 0x120,
    PMUIE = 0x140, PMUCAUSE = 0x144, PMUSLEEP = 0x148, PMUKEY = 0x14c,
};

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

/* The counters an accepted write changes, for aon_after_access. */
enum {
    AON_WDOG_CHANGED = 1u << 0,
    AON_RTC_CHANGED = 1u << 1,
};

/* The registers the always-on domain keeps across a machine reset
 * (aon_reset puts them back after regs_reset). */
typedef struct AonKept {
    uint32_t rtccfg;                 /* without rtcip0 */
    uint32_t rtccountlo, rtccounthi; /* the count at rtc_anchor */
    uint32_t rtccmp0;
    uint32_t lfrosccfg, lfclkmux;
    uint32_t backup[AON_BACKUP_REGS];
    uint32_t pmuwakeupi[AON_PMU_PROGRAM], pmusleepi[AON_PMU_PROGRAM];
    uint32_t pmuie;
} AonKept;

typedef struct Aon {
    Clock *clock;
    DeviceHost host;
    char *name;
    IrqLine irqs[AON_NUM_IRQS];
    RegBank bank;
    unsigned changed; /* AON_*_CHANGED since the access began */

    /* The low-frequency clock: a source of lf_hz divided by lf_div, that
     * is lf_hz / lf_div ticks a second since epoch_cycle, epoch_ticks
     * before it (ticks count from power-on and never jump). lf_hz 0:
     * stopped. */
    uint64_t lfrosc_hz, lfaltclk_hz;
    bool lfclksel_pin;
    uint64_t lf_hz, lf_div;
    uint64_t epoch_cycle, epoch_ticks;

    /* Watchdog: count = wdogcount + ticks since wdog_anchor while running. */
    ClockEvent *wdog_event;
    uint32_t wdogcfg; /* without the derived part of wdogip0 */
    uint32_t wdogcount;
    uint32_t wdogkey; /* 1: unlocked */
    uint32_t wdogcmp0;
    uint64_t wdog_anchor;
    uint64_t wdog_due; /* the tick wdog_event waits for */
    bool wdog_biting;  /* this watchdog asked for the reset in progress */

    /* RTC: count = kept.rtccounthi:lo + ticks since rtc_anchor while
     * enabled. */
    ClockEvent *rtc_event;
    uint64_t rtc_anchor;

    AonKept kept;
    uint32_t pmucause;
    uint32_t pmukey; /* 1: unlocked */
} Aon;

/* ---- the low-frequency clock ---- */

/* The source lfclk follows now: psdlfaltclk when the pin forces it or
 * lfextclk_sel picks it, else the LFROSC through its divider. */
static bool lfclk_is_external(const Aon *a)
{
    return !a->lfclksel_pin || (a->kept.lfclkmux & LFCLKMUX_SEL);
}

/* The source lfclk counts and its divider, from the registers. */
static void lfclk_rate(const Aon *a, uint64_t *hz, uint64_t *div)
{
    *hz = a->lfaltclk_hz;
    *div = 1;
    if (!lfclk_is_external(a)) {
        *hz = (a->kept.lfrosccfg & LFROSC_EN) ? a->lfrosc_hz : 0;
        *div = (a->kept.lfrosccfg & LFROSC_DIV) + 1;
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
        return a->wdogcount;
    return (uint32_t)((a->wdogcount + (ticks - a->wdog_anchor)) & WDOG_COUNT_MASK);
}

static uint32_t wdog_scaled(const Aon *a, uint32_t count)
{
    return (count >> (a->wdogcfg & WDOG_SCALE)) & 0xffff;
}

static bool wdog_match(const Aon *a, uint64_t ticks)
{
    return wdog_scaled(a, wdog_count(a, ticks)) >= a->wdogcmp0;
}

/* Freezes the count in wdogcount before a change of configuration. */
static void wdog_settle(Aon *a, uint64_t ticks)
{
    a->wdogcount = wdog_count(a, ticks);
    a->wdog_anchor = ticks;
}

/* `count` within the counter's 31 bits (wdogcount's mask). */
static void wdog_restart(Aon *a, uint32_t count, uint64_t ticks)
{
    a->wdogcount = count;
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
                                    16, a->wdogcmp0);
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
    return a->kept.rtccfg & RTC_ENALWAYS;
}

static uint64_t rtc_count(const Aon *a, uint64_t ticks)
{
    uint64_t base = (uint64_t)a->kept.rtccounthi << 32 | a->kept.rtccountlo;
    if (!rtc_running(a))
        return base;
    return (base + (ticks - a->rtc_anchor)) & RTC_COUNT_MASK;
}

static uint32_t rtc_scaled(const Aon *a, uint64_t ticks)
{
    return (uint32_t)(rtc_count(a, ticks) >> (a->kept.rtccfg & RTC_SCALE));
}

static bool rtc_ip(const Aon *a, uint64_t ticks)
{
    return rtc_scaled(a, ticks) >= a->kept.rtccmp0;
}

static void rtc_settle(Aon *a, uint64_t ticks)
{
    uint64_t count = rtc_count(a, ticks);
    a->kept.rtccountlo = (uint32_t)count;
    a->kept.rtccounthi = (uint32_t)(count >> 32);
    a->rtc_anchor = ticks;
}

/* The one place the RTC's output is driven; schedules the event for its
 * next change (a rise at the compare, a fall when rtcs wraps). */
static void rtc_update(Aon *a)
{
    uint64_t ticks = aon_ticks(a);
    uint32_t cmp = a->kept.rtccmp0;
    bool ip = rtc_ip(a, ticks);
    irq_set(&a->irqs[AON_RTC], ip);
    uint64_t count = rtc_count(a, ticks);
    unsigned scale = a->kept.rtccfg & RTC_SCALE;
    uint64_t delta;
    if (ip) /* falls when rtcs wraps to 0 */
        delta = cmp ? (UINT64_C(1) << (scale + 32)) -
                          (count & ((UINT64_C(1) << (scale + 32)) - 1))
                    : 0;
    else
        delta = ticks_to_match(count, scale, 32, cmp);
    if (rtc_running(a) && delta)
        aon_schedule(a, a->rtc_event, ticks + delta);
    else
        clock_event_cancel(a->rtc_event);
}

static void rtc_fired(void *opaque)
{
    rtc_update(opaque);
}

/* ---- deep sleep ---- */

/* pmusleep's write hook (pmukey allowed the write): deep sleep, the end
 * of the run when nothing could ever wake the chip (see the top of the
 * file). The watchdog counts in deep sleep only with wdogenalways:
 * wdogcoreawake stops it with the core. */
static void pmusleep_write(void *dev, unsigned i, uint32_t v)
{
    Aon *a = dev;
    bool rtc_wakes = (a->kept.pmuie & PMUIE_RTC) && rtc_running(a);
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

/* ---- the low-frequency clock's registers ---- */

/* After every access; only a write to lfrosccfg or lfclkmux can change
 * the rate. Only a new rate restarts the divider: the tick count so far
 * is kept, and pending watchdog and RTC events move to the cycles the new
 * rate reaches them. A write that leaves the rate as it was (the trim,
 * the divider of an unselected LFROSC) changes no tick. */
static void lfclk_retime(Aon *a)
{
    uint64_t hz, div;
    lfclk_rate(a, &hz, &div);
    if (hz == a->lf_hz && div == a->lf_div)
        return;
    uint64_t now = clock_now(a->clock);
    a->epoch_ticks = aon_ticks_at(a, now); /* at the old rate */
    a->epoch_cycle = now;
    a->lf_hz = hz;
    a->lf_div = div;
    wdog_update(a, false);
    rtc_update(a);
}

/* ---- register hooks ----
 *
 * `dev` is the Aon. Accept hooks run before a write changes anything
 * (regs.h); write hooks after the table stored it; read hooks add what
 * is computed. */

/* A write behind a key (`key`: wdogkey's or pmukey's storage) uses it up;
 * a locked write is reported and refused. */
static bool key_used(Aon *a, uint32_t *key, const char *what,
                     const char *key_name, uint32_t offset)
{
    bool unlocked = *key;
    *key = 0;
    if (!unlocked)
        device_log_guest(&a->host, a->name, "write at +0x%x ignored: the %s "
                         "is locked (write 0x%x to %s first)", offset, what,
                         AON_KEY, key_name);
    return unlocked;
}

/* A watchdog write the key allows settles the count under the
 * configuration it counted with (into wdogcount, anchored at this tick),
 * so that the value written applies from now. */
static RegVerdict wdog_accept(void *dev, const RegDef *reg, unsigned i, uint32_t v)
{
    Aon *a = dev;
    if (!key_used(a, &a->wdogkey, "watchdog", "wdogkey", reg->offset + i * reg->stride))
        return REG_IGNORE;
    wdog_settle(a, aon_ticks(a));
    a->changed |= AON_WDOG_CHANGED;
    return REG_TAKE;
}

static RegVerdict pmu_accept(void *dev, const RegDef *reg, unsigned i, uint32_t v)
{
    Aon *a = dev;
    return key_used(a, &a->pmukey, "PMU", "pmukey", reg->offset + i * reg->stride)
               ? REG_TAKE : REG_IGNORE;
}

/* An RTC write settles the count under the old enable and scale (into
 * rtccountlo/hi, anchored at this tick) before the value written lands. */
static RegVerdict rtc_accept(void *dev, const RegDef *reg, unsigned i, uint32_t v)
{
    Aon *a = dev;
    rtc_settle(a, aon_ticks(a));
    a->changed |= AON_RTC_CHANGED;
    return REG_TAKE;
}

static void wdogkey_write(void *dev, unsigned i, uint32_t v)
{
    ((Aon *)dev)->wdogkey = v == AON_KEY;
}

static void pmukey_write(void *dev, unsigned i, uint32_t v)
{
    ((Aon *)dev)->pmukey = v == AON_KEY;
}

static void wdogfeed_write(void *dev, unsigned i, uint32_t v)
{
    Aon *a = dev;
    if (v == WDOG_FOOD)
        wdog_restart(a, 0, aon_ticks(a));
}

static uint32_t wdogcfg_read(void *dev, unsigned i, bool peek)
{
    const Aon *a = dev;
    return a->wdogcfg | (wdog_match(a, aon_ticks(a)) ? WDOG_IP0 : 0);
}

static uint32_t wdogcount_read(void *dev, unsigned i, bool peek)
{
    const Aon *a = dev;
    return wdog_count(a, aon_ticks(a));
}

static uint32_t wdogs_read(void *dev, unsigned i, bool peek)
{
    const Aon *a = dev;
    return wdog_scaled(a, wdog_count(a, aon_ticks(a)));
}

static uint32_t rtccfg_read(void *dev, unsigned i, bool peek)
{
    const Aon *a = dev;
    return a->kept.rtccfg | (rtc_ip(a, aon_ticks(a)) ? RTC_IP0 : 0);
}

static uint32_t rtccountlo_read(void *dev, unsigned i, bool peek)
{
    const Aon *a = dev;
    return (uint32_t)rtc_count(a, aon_ticks(a));
}

static uint32_t rtccounthi_read(void *dev, unsigned i, bool peek)
{
    const Aon *a = dev;
    return (uint32_t)(rtc_count(a, aon_ticks(a)) >> 32);
}

static uint32_t rtcs_read(void *dev, unsigned i, bool peek)
{
    const Aon *a = dev;
    return rtc_scaled(a, aon_ticks(a));
}

static uint32_t lfrosccfg_read(void *dev, unsigned i, bool peek)
{
    uint32_t cfg = ((const Aon *)dev)->kept.lfrosccfg & ~LFROSC_RDY;
    return cfg | (cfg & LFROSC_EN ? LFROSC_RDY : 0);
}

static uint32_t lfclkmux_read(void *dev, unsigned i, bool peek)
{
    const Aon *a = dev;
    return a->kept.lfclkmux | (a->lfclksel_pin ? LFCLKMUX_STATUS : 0);
}

/* The one place outputs and timers follow a register access: the
 * counters an accepted write changed (reads and refused writes change
 * none), and a new lfclk rate, which only lfrosccfg and lfclkmux can set
 * (lfclk_retime does nothing when the rate is as it was). */
static void aon_after_access(void *dev)
{
    Aon *a = dev;
    unsigned changed = a->changed;
    a->changed = 0;
    lfclk_retime(a);
    if (changed & AON_WDOG_CHANGED)
        wdog_update(a, false);
    if (changed & AON_RTC_CHANGED)
        rtc_update(a);
}

/* ---- the register table ---- */

static const RegField wdogcfg_fields[] = {
    {"wdogscale", 0, 4}, {"wdogrsten", 8, 1}, {"wdogzerocmp", 9, 1},
    {"wdogenalways", 12, 1}, {"wdogcoreawake", 13, 1}, {"wdogip0", 28, 1}, {0},
};
static const RegField rtccfg_fields[] = {
    {"rtcscale", 0, 4}, {"rtcenalways", 12, 1}, {"rtcip0", 28, 1}, {0},
};
static const RegField lfrosccfg_fields[] = {
    {"lfroscdiv", 0, 6}, {"lfrosctrim", 16, 5}, {"lfroscen", 30, 1},
    {"lfroscrdy", 31, 1}, {0},
};
static const RegField lfclkmux_fields[] = {
    {"lfextclk_sel", 0, 1}, {"lfextclk_mux_status", 31, 1}, {0},
};
static const RegField pmu_program_fields[] = {
    {"delay", 0, 4}, {"pmu_out_0_en", 4, 1}, {"pmu_out_1_en", 5, 1},
    {"corerst", 7, 1}, {"hfclkrst", 8, 1}, {"isolate", 9, 1}, {0},
};
static const RegField pmuie_fields[] = {
    {"rtc", 1, 1}, {"dwakeup", 2, 1}, {"awakeup", 3, 1}, {0},
};
static const RegField pmucause_fields[] = {
    {"wakeupcause", 0, 2}, {"resetcause", 8, 2}, {0},
};

/* Resets are the power-on values (the pin's status apart). */
static const RegDef aon_regs[] = {
    {.name = "wdogcfg", .offset = WDOGCFG, .width = 4, .access = REG_RW,
     .mask = WDOGCFG_MASK, .store = offsetof(Aon, wdogcfg), .read = wdogcfg_read,
     .accept = wdog_accept, .fields = wdogcfg_fields},
    {.name = "wdogcount", .offset = WDOGCOUNT, .width = 4, .access = REG_RW,
     .mask = WDOG_COUNT_MASK, .store = offsetof(Aon, wdogcount),
     .read = wdogcount_read, .accept = wdog_accept},
    {.name = "wdogs", .offset = WDOGS, .width = 4, .access = REG_RW,
     .store = REG_NO_STORE, .read = wdogs_read, .accept = wdog_accept},
    {.name = "wdogfeed", .offset = WDOGFEED, .width = 4, .access = REG_WO,
     .store = REG_NO_STORE, .accept = wdog_accept, .write = wdogfeed_write},
    {.name = "wdogkey", .offset = WDOGKEY, .width = 4, .access = REG_RW,
     .store = offsetof(Aon, wdogkey), .write = wdogkey_write},
    {.name = "wdogcmp0", .offset = WDOGCMP0, .width = 4, .access = REG_RW,
     .reset = WDOGCMP_RESET, .mask = WDOGCMP_MASK,
     .store = offsetof(Aon, wdogcmp0), .accept = wdog_accept},
    {.name = "rtccfg", .offset = RTCCFG, .width = 4, .access = REG_RW,
     .mask = RTCCFG_MASK, .store = offsetof(Aon, kept.rtccfg),
     .read = rtccfg_read, .accept = rtc_accept, .fields = rtccfg_fields},
    {.name = "rtccountlo", .offset = RTCCOUNTLO, .width = 4, .access = REG_RW,
     .store = offsetof(Aon, kept.rtccountlo), .read = rtccountlo_read,
     .accept = rtc_accept},
    {.name = "rtccounthi", .offset = RTCCOUNTHI, .width = 4, .access = REG_RW,
     .mask = RTCCOUNTHI_MASK, .store = offsetof(Aon, kept.rtccounthi),
     .read = rtccounthi_read, .accept = rtc_accept},
    {.name = "rtcs", .offset = RTCS, .width = 4, .access = REG_RO,
     .store = REG_NO_STORE, .read = rtcs_read},
    {.name = "rtccmp0", .offset = RTCCMP0, .width = 4, .access = REG_RW,
     .reset = UINT32_MAX, .store = offsetof(Aon, kept.rtccmp0),
     .accept = rtc_accept},
    {.name = "lfrosccfg", .offset = LFROSCCFG, .width = 4, .access = REG_RW,
     .reset = LFROSC_RESET, .mask = LFROSC_MASK,
     .store = offsetof(Aon, kept.lfrosccfg), .read = lfrosccfg_read,
     .fields = lfrosccfg_fields},
    {.name = "lfclkmux", .offset = LFCLKMUX, .width = 4, .access = REG_RW,
     .mask = LFCLKMUX_SEL, .store = offsetof(Aon, kept.lfclkmux),
     .read = lfclkmux_read, .fields = lfclkmux_fields},
    {.name = "backup", .offset = BACKUP0, .width = 4, .access = REG_RW,
     .count = AON_BACKUP_REGS, .stride = 4, .store = offsetof(Aon, kept.backup)},
    {.name = "pmuwakeupi", .offset = PMUWAKEUPI0, .width = 4, .access = REG_RW,
     .mask = PMU_PROGRAM_MASK, .count = AON_PMU_PROGRAM, .stride = 4,
     .store = offsetof(Aon, kept.pmuwakeupi), .accept = pmu_accept,
     .resets = default_wake, .fields = pmu_program_fields},
    {.name = "pmusleepi", .offset = PMUSLEEPI0, .width = 4, .access = REG_RW,
     .mask = PMU_PROGRAM_MASK, .count = AON_PMU_PROGRAM, .stride = 4,
     .store = offsetof(Aon, kept.pmusleepi), .accept = pmu_accept,
     .resets = default_sleep, .fields = pmu_program_fields},
    {.name = "pmuie", .offset = PMUIE, .width = 4, .access = REG_RW,
     .mask = PMUIE_MASK, .store = offsetof(Aon, kept.pmuie),
     .accept = pmu_accept, .fields = pmuie_fields},
    {.name = "pmucause", .offset = PMUCAUSE, .width = 4, .access = REG_RO,
     .store = offsetof(Aon, pmucause), .fields = pmucause_fields},
    {.name = "pmusleep", .offset = PMUSLEEP, .width = 4, .access = REG_WO,
     .store = REG_NO_STORE, .accept = pmu_accept, .write = pmusleep_write},
    {.name = "pmukey", .offset = PMUKEY, .width = 4, .access = REG_RW,
     .store = offsetof(Aon, pmukey), .write = pmukey_write},
};

/* The low-frequency clock and the counters' anchors, outside the table. */
static const RegState aon_state[] = {
    REG_STATE(Aon, lf_hz),
    REG_STATE(Aon, lf_div),
    REG_STATE(Aon, epoch_cycle),
    REG_STATE(Aon, epoch_ticks),
    REG_STATE(Aon, wdog_anchor),
    REG_STATE(Aon, wdog_due),
    REG_STATE_BOOL(Aon, wdog_biting),
    REG_STATE(Aon, rtc_anchor),
    REG_STATE_EVENT(Aon, wdog_event),
    REG_STATE_EVENT(Aon, rtc_event),
};

/* The saved rate must be the one the saved registers select (and never
 * a divider of 0: ticks divide by it). */
static bool aon_check_load(const void *dev, Error **errp)
{
    const Aon *a = dev;
    uint64_t hz, div;
    lfclk_rate(a, &hz, &div);
    if (a->lf_div != 0 && hz == a->lf_hz && div == a->lf_div)
        return true;
    error_setf(errp, "saved low-frequency clock (%llu Hz / %llu) is not what its "
               "registers select", (unsigned long long)a->lf_hz,
               (unsigned long long)a->lf_div);
    return false;
}

/* A snapshot load: both outputs from the restored state (the events wait
 * at their restored deadlines). */
static void aon_loaded(void *dev)
{
    Aon *a = dev;
    irq_set(&a->irqs[AON_WDOG], a->wdogcfg & WDOG_IP0);
    irq_set(&a->irqs[AON_RTC], rtc_ip(a, aon_ticks(a)));
}

static const RegTable aon_table = {
    .regs = aon_regs,
    .nregs = REG_TABLE_LEN(aon_regs),
    .state = aon_state,
    .nstate = REG_TABLE_LEN(aon_state),
    .after_access = aon_after_access,
    .check_load = aon_check_load,
    .after_load = aon_loaded,
};

REGS_STATE_HOOKS(aon, Aon, bank, "sifive,aon")

/* ---- the class ---- */

/* The table's resets for the watchdog (disabled, count 0, locked), the
 * PMU's key and pmucause; what the always-on domain keeps is put back.
 * The watchdog's anchor may stay as it is: a write that enables it
 * settles the count first. */
static void aon_reset(void *state)
{
    Aon *a = state;
    AonKept kept = a->kept;
    regs_reset(&a->bank);
    a->kept = kept;
    a->pmucause = a->wdog_biting ? RESETCAUSE_WATCHDOG : RESETCAUSE_EXTERNAL;
    a->wdog_biting = false;
    a->changed = 0;
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
        irq_set(&a->irqs[AON_RTC], rtc_ip(a, aon_ticks(a)));
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
    REGS_BAD_ACCESS_PROPERTY,
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
    a->name = xstrdup(config->desc->name);
    /* Power-on: every register at the table's reset (pmucause 0) ... */
    if (!regs_bank_init(&a->bank, &aon_table, a, a->name, config, errp)) {
        free(a->name);
        free(a);
        return false;
    }
    a->clock = config->host->clock;
    a->host = *config->host;
    a->lfrosc_hz = clocks.lfrosc_hz;
    a->lfaltclk_hz = clocks.lfaltclk_hz;
    a->lfclksel_pin = clocks.lfclksel;
    a->wdog_event = clock_event_new(a->clock, wdog_fired, a);
    a->rtc_event = clock_event_new(a->clock, rtc_fired, a);
    /* ... lfclk counts from here: tick 0, the counters' anchor. */
    a->epoch_cycle = clock_now(a->clock);
    lfclk_rate(a, &a->lf_hz, &a->lf_div);
    out->owner = owner_new(config->ms, config->desc->name, aon_finalize, a);
    out->region = regs_region_new(out->owner, &a->bank, config->size);
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
    .registers = &aon_table,
    .save_state = aon_save_state,
    .load_state = aon_load_state,
};
