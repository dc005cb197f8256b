/* What runtime reconfiguration costs on the shipped virt32 board (run from
 * the repository top): each kind of change, repeated, per second, with
 * the flat view rebuilds it took. A change is a whole transaction (checks,
 * build, wiring, commit), so this is the latency a monitor command or a
 * scenario step adds, not counting the CPU re-decoding its code after. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "peripherals/registry.h"
#include "soc/board.h"
#include "soc/machine.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
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

static void ignore(void *opaque) {}

static void cpu_line(void *opaque, unsigned line, bool level) {}

static bool cpu_irq(void *opaque, const char *input, IrqLine *out)
{
    *out = (IrqLine){.handler = cpu_line};
    return true;
}

static void check(bool ok, Error *err, const char *what)
{
    if (ok)
        return;
    fprintf(stderr, "bench_reconfig: %s: %s\n", what, err ? error_message(err) : "?");
    exit(1);
}

static BoardFile *entry(const char *mapping, const BoardPeripheral **out)
{
    char text[512];
    snprintf(text, sizeof text, "b:\n  peripherals:\n    - %s\n", mapping);
    Error *err = NULL;
    BoardFile *file = board_file_parse("bench.yaml", text, strlen(text), &err);
    check(file != NULL, err, "entry");
    *out = &file->boards[0].peripherals[0];
    return file;
}

typedef bool (*Change)(Machine *m, void *ctx, Error **errp);

/* Runs `change` n times; prints changes per second and rebuilds per change. */
static void measure(const char *what, MemorySystem *ms, Machine *m, Change change,
                    void *ctx, int n)
{
    uint64_t rebuilds = memory_stats(ms).rebuilds;
    double t0 = now();
    for (int i = 0; i < n; i++) {
        Error *err = NULL;
        check(change(m, ctx, &err), err, what);
    }
    double seconds = now() - t0;
    printf("  %-34s %9.0f /s  (%.1f us each, %.1f view rebuilds each)\n", what,
           (double)n / seconds, seconds / n * 1e6,
           (double)(memory_stats(ms).rebuilds - rebuilds) / n);
}

static bool add_remove(Machine *m, void *ctx, Error **errp)
{
    return machine_add_peripheral(m, ctx, errp) &&
           machine_remove_peripheral(m, ((BoardPeripheral *)ctx)->name, false, errp);
}

static bool replace(Machine *m, void *ctx, Error **errp)
{
    return machine_replace_peripheral(m, ctx, errp);
}

static bool move_there_and_back(Machine *m, void *ctx, Error **errp)
{
    return machine_move(m, "uart0", 0x10001000, 0x80000000u, errp) &&
           machine_move(m, "uart0", 0x10000000, 0x80000000u, errp);
}

static bool power_cycle(Machine *m, void *ctx, Error **errp)
{
    return machine_power(m, "uart0", false, errp) && machine_power(m, "uart0", true, errp);
}

static bool set_chardev(Machine *m, void *ctx, Error **errp)
{
    return machine_set_property(m, "uart0", "chardev", "null", errp);
}

/* virt32 as shipped, and with uart0 moved and a stub added. */
#define VIRT32_BLOCKS(UART0_BASE, EXTRA) \
    "  memory:\n" \
    "    - {name: ram, type: ram, base: 0x80000000, size: 128M}\n" \
    "  peripherals:\n" \
    "    - {name: clint, type: \"sifive,clint0\", base: 0x2000000, size: 0x10000, " \
    "irq: [cpu.msi, cpu.mti]}\n" \
    "    - {name: plic, type: \"sifive,plic-1.0.0\", base: 0xc000000, size: 0x4000000, " \
    "sources: 53, irq: cpu.mei}\n" \
    "    - {name: test, type: \"sifive,test0\", base: 0x100000, size: 0x1000}\n" \
    "    - {name: uart0, type: ns16550a, base: " UART0_BASE ", size: 0x100, " \
    "chardev: stdio, irq: plic.10}\n" EXTRA

static const char APPLY[] =
    "a:\n" VIRT32_BLOCKS("0x10002000", "    - {name: s, type: memory-mapped-stub, "
                                         "base: 0x20000000}\n")
    "b:\n" VIRT32_BLOCKS("0x10000000", "");

static bool apply_two(Machine *m, void *ctx, Error **errp)
{
    const BoardDesc *const *boards = ctx;
    return machine_apply_board(m, boards[0], 0x80000000u, NULL, errp) &&
           machine_apply_board(m, boards[1], 0x80000000u, NULL, errp);
}

