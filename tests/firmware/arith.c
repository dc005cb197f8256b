/* Self-checking integer work: libgcc and newlib routines that exercise the
 * M and C extensions (64-bit division, qsort, formatted output). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int compare_ints(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static uint32_t crc32(const uint8_t *data, size_t len)
{
    uint32_t crc = 0xffffffffu;
    for (size_t i = 0; i < len; i++) {
        crc ^= data[i];
        for (int bit = 0; bit < 8; bit++)
            crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
    }
    return ~crc;
}

int main(void)
{
    int values[16];
    uint32_t seed = 12345;
    for (int i = 0; i < 16; i++) {
        seed = seed * 1103515245u + 12345u;
        values[i] = (int)(seed >> 16) % 1000 - 500;
    }
    qsort(values, 16, sizeof values[0], compare_ints);
    for (int i = 1; i < 16; i++)
        if (values[i - 1] > values[i])
            return 1;
    int64_t big = 0x123456789abcdefll;
    printf("sorted: min %d max %d\n", values[0], values[15]);
    /* newlib-nano's printf has no %lld: print 64-bit values as two halves. */
    int64_t quotient = big / 1000, remainder = big % 1000;
    printf("64-bit: 0x%08lx%08lx / 1000 = 0x%08lx%08lx rem %ld\n",
           (unsigned long)(big >> 32), (unsigned long)big,
           (unsigned long)(quotient >> 32), (unsigned long)quotient,
           (long)remainder);
    printf("crc32(\"123456789\") = 0x%08lx\n",
           (unsigned long)crc32((const uint8_t *)"123456789", 9));
    printf("div: %d %d %u\n", -7 / 2, -7 % 2, 0xffffffffu / 3u);
    return crc32((const uint8_t *)"123456789", 9) == 0xcbf43926u ? 0 : 2;
}
