/* rv32i_disabled: a hart without M, A and C (board virt32-rv32i in
 * tests/isa/boards.yaml; built with -march=rv32i; on QEMU
 * `-cpu rv32,m=false,a=false,c=false`).
 *
 * misa shows I without M, A, C; M, A and C instructions raise illegal
 * instruction with mtval = their bits (16 bits for a C one); with IALIGN =
 * 32 a taken jal/jalr/branch to an address that is 2 but not 4-byte
 * aligned raises instruction-address-misaligned (0) on the jump (mepc = the
 * jump, mtval = the target, rd not written), a branch not taken to such an
 * address raises nothing; mepc[1] reads zero (tolerated as a deviation if
 * not). The default handler cannot step over a 16-bit parcel here, so the
 * C checks resume at a label.
 *
 * Known QEMU 7.2 deviations, tolerated with "deviation:" lines: mtval of
 * instruction-address-misaligned is not the target; mepc[1] keeps what is
 * written.
 */
#include "macros.h"

/* Check num..num+2: the 32-bit word `bits` is illegal, mtval = bits. */
#define ILLEGAL32(num, bits) \
    EXPECT_TRAP(num, CAUSE_ILLEGAL, .word bits); CHECK_TVAL (num + 2), bits

/* Check num: mtval of the last trap is the address in register reg;
 * anything else is tolerated as a deviation (QEMU 7.2 reports another pc). */
.macro CHECK_MISALIGNED_TVAL num, reg
    TRAP_FIELD TS_TVAL
    beq t5, \reg, .Lok\@
    DEVIATION "instruction-address-misaligned: mtval is not the target"
    j .Ldone\@
.Lok\@:
    CHECK_NUM \num
.Ldone\@:
.endm

TEST_BEGIN "rv32i_disabled"

    /* misa: I, not M/A/C */
    csrr a1, misa
    srli a0, a1, 30
    CHECK 1, a0, 1
    andi a0, a1, (1 << 8)
    CHECK 2, a0, (1 << 8)
    li a2, (1 << 12) | (1 << 0) | (1 << 2)
    and a0, a1, a2
    CHECK 3, a0, 0

    /* M */
    ILLEGAL32(10, 0x02c58533)           /* mul a0, a1, a2 */
    ILLEGAL32(13, 0x02c5c533)           /* div a0, a1, a2 */
    ILLEGAL32(16, 0x02c5b533)           /* mulhu a0, a1, a2 */
    ILLEGAL32(19, 0x02c5f533)           /* remu a0, a1, a2 */
    /* A */
    la a1, word
    ILLEGAL32(22, 0x1005a52f)           /* lr.w a0, (a1) */
    ILLEGAL32(25, 0x18c5a52f)           /* sc.w a0, a2, (a1) */
    ILLEGAL32(28, 0x00c5a52f)           /* amoadd.w a0, a2, (a1) */
    ILLEGAL32(31, 0x08c5a52f)           /* amoswap.w a0, a2, (a1) */
    TEST_CASE(34, a0, 0x1234, lw a0, 0(a1))

    /* C: a 16-bit parcel, then a 16-bit pad; resume after both */
    li a0, 0
    TRAP_RESET
    TRAP_RESUME 1f
    li gp, 40
2:  .half 0x4505                        /* c.li a0, 1 */
    .half 0x0001                        /* c.nop */
1:  CHECK_TRAP 40, CAUSE_ILLEGAL, 2b
    CHECK_TVAL 42, 0x4505
    CHECK 43, a0, 0
    TRAP_RESET
    TRAP_RESUME 1f
    li gp, 44
2:  .half 0x8082                        /* c.jr ra */
    .half 0x0001
1:  CHECK_TRAP 44, CAUSE_ILLEGAL, 2b
    CHECK_TVAL 46, 0x8082

    /* jal to a 2-byte aligned target: misaligned on the jump itself */
    li ra, 0x77
    TRAP_RESET
    TRAP_RESUME 1f
    li gp, 50
2:  jal ra, misaligned_target
1:  CHECK_TRAP 50, CAUSE_FETCH_MISALIGNED, 2b
    la a3, misaligned_target
    CHECK_MISALIGNED_TVAL 52, a3
    CHECK 53, ra, 0x77                  /* not written */
    /* jalr: target (rs1 + imm) & ~1 with bit 1 set */
    la a1, misaligned_target
    li a0, 0x66
    TRAP_RESET
    TRAP_RESUME 1f
    li gp, 54
2:  jalr a0, 0(a1)
1:  CHECK_TRAP 54, CAUSE_FETCH_MISALIGNED, 2b
    CHECK_MISALIGNED_TVAL 56, a1
    CHECK 57, a0, 0x66
    /* jalr with an odd address: bit 0 cleared, bit 1 still misaligned */
    addi a2, a1, 1
    TRAP_RESET
    TRAP_RESUME 1f
    li gp, 58
2:  jalr a0, 0(a2)
1:  CHECK_TRAP 58, CAUSE_FETCH_MISALIGNED, 2b
    CHECK_MISALIGNED_TVAL 60, a1
    /* taken branch */
    TRAP_RESET
    TRAP_RESUME 1f
    li gp, 61
2:  beq zero, zero, misaligned_target
1:  CHECK_TRAP 61, CAUSE_FETCH_MISALIGNED, 2b
    la a3, misaligned_target
    CHECK_MISALIGNED_TVAL 63, a3
    /* branch not taken: no exception */
    TRAP_RESET
    li a0, 1
    beq a0, zero, misaligned_target
    bne a0, a0, misaligned_target
    CHECK_NO_TRAP 64

    /* mepc[1] is zero without C */
    li a1, 0x80000006
    csrw mepc, a1
    csrr a0, mepc
    beq a0, a1, 1f
    CHECK 70, a0, 0x80000004
    j 2f
1:  DEVIATION "mepc[1] reads back as written on a hart without C"
2:

TEST_END

    .text
    .word 0
    .half 0
misaligned_target:                      /* 4k + 2: never reached */
    .half 0
    j fail

    .data
    .balign 4
word: .word 0x1234
