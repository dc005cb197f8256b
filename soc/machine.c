/* Machine assembly: plan (models, sizes, overlaps), build (memories, then
 * devices in board order, each mapped on the bus), wire (interrupt lines,
 * once every device exists), all in one memory transaction. Any failure
 * frees what was built through machine_free. */
#include "soc/machine.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "peripherals/registry.h"
#include "soc/alloc.h"
#include "soc/file.h"
#include "soc/overlap.h"

#define BUS_SIZE (1ULL << 32)

typedef struct MachineDevice {
    const PeripheralClass *cls;
    Device dev;  /* dev.owner: one reference, the machine's */
    bool wired;  /* connect_irqs was given lines */
} MachineDevice;

struct Machine {
    MemorySystem *ms;
    MachineHooks hooks;
    DeviceHost device_host;
    Owner *bus_owner;
    MemoryRegion *bus;
    Owner **owners; /* memories, one reference each */
    size_t nowners;
    MachineDevice *devices; /* board order; ndevices created so far */
    size_t ndevices;
    const BoardPeripheral *creating; /* the device in create, for messages */
    DeviceTimeFn read_time;          /* the CPU's time source, if any */
    void *time_dev;
    char *time_source_name;
    bool exit_requested;
    int exit_status;
};

/* A placed block of the board, for the overlap check. */
typedef struct Placement {
    const char *name;
    uint64_t base, size;
    SourceLoc loc; /* where an overlap is reported */
} Placement;

static bool loc_error(Error **errp, const SourceLoc *loc, const char *fmt,
                      ...) __attribute__((format(printf, 3, 4)));
static bool loc_error(Error **errp, const SourceLoc *loc, const char *fmt,
                      ...)
{
    va_list ap;
    va_start(ap, fmt);
    error_vsetf(errp, fmt, ap);
    va_end(ap);
    error_prepend(errp, "%s:%u:%u: ", loc->file, loc->line, loc->col);
    return false;
}

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

static Chardev *machine_open_chardev(void *opaque, const char *spec,
                                     Error **errp)
{
    Machine *m = opaque;
    return m->hooks.open_chardev(m->hooks.opaque, spec, errp);
}

static bool machine_set_time_source(void *opaque, DeviceTimeFn read_time,
                                    void *dev, Error **errp)
{
    Machine *m = opaque;
    const BoardPeripheral *p = m->creating;
    if (!p)
        abort(); /* only during create, for now */
    if (m->read_time) {
        error_setf(errp, "%s:%u:%u: '%s' cannot be the time source: '%s' "
                   "already is", p->loc.file, p->loc.line, p->loc.col,
                   p->name, m->time_source_name);
        return false;
    }
    m->time_source_name = xstrdup(p->name);
    m->read_time = read_time;
    m->time_dev = dev;
    return true;
}

static void keep_owner(Machine *m, Owner *owner)
{
    Owner **grown = xrealloc(m->owners, (m->nowners + 1) * sizeof *grown);
    m->owners = grown;
    m->owners[m->nowners++] = owner;
}

static bool from_set(const SourceLoc *loc)
{
    return strcmp(loc->file, BOARD_SET_FILE) == 0;
}

/* A block reported in an overlap is blamed for what --set changed in it
 * (its base, else its size), or else for its base. */
static Placement placement(const char *name, uint64_t base, uint64_t size,
                           const SourceLoc *base_loc,
                           const SourceLoc *size_loc)
{
    bool size_set = from_set(size_loc) && !from_set(base_loc);
    return (Placement){ name, base, size, size_set ? *size_loc : *base_loc };
}

/* Block i of the board: its memories, then its peripherals (with the
 * sizes the plan resolved). */
static Placement block(const BoardDesc *board, const uint64_t *sizes, size_t i)
{
    if (i < board->nmemories) {
        const BoardMemory *m = &board->memories[i];
        return placement(m->name, m->base, m->size, &m->base_loc, &m->size_loc);
    }
    const BoardPeripheral *p = &board->peripherals[i - board->nmemories];
    return placement(p->name, p->base, sizes[i - board->nmemories],
                     &p->base_loc, &p->size_loc);
}

static bool overlap_error(const Placement *later, const Placement *earlier,
                          Error **errp)
{
    error_setf(errp, "%s:%u:%u: '%s' [0x%llx-0x%llx] overlaps '%s' [0x%llx-0x%llx]",
               later->loc.file, later->loc.line, later->loc.col, later->name,
               (unsigned long long)later->base,
               (unsigned long long)(later->base + later->size - 1), earlier->name,
               (unsigned long long)earlier->base,
               (unsigned long long)(earlier->base + earlier->size - 1));
    return false;
}

/* No two blocks overlap (soc/overlap.h: n log n, however many blocks a
 * board has). Of the first two that do, the one written later is
 * reported: blocks count in board order, then those --set placed (it
 * wrote them last). */
