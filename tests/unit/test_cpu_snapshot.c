/* The hart's state for snapshots (cpu_state_save / cpu_state_load): a
 * program with timer interrupts, calls, counters, loads and stores and
 * LR/SC, saved and loaded with its memory (memory_pages_*) and its timer,
 * runs on exactly as it did, on both engines and across them; PMP and
 * triggers come back in force, so do the reservation and wfi sleep;
 * decoded and translated code from before a load never runs; a corrupt,
 * truncated, hostile or foreign string is refused with the hart
 * unchanged. Last, the interrupt-heavy firmware irq_storm on virt32 runs
 * the same with a capture (and a load of it) every few thousand
 * instructions as without. Run from the repository top. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/cpu_fixture.h"
#include "sim/elf_load.h"
#include "peripherals/registry.h"
#include "soc/board.h"
#include "soc/machine.h"

enum {
    TIMER_BASE = 0x20000000u, /* write: acknowledge, next tick PERIOD later */
    PERIOD = 997,
    F_ADDR = RAM_BASE + 0x800,
    NCSRS = 43,
};

/* ---- the bench: the CPU fixture, a clock and a periodic timer ---- */

typedef struct Bench {
    Fixture *f;
    Clock *clock;
    ClockEvent *tick, *stopper;
    IrqLine mti;
    unsigned modes_heard, sleeps_heard;
} Bench;

static void tick_fired(void *opaque)
{
    Bench *b = opaque;
    irq_set(&b->mti, true);
}

static void stopper_fired(void *opaque)
{
    cpu_request_stop(((Bench *)opaque)->f->cpu);
}

static bool timer_read(void *opaque, uint64_t offset, unsigned size, uint32_t *value)
{
    (void)opaque, (void)offset, (void)size;
    *value = 0;
    return true;
}

static bool timer_write(void *opaque, uint64_t offset, unsigned size, uint32_t value)
{
    (void)offset, (void)size, (void)value;
    Bench *b = opaque;
    irq_set(&b->mti, false);
    clock_event_schedule(b->tick, clock_now(b->clock) + PERIOD);
    return true;
}

static const MmioOps timer_ops = {.read = timer_read, .write = timer_write};

static void heard_mode(void *opaque, const Cpu *cpu, const CpuExecEvent *e)
{
    (void)cpu;
    Bench *b = opaque;
    b->modes_heard++;
    b->sleeps_heard += e->sleeping;
}

/* A hart over the bench's memory; only the bench's own has the clock
 * (there is one deadline listener). */
static Cpu *bench_cpu_config(Bench *b, Clock *clock, bool jit, const char *isa,
                             unsigned pmp, unsigned triggers, uint64_t hz, Error **errp)
{
    CpuConfig config = {.isa = isa, .reset_pc = RAM_BASE, .frequency_hz = hz,
                        .pmp_entries = pmp, .triggers = triggers, .clock = clock,
                        .jit = jit, .jit_threshold = 1};
    return cpu_new(b->f->ms, &config, errp);
}

/* A new hart on the bench (the old one freed). */
static void bench_cpu(Bench *b, bool jit)
{
    Error *err = NULL;
    cpu_free(b->f->cpu);
    b->f->cpu = bench_cpu_config(b, b->clock, jit, "rv32imac", CPU_PMP_MAX, 2, 1000000,
                                 &err);
    assert_non_null(b->f->cpu);
    b->mti = cpu_irq_input(b->f->cpu, CPU_IRQ_MTI);
}

static int bench_setup(void **state)
{
    void *fixture;
    setup(&fixture);
    Bench *b = calloc(1, sizeof *b);
    assert_non_null(b);
    b->f = fixture;
    b->clock = clock_new(1000000);
    b->tick = clock_event_new(b->clock, tick_fired, b);
    b->stopper = clock_event_new(b->clock, stopper_fired, b);
    Error *err = NULL;
    MemoryRegion *timer = memory_region_new_mmio(b->f->board, "timer", 0x100, &timer_ops, b);
    assert_true(memory_add_subregion(b->f->root, TIMER_BASE, timer, &err));
    bench_cpu(b, false);
    *state = b;
    return 0;
}

static int bench_teardown(void **state)
{
    Bench *b = *state;
    cpu_free(b->f->cpu);
    b->f->cpu = NULL;
    clock_event_free(b->tick);
    clock_event_free(b->stopper);
    void *fixture = b->f;
    teardown(&fixture);
    clock_free(b->clock);
    free(b);
    return 0;
}

static bool jit_here(void)
{
    return cpu_jit_supported();
}

/* ---- what a snapshot holds here: hart, memories, timer ---- */

typedef struct Saved {
    uint8_t *cpu;
    size_t cpu_len;
    MemoryPages *ram, *ram2;
    uint64_t tick_deadline;
    bool tick_level;
    uint64_t cycles;
} Saved;

static Saved bench_save(Bench *b)
{
    Saved s = {0};
    s.cpu = cpu_state_save(b->f->cpu, &s.cpu_len);
    s.ram = memory_pages_capture(b->f->ram);
    s.ram2 = memory_pages_capture(b->f->ram2);
    s.tick_deadline = clock_event_deadline(b->tick);
    s.tick_level = (b->f->cpu->mip & MIP_MTIP) != 0;
    s.cycles = cpu_cycles(b->f->cpu);
    return s;
}

