/* The firmware the reconfiguration soak (tests/unit/test_reconfig_soak.c)
 * runs while its board changes under it: it prints "n=K\n" for K = 0, 1,
 * 2, ... through UART0 forever, and takes a CLINT timer interrupt every
 * few hundred cycles.
 *
 * Nothing the soak does may stop it: an access fault (a device removed
 * under it: UART0 powered off, the CLINT gone) is skipped by the trap
 * handler, and the line being printed is started again, so the output
 * stays a gapless sequence of whole lines. The timer handler touches no
 * device (a fault inside it would be a nested trap, which would lose its
 * mepc): it masks the timer, and the main loop, where a fault is
 * harmless, re-arms it. No .expect: it never ends on its own. */
#include <stdint.h>
#include "board.h"

#define MIE_MTIE (1u << 7)
#define CAUSE_LOAD_FAULT 5u
#define CAUSE_STORE_FAULT 7u
#define TIMER_INTERVAL 300u

static volatile uint32_t faults;  /* access faults skipped so far */
static volatile uint32_t ticks;   /* timer interrupts so far (a debugger's) */

/* The length of the instruction at pc: 2 when compressed. */
static uint32_t insn_length(uint32_t pc)
{
    return (*(volatile uint16_t *)(uintptr_t)pc & 3u) == 3u ? 4u : 2u;
}

static void arm_timer(void)
{
    MMIO32(CLINT_MTIMECMP) = 0xffffffffu;
    MMIO32(CLINT_MTIMECMP + 4) = 0;
    MMIO32(CLINT_MTIMECMP) = MMIO32(CLINT_MTIME) + TIMER_INTERVAL;
}

__attribute__((interrupt("machine"), aligned(4))) void soak_trap(void)
{
    uint32_t cause, epc;
    __asm__ volatile("csrr %0, mcause" : "=r"(cause));
    if (cause == 0x80000007u) {
        ticks++;
        __asm__ volatile("csrc mie, %0" :: "r"(MIE_MTIE));
        return;
    }
    if (cause == CAUSE_LOAD_FAULT || cause == CAUSE_STORE_FAULT) {
        faults++;
        __asm__ volatile("csrr %0, mepc" : "=r"(epc));
        epc += insn_length(epc);
        __asm__ volatile("csrw mepc, %0" :: "r"(epc));
        return;
    }
    for (;;) /* nothing else is expected: hang where a debugger sees it */
        ;
}

/* Sends one byte; false, and nothing sent, when UART0 faulted (it may be
 * gone). */
static int put(char c)
{
    uint32_t before = faults;
    for (int tries = 0; tries < 10000; tries++) {
        uint8_t lsr = MMIO8(UART0_BASE + UART_LSR);
        if (faults != before)
            return 0;
        if (lsr & UART_LSR_THRE)
            break;
    }
    MMIO8(UART0_BASE + UART_THR) = (uint8_t)c;
    return faults == before;
}

/* "n=K\n", whole or not at all as far as a changed UART0 allows: on a
 * fault the broken line is ended with "~\n" (so that a line missing only
 * its newline is not taken for a whole one) and begun again. */
static void print_line(uint32_t k)
{
    char text[16];
    int len = 0;
    text[len++] = 'n';
    text[len++] = '=';
    char digits[10];
    int nd = 0;
    do {
        digits[nd++] = (char)('0' + k % 10);
        k /= 10;
    } while (k);
    while (nd)
        text[len++] = digits[--nd];
    text[len++] = '\n';
    for (;;) {
        int i = 0;
        while (i < len && put(text[i]))
            i++;
        if (i == len)
            return;
        while (!put('~')) /* wait for a UART0 again, mark the broken line */
            ;
        while (!put('\n'))
            ;
    }
}

int main(void)
{
    __asm__ volatile("csrw mtvec, %0" :: "r"(soak_trap));
    arm_timer();
    __asm__ volatile("csrs mie, %0" :: "r"(MIE_MTIE));
    __asm__ volatile("csrs mstatus, 8");
    for (uint32_t k = 0;; k++) {
        print_line(k);
        uint32_t mie;
        __asm__ volatile("csrr %0, mie" : "=r"(mie));
        if (!(mie & MIE_MTIE)) { /* a tick was taken: the next one */
            arm_timer();
            __asm__ volatile("csrs mie, %0" :: "r"(MIE_MTIE));
        }
    }
}
