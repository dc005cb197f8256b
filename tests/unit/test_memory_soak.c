/* Soak tests of the memory API.
 *
 * test_soak_plug_use_unplug: 10,000 plug/use/unplug cycles of a device
 * with its own container, three MMIO registers and an alias into shared RAM,
 * on a board's system bus. Every cycle ends with memory_audit() and with the
 * owner and region counts back at their baseline, and each device is freed
 * exactly once (checked through its finalize hook).
 *
 * test_soak_mixed_operations_audited: 12,000 operations of every kind
 * (plug, unplug, unplug from inside the device's own access, destroy, alias
 * re-target, disable, unmap, transactions, checked accesses), in a random
 * but fixed order, with memory_audit() after every one.
 *
 * The shared RAM has its own owner ("sram"), mapped on the bus: it cannot
 * belong to the board itself, since the board's bus holds the device and the
 * device's alias would hold the board (an owner cycle, refused by R5).
 *
 * Its own binary so it can also run under valgrind (the test runner does,
 * with build/tests/plain/test_memory_soak, built without ASan):
 *   gcc -std=c11 -D_GNU_SOURCE -g -I. tests/unit/test_memory_soak.c \
 *       soc/memory*.c soc/error.c -lcmocka -o /tmp/soak && valgrind /tmp/soak
 */
#include "tests/unit/memory_test_util.h"

#define CYCLES 10000
#define SHARED_BASE 0x80000000u
#define SHARED_SIZE 0x1000u
#define DEV_WINDOW 0x100u

/* xorshift64: the one random sequence of both soaks (fixed seeds, so a
 * failure replays). */
static uint32_t rng(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *state = x;
    return (uint32_t)(x >> 32);
}

static void expect_read(MemorySystem *ms, uint32_t addr, uint32_t want)
{
    uint32_t got = 0xdeadbeef;
    assert_int_equal(memory_read(ms, addr, 4, &got), MEM_OK);
    assert_int_equal(got, want);
}

