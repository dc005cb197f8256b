/* The monitor language (sim/monitor.c) on a real machine: every command's
 * output, the requests run control makes, what gdb may not do, and for
 * every malformed or refused command one "error: ..." line naming what
 * was wrong (with the usage, when the words were wrong) and nothing
 * changed: the live table, the memory tree and the wiring compare equal
 * before and after. The machine is built from YAML with every model
 * (registry_devices()), a hart and a clock; its chardevs are tapped as
 * sim/main.c taps them (sim/uart_tap.h). */
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

#include "peripherals/registry.h"
#include "sim/monitor.h"
#include "sim/uart_tap.h"
#include "soc/board.h"
#include "soc/machine.h"
#include "soc/memory_internal.h" /* to break an invariant for `audit` */

enum {
    RAM_BASE = 0x80000000u,
    UART0 = 0x10000000u,
    GPIO0 = 0x10012000u,
    STUB = 0x10020000u,
    CPU_HZ = 10000000,
};

static const char BOARD[] =
    "t:\n"
    "  memory:\n"
    "    - {name: ram, type: ram, base: 0x80000000, size: 64K}\n"
    "  peripherals:\n"
    "    - {name: clint, type: \"sifive,clint0\", base: 0x2000000, irq: [cpu.msi, cpu.mti]}\n"
    "    - {name: plic, type: \"sifive,plic-1.0.0\", base: 0xc000000, sources: 100,\n"
    "       irq: cpu.mei}\n"
    "    - {name: test, type: \"sifive,test0\", base: 0x100000}\n"
    "    - {name: uart0, type: ns16550a, base: 0x10000000, chardev: stdio, irq: plic.10}\n"
    "    - {name: gpio0, type: \"sifive,gpio0\", base: 0x10012000, irq: [plic.11-42]}\n"
    "    - {name: stub, type: memory-mapped-stub, base: 0x10020000, size: 0x100}\n";

/* Every command of the table, as `help` lists them. */
static const char *const COMMANDS[] = {
    "help", "info mtree", "info peripherals", "info irq", "info types", "audit", "stats",
    "reset", "peripheral add", "peripheral remove", "peripheral replace",
    "peripheral move", "peripheral set", "peripheral power", "board apply", "uart", "gpio",
    "memory read", "memory write", "reg", "info registers",
    "stop", "cont", "step", "run-for", "run-until", "info state", "quit",
};
#define NCOMMANDS (sizeof COMMANDS / sizeof COMMANDS[0])
#define NRUN_CONTROL 7 /* the last seven: run control, not for gdb */

typedef struct Fx {
    Clock *clock;
    MemorySystem *ms;
    Cpu *cpu;
    Machine *m;
    UartTaps *taps;
    Monitor *mon;
    char printed[256]; /* what the tapped UARTs printed, "device:bytes|" */
    size_t nprinted;
    int resets;
    char tmp[64]; /* a scratch board file, removed at teardown */
} Fx;

/* ---- the host side, as sim/main.c does it ---- */

static void sink_write(Chardev *chr, const uint8_t *buf, size_t len) {}
static void sink_close(Chardev *chr) { free(chr); }
static const ChardevOps sink_ops = {.write = sink_write, .close = sink_close};

static Chardev *open_chardev(void *opaque, const char *device, const char *spec,
                             Error **errp)
{
    Fx *f = opaque;
    if (strcmp(spec, "stdio") != 0 && strcmp(spec, "null") != 0) {
        error_setf(errp, "the test host opens stdio and null only, not '%s'", spec);
        return NULL;
    }
    Chardev *inner = calloc(1, sizeof *inner);
    inner->ops = &sink_ops;
    return uart_taps_wrap(f->taps, device, inner);
}

static void printed(void *opaque, const char *device, const uint8_t *bytes, size_t len)
{
    Fx *f = opaque;
    f->nprinted += (size_t)snprintf(f->printed + f->nprinted, sizeof f->printed - f->nprinted,
                                    "%s:%.*s|", device, (int)len, (const char *)bytes);
}

static bool cpu_irq(void *opaque, const char *input, IrqLine *out)
{
    return cpu_irq_input_named(((Fx *)opaque)->cpu, input, out);
}

static void reset_cpu(void *opaque)
{
    cpu_request_reset(((Fx *)opaque)->cpu);
}

static bool uart_send(void *opaque, const char *device, const uint8_t *bytes, size_t len,
                      Error **errp)
{
    return uart_taps_send(((Fx *)opaque)->taps, device, bytes, len, errp);
}

static void reset_all(void *opaque)
{
    Fx *f = opaque;
    f->resets++;
    machine_reset(f->m);
    cpu_reset(f->cpu);
}

static int setup(void **state)
{
    Fx *f = calloc(1, sizeof *f);
    Error *err = NULL;
    f->clock = clock_new(CPU_HZ);
    f->ms = memory_system_new();
    f->taps = uart_taps_new();
    uart_taps_set_observer(f->taps, printed, f);
    CpuConfig config = {.isa = "rv32imac", .reset_pc = RAM_BASE, .frequency_hz = CPU_HZ,
                        .clock = f->clock};
    f->cpu = cpu_new(f->ms, &config, &err);
    BoardFile *file = board_file_parse("t.yaml", BOARD, strlen(BOARD), &err);
    if (!f->cpu || !file)
        fail_msg("setup: %s", error_message(err));
    MachineHooks hooks = {.opaque = f, .open_chardev = open_chardev, .cpu_irq = cpu_irq,
                          .clock = f->clock, .reset_cpu = reset_cpu,
                          .registry = registry_devices()};
    f->m = machine_new(f->ms, &file->boards[0], &hooks, &err);
    board_file_free(file);
    if (!f->m)
        fail_msg("machine_new: %s", error_message(err));
    cpu_set_time_source(f->cpu, machine_read_time, f->m);
    MonitorContext ctx = {.cpu = f->cpu, .ms = f->ms, .machine = f->m, .clock = f->clock,
                          .opaque = f, .uart_send = uart_send, .reset = reset_all};
    f->mon = monitor_new(&ctx);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    Fx *f = *state;
    monitor_free(f->mon);
    machine_free(f->m);
    uart_taps_free(f->taps);
    cpu_free(f->cpu);
    memory_system_free(f->ms);
    clock_free(f->clock);
    if (f->tmp[0])
        unlink(f->tmp);
    free(f);
    return 0;
}

