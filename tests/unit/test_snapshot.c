/* Machine snapshots (sim/snapshot.c) on a real machine: a hart running a
 * program with timer interrupts, RAM it writes, a UART it prints on, and
 * every model the registry has for the rest.
 *
 * The whole machine is compared as snapshot_encode's bytes of a fresh
 * snapshot (hart, clock, board, every device's state and level, every
 * memory's contents): a restore makes them equal to the snapshot's, and
 * running on from it repeats the first run exactly (state and UART
 * output), on both engines. Files: every section's checksum, truncation
 * at every length, wrong versions, hostile contents with valid checksums;
 * each refused with its message and nothing changed. A restore refused
 * late (a hart state that cpu_state_load refuses) puts the board, the
 * devices, the memories and the clock back. Another hart, another
 * firmware: refused before anything changes. The board as it was (a
 * peripheral added, one powered off, `board apply`) comes back. Zero
 * pages cost nothing. The monitor's `snapshot` commands. */
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
#include "sim/board_choice.h"
#include "sim/monitor.h"
#include "sim/session.h"
#include "sim/snapshot.h"
#include "soc/board.h"
#include "soc/machine.h"
#include "tests/unit/rv_asm.h"

enum {
    RAM_BASE = 0x80000000u,
    DATA = 0x80001000u,
    CLINT_MTIMECMP = 0x02004000u,
    UART0 = 0x10000000u,
    TICK = 500, /* cycles between timer interrupts */
    CSR_MSTATUS_NUM = 0x300,
    CSR_MIE_NUM = 0x304,
    CSR_MTVEC_NUM = 0x305,
};

#define BOARD_TEXT(ISA, RAM)                                                           \
    "t:\n"                                                                             \
    "  cpu: {isa: " ISA ", frequency: 10000000}\n"                                     \
    "  memory:\n"                                                                      \
    "    - {name: ram, type: ram, base: 0x80000000, size: " RAM "}\n"                  \
    "  peripherals:\n"                                                                 \
    "    - {name: clint, type: \"sifive,clint0\", base: 0x2000000, irq: [cpu.msi, cpu.mti]}\n" \
    "    - {name: plic, type: \"sifive,plic-1.0.0\", base: 0xc000000, sources: 53,\n"  \
    "       irq: cpu.mei}\n"                                                           \
    "    - {name: uart0, type: ns16550a, base: 0x10000000, chardev: stdio, irq: plic.10}\n" \
    "    - {name: gpio0, type: \"sifive,gpio0\", base: 0x10012000, irq: [plic.11-42]}\n"

static const char BOARD[] = BOARD_TEXT("rv32imac", "64K");

typedef struct Fx {
    Clock *clock;
    MemorySystem *ms;
    Cpu *cpu;
    Machine *m;
    Monitor *mon;
    char *out; /* what uart0 printed */
    size_t outlen, outcap;
    unsigned loaded;              /* snapshot_loaded calls */
    uint64_t from_cycles, from_retired; /* the last one's */
    char tmp[64];                 /* a scratch file, removed at teardown */
} Fx;

/* ---- the host side ---- */

typedef struct OutChardev {
    Chardev base;
    Fx *f;
} OutChardev;

static void out_write(Chardev *chr, const uint8_t *buf, size_t len)
{
    Fx *f = ((OutChardev *)chr)->f;
    if (f->outlen + len > f->outcap) {
        f->outcap = (f->outlen + len) * 2;
        f->out = realloc(f->out, f->outcap);
    }
    memcpy(f->out + f->outlen, buf, len);
    f->outlen += len;
}

static void out_close(Chardev *chr)
{
    free(chr);
}

static const ChardevOps out_ops = {.write = out_write, .close = out_close};

static Chardev *open_chardev(void *opaque, const char *device, const char *spec,
                             Error **errp)
{
    OutChardev *c = calloc(1, sizeof *c);
    c->base.ops = &out_ops;
    c->base.eof = true;
    c->f = opaque;
    return &c->base;
}

static bool cpu_irq(void *opaque, const char *input, IrqLine *out)
{
    return cpu_irq_input_named(((Fx *)opaque)->cpu, input, out);
}

static void reset_cpu(void *opaque)
{
    cpu_request_reset(((Fx *)opaque)->cpu);
}

static void loaded(void *opaque, uint64_t from_cycles, uint64_t from_retired)
{
    Fx *f = opaque;
    f->loaded++;
    f->from_cycles = from_cycles;
    f->from_retired = from_retired;
}

/* ---- the program ---- */

static void emit_at(Fx *f, uint32_t *pc, uint32_t insn)
{
    uint8_t b[4] = {(uint8_t)insn, (uint8_t)(insn >> 8), (uint8_t)(insn >> 16),
                    (uint8_t)(insn >> 24)};
    assert_true(memory_debug_write(f->ms, *pc, b, 4, NULL));
    *pc += 4;
}

/* A timer interrupt every TICK cycles counts in s1 and moves mtimecmp on;
 * the loop counts in a0, stores it in a 256-word ring at DATA and prints
 * a letter from it on uart0. */
