/* Reverse execution's timeline (sim/timeline.c) on a real machine: a hart
 * running a program with a timer interrupt every TICK cycles, RAM it
 * writes and a UART it prints on. The live run is driven as the session
 * drives it: slices of SLICE instructions, timeline_slice after each.
 *
 * The whole machine is compared as snapshot_encode's bytes (hart, clock,
 * board, devices, memories): going back lands on exactly the state a
 * forward run had there, on both engines. Checked: the ring stays within
 * its bound and reaches back to the start; reverse steps retrace forward
 * steps one by one, interrupt entries included; reverse-continue finds the
 * last breakpoint hit and the last watched store before the present, and
 * runs out of history at the start; forward from the past stops at the
 * frontier with the state it had; an input in the past drops the future.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "peripherals/registry.h"
#include "sim/board_choice.h"
#include "sim/input_log.h"
#include "sim/snapshot.h"
#include "sim/timeline.h"
#include "soc/board.h"
#include "soc/machine.h"
#include "tests/unit/rv_asm.h"

enum {
    RAM_BASE = 0x80000000u,
    HANDLER = RAM_BASE + 0x100,
    DATA = 0x80001000u,
    RAM_SIZE = 0x10000,
    CLINT_MTIMECMP = 0x02004000u,
    CLINT_MTIME = 0x0200bff8u,
    UART0 = 0x10000000u,
    TICK = 25,    /* cycles between timer interrupts */
    SLICE = 300,  /* instructions per slice of the "live" run */
    INTERVAL = 1000,
    MARKS = 4,
    CSR_MSTATUS_NUM = 0x300,
    CSR_MIE_NUM = 0x304,
    CSR_MTVEC_NUM = 0x305,
};

static const char BOARD[] =
    "t:\n"
    "  cpu: {isa: rv32imac, frequency: 10000000}\n"
    "  memory:\n"
    "    - {name: ram, type: ram, base: 0x80000000, size: 64K}\n"
    "  peripherals:\n"
    "    - {name: clint, type: \"sifive,clint0\", base: 0x2000000, irq: [cpu.msi, cpu.mti]}\n"
    "    - {name: uart0, type: ns16550a, base: 0x10000000, chardev: stdio}\n";

typedef struct Fx {
    Clock *clock;
    MemorySystem *ms;
    Cpu *cpu;
    Machine *m;
    InputLog *log;
    Timeline *tl;
    size_t outlen; /* bytes uart0 printed */
    unsigned moved; /* clock_moved calls */
} Fx;

/* ---- the host side ---- */

typedef struct OutChardev {
    Chardev base;
    Fx *f;
} OutChardev;

