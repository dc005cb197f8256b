/* Private to soc/board*.c: the YAML tree board files are read into, and
 * the `extends:` resolution that merges a board with the one it extends
 * (soc/board_internal.h has the rest of the walk into BoardDescs).
 * sim/scenario_file.c reads scenario files into the same tree. */
#ifndef SOC_BOARD_NODE_H
#define SOC_BOARD_NODE_H

#include <stdbool.h>
#include <stddef.h>

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

typedef struct NameSet NameSet; /* soc/board_internal.h */
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
