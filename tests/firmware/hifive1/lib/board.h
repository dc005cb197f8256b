/* What our test firmware knows of the HiFive1 Rev B (FE310-G002): the
 * addresses and registers it uses. The exit device (TEST_BASE) is not on
 * the real board: it is on tests/firmware/boards/hifive1-test.yaml only;
 * without it, exit puts the chip into deep sleep (see ../README.md). */
#ifndef FIRMWARE_HIFIVE1_BOARD_H
#define FIRMWARE_HIFIVE1_BOARD_H

#include <stdint.h>

#define MMIO32(addr) (*(volatile uint32_t *)(uintptr_t)(addr))

#define CPU_HZ 16000000u  /* hifive1-revb's cpu frequency */
#define RTCCLK_HZ 32768u  /* the CLINT's mtime; the AON's lfclk from
                             psdlfaltclk (LFCLKMUX_EXTERNAL) */

/* CLINT */
#define CLINT_BASE 0x02000000u
#define CLINT_MSIP (CLINT_BASE + 0x0000)
#define CLINT_MTIMECMP (CLINT_BASE + 0x4000)
#define CLINT_MTIME (CLINT_BASE + 0xbff8)

/* PLIC: FE310 sources 1 wdog, 2 rtc, 3 uart0, 4 uart1, 8-39 gpio */
#define PLIC_BASE 0x0c000000u
#define PLIC_PRIORITY(src) (PLIC_BASE + 4 * (src))
#define PLIC_PENDING(word) (PLIC_BASE + 0x1000 + 4 * (word))
#define PLIC_ENABLE(word) (PLIC_BASE + 0x2000 + 4 * (word))
#define PLIC_THRESHOLD (PLIC_BASE + 0x200000)
#define PLIC_CLAIM (PLIC_BASE + 0x200004)

/* AON: watchdog, RTC, backup registers, PMU */
#define AON_BASE 0x10000000u
#define AON_WDOGCFG (AON_BASE + 0x000)
#define AON_WDOGCOUNT (AON_BASE + 0x008)
#define AON_WDOGS (AON_BASE + 0x010)
#define AON_WDOGFEED (AON_BASE + 0x018)
#define AON_WDOGKEY (AON_BASE + 0x01c)
#define AON_WDOGCMP0 (AON_BASE + 0x020)
#define AON_RTCCFG (AON_BASE + 0x040)
#define AON_RTCCOUNTLO (AON_BASE + 0x048)
#define AON_RTCCOUNTHI (AON_BASE + 0x04c)
#define AON_RTCS (AON_BASE + 0x050)
#define AON_RTCCMP0 (AON_BASE + 0x060)
#define AON_LFCLKMUX (AON_BASE + 0x07c)
#define AON_BACKUP(i) (AON_BASE + 0x080 + 4 * (i))
#define AON_PMUCAUSE (AON_BASE + 0x144)
#define AON_PMUSLEEP (AON_BASE + 0x148)
#define AON_PMUKEY (AON_BASE + 0x14c)
#define AON_KEY 0x51f15eu
#define AON_WDOGFOOD 0x0d09f00du
#define WDOGCFG_RSTEN (1u << 8)
#define WDOGCFG_ZEROCMP (1u << 9)
#define WDOGCFG_ENALWAYS (1u << 12)
#define WDOGCFG_IP0 (1u << 28)
#define RTCCFG_ENALWAYS (1u << 12)
#define RTCCFG_IP0 (1u << 28)
#define PMUCAUSE_RESET(v) (((v) >> 8) & 3u) /* 0 power-on, 1 ext, 2 wdog */
/* lfclkmux: lfextclk_sel. At reset the AON counts the LFROSC / 5; the
 * board's 32.768 kHz psdlfaltclk is selected with this. */
#define LFCLKMUX_EXTERNAL 1u

/* PRCI */
#define PRCI_BASE 0x10008000u
#define PRCI_HFROSCCFG (PRCI_BASE + 0x00)
#define PRCI_HFXOSCCFG (PRCI_BASE + 0x04)
#define PRCI_PLLCFG (PRCI_BASE + 0x08)
#define PRCI_PLLOUTDIV (PRCI_BASE + 0x0c)
#define OSC_EN (1u << 30)
#define OSC_RDY (1u << 31)
#define PLL_R(x) ((x) & 0x7u)
#define PLL_F(x) (((x) & 0x3fu) << 4)
#define PLL_Q(x) (((x) & 0x3u) << 10)
#define PLL_SEL (1u << 16)
#define PLL_REFSEL (1u << 17)
#define PLL_BYPASS (1u << 18)
#define PLL_LOCK (1u << 31)
#define PLLOUT_DIVBY1 (1u << 8)

/* UART0 (sifive,uart0) */
#define UART0_BASE 0x10013000u
#define UART_TXDATA 0x00
#define UART_TXCTRL 0x08
#define UART_IP 0x14
#define UART_DIV 0x18
#define UART_TXDATA_FULL (1u << 31)
#define UART_TXEN 1u
#define UART_TXCNT(n) ((uint32_t)(n) << 16)
#define UART_IP_TXWM 1u

/* The exit device of the test board (sifive,test0), not on the real one. */
#define TEST_BASE 0x04000000u
#define TEST_PASS 0x5555u
#define TEST_FAIL 0x3333u

void uart_putc(char c);
/* Waits for UART0 to send everything, then ends the simulation through
 * the test board's exit device with this status; on a board without one
 * (hifive1-revb), status 0 puts the chip into deep sleep (the run ends
 * with 0) and any other stops the hart (mcusim reports a fault). */
void board_exit(int status) __attribute__((noreturn));

static inline uint32_t read_mcycle(void)
{
    uint32_t v;
    __asm__ volatile("csrr %0, mcycle" : "=r"(v));
    return v;
}

static inline uint64_t clint_mtime(void)
{
    uint32_t hi, lo;
    do {
        hi = MMIO32(CLINT_MTIME + 4);
        lo = MMIO32(CLINT_MTIME);
    } while (MMIO32(CLINT_MTIME + 4) != hi);
    return (uint64_t)hi << 32 | lo;
}

#endif
