/* The SiFive GPIO model (peripherals/sifive_gpio.c), built through its
 * registry class on the device fixture (32 interrupt probes): every
 * register at reset and after writes, write-1-to-clear, pin levels
 * (output_val ^ out_xor under output_en, iof_en, external drive, pull-up),
 * rise/fall/high/low pending bits and outputs, injection through the
 * class's set_input and through the `inject` property at exact cycles,
 * reset, 32-bit accesses only, `inject` replaced while running; the
 * I/O function inputs (levels through iof_en/iof_sel and out_xor, an
 * unwired function, detach, interrupts, bad input numbers); the
 * register table (reset values through peeks, RO, W1C, all 32 bits
 * writable, `bad-access: ignore`, offsets past the map reported, names in
 * traces); a board wiring GPIO -> PLIC -> CPU, and one wiring a PWM's
 * pins to the GPIO's I/O function 1 inputs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "peripherals/regs.h"
#include "soc/machine.h"
#include "tests/unit/device_fixture.h"

#define BASE 0x10012000u
enum {
    INPUT_VAL = 0x00, INPUT_EN = 0x04, OUTPUT_EN = 0x08, OUTPUT_VAL = 0x0c,
    PUE = 0x10, DS = 0x14, RISE_IE = 0x18, RISE_IP = 0x1c, FALL_IE = 0x20,
    FALL_IP = 0x24, HIGH_IE = 0x28, HIGH_IP = 0x2c, LOW_IE = 0x30,
    LOW_IP = 0x34, IOF_EN = 0x38, IOF_SEL = 0x3c, OUT_XOR = 0x40,
    PASSTHRU_HIGH_IE = 0x44, PASSTHRU_LOW_IE = 0x48,
};

typedef DevFixture Fixture;

/* A GPIO with at most one property (key NULL: none). */
static void setup_prop(Fixture *f, const char *key, const char *value)
{
    devfix_setup(f, 10000000);
    devfix_create(f, "sifive,gpio0", "gpio0", BASE, 0, key, value, NULL);
}

static void setup(Fixture *f)
{
    setup_prop(f, NULL, NULL);
}

static void teardown(Fixture *f)
{
    devfix_teardown(f); /* aborts if the injection event survived */
}

static uint32_t rd(Fixture *f, uint32_t off) { return devfix_read(f, off, 4); }
static void wr(Fixture *f, uint32_t off, uint32_t v) { devfix_write(f, off, 4, v); }

static void drive(Fixture *f, unsigned pin, bool level)
{
    Error *err = NULL;
    if (!f->cls->set_input(f->dev.state, pin, level, &err))
        fail_msg("set_input: %s", error_message(err));
}

/* ---- tests ---- */

static void test_class_has_32_outputs_and_set_input(void **state)
{
    const PeripheralClass *cls = registry_find("sifive,gpio0");
    assert_non_null(cls);
    assert_int_equal(cls->irq_outputs, 32);
    assert_string_equal(cls->irq_output_names[0], "pin0");
    assert_string_equal(cls->irq_output_names[31], "pin31");
    assert_non_null(cls->connect_irqs);
    assert_non_null(cls->set_input);
    assert_non_null(cls->reset);
    assert_non_null(cls->irq_input);
    assert_non_null(cls->irq_input_detach);
    assert_int_equal(cls->default_size, 0x1000);
    assert_int_equal(cls->min_size, 0x4c);
    Error *err = NULL;
    if (!regs_check(cls->registers, cls->type, &err)) /* sorted, no overlaps */
        fail_msg("regs_check: %s", error_message(err));
}

static void test_registers_at_reset(void **state)
{
    Fixture f = {0};
    setup(&f);
    for (uint32_t off = 0; off < 0x1000; off += 4)
        assert_int_equal(rd(&f, off), off == LOW_IP ? 0xffffffff : 0);
    for (unsigned i = 0; i < 32; i++) {
        assert_int_equal(f.irq[i].sets, 1); /* connect drove every line */
        assert_int_equal(f.irq[i].changes, 0);
    }
    teardown(&f);
}

static void test_plain_registers_read_back_what_was_written(void **state)
{
    static const uint32_t plain[] = {
        INPUT_EN, OUTPUT_EN, OUTPUT_VAL, PUE, DS, RISE_IE, FALL_IE, HIGH_IE,
        LOW_IE, IOF_EN, IOF_SEL, OUT_XOR, PASSTHRU_HIGH_IE, PASSTHRU_LOW_IE,
    };
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
        Fixture f = {0};
        setup(&f);
        wr(&f, plain[i], 0xa5c3f00f);
        for (uint32_t off = 0; off <= PASSTHRU_LOW_IE; off += 4) {
            if (off == plain[i])
                assert_int_equal(rd(&f, off), 0xa5c3f00f);
            else /* one register alone moves no pin */
                assert_int_equal(rd(&f, off), off == LOW_IP ? 0xffffffff : 0);
        }
        wr(&f, plain[i], 0);
        assert_int_equal(rd(&f, plain[i]), 0);
        teardown(&f);
    }
}

static void test_input_val_is_read_only_and_beyond_0x48_reads_0(void **state)
{
    Fixture f = {0};
    setup(&f);
    wr(&f, INPUT_VAL, 0xffffffff);
    assert_int_equal(rd(&f, INPUT_VAL), 0);
    wr(&f, 0x4c, 0xffffffff);
    wr(&f, 0xffc, 0xffffffff);
    assert_int_equal(rd(&f, 0x4c), 0);
    assert_int_equal(rd(&f, 0xffc), 0);
    teardown(&f);
}

static void test_output_val_xor_out_xor_drives_the_pin(void **state)
{
    Fixture f = {0};
    setup(&f);
    wr(&f, INPUT_EN, 0xffffffff);
    wr(&f, OUTPUT_VAL, 0x0000000f);
    assert_int_equal(rd(&f, INPUT_VAL), 0); /* not an output yet */
    wr(&f, OUTPUT_EN, 0x000000ff);
    assert_int_equal(rd(&f, INPUT_VAL), 0x0000000f);
    wr(&f, OUT_XOR, 0x00000033);
    assert_int_equal(rd(&f, INPUT_VAL), 0x0000003c);
    wr(&f, OUT_XOR, 0x00000300); /* not outputs: no effect */
    assert_int_equal(rd(&f, INPUT_VAL), 0x0000000f);
    wr(&f, INPUT_EN, 0x00000005);
    assert_int_equal(rd(&f, INPUT_VAL), 0x00000005);
    teardown(&f);
}