/* ---- running commands ---- */

static char *exec_from(Fx *f, MonitorSource source, const char *line, bool *ok,
                       MonitorRequest *req)
{
    char *text = monitor_exec_text(f->mon, source, line, req, ok);
    assert_non_null(text);
    return text;
}

/* The live machine as text: the table, the tree, the wiring. */
static char *snapshot(Fx *f)
{
    char *a = machine_describe(f->m), *b = memory_tree(f->ms), *c = machine_describe_irqs(f->m);
    char *all = malloc(strlen(a) + strlen(b) + strlen(c) + 1);
    strcat(strcat(strcpy(all, a), b), c);
    free(a);
    free(b);
    free(c);
    return all;
}

/* Runs `line` from the console; it must succeed, print `want` exactly and
 * ask for no run control. */
static void expect_ok(Fx *f, const char *line, const char *want)
{
    bool ok;
    MonitorRequest req;
    char *out = exec_from(f, MONITOR_FROM_CONSOLE, line, &ok, &req);
    if (!ok || strcmp(out, want) != 0)
        fail_msg("'%s': ok=%d, printed\n%s\nwanted\n%s", line, ok, out, want);
    assert_int_equal(req.action, MONITOR_ACT_NONE);
    free(out);
}

/* Runs `line` from `source`; it must fail with one line, "error: " then
 * text starting with `want` (all of it when `exact`), and change
 * nothing. */
static void expect_error_from(Fx *f, MonitorSource source, const char *line,
                              const char *want, bool exact)
{
    char *before = snapshot(f);
    bool ok = true;
    MonitorRequest req;
    char *out = exec_from(f, source, line, &ok, &req);
    char *after = snapshot(f);
    size_t len = strlen(out);
    bool one_line = len > 0 && out[len - 1] == '\n' && strchr(out, '\n') == out + len - 1;
    bool match = strncmp(out, "error: ", 7) == 0 &&
                 (exact ? len == strlen(want) + 8 && strncmp(out + 7, want, len - 8) == 0
                        : strncmp(out + 7, want, strlen(want)) == 0);
    if (ok || !one_line || !match)
        fail_msg("'%s': ok=%d, printed\n%s\nwanted error: %s%s", line, ok, out, want,
                 exact ? "" : "...");
    assert_int_equal(req.action, MONITOR_ACT_NONE);
    if (strcmp(before, after) != 0)
        fail_msg("'%s' changed the machine:\n%s\n---\n%s", line, before, after);
    free(before);
    free(after);
    free(out);
}

static void expect_error(Fx *f, const char *line, const char *want)
{
    expect_error_from(f, MONITOR_FROM_CONSOLE, line, want, true);
}

static void expect_error_starts(Fx *f, const char *line, const char *want)
{
    expect_error_from(f, MONITOR_FROM_CONSOLE, line, want, false);
}

/* "error: <what>; usage: <command usage>" */
static void expect_malformed(Fx *f, const char *line, const char *what, const char *usage)
{
    char want[512];
    snprintf(want, sizeof want, "%s; usage: %s", what, usage);
    expect_error(f, line, want);
}

/* 1-based column of `word` in `line`. */
static unsigned col(const char *line, const char *word)
{
    const char *at = strstr(line, word);
    assert_non_null(at);
    return (unsigned)(at - line) + 1;
}

static uint32_t rd(Fx *f, uint32_t addr)
{
    uint32_t v = 0;
    assert_int_equal(memory_read(f->ms, addr, 4, &v), MEM_OK);
    return v;
}

/* ns16550a's registers are bytes; LSR is the sixth. */
enum { LSR = 5 };

static uint32_t rd8(Fx *f, uint32_t addr)
{
    uint32_t v = 0;
    assert_int_equal(memory_read(f->ms, addr, 1, &v), MEM_OK);
    return v;
}

static const BoardPeripheral *entry(Fx *f, const char *name)
{
    const BoardPeripheral *p = machine_find_peripheral(f->m, name);
    if (!p)
        fail_msg("no live entry '%s'", name);
    return p;
}

/* ---- help ---- */

static size_t count_lines(const char *text)
{
    size_t n = 0;
    for (; *text; text++)
        n += *text == '\n';
    return n;
}

/* Whether some line of `text` starts with `name` then a blank or its end. */
static bool lists(const char *text, const char *name)
{
    size_t len = strlen(name);
    for (const char *line = text; *line; line = strchr(line, '\n') + 1)
        if (strncmp(line, name, len) == 0 && (line[len] == ' ' || line[len] == '\n'))
            return true;
    return false;
}

static void test_help_lists_every_command(void **state)
{
    Fx *f = *state;
    bool ok;
    MonitorRequest req;
    char *console = exec_from(f, MONITOR_FROM_CONSOLE, "help", &ok, &req);
    assert_true(ok);
    assert_int_equal(count_lines(console), NCOMMANDS);
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (!lists(console, COMMANDS[i]))
            fail_msg("help does not list '%s':\n%s", COMMANDS[i], console);
    /* an empty line, and blanks only, print help */
    char *empty = exec_from(f, MONITOR_FROM_CONSOLE, " \t ", &ok, &req);
    assert_true(ok);
    assert_string_equal(empty, console);
    /* gdb is not offered run control: it has its own */
    char *gdb = exec_from(f, MONITOR_FROM_GDB, "help", &ok, &req);
    assert_true(ok);
    assert_int_equal(count_lines(gdb), NCOMMANDS - NRUN_CONTROL);
    for (size_t i = 0; i < NCOMMANDS; i++)
        assert_int_equal(lists(gdb, COMMANDS[i]), i < NCOMMANDS - NRUN_CONTROL);
    assert_true(lists(console, "peripheral add NAME TYPE @BASE [size=N] "
                               "[irq=SINK[,SINK...]] [key=value ...]"));
    free(console);
    free(empty);
    free(gdb);
}

