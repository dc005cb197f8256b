/* The RV32 hart's privileged side (sim/cpu/): CSRs, counters, traps,
 * interrupts and wfi with virtual time, user mode and PMP, and resets.
 * Each test assembles a few instructions into RAM (tests/unit/cpu_fixture.h),
 * runs them and checks CSRs and the traps taken. */
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

/* ---- Zicsr ---- */

static void test_csr_read_write_set_clear(void **state)
{
    Fixture *f = *state;
    emit(f, rv_addi(A0, ZERO, 0xf0));
    emit(f, rv_addi(A3, ZERO, 0x0f));
    emit(f, rv_csr(CSRRW, A1, CSR_MSCRATCH, A0));   /* 0 -> 0xf0 */
    emit(f, rv_csr(CSRRS, A2, CSR_MSCRATCH, A3));   /* -> 0xff */
    emit(f, rv_csr(CSRRC, A4, CSR_MSCRATCH, A0));   /* -> 0x0f */
    emit(f, rv_csr(CSRRWI, A6, CSR_MSCRATCH, 0x15));
    emit(f, rv_csr(CSRRSI, A7, CSR_MSCRATCH, 0x02)); /* -> 0x17 */
    emit(f, rv_csr(CSRRCI, S2, CSR_MSCRATCH, 0x01)); /* -> 0x16 */
    emit(f, rv_csrr(S3, CSR_MSCRATCH));
    emit(f, rv_csr(CSRRW, A1, CSR_MSCRATCH, A1));   /* swap with itself */
    emit(f, rv_addi(T0, ZERO, -1));
    emit(f, rv_csrw(CSR_MSTATUS, T0));
    emit(f, rv_csrr(S4, CSR_MSTATUS));
    emit(f, rv_csrw(CSR_MIE, T0));
    emit(f, rv_csrr(S5, CSR_MIE));
    emit(f, rv_csrr(S6, CSR_MISA));
    emit(f, rv_csrr(S7, CSR_MHARTID));
    emit(f, rv_csrw(CSR_MEPC, T0));
    emit(f, rv_csrr(S8, CSR_MEPC));
    run_all(f);
    assert_int_equal(reg(f, A1), 0x16);
    assert_int_equal(reg(f, A2), 0xf0);
    assert_int_equal(reg(f, A4), 0xff);
    assert_int_equal(reg(f, A6), 0x0f);
    assert_int_equal(reg(f, A7), 0x15);
    assert_int_equal(reg(f, S2), 0x17);
    assert_int_equal(reg(f, S3), 0x16);
    assert_int_equal(csr(f, CSR_MSCRATCH), 0);
    /* Only MIE, MPIE, MPP, MPRV and TW are writable. */
    assert_int_equal(reg(f, S4), MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP |
                                     MSTATUS_MPRV | MSTATUS_TW);
    assert_int_equal(reg(f, S5), 0x888);
    assert_int_equal(reg(f, S6), 0x40101105); /* RV32 I M A C U */
    assert_int_equal(reg(f, S7), 0);
    assert_int_equal(reg(f, S8), 0xfffffffe);
}

static void test_mtvec_keeps_mode_direct_or_vectored(void **state)
{
    Fixture *f = *state;
    assert_true(cpu_csr_set(f->cpu, CSR_MTVEC, 0x80001001));
    assert_int_equal(csr(f, CSR_MTVEC), 0x80001001);
    assert_true(cpu_csr_set(f->cpu, CSR_MTVEC, 0x80001002)); /* reserved */
    assert_int_equal(csr(f, CSR_MTVEC), 0x80001000);
}

static void test_unknown_or_read_only_csr_is_illegal(void **state)
{
    Fixture *f = *state;
    install_skip_handler(f);
    emit(f, rv_addi(A1, ZERO, 1));
    uint32_t unknown = rv_csrr(A0, 0x7c0);
    uint32_t write_ro = rv_csrw(CSR_MVENDORID, A1);
    uint32_t set_cycle = rv_csr(CSRRS, A0, CSR_CYCLE, A1);
    uint32_t read_time = rv_csrr(A0, 0xc01);
    emit(f, unknown);
    emit(f, write_ro);
    emit(f, rv_csr(CSRRS, A2, CSR_MHARTID, ZERO));  /* read-only read: fine */
    emit(f, rv_csr(CSRRSI, A3, CSR_MARCHID, 0));    /* uimm 0: no write */
    emit(f, set_cycle);
    emit(f, read_time);
    run_all(f);
    assert_log(f, 0, CPU_CAUSE_ILLEGAL, unknown);
    assert_log(f, 1, CPU_CAUSE_ILLEGAL, write_ro);
    assert_log(f, 2, CPU_CAUSE_ILLEGAL, set_cycle);
    assert_log(f, 3, CPU_CAUSE_ILLEGAL, read_time);
    assert_int_equal(reg(f, S11), LOG + 32);
    assert_int_equal(reg(f, A0), 0); /* never written by a trapping csr op */
}