static void test_iof_en_takes_the_pin_from_the_gpio(void **state)
{
    Fixture f = {0};
    setup(&f);
    wr(&f, INPUT_EN, 0xf);
    wr(&f, OUTPUT_EN, 0xf);
    wr(&f, OUTPUT_VAL, 0xf);
    assert_int_equal(rd(&f, INPUT_VAL), 0xf);
    wr(&f, IOF_EN, 0x3);
    assert_int_equal(rd(&f, INPUT_VAL), 0xc); /* pins 0, 1 float low */
    wr(&f, PUE, 0x1);
    assert_int_equal(rd(&f, INPUT_VAL), 0xd);
    drive(&f, 1, true);
    assert_int_equal(rd(&f, INPUT_VAL), 0xf);
    teardown(&f);
}

static void test_floating_pins_read_the_pull_up(void **state)
{
    Fixture f = {0};
    setup(&f);
    wr(&f, INPUT_EN, 0xff);
    wr(&f, PUE, 0x0f);
    assert_int_equal(rd(&f, INPUT_VAL), 0x0f);
    drive(&f, 0, false); /* driven from outside: beats the pull-up */
    drive(&f, 4, true);
    assert_int_equal(rd(&f, INPUT_VAL), 0x1e);
    wr(&f, PUE, 0);
    assert_int_equal(rd(&f, INPUT_VAL), 0x10);
    teardown(&f);
}

static void test_output_en_beats_the_outside_drive(void **state)
{
    Fixture f = {0};
    setup(&f);
    wr(&f, INPUT_EN, 0x1);
    drive(&f, 0, true);
    assert_int_equal(rd(&f, INPUT_VAL), 1);
    wr(&f, OUTPUT_EN, 0x1);
    assert_int_equal(rd(&f, INPUT_VAL), 0);
    wr(&f, OUTPUT_EN, 0);
    assert_int_equal(rd(&f, INPUT_VAL), 1);
    teardown(&f);
}

static void test_edges_set_rise_and_fall_pending_whatever_the_enables(void **state)
{
    Fixture f = {0};
    setup(&f);
    wr(&f, INPUT_EN, 0xffffffff);
    wr(&f, LOW_IP, 0xffffffff); /* clear nothing: the pins are low */
    assert_int_equal(rd(&f, LOW_IP), 0xffffffff);
    drive(&f, 7, true);
    assert_int_equal(rd(&f, RISE_IP), 1u << 7);
    assert_int_equal(rd(&f, FALL_IP), 0);
    assert_int_equal(rd(&f, HIGH_IP), 1u << 7);
    drive(&f, 7, false);
    assert_int_equal(rd(&f, RISE_IP), 1u << 7);
    assert_int_equal(rd(&f, FALL_IP), 1u << 7);
    assert_int_equal(devfix_irq_mask(&f), 0); /* no *_ie set */
    /* write 1 to clear, 0 leaves alone */
    wr(&f, RISE_IP, 0);
    assert_int_equal(rd(&f, RISE_IP), 1u << 7);
    wr(&f, RISE_IP, 1u << 7);
    assert_int_equal(rd(&f, RISE_IP), 0);
    wr(&f, FALL_IP, 0xffffffff);
    assert_int_equal(rd(&f, FALL_IP), 0);
    /* no edge without input_en */
    wr(&f, INPUT_EN, 0);
    drive(&f, 8, true);
    assert_int_equal(rd(&f, RISE_IP), 0);
    /* enabling the input of a high pin is a rising edge */
    wr(&f, INPUT_EN, 1u << 8);
    assert_int_equal(rd(&f, RISE_IP), 1u << 8);
    teardown(&f);
}

static void test_rise_and_fall_outputs_follow_ip_and_ie(void **state)
{
    Fixture f = {0};
    setup(&f);
    wr(&f, INPUT_EN, 0xffffffff);
    wr(&f, RISE_IE, 1u << 3);
    wr(&f, FALL_IE, 1u << 4);
    drive(&f, 3, true);
    drive(&f, 4, true);
    assert_int_equal(devfix_irq_mask(&f), 1u << 3);
    drive(&f, 4, false);
    assert_int_equal(devfix_irq_mask(&f), 1u << 3 | 1u << 4);
    wr(&f, RISE_IP, 0xffffffff);
    assert_int_equal(devfix_irq_mask(&f), 1u << 4);
    wr(&f, FALL_IE, 0);
    assert_int_equal(devfix_irq_mask(&f), 0);
    assert_int_equal(rd(&f, FALL_IP), 1u << 4); /* still pending */
    wr(&f, FALL_IE, 1u << 4);
    assert_int_equal(devfix_irq_mask(&f), 1u << 4);
    wr(&f, FALL_IP, 1u << 4);
    assert_int_equal(devfix_irq_mask(&f), 0);
    assert_int_equal(f.irq[3].changes, 2);
    assert_int_equal(f.irq[4].changes, 4);
    assert_int_equal(f.irq[3].sets, 3); /* driven on changes only */
    teardown(&f);
}

static void test_high_and_low_pending_follow_the_level(void **state)
{
    Fixture f = {0};
    setup(&f);
    wr(&f, INPUT_EN, 0x3);
    wr(&f, HIGH_IE, 0x1);
    wr(&f, LOW_IE, 0x2);
    assert_int_equal(devfix_irq_mask(&f), 0x2); /* pin 1 is low: low_ip set */
    drive(&f, 0, true);
    assert_int_equal(devfix_irq_mask(&f), 0x3);
    wr(&f, HIGH_IP, 0x1); /* the level lasts: set again at once */
    assert_int_equal(rd(&f, HIGH_IP), 0x1);
    assert_int_equal(devfix_irq_mask(&f), 0x3);
    drive(&f, 0, false);
    assert_int_equal(rd(&f, HIGH_IP), 0x1); /* latched */
    wr(&f, HIGH_IP, 0x1);
    assert_int_equal(rd(&f, HIGH_IP), 0);
    assert_int_equal(devfix_irq_mask(&f), 0x2);
    drive(&f, 1, true);
    assert_int_equal(devfix_irq_mask(&f), 0x2); /* low_ip latched */
    wr(&f, LOW_IP, 0x2);
    assert_int_equal(rd(&f, LOW_IP) & 0x3, 0x1);
    assert_int_equal(devfix_irq_mask(&f), 0);
    teardown(&f);
}

static void test_output_pin_changes_raise_interrupts_too(void **state)
{
    Fixture f = {0};
    setup(&f);
    wr(&f, INPUT_EN, 1u << 31);
    wr(&f, OUTPUT_EN, 1u << 31);
    wr(&f, RISE_IE, 1u << 31);
    wr(&f, OUTPUT_VAL, 1u << 31);
    assert_int_equal(devfix_irq_mask(&f), 1u << 31);
    assert_int_equal(rd(&f, RISE_IP), 1u << 31);
    teardown(&f);
}

