/* The profiler's rules (sim/profile.h) on hand-written programs: which
 * link registers make calls and returns, a coroutine swap, a trap's
 * frames popped by mret, a profile that stopped listening, a CPU with no
 * room for another observer, and the code symbols it reads from an ELF.
 * Without symbols every frame is named by the address it was entered at. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/unit/rv_asm.h"
#include "tests/unit/cpu_fixture.h"
#include "sim/elf_symbols.h"
#include "sim/profile.h"

enum {
    FUNC_B = RAM_BASE + 0x100,
    FUNC_C = RAM_BASE + 0x200,
};

static Profile *start_profile(Fixture *f)
{
    Error *err = NULL;
    Profile *p = profile_new(f->cpu, NULL, &err);
    assert_non_null(p);
    return p;
}

/* The folded stacks as text (freed by the caller). */
static char *folded(Profile *p)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    assert_non_null(out);
    assert_true(profile_write_folded(p, out));
    fclose(out);
    return text;
}

static void assert_folded(Profile *p, const char *expected)
{
    char *text = folded(p);
    assert_string_equal(text, expected);
    free(text);
}

/* One function's row, by name. */
static ProfileFunction function(Profile *p, const char *name)
{
    ProfileFunction all[16];
    size_t n = profile_functions(p, all, 16);
    for (size_t i = 0; i < n; i++)
        if (strcmp(all[i].name, name) == 0)
            return all[i];
    fail_msg("%s is not in the profile", name);
    return all[0];
}

static void emit_at(Fixture *f, uint32_t at)
{
    f->pc = at;
}

/* jal ra and jal t0 call; ret (jalr x0, ra) and c.jr t0 return: the
 * hints of the unprivileged spec, not the registers' names. */
static void test_ra_and_t0_link_calls_and_returns(void **state)
{
    Fixture *f = *state;
    emit(f, rv_jal(RA, (int32_t)(FUNC_B - f->pc))); /* A: call B */
    emit_stop(f);                                   /* 3 instructions */
    emit_at(f, FUNC_B);
    emit(f, rv_jal(T0, (int32_t)(FUNC_C - f->pc))); /* B: call C through t0 */
    emit(f, rv_jalr(ZERO, RA, 0));                  /* ret */
    emit_at(f, FUNC_C);
    emit16(f, c_addi(A0, 1));
    emit16(f, c_jr(T0));                            /* C: return through t0 */
    Profile *p = start_profile(f);
    run_until_stop(f, 100);
    assert_folded(p, "0x80000000 4\n"
                     "0x80000000;0x80000100 2\n"
                     "0x80000000;0x80000100;0x80000200 2\n");
    ProfileFunction c = function(p, "0x80000200");
    assert_int_equal(c.calls, 1);
    assert_int_equal(c.instructions, 2);
    ProfileFunction a = function(p, "0x80000000");
    assert_int_equal(a.total_cycles, 8);
    assert_int_equal(a.self_cycles, 4);
    assert_int_equal(profile_total_cycles(p), 8);
    assert_int_equal(profile_total_instructions(p), 8);
    profile_free(p);
}

/* jalr ra through t0 pops the caller's frame and pushes the target's (a
 * coroutine swap); a jump through another register moves no frame. */
static void test_swap_pops_then_pushes(void **state)
{
    Fixture *f = *state;
    emit_li(f, T0, FUNC_C);                         /* A: 2 */
    emit(f, rv_jal(RA, (int32_t)(FUNC_B - f->pc))); /* 1: call B */
    emit_at(f, FUNC_B);
    emit(f, rv_jalr(RA, T0, 0));                    /* B: swap to C */
    emit_at(f, FUNC_C);
    emit_li(f, A5, FUNC_C + 0x20);
    emit(f, rv_jalr(ZERO, A5, 0));                  /* C: a plain jump */
    emit_at(f, FUNC_C + 0x20);
    emit_stop(f);
    Profile *p = start_profile(f);
    run_until_stop(f, 100);
    assert_folded(p, "0x80000000 3\n"
                     "0x80000000;0x80000100 1\n"
                     "0x80000000;0x80000200 6\n");
    profile_free(p);
}

