/* The memory API: owners, regions, containers, aliases, transactions and the
 * flat view the CPU dispatches through.
 *
 * The contract (docs/ARCHITECTURE.md states it in full, each rule has a test):
 *
 *  R1  add_subregion(container, sub) takes one reference on sub's owner when
 *      the two owners differ and none when they are the same; del_subregion
 *      drops exactly what add took.
 *  R2  When an owner's refcount reaches zero its regions are finalized in an
 *      unspecified order (memory_set_finalize_shuffle makes tests shuffle it),
 *      each detaching from a same-owner container and detaching all of its
 *      own subregions, then freed at once. Then the owner's finalize hook runs
 *      (it frees the device state), then the owner is freed.
 *  R3  A region mapped in a container of ANOTHER owner is kept alive by that
 *      link; memory_region_destroy() refuses such a region with an error
 *      naming both regions and owners. Nothing ever detaches silently across
 *      owners.
 *  R4  An alias whose target has another owner holds one reference on that
 *      owner; a same-owner alias holds none.
 *  R5  Links that would make owners keep each other alive (a cycle in the
 *      owner graph) and links that would make a region contain itself are
 *      refused with an error.
 *  R6  Changes happen inside (nestable) transactions; the outermost commit
 *      rebuilds the flat view. A mutation outside any transaction commits at
 *      once. In a container higher priority wins; at equal priority the later
 *      added wins; a pure container shows lower regions through its holes; a
 *      RAM/ROM/MMIO region with subregions shows itself through theirs.
 *      Finalize-time detaches never rebuild the view.
 *  R7  The flat view holds a reference on the owner of every region it points
 *      at. A memory access in progress keeps the view it started with alive,
 *      so an MMIO callback may reconfigure or remove its own device.
 *  R8  memory_audit() checks all of the above on the live graph, each
 *      region's count of the aliases pointing at it, and the destroyed
 *      regions waiting for views that may name them; its work is linear in
 *      owners + regions + links + flat ranges (plus one render).
 *
 * Ownership: an Owner is created with one reference held by its creator.
 * Regions belong to their owner; they are freed with it (or by
 * memory_region_destroy). Region names and owner names are copied.
 *
 * Addresses are 64-bit in the API so a 4 GiB container is expressible; the
 * guest bus is 32-bit.
 */
#ifndef SOC_MEMORY_H
#define SOC_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "soc/error.h"

typedef struct MemorySystem MemorySystem;
typedef struct Owner Owner;
typedef struct MemoryRegion MemoryRegion;
typedef struct FlatView FlatView;

typedef enum RegionKind {
    REGION_CONTAINER,
    REGION_RAM,
    REGION_ROM, /* guest read-only, debugger writable */
    REGION_MMIO,
    REGION_ALIAS,
} RegionKind;

/* MMIO callbacks see offsets relative to their region and sizes 1, 2 or 4.
 * Returning false makes the access a bus error (an access fault for the
 * guest). `peek` is optional and must have no side effects: it serves the
 * debugger. */
typedef struct MmioOps {
    bool (*read)(void *opaque, uint64_t offset, unsigned size, uint32_t *value);
    bool (*write)(void *opaque, uint64_t offset, unsigned size, uint32_t value);
    bool (*peek)(void *opaque, uint64_t offset, unsigned size, uint32_t *value);
    /* Optional, for traces: the register an access of `value` at `offset`
     * reaches ("txdata", "priority[3]") and its fields ("data=0x41"); each
     * "" when unknown. No side effects. */
    void (*describe)(void *opaque, uint64_t offset, uint32_t value, bool is_write,
                     char *name, size_t name_len, char *fields, size_t fields_len);
} MmioOps;

/* ---- The memory system: one per simulated machine. ---- */

MemorySystem *memory_system_new(void);
/* Drops the root and the flat view. Every other owner must already be gone;
 * a survivor is a leak in the caller and is reported (and aborts). */
void memory_system_free(MemorySystem *ms);

/* The address space the CPU sees is the region set as root (usually the
 * board's system bus container). The memory system holds one reference on
 * the root's owner. Passing NULL clears it. */
void memory_set_root(MemorySystem *ms, MemoryRegion *root);
MemoryRegion *memory_root(MemorySystem *ms);

/* Called after every commit that changed the flat view, so caches of it
 * (the CPU's range cache, decoded instructions) can be invalidated. */
