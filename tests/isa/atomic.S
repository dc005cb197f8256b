/* atomic: the A extension.
 *
 * lr.w/sc.w: success (rd = 0, the store happens), sc.w without a
 * reservation fails (rd = 1, nothing stored), every sc.w ends the
 * reservation (a second sc.w fails, a failing sc.w to another address
 * also ends the one on the first), the .aq/.rl forms. Each AMO returns the
 * old value and stores the right result (amoadd wrapping, signed vs
 * unsigned min/max), rd = x0 and rd == rs2. Faults: a misaligned AMO or
 * lr.w traps (misaligned atomics are never emulated: cause 6 for AMOs,
 * 4 or 6 for lr.w), an AMO/lr.w to unmapped memory gives an access fault
 * (7 / 5) with mtval = the address.
 *
 * Implementation-defined, so accepted either way (a "note:" line says
 * which): whether a trap between lr.w and sc.w ends the reservation
 * (mcusim: yes; the spec lets xRET/traps keep it).
 *
 * Known QEMU 7.2 deviations, tolerated with a "deviation:" line: a
 * misaligned AMO raises load-misaligned (4) and an AMO to unmapped memory a
 * load access fault (5), where the spec says store/AMO (6 / 7); a
 * misaligned sc.w without a reservation just fails instead of trapping.
 */
#include "macros.h"

#define AMO(num, inst, old, src, result) \
    la a1, amo_word; li a2, old; sw a2, 0(a1); li a2, src; \
    TEST_CASE(num, a0, old, inst a0, a2, (a1)); \
    lw a3, 0(a1); CHECK (num + 1), a3, result

TEST_BEGIN "atomic"

    /* lr/sc success */
    la a1, lr_word              /* holds 0x1234 */
    TEST_CASE(1, a0, 0x1234, lr.w a0, (a1))
    li a2, 0x5678
    TEST_CASE(2, a3, 0, sc.w a3, a2, (a1))
    TEST_CASE(3, a0, 0x5678, lw a0, 0(a1))

    /* a second sc.w has no reservation: fails, stores nothing */
    li a2, 0x9abc
    TEST_CASE(4, a3, 1, sc.w a3, a2, (a1))
    TEST_CASE(5, a0, 0x5678, lw a0, 0(a1))

    /* sc.w without any lr.w */
    la a4, other_word           /* holds 0x0f0f0f0f */
    li a2, 0x1111
    TEST_CASE(6, a3, 1, sc.w a3, a2, (a4))
    TEST_CASE(7, a0, 0x0f0f0f0f, lw a0, 0(a4))

    /* sc.w to another address (another page) fails and ends the
     * reservation on the first */
    lr.w a0, (a1)
    TEST_CASE(8, a3, 1, sc.w a3, a2, (a4))
    TEST_CASE(9, a0, 0x0f0f0f0f, lw a0, 0(a4))
    TEST_CASE(10, a3, 1, sc.w a3, a2, (a1))
    TEST_CASE(11, a0, 0x5678, lw a0, 0(a1))

    /* a new lr.w after a failed sc.w works; aq/rl forms */
    lr.w.aq a0, (a1)
    li a2, 0x2468
    TEST_CASE(12, a3, 0, sc.w.rl a3, a2, (a1))
    TEST_CASE(13, a0, 0x2468, lw a0, 0(a1))
    lr.w.aqrl a0, (a1)
    li a2, 0x1357
    TEST_CASE(14, a3, 0, sc.w.aqrl a3, a2, (a1))
    TEST_CASE(15, a0, 0x1357, lw a0, 0(a1))

    /* sc.w rd == rs2: rd gets the status after the store of the old rs2 */
    lr.w a0, (a1)
    li a2, 0x4242
    TEST_CASE(16, a2, 0, sc.w a2, a2, (a1))
    TEST_CASE(17, a0, 0x4242, lw a0, 0(a1))

    /* a trap between lr.w and sc.w: the spec allows the reservation to
     * survive (xRET may or may not clear it); mcusim clears it on a trap */
    li gp, 18
    lr.w a0, (a1)
    ecall
    li a2, 0x7777
    sc.w a3, a2, (a1)
    lw a0, 0(a1)
    beqz a3, 1f
    CHECK 18, a0, 0x4242        /* failed: nothing stored */
    CHECK 19, a3, 1
    NOTE "a trap cleared the LR reservation"
    j 2f
1:  CHECK 20, a0, 0x7777        /* succeeded: stored */
    NOTE "a trap kept the LR reservation"
