/* The memory-mapped stub (peripherals/mmio_stub.c): reads return
 * `read-value` (bytes of it for narrower reads), writes are ignored, each
 * register is reported once per direction (through DeviceHost.log_guest,
 * which tests/unit/device_fixture.h records, "device: message\n" each), the
 * reports stop after a limit, the debugger's peek reports nothing, any
 * size up to 4 GiB maps, property errors carry their place, and
 * `read-value` changes while it runs. The register table (peripherals/
 * regs.h: one `word` array over the window): its text, a last word only
 * partly inside the window, misaligned accesses (bus errors, or read 0
 * and reported once under `bad-access: ignore`), the names traces print. */
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

#define BASE 0x10014000u

typedef DevFixture Fixture;

/* "qspi0" at `base`, with `read-value` unless NULL. */
static bool try_create(Fixture *f, uint64_t base, uint64_t size,
                       const char *read_value, Error **errp)
{
    devfix_setup(f, 0);
    return devfix_try_create(f, "memory-mapped-stub", "qspi0", base, size,
                             DEVFIX_KV(read_value ? "read-value" : NULL,
                                       read_value),
                             errp);
}

static void setup_at(Fixture *f, uint64_t base, uint64_t size,
                     const char *read_value)
{
    Error *err = NULL;
    if (!try_create(f, base, size, read_value, &err))
        fail_msg("create: %s", error_message(err));
}

static void setup(Fixture *f, const char *read_value)
{
    setup_at(f, BASE, 0x1000, read_value);
}

/* "qspi0" at BASE with the properties kv (key, value, ..., NULL). */
static void setup_kv(Fixture *f, uint64_t size, const char *const *kv)
{
    devfix_setup(f, 0);
    Error *err = NULL;
    if (!devfix_try_create(f, "memory-mapped-stub", "qspi0", BASE, size, kv, &err))
        fail_msg("create: %s", error_message(err));
}

static void teardown(Fixture *f) { devfix_teardown(f); }

static uint32_t rd(Fixture *f, uint32_t off, unsigned size)
{
    return devfix_read(f, off, size);
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
    assert_string_equal(cls->properties[0].name, "read-value");
    assert_string_equal(cls->properties[1].name, "bad-access");
    assert_null(cls->properties[2].name);
    assert_non_null(cls->registers);
}

/* The table as `info types` prints it: one array of words, as many as
 * the largest window has (an instance has as many as its size). */
static void test_register_table(void **state)
{
    char *text = devfix_table_text("memory-mapped-stub");
    assert_string_equal(text, "    0x0000 word[1073741824] 32-bit rw         "
                              "reset 0x0 stride 0x4\n");
    free(text);
}

/* A window of 6 bytes has two words, the second partly outside. */
static void test_last_word_partly_inside_the_window(void **state)
{
    Fixture f = {0};
    setup_kv(&f, 6, DEVFIX_KV("read-value", "0x11223344"));
    assert_int_equal(rd(&f, 4, 2), 0x3344);
    assert_int_equal(rd(&f, 5, 1), 0x33);
    assert_int_equal(devfix_peek(&f, 5, 1), 0x33);
    uint32_t v;
    assert_int_equal(devfix_try_read(&f, 4, 4, &v), MEM_UNMAPPED);
    assert_string_equal(f.log, "qspi0: read at +0x4 (not modelled)\n");
    teardown(&f);
}

/* Narrow accesses must lie inside one half of a word (the CPU splits
 * misaligned ones into bytes); others are bus errors and say nothing. */
static void test_misaligned_accesses_fault(void **state)
{
    Fixture f = {0};
    setup(&f, "0xdeadbeef");
    uint32_t v;
    assert_int_equal(devfix_try_read(&f, 0x41, 2, &v), MEM_BUS_ERROR);
    assert_int_equal(devfix_try_read(&f, 0x42, 4, &v), MEM_BUS_ERROR);
    assert_int_equal(devfix_try_write(&f, 0x43, 2, 0), MEM_BUS_ERROR);
    assert_int_equal(devfix_try_write(&f, 0x41, 4, 0), MEM_BUS_ERROR);
    assert_string_equal(f.log, "");
    teardown(&f);
}

/* `bad-access: ignore`: they read 0, each reported once, in the same
 * report log as the registers (the limit counts both). */
static void test_misaligned_accesses_ignored_when_asked(void **state)
{
    Fixture f = {0};
    setup_kv(&f, 0, DEVFIX_KV("read-value", "0xdeadbeef", "bad-access", "ignore"));
    for (int i = 0; i < 2; i++) {
        assert_int_equal(rd(&f, 0x41, 2), 0);
        assert_int_equal(rd(&f, 0x42, 4), 0);
        devfix_write(&f, 0x43, 2, 0);
    }
    assert_int_equal(rd(&f, 0x42, 2), 0xdead);
    assert_string_equal(f.log,
        "qspi0: 2-byte read at +0x41 ignored: word[16] takes aligned accesses of up to 4 bytes\n"
        "qspi0: 4-byte read at +0x42 ignored: word[16] takes aligned accesses of up to 4 bytes\n"
        "qspi0: 2-byte write at +0x43 ignored: word[16] takes aligned accesses of up to 4 bytes\n"
        "qspi0: read at +0x40 (not modelled)\n");
    teardown(&f);
}

