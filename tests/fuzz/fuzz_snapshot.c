/* libFuzzer harness: snapshot files (sim/snapshot.h), as `--snapshot-load
 * FILE` and `monitor snapshot load` read them, restored into a small
 * machine.
 *
 * An input is a file's bytes. snapshot_decode reads them as they are;
 * when it refuses them and their framing can be walked, it reads them a
 * second time with every checksum made right (each section's, the file's,
 * and those inside the "cpu" and "machine" sections), so that mutations
 * reach what lies behind the checksums: the board text, each device's
 * state, the hart's fields, the host services', the pages.
 *
 * What decodes is restored (snapshot_restore) into a machine built for
 * each input: BOARD below (a virt32-like board with 64 KiB of RAM, a
 * 16 KiB flash and one peripheral of every kind the registry has, spi
 * and i2c devices on their buses), an RV32IMAC hart at 10 MHz, semihosting
 * rooted in a fresh folder under $TMPDIR, and PROGRAM run for a while
 * first (timer interrupts, UART output, a ring of words in RAM, PMP, an
 * LR reservation, a host file open), so that there is state to keep.
 * The firmware is named "fuzz_snapshot.program" with PROGRAM's hash:
 * snapshots of another are refused, as mcusim refuses them.
 *
 * Properties, beyond the sanitizers (abort() when one fails):
 *   - a restore that is refused leaves the machine exactly as it was:
 *     snapshot_encode of snapshot_take before and after are equal, byte
 *     for byte (hart, clock, board, devices, levels, memories, host);
 *   - after a restore that succeeds, the memory map and the machine's
 *     wiring pass their audits (memory_audit, machine_audit) and the
 *     hart runs RUN_INSNS instructions (at most RUN_CYCLES of virtual
 *     time, a clock event of the harness stops it) without crashing.
 *     Host services are detached for that run (what the guest then asks
 *     of them would print on the harness's stdout).
 *   - FUZZ_STRICT=1 also checks that a machine a restore made takes its
 *     own snapshot back and saves the same bytes again (check_fixpoint)
 *     - an exploratory check, off by default.
 * A failure prints the first section that differs; FUZZ_DUMP=DIR also
 * writes both machines' snapshot files there.
 * Each input costs a few milliseconds at most: the machine is small and
 * its RAM mostly zero pages; a snapshot whose board's memories add up to
 * more than MAX_RESTORED_MEMORY is decoded only.
 *
 * Seeds: FUZZ_WRITE_SEEDS=DIR build/fuzz/fuzz_snapshot writes snapshots
 * of this machine (write_seeds below: at reset, running, reconfigured,
 * another board, and damaged ones) into DIR and exits;
 * tests/fuzz/make_seeds.py snapshot runs it for tests/fuzz/corpus/snapshot/.
 * FUZZ_VERBOSE=1 prints what became of each input (to reproduce one).
 * docs/FUZZING.md describes how to run, reproduce and add harnesses.
 */
#include <dirent.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "peripherals/registry.h"
#include "sim/board_choice.h"
#include "sim/cpu/cpu.h"
#include "sim/host/host.h"
#include "sim/snapshot.h"
#include "soc/alloc.h"
#include "soc/board.h"
#include "soc/clock.h"
#include "soc/crc32.h"
#include "soc/machine.h"
#include "soc/memory.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum {
    RAM_BASE = 0x80000000u,
    HANDLER = RAM_BASE + 0x100,
    SH_DATA = RAM_BASE + 0x600, /* semihosting's path and blocks */
    RING = RAM_BASE + 0x800,    /* 256 words the loop writes */
    CLINT_MTIMECMP = 0x02004000u,
    UART0 = 0x10000000u,
    TICK = 400,            /* cycles between timer interrupts */
    WARMUP_INSNS = 1500,   /* the program's run before each input */
    RUN_INSNS = 300,       /* after a restore */
    RUN_CYCLES = 20000,    /* the most virtual time that run may take */
};

/* Snapshots of boards whose memories add up to more are decoded but not
 * restored: a board with 4 GiB of RAM is valid, and allocating it would
 * only measure the allocator (as fuzz_board's MAX_BUILT_MEMORY). */
#define MAX_RESTORED_MEMORY (1ull << 20)

#define FIRMWARE "fuzz_snapshot.program"

/* The harness's machine: virt32's hart and devices, a small RAM, a
 * flash, and more models (buses with their devices, power and remap
 * controllers). OTHER_BOARD has the same hart and the models left: a
 * seed of it makes a restore apply another board, building those. Two
 * boards keep each seed under 16 KiB. */
