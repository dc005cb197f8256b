/* SiFive PWM ("sifive,pwm0"), as on the FE310-G002: PWM0 at 0x10015000
 * (8-bit comparators, PLIC sources 40-43), PWM1 at 0x10025000 and PWM2 at
 * 0x10035000 (16-bit, sources 44-47 and 48-51).
 *
 * Register map (SiFive FE310-G002 Manual, chapter "Pulse Width Modulator
 * (PWM)", its memory map table; the RTL is sifive-blocks' PWM.scala on
 * util/Timer.scala's GenericTimer); 32-bit registers:
 *   0x00 pwmcfg    pwmscale 3:0, pwmsticky 8, pwmzerocmp 9, pwmdeglitch 10,
 *                  pwmenalways 12, pwmenoneshot 13, pwmcmp0center..
 *                  pwmcmp3center 19:16, pwmcmp0gang..pwmcmp3gang 27:24,
 *                  pwmcmp0ip..pwmcmp3ip 31:28
 *   0x08 pwmcount  the counter, 15 + cmpwidth bits (bits above read 0)
 *   0x10 pwms      (RO) (pwmcount >> pwmscale), its low cmpwidth bits
 *   0x20 pwmcmp0 .. 0x2c pwmcmp3  cmpwidth bits each
 * Other offsets read 0 and ignore writes (reported once each).
 *
 * Behaviour, tick by tick of the bus clock (`clock-frequency`, default
 * the CPU's), as the RTL does it; every register below is updated at the
 * clock edge from the values of the tick before:
 * - The counter counts while pwmenalways or pwmenoneshot is set. It goes
 *   back to 0 on the tick after pwms reaches or passes pwmcmp0 when
 *   pwmzerocmp is set (so a PWM cycle is (pwmcmp0 << pwmscale) + 1
 *   ticks), and after the tick at which its low pwmscale + cmpwidth bits
 *   are all ones (pwms wraps); either clears pwmenoneshot.
 * - Comparator X is high while pwms >= pwmcmpX; with pwmcmpXcenter, while
 *   the MSB of pwms is set it compares the inverted pwms instead (a
 *   centre-aligned pulse: high for pwmcmpX <= pwms <= max - pwmcmpX).
 * - pwmcmpXip takes the comparator's value one tick later (the manual:
 *   "the single-cycle delay caused by registering the comparator
 *   outputs"). Once set it stays set while pwmsticky is set, and, with
 *   pwmdeglitch, until the counter resets (the rest of the PWM cycle);
 *   in centre mode, while the MSB of pwms is set, it follows the
 *   comparator. A pwmcfg write sets the ip bits to the value written
 *   (sticky or not: software clears them so, or sets them).
 * - Interrupt outputs cmp0..cmp3: high while pwmcmpXip is set.
 * - Output pins pin0..pin3 (pwmXgpio, which the GPIO's IOF1 routes to the
 *   package): high while pwmcmpXip is set, except that with pwmcmpXgang
 *   pin X falls while pwmcmp(X+1)ip is also set (pwmcmp0 for X = 3): the
 *   pair then draws a pulse from comparator X to comparator X + 1. The
 *   manual's active-low waveforms come from inverting the pins at the
 *   GPIO (out_xor), not here.
 * A write takes effect at the next edge: the tick after the write runs
 * on the old configuration, then the written value lands (a pwmcount
 * write wins over a counter reset at that edge; a pwmenoneshot written
 * as the counter resets is dropped, as in the RTL).
 *
 * Nothing runs per tick: the model keeps the state of one tick (an
 * anchor) and computes any later tick from it in runs of ticks where no
 * input of the logic changes, skipping whole PWM cycles once the waveform
 * repeats. Reads of pwmcfg, pwmcount and pwms give the exact value of the
 * access's tick (the CPU sets the clock before an MMIO access). The
 * outputs change from a clock event scheduled at the exact cycle of the
 * next change of a wired output (so unwired outputs cost nothing); a
 * change that an event running late, or an access, finds in the past is
 * driven first, in order, so a one-tick pulse still reaches the PLIC.
 *
 * Waveforms (--vcd): pins pin0..pin3 as signals "pinN", when asked for
 * (DeviceHost.signal_wanted at create): a background event at each
 * change of those pins, computed like the outputs' (so a pin no line is
 * wired to costs nothing unless a waveform shows it). Wired outputs show
 * as interrupt lines anyway.
 *
 * Properties: `cmp-width`, the comparator width (1-16, default 16; 8 for
 * the FE310's PWM0), `clock-frequency` (Hz), `bad-access`.
 * Reset values: pwmenalways and pwmenoneshot 0, as the manual says; the
 * RTL leaves the other pwmcfg bits and pwmcmpX undefined: here pwmcfg
 * resets to 0 and pwmcmpX to all ones (nothing matches a stopped counter
 * at 0), the counter to 0.
 *
 * Not modelled: the count when pwmscale is 15 and the counter wraps past
 * its top bit (the RTL's carry there is out of range; here it wraps and
 * clears pwmenoneshot like any other wrap); with a `clock-frequency`
 * slower than the CPU's, a read in the same bus tick as a write already
 * sees the write.
 */
