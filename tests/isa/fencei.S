/* fencei: self-modifying code with fence.i.
 *
 * A routine is run (often, so a simulator caching decoded code has it
 * cached), one of its instructions is overwritten by a store, fence.i
 * runs, and the routine must show the new behaviour: a 32-bit instruction
 * replaced by another, a 16-bit one replaced by another (sh), a 32-bit one
 * replaced by two 16-bit ones, and an instruction in the straight-line
 * code right after the fence.i. The new instructions are assembled into
 * .data (patch_*) and copied from there.
 */
#include "macros.h"

TEST_BEGIN "fencei"

    /* warm up: run the routine 100 times */
    li s1, 100
1:  call routine
    addi s1, s1, -1
    bnez s1, 1b
    CHECK 1, a0, 1

    /* replace `li a0, 1` by `li a0, 2` */
    la a1, routine_insn
    la a2, patch_li2
    lw a2, 0(a2)
    sw a2, 0(a1)
    fence.i
    call routine
    CHECK 2, a0, 2
    call routine
    CHECK 3, a0, 2

    /* a 16-bit instruction: c.li a1, 3 -> c.li a1, 13 */
    li s1, 50
1:  call croutine
    addi s1, s1, -1
    bnez s1, 1b
    CHECK 4, a1, 3
    la a3, croutine_insn
    la a2, patch_cli13
    lhu a2, 0(a2)
    sh a2, 0(a3)
    fence.i
    call croutine
    CHECK 5, a1, 13

    /* a 32-bit instruction -> two 16-bit ones */
    la a1, routine_insn
    la a2, patch_two
    lw a2, 0(a2)
    sw a2, 0(a1)
    fence.i
    li a0, 0
    call routine
    CHECK 6, a0, 7              /* c.li a0, 5; c.addi a0, 2 */

    /* the next instruction in straight-line code */
    li s1, 3
2:  la a1, 3f
    la a2, patch_li9
    lw a2, 0(a2)
    li a0, 0
    addi s1, s1, -1
    bnez s1, 4f                 /* first two passes: unpatched */
    sw a2, 0(a1)
    fence.i
4:
3:  li a0, 4                    /* patched to li a0, 9 on the last pass */
    bnez s1, 2b
    CHECK 7, a0, 9

TEST_END

    .text
routine:
routine_insn:
    li a0, 1
    ret
croutine:
    .option push
    .option rvc
croutine_insn:
    c.li a1, 3
    c.jr ra
    .option pop

    .data
    .balign 4
patch_li2:  li a0, 2
patch_li9:  li a0, 9
    .option push
    .option rvc
patch_cli13: c.li a1, 13
             c.nop
patch_two:  c.li a0, 5
            c.addi a0, 2
    .option pop
