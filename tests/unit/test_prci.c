/* The SiFive FE310 PRCI model (peripherals/sifive_prci.c), built through
 * its registry class: the register map at reset, which bits writes keep,
 * oscillator ready and PLL lock bits following virtual time exactly, the
 * machine reset hook, 32-bit accesses only, property errors, the pllsel
 * diagnostic, and the register table (reset values through peeks, masks,
 * status bits the guest cannot write, `bad-access: ignore`, offsets
 * without a register reported, names and fields in traces). */
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

#define BASE 0x10008000u
#define HFROSCCFG 0x00
#define HFXOSCCFG 0x04
#define PLLCFG 0x08
#define PLLOUTDIV 0x0c
#define PROCMONCFG 0xf0

#define RDY (1u << 31)
#define LOCK (1u << 31)
#define EN (1u << 30)
#define PLL_SEL (1u << 16)
#define PLL_REFSEL (1u << 17)
#define PLL_BYPASS (1u << 18)
#define PLL_RESET 0x00060df1u

typedef DevFixture Fixture;

/* A PRCI on a clock of `hz` with properties key, value, ..., NULL. */
#define SETUP(f, hz, ...)                                                  \
    do {                                                                   \
        devfix_setup((f), (hz));                                           \
        devfix_create((f), "sifive,fe310-prci", "prci", BASE, 0, __VA_ARGS__); \
    } while (0)

static void teardown(Fixture *f) { devfix_teardown(f); }

static uint32_t rd(Fixture *f, uint32_t off) { return devfix_read(f, off, 4); }
static void wr(Fixture *f, uint32_t off, uint32_t v) { devfix_write(f, off, 4, v); }

static void at(Fixture *f, uint64_t cycle)
{
    clock_advance(f->clock, cycle);
}

/* ---- tests ---- */

static void test_class_has_no_outputs_and_a_reset_hook(void **state)
{
    const PeripheralClass *cls = registry_find("sifive,fe310-prci");
    assert_non_null(cls);
    assert_int_equal(cls->irq_outputs, 0);
    assert_null(cls->irq_input);
    assert_non_null(cls->reset);
    assert_int_equal(cls->default_size, 0x1000);
    Error *err = NULL;
    if (!regs_check(cls->registers, cls->type, &err)) /* sorted, no overlaps */
        fail_msg("regs_check: %s", error_message(err));
}

static void test_registers_at_reset(void **state)
{
    Fixture f = {0};
    SETUP(&f, 16000000, NULL);
    /* div 4, trim 16, enabled and ready */
    assert_int_equal(rd(&f, HFROSCCFG), 0xc0100004);
    assert_int_equal(rd(&f, HFXOSCCFG), 0xc0000000);
    /* r 1, f 31, q 3, refsel HFXOSC, bypassed: no lock */
    assert_int_equal(rd(&f, PLLCFG), PLL_RESET);
    assert_int_equal(rd(&f, PLLOUTDIV), 0x100);
    assert_int_equal(rd(&f, PROCMONCFG), 0);
    static const uint32_t undefined[] = {0x10, 0x80, 0xec, 0xf4, 0xffc};
    for (size_t i = 0; i < sizeof undefined / sizeof undefined[0]; i++) {
        wr(&f, undefined[i], 0xffffffff);
        assert_int_equal(rd(&f, undefined[i]), 0);
    }
    assert_int_equal(clock_next_deadline(f.clock), CLOCK_NEVER); /* no events */
    teardown(&f);
}

static void test_writes_keep_only_the_defined_fields(void **state)
{
    Fixture f = {0};
    SETUP(&f, 16000000, NULL);
    wr(&f, HFROSCCFG, 0xffffffff);
    assert_int_equal(rd(&f, HFROSCCFG), 0xc01f003f); /* still ready */
    wr(&f, HFXOSCCFG, 0xffffffff);
    assert_int_equal(rd(&f, HFXOSCCFG), 0xc0000000);
    wr(&f, PLLCFG, 0xffffffff); /* bypass set: no lock */
    assert_int_equal(rd(&f, PLLCFG), 0x00070ff7);
    wr(&f, PLLOUTDIV, 0xffffffff);
    assert_int_equal(rd(&f, PLLOUTDIV), 0x13f);
    wr(&f, PROCMONCFG, 0xffffffff);
    assert_int_equal(rd(&f, PROCMONCFG), 0x13011f1f);
    wr(&f, PLLOUTDIV, 0);
    assert_int_equal(rd(&f, PLLOUTDIV), 0);
    wr(&f, HFROSCCFG, 0x40000000 | 0x3);
    assert_int_equal(rd(&f, HFROSCCFG), 0xc0000003);
    teardown(&f);
}

