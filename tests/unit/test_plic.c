/* The SiFive PLIC model (peripherals/sifive_plic.c), built through its
 * registry class on tests/unit/device_fixture.h, its inputs driven
 * through the lines its irq_input hands out and its output recorded by
 * the fixture's probe:
 * every register at reset and after writes, claim order (priority, then
 * lowest ID), threshold masking of the output but not of claims, the
 * level-triggered gateway across claim and complete, per-context enables,
 * side-effect-free peeks, 32-bit accesses only, properties and reset, a
 * detached source forgotten; and the register table: one bank over the
 * window, reset values, claims that see every change, `bad-access:
 * ignore`, offsets without a register reported once, trace names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/device_fixture.h"

#define BASE 0xc000000u
#define PRIO(s) (BASE + 4u * (s))
#define PENDING(w) (BASE + 0x1000u + 4u * (w))
#define ENABLE(c, w) (BASE + 0x2000u + 0x80u * (c) + 4u * (w))
#define THRESHOLD(c) (BASE + 0x200000u + 0x1000u * (c))
#define CLAIM(c) (BASE + 0x200004u + 0x1000u * (c))

/* The device fixture, and the PLIC's inputs. */
typedef struct Fixture {
    DevFixture d;
    IrqLine in[1024]; /* in[s]: source s */
    unsigned sources;
    bool with_clock; /* offer the PLIC a clock (it has none by default) */
} Fixture;

/* Creates a PLIC with the given "key", "value" property pairs (NULL
 * ended) and a window of `size` (0: the default). */
static bool try_create(Fixture *f, uint64_t size, const char *const *kv,
                       Error **errp)
{
    devfix_setup(&f->d, 0);
    if (!f->with_clock)
        f->d.host.clock = NULL;
    return devfix_try_create(&f->d, "sifive,plic-1.0.0", "plic", BASE, size,
                             kv, errp);
}

static void setup_with(Fixture *f, const char *const *kv)
{
    Error *err = NULL;
    if (!try_create(f, 0, kv, &err))
        fail_msg("create: %s", error_message(err));
    uint64_t sources = 52;
    for (size_t i = 0; kv && kv[2 * i]; i++)
        if (strcmp(kv[2 * i], "sources") == 0)
            sources = strtoull(kv[2 * i + 1], NULL, 0);
    f->sources = (unsigned)sources;
    for (unsigned s = 1; s <= f->sources; s++)
        assert_true(f->d.cls->irq_input(f->d.dev.state, s, &f->in[s], NULL));
}

static void setup(Fixture *f)
{
    static const char *const kv[] = {"sources", "53", NULL};
    setup_with(f, kv);
}

static void teardown(Fixture *f)
{
    devfix_teardown(&f->d); /* aborts if the PLIC's event survived */
}

/* By address, as the macros above give them. */
static uint32_t rd(Fixture *f, uint32_t addr)
{
    return devfix_read(&f->d, addr - BASE, 4);
}

static void wr(Fixture *f, uint32_t addr, uint32_t value)
{
    devfix_write(&f->d, addr - BASE, 4, value);
}

static void line(Fixture *f, unsigned s, bool level)
{
    irq_set(&f->in[s], level);
}

static void enable(Fixture *f, unsigned c, unsigned s)
{
    wr(f, ENABLE(c, s / 32), rd(f, ENABLE(c, s / 32)) | 1u << (s % 32));
}

/* ---- tests ---- */

static void test_class_has_one_output_and_inputs(void **state)
{
    const PeripheralClass *cls = registry_find("sifive,plic-1.0.0");
    assert_non_null(cls);
    assert_int_equal(cls->irq_outputs, 1);
    assert_string_equal(cls->irq_output_names[0], "context0");
    assert_non_null(cls->connect_irqs);
    assert_non_null(cls->irq_input);
    assert_non_null(cls->reset);
    assert_int_equal(cls->default_size, 0x4000000);
    assert_int_equal(cls->max_size, 0x4000000);
    assert_int_equal(cls->min_size, 0x201000);
}

static void test_registers_at_reset(void **state)
{
    Fixture f = {0};
    setup(&f);
    for (unsigned s = 0; s <= 53; s++)
        assert_int_equal(rd(&f, PRIO(s)), 0);
    assert_int_equal(rd(&f, PENDING(0)), 0);
    assert_int_equal(rd(&f, PENDING(1)), 0);
    assert_int_equal(rd(&f, ENABLE(0, 0)), 0);
    assert_int_equal(rd(&f, ENABLE(0, 1)), 0);
    assert_int_equal(rd(&f, THRESHOLD(0)), 0);
    assert_int_equal(rd(&f, CLAIM(0)), 0);
    /* connecting drove the output once, low */
    assert_int_equal(f.d.irq[0].sets, 1);
    assert_false(f.d.irq[0].level);
    teardown(&f);
}

/* One regs.h bank over the whole window: every offset reaches the same
 * MMIO region, named after the device. */
