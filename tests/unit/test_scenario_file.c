/* Scenario files (sim/scenario_file.c): a file using every key parses into
 * exactly the documented data, defaults applied; every malformed input is
 * refused with one exact "FILE:LINE:COL: message" and nothing left
 * allocated (LeakSanitizer checks); every prefix and many one-byte
 * mutations of a valid file either parse or fail that way, never crash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "sim/scenario_file.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static ScenarioFile *parse(const char *text, Error **errp)
{
    return scenario_file_parse("t.yaml", text, strlen(text), errp);
}

static ScenarioFile *parse_ok(const char *text)
{
    Error *err = NULL;
    ScenarioFile *f = parse(text, &err);
    if (!f)
        fail_msg("unexpected error: %s", error_message(err));
    assert_null(err);
    return f;
}

static void assert_parse_error(const char *text, const char *expected)
{
    Error *err = NULL;
    ScenarioFile *f = parse(text, &err);
    if (f)
        fail_msg("parsed, expected: %s\n%s", expected, text);
    assert_non_null(err);
    if (strcmp(error_message(err), expected) != 0)
        fail_msg("for:\n%s\nexpected: %s\n     got: %s", text, expected,
                 error_message(err));
    error_free(err);
}

static void assert_loc(SourceLoc loc, const ScenarioFile *f, unsigned line,
                       unsigned col)
{
    assert_ptr_equal(loc.file, f->path);
    assert_int_equal(loc.line, line);
    assert_int_equal(loc.col, col);
}

/* ---- a file with every key ---- */

static const char full[] =
    "# every key\n"                                              /* 1 */
    "description: swap the uart while the firmware prints\n"     /* 2 */
    "steps:\n"                                                   /* 3 */
    "  - name: swap the uart\n"                                  /* 4 */
    "    at: 12ms\n"                                             /* 5 */
    "    do:\n"                                                  /* 6 */
    "      - peripheral set uart0 chardev null\n"                /* 7 */
    "      - peripheral replace uart0 sifive,uart0\n"            /* 8 */
    "    expect-uart: {uart0: \"swapped ok\\n\", uart_1: tick}\n" /* 9 */
    "    within: 1.5ms\n"                                        /* 10 */
    "  - insns: 0x10_000\n"                                      /* 11 */
    "    do: info peripherals\n"                                 /* 12 */
    "  - on-uart: {uart0: \"READY\\x01\"}\n"                     /* 13 */
    "    expect-exit: 0\n"                                       /* 14 */
    "  - name: at main\n"                                        /* 15 */
    "    pc: main\n"                                             /* 16 */
    "    do: [stop]\n"                                           /* 17 */
    "  - {pc: 0x8000_0100, expect-exit: 255}\n"                  /* 18 */
    "  - at: 5_000cycles\n"                                      /* 19 */
    "    do: uart uart0 send \"hi\\r\"\n";                       /* 20 */

