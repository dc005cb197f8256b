/* umode_basic: user mode (needs U-mode).
 *
 * misa.U is set; mstatus.MPP holds U (0) when written so; mret with
 * MPP = U enters U-mode, after which MPP reads U (the least privileged
 * mode); ecall from U gives mcause 8 (mepc = the ecall, mtval 0) with
 * MPP = U in the trap's mstatus; in U-mode, accesses to machine CSRs
 * (mscratch, mstatus, mhartid read, misa) and mret raise illegal
 * instruction (mtval = the instruction's bits) and ebreak raises a
 * breakpoint; loads and stores to RAM work (PMP opened for U: with PMP
 * present and no matching entry U-mode could access nothing). The U-mode
 * code runs through RUN_IN_U: its ecall brings the test back to M-mode.
 */
#include "macros.h"

/* Checks num..num+3: the first trap since TRAP_RESET was an illegal
 * instruction at label, mtval = the word at label. */
.macro CHECK_ILLEGAL_FIRST num, label
    CHECK_FIELD \num, TS_CAUSE1, CAUSE_ILLEGAL
    CHECK_FIELD_ADDR (\num + 1), TS_EPC1, \label
    la a5, \label
    lw a5, 0(a5)
    CHECK_FIELD_REG (\num + 2), TS_TVAL1, a5
.endm

/* Checks num..num+2: the last trap was the ecall at label, from U. */
.macro CHECK_ECALL_U num, label
    CHECK_FIELD \num, TS_CAUSE, CAUSE_ECALL_U
    CHECK_FIELD_ADDR (\num + 1), TS_EPC, \label
    TRAP_FIELD TS_MSTATUS
    li t6, MSTATUS_MPP
    and t5, t5, t6
    CHECK (\num + 2), t5, 0
.endm

TEST_BEGIN "umode_basic"

    PMP_ALLOW_ALL_U

    /* misa.U */
    csrr a0, misa
    li a1, 1 << 20
    and a0, a0, a1
    CHECK 1, a0, 1 << 20
    /* MPP holds U */
    li a1, MSTATUS_MPP
    csrc mstatus, a1
    csrr a0, mstatus
    and a0, a0, a1
    CHECK 2, a0, 0
    csrs mstatus, a1
    csrr a0, mstatus
    and a0, a0, a1
    CHECK 3, a0, MSTATUS_MPP

    /* ecall from U */
    TRAP_RESET
    RUN_IN_U u_ecall
    TRAP_FIELD TS_COUNT
    CHECK 10, t5, 1
    CHECK_ECALL_U 11, u_ecall
    CHECK_FIELD 14, TS_TVAL, 0
    /* back in M: an M-only CSR works again */
    csrr a0, mscratch
    la a1, trap_save
    CHECK_REG 15, a0, a1

    /* after mret, MPP = U (the least privileged mode) */
    li a1, MSTATUS_MPP
    csrs mstatus, a1
    la a2, 1f
    csrw mepc, a2
    mret
1:  csrr a0, mstatus
    and a0, a0, a1
    CHECK 16, a0, 0             /* U is the least privileged mode */

    /* machine CSRs from U: illegal */
    TRAP_RESET
    RUN_IN_U u_csr_mscratch
    CHECK_ILLEGAL_FIRST 20, u_csr_mscratch
    CHECK_FIELD 23, TS_COUNT, 2
    CHECK_ECALL_U 24, u_csr_mscratch_end
    TRAP_RESET
    RUN_IN_U u_csr_mstatus
    CHECK_ILLEGAL_FIRST 30, u_csr_mstatus
    TRAP_RESET
    RUN_IN_U u_csr_mhartid
    CHECK_ILLEGAL_FIRST 33, u_csr_mhartid
    TRAP_RESET
    RUN_IN_U u_csr_misa_entry
    CHECK_ILLEGAL_FIRST 36, u_csr_misa
    /* the destination register was not written */
    CHECK 39, s2, 0x5a

    /* mret from U: illegal */
    TRAP_RESET
    RUN_IN_U u_mret
    CHECK_ILLEGAL_FIRST 40, u_mret
    CHECK_FIELD 43, TS_COUNT, 2
    /* ebreak from U: breakpoint */
    TRAP_RESET
    RUN_IN_U u_ebreak
    CHECK_FIELD 44, TS_CAUSE1, CAUSE_BREAKPOINT
    CHECK_FIELD_ADDR 45, TS_EPC1, u_ebreak

    /* loads and stores in U */
    la s3, u_data
    TRAP_RESET
    RUN_IN_U u_loadstore
    CHECK_FIELD 50, TS_COUNT, 1
    CHECK 51, s4, 0x12345678
    TEST_CASE(52, a0, 0x12345679, lw a0, 4(s3))

    /* U-mode registers survive the round trip */
    li s5, 0
    TRAP_RESET
    RUN_IN_U u_regs
    CHECK 53, s5, 0xabc

TEST_END

    .text
u_ecall:
    ecall
u_csr_mscratch:
    csrr s1, mscratch
u_csr_mscratch_end:
    ecall
u_csr_mstatus:
    csrw mstatus, zero
    ecall
u_csr_mhartid:
    csrr s1, mhartid
    ecall
u_csr_misa_entry:
    li s2, 0x5a
u_csr_misa:
    csrr s2, misa
    ecall
u_mret:
    mret
    ecall
u_ebreak:
    ebreak
    ecall
u_loadstore:
    lw s4, 0(s3)
    addi s1, s4, 1
    sw s1, 4(s3)
    ecall
u_regs:
    li s5, 0xabc
    ecall

    .data
    .balign 4
u_data: .word 0x12345678, 0
