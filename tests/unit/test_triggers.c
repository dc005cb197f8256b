/* Sdtrig triggers for firmware, the identification CSRs and the number
 * of PMP entries, as the RISC-V Debug Specification 1.0 (chapter 5) and
 * the privileged specification 1.12 describe them: a debugger-style
 * enumeration through tselect/tinfo, tdata1 legalisation, execute, load
 * and store triggers raising breakpoint exceptions before the
 * instruction or access, tcontrol.mte/mpte around traps, and the board's
 * counts and IDs reaching the CSRs. */
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

enum {
    RAM_BASE = 0x80000000u,
    RAM_SIZE = 0x10000u,
    HANDLER = 0x80001000u, /* `j .`: a trap parks the hart here */
    DATA = 0x80002000u,
    USER_CODE = 0x80003000u,
};

#define MC6 (6u << 28)
#define MC6_M (1u << 6)
#define MC6_U (1u << 3)
#define MC6_EXECUTE (1u << 2)
#define MC6_STORE (1u << 1)
#define MC6_LOAD (1u << 0)
#define MC6_HIT0 (1u << 22)
#define MATCH(m) ((uint32_t)(m) << 7)
#define DISABLED (15u << 28)
#define MTE (1u << 3)
#define MPTE (1u << 7)

typedef struct Fixture {
    MemorySystem *ms;
    Owner *owner;
    MemoryRegion *root, *ram;
    Cpu *cpu;
    uint32_t pc; /* where the next emitted instruction goes */
} Fixture;

static Fixture *fixture_new(const CpuConfig *overrides)
{
    Fixture *f = calloc(1, sizeof *f);
    Error *err = NULL;
    f->ms = memory_system_new();
    f->owner = owner_new(f->ms, "board", NULL, NULL);
    f->root = memory_region_new_container(f->owner, "bus", 1ull << 32);
    f->ram = memory_region_new_ram(f->owner, "ram", RAM_SIZE, &err);
    assert_true(memory_add_subregion(f->root, RAM_BASE, f->ram, &err));
    memory_set_root(f->ms, f->root);
    CpuConfig config = *overrides;
    config.isa = "rv32imac";
    config.reset_pc = RAM_BASE;
    f->cpu = cpu_new(f->ms, &config, &err);
    assert_non_null(f->cpu);
    f->pc = HANDLER;
    uint32_t park = rv_jal(ZERO, 0);
    assert_true(memory_debug_write(f->ms, HANDLER, &park, 4, NULL));
    assert_true(cpu_set_csr(f->cpu, 0x305 /* mtvec */, HANDLER));
    f->pc = RAM_BASE;
    return f;
}

static void fixture_free(Fixture *f)
{
    cpu_free(f->cpu);
    memory_set_root(f->ms, NULL);
    owner_unref(f->owner);
    memory_system_free(f->ms);
    free(f);
}

static uint32_t emit(Fixture *f, uint32_t insn)
{
    uint32_t at = f->pc;
    assert_true(memory_debug_write(f->ms, at, &insn, 4, NULL));
    f->pc += 4;
    return at;
}

static uint32_t csr(Fixture *f, unsigned number)
{
    uint32_t value;
    assert_true(cpu_get_csr(f->cpu, number, &value));
    return value;
}

static void set_csr(Fixture *f, unsigned number, uint32_t value)
{
    assert_true(cpu_set_csr(f->cpu, number, value));
}

/* Runs until the hart parks in the handler (or the code's own end). */
static void run(Fixture *f)
{
    Error *err = NULL;
    assert_int_equal(cpu_run(f->cpu, 200, &err), CPU_STOP_INSN_LIMIT);
    assert_null(err);
}

static void arm(Fixture *f, unsigned index, uint32_t tdata1, uint32_t tdata2)
{
    set_csr(f, CSR_TSELECT, index);
    set_csr(f, CSR_TDATA2, tdata2);
    set_csr(f, CSR_TDATA1, tdata1);
}