static void test_window_is_one_register_bank(void **state)
{
    Fixture f = {0};
    setup(&f);
    assert_int_equal(memory_region_kind(f.d.dev.region), REGION_MMIO);
    assert_int_equal(memory_region_size(f.d.dev.region), 0x4000000);
    static const uint32_t addrs[] = {PRIO(1), PENDING(1), ENABLE(0, 0), CLAIM(0),
                                     BASE + 0x2080, BASE + 0x3fffffc};
    for (size_t i = 0; i < sizeof addrs / sizeof addrs[0]; i++) {
        MemRange r;
        assert_true(memory_lookup(f.d.ms, addrs[i], &r));
        assert_ptr_equal(r.mr, f.d.dev.region);
        assert_int_equal(r.start, BASE);
        assert_int_equal(r.last, BASE + 0x3ffffff);
    }
    teardown(&f);
}

static void test_priorities_keep_three_bits_source0_and_beyond_n_read_0(void **state)
{
    Fixture f = {0};
    setup(&f);
    wr(&f, PRIO(0), 7);
    assert_int_equal(rd(&f, PRIO(0)), 0);
    wr(&f, PRIO(1), 0xffffffff);
    assert_int_equal(rd(&f, PRIO(1)), 7);
    wr(&f, PRIO(53), 0x1d);
    assert_int_equal(rd(&f, PRIO(53)), 5);
    wr(&f, PRIO(54), 3);
    assert_int_equal(rd(&f, PRIO(54)), 0);
    wr(&f, PRIO(1023), 3);
    assert_int_equal(rd(&f, PRIO(1023)), 0);
    for (unsigned s = 2; s < 53; s++)
        assert_int_equal(rd(&f, PRIO(s)), 0);
    teardown(&f);
}

static void test_priority_bits_property_sets_the_width(void **state)
{
    static const char *const kv[] = {"priority-bits", "5", NULL};
    Fixture f = {0};
    setup_with(&f, kv);
    wr(&f, PRIO(52), 0xffffffff);
    assert_int_equal(rd(&f, PRIO(52)), 31);
    wr(&f, THRESHOLD(0), 0xffffffff);
    assert_int_equal(rd(&f, THRESHOLD(0)), 31);
    wr(&f, PRIO(53), 1); /* the default is 52 sources */
    assert_int_equal(rd(&f, PRIO(53)), 0);
    teardown(&f);
}

static void test_enables_hold_bits_of_sources_1_to_n_only(void **state)
{
    Fixture f = {0};
    setup(&f);
    wr(&f, ENABLE(0, 0), 0xffffffff);
    assert_int_equal(rd(&f, ENABLE(0, 0)), 0xfffffffe); /* no source 0 */
    wr(&f, ENABLE(0, 1), 0xffffffff);
    assert_int_equal(rd(&f, ENABLE(0, 1)), 0x003fffff); /* 32..53 */
    wr(&f, ENABLE(0, 2), 0xffffffff);
    assert_int_equal(rd(&f, ENABLE(0, 2)), 0);
    wr(&f, ENABLE(0, 0), 0x00000104);
    assert_int_equal(rd(&f, ENABLE(0, 0)), 0x00000104);
    assert_int_equal(rd(&f, ENABLE(0, 1)), 0x003fffff);
    teardown(&f);
}

static void test_enables_of_32_sources_end_at_bit_0_of_word_1(void **state)
{
    static const char *const kv[] = {"sources", "32", NULL};
    Fixture f = {0};
    setup_with(&f, kv);
    wr(&f, ENABLE(0, 0), 0xffffffff);
    assert_int_equal(rd(&f, ENABLE(0, 0)), 0xfffffffe);
    wr(&f, ENABLE(0, 1), 0xffffffff);
    assert_int_equal(rd(&f, ENABLE(0, 1)), 1);
    teardown(&f);
}

static void test_threshold_keeps_priority_bits(void **state)
{
    Fixture f = {0};
    setup(&f);
    wr(&f, THRESHOLD(0), 0xfffffffa);
    assert_int_equal(rd(&f, THRESHOLD(0)), 2);
    teardown(&f);
}

static void test_high_line_sets_pending_whatever_the_enables(void **state)
{
    Fixture f = {0};
    setup(&f);
    line(&f, 1, true);
    line(&f, 31, true);
    line(&f, 32, true);
    line(&f, 53, true);
    assert_int_equal(rd(&f, PENDING(0)), 0x80000002);
    assert_int_equal(rd(&f, PENDING(1)), 0x00200001);
    assert_false(f.d.irq[0].level); /* nothing enabled */
    wr(&f, PENDING(0), 0); /* read-only */
    assert_int_equal(rd(&f, PENDING(0)), 0x80000002);
    teardown(&f);
}

static void test_claim_order_is_priority_then_lowest_id(void **state)
{
    Fixture f = {0};
    setup(&f);
    static const struct { unsigned s, prio; } src[] = {
        {3, 1}, {5, 6}, {9, 6}, {40, 7}, {41, 2}, {10, 6},
    };
    for (size_t i = 0; i < 6; i++) {
        wr(&f, PRIO(src[i].s), src[i].prio);
        enable(&f, 0, src[i].s);
        line(&f, src[i].s, true);
    }
    assert_true(f.d.irq[0].level);
    static const uint32_t order[] = {40, 5, 9, 10, 41, 3};
    for (size_t i = 0; i < 6; i++) {
        assert_true(f.d.irq[0].level);
        assert_int_equal(rd(&f, CLAIM(0)), order[i]);
    }
    assert_int_equal(rd(&f, CLAIM(0)), 0);
    assert_int_equal(rd(&f, PENDING(0)), 0);
    assert_int_equal(rd(&f, PENDING(1)), 0);
    assert_false(f.d.irq[0].level);
    teardown(&f);
}

