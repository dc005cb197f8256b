/* CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320: what zlib and PNG
 * compute), the checksum of snapshot and record files and of the state
 * strings inside them. */
#ifndef SOC_CRC32_H
#define SOC_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* The CRC of what `crc` covered followed by len bytes at data; start
 * from 0 (crc32_update(0, "123456789", 9) == 0xcbf43926). */
uint32_t crc32_update(uint32_t crc, const void *data, size_t len);

static inline uint32_t crc32_of(const void *data, size_t len)
{
    return crc32_update(0, data, len);
}

#endif
