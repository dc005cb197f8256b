/* jump: jal and jalr.
 *
 * Link values (pc + 4, also for a jal at a 2-byte aligned address), rd = x0
 * writes nothing, jalr's target = (rs1 + imm) & ~1 (positive, negative and
 * odd offsets, odd base), jalr with rd == rs1 (the target uses the old
 * value), jal over more than 4 KiB in both directions, and jumps to
 * compressed instructions at 2-byte aligned addresses.
 */
#include "macros.h"

TEST_BEGIN "jump"

    /* jal links pc + 4 */
    li gp, 1
    jal ra, 1f
2:  j fail
1:  CHECK_ADDR 1, ra, 2b

    li gp, 2
    jal a5, 1f
2:  j fail
1:  CHECK_ADDR 2, a5, 2b

    /* jal x0 writes nothing */
    li gp, 3
    li ra, 0x55
    jal x0, 1f
    j fail
1:  CHECK 3, zero, 0
    CHECK 4, ra, 0x55

    /* jalr: link pc + 4, target rs1 + imm */
    li gp, 5
    la a1, 1f
    jalr a0, 0(a1)
2:  j fail
1:  CHECK_ADDR 5, a0, 2b

    li gp, 6
    la a1, 1f - 8
    jalr a0, 8(a1)
    j fail
1:  li gp, 7
    la a1, 1f + 16
    jalr a0, -16(a1)
    j fail
1:  li gp, 8
    la a1, 1f + 2048
    jalr a0, -2048(a1)
    j fail
1:  li gp, 9
    la a1, 1f - 2047
    addi a1, a1, -1                 /* 1f - 2048 + 2047 + 1 (odd) */
    jalr a0, 2047(a1)               /* ...& ~1 */
    j fail
1:  CHECK_NUM 6
    CHECK_NUM 7
    CHECK_NUM 8
    CHECK_NUM 9

    /* jalr clears bit 0 of the target: odd base, odd offset */
    li gp, 10
    la a1, 1f
    addi a1, a1, 1
    jalr a0, 0(a1)
    j fail
1:  li gp, 11
    la a1, 1f
    jalr a0, 1(a1)
    j fail
1:  li gp, 12
    la a1, 1f - 1
    jalr a0, 0(a1)                  /* odd: runs from 1f - 2 */
    j fail
    .option push
    .option rvc
    c.j 1f                          /* 1f - 2 */
    .option pop
1:  CHECK_NUM 10
    CHECK_NUM 11
    /* the cleared target is below the odd address, not above */
    li gp, 13
    la a1, 3f
    addi a1, a1, -1
    jalr a0, 0(a1)                  /* 3f - 1 & ~1 = 3f - 2 */
    j fail
    .option push
    .option rvc
    c.li a2, 13                     /* 3f - 2: the right target */
    .option pop
3:  CHECK 13, a2, 13
    CHECK_NUM 12

    /* jalr with rd == rs1: the target comes from the old rs1 */
    li gp, 14
    la a1, 1f
    jalr a1, 0(a1)
2:  j fail
1:  CHECK_ADDR 14, a1, 2b

    /* jalr ra, ra */
    li gp, 15
    la ra, 1f
    jalr ra, 0(ra)
2:  j fail
1:  CHECK_ADDR 15, ra, 2b

    /* jalr x0 (ret) writes nothing */
    li gp, 16
    la a1, 1f
    jalr x0, 0(a1)
    j fail
1:  CHECK 16, zero, 0

    /* far jal: forward and backward over 8 KiB */
    li gp, 20
    jal ra, .Lfar
2:  j .Lafter_far
.Lback:
    li a3, 21
    jalr x0, 0(s1)
.Lfar_return:
    CHECK_ADDR 20, a0, 2b
    CHECK 21, a3, 21
    jalr x0, 0(ra)
    .skip 0x2000
.Lfar:
    mv a0, ra
    la s1, .Lfar_return
    li a3, 0
    jal x0, .Lback
.Lafter_far:

    /* jal at a 2-byte aligned address links pc + 4 */
    CODE_ALIGN 4
    li gp, 30
    .option push
    .option rvc
    c.nop                           /* the jal below is at 4k + 2 */
    .option pop
4:  jal ra, 1f
2:  j fail
1:  CHECK_ADDR 30, ra, 2b
    la a1, 4b
    andi a1, a1, 3
    CHECK 31, a1, 2

    /* jal and jalr to compressed instructions at 4k + 2 */
    li gp, 32
    li a0, 0
    jal ra, .Lc_target
    CHECK 32, a0, 7
    la a1, .Lc_target
    andi a1, a1, 3
    CHECK 33, a1, 2
    li gp, 34
    li a0, 0
    la a1, .Lc_target
    jalr ra, 0(a1)
    CHECK 34, a0, 7
    j .Lc_done

    CODE_ALIGN 4
    .option push
    .option rvc
    c.nop
.Lc_target:                         /* 4k + 2 */
    c.li a0, 7
    c.jr ra
    .option pop
.Lc_done:

TEST_END
