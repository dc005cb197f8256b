/* tests/isa/irq.h: interrupt helpers for tests/isa/irq_*.S (include after
 * macros.h; put IRQ_SUPPORT after TEST_END).
 *
 * irq_handler (direct mode) and irq_vectors (vectored mode: slot 0 jumps to
 * the default trap_handler, slots 3 and 7 to the MSI/MTI entries, every
 * other slot to an entry that logs slot 99) log each interrupt in irq_rec
 * (mcause, mepc, mstatus and the vector slot: -1 when direct), then quiet
 * its source (MTI: mtimecmp = all ones; MSI: msip = 0) and mret. An
 * exception reaching irq_handler goes on to the default trap_handler. An
 * interrupt of another kind fails the test with check 121.
 *
 * CLINT (QEMU virt and mcusim virt32): msip 0x2000000, mtimecmp 0x2004000,
 * mtime 0x200bff8, 10 MHz; every access 32-bit (mtimecmp is written high
 * word first as all ones, so no spurious compare happens in between).
 *
 * Subroutines (call): timer_in(a0 = ticks from now), timer_off,
 * timer_past (mtimecmp = 0: MTIP pending at once), msip_set(a0);
 * they clobber t0-t3.
 */
#ifndef TESTS_ISA_IRQ_H
#define TESTS_ISA_IRQ_H

#define IR_COUNT        0
#define IR_LOG          4       /* IRQ_LOG_MAX entries of IR_ENTRY bytes */
#define IR_CAUSE        0
#define IR_EPC          4
#define IR_MSTATUS      8
#define IR_SLOT         12
#define IR_ENTRY        16
#define IRQ_LOG_MAX     8

/* Forgets the interrupts logged so far. Clobbers t6. */
.macro IRQ_RESET
    la t6, irq_rec
    sw zero, IR_COUNT(t6)
.endm

/* t5 = field \field (IR_*) of logged interrupt \i (0 = the first). */
.macro IRQ_FIELD i, field
    la t5, irq_rec
    lw t5, IR_LOG + \i * IR_ENTRY + \field(t5)
.endm

/* Check \num: \n interrupts logged since IRQ_RESET. */
.macro CHECK_IRQ_COUNT num, n
    la t5, irq_rec
    lw t5, IR_COUNT(t5)
    CHECK \num, t5, \n
.endm

/* Checks \num..\num+1: interrupt \i has mcause \cause (\num) and mepc
 * \epc_label (\num+1). */
.macro CHECK_IRQ num, i, cause, epc_label
    IRQ_FIELD \i, IR_CAUSE
    CHECK \num, t5, \cause
    IRQ_FIELD \i, IR_EPC
    CHECK_ADDR (\num + 1), t5, \epc_label
.endm

/* Check \num: waits (at most \max loop turns) until at least \n
 * interrupts are logged; fails if they do not come. Clobbers t4, t5. */
.macro WAIT_IRQS num, n, max
    CHECK_NUM \num
    li gp, \num
    li t4, \max
.Lwait\@:
    la t5, irq_rec
    lw t5, IR_COUNT(t5)
    li t6, \n
    bge t5, t6, .Lgot\@
    addi t4, t4, -1
    bnez t4, .Lwait\@
    j fail_value                /* timed out: shows the count */
.Lgot\@:
.endm

/* Check \num: waits (at most \max turns) until (mip & \bit) == \value.
 * Clobbers t4, t5. */
.macro WAIT_MIP num, bit, value, max
    li t4, \max
.Lwait\@:
    csrr t5, mip
    andi t5, t5, \bit
    li t6, \value
    beq t5, t6, .Lgot\@
    addi t4, t4, -1
    bnez t4, .Lwait\@
.Lgot\@:
    CHECK \num, t5, \value
.endm

/* Emits the handlers, the vector table, the CLINT subroutines and
 * irq_rec. */
.macro IRQ_SUPPORT
    .text
    CODE_ALIGN 4
irq_handler:
    csrrw t0, mscratch, t0
    sw t1, TS_T1(t0)
    li t1, -1                   /* direct mode: no slot */
