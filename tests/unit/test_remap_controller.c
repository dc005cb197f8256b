/* The remap controller (peripherals/remap_controller.c), built through its
 * registry class on tests/unit/device_fixture.h, with host hooks of its
 * own: find_region returns memories the test builds (and can hide, as a
 * powered-off one) and map_region maps on the fixture's bus. The window
 * shows the selected target above the board's blocks, select re-targets
 * it in one transaction, an unusable target (absent, too small) disables
 * it and lets go of the old target, out-of-range selects and writes to
 * count are ignored and reported, aligned words only, reset, and every
 * refusal at create with its place and nothing left behind. The register
 * table (peripherals/regs.h): its text, the values peeks show at reset,
 * offsets without a register, bad accesses under `bad-access: ignore`,
 * and the names traces print. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "peripherals/regs.h"
#include "tests/unit/device_fixture.h"

#define BASE 0x10040000u /* the registers */
#define SELECT (BASE + 0x0)
#define COUNT (BASE + 0x4)
#define WINDOW_SIZE 0x2000u

enum { FLASH, BOOT, SRAM, ITIM, NTARGETS };

/* A memory of the board: a name find_region knows, unless hidden. */
typedef struct Target {
    const char *name;
    uint64_t base, size;
    bool rom;
    uint8_t fill; /* every byte */
    Owner *owner;
    MemoryRegion *mr;
    bool hidden;
} Target;

/* The device fixture, the board's memories and what map_region got. */
typedef struct Fixture {
    DevFixture d; /* first: the hooks' opaque */
    Target t[NTARGETS];
    MemoryRegion *window; /* what map_region was given */
    uint64_t window_base;
    int window_priority, maps;
    bool refuse_map;
} Fixture;

static const Target TARGETS[NTARGETS] = {
    [FLASH] = {"flash", 0x20000000, 0x4000, true, 0x11},
    [BOOT] = {"boot", 0x20010000, 0x2000, true, 0x22},
    [SRAM] = {"sram", 0x80000000, 0x1000, false, 0x33},
    /* a board block under the window: shows when it is disabled */
    [ITIM] = {"itim", 0x0, 0x1000, false, 0x44},
};

static MemoryRegion *find_region(void *opaque, const char *name)
{
    Fixture *f = opaque;
    for (int i = 0; i < NTARGETS; i++)
        if (strcmp(f->t[i].name, name) == 0 && !f->t[i].hidden)
            return f->t[i].mr;
    return NULL;
}

static bool map_region(void *opaque, MemoryRegion *region, uint64_t base,
                       int priority, Error **errp)
{
    Fixture *f = opaque;
    if (f->refuse_map) {
        error_setf(errp, "the window overlaps 'itim'");
        return false;
    }
    f->maps++;
    f->window = region;
    f->window_base = base;
    f->window_priority = priority;
    return memory_add_subregion_overlap(f->d.bus, base, region, priority, errp);
}

/* The bus and the memories, before the controller. */
static void build_board(Fixture *f)
{
    devfix_setup(&f->d, 0);
    for (int i = 0; i < NTARGETS; i++) {
        Target *t = &f->t[i];
        *t = TARGETS[i];
        t->owner = owner_new(f->d.ms, t->name, NULL, NULL);
        t->mr = t->rom ? memory_region_new_rom(t->owner, t->name, t->size, NULL)
                       : memory_region_new_ram(t->owner, t->name, t->size, NULL);
        memset(memory_region_host_ptr(t->mr), t->fill, t->size);
        assert_true(memory_add_subregion(f->d.bus, t->base, t->mr, NULL));
    }
}

/* Creates the controller "remap" with "key", "value" pairs (NULL ended;
 * NULL kv: window 0, window-size 0x2000, targets "flash boot sram"). */
static bool try_create(Fixture *f, const char *const *kv, Error **errp)
{
    build_board(f);
    f->d.host.find_region = find_region;
    f->d.host.map_region = map_region;
    kv = kv ? kv : DEVFIX_KV("window", "0", "window-size", "0x2000",
                             "targets", "flash boot sram");
    return devfix_try_create(&f->d, "mcusim,remap-controller", "remap", BASE,
                             0, kv, errp);
}

