/* Private to the files of sim/cpu/ (and the CPU's unit tests): the hart's state. */
#ifndef SIM_CPU_INTERNAL_H
#define SIM_CPU_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "sim/cpu/cpu.h"
#include "sim/cpu/cpu_decode.h"
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
    /* Not an exception: an access hit a debugger watchpoint; the run
     * stops instead of trapping. */
    CPU_CAUSE_DEBUG_WATCH = 0x1000,
};

/* CSR numbers this hart implements. */
enum {
    CSR_MSTATUS = 0x300,
    CSR_MISA = 0x301,
    CSR_MIE = 0x304,
    CSR_MTVEC = 0x305,
    CSR_MCOUNTEREN = 0x306,
    CSR_MSTATUSH = 0x310,
    CSR_MCOUNTINHIBIT = 0x320,
    CSR_MHPMEVENT3 = 0x323,
    CSR_MHPMEVENT31 = 0x33f,
    CSR_MSCRATCH = 0x340,
    CSR_MEPC = 0x341,
    CSR_MCAUSE = 0x342,
    CSR_MTVAL = 0x343,
    CSR_MIP = 0x344,
    CSR_PMPCFG0 = 0x3a0,
    CSR_PMPCFG3 = 0x3a3,
    CSR_PMPADDR0 = 0x3b0,
    CSR_PMPADDR15 = 0x3bf,
    CSR_TSELECT = 0x7a0,
    CSR_TDATA1 = 0x7a1,
    CSR_TDATA2 = 0x7a2,
    CSR_TDATA3 = 0x7a3,
    CSR_TINFO = 0x7a4,
    CSR_TCONTROL = 0x7a5,
    CSR_MCYCLE = 0xb00,
    CSR_MINSTRET = 0xb02,
    CSR_MHPMCOUNTER3 = 0xb03,
    CSR_MHPMCOUNTER31 = 0xb1f,
    CSR_MCYCLEH = 0xb80,
    CSR_MINSTRETH = 0xb82,
    CSR_MHPMCOUNTER3H = 0xb83,
    CSR_MHPMCOUNTER31H = 0xb9f,
    CSR_CYCLE = 0xc00,
    CSR_TIME = 0xc01,
    CSR_INSTRET = 0xc02,
    CSR_HPMCOUNTER3 = 0xc03,
    CSR_HPMCOUNTER31 = 0xc1f,
    CSR_CYCLEH = 0xc80,
    CSR_TIMEH = 0xc81,
    CSR_INSTRETH = 0xc82,
    CSR_HPMCOUNTER3H = 0xc83,
    CSR_HPMCOUNTER31H = 0xc9f,
    CSR_MVENDORID = 0xf11,
    CSR_MARCHID = 0xf12,
    CSR_MIMPID = 0xf13,
    CSR_MHARTID = 0xf14,
    CSR_MCONFIGPTR = 0xf15,
};

/* Privilege levels (machine and user; no supervisor mode). */
enum { CPU_PRIV_U = 0, CPU_PRIV_M = 3 };

/* mstatus fields this hart implements. */
#define MSTATUS_MIE (1u << 3)
#define MSTATUS_MPIE (1u << 7)
#define MSTATUS_MPP_SHIFT 11
#define MSTATUS_MPP (3u << MSTATUS_MPP_SHIFT)
#define MSTATUS_MPRV (1u << 17)
#define MSTATUS_TW (1u << 21)
#define MSTATUS_WRITABLE (MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP | MSTATUS_MPRV | MSTATUS_TW)

/* PMP (privileged spec 3.7): up to CPU_PMP_MAX entries (config.pmp_entries
 * are implemented), 4-byte granularity. */
enum {
    PMP_R = 1u << 0,
    PMP_W = 1u << 1,
    PMP_X = 1u << 2,
    PMP_A_SHIFT = 3,
    PMP_L = 1u << 7,
};
enum { PMP_OFF = 0, PMP_TOR = 1, PMP_NA4 = 2, PMP_NAPOT = 3 };

/* mie/mip bits that exist (software, timer, external; M-mode only). */
#define MIP_MSIP (1u << CPU_IRQ_MSI)
#define MIP_MTIP (1u << CPU_IRQ_MTI)
#define MIP_MEIP (1u << CPU_IRQ_MEI)
#define MIE_WRITABLE (MIP_MSIP | MIP_MTIP | MIP_MEIP)
#define MCAUSE_INTERRUPT 0x80000000u

