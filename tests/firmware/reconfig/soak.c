/* The firmware of the reconfiguration soak (tests/reconfig/reconfig_soak.py):
 * beats until it reads 'q' on UART0. Each beat it looks for every device
 * the soak adds, removes, replaces, moves or powers (each at the bases it
 * may have, every access with the fault handler), arms the CLINT's timer
 * and raises UART1's interrupt through the PLIC when they are there, and
 * prints one line: the beat, the interrupts taken so far, and what it
 * found, which the soak predicts and checks after every operation:
 *
 *   beat 12 t=11 u=9: uart0=ns16550a uart1=10001000/ns16550a gpio0=10012000
 *   clint=02000000 time=yes plic=yes power=3 remap=10051000 window=flash
 *
 * (one line). The interrupt handlers find UART1 again wherever it is. */
#include "rc.h"

#define BEAT_GAP (RC_MS(1) / 10u)

static const uint32_t uart1_bases[] = {RC_UART1, RC_UART1_MOVED};
static const uint32_t gpio0_bases[] = {RC_GPIO0, RC_GPIO0_MOVED};
static const uint32_t clint_bases[] = {RC_CLINT, RC_CLINT_MOVED};
static const uint32_t remap_bases[] = {RC_REMAP, RC_REMAP_MOVED};
#define N(a) (sizeof a / sizeof a[0])

static volatile unsigned timer_irqs, uart_irqs;

/* The first base where a 32-bit read of `offset` answers; 0: none. */
static uint32_t find(const uint32_t *bases, unsigned n, uint32_t offset)
{
    uint32_t v;
    for (unsigned i = 0; i < n; i++)
        if (rc_try_read32(bases[i] + offset, &v))
            return bases[i];
    return 0;
}

static RcUart find_uart1(void)
{
    RcUart u = {0, RC_UART_NONE};
    for (unsigned i = 0; i < N(uart1_bases) && u.model == RC_UART_NONE; i++) {
        u.base = uart1_bases[i];
        u.model = rc_uart_probe(u.base);
    }
    return u;
}

/* UART1's interrupt output: THR empty (ns16550a) or txwm (sifive,uart0),
 * both true while it sends nothing. */
static void uart1_irq(const RcUart *u, bool on)
{
    if (u->model == RC_UART_NS16550A) {
        rc_try_write8(u->base + 1u, on ? 0x02u : 0u);
    } else if (u->model == RC_UART_SIFIVE) {
        rc_try_write32(u->base + 0x08u, 1u << 16);
        rc_try_write32(u->base + 0x10u, on ? 1u : 0u);
    }
}

static void set_mtimecmp(uint32_t base, uint64_t v)
{
    rc_try_write32(base + 0x4000u, 0xffffffffu);
    rc_try_write32(base + 0x4004u, (uint32_t)(v >> 32));
    rc_try_write32(base + 0x4000u, (uint32_t)v);
}

static void on_irq(uint32_t cause)
{
    if (cause == 7u) {
        timer_irqs++;
        uint32_t clint = find(clint_bases, N(clint_bases), 0xbff8u);
        if (clint)
            set_mtimecmp(clint, UINT64_MAX);
        return;
    }
    if (cause != 11u)
        return;
    uint32_t id = 0;
    rc_try_read32(RC_PLIC_CLAIM, &id);
    if (id == RC_UART1_SOURCE) {
        RcUart u = find_uart1();
        uart1_irq(&u, false);
        uart_irqs++;
    }
    if (id)
        rc_try_write32(RC_PLIC_CLAIM, id);
}

/* A timer interrupt a little later, when a CLINT is there. */
static void arm_timer(uint32_t clint)
{
    uint32_t lo, hi;
    if (clint && rc_try_read32(clint + 0xbffcu, &hi) && rc_try_read32(clint + 0xbff8u, &lo))
        set_mtimecmp(clint, ((uint64_t)hi << 32 | lo) + 1u);
}

