/* Interrupt timing that must not depend on how the run is observed.
 *
 * A CLINT timer reprogrammed every few hundred cycles, and the UART's
 * receive interrupt through the PLIC (input from a file arrives at the
 * UART's character times, by clock events) interrupt a main loop that
 * counts its work. Each handler folds the main loop's progress, the
 * interrupted pc and what it received into a checksum: one instruction of
 * difference in when any interrupt is taken changes the printed checksum.
 * Part of the time the main loop sleeps in wfi. The baud divisor is 1 so
 * characters arrive every 160 cycles, the timer every 150-661.
 *
 * tests/cli_cases.py runs it with and without instruction tracing, at
 * several instruction limits, and compares the traces; the unit test
 * tests/unit/test_determinism.c runs it with breakpoints, watchpoints,
 * single steps and sliced runs. */
#include <stdint.h>
#include <stdio.h>
#include "board.h"

#define PLIC 0x0c000000u
#define PLIC_PRIO(s) (PLIC + 4u * (s))
#define PLIC_ENABLE (PLIC + 0x2000u)
#define PLIC_THRESHOLD (PLIC + 0x200000u)
#define PLIC_CLAIM (PLIC + 0x200004u)
#define UART_SOURCE 10u
#define UART_RBR 0
#define UART_IER 1
#define UART_LCR 3
#define IER_ERBFI 0x01
#define LSR_DR 0x01
#define LCR_DLAB 0x80

#define MIE_MTIE (1u << 7)
#define MIE_MEIE (1u << 11)

#define TIMER_TICKS 400  /* timer interrupts before the run ends */

static volatile uint32_t work;       /* the main loop's progress */
static volatile uint32_t checksum;
static volatile uint32_t timer_count, uart_count, received;
static uint32_t lfsr = 0xace1u;

/* Not inlined, so tests can put breakpoints on them. */
#define VISIBLE __attribute__((noinline))

VISIBLE void fold(uint32_t value)
{
    checksum = (checksum ^ value) * 16777619u;
}

VISIBLE uint32_t next_interval(void)
{
    lfsr = (lfsr >> 1) ^ (-(lfsr & 1u) & 0xb400u);
    return 150 + (lfsr & 0x1ff);
}

VISIBLE void timer_interrupt(void)
{
    timer_count++;
    clint_set_cmp(clint_mtime() + next_interval());
}

VISIBLE void uart_interrupt(void)
{
    uint32_t id = MMIO32(PLIC_CLAIM);
    uart_count++;
    while (MMIO8(UART0_BASE + UART_LSR) & LSR_DR) {
        fold(MMIO8(UART0_BASE + UART_RBR));
        received++;
    }
    MMIO32(PLIC_CLAIM) = id;
}

__attribute__((interrupt("machine"), aligned(4))) void isr(void)
{
    uint32_t cause, epc;
    __asm__ volatile("csrr %0, mcause" : "=r"(cause));
    __asm__ volatile("csrr %0, mepc" : "=r"(epc));
    fold(work);
    fold(epc);
    fold(cause);
    if (cause == 0x80000007u)
        timer_interrupt();
    else if (cause == 0x8000000bu)
        uart_interrupt();
}

VISIBLE void do_work(void)
{
    for (int i = 0; i < 37; i++)
        work = work * 3 + (uint32_t)i;
    if ((work & 7) == 0)
        __asm__ volatile("wfi");
}

int main(void)
{
    __asm__ volatile("csrw mtvec, %0" :: "r"(isr));
    MMIO8(UART0_BASE + UART_LCR) = LCR_DLAB | 3; /* divisor 1, 8N1 */
    MMIO8(UART0_BASE + 0) = 1;
    MMIO8(UART0_BASE + 1) = 0;
    MMIO8(UART0_BASE + UART_LCR) = 3;
    MMIO32(PLIC_PRIO(UART_SOURCE)) = 1;
    MMIO32(PLIC_ENABLE) = 1u << UART_SOURCE;
    MMIO32(PLIC_THRESHOLD) = 0;
    clint_set_cmp(clint_mtime() + next_interval());
    __asm__ volatile("csrs mie, %0" :: "r"(MIE_MTIE | MIE_MEIE));
    __asm__ volatile("csrs mstatus, 8");
    MMIO8(UART0_BASE + UART_IER) = IER_ERBFI;

    while (timer_count < TIMER_TICKS)
        do_work();
    __asm__ volatile("csrc mstatus, 8");
    MMIO8(UART0_BASE + UART_IER) = 0;
    printf("timer %lu, uart %lu, received %lu, checksum 0x%08lx\n",
           (unsigned long)timer_count, (unsigned long)uart_count,
           (unsigned long)received, (unsigned long)checksum);
    return 0;
}
