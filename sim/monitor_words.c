/* The monitor's words (sim/monitor_internal.h): a command line split into
 * words ("quoted parts" with escapes join a word, so `chardev="file:a b"`
 * is one word), numbers, addresses, names, durations and interrupt sinks
 * read from them, a peripheral's board entry built from key=value words,
 * and errors that stay on one line. Every parse error names the column
 * of its word; the entry's SourceLocs are "monitor:1:COL" (of the value,
 * for key=value), so the machine's errors point into the command line as
 * they point into a board file.
 */
#include "sim/monitor_internal.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "soc/alloc.h"
#include "soc/board_node.h" /* NAME_CHARS, as board files allow them */

#define SINK_MAX_INPUT 65535u /* as board files: highest input number */
#define SINK_MAX_RANGE 1024u  /* lines one TARGET.N-M range may span */

/* ---- output ---- */

/* Writes text with control bytes (and bytes above 0x7e) escaped as \xHH,
 * so any word or message stays on its line; with `backslash`, a backslash
 * is doubled too (a word quoted in a message reads unambiguously). */
void mon_put_escaped(FILE *out, const char *text, size_t len, bool backslash)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)text[i];
        if (ch == '\\' && backslash)
            fputs("\\\\", out);
        else if (ch < 0x20 || ch > 0x7e)
            fprintf(out, "\\x%02x", ch);
        else
            fputc(ch, out);
    }
}

static bool vfail(Call *c, bool with_usage, const char *fmt, va_list ap)
{
    char *text = NULL;
    if (vasprintf(&text, fmt, ap) < 0)
        abort();
    fputs("error: ", c->out);
    mon_put_escaped(c->out, text, strlen(text), false);
    if (with_usage && c->cmd)
        fprintf(c->out, "; usage: %s%s%s", c->cmd->name, *c->cmd->usage ? " " : "",
                c->cmd->usage);
    fputc('\n', c->out);
    free(text);
    return false;
}

/* One "error: ..." line; returns false for the caller to return. */
bool mon_fail(Call *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(c, false, fmt, ap);
    va_end(ap);
    return false;
}

/* The same, for malformed commands: the usage follows. */
bool mon_malformed(Call *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(c, true, fmt, ap);
    va_end(ap);
    return false;
}

/* A refusal from below: its message names the rule. */
bool mon_refused(Call *c, Error *err)
{
    mon_fail(c, "%s", err ? error_message(err) : "refused");
    error_free(err);
    return false;
}

/* Prints malloc'd text (ending it with a newline) and frees it. */
void mon_put_text(FILE *out, char *text)
{
    if (!text)
        return;
    size_t len = strlen(text);
    fputs(text, out);
    if (len && text[len - 1] != '\n')
        fputc('\n', out);
    free(text);
}

/* A word as messages quote it: escaped, cut at SHOWN_MAX bytes. */
const char *mon_shown(const Word *w, char *buf, size_t size)
{
    FILE *f = fmemopen(buf, size, "w");
    if (!f)
        abort();
    size_t n = w->len < SHOWN_MAX ? w->len : SHOWN_MAX;
    mon_put_escaped(f, w->text, n, true);
    if (n < w->len)
        fputs("...", f);
    fclose(f);
    buf[size - 1] = '\0';
    return buf;
}


/* ---- words ---- */

typedef struct WordBuf {
    char *data;
    size_t len, cap;
} WordBuf;

static void wb_put(WordBuf *b, char ch)
{
    if (b->len + 2 > b->cap) {
        b->cap = b->cap ? b->cap * 2 : 32;
        b->data = xrealloc(b->data, b->cap);
    }
    b->data[b->len++] = ch;
    b->data[b->len] = '\0';
}