static void test_full_file_parses_every_field(void **state)
{
    (void)state;
    ScenarioFile *f = parse_ok(full);
    assert_string_equal(f->path, "t.yaml");
    assert_int_equal(f->nsteps, 6);

    const ScenarioStep *s = &f->steps[0];
    assert_string_equal(s->name, "swap the uart");
    assert_loc(s->loc, f, 4, 5);
    assert_int_equal(s->trigger, SCENARIO_AT_TIME);
    assert_int_equal(s->value, 12000000);
    assert_false(s->time_in_cycles);
    assert_loc(s->trigger_loc, f, 5, 9);
    assert_int_equal(s->ncommands, 2);
    assert_string_equal(s->commands[0], "peripheral set uart0 chardev null");
    assert_loc(s->command_locs[0], f, 7, 9);
    assert_string_equal(s->commands[1], "peripheral replace uart0 sifive,uart0");
    assert_loc(s->command_locs[1], f, 8, 9);
    assert_int_equal(s->nexpect_uart, 2);
    assert_string_equal(s->expect_uart[0].device, "uart0");
    assert_string_equal(s->expect_uart[0].text, "swapped ok\n");
    assert_loc(s->expect_uart[0].loc, f, 9, 19);
    assert_string_equal(s->expect_uart[1].device, "uart_1");
    assert_string_equal(s->expect_uart[1].text, "tick");
    assert_loc(s->expect_uart[1].loc, f, 9, 42);
    assert_int_equal(s->within_ns, 1500000);
    assert_false(s->has_expect_exit);
    assert_null(s->uart_device);
    assert_null(s->symbol);

    s = &f->steps[1];
    assert_string_equal(s->name, "step 2");
    assert_loc(s->loc, f, 11, 5);
    assert_int_equal(s->trigger, SCENARIO_AT_INSNS);
    assert_int_equal(s->value, 0x10000);
    assert_loc(s->trigger_loc, f, 11, 12);
    assert_int_equal(s->ncommands, 1);
    assert_string_equal(s->commands[0], "info peripherals");
    assert_loc(s->command_locs[0], f, 12, 9);
    assert_int_equal(s->nexpect_uart, 0);
    assert_null(s->expect_uart);
    assert_int_equal(s->within_ns, 1000000000);

    s = &f->steps[2];
    assert_string_equal(s->name, "step 3");
    assert_int_equal(s->trigger, SCENARIO_ON_UART);
    assert_string_equal(s->uart_device, "uart0");
    assert_string_equal(s->uart_text, "READY\x01");
    assert_loc(s->trigger_loc, f, 13, 15);
    assert_int_equal(s->ncommands, 0);
    assert_null(s->commands);
    assert_true(s->has_expect_exit);
    assert_int_equal(s->expect_exit, 0);
    assert_loc(s->expect_exit_loc, f, 14, 18);

    s = &f->steps[3];
    assert_string_equal(s->name, "at main");
    assert_int_equal(s->trigger, SCENARIO_AT_PC);
    assert_string_equal(s->symbol, "main");
    assert_loc(s->trigger_loc, f, 16, 9);
    assert_int_equal(s->ncommands, 1);
    assert_string_equal(s->commands[0], "stop");
    assert_loc(s->command_locs[0], f, 17, 10);

    s = &f->steps[4];
    assert_string_equal(s->name, "step 5");
    assert_loc(s->loc, f, 18, 5);
    assert_int_equal(s->trigger, SCENARIO_AT_PC);
    assert_null(s->symbol);
    assert_int_equal(s->value, 0x80000100);
    assert_loc(s->trigger_loc, f, 18, 10);
    assert_true(s->has_expect_exit);
    assert_int_equal(s->expect_exit, 255);
    assert_loc(s->expect_exit_loc, f, 18, 36);

    s = &f->steps[5];
    assert_int_equal(s->trigger, SCENARIO_AT_TIME);
    assert_true(s->time_in_cycles);
    assert_int_equal(s->value, 5000);
    /* A plain scalar keeps its quotes and backslashes: the monitor reads
     * the command's own quoting. */
    assert_string_equal(s->commands[0], "uart uart0 send \"hi\\r\"");
    scenario_file_free(f);
}

/* The example shipped for the documentation stays valid. */
static void test_shipped_example_loads(void **state)
{
    (void)state;
    Error *err = NULL;
    ScenarioFile *f = scenario_file_load("tests/scenario/example.yaml", &err);
    if (!f)
        fail_msg("%s", error_message(err));
    assert_string_equal(f->path, "tests/scenario/example.yaml");
    assert_int_equal(f->nsteps, 5);
    assert_int_equal(f->steps[0].trigger, SCENARIO_ON_UART);
    assert_string_equal(f->steps[0].uart_text, "READY\n");
    assert_int_equal(f->steps[1].within_ns, 1500000);
    assert_int_equal(f->steps[1].ncommands, 2);
    assert_int_equal(f->steps[2].value, 2000000);
    assert_string_equal(f->steps[3].symbol, "print_report");
    assert_true(f->steps[4].time_in_cycles);
    assert_int_equal(f->steps[4].value, 5000000);
    assert_loc(f->steps[4].expect_exit_loc, f, 21, 18);
    scenario_file_free(f);
}