static void out_write(Chardev *chr, const uint8_t *buf, size_t len)
{
    ((OutChardev *)chr)->f->outlen += len;
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

static void clock_moved(void *opaque, uint64_t from_cycles, uint64_t from_retired)
{
    ((Fx *)opaque)->moved++;
}

/* The runner's entries: only gdb's register writes come up here. */
static bool apply(void *opaque, const InputEntry *e, Error **errp)
{
    Fx *f = opaque;
    if (e->kind != INPUT_GDB_REGISTER || e->regnum > 32) {
        error_setf(errp, "unexpected input");
        return false;
    }
    if (e->regnum == 32)
        cpu_set_pc(f->cpu, e->value);
    else
        cpu_set_reg(f->cpu, e->regnum, e->value);
    return true;
}

/* ---- the program ---- */

static void emit(Fx *f, uint32_t *pc, uint32_t insn)
{
    uint8_t b[4] = {(uint8_t)insn, (uint8_t)(insn >> 8), (uint8_t)(insn >> 16),
                    (uint8_t)(insn >> 24)};
    assert_true(memory_debug_write(f->ms, *pc, b, 4, NULL));
    *pc += 4;
}

/* The loop counts in a0 (adding a1 each round), stores it in a 256-word
 * ring at DATA (the store at `store`) and prints a letter from it; a timer
 * interrupt every TICK cycles counts in s1 and moves mtimecmp on. */
static uint32_t store_pc;

static void load_program(Fx *f)
{
    uint32_t pc = RAM_BASE;
    emit(f, &pc, rv_lui(T0, RAM_BASE));
    emit(f, &pc, rv_addi(T0, T0, 0x100));
    emit(f, &pc, rv_csrw(CSR_MTVEC_NUM, T0));
    emit(f, &pc, rv_lui(S2, CLINT_MTIMECMP));
    emit(f, &pc, rv_addi(T1, ZERO, TICK));
    emit(f, &pc, rv_store(2, T1, S2, 0));
    emit(f, &pc, rv_store(2, ZERO, S2, 4));
    emit(f, &pc, rv_addi(T1, ZERO, 0x80)); /* MTIE */
    emit(f, &pc, rv_csrw(CSR_MIE_NUM, T1));
    emit(f, &pc, rv_addi(T1, ZERO, 8)); /* MIE */
    emit(f, &pc, rv_csrw(CSR_MSTATUS_NUM, T1));
    emit(f, &pc, rv_lui(S3, UART0));
    emit(f, &pc, rv_lui(S4, DATA));
    emit(f, &pc, rv_addi(A1, ZERO, 1));
    uint32_t loop = pc;
    emit(f, &pc, rv_add(A0, A0, A1));
    emit(f, &pc, rv_andi(T2, A0, 0xff));
    emit(f, &pc, rv_slli(T2, T2, 2));
    emit(f, &pc, rv_add(T2, T2, S4));
    store_pc = pc;
    emit(f, &pc, rv_store(2, A0, T2, 0));
    emit(f, &pc, rv_andi(T3, A0, 15));
    emit(f, &pc, rv_addi(T3, T3, 'a'));
    emit(f, &pc, rv_store(0, T3, S3, 0));
    emit(f, &pc, rv_jal(ZERO, (int32_t)(loop - pc)));
    pc = HANDLER;
    emit(f, &pc, rv_addi(S1, S1, 1));
    emit(f, &pc, rv_load(2, T4, S2, 0));
    emit(f, &pc, rv_addi(T4, T4, TICK));
    emit(f, &pc, rv_store(2, T4, S2, 0));
    emit(f, &pc, RV_MRET);
}

static SnapshotTarget target(Fx *f)
{
    return (SnapshotTarget){.cpu = f->cpu, .clock = f->clock, .ms = f->ms, .machine = f->m};
}

static Fx *fx_new(bool jit)
{
    Fx *f = calloc(1, sizeof *f);
    Error *err = NULL;
    BoardFile *file = board_file_parse("t.yaml", BOARD, strlen(BOARD), &err);
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
                          .clock = f->clock, .registry = registry_devices()};
    f->m = machine_new(f->ms, board, &hooks, &err);
    board_file_free(file);
    if (!f->m)
        fail_msg("machine_new: %s", error_message(err));
    cpu_set_time_source(f->cpu, machine_read_time, f->m);
    load_program(f);
    f->log = input_log_new(f->cpu, f->clock);
    input_log_set_applier(f->log, apply, f);
    TimelineConfig tc = {.target = target(f), .log = f->log, .interval = INTERVAL,
                         .max_marks = MARKS, .clock_moved = clock_moved, .opaque = f};
    f->tl = timeline_new(&tc);
    return f;
}

static int setup(void **state)
{
    *state = fx_new(false);
    return 0;
}

static int setup_jit(void **state)
{
    *state = fx_new(true);
    return 0;
}

static int teardown(void **state)
{
    Fx *f = *state;
    timeline_free(f->tl);
    machine_free(f->m);
    input_log_free(f->log);
    cpu_free(f->cpu);
    memory_system_free(f->ms);
    clock_free(f->clock);
    free(f);
    return 0;
}

/* ---- helpers ---- */

/* The live run, in slices, as the session runs it; breakpoints and
 * watchpoints are passed. */
static void run_live(Fx *f, uint64_t insns)
{
    uint64_t end = cpu_instructions_retired(f->cpu) + insns;
    while (cpu_instructions_retired(f->cpu) < end) {
        uint64_t left = end - cpu_instructions_retired(f->cpu);
        Error *err = NULL;
        CpuStopReason why = cpu_run(f->cpu, left < SLICE ? left : SLICE, &err);
        if (why == CPU_STOP_FAULT)
            fail_msg("the run faulted: %s", error_message(err));
        if (why == CPU_STOP_INSN_LIMIT)
            timeline_slice(f->tl);
    }
    timeline_live(f->tl);
}

