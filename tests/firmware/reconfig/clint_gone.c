/* The CLINT removed while its timer interrupt is pending, and added again.
 * The firmware makes MTI pending with interrupts off globally (mstatus.MIE
 * 0, mie.MTIE 1), so it stays pending. Removed, the CLINT's line is
 * lowered: mip.MTIP drops, mtime faults, rdtime raises illegal
 * instruction (no time source), and with interrupts on nothing is taken.
 * Added again, the new CLINT is at its reset state (mtimecmp all ones, so
 * MTIP low; mtime counting from 0 again, as a CLINT powered up does) and
 * rdtime reads its mtime;
 * programmed again, its timer interrupt is taken. The scenarios are
 * tests/reconfig/clint_gone-*.yaml. */
#include "rc.h"

static volatile unsigned timer_irqs;

static void set_mtimecmp(uint64_t v)
{
    rc_try_write32(RC_CLINT_MTIMECMP, 0xffffffffu);
    rc_try_write32(RC_CLINT_MTIMECMP + 4u, (uint32_t)(v >> 32));
    rc_try_write32(RC_CLINT_MTIMECMP, (uint32_t)v);
}

static bool read_mtime(uint64_t *out)
{
    uint32_t hi, lo, hi2;
    do {
        if (!rc_try_read32(RC_CLINT_MTIME + 4u, &hi) || !rc_try_read32(RC_CLINT_MTIME, &lo) ||
            !rc_try_read32(RC_CLINT_MTIME + 4u, &hi2))
            return false;
    } while (hi != hi2);
    *out = (uint64_t)hi << 32 | lo;
    return true;
}

static void on_irq(uint32_t cause)
{
    if (cause == 7u) {
        timer_irqs++;
        set_mtimecmp(UINT64_MAX);
    }
}

static void interrupts(bool on)
{
    if (on)
        __asm__ volatile("csrsi mstatus, 8");
    else
        __asm__ volatile("csrci mstatus, 8");
}

static unsigned mtip(void)
{
    return (rc_mip() & RC_MIP_MTIP) != 0;
}

int main(void)
{
    rc_init();
    rc_irq_handler = on_irq;
    __asm__ volatile("csrs mie, %0" :: "r"(RC_MIP_MTIP));
    uint64_t before = 0;
    read_mtime(&before);
    set_mtimecmp(before);
    rc_printf("timer pending: mtip=%u\n", mtip());

    while (mtip())
        rc_delay(RC_MS(1) / 8u);
    uint32_t t;
    bool mtime_ok = rc_try_read32(RC_CLINT_MTIME, &t);
    uint32_t fault_cause = rc_last_fault_cause;
    bool time_ok = rc_try_rdtime(&t);
    uint32_t time_cause = rc_last_fault_cause;
    rc_printf("clint gone: mtip=%u, mtime %s (mcause %lu), rdtime %s (mcause %lu)\n", mtip(),
              mtime_ok ? "reads" : "faults", fault_cause, time_ok ? "works" : "traps",
              time_cause);
    interrupts(true);
    rc_delay(RC_MS(1) / 8u);
    interrupts(false);
    rc_printf("interrupts on while gone: %u timer interrupts\n", timer_irqs);

    uint64_t after;
    while (!read_mtime(&after))
        rc_delay(RC_MS(1) / 8u);
    uint32_t cmp_lo = 0, cmp_hi = 0;
    rc_try_read32(RC_CLINT_MTIMECMP, &cmp_lo);
    rc_try_read32(RC_CLINT_MTIMECMP + 4u, &cmp_hi);
    uint32_t now = 0;
    bool time_back = rc_try_rdtime(&now);
    rc_printf("clint back: mtip=%u mtimecmp=0x%08lx%08lx, mtime restarted: %s, rdtime %s\n",
              mtip(), cmp_hi, cmp_lo, after < before ? "yes" : "no",
              time_back && now >= (uint32_t)after ? "reads it" : "fails");

    set_mtimecmp(after + RC_MTIME_HZ / 1000u); /* 1 ms on */
    interrupts(true);
    while (timer_irqs == 0)
        __asm__ volatile("wfi");
    interrupts(false);
    uint64_t end = 0;
    read_mtime(&end);
    rc_printf("timer interrupt taken after reprogramming: %u, %s\n", timer_irqs,
              end >= after + RC_MTIME_HZ / 1000u ? "at its time" : "early");
    return 0;
}