static void load_program(Fx *f)
{
    uint32_t pc = RAM_BASE;
    const uint32_t handler = RAM_BASE + 0x100;
    emit_at(f, &pc, rv_lui(T0, RAM_BASE));
    emit_at(f, &pc, rv_addi(T0, T0, 0x100));
    emit_at(f, &pc, rv_csrw(CSR_MTVEC_NUM, T0));
    emit_at(f, &pc, rv_lui(S2, CLINT_MTIMECMP));
    emit_at(f, &pc, rv_addi(T1, ZERO, TICK));
    emit_at(f, &pc, rv_store(2, T1, S2, 0));
    emit_at(f, &pc, rv_store(2, ZERO, S2, 4));
    emit_at(f, &pc, rv_addi(T1, ZERO, 0x80)); /* MTIE */
    emit_at(f, &pc, rv_csrw(CSR_MIE_NUM, T1));
    emit_at(f, &pc, rv_addi(T1, ZERO, 8)); /* MIE */
    emit_at(f, &pc, rv_csrw(CSR_MSTATUS_NUM, T1));
    emit_at(f, &pc, rv_lui(S3, UART0));
    emit_at(f, &pc, rv_lui(S4, DATA));
    uint32_t loop = pc;
    emit_at(f, &pc, rv_addi(A0, A0, 1));
    emit_at(f, &pc, rv_andi(T2, A0, 0xff));
    emit_at(f, &pc, rv_slli(T2, T2, 2));
    emit_at(f, &pc, rv_add(T2, T2, S4));
    emit_at(f, &pc, rv_store(2, A0, T2, 0));
    emit_at(f, &pc, rv_andi(T3, A0, 15));
    emit_at(f, &pc, rv_addi(T3, T3, 'a'));
    emit_at(f, &pc, rv_store(0, T3, S3, 0));
    emit_at(f, &pc, rv_jal(ZERO, (int32_t)(loop - pc)));
    pc = handler;
    emit_at(f, &pc, rv_addi(S1, S1, 1));
    emit_at(f, &pc, rv_load(2, T4, S2, 0));
    emit_at(f, &pc, rv_addi(T4, T4, TICK));
    emit_at(f, &pc, rv_store(2, T4, S2, 0));
    emit_at(f, &pc, RV_MRET);
}

static void fx_build(Fx *f, const char *board_text, bool jit)
{
    Error *err = NULL;
    BoardFile *file = board_file_parse("t.yaml", board_text, strlen(board_text), &err);
    if (!file)
        fail_msg("board: %s", error_message(err));
    const BoardDesc *board = &file->boards[0];
    f->clock = clock_new(board->cpu.frequency_hz);
    f->ms = memory_system_new();
    CpuConfig config;
    board_cpu_config(board, f->clock, &config);
    config.reset_pc = RAM_BASE;
    config.jit = jit && cpu_jit_supported();
    config.jit_threshold = 1;
    f->cpu = cpu_new(f->ms, &config, &err);
    if (!f->cpu)
        fail_msg("cpu: %s", error_message(err));
    MachineHooks hooks = {.opaque = f, .open_chardev = open_chardev, .cpu_irq = cpu_irq,
                          .clock = f->clock, .reset_cpu = reset_cpu,
                          .registry = registry_devices()};
    f->m = machine_new(f->ms, board, &hooks, &err);
    board_file_free(file);
    if (!f->m)
        fail_msg("machine_new: %s", error_message(err));
    cpu_set_time_source(f->cpu, machine_read_time, f->m);
    load_program(f);
    MonitorContext ctx = {.cpu = f->cpu, .ms = f->ms, .machine = f->m, .clock = f->clock,
                          .opaque = f, .snapshots = true, .firmware = "fw.elf",
                          .firmware_hash = 42, .snapshot_loaded = loaded};
    f->mon = monitor_new(&ctx);
}

static void fx_free(Fx *f)
{
    monitor_free(f->mon);
    machine_free(f->m);
    cpu_free(f->cpu);
    memory_system_free(f->ms);
    clock_free(f->clock);
    free(f->out);
    if (f->tmp[0])
        unlink(f->tmp);
    free(f);
}

static Fx *fx_new(const char *board_text, bool jit)
{
    Fx *f = calloc(1, sizeof *f);
    fx_build(f, board_text, jit);
    return f;
}

static int setup(void **state)
{
    *state = fx_new(BOARD, false);
    return 0;
}

static int setup_jit(void **state)
{
    *state = fx_new(BOARD, true);
    return 0;
}

static int teardown(void **state)
{
    fx_free(*state);
    return 0;
}

static SnapshotTarget target(Fx *f)
{
    return (SnapshotTarget){.cpu = f->cpu, .clock = f->clock, .ms = f->ms, .machine = f->m,
                            .firmware = "fw.elf", .firmware_hash = 42};
}

static void run(Fx *f, uint64_t insns)
{
    Error *err = NULL;
    CpuStopReason why = cpu_run(f->cpu, insns, &err);
    if (why != CPU_STOP_INSN_LIMIT)
        fail_msg("the run stopped (%d): %s", (int)why, err ? error_message(err) : "");
}

/* The whole machine now, as bytes. */
typedef struct Bytes {
    uint8_t *data;
    size_t len;
} Bytes;

typedef struct SectionAt {
    char name[256];
    size_t header;  /* offset of its name length */
    size_t payload; /* offset of its payload */
    size_t len;
} SectionAt;

static Bytes machine_bytes(Fx *f)
{
    SnapshotTarget t = target(f);
    Snapshot *snap = snapshot_take(&t);
    Bytes b;
    b.data = snapshot_encode(snap, &b.len);
    snapshot_free(snap);
    return b;
}

static Bytes snap_bytes(const Snapshot *snap)
{
    Bytes b;
    b.data = snapshot_encode(snap, &b.len);
    return b;
}

static size_t sections_of(const Bytes *b, SectionAt *out, size_t max);

/* The first section in which two files differ, for messages. */
static const char *first_difference(const Bytes *a, const Bytes *b, char *buf, size_t size);

static void assert_same(Bytes a, Bytes b, const char *what)
{
    char where[300];
    if (a.len != b.len || memcmp(a.data, b.data, a.len) != 0)
        fail_msg("%s: the machines differ (%zu and %zu bytes): %s", what, a.len, b.len,
                 first_difference(&a, &b, where, sizeof where));
}

static void restore_ok(Fx *f, const Snapshot *snap)
{
    SnapshotTarget t = target(f);
    Error *err = NULL;
    if (!snapshot_restore(&t, snap, &err))
        fail_msg("restore: %s", error_message(err));
}

/* The monitor's reply to `line`, which must succeed. */
static char *cmd(Fx *f, const char *line)
{
    MonitorRequest req;
    bool ok;
    char *text = monitor_exec_text(f->mon, MONITOR_FROM_CONSOLE, line, &req, &ok);
    if (!ok)
        fail_msg("'%s': %s", line, text);
    return text;
}