static void test_disabled_and_priority_0_sources_are_not_claimed(void **state)
{
    Fixture f = {0};
    setup(&f);
    wr(&f, PRIO(2), 5);       /* pending, not enabled */
    line(&f, 2, true);
    enable(&f, 0, 4);         /* enabled, priority 0 */
    line(&f, 4, true);
    assert_false(f.d.irq[0].level);
    assert_int_equal(rd(&f, CLAIM(0)), 0);
    assert_int_equal(rd(&f, PENDING(0)), 0x14); /* both still pending */
    teardown(&f);
}

static void test_threshold_masks_the_output_but_not_claims(void **state)
{
    Fixture f = {0};
    setup(&f);
    wr(&f, PRIO(7), 3);
    enable(&f, 0, 7);
    wr(&f, THRESHOLD(0), 3);
    line(&f, 7, true);
    assert_false(f.d.irq[0].level); /* 3 is not above 3 */
    wr(&f, THRESHOLD(0), 2);
    assert_true(f.d.irq[0].level);
    wr(&f, THRESHOLD(0), 7);
    assert_false(f.d.irq[0].level);
    wr(&f, PRIO(7), 7);
    assert_false(f.d.irq[0].level);
    wr(&f, THRESHOLD(0), 6);
    assert_true(f.d.irq[0].level);
    wr(&f, THRESHOLD(0), 7);
    /* the specification: claims ignore the threshold */
    assert_int_equal(rd(&f, CLAIM(0)), 7);
    assert_int_equal(rd(&f, PENDING(0)), 0);
    teardown(&f);
}

static void test_output_follows_enable_and_priority_changes(void **state)
{
    Fixture f = {0};
    setup(&f);
    line(&f, 12, true);
    assert_false(f.d.irq[0].level);
    enable(&f, 0, 12);
    assert_false(f.d.irq[0].level); /* priority 0 */
    wr(&f, PRIO(12), 1);
    assert_true(f.d.irq[0].level);
    wr(&f, ENABLE(0, 0), 0);
    assert_false(f.d.irq[0].level);
    enable(&f, 0, 12);
    assert_true(f.d.irq[0].level);
    wr(&f, PRIO(12), 0);
    assert_false(f.d.irq[0].level);
    /* the line is driven on changes only: connect, then 4 changes */
    assert_int_equal(f.d.irq[0].sets, 5);
    teardown(&f);
}

static void test_gateway_blocks_while_claimed_and_repends_on_complete(void **state)
{
    Fixture f = {0};
    setup(&f);
    wr(&f, PRIO(10), 1);
    enable(&f, 0, 10);
    line(&f, 10, true);
    assert_int_equal(rd(&f, CLAIM(0)), 10);
    assert_false(f.d.irq[0].level);
    /* in claim: the line toggling makes nothing pending */
    line(&f, 10, false);
    line(&f, 10, true);
    assert_int_equal(rd(&f, PENDING(0)), 0);
    assert_false(f.d.irq[0].level);
    assert_int_equal(rd(&f, CLAIM(0)), 0);
    /* complete with the line still high: pending again at once */
    wr(&f, CLAIM(0), 10);
    assert_int_equal(rd(&f, PENDING(0)), 1u << 10);
    assert_true(f.d.irq[0].level);
    assert_int_equal(rd(&f, CLAIM(0)), 10);
    /* the line drops, then complete: nothing pending */
    line(&f, 10, false);
    wr(&f, CLAIM(0), 10);
    assert_int_equal(rd(&f, PENDING(0)), 0);
    assert_false(f.d.irq[0].level);
    /* and the next rise is a new request */
    line(&f, 10, true);
    assert_int_equal(rd(&f, PENDING(0)), 1u << 10);
    teardown(&f);
}

static void test_pending_stays_when_the_line_drops_before_the_claim(void **state)
{
    Fixture f = {0};
    setup(&f);
    wr(&f, PRIO(6), 2);
    enable(&f, 0, 6);
    line(&f, 6, true);
    line(&f, 6, false);
    assert_int_equal(rd(&f, PENDING(0)), 1u << 6);
    assert_true(f.d.irq[0].level);
    assert_int_equal(rd(&f, CLAIM(0)), 6);
    wr(&f, CLAIM(0), 6);
    assert_int_equal(rd(&f, PENDING(0)), 0);
    teardown(&f);
}

