/* Properties as tables (soc/device.h DeviceProperty, peripherals/props.c):
 * every model lists what it understands with a help phrase, live only
 * where it has a set_property hook; create refuses a property its table
 * does not list, naming it at its place; set_property's check refuses an
 * unknown or fixed property naming it and the live ones; required
 * properties; lists of names; bare numbers with the messages board
 * entries get. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "peripherals/registry.h"

static const DeviceProperty TABLE[] = {
    {"speed", "how fast, in Hz; default 1", false},
    {"chardev", "the backend; default stdio", true},
    {"value", "what it reads; default 0", true},
    {0},
};

typedef struct Entry {
    BoardPeripheral desc;
    BoardProp props[4];
    DeviceHost host;
    DeviceConfig config;
} Entry;

/* An entry "dev0" of type "t,x" with "key", "value" pairs (NULL ended). */
static void entry(Entry *e, const char *const *kv)
{
    memset(e, 0, sizeof *e);
    size_t n = 0;
    for (; kv && kv[2 * n]; n++) {
        assert_true(n < 4);
        e->props[n] = (BoardProp){.key = (char *)kv[2 * n],
                                  .value = (char *)kv[2 * n + 1],
                                  .loc = {"d.yaml", 10 + (unsigned)n, 12}};
    }
    e->desc = (BoardPeripheral){.name = "dev0", .type = "t,x",
                                .props = e->props, .nprops = n,
                                .loc = {"d.yaml", 8, 7}};
    e->config = (DeviceConfig){.desc = &e->desc, .host = &e->host};
}

#define KV(...) ((const char *const[]){__VA_ARGS__, NULL})

static void check_error(bool ok, Error *err, const char *message)
{
    assert_false(ok);
    assert_non_null(err);
    if (strcmp(error_message(err), message) != 0)
        fail_msg("got '%s'\nexpected '%s'", error_message(err), message);
    error_free(err);
}

/* `call` fails (it takes &err) with `message`. */
#define EXPECT_ERROR(call, message)                                          \
    do {                                                                     \
        Error *err = NULL;                                                   \
        bool ok = (call);                                                    \
        check_error(ok, err, message);                                       \
    } while (0)

/* ---- every model's table ---- */

static void test_every_model_lists_its_properties(void **state)
{
    for (size_t i = 0; i < registry_count(); i++) {
        const PeripheralClass *cls = registry_at(i);
        if (!cls->properties)
            fail_msg("%s has no property table", cls->type);
        bool any_live = false;
        for (const DeviceProperty *p = cls->properties; p->name; p++) {
            if (!p->help || !*p->help)
                fail_msg("%s: '%s' has no help", cls->type, p->name);
            if (!strstr(p->help, "default") && !strstr(p->help, "required"))
                fail_msg("%s: '%s' help gives no default", cls->type, p->name);
            for (const DeviceProperty *q = cls->properties; q != p; q++)
                if (strcmp(p->name, q->name) == 0)
                    fail_msg("%s lists '%s' twice", cls->type, p->name);
            any_live |= p->live;
        }
        if (any_live != (cls->set_property != NULL))
            fail_msg("%s: live properties and set_property disagree",
                     cls->type);
    }
}

static void test_live_properties_are_the_expected_ones(void **state)
{
    static const struct { const char *type, *live; } expected[] = {
        {"sifive,uart0", "chardev"},
        {"ns16550a", "chardev"},
        {"memory-mapped-stub", "read-value"},
        {"sifive,gpio0", "inject"},
    };
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++) {
        const PeripheralClass *cls = registry_find(expected[i].type);
        assert_non_null(cls);
        size_t live = 0;
        for (const DeviceProperty *p = cls->properties; p->name; p++)
            if (p->live) {
                assert_string_equal(p->name, expected[i].live);
                live++;
            }
        assert_int_equal(live, 1);
    }
}

/* ---- device_check_props ---- */

static void test_check_props_accepts_what_the_table_lists(void **state)
{
    Entry e;
    entry(&e, KV("speed", "3", "value", "1"));
    assert_true(device_check_props(&e.config, TABLE, NULL));
    entry(&e, NULL);
    assert_true(device_check_props(&e.config, TABLE, NULL));
}

static void test_check_props_names_the_first_unknown_at_its_place(void **state)
{
    Entry e;
    entry(&e, KV("speed", "3", "baud", "9600", "parity", "odd"));
    EXPECT_ERROR(device_check_props(&e.config, TABLE, &err),
                 "d.yaml:11:12: unknown property 'baud' for t,x 'dev0'");
    static const DeviceProperty none[] = {{0}};
    EXPECT_ERROR(device_check_props(&e.config, none, &err),
                 "d.yaml:10:12: unknown property 'speed' for t,x 'dev0'");
}

/* ---- device_check_live ---- */

