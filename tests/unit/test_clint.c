/* The SiFive CLINT model (peripherals/sifive_clint.c), built through its
 * registry class on tests/unit/device_fixture.h: the register map at
 * reset, msip -> MSI, mtime derived from virtual time at the timebase,
 * MTI rising exactly at the due cycle through a clock event and falling
 * on writes, 32-bit accesses only, side-effect-free peeks; and the
 * register table: reset values, reads that drive nothing, `bad-access:
 * ignore`, offsets without a register reported once, trace names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/device_fixture.h"

#define BASE 0x2000000u
#define MSIP 0x0
#define MTIMECMP 0x4000
#define MTIMECMPH 0x4004
#define MTIME 0xbff8
#define MTIMEH 0xbffc

enum { MSI, MTI };

typedef DevFixture Fixture;

static bool refuse_time_source(void *opaque, DeviceTimeFn read_time,
                               void *dev, Error **errp)
{
    error_setf(errp, "time source taken");
    return false;
}

/* A CLINT with at most one property on a clock of `cpu_hz`, offered to
 * the device only when `with_clock`. Returns create's result. */
static bool try_create(Fixture *f, uint64_t cpu_hz, const char *key,
                       const char *value, bool with_clock, Error **errp)
{
    devfix_setup(f, cpu_hz);
    if (!with_clock)
        f->host.clock = NULL;
    return devfix_try_create(f, "sifive,clint0", "clint", BASE, 0,
                             DEVFIX_KV(key, value), errp);
}

static void setup(Fixture *f, uint64_t cpu_hz, const char *timebase)
{
    Error *err = NULL;
    if (!try_create(f, cpu_hz, timebase ? "timebase-frequency" : NULL,
                    timebase, true, &err))
        fail_msg("create: %s", error_message(err));
}

static void teardown(Fixture *f)
{
    devfix_teardown(f); /* aborts if the CLINT's event survived */
}

static uint32_t rd(Fixture *f, uint32_t off) { return devfix_read(f, off, 4); }
static void wr(Fixture *f, uint32_t off, uint32_t v) { devfix_write(f, off, 4, v); }

static uint64_t mtime(Fixture *f)
{
    return (uint64_t)rd(f, MTIMEH) << 32 | rd(f, MTIME);
}

static void set_mtimecmp(Fixture *f, uint64_t v)
{
    wr(f, MTIMECMPH, (uint32_t)(v >> 32));
    wr(f, MTIMECMP, (uint32_t)v);
}

/* ---- tests ---- */

static void test_class_declares_outputs_msi_then_mti(void **state)
{
    const PeripheralClass *cls = registry_find("sifive,clint0");
    assert_non_null(cls);
    assert_int_equal(cls->irq_outputs, 2);
    assert_string_equal(cls->irq_output_names[0], "msi");
    assert_string_equal(cls->irq_output_names[1], "mti");
    assert_non_null(cls->connect_irqs);
    assert_null(cls->irq_input);
    assert_int_equal(cls->default_size, 0x10000);
    assert_true(cls->min_size >= 0xc000);
}

static void test_registers_at_reset(void **state)
{
    Fixture f = {0};
    setup(&f, 10000000, NULL);
    assert_int_equal(rd(&f, MSIP), 0);
    assert_int_equal(rd(&f, MTIMECMP), 0xffffffff); /* quiet until set */
    assert_int_equal(rd(&f, MTIMECMPH), 0xffffffff);
    assert_int_equal(rd(&f, MTIME), 0);
    assert_int_equal(rd(&f, MTIMEH), 0);
    static const uint32_t undefined[] = {0x4, 0x3ffc, 0x4008, 0xbff4, 0xc000,
                                         0xfffc};
    for (size_t i = 0; i < sizeof undefined / sizeof undefined[0]; i++) {
        wr(&f, undefined[i], 0xffffffff); /* ignored */
        assert_int_equal(rd(&f, undefined[i]), 0);
    }
    /* connecting drove the reset levels: both low */
    assert_int_equal(f.irq[MSI].sets, 1);
    assert_int_equal(f.irq[MTI].sets, 1);
    assert_false(f.irq[MSI].level);
    assert_false(f.irq[MTI].level);
    assert_int_equal(clock_next_deadline(f.clock), CLOCK_NEVER);
    /* it registered itself as the time source, reading mtime */
    assert_int_equal(f.time_sources, 1);
    assert_ptr_equal(f.time_dev, f.dev.state);
    assert_int_equal(f.read_time(f.time_dev), 0);
    teardown(&f);
}

