/* Memory contents for snapshots (soc/memory.h, "Snapshots: memory
 * contents"): captures share pages, track writes by every path (the CPU's
 * fast and slow paths, translated stores, stores through an alias, guest
 * accesses from devices, the debugger, host services, a device writing a
 * region's host bytes and reporting them), copy only what was written,
 * never store zero pages, and restore exactly, killing code decoded from
 * restored bytes. Work is counted in pages (memory_pages_stats), never
 * timed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim/cpu/cpu_internal.h"
#include "tests/unit/rv_asm.h"

enum {
    RAM_BASE = 0x80000000u,
    RAM_SIZE = 0x10000u,        /* 16 pages */
    ALIAS_BASE = 0x40000000u,   /* the same RAM through an alias */
    SMALL_BASE = 0x90000000u,
    SMALL_SIZE = 0x1800u,       /* a page and a half */
    CODE = RAM_BASE,            /* programs live in the RAM's first page */
    F = RAM_BASE + 0x100,       /* a function, in a chunk of its own */
    DATA = RAM_BASE + 0x4000,   /* page 4 */
    PAGE = MEMORY_PAGE_SIZE,
};

typedef struct Fixture {
    MemorySystem *ms;
    Owner *board, *small_owner;
    MemoryRegion *root, *ram, *small;
    Cpu *cpu;
    unsigned code_heard;       /* a code listener's reports */
} Fixture;

static void count_code(void *opaque, const uint8_t *host, size_t len)
{
    (void)host, (void)len;
    ((Fixture *)opaque)->code_heard++;
}

static int setup(void **state)
{
    Fixture *fx = calloc(1, sizeof *fx);
    Error *err = NULL;
    assert_non_null(fx);
    fx->ms = memory_system_new();
    fx->board = owner_new(fx->ms, "board", NULL, NULL);
    fx->small_owner = owner_new(fx->ms, "small", NULL, NULL);
    fx->root = memory_region_new_container(fx->board, "bus", 1ull << 32);
    fx->ram = memory_region_new_ram(fx->board, "ram", RAM_SIZE, &err);
    fx->small = memory_region_new_ram(fx->small_owner, "small", SMALL_SIZE, &err);
    MemoryRegion *alias = memory_region_new_alias(fx->board, "alias", fx->ram, 0, RAM_SIZE,
                                                  &err);
    assert_null(err);
    memory_begin(fx->ms);
    assert_true(memory_add_subregion(fx->root, RAM_BASE, fx->ram, &err));
    assert_true(memory_add_subregion(fx->root, ALIAS_BASE, alias, &err));
    assert_true(memory_add_subregion(fx->root, SMALL_BASE, fx->small, &err));
    memory_set_root(fx->ms, fx->root);
    memory_commit(fx->ms);
    memory_add_code_listener(fx->ms, count_code, fx);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    Fixture *fx = *state;
    cpu_free(fx->cpu);
    memory_remove_code_listener(fx->ms, count_code, fx);
    memory_set_root(fx->ms, NULL);
    owner_unref(fx->board);
    if (fx->small_owner)
        owner_unref(fx->small_owner);
    memory_system_free(fx->ms);
    free(fx);
    return 0;
}

static bool jit_here(void)
{
    return cpu_jit_supported();
}

static void use_cpu(Fixture *fx, bool jit)
{
    Error *err = NULL;
    cpu_free(fx->cpu);
    CpuConfig config = {.isa = "rv32imac", .reset_pc = CODE, .frequency_hz = 1000000,
                        .jit = jit, .jit_threshold = 1};
    fx->cpu = cpu_new(fx->ms, &config, &err);
    assert_non_null(fx->cpu);
}

static void write_words(Fixture *fx, uint32_t addr, const uint32_t *words, size_t n)
{
    assert_true(memory_debug_write(fx->ms, addr, words, n * 4, NULL));
}

static uint8_t *host(Fixture *fx, uint32_t addr)
{
    return memory_region_host_ptr(fx->ram) + (addr - RAM_BASE);
}

static void put_store_program(Fixture *fx);

/* Fills the RAM with a pattern (every page non-zero but the last two),
 * the store program (cpu_stores) at CODE. */
