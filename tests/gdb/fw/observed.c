/* The firmware of gdb/observe (tests/gdb/observe_*.py), on the
 * hifive1-test board: a run that interrupts a lot, for checking that
 * debugging it changes nothing the firmware can see.
 *
 * The CLINT timer interrupt is re-armed by its handler (timer_handler, a
 * C function) for the next mtime tick, so it fires about every 488
 * cycles (16 MHz / 32768 Hz). The handler counts (irq_count) and folds
 * where it interrupted (mepc) and the count into checksum. main runs
 * ITERATIONS rounds of some arithmetic over an array (work), printing a
 * progress line on UART0 every REPORT_EVERY rounds (the UART's FIFO fills,
 * so it also waits, interrupted), then stops the timer and prints the
 * totals with minstret and mcycle as read at that point, and exits with
 * 1 + checksum % 100. Any interrupt arriving one instruction earlier or
 * later changes the checksum, so a run's UART output and exit status
 * pin down its whole interrupt history and instruction count.
 */
#include <stdint.h>
#include <stdio.h>

#include "board.h"

#define ITERATIONS 600
#define REPORT_EVERY 100
#define WORDS 64

volatile uint32_t irq_count;
volatile uint32_t checksum = 2166136261u;
uint32_t data[WORDS];

static void set_cmp(uint64_t v)
{
    MMIO32(CLINT_MTIMECMP) = 0xffffffff;
    MMIO32(CLINT_MTIMECMP + 4) = (uint32_t)(v >> 32);
    MMIO32(CLINT_MTIMECMP) = (uint32_t)v;
}

__attribute__((interrupt("machine"), aligned(4), noipa)) void timer_handler(void)
{
    uint32_t mepc, cause;
    __asm__ volatile("csrr %0, mepc" : "=r"(mepc));
    __asm__ volatile("csrr %0, mcause" : "=r"(cause));
    irq_count++;
    checksum = (checksum ^ mepc ^ cause) * 16777619u + irq_count;
    set_cmp(clint_mtime() + 1);
}

/* One round: mixes the array; about 700 instructions. */
__attribute__((noipa)) uint32_t work(uint32_t seed)
{
    uint32_t acc = seed;
    for (int i = 0; i < WORDS; i++) {
        data[i] = data[i] * 33u + acc;
        acc ^= data[i] >> 3;
    }
    return acc;
}

static uint32_t read_minstret(void)
{
    uint32_t v;
    __asm__ volatile("csrr %0, minstret" : "=r"(v));
    return v;
}

int main(void)
{
    __asm__ volatile("csrw mtvec, %0" ::"r"(timer_handler));
    set_cmp(clint_mtime() + 1);
    __asm__ volatile("csrs mie, %0" ::"r"(1u << 7));
    __asm__ volatile("csrs mstatus, 8");

    uint32_t acc = 1;
    for (int round = 1; round <= ITERATIONS; round++) {
        acc = work(acc);
        if (round % REPORT_EVERY == 0)
            printf("round %d: acc %08lx irqs %lu checksum %08lx\n", round,
                   (unsigned long)acc, (unsigned long)irq_count, (unsigned long)checksum);
    }

    __asm__ volatile("csrc mstatus, 8");
    set_cmp(UINT64_MAX);
    uint32_t instret = read_minstret(), cycles = read_mcycle();
    printf("done: irqs %lu checksum %08lx minstret %lu mcycle %lu\n",
           (unsigned long)irq_count, (unsigned long)checksum, (unsigned long)instret,
           (unsigned long)cycles);
    return (int)(1 + checksum % 100);
}
