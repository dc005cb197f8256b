/* Board files: YAML text -> BoardFile (soc/board.h, docs/BOARDS.md).
 *
 * Two passes. First soc/board_yaml.c turns libyaml's event stream into a
 * small tree of Nodes that remember where they start; soc/board_extends.c
 * merges each board with the one it extends. Then the tree is walked into
 * the Board* structs (here). Each mapping kind (board,
 * cpu, memory entry, peripheral) is a const table of keys and handlers that
 * walk_mapping() dispatches through; it also rejects duplicate and unknown
 * keys and reports missing required ones.
 *
 * Every message starts with "FILE:LINE:COL: " (1-based) for the node at
 * fault. Output arrays are allocated zeroed at their final length before
 * they are filled (a peripheral's irqs grow one complete entry at a time),
 * so board_file_free() can free a half-built file.
 */
#include "soc/board.h"
#include "soc/alloc.h"
#include "soc/board_node.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ADDR_LIMIT (UINT64_C(1) << 32)
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the YAML tree ---- */

typedef struct Ctx {
    const char *path; /* file->path */
    Error *err;
    BoardFile *file;
    BoardDesc *board; /* the board being filled */
    BoardExtends *extends;
} Ctx;

static SourceLoc node_loc(const Ctx *c, const Node *n)
{
    (void)c;
    return (SourceLoc){ .file = n->file, .line = n->line, .col = n->col };
}

/* ---- errors: each returns false so callers can `return fail(...)` ---- */

static bool vfail_in(Ctx *c, const char *file, unsigned line, unsigned col,
                     const char *fmt, va_list ap)
{
    if (c->err)
        return false;
    error_vsetf(&c->err, fmt, ap);
    error_prepend(&c->err, "%s:%u:%u: ", file, line, col);
    return false;
}