#include "peripherals/peripheral.h"
#include "peripherals/regs.h"
#include "soc/alloc.h"
#include "soc/state_io.h"

#include <stdlib.h>

#define PWM_NCMP 4
#define PWM_OUTPUTS 8 /* cmp0..cmp3, pin0..pin3 */
#define PWM_MAX_SCALE 15

/* pwmcfg */
#define CFG_SCALE 0xfu
#define CFG_STICKY (1u << 8)
#define CFG_ZEROCMP (1u << 9)
#define CFG_DEGLITCH (1u << 10)
#define CFG_ENALWAYS (1u << 12)
#define CFG_ENONESHOT (1u << 13)
#define CFG_CENTER_SHIFT 16
#define CFG_GANG_SHIFT 24
#define CFG_IP_SHIFT 28
#define CFG_MASK 0xff0f370fu
/* The bits that are plain configuration (not ip, not the one-shot). */
#define CFG_STATIC (CFG_MASK & ~(CFG_ENONESHOT | 0xfu << CFG_IP_SHIFT))

static const char *const pwm_output_names[PWM_OUTPUTS] = {
    "cmp0", "cmp1", "cmp2", "cmp3", "pin0", "pin1", "pin2", "pin3",
};

/* The configuration the counter runs with since the anchor. */
typedef struct PwmRun {
    uint32_t cmp[PWM_NCMP];
    uint8_t scale, center, gang;
    bool sticky, zerocmp, deglitch, enalways;
    uint8_t spare; /* 0: no padding, so a snapshot's bytes are all defined */
} PwmRun;

/* What changes tick by tick: the state during bus tick `tick`. */
typedef struct PwmTick {
    uint64_t tick;
    uint32_t count;
    uint8_t ip;    /* pwmcmpXip, bit X */
    bool oneshot;  /* pwmenoneshot */
    bool dosticky; /* the RTL's registered "keep ip" */
    uint8_t spare; /* 0: no padding, so a snapshot's bytes are all defined */
} PwmTick;

/* Saved as bytes (pwm_state): no padding may hide in them. */
_Static_assert(sizeof(PwmRun) == 4 * PWM_NCMP + 8, "PwmRun has padding");
_Static_assert(sizeof(PwmTick) == 16, "PwmTick has padding");

