/* Observation never changes a run, through the CPU's own API: the
 * interrupt-heavy firmware build/fw/irq_storm.elf runs on virt32 (input
 * from tests/firmware/irq_storm.in arriving at the UART's character times)
 * once plainly, then with breakpoints that stop it thousands of times,
 * watchpoints, single steps, runs cut into slices of random lengths and an
 * instruction tracer. Every run must see the same device accesses at the
 * same virtual times, take the same interrupts at the same instructions,
 * print the same output and end at the same cycle. Run from the
 * repository top (tests/run_tests.py does). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim/cpu/cpu.h"
#include "sim/elf_load.h"
#include "sim/elf_symbols.h"
#include "peripherals/registry.h"
#include "soc/board.h"
#include "soc/machine.h"

#define FIRMWARE "build/fw/irq_storm.elf"
#define INPUT "tests/firmware/irq_storm.in"

/* What a run showed, folded into hashes and counts. The output includes
 * the firmware's checksum of where and when each interrupt was taken;
 * traps are hashed too when a tracer watches them. */
typedef struct Observed {
    uint64_t mmio_hash, trap_hash;
    unsigned mmio_count, trap_count;
    char out[512];
    size_t outlen;
    uint64_t cycles, retired;
    uint32_t pc;
    int status;
} Observed;

typedef struct Rig {
    BoardFile *file;
    Clock *clock;
    MemorySystem *ms;
    Cpu *cpu;
    Machine *machine;
    ElfSymbols *syms;
    Observed seen;
    char *input;
    size_t input_len, input_pos;
    uint64_t insns_traced;
} Rig;

/* ---- the UART's chardev: input from a buffer, output captured ---- */

typedef struct RigChardev {
    Chardev base;
    Rig *rig;
} RigChardev;

static void rig_write(Chardev *chr, const uint8_t *buf, size_t len)
{
    Observed *o = &((RigChardev *)chr)->rig->seen;
    for (size_t i = 0; i < len && o->outlen + 1 < sizeof o->out; i++)
        o->out[o->outlen++] = (char)buf[i];
}

static size_t rig_read(Chardev *chr, uint8_t *buf, size_t max)
{
    Rig *rig = ((RigChardev *)chr)->rig;
    size_t n = rig->input_len - rig->input_pos;
    if (n > max)
        n = max;
    memcpy(buf, rig->input + rig->input_pos, n);
    rig->input_pos += n;
    if (rig->input_pos == rig->input_len)
        chr->eof = true;
    return n;
}

static void rig_chardev_close(Chardev *chr) { free(chr); }

static const ChardevOps rig_chardev_ops = {
    .write = rig_write, .read = rig_read, .close = rig_chardev_close,
};

static Chardev *rig_open_chardev(void *opaque, const char *device, const char *spec,
                                 Error **errp)
{
    (void)spec, (void)errp;
    RigChardev *c = calloc(1, sizeof *c);
    assert_non_null(c);
    c->base.ops = &rig_chardev_ops;
    c->rig = opaque;
    return &c->base;
}

/* ---- observers ---- */

static uint64_t fold(uint64_t hash, uint64_t value)
{
    return (hash ^ value) * 0x100000001b3ull;
}

static void rig_mmio(void *opaque, const MemoryRegion *region, uint32_t addr,
                     uint64_t offset, unsigned size, uint32_t value,
                     bool is_write, MemAccess result)
{
    (void)region, (void)offset;
    Rig *rig = opaque;
    Observed *o = &rig->seen;
    o->mmio_hash = fold(o->mmio_hash, clock_now(rig->clock));
    o->mmio_hash = fold(o->mmio_hash, (uint64_t)addr << 32 | value);
    o->mmio_hash = fold(o->mmio_hash, size | (unsigned)is_write << 4 | (unsigned)result << 8);
    o->mmio_count++;
}

static void rig_trap(void *opaque, const Cpu *cpu, uint32_t mcause,
                     uint32_t epc, uint32_t tval)
{
    Observed *o = &((Rig *)opaque)->seen;
    o->trap_hash = fold(o->trap_hash, cpu_cycles(cpu));
    o->trap_hash = fold(o->trap_hash, (uint64_t)mcause << 32 | epc);
    o->trap_hash = fold(o->trap_hash, tval);
    o->trap_count++;
}

static void rig_insn(void *opaque, const Cpu *cpu, uint32_t pc, uint32_t bits)
{
    (void)cpu, (void)pc, (void)bits;
    ((Rig *)opaque)->insns_traced++;
}

static const CpuTracer trap_tracer = {.trap = rig_trap};
static const CpuTracer insn_tracer = {.insn = rig_insn, .trap = rig_trap};

/* ---- building and running ---- */

