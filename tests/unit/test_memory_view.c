/* Unit tests of the flat view and the access paths (soc/memory.h, rules
 * R6-R7): precedence, transactions and rebuilds, listeners, views held by
 * accesses in progress, the tree dump, the debugger's and host services'
 * paths, decoded-code marks, and arithmetic near 2^32 and 2^64 that must
 * never wrap. Helpers: memory_test_util.h. */
#include "tests/unit/memory_test_util.h"

#include <limits.h>

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

static const MmioOps gadget_ops = {.read = gadget_read, .write = gadget_write, .peek = NULL};

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

static const MmioOps self_destroy_ops = {.read = self_destroy_read, .write = NULL, .peek = NULL};

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

static const MmioOps mover_ops = {.read = mover_read, .write = NULL, .peek = NULL};

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

static const MmioOps cleaner_ops = {.read = NULL, .write = cleaner_write, .peek = NULL};

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

/* An access running past 4 GiB stops at 0x100000000 and names it, having
 * copied the bytes below it (the debugger's partial copy). */
static void test_debug_access_stops_at_4_gib(void **state)
{
    (void)state;
    Board b;
    board_init(&b, true);
    MemoryRegion *ram = new_ram(b.owner, "top_ram", 0x100);
    ADD(b.bus, 0xffffff00ULL, ram);
    uint8_t *host = memory_region_host_ptr(ram);
    for (int i = 0; i < 0x100; i++)
        host[i] = (uint8_t)(0x80 + i);
    AUDIT(b.ms);

    uint8_t buf[0x200];
    memset(buf, 0xee, sizeof buf);
    Error *err = NULL;
    assert_false(memory_debug_read(b.ms, 0xffffff00u, buf, sizeof buf, &err));
    ASSERT_ERROR_HAS(err, "0x100000000");
    error_free(err);
    err = NULL;
    assert_memory_equal(buf, host, 0x100);
    assert_int_equal(buf[0x100], 0xee);

    uint8_t src[0x20];
    for (int i = 0; i < 0x20; i++)
        src[i] = (uint8_t)(0x40 + i);
    assert_false(memory_debug_write(b.ms, 0xfffffff0u, src, sizeof src, &err));
    ASSERT_ERROR_HAS(err, "0x100000000");
    error_free(err);
    assert_memory_equal(host + 0xf0, src, 0x10); /* 0xfffffff0..0xffffffff */
    assert_int_equal(host[0xef], (uint8_t)(0x80 + 0xef)); /* untouched */
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

static const MmioOps logging_ops = {.read = NULL, .write = NULL, .peek = logging_peek};

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
/* ---- host services' access: RAM and ROM only, all or nothing ---- */

/* A span reaching a device, ROM (for a write), a hole or past 4 GiB copies
 * no byte, and no device hears of it (not even a peek). */
static void test_ram_access_is_all_or_nothing_and_never_a_device(void **state)
{
    (void)state;
    Board b;
    board_init(&b, true);
    Error *err = NULL;
    MemoryRegion *rom = memory_region_new_rom(b.owner, "rom", 0x100, &err);
    assert_non_null(rom);
    MemoryRegion *ram = new_ram(b.owner, "ram", 0x100);
    Regs rs;
    MemoryRegion *regs = new_mmio(b.owner, "regs", 0x100, &rs, 0x500);
    MemoryRegion *top = new_ram(b.owner, "top", 0x100);
    ADD(b.bus, 0x0f00, rom);
    ADD(b.bus, 0x1000, ram);
    ADD(b.bus, 0x1100, regs);
    ADD(b.bus, 0xffffff00ULL, top);
    memset(memory_region_host_ptr(rom), 0x77, 0x100);
    AUDIT(b.ms);
    uint8_t buf[0x20], src[0x20], zero[0x20] = {0};
    memset(src, 0x5a, sizeof src);
    uint8_t *host = memory_region_host_ptr(ram);

    memset(buf, 0xee, sizeof buf);
    assert_false(memory_ram_read(b.ms, 0x10f0, buf, sizeof buf)); /* device */
    assert_false(memory_ram_read(b.ms, 0xfffffff0u, buf, sizeof buf)); /* 4 GiB */
    assert_false(memory_ram_read(b.ms, 0x0ef0, buf, sizeof buf)); /* hole */
    for (size_t i = 0; i < sizeof buf; i++)
        assert_int_equal(buf[i], 0xee);
    assert_false(memory_ram_write(b.ms, 0x10f0, src, sizeof src));
    assert_false(memory_ram_write(b.ms, 0x0ff0, src, sizeof src)); /* ROM */
    assert_memory_equal(host, zero, sizeof zero);
    assert_memory_equal(host + 0xe0, zero, sizeof zero);
    assert_int_equal(rs.reads + rs.writes + rs.peeks, 0);

    assert_true(memory_ram_read(b.ms, 0x0ff0, buf, sizeof buf)); /* ROM reads */
    assert_int_equal(buf[0x0f], 0x77);
    assert_int_equal(buf[0x10], 0);
    assert_true(memory_ram_write(b.ms, 0x10e0, src, sizeof src));
    assert_memory_equal(host + 0xe0, src, sizeof src);
    AUDIT(b.ms);
    board_fini(&b);
}

/* ---- decoded code: marks ---- */

/* A mark of no bytes marks nothing (its last byte, offset + len - 1, would
 * lie 2^64 - 1 bytes on); a mark of the last byte marks the last chunk. */
static void test_code_mark_of_no_bytes_marks_nothing(void **state)
{
    (void)state;
    Board b;
    board_init(&b, true);
    MemoryRegion *ram = new_ram(b.owner, "ram", 0x1000);
    ADD(b.bus, 0x10000, ram);
    MemRange range;
    assert_true(memory_lookup(b.ms, 0x10000, &range));
    memory_code_mark(&range, 0x10000, 0);
    memory_code_mark(&range, 0x10f00, 0);
    for (uint32_t a = 0x10000; a < 0x11000; a += MEMORY_CODE_CHUNK)
        assert_false(memory_range_has_code(&range, a));
    memory_code_mark(&range, 0x10fff, 1);
    assert_true(memory_range_has_code(&range, 0x10f00));
    assert_false(memory_range_has_code(&range, 0x10eff));
    assert_true(memory_code_written(b.ms, &range, 0x10ff0, 4));
    assert_false(memory_range_has_code(&range, 0x10f00));
    AUDIT(b.ms);
    board_fini(&b);
}

/* A mark running past its region is the caller's bug: it stops, naming
 * the region, instead of setting bits of whatever lies beyond. */
static void mark_past_the_region(int unused)
{
    (void)unused;
    MemorySystem *ms = memory_system_new();
    Owner *o = owner_new(ms, "soc", NULL, NULL);
    MemoryRegion *bus = memory_region_new_container(o, "bus", 1ULL << 32);
    MemoryRegion *ram = memory_region_new_ram(o, "sram.cells", 0x100, NULL);
    memory_add_subregion(bus, 0x1000, ram, NULL);
    memory_set_root(ms, bus);
    MemRange range;
    memory_lookup(ms, 0x1000, &range);
    memory_code_mark(&range, 0x10ff, 2);
}

static void test_code_mark_past_its_region_stops_with_a_message(void **state)
{
    (void)state;
    expect_abort(mark_past_the_region, 0, "outside 'sram.cells'");
}

/* An optional argument runs only the tests matching it (a cmocka glob). */
int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
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
        cmocka_unit_test(test_tree_golden),
        cmocka_unit_test(test_debug_read_mmio_uses_peek_not_read),
        cmocka_unit_test(test_debug_read_mmio_without_peek_refused),
        cmocka_unit_test(test_debug_access_unmapped_names_the_address),
        cmocka_unit_test(test_r7_del_subregion_survives_container_destroyed_by_rebuild),
        cmocka_unit_test(test_r7_set_root_survives_old_root_destroyed_by_rebuild),
        cmocka_unit_test(test_r4_retarget_survives_old_target_destroyed_by_rebuild),
        cmocka_unit_test(test_r7_release_after_access_keeps_zombies_until_views_go),
        cmocka_unit_test(test_r6_root_larger_than_the_address_space),
        cmocka_unit_test(test_r6_alias_offsets_near_2_64),
        cmocka_unit_test(test_r6_region_moved_out_of_its_container_is_clipped),
        cmocka_unit_test(test_r6_extreme_priorities),
        cmocka_unit_test(test_debug_access_length_past_4_gib),
        cmocka_unit_test(test_debug_access_stops_at_4_gib),
        cmocka_unit_test(test_debug_peek_stays_inside_huge_region),
        cmocka_unit_test(test_r6_listener_removing_itself_skips_no_other),
        cmocka_unit_test(test_ram_access_is_all_or_nothing_and_never_a_device),
        cmocka_unit_test(test_code_mark_of_no_bytes_marks_nothing),
        cmocka_unit_test(test_code_mark_past_its_region_stops_with_a_message),
    };
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