/* ---- decoded blocks (cpu_exec.c) ----
 * A block is a run of instructions that ends at the first control transfer
 * or instruction with side effects on the CPU state (CSR access, mret,
 * wfi, fence.i, ecall/ebreak, an illegal encoding) or after CPU_BLOCK_MAX
 * instructions. Its instructions point straight at their handlers in the
 * threaded interpreter; a sentinel after the last one ends the block. */
#define CPU_BLOCK_MAX 64
#define CPU_BLOCK_TABLE 8192          /* direct-mapped by pc, a power of 2 */
#define CPU_BLOCK_POOL 8192           /* blocks before a full flush */
#define CPU_BLOCK_INSN_POOL (CPU_BLOCK_POOL * 24)
#define CPU_BLOCK_DEAD 1u             /* start of an invalidated block (odd: no pc) */
#define CPU_REG_SINK 32               /* writes to x0 land here */
#define CPU_CODE_BUCKETS 1024         /* the code index, a power of 2 */

/* A link in the code index: a Block pointer with, in its low bit, which
 * of that block's (at most two) 256-byte chunks the entry stands for. */
typedef uintptr_t BlockLink;

typedef struct BlockInsn {
    const void *handler;
    uint32_t imm;
    uint32_t pc;
    uint32_t bits;      /* the raw instruction (illegal mtval, CSR re-decode) */
    uint8_t rd, rs1, rs2;
    uint8_t length;
    uint8_t idx;        /* instructions before this one in its block */
    uint8_t op;         /* CpuInsnId executed, or CPU_OP_* below */
    uint8_t device_hint; /* translated code: the jit_mmio entry this load
                            or store reached last (a guess, checked) */
} BlockInsn;

enum {
    CPU_OP_ILLEGAL = CPU_INSN_COUNT, /* raises illegal-instruction */
    CPU_OP_END,                      /* the sentinel: falls through to `end` */
    CPU_OP_COUNT,
};

typedef struct Block {
    uint32_t start;     /* CPU_BLOCK_DEAD once invalidated */
    uint32_t ninsns;
    /* The host bytes the block was decoded from (one RAM/ROM range), by
     * which writes find it whatever address they came through (only the
     * pool's blocks are looked up; NULL when not cacheable). */
    const uint8_t *host_start, *host_end;
    BlockInsn *insns;   /* ninsns + the sentinel */
    struct Block *next[2]; /* chained successors by exit (fall-through, taken) */
    /* Translated code (jit.h): the entry the run loop calls and the one
     * other translations jump to (it checks first that the block is live
     * and fits before the horizon); NULL until the block is hot and
     * translated. Runs before that are counted. */
    const uint8_t *jit_entry, *jit_chained;
    const uint8_t *jit_bail;  /* back to the run loop: a dead block's
                                 chained entry is patched to jump here */
    uint32_t jit_runs;
    bool jit_refused;   /* nothing in it the translator takes */
    BlockLink code_next[2]; /* the code index's lists, one per chunk */
} Block;

/* How a block run ended. */
typedef enum BlockExit {
    BLOCK_EXIT_NEXT = 0,   /* fell through or branch not taken */
    BLOCK_EXIT_TAKEN = 1,  /* jumped or branch taken */
    BLOCK_EXIT_CHECK,      /* retired, but the run loop must look around
                              (MMIO, CSR, wfi, mret, code written) */
    BLOCK_EXIT_EXCEPTION,  /* cpu->exc_* say what; pc is the faulting insn */
} BlockExit;

/* A RAM/ROM range in the form translated code checks inline: an access
 * of up to 4 bytes at addr hits when addr - start < span (span 0: never).
 * code and code_offset find its decoded-code bits (memory.h). */
typedef struct JitWindow {
    uint32_t start;
    uint32_t span;
    uint8_t *host;
    const uint64_t *code;
    uint64_t code_offset;
} JitWindow;

typedef struct BlockCache {
    Block *table[CPU_BLOCK_TABLE];
    Block *pool;
    size_t nblocks;
    BlockInsn *insns;
    size_t ninsns;
    uint64_t generation; /* bumped by every flush */
    uint64_t kills;      /* blocks dropped because their code was written */
    /* Pool blocks by the chunks of backing memory they came from (hashed
     * lists): a write into code finds its blocks without a walk of the
     * pool. Dead blocks leave the lists as the lists are walked. */
    BlockLink code_index[CPU_CODE_BUCKETS];
    const void *const *handlers;
    Block scratch;       /* uncached blocks: MMIO code, the last steps */
    BlockInsn scratch_insns[CPU_BLOCK_MAX + 1];
} BlockCache;

