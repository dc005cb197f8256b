/* What our test firmware knows of the virt32 board. */
#ifndef FIRMWARE_BOARD_H
#define FIRMWARE_BOARD_H

#include <stdint.h>

#define UART0_BASE 0x10000000u
#define UART_THR 0
#define UART_LSR 5
#define UART_LSR_THRE 0x20

#define TEST_BASE 0x00100000u
#define TEST_PASS 0x5555u
#define TEST_FAIL 0x3333u

#define MMIO8(addr) (*(volatile uint8_t *)(uintptr_t)(addr))
#define MMIO32(addr) (*(volatile uint32_t *)(uintptr_t)(addr))

void uart_putc(char c);
/* Ends the simulation through the test device with this status. */
void board_exit(int status) __attribute__((noreturn));

#endif
