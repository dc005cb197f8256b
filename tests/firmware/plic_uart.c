/* virt32's PLIC with its one wired source, the UART on source 10 (as on
 * QEMU virt): the THR-empty interrupt reaches the hart as MEI through the
 * PLIC, is claimed as 10 and completed; a priority of 0, a missing enable
 * or a threshold at the priority keep it away. The output is the same on
 * qemu-system-riscv32 -M virt: the test avoids the two places where QEMU's
 * PLIC departs from the specification (it drops a pending bit when the
 * line falls, and its threshold masks claims), see peripherals/sifive_plic.c. */
#include <stdio.h>
#include <stdint.h>
#include "board.h"

#define PLIC 0x0c000000u
#define PLIC_PRIO(s) (PLIC + 4u * (s))
#define PLIC_PENDING (PLIC + 0x1000u)
#define PLIC_ENABLE (PLIC + 0x2000u)
#define PLIC_THRESHOLD (PLIC + 0x200000u)
#define PLIC_CLAIM (PLIC + 0x200004u)
#define UART_SOURCE 10u

#define UART_IER 1
#define UART_IIR 2
#define IER_ETBEI 0x02

#define MIP_MEIP (1u << 11)

static volatile unsigned count;
static volatile uint32_t last_id, last_iir, last_cause;

__attribute__((interrupt("machine"), aligned(4))) static void isr(void)
{
    uint32_t cause;
    __asm__ volatile("csrr %0, mcause" : "=r"(cause));
    last_cause = cause;
    last_id = MMIO32(PLIC_CLAIM);
    last_iir = MMIO8(UART0_BASE + UART_IIR);
    MMIO8(UART0_BASE + UART_IER) = 0; /* the UART lowers its line */
    MMIO32(PLIC_CLAIM) = last_id;
    count++;
}

static uint32_t mip(void)
{
    uint32_t v;
    __asm__ volatile("csrr %0, mip" : "=r"(v));
    return v;
}

/* Raises the UART's THR-empty interrupt with the hart's interrupts off,
 * reports what the PLIC makes of it (claiming when `claim`), then lowers
 * it again. */
static void probe(const char *label, int claim)
{
    MMIO8(UART0_BASE + UART_IER) = IER_ETBEI;
    uint32_t pending = MMIO32(PLIC_PENDING) >> UART_SOURCE & 1;
    uint32_t meip = (mip() & MIP_MEIP) != 0;
    uint32_t id = claim ? MMIO32(PLIC_CLAIM) : 0;
    if (id)
        MMIO32(PLIC_CLAIM) = id;
    MMIO8(UART0_BASE + UART_IER) = 0;
    printf("%s: pending %lu, meip %lu", label, (unsigned long)pending,
           (unsigned long)meip);
    if (claim)
        printf(", claim %lu", (unsigned long)id);
    printf("\n");
}

int main(void)
{
    __asm__ volatile("csrw mtvec, %0" :: "r"(isr));
    MMIO32(PLIC_THRESHOLD) = 0;
    probe("priority 0, disabled", 1);
    MMIO32(PLIC_PRIO(UART_SOURCE)) = 1;
    probe("priority 1, disabled", 1);
    MMIO32(PLIC_ENABLE) = 1u << UART_SOURCE;
    MMIO32(PLIC_THRESHOLD) = 1;
    probe("priority 1, threshold 1", 0);
    MMIO32(PLIC_THRESHOLD) = 0;
    /* the request the probes left pending (the specification keeps it
     * after the line falls; QEMU does not): claim and complete it */
    uint32_t stale = MMIO32(PLIC_CLAIM);
    if (stale)
        MMIO32(PLIC_CLAIM) = stale;

    __asm__ volatile("csrs mie, %0" :: "r"(MIP_MEIP));
    __asm__ volatile("csrs mstatus, 8");
    MMIO8(UART0_BASE + UART_IER) = IER_ETBEI;
    for (volatile int i = 0; i < 10 && !count; i++) {}
    __asm__ volatile("csrc mstatus, 8");
    printf("interrupt: count %u, mcause 0x%08lx, claimed %lu, iir 0x%02lx\n",
           count, (unsigned long)last_cause, (unsigned long)last_id,
           (unsigned long)(last_iir & 0x0f));
    printf("after complete: pending %lu, meip %lu\n",
           (unsigned long)(MMIO32(PLIC_PENDING) >> UART_SOURCE & 1),
           (unsigned long)((mip() & MIP_MEIP) != 0));
    return count == 1 && last_id == UART_SOURCE ? 0 : 1;
}
