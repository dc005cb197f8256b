/* NXP LM75B digital temperature sensor ("lm75"), an I2C target
 * (peripherals/i2c_bus.h) that a controller's property attaches:
 *
 *     dev0: "lm75 address=0x48 temperature=21.5"
 *
 * Registers (NXP LM75B product data sheet rev 6.1, section 7.4 "Register
 * list", table 5), chosen by the pointer: the first byte written after
 * the address; bits 1:0 select, the others (which must be 0) are ignored.
 * The pointer stays until written again (0 at power-up), so a read need
 * not set it.
 *   0x00 temp   read-only, 2 bytes MSByte first: 11-bit two's complement
 *               in bits 15:5, 0.125 degC a step (table 9); bits 4:0 are 0
 *   0x01 conf   1 byte: 4:3 os_f_que, 2 os_pol, 1 os_comp_int, 0 shutdown;
 *               7:5 reserved, read 0; reset 0x00
 *   0x02 thyst  2 bytes, 9-bit two's complement in bits 15:7 (0.5 degC);
 *               reset 0x4b00 (75 degC)
 *   0x03 tos    as thyst; reset 0x5000 (80 degC)
 * A read returns the pointed register's bytes, MSByte first, then again
 * from its MSByte (the data sheet stops at two; repeating is our choice);
 * a one-byte read of temp gets its MSByte (whole degrees), as the data
 * sheet allows. A write of a 2-byte register takes effect with its second
 * byte (the LSByte, of which only bit 7 is kept); bytes past the
 * register's length, and writes to temp, are acknowledged and ignored.
 * Every byte is acknowledged.
 *
 * The measured temperature is the `temperature` property (degrees C,
 * -55 to 125, e.g. 21.5 or -10.25; default 25), live: `peripheral set
 * i2c0 dev0.temperature 30.5` changes what the next read of temp returns
 * (a conversion is taken as instantaneous). It is rounded to the
 * register's 0.125 degC, halves away from zero. In shutdown (conf bit 0)
 * temp keeps the last value converted, as the device stops converting;
 * leaving shutdown converts again at once.
 *
 * Properties: `address` (7-bit, 0x08-0x77, default 0x48: the LM75B's
 * 1001 A2 A1 A0 with the pins low) and `temperature`.
 *
 * Not modelled: the OS output pin (comparator and interrupt modes, the
 * fault queue and the thresholds are stored, never acted on), the 100 ms
 * conversion time, the bus fault time-out, the sensor's accuracy.
 */
#include "peripherals/bus_device.h"
#include "peripherals/i2c_bus.h"
#include "peripherals/peripheral.h"
#include "soc/alloc.h"

#include <ctype.h>
#include <stdlib.h>

#define LM75_TYPE "lm75"

enum { REG_TEMP = 0, REG_CONF = 1, REG_THYST = 2, REG_TOS = 3 };

#define LM75_DEFAULT_ADDRESS 0x48u /* 1001 A2 A1 A0, the pins low */
#define I2C_ADDRESS_MIN 0x08u /* below and above: reserved addresses */
#define I2C_ADDRESS_MAX 0x77u

#define CONF_SHUTDOWN 0x01u
#define CONF_MASK 0x1fu
#define LIMIT_LSB_MASK 0x80u /* thyst and tos keep bit 7 of their LSByte */
#define THYST_RESET 0x4b00u
#define TOS_RESET 0x5000u

/* Temperatures in ten-thousandths of a degree (0.0625 is the finest a
 * value may be written in), the range the data sheet gives. */
#define TENTHOUSANDTHS 10000
#define TEMP_MIN (-55 * TENTHOUSANDTHS)
#define TEMP_MAX (125 * TENTHOUSANDTHS)
#define TEMP_DEFAULT "25"

typedef struct Lm75 {
    uint8_t address;
    int32_t eighths; /* the measured temperature, in 0.125 degC */
    uint16_t temp;   /* the last conversion */
    uint8_t conf;
    uint16_t thyst, tos;
    uint8_t pointer;
    unsigned written; /* bytes written since the address: the first is the pointer */
    unsigned read_at; /* bytes read since the address */
    uint8_t msbyte;   /* the first data byte of a 2-byte register write */
} Lm75;

/* "21.5", "-10.25", "+3": at most four decimals; false when it is not
 * such a number (no exponent, no hex, nothing after it). Huge numbers
 * come out merely out of range. */
