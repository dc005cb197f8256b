/* Private to soc/board*.c: walking a board's node tree (soc/board_node.h)
 * into a BoardDesc.
 *
 * Each mapping kind (board, cpu, memory entry, peripheral) is a const
 * table of keys and handlers that board_walk_mapping() dispatches through
 * (soc/board_keys.c); it also rejects duplicate and unknown keys and
 * reports missing required ones. Output arrays are allocated zeroed at
 * their final length before they are filled, so board_desc_free() can
 * free a half-built board. Every message starts with "FILE:LINE:COL: " for
 * the node at fault; the first error wins.
 */
#ifndef SOC_BOARD_INTERNAL_H
#define SOC_BOARD_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "soc/board.h"
#include "soc/board_node.h"
#include "soc/error.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define ADDR_LIMIT (UINT64_C(1) << 32) /* the 32-bit bus */
/* ---- the walk ---- */

typedef struct BoardCtx {
    Error *err;            /* the first error */
    BoardDesc *board;      /* the board being filled */
    BoardLoadStats *stats; /* never NULL */
    const BoardModels *models; /* NULL: none known */
    NameSet names;         /* the board's memory and peripheral names */
} BoardCtx;

/* Each returns false so callers can `return board_fail(...)`. */
bool board_fail(BoardCtx *c, const Node *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
bool board_fail_loc(BoardCtx *c, const SourceLoc *loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Expects `n` to be of `kind`; `what` names it ("'cpu'", "memory entry"). */
bool board_expect(BoardCtx *c, const Node *n, NodeKind kind, const char *what);

typedef struct KeySpec KeySpec;
/* Handles `key: value` for the struct `obj`; false after an error. */
typedef bool KeyFn(BoardCtx *c, void *obj, const KeySpec *ks, const Node *key,
                   const Node *value);

struct KeySpec {
    const char *key;
    KeyFn *handle;
    size_t offset; /* of the field in obj, for the generic handlers */
    bool required;
    uint64_t max; /* board_set_upto: the largest value */
    size_t width; /* board_set_upto: the field's bytes (4 or 8) */
};

/* A table row: `name` handled by `fn`, which may use `offset` (of a field
 * in the struct the table fills); `required` or not. */
#define KEY(name, fn, offset_, required_)                                   \
    { .key = name, .handle = fn, .offset = offset_, .required = required_ }
/* An optional key whose value is a number from 0 to `max_`, kept in
 * `field` of the struct `type` (an unsigned, uint32_t or uint64_t). */
#define KEY_UPTO(name, type, field, max_)                                   \
    { .key = name, .handle = board_set_upto,                                \
      .offset = offsetof(type, field), .max = max_,                         \
      .width = sizeof(((type *)0)->field) }

typedef struct MapSpec {
    const char *what; /* "cpu", "memory entry" */
    const KeySpec *keys;
    size_t nkeys;
    KeyFn *other; /* for keys not in the table; NULL: unknown key error */
} MapSpec;

#define FIELD(type, obj, ks) ((type *)((char *)(obj) + (ks)->offset))

bool board_walk_mapping(BoardCtx *c, const Node *map, const MapSpec *spec,
                        void *obj);
/* One `key: value` of a mapping described by `spec` (an unknown key is an
 * error listing the known ones). */
bool board_apply_key(BoardCtx *c, const MapSpec *spec, void *obj,
                     const Node *key, const Node *value);
/* Each list entry is a mapping converted by `entry` into element i. */
typedef bool EntryFn(BoardCtx *c, const Node *entry, size_t i);
bool board_walk_list(BoardCtx *c, const Node *key, const Node *list,
                     const char *what, EntryFn *entry);

/* Generic handlers (FIELD(ks) is the destination). */
KeyFn board_set_text, board_set_nonempty_text, board_set_name, board_set_u64,
    board_set_addr32, board_set_nonzero_u64, board_set_upto;
bool board_scalar_value(BoardCtx *c, const Node *key, const Node *value);
bool board_parse_number(BoardCtx *c, const Node *key, const Node *value,
                        uint64_t *out);
bool board_parse_addr32(BoardCtx *c, const Node *key, const Node *value,
                        uint64_t *out);
/* A number from 0 to max for `key`. */
bool board_parse_upto(BoardCtx *c, const Node *key, const Node *value,
                      uint64_t max, uint64_t *out);
/* A board, memory or peripheral name: non-empty, NAME_CHARS only. */
bool board_check_name(BoardCtx *c, const Node *n);

/* ---- the pieces (soc/board_convert.c, board_irq.c, board_check.c) ---- */

/* Fills `b` (zeroed) from the board `key: value` (extends already
 * merged). */
bool board_convert(BoardCtx *c, BoardDesc *b, const Node *key,
                   const Node *value);

/* `cpu.KEY: VALUE` (for --set), checked as in a board file. */
bool board_set_cpu(BoardCtx *c, BoardCpu *cpu, const Node *key,
                   const Node *value);

/* The `irq:` wiring of `p` (`value`, NULL when absent), once the rest of
 * the entry is known: the lines are counted and, for a model the registry
 * knows, checked against its outputs before any is created. */
bool board_irq_wire(BoardCtx *c, BoardPeripheral *p, const Node *value);

/* The name of memory or peripheral `index` of its list, refused when
 * another memory or peripheral of the board has it. */
bool board_check_unique_name(BoardCtx *c, const Node *entry,
                             bool is_peripheral, size_t index);
/* [base, base + size) inside the 4 GiB bus (memory_range_check); the
 * error points at `at`. */
bool board_check_range(BoardCtx *c, const Node *at, const char *what,
                       const char *name, uint64_t base, uint64_t size);
/* No two of the board's memories overlap (sorted: n log n). */
bool board_check_overlaps(BoardCtx *c);

/* `file` relative to the folder of `path`, the file that names it (an
 * absolute `file` as it is); malloc'd. */
char *board_sibling_path(const char *path, const char *file);

/* soc/board_desc.c */
void board_desc_free(BoardDesc *b);

#endif
