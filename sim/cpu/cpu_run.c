/* The run loop: finds the next block, cuts it at the horizon, runs it,
 * and between blocks "looks around" once cycles reach check_at: due
 * events run, a pending interrupt is taken, wfi sleeps until the next
 * event, a stop or the instruction limit ends the run. Anything that
 * changes those (an interrupt line, a device access, a CSR write) sets
 * check_at to 0 or ends its block.
 *
 * Exactness: check_at (the next event's deadline or the instruction
 * limit) is a horizon no block runs past. A block that would cross it is
 * run cut short, and a block is chained only when it ends at or before
 * it, so every event runs, and every interrupt it raises is taken, at
 * exactly the instruction boundary where it falls due, whatever the
 * blocks look like. Tracing instructions (one per block), breakpoints
 * (blocks end before them), execute triggers and single steps only change
 * block shapes, so they never change what the firmware sees.
 */
#include "sim/cpu/cpu_internal.h"
#include "sim/cpu/jit.h"

#include <string.h>

/* A translated exit that may be patched to jump straight to the next
 * translation: valid while no flush happened since (generation) and only
 * into the block at the pc it left for. */
typedef struct JitLink {
    uint8_t *site;
    uint32_t target;
    uint64_t generation;
} JitLink;

/* The block to run at pc: the chained successor of the previous block, the
 * cached one, or a new translation. NULL: the fetch faulted (raised). */
static Block *next_block(Cpu *cpu, Block *prev, unsigned exit)
{
    uint32_t pc = cpu->pc;
    BlockCache *bc = &cpu->blocks;
    if (unlikely(cpu_tracing_insns(cpu))) {
        Block *b = cpu_block_scratch(cpu, pc, 1);
        if (b)
            cpu->tracer->insn(cpu->tracer_opaque, cpu, pc, b->insns[0].bits);
        return b;
    }
    if (unlikely(cpu->triggers_exec)) /* each instruction is checked */
        return cpu_block_scratch(cpu, pc, 1);
    if (prev) {
        Block *chained = prev->next[exit];
        if (chained && chained->start == pc)
            return chained;
    }
    Block *b = bc->table[cpu_block_slot(pc)];
    if (!b || b->start != pc) {
        uint64_t generation = bc->generation;
        b = cpu_block_translate(cpu, pc);
        if (generation != bc->generation)
            prev = NULL; /* a flush made room: prev is gone */
    }
    if (b && prev && b != &bc->scratch)
        prev->next[exit] = b;
    return b;
}

/* The first n (< b->ninsns) instructions of b, as the scratch block: it
 * is never cached or chained from, so b stays whole for later runs. */
static Block *cut_block(Cpu *cpu, Block *b, unsigned n)
{
    BlockCache *bc = &cpu->blocks;
    uint32_t pc = b->insns[n].pc; /* the first one left out */
    if (b != &bc->scratch) {
        memcpy(bc->scratch_insns, b->insns, n * sizeof *b->insns);
        bc->scratch = *b;
        bc->scratch.insns = bc->scratch_insns;
    }
    BlockInsn *end = &bc->scratch_insns[n];
    memset(end, 0, sizeof *end);
    end->op = CPU_OP_END;
    end->pc = pc;
    end->idx = (uint8_t)n;
    end->handler = bc->handlers[CPU_OP_END];
    bc->scratch.ninsns = n;
    bc->scratch.next[0] = bc->scratch.next[1] = NULL;
    return &bc->scratch;
}

/* Cuts b so that it ends at the horizon (check_at): the next event or the
 * instruction limit. At least one instruction runs: an event scheduled for
 * a time already reached waits for the next boundary, as it would with
 * one instruction per block. */
static Block *clip_to_horizon(Cpu *cpu, Block *b)
{
    uint64_t room = cpu->check_at > cpu->cycles ? cpu->check_at - cpu->cycles : 1;
    return b->ninsns > room ? cut_block(cpu, b, (unsigned)room) : b;
}

/* With PMP checks on, every instruction of the block must be executable
 * at the current privilege: the block runs up to the first that is not,
 * which then faults when it starts a block. NULL: the first one faults
 * (raised). */
static Block *pmp_fetch_check(Cpu *cpu, Block *b)
{
    for (unsigned i = 0; i < b->ninsns; i++) {
        const BlockInsn *in = &b->insns[i];
        bool low = cpu_pmp_allows(cpu, in->pc, 2, PMP_X, cpu->priv);
        bool high = in->length == 2 ||
                    cpu_pmp_allows(cpu, in->pc + 2, 2, PMP_X, cpu->priv);
        if (low && high)
            continue;
        if (i == 0) {
            cpu_raise(cpu, CPU_CAUSE_FETCH_ACCESS, low ? in->pc + 2 : in->pc);
            return NULL;
        }
        return cut_block(cpu, b, i);
    }
    return b;
}

