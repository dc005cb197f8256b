/* libFuzzer harness: the monitor language (sim/monitor.c) on arbitrary
 * command lines, against a real machine.
 *
 * Each input is up to MAX_LINES command lines (split at '\n'; a NUL ends
 * the input), run one after the other on a fresh machine built from
 * BOARD with every model (registry_devices()), an RV32IMAC hart at
 * 10 MHz running a loop in RAM, its UARTs tapped as sim/main.c taps them
 * (sim/uart_tap.h) and backends that open nothing on the host. Line i
 * comes from source i % 3 (gdb, the console, a scenario), so refusals of
 * run control are exercised too. Between lines the hart runs a few
 * instructions, so a changed map is executed against at once.
 *
 * Beyond the sanitizers, after each line: the output is text (no NUL)
 * ending in a newline, or empty; a failed command printed exactly one
 * line, "error: ...", and asked for no run control; memory_audit and
 * machine_audit pass.
 *
 * Reproduce a finding: build/fuzz/fuzz_monitor FILE (FUZZ_VERBOSE=1
 * prints each command and its output).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "peripherals/registry.h"
#include "sim/cpu/cpu.h"
#include "sim/monitor.h"
#include "sim/uart_tap.h"
#include "soc/alloc.h"
#include "soc/board.h"
#include "soc/machine.h"
#include "soc/memory.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum {
    RAM_BASE = 0x80000000u,
    MAX_LINES = 16,
    INSNS_BETWEEN = 8,
};

static const char BOARD[] =
    "f:\n"
    "  memory:\n"
    "    - {name: ram, type: ram, base: 0x80000000, size: 16K}\n"
    "    - {name: rom, type: rom, base: 0x20000000, size: 4K}\n"
    "  peripherals:\n"
    "    - {name: clint, type: \"sifive,clint0\", base: 0x2000000, irq: [cpu.msi, cpu.mti]}\n"
    "    - {name: plic, type: \"sifive,plic-1.0.0\", base: 0xc000000, sources: 53,\n"
    "       irq: cpu.mei}\n"
    "    - {name: uart0, type: ns16550a, base: 0x10000000, chardev: stdio, irq: plic.10}\n"
    "    - {name: uart1, type: \"sifive,uart0\", base: 0x10013000, chardev: \"null\",\n"
    "       irq: plic.3}\n"
    "    - {name: gpio0, type: \"sifive,gpio0\", base: 0x10012000, irq: [plic.11-42]}\n"
    "    - {name: stub, type: memory-mapped-stub, base: 0x10020000, size: 0x100}\n"
    "    - {name: test, type: \"sifive,test0\", base: 0x100000}\n";

/* addi a0,a0,1 four times, then j back to the start */
static const uint32_t program[] = {0x00150513, 0x00150513, 0x00150513, 0x00150513,
                                   0xff1ff06f};

static bool verbose;

typedef struct Rig {
    Clock *clock;
    MemorySystem *ms;
    Cpu *cpu;
    UartTaps *taps;
    Machine *m;
    Monitor *mon;
} Rig;

static void must(bool ok, Error *err, const char *what)
{
    if (ok)
        return;
    fprintf(stderr, "fuzz_monitor: %s: %s\n", what, err ? error_message(err) : "failed");
    abort();
}

/* Backends that touch nothing on the host: whatever the spec, a sink. */
static void sink_write(Chardev *chr, const uint8_t *buf, size_t len) {}
static void sink_close(Chardev *chr) { free(chr); }
static const ChardevOps sink_ops = {.write = sink_write, .close = sink_close};

static Chardev *open_chardev(void *opaque, const char *device, const char *spec,
                             Error **errp)
{
    Rig *r = opaque;
    Chardev *inner = xcalloc(1, sizeof *inner);
    inner->ops = &sink_ops;
    return uart_taps_wrap(r->taps, device, inner);
}

static bool cpu_irq(void *opaque, const char *input, IrqLine *out)
{
    return cpu_irq_input_named(((Rig *)opaque)->cpu, input, out);
}

static void reset_cpu(void *opaque)
{
    cpu_request_reset(((Rig *)opaque)->cpu);
}

static void stop_cpu(void *opaque)
{
    cpu_request_stop(((Rig *)opaque)->cpu);
}

static bool uart_send(void *opaque, const char *device, const uint8_t *bytes, size_t len,
                      Error **errp)
{
    return uart_taps_send(((Rig *)opaque)->taps, device, bytes, len, errp);
}

