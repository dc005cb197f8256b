/* Decoded code: which bytes of RAM/ROM a cache of decoded instructions
 * was built from, and the one place every write of backing memory is
 * reported (soc/memory.h, "Decoded code"), which is also where snapshots
 * learn which pages were written (memory_pages.c).
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

uint64_t *memory_code_bitmap_new(uint64_t size)
{
    uint64_t chunks = (size + MEMORY_CODE_CHUNK - 1) >> MEMORY_CODE_CHUNK_SHIFT;
    return calloc((size_t)((chunks + 63) / 64), sizeof(uint64_t));
}

void memory_add_code_listener(MemorySystem *ms, MemoryCodeListener fn, void *opaque)
{
    listener_list_add(&ms->code_listeners, (ListenerFn)fn, opaque);
}

void memory_remove_code_listener(MemorySystem *ms, MemoryCodeListener fn,
                                 void *opaque)
{
    listener_list_remove(&ms->code_listeners, (ListenerFn)fn, opaque);
}

/* What a code listener hears: the host bytes written. */
typedef struct CodeWrite {
    const uint8_t *host;
    size_t len;
} CodeWrite;

static void call_code_listener(const Listener *l, void *arg)
{
    const CodeWrite *w = arg;
    ((MemoryCodeListener)l->fn)(l->opaque, w->host, w->len);
}

/* The bitmap is always reached through the region here (range->code is
 * the same pointer, there for the inline memory_range_has_code). */
void memory_code_mark(const MemRange *range, uint32_t addr, uint32_t len)
{
    if (len == 0)
        return; /* nothing was decoded (and offset + len - 1 would wrap) */
    MemoryRegion *mr = range->mr;
    uint64_t offset = range->offset + (addr - range->start);
    if (offset >= mr->size || len > mr->size - offset)
        MEM_BUG("code marked at 0x%llx, 0x%x bytes, outside '%s' (0x%llx bytes)",
                (unsigned long long)offset, len, mr->name,
                (unsigned long long)mr->size);
    uint64_t first = offset >> MEMORY_CODE_CHUNK_SHIFT;
    uint64_t last = (offset + len - 1) >> MEMORY_CODE_CHUNK_SHIFT;
    for (uint64_t chunk = first; chunk <= last; chunk++)
        mr->code[chunk >> 6] |= 1ull << (chunk & 63);
    if (mr->track) /* a snapshot tracks the region: code is kept apart */
        for (uint64_t chunk = first; chunk <= last; chunk++)
            mr->track->held[chunk >> 6] |= 1ull << (chunk & 63);
}

/* A tracked chunk whose report bit is set was written: with tracking
 * the bit also stands for "not written since the baseline", so the page
 * is noted dirty, and only code held there is news. True when it was.
 * Out of line: the loop below, untracked, stays as short as it was. */
__attribute__((noinline)) static bool tracked_code_written(MemoryRegion *mr, uint64_t chunk)
{
    uint64_t bit = 1ull << (chunk & 63);
    PageTrack *t = mr->track;
    page_track_written(mr, chunk);
    if (!(t->held[chunk >> 6] & bit))
        return false;
    t->held[chunk >> 6] &= ~bit;
    return true;
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
        if (__builtin_expect(mr->track != NULL, 0) && !tracked_code_written(mr, chunk))
            continue; /* no code there: only the tracking heard of it */
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
    CodeWrite w = {mr->host + start, (size_t)(end - start)};
    listener_list_notify(&ms->code_listeners, call_code_listener, &w);
    return true;
}

bool memory_code_written(MemorySystem *ms, const MemRange *range, uint32_t addr,
                         uint32_t len)
{
    return region_code_written(ms, range->mr, range->offset + (addr - range->start), len);
}

bool memory_region_code_written(MemorySystem *ms, MemoryRegion *mr,
                                uint64_t offset, uint64_t len)
{
    if ((mr->kind != REGION_RAM && mr->kind != REGION_ROM) || offset > mr->size ||
        len > mr->size - offset)
        MEM_BUG("code write reported at 0x%llx, 0x%llx bytes, of '%s' (%s, "
                "0x%llx bytes)", (unsigned long long)offset,
                (unsigned long long)len, mr->name, region_kind_name(mr->kind),
                (unsigned long long)mr->size);
    return region_code_written(ms, mr, offset, len);
}

/* ---- host-side access to guest RAM ---- */

/* RAM and ROM only, never a device; every range checked before the first
 * byte is copied. */
bool memory_ram_read(MemorySystem *ms, uint32_t addr, void *buf, size_t len)
{
    return memory_span_copy(ms, addr, buf, len, SPAN_ALL_OR_NOTHING, NULL);
}

/* Writable RAM only. */
bool memory_ram_write(MemorySystem *ms, uint32_t addr, const void *buf, size_t len)
{
    /* Only read from: SPAN_WRITE copies out of buf. */
    return memory_span_copy(ms, addr, (uint8_t *)buf, len,
                            SPAN_WRITE | SPAN_ALL_OR_NOTHING, NULL);
}
