/* irq_nested: traps inside an interrupt handler (needs the CLINT and
 * interrupts).
 *
 * A timer interrupt's handler (MIE = 0 there) runs ecall: the exception is
 * taken at once (mcause 11, mepc = that ecall, MPIE = 0) and returns with
 * MIE still 0. The handler then raises MSI, which stays pending while
 * MIE = 0; enabling MIE inside the handler takes it right away (a nested
 * interrupt: mepc = the next handler instruction, MPIE = 1). The handler
 * saves mepc/mstatus around all this (the nested traps overwrite them) and
 * its final mret resumes the interrupted code with MIE = 1. The handler
 * here (nest_handler) is reentrant: it keeps its state on the stack.
 */
#include "macros.h"
#include "irq.h"

#define WAIT 200000                 /* loop turns before giving up */

#define NR_ECALLS   0
#define NR_CAUSE    4
#define NR_EPC      8
#define NR_MSTATUS  12
#define NR_AFTER    16              /* mstatus after the ecall returned */

/* t5 = nest_rec field */
.macro NEST_FIELD field
    la t5, nest_rec
    lw t5, \field(t5)
.endm

TEST_BEGIN "irq_nested"

    la a0, nest_handler
    csrw mtvec, a0
    IRQ_RESET
    li a0, MIP_MTIP | MIP_MSIP
    csrw mie, a0
    call timer_past
    WAIT_MIP 1, MIP_MTIP, MIP_MTIP, WAIT
    csrsi mstatus, MSTATUS_MIE
.Lafter_mie:
    csrr s0, mstatus
    csrci mstatus, MSTATUS_MIE

    CHECK_IRQ_COUNT 2, 2
    CHECK_IRQ 3, 0, CAUSE_MTI, .Lafter_mie
    CHECK_IRQ 5, 1, CAUSE_MSI, .Lnested_point
    IRQ_FIELD 1, IR_MSTATUS     /* MSI came while MIE = 1 in the handler */
    li t6, MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP
    and t5, t5, t6
    CHECK 7, t5, MSTATUS_MPIE | MSTATUS_MPP
    /* the ecall in the handler */
    NEST_FIELD NR_ECALLS
    CHECK 10, t5, 1
    NEST_FIELD NR_CAUSE
    CHECK 11, t5, CAUSE_ECALL_M
    NEST_FIELD NR_EPC
    CHECK_ADDR 12, t5, .Lhandler_ecall
    NEST_FIELD NR_MSTATUS       /* taken with MIE = 0: MPIE = 0 */
    li t6, MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP
    and t5, t5, t6
    CHECK 13, t5, MSTATUS_MPP
    NEST_FIELD NR_AFTER         /* back in the handler: MIE still 0 */
    andi t5, t5, MSTATUS_MIE
    CHECK 14, t5, 0
    /* back in the main code: MIE = 1, nothing pending */
    andi a0, s0, MSTATUS_MIE
    CHECK 15, a0, MSTATUS_MIE
    csrr a0, mip
    andi a0, a0, MIP_MTIP | MIP_MSIP
    CHECK 16, a0, 0

    csrw mie, zero
    la a0, trap_handler
    csrw mtvec, a0

TEST_END
IRQ_SUPPORT

    .text
    CODE_ALIGN 4
nest_handler:
    addi sp, sp, -48
    sw ra, 0(sp)
    sw t0, 4(sp)
    sw t1, 8(sp)
    sw t2, 12(sp)
    sw t3, 16(sp)
    sw t4, 20(sp)
    sw t5, 24(sp)
    sw a0, 28(sp)
    csrr t0, mcause
    bltz t0, .Lirq
    /* an exception: the ecall below; step over it */
    la t1, nest_rec
    lw t2, NR_ECALLS(t1)
    addi t2, t2, 1
    sw t2, NR_ECALLS(t1)
    sw t0, NR_CAUSE(t1)
    csrr t2, mstatus
    sw t2, NR_MSTATUS(t1)
    csrr t2, mepc
    sw t2, NR_EPC(t1)
    addi t2, t2, 4
    csrw mepc, t2
    j .Lret
.Lirq:
    la t1, irq_rec              /* log it like irq_handler */
    lw t2, IR_COUNT(t1)
    addi t3, t2, 1
    sw t3, IR_COUNT(t1)
    slli t2, t2, 4
    add t2, t2, t1
    sw t0, IR_LOG + IR_CAUSE(t2)
    csrr t3, mepc
    sw t3, IR_LOG + IR_EPC(t2)
    csrr t3, mstatus
    sw t3, IR_LOG + IR_MSTATUS(t2)
    li t3, -1
    sw t3, IR_LOG + IR_SLOT(t2)
    slli t0, t0, 1
    srli t0, t0, 1
    li t1, 7
    beq t0, t1, .Lmti
    li t1, 3
    beq t0, t1, .Lmsi
    li gp, 121
    j fail
.Lmsi:
    li t1, CLINT_MSIP
    sw zero, 0(t1)
    j .Lret
.Lmti:
    call timer_off
    csrr t4, mepc               /* the nested traps overwrite these */
    csrr t5, mstatus
    sw t4, 32(sp)
    sw t5, 36(sp)
.Lhandler_ecall:
    ecall
    csrr t0, mstatus
    la t1, nest_rec
    sw t0, NR_AFTER(t1)
    li a0, 1                    /* MSI pending, not taken: MIE = 0 */
    call msip_set
    li t4, WAIT
1:  csrr t0, mip
    andi t0, t0, MIP_MSIP
    bnez t0, 2f
    addi t4, t4, -1
    bnez t4, 1b
2:  csrsi mstatus, MSTATUS_MIE  /* taken here */
.Lnested_point:
    nop
    csrci mstatus, MSTATUS_MIE
    lw t4, 32(sp)
    lw t5, 36(sp)
    csrw mepc, t4
    csrw mstatus, t5
.Lret:
    lw ra, 0(sp)
    lw t0, 4(sp)
    lw t1, 8(sp)
    lw t2, 12(sp)
    lw t3, 16(sp)
    lw t4, 20(sp)
    lw t5, 24(sp)
    lw a0, 28(sp)
    addi sp, sp, 48
    mret

    .data
    .balign 4
nest_rec: .word 0, 0, 0, 0, 0
