/* Reset entry for our HiFive1 firmware, at 0x20010000 in flash: set up gp
 * and sp, copy .data from its load image in flash to the DTIM, zero .bss,
 * install the trap vector, run constructors, call main and exit with its
 * result. Runs again from the top after a watchdog reset. trap_entry
 * hands mcause, mepc and mtval to firmware_trap (lib/syscalls.c). */
    .section .text.init, "ax"
    .globl _start
_start:
    .option push
    .option norelax
    la gp, __global_pointer$
    .option pop
    la sp, __stack_top

    la t0, __data_load
    la t1, __data_start
    la t2, __data_end
1:  bgeu t1, t2, 2f
    lw t3, 0(t0)
    sw t3, 0(t1)
    addi t0, t0, 4
    addi t1, t1, 4
    j 1b
2:
    la t0, __bss_start
    la t1, __bss_end
3:  bgeu t0, t1, 4f
    sw zero, 0(t0)
    addi t0, t0, 4
    j 3b
4:
    la t0, trap_entry
    csrw mtvec, t0

    call __libc_init_array
    li a0, 0
    li a1, 0
    call main
    call exit
5:  j 5b

    /* global: board_exit puts it back in mtvec, whatever main installed */
    .balign 4
    .globl trap_entry
trap_entry:
    csrr a0, mcause
    csrr a1, mepc
    csrr a2, mtval
    call firmware_trap
6:  j 6b
