/* Line, function and branch coverage of a firmware (`--coverage FILE.info`)
 * in lcov's tracefile format, for genhtml (docs/COVERAGE.md).
 *
 * While the firmware runs, each straight-line block the CPU reports
 * (CPU_EXEC_BLOCK) is counted in a hash by its start, length, last pc
 * and last instruction, with how often its last instruction jumped; an
 * instruction that raised an exception (CPU_EXEC_TRAP, not an interrupt,
 * nor a failed fetch at mepc: that one never ran) counts as run once
 * more, since it was reached. Nothing else happens on the run's
 * path. At the
 * end each block is expanded into its instructions through the ELF's
 * bytes (sim/debug_lines.h), and the line table turns instructions into
 * lines:
 *
 *   DA:LINE,N     N: how often the line's most executed instruction ran
 *                 (a row of the line table with no instructions of its
 *                 own counts the instruction at its address)
 *   FN/FNDA       each function with code, by its DWARF name and
 *                 declaration line; FNDA: how often its entry instruction
 *                 ran (copies of one function in one file are summed)
 *   BRDA:LINE,B,0,N / BRDA:LINE,B,1,N
 *                 the line's B-th conditional branch instruction (beq ..
 *                 bgeu, c.beqz, c.bnez; by address): 0 how often it
 *                 jumped, 1 how often it fell through; "-" for both when
 *                 it never ran
 *
 * Only the ELF's executable sections count: code elsewhere (a boot ROM,
 * code the firmware wrote) and blocks whose instructions are not the
 * ELF's at their addresses are left out (coverage_foreign_blocks), all
 * but their last instruction when that one (whose bits the CPU reports)
 * still is the ELF's, so that the counts never depend on where the CPU
 * cut its blocks. */
#ifndef SIM_COVERAGE_H
#define SIM_COVERAGE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/cpu/cpu.h"
#include "soc/error.h"

typedef struct Coverage Coverage;

/* Reads the debug information of the ELF at `path`; an ELF without a
 * line table is an error (sim/debug_lines.h). Free with coverage_free. */
Coverage *coverage_new(const char *path, Error **errp);

/* Counts what `cpu` runs from now on, until coverage_free (which must
 * come before the CPU is freed). False when the CPU has no free observer
 * slot. */
bool coverage_attach(Coverage *cov, Cpu *cpu, Error **errp);

/* Writes the tracefile (TN, then one SF record per source file, sorted
 * by path). False when a write failed (errno says why). May be called
 * more than once; each call reports everything counted so far. */
bool coverage_write_lcov(Coverage *cov, FILE *out);

/* Distinct blocks the last coverage_write_lcov left out because their
 * instructions were not the ELF's (the firmware changed its code). */
uint64_t coverage_foreign_blocks(const Coverage *cov);

/* Stops counting and frees everything; NULL is fine. */
void coverage_free(Coverage *cov);

#endif
