/* The power controller (peripherals/power_controller.c), built through
 * its registry class on tests/unit/device_fixture.h, its host's power
 * hook recording each call and refusing the domains a test names:
 * registers at reset, a write asks the machine for exactly the domains
 * whose bit changes, status follows the machine's answers, a refused
 * request sets its error bit, is reported and is asked again by the same
 * write, status and error are read-only, bits past the last domain read
 * 0, aligned words only, reset, and the refusals at create with their
 * place and nothing left behind. The register table (peripherals/regs.h):
 * its text, the values peeks show at reset, offsets without a register,
 * bad accesses under `bad-access: ignore`, and the names traces print. */
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

#define BASE 0x10050000u
#define POWER 0x0
#define STATUS 0x4
#define ERRORS 0x8

/* The device fixture, and the power calls its host records. */
typedef struct Fixture {
    DevFixture d;       /* first: the hooks' opaque */
    const char *refuse; /* the domain whose requests fail */
    char calls[512];    /* "NAME on|off\n" per power call */
} Fixture;

static bool power(void *opaque, const char *name, bool on, Error **errp)
{
    Fixture *f = opaque;
    size_t used = strlen(f->calls);
    assert_true(used + strlen(name) + 6 < sizeof f->calls);
    snprintf(f->calls + used, sizeof f->calls - used, "%s %s\n", name,
             on ? "on" : "off");
    if (f->refuse && strcmp(name, f->refuse) == 0) {
        error_setf(errp, "'%s' is the target of 'remap.window'", name);
        return false;
    }
    return true;
}

/* Creates "pwr" with `domains` (NULL: no property) and then `key`,
 * `value` unless NULL; `with_power` offers the power hook. */
static bool try_create(Fixture *f, const char *domains, bool with_power,
                       const char *key, const char *value, Error **errp)
{
    devfix_setup(&f->d, 0);
    f->d.host.power = with_power ? power : NULL;
    return devfix_try_create(&f->d, "mcusim,power-controller", "pwr", BASE, 0,
                             domains ? DEVFIX_KV("domains", domains, key, value)
                                     : NULL,
                             errp);
}

static void setup_with(Fixture *f, const char *domains, bool with_power)
{
    Error *err = NULL;
    if (!try_create(f, domains, with_power, NULL, NULL, &err))
        fail_msg("create: %s", error_message(err));
}

static void setup(Fixture *f)
{
    setup_with(f, "uart0 gpio0 spi0", true);
}

static void teardown(Fixture *f) { devfix_teardown(&f->d); }

static uint32_t rd(Fixture *f, uint32_t off) { return devfix_read(&f->d, off, 4); }
static void wr(Fixture *f, uint32_t off, uint32_t v) { devfix_write(&f->d, off, 4, v); }

/* ---- tests ---- */

static void test_class_declares_domains(void **state)
{
    const PeripheralClass *cls = registry_find("mcusim,power-controller");
    assert_non_null(cls);
    assert_int_equal(cls->default_size, 0x1000);
    assert_int_equal(cls->min_size, 0xc);
    assert_int_equal(cls->irq_outputs, 0);
    assert_null(cls->set_property);
    assert_string_equal(cls->properties[0].name, "domains");
    assert_false(cls->properties[0].live);
    assert_string_equal(cls->properties[1].name, "bad-access");
    assert_false(cls->properties[1].live);
    assert_null(cls->properties[2].name);
    assert_non_null(cls->registers);
}

/* The table as `info types` prints it: names, offsets, access kinds and
 * reset values (power's and status's all ones stand for every domain). */
static void test_register_table(void **state)
{
    char *text = devfix_table_text("mcusim,power-controller");
    assert_string_equal(text,
        "    0x0000 power            32-bit rw         reset 0xffffffff\n"
        "    0x0004 status           32-bit ro         reset 0xffffffff\n"
        "    0x0008 error            32-bit ro         reset 0x0\n");
    free(text);
}

/* Peeks (the debugger's reads) show each register's reset value and
 * report nothing; with 2 domains the bits past them read 0, even written
 * as ones. */