static void test_misa_reflects_the_isa(void **state)
{
    Fixture *f = *state;
    static const struct {
        const char *isa;
        uint32_t misa;
    } cases[] = {
        {"rv32i", 0x40100100}, {"rv32im", 0x40101100}, {"rv32imc", 0x40101104},
        {"rv32ic", 0x40100104}, {"rv32imac", 0x40101105}, {"rv32ec", 0x40100014},
        {"rv32ima_zicsr_zifencei", 0x40101101},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        use_isa(f, cases[i].isa);
        assert_int_equal(csr(f, CSR_MISA), cases[i].misa);
    }
}

static void test_counters_count_retired_instructions(void **state)
{
    Fixture *f = *state;
    emit(f, rv_csrr(A0, CSR_MINSTRET));
    emit(f, RV_NOP);
    emit(f, RV_NOP);
    emit(f, rv_csrr(A1, CSR_MINSTRET));
    emit(f, rv_csrr(A2, CSR_MCYCLE));
    emit(f, rv_csrr(A3, CSR_CYCLE));
    emit(f, rv_addi(T0, ZERO, 100));
    emit(f, rv_csrw(CSR_MINSTRET, T0));
    emit(f, rv_csrr(A4, CSR_MINSTRET));
    emit(f, rv_csrw(CSR_MCYCLEH, T0));
    emit(f, rv_csrr(A5, CSR_MCYCLEH));
    emit(f, rv_csrr(A6, CSR_INSTRETH));
    emit(f, rv_csrr(A7, CSR_INSTRET));
    run_all(f);
    assert_int_equal(reg(f, A0), 0);
    assert_int_equal(reg(f, A1), 3);
    assert_int_equal(reg(f, A2), 4);
    assert_int_equal(reg(f, A3), 5);
    assert_int_equal(reg(f, A4), 100);  /* the written value, next insn */
    assert_int_equal(reg(f, A5), 100);
    assert_int_equal(reg(f, A6), 0);
    assert_int_equal(reg(f, A7), 104);
    assert_int_equal(cpu_instructions_retired(f->cpu), 13);
}

/* ---- traps ---- */

static void test_illegal_instruction_traps_with_bits_in_mtval(void **state)
{
    Fixture *f = *state;
    install_stop_handler(f);
    emit(f, rv_csr(CSRRSI, ZERO, CSR_MSTATUS, MSTATUS_MIE));
    emit(f, 0x1234500b); /* custom-0: no such instruction here */
    run_to(f, HANDLER + 4);
    assert_trap(f, CPU_CAUSE_ILLEGAL, RAM_BASE + 4, 0x1234500b);
    assert_int_equal(reg(f, T5), 1);
    /* Trap entry saves MIE into MPIE and clears MIE. */
    assert_int_equal(csr(f, CSR_MSTATUS), MSTATUS_MPIE | MSTATUS_MPP);
    /* The trapping instruction did not retire. */
    assert_int_equal(cpu_instructions_retired(f->cpu), 2);
}

static void test_ecall_and_ebreak_causes(void **state)
{
    Fixture *f = *state;
    install_skip_handler(f);
    emit(f, RV_ECALL);
    emit(f, RV_EBREAK);
    uint32_t c_ebreak_pc = f->pc;
    emit16(f, C_EBREAK);
    emit16(f, C_NOP);
    run_all(f);
    assert_log(f, 0, CPU_CAUSE_ECALL_M, 0);
    assert_log(f, 1, CPU_CAUSE_BREAKPOINT, RAM_BASE + 4);
    assert_log(f, 2, CPU_CAUSE_BREAKPOINT, c_ebreak_pc);
}

static void test_misaligned_load_and_store_trap(void **state)
{
    Fixture *f = *state;
    install_skip_handler(f);
    emit(f, rv_lui(S0, DATA));
    emit(f, rv_addi(A0, ZERO, 77));
    emit(f, rv_load(LW, A0, S0, 2));
    emit(f, rv_load(LH, A0, S0, 1));
    emit(f, rv_store(SW, A0, S0, 1));
    emit(f, rv_store(SH, A0, S0, 3));
    emit(f, rv_load(LB, A1, S0, 1));   /* bytes are never misaligned */
    run_all(f);
    assert_log(f, 0, CPU_CAUSE_LOAD_MISALIGNED, DATA + 2);
    assert_log(f, 1, CPU_CAUSE_LOAD_MISALIGNED, DATA + 1);
    assert_log(f, 2, CPU_CAUSE_STORE_MISALIGNED, DATA + 1);
    assert_log(f, 3, CPU_CAUSE_STORE_MISALIGNED, DATA + 3);
    assert_int_equal(reg(f, S11), LOG + 32);
    assert_int_equal(reg(f, A0), 77);  /* a trapping load writes nothing */
    assert_int_equal(peek32(f, DATA), 0);
}

