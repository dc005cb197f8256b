/* fetch_straddle: an instruction fetch that faults on its second half.
 *
 * A 32-bit instruction at the last halfword of RAM (0x87fffffe; RAM is
 * 128 MiB at 0x80000000 on mcusim's virt32 and QEMU's default virt) whose
 * second half lies past the end: instruction access fault (1) with mepc =
 * the instruction's start and mtval = the faulting half, 0x88000000 (the
 * spec: mtval holds "the virtual address of the portion of the instruction
 * that caused the fault"); mtval = the start is tolerated as a deviation.
 * A 16-bit instruction in that last halfword runs normally.
 *
 * Not run on QEMU 7.2: translating such an instruction aborts it
 * (translator_access: Assertion `phys_page != -1' failed).
 */
#include "macros.h"

TEST_BEGIN "fetch_straddle"

    li a1, 0x87fffffe
    li a2, 0x0013                       /* the low half of `nop` */
    sh a2, 0(a1)
    fence.i
    li gp, 1
    TRAP_RESET
    TRAP_RESUME 1f
    jalr ra, 0(a1)
    j fail
1:  TRAP_FIELD TS_CAUSE
    CHECK 1, t5, CAUSE_FETCH_ACCESS
    TRAP_FIELD TS_EPC
    CHECK_REG 2, t5, a1
    TRAP_FIELD TS_TVAL
    li t6, 0x88000000
    beq t5, t6, 2f
    CHECK_REG 3, t5, a1
    DEVIATION "a fetch fault on the second half of an instruction set mtval to its start, not to the faulting half"
2:

    /* a 16-bit instruction in the last halfword runs normally */
    li a1, 0x87fffffe
    li a2, 0x8082                       /* c.jr ra */
    sh a2, 0(a1)
    fence.i
    li gp, 4
    TRAP_RESET
    jalr ra, 0(a1)
    CHECK_NO_TRAP 4

TEST_END
