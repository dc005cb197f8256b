#include "peripherals/bus_device.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "soc/alloc.h"
#include <stdio.h>

extern const BusDeviceClass lm75_class;
extern const BusDeviceClass spi_flash_class;

/* One line per bus device model. */
static const BusDeviceClass *const bus_models[] = {
    &lm75_class,
    &spi_flash_class,
};

size_t bus_device_count(void)
{
    size_t n = 0;
    for (size_t i = 0; i < sizeof bus_models / sizeof bus_models[0]; i++)
        n += bus_models[i] != NULL;
    return n;
}

const BusDeviceClass *bus_device_at(size_t index)
{
    for (size_t i = 0; i < sizeof bus_models / sizeof bus_models[0]; i++)
        if (bus_models[i] && index-- == 0)
            return bus_models[i];
    return NULL;
}

static const BusDeviceClass *bus_device_find(const char *type, size_t len)
{
    for (size_t i = 0; i < bus_device_count(); i++) {
        const BusDeviceClass *cls = bus_device_at(i);
        if (strlen(cls->type) == len && strncmp(cls->type, type, len) == 0)
            return cls;
    }
    return NULL;
}

/* The value split into words: the first is the type, the rest KEY=VALUE. */
typedef struct Spec {
    BoardPeripheral desc;
    const BusDeviceClass *cls;
} Spec;

static void spec_free(Spec *s)
{
    for (size_t i = 0; i < s->desc.nprops; i++) {
        free(s->desc.props[i].key);
        free(s->desc.props[i].value);
    }
    free(s->desc.props);
    free(s->desc.name);
    free(s->desc.type);
}

static const char *skip_space(const char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    return s;
}

static size_t word_len(const char *s)
{
    size_t n = 0;
    while (s[n] && !isspace((unsigned char)s[n]))
        n++;
    return n;
}

static bool spec_add_prop(Spec *s, const char *word, size_t len,
                          const SourceLoc *loc, Error **errp)
{
    const char *eq = memchr(word, '=', len);
    if (!eq || eq == word) {
        error_setf(errp, "'%.*s' is not KEY=VALUE", (int)len, word);
        return false;
    }
    BoardPeripheral *d = &s->desc;
    d->props = xreallocarray(d->props, d->nprops + 1, sizeof *d->props);
    d->props[d->nprops++] = (BoardProp){
        .key = xstrndup(word, (size_t)(eq - word)),
        .value = xstrndup(eq + 1, len - (size_t)(eq - word) - 1),
        .loc = *loc,
    };
    return true;
}

static bool spec_parse(Spec *s, const char *name, const char *value,
                       const char *bus, const SourceLoc *loc, Error **errp)
{
    *s = (Spec){.desc = {.name = xstrdup(name), .loc = *loc, .type_loc = *loc,
                         .irq_loc = *loc, .base_loc = *loc, .size_loc = *loc}};
    const char *p = skip_space(value);
    size_t len = word_len(p);
    s->cls = bus_device_find(p, len);
    if (!s->cls) {
        error_setf(errp, "'%s': no %s device model '%.*s' (see 'info types')",
                   name, bus, (int)len, p);
        return false;
    }
    if (strcmp(s->cls->bus, bus) != 0) {
        error_setf(errp, "'%s': '%s' is a %s device, not a %s one", name,
                   s->cls->type, s->cls->bus, bus);
        return false;
    }
    s->desc.type = xstrdup(s->cls->type);
    for (p = skip_space(p + len); *p; p = skip_space(p + len)) {
        len = word_len(p);
        if (!spec_add_prop(s, p, len, loc, errp))
            return false;
    }
    return true;
}

static void prepend_loc(Error **errp, const SourceLoc *loc)
{
    if (loc)
        error_prepend(errp, "%s:%u:%u: ", loc->file, loc->line, loc->col);
}

