/* pmp_user: PMP regions checking U-mode (and M-mode with MPRV) accesses
 * (needs U-mode and PMP).
 *
 * On a 4 KiB page P (entry 15 opens everything else to U-mode, RWX):
 *   entry 0  NA4   P+0x100       no permission: U load/store fault (5/7,
 *                                mtval = address), M-mode unaffected
 *   entry 1  NAPOT P+0x200..0x2ff R only: U load ok, store faults, memory
 *                                unchanged
 *   entry 2  (OFF) P+0x400       the base of entry 3
 *   entry 3  TOR   [P+0x400, P+0x800) R|W: U load/store ok at both ends,
 *                                fetch faults (1, mtval = address)
 *   entry 4  NAPOT P+0x800..0x807 X only: U fetch runs (an ecall there),
 *                                U load faults
 * The lowest-numbered matching entry decides (entries 0/1 inside 15's
 * RWX). M-mode with MPRV = 1 and MPP = U loads and stores with U's
 * permissions; and with entry 15 off, an address no entry matches faults.
 */
#include "macros.h"

#define P_NA4       0x100
#define P_NAPOT     0x200
#define P_TOR       0x400
#define P_TOR_TOP   0x800
#define P_XONLY     0x800

TEST_BEGIN "pmp_user"

    PMP_ALLOW_ALL_U
    la s0, page
    /* entry 0: NA4 at P+0x100 */
    addi a0, s0, P_NA4
    srli a0, a0, 2
    csrw pmpaddr0, a0
    /* entry 1: NAPOT 256 bytes at P+0x200: (base | (size/2 - 1)) >> 2 */
    addi a0, s0, P_NAPOT
    ori a0, a0, 0x7f
    srli a0, a0, 2
    csrw pmpaddr1, a0
    /* entries 2 and 3: TOR [P+0x400, P+0x800) */
    addi a0, s0, P_TOR
    srli a0, a0, 2
    csrw pmpaddr2, a0
    li a1, P_TOR_TOP
    add a0, s0, a1
    srli a0, a0, 2
    csrw pmpaddr3, a0
    /* entry 4: NAPOT 8 bytes at P+0x800 */
    li a1, P_XONLY
    add a0, s0, a1
    ori a0, a0, 3
    srli a0, a0, 2
    csrw pmpaddr4, a0
    li a0, ((PMP_TOR | PMP_R | PMP_W) << 24) | (0 << 16) | ((PMP_NAPOT | PMP_R) << 8) | PMP_NA4
    csrw pmpcfg0, a0
    li a0, PMP_NAPOT | PMP_X
    csrw pmpcfg1, a0
    TEST_CASE(1, a0, ((PMP_TOR | PMP_R | PMP_W) << 24) | ((PMP_NAPOT | PMP_R) << 8) | PMP_NA4, csrr a0, pmpcfg0)

    /* U: outside entries 0-4 (entry 15): load and store */
    TRAP_RESET
    RUN_IN_U u_plain
    CHECK_FIELD 2, TS_COUNT, 1
    CHECK 3, s1, 0x11111111
    TEST_CASE(4, a0, 0x11111112, lw a0, 4(s0))

    /* entry 0 (NA4, nothing allowed) */
    TRAP_RESET
    RUN_IN_U u_na4_load
    CHECK_FIELD 10, TS_CAUSE1, CAUSE_LOAD_ACCESS
    CHECK_FIELD_ADDR 11, TS_EPC1, u_na4_load
    addi a1, s0, P_NA4
    CHECK_FIELD_REG 12, TS_TVAL1, a1
    TRAP_RESET
    RUN_IN_U u_na4_store
    CHECK_FIELD 13, TS_CAUSE1, CAUSE_STORE_ACCESS
    CHECK_FIELD_REG 14, TS_TVAL1, a1
    TEST_CASE(15, a0, 0x22222222, lw a0, P_NA4(s0))     /* M-mode: allowed */
    /* the words next to the NA4 one are entry 15's (allowed) */
    TRAP_RESET
    RUN_IN_U u_na4_neighbours
    CHECK_FIELD 16, TS_COUNT, 1

    /* entry 1 (NAPOT, R only) */
    TRAP_RESET
    RUN_IN_U u_napot
    CHECK_FIELD 20, TS_COUNT, 2
    CHECK_FIELD 21, TS_CAUSE1, CAUSE_STORE_ACCESS
    CHECK_FIELD_ADDR 22, TS_EPC1, u_napot_store
    addi a1, s0, P_NAPOT + 0xfc
    CHECK_FIELD_REG 23, TS_TVAL1, a1
    CHECK 24, s1, 0x33333333
    TEST_CASE(25, a0, 0x44444444, lw a0, P_NAPOT + 0xfc(s0))

    /* entry 3 (TOR, R|W): both ends; a fetch faults */
    TRAP_RESET
    RUN_IN_U u_tor
    CHECK_FIELD 30, TS_COUNT, 1
    CHECK 31, s1, 0x55555555
    li a1, P_TOR_TOP - 4
    add a1, a1, s0
    TEST_CASE(32, a0, 0x66666666, lw a0, 0(a1))
    TRAP_RESET
    TRAP_RESUME u_resume
    RUN_IN_U u_tor_fetch
    CHECK_FIELD 33, TS_CAUSE1, CAUSE_FETCH_ACCESS
    addi a1, s0, P_TOR + 0x200
    CHECK_FIELD_REG 34, TS_EPC1, a1
    CHECK_FIELD_REG 35, TS_TVAL1, a1

    /* entry 4 (X only): the ecall there runs, a load faults */
    TRAP_RESET
    RUN_IN_U u_xonly_fetch
    CHECK_FIELD 40, TS_COUNT, 1
    CHECK_FIELD 41, TS_CAUSE, CAUSE_ECALL_U
    li a1, P_XONLY
    add a1, a1, s0
    CHECK_FIELD_REG 42, TS_EPC, a1
    TRAP_RESET
    RUN_IN_U u_xonly_load
    CHECK_FIELD 43, TS_CAUSE1, CAUSE_LOAD_ACCESS
    CHECK_FIELD_REG 44, TS_TVAL1, a1

    /* M-mode with MPRV = 1, MPP = U: loads and stores as U */
    li a1, MSTATUS_MPP
    csrc mstatus, a1
    li a1, MSTATUS_MPRV
    TRAP_RESET
    li gp, 50
    csrs mstatus, a1