static void test_access_faults_for_unmapped_rom_and_bus_errors(void **state)
{
    Fixture *f = *state;
    const uint32_t rom_word = 0x5a5aa5a5;
    poke32(f, ROM_BASE, rom_word); /* the debugger may write ROM */
    install_skip_handler(f);
    emit(f, rv_lui(S0, ROM_BASE));
    emit(f, rv_lui(S1, MMIO_BASE));
    emit(f, rv_addi(A1, ZERO, -1));
    emit(f, rv_load(LW, A0, ZERO, 0x40));    /* unmapped */
    emit(f, rv_store(SW, A1, ZERO, 0x40));   /* unmapped */
    emit(f, rv_store(SW, A1, S0, 0));        /* ROM */
    emit(f, rv_store(SB, A1, S0, 3));        /* ROM */
    emit(f, rv_load(LW, A2, S0, 0));         /* ROM reads fine */
    emit(f, rv_load(LW, A3, S1, 0x10));      /* device refuses */
    emit(f, rv_store(SW, A1, S1, 0x10));     /* device refuses */
    emit(f, rv_load(LW, A4, S1, 0xfc));      /* last word of the device */
    emit(f, rv_load(LW, A5, S1, 0x100));     /* just past it: unmapped */
    run_all(f);
    assert_log(f, 0, CPU_CAUSE_LOAD_ACCESS, 0x40);
    assert_log(f, 1, CPU_CAUSE_STORE_ACCESS, 0x40);
    assert_log(f, 2, CPU_CAUSE_STORE_ACCESS, ROM_BASE);
    assert_log(f, 3, CPU_CAUSE_STORE_ACCESS, ROM_BASE + 3);
    assert_log(f, 4, CPU_CAUSE_LOAD_ACCESS, MMIO_BASE + 0x10);
    assert_log(f, 5, CPU_CAUSE_STORE_ACCESS, MMIO_BASE + 0x10);
    assert_log(f, 6, CPU_CAUSE_LOAD_ACCESS, MMIO_BASE + 0x100);
    assert_int_equal(reg(f, S11), LOG + 7 * 8);
    assert_int_equal(reg(f, A2), rom_word);
    assert_int_equal(reg(f, A4), 0xcafe00fc);
    assert_int_equal(peek32(f, ROM_BASE), rom_word);
    assert_int_equal(f->mmio_writes, 0);
}

static void test_fetch_from_unmapped_or_past_the_end_faults(void **state)
{
    Fixture *f = *state;
    install_stop_handler(f);
    emit(f, rv_lui(T0, 0x40000000));
    emit(f, rv_jalr(RA, T0, 0));
    run_to(f, HANDLER + 4);
    assert_trap(f, CPU_CAUSE_FETCH_ACCESS, 0x40000000, 0x40000000);
    assert_int_equal(reg(f, RA), RAM_BASE + 8); /* the jump retired */

    /* A 32-bit instruction whose upper half lies past the end of RAM. */
    const uint16_t low_half = 0x0513; /* addi a0, ... */
    poke(f, RAM_BASE + RAM_SIZE - 2, &low_half, 2);
    cpu_set_pc(f->cpu, RAM_BASE + RAM_SIZE - 2);
    run_to(f, HANDLER + 4);
    assert_trap(f, CPU_CAUSE_FETCH_ACCESS, RAM_BASE + RAM_SIZE - 2,
                RAM_BASE + RAM_SIZE);
}

static void test_mret_restores_interrupt_enable(void **state)
{
    Fixture *f = *state;
    f->pc = HANDLER; /* notes mstatus, skips the ecall, returns */
    emit(f, rv_csrr(T4, CSR_MSTATUS));
    emit(f, rv_csrr(T6, CSR_MEPC));
    emit(f, rv_addi(T6, T6, 4));
    emit(f, rv_csrw(CSR_MEPC, T6));
    emit(f, RV_MRET);
    assert_true(cpu_csr_set(f->cpu, CSR_MTVEC, HANDLER));
    f->pc = RAM_BASE;
    emit(f, rv_csr(CSRRSI, ZERO, CSR_MSTATUS, MSTATUS_MIE));
    emit(f, RV_ECALL);
    emit(f, rv_addi(A0, ZERO, 1));
    run_all(f);
    assert_int_equal(reg(f, T4), MSTATUS_MPIE | MSTATUS_MPP); /* from M */
    assert_int_equal(reg(f, A0), 1);
    /* mret: MIE from MPIE, MPIE set, MPP back to U */
    assert_int_equal(csr(f, CSR_MSTATUS), MSTATUS_MIE | MSTATUS_MPIE);
    assert_trap(f, CPU_CAUSE_ECALL_M, RAM_BASE + 8, 0); /* mepc was bumped */
}

static void test_vectored_mtvec_sends_exceptions_to_base(void **state)
{
    Fixture *f = *state;
    install_stop_handler(f);
    assert_true(cpu_csr_set(f->cpu, CSR_MTVEC, HANDLER | 1));
    emit(f, RV_ECALL);
    assert_int_equal(cpu_run(f->cpu, 1, NULL), CPU_STOP_INSN_LIMIT);
    assert_int_equal(cpu_get_pc(f->cpu), HANDLER + 4); /* not HANDLER + 44 */
    assert_int_equal(reg(f, T5), 1);
    assert_int_equal(csr(f, CSR_MCAUSE), CPU_CAUSE_ECALL_M);
}

