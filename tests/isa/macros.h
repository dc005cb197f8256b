/* tests/isa/macros.h: the harness shared by the ISA tests (tests/isa/*.S).
 *
 * Each test is one assembly file, built with no libc and linked at
 * 0x80000000 with tests/isa/link.ld, that runs unchanged on mcusim's virt32
 * board and on `qemu-system-riscv32 -M virt -bios none`. A test looks like
 *
 *     #include "macros.h"
 *     TEST_BEGIN "alu"
 *         TEST_CASE(1, a0, 3, li a1, 1; addi a0, a1, 2)
 *         ...
 *     TEST_END
 *
 * and ends by writing the SiFive test device (0x100000): 0x5555 when every
 * check passed (exit status 0), (N << 16) | 0x3333 at the first failing
 * check N (exit status N). It prints one line through the ns16550a UART:
 *
 *     PASS alu
 *     FAIL alu: check 12: got 0x00000001, expected 0x00000000
 *       traps 1, last: mcause 0x00000002 mepc 0x80000040 mtval 0x00000000
 *
 * Lines starting with "note: " report behaviour the spec leaves to the
 * implementation; "deviation: " lines report a known reference's (QEMU
 * 7.2's) departure from the spec that the test tolerates so that it can go
 * on. tools/isa_qemu_check.py shows both but does not compare them;
 * tests/isa/run_isa.py fails an mcusim run that prints a deviation.
 *
 * Check numbers: 1..120, each used once per file; a repeat is an assembly
 * error (the macros define a label .Lcheck<N>). 121 is the harness's own
 * (an interrupt reached the default handler); 124..126 are mcusim's exit
 * statuses (instruction limit, usage error, unhandled fault).
 *
 * Registers: gp holds the current check number and sp the stack; t5 and t6
 * are the macros' scratch registers (never pass them as the tested
 * register of a check, except t5 where a macro says so). NOTE, DEVIATION
 * and SAY preserve every register (they use the stack); the helpers
 * putc, puts, puthex and putdec clobber ra, a0-a2 and t3-t6.
 *
 * Traps: the default handler (trap_handler, installed by TEST_BEGIN in
 * direct mode) records the count, mcause, mepc, mtval and mstatus in
 * trap_save (and mcause/mepc/mtval of the first trap since TRAP_RESET
 * apart), then returns to the instruction after the faulting one
 * (mepc + 2 or + 4, by the length bits of the instruction at mepc), or to
 * the address TRAP_RESUME set (once; needed when mepc cannot be read, e.g.
 * a fetch fault). An ecall while RUN_IN_U is active returns to M-mode
 * right after the RUN_IN_U. It saves and restores every register it uses
 * (t0 through mscratch, t1/t2 in trap_save). An interrupt reaching it
 * fails the test with check 121 (tests of interrupts install their own).
 */
#ifndef TESTS_ISA_MACROS_H
#define TESTS_ISA_MACROS_H

#define TEST_DEVICE     0x100000
#define UART_BASE       0x10000000
#define UART_THR        0
#define UART_LSR        5
#define UART_LSR_THRE   0x20

/* CLINT (QEMU virt and mcusim virt32) */
#define CLINT_MSIP      0x2000000
#define CLINT_MTIMECMP  0x2004000
#define CLINT_MTIME     0x200bff8

/* mcause values */
#define CAUSE_FETCH_MISALIGNED  0
#define CAUSE_FETCH_ACCESS      1
#define CAUSE_ILLEGAL           2
#define CAUSE_BREAKPOINT        3
#define CAUSE_LOAD_MISALIGNED   4
#define CAUSE_LOAD_ACCESS       5
#define CAUSE_STORE_MISALIGNED  6
#define CAUSE_STORE_ACCESS      7
#define CAUSE_ECALL_U           8
#define CAUSE_ECALL_M           11
#define CAUSE_IRQ               0x80000000
#define CAUSE_MSI               (CAUSE_IRQ | 3)
#define CAUSE_MTI               (CAUSE_IRQ | 7)
#define CAUSE_MEI               (CAUSE_IRQ | 11)

/* mstatus / mie / mip bits */
#define MSTATUS_MIE     0x00000008
#define MSTATUS_MPIE    0x00000080
#define MSTATUS_MPP     0x00001800
#define MSTATUS_MPRV    0x00020000
#define MIP_MSIP        0x008
#define MIP_MTIP        0x080
#define MIP_MEIP        0x800