static const char BOARD[] =
    "fuzz:\n"
    "  cpu: {isa: rv32imac, frequency: 10000000, pmp_entries: 8, triggers: 2}\n"
    "  memory:\n"
    "    - {name: ram, type: ram, base: 0x80000000, size: 64K}\n"
    "    - {name: flash, type: flash, base: 0x20000000, size: 16K}\n"
    "  peripherals:\n"
    "    - {name: clint, type: \"sifive,clint0\", base: 0x2000000, irq: [cpu.msi, cpu.mti]}\n"
    "    - {name: plic, type: \"sifive,plic-1.0.0\", base: 0xc000000, sources: 53,\n"
    "       irq: cpu.mei}\n"
    "    - {name: test, type: \"sifive,test0\", base: 0x100000}\n"
    "    - {name: uart0, type: ns16550a, base: 0x10000000, chardev: stdio, irq: plic.10}\n"
    "    - {name: uart1, type: \"sifive,uart0\", base: 0x10013000, chardev: \"null\",\n"
    "       irq: plic.3}\n"
    "    - {name: gpio0, type: \"sifive,gpio0\", base: 0x10012000, irq: [plic.11-42]}\n"
    "    - {name: pwm0, type: \"sifive,pwm0\", base: 0x10015000, cmp-width: 8,\n"
    "       irq: [plic.43-46, gpio0.32-35]}\n"
    "    - {name: qspi0, type: \"sifive,spi0\", base: 0x10014000, flash-window: flash,\n"
    "       cs0: \"spi-flash memory=flash\", irq: plic.5}\n"
    "    - {name: i2c0, type: \"sifive,i2c0\", base: 0x10016000,\n"
    "       dev0: \"lm75 address=0x48 temperature=23.5\", irq: plic.52}\n"
    "    - {name: power, type: \"mcusim,power-controller\", base: 0x10050000,\n"
    "       domains: uart1 gpio0}\n"
    "    - {name: remap, type: \"mcusim,remap-controller\", base: 0x10051000,\n"
    "       window: 0x40000000, window-size: 0x4000, targets: flash ram}\n";

static const char OTHER_BOARD[] =
    "other:\n"
    "  cpu: {isa: rv32imac, frequency: 10000000, pmp_entries: 8, triggers: 2}\n"
    "  memory:\n"
    "    - {name: ram, type: ram, base: 0x80000000, size: 64K}\n"
    "    - {name: sram, type: ram, base: 0x90000000, size: 4K}\n"
    "  peripherals:\n"
    "    - {name: clint, type: \"sifive,clint0\", base: 0x2000000, irq: [cpu.msi, cpu.mti]}\n"
    "    - {name: plic, type: \"sifive,plic-1.0.0\", base: 0xc000000, sources: 53,\n"
    "       irq: cpu.mei}\n"
    "    - {name: uart0, type: ns16550a, base: 0x10000000, chardev: stdio, irq: plic.10}\n"
    "    - {name: aon, type: \"sifive,aon\", base: 0x10001000, irq: [plic.1, probe.0]}\n"
    "    - {name: prci, type: \"sifive,fe310-prci\", base: 0x10008000}\n"
    "    - {name: otp, type: \"sifive,otp0\", base: 0x10010000}\n"
    "    - {name: probe, type: \"mcusim,irq-probe\", base: 0x3000, inputs: 4}\n"
    "    - {name: stub, type: memory-mapped-stub, base: 0x10020000, size: 0x100,\n"
    "       read-value: 0xdeadbeef}\n";

/* Set once at start-up. */
static bool verbose, strict;

/* ---- the program: a few encoders and the words ---- */

enum { ZERO = 0, T0 = 5, T1 = 6, T2 = 7, S1 = 9, A0 = 10, A1 = 11, S2 = 18, S3 = 19,
       S4 = 20, S5 = 21, T3 = 28, T4 = 29, T5 = 30 };

static uint32_t enc_i(uint32_t op, unsigned rd, unsigned f3, unsigned rs1, int32_t imm)
{
    return ((uint32_t)imm & 0xfff) << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op;
}

static uint32_t enc_s(unsigned f3, unsigned rs1, unsigned rs2, int32_t imm)
{
    uint32_t u = (uint32_t)imm;
    return (u >> 5 & 0x7f) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | (u & 0x1f) << 7 | 0x23;
}

