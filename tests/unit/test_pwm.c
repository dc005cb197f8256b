/* The SiFive PWM (peripherals/sifive_pwm.c) against the FE310-G002
 * manual's PWM chapter and the RTL's timing: reset values, access kinds,
 * masks and sizes; the counter, pwms and the ip bits at exact cycles
 * (every register changes at the clock edge after its cause, ip one tick
 * after pwms reaches the compare); zero-compare periods with and without
 * scaling; sticky, deglitch, one-shot, centre and gang; the eight outputs
 * (cmp0..3, pin0..3) over time through the fixture's probes, changes an
 * access finds in the past driven in order; far ticks computed without
 * stepping; reset; a bus clock slower than the CPU's; property errors.
 * The fixture's CPU runs at 10 MHz; by default the PWM counts every
 * cycle, so a tick is a cycle. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "peripherals/regs.h"
#include "tests/unit/device_fixture.h"

#define BASE 0x10025000u
enum { CFG = 0x00, COUNT = 0x08, S = 0x10, CMP0 = 0x20 };
#define CMP(i) (CMP0 + 4 * (i))

#define SCALE(n) ((uint32_t)(n))
#define STICKY (1u << 8)
#define ZEROCMP (1u << 9)
#define DEGLITCH (1u << 10)
#define ENALWAYS (1u << 12)
#define ENONESHOT (1u << 13)
#define CENTER(i) (1u << (16 + (i)))
#define GANG(i) (1u << (24 + (i)))
#define IP(i) (1u << (28 + (i)))

/* The outputs, in the class's wiring order. */
enum { OUT_CMP0 = 0, OUT_PIN0 = 4 };

typedef DevFixture Fixture;

static void setup_with(Fixture *f, const char *key, const char *value)
{
    devfix_setup(f, 0);
    devfix_create(f, "sifive,pwm0", "pwm1", BASE, 0, key, value, NULL);
}

static void setup(Fixture *f) { setup_with(f, NULL, NULL); }

static uint32_t rd(Fixture *f, uint32_t off) { return devfix_read(f, off, 4); }

/* A write at cycle `at`. */
static void wr_at(Fixture *f, uint64_t at, uint32_t off, uint32_t value)
{
    devfix_run_until(f, at);
    assert_int_equal(clock_now(f->clock), at);
    devfix_write(f, off, 4, value);
}

static uint32_t rd_at(Fixture *f, uint64_t at, uint32_t off)
{
    devfix_run_until(f, at);
    return rd(f, off);
}

/* ---- the class and its registers ---- */

static void test_class_has_eight_outputs_and_a_valid_table(void **state)
{
    const PeripheralClass *cls = registry_find("sifive,pwm0");
    assert_non_null(cls);
    assert_int_equal(cls->irq_outputs, 8);
    const char *names[] = {"cmp0", "cmp1", "cmp2", "cmp3",
                           "pin0", "pin1", "pin2", "pin3"};
    for (unsigned i = 0; i < 8; i++)
        assert_string_equal(cls->irq_output_names[i], names[i]);
    assert_non_null(cls->registers);
    Error *err = NULL;
    if (!regs_check(cls->registers, "sifive,pwm0", &err))
        fail_msg("%s", error_message(err));
}

static void test_reset_values(void **state)
{
    Fixture f = {0};
    setup(&f);
    assert_int_equal(rd(&f, CFG), 0);
    assert_int_equal(rd(&f, COUNT), 0);
    assert_int_equal(rd(&f, S), 0);
    for (unsigned i = 0; i < 4; i++)
        assert_int_equal(rd(&f, CMP(i)), 0xffff);
    assert_int_equal(devfix_irq_mask(&f), 0);
    /* a stopped counter stays at 0 */
    assert_int_equal(rd_at(&f, 100000, COUNT), 0);
    assert_int_equal(devfix_irq_mask(&f), 0);
    devfix_teardown(&f);
}