irq_entry:                      /* t0 = trap_save, t1 = slot */
    sw t2, TS_T2(t0)
    csrr t2, mcause
    bltz t2, 1f
    lw t1, TS_T1(t0)            /* an exception: to the default handler */
    lw t2, TS_T2(t0)
    csrrw t0, mscratch, t0
    j trap_handler
1:  sw t3, TS_X3(t0)
    sw t4, TS_X4(t0)
    la t3, irq_rec
    lw t4, IR_COUNT(t3)
    addi t4, t4, 1
    sw t4, IR_COUNT(t3)
    li t2, IRQ_LOG_MAX
    bgt t4, t2, 2f              /* log full: count only */
    addi t4, t4, -1
    slli t4, t4, 4
    add t4, t4, t3
    csrr t2, mcause
    sw t2, IR_LOG + IR_CAUSE(t4)
    csrr t2, mepc
    sw t2, IR_LOG + IR_EPC(t4)
    csrr t2, mstatus
    sw t2, IR_LOG + IR_MSTATUS(t4)
    sw t1, IR_LOG + IR_SLOT(t4)
2:  csrr t2, mcause
    slli t2, t2, 1
    srli t2, t2, 1
    li t3, 7
    beq t2, t3, 3f
    li t3, 3
    beq t2, t3, 4f
    li gp, 121                  /* not an interrupt these tests make */
    j fail
3:  li t3, CLINT_MTIMECMP       /* MTI: mtimecmp = all ones */
    li t4, -1
    sw t4, 4(t3)
    sw t4, 0(t3)
    j 5f
4:  li t3, CLINT_MSIP           /* MSI: msip = 0 */
    sw zero, 0(t3)
5:  lw t4, TS_X4(t0)
    lw t3, TS_X3(t0)
    lw t2, TS_T2(t0)
    lw t1, TS_T1(t0)
    csrrw t0, mscratch, t0
    mret

/* vectored mode: base + 4 * cause */
    CODE_ALIGN 64
irq_vectors:
    j trap_handler              /* 0: exceptions */
    j irq_vec_other             /* 1 */
    j irq_vec_other             /* 2 */
    j irq_vec_msi               /* 3: machine software */
    j irq_vec_other             /* 4 */
    j irq_vec_other             /* 5 */
    j irq_vec_other             /* 6 */
    j irq_vec_mti               /* 7: machine timer */
    j irq_vec_other             /* 8 */
    j irq_vec_other             /* 9 */
    j irq_vec_other             /* 10 */
    j irq_vec_other             /* 11: machine external */
    j irq_vec_other             /* 12 */
    j irq_vec_other             /* 13 */
    j irq_vec_other             /* 14 */
    j irq_vec_other             /* 15 */
irq_vec_msi:
    csrrw t0, mscratch, t0
    sw t1, TS_T1(t0)
    li t1, 3
    j irq_entry
irq_vec_mti:
    csrrw t0, mscratch, t0
    sw t1, TS_T1(t0)
    li t1, 7
    j irq_entry
irq_vec_other:
    csrrw t0, mscratch, t0
    sw t1, TS_T1(t0)
    li t1, 99
    j irq_entry

/* timer_in(a0): mtimecmp = mtime + a0 */
timer_in:
    li t0, CLINT_MTIME
1:  lw t2, 4(t0)
    lw t1, 0(t0)
    lw t3, 4(t0)
    bne t2, t3, 1b
    add t1, t1, a0
    sltu t3, t1, a0
    add t2, t2, t3
    li t0, CLINT_MTIMECMP
    li t3, -1
    sw t3, 4(t0)
    sw t1, 0(t0)
    sw t2, 4(t0)
    ret

/* timer_off: mtimecmp = all ones (never) */
timer_off:
    li t0, CLINT_MTIMECMP
    li t3, -1
    sw t3, 4(t0)
    sw t3, 0(t0)
    ret

/* timer_past: mtimecmp = 0 (due now) */
timer_past:
    li t0, CLINT_MTIMECMP
    sw zero, 0(t0)
    sw zero, 4(t0)
    ret

/* msip_set(a0): msip = a0 */
msip_set:
    li t0, CLINT_MSIP
    sw a0, 0(t0)
    ret

    .data
    .balign 4
irq_rec:
    .word 0
    .fill IRQ_LOG_MAX * IR_ENTRY / 4, 4, 0xdeadbeef
.endm

#endif
