#include "soc/machine.h"

#include <stdlib.h>
#include <string.h>

#include "peripherals/registry.h"

#define BUS_SIZE (1ULL << 32)

struct Machine {
    MemorySystem *ms;
    MachineHooks hooks;
    DeviceHost device_host;
    Owner *bus_owner;
    MemoryRegion *bus;
    Owner **owners; /* memories and devices, one reference each */
    size_t nowners;
    bool exit_requested;
    int exit_status;
};

/* A placed block of the board, for the overlap check. */
typedef struct Placement {
    const char *name;
    uint64_t base, size;
    SourceLoc loc;
} Placement;

static void machine_request_exit(void *opaque, int status)
{
    Machine *m = opaque;
    if (!m->exit_requested) {
        m->exit_requested = true;
        m->exit_status = status;
    }
    m->hooks.stop(m->hooks.opaque);
}

static Chardev *machine_open_chardev(void *opaque, const char *spec,
                                     Error **errp)
{
    Machine *m = opaque;
    return m->hooks.open_chardev(m->hooks.opaque, spec, errp);
}

static void keep_owner(Machine *m, Owner *owner)
{
    Owner **grown = realloc(m->owners, (m->nowners + 1) * sizeof *grown);
    if (!grown)
        abort();
    m->owners = grown;
    m->owners[m->nowners++] = owner;
}

static bool check_overlaps(const Placement *p, size_t n, Error **errp)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < i; j++) {
            if (p[i].base < p[j].base + p[j].size &&
                p[j].base < p[i].base + p[i].size) {
                error_setf(errp,
                           "%s:%u:%u: '%s' [0x%llx-0x%llx] overlaps '%s' "
                           "[0x%llx-0x%llx]",
                           p[i].loc.file, p[i].loc.line, p[i].loc.col,
                           p[i].name, (unsigned long long)p[i].base,
                           (unsigned long long)(p[i].base + p[i].size - 1),
                           p[j].name, (unsigned long long)p[j].base,
                           (unsigned long long)(p[j].base + p[j].size - 1));
                return false;
            }
        }
    }
    return true;
}

static bool add_memory(Machine *m, const BoardMemory *mem, Error **errp)
{
    Owner *owner = owner_new(m->ms, mem->name, NULL, NULL);
    keep_owner(m, owner);
    MemoryRegion *mr = mem->kind == BOARD_MEM_RAM
                           ? memory_region_new_ram(owner, mem->name, mem->size, errp)
                           : memory_region_new_rom(owner, mem->name, mem->size, errp);
    if (!mr || !memory_add_subregion(m->bus, mem->base, mr, errp)) {
        error_prepend(errp, "%s:%u:%u: ", mem->loc.file, mem->loc.line,
                      mem->loc.col);
        return false;
    }
    return true;
}

static const PeripheralClass *find_model(const BoardPeripheral *p, Error **errp)
{
    const PeripheralClass *cls = registry_find(p->type);
    if (cls)
        return cls;
    size_t known_len = 1;
    for (size_t i = 0; i < registry_count(); i++)
        known_len += strlen(registry_at(i)->type) + 2;
    char *known = calloc(1, known_len);
    if (!known)
        abort();
    for (size_t i = 0; i < registry_count(); i++) {
        if (i)
            strcat(known, ", ");
        strcat(known, registry_at(i)->type);
    }
    error_setf(errp, "%s:%u:%u: unknown peripheral type '%s' (known: %s)",
               p->type_loc.file, p->type_loc.line, p->type_loc.col, p->type,
               known);
    free(known);
    return NULL;
}

static bool resolve_size(const BoardPeripheral *p, const PeripheralClass *cls,
                         uint64_t *size, Error **errp)
{
    *size = p->size ? p->size : cls->default_size;
    if (*size >= cls->min_size && *size <= cls->max_size)
        return true;
    error_setf(errp, "%s:%u:%u: size 0x%llx not allowed for %s (0x%llx to 0x%llx)",
               p->loc.file, p->loc.line, p->loc.col, (unsigned long long)*size,
               cls->type, (unsigned long long)cls->min_size,
               (unsigned long long)cls->max_size);
    return false;
}

