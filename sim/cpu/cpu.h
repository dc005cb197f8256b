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

#include "soc/clock.h"
#include "soc/error.h"
#include "soc/irq.h"
#include "soc/memory.h"

typedef struct Cpu Cpu;

typedef struct CpuConfig {
    const char *isa;       /* e.g. "rv32imac"; NULL means rv32imac */
    uint32_t reset_pc;
    uint64_t frequency_hz; /* one retired instruction = one cycle */
    /* Virtual time: the CPU advances it as instructions retire and runs
     * its events between blocks. NULL: the CPU keeps time to itself. */
    Clock *clock;
    /* Misaligned loads and stores: false traps (cause 4/6), true performs
     * them byte by byte as some cores do in hardware. AMOs always trap. */
    bool emulate_misaligned;
    /* Identification CSRs (0: not implemented, as the spec allows). */
    uint32_t mvendorid, marchid, mimpid;
    /* PMP entries implemented (the lowest ones), 0 to CPU_PMP_MAX;
     * the others read 0 and ignore writes. */
    unsigned pmp_entries;
    /* Sdtrig triggers (mcontrol6: execute, load, store address match)
     * available to the firmware, 0 to CPU_TRIGGERS_MAX. */
    unsigned triggers;
    /* Translate hot blocks to host code (sim/cpu/jit*.c; x86-64 hosts
     * only, cpu_new refuses it elsewhere). Runs are identical either way,
     * instruction for instruction: the interpreter stays the reference,
     * and runs everything the translator leaves to it (see jit.h). */
    bool jit;
    /* Runs of a block before it is translated; 0: the default (128).
     * 1 translates everything on its first run (what the test suites use
     * to put short programs through the translator). */
    unsigned jit_threshold;
} CpuConfig;

#define CPU_PMP_MAX 16
#define CPU_TRIGGERS_MAX 8

/* Interrupt inputs, by their mip bit. */
enum {
    CPU_IRQ_MSI = 3,
    CPU_IRQ_MTI = 7,
    CPU_IRQ_MEI = 11,
};

typedef enum CpuStopReason {
    CPU_STOP_INSN_LIMIT, /* max_insns retired */
    CPU_STOP_REQUESTED,  /* cpu_request_stop() (e.g. the test device) */
    CPU_STOP_FAULT,      /* an error the guest cannot handle; see errp */
    CPU_STOP_BREAKPOINT, /* pc reached a debugger breakpoint (not executed) */
    CPU_STOP_WATCHPOINT, /* an access hit a watchpoint (not executed);
                            cpu_watch_hit says which */
} CpuStopReason;

/* Validates the ISA string (errors name what is unsupported). */
Cpu *cpu_new(MemorySystem *ms, const CpuConfig *config, Error **errp);
void cpu_free(Cpu *cpu);

void cpu_reset(Cpu *cpu);
/* Where cpu_reset starts (e.g. the ELF entry, once it is known); also
 * moves the pc there now. */
void cpu_set_reset_pc(Cpu *cpu, uint32_t pc);

/* Runs until max_insns more instructions retire, a stop is requested, or a
 * fault. On CPU_STOP_FAULT *errp says what happened and where (pc). */
CpuStopReason cpu_run(Cpu *cpu, uint64_t max_insns, Error **errp);

/* One debugger step: runs exactly one instruction, or, when it traps (or
 * an interrupt is taken first), stops on the handler's first instruction.
 * Returns CPU_STOP_INSN_LIMIT after a step, or another stop reason. */
CpuStopReason cpu_step(Cpu *cpu, Error **errp);

/* Makes cpu_run return CPU_STOP_REQUESTED after the current instruction.
 * Safe to call from an MMIO callback. */
void cpu_request_stop(Cpu *cpu);
/* Resets the hart (cpu_reset) once the current instruction completes, and
 * runs on from the reset pc. Safe from an MMIO callback or a clock event
 * (a watchdog). */
void cpu_request_reset(Cpu *cpu);

uint32_t cpu_get_pc(const Cpu *cpu);
void cpu_set_pc(Cpu *cpu, uint32_t pc);
uint32_t cpu_get_reg(const Cpu *cpu, unsigned index); /* x0..x31 */
void cpu_set_reg(Cpu *cpu, unsigned index, uint32_t value);
uint64_t cpu_instructions_retired(const Cpu *cpu);
/* Cycles of virtual time so far: retired instructions plus wfi sleep. */
uint64_t cpu_cycles(const Cpu *cpu);
/* True while the hart sleeps in wfi and could not make progress: no
 * enabled interrupt is pending (mip & mie is 0; mstatus.MIE does not
 * matter, wfi wakes without it) and no reset is requested. Only an
 * interrupt line rising (a device, a clock event) or a debugger can
 * change that. */
bool cpu_waiting_for_interrupt(const Cpu *cpu);

/* A line driving one interrupt input (CPU_IRQ_*); valid while the CPU
 * lives. */