static void test_set_input_refuses_pins_beyond_31(void **state)
{
    Fixture f = {0};
    setup(&f);
    Error *err = NULL;
    assert_false(f.cls->set_input(f.dev.state, 32, true, &err));
    assert_string_equal(error_message(err), "'gpio0' has no pin 32 (0-31)");
    error_free(err);
    teardown(&f);
}

static void test_inject_applies_levels_at_exact_cycles(void **state)
{
    Fixture f = {0};
    setup_prop(&f, "inject", "3@100=1 3@250=0 5@10ms=1 6@1ns=1");
    wr(&f, INPUT_EN, 0xff);
    wr(&f, RISE_IE, 0xff);
    wr(&f, FALL_IE, 0xff);
    clock_advance(f.clock, 0);
    assert_int_equal(rd(&f, INPUT_VAL), 0);
    clock_advance(f.clock, 1); /* 1 ns at 10 MHz: cycle 1 */
    assert_int_equal(rd(&f, INPUT_VAL), 1u << 6);
    assert_int_equal(f.irq[6].changed_at, 1);
    clock_advance(f.clock, 99);
    assert_int_equal(rd(&f, INPUT_VAL), 1u << 6);
    clock_advance(f.clock, 100);
    assert_int_equal(rd(&f, INPUT_VAL), 1u << 6 | 1u << 3);
    assert_int_equal(f.irq[3].changed_at, 100);
    wr(&f, RISE_IP, 0xff);
    assert_int_equal(devfix_irq_mask(&f), 0);
    clock_advance(f.clock, 249);
    assert_int_equal(rd(&f, FALL_IP), 0);
    clock_advance(f.clock, 250);
    assert_int_equal(rd(&f, FALL_IP), 1u << 3);
    assert_int_equal(devfix_irq_mask(&f), 1u << 3);
    assert_int_equal(f.irq[3].changed_at, 250);
    assert_int_equal(clock_next_deadline(f.clock), 100000); /* 10 ms */
    clock_advance(f.clock, 99999);
    assert_int_equal(rd(&f, INPUT_VAL), 1u << 6);
    clock_advance(f.clock, 100000);
    assert_int_equal(rd(&f, INPUT_VAL), 1u << 6 | 1u << 5);
    assert_int_equal(f.irq[5].changed_at, 100000);
    assert_int_equal(clock_next_deadline(f.clock), CLOCK_NEVER);
    teardown(&f);
}

static void test_inject_equal_times_apply_in_written_order(void **state)
{
    Fixture f = {0};
    setup_prop(&f, "inject", "  2@5ms=0   1@7=1 1@7=0\t2@3ms=1 ");
    wr(&f, INPUT_EN, 0xff);
    clock_advance(f.clock, 7);
    assert_int_equal(rd(&f, INPUT_VAL), 0);
    assert_int_equal(rd(&f, RISE_IP), 1u << 1); /* the pulse was seen */
    assert_int_equal(rd(&f, FALL_IP), 1u << 1);
    clock_advance(f.clock, 29999);
    assert_int_equal(rd(&f, INPUT_VAL), 0);
    clock_advance(f.clock, 30000); /* 3 ms, though written later */
    assert_int_equal(rd(&f, INPUT_VAL), 1u << 2);
    clock_advance(f.clock, 50000);
    assert_int_equal(rd(&f, INPUT_VAL), 0);
    teardown(&f);
}

static void test_inject_z_releases_the_pin_to_the_pull_up(void **state)
{
    Fixture f = {0};
    setup_prop(&f, "inject", "0@10=0 0@20=z 1@1s=1");
    wr(&f, INPUT_EN, 0x1);
    wr(&f, PUE, 0x1);
    assert_int_equal(rd(&f, INPUT_VAL), 1);
    clock_advance(f.clock, 10);
    assert_int_equal(rd(&f, INPUT_VAL), 0);
    clock_advance(f.clock, 20);
    assert_int_equal(rd(&f, INPUT_VAL), 1);
    assert_int_equal(clock_next_deadline(f.clock), 10000000);
    teardown(&f); /* the pending event is freed with the device */
}

static void expect_create_error(const char *key, const char *value,
                                bool with_clock, const char *message)
{
    Fixture f = {0};
    Error *err = NULL;
    devfix_setup(&f, 10000000);
    if (!with_clock)
        f.host.clock = NULL;
    assert_false(devfix_try_create(&f, "sifive,gpio0", "gpio0", BASE, 0,
                                   DEVFIX_KV(key, value), &err));
    assert_string_equal(error_message(err), message);
    error_free(err);
    devfix_teardown(&f);
}

static void test_inject_errors_name_the_entry(void **state)
{
    expect_create_error("inject", "3@100=1 32@5=1", true,
                        "dev.yaml:4:9: 'inject' entry '32@5=1': no such pin (0-31)");
    expect_create_error("inject", "3@100qs=1", true,
                        "dev.yaml:4:9: 'inject' entry '3@100qs=1': unknown time "
                        "unit (expected ns, us, ms, s or none for cycles)");
    expect_create_error("inject", "3=1", true,
                        "dev.yaml:4:9: 'inject' entry '3=1': expected "
                        "PIN@TIME=LEVEL");
    expect_create_error("inject", "3@=1", true,
                        "dev.yaml:4:9: 'inject' entry '3@=1': expected a time "
                        "after '@'");
    expect_create_error("inject", "3@10", true,
                        "dev.yaml:4:9: 'inject' entry '3@10': expected '=' and "
                        "a level after the time");
    expect_create_error("inject", "3@10=high", true,
                        "dev.yaml:4:9: 'inject' entry '3@10=high': expected "
                        "level 0, 1 or z");
    expect_create_error("inject", "3@99999999999999999999=1", true,
                        "dev.yaml:4:9: 'inject' entry '3@99999999999999999999=1': "
                        "time too large");
    expect_create_error("inject", "3@18446744073709551615=1", true,
                        "dev.yaml:4:9: 'inject' entry '3@18446744073709551615=1': "
                        "time too large");
    expect_create_error("inject", "99999999999999999999@1=1", true,
                        "dev.yaml:4:9: 'inject' entry '99999999999999999999@1=1': "
                        "no such pin (0-31)");
    expect_create_error("inject", "3@18446744073709551615s=1", true,
                        "dev.yaml:4:9: 'inject' entry '3@18446744073709551615s=1': "
                        "time too large");
    expect_create_error("inject", "1@1=1", false,
                        "dev.yaml:4:9: 'inject' needs virtual time and the "
                        "machine has no clock");
    expect_create_error("ngpio", "16", true,
                        "dev.yaml:4:9: unknown property 'ngpio' for "
                        "sifive,gpio0 'gpio0'");
}

