/* Machine assembly: plan (models, sizes, overlaps), build (memories, then
 * devices in board order, each mapped on the bus), wire (interrupt lines,
 * once every device exists), all in one memory transaction. Any failure
 * frees what was built through machine_free. Also the live table's
 * entries, realizing and dropping a device, and what the machine offers
 * its devices (DeviceHost). */
#include "soc/machine_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "soc/alloc.h"
#include "soc/file.h"
#include "soc/overlap.h"

bool machine_loc_error(Error **errp, const SourceLoc *loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    error_vsetf(errp, fmt, ap);
    va_end(ap);
    error_prepend(errp, "%s:%u:%u: ", loc->file, loc->line, loc->col);
    return false;
}

/* ---- the live table's entries ---- */

/* The machine's own copy of a SourceLoc file name: entries outlive the
 * BoardFile (or monitor line) they came from. */
static const char *intern(Machine *m, const char *file)
{
    if (!file)
        return NULL;
    for (size_t i = 0; i < m->nfiles; i++)
        if (strcmp(m->files[i], file) == 0)
            return m->files[i];
    m->files = xreallocarray(m->files, m->nfiles + 1, sizeof *m->files);
    m->files[m->nfiles] = xstrdup(file);
    return m->files[m->nfiles++];
}

static void intern_loc(Machine *m, SourceLoc *loc)
{
    loc->file = intern(m, loc->file);
}

MachinePeripheral *machine_peripheral_entry(Machine *m,
                                            const BoardPeripheral *entry)
{
    MachinePeripheral *p = xcalloc(1, sizeof *p);
    board_peripheral_copy(&p->desc, entry);
    BoardPeripheral *d = &p->desc;
    intern_loc(m, &d->loc);
    intern_loc(m, &d->type_loc);
    intern_loc(m, &d->irq_loc);
    intern_loc(m, &d->base_loc);
    intern_loc(m, &d->size_loc);
    for (size_t i = 0; i < d->nprops; i++)
        intern_loc(m, &d->props[i].loc);
    for (size_t i = 0; i < d->nirqs; i++)
        intern_loc(m, &d->irqs[i].loc);
    return p;
}

void machine_peripheral_entry_free(MachinePeripheral *p)
{
    if (!p)
        return;
    board_peripheral_free(&p->desc);
    free(p->outputs);
    free(p->extra);
    free(p);
}

MachineMemory *machine_memory_entry(Machine *m, const BoardMemory *entry)
{
    MachineMemory *mem = xcalloc(1, sizeof *mem);
    board_memory_copy(&mem->desc, entry);
    intern_loc(m, &mem->desc.loc);
    intern_loc(m, &mem->desc.base_loc);
    intern_loc(m, &mem->desc.size_loc);
    intern_loc(m, &mem->desc.image_loc);
    return mem;
}

MachinePeripheral *machine_peripheral_named(const Machine *m, const char *name)
{
    MachinePeripheral *p;
    MachineMemory *mem;
    machine_index_find(&m->index, name, &p, &mem);
    return p;
}

MachineMemory *machine_memory_named(const Machine *m, const char *name)
{
    MachinePeripheral *p;
    MachineMemory *mem;
    machine_index_find(&m->index, name, &p, &mem);
    return mem;
}

/* ---- what the machine offers its devices ---- */

static void machine_request_exit(void *opaque, int status)
{
    Machine *m = opaque;
    if (!m->exit_requested) {
        m->exit_requested = true;
        m->exit_status = status;
    }
    m->hooks.stop(m->hooks.opaque);
}

static void machine_request_reset(void *opaque)
{
    machine_reset(opaque);
}

static void machine_log_guest(void *opaque, const char *device,
                              const char *message)
{
    Machine *m = opaque;
    if (m->hooks.log_guest)
        m->hooks.log_guest(m->hooks.opaque, device, message);
}