static void test_trap_without_handler_is_a_fault(void **state)
{
    Fixture *f = *state;
    Error *err = NULL;
    for (int i = 0; i < 4; i++)
        emit(f, RV_NOP);
    /* then 0x00000000, illegal; mtvec is 0 after reset and 0 is unmapped */
    assert_int_equal(cpu_run(f->cpu, 100, &err), CPU_STOP_FAULT);
    assert_non_null(err);
    assert_string_equal(error_message(err),
                        "illegal instruction 0x00000000 at pc 0x80000010 "
                        "(mcause 2, mtval 0x0); no trap handler "
                        "(mtvec 0x00000000 unmapped)");
    error_free(err);
    /* The trap was not taken: the state shows the faulting instruction. */
    assert_int_equal(cpu_get_pc(f->cpu), RAM_BASE + 0x10);
    assert_int_equal(cpu_instructions_retired(f->cpu), 4);
    assert_int_equal(csr(f, CSR_MCAUSE), 0);
}

static void test_trap_loop_in_handler_is_a_fault(void **state)
{
    Fixture *f = *state;
    Error *err = NULL;
    assert_true(cpu_csr_set(f->cpu, CSR_MTVEC, DATA)); /* zeros: illegal */
    emit(f, RV_NOP);
    emit(f, RV_ECALL);
    assert_int_equal(cpu_run(f->cpu, 100, &err), CPU_STOP_FAULT);
    assert_non_null(err);
    assert_string_equal(error_message(err),
                        "ecall from M-mode at pc 0x80000004 (mcause 11, "
                        "mtval 0x0); the trap handler at 0x80002000 faulted: "
                        "illegal instruction 0x00000000 at pc 0x80002000 "
                        "(mcause 2, mtval 0x0)");
    error_free(err);
    /* The first trap was taken, the second was not. */
    assert_int_equal(cpu_get_pc(f->cpu), DATA);
    assert_trap(f, CPU_CAUSE_ECALL_M, RAM_BASE + 4, 0);
}

static void test_handler_that_retires_first_is_not_a_loop(void **state)
{
    Fixture *f = *state;
    install_skip_handler(f);
    /* The same ecall handled twice in a row, each time retiring the
     * handler's instructions first: no fault. */
    emit(f, RV_ECALL);
    emit(f, RV_ECALL);
    run_all(f);
    assert_int_equal(reg(f, S11), LOG + 16);
}

/* A CPU with virtual time: events fire at exact cycles. */
typedef struct TimedFixture {
    Clock *clock;
    ClockEvent *event;
    IrqLine line;
    bool level;
} TimedFixture;

static void raise_line(void *opaque)
{
    TimedFixture *t = opaque;
    irq_set(&t->line, t->level);
}

static void use_clock(Fixture *f, TimedFixture *t, unsigned irq, uint64_t when)
{
    Error *err = NULL;
    t->clock = clock_new(1000000);
    CpuConfig config = {.isa = "rv32imac", .reset_pc = RAM_BASE,
                        .frequency_hz = 1000000, .clock = t->clock};
    cpu_free(f->cpu);
    f->cpu = cpu_new(f->ms, &config, &err);
    assert_non_null(f->cpu);
    t->line = cpu_irq_input(f->cpu, irq);
    t->level = true;
    t->event = clock_event_new(t->clock, raise_line, t);
    clock_event_schedule(t->event, when);
}

static void drop_clock(Fixture *f, TimedFixture *t)
{
    cpu_free(f->cpu);
    f->cpu = NULL;
    clock_event_free(t->event);
    clock_free(t->clock);
}

static void test_wfi_with_nothing_to_wake_it_is_a_fault(void **state)
{
    Fixture *f = *state;
    emit(f, RV_WFI);
    Error *err = NULL;
    assert_int_equal(cpu_run(f->cpu, 100, &err), CPU_STOP_FAULT);
    assert_non_null(strstr(error_message(err), "wfi at pc 0x80000000"));
    assert_non_null(strstr(error_message(err), "sleep forever"));
    error_free(err);
}

static void test_wfi_sleeps_to_the_event_and_wakes_without_a_trap(void **state)
{
    Fixture *f = *state;
    TimedFixture t;
    use_clock(f, &t, CPU_IRQ_MTI, 5000);
    install_stop_handler(f);
    emit(f, rv_addi(T0, ZERO, 0x80));
    emit(f, rv_csrw(CSR_MIE, T0));      /* MTIE, but mstatus.MIE stays 0 */
    emit(f, RV_WFI);
    emit(f, rv_csrr(A0, CSR_MCYCLE));
    emit(f, rv_csrr(A1, CSR_MINSTRET));
    emit_stop(f);
    run_until_stop(f, 1000);
    assert_int_equal(reg(f, T5), 0);                   /* no trap taken */
    assert_int_equal(reg(f, A0), 5000);                /* slept to the event */
    assert_int_equal(reg(f, A1), 4);                   /* instructions only */
    assert_int_equal(clock_now(t.clock) >= 5000, true);
    drop_clock(f, &t);
}

typedef struct ModeLog {
    unsigned n;
    bool sleeping[8];
    uint64_t cycles[8];
} ModeLog;

static void log_mode(void *opaque, const Cpu *cpu, const CpuExecEvent *e)
{
    ModeLog *log = opaque;
    (void)cpu;
    if (log->n < 8) {
        log->sleeping[log->n] = e->sleeping;
        log->cycles[log->n] = e->cycles;
    }
    log->n++;
}

