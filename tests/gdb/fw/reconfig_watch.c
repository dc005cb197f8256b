/* The firmware of tests/gdb/reconfig_watch.py, on the hifive1-test board:
 * breakpoints and watchpoints on ranges that gdb removes and maps again
 * (`monitor peripheral remove/add`, `monitor board apply`), and the access
 * faults the firmware takes while nothing is there.
 *
 * Six stages, each after a stop at checkpoint() (a breakpoint target:
 * there gdb changes the board; `stage` says which stage comes next, and
 * everything printed so far has left UART0):
 *   1-3  probe(): one load (probe_load) and one store (probe_store) of
 *        pwm0's first register (PROBE, a memory-mapped-stub), then prints
 *        "probe: read 0x...", or "probe: gone" when the load faulted
 *   4, 6 copies itim_code (12 bytes: a0 = ITIM_RESULT, return) to the
 *        start of the ITIM and calls it through a pointer (itim_call_site)
 *   5    calls it without copying (the ITIM was removed: nothing to copy
 *        to)
 *   then "itim: 0x..." (what the call returned; 0 when the fetch faulted)
 * and exits 0 after "done".
 *
 * Faults are caught by rw_trap (not the library's handler, which exits):
 * each prints "fault CAUSE at MTVAL (pc MEPC)" and is counted. A load
 * (5) or store (7) access fault resumes after the instruction; an
 * instruction access fault (1) returns to the caller (ra) with a0 = 0.
 * Anything else prints "unexpected trap ..." and exits 200.
 *
 * The instructions the tests look at are assembly at fixed labels
 * (.option norelax, norvc: every instruction is 4 bytes), so the tests
 * assert exact pcs.
 */
#include <stdint.h>
#include <stdio.h>

#include "board.h"

#define PROBE 0x10015000u     /* pwm0 on hifive1-revb */
#define ITIM_BASE 0x08000000u /* itim on hifive1-revb: 8 KiB of RAM */
#define ITIM_RESULT 0x5a5a5a5au

#define MCAUSE_FETCH_ACCESS 1u
#define MCAUSE_LOAD_ACCESS 5u
#define MCAUSE_STORE_ACCESS 7u

/* rw_trap's frame: the registers a C function may change, ra first. */
enum { FRAME_RA = 0, FRAME_A0 = 4, FRAME_WORDS = 16 };

volatile uint32_t stage;
volatile uint32_t faults;
volatile uint32_t last_cause, last_epc, last_tval;

uint32_t probe_load_word(uint32_t addr);
void probe_store_word(uint32_t addr, uint32_t value);
uint32_t itim_call(uint32_t target);
extern const uint32_t itim_code[], itim_code_end[];
void rw_trap(void);

__asm__(
    "    .section .text.reconfig_watch_asm, \"ax\", @progbits\n"
    "    .option push\n"
    "    .option norelax\n"
    "    .option norvc\n"

    /* a0 = *(a0) */
    "    .globl probe_load_word\n"
    "    .type probe_load_word, @function\n"
    "    .balign 4\n"
    "probe_load_word:\n"
    "    .globl probe_load\n"
    "probe_load:\n"
    "    lw a0, 0(a0)\n"
    "    .globl probe_load_done\n"
    "probe_load_done:\n"
    "    ret\n"
    "    .size probe_load_word, . - probe_load_word\n"

    /* *(a0) = a1 */
    "    .globl probe_store_word\n"
    "    .type probe_store_word, @function\n"
    "    .balign 4\n"
    "probe_store_word:\n"
    "    .globl probe_store\n"
    "probe_store:\n"
    "    sw a1, 0(a0)\n"
    "    .globl probe_store_done\n"
    "probe_store_done:\n"
    "    ret\n"
    "    .size probe_store_word, . - probe_store_word\n"

    /* Calls the code at a0; returns what it returned. */
    "    .globl itim_call\n"
    "    .type itim_call, @function\n"
    "    .balign 4\n"
    "itim_call:\n"
    "    addi sp, sp, -16\n"
    "    sw ra, 12(sp)\n"
    "    .globl itim_call_site\n"
    "itim_call_site:\n"
    "    jalr ra, 0(a0)\n"
    "    .globl itim_call_return\n"
    "itim_call_return:\n"
    "    lw ra, 12(sp)\n"
    "    addi sp, sp, 16\n"
    "    ret\n"
    "    .size itim_call, . - itim_call\n"

    /* What is copied to the ITIM: position independent, 12 bytes. */
    "    .globl itim_code\n"
    "    .balign 4\n"
    "itim_code:\n"
    "    li a0, 0x5a5a5a5a\n"
    "    ret\n"
    "    .globl itim_code_end\n"
    "itim_code_end:\n"

    /* The trap vector: keeps the caller-saved registers, hands mcause,
     * mepc, mtval and the frame to rw_fault, resumes where it says. */
    "    .globl rw_trap\n"
    "    .type rw_trap, @function\n"
    "    .balign 4\n"
    "rw_trap:\n"
    "    addi sp, sp, -64\n"
    "    sw ra, 0(sp)\n"
    "    sw t0, 4(sp)\n"
    "    sw t1, 8(sp)\n"
    "    sw t2, 12(sp)\n"
    "    sw a0, 16(sp)\n"
    "    sw a1, 20(sp)\n"
    "    sw a2, 24(sp)\n"
    "    sw a3, 28(sp)\n"
    "    sw a4, 32(sp)\n"
    "    sw a5, 36(sp)\n"
    "    sw a6, 40(sp)\n"
    "    sw a7, 44(sp)\n"
    "    sw t3, 48(sp)\n"
    "    sw t4, 52(sp)\n"
    "    sw t5, 56(sp)\n"
    "    sw t6, 60(sp)\n"
    "    csrr a0, mcause\n"
    "    csrr a1, mepc\n"
    "    csrr a2, mtval\n"
    "    mv a3, sp\n"
    "    call rw_fault\n"
    "    csrw mepc, a0\n"
    "    lw ra, 0(sp)\n"
    "    lw t0, 4(sp)\n"
    "    lw t1, 8(sp)\n"
    "    lw t2, 12(sp)\n"
    "    lw a0, 16(sp)\n"
    "    lw a1, 20(sp)\n"
    "    lw a2, 24(sp)\n"
    "    lw a3, 28(sp)\n"
    "    lw a4, 32(sp)\n"
    "    lw a5, 36(sp)\n"
    "    lw a6, 40(sp)\n"
    "    lw a7, 44(sp)\n"
    "    lw t3, 48(sp)\n"
    "    lw t4, 52(sp)\n"
    "    lw t5, 56(sp)\n"
    "    lw t6, 60(sp)\n"
    "    addi sp, sp, 64\n"
    "    mret\n"
    "    .size rw_trap, . - rw_trap\n"
    "    .option pop\n"
    "    .text\n");