static bool check_overlaps(const BoardDesc *board, const uint64_t *sizes,
                           Error **errp)
{
    size_t n = board->nmemories + board->nperipherals, k = 0;
    Placement *places = xcalloc(n ? n : 1, sizeof *places);
    Span *spans = xcalloc(n ? n : 1, sizeof *spans);
    for (int set_last = 0; set_last < 2; set_last++) {
        for (size_t i = 0; i < n; i++) {
            Placement p = block(board, sizes, i);
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
        error_setf(errp, "%s:%u:%u: image '%s': %s", loc->file, loc->line,
                   loc->col, mem->image,
                   failed ? "cannot read it" : "larger than the memory");
        return false;
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
    if (mr && mem->image && !load_image(mem, memory_region_host_ptr(mr), errp))
        return false;
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
    char *known = xcalloc(1, known_len);
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
    if (*size < cls->min_size || *size > cls->max_size)
        return loc_error(errp, &p->size_loc, "size 0x%llx not allowed for %s "
                         "(0x%llx to 0x%llx)", (unsigned long long)*size,
                         cls->type, (unsigned long long)cls->min_size,
                         (unsigned long long)cls->max_size);
    /* The board checked the sizes it gives; the model's default is placed
     * only here, where its base puts it. */
    char what[160];
    snprintf(what, sizeof what, "peripheral '%s'", p->name);
    if (memory_range_check(what, p->base, *size, BUS_SIZE, errp))
        return true;
    const SourceLoc *at = p->size ? &p->size_loc : &p->base_loc;
    error_prepend(errp, "%s:%u:%u: ", at->file, at->line, at->col);
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
    MachineDevice *d = &m->devices[m->ndevices];
    m->creating = p;
    bool ok = cls->create(&config, &d->dev, errp);
    m->creating = NULL;
    if (!ok)
        return false;
    d->cls = cls;
    m->ndevices++;
    if (!memory_add_subregion(m->bus, p->base, d->dev.region, errp)) {
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
    for (size_t i = 0; i < board->nperipherals; i++) {
        const BoardPeripheral *p = &board->peripherals[i];
        classes[i] = find_model(p, errp);
        if (!classes[i] || !resolve_size(p, classes[i], &sizes[i], errp))
            return false;
    }
    return check_overlaps(board, sizes, errp);
}

/* ---- interrupt wiring ---- */

/* "cpu.mti" or "plic.3", for messages. */
static void sink_name(const BoardIrq *irq, char *buf, size_t size)
{
    if (irq->input)
        snprintf(buf, size, "%s.%s", irq->target, irq->input);
    else
        snprintf(buf, size, "%s.%u", irq->target, irq->line);
}

static bool same_sink(const BoardIrq *a, const BoardIrq *b)
{
    if (strcmp(a->target, b->target) != 0 || !a->input != !b->input)
        return false;
    return a->input ? strcmp(a->input, b->input) == 0 : a->line == b->line;
}

/* One driver per input: every sink every `irq:` names, sorted, so an
 * input named twice is found in n log n however many lines a board has. */
typedef struct Driven {
    const BoardIrq *sink;
    const char *source;
    size_t order; /* board order: the later one is reported */
} Driven;

static int by_sink(const void *a, const void *b)
{
    const Driven *x = a, *y = b;
    int c = strcmp(x->sink->target, y->sink->target);
    if (c)
        return c;
    if (!x->sink->input != !y->sink->input)
        return x->sink->input ? 1 : -1;
    if (x->sink->input && (c = strcmp(x->sink->input, y->sink->input)) != 0)
        return c;
    if (!x->sink->input && x->sink->line != y->sink->line)
        return x->sink->line < y->sink->line ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

static bool check_one_driver_each(const BoardDesc *board, Error **errp)
{
    size_t n = 0;
    for (size_t i = 0; i < board->nperipherals; i++)
        n += board->peripherals[i].nirqs;
    Driven *all = xcalloc(n, sizeof *all);
    for (size_t i = 0, k = 0; i < board->nperipherals; i++) {
        const BoardPeripheral *p = &board->peripherals[i];
        for (size_t j = 0; j < p->nirqs; j++, k++)
            all[k] = (Driven){&p->irqs[j], p->name, k};
    }
    qsort(all, n, sizeof *all, by_sink);
    bool ok = true;
    for (size_t i = 1; ok && i < n; i++) {
        if (!same_sink(all[i - 1].sink, all[i].sink))
            continue;
        char name[128], at[512];
        sink_name(all[i].sink, name, sizeof name);
        ok = loc_error(errp, &all[i].sink->loc, "%s is already driven by '%s' (at %s)",
                       name, all[i - 1].source,
                       board_where(all[i].sink->loc.file, &all[i - 1].sink->loc,
                                   at, sizeof at));
    }
    free(all);
    return ok;
}

static bool resolve_cpu_sink(Machine *m, const BoardIrq *irq, IrqLine *out,
                             Error **errp)
{
    if (!m->hooks.cpu_irq)
        return loc_error(errp, &irq->loc, "cannot wire cpu.%s: this machine "
                         "has no CPU interrupt inputs", irq->input);
    if (!m->hooks.cpu_irq(m->hooks.opaque, irq->input, out))
        return loc_error(errp, &irq->loc, "unknown CPU interrupt input '%s'",
                         irq->input);
    return true;
}

static bool resolve_sink(Machine *m, const BoardDesc *board,
                         const BoardIrq *irq, IrqLine *out, Error **errp)
{
    if (irq->input)
        return resolve_cpu_sink(m, irq, out, errp);
    for (size_t i = 0; i < board->nperipherals; i++) {
        const BoardPeripheral *p = &board->peripherals[i];
        if (strcmp(p->name, irq->target) != 0)
            continue;
        const MachineDevice *d = &m->devices[i];
        if (!d->cls->irq_input)
            return loc_error(errp, &irq->loc, "'%s' (%s) has no interrupt "
                             "inputs", p->name, p->type);
        if (d->cls->irq_input(d->dev.state, irq->line, out, errp))
            return true;
        error_prepend(errp, "%s:%u:%u: ", irq->loc.file, irq->loc.line,
                      irq->loc.col);
        return false;
    }
    return loc_error(errp, &irq->loc, "unknown interrupt sink '%s' (no "
                     "peripheral of that name)", irq->target);
}

static bool wrong_line_count(const BoardPeripheral *p,
                             const PeripheralClass *cls, Error **errp)
{
    char text[512];
    board_irq_count_text(text, sizeof text, p->name, cls->type, cls->irq_outputs,
                         cls->irq_output_names, p->nirqs);
    return loc_error(errp, &p->irq_loc, "%s", text);
}

static bool wire_device(Machine *m, const BoardDesc *board, size_t index,
                        Error **errp)
{
    const BoardPeripheral *p = &board->peripherals[index];
    MachineDevice *d = &m->devices[index];
    if (p->nirqs == 0)
        return true;
    if (p->nirqs != d->cls->irq_outputs)
        return wrong_line_count(p, d->cls, errp);
    IrqLine *lines = xcalloc(p->nirqs, sizeof *lines);
    bool ok = true;
    for (size_t i = 0; ok && i < p->nirqs; i++)
        ok = resolve_sink(m, board, &p->irqs[i], &lines[i], errp);
    if (ok) {
        d->cls->connect_irqs(d->dev.state, lines, p->nirqs);
        d->wired = true;
    }
    free(lines);
    return ok;
}

/* Output i of each device goes to the i-th sink of its `irq:`. */
static bool wire(Machine *m, const BoardDesc *board, Error **errp)
{
    bool ok = check_one_driver_each(board, errp);
    for (size_t i = 0; ok && i < board->nperipherals; i++)
        ok = wire_device(m, board, i, errp);
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
    if (!wire(m, board, errp))
        return false;
    memory_set_root(m->ms, m->bus);
    return true;
}

Machine *machine_new(MemorySystem *ms, const BoardDesc *board,
                     const MachineHooks *hooks, Error **errp)
{
    size_t n = board->nperipherals ? board->nperipherals : 1;
    const PeripheralClass **classes = xcalloc(n, sizeof *classes);
    uint64_t *sizes = xcalloc(n, sizeof *sizes);
    Machine *m = NULL;
    if (plan(board, classes, sizes, errp)) {
        m = xcalloc(1, sizeof *m);
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
        };
        m->devices = xcalloc(n, sizeof *m->devices);
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
    /* Sinks must outlive their sources: cut every line before any device
     * can die. */
    for (size_t i = 0; i < m->ndevices; i++)
        if (m->devices[i].wired)
            m->devices[i].cls->connect_irqs(m->devices[i].dev.state, NULL, 0);
    if (memory_root(m->ms) == m->bus)
        memory_set_root(m->ms, NULL);
    owner_unref(m->bus_owner);
    for (size_t i = 0; i < m->nowners; i++)
        owner_unref(m->owners[i]);
    for (size_t i = 0; i < m->ndevices; i++)
        owner_unref(m->devices[i].dev.owner);
    free(m->owners);
    free(m->devices);
    free(m->time_source_name);
    free(m);
}

void machine_reset(Machine *m)
{
    for (size_t i = 0; i < m->ndevices; i++)
        if (m->devices[i].cls->reset)
            m->devices[i].cls->reset(m->devices[i].dev.state);
    if (m->hooks.reset_cpu)
        m->hooks.reset_cpu(m->hooks.opaque);
}

bool machine_exit_requested(const Machine *m, int *status)
{
    if (m->exit_requested && status)
        *status = m->exit_status;
    return m->exit_requested;
}

bool machine_time_source(const Machine *m, uint64_t (**read)(void *),
                         void **opaque)
{
    if (!m->read_time)
        return false;
    *read = m->read_time;
    *opaque = m->time_dev;
    return true;
}
