/* `extends:` for board files: a board inherits another and overrides,
 * adds or removes entries. Works on the YAML trees before they become
 * Board* structs, so every later check and every error location applies to
 * the merged result, naming the file each piece came from.
 *
 *   extends: NAME             a board in this file, else in the shipped boards
 *   extends: FILE.yaml:NAME   a board in FILE (relative to this file)
 *
 * Merging, child over parent: `description` replaced; `cpu` merged key by
 * key; `memory` and `peripherals` merged by entry `name`: a known name
 * overrides the keys it gives (each key whole, e.g. a new `irq` list), an
 * unknown one is added, `remove: true` deletes the inherited entry (and
 * the name may then come again: a new entry, replacing it whole). What a
 * board of its own may not write twice (a key of a mapping, a name in a
 * list) the child may not either. Cycles are refused, naming the chain.
 * Each file `extends:` names is read and parsed once per load.
 */
#include "soc/board_internal.h"
#include "soc/alloc.h"
#include "soc/file.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_EXTENDS_DEPTH 16

/* A board being resolved, and the one that extends it. */
typedef struct Link {
    const char *file; /* its file, compared by same_file() */
    const char *name;
    const struct Link *down;
} Link;

Node *node_copy(const Node *n)
{
    Node *copy = xcalloc(1, sizeof *copy);
    *copy = *n;
    copy->text = n->text ? xstrdup(n->text) : NULL;
    copy->kids = n->nkids ? xcalloc(n->nkids, sizeof *copy->kids) : NULL;
    copy->kids_cap = n->nkids;
    for (size_t i = 0; i < n->nkids; i++)
        copy->kids[i] = node_copy(n->kids[i]);
    return copy;
}

