/* Private to sim/cpu*.c (and the CPU's unit test): the hart's state. */
#ifndef SIM_CPU_INTERNAL_H
#define SIM_CPU_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "sim/cpu.h"
#include "sim/cpu_decode.h"
#include "soc/memory_cache.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the CPU reads guest memory through host pointers: little-endian hosts only"
#endif

/* Exception causes (mcause values, privileged spec table 3.6). */
enum {
    CPU_CAUSE_FETCH_MISALIGNED = 0,
    CPU_CAUSE_FETCH_ACCESS = 1,
    CPU_CAUSE_ILLEGAL = 2,
    CPU_CAUSE_BREAKPOINT = 3,
    CPU_CAUSE_LOAD_MISALIGNED = 4,
    CPU_CAUSE_LOAD_ACCESS = 5,
    CPU_CAUSE_STORE_MISALIGNED = 6,
    CPU_CAUSE_STORE_ACCESS = 7,
    CPU_CAUSE_ECALL_U = 8,
    CPU_CAUSE_ECALL_M = 11,
};

/* CSR numbers this hart implements. */
enum {
    CSR_MSTATUS = 0x300,
    CSR_MISA = 0x301,
    CSR_MIE = 0x304,
    CSR_MTVEC = 0x305,
    CSR_MSTATUSH = 0x310,
    CSR_MHPMEVENT3 = 0x323,
    CSR_MHPMEVENT31 = 0x33f,
    CSR_MSCRATCH = 0x340,
    CSR_MEPC = 0x341,
    CSR_MCAUSE = 0x342,
    CSR_MTVAL = 0x343,
    CSR_MIP = 0x344,
    CSR_MCYCLE = 0xb00,
    CSR_MINSTRET = 0xb02,
    CSR_MHPMCOUNTER3 = 0xb03,
    CSR_MHPMCOUNTER31 = 0xb1f,
    CSR_MCYCLEH = 0xb80,
    CSR_MINSTRETH = 0xb82,
    CSR_MHPMCOUNTER3H = 0xb83,
    CSR_MHPMCOUNTER31H = 0xb9f,
    CSR_CYCLE = 0xc00,
    CSR_INSTRET = 0xc02,
    CSR_HPMCOUNTER3 = 0xc03,
    CSR_HPMCOUNTER31 = 0xc1f,
    CSR_CYCLEH = 0xc80,
    CSR_INSTRETH = 0xc82,
    CSR_HPMCOUNTER3H = 0xc83,
    CSR_HPMCOUNTER31H = 0xc9f,
    CSR_MVENDORID = 0xf11,
    CSR_MARCHID = 0xf12,
    CSR_MIMPID = 0xf13,
    CSR_MHARTID = 0xf14,
    CSR_MCONFIGPTR = 0xf15,
};

/* mstatus fields. Only M-mode exists, so MPP always reads as M (3). */
#define MSTATUS_MIE (1u << 3)
#define MSTATUS_MPIE (1u << 7)
#define MSTATUS_MPP_M (3u << 11)

/* mie/mip bits that exist (software, timer, external; M-mode only). */
#define MIP_MSIP (1u << 3)
#define MIP_MTIP (1u << 7)
#define MIP_MEIP (1u << 11)
#define MIE_WRITABLE (MIP_MSIP | MIP_MTIP | MIP_MEIP)

struct Cpu {
    uint32_t x[32];
    uint32_t pc;

    MemorySystem *ms;
    CpuConfig config;
    unsigned extensions;        /* CpuExtension bits */
    uint32_t misa;
    uint32_t jump_misalign;     /* target bits that trap: 2 without C */
    CpuDecoder decoder;

    /* Machine-mode CSRs (counters are derived, see cpu_csr.c). */
    uint32_t mstatus;           /* MIE and MPIE; MPP is implied */
    uint32_t mtvec, mie, mip, mscratch, mepc, mcause, mtval;
    uint64_t cycle_offset;      /* mcycle = retired + cycle_offset */
    uint64_t instret_offset;    /* minstret = retired + instret_offset */

    /* LR/SC reservation; one hart, so only traps and sc clear it. */
    bool reserved;
    uint32_t reservation;

    /* The exception the current instruction raised (cpu_raise). */
    uint32_t exc_cause, exc_tval;

    /* The last trap taken, to diagnose a handler that faults before it
     * retires anything: trap_retired is `retired` when it was taken
     * (UINT64_MAX: none since reset or a debugger moved the pc). */
    uint64_t trap_retired;
    uint32_t trap_cause, trap_epc, trap_tval;

    uint64_t retired;           /* instructions retired since cpu_new */
    atomic_bool stop_requested;

    /* Ranges of the flat view recently used, both emptied by every
     * commit: the one instructions come from (fetch_valid false: none)
     * and a few for loads and stores. */
    bool fetch_valid;
    MemRange fetch;
    MemCache data;
};

/* Records an exception for the run loop to take; returns false so that
 * `return cpu_raise(...)` reads as "this instruction did not retire". */
static inline bool cpu_raise(Cpu *cpu, uint32_t cause, uint32_t tval)
{
    cpu->exc_cause = cause;
    cpu->exc_tval = tval;
    return false;
}

/* cpu.c */
/* Parses an ISA string ("rv32imac", "rv32i_zicsr_zifencei", ...) into
 * CpuExtension bits. Errors name every unsupported part. */
bool cpu_parse_isa(const char *isa, unsigned *extensions, Error **errp);

/* cpu_csr.c */
void cpu_csr_reset(Cpu *cpu);
/* Executes a csrrw/csrrs/csrrc(i) (insn->op says which). */
bool cpu_exec_csr(Cpu *cpu, const CpuInsn *insn);
/* Side-effect-free access for debuggers and tests: no privilege or
 * read-only checks, writes still keep the WARL rules. False: no such CSR. */
bool cpu_csr_get(const Cpu *cpu, unsigned csr, uint32_t *value);
bool cpu_csr_set(Cpu *cpu, unsigned csr, uint32_t value);
/* Executes mret. */
void cpu_exec_mret(Cpu *cpu);
/* Takes the exception cpu_raise recorded: into the handler at mtvec, or,
 * when there is no usable handler, false with an error describing it. */
bool cpu_take_trap(Cpu *cpu, Error **errp);

#endif
