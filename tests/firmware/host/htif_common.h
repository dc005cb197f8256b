/* A riscv-tests style program reporting through HTIF: prints a message
 * on the HTIF console (device 1, command 1: low word, then high word),
 * then writes CODE to tohost as riscv-tests' RVTEST_PASS/FAIL do
 * (1: pass, (n << 1) | 1: test n failed), forever. */
#define HTIF_PROGRAM(CODE)                                                  \
    .section .text.init;                                                    \
    .globl _start;                                                          \
_start:                                                                     \
    la s0, tohost;                                                          \
    la s1, message;                                                         \
    li s2, 0x01010000; /* device 1, command 1: bits 63..48 */               \
1:  lbu t0, 0(s1);                                                          \
    beqz t0, 3f;                                                            \
    sw t0, 0(s0);                                                           \
    sw s2, 4(s0);                                                           \
2:  lw t1, 0(s0); /* tohost reads 0 once served */                          \
    bnez t1, 2b;                                                            \
    addi s1, s1, 1;                                                         \
    j 1b;                                                                   \
3:  la t2, fromhost;                                                        \
    lw t3, 0(t2);  /* the last answer: 0x100 | '\n' */                      \
    li t4, 0x10a;                                                           \
    bne t3, t4, 5f;                                                         \
    li t0, CODE;                                                            \
4:  sw t0, 0(s0);                                                           \
    sw zero, 4(s0);                                                         \
    j 4b;                                                                   \
5:  li t0, (99 << 1) | 1;                                                   \
    j 4b;                                                                   \
    .section .tohost, "aw", @progbits;                                      \
    .align 6;                                                               \
    .globl tohost;                                                          \
tohost: .dword 0;                                                           \
    .align 6;                                                               \
    .globl fromhost;                                                        \
fromhost: .dword 0;