static void test_complete_of_a_source_not_enabled_is_ignored(void **state)
{
    Fixture f = {0};
    setup(&f);
    wr(&f, PRIO(8), 1);
    enable(&f, 0, 8);
    line(&f, 8, true);
    assert_int_equal(rd(&f, CLAIM(0)), 8);
    wr(&f, ENABLE(0, 0), 0);
    wr(&f, CLAIM(0), 8); /* ignored: 8 is not enabled */
    enable(&f, 0, 8);
    assert_int_equal(rd(&f, PENDING(0)), 0); /* still in claim */
    wr(&f, CLAIM(0), 0);    /* no source 0 */
    wr(&f, CLAIM(0), 54);   /* beyond N */
    wr(&f, CLAIM(0), 9);    /* another, not enabled */
    assert_int_equal(rd(&f, PENDING(0)), 0);
    wr(&f, CLAIM(0), 8);
    assert_int_equal(rd(&f, PENDING(0)), 1u << 8);
    teardown(&f);
}

static void test_enables_and_thresholds_are_per_context(void **state)
{
    static const char *const kv[] = {"sources", "53", "contexts", "2", NULL};
    Fixture f = {0};
    setup_with(&f, kv);
    wr(&f, PRIO(3), 2);
    wr(&f, PRIO(4), 5);
    enable(&f, 0, 3);
    enable(&f, 1, 4);
    wr(&f, ENABLE(1, 1), 0xffffffff);
    assert_int_equal(rd(&f, ENABLE(0, 0)), 1u << 3);
    assert_int_equal(rd(&f, ENABLE(0, 1)), 0);
    assert_int_equal(rd(&f, ENABLE(1, 0)), 1u << 4);
    assert_int_equal(rd(&f, ENABLE(1, 1)), 0x003fffff);
    wr(&f, THRESHOLD(1), 6);
    assert_int_equal(rd(&f, THRESHOLD(0)), 0);
    assert_int_equal(rd(&f, THRESHOLD(1)), 6);
    line(&f, 3, true);
    line(&f, 4, true);
    assert_true(f.d.irq[0].level); /* context 0 sees source 3 */
    assert_int_equal(rd(&f, CLAIM(1)), 4);
    assert_int_equal(rd(&f, CLAIM(1)), 0);
    assert_int_equal(rd(&f, PENDING(0)), 1u << 3);
    assert_int_equal(rd(&f, CLAIM(0)), 3);
    assert_false(f.d.irq[0].level);
    /* context 1 completes 4; context 0 cannot (not enabled there) */
    wr(&f, CLAIM(0), 4);
    assert_int_equal(rd(&f, PENDING(0)), 0);
    wr(&f, CLAIM(1), 4);
    assert_int_equal(rd(&f, PENDING(0)), 1u << 4);
    /* beyond the two contexts: reserved */
    wr(&f, THRESHOLD(2), 1);
    assert_int_equal(rd(&f, THRESHOLD(2)), 0);
    assert_int_equal(rd(&f, CLAIM(2)), 0);
    assert_int_equal(rd(&f, ENABLE(2, 0)), 0);
    teardown(&f);
}

static void test_peek_does_not_claim(void **state)
{
    Fixture f = {0};
    setup(&f);
    wr(&f, PRIO(20), 4);
    enable(&f, 0, 20);
    line(&f, 20, true);
    uint32_t v = 0;
    Error *err = NULL;
    for (int i = 0; i < 2; i++) {
        assert_true(memory_debug_read(f.d.ms, CLAIM(0), &v, 4, &err));
        assert_int_equal(v, 20);
    }
    assert_true(memory_debug_read(f.d.ms, PENDING(0), &v, 4, &err));
    assert_int_equal(v, 1u << 20);
    assert_true(memory_debug_read(f.d.ms, PRIO(20), &v, 4, &err));
    assert_int_equal(v, 4);
    assert_true(memory_debug_read(f.d.ms, ENABLE(0, 0), &v, 4, &err));
    assert_int_equal(v, 1u << 20);
    assert_true(memory_debug_read(f.d.ms, BASE + 0x100000, &v, 4, &err));
    assert_int_equal(v, 0);
    assert_true(f.d.irq[0].level);
    assert_int_equal(rd(&f, CLAIM(0)), 20);
    assert_true(memory_debug_read(f.d.ms, CLAIM(0), &v, 4, &err));
    assert_int_equal(v, 0);
    teardown(&f);
}

static void test_reserved_offsets_read_0_and_ignore_writes(void **state)
{
    Fixture f = {0};
    setup(&f);
    static const uint32_t reserved[] = {
        0xd8, 0xffc, 0x1008, 0x1ffc, 0x2008, 0x207c, 0x2080, 0x1fffc,
        0x200008, 0x200ffc, 0x201000, 0x201004, 0x3fffffc,
    };
    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++) {
        wr(&f, BASE + reserved[i], 0xffffffff);
        assert_int_equal(rd(&f, BASE + reserved[i]), 0);
    }
    assert_int_equal(rd(&f, THRESHOLD(0)), 0);
    assert_int_equal(rd(&f, ENABLE(0, 0)), 0);
    assert_int_equal(rd(&f, PRIO(1)), 0);
    teardown(&f);
}