typedef struct Pwm {
    RegBank bank;
    char *name;
    Clock *clock;
    uint64_t hz;          /* the bus clock */
    unsigned width;       /* cmpwidth */
    uint32_t cmp_mask;    /* cmpwidth bits */
    uint32_t count_mask;  /* 15 + cmpwidth bits */
    IrqLine irqs[PWM_OUTPUTS];
    uint8_t watched;      /* outputs wired to something */

    uint32_t cfg;             /* pwmcfg as written (its static bits count) */
    uint32_t cmp[PWM_NCMP];   /* pwmcmpX */

    PwmRun run;
    PwmTick now;     /* the anchor */
    uint8_t driven;  /* the levels on the outputs */
    uint64_t due;    /* the tick `event` waits for */
    ClockEvent *event;

    /* Waveforms: the pins (bits 4-7, signals "pinN") someone listens to,
     * the levels last published, and a background event at their next
     * change (the pins no line is wired to have no other). */
    DeviceHost host;
    uint8_t observed;
    uint8_t published;
    uint64_t watch_due;
    ClockEvent *watch;
} Pwm;

/* ---- the logic of one tick ---- */

static uint32_t pwm_msb(const Pwm *p)
{
    return (p->cmp_mask >> 1) + 1;
}

static uint32_t pwm_low_mask(const Pwm *p, const PwmRun *r)
{
    return (uint32_t)((UINT64_C(1) << (r->scale + p->width)) - 1);
}

static uint32_t pwm_scaled(const Pwm *p, const PwmRun *r, uint32_t count)
{
    return (count >> r->scale) & p->cmp_mask;
}

/* The comparators' outputs at pwms = s, bit X for comparator X. */
static uint8_t pwm_elapsed(const Pwm *p, const PwmRun *r, uint32_t s)
{
    uint8_t e = 0;
    for (unsigned i = 0; i < PWM_NCMP; i++) {
        bool invert = (r->center >> i & 1) && (s & pwm_msb(p));
        uint32_t v = invert ? ~s & p->cmp_mask : s;
        e |= (uint8_t)((v >= r->cmp[i]) << i);
    }
    return e;
}

static bool pwm_counting(const PwmRun *r, const PwmTick *t)
{
    return r->enalways || t->oneshot;
}

/* One clock edge: *t becomes the next tick. True when the counter reset. */
static bool pwm_step(const Pwm *p, const PwmRun *r, PwmTick *t)
{
    uint32_t s = pwm_scaled(p, r, t->count);
    uint8_t e = pwm_elapsed(p, r, s);
    uint8_t sel = (s & pwm_msb(p)) ? r->center : 0;
    bool counting = pwm_counting(r, t);
    uint32_t low = pwm_low_mask(p, r);
    bool wrap = counting && (t->count & low) == low;
    bool reset = wrap || (r->zerocmp && (e & 1));
    uint8_t kept = t->dosticky ? t->ip : 0;
    t->ip = (uint8_t)((e | (~sel & kept)) & 0xf);
    t->dosticky = (r->deglitch && !reset) || r->sticky;
    if (reset)
        t->count = 0;
    else if (counting)
        t->count = (t->count + 1) & p->count_mask;
    t->oneshot = t->oneshot && !reset;
    t->tick++;
    return reset;
}

/* The eight output levels: cmp0..3 the ip bits, pin0..3 (bits 4-7). */
static uint8_t pwm_levels(const PwmRun *r, const PwmTick *t)
{
    uint8_t next_ip = (uint8_t)((t->ip >> 1) | ((t->ip & 1) << 3));
    uint8_t pins = t->ip & ~(r->gang & next_ip) & 0xf;
    return (uint8_t)(t->ip | pins << 4);
}

/* The next position of the counter's low pwmscale + cmpwidth bits after
 * `pos` at which an input of the logic may change (a comparator's edge,
 * the MSB of pwms, the wrap tick): between two such positions every tick
 * computes the same. */
