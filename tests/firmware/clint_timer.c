/* CLINT on virt32: rdtime follows virtual time (10 MHz timebase = the CPU
 * clock, so time and mcycle advance together), a software interrupt is
 * taken once, and three timer interrupts 1000 ticks apart wake wfi. */
#include <stdio.h>
#include <stdint.h>
#include "board.h"

static volatile int msi_count, mti_count;
static volatile uint32_t last_cause;

__attribute__((interrupt("machine"), aligned(4))) static void isr(void)
{
    uint32_t cause;
    __asm__ volatile("csrr %0, mcause" : "=r"(cause));
    last_cause = cause;
    if (cause == 0x80000003u) {
        msi_count++;
        MMIO32(CLINT_MSIP) = 0;
    } else if (cause == 0x80000007u) {
        mti_count++;
        clint_set_cmp(clint_mtime() + 1000);
        if (mti_count == 3)
            clint_set_cmp(UINT64_MAX);
    }
}

int main(void)
{
    uint32_t t0, t1;
    __asm__ volatile("csrw mtvec, %0" :: "r"(isr));
    __asm__ volatile("rdtime %0" : "=r"(t0));
    for (volatile int i = 0; i < 100; i++) {}
    __asm__ volatile("rdtime %0" : "=r"(t1));
    printf("time advances: %s\n", t1 > t0 ? "yes" : "no");
    uint32_t time_now, cycle_now;
    __asm__ volatile("rdtime %0\n\tcsrr %1, mcycle" : "=r"(time_now), "=r"(cycle_now));
    printf("time and mcycle agree: %s\n", cycle_now - time_now == 1 ? "yes" : "no");
    __asm__ volatile("csrs mie, %0" :: "r"((1u << 3) | (1u << 7)));
    __asm__ volatile("csrs mstatus, 8");
    MMIO32(CLINT_MSIP) = 1;
    for (volatile int i = 0; i < 10; i++) {}
    printf("msi: %d\n", msi_count);
    uint64_t start = clint_mtime();
    clint_set_cmp(start + 1000);
    while (mti_count < 3)
        __asm__ volatile("wfi");
    uint64_t end = clint_mtime();
    printf("mti: %d after %s ticks\n", mti_count,
           end - start >= 3000 && end - start < 3100 ? "~3000" : "wrong");
    return msi_count == 1 && mti_count == 3 ? 0 : 1;
}
