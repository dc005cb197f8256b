/* Unit tests of the memory API (soc/memory.h), one or more per rule R1..R8
 * of its header comment, plus the tree dump and the debugger path.
 *
 * Every test calls memory_audit() after every step (AUDIT), and tracks the
 * death of each owner through its finalize hook (a Probe counter), so "freed
 * exactly once" and "not freed yet" are asserted, never assumed.
 *
 * Exact refcounts are asserted only where the contract fixes them: while no
 * flat view points at the owner (R1, R4, R5), or for an owner with a single
 * region in a single flat range (R7). How many references a view holds on an
 * owner with several ranges is not specified, so those tests assert deaths
 * and accesses instead. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "soc/memory.h"
#include "soc/memory_internal.h" /* audit tests corrupt and count */

/* ---- helpers ---- */

#define AUDIT(ms) audit_at((ms), __FILE__, __LINE__)

static void audit_at(MemorySystem *ms, const char *file, int line)
{
    Error *err = NULL;
    bool ok = memory_audit(ms, &err);
    if (!ok)
        print_error("%s:%d: memory_audit: %s\n", file, line,
                    err ? error_message(err) : "(returned false, no error)");
    else if (err)
        print_error("%s:%d: memory_audit returned true but set an error: %s\n",
                    file, line, error_message(err));
    bool clean = ok && !err;
    error_free(err);
    _assert_true(clean, "memory_audit(ms, &err) && !err", file, line);
}

/* The error exists and its message contains `needle` (case-insensitively
 * for addresses, whose hex digits may come in either case). */
#define ASSERT_ERROR_HAS(err, needle) error_has_at((err), (needle), __FILE__, __LINE__)

static void error_has_at(const Error *err, const char *needle, const char *file,
                         int line)
{
    bool ok = err != NULL && strcasestr(error_message(err), needle) != NULL;
    if (!ok)
        print_error("%s:%d: expected an error mentioning \"%s\", got: %s\n",
                    file, line, needle, err ? error_message(err) : "(no error)");
    _assert_true(ok, "error mentions needle", file, line);
}

#define ADD(container, offset, sub) \
    add_at((container), (offset), (sub), 0, false, __FILE__, __LINE__)
#define ADD_PRIO(container, offset, sub, prio) \
    add_at((container), (offset), (sub), (prio), true, __FILE__, __LINE__)

static void add_at(MemoryRegion *container, uint64_t offset, MemoryRegion *sub,
                   int priority, bool overlap, const char *file, int line)
{
    Error *err = NULL;
    bool ok = overlap ? memory_add_subregion_overlap(container, offset, sub,
                                                     priority, &err)
                      : memory_add_subregion(container, offset, sub, &err);
    if (!ok)
        print_error("%s:%d: adding '%s' into '%s' failed: %s\n", file, line,
                    memory_region_name(sub), memory_region_name(container),
                    err ? error_message(err) : "(no error)");
    error_free(err);
    _assert_true(ok, "memory_add_subregion", file, line);
    _assert_true(memory_region_container(sub) == container,
                 "memory_region_container(sub) == container", file, line);
}

#define ASSERT_READ(ms, addr, size, expect)                                 \
    do {                                                                    \
        uint32_t got_ = 0xdeadbeef;                                         \
        assert_int_equal(memory_read((ms), (addr), (size), &got_), MEM_OK); \
        assert_int_equal(got_, (expect));                                   \
    } while (0)

#define ASSERT_UNMAPPED(ms, addr)                                           \
    do {                                                                    \
        uint32_t got_ = 0;                                                  \
        MemRange range_;                                                    \
        assert_int_equal(memory_read((ms), (addr), 4, &got_), MEM_UNMAPPED); \
        assert_false(memory_lookup((ms), (addr), &range_));                 \
    } while (0)

/* Counts an owner's deaths: its finalize hook's opaque. When `ms` is set,
 * it also records how many regions were live when the hook ran (R2: the
 * owner's regions are gone by then). */
typedef struct Probe {
    int finalized;
    MemorySystem *ms;
    size_t regions_at_finalize;
} Probe;

static void probe_finalize(void *opaque)
{
    Probe *p = opaque;
    p->finalized++;
    if (p->ms)
        p->regions_at_finalize = memory_stats(p->ms).regions;
}

static Owner *probe_owner(MemorySystem *ms, const char *name, Probe *probe)
{
    probe->finalized = 0;
    probe->ms = NULL;
    probe->regions_at_finalize = (size_t)-1;
    Owner *o = owner_new(ms, name, probe_finalize, probe);
    assert_non_null(o);
    assert_int_equal(owner_refcount(o), 1);
    assert_string_equal(owner_name(o), name);
    assert_ptr_equal(owner_opaque(o), probe);
    return o;
}

/* A register file: a read at offset o returns tag + o; the debugger's peek
 * sees byte k as peek_base + k. */
typedef struct Regs {
    uint32_t tag;
    uint8_t peek_base;
    bool fail;
    unsigned reads, writes, peeks;
    uint64_t last_offset;
    unsigned last_size;
    uint32_t last_value;
} Regs;

static bool regs_read(void *opaque, uint64_t offset, unsigned size,
                      uint32_t *value)
{
    Regs *r = opaque;
    r->reads++;
    r->last_offset = offset;
    r->last_size = size;
    if (r->fail)
        return false;
    uint32_t v = r->tag + (uint32_t)offset;
    *value = size >= 4 ? v : v & ((1u << (8 * size)) - 1);
    return true;
}

static bool regs_write(void *opaque, uint64_t offset, unsigned size,
                       uint32_t value)
{
    Regs *r = opaque;
    r->writes++;
    r->last_offset = offset;
    r->last_size = size;
    r->last_value = value;
    return !r->fail;
}

static bool regs_peek(void *opaque, uint64_t offset, unsigned size,
                      uint32_t *value)
{
    Regs *r = opaque;
    r->peeks++;
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint32_t)(uint8_t)(r->peek_base + offset + i) << (8 * i);
    *value = v;
    return true;
}

static const MmioOps regs_ops = {regs_read, regs_write, regs_peek};
static const MmioOps regs_ops_nopeek = {regs_read, regs_write, NULL};

static MemoryRegion *new_mmio(Owner *o, const char *name, uint64_t size,
                              Regs *regs, uint32_t tag)
{
    memset(regs, 0, sizeof *regs);
    regs->tag = tag;
    regs->peek_base = 0xa0;
    MemoryRegion *mr = memory_region_new_mmio(o, name, size, &regs_ops, regs);
    assert_non_null(mr);
    assert_int_equal(memory_region_kind(mr), REGION_MMIO);
    assert_int_equal(memory_region_size(mr), size);
    assert_ptr_equal(memory_region_owner(mr), o);
    assert_string_equal(memory_region_name(mr), name);
    assert_null(memory_region_container(mr));
    assert_null(memory_region_host_ptr(mr));
    return mr;
}

static MemoryRegion *new_ram(Owner *o, const char *name, uint64_t size)
{
    Error *err = NULL;
    MemoryRegion *mr = memory_region_new_ram(o, name, size, &err);
    assert_null(err);
    assert_non_null(mr);
    assert_int_equal(memory_region_kind(mr), REGION_RAM);
    uint8_t *host = memory_region_host_ptr(mr);
    assert_non_null(host);
    for (uint64_t i = 0; i < size; i++)
        assert_int_equal(host[i], 0);
    return mr;
}

static MemoryRegion *new_alias(Owner *o, const char *name, MemoryRegion *target,
                               uint64_t offset, uint64_t size)
{
    Error *err = NULL;
    MemoryRegion *mr = memory_region_new_alias(o, name, target, offset, size, &err);
    if (!mr)
        print_error("alias '%s' refused: %s\n", name,
                    err ? error_message(err) : "(no error)");
    assert_null(err);
    assert_non_null(mr);
    assert_int_equal(memory_region_kind(mr), REGION_ALIAS);
    return mr;
}

static size_t nregions(MemorySystem *ms) { return memory_stats(ms).regions; }
static size_t nowners(MemorySystem *ms) { return memory_stats(ms).owners; }
static uint64_t nrebuilds(MemorySystem *ms) { return memory_stats(ms).rebuilds; }
static size_t nranges(MemorySystem *ms) { return memory_stats(ms).flat_ranges; }

/* A board: an owner with a 4 GiB system bus container. */
typedef struct Board {
    MemorySystem *ms;
    Owner *owner;
    Probe probe;
    MemoryRegion *bus;
} Board;

static void board_init(Board *b, bool as_root)
{
    b->ms = memory_system_new();
    assert_non_null(b->ms);
    AUDIT(b->ms);
    assert_int_equal(nowners(b->ms), 0);
    assert_int_equal(nregions(b->ms), 0);
    assert_int_equal(nranges(b->ms), 0);
    b->owner = probe_owner(b->ms, "mainboard", &b->probe);
    b->bus = memory_region_new_container(b->owner, "sysbus", 1ULL << 32);
    assert_non_null(b->bus);
    assert_int_equal(memory_region_kind(b->bus), REGION_CONTAINER);
    AUDIT(b->ms);
    if (as_root) {
        memory_set_root(b->ms, b->bus);
        assert_ptr_equal(memory_root(b->ms), b->bus);
        AUDIT(b->ms);
    }
}

/* Drops the board (if the test has not) and checks nothing is left. */
static void board_fini(Board *b)
{
    memory_set_root(b->ms, NULL);
    assert_null(memory_root(b->ms));
    AUDIT(b->ms);
    if (b->owner) {
        assert_int_equal(owner_refcount(b->owner), 1);
        owner_unref(b->owner);
        b->owner = NULL;
    }
    assert_int_equal(b->probe.finalized, 1);
    AUDIT(b->ms);
    assert_int_equal(nowners(b->ms), 0);
    assert_int_equal(nregions(b->ms), 0);
    assert_int_equal(nranges(b->ms), 0);
    memory_system_free(b->ms);
}

/* A device that keeps its own regions in its own containers:
 *
 *   top    container 0x1000
 *     0x000 regs        mmio 0x100
 *     0x800 inner       container 0x800
 *       0x000 buf         ram 0x100
 *       0x100 fifo        mmio 0x10
 *       0x200 self_alias  alias of regs [0x10, 0x20)   (same owner)
 *       0x400 shm         alias of shared [0, 0x100)   (optional, cross owner)
 */
#define DEV_REGIONS 6

typedef struct Dev {
    Owner *owner;
    Probe probe;
    Regs regs_state, fifo_state;
    MemoryRegion *top, *regs, *inner, *buf, *fifo, *self_alias, *shm;
} Dev;

static void dev_build(Dev *d, MemorySystem *ms, const char *name,
                      uint32_t tag, MemoryRegion *shared)
{
    char n[64];
    memset(d, 0, sizeof *d);
    d->owner = probe_owner(ms, name, &d->probe);
    snprintf(n, sizeof n, "%s.top", name);
    d->top = memory_region_new_container(d->owner, n, 0x1000);
    snprintf(n, sizeof n, "%s.regs", name);
    d->regs = new_mmio(d->owner, n, 0x100, &d->regs_state, tag);
    snprintf(n, sizeof n, "%s.inner", name);
    d->inner = memory_region_new_container(d->owner, n, 0x800);
    snprintf(n, sizeof n, "%s.buf", name);
    d->buf = new_ram(d->owner, n, 0x100);
    snprintf(n, sizeof n, "%s.fifo", name);
    d->fifo = new_mmio(d->owner, n, 0x10, &d->fifo_state, tag + 0x1000);
    snprintf(n, sizeof n, "%s.self_alias", name);
    d->self_alias = new_alias(d->owner, n, d->regs, 0x10, 0x10);
    AUDIT(ms);
    assert_int_equal(owner_refcount(d->owner), 1); /* R4: same-owner alias */

    ADD(d->top, 0x000, d->regs);
    ADD(d->top, 0x800, d->inner);
    ADD(d->inner, 0x000, d->buf);
    ADD(d->inner, 0x100, d->fifo);
    ADD(d->inner, 0x200, d->self_alias);
    AUDIT(ms);
    assert_int_equal(owner_refcount(d->owner), 1); /* R1: same-owner links */
    if (shared) {
        unsigned before = owner_refcount(memory_region_owner(shared));
        snprintf(n, sizeof n, "%s.shm", name);
        d->shm = new_alias(d->owner, n, shared, 0, 0x100);
        ADD(d->inner, 0x400, d->shm);
        AUDIT(ms);
        assert_int_equal(owner_refcount(memory_region_owner(shared)), before + 1);
    }
    assert_int_equal(owner_refcount(d->owner), 1);
}

/* ---- R1: links take a reference only across owners ---- */

static void test_r1_same_owner_link_takes_no_ref(void **state)
{
    (void)state;
    MemorySystem *ms = memory_system_new();
    Probe p;
    Owner *o = probe_owner(ms, "timer0", &p);
    MemoryRegion *c = memory_region_new_container(o, "timer0.c", 0x1000);
    MemoryRegion *inner = memory_region_new_container(o, "timer0.inner", 0x100);
    Regs rs;
    MemoryRegion *regs = new_mmio(o, "timer0.regs", 0x10, &rs, 0);
    MemoryRegion *ram = new_ram(o, "timer0.ram", 0x10);
    AUDIT(ms);
    assert_int_equal(nregions(ms), 4);

    ADD(c, 0x0, regs);
    AUDIT(ms);
    assert_int_equal(owner_refcount(o), 1);
    ADD(c, 0x100, inner);
    AUDIT(ms);
    assert_int_equal(owner_refcount(o), 1);
    ADD_PRIO(inner, 0x0, ram, 3);
    AUDIT(ms);
    assert_int_equal(owner_refcount(o), 1);
    assert_int_equal(memory_region_address(ram), 0x0);
    assert_int_equal(memory_region_address(inner), 0x100);

    assert_true(memory_del_subregion(inner, ram));
    AUDIT(ms);
    assert_null(memory_region_container(ram));
    assert_int_equal(owner_refcount(o), 1);
    assert_true(memory_del_subregion(c, regs));
    AUDIT(ms);
    assert_int_equal(owner_refcount(o), 1);
    /* Not mapped there (any more): a no-op returning false. */
    assert_false(memory_del_subregion(c, regs));
    assert_false(memory_del_subregion(inner, regs));
    AUDIT(ms);
    assert_int_equal(owner_refcount(o), 1);
    assert_int_equal(p.finalized, 0);

    owner_unref(o);
    assert_int_equal(p.finalized, 1);
    AUDIT(ms);
    assert_int_equal(nowners(ms), 0);
    assert_int_equal(nregions(ms), 0);
    memory_system_free(ms);
}

static void test_r1_cross_owner_link_takes_one_ref_del_drops_it(void **state)
{
    (void)state;
    Board b;
    board_init(&b, false);
    Probe p;
    Owner *dev = probe_owner(b.ms, "spi1", &p);
    Regs r1, r2;
    MemoryRegion *ctrl = new_mmio(dev, "spi1.ctrl", 0x100, &r1, 0);
    MemoryRegion *data = new_mmio(dev, "spi1.data", 0x100, &r2, 0);
    AUDIT(b.ms);

    ADD(b.bus, 0x10000000, ctrl);
    AUDIT(b.ms);
    assert_int_equal(owner_refcount(dev), 2);
    assert_int_equal(owner_refcount(b.owner), 1); /* the container's owner: none */
    ADD_PRIO(b.bus, 0x10001000, data, -2);
    AUDIT(b.ms);
    assert_int_equal(owner_refcount(dev), 3); /* one per link */
    assert_int_equal(owner_refcount(b.owner), 1);

    assert_true(memory_del_subregion(b.bus, ctrl));
    AUDIT(b.ms);
    assert_int_equal(owner_refcount(dev), 2);
    assert_false(memory_del_subregion(b.bus, ctrl)); /* drops nothing twice */
    AUDIT(b.ms);
    assert_int_equal(owner_refcount(dev), 2);
    assert_true(memory_del_subregion(b.bus, data));
    AUDIT(b.ms);
    assert_int_equal(owner_refcount(dev), 1);
    assert_int_equal(owner_refcount(b.owner), 1);

    /* Re-adding takes it again; del drops it again. */
    ADD(b.bus, 0x20000000, ctrl);
    AUDIT(b.ms);
    assert_int_equal(owner_refcount(dev), 2);
    assert_true(memory_del_subregion(b.bus, ctrl));
    AUDIT(b.ms);
    assert_int_equal(owner_refcount(dev), 1);

    assert_int_equal(p.finalized, 0);
    owner_unref(dev);
    assert_int_equal(p.finalized, 1);
    AUDIT(b.ms);
    board_fini(&b);
}

static void test_r1_add_of_mapped_region_refused_takes_nothing(void **state)
{
    (void)state;
    Board b;
    board_init(&b, false);
    MemoryRegion *slot = memory_region_new_container(b.owner, "slot", 0x10000);
    Probe p;
    Owner *dev = probe_owner(b.ms, "i2c0", &p);
    Regs r;
    MemoryRegion *regs = new_mmio(dev, "i2c0.regs", 0x100, &r, 0);
    ADD(b.bus, 0x1000, regs);
    AUDIT(b.ms);
    assert_int_equal(owner_refcount(dev), 2);

    Error *err = NULL;
    assert_false(memory_add_subregion(slot, 0, regs, &err));
    ASSERT_ERROR_HAS(err, "i2c0.regs");
    error_free(err);
    AUDIT(b.ms);
    assert_int_equal(owner_refcount(dev), 2);
    assert_ptr_equal(memory_region_container(regs), b.bus);
    assert_int_equal(memory_region_address(regs), 0x1000);

    assert_true(memory_del_subregion(b.bus, regs));
    owner_unref(dev);
    assert_int_equal(p.finalized, 1);
    AUDIT(b.ms);
    board_fini(&b);
}

/* ---- R2: an owner's death frees its regions in any order ---- */

static void test_r2_self_contained_device_freed_once_any_order(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 100; seed++) {
        MemorySystem *ms = memory_system_new();
        memory_set_finalize_shuffle(ms, seed);
        Dev d;
        dev_build(&d, ms, "dev", 0x10000, NULL);
        AUDIT(ms);
        assert_int_equal(nowners(ms), 1);
        assert_int_equal(nregions(ms), DEV_REGIONS);
        assert_int_equal(owner_refcount(d.owner), 1);
        uint64_t rebuilds = nrebuilds(ms);
        d.probe.ms = ms;

        owner_unref(d.owner); /* no del_subregion anywhere */
        assert_int_equal(d.probe.finalized, 1);
        assert_int_equal(d.probe.regions_at_finalize, 0); /* regions first */
        AUDIT(ms);
        assert_int_equal(nowners(ms), 0);
        assert_int_equal(nregions(ms), 0);
        assert_int_equal(nrebuilds(ms), rebuilds); /* R6: not visible */
        memory_system_free(ms);
    }
}

static void test_r2_device_with_cross_owner_alias_freed_once_any_order(void **state)
{
    (void)state;
    Board b;
    board_init(&b, true);
    /* The shared RAM has its own owner: the board cannot own it, since the
     * board's bus holds the device, which holds the RAM's owner (R5). */
    Probe pm;
    Owner *memctl = probe_owner(b.ms, "memctl", &pm);
    MemoryRegion *shared = new_ram(memctl, "shared", 0x1000);
    AUDIT(b.ms);
    unsigned board_refs = owner_refcount(b.owner);
    unsigned memctl_refs = owner_refcount(memctl);
    size_t base_regions = nregions(b.ms);
    for (uint64_t seed = 1; seed <= 100; seed++) {
        memory_set_finalize_shuffle(b.ms, seed * 0x9e3779b97f4a7c15ULL);
        char name[32];
        snprintf(name, sizeof name, "dev%llu", (unsigned long long)seed);
        Dev d;
        dev_build(&d, b.ms, name, (uint32_t)seed << 16, shared);
        AUDIT(b.ms);
        assert_int_equal(owner_refcount(b.owner), board_refs);
        assert_int_equal(owner_refcount(memctl), memctl_refs + 1);
        assert_int_equal(nregions(b.ms), base_regions + DEV_REGIONS + 1);
        if (seed % 2 == 0) {
            /* Map it, use it, unmap it: the map must leave no trace. */
            ADD(b.bus, 0x10000000, d.top);
            AUDIT(b.ms);
            assert_int_equal(nranges(b.ms), 5);
            ASSERT_READ(b.ms, 0x10000004, 4, d.regs_state.tag + 4);
            ASSERT_READ(b.ms, 0x10000a04, 4, d.regs_state.tag + 0x14);
            ASSERT_READ(b.ms, 0x10000908, 4, d.fifo_state.tag + 8);
            assert_int_equal(memory_write(b.ms, 0x10000c00, 1, (uint8_t)seed), MEM_OK);
            assert_int_equal(memory_region_host_ptr(shared)[0], (uint8_t)seed);
            assert_int_equal(memory_write(b.ms, 0x10000810, 4, 0x01020304), MEM_OK);
            assert_int_equal(memory_region_host_ptr(d.buf)[0x10], 0x04);
            assert_true(memory_del_subregion(b.bus, d.top));
            AUDIT(b.ms);
            assert_int_equal(nranges(b.ms), 0);
            assert_int_equal(owner_refcount(d.owner), 1);
        }
        d.probe.ms = b.ms;
        owner_unref(d.owner);
        assert_int_equal(d.probe.finalized, 1);
        assert_int_equal(d.probe.regions_at_finalize, base_regions);
        AUDIT(b.ms);
        assert_int_equal(owner_refcount(b.owner), board_refs);
        assert_int_equal(owner_refcount(memctl), memctl_refs);
        assert_int_equal(nregions(b.ms), base_regions);
        assert_int_equal(nowners(b.ms), 2);
    }
    owner_unref(memctl);
    assert_int_equal(pm.finalized, 1);
    AUDIT(b.ms);
    board_fini(&b);
}

