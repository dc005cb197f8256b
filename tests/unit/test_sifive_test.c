/* The two one-register models on tests/unit/device_fixture.h: the SiFive
 * test finisher (peripherals/sifive_test.c: pass, fail with a code, reset,
 * a bus error for a reset the machine cannot do, write-only) and the
 * interrupt probe (peripherals/irq_probe.c: its inputs' levels, read-only);
 * for each its register table: the value at reset through peeks, the
 * access kind, 32-bit aligned accesses only (a bus error, or with
 * `bad-access: ignore` read 0 and reported once), offsets past the map
 * reported once, the name and fields traces show. */
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

#define TEST_TYPE "sifive,test0"
#define PROBE_TYPE "mcusim,irq-probe"
#define BASE 0x100000u

typedef DevFixture Fixture;

/* Creates `type` named "dev" at BASE with properties kv (NULL: none). */
static void setup(Fixture *f, const char *type, const char *const *kv)
{
    devfix_setup(f, 0);
    Error *err = NULL;
    if (!devfix_try_create(f, type, "dev", BASE, 0, kv, &err))
        fail_msg("create: %s", error_message(err));
}

static void teardown(Fixture *f) { devfix_teardown(f); }

static void expect_create_error(const char *type, const char *const *kv,
                                const char *message)
{
    Fixture f = {0};
    devfix_setup(&f, 0);
    Error *err = NULL;
    assert_false(devfix_try_create(&f, type, "dev", BASE, 0, kv, &err));
    devfix_expect_error(err, message);
    devfix_teardown(&f);
}

static void expect_valid_table(const char *type, const char *name)
{
    const PeripheralClass *cls = registry_find(type);
    assert_non_null(cls->registers);
    Error *err = NULL;
    if (!regs_check(cls->registers, cls->type, &err))
        fail_msg("regs_check: %s", error_message(err));
    assert_int_equal(cls->registers->nregs, 1);
    assert_string_equal(cls->registers->regs[0].name, name);
    assert_int_equal(cls->registers->regs[0].offset, 0);
    assert_int_equal(cls->registers->regs[0].width, 4);
}

/* What `info types` and --describe-board show of a class's table. */
static void expect_table_described(const char *type, const char *expected)
{
    char *text = devfix_table_text(type);
    assert_string_equal(text, expected);
    free(text);
}

/* Narrow and misaligned accesses at offset 0 fault, and nothing happens. */
static void expect_bad_accesses_fault(Fixture *f, uint32_t value)
{
    uint32_t v;
    assert_int_equal(devfix_try_read(f, 0, 1, &v), MEM_BUS_ERROR);
    assert_int_equal(devfix_try_read(f, 0, 2, &v), MEM_BUS_ERROR);
    assert_int_equal(devfix_try_read(f, 2, 2, &v), MEM_BUS_ERROR);
    assert_int_equal(devfix_try_write(f, 0, 1, value), MEM_BUS_ERROR);
    assert_int_equal(devfix_try_write(f, 0, 2, value), MEM_BUS_ERROR);
    assert_int_equal(devfix_try_write(f, 2, 2, value), MEM_BUS_ERROR);
    assert_string_equal(f->log, ""); /* a fault is not reported */
}

/* With `bad-access: ignore` the same read 0 and write nothing, each
 * reported once per offset and direction. */
static void expect_bad_accesses_ignored(Fixture *f, const char *reg,
                                        uint32_t value)
{
    for (int i = 0; i < 2; i++) {
        uint32_t v = 1;
        assert_int_equal(devfix_try_read(f, 0, 1, &v), MEM_OK);
        assert_int_equal(v, 0);
        assert_int_equal(devfix_try_read(f, 2, 2, &v), MEM_OK);
        assert_int_equal(v, 0);
        assert_int_equal(devfix_try_write(f, 0, 2, value), MEM_OK);
    }
    char text[128];
    snprintf(text, sizeof text, "dev: 1-byte read at +0x0 ignored: %s is a "
             "4-byte register", reg);
    assert_int_equal(devfix_log_count(f, text), 1);
    snprintf(text, sizeof text, "dev: 2-byte read at +0x2 ignored: %s is a "
             "4-byte register", reg);
    assert_int_equal(devfix_log_count(f, text), 1);
    snprintf(text, sizeof text, "dev: 2-byte write at +0x0 ignored: %s is a "
             "4-byte register", reg);
    assert_int_equal(devfix_log_count(f, text), 1);
    assert_int_equal(devfix_log_count(f, "ignored"), 3);
}

