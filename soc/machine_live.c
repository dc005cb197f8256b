/* Runtime reconfiguration of single peripherals: add, remove, replace,
 * move, set a live property, drive an input, power off and on. Each
 * change checks everything it can before it touches the running board,
 * and runs inside one memory transaction: the CPU sees the old map or the
 * new one, never a half-built one. */
#include "soc/machine_internal.h"

#include <stdlib.h>
#include <string.h>

#include "soc/alloc.h"

static bool no_such(const Machine *m, const char *name, Error **errp)
{
    if (machine_memory_named(m, name))
        error_setf(errp, "'%s' is a memory, not a peripheral (memories change "
                   "through 'board apply')", name);
    else
        error_setf(errp, "no peripheral named '%s'", name);
    return false;
}

static MachinePeripheral *find(const Machine *m, const char *name, Error **errp)
{
    MachinePeripheral *p = machine_peripheral_named(m, name);
    if (!p)
        no_such(m, name, errp);
    return p;
}

static bool name_taken(const Machine *m, const BoardPeripheral *entry,
                       Error **errp)
{
    bool memory = machine_memory_named(m, entry->name) != NULL;
    if (!memory && !machine_peripheral_named(m, entry->name))
        return false;
    machine_loc_error(errp, &entry->loc, "a %s named '%s' exists already",
                      memory ? "memory" : "peripheral", entry->name);
    return true;
}

/* Builds p's device and wires it, taking over from `replacing` (which
 * stays live and mapped until then) when given. Nothing changes on
 * failure. The caller is in a memory transaction. */
static bool bring_up(Machine *m, MachinePeripheral *p, MachinePeripheral *replacing,
                     bool strict, Error **errp)
{
    if (!machine_irq_check_entry(m, p, replacing, strict, errp))
        return false; /* before anything is built: no chardev opened */
    m->replacing = replacing;
    bool ok = machine_realize(m, p, errp);
    m->replacing = NULL;
    if (!ok)
        return false;
    if (!machine_irq_check_inputs(m, p, replacing, errp)) {
        machine_unrealize(m, p);
        return false;
    }
    if (replacing)
        machine_unrealize(m, replacing);
    if (!machine_irq_wire(m, p, strict, errp))
        abort(); /* the checks said it would wire */
    machine_irq_bind_waiting(m, p);
    if (p->offered_time)
        m->time_holder = p;
    return true;
}

static void append(Machine *m, MachinePeripheral *p)
{
    m->periphs = xreallocarray(m->periphs, m->nperiphs + 1, sizeof *m->periphs);
    m->periphs[m->nperiphs++] = p;
    machine_index_put(&m->index, p->desc.name, p, NULL);
}

static void take_out(Machine *m, MachinePeripheral *p)
{
    for (size_t i = 0; i < m->nperiphs; i++) {
        if (m->periphs[i] != p)
            continue;
        memmove(&m->periphs[i], &m->periphs[i + 1],
                (m->nperiphs - i - 1) * sizeof *m->periphs);
        m->nperiphs--;
        machine_index_remove(&m->index, p->desc.name);
        return;
    }
}

bool machine_add_peripheral(Machine *m, const BoardPeripheral *entry,
                            Error **errp)
{
    if (name_taken(m, entry, errp))
        return false;
    MachinePeripheral *p = machine_peripheral_entry(m, entry);
    bool ok = machine_resolve(m, p, errp) &&
              machine_check_free(m, p->desc.name, p->desc.base, p->size, NULL, NULL,
                                 &p->desc.base_loc, errp);
    if (ok) {
        memory_begin(m->ms);
        ok = bring_up(m, p, NULL, true, errp);
        memory_commit(m->ms);
    }
    if (!ok) {
        machine_peripheral_entry_free(p);
        return false;
    }
    append(m, p);
    return true;
}

/* What may happen to the aliases other devices show p's regions through
 * (a remap controller's window). */
typedef enum AliasPolicy {
    ALIASES_REFUSE,      /* replace, power off */
    ALIASES_REFUSE_HINT, /* remove without --force: say what --force does */
    ALIASES_RELEASE,     /* remove --force: their devices let go */
} AliasPolicy;

/* Applies `policy` to every alias onto `owner` (p's): a refusal names the
 * device that shows p; a release (release_alias) leaves the alias its
 * device's and mapped, showing nothing of p. */
static bool release_aliases(Machine *m, MachinePeripheral *p, const Owner *owner,
                            const char *name, AliasPolicy policy, Error **errp)
{
    MachinePeripheral *by;
    ExtraMapping *alias;
    while (owner && (alias = machine_alias_onto(m, owner, p, &by)) != NULL) {
        bool can_release = policy == ALIASES_RELEASE && by->cls->release_alias;
        if (!can_release) {
            error_setf(errp, "'%s' is shown by '%s' (its alias '%s')%s", name,
                       by->desc.name, memory_region_name(alias->region),
                       policy == ALIASES_RELEASE ? ", which cannot let go of it"
                       : policy == ALIASES_REFUSE_HINT
                           ? "; 'peripheral remove --force' makes that device let go"
                           : "");
            return false;
        }
        by->cls->release_alias(by->dev.state, alias->region);
        if (machine_alias_onto(m, owner, p, &by) == alias)
            abort(); /* the model broke release_alias's contract */
    }
    return true;
}

