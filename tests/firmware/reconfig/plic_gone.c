/* The PLIC removed while a UART interrupt is pending at it, and added
 * again. UART1 raises its interrupt (ns16550a: THR empty; sifive,uart0:
 * txwm) and keeps it raised; with interrupts off globally the PLIC holds
 * it pending and mip.MEIP is set. Removed, the PLIC's line to the hart is
 * lowered (MEIP 0) and its registers fault. Added again, the new PLIC
 * sees UART1's line still high, so the source is pending again at once,
 * but at reset (priority 0, not enabled) it does not interrupt the hart;
 * programmed again it does, and the interrupt is taken, claimed and
 * completed. The scenarios are tests/reconfig/plic_gone-*.yaml. */
#include "rc.h"

#define SRC RC_UART1_SOURCE

static volatile uint32_t claimed;

static uint32_t plic(uint32_t addr)
{
    uint32_t v = 0xdeadbeefu;
    rc_try_read32(addr, &v);
    return v;
}

static unsigned pending(void)
{
    return plic(RC_PLIC_PENDING(SRC)) >> (SRC % 32u) & 1u;
}

static unsigned meip(void)
{
    return (rc_mip() & RC_MIP_MEIP) != 0;
}

/* UART1's interrupt output: THR empty (ns16550a) or txwm (sifive,uart0),
 * both true while nothing is being sent. */
static void uart1_irq(bool on)
{
#if defined(RC_VIRT32)
    rc_try_write8(RC_UART1 + 1u, on ? 0x02u : 0u); /* IER.ETBEI */
#else
    rc_try_write32(RC_UART1 + 0x08u, 1u << 16); /* txcnt 1 */
    rc_try_write32(RC_UART1 + 0x10u, on ? 1u : 0u); /* ie.txwm */
#endif
}

static void program_plic(void)
{
    rc_try_write32(RC_PLIC_PRIORITY(SRC), 1);
    rc_try_write32(RC_PLIC_ENABLE(SRC), 1u << (SRC % 32u));
    rc_try_write32(RC_PLIC_THRESHOLD, 0);
}

static void on_irq(uint32_t cause)
{
    if (cause != 11u)
        return;
    uint32_t id = plic(RC_PLIC_CLAIM);
    if (id == SRC)
        uart1_irq(false);
    rc_try_write32(RC_PLIC_CLAIM, id);
    claimed = id;
}

int main(void)
{
    rc_init();
    rc_irq_handler = on_irq;
    __asm__ volatile("csrs mie, %0" :: "r"(RC_MIP_MEIP));
    program_plic();
    uart1_irq(true);
    rc_printf("uart1 irq pending: pending=%u meip=%u\n", pending(), meip());

    while (meip())
        rc_delay(RC_MS(1) / 8u);
    uint32_t v;
    bool readable = rc_try_read32(RC_PLIC_PENDING(SRC), &v);
    rc_printf("plic gone: meip=%u, pending register %s (mcause %lu)\n", meip(),
              readable ? "reads" : "faults", rc_last_fault_cause);

    while (!rc_try_read32(RC_PLIC_PENDING(SRC), &v))
        rc_delay(RC_MS(1) / 8u);
    rc_printf("plic back: pending=%u priority=%lu enable=%lu meip=%u\n", pending(),
              plic(RC_PLIC_PRIORITY(SRC)), plic(RC_PLIC_ENABLE(SRC)), meip());
    program_plic();
    rc_printf("programmed again: meip=%u\n", meip());
    __asm__ volatile("csrsi mstatus, 8");
    while (!claimed)
        rc_delay(RC_MS(1) / 8u);
    __asm__ volatile("csrci mstatus, 8");
    rc_printf("claimed %lu; then pending=%u meip=%u\n", claimed, pending(), meip());
    return 0;
}
