/* The flat view (rule R6/R7) and the access paths through it: guest
 * accesses for the CPU and side-effect-free debugger accesses. */
#include "soc/memory_internal.h"

#include <string.h>

#define ADDRESS_SPACE_END (1ULL << 32)
#define MAX_RENDER_DEPTH 64

/* ---- rendering ---- */

/* First range whose end lies above addr. */
static size_t first_ending_after(const FlatView *v, uint64_t addr)
{
    size_t lo = 0, hi = v->nranges;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v->ranges[mid].end <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void insert_range(FlatView *v, size_t pos, FlatRange range)
{
    if (v->nranges == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 16;
        v->ranges = mem_xrealloc(v->ranges, v->cap, sizeof *v->ranges);
    }
    memmove(&v->ranges[pos + 1], &v->ranges[pos],
            (v->nranges - pos) * sizeof *v->ranges);
    v->ranges[pos] = range;
    v->nranges++;
}

/* Shows mr (placed at `origin`) in every part of [lo, hi) that nothing
 * rendered before it covers: what came first had higher priority. */
static void fill_holes(FlatView *v, MemoryRegion *mr, int64_t origin,
                       uint64_t lo, uint64_t hi, bool readonly)
{
    size_t i = first_ending_after(v, lo);
    uint64_t pos = lo;
    while (pos < hi) {
        if (i < v->nranges && v->ranges[i].start <= pos) {
            pos = v->ranges[i].end;
            i++;
            continue;
        }
        uint64_t gap_end = hi;
        if (i < v->nranges && v->ranges[i].start < hi)
            gap_end = v->ranges[i].start;
        insert_range(v, i, (FlatRange){
            .start = pos,
            .end = gap_end,
            .mr = mr,
            .offset = (uint64_t)((int64_t)pos - origin),
            .readonly = readonly,
        });
        i++;
        pos = gap_end;
    }
}

static void render(FlatView *v, MemoryRegion *mr, int64_t origin, uint64_t lo,
                   uint64_t hi, bool readonly, int depth)
{
    if (!mr->enabled)
        return;
    if (depth > MAX_RENDER_DEPTH)
        MEM_BUG("region nesting deeper than %d at '%s'", MAX_RENDER_DEPTH,
                mr->name);
    int64_t end = origin + (int64_t)mr->size;
    if (origin > (int64_t)lo)
        lo = (uint64_t)origin;
    if (end < (int64_t)hi)
        hi = end < 0 ? 0 : (uint64_t)end;
    if (lo >= hi)
        return;
    readonly = readonly || mr->readonly;
    if (mr->kind == REGION_ALIAS) {
        render(v, mr->alias_target, origin - (int64_t)mr->alias_offset, lo, hi,
               readonly, depth + 1);
        return;
    }
    for (size_t i = 0; i < mr->nsubs; i++) {
        MemoryRegion *sub = mr->subs[i];
        render(v, sub, origin + (int64_t)sub->addr, lo, hi, readonly, depth + 1);
    }
    if (region_is_terminal(mr))
        fill_holes(v, mr, origin, lo, hi, readonly);
}

static bool mergeable(const FlatRange *a, const FlatRange *b)
{
    return a->end == b->start && a->mr == b->mr && a->readonly == b->readonly &&
           a->offset + (a->end - a->start) == b->offset;
}

static void merge_adjacent(FlatView *v)
{
    if (v->nranges == 0)
        return;
    size_t out = 0;
    for (size_t i = 1; i < v->nranges; i++) {
        if (mergeable(&v->ranges[out], &v->ranges[i]))
            v->ranges[out].end = v->ranges[i].end;
        else
            v->ranges[++out] = v->ranges[i];
    }
    v->nranges = out + 1;
}

FlatView *flatview_build(MemorySystem *ms)
{
    FlatView *v = calloc(1, sizeof *v);
    if (!v)
        abort();
    if (ms->root)
        render(v, ms->root, 0, 0, ADDRESS_SPACE_END, false, 0);
    merge_adjacent(v);
    return v;
}

void flatview_discard(FlatView *v)
{
    free(v->ranges);
    free(v);
}

FlatView *flatview_render(MemorySystem *ms)
{
    FlatView *v = flatview_build(ms);
    for (size_t i = 0; i < v->nranges; i++)
        owner_ref_internal(v->ranges[i].mr->owner);
    return v;
}

/* Each range holds its own reference, so an owner stays alive until the
 * last of its ranges is released. */
void flatview_free(FlatView *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->nranges; i++)
        owner_unref_internal(v->ranges[i].mr->owner);
    flatview_discard(v);
}

