/* Decoded code never goes stale: a loop calls a function f many times, so
 * both sit in the CPU's block cache (the tests check that they do), then
 * f's first instruction is rewritten by each kind of writer (the debugger,
 * host services, a device, the CPU itself through an alias of the RAM,
 * through the fast path and the slow path) and the next calls must run
 * the new instruction. Only the blocks decoded from the written chunk may
 * be dropped. RAM at the very top of the address space checks that a
 * block whose last byte is 0xffffffff is found too. */
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
    RAM_SIZE = 0x80000u,      /* room for a write wider than the code index */
    ALIAS_BASE = 0x40000000u, /* the same RAM, seen through an alias */
    ROM_BASE = 0x1000u,
    ROM_SIZE = 0x1000u,
    TOP_BASE = 0xffff0000u,   /* RAM up to 0xffffffff */
    TOP_SIZE = 0x10000u,
    LOOP = RAM_BASE,          /* calls f, adds a0 to s0, repeats: 5 insns */
    F = RAM_BASE + 0x100,     /* another 256-byte chunk than the loop */
    PATCHER = RAM_BASE + 0x200,
    ITERATIONS = 1000,
};

typedef struct Fixture {
    MemorySystem *ms;
    Owner *bus, *ram_owner, *rom_owner, *top_owner;
    MemoryRegion *root, *ram, *rom, *top;
    Cpu *cpu;
} Fixture;

static void write_words(Fixture *fx, uint32_t addr, const uint32_t *words, size_t n)
{
    assert_true(memory_debug_write(fx->ms, addr, words, n * 4, NULL));
}

static void map(Fixture *fx, MemoryRegion *mr, uint32_t base)
{
    Error *err = NULL;
    assert_true(memory_add_subregion(fx->root, base, mr, &err));
}

static int setup(void **state)
{
    Fixture *fx = calloc(1, sizeof *fx);
    Error *err = NULL;
    fx->ms = memory_system_new();
    fx->bus = owner_new(fx->ms, "bus", NULL, NULL);
    fx->ram_owner = owner_new(fx->ms, "ram", NULL, NULL);
    fx->rom_owner = owner_new(fx->ms, "rom", NULL, NULL);
    fx->top_owner = owner_new(fx->ms, "top", NULL, NULL);
    fx->root = memory_region_new_container(fx->bus, "bus", 1ull << 32);
    fx->ram = memory_region_new_ram(fx->ram_owner, "ram", RAM_SIZE, &err);
    fx->rom = memory_region_new_rom(fx->rom_owner, "rom", ROM_SIZE, &err);
    fx->top = memory_region_new_ram(fx->top_owner, "top", TOP_SIZE, &err);
    MemoryRegion *alias = memory_region_new_alias(fx->bus, "ram-alias", fx->ram, 0,
                                                  RAM_SIZE, &err);
    assert_non_null(alias);
    memory_begin(fx->ms);
    map(fx, fx->ram, RAM_BASE);
    map(fx, alias, ALIAS_BASE);
    map(fx, fx->rom, ROM_BASE);
    map(fx, fx->top, TOP_BASE);
    memory_set_root(fx->ms, fx->root);
    memory_commit(fx->ms);
    CpuConfig config = {.isa = "rv32imac", .reset_pc = LOOP, .frequency_hz = 1000000};
    fx->cpu = cpu_new(fx->ms, &config, &err);
    assert_non_null(fx->cpu);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    Fixture *fx = *state;
    cpu_free(fx->cpu);
    memory_set_root(fx->ms, NULL);
    owner_unref(fx->bus);
    owner_unref(fx->ram_owner);
    owner_unref(fx->rom_owner);
    owner_unref(fx->top_owner);
    memory_system_free(fx->ms);
    free(fx);
    return 0;
}

/* The loop at `loop` calls f at `f` (a0 = value; return) and adds a0 to s0. */
static void write_program(Fixture *fx, uint32_t loop, uint32_t f, int32_t value)
{
    uint32_t far = f - loop; /* jal reaches ±1 MiB; otherwise lui/jalr */
    if (far + 0x100000u < 0x200000u) {
        uint32_t code[] = {rv_jal(RA, (int32_t)far), rv_add(S0, S0, A0), rv_jal(ZERO, -8)};
        write_words(fx, loop, code, 3);
    } else {
        uint32_t code[] = {rv_lui(T0, f), rv_jalr(RA, T0, 0), rv_add(S0, S0, A0),
                           rv_jal(ZERO, -12)};
        assert_int_equal(f & 0xfff, 0);
        write_words(fx, loop, code, 4);
    }
    uint32_t body[] = {rv_addi(A0, ZERO, value), rv_jalr(ZERO, RA, 0)};
    write_words(fx, f, body, 2);
}

