/* The SiFive FE310 always-on block (peripherals/sifive_aon.c), built
 * through its registry class on tests/unit/device_fixture.h (whose
 * request_reset behaves as the machine's: it runs the class reset hook):
 * the register map at reset; the watchdog's key, counting
 * at the low-frequency clock, scale, feed, compare, sticky interrupt,
 * zero-compare and its reset request at the exact cycle; pmucause and
 * backup registers across that reset; the RTC's compare interrupt and
 * writes while it counts; the PMU key. The low-frequency clock: the
 * LFROSC divided by 5 at reset, the divider, the mux and the aon_lfclksel
 * pin, a watchdog programmed the way freedom-metal computes a 1 s
 * timeout, events moved by a clock change and only by one, the old
 * lfclk-frequency property. Deep sleep (which
 * watchdog can wake the chip, a machine that cannot end the run) and the
 * guest diagnostics. The register table: every register's name, kind and
 * reset (peeked, at power-on and after a reset that keeps the always-on
 * domain), the writable bits, the access kinds, bad sizes (a bus error,
 * or with `bad-access: ignore` 0 and one report), offsets with no
 * register, and what a trace says of a register and its fields. Then the
 * same watchdog on a
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

#include "peripherals/regs.h"
#include "soc/board.h"
#include "soc/machine.h"
#include "tests/unit/device_fixture.h"

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
#define PMUWAKEUPI(i) (BASE + 0x100 + 4 * (i))
#define PMUSLEEPI(i) (BASE + 0x120 + 4 * (i))
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

/* The device fixture, and what a test asks of its host. */
typedef struct Fixture {
    DevFixture d;
    uint64_t cpu_hz; /* 0: CPU_HZ */
    bool no_reset;   /* the host offers no request_reset */
    bool no_exit;    /* ... nor request_exit */
} Fixture;

/* Creates the AON with properties kv (key, value, ..., NULL). */
static bool try_create(Fixture *f, const char *const *kv, Error **errp)
{
    devfix_setup(&f->d, f->cpu_hz ? f->cpu_hz : CPU_HZ);
    if (f->no_reset)
        f->d.host.request_reset = NULL;
    if (f->no_exit)
        f->d.host.request_exit = NULL;
    return devfix_try_create(&f->d, "sifive,aon", "aon", BASE, 0, kv, errp);
}

static void setup_prop(Fixture *f, const char *key, const char *value)
{
    Error *err = NULL;
    if (!try_create(f, DEVFIX_KV(key, value), &err))
        fail_msg("create: %s", error_message(err));
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
    devfix_teardown(&f->d); /* aborts if an event survived */
}

/* By address, as the macros above give them. */
static uint32_t rd(Fixture *f, uint32_t addr)
{
    return devfix_read(&f->d, addr - BASE, 4);
}

static void wr(Fixture *f, uint32_t addr, uint32_t value)
{
    devfix_write(&f->d, addr - BASE, 4, value);
}

/* Unlocks, then writes one watchdog register. */
static void wd(Fixture *f, uint32_t addr, uint32_t value)
{
    wr(f, WDOGKEY, KEY);
    wr(f, addr, value);
}

static void at(Fixture *f, uint64_t cycle)
{
    clock_advance(f->d.clock, cycle);
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
        assert_int_equal(rd(&f, PMUWAKEUPI(i)), wake[i]);
        assert_int_equal(rd(&f, PMUSLEEPI(i)), sleep[i]);
    }
    assert_int_equal(rd(&f, PMUIE), 0);
    assert_int_equal(rd(&f, PMUCAUSE), 0); /* power-on */
    assert_int_equal(rd(&f, PMUSLEEP), 0);
    assert_int_equal(rd(&f, PMUKEY), 0);
    assert_int_equal(rd(&f, BASE + 0x200), 0);
    assert_false(f.d.irq[WDOG].level);
    assert_false(f.d.irq[RTC].level);
    assert_int_equal(clock_next_deadline(f.d.clock), CLOCK_NEVER);
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
    assert_int_equal(clock_next_deadline(f.d.clock), 80);
    at(&f, 79);
    assert_int_equal(f.d.resets, 0);
    assert_int_equal(rd(&f, WDOGS), 9);
    at(&f, 80);
    assert_int_equal(f.d.resets, 1);
    assert_int_equal(f.d.reset_at, 80);
    /* after the reset: the watchdog is back to its reset values ... */
    assert_int_equal(rd(&f, WDOGCFG), 0);
    assert_int_equal(rd(&f, WDOGCOUNT), 0);
    assert_int_equal(rd(&f, WDOGCMP0), 0xffff);
    assert_int_equal(f.d.irq[WDOG].changes, 0); /* no stale PLIC request */
    /* ... pmucause says why, the always-on state is kept */
    assert_int_equal(rd(&f, PMUCAUSE), 0x200);
    assert_int_equal(rd(&f, BACKUP(0)), 0xcafe0001);
    assert_int_equal(rd(&f, BACKUP(15)), 0x12345678);
    assert_int_equal(rd(&f, RTCCFG), ENALWAYS);
    assert_int_equal(rd(&f, RTCCOUNTLO), 20);
    at(&f, 1000000);
    assert_int_equal(f.d.resets, 1);
    assert_int_equal(rd(&f, WDOGCOUNT), 0);
    /* a reset from elsewhere is an external one */
    f.d.cls->reset(f.d.dev.state);
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
    assert_int_equal(f.d.resets, 0);
    assert_true(f.d.irq[WDOG].level);
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
    assert_int_equal(f.d.resets, 0);
    assert_int_equal(clock_next_deadline(f.d.clock), 99900 + 400);
    at(&f, 100300);
    assert_int_equal(f.d.resets, 1);
    teardown(&f);
}

