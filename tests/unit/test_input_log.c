/* The external input log (sim/input_log.c), its taps (sim/uart_tap.c) and
 * its file (sim/record.c).
 *
 * The log: indices that outlive forgetting, truncation and its listener,
 * which commands count as inputs, the replay cursor (tap reads fed only at
 * their device and position, a new input truncating the future), and the
 * runner: inputs recorded at stops of every kind of a real run (instruction
 * limits with clock events due, slice ends, single steps, a sleeping
 * hart) are applied at exactly those positions by a replay, which must
 * then end in the recorded state, whether it runs in pieces
 * (input_log_insns_left, input_log_apply_due) or in one go
 * (input_log_run_to). One input acts on a device (it delays the timer), so
 * applying it on the wrong side of the events due at its position shows.
 * The taps: a live run's backend reads and end of input logged; a replay
 * reading the log, not the backend; muting. The file: a round trip of
 * every kind of input, and damaged, truncated and foreign files refused
 * with their offset. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "sim/cpu/cpu_internal.h"
#include "sim/input_log.h"
#include "sim/record.h"
#include "sim/uart_tap.h"
#include "tests/unit/rv_asm.h"
#include "tests/unit/cpu_fixture.h"

/* ---- a clocked bench: a counting program, a timer, a slicer ---- */

enum { PERIOD = 37, SLICE = 23, ACK_BASE = 0x20000000u };

typedef struct Bench {
    Fixture *f;
    Clock *clock;
    ClockEvent *tick, *slicer;
    IrqLine mti;
    unsigned ticks;
    InputLog *log;
    MemoryRegion *ack;
} Bench;

static bool ack_read(void *opaque, uint64_t offset, unsigned size, uint32_t *value)
{
    *value = 0;
    return true;
}

/* The handler's acknowledge lowers the timer's line. */
static bool ack_write(void *opaque, uint64_t offset, unsigned size, uint32_t value)
{
    Bench *b = opaque;
    irq_set(&b->mti, false);
    return true;
}

static const MmioOps ack_ops = {.read = ack_read, .write = ack_write};

static void tick_fired(void *opaque)
{
    Bench *b = opaque;
    b->ticks++;
    irq_set(&b->mti, true);
    clock_event_schedule(b->tick, clock_now(b->clock) + PERIOD);
}

static void slicer_fired(void *opaque)
{
    Bench *b = opaque;
    clock_event_schedule(b->slicer, clock_now(b->clock) + SLICE);
    cpu_request_stop(b->f->cpu);
}

/* main: mtvec, MTIE, MIE; loop: s0++, s1 += s3, wfi every 8th turn;
 * handler: s2++, acknowledges (the line goes low), mret. */
static void load_program(Fixture *f)
{
    f->pc = RAM_BASE;
    emit_li(f, T0, HANDLER);
    emit(f, rv_csrw(0x305, T0));
    emit(f, rv_addi(T1, ZERO, 0x80));
    emit(f, rv_csr(CSRRS, ZERO, 0x304, T1));
    emit(f, rv_csr(CSRRSI, ZERO, 0x300, 8));
    emit(f, rv_lui(A0, ACK_BASE));
    uint32_t loop = f->pc;
    emit(f, rv_addi(S0, S0, 1));
    emit(f, rv_add(S1, S1, S3));
    emit(f, rv_andi(T3, S0, 7));
    emit(f, rv_branch(BNE, T3, ZERO, 8));
    emit(f, RV_WFI);
    emit(f, rv_jal(ZERO, (int32_t)(loop - f->pc)));
    f->pc = HANDLER;
    emit(f, rv_addi(S2, S2, 1));
    emit(f, rv_store(SW, S2, A0, 0));
    emit(f, RV_MRET);
}

/* The runner's inputs here: a gdb register write, and a command "delay"
 * that moves the timer's next tick 5 cycles later (a device input: on
 * which side of a tick due at its position it lands shows). */