static void expect_breakpoint_trap(Fixture *f, uint32_t epc, uint32_t tval)
{
    assert_int_equal(cpu_get_pc(f->cpu), HANDLER);
    assert_int_equal(csr(f, 0x342 /* mcause */), CPU_CAUSE_BREAKPOINT);
    assert_int_equal(csr(f, 0x341 /* mepc */), epc);
    assert_int_equal(csr(f, 0x343 /* mtval */), tval);
}

/* ---- enumeration and legalisation ---- */

static void test_debugger_enumerates_the_configured_triggers(void **state)
{
    (void)state;
    for (unsigned count = 0; count <= 3; count++) {
        Fixture *f = fixture_new(&(CpuConfig){.triggers = count});
        unsigned found = 0;
        /* What OpenOCD and gdb do: select i, read it back, read tinfo. */
        for (unsigned i = 0; i < 8; i++) {
            set_csr(f, CSR_TSELECT, i);
            if (csr(f, CSR_TSELECT) != i || csr(f, CSR_TINFO) == 1)
                break;
            assert_int_equal(csr(f, CSR_TINFO), 0x01008040u); /* v1: mcontrol6, disabled */
            assert_int_equal(csr(f, CSR_TDATA1), DISABLED);
            found++;
        }
        assert_int_equal(found, count);
        fixture_free(f);
    }
}

static void test_tdata1_keeps_only_what_is_modelled(void **state)
{
    (void)state;
    Fixture *f = fixture_new(&(CpuConfig){.triggers = 2});
    set_csr(f, CSR_TSELECT, 1);
    set_csr(f, CSR_TDATA1, (0x0fffffffu & ~MATCH(0xf)) | MC6 | MATCH(2));
    assert_int_equal(csr(f, CSR_TDATA1), MC6 | MC6_HIT0 | MATCH(2) | MC6_M | MC6_U |
                                             MC6_EXECUTE | MC6_STORE | MC6_LOAD);
    set_csr(f, CSR_TDATA1, MC6 | MATCH(5) | MC6_LOAD); /* mask match: not modelled */
    assert_int_equal(csr(f, CSR_TDATA1), MC6 | MATCH(0) | MC6_LOAD);
    set_csr(f, CSR_TDATA1, (2u << 28) | MC6_LOAD); /* legacy mcontrol */
    assert_int_equal(csr(f, CSR_TDATA1), DISABLED);
    set_csr(f, CSR_TDATA2, 0x12345678);
    assert_int_equal(csr(f, CSR_TDATA2), 0x12345678);
    set_csr(f, CSR_TDATA3, 0xffffffffu);
    assert_int_equal(csr(f, CSR_TDATA3), 0);
    set_csr(f, CSR_TSELECT, 0); /* triggers keep their own data */
    assert_int_equal(csr(f, CSR_TDATA2), 0);
    set_csr(f, CSR_TCONTROL, 0xffffffffu);
    assert_int_equal(csr(f, CSR_TCONTROL), MTE | MPTE);
    fixture_free(f);
}

/* ---- firing ---- */

static void test_execute_trigger_stops_before_the_instruction(void **state)
{
    (void)state;
    Fixture *f = fixture_new(&(CpuConfig){.triggers = 2});
    emit(f, rv_addi(A0, ZERO, 1));
    uint32_t target = emit(f, rv_addi(A0, A0, 1));
    emit(f, rv_addi(A0, A0, 1));
    emit(f, rv_jal(ZERO, 0));
    arm(f, 1, MC6 | MC6_M | MC6_EXECUTE, target);
    set_csr(f, CSR_TCONTROL, MTE);
    run(f);
    expect_breakpoint_trap(f, target, target);
    assert_int_equal(cpu_get_reg(f->cpu, A0), 1); /* the target did not run */
    set_csr(f, CSR_TSELECT, 1);
    assert_true(csr(f, CSR_TDATA1) & MC6_HIT0);
    /* trap entry moved mte to mpte */
    assert_int_equal(csr(f, CSR_TCONTROL), MPTE);
    fixture_free(f);
}