static void test_watchdog_interrupt_is_sticky(void **state)
{
    Fixture f = {0};
    setup(&f);
    wd(&f, WDOGCMP0, 5);
    wd(&f, WDOGCFG, ENALWAYS);
    at(&f, 19);
    assert_false(f.d.irq[WDOG].level);
    assert_int_equal(rd(&f, WDOGCFG), ENALWAYS);
    at(&f, 20);
    assert_true(f.d.irq[WDOG].level);
    assert_int_equal(f.d.irq[WDOG].changed_at, 20);
    assert_int_equal(rd(&f, WDOGCFG), ENALWAYS | IP0);
    /* still matching: clearing ip0 does not stick */
    wd(&f, WDOGCFG, ENALWAYS);
    assert_true(f.d.irq[WDOG].level);
    /* fed: the count is below the compare, yet ip0 stays until cleared */
    wd(&f, WDOGFEED, FOOD);
    assert_true(f.d.irq[WDOG].level);
    assert_int_equal(rd(&f, WDOGCFG), ENALWAYS | IP0);
    wd(&f, WDOGCFG, ENALWAYS);
    assert_false(f.d.irq[WDOG].level);
    assert_int_equal(f.d.resets, 0);
    teardown(&f);
}

static void test_watchdog_zerocmp_makes_a_periodic_timer(void **state)
{
    Fixture f = {0};
    setup(&f);
    wd(&f, WDOGCMP0, 25);
    wd(&f, WDOGCFG, ZEROCMP | ENALWAYS);
    at(&f, 100); /* tick 25: match, back to 0 on that tick */
    assert_true(f.d.irq[WDOG].level);
    assert_int_equal(rd(&f, WDOGCOUNT), 0);
    assert_int_equal(clock_next_deadline(f.d.clock), 200);
    at(&f, 150);
    assert_int_equal(rd(&f, WDOGCOUNT), 12);
    /* an event run late still restarts the count on the matching tick */
    at(&f, 207);
    assert_int_equal(rd(&f, WDOGCOUNT), 1);
    assert_int_equal(clock_next_deadline(f.d.clock), 300);
    teardown(&f);
}