static void audit(Fixture *f)
{
    Error *err = NULL;
    if (!memory_audit(f->d.ms, &err))
        fail_msg("audit: %s", error_message(err));
}

static void setup_with(Fixture *f, const char *const *kv)
{
    Error *err = NULL;
    if (!try_create(f, kv, &err))
        fail_msg("create: %s", error_message(err));
    audit(f);
}

/* Drops the memories, then the rest as the machine would (the bus
 * unmaps the window); the fixture audits first. */
static void teardown(Fixture *f)
{
    for (int i = 0; i < NTARGETS; i++)
        owner_unref(f->t[i].owner);
    devfix_teardown(&f->d);
}

/* By address: the window and the board's memories as well. */
static uint32_t rd(Fixture *f, uint32_t addr)
{
    uint32_t v = 0xdeadbeef;
    assert_int_equal(memory_read(f->d.ms, addr, 4, &v), MEM_OK);
    return v;
}

static void wr(Fixture *f, uint32_t addr, uint32_t value)
{
    assert_int_equal(memory_write(f->d.ms, addr, 4, value), MEM_OK);
    audit(f);
}

/* What the window's first word shows: a target's fill, or what is below. */
static uint32_t word_of(uint8_t fill)
{
    return fill * 0x01010101u;
}

/* ---- tests ---- */

static void test_class_declares_five_fixed_properties(void **state)
{
    const PeripheralClass *cls = registry_find("mcusim,remap-controller");
    assert_non_null(cls);
    assert_int_equal(cls->default_size, 0x1000);
    assert_int_equal(cls->min_size, 8);
    assert_int_equal(cls->irq_outputs, 0);
    assert_null(cls->irq_input);
    assert_null(cls->set_property);
    assert_non_null(cls->reset);
    const char *names[] = {"window", "window-size", "targets", "select",
                           "bad-access"};
    for (int i = 0; i < 5; i++) {
        assert_string_equal(cls->properties[i].name, names[i]);
        assert_false(cls->properties[i].live);
    }
    assert_null(cls->properties[5].name);
    assert_non_null(cls->registers);
}

/* The table as `info types` prints it: both registers are the model's
 * (select's reset is the `select` property, count the targets'). */
static void test_register_table(void **state)
{
    char *text = devfix_table_text("mcusim,remap-controller");
    assert_string_equal(text,
        "    0x0000 select           32-bit rw         reset 0x0\n"
        "    0x0004 count            32-bit ro         reset 0x0\n");
    free(text);
}

/* Peeks (the debugger's reads) show the reset values and report nothing. */
static void test_peeks_show_the_reset_values(void **state)
{
    static const char *const kv[] = {
        "window", "0", "window-size", "0x2000", "targets", "flash boot",
        "select", "1", NULL,
    };
    Fixture f = {0};
    setup_with(&f, kv);
    uint32_t v = 0;
    assert_true(memory_debug_read(f.d.ms, SELECT, &v, 4, NULL));
    assert_int_equal(v, 1);
    assert_true(memory_debug_read(f.d.ms, COUNT, &v, 4, NULL));
    assert_int_equal(v, 2);
    assert_true(memory_debug_read(f.d.ms, BASE + 0x8, &v, 4, NULL));
    assert_int_equal(v, 0);
    assert_true(memory_debug_read(f.d.ms, COUNT + 1, &v, 1, NULL));
    assert_int_equal(v, 0);
    assert_string_equal(f.d.log, "");
    teardown(&f);
}

static void test_window_shows_the_reset_target_above_the_board(void **state)
{
    Fixture f = {0};
    setup_with(&f, NULL);
    assert_int_equal(f.maps, 1);
    assert_int_equal(f.window_base, 0);
    assert_int_equal(f.window_priority, 1);
    assert_string_equal(memory_region_name(f.window), "remap.window");
    assert_int_equal(memory_region_size(f.window), WINDOW_SIZE);
    assert_int_equal(rd(&f, SELECT), 0);
    assert_int_equal(rd(&f, COUNT), 3);
    assert_int_equal(rd(&f, 0x0), word_of(0x11)); /* flash, over itim */
    assert_int_equal(rd(&f, WINDOW_SIZE - 4), word_of(0x11));
    uint32_t v = 0;
    assert_int_equal(memory_read(f.d.ms, WINDOW_SIZE, 4, &v), MEM_UNMAPPED);
    assert_true(memory_debug_read(f.d.ms, 0x10, &v, 4, NULL));
    assert_int_equal(v, word_of(0x11));
    assert_string_equal(f.d.log, "");
    teardown(&f);
}