/* Observers (waveforms, profiles) hear the hart fall asleep in wfi, and
 * wake when a debugger moves the pc (gdb's `jump`, the monitor's `reg
 * pc`), at the cycle it happened. */
static void test_mode_events_follow_sleep_and_a_debugger_moving_the_pc(void **state)
{
    Fixture *f = *state;
    TimedFixture t;
    use_clock(f, &t, CPU_IRQ_MTI, 5000);
    emit(f, rv_addi(T0, ZERO, 0x80));
    emit(f, rv_csrw(CSR_MIE, T0));
    emit(f, RV_WFI);
    emit(f, rv_addi(A0, ZERO, 1));
    ModeLog log = {0};
    assert_true(cpu_add_exec_observer(f->cpu, CPU_EXEC_MODE, log_mode, &log));
    Error *err = NULL;
    assert_int_equal(cpu_run(f->cpu, 3, &err), CPU_STOP_INSN_LIMIT);
    assert_int_equal(log.n, 1);
    assert_true(log.sleeping[0]);
    assert_int_equal(log.cycles[0], 3);
    cpu_set_pc(f->cpu, RAM_BASE + 12);
    assert_int_equal(log.n, 2);
    assert_false(log.sleeping[1]);
    assert_int_equal(log.cycles[1], 3);
    cpu_remove_exec_observer(f->cpu, log_mode, &log);
    drop_clock(f, &t);
}

/* A debugger's write to a counter (gdb, the monitor's `reg`) reads back
 * as written: no instruction retires with it. */
static void test_debugger_counter_writes_read_back_as_written(void **state)
{
    Fixture *f = *state;
    for (unsigned i = 0; i < 10; i++)
        emit(f, rv_addi(A0, A0, 1));
    Error *err = NULL;
    assert_int_equal(cpu_run(f->cpu, 10, &err), CPU_STOP_INSN_LIMIT);
    uint32_t v = 0;
    assert_true(cpu_set_csr(f->cpu, CSR_MCYCLE, 100));
    assert_true(cpu_get_csr(f->cpu, CSR_MCYCLE, &v));
    assert_int_equal(v, 100);
    assert_true(cpu_set_csr(f->cpu, CSR_MCYCLEH, 0));
    assert_true(cpu_get_csr(f->cpu, CSR_MCYCLE, &v));
    assert_int_equal(v, 100);
    assert_true(cpu_get_csr(f->cpu, CSR_MINSTRET, &v));
    assert_int_equal(v, 10);
    assert_true(cpu_set_csr(f->cpu, CSR_MCOUNTINHIBIT, 5)); /* CY and IR stop */
    assert_true(cpu_get_csr(f->cpu, CSR_MCYCLE, &v));
    assert_int_equal(v, 100);
    assert_true(cpu_get_csr(f->cpu, CSR_MINSTRET, &v));
    assert_int_equal(v, 10);
}

static void test_timer_interrupt_enters_vectored_handler(void **state)
{
    Fixture *f = *state;
    TimedFixture t;
    use_clock(f, &t, CPU_IRQ_MTI, 300);
    uint32_t saved = f->pc;
    f->pc = HANDLER + 4 * CPU_IRQ_MTI;
    emit(f, rv_csrr(A0, CSR_MCAUSE));
    emit(f, rv_csrr(A1, CSR_MEPC));
    emit(f, rv_csrr(A2, CSR_MSTATUS));
    emit_stop(f);
    f->pc = saved;
    emit_li(f, T0, HANDLER | 1);
    emit(f, rv_csrw(CSR_MTVEC, T0));
    emit(f, rv_addi(T0, ZERO, 0x80));
    emit(f, rv_csrw(CSR_MIE, T0));
    emit(f, rv_csr(CSRRSI, ZERO, CSR_MSTATUS, 8)); /* MIE on */
    uint32_t spin = f->pc;
    emit(f, rv_jal(ZERO, 0));                        /* spin here */
    run_until_stop(f, 100000);
    assert_int_equal(reg(f, A0), 0x80000007u);
    assert_int_equal(reg(f, A1), spin);
    assert_int_equal(reg(f, A2) & (MSTATUS_MIE | MSTATUS_MPIE), MSTATUS_MPIE);
    /* taken at the block boundary at or after cycle 300, not before */
    assert_true(cpu_instructions_retired(f->cpu) >= 300);
    assert_true(cpu_instructions_retired(f->cpu) < 300 + CPU_BLOCK_MAX + 8);
    drop_clock(f, &t);
}

