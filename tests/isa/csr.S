/* csr: Zicsr instructions and the machine information CSRs.
 *
 * csrrw/csrrs/csrrc and csrrwi/csrrsi/csrrci on mscratch (old value in rd,
 * new value in the CSR), the rd = x0 forms (csrw/csrs/csrc write), the
 * rs1 = x0 / uimm = 0 forms (read only: allowed on read-only CSRs), rd ==
 * rs1; misa (MXL = 1 for RV32, I, M, A and C set), mhartid = 0,
 * mvendorid/marchid/mimpid readable; mepc[0] reads zero; mstatus.MIE/MPIE
 * writable; illegal instruction (mtval = the instruction's bits) for an
 * unknown CSR (0x7c0, custom space), a write to a read-only CSR (mhartid,
 * mvendorid, cycle) including csrrs/csrrc with rs1 != x0 holding zero and
 * csrrsi/csrrci with a nonzero uimm.
 *
 * Known QEMU 7.2 deviations, tolerated with a "deviation:" line: mepc keeps
 * bit 0 as written; csrrs/csrrc with rs1 != x0 holding zero do not trap on
 * a read-only CSR (the spec: they still write, so they must).
 */
#include "macros.h"

/* Check num..num+2: `code` (one CSR instruction) raises illegal
 * instruction with mtval = its own bits. */
#define EXPECT_ILLEGAL(num, code...) \
    EXPECT_TRAP(num, CAUSE_ILLEGAL, code); \
    la a5, .Lfault##num; lw a5, 0(a5); CHECK_TVAL_REG (num + 2), a5

/* The same, but no trap at all is tolerated as a known deviation. */
#define EXPECT_ILLEGAL_OR_DEV(num, text, code...) \
    TRAP_RESET; li gp, num; .Lfault##num: code; \
    ILLEGAL_OR_DEVIATION num, .Lfault##num, text

.macro ILLEGAL_OR_DEVIATION num, label, text
    TRAP_FIELD TS_COUNT
    bnez t5, .Ltrapped\@
    DEVIATION "\text"
    j .Ldone\@
.Ltrapped\@:
    CHECK_TRAP \num, CAUSE_ILLEGAL, \label
    la a5, \label
    lw a5, 0(a5)
    CHECK_TVAL_REG (\num + 2), a5
.Ldone\@:
.endm

TEST_BEGIN "csr"

    csrr s0, mscratch           /* the trap handler's pointer: kept in s0 */

    /* csrrw: swap */
    li a1, 0x12345678
    csrw mscratch, a1
    TEST_CASE(1, a0, 0x12345678, csrr a0, mscratch)
    li a1, 0xcafef00d
    TEST_CASE(2, a0, 0x12345678, csrrw a0, mscratch, a1)
    TEST_CASE(3, a0, 0xcafef00d, csrr a0, mscratch)
    /* csrrs / csrrc: set and clear bits, old value in rd */
    li a1, 0x0000ffff
    TEST_CASE(4, a0, 0xcafef00d, csrrs a0, mscratch, a1)
    TEST_CASE(5, a0, 0xcafeffff, csrr a0, mscratch)
    li a1, 0xff0000ff
    TEST_CASE(6, a0, 0xcafeffff, csrrc a0, mscratch, a1)
    TEST_CASE(7, a0, 0x00feff00, csrr a0, mscratch)
    /* immediate forms: 5-bit zero-extended uimm */
    TEST_CASE(8, a0, 0x00feff00, csrrwi a0, mscratch, 31)
    TEST_CASE(9, a0, 31, csrr a0, mscratch)
    TEST_CASE(10, a0, 31, csrrci a0, mscratch, 0x15)
    TEST_CASE(11, a0, 0x0a, csrrsi a0, mscratch, 0x10)
    TEST_CASE(12, a0, 0x1a, csrr a0, mscratch)
    TEST_CASE(13, a0, 0x1a, csrrwi a0, mscratch, 0)
    TEST_CASE(14, a0, 0, csrr a0, mscratch)
    /* rd = x0 forms */
    li a1, 0xf0f0f0f0
    csrw mscratch, a1
    li a1, 0x0f000000
    csrs mscratch, a1
    li a1, 0x000000f0
    csrc mscratch, a1
    TEST_CASE(15, a0, 0xfff0f000, csrr a0, mscratch)
    csrwi mscratch, 5
    csrsi mscratch, 0x18
    csrci mscratch, 1
    TEST_CASE(16, a0, 0x1c, csrr a0, mscratch)
    /* rs1 = x0 / uimm = 0: read, no write */
    li a1, 0x5a5a5a5a
    csrw mscratch, a1
    TEST_CASE(17, a0, 0x5a5a5a5a, csrrs a0, mscratch, zero)
    TEST_CASE(18, a0, 0x5a5a5a5a, csrrc a0, mscratch, zero)
    TEST_CASE(19, a0, 0x5a5a5a5a, csrrsi a0, mscratch, 0)
    TEST_CASE(20, a0, 0x5a5a5a5a, csrrci a0, mscratch, 0)
    TEST_CASE(21, a0, 0x5a5a5a5a, csrr a0, mscratch)
    /* rd == rs1: the old value to rd, the CSR gets the old rs1 */
    li a0, 0x00000003
    TEST_CASE(22, a0, 0x5a5a5a5a, csrrs a0, mscratch, a0)
    TEST_CASE(23, a0, 0x5a5a5a5b, csrr a0, mscratch)
    li a0, 0x11
    TEST_CASE(24, a0, 0x5a5a5a5b, csrrw a0, mscratch, a0)
    TEST_CASE(25, a0, 0x11, csrr a0, mscratch)
    /* all 32 bits writable */
    li a1, 0xffffffff
    csrw mscratch, a1
    TEST_CASE(26, a0, 0xffffffff, csrr a0, mscratch)
    /* csrr into x0 is still a read (no trap, nothing written) */
    csrr x0, mscratch
    CHECK 27, zero, 0

    csrw mscratch, s0           /* the handler works again from here */

    /* misa: MXL = 1 (32-bit), I M A C present */
    csrr a1, misa
    srli a0, a1, 30
    CHECK 30, a0, 1
    li a2, (1 << 8) | (1 << 12) | (1 << 0) | (1 << 2)
    and a0, a1, a2
    CHECK_REG 31, a0, a2
    li a2, 1 << 4               /* E: never with I */
    and a0, a1, a2
    CHECK 32, a0, 0
    /* hart and vendor information */
    TEST_CASE(33, a0, 0, csrr a0, mhartid)
    csrr a0, mvendorid
    csrr a0, marchid
    csrr a0, mimpid
    /* mepc: bit 0 is always zero */
    li a1, 0x80000001
    csrw mepc, a1
    csrr a0, mepc
    beq a0, a1, 1f
    CHECK 34, a0, 0x80000000
    j 2f
