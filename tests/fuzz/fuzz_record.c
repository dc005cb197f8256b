/* libFuzzer harness: `--replay FILE` recordings (sim/record.h), read as
 * mcusim reads them and replayed on a small machine.
 *
 * An input is a file's bytes. recording_read takes them from a file in a
 * fresh folder under $TMPDIR (it reads paths only); when it refuses them,
 * they are read a second time with every line's " ~CRC" made right, so
 * that mutations reach the fields behind the checksums (positions, device
 * names, strings and their escapes, hex bytes, commands, truncations, the
 * end).
 *
 * What is read is checked against this harness's header (recording_check:
 * firmware "fuzz_record.program" with PROGRAM's hash, option board
 * "fuzz"), then replayed whatever the verdict (what a recording's inputs
 * do to a run must not depend on its header being right): loaded into a
 * fresh input log (recording_load) on a machine built for each input as
 * sim/main.c builds it for --replay (the log before the machine, its
 * UARTs tapped by sim/uart_tap.h with backends that open nothing, the
 * monitor without snapshots, replay_apply for commands, gdb writes and
 * wake-ups), running PROGRAM (an echo on uart0) in pieces as the session
 * does (input_log_apply_due, input_log_insns_left) for at most RUN_INSNS
 * instructions, RUN_CYCLES of virtual time and MAX_PIECES pieces.
 *
 * Properties, beyond the sanitizers (abort() when one fails):
 *   - a refusal is one message naming the file and an offset inside it
 *     ("PATH: offset N: WHAT", N <= the file's size);
 *   - what is read loads whole: the log holds recording_count inputs;
 *   - the replay ends within its bounds (a divergence or a failed input
 *     is an outcome, not a finding), and the memory map and the machine's
 *     wiring pass their audits afterwards.
 *
 * Seeds: FUZZ_WRITE_SEEDS=DIR build/fuzz/fuzz_record writes recordings of
 * this machine (write_seeds below: UART input, monitor commands, gdb
 * writes, a truncation, with and without an end, and damaged ones) into
 * DIR and exits; tests/fuzz/make_seeds.py record runs it, and adds
 * recordings `build/mcusim --record` makes of build/fw/uart_echo.elf.
 * FUZZ_VERBOSE=1 prints what became of each input.
 * docs/FUZZING.md describes how to run, reproduce and add harnesses.
 */
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "peripherals/registry.h"
#include "sim/board_choice.h"
#include "sim/cpu/cpu.h"
#include "sim/input_log.h"
#include "sim/monitor.h"
#include "sim/record.h"
#include "sim/uart_tap.h"
#include "soc/alloc.h"
#include "soc/board.h"
#include "soc/crc32.h"
#include "soc/machine.h"
#include "soc/memory.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum {
    RAM_BASE = 0x80000000u,
    UART0 = 0x10000000u,
    RUN_INSNS = 20000,  /* the most a replay runs */
    RUN_CYCLES = 200000, /* of virtual time */
    MAX_PIECES = 512,   /* cpu_run calls */
};

#define FIRMWARE "fuzz_record.program"

static const char BOARD[] =
    "fuzz:\n"
    "  cpu: {isa: rv32imac, frequency: 10000000}\n"
    "  memory:\n"
    "    - {name: ram, type: ram, base: 0x80000000, size: 64K}\n"
    "  peripherals:\n"
    "    - {name: clint, type: \"sifive,clint0\", base: 0x2000000, irq: [cpu.msi, cpu.mti]}\n"
    "    - {name: plic, type: \"sifive,plic-1.0.0\", base: 0xc000000, sources: 53,\n"
    "       irq: cpu.mei}\n"
    "    - {name: test, type: \"sifive,test0\", base: 0x100000}\n"
    "    - {name: uart0, type: ns16550a, base: 0x10000000, chardev: stdio, irq: plic.10}\n"
    "    - {name: uart1, type: \"sifive,uart0\", base: 0x10013000, chardev: \"null\",\n"
    "       irq: plic.3}\n"
    "    - {name: gpio0, type: \"sifive,gpio0\", base: 0x10012000, irq: [plic.11-42]}\n";

static const RecordOption OPTIONS[] = {{"board", "fuzz"}};