static void fill_pattern(Fixture *fx)
{
    uint8_t *bytes = malloc(RAM_SIZE - 2 * PAGE);
    assert_non_null(bytes);
    for (size_t i = 0; i < RAM_SIZE - 2 * PAGE; i++)
        bytes[i] = (uint8_t)(i * 7 + 3);
    assert_true(memory_debug_write(fx->ms, RAM_BASE, bytes, RAM_SIZE - 2 * PAGE, NULL));
    free(bytes);
    put_store_program(fx);
}

/* The capture's bytes at guest addr (inside the RAM). */
static const uint8_t *captured(const MemoryPages *pages, uint32_t addr)
{
    uint64_t offset = addr - RAM_BASE;
    const uint8_t *page = memory_pages_page(pages, offset / PAGE);
    static const uint8_t zero[MEMORY_PAGE_SIZE];
    return (page ? page : zero) + offset % PAGE;
}

static void assert_ram_equals(Fixture *fx, const MemoryPages *pages)
{
    for (uint64_t i = 0; i < RAM_SIZE / PAGE; i++) {
        uint32_t addr = RAM_BASE + (uint32_t)(i * PAGE);
        assert_memory_equal(host(fx, addr), captured(pages, addr), PAGE);
    }
}

/* ---- every writer is tracked ---- */

/* At CODE: `n` words stored from t1 (incremented each time) at t0 onwards,
 * then a spin. */
static void put_store_program(Fixture *fx)
{
    uint32_t code[] = {
        rv_store(SW, T1, T0, 0), rv_addi(T1, T1, 1), rv_addi(T0, T0, 4),
        rv_addi(T2, T2, -1), rv_branch(BNE, T2, ZERO, -16), rv_jal(ZERO, 0),
    };
    write_words(fx, CODE, code, 6);
}

/* Runs exactly the store program's loop on the chosen engine. */
static void cpu_stores(Fixture *fx, uint32_t target, uint32_t first, unsigned n)
{
    cpu_set_pc(fx->cpu, CODE);
    cpu_set_reg(fx->cpu, T0, target);
    cpu_set_reg(fx->cpu, T1, first);
    cpu_set_reg(fx->cpu, T2, n);
    Error *err = NULL;
    assert_int_equal(cpu_run(fx->cpu, 5ull * n, &err), CPU_STOP_INSN_LIMIT);
    assert_int_equal(cpu_get_pc(fx->cpu), CODE + 20);
}

/* A capture after a write at `addr` has exactly the written page new. */
static MemoryPages *expect_tracked(Fixture *fx, MemoryPages *before, uint32_t addr)
{
    MemoryPages *after = memory_pages_capture(fx->ram);
    assert_ram_equals(fx, after);
    assert_int_equal(memory_pages_private_bytes(after, before), PAGE);
    uint64_t page = (addr - RAM_BASE) / PAGE;
    assert_ptr_not_equal(memory_pages_page(after, page), memory_pages_page(before, page));
    return after;
}

/* Captures, writes through `write`, checks the capture after it, restores
 * the first and checks the RAM is as it was. */
static void check_writer(Fixture *fx, uint32_t addr,
                         void (*write)(Fixture *fx, uint32_t addr, uint32_t value))
{
    fill_pattern(fx);
    for (uint32_t round = 0; round < 3; round++) {
        MemoryPages *before = memory_pages_capture(fx->ram);
        write(fx, addr, 0x5a5a0000u + round);
        MemoryPages *after = expect_tracked(fx, before, addr);
        Error *err = NULL;
        assert_true(memory_pages_restore(fx->ms, fx->ram, before, &err));
        assert_ram_equals(fx, before);
        memory_pages_unref(before);
        memory_pages_unref(after);
    }
}

static void write_debug(Fixture *fx, uint32_t addr, uint32_t value)
{
    assert_true(memory_debug_write(fx->ms, addr, &value, 4, NULL));
}

static void write_host_service(Fixture *fx, uint32_t addr, uint32_t value)
{
    assert_true(memory_ram_write(fx->ms, addr, &value, 4));
}

static void write_guest_access(Fixture *fx, uint32_t addr, uint32_t value)
{
    assert_int_equal(memory_write(fx->ms, addr, 4, value), MEM_OK);
}

/* A device holding the region writes its host bytes and reports them
 * (the SPI flash serving a board's flash memory). */
