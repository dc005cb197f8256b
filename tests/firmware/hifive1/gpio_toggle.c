/* GPIO pins toggled at known cycles, for the waveform tests
 * (tests/vcd/run_vcd.py, docs/WAVEFORMS.md): pins 3 and 5 are outputs,
 * and five stores to output_val set them, each store's cycle read from
 * mcycle by the instruction just before it (one inline asm, so nothing
 * the compiler chooses comes between). Between stores the firmware
 * waits, then sleeps in wfi until a CLINT timer interrupt (so cpu.sleep
 * and irq.clint.mtip show in a waveform). main prints each store's
 * cycle and value once the pins are done, so the UART's frames come
 * after the toggles. */
#include <stdint.h>
#include <stdio.h>
#include "board.h"

#define GPIO_BASE 0x10012000u
#define GPIO_OUTPUT_EN (GPIO_BASE + 0x08)
#define GPIO_OUTPUT_VAL (GPIO_BASE + 0x0c)
#define PIN3 (1u << 3)
#define PIN5 (1u << 5)
#define MIE_MTIE (1u << 7)
#define MSTATUS_MIE (1u << 3)

static const uint32_t values[] = {PIN5, 0, PIN5 | PIN3, PIN3, 0};
#define NSTORES (sizeof values / sizeof values[0])
static uint32_t cycles[NSTORES];

/* Writes output_val; returns mcycle as read by the instruction before
 * the store. */
static uint32_t store_timed(uint32_t value)
{
    uint32_t c;
    __asm__ volatile("csrr %0, mcycle\n\tsw %1, 0(%2)"
                     : "=&r"(c)
                     : "r"(value), "r"(GPIO_OUTPUT_VAL)
                     : "memory");
    return c;
}

__attribute__((interrupt("machine"), aligned(4))) static void timer_isr(void)
{
    MMIO32(CLINT_MTIMECMP + 4) = 0xffffffffu; /* once */
}

/* Sleeps until the CLINT's timer fires, `ticks` mtime ticks from now. */
static void sleep_ticks(uint32_t ticks)
{
    uint32_t now = MMIO32(CLINT_MTIME);
    MMIO32(CLINT_MTIMECMP + 4) = 0;
    MMIO32(CLINT_MTIMECMP) = now + ticks;
    __asm__ volatile("wfi");
}

int main(void)
{
    __asm__ volatile("csrw mtvec, %0" : : "r"((uintptr_t)timer_isr));
    __asm__ volatile("csrs mie, %0" : : "r"(MIE_MTIE));
    __asm__ volatile("csrs mstatus, %0" : : "r"(MSTATUS_MIE));
    MMIO32(GPIO_OUTPUT_EN) = PIN3 | PIN5;
    for (unsigned i = 0; i < NSTORES; i++) {
        cycles[i] = store_timed(values[i]);
        for (volatile unsigned d = 0; d < 20 * (i + 1); d++)
            ;
        if (i == 2)
            sleep_ticks(2);
    }
    __asm__ volatile("csrc mstatus, %0" : : "r"(MSTATUS_MIE));
    for (unsigned i = 0; i < NSTORES; i++)
        printf("store %u: output_val 0x%02lx at mcycle %lu\n", i,
               (unsigned long)values[i], (unsigned long)cycles[i]);
    return 0;
}
