/* The machinery of the key tables (soc/board_internal.h): errors with
 * locations, the mapping and list walks, numbers, and the generic value
 * handlers the tables of soc/board_convert.c point at. */
#include "soc/board_internal.h"
#include "soc/alloc.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

SourceLoc node_loc(const Node *n)
{
    return (SourceLoc){ .file = n->file, .line = n->line, .col = n->col };
}

/* ---- errors ---- */

static bool vfail_at(BoardCtx *c, const SourceLoc *loc, const char *fmt,
                     va_list ap)
{
    if (c->err)
        return false;
    error_vsetf(&c->err, fmt, ap);
    error_prepend(&c->err, "%s:%u:%u: ", loc->file, loc->line, loc->col);
    return false;
}

bool board_fail(BoardCtx *c, const Node *n, const char *fmt, ...)
{
    SourceLoc loc = node_loc(n);
    va_list ap;
    va_start(ap, fmt);
    vfail_at(c, &loc, fmt, ap);
    va_end(ap);
    return false;
}

bool board_fail_loc(BoardCtx *c, const SourceLoc *loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail_at(c, loc, fmt, ap);
    va_end(ap);
    return false;
}

bool board_expect(BoardCtx *c, const Node *n, NodeKind kind, const char *what)
{
    static const char *const names[] = {
        [NODE_SCALAR] = "scalar", [NODE_LIST] = "list", [NODE_MAP] = "mapping",
    };
    if (n->kind == kind)
        return true;
    return board_fail(c, n, "expected a %s for %s, found %s", names[kind],
                      what, node_kind_name(n));
}