/* UART1's interrupt, enabled at the PLIC, when both are there. */
static void raise_uart1(const RcUart *u, bool plic)
{
    if (!plic || u->model == RC_UART_NONE)
        return;
    rc_try_write32(RC_PLIC_PRIORITY(RC_UART1_SOURCE), 1);
    rc_try_write32(RC_PLIC_ENABLE(RC_UART1_SOURCE), 1u << (RC_UART1_SOURCE % 32u));
    rc_try_write32(RC_PLIC_THRESHOLD, 0);
    uart1_irq(u, true);
}

static const char *window(void)
{
    uint32_t v;
    if (!rc_try_read32(RC_WINDOW, &v))
        return "none";
    return v == RC_FLASH_WORD ? "flash" : "other";
}

/* " NAME=BASE" in hex, or " NAME=none" for 0 */
static void print_base(const char *name, uint32_t base)
{
    if (base)
        rc_printf(" %s=%08lx", name, base);
    else
        rc_printf(" %s=none", name);
}

/* 'q' received on UART0 (an ns16550a: a sifive,uart0's receiver is left
 * off, and its rxdata is what rc_uart_probe reads). */
static bool quit_received(void)
{
    uint8_t lsr, c;
    if (rc_console.model != RC_UART_NS16550A)
        return false;
    while (rc_try_read8(RC_UART0 + 5u, &lsr) && (lsr & 1u))
        if (rc_try_read8(RC_UART0, &c) && c == 'q')
            return true;
    return false;
}

static void beat(unsigned n)
{
    rc_uart_refresh(&rc_console);
    /* An ns16550a's FIFOs on (a new one has them off: a byte a beat would
     * drain slowly what the soak queued meanwhile). Turning them on
     * empties the receiver, so it is done before the line that lets the
     * soak send 'q'; writing it again changes nothing. */
    if (rc_console.model == RC_UART_NS16550A)
        rc_try_write8(RC_UART0 + 2u, 0x01);
    RcUart uart1 = find_uart1();
    uint32_t gpio0 = find(gpio0_bases, N(gpio0_bases), RC_GPIO_INPUT_VAL);
    uint32_t clint = find(clint_bases, N(clint_bases), 0xbff8u);
    uint32_t t, power = 0;
    bool time = rc_try_rdtime(&t);
    bool plic = rc_try_read32(RC_PLIC_PRIORITY(1), &t);
    bool has_power = rc_try_read32(RC_POWER + RC_POWER_STATUS, &power);
    uint32_t remap = find(remap_bases, N(remap_bases), RC_REMAP_SELECT);
    arm_timer(clint);
    raise_uart1(&uart1, plic);
    rc_printf("beat %u t=%u u=%u: uart0=%s uart1=", n, timer_irqs, uart_irqs,
              rc_uart_model_name(rc_console.model));
    if (uart1.model == RC_UART_NONE)
        rc_printf("none");
    else
        rc_printf("%08lx/%s", uart1.base, rc_uart_model_name(uart1.model));
    print_base("gpio0", gpio0);
    print_base("clint", clint);
    rc_printf(" time=%s plic=%s", time ? "yes" : "no", plic ? "yes" : "no");
    if (has_power)
        rc_printf(" power=%lx", power);
    else
        rc_printf(" power=none");
    print_base("remap", remap);
    rc_printf(" window=%s\n", window());
    rc_uart_flush(&rc_console);
}

int main(void)
{
    rc_init();
    rc_irq_handler = on_irq;
    __asm__ volatile("csrs mie, %0\n\tcsrsi mstatus, 8" :: "r"(RC_MIP_MTIP | RC_MIP_MEIP));
    unsigned n = 0;
    do {
        beat(n++);
        rc_delay(BEAT_GAP);
    } while (!quit_received());
    __asm__ volatile("csrci mstatus, 8");
    rc_printf("bye after %u beats: %u timer and %u uart1 interrupts, %lu faults caught\n", n,
              timer_irqs, uart_irqs, rc_fault_count);
    return 0;
}