/* Set once at start-up (LLVMFuzzerInitialize); never changed after. */
static bool verbose;
static uint32_t program[16];
static size_t program_words;
static RecordHeader header;

/* ---- the program: uart0's input echoed, counted in s1; a0 counts turns ---- */

enum { ZERO = 0, T0 = 5, T1 = 6, S1 = 9, A0 = 10, S3 = 19 };

static uint32_t enc_i(uint32_t op, unsigned rd, unsigned f3, unsigned rs1, int32_t imm)
{
    return ((uint32_t)imm & 0xfff) << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op;
}

static uint32_t enc_b(unsigned f3, unsigned rs1, unsigned rs2, int32_t imm)
{
    uint32_t u = (uint32_t)imm;
    return (u >> 12 & 1) << 31 | (u >> 5 & 0x3f) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 |
           (u >> 1 & 0xf) << 8 | (u >> 11 & 1) << 7 | 0x63;
}

static uint32_t jal_back(int32_t off)
{
    uint32_t u = (uint32_t)off;
    return (u >> 20 & 1) << 31 | (u >> 1 & 0x3ff) << 21 | (u >> 11 & 1) << 20 |
           (u >> 12 & 0xff) << 12 | 0x6f;
}

static void build_program(void)
{
    size_t n = 0;
    program[n++] = (UART0 & 0xfffff000u) | S3 << 7 | 0x37; /* lui s3, UART0 */
    size_t loop = n;
    program[n++] = enc_i(0x03, T0, 4, S3, 5);             /* lbu t0, LSR */
    program[n++] = enc_i(0x13, T0, 7, T0, 1);             /* andi t0, t0, DR */
    program[n++] = enc_b(0, T0, ZERO, 16);                /* beq t0, zero, +16 */
    program[n++] = enc_i(0x03, T1, 4, S3, 0);             /* lbu t1, RBR */
    program[n++] = (uint32_t)(T1 << 20 | S3 << 15 | 0x23); /* sb t1, THR */
    program[n++] = enc_i(0x13, S1, 0, S1, 1);             /* addi s1, s1, 1 */
    program[n++] = enc_i(0x13, A0, 0, A0, 1);             /* addi a0, a0, 1 */
    program[n] = jal_back(-4 * (int32_t)(n - loop));      /* j loop */
    n++;
    program_words = n;
}

static uint64_t program_hash(void)
{
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a, as snapshot_hash_file */
    for (size_t i = 0; i < program_words; i++)
        for (unsigned k = 0; k < 4; k++)
            h = (h ^ (uint8_t)(program[i] >> (8 * k))) * 0x100000001b3ull;
    return h;
}

/* ---- the machine, as sim/main.c builds it for --replay ---- */

/* A backend: a sink for output, and for input the bytes of `script`, one
 * per read, then the end (seeds only: a replay's backends have none). */
typedef struct Backend {
    Chardev base;
    const char *script;
    size_t at, len;
} Backend;

static void backend_write(Chardev *chr, const uint8_t *buf, size_t len) {}
static void backend_close(Chardev *chr) { free(chr); }

static size_t backend_read(Chardev *chr, uint8_t *buf, size_t max)
{
    Backend *b = (Backend *)chr;
    if (b->at == b->len) {
        chr->eof = true;
        return 0;
    }
    buf[0] = (uint8_t)b->script[b->at++];
    return 1;
}

static const ChardevOps sink_ops = {.write = backend_write, .close = backend_close};
static const ChardevOps script_ops = {.write = backend_write, .read = backend_read,
                                      .close = backend_close};

typedef struct Rig {
    Clock *clock;
    MemorySystem *ms;
    Cpu *cpu;
    InputLog *log;
    UartTaps *taps;
    Machine *m;
    Monitor *mon;
    ReplayTarget target;
    Recorder *recorder; /* seeds: the file the live run is recorded in */
    const char *uart0_script; /* seeds: what uart0's "stdio" reads; NULL: nothing */
} Rig;

/* A failure of the harness, never of the input. */
static void must(bool ok, Error *err, const char *what)
{
    if (ok)
        return;
    fprintf(stderr, "fuzz_record: %s: %s\n", what, err ? error_message(err) : "failed");
    abort();
}

/* uart0's "stdio" reads the script (none when replaying: the log has
 * its input); any other spec is a sink. Nothing opens on the host. */
