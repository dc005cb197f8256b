/* `board apply`: makes the running board look like a board description,
 * changing only what differs, all or nothing.
 *
 * Plan: every entry of the new board is matched by name with the table's:
 * kept (the same in every respect), moved (only the base differs),
 * replaced (type, size, properties or wiring differ; memories: kind, size
 * or image) or added; table entries the board lacks are removed. Live
 * entries the plan keeps or moves are marked `staying`; the others go.
 * Checks before anything is built: the final layout, the memory the hart
 * runs from, what other devices' windows show, and the wiring as far as
 * names go. Build: new memories and devices are created while the old
 * ones still run (a remap controller of the new board finds the new
 * board's entries first), then each line's input is asked of its built
 * sink; any failure drops what was built and nothing changed. Commit,
 * which cannot fail: the old entries go, the moved ones move, the new
 * ones are wired, waiting lines bound, all in the one memory transaction
 * the build began. The work is linear in the boards' sizes (names are
 * looked up by hash).
 */
#include "soc/machine_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "soc/alloc.h"
#include "soc/board_node.h"

typedef enum Change { KEEP, MOVE, REPLACE, ADD } Change;

/* A plan's names map to their index, memories' with this bit. */
#define PLAN_MEMORY ((size_t)1 << (sizeof(size_t) * 8 - 1))

typedef struct Plan {
    MachineMemory **mems;        /* the new table, board order */
    Change *mem_change;
    MachinePeripheral **periphs; /* the new table, board order */
    Change *periph_change;
    size_t nmems, nperiphs;
    NameSet names;
    FILE *summary;
    const ApplyExtras *x; /* a snapshot load's steps; NULL: none */
} Plan;

static bool same_props(const BoardPeripheral *a, const BoardPeripheral *b)
{
    if (a->nprops != b->nprops)
        return false;
    for (size_t i = 0; i < a->nprops; i++) {
        const BoardProp *other = board_peripheral_prop(b, a->props[i].key);
        if (!other || strcmp(other->value, a->props[i].value) != 0)
            return false;
    }
    return true;
}

static Change peripheral_change(const BoardPeripheral *now, const BoardPeripheral *next)
{
    if (strcmp(now->type, next->type) != 0 || now->size != next->size ||
        !same_props(now, next) || !machine_same_wiring(now, next))
        return REPLACE;
    return now->base == next->base ? KEEP : MOVE;
}

/* The same file, however the two board files spelled its path. */
static bool same_image(const BoardMemory *a, const BoardMemory *b)
{
    if (!a->image || !b->image)
        return !a->image == !b->image;
    struct stat x, y;
    if (stat(a->image, &x) == 0 && stat(b->image, &y) == 0)
        return x.st_dev == y.st_dev && x.st_ino == y.st_ino;
    return strcmp(a->image, b->image) == 0;
}

static Change memory_change(const BoardMemory *now, const BoardMemory *next)
{
    if (now->kind != next->kind || now->size != next->size || !same_image(now, next))
        return REPLACE;
    return now->base == next->base ? KEEP : MOVE;
}

static void plan_free(Plan *plan)
{
    for (size_t i = 0; i < plan->nmems; i++) {
        if (plan->mem_change[i] == KEEP)
            continue;
        board_memory_free(&plan->mems[i]->desc);
        free(plan->mems[i]);
    }
    for (size_t i = 0; i < plan->nperiphs; i++)
        if (plan->periph_change[i] != KEEP)
            machine_peripheral_entry_free(plan->periphs[i]);
    free(plan->mems);
    free(plan->mem_change);
    free(plan->periphs);
    free(plan->periph_change);
    name_set_free(&plan->names);
}

static void clear_staying(Machine *m)
{
    for (size_t i = 0; i < m->nmemories; i++)
        m->memories[i]->staying = false;
    for (size_t i = 0; i < m->nperiphs; i++)
        m->periphs[i]->staying = false;
}

static bool plan_memory(Machine *m, Plan *plan, const BoardMemory *next, size_t i,
                        Error **errp)
{
    MachineMemory *now = machine_memory_named(m, next->name);
    Change c = now ? memory_change(&now->desc, next) : ADD;
    plan->mem_change[i] = c;
    plan->mems[i] = c == KEEP ? now : machine_memory_entry(m, next);
    plan->nmems = i + 1;
    name_set_put(&plan->names, plan->mems[i]->desc.name, i | PLAN_MEMORY);
    if (now && (c == KEEP || c == MOVE))
        now->staying = true;
    if (machine_peripheral_named(m, next->name))
        return machine_loc_error(errp, &next->loc, "'%s' is a peripheral now; "
                                 "remove it first", next->name);
    return true;
}

