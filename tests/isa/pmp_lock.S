/* pmp_lock: locked PMP entries bind M-mode too (needs PMP).
 *
 *   entry 0  NA4 L|R        locked_r: M load ok, M store faults (7,
 *                           mtval = address), memory unchanged
 *   entry 1  NA4 L          locked_none: M load faults (5)
 *   entry 2  (OFF) base     of entry 3; pmpaddr2 is locked by entry 3's TOR
 *   entry 3  TOR L|R|W      [tor_base, tor_top): M load/store ok, M fetch
 *                           of the `ret` there faults (1, mtval = address)
 *   entry 4  unlocked       still writable
 * Writes to a locked entry's pmpcfg byte and pmpaddr are ignored (also
 * pmpaddr2, the base of the locked TOR entry 3); clearing L is impossible
 * until reset. Unlocked entries keep not binding M-mode.
 */
#include "macros.h"

TEST_BEGIN "pmp_lock"

    la a0, locked_r
    srli a0, a0, 2
    csrw pmpaddr0, a0
    la a0, locked_none
    srli a0, a0, 2
    csrw pmpaddr1, a0
    la a0, tor_base
    srli a0, a0, 2
    csrw pmpaddr2, a0
    la a0, tor_top
    srli a0, a0, 2
    csrw pmpaddr3, a0
    li a0, ((PMP_L | PMP_TOR | PMP_R | PMP_W) << 24) | ((PMP_L | PMP_NA4) << 8) | (PMP_L | PMP_NA4 | PMP_R)
    csrw pmpcfg0, a0
    TEST_CASE(1, a1, ((PMP_L | PMP_TOR | PMP_R | PMP_W) << 24) | ((PMP_L | PMP_NA4) << 8) | (PMP_L | PMP_NA4 | PMP_R), csrr a1, pmpcfg0)

    /* entry 0: read-only for M too */
    la s0, locked_r
    TEST_CASE(2, a0, 0x0badf00d, lw a0, 0(s0))
    li a1, 0x12345678
    EXPECT_TRAP(3, CAUSE_STORE_ACCESS, sw a1, 0(s0))
    CHECK_TVAL_REG 5, s0
    TEST_CASE(6, a0, 0x0badf00d, lw a0, 0(s0))
    EXPECT_TRAP(7, CAUSE_STORE_ACCESS, sb a1, 3(s0))
    /* the neighbours are not covered */
    TEST_CASE(9, a0, 0x11111111, lw a0, 4(s0))
    sw a1, 4(s0)
    TEST_CASE(10, a0, 0x12345678, lw a0, 4(s0))

    /* entry 1: nothing allowed */
    la s1, locked_none
    li a0, 0x55
    EXPECT_TRAP(11, CAUSE_LOAD_ACCESS, lw a0, 0(s1))
    CHECK_TVAL_REG 13, s1
    CHECK 14, a0, 0x55

    /* entry 3: RW, not X */
    la s2, tor_base
    TEST_CASE(20, a0, 0x33333333, lw a0, 4(s2))
    li a1, 0x44
    sw a1, 4(s2)
    TEST_CASE(21, a0, 0x44, lw a0, 4(s2))
    la s3, tor_ret
    TRAP_RESET
    TRAP_RESUME 1f
    li gp, 22
    jalr ra, 0(s3)
    j fail
1:  CHECK_FIELD 22, TS_CAUSE, CAUSE_FETCH_ACCESS
    CHECK_FIELD_REG 23, TS_EPC, s3
    CHECK_FIELD_REG 24, TS_TVAL, s3

    /* locked entries ignore writes */
    TRAP_RESET
    csrw pmpcfg0, zero
    TEST_CASE(30, a1, ((PMP_L | PMP_TOR | PMP_R | PMP_W) << 24) | ((PMP_L | PMP_NA4) << 8) | (PMP_L | PMP_NA4 | PMP_R), csrr a1, pmpcfg0)
    la a0, locked_r
    srli a2, a0, 2
    csrw pmpaddr0, zero
    TEST_CASE(31, a1, 0, csrr a1, pmpaddr0; sub a1, a1, a2)
    la a0, tor_base             /* locked through entry 3 (TOR) */
    srli a2, a0, 2
    csrw pmpaddr2, zero
    TEST_CASE(32, a1, 0, csrr a1, pmpaddr2; sub a1, a1, a2)
    la a0, tor_top
    srli a2, a0, 2
    csrw pmpaddr3, zero
    TEST_CASE(33, a1, 0, csrr a1, pmpaddr3; sub a1, a1, a2)
    CHECK_NO_TRAP 34            /* ignored, not refused */
    /* still enforced */
    EXPECT_TRAP(35, CAUSE_STORE_ACCESS, sw a1, 0(s0))

    /* entry 4 unlocked: writable, and it does not bind M */
    li a1, 0x12345678
    csrw pmpaddr4, a1
    TEST_CASE(40, a0, 0x12345678, csrr a0, pmpaddr4)
    la a1, free_word
    srli a1, a1, 2
    csrw pmpaddr4, a1
    li a1, PMP_NA4              /* no permission, unlocked */
    csrw pmpcfg1, a1
    TEST_CASE(41, a0, PMP_NA4, csrr a0, pmpcfg1)
    la a1, free_word
    li a2, 0x77
    sw a2, 0(a1)
    TEST_CASE(42, a0, 0x77, lw a0, 0(a1))
    csrw pmpcfg1, zero
    TEST_CASE(43, a0, 0, csrr a0, pmpcfg1)

TEST_END

    .data
    .balign 16
locked_r:    .word 0x0badf00d
             .word 0x11111111
locked_none: .word 0x22222222
             .word 0
    .balign 16
tor_base:    .word 0
             .word 0x33333333
tor_ret:     ret
             .word 0
tor_top:
free_word:   .word 0