static void test_machine_mode_triggers_wait_for_mte(void **state)
{
    (void)state;
    Fixture *f = fixture_new(&(CpuConfig){.triggers = 1});
    emit(f, rv_addi(A0, ZERO, 1));
    uint32_t target = emit(f, rv_addi(A0, A0, 1));
    uint32_t end = emit(f, rv_jal(ZERO, 0));
    arm(f, 0, MC6 | MC6_M | MC6_EXECUTE, target);
    run(f); /* tcontrol.mte is 0 after reset */
    assert_int_equal(cpu_get_pc(f->cpu), end);
    assert_int_equal(cpu_get_reg(f->cpu, A0), 2);
    fixture_free(f);
}

static void test_load_trigger_matches_any_byte_of_the_access(void **state)
{
    (void)state;
    Fixture *f = fixture_new(&(CpuConfig){.triggers = 2});
    emit(f, rv_lui(T0, DATA));
    emit(f, rv_store(2, ZERO, T0, 0));                  /* sw: not a load */
    uint32_t load = emit(f, rv_load(2, A0, T0, 0));     /* lw DATA..DATA+3 */
    emit(f, rv_jal(ZERO, 0));
    cpu_set_reg(f->cpu, A0, 0x55);
    arm(f, 0, MC6 | MC6_M | MC6_LOAD, DATA + 2);
    set_csr(f, CSR_TCONTROL, MTE);
    run(f);
    expect_breakpoint_trap(f, load, DATA);
    assert_int_equal(cpu_get_reg(f->cpu, A0), 0x55); /* before the load */
    fixture_free(f);
}

static void test_store_trigger_with_range_matches(void **state)
{
    (void)state;
    Fixture *f = fixture_new(&(CpuConfig){.triggers = 2});
    emit(f, rv_lui(T0, DATA));
    emit(f, rv_addi(A1, ZERO, 7));
    uint32_t low = emit(f, rv_store(2, A1, T0, 0x10));  /* sw DATA+0x10 */
    uint32_t high = emit(f, rv_store(0, A1, T0, 0x40)); /* sb DATA+0x40 */
    emit(f, rv_jal(ZERO, 0));
    arm(f, 0, MC6 | MC6_M | MC6_STORE | MATCH(2), DATA + 0x20); /* >= */
    arm(f, 1, MC6 | MC6_M | MC6_STORE | MATCH(3), DATA + 0x14); /* < */
    set_csr(f, CSR_TCONTROL, MTE);
    run(f);
    /* The sw's bytes 0x10-0x13 lie below trigger 1's limit. */
    expect_breakpoint_trap(f, low, DATA + 0x10);
    uint8_t byte;
    assert_true(memory_debug_read(f->ms, DATA + 0x10, &byte, 1, NULL));
    assert_int_equal(byte, 0); /* nothing was stored */
    set_csr(f, CSR_TSELECT, 1);
    assert_true(csr(f, CSR_TDATA1) & MC6_HIT0);
    set_csr(f, CSR_TSELECT, 0);
    assert_false(csr(f, CSR_TDATA1) & MC6_HIT0);

    /* Without trigger 1 the sw goes through and the sb meets trigger 0. */
    arm(f, 1, DISABLED, 0);
    set_csr(f, CSR_TCONTROL, MTE);
    cpu_set_pc(f->cpu, RAM_BASE);
    run(f);
    expect_breakpoint_trap(f, high, DATA + 0x40);
    assert_true(memory_debug_read(f->ms, DATA + 0x10, &byte, 1, NULL));
    assert_int_equal(byte, 7);
    assert_true(memory_debug_read(f->ms, DATA + 0x40, &byte, 1, NULL));
    assert_int_equal(byte, 0);

    /* `<` is strict: a limit at the sw's first byte lets it through. */
    arm(f, 0, DISABLED, 0);
    arm(f, 1, MC6 | MC6_M | MC6_STORE | MATCH(3), DATA + 0x10);
    set_csr(f, CSR_TCONTROL, MTE);
    cpu_set_pc(f->cpu, RAM_BASE);
    run(f);
    assert_int_equal(cpu_get_pc(f->cpu), high + 4);
    fixture_free(f);
}

