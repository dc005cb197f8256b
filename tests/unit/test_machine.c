/* Machine assembly from a board description: devices through the registry,
 * memories as their own owners, validation before building, and nothing
 * left behind by a failure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <unistd.h>

#include "peripherals/registry.h"
#include "soc/board.h"
#include "soc/machine.h"

/* CPU interrupt inputs the fake CPU behind MachineHooks.cpu_irq has. */
static const char *const cpu_inputs[] = {"msi", "mti", "mei"};
#define NCPU_INPUTS (sizeof cpu_inputs / sizeof cpu_inputs[0])

typedef struct Host {
    int stops;
    char out[256];
    size_t outlen;
    bool cpu_level[NCPU_INPUTS];
    int cpu_sets;
} Host;

typedef struct BufChardev {
    Chardev base;
    Host *host;
} BufChardev;

static void buf_write(Chardev *chr, const uint8_t *buf, size_t len)
{
    Host *h = ((BufChardev *)chr)->host;
    for (size_t i = 0; i < len && h->outlen + 1 < sizeof h->out; i++)
        h->out[h->outlen++] = (char)buf[i];
}

static void buf_close(Chardev *chr) { free(chr); }

static const ChardevOps buf_ops = {.write = buf_write, .close = buf_close};

static Chardev *open_buf(void *opaque, const char *device, const char *spec,
                         Error **errp)
{
    if (strcmp(spec, "stdio") != 0) {
        error_setf(errp, "test host only has stdio, not '%s'", spec);
        return NULL;
    }
    BufChardev *c = calloc(1, sizeof *c);
    c->base.ops = &buf_ops;
    c->host = opaque;
    return &c->base;
}

static void stop(void *opaque) { ((Host *)opaque)->stops++; }

static void cpu_set(void *opaque, unsigned line, bool level)
{
    Host *h = opaque;
    assert_true(line < NCPU_INPUTS);
    h->cpu_level[line] = level;
    h->cpu_sets++;
}

static bool cpu_irq(void *opaque, const char *input, IrqLine *out)
{
    for (unsigned i = 0; i < NCPU_INPUTS; i++) {
        if (strcmp(input, cpu_inputs[i]) == 0) {
            *out = (IrqLine){.handler = cpu_set, .opaque = opaque, .line = i};
            return true;
        }
    }
    return false;
}

static const char VIRT[] =
    "b:\n"
    "  memory:\n"
    "    - {name: ram, type: ram, base: 0x80000000, size: 64K}\n"
    "  peripherals:\n"
    "    - {name: test, type: \"sifive,test0\", base: 0x100000}\n"
    "    - {name: uart0, type: ns16550a, base: 0x10000000, chardev: stdio}\n";

/* Builds the first board of `text`; the hooks offer `clock` and, when
 * with_cpu, a CPU with msi/mti/mei inputs (recorded in host). */
static Machine *build_hooks(const char *text, MemorySystem *ms, Host *host,
                            Clock *clock, bool with_cpu, Error **errp)
{
    BoardFile *file = board_file_parse("m.yaml", text, strlen(text), errp);
    if (!file)
        return NULL;
    MachineHooks hooks = {.opaque = host, .stop = stop, .open_chardev = open_buf,
                          .clock = clock, .registry = registry_devices()};
    if (with_cpu)
        hooks.cpu_irq = cpu_irq;
    Machine *m = machine_new(ms, &file->boards[0], &hooks, errp);
    board_file_free(file);
    return m;
}

static Machine *build_with(const char *text, MemorySystem *ms, Host *host,
                           Clock *clock, Error **errp)
{
    return build_hooks(text, ms, host, clock, clock != NULL, errp);
}

static Machine *build(const char *text, MemorySystem *ms, Host *host, Error **errp)
{
    return build_hooks(text, ms, host, NULL, false, errp);
}

