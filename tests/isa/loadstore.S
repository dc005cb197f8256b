/* loadstore: RV32I loads and stores (aligned; misaligned and faulting
 * accesses are in faults.S).
 *
 * lb/lh sign-extend, lbu/lhu zero-extend, each byte/halfword position of a
 * word, little-endian order, negative and extreme (-2048/2047) offsets,
 * sb/sh writing only their bytes, a load into x0 (no effect, no trap), a
 * load whose base register is its destination.
 */
#include "macros.h"

TEST_BEGIN "loadstore"

    la a1, ld_bytes             /* 0x80, 0x7f, 0xff, 0x01 */
    TEST_CASE(1, a0, 0xffffff80, lb a0, 0(a1))
    TEST_CASE(2, a0, 0x0000007f, lb a0, 1(a1))
    TEST_CASE(3, a0, 0xffffffff, lb a0, 2(a1))
    TEST_CASE(4, a0, 0x00000001, lb a0, 3(a1))
    TEST_CASE(5, a0, 0x00000080, lbu a0, 0(a1))
    TEST_CASE(6, a0, 0x000000ff, lbu a0, 2(a1))
    TEST_CASE(7, a0, 0x01ff7f80, lw a0, 0(a1))
    TEST_CASE(8, a0, 0x00007f80, lh a0, 0(a1))
    TEST_CASE(9, a0, 0x000001ff, lh a0, 2(a1))

    la a1, ld_halves            /* 0x8001, 0x7ffe */
    TEST_CASE(10, a0, 0xffff8001, lh a0, 0(a1))
    TEST_CASE(11, a0, 0x00007ffe, lh a0, 2(a1))
    TEST_CASE(12, a0, 0x00008001, lhu a0, 0(a1))
    TEST_CASE(13, a0, 0x00007ffe, lhu a0, 2(a1))
    TEST_CASE(14, a0, 0x7ffe8001, lw a0, 0(a1))

    /* offsets: negative, -2048, +2047 */
    TEST_CASE(20, a0, 0xffffff80, la a1, ld_bytes + 4; lb a0, -4(a1))
    TEST_CASE(21, a0, 0x01ff7f80, la a1, ld_bytes + 2048; lw a0, -2048(a1))
    TEST_CASE(22, a0, 0x000000ff, la a1, ld_bytes + 2 - 2047; lbu a0, 2047(a1))
    TEST_CASE(23, a0, 0xffff8001, la a1, ld_halves - 2046; lh a0, 2046(a1))
    /* the base register is the destination */
    TEST_CASE(24, a1, 0x01ff7f80, la a1, ld_bytes; lw a1, 0(a1))

    /* a load into x0 is performed and discarded */
    la a1, ld_bytes
    lw x0, 0(a1)
    lb x0, 0(a1)
    CHECK 25, zero, 0

    /* stores write only their own bytes */
    la a1, st_area              /* 0x11223344, 0x55667788 */
    li a2, 0xabcdef99
    sb a2, 1(a1)
    TEST_CASE(30, a0, 0x11229944, lw a0, 0(a1))
    li a2, 0x1234beef
    sh a2, 2(a1)
    TEST_CASE(31, a0, 0xbeef9944, lw a0, 0(a1))
    TEST_CASE(32, a0, 0x55667788, lw a0, 4(a1))
    sb a2, 7(a1)
    TEST_CASE(33, a0, 0xef667788, lw a0, 4(a1))
    sh a2, 4(a1)
    TEST_CASE(34, a0, 0xef66beef, lw a0, 4(a1))
    TEST_CASE(35, a0, 0xbeef9944, lw a0, 0(a1))
    li a2, 0xcafef00d
    sw a2, 0(a1)
    TEST_CASE(36, a0, 0xcafef00d, lw a0, 0(a1))
    TEST_CASE(37, a0, 0xffffffca, lb a0, 3(a1))
    TEST_CASE(38, a0, 0x0000cafe, lhu a0, 2(a1))
    TEST_CASE(39, a0, 0xfffff00d, lh a0, 0(a1))
    /* negative store offsets, -2048 */
    la a3, st_area + 8
    li a2, 0x01020304
    sw a2, -4(a3)
    TEST_CASE(40, a0, 0x01020304, lw a0, 4(a1))
    la a3, st_area + 2048
    li a2, 0x77
    sb a2, -2048(a3)
    TEST_CASE(41, a0, 0xcafef077, lw a0, 0(a1))
    /* storing x0 */
    sh x0, 2(a1)
    TEST_CASE(42, a0, 0x0000f077, lw a0, 0(a1))
    /* the neighbours are untouched */
    TEST_CASE(43, a0, 0xa5a5a5a5, lw a0, -4(a1))
    TEST_CASE(44, a0, 0x5a5a5a5a, lw a0, 8(a1))

TEST_END

    .data
    .balign 4
ld_bytes:   .byte 0x80, 0x7f, 0xff, 0x01
ld_halves:  .half 0x8001, 0x7ffe
            .word 0xa5a5a5a5
st_area:    .word 0x11223344, 0x55667788
            .word 0x5a5a5a5a
