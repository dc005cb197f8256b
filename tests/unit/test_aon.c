/* The SiFive FE310 always-on block (peripherals/sifive_aon.c), built
 * through its registry class with a hand-made host (whose request_reset
 * behaves as the machine's: it runs the class reset hook) and a fake
 * interrupt sink: the register map at reset; the watchdog's key, counting
 * at the low-frequency clock, scale, feed, compare, sticky interrupt,
 * zero-compare and its reset request at the exact cycle; pmucause and
 * backup registers across that reset; the RTC's compare interrupt; the PMU
 * key. The low-frequency clock: the LFROSC divided by 5 at reset, the
 * divider, the mux and the aon_lfclksel pin, a watchdog programmed the way
 * freedom-metal computes a 1 s timeout, events moved by a clock change
 * and only by one, the old lfclk-frequency property. Deep sleep (which
 * watchdog can wake the chip, a machine that cannot end the run) and the
 * guest diagnostics. Then the same watchdog on a
 * machine built from YAML, whose machine_reset resets every device and
 * asks the CPU hook to reset.
 *
 * Most tests select psdlfaltclk (32768 Hz) first (setup), so a tick is
 * exactly 4 CPU cycles; the clock tests start from power-on
 * (setup_power_on). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "peripherals/registry.h"
#include "soc/board.h"
#include "soc/machine.h"

#define BASE 0x10000000u
#define WDOGCFG (BASE + 0x000)
#define WDOGCOUNT (BASE + 0x008)
#define WDOGS (BASE + 0x010)
#define WDOGFEED (BASE + 0x018)
#define WDOGKEY (BASE + 0x01c)
#define WDOGCMP0 (BASE + 0x020)
#define RTCCFG (BASE + 0x040)
#define RTCCOUNTLO (BASE + 0x048)
#define RTCCOUNTHI (BASE + 0x04c)
#define RTCS (BASE + 0x050)
#define RTCCMP0 (BASE + 0x060)
#define LFROSCCFG (BASE + 0x070)
#define LFCLKMUX (BASE + 0x07c)
#define BACKUP(i) (BASE + 0x080 + 4 * (i))
#define PMUWAKEPM(i) (BASE + 0x100 + 4 * (i))
#define PMUSLEEPPM(i) (BASE + 0x120 + 4 * (i))
#define PMUIE (BASE + 0x140)
#define PMUCAUSE (BASE + 0x144)
#define PMUSLEEP (BASE + 0x148)
#define PMUKEY (BASE + 0x14c)

#define LFCLKMUX_STATUS (1u << 31)
#define LFROSC_EN (1u << 30)

#define KEY 0x51f15eu
#define FOOD 0x0d09f00du
#define RSTEN (1u << 8)
#define ZEROCMP (1u << 9)
#define ENALWAYS (1u << 12)
#define COREAWAKE (1u << 13)
#define IP0 (1u << 28)

/* 4 CPU cycles per low-frequency tick: counts are cycles / 4, exactly. */
#define CPU_HZ (32768 * 4)

enum { WDOG, RTC };

typedef struct Sink {
    Clock *clock;
    bool level[2];
    int changes[2];
    uint64_t changed_at[2];
} Sink;

typedef struct Fixture {
    MemorySystem *ms;
    Clock *clock;
    uint64_t cpu_hz; /* 0: CPU_HZ */
    const PeripheralClass *cls;
    BoardPeripheral desc;
    BoardProp props[2];
    DeviceHost host;
    Device dev;
    Owner *bus_owner;
    Sink sink;
    bool no_reset; /* the host offers no request_reset */
    bool no_exit;  /* ... nor request_exit */
    int resets;
    uint64_t reset_at;
    int exits;
    int exit_status;
    char log[1024]; /* the guest diagnostics, "device: message\n" each */
} Fixture;

static void sink_set(void *opaque, unsigned line, bool level)
{
    Sink *s = opaque;
    assert_true(line < 2);
    if (s->level[line] != level) {
        s->changes[line]++;
        s->changed_at[line] = clock_now(s->clock);
    }
    s->level[line] = level;
}

/* What the machine does: reset every device (here the one). */
static void request_reset(void *opaque)
{
    Fixture *f = opaque;
    f->resets++;
    f->reset_at = clock_now(f->clock);
    f->cls->reset(f->dev.state);
}

static Chardev *no_chardev(void *opaque, const char *spec, Error **errp)
{
    fail_msg("the AON opened a chardev");
    return NULL;
}

static void request_exit(void *opaque, int status)
{
    Fixture *f = opaque;
    f->exits++;
    f->exit_status = status;
}

static void log_guest(void *opaque, const char *device, const char *message)
{
    Fixture *f = opaque;
    size_t used = strlen(f->log);
    snprintf(f->log + used, sizeof f->log - used, "%s: %s\n", device, message);
}

/* Creates the AON with properties kv (key, value, ..., NULL; at most two,
 * the first on line 6 of a.yaml, the next on line 7). */
static bool try_create(Fixture *f, const char *const *kv, Error **errp)
{
    f->ms = memory_system_new();
    f->clock = clock_new(f->cpu_hz ? f->cpu_hz : CPU_HZ);
    f->cls = registry_find("sifive,aon");
    assert_non_null(f->cls);
    size_t n = 0;
    for (; kv && kv[2 * n]; n++) {
        assert_true(n < 2);
        f->props[n] = (BoardProp){.key = (char *)kv[2 * n],
                                  .value = (char *)kv[2 * n + 1],
                                  .loc = {"a.yaml", 6 + (unsigned)n, 22}};
    }
    f->desc = (BoardPeripheral){
        .name = "aon", .type = "sifive,aon", .base = BASE,
        .props = f->props, .nprops = n, .loc = {"a.yaml", 4, 7},
    };
    f->host = (DeviceHost){.opaque = f, .open_chardev = no_chardev,
                           .clock = f->clock,
                           .request_reset = f->no_reset ? NULL : request_reset,
                           .request_exit = f->no_exit ? NULL : request_exit,
                           .log_guest = log_guest};
    f->sink.clock = f->clock;
    DeviceConfig config = {.ms = f->ms, .desc = &f->desc,
                           .size = f->cls->default_size, .host = &f->host};
    return f->cls->create(&config, &f->dev, errp);
}