static bool bench_apply(void *opaque, const InputEntry *e, Error **errp)
{
    Bench *b = opaque;
    if (e->kind == INPUT_GDB_REGISTER) {
        cpu_set_reg(b->f->cpu, e->regnum, e->value);
        return true;
    }
    if (e->kind == INPUT_COMMAND && strcmp(e->line, "peripheral set timer delay") == 0) {
        clock_event_schedule(b->tick, clock_event_deadline(b->tick) + 5);
        return true;
    }
    error_setf(errp, "unexpected input %s", input_kind_name(e->kind));
    return false;
}

static Bench *bench_new(Fixture *f)
{
    Bench *b = calloc(1, sizeof *b);
    assert_non_null(b);
    b->f = f;
    b->clock = clock_new(1000000);
    Error *err = NULL;
    CpuConfig config = {.isa = "rv32imac", .reset_pc = RAM_BASE, .frequency_hz = 1000000,
                        .clock = b->clock, .jit = cpu_jit_supported(), .jit_threshold = 1};
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
    b->log = input_log_new(f->cpu, b->clock);
    input_log_set_applier(b->log, bench_apply, b);
    load_program(f);
    return b;
}

static void bench_free(Bench *b)
{
    input_log_free(b->log);
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

typedef struct Final {
    uint32_t s0, s1, s2, s3, pc;
    uint64_t cycles, retired;
    unsigned ticks;
} Final;

static Final final_of(const Bench *b)
{
    const Cpu *cpu = b->f->cpu;
    return (Final){cpu_get_reg(cpu, S0), cpu_get_reg(cpu, S1), cpu_get_reg(cpu, S2),
                   cpu_get_reg(cpu, S3), cpu_get_pc(cpu), cpu_cycles(cpu),
                   cpu_instructions_retired(cpu), b->ticks};
}

static bool same_final(const Final *a, const Final *b)
{
    return a->s0 == b->s0 && a->s1 == b->s1 && a->s2 == b->s2 && a->s3 == b->s3 &&
           a->pc == b->pc && a->cycles == b->cycles && a->retired == b->retired &&
           a->ticks == b->ticks;
}

static void assert_same_final(const Final *got, const Final *want)
{
    if (same_final(got, want))
        return;
    fail_msg("s0 %u/%u s1 %u/%u s2 %u/%u s3 %u/%u pc %08x/%08x cycles %llu/%llu retired "
             "%llu/%llu ticks %u/%u", got->s0, want->s0, got->s1, want->s1, got->s2, want->s2,
             got->s3, want->s3, got->pc, want->pc, (unsigned long long)got->cycles,
             (unsigned long long)want->cycles, (unsigned long long)got->retired,
             (unsigned long long)want->retired, got->ticks, want->ticks);
}

#define RECORD_INSNS 900

/* A run stopped in every way, with an input at many stops: s3 set (so
 * s1 depends on where), or the timer delayed. Logged as the sources log
 * them, and applied as they would be. */
static Final record_run(Bench *b, unsigned *before_events, unsigned *sleeping)
{
    Cpu *cpu = b->f->cpu;
    clock_event_schedule(b->slicer, SLICE);
    *before_events = *sleeping = 0;
    for (unsigned i = 0; cpu_instructions_retired(cpu) < RECORD_INSNS; i++) {
        Error *err = NULL;
        CpuStopReason why = i % 7 == 2 ? cpu_step(cpu, &err) : cpu_run(cpu, 1 + i % 13, &err);
        assert_true(why == CPU_STOP_INSN_LIMIT || why == CPU_STOP_REQUESTED);
        if (i % 3 && !sim_events_due(b->clock, cpu))
            continue;
        *before_events += sim_events_due(b->clock, cpu);
        *sleeping += cpu_sleeping(cpu);
        if (i % 2) {
            cpu_set_reg(cpu, S3, i);
            input_log_gdb_register(b->log, S3, i);
        } else {
            input_log_command(b->log, MONITOR_FROM_CONSOLE, "peripheral set",
                              "peripheral set timer delay");
            clock_event_schedule(b->tick, clock_event_deadline(b->tick) + 5);
        }
    }
    clock_event_cancel(b->slicer);
    return final_of(b);
}

/* A log's entries, copied out of it (the log dies with its bench's
 * clock). */
typedef struct Saved {
    InputEntry *e;
    size_t n;
} Saved;

static Saved save_entries(const InputLog *log)
{
    Saved saved = {calloc(input_log_count(log) + 1, sizeof(InputEntry)), 0};
    for (uint64_t i = input_log_first(log); i < input_log_count(log); i++)
        input_entry_copy(&saved.e[saved.n++], input_log_entry(log, i));
    return saved;
}

static void load_entries(InputLog *log, Saved *saved)
{
    for (size_t i = 0; i < saved->n; i++) {
        input_log_load(log, &saved->e[i]);
        input_entry_clear(&saved->e[i]);
    }
    free(saved->e);
}

static void test_runner_in_pieces_applies_at_exact_positions(void **state)
{
    Fixture *f = *state;
    Bench *b = bench_new(f);
    unsigned before_events, sleeping;
    Final want = record_run(b, &before_events, &sleeping);
    assert_true(before_events > 3); /* both landings are exercised */
    assert_true(sleeping > 3);
    Saved logged = save_entries(b->log);
    bench_free(b);
    Bench *r = bench_new(f);
    load_entries(r->log, &logged);
    input_log_replay_from(r->log, 0);
    clock_event_schedule(r->slicer, SLICE); /* pieces end elsewhere too */
    Cpu *cpu = f->cpu;
    while (cpu_instructions_retired(cpu) < want.retired) {
        Error *err = NULL;
        if (!input_log_apply_due(r->log, &err))
            fail_msg("apply: %s", error_message(err));
        uint64_t left = input_log_insns_left(r->log);
        uint64_t limit = want.retired - cpu_instructions_retired(cpu);
        CpuStopReason why = cpu_run(cpu, left < limit ? left : limit, &err);
        assert_true(why == CPU_STOP_INSN_LIMIT || why == CPU_STOP_REQUESTED);
    }
    Error *err = NULL;
    assert_true(input_log_apply_due(r->log, &err));
    assert_false(input_log_replaying(r->log));
    Final got = final_of(r);
    assert_same_final(&got, &want);
    bench_free(r);
}

static void test_runner_in_one_go(void **state)
{
    Fixture *f = *state;
    Bench *b = bench_new(f);
    unsigned before_events, sleeping;
    Final want = record_run(b, &before_events, &sleeping);
    SimPosition end = sim_position_now(f->cpu);
    Saved logged = save_entries(b->log);
    bench_free(b);
    Bench *r = bench_new(f);
    load_entries(r->log, &logged);
    input_log_replay_from(r->log, 0);
    Error *err = NULL;
    if (!input_log_run_to(r->log, &end, NULL, &err))
        fail_msg("run_to: %s", error_message(err));
    assert_true(input_log_apply_due(r->log, &err));
    Final got = final_of(r);
    assert_same_final(&got, &want);
    bench_free(r);
}

/* Applying every input settled (after the events due at its position)
 * instead of where it came gives another run: the phase is needed. */
static void test_the_phase_matters(void **state)
{
    Fixture *f = *state;
    Bench *b = bench_new(f);
    unsigned before_events, sleeping;
    Final want = record_run(b, &before_events, &sleeping);
    SimPosition end = sim_position_now(f->cpu);
    Saved logged = save_entries(b->log);
    bench_free(b);
    Bench *r = bench_new(f);
    for (size_t i = 0; i < logged.n; i++)
        logged.e[i].before_events = false;
    load_entries(r->log, &logged);
    input_log_replay_from(r->log, 0);
    Error *err = NULL;
    if (!input_log_run_to(r->log, &end, NULL, &err)) {
        error_free(err); /* diverged on the way: different too */
        bench_free(r);
        return;
    }
    Final got = final_of(r);
    assert_false(same_final(&got, &want));
    bench_free(r);
}

static void test_the_end_stops_the_run(void **state)
{
    Fixture *f = *state;
    Bench *b = bench_new(f);
    SimPosition end = {0};
    Error *err = NULL;
    assert_true(sim_run_to_retired(f->cpu, b->clock, 150, NULL, &end, &err));
    bench_free(b);
    b = bench_new(f);
    input_log_set_end(b->log, &end, true, 42);
    assert_true(input_log_replaying(b->log));
    int status = 0;
    while (!input_log_ended(b->log, &status)) {
        uint64_t left = input_log_insns_left(b->log);
        assert_true(left >= 1 && left <= 150);
        cpu_run(f->cpu, left, &err);
        assert_true(input_log_apply_due(b->log, &err));
    }
    assert_int_equal(status, 42);
    SimPosition now = sim_position_now(f->cpu);
    assert_true(sim_position_equal(&now, &end));
    assert_false(input_log_replaying(b->log));
    bench_free(b);
}

/* ---- the log itself ---- */

typedef struct Heard {
    char text[1024];
    size_t len;
} Heard;

static void heard_appended(void *opaque, uint64_t index, const InputEntry *e)
{
    Heard *h = opaque;
    h->len += (size_t)snprintf(h->text + h->len, sizeof h->text - h->len, "+%llu:%s ",
                               (unsigned long long)index, input_kind_name(e->kind));
}

static void heard_truncated(void *opaque, uint64_t index)
{
    Heard *h = opaque;
    h->len += (size_t)snprintf(h->text + h->len, sizeof h->text - h->len, "-%llu ",
                               (unsigned long long)index);
}

static const InputLogListener listener = {heard_appended, heard_truncated};

static void test_indices_forgetting_truncation(void **state)
{
    Fixture *f = *state;
    Bench *b = bench_new(f);
    Heard heard = {0};
    input_log_set_listener(b->log, &listener, &heard);
    for (uint32_t i = 0; i < 5; i++) {
        cpu_run(f->cpu, 3, NULL);
        input_log_gdb_register(b->log, 8, i);
    }
    assert_int_equal(input_log_count(b->log), 5);
    assert_int_equal(input_log_entry(b->log, 2)->value, 2);
    assert_int_equal(input_log_entry(b->log, 2)->pos.retired, 9);
    input_log_forget_before(b->log, 3);
    assert_int_equal(input_log_first(b->log), 3);
    assert_null(input_log_entry(b->log, 2));
    assert_int_equal(input_log_entry(b->log, 3)->value, 3);
    input_log_truncate(b->log, 4);
    assert_int_equal(input_log_count(b->log), 4);
    input_log_gdb_memory(b->log, 0x80000000, (const uint8_t *)"ab", 2);
    assert_int_equal(input_log_entry(b->log, 4)->len, 2);
    assert_string_equal(heard.text, "+0:gdb-register +1:gdb-register +2:gdb-register "
                        "+3:gdb-register +4:gdb-register -4 +4:gdb-memory ");
    input_log_keep(b->log, false);
    input_log_gdb_register(b->log, 9, 1);
    assert_int_equal(input_log_count(b->log), 6);
    assert_int_equal(input_log_first(b->log), 6); /* written, and dropped */
    input_log_set_listener(b->log, NULL, NULL);
    bench_free(b);
}

static void test_which_commands_are_inputs(void **state)
{
    Fixture *f = *state;
    Bench *b = bench_new(f);
    static const struct {
        MonitorSource source;
        const char *command, *line;
        bool logged;
    } cases[] = {
        {MONITOR_FROM_CONSOLE, "gpio", "gpio gpio0 3 1", true},
        {MONITOR_FROM_GDB, "peripheral add", "peripheral add s stub @0x1000", true},
        {MONITOR_FROM_CONSOLE, "peripheral power", "peripheral power uart0 off", true},
        {MONITOR_FROM_CONSOLE, "board apply", "board apply hifive1-revb", true},
        {MONITOR_FROM_CONSOLE, "reset", "reset", true},
        {MONITOR_FROM_CONSOLE, "uart", "uart uart0 send \"x\"", true},
        {MONITOR_FROM_CONSOLE, "uart", "uart uart0 read", false},
        {MONITOR_FROM_CONSOLE, "reg", "reg a0 5", true},
        {MONITOR_FROM_CONSOLE, "reg", "reg a0", false},
        {MONITOR_FROM_CONSOLE, "memory write", "memory write 0x80000000 00", true},
        {MONITOR_FROM_CONSOLE, "memory read", "memory read 0x80000000 4", false},
        {MONITOR_FROM_CONSOLE, "snapshot load", "snapshot load a", true},
        {MONITOR_FROM_CONSOLE, "info mtree", "info mtree", false},
        {MONITOR_FROM_CONSOLE, "step", "step 5", false},
        {MONITOR_FROM_CONSOLE, "run-for", "run-for 1ms", false},
        {MONITOR_FROM_SCENARIO, "gpio", "gpio gpio0 3 1", false},
    };
    uint64_t count = 0;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        input_log_command(b->log, cases[i].source, cases[i].command, cases[i].line);
        uint64_t now = input_log_count(b->log);
        if ((now != count) != cases[i].logged)
            fail_msg("%s: logged %d, expected %d", cases[i].line, now != count,
                     cases[i].logged);
        if (cases[i].logged) {
            const InputEntry *e = input_log_entry(b->log, now - 1);
            assert_string_equal(e->line, cases[i].line);
            assert_int_equal(e->source, cases[i].source);
        }
        count = now;
    }
    bench_free(b);
}