IrqLine cpu_irq_input(Cpu *cpu, unsigned irq);
/* The same by the name a board's `irq:` gives it (`cpu.mti`): "msi",
 * "mti" or "mei"; false for any other name. */
bool cpu_irq_input_named(Cpu *cpu, const char *name, IrqLine *out);

/* Where the `time`/`timeh` CSRs read from (the CLINT's mtime, through the
 * machine's handle: machine_read_time). Without a source, or while it
 * returns false (the timer device was removed), they raise
 * illegal-instruction, as on a hart with no timer. */
typedef bool (*CpuTimeSource)(void *opaque, uint64_t *now);
void cpu_set_time_source(Cpu *cpu, CpuTimeSource read_time, void *opaque);

/* Host services (newlib system calls, semihosting). The handler runs when
 * the guest executes an ecall, or an ebreak inside the semihosting
 * sequence `slli x0,x0,0x1f; ebreak; srai x0,x0,7`, before the CPU would
 * trap. It reads and writes registers (cpu_get_reg/cpu_set_reg) and guest
 * memory (memory_debug_*), and returns true when it served the call: the
 * instruction then retires and the run goes on after it. False: the CPU
 * traps as the hardware would. cpu_get_pc is the calling instruction. */
typedef enum CpuHostCall {
    CPU_HOST_ECALL,
    CPU_HOST_SEMIHOSTING,
} CpuHostCall;
typedef bool (*CpuHostHandler)(void *opaque, Cpu *cpu, CpuHostCall call);
void cpu_set_host_handler(Cpu *cpu, CpuHostHandler handler, void *opaque);

/* Tracing. With a tracer set the CPU runs one instruction per block (much
 * slower) and reports each instruction before it executes, and every trap
 * (exception or interrupt) as it is taken. NULL turns tracing off. The
 * tracer struct must outlive its use. */
typedef struct CpuTracer {
    void (*insn)(void *opaque, const Cpu *cpu, uint32_t pc, uint32_t bits);
    void (*trap)(void *opaque, const Cpu *cpu, uint32_t mcause, uint32_t epc,
                 uint32_t tval);
} CpuTracer;
void cpu_set_tracer(Cpu *cpu, const CpuTracer *tracer, void *opaque);

/* Debugger breakpoints and watchpoints (host-side: guest memory is never
 * changed, so they work in ROM and flash). cpu_run stops BEFORE executing
 * an instruction at a breakpoint, and BEFORE an access that touches a
 * watched range (pc at the accessing instruction); the next cpu_run
 * executes that instruction without stopping on it again. Breakpoints
 * are counted, so two users (gdb and a scenario) may set one at the same
 * pc: it stays until each has removed it; removing a missing one is
 * harmless. */
typedef enum CpuWatchKind {
    CPU_WATCH_WRITE = 1,
    CPU_WATCH_READ = 2,
    CPU_WATCH_ACCESS = 3,
} CpuWatchKind;
void cpu_breakpoint_add(Cpu *cpu, uint32_t pc);
void cpu_breakpoint_remove(Cpu *cpu, uint32_t pc);
/* True while some breakpoint is set at pc. */
bool cpu_breakpoint_at(const Cpu *cpu, uint32_t pc);
bool cpu_watchpoint_add(Cpu *cpu, uint32_t addr, uint32_t len, CpuWatchKind kind);
void cpu_watchpoint_remove(Cpu *cpu, uint32_t addr, uint32_t len, CpuWatchKind kind);
/* After CPU_STOP_WATCHPOINT: the watched address hit and the access kind. */
void cpu_watch_hit(const Cpu *cpu, uint32_t *addr, CpuWatchKind *kind);

/* Whether this host can run translated code (CpuConfig.jit). */
bool cpu_jit_supported(void);

/* Which engine ran and what the translator holds, for --stats. */
typedef struct CpuEngineStats {
    bool jit;                    /* CpuConfig.jit was on */
    uint64_t blocks_translated;  /* since the start, flushes included */
    uint64_t jit_entries;        /* runs of translated code from the run loop */
    uint64_t code_bytes;         /* host code in the cache now */
    uint64_t code_capacity;      /* its bound; full means flushed whole */
    uint64_t code_flushes;       /* flushes of decoded and translated code */
    uint64_t code_flips;         /* W^X changes of the cache's protection */
} CpuEngineStats;
void cpu_engine_stats(const Cpu *cpu, CpuEngineStats *out);

/* Called after every block the run loop runs (and after each trap it
 * takes), with nothing chained past it: for differential tests of the
 * engines. Returning true ends cpu_run with CPU_STOP_REQUESTED. NULL
 * removes it. Observing never changes what the firmware sees. */
typedef bool (*CpuBlockObserver)(void *opaque, const Cpu *cpu);
void cpu_set_block_observer(Cpu *cpu, CpuBlockObserver observer, void *opaque);