static bool add_peripheral(Machine *m, const BoardPeripheral *p,
                           const PeripheralClass *cls, uint64_t size,
                           Error **errp)
{
    DeviceConfig config = {
        .ms = m->ms,
        .desc = p,
        .size = size,
        .host = &m->device_host,
    };
    Device dev = {0};
    if (!cls->create(&config, &dev, errp))
        return false;
    keep_owner(m, dev.owner);
    if (!memory_add_subregion(m->bus, p->base, dev.region, errp)) {
        error_prepend(errp, "%s:%u:%u: ", p->loc.file, p->loc.line, p->loc.col);
        return false;
    }
    return true;
}

/* Validates every peripheral (model, size) and every placement before
 * anything is built. */
static bool plan(const BoardDesc *board, const PeripheralClass **classes,
                 uint64_t *sizes, Error **errp)
{
    size_t n = board->nmemories + board->nperipherals;
    Placement *places = calloc(n ? n : 1, sizeof *places);
    if (!places)
        abort();
    bool ok = true;
    for (size_t i = 0; i < board->nmemories; i++) {
        const BoardMemory *mem = &board->memories[i];
        places[i] = (Placement){mem->name, mem->base, mem->size, mem->loc};
    }
    for (size_t i = 0; ok && i < board->nperipherals; i++) {
        const BoardPeripheral *p = &board->peripherals[i];
        classes[i] = find_model(p, errp);
        ok = classes[i] && resolve_size(p, classes[i], &sizes[i], errp);
        places[board->nmemories + i] = (Placement){p->name, p->base, sizes[i], p->loc};
    }
    ok = ok && check_overlaps(places, n, errp);
    free(places);
    return ok;
}

static bool build(Machine *m, const BoardDesc *board,
                  const PeripheralClass **classes, const uint64_t *sizes,
                  Error **errp)
{
    for (size_t i = 0; i < board->nmemories; i++)
        if (!add_memory(m, &board->memories[i], errp))
            return false;
    for (size_t i = 0; i < board->nperipherals; i++)
        if (!add_peripheral(m, &board->peripherals[i], classes[i], sizes[i], errp))
            return false;
    memory_set_root(m->ms, m->bus);
    return true;
}

Machine *machine_new(MemorySystem *ms, const BoardDesc *board,
                     const MachineHooks *hooks, Error **errp)
{
    size_t n = board->nperipherals ? board->nperipherals : 1;
    const PeripheralClass **classes = calloc(n, sizeof *classes);
    uint64_t *sizes = calloc(n, sizeof *sizes);
    if (!classes || !sizes)
        abort();
    Machine *m = NULL;
    if (plan(board, classes, sizes, errp)) {
        m = calloc(1, sizeof *m);
        if (!m)
            abort();
        m->ms = ms;
        m->hooks = *hooks;
        m->device_host = (DeviceHost){
            .opaque = m,
            .request_exit = machine_request_exit,
            .open_chardev = machine_open_chardev,
        };
        m->bus_owner = owner_new(ms, "system", NULL, NULL);
        m->bus = memory_region_new_container(m->bus_owner, "system", BUS_SIZE);
        memory_begin(ms);
        bool ok = build(m, board, classes, sizes, errp);
        memory_commit(ms);
        if (!ok) {
            machine_free(m);
            m = NULL;
        }
    }
    free(classes);
    free(sizes);
    return m;
}

void machine_free(Machine *m)
{
    if (!m)
        return;
    if (memory_root(m->ms) == m->bus)
        memory_set_root(m->ms, NULL);
    owner_unref(m->bus_owner);
    for (size_t i = 0; i < m->nowners; i++)
        owner_unref(m->owners[i]);
    free(m->owners);
    free(m);
}

bool machine_exit_requested(const Machine *m, int *status)
{
    if (m->exit_requested && status)
        *status = m->exit_status;
    return m->exit_requested;
}
