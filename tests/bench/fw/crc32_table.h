/* CRC-32 (IEEE 802.3, reflected, polynomial 0xedb88320), table-driven:
 * shared by the benchmarks that run it (crc32.c, timer_irq.c). */
#ifndef BENCH_CRC32_TABLE_H
#define BENCH_CRC32_TABLE_H

#include <stddef.h>
#include <stdint.h>

static uint32_t crc32_table[256];

/* Builds the table bit by bit. */
static void crc32_make_table(void)
{
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int bit = 0; bit < 8; bit++)
            c = (c & 1u) ? 0xedb88320u ^ (c >> 1) : c >> 1;
        crc32_table[n] = c;
    }
}

static uint32_t crc32_update(uint32_t crc, const uint8_t *data, size_t len)
{
    crc = ~crc;
    for (size_t i = 0; i < len; i++)
        crc = crc32_table[(crc ^ data[i]) & 0xffu] ^ (crc >> 8);
    return ~crc;
}

#endif
