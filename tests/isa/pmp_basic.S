/* pmp_basic: the PMP registers (needs PMP).
 *
 * 16 entries: pmpaddr0..15 hold any 32-bit value (4-byte granularity,
 * G = 0, as on QEMU's virt and mcusim), pmpcfg0..3 hold each entry's
 * R/W/X/A bits (OFF, TOR, NA4, NAPOT; never the reserved W without R);
 * none of this restricts M-mode while no entry is locked (the test keeps
 * running from RAM and using the UART with every kind of entry set).
 */
#include "macros.h"

/* Check num: pmpaddr\i reads back what was written. */
.macro PMPADDR_RW num, i, value
    li a1, \value
    csrw pmpaddr\i, a1
    csrr a0, pmpaddr\i
    CHECK_REG \num, a0, a1
.endm

TEST_BEGIN "pmp_basic"

    PMPADDR_RW 1, 0, 0x00000000
    PMPADDR_RW 2, 1, 0x11111111
    PMPADDR_RW 3, 2, 0x22222222
    PMPADDR_RW 4, 3, 0x33333333
    PMPADDR_RW 5, 4, 0x44444444
    PMPADDR_RW 6, 5, 0x05555555
    PMPADDR_RW 7, 6, 0x06666666
    PMPADDR_RW 8, 7, 0x07777777
    PMPADDR_RW 9, 8, 0x08888888
    PMPADDR_RW 10, 9, 0x09999999
    PMPADDR_RW 11, 10, 0x0aaaaaaa
    PMPADDR_RW 12, 11, 0x0bbbbbbb
    PMPADDR_RW 13, 12, 0x0ccccccc
    PMPADDR_RW 14, 13, 0x0ddddddd
    PMPADDR_RW 15, 14, 0x0eeeeeee
    PMPADDR_RW 16, 15, 0xffffffff
    /* the values stayed apart */
    TEST_CASE(17, a0, 0x11111111, csrr a0, pmpaddr1)
    TEST_CASE(18, a0, 0x0aaaaaaa, csrr a0, pmpaddr10)

    /* pmpcfg: OFF|RWX, NAPOT|RX, NA4|RW, TOR|R and so on, unlocked */
    li a1, 0x071d1309
    csrw pmpcfg0, a1
    TEST_CASE(20, a0, 0x071d1309, csrr a0, pmpcfg0)
    li a1, 0x0d0b1f00
    csrw pmpcfg1, a1
    TEST_CASE(21, a0, 0x0d0b1f00, csrr a0, pmpcfg1)
    li a1, 0x19150f01
    csrw pmpcfg2, a1
    TEST_CASE(22, a0, 0x19150f01, csrr a0, pmpcfg2)
    li a1, 0x1f1b1703
    csrw pmpcfg3, a1
    TEST_CASE(23, a0, 0x1f1b1703, csrr a0, pmpcfg3)
    /* M-mode still reaches its code, data and devices */
    la a1, word
    TEST_CASE(24, a0, 0x600d, lw a0, 0(a1))
    li a2, 0x1234
    sw a2, 0(a1)
    TEST_CASE(25, a0, 0x1234, lw a0, 0(a1))

    /* cleared */
    csrw pmpcfg0, zero
    csrw pmpcfg1, zero
    csrw pmpcfg2, zero
    csrw pmpcfg3, zero
    TEST_CASE(30, a0, 0, csrr a0, pmpcfg0)
    TEST_CASE(31, a0, 0, csrr a0, pmpcfg3)

TEST_END

    .data
    .balign 4
word: .word 0x600d