static void test_eight_bit_comparators_mask_cmp_count_and_pwms(void **state)
{
    Fixture f = {0};
    setup_with(&f, "cmp-width", "8");
    for (unsigned i = 0; i < 4; i++)
        assert_int_equal(rd(&f, CMP(i)), 0xff);
    wr_at(&f, 10, CMP(2), 0xffffffff);
    assert_int_equal(rd_at(&f, 11, CMP(2)), 0xff);
    wr_at(&f, 20, COUNT, 0xffffffff); /* 15 + 8 bits */
    assert_int_equal(rd_at(&f, 21, COUNT), 0x7fffff);
    assert_int_equal(rd(&f, S), 0xff);
    devfix_teardown(&f);
}

static void test_masks_and_access_kinds(void **state)
{
    Fixture f = {0};
    setup(&f);
    wr_at(&f, 10, COUNT, 0xffffffff);
    assert_int_equal(rd_at(&f, 11, COUNT), 0x7fffffff); /* bit 31 reads 0 */
    wr_at(&f, 20, CMP(1), 0xffffffff);
    assert_int_equal(rd_at(&f, 21, CMP(1)), 0xffff);
    wr_at(&f, 30, CMP(1), 0x12345);
    assert_int_equal(rd_at(&f, 31, CMP(1)), 0x2345);
    /* pwms is read-only */
    wr_at(&f, 40, S, 0x1234);
    assert_int_equal(rd_at(&f, 41, S), 0xffff);
    /* pwmcfg keeps its defined bits (counter stopped), ip as written */
    wr_at(&f, 50, CFG, 0xffffffff & ~(ENALWAYS | ENONESHOT));
    assert_int_equal(rd_at(&f, 51, CFG), 0xff0f070f);
    devfix_teardown(&f);
}

static void test_accesses_must_be_32_bit(void **state)
{
    Fixture f = {0};
    setup(&f);
    uint32_t v;
    assert_int_equal(devfix_try_read(&f, CFG, 1, &v), MEM_BUS_ERROR);
    assert_int_equal(devfix_try_write(&f, CMP(0), 2, 1), MEM_BUS_ERROR);
    assert_int_equal(rd(&f, CMP(0)), 0xffff);
    devfix_teardown(&f);

    Fixture g = {0};
    setup_with(&g, "bad-access", "ignore");
    assert_int_equal(devfix_read(&g, CFG, 1), 0);
    assert_int_equal(devfix_log_count(&g, "pwmcfg is a 4-byte register"), 1);
    devfix_teardown(&g);
}

static void test_offsets_outside_the_map_read_zero_and_are_reported(void **state)
{
    Fixture f = {0};
    setup(&f);
    assert_int_equal(rd(&f, 0x04), 0);
    assert_int_equal(rd(&f, 0x04), 0);
    devfix_write(&f, 0x30, 4, 1);
    assert_int_equal(devfix_log_count(&f, "read at +0x4: no register there"), 1);
    assert_int_equal(devfix_log_count(&f, "+0x30 ignored: no register there"), 1);
    devfix_teardown(&f);
}

/* ---- the counter ---- */