static void test_r2_mapped_device_freed_only_after_del_and_commit(void **state)
{
    (void)state;
    Board b;
    board_init(&b, true);
    Dev d;
    dev_build(&d, b.ms, "eth0", 0xe0000000, NULL);
    ADD(b.bus, 0x40000000, d.top);
    AUDIT(b.ms);
    ASSERT_READ(b.ms, 0x40000000, 4, 0xe0000000);

    owner_unref(d.owner); /* the test's reference */
    AUDIT(b.ms);
    assert_int_equal(d.probe.finalized, 0);
    ASSERT_READ(b.ms, 0x40000010, 4, 0xe0000010); /* still alive and mapped */
    assert_int_equal(nowners(b.ms), 2);

    memory_begin(b.ms);
    assert_true(memory_del_subregion(b.bus, d.top));
    AUDIT(b.ms);
    /* The view has not been rebuilt: it still points at eth0. */
    assert_int_equal(d.probe.finalized, 0);
    ASSERT_READ(b.ms, 0x40000008, 4, 0xe0000008);
    memory_commit(b.ms);
    assert_int_equal(d.probe.finalized, 1);
    AUDIT(b.ms);
    ASSERT_UNMAPPED(b.ms, 0x40000000);
    assert_int_equal(nowners(b.ms), 1);
    assert_int_equal(nregions(b.ms), 1);
    board_fini(&b);
}

static void test_r2_mapped_device_freed_by_del_outside_transaction(void **state)
{
    (void)state;
    Board b;
    board_init(&b, true);
    Dev d;
    dev_build(&d, b.ms, "eth1", 0xe1000000, NULL);
    ADD(b.bus, 0x40000000, d.top);
    owner_unref(d.owner);
    AUDIT(b.ms);
    assert_int_equal(d.probe.finalized, 0);
    assert_true(memory_del_subregion(b.bus, d.top)); /* commits at once */
    assert_int_equal(d.probe.finalized, 1);
    AUDIT(b.ms);
    ASSERT_UNMAPPED(b.ms, 0x40000000);
    board_fini(&b);
}

static void test_r2_mapped_device_survives_board_not_the_root(void **state)
{
    (void)state;
    /* Without a flat view involved: the bus link alone keeps it. */
    Board b;
    board_init(&b, false);
    Dev d;
    dev_build(&d, b.ms, "can0", 0xca000000, NULL);
    ADD(b.bus, 0x1000, d.top);
    assert_int_equal(owner_refcount(d.owner), 2);
    owner_unref(d.owner);
    AUDIT(b.ms);
    assert_int_equal(d.probe.finalized, 0);
    assert_int_equal(owner_refcount(d.owner), 1);
    assert_true(memory_del_subregion(b.bus, d.top));
    assert_int_equal(d.probe.finalized, 1);
    AUDIT(b.ms);
    board_fini(&b);
}

static void test_r2_bus_destroyed_first_detaches_device(void **state)
{
    (void)state;
    Board b;
    board_init(&b, true);
    Dev d;
    dev_build(&d, b.ms, "usb0", 0x05b00000, NULL);
    ADD(b.bus, 0x50000000, d.top);
    AUDIT(b.ms);
    ASSERT_READ(b.ms, 0x50000000, 4, 0x05b00000);

    memory_set_root(b.ms, NULL);
    AUDIT(b.ms);
    ASSERT_UNMAPPED(b.ms, 0x50000000);
    assert_int_equal(owner_refcount(d.owner), 2); /* test + bus link */
    assert_int_equal(owner_refcount(b.owner), 1);
    uint64_t rebuilds = nrebuilds(b.ms);

    owner_unref(b.owner); /* the bus dies with the device still mapped in it */
    b.owner = NULL;
    assert_int_equal(b.probe.finalized, 1);
    AUDIT(b.ms);
    assert_int_equal(d.probe.finalized, 0);
    assert_int_equal(owner_refcount(d.owner), 1);
    assert_null(memory_region_container(d.top));
    assert_int_equal(nrebuilds(b.ms), rebuilds); /* R6: finalize-time detach */
    assert_int_equal(nowners(b.ms), 1);
    assert_int_equal(nregions(b.ms), DEV_REGIONS);
    /* The device is intact: its own links survived. */
    assert_ptr_equal(memory_region_container(d.regs), d.top);
    assert_ptr_equal(memory_region_container(d.fifo), d.inner);

    owner_unref(d.owner);
    assert_int_equal(d.probe.finalized, 1);
    AUDIT(b.ms);
    board_fini(&b);
}

static void test_r2_bus_destroyed_first_any_order(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 100; seed++) {
        Board b;
        board_init(&b, false);
        memory_set_finalize_shuffle(b.ms, seed);
        MemoryRegion *slot = memory_region_new_container(b.owner, "slot", 0x10000);
        ADD(b.bus, 0x0, slot);
        /* d1 aliases RAM of a third owner; the board holds d1 and d2. */
        Probe pm;
        Owner *memctl = probe_owner(b.ms, "memctl", &pm);
        MemoryRegion *shared = new_ram(memctl, "shared", 0x100);
        Dev d1, d2;
        dev_build(&d1, b.ms, "d1", 0x1000000, shared);
        dev_build(&d2, b.ms, "d2", 0x2000000, NULL);
        ADD(slot, 0x0, d1.top);
        ADD(b.bus, 0x20000, d2.top);
        AUDIT(b.ms);
        owner_unref(d2.owner); /* only the bus keeps d2 */
        owner_unref(d1.owner); /* only the slot keeps d1 */
        owner_unref(memctl);   /* only d1's alias keeps memctl */
        AUDIT(b.ms);
        assert_int_equal(d1.probe.finalized, 0);
        assert_int_equal(d2.probe.finalized, 0);
        assert_int_equal(pm.finalized, 0);
        assert_int_equal(nowners(b.ms), 4);
        uint64_t rebuilds = nrebuilds(b.ms);

        owner_unref(b.owner); /* and everything goes with it */
        b.owner = NULL;
        assert_int_equal(b.probe.finalized, 1);
        assert_int_equal(d1.probe.finalized, 1);
        assert_int_equal(d2.probe.finalized, 1);
        assert_int_equal(pm.finalized, 1);
        assert_int_equal(nrebuilds(b.ms), rebuilds);
        AUDIT(b.ms);
        board_fini(&b);
    }
}

/* A bridge whose state holds a reference on a child device and whose
 * finalize hook unmaps the child from the bus and drops that reference. */
typedef struct Bridge {
    Probe probe;
    MemoryRegion *bus;
    MemoryRegion *child_regs;
    Owner *child;
} Bridge;

static void bridge_finalize(void *opaque)
{
    Bridge *br = opaque;
    br->probe.finalized++;
    assert_true(memory_del_subregion(br->bus, br->child_regs));
    owner_unref(br->child);
    br->child = NULL;
}

static void test_r2_finalize_hook_may_unmap_and_release_others(void **state)
{
    (void)state;
    Board b;
    board_init(&b, true);
    Probe pc;
    Owner *child = probe_owner(b.ms, "child", &pc);
    Regs rc;
    MemoryRegion *child_regs = new_mmio(child, "child.regs", 0x100, &rc, 0xc0000);
    ADD(b.bus, 0x20000000, child_regs);
    Bridge br = {.bus = b.bus, .child_regs = child_regs, .child = child};
    Owner *bridge = owner_new(b.ms, "bridge", bridge_finalize, &br);
    Regs rb;
    MemoryRegion *bridge_regs = new_mmio(bridge, "bridge.regs", 0x100, &rb, 0xb0000);
    ADD(b.bus, 0x10000000, bridge_regs);
    AUDIT(b.ms);
    ASSERT_READ(b.ms, 0x20000004, 4, 0xc0004);
    ASSERT_READ(b.ms, 0x10000004, 4, 0xb0004);
    owner_unref(bridge); /* the bus and the view keep it */
    assert_int_equal(br.probe.finalized, 0);
    AUDIT(b.ms);

    /* Unmapping the bridge frees it once the view lets go; its hook then
     * changes the map, and the child goes too. */
    assert_true(memory_del_subregion(b.bus, bridge_regs));
    assert_int_equal(br.probe.finalized, 1);
    assert_null(br.child);
    assert_int_equal(pc.finalized, 1);
    AUDIT(b.ms);
    ASSERT_UNMAPPED(b.ms, 0x10000000);
    ASSERT_UNMAPPED(b.ms, 0x20000000);
    assert_int_equal(nranges(b.ms), 0);
    assert_int_equal(nowners(b.ms), 1);
    assert_int_equal(nregions(b.ms), 1);
    board_fini(&b);
}

/* ---- R3: no silent detach across owners ---- */

static void test_r3_destroy_refused_while_mapped_in_other_owner(void **state)
{
    (void)state;
    Board b;
    board_init(&b, true);
    Probe p;
    Owner *uart = probe_owner(b.ms, "uart7", &p);
    Regs r;
    MemoryRegion *thr = new_mmio(uart, "thr_reg", 0x8, &r, 0x7000);
    ADD(b.bus, 0x10013000, thr);
    AUDIT(b.ms);
    size_t regions = nregions(b.ms);
    uint64_t rebuilds = nrebuilds(b.ms);

    Error *err = NULL;
    assert_false(memory_region_destroy(thr, &err));
    ASSERT_ERROR_HAS(err, "thr_reg");
    ASSERT_ERROR_HAS(err, "uart7");
    ASSERT_ERROR_HAS(err, "sysbus");
    ASSERT_ERROR_HAS(err, "mainboard");
    error_free(err);
    err = NULL;
    AUDIT(b.ms);
    assert_int_equal(nregions(b.ms), regions);
    assert_int_equal(nrebuilds(b.ms), rebuilds);
    assert_ptr_equal(memory_region_container(thr), b.bus);
    ASSERT_READ(b.ms, 0x10013004, 4, 0x7004);
    /* A NULL errp is allowed and still refuses. */
    assert_false(memory_region_destroy(thr, NULL));
    AUDIT(b.ms);
    assert_int_equal(nregions(b.ms), regions);

    assert_true(memory_del_subregion(b.bus, thr));
    AUDIT(b.ms);
    /* Unmapped now: destroy succeeds. */
    assert_true(memory_region_destroy(thr, &err));
    assert_null(err);
    AUDIT(b.ms);
    assert_int_equal(nregions(b.ms), regions - 1);
    assert_int_equal(owner_refcount(uart), 1);
    owner_unref(uart);
    assert_int_equal(p.finalized, 1);
    AUDIT(b.ms);
    board_fini(&b);
}

static void test_r3_destroy_unmapped_region_succeeds(void **state)
{
    (void)state;
    MemorySystem *ms = memory_system_new();
    Probe p;
    Owner *o = probe_owner(ms, "adc0", &p);
    Regs r;
    MemoryRegion *regs = new_mmio(o, "adc0.regs", 0x100, &r, 0);
    MemoryRegion *ram = new_ram(o, "adc0.samples", 0x100);
    AUDIT(ms);
    assert_int_equal(nregions(ms), 2);
    Error *err = NULL;
    assert_true(memory_region_destroy(regs, &err));
    assert_null(err);
    AUDIT(ms);
    assert_int_equal(nregions(ms), 1);
    assert_true(memory_region_destroy(ram, &err));
    assert_null(err);
    AUDIT(ms);
    assert_int_equal(nregions(ms), 0);
    assert_int_equal(owner_refcount(o), 1);
    assert_int_equal(p.finalized, 0);
    owner_unref(o);
    assert_int_equal(p.finalized, 1);
    AUDIT(ms);
    memory_system_free(ms);
}

static void test_r3_destroy_in_same_owner_container_succeeds(void **state)
{
    (void)state;
    Board b;
    board_init(&b, true);
    Dev d;
    dev_build(&d, b.ms, "pwm0", 0x0b000000, NULL);
    ADD(b.bus, 0x10015000, d.top);
    AUDIT(b.ms);
    ASSERT_READ(b.ms, 0x10015904, 4, 0x0b001004);
    size_t regions = nregions(b.ms);

    /* fifo sits in the device's own inner container, which is on the bus. */
    Error *err = NULL;
    assert_true(memory_region_destroy(d.fifo, &err));
    assert_null(err);
    AUDIT(b.ms);
    assert_int_equal(nregions(b.ms), regions - 1);
    ASSERT_UNMAPPED(b.ms, 0x10015904);
    ASSERT_READ(b.ms, 0x10015004, 4, 0x0b000004); /* the rest still works */
    unsigned fifo_reads = d.fifo_state.reads;

    /* The inner container: its subregions are detached, not destroyed. */
    assert_true(memory_region_destroy(d.inner, &err));
    assert_null(err);
    AUDIT(b.ms);
    assert_int_equal(nregions(b.ms), regions - 2);
    assert_null(memory_region_container(d.buf));
    assert_null(memory_region_container(d.self_alias));
    ASSERT_UNMAPPED(b.ms, 0x10015800);
    ASSERT_UNMAPPED(b.ms, 0x10015a00);
    ASSERT_READ(b.ms, 0x10015000, 4, 0x0b000000);
    assert_int_equal(d.fifo_state.reads, fifo_reads);
    /* Those regions can be mapped elsewhere. */
    ADD(d.top, 0x800, d.buf);
    AUDIT(b.ms);
    assert_int_equal(memory_write(b.ms, 0x10015801, 1, 0x5a), MEM_OK);
    assert_int_equal(memory_region_host_ptr(d.buf)[1], 0x5a);

    owner_unref(d.owner);
    assert_int_equal(d.probe.finalized, 0);
    assert_true(memory_del_subregion(b.bus, d.top));
    assert_int_equal(d.probe.finalized, 1);
    AUDIT(b.ms);
    board_fini(&b);
}

static void test_r3_destroy_container_drops_cross_owner_links(void **state)
{
    (void)state;
    Board b;
    board_init(&b, true);
    MemoryRegion *slot = memory_region_new_container(b.owner, "slot", 0x10000);
    ADD(b.bus, 0x60000000, slot);
    Probe p;
    Owner *dev = probe_owner(b.ms, "qspi0", &p);
    Regs r;
    MemoryRegion *regs = new_mmio(dev, "qspi0.regs", 0x100, &r, 0x9500);
    ADD(slot, 0x100, regs);
    AUDIT(b.ms);
    ASSERT_READ(b.ms, 0x60000104, 4, 0x9504);
    owner_unref(dev);
    assert_int_equal(p.finalized, 0);
    AUDIT(b.ms);

    Error *err = NULL;
    assert_true(memory_region_destroy(slot, &err)); /* slot is the board's own */
    assert_null(err);
    /* The slot's link to qspi0 was the last reference with the view's. */
    assert_int_equal(p.finalized, 1);
    AUDIT(b.ms);
    ASSERT_UNMAPPED(b.ms, 0x60000104);
    board_fini(&b);
}

static void test_r3_destroy_alias_target_refused(void **state)
{
    (void)state;
    Board b;
    board_init(&b, false);
    MemoryRegion *flash = new_ram(b.owner, "flash", 0x1000);
    Probe p;
    Owner *dev = probe_owner(b.ms, "xip0", &p);
    MemoryRegion *window = new_alias(dev, "xip0.window", flash, 0x100, 0x100);
    MemoryRegion *own = new_ram(dev, "xip0.cache", 0x100);
    MemoryRegion *own_alias = new_alias(dev, "xip0.cache_alias", own, 0, 0x10);
    AUDIT(b.ms);
    assert_int_equal(owner_refcount(b.owner), 2);
    size_t regions = nregions(b.ms);

    Error *err = NULL;
    assert_false(memory_region_destroy(flash, &err)); /* cross-owner alias */
    ASSERT_ERROR_HAS(err, "flash");
    error_free(err);
    err = NULL;
    AUDIT(b.ms);
    assert_false(memory_region_destroy(own, &err)); /* same-owner alias */
    ASSERT_ERROR_HAS(err, "xip0.cache");
    error_free(err);
    err = NULL;
    AUDIT(b.ms);
    assert_int_equal(nregions(b.ms), regions);

    /* Destroying the alias drops its reference; then the target can go. */
    assert_true(memory_region_destroy(window, &err));
    assert_null(err);
    AUDIT(b.ms);
    assert_int_equal(owner_refcount(b.owner), 1);
    assert_true(memory_region_destroy(flash, &err));
    assert_null(err);
    AUDIT(b.ms);
    assert_true(memory_region_destroy(own_alias, &err));
    assert_true(memory_region_destroy(own, &err));
    assert_null(err);
    AUDIT(b.ms);
    assert_int_equal(nregions(b.ms), regions - 4);
    owner_unref(dev);
    assert_int_equal(p.finalized, 1);
    AUDIT(b.ms);
    board_fini(&b);
}

/* The root is in use by the memory system: destroying it is refused (the
 * header says so), with an error naming it and its owner. */
static void test_r3_destroy_root_refused(void **state)
{
    (void)state;
    Board b;
    board_init(&b, true);
    MemoryRegion *ram = new_ram(b.owner, "ram", 0x100);
    ADD(b.bus, 0x1000, ram);
    AUDIT(b.ms);
    size_t regions = nregions(b.ms);
    uint64_t rebuilds = nrebuilds(b.ms);
    Error *err = NULL;
    assert_false(memory_region_destroy(b.bus, &err));
    ASSERT_ERROR_HAS(err, "sysbus");
    ASSERT_ERROR_HAS(err, "mainboard");
    error_free(err);
    err = NULL;
    AUDIT(b.ms);
    assert_ptr_equal(memory_root(b.ms), b.bus);
    assert_int_equal(nregions(b.ms), regions);
    assert_int_equal(nrebuilds(b.ms), rebuilds);
    assert_ptr_equal(memory_region_container(ram), b.bus);
    ASSERT_READ(b.ms, 0x1000, 4, 0);
    /* No longer the root: now it can go, and its subregions are detached. */
    memory_set_root(b.ms, NULL);
    assert_true(memory_region_destroy(b.bus, &err));
    assert_null(err);
    AUDIT(b.ms);
    assert_null(memory_region_container(ram));
    assert_int_equal(nregions(b.ms), regions - 1);
    board_fini(&b);
}

/* ---- R4: aliases hold their target's owner ---- */

static void test_r4_cross_owner_alias_takes_one_ref(void **state)
{
    (void)state;
    Board b;
    board_init(&b, false);
    MemoryRegion *sram = new_ram(b.owner, "sram", 0x1000);
    Probe p1, p2;
    Owner *d1 = probe_owner(b.ms, "dma0", &p1);
    Owner *d2 = probe_owner(b.ms, "dma1", &p2);
    AUDIT(b.ms);

    MemoryRegion *a1 = new_alias(d1, "dma0.win", sram, 0x0, 0x800);
    AUDIT(b.ms);
    assert_int_equal(owner_refcount(b.owner), 2);
    assert_int_equal(owner_refcount(d1), 1);
    MemoryRegion *a2 = new_alias(d1, "dma0.win2", sram, 0x800, 0x800);
    AUDIT(b.ms);
    assert_int_equal(owner_refcount(b.owner), 3); /* one per alias */
    /* An alias of an alias: a reference on the owner of the alias. */
    MemoryRegion *a3 = new_alias(d2, "dma1.win", a1, 0x10, 0x10);
    AUDIT(b.ms);
    assert_int_equal(owner_refcount(d1), 2);
    assert_int_equal(owner_refcount(b.owner), 3);

    Error *err = NULL;
    assert_true(memory_region_destroy(a2, &err));
    AUDIT(b.ms);
    assert_int_equal(owner_refcount(b.owner), 2);
    assert_true(memory_region_destroy(a3, &err));
    assert_null(err);
    AUDIT(b.ms);
    assert_int_equal(owner_refcount(d1), 1);

    /* The board survives the test's reference while an alias holds it. */
    owner_unref(b.owner);
    b.owner = NULL;
    assert_int_equal(b.probe.finalized, 0);
    AUDIT(b.ms);
    assert_int_equal(owner_refcount(d1), 1);
    uint8_t *host = memory_region_host_ptr(sram);
    host[0x10] = 0x77; /* still allocated (ASan would know) */
    owner_unref(d1);
    assert_int_equal(p1.finalized, 1);
    assert_int_equal(b.probe.finalized, 1);
    AUDIT(b.ms);
    (void)a1;
    owner_unref(d2);
    assert_int_equal(p2.finalized, 1);
    board_fini(&b);
}

