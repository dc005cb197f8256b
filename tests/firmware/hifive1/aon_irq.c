/* The AON's interrupts through the PLIC on the HiFive1 Rev B, counting the
 * board's 32.768 kHz psdlfaltclk (selected first: at reset the AON counts
 * the LFROSC / 5), as mtime does: the RTC compare (PLIC source 2) three
 * times, 10 ticks apart, then the watchdog as a periodic timer
 * (wdogzerocmp, no reset; source 1) twice, 20 ticks apart. Each interrupt is claimed, quieted at
 * its source and completed; the hart waits in wfi in between. */
#include <stdio.h>
#include <stdint.h>
#include "board.h"

#define SRC_WDOG 1
#define SRC_RTC 2

static volatile int rtc_irqs, wdog_irqs;
static volatile uint32_t rtc_seen[3];
static volatile uint64_t wdog_seen[2];
static uint32_t rtc_start;

static void wdog_write(uint32_t reg, uint32_t value)
{
    MMIO32(AON_WDOGKEY) = AON_KEY;
    MMIO32(reg) = value;
}

__attribute__((interrupt("machine"), aligned(4))) static void isr(void)
{
    uint32_t cause;
    __asm__ volatile("csrr %0, mcause" : "=r"(cause));
    uint32_t src = MMIO32(PLIC_CLAIM);
    if (cause != 0x8000000bu || (src != SRC_RTC && src != SRC_WDOG)) {
        printf("unexpected: mcause 0x%08lx source %lu\n",
               (unsigned long)cause, (unsigned long)src);
        board_exit(2);
    }
    if (src == SRC_RTC) {
        rtc_seen[rtc_irqs] = MMIO32(AON_RTCS);
        rtc_irqs++;
        /* rtcip0 is a level: move the compare on to lower it */
        MMIO32(AON_RTCCMP0) = rtc_irqs == 3 ? 0xffffffffu
                                            : rtc_start + 10 * (rtc_irqs + 1);
    } else {
        wdog_seen[wdog_irqs] = clint_mtime();
        wdog_irqs++;
        /* wdogip0 is sticky: clear it (and stop after two) */
        wdog_write(AON_WDOGCFG, wdog_irqs == 2
                                    ? 0
                                    : WDOGCFG_ZEROCMP | WDOGCFG_ENALWAYS);
    }
    MMIO32(PLIC_CLAIM) = src;
}

int main(void)
{
    __asm__ volatile("csrw mtvec, %0" :: "r"(isr));
    MMIO32(PLIC_PRIORITY(SRC_WDOG)) = 1;
    MMIO32(PLIC_PRIORITY(SRC_RTC)) = 1;
    MMIO32(PLIC_THRESHOLD) = 0;
    MMIO32(PLIC_ENABLE(0)) = (1u << SRC_WDOG) | (1u << SRC_RTC);
    __asm__ volatile("csrs mie, %0" :: "r"(1u << 11));
    __asm__ volatile("csrs mstatus, 8");

    MMIO32(AON_LFCLKMUX) = LFCLKMUX_EXTERNAL;
    MMIO32(AON_RTCCFG) = RTCCFG_ENALWAYS; /* scale 0: rtcs counts ticks */
    rtc_start = MMIO32(AON_RTCS);
    MMIO32(AON_RTCCMP0) = rtc_start + 10;
    while (rtc_irqs < 3)
        __asm__ volatile("wfi");
    for (int i = 0; i < 3; i++)
        printf("rtc interrupt %d at rtcs start + %lu\n", i + 1,
               (unsigned long)(rtc_seen[i] - rtc_start));

    wdog_write(AON_WDOGCMP0, 20);
    wdog_write(AON_WDOGCOUNT, 0);
    uint64_t wdog_start = clint_mtime();
    wdog_write(AON_WDOGCFG, WDOGCFG_ZEROCMP | WDOGCFG_ENALWAYS);
    while (wdog_irqs < 2)
        __asm__ volatile("wfi");
    for (int i = 0; i < 2; i++)
        printf("watchdog interrupt %d at mtime start + %lu\n", i + 1,
               (unsigned long)(wdog_seen[i] - wdog_start));
    printf("pending after all: 0x%08lx\n", (unsigned long)MMIO32(PLIC_PENDING(0)));
    return 0;
}