2:

    /* AMOs: old value in rd, result in memory */
    AMO(30, amoswap.w, 0x11111111, 0x22222222, 0x22222222)
    AMO(32, amoadd.w,  0x7fffffff, 1, 0x80000000)
    AMO(34, amoadd.w,  0xffffffff, 2, 1)
    AMO(36, amoxor.w,  0xff00ff00, 0x0ff00ff0, 0xf0f0f0f0)
    AMO(38, amoand.w,  0xff00ff00, 0x0ff00ff0, 0x0f000f00)
    AMO(40, amoor.w,   0xff00ff00, 0x0ff00ff0, 0xfff0fff0)
    AMO(42, amomin.w,  0xfffffffb, 3, 0xfffffffb)
    AMO(44, amomin.w,  3, 0xfffffffb, 0xfffffffb)
    AMO(46, amomax.w,  0xfffffffb, 3, 3)
    AMO(48, amomax.w,  0x80000000, 0x7fffffff, 0x7fffffff)
    AMO(50, amominu.w, 0xfffffffb, 3, 3)
    AMO(52, amominu.w, 3, 0xfffffffb, 3)
    AMO(54, amomaxu.w, 0xfffffffb, 3, 0xfffffffb)
    AMO(56, amomaxu.w, 0x80000000, 0x7fffffff, 0x80000000)
    AMO(58, amoadd.w.aqrl, 10, -3, 7)
    AMO(60, amoswap.w.aq, 0, 0xffffffff, 0xffffffff)

    /* rd = x0: still stores */
    la a1, amo_word
    li a2, 5
    sw a2, 0(a1)
    li a2, 6
    amoadd.w x0, a2, (a1)
    CHECK 62, zero, 0
    TEST_CASE(63, a0, 11, lw a0, 0(a1))
    /* rd == rs2: the old value, the old rs2 stored */
    li a2, 0xabcd
    amoswap.w a2, a2, (a1)
    CHECK 64, a2, 11
    TEST_CASE(65, a0, 0xabcd, lw a0, 0(a1))

    /* misaligned AMO: store/AMO address misaligned, mtval = address,
     * memory unchanged */
    la a1, amo_word
    li a2, 0x600d
    sw a2, 0(a1)
    sw a2, 4(a1)
    addi a4, a1, 2
    TRAP_RESET
    li gp, 70
1:  amoadd.w a0, a2, (a4)
    ACCEPT_CAUSE CAUSE_LOAD_MISALIGNED, CAUSE_STORE_MISALIGNED, "a misaligned AMO raised load-misaligned (4), not store/AMO-misaligned (6)"
    CHECK_TRAP 70, CAUSE_STORE_MISALIGNED, 1b
    CHECK_TVAL_REG 72, a4
    TEST_CASE(73, a0, 0x600d, lw a0, 0(a1))
    TEST_CASE(74, a0, 0x600d, lw a0, 4(a1))
    addi a4, a1, 1
    TRAP_RESET
    li gp, 75
1:  amoswap.w a0, a2, (a4)
    ACCEPT_CAUSE CAUSE_LOAD_MISALIGNED, CAUSE_STORE_MISALIGNED, "a misaligned AMO raised load-misaligned (4), not store/AMO-misaligned (6)"
    CHECK_TRAP 75, CAUSE_STORE_MISALIGNED, 1b
    CHECK_TVAL_REG 77, a4

    /* misaligned lr.w: a load (4) or store/AMO (6) misaligned exception */
    li gp, 78
    addi a4, a1, 2
    TRAP_RESET
    lr.w a0, (a4)
    TRAP_FIELD TS_COUNT
    CHECK 78, t5, 1
    TRAP_FIELD TS_CAUSE
    li t6, CAUSE_LOAD_MISALIGNED
    beq t5, t6, 1f
    CHECK 79, t5, CAUSE_STORE_MISALIGNED
1:  CHECK_TVAL_REG 80, a4

    /* misaligned sc.w: the A chapter says LR/SC to a misaligned address
     * raise an exception; failing without one is tolerated as a deviation */
    li gp, 81
    TRAP_RESET
    li a0, 77
    li a2, 0x1111
    sc.w a0, a2, (a4)
    TRAP_FIELD TS_COUNT
    beqz t5, 1f
    TRAP_FIELD TS_CAUSE
    CHECK 81, t5, CAUSE_STORE_MISALIGNED
    CHECK_TVAL_REG 82, a4
    j 2f
1:  CHECK 83, a0, 1
    DEVIATION "a misaligned sc.w (no reservation) failed without trapping"
2:  TEST_CASE(84, a0, 0x600d, lw a0, 0(a1))
    TEST_CASE(85, a0, 0x600d, lw a0, 4(a1))

    /* unmapped address 0: store/AMO access fault for AMOs, load access
     * fault for lr.w */
    li a4, 0
    TRAP_RESET
    li gp, 90
1:  amoor.w a0, a2, (a4)
    ACCEPT_CAUSE CAUSE_LOAD_ACCESS, CAUSE_STORE_ACCESS, "an AMO to unmapped memory raised a load access fault (5), not store/AMO (7)"
    CHECK_TRAP 90, CAUSE_STORE_ACCESS, 1b
    CHECK_TVAL 92, 0
    li a4, 0x40
    TRAP_RESET
    li gp, 93
1:  amoswap.w a0, a2, (a4)
    ACCEPT_CAUSE CAUSE_LOAD_ACCESS, CAUSE_STORE_ACCESS, "an AMO to unmapped memory raised a load access fault (5), not store/AMO (7)"
    CHECK_TRAP 93, CAUSE_STORE_ACCESS, 1b
    CHECK_TVAL 95, 0x40
    EXPECT_TRAP(96, CAUSE_LOAD_ACCESS, lr.w a0, (a4))
    CHECK_TVAL 98, 0x40

TEST_END

    .data
    .balign 4
lr_word:    .word 0x1234
amo_word:   .word 0, 0
    .balign 4096
other_word: .word 0x0f0f0f0f