/* A snapshot load's power flag for the board's peripheral i differs from
 * the live entry's: the entry is replaced (built or not as the flag says). */
static bool power_differs(const Plan *plan, const MachinePeripheral *now, size_t i)
{
    return plan->x && plan->x->powered && plan->x->powered[i] != (now->dev.owner != NULL);
}

static bool plan_peripheral(Machine *m, Plan *plan, const BoardPeripheral *next,
                            size_t i, Error **errp)
{
    MachinePeripheral *now = machine_peripheral_named(m, next->name);
    Change c = now ? peripheral_change(&now->desc, next) : ADD;
    if (c != ADD && c != REPLACE && power_differs(plan, now, i))
        c = REPLACE;
    plan->periph_change[i] = c;
    plan->periphs[i] = c == KEEP ? now : machine_peripheral_entry(m, next);
    plan->nperiphs = i + 1;
    name_set_put(&plan->names, plan->periphs[i]->desc.name, i);
    if (now && (c == KEEP || c == MOVE))
        now->staying = true;
    if (machine_memory_named(m, next->name))
        return machine_loc_error(errp, &next->loc, "'%s' is a memory now; "
                                 "remove it first", next->name);
    return c == KEEP || machine_resolve(m, plan->periphs[i], errp);
}

/* Moved, replaced and added entries are fresh copies (a moved one only
 * until commit moves the live entry). */
static bool plan_entries(Machine *m, const BoardDesc *board, Plan *plan, Error **errp)
{
    plan->mems = xcalloc(board->nmemories + 1, sizeof *plan->mems);
    plan->mem_change = xcalloc(board->nmemories + 1, sizeof *plan->mem_change);
    plan->periphs = xcalloc(board->nperipherals + 1, sizeof *plan->periphs);
    plan->periph_change = xcalloc(board->nperipherals + 1, sizeof *plan->periph_change);
    clear_staying(m);
    for (size_t i = 0; i < board->nmemories; i++)
        if (!plan_memory(m, plan, &board->memories[i], i, errp))
            return false;
    for (size_t i = 0; i < board->nperipherals; i++)
        if (!plan_peripheral(m, plan, &board->peripherals[i], i, errp))
            return false;
    return true;
}

/* The plan's change for the entry named `name`; ADD's opposite, REPLACE,
 * for one the plan does not hold (it goes). */
static Change change_of(const Plan *plan, const char *name)
{
    size_t i;
    if (!name_set_find(&plan->names, name, &i))
        return REPLACE;
    return i & PLAN_MEMORY ? plan->mem_change[i & ~PLAN_MEMORY] : plan->periph_change[i];
}

/* ---- checks before building ---- */

static bool memory_holds(const BoardMemory *d, uint32_t pc)
{
    return pc >= d->base && pc - d->base < d->size;
}

/* The memory the hart runs from stays where it is, as it is, and so does
 * a window the pc is in. */
static bool check_keep_pc(const Machine *m, const Plan *plan, const uint32_t *keep_pc,
                          Error **errp)
{
    if (!keep_pc)
        return true; /* a snapshot load: the hart's pc is restored too */
    uint32_t pc = *keep_pc;
    for (size_t i = 0; i < m->nmemories; i++) {
        const MachineMemory *now = m->memories[i];
        if (memory_holds(&now->desc, pc) && change_of(plan, now->desc.name) != KEEP) {
            error_setf(errp, "'%s' holds the pc (0x%08x): board apply may not remove, "
                       "replace or move it", now->desc.name, pc);
            return false;
        }
    }
    for (size_t i = 0; i < m->nperiphs; i++) {
        const MachinePeripheral *p = m->periphs[i];
        for (size_t j = 0; !p->staying && j < p->nextra; j++) {
            const ExtraMapping *x = &p->extra[j];
            if (pc >= x->base && pc - x->base < memory_region_size(x->region)) {
                error_setf(errp, "'%s' maps '%s', which holds the pc (0x%08x): board "
                           "apply may not remove or replace it", p->desc.name,
                           memory_region_name(x->region), pc);
                return false;
            }
        }
    }
    return true;
}