static void test_interrupt_priority_is_mei_msi_mti(void **state)
{
    Fixture *f = *state;
    IrqLine msi = cpu_irq_input(f->cpu, CPU_IRQ_MSI);
    IrqLine mti = cpu_irq_input(f->cpu, CPU_IRQ_MTI);
    IrqLine mei = cpu_irq_input(f->cpu, CPU_IRQ_MEI);
    irq_set(&mti, true);
    irq_set(&msi, true);
    irq_set(&mei, true);
    assert_int_equal(csr(f, CSR_MIP), MIP_MSIP | MIP_MTIP | MIP_MEIP);
    assert_int_equal(cpu_pending_interrupt(f->cpu), -1); /* mie is 0 */
    assert_true(cpu_set_csr(f->cpu, CSR_MIE, MIE_WRITABLE));
    assert_int_equal(cpu_pending_interrupt(f->cpu), -1); /* mstatus.MIE is 0 */
    assert_true(cpu_set_csr(f->cpu, CSR_MSTATUS, MSTATUS_MIE));
    assert_int_equal(cpu_pending_interrupt(f->cpu), CPU_IRQ_MEI);
    irq_set(&mei, false);
    assert_int_equal(cpu_pending_interrupt(f->cpu), CPU_IRQ_MSI);
    irq_set(&msi, false);
    assert_int_equal(cpu_pending_interrupt(f->cpu), CPU_IRQ_MTI);
    irq_set(&mti, false);
    assert_int_equal(cpu_pending_interrupt(f->cpu), -1);
    assert_int_equal(csr(f, CSR_MIP), 0);
}

/* A time source that reads *opaque, or (once it is UINT64_MAX) has gone,
 * as the machine's does when its CLINT is removed. */
static bool fixed_time(void *opaque, uint64_t *now)
{
    uint64_t t = *(uint64_t *)opaque;
    if (t == UINT64_MAX)
        return false;
    *now = t;
    return true;
}

static void test_time_csr_reads_the_time_source(void **state)
{
    Fixture *f = *state;
    uint64_t now = 0x123456789abcull;
    emit(f, rv_csrr(A0, CSR_TIME));
    Error *err = NULL;
    install_stop_handler(f);
    /* no source yet: illegal, and the one instruction run is the handler's */
    assert_int_equal(cpu_run(f->cpu, 1, &err), CPU_STOP_INSN_LIMIT);
    assert_int_equal(reg(f, T5), 1);
    assert_int_equal(csr(f, CSR_MCAUSE), CPU_CAUSE_ILLEGAL);
    cpu_set_time_source(f->cpu, fixed_time, &now);
    cpu_set_pc(f->cpu, RAM_BASE);
    f->pc = RAM_BASE;
    emit(f, rv_csrr(A0, CSR_TIME));
    emit(f, rv_csrr(A1, CSR_TIMEH));
    run_all(f);
    assert_int_equal(reg(f, A0), 0x56789abc);
    assert_int_equal(reg(f, A1), 0x1234);

    /* the source goes (its CLINT removed): illegal again */
    now = UINT64_MAX;
    uint32_t at = RAM_BASE + 0x100;
    cpu_set_pc(f->cpu, at);
    f->pc = at;
    emit(f, rv_csrr(A0, CSR_TIME));
    assert_int_equal(cpu_run(f->cpu, 1, &err), CPU_STOP_INSN_LIMIT);
    assert_int_equal(csr(f, CSR_MCAUSE), CPU_CAUSE_ILLEGAL);
    assert_int_equal(csr(f, CSR_MEPC), at);
}

/* ---- user mode, PMP, counters, RV32E ---- */

enum { USER_CODE = 0x80004000u };

/* Points mepc at USER_CODE with MPP = U, so the next mret enters U-mode. */
static void emit_enter_user(Fixture *f)
{
    emit_li(f, T0, USER_CODE);
    emit(f, rv_csrw(CSR_MEPC, T0));
    emit_li(f, T0, MSTATUS_MPP);
    emit(f, rv_csr(CSRRC, ZERO, CSR_MSTATUS, T0));
    emit(f, RV_MRET);
}

/* PMP entry 0 lets U-mode do everything everywhere (NAPOT, all ones). */
static void allow_user_everything(Fixture *f)
{
    assert_true(cpu_csr_set(f->cpu, CSR_PMPADDR0, 0xffffffffu));
    assert_true(cpu_csr_set(f->cpu, CSR_PMPCFG0,
                            PMP_R | PMP_W | PMP_X | PMP_NAPOT << PMP_A_SHIFT));
}

static void test_user_mode_ecall_and_privileged_csrs(void **state)
{
    Fixture *f = *state;
    install_skip_handler(f);
    allow_user_everything(f);
    emit_enter_user(f);
    f->pc = USER_CODE;
    emit(f, RV_ECALL);                          /* cause 8 */
    emit(f, rv_csrr(A0, CSR_MSCRATCH));         /* illegal in U */
    emit(f, RV_MRET);                           /* illegal in U */
    emit(f, rv_csrr(A1, CSR_CYCLE));            /* illegal: mcounteren 0 */
    emit(f, rv_addi(A2, ZERO, 42));
    run_to(f, f->pc);
    assert_log(f, 0, CPU_CAUSE_ECALL_U, 0);
    assert_log(f, 1, CPU_CAUSE_ILLEGAL, rv_csrr(A0, CSR_MSCRATCH));
    assert_log(f, 2, CPU_CAUSE_ILLEGAL, RV_MRET);
    assert_log(f, 3, CPU_CAUSE_ILLEGAL, rv_csrr(A1, CSR_CYCLE));
    assert_int_equal(reg(f, A2), 42);
    assert_int_equal(f->cpu->priv, CPU_PRIV_U); /* mret returned to U each time */
    /* the trap saved U in MPP */
    assert_int_equal(csr(f, CSR_MSTATUS) & MSTATUS_MPP, 0);
}

