/* The YAML tree board files are read into, with the name set and the
 * locations their checks use: shared by the board loader (soc/board*.c)
 * and scenario files (sim/scenario_file.c). The `extends:` resolution
 * below is the board loader's (soc/board_internal.h has the rest of its
 * walk into BoardDescs). */
#ifndef SOC_BOARD_NODE_H
#define SOC_BOARD_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "soc/board.h"
#include "soc/error.h"

typedef enum NodeKind { NODE_SCALAR, NODE_LIST, NODE_MAP } NodeKind;

typedef struct Node {
    NodeKind kind;
    const char *file;   /* the file it was read from (kept by the BoardFile) */
    unsigned line, col; /* 1-based */
    char *text;         /* scalars */
    bool is_null;       /* an empty plain scalar: `key:` with no value */
    struct Node **kids; /* list: items; mapping: key, value, key, value... */
    size_t nkids;
    size_t kids_cap; /* kids allocated: node_push grows it geometrically */
} Node;

void node_free(Node *n);
/* "a scalar", "nothing" (`key:` with no value), "a list", "a mapping". */
const char *node_kind_name(const Node *n);
Node *node_copy(const Node *n);
/* Appends a kid (n takes it over). */
void node_push(Node *n, Node *kid);
/* The value of scalar key `key` in mapping `map`; NULL when absent. */
const Node *node_map_get(const Node *map, const char *key);

/* soc/board_yaml.c: reads a whole YAML document into a tree whose nodes
 * name `path` (kept alive by the caller). Errors: "PATH:LINE:COL: ...". */
Node *board_yaml_load(const char *path, const char *text, size_t len,
                      BoardLoadStats *stats, Error **errp);

/* Where a node stands, for messages. */
SourceLoc node_loc(const Node *n);

#define NAME_CHARS \
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"

/* ---- a set of names (soc/board_check.c): hashing, so that duplicates
 * among n names cost n lookups instead of n^2 / 2 comparisons ---- */

typedef struct NameSlot NameSlot;
typedef struct NameSet {
    NameSlot *slots;
    size_t cap, count;
    size_t *probes; /* counts the slots looked at (BoardLoadStats); or NULL */
} NameSet;

/* Adds `name` (not copied: it must outlive the set) with `value`. Returns
 * true when it is new; false when it was there, with *first set to the
 * value it was added with. */
bool name_set_add(NameSet *s, const char *name, size_t value, size_t *first);
/* Sets the value (and the name's storage) of `name`, adding it if absent. */
void name_set_put(NameSet *s, const char *name, size_t value);
/* True and *value when `name` is in the set. */
bool name_set_find(const NameSet *s, const char *name, size_t *value);
void name_set_free(NameSet *s);

typedef struct ExtendsCache ExtendsCache; /* soc/board_extends.c */

/* Where `extends:` looks, and the files it read (each parsed once per
 * load; their nodes point at their paths, which the BoardFile keeps). */
typedef struct BoardExtends {
    const char *fallback_path; /* the shipped boards, or NULL */
    /* The loaded file's board names -> index of the key in its root, so a
     * parent in the same file is found without a scan. */
    const NameSet *index;
    BoardLoadStats *stats; /* never NULL */
    ExtendsCache *cache;   /* the other files read; NULL: none yet */
} BoardExtends;

/* The board `value` (from file `path` whose root is `root`, described by
 * BoardExtends.index) with what it extends merged in, recursively; a new
 * tree the caller frees. A board without `extends:` comes back as a plain
 * copy. */
Node *board_extends_resolve(BoardExtends *ext, const char *path,
                            const Node *root, const Node *name,
                            const Node *value, Error **errp);

/* Frees the trees of the files `extends:` read and hands their paths
 * (which locations point at) to the caller: *paths, malloc'd, holds
 * *npaths of them. */
void board_extends_done(BoardExtends *ext, char ***paths, size_t *npaths);

#endif