static void write_device_host(Fixture *fx, uint32_t addr, uint32_t value)
{
    memcpy(host(fx, addr), &value, 4);
    memory_region_code_written(fx->ms, fx->ram, addr - RAM_BASE, 4);
}

static void write_cpu(Fixture *fx, uint32_t addr, uint32_t value)
{
    cpu_stores(fx, addr, value, 8);
}

static void write_cpu_alias(Fixture *fx, uint32_t addr, uint32_t value)
{
    cpu_stores(fx, ALIAS_BASE + (addr - RAM_BASE), value, 8);
}

static void test_debugger_writes_are_tracked(void **state)
{
    check_writer(*state, DATA + 0x10, write_debug);
}

static void test_host_service_writes_are_tracked(void **state)
{
    check_writer(*state, DATA + 0x20, write_host_service);
}

static void test_guest_accesses_from_devices_are_tracked(void **state)
{
    check_writer(*state, DATA + 0x30, write_guest_access);
}

static void test_device_host_writes_reported_are_tracked(void **state)
{
    check_writer(*state, DATA + 0x40, write_device_host);
}

/* Rounds 2 and 3 find the data cache (interpreter) or the inline window
 * (translator) holding the range from round 1: their first store must
 * still see the page's report bit, set again by the capture. */
static void test_interpreter_stores_are_tracked(void **state)
{
    Fixture *fx = *state;
    use_cpu(fx, false);
    check_writer(fx, DATA + 0x50, write_cpu);
    check_writer(fx, DATA + 0x60, write_cpu_alias);
}

static void test_translated_stores_are_tracked(void **state)
{
    Fixture *fx = *state;
    if (!jit_here())
        skip();
    use_cpu(fx, true);
    check_writer(fx, DATA + 0x70, write_cpu);
    CpuEngineStats stats;
    cpu_engine_stats(fx->cpu, &stats);
    assert_true(stats.blocks_translated > 0); /* the stores ran translated */
    check_writer(fx, DATA + 0x80, write_cpu_alias);
}

/* An AMO writes through the slow path's store. */
static void test_atomic_stores_are_tracked(void **state)
{
    Fixture *fx = *state;
    use_cpu(fx, false);
    fill_pattern(fx);
    uint32_t code[] = {rv_amo(AMOADD, T1, T0, T2), rv_jal(ZERO, 0)};
    write_words(fx, CODE, code, 2);
    MemoryPages *base = memory_pages_capture(fx->ram);
    cpu_set_pc(fx->cpu, CODE);
    cpu_set_reg(fx->cpu, T0, DATA);
    cpu_set_reg(fx->cpu, T2, 5);
    Error *err = NULL;
    assert_int_equal(cpu_run(fx->cpu, 1, &err), CPU_STOP_INSN_LIMIT);
    memory_pages_unref(expect_tracked(fx, base, DATA));
    memory_pages_unref(base);
}

/* ---- cost ---- */

static void test_before_any_capture_only_code_reports(void **state)
{
    Fixture *fx = *state;
    MemRange range;
    assert_true(memory_lookup(fx->ms, RAM_BASE, &range));
    memory_code_mark(&range, F, 8);
    for (uint32_t a = RAM_BASE; a < RAM_BASE + RAM_SIZE; a += MEMORY_CODE_CHUNK)
        assert_int_equal(memory_range_has_code(&range, a), a == F);
    MemoryPagesStats none = memory_pages_stats(fx->ram);
    assert_int_equal(none.captures + none.pages_scanned + none.restores, 0);
}

/* After a capture every chunk reports its next write; the first write to
 * a page clears its chunks' bits but those holding code, and listeners
 * hear only of code. */
