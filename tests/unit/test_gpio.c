/* The SiFive GPIO model (peripherals/sifive_gpio.c), built through its
 * registry class with a hand-made host and 32 fake interrupt sinks: every
 * register at reset and after writes, write-1-to-clear, pin levels
 * (output_val ^ out_xor under output_en, iof_en, external drive, pull-up),
 * rise/fall/high/low pending bits and outputs, injection through the
 * class's set_input and through the `inject` property at exact cycles,
 * reset, 32-bit accesses only, `inject` replaced while running; and a
 * board wiring GPIO -> PLIC -> CPU. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "peripherals/registry.h"
#include "soc/machine.h"

#define BASE 0x10012000u
enum {
    INPUT_VAL = 0x00, INPUT_EN = 0x04, OUTPUT_EN = 0x08, OUTPUT_VAL = 0x0c,
    PUE = 0x10, DS = 0x14, RISE_IE = 0x18, RISE_IP = 0x1c, FALL_IE = 0x20,
    FALL_IP = 0x24, HIGH_IE = 0x28, HIGH_IP = 0x2c, LOW_IE = 0x30,
    LOW_IP = 0x34, IOF_EN = 0x38, IOF_SEL = 0x3c, OUT_XOR = 0x40,
    PASSTHRU_HIGH_IE = 0x44, PASSTHRU_LOW_IE = 0x48,
};

/* The 32 outputs: levels, calls and when each last changed. */
typedef struct Sink {
    Clock *clock;
    uint32_t level;
    int sets[32];
    int changes[32];
    uint64_t changed_at[32];
} Sink;

typedef struct Fixture {
    MemorySystem *ms;
    Clock *clock;
    const PeripheralClass *cls;
    BoardPeripheral desc;
    BoardProp prop;
    DeviceHost host;
    Device dev;
    Owner *bus_owner;
    Sink sink;
} Fixture;

static void sink_set(void *opaque, unsigned line, bool level)
{
    Sink *s = opaque;
    assert_true(line < 32);
    s->sets[line]++;
    if ((s->level >> line & 1) != level) {
        s->changes[line]++;
        s->changed_at[line] = clock_now(s->clock);
    }
    s->level = level ? s->level | 1u << line : s->level & ~(1u << line);
}

static Chardev *no_chardev(void *opaque, const char *spec, Error **errp)
{
    fail_msg("the GPIO opened a chardev");
    return NULL;
}

/* Creates a GPIO with at most one property; a 10 MHz clock is offered
 * when `with_clock`. */
static bool try_create(Fixture *f, const char *key, const char *value,
                       bool with_clock, Error **errp)
{
    f->ms = memory_system_new();
    f->clock = clock_new(10000000);
    f->cls = registry_find("sifive,gpio0");
    assert_non_null(f->cls);
    f->prop = (BoardProp){.key = (char *)key, .value = (char *)value,
                          .loc = {"g.yaml", 6, 15}};
    f->desc = (BoardPeripheral){
        .name = "gpio0", .type = "sifive,gpio0", .base = BASE,
        .props = &f->prop, .nprops = key ? 1 : 0, .loc = {"g.yaml", 2, 7},
    };
    f->host = (DeviceHost){.opaque = f, .open_chardev = no_chardev,
                           .clock = with_clock ? f->clock : NULL};
    f->sink.clock = f->clock;
    DeviceConfig config = {.ms = f->ms, .desc = &f->desc,
                           .size = f->cls->default_size, .host = &f->host};
    return f->cls->create(&config, &f->dev, errp);
}

static void setup_prop(Fixture *f, const char *key, const char *value)
{
    Error *err = NULL;
    if (!try_create(f, key, value, true, &err))
        fail_msg("create: %s", error_message(err));
    f->bus_owner = owner_new(f->ms, "bus", NULL, NULL);
    MemoryRegion *bus = memory_region_new_container(f->bus_owner, "bus",
                                                    UINT64_C(1) << 32);
    assert_true(memory_add_subregion(bus, BASE, f->dev.region, NULL));
    memory_set_root(f->ms, bus);
    IrqLine lines[32];
    for (unsigned i = 0; i < 32; i++)
        lines[i] = (IrqLine){.handler = sink_set, .opaque = &f->sink, .line = i};
    f->cls->connect_irqs(f->dev.state, lines, 32);
}