static void test_r4_same_owner_alias_takes_no_ref(void **state)
{
    (void)state;
    MemorySystem *ms = memory_system_new();
    Probe p;
    Owner *o = probe_owner(ms, "gpio0", &p);
    MemoryRegion *ram = new_ram(o, "gpio0.ram", 0x100);
    MemoryRegion *a = new_alias(o, "gpio0.a", ram, 0x10, 0x20);
    MemoryRegion *aa = new_alias(o, "gpio0.aa", a, 0x0, 0x10);
    AUDIT(ms);
    assert_int_equal(owner_refcount(o), 1);
    (void)aa;
    owner_unref(o);
    assert_int_equal(p.finalized, 1);
    AUDIT(ms);
    assert_int_equal(nregions(ms), 0);
    memory_system_free(ms);
}

static void test_r4_alias_outside_target_refused(void **state)
{
    (void)state;
    Board b;
    board_init(&b, false);
    MemoryRegion *ram = new_ram(b.owner, "tcm", 0x100);
    Probe p;
    Owner *dev = probe_owner(b.ms, "npu0", &p);
    size_t regions = nregions(b.ms);
    Error *err = NULL;
    assert_null(memory_region_new_alias(dev, "npu0.w", ram, 0x80, 0x81, &err));
    assert_non_null(err);
    error_free(err);
    err = NULL;
    assert_null(memory_region_new_alias(dev, "npu0.w", ram, 0x101, 0x1, &err));
    assert_non_null(err);
    error_free(err);
    err = NULL;
    AUDIT(b.ms);
    assert_int_equal(nregions(b.ms), regions);
    assert_int_equal(owner_refcount(b.owner), 1);
    /* The last byte exactly is fine. */
    MemoryRegion *w = new_alias(dev, "npu0.w", ram, 0xff, 0x1);
    assert_int_equal(owner_refcount(b.owner), 2);
    /* Retargeting outside is refused and keeps the old target. */
    MemoryRegion *small = new_ram(b.owner, "small", 0x10);
    assert_false(memory_region_set_alias_target(w, small, 0x10, &err));
    assert_non_null(err);
    error_free(err);
    AUDIT(b.ms);
    assert_int_equal(owner_refcount(b.owner), 2);
    /* set_alias_target on a non-alias is refused. */
    err = NULL;
    assert_false(memory_region_set_alias_target(small, ram, 0, &err));
    assert_non_null(err);
    error_free(err);
    AUDIT(b.ms);
    owner_unref(dev);
    assert_int_equal(p.finalized, 1);
    AUDIT(b.ms);
    board_fini(&b);
}

static void test_r4_set_alias_target_takes_new_ref_before_dropping_old(void **state)
{
    (void)state;
    MemorySystem *ms = memory_system_new();
    Probe pa, pb;
    Owner *a = probe_owner(ms, "ctrlA", &pa);
    Owner *bo = probe_owner(ms, "userB", &pb);
    MemoryRegion *r1 = new_ram(a, "ctrlA.r1", 0x100);
    MemoryRegion *r2 = new_ram(a, "ctrlA.r2", 0x100);
    MemoryRegion *own = new_ram(bo, "userB.own", 0x100);
    MemoryRegion *alias = new_alias(bo, "userB.alias", r1, 0, 0x80);
    assert_int_equal(owner_refcount(a), 2);
    owner_unref(a); /* only the alias keeps A now */
    AUDIT(ms);
    assert_int_equal(pa.finalized, 0);
    assert_int_equal(owner_refcount(a), 1);

    /* Same owner A: if the old reference went first, A would die here. */
    Error *err = NULL;
    assert_true(memory_region_set_alias_target(alias, r2, 0x80, &err));
    assert_null(err);
    AUDIT(ms);
    assert_int_equal(pa.finalized, 0);
    assert_int_equal(owner_refcount(a), 1);
    memory_region_host_ptr(r2)[0x80] = 1; /* r2 is alive */

    /* Retarget to B's own region: the alias no longer holds A. */
    assert_true(memory_region_set_alias_target(alias, own, 0, &err));
    assert_null(err);
    assert_int_equal(pa.finalized, 1);
    AUDIT(ms);
    assert_int_equal(owner_refcount(bo), 1);
    owner_unref(bo);
    assert_int_equal(pb.finalized, 1);
    AUDIT(ms);
    assert_int_equal(nowners(ms), 0);
    assert_int_equal(nregions(ms), 0);
    memory_system_free(ms);
}

/* Device A mapped on the bus and aliased by bridge B; A is unplugged, A2
 * plugged, the alias retargeted: A dies exactly then. */
typedef struct Replug {
    Board b;
    Probe pa, pb, pa2;
    Owner *a, *bo, *a2;
    Regs ra, ra2;
    MemoryRegion *a_regs, *window, *a2_regs;
} Replug;

static void replug_setup(Replug *t)
{
    board_init(&t->b, true);
    MemorySystem *ms = t->b.ms;
    t->a = probe_owner(ms, "periphA", &t->pa);
    t->a_regs = new_mmio(t->a, "periphA.regs", 0x100, &t->ra, 0xaaaa0000);
    ADD(t->b.bus, 0x10000000, t->a_regs);
    t->bo = probe_owner(ms, "bridgeB", &t->pb);
    t->window = new_alias(t->bo, "bridgeB.window", t->a_regs, 0, 0x100);
    ADD(t->b.bus, 0x20000000, t->window);
    AUDIT(ms);
    ASSERT_READ(ms, 0x10000004, 4, 0xaaaa0004);
    ASSERT_READ(ms, 0x20000008, 4, 0xaaaa0008);

    /* Unplug A: unmap it and drop the test's reference. */
    assert_true(memory_del_subregion(t->b.bus, t->a_regs));
    AUDIT(ms);
    ASSERT_UNMAPPED(ms, 0x10000000);
    ASSERT_READ(ms, 0x20000000, 4, 0xaaaa0000);
    owner_unref(t->a);
    AUDIT(ms);
    assert_int_equal(t->pa.finalized, 0); /* the alias holds it */
    ASSERT_READ(ms, 0x20000010, 4, 0xaaaa0010);

    /* Plug A2 in A's place. */
    t->a2 = probe_owner(ms, "periphA2", &t->pa2);
    t->a2_regs = new_mmio(t->a2, "periphA2.regs", 0x100, &t->ra2, 0xbbbb0000);
    ADD(t->b.bus, 0x10000000, t->a2_regs);
    AUDIT(ms);
    ASSERT_READ(ms, 0x10000000, 4, 0xbbbb0000);
    ASSERT_READ(ms, 0x20000000, 4, 0xaaaa0000);
    assert_int_equal(t->pa.finalized, 0);
}

static void replug_check_and_teardown(Replug *t)
{
    MemorySystem *ms = t->b.ms;
    unsigned a_reads = t->ra.reads;
    ASSERT_READ(ms, 0x20000000, 4, 0xbbbb0000);
    ASSERT_READ(ms, 0x20000010, 4, 0xbbbb0010);
    ASSERT_READ(ms, 0x10000020, 4, 0xbbbb0020);
    assert_int_equal(t->ra.reads, a_reads);
    assert_int_equal(t->pa.finalized, 1);

    owner_unref(t->bo);
    owner_unref(t->a2);
    AUDIT(ms);
    assert_int_equal(t->pb.finalized, 0);
    assert_int_equal(t->pa2.finalized, 0);
    assert_true(memory_del_subregion(t->b.bus, t->window));
    assert_int_equal(t->pb.finalized, 1);
    assert_int_equal(t->pa2.finalized, 0); /* still mapped itself */
    AUDIT(ms);
    assert_true(memory_del_subregion(t->b.bus, t->a2_regs));
    assert_int_equal(t->pa2.finalized, 1);
    AUDIT(ms);
    assert_int_equal(t->pa.finalized, 1);
    board_fini(&t->b);
}

static void test_r4_retarget_alias_to_replugged_device(void **state)
{
    (void)state;
    Replug t;
    replug_setup(&t);
    Error *err = NULL;
    assert_true(memory_region_set_alias_target(t.window, t.a2_regs, 0, &err));
    assert_null(err);
    assert_int_equal(t.pa.finalized, 1); /* exactly then */
    AUDIT(t.b.ms);
    replug_check_and_teardown(&t);
}

static void test_r4_retarget_alias_in_transaction_frees_at_commit(void **state)
{
    (void)state;
    Replug t;
    replug_setup(&t);
    Error *err = NULL;
    memory_begin(t.b.ms);
    assert_true(memory_region_set_alias_target(t.window, t.a2_regs, 0, &err));
    assert_null(err);
    AUDIT(t.b.ms);
    /* The view in use still shows A (R6/R7): A must be alive. */
    assert_int_equal(t.pa.finalized, 0);
    ASSERT_READ(t.b.ms, 0x20000004, 4, 0xaaaa0004);
    memory_commit(t.b.ms);
    assert_int_equal(t.pa.finalized, 1);
    AUDIT(t.b.ms);
    replug_check_and_teardown(&t);
}

/* ---- R5: no owner cycles, no region inside itself ---- */

typedef struct Pair {
    MemorySystem *ms;
    Probe pa, pb;
    Owner *a, *b;
    MemoryRegion *ac, *ar, *bc, *br;
    Regs ra, rb;
} Pair;

static void pair_setup(Pair *t)
{
    t->ms = memory_system_new();
    t->a = probe_owner(t->ms, "ownerA", &t->pa);
    t->b = probe_owner(t->ms, "ownerB", &t->pb);
    t->ac = memory_region_new_container(t->a, "contA", 0x1000);
    t->ar = new_mmio(t->a, "regA", 0x100, &t->ra, 0);
    t->bc = memory_region_new_container(t->b, "contB", 0x1000);
    t->br = new_mmio(t->b, "regB", 0x100, &t->rb, 0);
    AUDIT(t->ms);
}

static void pair_teardown(Pair *t)
{
    AUDIT(t->ms);
    owner_unref(t->a);
    assert_int_equal(t->pa.finalized, 1);
    AUDIT(t->ms);
    owner_unref(t->b);
    assert_int_equal(t->pb.finalized, 1);
    AUDIT(t->ms);
    assert_int_equal(nowners(t->ms), 0);
    assert_int_equal(nregions(t->ms), 0);
    memory_system_free(t->ms);
}

static void test_r5_owner_cycle_through_containers_refused(void **state)
{
    (void)state;
    Pair t;
    pair_setup(&t);
    ADD(t.ac, 0x0, t.br); /* A holds B */
    AUDIT(t.ms);
    assert_int_equal(owner_refcount(t.b), 2);

    Error *err = NULL;
    assert_false(memory_add_subregion(t.bc, 0x0, t.ar, &err)); /* B would hold A */
    ASSERT_ERROR_HAS(err, "cycle");
    error_free(err);
    err = NULL;
    AUDIT(t.ms);
    assert_null(memory_region_container(t.ar));
    assert_int_equal(owner_refcount(t.a), 1);
    assert_false(memory_add_subregion_overlap(t.bc, 0x100, t.ac, 1, &err));
    ASSERT_ERROR_HAS(err, "cycle");
    error_free(err);
    AUDIT(t.ms);
    assert_null(memory_region_container(t.ac));
    assert_int_equal(owner_refcount(t.a), 1);
    assert_int_equal(owner_refcount(t.b), 2);

    /* A holding more of B is no cycle. */
    MemoryRegion *br2 = memory_region_new_container(t.b, "contB2", 0x10);
    ADD(t.ac, 0x200, br2);
    AUDIT(t.ms);
    assert_int_equal(owner_refcount(t.b), 3);
    /* A dies first: B's links are dropped, B lives on with the test's ref. */
    owner_unref(t.a);
    assert_int_equal(t.pa.finalized, 1);
    AUDIT(t.ms);
    assert_int_equal(owner_refcount(t.b), 1);
    owner_unref(t.b);
    assert_int_equal(t.pb.finalized, 1);
    AUDIT(t.ms);
    assert_int_equal(nregions(t.ms), 0);
    memory_system_free(t.ms);
}

static void test_r5_owner_cycle_through_aliases_refused(void **state)
{
    (void)state;
    Pair t;
    pair_setup(&t);
    MemoryRegion *ab = new_alias(t.a, "aliasAB", t.br, 0, 0x10); /* A holds B */
    AUDIT(t.ms);
    assert_int_equal(owner_refcount(t.b), 2);
    size_t regions = nregions(t.ms);

    Error *err = NULL;
    assert_null(memory_region_new_alias(t.b, "aliasBA", t.ar, 0, 0x10, &err));
    ASSERT_ERROR_HAS(err, "cycle");
    error_free(err);
    err = NULL;
    AUDIT(t.ms);
    assert_int_equal(nregions(t.ms), regions);
    assert_int_equal(owner_refcount(t.a), 1);

    /* B containing A's alias would also close the loop. */
    assert_false(memory_add_subregion(t.bc, 0, ab, &err));
    ASSERT_ERROR_HAS(err, "cycle");
    error_free(err);
    err = NULL;
    AUDIT(t.ms);
    assert_int_equal(owner_refcount(t.a), 1);

    /* Retargeting B's same-owner alias at A: refused, old target kept. */
    MemoryRegion *bb = new_alias(t.b, "aliasBB", t.br, 0x10, 0x10);
    assert_false(memory_region_set_alias_target(bb, t.ar, 0, &err));
    ASSERT_ERROR_HAS(err, "cycle");
    error_free(err);
    err = NULL;
    AUDIT(t.ms);
    assert_int_equal(owner_refcount(t.a), 1);
    assert_int_equal(owner_refcount(t.b), 2);
    /* and B's alias still works as before (rendered through a root). */
    MemoryRegion *bus = memory_region_new_container(t.b, "busB", 0x10000);
    ADD(bus, 0x1000, bb);
    memory_set_root(t.ms, bus);
    AUDIT(t.ms);
    t.rb.tag = 0xb0;
    ASSERT_READ(t.ms, 0x1004, 4, 0xb0 + 0x14);
    memory_set_root(t.ms, NULL);
    AUDIT(t.ms);
    pair_teardown(&t);
}

/* A device on the board's bus aliasing the board's own RAM would keep the
 * board alive forever (board -> device by the link, device -> board by the
 * alias): refused whichever link comes second. */
static void test_r5_device_on_board_bus_aliasing_board_ram_refused(void **state)
{
    (void)state;
    Board b;
    board_init(&b, true);
    MemoryRegion *dram = new_ram(b.owner, "dram", 0x1000);
    ADD(b.bus, 0x80000000, dram);
    Dev d;
    dev_build(&d, b.ms, "dmac", 0xd0000000, NULL);
    MemoryRegion *win = new_alias(d.owner, "dmac.win", dram, 0, 0x100);
    ADD(d.inner, 0x400, win);
    AUDIT(b.ms);
    Error *err = NULL;
    assert_false(memory_add_subregion(b.bus, 0x10000000, d.top, &err));
    ASSERT_ERROR_HAS(err, "cycle");
    error_free(err);
    err = NULL;
    AUDIT(b.ms);
    assert_null(memory_region_container(d.top));
    assert_int_equal(owner_refcount(d.owner), 1);

    /* The other order: mapped first, then the alias is refused. */
    Error *derr = NULL;
    assert_true(memory_region_destroy(win, &derr));
    assert_null(derr);
    ADD(b.bus, 0x10000000, d.top);
    AUDIT(b.ms);
    assert_null(memory_region_new_alias(d.owner, "dmac.win", dram, 0, 0x100, &err));
    ASSERT_ERROR_HAS(err, "cycle");
    error_free(err);
    err = NULL;
    AUDIT(b.ms);
    ASSERT_READ(b.ms, 0x10000000, 4, 0xd0000000);
    owner_unref(d.owner);
    assert_int_equal(d.probe.finalized, 0);
    assert_true(memory_del_subregion(b.bus, d.top));
    assert_int_equal(d.probe.finalized, 1);
    AUDIT(b.ms);
    board_fini(&b);
}

static void test_r5_transitive_owner_cycle_refused(void **state)
{
    (void)state;
    MemorySystem *ms = memory_system_new();
    Probe p[4];
    Owner *o[4];
    MemoryRegion *c[4], *r[4];
    Regs regs[4];
    static const char *const names[4] = {"own0", "own1", "own2", "own3"};
    static const char *const cn[4] = {"c0", "c1", "c2", "c3"};
    static const char *const rn[4] = {"r0", "r1", "r2", "r3"};
    for (int i = 0; i < 4; i++) {
        o[i] = probe_owner(ms, names[i], &p[i]);
        /* c0 has room for the diamond of containers below */
        c[i] = memory_region_new_container(o[i], cn[i], i == 0 ? 0x10000 : 0x1000);
        r[i] = new_mmio(o[i], rn[i], 0x10, &regs[i], 0);
    }
    ADD(c[0], 0x0, r[1]); /* 0 holds 1 */
    ADD(c[1], 0x0, r[2]); /* 1 holds 2 */
    MemoryRegion *alias23 = new_alias(o[2], "a23", r[3], 0, 0x10); /* 2 holds 3 */
    AUDIT(ms);
    Error *err = NULL;
    assert_false(memory_add_subregion(c[3], 0, r[0], &err)); /* 3 would hold 0 */
    ASSERT_ERROR_HAS(err, "cycle");
    error_free(err);
    err = NULL;
    assert_null(memory_region_new_alias(o[3], "a30", c[0], 0, 0x10, &err));
    ASSERT_ERROR_HAS(err, "cycle");
    error_free(err);
    err = NULL;
    assert_false(memory_add_subregion(c[2], 0x100, r[1], &err)); /* r1 mapped */
    assert_non_null(err);
    error_free(err);
    err = NULL;
    assert_false(memory_add_subregion(c[2], 0x100, c[0], &err)); /* 2 would hold 0 */
    ASSERT_ERROR_HAS(err, "cycle");
    error_free(err);
    AUDIT(ms);
    /* A diamond is no cycle: 0 also holds 2 and 3 directly. */
    ADD(c[0], 0x100, c[2]);
    ADD(c[0], 0x200, c[3]);
    AUDIT(ms);
    assert_int_equal(owner_refcount(o[0]), 1);
    assert_int_equal(owner_refcount(o[1]), 2);
    assert_int_equal(owner_refcount(o[2]), 3);
    assert_int_equal(owner_refcount(o[3]), 3);
    (void)alias23;
    /* Drop the leaves first: everyone lives until o0 goes. */
    for (int i = 3; i >= 1; i--) {
        owner_unref(o[i]);
        assert_int_equal(p[i].finalized, 0);
        AUDIT(ms);
    }
    owner_unref(o[0]);
    for (int i = 0; i < 4; i++)
        assert_int_equal(p[i].finalized, 1);
    AUDIT(ms);
    assert_int_equal(nowners(ms), 0);
    assert_int_equal(nregions(ms), 0);
    memory_system_free(ms);
}