typedef struct Bytes {
    uint8_t *data;
    size_t len;
} Bytes;

static void append(Bytes *b, const void *data, size_t len)
{
    b->data = realloc(b->data, b->len + len);
    memcpy(b->data + b->len, data, len);
    b->len += len;
}

/* What the firmware can tell of the machine now: the hart's whole state
 * (cpu_state_save), the RAM, the CLINT's mtime and mtimecmp, the time.
 * (Not snapshot_encode's bytes: a device's
 * state records the clock's scheduling counter for its events, which
 * differs between two paths to one state without the firmware seeing
 * it.) */
static Bytes machine_bytes(Fx *f)
{
    Bytes b = {0};
    size_t len;
    uint8_t *hart = cpu_state_save(f->cpu, &len);
    append(&b, hart, len);
    free(hart);
    static uint8_t ram[RAM_SIZE];
    assert_true(memory_debug_read(f->ms, RAM_BASE, ram, RAM_SIZE, NULL));
    append(&b, ram, RAM_SIZE);
    uint8_t clint[16];
    assert_true(memory_debug_read(f->ms, CLINT_MTIMECMP, clint, 8, NULL));
    assert_true(memory_debug_read(f->ms, CLINT_MTIME, clint + 8, 8, NULL));
    append(&b, clint, sizeof clint);
    uint64_t now = clock_now(f->clock);
    append(&b, &now, sizeof now);
    return b;
}

static void assert_same(Bytes a, Bytes b, const char *what)
{
    if (a.len != b.len || memcmp(a.data, b.data, a.len) != 0)
        fail_msg("%s: the machines differ", what);
}

static void reverse_step_ok(Fx *f)
{
    bool begin = true;
    Error *err = NULL;
    CpuStopReason why = timeline_reverse_step(f->tl, &begin, &err);
    if (err)
        fail_msg("reverse step: %s", error_message(err));
    assert_int_equal(why, CPU_STOP_INSN_LIMIT);
    assert_false(begin);
}

static CpuStopReason reverse_continue_ok(Fx *f, bool *begin)
{
    Error *err = NULL;
    CpuStopReason why = timeline_reverse_continue(f->tl, begin, &err);
    if (err)
        fail_msg("reverse continue: %s", error_message(err));
    return why;
}

/* ---- the ring ---- */

static void test_ring_stays_bounded_back_to_the_start(void **state)
{
    Fx *f = *state;
    run_live(f, 30 * INTERVAL);
    TimelineStats st;
    timeline_stats(f->tl, &st);
    assert_true(st.marks <= MARKS);
    assert_true(st.marks >= 2);
    assert_int_equal(st.oldest_retired, 0);
    assert_true(st.marks_taken >= 25);
    assert_int_equal(st.marks_taken - st.marks_thinned, st.marks);
    assert_false(timeline_in_past(f->tl));
}

/* The smallest ring (TIMELINE_MARKS_MIN): the start and the newest. */
/* A chatty run (an input logged every few instructions, as a firmware
 * echoing a stream of UART bytes logs one per read): the input log stays
 * within its bound, counted in entries (before, the first mark stayed for
 * ever and the log kept every input since the start), the oldest marks
 * going; going back still works, to where the history now begins, and
 * forwards again to the same present. */
static void test_the_input_log_stays_bounded(void **state)
{
    Fx *f = *state;
    const uint64_t bound = (uint64_t)MARKS * TIMELINE_LOG_PER_MARK;
    const unsigned per_slice = 97;
    for (unsigned slice = 0; slice < 3 * bound / per_slice; slice++) {
        for (unsigned i = 0; i < per_slice; i++)
            input_log_gdb_register(f->log, T6, slice);
        cpu_set_reg(f->cpu, T6, slice);
        run_live(f, SLICE);
        uint64_t kept = input_log_count(f->log) - input_log_first(f->log);
        if (kept > bound)
            fail_msg("slice %u: %llu inputs kept, bound %llu", slice,
                     (unsigned long long)kept, (unsigned long long)bound);
    }
    TimelineStats st;
    timeline_stats(f->tl, &st);
    assert_true(st.marks <= MARKS);
    assert_true(st.oldest_retired > 0);
    Bytes at_present = machine_bytes(f);
    bool begin = false;
    CpuStopReason why = reverse_continue_ok(f, &begin);
    assert_int_equal(why, CPU_STOP_INSN_LIMIT);
    assert_true(begin);
    assert_int_equal(cpu_instructions_retired(f->cpu), st.oldest_retired);
    Error *err = NULL;
    bool at_present_again = false;
    timeline_forward(f->tl, UINT64_MAX, &at_present_again, &err);
    if (err)
        fail_msg("forward: %s", error_message(err));
    Bytes again = machine_bytes(f);
    assert_same(again, at_present, "forward to the present again");
    free(at_present.data);
    free(again.data);
}

