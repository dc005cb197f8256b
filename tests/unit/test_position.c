/* Positions and running to one exactly (sim/position.c), against
 * positions recorded from real runs.
 *
 * The bench: a program that counts in a loop and sleeps in wfi every
 * eighth turn, a timer device (a clock event every PERIOD cycles) that
 * raises the machine timer interrupt, whose handler counts and writes an
 * acknowledge register (which lowers the line), and a slicer (a
 * background clock event every SLICE cycles that asks the CPU to stop,
 * as the session's pacer does). A recording run stops in every way a run
 * stops (the slicer, instruction limits of assorted sizes, single steps
 * that take interrupts) and notes each stop's position, whether events
 * were due there, and the state (registers, CSRs, the device); a fresh
 * bench then runs to each one with sim_run_to_ex and must find the same
 * state, on either engine, whichever engine recorded. Then the edges:
 * sleeping positions, interrupt entries, breakpoints passed, the two
 * landings, and positions behind or off the path refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim/cpu/cpu_internal.h"
#include "sim/position.h"
#include "tests/unit/rv_asm.h"
#include "tests/unit/cpu_fixture.h"

enum {
    ACK_BASE = 0x20000000u,
    PERIOD = 41,  /* cycles between timer interrupts */
    SLICE = 29,   /* cycles between the slicer's stops */
    LOOP_PC = RAM_BASE + 0x1c,
};

typedef struct Bench {
    Fixture *f;
    Clock *clock;
    ClockEvent *tick, *slicer;
    IrqLine mti;
    unsigned ticks, acks, slices;
    bool level;
    MemoryRegion *ack;
} Bench;

static void tick_fired(void *opaque)
{
    Bench *b = opaque;
    b->ticks++;
    b->level = true;
    irq_set(&b->mti, true);
    clock_event_schedule(b->tick, clock_now(b->clock) + PERIOD);
}

static void slicer_fired(void *opaque)
{
    Bench *b = opaque;
    b->slices++;
    clock_event_schedule(b->slicer, clock_now(b->clock) + SLICE);
    cpu_request_stop(b->f->cpu);
}

static bool ack_read(void *opaque, uint64_t offset, unsigned size, uint32_t *value)
{
    *value = 0;
    return true;
}

static bool ack_write(void *opaque, uint64_t offset, unsigned size, uint32_t value)
{
    Bench *b = opaque;
    b->acks++;
    b->level = false;
    irq_set(&b->mti, false);
    return true;
}

static const MmioOps ack_ops = {.read = ack_read, .write = ack_write};

/* The program: set up the trap vector and the timer interrupt, then
 * loop counting in s0/s1, sleeping every eighth turn; the handler counts
 * in s2 and acknowledges. */
static void load_program(Fixture *f)
{
    f->pc = RAM_BASE;
    emit_li(f, T0, HANDLER);
    emit(f, rv_csrw(0x305, T0));             /* mtvec */
    emit(f, rv_addi(T1, ZERO, 0x80));
    emit(f, rv_csr(CSRRS, ZERO, 0x304, T1)); /* mie.MTIE */
    emit(f, rv_csr(CSRRSI, ZERO, 0x300, 8)); /* mstatus.MIE */
    emit(f, rv_lui(A0, ACK_BASE));
    assert_int_equal(f->pc, LOOP_PC);
    emit(f, rv_addi(S0, S0, 1));
    emit(f, rv_addi(S1, S1, 3));
    emit(f, rv_andi(T3, S0, 7));
    emit(f, rv_branch(BNE, T3, ZERO, 8));
    emit(f, RV_WFI);
    emit(f, rv_jal(ZERO, -20));
    f->pc = HANDLER;
    emit(f, rv_addi(S2, S2, 1));
    emit(f, rv_store(SW, S2, A0, 0));
    emit(f, RV_MRET);
}

static Bench *bench_new(Fixture *f, bool jit)
{
    Bench *b = calloc(1, sizeof *b);
    assert_non_null(b);
    b->f = f;
    b->clock = clock_new(1000000);
    Error *err = NULL;
    CpuConfig config = {.isa = "rv32imac", .reset_pc = RAM_BASE, .frequency_hz = 1000000,
                        .clock = b->clock, .jit = jit && cpu_jit_supported(),
                        .jit_threshold = 1};
    cpu_free(f->cpu);
    f->cpu = cpu_new(f->ms, &config, &err);
    assert_non_null(f->cpu);
    b->mti = cpu_irq_input(f->cpu, CPU_IRQ_MTI);
    b->ack = memory_region_new_mmio(f->board, "ack", 0x100, &ack_ops, b);
    memory_begin(f->ms);
    assert_true(memory_add_subregion(f->root, ACK_BASE, b->ack, &err));
    memory_commit(f->ms);
    b->tick = clock_event_new(b->clock, tick_fired, b);
    clock_event_schedule(b->tick, PERIOD);
    b->slicer = clock_event_new(b->clock, slicer_fired, b);
    clock_event_set_background(b->slicer, true);
    load_program(f);
    return b;
}