static void cmd_ok(Fx *f, const char *line)
{
    free(cmd(f, line));
}

/* The monitor's error for `line`, which must fail. */
static char *cmd_fails(Fx *f, const char *line)
{
    MonitorRequest req;
    bool ok;
    char *text = monitor_exec_text(f->mon, MONITOR_FROM_CONSOLE, line, &req, &ok);
    if (ok)
        fail_msg("'%s' succeeded: %s", line, text);
    return text;
}

/* ---- round trips ---- */

/* Run N, snapshot, run M (state X, output O); restore: the machine equals
 * the snapshot; run M again: state X and output O again. */
static void test_restore_repeats_the_run(void **state)
{
    Fx *f = *state;
    run(f, 5000);
    SnapshotTarget t = target(f);
    Snapshot *snap = snapshot_take(&t);
    assert_int_equal(snapshot_retired(snap), 5000);
    assert_int_equal(snapshot_pc(snap), cpu_get_pc(f->cpu));
    assert_int_equal(snapshot_cycles(snap), cpu_cycles(f->cpu));
    size_t at = f->outlen;
    run(f, 7000);
    Bytes first = machine_bytes(f);
    size_t first_out = f->outlen - at;
    uint32_t ticks = cpu_get_reg(f->cpu, S1);
    assert_true(ticks >= 20); /* interrupts were taken in between */
    assert_true(first_out > 100);

    restore_ok(f, snap);
    Bytes back = machine_bytes(f), taken = snap_bytes(snap);
    assert_same(back, taken, "right after the restore");
    assert_int_equal(cpu_instructions_retired(f->cpu), 5000);
    size_t again_at = f->outlen;
    run(f, 7000);
    Bytes second = machine_bytes(f);
    assert_same(first, second, "after running on again");
    assert_int_equal(f->outlen - again_at, first_out);
    assert_memory_equal(f->out + again_at, f->out + at, first_out);
    assert_int_equal(cpu_get_reg(f->cpu, S1), ticks);
    free(first.data);
    free(back.data);
    free(taken.data);
    free(second.data);
    snapshot_free(snap);
}

/* Restoring a later snapshot (forward in time) works as well as an
 * earlier one. */
static void test_restore_forward_and_back(void **state)
{
    Fx *f = *state;
    run(f, 1000);
    SnapshotTarget t = target(f);
    Snapshot *early = snapshot_take(&t);
    run(f, 4000);
    Snapshot *late = snapshot_take(&t);
    Bytes late_bytes = snap_bytes(late);
    restore_ok(f, early);
    restore_ok(f, late);
    Bytes now = machine_bytes(f);
    assert_same(now, late_bytes, "forward again");
    run(f, 100);
    assert_int_equal(cpu_instructions_retired(f->cpu), 5100);
    free(late_bytes.data);
    free(now.data);
    snapshot_free(early);
    snapshot_free(late);
}

/* encode -> decode -> encode gives the same bytes; a file read back
 * restores the same machine. */
static void test_file_round_trip(void **state)
{
    Fx *f = *state;
    run(f, 3000);
    SnapshotTarget t = target(f);
    Snapshot *snap = snapshot_take(&t);
    Bytes a = snap_bytes(snap);
    Error *err = NULL;
    Snapshot *decoded = snapshot_decode(a.data, a.len, "snap", &err);
    if (!decoded)
        fail_msg("decode: %s", error_message(err));
    Bytes b = snap_bytes(decoded);
    assert_same(a, b, "decoded");
    assert_int_equal(snapshot_retired(decoded), 3000);
    assert_int_equal(snapshot_pc(decoded), snapshot_pc(snap));
    strcpy(f->tmp, "/tmp/mcusim-snapshot-XXXXXX");
    int fd = mkstemp(f->tmp);
    assert_true(fd >= 0);
    close(fd);
    assert_true(snapshot_write_file(snap, f->tmp, NULL));
    Snapshot *read = snapshot_read_file(f->tmp, &err);
    if (!read)
        fail_msg("read: %s", error_message(err));
    run(f, 2000);
    restore_ok(f, read);
    Bytes now = machine_bytes(f);
    assert_same(now, a, "restored from the file");
    free(a.data);
    free(b.data);
    free(now.data);
    snapshot_free(snap);
    snapshot_free(decoded);
    snapshot_free(read);
}

/* ---- files: what is refused ---- */


static uint64_t get_le(const uint8_t *p, unsigned bytes)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < bytes; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static void set_le(uint8_t *p, uint64_t v, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* The sections of a well-formed file (the layout of sim/snapshot.c). */
static size_t sections_of(const Bytes *b, SectionAt *out, size_t max)
{
    size_t n = (size_t)get_le(b->data + 12, 4), at = 16;
    assert_true(n <= max);
    for (size_t i = 0; i < n; i++) {
        size_t name_len = (size_t)get_le(b->data + at, 4);
        out[i].header = at;
        assert_true(name_len < sizeof out[i].name);
        memcpy(out[i].name, b->data + at + 4, name_len);
        out[i].name[name_len] = '\0';
        out[i].len = (size_t)get_le(b->data + at + 4 + name_len, 8);
        out[i].payload = at + 4 + name_len + 12;
        at = out[i].payload + out[i].len;
    }
    assert_int_equal(at + 4, b->len);
    return n;
}

static const char *first_difference(const Bytes *a, const Bytes *b, char *buf, size_t size)
{
    SectionAt sa[64], sb[64];
    size_t na = sections_of(a, sa, 64), nb = sections_of(b, sb, 64);
    for (size_t i = 0; i < na && i < nb; i++) {
        if (strcmp(sa[i].name, sb[i].name) != 0 || sa[i].len != sb[i].len ||
            memcmp(a->data + sa[i].payload, b->data + sb[i].payload, sa[i].len) != 0) {
            size_t at = 0;
            while (at < sa[i].len && at < sb[i].len &&
                   a->data[sa[i].payload + at] == b->data[sb[i].payload + at])
                at++;
            snprintf(buf, size, "section '%s' (%zu and %zu bytes) from byte %zu", sa[i].name,
                     sa[i].len, sb[i].len, at);
            return buf;
        }
    }
    snprintf(buf, size, "%zu and %zu sections", na, nb);
    return buf;
}

static uint32_t crc32_of(const uint8_t *p, size_t len)
{
    uint32_t crc = 0xffffffffu;
    for (size_t i = 0; i < len; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++)
            crc = crc & 1 ? 0xedb88320u ^ (crc >> 1) : crc >> 1;
    }
    return crc ^ 0xffffffffu;
}