/* PMP configuration bits */
#define PMP_R           0x01
#define PMP_W           0x02
#define PMP_X           0x04
#define PMP_TOR         0x08
#define PMP_NA4         0x10
#define PMP_NAPOT       0x18
#define PMP_L           0x80

/* Offsets in trap_save (the default handler's record; mscratch points
 * at it). */
#define TS_T1           0
#define TS_T2           4
#define TS_COUNT        8
#define TS_CAUSE        12
#define TS_EPC          16
#define TS_TVAL         20
#define TS_RESUME       24
#define TS_URET         28
#define TS_MSTATUS      32
#define TS_CAUSE1       36      /* the first trap since TRAP_RESET */
#define TS_EPC1         40
#define TS_TVAL1        44
#define TS_X3           48      /* spare save slots for other handlers */
#define TS_X4           52
#define TS_SIZE         56

/* Base instructions stay 32-bit unless a test asks for compression with
 * `.option push; .option rvc` (or writes c.* mnemonics inside it). No
 * linker relaxation: code must stay exactly as written (counted
 * instructions, self-modifying code). */
    .option norvc
    .option norelax

/* Aligns code to \n bytes. gas pads with c.nop/nop only while RVC is on
 * (under norvc it may silently leave code misaligned). */
.macro CODE_ALIGN n=4
    .option push
    .option rvc
    .balign \n
    .option pop
.endm

/* ---- checks ---- */

/* Fails unless \num (an expression) is a usable check number; marks it
 * as used with the label .Lcheck<value>, so a repeat does not assemble. */
.macro CHECK_NUM num
    .if (\num < 1) || (\num > 120)
    .error "check numbers are 1..120"
    .endif
    .altmacro
    CHECK_LABEL %(\num)
    .noaltmacro
.endm
.macro CHECK_LABEL n
.Lcheck\n:
.endm

/* Check \num: register \reg equals the constant \expected. */
.macro CHECK num, reg, expected
    CHECK_NUM \num
    li gp, \num
    li t6, \expected
    beq \reg, t6, .Lok\@
    mv t5, \reg
    j fail_value
.Lok\@:
.endm

/* Check \num: register \reg equals the address \sym. */
.macro CHECK_ADDR num, reg, sym
    CHECK_NUM \num
    li gp, \num
    la t6, \sym
    beq \reg, t6, .Lok\@
    mv t5, \reg
    j fail_value
.Lok\@:
.endm

/* Check \num: registers \reg and \other are equal (\other is "expected"). */
.macro CHECK_REG num, reg, other
    CHECK_NUM \num
    li gp, \num
    mv t6, \other
    beq \reg, t6, .Lok\@
    mv t5, \reg
    j fail_value
.Lok\@:
.endm

/* Check \num: fails unconditionally when reached. */
.macro FAIL_HERE num
    CHECK_NUM \num
    li gp, \num
    j fail
.endm

/* TEST_CASE(num, reg, expected, code...): check num runs the code
 * (instructions separated by ';'), then checks that reg equals the
 * constant expected. gp is set first, so a trap inside the code that ends
 * the test also names the check. (A cpp macro: gas would end a macro's
 * arguments at the first ';'.) */
#define TEST_CASE(num, reg, expected, code...) \
    CHECK_NUM num; li gp, num; code; CHECK_VALUE reg, expected

/* The comparison of CHECK, for a check number already in gp. */
.macro CHECK_VALUE reg, expected
    li t6, \expected
    beq \reg, t6, .Lok\@
    mv t5, \reg
    j fail_value
.Lok\@:
.endm

/* Loads the word of trap_save at \offset into t5 (for CHECK num, t5, ...). */
.macro TRAP_FIELD offset
    la t5, trap_save
    lw t5, \offset(t5)
.endm

/* Forgets earlier traps: count 0, cause/epc/tval (last and first)
 * 0xdeadbeef. */
.macro TRAP_RESET
    la t6, trap_save
    sw zero, TS_COUNT(t6)
    li t5, 0xdeadbeef
    sw t5, TS_CAUSE(t6)
    sw t5, TS_EPC(t6)
    sw t5, TS_TVAL(t6)
    sw t5, TS_CAUSE1(t6)
    sw t5, TS_EPC1(t6)
    sw t5, TS_TVAL1(t6)
