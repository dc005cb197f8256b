/* Benchmark: a firmware that mostly sleeps. Ten times: a short burst of
 * work (sorting 512 words, about 470,000 instructions), then a 1-second
 * sleep in wfi until the CLINT's timer interrupt (mtimecmp one second of
 * the 10 MHz timebase ahead; a C handler turns the timer off again): 10
 * virtual seconds in all. A simulator that skips idle time finishes at
 * once; one that keeps mtime in host time (QEMU without -icount) takes ten
 * seconds.
 *
 * Sleeping cannot be checked by a host build: the firmware checks that
 * every sleep lasted at least its second of mtime and was woken by the
 * timer's handler, that it took a few wfi and not a busy loop (at most
 * MAX_WFI per sleep: wfi may return early, but a wfi that never waits is no
 * sleep), that the bursts sorted correctly, and that 10 seconds of mtime
 * passed in all; it prints the fixed line `sleep: OK` and returns 0, or
 * says what went wrong and returns 1. */
#include <stdint.h>
#include <stdio.h>

#include "board.h"

/* What the harnesses (tests/bench/run_bench.py, tests/bench/compare) read
 * as this benchmark's one line of output. */
#define BENCH_SUCCESS_LINE "sleep: OK"

#define SLEEPS 10u
#define SECOND 10000000u /* mtime ticks: QEMU virt's and virt32's 10 MHz timebase */
#define WORDS 512u
#define MAX_WFI 1000u

#define MIE_MTIE (1u << 7)
#define MSTATUS_MIE 8u

static volatile uint32_t woken;
static uint32_t words[WORDS];
static uint32_t seed = 0x9b05688cu;

__attribute__((interrupt("machine"), aligned(4))) static void on_timer(void)
{
    clint_set_cmp(UINT64_MAX);
    woken++;
}

static uint32_t next_random(void)
{
    seed ^= seed << 13;
    seed ^= seed >> 17;
    seed ^= seed << 5;
    return seed;
}

/* A burst: fill and insertion-sort the words; whether they ended sorted. */
static int burst(void)
{
    for (uint32_t i = 0; i < WORDS; i++)
        words[i] = next_random();
    for (uint32_t i = 1; i < WORDS; i++) {
        uint32_t v = words[i], j = i;
        for (; j > 0 && words[j - 1] > v; j--)
            words[j] = words[j - 1];
        words[j] = v;
    }
    for (uint32_t i = 1; i < WORDS; i++)
        if (words[i - 1] > words[i])
            return 0;
    return 1;
}

/* Sleeps until the timer's handler has run once; returns the number of
 * wfi it took. Interrupts are off around the test of `woken` so that the
 * interrupt cannot slip in between the test and the wfi (wfi wakes on a
 * pending enabled interrupt even with mstatus.MIE clear); they are on for
 * a moment after each wfi, for the handler to run. */
static uint32_t sleep_until_woken(uint32_t before)
{
    uint32_t waits = 0;
    while (woken == before) {
        __asm__ volatile("wfi");
        waits++;
        __asm__ volatile("csrs mstatus, %0" :: "r"(MSTATUS_MIE));
        __asm__ volatile("csrc mstatus, %0" :: "r"(MSTATUS_MIE));
    }
    return waits;
}

int main(void)
{
    __asm__ volatile("csrw mtvec, %0" :: "r"(on_timer));
    __asm__ volatile("csrs mie, %0" :: "r"(MIE_MTIE));
    uint64_t start = clint_mtime();
    for (uint32_t i = 0; i < SLEEPS; i++) {
        if (!burst()) {
            printf("sleep: burst %lu did not sort\n", (unsigned long)i);
            return 1;
        }
        uint64_t due = clint_mtime() + SECOND;
        uint32_t before = woken;
        clint_set_cmp(due);
        uint32_t waits = sleep_until_woken(before);
        uint64_t now = clint_mtime();
        if (now < due || waits > MAX_WFI) {
            printf("sleep: sleep %lu woke %lu ticks early after %lu wfi\n", (unsigned long)i,
                   (unsigned long)(now < due ? due - now : 0), (unsigned long)waits);
            return 1;
        }
    }
    uint64_t slept = clint_mtime() - start;
    if (woken != SLEEPS || slept < (uint64_t)SLEEPS * SECOND) {
        printf("sleep: %lu wake-ups, %lu ms of mtime\n", (unsigned long)woken,
               (unsigned long)(slept / (SECOND / 1000u)));
        return 1;
    }
    printf("%s\n", BENCH_SUCCESS_LINE);
    return 0;
}
