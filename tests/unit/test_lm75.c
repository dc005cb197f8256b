/* The LM75B temperature sensor (peripherals/lm75.c) as an I2C target,
 * driven byte by byte through its I2cDeviceOps, built the way a
 * controller builds it (bus_device_create from a controller's `dev0`
 * property): the registers at power-up (table 5 of the data sheet), the
 * temperature property's encoding (11-bit two's complement, 0.125 degC,
 * rounding, range) and its errors with file:line:col, the pointer (kept
 * across transactions), reads and writes of each register, shutdown
 * holding the last conversion, and the live `temperature`. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "peripherals/bus_device.h"
#include "peripherals/i2c_bus.h"

enum { TEMP = 0, CONF = 1, THYST = 2, TOS = 3 };

typedef struct Sensor {
    BusDevice bd;
    const I2cDeviceOps *ops;
} Sensor;

/* A controller entry "i2c0" whose dev0 property (at b.yaml:7:5) is
 * `value`. */
static bool try_make(Sensor *s, const char *value, Error **errp)
{
    BoardProp prop = {.key = "dev0", .value = (char *)value,
                      .loc = {"b.yaml", 7, 5}};
    BoardPeripheral desc = {.name = "i2c0", .type = "sifive,i2c0",
                            .props = &prop, .nprops = 1,
                            .loc = {"b.yaml", 3, 7}};
    DeviceConfig ctrl = {.desc = &desc};
    *s = (Sensor){0};
    if (!bus_device_create(&ctrl, "dev0", "i2c", &s->bd, errp))
        return false;
    assert_non_null(s->bd.cls);
    s->ops = s->bd.cls->ops;
    return true;
}

static void make(Sensor *s, const char *value)
{
    Error *err = NULL;
    if (!try_make(s, value, &err))
        fail_msg("%s: %s", value, error_message(err));
}

static void expect_make_error(const char *value, const char *message)
{
    Sensor s;
    Error *err = NULL;
    assert_false(try_make(&s, value, &err));
    assert_null(s.bd.cls);
    assert_non_null(err);
    if (strcmp(error_message(err), message) != 0)
        fail_msg("%s: got '%s', expected '%s'", value, error_message(err), message);
    error_free(err);
}

static void drop(Sensor *s)
{
    bus_device_destroy(&s->bd);
}

/* A write transaction: the bytes, each acknowledged, then STOP. */
static void write_bytes(Sensor *s, const uint8_t *bytes, size_t n)
{
    assert_true(s->ops->start(s->bd.dev, false));
    for (size_t i = 0; i < n; i++)
        assert_true(s->ops->write(s->bd.dev, bytes[i]));
    s->ops->stop(s->bd.dev);
}

static void set_pointer(Sensor *s, uint8_t pointer)
{
    write_bytes(s, &pointer, 1);
}

/* A read transaction of n bytes from where the pointer is. */
static void read_bytes(Sensor *s, uint8_t *out, size_t n)
{
    assert_true(s->ops->start(s->bd.dev, true));
    for (size_t i = 0; i < n; i++)
        out[i] = s->ops->read(s->bd.dev);
    s->ops->stop(s->bd.dev);
}

static uint16_t read16(Sensor *s, uint8_t pointer)
{
    uint8_t b[2];
    set_pointer(s, pointer);
    read_bytes(s, b, 2);
    return (uint16_t)(b[0] << 8 | b[1]);
}

static uint16_t temp_of(const char *temperature)
{
    char spec[64];
    snprintf(spec, sizeof spec, "lm75 temperature=%s", temperature);
    Sensor s;
    make(&s, spec);
    uint16_t v = read16(&s, TEMP);
    drop(&s);
    return v;
}

static void live_set(Sensor *s, const char *prop, const char *value)
{
    Error *err = NULL;
    if (!bus_device_set(&s->bd, "i2c0", "dev0", "i2c", NULL, NULL, prop, value, &err))
        fail_msg("set %s: %s", prop, error_message(err));
}

/* ---- tests ---- */

static void test_the_model_is_an_i2c_bus_device(void **state)
{
    const BusDeviceClass *cls = NULL;
    for (size_t i = 0; i < bus_device_count(); i++)
        if (strcmp(bus_device_at(i)->type, "lm75") == 0)
            cls = bus_device_at(i);
    assert_non_null(cls);
    assert_string_equal(cls->bus, "i2c");
    const I2cDeviceOps *ops = cls->ops;
    assert_non_null(ops->address);
    assert_non_null(ops->start);
    assert_non_null(ops->write);
    assert_non_null(ops->read);
    assert_non_null(ops->stop);
    assert_string_equal(cls->properties[0].name, "address");
    assert_false(cls->properties[0].live);
    assert_string_equal(cls->properties[1].name, "temperature");
    assert_true(cls->properties[1].live);
    assert_null(cls->properties[2].name);
}

