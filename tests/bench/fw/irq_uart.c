/* Benchmark: a UART interrupt storm through the PLIC.
 *
 * The ns16550a runs in loopback (MCR.LOOP: what is sent is received at
 * once, nothing reaches the console) with both its THR-empty (IER.ETBEI)
 * and its received-data (IER.ERBFI) interrupts on, on PLIC source 10. The
 * handler (a C `interrupt("machine")` function) claims, reads IIR and
 * either sends the next byte of a pseudo-random stream (THR empty) or
 * reads the byte that came back and checks it (data ready), then
 * completes. So every byte costs two interrupts, each with a claim, an
 * IIR read, one data access and a complete; 500,000 bytes make 1,000,001
 * interrupts (the last THR-empty one turns IER off). The main program only
 * waits.
 *
 * Nothing here can be computed by a host build: the firmware checks that
 * every byte came back in order, that every claim named the UART and that
 * the interrupts were exactly 2 * BYTES + 1, prints the fixed line
 * `irq_uart: OK` and returns 0, or says what went wrong and returns 1. */
#include <stdint.h>
#include <stdio.h>

#include "board.h"

/* What the harnesses (tests/bench/run_bench.py, tests/bench/compare) read
 * as this benchmark's one line of output. */
#define BENCH_SUCCESS_LINE "irq_uart: OK"

#define BYTES 500000u

#define UART_RBR 0
#define UART_IER 1
#define UART_IIR 2
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define IER_ERBFI 0x01
#define IER_ETBEI 0x02
#define IIR_ID_MASK 0x0f
#define IIR_THRE 0x02
#define IIR_RDA 0x04
#define LCR_8N1 0x03
#define MCR_LOOP 0x10

#define PLIC 0x0c000000u
#define PLIC_PRIO(s) (PLIC + 4u * (s))
#define PLIC_ENABLE (PLIC + 0x2000u)
#define PLIC_THRESHOLD (PLIC + 0x200000u)
#define PLIC_CLAIM (PLIC + 0x200004u)
#define UART_SOURCE 10u

#define MIE_MEIE (1u << 11)
#define MSTATUS_MIE 8u

static volatile uint32_t interrupts, sent, received, errors;
static volatile uint32_t done;
static uint32_t send_seed = 0x6a09e667u, check_seed = 0x6a09e667u;

static uint8_t next_byte(uint32_t *seed)
{
    uint32_t x = *seed;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *seed = x;
    return (uint8_t)(x >> 11);
}

static void uart_event(void)
{
    uint8_t iir = MMIO8(UART0_BASE + UART_IIR) & IIR_ID_MASK;
    if (iir == IIR_RDA) {
        uint8_t byte = MMIO8(UART0_BASE + UART_RBR);
        errors += byte != next_byte(&check_seed);
        received++;
    } else if (iir == IIR_THRE) {
        if (sent < BYTES) {
            MMIO8(UART0_BASE + UART_THR) = next_byte(&send_seed);
            sent++;
        } else {
            MMIO8(UART0_BASE + UART_IER) = 0;
            done = 1;
        }
    } else {
        errors++;
    }
}

__attribute__((interrupt("machine"), aligned(4))) static void on_external(void)
{
    uint32_t id = MMIO32(PLIC_CLAIM);
    interrupts++;
    if (id == UART_SOURCE)
        uart_event();
    else
        errors++;
    if (id)
        MMIO32(PLIC_CLAIM) = id;
}

int main(void)
{
    MMIO8(UART0_BASE + UART_IER) = 0;
    MMIO8(UART0_BASE + UART_FCR) = 0;
    MMIO8(UART0_BASE + UART_LCR) = LCR_8N1;
    MMIO8(UART0_BASE + UART_MCR) = MCR_LOOP;
    MMIO32(PLIC_PRIO(UART_SOURCE)) = 1;
    MMIO32(PLIC_ENABLE) = 1u << UART_SOURCE;
    MMIO32(PLIC_THRESHOLD) = 0;
    __asm__ volatile("csrw mtvec, %0" :: "r"(on_external));
    __asm__ volatile("csrs mie, %0" :: "r"(MIE_MEIE));
    __asm__ volatile("csrs mstatus, %0" :: "r"(MSTATUS_MIE));
    MMIO8(UART0_BASE + UART_IER) = IER_ERBFI | IER_ETBEI;
    while (!done)
        ;
    __asm__ volatile("csrc mstatus, %0" :: "r"(MSTATUS_MIE));
    MMIO8(UART0_BASE + UART_MCR) = 0;
    MMIO32(PLIC_ENABLE) = 0;
    if (errors || received != BYTES || interrupts != 2 * BYTES + 1) {
        printf("irq_uart: %lu interrupts, %lu bytes sent, %lu received, %lu errors\n",
               (unsigned long)interrupts, (unsigned long)sent, (unsigned long)received,
               (unsigned long)errors);
        return 1;
    }
    printf("%s\n", BENCH_SUCCESS_LINE);
    return 0;
}