.endm

/* The next trap returns to \label instead of the next instruction. */
.macro TRAP_RESUME label
    la t6, trap_save
    la t5, \label
    sw t5, TS_RESUME(t6)
.endm

/* Checks \num and \num+1: exactly one trap since TRAP_RESET, with mcause
 * \cause (\num) and mepc \epc_label (\num+1). */
.macro CHECK_TRAP num, cause, epc_label
    CHECK_NUM \num
    li gp, \num
    TRAP_FIELD TS_COUNT
    li t6, 1
    beq t5, t6, .Lone\@
    j fail_value
.Lone\@:
    TRAP_FIELD TS_CAUSE
    li t6, \cause
    beq t5, t6, .Lcause\@
    j fail_value
.Lcause\@:
    CHECK_NUM (\num + 1)
    li gp, \num + 1
    TRAP_FIELD TS_EPC
    la t6, \epc_label
    beq t5, t6, .Lepc\@
    j fail_value
.Lepc\@:
.endm

/* EXPECT_TRAP(num, cause, code...): checks num and num+1 (see
 * CHECK_TRAP) for an exception raised by the code, whose first instruction
 * is the one expected to trap. */
#define EXPECT_TRAP(num, cause, code...) \
    TRAP_RESET; li gp, num; .Lfault##num: code; CHECK_TRAP num, cause, .Lfault##num

/* Check \num: no trap since TRAP_RESET. */
.macro CHECK_NO_TRAP num
    CHECK_NUM \num
    li gp, \num
    TRAP_FIELD TS_COUNT
    li t6, 0
    beq t5, t6, .Lok\@
    j fail_value
.Lok\@:
.endm

/* Check \num: mtval of the last trap equals the constant \expected. */
.macro CHECK_TVAL num, expected
    TRAP_FIELD TS_TVAL
    CHECK \num, t5, \expected
.endm

/* Check \num: mtval of the last trap equals register \reg (not t5/t6). */
.macro CHECK_TVAL_REG num, reg
    TRAP_FIELD TS_TVAL
    CHECK_REG \num, t5, \reg
.endm

/* Check \num: mtval of the last trap equals the address \sym. */
.macro CHECK_TVAL_ADDR num, sym
    TRAP_FIELD TS_TVAL
    CHECK_ADDR \num, t5, \sym
.endm

/* Check \num: the trap_save word at \offset (TS_*) equals the constant
 * \expected / the address \sym / register \reg (not t5/t6). */
.macro CHECK_FIELD num, offset, expected
    TRAP_FIELD \offset
    CHECK \num, t5, \expected
.endm
.macro CHECK_FIELD_ADDR num, offset, sym
    TRAP_FIELD \offset
    CHECK_ADDR \num, t5, \sym
.endm
.macro CHECK_FIELD_REG num, offset, reg
    TRAP_FIELD \offset
    CHECK_REG \num, t5, \reg
.endm

/* ---- privilege ---- */

/* Runs the code at \target in U-mode (mret with MPP = 0). That code ends
 * with `ecall`; the default handler then returns here in M-mode. Traps in
 * between are recorded and skipped as usual. Clobbers t5, t6. */
.macro RUN_IN_U target
    la t6, trap_save
    la t5, .Lback\@
    sw t5, TS_URET(t6)
    la t5, \target
    csrw mepc, t5
    li t5, MSTATUS_MPP
    csrc mstatus, t5
    mret
.Lback\@:
.endm

/* Lets U-mode reach all memory if the hart has PMP (with PMP and no
 * matching entry, U-mode accesses fail): entry 15 NAPOT over the whole
 * address space, RWX. Writes that trap (no PMP) are skipped. Clobbers
 * t5, t6 and the trap record. */
.macro PMP_ALLOW_ALL_U
    li t5, -1
    csrw pmpaddr15, t5
    li t5, (PMP_NAPOT | PMP_R | PMP_W | PMP_X) << 24
    csrw pmpcfg3, t5
    TRAP_RESET
.endm

/* ---- output ---- */

/* Prints "note: \text" and a newline: behaviour the spec leaves to the
 * implementation, so both outcomes pass. Preserves every register. */
.macro NOTE text
    SAY "note: \text\n"
.endm

