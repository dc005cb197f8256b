/* Clock setup on the HiFive1 Rev B the way SiFive's SDK does it: restart
 * the 16 MHz crystal oscillator and wait for hfxoscrdy, program the PLL
 * for 320 MHz from it (16 MHz / 2 * 80 / 2), leave bypass and wait for
 * plllock, then select the PLL. Both waits must end, after the PRCI's
 * delays in virtual time (1 ms and 100 us by default). */
#include <stdio.h>
#include <stdint.h>
#include "board.h"

/* Polls `addr` until `bit` is set; returns the cycles it took. */
static uint32_t wait_for(uint32_t addr, uint32_t bit)
{
    uint32_t start = read_mcycle();
    while (!(MMIO32(addr) & bit))
        ;
    return read_mcycle() - start;
}

int main(void)
{
    printf("reset: hfrosccfg 0x%08lx hfxosccfg 0x%08lx pllcfg 0x%08lx\n",
           (unsigned long)MMIO32(PRCI_HFROSCCFG),
           (unsigned long)MMIO32(PRCI_HFXOSCCFG),
           (unsigned long)MMIO32(PRCI_PLLCFG));

    /* run from the ring oscillator while the rest is reconfigured */
    MMIO32(PRCI_PLLCFG) &= ~PLL_SEL;
    MMIO32(PRCI_HFXOSCCFG) = 0;
    printf("hfxosc off: ready %s\n",
           MMIO32(PRCI_HFXOSCCFG) & OSC_RDY ? "yes" : "no");
    MMIO32(PRCI_HFXOSCCFG) = OSC_EN;
    uint32_t xosc = wait_for(PRCI_HFXOSCCFG, OSC_RDY);
    printf("hfxosc ready after 1 ms: %s\n",
           xosc >= 15950 && xosc < 16100 ? "yes" : "no");

    uint32_t cfg = PLL_REFSEL | PLL_R(1) | PLL_F(39) | PLL_Q(1);
    MMIO32(PRCI_PLLCFG) = cfg | PLL_BYPASS;
    MMIO32(PRCI_PLLOUTDIV) = PLLOUT_DIVBY1;
    printf("bypassed: locked %s\n",
           MMIO32(PRCI_PLLCFG) & PLL_LOCK ? "yes" : "no");
    MMIO32(PRCI_PLLCFG) = cfg;
    uint32_t pll = wait_for(PRCI_PLLCFG, PLL_LOCK);
    printf("pll locked after 100 us: %s\n",
           pll >= 1550 && pll < 1700 ? "yes" : "no");
    MMIO32(PRCI_PLLCFG) = cfg | PLL_SEL;
    printf("pllcfg 0x%08lx plloutdiv 0x%08lx: hfclk = 320 MHz from the PLL\n",
           (unsigned long)MMIO32(PRCI_PLLCFG),
           (unsigned long)MMIO32(PRCI_PLLOUTDIV));
    return 0;
}