static void test_watchdog_compare_counts_in_the_16_bit_window(void **state)
{
    Fixture f = {0};
    setup(&f);
    wd(&f, WDOGCMP0, 0x10);
    wd(&f, WDOGCOUNT, 0x1fff0); /* wdogs 0xfff0 >= 0x10 */
    assert_true(f.d.irq[WDOG].level);
    wd(&f, WDOGCFG, 0);       /* clear ip0 ... */
    assert_true(f.d.irq[WDOG].level); /* ... the match holds it */
    wd(&f, WDOGCOUNT, 0x20000); /* wdogs 0 */
    wd(&f, WDOGCFG, ENALWAYS);
    assert_false(f.d.irq[WDOG].level);
    assert_int_equal(clock_next_deadline(f.d.clock), 0x10 * 4);
    /* from above the compare, the next match is after wdogs wraps */
    wd(&f, WDOGCOUNT, 0x2fff0);
    wd(&f, WDOGCFG, ENALWAYS);
    assert_true(f.d.irq[WDOG].level);
    assert_int_equal(clock_next_deadline(f.d.clock), (0x10 + 0x10) * 4);
    at(&f, 0x10 * 4); /* wdogs wrapped to 0: ip0 can be cleared */
    assert_int_equal(rd(&f, WDOGCOUNT), 0x30000);
    wd(&f, WDOGCFG, ENALWAYS);
    assert_false(f.d.irq[WDOG].level);
    at(&f, 0x20 * 4 - 1);
    assert_int_equal(rd(&f, WDOGS), 0xf);
    assert_false(f.d.irq[WDOG].level);
    at(&f, 0x20 * 4);
    assert_true(f.d.irq[WDOG].level);
    assert_int_equal(f.d.irq[WDOG].changed_at, 0x20 * 4);
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
    assert_int_equal(clock_next_deadline(f.d.clock), 800);
    at(&f, 799);
    assert_false(f.d.irq[RTC].level);
    assert_int_equal(rd(&f, RTCS), 99);
    at(&f, 800);
    assert_true(f.d.irq[RTC].level);
    assert_int_equal(f.d.irq[RTC].changed_at, 800);
    assert_int_equal(rd(&f, RTCCFG), ENALWAYS | IP0 | 1);
    assert_int_equal(rd(&f, RTCCOUNTLO), 200);
    /* a level: a later compare lowers it */
    wr(&f, RTCCMP0, 150);
    assert_false(f.d.irq[RTC].level);
    assert_int_equal(rd(&f, RTCCFG), ENALWAYS | 1);
    assert_int_equal(clock_next_deadline(f.d.clock), 1200);
    at(&f, 1200);
    assert_true(f.d.irq[RTC].level);
    assert_int_equal(f.d.irq[WDOG].changes, 0);
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

/* A write while the RTC counts (a new count, enable or scale) applies
 * from its tick: the count so far is kept, the write changes only what it
 * writes. */
static void test_rtc_write_keeps_the_count_so_far(void **state)
{
    Fixture f = {0};
    setup(&f);
    wr(&f, RTCCFG, ENALWAYS);
    at(&f, 800); /* 200 ticks */
    wr(&f, RTCCOUNTLO, 5);
    at(&f, 1200);
    assert_int_equal(rd(&f, RTCCOUNTLO), 105);
    wr(&f, RTCCOUNTHI, 2); /* the low word counted so far stays */
    at(&f, 1600);
    assert_int_equal(rd(&f, RTCCOUNTLO), 205);
    assert_int_equal(rd(&f, RTCCOUNTHI), 2);
    wr(&f, RTCCFG, 0); /* stops at 0x2_000000cd */
    at(&f, 2000);
    assert_int_equal(rd(&f, RTCCOUNTLO), 205);
    wr(&f, RTCCFG, ENALWAYS | 1); /* counts on from there, rtcs scaled */
    at(&f, 2400);
    assert_int_equal(rd(&f, RTCCOUNTLO), 305);
    assert_int_equal(rd(&f, RTCS), 0x98); /* 0x2_00000131 >> 1, 32 bits */
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
    wr(&f, PMUWAKEUPI(3), 0xffffffff);
    assert_int_equal(rd(&f, PMUWAKEUPI(3)), 0x3ff);
    wr(&f, PMUSLEEPI(7), 1); /* locked again */
    assert_int_equal(rd(&f, PMUSLEEPI(7)), 0x3c0);
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
    assert_int_equal(memory_read(f.d.ms, BACKUP(0), 1, &v), MEM_BUS_ERROR);
    assert_int_equal(memory_read(f.d.ms, BACKUP(0) + 2, 4, &v), MEM_BUS_ERROR);
    assert_int_equal(memory_write(f.d.ms, WDOGKEY, 2, KEY), MEM_BUS_ERROR);
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
    teardown(&f);
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
                        "dev.yaml:4:9: 'lfrosc-frequency' must be 1 to 0xffffffff");
    expect_create_error("lfrosc-frequency", "0x100000000",
                        "dev.yaml:4:9: 'lfrosc-frequency' must be 1 to 0xffffffff");
    expect_create_error("lfaltclk-frequency", "5G",
                        "dev.yaml:4:9: 'lfaltclk-frequency' must be 0 to 0xffffffff");
    expect_create_error("lfclk-frequency", "5G",
                        "dev.yaml:4:9: 'lfclk-frequency' must be 0 to 0xffffffff");
    expect_create_error("lfclksel", "2", "dev.yaml:4:9: 'lfclksel' must be 0 to 1");
    expect_create_error("lfclksel", "high",
                        "dev.yaml:4:9: lfclksel: 'high' is not a number");
    expect_create_error("lfclk", "1",
                        "dev.yaml:4:9: unknown property 'lfclk' for sifive,aon "
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
    expect_create_error_kv(both, "dev.yaml:5:9: 'lfclk-frequency' is the old "
                           "name of 'lfaltclk-frequency' with 'lfclksel: 0': "
                           "give either it or those");
    expect_create_error_kv(sel, "dev.yaml:4:9: 'lfclk-frequency' is the old "
                           "name of 'lfaltclk-frequency' with 'lfclksel: 0': "
                           "give either it or those");
}

/* ---- the register table ---- */

/* Every register element by name and offset, with the value a peek gives
 * at power-on (the manual's resets; wdogcmp0 and rtccmp0 all ones, the
 * PMU programs SiFive's defaults) and after a machine reset that followed
 * writing all ones everywhere (the watchdog back to its resets, the
 * always-on domain kept, pmucause external). */
typedef struct RegExpect {
    char name[16];
    uint32_t addr;
    uint32_t power_on, after_reset;
} RegExpect;

enum { NREGS = 13 + 16 + 8 + 8 + 4 };

static size_t expected_regs(RegExpect *e)
{
    static const uint32_t wake[8] = {0x3f0, 0x2f8, 0x030, 0x030,
                                     0x030, 0x030, 0x030, 0x030};
    static const uint32_t sleep[8] = {0x2f0, 0x3f0, 0x3d0, 0x3c0,
                                      0x3c0, 0x3c0, 0x3c0, 0x3c0};
    static const RegExpect fixed[] = {
        {"wdogcfg", WDOGCFG, 0, 0},
        {"wdogcount", WDOGCOUNT, 0, 0},
        {"wdogs", WDOGS, 0, 0},
        {"wdogfeed", WDOGFEED, 0, 0},
        {"wdogkey", WDOGKEY, 0, 0},
        {"wdogcmp0", WDOGCMP0, 0xffff, 0xffff},
        /* the RTC counting from all ones, rtcs >= rtccmp0 */
        {"rtccfg", RTCCFG, 0, ENALWAYS | IP0 | 0xf},
        {"rtccountlo", RTCCOUNTLO, 0, 0xffffffff},
        {"rtccounthi", RTCCOUNTHI, 0, 0xffff},
        {"rtcs", RTCS, 0, 0xffffffff},
        {"rtccmp0", RTCCMP0, 0xffffffff, 0xffffffff},
        {"lfrosccfg", LFROSCCFG, 0xc0100004, 0xc01f003f},
        {"lfclkmux", LFCLKMUX, LFCLKMUX_STATUS, LFCLKMUX_STATUS | 1},
    };
    size_t n = 0;
    for (; n < sizeof fixed / sizeof fixed[0]; n++)
        e[n] = fixed[n];
    for (unsigned i = 0; i < 16; i++, n++) {
        e[n] = (RegExpect){"", BACKUP(i), 0, 0xffffffff};
        snprintf(e[n].name, sizeof e[n].name, "backup[%u]", i);
    }
    for (unsigned i = 0; i < 8; i++, n++) {
        e[n] = (RegExpect){"", PMUWAKEUPI(i), wake[i], 0x3ff};
        snprintf(e[n].name, sizeof e[n].name, "pmuwakeupi[%u]", i);
    }
    for (unsigned i = 0; i < 8; i++, n++) {
        e[n] = (RegExpect){"", PMUSLEEPI(i), sleep[i], 0x3ff};
        snprintf(e[n].name, sizeof e[n].name, "pmusleepi[%u]", i);
    }
    e[n++] = (RegExpect){"pmuie", PMUIE, 0, 0xe};
    e[n++] = (RegExpect){"pmucause", PMUCAUSE, 0, 0x100};
    e[n++] = (RegExpect){"pmusleep", PMUSLEEP, 0, 0};
    e[n++] = (RegExpect){"pmukey", PMUKEY, 0, 0};
    assert_int_equal(n, NREGS);
    return n;
}

/* The register a trace names at addr ("" when none), and its fields. */
static void describe(Fixture *f, uint32_t addr, uint32_t value, bool is_write,
                     char *name, char *fields)
{
    memory_region_describe_access(f->d.dev.region, addr - BASE, value, is_write,
                                  name, 64, fields, 256);
}

/* The access kind the table declares: read-only and write-only as the
 * manual has them, the rest read-write (wdogs too: a write to it uses the
 * watchdog's key). */
static RegAccess expected_kind(const char *name)
{
    if (!strcmp(name, "rtcs") || !strcmp(name, "pmucause"))
        return REG_RO;
    if (!strcmp(name, "wdogfeed") || !strcmp(name, "pmusleep"))
        return REG_WO;
    return REG_RW;
}

/* Every element the class's table declares is one of expected_regs, by
 * offset and name (so neither list can gain a register the other lacks),
 * of the kind expected_kind says. */
static void expect_table_matches(Fixture *f, const RegExpect *e, size_t n)
{
    const RegTable *t = f->d.cls->registers;
    assert_non_null(t);
    size_t elements = 0;
    for (size_t r = 0; r < t->nregs; r++) {
        const RegDef *def = &t->regs[r];
        if (def->access != expected_kind(def->name))
            fail_msg("%s: access kind %d, want %d", def->name, def->access,
                     expected_kind(def->name));
        uint32_t count = def->count > 1 ? def->count : 1;
        for (uint32_t i = 0; i < count; i++, elements++) {
            uint32_t addr = BASE + def->offset + i * def->stride;
            size_t k = 0;
            while (k < n && e[k].addr != addr)
                k++;
            if (k == n)
                fail_msg("%s[%u] at 0x%x is not tested", def->name, i, addr);
            /* the table's reset is the power-on value (the pin's status
             * apart); the PMU programs' per element */
            uint32_t pin = addr == LFCLKMUX ? LFCLKMUX_STATUS : 0;
            uint32_t reset = def->resets ? def->resets[i] : def->reset;
            if (reset != (e[k].power_on & ~pin))
                fail_msg("%s: reset 0x%x in the table, 0x%x at power-on",
                         e[k].name, reset, e[k].power_on);
        }
    }
    assert_int_equal(elements, n);
    for (size_t k = 0; k < n; k++) {
        char name[64], fields[256];
        describe(f, e[k].addr, 0, false, name, fields);
        assert_string_equal(name, e[k].name);
    }
}

/* Writes all ones to every writable register, each with its key (the
 * watchdog, then armed to reset and matching, may bite on the way: only
 * what the reset after this keeps matters). */
static void write_all_ones(Fixture *f, const RegExpect *e, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        uint32_t a = e[k].addr;
        if (a == WDOGKEY || a == PMUKEY || a == PMUSLEEP || a == WDOGFEED)
            continue;
        if (a <= WDOGCMP0)
            wr(f, WDOGKEY, KEY);
        else if (a >= PMUWAKEUPI(0))
            wr(f, PMUKEY, KEY);
        wr(f, a, 0xffffffff);
    }
}

