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

/* The CLINT (one hart): mtime runs at the CPU clock on virt32. */
#define CLINT_BASE 0x2000000u
#define CLINT_MSIP CLINT_BASE
#define CLINT_MTIMECMP (CLINT_BASE + 0x4000)
#define CLINT_MTIME (CLINT_BASE + 0xbff8)

/* mtime, read as two halves without tearing */
static inline uint64_t clint_mtime(void)
{
    uint32_t hi, lo;
    do {
        hi = MMIO32(CLINT_MTIME + 4);
        lo = MMIO32(CLINT_MTIME);
    } while (MMIO32(CLINT_MTIME + 4) != hi);
    return (uint64_t)hi << 32 | lo;
}

/* mtimecmp, written so that no half-written value is ever due */
static inline void clint_set_cmp(uint64_t v)
{
    MMIO32(CLINT_MTIMECMP) = 0xffffffff;
    MMIO32(CLINT_MTIMECMP + 4) = (uint32_t)(v >> 32);
    MMIO32(CLINT_MTIMECMP) = (uint32_t)v;
}

void uart_putc(char c);
/* Ends the simulation through the test device with this status. */
void board_exit(int status) __attribute__((noreturn));

#endif