static void audit(MemorySystem *ms)
{
    Error *err = NULL;
    if (!memory_audit(ms, &err))
        fail_msg("audit: %s", error_message(err));
}

static void test_machine_maps_board_and_devices_work(void **state)
{
    MemorySystem *ms = memory_system_new();
    Host host = {0};
    Error *err = NULL;
    Machine *m = build(VIRT, ms, &host, &err);
    assert_non_null(m);
    audit(ms);
    char *tree = memory_tree(ms);
    assert_non_null(strstr(tree, "0000000080000000-000000008000ffff (prio 0, ram): ram [owner ram]"));
    assert_non_null(strstr(tree, "0000000010000000-00000000100000ff (prio 0, mmio): uart0 [owner uart0]"));
    assert_non_null(strstr(tree, "0000000000100000-0000000000100fff (prio 0, mmio): test [owner test]"));
    free(tree);

    uint32_t lsr;
    assert_int_equal(memory_read(ms, 0x10000005, 1, &lsr), MEM_OK);
    assert_int_equal(lsr & 0x60, 0x60);
    assert_int_equal(memory_write(ms, 0x10000000, 1, 'h'), MEM_OK);
    assert_int_equal(memory_write(ms, 0x10000000, 1, 'i'), MEM_OK);
    assert_string_equal(host.out, "hi");

    int status = -1;
    assert_false(machine_exit_requested(m, &status));
    assert_int_equal(memory_write(ms, 0x100000, 4, (7u << 16) | 0x3333), MEM_OK);
    assert_true(machine_exit_requested(m, &status));
    assert_int_equal(status, 7);
    assert_int_equal(host.stops, 1);

    machine_free(m);
    assert_int_equal(memory_stats(ms).owners, 0);
    memory_system_free(ms);
}

static void test_machine_pass_value_exits_zero(void **state)
{
    MemorySystem *ms = memory_system_new();
    Host host = {0};
    Machine *m = build(VIRT, ms, &host, NULL);
    assert_non_null(m);
    int status = -1;
    assert_int_equal(memory_write(ms, 0x100000, 4, 0x5555), MEM_OK);
    assert_true(machine_exit_requested(m, &status));
    assert_int_equal(status, 0);
    machine_free(m);
    memory_system_free(ms);
}

/* Hooks offered to the machine under test. */
enum { NO_HOOKS = 0, CLOCK = 1, CPU = 2, CLOCK_CPU = 3 };

static void expect_failure_with(const char *text, int hooks,
                                const char *message)
{
    MemorySystem *ms = memory_system_new();
    Clock *clock = hooks & CLOCK ? clock_new(1000) : NULL;
    Host host = {0};
    Error *err = NULL;
    Machine *m = build_hooks(text, ms, &host, clock, hooks & CPU, &err);
    assert_null(m);
    assert_non_null(err);
    if (strcmp(error_message(err), message) != 0)
        fail_msg("got '%s'\nexpected '%s'", error_message(err), message);
    error_free(err);
    assert_int_equal(memory_stats(ms).owners, 0);
    assert_int_equal(memory_stats(ms).regions, 0);
    memory_system_free(ms);
    if (clock)
        clock_free(clock); /* aborts if a device left an event behind */
}

static void expect_failure(const char *text, const char *message)
{
    expect_failure_with(text, NO_HOOKS, message);
}

/* The message lists every registered model, in registry order. */
static void test_machine_unknown_type_names_known_ones(void **state)
{
    char expected[1024] = "m.yaml:3:23: unknown peripheral type 'uart9000' (known: ";
    for (size_t i = 0; i < registry_count(); i++) {
        strcat(expected, registry_at(i)->type);
        strcat(expected, i + 1 < registry_count() ? ", " : ")");
    }
    assert_true(registry_count() >= 10);
    expect_failure("b:\n  peripherals:\n    - {name: u, type: uart9000, base: 0x1000}\n",
                   expected);
}