static void test_peeks_show_the_reset_values(void **state)
{
    Fixture f = {0};
    setup_with(&f, "uart0 gpio0", true);
    assert_int_equal(devfix_peek(&f.d, POWER, 4), 0x3);
    assert_int_equal(devfix_peek(&f.d, STATUS, 4), 0x3);
    assert_int_equal(devfix_peek(&f.d, ERRORS, 4), 0);
    assert_int_equal(devfix_peek(&f.d, 0xc, 4), 0);
    assert_int_equal(devfix_peek(&f.d, POWER + 1, 1), 0);
    assert_string_equal(f.d.log, "");
    wr(&f, POWER, 0xffffffff); /* reads back the domains' bits */
    assert_int_equal(rd(&f, POWER), 0x3);
    assert_string_equal(f.calls, "");
    teardown(&f);
}

static void test_registers_at_reset(void **state)
{
    Fixture f = {0};
    setup(&f);
    assert_int_equal(rd(&f, POWER), 0x7);
    assert_int_equal(rd(&f, STATUS), 0x7);
    assert_int_equal(rd(&f, ERRORS), 0);
    assert_int_equal(rd(&f, 0xc), 0);
    assert_int_equal(rd(&f, 0xffc), 0);
    assert_string_equal(f.calls, "");
    teardown(&f);
}

static void test_a_write_asks_for_the_changed_domains_only(void **state)
{
    Fixture f = {0};
    setup(&f);
    wr(&f, POWER, 0x5); /* gpio0 off */
    assert_string_equal(f.calls, "gpio0 off\n");
    assert_int_equal(rd(&f, POWER), 0x5);
    assert_int_equal(rd(&f, STATUS), 0x5);
    wr(&f, POWER, 0x5);
    assert_string_equal(f.calls, "gpio0 off\n"); /* nothing changed */
    wr(&f, POWER, 0xfffffffa); /* bits 3 and up name no domain */
    assert_string_equal(f.calls, "gpio0 off\nuart0 off\ngpio0 on\nspi0 off\n");
    assert_int_equal(rd(&f, POWER), 0x2);
    assert_int_equal(rd(&f, STATUS), 0x2);
    assert_int_equal(rd(&f, ERRORS), 0);
    assert_string_equal(f.d.log, "");
    teardown(&f);
}

static void test_a_refused_request_sets_its_error_bit(void **state)
{
    Fixture f = {.refuse = "spi0"};
    setup(&f);
    wr(&f, POWER, 0x3); /* spi0 off: refused */
    assert_string_equal(f.calls, "spi0 off\n");
    assert_int_equal(rd(&f, POWER), 0x3);
    assert_int_equal(rd(&f, STATUS), 0x7); /* still powered */
    assert_int_equal(rd(&f, ERRORS), 0x4);
    assert_string_equal(f.d.log, "pwr: powering 'spi0' off failed: 'spi0' is "
                               "the target of 'remap.window'\n");
    wr(&f, POWER, 0x2); /* uart0 off; spi0 asked again */
    assert_string_equal(f.calls, "spi0 off\nuart0 off\nspi0 off\n");
    assert_int_equal(rd(&f, STATUS), 0x6);
    assert_int_equal(rd(&f, ERRORS), 0x4);
    f.refuse = NULL;
    wr(&f, POWER, 0x2);
    assert_int_equal(rd(&f, STATUS), 0x2);
    assert_int_equal(rd(&f, ERRORS), 0); /* the last request succeeded */
    teardown(&f);
}

static void test_status_and_error_are_read_only(void **state)
{
    Fixture f = {.refuse = "uart0"};
    setup(&f);
    wr(&f, POWER, 0x6);
    wr(&f, STATUS, 0);
    wr(&f, ERRORS, 0);
    assert_int_equal(rd(&f, STATUS), 0x7);
    assert_int_equal(rd(&f, ERRORS), 0x1);
    assert_non_null(strstr(f.d.log, "pwr: write of 0x0 to read-only status ignored\n"
                                  "pwr: write of 0x0 to read-only error ignored\n"));
    assert_string_equal(f.calls, "uart0 off\n");
    teardown(&f);
}