static void bench_free(Bench *b)
{
    clock_event_free(b->tick);
    clock_event_free(b->slicer);
    cpu_free(b->f->cpu);
    b->f->cpu = NULL;
    memory_begin(b->f->ms);
    memory_del_subregion(b->f->root, b->ack);
    memory_commit(b->f->ms);
    clock_free(b->clock);
    free(b);
}

/* Everything a stop can show. */
typedef struct State {
    uint32_t regs[32], pc, mip, mcause, mepc;
    uint64_t cycles, retired;
    unsigned ticks, acks;
    bool level, sleeping;
} State;

static State state_of(const Bench *b)
{
    State s;
    memset(&s, 0, sizeof s);
    const Cpu *cpu = b->f->cpu;
    for (unsigned i = 0; i < 32; i++)
        s.regs[i] = cpu_get_reg(cpu, i);
    s.pc = cpu_get_pc(cpu);
    assert_true(cpu_get_csr(cpu, 0x344, &s.mip));
    assert_true(cpu_get_csr(cpu, 0x342, &s.mcause));
    assert_true(cpu_get_csr(cpu, 0x341, &s.mepc));
    s.cycles = cpu_cycles(cpu);
    s.retired = cpu_instructions_retired(cpu);
    s.ticks = b->ticks;
    s.acks = b->acks;
    s.level = b->level;
    s.sleeping = cpu_sleeping(cpu);
    return s;
}

static void assert_same_state(const State *got, const State *want, size_t i)
{
    if (memcmp(got, want, sizeof *got) == 0)
        return;
    fail_msg("stop %zu: pc %08x/%08x cycles %llu/%llu retired %llu/%llu s0 %u/%u s2 %u/%u "
             "mip %x/%x ticks %u/%u acks %u/%u sleeping %d/%d", i, got->pc, want->pc,
             (unsigned long long)got->cycles, (unsigned long long)want->cycles,
             (unsigned long long)got->retired, (unsigned long long)want->retired,
             got->regs[S0], want->regs[S0], got->regs[S2], want->regs[S2], got->mip,
             want->mip, got->ticks, want->ticks, got->acks, want->acks, got->sleeping,
             want->sleeping);
}

typedef struct Stop {
    SimPosition pos;
    bool due;
    State state;
} Stop;

#define STOPS_MAX 600

/* A run that stops every way a run stops, noting each stop. */
static size_t record_stops(Bench *b, Stop *stops)
{
    Cpu *cpu = b->f->cpu;
    clock_event_schedule(b->slicer, SLICE);
    size_t n = 0;
    for (unsigned i = 0; n < STOPS_MAX && cpu_instructions_retired(cpu) < 700; i++) {
        Error *err = NULL;
        CpuStopReason why;
        if (i % 5 == 3)
            why = cpu_step(cpu, &err);
        else
            why = cpu_run(cpu, 1 + (i * 7) % 23, &err);
        assert_null(err);
        assert_true(why == CPU_STOP_INSN_LIMIT || why == CPU_STOP_REQUESTED);
        stops[n].pos = sim_position_now(cpu);
        stops[n].due = sim_events_due(b->clock, cpu);
        stops[n].state = state_of(b);
        n++;
    }
    clock_event_cancel(b->slicer);
    return n;
}

/* The shapes of stop the recording must include to prove anything. */
static void assert_varied(const Stop *stops, size_t n)
{
    unsigned sleeping = 0, handler = 0, due = 0, same_count = 0;
    for (size_t i = 0; i < n; i++) {
        sleeping += stops[i].state.sleeping;
        handler += stops[i].pos.pc == HANDLER;
        due += stops[i].due;
        if (i && stops[i].pos.retired == stops[i - 1].pos.retired)
            same_count++;
    }
    assert_true(sleeping > 5);
    assert_true(handler > 2);
    assert_true(due > 0);
    assert_true(same_count > 5);
}