static void test_r5_region_inside_itself_refused(void **state)
{
    (void)state;
    MemorySystem *ms = memory_system_new();
    Probe p;
    Owner *o = probe_owner(ms, "loopy", &p);
    MemoryRegion *c1 = memory_region_new_container(o, "c1", 0x1000);
    MemoryRegion *c2 = memory_region_new_container(o, "c2", 0x800);
    MemoryRegion *c3 = memory_region_new_container(o, "c3", 0x400);
    ADD(c1, 0x0, c2);
    ADD(c2, 0x0, c3);
    AUDIT(ms);

    Error *err = NULL;
    assert_false(memory_add_subregion(c1, 0, c1, &err)); /* into itself */
    assert_non_null(err);
    error_free(err);
    err = NULL;
    AUDIT(ms);
    MemoryRegion *lone = memory_region_new_container(o, "lone", 0x10);
    assert_false(memory_add_subregion(lone, 0, lone, &err));
    assert_non_null(err);
    error_free(err);
    err = NULL;
    assert_null(memory_region_container(lone));
    assert_false(memory_add_subregion(c3, 0, c1, &err)); /* into a grandchild */
    assert_non_null(err);
    error_free(err);
    err = NULL;
    assert_null(memory_region_container(c1));
    AUDIT(ms);

    /* Through an alias: c3 shows c1, which holds c3. */
    MemoryRegion *x = new_alias(o, "x_of_c1", c1, 0, 0x100);
    assert_false(memory_add_subregion(c3, 0, x, &err));
    assert_non_null(err);
    error_free(err);
    err = NULL;
    assert_null(memory_region_container(x));
    AUDIT(ms);
    /* An alias of itself, or two aliases of each other. */
    assert_false(memory_region_set_alias_target(x, x, 0, &err));
    assert_non_null(err);
    error_free(err);
    err = NULL;
    MemoryRegion *y = new_alias(o, "y_of_x", x, 0, 0x100);
    assert_false(memory_region_set_alias_target(x, y, 0, &err));
    assert_non_null(err);
    error_free(err);
    err = NULL;
    AUDIT(ms);
    /* An alias of a descendant inside an ancestor is fine. */
    MemoryRegion *z = new_alias(o, "z_of_c3", c3, 0, 0x100);
    ADD(c1, 0x800, z);
    AUDIT(ms);
    assert_int_equal(owner_refcount(o), 1);

    /* It all renders, finitely. */
    MemoryRegion *ram = new_ram(o, "ram", 0x10);
    ADD(c3, 0x0, ram);
    memory_set_root(ms, c1);
    AUDIT(ms);
    memory_region_host_ptr(ram)[4] = 0x44;
    ASSERT_READ(ms, 0x4, 1, 0x44);
    ASSERT_READ(ms, 0x804, 1, 0x44);
    memory_set_root(ms, NULL);
    AUDIT(ms);

    owner_unref(o);
    assert_int_equal(p.finalized, 1);
    AUDIT(ms);
    assert_int_equal(nregions(ms), 0);
    memory_system_free(ms);
}

/* ---- R6: transactions and the flat view ---- */

static void test_r6_higher_priority_wins(void **state)
{
    (void)state;
    for (int order = 0; order < 2; order++) {
        Board b;
        board_init(&b, true);
        MemoryRegion *low = new_ram(b.owner, "low", 0x1000);
        Regs r;
        MemoryRegion *high = new_mmio(b.owner, "high", 0x100, &r, 0x4100);
        if (order == 0) {
            ADD_PRIO(b.bus, 0x1000, low, 0);
            ADD_PRIO(b.bus, 0x1800, high, 1);
        } else {
            ADD_PRIO(b.bus, 0x1800, high, 1);
            ADD_PRIO(b.bus, 0x1000, low, 0);
        }
        AUDIT(b.ms);
        assert_int_equal(nranges(b.ms), 3);
        MemRange mr;
        assert_true(memory_lookup(b.ms, 0x1800, &mr));
        assert_ptr_equal(mr.mr, high);
        assert_int_equal(mr.start, 0x1800);
        assert_int_equal(mr.last, 0x18ff);
        assert_int_equal(mr.offset, 0);
        assert_null(mr.host);
        assert_true(memory_lookup(b.ms, 0x17ff, &mr));
        assert_ptr_equal(mr.mr, low);
        assert_int_equal(mr.start, 0x1000);
        assert_int_equal(mr.last, 0x17ff);
        assert_ptr_equal(mr.host, memory_region_host_ptr(low));
        assert_true(memory_lookup(b.ms, 0x1900, &mr));
        assert_ptr_equal(mr.mr, low);
        assert_int_equal(mr.start, 0x1900);
        assert_int_equal(mr.last, 0x1fff);
        assert_ptr_equal(mr.host, memory_region_host_ptr(low) + 0x900);
        ASSERT_READ(b.ms, 0x1804, 4, 0x4104);

        /* Lowered below the RAM, it disappears under it. */
        assert_true(memory_del_subregion(b.bus, high));
        ADD_PRIO(b.bus, 0x1800, high, -1);
        AUDIT(b.ms);
        assert_int_equal(nranges(b.ms), 1);
        assert_true(memory_lookup(b.ms, 0x1800, &mr));
        assert_ptr_equal(mr.mr, low);
        ASSERT_READ(b.ms, 0x1804, 4, 0);
        board_fini(&b);
    }
}

static void test_r6_equal_priority_later_added_wins(void **state)
{
    (void)state;
    Board b;
    board_init(&b, true);
    Regs r1, r2;
    MemoryRegion *first = new_mmio(b.owner, "first", 0x100, &r1, 0x1000000);
    MemoryRegion *second = new_mmio(b.owner, "second", 0x100, &r2, 0x2000000);
    ADD(b.bus, 0x2000, first);
    ADD(b.bus, 0x2080, second);
    AUDIT(b.ms);
    ASSERT_READ(b.ms, 0x207c, 4, 0x100007c);
    ASSERT_READ(b.ms, 0x2080, 4, 0x2000000);
    ASSERT_READ(b.ms, 0x20fc, 4, 0x200007c);
    ASSERT_READ(b.ms, 0x2100, 4, 0x2000080);
    assert_int_equal(nranges(b.ms), 2);

    /* Re-adding `first` makes it the later one: link order, not creation. */
    assert_true(memory_del_subregion(b.bus, first));
    ADD(b.bus, 0x2000, first);
    AUDIT(b.ms);
    ASSERT_READ(b.ms, 0x2080, 4, 0x1000080);
    ASSERT_READ(b.ms, 0x20fc, 4, 0x10000fc);
    ASSERT_READ(b.ms, 0x2100, 4, 0x2000080);
    board_fini(&b);
}

static void test_r6_container_shows_lower_regions_through_holes(void **state)
{
    (void)state;
    Board b;
    board_init(&b, true);
    MemoryRegion *backing = new_ram(b.owner, "backing", 0x10000);
    MemoryRegion *window = memory_region_new_container(b.owner, "window", 0x10000);
    Regs r;
    MemoryRegion *dev = new_mmio(b.owner, "dev", 0x100, &r, 0xd000);
    ADD(window, 0x100, dev);
    ADD_PRIO(b.bus, 0x0, backing, 0);
    ADD_PRIO(b.bus, 0x0, window, 1);
    AUDIT(b.ms);
    memory_region_host_ptr(backing)[0x200] = 0x22;
    ASSERT_READ(b.ms, 0x0, 4, 0);
    ASSERT_READ(b.ms, 0x104, 4, 0xd004);
    ASSERT_READ(b.ms, 0x200, 1, 0x22);
    assert_int_equal(nranges(b.ms), 3);

    /* Same with an equal-priority container added later. */
    assert_true(memory_del_subregion(b.bus, window));
    ADD(b.bus, 0x0, window);
    AUDIT(b.ms);
    ASSERT_READ(b.ms, 0x104, 4, 0xd004);
    ASSERT_READ(b.ms, 0x200, 1, 0x22);
    assert_int_equal(nranges(b.ms), 3);
    board_fini(&b);
}

static void test_r6_ram_shows_itself_around_mmio_subregion(void **state)
{
    (void)state;
    Board b;
    board_init(&b, true);
    MemoryRegion *sram = new_ram(b.owner, "sram", 0x1000);
    Regs r;
    MemoryRegion *mbox = new_mmio(b.owner, "mailbox", 0x100, &r, 0x3b00);
    ADD(sram, 0x400, mbox);
    ADD(b.bus, 0x3000, sram);
    AUDIT(b.ms);
    assert_int_equal(nranges(b.ms), 3);
    uint8_t *host = memory_region_host_ptr(sram);
    MemRange mr;
    assert_true(memory_lookup(b.ms, 0x33ff, &mr));
    assert_ptr_equal(mr.mr, sram);
    assert_int_equal(mr.start, 0x3000);
    assert_int_equal(mr.last, 0x33ff);
    assert_ptr_equal(mr.host, host);
    assert_true(memory_lookup(b.ms, 0x3400, &mr));
    assert_ptr_equal(mr.mr, mbox);
    assert_int_equal(mr.last, 0x34ff);
    assert_true(memory_lookup(b.ms, 0x3500, &mr));
    assert_ptr_equal(mr.mr, sram);
    assert_int_equal(mr.start, 0x3500);
    assert_int_equal(mr.last, 0x3fff);
    assert_ptr_equal(mr.host, host + 0x500);
    assert_int_equal(mr.offset, 0x500);
    ASSERT_READ(b.ms, 0x3408, 4, 0x3b08);
    assert_int_equal(memory_write(b.ms, 0x3500, 2, 0xbeef), MEM_OK);
    assert_int_equal(host[0x500], 0xef);
    assert_int_equal(host[0x501], 0xbe);
    board_fini(&b);
}

static void test_r6_alias_offset_applied(void **state)
{
    (void)state;
    Board b;
    board_init(&b, true);
    MemoryRegion *ram = new_ram(b.owner, "main", 0x1000);
    uint8_t *host = memory_region_host_ptr(ram);
    host[0x100] = 0x5a;
    host[0x101] = 0x6b;
    MemoryRegion *win = new_alias(b.owner, "win", ram, 0x100, 0x200);
    ADD(b.bus, 0x1000, win);
    AUDIT(b.ms);
    ASSERT_READ(b.ms, 0x1000, 1, 0x5a);
    ASSERT_READ(b.ms, 0x1000, 2, 0x6b5a);
    MemRange mr;
    assert_true(memory_lookup(b.ms, 0x1000, &mr));
    assert_ptr_equal(mr.mr, ram);
    assert_int_equal(mr.start, 0x1000);
    assert_int_equal(mr.last, 0x11ff);
    assert_int_equal(mr.offset, 0x100);
    assert_ptr_equal(mr.host, host + 0x100);
    assert_int_equal(memory_write(b.ms, 0x11fc, 4, 0x11223344), MEM_OK);
    assert_int_equal(host[0x2fc], 0x44);
    assert_int_equal(host[0x2ff], 0x11);
    ASSERT_UNMAPPED(b.ms, 0x1200);

    /* An alias of MMIO at an offset: the device sees target offsets. */
    Regs r;
    MemoryRegion *mmio = new_mmio(b.owner, "mmio", 0x100, &r, 0x7700);
    MemoryRegion *mwin = new_alias(b.owner, "mwin", mmio, 0x10, 0x20);
    ADD(b.bus, 0x2000, mwin);
    AUDIT(b.ms);
    ASSERT_READ(b.ms, 0x2004, 4, 0x7714);
    assert_int_equal(r.last_offset, 0x14);
    assert_int_equal(r.last_size, 4);
    assert_int_equal(memory_write(b.ms, 0x2008, 2, 0xcafe), MEM_OK);
    assert_int_equal(r.last_offset, 0x18);
    assert_int_equal(r.last_size, 2);
    assert_int_equal(r.last_value, 0xcafe);
    board_fini(&b);
}

static void test_r6_mmio_sees_region_offsets_and_errors(void **state)
{
    (void)state;
    Board b;
    board_init(&b, true);
    Regs r;
    MemoryRegion *mmio = new_mmio(b.owner, "plic", 0x1000, &r, 0x0c000000);
    ADD(b.bus, 0x0c000000, mmio);
    AUDIT(b.ms);
    ASSERT_READ(b.ms, 0x0c000ff8, 4, 0x0c000ff8);
    assert_int_equal(r.last_offset, 0xff8);
    ASSERT_READ(b.ms, 0x0c000003, 1, 0x03);
    assert_int_equal(r.last_size, 1);
    assert_int_equal(memory_write(b.ms, 0x0c000100, 4, 0x12345678), MEM_OK);
    assert_int_equal(r.last_offset, 0x100);
    assert_int_equal(r.last_value, 0x12345678);
    r.fail = true;
    uint32_t v;
    assert_int_equal(memory_read(b.ms, 0x0c000000, 4, &v), MEM_BUS_ERROR);
    assert_int_equal(memory_write(b.ms, 0x0c000000, 4, 1), MEM_BUS_ERROR);
    r.fail = false;
    /* The CPU's path: look up, then dispatch the range. */
    MemRange range;
    assert_true(memory_lookup(b.ms, 0x0c000010, &range));
    assert_int_equal(memory_mmio_read(b.ms, &range, 0x0c000020, 4, &v), MEM_OK);
    assert_int_equal(v, 0x0c000020);
    assert_int_equal(memory_mmio_write(b.ms, &range, 0x0c000024, 2, 0x99), MEM_OK);
    assert_int_equal(r.last_offset, 0x24);
    assert_int_equal(r.last_value, 0x99);
    AUDIT(b.ms);
    board_fini(&b);
}

static void test_r6_access_straddling_two_ranges_unmapped(void **state)
{
    (void)state;
    Board b;
    board_init(&b, true);
    MemoryRegion *a = new_ram(b.owner, "ra", 0x100);
    MemoryRegion *c = new_ram(b.owner, "rc", 0x100);
    ADD(b.bus, 0x1000, a);
    ADD(b.bus, 0x1100, c);
    AUDIT(b.ms);
    assert_int_equal(nranges(b.ms), 2);
    uint32_t v;
    assert_int_equal(memory_read(b.ms, 0x10fe, 4, &v), MEM_UNMAPPED);
    assert_int_equal(memory_write(b.ms, 0x10ff, 2, 0xffff), MEM_UNMAPPED);
    assert_int_equal(memory_region_host_ptr(a)[0xff], 0);
    assert_int_equal(memory_region_host_ptr(c)[0], 0);
    ASSERT_READ(b.ms, 0x10fc, 4, 0);
    ASSERT_READ(b.ms, 0x1100, 4, 0);
    /* The top of the address space is reachable. */
    MemoryRegion *top = new_ram(b.owner, "top", 0x100);
    ADD(b.bus, 0xffffff00, top);
    AUDIT(b.ms);
    MemRange mr;
    assert_true(memory_lookup(b.ms, 0xffffffff, &mr));
    assert_int_equal(mr.start, 0xffffff00);
    assert_int_equal(mr.last, 0xffffffff);
    assert_int_equal(memory_write(b.ms, 0xfffffffc, 4, 0xa1b2c3d4), MEM_OK);
    ASSERT_READ(b.ms, 0xfffffffc, 4, 0xa1b2c3d4);
    assert_int_equal(memory_read(b.ms, 0xfffffffe, 4, &v), MEM_UNMAPPED);
    board_fini(&b);
}

static void test_r6_readonly_alias_refuses_stores(void **state)
{
    (void)state;
    Board b;
    board_init(&b, true);
    MemoryRegion *ram = new_ram(b.owner, "ram", 0x1000);
    MemoryRegion *ro = new_alias(b.owner, "ram_ro", ram, 0, 0x100);
    memory_region_set_readonly(ro, true);
    ADD(b.bus, 0x0, ram);
    ADD(b.bus, 0x8000, ro);
    AUDIT(b.ms);
    assert_int_equal(memory_write(b.ms, 0x8000, 4, 0x01010101), MEM_READONLY);
    assert_int_equal(memory_write(b.ms, 0x80ff, 1, 0x01), MEM_READONLY);
    assert_int_equal(memory_region_host_ptr(ram)[0], 0);
    assert_int_equal(memory_write(b.ms, 0x0, 4, 0xdeadbeef), MEM_OK);
    ASSERT_READ(b.ms, 0x8000, 4, 0xdeadbeef);
    MemRange mr;
    assert_true(memory_lookup(b.ms, 0x8000, &mr));
    assert_true(mr.readonly);
    assert_ptr_equal(mr.mr, ram);
    assert_true(memory_lookup(b.ms, 0x0, &mr));
    assert_false(mr.readonly);
    /* Back to writable. */
    memory_region_set_readonly(ro, false);
    AUDIT(b.ms);
    assert_int_equal(memory_write(b.ms, 0x8004, 1, 0x42), MEM_OK);
    assert_int_equal(memory_region_host_ptr(ram)[4], 0x42);
    board_fini(&b);
}

static void test_r6_rom_guest_readonly_debugger_writable(void **state)
{
    (void)state;
    Board b;
    board_init(&b, true);
    Error *err = NULL;
    MemoryRegion *rom = memory_region_new_rom(b.owner, "bootrom", 0x100, &err);
    assert_null(err);
    assert_non_null(rom);
    assert_int_equal(memory_region_kind(rom), REGION_ROM);
    ADD(b.bus, 0x20000, rom);
    AUDIT(b.ms);
    assert_int_equal(memory_write(b.ms, 0x20000, 4, 0x00000013), MEM_READONLY);
    assert_int_equal(memory_region_host_ptr(rom)[0], 0);
    static const uint8_t code[4] = {0x13, 0x05, 0x10, 0x00};
    assert_true(memory_debug_write(b.ms, 0x20000, code, sizeof code, &err));
    assert_null(err);
    ASSERT_READ(b.ms, 0x20000, 4, 0x00100513);
    assert_int_equal(memory_region_host_ptr(rom)[1], 0x05);
    uint8_t back[4] = {0};
    assert_true(memory_debug_read(b.ms, 0x20000, back, sizeof back, &err));
    assert_memory_equal(back, code, sizeof code);
    MemRange mr;
    assert_true(memory_lookup(b.ms, 0x20010, &mr));
    assert_true(mr.readonly);
    AUDIT(b.ms);
    /* Bad sizes are refused. */
    assert_null(memory_region_new_rom(b.owner, "empty", 0, &err));
    assert_non_null(err);
    error_free(err);
    AUDIT(b.ms);
    board_fini(&b);
}

static void test_r6_disabled_region_invisible(void **state)
{
    (void)state;
    Board b;
    board_init(&b, true);
    Regs r;
    MemoryRegion *wdt = new_mmio(b.owner, "wdt", 0x100, &r, 0x4000);
    MemoryRegion *box = memory_region_new_container(b.owner, "box", 0x1000);
    MemoryRegion *ram = new_ram(b.owner, "boxram", 0x100);
    ADD(box, 0x0, ram);
    ADD(b.bus, 0x4000, wdt);
    ADD(b.bus, 0x9000, box);
    AUDIT(b.ms);
    ASSERT_READ(b.ms, 0x4000, 4, 0x4000);
    uint64_t rebuilds = nrebuilds(b.ms);
    memory_region_set_enabled(wdt, false);
    AUDIT(b.ms);
    assert_int_equal(nrebuilds(b.ms), rebuilds + 1);
    ASSERT_UNMAPPED(b.ms, 0x4000);
    memory_region_set_enabled(box, false); /* hides what it holds */
    AUDIT(b.ms);
    ASSERT_UNMAPPED(b.ms, 0x9000);
    assert_int_equal(nranges(b.ms), 0);
    memory_region_set_enabled(wdt, true);
    memory_region_set_enabled(box, true);
    AUDIT(b.ms);
    ASSERT_READ(b.ms, 0x4004, 4, 0x4004);
    ASSERT_READ(b.ms, 0x9000, 4, 0);
    assert_int_equal(nranges(b.ms), 2);
    /* A disabled higher-priority region uncovers what is under it. */
    Regs r2;
    MemoryRegion *over = new_mmio(b.owner, "over", 0x10, &r2, 0x5000);
    ADD_PRIO(b.bus, 0x4000, over, 5);
    AUDIT(b.ms);
    ASSERT_READ(b.ms, 0x4000, 4, 0x5000);
    memory_region_set_enabled(over, false);
    AUDIT(b.ms);
    ASSERT_READ(b.ms, 0x4000, 4, 0x4000);
    board_fini(&b);
}

static void test_r6_set_address_moves(void **state)
{
    (void)state;
    Board b;
    board_init(&b, true);
    Regs r;
    MemoryRegion *rtc = new_mmio(b.owner, "rtc", 0x100, &r, 0x7c00);
    ADD(b.bus, 0x4000, rtc);
    AUDIT(b.ms);
    ASSERT_READ(b.ms, 0x4000, 4, 0x7c00);
    memory_region_set_address(rtc, 0x5000);
    AUDIT(b.ms);
    assert_int_equal(memory_region_address(rtc), 0x5000);
    ASSERT_UNMAPPED(b.ms, 0x4000);
    ASSERT_READ(b.ms, 0x5010, 4, 0x7c10);
    /* Inside a transaction the move shows at commit. */
    memory_begin(b.ms);
    memory_region_set_address(rtc, 0x6000);
    AUDIT(b.ms);
    ASSERT_READ(b.ms, 0x5010, 4, 0x7c10);
    memory_commit(b.ms);
    AUDIT(b.ms);
    ASSERT_UNMAPPED(b.ms, 0x5000);
    ASSERT_READ(b.ms, 0x6010, 4, 0x7c10);
    board_fini(&b);
}