static void setup_prop(Fixture *f, const char *key, const char *value)
{
    const char *const kv[] = {key, value, NULL};
    Error *err = NULL;
    if (!try_create(f, kv, &err))
        fail_msg("create: %s", error_message(err));
    f->bus_owner = owner_new(f->ms, "bus", NULL, NULL);
    MemoryRegion *bus = memory_region_new_container(f->bus_owner, "bus",
                                                    UINT64_C(1) << 32);
    assert_true(memory_add_subregion(bus, BASE, f->dev.region, NULL));
    memory_set_root(f->ms, bus);
    IrqLine lines[2] = {
        {.handler = sink_set, .opaque = &f->sink, .line = WDOG},
        {.handler = sink_set, .opaque = &f->sink, .line = RTC},
    };
    f->cls->connect_irqs(f->dev.state, lines, 2);
}

static void setup_power_on(Fixture *f)
{
    setup_prop(f, NULL, NULL);
}

static void wr(Fixture *f, uint32_t addr, uint32_t value);

/* psdlfaltclk (32768 Hz): 4 cycles a tick. */
static void setup(Fixture *f)
{
    setup_prop(f, NULL, NULL);
    wr(f, LFCLKMUX, 1);
}

static void teardown(Fixture *f)
{
    f->cls->connect_irqs(f->dev.state, NULL, 0);
    memory_set_root(f->ms, NULL);
    owner_unref(f->bus_owner);
    owner_unref(f->dev.owner);
    assert_int_equal(memory_stats(f->ms).owners, 0);
    memory_system_free(f->ms);
    clock_free(f->clock); /* aborts if an event survived */
}

static uint32_t rd(Fixture *f, uint32_t addr)
{
    uint32_t v = 0xdeadbeef;
    assert_int_equal(memory_read(f->ms, addr, 4, &v), MEM_OK);
    return v;
}

static void wr(Fixture *f, uint32_t addr, uint32_t value)
{
    assert_int_equal(memory_write(f->ms, addr, 4, value), MEM_OK);
}

/* Unlocks, then writes one watchdog register. */
static void wd(Fixture *f, uint32_t addr, uint32_t value)
{
    wr(f, WDOGKEY, KEY);
    wr(f, addr, value);
}

static void at(Fixture *f, uint64_t cycle)
{
    clock_advance(f->clock, cycle);
}

/* ---- the class and the reset state ---- */

static void test_class_declares_outputs_wdog_then_rtc(void **state)
{
    const PeripheralClass *cls = registry_find("sifive,aon");
    assert_non_null(cls);
    assert_int_equal(cls->irq_outputs, 2);
    assert_string_equal(cls->irq_output_names[0], "wdog");
    assert_string_equal(cls->irq_output_names[1], "rtc");
    assert_non_null(cls->connect_irqs);
    assert_null(cls->irq_input);
    assert_non_null(cls->reset);
    assert_int_equal(cls->default_size, 0x1000);
}

static void test_registers_at_power_on(void **state)
{
    static const uint32_t wake[8] = {0x3f0, 0x2f8, 0x030, 0x030,
                                     0x030, 0x030, 0x030, 0x030};
    static const uint32_t sleep[8] = {0x2f0, 0x3f0, 0x3d0, 0x3c0,
                                      0x3c0, 0x3c0, 0x3c0, 0x3c0};
    Fixture f = {0};
    setup_power_on(&f);
    assert_int_equal(rd(&f, WDOGCFG), 0);
    assert_int_equal(rd(&f, WDOGCOUNT), 0);
    assert_int_equal(rd(&f, WDOGS), 0);
    assert_int_equal(rd(&f, WDOGFEED), 0);
    assert_int_equal(rd(&f, WDOGKEY), 0);
    assert_int_equal(rd(&f, WDOGCMP0), 0xffff);
    assert_int_equal(rd(&f, RTCCFG), 0);
    assert_int_equal(rd(&f, RTCCOUNTLO), 0);
    assert_int_equal(rd(&f, RTCCOUNTHI), 0);
    assert_int_equal(rd(&f, RTCS), 0);
    assert_int_equal(rd(&f, RTCCMP0), 0xffffffff);
    /* enabled, trim 16, divide by 5; the mux on the LFROSC, the
     * aon_lfclksel pin high (lfextclk_sel decides) */
    assert_int_equal(rd(&f, LFROSCCFG), 0xc0100004);
    assert_int_equal(rd(&f, LFCLKMUX), LFCLKMUX_STATUS);
    for (unsigned i = 0; i < 16; i++)
        assert_int_equal(rd(&f, BACKUP(i)), 0);
    for (unsigned i = 0; i < 8; i++) {
        assert_int_equal(rd(&f, PMUWAKEPM(i)), wake[i]);
        assert_int_equal(rd(&f, PMUSLEEPPM(i)), sleep[i]);
    }
    assert_int_equal(rd(&f, PMUIE), 0);
    assert_int_equal(rd(&f, PMUCAUSE), 0); /* power-on */
    assert_int_equal(rd(&f, PMUSLEEP), 0);
    assert_int_equal(rd(&f, PMUKEY), 0);
    assert_int_equal(rd(&f, BASE + 0x200), 0);
    assert_false(f.sink.level[WDOG]);
    assert_false(f.sink.level[RTC]);
    assert_int_equal(clock_next_deadline(f.clock), CLOCK_NEVER);
    /* nothing counts while disabled */
    at(&f, 1000000);
    assert_int_equal(rd(&f, WDOGCOUNT), 0);
    assert_int_equal(rd(&f, RTCCOUNTLO), 0);
    teardown(&f);
}

/* ---- watchdog ---- */

static void test_watchdog_writes_need_the_key_once(void **state)
{
    Fixture f = {0};
    setup(&f);
    wr(&f, WDOGCMP0, 5); /* locked: ignored */
    assert_int_equal(rd(&f, WDOGCMP0), 0xffff);
    wr(&f, WDOGKEY, 0x51f15f); /* wrong key */
    assert_int_equal(rd(&f, WDOGKEY), 0);
    wr(&f, WDOGCMP0, 5);
    assert_int_equal(rd(&f, WDOGCMP0), 0xffff);
    wr(&f, WDOGKEY, KEY);
    assert_int_equal(rd(&f, WDOGKEY), 1);
    wr(&f, WDOGCMP0, 0x12345); /* 16 bits */
    assert_int_equal(rd(&f, WDOGCMP0), 0x2345);
    assert_int_equal(rd(&f, WDOGKEY), 0); /* locked again */
    wr(&f, WDOGCMP0, 7);
    assert_int_equal(rd(&f, WDOGCMP0), 0x2345);
    wd(&f, WDOGCFG, 0xffffffff);
    assert_int_equal(rd(&f, WDOGCFG) & ~IP0, 0x330f);
    wd(&f, WDOGCFG, 0);
    /* unmodelled gaps neither need nor take the key */
    wr(&f, WDOGKEY, KEY);
    wr(&f, BASE + 0x004, 1);
    assert_int_equal(rd(&f, WDOGKEY), 1);
    wr(&f, WDOGCOUNT, 0xffffffff); /* 31 bits */
    assert_int_equal(rd(&f, WDOGCOUNT), 0x7fffffff);
    teardown(&f);
}