static void test_registers_at_power_up(void **state)
{
    Sensor s;
    make(&s, "lm75");
    assert_int_equal(s.ops->address(s.bd.dev), 0x48);
    /* the pointer starts at temp: a read needs no pointer first */
    uint8_t b[2];
    read_bytes(&s, b, 2);
    assert_int_equal(b[0], 0x19); /* 25 degC, the default */
    assert_int_equal(b[1], 0x00);
    assert_int_equal(read16(&s, THYST), 0x4b00); /* 75 degC */
    assert_int_equal(read16(&s, TOS), 0x5000);   /* 80 degC */
    set_pointer(&s, CONF);
    read_bytes(&s, b, 1);
    assert_int_equal(b[0], 0x00);
    drop(&s);
}

static void test_temperature_encoding(void **state)
{
    static const struct {
        const char *text;
        uint16_t reg;
    } cases[] = {
        {"21.5", 0x1580},   {"-10.25", 0xf5c0}, {"125", 0x7d00},
        {"-55", 0xc900},    {"0", 0x0000},      {"0.125", 0x0020},
        {"-0.125", 0xffe0}, {"+3", 0x0300},     {"-0", 0x0000},
        /* to the nearest 0.125, halves away from zero */
        {"0.0625", 0x0020}, {"-0.0625", 0xffe0}, {"0.0624", 0x0000},
        {"24.9375", 0x1900}, {"30.06", 0x1e00},  {"30.07", 0x1e20},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint16_t got = temp_of(cases[i].text);
        if (got != cases[i].reg)
            fail_msg("%s: 0x%04x, expected 0x%04x", cases[i].text, got,
                     cases[i].reg);
    }
}

static void test_bad_properties_name_their_place(void **state)
{
    static const char *const not_numbers[] = {
        "hot", "", "1e2", "0x10", "21.", ".5", "21.12345", "nan", "-", "+-3",
    };
    char spec[64], message[160];
    for (size_t i = 0; i < sizeof not_numbers / sizeof not_numbers[0]; i++) {
        snprintf(spec, sizeof spec, "lm75 temperature=%s", not_numbers[i]);
        snprintf(message, sizeof message, "b.yaml:7:5: 'temperature' '%s' is not "
                 "a number of degrees C (e.g. 21.5 or -10.25)", not_numbers[i]);
        expect_make_error(spec, message);
    }
    expect_make_error("lm75 temperature=2 1", "b.yaml:7:5: '1' is not KEY=VALUE");
    expect_make_error("lm75 temperature=99999999999999999999",
                      "b.yaml:7:5: 'temperature' must be -55 to 125 (degrees C)");
    expect_make_error("lm75 temperature=125.0001",
                      "b.yaml:7:5: 'temperature' must be -55 to 125 (degrees C)");
    expect_make_error("lm75 temperature=-55.0001",
                      "b.yaml:7:5: 'temperature' must be -55 to 125 (degrees C)");
    expect_make_error("lm75 address=0x07", "b.yaml:7:5: 'address' must be 0x08 "
                      "to 0x77 (a 7-bit I2C address)");
    expect_make_error("lm75 address=0x78", "b.yaml:7:5: 'address' must be 0x08 "
                      "to 0x77 (a 7-bit I2C address)");
    expect_make_error("lm75 speed=1", "b.yaml:7:5: unknown property 'speed' for "
                      "lm75 'i2c0.dev0'");
    Sensor s;
    make(&s, "lm75 address=0x08");
    assert_int_equal(s.ops->address(s.bd.dev), 0x08);
    drop(&s);
    make(&s, "lm75 address=0x77");
    assert_int_equal(s.ops->address(s.bd.dev), 0x77);
    drop(&s);
}

static void test_pointer_is_kept_and_its_upper_bits_ignored(void **state)
{
    Sensor s;
    make(&s, "lm75");
    set_pointer(&s, 0x07); /* tos: bits 7:2 must be 0, only 1:0 count */
    uint8_t b[2];
    read_bytes(&s, b, 2);
    assert_int_equal(b[0], 0x50);
    read_bytes(&s, b, 2); /* a second transaction: still tos */
    assert_int_equal(b[0], 0x50);
    drop(&s);
}

