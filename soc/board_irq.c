/* Interrupt wiring: `irq: plic.3`, `irq: [cpu.msi, cpu.mti]`,
 * `irq: plic.8-39` (one line per input, in output order).
 *
 * Two passes over the sinks as written: the first checks their syntax and
 * counts the lines they stand for, the second creates one BoardIrq per
 * line. Between them the count is checked against the outputs of the
 * peripheral's model (BoardLoad.models, which the caller hands in: soc/
 * knows no models; for a type no model has, or without models, against
 * the most a model may drive), so a file cannot make the parser create
 * more lines than a model could ever take: `irq: [plic.0-1023, ...]`
 * repeated over 100 KB costs one pass over the text, not 700 MB.
 */
#include "soc/board_internal.h"
#include "soc/alloc.h"

#include <stdio.h>
#include <string.h>

#define IRQ_MAX_INPUT 65535u /* highest input number a sink may name */
#define IRQ_MAX_RANGE 1024u  /* lines one range may span */
#define CPU_INPUT_CHARS \
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_"

/* One sink as written. */
typedef struct Sink {
    size_t target_len;    /* "plic" of "plic.3" */
    const char *input;    /* "mti" of "cpu.mti"; NULL otherwise */
    unsigned long first, last;
} Sink;

static bool bad_sink(BoardCtx *c, const Node *n)
{
    return board_fail(c, n, "invalid interrupt sink '%s' (expected cpu.INPUT, "
                      "TARGET.N or TARGET.N-M)", n->text);
}

/* Reads the decimal digits at *s (at least one), saturating above
 * IRQ_MAX_INPUT; advances *s past them. */
static bool irq_number(const char **s, unsigned long *out)
{
    const char *p = *s;
    unsigned long v = 0;
    if (*p < '0' || *p > '9')
        return false;
    for (; *p >= '0' && *p <= '9'; p++) {
        v = v * 10 + (unsigned long)(*p - '0');
        if (v > IRQ_MAX_INPUT)
            v = IRQ_MAX_INPUT + 1;
    }
    *s = p;
    *out = v;
    return true;
}

static bool parse_range(BoardCtx *c, const Node *n, const char *s, Sink *out)
{
    if (!irq_number(&s, &out->first))
        return bad_sink(c, n);
    out->last = out->first;
    if (*s == '-') {
        s++;
        if (!irq_number(&s, &out->last))
            return bad_sink(c, n);
    }
    if (*s)
        return bad_sink(c, n);
    if (out->first > IRQ_MAX_INPUT || out->last > IRQ_MAX_INPUT)
        return board_fail(c, n, "interrupt input number too large in '%s' (at "
                          "most %u)", n->text, IRQ_MAX_INPUT);
    if (out->last < out->first)
        return board_fail(c, n, "reversed interrupt range '%s' (%lu > %lu)",
                          n->text, out->first, out->last);
    if (out->last - out->first >= IRQ_MAX_RANGE)
        return board_fail(c, n, "interrupt range '%s' spans %lu lines (at most "
                          "%u)", n->text, out->last - out->first + 1,
                          IRQ_MAX_RANGE);
    return true;
}

static bool parse_sink(BoardCtx *c, const Node *n, Sink *out)
{
    const char *dot = strchr(n->text, '.');
    out->target_len = dot ? (size_t)(dot - n->text) : 0;
    out->input = NULL;
    if (out->target_len == 0 || strspn(n->text, NAME_CHARS) != out->target_len)
        return bad_sink(c, n);
    const char *s = dot + 1;
    if (out->target_len == 3 && memcmp(n->text, "cpu", 3) == 0) {
        size_t len = strspn(s, CPU_INPUT_CHARS);
        if (len == 0 || s[len])
            return bad_sink(c, n);
        out->input = s;
        out->first = out->last = 0;
        return true;
    }
    return parse_range(c, n, s, out);
}

/* The sink nodes of *ref: itself when a scalar, its items when a list
 * (each a scalar). */