static uint32_t lui(unsigned rd, uint32_t imm) { return (imm & 0xfffff000u) | rd << 7 | 0x37; }
static uint32_t addi(unsigned rd, unsigned rs, int32_t imm) { return enc_i(0x13, rd, 0, rs, imm); }
static uint32_t andi(unsigned rd, unsigned rs, int32_t imm) { return enc_i(0x13, rd, 7, rs, imm); }
static uint32_t slli(unsigned rd, unsigned rs, unsigned sh) { return enc_i(0x13, rd, 1, rs, (int32_t)sh); }
static uint32_t add(unsigned rd, unsigned a, unsigned b) { return b << 20 | a << 15 | rd << 7 | 0x33; }
static uint32_t lw(unsigned rd, unsigned rs, int32_t imm) { return enc_i(0x03, rd, 2, rs, imm); }
static uint32_t sw(unsigned rs2, unsigned rs1, int32_t imm) { return enc_s(2, rs1, rs2, imm); }
static uint32_t sb(unsigned rs2, unsigned rs1, int32_t imm) { return enc_s(0, rs1, rs2, imm); }
static uint32_t csrw(unsigned csr, unsigned rs) { return enc_i(0x73, 0, 1, rs, (int32_t)csr); }
static uint32_t lr_w(unsigned rd, unsigned rs) { return 0x1000202fu | rs << 15 | rd << 7; }

static uint32_t jal(unsigned rd, int32_t off)
{
    uint32_t u = (uint32_t)off;
    return (u >> 20 & 1) << 31 | (u >> 1 & 0x3ff) << 21 | (u >> 11 & 1) << 20 |
           (u >> 12 & 0xff) << 12 | rd << 7 | 0x6f;
}

#define MRET 0x30200073u
/* RISC-V semihosting's call: slli x0,x0,0x1f; ebreak; srai x0,x0,7 */
#define SH_ENTRY 0x01f01013u
#define SH_EBREAK 0x00100073u
#define SH_EXIT 0x40705013u

typedef struct Program {
    uint32_t at[1024]; /* words from RAM_BASE */
    uint32_t pc;
} Program;

static void emit(Program *p, uint32_t insn)
{
    p->at[(p->pc - RAM_BASE) / 4] = insn;
    p->pc += 4;
}

static void semihost(Program *p, unsigned op, uint32_t block)
{
    emit(p, addi(A0, ZERO, (int32_t)op));
    emit(p, lui(A1, block));
    emit(p, addi(A1, A1, (int32_t)(block & 0xfff)));
    emit(p, SH_ENTRY);
    emit(p, SH_EBREAK);
    emit(p, SH_EXIT);
}

/* Sets up a timer interrupt every TICK cycles (counted in s1), a PMP
 * entry, opens "log.txt" under the host root and writes 3 bytes to it
 * (semihosting), then loops: a0 counts, goes into a 256-word ring at
 * RING, takes an LR reservation there and prints a letter on uart0. */
static void build_program(Program *p)
{
    memset(p, 0, sizeof *p);
    p->pc = RAM_BASE;
    emit(p, lui(T0, HANDLER));
    emit(p, addi(T0, T0, HANDLER & 0xfff));
    emit(p, csrw(0x305, T0));                  /* mtvec */
    emit(p, lui(S2, CLINT_MTIMECMP));
    emit(p, addi(T1, ZERO, TICK));
    emit(p, sw(T1, S2, 0));
    emit(p, sw(ZERO, S2, 4));
    emit(p, lui(T1, 0x20004000u));             /* pmpaddr0: TOR up to 0x80010000 */
    emit(p, csrw(0x3b0, T1));
    emit(p, addi(T1, ZERO, 0x0f));             /* pmpcfg0: TOR, RWX */
    emit(p, csrw(0x3a0, T1));
    semihost(p, 0x01, SH_DATA + 0x10);         /* SYS_OPEN: the handle in a0 */
    emit(p, lui(T0, SH_DATA));
    emit(p, sw(A0, T0, 0x20));                 /* into SYS_WRITE's block */
    semihost(p, 0x05, SH_DATA + 0x20);         /* SYS_WRITE */
    emit(p, addi(T1, ZERO, 0x80));             /* mie.MTIE */
    emit(p, csrw(0x304, T1));
    emit(p, addi(T1, ZERO, 8));                /* mstatus.MIE */
    emit(p, csrw(0x300, T1));
    emit(p, lui(S3, UART0));
    emit(p, lui(S4, RING));
    emit(p, addi(S4, S4, RING & 0xfff));
    uint32_t loop = p->pc;
    emit(p, addi(A0, A0, 1));
    emit(p, andi(T2, A0, 0xff));
    emit(p, slli(T2, T2, 2));
    emit(p, add(T2, T2, S4));
    emit(p, sw(A0, T2, 0));
    emit(p, lr_w(T5, T2));
    emit(p, andi(T3, A0, 15));
    emit(p, addi(T3, T3, 'a'));
    emit(p, sb(T3, S3, 0));
    emit(p, jal(ZERO, (int32_t)(loop - p->pc)));
    p->pc = HANDLER;
    emit(p, addi(S1, S1, 1));
    emit(p, lw(T4, S2, 0));
    emit(p, addi(T4, T4, TICK));
    emit(p, sw(T4, S2, 0));
    emit(p, MRET);
    /* semihosting's data: the path, SYS_OPEN's block (path, mode "w",
     * length), SYS_WRITE's (handle, bytes, count) */
    memcpy(&p->at[(SH_DATA - RAM_BASE) / 4], "log.txt", 8);
    uint32_t open_block[3] = {SH_DATA, 4, 7}, write_block[3] = {0, SH_DATA, 3};
    memcpy(&p->at[(SH_DATA + 0x10 - RAM_BASE) / 4], open_block, sizeof open_block);
    memcpy(&p->at[(SH_DATA + 0x20 - RAM_BASE) / 4], write_block, sizeof write_block);
}

