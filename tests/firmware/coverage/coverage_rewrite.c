/* coverage_rewrite: a firmware that rewrites one of its own instructions,
 * for tests/coverage/run_coverage.py. `patched` starts as a 4-byte
 * `addi a0, zero, 1; ret`; after the first call its addi becomes the two
 * 2-byte instructions `c.li a0, 2; c.nop`, so the block run by the second
 * call (three instructions, ending at the ret) is not the ELF's code at
 * those addresses: --coverage leaves it out and says so, and counts the
 * first call only. */
#include <stdint.h>
#include <stdio.h>

__attribute__((naked, noinline)) int patched(void)
{
    __asm__ volatile(".option push\n.option norvc\naddi a0, zero, 1\n.option pop\nret");
}

int main(void)
{
    int before = patched();
    volatile uint16_t *code = (volatile uint16_t *)(uintptr_t)patched; /* 2-aligned */
    code[0] = 0x4509; /* c.li a0, 2 */
    code[1] = 0x0001; /* c.nop */
    __asm__ volatile("fence.i" ::: "memory");
    int after = patched();
    printf("before %d after %d\n", before, after);
    return 0;
}
