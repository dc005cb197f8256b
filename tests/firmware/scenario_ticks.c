/* The scenario tests' firmware on virt32 (the body: scenario_ticks.h):
 * UART0 is an ns16550a, polled. */
#include <stdint.h>
#include "board.h"

#define UART_RBR 0
#define UART_LSR_DR 0x01

static void uart_rx_start(void)
{
}

static int uart_getc(void)
{
    if (!(MMIO8(UART0_BASE + UART_LSR) & UART_LSR_DR))
        return -1;
    return MMIO8(UART0_BASE + UART_RBR);
}

#include "scenario_ticks.h"