static void test_every_register_peeks_its_reset_value(void **state)
{
    RegExpect e[NREGS];
    size_t n = expected_regs(e);
    Fixture f = {0};
    setup_power_on(&f);
    expect_table_matches(&f, e, n);
    for (size_t k = 0; k < n; k++)
        if (devfix_peek(&f.d, e[k].addr - BASE, 4) != e[k].power_on)
            fail_msg("%s at power-on: 0x%x, want 0x%x", e[k].name,
                     devfix_peek(&f.d, e[k].addr - BASE, 4), e[k].power_on);
    assert_string_equal(f.d.log, ""); /* peeks report nothing */

    /* all ones everywhere, then a reset from outside: what survives */
    write_all_ones(&f, e, n);
    f.d.cls->reset(f.d.dev.state);
    for (size_t k = 0; k < n; k++)
        if (devfix_peek(&f.d, e[k].addr - BASE, 4) != e[k].after_reset)
            fail_msg("%s after a reset: 0x%x, want 0x%x", e[k].name,
                     devfix_peek(&f.d, e[k].addr - BASE, 4), e[k].after_reset);
    /* ... and the RTC goes on counting: one tick of psdlfaltclk, kept
     * selected, wraps its 48 bits */
    at(&f, 4);
    assert_int_equal(rd(&f, RTCCOUNTLO), 0);
    assert_int_equal(rd(&f, RTCCOUNTHI), 0);
    teardown(&f);
}

