/* Snapshots of RAM/ROM contents (soc/memory.h, "Snapshots: memory
 * contents"): captures in shared pages, dirty tracking, restores.
 *
 * A capture is a two-level table: directories of DIR_PAGES page pointers,
 * each directory and each page copy reference-counted, so captures of one
 * region share what did not change between them and a capture copies only
 * the directories and pages that did (copy-on-write of the table). A NULL
 * directory or page is all zero.
 *
 * Tracking: the first capture or restore of a region gives it a PageTrack.
 * From then on the region's report bitmap (MemoryRegion.code, which the
 * CPU's fast paths and translated stores test) has a chunk's bit set while
 * the chunk holds decoded code OR its page was not written since the
 * baseline; `held` keeps which chunks hold code, so code listeners hear
 * only of those. The first write to a page (memory_code.c calls
 * page_track_written) puts it on the dirty list and clears the report bits
 * of its chunks that hold no code: one slow store per page per capture.
 * A capture then reads only the dirty pages, and rebasing sets their bits
 * again: work in proportion to what was written, not to the region.
 */
#include "soc/memory_internal.h"
#include "soc/alloc.h"

#include <string.h>

#define DIR_SHIFT 9
#define DIR_PAGES (1u << DIR_SHIFT)
#define CHUNKS_PER_PAGE (MEMORY_PAGE_SIZE / MEMORY_CODE_CHUNK)

_Static_assert(CHUNKS_PER_PAGE == 16,
               "a report-bitmap word holds four whole pages (page_chunk_mask)");

typedef struct PageCopy {
    uint64_t refs;
    uint8_t bytes[MEMORY_PAGE_SIZE];
} PageCopy;

typedef struct PageDir {
    uint64_t refs;
    PageCopy *pages[DIR_PAGES];
} PageDir;

struct MemoryPages {
    uint64_t refs;
    uint64_t size;
    uint64_t npages;
    size_t ndirs;
    PageDir *dirs[];
};

/* ---- pages and directories ---- */

static uint64_t pages_for(uint64_t size)
{
    return (size + MEMORY_PAGE_SIZE - 1) >> MEMORY_PAGE_SHIFT;
}

/* The bytes of page `index` in a region of `size` bytes. */
static size_t page_len(uint64_t size, uint64_t index)
{
    uint64_t left = size - (index << MEMORY_PAGE_SHIFT);
    return left < MEMORY_PAGE_SIZE ? (size_t)left : MEMORY_PAGE_SIZE;
}

/* Stops at the first non-zero 256 bytes: most pages that are not zero
 * show it early. */
static bool bytes_zero(const uint8_t *p, size_t len)
{
    size_t i = 0;
    while (i + 8 <= len) {
        uint64_t acc = 0;
        size_t stop = i + 256 <= len ? i + 256 : len - (len - i) % 8;
        for (; i < stop; i += 8) {
            uint64_t word;
            memcpy(&word, p + i, 8);
            acc |= word;
        }
        if (acc)
            return false;
    }
    for (; i < len; i++)
        if (p[i])
            return false;
    return true;
}

static PageCopy *page_new(const uint8_t *bytes, size_t len)
{
    PageCopy *page = xmalloc(sizeof *page);
    page->refs = 1;
    memcpy(page->bytes, bytes, len);
    memset(page->bytes + len, 0, MEMORY_PAGE_SIZE - len);
    return page;
}

static void page_unref(PageCopy *page)
{
    if (page && --page->refs == 0)
        free(page);
}

static void dir_unref(PageDir *dir)
{
    if (!dir || --dir->refs > 0)
        return;
    for (unsigned i = 0; i < DIR_PAGES; i++)
        page_unref(dir->pages[i]);
    free(dir);
}

static MemoryPages *pages_alloc(uint64_t size)
{
    uint64_t npages = pages_for(size);
    size_t ndirs = (size_t)((npages + DIR_PAGES - 1) >> DIR_SHIFT);
    MemoryPages *pages = xcalloc(1, sizeof *pages + ndirs * sizeof pages->dirs[0]);
    pages->refs = 1;
    pages->size = size;
    pages->npages = npages;
    pages->ndirs = ndirs;
    return pages;
}

