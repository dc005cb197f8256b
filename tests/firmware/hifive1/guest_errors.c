/* Guest diagnostics (README "Guest diagnostics"): mistakes a device
 * tolerates but reports. Two writes to wdogcmp0 without the watchdog's key
 * (both ignored: mcusim shows the first on stderr, a trace lists both at
 * their virtual times), two reads of QSPI0 where it has no register
 * (reported once), and nine bytes written to UART1's
 * txdata without looking at its full bit (its transmitter is off, so the
 * 8-byte FIFO fills and the ninth is dropped). The run ends normally; the
 * CLI cases in tests/cli_cases.py look at stderr and the trace. */
#include <stdio.h>
#include <stdint.h>
#include "board.h"

#define QSPI0_BASE 0x10014000u
#define UART1_BASE 0x10023000u

int main(void)
{
    MMIO32(AON_WDOGCMP0) = 5; /* locked: ignored */
    MMIO32(AON_WDOGCMP0) = 6; /* again */
    uint32_t first = MMIO32(QSPI0_BASE + 0x100);
    uint32_t second = MMIO32(QSPI0_BASE + 0x100);
    for (int i = 0; i < 9; i++)
        MMIO32(UART1_BASE + UART_TXDATA) = 'a' + i;
    int full = (MMIO32(UART1_BASE + UART_TXDATA) & UART_TXDATA_FULL) != 0;
    printf("wdogcmp0 still 0x%04lx; qspi0 reads 0x%08lx twice: %s; "
           "uart1 full: %s\n", (unsigned long)MMIO32(AON_WDOGCMP0),
           (unsigned long)first, first == second ? "yes" : "no",
           full ? "yes" : "no");
    return 0;
}
