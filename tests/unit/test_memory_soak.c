/* Soak test of the memory API: 10,000 plug/use/unplug cycles of a device
 * with its own container, three MMIO registers and an alias into shared RAM,
 * on a board's system bus. Every cycle ends with memory_audit() and with the
 * owner and region counts back at their baseline, and each device is freed
 * exactly once (checked through its finalize hook).
 *
 * The shared RAM has its own owner ("sram"), mapped on the bus: it cannot
 * belong to the board itself, since the board's bus holds the device and the
 * device's alias would hold the board (an owner cycle, refused by R5).
 *
 * Its own binary so it can also run under valgrind (built without ASan):
 *   gcc -std=c11 -D_GNU_SOURCE -g -I. tests/unit/test_memory_soak.c \
 *       soc/memory*.c soc/error.c -lcmocka -o /tmp/soak && valgrind /tmp/soak
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "soc/memory.h"

#define CYCLES 10000
#define SHARED_BASE 0x80000000u
#define SHARED_SIZE 0x1000u
#define DEV_WINDOW 0x100u

#define AUDIT(ms) audit_at((ms), __FILE__, __LINE__)

static void audit_at(MemorySystem *ms, const char *file, int line)
{
    Error *err = NULL;
    bool ok = memory_audit(ms, &err);
    if (!ok)
        print_error("%s:%d: memory_audit: %s\n", file, line,
                    err ? error_message(err) : "(returned false, no error)");
    bool clean = ok && !err;
    error_free(err);
    _assert_true(clean, "memory_audit(ms, &err) && !err", file, line);
}

typedef struct Probe {
    unsigned finalized;
} Probe;

static void probe_finalize(void *opaque)
{
    ((Probe *)opaque)->finalized++;
}

/* A read at offset o returns tag + o; writes are recorded. */
typedef struct Regs {
    uint32_t tag;
    unsigned reads, writes;
    uint64_t last_offset;
    uint32_t last_value;
} Regs;

static bool regs_read(void *opaque, uint64_t offset, unsigned size,
                      uint32_t *value)
{
    (void)size;
    Regs *r = opaque;
    r->reads++;
    r->last_offset = offset;
    *value = r->tag + (uint32_t)offset;
    return true;
}

static bool regs_write(void *opaque, uint64_t offset, unsigned size,
                       uint32_t value)
{
    (void)size;
    Regs *r = opaque;
    r->writes++;
    r->last_offset = offset;
    r->last_value = value;
    return true;
}

static const MmioOps regs_ops = {regs_read, regs_write, NULL};

static uint64_t rng_state = 0x243f6a8885a308d3ULL;

static uint32_t rng(void)
{
    uint64_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    rng_state = x;
    return (uint32_t)(x >> 32);
}

static void expect_read(MemorySystem *ms, uint32_t addr, uint32_t want)
{
    uint32_t got = 0xdeadbeef;
    assert_int_equal(memory_read(ms, addr, 4, &got), MEM_OK);
    assert_int_equal(got, want);
}

static void add_ok(MemoryRegion *container, uint64_t offset, MemoryRegion *sub)
{
    Error *err = NULL;
    bool ok = memory_add_subregion(container, offset, sub, &err);
    if (!ok)
        print_error("adding '%s' into '%s': %s\n", memory_region_name(sub),
                    memory_region_name(container), error_message(err));
    error_free(err);
    assert_true(ok);
}

static void test_soak_plug_use_unplug(void **state)
{
    (void)state;
    MemorySystem *ms = memory_system_new();
    memory_set_finalize_shuffle(ms, 0x5eed5eed5eedULL);

    Probe board_probe = {0}, sram_probe = {0};
    Owner *board = owner_new(ms, "board", probe_finalize, &board_probe);
    MemoryRegion *bus = memory_region_new_container(board, "sysbus", 1ULL << 32);
    memory_set_root(ms, bus);
    Owner *sram = owner_new(ms, "sram", probe_finalize, &sram_probe);
    Error *err = NULL;
    MemoryRegion *shared = memory_region_new_ram(sram, "shared", SHARED_SIZE, &err);
    assert_null(err);
    assert_non_null(shared);
    add_ok(bus, SHARED_BASE, shared);
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
        bool txn = rng() & 1;
        uint32_t addr = 0x10000000u + (rng() % 64) * 0x1000u;
        uint32_t window = (i % (SHARED_SIZE / DEV_WINDOW)) * DEV_WINDOW;

        /* Plug: a container with three registers and a window on the RAM. */
        if (txn)
            memory_begin(ms);
        MemoryRegion *top = memory_region_new_container(dev, "dev.top", 0x1000);
        static const char *const reg_names[3] = {"dev.ctrl", "dev.status", "dev.data"};
        for (int k = 0; k < 3; k++) {
            regs[k].tag = (i << 12) | ((uint32_t)k << 8);
            MemoryRegion *mr = memory_region_new_mmio(dev, reg_names[k], 0x100,
                                                      &regs_ops, &regs[k]);
            add_ok(top, (uint64_t)k * 0x100, mr);
        }
        MemoryRegion *shm = memory_region_new_alias(dev, "dev.shm", shared,
                                                    window, DEV_WINDOW, &err);
        assert_null(err);
        assert_non_null(shm);
        add_ok(top, 0x800, shm);
        assert_int_equal(owner_refcount(dev), 1);
        assert_int_equal(owner_refcount(sram), sram_refs + 1); /* the alias */
        add_ok(bus, addr, top);
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
        uint32_t k = (rng() % (DEV_WINDOW / 4)) * 4;
        assert_int_equal(memory_write(ms, addr + 0x800 + k, 4, ~i), MEM_OK);
        assert_int_equal(shared_host[window + k], (uint8_t)~i);
        expect_read(ms, SHARED_BASE + window + k, ~i);
        assert_int_equal(memory_write(ms, SHARED_BASE + window + k, 4, i * 3), MEM_OK);
        expect_read(ms, addr + 0x800 + k, i * 3);
        uint32_t v;
        assert_int_equal(memory_read(ms, addr + 0x300, 4, &v), MEM_UNMAPPED);
        assert_int_equal(regs[0].reads + regs[1].reads, 2);

        /* Unplug, in one of three orders. */
        switch (rng() % 3) {
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_soak_plug_use_unplug),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