/* The same pages, sharing every directory. */
static MemoryPages *pages_clone(const MemoryPages *from)
{
    MemoryPages *pages = pages_alloc(from->size);
    for (size_t d = 0; d < from->ndirs; d++) {
        pages->dirs[d] = from->dirs[d];
        if (pages->dirs[d])
            pages->dirs[d]->refs++;
    }
    return pages;
}

static PageCopy *page_at(const MemoryPages *pages, uint64_t index)
{
    const PageDir *dir = pages->dirs[index >> DIR_SHIFT];
    return dir ? dir->pages[index & (DIR_PAGES - 1)] : NULL;
}

/* Directory d of pages, made pages' own (copied when shared). */
static PageDir *dir_private(MemoryPages *pages, size_t d)
{
    PageDir *dir = pages->dirs[d];
    if (dir && dir->refs == 1)
        return dir;
    PageDir *copy = xcalloc(1, sizeof *copy);
    copy->refs = 1;
    if (dir) {
        for (unsigned i = 0; i < DIR_PAGES; i++) {
            copy->pages[i] = dir->pages[i];
            if (copy->pages[i])
                copy->pages[i]->refs++;
        }
        dir_unref(dir);
    }
    pages->dirs[d] = copy;
    return copy;
}

/* Puts `page` (a reference handed over, or NULL: zero) at index. */
static void pages_put(MemoryPages *pages, uint64_t index, PageCopy *page)
{
    PageDir *dir = dir_private(pages, (size_t)(index >> DIR_SHIFT));
    PageCopy **slot = &dir->pages[index & (DIR_PAGES - 1)];
    page_unref(*slot);
    *slot = page;
}

/* ---- the public object ---- */

MemoryPages *memory_pages_ref(MemoryPages *pages)
{
    pages->refs++;
    return pages;
}

void memory_pages_unref(MemoryPages *pages)
{
    if (!pages || --pages->refs > 0)
        return;
    for (size_t d = 0; d < pages->ndirs; d++)
        dir_unref(pages->dirs[d]);
    free(pages);
}

uint64_t memory_pages_region_size(const MemoryPages *pages)
{
    return pages->size;
}

const uint8_t *memory_pages_page(const MemoryPages *pages, uint64_t index)
{
    if (index >= pages->npages)
        MEM_BUG("page %llu of a capture of %llu pages", (unsigned long long)index,
                (unsigned long long)pages->npages);
    const PageCopy *page = page_at(pages, index);
    return page ? page->bytes : NULL;
}

uint64_t memory_pages_private_bytes(const MemoryPages *pages, const MemoryPages *other)
{
    uint64_t bytes = 0;
    for (size_t d = 0; d < pages->ndirs; d++) {
        const PageDir *dir = pages->dirs[d];
        const PageDir *theirs = other && d < other->ndirs ? other->dirs[d] : NULL;
        if (!dir || dir == theirs)
            continue;
        for (unsigned i = 0; i < DIR_PAGES; i++) {
            uint64_t index = ((uint64_t)d << DIR_SHIFT) + i;
            if (index >= pages->npages)
                break;
            bool shared = theirs && index < other->npages && theirs->pages[i] == dir->pages[i];
            if (dir->pages[i] && !shared)
                bytes += page_len(pages->size, index);
        }
    }
    return bytes;
}

MemoryPages *memory_pages_new(uint64_t region_size)
{
    if (region_size == 0 || region_size > (1ull << 32))
        return NULL;
    return pages_alloc(region_size);
}

void memory_pages_set(MemoryPages *pages, uint64_t index, const uint8_t *bytes)
{
    if (pages->refs != 1 || index >= pages->npages)
        MEM_BUG("page %llu set in a capture of %llu pages with %llu references "
                "(only one being built may be set)", (unsigned long long)index,
                (unsigned long long)pages->npages, (unsigned long long)pages->refs);
    size_t len = page_len(pages->size, index);
    pages_put(pages, index, bytes_zero(bytes, len) ? NULL : page_new(bytes, len));
}

/* ---- tracking ---- */

static void check_storage(const MemoryRegion *mr, const char *what)
{
    if ((mr->kind != REGION_RAM && mr->kind != REGION_ROM) || mr->destroyed)
        MEM_BUG("%s region '%s' (%s%s): only live RAM and ROM have contents", what,
                mr->name, region_kind_name(mr->kind), mr->destroyed ? ", destroyed" : "");
}