bool machine_remove_peripheral(Machine *m, const char *name, bool force,
                               Error **errp)
{
    MachinePeripheral *p = find(m, name, errp);
    if (!p)
        return false;
    memory_begin(m->ms);
    bool ok = release_aliases(m, p, p->dev.owner, name,
                              force ? ALIASES_RELEASE : ALIASES_REFUSE_HINT, errp);
    if (ok)
        machine_unrealize(m, p);
    memory_commit(m->ms);
    if (!ok)
        return false;
    take_out(m, p);
    machine_peripheral_entry_free(p);
    return true;
}

static const DeviceProperty *find_property(const PeripheralClass *cls,
                                           const char *key);

/* What can be checked of an entry without building it: its properties
 * are the model's (the values are the model's to judge, at power-on). */
static bool check_props_known(const MachinePeripheral *p, Error **errp)
{
    const BoardPeripheral *d = &p->desc;
    for (size_t i = 0; i < d->nprops; i++)
        if (!find_property(p->cls, d->props[i].key))
            return machine_loc_error(errp, &d->props[i].loc, "unknown property '%s' "
                                     "for %s '%s'", d->props[i].key, d->type, d->name);
    return true;
}

bool machine_replace_peripheral(Machine *m, const BoardPeripheral *entry,
                                Error **errp)
{
    MachinePeripheral *old = find(m, entry->name, errp);
    if (!old)
        return false;
    MachinePeripheral *p = machine_peripheral_entry(m, entry);
    bool ok = machine_resolve(m, p, errp) &&
              machine_check_free(m, p->desc.name, p->desc.base, p->size, old, NULL,
                                 &p->desc.base_loc, errp);
    /* Wiring the old one had may wait for a sink that has gone; new
     * wiring must name sinks that exist. */
    bool strict = !machine_same_wiring(&old->desc, &p->desc);
    if (ok && old->dev.owner) {
        memory_begin(m->ms);
        ok = release_aliases(m, old, old->dev.owner, old->desc.name, ALIASES_REFUSE,
                             errp) &&
             bring_up(m, p, old, strict, errp);
        memory_commit(m->ms);
    } else if (ok) { /* powered off: checked now, built at power-on */
        ok = check_props_known(p, errp) && machine_irq_check_entry(m, p, old, strict, errp);
    }
    if (!ok) {
        machine_peripheral_entry_free(p);
        return false;
    }
    for (size_t i = 0; i < m->nperiphs; i++)
        if (m->periphs[i] == old)
            m->periphs[i] = p; /* its place in the table, and so in reset order */
    machine_index_put(&m->index, p->desc.name, p, NULL);
    machine_peripheral_entry_free(old);
    return true;
}

static bool move_memory(Machine *m, MachineMemory *mem, uint64_t base,
                        uint32_t keep_pc, Error **errp)
{
    const SourceLoc *loc = &mem->desc.base_loc;
    const BoardMemory *d = &mem->desc;
    if (keep_pc >= d->base && keep_pc - d->base < d->size) {
        error_setf(errp, "'%s' holds the pc (0x%08x): it may not move", d->name, keep_pc);
        return false;
    }
    if (!memory_range_check(mem->desc.name, base, mem->desc.size, MACHINE_BUS_SIZE, errp) ||
        !machine_check_free(m, mem->desc.name, base, mem->desc.size, mem, NULL, loc, errp))
        return false;
    memory_begin(m->ms);
    memory_region_set_address(mem->region, base);
    memory_commit(m->ms);
    mem->desc.base = base;
    return true;
}

bool machine_move(Machine *m, const char *name, uint64_t base, uint32_t keep_pc,
                  Error **errp)
{
    MachineMemory *mem = machine_memory_named(m, name);
    if (mem)
        return move_memory(m, mem, base, keep_pc, errp);
    MachinePeripheral *p = find(m, name, errp);
    if (!p)
        return false;
    const SourceLoc *loc = &p->desc.base_loc;
    char what[160];
    snprintf(what, sizeof what, "peripheral '%s'", name);
    if (!memory_range_check(what, base, p->size, MACHINE_BUS_SIZE, errp) ||
        !machine_check_free(m, name, base, p->size, p, NULL, loc, errp))
        return false;
    if (p->dev.owner) {
        memory_begin(m->ms);
        memory_region_set_address(p->dev.region, base);
        memory_commit(m->ms);
    }
    p->desc.base = base;
    return true;
}

/* `KEY.PROP` is property PROP of the device a bus controller holds at
 * its property KEY (peripherals/bus_device.h): it is found as KEY. */
