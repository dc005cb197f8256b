/* The memory-mapped stub (peripherals/mmio_stub.c): reads return
 * `read-value` (bytes of it for narrower reads), writes are ignored, each
 * register is reported once per direction (through DeviceHost.log_guest,
 * which this fixture records a line each, "device: message\n"), the
 * reports stop after a limit, the debugger's peek reports nothing, any
 * size up to 4 GiB maps, property errors carry their place, and
 * `read-value` changes while it runs. */
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

#define BASE 0x10014000u

typedef struct Fixture {
    MemorySystem *ms;
    const PeripheralClass *cls;
    BoardPeripheral desc;
    BoardProp prop;
    DeviceHost host;
    Device dev;
    Owner *bus_owner;
    char log[4096]; /* the guest diagnostics, "device: message\n" each */
} Fixture;

static Chardev *no_chardev(void *opaque, const char *spec, Error **errp)
{
    fail_msg("the stub opened a chardev");
    return NULL;
}

static void log_guest(void *opaque, const char *device, const char *message)
{
    Fixture *f = opaque;
    size_t used = strlen(f->log);
    assert_true(used + strlen(device) + strlen(message) + 3 < sizeof f->log);
    snprintf(f->log + used, sizeof f->log - used, "%s: %s\n", device, message);
}

static bool try_create(Fixture *f, uint64_t size, const char *read_value,
                       Error **errp)
{
    f->ms = memory_system_new();
    f->cls = registry_find("memory-mapped-stub");
    assert_non_null(f->cls);
    f->prop = (BoardProp){.key = "read-value", .value = (char *)read_value,
                          .loc = {"s.yaml", 7, 19}};
    f->desc = (BoardPeripheral){
        .name = "qspi0", .type = "memory-mapped-stub", .base = BASE,
        .props = &f->prop, .nprops = read_value ? 1 : 0,
        .loc = {"s.yaml", 5, 7},
    };
    f->host = (DeviceHost){.opaque = f, .open_chardev = no_chardev,
                           .log_guest = log_guest};
    DeviceConfig config = {.ms = f->ms, .desc = &f->desc, .size = size,
                           .host = &f->host};
    return f->cls->create(&config, &f->dev, errp);
}

static void setup_at(Fixture *f, uint64_t base, uint64_t size,
                     const char *read_value)
{
    Error *err = NULL;
    if (!try_create(f, size, read_value, &err))
        fail_msg("create: %s", error_message(err));
    f->bus_owner = owner_new(f->ms, "bus", NULL, NULL);
    MemoryRegion *bus = memory_region_new_container(f->bus_owner, "bus",
                                                    UINT64_C(1) << 32);
    assert_true(memory_add_subregion(bus, base, f->dev.region, NULL));
    memory_set_root(f->ms, bus);
}

static void setup(Fixture *f, const char *read_value)
{
    setup_at(f, BASE, 0x1000, read_value);
}

static void teardown(Fixture *f)
{
    memory_set_root(f->ms, NULL);
    owner_unref(f->bus_owner);
    owner_unref(f->dev.owner);
    assert_int_equal(memory_stats(f->ms).owners, 0);
    memory_system_free(f->ms);
}

static uint32_t rd(Fixture *f, uint32_t addr, unsigned size)
{
    uint32_t v = 0xdeadbeef;
    assert_int_equal(memory_read(f->ms, addr, size, &v), MEM_OK);
    return v;
}

/* ---- tests ---- */

static void test_class_takes_any_size_up_to_4_gib(void **state)
{
    const PeripheralClass *cls = registry_find("memory-mapped-stub");
    assert_non_null(cls);
    assert_int_equal(cls->default_size, 0x1000);
    assert_int_equal(cls->min_size, 1);
    assert_int_equal(cls->max_size, UINT64_C(1) << 32);
    assert_int_equal(cls->irq_outputs, 0);
    assert_null(cls->irq_input);
}

static void test_reads_return_zero_by_default_and_writes_are_ignored(void **state)
{
    Fixture f = {0};
    setup(&f, NULL);
    assert_int_equal(rd(&f, BASE, 4), 0);
    assert_int_equal(memory_write(f.ms, BASE + 8, 4, 0xffffffff), MEM_OK);
    assert_int_equal(rd(&f, BASE + 8, 4), 0);
    assert_int_equal(rd(&f, BASE + 0xfff, 1), 0);
    teardown(&f);
}

static void test_read_value_fills_every_word(void **state)
{
    Fixture f = {0};
    setup(&f, "0xdeadbeef");
    assert_int_equal(rd(&f, BASE, 4), 0xdeadbeef);
    assert_int_equal(rd(&f, BASE + 0x40, 4), 0xdeadbeef);
    assert_int_equal(rd(&f, BASE + 0x40, 1), 0xef);
    assert_int_equal(rd(&f, BASE + 0x41, 1), 0xbe);
    assert_int_equal(rd(&f, BASE + 0x43, 1), 0xde);
    assert_int_equal(rd(&f, BASE + 0x42, 2), 0xdead);
    assert_int_equal(memory_write(f.ms, BASE + 0x40, 4, 0), MEM_OK);
    assert_int_equal(rd(&f, BASE + 0x40, 4), 0xdeadbeef);
    teardown(&f);
}

static void test_each_register_is_reported_once_per_direction(void **state)
{
    Fixture f = {0};
    setup(&f, NULL);
    rd(&f, BASE + 0x40, 4);
    rd(&f, BASE + 0x40, 4);
    rd(&f, BASE + 0x42, 2); /* the same register */
    assert_int_equal(memory_write(f.ms, BASE + 0x40, 4, 1), MEM_OK);
    assert_int_equal(memory_write(f.ms, BASE + 0x41, 1, 1), MEM_OK);
    rd(&f, BASE, 4);
    assert_string_equal(f.log,
                        "qspi0: read at +0x40 (not modelled)\n"
                        "qspi0: write at +0x40 (not modelled)\n"
                        "qspi0: read at +0x0 (not modelled)\n");
    teardown(&f);
}