/* Each writable register keeps exactly its documented bits: all ones
 * written (with the key it needs) reads back the mask, plus what the
 * hardware derives (lfroscrdy, lfextclk_mux_status). */
static void test_all_ones_read_back_the_writable_bits(void **state)
{
    static const struct {
        uint32_t addr, want;
    } masks[] = {
        {WDOGCFG, 0x1000330f}, /* wdogip0 is writable: sticky, cleared by 0 */
        {WDOGCOUNT, 0x7fffffff},
        {WDOGCMP0, 0xffff},
        {RTCCFG, 0x100f}, /* rtcip0 is not */
        {RTCCOUNTLO, 0xffffffff},
        {RTCCOUNTHI, 0xffff},
        {RTCCMP0, 0xffffffff},
        {LFROSCCFG, 0xc01f003f},
        {LFCLKMUX, LFCLKMUX_STATUS | 1},
        {BACKUP(5), 0xffffffff},
        {PMUWAKEUPI(2), 0x3ff},
        {PMUSLEEPI(6), 0x3ff},
        {PMUIE, 0xe},
    };
    Fixture f = {0};
    setup_power_on(&f);
    for (size_t k = 0; k < sizeof masks / sizeof masks[0]; k++) {
        uint32_t a = masks[k].addr;
        if (a <= WDOGCMP0)
            wr(&f, WDOGKEY, KEY);
        else if (a >= PMUWAKEUPI(0))
            wr(&f, PMUKEY, KEY);
        wr(&f, a, 0xffffffff);
        if (devfix_peek(&f.d, a - BASE, 4) != masks[k].want)
            fail_msg("+0x%x: all ones read back 0x%x, want 0x%x", a - BASE,
                     devfix_peek(&f.d, a - BASE, 4), masks[k].want);
        if (a == WDOGCFG)
            wd(&f, WDOGCFG, 0); /* stop counting before the count is set */
        if (a == RTCCFG)
            wr(&f, RTCCFG, 0);
    }
    assert_int_equal(f.d.resets, 0);
    teardown(&f);
}