static void test_help_command_prints_its_usage(void **state)
{
    Fx *f = *state;
    for (size_t i = 0; i < NCOMMANDS; i++) {
        char line[64], want[64];
        snprintf(line, sizeof line, "help %s", COMMANDS[i]);
        snprintf(want, sizeof want, "usage: %s", COMMANDS[i]);
        bool ok;
        MonitorRequest req;
        char *out = exec_from(f, MONITOR_FROM_CONSOLE, line, &ok, &req);
        assert_true(ok);
        if (strncmp(out, want, strlen(want)) != 0 || count_lines(out) < 2)
            fail_msg("'%s' printed\n%s", line, out);
        free(out);
    }
    expect_ok(f, "help peripheral move",
              "usage: peripheral move NAME @BASE\n"
              "map a peripheral or memory at BASE, keeping its state\n");
    expect_ok(f, "help step",
              "usage: step [N]\nrun N instructions (default 1), then halt\n");
    /* a group lists its commands */
    bool ok;
    MonitorRequest req;
    char *info = exec_from(f, MONITOR_FROM_CONSOLE, "help info", &ok, &req);
    assert_true(ok);
    assert_int_equal(count_lines(info), 6);
    assert_true(lists(info, "info mtree") && lists(info, "info peripherals") &&
                lists(info, "info irq") && lists(info, "info types") &&
                lists(info, "info registers") && lists(info, "info state"));
    free(info);
    /* gdb may read the usage of run control, and is told what to use */
    char *cont = exec_from(f, MONITOR_FROM_GDB, "help cont", &ok, &req);
    assert_true(ok);
    assert_string_equal(cont, "usage: cont\nrun on\nnot from gdb: use continue\n");
    free(cont);
    expect_error(f, "help bogus", "unknown command 'bogus'; try 'help'");
    expect_error(f, "help info bogus", "unknown command 'info bogus'; try 'help'");
}

/* ---- words and commands the parser refuses ---- */

static void test_unknown_commands(void **state)
{
    Fx *f = *state;
    expect_error(f, "frobnicate now", "unknown command 'frobnicate'; try 'help'");
    expect_error(f, "info bogus", "unknown command 'info bogus'; try 'help info'");
    expect_error(f, "peripheral", "unknown command 'peripheral'; try 'help peripheral'");
    expect_error(f, "INFO mtree", "unknown command 'INFO'; try 'help'");
    /* a quoted word is never a command's name */
    expect_error(f, "\"stats\"", "unknown command 'stats'; try 'help'");
    /* what a message quotes stays on its line, and stays short */
    expect_error(f, "\"a\\nb\\x01\"", "unknown command 'a\\x0ab\\x01'; try 'help'");
    char line[200];
    memset(line, 'w', 150);
    line[150] = '\0';
    char want[200];
    snprintf(want, sizeof want, "unknown command '%.64s...'; try 'help'", line);
    expect_error(f, line, want);
}

static void test_malformed_words(void **state)
{
    Fx *f = *state;
    expect_error(f, "uart uart0 send \"abc", "unterminated quote at column 17");
    expect_error(f, "uart uart0 send \"ab\\", "unterminated quote: the line ends in a "
                 "backslash at column 20");
    expect_error(f, "uart uart0 send \"\\q\"", "unknown escape '\\q' at column 18 (known: "
                 "\\\" \\\\ \\n \\r \\t \\xHH)");
    expect_error(f, "uart uart0 send \"\\x4\"", "'\\x' wants two hex digits at column 18");
    /* bytes for uart send, but no NUL in a name */
    expect_malformed(f, "peripheral remove \"a\\x00b\"",
                     "a NUL byte in 'a\\x00b' at column 19",
                     "peripheral remove NAME [--force]");
    /* an empty quoted word is empty, not a NUL byte */
    expect_malformed(f, "peripheral remove \"\"", "empty NAME at column 19",
                     "peripheral remove NAME [--force]");
    expect_malformed(f, "peripheral set uart0 \"\" stdio", "empty KEY at column 22",
                     "peripheral set NAME KEY VALUE");
    expect_malformed(f, "board apply \"\"", "empty FILE[:NAME]|BOARD at column 13",
                     "board apply FILE[:NAME]|BOARD");
    expect_malformed(f, "help \"\"", "empty COMMAND at column 6", "help [COMMAND]");
}

#define ADD_USAGE "peripheral add NAME TYPE @BASE [size=N] [irq=SINK[,SINK...]] [key=value ...]"