/* The report bits of page's chunks (those inside the region), in the
 * bitmap word page >> 2 that holds them. */
static uint64_t page_chunk_mask(const MemoryRegion *mr, uint64_t page)
{
    uint64_t nchunks = (mr->size + MEMORY_CODE_CHUNK - 1) >> MEMORY_CODE_CHUNK_SHIFT;
    uint64_t first = page * CHUNKS_PER_PAGE;
    uint64_t count = nchunks - first < CHUNKS_PER_PAGE ? nchunks - first : CHUNKS_PER_PAGE;
    return ((1ull << count) - 1) << (first & 63);
}

void page_track_written(MemoryRegion *mr, uint64_t chunk)
{
    PageTrack *t = mr->track;
    uint64_t page = chunk / CHUNKS_PER_PAGE, bit = 1ull << (page & 63);
    if (t->dirty[page >> 6] & bit)
        return; /* only its code still reports */
    t->dirty[page >> 6] |= bit;
    if (t->ndirty == t->cap_dirty) {
        t->cap_dirty = t->cap_dirty ? 2 * t->cap_dirty : 64;
        t->dirty_list = xreallocarray(t->dirty_list, t->cap_dirty, sizeof *t->dirty_list);
    }
    t->dirty_list[t->ndirty++] = (uint32_t)page;
    uint64_t mask = page_chunk_mask(mr, page), w = chunk >> 6;
    mr->code[w] = (mr->code[w] & ~mask) | (t->held[w] & mask);
}

/* Tracking from now on: every chunk reports its next write. */
static PageTrack *track_new(MemoryRegion *mr)
{
    uint64_t nchunks = (mr->size + MEMORY_CODE_CHUNK - 1) >> MEMORY_CODE_CHUNK_SHIFT;
    size_t words = (size_t)((nchunks + 63) / 64);
    PageTrack *t = xcalloc(1, sizeof *t);
    t->held = xmalloc(words * sizeof *t->held);
    memcpy(t->held, mr->code, words * sizeof *t->held);
    t->dirty = xcalloc((size_t)((pages_for(mr->size) + 63) / 64), sizeof *t->dirty);
    memset(mr->code, 0xff, words * sizeof *mr->code);
    if (nchunks % 64)
        mr->code[words - 1] &= (1ull << (nchunks % 64)) - 1;
    mr->track = t;
    return t;
}

static bool page_dirty(const PageTrack *t, uint64_t page)
{
    return (t->dirty[page >> 6] >> (page & 63)) & 1;
}

/* `pages` (mr's contents now) becomes the baseline: no page is dirty and
 * every chunk reports its next write again. */
static void track_rebase(MemoryRegion *mr, MemoryPages *pages)
{
    PageTrack *t = mr->track;
    for (size_t k = 0; k < t->ndirty; k++) {
        uint64_t page = t->dirty_list[k];
        t->dirty[page >> 6] &= ~(1ull << (page & 63));
        mr->code[page >> 2] |= page_chunk_mask(mr, page);
    }
    t->ndirty = 0;
    memory_pages_ref(pages);
    memory_pages_unref(t->baseline);
    t->baseline = pages;
}

void page_track_free(MemoryRegion *mr)
{
    PageTrack *t = mr->track;
    if (!t)
        return;
    memory_pages_unref(t->baseline);
    free(t->held);
    free(t->dirty);
    free(t->dirty_list);
    free(t);
    mr->track = NULL;
}

MemoryPagesStats memory_pages_stats(const MemoryRegion *mr)
{
    return mr->track ? mr->track->stats : (MemoryPagesStats){0};
}

/* ---- capture ---- */

/* The first capture: every page read, zero ones left out. */
static MemoryPages *capture_all(MemoryRegion *mr, PageTrack *t)
{
    MemoryPages *pages = pages_alloc(mr->size);
    for (uint64_t index = 0; index < pages->npages; index++) {
        const uint8_t *now = mr->host + (index << MEMORY_PAGE_SHIFT);
        size_t len = page_len(mr->size, index);
        t->stats.pages_scanned++;
        if (bytes_zero(now, len))
            continue;
        pages_put(pages, index, page_new(now, len));
        t->stats.pages_copied++;
    }
    return pages;
}

/* The baseline with the dirty pages read again; a page written back to
 * what it was stays shared. */
