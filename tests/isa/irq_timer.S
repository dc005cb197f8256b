/* irq_timer: the machine timer interrupt through the CLINT (needs the
 * CLINT, interrupts and the time CSR).
 *
 * mtime advances; the time/timeh CSRs follow mtime; mip.MTIP follows
 * mtime >= mtimecmp (also with every interrupt disabled) and is not
 * writable through mip; with mtvec direct a timer interrupt arrives
 * (mcause 0x80000007, mepc inside the waiting loop, MPIE = 1, MIE = 0 and
 * MPP = M in the handler, MIE = 1 again after mret) exactly once; a
 * pending interrupt is taken right after the csrs that enables it
 * (mstatus.MIE or mie.MTIE: the spec has the conditions evaluated
 * immediately after such a write), so mepc is the next instruction; with
 * mtvec vectored it enters at base + 4 * 7 while exceptions still enter at
 * the base; MIE = 1 with MTIE = 0 takes nothing.
 */
#include "macros.h"
#include "irq.h"

#define WAIT 200000                 /* loop turns before giving up */

TEST_BEGIN "irq_timer"

    call timer_off
    /* mtime advances */
    li t0, CLINT_MTIME
    lw s0, 0(t0)
    li t4, WAIT
1:  lw s1, 0(t0)
    bne s1, s0, 2f
    addi t4, t4, -1
    bnez t4, 1b
2:  li gp, 1
    beq s1, s0, fail
    CHECK_NUM 1

    /* time/timeh follow mtime */
    li t0, CLINT_MTIME
    lw s0, 0(t0)
    lw s2, 4(t0)
    rdtime s1
    rdtimeh s3
    sub a0, s1, s0              /* a few ticks at most */
    li a1, 10000
    li gp, 2
    bgeu a0, a1, fail
    CHECK_NUM 2
    CHECK_REG 3, s3, s2

    /* mip.MTIP follows the comparison, with nothing enabled */
    WAIT_MIP 4, MIP_MTIP, 0, WAIT
    call timer_past
    WAIT_MIP 5, MIP_MTIP, MIP_MTIP, WAIT
    call timer_off
    WAIT_MIP 6, MIP_MTIP, 0, WAIT
    /* not writable in mip */
    li a0, MIP_MTIP
    csrs mip, a0
    csrr a0, mip
    andi a0, a0, MIP_MTIP
    CHECK 7, a0, 0

    /* direct mode: an interrupt while waiting */
    la a0, irq_handler
    csrw mtvec, a0
    IRQ_RESET
    li a0, MIP_MTIP
    csrw mie, a0
    li a0, 1000
    call timer_in
    csrsi mstatus, MSTATUS_MIE
    li t4, WAIT
.Lwait_start:
    la t5, irq_rec
    lw t5, IR_COUNT(t5)
    bnez t5, .Lwait_end
    addi t4, t4, -1
    bnez t4, .Lwait_start
.Lwait_end:
    CHECK_IRQ_COUNT 10, 1
    IRQ_FIELD 0, IR_CAUSE
    CHECK 11, t5, CAUSE_MTI
    IRQ_FIELD 0, IR_EPC         /* in the loop */
    la t6, .Lwait_start
    li gp, 12
    bltu t5, t6, fail
    la t6, .Lwait_end
    bgeu t5, t6, fail
    CHECK_NUM 12
    IRQ_FIELD 0, IR_MSTATUS
    li t6, MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP
    and t5, t5, t6
    CHECK 13, t5, MSTATUS_MPIE | MSTATUS_MPP
    IRQ_FIELD 0, IR_SLOT
    CHECK 14, t5, -1
    csrr a0, mstatus
    andi a0, a0, MSTATUS_MIE
    CHECK 15, a0, MSTATUS_MIE
    /* exactly once: the handler turned the timer off */
    li t4, 20000
1:  addi t4, t4, -1
    bnez t4, 1b
    CHECK_IRQ_COUNT 16, 1
    csrci mstatus, MSTATUS_MIE

    /* pending, then enabled by mstatus.MIE: taken before the next insn */
    call timer_past
    WAIT_MIP 20, MIP_MTIP, MIP_MTIP, WAIT
    IRQ_RESET
    csrsi mstatus, MSTATUS_MIE
.Lafter_mie:
    nop
    csrci mstatus, MSTATUS_MIE
    CHECK_IRQ_COUNT 21, 1
    CHECK_IRQ 22, 0, CAUSE_MTI, .Lafter_mie

    /* pending, MIE = 1, then enabled by mie.MTIE */
    csrw mie, zero
    call timer_past
    WAIT_MIP 24, MIP_MTIP, MIP_MTIP, WAIT
    IRQ_RESET
    csrsi mstatus, MSTATUS_MIE
    li a0, MIP_MTIP
    csrs mie, a0
.Lafter_mtie:
    nop
    csrci mstatus, MSTATUS_MIE
    CHECK_IRQ_COUNT 25, 1
    CHECK_IRQ 26, 0, CAUSE_MTI, .Lafter_mtie

    /* MIE = 1 but MTIE = 0: nothing taken, MTIP stays pending */
    csrw mie, zero
    call timer_past
    WAIT_MIP 30, MIP_MTIP, MIP_MTIP, WAIT
    IRQ_RESET
    csrsi mstatus, MSTATUS_MIE
    nop
    nop
    csrci mstatus, MSTATUS_MIE
    CHECK_IRQ_COUNT 31, 0
    csrr a0, mip
    andi a0, a0, MIP_MTIP
    CHECK 32, a0, MIP_MTIP
    call timer_off

    /* vectored: the timer enters at base + 28 */
    la a0, irq_vectors
    ori a0, a0, 1
    csrw mtvec, a0
    li a0, MIP_MTIP
    csrw mie, a0
    call timer_past
    WAIT_MIP 40, MIP_MTIP, MIP_MTIP, WAIT
    IRQ_RESET
    csrsi mstatus, MSTATUS_MIE
.Lafter_vec:
    nop
    csrci mstatus, MSTATUS_MIE
    CHECK_IRQ_COUNT 41, 1
    CHECK_IRQ 42, 0, CAUSE_MTI, .Lafter_vec
    IRQ_FIELD 0, IR_SLOT
    CHECK 44, t5, 7
    /* ...and an exception in vectored mode enters at the base */
    EXPECT_TRAP(45, CAUSE_ECALL_M, ecall)
    CHECK_IRQ_COUNT 47, 1

    csrw mie, zero
    la a0, trap_handler
    csrw mtvec, a0

TEST_END
IRQ_SUPPORT