static void test_select_retargets_in_one_transaction(void **state)
{
    Fixture f = {0};
    setup_with(&f, NULL);
    unsigned boot_refs = owner_refcount(f.t[BOOT].owner);
    uint64_t rebuilds = memory_stats(f.d.ms).rebuilds;
    wr(&f, SELECT, 1);
    assert_int_equal(memory_stats(f.d.ms).rebuilds, rebuilds + 1);
    assert_int_equal(rd(&f, SELECT), 1);
    assert_int_equal(rd(&f, 0x0), word_of(0x22));
    assert_int_equal(rd(&f, WINDOW_SIZE - 4), word_of(0x22));
    assert_true(owner_refcount(f.t[BOOT].owner) > boot_refs);
    wr(&f, SELECT, 0);
    assert_int_equal(rd(&f, 0x0), word_of(0x11));
    assert_int_equal(owner_refcount(f.t[BOOT].owner), boot_refs);
    assert_string_equal(f.d.log, "");
    teardown(&f);
}

/* sram is smaller than the window: the window is disabled (the board's
 * itim shows through), the old target is let go, and selecting flash
 * again enables it. */
static void test_too_small_a_target_disables_the_window(void **state)
{
    Fixture f = {0};
    setup_with(&f, NULL);
    wr(&f, SELECT, 1);
    unsigned flash_refs = owner_refcount(f.t[FLASH].owner); /* not shown */
    wr(&f, SELECT, 0);
    assert_true(owner_refcount(f.t[FLASH].owner) > flash_refs);
    uint64_t rebuilds = memory_stats(f.d.ms).rebuilds;
    wr(&f, SELECT, 2);
    assert_int_equal(memory_stats(f.d.ms).rebuilds, rebuilds + 1);
    assert_int_equal(rd(&f, SELECT), 2);
    assert_int_equal(rd(&f, 0x0), word_of(0x44)); /* itim */
    uint32_t v;
    assert_int_equal(memory_read(f.d.ms, 0x1000, 4, &v), MEM_UNMAPPED);
    assert_int_equal(owner_refcount(f.t[FLASH].owner), flash_refs);
    assert_string_equal(f.d.log, "remap: select 2: 'sram' is 0x1000 bytes, "
                               "smaller than the 0x2000-byte window: the "
                               "window is disabled\n");
    wr(&f, SELECT, 0);
    assert_int_equal(rd(&f, 0x0), word_of(0x11));
    assert_true(owner_refcount(f.t[FLASH].owner) > flash_refs);
    teardown(&f);
}

/* A target absent now (powered off) disables the window, reported once
 * for that write; once it is back, selecting it again enables it. */
static void test_absent_target_disables_the_window(void **state)
{
    Fixture f = {0};
    setup_with(&f, NULL);
    wr(&f, SELECT, 1);
    f.t[FLASH].hidden = true;
    wr(&f, SELECT, 0);
    assert_int_equal(rd(&f, 0x0), word_of(0x44));
    assert_string_equal(f.d.log, "remap: select 0: no memory or peripheral "
                               "'flash' now: the window is disabled\n");
    f.t[FLASH].hidden = false;
    assert_int_equal(rd(&f, 0x0), word_of(0x44)); /* looked up at writes */
    wr(&f, SELECT, 0);
    assert_int_equal(rd(&f, 0x0), word_of(0x11));
    teardown(&f);
}

static void test_select_past_the_last_target_is_ignored(void **state)
{
    Fixture f = {0};
    setup_with(&f, NULL);
    wr(&f, SELECT, 1);
    uint64_t rebuilds = memory_stats(f.d.ms).rebuilds;
    wr(&f, SELECT, 3);
    wr(&f, SELECT, 0xffffffff);
    assert_int_equal(rd(&f, SELECT), 1);
    assert_int_equal(rd(&f, 0x0), word_of(0x22));
    assert_int_equal(memory_stats(f.d.ms).rebuilds, rebuilds);
    assert_string_equal(f.d.log,
                        "remap: select written with 3, past the last target "
                        "(2): ignored\n"
                        "remap: select written with 4294967295, past the last "
                        "target (2): ignored\n");
    teardown(&f);
}