/* Wakes from wfi or sleeps to the next event. False: nothing will ever
 * wake the hart. */
static bool cpu_wait(Cpu *cpu, Error **errp)
{
    if (cpu->mip & cpu->mie) {
        cpu->waiting = false; /* wakes even with interrupts disabled */
        cpu_mode_changed(cpu);
        return true;
    }
    Clock *clock = cpu->config.clock;
    uint64_t deadline = clock ? clock_next_deadline(clock) : CLOCK_NEVER;
    if (!clock || clock_next_wakeup(clock) == CLOCK_NEVER) {
        error_setf(errp, "wfi at pc 0x%08x with no interrupt pending and no "
                   "event scheduled (mie 0x%x): the hart would sleep forever",
                   cpu->pc - 4, cpu->mie);
        return false;
    }
    if (deadline > cpu->cycles) {
        cpu->idle_cycles += deadline - cpu->cycles;
        cpu->cycles = deadline;
    }
    return true;
}

/* Between blocks: events, interrupts, wfi, stop and limit. True: the run
 * ends with *why. */
static bool cpu_look_around(Cpu *cpu, CpuStopReason *why, Error **errp)
{
    Clock *clock = cpu->config.clock;
    for (;;) {
        if (atomic_exchange_explicit(&cpu->stop_requested, false,
                                     memory_order_relaxed)) {
            *why = CPU_STOP_REQUESTED;
            return true;
        }
        if (cpu_retired(cpu) >= cpu->insn_limit) {
            *why = CPU_STOP_INSN_LIMIT;
            return true;
        }
        if (clock)
            clock_advance(clock, cpu->cycles);
        /* An event that asked for a stop (a slice's end, a scenario's
         * trigger) ends the run here, at its exact boundary. */
        if (atomic_load_explicit(&cpu->stop_requested, memory_order_relaxed) &&
            atomic_exchange_explicit(&cpu->stop_requested, false,
                                     memory_order_relaxed)) {
            *why = CPU_STOP_REQUESTED;
            return true;
        }
        if (cpu->reset_requested)
            cpu_reset(cpu);
        int irq = cpu_pending_interrupt(cpu);
        if (irq >= 0) {
            cpu->waiting = false;
            cpu_mode_changed(cpu); /* woken: said before the trap is */
            cpu_take_interrupt(cpu, (unsigned)irq);
            if (cpu->stepping) {
                *why = CPU_STOP_INSN_LIMIT; /* the step went into the handler */
                return true;
            }
        }
        if (!cpu->waiting)
            break;
        if (!cpu_wait(cpu, errp)) {
            *why = CPU_STOP_FAULT;
            return true;
        }
    }
    uint64_t left = cpu->insn_limit - cpu_retired(cpu);
    uint64_t limit_cycle = left > UINT64_MAX - cpu->cycles ? UINT64_MAX
                                                           : cpu->cycles + left;
    uint64_t deadline = clock ? clock_next_deadline(clock) : CLOCK_NEVER;
    cpu->check_at = deadline < limit_cycle ? deadline : limit_cycle;
    return false;
}

/* Runs b: its translation when it has one (or has become hot), else the
 * interpreter. The translated exit that led here is chained to it. */
static BlockExit exec_block(Cpu *cpu, Block *b, JitLink *link)
{
    const uint8_t *entry = NULL;
    if (cpu->jit && !cpu->jit_blocked && b != &cpu->blocks.scratch)
        entry = jit_entry(cpu, b);
    if (entry && link->site && link->target == b->start &&
        link->generation == cpu->blocks.generation && !cpu->no_chaining)
        jit_chain(cpu, link->site, b);
    if (!entry || !jit_ready(cpu)) {
        link->site = NULL;
        return cpu_exec_block(cpu, b, NULL);
    }
    BlockExit how = jit_run(cpu, entry);
    *link = (JitLink){cpu->jit_exit_site, cpu->pc, cpu->blocks.generation};
    return how;
}

/* CPU_EXEC_BLOCK observers: unchained, b is the one block that ran, and
 * its first n instructions retired (its instructions stay readable until
 * the next translation, even when it was invalidated meanwhile). */
static void report_block(Cpu *cpu, const Block *b, uint64_t n, BlockExit how)
{
    if (n == 0)
        return;
    if (n > b->ninsns)
        n = b->ninsns; /* cannot happen unchained; never read past it */
    const BlockInsn *last = &b->insns[n - 1];
    CpuExecEvent e = {
        .kind = CPU_EXEC_BLOCK, .cycles = cpu->cycles, .start = b->insns[0].pc,
        .ninsns = (uint32_t)n, .last_pc = last->pc, .last_bits = last->bits,
        .taken = how == BLOCK_EXIT_TAKEN,
    };
    cpu_exec_notify(cpu, &e);
}