static void test_soak_plug_use_unplug(void **state)
{
    (void)state;
    MemorySystem *ms = memory_system_new();
    memory_set_finalize_shuffle(ms, 0x5eed5eed5eedULL);
    uint64_t rng_state = 0x243f6a8885a308d3ULL;

    Probe board_probe = {0}, sram_probe = {0};
    Owner *board = owner_new(ms, "board", probe_finalize, &board_probe);
    MemoryRegion *bus = memory_region_new_container(board, "sysbus", 1ULL << 32);
    memory_set_root(ms, bus);
    Owner *sram = owner_new(ms, "sram", probe_finalize, &sram_probe);
    Error *err = NULL;
    MemoryRegion *shared = memory_region_new_ram(sram, "shared", SHARED_SIZE, &err);
    assert_null(err);
    assert_non_null(shared);
    ADD(bus, SHARED_BASE, shared);
    owner_unref(sram); /* the bus keeps it */
    AUDIT(ms);
    uint8_t *shared_host = memory_region_host_ptr(shared);

    const MemoryStats base = memory_stats(ms);
    const unsigned board_refs = owner_refcount(board);
    const unsigned sram_refs = owner_refcount(sram);
    assert_int_equal(base.owners, 2);
    assert_int_equal(base.regions, 2);
    assert_int_equal(base.flat_ranges, 1);

    for (uint32_t i = 0; i < CYCLES; i++) {
        Probe probe = {0};
        Regs regs[3];
        memset(regs, 0, sizeof regs);
        char name[32];
        snprintf(name, sizeof name, "dev%u", (unsigned)i);
        Owner *dev = owner_new(ms, name, probe_finalize, &probe);
        bool txn = rng(&rng_state) & 1;
        uint32_t addr = 0x10000000u + (rng(&rng_state) % 64) * 0x1000u;
        uint32_t window = (i % (SHARED_SIZE / DEV_WINDOW)) * DEV_WINDOW;

        /* Plug: a container with three registers and a window on the RAM. */
        if (txn)
            memory_begin(ms);
        MemoryRegion *top = memory_region_new_container(dev, "dev.top", 0x1000);
        static const char *const reg_names[3] = {"dev.ctrl", "dev.status", "dev.data"};
        for (int k = 0; k < 3; k++) {
            regs[k].tag = (i << 12) | ((uint32_t)k << 8);
            MemoryRegion *mr = memory_region_new_mmio(dev, reg_names[k], 0x100,
                                                      &regs_ops_nopeek, &regs[k]);
            ADD(top, (uint64_t)k * 0x100, mr);
        }
        MemoryRegion *shm = memory_region_new_alias(dev, "dev.shm", shared,
                                                    window, DEV_WINDOW, &err);
        assert_null(err);
        assert_non_null(shm);
        ADD(top, 0x800, shm);
        assert_int_equal(owner_refcount(dev), 1);
        assert_int_equal(owner_refcount(sram), sram_refs + 1); /* the alias */
        ADD(bus, addr, top);
        if (txn) {
            uint32_t v;
            assert_int_equal(memory_read(ms, addr, 4, &v), MEM_UNMAPPED);
            memory_commit(ms);
        }
        AUDIT(ms);
        assert_int_equal(memory_stats(ms).flat_ranges, base.flat_ranges + 4);

        /* Use it. */
        expect_read(ms, addr + 0x004, regs[0].tag + 0x4);
        expect_read(ms, addr + 0x1f0, regs[1].tag + 0xf0);
        assert_int_equal(memory_write(ms, addr + 0x208, 4, i), MEM_OK);
        assert_int_equal(regs[2].writes, 1);
        assert_int_equal(regs[2].last_offset, 0x8);
        assert_int_equal(regs[2].last_value, i);
        uint32_t k = (rng(&rng_state) % (DEV_WINDOW / 4)) * 4;
        assert_int_equal(memory_write(ms, addr + 0x800 + k, 4, ~i), MEM_OK);
        assert_int_equal(shared_host[window + k], (uint8_t)~i);
        expect_read(ms, SHARED_BASE + window + k, ~i);
        assert_int_equal(memory_write(ms, SHARED_BASE + window + k, 4, i * 3), MEM_OK);
        expect_read(ms, addr + 0x800 + k, i * 3);
        uint32_t v;
        assert_int_equal(memory_read(ms, addr + 0x300, 4, &v), MEM_UNMAPPED);
        assert_int_equal(regs[0].reads + regs[1].reads, 2);

        /* Unplug, in one of three orders. */
        switch (rng(&rng_state) % 3) {
        case 0: /* unmap, then drop */
            assert_true(memory_del_subregion(bus, top));
            assert_int_equal(owner_refcount(dev), 1);
            AUDIT(ms);
            owner_unref(dev);
            break;
        case 1: /* drop, then unmap: the unmap frees it */
            owner_unref(dev);
            AUDIT(ms);
            assert_int_equal(probe.finalized, 0);
            assert_true(memory_del_subregion(bus, top));
            break;
        default: /* both inside a transaction: the commit frees it */
            memory_begin(ms);
            assert_true(memory_del_subregion(bus, top));
            owner_unref(dev);
            AUDIT(ms);
            assert_int_equal(probe.finalized, 0);
            expect_read(ms, addr + 0x004, regs[0].tag + 0x4);
            memory_commit(ms);
            break;
        }
        assert_int_equal(probe.finalized, 1);
        AUDIT(ms);
        assert_int_equal(memory_read(ms, addr, 4, &v), MEM_UNMAPPED);

        MemoryStats now = memory_stats(ms);
        assert_int_equal(now.owners, base.owners);
        assert_int_equal(now.regions, base.regions);
        assert_int_equal(now.flat_ranges, base.flat_ranges);
        assert_int_equal(owner_refcount(board), board_refs);
        assert_int_equal(owner_refcount(sram), sram_refs);
    }

    assert_int_equal(board_probe.finalized, 0);
    assert_int_equal(sram_probe.finalized, 0);
    memory_set_root(ms, NULL);
    AUDIT(ms);
    owner_unref(board);
    assert_int_equal(board_probe.finalized, 1);
    assert_int_equal(sram_probe.finalized, 1);
    AUDIT(ms);
    assert_int_equal(memory_stats(ms).owners, 0);
    assert_int_equal(memory_stats(ms).regions, 0);
    memory_system_free(ms);
}