static InputEntry read_entry(const char *device, const char *bytes, SimPosition pos, bool eof)
{
    return (InputEntry){.kind = INPUT_UART_READ, .pos = pos, .device = (char *)device,
                        .bytes = (uint8_t *)bytes, .len = strlen(bytes), .eof = eof};
}

static int went_live;

static void count_live(void *opaque)
{
    went_live++;
}

static void test_replay_feeds_reads_at_their_position(void **state)
{
    Fixture *f = *state;
    Bench *b = bench_new(f);
    SimPosition p0 = sim_position_now(f->cpu);
    cpu_run(f->cpu, 4, NULL);
    SimPosition p1 = sim_position_now(f->cpu);
    InputEntry e1 = read_entry("uart0", "ab", p0, false);
    InputEntry e2 = read_entry("uart0", "c", p1, true);
    input_log_load(b->log, &e1);
    input_log_load(b->log, &e2);
    input_log_on_live(b->log, count_live, NULL);
    went_live = 0;
    input_log_replay_from(b->log, 0);
    assert_true(input_log_replaying(b->log));
    uint8_t buf[8];
    bool eof = false;
    /* here (p1) the cursor's entry is p0's: nothing */
    assert_int_equal(input_log_uart_replay_read(b->log, "uart0", buf, 8, &eof), 0);
    input_log_replay_from(b->log, 1);
    assert_int_equal(input_log_uart_replay_read(b->log, "uart1", buf, 8, &eof), 0);
    assert_int_equal(input_log_uart_replay_read(b->log, "uart0", buf, 8, &eof), 1);
    assert_int_equal(buf[0], 'c');
    assert_true(eof);
    assert_false(input_log_replaying(b->log));
    assert_int_equal(went_live, 1);
    /* back to the start: a new input at the cursor cuts the future */
    input_log_replay_from(b->log, 1);
    Heard heard = {0};
    input_log_set_listener(b->log, &listener, &heard);
    input_log_gdb_register(b->log, 5, 7);
    assert_string_equal(heard.text, "-1 +1:gdb-register ");
    assert_int_equal(input_log_count(b->log), 2);
    assert_false(input_log_replaying(b->log));
    /* with recording off, inputs are not logged */
    input_log_set_recording(b->log, false);
    input_log_gdb_register(b->log, 5, 8);
    assert_int_equal(input_log_count(b->log), 2);
    input_log_set_listener(b->log, NULL, NULL);
    bench_free(b);
}