static void test_r6_adjacent_compatible_ranges_merged(void **state)
{
    (void)state;
    Board b;
    board_init(&b, true);
    MemoryRegion *pool = new_ram(b.owner, "pool", 0x2000);
    MemoryRegion *lo = new_alias(b.owner, "pool_lo", pool, 0x0, 0x1000);
    MemoryRegion *hi = new_alias(b.owner, "pool_hi", pool, 0x1000, 0x1000);
    ADD(b.bus, 0x1000, lo);
    ADD(b.bus, 0x2000, hi);
    AUDIT(b.ms);
    assert_int_equal(nranges(b.ms), 1);
    MemRange mr;
    assert_true(memory_lookup(b.ms, 0x2800, &mr));
    assert_int_equal(mr.start, 0x1000);
    assert_int_equal(mr.last, 0x2fff);
    assert_ptr_equal(mr.host, memory_region_host_ptr(pool));
    memory_region_host_ptr(pool)[0x1000] = 0x99;
    ASSERT_READ(b.ms, 0x2000, 1, 0x99);
    /* An access across the seam is one range now. */
    ASSERT_READ(b.ms, 0x1ffe, 4, 0x00990000);

    /* Not contiguous in the target: two ranges. */
    Error *err = NULL;
    assert_true(memory_region_set_alias_target(hi, pool, 0x0, &err));
    assert_null(err);
    AUDIT(b.ms);
    assert_int_equal(nranges(b.ms), 2);
    ASSERT_READ(b.ms, 0x2000, 1, 0);
    uint32_t v;
    assert_int_equal(memory_read(b.ms, 0x1ffe, 4, &v), MEM_UNMAPPED);
    /* Different access rights: two ranges. */
    assert_true(memory_region_set_alias_target(hi, pool, 0x1000, &err));
    memory_region_set_readonly(hi, true);
    AUDIT(b.ms);
    assert_int_equal(nranges(b.ms), 2);
    memory_region_set_readonly(hi, false);
    AUDIT(b.ms);
    assert_int_equal(nranges(b.ms), 1);
    board_fini(&b);
}

static int listener_calls;

static void count_listener(void *opaque)
{
    (void)opaque;
    listener_calls++;
}

/* A listener that looks at the view it is told about. */
typedef struct Peeker {
    MemorySystem *ms;
    uint32_t addr;
    int calls;
    MemAccess last;
    uint32_t value;
} Peeker;

static void peeking_listener(void *opaque)
{
    Peeker *pk = opaque;
    pk->calls++;
    pk->last = memory_read(pk->ms, pk->addr, 1, &pk->value);
}

static void test_r6_listener_sees_new_view(void **state)
{
    (void)state;
    Board b;
    board_init(&b, true);
    Peeker pk = {.ms = b.ms, .addr = 0x4000};
    memory_add_listener(b.ms, peeking_listener, &pk);
    MemoryRegion *ram = new_ram(b.owner, "ram", 0x100);
    memory_region_host_ptr(ram)[0] = 0x7e;
    ADD(b.bus, 0x4000, ram);
    assert_int_equal(pk.calls, 1);
    assert_int_equal(pk.last, MEM_OK);
    assert_int_equal(pk.value, 0x7e);
    memory_region_set_address(ram, 0x5000);
    assert_int_equal(pk.calls, 2);
    assert_int_equal(pk.last, MEM_UNMAPPED);
    AUDIT(b.ms);
    memory_remove_listener(b.ms, peeking_listener, &pk);
    memory_region_set_address(ram, 0x4000);
    assert_int_equal(pk.calls, 2);
    board_fini(&b);
}

static void test_r6_nested_transactions_rebuild_once(void **state)
{
    (void)state;
    Board b;
    board_init(&b, true);
    int tag = 0;
    listener_calls = 0;
    memory_add_listener(b.ms, count_listener, &tag);
    MemoryRegion *r1 = new_ram(b.owner, "r1", 0x100);
    MemoryRegion *r2 = new_ram(b.owner, "r2", 0x100);
    memory_region_host_ptr(r1)[0] = 1;
    memory_region_host_ptr(r2)[0] = 2;
    uint64_t rebuilds = nrebuilds(b.ms);

    memory_begin(b.ms);
    memory_begin(b.ms);
    ADD(b.bus, 0x1000, r1);
    AUDIT(b.ms);
    ADD(b.bus, 0x2000, r2);
    AUDIT(b.ms);
    memory_commit(b.ms); /* inner: nothing yet */
    AUDIT(b.ms);
    assert_int_equal(nrebuilds(b.ms), rebuilds);
    assert_int_equal(listener_calls, 0);
    ASSERT_UNMAPPED(b.ms, 0x1000);
    ASSERT_UNMAPPED(b.ms, 0x2000);
    memory_commit(b.ms); /* outer: exactly one rebuild */
    AUDIT(b.ms);
    assert_int_equal(nrebuilds(b.ms), rebuilds + 1);
    assert_int_equal(listener_calls, 1);
    ASSERT_READ(b.ms, 0x1000, 1, 1);
    ASSERT_READ(b.ms, 0x2000, 1, 2);

    /* An empty transaction changes nothing. */
    memory_begin(b.ms);
    memory_commit(b.ms);
    AUDIT(b.ms);
    assert_int_equal(nrebuilds(b.ms), rebuilds + 1);
    assert_int_equal(listener_calls, 1);

    memory_remove_listener(b.ms, count_listener, &tag);
    assert_true(memory_del_subregion(b.bus, r2));
    assert_int_equal(listener_calls, 1);
    board_fini(&b);
}

static void test_r6_mutation_outside_transaction_commits_at_once(void **state)
{
    (void)state;
    Board b;
    board_init(&b, true);
    int tag = 0;
    listener_calls = 0;
    memory_add_listener(b.ms, count_listener, &tag);
    MemoryRegion *ram = new_ram(b.owner, "ram", 0x100);
    memory_region_host_ptr(ram)[0x10] = 0xab;
    uint64_t rebuilds = nrebuilds(b.ms);
    ADD(b.bus, 0x7000, ram);
    assert_int_equal(nrebuilds(b.ms), rebuilds + 1);
    assert_int_equal(listener_calls, 1);
    ASSERT_READ(b.ms, 0x7010, 1, 0xab);
    AUDIT(b.ms);
    assert_true(memory_del_subregion(b.bus, ram));
    assert_int_equal(nrebuilds(b.ms), rebuilds + 2);
    assert_int_equal(listener_calls, 2);
    ASSERT_UNMAPPED(b.ms, 0x7010);
    AUDIT(b.ms);
    memory_remove_listener(b.ms, count_listener, &tag);
    board_fini(&b);
}

static void test_r6_finalize_time_detaches_never_rebuild(void **state)
{
    (void)state;
    Board b;
    board_init(&b, true);
    MemoryRegion *ram = new_ram(b.owner, "ram", 0x1000);
    ADD(b.bus, 0x0, ram);
    MemoryRegion *slot = memory_region_new_container(b.owner, "slot", 0x10000);
    AUDIT(b.ms);
    int tag = 0;
    listener_calls = 0;
    memory_add_listener(b.ms, count_listener, &tag);

    /* A device alone dies: its internal links go without a rebuild. */
    Dev d;
    dev_build(&d, b.ms, "lonely", 0x100, NULL);
    uint64_t before = nrebuilds(b.ms);
    int calls = listener_calls;
    owner_unref(d.owner);
    assert_int_equal(d.probe.finalized, 1);
    AUDIT(b.ms);
    assert_int_equal(nrebuilds(b.ms), before);
    assert_int_equal(listener_calls, calls);

    /* A device kept only by a slot that is not on the bus. */
    Dev kept;
    dev_build(&kept, b.ms, "kept", 0x200, NULL);
    ADD(slot, 0x0, kept.top);
    owner_unref(kept.owner);
    assert_int_equal(kept.probe.finalized, 0);
    AUDIT(b.ms);

    /* The board goes once it is no longer the root: its death detaches the
     * slot's device (a finalize-time detach across owners), which dies. */
    memory_set_root(b.ms, NULL);
    AUDIT(b.ms);
    before = nrebuilds(b.ms);
    calls = listener_calls;
    owner_unref(b.owner);
    b.owner = NULL;
    assert_int_equal(b.probe.finalized, 1);
    assert_int_equal(kept.probe.finalized, 1);
    AUDIT(b.ms);
    assert_int_equal(nrebuilds(b.ms), before);
    assert_int_equal(listener_calls, calls);
    memory_remove_listener(b.ms, count_listener, &tag);
    board_fini(&b);
}

static void test_r6_finalize_of_invisible_owner_never_rebuilds(void **state)
{
    (void)state;
    Board b;
    board_init(&b, true);
    MemoryRegion *ram = new_ram(b.owner, "ram", 0x1000);
    ADD(b.bus, 0x0, ram);
    /* holder (unmapped) holds held through a cross-owner link and alias. */
    Dev holder, held;
    dev_build(&holder, b.ms, "holder", 0x200, ram);
    dev_build(&held, b.ms, "held", 0x300, ram);
    ADD_PRIO(holder.top, 0x0, held.top, -1);
    MemoryRegion *ha = new_alias(holder.owner, "holder.to_held", held.fifo, 0, 0x10);
    ADD(holder.top, 0x100, ha);
    AUDIT(b.ms);
    owner_unref(held.owner);
    assert_int_equal(held.probe.finalized, 0);
    AUDIT(b.ms);
    uint64_t rebuilds = nrebuilds(b.ms);
    int tag = 0;
    listener_calls = 0;
    memory_add_listener(b.ms, count_listener, &tag);

    owner_unref(holder.owner); /* frees holder, whose links free held */
    assert_int_equal(holder.probe.finalized, 1);
    assert_int_equal(held.probe.finalized, 1);
    AUDIT(b.ms);
    assert_int_equal(nrebuilds(b.ms), rebuilds);
    assert_int_equal(listener_calls, 0);
    ASSERT_READ(b.ms, 0x0, 4, 0);
    memory_remove_listener(b.ms, count_listener, &tag);
    board_fini(&b);
}

/* ---- R7: the view holds what it points at ---- */

static void test_r7_view_holds_ref_on_mapped_owner(void **state)
{
    (void)state;
    Board b;
    board_init(&b, true);
    Probe p;
    Owner *gpio = probe_owner(b.ms, "gpio1", &p);
    Regs r;
    MemoryRegion *regs = new_mmio(gpio, "gpio1.regs", 0x100, &r, 0x6000);
    ADD(b.bus, 0x10012000, regs);
    AUDIT(b.ms);
    assert_int_equal(nranges(b.ms), 1);
    assert_int_equal(owner_refcount(gpio), 3); /* test + bus link + view */

    memory_begin(b.ms);
    assert_true(memory_del_subregion(b.bus, regs));
    AUDIT(b.ms);
    assert_int_equal(owner_refcount(gpio), 2); /* test + view */
    ASSERT_READ(b.ms, 0x10012004, 4, 0x6004);  /* the old view is in force */
    memory_commit(b.ms);
    AUDIT(b.ms);
    assert_int_equal(owner_refcount(gpio), 1);
    ASSERT_UNMAPPED(b.ms, 0x10012004);

    /* Disabled: mapped but not in the view. */
    ADD(b.bus, 0x10012000, regs);
    assert_int_equal(owner_refcount(gpio), 3);
    memory_region_set_enabled(regs, false);
    AUDIT(b.ms);
    assert_int_equal(owner_refcount(gpio), 2);
    memory_region_set_enabled(regs, true);
    AUDIT(b.ms);
    assert_int_equal(owner_refcount(gpio), 3);
    assert_true(memory_del_subregion(b.bus, regs));
    assert_int_equal(owner_refcount(gpio), 1);
    owner_unref(gpio);
    assert_int_equal(p.finalized, 1);
    AUDIT(b.ms);
    board_fini(&b);
}

static void test_r7_root_holds_ref_on_its_owner(void **state)
{
    (void)state;
    MemorySystem *ms = memory_system_new();
    Probe p;
    Owner *soc = probe_owner(ms, "soc", &p);
    MemoryRegion *bus = memory_region_new_container(soc, "bus", 1ULL << 32);
    memory_set_root(ms, bus);
    AUDIT(ms);
    assert_ptr_equal(memory_root(ms), bus);
    assert_int_equal(owner_refcount(soc), 2);
    owner_unref(soc);
    AUDIT(ms);
    assert_int_equal(p.finalized, 0);
    assert_int_equal(owner_refcount(soc), 1);
    memory_set_root(ms, NULL);
    assert_int_equal(p.finalized, 1);
    AUDIT(ms);
    assert_null(memory_root(ms));
    assert_int_equal(nowners(ms), 0);
    memory_system_free(ms);
}

/* A device that unplugs itself from inside its own MMIO write. */
typedef struct GadgetReport {
    int finalized;
    int finalized_inside;
    bool del_ok;
    bool audit_inside;
    unsigned calls;
} GadgetReport;

typedef struct Gadget {
    GadgetReport *report;
    MemorySystem *ms;
    MemoryRegion *bus, *regs;
    Owner *owner; /* the reference the test handed over */
    uint32_t scratch[4];
} Gadget;

#define GADGET_UNPLUG 0xdead

static void gadget_finalize(void *opaque)
{
    Gadget *g = opaque;
    g->report->finalized++;
    free(g);
}

static bool gadget_read(void *opaque, uint64_t offset, unsigned size,
                        uint32_t *value)
{
    (void)size;
    Gadget *g = opaque;
    *value = g->scratch[(offset / 4) % 4];
    return true;
}

static bool gadget_write(void *opaque, uint64_t offset, unsigned size,
                         uint32_t value)
{
    (void)size;
    Gadget *g = opaque;
    g->report->calls++;
    if (value == GADGET_UNPLUG) {
        Owner *o = g->owner;
        g->owner = NULL;
        g->report->del_ok = memory_del_subregion(g->bus, g->regs);
        owner_unref(o);
        Error *err = NULL;
        g->report->audit_inside = memory_audit(g->ms, &err);
        if (err)
            print_error("audit inside the callback: %s\n", error_message(err));
        error_free(err);
        /* Still alive: touching our state and our region is fine. */
        g->report->finalized_inside = g->report->finalized;
        g->scratch[0] = (uint32_t)strlen(memory_region_name(g->regs));
    }
    g->scratch[(offset / 4) % 4] = value;
    return true;
}

static const MmioOps gadget_ops = {gadget_read, gadget_write, NULL};

static Gadget *gadget_plug(Board *b, GadgetReport *rep, uint32_t addr)
{
    memset(rep, 0, sizeof *rep);
    Gadget *g = calloc(1, sizeof *g);
    assert_non_null(g);
    g->report = rep;
    g->ms = b->ms;
    g->bus = b->bus;
    g->owner = owner_new(b->ms, "gadget", gadget_finalize, g);
    g->regs = memory_region_new_mmio(g->owner, "gadget.regs", 0x10, &gadget_ops, g);
    ADD(b->bus, addr, g->regs);
    AUDIT(b->ms);
    return g;
}

static void test_r7_mmio_callback_removes_own_device(void **state)
{
    (void)state;
    Board b;
    board_init(&b, true);
    GadgetReport rep;
    gadget_plug(&b, &rep, 0x30000000);
    assert_int_equal(memory_write(b.ms, 0x30000004, 4, 7), MEM_OK);
    ASSERT_READ(b.ms, 0x30000004, 4, 7);
    assert_int_equal(rep.finalized, 0);

    assert_int_equal(memory_write(b.ms, 0x30000008, 4, GADGET_UNPLUG), MEM_OK);
    assert_int_equal(rep.calls, 2);
    assert_true(rep.del_ok);
    assert_true(rep.audit_inside);
    assert_int_equal(rep.finalized_inside, 0); /* not under the access */
    assert_int_equal(rep.finalized, 1);        /* freed once it returned */
    AUDIT(b.ms);
    ASSERT_UNMAPPED(b.ms, 0x30000008);
    assert_int_equal(nowners(b.ms), 1);
    board_fini(&b);
}

static void test_r7_mmio_callback_removes_own_device_cpu_path(void **state)
{
    (void)state;
    Board b;
    board_init(&b, true);
    GadgetReport rep;
    gadget_plug(&b, &rep, 0x30001000);
    MemRange range;
    assert_true(memory_lookup(b.ms, 0x30001000, &range));
    assert_null(range.host);
    assert_int_equal(memory_mmio_write(b.ms, &range, 0x30001004, 4,
                                       GADGET_UNPLUG), MEM_OK);
    assert_true(rep.del_ok);
    assert_true(rep.audit_inside);
    assert_int_equal(rep.finalized_inside, 0);
    assert_int_equal(rep.finalized, 1);
    AUDIT(b.ms);
    assert_false(memory_lookup(b.ms, 0x30001000, &range));
    board_fini(&b);
}

static void test_r7_mmio_callback_unplug_inside_transaction(void **state)
{
    (void)state;
    Board b;
    board_init(&b, true);
    GadgetReport rep;
    gadget_plug(&b, &rep, 0x30002000);
    memory_begin(b.ms);
    assert_int_equal(memory_write(b.ms, 0x30002000, 4, GADGET_UNPLUG), MEM_OK);
    assert_true(rep.del_ok);
    assert_true(rep.audit_inside);
    assert_int_equal(rep.finalized_inside, 0);
    /* The transaction is open: the view still shows the gadget. */
    assert_int_equal(rep.finalized, 0);
    ASSERT_READ(b.ms, 0x30002000, 4, GADGET_UNPLUG);
    AUDIT(b.ms);
    memory_commit(b.ms);
    assert_int_equal(rep.finalized, 1);
    AUDIT(b.ms);
    ASSERT_UNMAPPED(b.ms, 0x30002000);
    board_fini(&b);
}

/* A device that unmaps and destroys its own register region from inside
 * its own MMIO read, and keeps living without it. */
typedef struct SelfDestroyer {
    MemoryRegion *bus, *self;
    bool del_ok, destroy_ok;
    unsigned reads;
} SelfDestroyer;

static bool self_destroy_read(void *opaque, uint64_t offset, unsigned size,
                              uint32_t *value)
{
    (void)size;
    SelfDestroyer *sd = opaque;
    sd->reads++;
    sd->del_ok = memory_del_subregion(sd->bus, sd->self);
    Error *err = NULL;
    sd->destroy_ok = memory_region_destroy(sd->self, &err);
    if (err)
        print_error("destroy inside the callback: %s\n", error_message(err));
    error_free(err);
    *value = 0x5d00 + (uint32_t)offset;
    return true;
}

static const MmioOps self_destroy_ops = {self_destroy_read, NULL, NULL};

static void test_r7_mmio_callback_destroys_own_region(void **state)
{
    (void)state;
    Board b;
    board_init(&b, true);
    Probe p;
    Owner *o = probe_owner(b.ms, "fuse", &p);
    SelfDestroyer sd = {.bus = b.bus};
    sd.self = memory_region_new_mmio(o, "fuse.regs", 0x100, &self_destroy_ops, &sd);
    Regs r;
    MemoryRegion *other = new_mmio(o, "fuse.other", 0x100, &r, 0xf000);
    ADD(b.bus, 0x70000000, sd.self);
    ADD(b.bus, 0x70001000, other);
    AUDIT(b.ms);
    size_t regions = nregions(b.ms);
    ASSERT_READ(b.ms, 0x70000008, 4, 0x5d08);
    assert_true(sd.del_ok);
    assert_true(sd.destroy_ok);
    assert_int_equal(sd.reads, 1);
    AUDIT(b.ms);
    assert_int_equal(nregions(b.ms), regions - 1);
    ASSERT_UNMAPPED(b.ms, 0x70000008);
    ASSERT_READ(b.ms, 0x70001008, 4, 0xf008);
    assert_int_equal(p.finalized, 0);
    owner_unref(o);
    assert_int_equal(p.finalized, 0);
    assert_true(memory_del_subregion(b.bus, other));
    assert_int_equal(p.finalized, 1);
    AUDIT(b.ms);
    board_fini(&b);
}

/* A device that moves itself from inside its own MMIO read. */
typedef struct Mover {
    MemoryRegion *self;
    uint64_t to;
    unsigned reads;
} Mover;

static bool mover_read(void *opaque, uint64_t offset, unsigned size,
                       uint32_t *value)
{
    (void)size;
    Mover *m = opaque;
    m->reads++;
    if (m->to) {
        memory_region_set_address(m->self, m->to);
        m->to = 0;
    }
    *value = 0x3000 + (uint32_t)offset;
    return true;
}

static const MmioOps mover_ops = {mover_read, NULL, NULL};

