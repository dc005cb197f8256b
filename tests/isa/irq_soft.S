/* irq_soft: the machine software interrupt through the CLINT's msip
 * (needs the CLINT and interrupts).
 *
 * msip bit 0 drives mip.MSIP (bits 31:1 read 0); mip.MSIP is not writable
 * through mip; with mtvec direct a software interrupt arrives (mcause
 * 0x80000003, handler state as for the timer) exactly once after the
 * handler clears msip; a pending one is taken right after the csrs that
 * enables it (mepc = the next instruction); vectored, it enters at
 * base + 4 * 3.
 */
#include "macros.h"
#include "irq.h"

#define WAIT 200000                 /* loop turns before giving up */

TEST_BEGIN "irq_soft"

    li a0, 0
    call msip_set
    WAIT_MIP 1, MIP_MSIP, 0, WAIT
    li a0, 1
    call msip_set
    WAIT_MIP 2, MIP_MSIP, MIP_MSIP, WAIT
    li t0, CLINT_MSIP
    TEST_CASE(3, a0, 1, lw a0, 0(t0))
    li a0, -1                   /* only bit 0 exists */
    call msip_set
    li t0, CLINT_MSIP
    TEST_CASE(4, a0, 1, lw a0, 0(t0))
    li a0, 0
    call msip_set
    WAIT_MIP 5, MIP_MSIP, 0, WAIT
    li t0, CLINT_MSIP
    TEST_CASE(6, a0, 0, lw a0, 0(t0))
    /* not writable in mip */
    li a0, MIP_MSIP
    csrs mip, a0
    csrr a0, mip
    andi a0, a0, MIP_MSIP
    CHECK 7, a0, 0

    /* direct mode: raised while enabled */
    la a0, irq_handler
    csrw mtvec, a0
    IRQ_RESET
    li a0, MIP_MSIP
    csrw mie, a0
    csrsi mstatus, MSTATUS_MIE
    li a0, 1
    call msip_set
    WAIT_IRQS 10, 1, WAIT
    IRQ_FIELD 0, IR_CAUSE
    CHECK 11, t5, CAUSE_MSI
    IRQ_FIELD 0, IR_MSTATUS
    li t6, MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP
    and t5, t5, t6
    CHECK 12, t5, MSTATUS_MPIE | MSTATUS_MPP
    li t4, 20000                /* exactly once */
1:  addi t4, t4, -1
    bnez t4, 1b
    CHECK_IRQ_COUNT 13, 1
    li t0, CLINT_MSIP
    TEST_CASE(14, a0, 0, lw a0, 0(t0))
    csrci mstatus, MSTATUS_MIE

    /* pending, then enabled by mstatus.MIE */
    li a0, 1
    call msip_set
    WAIT_MIP 20, MIP_MSIP, MIP_MSIP, WAIT
    IRQ_RESET
    csrsi mstatus, MSTATUS_MIE
.Lafter_mie:
    nop
    csrci mstatus, MSTATUS_MIE
    CHECK_IRQ_COUNT 21, 1
    CHECK_IRQ 22, 0, CAUSE_MSI, .Lafter_mie

    /* vectored: base + 12 */
    la a0, irq_vectors
    ori a0, a0, 1
    csrw mtvec, a0
    li a0, 1
    call msip_set
    WAIT_MIP 30, MIP_MSIP, MIP_MSIP, WAIT
    IRQ_RESET
    csrsi mstatus, MSTATUS_MIE
.Lafter_vec:
    nop
    csrci mstatus, MSTATUS_MIE
    CHECK_IRQ_COUNT 31, 1
    CHECK_IRQ 32, 0, CAUSE_MSI, .Lafter_vec
    IRQ_FIELD 0, IR_SLOT
    CHECK 34, t5, 3

    csrw mie, zero
    la a0, trap_handler
    csrw mtvec, a0

TEST_END
IRQ_SUPPORT