static void test_smallest_ring_stays_bounded(void **state)
{
    Fx *f = *state;
    timeline_free(f->tl);
    TimelineConfig tc = {.target = target(f), .log = f->log, .interval = INTERVAL,
                         .max_marks = 1, .clock_moved = clock_moved, .opaque = f};
    f->tl = timeline_new(&tc); /* 1 is raised to the minimum */
    run_live(f, 10 * INTERVAL);
    TimelineStats st;
    timeline_stats(f->tl, &st);
    assert_int_equal(st.marks, TIMELINE_MARKS_MIN);
    assert_int_equal(st.oldest_retired, 0);
    bool begin = false;
    assert_int_equal(reverse_continue_ok(f, &begin), CPU_STOP_INSN_LIMIT);
    assert_true(begin);
    assert_int_equal(cpu_instructions_retired(f->cpu), 0);
}

/* ---- reverse steps ---- */

enum { STEPS = 40 };

/* Forward steps (interrupt entries among them) recorded as whole
 * machines; then reverse steps land on each of them in turn, and forward
 * steps from the past retrace them. */
static void test_reverse_steps_retrace_forward_steps(void **state)
{
    Fx *f = *state;
    run_live(f, 5 * INTERVAL + 123);
    Bytes at[STEPS + 1];
    at[0] = machine_bytes(f);
    uint64_t retired0 = cpu_instructions_retired(f->cpu);
    for (int i = 1; i <= STEPS; i++) {
        Error *err = NULL;
        assert_int_equal(cpu_step(f->cpu, &err), CPU_STOP_INSN_LIMIT);
        timeline_live(f->tl);
        at[i] = machine_bytes(f);
    }
    uint64_t retired = cpu_instructions_retired(f->cpu) - retired0;
    assert_true(retired < STEPS); /* some steps entered the interrupt handler */
    for (int i = STEPS - 1; i >= 0; i--) {
        reverse_step_ok(f);
        assert_true(timeline_in_past(f->tl));
        Bytes now = machine_bytes(f);
        char what[40];
        snprintf(what, sizeof what, "back to step %d", i);
        assert_same(now, at[i], what);
        free(now.data);
    }
    for (int i = 1; i <= STEPS; i++) {
        bool at_present = true;
        Error *err = NULL;
        assert_int_equal(timeline_forward(f->tl, 1, &at_present, &err), CPU_STOP_INSN_LIMIT);
        assert_null(err);
        assert_false(at_present);
        Bytes now = machine_bytes(f);
        assert_same(now, at[i], "forward again");
        free(now.data);
    }
    assert_false(timeline_in_past(f->tl));
    for (int i = 0; i <= STEPS; i++)
        free(at[i].data);
}

static void test_history_begins_at_the_start(void **state)
{
    Fx *f = *state;
    bool begin = false;
    Error *err = NULL;
    assert_int_equal(timeline_reverse_step(f->tl, &begin, &err), CPU_STOP_INSN_LIMIT);
    assert_true(begin);
    run_live(f, 10);
    assert_int_equal(reverse_continue_ok(f, &begin), CPU_STOP_INSN_LIMIT);
    assert_true(begin);
    assert_int_equal(cpu_instructions_retired(f->cpu), 0);
    assert_int_equal(cpu_get_pc(f->cpu), RAM_BASE);
}

/* ---- reverse-continue ---- */

/* The last entry into the handler before the present, across marks;
 * then the one before; the present's own pc is not a hit. */
