/* The RV32 hart's run loop and memory paths (sim/cpu/): devices and stop
 * requests, stores into code, map changes, whole decoded blocks and exact
 * limits, host services, the tracer, and the debugger's breakpoints,
 * watchpoints and steps (tests/unit/cpu_fixture.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim/cpu/cpu_internal.h"
#include "tests/unit/rv_asm.h"
#include "tests/unit/cpu_fixture.h"

/* ---- memory paths ---- */

static void test_mmio_access_and_stop_request(void **state)
{
    Fixture *f = *state;
    Error *err = NULL;
    emit(f, rv_lui(S0, MMIO_BASE));
    emit(f, rv_load(LW, A0, S0, 8));
    emit(f, rv_load(LBU, A1, S0, 0x21));
    emit(f, rv_addi(A2, ZERO, 0x5a));
    emit(f, rv_store(SW, A2, S0, 0));
    emit(f, rv_store(SW, ZERO, S0, 4)); /* asks the CPU to stop */
    emit(f, rv_addi(A3, ZERO, 1));
    assert_int_equal(cpu_run(f->cpu, 100, &err), CPU_STOP_REQUESTED);
    assert_null(err);
    assert_int_equal(cpu_get_pc(f->cpu), RAM_BASE + 24);
    assert_int_equal(reg(f, A0), 0xcafe0008);
    assert_int_equal(reg(f, A1), 0xcafe0021 & 0xff);
    assert_int_equal(f->mmio_written, 0x5a);
    assert_int_equal(f->mmio_writes, 1);
    assert_int_equal(reg(f, A3), 0);
    /* The request was consumed: running on executes the next one. */
    assert_int_equal(cpu_run(f->cpu, 1, &err), CPU_STOP_INSN_LIMIT);
    assert_int_equal(reg(f, A3), 1);
}

static void test_stop_requested_before_run_returns_at_once(void **state)
{
    Fixture *f = *state;
    emit(f, RV_NOP);
    cpu_request_stop(f->cpu);
    assert_int_equal(cpu_run(f->cpu, 10, NULL), CPU_STOP_REQUESTED);
    assert_int_equal(cpu_instructions_retired(f->cpu), 0);
    assert_int_equal(cpu_run(f->cpu, 0, NULL), CPU_STOP_INSN_LIMIT);
    assert_int_equal(cpu_instructions_retired(f->cpu), 0);
}

static void test_store_into_code_is_fetched_next(void **state)
{
    Fixture *f = *state;
    emit(f, rv_lui(S0, RAM_BASE));
    emit_li(f, A1, rv_addi(A0, ZERO, 42));
    emit(f, rv_store(SW, A1, S0, 16));
    emit(f, rv_addi(A0, ZERO, 1)); /* at 16: overwritten before it runs */
    run_all(f);
    assert_int_equal(reg(f, A0), 42);
}

static void test_map_change_flushes_cached_ranges(void **state)
{
    Fixture *f = *state;
    install_skip_handler(f);
    poke32(f, RAM2_BASE, 0x11111111);
    emit(f, rv_lui(S0, RAM2_BASE));
    emit(f, rv_load(LW, A0, S0, 0));
    uint32_t second = f->pc;
    emit(f, rv_load(LW, A1, S0, 0));
    emit(f, rv_store(SW, S0, S0, 4));
    run_to(f, second);
    assert_int_equal(reg(f, A0), 0x11111111);

    /* Move ram2 away between two loads from the same cached range. */
    memory_region_set_address(f->ram2, 0xa0000000);
    run_all(f);
    assert_int_equal(reg(f, A1), 0);
    assert_log(f, 0, CPU_CAUSE_LOAD_ACCESS, RAM2_BASE);
    assert_log(f, 1, CPU_CAUSE_STORE_ACCESS, RAM2_BASE + 4);
    assert_int_equal(peek32(f, 0xa0000000), 0x11111111);
}

