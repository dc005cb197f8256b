/* A small cache of recently used flat ranges for the CPU's accesses.
 *
 * A hit costs a few compares; RAM/ROM hits give a host pointer, MMIO hits
 * the range to hand to memory_mmio_read/write. The cache registers itself
 * as a memory listener and is emptied by every commit, so it never names a
 * range of an old view. The cache does not own the memory system.
 */
#ifndef SOC_MEMORY_CACHE_H
#define SOC_MEMORY_CACHE_H

#include "soc/memory.h"

#define MEM_CACHE_WAYS 4

typedef struct MemCache {
    MemRange ways[MEM_CACHE_WAYS];
    unsigned valid;  /* ways[0..valid) hold ranges */
    unsigned victim; /* next way to replace once full */
    MemorySystem *ms;
    uint64_t misses;
} MemCache;

void mem_cache_init(MemCache *cache, MemorySystem *ms);
void mem_cache_destroy(MemCache *cache);
void mem_cache_flush(MemCache *cache);

/* Looks the address up in the flat view and keeps the range. NULL when
 * [addr, addr + size) is not inside one mapped range. */
const MemRange *mem_cache_fill(MemCache *cache, uint32_t addr, unsigned size);

/* The range holding all of [addr, addr + size), or NULL. */
static inline const MemRange *mem_cache_find(MemCache *cache, uint32_t addr,
                                             unsigned size)
{
    for (unsigned i = 0; i < cache->valid; i++) {
        const MemRange *r = &cache->ways[i];
        uint32_t offset = addr - r->start;
        uint32_t span = r->last - r->start;
        if (offset <= span && size - 1 <= span - offset)
            return r;
    }
    return mem_cache_fill(cache, addr, size);
}

#endif