static void machine_signal(void *opaque, const char *device, const char *name,
                           unsigned width, uint64_t value, uint64_t when)
{
    Machine *m = opaque;
    m->hooks.signal(m->hooks.signal_opaque, device, name, width, value, when);
}

static bool machine_signal_wanted(void *opaque, const char *device, const char *name)
{
    Machine *m = opaque;
    return m->hooks.signal_wanted &&
           m->hooks.signal_wanted(m->hooks.signal_opaque, device, name);
}

static Chardev *machine_open_chardev(void *opaque, const char *spec,
                                     Error **errp)
{
    Machine *m = opaque;
    const char *device = m->acting ? m->acting->desc.name : "?";
    return m->hooks.open_chardev(m->hooks.opaque, device, spec, errp);
}

static bool machine_set_time_source(void *opaque, DeviceTimeFn read_time,
                                    void *dev, Error **errp)
{
    Machine *m = opaque;
    MachinePeripheral *p = m->acting;
    if (!p)
        abort(); /* only from create */
    MachinePeripheral *holder = m->time_holder;
    if (holder && holder != m->replacing) {
        const SourceLoc *at = &p->desc.loc;
        return machine_loc_error(errp, at, "'%s' cannot be the time source: "
                                 "'%s' already is", p->desc.name,
                                 holder->desc.name);
    }
    p->offered_time = read_time;
    p->offered_dev = dev;
    return true;
}

static bool machine_host_power(void *opaque, const char *name, bool on,
                               Error **errp)
{
    return machine_power(opaque, name, on, errp);
}

/* The staged entry (board apply building a new board) of that name, when
 * it has a region: a memory or device of the new board, built already. */
static MemoryRegion *staged_region(const Machine *m, const char *name)
{
    for (size_t i = 0; i < m->nstaged_mems; i++)
        if (m->staged_mems[i]->region && strcmp(m->staged_mems[i]->desc.name, name) == 0)
            return m->staged_mems[i]->region;
    for (size_t i = 0; i < m->nstaged_periphs; i++) {
        const MachinePeripheral *p = m->staged_periphs[i];
        if (p->dev.owner && strcmp(p->desc.name, name) == 0)
            return p->dev.region;
    }
    return NULL;
}

static MemoryRegion *machine_find_region(void *opaque, const char *name)
{
    Machine *m = opaque;
    MemoryRegion *staged = staged_region(m, name);
    if (staged)
        return staged;
    MachineMemory *mem = machine_memory_named(m, name);
    if (mem)
        return mem->region;
    MachinePeripheral *p = machine_peripheral_named(m, name);
    return p && p->dev.owner ? p->dev.region : NULL;
}

static bool machine_map_region(void *opaque, MemoryRegion *region,
                               uint64_t base, int priority, Error **errp)
{
    Machine *m = opaque;
    MachinePeripheral *p = m->acting;
    if (!p)
        abort(); /* only from create */
    if (!memory_add_subregion_overlap(m->bus, base, region, priority, errp))
        return false;
    p->extra = xreallocarray(p->extra, p->nextra + 1, sizeof *p->extra);
    p->extra[p->nextra++] = (ExtraMapping){region, base};
    return true;
}

/* ---- building and dropping ---- */

/* Copies the memory's `image:` file into it. */
static bool load_image(const BoardMemory *mem, uint8_t *host, Error **errp)
{
    const SourceLoc *loc = &mem->image_loc;
    Error *err = NULL;
    FILE *f = file_fopen_input(mem->image, &err); /* never blocks on a FIFO */
    if (!f) {
        /* soc/file.h's messages start with "PATH: " */
        error_prepend(&err, "%s:%u:%u: image ", loc->file, loc->line, loc->col);
        error_propagate(errp, err);
        return false;
    }
    size_t got = fread(host, 1, (size_t)mem->size, f);
    bool too_big = got == mem->size && fgetc(f) != EOF;
    bool failed = ferror(f);
    fclose(f);
    if (failed || too_big) {
        return machine_loc_error(errp, loc, "image '%s': %s", mem->image,
                                 failed ? "cannot read it" : "larger than the memory");
    }
    return true;
}