/* The name of the going entry that owns `owner`, or NULL. */
static const char *going_owner(const Machine *m, const Owner *owner)
{
    for (size_t i = 0; i < m->nmemories; i++)
        if (!m->memories[i]->staying && m->memories[i]->owner == owner)
            return m->memories[i]->desc.name;
    for (size_t i = 0; i < m->nperiphs; i++)
        if (!m->periphs[i]->staying && m->periphs[i]->dev.owner == owner)
            return m->periphs[i]->desc.name;
    return NULL;
}

/* A device that stays may not keep showing, through its window, an entry
 * that goes (it would live on behind the alias). */
static bool check_windows(const Machine *m, Error **errp)
{
    for (size_t i = 0; i < m->nperiphs; i++) {
        const MachinePeripheral *p = m->periphs[i];
        for (size_t j = 0; p->staying && j < p->nextra; j++) {
            const MemoryRegion *target = memory_region_alias_target(p->extra[j].region);
            const char *gone = target ? going_owner(m, memory_region_owner(target)) : NULL;
            if (!gone)
                continue;
            error_setf(errp, "'%s' is shown by '%s' (its alias '%s'): board apply may "
                       "not remove or replace it while '%s' stays", gone, p->desc.name,
                       memory_region_name(p->extra[j].region), p->desc.name);
            return false;
        }
    }
    return true;
}

/* The wiring as far as names go: one driver per input, line counts, CPU
 * inputs, device sinks that the new board has. */
static bool check_wiring_names(const Machine *m, const Plan *plan, const BoardDesc *board,
                               Error **errp)
{
    if (!machine_check_one_driver_each(board, errp))
        return false;
    for (size_t i = 0; i < plan->nperiphs; i++) {
        const MachinePeripheral *p = plan->periphs[i];
        if (!machine_irq_check_count(p, errp))
            return false;
        for (size_t j = 0; j < p->desc.nirqs; j++) {
            const BoardIrq *irq = &p->desc.irqs[j];
            size_t k;
            if (irq->input && !machine_irq_check_cpu_input(m, irq, errp))
                return false;
            if (!irq->input && (!name_set_find(&plan->names, irq->target, &k) ||
                                (k & PLAN_MEMORY)))
                return machine_irq_unknown_sink(irq, errp);
        }
    }
    return true;
}

/* The built sink of the plan's peripheral named `name` (a moved one is
 * its live entry); NULL when powered off. */
static const MachinePeripheral *built_sink(const Machine *m, const Plan *plan,
                                           const char *name)
{
    size_t k;
    if (!name_set_find(&plan->names, name, &k))
        return NULL;
    const MachinePeripheral *p = plan->periph_change[k] == MOVE
                                     ? machine_peripheral_named(m, name)
                                     : plan->periphs[k];
    return p->dev.owner ? p : NULL;
}

/* Each line's input exists on its built sink (a powered-off one waits). */
static bool check_wiring_inputs(const Machine *m, const Plan *plan, Error **errp)
{
    for (size_t i = 0; i < plan->nperiphs; i++) {
        const MachinePeripheral *p = plan->periphs[i];
        for (size_t j = 0; j < p->desc.nirqs; j++) {
            const BoardIrq *irq = &p->desc.irqs[j];
            const MachinePeripheral *sink = irq->input ? NULL
                                                       : built_sink(m, plan, irq->target);
            if (sink && !machine_irq_check_device_input(sink, irq, errp))
                return false;
        }
    }
    return true;
}

/* At most one device of the new board offers the CPU's time. */
static bool one_time_source(const Plan *plan, Error **errp)
{
    const MachinePeripheral *first = NULL;
    for (size_t i = 0; i < plan->nperiphs; i++) {
        const MachinePeripheral *p = plan->periphs[i];
        if (plan->periph_change[i] == MOVE || !p->offered_time)
            continue; /* a moved copy: its live entry is counted as kept */
        if (first)
            return machine_loc_error(errp, &p->desc.loc, "'%s' cannot be the time "
                                     "source: '%s' already is", p->desc.name,
                                     first->desc.name);
        first = p;
    }
    return true;
}

/* ---- building ---- */

static bool built_here(Change c)
{
    return c == REPLACE || c == ADD;
}

