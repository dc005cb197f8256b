/* alu: RV32I integer computation.
 *
 * lui/auipc (upper immediates, sign of bit 31, pc-relative wrap), addi and
 * add/sub wrapping on overflow, 12-bit immediates sign-extended (-2048 and
 * 2047), slt/sltu/slti/sltiu with negative operands (signed vs unsigned
 * order, sltiu's sign-extended immediate), the logic ops with
 * sign-extended immediates, shifts by 0 and 31 (immediate and register
 * forms; register shifts use only rs2[4:0]), rd == rs1 == rs2, and writes
 * to x0 being ignored.
 */
#include "macros.h"

TEST_BEGIN "alu"

    /* lui */
    TEST_CASE(1, a0, 0x80000000,  lui a0, 0x80000)
    TEST_CASE(2, a0, 0xfffff000,  lui a0, 0xfffff)
    TEST_CASE(3, a0, 0,           li a0, -1; lui a0, 0)
    TEST_CASE(4, a0, 0x12345000,  lui a0, 0x12345)
    lui x0, 0x12345
    CHECK 5, zero, 0

    /* auipc: pc + (imm << 12), wrapping */
6:  auipc a0, 0
    la a1, 6b
    CHECK_REG 6, a0, a1
7:  auipc a0, 0x80000
    la a1, 7b
    li a2, 0x80000000
    add a1, a1, a2
    CHECK_REG 7, a0, a1