static void test_r7_mmio_callback_moves_own_region(void **state)
{
    (void)state;
    Board b;
    board_init(&b, true);
    Probe p;
    Owner *o = probe_owner(b.ms, "mover", &p);
    Mover m = {0};
    m.self = memory_region_new_mmio(o, "mover.regs", 0x100, &mover_ops, &m);
    ADD(b.bus, 0x40000000, m.self);
    owner_unref(o); /* only the bus and view hold it */
    AUDIT(b.ms);
    m.to = 0x50000000;
    ASSERT_READ(b.ms, 0x40000010, 4, 0x3010);
    assert_int_equal(p.finalized, 0);
    AUDIT(b.ms);
    ASSERT_UNMAPPED(b.ms, 0x40000010);
    ASSERT_READ(b.ms, 0x50000020, 4, 0x3020);
    assert_int_equal(m.reads, 2);
    /* No write callback: a bus error, not a crash. */
    assert_int_equal(memory_write(b.ms, 0x50000000, 4, 1), MEM_BUS_ERROR);
    assert_true(memory_del_subregion(b.bus, m.self));
    assert_int_equal(p.finalized, 1);
    AUDIT(b.ms);
    board_fini(&b);
}

/* ---- R8: the audit ---- */

static void test_r8_audit_clean_on_empty_and_rootless_systems(void **state)
{
    (void)state;
    MemorySystem *ms = memory_system_new();
    AUDIT(ms);
    assert_int_equal(nranges(ms), 0);
    ASSERT_UNMAPPED(ms, 0);
    Probe p;
    Owner *o = probe_owner(ms, "solo", &p);
    AUDIT(ms);
    owner_ref(o);
    assert_int_equal(owner_refcount(o), 2);
    AUDIT(ms);
    owner_unref(o);
    AUDIT(ms);
    owner_unref(o);
    assert_int_equal(p.finalized, 1);
    AUDIT(ms);
    memory_system_free(ms);
}

/* ---- memory_tree ---- */

static void test_tree_golden(void **state)
{
    (void)state;
    Board b;
    board_init(&b, true);
    Probe ps;
    Owner *sram = probe_owner(b.ms, "sram0", &ps);
    MemoryRegion *ram = new_ram(sram, "ram", 0x4000);
    ADD(b.bus, 0x80000000, ram);
    owner_unref(sram); /* the bus keeps it */
    Dev d;
    dev_build(&d, b.ms, "uart0", 0x0, ram);
    ADD(b.bus, 0x10000000, d.top);
    Error *err = NULL;
    MemoryRegion *rom = memory_region_new_rom(b.owner, "rom", 0x100, &err);
    assert_null(err);
    ADD_PRIO(b.bus, 0x1000, rom, 2);
    memory_region_set_enabled(d.fifo, false);
    AUDIT(b.ms);

    char *tree = memory_tree(b.ms);
    assert_non_null(tree);
    static const char golden[] =
        "address-space: sysbus\n"
        "  0000000000000000-00000000ffffffff (prio 0, container): sysbus [owner mainboard]\n"
        "    0000000000001000-00000000000010ff (prio 2, rom): rom [owner mainboard]\n"
        "    0000000010000000-0000000010000fff (prio 0, container): uart0.top [owner uart0]\n"
        "      0000000010000000-00000000100000ff (prio 0, mmio): uart0.regs [owner uart0]\n"
        "      0000000010000800-0000000010000fff (prio 0, container): uart0.inner [owner uart0]\n"
        "        0000000010000800-00000000100008ff (prio 0, ram): uart0.buf [owner uart0]\n"
        "        0000000010000900-000000001000090f (prio 0, mmio, disabled): uart0.fifo [owner uart0]\n"
        "        0000000010000a00-0000000010000a0f (prio 0, alias): uart0.self_alias [owner uart0] -> uart0.regs @0000000000000010\n"
        "        0000000010000c00-0000000010000cff (prio 0, alias): uart0.shm [owner uart0] -> ram @0000000000000000\n"
        "    0000000080000000-0000000080003fff (prio 0, ram): ram [owner sram0]\n"
        "flat view:\n"
        "  00001000-000010ff rom rom+0 ro\n"
        "  10000000-100000ff mmio uart0.regs+0\n"
        "  10000800-100008ff ram uart0.buf+0\n"
        "  10000a00-10000a0f mmio uart0.regs+10\n"
        "  10000c00-10000cff ram ram+0\n"
        "  80000000-80003fff ram ram+0\n";
    if (strcmp(tree, golden) != 0)
        print_error("memory_tree() gave:\n%s", tree);
    assert_string_equal(tree, golden);
    free(tree);

    /* No root: a header and an empty view. */
    memory_set_root(b.ms, NULL);
    tree = memory_tree(b.ms);
    assert_non_null(tree);
    assert_string_equal(tree, "address-space: (no root)\nflat view:\n");
    free(tree);

    assert_true(memory_del_subregion(b.bus, d.top));
    owner_unref(d.owner);
    assert_int_equal(d.probe.finalized, 1);
    AUDIT(b.ms);
    assert_int_equal(ps.finalized, 0);
    board_fini(&b); /* the bus goes and takes sram0 with it */
    assert_int_equal(ps.finalized, 1);
}

/* ---- debugger access ---- */

static void test_debug_read_mmio_uses_peek_not_read(void **state)
{
    (void)state;
    Board b;
    board_init(&b, true);
    Regs r;
    MemoryRegion *rtc = new_mmio(b.owner, "rtc", 0x20, &r, 0x1234);
    ADD(b.bus, 0x30000, rtc);
    AUDIT(b.ms);
    uint8_t buf[8];
    memset(buf, 0xee, sizeof buf);
    Error *err = NULL;
    assert_true(memory_debug_read(b.ms, 0x30000, buf, 4, &err));
    assert_null(err);
    static const uint8_t want0[4] = {0xa0, 0xa1, 0xa2, 0xa3};
    assert_memory_equal(buf, want0, 4);
    assert_int_equal(buf[4], 0xee); /* nothing past len */
    assert_true(memory_debug_read(b.ms, 0x30002, buf, 7, &err));
    static const uint8_t want2[7] = {0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8};
    assert_memory_equal(buf, want2, 7);
    assert_true(memory_debug_read(b.ms, 0x3001f, buf, 1, &err));
    assert_int_equal(buf[0], 0xbf);
    assert_null(err);
    assert_true(r.peeks > 0);
    assert_int_equal(r.reads, 0);
    assert_int_equal(r.writes, 0);
    /* A debugger write to MMIO is refused and calls nothing. */
    assert_false(memory_debug_write(b.ms, 0x30000, buf, 4, &err));
    assert_non_null(err);
    error_free(err);
    assert_int_equal(r.writes, 0);
    assert_int_equal(r.reads, 0);
    AUDIT(b.ms);
    board_fini(&b);
}

static void test_debug_read_mmio_without_peek_refused(void **state)
{
    (void)state;
    Board b;
    board_init(&b, true);
    Regs r = {0};
    MemoryRegion *dma = memory_region_new_mmio(b.owner, "dma_regs", 0x100,
                                               &regs_ops_nopeek, &r);
    ADD(b.bus, 0x40000, dma);
    AUDIT(b.ms);
    uint8_t buf[4];
    Error *err = NULL;
    assert_false(memory_debug_read(b.ms, 0x40010, buf, sizeof buf, &err));
    ASSERT_ERROR_HAS(err, "40010");
    error_free(err);
    assert_int_equal(r.reads, 0);
    assert_int_equal(r.writes, 0);
    AUDIT(b.ms);
    board_fini(&b);
}

static void test_debug_access_unmapped_names_the_address(void **state)
{
    (void)state;
    Board b;
    board_init(&b, true);
    MemoryRegion *ram = new_ram(b.owner, "sram", 0x100);
    ADD(b.bus, 0x7ef00, ram);
    uint8_t *host = memory_region_host_ptr(ram);
    for (int i = 0; i < 0x100; i++)
        host[i] = (uint8_t)i;
    AUDIT(b.ms);

    uint8_t buf[4];
    Error *err = NULL;
    assert_false(memory_debug_read(b.ms, 0x12345678, buf, 1, &err));
    ASSERT_ERROR_HAS(err, "12345678");
    error_free(err);
    err = NULL;

    /* Stops at the first byte it cannot access, and says which. */
    memset(buf, 0, sizeof buf);
    assert_false(memory_debug_read(b.ms, 0x7effe, buf, 4, &err));
    ASSERT_ERROR_HAS(err, "7f000");
    error_free(err);
    err = NULL;
    assert_int_equal(buf[0], 0xfe);
    assert_int_equal(buf[1], 0xff);

    static const uint8_t data[4] = {1, 2, 3, 4};
    assert_false(memory_debug_write(b.ms, 0x7effd, data, 4, &err));
    ASSERT_ERROR_HAS(err, "7f000");
    error_free(err);
    err = NULL;
    assert_int_equal(host[0xfd], 1);
    assert_int_equal(host[0xff], 3);
    assert_false(memory_debug_write(b.ms, 0xabcdef00, data, 4, &err));
    ASSERT_ERROR_HAS(err, "abcdef00");
    error_free(err);
    err = NULL;

    /* Within RAM both ways work. */
    assert_true(memory_debug_write(b.ms, 0x7ef10, data, 4, &err));
    assert_true(memory_debug_read(b.ms, 0x7ef10, buf, 4, &err));
    assert_null(err);
    assert_memory_equal(buf, data, 4);
    AUDIT(b.ms);
    board_fini(&b);
}

/* ---- hardening: memory_region_destroy pins its owner (R2, R3) ---- */

/* One link of a chain of owners: its finalize hook drops the reference it
 * was handed on the next owner, whose hook drops the next, and so on. */
typedef struct ChainLink {
    Owner *next;
    int finalized;
} ChainLink;

static void chain_finalize(void *opaque)
{
    ChainLink *link = opaque;
    link->finalized++;
    Owner *next = link->next;
    link->next = NULL;
    owner_unref(next);
}

#define CHAIN_LEN 5

/* Owners links[0] .. links[CHAIN_LEN-1]: links[k]'s hook releases
 * links[k+1], the last one releases `tail`. The test keeps no reference on
 * any of them: dropping links[0]'s last reference brings down the chain and
 * then tail. */
static Owner *chain_build(MemorySystem *ms, ChainLink *links, Owner *tail)
{
    Owner *owners[CHAIN_LEN];
    for (int k = 0; k < CHAIN_LEN; k++) {
        char name[16];
        snprintf(name, sizeof name, "link%d", k);
        links[k] = (ChainLink){0};
        owners[k] = owner_new(ms, name, chain_finalize, &links[k]);
    }
    for (int k = 0; k + 1 < CHAIN_LEN; k++)
        links[k].next = owners[k + 1];
    links[CHAIN_LEN - 1].next = tail;
    return owners[0];
}

static void assert_chain_finalized_once(const ChainLink *links)
{
    for (int k = 0; k < CHAIN_LEN; k++) {
        assert_int_equal(links[k].finalized, 1);
        assert_null(links[k].next);
    }
}

/* Destroying a container drops the reference its link held on a child of
 * another owner. That child's finalize hook starts a cascade that releases
 * the last reference on the destroyed region's own owner: the owner must
 * not die (and free the region) while destroy is still working on it. */
static void test_r3_destroy_cascade_releasing_own_owner(void **state)
{
    (void)state;
    MemorySystem *ms = memory_system_new();
    Probe pv;
    Owner *victim = probe_owner(ms, "victim", &pv);
    MemoryRegion *slot = memory_region_new_container(victim, "victim.slot", 0x1000);
    MemoryRegion *keep = new_ram(victim, "victim.keep", 0x100);
    ADD(slot, 0x800, keep);
    ChainLink links[CHAIN_LEN];
    Owner *first = chain_build(ms, links, victim);
    Regs r;
    MemoryRegion *child = new_mmio(first, "link0.regs", 0x100, &r, 0);
    ADD(slot, 0x100, child);
    owner_unref(first); /* only the slot's link holds link0 now */
    AUDIT(ms);
    assert_int_equal(owner_refcount(victim), 1); /* held by the last link */
    assert_int_equal(nowners(ms), CHAIN_LEN + 1);

    Error *err = NULL;
    assert_true(memory_region_destroy(slot, &err));
    assert_null(err);
    assert_chain_finalized_once(links);
    assert_int_equal(pv.finalized, 1); /* once destroy let go of it */
    AUDIT(ms);
    assert_int_equal(nowners(ms), 0);
    assert_int_equal(nregions(ms), 0);
    memory_system_free(ms);
}

/* The same cascade started by destroying an alias: its reference on the
 * target's owner is the one that starts it. */
static void test_r3_destroy_alias_cascade_releasing_own_owner(void **state)
{
    (void)state;
    MemorySystem *ms = memory_system_new();
    Probe pv;
    Owner *victim = probe_owner(ms, "victim", &pv);
    ChainLink links[CHAIN_LEN];
    Owner *first = chain_build(ms, links, victim);
    MemoryRegion *target = new_ram(first, "link0.ram", 0x100);
    MemoryRegion *window = new_alias(victim, "victim.window", target, 0, 0x100);
    MemoryRegion *other = new_ram(victim, "victim.other", 0x10);
    (void)other;
    owner_unref(first); /* only the alias holds link0 now */
    AUDIT(ms);

    Error *err = NULL;
    assert_true(memory_region_destroy(window, &err));
    assert_null(err);
    assert_chain_finalized_once(links);
    assert_int_equal(pv.finalized, 1);
    AUDIT(ms);
    assert_int_equal(nowners(ms), 0);
    assert_int_equal(nregions(ms), 0);
    memory_system_free(ms);
}

/* A finalize hook that tries to destroy a region of an owner that is being
 * finalized (the owner is tearing its regions down itself). */
typedef struct LateDestroyer {
    MemoryRegion *target;
    int finalized;
    bool destroy_ok;
    char message[256];
} LateDestroyer;

static void late_destroyer_finalize(void *opaque)
{
    LateDestroyer *ld = opaque;
    ld->finalized++;
    Error *err = NULL;
    ld->destroy_ok = memory_region_destroy(ld->target, &err);
    snprintf(ld->message, sizeof ld->message, "%s",
             err ? error_message(err) : "(no error)");
    error_free(err);
}

static void test_r3_destroy_refused_while_its_owner_is_finalized(void **state)
{
    (void)state;
    MemorySystem *ms = memory_system_new();
    Probe ph;
    Owner *host = probe_owner(ms, "hub", &ph);
    /* Finalized in creation order (no shuffle): the container first, and
     * while it drops its child the spare is still alive. */
    MemoryRegion *slots = memory_region_new_container(host, "hub.slots", 0x1000);
    MemoryRegion *spare = new_ram(host, "hub.spare", 0x100);
    LateDestroyer ld = {.target = spare};
    Owner *dev = owner_new(ms, "late", late_destroyer_finalize, &ld);
    Regs r;
    MemoryRegion *regs = new_mmio(dev, "late.regs", 0x100, &r, 0);
    ADD(slots, 0, regs);
    owner_unref(dev); /* the hub's link holds it */
    AUDIT(ms);

    owner_unref(host);
    assert_int_equal(ld.finalized, 1);
    assert_false(ld.destroy_ok);
    assert_non_null(strstr(ld.message, "hub.spare"));
    assert_non_null(strstr(ld.message, "finalized"));
    assert_int_equal(ph.finalized, 1);
    AUDIT(ms);
    assert_int_equal(nowners(ms), 0);
    assert_int_equal(nregions(ms), 0);
    memory_system_free(ms);
}

/* ---- hardening: a destroyed region cannot be used again ---- */

static void test_r3_destroyed_region_refused_while_it_waits(void **state)
{
    (void)state;
    Board b;
    board_init(&b, true);
    Probe p;
    Owner *o = probe_owner(b.ms, "otp", &p);
    MemoryRegion *top = memory_region_new_container(o, "otp.top", 0x1000);
    MemoryRegion *cells = new_ram(o, "otp.cells", 0x100);
    MemoryRegion *other = new_ram(o, "otp.other", 0x100);
    MemoryRegion *alias = new_alias(o, "otp.alias", other, 0, 0x100);
    ADD(top, 0, cells);
    ADD(b.bus, 0x20000000, top);
    AUDIT(b.ms);
    size_t regions = nregions(b.ms);

    memory_begin(b.ms);
    Error *err = NULL;
    assert_true(memory_region_destroy(cells, &err));
    assert_null(err);
    AUDIT(b.ms);
    /* Until the commit the region waits (the view may name it), but it is
     * gone for the API: linking it, aliasing it, destroying it again. */
    assert_false(memory_add_subregion(b.bus, 0x30000000, cells, &err));
    ASSERT_ERROR_HAS(err, "otp.cells");
    ASSERT_ERROR_HAS(err, "destroyed");
    error_free(err);
    err = NULL;
    assert_null(memory_region_container(cells));
    assert_null(memory_region_new_alias(o, "otp.late", cells, 0, 0x10, &err));
    ASSERT_ERROR_HAS(err, "destroyed");
    error_free(err);
    err = NULL;
    assert_false(memory_region_set_alias_target(alias, cells, 0, &err));
    ASSERT_ERROR_HAS(err, "destroyed");
    error_free(err);
    err = NULL;
    assert_false(memory_region_destroy(cells, &err));
    ASSERT_ERROR_HAS(err, "destroyed");
    error_free(err);
    err = NULL;
    AUDIT(b.ms);
    ASSERT_READ(b.ms, 0x20000000, 4, 0); /* the old view still shows it */
    memory_commit(b.ms);
    AUDIT(b.ms);
    assert_int_equal(nregions(b.ms), regions - 1);
    ASSERT_UNMAPPED(b.ms, 0x20000000);
    ASSERT_UNMAPPED(b.ms, 0x30000000);

    /* A destroyed container takes nothing either (inside an access the
     * region waits too; a transaction is the simplest way to get there). */
    memory_begin(b.ms);
    MemoryRegion *box = memory_region_new_container(o, "otp.box", 0x100);
    assert_true(memory_region_destroy(box, &err));
    MemoryRegion *late = new_ram(o, "otp.late_ram", 0x10);
    assert_false(memory_add_subregion(box, 0, late, &err));
    ASSERT_ERROR_HAS(err, "otp.box");
    ASSERT_ERROR_HAS(err, "destroyed");
    error_free(err);
    err = NULL;
    memory_commit(b.ms);
    AUDIT(b.ms);
    assert_null(memory_region_container(late));

    owner_unref(o);
    assert_true(memory_del_subregion(b.bus, top));
    assert_int_equal(p.finalized, 1);
    AUDIT(b.ms);
    board_fini(&b);
}

/* Setting a destroyed region as the root cannot be refused (no errp) and
 * would leave the root pointing at freed memory after the commit: it is a
 * caller's bug, stopped at once with a message naming the region. Run in a
 * child process, which must abort with that message. */
static void set_destroyed_root_then_exit(void)
{
    MemorySystem *ms = memory_system_new();
    Owner *o = owner_new(ms, "soc", NULL, NULL);
    MemoryRegion *spare = memory_region_new_container(o, "spare_bus", 0x1000);
    memory_begin(ms);
    memory_region_destroy(spare, NULL);
    memory_set_root(ms, spare);
    memory_commit(ms);
    memory_set_root(ms, NULL);
    _exit(0);
}

static void test_r3_destroyed_region_as_root_stops_with_a_message(void **state)
{
    (void)state;
    int err_pipe[2];
    assert_int_equal(pipe(err_pipe), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(err_pipe[1], STDERR_FILENO);
        close(err_pipe[0]);
        set_destroyed_root_then_exit();
    }
    close(err_pipe[1]);
    char out[4096];
    size_t len = 0;
    ssize_t n;
    while (len < sizeof out - 1 &&
           (n = read(err_pipe[0], out + len, sizeof out - 1 - len)) > 0)
        len += (size_t)n;
    out[len] = '\0';
    close(err_pipe[0]);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!WIFSIGNALED(status) || !strstr(out, "spare_bus"))
        print_error("child: status 0x%x, stderr:\n%s\n", status, out);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGABRT);
    assert_non_null(strstr(out, "destroyed region 'spare_bus' set as the root"));
}

/* ---- hardening: nothing read after a commit that may have freed it ---- */

/* A listener that destroys one region the first time it hears of a
 * rebuild (listeners may change the map: the rebuild goes round again). */
typedef struct Destroyer {
    MemoryRegion *target;
    bool ok;
    unsigned calls;
} Destroyer;

static void destroying_listener(void *opaque)
{
    Destroyer *d = opaque;
    d->calls++;
    if (!d->target)
        return;
    MemoryRegion *target = d->target;
    d->target = NULL;
    Error *err = NULL;
    d->ok = memory_region_destroy(target, &err);
    if (err)
        print_error("listener's destroy: %s\n", error_message(err));
    error_free(err);
}