/* A replaced entry whose device is powered off now stays off: the new
 * entry waits for a power-on, as `peripheral replace` leaves it. */
static bool stays_off(const Machine *m, const Plan *plan, size_t i)
{
    if (plan->x && plan->x->powered)
        return !plan->x->powered[i];
    const MachinePeripheral *now = machine_peripheral_named(m, plan->periphs[i]->desc.name);
    return plan->periph_change[i] == REPLACE && now && !now->dev.owner;
}

static void unbuild(Machine *m, Plan *plan)
{
    for (size_t i = 0; i < plan->nmems; i++)
        if (built_here(plan->mem_change[i]))
            machine_drop_memory(m, plan->mems[i]);
    for (size_t i = 0; i < plan->nperiphs; i++)
        if (built_here(plan->periph_change[i]))
            machine_unrealize(m, plan->periphs[i]);
}

MachinePeripheral *machine_apply_staged(const Machine *m, const char *name)
{
    for (size_t i = 0; i < m->nstaged_periphs; i++) {
        MachinePeripheral *p = m->staged_periphs[i];
        if (strcmp(p->desc.name, name) != 0)
            continue;
        if (p->dev.owner)
            return p; /* new, or kept as it is */
        MachinePeripheral *live = machine_peripheral_named(m, name);
        return live && live->staying && live->dev.owner ? live : NULL; /* moved */
    }
    return NULL;
}

/* A snapshot load's step inside the build (ApplyExtras), then the window
 * check it postponed: its devices' windows may show the new board now. */
static bool run_staged(Machine *m, Plan *plan, Error **errp)
{
    const ApplyExtras *x = plan->x;
    if (!x || !x->staged)
        return true;
    if (!x->staged(x->opaque, m, errp))
        return false;
    if (check_windows(m, errp))
        return true;
    if (x->unstage)
        x->unstage(x->opaque, m);
    return false;
}

/* Creates every new memory and device, then asks each line's input of
 * its sink; on failure drops them all. A device may offer the time while
 * the one that does now is going. */
static bool build(Machine *m, Plan *plan, Error **errp)
{
    MachinePeripheral *holder = m->time_holder;
    m->replacing = holder && !holder->staying ? holder : NULL;
    m->staged_mems = plan->mems;
    m->nstaged_mems = plan->nmems;
    m->staged_periphs = plan->periphs;
    m->nstaged_periphs = plan->nperiphs;
    bool ok = true;
    for (size_t i = 0; ok && i < plan->nmems; i++)
        if (built_here(plan->mem_change[i]))
            ok = machine_build_memory(m, plan->mems[i], errp);
    for (size_t i = 0; ok && i < plan->nperiphs; i++)
        if (built_here(plan->periph_change[i]) && !stays_off(m, plan, i))
            ok = machine_realize(m, plan->periphs[i], errp);
    m->replacing = NULL;
    ok = ok && one_time_source(plan, errp) && check_wiring_inputs(m, plan, errp) &&
         run_staged(m, plan, errp);
    m->staged_mems = NULL;
    m->staged_periphs = NULL;
    m->nstaged_mems = m->nstaged_periphs = 0;
    if (!ok)
        unbuild(m, plan);
    return ok;
}

/* ---- commit ---- */

/* Moved entries: the live one moves, the plan's copy goes. */
static void move_entries(Machine *m, Plan *plan)
{
    for (size_t i = 0; i < plan->nmems; i++) {
        if (plan->mem_change[i] != MOVE)
            continue;
        MachineMemory *next = plan->mems[i];
        MachineMemory *live = machine_memory_named(m, next->desc.name);
        memory_region_set_address(live->region, next->desc.base);
        live->desc.base = next->desc.base;
        fprintf(plan->summary, "moved %s to 0x%08llx\n", live->desc.name,
                (unsigned long long)live->desc.base);
        board_memory_free(&next->desc);
        free(next);
        plan->mems[i] = live;
        plan->mem_change[i] = KEEP;
    }
    for (size_t i = 0; i < plan->nperiphs; i++) {
        if (plan->periph_change[i] != MOVE)
            continue;
        MachinePeripheral *next = plan->periphs[i];
        MachinePeripheral *live = machine_peripheral_named(m, next->desc.name);
        if (live->dev.owner)
            memory_region_set_address(live->dev.region, next->desc.base);
        live->desc.base = next->desc.base;
        fprintf(plan->summary, "moved %s to 0x%08llx\n", live->desc.name,
                (unsigned long long)live->desc.base);
        machine_peripheral_entry_free(next);
        plan->periphs[i] = live;
        plan->periph_change[i] = KEEP;
    }
}