static void test_msip_bit0_drives_msi(void **state)
{
    Fixture f = {0};
    setup(&f, 10000000, NULL);
    wr(&f, MSIP, 0xffffffff);
    assert_int_equal(rd(&f, MSIP), 1); /* bits 31:1 are hardwired to 0 */
    assert_true(f.irq[MSI].level);
    assert_false(f.irq[MTI].level);
    wr(&f, MSIP, 0xfffffffe);
    assert_int_equal(rd(&f, MSIP), 0);
    assert_false(f.irq[MSI].level);
    assert_int_equal(f.irq[MSI].changes, 2);
    assert_int_equal(f.irq[MTI].changes, 0);
    teardown(&f);
}

static void test_mtime_follows_virtual_time_at_the_cpu_rate(void **state)
{
    Fixture f = {0};
    setup(&f, 10000000, NULL); /* default timebase: 10 MHz, the CPU's */
    clock_advance(f.clock, 12345);
    assert_int_equal(mtime(&f), 12345);
    clock_set_now(f.clock, UINT64_C(0x100000005));
    assert_int_equal(rd(&f, MTIME), 5);
    assert_int_equal(rd(&f, MTIMEH), 1);
    assert_int_equal(f.read_time(f.time_dev), UINT64_C(0x100000005));
    teardown(&f);
}

static void test_mtime_follows_virtual_time_at_the_timebase_ratio(void **state)
{
    Fixture f = {0};
    setup(&f, 10000000, "32768"); /* hifive1: a 32768 Hz rtcclk */
    clock_advance(f.clock, 305);
    assert_int_equal(mtime(&f), 0);
    clock_advance(f.clock, 306);
    assert_int_equal(mtime(&f), 1);
    clock_advance(f.clock, 10000000); /* one second */
    assert_int_equal(mtime(&f), 32768);
    assert_int_equal(f.read_time(f.time_dev), 32768);
    teardown(&f);
}

static void test_mtimecmp_raises_mti_at_the_exact_cycle(void **state)
{
    Fixture f = {0};
    setup(&f, 10000000, "32768");
    set_mtimecmp(&f, 10);
    assert_false(f.irq[MTI].level);
    /* 10 ticks = 3051.76 cycles: due at the first cycle past it */
    assert_int_equal(clock_next_deadline(f.clock), 3052);
    clock_advance(f.clock, 3051);
    assert_false(f.irq[MTI].level);
    assert_int_equal(mtime(&f), 9);
    clock_advance(f.clock, 3052);
    assert_true(f.irq[MTI].level);
    assert_int_equal(f.irq[MTI].changed_at, 3052);
    assert_int_equal(mtime(&f), 10);
    assert_int_equal(clock_next_deadline(f.clock), CLOCK_NEVER);

    /* a compare in the future lowers MTI on the write and re-arms */
    set_mtimecmp(&f, 20);
    assert_false(f.irq[MTI].level);
    assert_int_equal(clock_next_deadline(f.clock), 6104); /* 6103.52 */
    clock_advance(f.clock, 6104);
    assert_true(f.irq[MTI].level);
    assert_int_equal(f.irq[MTI].changed_at, 6104);

    /* a compare in the past raises it at once, nothing scheduled */
    set_mtimecmp(&f, 30);
    assert_false(f.irq[MTI].level);
    set_mtimecmp(&f, 5);
    assert_true(f.irq[MTI].level);
    assert_int_equal(clock_next_deadline(f.clock), CLOCK_NEVER);
    assert_int_equal(f.irq[MSI].changes, 0);
    teardown(&f);
}

