/* The VCD writer (sim/vcd.c) alone, fed through its hooks with a clock
 * the test moves: the timescale each frequency gets (exact where a unit
 * divides the cycle, rounded fs where none does), changes in time order
 * whatever order they were published in (a UART frame's future bits wait
 * for virtual time), the last value at one time winning and a pulse of no
 * width leaving nothing, scopes nested by name in natural order,
 * --vcd-signals keeping what it matches and naming once what matched
 * nothing, and a time before one written held at that one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/vcd.h"
#include "soc/device.h"

typedef struct Fixture {
    char path[64];
    Clock *clock;
    Vcd *vcd;
    MachineHooks hooks;
} Fixture;

static void open_vcd(Fixture *f, uint64_t hz, const char *patterns)
{
    snprintf(f->path, sizeof f->path, "/tmp/test_vcd_XXXXXX");
    int fd = mkstemp(f->path);
    assert_true(fd >= 0);
    close(fd);
    f->clock = clock_new(hz);
    Error *err = NULL;
    f->vcd = vcd_open(f->path, patterns, NULL, 0, &err);
    assert_non_null(f->vcd);
    f->hooks = (MachineHooks){0};
    vcd_machine_hooks(f->vcd, f->clock, &f->hooks);
    assert_ptr_equal(f->hooks.signal_opaque, f->vcd);
}

static void publish(Fixture *f, const char *scope, const char *name, unsigned width,
                    uint64_t value, uint64_t when)
{
    f->hooks.signal(f->hooks.signal_opaque, scope, name, width, value, when);
}

/* Finishes the VCD and returns its text (malloc'd); *warned gets what it
 * said on its warning stream. */
static char *finish(Fixture *f, char *warned, size_t size)
{
    FILE *warn = fmemopen(warned, size, "w");
    Error *err = NULL;
    assert_true(vcd_finish(f->vcd, warn, &err));
    fclose(warn);
    vcd_free(f->vcd);
    clock_free(f->clock);
    FILE *in = fopen(f->path, "rb");
    assert_non_null(in);
    char *text = calloc(1, 1 << 16);
    fread(text, 1, (1 << 16) - 1, in);
    fclose(in);
    unlink(f->path);
    return text;
}

/* The text after $enddefinitions. */
static const char *body_of(const char *text)
{
    const char *end = strstr(text, "$enddefinitions $end\n");
    assert_non_null(end);
    return end + strlen("$enddefinitions $end\n");
}

static void expect_timescale(uint64_t hz, const char *timescale, const char *body)
{
    Fixture f;
    open_vcd(&f, hz, NULL);
    publish(&f, "gpio0", "pin0", 1, 0, 0);
    clock_set_now(f.clock, 2);
    publish(&f, "gpio0", "pin0", 1, 1, 1);
    publish(&f, "gpio0", "pin0", 1, 0, 2);
    char warned[256] = "";
    char *text = finish(&f, warned, sizeof warned);
    char want[64];
    snprintf(want, sizeof want, "$timescale %s $end", timescale);
    assert_non_null(strstr(text, want));
    assert_string_equal(body_of(text), body);
    free(text);
}

static void test_timescale_makes_a_cycle_whole_or_rounds_fs(void **state)
{
    (void)state;
    expect_timescale(16000000, "100 ps", "#0\n0!\n#625\n1!\n#1250\n0!\n");
    expect_timescale(10000000, "100 ns", "#0\n0!\n#1\n1!\n#2\n0!\n");
    expect_timescale(1, "1 s", "#0\n0!\n#1\n1!\n#2\n0!\n");
    expect_timescale(32768, "1 fs", "#0\n0!\n#30517578125\n1!\n#61035156250\n0!\n");
    /* 3 MHz: no unit divides 333.33 ns; fs, rounded to the nearest */
    expect_timescale(3000000, "1 fs", "#0\n0!\n#333333333\n1!\n#666666667\n0!\n");
}

/* Above 1 PHz a cycle is less than the smallest unit: cycles 1 and 2 of
 * 2 PHz both round to 1 fs. One time is written once (timestamps only
 * increase), its changes collapse as at one cycle (the pulse of cycles 1
 * and 2 leaves nothing), and the end is written once. */