static void test_load_names_the_file_it_cannot_read(void **state)
{
    (void)state;
    Error *err = NULL;
    assert_null(scenario_file_load("/nonexistent/s.yaml", &err));
    assert_string_equal(error_message(err), "/nonexistent/s.yaml: cannot "
                        "open: No such file or directory");
    error_free(err);
    char dir[] = "/tmp/test_scenario_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof path, "%s/s.yaml", dir);
    FILE *out = fopen(path, "w");
    fputs("steps:\n  - at: 1ms\n    do: stop\n  - at: 2\n", out);
    fclose(out);
    err = NULL;
    assert_null(scenario_file_load(path, &err));
    char expected[256];
    snprintf(expected, sizeof expected, "%s:4:9: invalid time '2' for 'at' "
             "(expected a number and a unit: ns, us, ms, s or cycles, like "
             "12ms or 1.5us)", path);
    assert_string_equal(error_message(err), expected);
    error_free(err);
    err = NULL;
    assert_null(scenario_file_load(dir, &err));
    snprintf(expected, sizeof expected, "%s: not a regular file (a "
             "directory)", dir);
    assert_string_equal(error_message(err), expected);
    error_free(err);
    unlink(path);
    rmdir(dir);
}

/* ---- times ---- */

typedef struct TimeCase {
    const char *text;
    uint64_t value;
    bool cycles;
} TimeCase;

static uint64_t parse_at(const char *at, bool *cycles)
{
    char text[160];
    snprintf(text, sizeof text, "steps:\n  - at: %s\n    do: stop\n", at);
    ScenarioFile *f = parse_ok(text);
    uint64_t v = f->steps[0].value;
    *cycles = f->steps[0].time_in_cycles;
    scenario_file_free(f);
    return v;
}

static void test_times_are_exact_in_their_unit(void **state)
{
    (void)state;
    static const TimeCase cases[] = {
        { "0ns", 0, false },
        { "7ns", 7, false },
        { "3us", 3000, false },
        { "12ms", 12000000, false },
        { "2s", 2000000000, false },
        { "1.5ms", 1500000, false },
        { "1.000000001s", 1000000001, false },
        { "0.5us", 500, false },
        { "2.50000us", 2500, false },
        { "1_000us", 1000000, false },
        { "5000cycles", 5000, true },
        { "0cycles", 0, true },
        { "3.000cycles", 3, true },
        { "18446744073709551615ns", UINT64_MAX, false },
        { "18446744073.709551615s", UINT64_MAX, false },
        { "18446744073709551615cycles", UINT64_MAX, true },
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        bool cycles;
        uint64_t v = parse_at(cases[i].text, &cycles);
        if (v != cases[i].value || cycles != cases[i].cycles)
            fail_msg("%s: got %llu%s", cases[i].text, (unsigned long long)v,
                     cycles ? " cycles" : " ns");
    }
}