/* The file with section `i`'s payload replaced by `len` bytes of `data`,
 * every length and checksum right: hostile contents that framing and
 * checksums cannot catch. */
static Bytes with_payload(const Bytes *b, size_t i, const uint8_t *data, size_t len)
{
    SectionAt s[64];
    sections_of(b, s, 64);
    Bytes out;
    out.len = b->len - s[i].len + len;
    out.data = malloc(out.len);
    memcpy(out.data, b->data, s[i].payload);
    memcpy(out.data + s[i].payload, data, len);
    memcpy(out.data + s[i].payload + len, b->data + s[i].payload + s[i].len,
           b->len - s[i].payload - s[i].len);
    set_le(out.data + s[i].payload - 12, len, 8);
    set_le(out.data + s[i].payload - 4, crc32_of(data, len), 4);
    set_le(out.data + out.len - 4, crc32_of(out.data, out.len - 4), 4);
    return out;
}

static size_t find_section(const Bytes *b, const char *name)
{
    SectionAt s[64];
    size_t n = sections_of(b, s, 64);
    for (size_t i = 0; i < n; i++)
        if (strcmp(s[i].name, name) == 0)
            return i;
    fail_msg("no section '%s'", name);
    return 0;
}

/* decode must refuse with exactly `want`. */
static void refused_as(const Bytes *b, const char *want)
{
    Error *err = NULL;
    Snapshot *snap = snapshot_decode(b->data, b->len, "snap", &err);
    if (snap)
        fail_msg("accepted; wanted '%s'", want);
    if (strcmp(error_message(err), want) != 0)
        fail_msg("refused with '%s'; wanted '%s'", error_message(err), want);
    error_free(err);
}

static Bytes sample(Fx *f)
{
    run(f, 2000);
    return machine_bytes(f);
}

static void test_each_section_checksum(void **state)
{
    Fx *f = *state;
    Bytes b = sample(f);
    SectionAt s[64];
    size_t n = sections_of(&b, s, 64);
    assert_int_equal(n, 5); /* origin, clock, cpu, machine, memory ram */
    const char *const names[] = {"origin", "clock", "cpu", "machine", "memory ram"};
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(s[i].name, names[i]);
        char want[300];
        snprintf(want, sizeof want, "snap: section '%s': checksum mismatch", s[i].name);
        for (size_t at = s[i].payload; at < s[i].payload + s[i].len;
             at += s[i].len / 7 + 1) {
            b.data[at] ^= 0x20;
            refused_as(&b, want);
            b.data[at] ^= 0x20;
        }
    }
    /* every byte back as it was: accepted; then the file's own checksum */
    Error *err = NULL;
    Snapshot *ok = snapshot_decode(b.data, b.len, "snap", &err);
    assert_non_null(ok);
    snapshot_free(ok);
    b.data[b.len - 1] ^= 1;
    refused_as(&b, "snap: file checksum mismatch");
    free(b.data);
}

/* Every truncation is refused with a message, never a crash. */
static void test_truncated_anywhere(void **state)
{
    Fx *f = *state;
    Bytes b = sample(f);
    size_t step = b.len / 3000 + 1;
    for (size_t len = 0; len < b.len; len += len < 64 || len > b.len - 64 ? 1 : step) {
        Error *err = NULL;
        Snapshot *snap = snapshot_decode(b.data, len, "snap", &err);
        if (snap)
            fail_msg("accepted a file cut at %zu of %zu bytes", len, b.len);
        assert_true(strncmp(error_message(err), "snap: ", 6) == 0);
        error_free(err);
    }
    Bytes cut = {b.data, 0};
    refused_as(&cut, "snap: not an mcusim snapshot (no MCUSNAP magic)");
    cut.len = b.len - 1;
    refused_as(&cut, "snap: truncated: the file's checksum is missing");
    SectionAt s[64];
    sections_of(&b, s, 64);
    cut.len = s[3].payload + 10; /* inside the machine section */
    char want[200];
    snprintf(want, sizeof want, "snap: truncated: section 'machine' needs %zu bytes, 10 remain",
             s[3].len);
    refused_as(&cut, want);
    free(b.data);
}

static void test_versions_and_framing(void **state)
{
    Fx *f = *state;
    Bytes b = sample(f);
    b.data[8] = 2;
    refused_as(&b, "snap: snapshot format version 2; this mcusim reads version 1");
    b.data[8] = 1;
    b.data[0] = 'X';
    refused_as(&b, "snap: not an mcusim snapshot (no MCUSNAP magic)");
    b.data[0] = 'M';
    Bytes longer = {malloc(b.len + 3), b.len + 3};
    memcpy(longer.data, b.data, b.len);
    refused_as(&longer, "snap: 3 bytes after the file's checksum");
    free(longer.data);
    /* a section count beyond what the bytes could hold */
    set_le(b.data + 12, 0xffffffffu, 4);
    char want[200];
    snprintf(want, sizeof want, "snap: truncated: 4294967295 sections cannot fit in %zu bytes",
             b.len);
    refused_as(&b, want);
    free(b.data);
}

