/* branch: RV32I conditional branches.
 *
 * beq/bne/blt/bge/bltu/bgeu taken and not taken, signed vs unsigned
 * comparisons of the same bit patterns, rs1 == rs2, backward loops,
 * the largest offsets (+4094 to a 2-byte aligned target, -4096), and
 * branches forward and backward to a compressed instruction at an address
 * that is 2 but not 4-byte aligned.
 */
#include "macros.h"

/* Check num: `inst a1, a2` with a1 = v1, a2 = v2 is taken. */
.macro BR_TAKEN num, inst, v1, v2
    CHECK_NUM \num
    li gp, \num
    li a1, \v1
    li a2, \v2
    \inst a1, a2, .Ltaken\@
    j fail
.Ltaken\@:
.endm

/* Check num: `inst a1, a2` with a1 = v1, a2 = v2 falls through. */
.macro BR_NOT_TAKEN num, inst, v1, v2
    CHECK_NUM \num
    li gp, \num
    li a1, \v1
    li a2, \v2
    \inst a1, a2, .Lbad\@
    j .Lok\@
.Lbad\@:
    j fail
.Lok\@:
.endm

TEST_BEGIN "branch"

    BR_TAKEN     1, beq, 5, 5
    BR_NOT_TAKEN 2, beq, 5, 6
    BR_TAKEN     3, beq, -1, 0xffffffff
    BR_NOT_TAKEN 4, beq, 0x80000000, 0
    BR_TAKEN     5, bne, 5, 6
    BR_NOT_TAKEN 6, bne, 5, 5
    BR_TAKEN     7, bne, 0x80000000, 0

    BR_TAKEN     10, blt, -1, 1
    BR_NOT_TAKEN 11, blt, 1, -1
    BR_TAKEN     12, blt, 0x80000000, 0x7fffffff
    BR_NOT_TAKEN 13, blt, 5, 5
    BR_NOT_TAKEN 14, blt, 0x7fffffff, 0x80000000
    BR_TAKEN     15, blt, -2, -1
    BR_TAKEN     16, bge, 1, -1
    BR_NOT_TAKEN 17, bge, -1, 1
    BR_TAKEN     18, bge, 5, 5
    BR_TAKEN     19, bge, 0x7fffffff, 0x80000000
    BR_NOT_TAKEN 20, bge, 0x80000000, 0x7fffffff
    BR_TAKEN     21, bge, -1, -1

    BR_TAKEN     30, bltu, 1, 0xffffffff
    BR_NOT_TAKEN 31, bltu, 0xffffffff, 1
    BR_NOT_TAKEN 32, bltu, 5, 5
    BR_TAKEN     33, bltu, 0, 0x80000000
    BR_NOT_TAKEN 34, bltu, 0x80000000, 0x7fffffff
    BR_TAKEN     35, bgeu, 0xffffffff, 1
    BR_NOT_TAKEN 36, bgeu, 1, 0xffffffff
    BR_TAKEN     37, bgeu, 5, 5
    BR_TAKEN     38, bgeu, 0, 0
    BR_TAKEN     39, bgeu, 0x80000000, 0x7fffffff
    BR_NOT_TAKEN 40, bgeu, 0, 1

    /* rs1 == rs2 */
    li a1, -3
    li gp, 41
    beq a1, a1, 1f
    j fail
1:  blt a1, a1, 2f
    bltu a1, a1, 2f
    bne a1, a1, 2f
    bge a1, a1, 3f
2:  j fail
3:  bgeu a1, a1, 4f
    j fail
4:  CHECK_NUM 41

    /* backward: loops counting down */
    TEST_CASE(50, a2, 3,    li a0, 3; li a2, 0; 5: addi a2, a2, 1; addi a0, a0, -1; bnez a0, 5b)
    TEST_CASE(51, a2, 10,   li a0, -10; li a2, 0; 5: addi a2, a2, 1; addi a0, a0, 1; blt a0, zero, 5b)
    TEST_CASE(52, a2, 7,    li a0, 7; li a2, 0; 5: addi a2, a2, 1; addi a0, a0, -1; bgeu a0, a2, 5b; addi a2, a2, 3)
    TEST_CASE(53, a2, 4,    li a0, 0; li a2, 0; li a1, 4; 5: addi a2, a2, 1; addi a0, a0, 1; bltu a0, a1, 5b)

    /* the largest forward offset, +4094: the target is 2-byte aligned */
    CODE_ALIGN 4
    li gp, 60
    li a0, 0
    beq zero, zero, .Lfar_fwd       /* at a 4-aligned address A */
    j fail
    .skip 4094 - 8
.Lfar_fwd:                          /* A + 4094 */
    .option push
    .option rvc
    c.li a0, 9                      /* then 4-byte aligned again */
    .option pop
    CHECK 60, a0, 9
    la a1, .Lfar_fwd
    andi a1, a1, 3
    CHECK 61, a1, 2

    /* the largest backward offset, -4096 */
    li gp, 62
    li a0, 0
    j .Lfar_bwd_from
.Lfar_bwd_to:                       /* B - 4096 */
    li a0, 11
    j .Lfar_bwd_done
    .skip 4096 - 8
.Lfar_bwd_from:                     /* B */
    bne zero, a0, fail
    beq a0, zero, .Lfar_bwd_to
    j fail
.Lfar_bwd_done:
    CHECK 63, a0, 11

    /* forward to a compressed instruction at 4k+2 */
    CODE_ALIGN 4
    li gp, 70
    li a0, 0
    bne a0, gp, 6f                  /* 4 bytes at 4k */
    .option push
    .option rvc
    c.li a0, 1                      /* 4k+4: skipped */
6:  c.addi a0, 2                    /* 4k+6 */
    c.nop
    .option pop
    CHECK 70, a0, 2
    la a1, 6b
    andi a1, a1, 3
    CHECK 71, a1, 2

    /* backward to a compressed instruction at 4k+2 */
    li gp, 72
    li a0, 0
    li a1, 0
    j 8f
    CODE_ALIGN 4
    .option push
    .option rvc
    c.nop
7:  c.addi a0, 1                    /* 4k+2 */
    c.addi a1, 1
    .option pop
    li t0, 3
    blt a1, t0, 7b
    j 9f
8:  li a0, 100
    j 7b
9:  CHECK 73, a0, 103
    CHECK 74, a1, 3
    la a1, 7b
    andi a1, a1, 3
    CHECK 75, a1, 2

TEST_END