static void test_malformed_times_are_refused(void **state)
{
    (void)state;
    static const char *const malformed[] = {
        "12", "ms", "s", "cycles", "12 ms", "12MS", "1.ms", ".5ms", "1..5ms",
        "1.5.0ms", "-1ms", "+1ms", "0x10ms", "1e3ns", "1__0ms", "_1ms",
        "1_ms", "1._5ms", "1Kms", "12mss", "1h",
    };
    char text[200], expected[300];
    for (size_t i = 0; i < ARRAY_LEN(malformed); i++) {
        snprintf(text, sizeof text, "steps:\n  - at: \"%s\"\n    do: stop\n",
                 malformed[i]);
        snprintf(expected, sizeof expected, "t.yaml:2:9: invalid time '%s' "
                 "for 'at' (expected a number and a unit: ns, us, ms, s or "
                 "cycles, like 12ms or 1.5us)", malformed[i]);
        assert_parse_error(text, expected);
    }
    assert_parse_error("steps:\n  - at: 1.0000001ms\n    do: stop\n",
                       "t.yaml:2:9: 'at' 1.0000001ms is not a whole number "
                       "of nanoseconds");
    assert_parse_error("steps:\n  - at: 2.5ns\n    do: stop\n",
                       "t.yaml:2:9: 'at' 2.5ns is not a whole number of "
                       "nanoseconds");
    assert_parse_error("steps:\n  - at: 1.5cycles\n    do: stop\n",
                       "t.yaml:2:9: 'at' 1.5cycles is not a whole number "
                       "of cycles");
    assert_parse_error("steps:\n  - at: 18446744073709551616ns\n    do: x\n",
                       "t.yaml:2:9: 'at' 18446744073709551616ns is too "
                       "large (at most 18446744073709551615 ns)");
    assert_parse_error("steps:\n  - at: 18446744073.709551616s\n    do: x\n",
                       "t.yaml:2:9: 'at' 18446744073.709551616s is too "
                       "large (at most 18446744073709551615 ns)");
    assert_parse_error("steps:\n  - at: 99999999999999999999cycles\n"
                       "    do: x\n",
                       "t.yaml:2:9: 'at' 99999999999999999999cycles is too "
                       "large (at most 18446744073709551615 cycles)");
}

/* ---- refusals, each at its line and column ---- */

typedef struct BadCase {
    const char *text;
    const char *error;
} BadCase;