static bool fail(Ctx *c, const Node *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static bool fail(Ctx *c, const Node *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail_in(c, n->file ? n->file : c->path, n->line, n->col, fmt, ap);
    va_end(ap);
    return false;
}

/* Expects `n` to be of `kind`; `what` names it ("'cpu'", "memory entry"). */
static bool expect(Ctx *c, const Node *n, NodeKind kind, const char *what)
{
    static const char *const names[] = {
        [NODE_SCALAR] = "scalar", [NODE_LIST] = "list", [NODE_MAP] = "mapping",
    };
    if (n->kind == kind)
        return true;
    return fail(c, n, "expected a %s for %s, found %s", names[kind], what,
                node_kind_name(n));
}

/* ---- numbers ---- */

static int digit_value(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

static unsigned suffix_shift(char ch)
{
    switch (ch) {
    case 'K': return 10;
    case 'M': return 20;
    case 'G': return 30;
    default: return 0;
    }
}

/* Returns 1 and sets *out for a well-formed number that fits in 64 bits,
 * 0 otherwise (*out untouched). `_` may only stand between two digits. */
int board_parse_u64(const char *text, uint64_t *out)
{
    unsigned base = 10;
    const char *s = text, *end = text + strlen(text);
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        base = 16, s += 2;
    else if (s[0] == '0' && (s[1] == 'b' || s[1] == 'B'))
        base = 2, s += 2;
    unsigned shift = end > s ? suffix_shift(end[-1]) : 0;
    if (shift)
        end--;
    if (s == end || *s == '_' || end[-1] == '_')
        return 0;
    uint64_t v = 0;
    for (; s < end; s++) {
        if (*s == '_' && s[1] != '_')
            continue;
        int d = digit_value(*s);
        if (d < 0 || (unsigned)d >= base)
            return 0;
        if (v > (UINT64_MAX - (unsigned)d) / base)
            return 0;
        v = v * base + (unsigned)d;
    }
    if (shift && v > UINT64_MAX >> shift)
        return 0;
    *out = v << shift;
    return 1;
}

/* ---- pass 2: the key-dispatch machinery ---- */

typedef struct KeySpec KeySpec;
/* Handles `key: value` for the struct `obj`; false after an error. */
typedef bool KeyFn(Ctx *c, void *obj, const KeySpec *ks, const Node *key,
                   const Node *value);

struct KeySpec {
    const char *key;
    KeyFn *handle;
    size_t offset; /* of the field in obj, for the generic handlers */
    bool required;
};

typedef struct MapSpec {
    const char *what; /* "cpu", "memory entry" */
    const KeySpec *keys;
    size_t nkeys;
    KeyFn *other; /* for keys not in the table; NULL: unknown key error */
} MapSpec;

#define FIELD(type, obj, ks) ((type *)((char *)(obj) + (ks)->offset))

static const KeySpec *find_key(const MapSpec *spec, const char *key)
{
    for (size_t i = 0; i < spec->nkeys; i++)
        if (strcmp(spec->keys[i].key, key) == 0)
            return &spec->keys[i];
    return NULL;
}

static bool unknown_key(Ctx *c, const MapSpec *spec, const Node *key)
{
    char expected[160] = "";
    size_t used = 0;
    for (size_t i = 0; i < spec->nkeys && used < sizeof expected; i++) {
        const char *sep = i == 0 ? "" : i + 1 == spec->nkeys ? " or " : ", ";
        used += (size_t)snprintf(expected + used, sizeof expected - used,
                                 "%s%s", sep, spec->keys[i].key);
    }
    return fail(c, key, "unknown key '%s' in %s (expected %s)", key->text,
                spec->what, expected);
}

/* Rejects the i-th key of `map` if an earlier key has the same text. */
static bool check_unique_key(Ctx *c, const Node *map, size_t i,
                             const char *what)
{
    const Node *key = map->kids[i];
    for (size_t j = 0; j < i; j += 2) {
        const Node *prev = map->kids[j];
        if (strcmp(prev->text, key->text) == 0)
            return fail(c, key, "duplicate %s '%s' (first at %u:%u)", what,
                        key->text, prev->line, prev->col);
    }
    return true;
}

static bool check_required(Ctx *c, const Node *map, const MapSpec *spec)
{
    const Node *name = node_map_get(map, "name");
    bool named = name && name->kind == NODE_SCALAR && name->text[0];
    for (size_t i = 0; i < spec->nkeys; i++) {
        const char *key = spec->keys[i].key;
        if (!spec->keys[i].required || node_map_get(map, key))
            continue;
        if (named)
            return fail(c, map, "missing required key '%s' in %s '%s'", key,
                        spec->what, name->text);
        return fail(c, map, "missing required key '%s' in %s", key,
                    spec->what);
    }
    return true;
}

static bool walk_mapping(Ctx *c, const Node *map, const MapSpec *spec,
                         void *obj)
{
    for (size_t i = 0; i < map->nkids; i += 2) {
        const Node *key = map->kids[i], *value = map->kids[i + 1];
        if (!check_unique_key(c, map, i, "key"))
            return false;
        const KeySpec *ks = find_key(spec, key->text);
        if (!ks && !spec->other)
            return unknown_key(c, spec, key);
        KeyFn *handle = ks ? ks->handle : spec->other;
        if (!handle(c, obj, ks, key, value))
            return false;
    }
    return check_required(c, map, spec);
}

/* ---- value handlers ---- */

static bool scalar_value(Ctx *c, const Node *key, const Node *value)
{
    char what[96];
    snprintf(what, sizeof what, "'%s'", key->text);
    return expect(c, value, NODE_SCALAR, what);
}

static bool parse_number(Ctx *c, const Node *key, const Node *value,
                         uint64_t *out)
{
    if (!scalar_value(c, key, value))
        return false;
    if (!board_parse_u64(value->text, out))
        return fail(c, value, "invalid number '%s' for '%s'", value->text,
                    key->text);
    return true;
}

static bool parse_addr32(Ctx *c, const Node *key, const Node *value,
                         uint64_t *out)
{
    if (!parse_number(c, key, value, out))
        return false;
    if (*out >= ADDR_LIMIT)
        return fail(c, value, "'%s' 0x%" PRIx64 " does not fit in 32 bits",
                    key->text, *out);
    return true;
}

static bool set_text(Ctx *c, void *obj, const KeySpec *ks, const Node *key,
                     const Node *value)
{
    if (!scalar_value(c, key, value))
        return false;
    char **field = FIELD(char *, obj, ks);
    free(*field);
    *field = xstrdup(value->text);
    return true;
}

static bool set_nonempty_text(Ctx *c, void *obj, const KeySpec *ks,
                              const Node *key, const Node *value)
{
    if (!set_text(c, obj, ks, key, value))
        return false;
    if (value->text[0] == '\0')
        return fail(c, value, "'%s' must not be empty", key->text);
    return true;
}

#define NAME_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"

static bool check_name(Ctx *c, const Node *n)
{
    if (n->text[0] == '\0')
        return fail(c, n, "empty name");
    if (n->text[strspn(n->text, NAME_CHARS)])
        return fail(c, n, "invalid name '%s' (expected letters, digits, '_' "
                          "or '-')", n->text);
    return true;
}

static bool set_name(Ctx *c, void *obj, const KeySpec *ks, const Node *key,
                     const Node *value)
{
    return set_text(c, obj, ks, key, value) && check_name(c, value);
}

static bool set_u64(Ctx *c, void *obj, const KeySpec *ks, const Node *key,
                    const Node *value)
{
    return parse_number(c, key, value, FIELD(uint64_t, obj, ks));
}

static bool set_addr32(Ctx *c, void *obj, const KeySpec *ks, const Node *key,
                       const Node *value)
{
    return parse_addr32(c, key, value, FIELD(uint64_t, obj, ks));
}

static bool set_nonzero_u64(Ctx *c, void *obj, const KeySpec *ks,
                            const Node *key, const Node *value)
{
    if (!set_u64(c, obj, ks, key, value))
        return false;
    if (*FIELD(uint64_t, obj, ks) == 0)
        return fail(c, value, "'%s' must be greater than 0", key->text);
    return true;
}

/* ---- cpu ---- */

static bool cpu_reset_pc(Ctx *c, void *obj, const KeySpec *ks,
                         const Node *key, const Node *value)
{
    (void)ks;
    BoardCpu *cpu = obj;
    uint64_t pc;
    if (!parse_addr32(c, key, value, &pc))
        return false;
    cpu->reset_pc = (uint32_t)pc;
    cpu->has_reset_pc = 1;
    return true;
}

static bool cpu_misaligned(Ctx *c, void *obj, const KeySpec *ks,
                           const Node *key, const Node *value)
{
    (void)ks;
    BoardCpu *cpu = obj;
    if (!scalar_value(c, key, value))
        return false;
    if (strcmp(value->text, "trap") == 0 || strcmp(value->text, "emulate") == 0) {
        cpu->emulate_misaligned = strcmp(value->text, "emulate") == 0;
        return true;
    }
    return fail(c, value, "unknown misaligned policy '%s' (expected trap or "
                "emulate)", value->text);
}

static const KeySpec cpu_keys[] = {
    { "isa", set_nonempty_text, offsetof(BoardCpu, isa), false },
    { "frequency", set_nonzero_u64, offsetof(BoardCpu, frequency_hz), false },
    { "reset_pc", cpu_reset_pc, 0, false },
    { "misaligned", cpu_misaligned, 0, false },
};
static const MapSpec cpu_spec = { "cpu", cpu_keys, ARRAY_LEN(cpu_keys),
                                  NULL };

static bool board_cpu(Ctx *c, void *obj, const KeySpec *ks, const Node *key,
                      const Node *value)
{
    (void)ks, (void)key;
    BoardDesc *b = obj;
    if (!expect(c, value, NODE_MAP, "'cpu'"))
        return false;
    b->cpu.loc = node_loc(c, value);
    return walk_mapping(c, value, &cpu_spec, &b->cpu);
}

/* ---- checks shared by memories and peripherals ---- */

/* Rejects `name` if another memory or peripheral of the board has it. */
/* "LINE:COL" of loc, with its file when it is not the file of `here`
 * (extends can bring the two together). */
static const char *where(const Node *here, const SourceLoc *loc, char *buf,
                         size_t size)
{
    if (here->file && loc->file && strcmp(here->file, loc->file) != 0)
        snprintf(buf, size, "%s:%u:%u", loc->file, loc->line, loc->col);
    else
        snprintf(buf, size, "%u:%u", loc->line, loc->col);
    return buf;
}

static bool check_unique_name(Ctx *c, const Node *entry, const char *self)
{
    char at[512];
    const BoardDesc *b = c->board;
    const Node *name = node_map_get(entry, "name");
    for (size_t i = 0; i < b->nmemories; i++) {
        const BoardMemory *m = &b->memories[i];
        if (m->name && m->name != self && strcmp(m->name, name->text) == 0)
            return fail(c, name, "duplicate name '%s' (already used by "
                        "memory at %s)", name->text,
                        where(name, &m->loc, at, sizeof at));
    }
    for (size_t i = 0; i < b->nperipherals; i++) {
        const BoardPeripheral *p = &b->peripherals[i];
        if (p->name && p->name != self && strcmp(p->name, name->text) == 0)
            return fail(c, name, "duplicate name '%s' (already used by "
                        "peripheral at %s)", name->text,
                        where(name, &p->loc, at, sizeof at));
    }
    return true;
}

static bool check_range(Ctx *c, const Node *entry, const char *what,
                        const char *name, uint64_t base, uint64_t size)
{
    if (size <= ADDR_LIMIT - base)
        return true;
    return fail(c, node_map_get(entry, "size"), "%s '%s' at 0x%" PRIx64
                " with size 0x%" PRIx64 " extends beyond 4 GiB", what, name,
                base, size);
}

/* Each list entry is a mapping parsed by `entry` into element i. */
typedef bool EntryFn(Ctx *c, const Node *entry, size_t i);

static bool walk_list(Ctx *c, const Node *key, const Node *list,
                      const char *what, EntryFn *entry)
{
    char where[96];
    snprintf(where, sizeof where, "'%s'", key->text);
    if (!expect(c, list, NODE_LIST, where))
        return false;
    for (size_t i = 0; i < list->nkids; i++)
        if (!expect(c, list->kids[i], NODE_MAP, what) ||
            !entry(c, list->kids[i], i))
            return false;
    return true;
}

/* ---- memory ---- */

static bool mem_type(Ctx *c, void *obj, const KeySpec *ks, const Node *key,
                     const Node *value)
{
    (void)ks;
    static const char *const names[] = {
        [BOARD_MEM_RAM] = "ram", [BOARD_MEM_ROM] = "rom",
        [BOARD_MEM_FLASH] = "flash",
    };
    BoardMemory *m = obj;
    if (!scalar_value(c, key, value))
        return false;
    for (size_t i = 0; i < ARRAY_LEN(names); i++) {
        if (strcmp(value->text, names[i]) == 0) {
            m->kind = (BoardMemoryKind)i;
            return true;
        }
    }
    return fail(c, value, "unknown memory type '%s' (expected ram, rom or "
                "flash)", value->text);
}

/* The image path is relative to the board file it is written in (which,
 * with extends, may not be the file being loaded). */
static bool mem_image(Ctx *c, void *obj, const KeySpec *ks, const Node *key,
                      const Node *value)
{
    (void)ks;
    BoardMemory *m = obj;
    if (!scalar_value(c, key, value))
        return false;
    if (!value->text[0])
        return fail(c, value, "'image' must name a file");
    const char *slash = strrchr(value->file, '/');
    size_t dir = value->text[0] == '/' || !slash ? 0 : (size_t)(slash - value->file) + 1;
    m->image = xcalloc(dir + strlen(value->text) + 1, 1);
    memcpy(m->image, value->file, dir);
    strcpy(m->image + dir, value->text);
    m->image_loc = node_loc(c, value);
    return true;
}

static const KeySpec mem_keys[] = {
    { "name", set_name, offsetof(BoardMemory, name), true },
    { "type", mem_type, 0, true },
    { "base", set_addr32, offsetof(BoardMemory, base), true },
    { "size", set_nonzero_u64, offsetof(BoardMemory, size), true },
    { "image", mem_image, 0, false },
};
static const MapSpec mem_spec = { "memory entry", mem_keys,
                                  ARRAY_LEN(mem_keys), NULL };

static bool check_overlap(Ctx *c, const Node *entry, size_t i)
{
    const BoardMemory *m = &c->board->memories[i];
    char at[512];
    for (size_t j = 0; j < i; j++) {
        const BoardMemory *o = &c->board->memories[j];
        if (m->base < o->base + o->size && o->base < m->base + m->size)
            return fail(c, entry, "memory '%s' [0x%" PRIx64 ", 0x%" PRIx64
                        ") overlaps memory '%s' [0x%" PRIx64 ", 0x%" PRIx64
                        ") defined at %s", m->name, m->base,
                        m->base + m->size, o->name, o->base,
                        o->base + o->size, where(entry, &o->loc, at, sizeof at));
    }
    return true;
}

static bool memory_entry(Ctx *c, const Node *entry, size_t i)
{
    BoardMemory *m = &c->board->memories[i];
    m->loc = node_loc(c, entry);
    return walk_mapping(c, entry, &mem_spec, m) &&
           check_range(c, entry, "memory", m->name, m->base, m->size) &&
           check_unique_name(c, entry, m->name) &&
           check_overlap(c, entry, i);
}

static bool board_memory(Ctx *c, void *obj, const KeySpec *ks,
                         const Node *key, const Node *value)
{
    (void)ks;
    BoardDesc *b = obj;
    if (value->kind == NODE_LIST) {
        b->nmemories = value->nkids;
        b->memories = xcalloc(value->nkids, sizeof *b->memories);
    }
    return walk_list(c, key, value, "memory entry", memory_entry);
}

/* ---- peripherals ---- */

static bool periph_type(Ctx *c, void *obj, const KeySpec *ks,
                        const Node *key, const Node *value)
{
    BoardPeripheral *p = obj;
    p->type_loc = node_loc(c, value);
    return set_nonempty_text(c, obj, ks, key, value);
}

/* Any key not in periph_keys: a property with a scalar value. */
static bool periph_prop(Ctx *c, void *obj, const KeySpec *ks,
                        const Node *key, const Node *value)
{
    (void)ks; /* NULL: the key is not in periph_keys */
    BoardPeripheral *p = obj;
    char what[96];
    snprintf(what, sizeof what, "property '%s'", key->text);
    if (!expect(c, value, NODE_SCALAR, what))
        return false;
    BoardProp *prop = &p->props[p->nprops++];
    prop->key = xstrdup(key->text);
    prop->value = xstrdup(value->text);
    prop->loc = node_loc(c, value);
    return true;
}

/* ---- interrupt wiring: `irq: plic.3`, `irq: [cpu.msi, cpu.mti]`,
 * `irq: plic.8-39` (one line per input, in output order) ---- */

#define IRQ_MAX_INPUT 65535u /* highest input number a sink may name */
#define IRQ_MAX_RANGE 1024u  /* lines one range may span */
#define CPU_INPUT_CHARS \
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_"

static bool bad_sink(Ctx *c, const Node *n)
{
    return fail(c, n, "invalid interrupt sink '%s' (expected cpu.INPUT, "
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

/* Appends one line; the entry is complete before nirqs counts it. */
static void irq_push(Ctx *c, BoardPeripheral *p, const Node *n,
                     size_t target_len, const char *input, unsigned line)
{
    p->irqs = xrealloc(p->irqs, (p->nirqs + 1) * sizeof *p->irqs);
    BoardIrq *irq = &p->irqs[p->nirqs];
    irq->target = memcpy(xcalloc(target_len + 1, 1), n->text, target_len);
    irq->input = input ? xstrdup(input) : NULL;
    irq->line = line;
    irq->loc = node_loc(c, n);
    p->nirqs++;
}

static bool parse_irq_sink(Ctx *c, BoardPeripheral *p, const Node *n)
{
    const char *dot = strchr(n->text, '.');
    size_t target_len = dot ? (size_t)(dot - n->text) : 0;
    if (target_len == 0 || strspn(n->text, NAME_CHARS) != target_len)
        return bad_sink(c, n);
    const char *s = dot + 1;
    if (target_len == 3 && memcmp(n->text, "cpu", 3) == 0) {
        size_t len = strspn(s, CPU_INPUT_CHARS);
        if (len == 0 || s[len])
            return bad_sink(c, n);
        irq_push(c, p, n, target_len, s, 0);
        return true;
    }
    unsigned long first, last;
    if (!irq_number(&s, &first))
        return bad_sink(c, n);
    last = first;
    if (*s == '-') {
        s++;
        if (!irq_number(&s, &last))
            return bad_sink(c, n);
    }
    if (*s)
        return bad_sink(c, n);
    if (first > IRQ_MAX_INPUT || last > IRQ_MAX_INPUT)
        return fail(c, n, "interrupt input number too large in '%s' (at "
                    "most %u)", n->text, IRQ_MAX_INPUT);
    if (last < first)
        return fail(c, n, "reversed interrupt range '%s' (%lu > %lu)",
                    n->text, first, last);
    if (last - first >= IRQ_MAX_RANGE)
        return fail(c, n, "interrupt range '%s' spans %lu lines (at most "
                    "%u)", n->text, last - first + 1, IRQ_MAX_RANGE);
    for (unsigned long line = first; line <= last; line++)
        irq_push(c, p, n, target_len, NULL, (unsigned)line);
    return true;
}

static bool periph_irq(Ctx *c, void *obj, const KeySpec *ks,
                       const Node *key, const Node *value)
{
    (void)ks, (void)key;
    BoardPeripheral *p = obj;
    p->irq_loc = node_loc(c, value);
    if (value->kind == NODE_SCALAR && !value->is_null)
        return parse_irq_sink(c, p, value);
    if (value->kind != NODE_LIST)
        return fail(c, value, "expected a scalar or a list for 'irq', "
                    "found %s", node_kind_name(value));
    for (size_t i = 0; i < value->nkids; i++)
        if (!expect(c, value->kids[i], NODE_SCALAR, "an 'irq' entry") ||
            !parse_irq_sink(c, p, value->kids[i]))
            return false;
    return true;
}

static const KeySpec periph_keys[] = {
    { "name", set_name, offsetof(BoardPeripheral, name), true },
    { "type", periph_type, offsetof(BoardPeripheral, type), true },
    { "base", set_addr32, offsetof(BoardPeripheral, base), true },
    { "size", set_u64, offsetof(BoardPeripheral, size), false },
    { "irq", periph_irq, 0, false },
};
static const MapSpec periph_spec = { "peripheral", periph_keys,
                                     ARRAY_LEN(periph_keys), periph_prop };

static bool peripheral_entry(Ctx *c, const Node *entry, size_t i)
{
    BoardPeripheral *p = &c->board->peripherals[i];
    p->loc = node_loc(c, entry);
    p->irq_loc = p->loc;
    p->props = xcalloc(entry->nkids / 2, sizeof *p->props);
    return walk_mapping(c, entry, &periph_spec, p) &&
           check_range(c, entry, "peripheral", p->name, p->base, p->size) &&
           check_unique_name(c, entry, p->name);
}

static bool board_peripherals(Ctx *c, void *obj, const KeySpec *ks,
                              const Node *key, const Node *value)
{
    (void)ks;
    BoardDesc *b = obj;
    if (value->kind == NODE_LIST) {
        b->nperipherals = value->nkids;
        b->peripherals = xcalloc(value->nkids, sizeof *b->peripherals);
    }
    return walk_list(c, key, value, "peripheral", peripheral_entry);
}

/* ---- host services: `host: [newlib, htif]`, `host: semihosting`,
 * `host: none` or `host: []` ---- */

unsigned board_host_service(const char *name)
{
    static const struct {
        const char *name;
        unsigned bit;
    } services[] = {
        { "newlib", BOARD_HOST_NEWLIB },
        { "semihosting", BOARD_HOST_SEMIHOSTING },
        { "htif", BOARD_HOST_HTIF },
    };
    for (size_t i = 0; i < ARRAY_LEN(services); i++)
        if (strcmp(name, services[i].name) == 0)
            return services[i].bit;
    return 0;
}

static bool host_entry(Ctx *c, BoardDesc *b, const Node *n)
{
    unsigned bit = board_host_service(n->text);
    if (!bit)
        return fail(c, n, "unknown host service '%s' (expected newlib, "
                    "semihosting or htif)", n->text);
    if (b->host & bit)
        return fail(c, n, "host service '%s' named twice", n->text);
    b->host |= bit;
    return true;
}

static bool board_host(Ctx *c, void *obj, const KeySpec *ks, const Node *key,
                       const Node *value)
{
    (void)ks, (void)key;
    BoardDesc *b = obj;
    b->host = 0;
    b->host_loc = node_loc(c, value);
    if (value->kind == NODE_SCALAR && strcmp(value->text, "none") == 0)
        return true;
    if (value->kind == NODE_SCALAR && !value->is_null)
        return host_entry(c, b, value);
    if (value->kind != NODE_LIST)
        return fail(c, value, "expected a list of host services (newlib, "
                    "semihosting, htif) or none for 'host', found %s",
                    node_kind_name(value));
    for (size_t i = 0; i < value->nkids; i++)
        if (!expect(c, value->kids[i], NODE_SCALAR, "a 'host' entry") ||
            !host_entry(c, b, value->kids[i]))
            return false;
    return true;
}

/* ---- boards and the file ---- */

static const KeySpec board_keys[] = {
    { "description", set_text, offsetof(BoardDesc, description), false },
    { "cpu", board_cpu, 0, false },
    { "memory", board_memory, 0, false },
    { "peripherals", board_peripherals, 0, false },
    { "host", board_host, 0, false },
};
static const MapSpec board_spec = { "board", board_keys,
                                    ARRAY_LEN(board_keys), NULL };

static bool parse_board(Ctx *c, BoardDesc *b, const Node *key,
                        const Node *value)
{
    char what[96];
    b->name = xstrdup(key->text);
    b->loc = node_loc(c, key);
    b->description = xstrdup("");
    b->cpu.isa = xstrdup("rv32imac");
    b->cpu.frequency_hz = 10000000;
    b->cpu.loc = b->loc;
    b->host_loc = b->loc;
    if (!check_name(c, key))
        return false;
    snprintf(what, sizeof what, "board '%s'", key->text);
    if (!expect(c, value, NODE_MAP, what))
        return false;
    c->board = b;
    return walk_mapping(c, value, &board_spec, b);
}

static bool parse_file(Ctx *c, const Node *root)
{
    if (root->kind == NODE_SCALAR && root->text[0] == '\0')
        return fail(c, root, "empty document");
    if (!expect(c, root, NODE_MAP, "the top level (board name -> board)"))
        return false;
    if (root->nkids == 0)
        return fail(c, root, "no boards defined");
    BoardFile *f = c->file;
    f->nboards = root->nkids / 2;
    f->boards = xcalloc(f->nboards, sizeof *f->boards);
    for (size_t i = 0; i < root->nkids; i += 2) {
        const Node *key = root->kids[i], *value = root->kids[i + 1];
        if (!check_unique_key(c, root, i, "board name"))
            return false;
        Node *merged = board_extends_resolve(c->extends, c->path, root, key,
                                             value, &c->err);
        bool ok = merged && parse_board(c, &f->boards[i / 2], key, merged);
        node_free(merged);
        if (!ok)
            return false;
    }
    return true;
}

static BoardFile *parse_text(const char *path, const char *text, size_t len,
                             const char *fallback, Error **errp)
{
    BoardFile *file = xcalloc(1, sizeof *file);
    file->path = xstrdup(path);
    BoardExtends extends = { .fallback_path = fallback };
    Ctx c = { .path = file->path, .file = file, .extends = &extends };
    Node *root = board_yaml_load(file->path, text, len, &c.err);
    bool ok = root && parse_file(&c, root);
    node_free(root);
    /* Locations may point into the files `extends:` opened. */
    file->extra_paths = extends.paths;
    file->nextra_paths = extends.npaths;
    if (ok)
        return file;
    board_file_free(file);
    error_propagate(errp, c.err);
    return NULL;
}

BoardFile *board_file_parse(const char *path, const char *text, size_t len,
                            Error **errp)
{
    return parse_text(path, text, len, NULL, errp);
}

BoardFile *board_file_load_ext(const char *path, const char *fallback,
                               Error **errp)
{
    size_t len;
    char *text = board_read_file(path, &len, errp);
    if (!text)
        return NULL;
    BoardFile *file = parse_text(path, text, len, fallback, errp);
    free(text);
    return file;
}

BoardFile *board_file_load(const char *path, Error **errp)
{
    return board_file_load_ext(path, NULL, errp);
}

static void free_board(BoardDesc *b)
{
    for (size_t i = 0; i < b->nmemories; i++) {
        free(b->memories[i].name);
        free(b->memories[i].image);
    }
    for (size_t i = 0; i < b->nperipherals; i++) {
        BoardPeripheral *p = &b->peripherals[i];
        for (size_t j = 0; j < p->nprops; j++) {
            free(p->props[j].key);
            free(p->props[j].value);
        }
        free(p->props);
        for (size_t j = 0; j < p->nirqs; j++) {
            free(p->irqs[j].target);
            free(p->irqs[j].input);
        }
        free(p->irqs);
        free(p->name);
        free(p->type);
    }
    free(b->memories);
    free(b->peripherals);
    free(b->name);
    free(b->description);
    free(b->cpu.isa);
}

void board_file_free(BoardFile *file)
{
    if (!file)
        return;
    for (size_t i = 0; i < file->nboards; i++)
        free_board(&file->boards[i]);
    free(file->boards);
    for (size_t i = 0; i < file->nextra_paths; i++)
        free(file->extra_paths[i]);
    free(file->extra_paths);
    free(file->path);
    free(file);
}

const BoardDesc *board_file_find(const BoardFile *file, const char *name)
{
    for (size_t i = 0; file && i < file->nboards; i++)
        if (strcmp(file->boards[i].name, name) == 0)
            return &file->boards[i];
    return NULL;
}

const BoardProp *board_peripheral_prop(const BoardPeripheral *p,
                                       const char *key)
{
    for (size_t i = 0; p && i < p->nprops; i++)
        if (strcmp(p->props[i].key, key) == 0)
            return &p->props[i];
    return NULL;
}
