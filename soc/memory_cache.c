#include "soc/memory_cache.h"

#include <string.h>

static void cache_invalidate(void *opaque)
{
    mem_cache_flush(opaque);
}

void mem_cache_init(MemCache *cache, MemorySystem *ms)
{
    memset(cache, 0, sizeof *cache);
    cache->ms = ms;
    memory_add_listener(ms, cache_invalidate, cache);
}

void mem_cache_destroy(MemCache *cache)
{
    memory_remove_listener(cache->ms, cache_invalidate, cache);
    cache->valid = 0;
}

void mem_cache_flush(MemCache *cache)
{
    cache->valid = 0;
    cache->victim = 0;
}

const MemRange *mem_cache_fill(MemCache *cache, uint32_t addr, unsigned size)
{
    MemRange range;
    cache->misses++;
    if (!memory_lookup(cache->ms, addr, &range))
        return NULL;
    if ((uint64_t)addr + size - 1 > range.last)
        return NULL;
    unsigned way;
    if (cache->valid < MEM_CACHE_WAYS) {
        way = cache->valid++;
    } else {
        way = cache->victim;
        cache->victim = (cache->victim + 1) % MEM_CACHE_WAYS;
    }
    cache->ways[way] = range;
    return &cache->ways[way];
}