static void test_cycles_shorter_than_a_fs_share_one_timestamp(void **state)
{
    (void)state;
    expect_timescale(2000000000000000ull, "1 fs", "#0\n0!\n#1\n");
    Fixture f;
    open_vcd(&f, 2000000000000000ull, NULL);
    publish(&f, "gpio0", "pin0", 1, 0, 0);
    publish(&f, "gpio0", "pin1", 1, 0, 0);
    clock_set_now(f.clock, 2);
    publish(&f, "gpio0", "pin0", 1, 1, 1);
    publish(&f, "gpio0", "pin1", 1, 1, 2);
    clock_set_now(f.clock, 3);
    publish(&f, "gpio0", "pin0", 1, 0, 3);
    clock_set_now(f.clock, 4);
    char warned[256] = "";
    char *text = finish(&f, warned, sizeof warned);
    assert_string_equal(body_of(text), "#0\n0!\n0\"\n#1\n1!\n1\"\n#2\n0!\n");
    free(text);
}

/* The last timestamp is the run's end, even when the changes at that
 * cycle left nothing (a pulse of no width). */
static void test_the_waveform_ends_at_the_end_after_a_pulse_of_no_width(void **state)
{
    (void)state;
    Fixture f;
    open_vcd(&f, 10000000, NULL);
    publish(&f, "gpio0", "pin0", 1, 0, 0);
    clock_set_now(f.clock, 5);
    publish(&f, "gpio0", "pin0", 1, 1, 5);
    publish(&f, "gpio0", "pin0", 1, 0, 5);
    char warned[256] = "";
    char *text = finish(&f, warned, sizeof warned);
    assert_string_equal(body_of(text), "#0\n0!\n#5\n");
    free(text);
}

static void test_future_changes_wait_for_virtual_time(void **state)
{
    (void)state;
    Fixture f;
    open_vcd(&f, 10000000, NULL);
    publish(&f, "uart0", "tx", 1, 1, 0);
    publish(&f, "uart0", "tx", 1, 0, 10);  /* a frame, published as it starts */
    publish(&f, "uart0", "tx", 1, 1, 30);
    publish(&f, "gpio0", "pin1", 1, 0, 0);
    clock_set_now(f.clock, 20);
    publish(&f, "gpio0", "pin1", 1, 1, 20); /* between the frame's edges */
    clock_set_now(f.clock, 25);
    char warned[256] = "";
    char *text = finish(&f, warned, sizeof warned);
    assert_string_equal(body_of(text), "#0\n1!\n0\"\n#10\n0!\n#20\n1\"\n#30\n1!\n");
    free(text);
}

static void test_last_value_at_a_time_wins(void **state)
{
    (void)state;
    Fixture f;
    open_vcd(&f, 10000000, NULL);
    publish(&f, "a", "x", 1, 0, 0);
    publish(&f, "a", "y", 8, DEVICE_SIGNAL_Z, 0);
    clock_set_now(f.clock, 5);
    publish(&f, "a", "x", 1, 1, 5); /* a pulse of no width: nothing */
    publish(&f, "a", "x", 1, 0, 5);
    publish(&f, "a", "y", 8, 'A', 5);
    publish(&f, "a", "y", 8, DEVICE_SIGNAL_Z, 5);
    publish(&f, "a", "y", 8, 'B', 5);
    clock_set_now(f.clock, 7);
    publish(&f, "a", "x", 1, 1, 6);
    publish(&f, "a", "x", 1, DEVICE_SIGNAL_X, 7);
    char warned[256] = "";
    char *text = finish(&f, warned, sizeof warned);
    assert_string_equal(body_of(text), "#0\n0!\nbz \"\n#5\nb1000010 \"\n#6\n1!\n#7\nx!\n");
    assert_non_null(strstr(text, "$var wire 8 \" y $end"));
    free(text);
}