static void test_hfrosc_ready_comes_the_configured_delay_after_enable(void **state)
{
    Fixture f = {0};
    SETUP(&f, 16000000, "hfrosc-ready-cycles", "100", NULL);
    at(&f, 500);
    wr(&f, HFROSCCFG, 0x00100004); /* disable: not ready at once */
    assert_int_equal(rd(&f, HFROSCCFG), 0x00100004);
    at(&f, 1000);
    wr(&f, HFROSCCFG, EN | 0x00100004);
    assert_int_equal(rd(&f, HFROSCCFG), EN | 0x00100004);
    at(&f, 1099);
    assert_int_equal(rd(&f, HFROSCCFG) & RDY, 0);
    at(&f, 1100);
    assert_int_equal(rd(&f, HFROSCCFG), RDY | EN | 0x00100004);
    /* rewriting an enabled oscillator does not restart it */
    wr(&f, HFROSCCFG, EN | 0x00100007);
    assert_int_equal(rd(&f, HFROSCCFG), RDY | EN | 0x00100007);
    teardown(&f);
}

static void test_hfxosc_ready_comes_the_configured_delay_after_enable(void **state)
{
    Fixture f = {0};
    SETUP(&f, 16000000, "hfxosc-ready-cycles", "2000", NULL);
    wr(&f, HFXOSCCFG, 0);
    assert_int_equal(rd(&f, HFXOSCCFG), 0);
    at(&f, 10);
    wr(&f, HFXOSCCFG, EN);
    at(&f, 2009);
    assert_int_equal(rd(&f, HFXOSCCFG), EN);
    at(&f, 2010);
    assert_int_equal(rd(&f, HFXOSCCFG), RDY | EN);
    teardown(&f);
}

static void test_pll_locks_the_configured_delay_after_leaving_bypass(void **state)
{
    Fixture f = {0};
    SETUP(&f, 16000000, "pll-lock-cycles", "500", NULL);
    uint32_t cfg = PLL_RESET & ~PLL_BYPASS;
    at(&f, 100);
    wr(&f, PLLCFG, cfg);
    assert_int_equal(rd(&f, PLLCFG), cfg);
    at(&f, 599);
    assert_int_equal(rd(&f, PLLCFG), cfg);
    at(&f, 600);
    assert_int_equal(rd(&f, PLLCFG), cfg | LOCK);

    /* selecting the PLL output keeps the lock */
    wr(&f, PLLCFG, cfg | PLL_SEL);
    assert_int_equal(rd(&f, PLLCFG), cfg | PLL_SEL | LOCK);

    /* a new multiplier loses it until the PLL settles again */
    at(&f, 1000);
    cfg = (cfg & ~(0x3fu << 4)) | (47u << 4);
    wr(&f, PLLCFG, cfg | PLL_SEL);
    assert_int_equal(rd(&f, PLLCFG), cfg | PLL_SEL);
    at(&f, 1499);
    assert_int_equal(rd(&f, PLLCFG) & LOCK, 0);
    at(&f, 1500);
    assert_int_equal(rd(&f, PLLCFG) & LOCK, LOCK);

    /* bypass powers it down */
    wr(&f, PLLCFG, cfg | PLL_BYPASS);
    assert_int_equal(rd(&f, PLLCFG), cfg | PLL_BYPASS);
    teardown(&f);
}

static void test_pll_lock_waits_for_its_reference(void **state)
{
    Fixture f = {0};
    SETUP(&f, 16000000, "pll-lock-cycles", "500", "hfxosc-ready-cycles", "300",
          "hfrosc-ready-cycles", "50", NULL);
    uint32_t cfg = PLL_RESET & ~PLL_BYPASS; /* reference: HFXOSC */
    wr(&f, HFXOSCCFG, 0);
    wr(&f, PLLCFG, cfg);
    at(&f, 10000);
    assert_int_equal(rd(&f, PLLCFG) & LOCK, 0); /* no reference, no lock */
    wr(&f, HFXOSCCFG, EN); /* ready at 10300, locked at 10800 */
    at(&f, 10799);
    assert_int_equal(rd(&f, PLLCFG) & LOCK, 0);
    at(&f, 10800);
    assert_int_equal(rd(&f, PLLCFG) & LOCK, LOCK);
    wr(&f, HFXOSCCFG, 0); /* reference gone: lock gone */
    assert_int_equal(rd(&f, PLLCFG) & LOCK, 0);

    /* switching the reference to the (running) HFROSC relocks from now */
    at(&f, 20000);
    wr(&f, PLLCFG, cfg & ~PLL_REFSEL);
    at(&f, 20499);
    assert_int_equal(rd(&f, PLLCFG) & LOCK, 0);
    at(&f, 20500);
    assert_int_equal(rd(&f, PLLCFG) & LOCK, LOCK);
    teardown(&f);
}