/* Built once (LLVMFuzzerInitialize): never changes afterwards. */
static Program program;
static uint64_t program_hash;

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

/* ---- the machine ---- */

typedef struct Rig {
    Clock *clock;
    MemorySystem *ms;
    Cpu *cpu;
    Machine *m;
    Host *host;
    char root[PATH_MAX]; /* the host services' folder */
} Rig;

/* A failure of the harness, never of the input. */
static void must(bool ok, Error *err, const char *what)
{
    if (ok)
        return;
    fprintf(stderr, "fuzz_snapshot: %s: %s\n", what, err ? error_message(err) : "failed");
    abort();
}

static void sink_write(Chardev *chr, const uint8_t *buf, size_t len) {}
static void sink_close(Chardev *chr) { free(chr); }
static const ChardevOps sink_ops = {.write = sink_write, .close = sink_close};

/* Whatever the spec (a snapshot's board may name any): a sink, opening
 * nothing on the host. */
static Chardev *open_chardev(void *opaque, const char *device, const char *spec,
                             Error **errp)
{
    Chardev *chr = xcalloc(1, sizeof *chr);
    chr->ops = &sink_ops;
    chr->eof = true;
    return chr;
}

static bool cpu_irq(void *opaque, const char *input, IrqLine *out)
{
    return cpu_irq_input_named(((Rig *)opaque)->cpu, input, out);
}

static void reset_cpu(void *opaque) { cpu_request_reset(((Rig *)opaque)->cpu); }
static void stop_cpu(void *opaque) { cpu_request_stop(((Rig *)opaque)->cpu); }

static void make_root(Rig *r)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(r->root, sizeof r->root, "%s/fuzz_snapshot.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(r->root)) {
        perror("fuzz_snapshot: mkdtemp");
        abort();
    }
}

/* The host files a guest or a restore made: plain files in the root
 * (host paths cannot make folders). */
static void remove_root(Rig *r)
{
    DIR *d = opendir(r->root);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL)
            if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
                unlinkat(dirfd(d), e->d_name, 0);
        closedir(d);
    }
    rmdir(r->root);
}

static void load_program(Rig *r)
{
    Error *err = NULL;
    uint8_t bytes[sizeof program.at];
    for (size_t i = 0; i < sizeof program.at / 4; i++)
        for (unsigned k = 0; k < 4; k++)
            bytes[4 * i + k] = (uint8_t)(program.at[i] >> (8 * k));
    must(memory_debug_write(r->ms, RAM_BASE, bytes, sizeof bytes, &err), err, "the program");
}