int mon_hex_digit(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

static bool is_blank(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/* The escape at *p (just past its backslash) into b; advances *p. */
static bool take_escape(Call *c, const char *line, const char **p, WordBuf *b)
{
    char e = **p;
    static const char plain[] = "\"\\nrt";
    static const char value[] = "\"\\\n\r\t";
    const char *known = e ? strchr(plain, e) : NULL;
    if (known) {
        wb_put(b, value[known - plain]);
        (*p)++;
        return true;
    }
    unsigned col = (unsigned)(*p - line); /* of the backslash, 1-based */
    if (e == 'x') {
        int hi = mon_hex_digit((*p)[1]), lo = hi < 0 ? -1 : mon_hex_digit((*p)[2]);
        if (hi >= 0 && lo >= 0) {
            wb_put(b, (char)(hi * 16 + lo));
            *p += 3;
            return true;
        }
        return mon_fail(c, "'\\x' wants two hex digits at column %u", col);
    }
    if (!e)
        return mon_fail(c, "unterminated quote: the line ends in a backslash at column %u", col);
    return mon_fail(c, "unknown escape '\\%c' at column %u (known: \\\" \\\\ \\n \\r \\t \\xHH)",
                e, col);
}

/* One word starting at *p (not a blank); advances *p past it. */
static bool take_word(Call *c, const char *line, const char **p, Word *w)
{
    WordBuf b = {0};
    wb_put(&b, '\0'); /* so data is never NULL: "" for an empty word */
    b.len = 0;
    *w = (Word){.col = (unsigned)(*p - line) + 1, .eq = -1};
    while (**p && !is_blank(**p)) {
        if (**p != '"') {
            if (**p == '=' && w->eq < 0)
                w->eq = (long)b.len;
            wb_put(&b, *(*p)++);
            continue;
        }
        unsigned open = (unsigned)(*p - line) + 1;
        w->quoted = true;
        for ((*p)++; **p != '"'; ) {
            if (!**p) {
                free(b.data);
                return mon_fail(c, "unterminated quote at column %u", open);
            }
            if (**p != '\\') {
                wb_put(&b, *(*p)++);
                continue;
            }
            (*p)++;
            if (!take_escape(c, line, p, &b)) {
                free(b.data);
                return false;
            }
        }
        (*p)++;
    }
    w->text = b.data;
    w->len = b.len;
    return true;
}

bool mon_split_words(Call *c, const char *line)
{
    size_t cap = 0;
    for (const char *p = line;;) {
        while (is_blank(*p))
            p++;
        if (!*p)
            return true;
        if (c->nwords == cap) {
            cap = cap ? cap * 2 : 8;
            c->words = xreallocarray(c->words, cap, sizeof *c->words);
        }
        if (!take_word(c, line, &p, &c->words[c->nwords]))
            return false;
        c->nwords++;
    }
}

bool mon_word_is(const Word *w, const char *text)
{
    return !w->quoted && strcmp(w->text, text) == 0;
}

/* A copy the call frees. */
char *mon_keep(Call *c, const char *text, size_t len)
{
    c->owned = xreallocarray(c->owned, c->nowned + 1, sizeof *c->owned);
    return c->owned[c->nowned++] = xstrndup(text, len);
}

void mon_call_free(Call *c)
{
    for (size_t i = 0; i < c->nwords; i++)
        free(c->words[i].text);
    free(c->words);
    for (size_t i = 0; i < c->nowned; i++)
        free(c->owned[i]);
    free(c->owned);
}

/* ---- values ---- */

SourceLoc mon_loc_at(unsigned col)
{
    return (SourceLoc){.file = MONITOR_FILE, .line = 1, .col = col};
}

/* The column of byte `offset` of w's text (exact for unquoted words). */
static unsigned col_of(const Word *w, size_t offset)
{
    return w->quoted ? w->col : w->col + (unsigned)offset;
}

bool mon_parse_number(Call *c, const Word *w, const char *what, uint64_t *out)
{
    if (board_parse_u64(w->text, out))
        return true;
    return mon_malformed(c, "invalid number '%s' for %s at column %u", SHOW(w), what, w->col);
}

bool mon_parse_base(Call *c, const Word *w, uint64_t *out)
{
    if (w->quoted || w->text[0] != '@')
        return mon_malformed(c, "expected @BASE, found '%s' at column %u", SHOW(w), w->col);
    if (!board_parse_u64(w->text + 1, out))
        return mon_malformed(c, "invalid address '%s' at column %u", SHOW(w), w->col);
    if (*out > UINT32_MAX)
        return mon_malformed(c, "address '%s' at column %u does not fit in 32 bits",
                         SHOW(w), w->col);
    return true;
}

static const char INPUT_CHARS[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_";

/* A peripheral's name, as board files allow them. */
bool mon_check_name(Call *c, const Word *w)
{
    if (w->len > 0 && strspn(w->text, NAME_CHARS) == w->len)
        return true;
    return mon_malformed(c, "invalid name '%s' at column %u (letters, digits, '_' and '-')",
                     SHOW(w), w->col);
}

/* ---- the interrupt sinks of irq= ---- */


/* Decimal digits at *s, saturating above SINK_MAX_INPUT. */
static bool sink_number(const char **s, unsigned long *out)
{
    if (**s < '0' || **s > '9')
        return false;
    unsigned long v = 0;
    for (; **s >= '0' && **s <= '9'; (*s)++) {
        v = v * 10 + (unsigned long)(**s - '0');
        if (v > SINK_MAX_INPUT)
            v = SINK_MAX_INPUT + 1;
    }
    *out = v;
    return true;
}

void mon_add_sink_line(Call *c, IrqList *l, const char *target, size_t tlen,
                          const char *input, size_t ilen, unsigned line, unsigned col)
{
    l->irqs = xreallocarray(l->irqs, l->n + 1, sizeof *l->irqs);
    l->irqs[l->n++] = (BoardIrq){
        .target = mon_keep(c, target, tlen),
        .input = input ? mon_keep(c, input, ilen) : NULL,
        .line = line,
        .loc = mon_loc_at(col),
    };
}

static bool bad_sink(Call *c, const char *sink, unsigned col)
{
    return mon_malformed(c, "invalid interrupt sink '%s' at column %u (expected cpu.INPUT, "
                     "TARGET.N or TARGET.N-M)", sink, col);
}

/* N or N-M at s, the whole rest of the sink. */
static bool sink_range(const char *s, unsigned long *first, unsigned long *last)
{
    if (!sink_number(&s, first))
        return false;
    *last = *first;
    if (*s == '-') {
        s++;
        if (!sink_number(&s, last))
            return false;
    }
    return *s == '\0';
}

/* One sink (`cpu.mti`, `plic.3`, `plic.8-39`) of `len` bytes at `s`. */
static bool parse_sink(Call *c, IrqList *l, const char *s, size_t len, unsigned col)
{
    char *sink = mon_keep(c, s, len);
    const char *dot = strchr(sink, '.');
    size_t tlen = dot ? (size_t)(dot - sink) : 0;
    if (tlen == 0 || strspn(sink, NAME_CHARS) != tlen)
        return bad_sink(c, sink, col);
    const char *rest = dot + 1;
    if (tlen == 3 && memcmp(sink, "cpu", 3) == 0) {
        size_t ilen = strspn(rest, INPUT_CHARS);
        if (ilen == 0 || rest[ilen])
            return bad_sink(c, sink, col);
        mon_add_sink_line(c, l, sink, tlen, rest, ilen, 0, col);
        return true;
    }
    unsigned long first, last;
    if (!sink_range(rest, &first, &last))
        return bad_sink(c, sink, col);
    if (first > SINK_MAX_INPUT || last > SINK_MAX_INPUT)
        return mon_malformed(c, "interrupt input number too large in '%s' at column %u "
                         "(at most %u)", sink, col, SINK_MAX_INPUT);
    if (last < first)
        return mon_malformed(c, "reversed interrupt range '%s' at column %u", sink, col);
    if (last - first >= SINK_MAX_RANGE || l->n + (last - first) >= BOARD_IRQ_LINES_MAX)
        return mon_malformed(c, "too many interrupt lines at column %u (at most %u)", col,
                         BOARD_IRQ_LINES_MAX);
    for (unsigned long n = first; n <= last; n++)
        mon_add_sink_line(c, l, sink, tlen, NULL, 0, (unsigned)n, col);
    return true;
}

/* irq=SINK[,SINK...]; `irq=` alone wires nothing. */
static bool parse_irqs(Call *c, const Word *w, IrqList *l)
{
    size_t start = (size_t)w->eq + 1;
    if (start == w->len)
        return true;
    for (;;) {
        const char *s = w->text + start;
        size_t len = strcspn(s, ",");
        if (len == 0)
            return mon_malformed(c, "empty interrupt sink at column %u", col_of(w, start));
        if (!parse_sink(c, l, s, len, col_of(w, start)))
            return false;
        if (!s[len])
            return true;
        start += len + 1;
    }
}

/* ---- peripheral entries ---- */

/* The options of `peripheral add/replace`: size=, irq= and properties. */

bool mon_has_prop(const BoardProp *props, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(props[i].key, key) == 0)
            return true;
    return false;
}

void mon_add_prop(Call *c, EntryOptions *o, const char *key, const char *value,
                     SourceLoc loc)
{
    o->props = xreallocarray(o->props, o->nprops + 1, sizeof *o->props);
    o->props[o->nprops++] = (BoardProp){
        .key = mon_keep(c, key, strlen(key)),
        .value = mon_keep(c, value, strlen(value)),
        .loc = loc,
    };
}

static bool parse_size(Call *c, const Word *w, EntryOptions *o)
{
    Word value = *w;
    value.text += w->eq + 1;
    value.len -= (size_t)w->eq + 1;
    value.col = col_of(w, (size_t)w->eq + 1);
    if (!mon_parse_number(c, &value, "size", &o->size))
        return false;
    if (o->size == 0 || o->size > (1ull << 32))
        return mon_malformed(c, "size '%s' at column %u is outside 1 to 4G", SHOW(&value),
                         value.col);
    o->has_size = true;
    o->size_loc = mon_loc_at(value.col);
    return true;
}

static bool parse_option(Call *c, const Word *w, EntryOptions *o)
{
    const char *key = mon_keep(c, w->text, (size_t)w->eq);
    const char *value = w->text + w->eq + 1;
    unsigned col = col_of(w, (size_t)w->eq + 1);
    bool seen = strcmp(key, "size") == 0 ? o->has_size
              : strcmp(key, "irq") == 0 ? o->has_irq
                                        : mon_has_prop(o->props, o->nprops, key);
    if (seen)
        return mon_malformed(c, "'%s' given twice at column %u", key, w->col);
    if (strcmp(key, "name") == 0 || strcmp(key, "type") == 0 || strcmp(key, "base") == 0)
        return mon_malformed(c, "'%s' at column %u is not a property (NAME, TYPE and @BASE "
                         "are words of their own)", key, w->col);
    if (strcmp(key, "size") == 0)
        return parse_size(c, w, o);
    if (strcmp(key, "irq") == 0) {
        o->has_irq = true;
        o->irq_loc = mon_loc_at(col);
        return parse_irqs(c, w, &o->irq);
    }
    mon_add_prop(c, o, key, value, mon_loc_at(col));
    return true;
}

bool mon_parse_options(Call *c, EntryOptions *o)
{
    for (size_t i = 0; i < c->nopts; i++)
        if (!parse_option(c, &c->opts[i], o))
            return false;
    return true;
}

void mon_entry_options_free(EntryOptions *o)
{
    free(o->irq.irqs);
    free(o->props);
}

/* NAME and TYPE of add/replace; the rest from the options. */
BoardPeripheral mon_entry_from(const Call *c, const EntryOptions *o)
{
    const Word *name = &c->args[0], *type = &c->args[1];
    return (BoardPeripheral){
        .name = name->text,
        .type = type->text,
        .size = o->size,
        .props = o->props,
        .nprops = o->nprops,
        .irqs = o->irq.irqs,
        .nirqs = o->irq.n,
        .loc = mon_loc_at(name->col),
        .type_loc = mon_loc_at(type->col),
        .irq_loc = o->has_irq ? o->irq_loc : mon_loc_at(name->col),
        .size_loc = o->has_size ? o->size_loc : mon_loc_at(name->col),
    };
}

/* ---- durations ---- */

typedef struct Unit {
    const char *suffix;
    uint64_t ns; /* per unit; 0: cycles */
    bool insns;
} Unit;

static const Unit units[] = {
    {"", 0, false},  {"cycles", 0, false}, {"ns", 1, false},
    {"us", 1000, false}, {"ms", 1000000, false}, {"s", 1000000000, false},
    {"insns", 0, true},
};

static bool is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

/* "10ms", "1500us", "200000" (cycles), "5000insns": decimal digits ('_'
 * allowed between two of them, as in scenario files), then the unit. */
bool mon_parse_duration(Call *c, const Word *w, uint64_t *count, bool *insns)
{
    const char *s = w->text;
    uint64_t v = 0;
    bool digits = false;
    for (; is_digit(*s) || (*s == '_' && digits && is_digit(s[1])); s++) {
        if (*s == '_')
            continue;
        if (v > (UINT64_MAX - 9) / 10)
            return mon_malformed(c, "'%s' at column %u is too long", SHOW(w), w->col);
        v = v * 10 + (uint64_t)(*s - '0');
        digits = true;
    }
    const Unit *unit = NULL;
    for (size_t i = 0; digits && !w->quoted && i < sizeof units / sizeof units[0]; i++)
        if (strcmp(s, units[i].suffix) == 0)
            unit = &units[i];
    if (!unit)
        return mon_malformed(c, "invalid duration '%s' at column %u (N followed by ns, us, ms, "
                         "s, cycles or insns)", SHOW(w), w->col);
    *insns = unit->insns;
    *count = v;
    if (unit->ns) { /* cycles, rounded up: at least that much time passes */
        unsigned __int128 cycles =
            ((unsigned __int128)v * unit->ns * clock_hz(c->ctx->clock) + 999999999u) /
            1000000000u;
        if (cycles > UINT64_MAX)
            return mon_malformed(c, "'%s' at column %u is too long", SHOW(w), w->col);
        *count = (uint64_t)cycles;
    }
    if (*count == 0)
        return mon_malformed(c, "'%s' at column %u is no time at all", SHOW(w), w->col);
    return true;
}
