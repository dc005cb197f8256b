/* UART1 moved by `board apply` while the firmware prints through it: a
 * write that faults (the UART is no longer at its base) makes the
 * firmware look for it at the bases it may have (each probed with the
 * fault handler), say where it found it, check that it kept its state (a
 * register written at the start: a move keeps the device) and print the
 * message again there. tests/reconfig/uart1_move-*.yaml apply the board
 * with UART1 moved, then the original board. */
#include "rc.h"

#define MESSAGES 6

static const uint32_t candidates[] = {RC_UART1, RC_UART1_MOVED};
#define NCANDIDATES (sizeof candidates / sizeof candidates[0])

/* A register that keeps what the firmware wrote and is not written by
 * rc_uart_refresh: the ns16550a's scratch register, the sifive,uart0's
 * rxctrl (rxcnt). */
#define MARK 0x5u
static uint32_t mark_addr(const RcUart *u)
{
    return u->model == RC_UART_NS16550A ? u->base + 7u : u->base + 0x0cu;
}

static bool write_mark(const RcUart *u)
{
    if (u->model == RC_UART_NS16550A)
        return rc_try_write8(mark_addr(u), MARK);
    return rc_try_write32(mark_addr(u), MARK << 16);
}

static uint32_t read_mark(const RcUart *u)
{
    uint8_t b = 0xff;
    uint32_t w = 0xffffffffu;
    if (u->model == RC_UART_NS16550A)
        return rc_try_read8(mark_addr(u), &b) ? b : 0xffffffffu;
    return rc_try_read32(mark_addr(u), &w) ? w >> 16 & 7u : 0xffffffffu;
}

/* Where UART1 is now; false when at none of the candidates. */
static bool find_uart1(RcUart *u)
{
    for (unsigned i = 0; i < NCANDIDATES; i++) {
        RcUart c = {candidates[i], RC_UART_NONE};
        c.model = rc_uart_probe(c.base);
        if (c.model != RC_UART_NONE) {
            *u = c;
            return true;
        }
    }
    return false;
}

int main(void)
{
    rc_init();
    RcUart uart1 = {RC_UART1, RC_UART_NONE};
    rc_uart_refresh(&uart1);
    write_mark(&uart1);
    rc_printf("uart1: %s at 0x%08lx\n", rc_uart_model_name(uart1.model), uart1.base);
    for (int n = 1; n <= MESSAGES;) {
        if (rc_uart_printf(&uart1, "uart1 message %d\n", n)) {
            rc_uart_flush(&uart1);
            rc_printf("sent message %d\n", n);
            n++;
            rc_delay(RC_MS(1));
            continue;
        }
        rc_printf("uart1 lost at 0x%08lx: fault (mcause %lu) at 0x%08lx\n", uart1.base,
                  rc_last_fault_cause, rc_last_fault_addr);
        while (!find_uart1(&uart1))
            rc_delay(RC_MS(1));
        rc_printf("uart1 found at 0x%08lx: %s, mark %lu\n", uart1.base,
                  rc_uart_model_name(uart1.model), read_mark(&uart1));
    }
    rc_printf("done\n");
    return 0;
}