static const BadCase bad_files[] = {
    /* the document */
    { "", "t.yaml:1:1: empty document" },
    { "# nothing\n", "t.yaml:1:1: empty document" },
    { "---\n", "t.yaml:2:1: empty document" },
    { "steps: [\n", "t.yaml:2:1: did not find expected node content "
      "(while parsing a flow node at 2:1)" },
    { "- at: 1ms\n", "t.yaml:1:1: expected a mapping for the top level "
      "(steps: a list), found a list" },
    { "steps\n", "t.yaml:1:1: expected a mapping for the top level "
      "(steps: a list), found a scalar" },
    { "steps: &s []\n", "t.yaml:1:8: YAML anchors and aliases are not "
      "supported" },
    { "steps: []\n---\nsteps: []\n", "t.yaml:2:1: only one YAML document "
      "is allowed" },
    /* the top level */
    { "description: x\n", "t.yaml:1:1: missing required key 'steps' at the "
      "top level" },
    { "step:\n  - at: 1ms\n", "t.yaml:1:1: unknown key 'step' at the top "
      "level (expected steps or description)" },
    { "steps:\n", "t.yaml:1:7: expected a list for 'steps', found "
      "nothing" },
    { "steps: {at: 1ms}\n", "t.yaml:1:8: expected a list for 'steps', "
      "found a mapping" },
    { "steps: []\n", "t.yaml:1:8: no steps defined" },
    { "description: [a]\nsteps: []\n", "t.yaml:1:14: expected a scalar for "
      "'description', found a list" },
    { "steps:\n  - {at: 1ms, do: x}\nsteps:\n  - {at: 1ms, do: x}\n",
      "t.yaml:3:1: duplicate key 'steps' (first at 1:1)" },
    /* a step's shape */
    { "steps:\n  - at 1ms\n", "t.yaml:2:5: expected a mapping for step 1, "
      "found a scalar" },
    { "steps:\n  - {at: 1ms, do: x}\n  -\n", "t.yaml:3:4: expected a "
      "mapping for step 2, found nothing" },
    { "steps:\n  - at: 1ms\n    do: x\n    at: 2ms\n", "t.yaml:4:5: "
      "duplicate key 'at' (first at 2:5)" },
    { "steps:\n  - at: 1ms\n    then: x\n", "t.yaml:3:5: unknown key "
      "'then' in a step (expected name, at, insns, on-uart, pc, do, "
      "expect-uart, within or expect-exit)" },
    { "steps:\n  - do: x\n", "t.yaml:2:5: missing trigger in a step "
      "(expected at, insns, on-uart or pc)" },
    { "steps:\n  - {}\n", "t.yaml:2:5: missing trigger in a step "
      "(expected at, insns, on-uart or pc)" },
    { "steps:\n  - at: 1ms\n    pc: main\n    do: x\n", "t.yaml:3:5: a "
      "second trigger 'pc' (the step has 'at' at 2:5; a step has one)" },
    { "steps:\n  - insns: 5\n    on-uart: {u: x}\n    do: x\n",
      "t.yaml:3:5: a second trigger 'on-uart' (the step has 'insns' at "
      "2:5; a step has one)" },
    { "steps:\n  - at: 1ms\n", "t.yaml:2:5: a step without 'do', "
      "'expect-uart' or 'expect-exit' does nothing" },
    { "steps:\n  - at: 1ms\n    within: 5ms\n    do: x\n", "t.yaml:3:5: "
      "'within' without 'expect-uart' (it limits the wait for the "
      "expected output)" },
    /* name */
    { "steps:\n  - name:\n    at: 1ms\n    do: x\n", "t.yaml:2:10: expected "
      "a scalar for 'name', found nothing" },
    { "steps:\n  - name: ' '\n    at: 1ms\n    do: x\n", "t.yaml:2:11: "
      "'name' must not be empty" },
    { "steps:\n  - name: \"a\\nb\"\n    at: 1ms\n    do: x\n", "t.yaml:2:11: "
      "'name' must be one line" },
    { "steps:\n  - {name: a, at: 1ms, do: x}\n  - {name: a, at: 2ms, do: x}\n",
      "t.yaml:3:12: duplicate step name 'a' (step 1 at 2:5)" },
    { "steps:\n  - {at: 1ms, do: x}\n  - {name: step 1, at: 2ms, do: x}\n",
      "t.yaml:3:12: duplicate step name 'step 1' (step 1 at 2:5)" },
    { "steps:\n  - {name: step 2, at: 1ms, do: x}\n  - {at: 2ms, do: x}\n",
      "t.yaml:3:5: duplicate step name 'step 2' (step 1 at 2:5)" },
    /* at, within */
    { "steps:\n  - at: [1ms]\n    do: x\n", "t.yaml:2:9: expected a scalar "
      "for 'at', found a list" },
    { "steps:\n  - at:\n    do: x\n", "t.yaml:2:8: expected a scalar for "
      "'at', found nothing" },
    { "steps:\n  - at: 1ms\n    expect-uart: {u: x}\n    within: 10\n",
      "t.yaml:4:13: invalid time '10' for 'within' (expected a number and "
      "a unit: ns, us, ms or s, like 12ms or 1.5us)" },
    { "steps:\n  - at: 1ms\n    expect-uart: {u: x}\n    within: 10cycles\n",
      "t.yaml:4:13: 'within' takes ns, us, ms or s, not cycles" },
    { "steps:\n  - at: 1ms\n    expect-uart: {u: x}\n    within: 0ms\n",
      "t.yaml:4:13: 'within' must be greater than 0" },
    { "steps:\n  - at: 1ms\n    expect-uart: {u: x}\n    within: 0.1ns\n",
      "t.yaml:4:13: 'within' 0.1ns is not a whole number of nanoseconds" },
    /* insns */
    { "steps:\n  - insns: 1.5\n    do: x\n", "t.yaml:2:12: invalid number "
      "'1.5' for 'insns'" },
    { "steps:\n  - insns: -1\n    do: x\n", "t.yaml:2:12: invalid number "
      "'-1' for 'insns'" },
    { "steps:\n  - insns: 18446744073709551616\n    do: x\n", "t.yaml:2:12: "
      "invalid number '18446744073709551616' for 'insns'" },
    { "steps:\n  - insns: {a: 1}\n    do: x\n", "t.yaml:2:12: expected a "
      "scalar for 'insns', found a mapping" },
    /* pc */
    { "steps:\n  - pc: 0x1_0000_0000\n    do: x\n", "t.yaml:2:9: 'pc' "
      "0x100000000 does not fit in 32 bits" },
    { "steps:\n  - pc: 0x80000001\n    do: x\n", "t.yaml:2:9: 'pc' "
      "0x80000001 is odd (instructions start at even addresses)" },
    { "steps:\n  - pc: 12abc\n    do: x\n", "t.yaml:2:9: invalid number "
      "'12abc' for 'pc'" },
    { "steps:\n  - pc: main+4\n    do: x\n", "t.yaml:2:9: invalid pc "
      "'main+4' (expected an address or a symbol name)" },
    { "steps:\n  - pc: ''\n    do: x\n", "t.yaml:2:9: invalid pc '' "
      "(expected an address or a symbol name)" },
    { "steps:\n  - pc: [main]\n    do: x\n", "t.yaml:2:9: expected a scalar "
      "for 'pc', found a list" },
    /* on-uart */
    { "steps:\n  - on-uart: READY\n    do: x\n", "t.yaml:2:14: expected a "
      "mapping for 'on-uart' (device: text), found a scalar" },
    { "steps:\n  - on-uart: {}\n    do: x\n", "t.yaml:2:14: empty 'on-uart' "
      "(expected one device: text)" },
    { "steps:\n  - on-uart: {uart0: a, uart1: b}\n    do: x\n",
      "t.yaml:2:25: 'on-uart' watches one device (found a second, "
      "'uart1')" },
    { "steps:\n  - on-uart: {uart0: ''}\n    do: x\n", "t.yaml:2:22: empty "
      "text for 'uart0' in 'on-uart'" },
    { "steps:\n  - on-uart: {uart0: }\n    do: x\n", "t.yaml:2:22: expected "
      "a scalar for 'uart0' in 'on-uart', found nothing" },
    { "steps:\n  - on-uart: {uart0: [a]}\n    do: x\n", "t.yaml:2:22: "
      "expected a scalar for 'uart0' in 'on-uart', found a list" },
    { "steps:\n  - on-uart: {uart 0: a}\n    do: x\n", "t.yaml:2:15: "
      "invalid device name 'uart 0' in 'on-uart' (expected letters, "
      "digits, '_' or '-')" },
    { "steps:\n  - on-uart: {'': a}\n    do: x\n", "t.yaml:2:15: empty "
      "device name in 'on-uart'" },
    /* do */
    { "steps:\n  - at: 1ms\n    do:\n", "t.yaml:3:8: expected a command or "
      "a list of commands for 'do', found nothing" },
    { "steps:\n  - at: 1ms\n    do: {a: b}\n", "t.yaml:3:9: expected a "
      "command or a list of commands for 'do', found a mapping" },
    { "steps:\n  - at: 1ms\n    do: []\n", "t.yaml:3:9: empty 'do' "
      "(expected a command or a list of commands)" },
    { "steps:\n  - at: 1ms\n    do: ''\n", "t.yaml:3:9: empty command in "
      "'do'" },
    { "steps:\n  - at: 1ms\n    do:\n      - stop\n      - ' '\n",
      "t.yaml:5:9: empty command in 'do'" },
    { "steps:\n  - at: 1ms\n    do:\n      - stop\n      -\n",
      "t.yaml:5:8: expected a scalar for a command in 'do', found nothing" },
    { "steps:\n  - at: 1ms\n    do:\n      - [stop]\n", "t.yaml:4:9: "
      "expected a scalar for a command in 'do', found a list" },
    { "steps:\n  - at: 1ms\n    do:\n      - peripheral set u chardev: null\n",
      "t.yaml:4:9: expected a scalar for a command in 'do', found a mapping "
      "(quote a command that holds ': ')" },
    { "steps:\n  - at: 1ms\n    do: |\n      stop\n      cont\n",
      "t.yaml:3:9: a command in 'do' must be one line (one command per "
      "list item)" },
    /* expect-uart */
    { "steps:\n  - at: 1ms\n    expect-uart: ok\n", "t.yaml:3:18: expected "
      "a mapping for 'expect-uart' (device: text), found a scalar" },
    { "steps:\n  - at: 1ms\n    expect-uart:\n", "t.yaml:3:17: expected "
      "a mapping for 'expect-uart' (device: text), found nothing" },
    { "steps:\n  - at: 1ms\n    expect-uart: {}\n", "t.yaml:3:18: empty "
      "'expect-uart' (expected device: text)" },
    { "steps:\n  - at: 1ms\n    expect-uart: {u: a, v: b, u: c}\n",
      "t.yaml:3:31: duplicate key 'u' (first at 3:19)" },
    { "steps:\n  - at: 1ms\n    expect-uart: {u: a, v: \"\"}\n",
      "t.yaml:3:28: empty text for 'v' in 'expect-uart'" },
    { "steps:\n  - at: 1ms\n    expect-uart: {u/0: a}\n", "t.yaml:3:19: "
      "invalid device name 'u/0' in 'expect-uart' (expected letters, "
      "digits, '_' or '-')" },
    /* expect-exit */
    { "steps:\n  - at: 1ms\n    expect-exit: 256\n", "t.yaml:3:18: "
      "'expect-exit' 256 is out of range (0 to 255)" },
    { "steps:\n  - at: 1ms\n    expect-exit: -1\n", "t.yaml:3:18: invalid "
      "number '-1' for 'expect-exit'" },
    { "steps:\n  - at: 1ms\n    expect-exit: ok\n", "t.yaml:3:18: invalid "
      "number 'ok' for 'expect-exit'" },
    { "steps:\n  - at: 1ms\n    expect-exit:\n", "t.yaml:3:17: expected a "
      "scalar for 'expect-exit', found nothing" },
    /* the first error in the file wins */
    { "steps:\n  - at: 1\n    pc: 3\n", "t.yaml:2:9: invalid time '1' for "
      "'at' (expected a number and a unit: ns, us, ms, s or cycles, like "
      "12ms or 1.5us)" },
    { "steps:\n  - {at: 1ms, do: x}\n  - {at: 2ms, bad: x}\n",
      "t.yaml:3:15: unknown key 'bad' in a step (expected name, at, insns, "
      "on-uart, pc, do, expect-uart, within or expect-exit)" },
};