static void test_watchdog_counts_at_the_lfclk_and_scales(void **state)
{
    Fixture f = {0};
    setup(&f);
    at(&f, 10);
    wd(&f, WDOGCFG, ENALWAYS | 2); /* scale 2 */
    at(&f, 11); /* tick 2 began at cycle 8: the counter moves at tick 3 */
    assert_int_equal(rd(&f, WDOGCOUNT), 0);
    at(&f, 12);
    assert_int_equal(rd(&f, WDOGCOUNT), 1);
    at(&f, 4 * 401 + 3);
    assert_int_equal(rd(&f, WDOGCOUNT), 399);
    assert_int_equal(rd(&f, WDOGS), 99);
    wd(&f, WDOGCFG, 2); /* stop: the count holds */
    at(&f, 100000);
    assert_int_equal(rd(&f, WDOGCOUNT), 399);
    wd(&f, WDOGCFG, COREAWAKE | 0); /* awake counting, scale 0 */
    at(&f, 100000 + 40);
    assert_int_equal(rd(&f, WDOGCOUNT), 409);
    assert_int_equal(rd(&f, WDOGS), 409);
    /* wdogs is a 16-bit window of the 31-bit counter */
    wd(&f, WDOGCOUNT, 0x12345678);
    wd(&f, WDOGCFG, 4); /* stopped, scale 4 */
    assert_int_equal(rd(&f, WDOGS), 0x4567);
    wd(&f, WDOGCFG, 15);
    assert_int_equal(rd(&f, WDOGS), 0x2468);
    teardown(&f);
}

static void test_watchdog_feed_restarts_the_count(void **state)
{
    Fixture f = {0};
    setup(&f);
    wd(&f, WDOGCFG, ENALWAYS);
    at(&f, 400);
    assert_int_equal(rd(&f, WDOGCOUNT), 100);
    wr(&f, WDOGFEED, FOOD); /* locked: no effect */
    assert_int_equal(rd(&f, WDOGCOUNT), 100);
    wd(&f, WDOGFEED, 0xd09f00e); /* wrong food: no effect, key used */
    assert_int_equal(rd(&f, WDOGCOUNT), 100);
    assert_int_equal(rd(&f, WDOGKEY), 0);
    wd(&f, WDOGFEED, FOOD);
    assert_int_equal(rd(&f, WDOGCOUNT), 0);
    assert_int_equal(rd(&f, WDOGFEED), 0);
    at(&f, 480);
    assert_int_equal(rd(&f, WDOGCOUNT), 20);
    teardown(&f);
}

static void test_watchdog_resets_the_machine_at_the_exact_cycle(void **state)
{
    Fixture f = {0};
    setup(&f);
    wr(&f, BACKUP(0), 0xcafe0001);
    wr(&f, BACKUP(15), 0x12345678);
    wr(&f, RTCCFG, ENALWAYS);
    wd(&f, WDOGCMP0, 10);
    at(&f, 2);
    wd(&f, WDOGCFG, RSTEN | ENALWAYS | 1); /* scale 1: 20 ticks */
    assert_int_equal(clock_next_deadline(f.clock), 80);
    at(&f, 79);
    assert_int_equal(f.resets, 0);
    assert_int_equal(rd(&f, WDOGS), 9);
    at(&f, 80);
    assert_int_equal(f.resets, 1);
    assert_int_equal(f.reset_at, 80);
    /* after the reset: the watchdog is back to its reset values ... */
    assert_int_equal(rd(&f, WDOGCFG), 0);
    assert_int_equal(rd(&f, WDOGCOUNT), 0);
    assert_int_equal(rd(&f, WDOGCMP0), 0xffff);
    assert_int_equal(f.sink.changes[WDOG], 0); /* no stale PLIC request */
    /* ... pmucause says why, the always-on state is kept */
    assert_int_equal(rd(&f, PMUCAUSE), 0x200);
    assert_int_equal(rd(&f, BACKUP(0)), 0xcafe0001);
    assert_int_equal(rd(&f, BACKUP(15)), 0x12345678);
    assert_int_equal(rd(&f, RTCCFG), ENALWAYS);
    assert_int_equal(rd(&f, RTCCOUNTLO), 20);
    at(&f, 1000000);
    assert_int_equal(f.resets, 1);
    assert_int_equal(rd(&f, WDOGCOUNT), 0);
    /* a reset from elsewhere is an external one */
    f.cls->reset(f.dev.state);
    assert_int_equal(rd(&f, PMUCAUSE), 0x100);
    teardown(&f);
}

static void test_watchdog_without_machine_reset_only_interrupts(void **state)
{
    Fixture f = {.no_reset = true};
    setup(&f);
    wd(&f, WDOGCMP0, 2);
    wd(&f, WDOGCFG, RSTEN | ENALWAYS);
    at(&f, 8);
    assert_int_equal(f.resets, 0);
    assert_true(f.sink.level[WDOG]);
    assert_int_equal(rd(&f, WDOGCFG), RSTEN | ENALWAYS | IP0);
    teardown(&f);
}

static void test_watchdog_fed_in_time_never_bites(void **state)
{
    Fixture f = {0};
    setup(&f);
    wd(&f, WDOGCMP0, 100);
    wd(&f, WDOGCFG, RSTEN | ENALWAYS);
    for (uint64_t t = 300; t < 100000; t += 300) {
        at(&f, t);
        wd(&f, WDOGFEED, FOOD);
    }
    assert_int_equal(f.resets, 0);
    assert_int_equal(clock_next_deadline(f.clock), 99900 + 400);
    at(&f, 100300);
    assert_int_equal(f.resets, 1);
    teardown(&f);
}

