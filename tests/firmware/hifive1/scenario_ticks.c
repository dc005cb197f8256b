/* The scenario tests' firmware on the HiFive1 (the body:
 * ../scenario_ticks.h): UART0 is a sifive,uart0, polled. */
#include <stdint.h>
#include "board.h"

#define UART_RXDATA 0x04
#define UART_RXCTRL 0x0c
#define UART_RXDATA_EMPTY (1u << 31)
#define UART_RXEN 1u

static void uart_rx_start(void)
{
    MMIO32(UART0_BASE + UART_RXCTRL) = UART_RXEN;
}

static int uart_getc(void)
{
    uint32_t v = MMIO32(UART0_BASE + UART_RXDATA);
    return v & UART_RXDATA_EMPTY ? -1 : (int)(v & 0xff);
}

#include "../scenario_ticks.h"