struct Cpu {
    uint32_t x[33];             /* x0..x31, then the sink for x0 writes */
    uint32_t pc;

    MemorySystem *ms;
    CpuConfig config;
    unsigned extensions;        /* CpuExtension bits */
    uint32_t misa;
    uint32_t jump_misalign;     /* target bits that trap: 2 without C */
    CpuDecoder decoder;

    unsigned priv;              /* CPU_PRIV_M or CPU_PRIV_U */

    /* Machine-mode CSRs (counters are derived, see cpu_csr.c). */
    uint32_t mstatus;           /* the MSTATUS_WRITABLE fields */
    uint32_t mtvec, mie, mip, mscratch, mepc, mcause, mtval;
    uint32_t mcounteren, mcountinhibit;
    uint64_t cycle_offset;      /* mcycle = cycles + cycle_offset */
    uint64_t instret_offset;    /* minstret = retired + instret_offset */
    unsigned csr_insn_retiring; /* 1 while a CSR instruction writes (its own
                                   retirement counts), 0 for a debugger */
    uint64_t frozen_cycle, frozen_instret; /* values while inhibited */
    uint8_t pmpcfg[CPU_PMP_MAX];
    uint32_t pmpaddr[CPU_PMP_MAX];
    /* Accesses need PMP checks: U-mode, MPRV, or a locked entry. While
     * set, the interpreter's fast paths are off (data) or checked per
     * block (fetch). */
    bool pmp_active;
    bool pmp_locked;            /* a locked entry binds M-mode too */
    CpuTimeSource read_time;
    void *time_opaque;
    CpuHostHandler host_handler;
    void *host_opaque;
    const CpuTracer *tracer;
    void *tracer_opaque;

    /* Debugger breakpoints (pcs) and watchpoints; debug_active while any
     * exist. The instruction a run starts on never stops it again. */
    uint32_t *breakpoints;
    size_t nbreakpoints;
    struct CpuWatch {
        uint32_t addr, len;
        CpuWatchKind kind;
    } *watchpoints;
    size_t nwatchpoints;
    bool debug_active;
    /* pmp_active, a tracer or debug_active: each block goes back through
     * the run loop (fetch checks, tracing, breakpoints) instead of chaining
     * into the next. Kept by cpu_update_chaining. */
    bool no_chaining;
    /* The instruction a breakpoint or watchpoint stop reported: the next
     * run executes it once without stopping on it again. */
    bool resume_armed;
    bool stepping;              /* cpu_step: a trap taken ends the step */
    CpuStopReason resume_why;   /* the stop resume_armed stands for */
    uint32_t resume_pc;
    uint64_t resume_retired;
    uint32_t watch_hit_addr;
    CpuWatchKind watch_hit_kind;

    /* Sdtrig triggers (cpu_trigger.c): config.triggers of them exist;
     * triggers_exec/_data say whether any armed one watches execution or
     * data accesses, which makes the interpreter check for them. */
    struct CpuTrigger {
        uint32_t tdata1, tdata2;
    } triggers[CPU_TRIGGERS_MAX];
    unsigned tselect;
    uint32_t tcontrol;
    bool triggers_exec, triggers_data;

    /* LR/SC reservation; one hart, so only traps and sc clear it. */
    bool reserved;
    uint32_t reservation;

    /* The exception the current instruction raised (cpu_raise). */
    uint32_t exc_cause, exc_tval;

    /* The last trap taken, to diagnose a handler that faults before it
     * retires anything: trap_retired is the retired count when it was
     * taken (UINT64_MAX: none since reset or a debugger moved the pc). */
    uint64_t trap_retired;
    uint32_t trap_cause, trap_epc, trap_tval;

    /* Time. Every retired instruction is one cycle; wfi skips idle cycles
     * to the next event, so retired = cycles - idle_cycles. */
    uint64_t cycles;
    uint64_t idle_cycles;
    bool waiting;               /* in wfi */
    /* The run loop looks around (events, interrupts, stop, limit) once
     * cycles reach check_at, and no block runs past it (the horizon: the
     * next event's deadline or the instruction limit); anything that needs
     * a look sooner sets it to 0. */
    uint64_t check_at;
    uint64_t insn_limit;        /* retired count at which cpu_run stops */
    atomic_bool stop_requested;
    bool reset_requested;