static void test_count_is_read_only_and_other_offsets_read_0(void **state)
{
    Fixture f = {0};
    setup_with(&f, NULL);
    wr(&f, COUNT, 7);
    assert_int_equal(rd(&f, COUNT), 3);
    assert_string_equal(f.d.log, "remap: write of 0x7 to read-only count ignored\n");
    wr(&f, BASE + 0x8, 5);
    wr(&f, BASE + 0xffc, 5);
    assert_int_equal(rd(&f, BASE + 0x8), 0);
    assert_int_equal(rd(&f, BASE + 0xffc), 0);
    assert_int_equal(rd(&f, SELECT), 0);
    teardown(&f);
}

/* Offsets past count: read 0, writes ignored, each offset reported once
 * per direction; so is a write to count. */
static void test_offsets_without_a_register_are_reported_once(void **state)
{
    Fixture f = {0};
    setup_with(&f, NULL);
    for (int i = 0; i < 2; i++) {
        wr(&f, BASE + 0x8, 5);
        assert_int_equal(rd(&f, BASE + 0xffc), 0);
        wr(&f, COUNT, 1);
    }
    assert_string_equal(f.d.log,
        "remap: write of 0x5 at +0x8 ignored: no register there\n"
        "remap: read at +0xffc: no register there\n"
        "remap: write of 0x1 to read-only count ignored\n");
    teardown(&f);
}

static void test_only_aligned_words(void **state)
{
    Fixture f = {0};
    setup_with(&f, NULL);
    uint32_t v;
    assert_int_equal(memory_read(f.d.ms, SELECT, 1, &v), MEM_BUS_ERROR);
    assert_int_equal(memory_read(f.d.ms, SELECT + 2, 2, &v), MEM_BUS_ERROR);
    assert_int_equal(memory_write(f.d.ms, SELECT, 2, 1), MEM_BUS_ERROR);
    assert_int_equal(memory_write(f.d.ms, SELECT, 1, 1), MEM_BUS_ERROR);
    assert_int_equal(memory_read(f.d.ms, COUNT + 2, 4, &v), MEM_BUS_ERROR);
    assert_int_equal(memory_write(f.d.ms, SELECT + 1, 4, 1), MEM_BUS_ERROR);
    assert_int_equal(rd(&f, SELECT), 0);
    assert_int_equal(rd(&f, 0x0), word_of(0x11));
    assert_string_equal(f.d.log, "");
    teardown(&f);
}

/* `bad-access: ignore`: the same accesses read 0 and select nothing,
 * each reported once. */
static void test_bad_accesses_ignored_when_asked(void **state)
{
    Fixture f = {0};
    setup_with(&f, DEVFIX_KV("window", "0", "window-size", "0x2000", "targets",
                             "flash boot sram", "bad-access", "ignore"));
    uint64_t rebuilds = memory_stats(f.d.ms).rebuilds;
    for (int i = 0; i < 2; i++) {
        uint32_t v = 0xdeadbeef;
        assert_int_equal(memory_read(f.d.ms, SELECT, 1, &v), MEM_OK);
        assert_int_equal(v, 0);
        assert_int_equal(memory_read(f.d.ms, COUNT + 2, 2, &v), MEM_OK);
        assert_int_equal(v, 0);
        assert_int_equal(memory_write(f.d.ms, SELECT, 2, 1), MEM_OK);
        assert_int_equal(memory_write(f.d.ms, SELECT + 1, 4, 1), MEM_OK);
    }
    assert_int_equal(rd(&f, SELECT), 0);
    assert_int_equal(rd(&f, 0x0), word_of(0x11));
    assert_int_equal(memory_stats(f.d.ms).rebuilds, rebuilds);
    assert_string_equal(f.d.log,
        "remap: 1-byte read at +0x0 ignored: select is a 4-byte register\n"
        "remap: 2-byte read at +0x6 ignored: count is a 4-byte register\n"
        "remap: 2-byte write at +0x0 ignored: select is a 4-byte register\n"
        "remap: 4-byte write at +0x1 ignored: select is a 4-byte register\n");
    teardown(&f);
}