static void test_only_aligned_32bit_accesses(void **state)
{
    Fixture f = {0};
    setup(&f);
    wr(&f, PRIO(5), 2);
    enable(&f, 0, 5);
    line(&f, 5, true);
    static const uint32_t addrs[] = {PRIO(1), PENDING(0), ENABLE(0, 0),
                                     THRESHOLD(0), CLAIM(0)};
    for (size_t i = 0; i < 5; i++) {
        uint32_t v;
        assert_int_equal(memory_read(f.d.ms, addrs[i], 1, &v), MEM_BUS_ERROR);
        assert_int_equal(memory_read(f.d.ms, addrs[i], 2, &v), MEM_BUS_ERROR);
        assert_int_equal(memory_write(f.d.ms, addrs[i], 1, 1), MEM_BUS_ERROR);
        assert_int_equal(memory_write(f.d.ms, addrs[i], 2, 1), MEM_BUS_ERROR);
        assert_int_equal(memory_read(f.d.ms, addrs[i] + 2, 2, &v), MEM_BUS_ERROR);
    }
    /* nothing was written, nothing claimed, nothing reported */
    assert_int_equal(rd(&f, PRIO(1)), 0);
    assert_int_equal(rd(&f, ENABLE(0, 0)), 1u << 5);
    assert_int_equal(rd(&f, THRESHOLD(0)), 0);
    assert_int_equal(rd(&f, CLAIM(0)), 5);
    assert_int_equal(f.d.loglen, 0);
    teardown(&f);
}

static void test_inputs_are_sources_1_to_n(void **state)
{
    Fixture f = {0};
    setup(&f);
    IrqLine l;
    Error *err = NULL;
    assert_false(f.d.cls->irq_input(f.d.dev.state, 0, &l, &err));
    assert_string_equal(error_message(err),
                        "'plic' has no interrupt input 0 (sources are 1-53)");
    error_free(err);
    err = NULL;
    assert_false(f.d.cls->irq_input(f.d.dev.state, 54, &l, &err));
    assert_string_equal(error_message(err),
                        "'plic' has no interrupt input 54 (sources are 1-53)");
    error_free(err);
    assert_true(f.d.cls->irq_input(f.d.dev.state, 53, &l, NULL));
    teardown(&f);
}

static void expect_create_error(uint64_t size, const char *const *kv,
                                const char *message)
{
    Fixture f = {0};
    Error *err = NULL;
    assert_false(try_create(&f, size, kv, &err));
    assert_string_equal(error_message(err), message);
    error_free(err);
    teardown(&f);
}

static void test_property_errors_carry_their_location(void **state)
{
    static const char *const s0[] = {"sources", "0", NULL};
    expect_create_error(0, s0, "dev.yaml:4:9: 'sources' must be 1 to 1023");
    static const char *const s1024[] = {"sources", "1024", NULL};
    expect_create_error(0, s1024, "dev.yaml:4:9: 'sources' must be 1 to 1023");
    static const char *const c0[] = {"sources", "8", "contexts", "0", NULL};
    expect_create_error(0, c0, "dev.yaml:5:9: 'contexts' must be 1 to 15872");
    static const char *const pb[] = {"priority-bits", "33", NULL};
    expect_create_error(0, pb, "dev.yaml:4:9: 'priority-bits' must be 1 to 32");
    static const char *const pb0[] = {"priority-bits", "0", NULL};
    expect_create_error(0, pb0, "dev.yaml:4:9: 'priority-bits' must be 1 to 32");
    static const char *const nan[] = {"sources", "many", NULL};
    expect_create_error(0, nan, "dev.yaml:4:9: sources: 'many' is not a number");
    static const char *const unknown[] = {"ndev", "53", NULL};
    expect_create_error(0, unknown, "dev.yaml:4:9: unknown property 'ndev' for "
                        "sifive,plic-1.0.0 'plic'");
    static const char *const c2[] = {"contexts", "2", NULL};
    expect_create_error(0x201000, c2, "dev.yaml:4:9: 2 contexts need a window "
                        "of at least 0x202000 bytes; 'plic' has 0x201000");
}

static void test_smallest_window_holds_one_context(void **state)
{
    static const char *const kv[] = {"sources", "1", NULL};
    Fixture f = {0};
    Error *err = NULL;
    assert_true(try_create(&f, 0x201000, kv, &err));
    assert_int_equal(memory_region_size(f.d.dev.region), 0x201000);
    teardown(&f);
}

static void test_reset_clears_registers_and_repends_high_lines(void **state)
{
    Fixture f = {0};
    setup(&f);
    wr(&f, PRIO(5), 3);
    wr(&f, PRIO(6), 3);
    enable(&f, 0, 5);
    enable(&f, 0, 6);
    wr(&f, THRESHOLD(0), 1);
    line(&f, 5, true);
    line(&f, 6, true);
    assert_int_equal(rd(&f, CLAIM(0)), 5); /* in claim across the reset */
    line(&f, 6, false);                    /* 6 stays pending, line low */
    unsigned sets = f.d.irq[0].sets;
    f.d.cls->reset(f.d.dev.state);
    assert_int_equal(f.d.irq[0].sets, sets + 1); /* driven, low */
    assert_false(f.d.irq[0].level);
    assert_int_equal(rd(&f, PRIO(5)), 0);
    assert_int_equal(rd(&f, PRIO(6)), 0);
    assert_int_equal(rd(&f, ENABLE(0, 0)), 0);
    assert_int_equal(rd(&f, THRESHOLD(0)), 0);
    assert_int_equal(rd(&f, PENDING(0)), 1u << 5); /* 5's line is high */
    /* the gateway was re-armed: 5 pends anew and completes normally */
    wr(&f, PRIO(5), 1);
    enable(&f, 0, 5);
    assert_true(f.d.irq[0].level);
    assert_int_equal(rd(&f, CLAIM(0)), 5);
    line(&f, 5, false);
    wr(&f, CLAIM(0), 5);
    assert_int_equal(rd(&f, PENDING(0)), 0);
    teardown(&f);
}