void memory_release_deferred(MemorySystem *ms)
{
    if (ms->access_depth)
        return;
    while (ms->retired) {
        FlatView *v = ms->retired;
        ms->retired = v->next_retired;
        flatview_free(v);
    }
    if (ms->txn_depth)
        return;
    while (ms->nzombies)
        region_free(ms, ms->zombies[--ms->nzombies]);
}

const FlatRange *flatview_find(const FlatView *v, uint64_t addr)
{
    size_t i = first_ending_after(v, addr);
    if (i < v->nranges && v->ranges[i].start <= addr)
        return &v->ranges[i];
    return NULL;
}

/* ---- guest access ---- */

bool memory_lookup(MemorySystem *ms, uint32_t addr, MemRange *out)
{
    const FlatRange *r = flatview_find(ms->view, addr);
    if (!r)
        return false;
    *out = (MemRange){
        .start = (uint32_t)r->start,
        .last = (uint32_t)(r->end - 1),
        .host = r->mr->host ? r->mr->host + r->offset : NULL,
        .readonly = r->readonly,
        .mr = r->mr,
        .offset = r->offset,
    };
    return true;
}

static void access_end(MemorySystem *ms)
{
    if (--ms->access_depth == 0 && (ms->retired || ms->nzombies))
        memory_release_deferred(ms);
}

void memory_set_mmio_observer(MemorySystem *ms, MemoryMmioObserver fn,
                              void *opaque)
{
    ms->mmio_observer = fn;
    ms->mmio_observer_opaque = opaque;
}

/* Called while the access still holds the region (before access_end). */
static void observe(MemorySystem *ms, MemoryRegion *mr, uint32_t addr,
                    uint64_t offset, unsigned size, uint32_t value,
                    bool is_write, MemAccess result)
{
    if (ms->mmio_observer)
        ms->mmio_observer(ms->mmio_observer_opaque, mr->name, addr, offset,
                          size, value, is_write, result);
}

/* The access holds the view it started with (rule R7): a callback that
 * changes the map retires that view instead of freeing it. */
static MemAccess mmio_read(MemorySystem *ms, MemoryRegion *mr, uint32_t addr,
                           uint64_t offset, unsigned size, uint32_t *value)
{
    *value = 0;
    if (!mr->ops || !mr->ops->read) {
        observe(ms, mr, addr, offset, size, 0, false, MEM_BUS_ERROR);
        return MEM_BUS_ERROR;
    }
    ms->access_depth++;
    MemAccess result = mr->ops->read(mr->opaque, offset, size, value)
                           ? MEM_OK : MEM_BUS_ERROR;
    observe(ms, mr, addr, offset, size, *value, false, result);
    access_end(ms);
    return result;
}

static MemAccess mmio_write(MemorySystem *ms, MemoryRegion *mr, uint32_t addr,
                            uint64_t offset, unsigned size, uint32_t value)
{
    if (!mr->ops || !mr->ops->write) {
        observe(ms, mr, addr, offset, size, value, true, MEM_BUS_ERROR);
        return MEM_BUS_ERROR;
    }
    ms->access_depth++;
    MemAccess result = mr->ops->write(mr->opaque, offset, size, value)
                           ? MEM_OK : MEM_BUS_ERROR;
    observe(ms, mr, addr, offset, size, value, true, result);
    access_end(ms);
    return result;
}

MemAccess memory_mmio_read(MemorySystem *ms, const MemRange *range,
                           uint32_t addr, unsigned size, uint32_t *value)
{
    return mmio_read(ms, range->mr, addr,
                     range->offset + (addr - range->start), size, value);
}

MemAccess memory_mmio_write(MemorySystem *ms, const MemRange *range,
                            uint32_t addr, unsigned size, uint32_t value)
{
    return mmio_write(ms, range->mr, addr,
                      range->offset + (addr - range->start), size, value);
}

static uint32_t load_le(const uint8_t *p, unsigned size)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint32_t)p[i] << (8 * i);
    return v;
}