static void test_user_counters_follow_mcounteren(void **state)
{
    Fixture *f = *state;
    install_skip_handler(f);
    allow_user_everything(f);
    assert_true(cpu_csr_set(f->cpu, CSR_MCOUNTEREN, 1u << 2)); /* IR only */
    emit_enter_user(f);
    f->pc = USER_CODE;
    emit(f, rv_csrr(A0, CSR_INSTRET));
    emit(f, rv_csrr(A1, CSR_CYCLE));
    run_to(f, f->pc);
    assert_int_equal(reg(f, A0), 7); /* li (2), csrw, li (2), csrrc, mret */
    assert_log(f, 0, CPU_CAUSE_ILLEGAL, rv_csrr(A1, CSR_CYCLE));
}

static void test_pmp_checks_user_loads_stores_and_fetches(void **state)
{
    Fixture *f = *state;
    install_skip_handler(f);
    /* 0: the DATA page read-only (NAPOT 4 KiB), 1: the first 32 KiB of
     * RAM read/write/execute (NAPOT), nothing else: the rest is denied to
     * U. The lowest entry wins, so DATA stays read-only. */
    assert_true(cpu_csr_set(f->cpu, CSR_PMPADDR0, (DATA >> 2) | 0x1ff));
    assert_true(cpu_csr_set(f->cpu, CSR_PMPADDR0 + 1, (RAM_BASE >> 2) | 0xfff));
    assert_true(cpu_csr_set(f->cpu, CSR_PMPCFG0,
                            (PMP_R | PMP_NAPOT << PMP_A_SHIFT) |
                            (PMP_R | PMP_W | PMP_X | PMP_NAPOT << PMP_A_SHIFT) << 8));
    poke32(f, DATA, 0x5a5a5a5a);
    emit_enter_user(f);
    f->pc = USER_CODE;
    emit_li(f, T1, DATA);
    emit(f, rv_load(LW, A0, T1, 0));            /* allowed */
    emit(f, rv_store(SW, A0, T1, 0));           /* store access fault */
    emit_li(f, T2, RAM2_BASE);
    emit(f, rv_load(LW, A1, T2, 0));            /* no entry: load access fault */
    emit(f, rv_jalr(RA, T2, 0));                /* fetch access fault */
    run_to(f, RAM2_BASE);
    assert_int_equal(reg(f, A0), 0x5a5a5a5a);
    assert_log(f, 0, CPU_CAUSE_STORE_ACCESS, DATA);
    assert_log(f, 1, CPU_CAUSE_LOAD_ACCESS, RAM2_BASE);
    Error *err = NULL;
    assert_int_equal(cpu_run(f->cpu, 1, &err), CPU_STOP_INSN_LIMIT);
    assert_int_equal(csr(f, CSR_MCAUSE), CPU_CAUSE_FETCH_ACCESS);
    assert_int_equal(csr(f, CSR_MTVAL), RAM2_BASE);
    /* M-mode is not bound by unlocked entries */
    assert_true(cpu_csr_set(f->cpu, CSR_MSTATUS, 0));
    assert_int_equal(f->cpu->priv, CPU_PRIV_M);
}

static void test_pmp_locked_entry_binds_machine_mode(void **state)
{
    Fixture *f = *state;
    install_skip_handler(f);
    uint32_t cfg = PMP_R | PMP_L | PMP_NA4 << PMP_A_SHIFT;
    assert_true(cpu_csr_set(f->cpu, CSR_PMPADDR0, DATA >> 2));
    assert_true(cpu_csr_set(f->cpu, CSR_PMPCFG0, cfg));
    /* locked: neither the entry nor its address can change until reset */
    assert_true(cpu_csr_set(f->cpu, CSR_PMPCFG0, 0));
    assert_true(cpu_csr_set(f->cpu, CSR_PMPADDR0, 0));
    assert_int_equal(csr(f, CSR_PMPCFG0), cfg);
    assert_int_equal(csr(f, CSR_PMPADDR0), DATA >> 2);
    emit_li(f, T1, DATA);
    emit(f, rv_load(LW, A0, T1, 0));            /* R: allowed */
    emit(f, rv_store(SW, A0, T1, 0));           /* W: store access fault */
    emit(f, rv_store(SW, A0, T1, 4));           /* outside the entry: fine */
    run_all(f);
    assert_log(f, 0, CPU_CAUSE_STORE_ACCESS, DATA);
    assert_int_equal(peek32(f, LOG + 8), 0);    /* only one trap */
    cpu_reset(f->cpu);
    assert_int_equal(csr(f, CSR_PMPCFG0), 0);
}

static void test_mcountinhibit_freezes_counters(void **state)
{
    Fixture *f = *state;
    emit(f, rv_addi(T0, ZERO, 5));              /* CY and IR */
    emit(f, rv_csrw(CSR_MCOUNTINHIBIT, T0));
    emit(f, rv_csrr(A0, CSR_MINSTRET));
    emit(f, RV_NOP);
    emit(f, RV_NOP);
    emit(f, rv_csrr(A1, CSR_MINSTRET));
    emit(f, rv_csrr(A2, CSR_MCYCLE));
    emit(f, rv_csrw(CSR_MCOUNTINHIBIT, ZERO));
    emit(f, RV_NOP);
    emit(f, rv_csrr(A3, CSR_MINSTRET));
    run_all(f);
    /* A CSR write takes effect once its instruction completes: the
     * inhibiting csrw still counts, the enabling one does not. */
    assert_int_equal(reg(f, A0), 2);
    assert_int_equal(reg(f, A1), 2);
    assert_int_equal(reg(f, A2), 2);
    assert_int_equal(reg(f, A3), 3);            /* counting again: the nop */
}

