/* The SiFive CLINT model (peripherals/sifive_clint.c), built through its
 * registry class with a hand-made host and a fake interrupt sink: the
 * register map at reset, msip -> MSI, mtime derived from virtual time at
 * the timebase, MTI rising exactly at the due cycle through a clock event
 * and falling on writes, 32-bit accesses only, side-effect-free peeks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "peripherals/registry.h"

#define BASE 0x2000000u
#define MSIP (BASE + 0x0)
#define MTIMECMP (BASE + 0x4000)
#define MTIMECMPH (BASE + 0x4004)
#define MTIME (BASE + 0xbff8)
#define MTIMEH (BASE + 0xbffc)

enum { MSI, MTI };

/* Records every level it is driven with and when it changed. */
typedef struct Sink {
    Clock *clock;
    bool level[2];
    int sets[2];    /* calls */
    int changes[2]; /* calls that changed the level */
    uint64_t changed_at[2];
} Sink;

typedef struct Fixture {
    MemorySystem *ms;
    Clock *clock;
    const PeripheralClass *cls;
    BoardPeripheral desc;
    BoardProp prop;
    DeviceHost host;
    Device dev;
    Owner *bus_owner;
    Sink sink;
    int time_sources;
    bool refuse_time_source;
    DeviceTimeFn read_time;
    void *time_dev;
} Fixture;

static void sink_set(void *opaque, unsigned line, bool level)
{
    Sink *s = opaque;
    assert_true(line < 2);
    s->sets[line]++;
    if (s->level[line] != level) {
        s->changes[line]++;
        s->changed_at[line] = clock_now(s->clock);
    }
    s->level[line] = level;
}

static bool set_time_source(void *opaque, DeviceTimeFn read_time, void *dev,
                            Error **errp)
{
    Fixture *f = opaque;
    if (f->refuse_time_source) {
        error_setf(errp, "time source taken");
        return false;
    }
    f->time_sources++;
    f->read_time = read_time;
    f->time_dev = dev;
    return true;
}

static Chardev *no_chardev(void *opaque, const char *spec, Error **errp)
{
    fail_msg("the CLINT opened a chardev");
    return NULL;
}

/* Creates a CLINT with at most one property on a clock of `cpu_hz`,
 * offered to the device only when `with_clock`. Returns create's result. */
static bool try_create(Fixture *f, uint64_t cpu_hz, const char *prop_key,
                       const char *prop_value, bool with_clock, Error **errp)
{
    f->ms = memory_system_new();
    f->clock = clock_new(cpu_hz);
    f->cls = registry_find("sifive,clint0");
    assert_non_null(f->cls);
    f->prop = (BoardProp){.key = (char *)prop_key, .value = (char *)prop_value,
                          .loc = {"c.yaml", 4, 5}};
    f->desc = (BoardPeripheral){
        .name = "clint", .type = "sifive,clint0", .base = BASE,
        .props = &f->prop, .nprops = prop_key ? 1 : 0,
        .loc = {"c.yaml", 2, 7},
    };
    f->host = (DeviceHost){
        .opaque = f,
        .open_chardev = no_chardev,
        .clock = with_clock ? f->clock : NULL,
        .set_time_source = set_time_source,
    };
    f->sink.clock = f->clock;
    DeviceConfig config = {
        .ms = f->ms, .desc = &f->desc, .size = f->cls->default_size,
        .host = &f->host,
    };
    return f->cls->create(&config, &f->dev, errp);
}

static void connect(Fixture *f)
{
    IrqLine lines[2] = {
        {.handler = sink_set, .opaque = &f->sink, .line = MSI},
        {.handler = sink_set, .opaque = &f->sink, .line = MTI},
    };
    f->cls->connect_irqs(f->dev.state, lines, 2);
}

static void setup(Fixture *f, uint64_t cpu_hz, const char *timebase)
{
    Error *err = NULL;
    if (!try_create(f, cpu_hz, timebase ? "timebase-frequency" : NULL,
                    timebase, true, &err))
        fail_msg("create: %s", error_message(err));
    f->bus_owner = owner_new(f->ms, "bus", NULL, NULL);
    MemoryRegion *bus = memory_region_new_container(f->bus_owner, "bus",
                                                    UINT64_C(1) << 32);
    assert_true(memory_add_subregion(bus, BASE, f->dev.region, NULL));
    memory_set_root(f->ms, bus);
    connect(f);
}

