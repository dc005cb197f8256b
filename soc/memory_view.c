/* The flat view (rule R6/R7) and the access paths through it: guest
 * accesses for the CPU and side-effect-free debugger accesses. */
#include "soc/memory_internal.h"
#include "soc/alloc.h"

#include <string.h>

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

/* Rendering is two steps. The walk visits the graph in precedence order
 * (a container's subregions highest priority first, newest link first among
 * equals, then the region itself) and records each visible piece of a
 * RAM/ROM/MMIO region as a fragment numbered in visit order. The sweep then
 * goes through the address space once: at each address the lowest-numbered
 * fragment covering it wins. The walk is linear in what it visits, the
 * sweep F log F in the fragments (filling holes in a sorted array instead
 * costs a memmove per range: n^2). */
typedef struct Fragment {
    uint64_t lo, hi;  /* guest [lo, hi) */
    MemoryRegion *mr; /* RAM, ROM or MMIO */
    uint64_t offset;  /* of lo in mr */
    bool readonly;
} Fragment;

typedef struct Fragments {
    Fragment *items;
    size_t n, cap;
    uint64_t *steps; /* the view's work count: one per render() call */
} Fragments;

static void add_fragment(Fragments *f, Fragment frag)
{
    if (f->n == f->cap) {
        f->cap = f->cap ? f->cap * 2 : 16;
        f->items = xreallocarray(f->items, f->cap, sizeof *f->items);
    }
    f->items[f->n++] = frag;
}

/* Records the window [offset, offset + (hi - lo)) of mr shown at guest
 * [lo, hi). Sizes, offsets and addresses may be anything up to 2^64 - 1 (a
 * container as large as 64 bits allow, an alias near its end, a region
 * moved out of its container), so everything is unsigned and clipped
 * before it is added: nothing here can wrap. */
static void render(Fragments *f, MemoryRegion *mr, uint64_t lo, uint64_t hi,
                   uint64_t offset, bool readonly, int depth)
{
    ++*f->steps;
    if (!mr->enabled)
        return;
    if (depth > MAX_RENDER_DEPTH)
        MEM_BUG("region nesting deeper than %d at '%s'", MAX_RENDER_DEPTH,
                mr->name);
    if (offset >= mr->size)
        return;
    if (hi - lo > mr->size - offset)
        hi = lo + (mr->size - offset);
    readonly = readonly || mr->readonly;
    if (mr->kind == REGION_ALIAS) {
        /* alias_offset + the alias's size <= the target's size (checked
         * when the target was attached), and offset < the alias's size. */
        render(f, mr->alias_target, lo, hi, mr->alias_offset + offset,
               readonly, depth + 1);
        return;
    }
    uint64_t window_end = offset + (hi - lo); /* <= mr->size */
    for (size_t i = 0; i < mr->nsubs; i++) {
        MemoryRegion *sub = mr->subs[i];
        /* memory_region_set_address may have put sub anywhere. */
        uint64_t sub_end = sub->size > UINT64_MAX - sub->addr
                               ? UINT64_MAX : sub->addr + sub->size;
        uint64_t from = sub->addr > offset ? sub->addr : offset;
        uint64_t to = sub_end < window_end ? sub_end : window_end;
        if (from < to)
            render(f, sub, lo + (from - offset), lo + (to - offset),
                   from - sub->addr, readonly, depth + 1);
    }
    if (region_is_terminal(mr))
        add_fragment(f, (Fragment){lo, hi, mr, offset, readonly});
}

/* A binary heap of fragment numbers: by start address (then number), or by
 * number alone. */
typedef struct FragHeap {
    size_t *items;
    size_t n;
    const Fragment *frags;
    bool by_start;
    uint64_t *steps;
} FragHeap;

static bool heap_before(const FragHeap *h, size_t a, size_t b)
{
    if (h->by_start && h->frags[a].lo != h->frags[b].lo)
        return h->frags[a].lo < h->frags[b].lo;
    return a < b;
}

static void heap_swap(FragHeap *h, size_t i, size_t j)
{
    size_t tmp = h->items[i];
    h->items[i] = h->items[j];
    h->items[j] = tmp;
    ++*h->steps;
}

