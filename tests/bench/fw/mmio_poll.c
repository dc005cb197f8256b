/* Benchmark: device registers in tight loops, the way drivers poll them.
 * Each of 560,000 rounds makes 18 accesses (10^7 in all):
 *   - the ns16550a UART in loopback (MCR.LOOP, so nothing reaches the
 *     console): poll LSR for THRE, write THR, poll LSR for DR, read RBR
 *     and check it is the byte sent; write the scratch register and read
 *     it back;
 *   - the CLINT: read mtime (high, low, high) and check it never goes
 *     back; set msip, read it, clear it (the hart's MSIE is off, so no
 *     interrupt is taken);
 *   - the PLIC, standing in for a GPIO block (neither virt32 nor QEMU's
 *     virt has one): read-modify-write of source priorities and of the
 *     enable bits of context 0, each read back and checked, as GPIO output
 *     and direction registers are updated by drivers.
 * Nothing here can be computed by a host build: the firmware checks every
 * value it reads, prints the fixed line `mmio_poll: OK` and returns 0, or
 * names the first mismatch and returns 1. */
#include <stdint.h>
#include <stdio.h>

#include "board.h"

/* What the harnesses (tests/bench/run_bench.py, tests/bench/compare) read
 * as this benchmark's one line of output. */
#define BENCH_SUCCESS_LINE "mmio_poll: OK"

#define ROUNDS 560000u

#define UART_RBR 0
#define UART_IER 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_SCR 7
#define LSR_DR 0x01
#define LCR_8N1 0x03
#define MCR_LOOP 0x10

#define PLIC 0x0c000000u
#define PLIC_PRIO(s) (PLIC + 4u * (s))
#define PLIC_ENABLE (PLIC + 0x2000u)
#define PLIC_SOURCES 8u        /* priorities of sources 1..8 are cycled */
#define PLIC_ENABLE_MASK 0x1feu /* and their enable bits toggled */

static uint32_t seed = 0x1f83d9abu;

static uint32_t next_random(void)
{
    seed ^= seed << 13;
    seed ^= seed >> 17;
    seed ^= seed << 5;
    return seed;
}

static int fail(const char *what, uint32_t round, uint32_t got, uint32_t want)
{
    printf("mmio_poll: round %lu: %s read 0x%lx, expected 0x%lx\n", (unsigned long)round, what,
           (unsigned long)got, (unsigned long)want);
    return 0;
}

static int uart_round(uint32_t round, uint8_t byte)
{
    while (!(MMIO8(UART0_BASE + UART_LSR) & UART_LSR_THRE))
        ;
    MMIO8(UART0_BASE + UART_THR) = byte;
    while (!(MMIO8(UART0_BASE + UART_LSR) & LSR_DR))
        ;
    uint8_t got = MMIO8(UART0_BASE + UART_RBR);
    if (got != byte)
        return fail("UART RBR", round, got, byte);
    uint8_t scratch = (uint8_t)(byte ^ 0x5a);
    MMIO8(UART0_BASE + UART_SCR) = scratch;
    got = MMIO8(UART0_BASE + UART_SCR);
    return got == scratch ? 1 : fail("UART SCR", round, got, scratch);
}

static int clint_round(uint32_t round, uint64_t *last)
{
    uint64_t now = clint_mtime();
    if (now < *last)
        return fail("CLINT mtime (low word)", round, (uint32_t)now, (uint32_t)*last);
    *last = now;
    MMIO32(CLINT_MSIP) = 1;
    uint32_t msip = MMIO32(CLINT_MSIP);
    MMIO32(CLINT_MSIP) = 0;
    return msip == 1 ? 1 : fail("CLINT msip", round, msip, 1);
}

static int plic_round(uint32_t round, uint32_t r)
{
    uint32_t source = 1 + round % PLIC_SOURCES;
    uint32_t prio = MMIO32(PLIC_PRIO(source));
    uint32_t want = (prio + 1 + (r & 3u)) & 7u;
    MMIO32(PLIC_PRIO(source)) = want;
    uint32_t got = MMIO32(PLIC_PRIO(source));
    if (got != want)
        return fail("PLIC priority", round, got, want);

    uint32_t enable = MMIO32(PLIC_ENABLE);
    want = enable ^ (r & PLIC_ENABLE_MASK);
    MMIO32(PLIC_ENABLE) = want;
    got = MMIO32(PLIC_ENABLE);
    return got == want ? 1 : fail("PLIC enable", round, got, want);
}

int main(void)
{
    MMIO8(UART0_BASE + UART_IER) = 0;
    MMIO8(UART0_BASE + UART_FCR) = 0;
    MMIO8(UART0_BASE + UART_LCR) = LCR_8N1;
    MMIO8(UART0_BASE + UART_MCR) = MCR_LOOP;
    MMIO32(PLIC_ENABLE) = 0;
    uint64_t last = 0;
    for (uint32_t round = 0; round < ROUNDS; round++) {
        uint32_t r = next_random();
        if (!uart_round(round, (uint8_t)r) || !clint_round(round, &last) ||
            !plic_round(round, r >> 8))
            return 1;
    }
    for (uint32_t s = 1; s <= PLIC_SOURCES; s++)
        MMIO32(PLIC_PRIO(s)) = 0;
    MMIO32(PLIC_ENABLE) = 0;
    MMIO8(UART0_BASE + UART_MCR) = 0;
    printf("%s\n", BENCH_SUCCESS_LINE);
    return 0;
}