static void test_capture_makes_writes_report_once_per_page(void **state)
{
    Fixture *fx = *state;
    MemRange range;
    assert_true(memory_lookup(fx->ms, RAM_BASE, &range));
    memory_code_mark(&range, F, 8);
    memory_pages_unref(memory_pages_capture(fx->ram));
    for (uint32_t a = RAM_BASE; a < RAM_BASE + RAM_SIZE; a += MEMORY_CODE_CHUNK)
        assert_true(memory_range_has_code(&range, a));
    assert_false(memory_code_written(fx->ms, &range, RAM_BASE + 0x10, 4)); /* data */
    assert_int_equal(fx->code_heard, 0);
    for (uint32_t a = RAM_BASE; a < RAM_BASE + PAGE; a += MEMORY_CODE_CHUNK)
        assert_int_equal(memory_range_has_code(&range, a), a == F);
    assert_true(memory_range_has_code(&range, RAM_BASE + PAGE)); /* the next page */
    assert_true(memory_code_written(fx->ms, &range, F + 4, 4)); /* code */
    assert_int_equal(fx->code_heard, 1);
    assert_false(memory_range_has_code(&range, F));
    /* A new capture sets the page's bits again, and decoded code still
     * reports after it. */
    memory_code_mark(&range, F, 8);
    memory_pages_unref(memory_pages_capture(fx->ram));
    assert_true(memory_range_has_code(&range, RAM_BASE + 0x10));
    assert_true(memory_code_written(fx->ms, &range, F, 4));
    assert_int_equal(fx->code_heard, 2);
}

static void test_only_written_pages_are_copied(void **state)
{
    Fixture *fx = *state;
    fill_pattern(fx);
    MemoryPages *first = memory_pages_capture(fx->ram);
    MemoryPagesStats s0 = memory_pages_stats(fx->ram);
    assert_int_equal(s0.pages_scanned, RAM_SIZE / PAGE);
    assert_int_equal(s0.pages_copied, RAM_SIZE / PAGE - 2); /* two zero pages */
    assert_int_equal(memory_pages_private_bytes(first, NULL), RAM_SIZE - 2 * PAGE);
    write_debug(fx, RAM_BASE + 3 * PAGE, 1);
    write_debug(fx, RAM_BASE + 3 * PAGE + 0x800, 2); /* the same page again */
    write_debug(fx, RAM_BASE + 9 * PAGE + 4, 3);
    MemoryPages *second = memory_pages_capture(fx->ram);
    MemoryPagesStats s1 = memory_pages_stats(fx->ram);
    assert_int_equal(s1.pages_scanned - s0.pages_scanned, 2);
    assert_int_equal(s1.pages_copied - s0.pages_copied, 2);
    assert_int_equal(memory_pages_private_bytes(second, first), 2 * PAGE);
    assert_int_equal(memory_pages_private_bytes(first, second), 2 * PAGE);
    assert_ptr_equal(memory_pages_page(second, 4), memory_pages_page(first, 4)); /* shared */
    /* A page written back to what it held stays shared. */
    uint32_t was;
    memcpy(&was, host(fx, RAM_BASE + 5 * PAGE), 4);
    write_debug(fx, RAM_BASE + 5 * PAGE, ~was);
    write_debug(fx, RAM_BASE + 5 * PAGE, was);
    MemoryPages *third = memory_pages_capture(fx->ram);
    MemoryPagesStats s2 = memory_pages_stats(fx->ram);
    assert_int_equal(s2.pages_scanned - s1.pages_scanned, 1);
    assert_int_equal(s2.pages_copied, s1.pages_copied);
    assert_int_equal(memory_pages_private_bytes(third, second), 0);
    /* Nothing written: nothing read. */
    MemoryPages *fourth = memory_pages_capture(fx->ram);
    assert_int_equal(memory_pages_stats(fx->ram).pages_scanned, s2.pages_scanned);
    assert_ram_equals(fx, fourth);
    memory_pages_unref(first);
    memory_pages_unref(second);
    memory_pages_unref(third);
    memory_pages_unref(fourth);
}

static void test_zero_pages_are_not_stored(void **state)
{
    Fixture *fx = *state;
    write_debug(fx, RAM_BASE + 6 * PAGE + 8, 0x1234);
    MemoryPages *one = memory_pages_capture(fx->ram);
    assert_int_equal(memory_pages_private_bytes(one, NULL), PAGE);
    for (uint64_t i = 0; i < RAM_SIZE / PAGE; i++)
        assert_int_equal(memory_pages_page(one, i) != NULL, i == 6);
    write_debug(fx, RAM_BASE + 6 * PAGE + 8, 0); /* zero again */
    MemoryPages *none = memory_pages_capture(fx->ram);
    assert_null(memory_pages_page(none, 6));
    assert_int_equal(memory_pages_private_bytes(none, NULL), 0);
    memory_pages_unref(one);
    memory_pages_unref(none);
}