static void test_counter_counts_from_the_edge_after_the_write(void **state)
{
    Fixture f = {0};
    setup(&f);
    wr_at(&f, 1000, CFG, ENALWAYS);
    assert_int_equal(rd_at(&f, 1001, COUNT), 0);
    assert_int_equal(rd_at(&f, 1002, COUNT), 1);
    assert_int_equal(rd_at(&f, 1101, COUNT), 100);
    assert_int_equal(rd(&f, S), 100);
    /* scale 3 from the next edge: pwms is count >> 3 */
    wr_at(&f, 1101, CFG, ENALWAYS | SCALE(3));
    assert_int_equal(rd_at(&f, 1102, COUNT), 101);
    assert_int_equal(rd(&f, S), 101 >> 3);
    assert_int_equal(rd_at(&f, 1200, COUNT), 199);
    assert_int_equal(rd(&f, S), 199 >> 3);
    assert_int_equal(rd(&f, CFG), ENALWAYS | SCALE(3));
    /* a pwmcount write lands at the next edge, then counts on */
    wr_at(&f, 1300, COUNT, 5000);
    assert_int_equal(rd_at(&f, 1301, COUNT), 5000);
    assert_int_equal(rd_at(&f, 1311, COUNT), 5010);
    /* stopping keeps the count */
    wr_at(&f, 1400, CFG, 0);
    assert_int_equal(rd_at(&f, 1401, COUNT), 5100);
    assert_int_equal(rd_at(&f, 9999, COUNT), 5100);
    devfix_teardown(&f);
}

static void test_counter_wraps_when_pwms_wraps(void **state)
{
    Fixture f = {0};
    setup_with(&f, "cmp-width", "8");
    /* scale 1: the low 9 bits count 0..511, then the counter resets */
    wr_at(&f, 100, CFG, ENALWAYS | SCALE(1));
    assert_int_equal(rd_at(&f, 101 + 511, COUNT), 511);
    assert_int_equal(rd(&f, S), 0xff);
    assert_int_equal(rd_at(&f, 101 + 512, COUNT), 0);
    /* bits above the field go with the first wrap */
    wr_at(&f, 1000, COUNT, 0x10000 | 0x1fe);
    assert_int_equal(rd_at(&f, 1001, COUNT), 0x101fe);
    assert_int_equal(rd_at(&f, 1002, COUNT), 0x101ff);
    assert_int_equal(rd_at(&f, 1003, COUNT), 0);
    devfix_teardown(&f);
}

static void test_ip_sets_one_tick_after_pwms_reaches_the_compare(void **state)
{
    Fixture f = {0};
    setup(&f);
    wr_at(&f, 100, CMP(1), 50);
    wr_at(&f, 200, CFG, ENALWAYS); /* count(t) = t - 201 */
    assert_int_equal(rd_at(&f, 251, S), 50);
    assert_int_equal(rd(&f, CFG) & IP(1), 0);
    assert_false(f.irq[OUT_CMP0 + 1].level);
    assert_int_equal(rd_at(&f, 252, CFG), ENALWAYS | IP(1));
    assert_true(f.irq[OUT_CMP0 + 1].level);
    assert_int_equal(f.irq[OUT_CMP0 + 1].rose_at, 252);
    assert_int_equal(f.irq[OUT_PIN0 + 1].rose_at, 252);
    assert_int_equal(devfix_irq_mask(&f), 1u << 1 | 1u << 5);
    devfix_teardown(&f);
}

static void test_zerocmp_makes_a_period_of_cmp0_plus_one(void **state)
{
    Fixture f = {0};
    setup(&f);
    wr_at(&f, 100, CMP(0), 9);
    wr_at(&f, 200, CFG, ZEROCMP | ENALWAYS);
    /* count 9 at 210, 0 at 211: ip0 is a one-tick pulse each period */
    devfix_run_until(&f, 301);
    assert_int_equal(f.irq[OUT_CMP0].rises, 10);
    assert_int_equal(f.irq[OUT_CMP0].rose_at, 301);
    assert_true(f.irq[OUT_CMP0].level);
    assert_true(f.irq[OUT_PIN0].level);
    devfix_run_until(&f, 302);
    assert_false(f.irq[OUT_CMP0].level);
    assert_int_equal(f.irq[OUT_CMP0].fell_at, 302);
    assert_int_equal(rd_at(&f, 305, COUNT), 4);
    assert_int_equal(rd(&f, CFG) & IP(0), 0);
    devfix_teardown(&f);
}

