/* umode_counters: cycle/time/instret in U-mode, gated by mcounteren
 * (needs U-mode, mcounteren and the time CSR).
 *
 * With mcounteren = 0, rdcycle, rdtime, rdinstret, rdcycleh and
 * hpmcounter3 in U-mode raise illegal instruction (mtval = the
 * instruction's bits); with CY|TM|IR set they read (instret read in U lies
 * between two M-mode reads of minstret, time near mtime); each bit gates
 * only its counter (IR alone: rdinstret works, rdcycle and rdtime trap);
 * hpmcounter3 follows bit 3 if that bit is writable. On a hart with
 * S-mode (QEMU) scounteren gates U-mode too, so it is set to all ones
 * first; without S-mode (mcusim) that write traps and is ignored.
 */
#include "macros.h"

/* Checks num..num+2: running U-mode code at label (ending in ecall) took
 * an illegal-instruction trap first, at label, mtval = its bits. */
.macro U_ILLEGAL num, label
    TRAP_RESET
    RUN_IN_U \label
    CHECK_FIELD \num, TS_CAUSE1, CAUSE_ILLEGAL
    CHECK_FIELD_ADDR (\num + 1), TS_EPC1, \label
    la a5, \label
    lw a5, 0(a5)
    CHECK_FIELD_REG (\num + 2), TS_TVAL1, a5
.endm

/* Check num: U-mode code at label ran with no trap but its final ecall. */
.macro U_OK num, label
    TRAP_RESET
    RUN_IN_U \label
    CHECK_FIELD \num, TS_COUNT, 1
.endm

TEST_BEGIN "umode_counters"

    PMP_ALLOW_ALL_U
    li a0, -1
    csrw scounteren, a0         /* S-mode harts only; traps otherwise */
    TRAP_RESET

    /* mcounteren = 0: everything traps */
    csrw mcounteren, zero
    TEST_CASE(1, a0, 0, csrr a0, mcounteren)
    U_ILLEGAL 2, u_cycle
    U_ILLEGAL 5, u_time
    U_ILLEGAL 8, u_instret
    U_ILLEGAL 11, u_cycleh
    U_ILLEGAL 14, u_timeh
    U_ILLEGAL 17, u_hpm3

    /* CY | TM | IR */
    li a0, 7
    csrw mcounteren, a0
    csrr a0, mcounteren
    andi a0, a0, 7
    CHECK 20, a0, 7
    U_OK 21, u_cycle
    U_OK 22, u_time
    U_OK 23, u_cycleh
    U_OK 24, u_timeh
    csrr s2, minstret
    U_OK 25, u_instret
    csrr s3, minstret
    li gp, 26
    bltu s1, s2, fail           /* s1 = instret read in U */
    bgeu s1, s3, fail
    CHECK_NUM 26
    /* time in U near mtime */
    li t0, CLINT_MTIME
    lw s2, 0(t0)
    U_OK 27, u_time
    sub a0, s1, s2
    li a1, 100000
    li gp, 28
    bgeu a0, a1, fail
    CHECK_NUM 28

    /* IR alone */
    li a0, 4
    csrw mcounteren, a0
    U_OK 30, u_instret
    U_ILLEGAL 31, u_cycle
    U_ILLEGAL 34, u_time

    /* hpmcounter3 follows bit 3 when that bit sticks */
    li a0, 8
    csrw mcounteren, a0
    csrr a0, mcounteren
    andi a0, a0, 8
    beqz a0, 1f
    U_OK 40, u_hpm3
    j 2f
1:  U_ILLEGAL 41, u_hpm3
2:
    csrw mcounteren, zero

TEST_END

    .text
u_cycle:
    rdcycle s1
    ecall
u_time:
    rdtime s1
    ecall
u_instret:
    rdinstret s1
    ecall
u_cycleh:
    rdcycleh s1
    ecall
u_timeh:
    rdtimeh s1
    ecall
u_hpm3:
    csrr s1, hpmcounter3
    ecall