static bool parse_decimal(const char *text, int64_t *tenthousandths)
{
    const char *p = text;
    bool negative = *p == '-';
    if (*p == '-' || *p == '+')
        p++;
    if (!isdigit((unsigned char)*p))
        return false;
    int64_t v = 0;
    for (; isdigit((unsigned char)*p); p++) /* saturates far out of range */
        v = v > 1000000 ? v : v * 10 + (*p - '0');
    v *= TENTHOUSANDTHS;
    if (*p == '.') {
        p++;
        int64_t scale = TENTHOUSANDTHS / 10;
        if (!isdigit((unsigned char)*p))
            return false;
        for (; isdigit((unsigned char)*p); p++, scale /= 10) {
            if (scale == 0)
                return false;
            v += (*p - '0') * scale;
        }
    }
    if (*p)
        return false;
    *tenthousandths = negative ? -v : v;
    return true;
}

/* The temperature in 0.125 degC steps, halves away from zero. */
static bool parse_temperature(const char *text, int32_t *eighths, Error **errp)
{
    int64_t t;
    if (!parse_decimal(text, &t)) {
        error_setf(errp, "'temperature' '%s' is not a number of degrees C "
                   "(e.g. 21.5 or -10.25)", text);
        return false;
    }
    if (t < TEMP_MIN || t > TEMP_MAX) {
        error_setf(errp, "'temperature' must be -55 to 125 (degrees C)");
        return false;
    }
    int64_t scaled = (t < 0 ? -t : t) * 8 + TENTHOUSANDTHS / 2;
    int32_t steps = (int32_t)(scaled / TENTHOUSANDTHS);
    *eighths = t < 0 ? -steps : steps;
    return true;
}

/* Converts, unless shut down. */
static void lm75_convert(Lm75 *l)
{
    if (!(l->conf & CONF_SHUTDOWN))
        l->temp = (uint16_t)((uint32_t)l->eighths * 32u); /* bits 15:5 */
}

/* ---- the bus ---- */

static uint8_t lm75_address(const void *dev)
{
    return ((const Lm75 *)dev)->address;
}

static bool lm75_start(void *dev, bool read)
{
    Lm75 *l = dev;
    l->written = 0;
    l->read_at = 0;
    return true;
}

static void write_data(Lm75 *l, unsigned index, uint8_t byte)
{
    switch (l->pointer) {
    case REG_CONF:
        if (index == 0) {
            l->conf = byte & CONF_MASK;
            lm75_convert(l); /* leaving shutdown converts again */
        }
        return;
    case REG_THYST:
    case REG_TOS:
        if (index == 0) {
            l->msbyte = byte;
            return;
        }
        if (index == 1) {
            uint16_t v = (uint16_t)(l->msbyte << 8 | (byte & LIMIT_LSB_MASK));
            *(l->pointer == REG_TOS ? &l->tos : &l->thyst) = v;
        }
        return;
    default: /* temp is read-only */
        return;
    }
}

static bool lm75_write(void *dev, uint8_t byte)
{
    Lm75 *l = dev;
    if (l->written == 0)
        l->pointer = byte & 3;
    else
        write_data(l, l->written - 1, byte);
    if (l->written < 3) /* only the first three bytes matter */
        l->written++;
    return true;
}

static uint8_t lm75_read(void *dev)
{
    Lm75 *l = dev;
    unsigned at = l->read_at++;
    if (l->pointer == REG_CONF)
        return l->conf;
    uint16_t v = l->pointer == REG_TEMP ? l->temp
               : l->pointer == REG_TOS ? l->tos : l->thyst;
    return at % 2 == 0 ? (uint8_t)(v >> 8) : (uint8_t)v;
}

static void lm75_stop(void *dev)
{
    Lm75 *l = dev;
    l->written = 0;
    l->read_at = 0;
}

/* ---- snapshots: every field but the address (its configuration) ---- */

#define LM75_STATE_VERSION 1u

static uint8_t *lm75_save_state(const void *dev, size_t *len)
{
    const Lm75 *l = dev;
    StateWriter w = {0};
    state_begin(&w, LM75_TYPE, LM75_STATE_VERSION);
    state_put_u32(&w, (uint32_t)l->eighths);
    state_put_u32(&w, l->temp);
    state_put_u8(&w, l->conf);
    state_put_u32(&w, l->thyst);
    state_put_u32(&w, l->tos);
    state_put_u8(&w, l->pointer);
    state_put_u32(&w, l->written);
    state_put_u32(&w, l->read_at);
    state_put_u8(&w, l->msbyte);
    return state_take(&w, len);
}