/* A recording's end the run can no longer reach, its hart having slept
 * longer than the recorded one (an edited file; a replay gone another
 * way): the divergence is said at the first boundary where the sleep
 * exceeds the end's, not when (if ever) the count catches up. Before, the
 * stop event at the end's cycle stopped the run there again and again,
 * for ever. */
static void test_an_end_passed_by_time_diverges(void **state)
{
    Fixture *f = *state;
    Bench *b = bench_new(f);
    SimPosition end = {.cycles = 400, .retired = 395, .pc = RAM_BASE}; /* 5 cycles asleep */
    input_log_set_end(b->log, &end, false, 0);
    Error *err = NULL;
    bool diverged = false;
    for (unsigned pieces = 0; !diverged; pieces++) {
        assert_true(pieces < 1000);
        uint64_t slept = cpu_cycles(f->cpu) - cpu_instructions_retired(f->cpu);
        diverged = !input_log_apply_due(b->log, &err);
        assert_true(diverged == (slept > 5));
        uint64_t left = input_log_insns_left(b->log);
        if (!diverged)
            cpu_run(f->cpu, left < 7 ? left : 7, NULL);
    }
    assert_true(diverged);
    assert_non_null(strstr(error_message(err), "the replay diverged"));
    error_free(err);
    bench_free(b);
}