static uint32_t pwm_next_edge(const Pwm *p, const PwmRun *r, uint32_t pos)
{
    uint32_t low = pwm_low_mask(p, r);
    if (pos >= low)
        return low + 1;
    uint32_t best = low;
    uint32_t values[2 * PWM_NCMP + 1];
    unsigned n = 0;
    values[n++] = pwm_msb(p);
    for (unsigned i = 0; i < PWM_NCMP; i++) {
        values[n++] = r->cmp[i];
        values[n++] = p->cmp_mask - r->cmp[i] + 1; /* a centre pulse's end */
    }
    for (unsigned i = 0; i < n; i++) {
        if (values[i] > p->cmp_mask)
            continue;
        uint32_t at = values[i] << r->scale;
        if (at > pos && at < best)
            best = at;
    }
    return best;
}

static bool pwm_same_phase(const PwmTick *a, const PwmTick *b)
{
    return a->count == b->count && a->ip == b->ip && a->oneshot == b->oneshot &&
           a->dosticky == b->dosticky;
}

/* Runs *t forward to tick `target`. With `watch` set, stops instead at the
 * first tick whose levels under `watch` differ from `levels`, returning
 * true; false when none comes before target (or ever: the waveform
 * repeats without one). Cost: a few steps per input change, and once two
 * counter resets find the same state, whole PWM cycles at once. */
static bool pwm_run(const Pwm *p, const PwmRun *r, PwmTick *t, uint64_t target,
                    uint8_t watch, uint8_t levels)
{
    PwmTick mark = {0};
    bool marked = false;
    while (t->tick < target) {
        if ((pwm_levels(r, t) ^ levels) & watch)
            return true;
        PwmTick next = *t;
        bool reset = pwm_step(p, r, &next);
        bool counting = pwm_counting(r, t);
        bool settled = !reset && next.ip == t->ip && next.dosticky == t->dosticky &&
                       next.oneshot == t->oneshot;
        if (settled && !counting) { /* stopped for good */
            t->tick = target;
            break;
        }
        if (settled) { /* counting through a run of identical ticks */
            uint32_t low = pwm_low_mask(p, r);
            uint32_t pos = t->count & low;
            uint64_t n = pwm_next_edge(p, r, pos) - pos;
            if (n > target - t->tick)
                n = target - t->tick;
            t->count += (uint32_t)n;
            t->tick += n;
            continue;
        }
        *t = next;
        if (!reset)
            continue;
        if (marked && pwm_same_phase(&mark, t)) {
            if (watch)
                return false;
            uint64_t period = t->tick - mark.tick;
            t->tick += (target - t->tick) / period * period;
        }
        mark = *t;
        marked = true;
    }
    return watch && ((pwm_levels(r, t) ^ levels) & watch);
}

/* ---- time ---- */

static uint64_t pwm_tick_now(const Pwm *p)
{
    return clock_cycles_to(p->clock, clock_now(p->clock), p->hz);
}

/* The state at `tick`, without changing anything (peeks too). A tick
 * before the anchor (a write's next edge) reads as the anchor. */
static PwmTick pwm_at(const Pwm *p, uint64_t tick)
{
    PwmTick t = p->now;
    if (tick > t.tick)
        pwm_run(p, &p->run, &t, tick, 0, 0);
    return t;
}

static void pwm_settle(Pwm *p, uint64_t tick)
{
    p->now = pwm_at(p, tick);
}

static void pwm_drive(Pwm *p, uint8_t levels)
{
    uint8_t changed = levels ^ p->driven;
    p->driven = levels;
    for (unsigned i = 0; i < PWM_OUTPUTS; i++)
        if (changed >> i & 1)
            irq_set(&p->irqs[i], levels >> i & 1);
}

/* Waveforms: the observed pins' levels at tick t->tick, changes only. */
static void pwm_publish(Pwm *p, const PwmTick *t)
{
    uint8_t levels = pwm_levels(&p->run, t);
    uint8_t changed = (levels ^ p->published) & p->observed;
    p->published = levels;
    uint64_t when = clock_cycles_from(p->clock, t->tick, p->hz);
    for (unsigned i = 4; i < PWM_OUTPUTS; i++)
        if (changed >> i & 1)
            p->host.signal(p->host.opaque, p->name, pwm_output_names[i], 1,
                           levels >> i & 1, when);
}