static void test_watchdog_interrupt_is_sticky(void **state)
{
    Fixture f = {0};
    setup(&f);
    wd(&f, WDOGCMP0, 5);
    wd(&f, WDOGCFG, ENALWAYS);
    at(&f, 19);
    assert_false(f.sink.level[WDOG]);
    assert_int_equal(rd(&f, WDOGCFG), ENALWAYS);
    at(&f, 20);
    assert_true(f.sink.level[WDOG]);
    assert_int_equal(f.sink.changed_at[WDOG], 20);
    assert_int_equal(rd(&f, WDOGCFG), ENALWAYS | IP0);
    /* still matching: clearing ip0 does not stick */
    wd(&f, WDOGCFG, ENALWAYS);
    assert_true(f.sink.level[WDOG]);
    /* fed: the count is below the compare, yet ip0 stays until cleared */
    wd(&f, WDOGFEED, FOOD);
    assert_true(f.sink.level[WDOG]);
    assert_int_equal(rd(&f, WDOGCFG), ENALWAYS | IP0);
    wd(&f, WDOGCFG, ENALWAYS);
    assert_false(f.sink.level[WDOG]);
    assert_int_equal(f.resets, 0);
    teardown(&f);
}

static void test_watchdog_zerocmp_makes_a_periodic_timer(void **state)
{
    Fixture f = {0};
    setup(&f);
    wd(&f, WDOGCMP0, 25);
    wd(&f, WDOGCFG, ZEROCMP | ENALWAYS);
    at(&f, 100); /* tick 25: match, back to 0 on that tick */
    assert_true(f.sink.level[WDOG]);
    assert_int_equal(rd(&f, WDOGCOUNT), 0);
    assert_int_equal(clock_next_deadline(f.clock), 200);
    at(&f, 150);
    assert_int_equal(rd(&f, WDOGCOUNT), 12);
    /* an event run late still restarts the count on the matching tick */
    at(&f, 207);
    assert_int_equal(rd(&f, WDOGCOUNT), 1);
    assert_int_equal(clock_next_deadline(f.clock), 300);
    teardown(&f);
}

static void test_watchdog_compare_counts_in_the_16_bit_window(void **state)
{
    Fixture f = {0};
    setup(&f);
    wd(&f, WDOGCMP0, 0x10);
    wd(&f, WDOGCOUNT, 0x1fff0); /* wdogs 0xfff0 >= 0x10 */
    assert_true(f.sink.level[WDOG]);
    wd(&f, WDOGCFG, 0);       /* clear ip0 ... */
    assert_true(f.sink.level[WDOG]); /* ... the match holds it */
    wd(&f, WDOGCOUNT, 0x20000); /* wdogs 0 */
    wd(&f, WDOGCFG, ENALWAYS);
    assert_false(f.sink.level[WDOG]);
    assert_int_equal(clock_next_deadline(f.clock), 0x10 * 4);
    /* from above the compare, the next match is after wdogs wraps */
    wd(&f, WDOGCOUNT, 0x2fff0);
    wd(&f, WDOGCFG, ENALWAYS);
    assert_true(f.sink.level[WDOG]);
    assert_int_equal(clock_next_deadline(f.clock), (0x10 + 0x10) * 4);
    at(&f, 0x10 * 4); /* wdogs wrapped to 0: ip0 can be cleared */
    assert_int_equal(rd(&f, WDOGCOUNT), 0x30000);
    wd(&f, WDOGCFG, ENALWAYS);
    assert_false(f.sink.level[WDOG]);
    at(&f, 0x20 * 4 - 1);
    assert_int_equal(rd(&f, WDOGS), 0xf);
    assert_false(f.sink.level[WDOG]);
    at(&f, 0x20 * 4);
    assert_true(f.sink.level[WDOG]);
    assert_int_equal(f.sink.changed_at[WDOG], 0x20 * 4);
    teardown(&f);
}

/* ---- RTC ---- */

static void test_rtc_compare_raises_its_interrupt_at_the_exact_cycle(void **state)
{
    Fixture f = {0};
    setup(&f);
    wr(&f, RTCCMP0, 100);
    wr(&f, RTCCFG, ENALWAYS | 1); /* scale 1: 200 ticks, 800 cycles */
    assert_int_equal(rd(&f, RTCCFG), ENALWAYS | 1);
    assert_int_equal(clock_next_deadline(f.clock), 800);
    at(&f, 799);
    assert_false(f.sink.level[RTC]);
    assert_int_equal(rd(&f, RTCS), 99);
    at(&f, 800);
    assert_true(f.sink.level[RTC]);
    assert_int_equal(f.sink.changed_at[RTC], 800);
    assert_int_equal(rd(&f, RTCCFG), ENALWAYS | IP0 | 1);
    assert_int_equal(rd(&f, RTCCOUNTLO), 200);
    /* a level: a later compare lowers it */
    wr(&f, RTCCMP0, 150);
    assert_false(f.sink.level[RTC]);
    assert_int_equal(rd(&f, RTCCFG), ENALWAYS | 1);
    assert_int_equal(clock_next_deadline(f.clock), 1200);
    at(&f, 1200);
    assert_true(f.sink.level[RTC]);
    assert_int_equal(f.sink.changes[WDOG], 0);
    teardown(&f);
}

static void test_rtc_count_is_48_bits_in_two_words(void **state)
{
    Fixture f = {0};
    setup(&f);
    wr(&f, RTCCOUNTHI, 0xffffffff);
    assert_int_equal(rd(&f, RTCCOUNTHI), 0xffff);
    wr(&f, RTCCOUNTLO, 0xfffffffe);
    wr(&f, RTCCFG, ENALWAYS | 15);
    assert_int_equal(rd(&f, RTCS), 0xffffffff); /* bits 46:15 */
    at(&f, 8); /* two ticks: wraps to 0 */
    assert_int_equal(rd(&f, RTCCOUNTLO), 0);
    assert_int_equal(rd(&f, RTCCOUNTHI), 0);
    wr(&f, RTCCFG, 0);
    wr(&f, RTCCOUNTHI, 1);
    wr(&f, RTCCOUNTLO, 5);
    assert_int_equal(rd(&f, RTCCOUNTLO), 5);
    assert_int_equal(rd(&f, RTCCOUNTHI), 1);
    wr(&f, RTCCFG, 4);
    assert_int_equal(rd(&f, RTCS), 0x10000000);
    teardown(&f);
}

/* ---- PMU, lfclk, backup ---- */