static void expect_offsets_past_the_map_reported_once(Fixture *f)
{
    for (int i = 0; i < 2; i++) {
        assert_int_equal(devfix_read(f, 0x10, 4), 0);
        devfix_write(f, 0xffc, 4, 0x5555);
    }
    assert_int_equal(devfix_log_count(f, "dev: read at +0x10: no register there"), 1);
    assert_int_equal(devfix_log_count(f, "dev: write of 0x5555 at +0xffc ignored: "
                                         "no register there"), 1);
    assert_int_equal(devfix_log_count(f, "no register there"), 2);
}

/* ---- sifive,test0 ---- */

static void test_finisher_table_is_valid(void **state)
{
    expect_valid_table(TEST_TYPE, "finisher");
}

static void test_finisher_table_as_described(void **state)
{
    expect_table_described(TEST_TYPE, "    0x0000 finisher         32-bit wo         "
                                      "reset 0x0  status[15:0] code[31:16]\n");
}

static void test_finisher_pass_and_fail_with_a_code(void **state)
{
    Fixture f = {0};
    setup(&f, TEST_TYPE, NULL);
    devfix_write(&f, 0, 4, 0x5555);
    assert_int_equal(f.exits, 1);
    assert_int_equal(f.exit_status, 0);
    devfix_write(&f, 0, 4, (7u << 16) | 0x3333);
    assert_int_equal(f.exits, 2);
    assert_int_equal(f.exit_status, 7);
    devfix_write(&f, 0, 4, 0x12340000); /* any other status: ignored */
    assert_int_equal(f.exits, 2);
    assert_int_equal(f.resets, 0);
    teardown(&f);
}

/* Write-only: reads and peeks give 0, whatever was written. */
static void test_finisher_is_write_only(void **state)
{
    Fixture f = {0};
    setup(&f, TEST_TYPE, NULL);
    assert_int_equal(devfix_peek(&f, 0, 4), 0);
    devfix_write(&f, 0, 4, 0xffff1234);
    assert_int_equal(devfix_read(&f, 0, 4), 0);
    assert_int_equal(devfix_peek(&f, 0, 4), 0);
    assert_int_equal(f.exits, 0);
    teardown(&f);
}

static void test_finisher_reset_and_a_machine_that_cannot(void **state)
{
    Fixture f = {0};
    setup(&f, TEST_TYPE, NULL);
    devfix_write(&f, 0, 4, 0x7777);
    assert_int_equal(f.resets, 1);
    assert_int_equal(f.exits, 0);
    teardown(&f);

    Fixture g = {0};
    devfix_setup(&g, 0);
    g.host.request_reset = NULL;
    devfix_create(&g, TEST_TYPE, "dev", BASE, 0, NULL);
    assert_int_equal(devfix_try_write(&g, 0, 4, 0x7777), MEM_BUS_ERROR);
    assert_int_equal(devfix_try_write(&g, 0, 4, 0x5555), MEM_OK);
    assert_int_equal(g.exits, 1);
    teardown(&g);
}

static void test_finisher_takes_aligned_words_only(void **state)
{
    Fixture f = {0};
    setup(&f, TEST_TYPE, NULL);
    expect_bad_accesses_fault(&f, 0x5555);
    assert_int_equal(f.exits, 0);
    teardown(&f);

    Fixture g = {0};
    setup(&g, TEST_TYPE, DEVFIX_KV("bad-access", "ignore"));
    expect_bad_accesses_ignored(&g, "finisher", 0x5555);
    assert_int_equal(g.exits, 0);
    teardown(&g);
}

static void test_finisher_offsets_past_it_are_reported_once(void **state)
{
    Fixture f = {0};
    setup(&f, TEST_TYPE, NULL);
    expect_offsets_past_the_map_reported_once(&f);
    assert_int_equal(f.exits, 0);
    teardown(&f);
}

static void test_finisher_trace_shows_status_and_code(void **state)
{
    Fixture f = {0};
    setup(&f, TEST_TYPE, NULL);
    devfix_expect_described(&f, 0, 0x00073333, true, "finisher", "status=0x3333 code=7");
    devfix_expect_described(&f, 0, 0x01075555, true, "finisher", "status=0x5555 code=0x107");
    devfix_expect_described(&f, 4, 0, false, "", "");
    teardown(&f);
}

static void test_finisher_bad_access_property_is_checked(void **state)
{
    expect_create_error(TEST_TYPE, DEVFIX_KV("bad-access", "maybe"),
                        "dev.yaml:4:9: bad-access: 'maybe' is not fault or ignore");
}

