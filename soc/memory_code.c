/* Decoded code: which bytes of RAM/ROM a cache of decoded instructions
 * was built from, and the one place every write of backing memory is
 * reported (soc/memory.h, "Decoded code").
 *
 * Each RAM/ROM region keeps a bit per MEMORY_CODE_CHUNK bytes of its own
 * storage. Keying by backing storage rather than guest address is what
 * makes a store through an alias, at an address where no code was ever
 * decoded, reach the code decoded from the same bytes elsewhere. A bit is
 * cleared when its chunk is written and the listeners are told, so a
 * chunk costs its writers one report per decode, and bits a cache stopped
 * caring about (it flushed everything) clear themselves on the next write.
 */
#include "soc/memory_internal.h"
#include "soc/alloc.h"

#include <string.h>

uint64_t *memory_code_bitmap_new(uint64_t size)
{
    uint64_t chunks = (size + MEMORY_CODE_CHUNK - 1) >> MEMORY_CODE_CHUNK_SHIFT;
    return calloc((size_t)((chunks + 63) / 64), sizeof(uint64_t));
}

void memory_add_code_listener(MemorySystem *ms, MemoryCodeListener fn, void *opaque)
{
    ms->code_listeners = xreallocarray(ms->code_listeners, ms->ncode_listeners + 1,
                                      sizeof *ms->code_listeners);
    ms->code_listeners[ms->ncode_listeners++] =
        (struct CodeListener){.fn = fn, .opaque = opaque};
}

/* A listener may remove itself (or another) while being told: it leaves
 * a hole until every listener has heard, so none is skipped. */
void memory_remove_code_listener(MemorySystem *ms, MemoryCodeListener fn,
                                 void *opaque)
{
    for (size_t i = 0; i < ms->ncode_listeners; i++) {
        struct CodeListener *l = &ms->code_listeners[i];
        if (l->fn == fn && l->opaque == opaque) {
            if (ms->code_notifying) {
                l->fn = NULL;
                return;
            }
            memmove(l, l + 1, (ms->ncode_listeners - i - 1) * sizeof *l);
            ms->ncode_listeners--;
            return;
        }
    }
}

static void notify_code_listeners(MemorySystem *ms, const uint8_t *host, size_t len)
{
    ms->code_notifying++;
    for (size_t i = 0; i < ms->ncode_listeners; i++)
        if (ms->code_listeners[i].fn)
            ms->code_listeners[i].fn(ms->code_listeners[i].opaque, host, len);
    if (--ms->code_notifying)
        return;
    size_t kept = 0;
    for (size_t i = 0; i < ms->ncode_listeners; i++)
        if (ms->code_listeners[i].fn)
            ms->code_listeners[kept++] = ms->code_listeners[i];
    ms->ncode_listeners = kept;
}

void memory_code_mark(const MemRange *range, uint32_t addr, uint32_t len)
{
    uint64_t offset = range->offset + (addr - range->start);
    uint64_t *bits = range->mr->code;
    for (uint64_t chunk = offset >> MEMORY_CODE_CHUNK_SHIFT;
         chunk <= (offset + len - 1) >> MEMORY_CODE_CHUNK_SHIFT; chunk++)
        bits[chunk >> 6] |= 1ull << (chunk & 63);
}

bool region_code_written(MemorySystem *ms, MemoryRegion *mr, uint64_t offset,
                         uint64_t len)
{
    if (!mr->code || len == 0)
        return false;
    uint64_t first = offset >> MEMORY_CODE_CHUNK_SHIFT;
    uint64_t last = (offset + len - 1) >> MEMORY_CODE_CHUNK_SHIFT;
    uint64_t lo = UINT64_MAX, hi = 0; /* the chunks that held code */
    for (uint64_t chunk = first; chunk <= last; chunk++) {
        uint64_t bit = 1ull << (chunk & 63);
        if (!(mr->code[chunk >> 6] & bit))
            continue;
        mr->code[chunk >> 6] &= ~bit;
        lo = chunk < lo ? chunk : lo;
        hi = chunk;
    }
    if (lo > hi)
        return false;
    uint64_t start = lo << MEMORY_CODE_CHUNK_SHIFT;
    uint64_t end = (hi + 1) << MEMORY_CODE_CHUNK_SHIFT;
    if (end > mr->size)
        end = mr->size;
    notify_code_listeners(ms, mr->host + start, (size_t)(end - start));
    return true;
}

bool memory_code_written(MemorySystem *ms, const MemRange *range, uint32_t addr,
                         uint32_t len)
{
    return region_code_written(ms, range->mr, range->offset + (addr - range->start), len);
}

/* ---- host-side access to guest RAM ---- */

/* Every range [addr, addr + len) touches is RAM or ROM (and writable RAM
 * for a write), without wrapping past 0xffffffff. */
static bool ram_span_ok(MemorySystem *ms, uint32_t addr, size_t len, bool write)
{
    if (len > (1ull << 32) - addr)
        return false;
    uint64_t pos = addr, end = (uint64_t)addr + len;
    while (pos < end) {
        MemRange r;
        if (!memory_lookup(ms, (uint32_t)pos, &r) || !r.host || (write && r.readonly))
            return false;
        pos = (uint64_t)r.last + 1;
    }
    return true;
}

static void ram_copy(MemorySystem *ms, uint32_t addr, uint8_t *buf, size_t len,
                     bool write)
{
    uint64_t pos = addr, end = (uint64_t)addr + len;
    while (pos < end) {
        MemRange r;
        memory_lookup(ms, (uint32_t)pos, &r);
        uint64_t stop = (uint64_t)r.last + 1 < end ? (uint64_t)r.last + 1 : end;
        size_t n = (size_t)(stop - pos);
        uint8_t *host = r.host + ((uint32_t)pos - r.start);
        if (write) {
            memcpy(host, buf, n);
            memory_code_written(ms, &r, (uint32_t)pos, (uint32_t)n);
        } else {
            memcpy(buf, host, n);
        }
        buf += n;
        pos = stop;
    }
}

bool memory_ram_read(MemorySystem *ms, uint32_t addr, void *buf, size_t len)
{
    if (!ram_span_ok(ms, addr, len, false))
        return false;
    ram_copy(ms, addr, buf, len, false);
    return true;
}

bool memory_ram_write(MemorySystem *ms, uint32_t addr, const void *buf, size_t len)
{
    if (!ram_span_ok(ms, addr, len, true))
        return false;
    ram_copy(ms, addr, (uint8_t *)buf, len, true);
    return true;
}