static void test_machine_size_outside_model_range(void **state)
{
    expect_failure("b:\n  peripherals:\n    - {name: u, type: ns16550a, base: 0x1000, size: 4}\n",
                   "m.yaml:3:53: size 0x4 not allowed for ns16550a (0x8 to 0x1000)");
}

static void test_machine_overlap_names_both(void **state)
{
    expect_failure("b:\n  memory:\n    - {name: ram, type: ram, base: 0x1000, size: 0x1000}\n"
                   "  peripherals:\n    - {name: u, type: ns16550a, base: 0x1f00}\n",
                   "m.yaml:5:39: 'u' [0x1f00-0x1fff] overlaps 'ram' [0x1000-0x1fff]");
}

/* The block written later is the one reported, wherever it sorts: here
 * below the one it runs into. */
static void test_machine_overlap_reports_the_later_block(void **state)
{
    expect_failure("b:\n  memory:\n    - {name: ram, type: ram, base: 0x2000, size: 0x1000}\n"
                   "  peripherals:\n    - {name: u, type: ns16550a, base: 0x1f80}\n",
                   "m.yaml:5:39: 'u' [0x1f80-0x207f] overlaps 'ram' [0x2000-0x2fff]");
}

/* A base or size given by --set is where an error about it points, and
 * the block it placed is the one reported. */
