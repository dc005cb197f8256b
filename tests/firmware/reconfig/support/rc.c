/* The runtime-reconfiguration firmware's support: caught access faults,
 * UARTs of either model, the console and a small printf (rc.h). */
#include "rc.h"

#include <stdarg.h>
#include <stddef.h>

void (*volatile rc_irq_handler)(uint32_t cause);
volatile uint32_t rc_fault_count;
volatile uint32_t rc_last_fault_cause, rc_last_fault_addr;

/* Set around the one instruction an rc_try_* access may lose. */
static volatile bool armed;
static volatile bool faulted;
static volatile bool catch_illegal;

RcUart rc_console = {RC_UART0, RC_UART_NONE};

extern char rc_trap_entry[]; /* rc_trap.S */

void rc_init(void)
{
    __asm__ volatile("csrw mtvec, %0" :: "r"(rc_trap_entry));
    rc_uart_refresh(&rc_console);
}

/* The length of the instruction at pc: 2 when compressed. */
static uint32_t insn_length(uint32_t pc)
{
    uint16_t low = *(volatile uint16_t *)(uintptr_t)pc;
    return (low & 3u) == 3u ? 4u : 2u;
}

static bool caught(uint32_t mcause)
{
    if (!armed)
        return false;
    if (mcause == RC_MCAUSE_LOAD_FAULT || mcause == RC_MCAUSE_STORE_FAULT)
        return true;
    return mcause == RC_MCAUSE_ILLEGAL && catch_illegal;
}

/* The interrupted code may be inside an rc_try_* access (armed, its
 * fault not yet looked at), and the handler makes accesses of its own:
 * it runs with none armed, and the interrupted one's state (and the last
 * fault it may be about to report) is put back. */
static void run_irq_handler(void (*handler)(uint32_t), uint32_t cause)
{
    bool was_armed = armed, was_faulted = faulted, was_illegal = catch_illegal;
    uint32_t last_cause = rc_last_fault_cause, last_addr = rc_last_fault_addr;
    armed = false;
    catch_illegal = false;
    handler(cause);
    armed = was_armed;
    faulted = was_faulted;
    catch_illegal = was_illegal;
    rc_last_fault_cause = last_cause;
    rc_last_fault_addr = last_addr;
}

/* Called by rc_trap_entry; returns where to resume. */
uint32_t rc_trap(uint32_t mcause, uint32_t mepc, uint32_t mtval);
uint32_t rc_trap(uint32_t mcause, uint32_t mepc, uint32_t mtval)
{
    if (mcause & 0x80000000u) {
        void (*handler)(uint32_t) = rc_irq_handler;
        if (handler) {
            run_irq_handler(handler, mcause & 0x7fffffffu);
            return mepc;
        }
    } else if (caught(mcause)) {
        faulted = true;
        rc_fault_count++;
        rc_last_fault_cause = mcause;
        rc_last_fault_addr = mtval;
        return mepc + insn_length(mepc);
    }
    rc_printf("\nunexpected trap: mcause %lu mepc 0x%08lx mtval 0x%08lx\n",
              mcause, mepc, mtval);
    rc_exit(200);
}

/* Each access sits between two volatile stores of `armed`, so the
 * compiler keeps it there. */
bool rc_try_read32(uint32_t addr, uint32_t *out)
{
    faulted = false;
    armed = true;
    uint32_t v = RC_REG32(addr);
    armed = false;
    if (faulted)
        return false;
    *out = v;
    return true;
}

bool rc_try_write32(uint32_t addr, uint32_t value)
{
    faulted = false;
    armed = true;
    RC_REG32(addr) = value;
    armed = false;
    return !faulted;
}

bool rc_try_read8(uint32_t addr, uint8_t *out)
{
    faulted = false;
    armed = true;
    uint8_t v = RC_REG8(addr);
    armed = false;
    if (faulted)
        return false;
    *out = v;
    return true;
}

bool rc_try_write8(uint32_t addr, uint8_t value)
{
    faulted = false;
    armed = true;
    RC_REG8(addr) = value;
    armed = false;
    return !faulted;
}

