/* faults: misaligned accesses and access faults (M-mode).
 *
 * Misaligned loads/stores (mcause 4/6, mtval = the address): the spec
 * lets an execution environment emulate them instead of trapping, so both
 * are accepted and a note says which (mcusim traps; QEMU 7.2 emulates);
 * a trapping access changes neither rd nor memory, an emulated one must
 * read/write the right bytes. Load/store access faults (5/7, mtval = the
 * address) at 0x0 and 0x40, unmapped on both mcusim's virt32 and QEMU's
 * virt; rd unchanged; a load into x0 still faults. Instruction access
 * fault (1) jumping to 0x0: mepc = mtval = 0 and the jump's link register
 * written (the jump retired); the same at 0x40. (A fetch straddling the
 * end of RAM is in fetch_straddle.S: it crashes QEMU 7.2.)
 */
#include "macros.h"

/* Checks num..num+4: load `inst a0, off(a1)` (a1 = mis_data): either a
 * load-misaligned trap with mtval = a1 + off and a0 unchanged, or
 * (emulated) a0 = expected. */
.macro MISALIGNED_LOAD num, inst, off, expected
    la a1, mis_data
    li a0, 0x55
    TRAP_RESET
    li gp, \num
.Lld\@:
    \inst a0, \off(a1)
    TRAP_FIELD TS_COUNT
    beqz t5, .Lemulated\@
    CHECK_TRAP \num, CAUSE_LOAD_MISALIGNED, .Lld\@
    addi a2, a1, \off
    CHECK_TVAL_REG (\num + 2), a2
    CHECK (\num + 3), a0, 0x55
    NOTE "misaligned \inst at +\off traps"
    j .Ldone\@
.Lemulated\@:
    CHECK (\num + 4), a0, \expected
    NOTE "misaligned \inst at +\off is emulated"
.Ldone\@:
.endm

/* Checks num..num+5: `inst a2, off(a1)` (a1 = mis_store, two words of
 * 0x11111111; a2 = 0xa4a3a2a1): a store-misaligned trap with mtval =
 * a1 + off and memory unchanged, or (emulated) the words become word0 and
 * word1. */
.macro MISALIGNED_STORE num, inst, off, word0, word1
    la a1, mis_store
    li a2, 0x11111111
    sw a2, 0(a1)
    sw a2, 4(a1)
    li a2, 0xa4a3a2a1
    TRAP_RESET
    li gp, \num
.Lst\@:
    \inst a2, \off(a1)
    lw a3, 0(a1)
    lw a4, 4(a1)
    TRAP_FIELD TS_COUNT
    beqz t5, .Lemulated\@
    CHECK_TRAP \num, CAUSE_STORE_MISALIGNED, .Lst\@
    addi a5, a1, \off
    CHECK_TVAL_REG (\num + 2), a5
    and a3, a3, a4
    CHECK (\num + 3), a3, 0x11111111
    NOTE "misaligned \inst at +\off traps"
    j .Ldone\@
.Lemulated\@:
    CHECK (\num + 4), a3, \word0
    CHECK (\num + 5), a4, \word1
    NOTE "misaligned \inst at +\off is emulated"
.Ldone\@:
.endm

TEST_BEGIN "faults"

    /* misaligned loads (mis_data: 01 02 03 04 05 06 07 88 99 00) */
    MISALIGNED_LOAD 1, lw, 1, 0x05040302
    MISALIGNED_LOAD 6, lw, 2, 0x06050403
    MISALIGNED_LOAD 11, lw, 3, 0x07060504
    MISALIGNED_LOAD 16, lh, 1, 0x00000302
    MISALIGNED_LOAD 21, lhu, 3, 0x00000504
    MISALIGNED_LOAD 26, lh, 7, 0xffff9988

    /* misaligned stores */
    MISALIGNED_STORE 31, sw, 1, 0xa3a2a111, 0x111111a4
    MISALIGNED_STORE 37, sw, 2, 0xa2a11111, 0x1111a4a3
    MISALIGNED_STORE 43, sh, 3, 0xa1111111, 0x111111a2

    /* load/store access faults; rd unchanged */
    li a1, 0
    li a0, 0x66
    EXPECT_TRAP(50, CAUSE_LOAD_ACCESS, lw a0, 0(a1))
    CHECK_TVAL 52, 0
    CHECK 53, a0, 0x66
    EXPECT_TRAP(54, CAUSE_LOAD_ACCESS, lbu a0, 0x40(a1))
    CHECK_TVAL 56, 0x40
    CHECK 57, a0, 0x66
    EXPECT_TRAP(58, CAUSE_LOAD_ACCESS, lh a0, 0x42(a1))
    CHECK_TVAL 60, 0x42
    EXPECT_TRAP(61, CAUSE_STORE_ACCESS, sw a0, 0(a1))
    CHECK_TVAL 63, 0
    EXPECT_TRAP(64, CAUSE_STORE_ACCESS, sb a0, 0x41(a1))
    CHECK_TVAL 66, 0x41
    EXPECT_TRAP(67, CAUSE_STORE_ACCESS, sh a0, 0x40(a1))
    CHECK_TVAL 69, 0x40
    EXPECT_TRAP(70, CAUSE_LOAD_ACCESS, lw x0, 0(a1))   /* into x0: still */
    CHECK_TVAL 72, 0
    /* compressed loads/stores fault the same way */
    li s0, 0x40
    .option push
    .option rvc
    EXPECT_TRAP(73, CAUSE_LOAD_ACCESS, c.lw a0, 4(s0))
    CHECK_TVAL 75, 0x44
    EXPECT_TRAP(76, CAUSE_STORE_ACCESS, c.sw a0, 8(s0))
    CHECK_TVAL 78, 0x48
    .option pop

    /* instruction access fault: jump to 0x0 (the jump itself retires) */
    li gp, 80
    TRAP_RESET
    TRAP_RESUME 1f
    li a1, 0
    jalr ra, 0(a1)
2:  j fail
1:  TRAP_FIELD TS_COUNT
    CHECK 80, t5, 1
    TRAP_FIELD TS_CAUSE
    CHECK 81, t5, CAUSE_FETCH_ACCESS
    TRAP_FIELD TS_EPC
    CHECK 82, t5, 0
    CHECK_TVAL 83, 0
    CHECK_ADDR 84, ra, 2b
    /* ...and to 0x40 */
    li gp, 85
    TRAP_RESET
    TRAP_RESUME 1f
    li a1, 0x40
    jr a1
    j fail
1:  TRAP_FIELD TS_EPC
    CHECK 85, t5, 0x40
    CHECK_TVAL 86, 0x40

TEST_END

    .data
    .balign 8
mis_data:   .byte 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x88, 0x99, 0x00
    .balign 8
mis_store:  .word 0, 0