/* ---- 12,000 mixed operations, audited after every one ----
 *
 * Up to SLOTS devices live on the bus at once, each in its own slot of the
 * address space: a container with three MMIO registers and an alias onto
 * one of two shared RAMs. Each step picks one operation: plug; unplug (in
 * one of three orders); an unplug the device does itself from inside its
 * own MMIO write; a register destroyed from outside or from inside its own
 * callback; an alias re-targeted; a device disabled, enabled, unmapped or
 * mapped again; a transaction opened or committed; accesses checked against a model of what
 * the view must show. memory_audit() runs after every operation, and inside
 * the callbacks. A device's state is freed by its owner's finalize hook, so
 * ASan and valgrind catch any use of a dead device.
 *
 * Devices do what real ones do in their hooks: some hold a reference on an
 * older device that their finalize hook drops (finalization cascades), some
 * finalize hooks switch a board LED region on or off (the map changes while
 * views are being released), and the unplug command also destroys a
 * register of another device from inside the access. */

#define MIXED_OPS 12000
#define SLOTS 24
#define SLOT_BASE 0x20000000u
#define SLOT_SIZE 0x1000u
#define NSHARED 2
#define SHARED_BYTES 0x1000u
#define NREGS 3
#define REG_SIZE 0x100u
#define SHM_AT 0x800u
#define SHM_SIZE 0x100u
#define LED_ADDR 0x90000000u
#define CMD_UNPLUG 0xdead0001u
#define CMD_DESTROY_SELF 0xdead0002u

typedef struct Soak Soak;
typedef struct Device Device;

/* The opaque of one register's callbacks. */
typedef struct RegCtx {
    Device *dev;
    unsigned index;
} RegCtx;

struct Device {
    Soak *soak;
    unsigned slot;
    Owner *owner; /* the test's reference; NULL once dropped or handed in */
    Device *buddy; /* an older device this one holds a reference on */
    Owner *buddy_ref;
    unsigned held_by; /* younger devices holding a reference on this one */
    bool toggles_led; /* its finalize hook switches the LED */
    MemoryRegion *top, *regs[NREGS], *shm;
    RegCtx ctx[NREGS];
    bool reg_alive[NREGS];
    bool mapped, enabled;
    unsigned shm_target;
    uint64_t shm_offset;
    uint32_t tag;
};

typedef enum Op {
    OP_PLUG, OP_UNPLUG, OP_SELF_UNPLUG, OP_DESTROY, OP_SELF_DESTROY,
    OP_RETARGET, OP_TOGGLE, OP_BEGIN, OP_COMMIT, OP_ACCESS, OP_COUNT
} Op;

static const char *const op_names[OP_COUNT] = {
    "plug", "unplug", "self-unplug", "destroy", "self-destroy",
    "retarget", "toggle", "begin", "commit", "access",
};

struct Soak {
    MemorySystem *ms;
    uint64_t rng;
    Owner *board, *mem;
    MemoryRegion *bus, *shared[NSHARED], *led;
    bool led_on;
    Device *slots[SLOTS]; /* NULL once the device's owner is freed */
    unsigned txn;         /* transactions the soak holds open */
    unsigned plugged, finalized;
    unsigned done[OP_COUNT];
};

static uint32_t slot_base(unsigned slot)
{
    return SLOT_BASE + slot * SLOT_SIZE;
}

static void device_finalize(void *opaque)
{
    Device *d = opaque;
    Soak *s = d->soak;
    s->slots[d->slot] = NULL;
    s->finalized++;
    if (d->toggles_led) {
        s->led_on = !s->led_on;
        memory_region_set_enabled(s->led, s->led_on);
    }
    Device *buddy = d->buddy;
    Owner *ref = d->buddy_ref;
    free(d);
    if (buddy) {
        /* May finalize the buddy (and its buddy...) right here. */
        buddy->held_by--;
        owner_unref(ref);
    }
}

