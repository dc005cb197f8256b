/* The firmware the gdb tests (tests/gdb/NAME.py) debug, on the hifive1-test
 * board: code in flash at 0x20010000, data in the DTIM at 0x80000000,
 * linked with tests/firmware/hifive1/lib (crt0, syscalls, link.ld) into
 * build/fw/gdb/gdbtarget.elf.
 *
 * main runs each thing a test looks at once, in this order, and returns
 * square_plus(knob + 2) + counter:
 *   steps        compressed and 32-bit instructions and branches, taken
 *                and not, each at a label, for stepi (a0 ends at 6)
 *   trap_probe   takes one ecall trap into its own handler (probe_handler,
 *                a breakpoint target: mcause 11, mepc = ecall_site,
 *                mstatus 0x1800, a0 0x12345678, a1 0xcafef00d)
 *   square_plus  a C function in flash for break and finish (10 for knob 1)
 *   bump x3      counter 0 -> 1 -> 2 -> 3, a load (bump_load) and a store
 *                (bump_store) each time: watch, awatch
 *   peek         one load of sink (77) at peek_load: rwatch
 *   spin         loops (spins++) while hold is non-zero; hold is 0, so it
 *                returns at once unless gdb sets it: interrupt, detach
 * Unchanged, the firmware exits with 10 + 3 = 13; with knob = 4 (gdb writes
 * it before square_plus runs) with 37 + 3 = 40; 100 more if peek did not
 * read 77 or table[7] is not 0x88888888.
 *
 * The code the tests step through and watch is assembly at fixed labels
 * (.option norelax: every instruction is the size written), so the tests
 * assert exact pcs.
 */
#include <stdbool.h>
#include <stdint.h>

#include "board.h"

uint32_t knob = 1;
uint32_t table[8] = {
    0x11111111, 0x22222222, 0x33333333, 0x44444444,
    0x55555555, 0x66666666, 0x77777777, 0x88888888,
};
uint32_t counter;
uint32_t sink = 77;
volatile uint32_t hold;
volatile uint32_t spins;

void trap_probe(void);
void steps(void);
void bump(void);
uint32_t peek(void);

__asm__(
    "    .section .text.gdbtarget_asm, \"ax\", @progbits\n"
    "    .option push\n"
    "    .option norelax\n"
    "    .option norvc\n"

    /* trap_probe: mstatus = 0, a known a0/a1, one ecall into probe_handler,
     * which returns past it; mtvec is put back. */
    "    .globl trap_probe\n"
    "    .type trap_probe, @function\n"
    "    .balign 4\n"
    "trap_probe:\n"
    "    csrr t1, mtvec\n"
    "    lla t0, probe_handler\n"
    "    csrw mtvec, t0\n"
    "    csrw mstatus, zero\n"
    "    li a0, 0x12345678\n"
    "    li a1, 0xcafef00d\n"
    "    .globl ecall_site\n"
    "ecall_site:\n"
    "    ecall\n"
    "    csrw mtvec, t1\n"
    "    ret\n"
    "    .size trap_probe, . - trap_probe\n"
    "    .globl probe_handler\n"
    "    .type probe_handler, @function\n"
    "    .balign 4\n"
    "probe_handler:\n"
    "    csrr t0, mepc\n"
    "    addi t0, t0, 4\n"
    "    csrw mepc, t0\n"
    "    mret\n"
    "    .size probe_handler, . - probe_handler\n"

    /* steps: step_N is the pc after N single steps from steps. */
    "    .globl steps\n"
    "    .type steps, @function\n"
    "    .balign 4\n"
    "steps:\n"
    "    .option rvc\n"
    "    c.li a0, 5\n"              /* +0, 2 bytes */
    "    .option norvc\n"
    "    .globl step_1\n"
    "step_1:\n"
    "    addi a1, zero, 5\n"        /* +2, 4 bytes */
    "    .globl step_2\n"
    "step_2:\n"
    "    bne a0, a1, step_wrong\n"  /* +6, not taken */
    "    .globl step_3\n"
    "step_3:\n"
    "    beq a0, a1, step_4\n"      /* +10, taken */
    "step_wrong:\n"
    "    addi a0, zero, 99\n"
    "    ret\n"
    "    .globl step_4\n"
    "step_4:\n"
    "    .option rvc\n"
    "    c.addi a0, 1\n"            /* a0 = 6 */
    "    .globl step_5\n"
    "step_5:\n"
    "    c.beqz a0, step_wrong\n"   /* not taken */
    "    .globl step_6\n"
    "step_6:\n"
    "    c.bnez a0, step_7\n"       /* taken */
    "    c.li a0, 0\n"
    "    .globl step_7\n"
    "step_7:\n"
    "    c.jr ra\n"
    "    .option norvc\n"
    "    .size steps, . - steps\n"

    /* bump: counter += 1 (a load, then a store). */
    "    .globl bump\n"
    "    .type bump, @function\n"
    "    .balign 4\n"
    "bump:\n"
    "    lla t0, counter\n"
    "    .globl bump_load\n"
    "bump_load:\n"
    "    lw t1, 0(t0)\n"
    "    addi t1, t1, 1\n"
    "    .globl bump_store\n"
    "bump_store:\n"
    "    sw t1, 0(t0)\n"
    "    .globl bump_done\n"
    "bump_done:\n"
    "    ret\n"
    "    .size bump, . - bump\n"

    /* peek: returns sink (one load). */
    "    .globl peek\n"
    "    .type peek, @function\n"
    "    .balign 4\n"
    "peek:\n"
    "    lla t0, sink\n"
    "    .globl peek_load\n"
    "peek_load:\n"
    "    lw a0, 0(t0)\n"
    "    .globl peek_done\n"
    "peek_done:\n"
    "    ret\n"
    "    .size peek, . - peek\n"
    "    .option pop\n"
    "    .text\n");

__attribute__((noipa)) uint32_t square_plus(uint32_t x)
{
    return x * x + 1;
}

__attribute__((noipa)) void spin(void)
{
    while (hold)
        spins++;
}

int main(void)
{
    steps();
    trap_probe();
    uint32_t result = square_plus(knob + 2);
    bump();
    bump();
    bump();
    uint32_t seen = peek();
    spin();
    bool intact = seen == 77 && table[7] == 0x88888888u;
    return (int)(result + counter + (intact ? 0 : 100));
}