/* Runs `iterations` of the loop from its start; returns what s0 gained. */
static uint32_t run_loop(Fixture *fx, uint32_t loop, unsigned insns_per_iteration,
                         unsigned iterations)
{
    Error *err = NULL;
    cpu_set_pc(fx->cpu, loop);
    uint32_t before = cpu_get_reg(fx->cpu, S0);
    assert_int_equal(cpu_run(fx->cpu, (uint64_t)insns_per_iteration * iterations, &err),
                     CPU_STOP_INSN_LIMIT);
    assert_int_equal(cpu_get_pc(fx->cpu), loop);
    return cpu_get_reg(fx->cpu, S0) - before;
}

static Block *cached_block(Fixture *fx, uint32_t pc)
{
    Block *b = fx->cpu->blocks.table[(pc >> 1) & (CPU_BLOCK_TABLE - 1)];
    return b && b->start == pc ? b : NULL;
}

/* Runs the loop with f answering 1 and checks both are decoded blocks. */
static Block *warm_up(Fixture *fx, uint32_t loop, uint32_t f, unsigned per_iteration)
{
    write_program(fx, loop, f, 1);
    assert_int_equal(run_loop(fx, loop, per_iteration, ITERATIONS), ITERATIONS);
    assert_non_null(cached_block(fx, f));
    Block *loop_block = cached_block(fx, loop);
    assert_non_null(loop_block);
    return loop_block;
}

/* f now answers `value`; the loop's block (another chunk) was kept. */
static void expect_new_code(Fixture *fx, uint32_t loop, unsigned per_iteration,
                            Block *loop_block, uint32_t value)
{
    assert_int_equal(run_loop(fx, loop, per_iteration, ITERATIONS), value * ITERATIONS);
    assert_ptr_equal(cached_block(fx, loop), loop_block);
}

static void test_debugger_write_reaches_decoded_code(void **state)
{
    Fixture *fx = *state;
    Block *loop_block = warm_up(fx, LOOP, F, 5);
    uint32_t insn = rv_addi(A0, ZERO, 2);
    assert_true(memory_debug_write(fx->ms, F, &insn, 4, NULL));
    assert_null(cached_block(fx, F));
    expect_new_code(fx, LOOP, 5, loop_block, 2);
}

static void test_host_service_write_reaches_decoded_code(void **state)
{
    Fixture *fx = *state;
    Block *loop_block = warm_up(fx, LOOP, F, 5);
    uint32_t insn = rv_addi(A0, ZERO, 3);
    assert_true(memory_ram_write(fx->ms, F, &insn, 4));
    expect_new_code(fx, LOOP, 5, loop_block, 3);
}

static void test_device_write_reaches_decoded_code(void **state)
{
    Fixture *fx = *state;
    Block *loop_block = warm_up(fx, LOOP, F, 5);
    assert_int_equal(memory_write(fx->ms, F, 4, rv_addi(A0, ZERO, 4)), MEM_OK);
    expect_new_code(fx, LOOP, 5, loop_block, 4);
}

static void test_write_through_alias_reaches_code_decoded_elsewhere(void **state)
{
    Fixture *fx = *state;
    Block *loop_block = warm_up(fx, LOOP, F, 5);
    uint32_t insn = rv_addi(A0, ZERO, 5);
    assert_true(memory_debug_write(fx->ms, ALIAS_BASE + (F - RAM_BASE), &insn, 4, NULL));
    expect_new_code(fx, LOOP, 5, loop_block, 5);
}

/* Runs `sw t1, off(t0)` at PATCHER as the CPU would, with t0 = the
 * alias of F. */
static void cpu_store_through_alias(Fixture *fx, uint32_t offset, uint32_t value)
{
    Error *err = NULL;
    uint32_t code[] = {rv_store(2, T1, T0, (int32_t)offset), RV_NOP};
    write_words(fx, PATCHER, code, 2);
    cpu_set_reg(fx->cpu, T0, ALIAS_BASE + (F - RAM_BASE));
    cpu_set_reg(fx->cpu, T1, value);
    cpu_set_pc(fx->cpu, PATCHER);
    assert_int_equal(cpu_run(fx->cpu, 1, &err), CPU_STOP_INSN_LIMIT);
    assert_int_equal(cpu_get_pc(fx->cpu), PATCHER + 4);
}