static void test_r7_del_subregion_survives_container_destroyed_by_rebuild(void **state)
{
    (void)state;
    Board b;
    board_init(&b, true);
    MemoryRegion *slot = memory_region_new_container(b.owner, "slot", 0x1000);
    ADD(b.bus, 0x60000000, slot);
    Probe p;
    Owner *dev = probe_owner(b.ms, "spi1", &p);
    Regs r;
    MemoryRegion *regs = new_mmio(dev, "spi1.regs", 0x100, &r, 0x5100);
    ADD(slot, 0x100, regs);
    owner_unref(dev); /* the slot's link and the view hold it */
    AUDIT(b.ms);
    Destroyer d = {.target = slot};
    memory_add_listener(b.ms, destroying_listener, &d);

    assert_true(memory_del_subregion(slot, regs));
    assert_true(d.ok);
    assert_int_equal(p.finalized, 1); /* the link's reference was dropped */
    AUDIT(b.ms);
    ASSERT_UNMAPPED(b.ms, 0x60000100);
    memory_remove_listener(b.ms, destroying_listener, &d);
    board_fini(&b);
}

static void test_r7_set_root_survives_old_root_destroyed_by_rebuild(void **state)
{
    (void)state;
    Board b;
    board_init(&b, true);
    MemoryRegion *bus2 = memory_region_new_container(b.owner, "sysbus2", 1ULL << 32);
    MemoryRegion *ram = new_ram(b.owner, "ram", 0x100);
    ADD(bus2, 0x1000, ram);
    AUDIT(b.ms);
    unsigned refs = owner_refcount(b.owner);
    Destroyer d = {.target = b.bus};
    memory_add_listener(b.ms, destroying_listener, &d);

    memory_set_root(b.ms, bus2);
    assert_true(d.ok);
    AUDIT(b.ms);
    assert_ptr_equal(memory_root(b.ms), bus2);
    /* The old root's reference went, the new root's and the view's came. */
    assert_int_equal(owner_refcount(b.owner), refs + 1);
    ASSERT_READ(b.ms, 0x1000, 4, 0);
    memory_remove_listener(b.ms, destroying_listener, &d);
    b.bus = bus2;
    board_fini(&b);
}

static void test_r4_retarget_survives_old_target_destroyed_by_rebuild(void **state)
{
    (void)state;
    Board b;
    board_init(&b, true);
    Probe pa, pb;
    Owner *bank_a = probe_owner(b.ms, "bank_a", &pa);
    Owner *bank_b = probe_owner(b.ms, "bank_b", &pb);
    MemoryRegion *ram_a = new_ram(bank_a, "bank_a.ram", 0x100);
    MemoryRegion *ram_b = new_ram(bank_b, "bank_b.ram", 0x100);
    memory_region_host_ptr(ram_b)[0] = 0xbb;
    MemoryRegion *window = new_alias(b.owner, "window", ram_a, 0, 0x100);
    ADD(b.bus, 0x9000, window);
    owner_unref(bank_a); /* the alias and the view hold it */
    AUDIT(b.ms);
    Destroyer d = {.target = ram_a};
    memory_add_listener(b.ms, destroying_listener, &d);

    Error *err = NULL;
    assert_true(memory_region_set_alias_target(window, ram_b, 0, &err));
    assert_null(err);
    assert_true(d.ok);
    assert_int_equal(pa.finalized, 1); /* the alias's reference was dropped */
    AUDIT(b.ms);
    ASSERT_READ(b.ms, 0x9000, 1, 0xbb);
    memory_remove_listener(b.ms, destroying_listener, &d);
    owner_unref(bank_b);
    assert_int_equal(pb.finalized, 0);
    board_fini(&b); /* the window goes with the board, and bank_b with it */
    assert_int_equal(pb.finalized, 1);
}

/* Freeing the views an MMIO access kept may finalize an owner whose hook
 * changes the map. That rebuild must not free a destroyed region that a
 * view still being freed names. */
typedef struct Toggler {
    MemoryRegion *target;
    int finalized;
} Toggler;

static void toggler_finalize(void *opaque)
{
    Toggler *t = opaque;
    t->finalized++;
    memory_region_set_enabled(t->target, false);
}

typedef struct Cleaner {
    MemoryRegion *bus, *neighbour, *doomed;
    bool del_ok, destroy_ok;
} Cleaner;

static bool cleaner_write(void *opaque, uint64_t offset, unsigned size,
                          uint32_t value)
{
    (void)offset;
    (void)size;
    (void)value;
    Cleaner *c = opaque;
    c->del_ok = memory_del_subregion(c->bus, c->neighbour);
    Error *err = NULL;
    c->destroy_ok = memory_region_destroy(c->doomed, &err);
    error_free(err);
    return true;
}

static const MmioOps cleaner_ops = {NULL, cleaner_write, NULL};

static void test_r7_release_after_access_keeps_zombies_until_views_go(void **state)
{
    (void)state;
    Board b;
    board_init(&b, true);
    MemoryRegion *lamp = new_ram(b.owner, "lamp", 0x100);
    ADD(b.bus, 0x8000, lamp);
    /* The neighbour sits below the cleaner, so the view that still names
     * it releases it before reaching the cleaner's doomed region. */
    Toggler t = {.target = lamp};
    Owner *nb = owner_new(b.ms, "neighbour", toggler_finalize, &t);
    Regs rn;
    MemoryRegion *nregs = new_mmio(nb, "neighbour.regs", 0x100, &rn, 0);
    ADD(b.bus, 0x1000, nregs);
    owner_unref(nb); /* the bus and the view hold it */

    Probe pc;
    Owner *co = probe_owner(b.ms, "cleaner", &pc);
    MemoryRegion *top = memory_region_new_container(co, "cleaner.top", 0x1000);
    Cleaner c = {.bus = b.bus, .neighbour = nregs};
    MemoryRegion *ctl = memory_region_new_mmio(co, "cleaner.ctl", 0x100,
                                               &cleaner_ops, &c);
    Regs rd;
    c.doomed = new_mmio(co, "cleaner.doomed", 0x100, &rd, 0xd00);
    ADD(top, 0, ctl);
    ADD(top, 0x100, c.doomed);
    ADD(b.bus, 0x2000, top);
    AUDIT(b.ms);
    size_t regions = nregions(b.ms);

    assert_int_equal(memory_write(b.ms, 0x2000, 4, 1), MEM_OK);
    assert_true(c.del_ok);
    assert_true(c.destroy_ok);
    assert_int_equal(t.finalized, 1);
    AUDIT(b.ms);
    assert_int_equal(nregions(b.ms), regions - 2);
    ASSERT_UNMAPPED(b.ms, 0x1000);
    ASSERT_UNMAPPED(b.ms, 0x2100);
    ASSERT_UNMAPPED(b.ms, 0x8000); /* the hook's change is in the view */
    owner_unref(co);
    assert_true(memory_del_subregion(b.bus, top));
    assert_int_equal(pc.finalized, 1);
    AUDIT(b.ms);
    board_fini(&b);
}

/* A listener that removes itself when it hears of a rebuild (one-shot),
 * and one registered after it that must still hear of every rebuild: it
 * may be a cache of host pointers into regions the rebuild let go. */
typedef struct OneShot {
    MemorySystem *ms;
    unsigned calls;
} OneShot;

static void one_shot_listener(void *opaque)
{
    OneShot *o = opaque;
    o->calls++;
    memory_remove_listener(o->ms, one_shot_listener, o);
}

static void counting_listener(void *opaque)
{
    ++*(unsigned *)opaque;
}

static void test_r6_listener_removing_itself_skips_no_other(void **state)
{
    (void)state;
    Board b;
    board_init(&b, true);
    OneShot first = {.ms = b.ms}, second = {.ms = b.ms};
    unsigned cache_calls = 0;
    memory_add_listener(b.ms, one_shot_listener, &first);
    memory_add_listener(b.ms, counting_listener, &cache_calls);
    memory_add_listener(b.ms, one_shot_listener, &second);
    MemoryRegion *ram = new_ram(b.owner, "ram", 0x100);
    ADD(b.bus, 0x1000, ram);
    assert_int_equal(first.calls, 1);
    assert_int_equal(cache_calls, 1);
    assert_int_equal(second.calls, 1);
    /* Both one-shots are gone; the cache keeps hearing. */
    memory_region_set_address(ram, 0x2000);
    assert_int_equal(first.calls, 1);
    assert_int_equal(second.calls, 1);
    assert_int_equal(cache_calls, 2);
    /* Removed outside a notification: it hears nothing more. */
    memory_remove_listener(b.ms, counting_listener, &cache_calls);
    memory_region_set_address(ram, 0x3000);
    assert_int_equal(cache_calls, 2);
    AUDIT(b.ms);
    board_fini(&b);
}

/* ---- hardening: subregions must fit their container ---- */

/* One refused add: false, an error naming both regions, nothing changed
 * (no link, no reference, no rebuild). */
#define ADD_REFUSED(container, offset, sub) \
    add_refused_at((container), (offset), (sub), __FILE__, __LINE__)

static void add_refused_at(MemoryRegion *container, uint64_t offset,
                           MemoryRegion *sub, const char *file, int line)
{
    Owner *so = memory_region_owner(sub);
    unsigned refs = owner_refcount(so);
    Error *err = NULL;
    bool ok = memory_add_subregion(container, offset, sub, &err);
    if (ok)
        print_error("%s:%d: '%s' at 0x%llx in '%s' was accepted\n", file, line,
                    memory_region_name(sub), (unsigned long long)offset,
                    memory_region_name(container));
    _assert_true(!ok, "memory_add_subregion refused", file, line);
    error_has_at(err, memory_region_name(sub), file, line);
    error_has_at(err, memory_region_name(container), file, line);
    error_free(err);
    _assert_true(memory_region_container(sub) == NULL, "not linked", file, line);
    _assert_true(owner_refcount(so) == refs, "no reference taken", file, line);
}

static void test_r1_subregion_must_fit_its_container(void **state)
{
    (void)state;
    Board b;
    board_init(&b, true);
    Probe p;
    Owner *o = probe_owner(b.ms, "dev", &p);
    MemoryRegion *box = memory_region_new_container(b.owner, "box", 0x1000);
    ADD(b.bus, 0x10000, box);
    Regs r;
    MemoryRegion *regs = new_mmio(o, "dev.regs", 0x100, &r, 0x700);
    AUDIT(b.ms);
    uint64_t rebuilds = nrebuilds(b.ms);

    ADD_REFUSED(box, 0xf01, regs);              /* one byte past the end */
    ADD_REFUSED(box, 0x1000, regs);             /* starts at the end */
    ADD_REFUSED(box, 0x2000, regs);             /* starts past the end */
    ADD_REFUSED(box, UINT64_MAX - 0x7f, regs);  /* offset + size wraps */
    ADD_REFUSED(box, UINT64_MAX, regs);
    ADD_REFUSED(box, 1ULL << 63, regs);
    MemoryRegion *empty = memory_region_new_mmio(o, "dev.empty", 0, &regs_ops, &r);
    ADD_REFUSED(box, 0, empty);                 /* size 0 fits nowhere */
    assert_int_equal(nrebuilds(b.ms), rebuilds);
    AUDIT(b.ms);

    ADD(box, 0xf00, regs); /* ends exactly at the container's end */
    ASSERT_READ(b.ms, 0x10ffc, 4, 0x7fc);
    ASSERT_UNMAPPED(b.ms, 0x11000);
    AUDIT(b.ms);
    assert_true(memory_del_subregion(box, regs));

    /* The 4 GiB bus: a region may end exactly at 2^32, not a byte later. */
    ADD_REFUSED(b.bus, 0xffffff01ULL, regs);
    ADD_REFUSED(b.bus, 1ULL << 32, regs);
    ADD(b.bus, 0xffffff00ULL, regs);
    ASSERT_READ(b.ms, 0xfffffffc, 4, 0x7fc);
    AUDIT(b.ms);
    assert_true(memory_del_subregion(b.bus, regs));

    /* A container as large as 64 bits allow: the last byte is 2^64 - 2. */
    MemoryRegion *huge = memory_region_new_container(b.owner, "huge", UINT64_MAX);
    ADD_REFUSED(huge, UINT64_MAX - 0xff, regs);
    ADD_REFUSED(huge, UINT64_MAX - 0x7f, regs);
    ADD(huge, UINT64_MAX - 0x100, regs);
    AUDIT(b.ms);
    assert_true(memory_del_subregion(huge, regs));

    /* memory_range_check on its own: the limits, and no wrapping. */
    Error *err = NULL;
    assert_true(memory_range_check("r", 0, 1, 1, &err));
    assert_true(memory_range_check("r", 0, UINT64_MAX, UINT64_MAX, &err));
    assert_true(memory_range_check("r", UINT64_MAX - 1, 1, UINT64_MAX, &err));
    assert_null(err);
    assert_false(memory_range_check("r", 0, 1, 0, NULL));
    assert_false(memory_range_check("r", UINT64_MAX, 1, UINT64_MAX, NULL));
    assert_false(memory_range_check("r", 2, UINT64_MAX - 1, UINT64_MAX, NULL));
    assert_false(memory_range_check("r", 0, 0, 0x1000, NULL));
    assert_false(memory_range_check("thing", 0xf00, 0x101, 0x1000, &err));
    ASSERT_ERROR_HAS(err, "thing");
    ASSERT_ERROR_HAS(err, "f00");
    ASSERT_ERROR_HAS(err, "1000");
    error_free(err);

    owner_unref(o);
    assert_int_equal(p.finalized, 1);
    AUDIT(b.ms);
    board_fini(&b);
}

/* ---- hardening: rendering never does arithmetic that can wrap ---- */

/* A root larger than the guest's 4 GiB shows what lies inside them. */
static void test_r6_root_larger_than_the_address_space(void **state)
{
    (void)state;
    MemorySystem *ms = memory_system_new();
    Probe p;
    Owner *o = probe_owner(ms, "wide", &p);
    MemoryRegion *top = memory_region_new_container(o, "everything", UINT64_MAX);
    MemoryRegion *low = new_ram(o, "low", 0x100);
    MemoryRegion *edge = new_ram(o, "edge", 0x200);
    MemoryRegion *beyond = new_ram(o, "beyond", 0x100);
    memory_region_host_ptr(low)[4] = 0x11;
    memory_region_host_ptr(edge)[0xff] = 0x22;
    ADD(top, 0x1000, low);
    ADD(top, 0xffffff00ULL, edge);  /* straddles 2^32 */
    ADD(top, 1ULL << 40, beyond);   /* past it */
    memory_set_root(ms, top);
    AUDIT(ms);
    ASSERT_READ(ms, 0x1004, 1, 0x11);
    ASSERT_READ(ms, 0xffffffff, 1, 0x22);
    assert_int_equal(nranges(ms), 2);
    MemRange range;
    assert_true(memory_lookup(ms, 0xffffff00, &range));
    assert_int_equal(range.last, 0xffffffffu);
    memory_set_root(ms, NULL);
    owner_unref(o);
    assert_int_equal(p.finalized, 1);
    AUDIT(ms);
    memory_system_free(ms);
}

/* Aliases whose offsets lie near 2^63 and 2^64 in a huge container. */
static void test_r6_alias_offsets_near_2_64(void **state)
{
    (void)state;
    Board b;
    board_init(&b, true);
    MemoryRegion *far = memory_region_new_container(b.owner, "far", UINT64_MAX);
    MemoryRegion *mid = new_ram(b.owner, "mid", 0x100);
    MemoryRegion *top = new_ram(b.owner, "top", 0x100);
    memory_region_host_ptr(mid)[0] = 0x3a;
    memory_region_host_ptr(top)[0xff] = 0x4b;
    ADD(far, (1ULL << 63) + 0x1000, mid);
    ADD(far, UINT64_MAX - 0x100, top); /* ends at the container's end */
    MemoryRegion *half = new_alias(b.owner, "half", far, 1ULL << 63, 0x10000);
    MemoryRegion *tail = new_alias(b.owner, "tail", far, UINT64_MAX - 0x1000, 0x1000);
    ADD(b.bus, 0x40000000, half);
    ADD(b.bus, 0x50000000, tail);
    AUDIT(b.ms);
    ASSERT_READ(b.ms, 0x40001000, 1, 0x3a);
    ASSERT_UNMAPPED(b.ms, 0x40000000);
    ASSERT_UNMAPPED(b.ms, 0x40001100);
    ASSERT_READ(b.ms, 0x50000fff, 1, 0x4b);
    ASSERT_UNMAPPED(b.ms, 0x50000eff);
    assert_int_equal(nranges(b.ms), 2);
    /* Re-targeted to the far end and back. */
    Error *err = NULL;
    assert_true(memory_region_set_alias_target(half, far, UINT64_MAX - 0x10000, &err));
    assert_null(err);
    AUDIT(b.ms);
    ASSERT_READ(b.ms, 0x4000ffff, 1, 0x4b);
    ASSERT_UNMAPPED(b.ms, 0x40001000);
    board_fini(&b);
}

/* memory_region_set_address may move a region partly or wholly out of its
 * container: only the part inside the container shows, wherever it is. */
static void test_r6_region_moved_out_of_its_container_is_clipped(void **state)
{
    (void)state;
    Board b;
    board_init(&b, true);
    MemoryRegion *box = memory_region_new_container(b.owner, "box", 0x1000);
    MemoryRegion *ram = new_ram(b.owner, "ram", 0x100);
    uint8_t *host = memory_region_host_ptr(ram);
    for (int i = 0; i < 0x100; i++)
        host[i] = (uint8_t)i;
    ADD(b.bus, 0x10000, box);
    ADD(box, 0, ram);
    AUDIT(b.ms);
    ASSERT_READ(b.ms, 0x10000, 1, 0);

    memory_region_set_address(ram, 0xf80); /* half out */
    AUDIT(b.ms);
    ASSERT_READ(b.ms, 0x10f80, 1, 0x00);
    ASSERT_READ(b.ms, 0x10fff, 1, 0x7f);
    ASSERT_UNMAPPED(b.ms, 0x11000);
    ASSERT_UNMAPPED(b.ms, 0x10000);

    memory_region_set_address(ram, UINT64_MAX - 0x10); /* wraps if added */
    AUDIT(b.ms);
    assert_int_equal(nranges(b.ms), 0);
    ASSERT_UNMAPPED(b.ms, 0x10000);
    ASSERT_UNMAPPED(b.ms, 0xfff0);

    memory_region_set_address(ram, 1ULL << 63);
    AUDIT(b.ms);
    assert_int_equal(nranges(b.ms), 0);

    memory_region_set_address(ram, 0x10);
    AUDIT(b.ms);
    ASSERT_READ(b.ms, 0x10010, 1, 0);
    board_fini(&b);
}

/* Priorities at the ends of int: ordered, never subtracted. */
static void test_r6_extreme_priorities(void **state)
{
    (void)state;
    Board b;
    board_init(&b, true);
    Regs r1, r2, r3;
    MemoryRegion *lo = new_mmio(b.owner, "lo", 0x100, &r1, 0x100);
    MemoryRegion *mid = new_mmio(b.owner, "mid", 0x100, &r2, 0x200);
    MemoryRegion *hi = new_mmio(b.owner, "hi", 0x100, &r3, 0x300);
    ADD_PRIO(b.bus, 0x1000, hi, INT_MAX);
    ADD_PRIO(b.bus, 0x1000, lo, INT_MIN);
    ADD_PRIO(b.bus, 0x1000, mid, 0);
    AUDIT(b.ms);
    ASSERT_READ(b.ms, 0x1000, 4, 0x300);
    assert_true(memory_del_subregion(b.bus, hi));
    AUDIT(b.ms);
    ASSERT_READ(b.ms, 0x1000, 4, 0x200);
    assert_true(memory_del_subregion(b.bus, mid));
    ASSERT_READ(b.ms, 0x1000, 4, 0x100);
    ADD_PRIO(b.bus, 0x1000, mid, INT_MIN);
    AUDIT(b.ms);
    ASSERT_READ(b.ms, 0x1000, 4, 0x200); /* later wins among equals */
    board_fini(&b);
}

/* ---- hardening: the debugger path never wraps ---- */

static void test_debug_access_length_past_4_gib(void **state)
{
    (void)state;
    Board b;
    board_init(&b, true);
    MemoryRegion *ram = new_ram(b.owner, "ram", 0x100);
    ADD(b.bus, 0, ram);
    uint8_t *host = memory_region_host_ptr(ram);
    for (int i = 0; i < 0x100; i++)
        host[i] = (uint8_t)i;
    AUDIT(b.ms);
    /* addr + len wraps 64 bits: it must not look like an empty access. The
     * access stops at the first unmapped byte, so a 0x100-byte buffer is
     * enough. */
    uint8_t buf[0x100];
    memset(buf, 0xee, sizeof buf);
    Error *err = NULL;
    assert_false(memory_debug_read(b.ms, 0x10, buf, SIZE_MAX - 8, &err));
    ASSERT_ERROR_HAS(err, "0x00000100");
    error_free(err);
    err = NULL;
    assert_int_equal(buf[0], 0x10);
    assert_int_equal(buf[0xef], 0xff);
    assert_false(memory_debug_write(b.ms, 0xf0, buf, SIZE_MAX, &err));
    ASSERT_ERROR_HAS(err, "0x00000100");
    error_free(err);
    assert_int_equal(host[0xf0], 0x10);
    AUDIT(b.ms);
    board_fini(&b);
}