/* The case: a 128 MiB RAM with 64 KiB written. The first capture
 * scans it; after that capture and restore cost what was written. */
/* A region tracked from its zero contents (memory_pages_track_zero, what a
 * machine with a timeline does to every memory it builds): its first
 * capture reads only the pages written since, not all 128 MiB. */
static void test_zero_tracked_region_skips_the_first_scan(void **state)
{
    Fixture *fx = *state;
    enum { BIG = 128u << 20, WRITTEN = 64u << 10, STRIDE = BIG / (WRITTEN / PAGE) };
    Error *err = NULL;
    MemoryRegion *big = memory_region_new_ram(fx->small_owner, "big", BIG, &err);
    assert_non_null(big);
    memory_pages_track_zero(big);
    uint8_t *bytes = memory_region_host_ptr(big);
    for (uint32_t off = 0; off < BIG; off += STRIDE) {
        memset(bytes + off + 8, 0x5a, 16);
        memory_region_code_written(fx->ms, big, off + 8, 16);
    }
    MemoryPages *first = memory_pages_capture(big);
    MemoryPagesStats s = memory_pages_stats(big);
    assert_int_equal(s.pages_scanned, WRITTEN / PAGE);
    assert_int_equal(s.pages_copied, WRITTEN / PAGE);
    assert_int_equal(memory_pages_private_bytes(first, NULL), WRITTEN);
    for (uint64_t index = 0; index < BIG / PAGE; index++) {
        const uint8_t *page = memory_pages_page(first, index);
        bool written = index % (STRIDE / PAGE) == 0;
        assert_int_equal(page != NULL, written);
        if (written)
            assert_int_equal(page[8], 0x5a);
    }
    /* tracked already: a second call changes nothing */
    memory_pages_track_zero(big);
    bytes[0] = 7;
    memory_region_code_written(fx->ms, big, 0, 1);
    assert_true(memory_pages_restore(fx->ms, big, first, &err));
    assert_int_equal(bytes[0], 0);
    assert_int_equal(bytes[8], 0x5a);
    memory_pages_unref(first);
}

static void test_big_region_costs_what_was_written(void **state)
{
    Fixture *fx = *state;
    enum { BIG = 128u << 20, WRITTEN = 64u << 10, STRIDE = BIG / (WRITTEN / PAGE) };
    Error *err = NULL;
    MemoryRegion *big = memory_region_new_ram(fx->small_owner, "big", BIG, &err);
    assert_non_null(big);
    uint8_t page[MEMORY_PAGE_SIZE];
    memset(page, 0xa5, sizeof page);
    uint8_t *bytes = memory_region_host_ptr(big);
    for (uint32_t off = 0; off < BIG; off += STRIDE)
        memcpy(bytes + off, page, PAGE);
    MemoryPages *first = memory_pages_capture(big);
    MemoryPagesStats s0 = memory_pages_stats(big);
    assert_int_equal(s0.pages_scanned, BIG / PAGE);
    assert_int_equal(s0.pages_copied, WRITTEN / PAGE);
    assert_int_equal(memory_pages_private_bytes(first, NULL), WRITTEN);
    /* 64 KiB more, elsewhere, as a device writing and reporting */
    memset(page, 0x3c, sizeof page);
    for (uint32_t off = STRIDE / 2; off < BIG; off += STRIDE) {
        memcpy(bytes + off, page, PAGE);
        memory_region_code_written(fx->ms, big, off, PAGE);
    }
    MemoryPages *second = memory_pages_capture(big);
    MemoryPagesStats s1 = memory_pages_stats(big);
    assert_int_equal(s1.pages_scanned - s0.pages_scanned, WRITTEN / PAGE);
    assert_int_equal(s1.pages_copied - s0.pages_copied, WRITTEN / PAGE);
    assert_int_equal(memory_pages_private_bytes(second, first), WRITTEN);
    /* back to the first: only the pages where the two differ */
    assert_true(memory_pages_restore(fx->ms, big, first, &err));
    MemoryPagesStats s2 = memory_pages_stats(big);
    assert_int_equal(s2.pages_compared - s1.pages_compared, WRITTEN / PAGE);
    assert_int_equal(s2.pages_written - s1.pages_written, WRITTEN / PAGE);
    for (uint32_t off = STRIDE / 2; off < BIG; off += STRIDE)
        assert_int_equal(bytes[off], 0);
    assert_int_equal(bytes[0], 0xa5);
    /* one page written, then forward again: that page and the differing */
    bytes[0] = 1;
    memory_region_code_written(fx->ms, big, 0, 1);
    assert_true(memory_pages_restore(fx->ms, big, second, &err));
    MemoryPagesStats s3 = memory_pages_stats(big);
    assert_int_equal(s3.pages_compared - s2.pages_compared, 1 + WRITTEN / PAGE);
    assert_int_equal(s3.pages_written - s2.pages_written, 1 + WRITTEN / PAGE);
    assert_int_equal(bytes[0], 0xa5);
    assert_int_equal(bytes[STRIDE / 2], 0x3c);
    memory_pages_unref(first);
    memory_pages_unref(second);
}