static void test_default_delays_are_virtual_time(void **state)
{
    Fixture f = {0};
    SETUP(&f, 16000000, NULL); /* 16 MHz: 10 us, 1 ms, 100 us */
    wr(&f, HFROSCCFG, 0);
    wr(&f, HFXOSCCFG, 0);
    wr(&f, HFROSCCFG, EN);
    wr(&f, HFXOSCCFG, EN);
    wr(&f, PLLCFG, PLL_RESET & ~PLL_BYPASS); /* on the HFXOSC */
    at(&f, 159);
    assert_int_equal(rd(&f, HFROSCCFG) & RDY, 0);
    at(&f, 160);
    assert_int_equal(rd(&f, HFROSCCFG) & RDY, RDY);
    at(&f, 15999);
    assert_int_equal(rd(&f, HFXOSCCFG) & RDY, 0);
    at(&f, 16000);
    assert_int_equal(rd(&f, HFXOSCCFG) & RDY, RDY);
    at(&f, 17599);
    assert_int_equal(rd(&f, PLLCFG) & LOCK, 0);
    at(&f, 17600);
    assert_int_equal(rd(&f, PLLCFG) & LOCK, LOCK);
    teardown(&f);
}

static void test_reset_hook_restores_reset_values(void **state)
{
    Fixture f = {0};
    SETUP(&f, 16000000, NULL);
    wr(&f, HFROSCCFG, 0x1f);
    wr(&f, HFXOSCCFG, 0);
    wr(&f, PLLCFG, 0x12345);
    wr(&f, PLLOUTDIV, 5);
    wr(&f, PROCMONCFG, 0x101);
    at(&f, 1000);
    f.cls->reset(f.dev.state);
    assert_int_equal(rd(&f, HFROSCCFG), 0xc0100004);
    assert_int_equal(rd(&f, HFXOSCCFG), 0xc0000000);
    assert_int_equal(rd(&f, PLLCFG), PLL_RESET);
    assert_int_equal(rd(&f, PLLOUTDIV), 0x100);
    assert_int_equal(rd(&f, PROCMONCFG), 0);
    teardown(&f);
}

static void test_only_aligned_32_bit_accesses(void **state)
{
    Fixture f = {0};
    SETUP(&f, 16000000, NULL);
    uint32_t v;
    assert_int_equal(devfix_try_read(&f, HFROSCCFG, 1, &v), MEM_BUS_ERROR);
    assert_int_equal(devfix_try_read(&f, HFROSCCFG, 2, &v), MEM_BUS_ERROR);
    assert_int_equal(devfix_try_read(&f, PLLCFG + 2, 4, &v), MEM_BUS_ERROR);
    assert_int_equal(devfix_try_write(&f, PLLCFG, 1, 0), MEM_BUS_ERROR);
    assert_int_equal(devfix_try_write(&f, PLLCFG + 1, 4, 0), MEM_BUS_ERROR);
    assert_int_equal(rd(&f, PLLCFG), PLL_RESET);
    /* the debugger's peek reads the same */
    uint8_t buf[4];
    assert_true(memory_debug_read(f.ms, BASE + PLLCFG, buf, 4, NULL));
    assert_memory_equal(buf, "\xf1\x0d\x06\x00", 4);
    teardown(&f);
}

/* ---- the register table (regs.h) ---- */

/* The debugger sees the reset values (ready and lock bits included) and
 * its peeks change nothing and report nothing. */
