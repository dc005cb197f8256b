/* sifive,uart0 on the HiFive1 with both watermark interrupts, through the
 * PLIC (UART0 is source 3). Received bytes come from a file chardev
 * (uart_irq.expect sets uart0.chardev to stdio:in=uart_irq.in) and raise
 * rxwm (rxcnt 0: one byte is enough); each line goes back out through the
 * handler, which refills the 8-byte TX FIFO whenever txwm says it drained
 * below txcnt 2, so the FIFO empties at the baud rate. "bye" ends. */
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include "board.h"

#define UART_RXDATA 0x04
#define UART_RXCTRL 0x0c
#define UART_IE 0x10
#define UART_RXDATA_EMPTY (1u << 31)
#define UART_RXEN 1u
#define UART_IP_RXWM 2u
#define UART0_SOURCE 3u
#define MIP_MEIP (1u << 11)

static volatile char rx_ring[256];
static volatile uint8_t rx_head, rx_tail;
static const char *volatile tx_next;
static volatile unsigned tx_left;
static volatile unsigned rx_irqs, tx_irqs, tx_refills_while_busy;

static void uart_irq(void)
{
    uint32_t ip = MMIO32(UART0_BASE + UART_IP);
    if (ip & UART_IP_RXWM) {
        rx_irqs++;
        for (;;) {
            uint32_t v = MMIO32(UART0_BASE + UART_RXDATA);
            if (v & UART_RXDATA_EMPTY)
                break;
            rx_ring[rx_head++] = (char)v;
        }
    }
    if ((ip & UART_IP_TXWM) && tx_left) {
        tx_irqs++;
        while (tx_left && !(MMIO32(UART0_BASE + UART_TXDATA) & UART_TXDATA_FULL)) {
            MMIO32(UART0_BASE + UART_TXDATA) = (uint8_t)*tx_next++;
            tx_left--;
        }
        if (tx_left)
            tx_refills_while_busy++;
    }
    if (!tx_left)
        MMIO32(UART0_BASE + UART_IE) = UART_IP_RXWM;
}

__attribute__((interrupt("machine"), aligned(4))) static void isr(void)
{
    uint32_t id = MMIO32(PLIC_CLAIM);
    if (id == UART0_SOURCE)
        uart_irq();
    MMIO32(PLIC_CLAIM) = id;
}

/* Sleeps until cond() holds. Interrupts stay off between the check and
 * wfi (which wakes on a pending one anyway), so nothing is slept through. */
static void wait_for(int (*cond)(void))
{
    for (;;) {
        __asm__ volatile("csrc mstatus, 8");
        if (cond())
            break;
        __asm__ volatile("wfi");
        __asm__ volatile("csrs mstatus, 8");
    }
    __asm__ volatile("csrs mstatus, 8");
}

static int rx_ready(void) { return rx_head != rx_tail; }
static int tx_done(void) { return tx_left == 0; }

static void send(const char *s, unsigned n)
{
    __asm__ volatile("csrc mstatus, 8");
    tx_next = s;
    tx_left = n;
    MMIO32(UART0_BASE + UART_IE) = UART_IP_RXWM | UART_IP_TXWM;
    wait_for(tx_done);
}

int main(void)
{
    printf("uart watermark echo: one line at a time, 'bye' ends\n");
    fflush(stdout);
    MMIO32(UART0_BASE + UART_TXCTRL) = UART_TXEN | UART_TXCNT(2);
    MMIO32(UART0_BASE + UART_RXCTRL) = UART_RXEN; /* rxcnt 0 */

    __asm__ volatile("csrw mtvec, %0" :: "r"(isr));
    MMIO32(PLIC_PRIORITY(UART0_SOURCE)) = 1;
    MMIO32(PLIC_ENABLE(0)) = 1u << UART0_SOURCE;
    MMIO32(PLIC_THRESHOLD) = 0;
    MMIO32(UART0_BASE + UART_IE) = UART_IP_RXWM;
    __asm__ volatile("csrs mie, %0" :: "r"(MIP_MEIP));
    __asm__ volatile("csrs mstatus, 8");

    static char out[96];
    unsigned len = 2, lines = 0;
    out[0] = '<';
    out[1] = ' ';
    for (;;) {
        wait_for(rx_ready);
        char c = rx_ring[rx_tail++];
        if (len < sizeof out - 1)
            out[len++] = c;
        if (c != '\n')
            continue;
        lines++;
        send(out, len);
        if (len == 6 && memcmp(out + 2, "bye", 3) == 0)
            break;
        len = 2;
    }
    /* The TX FIFO holds 8: a line longer than that needed refills. */
    printf("%u lines; rx interrupts: %s; tx refills while busy: %s\n", lines,
           rx_irqs ? "yes" : "no", tx_refills_while_busy ? "yes" : "no");
    return 0;
}