/* The machine of `board_text`, the program loaded, host services up. */
static void rig_open(Rig *r, const char *board_text)
{
    Error *err = NULL;
    BoardFile *file = board_file_parse("fuzz.yaml", board_text, strlen(board_text), &err);
    must(file != NULL, err, "the board");
    const BoardDesc *board = &file->boards[0];
    r->clock = clock_new(board->cpu.frequency_hz);
    r->ms = memory_system_new();
    CpuConfig config;
    board_cpu_config(board, r->clock, &config);
    config.reset_pc = RAM_BASE;
    r->cpu = cpu_new(r->ms, &config, &err);
    must(r->cpu != NULL, err, "the hart");
    MachineHooks hooks = {.opaque = r, .stop = stop_cpu, .open_chardev = open_chardev,
                          .cpu_irq = cpu_irq, .clock = r->clock, .reset_cpu = reset_cpu,
                          .registry = registry_devices()};
    r->m = machine_new(r->ms, board, &hooks, &err);
    must(r->m != NULL, err, "the machine");
    cpu_set_time_source(r->cpu, machine_read_time, r->m);
    load_program(r);
    make_root(r);
    HostConfig host = {.services = HOST_SEMIHOSTING, .file_root = r->root,
                       .frequency_hz = board->cpu.frequency_hz, .board = board};
    r->host = host_new(r->ms, r->cpu, NULL, &host, &err);
    must(r->host != NULL, err, "the host services");
    board_file_free(file);
}

static void rig_close(Rig *r)
{
    host_free(r->host);
    machine_free(r->m);
    cpu_free(r->cpu);
    memory_system_free(r->ms);
    clock_free(r->clock);
    remove_root(r);
}

static SnapshotTarget target(Rig *r)
{
    return (SnapshotTarget){.cpu = r->cpu, .clock = r->clock, .ms = r->ms, .machine = r->m,
                            .host = r->host, .firmware = FIRMWARE,
                            .firmware_hash = program_hash};
}

static void warm_up(Rig *r, uint64_t insns)
{
    Error *err = NULL;
    CpuStopReason why = cpu_run(r->cpu, insns, &err);
    must(why == CPU_STOP_INSN_LIMIT, err, "the program's run");
}

/* ---- bytes ---- */

typedef struct Bytes {
    uint8_t *data;
    size_t len;
} Bytes;

static Bytes machine_bytes(Rig *r)
{
    SnapshotTarget t = target(r);
    Snapshot *snap = snapshot_take(&t);
    Bytes b;
    b.data = snapshot_encode(snap, &b.len);
    snapshot_free(snap);
    return b;
}

