/* compressed: the C extension (RV32C, integer instructions).
 *
 * c.li/c.addi (negative and positive 6-bit immediates), c.addi16sp and
 * c.addi4spn (scaled immediates, largest values), c.lwsp/c.swsp and
 * c.lw/c.sw (scaled offsets up to 252 / 124), c.mv, c.add, c.sub, c.xor,
 * c.or, c.and, c.srli/c.srai/c.slli by 1 and 31, c.andi, c.lui (positive
 * and negative), c.beqz/c.bnez taken and not taken, forward and backward,
 * c.j/c.jal (link pc + 2), c.jr/c.jalr (link pc + 2, rs1 == ra), c.nop,
 * and the 8 registers x8..x15 the 3-bit fields name (s0, s1, a0..a5).
 * Every instruction below is written with its c. mnemonic inside
 * `.option rvc`, so it is a 16-bit encoding.
 */
#include "macros.h"

TEST_BEGIN "compressed"
    .option push
    .option rvc

    TEST_CASE(1, a0, 0xffffffe0, c.li a0, -32)
    TEST_CASE(2, a0, 31,         c.li a0, 31)
    TEST_CASE(3, t0, 0,          li t0, 5; c.li t0, 0)
    TEST_CASE(4, a0, 30,         c.li a0, 31; c.addi a0, -1)
    TEST_CASE(5, a0, 0xffffffe1, c.li a0, 1; c.addi a0, -32)
    TEST_CASE(6, a0, 0x8000001e, li a0, 0x7fffffff; c.addi a0, 31)
    TEST_CASE(7, s0, 0x12,       li s0, -1; c.li s0, 0x12)

    /* c.lui: nzimm[17:12], sign-extended from bit 17 */
    TEST_CASE(8, a0, 0x00001000, c.lui a0, 1)
    TEST_CASE(9, a0, 0x0001f000, c.lui a0, 0x1f)
    TEST_CASE(10, a0, 0xfffe0000, c.lui a0, 0xfffe0)
    TEST_CASE(11, a0, 0xfffff000, c.lui a0, 0xfffff)

    /* c.addi16sp: nzimm * 16 in -512..496; c.addi4spn: nzuimm * 4 up to 1020 */
    mv s1, sp
    TEST_CASE(12, a0, -64, c.addi16sp sp, -64; sub a0, sp, s1)
    TEST_CASE(13, a0, 432, c.addi16sp sp, 496; sub a0, sp, s1)
    TEST_CASE(14, a0, -80, c.addi16sp sp, -512; sub a0, sp, s1)
    mv sp, s1
    TEST_CASE(15, a0, 4,    c.addi4spn a0, sp, 4; sub a0, a0, sp)
    TEST_CASE(16, a0, 1020, c.addi4spn a0, sp, 1020; sub a0, a0, sp)
    TEST_CASE(17, s0, 16,   c.addi4spn s0, sp, 16; sub s0, s0, sp)

    /* c.swsp/c.lwsp, on a buffer used as the stack */
    mv s1, sp
    la sp, buf
    li a1, 0x11223344
    c.swsp a1, 0(sp)
    li a2, 0xa5a55a5a
    c.swsp a2, 252(sp)
    TEST_CASE(20, a0, 0x11223344, c.lwsp a0, 0(sp))
    TEST_CASE(21, a0, 0xa5a55a5a, c.lwsp a0, 252(sp))
    TEST_CASE(22, a0, 0xa5a55a5a, la a3, buf; lw a0, 252(a3))
    TEST_CASE(23, ra, 0x11223344, c.lwsp ra, 0(sp))
    mv sp, s1

    /* c.sw/c.lw, registers x8..x15 */
    la s0, buf
    li s1, 0xcafef00d
    c.sw s1, 0(s0)
    li a5, 0x600dbeef
    c.sw a5, 124(s0)
    TEST_CASE(30, a4, 0xcafef00d, c.lw a4, 0(s0))
    TEST_CASE(31, a0, 0x600dbeef, c.lw a0, 124(s0))
    TEST_CASE(32, s0, 0x600dbeef, c.lw s0, 124(s0))    /* base == destination */

    /* c.mv, c.add */
    TEST_CASE(40, a0, 0x12345678, li a1, 0x12345678; c.mv a0, a1)
    TEST_CASE(41, t2, 0x80000000, li t2, 0x7fffffff; li a1, 1; c.add t2, a1)
    TEST_CASE(42, a0, 0x2468acf0, li a0, 0x12345678; c.add a0, a0)

    /* c.sub, c.xor, c.or, c.and on x8..x15 */
    TEST_CASE(50, a0, 0xffffffff, li a0, 0; li a1, 1; c.sub a0, a1)
    TEST_CASE(51, s1, 0x7fffffff, li s1, 0x80000000; li a5, 1; c.sub s1, a5)
    TEST_CASE(52, a2, 0x0ff00ff0, li a2, 0xf0f0f0f0; li a3, 0xff00ff00; c.xor a2, a3)
    TEST_CASE(53, a2, 0xfff0fff0, li a2, 0xf0f0f0f0; li a3, 0x0f000f00; c.or a2, a3)
    TEST_CASE(54, a2, 0xf000f000, li a2, 0xf0f0f0f0; li a3, 0xff00ff00; c.and a2, a3)

    /* shifts by 1 and 31, c.andi */
    TEST_CASE(60, a0, 0x40000000, li a0, 0x80000001; c.srli a0, 1)
    TEST_CASE(61, a0, 1,          li a0, 0x80000001; c.srli a0, 31)
    TEST_CASE(62, a0, 0xc0000000, li a0, 0x80000001; c.srai a0, 1)
    TEST_CASE(63, a0, 0xffffffff, li a0, 0x80000001; c.srai a0, 31)
    TEST_CASE(64, a0, 0,          li a0, 0x7fffffff; c.srai a0, 31)
    TEST_CASE(65, a0, 0x00000002, li a0, 0x80000001; c.slli a0, 1)
    TEST_CASE(66, a0, 0x80000000, li a0, 0x80000001; c.slli a0, 31)
    TEST_CASE(67, t1, 0x80000000, li t1, 1; c.slli t1, 31)   /* full 5-bit rd */
    TEST_CASE(68, a0, 0x12345678, li a0, 0x12345678; c.andi a0, -1)
    TEST_CASE(69, a0, 0x12345660, li a0, 0x12345678; c.andi a0, -32)
    TEST_CASE(70, a0, 0x00000018, li a0, 0x12345678; c.andi a0, 31)
    TEST_CASE(71, a0, 0,          li a0, 0x12345678; c.andi a0, 0)

    /* c.beqz/c.bnez */
    li gp, 80
    li a0, 0
    c.beqz a0, 1f
    j fail