typedef void (*MemoryListener)(void *opaque);
void memory_add_listener(MemorySystem *ms, MemoryListener fn, void *opaque);
void memory_remove_listener(MemorySystem *ms, MemoryListener fn, void *opaque);

void memory_begin(MemorySystem *ms);
void memory_commit(MemorySystem *ms);

typedef struct MemoryStats {
    uint64_t rebuilds;  /* flat view rebuilds so far */
    size_t owners;      /* live owners */
    size_t regions;     /* live regions */
    size_t flat_ranges; /* ranges in the current view */
} MemoryStats;
MemoryStats memory_stats(const MemorySystem *ms);

/* Test hook: when seed != 0, owners finalize their regions in an order
 * shuffled by a generator seeded with it. */
void memory_set_finalize_shuffle(MemorySystem *ms, uint64_t seed);

/* Checks every rule on the live graph. Returns false and an error naming
 * the first violation found. Linear in the size of the graph (see R8), so
 * it may run after every step of a test or from a debugger command; it may
 * run inside an MMIO callback or a transaction, not inside a finalize hook
 * or a listener (the graph is mid-change there: it would report that). */
bool memory_audit(MemorySystem *ms, Error **errp);

/* Writes a tree of the address space like QEMU's `info mtree` into a
 * malloc'd string the caller frees: one line per region with its range,
 * priority, kind, name and owner, then the flat view. */
char *memory_tree(MemorySystem *ms);

/* ---- Owners ---- */

typedef void (*OwnerFinalize)(void *opaque);

/* A new owner with refcount 1 (the caller's). `finalize` (may be NULL) runs
 * after the owner's regions are gone and should free `opaque`. */
Owner *owner_new(MemorySystem *ms, const char *name, OwnerFinalize finalize,
                 void *opaque);
void owner_ref(Owner *owner);
void owner_unref(Owner *owner);
const char *owner_name(const Owner *owner);
unsigned owner_refcount(const Owner *owner);
void *owner_opaque(const Owner *owner);

/* ---- Regions ---- */

MemoryRegion *memory_region_new_container(Owner *owner, const char *name,
                                          uint64_t size);
/* RAM and ROM contents are zeroed host memory owned by the region. */
MemoryRegion *memory_region_new_ram(Owner *owner, const char *name,
                                    uint64_t size, Error **errp);
MemoryRegion *memory_region_new_rom(Owner *owner, const char *name,
                                    uint64_t size, Error **errp);
MemoryRegion *memory_region_new_mmio(Owner *owner, const char *name,
                                     uint64_t size, const MmioOps *ops,
                                     void *opaque);
/* An alias shows [offset, offset + size) of target. Refused (NULL) when it
 * would make owners keep each other alive or when it lies outside target. */
MemoryRegion *memory_region_new_alias(Owner *owner, const char *name,
                                      MemoryRegion *target, uint64_t offset,
                                      uint64_t size, Error **errp);
/* Points an alias at a new target (e.g. a re-plugged device): takes the new
 * reference before dropping the old one. */
bool memory_region_set_alias_target(MemoryRegion *alias, MemoryRegion *target,
                                    uint64_t offset, Error **errp);

/* Explicitly destroys one region before its owner dies: detaches it from a
 * same-owner container and its subregions from it. Refused when it is mapped
 * in another owner's container, is the target of an alias, is the root, is
 * destroyed already, or its owner is being finalized (a hook run by the
 * owner's teardown: the owner frees it itself). Dropping the references the
 * region held may finalize other owners whose hooks release the last
 * reference on mr's own owner: that owner then dies as destroy returns,
 * never under it. A destroyed region may wait (unreachable) until no view
 * can name it; the API refuses it from the call on (from before the first
 * reference is dropped, so a hook that runs meanwhile sees it destroyed):
 * calls with an errp fail, the setters below abort. */
bool memory_region_destroy(MemoryRegion *mr, Error **errp);

/* The one range check for everything placed in an address space: a
 * board's memories and peripherals (from its file, --set or a model's
 * default size) and a subregion in its container. True when size >= 1 and
 * [offset, offset + size) lies inside [0, limit); false with an error
 * naming `what`, its range and the limit. No arithmetic here can wrap. */
bool memory_range_check(const char *what, uint64_t offset, uint64_t size,
                        uint64_t limit, Error **errp);

/* Refused (false, nothing changed) when sub does not fit inside container
 * (memory_range_check), is already mapped, would make a cycle (R5), or
 * either region is destroyed. */
bool memory_add_subregion(MemoryRegion *container, uint64_t offset,
                          MemoryRegion *sub, Error **errp);