static void test_reads_repeat_the_register(void **state)
{
    Sensor s;
    make(&s, "lm75 temperature=-10.25");
    uint8_t b[5];
    read_bytes(&s, b, 5);
    static const uint8_t temp[5] = {0xf5, 0xc0, 0xf5, 0xc0, 0xf5};
    assert_memory_equal(b, temp, 5);
    read_bytes(&s, b, 1); /* one byte: whole degrees */
    assert_int_equal(b[0], 0xf5);
    const uint8_t conf[] = {CONF, 0x1a};
    write_bytes(&s, conf, 2);
    read_bytes(&s, b, 3);
    assert_int_equal(b[0], 0x1a);
    assert_int_equal(b[2], 0x1a);
    drop(&s);
}

static void test_writes_of_each_register(void **state)
{
    Sensor s;
    make(&s, "lm75 temperature=21.5");
    /* tos: MSByte, LSByte (only bit 7 kept); further bytes ignored */
    const uint8_t tos[] = {TOS, 0x3c, 0xff, 0x11, 0x22};
    write_bytes(&s, tos, sizeof tos);
    assert_int_equal(read16(&s, TOS), 0x3c80);
    /* thyst: only the MSByte: nothing changes */
    const uint8_t half[] = {THYST, 0x10};
    write_bytes(&s, half, sizeof half);
    assert_int_equal(read16(&s, THYST), 0x4b00);
    const uint8_t thyst[] = {THYST, 0xe7, 0x00};
    write_bytes(&s, thyst, sizeof thyst);
    assert_int_equal(read16(&s, THYST), 0xe700);
    /* conf: bits 4:0; 7:5 reserved */
    const uint8_t conf[] = {CONF, 0xfe, 0x01};
    write_bytes(&s, conf, sizeof conf);
    uint8_t b;
    read_bytes(&s, &b, 1);
    assert_int_equal(b, 0x1e);
    /* temp is read-only; every byte is still acknowledged */
    const uint8_t temp[] = {TEMP, 0x00, 0x00};
    write_bytes(&s, temp, sizeof temp);
    assert_int_equal(read16(&s, TEMP), 0x1580);
    drop(&s);
}

static void test_shutdown_holds_the_last_conversion(void **state)
{
    Sensor s;
    make(&s, "lm75 temperature=20");
    const uint8_t down[] = {CONF, 0x01};
    write_bytes(&s, down, sizeof down);
    live_set(&s, "temperature", "40");
    assert_int_equal(read16(&s, TEMP), 0x1400); /* still 20 */
    const uint8_t up[] = {CONF, 0x00};
    write_bytes(&s, up, sizeof up);
    assert_int_equal(read16(&s, TEMP), 0x2800); /* converted at once */
    drop(&s);
}

static void test_live_temperature(void **state)
{
    Sensor s;
    make(&s, "lm75 address=0x4a temperature=23.5");
    assert_int_equal(read16(&s, TEMP), 0x1780);
    live_set(&s, "temperature", "30.5");
    assert_int_equal(read16(&s, TEMP), 0x1e80);
    Error *err = NULL;
    assert_false(bus_device_set(&s.bd, "i2c0", "dev0", "i2c", NULL, NULL,
                                "temperature", "warm", &err));
    assert_string_equal(error_message(err), "'temperature' 'warm' is not a number "
                        "of degrees C (e.g. 21.5 or -10.25)");
    error_free(err);
    err = NULL;
    assert_false(bus_device_set(&s.bd, "i2c0", "dev0", "i2c", NULL, NULL,
                                "address", "0x49", &err));
    assert_non_null(strstr(error_message(err), "cannot change while it runs"));
    error_free(err);
    assert_int_equal(read16(&s, TEMP), 0x1e80);
    assert_int_equal(s.ops->address(s.bd.dev), 0x4a);
    drop(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_model_is_an_i2c_bus_device),
        cmocka_unit_test(test_registers_at_power_up),
        cmocka_unit_test(test_temperature_encoding),
        cmocka_unit_test(test_bad_properties_name_their_place),
        cmocka_unit_test(test_pointer_is_kept_and_its_upper_bits_ignored),
        cmocka_unit_test(test_reads_repeat_the_register),
        cmocka_unit_test(test_writes_of_each_register),
        cmocka_unit_test(test_shutdown_holds_the_last_conversion),
        cmocka_unit_test(test_live_temperature),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
