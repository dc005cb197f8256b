/* Benchmark: CRC-32 (IEEE 802.3, reflected, polynomial 0xedb88320). Builds
 * the 256-entry table bit by bit, checks the standard test vector
 * ("123456789" -> 0xcbf43926), then runs the table-driven CRC over a 16 KiB
 * buffer of xorshift32 data many times. Each pass stores its CRC into the
 * buffer, so every pass sees different data and depends on the last.
 *
 * The same source is compiled for the host by tests/bench/run_bench.py
 * (-DHOST) to get the expected checksum; keep it free of undefined and
 * implementation-defined behaviour. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "crc32_table.h"

#define BUF_SIZE 16384u
#define PASSES 600u

static uint8_t buffer[BUF_SIZE];

int main(void)
{
    crc32_make_table();
    static const uint8_t vector[] = "123456789";
    uint32_t check = crc32_update(0, vector, sizeof vector - 1);
    if (check != 0xcbf43926u) {
        printf("crc32: test vector gave 0x%08lx\n", (unsigned long)check);
        return 1;
    }

    uint32_t x = 0x9e3779b9u;
    for (uint32_t i = 0; i < BUF_SIZE; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        buffer[i] = (uint8_t)(x >> 24);
    }

    uint32_t crc = 0;
    for (uint32_t pass = 0; pass < PASSES; pass++) {
        crc = crc32_update(crc, buffer, BUF_SIZE);
        uint32_t at = (crc >> 4) % (BUF_SIZE - 4u);
        buffer[at] = (uint8_t)crc;
        buffer[at + 1] = (uint8_t)(crc >> 8);
        buffer[at + 2] = (uint8_t)(crc >> 16);
        buffer[at + 3] = (uint8_t)(crc >> 24);
    }
    printf("crc32: checksum 0x%08lx\n", (unsigned long)crc);
    return 0;
}