/* A UART read logged for a device that never reads there (an unknown
 * name in an edited file): once the run passed its position the replay
 * says it diverged, instead of replaying for ever (the taps read no
 * backend while replaying) with nothing pending to notice it. */
static void test_a_read_passed_unconsumed_diverges(void **state)
{
    Fixture *f = *state;
    Bench *b = bench_new(f);
    cpu_run(f->cpu, 5, NULL);
    SimPosition at = sim_position_now(f->cpu);
    bench_free(b);
    b = bench_new(f);
    InputEntry e = read_entry("nosuch", "x", at, false);
    input_log_load(b->log, &e);
    input_log_replay_from(b->log, 0);
    Error *err = NULL;
    bool diverged = false;
    while (!diverged && cpu_instructions_retired(f->cpu) < 1000) {
        SimPosition now = sim_position_now(f->cpu);
        bool past = sim_position_compare(&now, &at) > 0 || now.cycles > at.cycles;
        diverged = !input_log_apply_due(b->log, &err);
        assert_true(diverged == past);
        if (!diverged)
            cpu_run(f->cpu, 3, NULL);
    }
    assert_true(diverged);
    assert_non_null(strstr(error_message(err), "input 0 (uart-read of 'nosuch'"));
    error_free(err);
    bench_free(b);
}

