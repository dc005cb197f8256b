/* The CLINT on the HiFive1 Rev B: mtime counts the 32768 Hz rtcclk while
 * the CPU runs at 16 MHz, so mtime must equal mcycle * 32768 / 16e6 (both
 * start at 0 with virtual time), and five machine timer interrupts
 * programmed 33 ticks (about 1 ms) apart must arrive on those ticks while
 * the hart sleeps in wfi, with virtual time advancing to match. */
#include <stdio.h>
#include <stdint.h>
#include "board.h"

#define PERIOD 33
#define TICKS 5

static volatile int ticks;
static volatile uint64_t seen[TICKS];
static uint64_t next_cmp;

static void set_cmp(uint64_t v)
{
    MMIO32(CLINT_MTIMECMP) = 0xffffffff;
    MMIO32(CLINT_MTIMECMP + 4) = (uint32_t)(v >> 32);
    MMIO32(CLINT_MTIMECMP) = (uint32_t)v;
}

__attribute__((interrupt("machine"), aligned(4))) static void isr(void)
{
    uint32_t cause;
    __asm__ volatile("csrr %0, mcause" : "=r"(cause));
    if (cause != 0x80000007u) {
        printf("unexpected mcause 0x%08lx\n", (unsigned long)cause);
        board_exit(2);
    }
    seen[ticks] = clint_mtime();
    ticks++;
    next_cmp += PERIOD;
    set_cmp(ticks == TICKS ? UINT64_MAX : next_cmp);
}

/* mtime expected at `cycles` of the 16 MHz clock. */
static uint64_t ticks_at(uint64_t cycles)
{
    return cycles * RTCCLK_HZ / CPU_HZ;
}

int main(void)
{
    uint32_t cycle = read_mcycle();
    uint64_t now = clint_mtime();
    uint32_t time_lo;
    __asm__ volatile("rdtime %0" : "=r"(time_lo));
    uint64_t expect = ticks_at(cycle);
    printf("mtime follows mcycle at 32768 Hz / 16 MHz: %s\n",
           now == expect || now == expect + 1 ? "yes" : "no");
    printf("rdtime reads mtime: %s\n",
           time_lo - (uint32_t)now <= 1 ? "yes" : "no");

    __asm__ volatile("csrw mtvec, %0" :: "r"(isr));
    uint64_t start = clint_mtime();
    uint32_t cycles0 = read_mcycle();
    next_cmp = start + PERIOD;
    set_cmp(next_cmp);
    __asm__ volatile("csrs mie, %0" :: "r"(1u << 7));
    __asm__ volatile("csrs mstatus, 8");
    while (ticks < TICKS)
        __asm__ volatile("wfi");
    uint32_t cycles = read_mcycle() - cycles0;

    int ok = 1;
    for (int i = 0; i < TICKS; i++) {
        uint64_t at = seen[i] - start;
        printf("tick %d at mtime start + %lu\n", i + 1, (unsigned long)at);
        ok &= at == (uint64_t)PERIOD * (i + 1);
    }
    uint64_t want = (uint64_t)PERIOD * TICKS * CPU_HZ / RTCCLK_HZ;
    printf("%d ticks of 32768 Hz took %s cycles of 16 MHz\n", PERIOD * TICKS,
           cycles >= want - 600 && cycles <= want + 600 ? "~80566" : "wrong");
    return ok ? 0 : 1;
}
