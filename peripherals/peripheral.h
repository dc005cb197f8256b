/* What device models share: the contract with the machine (soc/device.h:
 * PeripheralClass, DeviceHost, DeviceConfig, Device) and helpers for
 * properties, interrupt inputs and guest diagnostics (props.c). A model is
 * one file in peripherals/ and one line in registry.c.
 */
#ifndef PERIPHERALS_PERIPHERAL_H
#define PERIPHERALS_PERIPHERAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "soc/device.h"

/* Helpers for models: property lookups whose errors carry file:line:col. */
bool device_prop_u64(const DeviceConfig *config, const char *key,
                     uint64_t default_value, uint64_t *out, Error **errp);
const char *device_prop_str(const DeviceConfig *config, const char *key,
                            const char *default_value);
/* Like device_prop_u64, refusing 0 (frequencies, divisors). */
bool device_prop_positive_u64(const DeviceConfig *config, const char *key,
                              uint64_t default_value, uint64_t *out,
                              Error **errp);
/* Like device_prop_u64, refusing a value outside min..max: "'sources'
 * must be 1 to 1023" ("0 to 0xffffffff" for limits above 0xffff). */
bool device_prop_u64_range(const DeviceConfig *config, const char *key,
                           uint64_t default_value, uint64_t min, uint64_t max,
                           uint64_t *out, Error **errp);
/* Fails, at the peripheral's location, when the machine has no clock. */
bool device_require_clock(const DeviceConfig *config, Error **errp);
/* Opens the backend the `chardev` property names (default stdio); errors
 * carry the property's location. The device owns the result. */
Chardev *device_open_chardev(const DeviceConfig *config, Error **errp);
/* Fails naming the first property of the entry that `props` (the model's
 * table, ending with {NULL}) does not list. */
bool device_check_props(const DeviceConfig *config,
                        const DeviceProperty *props, Error **errp);
/* Fails, at the entry, when property `key` is absent: models whose
 * property has no sensible default. */
bool device_prop_required(const DeviceConfig *config, const char *key,
                          Error **errp);
/* The value of `key` split at white space into names: *names is a malloc'd
 * array of `*count` malloc'd strings (free with device_names_free), NULL
 * when absent or empty. Fails at the property when it holds fewer than
 * `min` or more than `max` names, or one name twice; nothing is left
 * allocated then. */
bool device_prop_names(const DeviceConfig *config, const char *key,
                       size_t min, size_t max, char ***names, size_t *count,
                       Error **errp);
void device_names_free(char **names, size_t count);

/* For set_property hooks (values given while the device runs, so errors
 * carry no location). Succeeds when `key` is in `props` and live; fails
 * with "unknown property 'KEY' for TYPE 'NAME'" or "property 'KEY' of
 * TYPE 'NAME' cannot change while it runs (live: LIST)". */
bool device_check_live(const DeviceProperty *props, const char *type,
                       const char *name, const char *key, Error **errp);
/* A number as device_prop_u64_range takes it, from a bare value: the same
 * messages, without a location. */
bool device_parse_u64_range(const char *key, const char *value, uint64_t min,
                            uint64_t max, uint64_t *out, Error **errp);
/* Sets the standard error for an input number a sink does not have:
 * "'NAME' has no interrupt input N (0-LAST)"; returns false. */
bool device_no_irq_input(const char *name, unsigned n, unsigned count,
                         Error **errp);
/* A live `chardev` change: opens `spec` through host->open_chardev and,
 * only once it is open, closes *chr and puts the new one there, listening
 * with input_arrived(opaque) (chardev_set_input_handler). False, *chr
 * untouched, when the new one cannot open. */
bool device_swap_chardev(const DeviceHost *host, Chardev **chr, const char *spec,
                         void (*input_arrived)(void *opaque), void *opaque,
                         Error **errp);
/* Formats one phrase and hands it to host->log_guest (nothing when the
 * host has none). Messages longer than 255 bytes are cut. */
__attribute__((format(printf, 3, 4)))
void device_log_guest(const DeviceHost *host, const char *device,
                      const char *fmt, ...);

#endif