static void reset_from_event(void *opaque)
{
    cpu_request_reset(opaque);
}

/* A watchdog's reset: from a clock event, the hart starts over at the
 * reset pc with its architectural state reset, and time goes on. */
static void test_reset_requested_by_an_event_restarts_the_hart(void **state)
{
    Fixture *f = *state;
    Error *err = NULL;
    Clock *clock = clock_new(1000000);
    CpuConfig config = {.isa = "rv32imac", .reset_pc = RAM_BASE,
                        .frequency_hz = 1000000, .clock = clock};
    cpu_free(f->cpu);
    f->cpu = cpu_new(f->ms, &config, &err);
    ClockEvent *dog = clock_event_new(clock, reset_from_event, f->cpu);
    clock_event_schedule(dog, 1000);
    emit_li(f, T0, DATA);
    emit(f, rv_load(LW, A0, T0, 0));            /* boots so far */
    emit(f, rv_addi(A0, A0, 1));
    emit(f, rv_store(SW, A0, T0, 0));
    emit(f, rv_addi(T1, ZERO, 2));
    emit(f, rv_branch(BNE, A0, T1, 16));        /* first boot: spin */
    emit_stop(f);                               /* second boot: stop */
    emit(f, rv_jal(ZERO, 0));
    run_until_stop(f, 100000);
    assert_int_equal(peek32(f, DATA), 2);
    assert_true(cpu_cycles(f->cpu) >= 1000);
    assert_int_equal(csr(f, CSR_MINSTRET), 10); /* counted since the reset */
    cpu_free(f->cpu);
    f->cpu = NULL;
    clock_event_free(dog);
    clock_free(clock);
}

static void stop_from_event(void *opaque)
{
    cpu_request_stop(opaque);
}

/* A stop asked for by a clock event (a slice's end, a scenario's `at`)
 * ends the run at the event's cycle, not at some later check. */
static void test_stop_requested_by_an_event_ends_the_run_at_its_cycle(void **state)
{
    Fixture *f = *state;
    Error *err = NULL;
    Clock *clock = clock_new(1000000);
    CpuConfig config = {.isa = "rv32imac", .reset_pc = RAM_BASE,
                        .frequency_hz = 1000000, .clock = clock};
    cpu_free(f->cpu);
    f->cpu = cpu_new(f->ms, &config, &err);
    ClockEvent *stop = clock_event_new(clock, stop_from_event, f->cpu);
    clock_event_schedule(stop, 1000);
    emit(f, rv_addi(A0, A0, 1));
    emit(f, rv_jal(ZERO, -4));                  /* spins */
    assert_int_equal(cpu_run(f->cpu, 100000, &err), CPU_STOP_REQUESTED);
    assert_int_equal(cpu_cycles(f->cpu), 1000);
    assert_int_equal(cpu_instructions_retired(f->cpu), 1000);
    cpu_free(f->cpu);
    f->cpu = NULL;
    clock_event_free(stop);
    clock_free(clock);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_csr_read_write_set_clear),
        T(test_mtvec_keeps_mode_direct_or_vectored),
        T(test_unknown_or_read_only_csr_is_illegal),
        T(test_misa_reflects_the_isa),
        T(test_counters_count_retired_instructions),
        T(test_illegal_instruction_traps_with_bits_in_mtval),
        T(test_ecall_and_ebreak_causes),
        T(test_misaligned_load_and_store_trap),
        T(test_access_faults_for_unmapped_rom_and_bus_errors),
        T(test_fetch_from_unmapped_or_past_the_end_faults),
        T(test_mret_restores_interrupt_enable),
        T(test_vectored_mtvec_sends_exceptions_to_base),
        T(test_trap_without_handler_is_a_fault),
        T(test_trap_loop_in_handler_is_a_fault),
        T(test_handler_that_retires_first_is_not_a_loop),
        T(test_wfi_with_nothing_to_wake_it_is_a_fault),
        T(test_wfi_sleeps_to_the_event_and_wakes_without_a_trap),
        T(test_mode_events_follow_sleep_and_a_debugger_moving_the_pc),
        T(test_debugger_counter_writes_read_back_as_written),
        T(test_timer_interrupt_enters_vectored_handler),
        T(test_interrupt_priority_is_mei_msi_mti),
        T(test_time_csr_reads_the_time_source),
        T(test_user_mode_ecall_and_privileged_csrs),
        T(test_user_counters_follow_mcounteren),
        T(test_pmp_checks_user_loads_stores_and_fetches),
        T(test_pmp_locked_entry_binds_machine_mode),
        T(test_mcountinhibit_freezes_counters),
        T(test_reset_requested_by_an_event_restarts_the_hart),
        T(test_stop_requested_by_an_event_ends_the_run_at_its_cycle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