static void test_without_a_machine_every_request_fails(void **state)
{
    Fixture f = {0};
    setup_with(&f, "uart0", false);
    wr(&f, POWER, 0);
    assert_int_equal(rd(&f, STATUS), 1);
    assert_int_equal(rd(&f, ERRORS), 1);
    assert_string_equal(f.d.log, "pwr: powering 'uart0' off failed: the "
                               "machine cannot power peripherals\n");
    teardown(&f);
}

static void test_32_domains_use_every_bit(void **state)
{
    char names[32 * 4] = "";
    for (int i = 0; i < 32; i++)
        snprintf(names + strlen(names), sizeof names - strlen(names), "d%d ", i);
    Fixture f = {0};
    setup_with(&f, names, true);
    assert_int_equal(rd(&f, POWER), 0xffffffff);
    assert_int_equal(rd(&f, STATUS), 0xffffffff);
    wr(&f, POWER, 0x7fffffff);
    assert_string_equal(f.calls, "d31 off\n");
    assert_int_equal(rd(&f, STATUS), 0x7fffffff);
    teardown(&f);
}

static void test_only_aligned_words(void **state)
{
    Fixture f = {0};
    setup(&f);
    uint32_t v;
    assert_int_equal(devfix_try_read(&f.d, POWER, 1, &v), MEM_BUS_ERROR);
    assert_int_equal(devfix_try_read(&f.d, POWER + 2, 2, &v), MEM_BUS_ERROR);
    assert_int_equal(devfix_try_read(&f.d, STATUS + 2, 4, &v), MEM_BUS_ERROR);
    assert_int_equal(devfix_try_write(&f.d, POWER, 1, 0), MEM_BUS_ERROR);
    assert_int_equal(devfix_try_write(&f.d, POWER + 2, 2, 0), MEM_BUS_ERROR);
    assert_int_equal(devfix_try_write(&f.d, POWER + 1, 4, 0), MEM_BUS_ERROR);
    assert_string_equal(f.calls, "");
    assert_int_equal(rd(&f, POWER), 0x7);
    assert_string_equal(f.d.log, "");
    teardown(&f);
}

/* `bad-access: ignore`: the same accesses read 0, change nothing and ask
 * for nothing, each reported once. */
static void test_bad_accesses_ignored_when_asked(void **state)
{
    Fixture f = {0};
    Error *err = NULL;
    if (!try_create(&f, "uart0 gpio0 spi0", true, "bad-access", "ignore", &err))
        fail_msg("create: %s", error_message(err));
    for (int i = 0; i < 2; i++) {
        assert_int_equal(devfix_read(&f.d, POWER, 1), 0);
        assert_int_equal(devfix_read(&f.d, STATUS + 2, 2), 0);
        assert_int_equal(devfix_read(&f.d, ERRORS + 1, 4), 0);
        devfix_write(&f.d, POWER, 2, 0);
        devfix_write(&f.d, POWER + 2, 4, 0);
    }
    assert_int_equal(rd(&f, POWER), 0x7);
    assert_int_equal(rd(&f, STATUS), 0x7);
    assert_string_equal(f.calls, "");
    assert_string_equal(f.d.log,
        "pwr: 1-byte read at +0x0 ignored: power is a 4-byte register\n"
        "pwr: 2-byte read at +0x6 ignored: status is a 4-byte register\n"
        "pwr: 4-byte read at +0x9 ignored: error is a 4-byte register\n"
        "pwr: 2-byte write at +0x0 ignored: power is a 4-byte register\n"
        "pwr: 4-byte write at +0x2 ignored: power is a 4-byte register\n");
    teardown(&f);
}

/* Past error: reads 0, writes ignored, each offset reported once per
 * direction. */
static void test_offsets_without_a_register(void **state)
{
    Fixture f = {0};
    setup(&f);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(rd(&f, 0xc), 0);
        wr(&f, 0xffc, 0xffffffff);
    }
    assert_int_equal(rd(&f, 0xffc), 0);
    assert_string_equal(f.d.log,
        "pwr: read at +0xc: no register there\n"
        "pwr: write of 0xffffffff at +0xffc ignored: no register there\n"
        "pwr: read at +0xffc: no register there\n");
    assert_string_equal(f.calls, "");
    teardown(&f);
}