static void test_mtimecmp_beyond_64_bits_of_cycles_never_fires(void **state)
{
    Fixture f = {0};
    setup(&f, 10000000, "32768");
    set_mtimecmp(&f, UINT64_MAX - 1); /* far beyond 2^64 cycles */
    assert_false(f.irq[MTI].level);
    assert_int_equal(clock_next_deadline(f.clock), CLOCK_NEVER);
    /* mtime set behind virtual time: the due tick count itself would pass
     * 2^64 and must not wrap into an early deadline */
    clock_advance(f.clock, 1000000);
    wr(&f, MTIMEH, 0);
    wr(&f, MTIME, 0);
    set_mtimecmp(&f, UINT64_MAX);
    assert_false(f.irq[MTI].level);
    assert_int_equal(clock_next_deadline(f.clock), CLOCK_NEVER);
    teardown(&f);
}

static void test_writing_mtime_moves_the_compare(void **state)
{
    Fixture f = {0};
    setup(&f, 1000, "1000");
    set_mtimecmp(&f, 100);
    assert_int_equal(clock_next_deadline(f.clock), 100);
    wr(&f, MTIME, 50); /* at cycle 0: 50 ticks ahead of virtual time */
    assert_int_equal(mtime(&f), 50);
    assert_int_equal(clock_next_deadline(f.clock), 50);
    clock_advance(f.clock, 10);
    assert_int_equal(mtime(&f), 60);
    clock_advance(f.clock, 49);
    assert_false(f.irq[MTI].level);
    clock_advance(f.clock, 50);
    assert_true(f.irq[MTI].level);
    assert_int_equal(f.irq[MTI].changed_at, 50);

    wr(&f, MTIME, 0); /* back in time: MTI falls, due 100 cycles later */
    assert_false(f.irq[MTI].level);
    assert_int_equal(mtime(&f), 0);
    assert_int_equal(clock_next_deadline(f.clock), 150);
    wr(&f, MTIME, 100); /* onto the compare: MTI at once */
    assert_true(f.irq[MTI].level);
    assert_int_equal(clock_next_deadline(f.clock), CLOCK_NEVER);
    assert_int_equal(f.read_time(f.time_dev), 100);
    teardown(&f);
}

static void test_64_bit_registers_are_two_halves(void **state)
{
    Fixture f = {0};
    setup(&f, 1000, "1000");
    wr(&f, MTIMECMP, 0x89abcdef);
    assert_int_equal(rd(&f, MTIMECMP), 0x89abcdef);
    assert_int_equal(rd(&f, MTIMECMPH), 0xffffffff); /* untouched */
    wr(&f, MTIMECMPH, 0x01234567);
    assert_int_equal(rd(&f, MTIMECMP), 0x89abcdef);
    assert_int_equal(rd(&f, MTIMECMPH), 0x01234567);

    clock_advance(f.clock, 7);
    wr(&f, MTIMEH, 2); /* the low half keeps counting from where it was */
    assert_int_equal(rd(&f, MTIME), 7);
    assert_int_equal(rd(&f, MTIMEH), 2);
    wr(&f, MTIME, 0xfffffffe);
    clock_advance(f.clock, 10); /* carries into the high half */
    assert_int_equal(rd(&f, MTIME), 1);
    assert_int_equal(rd(&f, MTIMEH), 3);
    assert_int_equal(f.read_time(f.time_dev), UINT64_C(0x300000001));
    teardown(&f);
}