static void test_access_kinds(void **state)
{
    Fixture f = {0};
    setup(&f);
    /* read-only: rtcs and pmucause ignore writes (regs.h reports them),
     * and a pmucause write is not a PMU write (it neither needs nor uses
     * the key, so no "locked" report either) */
    wr(&f, RTCS, 0x1234);
    assert_int_equal(rd(&f, RTCS), 0);
    wr(&f, PMUKEY, KEY);
    wr(&f, PMUCAUSE, 0x303);
    assert_int_equal(rd(&f, PMUCAUSE), 0);
    assert_int_equal(rd(&f, PMUKEY), 1);
    assert_string_equal(f.d.log, "aon: write of 0x1234 to read-only rtcs ignored\n"
                                 "aon: write of 0x303 to read-only pmucause "
                                 "ignored\n");
    devfix_log_clear(&f.d);
    /* write-only: wdogfeed and pmusleep read 0, also to the debugger */
    wd(&f, WDOGFEED, FOOD);
    assert_int_equal(rd(&f, WDOGFEED), 0);
    assert_int_equal(devfix_peek(&f.d, WDOGFEED - BASE, 4), 0);
    assert_int_equal(rd(&f, PMUSLEEP), 0);
    assert_int_equal(devfix_peek(&f.d, PMUSLEEP - BASE, 4), 0);
    /* wdogs reads the scaled count, and a write to it changes nothing but
     * is a watchdog write: locked, it is reported; unlocked, it uses the
     * key */
    wr(&f, WDOGS, 5);
    assert_string_equal(f.d.log, "aon: write at +0x10 ignored: the watchdog is "
                                 "locked (write 0x51f15e to wdogkey first)\n");
    wd(&f, WDOGS, 5);
    assert_int_equal(rd(&f, WDOGS), 0);
    assert_int_equal(rd(&f, WDOGKEY), 0);
    /* a peek is side-effect free: the key stays */
    wr(&f, WDOGKEY, KEY);
    assert_int_equal(devfix_peek(&f.d, WDOGKEY - BASE, 4), 1);
    assert_int_equal(devfix_peek(&f.d, WDOGCFG - BASE, 4), 0);
    assert_int_equal(rd(&f, WDOGKEY), 1);
    teardown(&f);
}

static void test_bad_sizes_fault_by_default(void **state)
{
    Fixture f = {0};
    setup(&f);
    uint32_t v;
    wr(&f, BACKUP(1), 0x11223344);
    assert_int_equal(devfix_try_read(&f.d, BACKUP(1) - BASE, 1, &v), MEM_BUS_ERROR);
    assert_int_equal(devfix_try_read(&f.d, BACKUP(1) - BASE, 2, &v), MEM_BUS_ERROR);
    assert_int_equal(devfix_try_read(&f.d, BACKUP(1) - BASE + 1, 4, &v),
                     MEM_BUS_ERROR);
    assert_int_equal(devfix_try_write(&f.d, BACKUP(1) - BASE, 1, 0), MEM_BUS_ERROR);
    assert_int_equal(devfix_try_write(&f.d, BACKUP(1) - BASE + 2, 2, 0),
                     MEM_BUS_ERROR);
    assert_int_equal(rd(&f, BACKUP(1)), 0x11223344);
    assert_string_equal(f.d.log, "");
    /* an offset with no register reads 0 and ignores writes, said once */
    assert_int_equal(rd(&f, BASE + 0x004), 0);
    assert_int_equal(rd(&f, BASE + 0x004), 0);
    wr(&f, BASE + 0x200, 1);
    assert_string_equal(f.d.log, "aon: read at +0x4: no register there\n"
                                 "aon: write of 0x1 at +0x200 ignored: no "
                                 "register there\n");
    teardown(&f);
}