static Chardev *open_backend(void *opaque, const char *spec, Error **errp)
{
    Rig *r = opaque;
    Backend *b = xcalloc(1, sizeof *b);
    bool scripted = strcmp(spec, "stdio") == 0;
    b->base.ops = scripted ? &script_ops : &sink_ops;
    b->script = r->uart0_script ? r->uart0_script : "";
    b->len = scripted ? strlen(b->script) : 0;
    return &b->base;
}

/* As sim/main.c opens them: through the taps, which log each backend's
 * state as it opens. */
static Chardev *open_chardev(void *opaque, const char *device, const char *spec,
                             Error **errp)
{
    Rig *r = opaque;
    return uart_taps_open(r->taps, device, spec, open_backend, r, errp);
}

static bool cpu_irq(void *opaque, const char *input, IrqLine *out)
{
    return cpu_irq_input_named(((Rig *)opaque)->cpu, input, out);
}

static void reset_cpu(void *opaque) { cpu_request_reset(((Rig *)opaque)->cpu); }
static void stop_cpu(void *opaque) { cpu_request_stop(((Rig *)opaque)->cpu); }

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

/* The monitor's commands are inputs (MonitorContext.will_run). */
static void will_run(void *opaque, MonitorSource source, const char *command,
                     const char *line)
{
    input_log_command(((Rig *)opaque)->log, source, command, line);
}

static void no_loss(void *opaque, const char *what, int err)
{
    fprintf(stderr, "fuzz_record: %s: lost\n", what);
    exit(1);
}

/* The log first (the machine's UARTs log their backends as they open),
 * with `rec`'s inputs to replay, or recorded into `record_to` (seeds),
 * then the machine, the program and the monitor. */
static void rig_open(Rig *r, Recording *rec, const char *record_to)
{
    Error *err = NULL;
    r->clock = clock_new(10000000);
    r->ms = memory_system_new();
    CpuConfig config = {.isa = "rv32imac", .reset_pc = RAM_BASE, .frequency_hz = 10000000,
                        .clock = r->clock};
    r->cpu = cpu_new(r->ms, &config, &err);
    must(r->cpu != NULL, err, "the hart");
    r->log = input_log_new(r->cpu, r->clock);
    r->taps = uart_taps_new();
    uart_taps_set_input_log(r->taps, r->log);
    if (rec) {
        uint64_t count = recording_count(rec);
        recording_load(rec, r->log);
        if (input_log_count(r->log) != count) {
            fprintf(stderr, "fuzz_record: %llu inputs read, %llu loaded\n",
                    (unsigned long long)count, (unsigned long long)input_log_count(r->log));
            abort();
        }
    }
    if (record_to) {
        r->recorder = recorder_open(record_to, &header, NULL, 0, no_loss, NULL, &err);
        must(r->recorder != NULL, err, record_to);
        recorder_attach(r->recorder, r->log);
    }
    BoardFile *file = board_file_parse("fuzz.yaml", BOARD, strlen(BOARD), &err);
    must(file != NULL, err, "the board");
    MachineHooks hooks = {.opaque = r, .stop = stop_cpu, .open_chardev = open_chardev,
                          .cpu_irq = cpu_irq, .clock = r->clock, .reset_cpu = reset_cpu,
                          .registry = registry_devices()};
    r->m = machine_new(r->ms, &file->boards[0], &hooks, &err);
    board_file_free(file);
    must(r->m != NULL, err, "the machine");
    cpu_set_time_source(r->cpu, machine_read_time, r->m);
    uint8_t bytes[sizeof program];
    for (size_t i = 0; i < program_words; i++)
        for (unsigned k = 0; k < 4; k++)
            bytes[4 * i + k] = (uint8_t)(program[i] >> (8 * k));
    must(memory_debug_write(r->ms, RAM_BASE, bytes, 4 * program_words, &err), err,
         "the program");
    MonitorContext ctx = {.cpu = r->cpu, .ms = r->ms, .machine = r->m, .clock = r->clock,
                          .opaque = r, .uart_send = uart_send, .reset = reset_all,
                          .taps = r->taps, .will_run = will_run};
    r->mon = monitor_new(&ctx);
    r->target = (ReplayTarget){.cpu = r->cpu, .ms = r->ms, .monitor = r->mon,
                               .taps = r->taps};
    input_log_set_applier(r->log, replay_apply, &r->target);
}

