/* mret: trap entry and return state (M-mode).
 *
 * Trap entry saves MIE in MPIE, clears MIE and sets MPP = M (seen through
 * the mstatus the default handler records); mret sets MIE = MPIE,
 * MPIE = 1 and pc = mepc (MPP after it is the least privileged mode,
 * checked in umode_basic.S), both with MPIE = 1 and 0, also to a 2-byte
 * aligned mepc; exceptions with a vectored mtvec (mode 1) still enter at
 * the base. mie stays 0 throughout, so setting MIE lets no interrupt in.
 */
#include "macros.h"

TEST_BEGIN "mret"

    /* entry with MIE = 1: MPIE = 1, MIE = 0, MPP = M; mret gives MIE = 1 */
    li a1, MSTATUS_MIE
    csrs mstatus, a1
    EXPECT_TRAP(1, CAUSE_ECALL_M, ecall)
    TRAP_FIELD TS_MSTATUS
    li a1, MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP
    and t5, t5, a1
    CHECK 3, t5, MSTATUS_MPIE | MSTATUS_MPP
    csrr a0, mstatus                    /* MPP after mret: U or M */
    li a1, MSTATUS_MIE | MSTATUS_MPIE
    and a0, a0, a1
    CHECK 4, a0, MSTATUS_MIE | MSTATUS_MPIE

    /* entry with MIE = 0: MPIE = 0; mret gives MIE = 0, MPIE = 1 */
    li a1, MSTATUS_MIE
    csrc mstatus, a1
    EXPECT_TRAP(5, CAUSE_ECALL_M, ecall)
    TRAP_FIELD TS_MSTATUS
    li a1, MSTATUS_MIE | MSTATUS_MPIE
    and t5, t5, a1
    CHECK 7, t5, 0
    csrr a0, mstatus
    and a0, a0, a1
    CHECK 8, a0, MSTATUS_MPIE

    /* mret by hand, MPIE = 1: MIE = 1, MPIE = 1 */
    li a1, MSTATUS_MPIE | MSTATUS_MPP   /* MPP = M: stay in M */
    csrs mstatus, a1
    la a2, 1f
    csrw mepc, a2
    li gp, 10
    mret
    j fail
1:  csrr a0, mstatus
    li a1, MSTATUS_MIE | MSTATUS_MPIE
    and a0, a0, a1
    CHECK 10, a0, MSTATUS_MIE | MSTATUS_MPIE

    /* MPIE = 0, MIE = 1: MIE = 0, MPIE = 1; to a 2-byte aligned mepc */
    li a1, MSTATUS_MPIE
    csrc mstatus, a1
    li a1, MSTATUS_MIE | MSTATUS_MPP
    csrs mstatus, a1
    la a2, 2f
    csrw mepc, a2
    li gp, 11
    mret
    j fail
    CODE_ALIGN 4
    .option push
    .option rvc
    c.nop
2:  c.li a0, 1                          /* 4k + 2 */
    .option pop
    CHECK 11, a0, 1
    csrr a0, mstatus
    li a1, MSTATUS_MIE | MSTATUS_MPIE
    and a0, a0, a1
    CHECK 12, a0, MSTATUS_MPIE
    la a1, 2b
    andi a1, a1, 3
    CHECK 13, a1, 2

    /* the default handler returns with mret to mepc + 4 */
    li a0, 0
    EXPECT_TRAP(14, CAUSE_ECALL_M, ecall; li a0, 3)
    CHECK 16, a0, 3

    /* vectored mtvec: exceptions still enter at the base */
    la a1, trap_handler
    ori a1, a1, 1
    csrw mtvec, a1
    csrr a0, mtvec
    CHECK_REG 20, a0, a1
    EXPECT_TRAP(21, CAUSE_ECALL_M, ecall)
    EXPECT_TRAP(23, CAUSE_ILLEGAL, .word 0xfe000033)
    EXPECT_TRAP(25, CAUSE_LOAD_ACCESS, lw a0, 0(zero))
    la a1, trap_handler
    csrw mtvec, a1

TEST_END