/* Contents that pass framing and checksums but are wrong. */
static void test_hostile_contents(void **state)
{
    Fx *f = *state;
    Bytes b = sample(f);
    size_t clock = find_section(&b, "clock"), mem = find_section(&b, "memory ram");
    size_t origin = find_section(&b, "origin"), machine = find_section(&b, "machine");
    SectionAt s[64];
    sections_of(&b, s, 64);

    Bytes x = with_payload(&b, clock, (const uint8_t *)"short", 5);
    refused_as(&x, "snap: section 'clock': malformed");
    free(x.data);

    x = with_payload(&b, machine, (const uint8_t *)"not a machine", 13);
    Error *err = NULL;
    assert_null(snapshot_decode(x.data, x.len, "snap", &err));
    assert_true(strncmp(error_message(err), "snap: section 'machine': ", 25) == 0);
    error_free(err);
    free(x.data);

    /* the origin cut short; then naming another board than the machine
     * section holds */
    uint8_t *o = malloc(s[origin].len);
    memcpy(o, b.data + s[origin].payload, s[origin].len);
    x = with_payload(&b, origin, o, s[origin].len - 1);
    refused_as(&x, "snap: section 'origin': malformed");
    free(x.data);
    uint8_t *board_name = memmem(o, s[origin].len, "\x01\x00\x00\x00t", 5);
    assert_non_null(board_name);
    board_name[4] = 'u';
    x = with_payload(&b, origin, o, s[origin].len);
    refused_as(&x, "snap: sections 'origin' and 'machine' disagree on the board");
    free(x.data);
    free(o);

    /* memory: another page size, a region size the board does not have,
     * more pages than fit, a page index out of order */
    uint8_t *m = malloc(s[mem].len);
    memcpy(m, b.data + s[mem].payload, s[mem].len);
    set_le(m, 512, 4);
    x = with_payload(&b, mem, m, s[mem].len);
    refused_as(&x, "snap: section 'memory ram': pages of 512 bytes, not 4096");
    free(x.data);
    set_le(m, 4096, 4);
    set_le(m + 4, 0x20000, 8);
    x = with_payload(&b, mem, m, s[mem].len);
    refused_as(&x, "snap: memory 'ram': 131072 bytes of contents for a memory of 65536");
    free(x.data);
    uint64_t stored = get_le(m + 12, 8);
    assert_true(stored >= 2); /* the program's page and the data page */
    set_le(m + 4, 0x10000, 8);
    set_le(m + 12, 17, 8);
    x = with_payload(&b, mem, m, s[mem].len);
    refused_as(&x, "snap: section 'memory ram': 17 pages stored in a memory of 16");
    free(x.data);
    set_le(m + 12, stored, 8);
    set_le(m + 20, 99, 8); /* the first page's index */
    x = with_payload(&b, mem, m, s[mem].len);
    refused_as(&x, "snap: section 'memory ram': page 0: a bad index");
    free(x.data);
    set_le(m + 20, 0, 8);
    set_le(m + 20 + 8 + 4096, 0, 8); /* the second page's index: not after the first */
    x = with_payload(&b, mem, m, s[mem].len);
    refused_as(&x, "snap: section 'memory ram': page 1: a bad index");
    free(x.data);
    free(m);

    /* sections renamed: unknown, or one the order needs missing */
    Bytes r = {malloc(b.len), b.len};
    memcpy(r.data, b.data, b.len);
    memcpy(r.data + s[clock].header + 4, "clocK", 5);
    set_le(r.data + r.len - 4, crc32_of(r.data, r.len - 4), 4);
    refused_as(&r, "snap: section 'clock' missing where expected");
    memcpy(r.data + s[clock].header + 4, "clock", 5);
    memcpy(r.data + s[mem].header + 4, "mamory", 6);
    set_le(r.data + r.len - 4, crc32_of(r.data, r.len - 4), 4);
    refused_as(&r, "snap: section 'mamory ram' is unknown or out of place");
    memcpy(r.data + s[mem].header + 4, "memory rom", 10);
    set_le(r.data + r.len - 4, crc32_of(r.data, r.len - 4), 4);
    refused_as(&r, "snap: section 'memory rom': the board has no memory 'rom'");
    free(r.data);
    free(b.data);
}

/* Two memories of one size, one named twice in the file (the other's name gone):
 * refused, though the count is the board's. */
static void test_memory_named_twice(void **state)
{
    static const char two[] =
        "t:\n"
        "  memory:\n"
        "    - {name: ram, type: ram, base: 0x80000000, size: 64K}\n"
        "    - {name: rbm, type: ram, base: 0x90000000, size: 64K}\n"
        "  peripherals:\n"
        "    - {name: clint, type: \"sifive,clint0\", base: 0x2000000, irq: [cpu.msi, cpu.mti]}\n"
        "    - {name: uart0, type: ns16550a, base: 0x10000000, chardev: stdio}\n";
    Fx *f = fx_new(two, false);
    run(f, 1000);
    Bytes b = machine_bytes(f);
    SectionAt s[64];
    size_t n = sections_of(&b, s, 64);
    assert_int_equal(n, 6);
    assert_string_equal(s[5].name, "memory rbm");
    memcpy(b.data + s[5].header + 4 + 7, "ram", 3);
    set_le(b.data + b.len - 4, crc32_of(b.data, b.len - 4), 4);
    refused_as(&b, "snap: section 'memory ram' appears twice");
    free(b.data);
    fx_free(f);
}

/* Bytes changed at random inside each section, every checksum made right
 * again: decoding never crashes, and a restore of what decodes either
 * works or changes nothing. A fixed seed: the same cases every run. */
static void test_mutations_never_half_apply(void **state)
{
    Fx *f = *state;
    Bytes good = sample(f);
    SectionAt s[64];
    size_t n = sections_of(&good, s, 64);
    uint32_t seed = 12345;
    for (unsigned round = 0; round < 300; round++) {
        size_t i = round % n;
        uint8_t *payload = malloc(s[i].len);
        memcpy(payload, good.data + s[i].payload, s[i].len);
        for (unsigned k = 0; k < 1 + round % 4; k++) {
            seed = seed * 1103515245u + 12345u;
            payload[(seed >> 8) % s[i].len] ^= (uint8_t)(1u << (seed >> 28) % 8);
        }
        Bytes x = with_payload(&good, i, payload, s[i].len);
        Error *err = NULL;
        Snapshot *snap = snapshot_decode(x.data, x.len, "snap", &err);
        if (snap) {
            Bytes before = machine_bytes(f);
            SnapshotTarget t = target(f);
            if (!snapshot_restore(&t, snap, &err)) {
                Bytes after = machine_bytes(f);
                assert_same(before, after, error_message(err));
                free(after.data);
            }
            free(before.data);
            snapshot_free(snap);
        }
        error_free(err);
        free(x.data);
        free(payload);
    }
    free(good.data);
}