static void replay_stops(Fixture *f, bool record_jit, bool replay_jit)
{
    static Stop stops[STOPS_MAX];
    Bench *b = bench_new(f, record_jit);
    size_t n = record_stops(b, stops);
    bench_free(b);
    assert_varied(stops, n);
    b = bench_new(f, replay_jit);
    for (size_t i = 0; i < n; i++) {
        Error *err = NULL;
        SimLanding landing = stops[i].due ? SIM_LAND_BEFORE_EVENTS : SIM_LAND_SETTLED;
        if (!sim_run_to_ex(f->cpu, b->clock, &stops[i].pos, landing, NULL, &err))
            fail_msg("stop %zu: %s", i, error_message(err));
        State got = state_of(b);
        assert_same_state(&got, &stops[i].state, i);
    }
    bench_free(b);
}

static void test_recorded_stops_reached_interp(void **state)
{
    replay_stops(*state, false, false);
}

static void test_recorded_stops_reached_jit(void **state)
{
    replay_stops(*state, true, true);
}

static void test_recorded_on_one_engine_reached_on_the_other(void **state)
{
    replay_stops(*state, true, false);
    replay_stops(*state, false, true);
}

/* ---- edges ---- */

/* The first stop of the recording that satisfies `pick`. */
static bool find_stop(Fixture *f, bool (*pick)(const Stop *), Stop *out)
{
    static Stop stops[STOPS_MAX];
    Bench *b = bench_new(f, false);
    size_t n = record_stops(b, stops);
    bench_free(b);
    for (size_t i = 0; i < n; i++) {
        if (pick(&stops[i])) {
            *out = stops[i];
            return true;
        }
    }
    return false;
}

static bool asleep_mid_sleep(const Stop *s)
{
    return s->state.sleeping && s->pos.cycles > s->pos.retired + 20;
}

static bool at_interrupt_entry(const Stop *s)
{
    return s->pos.pc == HANDLER && s->pos.retired > 30;
}

static void test_sleeping_position_by_time(void **state)
{
    Fixture *f = *state;
    Stop want;
    assert_true(find_stop(f, asleep_mid_sleep, &want));
    Bench *b = bench_new(f, false);
    Error *err = NULL;
    assert_true(sim_run_to(f->cpu, b->clock, &want.pos, &err));
    State got = state_of(b);
    assert_true(got.sleeping);
    assert_same_state(&got, &want.state, 0);
    bench_free(b);
}

static void test_interrupt_entry_by_steps(void **state)
{
    Fixture *f = *state;
    Stop want;
    assert_true(find_stop(f, at_interrupt_entry, &want));
    Bench *b = bench_new(f, true);
    Error *err = NULL;
    assert_true(sim_run_to(f->cpu, b->clock, &want.pos, &err));
    assert_int_equal(cpu_get_pc(f->cpu), HANDLER);
    State got = state_of(b);
    assert_same_state(&got, &want.state, 0);
    bench_free(b);
}

static void test_breakpoints_and_watchpoints_do_not_stop_it(void **state)
{
    Fixture *f = *state;
    Bench *b = bench_new(f, false);
    Error *err = NULL;
    assert_true(sim_run_to_retired(f->cpu, b->clock, 200, NULL, NULL, &err));
    SimPosition want = sim_position_now(f->cpu);
    State reference = state_of(b);
    bench_free(b);

    b = bench_new(f, false);
    cpu_breakpoint_add(f->cpu, LOOP_PC);
    cpu_breakpoint_add(f->cpu, HANDLER);
    assert_true(cpu_watchpoint_add(f->cpu, ACK_BASE, 4, CPU_WATCH_WRITE));
    assert_true(sim_run_to(f->cpu, b->clock, &want, &err));
    State got = state_of(b);
    assert_same_state(&got, &reference, 0);
    bench_free(b);
}

/* At a count where a timer event falls due: before the events, the
 * device has not ticked; settled, it has, and no interrupt is taken yet. */