/* ---- restoring ---- */

static void test_restore_goes_back_and_forth(void **state)
{
    Fixture *fx = *state;
    Error *err = NULL;
    fill_pattern(fx);
    MemoryPages *a = memory_pages_capture(fx->ram);
    write_debug(fx, DATA, 1);
    write_debug(fx, RAM_BASE + RAM_SIZE - 4, 2); /* a zero page no longer */
    MemoryPages *b = memory_pages_capture(fx->ram);
    write_debug(fx, DATA + PAGE, 3);
    for (int i = 0; i < 3; i++) {
        assert_true(memory_pages_restore(fx->ms, fx->ram, a, &err));
        assert_ram_equals(fx, a);
        write_debug(fx, DATA + 2 * PAGE, 4); /* dirty before the next restore */
        assert_true(memory_pages_restore(fx->ms, fx->ram, b, &err));
        assert_ram_equals(fx, b);
    }
    memory_pages_unref(a);
    memory_pages_unref(b);
}

/* A capture built page by page (from a file) into a region that never
 * had a baseline, and into one that has. */
static void test_built_pages_restore(void **state)
{
    Fixture *fx = *state;
    Error *err = NULL;
    assert_null(memory_pages_new(0));
    assert_null(memory_pages_new((1ull << 32) + 1));
    MemoryPages *built = memory_pages_new(SMALL_SIZE);
    assert_int_equal(memory_pages_region_size(built), SMALL_SIZE);
    uint8_t page[MEMORY_PAGE_SIZE] = {0};
    memory_pages_set(built, 0, page); /* zero: not stored */
    assert_null(memory_pages_page(built, 0));
    memset(page, 0x11, sizeof page);
    memory_pages_set(built, 1, page); /* the last page: 0x800 bytes */
    assert_int_equal(memory_pages_private_bytes(built, NULL), SMALL_SIZE - PAGE);
    uint8_t *small = memory_region_host_ptr(fx->small);
    small[5] = 9; /* to be zeroed by the restore */
    assert_true(memory_pages_restore(fx->ms, fx->small, built, &err));
    assert_int_equal(small[5], 0);
    for (size_t i = PAGE; i < SMALL_SIZE; i++)
        assert_int_equal(small[i], 0x11);
    MemoryPagesStats s = memory_pages_stats(fx->small);
    assert_int_equal(s.pages_compared, 2);
    assert_int_equal(s.pages_written, 2);
    /* Now it has a baseline: a capture of it shares the built pages. */
    MemoryPages *again = memory_pages_capture(fx->small);
    assert_int_equal(memory_pages_private_bytes(again, built), 0);
    memory_pages_unref(again);
    memory_pages_unref(built);
}

static void test_size_mismatch_is_refused(void **state)
{
    Fixture *fx = *state;
    Error *err = NULL;
    fill_pattern(fx);
    MemoryPages *ram = memory_pages_capture(fx->ram);
    uint8_t *small = memory_region_host_ptr(fx->small);
    small[0] = 0x77;
    assert_false(memory_pages_restore(fx->ms, fx->small, ram, &err));
    assert_non_null(strstr(error_message(err), "'small'"));
    error_free(err);
    assert_int_equal(small[0], 0x77);
    assert_int_equal(memory_pages_stats(fx->small).restores, 0);
    memory_pages_unref(ram);
}

/* Captures outlive their region; the region's baseline reference dies
 * with it (the sanitizers see a leak or a use after free). */
