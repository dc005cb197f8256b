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
#include "peripherals/regs.h"
#include "soc/state_io.h"

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
    /* Snapshots, required: the device's whole state as bytes (malloc'd,
     * *len of them; what its properties configure is not state), and
     * back: with `apply` false load only checks (refusing data of another
     * configuration or hostile data, changing nothing); with `apply`
     * true, after a check passed, it puts the state in place and cannot
     * fail. */
    uint8_t *(*save_state)(const void *dev, size_t *len);
    bool (*load_state)(void *dev, const uint8_t *data, size_t len, bool apply,
                       Error **errp);
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

/* A controller's snapshot of the device in a slot: its type ("" when the
 * slot is empty), then its state. */
void bus_device_save(const BusDevice *slot, StateWriter *w);
/* Reads what bus_device_save wrote and checks it against the device in
 * the slot (named `name`, "CTRL.KEY", in messages): another type, or a
 * state the device refuses, fails, changing nothing. *data and *len keep
 * the state for bus_device_load, which puts it in place (it cannot fail
 * once checked). */
bool bus_device_check(const BusDevice *slot, const char *name, StateReader *r,
                      const uint8_t **data, size_t *len, Error **errp);
void bus_device_load(BusDevice *slot, const uint8_t *data, size_t len);

/* A bus controller's whole snapshot state (its PeripheralClass hooks):
 * the state_io.h envelope naming `type`, its bank's records
 * (regs_state_save), then each of its `n` slots (bus_device_save). Load
 * checks everything first (the records and the table's check_load, each
 * slot's device, named "CTRL.KEY" with keys[i]), then puts the devices'
 * states and the bank's in place, changing nothing on failure. */
uint8_t *bus_controller_save(const RegBank *bank, const char *type,
                             const BusDevice *slots, size_t n, size_t *len);
bool bus_controller_load(RegBank *bank, const char *type, BusDevice *slots,
                         const char *const *keys, size_t n, const uint8_t *data,
                         size_t len, Error **errp);

#endif