static uint64_t get_le(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* One section of a file (sim/snapshot.c's layout). */
typedef struct Section {
    const uint8_t *name;
    size_t name_len;
    size_t payload; /* offset of its payload */
    size_t len;
} Section;

/* The next section at *at, when its framing fits in the file. */
static bool next_section(const uint8_t *d, size_t len, size_t *at, Section *s)
{
    if (len - *at < 4)
        return false;
    uint64_t name_len = get_le(d + *at, 4);
    if (name_len > len - *at - 4 || len - *at - 4 - name_len < 12)
        return false;
    s->name = d + *at + 4;
    s->name_len = (size_t)name_len;
    s->payload = *at + 4 + (size_t)name_len + 12;
    uint64_t payload_len = get_le(d + s->payload - 12, 8);
    if (payload_len > len - s->payload)
        return false;
    s->len = (size_t)payload_len;
    *at = s->payload + s->len;
    return true;
}

static bool named(const Section *s, const char *name)
{
    return s->name_len == strlen(name) && memcmp(s->name, name, s->name_len) == 0;
}

/* The checksums inside a section: the hart's (sim/cpu/cpu_snapshot.c:
 * a CRC-32 at 16 of the payload after its 20-byte header, as long as the
 * header says) and the machine's (soc/machine_state.c: the last 4 bytes,
 * of every byte before them). */
static void repair_inner(uint8_t *d, const Section *s)
{
    uint8_t *p = d + s->payload;
    if (named(s, "cpu") && s->len >= 20) {
        uint64_t n = get_le(p + 12, 4);
        if (n <= s->len - 20)
            put_le(p + 16, crc32_of(p + 20, (size_t)n), 4);
    } else if (named(s, "machine") && s->len >= 4) {
        put_le(p + s->len - 4, crc32_of(p, s->len - 4), 4);
    }
}

/* Every checksum of the file made right, as far as its framing can be
 * walked: the sections' (and what is inside them), then the file's after
 * the last. False when nothing could be walked. */
static bool repair_checksums(uint8_t *d, size_t len)
{
    if (len < 16 || memcmp(d, "MCUSNAP", 8) != 0)
        return false;
    uint64_t count = get_le(d + 12, 4);
    size_t at = 16;
    Section s;
    for (uint64_t i = 0; i < count && next_section(d, len, &at, &s); i++) {
        repair_inner(d, &s);
        put_le(d + s.payload - 4, crc32_of(d + s.payload, s.len), 4);
    }
    if (len - at >= 4)
        put_le(d + at, crc32_of(d, at), 4);
    return true;
}

/* The section `name` of a well-formed file. */
static bool find_section(const Bytes *b, const char *name, Section *out)
{
    size_t at = 16, count = (size_t)get_le(b->data + 12, 4);
    for (size_t i = 0; i < count && next_section(b->data, b->len, &at, out); i++)
        if (named(out, name))
            return true;
    return false;
}

/* ---- one input ---- */

static void outcome(const char *what, Error *err)
{
    if (verbose)
        fprintf(stderr, "fuzz_snapshot: %s%s%s\n", what, err ? ": " : "",
                err ? error_message(err) : "");
    error_free(err);
}

/* The bytes of the memories a decoded file's board has (each has a
 * "memory NAME" section of its size: snapshot_decode checks it). */
static uint64_t memory_total(const uint8_t *d, size_t len)
{
    uint64_t total = 0;
    size_t at = 16;
    Section s;
    while (next_section(d, len, &at, &s))
        if (s.name_len > 7 && memcmp(s.name, "memory ", 7) == 0 && s.len >= 12)
            total += get_le(d + s.payload + 4, 8);
    return total;
}

/* As it is, else with its checksums made right; *memory the bytes its
 * board's memories take. */
static Snapshot *decode(const uint8_t *data, size_t size, uint64_t *memory)
{
    Error *err = NULL;
    Snapshot *snap = snapshot_decode(data, size, "input", &err);
    if (snap) {
        *memory = memory_total(data, size);
        return snap;
    }
    outcome("refused as it is", err);
    Bytes fixed = {xmalloc(size ? size : 1), size};
    memcpy(fixed.data, data, size);
    if (repair_checksums(fixed.data, fixed.len) && memcmp(fixed.data, data, size) != 0) {
        err = NULL;
        snap = snapshot_decode(fixed.data, fixed.len, "input", &err);
        if (!snap)
            outcome("refused with its checksums right", err);
        else
            *memory = memory_total(fixed.data, fixed.len);
    }
    free(fixed.data);
    return snap;
}

/* The first section in which two files differ, for the report. */
static void report_difference(const char *what, const Bytes *a, const Bytes *b)
{
    fprintf(stderr, "fuzz_snapshot: %s (%zu and %zu bytes)", what, a->len, b->len);
    size_t at = 16, bt = 16;
    Section sa, sb;
    while (next_section(a->data, a->len, &at, &sa) && next_section(b->data, b->len, &bt, &sb)) {
        if (sa.name_len != sb.name_len || memcmp(sa.name, sb.name, sa.name_len) != 0 ||
            sa.len != sb.len || memcmp(a->data + sa.payload, b->data + sb.payload, sa.len) != 0) {
            size_t i = 0;
            while (i < sa.len && i < sb.len &&
                   a->data[sa.payload + i] == b->data[sb.payload + i])
                i++;
            fprintf(stderr, ": first in section '%.*s' (%zu and %zu bytes), at byte %zu",
                    (int)sa.name_len, (const char *)sa.name, sa.len, sb.len, i);
            break;
        }
    }
    fputc('\n', stderr);
}

static bool same(const Bytes *a, const Bytes *b)
{
    return a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
}

/* FUZZ_DUMP=DIR: on a property failure, the two machines' snapshot
 * files, DIR/expected and DIR/actual, to compare section by section. */
static void dump_pair(const Bytes *expected, const Bytes *actual)
{
    const char *dir = getenv("FUZZ_DUMP");
    const Bytes *b[2] = {expected, actual};
    const char *names[2] = {"expected", "actual"};
    for (int i = 0; dir && i < 2; i++) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        FILE *f = fopen(path, "wb");
        if (f) {
            fwrite(b[i]->data, 1, b[i]->len, f);
            fclose(f);
        }
    }
}

/* FUZZ_STRICT: whatever a restore made of the machine, the machine takes
 * it back from its own snapshot and saves the same again (a save and a
 * restore are exact inverses on every state a restore can produce). */
static void check_fixpoint(Rig *r)
{
    SnapshotTarget t = target(r);
    Snapshot *own = snapshot_take(&t);
    Bytes want;
    want.data = snapshot_encode(own, &want.len);
    Error *err = NULL;
    if (!snapshot_restore(&t, own, &err)) {
        fprintf(stderr, "fuzz_snapshot: a restored machine refuses its own snapshot: %s\n",
                error_message(err));
        abort();
    }
    Bytes now = machine_bytes(r);
    if (!same(&want, &now)) {
        report_difference("a restored machine, restored from its own snapshot, saves "
                          "another", &want, &now);
        dump_pair(&want, &now);
        abort();
    }
    free(want.data);
    free(now.data);
    snapshot_free(own);
}

static void stop_event(void *opaque) { cpu_request_stop(opaque); }

/* After a restore that succeeded: the map and wiring hold together and
 * the hart runs. */
static void run_restored(Rig *r)
{
    Error *err = NULL;
    if (!memory_audit(r->ms, &err) || !machine_audit(r->m, &err)) {
        fprintf(stderr, "fuzz_snapshot: audit after a restore: %s\n", error_message(err));
        abort();
    }
    cpu_set_host_handler(r->cpu, NULL, NULL); /* the guest's console is the harness's */
    ClockEvent *stop = clock_event_new(r->clock, stop_event, r->cpu);
    uint64_t now = clock_now(r->clock);
    clock_event_schedule(stop, now > UINT64_MAX - RUN_CYCLES ? UINT64_MAX : now + RUN_CYCLES);
    CpuStopReason why = cpu_run(r->cpu, RUN_INSNS, &err);
    if (verbose)
        fprintf(stderr, "fuzz_snapshot: ran to %llu instructions (stop %d)%s%s\n",
                (unsigned long long)cpu_instructions_retired(r->cpu), (int)why,
                err ? ": " : "", err ? error_message(err) : "");
    error_free(err);
    clock_event_free(stop);
}

static void restore(Rig *r, const Snapshot *snap)
{
    Bytes before = machine_bytes(r);
    SnapshotTarget t = target(r);
    Error *err = NULL;
    if (snapshot_restore(&t, snap, &err)) {
        outcome("restored", NULL);
        if (strict)
            check_fixpoint(r);
        run_restored(r);
    } else {
        Bytes after = machine_bytes(r);
        if (!same(&before, &after)) {
            fprintf(stderr, "fuzz_snapshot: a refused restore changed the machine (%s)\n",
                    error_message(err));
            report_difference("before and after", &before, &after);
            dump_pair(&before, &after);
            abort();
        }
        free(after.data);
        outcome("restore refused", err);
    }
    free(before.data);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint64_t memory = 0;
    Snapshot *snap = decode(data, size, &memory);
    if (!snap)
        return 0;
    if (memory > MAX_RESTORED_MEMORY) {
        outcome("decoded; too much memory to restore", NULL);
        snapshot_free(snap);
        return 0;
    }
    Rig r = {0};
    rig_open(&r, BOARD);
    warm_up(&r, WARMUP_INSNS);
    restore(&r, snap);
    snapshot_free(snap);
    rig_close(&r);
    return 0;
}

/* ---- seeds (FUZZ_WRITE_SEEDS=DIR) ---- */

static void write_seed(const char *dir, const char *name, const Bytes *b)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(b->data, 1, b->len, f) != b->len || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
}