static void rig_stop(void *opaque) { cpu_request_stop(((Rig *)opaque)->cpu); }

static bool rig_cpu_irq(void *opaque, const char *input, IrqLine *out)
{
    return cpu_irq_input_named(((Rig *)opaque)->cpu, input, out);
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = malloc(4096);
    assert_non_null(buf);
    *len = fread(buf, 1, 4096, f);
    fclose(f);
    return buf;
}

static void rig_open(Rig *rig)
{
    memset(rig, 0, sizeof *rig);
    Error *err = NULL;
    rig->input = read_file(INPUT, &rig->input_len);
    rig->file = board_file_load("boards.yaml", &err);
    assert_null(err);
    const BoardDesc *board = board_file_find(rig->file, "virt32");
    assert_non_null(board);
    rig->clock = clock_new(board->cpu.frequency_hz);
    rig->ms = memory_system_new();
    CpuConfig config = {
        .isa = board->cpu.isa, .frequency_hz = board->cpu.frequency_hz,
        .clock = rig->clock,
    };
    rig->cpu = cpu_new(rig->ms, &config, &err);
    assert_non_null(rig->cpu);
    MachineHooks hooks = {
        .opaque = rig, .stop = rig_stop, .open_chardev = rig_open_chardev,
        .cpu_irq = rig_cpu_irq, .clock = rig->clock, .registry = registry_devices(),
    };
    rig->machine = machine_new(rig->ms, board, &hooks, &err);
    if (err)
        fail_msg("%s", error_message(err));
    assert_non_null(machine_time_source_name(rig->machine));
    cpu_set_time_source(rig->cpu, machine_read_time, rig->machine);
    uint32_t entry;
    if (!elf_load(rig->ms, FIRMWARE, &entry, &err))
        fail_msg("%s", error_message(err));
    cpu_set_reset_pc(rig->cpu, entry);
    rig->syms = elf_symbols_load(FIRMWARE, &err);
    assert_non_null(rig->syms);
    memory_set_mmio_observer(rig->ms, rig_mmio, rig);
}

static void rig_close(Rig *rig)
{
    memory_set_mmio_observer(rig->ms, NULL, NULL);
    elf_symbols_free(rig->syms);
    machine_free(rig->machine);
    cpu_free(rig->cpu);
    memory_system_free(rig->ms);
    clock_free(rig->clock);
    board_file_free(rig->file);
    free(rig->input);
}

static uint32_t symbol(Rig *rig, const char *name)
{
    uint32_t addr;
    if (!elf_symbol_address(rig->syms, name, &addr))
        fail_msg("no symbol %s in " FIRMWARE, name);
    return addr;
}

/* The address of the instruction n instructions after addr. */
static uint32_t insn_after(Rig *rig, uint32_t addr, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        uint16_t parcel;
        assert_true(memory_debug_read(rig->ms, addr, &parcel, 2, NULL));
        addr += (parcel & 3) == 3 ? 4 : 2;
    }
    return addr;
}

/* Records how the run ended; the firmware's exit is a stop request. */
static void rig_finish(Rig *rig, CpuStopReason why)
{
    assert_int_equal(why, CPU_STOP_REQUESTED);
    Observed *o = &rig->seen;
    assert_true(machine_exit_requested(rig->machine, &o->status));
    o->cycles = cpu_cycles(rig->cpu);
    o->retired = cpu_instructions_retired(rig->cpu);
    o->pc = cpu_get_pc(rig->cpu);
}

/* Runs to the end, continuing over debugger stops; returns the stops. */
static unsigned run_over_stops(Rig *rig, unsigned max_stops)
{
    unsigned stops = 0;
    for (;;) {
        Error *err = NULL;
        CpuStopReason why = cpu_run(rig->cpu, UINT64_MAX, &err);
        if (err)
            fail_msg("after %u stops: %s", stops, error_message(err));
        if (why != CPU_STOP_BREAKPOINT && why != CPU_STOP_WATCHPOINT) {
            rig_finish(rig, why);
            return stops;
        }
        assert_true(++stops <= max_stops);
    }
}

static void assert_same(const Observed *ref, const Observed *o)
{
    assert_int_equal(ref->status, o->status);
    assert_int_equal(ref->outlen, o->outlen);
    assert_memory_equal(ref->out, o->out, ref->outlen);
    assert_int_equal(ref->mmio_count, o->mmio_count);
    assert_int_equal(ref->mmio_hash, o->mmio_hash);
    assert_int_equal(ref->cycles, o->cycles);
    assert_int_equal(ref->retired, o->retired);
    assert_int_equal(ref->pc, o->pc);
}

static Observed reference;