/* `loc` NULL: a value given while running (no file to point at). */
/* Sets KEY=VALUE in the spec, replacing a value the spec gave KEY. */
static void spec_override(Spec *s, const BoardProp *prop, const char *key)
{
    BoardPeripheral *d = &s->desc;
    for (size_t i = 0; i < d->nprops; i++)
        if (strcmp(d->props[i].key, key) == 0) {
            free(d->props[i].value);
            d->props[i].value = xstrdup(prop->value);
            d->props[i].loc = prop->loc;
            return;
        }
    d->props = xreallocarray(d->props, d->nprops + 1, sizeof *d->props);
    d->props[d->nprops++] = (BoardProp){xstrdup(key), xstrdup(prop->value), prop->loc};
}

/* The controller's KEY.PROP entries (live changes recorded by the
 * machine, or written so in a board) override PROP in KEY's value. A
 * device built while running (ctrl NULL) has none. */
static void spec_apply_overrides(Spec *s, const BoardPeripheral *ctrl,
                                 const char *slot)
{
    if (!ctrl)
        return;
    size_t len = strlen(slot);
    for (size_t i = 0; i < ctrl->nprops; i++) {
        const BoardProp *prop = &ctrl->props[i];
        if (strncmp(prop->key, slot, len) == 0 && prop->key[len] == '.')
            spec_override(s, prop, prop->key + len + 1);
    }
}

static bool build(const char *name, const char *value, const char *bus,
                  const SourceLoc *loc, const BoardPeripheral *ctrl,
                  const char *slot, MemorySystem *ms, const DeviceHost *host,
                  BusDevice *out, Error **errp)
{
    static const SourceLoc nowhere = {0};
    Spec s;
    if (!spec_parse(&s, name, value, bus, loc ? loc : &nowhere, errp)) {
        spec_free(&s);
        prepend_loc(errp, loc);
        return false;
    }
    spec_apply_overrides(&s, ctrl, slot);
    DeviceConfig config = {.ms = ms, .desc = &s.desc, .host = host};
    void *dev = device_check_props(&config, s.cls->properties, errp)
                    ? s.cls->create(&config, errp) : NULL;
    if (dev)
        *out = (BusDevice){.cls = s.cls, .dev = dev};
    spec_free(&s);
    return dev != NULL;
}

static bool is_empty(const char *value)
{
    return *skip_space(value) == '\0';
}

bool bus_device_create(const DeviceConfig *ctrl, const char *key,
                       const char *bus, BusDevice *out, Error **errp)
{
    *out = (BusDevice){0};
    const BoardProp *prop = board_peripheral_prop(ctrl->desc, key);
    if (!prop || is_empty(prop->value))
        return true;
    char *name = xasprintf("%s.%s", ctrl->desc->name, key); /* whole, however long */
    bool ok = build(name, prop->value, bus, &prop->loc, ctrl->desc, key, ctrl->ms,
                    ctrl->host, out, errp);
    free(name);
    return ok;
}

bool bus_device_key_match(const char *key, const char *slot_key,
                          const char **prop)
{
    size_t n = strlen(slot_key);
    if (strncmp(key, slot_key, n) != 0 || (key[n] && key[n] != '.'))
        return false;
    *prop = key[n] == '.' ? key + n + 1 : NULL;
    return true;
}

static bool set_one(BusDevice *slot, const char *name, const char *prop,
                    const char *value, Error **errp)
{
    if (!slot->cls) {
        error_setf(errp, "'%s' has no device attached", name);
        return false;
    }
    if (!device_check_live(slot->cls->properties, slot->cls->type, name, prop,
                           errp))
        return false;
    return slot->cls->set_property(slot->dev, prop, value, errp);
}

static bool replace(BusDevice *slot, const char *name, const char *bus,
                    MemorySystem *ms, const DeviceHost *host, const char *value,
                    Error **errp)
{
    BusDevice fresh = {0};
    if (!is_empty(value) &&
        !build(name, value, bus, NULL, NULL, NULL, ms, host, &fresh, errp))
        return false;
    bus_device_destroy(slot);
    *slot = fresh;
    return true;
}

