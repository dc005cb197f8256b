/* Interrupt connections: objects the machine owns, one per `irq:` line,
 * following the memory model's rule that either end may go first.
 *
 * A source's IrqLine points at its connection (conn_set), which keeps the
 * level and passes it on while its sink exists. A sink that goes leaves
 * its connections dangling: the level is kept, the line goes nowhere, and
 * a new sink of the same name picks them up and is driven at once. A
 * source that goes lowers each input it drove and lets the sink forget
 * what it latched (irq_input_detach), then its connections are freed.
 */
#include "soc/machine_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "soc/alloc.h"

void machine_sink_name(const BoardIrq *irq, char *buf, size_t size)
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

bool machine_same_wiring(const BoardPeripheral *a, const BoardPeripheral *b)
{
    if (a->nirqs != b->nirqs)
        return false;
    for (size_t i = 0; i < a->nirqs; i++)
        if (!same_sink(&a->irqs[i], &b->irqs[i]))
            return false;
    return true;
}

/* ---- one driver per input, for a whole board (n log n) ---- */

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

static bool driven_twice(const BoardIrq *sink, const char *first_source,
                         const SourceLoc *first_loc, Error **errp)
{
    char name[128], at[512];
    machine_sink_name(sink, name, sizeof name);
    return machine_loc_error(errp, &sink->loc, "%s is already driven by '%s' (at %s)",
                             name, first_source,
                             board_where(sink->loc.file, first_loc, at, sizeof at));
}

/* Every sink every `irq:` names, sorted, so an input named twice is found
 * in n log n however many lines a board has. */
bool machine_check_one_driver_each(const BoardDesc *board, Error **errp)
{
    size_t n = 0;
    for (size_t i = 0; i < board->nperipherals; i++)
        n += board->peripherals[i].nirqs;
    Driven *all = xcalloc(n ? n : 1, sizeof *all);
    for (size_t i = 0, k = 0; i < board->nperipherals; i++) {
        const BoardPeripheral *p = &board->peripherals[i];
        for (size_t j = 0; j < p->nirqs; j++, k++)
            all[k] = (Driven){&p->irqs[j], p->name, k};
    }
    qsort(all, n, sizeof *all, by_sink);
    bool ok = true;
    for (size_t i = 1; ok && i < n; i++)
        if (same_sink(all[i - 1].sink, all[i].sink))
            ok = driven_twice(all[i].sink, all[i - 1].source, &all[i - 1].sink->loc, errp);
    free(all);
    return ok;
}

/* ---- resolving sinks ---- */

bool machine_irq_unknown_sink(const BoardIrq *irq, Error **errp)
{
    return machine_loc_error(errp, &irq->loc, "unknown interrupt sink '%s' (no "
                             "peripheral of that name)", irq->target);
}

static bool resolve_cpu_sink(const Machine *m, const BoardIrq *irq, IrqLine *out,
                             Error **errp)
{
    if (!m->hooks.cpu_irq)
        return machine_loc_error(errp, &irq->loc, "cannot wire cpu.%s: this "
                                 "machine has no CPU interrupt inputs", irq->input);
    if (!m->hooks.cpu_irq(m->hooks.opaque, irq->input, out))
        return machine_loc_error(errp, &irq->loc, "unknown CPU interrupt input '%s'",
                                 irq->input);
    return true;
}

/* An `irq:` line naming the device `name` as its sink. */
static bool names_device_desc(const BoardIrq *irq, const char *name)
{
    return !irq->input && strcmp(irq->target, name) == 0;
}

static bool device_sink(const MachinePeripheral *sink, const BoardIrq *irq,
                        IrqLine *out, Error **errp)
{
    if (!sink->cls->irq_input)
        return machine_loc_error(errp, &irq->loc, "'%s' (%s) has no interrupt inputs",
                                 sink->desc.name, sink->desc.type);
    if (sink->cls->irq_input(sink->dev.state, irq->line, out, errp))
        return true;
    error_prepend(errp, "%s:%u:%u: ", irq->loc.file, irq->loc.line, irq->loc.col);
    return false;
}