.Lmprv_load:
    lw a0, P_NA4(s0)            /* entry 0: U may not */
    csrc mstatus, a1
    CHECK_FIELD 50, TS_CAUSE1, CAUSE_LOAD_ACCESS
    CHECK_FIELD_ADDR 51, TS_EPC1, .Lmprv_load
    li a1, MSTATUS_MPP
    csrc mstatus, a1
    li a1, MSTATUS_MPRV
    TRAP_RESET
    csrs mstatus, a1
    lw s1, 0(s0)                /* entry 15: U may */
    csrc mstatus, a1
    CHECK_FIELD 52, TS_COUNT, 0
    CHECK 53, s1, 0x11111111
    /* MPRV with MPP = M: M's permissions */
    li a1, MSTATUS_MPP
    csrs mstatus, a1
    li a1, MSTATUS_MPRV
    TRAP_RESET
    csrs mstatus, a1
    lw s1, P_NA4(s0)
    csrc mstatus, a1
    CHECK_FIELD 54, TS_COUNT, 0
    CHECK 55, s1, 0x22222222

    /* no entry matches (entry 15 off): a U access fails */
    csrw pmpcfg3, zero
    li a1, MSTATUS_MPP
    csrc mstatus, a1
    li a1, MSTATUS_MPRV
    TRAP_RESET
    csrs mstatus, a1
.Lmprv_none:
    lw a0, 0(s0)
    csrc mstatus, a1
    CHECK_FIELD 60, TS_CAUSE1, CAUSE_LOAD_ACCESS
    CHECK_FIELD_ADDR 61, TS_EPC1, .Lmprv_none
    CHECK_FIELD_REG 62, TS_TVAL1, s0
    li a1, MSTATUS_MPP
    csrs mstatus, a1

    csrw pmpcfg0, zero
    csrw pmpcfg1, zero

TEST_END

    .text
u_plain:
    lw s1, 0(s0)
    addi s2, s1, 1
    sw s2, 4(s0)
    ecall
u_na4_load:
    lw s1, P_NA4(s0)
    ecall
u_na4_store:
    sw zero, P_NA4(s0)
    ecall
u_na4_neighbours:
    lw s1, P_NA4 - 4(s0)
    sw s1, P_NA4 - 4(s0)
    lw s1, P_NA4 + 4(s0)
    sw s1, P_NA4 + 4(s0)
    ecall
u_napot:
    lw s1, P_NAPOT(s0)
    lw s2, P_NAPOT + 0xfc(s0)
u_napot_store:
    sw zero, P_NAPOT + 0xfc(s0)
    ecall
u_tor:
    lw s1, P_TOR(s0)
    sw s1, P_TOR(s0)
    li s3, P_TOR_TOP - 4
    add s3, s3, s0
    lw s2, 0(s3)
    sw s2, 0(s3)
    ecall
u_tor_fetch:
    addi s3, s0, P_TOR + 0x200
    jr s3
u_resume:
    ecall
u_xonly_fetch:
    li s3, P_XONLY
    add s3, s3, s0
    jr s3                       /* runs the ecall there */
u_xonly_load:
    li s3, P_XONLY
    add s3, s3, s0
    lw s1, 0(s3)
    ecall

    .data
    .balign 4096
page:
    .word 0x11111111, 0
    .skip P_NA4 - 8
    .word 0x22222222
    .skip P_NAPOT - P_NA4 - 4
    .word 0x33333333
    .skip 0xfc - 4
    .word 0x44444444
    .skip P_TOR - P_NAPOT - 0x100
    .word 0x55555555
    .skip 0x200 - 4
    ecall                       /* P+0x600: in R|W, not X */
    .skip P_TOR_TOP - P_TOR - 0x200 - 8
    .word 0x66666666
    ecall                       /* P+0x800: X only */
    .word 0
    .balign 4096
