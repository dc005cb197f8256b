/* Devices behind a bus controller (peripherals/bus_device.c): the value
 * `TYPE KEY=VALUE...` parsed, malformed ones refused at the controller
 * property's place with nothing leaked, the controller's KEY.PROP entries
 * overriding the value's, replacement that changes nothing when it
 * fails, and the controller's own property check (props.c) taking
 * KEY.PROP only for a KEY that holds a bus device. Leaks are the
 * sanitizer's to catch. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "peripherals/bus_device.h"
#include "peripherals/registry.h"

/* A controller entry, as a board gives it: its props at board.yaml:L:5. */
typedef struct Ctrl {
    BoardPeripheral desc;
    BoardProp props[4];
    DeviceHost host;
    DeviceConfig config;
} Ctrl;

static const DeviceProperty CTRL_PROPS[] = {
    {"dev0", "a target", true},
    {"clock-frequency", "Hz", false},
    {0},
};

/* "key", "value" pairs, NULL ended; the controller is named `name`. */
static void ctrl(Ctrl *c, const char *name, const char *const *kv)
{
    memset(c, 0, sizeof *c);
    size_t n = 0;
    for (; kv && kv[2 * n]; n++) {
        assert_true(n < 4);
        c->props[n] = (BoardProp){.key = (char *)kv[2 * n],
                                  .value = (char *)kv[2 * n + 1],
                                  .loc = {"board.yaml", (unsigned)n + 3, 5}};
    }
    c->desc = (BoardPeripheral){.name = (char *)name, .type = "t,ctrl",
                                .props = c->props, .nprops = n,
                                .loc = {"board.yaml", 2, 3}};
    c->config = (DeviceConfig){.desc = &c->desc, .host = &c->host};
}

#define KV(...) ((const char *const[]){__VA_ARGS__, NULL})

/* Creating dev0 fails with exactly `expected`, leaving the slot empty. */
static void expect_create_error(const char *const *kv, const char *expected)
{
    Ctrl c;
    ctrl(&c, "i2c0", kv);
    BusDevice bd = {(const BusDeviceClass *)1, (void *)1};
    Error *err = NULL;
    assert_false(bus_device_create(&c.config, "dev0", "i2c", &bd, &err));
    assert_non_null(err);
    if (strcmp(error_message(err), expected) != 0)
        fail_msg("got      '%s'\nexpected '%s'", error_message(err), expected);
    error_free(err);
    assert_null(bd.cls);
}

static void test_empty_values_attach_nothing(void **state)
{
    static const char *const values[] = {"", "   ", "\t \n"};
    for (size_t i = 0; i < 3; i++) {
        Ctrl c;
        ctrl(&c, "i2c0", KV("dev0", values[i]));
        BusDevice bd;
        Error *err = NULL;
        assert_true(bus_device_create(&c.config, "dev0", "i2c", &bd, &err));
        assert_null(bd.cls);
    }
    Ctrl c;
    ctrl(&c, "i2c0", NULL);
    BusDevice bd;
    Error *err = NULL;
    assert_true(bus_device_create(&c.config, "dev0", "i2c", &bd, &err));
    assert_null(bd.cls);
}

static void test_malformed_values_are_refused_at_their_place(void **state)
{
    expect_create_error(KV("dev0", "=x"),
                        "board.yaml:3:5: 'i2c0.dev0': no i2c device model '=x' "
                        "(see 'info types')");
    expect_create_error(KV("dev0", "nosuch address=0x48"),
                        "board.yaml:3:5: 'i2c0.dev0': no i2c device model 'nosuch' "
                        "(see 'info types')");
    expect_create_error(KV("dev0", "spi-flash"),
                        "board.yaml:3:5: 'i2c0.dev0': 'spi-flash' is a spi device, "
                        "not a i2c one");
    expect_create_error(KV("dev0", "lm75 =5"),
                        "board.yaml:3:5: '=5' is not KEY=VALUE");
    expect_create_error(KV("dev0", "lm75 address=0x48 stray"),
                        "board.yaml:3:5: 'stray' is not KEY=VALUE");
    expect_create_error(KV("dev0", "lm75 a="),
                        "board.yaml:3:5: unknown property 'a' for lm75 'i2c0.dev0'");
    expect_create_error(KV("dev0", "lm75 address=0x200"),
                        "board.yaml:3:5: 'address' must be 0x08 to 0x77 (a 7-bit "
                        "I2C address)");
}

/* A controller with a long name: the device is named in full. */
static void test_long_names_are_kept_whole(void **state)
{
    char name[301];
    memset(name, 'n', 300);
    name[300] = '\0';
    Ctrl c;
    ctrl(&c, name, KV("dev0", "nosuch"));
    BusDevice bd;
    Error *err = NULL;
    assert_false(bus_device_create(&c.config, "dev0", "i2c", &bd, &err));
    char expected[400];
    snprintf(expected, sizeof expected, "'%s.dev0': no i2c device model", name);
    if (!strstr(error_message(err), expected))
        fail_msg("got '%s'", error_message(err));
    error_free(err);
    /* and while running (a controller's set_property) */
    err = NULL;
    bd = (BusDevice){0};
    assert_false(bus_device_set(&bd, name, "dev0", "i2c", NULL, &c.host, NULL, "nosuch",
                                &err));
    if (!strstr(error_message(err), expected))
        fail_msg("got '%s'", error_message(err));
    error_free(err);
    err = NULL;
    assert_false(bus_device_set(&bd, name, "dev0", "i2c", NULL, &c.host, "temperature",
                                "1", &err));
    snprintf(expected, sizeof expected, "'%s.dev0' has no device attached", name);
    assert_string_equal(error_message(err), expected);
    error_free(err);
}