_Static_assert(FRAME_WORDS * 4 == 64, "rw_trap's frame is 64 bytes");

static uint32_t insn_length(uint32_t pc)
{
    uint16_t low = *(const volatile uint16_t *)(uintptr_t)pc;
    return (low & 3u) == 3u ? 4u : 2u;
}

/* Called by rw_trap; returns the pc to resume at. */
uint32_t rw_fault(uint32_t mcause, uint32_t mepc, uint32_t mtval, uint32_t *frame);
uint32_t rw_fault(uint32_t mcause, uint32_t mepc, uint32_t mtval, uint32_t *frame)
{
    last_cause = mcause;
    last_epc = mepc;
    last_tval = mtval;
    faults++;
    switch (mcause) {
    case MCAUSE_LOAD_ACCESS:
    case MCAUSE_STORE_ACCESS:
        printf("fault %lu at 0x%08lx (pc 0x%08lx)\n", (unsigned long)mcause,
               (unsigned long)mtval, (unsigned long)mepc);
        return mepc + insn_length(mepc);
    case MCAUSE_FETCH_ACCESS:
        printf("fault %lu at 0x%08lx (pc 0x%08lx)\n", (unsigned long)mcause,
               (unsigned long)mtval, (unsigned long)mepc);
        frame[FRAME_A0] = 0;
        return frame[FRAME_RA];
    default:
        printf("unexpected trap: mcause %lu mepc 0x%08lx mtval 0x%08lx\n",
               (unsigned long)mcause, (unsigned long)mepc, (unsigned long)mtval);
        board_exit(200);
    }
}

/* Until the last character left the shift register: the FIFO empty
 * (txwm with txcnt 1), then two more character times (10 bits each). */
static void uart_drain(void)
{
    fflush(stdout);
    while (!(MMIO32(UART0_BASE + UART_IP) & UART_IP_TXWM))
        ;
    uint32_t start = read_mcycle();
    while (read_mcycle() - start < 2 * 10 * (CPU_HZ / 115200))
        ;
}

void __attribute__((noinline)) checkpoint(void)
{
    __asm__ volatile("" ::: "memory");
}

static void next_stage(uint32_t n)
{
    stage = n;
    uart_drain(); /* so gdb finds everything in the UART's file */
    checkpoint();
}

static void probe(void)
{
    uint32_t before = faults;
    uint32_t value = probe_load_word(PROBE);
    if (faults != before)
        printf("probe: gone\n");
    else
        printf("probe: read 0x%08lx\n", (unsigned long)value);
    probe_store_word(PROBE, stage);
}

static void itim_copy(void)
{
    volatile uint32_t *to = (volatile uint32_t *)(uintptr_t)ITIM_BASE;
    for (const uint32_t *from = itim_code; from < itim_code_end; from++)
        *to++ = *from;
    /* The hart drops decoded code a store overwrites; fence.i is what a
     * real hart needs. */
    __asm__ volatile("fence.i" ::: "memory");
}

static void itim_run(void)
{
    printf("itim: 0x%08lx\n", (unsigned long)itim_call(ITIM_BASE));
}

int main(void)
{
    __asm__ volatile("csrw mtvec, %0" :: "r"(rw_trap));
    printf("start\n");
    for (uint32_t n = 1; n <= 3; n++) {
        next_stage(n);
        probe();
    }
    next_stage(4);
    itim_copy();
    itim_run();
    next_stage(5);
    itim_run();
    next_stage(6);
    itim_copy();
    itim_run();
    printf("done\n");
    uart_drain(); /* so gdb finds it in the file when the firmware exits */
    return 0;
}