static void test_firmware_programs_triggers_with_csr_instructions(void **state)
{
    (void)state;
    Fixture *f = fixture_new(&(CpuConfig){.triggers = 2});
    uint32_t target = RAM_BASE + 0x40;
    emit(f, rv_addi(T0, ZERO, 1));
    emit(f, rv_csrw(CSR_TSELECT, T0));
    emit(f, rv_lui(T1, target));
    emit(f, rv_addi(T1, T1, (int32_t)(target & 0xfff)));
    emit(f, rv_csrw(CSR_TDATA2, T1));
    emit(f, rv_lui(T2, MC6));
    emit(f, rv_addi(T2, T2, MC6_M | MC6_EXECUTE));
    emit(f, rv_csrw(CSR_TDATA1, T2));
    emit(f, rv_addi(T0, ZERO, MTE));
    emit(f, rv_csrw(CSR_TCONTROL, T0));
    emit(f, rv_jal(ZERO, (int32_t)(target - f->pc)));
    f->pc = target;
    emit(f, rv_jal(ZERO, 0));
    run(f);
    expect_breakpoint_trap(f, target, target);
    fixture_free(f);
}

static void test_mret_restores_mte(void **state)
{
    (void)state;
    Fixture *f = fixture_new(&(CpuConfig){.triggers = 1});
    /* The handler returns past the trapping instruction at once. */
    uint32_t handler[] = {rv_csrr(T0, 0x341), rv_addi(T0, T0, 4), rv_csrw(0x341, T0),
                          RV_MRET};
    assert_true(memory_debug_write(f->ms, HANDLER, handler, sizeof handler, NULL));
    emit(f, rv_addi(A0, ZERO, 0));
    uint32_t target = emit(f, rv_addi(A0, A0, 1)); /* skipped by each trap */
    emit(f, rv_addi(A1, A1, 1));
    emit(f, rv_jal(ZERO, (int32_t)(target - f->pc)));
    arm(f, 0, MC6 | MC6_M | MC6_EXECUTE, target);
    set_csr(f, CSR_TCONTROL, MTE);
    Error *err = NULL;
    assert_int_equal(cpu_run(f->cpu, 60, &err), CPU_STOP_INSN_LIMIT);
    /* Every pass traps again: mret gave mte back each time. */
    assert_int_equal(cpu_get_reg(f->cpu, A0), 0);
    assert_true(cpu_get_reg(f->cpu, A1) >= 5);
    assert_int_equal(csr(f, CSR_TCONTROL) & MTE, MTE);
    fixture_free(f);
}

static void test_user_mode_trigger_fires_without_mte(void **state)
{
    (void)state;
    Fixture *f = fixture_new(&(CpuConfig){.triggers = 1});
    /* M-mode drops to U-mode at USER_CODE (no PMP entries: all allowed). */
    emit(f, rv_lui(T0, USER_CODE));
    emit(f, rv_csrw(0x341, T0)); /* mepc */
    emit(f, RV_MRET);            /* mstatus.MPP is 0: U-mode */
    f->pc = USER_CODE;
    emit(f, rv_addi(A0, ZERO, 1));
    uint32_t target = emit(f, rv_addi(A0, A0, 1));
    emit(f, rv_jal(ZERO, 0));
    arm(f, 0, MC6 | MC6_U | MC6_EXECUTE, target);
    run(f);
    expect_breakpoint_trap(f, target, target);
    assert_int_equal(cpu_get_reg(f->cpu, A0), 1);
    fixture_free(f);
}