static void test_each_malformed_file_is_refused_at_its_place(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(bad_files); i++)
        assert_parse_error(bad_files[i].text, bad_files[i].error);
}

/* The loader's own checks reach scenario files: NUL characters and deep
 * nesting. */
static void test_nul_and_deep_nesting_are_refused(void **state)
{
    (void)state;
    static const char nul[] = "steps:\n  - {at: 1ms, do: \"a\\0b\"}\n";
    assert_parse_error(nul, "t.yaml:2:19: NUL character in a scalar");
    char deep[200] = "steps:\n  - do: ";
    for (int i = 0; i < 40; i++)
        strcat(deep, "[");
    assert_parse_error(deep, "t.yaml:2:39: nesting deeper than 32 levels");
}

/* Long names are quoted whole, and a duplicate among many devices is
 * found where it stands. */
static void test_long_and_many_device_names(void **state)
{
    (void)state;
    char name[301];
    memset(name, 'u', 300);
    name[300] = '\0';
    char text[512], expected[512];
    snprintf(text, sizeof text, "steps:\n  - at: 1ms\n    expect-uart: "
             "{%s: []}\n", name);
    snprintf(expected, sizeof expected, "t.yaml:3:%d: expected a scalar for "
             "'%s' in 'expect-uart', found a list", 18 + 300 + 3, name);
    assert_parse_error(text, expected);

    enum { DEVICES = 10000 };
    size_t cap = 64 + DEVICES * 24;
    char *many = malloc(cap);
    size_t len = (size_t)snprintf(many, cap, "steps:\n  - at: 1ms\n"
                                  "    expect-uart:\n");
    for (int i = 0; i < DEVICES; i++)
        len += (size_t)snprintf(many + len, cap - len, "      d%d: x\n", i);
    ScenarioFile *f = parse_ok(many);
    assert_int_equal(f->steps[0].nexpect_uart, DEVICES);
    assert_string_equal(f->steps[0].expect_uart[DEVICES - 1].device, "d9999");
    scenario_file_free(f);
    snprintf(many + len, cap - len, "      d0: y\n");
    snprintf(expected, sizeof expected, "t.yaml:%d:7: duplicate key 'd0' "
             "(first at 4:7)", 4 + DEVICES);
    assert_parse_error(many, expected);
    free(many);
}

