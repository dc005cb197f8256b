/* The AON watchdog resets the HiFive1 when it is not fed.
 * Boot 1 (pmucause: power-on): select the board's 32.768 kHz psdlfaltclk
 * for the AON (at reset it counts the LFROSC / 5), start the RTC, arm the
 * watchdog with reset enabled and a compare of 328 ticks (about 10 ms),
 * feed it every 5 ms for 20 ms (it must not bite), note the RTC count of
 * the last feed and a mark in the backup registers, then stop feeding and
 * spin. The watchdog resets the machine; crt0 runs again from flash.
 * Boot 2 (pmucause: watchdog): the backup registers and the RTC kept
 * going across the reset, so the bite came 328 ticks after the last feed. */
#include <stdio.h>
#include <stdint.h>
#include "board.h"

#define MARK 0xb007cafeu
#define LIMIT 328 /* ticks: about 10 ms */
#define FEED_EVERY 164

static void wdog_write(uint32_t reg, uint32_t value)
{
    MMIO32(AON_WDOGKEY) = AON_KEY;
    MMIO32(reg) = value;
}

static void wait_ticks(uint32_t n)
{
    uint64_t until = clint_mtime() + n;
    while (clint_mtime() < until)
        ;
}

static int second_boot(uint32_t cause)
{
    uint32_t rtc = MMIO32(AON_RTCCOUNTLO);
    uint32_t mark = MMIO32(AON_BACKUP(0));
    uint32_t fed_at = MMIO32(AON_BACKUP(1));
    MMIO32(AON_BACKUP(0)) = 0;
    printf("boot 2: pmucause 0x%03lx, backup0 0x%08lx\n", (unsigned long)cause,
           (unsigned long)mark);
    uint32_t after = rtc - fed_at;
    printf("bit %d ticks after the last feed: %s\n", LIMIT,
           after >= LIMIT && after <= LIMIT + 2 ? "yes" : "no");
    printf("watchdog is off again: %s\n",
           MMIO32(AON_WDOGCFG) == 0 ? "yes" : "no");
    if (mark != MARK)
        return 1;
    printf("reset by watchdog\n");
    return 0;
}

int main(void)
{
    uint32_t cause = MMIO32(AON_PMUCAUSE);
    if (PMUCAUSE_RESET(cause) == 2)
        return second_boot(cause);
    printf("boot 1: pmucause 0x%03lx\n", (unsigned long)cause);
    MMIO32(AON_LFCLKMUX) = LFCLKMUX_EXTERNAL; /* kept across the reset */
    MMIO32(AON_RTCCFG) = RTCCFG_ENALWAYS;
    MMIO32(AON_BACKUP(0)) = MARK;
    wdog_write(AON_WDOGCMP0, LIMIT);
    wdog_write(AON_WDOGCOUNT, 0);
    wdog_write(AON_WDOGCFG, WDOGCFG_RSTEN | WDOGCFG_ENALWAYS);
    for (int i = 0; i < 4; i++) {
        wait_ticks(FEED_EVERY);
        wdog_write(AON_WDOGFEED, AON_WDOGFOOD);
    }
    MMIO32(AON_BACKUP(1)) = MMIO32(AON_RTCCOUNTLO);
    printf("fed 4 times in 20 ms: still running\n");
    printf("not feeding any more\n");
    for (;;)
        ;
    return 1;
}