/* `inject` is live: a new schedule replaces the injections still to come
 * (pins driven meanwhile stay driven), its entries already due apply at
 * the next check, in order, and a bad one changes nothing. */
static void test_inject_is_live(void **state)
{
    Fixture f = {0};
    setup_prop(&f, "inject", "3@100=1 3@200=0 7@400=1");
    wr(&f, INPUT_EN, 0xff);
    clock_advance(f.clock, 150);
    assert_int_equal(rd(&f, INPUT_VAL), 1u << 3);
    Error *err = NULL;
    assert_false(f.cls->set_property(f.dev.state, "inject", "4@300=1 40@1=1",
                                     &err));
    assert_string_equal(error_message(err),
                        "'inject' entry '40@1=1': no such pin (0-31)");
    error_free(err);
    assert_int_equal(clock_next_deadline(f.clock), 200); /* kept */
    assert_true(f.cls->set_property(f.dev.state, "inject",
                                    "4@300=1 5@60=0 5@50=1", NULL));
    assert_int_equal(rd(&f, RISE_IP) & 1u << 5, 0);
    clock_advance(f.clock, 150);
    assert_int_equal(rd(&f, RISE_IP) & 1u << 5, 1u << 5); /* 50, then 60 */
    assert_int_equal(rd(&f, FALL_IP) & 1u << 5, 1u << 5);
    assert_int_equal(rd(&f, INPUT_VAL), 1u << 3);
    clock_advance(f.clock, 299);
    assert_int_equal(rd(&f, INPUT_VAL), 1u << 3); /* 3@200=0 is gone */
    clock_advance(f.clock, 300);
    assert_int_equal(rd(&f, INPUT_VAL), 1u << 3 | 1u << 4);
    assert_int_equal(clock_next_deadline(f.clock), CLOCK_NEVER); /* 7@400 too */
    err = NULL;
    assert_false(f.cls->set_property(f.dev.state, "ngpio", "16", &err));
    assert_string_equal(error_message(err),
                        "unknown property 'ngpio' for sifive,gpio0 'gpio0'");
    error_free(err);
    teardown(&f);
}

static void test_inject_set_later_needs_a_clock(void **state)
{
    Fixture f = {0};
    setup(&f);
    assert_true(f.cls->set_property(f.dev.state, "inject", "2@10=1", NULL));
    wr(&f, INPUT_EN, 0xff);
    clock_advance(f.clock, 10);
    assert_int_equal(rd(&f, INPUT_VAL), 1u << 2);
    teardown(&f);

    Fixture g = {0};
    Error *err = NULL;
    devfix_setup(&g, 10000000);
    g.host.clock = NULL;
    devfix_create(&g, "sifive,gpio0", "gpio0", BASE, 0, NULL);
    assert_false(g.cls->set_property(g.dev.state, "inject", "2@10=1", &err));
    assert_string_equal(error_message(err),
                        "'inject' needs virtual time and the machine has no "
                        "clock");
    error_free(err);
    devfix_teardown(&g);
}

static void test_empty_inject_schedules_nothing(void **state)
{
    Fixture f = {0};
    setup_prop(&f, "inject", " ");
    assert_int_equal(clock_next_deadline(f.clock), CLOCK_NEVER);
    teardown(&f);
}

static void test_reset_clears_registers_but_keeps_outside_drive(void **state)
{
    Fixture f = {0};
    setup_prop(&f, "inject", "2@50=1");
    wr(&f, INPUT_EN, 0xff);
    wr(&f, OUTPUT_EN, 0xf0);
    wr(&f, OUTPUT_VAL, 0xf0);
    wr(&f, RISE_IE, 0xff);
    drive(&f, 1, true);
    assert_int_equal(devfix_irq_mask(&f), 0xf2);
    f.cls->reset(f.dev.state);
    assert_int_equal(devfix_irq_mask(&f), 0);
    assert_int_equal(f.irq[0].sets, 2); /* reset drove every line */
    for (uint32_t off = 0; off <= PASSTHRU_LOW_IE; off += 4)
        assert_int_equal(rd(&f, off), off == LOW_IP ? 0xffffffff : 0);
    wr(&f, INPUT_EN, 0xff);
    assert_int_equal(rd(&f, INPUT_VAL), 0x2); /* pin 1 still driven */
    clock_advance(f.clock, 50);               /* the schedule goes on */
    assert_int_equal(rd(&f, INPUT_VAL), 0x6);
    teardown(&f);
}

static void test_only_aligned_32bit_accesses(void **state)
{
    Fixture f = {0};
    setup(&f);
    uint32_t v;
    assert_int_equal(memory_read(f.ms, BASE + INPUT_EN, 1, &v), MEM_BUS_ERROR);
    assert_int_equal(memory_read(f.ms, BASE + INPUT_EN, 2, &v), MEM_BUS_ERROR);
    assert_int_equal(memory_write(f.ms, BASE + OUTPUT_VAL, 1, 1), MEM_BUS_ERROR);
    assert_int_equal(memory_write(f.ms, BASE + OUTPUT_VAL + 2, 2, 1),
                     MEM_BUS_ERROR);
    assert_int_equal(rd(&f, OUTPUT_VAL), 0);
    Error *err = NULL;
    assert_true(memory_debug_read(f.ms, BASE + LOW_IP, &v, 4, &err));
    assert_int_equal(v, 0xffffffff);
    teardown(&f);
}

/* ---- I/O function inputs: 32 * function + pin ---- */

enum { IOF0 = 0, IOF1 = 32 };

/* Interrupt input n, as the machine gets it (getting it wires nothing). */
static IrqLine iof_line(Fixture *f, unsigned n)
{
    IrqLine line = {0};
    Error *err = NULL;
    assert_non_null(f->cls->irq_input);
    if (!f->cls->irq_input(f->dev.state, n, &line, &err))
        fail_msg("irq_input %u: %s", n, error_message(err));
    return line;
}

static void iof_drive(Fixture *f, unsigned n, bool level)
{
    IrqLine line = iof_line(f, n);
    irq_set(&line, level);
}

static void iof_detach(Fixture *f, unsigned n)
{
    assert_non_null(f->cls->irq_input_detach);
    f->cls->irq_input_detach(f->dev.state, n);
}

/* A pin with iof_en set takes the level of the function iof_sel selects,
 * inverted by out_xor; with iof_en clear the GPIO drives it again. */