bool memory_add_subregion_overlap(MemoryRegion *container, uint64_t offset,
                                  MemoryRegion *sub, int priority,
                                  Error **errp);
/* Removes sub from its container; a no-op returning false if not mapped
 * there. */
bool memory_del_subregion(MemoryRegion *container, MemoryRegion *sub);
/* These three cannot report an error: on a destroyed region (a caller's
 * bug) they abort with a message naming it. set_address moves mr in its
 * container, unchecked: a region moved partly or wholly out of its
 * container shows only the part inside it, wherever the offset puts it. */
void memory_region_set_address(MemoryRegion *mr, uint64_t offset);
void memory_region_set_enabled(MemoryRegion *mr, bool enabled);
void memory_region_set_readonly(MemoryRegion *mr, bool readonly);

const char *memory_region_name(const MemoryRegion *mr);
/* A destroyed region's owner may already be freed: the pointer may
 * dangle (the region waits without it until no view names it). */
Owner *memory_region_owner(const MemoryRegion *mr);
RegionKind memory_region_kind(const MemoryRegion *mr);
uint64_t memory_region_size(const MemoryRegion *mr);
uint64_t memory_region_address(const MemoryRegion *mr); /* in its container */
MemoryRegion *memory_region_container(const MemoryRegion *mr);
/* The region an alias shows, NULL for other kinds (and a destroyed one). */
MemoryRegion *memory_region_alias_target(const MemoryRegion *mr);
/* Host pointer to RAM/ROM contents, NULL for other kinds. Writes through
 * it bypass memory_code_written, so decoded code would go stale (and a
 * snapshot's capture would not see them written): it is for
 * board setup before anything is decoded (machine.c's load_image fills a
 * memory's image) and for tests. Any writer after that goes through
 * memory_debug_write or memory_ram_write, which report their writes, or
 * reports its own through memory_region_code_written. */
uint8_t *memory_region_host_ptr(MemoryRegion *mr);

/* ---- Guest access (the CPU's path) ---- */

typedef enum MemAccess {
    MEM_OK,
    MEM_UNMAPPED,  /* nothing at that address */
    MEM_READONLY,  /* store to ROM or a read-only region */
    MEM_BUS_ERROR, /* the device refused the access */
} MemAccess;

/* One flat range as a cache keeps it. For RAM/ROM, `host` points at the
 * byte for guest address `start`; otherwise host is NULL and mr/offset
 * name the MMIO region and the offset of `start` in it. */
typedef struct MemRange {
    uint32_t start;
    uint32_t last; /* inclusive, so a range can end at 0xffffffff */
    uint8_t *host;
    bool readonly;
    MemoryRegion *mr;
    uint64_t offset;
    /* RAM/ROM: the backing region's bitmap of chunks whose writes must be
     * reported (never NULL when host is set): those holding decoded code
     * and, once a capture tracks the region, those not written since (see
     * "Decoded code" and "Snapshots" below); NULL otherwise. */
    const uint64_t *code;
} MemRange;

/* Finds the flat range containing addr. False when unmapped. The range is
 * valid until the next commit (listeners hear of it). */
bool memory_lookup(MemorySystem *ms, uint32_t addr, MemRange *out);

/* Full guest accesses that go through the flat view (size 1, 2 or 4;
 * an access must not straddle two ranges: that is reported unmapped). */
MemAccess memory_read(MemorySystem *ms, uint32_t addr, unsigned size,
                      uint32_t *value);
MemAccess memory_write(MemorySystem *ms, uint32_t addr, unsigned size,
                       uint32_t value);
/* MMIO dispatch for a range already looked up; holds the view meanwhile. */
MemAccess memory_mmio_read(MemorySystem *ms, const MemRange *range,
                           uint32_t addr, unsigned size, uint32_t *value);
MemAccess memory_mmio_write(MemorySystem *ms, const MemRange *range,
                            uint32_t addr, unsigned size, uint32_t value);

/* Observes guest MMIO accesses (tracing). Called after each read or write
 * a guest access (memory_read/write, memory_mmio_read/write) made to an
 * MMIO region, inside the access (the region is still valid), with the
 * region's name, the guest address, the offset in the region, the size,
 * the value read or written and the result. RAM/ROM accesses and the
 * debugger path are not reported. NULL removes the observer. */
typedef void (*MemoryMmioObserver)(void *opaque, const MemoryRegion *region,
                                   uint32_t addr, uint64_t offset,
                                   unsigned size, uint32_t value,
                                   bool is_write, MemAccess result);