/* What --trace mmio names: the register (no fields: its bits are the
 * domains the board names), nothing where there is none. */
static void test_traces_name_the_registers(void **state)
{
    Fixture f = {0};
    setup(&f);
    static const struct { uint64_t offset; const char *name; } regs[] = {
        {POWER, "power"}, {STATUS, "status"}, {ERRORS, "error"}, {0xc, ""},
    };
    for (size_t i = 0; i < sizeof regs / sizeof regs[0]; i++) {
        char name[64], fields[64];
        memory_region_describe_access(f.d.dev.region, regs[i].offset, 0x5, true,
                                      name, sizeof name, fields, sizeof fields);
        assert_string_equal(name, regs[i].name);
        assert_string_equal(fields, "");
    }
    teardown(&f);
}

/* A machine reset re-creates nothing: power reads back status, and the
 * error bits clear; no request is made. */
static void test_reset_keeps_the_domains(void **state)
{
    Fixture f = {.refuse = "spi0"};
    setup(&f);
    wr(&f, POWER, 0x2); /* uart0 off, spi0 refused */
    f.d.cls->reset(f.d.dev.state);
    assert_int_equal(rd(&f, POWER), 0x6);
    assert_int_equal(rd(&f, STATUS), 0x6);
    assert_int_equal(rd(&f, ERRORS), 0);
    assert_string_equal(f.calls, "uart0 off\nspi0 off\n");
    teardown(&f);
}

static void expect_create_error(const char *domains, const char *key,
                                const char *value, const char *message)
{
    Fixture f = {0};
    Error *err = NULL;
    assert_false(try_create(&f, domains, true, key, value, &err));
    assert_non_null(err);
    devfix_expect_error(err, message);
    teardown(&f);
}

static void test_create_refusals_name_their_place(void **state)
{
    expect_create_error(NULL, NULL, NULL,
                        "dev.yaml:2:7: missing property 'domains' for "
                        "mcusim,power-controller 'pwr'");
    expect_create_error(" \t", NULL, NULL,
                        "dev.yaml:4:9: 'domains' must list 1 to 32 names");
    expect_create_error("uart0 pwr", NULL, NULL,
                        "dev.yaml:4:9: 'domains' names 'pwr' itself: a power "
                        "controller cannot power itself");
    expect_create_error("uart0 gpio0 uart0", NULL, NULL,
                        "dev.yaml:4:9: 'domains' lists 'uart0' twice");
    char names[33 * 4] = "";
    for (int i = 0; i < 33; i++)
        snprintf(names + strlen(names), sizeof names - strlen(names), "d%d ", i);
    expect_create_error(names, NULL, NULL,
                        "dev.yaml:4:9: 'domains' must list 1 to 32 names");
    expect_create_error("uart0", "delay", "5",
                        "dev.yaml:5:9: unknown property 'delay' for "
                        "mcusim,power-controller 'pwr'");
    expect_create_error("uart0", "bad-access", "warn",
                        "dev.yaml:5:9: bad-access: 'warn' is not fault or "
                        "ignore");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_class_declares_domains),
        cmocka_unit_test(test_register_table),
        cmocka_unit_test(test_peeks_show_the_reset_values),
        cmocka_unit_test(test_registers_at_reset),
        cmocka_unit_test(test_a_write_asks_for_the_changed_domains_only),
        cmocka_unit_test(test_a_refused_request_sets_its_error_bit),
        cmocka_unit_test(test_status_and_error_are_read_only),
        cmocka_unit_test(test_without_a_machine_every_request_fails),
        cmocka_unit_test(test_32_domains_use_every_bit),
        cmocka_unit_test(test_only_aligned_words),
        cmocka_unit_test(test_bad_accesses_ignored_when_asked),
        cmocka_unit_test(test_offsets_without_a_register),
        cmocka_unit_test(test_traces_name_the_registers),
        cmocka_unit_test(test_reset_keeps_the_domains),
        cmocka_unit_test(test_create_refusals_name_their_place),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