static void reset_all(void *opaque)
{
    Rig *r = opaque;
    machine_reset(r->m);
    cpu_reset(r->cpu);
}

static void rig_open(Rig *r)
{
    Error *err = NULL;
    r->clock = clock_new(10000000);
    r->ms = memory_system_new();
    r->taps = uart_taps_new();
    CpuConfig config = {.isa = "rv32imac", .reset_pc = RAM_BASE, .frequency_hz = 10000000,
                        .clock = r->clock};
    r->cpu = cpu_new(r->ms, &config, &err);
    must(r->cpu != NULL, err, "the hart");
    BoardFile *file = board_file_parse("fuzz.yaml", BOARD, strlen(BOARD), &err);
    must(file != NULL, err, "the board");
    MachineHooks hooks = {.opaque = r, .stop = stop_cpu, .open_chardev = open_chardev,
                          .cpu_irq = cpu_irq, .clock = r->clock, .reset_cpu = reset_cpu,
                          .registry = registry_devices()};
    r->m = machine_new(r->ms, &file->boards[0], &hooks, &err);
    board_file_free(file);
    must(r->m != NULL, err, "the machine");
    cpu_set_time_source(r->cpu, machine_read_time, r->m);
    for (size_t i = 0; i < sizeof program / sizeof program[0]; i++) {
        uint8_t bytes[4] = {(uint8_t)program[i], (uint8_t)(program[i] >> 8),
                            (uint8_t)(program[i] >> 16), (uint8_t)(program[i] >> 24)};
        must(memory_debug_write(r->ms, RAM_BASE + 4 * (uint32_t)i, bytes, 4, &err), err,
             "the program");
    }
    MonitorContext ctx = {.cpu = r->cpu, .ms = r->ms, .machine = r->m, .clock = r->clock,
                          .opaque = r, .uart_send = uart_send, .reset = reset_all};
    r->mon = monitor_new(&ctx);
}

static void rig_close(Rig *r)
{
    monitor_free(r->mon);
    machine_free(r->m);
    uart_taps_free(r->taps);
    cpu_free(r->cpu);
    memory_system_free(r->ms);
    clock_free(r->clock);
}

static void check_output(const char *line, const char *out, bool ok,
                         const MonitorRequest *req)
{
    size_t len = strlen(out);
    if (len > 0 && out[len - 1] != '\n') {
        fprintf(stderr, "fuzz_monitor: output of '%s' does not end in a newline\n", line);
        abort();
    }
    if (ok)
        return;
    if (strncmp(out, "error: ", 7) != 0 || strchr(out, '\n') != out + len - 1) {
        fprintf(stderr, "fuzz_monitor: '%s' failed without one error line:\n%s", line, out);
        abort();
    }
    if (req->action != MONITOR_ACT_NONE) {
        fprintf(stderr, "fuzz_monitor: '%s' failed but asked for run control\n", line);
        abort();
    }
}

static void check_audits(Rig *r, const char *line)
{
    Error *err = NULL;
    if (!memory_audit(r->ms, &err) || !machine_audit(r->m, &err)) {
        fprintf(stderr, "fuzz_monitor: audit after '%s': %s\n", line, error_message(err));
        abort();
    }
}

static void run_line(Rig *r, const char *line, MonitorSource source)
{
    MonitorRequest req;
    bool ok;
    char *out = monitor_exec_text(r->mon, source, line, &req, &ok);
    if (verbose)
        fprintf(stderr, "fuzz_monitor: [%d] '%s' -> %s\n%s", source, line,
                ok ? "ok" : "failed", out);
    check_output(line, out, ok, &req);
    free(out);
    check_audits(r, line);
    Error *err = NULL;
    cpu_run(r->cpu, INSNS_BETWEEN, &err); /* a fault is the firmware's business */
    error_free(err);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    verbose = getenv("FUZZ_VERBOSE") != NULL;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = xcalloc(1, size + 1);
    memcpy(text, data, size); /* up to the first NUL, if any */
    Rig r = {0};
    rig_open(&r);
    char *line = text;
    for (unsigned i = 0; line && i < MAX_LINES; i++) {
        char *next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        if (next && !*next)
            next = NULL; /* a last '\n' ends the last line */
        run_line(&r, line, (MonitorSource)(i % 3));
        line = next;
    }
    rig_close(&r);
    free(text);
    return 0;
}