static void test_zerocmp_period_with_scale_is_cmp0_shifted_plus_one(void **state)
{
    Fixture f = {0};
    setup(&f);
    wr_at(&f, 100, CMP(0), 4);
    wr_at(&f, 200, CFG, ZEROCMP | ENALWAYS | SCALE(2));
    /* pwms reaches 4 at count 16 (t = 217): the counter is 0 at 218 */
    assert_int_equal(rd_at(&f, 217, COUNT), 16);
    assert_int_equal(rd(&f, S), 4);
    assert_int_equal(rd_at(&f, 218, COUNT), 0);
    devfix_run_until(&f, 218 + 17 * 5);
    assert_int_equal(f.irq[OUT_CMP0].rises, 6);
    assert_int_equal(f.irq[OUT_CMP0].rose_at, 218 + 17 * 5);
    devfix_teardown(&f);
}

static void test_sticky_keeps_ip_until_software_clears_it(void **state)
{
    Fixture f = {0};
    setup(&f);
    wr_at(&f, 100, CMP(0), 9);
    wr_at(&f, 200, CFG, STICKY | ZEROCMP | ENALWAYS);
    devfix_run_until(&f, 250);
    assert_int_equal(f.irq[OUT_CMP0].rises, 1);
    assert_int_equal(f.irq[OUT_CMP0].rose_at, 211);
    assert_true(f.irq[OUT_CMP0].level);
    assert_int_equal(rd(&f, CFG), STICKY | ZEROCMP | ENALWAYS | IP(0));
    /* cleared by a pwmcfg write; set again at the next match (260) */
    wr_at(&f, 250, CFG, STICKY | ZEROCMP | ENALWAYS);
    assert_int_equal(rd_at(&f, 251, CFG) & IP(0), 0);
    assert_int_equal(f.irq[OUT_CMP0].fell_at, 251);
    assert_int_equal(rd_at(&f, 260, CFG) & IP(0), 0);
    assert_int_equal(rd_at(&f, 261, CFG) & IP(0), IP(0));
    assert_int_equal(f.irq[OUT_CMP0].rose_at, 261);
    /* software may set an ip bit too */
    wr_at(&f, 270, CFG, STICKY | ZEROCMP | ENALWAYS | IP(0) | IP(3));
    assert_int_equal(rd_at(&f, 271, CFG) >> 28, 0x9);
    assert_true(f.irq[OUT_CMP0 + 3].level);
    devfix_teardown(&f);
}

static void test_oneshot_runs_one_cycle_then_clears_itself(void **state)
{
    Fixture f = {0};
    setup(&f);
    wr_at(&f, 100, CMP(0), 9);
    wr_at(&f, 200, CFG, ENONESHOT | ZEROCMP);
    assert_int_equal(rd_at(&f, 201, CFG), ENONESHOT | ZEROCMP);
    assert_int_equal(rd_at(&f, 210, COUNT), 9);
    assert_int_equal(rd_at(&f, 211, COUNT), 0);
    assert_int_equal(rd(&f, CFG), ZEROCMP | IP(0));
    assert_int_equal(rd_at(&f, 300, COUNT), 0);
    assert_int_equal(rd(&f, CFG), ZEROCMP);
    assert_int_equal(f.irq[OUT_CMP0].rises, 1);
    /* set again: the waveform replays */
    wr_at(&f, 300, CFG, ENONESHOT | ZEROCMP);
    devfix_run_until(&f, 400);
    assert_int_equal(f.irq[OUT_CMP0].rises, 2);
    assert_int_equal(f.irq[OUT_CMP0].rose_at, 311);
    assert_int_equal(rd(&f, COUNT), 0);
    devfix_teardown(&f);
}