/* The differential tests' view after each block or trap: true stops. */
static bool observed_stop(Cpu *cpu)
{
    return unlikely(cpu->observer != NULL) && cpu->observer(cpu->observer_opaque, cpu);
}

static CpuStopReason run_blocks(Cpu *cpu, uint64_t max_insns, Error **errp)
{
    uint64_t retired = cpu_retired(cpu);
    cpu->insn_limit = max_insns > UINT64_MAX - retired ? UINT64_MAX
                                                        : retired + max_insns;
    cpu->check_at = 0;

    /* Jumps keep pc aligned; only a debugger or the reset pc can break
     * that, and then the fetch traps as the hardware would. */
    if (cpu->pc & (cpu->jump_misalign | 1)) {
        cpu_raise(cpu, CPU_CAUSE_FETCH_MISALIGNED, cpu->pc);
        if (!cpu_take_trap(cpu, errp))
            return CPU_STOP_FAULT;
    }
    Block *prev = NULL;
    unsigned exit = 0;
    JitLink link = {0};
    for (;;) {
        if (cpu->cycles >= cpu->check_at) {
            CpuStopReason why;
            if (cpu_look_around(cpu, &why, errp))
                return why;
            prev = NULL;
        }
        if (unlikely(cpu->debug_active) && cpu_breakpoint_stops(cpu, cpu->pc) &&
            !cpu_debug_resuming(cpu))
            return cpu_debug_stop(cpu, CPU_STOP_BREAKPOINT);
        Block *b = unlikely(cpu->triggers_exec) && cpu_trigger_exec(cpu, cpu->pc)
                       ? NULL /* the breakpoint exception is raised */
                       : next_block(cpu, prev, exit);
        if (unlikely(cpu->pmp_active) && b)
            b = pmp_fetch_check(cpu, b);
        if (b)
            b = clip_to_horizon(cpu, b);
        prev = NULL;
        if (!b) {
            if (!cpu_take_trap(cpu, errp))
                return CPU_STOP_FAULT;
            if (cpu->stepping)
                return CPU_STOP_INSN_LIMIT;
            if (observed_stop(cpu))
                return CPU_STOP_REQUESTED;
            continue;
        }
        uint64_t generation = cpu->blocks.generation;
        uint64_t retired_before = cpu_retired(cpu);
        BlockExit how = exec_block(cpu, b, &link);
        if (unlikely(cpu->exec_kinds)) {
            if (cpu->exec_kinds & CPU_EXEC_BLOCK)
                report_block(cpu, b, cpu_retired(cpu) - retired_before, how);
            cpu_mode_changed(cpu); /* its mret or wfi */
        }
        switch (how) {
        case BLOCK_EXIT_NEXT:
        case BLOCK_EXIT_TAKEN:
            /* Chain from the block that ended the run, which may be a
             * successor the executor went on to by itself. */
            b = cpu->last_block;
            if (generation == cpu->blocks.generation && b != &cpu->blocks.scratch) {
                prev = b;
                exit = how;
            }
            break;
        case BLOCK_EXIT_CHECK:
            cpu->check_at = 0;
            break;
        case BLOCK_EXIT_EXCEPTION:
            if (cpu->exc_cause == CPU_CAUSE_DEBUG_WATCH)
                return cpu_debug_stop(cpu, CPU_STOP_WATCHPOINT);
            if (!cpu_take_trap(cpu, errp))
                return CPU_STOP_FAULT;
            if (cpu->stepping)
                return CPU_STOP_INSN_LIMIT;
            break;
        }
        if (observed_stop(cpu))
            return CPU_STOP_REQUESTED;
    }
}

/* The clock reads the hart's time when the run ends, whichever engine ran
 * and wherever its last block ended (devices only brought it to their own
 * accesses): what the host does next (a slice's pacer, input from a
 * console) is scheduled from the same cycle either way. */
CpuStopReason cpu_run(Cpu *cpu, uint64_t max_insns, Error **errp)
{
    CpuStopReason why = run_blocks(cpu, max_insns, errp);
    if (cpu->config.clock)
        clock_set_now(cpu->config.clock, cpu->cycles);
    return why;
}

CpuStopReason cpu_step(Cpu *cpu, Error **errp)
{
    cpu->stepping = true;
    CpuStopReason why = cpu_run(cpu, 1, errp);
    cpu->stepping = false;
    return why;
}