static uint32_t reg_value(const Device *d, unsigned k, uint64_t offset)
{
    return d->tag + k * REG_SIZE + (uint32_t)offset;
}

static bool device_read(void *opaque, uint64_t offset, unsigned size,
                        uint32_t *value)
{
    (void)size;
    RegCtx *c = opaque;
    *value = reg_value(c->dev, c->index, offset);
    return true;
}

/* Destroys the last live register of the next held device above `slot`
 * (a device tidying up another from inside its own access). */
static void destroy_a_neighbours_register(Soak *s, unsigned slot)
{
    for (unsigned i = slot + 1; i < SLOTS; i++) {
        Device *e = s->slots[i];
        if (!e || !e->owner)
            continue;
        for (unsigned k = NREGS - 1; k > 0; k--) {
            if (!e->reg_alive[k])
                continue;
            assert_true(memory_region_destroy(e->regs[k], NULL));
            e->reg_alive[k] = false;
            AUDIT(s->ms);
            return;
        }
        return;
    }
}

/* Writes to register 0 may unplug the device; to the others, destroy the
 * register written. Both from inside the access, as a device would. */
static bool device_write(void *opaque, uint64_t offset, unsigned size,
                         uint32_t value)
{
    (void)offset;
    (void)size;
    RegCtx *c = opaque;
    Device *d = c->dev;
    Soak *s = d->soak;
    if (value == CMD_UNPLUG && c->index == 0 && d->mapped) {
        assert_true(memory_del_subregion(s->bus, d->top));
        d->mapped = false;
        Owner *o = d->owner;
        d->owner = NULL;
        owner_unref(o);
        AUDIT(s->ms);
        /* The access holds the view, so d is alive until it returns. */
        assert_ptr_equal(s->slots[d->slot], d);
        destroy_a_neighbours_register(s, d->slot);
    } else if (value == CMD_DESTROY_SELF && c->index != 0) {
        Error *err = NULL;
        assert_true(memory_region_destroy(d->regs[c->index], &err));
        assert_null(err);
        d->reg_alive[c->index] = false;
        AUDIT(s->ms);
    }
    return true;
}

static const MmioOps device_ops = {.read = device_read, .write = device_write, .peek = NULL};

static void soak_begin(Soak *s)
{
    memory_begin(s->ms);
    s->txn++;
}

static void soak_commit(Soak *s)
{
    s->txn--;
    memory_commit(s->ms);
}

/* A device the test still holds, from a random slot on; NULL if none. */
static Device *random_device(Soak *s)
{
    unsigned start = rng(&s->rng) % SLOTS;
    for (unsigned i = 0; i < SLOTS; i++) {
        Device *d = s->slots[(start + i) % SLOTS];
        if (d && d->owner)
            return d;
    }
    return NULL;
}

/* One the current view shows (no transaction open, mapped, enabled). */
static Device *random_visible_device(Soak *s)
{
    Device *d = random_device(s);
    return d && !s->txn && d->mapped && d->enabled ? d : NULL;
}

