/* Property and interrupt helpers shared by device models. */
#include "peripherals/bus_device.h"
#include "peripherals/peripheral.h"
#include "soc/alloc.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A location without a file (a bus device's value given while running,
 * bus_device.h) adds nothing. */
static void prepend_loc(Error **errp, const SourceLoc *loc)
{
    if (!loc->file)
        return;
    error_prepend(errp, "%s:%u:%u: ", loc->file, loc->line, loc->col);
}

/* "'sources' must be 1 to 1023"; wide limits in hex, as the board's own
 * range errors give them. */
static bool range_check(const char *key, uint64_t v, uint64_t min,
                        uint64_t max, Error **errp)
{
    if (v >= min && v <= max)
        return true;
    char top[24];
    snprintf(top, sizeof top, max > 0xffff ? "0x%llx" : "%llu",
             (unsigned long long)max);
    error_setf(errp, "'%s' must be %llu to %s", key, (unsigned long long)min,
               top);
    return false;
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

static const DeviceProperty *find_prop_len(const DeviceProperty *props,
                                           const char *key, size_t len)
{
    for (const DeviceProperty *p = props; p && p->name; p++)
        if (strlen(p->name) == len && strncmp(p->name, key, len) == 0)
            return p;
    return NULL;
}

static const DeviceProperty *find_prop(const DeviceProperty *props,
                                       const char *key)
{
    return find_prop_len(props, key, strlen(key));
}

/* Whether `value` starts with a bus device's type (bus_device.h). */
static bool names_bus_device(const char *value)
{
    while (isspace((unsigned char)*value))
        value++;
    size_t len = strcspn(value, " \t\r\n\f\v");
    for (size_t i = 0; i < bus_device_count(); i++) {
        const char *type = bus_device_at(i)->type;
        if (strlen(type) == len && strncmp(type, value, len) == 0)
            return true;
    }
    return false;
}

/* KEY.PROP: a property of the bus device at KEY (bus_device.h), which
 * that device's own table checks. KEY must be the model's and hold a
 * device: on any other property it is a typo nothing would read. */
static bool check_sub_prop(const BoardPeripheral *desc, const DeviceProperty *props,
                           const BoardProp *prop, Error **errp)
{
    const char *key = prop->key;
    size_t len = strcspn(key, ".");
    if (find_prop_len(props, key, len)) {
        char *slot = xstrndup(key, len);
        const BoardProp *holder = board_peripheral_prop(desc, slot);
        free(slot);
        const char *value = holder ? holder->value : "";
        if (names_bus_device(value))
            return true;
        if (!value[strspn(value, " \t\r\n\f\v")]) {
            error_setf(errp, "property '%s' for %s '%s': no device at '%.*s'", key,
                       desc->type, desc->name, (int)len, key);
            prepend_loc(errp, &prop->loc);
            return false;
        }
    }
    error_setf(errp, "unknown property '%s' for %s '%s'", key, desc->type,
               desc->name);
    prepend_loc(errp, &prop->loc);
    return false;
}

bool device_check_props(const DeviceConfig *config,
                        const DeviceProperty *props, Error **errp)
{
    const BoardPeripheral *desc = config->desc;
    for (size_t i = 0; i < desc->nprops; i++) {
        const BoardProp *prop = &desc->props[i];
        if (strchr(prop->key, '.')) {
            if (!check_sub_prop(desc, props, prop, errp))
                return false;
            continue;
        }
        if (find_prop(props, prop->key))
            continue;
        error_setf(errp, "unknown property '%s' for %s '%s'", prop->key,
                   desc->type, desc->name);
        prepend_loc(errp, &prop->loc);
        return false;
    }
    return true;
}

bool device_check_live(const DeviceProperty *props, const char *type,
                       const char *name, const char *key, Error **errp)
{
    const DeviceProperty *prop = find_prop(props, key);
    if (!prop) {
        error_setf(errp, "unknown property '%s' for %s '%s'", key, type, name);
        return false;
    }
    if (prop->live)
        return true;
    char live[160] = "";
    size_t used = 0;
    for (const DeviceProperty *p = props; p->name; p++)
        if (p->live && used < sizeof live)
            used += (size_t)snprintf(live + used, sizeof live - used, "%s%s",
                                     used ? ", " : "", p->name);
    error_setf(errp, "property '%s' of %s '%s' cannot change while it runs "
               "(live: %s)", key, type, name, used ? live : "none");
    return false;
}

bool device_prop_required(const DeviceConfig *config, const char *key,
                          Error **errp)
{
    if (board_peripheral_prop(config->desc, key))
        return true;
    const BoardPeripheral *desc = config->desc;
    error_setf(errp, "missing property '%s' for %s '%s'", key, desc->type,
               desc->name);
    prepend_loc(errp, &desc->loc);
    return false;
}

void device_names_free(char **names, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(names[i]);
    free(names);
}

/* True when `names` are min..max distinct names (max is small: the check
 * is quadratic). */
static bool names_check(const char *key, char **names, size_t count,
                        size_t min, size_t max, Error **errp)
{
    if (count < min || count > max) {
        error_setf(errp, "'%s' must list %zu to %zu names", key, min, max);
        return false;
    }
    for (size_t i = 0; i < count; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(names[i], names[j]) == 0) {
                error_setf(errp, "'%s' lists '%s' twice", key, names[i]);
                return false;
            }
    return true;
}

bool device_prop_names(const DeviceConfig *config, const char *key,
                       size_t min, size_t max, char ***names, size_t *count,
                       Error **errp)
{
    const BoardProp *prop = board_peripheral_prop(config->desc, key);
    const char *s = prop ? prop->value : "";
    char **list = NULL;
    size_t n = 0;
    /* Counted as it goes, so a huge list costs max + 1 names at most. */
    for (;;) {
        while (isspace((unsigned char)*s))
            s++;
        if (!*s || n > max)
            break;
        size_t len = 0;
        while (s[len] && !isspace((unsigned char)s[len]))
            len++;
        list = xreallocarray(list, n + 1, sizeof *list);
        list[n++] = xstrndup(s, len);
        s += len;
    }
    if (!names_check(key, list, n, min, max, errp)) {
        device_names_free(list, n);
        prepend_loc(errp, prop ? &prop->loc : &config->desc->loc);
        return false;
    }
    *names = list;
    *count = n;
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

bool device_parse_u64_range(const char *key, const char *value, uint64_t min,
                            uint64_t max, uint64_t *out, Error **errp)
{
    uint64_t v;
    if (!board_parse_u64(value, &v)) {
        error_setf(errp, "%s: '%s' is not a number", key, value);
        return false;
    }
    if (!range_check(key, v, min, max, errp))
        return false;
    *out = v;
    return true;
}

bool device_prop_u64_range(const DeviceConfig *config, const char *key,
                           uint64_t default_value, uint64_t min, uint64_t max,
                           uint64_t *out, Error **errp)
{
    if (!device_prop_u64(config, key, default_value, out, errp))
        return false;
    if (range_check(key, *out, min, max, errp))
        return true;
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

bool device_swap_chardev(const DeviceHost *host, Chardev **chr, const char *spec,
                         void (*input_arrived)(void *opaque), void *opaque,
                         Error **errp)
{
    Chardev *fresh = host->open_chardev(host->opaque, spec, errp);
    if (!fresh)
        return false;
    chardev_set_input_handler(*chr, NULL, NULL);
    chardev_close(*chr);
    *chr = fresh;
    chardev_set_input_handler(fresh, input_arrived, opaque);
    return true;
}
