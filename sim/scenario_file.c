/* Scenario files (sim/scenario_file.h): the YAML is read into the board
 * loader's node tree (soc/board_node.h: syntax errors, anchors, NUL
 * characters, several documents and deep nesting are refused there, each
 * at its line and column), then walked here into ScenarioSteps.
 *
 * The walk follows the board loader's habits (soc/board_keys.c): one table
 * of keys per mapping, an unknown key named with the keys expected, a
 * duplicate key named with where it first stood, the first error wins, and
 * each message starts with "FILE:LINE:COL: " for the node at fault.
 * Arrays are allocated zeroed at their final length before they are
 * filled, so a half-built file frees like a whole one. Duplicates are found
 * with the loader's hash set (NameSet), so the work is linear in the file.
 */
#include "sim/scenario_file.h"
#include "soc/alloc.h"
#include "soc/board_node.h"
#include "soc/file.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define PC_LIMIT (UINT64_C(1) << 32) /* the 32-bit bus */
#define NS_PER_S UINT64_C(1000000000)
#define EXIT_STATUS_MAX 255
/* What an ELF symbol may be named here: C identifiers, with the '.' and
 * '$' of compiler-made names; the first one not a digit. */
#define SYMBOL_CHARS \
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.$"

typedef struct Parser {
    Error *err;        /* the first error */
    ScenarioFile *file;
    NameSet step_names; /* every step's name -> its index */
} Parser;

/* ---- errors: each returns false so callers can `return fail(...)` ---- */

static bool vfail_loc(Parser *p, SourceLoc loc, const char *fmt, va_list ap)
{
    if (p->err)
        return false;
    error_vsetf(&p->err, fmt, ap);
    error_prepend(&p->err, "%s:%u:%u: ", loc.file, loc.line, loc.col);
    return false;
}

