/* The contract between the machine (soc/machine.c) and device models.
 *
 * A model is a PeripheralClass listed in peripherals/registry.c. Its
 * `create` validates the board's properties, builds the device as an Owner
 * whose registers are regions in the device's own container, and returns
 * the owner (one reference, the caller's) and the region to map at the
 * board's base. Everything else the device holds (state, chardev) is freed
 * by the owner's finalize hook, so the device dies exactly when the last
 * reference goes (the machine's, the bus link's, the flat view's).
 * A failed create leaves nothing allocated.
 */
#ifndef PERIPHERALS_PERIPHERAL_H
#define PERIPHERALS_PERIPHERAL_H

#include <stdbool.h>
#include <stdint.h>

#include "soc/board.h"
#include "soc/chardev.h"
#include "soc/error.h"
#include "soc/memory.h"

/* What the running machine offers its devices. */
typedef struct DeviceHost {
    void *opaque;
    /* The firmware asked to end the simulation with this exit status. */
    void (*request_exit)(void *opaque, int status);
    /* Opens a character backend ("stdio", "null", "file:PATH"). */
    Chardev *(*open_chardev)(void *opaque, const char *spec, Error **errp);
} DeviceHost;

typedef struct DeviceConfig {
    MemorySystem *ms;
    const BoardPeripheral *desc; /* name, base, size (0 = default), props */
    uint64_t size;               /* resolved: desc->size or the default */
    const DeviceHost *host;
} DeviceConfig;

typedef struct Device {
    Owner *owner;         /* one reference, the caller's */
    MemoryRegion *region; /* the device's top region, to map at desc->base */
} Device;

typedef struct PeripheralClass {
    const char *type;        /* the YAML `type:` */
    const char *description; /* one line for --list-devices */
    uint64_t default_size;
    uint64_t min_size, max_size; /* sizes the model accepts */
    bool (*create)(const DeviceConfig *config, Device *out, Error **errp);
} PeripheralClass;

/* Helpers for models: property lookups whose errors carry file:line:col. */
bool device_prop_u64(const DeviceConfig *config, const char *key,
                     uint64_t default_value, uint64_t *out, Error **errp);
const char *device_prop_str(const DeviceConfig *config, const char *key,
                            const char *default_value);
/* Fails naming the first property the model does not know. `known` ends
 * with NULL. */
bool device_check_props(const DeviceConfig *config, const char *const *known,
                        Error **errp);

#endif
