/* Board descriptions: the YAML board format parsed into plain data.
 *
 * A board file is a YAML mapping from board name to board. A board has an
 * optional `description`, a `cpu` mapping, a `memory` list and a
 * `peripherals` list (docs/BOARDS.md documents the format). A board may
 * `extends:` another (in this file, the shipped boards, or FILE.yaml:NAME)
 * and override, add or `remove:` its entries. Parsing checks
 * the shape (known keys, types, numbers, duplicate names, overlapping
 * memories, address ranges, the syntax of `irq:` sinks and, for a known
 * model, their count); what a peripheral's properties mean, and whether an
 * interrupt sink exists, is checked later by the machine and the models.
 * Every error starts with "FILE:LINE:COL: " (1-based). The work is linear
 * in the file's size (hashes and sorts, no pairwise checks), and a load
 * may resolve only the board it is asked for (BoardLoad).
 *
 * Files: board.c (loading, the top level, choosing boards), board_yaml.c
 * (YAML -> node tree), board_extends.c (`extends:`), board_keys.c (the
 * key tables' machinery, numbers), board_convert.c (node tree ->
 * BoardDesc), board_irq.c (`irq:`), board_check.c (names, overlaps,
 * ranges), board_desc.c (freeing, lookups), board_set.c (`--set`).
 *
 * Ownership: a BoardFile owns everything reachable from it, strings
 * included; board_file_free() frees it all. A failed load returns NULL and
 * leaves nothing allocated.
 */
#ifndef SOC_BOARD_H
#define SOC_BOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "soc/error.h"

typedef struct SourceLoc {
    const char *file; /* points into the BoardFile; BOARD_SET_FILE for --set */
    unsigned line;    /* 1-based */
    unsigned col;     /* 1-based */
} SourceLoc;

/* The file of the locations `--set` gives (board_apply_set): line N is
 * the N-th --set option, the column one in its argument. */
#define BOARD_SET_FILE "--set"

/* "LINE:COL" of loc, with its file when it is not the file `here` (extends
 * can bring two files together, --set a board and the command line);
 * returns buf. */
const char *board_where(const char *here, const SourceLoc *loc, char *buf,
                        size_t size);

typedef enum BoardMemoryKind {
    BOARD_MEM_RAM,
    BOARD_MEM_ROM,
    BOARD_MEM_FLASH, /* ROM for the guest's loads, loaded by the ELF loader */
} BoardMemoryKind;

/* Limits of the `cpu:` counts (equal to sim/cpu/cpu.h's CPU_PMP_MAX and
 * CPU_TRIGGERS_MAX, which sim/board_choice.c asserts). */
#define BOARD_PMP_MAX 16
#define BOARD_TRIGGERS_MAX 8

typedef struct BoardCpu {
    char *isa;             /* default "rv32imac" */
    uint64_t frequency_hz; /* default 10000000 */
    uint32_t reset_pc;     /* default: the ELF entry point */
    int has_reset_pc;
    SourceLoc reset_pc_loc; /* the `reset_pc` value (or its --set) */
    int emulate_misaligned; /* `misaligned: emulate`; default trap */
    /* Identification CSRs; default 0 (not implemented). */
    uint32_t mvendorid, marchid, mimpid;
    unsigned pmp_entries; /* 0 to BOARD_PMP_MAX; default BOARD_PMP_MAX */
    unsigned triggers;    /* 0 to BOARD_TRIGGERS_MAX; default 2 */
    SourceLoc loc;
    /* The `isa` value (the `cpu` mapping, the board's name when absent, or
     * the --set option), for the CPU's verdict on it. */
    SourceLoc isa_loc;
} BoardCpu;

typedef struct BoardMemory {
    char *name;
    BoardMemoryKind kind;
    uint64_t base;
    uint64_t size;
    /* `image: PATH`: initial contents (ROM/flash), resolved against the
     * folder of the file that names it; NULL when absent. */
    char *image;
    SourceLoc image_loc;
    SourceLoc loc;
    SourceLoc base_loc, size_loc; /* the values (or their --set) */
} BoardMemory;