/* Prints "deviation: \text" and a newline: the hart did something the
 * spec does not allow, but a known reference (QEMU 7.2) does it, so the
 * test goes on. tests/isa/run_isa.py fails an mcusim run that prints one;
 * tools/isa_qemu_check.py lists them. Preserves every register. */
.macro DEVIATION text
    SAY "deviation: \text\n"
.endm

/* If the last trap's mcause is \alt instead of \expected: prints
 * DEVIATION \text and records \expected, so the checks that follow pass.
 * Clobbers t5, t6. */
.macro ACCEPT_CAUSE alt, expected, text
    TRAP_FIELD TS_CAUSE
    li t6, \alt
    bne t5, t6, .Lnot\@
    DEVIATION "\text"
    la t5, trap_save
    li t6, \expected
    sw t6, TS_CAUSE(t5)
.Lnot\@:
.endm

/* Prints the string \text; preserves every register. */
.macro SAY text
    .pushsection .rodata.str, "a"
.Lsay\@: .asciz "\text"
    .popsection
    addi sp, sp, -16
    sw ra, 0(sp)
    sw a0, 4(sp)
    la a0, .Lsay\@
    call say
    lw a0, 4(sp)
    lw ra, 0(sp)
    addi sp, sp, 16
.endm

/* ---- start and end ---- */

/* Starts a test named \name: stack, trap handler, then the body that
 * follows the macro. */
.macro TEST_BEGIN name
    .pushsection .rodata.str, "a"
test_name: .asciz "\name"
    .popsection
    .section .text.init, "ax", @progbits
    .globl _start
_start:
    la sp, stack_top
    la t0, trap_save
    csrw mscratch, t0
    la t0, trap_handler
    csrw mtvec, t0
    csrw mie, zero
    li gp, 0
    j test_body
    .text
test_body:
.endm

/* Ends the body (all checks passed) and emits the harness code. */
.macro TEST_END
    j pass

    .text
    CODE_ALIGN 4
pass:
    la a0, str_pass
    call puts
    la a0, test_name
    call puts
    li a0, '\n'
    call putc
    li t0, TEST_DEVICE
    li t1, 0x5555
    sw t1, 0(t0)
1:  j 1b

/* A check failed with t5 = the value seen, t6 = the value expected. */
fail_value:
    la t0, fail_info
    sw t5, 0(t0)
    sw t6, 4(t0)
    li t1, 1
    sw t1, 8(t0)
fail:
    la a0, str_fail
    call puts
    la a0, test_name
    call puts
    la a0, str_check
    call puts
    mv a0, gp
    call putdec
    la t0, fail_info
    lw t1, 8(t0)
    beqz t1, 2f
    la a0, str_got
    call puts
    la t0, fail_info
    lw a0, 0(t0)
    call puthex
    la a0, str_expected
    call puts
    la t0, fail_info
    lw a0, 4(t0)
    call puthex
2:  la a0, str_traps
    call puts
    la s0, trap_save
    lw a0, TS_COUNT(s0)
    call putdec
    la a0, str_mcause
    call puts
    lw a0, TS_CAUSE(s0)
    call puthex
    la a0, str_mepc
    call puts
    lw a0, TS_EPC(s0)
    call puthex
    la a0, str_mtval
    call puts
    lw a0, TS_TVAL(s0)
    call puthex
    li a0, '\n'
    call putc
    slli t0, gp, 16
    li t1, 0x3333
    or t0, t0, t1
    li t1, TEST_DEVICE
    sw t0, 0(t1)
3:  j 3b

/* say(a0): puts, preserving every register but a0 and ra. */
say:
    addi sp, sp, -32
    sw ra, 0(sp)
    sw a1, 4(sp)
    sw a2, 8(sp)
    sw t3, 12(sp)
    sw t4, 16(sp)
    sw t5, 20(sp)
    sw t6, 24(sp)
    call puts
    lw ra, 0(sp)
    lw a1, 4(sp)
    lw a2, 8(sp)
    lw t3, 12(sp)
    lw t4, 16(sp)
    lw t5, 20(sp)
    lw t6, 24(sp)
    addi sp, sp, 32
    ret

/* putc(a0): waits for THRE, then writes the byte. */
putc:
    li t3, UART_BASE
4:  lbu t4, UART_LSR(t3)
    andi t4, t4, UART_LSR_THRE
    beqz t4, 4b
    sb a0, UART_THR(t3)
    ret

/* puts(a0): the NUL-terminated string. */
puts:
    mv a2, ra
    mv a1, a0