/* A machine resets its devices one after the other: a line high when the
 * PLIC resets but lowered by its own device's reset right after must not
 * leave a request behind. With a clock the PLIC samples its lines once
 * everything has reset (an event due at once). */
static void test_reset_samples_lines_after_the_machine_reset(void **state)
{
    Fixture f = {.with_clock = true};
    setup(&f);
    clock_advance(f.d.clock, 500);
    line(&f, 3, true);
    line(&f, 4, true);
    assert_int_equal(rd(&f, PENDING(0)), 0x18);
    f.d.cls->reset(f.d.dev.state);
    assert_int_equal(rd(&f, PENDING(0)), 0);
    line(&f, 3, false); /* source 3's device resets after the PLIC */
    assert_int_equal(clock_next_deadline(f.d.clock), 500);
    clock_advance(f.d.clock, 500);
    assert_int_equal(rd(&f, PENDING(0)), 1u << 4);
    assert_int_equal(clock_next_deadline(f.d.clock), CLOCK_NEVER);
    f.d.cls->reset(f.d.dev.state);
    teardown(&f); /* the event pending from this reset dies with the PLIC */
}

static void test_disconnect_drives_nothing(void **state)
{
    Fixture f = {0};
    setup(&f);
    wr(&f, PRIO(1), 1);
    enable(&f, 0, 1);
    f.d.cls->connect_irqs(f.d.dev.state, NULL, 0);
    unsigned sets = f.d.irq[0].sets;
    line(&f, 1, true);
    assert_int_equal(f.d.irq[0].sets, sets);
    devfix_connect_irqs(&f.d); /* drives the current level */
    assert_int_equal(f.d.irq[0].sets, sets + 1);
    assert_true(f.d.irq[0].level);
    teardown(&f);
}

/* The source wired to an input goes (runtime reconfiguration): its line
 * is low and its pending bit cleared, so the output falls; nothing is
 * left to claim. */
static void test_detached_source_is_forgotten(void **state)
{
    Fixture f = {0};
    setup(&f);
    assert_non_null(f.d.cls->irq_input_detach);
    wr(&f, PRIO(3), 1);
    enable(&f, 0, 3);
    line(&f, 3, true);
    assert_int_equal(rd(&f, PENDING(0)), 1u << 3);
    assert_true(f.d.irq[0].level);
    f.d.cls->irq_input_detach(f.d.dev.state, 3);
    assert_int_equal(rd(&f, PENDING(0)), 0);
    assert_false(f.d.irq[0].level);
    assert_int_equal(rd(&f, CLAIM(0)), 0);
    /* a source wired there later starts afresh: a rise is a new request */
    line(&f, 3, false);
    line(&f, 3, true);
    assert_int_equal(rd(&f, PENDING(0)), 1u << 3);
    assert_true(f.d.irq[0].level);
    f.d.cls->irq_input_detach(f.d.dev.state, 0);  /* not an input: ignored */
    f.d.cls->irq_input_detach(f.d.dev.state, 54);
    assert_int_equal(rd(&f, PENDING(0)), 1u << 3);
    teardown(&f);
}

/* A claim of the detached source that the firmware completes later does
 * no harm: nothing becomes pending and the output stays low. */
static void test_detached_source_may_complete_later(void **state)
{
    Fixture f = {0};
    setup(&f);
    wr(&f, PRIO(5), 1);
    enable(&f, 0, 5);
    line(&f, 5, true);
    assert_int_equal(rd(&f, CLAIM(0)), 5);
    f.d.cls->irq_input_detach(f.d.dev.state, 5);
    wr(&f, CLAIM(0), 5);
    assert_int_equal(rd(&f, PENDING(0)), 0);
    assert_false(f.d.irq[0].level);
    assert_int_equal(rd(&f, CLAIM(0)), 0);
    line(&f, 5, true); /* a new source on input 5 */
    assert_int_equal(rd(&f, PENDING(0)), 1u << 5);
    assert_true(f.d.irq[0].level);
    teardown(&f);
}

/* ---- the register table (peripherals/regs.h) ---- */

/* Every register of two contexts at reset, through the debugger's peek:
 * after the device is made, and after everything was written and the
 * machine reset. */