/* A peripheral property: any key other than name/type/base/size, with its
 * scalar value as written. `loc` is where the value stands. */
typedef struct BoardProp {
    char *key;
    char *value;
    SourceLoc loc;
} BoardProp;

/* One interrupt line of a peripheral's `irq:` wiring: where output i of
 * the peripheral goes (the i-th BoardIrq). A range `plic.8-39` expands to
 * one BoardIrq per line, all with the range's location. */
typedef struct BoardIrq {
    char *target;  /* "cpu" or a peripheral's name (not checked here) */
    char *input;   /* `cpu.INPUT`: the input's name ("mti"); NULL otherwise */
    unsigned line; /* `TARGET.N`: the sink's input number N */
    SourceLoc loc; /* the scalar naming the sink */
} BoardIrq;

typedef struct BoardPeripheral {
    char *name;
    char *type;
    uint64_t base;
    uint64_t size; /* 0 when not given: the model's default */
    BoardProp *props; /* `irq` is not among them */
    size_t nprops;
    BoardIrq *irqs; /* the `irq:` wiring, in output order; none when absent */
    size_t nirqs;
    SourceLoc loc;
    SourceLoc type_loc;
    SourceLoc irq_loc; /* the `irq` value; the entry when absent */
    SourceLoc base_loc; /* the `base` value (or its --set) */
    SourceLoc size_loc; /* the `size` value (or its --set); the entry when absent */
} BoardPeripheral;

/* Host services a board turns on (`host: [newlib, semihosting, htif]`;
 * sim/host.h implements them). */
enum {
    BOARD_HOST_NEWLIB = 1u << 0,      /* ecall system calls of libgloss */
    BOARD_HOST_SEMIHOSTING = 1u << 1, /* RISC-V semihosting (ebreak) */
    BOARD_HOST_HTIF = 1u << 2,        /* tohost/fromhost by ELF symbol */
};

typedef struct BoardDesc {
    char *name;
    char *description; /* "" when not given */
    BoardCpu cpu;
    unsigned host;      /* BOARD_HOST_* bits; 0 (none) when not given */
    SourceLoc host_loc; /* the `host` value; the board's name when absent */
    BoardMemory *memories;
    size_t nmemories;
    BoardPeripheral *peripherals;
    size_t nperipherals;
    SourceLoc loc; /* the board's name key */
} BoardDesc;

typedef struct BoardFile {
    char *path;
    BoardDesc *boards;
    size_t nboards;
    char **extra_paths; /* files `extends:` read; SourceLocs point here */
    size_t nextra_paths;
} BoardFile;

/* The work a load did, for tests that bound it (every count grows with
 * the input, never with its square). */
typedef struct BoardLoadStats {
    size_t boards_resolved; /* boards resolved (extends merged, checked) */
    size_t name_probes;     /* names compared while looking names up */
    size_t irq_lines;       /* BoardIrq entries created */
    size_t tree_slots;      /* node kid slots allocated reading YAML */
    size_t files_parsed;    /* YAML files parsed: the loaded one, and each
                             * file `extends:` names, once */
} BoardLoadStats;

/* What board loading knows of peripheral models, from its caller: soc/
 * knows no models (the application asks peripherals/registry.h). With it,
 * `irq:` line counts are checked against the model before any line is
 * made; without, against BOARD_IRQ_LINES_MAX (the machine checks the exact
 * count when it is built). */
typedef struct BoardModels {
    /* How many interrupt outputs `type` drives and their names (*names
     * NULL when unnamed); false when no model has that type. */
    bool (*irq_outputs)(const char *type, unsigned *count,
                        const char *const **names);
    unsigned most_irq_outputs; /* the most any model drives */
} BoardModels;

#define BOARD_IRQ_LINES_MAX 1024