/* Where irq goes now: *sink_dev is the live device of its name (NULL for
 * the CPU); *bound false when there is none (the line dangles). A sink
 * that exists but refuses the input is an error, and so, when `strict`,
 * is a name the table does not hold (a powered-off entry is held).
 * `soon` counts as live under its name (a device being added), `gone` as
 * absent. */
static bool resolve(const Machine *m, const BoardIrq *irq, bool strict,
                    const MachinePeripheral *soon, const MachinePeripheral *gone,
                    bool *bound, MachinePeripheral **sink_dev, IrqLine *out,
                    Error **errp)
{
    *sink_dev = NULL;
    *bound = false;
    if (irq->input) {
        *bound = resolve_cpu_sink(m, irq, out, errp);
        return *bound;
    }
    MachinePeripheral *p = machine_peripheral_named(m, irq->target);
    if (soon && strcmp(soon->desc.name, irq->target) == 0)
        p = (MachinePeripheral *)soon;
    else if (p == gone)
        p = NULL;
    if (!p && strict)
        return machine_irq_unknown_sink(irq, errp);
    if (!p || !p->dev.owner)
        return true; /* nothing of that name now: the line waits for one */
    if (!device_sink(p, irq, out, errp))
        return false;
    *sink_dev = p;
    *bound = true;
    return true;
}

/* ---- checks before wiring ---- */

static bool wrong_line_count(const MachinePeripheral *p, Error **errp)
{
    char text[512];
    const PeripheralClass *cls = p->cls;
    board_irq_count_text(text, sizeof text, p->desc.name, cls->type, cls->irq_outputs,
                         cls->irq_output_names, p->desc.nirqs);
    return machine_loc_error(errp, &p->desc.irq_loc, "%s", text);
}

bool machine_irq_check_count(const MachinePeripheral *p, Error **errp)
{
    return !p->desc.nirqs || p->desc.nirqs == p->cls->irq_outputs ||
           wrong_line_count(p, errp);
}

bool machine_irq_check_cpu_input(const Machine *m, const BoardIrq *irq, Error **errp)
{
    IrqLine line;
    return resolve_cpu_sink(m, irq, &line, errp);
}

bool machine_irq_check_device_input(const MachinePeripheral *sink, const BoardIrq *irq,
                                    Error **errp)
{
    IrqLine line;
    return device_sink(sink, irq, &line, errp);
}

/* Walks every connection of the machine, source by source:
 *     for (ConnWalk w = {0}; (c = conn_next(m, &w)) != NULL;) */
typedef struct ConnWalk {
    size_t source, output;
} ConnWalk;

static IrqConn *conn_next(const Machine *m, ConnWalk *w)
{
    for (; w->source < m->nperiphs; w->source++, w->output = 0) {
        const MachinePeripheral *p = m->periphs[w->source];
        if (p->outputs && w->output < p->desc.nirqs)
            return p->outputs[w->output++];
    }
    return NULL;
}

/* Whether c waits for, or is bound to, a device sink named `name`. */
static bool names_device(const IrqConn *c, const char *name)
{
    return names_device_desc(c->sink_desc, name);
}

/* Who else holds input `sink`: a live connection, or a powered-off entry
 * whose wiring names it (a power-on must find its inputs free). Those of
 * `self` and `replacing` do not count. Sets *name and *loc of the
 * holder's `irq:` entry. */
static bool input_taken(const Machine *m, const BoardIrq *sink,
                        const MachinePeripheral *self, const MachinePeripheral *replacing,
                        const char **name, const SourceLoc **loc)
{
    for (size_t i = 0; i < m->nperiphs; i++) {
        const MachinePeripheral *p = m->periphs[i];
        if (p == self || p == replacing)
            continue;
        for (size_t j = 0; j < p->desc.nirqs; j++) {
            bool holds = p->outputs ? same_sink(p->outputs[j]->sink_desc, sink)
                                    : !p->dev.owner && same_sink(&p->desc.irqs[j], sink);
            if (holds) {
                *name = p->desc.name;
                *loc = &p->desc.irqs[j].loc;
                return true;
            }
        }
    }
    return false;
}