static void rig_close(Rig *r)
{
    recorder_free(r->recorder);
    monitor_free(r->mon);
    machine_free(r->m);
    uart_taps_free(r->taps);
    input_log_free(r->log); /* before the clock its event is on */
    cpu_free(r->cpu);
    memory_system_free(r->ms);
    clock_free(r->clock);
}

/* ---- files ---- */

typedef struct TempFile {
    char dir[PATH_MAX];
    char path[PATH_MAX];
} TempFile;

static void temp_open(TempFile *t)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(t->dir, sizeof t->dir, "%s/fuzz_record.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(t->dir)) {
        perror("fuzz_record: mkdtemp");
        abort();
    }
    snprintf(t->path, sizeof t->path, "%s/input.rec", t->dir);
}

static void temp_write(const TempFile *t, const uint8_t *data, size_t size)
{
    FILE *f = fopen(t->path, "wb");
    if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0) {
        perror("fuzz_record: writing the input");
        abort();
    }
}

static void temp_close(const TempFile *t)
{
    unlink(t->path);
    rmdir(t->dir);
}

/* Every line that ends in " ~" and 8 characters gets the checksum of
 * what comes before them. */
static void repair_checksums(uint8_t *data, size_t size)
{
    for (size_t at = 0; at < size;) {
        uint8_t *nl = memchr(data + at, '\n', size - at);
        size_t len = nl ? (size_t)(nl - (data + at)) : size - at;
        uint8_t *line = data + at;
        if (len >= 10 && line[len - 10] == ' ' && line[len - 9] == '~') {
            char hex[9];
            snprintf(hex, sizeof hex, "%08x", crc32_of(line, len - 10));
            memcpy(line + len - 8, hex, 8);
        }
        at += len + 1;
    }
}

/* ---- one input ---- */

static void outcome(const char *what, Error *err)
{
    if (verbose)
        fprintf(stderr, "fuzz_record: %s%s%s\n", what, err ? ": " : "",
                err ? error_message(err) : "");
}

/* recording_read's refusal: "PATH: offset N: WHAT", N inside the file. */
static void check_refusal(const TempFile *t, size_t size, const Error *err)
{
    const char *msg = error_message(err);
    size_t n = strlen(t->path);
    char *end = NULL;
    unsigned long long offset = 0;
    bool ok = strncmp(msg, t->path, n) == 0 && strncmp(msg + n, ": offset ", 9) == 0;
    if (ok)
        offset = strtoull(msg + n + 9, &end, 10);
    if (!ok || !end || strncmp(end, ": ", 2) != 0 || !end[2] || offset > size) {
        fprintf(stderr, "fuzz_record: a refusal that does not say where (%zu bytes): %s\n",
                size, msg);
        abort();
    }
}

/* As it is, else with its checksums made right. */
static Recording *read_input(const TempFile *t, const uint8_t *data, size_t size)
{
    temp_write(t, data, size);
    Error *err = NULL;
    Recording *rec = recording_read(t->path, &err);
    if (rec)
        return rec;
    check_refusal(t, size, err);
    outcome("refused as it is", err);
    error_free(err);
    uint8_t *fixed = xmalloc(size ? size : 1);
    memcpy(fixed, data, size);
    repair_checksums(fixed, size);
    if (memcmp(fixed, data, size) != 0) {
        temp_write(t, fixed, size);
        err = NULL;
        rec = recording_read(t->path, &err);
        if (!rec) {
            check_refusal(t, size, err);
            outcome("refused with its checksums right", err);
            error_free(err);
        }
    }
    free(fixed);
    return rec;
}

static void stop_event(void *opaque) { cpu_request_stop(opaque); }

/* The session's loop, bounded: the inputs due, then a piece that ends at
 * the next one. */