static bool op_plug(Soak *s)
{
    unsigned start = rng(&s->rng) % SLOTS, slot = SLOTS;
    for (unsigned i = 0; i < SLOTS && slot == SLOTS; i++)
        if (!s->slots[(start + i) % SLOTS])
            slot = (start + i) % SLOTS;
    if (slot == SLOTS)
        return false;
    Device *d = calloc(1, sizeof *d);
    assert_non_null(d);
    d->soak = s;
    d->slot = slot;
    d->tag = (s->plugged++ & 0xfff) << 16;
    char name[32];
    snprintf(name, sizeof name, "dev%u", s->plugged);
    bool own_txn = rng(&s->rng) & 1;
    if (own_txn)
        memory_begin(s->ms);
    d->owner = owner_new(s->ms, name, device_finalize, d);
    d->toggles_led = rng(&s->rng) % 4 == 0;
    Device *buddy = rng(&s->rng) & 1 ? random_device(s) : NULL;
    if (buddy) { /* older than d: references never form a cycle */
        owner_ref(buddy->owner);
        d->buddy = buddy;
        d->buddy_ref = buddy->owner;
        buddy->held_by++;
    }
    s->slots[slot] = d;
    d->top = memory_region_new_container(d->owner, "top", SLOT_SIZE);
    for (unsigned k = 0; k < NREGS; k++) {
        d->ctx[k] = (RegCtx){d, k};
        d->regs[k] = memory_region_new_mmio(d->owner, "reg", REG_SIZE,
                                            &device_ops, &d->ctx[k]);
        d->reg_alive[k] = true;
        ADD(d->top, k * REG_SIZE, d->regs[k]);
    }
    d->shm_target = rng(&s->rng) % NSHARED;
    d->shm_offset = (rng(&s->rng) % (SHARED_BYTES / SHM_SIZE)) * SHM_SIZE;
    Error *err = NULL;
    d->shm = memory_region_new_alias(d->owner, "shm", s->shared[d->shm_target],
                                     d->shm_offset, SHM_SIZE, &err);
    assert_null(err);
    ADD(d->top, SHM_AT, d->shm);
    ADD(s->bus, slot_base(slot), d->top);
    d->mapped = d->enabled = true;
    if (own_txn)
        memory_commit(s->ms);
    return true;
}

static bool op_unplug(Soak *s)
{
    Device *d = random_device(s);
    if (!d)
        return false;
    Owner *o = d->owner;
    d->owner = NULL;
    if (!d->mapped) {
        owner_unref(o);
        return true;
    }
    d->mapped = false;
    switch (rng(&s->rng) % 3) {
    case 0: /* unmap, then drop */
        assert_true(memory_del_subregion(s->bus, d->top));
        AUDIT(s->ms);
        owner_unref(o);
        break;
    case 1: /* drop, then unmap: the unmap (or a commit) frees it */
        owner_unref(o);
        AUDIT(s->ms);
        assert_true(memory_del_subregion(s->bus, d->top));
        break;
    default: /* both in a transaction: its commit frees it */
        memory_begin(s->ms);
        assert_true(memory_del_subregion(s->bus, d->top));
        owner_unref(o);
        AUDIT(s->ms);
        memory_commit(s->ms);
        break;
    }
    return true;
}

static bool op_self_unplug(Soak *s)
{
    Device *d = random_visible_device(s);
    if (!d)
        return false;
    unsigned slot = d->slot;
    assert_int_equal(memory_write(s->ms, slot_base(slot) + 4, 4, CMD_UNPLUG),
                     MEM_OK);
    /* Freed once the access returned, unless a younger device holds it. */
    assert_true(!s->slots[slot] || s->slots[slot]->held_by > 0);
    return true;
}

static bool op_destroy(Soak *s)
{
    Device *d = random_device(s);
    unsigned k = 1 + rng(&s->rng) % (NREGS - 1);
    if (!d || !d->reg_alive[k])
        return false;
    Error *err = NULL;
    assert_true(memory_region_destroy(d->regs[k], &err));
    assert_null(err);
    d->reg_alive[k] = false;
    return true;
}

static bool op_self_destroy(Soak *s)
{
    Device *d = random_visible_device(s);
    unsigned k = 1 + rng(&s->rng) % (NREGS - 1);
    if (!d || !d->reg_alive[k])
        return false;
    assert_int_equal(memory_write(s->ms, slot_base(d->slot) + k * REG_SIZE, 4,
                                  CMD_DESTROY_SELF), MEM_OK);
    assert_false(d->reg_alive[k]);
    return true;
}

static bool op_retarget(Soak *s)
{
    Device *d = random_device(s);
    if (!d)
        return false;
    unsigned target = rng(&s->rng) % NSHARED;
    uint64_t offset = (rng(&s->rng) % (SHARED_BYTES / SHM_SIZE)) * SHM_SIZE;
    Error *err = NULL;
    assert_true(memory_region_set_alias_target(d->shm, s->shared[target],
                                               offset, &err));
    assert_null(err);
    d->shm_target = target;
    d->shm_offset = offset;
    return true;
}

