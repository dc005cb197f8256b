/* Debugger breakpoints and watchpoints (sim/cpu.h). Host-side: guest
 * memory is never patched, so they work in ROM and flash.
 *
 * While any exist (debug_active): decoded blocks end before every
 * breakpoint, so a breakpoint is always a block's first instruction and
 * is checked when the block is entered (blocks are not chained into each
 * other then); the data fast path is off, so every access reaches the slow
 * path, which checks the watchpoints before it accesses anything. The
 * stop a breakpoint or watchpoint reported is let through once by the
 * next run, so a continue after such a stop makes progress: after a
 * breakpoint, the breakpoint (its accesses are still watched, and may
 * stop it again); after a watchpoint, the whole instruction. Any other
 * stop (a step, a slice ending) checks its next instruction fully.
 */
#include "sim/cpu/cpu_internal.h"
#include "soc/alloc.h"

#include <stdlib.h>

static void debug_changed(Cpu *cpu)
{
    cpu->debug_active = cpu->nbreakpoints || cpu->nwatchpoints;
    cpu_update_chaining(cpu);
    /* Block boundaries depend on the breakpoints; the fast path must not
     * keep ranges while watchpoints exist. */
    cpu_blocks_flush(cpu);
    mem_cache_flush(&cpu->data);
    cpu->check_at = 0;
}

CpuStopReason cpu_debug_stop(Cpu *cpu, CpuStopReason why)
{
    cpu->resume_armed = true;
    cpu->resume_why = why;
    cpu->resume_pc = cpu->pc;
    cpu->resume_retired = cpu_retired(cpu);
    return why;
}

bool cpu_debug_resuming(const Cpu *cpu)
{
    return cpu->resume_armed && cpu->pc == cpu->resume_pc &&
           cpu_retired(cpu) == cpu->resume_retired;
}

bool cpu_breakpoint_at(const Cpu *cpu, uint32_t pc)
{
    for (size_t i = 0; i < cpu->nbreakpoints; i++)
        if (cpu->breakpoints[i] == pc)
            return true;
    return false;
}

bool cpu_breakpoint_stops(const Cpu *cpu, uint32_t pc)
{
    MemRange range;
    return cpu_breakpoint_at(cpu, pc) && memory_lookup(cpu->ms, pc, &range);
}

/* Counted: the same pc may be listed more than once, once per add. */
void cpu_breakpoint_add(Cpu *cpu, uint32_t pc)
{
    uint32_t *grown = xrealloc(cpu->breakpoints,
                              (cpu->nbreakpoints + 1) * sizeof *grown);
    cpu->breakpoints = grown;
    cpu->breakpoints[cpu->nbreakpoints++] = pc;
    debug_changed(cpu);
}

void cpu_breakpoint_remove(Cpu *cpu, uint32_t pc)
{
    for (size_t i = 0; i < cpu->nbreakpoints; i++) {
        if (cpu->breakpoints[i] == pc) {
            cpu->breakpoints[i] = cpu->breakpoints[--cpu->nbreakpoints];
            debug_changed(cpu);
            return;
        }
    }
}

bool cpu_watchpoint_add(Cpu *cpu, uint32_t addr, uint32_t len, CpuWatchKind kind)
{
    if (len == 0 || (uint64_t)addr + len > (1ull << 32))
        return false;
    struct CpuWatch *grown = xrealloc(cpu->watchpoints,
                                     (cpu->nwatchpoints + 1) * sizeof *grown);
    cpu->watchpoints = grown;
    cpu->watchpoints[cpu->nwatchpoints++] = (struct CpuWatch){addr, len, kind};
    debug_changed(cpu);
    return true;
}

void cpu_watchpoint_remove(Cpu *cpu, uint32_t addr, uint32_t len, CpuWatchKind kind)
{
    for (size_t i = 0; i < cpu->nwatchpoints; i++) {
        struct CpuWatch *w = &cpu->watchpoints[i];
        if (w->addr == addr && w->len == len && w->kind == kind) {
            *w = cpu->watchpoints[--cpu->nwatchpoints];
            debug_changed(cpu);
            return;
        }
    }
}

bool cpu_watch_check(Cpu *cpu, uint32_t addr, unsigned size, bool write)
{
    /* After a breakpoint stop the instruction's accesses are still
     * watched: only the stop it reported is let through. */
    if (cpu_debug_resuming(cpu) && cpu->resume_why == CPU_STOP_WATCHPOINT)
        return false;
    CpuWatchKind kind = write ? CPU_WATCH_WRITE : CPU_WATCH_READ;
    for (size_t i = 0; i < cpu->nwatchpoints; i++) {
        const struct CpuWatch *w = &cpu->watchpoints[i];
        uint64_t end = (uint64_t)addr + size, wend = (uint64_t)w->addr + w->len;
        if (!(w->kind & kind) || end <= w->addr || addr >= wend)
            continue;
        cpu->watch_hit_addr = addr > w->addr ? addr : w->addr;
        cpu->watch_hit_kind = w->kind;
        return true;
    }
    return false;
}

void cpu_watch_hit(const Cpu *cpu, uint32_t *addr, CpuWatchKind *kind)
{
    *addr = cpu->watch_hit_addr;
    *kind = cpu->watch_hit_kind;
}

void cpu_debug_free(Cpu *cpu)
{
    free(cpu->breakpoints);
    free(cpu->watchpoints);
}
