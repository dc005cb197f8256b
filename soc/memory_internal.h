/* Private to soc/memory*.c: the structures behind soc/memory.h. */
#ifndef SOC_MEMORY_INTERNAL_H
#define SOC_MEMORY_INTERNAL_H

#include "soc/memory.h"

#include <stdio.h>
#include <stdlib.h>

struct Owner {
    MemorySystem *ms;
    char *name;
    unsigned refcount;       /* every reason below, summed */
    unsigned external_refs;  /* owner_new + owner_ref - owner_unref */
    unsigned pins;           /* memory.c's own while it works on a region
                              * (memory_region_destroy) */
    OwnerFinalize finalize;
    void *opaque;
    MemoryRegion **regions;  /* regions this owner owns */
    size_t nregions, cap_regions;
    Owner *prev, *next;      /* the memory system's list of live owners */
    bool finalizing;
    uint64_t mark;           /* graph walks */
    unsigned audit_refs;     /* memory_audit's recount of refcount */
};

struct MemoryRegion {
    char *name;
    Owner *owner;
    RegionKind kind;
    uint64_t size;
    bool enabled;
    bool readonly;

    /* Link into the container; the container lists us in `subs`. */
    MemoryRegion *container;
    uint64_t addr;
    int priority;
    uint64_t link_seq;       /* later links win ties */

    /* Subregions ordered as rendered: priority descending, then newest
     * link first. */
    MemoryRegion **subs;
    size_t nsubs, cap_subs;

    uint8_t *host;           /* RAM/ROM contents */
    /* RAM/ROM: a bit per chunk whose writes must be reported: holding
     * decoded code, or (with track) not written since the baseline. */
    uint64_t *code;
    /* Snapshots (memory_pages.c): NULL until the first capture or restore. */
    struct PageTrack *track;
    const MmioOps *ops;
    void *opaque;

    MemoryRegion *alias_target;
    uint64_t alias_offset;
    /* The target has another owner, so this alias holds a reference on it.
     * Kept here because a same-owner target may be freed first when the
     * owner dies, and must not be read then. */
    bool alias_holds_ref;
    unsigned alias_users;    /* aliases pointing at this region */

    /* memory_region_destroy took it out of the graph: a zombie until no
     * view can name it. The API refuses it from then on. */
    bool destroyed;

    uint64_t mark;           /* graph walks */
    unsigned audit_users;    /* memory_audit's recount of alias_users */
};

typedef struct FlatRange {
    uint64_t start, end;     /* [start, end) in the guest address space */
    MemoryRegion *mr;        /* RAM, ROM or MMIO */
    uint64_t offset;         /* of `start` within mr */
    bool readonly;
} FlatRange;

struct FlatView {
    FlatRange *ranges;
    size_t nranges, cap;
    FlatView *next_retired;
    uint64_t steps;          /* work rendering it took, counted so tests
                              * can bound it */
};

/* Listeners of one kind: flat-view rebuilds (MemoryListener) or code
 * writes (MemoryCodeListener). fn is the kind's own function type, cast to
 * the generic one and back by the kind's caller. */
typedef void (*ListenerFn)(void);

typedef struct Listener {
    ListenerFn fn;           /* NULL: a hole left by a removal while told */
    void *opaque;
} Listener;

typedef struct ListenerList {
    Listener *items;
    size_t n;
    unsigned notifying;      /* being told: removal leaves a hole, filled
                              * once all have heard */
} ListenerList;

struct MemorySystem {
    Owner *owners;
    size_t nowners, nregions;
    MemoryRegion *root;
    FlatView *view;
    FlatView *retired;       /* views an access in progress may still use */
    MemoryRegion **zombies;  /* destroyed regions a view may still name */
    size_t nzombies;         /* grown by one per destroy: emptied when the
                              * last transaction or access ends, it stays short */
    unsigned txn_depth;
    bool dirty;
    unsigned access_depth;
    uint64_t rebuilds;
    uint64_t link_seq;
    uint64_t mark_gen;
    uint64_t audit_visits;   /* nodes memory_audit looked at, all runs: its
                              * work, counted so tests can bound it */
    uint64_t shuffle_state;
    ListenerList listeners;      /* hear of every rebuild */
    ListenerList code_listeners; /* hear of writes to decoded code */
    MemoryMmioObserver mmio_observer; /* tracing; NULL when off */
    void *mmio_observer_opaque;
};