void memory_set_mmio_observer(MemorySystem *ms, MemoryMmioObserver fn,
                              void *opaque);
/* What an MMIO region's `describe` says of an access (MmioOps); both ""
 * when the region has none. For observers, inside the access. */
void memory_region_describe_access(const MemoryRegion *mr, uint64_t offset,
                                   uint32_t value, bool is_write, char *name,
                                   size_t name_len,
                                   char *fields, size_t fields_len);

/* ---- Decoded code ----
 *
 * A cache of decoded or translated instructions (the CPU's blocks) marks
 * the RAM/ROM bytes it was built from; whoever writes backing memory by
 * any path (a guest store through any alias, the debugger, host services,
 * a device) reports the write through memory_code_written, the one place
 * that tells the caches, so they drop exactly the code decoded from the
 * affected chunks. Tracked per MEMORY_CODE_CHUNK bytes of the backing
 * region, not by guest address: a write through an alias reaches code
 * decoded at every address that shows the same bytes. The paths in this
 * header (memory_write, memory_debug_write, memory_ram_write) report their
 * writes themselves; a writer holding a host pointer (the CPU's fast path)
 * must test memory_range_has_code first and report through
 * memory_code_written. */
#define MEMORY_CODE_CHUNK_SHIFT 8
#define MEMORY_CODE_CHUNK (1u << MEMORY_CODE_CHUNK_SHIFT)

/* Hears that code was written: [host, host + len) covers whole chunks
 * that held code; every decoded instruction from those bytes is stale. */
typedef void (*MemoryCodeListener)(void *opaque, const uint8_t *host, size_t len);
void memory_add_code_listener(MemorySystem *ms, MemoryCodeListener fn, void *opaque);
void memory_remove_code_listener(MemorySystem *ms, MemoryCodeListener fn,
                                 void *opaque);

/* Marks [addr, addr + len) of a RAM/ROM range as holding decoded code;
 * len 0 marks nothing. The bytes must lie inside the range's region (a
 * caller's bug otherwise: it aborts naming the region). */
void memory_code_mark(const MemRange *range, uint32_t addr, uint32_t len);

/* Whether a write to the chunk holding addr (inside range, RAM/ROM) must
 * be reported through memory_code_written: the chunk holds decoded code,
 * or a capture tracks its region and it was not written since (the name
 * is older than snapshots; before the first capture the two are one). */
static inline bool memory_range_has_code(const MemRange *range, uint32_t addr)
{
    uint64_t chunk = (range->offset + (addr - range->start)) >> MEMORY_CODE_CHUNK_SHIFT;
    return (range->code[chunk >> 6] >> (chunk & 63)) & 1;
}

/* Reports a write of [addr, addr + len) inside a RAM/ROM range (already
 * done): chunks that held code are unmarked and the code listeners hear
 * of them; a capture's tracking notes the pages as written. True when
 * there was code there (only then did a listener hear of it). */
bool memory_code_written(MemorySystem *ms, const MemRange *range, uint32_t addr,
                         uint32_t len);

/* The same report by region and offset, for a device that writes a RAM/ROM
 * region's bytes through memory_region_host_ptr while it keeps the region
 * alive (an alias of its own onto it: a SPI flash serving a board's flash
 * memory): [offset, offset + len) of mr was written. True when there was
 * code there. mr must be RAM or ROM and the bytes inside it (a caller's
 * bug otherwise: it aborts naming the region). */
bool memory_region_code_written(MemorySystem *ms, MemoryRegion *mr,
                                uint64_t offset, uint64_t len);

/* ---- Snapshots: memory contents ----
 *
 * Contents of one RAM/ROM region at one moment, in MEMORY_PAGE_SIZE pages.
 * Pages are shared, reference-counted, between captures of the same
 * region (and within a capture, pages sit in directories shared the same
 * way, so a capture that changed little costs little); a zero page is not
 * stored. A MemoryPages holds no pointer to any region: a snapshot never
 * keeps a memory alive. Not thread-safe: one thread uses a memory system
 * and its captures.
 *
 * Dirty tracking: a region remembers its baseline (its last capture or
 * restore, one reference held by the region, dropped when the region is
 * freed) and notes the pages written since through the write reports of
 * "Decoded code" (CPU stores, translated stores, memory_write,
 * memory_debug_write, memory_ram_write, memory_region_code_written): after
 * a capture every chunk's report bit is set, the first write to a page
 * clears the bits of its chunks that hold no code and marks the page
 * dirty. Code listeners still hear only of chunks that hold decoded code.
 * A region never captured or restored pays nothing. */