static void test_pmu_writes_need_the_key_once(void **state)
{
    Fixture f = {0};
    setup(&f);
    wr(&f, PMUIE, 0xf);
    assert_int_equal(rd(&f, PMUIE), 0);
    wr(&f, PMUKEY, KEY);
    assert_int_equal(rd(&f, PMUKEY), 1);
    wr(&f, PMUIE, 0xf);
    assert_int_equal(rd(&f, PMUIE), 0xe);
    assert_int_equal(rd(&f, PMUKEY), 0);
    wr(&f, PMUKEY, KEY);
    wr(&f, PMUWAKEPM(3), 0xffffffff);
    assert_int_equal(rd(&f, PMUWAKEPM(3)), 0x3ff);
    wr(&f, PMUSLEEPPM(7), 1); /* locked again */
    assert_int_equal(rd(&f, PMUSLEEPPM(7)), 0x3c0);
    wr(&f, PMUCAUSE, 0x303); /* read-only */
    assert_int_equal(rd(&f, PMUCAUSE), 0);
    /* backup registers and the lfclk controls need no key */
    wr(&f, BACKUP(7), 0xffffffff);
    assert_int_equal(rd(&f, BACKUP(7)), 0xffffffff);
    wr(&f, LFROSCCFG, 0xffffffff);
    assert_int_equal(rd(&f, LFROSCCFG), 0xc01f003f);
    wr(&f, LFROSCCFG, 0);
    assert_int_equal(rd(&f, LFROSCCFG), 0);
    wr(&f, LFCLKMUX, 0xffffffff);
    assert_int_equal(rd(&f, LFCLKMUX), LFCLKMUX_STATUS | 1);
    teardown(&f);
}

static void test_lfaltclk_frequency_property(void **state)
{
    /* 128 cycles per tick once psdlfaltclk is selected */
    Fixture f = {0};
    setup_prop(&f, "lfaltclk-frequency", "1024");
    wr(&f, LFCLKMUX, 1);
    wd(&f, WDOGCFG, ENALWAYS);
    at(&f, 128 * 7 + 127);
    assert_int_equal(rd(&f, WDOGCOUNT), 7);
    teardown(&f);
}

/* A board written before the LFROSC was modelled counted lfclk-frequency
 * from power-on: the old name keeps that timing (psdlfaltclk forced by
 * the aon_lfclksel pin, low), whatever the firmware writes. */
static void test_old_lfclk_frequency_counts_from_power_on(void **state)
{
    Fixture f = {0};
    setup_prop(&f, "lfclk-frequency", "1024"); /* 128 cycles a tick */
    assert_int_equal(rd(&f, LFCLKMUX), 0); /* the pin, low */
    wd(&f, WDOGCFG, ENALWAYS);
    at(&f, 128 * 7 + 127);
    assert_int_equal(rd(&f, WDOGCOUNT), 7);
    wr(&f, LFCLKMUX, 0);
    wr(&f, LFROSCCFG, LFROSC_EN); /* the LFROSC undivided: not selected */
    at(&f, 128 * 10);
    assert_int_equal(rd(&f, WDOGCOUNT), 10);
    teardown(&f);
}

static void test_only_aligned_32_bit_accesses(void **state)
{
    Fixture f = {0};
    setup(&f);
    uint32_t v;
    assert_int_equal(memory_read(f.ms, BACKUP(0), 1, &v), MEM_BUS_ERROR);
    assert_int_equal(memory_read(f.ms, BACKUP(0) + 2, 4, &v), MEM_BUS_ERROR);
    assert_int_equal(memory_write(f.ms, WDOGKEY, 2, KEY), MEM_BUS_ERROR);
    assert_int_equal(rd(&f, WDOGKEY), 0);
    teardown(&f);
}

static void expect_create_error_kv(const char *const *kv, const char *message)
{
    Fixture f = {0};
    Error *err = NULL;
    assert_false(try_create(&f, kv, &err));
    assert_string_equal(error_message(err), message);
    error_free(err);
    assert_int_equal(memory_stats(f.ms).owners, 0);
    memory_system_free(f.ms);
    clock_free(f.clock);
}

static void expect_create_error(const char *key, const char *value,
                                const char *message)
{
    const char *const kv[] = {key, value, NULL};
    expect_create_error_kv(kv, message);
}

static void test_property_errors_name_the_place(void **state)
{
    expect_create_error("lfrosc-frequency", "0",
                        "a.yaml:6:22: 'lfrosc-frequency' must be 1 to 0xffffffff");
    expect_create_error("lfrosc-frequency", "0x100000000",
                        "a.yaml:6:22: 'lfrosc-frequency' must be 1 to 0xffffffff");
    expect_create_error("lfaltclk-frequency", "5G",
                        "a.yaml:6:22: 'lfaltclk-frequency' must be 0 to 0xffffffff");
    expect_create_error("lfclk-frequency", "5G",
                        "a.yaml:6:22: 'lfclk-frequency' must be 0 to 0xffffffff");
    expect_create_error("lfclksel", "2", "a.yaml:6:22: 'lfclksel' must be 0 to 1");
    expect_create_error("lfclksel", "high",
                        "a.yaml:6:22: lfclksel: 'high' is not a number");
    expect_create_error("lfclk", "1",
                        "a.yaml:6:22: unknown property 'lfclk' for sifive,aon "
                        "'aon'");
}

/* The old name means the new one with the pin low: given with either,
 * the board is refused at the old name. */
static void test_old_lfclk_frequency_mixed_with_the_new_names(void **state)
{
    static const char *const both[] = {"lfaltclk-frequency", "1024",
                                       "lfclk-frequency", "1024", NULL};
    static const char *const sel[] = {"lfclk-frequency", "1024",
                                      "lfclksel", "1", NULL};
    expect_create_error_kv(both, "a.yaml:7:22: 'lfclk-frequency' is the old "
                           "name of 'lfaltclk-frequency' with 'lfclksel: 0': "
                           "give either it or those");
    expect_create_error_kv(sel, "a.yaml:6:22: 'lfclk-frequency' is the old "
                           "name of 'lfaltclk-frequency' with 'lfclksel: 0': "
                           "give either it or those");
}

/* ---- the low-frequency clock ---- */

static void test_lfclk_at_power_on_is_the_lfrosc_divided_by_5(void **state)
{
    Fixture f = {0};
    setup_power_on(&f); /* 32768 / 5 Hz: 20 cycles a tick */
    wr(&f, RTCCFG, ENALWAYS);
    at(&f, 20 * 1000 - 1);
    assert_int_equal(rd(&f, RTCCOUNTLO), 999);
    at(&f, 20 * 1000);
    assert_int_equal(rd(&f, RTCCOUNTLO), 1000);
    /* a compare 50 ticks on fires on the 20-cycle grid */
    wr(&f, RTCCMP0, 1050);
    assert_int_equal(clock_next_deadline(f.clock), 20 * 1050);
    at(&f, 20 * 1050);
    assert_true(f.sink.level[RTC]);
    assert_int_equal(f.sink.changed_at[RTC], 20 * 1050);
    teardown(&f);
}