static bool lm75_load_state(void *dev, const uint8_t *data, size_t len, bool apply,
                            Error **errp)
{
    Lm75 *l = dev;
    StateReader r;
    if (!state_open(&r, LM75_TYPE, LM75_STATE_VERSION, data, len, errp))
        return false;
    Lm75 next = *l;
    next.eighths = (int32_t)state_get_u32(&r);
    uint32_t temp = state_get_u32(&r);
    next.conf = state_get_u8(&r);
    uint32_t thyst = state_get_u32(&r), tos = state_get_u32(&r);
    next.pointer = state_get_u8(&r);
    next.written = state_get_u32(&r);
    next.read_at = state_get_u32(&r);
    next.msbyte = state_get_u8(&r);
    if (!state_end(&r, LM75_TYPE, errp))
        return false;
    if (next.eighths < TEMP_MIN * 8 / TENTHOUSANDTHS ||
        next.eighths > TEMP_MAX * 8 / TENTHOUSANDTHS || temp > UINT16_MAX ||
        thyst > UINT16_MAX || tos > UINT16_MAX || next.conf & ~CONF_MASK ||
        next.pointer > REG_TOS || next.written > 3) {
        error_setf(errp, LM75_TYPE ": saved registers are out of range");
        return false;
    }
    next.temp = (uint16_t)temp;
    next.thyst = (uint16_t)thyst;
    next.tos = (uint16_t)tos;
    if (apply)
        *l = next;
    return true;
}

static const I2cDeviceOps lm75_ops = {
    .address = lm75_address,
    .start = lm75_start,
    .write = lm75_write,
    .read = lm75_read,
    .stop = lm75_stop,
};

/* ---- the bus device ---- */

static const DeviceProperty lm75_props[] = {
    {"address", "the 7-bit I2C address, 0x08 to 0x77; default 0x48", false},
    {"temperature", "what it measures, in degrees C, -55 to 125 (e.g. 21.5 "
     "or -10.25; read at 0.125 resolution); default " TEMP_DEFAULT, true},
    {0},
};

/* Prepends the place of property `key`, when it has one. */
static void at_prop(const DeviceConfig *config, const char *key, Error **errp)
{
    const BoardProp *prop = board_peripheral_prop(config->desc, key);
    if (prop && prop->loc.file)
        error_prepend(errp, "%s:%u:%u: ", prop->loc.file, prop->loc.line,
                      prop->loc.col);
}

/* In hex, as I2C addresses are written. */
static bool lm75_config_address(const DeviceConfig *config, uint8_t *address,
                                Error **errp)
{
    uint64_t v;
    if (!device_prop_u64(config, "address", LM75_DEFAULT_ADDRESS, &v, errp))
        return false;
    if (v < I2C_ADDRESS_MIN || v > I2C_ADDRESS_MAX) {
        error_setf(errp, "'address' must be 0x08 to 0x77 (a 7-bit I2C address)");
        at_prop(config, "address", errp);
        return false;
    }
    *address = (uint8_t)v;
    return true;
}

static void *lm75_create(const DeviceConfig *config, Error **errp)
{
    uint8_t address;
    if (!lm75_config_address(config, &address, errp))
        return NULL;
    const BoardProp *prop = board_peripheral_prop(config->desc, "temperature");
    int32_t eighths;
    if (!parse_temperature(prop ? prop->value : TEMP_DEFAULT, &eighths, errp)) {
        at_prop(config, "temperature", errp);
        return NULL;
    }
    Lm75 *l = xcalloc(1, sizeof *l);
    l->address = address;
    l->eighths = eighths;
    l->thyst = THYST_RESET;
    l->tos = TOS_RESET;
    lm75_convert(l);
    return l;
}

static void lm75_destroy(void *dev)
{
    free(dev);
}

/* "temperature", the only live property (bus_device_set checked). */
static bool lm75_set_property(void *dev, const char *key, const char *value,
                              Error **errp)
{
    Lm75 *l = dev;
    int32_t eighths;
    if (!parse_temperature(value, &eighths, errp))
        return false;
    l->eighths = eighths;
    lm75_convert(l);
    return true;
}

const BusDeviceClass lm75_class = {
    .type = LM75_TYPE,
    .bus = "i2c",
    .description = "NXP LM75B temperature sensor: temp, conf, thyst, tos; "
                   "the temperature set by a live property",
    .properties = lm75_props,
    .create = lm75_create,
    .destroy = lm75_destroy,
    .set_property = lm75_set_property,
    .ops = &lm75_ops,
    .save_state = lm75_save_state,
    .load_state = lm75_load_state,
};