/* ---- the taps and the log ---- */

typedef struct Fake {
    Chardev base;
    const char *input;
    size_t pos;
    char out[64];
    size_t outlen;
    int reads;
} Fake;

static void fake_write(Chardev *chr, const uint8_t *buf, size_t len)
{
    Fake *f = (Fake *)chr;
    memcpy(f->out + f->outlen, buf, len);
    f->outlen += len;
}

static size_t fake_read(Chardev *chr, uint8_t *buf, size_t max)
{
    Fake *f = (Fake *)chr;
    f->reads++;
    if (!f->input[f->pos]) {
        chr->eof = true;
        return 0;
    }
    buf[0] = (uint8_t)f->input[f->pos++];
    return 1;
}

static void fake_close(Chardev *chr)
{
    (void)chr; /* the test owns it */
}

static const ChardevOps fake_ops = {fake_write, fake_read, fake_close};

static void test_taps_log_and_replay_the_backend(void **state)
{
    Fixture *f = *state;
    Bench *b = bench_new(f);
    Fake live = {.base.ops = &fake_ops, .input = "hi"};
    UartTaps *taps = uart_taps_new();
    uart_taps_set_input_log(taps, b->log);
    Chardev *chr = uart_taps_wrap(taps, "uart0", &live.base);
    uint8_t c;
    assert_int_equal(chardev_read(chr, &c, 1), 1);
    cpu_run(f->cpu, 2, NULL);
    assert_int_equal(chardev_read(chr, &c, 1), 1);
    cpu_run(f->cpu, 2, NULL);
    assert_int_equal(chardev_read(chr, &c, 1), 0); /* the end */
    assert_true(chardev_input_ended(chr));
    chardev_close(chr);
    uart_taps_free(taps);
    /* open, "h", "i", the end */
    assert_int_equal(input_log_count(b->log), 4);
    assert_int_equal(input_log_entry(b->log, 0)->kind, INPUT_UART_OPEN);
    assert_false(input_log_entry(b->log, 0)->eof);
    assert_true(input_log_entry(b->log, 3)->eof);
    assert_int_equal(input_log_entry(b->log, 3)->len, 0);
    Saved logged = save_entries(b->log);
    bench_free(b);

    /* the replay: another backend, never read; the bytes at their places */
    b = bench_new(f);
    load_entries(b->log, &logged);
    input_log_replay_from(b->log, 0);
    Fake other = {.base.ops = &fake_ops, .input = "XYZ"};
    taps = uart_taps_new();
    uart_taps_set_input_log(taps, b->log);
    chr = uart_taps_wrap(taps, "uart0", &other.base);
    assert_int_equal(chardev_read(chr, &c, 1), 1);
    assert_int_equal(c, 'h');
    assert_int_equal(chardev_read(chr, &c, 1), 0); /* not its position */
    cpu_run(f->cpu, 2, NULL);
    assert_int_equal(chardev_read(chr, &c, 1), 1);
    assert_int_equal(c, 'i');
    cpu_run(f->cpu, 2, NULL);
    assert_int_equal(other.reads, 0);
    /* the logged end, the log's last entry: live again, and this backend
     * has input, so it is woken (logged) and read (logged) */
    assert_int_equal(chardev_read(chr, &c, 1), 0);
    assert_false(input_log_replaying(b->log));
    assert_false(chardev_input_ended(chr));
    assert_int_equal(input_log_entry(b->log, 4)->kind, INPUT_UART_WAKE);
    assert_int_equal(chardev_read(chr, &c, 1), 1);
    assert_int_equal(c, 'X');
    assert_int_equal(input_log_entry(b->log, 5)->kind, INPUT_UART_READ);
    /* muted: output goes nowhere */
    uart_taps_set_muted(taps, true);
    chardev_write(chr, (const uint8_t *)"x", 1);
    uart_taps_set_muted(taps, false);
    chardev_write(chr, (const uint8_t *)"y", 1);
    assert_int_equal(other.outlen, 1);
    assert_int_equal(other.out[0], 'y');
    chardev_close(chr);
    uart_taps_free(taps);
    bench_free(b);
}