static void store_le(uint8_t *p, unsigned size, uint32_t v)
{
    for (unsigned i = 0; i < size; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static const FlatRange *find_whole(MemorySystem *ms, uint32_t addr,
                                   unsigned size)
{
    const FlatRange *r = flatview_find(ms->view, addr);
    if (!r || (uint64_t)addr + size > r->end)
        return NULL;
    return r;
}

MemAccess memory_read(MemorySystem *ms, uint32_t addr, unsigned size,
                      uint32_t *value)
{
    const FlatRange *r = find_whole(ms, addr, size);
    if (!r) {
        *value = 0;
        return MEM_UNMAPPED;
    }
    uint64_t offset = r->offset + (addr - r->start);
    if (r->mr->host) {
        *value = load_le(r->mr->host + offset, size);
        return MEM_OK;
    }
    return mmio_read(ms, r->mr, addr, offset, size, value);
}

MemAccess memory_write(MemorySystem *ms, uint32_t addr, unsigned size,
                       uint32_t value)
{
    const FlatRange *r = find_whole(ms, addr, size);
    if (!r)
        return MEM_UNMAPPED;
    if (r->readonly)
        return MEM_READONLY;
    uint64_t offset = r->offset + (addr - r->start);
    if (r->mr->host) {
        store_le(r->mr->host + offset, size, value);
        return MEM_OK;
    }
    return mmio_write(ms, r->mr, addr, offset, size, value);
}

/* ---- debugger access ---- */

static bool peek_byte(const FlatRange *r, uint64_t addr, uint8_t *out,
                      Error **errp)
{
    MemoryRegion *mr = r->mr;
    if (!mr->ops || !mr->ops->peek) {
        error_setf(errp, "cannot read 0x%08llx: MMIO region '%s' (owner '%s') "
                   "has no side-effect-free read",
                   (unsigned long long)addr, mr->name, mr->owner->name);
        return false;
    }
    uint64_t offset = r->offset + (addr - r->start);
    uint64_t word = offset & ~3ULL;
    uint32_t value;
    bool ok;
    if (word >= r->offset && word + 4 <= r->offset + (r->end - r->start)) {
        ok = mr->ops->peek(mr->opaque, word, 4, &value);
        value >>= 8 * (offset - word);
    } else {
        ok = mr->ops->peek(mr->opaque, offset, 1, &value);
    }
    if (!ok) {
        error_setf(errp, "cannot read 0x%08llx: MMIO region '%s' refused",
                   (unsigned long long)addr, mr->name);
        return false;
    }
    *out = (uint8_t)value;
    return true;
}

static const FlatRange *debug_range(MemorySystem *ms, uint64_t addr,
                                    Error **errp)
{
    const FlatRange *r = addr < ADDRESS_SPACE_END ? flatview_find(ms->view, addr)
                                                  : NULL;
    if (!r)
        error_setf(errp, "address 0x%08llx is not mapped",
                   (unsigned long long)addr);
    return r;
}

bool memory_debug_read(MemorySystem *ms, uint32_t addr, void *buf, size_t len,
                       Error **errp)
{
    uint8_t *out = buf;
    uint64_t pos = addr, end = (uint64_t)addr + len;
    while (pos < end) {
        const FlatRange *r = debug_range(ms, pos, errp);
        if (!r)
            return false;
        uint64_t chunk_end = r->end < end ? r->end : end;
        if (r->mr->host) {
            memcpy(out, r->mr->host + r->offset + (pos - r->start),
                   (size_t)(chunk_end - pos));
            out += chunk_end - pos;
            pos = chunk_end;
            continue;
        }
        for (; pos < chunk_end; pos++)
            if (!peek_byte(r, pos, out++, errp))
                return false;
    }
    return true;
}

bool memory_debug_write(MemorySystem *ms, uint32_t addr, const void *buf,
                        size_t len, Error **errp)
{
    const uint8_t *in = buf;
    uint64_t pos = addr, end = (uint64_t)addr + len;
    while (pos < end) {
        const FlatRange *r = debug_range(ms, pos, errp);
        if (!r)
            return false;
        if (!r->mr->host) {
            error_setf(errp, "cannot write 0x%08llx: it is MMIO region '%s' "
                       "(owner '%s')",
                       (unsigned long long)pos, r->mr->name, r->mr->owner->name);
            return false;
        }
        uint64_t chunk_end = r->end < end ? r->end : end;
        memcpy(r->mr->host + r->offset + (pos - r->start), in,
               (size_t)(chunk_end - pos));
        in += chunk_end - pos;
        pos = chunk_end;
    }
    return true;
}