/* Reported once per offset and direction, whatever the size. */
static void test_bad_sizes_ignored_read_0_said_once(void **state)
{
    Fixture f = {0};
    setup_prop(&f, "bad-access", "ignore");
    wr(&f, BACKUP(1), 0x11223344);
    for (int round = 0; round < 2; round++) {
        assert_int_equal(devfix_read(&f.d, BACKUP(1) - BASE, 1), 0);
        assert_int_equal(devfix_read(&f.d, BACKUP(1) - BASE, 2), 0);
        assert_int_equal(devfix_read(&f.d, BACKUP(1) - BASE + 2, 4), 0);
        devfix_write(&f.d, BACKUP(1) - BASE, 1, 0xff);
        devfix_write(&f.d, WDOGKEY - BASE, 2, KEY & 0xffff);
    }
    assert_int_equal(rd(&f, BACKUP(1)), 0x11223344);
    assert_int_equal(rd(&f, WDOGKEY), 0);
    assert_string_equal(f.d.log,
        "aon: 1-byte read at +0x84 ignored: backup[1] is a 4-byte register\n"
        "aon: 4-byte read at +0x86 ignored: backup[1] is a 4-byte register\n"
        "aon: 1-byte write at +0x84 ignored: backup[1] is a 4-byte register\n"
        "aon: 2-byte write at +0x1c ignored: wdogkey is a 4-byte register\n");
    teardown(&f);

    expect_create_error("bad-access", "sometimes",
                        "dev.yaml:4:9: bad-access: 'sometimes' is not fault or "
                        "ignore");
}

/* What --trace mmio prints after the address: the register's name and
 * its fields (a write shows the fields it can change). */