    /* Ranges of the flat view recently used, both emptied by every
     * commit: the one instructions come from (fetch_valid false: none)
     * and a few for loads and stores. */
    bool fetch_valid;
    MemRange fetch;
    MemCache data;      /* the interpreter's fast path reads it directly */
    MemCache pmp_data;  /* used instead while PMP checks are on */

    BlockCache blocks;
    Block *last_block;          /* where cpu_exec_block's run ended */

    /* The translator (jit.h); NULL with CpuConfig.jit off. jit_blocked:
     * translated code may not run now (PMP checks, tracing, a debugger,
     * triggers), kept by cpu_update_chaining like no_chaining, which it
     * implies. interp_chains: the interpreter may go from block to block
     * by itself (not while translated code could take over). */
    struct Jit *jit;
    bool jit_blocked;
    bool interp_chains;
    /* The RAM/ROM ranges translated loads and stores try inline: copies
     * of data-cache ranges, emptied by every commit (cpu_map_changed). */
    JitWindow jit_load, jit_store;
    /* The device ranges recent translated device accesses went to (valid:
     * mr set; emptied by every commit): the next one there goes straight
     * to its callback. */
    MemRange jit_mmio[4];
    unsigned jit_mmio_next;     /* the one to replace */
    /* Where the last translated exit can be patched to jump straight to
     * the next block (NULL: an exit that cannot). */
    uint8_t *jit_exit_site;

    CpuBlockObserver observer;  /* cpu_set_block_observer */
    void *observer_opaque;

    struct CpuExecSlot {
        CpuExecObserver fn;
        void *opaque;
        unsigned kinds;
    } exec_observers[CPU_EXEC_OBSERVERS]; /* cpu_add_exec_observer */
    unsigned nexec_observers;
    unsigned exec_kinds;        /* the union of their kinds */
    unsigned reported_priv;     /* what CPU_EXEC_MODE observers last heard */
    bool reported_waiting;
};

static inline uint64_t cpu_retired(const Cpu *cpu)
{
    return cpu->cycles - cpu->idle_cycles;
}

/* Records an exception for the run loop to take; returns false so that
 * `return cpu_raise(...)` reads as "this instruction did not retire". */
static inline bool cpu_raise(Cpu *cpu, uint32_t cause, uint32_t tval)
{
    cpu->exc_cause = cause;
    cpu->exc_tval = tval;
    return false;
}

/* cpu_decode.c */
/* Parses an ISA string ("rv32imac", "rv32i_zicsr_zifencei", ...) into
 * CpuExtension bits. Errors name every unsupported part. */
bool cpu_parse_isa(const char *isa, unsigned *extensions, Error **errp);
uint32_t cpu_misa(unsigned extensions);

/* cpu.c: memory access for the interpreter */
/* Fetches the instruction at pc (4 bytes, or 2 for a compressed one);
 * false with the fault raised. */
bool cpu_fetch(Cpu *cpu, uint32_t pc, uint32_t *bits);
/* Loads and stores through the data cache, MMIO included; misaligned
 * accesses trap. False with the fault raised. *mmio tells whether a device
 * was involved (the run loop then looks around). */
bool cpu_load(Cpu *cpu, uint32_t addr, unsigned size, uint32_t *value, bool *mmio);
bool cpu_store(Cpu *cpu, uint32_t addr, unsigned size, uint32_t value, bool *mmio);
/* An access to the device behind r (looked up already), at the exact time:
 * the clock brought to cpu->cycles first; a narrow read masked. The range
 * is read before the device runs (which may commit a new map). */
MemAccess cpu_device_read(Cpu *cpu, const MemRange *r, uint32_t addr, unsigned size,
                          uint32_t *value);
MemAccess cpu_device_write(Cpu *cpu, const MemRange *r, uint32_t addr, unsigned size,
                           uint32_t value);

/* cpu_debug.c */
/* Records a debugger stop at the current instruction and returns `why`. */
CpuStopReason cpu_debug_stop(Cpu *cpu, CpuStopReason why);
/* Whether the current instruction is the one the last debugger stop
 * reported (and nothing ran since): it must not stop again. */
bool cpu_debug_resuming(const Cpu *cpu);
/* A breakpoint at pc, where memory is mapped: a breakpoint stands for an
 * instruction, and where nothing is mapped (a device or memory removed at
 * runtime) the fetch faults as it would without it; it fires again once
 * something is mapped there. */