static bool loc_prepend(Error **errp, const SourceLoc *loc)
{
    error_prepend(errp, "%s:%u:%u: ", loc->file, loc->line, loc->col);
    return false;
}

/* The image's messages carry its own location; the rest the entry's. */
static bool fill_and_map(Machine *m, MachineMemory *mem, Error **errp)
{
    const BoardMemory *desc = &mem->desc;
    if (!mem->region)
        return loc_prepend(errp, &desc->loc);
    if (desc->image && !load_image(desc, memory_region_host_ptr(mem->region), errp))
        return false;
    if (!memory_add_subregion(m->bus, desc->base, mem->region, errp))
        return loc_prepend(errp, &desc->loc);
    return true;
}

bool machine_build_memory(Machine *m, MachineMemory *mem, Error **errp)
{
    const BoardMemory *desc = &mem->desc;
    mem->owner = owner_new(m->ms, desc->name, NULL, NULL);
    mem->region = desc->kind == BOARD_MEM_RAM
                      ? memory_region_new_ram(mem->owner, desc->name, desc->size, errp)
                      : memory_region_new_rom(mem->owner, desc->name, desc->size, errp);
    if (mem->region && !desc->image && m->hooks.track_memories)
        memory_pages_track_zero(mem->region);
    if (fill_and_map(m, mem, errp))
        return true;
    owner_unref(mem->owner);
    mem->owner = NULL;
    mem->region = NULL;
    return false;
}

void machine_drop_memory(Machine *m, MachineMemory *mem)
{
    if (!mem->owner)
        return;
    memory_del_subregion(m->bus, mem->region);
    owner_unref(mem->owner);
    mem->owner = NULL;
    mem->region = NULL;
}

static const PeripheralClass *find_model(const Machine *m,
                                         const BoardPeripheral *p, Error **errp)
{
    const DeviceRegistry *reg = m->hooks.registry;
    const PeripheralClass *cls = device_registry_find(reg, p->type);
    if (cls)
        return cls;
    size_t known_len = 1, count = reg ? reg->count : 0;
    for (size_t i = 0; i < count; i++)
        known_len += strlen(reg->classes[i]->type) + 2;
    char *known = xcalloc(1, known_len);
    for (size_t i = 0; i < count; i++) {
        if (i)
            strcat(known, ", ");
        strcat(known, reg->classes[i]->type);
    }
    machine_loc_error(errp, &p->type_loc, "unknown peripheral type '%s' (known: %s)",
                      p->type, count ? known : "none");
    free(known);
    return NULL;
}

bool machine_resolve(const Machine *m, MachinePeripheral *p, Error **errp)
{
    const BoardPeripheral *d = &p->desc;
    const PeripheralClass *cls = find_model(m, d, errp);
    if (!cls)
        return false;
    uint64_t size = d->size ? d->size : cls->default_size;
    if (size < cls->min_size || size > cls->max_size)
        return machine_loc_error(errp, &d->size_loc, "size 0x%llx not allowed for %s "
                                 "(0x%llx to 0x%llx)", (unsigned long long)size,
                                 cls->type, (unsigned long long)cls->min_size,
                                 (unsigned long long)cls->max_size);
    /* The board checked the sizes it gives; the model's default is placed
     * only here, where its base puts it. */
    char what[160];
    snprintf(what, sizeof what, "peripheral '%s'", d->name);
    if (!memory_range_check(what, d->base, size, MACHINE_BUS_SIZE, errp)) {
        const SourceLoc *at = d->size ? &d->size_loc : &d->base_loc;
        error_prepend(errp, "%s:%u:%u: ", at->file, at->line, at->col);
        return false;
    }
    p->cls = cls;
    p->size = size;
    return true;
}

static void unmap_extra(Machine *m, MachinePeripheral *p)
{
    for (size_t i = 0; i < p->nextra; i++)
        memory_del_subregion(m->bus, p->extra[i].region);
    free(p->extra);
    p->extra = NULL;
    p->nextra = 0;
}