static void setup(Fixture *f)
{
    setup_prop(f, NULL, NULL);
}

static void teardown(Fixture *f)
{
    f->cls->connect_irqs(f->dev.state, NULL, 0);
    memory_set_root(f->ms, NULL);
    owner_unref(f->bus_owner);
    owner_unref(f->dev.owner);
    assert_int_equal(memory_stats(f->ms).owners, 0);
    memory_system_free(f->ms);
    clock_free(f->clock); /* aborts if the injection event survived */
}

static uint32_t rd(Fixture *f, uint32_t off)
{
    uint32_t v = 0xdeadbeef;
    assert_int_equal(memory_read(f->ms, BASE + off, 4, &v), MEM_OK);
    return v;
}

static void wr(Fixture *f, uint32_t off, uint32_t value)
{
    assert_int_equal(memory_write(f->ms, BASE + off, 4, value), MEM_OK);
}

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
    assert_null(cls->irq_input);
    assert_int_equal(cls->default_size, 0x1000);
    assert_int_equal(cls->min_size, 0x4c);
}

static void test_registers_at_reset(void **state)
{
    Fixture f = {0};
    setup(&f);
    for (uint32_t off = 0; off < 0x1000; off += 4)
        assert_int_equal(rd(&f, off), off == LOW_IP ? 0xffffffff : 0);
    for (unsigned i = 0; i < 32; i++) {
        assert_int_equal(f.sink.sets[i], 1); /* connect drove every line */
        assert_int_equal(f.sink.changes[i], 0);
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
    assert_int_equal(f.sink.level, 0); /* no *_ie set */
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
    assert_int_equal(f.sink.level, 1u << 3);
    drive(&f, 4, false);
    assert_int_equal(f.sink.level, 1u << 3 | 1u << 4);
    wr(&f, RISE_IP, 0xffffffff);
    assert_int_equal(f.sink.level, 1u << 4);
    wr(&f, FALL_IE, 0);
    assert_int_equal(f.sink.level, 0);
    assert_int_equal(rd(&f, FALL_IP), 1u << 4); /* still pending */
    wr(&f, FALL_IE, 1u << 4);
    assert_int_equal(f.sink.level, 1u << 4);
    wr(&f, FALL_IP, 1u << 4);
    assert_int_equal(f.sink.level, 0);
    assert_int_equal(f.sink.changes[3], 2);
    assert_int_equal(f.sink.changes[4], 4);
    assert_int_equal(f.sink.sets[3], 3); /* driven on changes only */
    teardown(&f);
}

static void test_high_and_low_pending_follow_the_level(void **state)
{
    Fixture f = {0};
    setup(&f);
    wr(&f, INPUT_EN, 0x3);
    wr(&f, HIGH_IE, 0x1);
    wr(&f, LOW_IE, 0x2);
    assert_int_equal(f.sink.level, 0x2); /* pin 1 is low: low_ip set */
    drive(&f, 0, true);
    assert_int_equal(f.sink.level, 0x3);
    wr(&f, HIGH_IP, 0x1); /* the level lasts: set again at once */
    assert_int_equal(rd(&f, HIGH_IP), 0x1);
    assert_int_equal(f.sink.level, 0x3);
    drive(&f, 0, false);
    assert_int_equal(rd(&f, HIGH_IP), 0x1); /* latched */
    wr(&f, HIGH_IP, 0x1);
    assert_int_equal(rd(&f, HIGH_IP), 0);
    assert_int_equal(f.sink.level, 0x2);
    drive(&f, 1, true);
    assert_int_equal(f.sink.level, 0x2); /* low_ip latched */
    wr(&f, LOW_IP, 0x2);
    assert_int_equal(rd(&f, LOW_IP) & 0x3, 0x1);
    assert_int_equal(f.sink.level, 0);
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
    assert_int_equal(f.sink.level, 1u << 31);
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
    assert_int_equal(f.sink.changed_at[6], 1);
    clock_advance(f.clock, 99);
    assert_int_equal(rd(&f, INPUT_VAL), 1u << 6);
    clock_advance(f.clock, 100);
    assert_int_equal(rd(&f, INPUT_VAL), 1u << 6 | 1u << 3);
    assert_int_equal(f.sink.changed_at[3], 100);
    wr(&f, RISE_IP, 0xff);
    assert_int_equal(f.sink.level, 0);
    clock_advance(f.clock, 249);
    assert_int_equal(rd(&f, FALL_IP), 0);
    clock_advance(f.clock, 250);
    assert_int_equal(rd(&f, FALL_IP), 1u << 3);
    assert_int_equal(f.sink.level, 1u << 3);
    assert_int_equal(f.sink.changed_at[3], 250);
    assert_int_equal(clock_next_deadline(f.clock), 100000); /* 10 ms */
    clock_advance(f.clock, 99999);
    assert_int_equal(rd(&f, INPUT_VAL), 1u << 6);
    clock_advance(f.clock, 100000);
    assert_int_equal(rd(&f, INPUT_VAL), 1u << 6 | 1u << 5);
    assert_int_equal(f.sink.changed_at[5], 100000);
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
    assert_false(try_create(&f, key, value, with_clock, &err));
    assert_string_equal(error_message(err), message);
    error_free(err);
    assert_int_equal(memory_stats(f.ms).owners, 0);
    memory_system_free(f.ms);
    clock_free(f.clock);
}

static void test_inject_errors_name_the_entry(void **state)
{
    expect_create_error("inject", "3@100=1 32@5=1", true,
                        "g.yaml:6:15: 'inject' entry '32@5=1': no such pin (0-31)");
    expect_create_error("inject", "3@100qs=1", true,
                        "g.yaml:6:15: 'inject' entry '3@100qs=1': unknown time "
                        "unit (expected ns, us, ms, s or none for cycles)");
    expect_create_error("inject", "3=1", true,
                        "g.yaml:6:15: 'inject' entry '3=1': expected "
                        "PIN@TIME=LEVEL");
    expect_create_error("inject", "3@=1", true,
                        "g.yaml:6:15: 'inject' entry '3@=1': expected a time "
                        "after '@'");
    expect_create_error("inject", "3@10", true,
                        "g.yaml:6:15: 'inject' entry '3@10': expected '=' and "
                        "a level after the time");
    expect_create_error("inject", "3@10=high", true,
                        "g.yaml:6:15: 'inject' entry '3@10=high': expected "
                        "level 0, 1 or z");
    expect_create_error("inject", "3@99999999999999999999=1", true,
                        "g.yaml:6:15: 'inject' entry '3@99999999999999999999=1': "
                        "time too large");
    expect_create_error("inject", "3@18446744073709551615=1", true,
                        "g.yaml:6:15: 'inject' entry '3@18446744073709551615=1': "
                        "time too large");
    expect_create_error("inject", "99999999999999999999@1=1", true,
                        "g.yaml:6:15: 'inject' entry '99999999999999999999@1=1': "
                        "no such pin (0-31)");
    expect_create_error("inject", "3@18446744073709551615s=1", true,
                        "g.yaml:6:15: 'inject' entry '3@18446744073709551615s=1': "
                        "time too large");
    expect_create_error("inject", "1@1=1", false,
                        "g.yaml:6:15: 'inject' needs virtual time and the "
                        "machine has no clock");
    expect_create_error("ngpio", "16", true,
                        "g.yaml:6:15: unknown property 'ngpio' for "
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
    assert_true(try_create(&g, NULL, NULL, false, NULL));
    assert_false(g.cls->set_property(g.dev.state, "inject", "2@10=1", &err));
    assert_string_equal(error_message(err),
                        "'inject' needs virtual time and the machine has no "
                        "clock");
    error_free(err);
    owner_unref(g.dev.owner);
    assert_int_equal(memory_stats(g.ms).owners, 0);
    memory_system_free(g.ms);
    clock_free(g.clock);
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
    assert_int_equal(f.sink.level, 0xf2);
    f.cls->reset(f.dev.state);
    assert_int_equal(f.sink.level, 0);
    assert_int_equal(f.sink.sets[0], 2); /* reset drove every line */
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
        cmocka_unit_test(test_board_gpio_edges_reach_the_cpu_through_the_plic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