/* What --trace mmio names: the register (no fields), nothing where there
 * is none. */
static void test_traces_name_the_registers(void **state)
{
    Fixture f = {0};
    setup_with(&f, NULL);
    static const struct { uint64_t offset; const char *name; } regs[] = {
        {0x0, "select"}, {0x4, "count"}, {0x8, ""},
    };
    for (size_t i = 0; i < sizeof regs / sizeof regs[0]; i++) {
        char name[64], fields[64];
        memory_region_describe_access(f.d.dev.region, regs[i].offset, 1, false,
                                      name, sizeof name, fields, sizeof fields);
        assert_string_equal(name, regs[i].name);
        assert_string_equal(fields, "");
    }
    teardown(&f);
}

static void test_reset_goes_back_to_the_select_property(void **state)
{
    static const char *const kv[] = {
        "window", "0", "window-size", "0x2000", "targets", "flash boot",
        "select", "1", NULL,
    };
    Fixture f = {0};
    setup_with(&f, kv);
    assert_int_equal(rd(&f, SELECT), 1);
    assert_int_equal(rd(&f, COUNT), 2);
    assert_int_equal(rd(&f, 0x0), word_of(0x22));
    wr(&f, SELECT, 0);
    assert_int_equal(rd(&f, 0x0), word_of(0x11));
    f.d.cls->reset(f.d.dev.state);
    audit(&f);
    assert_int_equal(rd(&f, SELECT), 1);
    assert_int_equal(rd(&f, 0x0), word_of(0x22));
    teardown(&f);
}

/* A window that is not at 0 and not as large as its targets. */
static void test_window_anywhere_of_any_size(void **state)
{
    static const char *const kv[] = {
        "window", "0x40000000", "window-size", "0x100", "targets",
        "sram\tflash", NULL,
    };
    Fixture f = {0};
    setup_with(&f, kv);
    assert_int_equal(f.window_base, 0x40000000);
    assert_int_equal(rd(&f, 0x40000000), word_of(0x33));
    assert_int_equal(rd(&f, 0x400000fc), word_of(0x33));
    uint32_t v;
    assert_int_equal(memory_read(f.d.ms, 0x40000100, 4, &v), MEM_UNMAPPED);
    wr(&f, 0x40000000, 0x12345678); /* RAM through the window */
    assert_int_equal(rd(&f, 0x80000000), 0x12345678);
    wr(&f, SELECT, 1);
    assert_int_equal(rd(&f, 0x40000000), word_of(0x11));
    teardown(&f);
}

static void expect_create_error(const char *const *kv, bool refuse_map,
                                const char *message)
{
    Fixture f = {.refuse_map = refuse_map};
    Error *err = NULL;
    assert_false(try_create(&f, kv, &err));
    assert_non_null(err);
    devfix_expect_error(err, message);
    assert_int_equal(memory_stats(f.d.ms).owners, 1 + NTARGETS);
    teardown(&f);
}