bool machine_realize(Machine *m, MachinePeripheral *p, Error **errp)
{
    DeviceConfig config = {
        .ms = m->ms,
        .desc = &p->desc,
        .size = p->size,
        .host = &m->device_host,
    };
    MachinePeripheral *was_acting = m->acting;
    m->acting = p;
    bool ok = p->cls->create(&config, &p->dev, errp);
    m->acting = was_acting;
    if (!ok) {
        unmap_extra(m, p); /* a failed create freed its regions' owner */
        p->dev = (Device){0};
        p->offered_time = NULL;
        return false;
    }
    if (memory_add_subregion(m->bus, p->desc.base, p->dev.region, errp))
        return true;
    loc_prepend(errp, &p->desc.loc);
    unmap_extra(m, p);
    owner_unref(p->dev.owner);
    p->dev = (Device){0};
    p->offered_time = NULL;
    return false;
}

void machine_unrealize(Machine *m, MachinePeripheral *p)
{
    if (!p->dev.owner)
        return;
    machine_irq_unwire(m, p);
    if (m->time_holder == p)
        m->time_holder = NULL;
    p->offered_time = NULL;
    p->offered_dev = NULL;
    unmap_extra(m, p);
    memory_del_subregion(m->bus, p->dev.region);
    Owner *owner = p->dev.owner;
    p->dev = (Device){0};
    owner_unref(owner); /* it dies now, or when the access in progress ends */
}

/* ---- placement ---- */

static bool from_set(const SourceLoc *loc)
{
    return strcmp(loc->file, BOARD_SET_FILE) == 0;
}

/* A placed block of the board, for the overlap check. */
typedef struct Placement {
    const char *name;
    uint64_t base, size;
    SourceLoc loc; /* where an overlap is reported */
} Placement;

/* A block reported in an overlap is blamed for what --set changed in it
 * (its base, else its size), or else for its base. */
static Placement placement(const char *name, uint64_t base, uint64_t size,
                           const SourceLoc *base_loc,
                           const SourceLoc *size_loc)
{
    bool size_set = from_set(size_loc) && !from_set(base_loc);
    return (Placement){ name, base, size, size_set ? *size_loc : *base_loc };
}

static bool overlap_error(const Placement *later, const Placement *earlier,
                          Error **errp)
{
    return machine_loc_error(errp, &later->loc,
                             "'%s' [0x%llx-0x%llx] overlaps '%s' [0x%llx-0x%llx]",
                             later->name, (unsigned long long)later->base,
                             (unsigned long long)(later->base + later->size - 1),
                             earlier->name, (unsigned long long)earlier->base,
                             (unsigned long long)(earlier->base + earlier->size - 1));
}

/* No two blocks overlap (soc/overlap.h: n log n, however many blocks a
 * board has). Of the first two that do, the one written later is
 * reported: blocks count in table order, then those --set placed (it
 * wrote them last). */
bool machine_check_layout(MachineMemory *const *mems, size_t nmems,
                          MachinePeripheral *const *periphs, size_t nperiphs,
                          Error **errp)
{
    size_t n = nmems + nperiphs, k = 0;
    Placement *places = xcalloc(n ? n : 1, sizeof *places);
    Span *spans = xcalloc(n ? n : 1, sizeof *spans);
    for (int set_last = 0; set_last < 2; set_last++) {
        for (size_t i = 0; i < n; i++) {
            Placement p;
            if (i < nmems) {
                const BoardMemory *d = &mems[i]->desc;
                p = placement(d->name, d->base, d->size, &d->base_loc, &d->size_loc);
            } else {
                const MachinePeripheral *mp = periphs[i - nmems];
                const BoardPeripheral *d = &mp->desc;
                p = placement(d->name, d->base, mp->size, &d->base_loc, &d->size_loc);
            }
            if (from_set(&p.loc) == (set_last == 1)) {
                spans[k] = (Span){ p.base, p.size };
                places[k++] = p;
            }
        }
    }
    size_t earlier, later;
    bool ok = !overlap_find(spans, n, &earlier, &later) ||
              overlap_error(&places[later], &places[earlier], errp);
    free(spans);
    free(places);
    return ok;
}