static void test_trace_names_registers_and_fields(void **state)
{
    Fixture f = {0};
    setup_power_on(&f);
    char name[64], fields[256];
    describe(&f, WDOGCFG, RSTEN | ENALWAYS | 2, true, name, fields);
    assert_string_equal(name, "wdogcfg");
    assert_string_equal(fields, "wdogscale=2 wdogrsten=1 wdogzerocmp=0 "
                                "wdogenalways=1 wdogcoreawake=0 wdogip0=0");
    describe(&f, LFROSCCFG, 0xc0100004, false, name, fields);
    assert_string_equal(name, "lfrosccfg");
    assert_string_equal(fields, "lfroscdiv=4 lfrosctrim=0x10 lfroscen=1 "
                                "lfroscrdy=1");
    describe(&f, LFROSCCFG, 0xc0100004, true, name, fields); /* rdy: no */
    assert_string_equal(fields, "lfroscdiv=4 lfrosctrim=0x10 lfroscen=1");
    describe(&f, RTCCFG, ENALWAYS | IP0 | 3, false, name, fields);
    assert_string_equal(fields, "rtcscale=3 rtcenalways=1 rtcip0=1");
    describe(&f, PMUSLEEPI(7), 0x2b5, false, name, fields); /* bit 6: none */
    assert_string_equal(name, "pmusleepi[7]");
    assert_string_equal(fields, "delay=5 pmu_out_0_en=1 pmu_out_1_en=1 "
                                "corerst=1 hfclkrst=0 isolate=1");
    describe(&f, PMUCAUSE, 0x201, false, name, fields);
    assert_string_equal(fields, "wakeupcause=1 resetcause=2");
    describe(&f, WDOGCMP0, 5, true, name, fields); /* one value: no fields */
    assert_string_equal(name, "wdogcmp0");
    assert_string_equal(fields, "");
    describe(&f, BASE + 0x004, 5, true, name, fields);
    assert_string_equal(name, "");
    teardown(&f);
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
    assert_int_equal(clock_next_deadline(f.d.clock), 20 * 1050);
    at(&f, 20 * 1050);
    assert_true(f.d.irq[RTC].level);
    assert_int_equal(f.d.irq[RTC].changed_at, 20 * 1050);
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
    uint64_t hz = clock_hz(f->d.clock);
    at(f, hz - cycles_per_tick - 1);
    assert_false(f->d.irq[WDOG].level);
    at(f, hz + cycles_per_tick);
    assert_true(f->d.irq[WDOG].level);
    uint64_t fired = f->d.irq[WDOG].changed_at;
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
    assert_int_equal(clock_next_deadline(f.d.clock), 40);
    at(&f, 40);
    assert_int_equal(rd(&f, RTCCOUNTLO), 2);
    assert_true(f.d.irq[RTC].level);
    assert_int_equal(f.d.irq[RTC].changed_at, 40);
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
    assert_int_equal(clock_next_deadline(f.d.clock), 20 * 100);
    at(&f, 20 * 40 + 7); /* 40 ticks and a part */
    wr(&f, LFCLKMUX, 1); /* 4 cycles a tick from here: the rest moves */
    uint64_t t = 20 * 40 + 7;
    assert_int_equal(clock_next_deadline(f.d.clock), t + 4 * 60);
    at(&f, t + 4 * 60 - 1);
    assert_false(f.d.irq[RTC].level);
    at(&f, t + 4 * 60);
    assert_true(f.d.irq[RTC].level);
    assert_int_equal(rd(&f, RTCCOUNTLO), 100);
    assert_int_equal(clock_next_deadline(f.d.clock), t + 4 * 160); /* the wdog */
    /* slower again: the LFROSC divided by 64 */
    wr(&f, LFCLKMUX, 0);
    wr(&f, LFROSCCFG, LFROSC_EN | 63);
    uint64_t u = t + 4 * 60;
    assert_int_equal(clock_next_deadline(f.d.clock), u + 4 * 64 * 100);
    at(&f, u + 4 * 64 * 100);
    assert_true(f.d.irq[WDOG].level);
    assert_int_equal(f.d.irq[WDOG].changed_at, u + 4 * 64 * 100);
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
    assert_int_equal(f.d.exits, 0);
    assert_string_equal(f.d.log, "aon: write at +0x148 ignored: the PMU is locked "
                               "(write 0x51f15e to pmukey first)\n");
    devfix_log_clear(&f.d);
    sleep_now(&f);
    assert_int_equal(f.d.exits, 1);
    assert_int_equal(f.d.exit_status, 0);
    assert_string_equal(f.d.log, "aon: pmusleep: deep sleep with nothing that can "
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
    assert_int_equal(f.d.exits, 1);
    devfix_log_clear(&f.d);
    wr(&f, RTCCFG, ENALWAYS);
    sleep_now(&f);
    assert_int_equal(f.d.exits, 1);
    assert_string_equal(f.d.log, "aon: pmusleep: a sleep the RTC would end is "
                               "not modelled; the core keeps running\n");
    devfix_log_clear(&f.d);
    wr(&f, PMUKEY, KEY);
    wr(&f, PMUIE, 0);
    wd(&f, WDOGCFG, RSTEN | ENALWAYS);
    sleep_now(&f);
    assert_int_equal(f.d.exits, 1);
    assert_string_equal(f.d.log, "aon: pmusleep: a sleep the watchdog would end "
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
    assert_int_equal(f.d.exits, 1);
    assert_int_equal(f.d.exit_status, 0);
    assert_string_equal(f.d.log, "aon: pmusleep: deep sleep with nothing that can "
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
    assert_int_equal(f.d.exits, 0);
    assert_string_equal(f.d.log, "aon: pmusleep: deep sleep with nothing that can "
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
    assert_string_equal(f.d.log,
                        "aon: write at +0x20 ignored: the watchdog is locked "
                        "(write 0x51f15e to wdogkey first)\n"
                        "aon: write at +0x20 ignored: the watchdog is locked "
                        "(write 0x51f15e to wdogkey first)\n");
    devfix_log_clear(&f.d);
    wd(&f, WDOGCMP0, 2);
    wd(&f, WDOGCFG, RSTEN | ENALWAYS);
    at(&f, 8);
    assert_string_equal(f.d.log, "aon: the watchdog bit but this machine cannot "
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
        cmocka_unit_test(test_rtc_write_keeps_the_count_so_far),
        cmocka_unit_test(test_pmu_writes_need_the_key_once),
        cmocka_unit_test(test_lfaltclk_frequency_property),
        cmocka_unit_test(test_old_lfclk_frequency_counts_from_power_on),
        cmocka_unit_test(test_only_aligned_32_bit_accesses),
        cmocka_unit_test(test_property_errors_name_the_place),
        cmocka_unit_test(test_old_lfclk_frequency_mixed_with_the_new_names),
        cmocka_unit_test(test_every_register_peeks_its_reset_value),
        cmocka_unit_test(test_all_ones_read_back_the_writable_bits),
        cmocka_unit_test(test_access_kinds),
        cmocka_unit_test(test_bad_sizes_fault_by_default),
        cmocka_unit_test(test_bad_sizes_ignored_read_0_said_once),
        cmocka_unit_test(test_trace_names_registers_and_fields),
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