static const DeviceProperty *find_property(const PeripheralClass *cls,
                                           const char *key)
{
    size_t len = strcspn(key, ".");
    for (const DeviceProperty *d = cls->properties; d && d->name; d++)
        if (strlen(d->name) == len && strncmp(d->name, key, len) == 0)
            return d;
    return NULL;
}

/* A new value for KEY replaces the device there: what was recorded for
 * its properties (KEY.PROP) goes with it. */
static void forget_sub_properties(BoardPeripheral *d, const char *key)
{
    size_t len = strlen(key), kept = 0;
    for (size_t i = 0; i < d->nprops; i++) {
        BoardProp *prop = &d->props[i];
        if (strncmp(prop->key, key, len) == 0 && prop->key[len] == '.') {
            free(prop->key);
            free(prop->value);
            continue;
        }
        d->props[kept++] = *prop;
    }
    d->nprops = kept;
}

/* Records key=value in the entry, so a power cycle or `info` sees it. */
static void record_property(MachinePeripheral *p, const char *key,
                            const char *value)
{
    BoardPeripheral *d = &p->desc;
    if (!strchr(key, '.'))
        forget_sub_properties(d, key);
    for (size_t i = 0; i < d->nprops; i++) {
        if (strcmp(d->props[i].key, key) == 0) {
            free(d->props[i].value);
            d->props[i].value = xstrdup(value);
            return;
        }
    }
    d->props = xreallocarray(d->props, d->nprops + 1, sizeof *d->props);
    d->props[d->nprops++] = (BoardProp){xstrdup(key), xstrdup(value), d->loc};
}

bool machine_set_property(Machine *m, const char *name, const char *key,
                          const char *value, Error **errp)
{
    MachinePeripheral *p = find(m, name, errp);
    if (!p)
        return false;
    const DeviceProperty *prop = find_property(p->cls, key);
    if (!prop) {
        error_setf(errp, "%s '%s' has no property '%s' (see 'info types')",
                   p->desc.type, name, key);
        return false;
    }
    if (!prop->live || !p->cls->set_property) {
        error_setf(errp, "property '%s' of %s cannot change while running (use "
                   "'peripheral replace %s %s %s=...')", key, p->desc.type, name,
                   p->desc.type, key);
        return false;
    }
    /* KEY.PROP names a property of the device the controller holds at
     * KEY: powered off, there is none to check it against, and a bad one
     * recorded would make the next power-on fail. */
    size_t slot_len = strcspn(key, ".");
    if (!p->dev.owner && key[slot_len]) {
        error_setf(errp, "'%s' is powered off: '%s' is a property of the device "
                   "at '%.*s' (set '%.*s' instead)", name, key, (int)slot_len, key,
                   (int)slot_len, key);
        return false;
    }
    if (p->dev.owner) {
        MachinePeripheral *was_acting = m->acting;
        m->acting = p;
        bool ok = p->cls->set_property(p->dev.state, key, value, errp);
        m->acting = was_acting;
        if (!ok) {
            error_prepend(errp, "'%s': ", name);
            return false;
        }
    }
    record_property(p, key, value);
    return true;
}

bool machine_set_input(Machine *m, const char *name, unsigned pin, bool level,
                       Error **errp)
{
    MachinePeripheral *p = find(m, name, errp);
    if (!p)
        return false;
    if (!p->dev.owner) {
        error_setf(errp, "'%s' is powered off", name);
        return false;
    }
    if (!p->cls->set_input) {
        error_setf(errp, "'%s' (%s) has no input pins to drive", name, p->desc.type);
        return false;
    }
    return p->cls->set_input(p->dev.state, pin, level, errp);
}

bool machine_power(Machine *m, const char *name, bool on, Error **errp)
{
    MachinePeripheral *p = find(m, name, errp);
    if (!p)
        return false;
    if (on == (p->dev.owner != NULL))
        return true;
    memory_begin(m->ms);
    bool ok;
    if (on) {
        ok = bring_up(m, p, NULL, false, errp);
    } else {
        ok = release_aliases(m, p, p->dev.owner, name, ALIASES_REFUSE, errp);
        if (ok)
            machine_unrealize(m, p);
    }
    memory_commit(m->ms);
    return ok;
}

/* ---- the live table ---- */

size_t machine_peripheral_count(const Machine *m)
{
    return m->nperiphs;
}

const BoardPeripheral *machine_peripheral_at(const Machine *m, size_t index)
{
    return index < m->nperiphs ? &m->periphs[index]->desc : NULL;
}

const BoardPeripheral *machine_find_peripheral(const Machine *m,
                                               const char *name)
{
    const MachinePeripheral *p = machine_peripheral_named(m, name);
    return p ? &p->desc : NULL;
}

bool machine_peripheral_powered(const Machine *m, const char *name)
{
    const MachinePeripheral *p = machine_peripheral_named(m, name);
    return p && p->dev.owner;
}
