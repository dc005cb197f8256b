/* Devices behind a bus controller: a SPI flash on a chip select, a sensor
 * at an I2C address.
 *
 * They are not on the system bus, so they are not board peripherals:
 * their controller creates them from one of its own properties, whose
 * value is the device's type followed by its properties,
 *
 *     cs0: "spi-flash size=16M jedec-id=0xef4018"
 *     dev0: "lm75 address=0x48 temperature=21.5"
 *
 * and they live and die with it (the controller's finalize destroys
 * them), so no lifetime rule crosses the bus. Errors in such a value carry
 * the controller property's file:line:col. `peripheral set CTRL KEY VALUE`
 * replaces the device at KEY (the old one goes only once the new one is
 * built); `peripheral set CTRL KEY.PROP VALUE` changes one live property
 * of it (bus_device_set).
 *
 * A bus device model is one file with a BusDeviceClass and one line in
 * bus_device.c's table. What a device does on its bus is the bus's
 * interface (peripherals/spi_bus.h, peripherals/i2c_bus.h), reached
 * through `ops`.
 */
#ifndef PERIPHERALS_BUS_DEVICE_H
#define PERIPHERALS_BUS_DEVICE_H

#include <stdbool.h>

#include "peripherals/peripheral.h"

typedef struct BusDeviceClass {
    const char *type; /* the first word of the value */
    const char *bus;  /* "spi" or "i2c": the controllers that take it */
    const char *description;
    const DeviceProperty *properties; /* ending with {NULL} */
    /* Builds the device from config (config->desc is a description made
     * from the value: its name is "CTRL.KEY", its props the KEY=VALUE
     * pairs, each located at the controller's property). NULL on error,
     * nothing left allocated. */
    void *(*create)(const DeviceConfig *config, Error **errp);
    void (*destroy)(void *dev);
    /* A live property (declared live in `properties`); NULL: none. */
    bool (*set_property)(void *dev, const char *key, const char *value,
                         Error **errp);
    const void *ops; /* the bus's operations (SpiDeviceOps, I2cDeviceOps) */
} BusDeviceClass;

typedef struct BusDevice {
    const BusDeviceClass *cls; /* NULL: nothing attached */
    void *dev;
} BusDevice;

/* Every bus device model, for `info types`. */
size_t bus_device_count(void);
const BusDeviceClass *bus_device_at(size_t index);

/* Builds the device the controller's property `key` describes ("" or
 * absent: *out is empty). `bus` must match the type's bus. */
bool bus_device_create(const DeviceConfig *ctrl, const char *key,
                       const char *bus, BusDevice *out, Error **errp);

/* For a controller's set_property: whether `key` is `slot_key` (*prop =
 * NULL: the whole device) or `slot_key.PROP` (*prop = PROP). */
bool bus_device_key_match(const char *key, const char *slot_key,
                          const char **prop);
/* Replaces the device in `slot` with the one `value` describes ("":
 * detaches it; the old one is destroyed only once the new one is built),
 * or, when `prop` is set, changes that live property of it. Messages
 * name it "CTRL.KEY". Fails changing nothing. */
bool bus_device_set(BusDevice *slot, const char *ctrl_name, const char *slot_key,
                    const char *bus, MemorySystem *ms, const DeviceHost *host,
                    const char *prop, const char *value, Error **errp);

void bus_device_destroy(BusDevice *bd);

#endif