/* The one wording of a wrong line count, for the loader and the machine:
 * "'clint' drives 2 interrupt lines (msi, mti); the board wires 1". */
void board_irq_count_text(char *buf, size_t size, const char *name,
                          const char *type, unsigned outputs,
                          const char *const *names, size_t wired);

/* How to load a file. Zero-initialized: every board, nothing else. */
typedef struct BoardLoad {
    /* `extends: NAME` naming no board of this file looks here (the shipped
     * boards.yaml); NULL: nowhere else. */
    const char *fallback;
    /* true: resolve only `board` and the boards it extends (a NULL `board`
     * means the file's only board); the file then holds that one board.
     * The whole file's YAML and its top level (board names, each a
     * mapping) are still checked, but another board's contents are not:
     * a board nobody chose may be wrong in ways only resolving it shows. */
    bool select;
    const char *board;
    BoardLoadStats *stats; /* NULL: not counted */
    const BoardModels *models; /* NULL: counts bounded only */
} BoardLoad;

/* Every board of the file, resolved and checked. */
BoardFile *board_file_load(const char *path, Error **errp);
BoardFile *board_file_load_with(const char *path, const BoardLoad *how,
                                Error **errp);
/* Parses text in memory; `path` is used in messages only. */
BoardFile *board_file_parse(const char *path, const char *text, size_t len,
                            Error **errp);
BoardFile *board_file_parse_with(const char *path, const char *text,
                                 size_t len, const BoardLoad *how,
                                 Error **errp);
void board_file_free(BoardFile *file);

/* NULL when absent. */
const BoardDesc *board_file_find(const BoardFile *file, const char *name);

/* Applies a command-line override "TARGET.KEY=VALUE" (soc/board_set.c) to
 * a board of a loaded file; `index` numbers the option (1-based). Errors,
 * and the locations of what it sets, are "--set:INDEX:COL" with COL the
 * column in the argument (of the value, or of what is wrong). Values are
 * checked as a board file's are, ranges by memory_range_check. */
bool board_apply_set(BoardDesc *board, const char *assignment, unsigned index,
                     Error **errp);
const BoardProp *board_peripheral_prop(const BoardPeripheral *p,
                                       const char *key);

/* Deep copies (strings included; SourceLoc.file pointers are copied as
 * they are) and their frees, for whoever keeps an entry beyond its
 * BoardFile (the machine's live table). */
void board_peripheral_copy(BoardPeripheral *dst, const BoardPeripheral *src);
void board_peripheral_free(BoardPeripheral *p);
void board_memory_copy(BoardMemory *dst, const BoardMemory *src);
void board_memory_free(BoardMemory *m);

/* A deep copy of a whole board (strings included; SourceLoc.file
 * pointers copied as they are), and freeing what a board holds (not the
 * BoardDesc itself). */
void board_desc_copy(BoardDesc *dst, const BoardDesc *src);
void board_desc_free(BoardDesc *board);

/* Writes `board` as a board file holding that one board (soc/board_emit.c):
 * YAML that board_file_parse reads back into an equal BoardDesc (every
 * field but the source locations; an `irq:` range comes back as its
 * lines, a memory's image as the path written, which a parse from a path
 * without a folder keeps as it is). False when the stream failed, or a
 * string is not UTF-8 (written with U+FFFD in its place: YAML cannot
 * carry it). */
bool board_write_yaml(FILE *out, const BoardDesc *board);

/* The BOARD_HOST_* bit of a host service's name ("newlib",
 * "semihosting", "htif"); 0 when there is none of that name. */
unsigned board_host_service(const char *name);

/* Parses a number as board files write them: decimal, 0x hex, 0b binary,
 * `_` separators, optional K/M/G suffix (binary multiples). Returns 1 and
 * sets *out on success, 0 on anything else (junk, empty, overflow). */
int board_parse_u64(const char *text, uint64_t *out);

#endif