static void test_deglitch_holds_ip_to_the_end_of_the_cycle(void **state)
{
    for (int deglitch = 0; deglitch < 2; deglitch++) {
        Fixture f = {0};
        setup(&f);
        wr_at(&f, 100, CMP(0), 99);
        wr_at(&f, 110, CMP(1), 20);
        wr_at(&f, 200, CFG, ZEROCMP | ENALWAYS | (deglitch ? DEGLITCH : 0));
        devfix_run_until(&f, 251);
        assert_int_equal(f.irq[OUT_CMP0 + 1].rose_at, 222);
        /* raising the compare above pwms mid-cycle */
        wr_at(&f, 251, CMP(1), 80);
        devfix_run_until(&f, 300);
        if (deglitch) { /* held: no fall before pwms passes 80 again */
            assert_true(f.irq[OUT_CMP0 + 1].level);
            assert_int_equal(f.irq[OUT_CMP0 + 1].changes, 1);
            devfix_run_until(&f, 400);
            assert_int_equal(f.irq[OUT_CMP0 + 1].fell_at, 302);
            assert_int_equal(f.irq[OUT_CMP0 + 1].rose_at, 382);
        } else {
            assert_int_equal(f.irq[OUT_CMP0 + 1].fell_at, 253);
            assert_int_equal(f.irq[OUT_CMP0 + 1].changes, 3);
            assert_int_equal(f.irq[OUT_CMP0 + 1].rose_at, 282);
        }
        devfix_teardown(&f);
    }
}

static void test_gang_draws_a_pulse_between_two_compares(void **state)
{
    Fixture f = {0};
    setup(&f);
    wr_at(&f, 100, CMP(0), 99);
    wr_at(&f, 110, CMP(1), 20);
    wr_at(&f, 120, CMP(2), 40);
    wr_at(&f, 200, CFG, ZEROCMP | ENALWAYS | GANG(1)); /* count = t - 201 */
    devfix_run_until(&f, 260);
    DevIrqProbe *pin1 = &f.irq[OUT_PIN0 + 1], *pin2 = &f.irq[OUT_PIN0 + 2];
    assert_int_equal(pin1->rose_at, 222);
    assert_int_equal(pin1->fell_at, 242); /* when cmp2ip rises */
    assert_false(pin1->level);
    assert_true(f.irq[OUT_CMP0 + 1].level); /* ip1 itself stays */
    assert_int_equal(pin2->rose_at, 242);
    devfix_run_until(&f, 330);
    assert_int_equal(f.irq[OUT_CMP0 + 1].fell_at, 302);
    assert_int_equal(pin2->fell_at, 302);
    assert_int_equal(f.irq[OUT_PIN0].rose_at, 301); /* ip0's pulse */
    assert_int_equal(pin1->rose_at, 322);
    assert_int_equal(pin1->rises, 2);
    devfix_teardown(&f);
}

static void test_center_compares_inverted_pwms_in_the_upper_half(void **state)
{
    Fixture f = {0};
    setup_with(&f, "cmp-width", "8");
    wr_at(&f, 100, CMP(1), 0x40);
    wr_at(&f, 200, CFG, ENALWAYS | CENTER(1)); /* count = t - 201, period 256 */
    devfix_run_until(&f, 201 + 256 + 10);
    DevIrqProbe *ip1 = &f.irq[OUT_CMP0 + 1];
    assert_int_equal(ip1->rises, 1);
    assert_int_equal(ip1->rose_at, 201 + 0x40 + 1);
    assert_int_equal(ip1->fell_at, 201 + 0xc0 + 1); /* ~0xc0 = 0x3f < 0x40 */
    devfix_run_until(&f, 201 + 2 * 256);
    assert_int_equal(ip1->rises, 2);
    assert_int_equal(ip1->rose_at, 201 + 256 + 0x41);
    devfix_teardown(&f);
}

/* ---- outputs and time ---- */