/* In the order a machine restore takes: memories, time and devices, hart. */
static void bench_load(Bench *b, const Saved *s)
{
    Error *err = NULL;
    assert_true(memory_pages_restore(b->f->ms, b->f->ram, s->ram, &err));
    assert_true(memory_pages_restore(b->f->ms, b->f->ram2, s->ram2, &err));
    clock_rewind(b->clock, s->cycles);
    if (s->tick_deadline == CLOCK_NEVER)
        clock_event_cancel(b->tick);
    else
        clock_event_schedule(b->tick, s->tick_deadline);
    irq_set(&b->mti, s->tick_level);
    if (!cpu_state_load(b->f->cpu, s->cpu, s->cpu_len, &err))
        fail_msg("load: %s", error_message(err));
}

static void saved_free(Saved *s)
{
    free(s->cpu);
    memory_pages_unref(s->ram);
    memory_pages_unref(s->ram2);
}

/* ---- what is compared ---- */

static const unsigned dump_csrs[NCSRS] = {
    CSR_MSTATUS, CSR_MISA, CSR_MIE, CSR_MIP, CSR_MTVEC, CSR_MSCRATCH, CSR_MEPC,
    CSR_MCAUSE, CSR_MTVAL, CSR_MCOUNTEREN, CSR_MCOUNTINHIBIT, CSR_MCYCLE, CSR_MCYCLEH,
    CSR_MINSTRET, CSR_MINSTRETH, CSR_PMPCFG0, CSR_PMPCFG0 + 1, CSR_PMPCFG0 + 2,
    CSR_PMPCFG0 + 3, CSR_PMPADDR0, CSR_PMPADDR0 + 1, CSR_PMPADDR0 + 2, CSR_PMPADDR0 + 3,
    CSR_PMPADDR0 + 4, CSR_PMPADDR0 + 5, CSR_PMPADDR0 + 6, CSR_PMPADDR0 + 7,
    CSR_PMPADDR0 + 8, CSR_PMPADDR0 + 9, CSR_PMPADDR0 + 10, CSR_PMPADDR0 + 11,
    CSR_PMPADDR0 + 12, CSR_PMPADDR0 + 13, CSR_PMPADDR0 + 14, CSR_PMPADDR0 + 15,
    CSR_TSELECT, CSR_TDATA1, CSR_TDATA2, CSR_TCONTROL, CSR_TINFO, CSR_CYCLE,
    CSR_INSTRET, CSR_MSTATUSH,
};

typedef struct Dump {
    uint32_t x[32], pc, csr[NCSRS];
    uint64_t cycles, retired, memory_hash;
    unsigned priv;
    bool sleeping, reserved;
} Dump;

