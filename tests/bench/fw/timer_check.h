/* Whether a timer benchmark saw as many interrupts as its run allowed,
 * on mcusim and on QEMU alike (shared by timer_irq.c and irq_timer.c).
 *
 * The handler re-arms mtimecmp `tick` timebase ticks after the mtime it
 * reads, so interrupts are at least `tick` apart: over `elapsed` ticks of
 * mtime there can be at most elapsed / tick + 1. How far apart they are
 * beyond that is the delivery latency, and it depends on the machine:
 *   - when mtime runs with the CPU clock (mcusim's virt32: the CPU and the
 *     CLINT's timebase are both 10 MHz and mtime is derived from cycles,
 *     so mcycle and mtime advance together), the latency is a handful of
 *     instructions, and the count must be at least
 *     elapsed / (tick + tick / 4) - 1;
 *   - when mtime follows the host's clock (QEMU without -icount: mcycle is
 *     the host's cycle counter, mtime real time), a 100 µs tick competes
 *     with host scheduling and QEMU's timer thread, so only a loose bound
 *     holds: elapsed / (tick * 8) - 1, i.e. interrupts kept coming all
 *     through the run (QEMU 7.2 on an idle host: about 1.3 ticks apart).
 * `elapsed_cycles` is what mcycle advanced over the same stretch. Not for
 * the host build (-DHOST), which has no timer. */
#ifndef BENCH_TIMER_CHECK_H
#define BENCH_TIMER_CHECK_H

#include <stdint.h>

#define CLINT_MTIME_LO ((volatile uint32_t *)0x200bff8u)
#define CLINT_MTIME_HI ((volatile uint32_t *)0x200bffcu)
#define CLINT_MTIMECMP_LO ((volatile uint32_t *)0x2004000u)
#define CLINT_MTIMECMP_HI ((volatile uint32_t *)0x2004004u)

/* mtime, the two halves read without tearing */
static inline uint64_t timer_mtime(void)
{
    uint32_t hi, lo;
    do {
        hi = *CLINT_MTIME_HI;
        lo = *CLINT_MTIME_LO;
    } while (*CLINT_MTIME_HI != hi);
    return (uint64_t)hi << 32 | lo;
}

/* mtimecmp, written so that no half-written value is ever due */
static inline void timer_set_cmp(uint64_t at)
{
    *CLINT_MTIMECMP_LO = 0xffffffffu;
    *CLINT_MTIMECMP_HI = (uint32_t)(at >> 32);
    *CLINT_MTIMECMP_LO = (uint32_t)at;
}

static inline uint64_t timer_mcycle(void)
{
    uint32_t hi, lo, again;
    do {
        __asm__ volatile("csrr %0, mcycleh" : "=r"(hi));
        __asm__ volatile("csrr %0, mcycle" : "=r"(lo));
        __asm__ volatile("csrr %0, mcycleh" : "=r"(again));
    } while (again != hi);
    return (uint64_t)hi << 32 | lo;
}

/* Whether mtime and mcycle advanced together (within `slack`). */
static inline int timer_follows_cpu(uint64_t elapsed, uint64_t elapsed_cycles, uint64_t slack)
{
    uint64_t diff = elapsed > elapsed_cycles ? elapsed - elapsed_cycles
                                             : elapsed_cycles - elapsed;
    return diff <= slack;
}

static inline int timer_count_ok(uint32_t count, uint64_t elapsed, uint64_t elapsed_cycles,
                                 uint32_t tick)
{
    if (count > elapsed / tick + 1)
        return 0;
    uint64_t spacing = timer_follows_cpu(elapsed, elapsed_cycles, tick)
                           ? tick + tick / 4u : (uint64_t)tick * 8u;
    return (uint64_t)count + 1 >= elapsed / spacing;
}

#endif