static void test_changes_found_in_the_past_are_driven_in_order(void **state)
{
    Fixture f = {0};
    setup(&f);
    wr_at(&f, 100, CMP(0), 9);
    wr_at(&f, 200, CFG, ZEROCMP | ENALWAYS); /* pulses at 211, 221, ... */
    /* the CPU reaches cycle 1000 without running the events (a long
     * block), then reads: every pulse before it still reaches the probe */
    clock_set_now(f.clock, 1000);
    rd(&f, S);
    assert_int_equal(f.irq[OUT_CMP0].rises, 79); /* 211 .. 991 */
    assert_false(f.irq[OUT_CMP0].level);
    devfix_run_until(&f, 1002);
    assert_int_equal(f.irq[OUT_CMP0].rises, 80);
    assert_int_equal(f.irq[OUT_CMP0].rose_at, 1001);
    devfix_teardown(&f);
}

static void test_far_ticks_are_computed_without_stepping(void **state)
{
    Fixture f = {0};
    setup(&f);
    wr_at(&f, 100, CMP(0), 9);
    wr_at(&f, 110, CMP(1), 4);
    /* sticky: the outputs settle, no event stays pending */
    wr_at(&f, 200, CFG, STICKY | ZEROCMP | ENALWAYS);
    devfix_run_until(&f, 300);
    assert_int_equal(devfix_irq_mask(&f), 0x33);
    assert_int_equal(clock_next_deadline(f.clock), CLOCK_NEVER);
    /* 10^11 PWM cycles later */
    clock_set_now(f.clock, UINT64_C(1000000000000));
    assert_int_equal(rd(&f, COUNT), (UINT64_C(1000000000000) - 211) % 10);
    assert_int_equal(rd(&f, CFG), STICKY | ZEROCMP | ENALWAYS | IP(0) | IP(1));
    devfix_teardown(&f);
}

static void test_unwired_outputs_schedule_nothing(void **state)
{
    Fixture f = {0};
    setup(&f);
    f.cls->connect_irqs(f.dev.state, NULL, 0);
    wr_at(&f, 100, CMP(0), 1);
    wr_at(&f, 200, CFG, ZEROCMP | ENALWAYS); /* a change every tick */
    assert_int_equal(clock_next_deadline(f.clock), CLOCK_NEVER);
    /* connecting drives the levels of now and schedules the next change */
    devfix_run_until(&f, 203);
    devfix_connect_irqs(&f);
    assert_true(f.irq[OUT_CMP0].level); /* count 1 at 202: ip0 at 203 */
    assert_int_equal(clock_next_deadline(f.clock), 204);
    devfix_teardown(&f);
}

static void test_peek_changes_nothing(void **state)
{
    Fixture f = {0};
    setup(&f);
    wr_at(&f, 100, CMP(0), 9);
    wr_at(&f, 200, CFG, ZEROCMP | ENALWAYS);
    clock_set_now(f.clock, 500);
    assert_int_equal(devfix_peek(&f, COUNT, 4), (500 - 211) % 10);
    assert_int_equal(f.irq[OUT_CMP0].rises, 0); /* nothing driven by a peek */
    devfix_run_until(&f, 600);
    assert_int_equal(f.irq[OUT_CMP0].rises, 39);
    devfix_teardown(&f);
}

static void test_machine_reset_stops_and_clears_everything(void **state)
{
    Fixture f = {0};
    setup(&f);
    wr_at(&f, 100, CMP(0), 9);
    wr_at(&f, 200, CFG, STICKY | ZEROCMP | ENALWAYS);
    devfix_run_until(&f, 300);
    assert_true(f.irq[OUT_CMP0].level);
    f.host.request_reset(f.host.opaque);
    assert_int_equal(devfix_irq_mask(&f), 0);
    assert_int_equal(rd(&f, CFG), 0);
    assert_int_equal(rd(&f, CMP(0)), 0xffff);
    assert_int_equal(rd_at(&f, 1000, COUNT), 0);
    assert_int_equal(clock_next_deadline(f.clock), CLOCK_NEVER);
    devfix_teardown(&f);
}