static void test_iof_inputs_drive_pins_through_iof_en_and_iof_sel(void **state)
{
    Fixture f = {0};
    setup(&f);
    wr(&f, INPUT_EN, 0xff);
    wr(&f, OUTPUT_EN, 0x3);
    wr(&f, OUTPUT_VAL, 0x2);
    iof_drive(&f, IOF0 + 0, true);
    iof_drive(&f, IOF1 + 0, false);
    iof_drive(&f, IOF0 + 1, false);
    iof_drive(&f, IOF1 + 1, true);
    assert_int_equal(rd(&f, INPUT_VAL), 0x2); /* iof_en clear: the GPIO's */
    wr(&f, IOF_EN, 0x3);
    assert_int_equal(rd(&f, INPUT_VAL), 0x1); /* function 0 on both */
    wr(&f, IOF_SEL, 0x3);
    assert_int_equal(rd(&f, INPUT_VAL), 0x2); /* function 1 on both */
    wr(&f, IOF_SEL, 0x2);
    assert_int_equal(rd(&f, INPUT_VAL), 0x3);
    iof_drive(&f, IOF0 + 0, false);
    iof_drive(&f, IOF1 + 1, false);
    assert_int_equal(rd(&f, INPUT_VAL), 0x0);
    iof_drive(&f, IOF1 + 0, true); /* not selected: no effect */
    assert_int_equal(rd(&f, INPUT_VAL), 0x0);
    wr(&f, OUT_XOR, 0x1);          /* inverts the function's level too */
    assert_int_equal(rd(&f, INPUT_VAL), 0x1);
    wr(&f, OUTPUT_EN, 0);          /* the function drives, not output_en */
    wr(&f, PUE, 0x3);
    drive(&f, 1, true);            /* nor the outside */
    assert_int_equal(rd(&f, INPUT_VAL), 0x1);
    wr(&f, IOF_EN, 0x2);           /* pin 0: an input again, pulled up */
    assert_int_equal(rd(&f, INPUT_VAL), 0x1);
    wr(&f, OUT_XOR, 0);
    iof_drive(&f, IOF1 + 1, true);
    assert_int_equal(rd(&f, INPUT_VAL), 0x3);
    wr(&f, INPUT_EN, 0x1);         /* input_en still gates input_val */
    assert_int_equal(rd(&f, INPUT_VAL), 0x1);
    teardown(&f);
}

/* Getting an input wires nothing (the machine's checks do so without
 * binding); with the selected function unwired the pin behaves as before
 * there were I/O function inputs: driven from outside or pulled. */
static void test_unwired_iof_leaves_the_pin_to_the_outside(void **state)
{
    Fixture f = {0};
    setup(&f);
    wr(&f, INPUT_EN, 0xf0);
    wr(&f, OUTPUT_EN, 0xf0);
    wr(&f, OUTPUT_VAL, 0xf0);
    wr(&f, PUE, 0x10);
    iof_line(&f, IOF0 + 4);        /* got, never driven */
    iof_drive(&f, IOF1 + 5, true); /* wired, but function 0 is selected */
    wr(&f, IOF_EN, 0xf0);
    assert_int_equal(rd(&f, INPUT_VAL), 0x10); /* 4 pulled up, 5-7 float */
    drive(&f, 5, true);
    drive(&f, 4, false);
    assert_int_equal(rd(&f, INPUT_VAL), 0x20);
    wr(&f, IOF_SEL, 0x20);
    drive(&f, 5, false);           /* now function 1 drives pin 5 */
    assert_int_equal(rd(&f, INPUT_VAL), 0x20);
    teardown(&f);
}

/* Detach: the function no longer drives the pin, which goes back to the
 * outside (or the pull-up) until a source drives the input again. */
static void test_iof_detach_unwires_the_input(void **state)
{
    Fixture f = {0};
    setup(&f);
    wr(&f, INPUT_EN, 1u << 20);
    wr(&f, IOF_EN, 1u << 20);
    wr(&f, IOF_SEL, 1u << 20);
    drive(&f, 20, false);
    iof_drive(&f, IOF1 + 20, true);
    assert_int_equal(rd(&f, INPUT_VAL), 1u << 20);
    iof_detach(&f, IOF1 + 20);
    assert_int_equal(rd(&f, INPUT_VAL), 0); /* the outside drives 0 */
    drive(&f, 20, true);
    assert_int_equal(rd(&f, INPUT_VAL), 1u << 20);
    iof_drive(&f, IOF1 + 20, false); /* wired again */
    assert_int_equal(rd(&f, INPUT_VAL), 0);
    iof_detach(&f, IOF1 + 20);
    assert_int_equal(rd(&f, INPUT_VAL), 1u << 20);
    iof_detach(&f, 64);              /* not an input: ignored */
    iof_detach(&f, UINT32_MAX);
    assert_int_equal(rd(&f, INPUT_VAL), 1u << 20);
    teardown(&f);
}

/* A function's edges are the pin's: rise_ip, fall_ip and the outputs
 * follow them; a machine reset keeps the inputs' levels and wiring. */
static void test_iof_levels_raise_pin_interrupts(void **state)
{
    Fixture f = {0};
    setup(&f);
    wr(&f, INPUT_EN, 1u << 19);
    wr(&f, IOF_EN, 1u << 19);
    wr(&f, IOF_SEL, 1u << 19);
    wr(&f, RISE_IE, 1u << 19);
    iof_drive(&f, IOF1 + 19, false);
    assert_int_equal(rd(&f, RISE_IP), 0);
    iof_drive(&f, IOF1 + 19, true);
    assert_int_equal(rd(&f, RISE_IP), 1u << 19);
    assert_int_equal(devfix_irq_mask(&f), 1u << 19);
    wr(&f, RISE_IP, 1u << 19);
    assert_int_equal(devfix_irq_mask(&f), 0);
    iof_drive(&f, IOF1 + 19, false);
    assert_int_equal(rd(&f, FALL_IP), 1u << 19);
    assert_int_equal(rd(&f, RISE_IP), 0);
    iof_drive(&f, IOF1 + 19, true);
    assert_int_equal(devfix_irq_mask(&f), 1u << 19);
    assert_int_equal(f.irq[19].rises, 2);
    f.cls->reset(f.dev.state);
    assert_int_equal(devfix_irq_mask(&f), 0);
    wr(&f, INPUT_EN, 1u << 19);
    assert_int_equal(rd(&f, INPUT_VAL), 0); /* iof_en is 0 after reset */
    wr(&f, IOF_EN, 1u << 19);
    wr(&f, IOF_SEL, 1u << 19);
    assert_int_equal(rd(&f, INPUT_VAL), 1u << 19); /* still driven high */
    teardown(&f);
}