static void test_malformed_add(void **state)
{
    Fx *f = *state;
    expect_malformed(f, "peripheral add u1", "missing TYPE", ADD_USAGE);
    expect_malformed(f, "peripheral add u1 ns16550a", "missing @BASE", ADD_USAGE);
    expect_malformed(f, "peripheral add u1 ns16550a 0x3000",
                     "expected @BASE, found '0x3000' at column 28", ADD_USAGE);
    expect_malformed(f, "peripheral add u1 ns16550a size=4",
                     "expected @BASE, found 'size=4' at column 28", ADD_USAGE);
    expect_malformed(f, "peripheral add u1 ns16550a @zz",
                     "invalid address '@zz' at column 28", ADD_USAGE);
    expect_malformed(f, "peripheral add u1 ns16550a @0x100000000",
                     "address '@0x100000000' at column 28 does not fit in 32 bits",
                     ADD_USAGE);
    expect_malformed(f, "peripheral add u/1 ns16550a @0x3000",
                     "invalid name 'u/1' at column 16 (letters, digits, '_' and '-')",
                     ADD_USAGE);
    expect_malformed(f, "peripheral add u1 ns16550a @0x3000 junk",
                     "unexpected 'junk' at column 36", ADD_USAGE);
    expect_malformed(f, "peripheral add u1 ns16550a @0x3000 a=1 junk",
                     "expected key=value, found 'junk' at column 40", ADD_USAGE);
    expect_malformed(f, "peripheral add u1 ns16550a @0x3000 size=0",
                     "size '0' at column 41 is outside 1 to 4G", ADD_USAGE);
    expect_malformed(f, "peripheral add u1 ns16550a @0x3000 size=big",
                     "invalid number 'big' for size at column 41", ADD_USAGE);
    expect_malformed(f, "peripheral add u1 ns16550a @0x3000 a=1 a=2",
                     "'a' given twice at column 40", ADD_USAGE);
    expect_malformed(f, "peripheral add u1 ns16550a @0x3000 size=8 size=8",
                     "'size' given twice at column 43", ADD_USAGE);
    expect_malformed(f, "peripheral add u1 ns16550a @0x3000 base=5",
                     "'base' at column 36 is not a property (NAME, TYPE and @BASE are "
                     "words of their own)", ADD_USAGE);
}