static void test_every_register_resets_to_0(void **state)
{
    static const char *const kv[] = {"sources", "53", "contexts", "2", NULL};
    Fixture f = {0};
    setup_with(&f, kv);
    for (int round = 0; round < 2; round++) {
        for (unsigned s = 0; s <= 53; s++)
            assert_int_equal(devfix_peek(&f.d, PRIO(s) - BASE, 4), 0);
        for (unsigned w = 0; w < 2; w++)
            assert_int_equal(devfix_peek(&f.d, PENDING(w) - BASE, 4), 0);
        for (unsigned c = 0; c < 2; c++) {
            for (unsigned w = 0; w < 32; w++)
                assert_int_equal(devfix_peek(&f.d, ENABLE(c, w) - BASE, 4), 0);
            assert_int_equal(devfix_peek(&f.d, THRESHOLD(c) - BASE, 4), 0);
            assert_int_equal(devfix_peek(&f.d, CLAIM(c) - BASE, 4), 0);
        }
        for (unsigned s = 1; s <= 53; s++) {
            wr(&f, PRIO(s), 1 + s % 7);
            line(&f, s, true);
        }
        for (unsigned c = 0; c < 2; c++) {
            wr(&f, ENABLE(c, 0), 0xffffffff);
            wr(&f, ENABLE(c, 1), 0xffffffff);
            wr(&f, THRESHOLD(c), 1);
        }
        assert_int_equal(rd(&f, CLAIM(1)), 6); /* one in claim */
        assert_true(f.d.irq[0].level);
        for (unsigned s = 1; s <= 53; s++)
            line(&f, s, false); /* so nothing pends again after the reset */
        f.d.cls->reset(f.d.dev.state);
        assert_false(f.d.irq[0].level);
    }
    teardown(&f);
}

/* Claims see every change made since the last one: a priority raised, a
 * source completed and pending again, an enable cleared. */
static void test_claims_see_every_change_since_the_last(void **state)
{
    Fixture f = {0};
    setup(&f);
    wr(&f, PRIO(3), 2);
    wr(&f, PRIO(4), 1);
    enable(&f, 0, 3);
    enable(&f, 0, 4);
    line(&f, 3, true);
    line(&f, 4, true);
    assert_int_equal(devfix_peek(&f.d, CLAIM(0) - BASE, 4), 3);
    wr(&f, PRIO(4), 5);
    assert_int_equal(rd(&f, CLAIM(0)), 4);
    wr(&f, CLAIM(0), 4); /* the line is still high: pending again */
    assert_int_equal(rd(&f, CLAIM(0)), 4);
    wr(&f, CLAIM(0), 4);
    wr(&f, ENABLE(0, 0), 1u << 3);
    assert_int_equal(rd(&f, CLAIM(0)), 3);
    enable(&f, 0, 4);
    wr(&f, PRIO(4), 0);
    assert_false(f.d.irq[0].level);
    assert_int_equal(rd(&f, CLAIM(0)), 0);
    wr(&f, PRIO(4), 1);
    assert_true(f.d.irq[0].level);
    assert_int_equal(rd(&f, CLAIM(0)), 4);
    assert_false(f.d.irq[0].level);
    teardown(&f);
}

/* With `bad-access: ignore` a wrongly sized or misaligned access reads 0
 * and writes nothing (a narrow read of claim claims nothing), reported
 * once per offset and direction. */
static void test_bad_access_ignore_reads_0_and_reports_once(void **state)
{
    static const char *const kv[] = {"bad-access", "ignore", NULL};
    Fixture f = {0};
    setup_with(&f, kv);
    wr(&f, PRIO(9), 3);
    enable(&f, 0, 9);
    line(&f, 9, true);
    assert_int_equal(devfix_read(&f.d, CLAIM(0) - BASE, 1), 0);
    assert_int_equal(devfix_read(&f.d, CLAIM(0) - BASE, 2), 0);
    assert_int_equal(devfix_read(&f.d, CLAIM(0) - BASE + 2, 2), 0);
    devfix_write(&f.d, PRIO(9) - BASE, 1, 7);
    devfix_write(&f.d, PRIO(9) - BASE, 1, 7);
    devfix_write(&f.d, THRESHOLD(0) - BASE + 2, 2, 7);
    assert_int_equal(rd(&f, PRIO(9)), 3);
    assert_int_equal(rd(&f, THRESHOLD(0)), 0);
    assert_int_equal(rd(&f, PENDING(0)), 1u << 9);
    assert_true(f.d.irq[0].level);
    assert_int_equal(devfix_log_count(&f.d, "plic: 1-byte read at +0x200004 "
                                      "ignored: claim[0] is a 4-byte register"), 1);
    assert_int_equal(devfix_log_count(&f.d, "2-byte read at +0x200006 ignored"), 1);
    assert_int_equal(devfix_log_count(&f.d, "1-byte write at +0x24 ignored: "
                                      "priority[9] is a 4-byte register"), 1);
    assert_int_equal(devfix_log_count(&f.d, "2-byte write at +0x200002 ignored: "
                                      "threshold[0] is a 4-byte register"), 1);
    assert_int_equal(devfix_log_count(&f.d, "plic: "), 4);
    assert_int_equal(rd(&f, CLAIM(0)), 9);
    teardown(&f);
}

/* regs.h: where no register is, any access reads 0 and writes nothing,
 * said once per offset (a narrow one too: there is no register whose
 * size it could break). Source 0's priority and the enable words past
 * source N are registers that read 0: not reported. */
