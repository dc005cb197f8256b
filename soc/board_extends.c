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
 * unknown one is added, `remove: true` deletes the inherited entry.
 * Cycles are refused, naming the chain.
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
    const char *file; /* canonical path */
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
 * Every name a set points at stays alive until the set is freed. ---- */

#define ABSENT SIZE_MAX /* a removed entry's value in a NameSet */

/* The position of each key of `map`; the first wins (a duplicate is
 * refused later, when the merged board is converted). */
static void index_keys(NameSet *set, const Node *map, size_t *probes)
{
    *set = (NameSet){ .probes = probes };
    size_t first;
    for (size_t i = 0; i + 1 < map->nkids; i += 2)
        name_set_add(set, map->kids[i]->text, i, &first);
}

/* Sets base[key] to a copy of the child's key and value. */
static void map_put(Node *base, NameSet *keys, const Node *key,
                    const Node *value)
{
    size_t i;
    if (!name_set_find(keys, key->text, &i)) {
        node_push(base, node_copy(key));
        node_push(base, node_copy(value));
        name_set_put(keys, base->kids[base->nkids - 2]->text, base->nkids - 2);
        return;
    }
    name_set_put(keys, key->text, i); /* the old key's text is freed next */
    node_free(base->kids[i]);
    node_free(base->kids[i + 1]);
    base->kids[i] = node_copy(key);
    base->kids[i + 1] = node_copy(value);
}

static void merge_keys(Node *base, const Node *child, size_t *probes)
{
    NameSet keys;
    index_keys(&keys, base, probes);
    for (size_t i = 0; i + 1 < child->nkids; i += 2)
        map_put(base, &keys, child->kids[i], child->kids[i + 1]);
    name_set_free(&keys);
}

static const char *entry_name(const Node *entry)
{
    if (!entry || entry->kind != NODE_MAP)
        return NULL;
    const Node *name = node_map_get(entry, "name");
    return name && name->kind == NODE_SCALAR ? name->text : NULL;
}

/* An inherited list's entries by name, while the child is merged in:
 * removed entries wait in `dropped` (their names are still in the set). */
typedef struct EntryMerge {
    Node *list;
    NameSet names; /* name -> index in list, or ABSENT once removed */
    Node **dropped;
    size_t ndropped;
} EntryMerge;

static bool find_entry(const EntryMerge *m, const char *name, size_t *i)
{
    return name_set_find(&m->names, name, i) && *i != ABSENT;
}

static bool remove_entry(EntryMerge *m, const Node *entry, const char *name,
                         const char *what, Error **errp)
{
    const Node *flag = node_map_get(entry, "remove");
    if (flag->kind != NODE_SCALAR || strcmp(flag->text, "true") != 0)
        return fail_node(errp, flag, "expected true for 'remove'");
    if (entry->nkids != 4)
        return fail_node(errp, entry, "an entry with 'remove: true' takes "
                         "only its name");
    size_t i;
    if (!find_entry(m, name, &i))
        return fail_node(errp, entry, "cannot remove '%s': the extended board "
                         "has no %s of that name", name, what);
    m->dropped = xrealloc(m->dropped, (m->ndropped + 1) * sizeof *m->dropped);
    m->dropped[m->ndropped++] = m->list->kids[i];
    m->list->kids[i] = NULL;
    name_set_put(&m->names, name, ABSENT);
    return true;
}

static bool merge_entry(EntryMerge *m, const Node *entry, const char *what,
                        size_t *probes, Error **errp)
{
    const char *name = entry_name(entry);
    size_t i;
    if (!name) {
        node_push(m->list, node_copy(entry)); /* checked when converted */
        return true;
    }
    if (node_map_get(entry, "remove"))
        return remove_entry(m, entry, name, what, errp);
    if (!find_entry(m, name, &i)) {
        node_push(m->list, node_copy(entry));
        name_set_put(&m->names, entry_name(m->list->kids[m->list->nkids - 1]),
                     m->list->nkids - 1);
        return true;
    }
    name_set_put(&m->names, name, i); /* the entry's name node is replaced */
    merge_keys(m->list->kids[i], entry, probes);
    return true;
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
    EntryMerge m = { .list = list, .names = { .probes = probes } };
    size_t first;
    for (size_t i = 0; i < list->nkids; i++) {
        const char *name = entry_name(list->kids[i]);
        if (name)
            name_set_add(&m.names, name, i, &first);
    }
    bool ok = true;
    for (size_t k = 0; ok && k < child->nkids; k++)
        ok = merge_entry(&m, child->kids[k], what, probes, errp);
    name_set_free(&m.names);
    compact(list);
    for (size_t i = 0; i < m.ndropped; i++)
        node_free(m.dropped[i]);
    free(m.dropped);
    return ok;
}