static void test_irq_input_refuses_numbers_past_63(void **state)
{
    Fixture f = {0};
    setup(&f);
    assert_non_null(f.cls->irq_input);
    static const unsigned bad[] = {64, 65, 1000, UINT32_MAX};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        IrqLine line = {0};
        Error *err = NULL;
        char want[80];
        assert_false(f.cls->irq_input(f.dev.state, bad[i], &line, &err));
        snprintf(want, sizeof want, "'gpio0' has no interrupt input %u (0-63)",
                 bad[i]);
        assert_string_equal(error_message(err), want);
        assert_false(irq_connected(&line));
        error_free(err);
    }
    iof_line(&f, 0);
    iof_line(&f, 63);
    teardown(&f);
}

/* ---- the register table (regs.h) ---- */

static const uint32_t all_registers[] = {
    INPUT_VAL, INPUT_EN, OUTPUT_EN, OUTPUT_VAL, PUE, DS, RISE_IE, RISE_IP,
    FALL_IE, FALL_IP, HIGH_IE, HIGH_IP, LOW_IE, LOW_IP, IOF_EN, IOF_SEL,
    OUT_XOR, PASSTHRU_HIGH_IE, PASSTHRU_LOW_IE,
};
#define NREGS (sizeof all_registers / sizeof all_registers[0])

/* Every register is 0 after reset, as the debugger sees it; low_ip reads
 * all ones because the (low) pins set it again at once. Peeks change
 * nothing and report nothing. */
static void test_every_register_peeks_its_reset_value(void **state)
{
    Fixture f = {0};
    setup(&f);
    for (int round = 0; round < 2; round++) {
        for (size_t i = 0; i < NREGS; i++) {
            uint32_t expect = all_registers[i] == LOW_IP ? 0xffffffff : 0;
            if (devfix_peek(&f, all_registers[i], 4) != expect)
                fail_msg("+0x%x peeks 0x%x, expected 0x%x", all_registers[i],
                         devfix_peek(&f, all_registers[i], 4), expect);
        }
        for (size_t i = 0; i < NREGS; i++) /* dirty them for the next round */
            if (all_registers[i] != INPUT_VAL)
                wr(&f, all_registers[i], 0x5a5a5a5a);
        f.cls->reset(f.dev.state);
    }
    assert_string_equal(f.log, "");
    teardown(&f);
}

/* Every writable register keeps all 32 bits (a pin each): ones written
 * read back as ones, zeros as zeros. */
static void test_writable_registers_keep_every_bit(void **state)
{
    Fixture f = {0};
    setup(&f);
    for (size_t i = 0; i < NREGS; i++) {
        uint32_t off = all_registers[i];
        if (off == INPUT_VAL || off == RISE_IP || off == FALL_IP ||
            off == HIGH_IP || off == LOW_IP)
            continue;
        wr(&f, off, 0xffffffff);
        assert_int_equal(devfix_peek(&f, off, 4), 0xffffffff);
        wr(&f, off, 0);
        assert_int_equal(devfix_peek(&f, off, 4), 0);
    }
    teardown(&f);
}

/* input_val is read-only: a write neither stores nor fakes an edge, and
 * is reported once. */
static void test_input_val_ignores_writes(void **state)
{
    Fixture f = {0};
    setup(&f);
    wr(&f, INPUT_EN, 0x3);
    drive(&f, 0, true);
    wr(&f, RISE_IP, 0xffffffff);
    wr(&f, INPUT_VAL, 0x2); /* stored, it would look like a rise on 0, a fall on 1 */
    wr(&f, INPUT_VAL, 0x2);
    assert_int_equal(rd(&f, INPUT_VAL), 0x1);
    assert_int_equal(rd(&f, RISE_IP), 0);
    assert_int_equal(rd(&f, FALL_IP), 0);
    assert_int_equal(devfix_log_count(&f, "gpio0: write of 0x2 to read-only "
                                          "input_val ignored"), 1);
    teardown(&f);
}

/* Each *_ip register is write-1-to-clear, bit by bit: rise_ip and fall_ip
 * stay clear, high_ip and low_ip only while the level is gone. */
static void test_each_ip_register_is_write_1_to_clear(void **state)
{
    Fixture f = {0};
    setup(&f);
    wr(&f, INPUT_EN, 0x7);
    drive(&f, 0, true);
    drive(&f, 0, false);
    drive(&f, 1, true);
    drive(&f, 1, false);
    drive(&f, 2, true); /* pin 2 stays high: its low_ip bit is stale */
    assert_int_equal(rd(&f, RISE_IP), 0x7);
    assert_int_equal(rd(&f, FALL_IP), 0x3);
    assert_int_equal(rd(&f, HIGH_IP), 0x7);
    assert_int_equal(rd(&f, LOW_IP), 0xffffffff);
    wr(&f, RISE_IP, 0x5);
    assert_int_equal(rd(&f, RISE_IP), 0x2);
    wr(&f, FALL_IP, 0x1);
    assert_int_equal(rd(&f, FALL_IP), 0x2);
    wr(&f, HIGH_IP, 0x3); /* pins 0, 1 are low now: cleared */
    assert_int_equal(rd(&f, HIGH_IP), 0x4);
    wr(&f, HIGH_IP, 0x4); /* pin 2 is still high: set again */
    assert_int_equal(rd(&f, HIGH_IP), 0x4);
    wr(&f, LOW_IP, 0x5); /* pin 2 is high: cleared; pin 0 low: set again */
    assert_int_equal(rd(&f, LOW_IP), 0xfffffffb);
    wr(&f, FALL_IP, 0); /* zeros leave the bits alone */
    assert_int_equal(rd(&f, FALL_IP), 0x2);
    teardown(&f);
}

static void setup_ignoring_bad_access(Fixture *f)
{
    setup_prop(f, "bad-access", "ignore");
}

/* With `bad-access: ignore` a narrow or misaligned access reads 0 and
 * writes nothing, each reported once (per offset and direction). */