static void test_landings_before_and_after_the_events(void **state)
{
    Fixture *f = *state;
    Bench *b = bench_new(f, false);
    Error *err = NULL;
    /* run to the first instruction boundary at a timer deadline */
    SimPosition at = {0};
    for (uint64_t n = 1; n < 400; n++) {
        assert_true(sim_run_to_retired(f->cpu, b->clock, n, NULL, &at, &err));
        if (sim_events_due(b->clock, f->cpu) && !cpu_sleeping(f->cpu))
            break;
    }
    assert_true(sim_events_due(b->clock, f->cpu));
    unsigned ticks = b->ticks;
    bench_free(b);

    b = bench_new(f, false);
    assert_true(sim_run_to_ex(f->cpu, b->clock, &at, SIM_LAND_BEFORE_EVENTS, NULL, &err));
    assert_int_equal(b->ticks, ticks);
    assert_true(sim_events_due(b->clock, f->cpu));
    assert_true(sim_run_to(f->cpu, b->clock, &at, &err)); /* settles, in place */
    assert_int_equal(b->ticks, ticks + 1);
    assert_false(sim_events_due(b->clock, f->cpu));
    SimPosition now = sim_position_now(f->cpu);
    assert_true(sim_position_equal(&now, &at)); /* the interrupt is not taken */
    bench_free(b);
}

static void test_behind_and_off_the_path_refused(void **state)
{
    Fixture *f = *state;
    Bench *b = bench_new(f, false);
    Error *err = NULL;
    assert_true(sim_run_to_retired(f->cpu, b->clock, 100, NULL, NULL, &err));
    SimPosition here = sim_position_now(f->cpu);
    SimPosition behind = here;
    behind.retired -= 10;
    behind.cycles -= 10;
    assert_false(sim_run_to(f->cpu, b->clock, &behind, &err));
    assert_non_null(strstr(error_message(err), "it is behind"));
    error_free(err);
    err = NULL;
    SimPosition now = sim_position_now(f->cpu);
    assert_true(sim_position_equal(&now, &here)); /* nothing ran */

    SimPosition off = {here.cycles + 50, here.retired + 5, 0x12345678};
    assert_false(sim_run_to(f->cpu, b->clock, &off, &err));
    assert_non_null(strstr(error_message(err), "cannot reach pc 0x12345678"));
    error_free(err);
    bench_free(b);
}

static void test_a_fault_is_said(void **state)
{
    Fixture *f = *state;
    Bench *b = bench_new(f, false);
    f->pc = RAM_BASE;
    emit(f, rv_addi(S0, ZERO, 1));
    emit(f, rv_load(LW, S1, ZERO, 0x10)); /* no handler: mtvec 0 */
    Error *err = NULL;
    SimPosition far = {100, 100, RAM_BASE};
    assert_false(sim_run_to(f->cpu, b->clock, &far, &err));
    assert_non_null(strstr(error_message(err), "cannot reach pc 0x80000000 after 100"));
    error_free(err);
    bench_free(b);
}

static bool ended_after_50(void *opaque)
{
    return cpu_instructions_retired(opaque) >= 50;
}

static void test_the_run_ending_is_said(void **state)
{
    Fixture *f = *state;
    Bench *b = bench_new(f, false);
    SimRunHooks hooks = {ended_after_50, f->cpu};
    Error *err = NULL;
    clock_event_schedule(b->slicer, SLICE); /* stops to look at it */
    SimPosition far = {100000, 10000, LOOP_PC};
    assert_false(sim_run_to_ex(f->cpu, b->clock, &far, SIM_LAND_SETTLED, &hooks, &err));
    assert_non_null(strstr(error_message(err), "the run ended"));
    error_free(err);
    bench_free(b);
}

static void test_compare_and_text(void **state)
{
    SimPosition a = {10, 5, 0x100}, b = {12, 5, 0x100}, c = {12, 6, 0x104}, d = {12, 6, 0x200};
    assert_true(sim_position_compare(&a, &b) < 0);
    assert_true(sim_position_compare(&c, &b) > 0);
    assert_int_equal(sim_position_compare(&c, &d), 0);
    assert_false(sim_position_equal(&c, &d));
    char text[SIM_POSITION_TEXT_MAX];
    assert_string_equal(sim_position_text(&c, text, sizeof text),
                        "pc 0x00000104 after 6 instructions, cycle 12");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_recorded_stops_reached_interp, setup, teardown),
        cmocka_unit_test_setup_teardown(test_recorded_stops_reached_jit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_recorded_on_one_engine_reached_on_the_other, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_sleeping_position_by_time, setup, teardown),
        cmocka_unit_test_setup_teardown(test_interrupt_entry_by_steps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_breakpoints_and_watchpoints_do_not_stop_it, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_landings_before_and_after_the_events, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_behind_and_off_the_path_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_fault_is_said, setup, teardown),
        cmocka_unit_test_setup_teardown(test_the_run_ending_is_said, setup, teardown),
        cmocka_unit_test(test_compare_and_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