static void test_check_live(void **state)
{
    assert_true(device_check_live(TABLE, "t,x", "dev0", "chardev", NULL));
    assert_true(device_check_live(TABLE, "t,x", "dev0", "value", NULL));
    EXPECT_ERROR(device_check_live(TABLE, "t,x", "dev0", "speed", &err),
                 "property 'speed' of t,x 'dev0' cannot change while it runs "
                 "(live: chardev, value)");
    EXPECT_ERROR(device_check_live(TABLE, "t,x", "dev0", "baud", &err),
                 "unknown property 'baud' for t,x 'dev0'");
    static const DeviceProperty fixed[] = {{"a", "x; default 1", false}, {0}};
    EXPECT_ERROR(device_check_live(fixed, "t,x", "dev0", "a", &err),
                 "property 'a' of t,x 'dev0' cannot change while it runs "
                 "(live: none)");
}

/* ---- device_prop_required ---- */

static void test_required_property(void **state)
{
    Entry e;
    entry(&e, KV("speed", "3"));
    assert_true(device_prop_required(&e.config, "speed", NULL));
    EXPECT_ERROR(device_prop_required(&e.config, "value", &err),
                 "d.yaml:8:7: missing property 'value' for t,x 'dev0'");
}

/* ---- device_prop_names ---- */

static void test_names_split_at_white_space(void **state)
{
    Entry e;
    entry(&e, KV("targets", " flash\tboot  sram \n"));
    char **names = NULL;
    size_t n = 0;
    assert_true(device_prop_names(&e.config, "targets", 1, 8, &names, &n, NULL));
    assert_int_equal(n, 3);
    assert_string_equal(names[0], "flash");
    assert_string_equal(names[1], "boot");
    assert_string_equal(names[2], "sram");
    device_names_free(names, n);
    /* absent, and allowed to be */
    entry(&e, NULL);
    names = (char **)&e; /* overwritten */
    assert_true(device_prop_names(&e.config, "targets", 0, 8, &names, &n, NULL));
    assert_null(names);
    assert_int_equal(n, 0);
}

static void test_names_refused_with_their_place(void **state)
{
    Entry e;
    char **names;
    size_t n;
    entry(&e, KV("targets", "a b c"));
    EXPECT_ERROR(device_prop_names(&e.config, "targets", 1, 2, &names, &n,
                                   &err),
                 "d.yaml:10:12: 'targets' must list 1 to 2 names");
    entry(&e, KV("targets", "a b a"));
    EXPECT_ERROR(device_prop_names(&e.config, "targets", 1, 8, &names, &n,
                                   &err),
                 "d.yaml:10:12: 'targets' lists 'a' twice");
    entry(&e, KV("targets", ""));
    EXPECT_ERROR(device_prop_names(&e.config, "targets", 1, 8, &names, &n,
                                   &err),
                 "d.yaml:10:12: 'targets' must list 1 to 8 names");
    entry(&e, NULL);
    EXPECT_ERROR(device_prop_names(&e.config, "targets", 1, 8, &names, &n,
                                   &err),
                 "d.yaml:8:7: 'targets' must list 1 to 8 names");
}

/* A list far longer than allowed is refused and leaves nothing
 * allocated (ASan would see it). */
static void test_a_huge_list_is_refused(void **state)
{
    size_t len = 200000;
    char *text = malloc(len + 1);
    for (size_t i = 0; i < len; i += 2) {
        text[i] = 'x';
        text[i + 1] = ' ';
    }
    text[len] = '\0';
    Entry e;
    entry(&e, KV("targets", text));
    char **names;
    size_t n;
    EXPECT_ERROR(device_prop_names(&e.config, "targets", 1, 8, &names, &n,
                                   &err),
                 "d.yaml:10:12: 'targets' must list 1 to 8 names");
    free(text);
}

/* ---- bare numbers ---- */

static void test_parse_u64_range_gives_the_board_messages(void **state)
{
    uint64_t v = 0;
    assert_true(device_parse_u64_range("read-value", "0x10", 0, 0xffffffff, &v,
                                       NULL));
    assert_int_equal(v, 16);
    EXPECT_ERROR(device_parse_u64_range("read-value", "ten", 0, 5, &v, &err),
                 "read-value: 'ten' is not a number");
    EXPECT_ERROR(device_parse_u64_range("inputs", "40", 1, 32, &v, &err),
                 "'inputs' must be 1 to 32");
    EXPECT_ERROR(device_parse_u64_range("read-value", "0x100000000", 0,
                                        0xffffffff, &v, &err),
                 "'read-value' must be 0 to 0xffffffff");
    assert_int_equal(v, 16); /* untouched by the failures */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_model_lists_its_properties),
        cmocka_unit_test(test_live_properties_are_the_expected_ones),
        cmocka_unit_test(test_check_props_accepts_what_the_table_lists),
        cmocka_unit_test(test_check_props_names_the_first_unknown_at_its_place),
        cmocka_unit_test(test_check_live),
        cmocka_unit_test(test_required_property),
        cmocka_unit_test(test_names_split_at_white_space),
        cmocka_unit_test(test_names_refused_with_their_place),
        cmocka_unit_test(test_a_huge_list_is_refused),
        cmocka_unit_test(test_parse_u64_range_gives_the_board_messages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