static void test_reset_restores_architectural_state(void **state)
{
    Fixture *f = *state;
    emit(f, rv_addi(A0, ZERO, 5));
    emit(f, rv_csrw(CSR_MSCRATCH, A0));
    run_all(f);
    cpu_reset(f->cpu);
    assert_int_equal(cpu_get_pc(f->cpu), RAM_BASE);
    assert_int_equal(reg(f, A0), 0);
    assert_int_equal(csr(f, CSR_MSCRATCH), 0);
    assert_int_equal(csr(f, CSR_MINSTRET), 0);
    assert_int_equal(cpu_instructions_retired(f->cpu), 2); /* time goes on */
}

/* ---- whole blocks, time, interrupts, wfi ----
 * These run programs in one cpu_run call, so they go through the decoded
 * block cache and its chaining, not the one-instruction path above. */

/* sum = 1 + 2 + ... + n in a0, a loop of 4 instructions per step. */
static void emit_sum_loop(Fixture *f, int32_t n)
{
    emit(f, rv_addi(A0, ZERO, 0));
    emit(f, rv_addi(A1, ZERO, n));
    emit(f, rv_add(A0, A0, A1));        /* loop: */
    emit(f, rv_addi(A1, A1, -1));
    emit(f, rv_branch(BNE, A1, ZERO, -8));
}

static void test_blocks_run_a_loop_to_the_same_result(void **state)
{
    Fixture *f = *state;
    emit_sum_loop(f, 1000);
    emit_stop(f);
    run_until_stop(f, 1000000);
    assert_int_equal(reg(f, A0), 500500);
    /* 2 + 3 * 1000 loop instructions, then li (2) and the stopping store */
    assert_int_equal(cpu_instructions_retired(f->cpu), 2 + 3000 + 3);
}

static void test_instruction_limit_is_exact_inside_blocks(void **state)
{
    Fixture *f = *state;
    emit_sum_loop(f, 1000);
    emit_stop(f);
    Error *err = NULL;
    assert_int_equal(cpu_run(f->cpu, 777, &err), CPU_STOP_INSN_LIMIT);
    assert_int_equal(cpu_instructions_retired(f->cpu), 777);
    /* 2 set-up instructions, then 775 = 258 * 3 + 1 loop instructions:
     * a0 = 1000 + 999 + ... + 743, then + 742 */
    assert_int_equal(reg(f, A0), (1000 + 742) * 259 / 2);
    assert_int_equal(cpu_get_pc(f->cpu), RAM_BASE + 12);
    run_until_stop(f, 1000000);
    assert_int_equal(reg(f, A0), 500500);
}

/* The program stores a new instruction over one it has already run (so
 * its block is cached), then runs it again. */
static void test_store_into_cached_code_is_seen(void **state)
{
    Fixture *f = *state;
    uint32_t patched = RAM_BASE + 0x100;
    emit(f, rv_addi(S0, ZERO, 0));               /* 0: pass counter */
    emit(f, rv_jal(RA, (int32_t)(patched - (RAM_BASE + 4))));  /* 4: call */
    emit(f, rv_addi(S0, S0, 1));                 /* 8 */
    emit_li(f, T0, rv_addi(A0, ZERO, 222));      /* 12, 16 */
    emit_li(f, T1, patched);                     /* 20, 24 */
    emit(f, rv_store(SW, T0, T1, 0));            /* 28: patch */
    emit(f, rv_addi(T2, ZERO, 2));               /* 32 */
    emit(f, rv_branch(BNE, S0, T2, -32));        /* 36: to 4 while s0 != 2 */
    emit_stop(f);
    f->pc = patched;
    emit(f, rv_addi(A0, ZERO, 111));
    emit(f, rv_jalr(ZERO, RA, 0));
    run_until_stop(f, 100000);
    assert_int_equal(reg(f, A0), 222);
    assert_int_equal(reg(f, S0), 2);
}

/* ---- host services and tracing ---- */

typedef struct HostLog {
    unsigned ecalls, semihosting;
} HostLog;

/* Serves ecall 64 (a7) by doubling a0; semihosting op 1 by a0 = 42;
 * anything else is left to trap. */
