/* Property and interrupt helpers shared by device models. */
#include "peripherals/peripheral.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void prepend_loc(Error **errp, const SourceLoc *loc)
{
    error_prepend(errp, "%s:%u:%u: ", loc->file, loc->line, loc->col);
}

bool device_prop_u64(const DeviceConfig *config, const char *key,
                     uint64_t default_value, uint64_t *out, Error **errp)
{
    const BoardProp *prop = board_peripheral_prop(config->desc, key);
    if (!prop) {
        *out = default_value;
        return true;
    }
    if (!board_parse_u64(prop->value, out)) {
        error_setf(errp, "%s: '%s' is not a number", key, prop->value);
        prepend_loc(errp, &prop->loc);
        return false;
    }
    return true;
}

const char *device_prop_str(const DeviceConfig *config, const char *key,
                            const char *default_value)
{
    const BoardProp *prop = board_peripheral_prop(config->desc, key);
    return prop ? prop->value : default_value;
}

bool device_check_props(const DeviceConfig *config, const char *const *known,
                        Error **errp)
{
    const BoardPeripheral *desc = config->desc;
    for (size_t i = 0; i < desc->nprops; i++) {
        bool found = false;
        for (const char *const *k = known; *k && !found; k++)
            found = strcmp(*k, desc->props[i].key) == 0;
        if (found)
            continue;
        error_setf(errp, "unknown property '%s' for %s '%s'", desc->props[i].key,
                   desc->type, desc->name);
        prepend_loc(errp, &desc->props[i].loc);
        return false;
    }
    return true;
}

bool device_no_irq_input(const char *name, unsigned n, unsigned count,
                         Error **errp)
{
    if (count == 0)
        error_setf(errp, "'%s' has no interrupt inputs", name);
    else
        error_setf(errp, "'%s' has no interrupt input %u (0-%u)", name, n,
                   count - 1);
    return false;
}

bool device_prop_positive_u64(const DeviceConfig *config, const char *key,
                              uint64_t default_value, uint64_t *out,
                              Error **errp)
{
    if (!device_prop_u64(config, key, default_value, out, errp))
        return false;
    if (*out != 0)
        return true;
    error_setf(errp, "'%s' must be greater than 0", key);
    prepend_loc(errp, &board_peripheral_prop(config->desc, key)->loc);
    return false;
}

bool device_prop_u64_range(const DeviceConfig *config, const char *key,
                           uint64_t default_value, uint64_t min, uint64_t max,
                           uint64_t *out, Error **errp)
{
    if (!device_prop_u64(config, key, default_value, out, errp))
        return false;
    if (*out >= min && *out <= max)
        return true;
    /* wide limits in hex, as the board's own range errors give them */
    char top[24];
    snprintf(top, sizeof top, max > 0xffff ? "0x%llx" : "%llu",
             (unsigned long long)max);
    error_setf(errp, "'%s' must be %llu to %s", key, (unsigned long long)min,
               top);
    const BoardProp *prop = board_peripheral_prop(config->desc, key);
    prepend_loc(errp, prop ? &prop->loc : &config->desc->loc);
    return false;
}

bool device_require_clock(const DeviceConfig *config, Error **errp)
{
    if (config->host->clock)
        return true;
    const BoardPeripheral *desc = config->desc;
    error_setf(errp, "'%s' (%s) needs virtual time and the machine has no clock",
               desc->name, desc->type);
    prepend_loc(errp, &desc->loc);
    return false;
}

Chardev *device_open_chardev(const DeviceConfig *config, Error **errp)
{
    const BoardProp *prop = board_peripheral_prop(config->desc, "chardev");
    const DeviceHost *host = config->host;
    Chardev *chr = host->open_chardev(host->opaque, prop ? prop->value : "stdio",
                                      errp);
    if (!chr)
        prepend_loc(errp, prop ? &prop->loc : &config->desc->loc);
    return chr;
}

void device_log_guest(const DeviceHost *host, const char *device,
                      const char *fmt, ...)
{
    if (!host || !host->log_guest)
        return;
    char message[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    host->log_guest(host->opaque, device, message);
}