/* A copy of `b` with `n` bytes at `at` (an offset into section `name`'s
 * payload; negative: from its end) replaced, checksums made right. */
static Bytes patched(const Bytes *b, const char *name, long at, const void *bytes, size_t n)
{
    Section s;
    must(find_section(b, name, &s), NULL, name);
    Bytes out = {xmalloc(b->len), b->len};
    memcpy(out.data, b->data, b->len);
    size_t offset = at < 0 ? s.payload + s.len - (size_t)-at : s.payload + (size_t)at;
    memcpy(out.data + offset, bytes, n);
    repair_checksums(out.data, out.len);
    return out;
}

/* Damaged copies of a good snapshot: framing, checksums, versions, and
 * contents that pass the checksums. */
static void write_damaged(const char *dir, const Bytes *good)
{
    Bytes b = {xmalloc(good->len), good->len};
    memcpy(b.data, good->data, b.len);
    Section machine;
    must(find_section(good, "machine", &machine), NULL, "machine");
    Bytes cut = {b.data, machine.payload + machine.len / 2};
    write_seed(dir, "bad-truncated", &cut);
    b.data[b.len - 1] ^= 1;
    write_seed(dir, "bad-file-checksum", &b);
    b.data[b.len - 1] ^= 1;
    b.data[machine.payload + 40] ^= 0x10;
    write_seed(dir, "bad-section-checksum", &b);
    b.data[machine.payload + 40] ^= 0x10;
    b.data[8] = 2;
    write_seed(dir, "bad-version", &b);
    free(b.data);

    static const uint8_t ones[8] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    static const uint8_t two = 2;
    /* the hart's payload after its 20-byte header: priv at 169, then mstatus */
    Bytes x = patched(good, "cpu", 20 + 169, &two, 1);
    write_seed(dir, "hostile-cpu-priv", &x);
    free(x.data);
    x = patched(good, "cpu", 20 + 170, ones, 4);
    write_seed(dir, "hostile-cpu-mstatus", &x);
    free(x.data);
    x = patched(good, "machine", 12, ones, 8); /* the clock's time */
    write_seed(dir, "hostile-machine-time", &x);
    free(x.data);
    Section machine_s;
    must(find_section(good, "machine", &machine_s), NULL, "machine");
    static const char envelope[] = "MS\x08\0\0\0ns16550a"; /* soc/state_io.h */
    const uint8_t *uart = memmem(good->data + machine_s.payload, machine_s.len, envelope,
                                 sizeof envelope - 1);
    must(uart != NULL, NULL, "ns16550a's state");
    long in_uart = (long)(uart - good->data - machine_s.payload) + 40;
    x = patched(good, "machine", in_uart, ones, 8); /* inside the UART's state */
    write_seed(dir, "hostile-machine-device", &x);
    free(x.data);
    x = patched(good, "memory ram", 20, ones, 8); /* the first page's index */
    write_seed(dir, "hostile-memory-index", &x);
    free(x.data);
    x = patched(good, "host", -16, ones, 8);
    write_seed(dir, "hostile-host", &x);
    free(x.data);
}