bool machine_check_free(const Machine *m, const char *name, uint64_t base,
                        uint64_t size, const void *skip_a, const void *skip_b,
                        const SourceLoc *loc, Error **errp)
{
    Placement mine = {name, base, size, *loc};
    for (size_t i = 0; i < m->nmemories + m->nperiphs; i++) {
        const void *entry;
        Placement other;
        if (i < m->nmemories) {
            const MachineMemory *mem = m->memories[i];
            entry = mem;
            other = (Placement){mem->desc.name, mem->desc.base, mem->desc.size, *loc};
        } else {
            const MachinePeripheral *p = m->periphs[i - m->nmemories];
            entry = p;
            other = (Placement){p->desc.name, p->desc.base, p->size, *loc};
        }
        if (entry == skip_a || entry == skip_b)
            continue;
        if (base < other.base + other.size && other.base < base + size)
            return overlap_error(&mine, &other, errp);
    }
    return true;
}

ExtraMapping *machine_alias_onto(const Machine *m, const Owner *owner,
                                 const MachinePeripheral *skip,
                                 MachinePeripheral **by)
{
    for (size_t i = 0; i < m->nperiphs; i++) {
        MachinePeripheral *p = m->periphs[i];
        if (p == skip)
            continue;
        for (size_t j = 0; j < p->nextra; j++) {
            MemoryRegion *target = memory_region_alias_target(p->extra[j].region);
            if (target && memory_region_owner(target) == owner) {
                *by = p;
                return &p->extra[j];
            }
        }
    }
    return NULL;
}

/* ---- machine_new and machine_free ---- */

/* The board's own fields, without its entries (a snapshot's board starts
 * from them). */
static void keep_top(Machine *m, const BoardDesc *board)
{
    BoardDesc *t = &m->top;
    *t = *board;
    t->memories = NULL;
    t->peripherals = NULL;
    t->nmemories = t->nperipherals = 0;
    t->name = xstrdup(board->name ? board->name : "board");
    t->description = xstrdup(board->description ? board->description : "");
    t->cpu.isa = board->cpu.isa ? xstrdup(board->cpu.isa) : NULL;
    intern_loc(m, &t->loc);
    intern_loc(m, &t->host_loc);
    intern_loc(m, &t->cpu.loc);
    intern_loc(m, &t->cpu.isa_loc);
    intern_loc(m, &t->cpu.reset_pc_loc);
}

/* Validates every peripheral (model, size) and every placement before
 * anything is built. */
static bool plan(Machine *m, const BoardDesc *board, Error **errp)
{
    for (size_t i = 0; i < board->nmemories; i++) {
        MachineMemory *mem = machine_memory_entry(m, &board->memories[i]);
        m->memories[m->nmemories++] = mem;
        machine_index_put(&m->index, mem->desc.name, NULL, mem);
    }
    for (size_t i = 0; i < board->nperipherals; i++) {
        MachinePeripheral *p = machine_peripheral_entry(m, &board->peripherals[i]);
        m->periphs[m->nperiphs++] = p;
        machine_index_put(&m->index, p->desc.name, p, NULL);
        if (!machine_resolve(m, p, errp))
            return false;
    }
    return machine_check_layout(m->memories, m->nmemories, m->periphs, m->nperiphs,
                                errp);
}

static bool build(Machine *m, const BoardDesc *board, Error **errp)
{
    for (size_t i = 0; i < m->nmemories; i++)
        if (!machine_build_memory(m, m->memories[i], errp))
            return false;
    for (size_t i = 0; i < m->nperiphs; i++) {
        MachinePeripheral *p = m->periphs[i];
        if (!machine_realize(m, p, errp))
            return false;
        if (p->offered_time)
            m->time_holder = p;
    }
    if (!machine_check_one_driver_each(board, errp))
        return false;
    for (size_t i = 0; i < m->nperiphs; i++)
        if (!machine_irq_wire(m, m->periphs[i], true, errp))
            return false;
    memory_set_root(m->ms, m->bus);
    return true;
}