static void test_create_refusals_name_their_place(void **state)
{
    expect_create_error(DEVFIX_KV("window-size", "0x2000", "targets", "flash"), false,
                        "dev.yaml:2:7: missing property 'window' for "
                        "mcusim,remap-controller 'remap'");
    expect_create_error(DEVFIX_KV("window", "0", "targets", "flash"), false,
                        "dev.yaml:2:7: missing property 'window-size' for "
                        "mcusim,remap-controller 'remap'");
    expect_create_error(DEVFIX_KV("window", "0", "window-size", "0x2000"), false,
                        "dev.yaml:2:7: missing property 'targets' for "
                        "mcusim,remap-controller 'remap'");
    expect_create_error(DEVFIX_KV("window", "0", "window-size", "0x2000",
                           "targets", "flash", "mode", "1"), false,
                        "dev.yaml:7:9: unknown property 'mode' for "
                        "mcusim,remap-controller 'remap'");
    expect_create_error(DEVFIX_KV("window", "0x100000000", "window-size", "0x2000",
                           "targets", "flash"), false,
                        "dev.yaml:4:9: 'window' must be 0 to 0xffffffff");
    expect_create_error(DEVFIX_KV("window", "0", "window-size", "0",
                           "targets", "flash"), false,
                        "dev.yaml:5:9: 'window-size' must be 1 to 0x100000000");
    expect_create_error(DEVFIX_KV("window", "0xffff0000", "window-size", "0x20000",
                           "targets", "flash"), false,
                        "dev.yaml:5:9: the window at 0xffff0000 size 0x20000 "
                        "ends past 0x100000000");
    expect_create_error(DEVFIX_KV("window", "0", "window-size", "0x2000",
                           "targets", "  "), false,
                        "dev.yaml:6:9: 'targets' must list 1 to 8 names");
    expect_create_error(DEVFIX_KV("window", "0", "window-size", "0x2000",
                           "targets", "a b c d e f g h i"), false,
                        "dev.yaml:6:9: 'targets' must list 1 to 8 names");
    expect_create_error(DEVFIX_KV("window", "0", "window-size", "0x2000",
                           "targets", "flash boot flash"), false,
                        "dev.yaml:6:9: 'targets' lists 'flash' twice");
    expect_create_error(DEVFIX_KV("window", "0", "window-size", "0x2000",
                           "targets", "flash boot", "select", "2"), false,
                        "dev.yaml:7:9: 'select' must be 0 to 1");
    expect_create_error(DEVFIX_KV("window", "0", "window-size", "0x2000",
                           "targets", "nor flash"), false,
                        "dev.yaml:6:9: the window cannot show target 0 at "
                        "reset: no memory or peripheral 'nor' now");
    expect_create_error(DEVFIX_KV("window", "0", "window-size", "0x2000",
                           "targets", "flash sram", "select", "1"), false,
                        "dev.yaml:7:9: the window cannot show target 1 at "
                        "reset: 'sram' is 0x1000 bytes, smaller than the "
                        "0x2000-byte window");
    expect_create_error(NULL, true, "dev.yaml:4:9: the window overlaps 'itim'");
    expect_create_error(DEVFIX_KV("window", "0", "window-size", "0x2000",
                           "targets", "flash", "bad-access", "warn"), false,
                        "dev.yaml:7:9: bad-access: 'warn' is not fault or "
                        "ignore");
}

static void test_create_needs_a_machine_that_maps(void **state)
{
    Fixture f = {0};
    build_board(&f);
    f.d.host.find_region = find_region; /* and no map_region */
    Error *err = NULL;
    assert_false(devfix_try_create(&f.d, "mcusim,remap-controller", "remap",
                                   BASE, 0,
                                   DEVFIX_KV("window", "0", "window-size",
                                             "0x100", "targets", "flash"),
                                   &err));
    assert_string_equal(error_message(err),
                        "dev.yaml:2:7: 'remap' (mcusim,remap-controller) needs "
                        "a machine that maps its window");
    error_free(err);
    teardown(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_class_declares_five_fixed_properties),
        cmocka_unit_test(test_register_table),
        cmocka_unit_test(test_peeks_show_the_reset_values),
        cmocka_unit_test(test_window_shows_the_reset_target_above_the_board),
        cmocka_unit_test(test_select_retargets_in_one_transaction),
        cmocka_unit_test(test_too_small_a_target_disables_the_window),
        cmocka_unit_test(test_absent_target_disables_the_window),
        cmocka_unit_test(test_select_past_the_last_target_is_ignored),
        cmocka_unit_test(test_count_is_read_only_and_other_offsets_read_0),
        cmocka_unit_test(test_offsets_without_a_register_are_reported_once),
        cmocka_unit_test(test_only_aligned_words),
        cmocka_unit_test(test_bad_accesses_ignored_when_asked),
        cmocka_unit_test(test_traces_name_the_registers),
        cmocka_unit_test(test_reset_goes_back_to_the_select_property),
        cmocka_unit_test(test_window_anywhere_of_any_size),
        cmocka_unit_test(test_create_refusals_name_their_place),
        cmocka_unit_test(test_create_needs_a_machine_that_maps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
