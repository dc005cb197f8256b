/* More distinct guest diagnostics than mcusim shows on stderr: 17 reads
 * of offsets where no register is (+0x100 on) in each of eight FE310
 * blocks (each reports its first 16 such offsets, then that further
 * accesses go unreported): 136 distinct lines. stderr shows the first
 * 100 and then one line saying the rest are not shown; a trace lists
 * them all (see tests/cli_cases.py). */
#include <stdio.h>
#include <stdint.h>
#include "board.h"

static const uint32_t blocks[] = {
    0x10010000u, /* otpctrl */
    0x10014000u, /* qspi0 */
    0x10015000u, /* pwm0 */
    0x10016000u, /* i2c0 */
    0x10024000u, /* spi1 */
    0x10025000u, /* pwm1 */
    0x10034000u, /* spi2 */
    0x10035000u, /* pwm2 */
};

int main(void)
{
    uint32_t sum = 0;
    for (unsigned b = 0; b < sizeof blocks / sizeof blocks[0]; b++)
        for (uint32_t r = 0; r < 17; r++)
            sum += MMIO32(blocks[b] + 0x100 + 4 * r);
    printf("136 reads where no register is, all zero: %s\n", sum == 0 ? "yes" : "no");
    return 0;
}