static void test_malformed_irq_sinks(void **state)
{
    Fx *f = *state;
    static const struct {
        const char *sinks, *what, *at;
    } cases[] = {
        {"plic.1,plic.x", "invalid interrupt sink 'plic.x'", "plic.x"},
        {"plic.5-3", "reversed interrupt range 'plic.5-3'", "plic.5-3"},
        {"plic.99999", "interrupt input number too large in 'plic.99999'", "plic.99999"},
        {"plic.0-2000", "too many interrupt lines", "plic.0-2000"},
        {"plic.1,", "empty interrupt sink", ","},
        {"cpu.", "invalid interrupt sink 'cpu.'", "cpu."},
        {"cpu.m-i", "invalid interrupt sink 'cpu.m-i'", "cpu.m-i"},
        {"plic", "invalid interrupt sink 'plic'", "plic"},
        {".3", "invalid interrupt sink '.3'", ".3"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char line[128], what[256];
        snprintf(line, sizeof line, "peripheral add u1 ns16550a @0x3000 irq=%s",
                 cases[i].sinks);
        unsigned at = col(line, "irq=") + 4 + (unsigned)(strstr(cases[i].sinks, cases[i].at) -
                                                         cases[i].sinks);
        if (strcmp(cases[i].at, ",") == 0)
            at++; /* the empty sink after the comma */
        snprintf(what, sizeof what, "%s at column %u", cases[i].what, at);
        expect_error_starts(f, line, what);
    }
}

static void test_malformed_other_commands(void **state)
{
    Fx *f = *state;
    expect_malformed(f, "peripheral remove", "missing NAME", "peripheral remove NAME [--force]");
    expect_malformed(f, "peripheral remove uart0 --forc",
                     "expected --force, found '--forc' at column 25",
                     "peripheral remove NAME [--force]");
    expect_malformed(f, "peripheral remove a --force c", "unexpected 'c' at column 29",
                     "peripheral remove NAME [--force]");
    expect_malformed(f, "peripheral replace uart0", "missing TYPE",
                     "peripheral replace NAME TYPE [size=N] [irq=SINK[,SINK...]] "
                     "[key=value ...]");
    expect_malformed(f, "peripheral move uart0 0x3000",
                     "expected @BASE, found '0x3000' at column 23", "peripheral move NAME @BASE");
    expect_malformed(f, "peripheral set uart0 chardev", "missing VALUE",
                     "peripheral set NAME KEY VALUE");
    expect_malformed(f, "peripheral power uart0 sideways",
                     "expected on or off, found 'sideways' at column 24",
                     "peripheral power NAME on|off");
    expect_malformed(f, "board apply", "missing FILE[:NAME]|BOARD",
                     "board apply FILE[:NAME]|BOARD");
    expect_malformed(f, "uart uart0 sned \"x\"",
                     "expected send or read, found 'sned' at column 12",
                     "uart NAME send \"TEXT\"|read");
    expect_malformed(f, "gpio gpio0 3 2", "expected 0 or 1, found '2' at column 14",
                     "gpio NAME PIN 0|1");
    expect_malformed(f, "gpio gpio0 x 1", "invalid number 'x' for PIN at column 12",
                     "gpio NAME PIN 0|1");
    expect_malformed(f, "step 0", "step 0 does nothing: N must be at least 1", "step [N]");
    expect_malformed(f, "step x", "invalid number 'x' for N at column 6", "step [N]");
    expect_malformed(f, "step 1 2", "unexpected '2' at column 8", "step [N]");
    expect_malformed(f, "quit 256", "exit status 256 is above 255", "quit [STATUS]");
    expect_malformed(f, "info mtree now", "unexpected 'now' at column 12", "info mtree");
    /* '_' only between two digits, as in scenario files */
    static const char *const durations[] = {"10min", "ms", "1.5ms", "\"10ms\"", "-1", "0x10",
                                            "1_", "1__0ms", "1_ms", "_1ms"};
    for (size_t i = 0; i < sizeof durations / sizeof durations[0]; i++) {
        char line[64], what[160];
        snprintf(line, sizeof line, "run-for %s", durations[i]);
        bool quoted = durations[i][0] == '"';
        snprintf(what, sizeof what, "invalid duration '%.*s' at column 9 (N followed by ns, "
                 "us, ms, s, cycles or insns)", (int)strlen(durations[i]) - 2 * quoted,
                 durations[i] + quoted);
        expect_malformed(f, line, what, "run-for TIME|Ninsns");
    }
    expect_malformed(f, "run-for 0ms", "'0ms' at column 9 is no time at all",
                     "run-for TIME|Ninsns");
    expect_malformed(f, "run-for 10 ms", "unexpected 'ms' at column 12", "run-for TIME|Ninsns");
    expect_malformed(f, "run-for 99999999999999999999", "'99999999999999999999' at column 9 "
                     "is too long", "run-for TIME|Ninsns");
    expect_malformed(f, "run-for 9999999999999s", "'9999999999999s' at column 9 is too long",
                     "run-for TIME|Ninsns");
}

/* ---- what the machine refuses: its message names the rule ---- */

static void test_refusals_name_the_rule_and_change_nothing(void **state)
{
    Fx *f = *state;
    char want[256];
    const char *overlap = "peripheral add u2 ns16550a @0x10000080";
    snprintf(want, sizeof want, "monitor:1:%u: 'u2' [0x10000080-0x1000017f] overlaps 'uart0' "
             "[0x10000000-0x100000ff]", col(overlap, "@"));
    expect_error(f, overlap, want);
    const char *type = "peripheral add u2 nosuch @0x3000";
    snprintf(want, sizeof want, "monitor:1:%u: unknown peripheral type 'nosuch'",
             col(type, "nosuch"));
    expect_error_starts(f, type, want);
    const char *prop = "peripheral add u2 ns16550a @0x3000 bogus=1";
    snprintf(want, sizeof want, "monitor:1:%u: ", col(prop, "bogus=1") + 6);
    expect_error_starts(f, prop, want);
    const char *size = "peripheral add u2 ns16550a @0x3000 size=0x2000";
    snprintf(want, sizeof want, "monitor:1:%u: size 0x2000 not allowed", col(size, "0x2000"));
    expect_error_starts(f, size, want);
    expect_error_starts(f, "peripheral add uart0 ns16550a @0x3000", "monitor:1:16: ");
    expect_error(f, "peripheral remove nosuch", "no peripheral named 'nosuch'");
    expect_error_starts(f, "peripheral remove ram", "'ram' is a memory, not a peripheral");
    expect_error(f, "peripheral replace nosuch ns16550a", "no peripheral named 'nosuch'");
    expect_error_starts(f, "peripheral replace uart0 nosuch", "monitor:1:26: unknown peripheral "
                        "type 'nosuch'");
    expect_error_starts(f, "peripheral move uart0 @0x10012000", "");
    expect_error_starts(f, "peripheral set uart0 clock-frequency 5",
                        "property 'clock-frequency' of");
    expect_error_starts(f, "peripheral set uart0 bogus 5", "ns16550a 'uart0' has no property "
                        "'bogus'");
    expect_error_starts(f, "peripheral set uart0 chardev tcp:1",
                        "'uart0': the test host opens stdio");
    expect_error_starts(f, "gpio uart0 1 1", "'uart0' (ns16550a) has no input pins to drive");
    expect_error_starts(f, "gpio gpio0 99 1", "");
    expect_error(f, "uart nosuch send \"x\"", "no peripheral named 'nosuch'");
    expect_error_starts(f, "uart gpio0 send \"x\"", "'gpio0' has no serial port open");
}

/* ---- the changes ---- */

static void test_add_builds_maps_and_wires(void **state)
{
    Fx *f = *state;
    const char *line = "peripheral add uart1 ns16550a @0x10001000 chardev=null irq=plic.43";
    expect_ok(f, line, "added uart1 (ns16550a) at 0x10001000\n");
    const BoardPeripheral *p = entry(f, "uart1");
    assert_string_equal(p->type, "ns16550a");
    assert_int_equal(p->base, 0x10001000);
    assert_int_equal(p->size, 0); /* the model's default */
    assert_int_equal(p->nprops, 1);
    assert_string_equal(p->props[0].key, "chardev");
    assert_string_equal(p->props[0].value, "null");
    assert_int_equal(p->nirqs, 1);
    assert_string_equal(p->irqs[0].target, "plic");
    assert_int_equal(p->irqs[0].line, 43);
    /* every location points at its word of the command */
    assert_string_equal(p->loc.file, "monitor");
    assert_int_equal(p->loc.line, 1);
    assert_int_equal(p->loc.col, col(line, "uart1"));
    assert_int_equal(p->type_loc.col, col(line, "ns16550a"));
    assert_int_equal(p->base_loc.col, col(line, "@"));
    assert_int_equal(p->props[0].loc.col, col(line, "null"));
    assert_int_equal(p->irq_loc.col, col(line, "plic.43"));
    assert_int_equal(p->irqs[0].loc.col, col(line, "plic.43"));
    assert_int_equal(rd8(f, 0x10001000u + LSR) & 0x60, 0x60); /* THRE, TEMT */
    expect_ok(f, "audit", "audit: ok\n");
    /* sinks as boards write them: ranges and the CPU's inputs */
    expect_ok(f, "peripheral add gpio1 sifive,gpio0 @0x10013000 irq=plic.44-52,plic.60-82",
              "added gpio1 (sifive,gpio0) at 0x10013000\n");
    p = entry(f, "gpio1");
    assert_int_equal(p->nirqs, 32);
    assert_int_equal(p->irqs[8].line, 52);
    assert_int_equal(p->irqs[9].line, 60);
    expect_ok(f, "peripheral remove clint", "removed clint\n");
    expect_ok(f, "peripheral add clint2 sifive,clint0 @0x2000000 irq=\"cpu.msi,cpu.mti\"",
              "added clint2 (sifive,clint0) at 0x02000000\n");
    p = entry(f, "clint2");
    assert_string_equal(p->irqs[1].target, "cpu");
    assert_string_equal(p->irqs[1].input, "mti");
    expect_ok(f, "audit", "audit: ok\n");
}

static void test_remove_and_power(void **state)
{
    Fx *f = *state;
    expect_ok(f, "peripheral remove uart0", "removed uart0\n");
    assert_null(machine_find_peripheral(f->m, "uart0"));
    uint32_t v;
    assert_int_not_equal(memory_read(f->ms, UART0, 4, &v), MEM_OK);
    expect_error(f, "uart uart0 send \"x\"", "no peripheral named 'uart0'");
    expect_ok(f, "peripheral power gpio0 off", "gpio0: powered off\n");
    assert_false(machine_peripheral_powered(f->m, "gpio0"));
    assert_int_not_equal(memory_read(f->ms, GPIO0, 4, &v), MEM_OK);
    expect_error(f, "gpio gpio0 1 1", "'gpio0' is powered off");
    expect_ok(f, "peripheral power gpio0 on", "gpio0: powered on\n");
    assert_int_equal(rd(f, GPIO0), 0);
    expect_ok(f, "audit", "audit: ok\n");
}

/* Same base; the wiring kept without irq=; the properties the new model
 * declares kept unless given; the new model at reset state. */
static void test_replace_keeps_base_wiring_and_known_properties(void **state)
{
    Fx *f = *state;
    expect_ok(f, "peripheral replace uart0 sifive,uart0",
              "replaced uart0 by sifive,uart0 at 0x10000000\n");
    const BoardPeripheral *p = entry(f, "uart0");
    assert_string_equal(p->type, "sifive,uart0");
    assert_int_equal(p->base, UART0);
    assert_int_equal(p->nirqs, 1);
    assert_string_equal(p->irqs[0].target, "plic");
    assert_int_equal(p->irqs[0].line, 10);
    assert_int_equal(p->nprops, 1);
    assert_string_equal(p->props[0].key, "chardev");
    assert_string_equal(p->props[0].value, "stdio");
    /* sifive,uart0's txdata at +0 (txen in txctrl at +8): the tap sees it
     * under the same name */
    assert_int_equal(memory_write(f->ms, UART0 + 8, 4, 1), MEM_OK);
    assert_int_equal(memory_write(f->ms, UART0, 4, 'A'), MEM_OK);
    clock_advance(f->clock, clock_now(f->clock) + 100000);
    assert_string_equal(f->printed, "uart0:A|");
    expect_ok(f, "peripheral replace uart0 ns16550a chardev=null irq=plic.50",
              "replaced uart0 by ns16550a at 0x10000000\n");
    p = entry(f, "uart0");
    assert_int_equal(p->irqs[0].line, 50);
    assert_string_equal(p->props[0].value, "null");
    /* a stub's size is kept when the type is */
    expect_ok(f, "peripheral replace stub memory-mapped-stub read-value=7",
              "replaced stub by memory-mapped-stub at 0x10020000\n");
    assert_int_equal(entry(f, "stub")->size, 0x100);
    assert_int_equal(rd(f, STUB + 0xfc), 7);
    expect_ok(f, "audit", "audit: ok\n");
}

static void test_move_keeps_state(void **state)
{
    Fx *f = *state;
    assert_int_equal(memory_write(f->ms, GPIO0 + 0x04, 4, 0x8), MEM_OK); /* input_en */
    expect_ok(f, "peripheral move gpio0 @0x10030000", "moved gpio0 to 0x10030000\n");
    assert_int_equal(entry(f, "gpio0")->base, 0x10030000);
    uint32_t v;
    assert_int_not_equal(memory_read(f->ms, GPIO0, 4, &v), MEM_OK);
    assert_int_equal(rd(f, 0x10030000u + 0x04), 0x8);
}

static void test_set_and_gpio_and_uart_send(void **state)
{
    Fx *f = *state;
    expect_ok(f, "peripheral set stub read-value 0x1234", "stub: read-value = 0x1234\n");
    assert_int_equal(rd(f, STUB), 0x1234);
    expect_ok(f, "peripheral set uart0 chardev null", "uart0: chardev = null\n");
    /* a pin driven from outside shows in input_val where input_en is set */
    assert_int_equal(memory_write(f->ms, GPIO0 + 0x04, 4, 0x8), MEM_OK);
    expect_ok(f, "gpio gpio0 3 1", "gpio0: pin 3 = 1\n");
    assert_int_equal(rd(f, GPIO0), 0x8);
    expect_ok(f, "gpio gpio0 0x3 0", "gpio0: pin 3 = 0\n");
    assert_int_equal(rd(f, GPIO0), 0);
    /* bytes reach the firmware through the UART at its character times,
     * NUL included */
    rd8(f, UART0 + LSR); /* the firmware touched the UART: it may receive */
    expect_ok(f, "uart uart0 send \"h\\x00\"", "uart0: queued 2 bytes\n");
    clock_advance(f->clock, clock_now(f->clock) + CPU_HZ / 100);
    assert_int_equal(rd8(f, UART0 + LSR) & 1, 1); /* DR */
    assert_int_equal(rd8(f, UART0), 'h');
    clock_advance(f->clock, clock_now(f->clock) + CPU_HZ / 100); /* no FIFO: 1 byte */
    assert_int_equal(rd8(f, UART0 + LSR) & 1, 1);
    assert_int_equal(rd8(f, UART0), 0);
    clock_advance(f->clock, clock_now(f->clock) + CPU_HZ / 100);
    assert_int_equal(rd8(f, UART0 + LSR) & 1, 0);
    expect_ok(f, "uart uart0 send x", "uart0: queued 1 byte\n");
    expect_ok(f, "uart uart0 send \"\"", "uart0: queued 0 bytes\n"); /* empty, yet bytes */
}

static void test_run_control_fills_the_request(void **state)
{
    Fx *f = *state;
    typedef struct Want { /* the fields of MonitorRequest these fill */
        MonitorAction action;
        uint64_t count;
        bool count_is_insns;
        int status;
    } Want;
    static const struct {
        const char *line;
        Want want;
    } cases[] = {
        {"stop", {MONITOR_ACT_STOP, 0, false, 0}},
        {"cont", {MONITOR_ACT_CONT, 0, false, 0}},
        {"step", {MONITOR_ACT_STEP, 1, false, 0}},
        {"step 0x10", {MONITOR_ACT_STEP, 16, false, 0}},
        {"run-for 10ms", {MONITOR_ACT_RUN_FOR, CPU_HZ / 100, false, 0}},
        {"run-for 3us", {MONITOR_ACT_RUN_FOR, 30, false, 0}},
        {"run-for 1ns", {MONITOR_ACT_RUN_FOR, 1, false, 0}}, /* rounded up */
        {"run-for 150ns", {MONITOR_ACT_RUN_FOR, 2, false, 0}},
        {"run-for 2s", {MONITOR_ACT_RUN_FOR, 2 * CPU_HZ, false, 0}},
        {"run-for 250", {MONITOR_ACT_RUN_FOR, 250, false, 0}},
        {"run-for 1_000cycles", {MONITOR_ACT_RUN_FOR, 1000, false, 0}},
        {"run-for 5000insns", {MONITOR_ACT_RUN_FOR, 5000, true, 0}},
        {"quit", {MONITOR_ACT_QUIT, 0, false, 0}},
        {"quit 3", {MONITOR_ACT_QUIT, 0, false, 3}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (MonitorSource src = MONITOR_FROM_CONSOLE; src <= MONITOR_FROM_SCENARIO; src++) {
            bool ok;
            MonitorRequest req;
            char *out = exec_from(f, src, cases[i].line, &ok, &req);
            assert_true(ok);
            assert_string_equal(out, "");
            free(out);
            const Want *w = &cases[i].want;
            if (req.action != w->action || req.count != w->count ||
                req.count_is_insns != w->count_is_insns || req.status != w->status)
                fail_msg("'%s': action %d count %llu insns %d status %d", cases[i].line,
                         req.action, (unsigned long long)req.count, req.count_is_insns,
                         req.status);
        }
    }
    static const char *const from_gdb[][2] = {
        {"stop", "Ctrl-C"}, {"cont", "continue"}, {"step 2", "stepi N"},
        {"run-for 1ms", "stepi N or continue"}, {"quit", "kill"},
    };
    for (size_t i = 0; i < 5; i++) {
        char want[128], name[16];
        sscanf(from_gdb[i][0], "%15s", name);
        snprintf(want, sizeof want, "'%s' is not for gdb: use %s", name, from_gdb[i][1]);
        expect_error_from(f, MONITOR_FROM_GDB, from_gdb[i][0], want, true);
    }
}

/* run-until hands its goal over as the request's strings (the caller
 * frees them); quit says whether a status was given. */
static void test_run_until_and_quit_fill_the_request(void **state)
{
    Fx *f = *state;
    bool ok;
    MonitorRequest req;
    char *out = exec_from(f, MONITOR_FROM_CONSOLE, "run-until pc 0x80000100 5000insns", &ok,
                          &req);
    assert_true(ok);
    assert_string_equal(out, "");
    assert_int_equal(req.action, MONITOR_ACT_RUN_UNTIL);
    assert_null(req.device);
    assert_int_equal(req.pc, 0x80000100);
    assert_true(req.has_limit && req.count_is_insns);
    assert_int_equal(req.count, 5000);
    assert_string_equal(req.goal, "the pc did not reach 0x80000100");
    assert_string_equal(req.limit, "5000insns");
    monitor_request_free(&req);
    free(out);
    out = exec_from(f, MONITOR_FROM_CONSOLE, "run-until pc 0x80000100", &ok, &req);
    assert_true(ok && !req.has_limit && req.limit == NULL);
    monitor_request_free(&req);
    free(out);
    /* no taps here: a UART's output is not kept */
    expect_error_from(f, MONITOR_FROM_CONSOLE, "run-until uart0 \"x\"",
                      "uart: no serial output is kept on this target", false);
    expect_error_from(f, MONITOR_FROM_SCENARIO, "run-until pc 0x80000100",
                      "'run-until' is not for a scenario: use break and continue (gdb), "
                      "a trigger (scenarios)", false);
    out = exec_from(f, MONITOR_FROM_CONSOLE, "quit", &ok, &req);
    assert_true(ok && req.action == MONITOR_ACT_QUIT && !req.has_status);
    free(out);
    out = exec_from(f, MONITOR_FROM_CONSOLE, "quit 0", &ok, &req);
    assert_true(ok && req.action == MONITOR_ACT_QUIT && req.has_status && req.status == 0);
    free(out);
}

/* ---- board apply ---- */

static const char *write_board(Fx *f, const char *text)
{
    if (f->tmp[0])
        unlink(f->tmp);
    strcpy(f->tmp, "/tmp/mcusim-monitor-XXXXXX.yaml");
    int fd = mkstemps(f->tmp, 5);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return f->tmp;
}

static void test_board_apply_changes_only_what_differs(void **state)
{
    Fx *f = *state;
    /* the same board with uart0 moved and the stub gone */
    char text[sizeof BOARD + 64];
    strcpy(text, BOARD);
    *strstr(text, "    - {name: stub") = '\0';
    memcpy(strstr(text, "base: 0x10000000"), "base: 0x10040000", 16);
    const char *path = write_board(f, text);
    assert_int_equal(memory_write(f->ms, GPIO0 + 0x04, 4, 0x5), MEM_OK); /* state kept */
    char line[128];
    snprintf(line, sizeof line, "board apply %s:t", path);
    bool ok;
    MonitorRequest req;
    char *out = exec_from(f, MONITOR_FROM_CONSOLE, line, &ok, &req);
    if (!ok)
        fail_msg("%s", out);
    assert_non_null(strstr(out, "uart0"));
    assert_non_null(strstr(out, "stub"));
    assert_null(strstr(out, "gpio0"));
    assert_int_equal(count_lines(out), 2);
    free(out);
    assert_int_equal(entry(f, "uart0")->base, 0x10040000);
    assert_null(machine_find_peripheral(f->m, "stub"));
    assert_int_equal(rd(f, GPIO0 + 0x04), 0x5);
    snprintf(line, sizeof line, "board apply %s", path); /* the file's only board */
    expect_ok(f, line, "board apply: nothing to change\n");
    expect_ok(f, "audit", "audit: ok\n");
}

static void test_board_apply_refusals(void **state)
{
    Fx *f = *state;
    expect_error_starts(f, "board apply /nonexistent/b.yaml", "/nonexistent/b.yaml");
    expect_error(f, "board apply virt32", "'virt32' is no board file (FILE.yaml[:NAME]) and "
                 "there are no shipped boards");
    const char *path = write_board(f, "t:\n  memory: [{name: ram, type: ram, base: 0x80000000,"
                                      " size: 64K}]\n  peripherals:\n    - {name: x, "
                                      "type: ns16550a, base: oops}\n");
    char line[128], want[128];
    snprintf(line, sizeof line, "board apply %s", path);
    snprintf(want, sizeof want, "%s:4:", path);
    expect_error_starts(f, line, want);
    /* the memory the hart runs from may not go */
    path = write_board(f, "t:\n  memory: [{name: ram2, type: ram, base: 0x90000000, "
                          "size: 64K}]\n");
    snprintf(line, sizeof line, "board apply %s", path);
    expect_error_starts(f, line, "'ram' holds the pc (0x80000000)");
}

/* ---- the others ---- */

static void test_info_commands_print_the_live_machine(void **state)
{
    Fx *f = *state;
    expect_ok(f, "peripheral remove test", "removed test\n");
    char *want = memory_tree(f->ms);
    expect_ok(f, "info mtree", want);
    free(want);
    want = machine_describe(f->m);
    assert_null(strstr(want, "test "));
    expect_ok(f, "info peripherals", want);
    free(want);
    want = machine_describe_irqs(f->m);
    expect_ok(f, "  info   irq ", want);
    free(want);
    /* the machine's models, then the devices behind bus controllers */
    want = machine_describe_types(f->m);
    bool ok;
    MonitorRequest req;
    char *out = exec_from(f, MONITOR_FROM_CONSOLE, "info types", &ok, &req);
    assert_true(ok);
    assert_memory_equal(out, want, strlen(want));
    assert_non_null(strstr(want, "sifive,uart0: SiFive UART"));
    assert_non_null(strstr(want, "  registers:\n    0x0000 txdata "));
    assert_non_null(strstr(out + strlen(want) - 1, "\nlm75: "));
    assert_non_null(strstr(out + strlen(want), "  behind an i2c controller"));
    assert_non_null(strstr(out + strlen(want), "  temperature "));
    free(out);
    free(want);
}

static void test_audit_reports_the_first_violation(void **state)
{
    Fx *f = *state;
    expect_ok(f, "audit", "audit: ok\n");
    Owner *ram = NULL;
    for (Owner *o = f->ms->owners; o && !ram; o = o->next)
        if (strcmp(o->name, "ram") == 0)
            ram = o;
    assert_non_null(ram);
    unsigned reasons = owner_refcount(ram);
    char want[128];
    snprintf(want, sizeof want, "memory audit: owner 'ram' has refcount %u but %u reasons "
             "for it", reasons + 1, reasons);
    ram->refcount++;
    bool ok;
    MonitorRequest req;
    char *out = exec_from(f, MONITOR_FROM_GDB, "audit", &ok, &req);
    ram->refcount--;
    assert_false(ok);
    assert_string_equal(out + strlen("error: "), strcat(want, "\n"));
    free(out);
}

static void test_stats_and_reset(void **state)
{
    Fx *f = *state;
    expect_ok(f, "stats", "instructions: 0\ncycles: 0\n");
    cpu_set_pc(f->cpu, RAM_BASE + 0x40);
    expect_ok(f, "reset", "reset; pc = 0x80000000\n");
    assert_int_equal(f->resets, 1);
}

static void test_exec_writes_to_the_stream(void **state)
{
    Fx *f = *state;
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    MonitorRequest req;
    assert_true(monitor_exec(f->mon, MONITOR_FROM_SCENARIO, "step 4", &req, out));
    assert_false(monitor_exec(f->mon, MONITOR_FROM_SCENARIO, "bogus", &req, out));
    assert_int_equal(req.action, MONITOR_ACT_NONE);
    fclose(out);
    assert_string_equal(text, "error: unknown command 'bogus'; try 'help'\n");
    free(text);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_help_lists_every_command),
        T(test_help_command_prints_its_usage),
        T(test_unknown_commands),
        T(test_malformed_words),
        T(test_malformed_add),
        T(test_malformed_irq_sinks),
        T(test_malformed_other_commands),
        T(test_refusals_name_the_rule_and_change_nothing),
        T(test_add_builds_maps_and_wires),
        T(test_remove_and_power),
        T(test_replace_keeps_base_wiring_and_known_properties),
        T(test_move_keeps_state),
        T(test_set_and_gpio_and_uart_send),
        T(test_run_control_fills_the_request),
        T(test_run_until_and_quit_fill_the_request),
        T(test_board_apply_changes_only_what_differs),
        T(test_board_apply_refusals),
        T(test_info_commands_print_the_live_machine),
        T(test_audit_reports_the_first_violation),
        T(test_stats_and_reset),
        T(test_exec_writes_to_the_stream),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