bool rc_try_rdtime(uint32_t *out)
{
    uint32_t v = 0;
    faulted = false;
    catch_illegal = true;
    armed = true;
    __asm__ volatile("rdtime %0" : "+r"(v));
    armed = false;
    catch_illegal = false;
    if (faulted)
        return false;
    *out = v;
    return true;
}

void rc_delay(uint32_t cycles)
{
    uint32_t start = rc_mcycle();
    while (rc_mcycle() - start < cycles)
        ;
}

/* ---- UARTs ---- */

#define NS_THR 0u
#define NS_LSR 5u
#define NS_LSR_THRE 0x20u
#define NS_PROBE_LSR 0x6000u /* THRE | TEMT, as LSR sits in byte 1 of +4 */
#define SIFIVE_TXDATA 0x00u
#define SIFIVE_TXCTRL 0x08u
#define SIFIVE_IP 0x14u
#define SIFIVE_DIV 0x18u
#define SIFIVE_FULL 0x80000000u
#define SIFIVE_RX_EMPTY 0x80000000u
#define SIFIVE_TXWM 1u
#define SIFIVE_TXEN_TXCNT1 (1u | 1u << 16) /* txwm: the TX FIFO is empty */
/* 16 cycles a bit: fast, and still a FIFO that fills and drains */
#define SIFIVE_DIVISOR 15u
#define SIFIVE_CHAR_CYCLES (12u * (SIFIVE_DIVISOR + 1u))

RcUartModel rc_uart_probe(uint32_t base)
{
    uint32_t v;
    if (!rc_try_read32(base + 4u, &v))
        return RC_UART_NONE;
    if ((v & NS_PROBE_LSR) == NS_PROBE_LSR)
        return RC_UART_NS16550A;
    if ((v & 0xffffff00u) == SIFIVE_RX_EMPTY)
        return RC_UART_SIFIVE;
    return RC_UART_NONE;
}

const char *rc_uart_model_name(RcUartModel model)
{
    switch (model) {
    case RC_UART_NS16550A: return "ns16550a";
    case RC_UART_SIFIVE: return "sifive,uart0";
    default: return "none";
    }
}

/* A sifive,uart0 at its reset state (a new one, or one powered off and
 * on) has its transmitter off: set it up. */
static bool sifive_setup(uint32_t base)
{
    uint32_t txctrl;
    if (!rc_try_read32(base + SIFIVE_TXCTRL, &txctrl))
        return false;
    if (txctrl == SIFIVE_TXEN_TXCNT1)
        return true;
    return rc_try_write32(base + SIFIVE_DIV, SIFIVE_DIVISOR) &&
           rc_try_write32(base + SIFIVE_TXCTRL, SIFIVE_TXEN_TXCNT1);
}

bool rc_uart_refresh(RcUart *u)
{
    RcUartModel model = rc_uart_probe(u->base);
    bool changed = model != u->model;
    u->model = model;
    if (model == RC_UART_SIFIVE && !sifive_setup(u->base))
        u->model = RC_UART_NONE;
    return changed;
}

static bool ns_putc(uint32_t base, char c)
{
    uint8_t lsr;
    do {
        if (!rc_try_read8(base + NS_LSR, &lsr))
            return false;
    } while (!(lsr & NS_LSR_THRE));
    return rc_try_write8(base + NS_THR, (uint8_t)c);
}

static bool sifive_putc(uint32_t base, char c)
{
    uint32_t txdata;
    do {
        if (!rc_try_read32(base + SIFIVE_TXDATA, &txdata))
            return false;
    } while (txdata & SIFIVE_FULL);
    return rc_try_write32(base + SIFIVE_TXDATA, (uint8_t)c);
}

bool rc_uart_putc(RcUart *u, char c)
{
    bool ok = false;
    if (u->model == RC_UART_NS16550A)
        ok = ns_putc(u->base, c);
    else if (u->model == RC_UART_SIFIVE)
        ok = sifive_putc(u->base, c);
    if (!ok)
        u->model = RC_UART_NONE;
    return ok;
}

