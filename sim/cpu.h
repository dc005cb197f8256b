/* The RV32 hart: the public interface of sim/cpu*.c.
 *
 * The CPU fetches, loads and stores through the memory system's flat view
 * (soc/memory.h), keeping a small cache of recently used ranges that a
 * memory listener flushes on every commit. It owns nothing but itself.
 */
#ifndef SIM_CPU_H
#define SIM_CPU_H

#include <stdbool.h>
#include <stdint.h>

#include "soc/error.h"
#include "soc/memory.h"

typedef struct Cpu Cpu;

typedef struct CpuConfig {
    const char *isa;       /* e.g. "rv32imac"; NULL means rv32imac */
    uint32_t reset_pc;
    uint64_t frequency_hz; /* one retired instruction = one cycle */
} CpuConfig;

typedef enum CpuStopReason {
    CPU_STOP_INSN_LIMIT, /* max_insns retired */
    CPU_STOP_REQUESTED,  /* cpu_request_stop() (e.g. the test device) */
    CPU_STOP_FAULT,      /* an error the guest cannot handle; see errp */
} CpuStopReason;

/* Validates the ISA string (errors name what is unsupported). */
Cpu *cpu_new(MemorySystem *ms, const CpuConfig *config, Error **errp);
void cpu_free(Cpu *cpu);

void cpu_reset(Cpu *cpu);

/* Runs until max_insns more instructions retire, a stop is requested, or a
 * fault. On CPU_STOP_FAULT *errp says what happened and where (pc). */
CpuStopReason cpu_run(Cpu *cpu, uint64_t max_insns, Error **errp);

/* Makes cpu_run return CPU_STOP_REQUESTED after the current instruction.
 * Safe to call from an MMIO callback. */
void cpu_request_stop(Cpu *cpu);

uint32_t cpu_get_pc(const Cpu *cpu);
void cpu_set_pc(Cpu *cpu, uint32_t pc);
uint32_t cpu_get_reg(const Cpu *cpu, unsigned index); /* x0..x31 */
void cpu_set_reg(Cpu *cpu, unsigned index, uint32_t value);
uint64_t cpu_instructions_retired(const Cpu *cpu);

#endif