static void test_region_freed_while_captures_live(void **state)
{
    Fixture *fx = *state;
    uint8_t *small = memory_region_host_ptr(fx->small);
    memset(small, 0x42, SMALL_SIZE);
    MemoryPages *one = memory_pages_capture(fx->small);
    small[0] = 0x43;
    memory_region_code_written(fx->ms, fx->small, 0, 1);
    MemoryPages *two = memory_pages_capture(fx->small);
    memory_begin(fx->ms); /* the bus maps small: let it go */
    assert_true(memory_del_subregion(fx->root, fx->small));
    memory_commit(fx->ms);
    owner_unref(fx->small_owner);
    fx->small_owner = NULL;
    assert_int_equal(memory_pages_page(one, 0)[0], 0x42);
    assert_int_equal(memory_pages_page(two, 0)[0], 0x43);
    assert_int_equal(memory_pages_page(two, 1)[0x7ff], 0x42);
    /* and into another region of that size */
    Error *err = NULL;
    MemoryRegion *other = memory_region_new_ram(fx->board, "other", SMALL_SIZE, &err);
    assert_true(memory_pages_restore(fx->ms, other, two, &err));
    assert_int_equal(memory_region_host_ptr(other)[0], 0x43);
    memory_pages_unref(one);
    memory_pages_unref(two);
}

/* A loop calls f (a0 = 1) until decoded (and translated); a capture; f
 * rewritten to answer 2 and run so; the restore must kill that code. */
static uint32_t run_calls(Fixture *fx, unsigned calls)
{
    Error *err = NULL;
    cpu_set_pc(fx->cpu, CODE);
    uint32_t before = cpu_get_reg(fx->cpu, S0);
    assert_int_equal(cpu_run(fx->cpu, 5ull * calls, &err), CPU_STOP_INSN_LIMIT);
    assert_int_equal(cpu_get_pc(fx->cpu), CODE);
    return cpu_get_reg(fx->cpu, S0) - before;
}

static void restore_kills_code(Fixture *fx, bool jit)
{
    Error *err = NULL;
    use_cpu(fx, jit);
    uint32_t loop[] = {rv_jal(RA, (int32_t)(F - CODE)), rv_add(S0, S0, A0),
                       rv_jal(ZERO, -8)};
    uint32_t f[] = {rv_addi(A0, ZERO, 1), rv_jalr(ZERO, RA, 0)};
    write_words(fx, CODE, loop, 3);
    write_words(fx, F, f, 2);
    assert_int_equal(run_calls(fx, 100), 100);
    MemoryPages *one = memory_pages_capture(fx->ram);
    f[0] = rv_addi(A0, ZERO, 2);
    write_words(fx, F, f, 1);
    assert_int_equal(run_calls(fx, 100), 200);
    unsigned heard = fx->code_heard;
    assert_true(memory_pages_restore(fx->ms, fx->ram, one, &err));
    assert_true(fx->code_heard > heard); /* the CPU heard of it too */
    assert_int_equal(run_calls(fx, 100), 100);
    memory_pages_unref(one);
}

static void test_restore_kills_decoded_code(void **state)
{
    restore_kills_code(*state, false);
}

static void test_restore_kills_translated_code(void **state)
{
    if (!jit_here())
        skip();
    restore_kills_code(*state, true);
}

#define CASE(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        CASE(test_debugger_writes_are_tracked),
        CASE(test_host_service_writes_are_tracked),
        CASE(test_guest_accesses_from_devices_are_tracked),
        CASE(test_device_host_writes_reported_are_tracked),
        CASE(test_interpreter_stores_are_tracked),
        CASE(test_translated_stores_are_tracked),
        CASE(test_atomic_stores_are_tracked),
        CASE(test_before_any_capture_only_code_reports),
        CASE(test_capture_makes_writes_report_once_per_page),
        CASE(test_only_written_pages_are_copied),
        CASE(test_zero_pages_are_not_stored),
        CASE(test_big_region_costs_what_was_written),
        CASE(test_zero_tracked_region_skips_the_first_scan),
        CASE(test_restore_goes_back_and_forth),
        CASE(test_built_pages_restore),
        CASE(test_size_mismatch_is_refused),
        CASE(test_region_freed_while_captures_live),
        CASE(test_restore_kills_decoded_code),
        CASE(test_restore_kills_translated_code),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
