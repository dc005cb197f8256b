/* irq_wfi: wfi waking on the timer (needs the CLINT, interrupts and a wfi
 * that sleeps).
 *
 * With MIE = 1 and MTIE = 1, wfi sleeps until the timer fires and the
 * interrupt is taken with mepc = the instruction after the wfi (the spec:
 * "the interrupt trap will be taken on the following instruction"). With
 * MIE = 0 and MTIE = 1, wfi still wakes when MTIP becomes pending (wfi is
 * unaffected by mstatus.MIE) and execution continues after it without a
 * trap, MTIP pending and mtime past mtimecmp. With MTIP already pending,
 * wfi returns at once. These checks assume a wfi that really waits (as
 * mcusim's does): the spec would also allow a nop.
 */
#include "macros.h"
#include "irq.h"

#define WAIT 200000                 /* loop turns before giving up */

TEST_BEGIN "irq_wfi"

    la a0, irq_handler
    csrw mtvec, a0
    li a0, MIP_MTIP
    csrw mie, a0

    /* MIE = 1: the interrupt is taken after the wfi */
    IRQ_RESET
    li a0, 1000
    call timer_in
    csrsi mstatus, MSTATUS_MIE
    wfi
.Lafter_wfi:
    nop
    csrci mstatus, MSTATUS_MIE
    CHECK_IRQ_COUNT 1, 1
    CHECK_IRQ 2, 0, CAUSE_MTI, .Lafter_wfi

    /* MIE = 0: wakes, no trap, MTIP pending, mtime >= mtimecmp */
    IRQ_RESET
    li a0, 1000
    call timer_in
    wfi
    csrr a0, mip
    andi a0, a0, MIP_MTIP
    CHECK 10, a0, MIP_MTIP
    CHECK_IRQ_COUNT 11, 0
    li t0, CLINT_MTIMECMP
    lw a1, 0(t0)
    li t0, CLINT_MTIME
    lw a2, 0(t0)
    sub a0, a2, a1
    li gp, 12
    bltz a0, fail
    CHECK_NUM 12

    /* already pending: returns at once */
    call timer_past
    WAIT_MIP 20, MIP_MTIP, MIP_MTIP, WAIT
    wfi
    CHECK_IRQ_COUNT 21, 0
    call timer_off

    /* twice in a row, MIE = 1, with a longer sleep */
    IRQ_RESET
    li a0, 5000
    call timer_in
    csrsi mstatus, MSTATUS_MIE
    wfi
    li a0, 3000
    call timer_in
    wfi
.Lafter_wfi2:
    nop
    csrci mstatus, MSTATUS_MIE
    CHECK_IRQ_COUNT 30, 2
    CHECK_IRQ 31, 1, CAUSE_MTI, .Lafter_wfi2

    csrw mie, zero
    la a0, trap_handler
    csrw mtvec, a0

TEST_END
IRQ_SUPPORT