static void test_cpu_store_through_alias_reaches_decoded_code(void **state)
{
    Fixture *fx = *state;
    Block *loop_block = warm_up(fx, LOOP, F, 5);
    /* The first store to the alias misses the data cache (slow path). */
    cpu_store_through_alias(fx, 0, rv_addi(A0, ZERO, 6));
    expect_new_code(fx, LOOP, 5, loop_block, 6);
    /* Now the alias's range is cached: the next store takes the fast
     * path's lookup, which must see that f was decoded again meanwhile. */
    assert_non_null(cached_block(fx, F));
    cpu_store_through_alias(fx, 0, rv_addi(A0, ZERO, 7));
    expect_new_code(fx, LOOP, 5, loop_block, 7);
}

static void test_store_to_data_beside_code_keeps_running(void **state)
{
    Fixture *fx = *state;
    Block *loop_block = warm_up(fx, LOOP, F, 5);
    /* Same chunk as f, not f's bytes: f is decoded again, unchanged. */
    cpu_store_through_alias(fx, 0x80, 0x12345678);
    expect_new_code(fx, LOOP, 5, loop_block, 1);
    uint32_t word;
    assert_true(memory_debug_read(fx->ms, F + 0x80, &word, 4, NULL));
    assert_int_equal(word, 0x12345678);
}

static void test_debugger_write_to_rom_reaches_decoded_code(void **state)
{
    Fixture *fx = *state;
    Block *loop_block = warm_up(fx, LOOP, ROM_BASE, 6);
    uint32_t insn = rv_addi(A0, ZERO, 8);
    assert_true(memory_debug_write(fx->ms, ROM_BASE, &insn, 4, NULL));
    expect_new_code(fx, LOOP, 6, loop_block, 8);
}

static void test_block_ending_at_top_of_address_space_is_invalidated(void **state)
{
    Fixture *fx = *state;
    uint32_t f = 0xfffffff8u; /* its jalr's last byte is 0xffffffff */
    Block *loop_block = warm_up(fx, TOP_BASE, f, 5);
    Block *fb = cached_block(fx, f);
    assert_int_equal(fb->ninsns, 2);
    uint32_t insn = rv_addi(A0, ZERO, 9);
    assert_true(memory_debug_write(fx->ms, f, &insn, 4, NULL));
    expect_new_code(fx, TOP_BASE, 5, loop_block, 9);
    /* and through the CPU's own store */
    uint32_t code[] = {rv_store(2, T1, T0, 0), RV_NOP};
    write_words(fx, PATCHER, code, 2);
    cpu_set_reg(fx->cpu, T0, f);
    cpu_set_reg(fx->cpu, T1, rv_addi(A0, ZERO, 10));
    cpu_set_pc(fx->cpu, PATCHER);
    Error *err = NULL;
    assert_int_equal(cpu_run(fx->cpu, 1, &err), CPU_STOP_INSN_LIMIT);
    expect_new_code(fx, TOP_BASE, 5, loop_block, 10);
}

/* The code index files a block under each of its chunks: f straddles a
 * chunk boundary (its first instruction in one chunk, its jalr in the
 * next), and a write into the second chunk only must still find it. */
static void test_write_to_second_chunk_of_a_block_reaches_it(void **state)
{
    Fixture *fx = *state;
    uint32_t f = RAM_BASE + 0x1fc; /* addi at 0x..1fc, jalr at 0x..200 */
    uint32_t body[] = {rv_addi(A0, ZERO, 0), rv_addi(A0, ZERO, 1), rv_jalr(ZERO, RA, 0)};
    write_program(fx, LOOP, f, 1);
    write_words(fx, f, body + 1, 2);
    assert_int_equal(run_loop(fx, LOOP, 5, ITERATIONS), ITERATIONS);
    Block *fb = cached_block(fx, f);
    assert_non_null(fb);
    assert_int_equal(fb->ninsns, 2);
    uint32_t ret_with_a0_plus_2[] = {rv_addi(A0, A0, 2)};
    write_words(fx, f + 4, ret_with_a0_plus_2, 1); /* the second chunk only */
    assert_null(cached_block(fx, f));
    uint32_t ret[] = {rv_jalr(ZERO, RA, 0)};
    write_words(fx, f + 8, ret, 1);
    assert_int_equal(run_loop(fx, LOOP, 6, ITERATIONS), 3 * ITERATIONS);
}

/* A write over more chunks than the index has buckets walks every block
 * once instead: it must drop exactly those in the written range. */