5:  lbu a0, 0(a1)
    beqz a0, 6f
    call putc
    addi a1, a1, 1
    j 5b
6:  mv ra, a2
    ret

/* puthex(a0): "0x" and 8 hex digits. */
puthex:
    mv a2, ra
    mv a1, a0
    li a0, '0'
    call putc
    li a0, 'x'
    call putc
    li t5, 28
7:  srl a0, a1, t5
    andi a0, a0, 15
    li t6, 10
    blt a0, t6, 8f
    addi a0, a0, 'a' - '0' - 10
8:  addi a0, a0, '0'
    call putc
    addi t5, t5, -4
    bgez t5, 7b
    mv ra, a2
    ret

/* putdec(a0): unsigned decimal below 1000 (no M needed), hex above. */
putdec:
    li t5, 1000
    bgeu a0, t5, puthex
    mv a2, ra
    mv a1, a0
    li t5, 100
    li t6, 0            /* a digit was printed */
9:  li a0, '0'
10: bltu a1, t5, 11f
    sub a1, a1, t5
    addi a0, a0, 1
    j 10b
11: li t3, '0'
    bne a0, t3, 12f
    bnez t6, 12f
    li t3, 1
    beq t5, t3, 12f     /* always print the last digit */
    j 13f
12: li t6, 1
    call putc
13: li t3, 100
    li t4, 10
    beq t5, t3, 14f
    li t4, 1
    li t3, 10
    beq t5, t3, 14f
    mv ra, a2
    ret
14: mv t5, t4
    j 9b

/* The default trap handler: see the comment at the top of macros.h. */
    CODE_ALIGN 4
    .globl trap_handler
trap_handler:
    csrrw t0, mscratch, t0
    sw t1, TS_T1(t0)
    sw t2, TS_T2(t0)
    lw t1, TS_COUNT(t0)
    addi t1, t1, 1
    sw t1, TS_COUNT(t0)
    csrr t1, mcause
    sw t1, TS_CAUSE(t0)
    csrr t2, mepc
    sw t2, TS_EPC(t0)
    csrr t2, mtval
    sw t2, TS_TVAL(t0)
    csrr t2, mstatus
    sw t2, TS_MSTATUS(t0)
    lw t2, TS_COUNT(t0)
    addi t2, t2, -1
    bnez t2, 20f                /* the first trap since TRAP_RESET: */
    sw t1, TS_CAUSE1(t0)        /* keep it apart */
    csrr t2, mepc
    sw t2, TS_EPC1(t0)
    csrr t2, mtval
    sw t2, TS_TVAL1(t0)
20: bltz t1, 18f                /* an interrupt */
    li t2, CAUSE_ECALL_U
    beq t1, t2, 15f
    li t2, CAUSE_ECALL_M
    bne t1, t2, 16f
15: lw t1, TS_URET(t0)          /* an ecall ending RUN_IN_U */
    beqz t1, 16f
    sw zero, TS_URET(t0)
    li t2, MSTATUS_MPP
    csrs mstatus, t2
    j 17f
16: lw t1, TS_RESUME(t0)
    beqz t1, 19f
    sw zero, TS_RESUME(t0)
17: csrw mepc, t1
    lw t1, TS_T1(t0)
    lw t2, TS_T2(t0)
    csrrw t0, mscratch, t0
    mret
18: li gp, 121                  /* an interrupt nobody expected */
    j fail
19: csrr t1, mepc               /* skip the instruction at mepc */
    lhu t2, 0(t1)
    andi t2, t2, 3
    addi t1, t1, 2
    addi t2, t2, -3
    bnez t2, 17b
    addi t1, t1, 2
    j 17b

    .section .rodata.str, "a"
str_pass:     .asciz "PASS "
str_fail:     .asciz "FAIL "
str_check:    .asciz ": check "
str_got:      .asciz ": got "
str_expected: .asciz ", expected "
str_traps:    .asciz "\n  traps "
str_mcause:   .asciz ", last: mcause "
str_mepc:     .asciz " mepc "
str_mtval:    .asciz " mtval "

    .data
    .balign 4
    .globl trap_save
trap_save:    .fill TS_SIZE / 4, 4, 0
fail_info:    .word 0, 0, 0

    .bss
    .balign 16
stack:        .skip 4096
stack_top:
.endm

#endif