/* Disable or enable a mapped device, or unmap it; map an unmapped one
 * again. */
static bool op_toggle(Soak *s)
{
    Device *d = random_device(s);
    if (!d)
        return false;
    if (!d->mapped) {
        ADD(s->bus, slot_base(d->slot), d->top);
        d->mapped = true;
    } else if (rng(&s->rng) & 1) {
        d->enabled = !d->enabled;
        memory_region_set_enabled(d->top, d->enabled);
    } else {
        assert_true(memory_del_subregion(s->bus, d->top));
        d->mapped = false;
    }
    return true;
}

/* Outside a transaction the view shows exactly the model: every register
 * of a mapped, enabled device that is not destroyed, its alias onto the
 * right window of the right RAM, and nothing else in the slots. */
static void check_device(Soak *s, Device *d, unsigned slot)
{
    uint32_t base = slot_base(slot), v;
    bool shown = d && d->mapped && d->enabled;
    for (unsigned k = 0; k < NREGS; k++) {
        uint32_t off = rng(&s->rng) % (REG_SIZE / 4) * 4;
        MemAccess got = memory_read(s->ms, base + k * REG_SIZE + off, 4, &v);
        if (shown && d->reg_alive[k]) {
            assert_int_equal(got, MEM_OK);
            assert_int_equal(v, reg_value(d, k, off));
        } else {
            assert_int_equal(got, MEM_UNMAPPED);
        }
    }
    uint32_t off = rng(&s->rng) % SHM_SIZE;
    MemAccess got = memory_write(s->ms, base + SHM_AT + off, 1, off ^ 0x5a);
    if (!shown) {
        assert_int_equal(got, MEM_UNMAPPED);
        return;
    }
    assert_int_equal(got, MEM_OK);
    uint8_t *host = memory_region_host_ptr(s->shared[d->shm_target]);
    assert_int_equal(host[d->shm_offset + off], (uint8_t)(off ^ 0x5a));
}

static bool op_access(Soak *s)
{
    if (s->txn)
        return false;
    for (unsigned slot = 0; slot < SLOTS; slot++)
        check_device(s, s->slots[slot], slot);
    uint32_t v;
    assert_int_equal(memory_read(s->ms, LED_ADDR, 4, &v),
                     s->led_on ? MEM_OK : MEM_UNMAPPED);
    return true;
}

/* Runs one operation; false when it has nothing to work on now. */
static bool soak_step(Soak *s, Op op)
{
    switch (op) {
    case OP_PLUG: return op_plug(s);
    case OP_UNPLUG: return op_unplug(s);
    case OP_SELF_UNPLUG: return op_self_unplug(s);
    case OP_DESTROY: return op_destroy(s);
    case OP_SELF_DESTROY: return op_self_destroy(s);
    case OP_RETARGET: return op_retarget(s);
    case OP_TOGGLE: return op_toggle(s);
    case OP_BEGIN:
        if (s->txn >= 2)
            return false;
        soak_begin(s);
        return true;
    case OP_COMMIT:
        if (!s->txn)
            return false;
        soak_commit(s);
        return true;
    case OP_ACCESS: return op_access(s);
    case OP_COUNT: break;
    }
    return false;
}

static Op random_op(Soak *s)
{
    /* Weights: plug and access often, the rest evenly, commits enough to
     * keep transactions short. */
    static const unsigned weight[OP_COUNT] = {
        [OP_PLUG] = 5, [OP_UNPLUG] = 2, [OP_SELF_UNPLUG] = 2,
        [OP_DESTROY] = 2, [OP_SELF_DESTROY] = 2, [OP_RETARGET] = 2,
        [OP_TOGGLE] = 2, [OP_BEGIN] = 1, [OP_COMMIT] = 2, [OP_ACCESS] = 3,
    };
    unsigned total = 0;
    for (int i = 0; i < OP_COUNT; i++)
        total += weight[i];
    unsigned pick = rng(&s->rng) % total;
    for (int i = 0; i < OP_COUNT; i++) {
        if (pick < weight[i])
            return (Op)i;
        pick -= weight[i];
    }
    return OP_ACCESS;
}

