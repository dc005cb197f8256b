/* Profiles of the firmware (--profile FILE, --profile-report[=N]): where
 * its cycles go, by function and call stack (docs/PROFILING.md).
 *
 * The profiler listens to the CPU's execution events (sim/cpu/cpu.h):
 * every block and trap, and the mode changes that say when the hart
 * sleeps in wfi. It keeps a shadow call stack from the last instruction
 * of each block, by the RISC-V return-address-stack hints: jal/jalr (and
 * c.jal/c.jalr) linking ra or t0 is a call, jalr x0 through ra or t0
 * (ret, c.jr ra, jr t0) a return. Functions come from the ELF's code
 * symbols (sim/elf_symbols.h). When a block starts where the stack says
 * it cannot (a tail call, a longjmp, a context switch, a reset), the
 * stack is put right from the block's function: a plain jump to another
 * function's entry replaces the top frame (a tail call); a function
 * deeper in the stack is popped back to; anything else starts over from
 * the block's function.
 *
 * A trap pushes a frame `[irq N]` (an interrupt, N = its mcause code) or
 * `[exception N]`, then the handler's function; mret pops back to what
 * the trap interrupted. Cycles the hart sleeps in wfi go to a frame
 * `[sleep]` under the function that executed it. Code outside every
 * symbol is named by its entry address (`0x20010000`).
 *
 * Counts are in cycles of virtual time (one per instruction, plus
 * sleep), attributed between consecutive events, so the profile adds up
 * to the run's cycles exactly. The same run gives the same profile, byte
 * for byte, whichever engine runs it. The profiler only observes.
 */
#ifndef SIM_PROFILE_H
#define SIM_PROFILE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/cpu/cpu.h"
#include "sim/elf_symbols.h"
#include "sim/output_file.h"
#include "soc/error.h"

typedef struct Profile Profile;

/* Per function, summed over every stack it appears in. */
typedef struct ProfileFunction {
    const char *name;      /* owned by the profile */
    uint64_t self_cycles;  /* in the function itself */
    uint64_t total_cycles; /* inclusive: with what it called (recursion once) */
    uint64_t calls;        /* times entered: calls, tail calls, traps */
    uint64_t instructions; /* retired in the function itself */
} ProfileFunction;

/* Starts profiling `cpu` from now on, with the functions of `syms` (which
 * the profile copies: syms may be freed). False (and nothing listening)
 * when the CPU has no room for another execution observer. Free with
 * profile_free before the CPU. */
Profile *profile_new(Cpu *cpu, const ElfSymbols *syms, Error **errp);

/* Stops listening: the cycles up to now are counted, later ones are not.
 * Writing needs no stop (it counts up to now as well). */
void profile_stop(Profile *p);
void profile_free(Profile *p);

/* Total cycles and instructions profiled so far. */
uint64_t profile_total_cycles(Profile *p);
uint64_t profile_total_instructions(const Profile *p);

/* Folded stacks, one line per stack that spent cycles in its last frame:
 * `frame;frame;frame CYCLES`, lines sorted. False when a write failed. */
bool profile_write_folded(Profile *p, FILE *out);

/* The same as a speedscope file (https://www.speedscope.app/file-format-schema.json):
 * one "sampled" profile, one sample per stack weighted by its cycles,
 * unit "none". `name` names the profile (the firmware). */
bool profile_write_speedscope(Profile *p, FILE *out, const char *name);

/* The functions by self cycles (then inclusive, then name), at most `max`
 * of them into out[]; returns how many. Names stay valid while p lives. */
size_t profile_functions(Profile *p, ProfileFunction *out, size_t max);

/* The top `n` functions as a table (function, self cycles and %,
 * inclusive cycles and %, calls, instructions). */
void profile_write_report(Profile *p, FILE *out, unsigned n);

/* ---- the command line's profile files (--profile FILE, repeatable) ----
 *
 * Each path is checked when the run starts and written when it ends
 * (sim/output_file.h: a file the run reads is refused, a regular file is
 * replaced whole or not at all): FILE ending in `.json` gets the
 * speedscope JSON, any other the folded stacks. */
typedef struct ProfileOutputs ProfileOutputs;

ProfileOutputs *profile_outputs_open(const char *const *paths, size_t npaths,
                                     const OutputInput *inputs, size_t ninputs,
                                     Error **errp);
/* Writes every file; stops at the first that fails ("PATH: cannot
 * write: REASON"). `name` names the speedscope profile. */
bool profile_outputs_write(ProfileOutputs *outs, Profile *p, const char *name,
                           Error **errp);
void profile_outputs_free(ProfileOutputs *outs);

#endif