/* The controller's dev0.PROP overrides PROP in dev0's value, with its
 * own place. */
static void test_key_prop_entries_override_the_value(void **state)
{
    Ctrl c;
    ctrl(&c, "i2c0", KV("dev0", "lm75 temperature=20", "dev0.temperature", "900"));
    BusDevice bd;
    Error *err = NULL;
    assert_false(bus_device_create(&c.config, "dev0", "i2c", &bd, &err));
    assert_non_null(strstr(error_message(err), "board.yaml:4:5: "));
    error_free(err);
    ctrl(&c, "i2c0", KV("dev0", "lm75 temperature=900", "dev0.temperature", "20"));
    assert_true(bus_device_create(&c.config, "dev0", "i2c", &bd, &err));
    assert_string_equal(bd.cls->type, "lm75");
    bus_device_destroy(&bd);
}

static void test_set_replaces_only_once_the_new_one_is_built(void **state)
{
    Ctrl c;
    ctrl(&c, "i2c0", KV("dev0", "lm75"));
    BusDevice bd;
    Error *err = NULL;
    assert_true(bus_device_create(&c.config, "dev0", "i2c", &bd, &err));
    void *old = bd.dev;
    assert_false(bus_device_set(&bd, "i2c0", "dev0", "i2c", NULL, &c.host, NULL,
                                "lm75 address=1", &err));
    error_free(err);
    err = NULL;
    assert_ptr_equal(bd.dev, old);
    assert_false(bus_device_set(&bd, "i2c0", "dev0", "i2c", NULL, &c.host, NULL,
                                "lm75 address=0x49 x", &err));
    assert_string_equal(error_message(err), "'x' is not KEY=VALUE");
    error_free(err);
    err = NULL;
    assert_ptr_equal(bd.dev, old);
    assert_false(bus_device_set(&bd, "i2c0", "dev0", "i2c", NULL, &c.host,
                                "address", "0x49", &err));
    assert_non_null(strstr(error_message(err), "cannot change while it runs"));
    error_free(err);
    err = NULL;
    assert_true(bus_device_set(&bd, "i2c0", "dev0", "i2c", NULL, &c.host, NULL, " ",
                               &err));
    assert_null(bd.cls);
    assert_false(bus_device_set(&bd, "i2c0", "dev0", "i2c", NULL, &c.host,
                                "temperature", "20", &err));
    assert_string_equal(error_message(err), "'i2c0.dev0' has no device attached");
    error_free(err);
}

/* KEY.PROP is a property of the device at KEY: the controller's check
 * takes it only when KEY holds a bus device (otherwise a typo on any
 * model's property, "clock-frequency.x", would be silently ignored). */
static void test_controller_takes_key_prop_only_for_a_device(void **state)
{
    Ctrl c;
    Error *err = NULL;
    ctrl(&c, "i2c0", KV("dev0", "lm75", "dev0.temperature", "20"));
    assert_true(device_check_props(&c.config, CTRL_PROPS, &err));
    ctrl(&c, "i2c0", KV("clock-frequency", "1000", "clock-frequency.x", "1"));
    assert_false(device_check_props(&c.config, CTRL_PROPS, &err));
    assert_string_equal(error_message(err), "board.yaml:4:5: unknown property "
                        "'clock-frequency.x' for t,ctrl 'i2c0'");
    error_free(err);
    err = NULL;
    ctrl(&c, "i2c0", KV("dev0.temperature", "20"));
    assert_false(device_check_props(&c.config, CTRL_PROPS, &err));
    assert_string_equal(error_message(err), "board.yaml:3:5: property "
                        "'dev0.temperature' for t,ctrl 'i2c0': no device at 'dev0'");
    error_free(err);
    err = NULL;
    ctrl(&c, "i2c0", KV("dev0", "", "dev0.temperature", "20"));
    assert_false(device_check_props(&c.config, CTRL_PROPS, &err));
    assert_string_equal(error_message(err), "board.yaml:4:5: property "
                        "'dev0.temperature' for t,ctrl 'i2c0': no device at 'dev0'");
    error_free(err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_values_attach_nothing),
        cmocka_unit_test(test_malformed_values_are_refused_at_their_place),
        cmocka_unit_test(test_long_names_are_kept_whole),
        cmocka_unit_test(test_key_prop_entries_override_the_value),
        cmocka_unit_test(test_set_replaces_only_once_the_new_one_is_built),
        cmocka_unit_test(test_controller_takes_key_prop_only_for_a_device),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
