/* A firmware whose profile is known (tests/profile/run_profile.py checks
 * mcusim's --profile against --trace insn of the same run): mix() is
 * called exactly MIX_CALLS times and is straight-line code, so each call
 * retires the same instructions; fib() recurses; tail_caller() ends in
 * a tail call (a plain jump to tail_target); wait_ticks() sleeps in wfi
 * until TICKS timer interrupts have run timer_isr. */
#include <stdint.h>
#include <stdio.h>
#include "board.h"

#define MIX_CALLS 1000
#define TICKS 5
#define TICK_CYCLES 2000

static volatile int ticks;
volatile uint32_t sink;

__attribute__((noinline)) uint32_t mix(uint32_t x)
{
    return (x * 2654435761u) ^ (x >> 13);
}

__attribute__((noinline)) uint32_t mix_many(uint32_t seed)
{
    for (uint32_t i = 0; i < MIX_CALLS; i++)
        seed = mix(seed + i);
    return seed;
}

__attribute__((noinline)) uint32_t fib(uint32_t n)
{
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

__attribute__((noinline)) uint32_t tail_target(uint32_t x)
{
    return x * 3 + 1;
}

/* -O2 turns the call into `j tail_target` (a sibling call). */
__attribute__((noinline)) uint32_t tail_caller(uint32_t x)
{
    return tail_target(x ^ 0x55);
}

__attribute__((interrupt("machine"), aligned(4))) static void timer_isr(void)
{
    ticks++;
    clint_set_cmp(ticks < TICKS ? clint_mtime() + TICK_CYCLES : UINT64_MAX);
}

__attribute__((noinline)) static void wait_ticks(void)
{
    __asm__ volatile("csrw mtvec, %0" :: "r"(timer_isr));
    clint_set_cmp(clint_mtime() + TICK_CYCLES);
    __asm__ volatile("csrs mie, %0" :: "r"(1u << 7));
    __asm__ volatile("csrs mstatus, 8");
    while (ticks < TICKS)
        __asm__ volatile("wfi");
    __asm__ volatile("csrc mstatus, 8");
}

int main(void)
{
    sink = mix_many(1);
    printf("mix: %08lx\n", (unsigned long)sink);
    sink = fib(10);
    printf("fib: %lu\n", (unsigned long)sink);
    sink = tail_caller(7);
    printf("tail: %lu\n", (unsigned long)sink);
    wait_ticks();
    printf("ticks: %d\n", ticks);
    return 0;
}