static void test_offsets_without_a_register_are_reported_once(void **state)
{
    Fixture f = {0};
    setup(&f);
    uint32_t v = 1;
    assert_int_equal(memory_read(f.d.ms, BASE + 0x100000, 1, &v), MEM_OK);
    assert_int_equal(v, 0);
    assert_int_equal(rd(&f, BASE + 0x100000), 0);
    assert_int_equal(memory_write(f.d.ms, BASE + 0x100002, 2, 1), MEM_OK);
    wr(&f, THRESHOLD(1), 5); /* one context only */
    wr(&f, THRESHOLD(1), 5);
    assert_int_equal(rd(&f, PRIO(54)), 0);
    assert_int_equal(rd(&f, PENDING(2)), 0);
    wr(&f, PRIO(0), 1);
    assert_int_equal(rd(&f, PRIO(0)), 0);
    wr(&f, ENABLE(0, 5), 1);
    assert_int_equal(rd(&f, ENABLE(0, 5)), 0);
    assert_int_equal(rd(&f, ENABLE(0, 31)), 0);
    assert_int_equal(rd(&f, ENABLE(1, 0)), 0); /* one context only */
    assert_int_equal(devfix_log_count(&f.d, "plic: read at +0x100000: no "
                                      "register there"), 1);
    assert_int_equal(devfix_log_count(&f.d, "plic: write of 0x1 at +0x100002 "
                                      "ignored: no register there"), 1);
    assert_int_equal(devfix_log_count(&f.d, "plic: write of 0x5 at +0x201000 "
                                      "ignored: no register there"), 1);
    assert_int_equal(devfix_log_count(&f.d, "read at +0xd8: no register"), 1);
    assert_int_equal(devfix_log_count(&f.d, "read at +0x1008: no register"), 1);
    assert_int_equal(devfix_log_count(&f.d, "read at +0x2080: no register"), 1);
    assert_int_equal(devfix_log_count(&f.d, "plic: "), 6);
    teardown(&f);
}

/* --trace mmio names each access's register and element: priorities by
 * source, enables by 32 * context + word, context pages by context. The
 * registers are numbers or bitmaps of sources, without fields. */
static void test_trace_names_each_element(void **state)
{
    static const char *const kv[] = {"contexts", "2", NULL};
    Fixture f = {0};
    setup_with(&f, kv);
    static const struct {
        uint32_t offset;
        const char *name;
    } want[] = {
        {0x28, "priority[10]"}, {0x1004, "pending[1]"}, {0x2084, "enable[33]"},
        {0x201000, "threshold[1]"}, {0x201004, "claim[1]"}, {0x200008, ""},
        {0x202004, ""}, {0xd4, ""},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        char name[64], fields[64];
        memory_region_describe_access(f.d.dev.region, want[i].offset, 3, true,
                                      name, sizeof name, fields, sizeof fields);
        assert_string_equal(name, want[i].name);
        assert_string_equal(fields, "");
    }
    teardown(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_class_has_one_output_and_inputs),
        cmocka_unit_test(test_registers_at_reset),
        cmocka_unit_test(test_window_is_one_register_bank),
        cmocka_unit_test(test_priorities_keep_three_bits_source0_and_beyond_n_read_0),
        cmocka_unit_test(test_priority_bits_property_sets_the_width),
        cmocka_unit_test(test_enables_hold_bits_of_sources_1_to_n_only),
        cmocka_unit_test(test_enables_of_32_sources_end_at_bit_0_of_word_1),
        cmocka_unit_test(test_threshold_keeps_priority_bits),
        cmocka_unit_test(test_high_line_sets_pending_whatever_the_enables),
        cmocka_unit_test(test_claim_order_is_priority_then_lowest_id),
        cmocka_unit_test(test_disabled_and_priority_0_sources_are_not_claimed),
        cmocka_unit_test(test_threshold_masks_the_output_but_not_claims),
        cmocka_unit_test(test_output_follows_enable_and_priority_changes),
        cmocka_unit_test(test_gateway_blocks_while_claimed_and_repends_on_complete),
        cmocka_unit_test(test_pending_stays_when_the_line_drops_before_the_claim),
        cmocka_unit_test(test_complete_of_a_source_not_enabled_is_ignored),
        cmocka_unit_test(test_enables_and_thresholds_are_per_context),
        cmocka_unit_test(test_peek_does_not_claim),
        cmocka_unit_test(test_reserved_offsets_read_0_and_ignore_writes),
        cmocka_unit_test(test_only_aligned_32bit_accesses),
        cmocka_unit_test(test_inputs_are_sources_1_to_n),
        cmocka_unit_test(test_property_errors_carry_their_location),
        cmocka_unit_test(test_smallest_window_holds_one_context),
        cmocka_unit_test(test_reset_clears_registers_and_repends_high_lines),
        cmocka_unit_test(test_reset_samples_lines_after_the_machine_reset),
        cmocka_unit_test(test_disconnect_drives_nothing),
        cmocka_unit_test(test_detached_source_is_forgotten),
        cmocka_unit_test(test_detached_source_may_complete_later),
        cmocka_unit_test(test_every_register_resets_to_0),
        cmocka_unit_test(test_claims_see_every_change_since_the_last),
        cmocka_unit_test(test_bad_access_ignore_reads_0_and_reports_once),
        cmocka_unit_test(test_offsets_without_a_register_are_reported_once),
        cmocka_unit_test(test_trace_names_each_element),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