/* Execution events, for profiles, coverage and waveforms (sim/profile.h,
 * sim/coverage.h, sim/vcd.h). Observing never changes the run: both
 * engines give the same events, instruction for instruction.
 *
 *   CPU_EXEC_BLOCK  `ninsns` (>= 1) instructions retired straight-line
 *                   from `start` (in pc order, no jump between them); the
 *                   last at `last_pc`, raw bits `last_bits`; `taken`: it
 *                   jumped, or branched taken (else it fell through, was
 *                   not a control transfer, or the block was cut short).
 *                   A block whose instruction faults reports the ones
 *                   before it, then the trap.
 *   CPU_EXEC_TRAP   a trap was taken at `epc` (`mcause`, `tval`); the pc
 *                   is now the handler.
 *   CPU_EXEC_MODE   the privilege (`priv`: 3 machine, 0 user) or the sleep
 *                   state (`sleeping`: in wfi) may have changed: at trap
 *                   entry, mret, wfi, wake-up and reset. Observers compare.
 *
 * `cycles` is the virtual time just after the event (cpu_cycles). Block
 * events make the run loop run blocks one at a time, unchained (slower);
 * trap and mode events cost nothing until one happens. Up to
 * CPU_EXEC_OBSERVERS observers at once, each with the kinds it asked for. */
typedef enum CpuExecKind {
    CPU_EXEC_BLOCK = 1u << 0,
    CPU_EXEC_TRAP = 1u << 1,
    CPU_EXEC_MODE = 1u << 2,
} CpuExecKind;

typedef struct CpuExecEvent {
    CpuExecKind kind;
    uint64_t cycles;
    uint32_t start, ninsns, last_pc, last_bits; /* CPU_EXEC_BLOCK */
    bool taken;
    uint32_t mcause, epc, tval;                 /* CPU_EXEC_TRAP */
    unsigned priv;                              /* CPU_EXEC_MODE */
    bool sleeping;
} CpuExecEvent;

#define CPU_EXEC_OBSERVERS 4
typedef void (*CpuExecObserver)(void *opaque, const Cpu *cpu, const CpuExecEvent *event);
/* False when CPU_EXEC_OBSERVERS are set already. `kinds`: CpuExecKind
 * bits. The same fn and opaque may be added once. */
bool cpu_add_exec_observer(Cpu *cpu, unsigned kinds, CpuExecObserver fn, void *opaque);
/* Removes what cpu_add_exec_observer added; a missing one is harmless. */
void cpu_remove_exec_observer(Cpu *cpu, CpuExecObserver fn, void *opaque);
/* The hart's privilege (3 machine, 0 user) and whether it sleeps in wfi. */
unsigned cpu_privilege(const Cpu *cpu);
bool cpu_sleeping(const Cpu *cpu);

/* CSR access for debuggers: no privilege checks, no side effects beyond
 * the write itself. False: the CSR does not exist on this hart. */
bool cpu_get_csr(const Cpu *cpu, unsigned csr, uint32_t *value);
bool cpu_set_csr(Cpu *cpu, unsigned csr, uint32_t value);

/* The hart's architectural state, for snapshots (sim/cpu/cpu_snapshot.c
 * documents the format): x1-x31, pc, the reset pc, privilege, every CSR's
 * stored value (mstatus, mtvec, mie, mip, mscratch, mepc, mcause, mtval,
 * mcounteren, mcountinhibit, counter offsets and frozen values, PMP,
 * Sdtrig triggers, tselect, tcontrol), the LR/SC reservation, cycles, idle
 * cycles, wfi sleep, a pending reset request, the last-trap diagnostics;
 * and what makes a hart this one (ISA, PMP entries, triggers, frequency,
 * identification CSRs, misaligned emulation). NOT saved: debugger
 * breakpoints/watchpoints, a pending stop request, tracer, observers, host
 * handler, time source, the engine. A versioned, self-checking byte string
 * (malloc'd, *len bytes; the caller frees it). */
uint8_t *cpu_state_save(const Cpu *cpu, size_t *len);
/* Loads it, or refuses (changing nothing) a truncated/corrupt string or one
 * from another hart (the message names what differs), or one holding a
 * value no hart could (a CSR its write rules would not leave so). After a
 * load the decoded and translated code and the memory caches are flushed,
 * mode observers hear of the new privilege/sleep state, and a debugger
 * stop is not "resumed" (the next run starts fresh). The Clock is NOT
 * touched (the caller restores it: clock_rewind). Between runs only,
 * never from inside one (a device callback, a clock event). */
bool cpu_state_load(Cpu *cpu, const uint8_t *data, size_t len, Error **errp);
/* Whether cpu_state_load would take it (the same checks, nothing changed):
 * for callers that check every part of a snapshot before changing any. */
bool cpu_state_check(const Cpu *cpu, const uint8_t *data, size_t len, Error **errp);

#endif