/* ---- the file ---- */

static void write_text(const char *path, const char *text, size_t len)
{
    FILE *out = fopen(path, "wb");
    assert_non_null(out);
    assert_int_equal(fwrite(text, 1, len, out), len);
    fclose(out);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *in = fopen(path, "rb");
    assert_non_null(in);
    static char buf[16384];
    *len = fread(buf, 1, sizeof buf - 1, in);
    buf[*len] = '\0';
    fclose(in);
    return buf;
}

static const RecordOption header_options[] = {{"board", "virt32"}, {"set", "ram.size=1M"}};

static const RecordHeader header = {
    .firmware = "fw.elf", .firmware_hash = 0x0123456789abcdefull,
    .options = header_options, .noptions = 2,
};

static void no_loss(void *opaque, const char *what, int err)
{
    fail_msg("lost: %s", what);
}

static void assert_same_entry(const InputEntry *a, const InputEntry *b)
{
    assert_int_equal(a->kind, b->kind);
    assert_true(sim_position_equal(&a->pos, &b->pos));
    assert_int_equal(a->before_events, b->before_events);
    assert_true((a->device == NULL) == (b->device == NULL));
    if (a->device)
        assert_string_equal(a->device, b->device);
    assert_true((a->line == NULL) == (b->line == NULL));
    if (a->line)
        assert_string_equal(a->line, b->line);
    assert_int_equal(a->len, b->len);
    if (a->len)
        assert_memory_equal(a->bytes, b->bytes, a->len);
    assert_int_equal(a->eof, b->eof);
    assert_int_equal(a->addr, b->addr);
    assert_int_equal(a->regnum, b->regnum);
    assert_int_equal(a->value, b->value);
}

