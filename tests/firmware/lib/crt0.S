/* Reset entry for our firmware: set up gp and sp, zero .bss, install the
 * trap vector, run constructors, call main and exit with its result. */
    .section .text.init, "ax"
    .globl _start
_start:
    .option push
    .option norelax
    la gp, __global_pointer$
    .option pop
    la sp, __stack_top

    la t0, __bss_start
    la t1, __bss_end
1:  bgeu t0, t1, 2f
    sw zero, 0(t0)
    addi t0, t0, 4
    j 1b
2:
    la t0, trap_entry
    csrw mtvec, t0

    call __libc_init_array
    li a0, 0
    li a1, 0
    call main
    call exit
3:  j 3b

    .balign 4
trap_entry:
    csrr a0, mcause
    csrr a1, mepc
    csrr a2, mtval
    call firmware_trap
4:  j 4b
