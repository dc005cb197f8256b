/* illegal: illegal-instruction, ecall and breakpoint exceptions (M-mode).
 *
 * Illegal instruction (mcause 2, mepc = the instruction, mtval = its
 * bits): 32-bit encodings (also at a 2-byte aligned address) and 16-bit
 * ones (0x0000, which the spec defines as illegal, and the reserved
 * c.addi4spn/c.lui/c.addi16sp/c.jr/c.lwsp forms); for a 16-bit one mtval
 * holds only its 16 bits (a 32-bit nop follows it to catch an
 * implementation reading on). An illegal instruction naming rd does not
 * write it. ecall from M (11, mtval 0), ebreak and c.ebreak (3; mtval = pc
 * or 0, both allowed by the spec: a note says which). Illegal CSR accesses
 * are in csr.S.
 */
#include "macros.h"

/* Check num..num+2: the 32-bit word `bits` raises illegal instruction
 * with mtval = bits. */
#define ILLEGAL32(num, bits) \
    EXPECT_TRAP(num, CAUSE_ILLEGAL, .word bits); CHECK_TVAL (num + 2), bits

/* Check num..num+2: the 16-bit parcel `bits`, followed by a 32-bit nop,
 * raises illegal instruction with mtval = bits. */
#define ILLEGAL16(num, bits) \
    EXPECT_TRAP(num, CAUSE_ILLEGAL, .half bits; nop); CHECK_TVAL (num + 2), bits

TEST_BEGIN "illegal"

    /* 32-bit */
    ILLEGAL32(1, 0xfe000033)            /* OP with funct7 = 0x7f */
    ILLEGAL32(4, 0x0000707b)            /* custom-3 opcode */
    ILLEGAL32(7, 0x0005b503)            /* ld a0, 0(a1): RV64 only */
    ILLEGAL32(10, 0xffffffff)           /* not a 32-bit encoding at all */
    /* at a 2-byte aligned address */
    CODE_ALIGN 4
    .option push
    .option rvc
    c.nop
    .option pop
    ILLEGAL32(13, 0xfe000033)

    /* 16-bit */
    ILLEGAL16(20, 0x0000)               /* all zeros: defined illegal */
    ILLEGAL16(23, 0x0004)               /* c.addi4spn with nzuimm = 0 */
    ILLEGAL16(26, 0x6081)               /* c.lui ra, 0 */
    ILLEGAL16(29, 0x6101)               /* c.addi16sp sp, 0 */
    ILLEGAL16(32, 0x8002)               /* c.jr x0 */
    ILLEGAL16(35, 0x4002)               /* c.lwsp x0, 0(sp) */

    /* rd is not written */
    li a0, 0x77
    TRAP_RESET
    .word 0xfe000533                    /* OP rd = a0, funct7 = 0x7f */
    CHECK 40, a0, 0x77
    TRAP_FIELD TS_COUNT
    CHECK 41, t5, 1

    /* ecall */
    EXPECT_TRAP(50, CAUSE_ECALL_M, ecall)
    CHECK_TVAL 52, 0
    /* at a 2-byte aligned address */
    CODE_ALIGN 4
    .option push
    .option rvc
    c.nop
    .option pop
    EXPECT_TRAP(53, CAUSE_ECALL_M, ecall)

    /* ebreak: mtval = pc or 0 */
    EXPECT_TRAP(60, CAUSE_BREAKPOINT, ebreak)
    TRAP_FIELD TS_TVAL
    beqz t5, 1f
    CHECK_ADDR 62, t5, .Lfault60
    NOTE "ebreak sets mtval to its pc"
    j 2f
1:  NOTE "ebreak sets mtval to 0"
2:
    /* c.ebreak: 16 bits long (the handler skips 2 bytes) */
    li a0, 0
    .option push
    .option rvc
    EXPECT_TRAP(63, CAUSE_BREAKPOINT, c.ebreak; c.li a0, 5)
    .option pop
    CHECK 65, a0, 5
    TRAP_FIELD TS_TVAL
    beqz t5, 1f
    CHECK_ADDR 66, t5, .Lfault63
1:

TEST_END