bool cpu_breakpoint_stops(const Cpu *cpu, uint32_t pc);
/* True (and the hit recorded) when an access must stop for a watchpoint. */
bool cpu_watch_check(Cpu *cpu, uint32_t addr, unsigned size, bool write);
void cpu_debug_free(Cpu *cpu);

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

void cpu_exec_notify(Cpu *cpu, const CpuExecEvent *event);

/* Where privilege or sleep state may have changed (after a block ran, at
 * trap entry, wake-up, reset): CPU_EXEC_MODE observers hear of a change
 * since the last report. Never from inside a block, so a block's event
 * (its mret or wfi included) comes first on both engines. */
static inline void cpu_mode_changed(Cpu *cpu)
{
    if (__builtin_expect((cpu->exec_kinds & CPU_EXEC_MODE) != 0, 0) &&
        (cpu->priv != cpu->reported_priv || cpu->waiting != cpu->reported_waiting)) {
        cpu->reported_priv = cpu->priv;
        cpu->reported_waiting = cpu->waiting;
        CpuExecEvent e = {.kind = CPU_EXEC_MODE, .cycles = cpu->cycles,
                          .priv = cpu->priv, .sleeping = cpu->waiting};
        cpu_exec_notify(cpu, &e);
    }
}

static inline bool cpu_tracing_insns(const Cpu *cpu)
{
    return cpu->tracer && cpu->tracer->insn;
}

static inline size_t cpu_block_slot(uint32_t pc)
{
    return (pc >> 1) & (CPU_BLOCK_TABLE - 1);
}

/* cpu_exec.c */
/* Runs block b. With handlers_out set it only hands out the handler table
 * (its labels are local to the function). */
BlockExit cpu_exec_block(Cpu *cpu, Block *b, const void *const **handlers_out);

/* cpu_blocks.c */
/* Recomputes no_chaining after pmp_active, the tracer, debug_active or
 * the triggers changed. */
void cpu_update_chaining(Cpu *cpu);
/* The cached block at pc, decoded now (NULL: the first fetch faulted,
 * raised). Code that cannot be cached comes back as the scratch block. */
Block *cpu_block_translate(Cpu *cpu, uint32_t pc);
/* Up to max instructions from pc as the scratch block, never cached. */
Block *cpu_block_scratch(Cpu *cpu, uint32_t pc, unsigned max);
void cpu_blocks_init(Cpu *cpu);
void cpu_blocks_free(Cpu *cpu);
void cpu_blocks_flush(Cpu *cpu);
/* The memory system's code listener (memory_add_code_listener): drops
 * the blocks decoded from [host, host + len). */
void cpu_blocks_code_written(void *opaque, const uint8_t *host, size_t len);

/* cpu_pmp.c */
/* Whether an access of `size` bytes at addr is allowed (access is PMP_R,
 * PMP_W or PMP_X) at privilege `priv`. */
bool cpu_pmp_allows(const Cpu *cpu, uint32_t addr, unsigned size,
                    unsigned access, unsigned priv);
/* The privilege loads and stores run at (MPRV makes M-mode use MPP). */
unsigned cpu_data_priv(const Cpu *cpu);
/* Clears every entry (reset). */
void cpu_pmp_reset(Cpu *cpu);
/* Recomputes pmp_active after a change of privilege, mstatus or PMP. */
void cpu_pmp_update(Cpu *cpu);
bool cpu_pmp_csr_get(const Cpu *cpu, unsigned csr, uint32_t *value);
bool cpu_pmp_csr_set(Cpu *cpu, unsigned csr, uint32_t value);

/* cpu_trigger.c */
typedef struct CpuTrigger CpuTrigger;
void cpu_trigger_reset(Cpu *cpu);
bool cpu_trigger_csr_get(const Cpu *cpu, unsigned csr, uint32_t *value);
bool cpu_trigger_csr_set(Cpu *cpu, unsigned csr, uint32_t value);
/* Trap entry and mret keep tcontrol.mte/mpte. */
void cpu_trigger_trap_entered(Cpu *cpu);
void cpu_trigger_mret(Cpu *cpu);
/* True, with a breakpoint exception raised, when an armed trigger fires
 * on executing the instruction at pc / on the access. */
bool cpu_trigger_exec(Cpu *cpu, uint32_t pc);
bool cpu_trigger_data(Cpu *cpu, uint32_t addr, unsigned size, bool write);

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
/* The interrupt to take now (mcause without the interrupt bit), or -1. */
int cpu_pending_interrupt(const Cpu *cpu);
void cpu_take_interrupt(Cpu *cpu, unsigned cause);

#endif