/* A debugger read near the end of a huge MMIO region never asks its peek
 * for bytes outside the range the view shows. */
typedef struct PeekLog {
    uint64_t max_end; /* highest offset + size asked for */
    bool wrapped;
} PeekLog;

static bool logging_peek(void *opaque, uint64_t offset, unsigned size,
                         uint32_t *value)
{
    PeekLog *log = opaque;
    if (offset + size < offset)
        log->wrapped = true;
    else if (offset + size > log->max_end)
        log->max_end = offset + size;
    *value = (uint32_t)offset * 0x01010101u;
    return true;
}

static const MmioOps logging_ops = {NULL, NULL, logging_peek};

static void test_debug_peek_stays_inside_huge_region(void **state)
{
    (void)state;
    Board b;
    board_init(&b, true);
    PeekLog log = {0};
    MemoryRegion *huge = memory_region_new_mmio(b.owner, "huge", UINT64_MAX,
                                                &logging_ops, &log);
    /* Offsets 2^64-6 .. 2^64-3 of a region whose last byte is 2^64-2. */
    MemoryRegion *window = new_alias(b.owner, "window", huge, UINT64_MAX - 5, 4);
    ADD(b.bus, 0x1000, window);
    AUDIT(b.ms);
    uint8_t buf[4];
    Error *err = NULL;
    assert_true(memory_debug_read(b.ms, 0x1000, buf, 4, &err));
    assert_null(err);
    assert_false(log.wrapped);
    assert_true(log.max_end <= UINT64_MAX - 1);
    board_fini(&b);
}

/* ---- R8: the audit's work is linear in the size of the graph ---- */

/* A board with `n` devices on its bus, each a container with two MMIO
 * registers and an alias into a shared RAM of its own owner (built in one
 * transaction: one rebuild). Returns the board's bus owner; *shared_owner
 * gets the RAM's. The caller drops the devices through `devs`. */
static Owner *crowded_board(MemorySystem *ms, size_t n, Owner **devs,
                            Owner **shared_owner)
{
    static const MmioOps ops = {regs_read, regs_write, NULL};
    static Regs regs; /* never read: the test only audits */
    memory_begin(ms);
    Owner *board = owner_new(ms, "board", NULL, NULL);
    MemoryRegion *bus = memory_region_new_container(board, "bus", 1ULL << 32);
    memory_set_root(ms, bus);
    Owner *sram = owner_new(ms, "sram", NULL, NULL);
    MemoryRegion *shared = new_ram(sram, "shared", 0x1000);
    ADD(bus, 0x80000000, shared);
    for (size_t i = 0; i < n; i++) {
        char name[32];
        snprintf(name, sizeof name, "dev%zu", i);
        Owner *o = owner_new(ms, name, NULL, NULL);
        MemoryRegion *top = memory_region_new_container(o, "top", 0x1000);
        MemoryRegion *a = memory_region_new_mmio(o, "a", 0x100, &ops, &regs);
        MemoryRegion *b = memory_region_new_mmio(o, "b", 0x100, &ops, &regs);
        MemoryRegion *win = new_alias(o, "win", shared, (i % 16) * 0x100, 0x100);
        ADD(top, 0, a);
        ADD(top, 0x100, b);
        ADD(top, 0x800, win);
        ADD(bus, 0x10000000 + (uint64_t)i * 0x1000, top);
        devs[i] = o;
    }
    memory_commit(ms);
    AUDIT(ms);
    *shared_owner = sram;
    return board;
}

/* Nodes one audit looks at, per node of the graph. */
static double audit_visits_per_node(size_t n)
{
    MemorySystem *ms = memory_system_new();
    Owner **devs = calloc(n, sizeof *devs);
    assert_non_null(devs);
    Owner *sram;
    Owner *board = crowded_board(ms, n, devs, &sram);
    MemoryStats st = memory_stats(ms);
    /* links: 4 per device + the RAM's; aliases: one per device. */
    size_t nodes = st.owners + st.regions + (4 * n + 1) + n + st.flat_ranges;
    uint64_t before = ms->audit_visits;
    AUDIT(ms);
    uint64_t visits = ms->audit_visits - before;
    memory_begin(ms);
    for (size_t i = 0; i < n; i++)
        owner_unref(devs[i]);
    memory_set_root(ms, NULL);
    owner_unref(board);
    owner_unref(sram);
    memory_commit(ms);
    AUDIT(ms);
    assert_int_equal(memory_stats(ms).owners, 0);
    memory_system_free(ms);
    free(devs);
    return (double)visits / (double)nodes;
}

static void test_r8_audit_work_is_linear(void **state)
{
    (void)state;
    double small = audit_visits_per_node(250);
    double large = audit_visits_per_node(1000);
    print_message("audit visits per node: %.2f at 250 devices, %.2f at 1000\n",
                  small, large);
    /* A constant number of looks per node, whatever the size (and each
     * node looked at: the count is kept). */
    assert_true(small >= 1.0);
    assert_true(large <= 4.0);
    assert_true(large <= small * 1.1);
}

/* Rendering work per flat range, for a board of n devices (see
 * crowded_board: newest links render first, so each range lands in front
 * of the ones rendered before it). */
static double render_steps_per_range(size_t n)
{
    MemorySystem *ms = memory_system_new();
    Owner **devs = calloc(n, sizeof *devs);
    assert_non_null(devs);
    Owner *sram;
    Owner *board = crowded_board(ms, n, devs, &sram);
    double per_range = (double)ms->view->steps / (double)ms->view->nranges;
    memory_begin(ms);
    for (size_t i = 0; i < n; i++)
        owner_unref(devs[i]);
    memory_set_root(ms, NULL);
    owner_unref(board);
    owner_unref(sram);
    memory_commit(ms);
    memory_system_free(ms);
    free(devs);
    return per_range;
}

/* A rebuild (and the audit's fresh render) costs n log n in the ranges it
 * renders, not n^2: four times the devices, not four times the work per
 * range. */
static void test_r6_render_work_is_n_log_n(void **state)
{
    (void)state;
    double small = render_steps_per_range(250);
    double large = render_steps_per_range(1000);
    print_message("render steps per range: %.1f at 250 devices, %.1f at 1000\n",
                  small, large);
    assert_true(small >= 1.0);
    assert_true(large <= small * 1.5);
}

/* ---- R8: the audit catches each kind of corruption ---- */

/* The audit fails with an error mentioning `needle`. */
#define AUDIT_FAILS(ms, needle) audit_fails_at((ms), (needle), __FILE__, __LINE__)

static void audit_fails_at(MemorySystem *ms, const char *needle,
                           const char *file, int line)
{
    Error *err = NULL;
    bool ok = memory_audit(ms, &err);
    if (ok)
        print_error("%s:%d: memory_audit missed it (expected \"%s\")\n", file,
                    line, needle);
    _assert_true(!ok, "memory_audit fails", file, line);
    error_has_at(err, needle, file, line);
    error_free(err);
}

static void test_r8_audit_catches_alias_user_counts(void **state)
{
    (void)state;
    Board b;
    board_init(&b, true);
    Probe p, pm;
    Owner *dev = probe_owner(b.ms, "dma2", &p);
    Owner *mem = probe_owner(b.ms, "sram0", &pm);
    MemoryRegion *ram = new_ram(mem, "sram", 0x1000);
    MemoryRegion *win = new_alias(dev, "dma2.win", ram, 0, 0x100);
    MemoryRegion *own = new_ram(dev, "dma2.buf", 0x100);
    MemoryRegion *own_win = new_alias(dev, "dma2.buf_win", own, 0, 0x10);
    ADD(b.bus, 0x1000, win);
    AUDIT(b.ms);

    ram->alias_users++;
    AUDIT_FAILS(b.ms, "alias users");
    ram->alias_users -= 2;
    AUDIT_FAILS(b.ms, "sram");
    ram->alias_users++;
    own->alias_users = 0; /* a same-owner alias counts too */
    AUDIT_FAILS(b.ms, "dma2.buf");
    own->alias_users = 1;
    AUDIT(b.ms);

    /* An alias that holds a reference it should not, or misses one. */
    own_win->alias_holds_ref = true;
    AUDIT_FAILS(b.ms, "dma2.buf_win");
    own_win->alias_holds_ref = false;
    win->alias_holds_ref = false;
    AUDIT_FAILS(b.ms, "dma2.win");
    win->alias_holds_ref = true;
    /* A region that is no alias but has a target. */
    own->alias_target = ram;
    AUDIT_FAILS(b.ms, "dma2.buf");
    own->alias_target = NULL;
    /* A pin nobody holds. */
    dev->pins++;
    AUDIT_FAILS(b.ms, "refcount");
    dev->pins--;
    AUDIT(b.ms);

    owner_unref(dev);
    assert_true(memory_del_subregion(b.bus, win));
    assert_int_equal(p.finalized, 1);
    owner_unref(mem);
    assert_int_equal(pm.finalized, 1);
    AUDIT(b.ms);
    board_fini(&b);
}

static void test_r8_audit_catches_zombie_faults(void **state)
{
    (void)state;
    Board b;
    board_init(&b, true);
    Probe p;
    Owner *o = probe_owner(b.ms, "efuse", &p);
    MemoryRegion *top = memory_region_new_container(o, "efuse.top", 0x1000);
    MemoryRegion *bits = new_ram(o, "efuse.bits", 0x100);
    MemoryRegion *spare = new_ram(o, "efuse.spare", 0x100);
    MemoryRegion *win = new_alias(o, "efuse.win", spare, 0, 0x10);
    ADD(top, 0, bits);
    ADD(b.bus, 0x3000, top);
    AUDIT(b.ms);

    memory_begin(b.ms);
    assert_true(memory_region_destroy(bits, NULL));
    AUDIT(b.ms); /* a zombie inside a transaction: fine */
    assert_int_equal(b.ms->nzombies, 1);

    /* Outlives every view that could name it. */
    b.ms->txn_depth--;
    AUDIT_FAILS(b.ms, "efuse.bits");
    b.ms->txn_depth++;
    /* Still part of the graph: linked, holding subregions, aliased, or
     * without its mark. */
    bits->container = top;
    AUDIT_FAILS(b.ms, "still part of the graph");
    bits->container = NULL;
    bits->alias_users = 1;
    AUDIT_FAILS(b.ms, "still part of the graph");
    bits->alias_users = 0;
    bits->destroyed = false;
    AUDIT_FAILS(b.ms, "efuse.bits");
    bits->destroyed = true;
    /* Still listed by its owner (in place of another region). */
    size_t slot = 0;
    while (o->regions[slot] != spare)
        slot++;
    o->regions[slot] = bits;
    AUDIT_FAILS(b.ms, "destroyed region 'efuse.bits' still listed");
    o->regions[slot] = spare;
    /* Pointed at by an alias, or listed by a container. */
    win->alias_target = bits;
    spare->alias_users--;
    AUDIT_FAILS(b.ms, "efuse.win");
    win->alias_target = spare;
    spare->alias_users++;
    top->subs[top->nsubs] = bits; /* room left: top's list held bits */
    top->nsubs++;
    AUDIT_FAILS(b.ms, "efuse.top");
    top->nsubs--;
    /* Listed twice as a zombie. */
    b.ms->zombies = realloc(b.ms->zombies, 2 * sizeof *b.ms->zombies);
    assert_non_null(b.ms->zombies);
    b.ms->zombies[1] = bits;
    b.ms->nzombies = 2;
    b.ms->nregions++;
    AUDIT_FAILS(b.ms, "listed twice");
    b.ms->nzombies = 1;
    b.ms->nregions--;
    AUDIT(b.ms);
    memory_commit(b.ms);
    AUDIT(b.ms);
    assert_int_equal(b.ms->nzombies, 0);

    owner_unref(o);
    assert_true(memory_del_subregion(b.bus, top));
    assert_int_equal(p.finalized, 1);
    AUDIT(b.ms);
    board_fini(&b);
}

static void test_r8_audit_never_follows_a_dangling_pointer(void **state)
{
    (void)state;
    Board b;
    board_init(&b, true);
    MemoryRegion *box = memory_region_new_container(b.owner, "box", 0x1000);
    MemoryRegion *ram = new_ram(b.owner, "ram", 0x100);
    MemoryRegion *win = new_alias(b.owner, "win", ram, 0, 0x10);
    ADD(box, 0, ram);
    ADD(b.bus, 0x1000, box);
    AUDIT(b.ms);
    /* A region destroyed and freed: the audit must say so, not read it
     * (under ASan, reading it would be the failure). */
    MemoryRegion *gone = new_ram(b.owner, "gone", 0x10);
    assert_true(memory_region_destroy(gone, NULL));
    AUDIT(b.ms);

    box->subs[0] = gone;
    AUDIT_FAILS(b.ms, "not a live region");
    box->subs[0] = ram;
    win->container = gone;
    AUDIT_FAILS(b.ms, "not live");
    win->container = NULL;
    win->alias_target = gone;
    AUDIT_FAILS(b.ms, "win");
    win->alias_target = ram;
    b.ms->view->ranges[0].mr = gone;
    AUDIT_FAILS(b.ms, "freed region");
    b.ms->view->ranges[0].mr = ram;
    MemoryRegion *root = b.ms->root;
    b.ms->root = gone;
    AUDIT_FAILS(b.ms, "root");
    b.ms->root = root;
    /* Listed twice by its container. */
    MemoryRegion *ram2 = new_ram(b.owner, "ram2", 0x100);
    ADD(box, 0x800, ram2);
    box->subs[0] = box->subs[1];
    AUDIT_FAILS(b.ms, "listed twice");
    box->subs[0] = ram2;
    box->subs[1] = ram;
    AUDIT(b.ms);
    /* A retired view with no access to keep it. */
    FlatView fake = {0};
    b.ms->retired = &fake;
    AUDIT_FAILS(b.ms, "retired view");
    b.ms->retired = NULL;
    AUDIT(b.ms);
    board_fini(&b);
}

/* An optional argument runs only the tests matching it (a cmocka glob). */
int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_r1_same_owner_link_takes_no_ref),
        cmocka_unit_test(test_r1_cross_owner_link_takes_one_ref_del_drops_it),
        cmocka_unit_test(test_r1_add_of_mapped_region_refused_takes_nothing),
        cmocka_unit_test(test_r2_self_contained_device_freed_once_any_order),
        cmocka_unit_test(test_r2_device_with_cross_owner_alias_freed_once_any_order),
        cmocka_unit_test(test_r2_mapped_device_freed_only_after_del_and_commit),
        cmocka_unit_test(test_r2_mapped_device_freed_by_del_outside_transaction),
        cmocka_unit_test(test_r2_mapped_device_survives_board_not_the_root),
        cmocka_unit_test(test_r2_bus_destroyed_first_detaches_device),
        cmocka_unit_test(test_r2_bus_destroyed_first_any_order),
        cmocka_unit_test(test_r2_finalize_hook_may_unmap_and_release_others),
        cmocka_unit_test(test_r3_destroy_refused_while_mapped_in_other_owner),
        cmocka_unit_test(test_r3_destroy_unmapped_region_succeeds),
        cmocka_unit_test(test_r3_destroy_in_same_owner_container_succeeds),
        cmocka_unit_test(test_r3_destroy_container_drops_cross_owner_links),
        cmocka_unit_test(test_r3_destroy_alias_target_refused),
        cmocka_unit_test(test_r3_destroy_root_refused),
        cmocka_unit_test(test_r4_cross_owner_alias_takes_one_ref),
        cmocka_unit_test(test_r4_same_owner_alias_takes_no_ref),
        cmocka_unit_test(test_r4_alias_outside_target_refused),
        cmocka_unit_test(test_r4_set_alias_target_takes_new_ref_before_dropping_old),
        cmocka_unit_test(test_r4_retarget_alias_to_replugged_device),
        cmocka_unit_test(test_r4_retarget_alias_in_transaction_frees_at_commit),
        cmocka_unit_test(test_r5_owner_cycle_through_containers_refused),
        cmocka_unit_test(test_r5_owner_cycle_through_aliases_refused),
        cmocka_unit_test(test_r5_device_on_board_bus_aliasing_board_ram_refused),
        cmocka_unit_test(test_r5_transitive_owner_cycle_refused),
        cmocka_unit_test(test_r5_region_inside_itself_refused),
        cmocka_unit_test(test_r6_higher_priority_wins),
        cmocka_unit_test(test_r6_equal_priority_later_added_wins),
        cmocka_unit_test(test_r6_container_shows_lower_regions_through_holes),
        cmocka_unit_test(test_r6_ram_shows_itself_around_mmio_subregion),
        cmocka_unit_test(test_r6_alias_offset_applied),
        cmocka_unit_test(test_r6_mmio_sees_region_offsets_and_errors),
        cmocka_unit_test(test_r6_access_straddling_two_ranges_unmapped),
        cmocka_unit_test(test_r6_readonly_alias_refuses_stores),
        cmocka_unit_test(test_r6_rom_guest_readonly_debugger_writable),
        cmocka_unit_test(test_r6_disabled_region_invisible),
        cmocka_unit_test(test_r6_set_address_moves),
        cmocka_unit_test(test_r6_adjacent_compatible_ranges_merged),
        cmocka_unit_test(test_r6_listener_sees_new_view),
        cmocka_unit_test(test_r6_nested_transactions_rebuild_once),
        cmocka_unit_test(test_r6_mutation_outside_transaction_commits_at_once),
        cmocka_unit_test(test_r6_finalize_time_detaches_never_rebuild),
        cmocka_unit_test(test_r6_finalize_of_invisible_owner_never_rebuilds),
        cmocka_unit_test(test_r7_view_holds_ref_on_mapped_owner),
        cmocka_unit_test(test_r7_root_holds_ref_on_its_owner),
        cmocka_unit_test(test_r7_mmio_callback_removes_own_device),
        cmocka_unit_test(test_r7_mmio_callback_removes_own_device_cpu_path),
        cmocka_unit_test(test_r7_mmio_callback_unplug_inside_transaction),
        cmocka_unit_test(test_r7_mmio_callback_destroys_own_region),
        cmocka_unit_test(test_r7_mmio_callback_moves_own_region),
        cmocka_unit_test(test_r8_audit_clean_on_empty_and_rootless_systems),
        cmocka_unit_test(test_tree_golden),
        cmocka_unit_test(test_debug_read_mmio_uses_peek_not_read),
        cmocka_unit_test(test_debug_read_mmio_without_peek_refused),
        cmocka_unit_test(test_debug_access_unmapped_names_the_address),
        cmocka_unit_test(test_r3_destroy_cascade_releasing_own_owner),
        cmocka_unit_test(test_r3_destroy_alias_cascade_releasing_own_owner),
        cmocka_unit_test(test_r3_destroy_refused_while_its_owner_is_finalized),
        cmocka_unit_test(test_r3_destroyed_region_refused_while_it_waits),
        cmocka_unit_test(test_r3_destroyed_region_as_root_stops_with_a_message),
        cmocka_unit_test(test_r7_del_subregion_survives_container_destroyed_by_rebuild),
        cmocka_unit_test(test_r7_set_root_survives_old_root_destroyed_by_rebuild),
        cmocka_unit_test(test_r4_retarget_survives_old_target_destroyed_by_rebuild),
        cmocka_unit_test(test_r7_release_after_access_keeps_zombies_until_views_go),
        cmocka_unit_test(test_r1_subregion_must_fit_its_container),
        cmocka_unit_test(test_r6_root_larger_than_the_address_space),
        cmocka_unit_test(test_r6_alias_offsets_near_2_64),
        cmocka_unit_test(test_r6_region_moved_out_of_its_container_is_clipped),
        cmocka_unit_test(test_r6_extreme_priorities),
        cmocka_unit_test(test_debug_access_length_past_4_gib),
        cmocka_unit_test(test_debug_peek_stays_inside_huge_region),
        cmocka_unit_test(test_r8_audit_work_is_linear),
        cmocka_unit_test(test_r6_render_work_is_n_log_n),
        cmocka_unit_test(test_r6_listener_removing_itself_skips_no_other),
        cmocka_unit_test(test_r8_audit_catches_alias_user_counts),
        cmocka_unit_test(test_r8_audit_catches_zombie_faults),
        cmocka_unit_test(test_r8_audit_never_follows_a_dangling_pointer),
    };
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
