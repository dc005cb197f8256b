/* Interrupt-driven UART echo on virt32: the ns16550a's receive interrupt
 * (FIFO trigger level 8, so short lines arrive through the character
 * timeout) reaches the hart through the PLIC (source 10); the handler
 * drains the RX FIFO into a ring, the main loop sleeps in wfi until a line
 * is complete and prints it. The bytes come from a file chardev
 * (uart_echo.expect sets uart0.chardev to stdio:in=uart_echo.in), so they
 * arrive at the same cycles on every run. "bye" ends the session. */
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include "board.h"

#define PLIC 0x0c000000u
#define PLIC_PRIO(s) (PLIC + 4u * (s))
#define PLIC_ENABLE (PLIC + 0x2000u)
#define PLIC_THRESHOLD (PLIC + 0x200000u)
#define PLIC_CLAIM (PLIC + 0x200004u)
#define UART_SOURCE 10u

#define UART_RBR 0
#define UART_DLL 0
#define UART_IER 1
#define UART_DLM 1
#define UART_IIR 2
#define UART_FCR 2
#define UART_LCR 3
#define LSR_DR 0x01
#define IER_ERBFI 0x01
#define MIP_MEIP (1u << 11)

static volatile char ring[256];
static volatile uint8_t head, tail; /* written by the handler, the loop */
static volatile unsigned rx_interrupts, timeouts;

__attribute__((interrupt("machine"), aligned(4))) static void isr(void)
{
    uint32_t id = MMIO32(PLIC_CLAIM);
    if (id == UART_SOURCE) {
        rx_interrupts++;
        if ((MMIO8(UART0_BASE + UART_IIR) & 0x0f) == 0x0c)
            timeouts++;
        while (MMIO8(UART0_BASE + UART_LSR) & LSR_DR)
            ring[head++] = (char)MMIO8(UART0_BASE + UART_RBR);
    }
    MMIO32(PLIC_CLAIM) = id;
}

/* The next received byte, sleeping until there is one. Interrupts stay
 * off between the check and wfi (which wakes on a pending one anyway), so
 * a byte arriving in between cannot be slept through. */
static char get_char(void)
{
    for (;;) {
        __asm__ volatile("csrc mstatus, 8");
        if (head != tail)
            break;
        __asm__ volatile("wfi");
        __asm__ volatile("csrs mstatus, 8"); /* take it */
    }
    char c = ring[tail++];
    __asm__ volatile("csrs mstatus, 8");
    return c;
}

int main(void)
{
    /* 115200 8N1 from the 3.6864 MHz clock, FIFOs on, trigger 8. */
    MMIO8(UART0_BASE + UART_LCR) = 0x83;
    MMIO8(UART0_BASE + UART_DLL) = 2;
    MMIO8(UART0_BASE + UART_DLM) = 0;
    MMIO8(UART0_BASE + UART_LCR) = 0x03;
    MMIO8(UART0_BASE + UART_FCR) = 0x87;
    MMIO8(UART0_BASE + UART_IER) = IER_ERBFI;

    __asm__ volatile("csrw mtvec, %0" :: "r"(isr));
    MMIO32(PLIC_PRIO(UART_SOURCE)) = 1;
    MMIO32(PLIC_ENABLE) = 1u << UART_SOURCE;
    MMIO32(PLIC_THRESHOLD) = 0;
    __asm__ volatile("csrs mie, %0" :: "r"(MIP_MEIP));
    __asm__ volatile("csrs mstatus, 8");

    printf("echo: one line at a time, 'bye' ends\n");
    char line[80];
    unsigned len = 0, lines = 0;
    for (;;) {
        char c = get_char();
        if (c != '\n') {
            if (len < sizeof line - 1)
                line[len++] = c;
            continue;
        }
        line[len] = '\0';
        lines++;
        printf("> %s\n", line);
        if (strcmp(line, "bye") == 0)
            break;
        len = 0;
    }
    printf("%u lines; by interrupt: %s; character timeouts: %s\n", lines,
           rx_interrupts ? "yes" : "no", timeouts ? "yes" : "no");
    return 0;
}