static void teardown(Fixture *f)
{
    f->cls->connect_irqs(f->dev.state, NULL, 0);
    memory_set_root(f->ms, NULL);
    owner_unref(f->bus_owner);
    owner_unref(f->dev.owner);
    assert_int_equal(memory_stats(f->ms).owners, 0);
    memory_system_free(f->ms);
    clock_free(f->clock); /* aborts if the CLINT's event survived */
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
        wr(&f, BASE + undefined[i], 0xffffffff); /* ignored */
        assert_int_equal(rd(&f, BASE + undefined[i]), 0);
    }
    /* connecting drove the reset levels: both low */
    assert_int_equal(f.sink.sets[MSI], 1);
    assert_int_equal(f.sink.sets[MTI], 1);
    assert_false(f.sink.level[MSI]);
    assert_false(f.sink.level[MTI]);
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
    assert_true(f.sink.level[MSI]);
    assert_false(f.sink.level[MTI]);
    wr(&f, MSIP, 0xfffffffe);
    assert_int_equal(rd(&f, MSIP), 0);
    assert_false(f.sink.level[MSI]);
    assert_int_equal(f.sink.changes[MSI], 2);
    assert_int_equal(f.sink.changes[MTI], 0);
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
    assert_false(f.sink.level[MTI]);
    /* 10 ticks = 3051.76 cycles: due at the first cycle past it */
    assert_int_equal(clock_next_deadline(f.clock), 3052);
    clock_advance(f.clock, 3051);
    assert_false(f.sink.level[MTI]);
    assert_int_equal(mtime(&f), 9);
    clock_advance(f.clock, 3052);
    assert_true(f.sink.level[MTI]);
    assert_int_equal(f.sink.changed_at[MTI], 3052);
    assert_int_equal(mtime(&f), 10);
    assert_int_equal(clock_next_deadline(f.clock), CLOCK_NEVER);

    /* a compare in the future lowers MTI on the write and re-arms */
    set_mtimecmp(&f, 20);
    assert_false(f.sink.level[MTI]);
    assert_int_equal(clock_next_deadline(f.clock), 6104); /* 6103.52 */
    clock_advance(f.clock, 6104);
    assert_true(f.sink.level[MTI]);
    assert_int_equal(f.sink.changed_at[MTI], 6104);

    /* a compare in the past raises it at once, nothing scheduled */
    set_mtimecmp(&f, 30);
    assert_false(f.sink.level[MTI]);
    set_mtimecmp(&f, 5);
    assert_true(f.sink.level[MTI]);
    assert_int_equal(clock_next_deadline(f.clock), CLOCK_NEVER);
    assert_int_equal(f.sink.changes[MSI], 0);
    teardown(&f);
}

static void test_mtimecmp_beyond_64_bits_of_cycles_never_fires(void **state)
{
    Fixture f = {0};
    setup(&f, 10000000, "32768");
    set_mtimecmp(&f, UINT64_MAX - 1); /* far beyond 2^64 cycles */
    assert_false(f.sink.level[MTI]);
    assert_int_equal(clock_next_deadline(f.clock), CLOCK_NEVER);
    /* mtime set behind virtual time: the due tick count itself would pass
     * 2^64 and must not wrap into an early deadline */
    clock_advance(f.clock, 1000000);
    wr(&f, MTIMEH, 0);
    wr(&f, MTIME, 0);
    set_mtimecmp(&f, UINT64_MAX);
    assert_false(f.sink.level[MTI]);
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
    assert_false(f.sink.level[MTI]);
    clock_advance(f.clock, 50);
    assert_true(f.sink.level[MTI]);
    assert_int_equal(f.sink.changed_at[MTI], 50);

    wr(&f, MTIME, 0); /* back in time: MTI falls, due 100 cycles later */
    assert_false(f.sink.level[MTI]);
    assert_int_equal(mtime(&f), 0);
    assert_int_equal(clock_next_deadline(f.clock), 150);
    wr(&f, MTIME, 100); /* onto the compare: MTI at once */
    assert_true(f.sink.level[MTI]);
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
    assert_int_equal(memory_read(f.ms, MSIP, 1, &v), MEM_BUS_ERROR);
    assert_int_equal(memory_read(f.ms, MSIP, 2, &v), MEM_BUS_ERROR);
    assert_int_equal(memory_read(f.ms, MTIME + 2, 4, &v), MEM_BUS_ERROR);
    assert_int_equal(memory_write(f.ms, MSIP, 1, 1), MEM_BUS_ERROR);
    assert_int_equal(memory_write(f.ms, MSIP, 2, 1), MEM_BUS_ERROR);
    assert_int_equal(memory_write(f.ms, MTIMECMP + 1, 4, 0), MEM_BUS_ERROR);
    assert_int_equal(rd(&f, MSIP), 0);
    assert_int_equal(rd(&f, MTIMECMP), 0xffffffff);
    assert_false(f.sink.level[MSI]);
    teardown(&f);
}