static void test_errp_may_be_null(void **state)
{
    (void)state;
    assert_null(parse("steps: []\n", NULL));
    assert_null(parse("steps:\n  - {at: 1ms, do: x, pc: 2}\n", NULL));
}

/* ---- robustness ---- */

/* A refusal always says where: "t.yaml:LINE:COL: " and a message. */
static void assert_located(const Error *err, const char *text)
{
    unsigned line, col;
    int end = 0;
    const char *msg = error_message(err);
    if (sscanf(msg, "t.yaml:%u:%u: %n", &line, &col, &end) != 2 || end == 0 ||
        msg[end] == '\0' || line == 0 || col == 0)
        fail_msg("unlocated error '%s' for:\n%s", msg, text);
}

/* Parses `text` (len bytes, not NUL-terminated): a file or a located
 * error, never both, never neither. Returns whether it parsed. */
static bool parse_either(const char *text, size_t len)
{
    char *copy = malloc(len ? len : 1); /* ASan sees any read past len */
    memcpy(copy, text, len);
    Error *err = NULL;
    ScenarioFile *f = scenario_file_parse("t.yaml", copy, len, &err);
    if (f) {
        assert_null(err);
        scenario_file_free(f);
    } else {
        assert_non_null(err);
        assert_located(err, text);
        error_free(err);
    }
    free(copy);
    return f != NULL;
}