static bool fail_node(Error **errp, const Node *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static bool fail_node(Error **errp, const Node *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    error_vsetf(errp, fmt, ap);
    va_end(ap);
    error_prepend(errp, "%s:%u:%u: ", n->file, n->line, n->col);
    return false;
}

/* ---- merging: names looked up in hash sets (soc/board_internal.h), so a
 * child overriding n entries of a parent with m costs n + m, not n * m.
 * Every name a set points at stays alive until the set is freed.
 *
 * A set maps a key (or an entry's name) to where it stands in the parent
 * (a kid index), or, once the child has written it, to CHILD | the
 * child's index: whatever the child writes twice is refused as the loader
 * refuses it in a board of its own, naming the first. ---- */

#define CHILD (~(SIZE_MAX >> 1)) /* the high bit: written by the child */
#define ABSENT (SIZE_MAX >> 1)   /* an inherited entry the child removed */

/* The position of each key of `map`; the first wins (a duplicate is
 * refused later, when the merged board is converted). */
static void index_keys(NameSet *set, const Node *map, size_t *probes)
{
    *set = (NameSet){ .probes = probes };
    size_t first;
    for (size_t i = 0; i + 1 < map->nkids; i += 2)
        name_set_add(set, map->kids[i]->text, i, &first);
}

/* The child's key at `i` again, after its first at `first`. */
static bool duplicate_key(const Node *child, size_t first, size_t i,
                          Error **errp)
{
    const Node *prev = child->kids[first & ~CHILD], *key = child->kids[i];
    return fail_node(errp, key, "duplicate key '%s' (first at %u:%u)",
                     key->text, prev->line, prev->col);
}

/* Where the child's key `i` goes in `base`: true and *at (a kid index, or
 * SIZE_MAX when base has no such key) unless the child wrote it before.
 * The set then remembers the child's. */
static bool claim_key(NameSet *keys, const Node *child, size_t i, size_t *at,
                      Error **errp)
{
    const char *k = child->kids[i]->text;
    if (!name_set_find(keys, k, at))
        *at = SIZE_MAX;
    else if (*at & CHILD)
        return duplicate_key(child, *at, i, errp);
    name_set_put(keys, k, CHILD | i); /* before base's key is freed */
    return true;
}

/* Sets base[at] (a new key when `at` is SIZE_MAX) to a copy of the
 * child's key `i` and its value. */
static void place(Node *base, size_t at, const Node *child, size_t i)
{
    if (at == SIZE_MAX) {
        node_push(base, node_copy(child->kids[i]));
        node_push(base, node_copy(child->kids[i + 1]));
        return;
    }
    node_free(base->kids[at]);
    node_free(base->kids[at + 1]);
    base->kids[at] = node_copy(child->kids[i]);
    base->kids[at + 1] = node_copy(child->kids[i + 1]);
}

static bool map_put(Node *base, NameSet *keys, const Node *child, size_t i,
                    Error **errp)
{
    size_t at;
    if (!claim_key(keys, child, i, &at, errp))
        return false;
    place(base, at, child, i);
    return true;
}

static bool merge_keys(Node *base, const Node *child, size_t *probes,
                       Error **errp)
{
    NameSet keys;
    index_keys(&keys, base, probes);
    bool ok = true;
    for (size_t i = 0; ok && i + 1 < child->nkids; i += 2)
        ok = map_put(base, &keys, child, i, errp);
    name_set_free(&keys);
    return ok;
}

static const char *entry_name(const Node *entry)
{
    if (!entry || entry->kind != NODE_MAP)
        return NULL;
    const Node *name = node_map_get(entry, "name");
    return name && name->kind == NODE_SCALAR ? name->text : NULL;
}

/* An inherited list's entries by name, while the child's are merged in:
 * a removed entry's kid is NULL until the list is compacted. */
typedef struct EntryMerge {
    Node *list;
    const Node *child; /* the child's list */
    const char *what;  /* "memory", "peripheral" */
    NameSet names;     /* name -> index in list, ABSENT, or CHILD | k */
} EntryMerge;

/* The child's entry `k` names what its entry `first` named: the loader's
 * message for two entries of one name. */
static bool duplicate_name(const EntryMerge *m, size_t first, size_t k,
                           Error **errp)
{
    const Node *prev = m->child->kids[first & ~CHILD];
    const Node *name = node_map_get(m->child->kids[k], "name");
    return fail_node(errp, name, "duplicate name '%s' (already used by %s at "
                     "%u:%u)", name->text, m->what, prev->line, prev->col);
}

/* `at`: the inherited entry's index, or ABSENT when there is none. */
static bool remove_entry(EntryMerge *m, const Node *entry, const char *name,
                         size_t at, Error **errp)
{
    const Node *flag = node_map_get(entry, "remove");
    if (flag->kind != NODE_SCALAR || strcmp(flag->text, "true") != 0)
        return fail_node(errp, flag, "expected true for 'remove'");
    if (entry->nkids != 4)
        return fail_node(errp, entry, "an entry with 'remove: true' takes "
                         "only its name");
    if (at == ABSENT)
        return fail_node(errp, entry, "cannot remove '%s': the extended board "
                         "has no %s of that name", name, m->what);
    /* Not the child's: the name may come again, a new entry replacing
     * the inherited one whole. */
    name_set_put(&m->names, name, ABSENT); /* before the old name is freed */
    node_free(m->list->kids[at]);
    m->list->kids[at] = NULL;
    return true;
}

static bool merge_entry(EntryMerge *m, size_t k, size_t *probes, Error **errp)
{
    const Node *entry = m->child->kids[k];
    const char *name = entry_name(entry);
    if (!name) {
        node_push(m->list, node_copy(entry)); /* checked when converted */
        return true;
    }
    size_t at;
    if (!name_set_find(&m->names, name, &at))
        at = ABSENT;
    else if (at & CHILD)
        return duplicate_name(m, at, k, errp);
    if (node_map_get(entry, "remove"))
        return remove_entry(m, entry, name, at, errp);
    name_set_put(&m->names, name, CHILD | k); /* before the old name is freed */
    if (at == ABSENT) {
        node_push(m->list, node_copy(entry));
        return true;
    }
    return merge_keys(m->list->kids[at], entry, probes, errp);
}

/* Closes the gaps removed entries left. */
static void compact(Node *list)
{
    size_t kept = 0;
    for (size_t i = 0; i < list->nkids; i++)
        if (list->kids[i])
            list->kids[kept++] = list->kids[i];
    list->nkids = kept;
}

/* memory / peripherals: entries matched by name. */
static bool merge_entries(Node *list, const Node *child, const char *what,
                          size_t *probes, Error **errp)
{
    EntryMerge m = { .list = list, .child = child, .what = what,
                     .names = { .probes = probes } };
    size_t first;
    for (size_t i = 0; i < list->nkids; i++) {
        const char *name = entry_name(list->kids[i]);
        if (name)
            name_set_add(&m.names, name, i, &first);
    }
    bool ok = true;
    for (size_t k = 0; ok && k < child->nkids; k++)
        ok = merge_entry(&m, k, probes, errp);
    name_set_free(&m.names);
    compact(list);
    return ok;
}

static bool is_kind(const Node *n, NodeKind kind)
{
    return n && n->kind == kind;
}

/* The child's board key `i`: `cpu` merged key by key and `memory` and
 * `peripherals` entry by entry into what the parent has, anything else
 * replaced; `extends` was followed already. */
static bool merge_board_key(Node *base, NameSet *keys, const Node *child,
                            size_t i, size_t *probes, Error **errp)
{
    const char *k = child->kids[i]->text;
    const Node *value = child->kids[i + 1];
    size_t at;
    if (!claim_key(keys, child, i, &at, errp))
        return false;
    Node *inherited = at == SIZE_MAX ? NULL : base->kids[at + 1];
    if (strcmp(k, "extends") == 0)
        return true;
    if (strcmp(k, "cpu") == 0 && is_kind(inherited, NODE_MAP) &&
        value->kind == NODE_MAP)
        return merge_keys(inherited, value, probes, errp);
    if ((strcmp(k, "memory") == 0 || strcmp(k, "peripherals") == 0) &&
        is_kind(inherited, NODE_LIST) && value->kind == NODE_LIST)
        return merge_entries(inherited, value, k[0] == 'm' ? "memory"
                             : "peripheral", probes, errp);
    place(base, at, child, i);
    return true;
}

static bool merge_board(Node *base, const Node *child, size_t *probes,
                        Error **errp)
{
    NameSet keys;
    index_keys(&keys, base, probes);
    bool ok = true;
    for (size_t i = 0; ok && i + 1 < child->nkids; i += 2)
        ok = merge_board_key(base, &keys, child, i, probes, errp);
    name_set_free(&keys);
    return ok;
}

/* ---- the files `extends:` reads: each parsed once per load, its board
 * names in a hash set ---- */

typedef struct ExtendsFile {
    char *path;      /* as first named; its nodes and locations point here */
    char *canonical; /* realpath(path): the same file however it is named */
    Node *root;
    NameSet boards;  /* board name -> index of its key in root */
} ExtendsFile;

struct ExtendsCache {
    ExtendsFile **files;
    size_t nfiles, cap;
    NameSet by_path; /* canonical path -> index in files */
};

/* The board `name` of the file whose root is `root` and whose board
 * names `index` holds; NULL when there is none. */
static const Node *find_board(const NameSet *index, const Node *root,
                              const char *name, const Node **key)
{
    size_t i;
    if (!name_set_find(index, name, &i))
        return NULL;
    *key = root->kids[i];
    return root->kids[i + 1];
}

char *board_sibling_path(const char *path, const char *file)
{
    const char *slash = strrchr(path, '/');
    if (file[0] == '/' || !slash)
        return xstrdup(file);
    return xasprintf("%.*s%s", (int)(slash - path) + 1, path, file);
}

/* The same file, however it was named. */
static bool same_file(const char *a, const char *b)
{
    char *ra = realpath(a, NULL), *rb = realpath(b, NULL);
    bool same = ra && rb ? strcmp(ra, rb) == 0 : strcmp(a, b) == 0;
    free(ra);
    free(rb);
    return same;
}

static ExtendsCache *cache_of(BoardExtends *ext)
{
    if (!ext->cache) {
        ext->cache = xcalloc(1, sizeof *ext->cache);
        ext->cache->by_path.probes = &ext->stats->name_probes;
    }
    return ext->cache;
}

/* Keeps a parsed file (taking `path`, `canonical` and `root`). */
static ExtendsFile *keep_file(BoardExtends *ext, char *path, char *canonical,
                              Node *root)
{
    ExtendsCache *cache = cache_of(ext);
    if (cache->nfiles == cache->cap) {
        cache->cap = cache->cap ? 2 * cache->cap : 4;
        cache->files = xreallocarray(cache->files, cache->cap,
                                     sizeof *cache->files);
    }
    ExtendsFile *f = xcalloc(1, sizeof *f);
    *f = (ExtendsFile){ .path = path, .canonical = canonical, .root = root,
                        .boards = { .probes = &ext->stats->name_probes } };
    size_t first;
    for (size_t i = 0; root->kind == NODE_MAP && i + 1 < root->nkids; i += 2)
        name_set_add(&f->boards, root->kids[i]->text, i, &first);
    if (canonical)
        name_set_put(&cache->by_path, canonical, cache->nfiles);
    cache->files[cache->nfiles++] = f;
    return f;
}

/* Another board file for `extends` (`path` taken over): parsed the first
 * time it is named, however it is named, and kept for the whole load. */
static const ExtendsFile *other_file(BoardExtends *ext, char *path,
                                     const Node *at, Error **errp)
{
    char *canonical = realpath(path, NULL); /* NULL: the read says why */
    size_t i;
    if (canonical && ext->cache &&
        name_set_find(&ext->cache->by_path, canonical, &i)) {
        free(canonical);
        free(path);
        return ext->cache->files[i];
    }
    size_t len;
    Error *err = NULL;
    char *text = file_read_all(path, &len, &err);
    Node *root = text ? board_yaml_load(path, text, len, ext->stats, &err) : NULL;
    free(text);
    if (root)
        return keep_file(ext, path, canonical, root);
    error_propagate(errp, err);
    error_prepend(errp, "%s:%u:%u: in the board it extends: ", at->file,
                  at->line, at->col);
    free(canonical);
    free(path);
    return NULL;
}

void board_extends_done(BoardExtends *ext, char ***paths, size_t *npaths)
{
    ExtendsCache *cache = ext->cache;
    *paths = NULL;
    *npaths = 0;
    if (!cache)
        return;
    *paths = xcalloc(cache->nfiles ? cache->nfiles : 1, sizeof **paths);
    for (size_t i = 0; i < cache->nfiles; i++) {
        ExtendsFile *f = cache->files[i];
        (*paths)[i] = f->path;
        free(f->canonical);
        node_free(f->root);
        name_set_free(&f->boards);
        free(f);
    }
    *npaths = cache->nfiles;
    free(cache->files);
    name_set_free(&cache->by_path);
    free(cache);
    ext->cache = NULL;
}

static bool is_yaml_name(const char *s, size_t len)
{
    return (len > 5 && strncmp(s + len - 5, ".yaml", 5) == 0) ||
           (len > 4 && strncmp(s + len - 4, ".yml", 4) == 0);
}

/* Refuses a board that (through others) extends itself, naming the
 * chain: "'extends' cycle: a -> b -> a". */
static bool refuse_cycle(const Link *here, const char *file, const char *name,
                         const Node *spec, Error **errp)
{
    const Link *l = here;
    while (l && !(strcmp(l->name, name) == 0 && same_file(l->file, file)))
        l = l->down;
    if (!l)
        return true;
    const char *names[MAX_EXTENDS_DEPTH + 1];
    size_t n = 0;
    for (const Link *m = here; m && n < MAX_EXTENDS_DEPTH; m = m->down) {
        names[n++] = m->name;
        if (m == l)
            break;
    }
    char chain[512] = "";
    for (size_t i = n; i-- > 0;) {
        size_t used = strlen(chain);
        snprintf(chain + used, sizeof chain - used, "%s -> ", names[i]);
    }
    return fail_node(errp, spec, "'extends' cycle: %s%s", chain, name);
}

/* A board file as `extends:` sees it: its path, its tree and its board
 * names (the loaded file's from BoardExtends.index, another's from the
 * cache). */
typedef struct Source {
    const char *path;
    const Node *root;
    const NameSet *index;
} Source;

static Node *resolve(BoardExtends *ext, const Source *src, const Node *name,
                     const Node *value, const Link *down, unsigned depth,
                     Error **errp);

static Source source_of(const ExtendsFile *f)
{
    return (Source){ .path = f->path, .root = f->root, .index = &f->boards };
}

/* The parent board named by `spec` (in `src`), resolved in turn. */
static Node *resolve_parent(BoardExtends *ext, const Source *src,
                            const Node *spec, const Link *here,
                            unsigned depth, Error **errp)
{
    const char *text = spec->text, *colon = strrchr(text, ':');
    const char *board = text;
    Source in = *src;
    bool named_file = colon && is_yaml_name(text, (size_t)(colon - text));
    if (named_file) {
        char *named = xstrndup(text, (size_t)(colon - text));
        const ExtendsFile *f = other_file(ext, board_sibling_path(src->path,
                                                                  named),
                                          spec, errp);
        free(named);
        if (!f)
            return NULL;
        board = colon + 1;
        in = source_of(f);
    }
    const Node *key = NULL;
    const Node *value = find_board(in.index, in.root, board, &key);
    bool fallback = !value && !named_file && ext->fallback_path &&
                    !same_file(ext->fallback_path, src->path);
    if (fallback) {
        const ExtendsFile *f = other_file(ext, xstrdup(ext->fallback_path),
                                          spec, errp);
        if (!f)
            return NULL;
        in = source_of(f);
        value = find_board(in.index, in.root, board, &key);
    }
    if (!value) {
        bool also = !named_file && !fallback && ext->fallback_path;
        fail_node(errp, spec, "'extends': no board '%s' in %s%s%s", board,
                  in.path, also ? " or " : "", also ? ext->fallback_path : "");
        return NULL;
    }
    if (!refuse_cycle(here, in.path, board, spec, errp))
        return NULL;
    return resolve(ext, &in, key, value, here, depth + 1, errp);
}

static Node *resolve(BoardExtends *ext, const Source *src, const Node *name,
                     const Node *value, const Link *down, unsigned depth,
                     Error **errp)
{
    ext->stats->boards_resolved++;
    const Node *spec = value->kind == NODE_MAP ? node_map_get(value, "extends") : NULL;
    if (!spec)
        return node_copy(value);
    if (spec->kind != NODE_SCALAR || spec->is_null || !spec->text[0]) {
        fail_node(errp, spec, "expected a board for 'extends' (NAME or "
                  "FILE.yaml:NAME)");
        return NULL;
    }
    if (depth >= MAX_EXTENDS_DEPTH) {
        fail_node(errp, spec, "'extends' nested deeper than %d boards",
                  MAX_EXTENDS_DEPTH);
        return NULL;
    }
    Link here = { .file = src->path, .name = name->text, .down = down };
    Node *base = resolve_parent(ext, src, spec, &here, depth, errp);
    if (!base)
        return NULL;
    if (base->kind != NODE_MAP) {
        fail_node(errp, spec, "the board '%s' extends is not a mapping",
                  spec->text);
        node_free(base);
        return NULL;
    }
    if (!merge_board(base, value, &ext->stats->name_probes, errp)) {
        node_free(base);
        return NULL;
    }
    return base;
}

Node *board_extends_resolve(BoardExtends *ext, const char *path,
                            const Node *root, const Node *name,
                            const Node *value, Error **errp)
{
    Source src = { .path = path, .root = root, .index = ext->index };
    return resolve(ext, &src, name, value, NULL, 0, errp);
}