static void test_bad_access_ignore_reads_0_and_reports_once(void **state)
{
    Fixture f = {0};
    setup_ignoring_bad_access(&f);
    uint32_t v = 1;
    for (int i = 0; i < 2; i++) {
        assert_int_equal(devfix_try_read(&f, LOW_IP, 1, &v), MEM_OK);
        assert_int_equal(v, 0); /* low_ip is all ones */
        assert_int_equal(devfix_try_read(&f, LOW_IP + 2, 2, &v), MEM_OK);
        assert_int_equal(v, 0);
        assert_int_equal(devfix_try_write(&f, OUTPUT_VAL + 1, 4, 0xff), MEM_OK);
        assert_int_equal(devfix_try_write(&f, OUTPUT_VAL, 1, 0xff), MEM_OK);
    }
    assert_int_equal(rd(&f, OUTPUT_VAL), 0);
    assert_int_equal(devfix_log_count(&f, "gpio0: 1-byte read at +0x34 ignored: "
                                          "low_ip is a 4-byte register"), 1);
    assert_int_equal(devfix_log_count(&f, "gpio0: 2-byte read at +0x36 ignored: "
                                          "low_ip is a 4-byte register"), 1);
    assert_int_equal(devfix_log_count(&f, "gpio0: 4-byte write at +0xd ignored: "
                                          "output_val is a 4-byte register"), 1);
    assert_int_equal(devfix_log_count(&f, "gpio0: 1-byte write at +0xc ignored: "
                                          "output_val is a 4-byte register"), 1);
    assert_int_equal(devfix_log_count(&f, "ignored"), 4);
    teardown(&f);

    Fixture g = {0}; /* by default the same accesses fault, unreported */
    setup(&g);
    assert_int_equal(devfix_try_read(&g, LOW_IP, 1, &v), MEM_BUS_ERROR);
    assert_int_equal(devfix_try_write(&g, OUTPUT_VAL + 1, 4, 0xff), MEM_BUS_ERROR);
    assert_string_equal(g.log, "");
    teardown(&g);
}

static void test_offsets_past_the_map_are_reported_once(void **state)
{
    Fixture f = {0};
    setup(&f);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(rd(&f, 0x4c), 0);
        wr(&f, 0x800, 7);
    }
    assert_int_equal(rd(&f, 0x800), 0);
    assert_int_equal(devfix_log_count(&f, "gpio0: read at +0x4c: no register "
                                          "there"), 1);
    assert_int_equal(devfix_log_count(&f, "gpio0: write of 0x7 at +0x800 "
                                          "ignored: no register there"), 1);
    assert_int_equal(devfix_log_count(&f, "no register there"), 3);
    teardown(&f);
}

static void test_bad_access_property_is_checked_and_not_live(void **state)
{
    expect_create_error("bad-access", "maybe", true,
                        "dev.yaml:4:9: bad-access: 'maybe' is not fault or "
                        "ignore");
    Fixture f = {0};
    setup(&f);
    Error *err = NULL;
    assert_false(f.cls->set_property(f.dev.state, "bad-access", "ignore", &err));
    assert_string_equal(error_message(err),
                        "property 'bad-access' of sifive,gpio0 'gpio0' cannot "
                        "change while it runs (live: inject)");
    error_free(err);
    teardown(&f);
}

/* Traces name the register; a register of pins has no fields to show. */
static void test_trace_names_the_register(void **state)
{
    Fixture f = {0};
    setup(&f);
    char name[64], fields[128];
    for (size_t i = 0; i < NREGS; i++) {
        static const char *const names[] = {
            "input_val", "input_en", "output_en", "output_val", "pue", "ds",
            "rise_ie", "rise_ip", "fall_ie", "fall_ip", "high_ie", "high_ip",
            "low_ie", "low_ip", "iof_en", "iof_sel", "out_xor",
            "passthru_high_ie", "passthru_low_ie",
        };
        memory_region_describe_access(f.dev.region, all_registers[i],
                                      0x80000001, i % 2, name, sizeof name,
                                      fields, sizeof fields);
        assert_string_equal(name, names[i]);
        assert_string_equal(fields, "");
    }
    memory_region_describe_access(f.dev.region, 0x4c, 1, true, name, sizeof name,
                                  fields, sizeof fields);
    assert_string_equal(name, "");
    teardown(&f);
}

/* ---- on a board: GPIO pins -> PLIC sources 8..39 -> cpu.mei ---- */

typedef struct Cpu {
    bool mei;
    int sets;
} Cpu;

static void cpu_set(void *opaque, unsigned line, bool level)
{
    Cpu *c = opaque;
    c->mei = level;
    c->sets++;
}

static bool cpu_irq(void *opaque, const char *input, IrqLine *out)
{
    if (strcmp(input, "mei") != 0)
        return false;
    *out = (IrqLine){.handler = cpu_set, .opaque = opaque, .line = 0};
    return true;
}

static void stop(void *opaque) {}

static const char BOARD[] =
    "b:\n"
    "  peripherals:\n"
    "    - {name: plic, type: \"sifive,plic-1.0.0\", base: 0xc000000,\n"
    "       irq: cpu.mei}\n"
    "    - {name: gpio0, type: \"sifive,gpio0\", base: 0x10012000,\n"
    "       irq: plic.8-39, inject: \"5@1000=1 5@2000=0\"}\n";

#define PLIC 0xc000000u

static void test_board_gpio_edges_reach_the_cpu_through_the_plic(void **state)
{
    MemorySystem *ms = memory_system_new();
    Clock *clock = clock_new(10000000);
    Cpu cpu = {0};
    Error *err = NULL;
    BoardFile *file = board_file_parse("b.yaml", BOARD, strlen(BOARD), &err);
    if (!file)
        fail_msg("parse: %s", error_message(err));
    MachineHooks hooks = {.opaque = &cpu, .stop = stop, .cpu_irq = cpu_irq,
                          .clock = clock, .registry = registry_devices()};
    Machine *m = machine_new(ms, &file->boards[0], &hooks, &err);
    board_file_free(file);
    if (!m)
        fail_msg("machine: %s", error_message(err));
    assert_false(cpu.mei);
    uint32_t v;
    assert_int_equal(memory_write(ms, PLIC + 4 * 13, 4, 2), MEM_OK);
    assert_int_equal(memory_write(ms, PLIC + 0x2000, 4, 1u << 13), MEM_OK);
    assert_int_equal(memory_write(ms, BASE + INPUT_EN, 4, 1u << 5), MEM_OK);
    assert_int_equal(memory_write(ms, BASE + RISE_IE, 4, 1u << 5), MEM_OK);
    assert_int_equal(memory_write(ms, BASE + FALL_IE, 4, 1u << 5), MEM_OK);
    clock_advance(clock, 999);
    assert_false(cpu.mei);
    clock_advance(clock, 1000);
    assert_true(cpu.mei);
    assert_int_equal(memory_read(ms, PLIC + 0x200004, 4, &v), MEM_OK);
    assert_int_equal(v, 13); /* pin 5 is source 8 + 5 */
    assert_false(cpu.mei);
    assert_int_equal(memory_write(ms, BASE + RISE_IP, 4, 1u << 5), MEM_OK);
    assert_int_equal(memory_write(ms, PLIC + 0x200004, 4, 13), MEM_OK);
    assert_false(cpu.mei); /* the GPIO's line fell before the complete */
    clock_advance(clock, 2000);
    assert_true(cpu.mei); /* the falling edge */
    assert_int_equal(memory_read(ms, BASE + FALL_IP, 4, &v), MEM_OK);
    assert_int_equal(v, 1u << 5);
    machine_free(m);
    memory_system_free(ms);
    clock_free(clock);
}