#define MEMORY_PAGE_SHIFT 12
#define MEMORY_PAGE_SIZE (1u << MEMORY_PAGE_SHIFT)

typedef struct MemoryPages MemoryPages;

/* Captures mr's contents now (a new reference, the caller's). Only pages
 * written since the baseline are read; the first capture of a region
 * scans it (zero pages not stored). mr must be a live RAM or ROM region
 * (a caller's bug otherwise: it aborts naming the region). */
MemoryPages *memory_pages_capture(MemoryRegion *mr);
/* Starts tracking a region known to be all zero (just created, nothing
 * written since: no image, no host pointer handed out): its baseline is
 * the all-zero contents, so its first capture reads only the pages
 * written from now on instead of scanning it (what makes the first
 * snapshot of a 128 MiB RAM cheap). A region tracked already is left as
 * it is. */
void memory_pages_track_zero(MemoryRegion *mr);
/* Makes mr's contents equal to `pages` (false, naming the region, when the
 * sizes differ: nothing changed). Only pages that may differ are looked
 * at (those written since the baseline, and those where `pages` and the
 * baseline differ; every page when mr has no baseline), and of those only
 * the ones whose bytes differ are written; every written byte is reported
 * as written (decoded code from it dies). `pages` becomes the baseline. */
bool memory_pages_restore(MemorySystem *ms, MemoryRegion *mr, const MemoryPages *pages,
                          Error **errp);
MemoryPages *memory_pages_ref(MemoryPages *pages);
void memory_pages_unref(MemoryPages *pages); /* NULL: nothing */
uint64_t memory_pages_region_size(const MemoryPages *pages);
/* Page `index` (ceil(size / MEMORY_PAGE_SIZE) of them; the last may be
 * partial: only its first size % MEMORY_PAGE_SIZE bytes count), NULL when
 * all zero. Valid while `pages` is. */
const uint8_t *memory_pages_page(const MemoryPages *pages, uint64_t index);
/* Bytes of page copies `pages` holds that `other` (may be NULL) does not
 * share at the same index: what keeping `pages` costs beside `other`. */
uint64_t memory_pages_private_bytes(const MemoryPages *pages, const MemoryPages *other);
/* Building one from a file: all zero (NULL when region_size is 0 or above
 * 4 GiB), then set page by page (bytes: the page's length, the last one's
 * the remainder; an all-zero page is not stored). Only on one built so and
 * not yet shared (a caller's bug otherwise: it aborts). */
MemoryPages *memory_pages_new(uint64_t region_size);
void memory_pages_set(MemoryPages *pages, uint64_t index, const uint8_t *bytes);

/* What captures and restores of a region did, all counted since the region
 * was made: work measured in pages, so tests can bound it. */
typedef struct MemoryPagesStats {
    uint64_t captures, restores;
    uint64_t pages_scanned;  /* pages a capture read (first: all of them) */
    uint64_t pages_copied;   /* of those, new page copies made */
    uint64_t pages_compared; /* pages a restore compared with its target */
    uint64_t pages_written;  /* of those, pages a restore wrote */
} MemoryPagesStats;
MemoryPagesStats memory_pages_stats(const MemoryRegion *mr);

/* ---- Host-side access to guest RAM: no devices ---- */

/* For services acting for the firmware (newlib and semihosting calls):
 * reads RAM and ROM, writes writable RAM only, never touches a device;
 * false at the first byte that is not so (nothing is partly written:
 * every range is checked before the first byte is copied). Writes are
 * reported to the code listeners. */
bool memory_ram_read(MemorySystem *ms, uint32_t addr, void *buf, size_t len);
bool memory_ram_write(MemorySystem *ms, uint32_t addr, const void *buf, size_t len);

/* ---- Debugger access: no side effects ---- */

/* RAM/ROM read and written directly (ROM too), MMIO read through `peek` or
 * refused. Stops at the first byte it cannot access and says which (one
 * running past 4 GiB: 0x100000000, whatever len is).
 * Writes are reported to the code listeners. */
bool memory_debug_read(MemorySystem *ms, uint32_t addr, void *buf, size_t len,
                       Error **errp);
bool memory_debug_write(MemorySystem *ms, uint32_t addr, const void *buf,
                        size_t len, Error **errp);

#endif