static void test_file_round_trip_and_refusals(void **state)
{
    Fixture *f = *state;
    Bench *b = bench_new(f);
    char path[] = "/tmp/test_input_log_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    Error *err = NULL;
    Recorder *rec = recorder_open(path, &header, NULL, 0, no_loss, NULL, &err);
    assert_non_null(rec);
    recorder_attach(rec, b->log);
    bool eof = false;
    input_log_uart_open(b->log, "uart \"0\"", &eof);
    cpu_run(f->cpu, 7, NULL);
    input_log_uart_read(b->log, "uart \"0\"", (const uint8_t *)"\x00\xff\n", 3, false);
    input_log_uart_read(b->log, "uart \"0\"", NULL, 0, true);
    input_log_uart_wake(b->log, "uart \"0\"");
    input_log_command(b->log, MONITOR_FROM_GDB, "uart", "uart uart0 send \"\\x01\\\"q\\n\"");
    input_log_gdb_memory(b->log, 0x80000010, (const uint8_t *)"\x01\x02", 2);
    input_log_truncate(b->log, 5);
    input_log_gdb_register(b->log, 65 + 0x340, 0xdeadbeef);
    input_log_command(b->log, MONITOR_FROM_CONSOLE, "gpio", "gpio gpio0 1 1\t\xc3\xa9");
    SimPosition end = sim_position_now(f->cpu);
    recorder_finish(rec, &end, true, 7);
    recorder_free(rec);

    Recording *r = recording_read(path, &err);
    if (!r)
        fail_msg("%s", error_message(err));
    assert_true(recording_has_end(r));
    assert_int_equal(recording_count(r), 7);
    assert_true(recording_check(r, &header, &err));
    InputLog *back = input_log_new(f->cpu, b->clock);
    recording_load(r, back);
    assert_int_equal(input_log_count(back), 7);
    for (uint64_t i = 0; i < 7; i++)
        assert_same_entry(input_log_entry(back, i), input_log_entry(b->log, i));
    input_log_free(back);

    RecordHeader other = header;
    other.firmware_hash = 1;
    assert_false(recording_check(r, &other, &err));
    assert_non_null(strstr(error_message(err), "recorded with another firmware (fw.elf"));
    error_free(err);
    err = NULL;
    RecordOption options[] = {{"board", "hifive1-revb"}};
    other = (RecordHeader){.firmware = "fw.elf", .firmware_hash = header.firmware_hash,
                           .options = options, .noptions = 1};
    assert_false(recording_check(r, &other, &err));
    assert_non_null(strstr(error_message(err), "recorded with board 'virt32', this run has "
                                               "board 'hifive1-revb'"));
    error_free(err);
    err = NULL;
    recording_free(r);

    /* damaged, truncated, extended: refused with the offset */
    size_t len;
    char *good = slurp(path, &len);
    char *copy = malloc(len + 64);
    assert_non_null(copy);
    const char *third = strstr(good, "\nuart-read ") + 1;
    size_t at = (size_t)(third - good);
    static const struct {
        const char *change, *message;
    } bad[] = {{"flip", "offset %zu: damaged"}, {"cut", "offset %zu: truncated"},
               {"after", "text after the end"}};
    for (size_t i = 0; i < 3; i++) {
        memcpy(copy, good, len);
        size_t n = len;
        if (i == 0)
            copy[at + 5] ^= 0x20;
        else if (i == 1)
            n = at + 9;
        else
            n += (size_t)sprintf(copy + len, "begin ~%08x\n", 0u);
        write_text(path, copy, n);
        assert_null(recording_read(path, &err));
        char want[64];
        snprintf(want, sizeof want, bad[i].message, at);
        if (!strstr(error_message(err), want) &&
            !(i == 2 && strstr(error_message(err), "damaged")))
            fail_msg("%s: %s", bad[i].change, error_message(err));
        error_free(err);
        err = NULL;
    }
    free(copy);
    write_text(path, "", 0);
    assert_null(recording_read(path, &err));
    assert_non_null(strstr(error_message(err), "empty: not a recording"));
    error_free(err);
    unlink(path);
    bench_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_runner_in_pieces_applies_at_exact_positions, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_runner_in_one_go, setup, teardown),
        cmocka_unit_test_setup_teardown(test_the_phase_matters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_the_end_stops_the_run, setup, teardown),
        cmocka_unit_test_setup_teardown(test_an_end_passed_by_time_diverges, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_read_passed_unconsumed_diverges, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_indices_forgetting_truncation, setup, teardown),
        cmocka_unit_test_setup_teardown(test_which_commands_are_inputs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replay_feeds_reads_at_their_position, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_taps_log_and_replay_the_backend, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_round_trip_and_refusals, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
