/* The firmware of tests/gdb/monitor_reconfigure.py, on the hifive1-test
 * board: prints "before" through UART0, stops at swapped() (a breakpoint
 * target: there gdb removes uart0 and adds a new one at the same base
 * with `monitor peripheral ...`), finds the new UART at its reset state
 * (txctrl 0, the old one had txen set), sets it up again and prints
 * "after", waiting until it is out. Exits 0; 1 when the UART was not at
 * reset state. */
#include <stdint.h>
#include <stdio.h>

#include "board.h"

void __attribute__((noinline)) swapped(void)
{
    __asm__ volatile("" ::: "memory");
}

/* Until the last character left the shift register: the FIFO empty
 * (txwm with txcnt 1), then two more character times (10 bits each). */
static void uart_drain(void)
{
    fflush(stdout);
    while (!(MMIO32(UART0_BASE + UART_IP) & UART_IP_TXWM))
        ;
    uint32_t start, now;
    __asm__ volatile("csrr %0, mcycle" : "=r"(start));
    do
        __asm__ volatile("csrr %0, mcycle" : "=r"(now));
    while (now - start < 2 * 10 * (CPU_HZ / 115200));
}

int main(void)
{
    printf("before\n");
    uart_drain();
    swapped();
    if (MMIO32(UART0_BASE + UART_TXCTRL) != 0)
        return 1;
    MMIO32(UART0_BASE + UART_DIV) = CPU_HZ / 115200 - 1;
    MMIO32(UART0_BASE + UART_TXCTRL) = UART_TXEN | UART_TXCNT(1);
    printf("after\n");
    uart_drain(); /* so gdb finds it in the file when the firmware exits */
    return 0;
}
