/* The trap vector of the runtime-reconfiguration firmware (rc.h): saves
 * the registers a C function may change, calls rc_trap(mcause, mepc,
 * mtval), resumes at the pc it returns. Direct mode: exceptions and
 * interrupts both enter here.
 *
 * An interrupt handler may itself take a caught access fault (it looks
 * for a device that may be gone): that nested trap overwrites mepc, and
 * its mret leaves mstatus.MPP at U, as the privileged spec says, so the
 * outer mret would drop to U-mode. mstatus is therefore kept on the
 * stack and put back (with the pc rc_trap returns in mepc) before mret. */
    .section .text.rc_trap, "ax"
    .balign 4
    .globl rc_trap_entry
rc_trap_entry:
    addi sp, sp, -80
    sw ra, 0(sp)
    sw t0, 4(sp)
    sw t1, 8(sp)
    sw t2, 12(sp)
    sw t3, 16(sp)
    sw t4, 20(sp)
    sw t5, 24(sp)
    sw t6, 28(sp)
    sw a0, 32(sp)
    sw a1, 36(sp)
    sw a2, 40(sp)
    sw a3, 44(sp)
    sw a4, 48(sp)
    sw a5, 52(sp)
    sw a6, 56(sp)
    sw a7, 60(sp)
    csrr t0, mstatus
    sw t0, 64(sp)
    csrr a0, mcause
    csrr a1, mepc
    csrr a2, mtval
    call rc_trap
    csrw mepc, a0
    lw t0, 64(sp)
    csrw mstatus, t0
    lw ra, 0(sp)
    lw t0, 4(sp)
    lw t1, 8(sp)
    lw t2, 12(sp)
    lw t3, 16(sp)
    lw t4, 20(sp)
    lw t5, 24(sp)
    lw t6, 28(sp)
    lw a0, 32(sp)
    lw a1, 36(sp)
    lw a2, 40(sp)
    lw a3, 44(sp)
    lw a4, 48(sp)
    lw a5, 52(sp)
    lw a6, 56(sp)
    lw a7, 60(sp)
    addi sp, sp, 80
    mret