static void test_reverse_continue_to_the_last_breakpoint_hit(void **state)
{
    Fx *f = *state;
    enum { KEPT = 4 };
    cpu_breakpoint_add(f->cpu, HANDLER);
    uint64_t hits[KEPT];       /* the last KEPT hits, a ring */
    Bytes hit_state[KEPT] = {{0}};
    size_t nhits = 0;
    while (cpu_instructions_retired(f->cpu) < 6 * INTERVAL) {
        Error *err = NULL;
        CpuStopReason why = cpu_run(f->cpu, SLICE, &err);
        if (why == CPU_STOP_BREAKPOINT) {
            free(hit_state[nhits % KEPT].data);
            hits[nhits % KEPT] = cpu_instructions_retired(f->cpu);
            hit_state[nhits++ % KEPT] = machine_bytes(f);
        } else if (why == CPU_STOP_INSN_LIMIT) {
            timeline_slice(f->tl);
        }
    }
    timeline_live(f->tl);
    assert_true(nhits >= 100);
    if (hits[(nhits - 1) % KEPT] == cpu_instructions_retired(f->cpu) &&
        cpu_get_pc(f->cpu) == HANDLER)
        nhits--; /* the present is no hit before itself */
    for (size_t i = nhits; i-- > nhits - 3;) {
        bool begin = true;
        assert_int_equal(reverse_continue_ok(f, &begin), CPU_STOP_BREAKPOINT);
        assert_false(begin);
        assert_int_equal(cpu_get_pc(f->cpu), HANDLER);
        assert_int_equal(cpu_instructions_retired(f->cpu), hits[i % KEPT]);
        Bytes now = machine_bytes(f);
        assert_same(now, hit_state[i % KEPT], "at the breakpoint hit");
        free(now.data);
    }
    for (size_t i = 0; i < KEPT; i++)
        free(hit_state[i].data);
    cpu_breakpoint_remove(f->cpu, HANDLER);
}

/* Just after the last store to the watched word, with cpu_watch_hit
 * naming it; one reverse step more is the store itself. */
static void test_reverse_continue_to_the_last_watched_store(void **state)
{
    Fx *f = *state;
    run_live(f, 3 * INTERVAL + 77);
    uint32_t word = DATA + 4 * 5; /* a0 & 0xff == 5 */
    cpu_watchpoint_add(f->cpu, word, 4, CPU_WATCH_WRITE);
    bool begin = true;
    assert_int_equal(reverse_continue_ok(f, &begin), CPU_STOP_WATCHPOINT);
    assert_false(begin);
    uint32_t addr;
    CpuWatchKind kind;
    cpu_watch_hit(f->cpu, &addr, &kind);
    assert_int_equal(addr, word);
    assert_int_equal(kind, CPU_WATCH_WRITE);
    assert_int_equal(cpu_get_reg(f->cpu, A0) & 0xff, 5);
    assert_int_equal(cpu_get_pc(f->cpu), store_pc + 4);
    uint8_t b[4];
    assert_true(memory_debug_read(f->ms, word, b, 4, NULL));
    assert_int_equal(b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24,
                     cpu_get_reg(f->cpu, A0));
    reverse_step_ok(f);
    assert_int_equal(cpu_get_pc(f->cpu), store_pc);
    cpu_watchpoint_remove(f->cpu, word, 4, CPU_WATCH_WRITE);
}

/* ---- forward from the past ---- */

static void test_forward_stops_at_the_frontier(void **state)
{
    Fx *f = *state;
    run_live(f, 4 * INTERVAL + 5);
    Bytes frontier = machine_bytes(f);
    size_t printed = f->outlen;
    for (int i = 0; i < 700; i++)
        reverse_step_ok(f);
    assert_true(timeline_in_past(f->tl));
    bool at_present = false;
    Error *err = NULL;
    uint64_t before = cpu_instructions_retired(f->cpu);
    assert_int_equal(timeline_forward(f->tl, 100, &at_present, &err), CPU_STOP_INSN_LIMIT);
    assert_false(at_present);
    assert_int_equal(cpu_instructions_retired(f->cpu), before + 100);
    assert_int_equal(timeline_forward(f->tl, UINT64_MAX, &at_present, &err),
                     CPU_STOP_INSN_LIMIT);
    assert_null(err);
    assert_true(at_present);
    assert_false(timeline_in_past(f->tl));
    Bytes now = machine_bytes(f);
    assert_same(now, frontier, "at the frontier again");
    free(now.data);
    free(frontier.data);
    /* no taps here: what the UART printed again went to the chardev */
    assert_true(f->outlen > printed);
}