static void test_every_register_peeks_its_reset_value(void **state)
{
    Fixture f = {0};
    SETUP(&f, 16000000, NULL);
    for (int round = 0; round < 2; round++) {
        assert_int_equal(devfix_peek(&f, HFROSCCFG, 4), 0xc0100004);
        assert_int_equal(devfix_peek(&f, HFXOSCCFG, 4), 0xc0000000);
        assert_int_equal(devfix_peek(&f, PLLCFG, 4), PLL_RESET);
        assert_int_equal(devfix_peek(&f, PLLOUTDIV, 4), 0x100);
        assert_int_equal(devfix_peek(&f, PROCMONCFG, 4), 0);
        wr(&f, HFROSCCFG, 0x3f);
        wr(&f, HFXOSCCFG, 0);
        wr(&f, PLLCFG, 0x3f7);
        wr(&f, PLLOUTDIV, 0x3f);
        wr(&f, PROCMONCFG, 0x10000001);
        f.cls->reset(f.dev.state);
    }
    assert_string_equal(f.log, "");
    teardown(&f);
}

/* All ones written read back as the writable bits (plus the status bits,
 * which follow the oscillators and the PLL); all zeros as zero. */
static void test_all_ones_read_back_the_writable_bits(void **state)
{
    Fixture f = {0};
    SETUP(&f, 16000000, "pll-lock-cycles", "10", NULL);
    static const struct { uint32_t off, mask, status; } regs[] = {
        {HFROSCCFG, 0x401f003f, RDY}, {HFXOSCCFG, 0x40000000, RDY},
        {PLLCFG, 0x00070ff7, 0}, {PLLOUTDIV, 0x0000013f, 0},
        {PROCMONCFG, 0x13011f1f, 0},
    };
    for (size_t i = 0; i < sizeof regs / sizeof regs[0]; i++) {
        wr(&f, regs[i].off, 0xffffffff);
        assert_int_equal(devfix_peek(&f, regs[i].off, 4),
                         regs[i].mask | regs[i].status);
    }
    /* zeros: the oscillators stop, so their ready bits go too */
    for (size_t i = 0; i < sizeof regs / sizeof regs[0]; i++) {
        wr(&f, regs[i].off, 0);
        assert_int_equal(devfix_peek(&f, regs[i].off, 4), 0);
    }
    teardown(&f);
}

/* The status bits are the model's: writing them changes nothing. */
static void test_ready_and_lock_bits_ignore_writes(void **state)
{
    Fixture f = {0};
    SETUP(&f, 16000000, "pll-lock-cycles", "10", NULL);
    wr(&f, PLLCFG, LOCK | (PLL_RESET & ~PLL_BYPASS));
    assert_int_equal(rd(&f, PLLCFG), PLL_RESET & ~PLL_BYPASS);
    at(&f, 10);
    wr(&f, PLLCFG, PLL_RESET & ~PLL_BYPASS); /* same settings: keeps the lock */
    assert_int_equal(rd(&f, PLLCFG), LOCK | (PLL_RESET & ~PLL_BYPASS));
    wr(&f, HFROSCCFG, RDY); /* disables it: not ready whatever bit 31 says */
    assert_int_equal(rd(&f, HFROSCCFG), 0);
    wr(&f, HFXOSCCFG, RDY);
    assert_int_equal(rd(&f, HFXOSCCFG), 0);
    wr(&f, HFXOSCCFG, EN); /* ready comes after its delay, not by a write */
    assert_int_equal(rd(&f, HFXOSCCFG), EN);
    teardown(&f);
}

/* The PLL's settings after a reset are the reset value's, whatever was
 * written before: leaving bypass (even with all-zero settings) starts the
 * lock delay, and selecting it then is reported. */
static void test_pll_after_reset_locks_from_leaving_bypass(void **state)
{
    Fixture f = {0};
    SETUP(&f, 16000000, "pll-lock-cycles", "10", NULL);
    at(&f, 100);
    wr(&f, PLLCFG, 0); /* on the HFROSC, r = f = q = 0 */
    at(&f, 109);
    assert_int_equal(rd(&f, PLLCFG), 0);
    at(&f, 110);
    assert_int_equal(rd(&f, PLLCFG), LOCK);
    wr(&f, PLLCFG, PLL_SEL);
    assert_string_equal(f.log, "");
    f.cls->reset(f.dev.state);
    at(&f, 200);
    wr(&f, PLLCFG, PLL_SEL);
    assert_int_equal(devfix_log_count(&f, "pllsel set while the PLL is not "
                                          "locked"), 1);
    at(&f, 210);
    assert_int_equal(rd(&f, PLLCFG), LOCK | PLL_SEL);
    teardown(&f);
}

/* Selecting the PLL before it locked is a guest diagnostic, each time it
 * is selected; once locked, or while bypassed, it is not. */