static int run_reference(void **state)
{
    (void)state;
    Rig rig;
    rig_open(&rig);
    Error *err = NULL;
    rig_finish(&rig, cpu_run(rig.cpu, UINT64_MAX, &err));
    reference = rig.seen;
    rig_close(&rig);
    /* The firmware did what it is for: many interrupts of both kinds. */
    assert_true(reference.mmio_count > 3000);
    assert_non_null(strstr(reference.out, "timer 400"));
    return 0;
}

/* ---- the cases ---- */

static void test_breakpoints_in_handlers_change_nothing(void **state)
{
    (void)state;
    Rig rig;
    rig_open(&rig);
    cpu_breakpoint_add(rig.cpu, symbol(&rig, "isr"));
    cpu_breakpoint_add(rig.cpu, symbol(&rig, "timer_interrupt"));
    unsigned stops = run_over_stops(&rig, 100000);
    assert_true(stops > 700);
    assert_same(&reference, &rig.seen);
    rig_close(&rig);
}

static void test_breakpoint_in_main_loop_changes_nothing(void **state)
{
    (void)state;
    Rig rig;
    rig_open(&rig);
    /* Inside the work loop's body: it splits the loop's block in two. */
    cpu_breakpoint_add(rig.cpu, insn_after(&rig, symbol(&rig, "do_work"), 4));
    cpu_breakpoint_add(rig.cpu, symbol(&rig, "next_interval"));
    run_over_stops(&rig, 1000000);
    assert_same(&reference, &rig.seen);
    rig_close(&rig);
}

static void test_watchpoints_change_nothing(void **state)
{
    (void)state;
    Rig rig;
    rig_open(&rig);
    assert_true(cpu_watchpoint_add(rig.cpu, symbol(&rig, "checksum"), 4, CPU_WATCH_WRITE));
    assert_true(cpu_watchpoint_add(rig.cpu, symbol(&rig, "work"), 4, CPU_WATCH_READ));
    assert_true(cpu_watchpoint_add(rig.cpu, symbol(&rig, "received"), 4, CPU_WATCH_ACCESS));
    unsigned stops = run_over_stops(&rig, 1000000);
    assert_true(stops > 2000);
    assert_same(&reference, &rig.seen);
    rig_close(&rig);
}

static void test_single_steps_change_nothing(void **state)
{
    (void)state;
    Rig rig;
    rig_open(&rig);
    Error *err = NULL;
    for (int i = 0; i < 30000; i++) {
        CpuStopReason why = cpu_step(rig.cpu, &err);
        assert_null(err);
        assert_int_equal(why, CPU_STOP_INSN_LIMIT);
    }
    rig_finish(&rig, cpu_run(rig.cpu, UINT64_MAX, &err));
    assert_same(&reference, &rig.seen);
    rig_close(&rig);
}

static void test_runs_cut_into_random_slices_change_nothing(void **state)
{
    (void)state;
    Rig rig;
    rig_open(&rig);
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    CpuStopReason why;
    do {
        seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
        Error *err = NULL;
        why = cpu_run(rig.cpu, 1 + seed % 300, &err);
        assert_null(err);
    } while (why == CPU_STOP_INSN_LIMIT);
    rig_finish(&rig, why);
    assert_same(&reference, &rig.seen);
    rig_close(&rig);
}

/* The trap tracer runs blocks whole, the instruction tracer one
 * instruction per block: both must see the same traps. */
static void test_tracers_change_nothing(void **state)
{
    (void)state;
    Observed traced[2];
    const CpuTracer *tracers[2] = {&trap_tracer, &insn_tracer};
    for (int i = 0; i < 2; i++) {
        Rig rig;
        rig_open(&rig);
        cpu_set_tracer(rig.cpu, tracers[i], &rig);
        Error *err = NULL;
        rig_finish(&rig, cpu_run(rig.cpu, UINT64_MAX, &err));
        assert_int_equal(rig.insns_traced, i == 1 ? reference.retired : 0);
        assert_same(&reference, &rig.seen);
        traced[i] = rig.seen;
        rig_close(&rig);
    }
    assert_true(traced[0].trap_count > 700);
    assert_int_equal(traced[0].trap_count, traced[1].trap_count);
    assert_int_equal(traced[0].trap_hash, traced[1].trap_hash);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_breakpoints_in_handlers_change_nothing),
        cmocka_unit_test(test_breakpoint_in_main_loop_changes_nothing),
        cmocka_unit_test(test_watchpoints_change_nothing),
        cmocka_unit_test(test_single_steps_change_nothing),
        cmocka_unit_test(test_runs_cut_into_random_slices_change_nothing),
        cmocka_unit_test(test_tracers_change_nothing),
    };
    return cmocka_run_group_tests(tests, run_reference, NULL);
}