static void test_only_aligned_32_bit_accesses(void **state)
{
    Fixture f = {0};
    setup(&f, 1000, NULL);
    uint32_t v;
    assert_int_equal(devfix_try_read(&f, MSIP, 1, &v), MEM_BUS_ERROR);
    assert_int_equal(devfix_try_read(&f, MSIP, 2, &v), MEM_BUS_ERROR);
    assert_int_equal(devfix_try_read(&f, MTIME + 2, 4, &v), MEM_BUS_ERROR);
    assert_int_equal(devfix_try_write(&f, MSIP, 1, 1), MEM_BUS_ERROR);
    assert_int_equal(devfix_try_write(&f, MSIP, 2, 1), MEM_BUS_ERROR);
    assert_int_equal(devfix_try_write(&f, MTIMECMP + 1, 4, 0), MEM_BUS_ERROR);
    assert_int_equal(rd(&f, MSIP), 0);
    assert_int_equal(rd(&f, MTIMECMP), 0xffffffff);
    assert_false(f.irq[MSI].level);
    teardown(&f);
}

static void test_peek_reads_without_side_effects(void **state)
{
    Fixture f = {0};
    setup(&f, 1000, "1000");
    wr(&f, MSIP, 1);
    set_mtimecmp(&f, UINT64_C(0x0000000500000100));
    clock_advance(f.clock, 42);
    unsigned sets_msi = f.irq[MSI].sets, sets_mti = f.irq[MTI].sets;
    uint64_t deadline = clock_next_deadline(f.clock);

    uint8_t buf[8];
    Error *err = NULL;
    assert_true(memory_debug_read(f.ms, BASE + MSIP, buf, 4, &err));
    assert_int_equal(buf[0], 1);
    assert_true(memory_debug_read(f.ms, BASE + MTIMECMP, buf, 8, &err));
    assert_memory_equal(buf, "\x00\x01\x00\x00\x05\x00\x00\x00", 8);
    assert_true(memory_debug_read(f.ms, BASE + MTIME, buf, 8, &err));
    assert_memory_equal(buf, "\x2a\x00\x00\x00\x00\x00\x00\x00", 8);
    assert_true(memory_debug_read(f.ms, BASE + MTIME + 1, buf, 1, &err)); /* a byte */
    assert_int_equal(buf[0], 0);

    assert_int_equal(f.irq[MSI].sets, sets_msi);
    assert_int_equal(f.irq[MTI].sets, sets_mti);
    assert_int_equal(clock_next_deadline(f.clock), deadline);
    assert_int_equal(mtime(&f), 42);
    assert_int_equal(rd(&f, MSIP), 1);
    teardown(&f);
}

static void test_connect_drives_levels_and_disconnect_drives_nothing(void **state)
{
    Fixture f = {0};
    setup(&f, 1000, "1000");
    f.cls->connect_irqs(f.dev.state, NULL, 0);
    unsigned sets = f.irq[MSI].sets + f.irq[MTI].sets;
    wr(&f, MSIP, 1);
    set_mtimecmp(&f, 0);
    assert_int_equal(f.irq[MSI].sets + f.irq[MTI].sets, sets);
    devfix_connect_irqs(&f); /* the current levels arrive on connection */
    assert_true(f.irq[MSI].level);
    assert_true(f.irq[MTI].level);
    teardown(&f);
}

/* The fixture checks that the failed create left no owner or region. */
static void expect_create_error(uint64_t cpu_hz, const char *key,
                                const char *value, bool with_clock,
                                bool refuse, const char *message)
{
    Fixture f = {0};
    Error *err = NULL;
    devfix_setup(&f, cpu_hz);
    if (!with_clock)
        f.host.clock = NULL;
    if (refuse)
        f.host.set_time_source = refuse_time_source;
    assert_false(devfix_try_create(&f, "sifive,clint0", "clint", BASE, 0,
                                   DEVFIX_KV(key, value), &err));
    assert_non_null(err);
    devfix_expect_error(err, message);
    devfix_teardown(&f); /* aborts if an event was left behind */
}