static bool host_service(void *opaque, Cpu *cpu, CpuHostCall call)
{
    HostLog *log = opaque;
    if (call == CPU_HOST_ECALL && cpu_get_reg(cpu, A7) == 64) {
        log->ecalls++;
        cpu_set_reg(cpu, A0, cpu_get_reg(cpu, A0) * 2);
        return true;
    }
    if (call == CPU_HOST_SEMIHOSTING && cpu_get_reg(cpu, A0) == 1) {
        log->semihosting++;
        cpu_set_reg(cpu, A0, 42);
        return true;
    }
    return false;
}

static void test_host_services_serve_ecall_and_semihosting(void **state)
{
    Fixture *f = *state;
    HostLog log = {0};
    cpu_set_host_handler(f->cpu, host_service, &log);
    install_skip_handler(f);
    emit(f, rv_addi(A7, ZERO, 64));
    emit(f, rv_addi(A0, ZERO, 21));
    emit(f, RV_ECALL);                          /* served: a0 = 42 */
    emit(f, rv_addi(S0, A0, 0));
    emit(f, rv_addi(A7, ZERO, 93));
    emit(f, RV_ECALL);                          /* not served: traps */
    emit(f, rv_addi(A0, ZERO, 1));
    emit(f, 0x01f01013);                        /* slli x0, x0, 0x1f */
    emit(f, RV_EBREAK);                         /* served */
    emit(f, 0x40705013);                        /* srai x0, x0, 7 */
    emit(f, rv_addi(S1, A0, 0));
    emit(f, RV_EBREAK);                         /* plain ebreak: traps */
    run_all(f);
    assert_int_equal(reg(f, S0), 42);
    assert_int_equal(reg(f, S1), 42);
    assert_int_equal(log.ecalls, 1);
    assert_int_equal(log.semihosting, 1);
    assert_log(f, 0, CPU_CAUSE_ECALL_M, 0);
    assert_log(f, 1, CPU_CAUSE_BREAKPOINT, f->pc - 4);
    assert_int_equal(peek32(f, LOG + 16), 0);   /* nothing else trapped */
}

typedef struct TraceLog {
    unsigned insns, traps;
    uint32_t first_pc, last_bits, trap_cause;
} TraceLog;

static void trace_insn(void *opaque, const Cpu *cpu, uint32_t pc, uint32_t bits)
{
    TraceLog *t = opaque;
    if (t->insns++ == 0)
        t->first_pc = pc;
    t->last_bits = bits;
}

static void trace_trap(void *opaque, const Cpu *cpu, uint32_t mcause,
                       uint32_t epc, uint32_t tval)
{
    TraceLog *t = opaque;
    t->traps++;
    t->trap_cause = mcause;
}

static void test_tracer_sees_every_instruction_and_trap(void **state)
{
    Fixture *f = *state;
    static const CpuTracer tracer = {.insn = trace_insn, .trap = trace_trap};
    TraceLog t = {0};
    install_skip_handler(f);
    cpu_set_tracer(f->cpu, &tracer, &t);
    emit_sum_loop(f, 10);                       /* 2 + 30 instructions */
    emit(f, RV_ECALL);                          /* traps: 9 handler insns */
    emit_stop(f);                               /* 3 */
    run_until_stop(f, 10000);
    assert_int_equal(reg(f, A0), 55);
    assert_int_equal(t.insns, 2 + 30 + 1 + 9 + 3);
    assert_int_equal(t.first_pc, RAM_BASE);
    assert_int_equal(t.traps, 1);
    assert_int_equal(t.trap_cause, CPU_CAUSE_ECALL_M);
    assert_int_equal(cpu_instructions_retired(f->cpu), 2 + 30 + 9 + 3);
}

/* ---- debugger breakpoints and watchpoints ---- */

static CpuStopReason run_once(Fixture *f, uint64_t budget)
{
    Error *err = NULL;
    CpuStopReason why = cpu_run(f->cpu, budget, &err);
    if (err) {
        char message[512];
        snprintf(message, sizeof message, "%s", error_message(err));
        error_free(err);
        fail_msg("%s", message);
    }
    return why;
}

