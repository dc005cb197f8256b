/* muldiv: the M extension.
 *
 * mul (low 32 bits), mulh (signed x signed), mulhsu (signed rs1 x unsigned
 * rs2), mulhu with every sign combination and INT_MIN; div/divu/rem/remu
 * rounding toward zero with the sign of the remainder following the
 * dividend; the special cases the spec defines without trapping: division
 * by zero (quotient -1 / all ones, remainder = dividend) and the signed
 * overflow INT_MIN / -1 (quotient INT_MIN, remainder 0); rd == rs1 == rs2
 * and rd = x0.
 */
#include "macros.h"

#define RR(num, inst, v1, v2, expected) \
    TEST_CASE(num, a0, expected, li a1, v1; li a2, v2; inst a0, a1, a2)

TEST_BEGIN "muldiv"

    RR(1,  mul, 3, 7, 21)
    RR(2,  mul, -3, 7, 0xffffffeb)
    RR(3,  mul, 0x80000000, -1, 0x80000000)
    RR(4,  mul, 0xffffffff, 0xffffffff, 1)
    RR(5,  mul, 0x12345678, 0x9abcdef0, 0x242d2080)
    RR(6,  mul, 0x10000, 0x10000, 0)

    RR(10, mulh, -1, -1, 0)
    RR(11, mulh, 0x80000000, 0x80000000, 0x40000000)
    RR(12, mulh, 0x80000000, -1, 0)
    RR(13, mulh, -1, 1, 0xffffffff)
    RR(14, mulh, 0x7fffffff, 0x7fffffff, 0x3fffffff)
    RR(15, mulh, 0x12345678, 0x9abcdef0, 0xf8cc93d6)
    RR(16, mulh, 0x80000000, 0x7fffffff, 0xc0000000)

    RR(20, mulhsu, -1, 0xffffffff, 0xffffffff)
    RR(21, mulhsu, 0x80000000, 0xffffffff, 0x80000000)
    RR(22, mulhsu, 1, 0xffffffff, 0)
    RR(23, mulhsu, 0x7fffffff, 0xffffffff, 0x7ffffffe)
    RR(24, mulhsu, 0x12345678, 0x9abcdef0, 0x0b00ea4e)
    RR(25, mulhsu, -2, 1, 0xffffffff)

    RR(30, mulhu, 0xffffffff, 0xffffffff, 0xfffffffe)
    RR(31, mulhu, 0x80000000, 2, 1)
    RR(32, mulhu, 0xffffffff, 1, 0)
    RR(33, mulhu, 0x12345678, 0x9abcdef0, 0x0b00ea4e)
    RR(34, mulhu, 0x80000000, 0x80000000, 0x40000000)

    RR(40, div, 20, 6, 3)
    RR(41, div, -20, 6, 0xfffffffd)
    RR(42, div, 20, -6, 0xfffffffd)
    RR(43, div, -20, -6, 3)
    RR(44, div, 5, 0, 0xffffffff)           /* by zero: -1 */
    RR(45, div, -5, 0, 0xffffffff)
    RR(46, div, 0x80000000, -1, 0x80000000) /* overflow: INT_MIN */
    RR(47, div, 0x80000000, 0, 0xffffffff)
    RR(48, div, 0x80000000, 1, 0x80000000)
    RR(49, div, 0, 0, 0xffffffff)

    RR(50, divu, 20, 6, 3)
    RR(51, divu, -20, 6, 0x2aaaaaa7)
    RR(52, divu, 5, 0, 0xffffffff)          /* by zero: all ones */
    RR(53, divu, 0x80000000, 0xffffffff, 0)
    RR(54, divu, 0xffffffff, 1, 0xffffffff)
    RR(55, divu, 0, 0, 0xffffffff)

    RR(60, rem, 20, 6, 2)
    RR(61, rem, -20, 6, 0xfffffffe)         /* sign of the dividend */
    RR(62, rem, 20, -6, 2)
    RR(63, rem, -20, -6, 0xfffffffe)
    RR(64, rem, 5, 0, 5)                    /* by zero: the dividend */
    RR(65, rem, -5, 0, 0xfffffffb)
    RR(66, rem, 0x80000000, -1, 0)          /* overflow: 0 */
    RR(67, rem, 0x80000000, 0, 0x80000000)

    RR(70, remu, 20, 6, 2)
    RR(71, remu, -20, 6, 2)
    RR(72, remu, 5, 0, 5)
    RR(73, remu, 0x80000000, 0xffffffff, 0x80000000)
    RR(74, remu, 0xffffffff, 0, 0xffffffff)

    /* rd == rs1 == rs2, and x0 */
    TEST_CASE(80, a0, 0x00000009, li a0, -3; mul a0, a0, a0)
    TEST_CASE(81, a0, 1,          li a0, -3; div a0, a0, a0)
    TEST_CASE(82, a0, 0,          li a0, -3; rem a0, a0, a0)
    TEST_CASE(83, a0, 0,          li a0, 0; divu a0, a0, a0; addi a0, a0, 1)
    li a1, 7
    mul x0, a1, a1
    div x0, a1, zero
    CHECK 84, zero, 0
    /* rs2 = x0 */
    TEST_CASE(85, a0, 0xffffffff, li a1, 9; div a0, a1, zero)
    TEST_CASE(86, a0, 9,          li a1, 9; remu a0, a1, zero)

TEST_END
