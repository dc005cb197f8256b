/* Unit tests of the memory object graph (soc/memory.h, rules R1-R5):
 * links and their references, owners dying in any order, no silent detach
 * across owners, aliases holding their target, no cycles; explicit destroy
 * (its pins and cascades, destroyed regions refused while they wait) and
 * subregions that must fit their container. Helpers: memory_test_util.h. */
#include "tests/unit/memory_test_util.h"

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

/* The finalize hook of an owner whose last reference a region being
 * destroyed held (through a link or an alias): it tries to use that region
 * again, destroying it a second time or mapping it somewhere. The region
 * is destroyed from the moment destroy accepted it, so both are refused. */
typedef struct Reuser {
    MemoryRegion *region;    /* the region being destroyed */
    MemoryRegion *container; /* map it here; NULL: destroy it again */
    int finalized;
    bool ok;
    char message[256];
} Reuser;

static void reuser_finalize(void *opaque)
{
    Reuser *ru = opaque;
    ru->finalized++;
    Error *err = NULL;
    ru->ok = ru->container
                 ? memory_add_subregion(ru->container, 0, ru->region, &err)
                 : memory_region_destroy(ru->region, &err);
    snprintf(ru->message, sizeof ru->message, "%s",
             err ? error_message(err) : "(no error)");
    error_free(err);
}

static void test_r3_destroy_refused_again_from_a_hook_it_triggers(void **state)
{
    (void)state;
    MemorySystem *ms = memory_system_new();
    Probe pv;
    Owner *victim = probe_owner(ms, "victim", &pv);
    MemoryRegion *box = memory_region_new_container(victim, "victim.box", 0x1000);
    MemoryRegion *keep = new_ram(victim, "victim.keep", 0x100);
    Reuser ru = {.region = box};
    Owner *dev = owner_new(ms, "dev", reuser_finalize, &ru);
    Regs r;
    MemoryRegion *regs = new_mmio(dev, "dev.regs", 0x100, &r, 0);
    ADD(box, 0, regs);
    owner_unref(dev); /* only the box's link holds dev */
    AUDIT(ms);

    Error *err = NULL;
    assert_true(memory_region_destroy(box, &err));
    assert_null(err);
    assert_int_equal(ru.finalized, 1);
    assert_false(ru.ok);
    assert_non_null(strstr(ru.message, "victim.box"));
    assert_non_null(strstr(ru.message, "already destroyed"));
    AUDIT(ms);
    assert_int_equal(nowners(ms), 1);
    assert_int_equal(nregions(ms), 1);
    assert_int_equal(memory_region_size(keep), 0x100);
    owner_unref(victim);
    assert_int_equal(pv.finalized, 1);
    AUDIT(ms);
    assert_int_equal(nowners(ms), 0);
    assert_int_equal(nregions(ms), 0);
    memory_system_free(ms);
}