static void test_breakpoints_stop_before_the_instruction(void **state)
{
    Fixture *f = *state;
    emit_sum_loop(f, 5);                        /* loop body at +8 */
    emit_stop(f);
    uint32_t body = RAM_BASE + 8;
    cpu_breakpoint_add(f->cpu, body);
    cpu_breakpoint_add(f->cpu, body);           /* twice: harmless */
    for (int i = 0; i < 5; i++) {
        assert_int_equal(run_once(f, 100000), CPU_STOP_BREAKPOINT);
        assert_int_equal(cpu_get_pc(f->cpu), body);
        /* not executed: a0 holds the sum of the iterations before */
        assert_int_equal(reg(f, A0), (uint32_t)(5 + 4 + 3 + 2 + 1) - (uint32_t)((5 - i) * (5 - i + 1) / 2));
    }
    cpu_breakpoint_remove(f->cpu, body);
    cpu_breakpoint_remove(f->cpu, body);        /* missing: harmless */
    assert_int_equal(run_once(f, 100000), CPU_STOP_REQUESTED);
    assert_int_equal(reg(f, A0), 15);
}

static void test_breakpoint_in_rom_and_single_step_over_it(void **state)
{
    Fixture *f = *state;
    f->pc = ROM_BASE;
    emit(f, rv_addi(A0, ZERO, 1));
    emit(f, rv_addi(A0, A0, 1));                /* breakpoint here */
    emit(f, rv_addi(A0, A0, 1));
    cpu_set_pc(f->cpu, ROM_BASE);
    cpu_breakpoint_add(f->cpu, ROM_BASE + 4);
    assert_int_equal(run_once(f, 100), CPU_STOP_BREAKPOINT);
    assert_int_equal(cpu_get_pc(f->cpu), ROM_BASE + 4);
    assert_int_equal(reg(f, A0), 1);
    assert_int_equal(run_once(f, 1), CPU_STOP_INSN_LIMIT); /* a step */
    assert_int_equal(cpu_get_pc(f->cpu), ROM_BASE + 8);
    assert_int_equal(reg(f, A0), 2);
    uint32_t word;
    assert_true(memory_debug_read(f->ms, ROM_BASE + 4, &word, 4, NULL));
    assert_int_equal(word, rv_addi(A0, A0, 1)); /* ROM untouched */
}

static void test_watchpoints_stop_before_the_access(void **state)
{
    Fixture *f = *state;
    poke32(f, DATA, 7);
    emit_li(f, T0, DATA);
    emit(f, rv_load(LW, A0, T0, 0));            /* +8: read */
    emit(f, rv_addi(A0, A0, 1));
    emit(f, rv_store(SW, A0, T0, 0));           /* +16: write */
    emit(f, rv_store(SW, A0, T0, 8));           /* outside the watch */
    emit_stop(f);
    assert_true(cpu_watchpoint_add(f->cpu, DATA, 4, CPU_WATCH_WRITE));
    assert_int_equal(run_once(f, 1000), CPU_STOP_WATCHPOINT);
    assert_int_equal(cpu_get_pc(f->cpu), RAM_BASE + 16);
    assert_int_equal(peek32(f, DATA), 7);       /* not written yet */
    uint32_t addr;
    CpuWatchKind kind;
    cpu_watch_hit(f->cpu, &addr, &kind);
    assert_int_equal(addr, DATA);
    assert_int_equal(kind, CPU_WATCH_WRITE);
    assert_int_equal(run_once(f, 1000), CPU_STOP_REQUESTED);
    assert_int_equal(peek32(f, DATA), 8);
    cpu_watchpoint_remove(f->cpu, DATA, 4, CPU_WATCH_WRITE);

    /* read and access watches see the load */
    cpu_set_pc(f->cpu, RAM_BASE);
    assert_true(cpu_watchpoint_add(f->cpu, DATA + 2, 2, CPU_WATCH_ACCESS));
    assert_int_equal(run_once(f, 1000), CPU_STOP_WATCHPOINT);
    assert_int_equal(cpu_get_pc(f->cpu), RAM_BASE + 8);
    cpu_watch_hit(f->cpu, &addr, &kind);
    assert_int_equal(addr, DATA + 2);
    assert_int_equal(kind, CPU_WATCH_ACCESS);
    assert_int_equal(run_once(f, 1000), CPU_STOP_WATCHPOINT); /* the store */
    assert_int_equal(cpu_get_pc(f->cpu), RAM_BASE + 16);
    assert_false(cpu_watchpoint_add(f->cpu, 0xfffffffe, 4, CPU_WATCH_READ));
}