static void test_big_write_drops_exactly_the_blocks_under_it(void **state)
{
    Fixture *fx = *state;
    uint32_t f = RAM_BASE + 0x1000;
    size_t len = (size_t)(CPU_CODE_BUCKETS + 1) << MEMORY_CODE_CHUNK_SHIFT;
    assert_true(0x1000 + len <= RAM_SIZE);
    uint32_t g = f + (uint32_t)len - 8; /* code at both ends of the write */
    warm_up(fx, LOOP, g, 5);
    Block *loop_block = warm_up(fx, LOOP, f, 5);
    assert_non_null(cached_block(fx, g));
    uint32_t body[] = {rv_addi(A0, ZERO, 4), rv_jalr(ZERO, RA, 0)};
    uint8_t *image = calloc(1, len);
    memcpy(image, body, sizeof body);
    assert_true(memory_debug_write(fx->ms, f, image, len, NULL));
    free(image);
    assert_null(cached_block(fx, f));
    assert_null(cached_block(fx, g));
    expect_new_code(fx, LOOP, 5, loop_block, 4); /* the loop, below it, stays */
}

static void test_ram_write_is_all_or_nothing(void **state)
{
    Fixture *fx = *state;
    uint8_t ones[32];
    memset(ones, 0xff, sizeof ones);
    uint32_t last = RAM_BASE + RAM_SIZE - 16;
    assert_false(memory_ram_write(fx->ms, last, ones, sizeof ones)); /* into a hole */
    assert_false(memory_ram_write(fx->ms, ROM_BASE, ones, 4));       /* ROM */
    assert_false(memory_ram_write(fx->ms, 0xfffffff0u, ones, sizeof ones)); /* wraps */
    uint8_t back[16];
    assert_true(memory_ram_read(fx->ms, last, back, sizeof back));
    for (size_t i = 0; i < sizeof back; i++)
        assert_int_equal(back[i], 0);
    assert_true(memory_ram_read(fx->ms, ROM_BASE, back, 4)); /* ROM reads */
    /* a length that would wrap 64-bit arithmetic */
    assert_false(memory_ram_write(fx->ms, RAM_BASE, ones, SIZE_MAX));
    assert_false(memory_ram_read(fx->ms, RAM_BASE, back, SIZE_MAX - RAM_BASE + 2));
}

/* A code listener that leaves while it is being told. */
typedef struct Leaver {
    MemorySystem *ms;
    int heard;
} Leaver;

static void leave_when_told(void *opaque, const uint8_t *host, size_t len)
{
    (void)host, (void)len;
    Leaver *l = opaque;
    l->heard++;
    memory_remove_code_listener(l->ms, leave_when_told, l);
}

static void test_code_listener_leaving_skips_no_other(void **state)
{
    Fixture *fx = *state;
    Leaver leaver = {.ms = fx->ms};
    /* Before the CPU's listener: its removal must not hide the CPU. */
    memory_remove_code_listener(fx->ms, cpu_blocks_code_written, fx->cpu);
    memory_add_code_listener(fx->ms, leave_when_told, &leaver);
    memory_add_code_listener(fx->ms, cpu_blocks_code_written, fx->cpu);
    Block *loop_block = warm_up(fx, LOOP, F, 5);
    uint32_t insn = rv_addi(A0, ZERO, 11);
    assert_true(memory_debug_write(fx->ms, F, &insn, 4, NULL));
    assert_int_equal(leaver.heard, 1);
    expect_new_code(fx, LOOP, 5, loop_block, 11);
    insn = rv_addi(A0, ZERO, 12); /* it is gone: told no more */
    assert_true(memory_debug_write(fx->ms, F, &insn, 4, NULL));
    assert_int_equal(leaver.heard, 1);
    expect_new_code(fx, LOOP, 5, loop_block, 12);
}

#define CASE(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        CASE(test_debugger_write_reaches_decoded_code),
        CASE(test_host_service_write_reaches_decoded_code),
        CASE(test_device_write_reaches_decoded_code),
        CASE(test_write_through_alias_reaches_code_decoded_elsewhere),
        CASE(test_cpu_store_through_alias_reaches_decoded_code),
        CASE(test_store_to_data_beside_code_keeps_running),
        CASE(test_debugger_write_to_rom_reaches_decoded_code),
        CASE(test_block_ending_at_top_of_address_space_is_invalidated),
        CASE(test_write_to_second_chunk_of_a_block_reaches_it),
    CASE(test_big_write_drops_exactly_the_blocks_under_it),
    CASE(test_ram_write_is_all_or_nothing),
        CASE(test_code_listener_leaving_skips_no_other),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
