/* The SiFive FE310 PRCI model (peripherals/sifive_prci.c), built through
 * its registry class: the register map at reset, which bits writes keep,
 * oscillator ready and PLL lock bits following virtual time exactly, the
 * machine reset hook, 32-bit accesses only, and property errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "peripherals/registry.h"

#define BASE 0x10008000u
#define HFROSCCFG (BASE + 0x00)
#define HFXOSCCFG (BASE + 0x04)
#define PLLCFG (BASE + 0x08)
#define PLLOUTDIV (BASE + 0x0c)
#define PROCMONCFG (BASE + 0xf0)

#define RDY (1u << 31)
#define LOCK (1u << 31)
#define EN (1u << 30)
#define PLL_SEL (1u << 16)
#define PLL_REFSEL (1u << 17)
#define PLL_BYPASS (1u << 18)
#define PLL_RESET 0x00060df1u

#define MAX_PROPS 4

typedef struct Fixture {
    MemorySystem *ms;
    Clock *clock;
    const PeripheralClass *cls;
    BoardPeripheral desc;
    BoardProp props[MAX_PROPS];
    DeviceHost host;
    Device dev;
    Owner *bus_owner;
} Fixture;

static Chardev *no_chardev(void *opaque, const char *spec, Error **errp)
{
    fail_msg("the PRCI opened a chardev");
    return NULL;
}

/* Creates a PRCI on a clock of `cpu_hz` with properties given as
 * key, value pairs ending with NULL. */
static bool try_create(Fixture *f, uint64_t cpu_hz, Error **errp, ...)
{
    f->ms = memory_system_new();
    f->clock = clock_new(cpu_hz);
    f->cls = registry_find("sifive,fe310-prci");
    assert_non_null(f->cls);
    va_list ap;
    va_start(ap, errp);
    size_t n = 0;
    const char *key;
    while ((key = va_arg(ap, const char *))) {
        assert_true(n < MAX_PROPS);
        f->props[n] = (BoardProp){.key = (char *)key,
                                  .value = va_arg(ap, char *),
                                  .loc = {"p.yaml", 5 + (unsigned)n, 9}};
        n++;
    }
    va_end(ap);
    f->desc = (BoardPeripheral){
        .name = "prci", .type = "sifive,fe310-prci", .base = BASE,
        .props = f->props, .nprops = n, .loc = {"p.yaml", 3, 7},
    };
    f->host = (DeviceHost){.opaque = f, .open_chardev = no_chardev,
                           .clock = f->clock};
    DeviceConfig config = {.ms = f->ms, .desc = &f->desc,
                           .size = f->cls->default_size, .host = &f->host};
    return f->cls->create(&config, &f->dev, errp);
}

static void map(Fixture *f)
{
    f->bus_owner = owner_new(f->ms, "bus", NULL, NULL);
    MemoryRegion *bus = memory_region_new_container(f->bus_owner, "bus",
                                                    UINT64_C(1) << 32);
    assert_true(memory_add_subregion(bus, BASE, f->dev.region, NULL));
    memory_set_root(f->ms, bus);
}

#define SETUP(f, hz, ...)                                              \
    do {                                                               \
        Error *err_ = NULL;                                            \
        if (!try_create((f), (hz), &err_, __VA_ARGS__))                \
            fail_msg("create: %s", error_message(err_));               \
        map(f);                                                        \
    } while (0)

static void teardown(Fixture *f)
{
    memory_set_root(f->ms, NULL);
    owner_unref(f->bus_owner);
    owner_unref(f->dev.owner);
    assert_int_equal(memory_stats(f->ms).owners, 0);
    memory_system_free(f->ms);
    clock_free(f->clock);
}

static uint32_t rd(Fixture *f, uint32_t addr)
{
    uint32_t v = 0xdeadbeef;
    assert_int_equal(memory_read(f->ms, addr, 4, &v), MEM_OK);
    return v;
}

static void wr(Fixture *f, uint32_t addr, uint32_t value)
{
    assert_int_equal(memory_write(f->ms, addr, 4, value), MEM_OK);
}

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
        wr(&f, BASE + undefined[i], 0xffffffff);
        assert_int_equal(rd(&f, BASE + undefined[i]), 0);
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
    assert_int_equal(memory_read(f.ms, HFROSCCFG, 1, &v), MEM_BUS_ERROR);
    assert_int_equal(memory_read(f.ms, HFROSCCFG, 2, &v), MEM_BUS_ERROR);
    assert_int_equal(memory_read(f.ms, PLLCFG + 2, 4, &v), MEM_BUS_ERROR);
    assert_int_equal(memory_write(f.ms, PLLCFG, 1, 0), MEM_BUS_ERROR);
    assert_int_equal(memory_write(f.ms, PLLCFG + 1, 4, 0), MEM_BUS_ERROR);
    assert_int_equal(rd(&f, PLLCFG), PLL_RESET);
    /* the debugger's peek reads the same */
    uint8_t buf[4];
    assert_true(memory_debug_read(f.ms, PLLCFG, buf, 4, NULL));
    assert_memory_equal(buf, "\xf1\x0d\x06\x00", 4);
    teardown(&f);
}

static void expect_create_error(const char *key, const char *value,
                                const char *message)
{
    Fixture f = {0};
    Error *err = NULL;
    assert_false(try_create(&f, 16000000, &err, key, value, NULL));
    assert_string_equal(error_message(err), message);
    error_free(err);
    assert_int_equal(memory_stats(f.ms).owners, 0);
    memory_system_free(f.ms);
    clock_free(f.clock);
}

static void test_property_errors_name_the_place(void **state)
{
    expect_create_error("pll-lock-cycles", "soon",
                        "p.yaml:5:9: pll-lock-cycles: 'soon' is not a number");
    expect_create_error("pll-lock", "10",
                        "p.yaml:5:9: unknown property 'pll-lock' for "
                        "sifive,fe310-prci 'prci'");
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
        cmocka_unit_test(test_property_errors_name_the_place),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