bool bus_device_set(BusDevice *slot, const char *ctrl_name, const char *slot_key,
                    const char *bus, MemorySystem *ms, const DeviceHost *host,
                    const char *prop, const char *value, Error **errp)
{
    char *name = xasprintf("%s.%s", ctrl_name, slot_key);
    bool ok = prop ? set_one(slot, name, prop, value, errp)
                   : replace(slot, name, bus, ms, host, value, errp);
    free(name);
    return ok;
}

void bus_device_destroy(BusDevice *bd)
{
    if (bd->cls)
        bd->cls->destroy(bd->dev);
    *bd = (BusDevice){0};
}

/* ---- snapshots ---- */

void bus_device_save(const BusDevice *slot, StateWriter *w)
{
    state_put_str(w, slot->cls ? slot->cls->type : "");
    size_t len = 0;
    uint8_t *state = slot->cls ? slot->cls->save_state(slot->dev, &len) : NULL;
    state_put_blob(w, state, len);
    free(state);
}

bool bus_device_check(const BusDevice *slot, const char *name, StateReader *r,
                      const uint8_t **data, size_t *len, Error **errp)
{
    const char *type = slot->cls ? slot->cls->type : "";
    StateReader at = *r;
    bool same = state_get_str_is(r, type);
    *data = state_get_blob(r, len);
    if (r->truncated) {
        error_setf(errp, "'%s': saved state is truncated", name);
        return false;
    }
    if (!same) {
        char saved[64];
        state_get_str(&at, saved, sizeof saved);
        const char *now = slot->cls ? type : "no device";
        if (saved[0])
            error_setf(errp, "'%s' holds %s, the saved state is of %s", name, now, saved);
        else
            error_setf(errp, "'%s' holds %s, the saved state has none", name, now);
        return false;
    }
    if (!slot->cls || slot->cls->load_state(slot->dev, *data, *len, false, errp))
        return true;
    error_prepend(errp, "'%s': ", name);
    return false;
}

void bus_device_load(BusDevice *slot, const uint8_t *data, size_t len)
{
    if (slot->cls && !slot->cls->load_state(slot->dev, data, len, true, NULL))
        abort(); /* checked: bus_device_check */
}

#define CONTROLLER_STATE_VERSION 1u
#define MAX_SLOTS 8

uint8_t *bus_controller_save(const RegBank *bank, const char *type,
                             const BusDevice *slots, size_t n, size_t *len)
{
    StateWriter w = {0};
    state_begin(&w, type, CONTROLLER_STATE_VERSION);
    size_t nregs;
    uint8_t *regs = regs_state_save(bank, &nregs);
    state_put_blob(&w, regs, nregs);
    free(regs);
    for (size_t i = 0; i < n; i++)
        bus_device_save(&slots[i], &w);
    return state_take(&w, len);
}

bool bus_controller_load(RegBank *bank, const char *type, BusDevice *slots,
                         const char *const *keys, size_t n, const uint8_t *data,
                         size_t len, Error **errp)
{
    StateReader r;
    if (n > MAX_SLOTS || !state_open(&r, type, CONTROLLER_STATE_VERSION, data, len, errp))
        return false;
    size_t nregs, ndev[MAX_SLOTS];
    const uint8_t *regs = state_get_blob(&r, &nregs), *dev[MAX_SLOTS];
    for (size_t i = 0; i < n; i++) {
        char *name = xasprintf("%s.%s", bank->name, keys[i]);
        bool ok = bus_device_check(&slots[i], name, &r, &dev[i], &ndev[i], errp);
        free(name);
        if (!ok) {
            error_prepend(errp, "%s: ", type);
            return false;
        }
    }
    if (!state_end(&r, type, errp))
        return false;
    if (!regs_state_check(bank, regs, nregs, errp)) {
        error_prepend(errp, "%s: ", type);
        return false;
    }
    for (size_t i = 0; i < n; i++)
        bus_device_load(&slots[i], dev[i], ndev[i]);
    if (!regs_state_load(bank, regs, nregs, NULL))
        abort(); /* checked: regs_state_check */
    return true;
}
