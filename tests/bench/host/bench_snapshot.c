/* What snapshots cost (run from the repository top, after `ninja all`):
 * for virt32 (128 MiB of RAM) and hifive1-revb (16 MiB of flash), a
 * firmware is run a while, then a snapshot is taken, encoded as a file's
 * bytes, restored, and taken again after a further run (an incremental
 * one, sharing the pages nothing wrote). Each is timed (the fastest of a
 * few) and sized, so the numbers say what `snapshot save` and the reverse
 * debugging ring cost on a board with much memory and little written,
 * with the memories untracked until the first snapshot (which then reads
 * them whole) and tracked from their zero contents (as under a timeline).
 * docs/BENCHMARKS.md has a run's numbers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "peripherals/registry.h"
#include "sim/board_choice.h"
#include "sim/cpu/cpu.h"
#include "sim/elf_load.h"
#include "sim/snapshot.h"
#include "soc/machine.h"

#define REPEATS 5

typedef struct Bench {
    Clock *clock;
    MemorySystem *ms;
    Cpu *cpu;
    Machine *machine;
    BoardFile *file;
} Bench;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void check(bool ok, Error *err, const char *what)
{
    if (ok)
        return;
    fprintf(stderr, "bench_snapshot: %s: %s\n", what, err ? error_message(err) : "?");
    exit(1);
}

static void null_write(Chardev *chr, const uint8_t *buf, size_t len) {}
static void null_close(Chardev *chr) { free(chr); }
static const ChardevOps null_ops = {.write = null_write, .close = null_close};

static Chardev *open_null(void *opaque, const char *device, const char *spec,
                          Error **errp)
{
    Chardev *chr = calloc(1, sizeof *chr);
    if (!chr)
        abort();
    chr->ops = &null_ops;
    chr->eof = true;
    return chr;
}

static void stop_cpu(void *opaque)
{
    Bench *b = opaque;
    cpu_request_stop(b->cpu);
}

static bool cpu_irq(void *opaque, const char *input, IrqLine *out)
{
    Bench *b = opaque;
    return cpu_irq_input_named(b->cpu, input, out);
}

/* The board `name` from boards.yaml with `elf` loaded, at its entry;
 * with `track`, its memories tracked from their zero contents, as under
 * a reverse-execution timeline (MachineHooks.track_memories). */
static void bench_open(Bench *b, const char *name, const char *elf, bool track)
{
    Error *err = NULL;
    BoardDesc *board = NULL;
    b->file = board_choose(name, NULL, 0, &board, &err);
    check(b->file != NULL, err, name);
    b->clock = clock_new(board->cpu.frequency_hz);
    b->ms = memory_system_new();
    CpuConfig config;
    board_cpu_config(board, b->clock, &config);
    b->cpu = cpu_new(b->ms, &config, &err);
    check(b->cpu != NULL, err, "cpu");
    MachineHooks hooks = {.opaque = b, .stop = stop_cpu, .open_chardev = open_null,
                          .cpu_irq = cpu_irq, .clock = b->clock,
                          .registry = registry_devices(), .track_memories = track};
    b->machine = machine_new(b->ms, board, &hooks, &err);
    check(b->machine != NULL, err, "machine");
    cpu_set_time_source(b->cpu, machine_read_time, b->machine);
    uint32_t entry;
    check(elf_load(b->ms, elf, &entry, &err), err, elf);
    if (!board->cpu.has_reset_pc)
        cpu_set_reset_pc(b->cpu, entry);
}

static void bench_close(Bench *b)
{
    machine_free(b->machine);
    cpu_free(b->cpu);
    memory_system_free(b->ms);
    clock_free(b->clock);
    board_file_free(b->file);
}

static void run(Bench *b, uint64_t insns)
{
    Error *err = NULL;
    CpuStopReason why = cpu_run(b->cpu, insns, &err);
    check(why == CPU_STOP_INSN_LIMIT, err, "run (the firmware ended early)");
}

/* The fastest of REPEATS takes of a snapshot; the last one is kept. */
static Snapshot *time_take(const SnapshotTarget *t, double *best)
{
    Snapshot *snap = NULL;
    *best = 1e9;
    for (int i = 0; i < REPEATS; i++) {
        snapshot_free(snap);
        double t0 = now();
        snap = snapshot_take(t);
        double s = now() - t0;
        *best = s < *best ? s : *best;
    }
    return snap;
}

static void measure(const char *board, const char *elf, uint64_t insns, bool track)
{
    Bench b = {0};
    bench_open(&b, board, elf, track);
    SnapshotTarget t = {.cpu = b.cpu, .clock = b.clock, .ms = b.ms, .machine = b.machine};
    run(&b, insns);

    /* The first capture of each memory scans it; later ones copy only
     * what was written since the last. */
    double t0 = now();
    Snapshot *first = snapshot_take(&t);
    double first_s = now() - t0;
    run(&b, insns);
    double take_s;
    Snapshot *second = time_take(&t, &take_s);

    size_t file_bytes;
    t0 = now();
    uint8_t *bytes = snapshot_encode(second, &file_bytes);
    double encode_s = now() - t0;
    free(bytes);

    run(&b, insns);
    double restore_s = 1e9;
    for (int i = 0; i < REPEATS; i++) {
        Error *err = NULL;
        t0 = now();
        check(snapshot_restore(&t, first, &err), err, "restore");
        double s = now() - t0;
        restore_s = s < restore_s ? s : restore_s;
        run(&b, insns); /* something to undo again */
    }

    printf("  %-13s %s\n", board, track ? "memories tracked from zero (a timeline's)"
                                         : "memories untracked until the first take");
    printf("  %-13s first take %8.3f ms  take %8.3f ms  restore %8.3f ms  "
           "encode %7.3f ms\n", "", first_s * 1e3, take_s * 1e3, restore_s * 1e3,
           encode_s * 1e3);
    printf("  %-13s file %9zu bytes  held: first %llu bytes, next %llu more after %llu "
           "instructions\n", "", file_bytes,
           (unsigned long long)snapshot_private_bytes(first, NULL),
           (unsigned long long)snapshot_private_bytes(second, first),
           (unsigned long long)insns);
    snapshot_free(first);
    snapshot_free(second);
    bench_close(&b);
}

int main(void)
{
    printf("bench_snapshot: fastest of %d\n", REPEATS);
    for (int track = 0; track <= 1; track++) {
        measure("virt32", "build/fw/coremark_mix.elf", 1000000, track);
        measure("hifive1-revb", "build/fw/hifive1/pwm.elf", 500000, track);
    }
    return 0;
}