static void test_pllsel_before_lock_is_reported(void **state)
{
    Fixture f = {0};
    SETUP(&f, 16000000, "pll-lock-cycles", "100", NULL);
    uint32_t cfg = PLL_RESET & ~PLL_BYPASS;
    wr(&f, PLLCFG, PLL_RESET | PLL_SEL); /* bypassed: no PLL to glitch */
    wr(&f, PLLCFG, PLL_RESET);
    assert_string_equal(f.log, "");
    wr(&f, PLLCFG, cfg);
    at(&f, 50);
    wr(&f, PLLCFG, cfg | PLL_SEL);
    wr(&f, PLLCFG, cfg | PLL_SEL); /* already selected: said once */
    assert_string_equal(f.log, "prci: pllsel set while the PLL is not locked "
                               "(the clock would glitch)\n");
    wr(&f, PLLCFG, cfg);
    wr(&f, PLLCFG, cfg | PLL_SEL);
    assert_int_equal(devfix_log_count(&f, "pllsel set"), 2);
    at(&f, 100);
    wr(&f, PLLCFG, cfg);
    wr(&f, PLLCFG, cfg | PLL_SEL);
    assert_int_equal(devfix_log_count(&f, "pllsel set"), 2);
    teardown(&f);
}

/* With `bad-access: ignore` a narrow or misaligned access reads 0 and
 * writes nothing, each reported once (per offset and direction). */
static void test_bad_access_ignore_reads_0_and_reports_once(void **state)
{
    Fixture f = {0};
    SETUP(&f, 16000000, "bad-access", "ignore", NULL);
    uint32_t v = 1;
    for (int i = 0; i < 2; i++) {
        assert_int_equal(devfix_try_read(&f, HFROSCCFG + 3, 1, &v), MEM_OK);
        assert_int_equal(v, 0); /* the byte holds hfroscen and hfroscrdy */
        assert_int_equal(devfix_try_read(&f, PLLCFG, 2, &v), MEM_OK);
        assert_int_equal(v, 0);
        assert_int_equal(devfix_try_write(&f, PLLOUTDIV + 2, 4, 0), MEM_OK);
        assert_int_equal(devfix_try_write(&f, PLLOUTDIV, 1, 0), MEM_OK);
    }
    assert_int_equal(rd(&f, PLLOUTDIV), 0x100);
    assert_int_equal(devfix_log_count(&f, "prci: 1-byte read at +0x3 ignored: "
                                          "hfrosccfg is a 4-byte register"), 1);
    assert_int_equal(devfix_log_count(&f, "prci: 2-byte read at +0x8 ignored: "
                                          "pllcfg is a 4-byte register"), 1);
    assert_int_equal(devfix_log_count(&f, "prci: 4-byte write at +0xe ignored: "
                                          "plloutdiv is a 4-byte register"), 1);
    assert_int_equal(devfix_log_count(&f, "prci: 1-byte write at +0xc ignored: "
                                          "plloutdiv is a 4-byte register"), 1);
    assert_int_equal(devfix_log_count(&f, "ignored"), 4);
    teardown(&f);
}

static void test_offsets_without_a_register_are_reported_once(void **state)
{
    Fixture f = {0};
    SETUP(&f, 16000000, NULL);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(rd(&f, 0x10), 0);
        wr(&f, 0xec, 0xffffffff);
    }
    assert_int_equal(devfix_log_count(&f, "prci: read at +0x10: no register "
                                          "there"), 1);
    assert_int_equal(devfix_log_count(&f, "prci: write of 0xffffffff at +0xec "
                                          "ignored: no register there"), 1);
    assert_int_equal(devfix_log_count(&f, "no register there"), 2);
    teardown(&f);
}

static void describe(Fixture *f, uint32_t off, uint32_t value, bool is_write,
                     const char *name, const char *fields)
{
    char n[64], fl[192];
    memory_region_describe_access(f->dev.region, off, value, is_write, n,
                                  sizeof n, fl, sizeof fl);
    assert_string_equal(n, name);
    assert_string_equal(fl, fields);
}

/* Traces name the register and its fields; a write shows only the fields
 * it can change. */