static void test_reports_stop_after_a_limit(void **state)
{
    Fixture f = {0};
    setup(&f, NULL);
    for (uint32_t i = 0; i < 100; i++)
        rd(&f, BASE + 4 * i, 4);
    for (uint32_t i = 0; i < 100; i++)
        assert_int_equal(memory_write(f.ms, BASE + 4 * i, 4, i), MEM_OK);
    unsigned lines = 0;
    for (const char *p = f.log; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 17);
    assert_non_null(strstr(f.log, "read at +0x3c (not modelled)\n"
                                  "qspi0: further accesses not reported\n"));
    assert_null(strstr(f.log, "+0x40"));
    teardown(&f);
}

static void test_peek_reports_nothing(void **state)
{
    Fixture f = {0};
    setup(&f, "0x01020304");
    uint8_t buf[6];
    assert_true(memory_debug_read(f.ms, BASE + 2, buf, sizeof buf, NULL));
    assert_memory_equal(buf, "\x02\x01\x04\x03\x02\x01", 6);
    assert_string_equal(f.log, "");
    teardown(&f);
}

static void test_covers_all_4_gib(void **state)
{
    Fixture f = {0};
    setup_at(&f, 0, UINT64_C(1) << 32, "7");
    assert_int_equal(rd(&f, 0, 4), 7);
    assert_int_equal(rd(&f, 0xfffffffc, 4), 7);
    assert_non_null(strstr(f.log, "read at +0xfffffffc (not modelled)"));
    teardown(&f);
}

static void expect_create_error(const char *read_value, const char *message)
{
    Fixture f = {0};
    Error *err = NULL;
    assert_false(try_create(&f, 0x1000, read_value, &err));
    assert_string_equal(error_message(err), message);
    error_free(err);
    assert_int_equal(memory_stats(f.ms).owners, 0);
    memory_system_free(f.ms);
}

static void test_read_value_errors_name_the_place(void **state)
{
    expect_create_error("0x100000000",
                        "s.yaml:7:19: 'read-value' must be 0 to 0xffffffff");
    expect_create_error("ones", "s.yaml:7:19: read-value: 'ones' is not a number");
}

/* `read-value` is live; a bad value changes nothing and says why, and the
 * stub has no other property to change. */
static void test_read_value_is_live(void **state)
{
    Fixture f = {0};
    setup(&f, "5");
    assert_true(f.cls->set_property(f.dev.state, "read-value", "0x1234", NULL));
    assert_int_equal(rd(&f, BASE + 8, 4), 0x1234);
    Error *err = NULL;
    assert_false(f.cls->set_property(f.dev.state, "read-value", "ones", &err));
    assert_string_equal(error_message(err), "read-value: 'ones' is not a number");
    error_free(err);
    err = NULL;
    assert_false(f.cls->set_property(f.dev.state, "read-value", "0x100000000",
                                     &err));
    assert_string_equal(error_message(err),
                        "'read-value' must be 0 to 0xffffffff");
    error_free(err);
    err = NULL;
    assert_false(f.cls->set_property(f.dev.state, "size", "4", &err));
    assert_string_equal(error_message(err),
                        "unknown property 'size' for memory-mapped-stub 'qspi0'");
    error_free(err);
    assert_int_equal(rd(&f, BASE + 8, 4), 0x1234);
    teardown(&f);
}

static void test_board_gives_the_size(void **state)
{
    static const char board[] =
        "b:\n"
        "  peripherals:\n"
        "    - {name: big, type: memory-mapped-stub, base: 0x40000000, size: 256M}\n"
        "    - {name: small, type: memory-mapped-stub, base: 0x20000000}\n"
        "    - {name: tiny, type: memory-mapped-stub, base: 0x30000000, size: 3}\n";
    MemorySystem *ms = memory_system_new();
    Error *err = NULL;
    BoardFile *file = board_file_parse("m.yaml", board, sizeof board - 1, &err);
    assert_non_null(file);
    MachineHooks hooks = {.registry = registry_devices()};
    Machine *m = machine_new(ms, &file->boards[0], &hooks, &err);
    if (!m)
        fail_msg("machine: %s", error_message(err));
    board_file_free(file);
    MemRange r;
    assert_true(memory_lookup(ms, 0x4fffffff, &r));
    assert_false(memory_lookup(ms, 0x50000000, &r));
    assert_true(memory_lookup(ms, 0x20000fff, &r));
    assert_false(memory_lookup(ms, 0x20001000, &r));
    assert_true(memory_lookup(ms, 0x30000002, &r));
    assert_false(memory_lookup(ms, 0x30000003, &r));
    machine_free(m);
    memory_system_free(ms);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_class_takes_any_size_up_to_4_gib),
        cmocka_unit_test(test_reads_return_zero_by_default_and_writes_are_ignored),
        cmocka_unit_test(test_read_value_fills_every_word),
        cmocka_unit_test(test_each_register_is_reported_once_per_direction),
        cmocka_unit_test(test_reports_stop_after_a_limit),
        cmocka_unit_test(test_peek_reports_nothing),
        cmocka_unit_test(test_covers_all_4_gib),
        cmocka_unit_test(test_read_value_errors_name_the_place),
        cmocka_unit_test(test_board_gives_the_size),
        cmocka_unit_test(test_read_value_is_live),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
