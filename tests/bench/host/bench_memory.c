/* Flat-view lookup speed on a board-sized map: RAM, ROM and 20 MMIO
 * devices. Prints lookups per second for the uncached path (binary search
 * of the flat view) and for the CPU's range cache on a mixed pattern. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "soc/memory.h"
#include "soc/memory_cache.h"

#define NDEVICES 20

static bool dev_read(void *opaque, uint64_t offset, unsigned size, uint32_t *v)
{
    *v = (uint32_t)offset;
    return true;
}

static const MmioOps dev_ops = {.read = dev_read, .peek = dev_read};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint32_t next_random(uint32_t *state)
{
    *state ^= *state << 13;
    *state ^= *state >> 17;
    *state ^= *state << 5;
    return *state;
}

/* Mostly RAM near a moving hot spot, one access in eight to ROM or MMIO:
 * roughly what firmware does. */
static uint32_t mixed_address(uint32_t *state, uint32_t i)
{
    uint32_t r = next_random(state);
    switch (r & 7) {
    case 0: return 0x10000000u + (r >> 16) % NDEVICES * 0x1000u + 4;
    case 1: return 0x00001000u + (r >> 8) % 0x10000u;
    default: return 0x80000000u + ((i * 4) & 0xffffu) + ((r >> 20) & 0x3fcu);
    }
}

int main(int argc, char **argv)
{
    uint64_t iterations = argc > 1 ? strtoull(argv[1], NULL, 0) : 20000000;
    MemorySystem *ms = memory_system_new();
    Owner *board = owner_new(ms, "board", NULL, NULL);
    MemoryRegion *bus = memory_region_new_container(board, "system", 1ULL << 32);
    Owner *owners[NDEVICES + 2];
    memory_begin(ms);
    owners[0] = owner_new(ms, "ram", NULL, NULL);
    owners[1] = owner_new(ms, "rom", NULL, NULL);
    memory_add_subregion(bus, 0x80000000u,
                         memory_region_new_ram(owners[0], "ram", 128u << 20, NULL), NULL);
    memory_add_subregion(bus, 0x1000u,
                         memory_region_new_rom(owners[1], "rom", 0x10000u, NULL), NULL);
    for (int i = 0; i < NDEVICES; i++) {
        char name[16];
        snprintf(name, sizeof name, "dev%d", i);
        owners[i + 2] = owner_new(ms, name, NULL, NULL);
        MemoryRegion *regs = memory_region_new_mmio(owners[i + 2], name, 0x100, &dev_ops, NULL);
        memory_add_subregion(bus, 0x10000000u + (uint32_t)i * 0x1000u, regs, NULL);
    }
    memory_set_root(ms, bus);
    memory_commit(ms);

    /* The addresses are made up front so the loops time lookups only. */
    enum { NADDR = 1 << 16 };
    static uint32_t addrs[NADDR];
    uint32_t state = 0x12345678, sink = 0;
    for (uint32_t i = 0; i < NADDR; i++)
        addrs[i] = mixed_address(&state, i);

    double t0 = now();
    for (uint64_t i = 0; i < iterations; i++) {
        MemRange r;
        if (memory_lookup(ms, addrs[i & (NADDR - 1)], &r))
            sink += r.start;
    }
    double uncached = (double)iterations / (now() - t0);

    MemCache cache;
    mem_cache_init(&cache, ms);
    t0 = now();
    for (uint64_t i = 0; i < iterations; i++) {
        const MemRange *r = mem_cache_find(&cache, addrs[i & (NADDR - 1)], 4);
        if (r)
            sink += r->start;
    }
    double cached = (double)iterations / (now() - t0);

    /* The common case: a run of RAM accesses that the first way holds. */
    t0 = now();
    for (uint64_t i = 0; i < iterations; i++) {
        const MemRange *r = mem_cache_find(&cache, 0x80000000u + ((uint32_t)i & 0xfffcu), 4);
        sink += r->start;
    }
    double ram_hits = (double)iterations / (now() - t0);

    printf("bench_memory: flat view of %zu ranges, %llu lookups each\n",
           memory_stats(ms).flat_ranges, (unsigned long long)iterations);
    printf("  uncached lookups: %.1f M/s\n", uncached / 1e6);
    printf("  cached lookups:   %.1f M/s (mixed pattern, %.2f%% misses)\n",
           cached / 1e6, 100.0 * (double)cache.misses / (double)iterations);
    printf("  cached RAM hits:  %.1f M/s\n", ram_hits / 1e6);
    mem_cache_destroy(&cache);
    for (int i = 0; i < NDEVICES + 2; i++)
        owner_unref(owners[i]);
    owner_unref(board);
    memory_system_free(ms);
    return sink == 42 ? 1 : 0; /* keeps the loops from being optimized out */
}