1:  DEVIATION "mepc[0] reads back as written (the spec says it is always zero)"
2:
    li a1, 0x80000006           /* bit 1 writable with C */
    csrw mepc, a1
    TEST_CASE(35, a0, 0x80000006, csrr a0, mepc)
    /* mstatus: MIE and MPIE read back; MPP reads as M after a write of M */
    li a1, MSTATUS_MPIE
    csrs mstatus, a1
    csrr a0, mstatus
    and a0, a0, a1
    CHECK_REG 36, a0, a1
    csrc mstatus, a1
    csrr a0, mstatus
    and a0, a0, a1
    CHECK 37, a0, 0
    li a1, MSTATUS_MPP
    csrs mstatus, a1
    csrr a0, mstatus
    and a0, a0, a1
    CHECK 38, a0, MSTATUS_MPP
    /* mtvec: base and direct mode read back (the test restores it) */
    csrr s1, mtvec
    la a1, trap_handler
    CHECK_REG 39, s1, a1
    li a1, 0x80001000
    csrw mtvec, a1
    TEST_CASE(40, a0, 0x80001000, csrr a0, mtvec)
    csrw mtvec, s1

    /* illegal: an unknown CSR (0x7c0, custom read/write space) */
    EXPECT_ILLEGAL(50, csrr a0, 0x7c0)
    EXPECT_ILLEGAL(53, csrw 0x7c0, a0)
    EXPECT_ILLEGAL(56, csrrsi a0, 0x7c0, 0)
    /* illegal: writes to read-only CSRs */
    EXPECT_ILLEGAL(60, csrw mhartid, a0)
    EXPECT_ILLEGAL(63, csrrwi a0, mvendorid, 0)      /* csrrw always writes */
    li a1, 0
    /* rs1 != x0 holding 0 still writes */
    EXPECT_ILLEGAL_OR_DEV(66, "csrrs with rs1 != x0 holding 0 wrote a read-only CSR without trapping", csrrs a0, mhartid, a1)
    EXPECT_ILLEGAL_OR_DEV(69, "csrrc with rs1 != x0 holding 0 wrote a read-only CSR without trapping", csrrc a0, mimpid, a1)
    EXPECT_ILLEGAL(72, csrrsi a0, marchid, 1)
    EXPECT_ILLEGAL(75, csrw cycle, a1)
    EXPECT_ILLEGAL(78, csrw instret, a1)
    /* the destination is not written when the instruction traps */
    li a0, 0x77
    EXPECT_ILLEGAL(81, csrrs a0, 0x7c0, zero)
    CHECK 84, a0, 0x77
    /* read-only CSRs read with rs1 = x0 / uimm = 0: no trap */
    TRAP_RESET
    csrrs a0, mhartid, zero
    csrrc a0, mvendorid, zero
    csrrsi a0, marchid, 0
    csrrci a0, mimpid, 0
    csrr a0, cycle
    csrr a0, instret
    CHECK_NO_TRAP 85

TEST_END