static void test_every_prefix_parses_or_is_located(void **state)
{
    (void)state;
    size_t len = strlen(full), parsed = 0;
    for (size_t n = 0; n <= len; n++)
        parsed += parse_either(full, n);
    /* Cut after a complete step, some prefixes are whole files. */
    assert_true(parsed > 0);
    assert_true(parsed < len);
}

static uint32_t xorshift32(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

/* One byte replaced, at every position, by characters that matter to
 * YAML and to the parser; then random cuts of random mutations. */
static void test_mutations_parse_or_are_located(void **state)
{
    (void)state;
    static const char bytes[] = ":-[]{}\"'\\ \n#&*.0x_\t\0\xff";
    size_t len = strlen(full);
    char *text = malloc(len + 1);
    for (size_t pos = 0; pos < len; pos++) {
        for (size_t b = 0; b < sizeof bytes - 1; b++) {
            memcpy(text, full, len + 1);
            text[pos] = bytes[b];
            parse_either(text, len);
        }
    }
    uint32_t seed = 20240611;
    for (int round = 0; round < 2000; round++) {
        memcpy(text, full, len + 1);
        for (int k = 0; k < 3; k++)
            text[xorshift32(&seed) % len] =
                bytes[xorshift32(&seed) % (sizeof bytes - 1)];
        parse_either(text, xorshift32(&seed) % (len + 1));
    }
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_file_parses_every_field),
        cmocka_unit_test(test_shipped_example_loads),
        cmocka_unit_test(test_load_names_the_file_it_cannot_read),
        cmocka_unit_test(test_times_are_exact_in_their_unit),
        cmocka_unit_test(test_malformed_times_are_refused),
        cmocka_unit_test(test_each_malformed_file_is_refused_at_its_place),
        cmocka_unit_test(test_nul_and_deep_nesting_are_refused),
        cmocka_unit_test(test_long_and_many_device_names),
        cmocka_unit_test(test_errp_may_be_null),
        cmocka_unit_test(test_every_prefix_parses_or_is_located),
        cmocka_unit_test(test_mutations_parse_or_are_located),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