static void test_a_slower_bus_clock_counts_its_own_ticks(void **state)
{
    Fixture f = {0};
    setup_with(&f, "clock-frequency", "5000000"); /* half the CPU's */
    wr_at(&f, 100, CMP(0), 9);
    wr_at(&f, 200, CFG, ZEROCMP | ENALWAYS); /* tick 100 */
    /* count 0 at tick 101, 9 at 110, 0 at 111: ip0 pulses at ticks 111,
     * 121...: cycles 222, 242... */
    devfix_run_until(&f, 260);
    assert_int_equal(f.irq[OUT_CMP0].rises, 2);
    assert_int_equal(f.irq[OUT_CMP0].rose_at, 242);
    assert_int_equal(f.irq[OUT_CMP0].fell_at, 244);
    assert_int_equal(rd_at(&f, 302, COUNT), 0); /* tick 151: 40 % 10 */
    assert_int_equal(rd_at(&f, 310, COUNT), 4); /* tick 155 */
    assert_int_equal(rd_at(&f, 311, COUNT), 4); /* still tick 155 */
    devfix_teardown(&f);
}

static void test_property_errors(void **state)
{
    const char *bad[][2] = {{"cmp-width", "0"}, {"cmp-width", "17"},
                            {"clock-frequency", "0"}, {"speed", "1"}};
    const char *want[] = {"dev.yaml:4:9: 'cmp-width' must be 1 to 16",
                          "dev.yaml:4:9: 'cmp-width' must be 1 to 16",
                          "'clock-frequency' must be 1 to",
                          "speed"};
    for (unsigned i = 0; i < 4; i++) {
        Fixture f = {0};
        devfix_setup(&f, 0);
        Error *err = NULL;
        assert_false(devfix_try_create(&f, "sifive,pwm0", "pwm1", BASE, 0,
                                       DEVFIX_KV(bad[i][0], bad[i][1]), &err));
        if (!strstr(error_message(err), want[i]))
            fail_msg("%s: got '%s'", bad[i][0], error_message(err));
        error_free(err);
        devfix_teardown(&f);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_class_has_eight_outputs_and_a_valid_table),
        cmocka_unit_test(test_reset_values),
        cmocka_unit_test(test_eight_bit_comparators_mask_cmp_count_and_pwms),
        cmocka_unit_test(test_masks_and_access_kinds),
        cmocka_unit_test(test_accesses_must_be_32_bit),
        cmocka_unit_test(test_offsets_outside_the_map_read_zero_and_are_reported),
        cmocka_unit_test(test_counter_counts_from_the_edge_after_the_write),
        cmocka_unit_test(test_counter_wraps_when_pwms_wraps),
        cmocka_unit_test(test_ip_sets_one_tick_after_pwms_reaches_the_compare),
        cmocka_unit_test(test_zerocmp_makes_a_period_of_cmp0_plus_one),
        cmocka_unit_test(test_zerocmp_period_with_scale_is_cmp0_shifted_plus_one),
        cmocka_unit_test(test_sticky_keeps_ip_until_software_clears_it),
        cmocka_unit_test(test_oneshot_runs_one_cycle_then_clears_itself),
        cmocka_unit_test(test_deglitch_holds_ip_to_the_end_of_the_cycle),
        cmocka_unit_test(test_gang_draws_a_pulse_between_two_compares),
        cmocka_unit_test(test_center_compares_inverted_pwms_in_the_upper_half),
        cmocka_unit_test(test_changes_found_in_the_past_are_driven_in_order),
        cmocka_unit_test(test_far_ticks_are_computed_without_stepping),
        cmocka_unit_test(test_unwired_outputs_schedule_nothing),
        cmocka_unit_test(test_peek_changes_nothing),
        cmocka_unit_test(test_machine_reset_stops_and_clears_everything),
        cmocka_unit_test(test_a_slower_bus_clock_counts_its_own_ticks),
        cmocka_unit_test(test_property_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