/* What freedom-metal's lfclk driver returns (sifive_fe310-g000_lfrosc.c,
 * get_rate_hz, with SiFive's HiFive1 Rev B description: lfrosc and
 * psdlfaltclk both 32768 Hz): psdlfaltclk when lfextclk_mux_status is 0 or
 * lfextclk_sel is 1, else lfrosc / (lfroscdiv + 1), in integers. */
static long metal_lfclk_rate(Fixture *f)
{
    uint32_t mux = rd(f, LFCLKMUX);
    if (!(mux & LFCLKMUX_STATUS) || (mux & 1))
        return 32768;
    return 32768 / (long)((rd(f, LFROSCCFG) & 0x3f) + 1);
}

/* freedom-metal's watchdog calls, register by register (sifive_wdog0.c),
 * as its example-watchdog makes them: set_rate(1 MHz), set_timeout(1 s *
 * rate), set_result(INTERRUPT), run(RUN_ALWAYS). */
static void metal_watchdog_one_second(Fixture *f)
{
    long clock_rate = metal_lfclk_rate(f);
    long rate = clock_rate; /* 1 MHz >= the clock: scale 0 */
    wd(f, WDOGCFG, rd(f, WDOGCFG) & ~0x7u);
    wd(f, WDOGCMP0, (rd(f, WDOGCMP0) & ~0xffffu) | (uint32_t)(1 * rate));
    wd(f, WDOGCFG, rd(f, WDOGCFG) & ~(RSTEN | ZEROCMP));
    wd(f, WDOGCFG, rd(f, WDOGCFG) | ZEROCMP);
    wd(f, WDOGCFG, rd(f, WDOGCFG) & ~(ENALWAYS | COREAWAKE));
    wd(f, WDOGFEED, FOOD);
    wd(f, WDOGCFG, rd(f, WDOGCFG) | ENALWAYS);
}

static void expect_watchdog_at_one_second(Fixture *f, uint64_t cycles_per_tick)
{
    uint64_t hz = clock_hz(f->clock);
    at(f, hz - cycles_per_tick - 1);
    assert_false(f->sink.level[WDOG]);
    at(f, hz + cycles_per_tick);
    assert_true(f->sink.level[WDOG]);
    uint64_t fired = f->sink.changed_at[WDOG];
    uint64_t off = fired > hz ? fired - hz : hz - fired;
    if (off > cycles_per_tick)
        fail_msg("the 1 s watchdog fired at cycle %llu: %llu cycles from 1 s, "
                 "more than a tick (%llu)", (unsigned long long)fired,
                 (unsigned long long)off, (unsigned long long)cycles_per_tick);
}

static void test_watchdog_timed_as_freedom_metal_computes_it(void **state)
{
    /* At reset on the HiFive1 Rev B's 16 MHz: 6553 ticks of 32768 / 5 Hz,
     * 2441.4 cycles each. */
    Fixture f = {.cpu_hz = 16000000};
    setup_power_on(&f);
    assert_int_equal(metal_lfclk_rate(&f), 6553);
    metal_watchdog_one_second(&f);
    expect_watchdog_at_one_second(&f, 2442);
    teardown(&f);

    /* The same program after selecting psdlfaltclk: 32768 ticks. */
    Fixture g = {.cpu_hz = 16000000};
    setup(&g);
    assert_int_equal(metal_lfclk_rate(&g), 32768);
    metal_watchdog_one_second(&g); /* wdogcmp takes 16 bits: 32768 fits */
    expect_watchdog_at_one_second(&g, 489);
    teardown(&g);
}

static void test_rtc_counts_at_the_selected_rate(void **state)
{
    /* psdlfaltclk at 16384 Hz: 8 cycles a tick; the LFROSC 32768 Hz */
    Fixture f = {0};
    setup_prop(&f, "lfaltclk-frequency", "16384");
    wr(&f, RTCCFG, ENALWAYS);
    at(&f, 2000); /* LFROSC / 5: 20 cycles a tick */
    assert_int_equal(rd(&f, RTCCOUNTLO), 100);
    wr(&f, LFROSCCFG, LFROSC_EN | (16u << 16) | 0); /* divide by 1: 4 */
    at(&f, 2000 + 400);
    assert_int_equal(rd(&f, RTCCOUNTLO), 200);
    wr(&f, LFROSCCFG, LFROSC_EN | 63); /* divide by 64: 256 */
    at(&f, 2400 + 256 * 3);
    assert_int_equal(rd(&f, RTCCOUNTLO), 203);
    wr(&f, LFCLKMUX, 1); /* psdlfaltclk: 8 */
    assert_int_equal(rd(&f, LFCLKMUX), LFCLKMUX_STATUS | 1);
    at(&f, 3168 + 80);
    assert_int_equal(rd(&f, RTCCOUNTLO), 213);
    wr(&f, LFCLKMUX, 0);
    wr(&f, LFROSCCFG, 0); /* the LFROSC off while selected: lfclk stops */
    assert_int_equal(rd(&f, LFROSCCFG), 0); /* not ready either */
    at(&f, 100000);
    assert_int_equal(rd(&f, RTCCOUNTLO), 213);
    wr(&f, LFROSCCFG, LFROSC_EN); /* on again, divide by 1 */
    at(&f, 100000 + 4 * 7);
    assert_int_equal(rd(&f, RTCCOUNTLO), 220);
    teardown(&f);
}

/* Only a new rate restarts the divider: a write that keeps it (here the
 * trim) leaves every tick where it was. */
static void test_lfclk_write_keeping_the_rate_moves_no_tick(void **state)
{
    Fixture f = {0};
    setup_power_on(&f); /* 20 cycles a tick */
    wr(&f, RTCCMP0, 2);
    wr(&f, RTCCFG, ENALWAYS);
    at(&f, 39);
    wr(&f, LFROSCCFG, LFROSC_EN | (3u << 16) | 4); /* trim 3, still / 5 */
    wr(&f, LFCLKMUX, 0); /* the LFROSC still */
    assert_int_equal(clock_next_deadline(f.clock), 40);
    at(&f, 40);
    assert_int_equal(rd(&f, RTCCOUNTLO), 2);
    assert_true(f.sink.level[RTC]);
    assert_int_equal(f.sink.changed_at[RTC], 40);
    teardown(&f);
}