bool machine_irq_check_entry(const Machine *m, const MachinePeripheral *p,
                             const MachinePeripheral *replacing, bool strict,
                             Error **errp)
{
    if (p->desc.nirqs && p->desc.nirqs != p->cls->irq_outputs)
        return wrong_line_count(p, errp);
    for (size_t i = 0; i < p->desc.nirqs; i++) {
        const BoardIrq *irq = &p->desc.irqs[i];
        for (size_t j = 0; j < i; j++)
            if (same_sink(&p->desc.irqs[j], irq))
                return driven_twice(irq, p->desc.name, &p->desc.irqs[j].loc, errp);
        const char *holder;
        const SourceLoc *at;
        if (input_taken(m, irq, p, replacing, &holder, &at))
            return driven_twice(irq, holder, at, errp);
        bool bound;
        MachinePeripheral *dev;
        IrqLine line;
        if (!resolve(m, irq, strict, p, replacing, &bound, &dev, &line, errp))
            return false;
    }
    return true;
}

bool machine_irq_check_inputs(const Machine *m, const MachinePeripheral *p,
                              const MachinePeripheral *replacing, Error **errp)
{
    IrqLine line;
    for (size_t i = 0; i < p->desc.nirqs; i++) {
        const BoardIrq *irq = &p->desc.irqs[i];
        if (names_device_desc(irq, p->desc.name) && !device_sink(p, irq, &line, errp))
            return false;
    }
    IrqConn *c;
    for (ConnWalk w = {0}; (c = conn_next(m, &w)) != NULL;)
        if (c->source != replacing && names_device(c, p->desc.name) &&
            !device_sink(p, c->sink_desc, &line, errp))
            return false;
    return true;
}

/* ---- wiring and unwiring ---- */

/* Waveforms: the line's name, "SOURCE.OUTPUT" (made once, at wiring). */
static char *conn_signal_name(const MachinePeripheral *source, unsigned output)
{
    const PeripheralClass *cls = source->cls;
    if (cls->irq_output_names && cls->irq_output_names[output])
        return xasprintf("%s.%s", source->desc.name, cls->irq_output_names[output]);
    return xasprintf("%s.%u", source->desc.name, output);
}

/* Waveforms: the line's level as "irq" "SOURCE.OUTPUT", at once. */
static __attribute__((noinline, cold)) void conn_publish(const IrqConn *c)
{
    const MachineHooks *h = &c->machine->hooks;
    h->signal(h->signal_opaque, "irq", c->signal_name, 1, c->level,
              h->clock ? clock_now(h->clock) : 0);
}

/* Lines carry levels: after the first, a sink is told only of changes
 * (models recompute their outputs after every register access and drive
 * them again). A sink bound later is driven with the level at once. */
static void conn_set(void *opaque, unsigned line, bool level)
{
    (void)line;
    IrqConn *c = opaque;
    if (c->driven && c->level == level)
        return;
    c->driven = true;
    c->level = level;
    if (c->machine->hooks.signal)
        conn_publish(c);
    if (c->bound && !c->machine->irq_quiet)
        irq_set(&c->sink, level);
}

static void bind(IrqConn *c, MachinePeripheral *sink)
{
    if (!sink->cls->irq_input ||
        !sink->cls->irq_input(sink->dev.state, c->sink_desc->line, &c->sink, NULL))
        abort(); /* the checks before wiring said it would */
    c->bound = true;
    c->sink_dev = sink;
    if (!c->machine->irq_quiet) /* a snapshot load: the sink has its own state */
        irq_set(&c->sink, c->level);
}

void machine_irq_bind_waiting(Machine *m, MachinePeripheral *p)
{
    IrqConn *c;
    for (ConnWalk w = {0}; (c = conn_next(m, &w)) != NULL;)
        if (!c->bound && names_device(c, p->desc.name))
            bind(c, p);
}

void machine_irq_bind_all(Machine *m)
{
    IrqConn *c;
    for (ConnWalk w = {0}; (c = conn_next(m, &w)) != NULL;) {
        if (c->bound || c->sink_desc->input)
            continue;
        MachinePeripheral *sink = machine_peripheral_named(m, c->sink_desc->target);
        if (sink && sink->dev.owner)
            bind(c, sink);
    }
}