/* A debugger step over an instruction that traps stops on the handler's
 * first instruction, not after it. */
static void test_step_over_a_trap_stops_in_the_handler(void **state)
{
    Fixture *f = *state;
    install_stop_handler(f);
    emit(f, RV_ECALL);
    Error *err = NULL;
    assert_int_equal(cpu_step(f->cpu, &err), CPU_STOP_INSN_LIMIT);
    assert_int_equal(cpu_get_pc(f->cpu), HANDLER);
    assert_int_equal(reg(f, T5), 0);            /* the handler has not run */
    assert_int_equal(cpu_step(f->cpu, &err), CPU_STOP_INSN_LIMIT);
    assert_int_equal(cpu_get_pc(f->cpu), HANDLER + 4);
    assert_int_equal(reg(f, T5), 1);
}

/* Only the instruction a breakpoint or watchpoint stop reported is let
 * through: after a step (or any other stop) the next one is checked. */
static void test_watchpoint_right_after_a_step_stops(void **state)
{
    Fixture *f = *state;
    emit_li(f, T0, DATA);
    emit(f, rv_store(SW, A0, T0, 0));
    emit_stop(f);
    assert_int_equal(run_once(f, 2), CPU_STOP_INSN_LIMIT); /* onto the store */
    assert_int_equal(cpu_get_pc(f->cpu), RAM_BASE + 8);
    assert_true(cpu_watchpoint_add(f->cpu, DATA, 4, CPU_WATCH_WRITE));
    assert_int_equal(run_once(f, 1000), CPU_STOP_WATCHPOINT);
    assert_int_equal(cpu_get_pc(f->cpu), RAM_BASE + 8);
    assert_int_equal(run_once(f, 1000), CPU_STOP_REQUESTED);
}

/* A breakpoint on a store that a watchpoint watches: the continue after
 * the breakpoint stop lets the breakpoint through, not the watchpoint,
 * which then stops before the store (gdb would otherwise miss that
 * write); the continue after the watchpoint stop runs the store. */
static void test_watchpoint_on_a_breakpointed_store_stops(void **state)
{
    Fixture *f = *state;
    poke32(f, DATA, 7);
    emit_li(f, T0, DATA);
    emit(f, rv_addi(A0, ZERO, 9));
    emit(f, rv_store(SW, A0, T0, 0));           /* +12 */
    emit_stop(f);
    cpu_breakpoint_add(f->cpu, RAM_BASE + 12);
    assert_true(cpu_watchpoint_add(f->cpu, DATA, 4, CPU_WATCH_WRITE));
    assert_int_equal(run_once(f, 1000), CPU_STOP_BREAKPOINT);
    assert_int_equal(cpu_get_pc(f->cpu), RAM_BASE + 12);
    assert_int_equal(run_once(f, 1000), CPU_STOP_WATCHPOINT);
    assert_int_equal(cpu_get_pc(f->cpu), RAM_BASE + 12);
    assert_int_equal(peek32(f, DATA), 7);       /* not written yet */
    assert_int_equal(run_once(f, 1000), CPU_STOP_REQUESTED);
    assert_int_equal(peek32(f, DATA), 9);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_mmio_access_and_stop_request),
        T(test_stop_requested_before_run_returns_at_once),
        T(test_store_into_code_is_fetched_next),
        T(test_map_change_flushes_cached_ranges),
        T(test_reset_restores_architectural_state),
        T(test_blocks_run_a_loop_to_the_same_result),
        T(test_instruction_limit_is_exact_inside_blocks),
        T(test_store_into_cached_code_is_seen),
        T(test_host_services_serve_ecall_and_semihosting),
        T(test_tracer_sees_every_instruction_and_trap),
        T(test_breakpoints_stop_before_the_instruction),
        T(test_breakpoint_in_rom_and_single_step_over_it),
        T(test_watchpoints_stop_before_the_access),
        T(test_watchpoint_right_after_a_step_stops),
        T(test_watchpoint_on_a_breakpointed_store_stops),
        T(test_step_over_a_trap_stops_in_the_handler),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