static bool fail_loc(Parser *p, SourceLoc loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static bool fail_loc(Parser *p, SourceLoc loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail_loc(p, loc, fmt, ap);
    va_end(ap);
    return false;
}

static bool fail(Parser *p, const Node *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static bool fail(Parser *p, const Node *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail_loc(p, node_loc(n), fmt, ap);
    va_end(ap);
    return false;
}

/* `n` is a scalar with a value (`key:` with nothing after it is not);
 * `what` names it ("'name'", "'uart0' in 'on-uart'"). */
static bool expect_scalar(Parser *p, const Node *n, const char *what)
{
    if (n->kind == NODE_SCALAR && !n->is_null)
        return true;
    return fail(p, n, "expected a scalar for %s, found %s", what,
                node_kind_name(n));
}

static bool expect_kind(Parser *p, const Node *n, NodeKind kind,
                        const char *what)
{
    if (n->kind == kind && !n->is_null)
        return true;
    return fail(p, n, "expected a %s for %s, found %s",
                kind == NODE_LIST ? "list" : "mapping", what,
                node_kind_name(n));
}

/* Rejects the key at kids[i] of `map` when an earlier key has its text. */
static bool check_unique_key(Parser *p, NameSet *seen, const Node *map,
                             size_t i)
{
    const Node *key = map->kids[i];
    size_t first;
    if (name_set_add(seen, key->text, i, &first))
        return true;
    const Node *prev = map->kids[first];
    return fail(p, key, "duplicate key '%s' (first at %u:%u)", key->text,
                prev->line, prev->col);
}

/* ---- text ---- */

static bool is_blank(const char *s)
{
    return s[strspn(s, " \t")] == '\0';
}

static bool is_one_line(const char *s)
{
    return strpbrk(s, "\r\n") == NULL;
}

/* A device name, as board files spell peripheral names. */
static bool check_device(Parser *p, const Node *key, const char *where)
{
    if (key->text[0] == '\0')
        return fail(p, key, "empty device name in '%s'", where);
    if (key->text[strspn(key->text, NAME_CHARS)])
        return fail(p, key, "invalid device name '%s' in '%s' (expected "
                    "letters, digits, '_' or '-')", key->text, where);
    return true;
}

/* `device: text` of the mapping `where` ("on-uart", "expect-uart"). */
static bool uart_entry(Parser *p, const Node *key, const Node *value,
                       const char *where, char **device, char **text)
{
    if (!check_device(p, key, where))
        return false;
    char *what = xasprintf("'%s' in '%s'", key->text, where);
    bool ok = expect_scalar(p, value, what);
    if (ok && value->text[0] == '\0')
        ok = fail(p, value, "empty text for %s", what);
    free(what);
    if (!ok)
        return false;
    *device = xstrdup(key->text);
    *text = xstrdup(value->text);
    return true;
}

/* ---- times and numbers ---- */

typedef enum TimeResult { TIME_OK, TIME_MALFORMED, TIME_INEXACT,
                          TIME_TOO_LARGE } TimeResult;

typedef struct TimeUnit {
    const char *suffix;
    unsigned decimals; /* digits of the fraction one unit holds */
    bool cycles;
} TimeUnit;

/* Longer suffixes first: "ms" before "s". */
static const TimeUnit time_units[] = {
    { "cycles", 0, true }, { "ns", 0, false }, { "us", 3, false },
    { "ms", 6, false }, { "s", 9, false },
};

static const TimeUnit *time_unit(const char *text, size_t *digits_len)
{
    size_t len = strlen(text);
    for (size_t i = 0; i < ARRAY_LEN(time_units); i++) {
        size_t n = strlen(time_units[i].suffix);
        if (len > n && strcmp(text + len - n, time_units[i].suffix) == 0) {
            *digits_len = len - n;
            return &time_units[i];
        }
    }
    return NULL;
}

/* v = v * 10 + digit; false on overflow. */
static bool push_digit(uint64_t *v, unsigned digit)
{
    if (*v > (UINT64_MAX - digit) / 10)
        return false;
    *v = *v * 10 + digit;
    return true;
}

static bool is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

/* The whole part [s, end): decimal digits, '_' only between two. */
static TimeResult whole_part(const char *s, const char *end, uint64_t *v)
{
    if (s == end || !is_digit(*s) || !is_digit(end[-1]))
        return TIME_MALFORMED;
    bool too_large = false;
    for (; s < end; s++) {
        if (*s == '_' && is_digit(s[1]))
            continue;
        if (!is_digit(*s))
            return TIME_MALFORMED;
        too_large |= !push_digit(v, (unsigned)(*s - '0'));
    }
    return too_large ? TIME_TOO_LARGE : TIME_OK;
}

/* "12", "1_000", "1.5" in a unit whose fraction holds `decimals` digits,
 * into whole units of 10^-decimals (the fraction must end there). */
static TimeResult parse_scaled(const char *s, size_t len, unsigned decimals,
                               uint64_t *out)
{
    const char *end = s + len, *dot = memchr(s, '.', len);
    const char *frac = dot ? dot + 1 : end;
    uint64_t v = 0;
    TimeResult whole = whole_part(s, dot ? dot : end, &v);
    if (whole == TIME_MALFORMED || (dot && frac == end))
        return TIME_MALFORMED;
    for (const char *f = frac; f < end; f++)
        if (!is_digit(*f))
            return TIME_MALFORMED;
    if (whole != TIME_OK)
        return whole;
    for (unsigned i = 0; i < decimals; i++) {
        unsigned digit = frac + i < end ? (unsigned)(frac[i] - '0') : 0;
        if (!push_digit(&v, digit))
            return TIME_TOO_LARGE;
    }
    for (const char *f = frac + decimals; f < end; f++)
        if (*f != '0')
            return TIME_INEXACT;
    *out = v;
    return TIME_OK;
}

/* A time for `key`: nanoseconds, or cycles (*cycles true) when
 * `cycles_ok`. */
static bool parse_time(Parser *p, const Node *key, const Node *value,
                       bool cycles_ok, uint64_t *out, bool *cycles)
{
    char what[96];
    snprintf(what, sizeof what, "'%s'", key->text);
    if (!expect_scalar(p, value, what))
        return false;
    const char *units = cycles_ok ? "ns, us, ms, s or cycles"
                                  : "ns, us, ms or s";
    size_t len = 0;
    const TimeUnit *unit = time_unit(value->text, &len);
    if (unit && unit->cycles && !cycles_ok)
        return fail(p, value, "'%s' takes %s, not cycles", key->text, units);
    TimeResult r = unit ? parse_scaled(value->text, len, unit->decimals, out)
                        : TIME_MALFORMED;
    bool in_cycles = unit && unit->cycles;
    switch (r) {
    case TIME_OK:
        *cycles = in_cycles;
        return true;
    case TIME_INEXACT:
        return fail(p, value, "'%s' %s is not a whole number of %s",
                    key->text, value->text,
                    in_cycles ? "cycles" : "nanoseconds");
    case TIME_TOO_LARGE:
        return fail(p, value, "'%s' %s is too large (at most %" PRIu64 " %s)",
                    key->text, value->text, UINT64_MAX,
                    in_cycles ? "cycles" : "ns");
    case TIME_MALFORMED:
        break;
    }
    return fail(p, value, "invalid time '%s' for '%s' (expected a number "
                "and a unit: %s, like 12ms or 1.5us)", value->text,
                key->text, units);
}

static bool parse_number(Parser *p, const Node *key, const Node *value,
                         uint64_t *out)
{
    char what[96];
    snprintf(what, sizeof what, "'%s'", key->text);
    if (!expect_scalar(p, value, what))
        return false;
    if (!board_parse_u64(value->text, out))
        return fail(p, value, "invalid number '%s' for '%s'", value->text,
                    key->text);
    return true;
}

/* ---- the keys of a step ---- */

typedef struct StepWalk {
    ScenarioStep *step;
    size_t index;            /* in the file's steps */
    const Node *map;         /* the step's mapping */
    const Node *name;        /* the `name` value; NULL when absent */
    const Node *trigger_key; /* the first trigger; NULL: none yet */
    const Node *within_key;  /* NULL when absent */
} StepWalk;

typedef bool StepKeyFn(Parser *p, StepWalk *w, const Node *key,
                       const Node *value);

static void set_trigger(StepWalk *w, ScenarioTrigger trigger,
                        const Node *at)
{
    w->step->trigger = trigger;
    w->step->trigger_loc = node_loc(at);
}

static bool step_name(Parser *p, StepWalk *w, const Node *key,
                      const Node *value)
{
    (void)key;
    if (!expect_scalar(p, value, "'name'"))
        return false;
    if (is_blank(value->text))
        return fail(p, value, "'name' must not be empty");
    if (!is_one_line(value->text))
        return fail(p, value, "'name' must be one line");
    w->name = value;
    w->step->name = xstrdup(value->text);
    return true;
}

static bool step_at(Parser *p, StepWalk *w, const Node *key,
                    const Node *value)
{
    set_trigger(w, SCENARIO_AT_TIME, value);
    return parse_time(p, key, value, true, &w->step->value,
                      &w->step->time_in_cycles);
}

static bool step_insns(Parser *p, StepWalk *w, const Node *key,
                       const Node *value)
{
    set_trigger(w, SCENARIO_AT_INSNS, value);
    return parse_number(p, key, value, &w->step->value);
}

static bool step_on_uart(Parser *p, StepWalk *w, const Node *key,
                         const Node *value)
{
    (void)key;
    if (!expect_kind(p, value, NODE_MAP, "'on-uart' (device: text)"))
        return false;
    if (value->nkids == 0)
        return fail(p, value, "empty 'on-uart' (expected one device: text)");
    if (value->nkids > 2)
        return fail(p, value->kids[2], "'on-uart' watches one device (found "
                    "a second, '%s')", value->kids[2]->text);
    set_trigger(w, SCENARIO_ON_UART, value->kids[0]);
    return uart_entry(p, value->kids[0], value->kids[1], "on-uart",
                      &w->step->uart_device, &w->step->uart_text);
}

static bool is_symbol(const char *text)
{
    return text[0] && !is_digit(text[0]) &&
           text[strspn(text, SYMBOL_CHARS)] == '\0';
}

static bool step_pc(Parser *p, StepWalk *w, const Node *key,
                    const Node *value)
{
    ScenarioStep *s = w->step;
    set_trigger(w, SCENARIO_AT_PC, value);
    if (!expect_scalar(p, value, "'pc'"))
        return false;
    if (is_symbol(value->text)) {
        s->symbol = xstrdup(value->text);
        return true;
    }
    if (!is_digit(value->text[0]))
        return fail(p, value, "invalid pc '%s' (expected an address or a "
                    "symbol name)", value->text);
    if (!parse_number(p, key, value, &s->value))
        return false;
    if (s->value >= PC_LIMIT)
        return fail(p, value, "'pc' 0x%" PRIx64 " does not fit in 32 bits",
                    s->value);
    if (s->value & 1)
        return fail(p, value, "'pc' 0x%" PRIx64 " is odd (instructions "
                    "start at even addresses)", s->value);
    return true;
}

static bool command(Parser *p, ScenarioStep *s, const Node *n)
{
    if (n->kind == NODE_MAP)
        return fail(p, n, "expected a scalar for a command in 'do', found a "
                    "mapping (quote a command that holds ': ')");
    if (!expect_scalar(p, n, "a command in 'do'"))
        return false;
    if (is_blank(n->text))
        return fail(p, n, "empty command in 'do'");
    if (!is_one_line(n->text))
        return fail(p, n, "a command in 'do' must be one line (one command "
                    "per list item)");
    s->command_locs[s->ncommands] = node_loc(n);
    s->commands[s->ncommands++] = xstrdup(n->text);
    return true;
}

static bool step_do(Parser *p, StepWalk *w, const Node *key,
                    const Node *value)
{
    (void)key;
    ScenarioStep *s = w->step;
    if (value->kind == NODE_MAP || value->is_null)
        return fail(p, value, "expected a command or a list of commands for "
                    "'do', found %s", node_kind_name(value));
    if (value->kind == NODE_SCALAR) {
        s->commands = xcalloc(1, sizeof *s->commands);
        s->command_locs = xcalloc(1, sizeof *s->command_locs);
        return command(p, s, value);
    }
    if (value->nkids == 0)
        return fail(p, value, "empty 'do' (expected a command or a list of "
                    "commands)");
    s->commands = xcalloc(value->nkids, sizeof *s->commands);
    s->command_locs = xcalloc(value->nkids, sizeof *s->command_locs);
    for (size_t i = 0; i < value->nkids; i++)
        if (!command(p, s, value->kids[i]))
            return false;
    return true;
}

static bool step_expect_uart(Parser *p, StepWalk *w, const Node *key,
                             const Node *value)
{
    (void)key;
    ScenarioStep *s = w->step;
    if (!expect_kind(p, value, NODE_MAP, "'expect-uart' (device: text)"))
        return false;
    if (value->nkids == 0)
        return fail(p, value, "empty 'expect-uart' (expected device: text)");
    s->expect_uart = xcalloc(value->nkids / 2, sizeof *s->expect_uart);
    NameSet seen = { 0 };
    bool ok = true;
    for (size_t i = 0; ok && i < value->nkids; i += 2) {
        ScenarioExpectUart *e = &s->expect_uart[s->nexpect_uart];
        ok = check_unique_key(p, &seen, value, i) &&
             uart_entry(p, value->kids[i], value->kids[i + 1], "expect-uart",
                        &e->device, &e->text);
        if (ok) {
            e->loc = node_loc(value->kids[i]);
            s->nexpect_uart++;
        }
    }
    name_set_free(&seen);
    return ok;
}

static bool step_within(Parser *p, StepWalk *w, const Node *key,
                        const Node *value)
{
    bool cycles;
    w->within_key = key;
    if (!parse_time(p, key, value, false, &w->step->within_ns, &cycles))
        return false;
    if (w->step->within_ns == 0)
        return fail(p, value, "'within' must be greater than 0");
    return true;
}

static bool step_expect_exit(Parser *p, StepWalk *w, const Node *key,
                             const Node *value)
{
    ScenarioStep *s = w->step;
    uint64_t status;
    if (!parse_number(p, key, value, &status))
        return false;
    if (status > EXIT_STATUS_MAX)
        return fail(p, value, "'expect-exit' %s is out of range (0 to %d)",
                    value->text, EXIT_STATUS_MAX);
    s->has_expect_exit = true;
    s->expect_exit = (int)status;
    s->expect_exit_loc = node_loc(value);
    return true;
}

typedef struct StepKey {
    const char *key;
    StepKeyFn *handle;
    bool trigger;
} StepKey;

static const StepKey step_keys[] = {
    { "name", step_name, false },
    { "at", step_at, true },
    { "insns", step_insns, true },
    { "on-uart", step_on_uart, true },
    { "pc", step_pc, true },
    { "do", step_do, false },
    { "expect-uart", step_expect_uart, false },
    { "within", step_within, false },
    { "expect-exit", step_expect_exit, false },
};

/* "a, b or c": the step keys (only the triggers when `triggers`), in
 * table order; malloc'd. */
static char *step_key_list(bool triggers)
{
    const char *names[ARRAY_LEN(step_keys)];
    size_t n = 0, len = 1;
    for (size_t i = 0; i < ARRAY_LEN(step_keys); i++) {
        if (triggers && !step_keys[i].trigger)
            continue;
        names[n++] = step_keys[i].key;
        len += strlen(step_keys[i].key) + 4;
    }
    char *text = xcalloc(len, 1);
    for (size_t i = 0; i < n; i++) {
        strcat(text, i == 0 ? "" : i + 1 == n ? " or " : ", ");
        strcat(text, names[i]);
    }
    return text;
}

static const StepKey *find_step_key(const char *key)
{
    for (size_t i = 0; i < ARRAY_LEN(step_keys); i++)
        if (strcmp(step_keys[i].key, key) == 0)
            return &step_keys[i];
    return NULL;
}

static bool step_key(Parser *p, StepWalk *w, const Node *key,
                     const Node *value)
{
    const StepKey *sk = find_step_key(key->text);
    if (!sk) {
        char *expected = step_key_list(false);
        fail(p, key, "unknown key '%s' in a step (expected %s)", key->text,
             expected);
        free(expected);
        return false;
    }
    if (sk->trigger && w->trigger_key) {
        const Node *first = w->trigger_key;
        return fail(p, key, "a second trigger '%s' (the step has '%s' at "
                    "%u:%u; a step has one)", key->text, first->text,
                    first->line, first->col);
    }
    if (sk->trigger)
        w->trigger_key = key;
    return sk->handle(p, w, key, value);
}

/* ---- a step ---- */

/* What the keys together must make: one trigger, something to do or
 * check, and `within` only for an `expect-uart`. */
static bool check_step(Parser *p, const StepWalk *w)
{
    const ScenarioStep *s = w->step;
    if (!w->trigger_key) {
        char *triggers = step_key_list(true);
        fail(p, w->map, "missing trigger in a step (expected %s)", triggers);
        free(triggers);
        return false;
    }
    if (w->within_key && s->nexpect_uart == 0)
        return fail(p, w->within_key, "'within' without 'expect-uart' (it "
                    "limits the wait for the expected output)");
    if (s->ncommands == 0 && s->nexpect_uart == 0 && !s->has_expect_exit)
        return fail(p, w->map, "a step without 'do', 'expect-uart' or "
                    "'expect-exit' does nothing");
    return true;
}

/* The step's name ("step N" when not given) is the only one of its
 * text, so a message or a test report names one step. */
static bool name_step(Parser *p, const StepWalk *w)
{
    ScenarioStep *s = w->step;
    if (!s->name)
        s->name = xasprintf("step %zu", w->index + 1);
    size_t first;
    if (name_set_add(&p->step_names, s->name, w->index, &first))
        return true;
    SourceLoc at = w->name ? node_loc(w->name) : s->loc;
    const SourceLoc *prev = &p->file->steps[first].loc;
    return fail_loc(p, at, "duplicate step name '%s' (step %zu at %u:%u)",
                    s->name, first + 1, prev->line, prev->col);
}

static bool parse_step(Parser *p, const Node *map, size_t index)
{
    char what[48];
    snprintf(what, sizeof what, "step %zu", index + 1);
    if (!expect_kind(p, map, NODE_MAP, what))
        return false;
    StepWalk w = { .step = &p->file->steps[index], .index = index,
                   .map = map };
    w.step->loc = node_loc(map);
    w.step->within_ns = NS_PER_S;
    NameSet seen = { 0 };
    bool ok = true;
    for (size_t i = 0; ok && i < map->nkids; i += 2)
        ok = check_unique_key(p, &seen, map, i) &&
             step_key(p, &w, map->kids[i], map->kids[i + 1]);
    name_set_free(&seen);
    return ok && check_step(p, &w) && name_step(p, &w);
}

/* ---- the top level ---- */

static bool parse_steps(Parser *p, const Node *value)
{
    if (!expect_kind(p, value, NODE_LIST, "'steps'"))
        return false;
    if (value->nkids == 0)
        return fail(p, value, "no steps defined");
    ScenarioFile *f = p->file;
    f->steps = xcalloc(value->nkids, sizeof *f->steps);
    f->nsteps = value->nkids;
    for (size_t i = 0; i < value->nkids; i++)
        if (!parse_step(p, value->kids[i], i))
            return false;
    return true;
}

static bool top_key(Parser *p, const Node *key, const Node *value)
{
    if (strcmp(key->text, "steps") == 0)
        return parse_steps(p, value);
    if (strcmp(key->text, "description") != 0)
        return fail(p, key, "unknown key '%s' at the top level (expected "
                    "steps or description)", key->text);
    if (value->kind == NODE_SCALAR) /* nothing (`description:`) included */
        return true;
    return fail(p, value, "expected a scalar for 'description', found %s",
                node_kind_name(value));
}

static bool parse_top(Parser *p, const Node *root)
{
    if (root->kind == NODE_SCALAR && root->text[0] == '\0')
        return fail(p, root, "empty document");
    if (!expect_kind(p, root, NODE_MAP, "the top level (steps: a list)"))
        return false;
    NameSet seen = { 0 };
    bool ok = true;
    for (size_t i = 0; ok && i < root->nkids; i += 2)
        ok = check_unique_key(p, &seen, root, i) &&
             top_key(p, root->kids[i], root->kids[i + 1]);
    name_set_free(&seen);
    if (ok && !p->file->steps)
        return fail(p, root, "missing required key 'steps' at the top level");
    return ok;
}

/* ---- loading ---- */

ScenarioFile *scenario_file_parse(const char *path, const char *text,
                                  size_t len, Error **errp)
{
    ScenarioFile *file = xcalloc(1, sizeof *file);
    file->path = xstrdup(path);
    Parser p = { .file = file };
    BoardLoadStats stats = { 0 };
    Node *root = board_yaml_load(file->path, text, len, &stats, &p.err);
    bool ok = root && parse_top(&p, root);
    node_free(root);
    name_set_free(&p.step_names);
    if (ok)
        return file;
    scenario_file_free(file);
    error_propagate(errp, p.err);
    return NULL;
}

ScenarioFile *scenario_file_load(const char *path, Error **errp)
{
    size_t len;
    char *text = file_read_all(path, &len, errp);
    if (!text)
        return NULL;
    ScenarioFile *file = scenario_file_parse(path, text, len, errp);
    free(text);
    return file;
}

static void step_free(ScenarioStep *s)
{
    free(s->name);
    free(s->uart_device);
    free(s->uart_text);
    free(s->symbol);
    for (size_t i = 0; i < s->ncommands; i++)
        free(s->commands[i]);
    free(s->commands);
    free(s->command_locs);
    for (size_t i = 0; i < s->nexpect_uart; i++) {
        free(s->expect_uart[i].device);
        free(s->expect_uart[i].text);
    }
    free(s->expect_uart);
}

void scenario_file_free(ScenarioFile *file)
{
    if (!file)
        return;
    for (size_t i = 0; i < file->nsteps; i++)
        step_free(&file->steps[i]);
    free(file->steps);
    free(file->path);
    free(file);
}