static void test_bad_configuration_is_refused_leaving_nothing(void **state)
{
    expect_create_error(1000, "timebase-frequency", "0", true, false,
                        "dev.yaml:4:9: 'timebase-frequency' must be greater "
                        "than 0");
    expect_create_error(1000, "timebase-frequency", "fast", true, false,
                        "dev.yaml:4:9: timebase-frequency: 'fast' is not a "
                        "number");
    expect_create_error(1000, "harts", "2", true, false,
                        "dev.yaml:4:9: unknown property 'harts' for "
                        "sifive,clint0 'clint'");
    expect_create_error(1000, NULL, NULL, false, false,
                        "dev.yaml:2:7: 'clint' (sifive,clint0) needs virtual "
                        "time and the machine has no clock");
    expect_create_error(1000, NULL, NULL, true, true, "time source taken");
}

/* ---- the register table (peripherals/regs.h) ---- */

static uint32_t pk(Fixture *f, uint32_t off) { return devfix_peek(f, off, 4); }

/* Every register at reset through the debugger's peek, after the device
 * is made and after everything was written and the machine reset. */
static void test_every_register_resets(void **state)
{
    Fixture f = {0};
    setup(&f, 1000, "1000");
    for (int round = 0; round < 2; round++) {
        assert_int_equal(pk(&f, MSIP), 0);
        assert_int_equal(pk(&f, MTIMECMP), 0xffffffff);
        assert_int_equal(pk(&f, MTIMECMPH), 0xffffffff);
        assert_int_equal(pk(&f, MTIME), 0);
        assert_int_equal(pk(&f, MTIMEH), 0);
        assert_false(f.irq[MSI].level);
        assert_false(f.irq[MTI].level);
        assert_int_equal(clock_next_deadline(f.clock), CLOCK_NEVER);
        devfix_advance(&f, 10);
        wr(&f, MSIP, 1);
        wr(&f, MTIMEH, 7);
        set_mtimecmp(&f, UINT64_C(0x700000100));
        assert_true(f.irq[MSI].level);
        assert_int_equal(rd(&f, MTIMEH), 7);
        assert_int_equal(rd(&f, MTIME), 10); /* 10 ticks since the reset */
        assert_int_equal(clock_next_deadline(f.clock),
                         clock_now(f.clock) + 0x100 - 10);
        f.cls->reset(f.dev.state);
    }
    teardown(&f);
}

/* Reads change nothing, so they drive no output and move no event; every
 * register write drives both outputs again (as before the table). */
static void test_reads_drive_nothing_writes_drive_both(void **state)
{
    Fixture f = {0};
    setup(&f, 1000, "1000");
    set_mtimecmp(&f, 500);
    unsigned sets = f.irq[MSI].sets + f.irq[MTI].sets;
    for (int i = 0; i < 3; i++) {
        rd(&f, MSIP);
        rd(&f, MTIMECMP);
        rd(&f, MTIMECMPH);
        mtime(&f);
    }
    assert_int_equal(f.irq[MSI].sets + f.irq[MTI].sets, sets);
    assert_int_equal(clock_next_deadline(f.clock), 500);
    wr(&f, MSIP, 0);
    wr(&f, MTIMECMPH, 0);
    wr(&f, MTIME, 0);
    assert_int_equal(f.irq[MSI].sets + f.irq[MTI].sets, sets + 6);
    teardown(&f);
}

/* With `bad-access: ignore` a wrongly sized or misaligned access reads 0
 * and writes nothing, reported once per offset and direction. */
static void test_bad_access_ignore_reads_0_and_reports_once(void **state)
{
    Fixture f = {0};
    Error *err = NULL;
    if (!try_create(&f, 1000, "bad-access", "ignore", true, &err))
        fail_msg("create: %s", error_message(err));
    clock_advance(f.clock, 0x1234);
    wr(&f, MSIP, 1);
    assert_int_equal(devfix_read(&f, MSIP, 1), 0);
    assert_int_equal(devfix_read(&f, MSIP, 1), 0);
    devfix_write(&f, MSIP, 2, 0);
    devfix_write(&f, MTIMECMP + 2, 2, 0);
    assert_int_equal(devfix_read(&f, MTIME + 2, 2), 0);
    assert_int_equal(rd(&f, MSIP), 1);
    assert_true(f.irq[MSI].level);
    assert_int_equal(rd(&f, MTIMECMP), 0xffffffff);
    assert_int_equal(devfix_log_count(&f, "clint: 1-byte read at +0x0 ignored: "
                                      "msip is a 4-byte register"), 1);
    assert_int_equal(devfix_log_count(&f, "2-byte write at +0x0 ignored"), 1);
    assert_int_equal(devfix_log_count(&f, "2-byte write at +0x4002 ignored: "
                                      "mtimecmp is a 4-byte register"), 1);
    assert_int_equal(devfix_log_count(&f, "2-byte read at +0xbffa ignored: "
                                      "mtime is a 4-byte register"), 1);
    assert_int_equal(devfix_log_count(&f, "clint: "), 4);
    teardown(&f);
}