bool machine_irq_wire(Machine *m, MachinePeripheral *p, bool strict,
                      Error **errp)
{
    size_t n = p->desc.nirqs;
    if (!n)
        return true;
    if (n != p->cls->irq_outputs)
        return wrong_line_count(p, errp);
    IrqConn **conns = xcalloc(n, sizeof *conns);
    IrqLine *lines = xcalloc(n, sizeof *lines);
    bool ok = true;
    for (size_t i = 0; ok && i < n; i++) {
        IrqConn *c = conns[i] = xcalloc(1, sizeof *c);
        *c = (IrqConn){.machine = m, .source = p, .output = (unsigned)i,
                       .sink_desc = &p->desc.irqs[i]};
        if (m->hooks.signal)
            c->signal_name = conn_signal_name(p, (unsigned)i);
        ok = resolve(m, c->sink_desc, strict, p, NULL, &c->bound, &c->sink_dev,
                     &c->sink, errp);
        lines[i] = (IrqLine){.handler = conn_set, .opaque = c, .line = (unsigned)i};
    }
    if (ok) {
        p->outputs = conns;
        p->cls->connect_irqs(p->dev.state, lines, n);
    } else {
        for (size_t i = 0; i < n; i++) {
            if (conns[i])
                free(conns[i]->signal_name);
            free(conns[i]);
        }
        free(conns);
    }
    free(lines);
    return ok;
}

static void detach_sink(IrqConn *c)
{
    if (c->machine->hooks.signal && c->driven && c->level) {
        c->level = false; /* waveforms: lowered, as the sink sees it */
        conn_publish(c);
    }
    if (!c->bound)
        return;
    if (c->machine->irq_quiet) { /* a snapshot load: the sink has its own state */
        c->bound = false;
        return;
    }
    const PeripheralClass *cls = c->sink_dev ? c->sink_dev->cls : NULL;
    if (cls && cls->irq_input_detach)
        cls->irq_input_detach(c->sink_dev->dev.state, c->sink_desc->line);
    else
        irq_set(&c->sink, false);
    c->bound = false;
}

/* p's outputs go: p forgets its lines, each sink they drove is lowered
 * and detached (when asked), the connections are freed. */
static void drop_outputs(MachinePeripheral *p, bool detach_sinks)
{
    if (!p->outputs)
        return;
    p->cls->connect_irqs(p->dev.state, NULL, 0);
    for (size_t i = 0; i < p->desc.nirqs; i++) {
        if (detach_sinks)
            detach_sink(p->outputs[i]);
        free(p->outputs[i]->signal_name);
        free(p->outputs[i]);
    }
    free(p->outputs);
    p->outputs = NULL;
}

void machine_irq_unwire(Machine *m, MachinePeripheral *p)
{
    drop_outputs(p, true);
    IrqConn *c;
    for (ConnWalk w = {0}; (c = conn_next(m, &w)) != NULL;) {
        if (c->bound && c->sink_dev == p) {
            c->bound = false; /* the level stays for the next sink */
            c->sink_dev = NULL;
            c->sink = (IrqLine){0};
        }
    }
}

void machine_irq_free_all(Machine *m)
{
    for (size_t i = 0; i < m->nperiphs; i++)
        drop_outputs(m->periphs[i], false);
}

/* ---- the audit's share: one driver per input, sorted ---- */

bool machine_irq_audit_drivers(const Machine *m, Error **errp)
{
    size_t n = 0;
    IrqConn *c;
    for (ConnWalk w = {0}; conn_next(m, &w) != NULL;)
        n++;
    Driven *all = xcalloc(n ? n : 1, sizeof *all);
    size_t k = 0;
    for (ConnWalk w = {0}; (c = conn_next(m, &w)) != NULL; k++)
        all[k] = (Driven){c->sink_desc, c->source->desc.name, k};
    qsort(all, n, sizeof *all, by_sink);
    bool ok = true;
    for (size_t i = 1; ok && i < n; i++) {
        if (!same_sink(all[i - 1].sink, all[i].sink))
            continue;
        error_setf(errp, "wiring audit: '%s' and '%s' drive the same input",
                   all[i - 1].source, all[i].source);
        ok = false;
    }
    free(all);
    return ok;
}