static void test_trace_shows_registers_and_fields(void **state)
{
    Fixture f = {0};
    SETUP(&f, 16000000, NULL);
    describe(&f, HFROSCCFG, 0xc0100004, false, "hfrosccfg",
             "hfroscdiv=4 hfrosctrim=0x10 hfroscen=1 hfroscrdy=1");
    describe(&f, HFXOSCCFG, 0x40000000, true, "hfxosccfg", "hfxoscen=1");
    describe(&f, PLLCFG, 0x80000df1 | PLL_REFSEL | PLL_SEL, false, "pllcfg",
             "pllr=1 pllf=0x1f pllq=3 pllsel=1 pllrefsel=1 pllbypass=0 "
             "plllock=1");
    describe(&f, PLLCFG, PLL_RESET, true, "pllcfg",
             "pllr=1 pllf=0x1f pllq=3 pllsel=0 pllrefsel=1 pllbypass=1");
    describe(&f, PLLOUTDIV, 0x101, true, "plloutdiv",
             "plloutdiv=1 plloutdivby1=1");
    describe(&f, PROCMONCFG, 0x13011f1f, false, "procmoncfg",
             "procmondivsel=0x1f procmondelaysel=0x1f procmonen=1 "
             "procmonsel=3 procmonnten=1");
    /* all ones: each field exactly as wide as the manual says */
    describe(&f, HFROSCCFG, 0xffffffff, false, "hfrosccfg",
             "hfroscdiv=0x3f hfrosctrim=0x1f hfroscen=1 hfroscrdy=1");
    describe(&f, HFXOSCCFG, 0xffffffff, false, "hfxosccfg",
             "hfxoscen=1 hfxoscrdy=1");
    describe(&f, PLLCFG, 0xffffffff, false, "pllcfg",
             "pllr=7 pllf=0x3f pllq=3 pllsel=1 pllrefsel=1 pllbypass=1 "
             "plllock=1");
    describe(&f, PLLOUTDIV, 0xffffffff, false, "plloutdiv",
             "plloutdiv=0x3f plloutdivby1=1");
    describe(&f, PROCMONCFG, 0xffffffff, false, "procmoncfg",
             "procmondivsel=0x1f procmondelaysel=0x1f procmonen=1 "
             "procmonsel=3 procmonnten=1");
    describe(&f, 0x10, 1, true, "", "");
    teardown(&f);
}

static void expect_create_error(const char *key, const char *value,
                                const char *message)
{
    Fixture f = {0};
    Error *err = NULL;
    devfix_setup(&f, 16000000);
    assert_false(devfix_try_create(&f, "sifive,fe310-prci", "prci", BASE, 0,
                                   DEVFIX_KV(key, value), &err));
    assert_string_equal(error_message(err), message);
    error_free(err);
    devfix_teardown(&f);
}

static void test_property_errors_name_the_place(void **state)
{
    expect_create_error("pll-lock-cycles", "soon",
                        "dev.yaml:4:9: pll-lock-cycles: 'soon' is not a number");
    expect_create_error("pll-lock", "10",
                        "dev.yaml:4:9: unknown property 'pll-lock' for "
                        "sifive,fe310-prci 'prci'");
    expect_create_error("bad-access", "maybe",
                        "dev.yaml:4:9: bad-access: 'maybe' is not fault or "
                        "ignore");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_class_has_no_outputs_and_a_reset_hook),
        cmocka_unit_test(test_registers_at_reset),
        cmocka_unit_test(test_writes_keep_only_the_defined_fields),
        cmocka_unit_test(test_hfrosc_ready_comes_the_configured_delay_after_enable),
        cmocka_unit_test(test_hfxosc_ready_comes_the_configured_delay_after_enable),
        cmocka_unit_test(test_pll_locks_the_configured_delay_after_leaving_bypass),
        cmocka_unit_test(test_pll_lock_waits_for_its_reference),
        cmocka_unit_test(test_default_delays_are_virtual_time),
        cmocka_unit_test(test_reset_hook_restores_reset_values),
        cmocka_unit_test(test_only_aligned_32_bit_accesses),
        cmocka_unit_test(test_every_register_peeks_its_reset_value),
        cmocka_unit_test(test_all_ones_read_back_the_writable_bits),
        cmocka_unit_test(test_ready_and_lock_bits_ignore_writes),
        cmocka_unit_test(test_pll_after_reset_locks_from_leaving_bypass),
        cmocka_unit_test(test_pllsel_before_lock_is_reported),
        cmocka_unit_test(test_bad_access_ignore_reads_0_and_reports_once),
        cmocka_unit_test(test_offsets_without_a_register_are_reported_once),
        cmocka_unit_test(test_trace_shows_registers_and_fields),
        cmocka_unit_test(test_property_errors_name_the_place),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