static Bytes snapshot_bytes(SnapshotTarget t)
{
    Snapshot *snap = snapshot_take(&t);
    Bytes b;
    b.data = snapshot_encode(snap, &b.len);
    snapshot_free(snap);
    return b;
}

static void write_seeds(const char *dir)
{
    Error *err = NULL;
    Rig r = {0};
    rig_open(&r, BOARD);
    Bytes b = machine_bytes(&r);
    write_seed(dir, "reset", &b);
    free(b.data);

    warm_up(&r, 3000);
    Bytes running = machine_bytes(&r);
    write_seed(dir, "running", &running);
    write_damaged(dir, &running);

    SnapshotTarget anonymous = target(&r);
    anonymous.firmware = NULL;
    b = snapshot_bytes(anonymous);
    write_seed(dir, "no-firmware-named", &b);
    free(b.data);
    anonymous.firmware = FIRMWARE;
    anonymous.firmware_hash = program_hash ^ 1;
    b = snapshot_bytes(anonymous);
    write_seed(dir, "other-firmware", &b);
    free(b.data);

    /* reconfigured: a device powered off, an input driven, one added */
    must(machine_set_input(r.m, "gpio0", 3, true, &err), err, "input");
    must(machine_power(r.m, "uart1", false, &err), err, "power");
    BoardFile *extra = board_file_parse("extra.yaml",
        "x:\n  peripherals:\n"
        "    - {name: uart9, type: ns16550a, base: 0x10002000, chardev: \"null\", irq: plic.6}\n",
        strlen("x:\n  peripherals:\n"
               "    - {name: uart9, type: ns16550a, base: 0x10002000, chardev: \"null\", irq: plic.6}\n"),
        &err);
    must(extra != NULL, err, "extra");
    must(machine_add_peripheral(r.m, &extra->boards[0].peripherals[0], &err), err, "add");
    board_file_free(extra);
    warm_up(&r, 1000);
    b = machine_bytes(&r);
    write_seed(dir, "reconfigured", &b);
    free(b.data);
    free(running.data);
    rig_close(&r);

    Rig other = {0};
    rig_open(&other, OTHER_BOARD);
    warm_up(&other, 2000);
    b = machine_bytes(&other);
    write_seed(dir, "other-board", &b);
    free(b.data);
    rig_close(&other);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    verbose = getenv("FUZZ_VERBOSE") != NULL;
    strict = getenv("FUZZ_STRICT") != NULL;
    build_program(&program);
    uint8_t bytes[sizeof program.at];
    for (size_t i = 0; i < sizeof program.at / 4; i++)
        put_le(bytes + 4 * i, program.at[i], 4);
    program_hash = fnv1a(bytes, sizeof bytes);
    const char *seeds = getenv("FUZZ_WRITE_SEEDS");
    if (seeds) {
        write_seeds(seeds);
        exit(0);
    }
    return 0;
}