/* ---- restores refused: nothing changes ---- */

/* A hart state cpu_state_load refuses: the last step fails after the
 * board, devices, memories and clock were restored; all of them come
 * back, the peripheral added after the snapshot included. */
static void test_late_refusal_changes_nothing(void **state)
{
    Fx *f = *state;
    run(f, 3000);
    Bytes early = machine_bytes(f);
    cmd_ok(f, "peripheral add stub9 memory-mapped-stub @0x20000000");
    cmd_ok(f, "peripheral power gpio0 off");
    run(f, 3000);
    Bytes before = machine_bytes(f);
    char *peripherals = machine_describe(f->m);
    size_t cpu = find_section(&early, "cpu");
    SectionAt s[64];
    sections_of(&early, s, 64);
    uint8_t *bad = malloc(s[cpu].len);
    memcpy(bad, early.data + s[cpu].payload, s[cpu].len);
    bad[s[cpu].len / 2] ^= 0x55;
    Bytes x = with_payload(&early, cpu, bad, s[cpu].len);
    Error *err = NULL;
    Snapshot *snap = snapshot_decode(x.data, x.len, "snap", &err);
    if (!snap)
        fail_msg("decode: %s", error_message(err)); /* the hart's bytes are checked at load */
    SnapshotTarget t = target(f);
    assert_false(snapshot_restore(&t, snap, &err));
    assert_non_null(err);
    error_free(err);
    Bytes after = machine_bytes(f);
    assert_same(before, after, "after a refused restore");
    char *now = machine_describe(f->m);
    assert_string_equal(now, peripherals);
    assert_non_null(machine_find_peripheral(f->m, "stub9"));
    assert_false(machine_peripheral_powered(f->m, "gpio0"));
    run(f, 1000); /* and it runs on */
    free(now);
    free(peripherals);
    free(bad);
    free(x.data);
    free(early.data);
    free(before.data);
    free(after.data);
    snapshot_free(snap);
}

static void refused_unchanged(Fx *f, const Snapshot *snap, const char *want)
{
    Bytes before = machine_bytes(f);
    SnapshotTarget t = target(f);
    Error *err = NULL;
    assert_false(snapshot_restore(&t, snap, &err));
    assert_string_equal(error_message(err), want);
    error_free(err);
    Bytes after = machine_bytes(f);
    assert_same(before, after, want);
    free(before.data);
    free(after.data);
}

static void test_other_hart_refused(void **state)
{
    Fx *f = *state;
    Fx *other = fx_new(BOARD_TEXT("rv32imc", "64K"), false);
    run(other, 1000);
    SnapshotTarget t = target(other);
    Snapshot *snap = snapshot_take(&t);
    run(f, 500);
    refused_unchanged(f, snap, "the snapshot is of another hart: ISA rv32imc, this one's "
                               "rv32imac");
    snapshot_free(snap);
    fx_free(other);
}

/* The clock section says where the run stood (snapshot_retired, _cycles,
 * _pc: what reverse debugging positions by) and the clock's time; a file
 * whose other sections put the machine elsewhere (checksums right) is
 * refused, the machine unchanged. Found by tests/fuzz/fuzz_snapshot.c:
 * such a restore succeeded, the hart and clock at the other sections'
 * place. */
static void test_sections_disagreeing_on_the_position_refused(void **state)
{
    Fx *f = *state;
    Bytes b = sample(f);
    size_t clock = find_section(&b, "clock");
    SectionAt s[64];
    sections_of(&b, s, 64);
    static const struct { size_t at; const char *what; } fields[] = {
        {0, "the clock's time"}, {8, "the hart's cycles"}, {16, "instructions retired"},
        {24, "the pc"},
    };
    for (size_t k = 0; k < sizeof fields / sizeof fields[0]; k++) {
        uint8_t payload[28];
        assert_int_equal(s[clock].len, sizeof payload);
        memcpy(payload, b.data + s[clock].payload, sizeof payload);
        payload[fields[k].at] ^= 2;
        Bytes x = with_payload(&b, clock, payload, sizeof payload);
        Error *err = NULL;
        Snapshot *snap = snapshot_decode(x.data, x.len, "snap", &err);
        if (!snap)
            fail_msg("decode: %s", error_message(err));
        run(f, 300);
        Bytes before = machine_bytes(f);
        SnapshotTarget t = target(f);
        if (snapshot_restore(&t, snap, &err))
            fail_msg("restored a file that disagrees on %s", fields[k].what);
        assert_non_null(strstr(error_message(err), "disagree"));
        error_free(err);
        Bytes after = machine_bytes(f);
        assert_same(before, after, fields[k].what);
        free(before.data);
        free(after.data);
        free(x.data);
        snapshot_free(snap);
    }
    free(b.data);
}

static void test_other_firmware_refused(void **state)
{
    Fx *f = *state;
    run(f, 1000);
    SnapshotTarget t = target(f);
    t.firmware = "other.elf";
    t.firmware_hash = 7;
    Snapshot *snap = snapshot_take(&t);
    run(f, 500);
    refused_unchanged(f, snap, "the snapshot is of another firmware: other.elf (its bytes "
                               "differ from fw.elf)");
    snapshot_free(snap);
}

/* ---- the board as it was ---- */