static void test_peek_reads_without_side_effects(void **state)
{
    Fixture f = {0};
    setup(&f, 1000, "1000");
    wr(&f, MSIP, 1);
    set_mtimecmp(&f, UINT64_C(0x0000000500000100));
    clock_advance(f.clock, 42);
    int sets_msi = f.sink.sets[MSI], sets_mti = f.sink.sets[MTI];
    uint64_t deadline = clock_next_deadline(f.clock);

    uint8_t buf[8];
    Error *err = NULL;
    assert_true(memory_debug_read(f.ms, MSIP, buf, 4, &err));
    assert_int_equal(buf[0], 1);
    assert_true(memory_debug_read(f.ms, MTIMECMP, buf, 8, &err));
    assert_memory_equal(buf, "\x00\x01\x00\x00\x05\x00\x00\x00", 8);
    assert_true(memory_debug_read(f.ms, MTIME, buf, 8, &err));
    assert_memory_equal(buf, "\x2a\x00\x00\x00\x00\x00\x00\x00", 8);
    assert_true(memory_debug_read(f.ms, MTIME + 1, buf, 1, &err)); /* a byte */
    assert_int_equal(buf[0], 0);

    assert_int_equal(f.sink.sets[MSI], sets_msi);
    assert_int_equal(f.sink.sets[MTI], sets_mti);
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
    int sets = f.sink.sets[MSI] + f.sink.sets[MTI];
    wr(&f, MSIP, 1);
    set_mtimecmp(&f, 0);
    assert_int_equal(f.sink.sets[MSI] + f.sink.sets[MTI], sets);
    connect(&f); /* the current levels arrive on connection */
    assert_true(f.sink.level[MSI]);
    assert_true(f.sink.level[MTI]);
    teardown(&f);
}

static void expect_create_error(uint64_t cpu_hz, const char *key,
                                const char *value, bool with_clock,
                                bool refuse_time_source, const char *message)
{
    Fixture f = {0};
    Error *err = NULL;
    f.refuse_time_source = refuse_time_source;
    assert_false(try_create(&f, cpu_hz, key, value, with_clock, &err));
    assert_non_null(err);
    if (strcmp(error_message(err), message) != 0)
        fail_msg("got '%s'\nexpected '%s'", error_message(err), message);
    error_free(err);
    assert_int_equal(memory_stats(f.ms).owners, 0);
    assert_int_equal(memory_stats(f.ms).regions, 0);
    memory_system_free(f.ms);
    clock_free(f.clock); /* aborts if an event was left behind */
}

static void test_bad_configuration_is_refused_leaving_nothing(void **state)
{
    expect_create_error(1000, "timebase-frequency", "0", true, false,
                        "c.yaml:4:5: 'timebase-frequency' must be greater "
                        "than 0");
    expect_create_error(1000, "timebase-frequency", "fast", true, false,
                        "c.yaml:4:5: timebase-frequency: 'fast' is not a "
                        "number");
    expect_create_error(1000, "harts", "2", true, false,
                        "c.yaml:4:5: unknown property 'harts' for "
                        "sifive,clint0 'clint'");
    expect_create_error(1000, NULL, NULL, false, false,
                        "c.yaml:2:7: 'clint' (sifive,clint0) needs virtual "
                        "time and the machine has no clock");
    expect_create_error(1000, NULL, NULL, true, true, "time source taken");
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