static uint64_t hash_bytes(uint64_t h, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

static Dump dump(Bench *b)
{
    Dump d;
    memset(&d, 0, sizeof d);
    Cpu *cpu = b->f->cpu;
    for (unsigned i = 0; i < 32; i++)
        d.x[i] = cpu_get_reg(cpu, i);
    d.pc = cpu_get_pc(cpu);
    for (unsigned i = 0; i < NCSRS; i++)
        assert_true(cpu_get_csr(cpu, dump_csrs[i], &d.csr[i]));
    d.cycles = cpu_cycles(cpu);
    d.retired = cpu_instructions_retired(cpu);
    d.priv = cpu_privilege(cpu);
    d.sleeping = cpu_sleeping(cpu);
    d.reserved = cpu->reserved;
    d.memory_hash = hash_bytes(0xcbf29ce484222325ull, memory_region_host_ptr(b->f->ram),
                               RAM_SIZE);
    d.memory_hash = hash_bytes(d.memory_hash, memory_region_host_ptr(b->f->ram2), 0x1000);
    return d;
}

static void assert_dumps_equal(const Dump *a, const Dump *b)
{
    for (unsigned i = 0; i < 32; i++)
        if (a->x[i] != b->x[i])
            fail_msg("x%u: 0x%08x then 0x%08x", i, a->x[i], b->x[i]);
    for (unsigned i = 0; i < NCSRS; i++)
        if (a->csr[i] != b->csr[i])
            fail_msg("csr 0x%03x: 0x%08x then 0x%08x", dump_csrs[i], a->csr[i], b->csr[i]);
    assert_int_equal(a->pc, b->pc);
    assert_int_equal(a->cycles, b->cycles);
    assert_int_equal(a->retired, b->retired);
    assert_int_equal(a->priv, b->priv);
    assert_int_equal(a->sleeping, b->sleeping);
    assert_int_equal(a->reserved, b->reserved);
    assert_int_equal(a->memory_hash, b->memory_hash);
}

static void run(Bench *b, uint64_t n)
{
    Error *err = NULL;
    CpuStopReason why = cpu_run(b->f->cpu, n, &err);
    if (err)
        fail_msg("run: %s", error_message(err));
    assert_int_equal(why, CPU_STOP_INSN_LIMIT);
}

/* ---- the program ---- */

/* Timer interrupts (counted in s6, causes summed in s7), a call reading
 * mcycle and minstret (folded into s4, s5), a read-modify-write over a
 * 4 KiB array, LR/SC on RAM2 (failures in s8). */
static void emit_program(Fixture *f)
{
    f->pc = HANDLER;
    emit(f, rv_addi(S6, S6, 1));
    emit_li(f, T6, TIMER_BASE);
    emit(f, rv_store(SW, ZERO, T6, 0));
    emit(f, rv_csrr(T6, CSR_MCAUSE));
    emit(f, rv_add(S7, S7, T6));
    emit(f, RV_MRET);
    f->pc = F_ADDR;
    emit(f, rv_csrr(A0, CSR_MCYCLE));
    emit(f, rv_xor(S4, S4, A0));
    emit(f, rv_csrr(A0, CSR_MINSTRET));
    emit(f, rv_add(S5, S5, A0));
    emit(f, rv_jalr(ZERO, RA, 0));
    f->pc = RAM_BASE;
    emit_li(f, T0, HANDLER);
    emit(f, rv_csrw(CSR_MTVEC, T0));
    emit_li(f, T0, MIP_MTIP);
    emit(f, rv_csrw(CSR_MIE, T0));
    emit(f, rv_csr(CSRRSI, ZERO, CSR_MSTATUS, 8)); /* MIE */
    emit_li(f, S1, DATA);
    emit_li(f, S3, RAM2_BASE);
    emit_li(f, T6, TIMER_BASE);
    emit(f, rv_store(SW, ZERO, T6, 0)); /* the first tick */
    uint32_t loop = f->pc;
    emit(f, rv_andi(T1, S2, 1023));
    emit(f, rv_slli(T1, T1, 2));
    emit(f, rv_add(T1, T1, S1));
    emit(f, rv_load(LW, T2, T1, 0));
    emit(f, rv_addi(T3, ZERO, 3));
    emit(f, rv_m(MUL, T2, T2, T3));
    emit(f, rv_add(T2, T2, S2));
    emit(f, rv_store(SW, T2, T1, 0));
    emit(f, rv_jal(RA, (int32_t)(F_ADDR - f->pc)));
    emit(f, rv_addi(S2, S2, 1));
    emit(f, rv_amo(LR, T4, S3, ZERO));
    emit(f, rv_addi(T4, T4, 1));
    emit(f, rv_amo(SC, T5, S3, T4));
    emit(f, rv_add(S8, S8, T5));
    emit(f, rv_jal(ZERO, (int32_t)(loop - f->pc)));
}

/* ---- round trips ---- */

/* Save after a warm-up, run on, load, run on again: the same. Twice. */
static void round_trip(Bench *b, bool jit)
{
    bench_cpu(b, jit);
    emit_program(b->f);
    run(b, 5003);
    Dump at_save = dump(b);
    Saved s = bench_save(b);
    run(b, 40000);
    Dump straight = dump(b);
    assert_true(straight.x[S6] > 30); /* interrupts were taken */
    assert_true(straight.x[S2] > 1000);
    for (int again = 0; again < 2; again++) {
        bench_load(b, &s);
        Dump loaded = dump(b);
        assert_dumps_equal(&at_save, &loaded);
        run(b, 40000);
        Dump replayed = dump(b);
        assert_dumps_equal(&straight, &replayed);
    }
    /* and on the other engine, a new hart */
    if (jit_here()) {
        bench_cpu(b, !jit);
        bench_load(b, &s);
        run(b, 40000);
        Dump other = dump(b);
        assert_dumps_equal(&straight, &other);
    }
    saved_free(&s);
}

static void test_round_trip_runs_the_same_interpreted(void **state)
{
    round_trip(*state, false);
}

static void test_round_trip_runs_the_same_translated(void **state)
{
    if (!jit_here())
        skip();
    round_trip(*state, true);
}

/* Self-modifying code: each turn patches f2's immediate with the turn's
 * number (fence.i) and adds what f2 returns. Stale code after a load
 * would add a turn's number twice. */
static void self_modifying(Bench *b, bool jit)
{
    bench_cpu(b, jit);
    Fixture *f = b->f;
    uint32_t f2 = RAM_BASE + 0x400;
    f->pc = f2;
    emit(f, rv_addi(A0, ZERO, 0));
    emit(f, rv_jalr(ZERO, RA, 0));
    f->pc = RAM_BASE;
    emit_li(f, T0, f2);
    emit_li(f, S9, rv_addi(A0, ZERO, 0));
    uint32_t loop = f->pc;
    emit(f, rv_andi(T1, S2, 0x7ff));
    emit(f, rv_slli(T1, T1, 20));
    emit(f, rv_or(T1, T1, S9));
    emit(f, rv_store(SW, T1, T0, 0));
    emit(f, RV_FENCE_I);
    emit(f, rv_jal(RA, (int32_t)(f2 - f->pc)));
    emit(f, rv_add(S0, S0, A0));
    emit(f, rv_addi(S2, S2, 1));
    emit(f, rv_jal(ZERO, (int32_t)(loop - f->pc)));
    run(b, 2001);
    Saved s = bench_save(b);
    run(b, 10000);
    Dump straight = dump(b);
    uint32_t turns = straight.x[S2];
    assert_true(turns > 500);
    assert_int_equal(straight.x[S0], (turns - 1) * turns / 2); /* 0 + 1 + ... */
    bench_load(b, &s);
    run(b, 10000);
    Dump replayed = dump(b);
    assert_dumps_equal(&straight, &replayed);
    saved_free(&s);
}

static void test_self_modifying_code_after_load_interpreted(void **state)
{
    self_modifying(*state, false);
}

static void test_self_modifying_code_after_load_translated(void **state)
{
    if (!jit_here())
        skip();
    self_modifying(*state, true);
}

/* A load drops all decoded and translated code: here the bytes behind a
 * hot block change without a report (a host pointer, as only tests
 * may), which leaves the block stale until the load. */
static void load_drops_code(Bench *b, bool jit)
{
    bench_cpu(b, jit);
    Fixture *f = b->f;
    f->pc = F_ADDR;
    emit(f, rv_addi(A0, ZERO, 1));
    emit(f, rv_jalr(ZERO, RA, 0));
    f->pc = RAM_BASE;
    emit(f, rv_jal(RA, (int32_t)(F_ADDR - f->pc)));
    emit(f, rv_add(S0, S0, A0));
    emit(f, rv_jal(ZERO, -8));
    run(b, 500);
    assert_int_equal(cpu_get_pc(f->cpu), RAM_BASE);
    assert_int_equal(cpu_get_reg(f->cpu, S0), 100);
    size_t len;
    uint8_t *blob = cpu_state_save(f->cpu, &len);
    uint32_t five = rv_addi(A0, ZERO, 5);
    memcpy(memory_region_host_ptr(f->ram) + (F_ADDR - RAM_BASE), &five, 4);
    run(b, 500);
    assert_int_equal(cpu_get_reg(f->cpu, S0), 200); /* stale, as documented */
    Error *err = NULL;
    assert_true(cpu_state_load(f->cpu, blob, len, &err));
    assert_int_equal(cpu_get_reg(f->cpu, S0), 100);
    run(b, 500);
    assert_int_equal(cpu_get_reg(f->cpu, S0), 600);
    free(blob);
}

static void test_load_drops_decoded_code(void **state)
{
    load_drops_code(*state, false);
}

static void test_load_drops_translated_code(void **state)
{
    if (!jit_here())
        skip();
    load_drops_code(*state, true);
}

/* ---- PMP, triggers, reservation, sleep, a debugger's stop ---- */

static void test_pmp_and_triggers_come_back_in_force(void **state)
{
    Bench *b = *state;
    Fixture *f = b->f;
    install_stop_handler(f);
    uint32_t trigger_at = RAM_BASE + 0x600;
    /* DATA's page read-only even for M-mode (locked NAPOT), and an
     * execute trigger on trigger_at (tcontrol.mte: M-mode too). */
    assert_true(cpu_set_csr(f->cpu, CSR_PMPADDR0, (DATA >> 2) | 0x1ff));
    assert_true(cpu_set_csr(f->cpu, CSR_PMPCFG0, PMP_L | PMP_R | PMP_NAPOT << PMP_A_SHIFT));
    assert_true(cpu_set_csr(f->cpu, CSR_TSELECT, 1));
    assert_true(cpu_set_csr(f->cpu, CSR_TDATA1, 6u << 28 | 1u << 6 | 1u << 2));
    assert_true(cpu_set_csr(f->cpu, CSR_TDATA2, trigger_at));
    assert_true(cpu_set_csr(f->cpu, CSR_TCONTROL, 1u << 3));
    Dump before = dump(b);
    size_t len;
    uint8_t *blob = cpu_state_save(f->cpu, &len);
    cpu_reset(f->cpu);
    assert_false(f->cpu->pmp_locked);
    assert_false(f->cpu->triggers_exec);
    Error *err = NULL;
    assert_true(cpu_state_load(f->cpu, blob, len, &err));
    free(blob);
    Dump after = dump(b);
    assert_dumps_equal(&before, &after);
    assert_true(f->cpu->pmp_locked && f->cpu->pmp_active && f->cpu->triggers_exec);
    assert_true(f->cpu->jit_blocked && f->cpu->no_chaining);
    /* The trigger fires before trigger_at runs (first: the trap clears
     * tcontrol.mte)... */
    f->pc = trigger_at;
    emit(f, RV_NOP);
    cpu_set_pc(f->cpu, trigger_at);
    run(b, 1);
    assert_trap(f, CPU_CAUSE_BREAKPOINT, trigger_at, trigger_at);
    assert_int_equal(csr(f, CSR_TDATA1) & (1u << 22), 1u << 22); /* hit0 */
    /* ...and the PMP entry denies an M-mode store. */
    f->pc = RAM_BASE;
    emit_li(f, T0, DATA);
    emit(f, rv_store(SW, T0, T0, 0));
    cpu_set_pc(f->cpu, RAM_BASE);
    run(b, 3);
    assert_trap(f, CPU_CAUSE_STORE_ACCESS, RAM_BASE + 8, DATA);
    assert_int_equal(peek32(f, DATA), 0);
}

static void test_reservation_comes_back(void **state)
{
    Bench *b = *state;
    Fixture *f = b->f;
    emit_li(f, S3, RAM2_BASE);
    uint32_t lr = f->pc;
    emit(f, rv_amo(LR, T4, S3, ZERO));
    emit(f, rv_amo(SC, T5, S3, T4));
    run(b, 3);
    assert_true(f->cpu->reserved);
    size_t reserved_len, free_len;
    uint8_t *reserved = cpu_state_save(f->cpu, &reserved_len);
    run(b, 1); /* sc succeeds and ends the reservation */
    assert_int_equal(cpu_get_reg(f->cpu, T5), 0);
    uint8_t *unreserved = cpu_state_save(f->cpu, &free_len);
    Error *err = NULL;
    for (int i = 0; i < 2; i++) {
        assert_true(cpu_state_load(f->cpu, reserved, reserved_len, &err));
        assert_int_equal(cpu_get_pc(f->cpu), lr + 4);
        run(b, 1);
        assert_int_equal(cpu_get_reg(f->cpu, T5), 0);
        assert_true(cpu_state_load(f->cpu, unreserved, free_len, &err));
        cpu_set_pc(f->cpu, lr + 4); /* the sc again, without a reservation */
        run(b, 1);
        assert_int_equal(cpu_get_reg(f->cpu, T5), 1);
    }
    free(reserved);
    free(unreserved);
}

/* Asleep in wfi when saved (a stop event in the middle of a sleep): the
 * load puts it back to sleep, observers hear it, and it wakes at the same
 * cycle. */
static void test_wfi_sleep_comes_back(void **state)
{
    Bench *b = *state;
    Fixture *f = b->f;
    assert_true(cpu_add_exec_observer(f->cpu, CPU_EXEC_MODE, heard_mode, b));
    emit_li(f, T0, MIP_MTIP);
    emit(f, rv_csrw(CSR_MIE, T0)); /* wakes it; mstatus.MIE off: no trap */
    emit_li(f, T6, TIMER_BASE);
    uint32_t loop = f->pc;
    emit(f, rv_store(SW, ZERO, T6, 0));
    emit(f, RV_WFI);
    emit(f, rv_addi(S7, S7, 1));
    emit(f, rv_jal(ZERO, (int32_t)(loop - f->pc)));
    clock_event_schedule(b->stopper, 3 * PERIOD + 100);
    Error *err = NULL;
    assert_int_equal(cpu_run(f->cpu, UINT64_MAX, &err), CPU_STOP_REQUESTED);
    assert_true(cpu_sleeping(f->cpu));
    assert_int_equal(cpu_cycles(f->cpu), 3 * PERIOD + 100);
    Dump asleep = dump(b);
    Saved s = bench_save(b);
    run(b, 50);
    Dump straight = dump(b);
    assert_true(straight.x[S7] >= 3 + 10);
    cpu_set_pc(f->cpu, cpu_get_pc(f->cpu)); /* a debugger wakes it */
    assert_false(cpu_sleeping(f->cpu));
    unsigned sleeps = b->sleeps_heard;
    bench_load(b, &s);
    assert_true(cpu_sleeping(f->cpu));
    assert_int_equal(b->sleeps_heard, sleeps + 1);
    Dump loaded = dump(b);
    assert_dumps_equal(&asleep, &loaded);
    run(b, 50);
    Dump replayed = dump(b);
    assert_dumps_equal(&straight, &replayed);
    cpu_remove_exec_observer(f->cpu, heard_mode, b);
    saved_free(&s);
}

/* A load is a fresh start: the instruction a breakpoint stopped on stops
 * the next run again instead of being let through as a resume. */
static void test_load_is_not_a_debugger_resume(void **state)
{
    Bench *b = *state;
    Fixture *f = b->f;
    emit(f, rv_addi(S0, S0, 1));
    uint32_t at = f->pc;
    emit(f, rv_addi(S0, S0, 1));
    emit(f, rv_jal(ZERO, -8));
    cpu_breakpoint_add(f->cpu, at);
    Error *err = NULL;
    assert_int_equal(cpu_run(f->cpu, 100, &err), CPU_STOP_BREAKPOINT);
    assert_int_equal(cpu_get_pc(f->cpu), at);
    size_t len;
    uint8_t *blob = cpu_state_save(f->cpu, &len);
    assert_true(cpu_state_load(f->cpu, blob, len, &err));
    assert_int_equal(cpu_run(f->cpu, 100, &err), CPU_STOP_BREAKPOINT);
    assert_int_equal(cpu_instructions_retired(f->cpu), 1);
    /* without the load, the stop is resumed: it runs on */
    assert_int_equal(cpu_run(f->cpu, 1, &err), CPU_STOP_INSN_LIMIT);
    assert_int_equal(cpu_instructions_retired(f->cpu), 2);
    cpu_breakpoint_remove(f->cpu, at);
    free(blob);
}

/* ---- refusals ---- */

/* What must not change when a load is refused: the whole state, and
 * nothing flushed. */
typedef struct Untouched {
    uint8_t *blob;
    size_t len;
    uint64_t generation;
    Dump dump;
} Untouched;

static Untouched untouched(Bench *b)
{
    Untouched u;
    u.blob = cpu_state_save(b->f->cpu, &u.len);
    u.generation = b->f->cpu->blocks.generation;
    u.dump = dump(b);
    return u;
}

static void assert_untouched(Bench *b, Untouched *u)
{
    size_t len;
    uint8_t *now = cpu_state_save(b->f->cpu, &len);
    assert_int_equal(len, u->len);
    assert_memory_equal(now, u->blob, len);
    assert_int_equal(b->f->cpu->blocks.generation, u->generation);
    Dump d = dump(b);
    assert_dumps_equal(&u->dump, &d);
    free(now);
}

/* Refused by cpu_state_check and by cpu_state_load, with the same words. */
static void expect_refused(Bench *b, const uint8_t *data, size_t len, const char *says)
{
    Error *err = NULL;
    assert_false(cpu_state_check(b->f->cpu, data, len, &err));
    assert_non_null(err);
    char checked[256];
    snprintf(checked, sizeof checked, "%s", error_message(err));
    error_free(err);
    err = NULL;
    assert_false(cpu_state_load(b->f->cpu, data, len, &err));
    assert_non_null(err);
    assert_string_equal(error_message(err), checked);
    if (says && !strstr(error_message(err), says))
        fail_msg("\"%s\" does not say \"%s\"", error_message(err), says);
    error_free(err);
}

/* A state with some of everything in it, on the bench's hart. */
static void busy_state(Bench *b)
{
    emit_program(b->f);
    run(b, 3001);
    assert_true(cpu_set_csr(b->f->cpu, CSR_PMPADDR0 + 2, 0x1234));
    assert_true(cpu_set_csr(b->f->cpu, CSR_PMPCFG0, 0x1f << 16));
    assert_true(cpu_set_csr(b->f->cpu, CSR_TDATA1, 6u << 28 | 1u << 3 | 1u << 1));
}

static void test_truncated_and_corrupt_strings_are_refused(void **state)
{
    Bench *b = *state;
    busy_state(b);
    size_t len;
    uint8_t *good = cpu_state_save(b->f->cpu, &len);
    run(b, 1000); /* somewhere else now */
    Untouched u = untouched(b);
    for (size_t n = 0; n < len; n++)
        expect_refused(b, good, n, n < 20 ? "truncated" : NULL);
    uint8_t *longer = malloc(len + 1);
    assert_non_null(longer);
    memcpy(longer, good, len);
    longer[len] = 0;
    expect_refused(b, longer, len + 1, "trailing");
    free(longer);
    for (size_t i = 0; i < len; i++) {
        good[i] ^= 0x10; /* every single corrupted byte, header included */
        expect_refused(b, good, len, NULL);
        good[i] ^= 0x10;
    }
    good[0] = 'X';
    expect_refused(b, good, len, "magic");
    good[0] = 'm';
    good[8] = 2;
    expect_refused(b, good, len, "version 2");
    good[8] = 1;
    good[30] ^= 1;
    expect_refused(b, good, len, "checksum");
    good[30] ^= 1;
    assert_untouched(b, &u);
    Error *err = NULL;
    assert_true(cpu_state_check(b->f->cpu, good, len, &err)); /* intact: loads */
    assert_untouched(b, &u);
    assert_true(cpu_state_load(b->f->cpu, good, len, &err));
    free(good);
    free(u.blob);
}

/* Another hart's state, valid in itself, names what differs. */
static void expect_other_hart_refused(Bench *b, const char *isa, unsigned pmp,
                                      unsigned triggers, uint64_t hz, const char *says)
{
    Error *err = NULL;
    Cpu *other = bench_cpu_config(b, NULL, false, isa, pmp, triggers, hz, &err);
    assert_non_null(other);
    size_t len;
    uint8_t *blob = cpu_state_save(other, &len);
    cpu_free(other);
    expect_refused(b, blob, len, says);
    free(blob);
}

static void test_another_harts_state_is_refused(void **state)
{
    Bench *b = *state;
    busy_state(b);
    Untouched u = untouched(b);
    expect_other_hart_refused(b, "rv32imc", CPU_PMP_MAX, 2, 1000000,
                              "ISA rv32imc_zicsr_zifencei, this hart's rv32imac_zicsr_zifencei");
    expect_other_hart_refused(b, "rv32imac", 8, 2, 1000000, "pmp_entries 8, this hart's 16");
    expect_other_hart_refused(b, "rv32imac", CPU_PMP_MAX, 1, 1000000, "triggers 1");
    expect_other_hart_refused(b, "rv32imac", CPU_PMP_MAX, 2, 2000000, "frequency_hz");
    assert_untouched(b, &u);
    free(u.blob);
}

/* Valid strings (checksum and all) holding what no hart could: made by
 * a twin whose fields are set behind its back. */
static void expect_impossible_refused(Bench *b, void (*spoil)(Cpu *cpu), const char *says)
{
    Error *err = NULL;
    Cpu *twin = bench_cpu_config(b, NULL, false, "rv32imac", CPU_PMP_MAX, 2, 1000000, &err);
    assert_non_null(twin);
    spoil(twin);
    size_t len;
    uint8_t *blob = cpu_state_save(twin, &len);
    cpu_free(twin);
    expect_refused(b, blob, len, says);
    free(blob);
}

static void spoil_mpp(Cpu *cpu) { cpu->mstatus = 2u << MSTATUS_MPP_SHIFT; }
static void spoil_priv(Cpu *cpu) { cpu->priv = 1; }
static void spoil_x0(Cpu *cpu) { cpu->x[0] = 5; }
static void spoil_pmpcfg(Cpu *cpu) { cpu->pmpcfg[3] = 0x60; }
static void spoil_tdata1(Cpu *cpu) { cpu->triggers[0].tdata1 = 2u << 28; }
static void spoil_missing_trigger(Cpu *cpu) { cpu->triggers[5].tdata2 = 7; }
static void spoil_tselect(Cpu *cpu) { cpu->tselect = 6; }
static void spoil_mip(Cpu *cpu) { cpu->mip = 1u << 9; }
static void spoil_idle(Cpu *cpu) { cpu->idle_cycles = cpu->cycles + 1; }
static void spoil_mepc(Cpu *cpu) { cpu->mepc = 0x80000001u; }
static void spoil_mtvec(Cpu *cpu) { cpu->mtvec = 0x80000002u; }
/* No hart holds an odd pc (every jump clears bit 0), nor one off a
 * 4-byte boundary without C. */
static void spoil_pc(Cpu *cpu) { cpu->pc = RAM_BASE + 1; }

static void test_impossible_states_are_refused(void **state)
{
    Bench *b = *state;
    busy_state(b);
    Untouched u = untouched(b);
    expect_impossible_refused(b, spoil_mpp, "mstatus");
    expect_impossible_refused(b, spoil_priv, "privilege 1");
    expect_impossible_refused(b, spoil_x0, "x[0]");
    expect_impossible_refused(b, spoil_pmpcfg, "pmpcfg[3]");
    expect_impossible_refused(b, spoil_tdata1, "tdata1[0]");
    expect_impossible_refused(b, spoil_missing_trigger, "tdata2[5]");
    expect_impossible_refused(b, spoil_tselect, "tselect");
    expect_impossible_refused(b, spoil_mip, "mip");
    expect_impossible_refused(b, spoil_idle, "idle cycles");
    expect_impossible_refused(b, spoil_mepc, "mepc");
    expect_impossible_refused(b, spoil_mtvec, "mtvec");
    expect_impossible_refused(b, spoil_pc, "pc 0x80000001");
    assert_untouched(b, &u);
    free(u.blob);
}

/* Without C, a pc on a 2-byte boundary is as impossible; with C it is
 * an ordinary pc. */
static void test_a_pc_off_the_harts_alignment_is_refused(void **state)
{
    Bench *b = *state;
    Error *err = NULL;
    Cpu *saver = bench_cpu_config(b, NULL, false, "rv32ima", CPU_PMP_MAX, 2, 1000000, &err);
    Cpu *loader = bench_cpu_config(b, NULL, false, "rv32ima", CPU_PMP_MAX, 2, 1000000, &err);
    assert_non_null(saver);
    assert_non_null(loader);
    saver->pc = RAM_BASE + 2;
    size_t len;
    uint8_t *blob = cpu_state_save(saver, &len);
    assert_false(cpu_state_load(loader, blob, len, &err));
    assert_non_null(err);
    assert_non_null(strstr(error_message(err), "pc 0x80000002"));
    error_free(err);
    err = NULL;
    assert_int_equal(cpu_get_pc(loader), RAM_BASE);
    free(blob);
    saver->pc = RAM_BASE + 4;
    blob = cpu_state_save(saver, &len);
    assert_true(cpu_state_load(loader, blob, len, &err));
    assert_int_equal(cpu_get_pc(loader), RAM_BASE + 4);
    free(blob);
    cpu_free(saver);
    cpu_free(loader);
    /* with C, pc + 2 loads */
    busy_state(b);
    Cpu *twin = bench_cpu_config(b, NULL, false, "rv32imac", CPU_PMP_MAX, 2, 1000000, &err);
    twin->pc = RAM_BASE + 2;
    blob = cpu_state_save(twin, &len);
    cpu_free(twin);
    assert_true(cpu_state_load(b->f->cpu, blob, len, &err));
    assert_int_equal(cpu_get_pc(b->f->cpu), RAM_BASE + 2);
    free(blob);
}

/* ---- determinism on a real firmware ---- */

#define FIRMWARE "build/fw/irq_storm.elf"
#define INPUT "tests/firmware/irq_storm.in"

typedef struct Rig {
    BoardFile *file;
    Clock *clock;
    MemorySystem *ms;
    Cpu *cpu;
    Machine *machine;
    char *input;
    size_t input_len, input_pos;
    char out[512];
    size_t outlen;
    uint64_t mmio_hash;
    unsigned mmio_count;
} Rig;

typedef struct RigChardev {
    Chardev base;
    Rig *rig;
} RigChardev;

static void rig_write(Chardev *chr, const uint8_t *buf, size_t len)
{
    Rig *rig = ((RigChardev *)chr)->rig;
    for (size_t i = 0; i < len && rig->outlen + 1 < sizeof rig->out; i++)
        rig->out[rig->outlen++] = (char)buf[i];
}

static size_t rig_read(Chardev *chr, uint8_t *buf, size_t max)
{
    Rig *rig = ((RigChardev *)chr)->rig;
    size_t n = rig->input_len - rig->input_pos;
    n = n > max ? max : n;
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
    (void)device, (void)spec, (void)errp;
    RigChardev *c = calloc(1, sizeof *c);
    assert_non_null(c);
    c->base.ops = &rig_chardev_ops;
    c->rig = opaque;
    return &c->base;
}

static void rig_mmio(void *opaque, const MemoryRegion *region, uint32_t addr,
                     uint64_t offset, unsigned size, uint32_t value, bool is_write,
                     MemAccess result)
{
    (void)region, (void)offset;
    Rig *rig = opaque;
    uint64_t words[3] = {clock_now(rig->clock), (uint64_t)addr << 32 | value,
                         size | (unsigned)is_write << 4 | (unsigned)result << 8};
    rig->mmio_hash = hash_bytes(rig->mmio_hash, (const uint8_t *)words, sizeof words);
    rig->mmio_count++;
}

static void rig_stop(void *opaque) { cpu_request_stop(((Rig *)opaque)->cpu); }

static bool rig_cpu_irq(void *opaque, const char *input, IrqLine *out)
{
    return cpu_irq_input_named(((Rig *)opaque)->cpu, input, out);
}

static void rig_open(Rig *rig, bool jit)
{
    memset(rig, 0, sizeof *rig);
    Error *err = NULL;
    FILE *in = fopen(INPUT, "rb");
    assert_non_null(in);
    rig->input = malloc(4096);
    assert_non_null(rig->input);
    rig->input_len = fread(rig->input, 1, 4096, in);
    fclose(in);
    rig->file = board_file_load("boards.yaml", &err);
    assert_null(err);
    const BoardDesc *board = board_file_find(rig->file, "virt32");
    assert_non_null(board);
    rig->clock = clock_new(board->cpu.frequency_hz);
    rig->ms = memory_system_new();
    CpuConfig config = {.isa = board->cpu.isa, .frequency_hz = board->cpu.frequency_hz,
                        .clock = rig->clock, .jit = jit, .jit_threshold = 1};
    rig->cpu = cpu_new(rig->ms, &config, &err);
    assert_non_null(rig->cpu);
    MachineHooks hooks = {
        .opaque = rig, .stop = rig_stop, .open_chardev = rig_open_chardev,
        .cpu_irq = rig_cpu_irq, .clock = rig->clock, .registry = registry_devices(),
    };
    rig->machine = machine_new(rig->ms, board, &hooks, &err);
    if (err)
        fail_msg("%s", error_message(err));
    cpu_set_time_source(rig->cpu, machine_read_time, rig->machine);
    uint32_t entry;
    if (!elf_load(rig->ms, FIRMWARE, &entry, &err))
        fail_msg("%s", error_message(err));
    cpu_set_reset_pc(rig->cpu, entry);
    memory_set_mmio_observer(rig->ms, rig_mmio, rig);
}

static void rig_close(Rig *rig)
{
    memory_set_mmio_observer(rig->ms, NULL, NULL);
    machine_free(rig->machine);
    cpu_free(rig->cpu);
    memory_system_free(rig->ms);
    clock_free(rig->clock);
    board_file_free(rig->file);
    free(rig->input);
}

typedef struct Outcome {
    char out[512];
    size_t outlen;
    uint64_t mmio_hash, cycles, retired, memory_hash;
    unsigned mmio_count, captures;
    uint32_t pc, regs[32];
    int status;
} Outcome;

enum { CAPTURE_NONE, CAPTURE_ONLY, CAPTURE_AND_LOAD };

/* Runs irq_storm to its end; with captures, in slices of `every`
 * instructions, each ending with a capture of the RAM and the hart (and,
 * CAPTURE_AND_LOAD, a load of both at once). */
static Outcome run_storm(bool jit, int captures, uint64_t every)
{
    Rig rig;
    rig_open(&rig, jit);
    MemRange ram;
    assert_true(memory_lookup(rig.ms, 0x80000000u, &ram));
    Outcome o;
    memset(&o, 0, sizeof o);
    Error *err = NULL;
    CpuStopReason why;
    for (;;) {
        why = cpu_run(rig.cpu, captures == CAPTURE_NONE ? UINT64_MAX : every, &err);
        assert_null(err);
        if (why != CPU_STOP_INSN_LIMIT)
            break;
        MemoryPages *pages = memory_pages_capture(ram.mr);
        size_t len;
        uint8_t *blob = cpu_state_save(rig.cpu, &len);
        if (captures == CAPTURE_AND_LOAD) {
            assert_true(memory_pages_restore(rig.ms, ram.mr, pages, &err));
            assert_true(cpu_state_load(rig.cpu, blob, len, &err));
        }
        memory_pages_unref(pages);
        free(blob);
        o.captures++;
    }
    assert_int_equal(why, CPU_STOP_REQUESTED);
    assert_true(machine_exit_requested(rig.machine, &o.status));
    memcpy(o.out, rig.out, sizeof o.out);
    o.outlen = rig.outlen;
    o.mmio_hash = rig.mmio_hash;
    o.mmio_count = rig.mmio_count;
    o.cycles = cpu_cycles(rig.cpu);
    o.retired = cpu_instructions_retired(rig.cpu);
    o.pc = cpu_get_pc(rig.cpu);
    for (unsigned i = 0; i < 32; i++)
        o.regs[i] = cpu_get_reg(rig.cpu, i);
    o.memory_hash = hash_bytes(0, memory_region_host_ptr(ram.mr), 1u << 20);
    rig_close(&rig);
    return o;
}

static void assert_same_outcome(const Outcome *a, const Outcome *b)
{
    assert_int_equal(a->status, b->status);
    assert_int_equal(a->outlen, b->outlen);
    assert_memory_equal(a->out, b->out, a->outlen);
    assert_int_equal(a->mmio_count, b->mmio_count);
    assert_int_equal(a->mmio_hash, b->mmio_hash);
    assert_int_equal(a->cycles, b->cycles);
    assert_int_equal(a->retired, b->retired);
    assert_int_equal(a->pc, b->pc);
    assert_memory_equal(a->regs, b->regs, sizeof a->regs);
    assert_int_equal(a->memory_hash, b->memory_hash);
}

static void storm(bool jit)
{
    Outcome plain = run_storm(jit, CAPTURE_NONE, 0);
    assert_true(plain.mmio_count > 3000);
    assert_non_null(strstr(plain.out, "timer 400"));
    Outcome captured = run_storm(jit, CAPTURE_ONLY, 1999);
    assert_true(captured.captures > 80);
    assert_same_outcome(&plain, &captured);
    Outcome loaded = run_storm(jit, CAPTURE_AND_LOAD, 3001);
    assert_true(loaded.captures > 50);
    assert_same_outcome(&plain, &loaded);
}

static void test_captures_change_nothing_interpreted(void **state)
{
    (void)state;
    storm(false);
}

static void test_captures_change_nothing_translated(void **state)
{
    (void)state;
    if (!jit_here())
        skip();
    storm(true);
}

#define CASE(fn) cmocka_unit_test_setup_teardown(fn, bench_setup, bench_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        CASE(test_round_trip_runs_the_same_interpreted),
        CASE(test_round_trip_runs_the_same_translated),
        CASE(test_self_modifying_code_after_load_interpreted),
        CASE(test_self_modifying_code_after_load_translated),
        CASE(test_load_drops_decoded_code),
        CASE(test_load_drops_translated_code),
        CASE(test_pmp_and_triggers_come_back_in_force),
        CASE(test_reservation_comes_back),
        CASE(test_wfi_sleep_comes_back),
        CASE(test_load_is_not_a_debugger_resume),
        CASE(test_truncated_and_corrupt_strings_are_refused),
        CASE(test_another_harts_state_is_refused),
        CASE(test_impossible_states_are_refused),
        CASE(test_a_pc_off_the_harts_alignment_is_refused),
        cmocka_unit_test(test_captures_change_nothing_interpreted),
        cmocka_unit_test(test_captures_change_nothing_translated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