static bool sink_nodes(BoardCtx *c, const Node *const *ref,
                       const Node *const **items, size_t *n)
{
    const Node *value = *ref;
    if (value->kind == NODE_SCALAR && !value->is_null) {
        *items = ref;
        *n = 1;
        return true;
    }
    if (value->kind != NODE_LIST)
        return board_fail(c, value, "expected a scalar or a list for 'irq', "
                          "found %s", node_kind_name(value));
    for (size_t i = 0; i < value->nkids; i++)
        if (!board_expect(c, value->kids[i], NODE_SCALAR, "an 'irq' entry"))
            return false;
    *items = (const Node *const *)value->kids;
    *n = value->nkids;
    return true;
}

void board_irq_count_text(char *buf, size_t size, const char *name,
                          const char *type, unsigned outputs,
                          const char *const *names, size_t wired)
{
    if (outputs == 0) {
        snprintf(buf, size, "'%s' (%s) drives no interrupt lines; the board wires %zu",
                 name, type, wired);
        return;
    }
    char list[256] = "";
    size_t used = 0;
    for (unsigned i = 0; names && i < outputs && used < sizeof list; i++)
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%s",
                                 i ? ", " : " (", names[i]);
    if (used && used + 1 < sizeof list)
        strcat(list, ")");
    snprintf(buf, size, "'%s' drives %u interrupt line%s%s; the board wires %zu", name,
             outputs, outputs == 1 ? "" : "s", list, wired);
}

/* Before any line is made: against the model when the caller told us of
 * models, else against the most a model may have. */
static bool check_count(BoardCtx *c, const BoardPeripheral *p, size_t lines)
{
    const BoardModels *m = c->models;
    unsigned outputs;
    const char *const *names;
    if (m && m->irq_outputs(p->type, &outputs, &names)) {
        if (lines == outputs)
            return true;
        char text[512];
        board_irq_count_text(text, sizeof text, p->name, p->type, outputs, names, lines);
        return board_fail_loc(c, &p->irq_loc, "%s", text);
    }
    if (!m) /* no model known: the bound, not a model's count */
        return lines <= BOARD_IRQ_LINES_MAX ||
               board_fail_loc(c, &p->irq_loc, "'%s' wires %zu interrupt lines; "
                              "a peripheral drives at most %u interrupt lines",
                              p->name, lines, BOARD_IRQ_LINES_MAX);
    if (lines <= m->most_irq_outputs)
        return true;
    return board_fail_loc(c, &p->irq_loc, "'%s' wires %zu interrupt lines; no "
                          "model drives more than %u", p->name, lines,
                          m->most_irq_outputs);
}

static void add_lines(BoardCtx *c, BoardPeripheral *p, const Node *n,
                      const Sink *s)
{
    for (unsigned long line = s->first; line <= s->last; line++) {
        BoardIrq *irq = &p->irqs[p->nirqs++];
        irq->target = memcpy(xcalloc(s->target_len + 1, 1), n->text,
                             s->target_len);
        irq->input = s->input ? xstrdup(s->input) : NULL;
        irq->line = (unsigned)line;
        irq->loc = node_loc(n);
        c->stats->irq_lines++;
    }
}

bool board_irq_wire(BoardCtx *c, BoardPeripheral *p, const Node *value)
{
    if (!value)
        return true;
    p->irq_loc = node_loc(value);
    const Node *const *items = NULL;
    size_t n = 0, lines = 0;
    if (!sink_nodes(c, &value, &items, &n))
        return false;
    for (size_t i = 0; i < n; i++) {
        Sink s;
        if (!parse_sink(c, items[i], &s))
            return false;
        lines += s.last - s.first + 1; /* at most IRQ_MAX_RANGE per item */
    }
    if (lines == 0)
        return true; /* `irq: []`: every output left unconnected */
    if (!check_count(c, p, lines))
        return false;
    p->irqs = xcalloc(lines, sizeof *p->irqs);
    for (size_t i = 0; i < n; i++) {
        Sink s;
        parse_sink(c, items[i], &s);
        add_lines(c, p, items[i], &s);
    }
    return true;
}