/* An exception pushes [exception N] and the handler's frame; mret pops
 * both, back to the frame that trapped. */
static void test_trap_frames_and_mret(void **state)
{
    Fixture *f = *state;
    install_skip_handler(f);                        /* 9 instructions */
    emit(f, RV_ECALL);
    emit(f, rv_jal(RA, (int32_t)(FUNC_B - f->pc)));
    emit_stop(f);
    emit_at(f, FUNC_B);
    emit(f, RV_NOP);
    emit(f, rv_jalr(ZERO, RA, 0));
    Profile *p = start_profile(f);
    run_until_stop(f, 100);
    assert_folded(p, "0x80000000 4\n"
                     "0x80000000;0x80000100 2\n"
                     "0x80000000;[exception 11];0x80001000 9\n");
    assert_int_equal(function(p, "[exception 11]").calls, 1);
    assert_int_equal(function(p, "[exception 11]").total_cycles, 9);
    profile_free(p);
}

/* Stopped, the profile counts what came before and nothing after. */
static void test_stop_ends_the_count(void **state)
{
    Fixture *f = *state;
    for (int i = 0; i < 10; i++)
        emit(f, RV_NOP);
    emit_stop(f);
    Profile *p = start_profile(f);
    run_to(f, RAM_BASE + 16);
    profile_stop(p);
    run_until_stop(f, 100);
    assert_folded(p, "0x80000000 4\n");
    profile_free(p);
}

static void nothing(void *opaque, const Cpu *cpu, const CpuExecEvent *event)
{
    (void)opaque;
    (void)cpu;
    (void)event;
}

/* Every observer slot taken: profile_new says so and leaves nothing. */
static void test_no_room_for_another_observer(void **state)
{
    Fixture *f = *state;
    int slots[CPU_EXEC_OBSERVERS];
    for (int i = 0; i < CPU_EXEC_OBSERVERS; i++)
        assert_true(cpu_add_exec_observer(f->cpu, CPU_EXEC_BLOCK, nothing, &slots[i]));
    Error *err = NULL;
    assert_null(profile_new(f->cpu, NULL, &err));
    assert_string_equal(error_message(err), "the CPU cannot take another execution "
                                            "observer (at most 4 at once)");
    error_free(err);
    for (int i = 0; i < CPU_EXEC_OBSERVERS; i++)
        cpu_remove_exec_observer(f->cpu, nothing, &slots[i]);
}

/* Functions and untyped labels in code, local ones too (trap_entry);
 * never the assembler's mapping symbols, never data. */
static void test_code_symbols_of_an_elf(void **state)
{
    (void)state;
    Error *err = NULL;
    ElfSymbols *syms = elf_symbols_load("build/fw/profile_calls.elf", &err);
    assert_non_null(syms);
    size_t n;
    const ElfCodeSymbol *code = elf_symbols_code(syms, &n);
    bool start = false, trap_entry = false, mix = false;
    for (size_t i = 0; i < n; i++) {
        assert_true(code[i].name[0] != '$');
        assert_true(strcmp(code[i].name, "sink") != 0);
        if (i > 0)
            assert_true(code[i - 1].addr <= code[i].addr);
        start |= strcmp(code[i].name, "_start") == 0 && !code[i].function;
        trap_entry |= strcmp(code[i].name, "trap_entry") == 0 && !code[i].function;
        mix |= strcmp(code[i].name, "mix") == 0 && code[i].function && code[i].size > 0;
    }
    assert_true(start && trap_entry && mix);
    elf_symbols_free(syms);
    assert_null(elf_symbols_code(NULL, &n));
    assert_int_equal(n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ra_and_t0_link_calls_and_returns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_swap_pops_then_pushes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trap_frames_and_mret, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stop_ends_the_count, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_room_for_another_observer, setup, teardown),
        cmocka_unit_test(test_code_symbols_of_an_elf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