8:  auipc a0, 0xfffff
    la a1, 8b
    li a2, -0x1000
    add a1, a1, a2
    CHECK_REG 8, a0, a1

    /* addi: sign-extended immediate, wrap */
    TEST_CASE(10, a0, 0xffffffff, addi a0, zero, -1)
    TEST_CASE(11, a0, 0x80000000, li a1, 0x7fffffff; addi a0, a1, 1)
    TEST_CASE(12, a0, 0x7fffffff, li a1, 0x80000000; addi a0, a1, -1)
    TEST_CASE(13, a0, 0xfffff800, addi a0, zero, -2048)
    TEST_CASE(14, a0, 0x000007ff, addi a0, zero, 2047)
    TEST_CASE(15, a0, 0,          li a1, 1; addi a0, a1, -1)
    TEST_CASE(16, a0, 0x00000000, li a0, 0xffffffff; addi a0, a0, 1)

    /* add/sub: wrap around, no trap */
    TEST_CASE(20, a0, 0x80000000, li a1, 0x7fffffff; li a2, 1; add a0, a1, a2)
    TEST_CASE(21, a0, 0,          li a1, 0xffffffff; li a2, 1; add a0, a1, a2)
    TEST_CASE(22, a0, 0,          li a1, 0x80000000; add a0, a1, a1)
    TEST_CASE(23, a0, 0xffffffff, li a1, 0; li a2, 1; sub a0, a1, a2)
    TEST_CASE(24, a0, 0x7fffffff, li a1, 0x80000000; li a2, 1; sub a0, a1, a2)
    TEST_CASE(25, a0, 2,          li a1, 1; li a2, 0xffffffff; sub a0, a1, a2)
    TEST_CASE(26, a0, 0,          li a0, 0x1234; sub a0, a0, a0)
    TEST_CASE(27, a0, 0x2468,     li a0, 0x1234; add a0, a0, a0)
    TEST_CASE(28, a0, 0x80000000, li a1, 0; li a2, 0x80000000; sub a0, a1, a2)

    /* slt/sltu: signed vs unsigned order */
    TEST_CASE(30, a0, 1, li a1, -1; li a2, 1; slt a0, a1, a2)
    TEST_CASE(31, a0, 0, li a1, -1; li a2, 1; sltu a0, a1, a2)
    TEST_CASE(32, a0, 0, li a1, 1; li a2, -1; slt a0, a1, a2)
    TEST_CASE(33, a0, 1, li a1, 1; li a2, -1; sltu a0, a1, a2)
    TEST_CASE(34, a0, 1, li a1, 0x80000000; li a2, 0x7fffffff; slt a0, a1, a2)
    TEST_CASE(35, a0, 0, li a1, 0x80000000; li a2, 0x7fffffff; sltu a0, a1, a2)
    TEST_CASE(36, a0, 0, li a1, -7; li a2, -7; slt a0, a1, a2)
    TEST_CASE(37, a0, 0, li a1, -7; sltu a0, a1, a1)
    TEST_CASE(38, a0, 1, li a1, 0; li a2, 1; sltu a0, a1, a2)

    /* slti/sltiu: the immediate is sign-extended, then compared */
    TEST_CASE(40, a0, 1, li a1, -5; slti a0, a1, -4)
    TEST_CASE(41, a0, 0, li a1, -4; slti a0, a1, -5)
    TEST_CASE(42, a0, 1, li a1, 5; sltiu a0, a1, -1      /* 5 < 0xffffffff */)
    TEST_CASE(43, a0, 0, li a1, 0xffffffff; sltiu a0, a1, -1)
    TEST_CASE(44, a0, 1, li a1, 0; sltiu a0, a1, 1       /* seqz */)
    TEST_CASE(45, a0, 0, li a1, 0x7fffffff; slti a0, a1, -2048)
    TEST_CASE(46, a0, 1, li a1, 0x80000000; slti a0, a1, 2047)
    TEST_CASE(47, a0, 0, li a1, 0x80000000; sltiu a0, a1, 2047)

    /* logic, immediates sign-extended */
    TEST_CASE(50, a0, 0xff00ff00, li a1, 0x00ff00ff; xori a0, a1, -1)
    TEST_CASE(51, a0, 0xfffff800, li a1, 0x12340000; ori a0, a1, -2048)
    TEST_CASE(52, a0, 0x12345670, li a1, 0x12345678; andi a0, a1, -16)
    TEST_CASE(53, a0, 0x00000678, li a1, 0x12345678; andi a0, a1, 0x7ff)
    TEST_CASE(54, a0, 0x0ff00ff0, li a1, 0xf0f0f0f0; li a2, 0xff00ff00; xor a0, a1, a2)
    TEST_CASE(55, a0, 0xfffff0f0, li a1, 0xf0f0f0f0; li a2, 0x0f0f0000; or a0, a1, a2)
    TEST_CASE(56, a0, 0xf000f000, li a1, 0xf0f0f0f0; li a2, 0xff00ff00; and a0, a1, a2)
    TEST_CASE(57, a0, 0x12345678, li a1, 0x12345678; xori a0, a1, 0)
    TEST_CASE(58, a0, 0,          li a0, 0x5a5a5a5a; xor a0, a0, a0)

    /* shifts by immediate: 0 and 31 */
    TEST_CASE(60, a0, 0x80000001, li a1, 0x80000001; slli a0, a1, 0)
    TEST_CASE(61, a0, 0x80000000, li a1, 1; slli a0, a1, 31)
    TEST_CASE(62, a0, 0x80000000, li a1, 0xffffffff; slli a0, a1, 31)
    TEST_CASE(63, a0, 1,          li a1, 0x80000000; srli a0, a1, 31)
    TEST_CASE(64, a0, 0x80000001, li a1, 0x80000001; srli a0, a1, 0)
    TEST_CASE(65, a0, 0xffffffff, li a1, 0x80000000; srai a0, a1, 31)
    TEST_CASE(66, a0, 0,          li a1, 0x7fffffff; srai a0, a1, 31)
    TEST_CASE(67, a0, 0x80000001, li a1, 0x80000001; srai a0, a1, 0)
    TEST_CASE(68, a0, 0xf8000000, li a1, 0x80000000; srai a0, a1, 4)
    TEST_CASE(69, a0, 0x08000000, li a1, 0x80000000; srli a0, a1, 4)

    /* shifts by register: only rs2[4:0] counts */
    TEST_CASE(70, a0, 0x80000000, li a1, 1; li a2, 31; sll a0, a1, a2)
    TEST_CASE(71, a0, 1,          li a1, 1; li a2, 32; sll a0, a1, a2)
    TEST_CASE(72, a0, 2,          li a1, 1; li a2, 33; sll a0, a1, a2)
    TEST_CASE(73, a0, 0x80000000, li a1, 0x12345679; li a2, -1; sll a0, a1, a2)
    TEST_CASE(74, a0, 1,          li a1, 0x80000000; li a2, 31; srl a0, a1, a2)
    TEST_CASE(75, a0, 0x80000000, li a1, 0x80000000; li a2, 0; srl a0, a1, a2)
    TEST_CASE(76, a0, 0xffffffff, li a1, 0x80000000; li a2, 31; sra a0, a1, a2)
    TEST_CASE(77, a0, 0x80000000, li a1, 0x80000000; li a2, 0; sra a0, a1, a2)
    TEST_CASE(78, a0, 0xffffffff, li a1, 0x80000000; li a2, 63; sra a0, a1, a2)
    TEST_CASE(79, a0, 0xffffffff, li a1, 0xffffffff; li a2, 0xffffffe0; srl a0, a1, a2)
    TEST_CASE(80, a0, 1,          li a1, 0x40000000; li a2, 30; sra a0, a1, a2)
    TEST_CASE(81, a0, 0x00000001, li a1, 0x80000000; li a2, 0x3f; srl a0, a1, a2)
    TEST_CASE(82, a0, 0x00002000, li a0, 13; li a1, 1; sll a0, a1, a0)
    TEST_CASE(83, a0, 0x00000000, li a0, 0x7fffffff; sra a0, a0, a0  /* by 31 */)

    /* x0: writes are dropped, reads give 0 */
    li a1, 0x1234
    li a2, 0x4321
    addi x0, x0, 5
    CHECK 90, zero, 0
    add x0, a1, a2
    CHECK 91, zero, 0
    sll x0, a1, a2
    CHECK 92, zero, 0
    slt x0, zero, a1
    CHECK 93, zero, 0
    auipc x0, 1
    CHECK 94, zero, 0
    TEST_CASE(95, a0, 0x1234, add a0, a1, x0)
    TEST_CASE(96, a0, 0xffffedcc, sub a0, x0, a1)
    TEST_CASE(97, a0, 0, li a0, 7; or a0, x0, x0)

TEST_END