bool rc_uart_puts(RcUart *u, const char *s)
{
    for (; *s; s++)
        if (!rc_uart_putc(u, *s))
            return false;
    return true;
}

/* A sifive,uart0 sends from its FIFO at the baud rate: txwm (txcnt 1)
 * says the FIFO is empty, then the last byte needs one character time to
 * leave the shift register. An ns16550a sends at once. Stops waiting when
 * the UART is swapped or goes away meanwhile, or is back at its reset
 * state (powered off and on: nothing left to send, and txwm never set
 * with txcnt 0; rc_uart_refresh sets it up again). */
void rc_uart_flush(RcUart *u)
{
    if (u->model != RC_UART_SIFIVE)
        return;
    uint32_t ip, txctrl;
    do {
        if (!rc_try_read32(u->base + SIFIVE_TXCTRL, &txctrl) ||
            !rc_try_read32(u->base + SIFIVE_IP, &ip) ||
            rc_uart_probe(u->base) != RC_UART_SIFIVE) {
            u->model = RC_UART_NONE;
            return;
        }
        if (txctrl != SIFIVE_TXEN_TXCNT1)
            return;
    } while (!(ip & SIFIVE_TXWM));
    rc_delay(SIFIVE_CHAR_CYCLES);
}

/* ---- printf ---- */

typedef struct Out {
    RcUart *uart;
    bool ok;
} Out;

static void out_char(Out *o, char c)
{
    if (o->ok)
        o->ok = rc_uart_putc(o->uart, c);
}

static void out_number(Out *o, uint32_t v, unsigned radix, bool negative,
                       unsigned width, char pad)
{
    char digits[12];
    unsigned n = 0;
    do {
        digits[n++] = "0123456789abcdef"[v % radix];
        v /= radix;
    } while (v);
    if (negative)
        digits[n++] = '-';
    for (; width > n; width--)
        out_char(o, pad);
    while (n)
        out_char(o, digits[--n]);
}

static const char *out_conversion(Out *o, const char *p, va_list *ap)
{
    char pad = ' ';
    unsigned width = 0;
    if (*p == '0')
        pad = *p++;
    while (*p >= '0' && *p <= '9')
        width = width * 10u + (unsigned)(*p++ - '0');
    if (*p == 'l')
        p++; /* 32 bits either way */
    switch (*p) {
    case 's':
        for (const char *s = va_arg(*ap, const char *); *s; s++)
            out_char(o, *s);
        break;
    case 'c':
        out_char(o, (char)va_arg(*ap, int));
        break;
    case 'd': {
        int32_t v = va_arg(*ap, int32_t);
        out_number(o, v < 0 ? 0u - (uint32_t)v : (uint32_t)v, 10, v < 0, width, pad);
        break;
    }
    case 'u':
        out_number(o, va_arg(*ap, uint32_t), 10, false, width, pad);
        break;
    case 'x':
        out_number(o, va_arg(*ap, uint32_t), 16, false, width, pad);
        break;
    default:
        out_char(o, '%');
        if (!*p)
            return p;
        out_char(o, *p);
    }
    return p + 1;
}

bool rc_uart_printf(RcUart *u, const char *fmt, ...)
{
    Out o = {u, true};
    va_list ap;
    va_start(ap, fmt);
    for (const char *p = fmt; *p;) {
        if (*p != '%') {
            out_char(&o, *p++);
            continue;
        }
        p++;
        if (*p == '%') {
            out_char(&o, *p++);
            continue;
        }
        p = out_conversion(&o, p, &ap);
    }
    va_end(ap);
    /* Out before anything else is printed: UART0 and UART1 may share
     * stdout, and a sifive,uart0 sends from its FIFO later. */
    rc_uart_flush(u);
    return o.ok;
}

void rc_exit(int status)
{
    rc_uart_flush(&rc_console);
    board_exit(status);
}