static void test_lfclksel_pin_low_forces_psdlfaltclk(void **state)
{
    Fixture f = {0};
    setup_prop(&f, "lfclksel", "0");
    assert_int_equal(rd(&f, LFCLKMUX), 0); /* status: the pin, low */
    wr(&f, RTCCFG, ENALWAYS);
    at(&f, 400); /* 32768 Hz whatever lfextclk_sel says */
    assert_int_equal(rd(&f, RTCCOUNTLO), 100);
    wr(&f, LFCLKMUX, 1);
    wr(&f, LFROSCCFG, 0);
    at(&f, 800);
    assert_int_equal(rd(&f, RTCCOUNTLO), 200);
    teardown(&f);
}

static void test_clock_change_moves_pending_events(void **state)
{
    Fixture f = {0};
    setup_power_on(&f); /* 20 cycles a tick */
    wr(&f, RTCCMP0, 100);
    wr(&f, RTCCFG, ENALWAYS);
    wd(&f, WDOGCMP0, 200);
    wd(&f, WDOGCFG, ENALWAYS);
    assert_int_equal(clock_next_deadline(f.clock), 20 * 100);
    at(&f, 20 * 40 + 7); /* 40 ticks and a part */
    wr(&f, LFCLKMUX, 1); /* 4 cycles a tick from here: the rest moves */
    uint64_t t = 20 * 40 + 7;
    assert_int_equal(clock_next_deadline(f.clock), t + 4 * 60);
    at(&f, t + 4 * 60 - 1);
    assert_false(f.sink.level[RTC]);
    at(&f, t + 4 * 60);
    assert_true(f.sink.level[RTC]);
    assert_int_equal(rd(&f, RTCCOUNTLO), 100);
    assert_int_equal(clock_next_deadline(f.clock), t + 4 * 160); /* the wdog */
    /* slower again: the LFROSC divided by 64 */
    wr(&f, LFCLKMUX, 0);
    wr(&f, LFROSCCFG, LFROSC_EN | 63);
    uint64_t u = t + 4 * 60;
    assert_int_equal(clock_next_deadline(f.clock), u + 4 * 64 * 100);
    at(&f, u + 4 * 64 * 100);
    assert_true(f.sink.level[WDOG]);
    assert_int_equal(f.sink.changed_at[WDOG], u + 4 * 64 * 100);
    assert_int_equal(rd(&f, WDOGCOUNT), 200);
    teardown(&f);
}

/* ---- deep sleep and guest diagnostics ---- */

static void sleep_now(Fixture *f)
{
    wr(f, PMUKEY, KEY);
    wr(f, PMUSLEEP, 0);
}

static void test_deep_sleep_with_nothing_to_wake_ends_the_run(void **state)
{
    Fixture f = {0};
    setup(&f);
    wr(&f, PMUSLEEP, 0); /* locked: nothing */
    assert_int_equal(f.exits, 0);
    assert_string_equal(f.log, "aon: write at +0x148 ignored: the PMU is locked "
                               "(write 0x51f15e to pmukey first)\n");
    f.log[0] = '\0';
    sleep_now(&f);
    assert_int_equal(f.exits, 1);
    assert_int_equal(f.exit_status, 0);
    assert_string_equal(f.log, "aon: pmusleep: deep sleep with nothing that can "
                               "wake the chip: it stays off, the run ends\n");
    teardown(&f);
}

static void test_sleep_the_rtc_or_watchdog_ends_is_not_modelled(void **state)
{
    Fixture f = {0};
    setup(&f);
    wr(&f, PMUKEY, KEY);
    wr(&f, PMUIE, 2); /* the RTC's wake-up, but the RTC is off */
    sleep_now(&f);
    assert_int_equal(f.exits, 1);
    f.log[0] = '\0';
    wr(&f, RTCCFG, ENALWAYS);
    sleep_now(&f);
    assert_int_equal(f.exits, 1);
    assert_string_equal(f.log, "aon: pmusleep: a sleep the RTC would end is "
                               "not modelled; the core keeps running\n");
    f.log[0] = '\0';
    wr(&f, PMUKEY, KEY);
    wr(&f, PMUIE, 0);
    wd(&f, WDOGCFG, RSTEN | ENALWAYS);
    sleep_now(&f);
    assert_int_equal(f.exits, 1);
    assert_string_equal(f.log, "aon: pmusleep: a sleep the watchdog would end "
                               "is not modelled; the core keeps running\n");
    teardown(&f);
}

/* A watchdog counting only while the core is awake (wdogcoreawake) stops
 * with the core in deep sleep: it cannot wake the chip. */
static void test_deep_sleep_ignores_a_core_awake_watchdog(void **state)
{
    Fixture f = {0};
    setup(&f);
    wd(&f, WDOGCFG, RSTEN | COREAWAKE);
    sleep_now(&f);
    assert_int_equal(f.exits, 1);
    assert_int_equal(f.exit_status, 0);
    assert_string_equal(f.log, "aon: pmusleep: deep sleep with nothing that can "
                               "wake the chip: it stays off, the run ends\n");
    teardown(&f);
}

/* On a machine that cannot end the run, deep sleep is not modelled and
 * says so instead of claiming the run ends. */
static void test_deep_sleep_without_request_exit_is_not_modelled(void **state)
{
    Fixture f = {.no_exit = true};
    setup(&f);
    sleep_now(&f);
    assert_int_equal(f.exits, 0);
    assert_string_equal(f.log, "aon: pmusleep: deep sleep with nothing that can "
                               "wake the chip, on a machine that cannot end the "
                               "run, is not modelled; the core keeps running\n");
    teardown(&f);
}

static void test_guest_diagnostics_go_to_the_host(void **state)
{
    Fixture f = {.no_reset = true};
    setup(&f);
    wr(&f, WDOGCMP0, 5);
    wr(&f, WDOGCMP0, 5); /* each time: the application decides */
    assert_string_equal(f.log,
                        "aon: write at +0x20 ignored: the watchdog is locked "
                        "(write 0x51f15e to wdogkey first)\n"
                        "aon: write at +0x20 ignored: the watchdog is locked "
                        "(write 0x51f15e to wdogkey first)\n");
    f.log[0] = '\0';
    wd(&f, WDOGCMP0, 2);
    wd(&f, WDOGCFG, RSTEN | ENALWAYS);
    at(&f, 8);
    assert_string_equal(f.log, "aon: the watchdog bit but this machine cannot "
                               "reset (wdogip0 set instead)\n");
    teardown(&f);
}