static void test_scopes_nest_by_name_in_natural_order(void **state)
{
    (void)state;
    Fixture f;
    open_vcd(&f, 10000000, NULL);
    publish(&f, "irq", "uart0.irq", 1, 0, 0);
    publish(&f, "gpio0", "pin10", 1, 0, 0);
    publish(&f, "gpio0", "pin2", 1, 0, 0);
    publish(&f, "irq", "clint.mti", 1, 0, 0);
    publish(&f, "cpu", "priv", 2, 3, 0);
    char warned[256] = "";
    char *text = finish(&f, warned, sizeof warned);
    const char *header = strstr(text, "$scope module mcusim $end\n");
    assert_non_null(header);
    const char *want =
        "$scope module mcusim $end\n"
        "$scope module cpu $end\n$var wire 2 % priv $end\n$upscope $end\n"
        "$scope module gpio0 $end\n$var wire 1 # pin2 $end\n"
        "$var wire 1 \" pin10 $end\n$upscope $end\n"
        "$scope module irq $end\n"
        "$scope module clint $end\n$var wire 1 $ mti $end\n$upscope $end\n"
        "$scope module uart0 $end\n$var wire 1 ! irq $end\n$upscope $end\n"
        "$upscope $end\n"
        "$upscope $end\n$enddefinitions $end\n";
    size_t len = strlen(want);
    char *got = strndup(header, len);
    assert_string_equal(got, want);
    free(got);
    free(text);
}

static void test_patterns_keep_what_they_match_and_name_the_rest(void **state)
{
    (void)state;
    Fixture f;
    open_vcd(&f, 10000000, "gpio0.pin[0-3],cpu.*,nothing.*");
    publish(&f, "gpio0", "pin3", 1, 1, 0);
    publish(&f, "gpio0", "pin4", 1, 1, 0);
    publish(&f, "cpu", "sleep", 1, 0, 0);
    assert_true(f.hooks.signal_wanted(f.hooks.signal_opaque, "gpio0", "pin0"));
    assert_false(f.hooks.signal_wanted(f.hooks.signal_opaque, "pwm0", "pin0"));
    char warned[256] = "";
    char *text = finish(&f, warned, sizeof warned);
    assert_string_equal(warned, "mcusim: --vcd-signals: 'nothing.*' matched no signal\n");
    assert_non_null(strstr(text, " pin3 $end"));
    assert_non_null(strstr(text, " sleep $end"));
    assert_null(strstr(text, " pin4 $end"));
    assert_null(strstr(text, " pin0 $end")); /* asked about, never published */
    free(text);
}

static void test_a_time_before_one_written_is_held_there(void **state)
{
    (void)state;
    Fixture f;
    open_vcd(&f, 10000000, NULL);
    clock_set_now(f.clock, 10);
    publish(&f, "a", "x", 1, 0, 10);
    publish(&f, "a", "y", 1, 1, 4);
    char warned[256] = "";
    char *text = finish(&f, warned, sizeof warned);
    assert_string_equal(body_of(text), "#10\n0!\n1\"\n");
    free(text);
}

static void test_bad_patterns_and_paths_are_refused(void **state)
{
    (void)state;
    Error *err = NULL;
    assert_null(vcd_open("/tmp/test_vcd_never.vcd", "cpu.*,", NULL, 0, &err));
    assert_string_equal(error_message(err), "--vcd-signals: empty pattern in 'cpu.*,'");
    error_free(err);
    err = NULL;
    assert_null(vcd_open("/nonexistent-folder/x.vcd", NULL, NULL, 0, &err));
    assert_non_null(strstr(error_message(err), "--vcd: "));
    error_free(err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_timescale_makes_a_cycle_whole_or_rounds_fs),
        cmocka_unit_test(test_cycles_shorter_than_a_fs_share_one_timestamp),
        cmocka_unit_test(test_the_waveform_ends_at_the_end_after_a_pulse_of_no_width),
        cmocka_unit_test(test_future_changes_wait_for_virtual_time),
        cmocka_unit_test(test_last_value_at_a_time_wins),
        cmocka_unit_test(test_scopes_nest_by_name_in_natural_order),
        cmocka_unit_test(test_patterns_keep_what_they_match_and_name_the_rest),
        cmocka_unit_test(test_a_time_before_one_written_is_held_there),
        cmocka_unit_test(test_bad_patterns_and_paths_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