1:  li a0, 5
    c.beqz a0, 2f
    c.bnez a0, 3f
2:  j fail
3:  li a0, 0
    c.bnez a0, 2b
    li a0, 0x80000000               /* only the sign bit set: still nonzero */
    c.beqz a0, 2b
    CHECK_NUM 80
    /* backward */
    TEST_CASE(81, a1, 4, li a0, 4; li a1, 0; 4: c.addi a1, 1; c.addi a0, -1; c.bnez a0, 4b)
    TEST_CASE(82, a1, 3, li a0, -3; li a1, 0; 4: c.addi a1, 1; c.addi a0, 1; c.beqz a0, 5f; c.j 4b; 5: nop)
    /* largest offsets: c.beqz +254 */
    li gp, 83
    li a0, 0
    c.beqz a0, .Lbeqz_far
    j fail
    .skip 254 - 6
.Lbeqz_far:
    CHECK_NUM 83

    /* c.j forward and backward, c.jal links pc + 2 */
    li gp, 90
    c.j 1f
    j fail
2:  c.j 3f
1:  c.j 2b
    j fail
3:  CHECK_NUM 90
    li gp, 91
    c.jal 1f
2:  j fail
1:  CHECK_ADDR 91, ra, 2b
    /* c.j over 2 KiB (offset range is +-2 KiB) */
    li gp, 92
    c.j .Lcj_far
    j fail
    .skip 2046 - 6
.Lcj_far:
    CHECK_NUM 92

    /* c.jr, c.jalr: link pc + 2; c.jalr ra uses the old ra */
    li gp, 93
    la a1, 1f
    c.jr a1
    j fail
1:  li gp, 94
    la a1, 1f
    c.jalr a1
2:  j fail
1:  CHECK_ADDR 94, ra, 2b
    li gp, 95
    la ra, 1f
    c.jalr ra
2:  j fail
1:  CHECK_ADDR 95, ra, 2b
    li gp, 96
    li a0, 0
    la a1, .Lsub
    c.jalr a1
    CHECK 96, a0, 42

    /* c.nop changes nothing */
    li a0, 3
    c.nop
    CHECK 97, a0, 3

    .option pop
    j .Ldone

    .option push
    .option rvc
.Lsub:
    c.li a0, 21
    c.add a0, a0
    c.jr ra
    .option pop
.Ldone:

TEST_END

    .data
    .balign 4
buf: .skip 256