/* A PWM's pins on the GPIO's I/O function 1 inputs, wired as on the
 * FE310-G002 (PWM1: pin 0 on GPIO 20, pin 1 on 19, pins 2-3 on 21-22):
 * input_val shows the PWM's output once iof_en and iof_sel give the pins
 * to it, and removing the PWM detaches them. */
static const char PWM_BOARD[] =
    "b:\n"
    "  peripherals:\n"
    "    - {name: gpio0, type: \"sifive,gpio0\", base: 0x10012000}\n"
    "    - {name: pwm1, type: \"sifive,pwm0\", base: 0x10025000,\n"
    "       irq: [probe.0-3, gpio0.52, gpio0.51, gpio0.53-54]}\n"
    "    - {name: probe, type: \"mcusim,irq-probe\", base: 0x4001000,\n"
    "       inputs: 4}\n";

#define PWM1 0x10025000u

static void test_board_pwm_pins_reach_input_val_through_iof1(void **state)
{
    MemorySystem *ms = memory_system_new();
    Clock *clock = clock_new(10000000);
    Error *err = NULL;
    BoardFile *file = board_file_parse("b.yaml", PWM_BOARD, strlen(PWM_BOARD),
                                       &err);
    if (!file)
        fail_msg("parse: %s", error_message(err));
    MachineHooks hooks = {.stop = stop, .clock = clock,
                          .registry = registry_devices()};
    Machine *m = machine_new(ms, &file->boards[0], &hooks, &err);
    board_file_free(file);
    if (!m)
        fail_msg("machine: %s", error_message(err));
    const uint32_t pins = 0xfu << 19;
    uint32_t v;
    assert_int_equal(memory_write(ms, BASE + INPUT_EN, 4, pins), MEM_OK);
    assert_int_equal(memory_write(ms, BASE + PUE, 4, pins), MEM_OK);
    assert_int_equal(memory_read(ms, BASE + INPUT_VAL, 4, &v), MEM_OK);
    assert_int_equal(v, pins); /* GPIO pins, pulled up */
    /* comparators 1 and 3 at 0: pins 1 and 3 go high a tick later */
    assert_int_equal(memory_write(ms, PWM1 + 0x24, 4, 0), MEM_OK);
    assert_int_equal(memory_write(ms, PWM1 + 0x2c, 4, 0), MEM_OK);
    clock_advance(clock, 10);
    assert_int_equal(memory_write(ms, BASE + IOF_EN, 4, pins), MEM_OK);
    assert_int_equal(memory_read(ms, BASE + INPUT_VAL, 4, &v), MEM_OK);
    assert_int_equal(v, pins); /* iof_sel 0: function 0, unwired: pulled up */
    assert_int_equal(memory_write(ms, BASE + PUE, 4, 0), MEM_OK);
    assert_int_equal(memory_write(ms, BASE + IOF_SEL, 4, pins), MEM_OK);
    assert_int_equal(memory_read(ms, BASE + INPUT_VAL, 4, &v), MEM_OK);
    assert_int_equal(v, 1u << 19 | 1u << 22); /* pwm pin 1 on 19, 3 on 22 */
    assert_true(machine_remove_peripheral(m, "pwm1", false, &err));
    assert_int_equal(memory_read(ms, BASE + INPUT_VAL, 4, &v), MEM_OK);
    assert_int_equal(v, 0); /* detached: floating, no pull-up */
    machine_free(m);
    memory_system_free(ms);
    clock_free(clock);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_class_has_32_outputs_and_set_input),
        cmocka_unit_test(test_registers_at_reset),
        cmocka_unit_test(test_plain_registers_read_back_what_was_written),
        cmocka_unit_test(test_input_val_is_read_only_and_beyond_0x48_reads_0),
        cmocka_unit_test(test_output_val_xor_out_xor_drives_the_pin),
        cmocka_unit_test(test_iof_en_takes_the_pin_from_the_gpio),
        cmocka_unit_test(test_floating_pins_read_the_pull_up),
        cmocka_unit_test(test_output_en_beats_the_outside_drive),
        cmocka_unit_test(test_edges_set_rise_and_fall_pending_whatever_the_enables),
        cmocka_unit_test(test_rise_and_fall_outputs_follow_ip_and_ie),
        cmocka_unit_test(test_high_and_low_pending_follow_the_level),
        cmocka_unit_test(test_output_pin_changes_raise_interrupts_too),
        cmocka_unit_test(test_set_input_refuses_pins_beyond_31),
        cmocka_unit_test(test_inject_applies_levels_at_exact_cycles),
        cmocka_unit_test(test_inject_equal_times_apply_in_written_order),
        cmocka_unit_test(test_inject_z_releases_the_pin_to_the_pull_up),
        cmocka_unit_test(test_inject_errors_name_the_entry),
        cmocka_unit_test(test_empty_inject_schedules_nothing),
        cmocka_unit_test(test_inject_is_live),
        cmocka_unit_test(test_inject_set_later_needs_a_clock),
        cmocka_unit_test(test_reset_clears_registers_but_keeps_outside_drive),
        cmocka_unit_test(test_only_aligned_32bit_accesses),
        cmocka_unit_test(test_iof_inputs_drive_pins_through_iof_en_and_iof_sel),
        cmocka_unit_test(test_unwired_iof_leaves_the_pin_to_the_outside),
        cmocka_unit_test(test_iof_detach_unwires_the_input),
        cmocka_unit_test(test_iof_levels_raise_pin_interrupts),
        cmocka_unit_test(test_irq_input_refuses_numbers_past_63),
        cmocka_unit_test(test_every_register_peeks_its_reset_value),
        cmocka_unit_test(test_writable_registers_keep_every_bit),
        cmocka_unit_test(test_input_val_ignores_writes),
        cmocka_unit_test(test_each_ip_register_is_write_1_to_clear),
        cmocka_unit_test(test_bad_access_ignore_reads_0_and_reports_once),
        cmocka_unit_test(test_offsets_past_the_map_are_reported_once),
        cmocka_unit_test(test_bad_access_property_is_checked_and_not_live),
        cmocka_unit_test(test_trace_names_the_register),
        cmocka_unit_test(test_board_gpio_edges_reach_the_cpu_through_the_plic),
        cmocka_unit_test(test_board_pwm_pins_reach_input_val_through_iof1),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