const char *board_where(const char *here, const SourceLoc *loc, char *buf,
                        size_t size)
{
    if (here && loc->file && strcmp(here, loc->file) != 0)
        snprintf(buf, size, "%s:%u:%u", loc->file, loc->line, loc->col);
    else
        snprintf(buf, size, "%u:%u", loc->line, loc->col);
    return buf;
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

/* ---- the walks ---- */

static const KeySpec *find_key(const MapSpec *spec, const char *key)
{
    for (size_t i = 0; i < spec->nkeys; i++)
        if (strcmp(spec->keys[i].key, key) == 0)
            return &spec->keys[i];
    return NULL;
}

static bool unknown_key(BoardCtx *c, const MapSpec *spec, const Node *key)
{
    char expected[200] = "";
    size_t used = 0;
    for (size_t i = 0; i < spec->nkeys && used < sizeof expected; i++) {
        const char *sep = i == 0 ? "" : i + 1 == spec->nkeys ? " or " : ", ";
        used += (size_t)snprintf(expected + used, sizeof expected - used,
                                 "%s%s", sep, spec->keys[i].key);
    }
    return board_fail(c, key, "unknown key '%s' in %s (expected %s)",
                      key->text, spec->what, expected);
}

static bool check_required(BoardCtx *c, const Node *map, const MapSpec *spec)
{
    const Node *name = node_map_get(map, "name");
    bool named = name && name->kind == NODE_SCALAR && name->text[0];
    for (size_t i = 0; i < spec->nkeys; i++) {
        const char *key = spec->keys[i].key;
        if (!spec->keys[i].required || node_map_get(map, key))
            continue;
        if (named)
            return board_fail(c, map, "missing required key '%s' in %s '%s'",
                              key, spec->what, name->text);
        return board_fail(c, map, "missing required key '%s' in %s", key,
                          spec->what);
    }
    return true;
}

/* Rejects the key at `i` when an earlier key of the mapping has its text
 * (a hash set: a mapping of n keys costs n lookups, not n^2 / 2). */
static bool check_unique_key(BoardCtx *c, NameSet *seen, const Node *map,
                             size_t i)
{
    const Node *key = map->kids[i];
    size_t first;
    if (name_set_add(seen, key->text, i, &first))
        return true;
    const Node *prev = map->kids[first];
    return board_fail(c, key, "duplicate key '%s' (first at %u:%u)",
                      key->text, prev->line, prev->col);
}

static bool walk_keys(BoardCtx *c, NameSet *seen, const Node *map,
                      const MapSpec *spec, void *obj)
{
    for (size_t i = 0; i < map->nkids; i += 2) {
        const Node *key = map->kids[i], *value = map->kids[i + 1];
        if (!check_unique_key(c, seen, map, i) ||
            !board_apply_key(c, spec, obj, key, value))
            return false;
    }
    return true;
}

bool board_apply_key(BoardCtx *c, const MapSpec *spec, void *obj,
                     const Node *key, const Node *value)
{
    const KeySpec *ks = find_key(spec, key->text);
    if (!ks && !spec->other)
        return unknown_key(c, spec, key);
    return (ks ? ks->handle : spec->other)(c, obj, ks, key, value);
}

bool board_walk_mapping(BoardCtx *c, const Node *map, const MapSpec *spec,
                        void *obj)
{
    NameSet seen = { .probes = &c->stats->name_probes };
    bool ok = walk_keys(c, &seen, map, spec, obj);
    name_set_free(&seen);
    return ok && check_required(c, map, spec);
}

bool board_walk_list(BoardCtx *c, const Node *key, const Node *list,
                     const char *what, EntryFn *entry)
{
    char where[96];
    snprintf(where, sizeof where, "'%s'", key->text);
    if (!board_expect(c, list, NODE_LIST, where))
        return false;
    for (size_t i = 0; i < list->nkids; i++)
        if (!board_expect(c, list->kids[i], NODE_MAP, what) ||
            !entry(c, list->kids[i], i))
            return false;
    return true;
}

/* ---- value handlers ---- */

bool board_scalar_value(BoardCtx *c, const Node *key, const Node *value)
{
    char what[96];
    snprintf(what, sizeof what, "'%s'", key->text);
    return board_expect(c, value, NODE_SCALAR, what);
}

bool board_parse_number(BoardCtx *c, const Node *key, const Node *value,
                        uint64_t *out)
{
    if (!board_scalar_value(c, key, value))
        return false;
    if (!board_parse_u64(value->text, out))
        return board_fail(c, value, "invalid number '%s' for '%s'",
                          value->text, key->text);
    return true;
}

bool board_parse_addr32(BoardCtx *c, const Node *key, const Node *value,
                        uint64_t *out)
{
    if (!board_parse_number(c, key, value, out))
        return false;
    if (*out >= ADDR_LIMIT)
        return board_fail(c, value, "'%s' 0x%" PRIx64 " does not fit in 32 "
                          "bits", key->text, *out);
    return true;
}

bool board_parse_upto(BoardCtx *c, const Node *key, const Node *value,
                      uint64_t max, uint64_t *out)
{
    if (!board_parse_number(c, key, value, out))
        return false;
    if (*out > max && max > 0xffff)
        return board_fail(c, value, "'%s' %s is out of range (0 to 0x%" PRIx64
                          ")", key->text, value->text, max);
    if (*out > max)
        return board_fail(c, value, "'%s' %s is out of range (0 to %" PRIu64
                          ")", key->text, value->text, max);
    return true;
}

bool board_set_text(BoardCtx *c, void *obj, const KeySpec *ks,
                    const Node *key, const Node *value)
{
    if (!board_scalar_value(c, key, value))
        return false;
    char **field = FIELD(char *, obj, ks);
    free(*field);
    *field = xstrdup(value->text);
    return true;
}

bool board_set_nonempty_text(BoardCtx *c, void *obj, const KeySpec *ks,
                             const Node *key, const Node *value)
{
    if (!board_set_text(c, obj, ks, key, value))
        return false;
    if (value->text[0] == '\0')
        return board_fail(c, value, "'%s' must not be empty", key->text);
    return true;
}

bool board_check_name(BoardCtx *c, const Node *n)
{
    if (n->text[0] == '\0')
        return board_fail(c, n, "empty name");
    if (n->text[strspn(n->text, NAME_CHARS)])
        return board_fail(c, n, "invalid name '%s' (expected letters, "
                          "digits, '_' or '-')", n->text);
    return true;
}

bool board_set_name(BoardCtx *c, void *obj, const KeySpec *ks,
                    const Node *key, const Node *value)
{
    return board_set_text(c, obj, ks, key, value) && board_check_name(c, value);
}

bool board_set_u64(BoardCtx *c, void *obj, const KeySpec *ks,
                   const Node *key, const Node *value)
{
    return board_parse_number(c, key, value, FIELD(uint64_t, obj, ks));
}

/* KEY_UPTO's fields are 4 bytes (unsigned or uint32_t) or 8. */
_Static_assert(sizeof(unsigned) == sizeof(uint32_t), "unsigned is 32 bits");

bool board_set_upto(BoardCtx *c, void *obj, const KeySpec *ks,
                    const Node *key, const Node *value)
{
    uint64_t v;
    if (!board_parse_upto(c, key, value, ks->max, &v))
        return false;
    uint32_t narrow = (uint32_t)v;
    if (ks->width == sizeof v)
        memcpy(FIELD(char, obj, ks), &v, sizeof v);
    else if (ks->width == sizeof narrow)
        memcpy(FIELD(char, obj, ks), &narrow, sizeof narrow);
    else
        abort(); /* a KeySpec not made by KEY_UPTO */
    return true;
}

bool board_set_addr32(BoardCtx *c, void *obj, const KeySpec *ks,
                      const Node *key, const Node *value)
{
    return board_parse_addr32(c, key, value, FIELD(uint64_t, obj, ks));
}

bool board_set_nonzero_u64(BoardCtx *c, void *obj, const KeySpec *ks,
                           const Node *key, const Node *value)
{
    if (!board_set_u64(c, obj, ks, key, value))
        return false;
    if (*FIELD(uint64_t, obj, ks) == 0)
        return board_fail(c, value, "'%s' must be greater than 0", key->text);
    return true;
}
