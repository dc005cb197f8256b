/* The translator: hot decoded blocks (cpu_blocks.c) become x86-64 code.
 * Private to sim/cpu/.
 *
 * The interpreter stays the reference. Translated code covers a block's
 * plain instructions (integer and M arithmetic, loads and stores, branches
 * and jumps, fence, and mret through a helper); a block stops translating
 * at the first other one (CSR, ecall, ebreak, wfi, fence.i, an AMO, an
 * illegal encoding), which then starts a block of its own that the
 * interpreter runs. Nothing translated runs while PMP checks, tracing, a
 * debugger or triggers are on (cpu->jit_blocked): the interpreter runs
 * everything then.
 *
 * Exactness, as in the interpreter (cpu_run.c): time is settled at exits;
 * a translation entered from another one first checks that its whole
 * length fits before the run loop's horizon (cpu->check_at), else it
 * returns to the run loop. A block whose code is written has its chained
 * entry patched to leave (jit_kill) before translated code runs again, and
 * setting the block observer drops every chain. A device access runs with
 * the clock at the instruction's exact cycle; the translation goes on
 * after it only when nothing the run loop watches changed (check_at still
 * beyond the block, no flush, no block killed), else it ends there with
 * BLOCK_EXIT_CHECK, as the interpreter's block would.
 *
 * Memory: one code cache, mapped read-write while code is written or
 * patched and read-execute while it runs (never both), bounded, and
 * emptied with the decoded blocks (cpu_blocks_flush): when it is full and
 * on every map change. Translated loads and stores try the RAM/ROM windows
 * in Cpu inline (copies of data-cache ranges, emptied on every commit);
 * stores into a chunk holding decoded code take the helper, which drops
 * what they hit.
 */
#ifndef SIM_CPU_JIT_H
#define SIM_CPU_JIT_H

#include "sim/cpu/cpu_internal.h"

typedef struct Jit Jit;

/* A block is translated once it has run this many times (unless
 * CpuConfig.jit_threshold says otherwise). */
#define JIT_HOT_RUNS 128
#define JIT_CODE_CACHE (4u << 20)

/* Sets cpu->jit up (false with an error where there is no translator). */
bool jit_new(Cpu *cpu, Error **errp);
void jit_free(Cpu *cpu);
/* Drops every translation (the blocks they belong to are being dropped). */
void jit_flush(Cpu *cpu);
/* Empties the inline windows (the map they came from is gone). */
void jit_windows_clear(Cpu *cpu);

/* The translation to run for b (a pool block, not the scratch one),
 * translating it now if it has become hot; NULL: the interpreter runs it. */
const uint8_t *jit_entry(Cpu *cpu, Block *b);
/* Makes the cache executable, with every queued patch in (a dead block's
 * entry must leave before anything runs). False: the host refused a flip,
 * and translated code never runs again (the interpreter runs b). */
bool jit_ready(Cpu *cpu);
/* Runs translated code from an entry jit_entry gave, once jit_ready said
 * yes. The same contract as cpu_exec_block: cpu->pc, cycles and
 * last_block say where it ended; cpu->jit_exit_site is set when that exit
 * can be chained (jit_chain). */
BlockExit jit_run(Cpu *cpu, const uint8_t *entry);
/* b died (its code was written): jumps into its translation must leave
 * for the run loop instead. Done before translated code runs again. */
void jit_kill(Cpu *cpu, const Block *b);
/* Makes the exit at `site` jump straight into b's translation. */
void jit_chain(Cpu *cpu, uint8_t *site, const Block *b);
void jit_stats(const Cpu *cpu, CpuEngineStats *out);

/* jit_helpers.c: what translated code calls. A load or store that the
 * inline RAM window did not take: `info` is the instruction's index in
 * its block | size << 8 | sign-extend << 12 | compressed << 13 | the
 * instructions translated << 16; in is the decoded instruction (its
 * device hint is updated). Status JIT_SLOW_OK: go on (value loaded);
 * JIT_SLOW_CHECK: retired, pc and cycles past it, back to the run loop;
 * JIT_SLOW_FAULT: raised, pc and cycles at it. Returned in rax:rdx. */
enum { JIT_SLOW_OK = 0, JIT_SLOW_CHECK = 1, JIT_SLOW_FAULT = 2 };
typedef struct JitSlowResult {
    uint64_t value, status;
} JitSlowResult;
JitSlowResult jit_slow_load(Cpu *cpu, uint32_t addr, uint32_t value, uint32_t info,
                            BlockInsn *in);
JitSlowResult jit_slow_store(Cpu *cpu, uint32_t addr, uint32_t value, uint32_t info,
                             BlockInsn *in);
/* mret at pc as the interpreter runs it (cycles counted); false with
 * illegal-instruction raised (from U-mode, which translated code never
 * runs in, but the check is the interpreter's). */
bool jit_mret(Cpu *cpu, uint32_t pc, uint32_t bits);

/* jit_translate.c: writes b's translation into [buf, end), where it will
 * run; returns the bytes used (0: it did not fit, or nothing in b can be
 * translated: *refused says which). Sets b->jit_entry and jit_chained. */
size_t jit_translate(Cpu *cpu, Block *b, uint8_t *buf, uint8_t *end,
                     const uint8_t *epilogue, bool *refused);

#endif