/* The guest's 32-bit bus: [0, ADDRESS_SPACE_END). */
#define ADDRESS_SPACE_END (1ULL << 32)

/* A simulator bug: report and abort (rule violations the API makes
 * unreachable; reaching one means memory.c itself is wrong). */
#define MEM_BUG(...)                                                        \
    do {                                                                    \
        fprintf(stderr, "memory: internal error: " __VA_ARGS__);            \
        fputc('\n', stderr);                                                \
        abort();                                                            \
    } while (0)

bool region_is_terminal(const MemoryRegion *mr);
const char *region_kind_name(RegionKind kind);

/* memory_view.c */
/* A view with a reference on every owner it names (R7). */
FlatView *flatview_render(MemorySystem *ms);
/* The same ranges without references, for the audit to compare. */
FlatView *flatview_build(MemorySystem *ms);
void flatview_discard(FlatView *view);
void flatview_free(FlatView *view);
const FlatRange *flatview_find(const FlatView *view, uint64_t addr);
/* b continues a: adjacent, the same region and offsets, the same access. */
bool flatrange_mergeable(const FlatRange *a, const FlatRange *b);
/* Frees retired views and zombie regions once nothing can use them: views
 * when no access is in progress, zombies also only outside transactions and
 * after every view has gone (a hook run while freeing views may change the
 * map; its rebuild waits for the last view). */
void memory_release_deferred(MemorySystem *ms);
/* How memory_span_copy treats what it meets. */
enum {
    SPAN_WRITE = 1 << 0,          /* from buf into guest memory, else out */
    SPAN_PEEK_MMIO = 1 << 1,      /* read MMIO through `peek`, else refuse it */
    SPAN_WRITE_READONLY = 1 << 2, /* write ROM and read-only ranges too */
    SPAN_ALL_OR_NOTHING = 1 << 3, /* check every byte before copying one */
};
/* The one walk of guest [addr, addr + len) for the paths without side
 * effects (debugger, host services): RAM/ROM copied directly (writes
 * reported as code writes), MMIO only peeked. False at the first byte it
 * may not touch, with an error naming it (0x100000000 for an access
 * running past 4 GiB, whatever len is); the bytes before it are copied
 * unless SPAN_ALL_OR_NOTHING. buf is only read from with SPAN_WRITE. */
bool memory_span_copy(MemorySystem *ms, uint32_t addr, uint8_t *buf,
                      size_t len, unsigned flags, Error **errp);

/* memory_pages.c */
/* A region's dirty tracking since its baseline (NULL: none yet). */
typedef struct PageTrack {
    uint64_t *held;          /* a bit per chunk holding decoded code */
    uint64_t *dirty;         /* a bit per page written since the baseline */
    uint32_t *dirty_list;    /* those pages, each once */
    size_t ndirty, cap_dirty;
    struct MemoryPages *baseline; /* the region's reference */
    MemoryPagesStats stats;
} PageTrack;
/* A tracked page was written (its report bit was set): notes it dirty and
 * stops reports from its chunks that hold no code. */
void page_track_written(MemoryRegion *mr, uint64_t chunk);
/* Drops the tracking and the baseline reference (region_free). */
void page_track_free(MemoryRegion *mr);

/* memory_code.c */
/* The decoded-code bitmap for a RAM/ROM region of `size` bytes; NULL when
 * out of memory. */
uint64_t *memory_code_bitmap_new(uint64_t size);
/* memory_code_written for a write at `offset` in a RAM/ROM region. */
bool region_code_written(MemorySystem *ms, MemoryRegion *mr, uint64_t offset,
                         uint64_t len);

/* memory_listeners.c */
void listener_list_add(ListenerList *list, ListenerFn fn, void *opaque);
/* Removes the first listener with fn and opaque; nothing if none. */
void listener_list_remove(ListenerList *list, ListenerFn fn, void *opaque);
/* Calls call(listener, arg) for each listener, in the order they were
 * added; any of them may add or remove listeners meanwhile. */
void listener_list_notify(ListenerList *list,
                          void (*call)(const Listener *listener, void *arg),
                          void *arg);

/* memory.c */
void region_free(MemorySystem *ms, MemoryRegion *mr);
void owner_ref_internal(Owner *owner);
void owner_unref_internal(Owner *owner);

#endif