static void test_reconfigured_board_comes_back(void **state)
{
    Fx *f = *state;
    run(f, 2000);
    char *board0 = machine_describe(f->m);
    SnapshotTarget t = target(f);
    Snapshot *s0 = snapshot_take(&t);
    Bytes b0 = snap_bytes(s0);

    cmd_ok(f, "peripheral add stub9 memory-mapped-stub @0x20000000");
    cmd_ok(f, "peripheral power gpio0 off");
    strcpy(f->tmp, "/tmp/mcusim-snapshot-XXXXXX");
    int fd = mkstemp(f->tmp);
    assert_true(fd >= 0);
    static const char applied[] =
        "t:\n"
        "  cpu: {isa: rv32imac, frequency: 10000000}\n"
        "  memory:\n"
        "    - {name: ram, type: ram, base: 0x80000000, size: 64K}\n"
        "    - {name: sram2, type: ram, base: 0x90000000, size: 8K}\n"
        "  peripherals:\n"
        "    - {name: clint, type: \"sifive,clint0\", base: 0x2000000, irq: [cpu.msi, cpu.mti]}\n"
        "    - {name: plic, type: \"sifive,plic-1.0.0\", base: 0xc000000, sources: 53,\n"
        "       irq: cpu.mei}\n"
        "    - {name: uart0, type: ns16550a, base: 0x10000000, chardev: stdio, irq: plic.10}\n";
    assert_int_equal(write(fd, applied, strlen(applied)), (ssize_t)strlen(applied));
    close(fd);
    char line[128];
    snprintf(line, sizeof line, "board apply %s:t", f->tmp);
    cmd_ok(f, line);
    cmd_ok(f, "memory write 0x90000100 c0ffee");
    run(f, 2000);
    char *board1 = machine_describe(f->m);
    Snapshot *s1 = snapshot_take(&t);
    Bytes b1 = snap_bytes(s1);
    assert_string_not_equal(board0, board1);

    restore_ok(f, s0);
    char *now = machine_describe(f->m);
    assert_string_equal(now, board0);
    free(now);
    Bytes back = machine_bytes(f);
    assert_same(back, b0, "the board before");
    free(back.data);

    restore_ok(f, s1);
    now = machine_describe(f->m);
    assert_string_equal(now, board1);
    free(now);
    back = machine_bytes(f);
    assert_same(back, b1, "the board after");
    uint8_t word[3];
    assert_true(memory_debug_read(f->ms, 0x90000100, word, 3, NULL));
    assert_memory_equal(word, "\xc0\xff\xee", 3);
    free(back.data);
    free(board0);
    free(board1);
    free(b0.data);
    free(b1.data);
    snapshot_free(s0);
    snapshot_free(s1);
}

/* ---- cost ---- */

/* 128 MiB of RAM with little written: the file holds the written pages
 * only, and a second snapshot shares what did not change. */
static void test_zero_pages_cost_nothing(void **state)
{
    Fx *f = fx_new(BOARD_TEXT("rv32imac", "128M"), false);
    run(f, 3000);
    SnapshotTarget t = target(f);
    Snapshot *a = snapshot_take(&t);
    Bytes b = snap_bytes(a);
    assert_true(b.len < 64 * 1024);
    run(f, 100);
    Snapshot *c = snapshot_take(&t);
    /* the data page changed; the program's page is shared */
    uint64_t shared = snapshot_private_bytes(c, a), alone = snapshot_private_bytes(c, NULL);
    assert_true(alone >= shared + 4096);
    assert_true(shared < 3 * 4096 + 16384);
    free(b.data);
    snapshot_free(a);
    snapshot_free(c);
    fx_free(f);
}

/* ---- the run loop follows a load ---- */

typedef struct SliceLog {
    Fx *f;
    Session *session;
    Snapshot *snap;  /* restored at the first slice boundary */
    uint64_t at[3];  /* the cycles of the first three boundaries */
    unsigned n;
} SliceLog;

static bool never_exited(void *opaque, int *status)
{
    return false;
}

/* Session's interrupt hook, called at each slice boundary: the first
 * restores the snapshot, as a console's `snapshot load` would, and moves
 * the session's events with it. */
static bool at_boundary(void *opaque)
{
    SliceLog *log = opaque;
    uint64_t cycles = cpu_cycles(log->f->cpu), retired = cpu_instructions_retired(log->f->cpu);
    log->at[log->n++] = cycles;
    if (log->n == 1) {
        restore_ok(log->f, log->snap);
        session_clock_moved(log->session, cycles, retired);
    }
    return log->n == 3;
}

/* After a load to an earlier time the next slice ends a slice after the
 * snapshot's time, not a slice after the time the machine left. */
static void test_session_follows_a_load(void **state)
{
    Fx *f = *state;
    run(f, 5000);
    SnapshotTarget t = target(f);
    SliceLog log = {.f = f, .snap = snapshot_take(&t)};
    SessionConfig config = {.cpu = f->cpu, .clock = f->clock, .exited = never_exited,
                            .opaque = &log};
    log.session = session_new(&config);
    const uint64_t slice = 10000; /* 1 ms at 10 MHz */
    Error *err = NULL;
    session_run(log.session, UINT64_MAX, at_boundary, &log, &err);
    session_free(log.session); /* before any assertion: its events die with it */
    snapshot_free(log.snap);
    assert_int_equal(log.n, 3);
    assert_int_equal(log.at[0], 5000 + slice);
    assert_int_equal(log.at[1], 5000 + slice); /* back at 5000: a slice from there */
    assert_int_equal(log.at[2], 5000 + 2 * slice);
}

/* ---- the monitor's commands ---- */