/* ---- mcusim,irq-probe ---- */

static void drive(Fixture *f, unsigned input, bool level)
{
    IrqLine line;
    Error *err = NULL;
    if (!f->cls->irq_input(f->dev.state, input, &line, &err))
        fail_msg("irq_input: %s", error_message(err));
    irq_set(&line, level);
}

static void test_probe_table_is_valid(void **state)
{
    expect_valid_table(PROBE_TYPE, "levels");
}

static void test_probe_table_as_described(void **state)
{
    expect_table_described(PROBE_TYPE, "    0x0000 levels           32-bit ro         "
                                       "reset 0x0\n");
}

/* levels: 0 at reset, then bit n the level of input n; read-only (a
 * write is reported once). */
static void test_probe_levels_follow_the_inputs_and_ignore_writes(void **state)
{
    Fixture f = {0};
    setup(&f, PROBE_TYPE, NULL);
    assert_int_equal(devfix_peek(&f, 0, 4), 0);
    drive(&f, 0, true);
    drive(&f, 5, true);
    drive(&f, 31, true);
    assert_int_equal(devfix_read(&f, 0, 4), 0x80000021);
    devfix_write(&f, 0, 4, 0xffffffff);
    devfix_write(&f, 0, 4, 0);
    assert_int_equal(devfix_read(&f, 0, 4), 0x80000021);
    drive(&f, 0, false);
    assert_int_equal(devfix_peek(&f, 0, 4), 0x80000020);
    assert_int_equal(devfix_log_count(&f, "dev: write of 0xffffffff to "
                                          "read-only levels ignored"), 1);
    assert_int_equal(devfix_log_count(&f, "ignored"), 1);
    teardown(&f);
}

static void test_probe_takes_aligned_words_only(void **state)
{
    Fixture f = {0};
    setup(&f, PROBE_TYPE, NULL);
    drive(&f, 1, true);
    expect_bad_accesses_fault(&f, 0);
    teardown(&f);

    Fixture g = {0};
    setup(&g, PROBE_TYPE, DEVFIX_KV("bad-access", "ignore", "inputs", "4"));
    drive(&g, 1, true); /* a narrow read still reads 0 */
    expect_bad_accesses_ignored(&g, "levels", 0);
    assert_int_equal(devfix_read(&g, 0, 4), 0x2);
    teardown(&g);
}

static void test_probe_offsets_past_it_are_reported_once(void **state)
{
    Fixture f = {0};
    setup(&f, PROBE_TYPE, NULL);
    expect_offsets_past_the_map_reported_once(&f);
    teardown(&f);
}

static void test_probe_trace_names_levels(void **state)
{
    Fixture f = {0};
    setup(&f, PROBE_TYPE, NULL);
    devfix_expect_described(&f, 0, 0x21, false, "levels", "");
    devfix_expect_described(&f, 8, 0, false, "", "");
    teardown(&f);
}

static void test_probe_properties_are_checked(void **state)
{
    expect_create_error(PROBE_TYPE, DEVFIX_KV("inputs", "33"),
                        "dev.yaml:4:9: 'inputs' must be 1 to 32");
    expect_create_error(PROBE_TYPE, DEVFIX_KV("inputs", "2", "bad-access", "no"),
                        "dev.yaml:5:9: bad-access: 'no' is not fault or ignore");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_finisher_table_is_valid),
        cmocka_unit_test(test_finisher_table_as_described),
        cmocka_unit_test(test_finisher_pass_and_fail_with_a_code),
        cmocka_unit_test(test_finisher_is_write_only),
        cmocka_unit_test(test_finisher_reset_and_a_machine_that_cannot),
        cmocka_unit_test(test_finisher_takes_aligned_words_only),
        cmocka_unit_test(test_finisher_offsets_past_it_are_reported_once),
        cmocka_unit_test(test_finisher_trace_shows_status_and_code),
        cmocka_unit_test(test_finisher_bad_access_property_is_checked),
        cmocka_unit_test(test_probe_table_is_valid),
        cmocka_unit_test(test_probe_table_as_described),
        cmocka_unit_test(test_probe_levels_follow_the_inputs_and_ignore_writes),
        cmocka_unit_test(test_probe_takes_aligned_words_only),
        cmocka_unit_test(test_probe_offsets_past_it_are_reported_once),
        cmocka_unit_test(test_probe_trace_names_levels),
        cmocka_unit_test(test_probe_properties_are_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
