/* The firmware of the reverse-execution gdb tests (tests/gdb/reverse_*.py),
 * on the hifive1-test board: code in flash at 0x20010000, data in the
 * DTIM at 0x80000000, linked with tests/firmware/hifive1/lib into
 * build/fw/gdb/reverse.elf.
 *
 * main does, in this order:
 *   puts "start"      on UART0
 *   compressed        li a0, 100 (32-bit) at rev_li, c.addi a0, 5 at rev_c
 *                     (2 bytes), c.addi a0, 7 at rev_c2: a0 100 -> 105 -> 112
 *   writes            the global `tally` 0 -> 10 -> 20 -> 30 by the stores at
 *                     tally_store_1..3 (sw, each after its li)
 *   timer_section     arms the CLINT timer (one mtime tick ahead, re-armed by
 *                     timer_isr, an interrupt("machine") C function) and
 *                     spins in timer_wait (a1 counts the rounds) until
 *                     `ticks` reaches TICKS; then the timer is off
 *   caller            C at -O0 for source-line stepping: leaf(1) and
 *                     leaf(2), each call and what follows on a line of its
 *                     own (the MARK: comments name the lines the tests look
 *                     up); `depth` goes 1, 3 (+ a = 2), 5, 9 (+ b = 4), 15
 *   puts "middle"     and waits until UART0 has sent it (uart_drain): the
 *                     UART is idle all through long_run
 *   long_run          LONG_ROUNDS rounds of a few instructions: a little
 *                     over 3 million instructions, from before_long to
 *                     after_long (labels), `mix` its result
 *   puts "end"
 * and returns 7.
 *
 * The code the tests step through backwards is assembly at fixed labels
 * (.option norelax: every instruction is the size written), so the tests
 * assert exact pcs.
 */
#include <stdint.h>
#include <stdio.h>

#include "board.h"

#define TICKS 3
#define LONG_ROUNDS 600000u

uint32_t tally;
volatile uint32_t ticks;
volatile uint32_t depth;
uint32_t mix;

void compressed(void);
void writes(void);
void timer_wait(void);
uint32_t long_run(uint32_t rounds);

__asm__(
    "    .section .text.reverse_asm, \"ax\", @progbits\n"
    "    .option push\n"
    "    .option norelax\n"
    "    .option norvc\n"

    /* compressed: a0 = 100, + 5 (compressed), + 7 (compressed). */
    "    .globl compressed\n"
    "    .type compressed, @function\n"
    "    .balign 4\n"
    "compressed:\n"
    "    .globl rev_li\n"
    "rev_li:\n"
    "    addi a0, zero, 100\n"
    "    .option rvc\n"
    "    .globl rev_c\n"
    "rev_c:\n"
    "    c.addi a0, 5\n"
    "    .globl rev_c2\n"
    "rev_c2:\n"
    "    c.addi a0, 7\n"
    "    .globl rev_c_done\n"
    "rev_c_done:\n"
    "    c.jr ra\n"
    "    .option norvc\n"
    "    .size compressed, . - compressed\n"

    /* writes: tally = 10, 20, 30. */
    "    .globl writes\n"
    "    .type writes, @function\n"
    "    .balign 4\n"
    "writes:\n"
    "    lla t0, tally\n"
    "    addi t1, zero, 10\n"
    "    .globl tally_store_1\n"
    "tally_store_1:\n"
    "    sw t1, 0(t0)\n"
    "    addi t1, zero, 20\n"
    "    .globl tally_store_2\n"
    "tally_store_2:\n"
    "    sw t1, 0(t0)\n"
    "    addi t1, zero, 30\n"
    "    .globl tally_store_3\n"
    "tally_store_3:\n"
    "    sw t1, 0(t0)\n"
    "    .globl writes_done\n"
    "writes_done:\n"
    "    ret\n"
    "    .size writes, . - writes\n"

    /* timer_wait: a1 counts rounds until ticks reaches TICKS. */
    "    .globl timer_wait\n"
    "    .type timer_wait, @function\n"
    "    .balign 4\n"
    "timer_wait:\n"
    "    lla t0, ticks\n"
    "    addi t2, zero, 3\n"
    "    addi a1, zero, 0\n"
    "    .globl timer_wait_loop\n"
    "timer_wait_loop:\n"
    "    addi a1, a1, 1\n"
    "    lw t1, 0(t0)\n"
    "    bltu t1, t2, timer_wait_loop\n"
    "    ret\n"
    "    .size timer_wait, . - timer_wait\n"

    /* long_run(rounds): a0 = mixed value after `rounds` rounds of 5. */
    "    .globl long_run\n"
    "    .type long_run, @function\n"
    "    .balign 4\n"
    "long_run:\n"
    "    addi a1, zero, 1\n"
    "    .globl before_long\n"
    "before_long:\n"
    "    beqz a0, after_long\n"
    "    slli a2, a1, 3\n"
    "    add a1, a1, a2\n"
    "    xori a1, a1, 0x5a5\n"
    "    addi a0, a0, -1\n"
    "    j before_long\n"
    "    .globl after_long\n"
    "after_long:\n"
    "    mv a0, a1\n"
    "    ret\n"
    "    .size long_run, . - long_run\n"
    "    .option pop\n"
    "    .text\n");

_Static_assert(TICKS == 3, "timer_wait compares with 3");

static void set_cmp(uint64_t v)
{
    MMIO32(CLINT_MTIMECMP) = 0xffffffff;
    MMIO32(CLINT_MTIMECMP + 4) = (uint32_t)(v >> 32);
    MMIO32(CLINT_MTIMECMP) = (uint32_t)v;
}

__attribute__((interrupt("machine"), aligned(4), noipa)) void timer_isr(void)
{
    ticks++;
    set_cmp(clint_mtime() + 1);
}

__attribute__((noipa)) void timer_section(void)
{
    uint32_t saved;
    __asm__ volatile("csrr %0, mtvec" : "=r"(saved));
    __asm__ volatile("csrw mtvec, %0" ::"r"(timer_isr));
    set_cmp(clint_mtime() + 1);
    __asm__ volatile("csrs mie, %0" ::"r"(1u << 7));
    __asm__ volatile("csrs mstatus, 8");
    timer_wait();
    __asm__ volatile("csrc mstatus, 8");
    __asm__ volatile("csrc mie, %0" ::"r"(1u << 7));
    set_cmp(UINT64_MAX);
    __asm__ volatile("csrw mtvec, %0" ::"r"(saved));
}

__attribute__((noipa, optimize("O0"))) uint32_t leaf(uint32_t x)
{
    depth += x;                 /* MARK:leaf_add */
    return x * 2;               /* MARK:leaf_return */
}                               /* MARK:leaf_end */

__attribute__((noipa, optimize("O0"))) void caller(void)
{
    uint32_t a = leaf(1);       /* MARK:call_1 */
    depth += a;                 /* MARK:after_call_1 */
    uint32_t b = leaf(2);       /* MARK:call_2 */
    depth += b;                 /* MARK:after_call_2 */
    depth += a + b;             /* MARK:caller_end */
}

/* Until the UART's FIFO is empty (txwm, with txcnt 1), then as long as
 * its last byte takes to leave the shift register. */
static void uart_drain(void)
{
    while (!(MMIO32(UART0_BASE + UART_IP) & UART_IP_TXWM))
        ;
    for (volatile int i = 0; i < 1000; i++)
        ;
}

int main(void)
{
    puts("start");
    compressed();
    writes();
    timer_section();
    caller();
    puts("middle");
    uart_drain();
    mix = long_run(LONG_ROUNDS);
    puts("end");
    return 7;
}