static MemoryPages *capture_dirty(MemoryRegion *mr, PageTrack *t)
{
    MemoryPages *pages = pages_clone(t->baseline);
    for (size_t k = 0; k < t->ndirty; k++) {
        uint64_t index = t->dirty_list[k];
        const uint8_t *now = mr->host + (index << MEMORY_PAGE_SHIFT);
        size_t len = page_len(mr->size, index);
        const PageCopy *was = page_at(t->baseline, index);
        t->stats.pages_scanned++;
        bool zero = bytes_zero(now, len);
        if (was ? memcmp(was->bytes, now, len) == 0 : zero)
            continue;
        pages_put(pages, index, zero ? NULL : page_new(now, len));
        t->stats.pages_copied += !zero;
    }
    return pages;
}

MemoryPages *memory_pages_capture(MemoryRegion *mr)
{
    check_storage(mr, "captured");
    PageTrack *t = mr->track;
    MemoryPages *pages = t && t->baseline ? capture_dirty(mr, t)
                                          : capture_all(mr, t ? t : track_new(mr));
    track_rebase(mr, pages);
    mr->track->stats.captures++;
    return pages;
}

void memory_pages_track_zero(MemoryRegion *mr)
{
    check_storage(mr, "tracked");
    if (mr->track)
        return;
    track_new(mr);
    MemoryPages *zero = pages_alloc(mr->size);
    track_rebase(mr, zero); /* takes its own reference */
    memory_pages_unref(zero);
}

/* ---- restore ---- */

/* Makes page `index` of mr what `pages` holds, writing (and reporting)
 * only when it differs. */
static void restore_page(MemorySystem *ms, MemoryRegion *mr, const MemoryPages *pages,
                         uint64_t index)
{
    PageTrack *t = mr->track;
    uint64_t offset = index << MEMORY_PAGE_SHIFT;
    uint8_t *host = mr->host + offset;
    size_t len = page_len(mr->size, index);
    const PageCopy *want = page_at(pages, index);
    t->stats.pages_compared++;
    if (want ? memcmp(host, want->bytes, len) == 0 : bytes_zero(host, len))
        return; /* untouched host pages stay unbacked, code decoded from it lives */
    if (want)
        memcpy(host, want->bytes, len);
    else
        memset(host, 0, len);
    t->stats.pages_written++;
    region_code_written(ms, mr, offset, len);
}

/* Pages that may differ from `pages`: those written since the baseline,
 * then those where `pages` and the baseline hold different copies (a
 * page written meanwhile is dirty: it was done in the first pass). */
static void restore_changed(MemorySystem *ms, MemoryRegion *mr, const MemoryPages *pages)
{
    PageTrack *t = mr->track;
    const MemoryPages *base = t->baseline;
    size_t ndirty = t->ndirty;
    for (size_t k = 0; k < ndirty; k++)
        restore_page(ms, mr, pages, t->dirty_list[k]);
    for (size_t d = 0; d < pages->ndirs; d++) {
        const PageDir *want = pages->dirs[d], *had = base->dirs[d];
        if (want == had)
            continue;
        for (unsigned i = 0; i < DIR_PAGES; i++) {
            uint64_t index = ((uint64_t)d << DIR_SHIFT) + i;
            if (index >= pages->npages)
                break;
            const PageCopy *a = want ? want->pages[i] : NULL, *b = had ? had->pages[i] : NULL;
            if (a != b && !page_dirty(t, index))
                restore_page(ms, mr, pages, index);
        }
    }
}

bool memory_pages_restore(MemorySystem *ms, MemoryRegion *mr, const MemoryPages *pages,
                          Error **errp)
{
    check_storage(mr, "restored");
    if (pages->size != mr->size) {
        error_setf(errp, "memory '%s' is 0x%llx bytes, its saved contents 0x%llx", mr->name,
                   (unsigned long long)mr->size, (unsigned long long)pages->size);
        return false;
    }
    PageTrack *t = mr->track ? mr->track : track_new(mr);
    if (t->baseline) {
        restore_changed(ms, mr, pages);
    } else {
        for (uint64_t index = 0; index < pages->npages; index++)
            restore_page(ms, mr, pages, index);
    }
    /* The table is shared, never written through a baseline. */
    track_rebase(mr, (MemoryPages *)pages);
    t->stats.restores++;
    return true;
}