static void replay(Rig *r)
{
    ClockEvent *stop = clock_event_new(r->clock, stop_event, r->cpu);
    clock_event_schedule(stop, RUN_CYCLES);
    Error *err = NULL;
    const char *why = "the bounds";
    for (unsigned piece = 0; piece < MAX_PIECES; piece++) {
        uint64_t done = cpu_instructions_retired(r->cpu);
        if (!input_log_apply_due(r->log, &err)) {
            why = "a divergence or a failed input";
            break;
        }
        if (input_log_ended(r->log, NULL)) {
            why = "the recording's end";
            break;
        }
        if (done >= RUN_INSNS || clock_now(r->clock) >= RUN_CYCLES)
            break;
        uint64_t left = input_log_insns_left(r->log);
        uint64_t limit = left < RUN_INSNS - done ? left : RUN_INSNS - done;
        CpuStopReason stopped = cpu_run(r->cpu, limit, &err);
        if (stopped == CPU_STOP_FAULT) {
            why = "a fault";
            break;
        }
    }
    if (verbose)
        fprintf(stderr, "fuzz_record: replayed %llu instructions, %llu of %llu inputs, "
                "ended by %s%s%s\n", (unsigned long long)cpu_instructions_retired(r->cpu),
                (unsigned long long)input_log_cursor(r->log),
                (unsigned long long)input_log_count(r->log), why, err ? ": " : "",
                err ? error_message(err) : "");
    error_free(err);
    clock_event_free(stop);
    err = NULL;
    if (!memory_audit(r->ms, &err) || !machine_audit(r->m, &err)) {
        fprintf(stderr, "fuzz_record: audit after the replay: %s\n", error_message(err));
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    TempFile t;
    temp_open(&t);
    Recording *rec = read_input(&t, data, size);
    temp_close(&t);
    if (!rec)
        return 0;
    Error *err = NULL;
    bool same = recording_check(rec, &header, &err);
    outcome(same ? "read; made of this harness's run" : "read; made of another run", err);
    error_free(err);
    Rig r = {0};
    rig_open(&r, rec, NULL);
    replay(&r);
    rig_close(&r);
    recording_free(rec);
    return 0;
}

/* ---- seeds (FUZZ_WRITE_SEEDS=DIR) ---- */

static void run_for(Rig *r, uint64_t insns)
{
    Error *err = NULL;
    CpuStopReason why = cpu_run(r->cpu, insns, &err);
    must(why == CPU_STOP_INSN_LIMIT, err, "the program's run");
}

static void command(Rig *r, const char *line)
{
    MonitorRequest req;
    bool ok;
    char *out = monitor_exec_text(r->mon, MONITOR_FROM_CONSOLE, line, &req, &ok);
    if (!ok)
        fprintf(stderr, "fuzz_record: '%s': %s", line, out);
    must(ok, NULL, line);
    free(out);
    monitor_request_free(&req);
}

typedef enum SeedEnd { SEED_END, SEED_KILLED } SeedEnd;

/* A live run of the harness's machine, recorded into DIR/NAME: uart0's
 * input from a backend, monitor commands and gdb writes between pieces
 * of the run, as a session makes them. */
static void record_seed(const char *dir, const char *name, const char *input, SeedEnd end,
                        bool truncate)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    Rig r = {.uart0_script = input};
    Error *err = NULL;
    rig_open(&r, NULL, path);
    run_for(&r, 1500);
    command(&r, "uart uart0 send \"ok\\n\"");
    run_for(&r, 1200);
    command(&r, "gpio gpio0 3 1");
    cpu_set_reg(r.cpu, S1, 100);
    input_log_gdb_register(r.log, S1, 100);
    static const uint8_t word[4] = {1, 2, 3, 4};
    must(memory_debug_write(r.ms, RAM_BASE + 0x800, word, 4, &err), err, "gdb's write");
    input_log_gdb_memory(r.log, RAM_BASE + 0x800, word, 4);
    run_for(&r, 900);
    command(&r, "peripheral power uart1 off");
    command(&r, "memory write 0x80000900 efbeadde");
    if (truncate) /* a future dropped, as a new input while replaying drops it */
        input_log_truncate(r.log, input_log_count(r.log) - 1);
    run_for(&r, 2000);
    command(&r, "reg a0 7");
    run_for(&r, 400);
    if (end == SEED_END) {
        SimPosition at = sim_position_now(r.cpu);
        recorder_finish(r.recorder, &at, sim_events_due(r.clock, r.cpu), 0);
    }
    rig_close(&r);
}

