/* The console tests' sleeping firmware (tests/console/run_console.py):
 * arms the CLINT timer for cycle WAKE_AT and sleeps in wfi; the timer
 * interrupt's handler exits with status 7. WAKE_AT is 2 ms on virt32,
 * where a slice of the run loop ends (sim/session.c), so the interrupt
 * becomes pending in the same clock round as the slice's end: the run
 * loop must see a hart about to wake, not one asleep for good. */
#include <stdint.h>
#include "board.h"

#define WAKE_AT 20000u
#define MIE_MTIE (1u << 7)
#define MSTATUS_MIE 8u

__attribute__((interrupt("machine"), aligned(4))) static void on_timer(void)
{
    board_exit(7);
}

int main(void)
{
    __asm__ volatile("csrw mtvec, %0" ::"r"(on_timer));
    clint_set_cmp(WAKE_AT);
    __asm__ volatile("csrs mie, %0" ::"r"(MIE_MTIE));
    __asm__ volatile("csrs mstatus, %0" ::"r"(MSTATUS_MIE));
    for (;;)
        __asm__ volatile("wfi");
}