static void test_no_triggers_keeps_the_csrs(void **state)
{
    (void)state;
    Fixture *f = fixture_new(&(CpuConfig){.triggers = 0});
    emit(f, rv_csrw(CSR_TDATA1, ZERO)); /* not illegal */
    emit(f, rv_csrr(A0, CSR_TINFO));
    uint32_t end = emit(f, rv_jal(ZERO, 0));
    run(f);
    assert_int_equal(cpu_get_pc(f->cpu), end);
    assert_int_equal(cpu_get_reg(f->cpu, A0), 1); /* tinfo: no trigger here */
    fixture_free(f);
}

/* ---- identification and PMP entries ---- */

static void test_identification_csrs_come_from_the_board(void **state)
{
    (void)state;
    Fixture *f = fixture_new(&(CpuConfig){.mvendorid = 0x489, .marchid = 0x80000002u,
                                          .mimpid = 0x20181004u});
    emit(f, rv_csrr(A0, CSR_MVENDORID));
    emit(f, rv_csrr(A1, CSR_MARCHID));
    emit(f, rv_csrr(A2, CSR_MIMPID));
    emit(f, rv_jal(ZERO, 0));
    run(f);
    assert_int_equal(cpu_get_reg(f->cpu, A0), 0x489);
    assert_int_equal(cpu_get_reg(f->cpu, A1), 0x80000002u);
    assert_int_equal(cpu_get_reg(f->cpu, A2), 0x20181004u);
    fixture_free(f);
}

static void test_only_the_configured_pmp_entries_exist(void **state)
{
    (void)state;
    Fixture *f = fixture_new(&(CpuConfig){.pmp_entries = 8});
    set_csr(f, CSR_PMPADDR0 + 7, 0x1234);
    set_csr(f, CSR_PMPADDR0 + 8, 0x1234);
    assert_int_equal(csr(f, CSR_PMPADDR0 + 7), 0x1234);
    assert_int_equal(csr(f, CSR_PMPADDR0 + 8), 0);
    set_csr(f, CSR_PMPCFG0 + 1, 0x0f0f0f0fu); /* entries 4-7 */
    set_csr(f, CSR_PMPCFG0 + 2, 0x0f0f0f0fu); /* entries 8-11: absent */
    assert_int_equal(csr(f, CSR_PMPCFG0 + 1), 0x0f0f0f0fu);
    assert_int_equal(csr(f, CSR_PMPCFG0 + 2), 0);
    fixture_free(f);
}

static void test_cpu_refuses_more_triggers_or_pmp_entries_than_it_has(void **state)
{
    (void)state;
    MemorySystem *ms = memory_system_new();
    Error *err = NULL;
    CpuConfig config = {.isa = "rv32imac", .triggers = CPU_TRIGGERS_MAX + 1};
    assert_null(cpu_new(ms, &config, &err));
    assert_non_null(strstr(error_message(err), "at most"));
    error_free(err);
    err = NULL;
    config = (CpuConfig){.isa = "rv32imac", .pmp_entries = CPU_PMP_MAX + 1};
    assert_null(cpu_new(ms, &config, &err));
    error_free(err);
    memory_system_free(ms);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_debugger_enumerates_the_configured_triggers),
        cmocka_unit_test(test_tdata1_keeps_only_what_is_modelled),
        cmocka_unit_test(test_execute_trigger_stops_before_the_instruction),
        cmocka_unit_test(test_machine_mode_triggers_wait_for_mte),
        cmocka_unit_test(test_load_trigger_matches_any_byte_of_the_access),
        cmocka_unit_test(test_store_trigger_with_range_matches),
        cmocka_unit_test(test_firmware_programs_triggers_with_csr_instructions),
        cmocka_unit_test(test_mret_restores_mte),
        cmocka_unit_test(test_user_mode_trigger_fires_without_mte),
        cmocka_unit_test(test_no_triggers_keeps_the_csrs),
        cmocka_unit_test(test_identification_csrs_come_from_the_board),
        cmocka_unit_test(test_only_the_configured_pmp_entries_exist),
        cmocka_unit_test(test_cpu_refuses_more_triggers_or_pmp_entries_than_it_has),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