static void test_monitor_commands(void **state)
{
    Fx *f = *state;
    char *text = cmd(f, "snapshot list");
    assert_string_equal(text, "no snapshots\n");
    free(text);
    run(f, 1000);
    uint32_t pc = cpu_get_pc(f->cpu);
    text = cmd(f, "snapshot save first");
    char want[200];
    snprintf(want, sizeof want, "saved first: 1000 instructions, pc 0x%08x, ", pc);
    assert_true(strncmp(text, want, strlen(want)) == 0);
    free(text);
    Bytes first = machine_bytes(f);
    run(f, 500);
    cmd_ok(f, "snapshot save second");
    text = cmd(f, "snapshot list");
    assert_true(strncmp(text, "first: 1000 instructions", 24) == 0);
    assert_non_null(strstr(text, "\nsecond: 1500 instructions"));
    free(text);
    uint64_t cycles = cpu_cycles(f->cpu);
    text = cmd(f, "snapshot load first");
    snprintf(want, sizeof want, "loaded first: 1000 instructions, pc 0x%08x, cycle ", pc);
    assert_true(strncmp(text, want, strlen(want)) == 0);
    free(text);
    assert_int_equal(f->loaded, 1);
    assert_int_equal(f->from_cycles, cycles);
    assert_int_equal(f->from_retired, 1500);
    Bytes now = machine_bytes(f);
    assert_same(now, first, "snapshot load");
    free(now.data);
    text = cmd_fails(f, "snapshot load nope");
    assert_string_equal(text, "error: no snapshot named 'nope'\n");
    free(text);
    text = cmd_fails(f, "snapshot save bad/name");
    assert_non_null(strstr(text, "invalid name"));
    free(text);
    text = cmd(f, "snapshot save first");
    assert_true(strncmp(text, "replaced first: 1000 instructions", 33) == 0);
    free(text);
    text = cmd(f, "snapshot delete first");
    assert_string_equal(text, "deleted first\n");
    free(text);
    text = cmd_fails(f, "snapshot delete first");
    assert_string_equal(text, "error: no snapshot named 'first'\n");
    free(text);
    text = cmd(f, "snapshot list");
    assert_true(strncmp(text, "second: 1500 instructions", 25) == 0);
    free(text);
    assert_int_equal(f->loaded, 1); /* failed loads told nobody */
    free(first.data);
}

static void test_monitor_files(void **state)
{
    Fx *f = *state;
    run(f, 1200);
    Bytes at = machine_bytes(f);
    strcpy(f->tmp, "/tmp/mcusim-snapshot-XXXXXX");
    int fd = mkstemp(f->tmp);
    assert_true(fd >= 0);
    close(fd);
    char line[128], want[200];
    snprintf(line, sizeof line, "snapshot save-file %s", f->tmp);
    char *text = cmd(f, line);
    snprintf(want, sizeof want, "saved %s: 1200 instructions, pc 0x", f->tmp);
    assert_true(strncmp(text, want, strlen(want)) == 0);
    free(text);
    run(f, 800);
    snprintf(line, sizeof line, "snapshot load-file %s", f->tmp);
    text = cmd(f, line);
    snprintf(want, sizeof want, "loaded %s: 1200 instructions", f->tmp);
    assert_true(strncmp(text, want, strlen(want)) == 0);
    free(text);
    Bytes now = machine_bytes(f);
    assert_same(now, at, "load-file");
    free(now.data);
    /* a corrupt file: refused, nothing changed */
    FILE *file = fopen(f->tmp, "r+b");
    fseek(file, 40, SEEK_SET);
    fputc(0xff, file);
    fclose(file);
    run(f, 300);
    Bytes before = machine_bytes(f);
    text = cmd_fails(f, line);
    snprintf(want, sizeof want, "error: %s: section '", f->tmp);
    assert_true(strncmp(text, want, strlen(want)) == 0);
    assert_non_null(strstr(text, "': checksum mismatch\n"));
    free(text);
    now = machine_bytes(f);
    assert_same(now, before, "a corrupt file");
    text = cmd_fails(f, "snapshot load-file /nonexistent/snap");
    assert_string_equal(text, "error: /nonexistent/snap: cannot open: No such file or "
                              "directory\n");
    free(text);
    text = cmd_fails(f, "snapshot save-file /nonexistent/snap");
    assert_non_null(strstr(text, "/nonexistent/snap"));
    free(text);
    free(now.data);
    free(before.data);
    free(at.data);
}

/* Without `snapshots` in its context a monitor neither lists nor runs
 * them. */
static void test_not_offered_without_snapshots(void **state)
{
    Fx *f = *state;
    MonitorContext ctx = {.cpu = f->cpu, .ms = f->ms, .machine = f->m, .clock = f->clock};
    Monitor *plain = monitor_new(&ctx);
    MonitorRequest req;
    bool ok;
    char *help = monitor_exec_text(plain, MONITOR_FROM_CONSOLE, "help", &req, &ok);
    assert_null(strstr(help, "snapshot"));
    char *refused = monitor_exec_text(plain, MONITOR_FROM_CONSOLE, "snapshot save a", &req, &ok);
    assert_false(ok);
    assert_string_equal(refused, "error: unknown command 'snapshot'; try 'help'\n");
    char *offered = monitor_exec_text(f->mon, MONITOR_FROM_GDB, "help snapshot", &req, &ok);
    assert_true(ok);
    assert_non_null(strstr(offered, "snapshot load-file FILE"));
    free(help);
    free(refused);
    free(offered);
    monitor_free(plain);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_restore_repeats_the_run, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restore_repeats_the_run, setup_jit, teardown),
        cmocka_unit_test_setup_teardown(test_restore_forward_and_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_each_section_checksum, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncated_anywhere, setup, teardown),
        cmocka_unit_test_setup_teardown(test_versions_and_framing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_contents, setup, teardown),
        cmocka_unit_test(test_memory_named_twice),
        cmocka_unit_test_setup_teardown(test_mutations_never_half_apply, setup, teardown),
        cmocka_unit_test_setup_teardown(test_late_refusal_changes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_hart_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_firmware_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sections_disagreeing_on_the_position_refused,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_reconfigured_board_comes_back, setup, teardown),
        cmocka_unit_test(test_zero_pages_cost_nothing),
        cmocka_unit_test_setup_teardown(test_session_follows_a_load, setup, teardown),
        cmocka_unit_test_setup_teardown(test_monitor_commands, setup, teardown),
        cmocka_unit_test_setup_teardown(test_monitor_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_offered_without_snapshots, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