Machine *machine_new(MemorySystem *ms, const BoardDesc *board,
                     const MachineHooks *hooks, Error **errp)
{
    Machine *m = xcalloc(1, sizeof *m);
    m->ms = ms;
    m->hooks = *hooks;
    m->device_host = (DeviceHost){
        .opaque = m,
        .request_exit = machine_request_exit,
        .open_chardev = machine_open_chardev,
        .clock = hooks->clock,
        .set_time_source = machine_set_time_source,
        .request_reset = machine_request_reset,
        .log_guest = machine_log_guest,
        .power = machine_host_power,
        .find_region = machine_find_region,
        .map_region = machine_map_region,
        .signal = hooks->signal ? machine_signal : NULL,
        .signal_wanted = hooks->signal ? machine_signal_wanted : NULL,
    };
    m->memories = xcalloc(board->nmemories ? board->nmemories : 1, sizeof *m->memories);
    m->periphs = xcalloc(board->nperipherals ? board->nperipherals : 1, sizeof *m->periphs);
    keep_top(m, board);
    m->bus_owner = owner_new(ms, "system", NULL, NULL);
    m->bus = memory_region_new_container(m->bus_owner, "system", MACHINE_BUS_SIZE);
    bool ok = plan(m, board, errp);
    if (ok) {
        memory_begin(ms);
        ok = build(m, board, errp);
        memory_commit(ms);
    }
    if (!ok) {
        machine_free(m);
        return NULL;
    }
    return m;
}

void machine_free(Machine *m)
{
    if (!m)
        return;
    /* Sinks must outlive their sources: cut every line before any device
     * can die. Teardown drives nothing. */
    machine_irq_free_all(m);
    if (memory_root(m->ms) == m->bus)
        memory_set_root(m->ms, NULL);
    owner_unref(m->bus_owner);
    for (size_t i = 0; i < m->nmemories; i++) {
        if (m->memories[i]->owner)
            owner_unref(m->memories[i]->owner);
        board_memory_free(&m->memories[i]->desc);
        free(m->memories[i]);
    }
    for (size_t i = 0; i < m->nperiphs; i++) {
        MachinePeripheral *p = m->periphs[i];
        if (p->dev.owner)
            owner_unref(p->dev.owner);
        machine_peripheral_entry_free(p);
    }
    machine_index_free(&m->index);
    board_desc_free(&m->top);
    for (size_t i = 0; i < m->nfiles; i++)
        free(m->files[i]);
    free(m->files);
    free(m->memories);
    free(m->periphs);
    free(m);
}

void machine_reset(Machine *m)
{
    /* A reset hook may not change the table, but index by count anyway. */
    for (size_t i = 0; i < m->nperiphs; i++) {
        MachinePeripheral *p = m->periphs[i];
        if (p->dev.owner && p->cls->reset)
            p->cls->reset(p->dev.state);
    }
    if (m->hooks.reset_cpu)
        m->hooks.reset_cpu(m->hooks.opaque);
}

bool machine_exit_requested(const Machine *m, int *status)
{
    if (m->exit_requested && status)
        *status = m->exit_status;
    return m->exit_requested;
}

bool machine_read_time(void *opaque, uint64_t *now)
{
    const Machine *m = opaque;
    const MachinePeripheral *holder = m->time_holder;
    if (!holder)
        return false;
    *now = holder->offered_time(holder->offered_dev);
    return true;
}

const char *machine_time_source_name(const Machine *m)
{
    return m->time_holder ? m->time_holder->desc.name : NULL;
}

const DeviceRegistry *machine_registry(const Machine *m)
{
    return m->hooks.registry;
}