static void test_r3_destroyed_alias_not_mapped_from_a_hook_it_triggers(void **state)
{
    (void)state;
    Board b;
    board_init(&b, true);
    Probe pv;
    Owner *victim = probe_owner(b.ms, "victim", &pv);
    Reuser ru = {.container = b.bus};
    Owner *dev = owner_new(b.ms, "dev", reuser_finalize, &ru);
    MemoryRegion *ram = new_ram(dev, "dev.ram", 0x100);
    ru.region = new_alias(victim, "victim.window", ram, 0, 0x100);
    owner_unref(dev); /* only the alias holds dev */
    AUDIT(b.ms);
    uint64_t rebuilds = nrebuilds(b.ms);

    Error *err = NULL;
    assert_true(memory_region_destroy(ru.region, &err));
    assert_null(err);
    assert_int_equal(ru.finalized, 1);
    assert_false(ru.ok);
    assert_non_null(strstr(ru.message, "victim.window"));
    assert_non_null(strstr(ru.message, "destroyed"));
    AUDIT(b.ms);
    assert_int_equal(nranges(b.ms), 0);
    assert_int_equal(nrebuilds(b.ms), rebuilds + 1); /* destroy's own */
    ASSERT_UNMAPPED(b.ms, 0);
    assert_int_equal(owner_refcount(victim), 1);
    owner_unref(victim);
    assert_int_equal(pv.finalized, 1);
    AUDIT(b.ms);
    board_fini(&b);
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
    /* The test needs one finalize order: no shuffle pins it to creation
     * order, the container first, so while it drops its child the spare is
     * still alive (and the child's hook can try to destroy it). */
    memory_set_finalize_shuffle(ms, 0);
    Probe ph;
    Owner *host = probe_owner(ms, "hub", &ph);
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
    /* A destroyed alias cannot be pointed anywhere again. */
    assert_true(memory_region_destroy(alias, &err));
    assert_null(err);
    assert_false(memory_region_set_alias_target(alias, other, 0, &err));
    ASSERT_ERROR_HAS(err, "otp.alias");
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
 * caller's bug, stopped at once with a message naming the region. */
static void set_destroyed_root(int unused)
{
    (void)unused;
    MemorySystem *ms = memory_system_new();
    Owner *o = owner_new(ms, "soc", NULL, NULL);
    MemoryRegion *spare = memory_region_new_container(o, "spare_bus", 0x1000);
    memory_begin(ms);
    memory_region_destroy(spare, NULL);
    memory_set_root(ms, spare);
    memory_commit(ms);
    memory_set_root(ms, NULL);
}

static void test_r3_destroyed_region_as_root_stops_with_a_message(void **state)
{
    (void)state;
    expect_abort(set_destroyed_root, 0,
                 "destroyed region 'spare_bus' set as the root");
}

/* Enabling, write-protecting or moving a region cannot be refused either.
 * A destroyed region waits as a zombie after its owner is gone (here
 * inside a transaction), so these must not reach the owner through it:
 * they stop at once, naming the region. */
enum { USE_ENABLED, USE_READONLY, USE_ADDRESS };

static void use_destroyed_region(int use)
{
    MemorySystem *ms = memory_system_new();
    Owner *o = owner_new(ms, "gpio9", NULL, NULL);
    MemoryRegion *bank = memory_region_new_container(o, "gpio9.bank", 0x100);
    memory_begin(ms);
    memory_region_destroy(bank, NULL);
    owner_unref(o); /* freed: bank waits for the commit */
    if (use == USE_ENABLED)
        memory_region_set_enabled(bank, false);
    else if (use == USE_READONLY)
        memory_region_set_readonly(bank, true);
    else
        memory_region_set_address(bank, 0x40);
    memory_commit(ms);
    memory_system_free(ms);
}

static void test_r3_destroyed_region_changed_stops_with_a_message(void **state)
{
    (void)state;
    expect_abort(use_destroyed_region, USE_ENABLED,
                 "memory_region_set_enabled on destroyed region 'gpio9.bank'");
    expect_abort(use_destroyed_region, USE_READONLY,
                 "memory_region_set_readonly on destroyed region 'gpio9.bank'");
    expect_abort(use_destroyed_region, USE_ADDRESS,
                 "memory_region_set_address on destroyed region 'gpio9.bank'");
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
        cmocka_unit_test(test_r3_destroy_cascade_releasing_own_owner),
        cmocka_unit_test(test_r3_destroy_alias_cascade_releasing_own_owner),
        cmocka_unit_test(test_r3_destroy_refused_again_from_a_hook_it_triggers),
        cmocka_unit_test(test_r3_destroyed_alias_not_mapped_from_a_hook_it_triggers),
        cmocka_unit_test(test_r3_destroy_refused_while_its_owner_is_finalized),
        cmocka_unit_test(test_r3_destroyed_region_refused_while_it_waits),
        cmocka_unit_test(test_r3_destroyed_region_as_root_stops_with_a_message),
        cmocka_unit_test(test_r3_destroyed_region_changed_stops_with_a_message),
        cmocka_unit_test(test_r1_subregion_must_fit_its_container),
    };
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
