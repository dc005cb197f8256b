/* `board apply`: makes the running board look like a board description,
 * changing only what differs, all or nothing.
 *
 * Plan: every entry of the new board is matched by name with the table's:
 * kept (the same in every respect), moved (only the base differs),
 * replaced (type, size, properties or wiring differ; memories: kind, size
 * or image) or added; table entries the board lacks are removed. The
 * final layout, the wiring and the hart's memory are checked first.
 * Build: new devices and memories are created while the old ones still
 * run; any failure drops what was built and nothing changed. Commit
 * (which cannot fail): the old ones go, the moved ones move, the new ones
 * are wired, all in the one memory transaction the build began.
 */
#include "soc/machine_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "soc/alloc.h"

typedef enum Change { KEEP, MOVE, REPLACE, ADD } Change;

typedef struct Plan {
    MachineMemory **mems;        /* the new table, board order */
    Change *mem_change;
    MachinePeripheral **periphs; /* the new table, board order */
    Change *periph_change;
    size_t nmems, nperiphs;
    FILE *summary;
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

static bool same_image(const BoardMemory *a, const BoardMemory *b)
{
    return !a->image == !b->image && (!a->image || strcmp(a->image, b->image) == 0);
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
}

/* Moved, replaced and added entries are fresh copies (a moved one only
 * until commit moves the live entry). */
static bool plan_entries(Machine *m, const BoardDesc *board, Plan *plan, Error **errp)
{
    plan->mems = xcalloc(board->nmemories + 1, sizeof *plan->mems);
    plan->mem_change = xcalloc(board->nmemories + 1, sizeof *plan->mem_change);
    plan->periphs = xcalloc(board->nperipherals + 1, sizeof *plan->periphs);
    plan->periph_change = xcalloc(board->nperipherals + 1, sizeof *plan->periph_change);
    for (size_t i = 0; i < board->nmemories; i++) {
        const BoardMemory *next = &board->memories[i];
        MachineMemory *now = machine_memory_named(m, next->name);
        Change c = now ? memory_change(&now->desc, next) : ADD;
        plan->mem_change[i] = c;
        plan->mems[i] = c == KEEP ? now : machine_memory_entry(m, next);
        plan->nmems = i + 1;
        if (machine_peripheral_named(m, next->name))
            return machine_loc_error(errp, &next->loc, "'%s' is a peripheral now; "
                                     "remove it first", next->name);
    }
    for (size_t i = 0; i < board->nperipherals; i++) {
        const BoardPeripheral *next = &board->peripherals[i];
        MachinePeripheral *now = machine_peripheral_named(m, next->name);
        Change c = now ? peripheral_change(&now->desc, next) : ADD;
        plan->periph_change[i] = c;
        plan->periphs[i] = c == KEEP ? now : machine_peripheral_entry(m, next);
        plan->nperiphs = i + 1;
        if (machine_memory_named(m, next->name))
            return machine_loc_error(errp, &next->loc, "'%s' is a memory now; "
                                     "remove it first", next->name);
        if (c != KEEP && !machine_resolve(m, plan->periphs[i], errp))
            return false;
    }
    return true;
}

static bool in_plan_mem(const Plan *plan, const MachineMemory *mem)
{
    for (size_t i = 0; i < plan->nmems; i++)
        if (plan->mems[i] == mem)
            return true;
    return false;
}

static bool memory_holds(const BoardMemory *d, uint32_t pc)
{
    return pc >= d->base && pc - d->base < d->size;
}

/* The memory the hart runs from stays where it is, as it is. */
static bool check_keep_pc(const Machine *m, const Plan *plan, uint32_t pc, Error **errp)
{
    for (size_t i = 0; i < m->nmemories; i++) {
        const MachineMemory *now = m->memories[i];
        if (!memory_holds(&now->desc, pc))
            continue;
        bool kept = in_plan_mem(plan, now);
        if (kept)
            return true;
        error_setf(errp, "'%s' holds the pc (0x%08x): board apply may not remove, "
                   "replace or move it", now->desc.name, pc);
        return false;
    }
    return true;
}

/* Output i of every peripheral of the new board goes to a sink the new
 * board has, taking that input: asked of the built devices. */
static bool check_wiring(const Machine *m, const Plan *plan, const BoardDesc *board,
                         Error **errp)
{
    if (!machine_check_one_driver_each(board, errp))
        return false;
    for (size_t i = 0; i < plan->nperiphs; i++) {
        const MachinePeripheral *p = plan->periphs[i];
        const PeripheralClass *cls = p->cls;
        if (p->desc.nirqs && p->desc.nirqs != cls->irq_outputs) {
            char text[512];
            board_irq_count_text(text, sizeof text, p->desc.name, cls->type,
                                 cls->irq_outputs, cls->irq_output_names, p->desc.nirqs);
            return machine_loc_error(errp, &p->desc.irq_loc, "%s", text);
        }
        for (size_t j = 0; j < p->desc.nirqs; j++) {
            const BoardIrq *irq = &p->desc.irqs[j];
            if (irq->input) {
                IrqLine line;
                if (!m->hooks.cpu_irq || !m->hooks.cpu_irq(m->hooks.opaque, irq->input, &line))
                    return machine_loc_error(errp, &irq->loc, "unknown CPU interrupt "
                                             "input '%s'", irq->input);
                continue;
            }
            const MachinePeripheral *sink = NULL;
            for (size_t k = 0; k < plan->nperiphs && !sink; k++) {
                if (strcmp(plan->periphs[k]->desc.name, irq->target) != 0)
                    continue;
                sink = plan->periph_change[k] == MOVE /* a copy: ask the live one */
                           ? machine_peripheral_named(m, irq->target)
                           : plan->periphs[k];
            }
            if (!sink)
                return machine_loc_error(errp, &irq->loc, "unknown interrupt sink '%s' "
                                         "(no peripheral of that name)", irq->target);
            IrqLine line;
            if (!sink->dev.owner)
                continue; /* powered off: the line waits */
            if (!sink->cls->irq_input)
                return machine_loc_error(errp, &irq->loc, "'%s' (%s) has no interrupt "
                                         "inputs", sink->desc.name, sink->desc.type);
            if (!sink->cls->irq_input(sink->dev.state, irq->line, &line, errp)) {
                error_prepend(errp, "%s:%u:%u: ", irq->loc.file, irq->loc.line,
                              irq->loc.col);
                return false;
            }
        }
    }
    return true;
}

/* p is not in the new board (a moved entry stays: its name is there
 * with the same type). */
static bool going(const Plan *plan, const MachinePeripheral *p)
{
    for (size_t i = 0; i < plan->nperiphs; i++) {
        if (plan->periphs[i] == p)
            return false;
        if (plan->periph_change[i] == MOVE &&
            strcmp(plan->periphs[i]->desc.name, p->desc.name) == 0)
            return false;
    }
    return true;
}

static bool built_here(Change c)
{
    return c == REPLACE || c == ADD;
}

/* A replaced entry whose device is powered off now stays off: the new
 * entry waits for a power-on, as `peripheral replace` leaves it. */
static bool stays_off(const Machine *m, const Plan *plan, size_t i)
{
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

/* Creates every new device and memory; on failure drops them all. A
 * device may offer the time while the one that does now is going. */
static bool build(Machine *m, Plan *plan, Error **errp)
{
    MachinePeripheral *holder = m->time_holder;
    m->replacing = holder && going(plan, holder) ? holder : NULL;
    bool ok = true;
    for (size_t i = 0; ok && i < plan->nmems; i++)
        if (built_here(plan->mem_change[i]))
            ok = machine_build_memory(m, plan->mems[i], errp);
    for (size_t i = 0; ok && i < plan->nperiphs; i++)
        if (built_here(plan->periph_change[i]) && !stays_off(m, plan, i))
            ok = machine_realize(m, plan->periphs[i], errp);
    m->replacing = NULL;
    ok = ok && one_time_source(plan, errp);
    if (!ok)
        unbuild(m, plan);
    return ok;
}

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

static bool named_in_plan(const Plan *plan, const char *name)
{
    for (size_t i = 0; i < plan->nperiphs; i++)
        if (strcmp(plan->periphs[i]->desc.name, name) == 0)
            return true;
    for (size_t i = 0; i < plan->nmems; i++)
        if (strcmp(plan->mems[i]->desc.name, name) == 0)
            return true;
    return false;
}

/* The old entries the plan does not keep go (removed, or replaced). */
static void commit(Machine *m, Plan *plan)
{
    move_entries(m, plan);
    for (size_t i = 0; i < m->nperiphs; i++) {
        MachinePeripheral *p = m->periphs[i];
        if (!going(plan, p))
            continue;
        machine_unrealize(m, p);
        if (!named_in_plan(plan, p->desc.name))
            fprintf(plan->summary, "removed %s\n", p->desc.name);
    }
    for (size_t i = 0; i < m->nmemories; i++) {
        MachineMemory *mem = m->memories[i];
        if (in_plan_mem(plan, mem))
            continue;
        machine_drop_memory(m, mem);
        fprintf(plan->summary, "%s %s\n",
                named_in_plan(plan, mem->desc.name) ? "replaced" : "removed",
                mem->desc.name);
        board_memory_free(&mem->desc);
        free(mem);
    }
    for (size_t i = 0; i < plan->nmems; i++)
        if (plan->mem_change[i] == ADD)
            fprintf(plan->summary, "added %s\n", plan->mems[i]->desc.name);
}

static void install(Machine *m, Plan *plan)
{
    for (size_t i = 0; i < m->nperiphs; i++)
        if (going(plan, m->periphs[i]))
            machine_peripheral_entry_free(m->periphs[i]);
    free(m->periphs);
    free(m->memories);
    m->periphs = plan->periphs;
    m->nperiphs = plan->nperiphs;
    m->memories = plan->mems;
    m->nmemories = plan->nmems;
    for (size_t i = 0; i < plan->nperiphs; i++) {
        MachinePeripheral *p = plan->periphs[i];
        Change c = plan->periph_change[i];
        if (c != REPLACE && c != ADD)
            continue;
        if (p->dev.owner && !machine_irq_wire(m, p, true, NULL))
            abort(); /* check_wiring said it would */
        if (p->offered_time)
            m->time_holder = p;
        fprintf(plan->summary, "%s %s%s\n", c == ADD ? "added" : "replaced", p->desc.name,
                p->dev.owner ? "" : " (powered off)");
    }
    free(plan->mem_change);
    free(plan->periph_change);
}

bool machine_apply_board(Machine *m, const BoardDesc *board, uint32_t keep_pc,
                         char **summary, Error **errp)
{
    Plan plan = {0};
    char *text = NULL;
    size_t len = 0;
    bool ok = plan_entries(m, board, &plan, errp) &&
              machine_check_layout(plan.mems, plan.nmems, plan.periphs, plan.nperiphs,
                                   errp) &&
              check_keep_pc(m, &plan, keep_pc, errp);
    if (!ok) {
        plan_free(&plan);
        return false;
    }
    memory_begin(m->ms);
    ok = build(m, &plan, errp);
    if (ok && !check_wiring(m, &plan, board, errp)) {
        unbuild(m, &plan);
        ok = false;
    }
    if (!ok) {
        memory_commit(m->ms);
        plan_free(&plan);
        return false;
    }
    plan.summary = open_memstream(&text, &len);
    if (!plan.summary)
        abort();
    commit(m, &plan);
    install(m, &plan);
    memory_commit(m->ms);
    fclose(plan.summary);
    if (summary)
        *summary = text;
    else
        free(text);
    return true;
}
