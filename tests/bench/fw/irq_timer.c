/* Benchmark: a periodic timer interrupt with an RTOS-like tick handler
 * under signal-processing work.
 *
 * The CLINT's mtimecmp is reprogrammed by a C handler
 * (`interrupt("machine")`) 1,000 timebase ticks after each interrupt; the
 * handler also runs eight software timers of different periods, as a
 * kernel's tick would. Between interrupts the main program runs a 16-tap
 * FIR filter and a peak detector over 2,048 samples, 316 passes (about
 * 10^8 instructions). On mcusim's virt32 mtime runs at the CPU clock, so an
 * interrupt comes every ~1,000 instructions (about 100,000 of them); on
 * QEMU mtime follows host time, so it sees far fewer in the same work.
 *
 * Checks: the printed checksum covers the filter's results only and is
 * compared with the host build of this file (tests/bench/run_bench.py,
 * -DHOST, no interrupts there), so an interrupt that corrupts a register
 * of the interrupted code changes it. The firmware itself checks the
 * number of interrupts against the mtime that passed (timer_check.h) and
 * that the software timers fired as often as the ticks say; it prints a
 * message and returns 1 if not. */
#include <stdint.h>
#include <stdio.h>

#define SAMPLES 2048u
#define TAPS 16u
#define PASSES 316u
#define TICK 1000u
#define SOFT_TIMERS 8u

static int16_t samples[SAMPLES];
static int32_t filtered[SAMPLES];
static const int16_t taps[TAPS] = {
    -3, -9, -4, 21, 62, 105, 139, 152, 152, 139, 105, 62, 21, -4, -9, -3,
};

#ifndef HOST
#include "timer_check.h"

static volatile uint32_t ticks;
static uint32_t soft_period[SOFT_TIMERS] = {1, 2, 3, 5, 8, 13, 21, 34};
static uint32_t soft_left[SOFT_TIMERS];
static volatile uint32_t soft_fired[SOFT_TIMERS];

__attribute__((interrupt("machine"), aligned(4))) static void on_tick(void)
{
    uint64_t now = timer_mtime();
    ticks++;
    for (uint32_t i = 0; i < SOFT_TIMERS; i++) {
        if (--soft_left[i] == 0) {
            soft_left[i] = soft_period[i];
            soft_fired[i]++;
        }
    }
    timer_set_cmp(now + TICK);
}

static uint64_t start_time, start_cycles;

static void timer_start(void)
{
    for (uint32_t i = 0; i < SOFT_TIMERS; i++)
        soft_left[i] = soft_period[i];
    __asm__ volatile("csrw mtvec, %0" :: "r"(on_tick));
    start_time = timer_mtime();
    start_cycles = timer_mcycle();
    timer_set_cmp(start_time + TICK);
    __asm__ volatile("csrs mie, %0" :: "r"(1u << 7));
    __asm__ volatile("csrs mstatus, 8");
}

static int timer_finish(void)
{
    __asm__ volatile("csrc mstatus, 8");
    uint64_t elapsed = timer_mtime() - start_time;
    uint64_t cycles = timer_mcycle() - start_cycles;
    timer_set_cmp(UINT64_MAX);
    if (!timer_count_ok(ticks, elapsed, cycles, TICK)) {
        printf("irq_timer: %lu timer interrupts in %lu mtime ticks\n", (unsigned long)ticks,
               (unsigned long)elapsed);
        return 0;
    }
    for (uint32_t i = 0; i < SOFT_TIMERS; i++) {
        if (soft_fired[i] != ticks / soft_period[i]) {
            printf("irq_timer: soft timer %lu fired %lu times in %lu ticks\n",
                   (unsigned long)i, (unsigned long)soft_fired[i], (unsigned long)ticks);
            return 0;
        }
    }
    return 1;
}
#else
static void timer_start(void) {}
static int timer_finish(void) { return 1; }
#endif

static uint32_t seed = 0x510e527fu;

static uint32_t next_random(void)
{
    seed ^= seed << 13;
    seed ^= seed >> 17;
    seed ^= seed << 5;
    return seed;
}

/* One pass: filter the samples, find the peaks, fold them; then the
 * oldest 64 samples are replaced, as new input would arrive. */
static uint32_t filter_pass(uint32_t pass)
{
    uint32_t fold = pass;
    for (uint32_t i = TAPS - 1; i < SAMPLES; i++) {
        int32_t acc = 0;
        for (uint32_t t = 0; t < TAPS; t++)
            acc += taps[t] * samples[i - t];
        filtered[i] = acc / 1024;
    }
    for (uint32_t i = TAPS; i + 1 < SAMPLES; i++) {
        if (filtered[i] > filtered[i - 1] && filtered[i] >= filtered[i + 1])
            fold = (fold << 3 | fold >> 29) ^ (uint32_t)filtered[i] ^ i;
    }
    for (uint32_t k = 0; k < 64; k++)
        samples[(pass * 64u + k) % SAMPLES] = (int16_t)((int32_t)(next_random() & 0xfffu) - 2048);
    return fold;
}

int main(void)
{
    for (uint32_t i = 0; i < SAMPLES; i++)
        samples[i] = (int16_t)((int32_t)(next_random() & 0xfffu) - 2048);
    timer_start();
    uint32_t checksum = 0;
    for (uint32_t pass = 0; pass < PASSES; pass++)
        checksum = (checksum << 1 | checksum >> 31) + filter_pass(pass);
    if (!timer_finish())
        return 1;
    printf("irq_timer: checksum 0x%08lx\n", (unsigned long)checksum);
    return 0;
}