static void test_machine_errors_point_at_what_set_placed(void **state)
{
    static const char below_uart[] =
        "b:\n  memory:\n    - {name: ram, type: ram, base: 0xfff0000, size: 64K}\n"
        "  peripherals:\n    - {name: uart0, type: ns16550a, base: 0x10000000}\n";
    static const char *const cases[][3] = {
        { VIRT, "uart0.base=0x80008000", "--set:1:12: 'uart0' [0x80008000-0x800080ff] "
          "overlaps 'ram' [0x80000000-0x8000ffff]" },
        { VIRT, "uart0.size=0x4", "--set:1:12: size 0x4 not allowed for ns16550a (0x8 "
          "to 0x1000)" },
        { VIRT, "test.base=0xfffff800", "--set:1:11: peripheral 'test' at 0xfffff800 "
          "size 0x1000 ends past 0x100000000" },
        /* a memory moved or grown onto a peripheral written after it */
        { VIRT, "ram.base=0x10000000", "--set:1:10: 'ram' [0x10000000-0x1000ffff] "
          "overlaps 'uart0' [0x10000000-0x100000ff]" },
        { below_uart, "ram.size=0x20000", "--set:1:10: 'ram' [0xfff0000-0x1000ffff] "
          "overlaps 'uart0' [0x10000000-0x100000ff]" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *text = cases[i][0], *set = cases[i][1], *expected = cases[i][2];
        Error *err = NULL;
        BoardFile *file = board_file_parse("m.yaml", text, strlen(text), &err);
        assert_non_null(file);
        if (!board_apply_set(&file->boards[0], set, 1, &err))
            fail_msg("%s: %s", set, error_message(err));
        MemorySystem *ms = memory_system_new();
        Host host = {0};
        MachineHooks hooks = {.opaque = &host, .stop = stop, .open_chardev = open_buf,
                              .registry = registry_devices()};
        assert_null(machine_new(ms, &file->boards[0], &hooks, &err));
        if (!err || strcmp(error_message(err), expected) != 0)
            fail_msg("%s: got '%s'\nexpected '%s'", set, err ? error_message(err) : "(none)",
                     expected);
        error_free(err);
        assert_int_equal(memory_stats(ms).owners, 0);
        memory_system_free(ms);
        board_file_free(file);
    }
}

static void test_machine_unknown_property_unwinds(void **state)
{
    expect_failure("b:\n  memory:\n    - {name: ram, type: ram, base: 0x1000, size: 0x1000}\n"
                   "  peripherals:\n    - {name: u, type: ns16550a, base: 0x10000, baud: 9600}\n",
                   "m.yaml:5:54: unknown property 'baud' for ns16550a 'u'");
}

static void test_machine_chardev_error_unwinds(void **state)
{
    expect_failure("b:\n  memory:\n    - {name: ram, type: ram, base: 0x1000, size: 0x1000}\n"
                   "  peripherals:\n"
                   "    - {name: t, type: \"sifive,test0\", base: 0x100000}\n"
                   "    - {name: u, type: ns16550a, base: 0x10000, chardev: tcp:1}\n",
                   "m.yaml:6:57: test host only has stdio, not 'tcp:1'");
}

/* ---- interrupt wiring ---- */

static const char CLINT_TO_CPU[] =
    "b:\n"
    "  peripherals:\n"
    "    - {name: clint, type: \"sifive,clint0\", base: 0x2000000, irq: [cpu.msi, cpu.mti]}\n"
    "    - {name: test, type: \"sifive,test0\", base: 0x100000}\n";

static void test_machine_wires_clint_to_cpu_inputs(void **state)
{
    MemorySystem *ms = memory_system_new();
    Clock *clock = clock_new(1000);
    Host host = {0};
    Error *err = NULL;
    Machine *m = build_with(CLINT_TO_CPU, ms, &host, clock, &err);
    if (!m)
        fail_msg("%s", error_message(err));
    audit(ms);
    assert_false(host.cpu_level[0] || host.cpu_level[1] || host.cpu_level[2]);
    assert_int_equal(host.cpu_sets, 2); /* initial levels on connection */

    assert_int_equal(memory_write(ms, 0x2000000, 4, 1), MEM_OK); /* msip */
    assert_true(host.cpu_level[0]);
    assert_false(host.cpu_level[1]);
    assert_int_equal(memory_write(ms, 0x2004004, 4, 0), MEM_OK); /* mtimecmp */
    /* the default 10 MHz timebase on a 1 kHz CPU: 10000 ticks a cycle */
    assert_int_equal(memory_write(ms, 0x2004000, 4, 1000000), MEM_OK);
    clock_advance(clock, 99);
    assert_false(host.cpu_level[1]);
    clock_advance(clock, 100);
    assert_true(host.cpu_level[1]);
    assert_false(host.cpu_level[2]);

    uint64_t now = 0;
    assert_true(machine_read_time(m, &now));
    assert_int_equal(now, 1000000);
    assert_string_equal(machine_time_source_name(m), "clint");

    int sets = host.cpu_sets;
    machine_free(m);
    assert_int_equal(host.cpu_sets, sets); /* teardown drives nothing */
    assert_int_equal(memory_stats(ms).owners, 0);
    memory_system_free(ms);
    clock_free(clock);
}

static void test_machine_wires_outputs_to_peripheral_inputs_in_order(void **state)
{
    MemorySystem *ms = memory_system_new();
    Clock *clock = clock_new(1000);
    Host host = {0};
    Error *err = NULL;
    Machine *m = build_with(
        "b:\n  peripherals:\n"
        "    - {name: clint, type: \"sifive,clint0\", base: 0x2000000,\n"
        "       irq: [probe.5, probe.0], timebase-frequency: 1000}\n"
        "    - {name: probe, type: \"mcusim,irq-probe\", base: 0x3000}\n",
        ms, &host, clock, &err);
    if (!m)
        fail_msg("%s", error_message(err));
    uint32_t levels = 0xff;
    assert_int_equal(memory_read(ms, 0x3000, 4, &levels), MEM_OK);
    assert_int_equal(levels, 0);
    assert_int_equal(memory_write(ms, 0x2000000, 4, 1), MEM_OK); /* msi */
    assert_int_equal(memory_read(ms, 0x3000, 4, &levels), MEM_OK);
    assert_int_equal(levels, 1u << 5);
    assert_int_equal(memory_write(ms, 0x2004004, 4, 0), MEM_OK); /* mti */
    assert_int_equal(memory_write(ms, 0x2004000, 4, 0), MEM_OK);
    assert_int_equal(memory_read(ms, 0x3000, 4, &levels), MEM_OK);
    assert_int_equal(levels, 1u << 5 | 1u << 0);
    assert_int_equal(host.cpu_sets, 0);
    machine_free(m);
    assert_int_equal(memory_stats(ms).owners, 0);
    memory_system_free(ms);
    clock_free(clock);
}

static void test_machine_unwired_outputs_go_nowhere(void **state)
{
    MemorySystem *ms = memory_system_new();
    Clock *clock = clock_new(1000);
    Host host = {0};
    Machine *m = build_with(
        "b:\n  peripherals:\n"
        "    - {name: clint, type: \"sifive,clint0\", base: 0x2000000}\n"
        "    - {name: c2, type: \"mcusim,irq-probe\", base: 0x3000, irq: []}\n",
        ms, &host, clock, NULL);
    assert_non_null(m);
    assert_int_equal(memory_write(ms, 0x2000000, 4, 1), MEM_OK);
    assert_int_equal(host.cpu_sets, 0);
    machine_free(m);
    memory_system_free(ms);
    clock_free(clock);
}

static void test_machine_without_time_source_says_so(void **state)
{
    MemorySystem *ms = memory_system_new();
    Host host = {0};
    Machine *m = build(VIRT, ms, &host, NULL);
    uint64_t now = 7;
    assert_false(machine_read_time(m, &now));
    assert_int_equal(now, 7); /* untouched */
    assert_null(machine_time_source_name(m));
    machine_free(m);
    memory_system_free(ms);
}

static void test_machine_cpu_sink_errors(void **state)
{
    expect_failure_with(CLINT_TO_CPU, CLOCK, /* no cpu_irq hook */
                   "m.yaml:3:67: cannot wire cpu.msi: this machine has no "
                   "CPU interrupt inputs");
    expect_failure_with("b:\n  peripherals:\n"
                        "    - {name: clint, type: \"sifive,clint0\", base: 0, "
                        "irq: [cpu.msi, cpu.sei]}\n", CLOCK_CPU,
                        "m.yaml:3:68: unknown CPU interrupt input 'sei'");
}

static void test_machine_peripheral_sink_errors(void **state)
{
    expect_failure_with("b:\n  peripherals:\n"
                        "    - {name: clint, type: \"sifive,clint0\", base: 0, "
                        "irq: [plic.1, plic.2]}\n", CLOCK_CPU,
                        "m.yaml:3:59: unknown interrupt sink 'plic' (no "
                        "peripheral of that name)");
    expect_failure_with("b:\n  peripherals:\n"
                        "    - {name: clint, type: \"sifive,clint0\", base: 0, "
                        "irq: [cpu.msi, test.0]}\n"
                        "    - {name: test, type: \"sifive,test0\", base: 0x100000}\n",
                        CLOCK_CPU,
                        "m.yaml:3:68: 'test' (sifive,test0) has no interrupt "
                        "inputs");
    expect_failure_with("b:\n  peripherals:\n"
                        "    - {name: p, type: \"mcusim,irq-probe\", base: 0x30000, "
                        "inputs: 8}\n"
                        "    - {name: clint, type: \"sifive,clint0\", base: 0, "
                        "irq: [p.7, p.8]}\n", CLOCK_CPU,
                        "m.yaml:4:64: 'p' has no interrupt input 8 (0-7)");
}

static void test_machine_line_count_must_match_the_model(void **state)
{
    expect_failure_with("b:\n  peripherals:\n"
                        "    - {name: clint, type: \"sifive,clint0\", base: 0, "
                        "irq: cpu.mti}\n", CLOCK_CPU,
                        "m.yaml:3:58: 'clint' drives 2 interrupt lines (msi, "
                        "mti); the board wires 1");
    expect_failure_with("b:\n  peripherals:\n"
                        "    - {name: clint, type: \"sifive,clint0\", base: 0, "
                        "irq: [cpu.msi, cpu.mti, cpu.mei]}\n", CLOCK_CPU,
                        "m.yaml:3:58: 'clint' drives 2 interrupt lines (msi, "
                        "mti); the board wires 3");
    expect_failure_with("b:\n  peripherals:\n"
                        "    - {name: t, type: \"sifive,test0\", base: 0x1000, "
                        "irq: cpu.mei}\n", CLOCK_CPU,
                        "m.yaml:3:58: 't' (sifive,test0) drives no interrupt "
                        "lines; the board wires 1");
}

static void test_machine_one_driver_per_input(void **state)
{
    expect_failure_with("b:\n  peripherals:\n"
                        "    - {name: c0, type: \"sifive,clint0\", base: 0, "
                        "irq: [p.1, p.1], timebase-frequency: 1}\n"
                        "    - {name: p, type: \"mcusim,irq-probe\", base: 0x20000}\n",
                        CLOCK_CPU,
                        "m.yaml:3:61: p.1 is already driven by 'c0' (at 3:56)");
    expect_failure_with("b:\n  peripherals:\n"
                        "    - {name: c0, type: \"sifive,clint0\", base: 0, "
                        "irq: [cpu.mti, cpu.mti]}\n", CLOCK_CPU,
                        "m.yaml:3:65: cpu.mti is already driven by 'c0' (at "
                        "3:56)");
    /* two peripherals: the later one in board order is reported, whatever
     * the order of their lines */
    expect_failure_with("b:\n  peripherals:\n"
                        "    - {name: p, type: \"mcusim,irq-probe\", base: 0x20000}\n"
                        "    - {name: u0, type: ns16550a, base: 0x1000, irq: p.3}\n"
                        "    - {name: c0, type: \"sifive,clint0\", base: 0x30000, "
                        "irq: [p.2, p.3], timebase-frequency: 1}\n", CLOCK_CPU,
                        "m.yaml:5:67: p.3 is already driven by 'u0' (at 4:53)");
}

/* The first driver may be in the file the board extends: named there. */
static void test_machine_one_driver_names_the_other_file(void **state)
{
    char path[] = "/tmp/test_machine_parent_XXXXXX.yaml";
    int fd = mkstemps(path, 5);
    assert_true(fd >= 0);
    static const char parent[] =
        "p:\n  peripherals:\n"
        "    - {name: probe, type: \"mcusim,irq-probe\", base: 0x20000}\n"
        "    - {name: u0, type: ns16550a, base: 0x1000, irq: probe.3}\n";
    assert_int_equal(write(fd, parent, strlen(parent)), (ssize_t)strlen(parent));
    close(fd);
    char text[256], expected[256];
    snprintf(text, sizeof text, "c:\n  extends: %s:p\n  peripherals:\n"
             "    - {name: u1, type: ns16550a, base: 0x2000, irq: probe.3}\n", path);
    snprintf(expected, sizeof expected, "m.yaml:4:53: probe.3 is already driven by "
             "'u0' (at %s:4:53)", path);
    expect_failure_with(text, CLOCK_CPU, expected);
    unlink(path);
}

static void test_machine_one_time_source(void **state)
{
    expect_failure_with("b:\n  peripherals:\n"
                        "    - {name: c0, type: \"sifive,clint0\", base: 0}\n"
                        "    - {name: c1, type: \"sifive,clint0\", base: 0x10000}\n",
                        CLOCK_CPU,
                        "m.yaml:4:7: 'c1' cannot be the time source: 'c0' "
                        "already is");
}

static void test_machine_clint_needs_the_clock(void **state)
{
    expect_failure("b:\n  peripherals:\n"
                   "    - {name: c0, type: \"sifive,clint0\", base: 0}\n",
                   "m.yaml:3:7: 'c0' (sifive,clint0) needs virtual time and "
                   "the machine has no clock");
}

static void test_registry_models_with_outputs_can_be_wired(void **state)
{
    for (size_t i = 0; i < registry_count(); i++) {
        const PeripheralClass *cls = registry_at(i);
        if (cls->irq_outputs == 0)
            continue;
        assert_non_null(cls->connect_irqs);
        assert_non_null(cls->irq_output_names);
        for (unsigned j = 0; j < cls->irq_outputs; j++)
            assert_non_null(cls->irq_output_names[j]);
    }
}


/* `image:` fills a ROM/flash from a file next to the board file; a file
 * larger than the memory, or missing, is an error at the image key. */
static void test_machine_memory_image(void **state)
{
    char path[] = "/tmp/test_image_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "\x13\x05\x70\x00", 4), 4);
    close(fd);
    char text[512];
    snprintf(text, sizeof text,
             "b:\n  memory:\n    - {name: flash, type: flash, base: 0x20000000, "
             "size: 4, image: %s}\n", path);
    MemorySystem *ms = memory_system_new();
    Host host = {0};
    Error *err = NULL;
    Machine *m = build(text, ms, &host, &err);
    assert_non_null(m);
    uint32_t word;
    assert_int_equal(memory_read(ms, 0x20000000, 4, &word), MEM_OK);
    assert_int_equal(word, 0x00700513);
    assert_int_equal(memory_write(ms, 0x20000000, 4, 0), MEM_READONLY);
    machine_free(m);
    memory_system_free(ms);

    snprintf(text, sizeof text,
             "b:\n  memory:\n    - {name: flash, type: flash, base: 0x20000000, "
             "size: 2, image: %s}\n", path);
    char expected[512];
    snprintf(expected, sizeof expected,
             "m.yaml:3:68: image '%s': larger than the memory", path);
    expect_failure(text, expected);
    unlink(path);
    snprintf(text, sizeof text,
             "b:\n  memory:\n    - {name: flash, type: flash, base: 0x20000000, "
             "size: 4, image: %s}\n", path);
    snprintf(expected, sizeof expected,
             "m.yaml:3:68: image %s: cannot open: No such file or directory", path);
    expect_failure(text, expected);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_machine_maps_board_and_devices_work),
        cmocka_unit_test(test_machine_pass_value_exits_zero),
        cmocka_unit_test(test_machine_unknown_type_names_known_ones),
        cmocka_unit_test(test_machine_size_outside_model_range),
        cmocka_unit_test(test_machine_overlap_names_both),
        cmocka_unit_test(test_machine_overlap_reports_the_later_block),
        cmocka_unit_test(test_machine_errors_point_at_what_set_placed),
        cmocka_unit_test(test_machine_unknown_property_unwinds),
        cmocka_unit_test(test_machine_chardev_error_unwinds),
        cmocka_unit_test(test_machine_wires_clint_to_cpu_inputs),
        cmocka_unit_test(test_machine_wires_outputs_to_peripheral_inputs_in_order),
        cmocka_unit_test(test_machine_unwired_outputs_go_nowhere),
        cmocka_unit_test(test_machine_without_time_source_says_so),
        cmocka_unit_test(test_machine_cpu_sink_errors),
        cmocka_unit_test(test_machine_peripheral_sink_errors),
        cmocka_unit_test(test_machine_line_count_must_match_the_model),
        cmocka_unit_test(test_machine_memory_image),
        cmocka_unit_test(test_machine_one_driver_per_input),
        cmocka_unit_test(test_machine_one_driver_names_the_other_file),
        cmocka_unit_test(test_machine_one_time_source),
        cmocka_unit_test(test_machine_clint_needs_the_clock),
        cmocka_unit_test(test_registry_models_with_outputs_can_be_wired),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