static void heap_push(FragHeap *h, size_t frag)
{
    size_t i = h->n++;
    h->items[i] = frag;
    ++*h->steps;
    while (i > 0 && heap_before(h, h->items[i], h->items[(i - 1) / 2])) {
        heap_swap(h, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static size_t heap_pop(FragHeap *h)
{
    size_t top = h->items[0];
    h->items[0] = h->items[--h->n];
    ++*h->steps;
    for (size_t i = 0;;) {
        size_t best = i, l = 2 * i + 1, r = l + 1;
        if (l < h->n && heap_before(h, h->items[l], h->items[best]))
            best = l;
        if (r < h->n && heap_before(h, h->items[r], h->items[best]))
            best = r;
        if (best == i)
            break;
        heap_swap(h, i, best);
        i = best;
    }
    return top;
}

static void append_range(FlatView *v, FlatRange range)
{
    if (v->nranges == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 16;
        v->ranges = xreallocarray(v->ranges, v->cap, sizeof *v->ranges);
    }
    v->ranges[v->nranges++] = range;
    v->steps++;
}

/* The sweep: a fragment enters the active heap when the sweep reaches its
 * start; the active one with the lowest number shows until it ends or a
 * fragment starting later may take over. Ended fragments leave the heap
 * when they come to its top. */
static void resolve(FlatView *v, const Fragments *f)
{
    size_t *space = xreallocarray(NULL, 2 * f->n, sizeof *space);
    FragHeap starts = {space, 0, f->items, true, &v->steps};
    FragHeap active = {space + f->n, 0, f->items, false, &v->steps};
    for (size_t i = 0; i < f->n; i++)
        heap_push(&starts, i);
    uint64_t pos = 0;
    while (starts.n || active.n) {
        while (starts.n && f->items[starts.items[0]].lo <= pos)
            heap_push(&active, heap_pop(&starts));
        while (active.n && f->items[active.items[0]].hi <= pos)
            heap_pop(&active);
        if (!active.n) {
            if (starts.n)
                pos = f->items[starts.items[0]].lo;
            continue;
        }
        const Fragment *win = &f->items[active.items[0]];
        uint64_t next = win->hi;
        if (starts.n && f->items[starts.items[0]].lo < next)
            next = f->items[starts.items[0]].lo;
        append_range(v, (FlatRange){
            .start = pos,
            .end = next,
            .mr = win->mr,
            .offset = win->offset + (pos - win->lo),
            .readonly = win->readonly,
        });
        pos = next;
    }
    free(space);
}

bool flatrange_mergeable(const FlatRange *a, const FlatRange *b)
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
        if (flatrange_mergeable(&v->ranges[out], &v->ranges[i]))
            v->ranges[out].end = v->ranges[i].end;
        else
            v->ranges[++out] = v->ranges[i];
    }
    v->nranges = out + 1;
}

FlatView *flatview_build(MemorySystem *ms)
{
    FlatView *v = xcalloc(1, sizeof *v);
    Fragments f = {.steps = &v->steps};
    if (ms->root)
        render(&f, ms->root, 0, ADDRESS_SPACE_END, 0, false, 0);
    resolve(v, &f);
    free(f.items);
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
    if (ms->retired) {
        /* Freeing a view may finalize owners whose hooks change the map.
         * The transaction holds that rebuild back until every retired view
         * is gone: its own release would free zombies that a view still
         * being freed here names. */
        memory_begin(ms);
        while (ms->retired) {
            FlatView *v = ms->retired;
            ms->retired = v->next_retired;
            flatview_free(v);
        }
        memory_commit(ms);
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
        .code = r->mr->code,
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

void memory_region_describe_access(const MemoryRegion *mr, uint64_t offset,
                                   uint32_t value, bool is_write, char *name,
                                   size_t name_len,
                                   char *fields, size_t fields_len)
{
    if (name_len)
        name[0] = '\0';
    if (fields_len)
        fields[0] = '\0';
    if (mr->ops && mr->ops->describe)
        mr->ops->describe(mr->opaque, offset, value, is_write, name, name_len,
                          fields, fields_len);
}

/* Called while the access still holds the region (before access_end). */
static void observe(MemorySystem *ms, MemoryRegion *mr, uint32_t addr,
                    uint64_t offset, unsigned size, uint32_t value,
                    bool is_write, MemAccess result)
{
    if (ms->mmio_observer)
        ms->mmio_observer(ms->mmio_observer_opaque, mr, addr, offset,
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
        region_code_written(ms, r->mr, offset, size);
        return MEM_OK;
    }
    return mmio_write(ms, r->mr, addr, offset, size, value);
}

/* ---- side-effect-free access: the debugger, host services ---- */

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
    uint64_t shown_end = r->offset + (r->end - r->start); /* <= mr->size */
    uint32_t value;
    bool ok;
    /* As a difference: word + 4 wraps in a region ending near 2^64. */
    if (word >= r->offset && shown_end - word >= 4) {
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

/* The range holding pos if the walk may touch it (flags as for
 * memory_span_copy); else NULL and an error naming pos. */
static const FlatRange *span_range(MemorySystem *ms, uint64_t pos,
                                   unsigned flags, Error **errp)
{
    const FlatRange *r = pos < ADDRESS_SPACE_END ? flatview_find(ms->view, pos)
                                                 : NULL;
    if (!r) {
        error_setf(errp, "address 0x%08llx is not mapped",
                   (unsigned long long)pos);
        return NULL;
    }
    bool write = flags & SPAN_WRITE;
    if (!r->mr->host && (write || !(flags & SPAN_PEEK_MMIO))) {
        error_setf(errp, "cannot %s 0x%08llx: it is MMIO region '%s' (owner '%s')",
                   write ? "write" : "read", (unsigned long long)pos,
                   r->mr->name, r->mr->owner->name);
        return NULL;
    }
    if (write && r->readonly && !(flags & SPAN_WRITE_READONLY)) {
        error_setf(errp, "cannot write 0x%08llx: '%s' is read-only",
                   (unsigned long long)pos, r->mr->name);
        return NULL;
    }
    return r;
}

/* Walks guest [start, end) range by range; with buf (the bytes for
 * [start, end)), copies too. Stops at the first byte it may not touch. */
static bool span_walk(MemorySystem *ms, uint64_t start, uint64_t end,
                      uint8_t *buf, unsigned flags, Error **errp)
{
    for (uint64_t pos = start; pos < end;) {
        const FlatRange *r = span_range(ms, pos, flags, errp);
        if (!r)
            return false;
        uint64_t stop = r->end < end ? r->end : end;
        uint8_t *at = buf ? buf + (pos - start) : NULL;
        if (at && r->mr->host) {
            uint64_t offset = r->offset + (pos - r->start);
            uint8_t *host = r->mr->host + offset;
            if (flags & SPAN_WRITE) {
                memcpy(host, at, (size_t)(stop - pos));
                region_code_written(ms, r->mr, offset, stop - pos);
            } else {
                memcpy(at, host, (size_t)(stop - pos));
            }
        } else if (at) {
            for (uint64_t p = pos; p < stop; p++)
                if (!peek_byte(r, p, at++, errp))
                    return false;
        }
        pos = stop;
    }
    return true;
}

bool memory_span_copy(MemorySystem *ms, uint32_t addr, uint8_t *buf,
                      size_t len, unsigned flags, Error **errp)
{
    /* addr + len may wrap 64 bits (an empty walk that reports success);
     * an access running past 4 GiB ends one byte after it instead, so the
     * walk stops at the first byte past the address space and names it. */
    uint64_t end = len > ADDRESS_SPACE_END - addr ? ADDRESS_SPACE_END + 1
                                                 : addr + (uint64_t)len;
    if ((flags & SPAN_ALL_OR_NOTHING) &&
        !span_walk(ms, addr, end, NULL, flags, errp))
        return false;
    return span_walk(ms, addr, end, buf, flags, errp);
}

bool memory_debug_read(MemorySystem *ms, uint32_t addr, void *buf, size_t len,
                       Error **errp)
{
    return memory_span_copy(ms, addr, buf, len, SPAN_PEEK_MMIO, errp);
}

bool memory_debug_write(MemorySystem *ms, uint32_t addr, const void *buf,
                        size_t len, Error **errp)
{
    /* Only read from: SPAN_WRITE copies out of buf. */
    return memory_span_copy(ms, addr, (uint8_t *)buf, len,
                            SPAN_WRITE | SPAN_WRITE_READONLY, errp);
}