/* Waveforms: publishes the observed pins from tick `from` on and waits
 * for their next change. Reads the model, never changes it. */
static void pwm_watch_from(Pwm *p, uint64_t from)
{
    PwmTick t = pwm_at(p, from);
    pwm_publish(p, &t);
    uint64_t when = CLOCK_NEVER;
    if (pwm_run(p, &p->run, &t, CLOCK_NEVER, p->observed, p->published))
        when = clock_cycles_from(p->clock, t.tick, p->hz);
    if (when == CLOCK_NEVER) {
        clock_event_cancel(p->watch);
        return;
    }
    p->watch_due = t.tick;
    clock_event_schedule(p->watch, when);
}

static void pwm_watch_fired(void *opaque)
{
    Pwm *p = opaque;
    pwm_watch_from(p, p->watch_due);
}

/* After every change of the model (pwm_schedule): the pins from now. */
static void pwm_watch(Pwm *p)
{
    if (!p->observed)
        return;
    uint64_t tick = pwm_tick_now(p);
    pwm_watch_from(p, tick > p->now.tick ? tick : p->now.tick);
}

/* The event for the first tick from `from` at which a wired output must
 * change (and the observed pins' next change). */
static void pwm_schedule(Pwm *p, uint64_t from)
{
    pwm_watch(p);
    PwmTick t = pwm_at(p, from);
    if (!p->watched ||
        !pwm_run(p, &p->run, &t, CLOCK_NEVER, p->watched, p->driven)) {
        clock_event_cancel(p->event);
        return;
    }
    uint64_t when = clock_cycles_from(p->clock, t.tick, p->hz);
    if (when == CLOCK_NEVER) {
        clock_event_cancel(p->event);
        return;
    }
    p->due = t.tick;
    clock_event_schedule(p->event, when);
}

/* The change `event` waited for: driven, the next one scheduled. */
static void pwm_change(Pwm *p)
{
    clock_event_cancel(p->event);
    pwm_settle(p, p->due);
    pwm_drive(p, pwm_levels(&p->run, &p->now));
    pwm_schedule(p, p->due + 1);
}

/* Drives, in order, every output change due by tick `upto`. */
static void pwm_catch_up(Pwm *p, uint64_t upto)
{
    while (clock_event_pending(p->event) && p->due <= upto)
        pwm_change(p);
}

/* The event (no longer pending while it runs): its change, then any
 * later one it finds in the past (it ran late). */
static void pwm_fired(void *opaque)
{
    Pwm *p = opaque;
    pwm_change(p);
    pwm_catch_up(p, pwm_tick_now(p));
}

/* After every access (regs' after_access): the outputs up to now, the
 * anchor brought to now, the next change scheduled. */
static void pwm_changed(void *opaque)
{
    Pwm *p = opaque;
    uint64_t tick = pwm_tick_now(p);
    pwm_catch_up(p, tick);
    if (tick > p->now.tick)
        pwm_settle(p, tick);
    pwm_schedule(p, p->now.tick);
}

/* ---- registers ---- */

static void pwm_load_run(Pwm *p)
{
    PwmRun *r = &p->run;
    for (unsigned i = 0; i < PWM_NCMP; i++)
        r->cmp[i] = p->cmp[i];
    r->scale = (uint8_t)(p->cfg & CFG_SCALE);
    r->center = (uint8_t)(p->cfg >> CFG_CENTER_SHIFT & 0xf);
    r->gang = (uint8_t)(p->cfg >> CFG_GANG_SHIFT & 0xf);
    r->sticky = p->cfg & CFG_STICKY;
    r->zerocmp = p->cfg & CFG_ZEROCMP;
    r->deglitch = p->cfg & CFG_DEGLITCH;
    r->enalways = p->cfg & CFG_ENALWAYS;
}