static bool merge_board(Node *base, const Node *child, size_t *probes,
                        Error **errp)
{
    NameSet keys;
    index_keys(&keys, base, probes);
    bool ok = true;
    for (size_t i = 0; ok && i + 1 < child->nkids; i += 2) {
        const Node *key = child->kids[i], *value = child->kids[i + 1];
        const char *k = key->text;
        size_t at;
        Node *inherited = name_set_find(&keys, k, &at) ? base->kids[at + 1] : NULL;
        if (strcmp(k, "extends") == 0)
            continue;
        if (strcmp(k, "cpu") == 0 && inherited && inherited->kind == NODE_MAP &&
            value->kind == NODE_MAP) {
            merge_keys(inherited, value, probes);
        } else if ((strcmp(k, "memory") == 0 || strcmp(k, "peripherals") == 0) &&
                   inherited && inherited->kind == NODE_LIST &&
                   value->kind == NODE_LIST) {
            const char *what = k[0] == 'm' ? "memory" : "peripheral";
            ok = merge_entries(inherited, value, what, probes, errp);
        } else {
            map_put(base, &keys, key, value);
        }
    }
    name_set_free(&keys);
    return ok;
}

/* ---- finding what a board extends ---- */

/* The board `name` of `root`: through the index for the loaded file, by
 * a scan for a file `extends` opened. */
static const Node *find_board(const BoardExtends *ext, const Node *root,
                              const char *name, const Node **key)
{
    size_t i;
    if (root && root == ext->index_root) {
        if (!name_set_find(ext->index, name, &i))
            return NULL;
        *key = root->kids[i];
        return root->kids[i + 1];
    }
    if (!root || root->kind != NODE_MAP)
        return NULL;
    for (i = 0; i + 1 < root->nkids; i += 2) {
        ext->stats->name_probes++;
        if (strcmp(root->kids[i]->text, name) == 0) {
            *key = root->kids[i];
            return root->kids[i + 1];
        }
    }
    return NULL;
}

/* FILE relative to the folder of the file that names it. */
static char *sibling_path(const char *path, const char *file)
{
    const char *slash = strrchr(path, '/');
    if (file[0] == '/' || !slash)
        return xstrdup(file);
    size_t dir = (size_t)(slash - path) + 1;
    char *joined = xcalloc(dir + strlen(file) + 1, 1);
    memcpy(joined, path, dir);
    strcpy(joined + dir, file);
    return joined;
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

/* Loads another board file for `extends`; its nodes name a path the
 * BoardExtends keeps. */
static Node *load_other(BoardExtends *ext, char *path, const Node *at,
                        Error **errp)
{
    ext->paths = xrealloc(ext->paths, (ext->npaths + 1) * sizeof *ext->paths);
    ext->paths[ext->npaths++] = path;
    size_t len;
    Error *err = NULL;
    char *text = file_read_all(path, &len, &err);
    Node *root = text ? board_yaml_load(path, text, len, ext->stats, &err) : NULL;
    free(text);
    if (!root) {
        error_propagate(errp, err);
        error_prepend(errp, "%s:%u:%u: in the board it extends: ", at->file,
                      at->line, at->col);
    }
    return root;
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

static Node *resolve(BoardExtends *ext, const char *path, const Node *root,
                     const Node *name, const Node *value, const Link *down,
                     unsigned depth, Error **errp);

/* The parent board named by `spec`, resolved in turn. */
static Node *resolve_parent(BoardExtends *ext, const char *path,
                            const Node *root, const Node *spec,
                            const Link *here, unsigned depth, Error **errp)
{
    const char *text = spec->text, *colon = strrchr(text, ':');
    const char *board = text, *file = path;
    Node *loaded = NULL;
    if (colon && is_yaml_name(text, (size_t)(colon - text))) {
        char *named = xcalloc((size_t)(colon - text) + 1, 1);
        memcpy(named, text, (size_t)(colon - text));
        char *full = sibling_path(path, named);
        free(named);
        board = colon + 1;
        file = full;
        if (!(loaded = load_other(ext, full, spec, errp)))
            return NULL;
        root = loaded;
    }
    const Node *key = NULL;
    const Node *value = find_board(ext, root, board, &key);
    if (!value && !loaded && ext->fallback_path && !same_file(ext->fallback_path, path)) {
        file = xstrdup(ext->fallback_path);
        if (!(loaded = load_other(ext, (char *)file, spec, errp)))
            return NULL;
        value = find_board(ext, loaded, board, &key);
    }
    Node *parent = NULL;
    if (!value)
        fail_node(errp, spec, "'extends': no board '%s' in %s%s%s", board, file,
                  !loaded && ext->fallback_path ? " or " : "",
                  !loaded && ext->fallback_path ? ext->fallback_path : "");
    else if (refuse_cycle(here, file, board, spec, errp))
        parent = resolve(ext, file, loaded ? loaded : root, key, value, here,
                         depth + 1, errp);
    node_free(loaded);
    return parent;
}

static Node *resolve(BoardExtends *ext, const char *path, const Node *root,
                     const Node *name, const Node *value, const Link *down,
                     unsigned depth, Error **errp)
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
    Link here = { .file = path, .name = name->text, .down = down };
    Node *base = resolve_parent(ext, path, root, spec, &here, depth, errp);
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
    return resolve(ext, path, root, name, value, NULL, 0, errp);
}
