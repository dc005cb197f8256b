/* The firmware of gdb/patch_code (tests/gdb/patch_code.py), on the
 * hifive1-test board: code in flash at 0x20010000, data in the DTIM.
 *
 * main calls patch_site, a two-instruction function in flash, over and
 * over, recording what it returned (last, seen[]) and how often (calls),
 * until it returns 3. Unpatched it returns 1 forever, so the loop and
 * patch_site run millions of times: their decoded blocks sit in the
 * simulator's cache. gdb interrupts it and rewrites patch_site's first
 * instruction (li a0, 1 -> li a0, 2, then li a0, 3); the firmware must see
 * each new value. It exits with 3 when it saw 1, then 2, then 3 and
 * nothing else; 100 + what went wrong otherwise.
 */
#include <stdint.h>

#include "board.h"

volatile uint32_t calls; /* patch_site calls so far */
volatile uint32_t last;  /* what it returned last */
volatile uint32_t seen[4]; /* how often it returned 1, 2, 3; [0]: anything else */
volatile uint32_t order_broken; /* a value came after a later one */

uint32_t patch_site(void);

__asm__(
    "    .section .text.patch_site, \"ax\", @progbits\n"
    "    .option push\n"
    "    .option norelax\n"
    "    .option norvc\n"
    "    .globl patch_site\n"
    "    .type patch_site, @function\n"
    "    .balign 4\n"
    "patch_site:\n"
    "    addi a0, zero, 1\n" /* 0x00100513: gdb writes 0x00200513, then 0x00300513 */
    "    ret\n"
    "    .size patch_site, . - patch_site\n"
    "    .option pop\n"
    "    .text\n");

int main(void)
{
    uint32_t highest = 1;
    for (;;) {
        uint32_t v = patch_site();
        last = v;
        calls++;
        seen[v >= 1 && v <= 3 ? v : 0]++;
        if (v < highest)
            order_broken = 1;
        if (v > highest)
            highest = v;
        if (v == 3)
            break;
    }
    if (seen[0] || order_broken)
        return 100;
    if (seen[1] == 0 || seen[2] == 0)
        return 101;
    return 3;
}