static void write_text(const char *dir, const char *name, const char *text)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fputs(text, f) == EOF || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
}

/* Lines with their checksums, `text` holding one per line without. */
static char *with_checksums(const char *text)
{
    size_t n = strlen(text), len = 0;
    char *out = xcalloc(2 * n + 64, 1);
    for (const char *line = text; *line;) {
        const char *nl = strchr(line, '\n');
        size_t l = nl ? (size_t)(nl - line) : strlen(line);
        memcpy(out + len, line, l);
        len += l;
        len += (size_t)sprintf(out + len, " ~%08x\n", crc32_of((const uint8_t *)line, l));
        line += l + (nl ? 1 : 0);
        out = xrealloc(out, len + 2 * n + 64);
    }
    out[len] = '\0';
    return out;
}

/* Damaged files, and well-formed lines saying what no run records. */
static void write_malformed(const char *dir)
{
    char head[512];
    snprintf(head, sizeof head,
             "mcusim-record 1\nfirmware \"" FIRMWARE "\" 0x%016llx\noption board \"fuzz\"\n"
             "begin\n", (unsigned long long)header.firmware_hash);
    static const struct {
        const char *name, *lines;
    } cases[] = {
        {"bad-version", "mcusim-record 2\n"},
        {"bad-no-begin", "mcusim-record 1\nfirmware \"f\" 0x1\noption board \"fuzz\"\n"},
        {"bad-escapes", "uart-read 10 10 0x80000004 s \"uart\\x30\\q\" 41 0\n"},
        {"bad-hex", "gdb-memory 10 10 0x80000004 s 0x80000800 0g\n"},
        {"bad-number", "gdb-register 99999999999999999999 1 0x80000004 s 10 0x1\n"},
        {"bad-truncate", "uart-open 0 0 0x80000000 s \"uart0\" 0\ntruncate 5\n"},
        {"bad-after-end", "end 10 10 0x80000004 s 0\ncommand 11 11 0x80000004 s gdb \"reset\"\n"},
        {"edge-past", "command 100 100 0x80000010 s console \"reg a0 1\"\n"
                      "command 50 50 0x80000010 b console \"reg a0 2\"\n"},
        {"edge-far", "uart-read 18446744073709551615 1 0xffffffff b \"uart0\" ff 1\n"
                     "uart-wake 5 5 0x80000000 s \"nowhere\"\n"
                     "gdb-register 0 0 0x80000000 s 4000 0xffffffff\n"},
        /* on the program's path: instruction n at cycle n */
        {"edge-commands", "command 0 0 0x80000000 s console \"peripheral add s9 "
                          "memory-mapped-stub @0x10030000\"\n"
                          "command 3 3 0x8000000c s gdb \"board apply nowhere.yaml\"\n"
                          "uart-wake 5 5 0x80000020 b \"uart0\"\n"
                          "command 6 6 0x80000004 s console \"reset\"\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *text = xasprintf("%s%s", strncmp(cases[i].lines, "mcusim", 6) == 0 ? ""
                                                                                : head,
                               cases[i].lines);
        char *lines = with_checksums(text);
        write_text(dir, cases[i].name, lines);
        free(lines);
        free(text);
    }
    char *good = with_checksums(head);
    size_t n = strlen(good);
    good[n - 3] ^= 1; /* a checksum wrong */
    write_text(dir, "bad-checksum", good);
    good[n - 3] ^= 1;
    good[n - 4] = '\0'; /* a line cut short */
    write_text(dir, "bad-cut", good);
    free(good);
    write_text(dir, "bad-empty", "");
}

static void write_seeds(const char *dir)
{
    record_seed(dir, "echo", "hello\nfuzz\n", SEED_END, false);
    record_seed(dir, "echo-killed", "abc", SEED_KILLED, false);
    record_seed(dir, "echo-truncated", "x\n", SEED_END, true);
    write_malformed(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    verbose = getenv("FUZZ_VERBOSE") != NULL;
    build_program();
    header = (RecordHeader){.firmware = FIRMWARE, .firmware_hash = program_hash(),
                            .options = OPTIONS, .noptions = 1};
    const char *seeds = getenv("FUZZ_WRITE_SEEDS");
    if (seeds) {
        write_seeds(seeds);
        exit(0);
    }
    return 0;
}