/* Outside a transaction: owners are the board, the RAMs' and the live
 * devices', the model matches the view, and no region waits. */
static void check_settled(Soak *s)
{
    size_t devices = 0, regions = 2 + NSHARED; /* bus, led, the RAMs */
    for (unsigned slot = 0; slot < SLOTS; slot++) {
        Device *d = s->slots[slot];
        if (!d)
            continue;
        /* A dropped device lingers only while a younger one holds it. */
        assert_true(d->owner || d->held_by > 0);
        devices++;
        regions += 2; /* top and shm */
        for (unsigned k = 0; k < NREGS; k++)
            regions += d->reg_alive[k];
    }
    MemoryStats st = memory_stats(s->ms);
    assert_int_equal(st.owners, 2 + devices);
    assert_int_equal(st.regions, regions);
    assert_int_equal(s->plugged - s->finalized, devices);
}

static void test_soak_mixed_operations_audited(void **state)
{
    (void)state;
    Soak *s = calloc(1, sizeof *s);
    assert_non_null(s);
    s->rng = 0x9e3779b97f4a7c15ULL;
    s->ms = memory_system_new();
    memory_set_finalize_shuffle(s->ms, 0xfeedf00dULL);
    s->board = owner_new(s->ms, "board", NULL, NULL);
    s->bus = memory_region_new_container(s->board, "sysbus", 1ULL << 32);
    memory_set_root(s->ms, s->bus);
    s->mem = owner_new(s->ms, "mem", NULL, NULL);
    for (unsigned i = 0; i < NSHARED; i++) {
        Error *err = NULL;
        s->shared[i] = memory_region_new_ram(s->mem, "shared", SHARED_BYTES, &err);
        assert_null(err);
        ADD(s->bus, 0x80000000u + i * 0x10000u, s->shared[i]);
    }
    Error *err = NULL;
    s->led = memory_region_new_ram(s->board, "led", 0x100, &err);
    assert_null(err);
    ADD(s->bus, LED_ADDR, s->led);
    s->led_on = true;
    AUDIT(s->ms);

    unsigned steps = 0;
    while (steps < MIXED_OPS) {
        Op op = random_op(s);
        if (!soak_step(s, op))
            continue; /* nothing to work on now: not an operation */
        steps++;
        s->done[op]++;
        AUDIT(s->ms);
        if (!s->txn)
            check_settled(s);
    }
    while (s->txn) {
        soak_commit(s);
        AUDIT(s->ms);
    }
    check_settled(s);
    op_access(s);
    for (int i = 0; i < OP_COUNT; i++) {
        print_message("  %-13s %u\n", op_names[i], s->done[i]);
        assert_true(s->done[i] >= 300); /* every kind, many times */
    }
    print_message("  devices plugged %u, freed %u\n", s->plugged, s->finalized);

    /* Teardown: drop the devices, then the board and the RAMs. */
    for (unsigned slot = 0; slot < SLOTS; slot++) {
        Device *d = s->slots[slot];
        if (!d)
            continue;
        if (!d->owner)
            continue; /* goes with the device holding it */
        Owner *o = d->owner;
        d->owner = NULL;
        if (d->mapped)
            assert_true(memory_del_subregion(s->bus, d->top));
        owner_unref(o);
        AUDIT(s->ms);
    }
    for (unsigned slot = 0; slot < SLOTS; slot++)
        assert_null(s->slots[slot]);
    assert_int_equal(s->plugged, s->finalized);
    memory_set_root(s->ms, NULL);
    owner_unref(s->board);
    owner_unref(s->mem);
    AUDIT(s->ms);
    assert_int_equal(memory_stats(s->ms).owners, 0);
    assert_int_equal(memory_stats(s->ms).regions, 0);
    memory_system_free(s->ms);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_soak_plug_use_unplug),
        cmocka_unit_test(test_soak_mixed_operations_audited),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