/* What --trace mmio names: the word, for any byte of it. */
static void test_traces_name_the_word(void **state)
{
    Fixture f = {0};
    setup(&f, NULL);
    char name[64], fields[64];
    memory_region_describe_access(f.dev.region, 0x40, 1, true, name, sizeof name,
                                  fields, sizeof fields);
    assert_string_equal(name, "word[16]");
    assert_string_equal(fields, "");
    memory_region_describe_access(f.dev.region, 0xfff, 1, false, name,
                                  sizeof name, fields, sizeof fields);
    assert_string_equal(name, "word[1023]");
    teardown(&f);
}

static void test_reads_return_zero_by_default_and_writes_are_ignored(void **state)
{
    Fixture f = {0};
    setup(&f, NULL);
    assert_int_equal(rd(&f, 0, 4), 0);
    assert_int_equal(memory_write(f.ms, BASE + 8, 4, 0xffffffff), MEM_OK);
    assert_int_equal(rd(&f, 8, 4), 0);
    assert_int_equal(rd(&f, 0xfff, 1), 0);
    teardown(&f);
}

static void test_read_value_fills_every_word(void **state)
{
    Fixture f = {0};
    setup(&f, "0xdeadbeef");
    assert_int_equal(rd(&f, 0, 4), 0xdeadbeef);
    assert_int_equal(rd(&f, 0x40, 4), 0xdeadbeef);
    assert_int_equal(rd(&f, 0x40, 1), 0xef);
    assert_int_equal(rd(&f, 0x41, 1), 0xbe);
    assert_int_equal(rd(&f, 0x43, 1), 0xde);
    assert_int_equal(rd(&f, 0x42, 2), 0xdead);
    assert_int_equal(memory_write(f.ms, BASE + 0x40, 4, 0), MEM_OK);
    assert_int_equal(rd(&f, 0x40, 4), 0xdeadbeef);
    teardown(&f);
}

static void test_each_register_is_reported_once_per_direction(void **state)
{
    Fixture f = {0};
    setup(&f, NULL);
    rd(&f, 0x40, 4);
    rd(&f, 0x40, 4);
    rd(&f, 0x42, 2); /* the same register */
    assert_int_equal(memory_write(f.ms, BASE + 0x40, 4, 1), MEM_OK);
    assert_int_equal(memory_write(f.ms, BASE + 0x41, 1, 1), MEM_OK);
    rd(&f, 0, 4);
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
        rd(&f, 4 * i, 4);
    for (uint32_t i = 0; i < 100; i++)
        assert_int_equal(memory_write(f.ms, BASE + 4 * i, 4, i), MEM_OK);
    assert_int_equal(devfix_log_count(&f, "qspi0: "), 17);
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
    assert_false(try_create(&f, BASE, 0x1000, read_value, &err));
    assert_string_equal(error_message(err), message);
    error_free(err);
    devfix_teardown(&f);
}

static void test_read_value_errors_name_the_place(void **state)
{
    expect_create_error("0x100000000",
                        "dev.yaml:4:9: 'read-value' must be 0 to 0xffffffff");
    expect_create_error("ones", "dev.yaml:4:9: read-value: 'ones' is not a number");
    Fixture f = {0};
    devfix_setup(&f, 0);
    Error *err = NULL;
    assert_false(devfix_try_create(&f, "memory-mapped-stub", "qspi0", BASE, 0,
                                   DEVFIX_KV("bad-access", "warn"), &err));
    assert_string_equal(error_message(err),
                        "dev.yaml:4:9: bad-access: 'warn' is not fault or ignore");
    error_free(err);
    devfix_teardown(&f);
}

/* `read-value` is live; a bad value changes nothing and says why, and the
 * stub has no other property to change. */
static void test_read_value_is_live(void **state)
{
    Fixture f = {0};
    setup(&f, "5");
    assert_true(f.cls->set_property(f.dev.state, "read-value", "0x1234", NULL));
    assert_int_equal(rd(&f, 8, 4), 0x1234);
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
    assert_int_equal(rd(&f, 8, 4), 0x1234);
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
        cmocka_unit_test(test_register_table),
        cmocka_unit_test(test_reads_return_zero_by_default_and_writes_are_ignored),
        cmocka_unit_test(test_read_value_fills_every_word),
        cmocka_unit_test(test_each_register_is_reported_once_per_direction),
        cmocka_unit_test(test_reports_stop_after_a_limit),
        cmocka_unit_test(test_peek_reports_nothing),
        cmocka_unit_test(test_covers_all_4_gib),
        cmocka_unit_test(test_last_word_partly_inside_the_window),
        cmocka_unit_test(test_misaligned_accesses_fault),
        cmocka_unit_test(test_misaligned_accesses_ignored_when_asked),
        cmocka_unit_test(test_traces_name_the_word),
        cmocka_unit_test(test_read_value_errors_name_the_place),
        cmocka_unit_test(test_board_gives_the_size),
        cmocka_unit_test(test_read_value_is_live),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