/* A board of n UARTs, each wired to an input of an irq probe (32 inputs
 * each): what a board with thousands of peripherals and lines costs. */
static char *big_board(int n)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        abort();
    fprintf(f, "big:\n  memory:\n    - {name: ram, type: ram, base: 0x80000000, size: 64K}\n"
            "  peripherals:\n");
    for (int i = 0; i < n; i++)
        fprintf(f, "    - {name: u%d, type: ns16550a, base: 0x%x, size: 0x100, "
                "chardev: null, irq: probe%d.%d}\n", i, 0x10000000 + i * 0x100, i / 32,
                i % 32);
    for (int i = 0; i < (n + 31) / 32; i++)
        fprintf(f, "    - {name: probe%d, type: \"mcusim,irq-probe\", base: 0x%x}\n", i,
                0x40000000 + i * 0x1000);
    fclose(f);
    return text;
}

/* Builds, audits, applies unchanged and frees the big board; prints the
 * seconds each took, so that doubling n shows linear work. */
static void measure_big(int n, const MachineHooks *hooks)
{
    char *text = big_board(n);
    Error *err = NULL;
    BoardFile *file = board_file_parse("big.yaml", text, strlen(text), &err);
    check(file != NULL, err, "big board");
    MemorySystem *ms = memory_system_new();
    double t0 = now();
    Machine *m = machine_new(ms, &file->boards[0], hooks, &err);
    double t1 = now();
    check(m != NULL, err, "big machine");
    check(machine_audit(m, &err), err, "audit");
    double t2 = now();
    check(machine_apply_board(m, &file->boards[0], 0x80000000u, NULL, &err), err, "apply");
    double t3 = now();
    machine_free(m);
    double t4 = now();
    printf("  %6d UARTs and lines: machine_new %.3f s, audit %.3f s, apply (unchanged) "
           "%.3f s, free %.3f s\n", n, t1 - t0, t2 - t1, t3 - t2, t4 - t3);
    memory_system_free(ms);
    board_file_free(file);
    free(text);
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 20000;
    Error *err = NULL;
    BoardFile *shipped = board_file_load("boards.yaml", &err);
    check(shipped != NULL, err, "boards.yaml");
    const BoardDesc *virt32 = board_file_find(shipped, "virt32");
    check(virt32 != NULL, NULL, "virt32");
    MemorySystem *ms = memory_system_new();
    Clock *clock = clock_new(virt32->cpu.frequency_hz);
    MachineHooks hooks = {.stop = ignore, .open_chardev = open_null, .cpu_irq = cpu_irq,
                          .clock = clock, .registry = registry_devices()};
    Machine *m = machine_new(ms, virt32, &hooks, &err);
    check(m != NULL, err, "machine");

    printf("bench_reconfig: virt32, %d of each\n", n);
    const BoardPeripheral *uart1, *uart0_sifive;
    BoardFile *f1 = entry("{name: uart1, type: ns16550a, base: 0x10001000, irq: plic.11}",
                          &uart1);
    BoardFile *f2 = entry("{name: uart0, type: \"sifive,uart0\", base: 0x10000000, "
                          "irq: plic.10}", &uart0_sifive);
    measure("add + remove a UART", ms, m, add_remove, (void *)uart1, n);
    measure("replace uart0 (a fresh sifive,uart0)", ms, m, replace, (void *)uart0_sifive, n);
    measure("move uart0 there and back", ms, m, move_there_and_back, NULL, n);
    measure("power uart0 off and on", ms, m, power_cycle, NULL, n);
    measure("set uart0's chardev", ms, m, set_chardev, NULL, n);

    /* board apply: uart0 moved and a stub added, then back */
    BoardFile *boards = board_file_parse("apply.yaml", APPLY, strlen(APPLY), &err);
    check(boards != NULL, err, "apply.yaml");
    const BoardDesc *pair[2] = {board_file_find(boards, "a"), board_file_find(boards, "b")};
    measure("board apply (a move and an add), back", ms, m, apply_two, pair, n / 10);
    board_file_free(boards);

    board_file_free(f1);
    board_file_free(f2);
    for (int big = 4000; big <= 16000; big *= 2)
        measure_big(big, &hooks);
    machine_free(m);
    memory_system_free(ms);
    clock_free(clock);
    board_file_free(shipped);
    return 0;
}