/* ---- on a machine ---- */

typedef struct Host {
    int cpu_resets;
    int stops;
} Host;

static void host_stop(void *opaque) { ((Host *)opaque)->stops++; }
static void host_reset_cpu(void *opaque) { ((Host *)opaque)->cpu_resets++; }

static const char BOARD[] =
    "b:\n"
    "  memory:\n"
    "    - {name: ram, type: ram, base: 0x80000000, size: 16K}\n"
    "  peripherals:\n"
    "    - {name: aon, type: \"sifive,aon\", base: 0x10000000}\n"
    "    - {name: prci, type: \"sifive,fe310-prci\", base: 0x10008000}\n"
    "    - {name: qspi0, type: memory-mapped-stub, base: 0x10014000}\n";

static void test_machine_watchdog_resets_devices_and_cpu(void **state)
{
    MemorySystem *ms = memory_system_new();
    Clock *clock = clock_new(CPU_HZ);
    Host host = {0};
    Error *err = NULL;
    BoardFile *file = board_file_parse("m.yaml", BOARD, strlen(BOARD), &err);
    assert_non_null(file);
    MachineHooks hooks = {.opaque = &host, .stop = host_stop, .clock = clock,
                          .reset_cpu = host_reset_cpu, .registry = registry_devices()};
    Machine *m = machine_new(ms, &file->boards[0], &hooks, &err);
    if (!m)
        fail_msg("machine: %s", error_message(err));
    board_file_free(file);

    assert_int_equal(memory_write(ms, 0x80000000, 4, 0x11223344), MEM_OK);
    assert_int_equal(memory_write(ms, 0x10008008, 4, 0), MEM_OK); /* pllcfg */
    assert_int_equal(memory_write(ms, BACKUP(2), 4, 42), MEM_OK);
    assert_int_equal(memory_write(ms, WDOGKEY, 4, KEY), MEM_OK);
    assert_int_equal(memory_write(ms, WDOGCMP0, 4, 3), MEM_OK);
    assert_int_equal(memory_write(ms, WDOGKEY, 4, KEY), MEM_OK);
    assert_int_equal(memory_write(ms, WDOGCFG, 4, RSTEN | ENALWAYS), MEM_OK);
    /* lfclk at reset: the LFROSC / 5, 20 cycles a tick */
    clock_advance(clock, 59);
    assert_int_equal(host.cpu_resets, 0);
    clock_advance(clock, 60);
    assert_int_equal(host.cpu_resets, 1);
    assert_int_equal(host.stops, 0);

    uint32_t v;
    assert_int_equal(memory_read(ms, PMUCAUSE, 4, &v), MEM_OK);
    assert_int_equal(v, 0x200);
    assert_int_equal(memory_read(ms, BACKUP(2), 4, &v), MEM_OK);
    assert_int_equal(v, 42);
    assert_int_equal(memory_read(ms, WDOGCFG, 4, &v), MEM_OK);
    assert_int_equal(v, 0);
    assert_int_equal(memory_read(ms, 0x10008008, 4, &v), MEM_OK);
    assert_int_equal(v, 0x00060df1); /* the PRCI reset too */
    assert_int_equal(memory_read(ms, 0x80000000, 4, &v), MEM_OK);
    assert_int_equal(v, 0x11223344); /* memories keep their contents */

    /* machine_reset itself: every device and the CPU, cause external */
    machine_reset(m);
    assert_int_equal(host.cpu_resets, 2);
    assert_int_equal(memory_read(ms, PMUCAUSE, 4, &v), MEM_OK);
    assert_int_equal(v, 0x100);

    machine_free(m);
    memory_system_free(ms);
    clock_free(clock);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_class_declares_outputs_wdog_then_rtc),
        cmocka_unit_test(test_registers_at_power_on),
        cmocka_unit_test(test_watchdog_writes_need_the_key_once),
        cmocka_unit_test(test_watchdog_counts_at_the_lfclk_and_scales),
        cmocka_unit_test(test_watchdog_feed_restarts_the_count),
        cmocka_unit_test(test_watchdog_resets_the_machine_at_the_exact_cycle),
        cmocka_unit_test(test_watchdog_without_machine_reset_only_interrupts),
        cmocka_unit_test(test_watchdog_fed_in_time_never_bites),
        cmocka_unit_test(test_watchdog_interrupt_is_sticky),
        cmocka_unit_test(test_watchdog_zerocmp_makes_a_periodic_timer),
        cmocka_unit_test(test_watchdog_compare_counts_in_the_16_bit_window),
        cmocka_unit_test(test_rtc_compare_raises_its_interrupt_at_the_exact_cycle),
        cmocka_unit_test(test_rtc_count_is_48_bits_in_two_words),
        cmocka_unit_test(test_pmu_writes_need_the_key_once),
        cmocka_unit_test(test_lfaltclk_frequency_property),
        cmocka_unit_test(test_old_lfclk_frequency_counts_from_power_on),
        cmocka_unit_test(test_only_aligned_32_bit_accesses),
        cmocka_unit_test(test_property_errors_name_the_place),
        cmocka_unit_test(test_old_lfclk_frequency_mixed_with_the_new_names),
        cmocka_unit_test(test_lfclk_at_power_on_is_the_lfrosc_divided_by_5),
        cmocka_unit_test(test_watchdog_timed_as_freedom_metal_computes_it),
        cmocka_unit_test(test_rtc_counts_at_the_selected_rate),
        cmocka_unit_test(test_lfclk_write_keeping_the_rate_moves_no_tick),
        cmocka_unit_test(test_lfclksel_pin_low_forces_psdlfaltclk),
        cmocka_unit_test(test_clock_change_moves_pending_events),
        cmocka_unit_test(test_deep_sleep_with_nothing_to_wake_ends_the_run),
        cmocka_unit_test(test_sleep_the_rtc_or_watchdog_ends_is_not_modelled),
        cmocka_unit_test(test_deep_sleep_ignores_a_core_awake_watchdog),
        cmocka_unit_test(test_deep_sleep_without_request_exit_is_not_modelled),
        cmocka_unit_test(test_guest_diagnostics_go_to_the_host),
        cmocka_unit_test(test_machine_watchdog_resets_devices_and_cpu),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