/* Offsets where no register is read 0, ignore writes and are reported
 * once each. */
static void test_offsets_without_a_register_are_reported_once(void **state)
{
    Fixture f = {0};
    setup(&f, 1000, NULL);
    assert_int_equal(rd(&f, 0x4), 0);
    assert_int_equal(rd(&f, 0x4), 0);
    wr(&f, 0xc000, 0xffffffff);
    wr(&f, 0xc000, 0xffffffff);
    assert_int_equal(devfix_log_count(&f, "clint: read at +0x4: no register there"), 1);
    assert_int_equal(devfix_log_count(&f, "clint: write of 0xffffffff at +0xc000 "
                                      "ignored: no register there"), 1);
    assert_int_equal(devfix_log_count(&f, "clint: "), 2);
    teardown(&f);
}

/* --trace mmio names the register and shows msip's field. */
static void test_trace_names_registers_and_fields(void **state)
{
    Fixture f = {0};
    setup(&f, 1000, NULL);
    char name[64], fields[64];
    memory_region_describe_access(f.dev.region, MSIP, 0xffffffff, true, name,
                                  sizeof name, fields, sizeof fields);
    assert_string_equal(name, "msip");
    assert_string_equal(fields, "msip=1");
    memory_region_describe_access(f.dev.region, MSIP, 0, false, name,
                                  sizeof name, fields, sizeof fields);
    assert_string_equal(fields, "msip=0");
    static const struct {
        uint32_t offset;
        const char *name;
    } want[] = {
        {MTIMECMP, "mtimecmp"}, {MTIMECMPH, "mtimecmph"}, {MTIME, "mtime"},
        {MTIMEH, "mtimeh"}, {0x4008, ""},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        memory_region_describe_access(f.dev.region, want[i].offset, 5, true,
                                      name, sizeof name, fields, sizeof fields);
        assert_string_equal(name, want[i].name);
        assert_string_equal(fields, "");
    }
    teardown(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_class_declares_outputs_msi_then_mti),
        cmocka_unit_test(test_registers_at_reset),
        cmocka_unit_test(test_msip_bit0_drives_msi),
        cmocka_unit_test(test_mtime_follows_virtual_time_at_the_cpu_rate),
        cmocka_unit_test(test_mtime_follows_virtual_time_at_the_timebase_ratio),
        cmocka_unit_test(test_mtimecmp_raises_mti_at_the_exact_cycle),
        cmocka_unit_test(test_mtimecmp_beyond_64_bits_of_cycles_never_fires),
        cmocka_unit_test(test_writing_mtime_moves_the_compare),
        cmocka_unit_test(test_64_bit_registers_are_two_halves),
        cmocka_unit_test(test_only_aligned_32_bit_accesses),
        cmocka_unit_test(test_peek_reads_without_side_effects),
        cmocka_unit_test(test_connect_drives_levels_and_disconnect_drives_nothing),
        cmocka_unit_test(test_bad_configuration_is_refused_leaving_nothing),
        cmocka_unit_test(test_every_register_resets),
        cmocka_unit_test(test_reads_drive_nothing_writes_drive_both),
        cmocka_unit_test(test_bad_access_ignore_reads_0_and_reports_once),
        cmocka_unit_test(test_offsets_without_a_register_are_reported_once),
        cmocka_unit_test(test_trace_names_registers_and_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