/* A write lands at the next edge: the edge is computed on the old
 * configuration (which `run` still holds), then the registers' new values
 * are taken. True when the counter reset at that edge. */
static bool pwm_edge_before_write(Pwm *p)
{
    uint64_t tick = pwm_tick_now(p);
    pwm_catch_up(p, tick);
    bool reset = false;
    if (tick >= p->now.tick) {
        pwm_settle(p, tick);
        reset = pwm_step(p, &p->run, &p->now);
    }
    pwm_load_run(p);
    return reset;
}

static uint32_t cfg_read(void *dev, unsigned index, bool peek)
{
    Pwm *p = dev;
    PwmTick t = pwm_at(p, pwm_tick_now(p));
    return (p->cfg & CFG_STATIC) | (t.oneshot ? CFG_ENONESHOT : 0) |
           (uint32_t)t.ip << CFG_IP_SHIFT;
}

static void cfg_write(void *dev, unsigned index, uint32_t value)
{
    Pwm *p = dev;
    bool reset = pwm_edge_before_write(p);
    p->now.ip = (uint8_t)(value >> CFG_IP_SHIFT & 0xf);
    p->now.oneshot = (value & CFG_ENONESHOT) && !reset;
}

static uint32_t count_read(void *dev, unsigned index, bool peek)
{
    Pwm *p = dev;
    return pwm_at(p, pwm_tick_now(p)).count;
}

static void count_write(void *dev, unsigned index, uint32_t value)
{
    Pwm *p = dev;
    pwm_edge_before_write(p);
    p->now.count = value & p->count_mask;
}

static uint32_t s_read(void *dev, unsigned index, bool peek)
{
    Pwm *p = dev;
    return pwm_scaled(p, &p->run, pwm_at(p, pwm_tick_now(p)).count);
}

static void cmp_write(Pwm *p, unsigned i)
{
    p->cmp[i] &= p->cmp_mask;
    pwm_edge_before_write(p);
}

static void cmp0_write(void *dev, unsigned index, uint32_t value) { cmp_write(dev, 0); }
static void cmp1_write(void *dev, unsigned index, uint32_t value) { cmp_write(dev, 1); }
static void cmp2_write(void *dev, unsigned index, uint32_t value) { cmp_write(dev, 2); }
static void cmp3_write(void *dev, unsigned index, uint32_t value) { cmp_write(dev, 3); }

/* The per-comparator bits as the manual's pwmcmpXcenter, pwmcmpXgang and
 * pwmcmpXip, 4 bits each (bit X for comparator X), so a trace stays short. */
static const RegField cfg_fields[] = {
    {"pwmscale", 0, 4}, {"pwmsticky", 8, 1}, {"pwmzerocmp", 9, 1},
    {"pwmdeglitch", 10, 1}, {"pwmenalways", 12, 1}, {"pwmenoneshot", 13, 1},
    {"pwmcmpXcenter", 16, 4}, {"pwmcmpXgang", 24, 4}, {"pwmcmpXip", 28, 4},
    {0},
};

