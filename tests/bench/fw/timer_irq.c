/* Benchmark: integer work under a timer interrupt every 1,000 cycles. The
 * CLINT's mtimecmp is reprogrammed by a C handler each time (virt32: mtime
 * runs at the CPU clock, so about 100,000 interrupts over the run; on QEMU
 * mtime follows host time, a few hundred), while
 * the main program runs the CRC-32 loop of crc32.c. It measures what
 * interrupt delivery costs: each interrupt is a clock event the
 * interpreter must stop for at exactly its cycle, a trap, a handler with
 * MMIO accesses, and an mret.
 *
 * The checksum covers the work only (the host build, -DHOST, has no
 * interrupts); the firmware checks itself that the interrupts came. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "crc32_table.h"

#define BUF_SIZE 16384u
#define PASSES 600u
#define TICK 1000u

static uint8_t buffer[BUF_SIZE];

#ifndef HOST
#include "timer_check.h"

#define CLINT_MTIMECMP ((volatile uint32_t *)0x2004000u)
#define CLINT_MTIME ((volatile uint32_t *)0x200bff8u)

static volatile uint32_t ticks;
static uint64_t start_time, start_cycles;

static void arm(uint32_t at)
{
    CLINT_MTIMECMP[0] = 0xffffffffu;
    CLINT_MTIMECMP[1] = 0;
    CLINT_MTIMECMP[0] = at;
}

__attribute__((interrupt("machine"), aligned(4))) static void on_timer(void)
{
    ticks++;
    arm(CLINT_MTIME[0] + TICK);
}

static void start_timer(void)
{
    __asm__ volatile("csrw mtvec, %0" :: "r"(on_timer));
    start_time = timer_mtime();
    start_cycles = timer_mcycle();
    arm(CLINT_MTIME[0] + TICK);
    __asm__ volatile("csrs mie, %0" :: "r"(1u << 7));
    __asm__ volatile("csrs mstatus, 8");
}

/* As many interrupts as the mtime that passed allows (timer_check.h:
 * within a quarter tick of exact on mcusim, loose where mtime is host
 * time as on QEMU). */
static int timer_ok(void)
{
    __asm__ volatile("csrc mstatus, 8");
    uint64_t elapsed = timer_mtime() - start_time;
    uint64_t cycles = timer_mcycle() - start_cycles;
    return timer_count_ok(ticks, elapsed, cycles, TICK);
}
#else
static void start_timer(void) {}
static int timer_ok(void) { return 1; }
#endif

int main(void)
{
    crc32_make_table();
    uint32_t x = 0x9e3779b9u;
    for (uint32_t i = 0; i < BUF_SIZE; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        buffer[i] = (uint8_t)(x >> 24);
    }
    start_timer();
    uint32_t crc = 0;
    for (uint32_t pass = 0; pass < PASSES; pass++) {
        crc = crc32_update(crc, buffer, BUF_SIZE);
        buffer[(crc >> 4) % BUF_SIZE] ^= (uint8_t)crc;
    }
    if (!timer_ok()) {
        printf("timer_irq: too few timer interrupts\n");
        return 1;
    }
    printf("timer_irq: checksum 0x%08lx\n", (unsigned long)crc);
    return 0;
}
