/* What coverage needs of a firmware ELF's debug information, read once
 * with libdw (elfutils, the library behind our libelf; docs/COVERAGE.md
 * says why) and handed over as plain data:
 *
 *   code       the ELF's executable sections (allocated, SHF_EXECINSTR,
 *              with contents): their addresses and bytes. Only these
 *              addresses count; wherever the firmware runs them from
 *              (flash or RAM), they are the sections' addresses.
 *   rows       the line table's rows that map an address of that code to
 *              a source line: [addr, end) the row's instructions; a row
 *              with end == addr (another row follows at the same address)
 *              maps the line to the one instruction at addr
 *   functions  each subprogram with code (DW_TAG_subprogram with an entry
 *              pc in that code): name, declaration file and line (or,
 *              when it is declared elsewhere than its code, such as a
 *              header with its prototype, the file and line of its code's
 *              first row: sim/debug_lines.c function_place), entry
 *   files      source paths as the DWARF says: the compilation directory
 *              joined with a relative name, "." and ".." folded away
 *
 * Names and paths have their control characters replaced by '?', so that
 * none can break a line of a report.
 *
 * Lines of functions the linker dropped (their addresses become 0) map to
 * no code and are left out, unless an executable section starts at 0.
 * tests/fuzz/fuzz_dwarf.c feeds it hostile files. */
#ifndef SIM_DEBUG_LINES_H
#define SIM_DEBUG_LINES_H

#include <stddef.h>
#include <stdint.h>

#include "soc/error.h"

typedef struct DebugCode {
    uint32_t addr, size;
    uint8_t *bytes; /* size bytes, the section's contents */
} DebugCode;

typedef struct DebugRow {
    uint32_t addr, end; /* end == addr: the instruction at addr */
    uint32_t file;      /* index in DebugLines.files */
    uint32_t line;      /* >= 1 */
} DebugRow;

#define DEBUG_NO_FILE UINT32_MAX

typedef struct DebugFunction {
    char *name;
    uint32_t file, line; /* where it is declared (see above) */
    uint32_t entry;
    uint32_t end;       /* its high pc; entry + 1 when it has none */
    uint32_t unit_file; /* its unit's own source; DEBUG_NO_FILE: unknown */
} DebugFunction;

typedef struct DebugLines {
    char **files;
    size_t nfiles;
    DebugCode *code; /* sorted by address, not overlapping */
    size_t ncode;
    DebugRow *rows; /* sorted by address, then end */
    size_t nrows;
    DebugFunction *functions;
    size_t nfunctions;
} DebugLines;

/* Reads `path` (an ELF the loader accepted). Errors name the file:
 * "PATH: no debug information (build it with -g)", "PATH: no line of its
 * line table maps to executable code (build it with -g)", "PATH: DWARF:
 * REASON" (a broken section: libdw's reason, or ours). The caller
 * frees the result with debug_lines_free. */
DebugLines *debug_lines_load(const char *path, Error **errp);
void debug_lines_free(DebugLines *lines);

/* The code section holding `addr`, NULL when none. */
const DebugCode *debug_code_at(const DebugLines *lines, uint32_t addr);

/* The length of the instruction whose first byte is at `at` (2 or 4:
 * RV32 with C). */
static inline unsigned debug_insn_length(const uint8_t *at)
{
    return (at[0] & 3) == 3 ? 4 : 2;
}

#endif