#define PWM_CMP_REG(n)                                                        \
    {.name = "pwmcmp" #n, .offset = 0x20 + 4 * (n), .width = 4,               \
     .access = REG_RW, .reset = 0xffff, .mask = 0xffff,                       \
     .store = offsetof(Pwm, cmp) + (n) * sizeof(uint32_t),                    \
     .write = cmp##n##_write}

static const RegDef pwm_regs[] = {
    {.name = "pwmcfg", .offset = 0x00, .width = 4, .access = REG_RW,
     .mask = CFG_MASK, .store = offsetof(Pwm, cfg), .read = cfg_read,
     .write = cfg_write, .fields = cfg_fields},
    {.name = "pwmcount", .offset = 0x08, .width = 4, .access = REG_RW,
     .mask = 0x7fffffff, .store = REG_NO_STORE, .read = count_read,
     .write = count_write},
    {.name = "pwms", .offset = 0x10, .width = 4, .access = REG_RO,
     .store = REG_NO_STORE, .read = s_read},
    PWM_CMP_REG(0),
    PWM_CMP_REG(1),
    PWM_CMP_REG(2),
    PWM_CMP_REG(3),
};

/* The configuration the counter runs with, its anchor tick, the levels
 * driven and the next change's tick. (watched and the waveform's watch
 * follow from the wiring and the listeners: after_load redoes them.) */
static const RegState pwm_state[] = {
    REG_STATE(Pwm, run),
    REG_STATE(Pwm, now),
    REG_STATE(Pwm, driven),
    REG_STATE(Pwm, due),
    REG_STATE_EVENT(Pwm, event),
};

/* What the tick logic relies on: bools that are bools, a scale whose
 * shifts fit, ip bits of four comparators, a count inside its width. */
static bool pwm_check_load(const void *dev, Error **errp)
{
    const Pwm *p = dev;
    const PwmRun *r = &p->run;
    const PwmTick *t = &p->now;
    bool bools = state_bools_ok(&r->sticky, 1) && state_bools_ok(&r->zerocmp, 1) &&
                 state_bools_ok(&r->deglitch, 1) && state_bools_ok(&r->enalways, 1) &&
                 state_bools_ok(&t->oneshot, 1) && state_bools_ok(&t->dosticky, 1);
    if (bools && r->scale <= PWM_MAX_SCALE && t->ip <= 0xf && t->count <= p->count_mask)
        return true;
    error_setf(errp, "saved counter state is not one the counter can be in");
    return false;
}

/* A snapshot load: every output at its restored level, and the waveform's
 * watch from here (the outputs' event waits at its restored deadline). */
static void pwm_loaded(void *dev)
{
    Pwm *p = dev;
    for (unsigned i = 0; i < PWM_OUTPUTS; i++)
        irq_set(&p->irqs[i], p->driven >> i & 1);
    if (p->observed) {
        p->published = (uint8_t)~pwm_levels(&p->run, &p->now); /* all differ */
        pwm_watch(p);
    }
}

static const RegTable pwm_table = {
    .regs = pwm_regs,
    .nregs = REG_TABLE_LEN(pwm_regs),
    .state = pwm_state,
    .nstate = REG_TABLE_LEN(pwm_state),
    .after_access = pwm_changed,
    .check_load = pwm_check_load,
    .after_load = pwm_loaded,
};

REGS_STATE_HOOKS(pwm, Pwm, bank, "sifive,pwm0")

/* ---- the class ---- */

/* Registers to their reset values, the counter stopped at 0 from now. */
static void pwm_reset_registers(Pwm *p)
{
    regs_reset(&p->bank);
    for (unsigned i = 0; i < PWM_NCMP; i++)
        p->cmp[i] &= p->cmp_mask;
    pwm_load_run(p);
    p->now = (PwmTick){.tick = pwm_tick_now(p)};
}

static void pwm_reset(void *state)
{
    Pwm *p = state;
    clock_event_cancel(p->event);
    pwm_reset_registers(p);
    pwm_drive(p, pwm_levels(&p->run, &p->now));
    pwm_schedule(p, p->now.tick);
}

static void pwm_connect_irqs(void *state, const IrqLine *irqs, size_t n)
{
    Pwm *p = state;
    p->watched = 0;
    for (size_t i = 0; i < PWM_OUTPUTS; i++) {
        p->irqs[i] = i < n ? irqs[i] : (IrqLine){0};
        if (irq_connected(&p->irqs[i]))
            p->watched |= (uint8_t)(1u << i);
    }
    if (!n) {
        clock_event_cancel(p->event);
        return;
    }
    uint64_t tick = pwm_tick_now(p);
    pwm_catch_up(p, tick);
    if (tick > p->now.tick)
        pwm_settle(p, tick);
    p->driven = pwm_levels(&p->run, &p->now);
    for (unsigned i = 0; i < PWM_OUTPUTS; i++)
        irq_set(&p->irqs[i], p->driven >> i & 1);
    pwm_schedule(p, p->now.tick);
}

static void pwm_finalize(void *opaque)
{
    Pwm *p = opaque;
    clock_event_free(p->event);
    clock_event_free(p->watch);
    free(p->name);
    free(p);
}

static const DeviceProperty pwm_props[] = {
    {"cmp-width", "the comparators' width in bits, 1 to 16 (the FE310's "
     "PWM0: 8); default 16", false},
    {"clock-frequency", "the bus clock the counter counts, in Hz; default "
     "the CPU's", false},
    REGS_BAD_ACCESS_PROPERTY,
    {0},
};

static bool pwm_config(const DeviceConfig *config, uint64_t *width,
                       uint64_t *hz, Error **errp)
{
    if (!device_check_props(config, pwm_props, errp) ||
        !device_require_clock(config, errp))
        return false;
    return device_prop_u64_range(config, "cmp-width", 16, 1, 16, width, errp) &&
           device_prop_u64_range(config, "clock-frequency",
                                 clock_hz(config->host->clock), 1, UINT32_MAX,
                                 hz, errp);
}

/* Waveforms: which pins someone listens to; those get a background
 * event at each change, and their reset levels now. */
static void pwm_observe(Pwm *p, const DeviceHost *host)
{
    if (!host->signal_wanted)
        return;
    p->host = *host;
    for (unsigned i = 4; i < PWM_OUTPUTS; i++)
        if (host->signal_wanted(host->opaque, p->name, pwm_output_names[i]))
            p->observed |= (uint8_t)(1u << i);
    if (!p->observed)
        return;
    p->watch = clock_event_new(p->clock, pwm_watch_fired, p);
    clock_event_set_background(p->watch, true);
    p->published = (uint8_t)~pwm_levels(&p->run, &p->now); /* all differ */
    pwm_watch(p);
}

static bool pwm_create(const DeviceConfig *config, Device *out, Error **errp)
{
    uint64_t width, hz;
    if (!pwm_config(config, &width, &hz, errp))
        return false;
    Pwm *p = xcalloc(1, sizeof *p);
    p->name = xstrdup(config->desc->name);
    if (!regs_bank_init(&p->bank, &pwm_table, p, p->name, config, errp)) {
        free(p->name);
        free(p);
        return false;
    }
    p->clock = config->host->clock;
    p->hz = hz;
    p->width = (unsigned)width;
    p->cmp_mask = (uint32_t)((UINT64_C(1) << width) - 1);
    p->count_mask = (uint32_t)((UINT64_C(1) << (PWM_MAX_SCALE + width)) - 1);
    p->event = clock_event_new(p->clock, pwm_fired, p);
    pwm_reset_registers(p);
    pwm_observe(p, config->host);
    Owner *owner = owner_new(config->ms, config->desc->name, pwm_finalize, p);
    MemoryRegion *region = regs_region_new(owner, &p->bank, config->size);
    *out = (Device){.owner = owner, .region = region, .state = p};
    return true;
}

const PeripheralClass sifive_pwm_class = {
    .type = "sifive,pwm0",
    .description = "SiFive PWM: scaled counter, four comparators (zero-compare, "
                   "sticky, deglitch, one-shot, centre, gang), interrupts and pins",
    .default_size = 0x1000,
    .min_size = 0x30,
    .max_size = 0x1000,
    .properties = pwm_props,
    .create = pwm_create,
    .irq_outputs = PWM_OUTPUTS,
    .irq_output_names = pwm_output_names,
    .connect_irqs = pwm_connect_irqs,
    .reset = pwm_reset,
    .registers = &pwm_table,
    .save_state = pwm_save_state,
    .load_state = pwm_load_state,
};