/* ---- an input in the past ---- */

static void test_an_input_in_the_past_drops_the_future(void **state)
{
    Fx *f = *state;
    run_live(f, 8 * INTERVAL);
    TimelineStats before;
    timeline_stats(f->tl, &before);
    bool begin;
    uint32_t word = DATA + 4 * 7; /* stored once in 256 rounds */
    cpu_watchpoint_add(f->cpu, word, 4, CPU_WATCH_WRITE);
    for (int i = 0; i < 2; i++)
        assert_int_equal(reverse_continue_ok(f, &begin), CPU_STOP_WATCHPOINT);
    cpu_watchpoint_remove(f->cpu, word, 4, CPU_WATCH_WRITE);
    assert_true(cpu_instructions_retired(f->cpu) + 2 * INTERVAL < 8 * INTERVAL);
    assert_true(timeline_in_past(f->tl));
    uint64_t here = cpu_instructions_retired(f->cpu);
    /* gdb sets a1 (the loop's step) to 3: another future */
    cpu_set_reg(f->cpu, A1, 3);
    input_log_gdb_register(f->log, A1, 3);
    timeline_check_inputs(f->tl);
    assert_false(timeline_in_past(f->tl));
    TimelineStats after;
    timeline_stats(f->tl, &after);
    assert_true(after.marks < before.marks || before.marks == 1);
    run_live(f, 3 * INTERVAL);
    Bytes present = machine_bytes(f);
    uint32_t a0 = cpu_get_reg(f->cpu, A0);
    /* back to the write and forward again: the new future, the same */
    for (int i = 0; i < 20; i++)
        reverse_step_ok(f);
    assert_true(cpu_instructions_retired(f->cpu) > here);
    assert_int_equal(cpu_get_reg(f->cpu, A1), 3);
    bool at_present;
    Error *err = NULL;
    timeline_forward(f->tl, UINT64_MAX, &at_present, &err);
    assert_null(err);
    assert_true(at_present);
    Bytes again = machine_bytes(f);
    assert_same(again, present, "the new future, again");
    assert_int_equal(cpu_get_reg(f->cpu, A0), a0);
    free(present.data);
    free(again.data);
}

/* gdb sets the pc at the present (a `jump`, `monitor reset`): the run is
 * still at the present, which moved; running on is live, not a
 * re-execution toward where the pc was. */
static void test_an_input_at_the_present_moves_it(void **state)
{
    Fx *f = *state;
    run_live(f, 2 * INTERVAL + 3);
    input_log_gdb_register(f->log, 32, RAM_BASE); /* logged where the pc was */
    cpu_set_pc(f->cpu, RAM_BASE);
    timeline_check_inputs(f->tl);
    assert_false(timeline_in_past(f->tl));
    bool at_present = false;
    Error *err = NULL;
    assert_int_equal(timeline_forward(f->tl, 100, &at_present, &err), CPU_STOP_INSN_LIMIT);
    assert_null(err);
    assert_true(at_present);
    uint64_t at = cpu_instructions_retired(f->cpu);
    run_live(f, 50); /* the program again from its start */
    reverse_step_ok(f);
    assert_true(cpu_instructions_retired(f->cpu) >= at + 48);
}

int main(void)
{
#define BOTH(fn)                                             \
    cmocka_unit_test_setup_teardown(fn, setup, teardown),    \
        cmocka_unit_test_setup_teardown(fn, setup_jit, teardown)
    const struct CMUnitTest tests[] = {
        BOTH(test_ring_stays_bounded_back_to_the_start),
        BOTH(test_smallest_ring_stays_bounded),
        BOTH(test_the_input_log_stays_bounded),
        BOTH(test_reverse_steps_retrace_forward_steps),
        BOTH(test_history_begins_at_the_start),
        BOTH(test_reverse_continue_to_the_last_breakpoint_hit),
        BOTH(test_reverse_continue_to_the_last_watched_store),
        BOTH(test_forward_stops_at_the_frontier),
        BOTH(test_an_input_in_the_past_drops_the_future),
        BOTH(test_an_input_at_the_present_moves_it),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