/* The entries the plan does not keep go (removed, or replaced). */
static void drop_going(Machine *m, Plan *plan)
{
    size_t k;
    for (size_t i = 0; i < m->nperiphs; i++) {
        MachinePeripheral *p = m->periphs[i];
        if (p->staying)
            continue;
        machine_unrealize(m, p);
        if (!name_set_find(&plan->names, p->desc.name, &k))
            fprintf(plan->summary, "removed %s\n", p->desc.name);
    }
    for (size_t i = 0; i < m->nmemories; i++) {
        MachineMemory *mem = m->memories[i];
        if (mem->staying)
            continue;
        machine_drop_memory(m, mem);
        fprintf(plan->summary, "%s %s\n",
                name_set_find(&plan->names, mem->desc.name, &k) ? "replaced" : "removed",
                mem->desc.name);
        board_memory_free(&mem->desc);
        free(mem);
    }
    for (size_t i = 0; i < plan->nmems; i++)
        if (plan->mem_change[i] == ADD)
            fprintf(plan->summary, "added %s\n", plan->mems[i]->desc.name);
}

/* The plan becomes the table: its index, then the new devices' wiring. */
static void install(Machine *m, Plan *plan)
{
    for (size_t i = 0; i < m->nperiphs; i++)
        if (!m->periphs[i]->staying)
            machine_peripheral_entry_free(m->periphs[i]);
    free(m->periphs);
    free(m->memories);
    m->periphs = plan->periphs;
    m->nperiphs = plan->nperiphs;
    m->memories = plan->mems;
    m->nmemories = plan->nmems;
    machine_index_free(&m->index);
    for (size_t i = 0; i < m->nmemories; i++)
        machine_index_put(&m->index, m->memories[i]->desc.name, NULL, m->memories[i]);
    for (size_t i = 0; i < m->nperiphs; i++)
        machine_index_put(&m->index, m->periphs[i]->desc.name, m->periphs[i], NULL);
    for (size_t i = 0; i < plan->nperiphs; i++) {
        MachinePeripheral *p = plan->periphs[i];
        Change c = plan->periph_change[i];
        if (c != REPLACE && c != ADD)
            continue;
        if (p->dev.owner && !machine_irq_wire(m, p, true, NULL))
            abort(); /* the checks said it would */
        if (p->offered_time)
            m->time_holder = p;
        fprintf(plan->summary, "%s %s%s\n", c == ADD ? "added" : "replaced", p->desc.name,
                p->dev.owner ? "" : " (powered off)");
    }
    machine_irq_bind_all(m);
    free(plan->mem_change);
    free(plan->periph_change);
    name_set_free(&plan->names);
}

bool machine_apply_board(Machine *m, const BoardDesc *board, uint32_t keep_pc,
                         char **summary, Error **errp)
{
    return machine_apply_board_with(m, board, &keep_pc, NULL, summary, errp);
}

bool machine_apply_board_with(Machine *m, const BoardDesc *board, const uint32_t *keep_pc,
                              const ApplyExtras *x, char **summary, Error **errp)
{
    Plan plan = {.x = x};
    bool ok = plan_entries(m, board, &plan, errp) &&
              machine_check_layout(plan.mems, plan.nmems, plan.periphs, plan.nperiphs,
                                   errp) &&
              check_keep_pc(m, &plan, keep_pc, errp) &&
              ((x && x->staged) || check_windows(m, errp)) &&
              check_wiring_names(m, &plan, board, errp);
    if (ok) {
        memory_begin(m->ms);
        ok = build(m, &plan, errp);
        if (!ok)
            memory_commit(m->ms);
    }
    if (!ok) {
        plan_free(&plan);
        return false;
    }
    char *text = NULL;
    size_t len = 0;
    plan.summary = open_memstream(&text, &len);
    if (!plan.summary)
        abort();
    move_entries(m, &plan);
    drop_going(m, &plan);
    install(m, &plan);
    memory_commit(m->ms);
    fclose(plan.summary);
    if (summary)
        *summary = text;
    else
        free(text);
    return true;
}
