/* counters: mcycle, minstret and their user-level shadows (M-mode).
 *
 * minstret counts exactly: a CSR read sees the count before its own
 * instruction retires, so between `csrr minstret` and the next one with
 * ten instructions in between the difference is 11 (also over a counted
 * loop, and for cycle/instret, the read-only shadows); a value written to
 * minstret is what the next instruction reads (the spec: the write replaces
 * the writing instruction's increment). mcycle increases; mcycleh and
 * minstreth follow a write; cycle/instret/cycleh/instreth equal the
 * machine counters.
 *
 * QEMU counts instructions only with -icount (without it minstret follows
 * the host clock): tools/isa_qemu_check.py runs this test with
 * `-icount shift=0`. Known QEMU 7.2 deviation, tolerated with a
 * "deviation:" lines: the csrw to minstret is counted on top of the value
 * written (the next read sees it + 1), and minstret wrapping does not carry
 * into minstreth.
 */
#include "macros.h"

/* Check num: reg (read after a write to minstret) equals expected; one
 * more (the writing instruction's increment added after the write) is
 * tolerated as a deviation. */
.macro CHECK_AFTER_WRITE num, reg, expected
    li t6, \expected + 1
    bne \reg, t6, .Lcmp\@
    DEVIATION "the instruction writing minstret also counted itself"
    j .Ldone\@
.Lcmp\@:
    CHECK \num, \reg, \expected
.Ldone\@:
.endm

TEST_BEGIN "counters"

    /* minstret: 10 instructions in between -> 11 */
    csrr a0, minstret
    nop; nop; nop; nop; nop
    nop; nop; nop; nop; nop
    csrr a1, minstret
    sub a2, a1, a0
    CHECK 1, a2, 11
    /* no instruction in between -> 1 */
    csrr a0, minstret
    csrr a1, minstret
    sub a2, a1, a0
    CHECK 2, a2, 1
    /* compressed instructions count one each */
    .option push
    .option rvc
    csrr a0, minstret
    c.nop; c.nop; c.nop; c.li a3, 1; c.addi a3, 1
    csrr a1, minstret
    .option pop
    sub a2, a1, a0
    CHECK 3, a2, 6
    /* a loop: 1 + 3 * 20 + 1 */
    csrr a0, minstret
    li a3, 20
1:  addi a3, a3, -1
    nop
    bnez a3, 1b
    csrr a1, minstret
    sub a2, a1, a0
    CHECK 4, a2, 62
    /* instret, the user shadow */
    csrr a0, minstret
    rdinstret a1
    sub a2, a1, a0
    CHECK 5, a2, 1

    /* a write is what the next instruction reads */
    li a1, 1000
    csrw minstret, a1
    csrr a0, minstret
    CHECK_AFTER_WRITE 6, a0, 1000
    csrw minstret, zero
    nop
    csrr a0, minstret
    CHECK_AFTER_WRITE 7, a0, 1
    /* minstreth: carry from minstret, and writable */
    li a1, -2
    csrw minstreth, zero
    csrw minstret, a1           /* 0x00000000_fffffffe */
    nop                         /* fffffffe -> ffffffff */
    nop                         /* -> 1_00000000 */
    csrr a0, minstreth
    bnez a0, 1f
    DEVIATION "minstret wrapping did not carry into minstreth"
    j 2f
1:  CHECK 8, a0, 1
2:
    li a1, 0x1234
    csrw minstreth, a1
    csrr a0, minstreth
    CHECK 9, a0, 0x1234
    rdinstreth a0
    CHECK 10, a0, 0x1234

    /* mcycle increases, and so does cycle */
    csrr a0, mcycle
    nop; nop; nop; nop
    csrr a1, mcycle
    sub a2, a1, a0
    li gp, 20
    blez a2, fail
    rdcycle a0
    nop
    rdcycle a1
    sub a2, a1, a0
    li gp, 21
    blez a2, fail
    CHECK_NUM 20
    CHECK_NUM 21
    /* mcycle writable; mcycleh read through cycleh */
    li a1, 0x77
    csrw mcycleh, a1
    csrr a0, mcycleh
    CHECK 22, a0, 0x77
    rdcycleh a0
    CHECK 23, a0, 0x77
    csrw mcycle, zero
    csrr a0, mcycle
    li a1, 100
    li gp, 24
    bgeu a0, a1, fail           /* a small count since the write */
    CHECK_NUM 24

TEST_END
