/* The RV32 hart's instructions (sim/cpu/): RV32I, M, C and A semantics
 * worked out from the ISA manual, disabled extensions, ISA strings, RV32E
 * and emulated misaligned accesses. Each test assembles a few instructions
 * into RAM (tests/unit/cpu_fixture.h), runs them and checks registers and
 * memory. */
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

/* ---- RV32I ---- */

static void test_x0_ignores_writes(void **state)
{
    Fixture *f = *state;
    emit(f, rv_addi(ZERO, ZERO, 5));
    emit(f, rv_lui(ZERO, 0x12345000));
    emit(f, rv_addi(A0, ZERO, 7));
    emit(f, rv_add(A1, ZERO, A0));
    cpu_set_reg(f->cpu, ZERO, 99);
    run_all(f);
    assert_int_equal(reg(f, ZERO), 0);
    assert_int_equal(reg(f, A1), 7);
    assert_int_equal(cpu_instructions_retired(f->cpu), 4);
}

static void test_lui_auipc_addi(void **state)
{
    Fixture *f = *state;
    emit(f, rv_lui(A0, 0x12345000));
    emit(f, rv_addi(A0, A0, 0x678));
    emit(f, rv_auipc(A1, 0x1000));
    emit(f, rv_addi(A2, ZERO, -1));
    emit(f, rv_addi(A3, ZERO, -2048));
    run_all(f);
    assert_int_equal(reg(f, A0), 0x12345678);
    assert_int_equal(reg(f, A1), RAM_BASE + 8 + 0x1000);
    assert_int_equal(reg(f, A2), 0xffffffff);
    assert_int_equal(reg(f, A3), 0xfffff800);
}

static void test_register_alu_ops(void **state)
{
    Fixture *f = *state;
    emit(f, rv_addi(A0, ZERO, -7));
    emit(f, rv_addi(A1, ZERO, 3));
    emit(f, rv_add(S2, A0, A1));
    emit(f, rv_sub(S3, A0, A1));
    emit(f, rv_xor(S4, A0, A1));
    emit(f, rv_or(S5, A0, A1));
    emit(f, rv_and(S6, A0, A1));
    emit(f, rv_slt(S7, A0, A1));
    emit(f, rv_sltu(S8, A0, A1));
    emit(f, rv_sll(S9, A0, A1));
    emit(f, rv_srl(S10, A0, A1));
    emit(f, rv_sra(T3, A0, A1));
    emit(f, rv_sub(T4, ZERO, A1));
    run_all(f);
    assert_int_equal(reg(f, S2), 0xfffffffc);
    assert_int_equal(reg(f, S3), 0xfffffff6);
    assert_int_equal(reg(f, S4), 0xfffffffa);
    assert_int_equal(reg(f, S5), 0xfffffffb);
    assert_int_equal(reg(f, S6), 0x00000001);
    assert_int_equal(reg(f, S7), 1);
    assert_int_equal(reg(f, S8), 0);
    assert_int_equal(reg(f, S9), 0xffffffc8);
    assert_int_equal(reg(f, S10), 0x1fffffff);
    assert_int_equal(reg(f, T3), 0xffffffff);
    assert_int_equal(reg(f, T4), 0xfffffffd);
}

static void test_shifts_by_31_and_shift_amount_low_bits(void **state)
{
    Fixture *f = *state;
    emit_li(f, A0, 0x80000001);
    emit(f, rv_addi(A1, ZERO, 63)); /* register shifts use the low 5 bits */
    emit(f, rv_slli(S2, A0, 31));
    emit(f, rv_srli(S3, A0, 31));
    emit(f, rv_srai(S4, A0, 31));
    emit(f, rv_srai(S5, A0, 1));
    emit(f, rv_sll(S6, A0, A1));
    emit(f, rv_srl(S7, A0, A1));
    emit(f, rv_sra(S8, A0, A1));
    emit(f, rv_srli(S9, A0, 0));
    run_all(f);
    assert_int_equal(reg(f, S2), 0x80000000);
    assert_int_equal(reg(f, S3), 1);
    assert_int_equal(reg(f, S4), 0xffffffff);
    assert_int_equal(reg(f, S5), 0xc0000000);
    assert_int_equal(reg(f, S6), 0x80000000);
    assert_int_equal(reg(f, S7), 1);
    assert_int_equal(reg(f, S8), 0xffffffff);
    assert_int_equal(reg(f, S9), 0x80000001);
}

static void test_immediate_compare_and_logic(void **state)
{
    Fixture *f = *state;
    emit(f, rv_addi(A0, ZERO, -1));
    emit(f, rv_slti(S2, A0, 0));      /* -1 < 0 */
    emit(f, rv_sltiu(S3, A0, -1));    /* 0xffffffff < 0xffffffff */
    emit(f, rv_sltiu(S4, ZERO, -1));  /* 0 < 0xffffffff */
    emit(f, rv_sltiu(S5, ZERO, 1));   /* seqz */
    emit(f, rv_slti(S6, ZERO, -2048));
    emit(f, rv_xori(S7, A0, 0x7ff));
    emit(f, rv_ori(S8, ZERO, -0x800));
    emit(f, rv_andi(S9, A0, -16));
    run_all(f);
    assert_int_equal(reg(f, S2), 1);
    assert_int_equal(reg(f, S3), 0);
    assert_int_equal(reg(f, S4), 1);
    assert_int_equal(reg(f, S5), 1);
    assert_int_equal(reg(f, S6), 0);
    assert_int_equal(reg(f, S7), 0xfffff800);
    assert_int_equal(reg(f, S8), 0xfffff800);
    assert_int_equal(reg(f, S9), 0xfffffff0);
}

static void test_loads_sign_and_zero_extend(void **state)
{
    Fixture *f = *state;
    const uint8_t data[] = {0x80, 0xff, 0x34, 0x12, 0x78, 0x56, 0x34, 0x92};
    poke(f, DATA, data, sizeof data);
    emit(f, rv_lui(S0, DATA));
    emit(f, rv_load(LB, A0, S0, 0));
    emit(f, rv_load(LBU, A1, S0, 0));
    emit(f, rv_load(LH, A2, S0, 0));
    emit(f, rv_load(LHU, A3, S0, 0));
    emit(f, rv_load(LW, A4, S0, 0));
    emit(f, rv_load(LH, A5, S0, 6));
    emit(f, rv_load(LB, A6, S0, 2));
    emit(f, rv_addi(S1, S0, 8));
    emit(f, rv_load(LW, A7, S1, -4));
    emit(f, rv_load(LW, S0, S0, 4)); /* rd == rs1 */
    run_all(f);
    assert_int_equal(reg(f, A0), 0xffffff80);
    assert_int_equal(reg(f, A1), 0x80);
    assert_int_equal(reg(f, A2), 0xffffff80);
    assert_int_equal(reg(f, A3), 0xff80);
    assert_int_equal(reg(f, A4), 0x1234ff80);
    assert_int_equal(reg(f, A5), 0xffff9234);
    assert_int_equal(reg(f, A6), 0x34);
    assert_int_equal(reg(f, A7), 0x92345678);
    assert_int_equal(reg(f, S0), 0x92345678);
}

static void test_stores_are_little_endian(void **state)
{
    Fixture *f = *state;
    uint8_t got[8];
    const uint8_t want[8] = {0x44, 0x33, 0x22, 0x11, 0x44, 0x33, 0x44, 0x44};
    emit(f, rv_lui(S0, DATA));
    emit_li(f, A0, 0x11223344);
    emit(f, rv_store(SW, A0, S0, 0));
    emit(f, rv_store(SH, A0, S0, 4));
    emit(f, rv_store(SB, A0, S0, 6));
    emit(f, rv_addi(S1, S0, 16));
    emit(f, rv_store(SB, A0, S1, -9));
    run_all(f);
    assert_true(memory_debug_read(f->ms, DATA, got, 8, NULL));
    assert_memory_equal(got, want, 8);
}

static void test_branches_compare_signed_and_unsigned(void **state)
{
    Fixture *f = *state;
    emit(f, rv_addi(A0, ZERO, -1));
    emit(f, rv_addi(A1, ZERO, 1));
    /* Each branch skips the ori after it when taken. */
    emit(f, rv_branch(BEQ, A0, A0, 8));   /* taken */
    emit(f, rv_ori(T0, T0, 1));
    emit(f, rv_branch(BNE, A0, A0, 8));   /* not taken */
    emit(f, rv_ori(T0, T0, 2));
    emit(f, rv_branch(BLT, A0, A1, 8));   /* -1 < 1: taken */
    emit(f, rv_ori(T0, T0, 4));
    emit(f, rv_branch(BLTU, A0, A1, 8));  /* 0xffffffff < 1: not taken */
    emit(f, rv_ori(T0, T0, 8));
    emit(f, rv_branch(BGE, A1, A0, 8));   /* 1 >= -1: taken */
    emit(f, rv_ori(T0, T0, 16));
    emit(f, rv_branch(BGEU, A1, A0, 8));  /* 1 >= 0xffffffff: not taken */
    emit(f, rv_ori(T0, T0, 32));
    emit(f, rv_branch(BGE, A0, A0, 8));   /* equal: taken */
    emit(f, rv_ori(T0, T0, 64));
    emit(f, rv_branch(BNE, A0, A1, 8));   /* taken */
    emit(f, rv_ori(T0, T0, 128));
    /* A backward branch: count down from 5. */
    emit(f, rv_addi(T1, ZERO, 5));
    emit(f, rv_addi(T1, T1, -1));
    emit(f, rv_addi(T2, T2, 1));
    emit(f, rv_branch(BNE, T1, ZERO, -8));
    run_all(f);
    assert_int_equal(reg(f, T0), 2 | 8 | 32);
    assert_int_equal(reg(f, T2), 5);
}

/* Bits [11:7] of a branch or store are immediate bits, not rd: running
 * them must leave every register but the ones written on purpose alone. */
static void test_branches_and_stores_write_no_register(void **state)
{
    Fixture *f = *state;
    for (unsigned r = 1; r < 32; r++)
        cpu_set_reg(f->cpu, r, 0x1000 * r);
    cpu_set_reg(f->cpu, S0, DATA);
    emit(f, rv_branch(BEQ, ZERO, ZERO, 8));      /* [11:7] = 8 (s0) */
    emit(f, RV_NOP);
    emit(f, rv_branch(BNE, ZERO, ZERO, 0x7fe));  /* not taken, [11:7] = 30 */
    emit(f, rv_branch(BGEU, ZERO, ZERO, 0x81e)); /* [11:7] = 31 */
    f->pc += 0x81e - 4;
    emit(f, rv_store(SW, A0, S0, 0x3c));         /* [11:7] = 28 */
    emit(f, rv_store(SB, A1, S0, 0x1f));         /* [11:7] = 31 */
    run_all(f);
    assert_int_equal(cpu_get_pc(f->cpu), RAM_BASE + 12 + 0x81e + 8);
    assert_int_equal(peek32(f, DATA + 0x3c), 0x1000 * A0);
    for (unsigned r = 1; r < 32; r++)
        assert_int_equal(reg(f, r), r == S0 ? DATA : 0x1000 * r);
}

static void test_jal_jalr_link_and_clear_target_bit0(void **state)
{
    Fixture *f = *state;
    emit(f, rv_jal(RA, 12));           /* 0: to 12, ra = 4 */
    emit(f, rv_addi(A0, ZERO, 1));     /* 4: reached via jalr */
    emit(f, rv_jal(ZERO, 16));         /* 8: to 24 */
    emit(f, rv_addi(A1, ZERO, 2));     /* 12 */
    emit(f, rv_jalr(T0, RA, 1));       /* 16: to (4 + 1) & ~1 = 4 */
    emit(f, rv_addi(A2, ZERO, 3));     /* 20: skipped */
    emit(f, rv_auipc(A4, 0));          /* 24 */
    emit(f, rv_jalr(A4, A4, 12));      /* 28: rd == rs1, to 36 */
    emit(f, rv_addi(A5, ZERO, 9));     /* 32: skipped */
    run_all(f);                        /* 36 */
    assert_int_equal(reg(f, RA), RAM_BASE + 4);
    assert_int_equal(reg(f, A0), 1);
    assert_int_equal(reg(f, A1), 2);
    assert_int_equal(reg(f, A2), 0);
    assert_int_equal(reg(f, T0), RAM_BASE + 20);
    assert_int_equal(reg(f, A4), RAM_BASE + 32);
    assert_int_equal(reg(f, A5), 0);
}

static void test_fences_are_no_ops(void **state)
{
    Fixture *f = *state;
    emit(f, RV_FENCE);
    emit(f, RV_FENCE_I);
    emit(f, RV_NOP);
    run_all(f);
    assert_int_equal(cpu_instructions_retired(f->cpu), 3);
}

/* ---- M ---- */

static void test_multiply_high_halves(void **state)
{
    Fixture *f = *state;
    emit(f, rv_addi(A0, ZERO, -3));
    emit(f, rv_addi(A1, ZERO, 7));
    emit(f, rv_lui(A2, 0x80000000));
    emit(f, rv_addi(A3, ZERO, -1));
    emit(f, rv_m(MUL, S2, A0, A1));
    emit(f, rv_m(MULH, S3, A0, A1));
    emit(f, rv_m(MULHU, S4, A0, A1));
    emit(f, rv_m(MULHSU, S5, A0, A1));
    emit(f, rv_m(MULHSU, S6, A1, A0));
    emit(f, rv_m(MULH, S7, A2, A2));
    emit(f, rv_m(MULHU, S8, A3, A3));
    emit(f, rv_m(MULHSU, S9, A3, A3));
    emit(f, rv_m(MUL, S10, A2, A2));
    run_all(f);
    assert_int_equal(reg(f, S2), 0xffffffeb);  /* -21 */
    assert_int_equal(reg(f, S3), 0xffffffff);
    assert_int_equal(reg(f, S4), 6);           /* 0xfffffffd * 7 = 0x6_ffffffeb */
    assert_int_equal(reg(f, S5), 0xffffffff);  /* -3 * 7 */
    assert_int_equal(reg(f, S6), 6);           /* 7 * 0xfffffffd */
    assert_int_equal(reg(f, S7), 0x40000000);  /* (-2^31)^2 = 2^62 */
    assert_int_equal(reg(f, S8), 0xfffffffe);  /* (2^32-1)^2 */
    assert_int_equal(reg(f, S9), 0xffffffff);  /* -1 * (2^32-1) */
    assert_int_equal(reg(f, S10), 0);
}

static void test_divide_by_zero_and_overflow(void **state)
{
    Fixture *f = *state;
    emit(f, rv_addi(A0, ZERO, 7));
    emit(f, rv_lui(A2, 0x80000000));
    emit(f, rv_addi(A3, ZERO, -1));
    emit(f, rv_addi(A4, ZERO, -7));
    emit(f, rv_addi(A5, ZERO, 2));
    emit(f, rv_m(DIV, S2, A0, ZERO));
    emit(f, rv_m(DIVU, S3, A0, ZERO));
    emit(f, rv_m(REM, S4, A0, ZERO));
    emit(f, rv_m(REMU, S5, A0, ZERO));
    emit(f, rv_m(DIV, S6, A2, A3));
    emit(f, rv_m(REM, S7, A2, A3));
    emit(f, rv_m(DIV, S8, A4, A5));
    emit(f, rv_m(REM, S9, A4, A5));
    emit(f, rv_m(DIVU, S10, A4, A5));
    emit(f, rv_m(REMU, S11, A4, A5));
    emit(f, rv_m(DIVU, T3, A2, A3));
    run_all(f);
    assert_int_equal(reg(f, S2), 0xffffffff);
    assert_int_equal(reg(f, S3), 0xffffffff);
    assert_int_equal(reg(f, S4), 7);
    assert_int_equal(reg(f, S5), 7);
    assert_int_equal(reg(f, S6), 0x80000000);
    assert_int_equal(reg(f, S7), 0);
    assert_int_equal(reg(f, S8), 0xfffffffd);  /* rounds toward zero */
    assert_int_equal(reg(f, S9), 0xffffffff);  /* sign of the dividend */
    assert_int_equal(reg(f, S10), 0x7ffffffc);
    assert_int_equal(reg(f, S11), 1);
    assert_int_equal(reg(f, T3), 0);
}

/* ---- C ---- */

static void test_compressed_alu_and_stack_ops(void **state)
{
    Fixture *f = *state;
    emit16(f, c_li(A0, -5));
    emit16(f, c_addi(A0, 3));          /* -2 */
    emit16(f, c_lui(A1, 0x1f));        /* 0x1f000 */
    emit16(f, c_lui(A2, 0x20));        /* nzimm[17] set: 0xfffe0000 */
    emit16(f, c_mv(A3, A0));
    emit16(f, c_add(A3, A1));          /* 0x1effe */
    emit16(f, c_slli(A3, 4));          /* 0x1effe0 */
    emit16(f, c_li(S0, -16));
    emit16(f, c_srai(S0, 2));          /* -4 */
    emit16(f, c_li(S1, -16));
    emit16(f, c_srli(S1, 28));         /* 0xf */
    emit16(f, c_andi(S1, 6));          /* 6 */
    emit16(f, c_sub(A0, S1));          /* -8 */
    emit16(f, c_li(A4, 12));
    emit16(f, c_li(A5, 10));
    emit16(f, c_and(A4, A5));          /* 8 */
    emit16(f, c_or(A4, A5));           /* 10 */
    emit16(f, c_xor(A4, S1));          /* 12 */
    emit16(f, C_NOP);
    emit_li(f, SP, RAM_BASE + 0x8000);
    emit16(f, c_addi16sp(-64));        /* sp = base + 0x7fc0 */
    emit16(f, c_addi4spn(A5, 16));     /* a5 = sp + 16 */
    emit16(f, c_swsp(A3, 8));
    emit16(f, c_lwsp(T0, 8));
    emit16(f, c_sw(S0, A5, 4));        /* at sp + 20 */
    emit16(f, c_lw(S1, A5, 4));
    emit16(f, c_addi16sp(496));
    run_all(f);
    assert_int_equal(reg(f, A0), 0xfffffff8);
    assert_int_equal(reg(f, A1), 0x0001f000);
    assert_int_equal(reg(f, A2), 0xfffe0000);
    assert_int_equal(reg(f, A3), 0x001effe0);
    assert_int_equal(reg(f, S0), 0xfffffffc);
    assert_int_equal(reg(f, A4), 12);
    assert_int_equal(reg(f, A5), RAM_BASE + 0x7fc0 + 16);
    assert_int_equal(reg(f, T0), 0x001effe0);
    assert_int_equal(peek32(f, RAM_BASE + 0x7fc0 + 8), 0x001effe0);
    assert_int_equal(peek32(f, RAM_BASE + 0x7fc0 + 20), 0xfffffffc);
    assert_int_equal(reg(f, S1), 0xfffffffc);
    assert_int_equal(reg(f, SP), RAM_BASE + 0x7fc0 + 496);
}

static void test_compressed_branches_and_jumps(void **state)
{
    Fixture *f = *state;
    emit16(f, c_li(S0, 0));            /* 0 */
    emit16(f, c_li(S1, 3));            /* 2 */
    emit16(f, c_addi(S0, 2));          /* 4: loop, a compressed target */
    emit16(f, c_addi(S1, -1));         /* 6 */
    emit16(f, c_bnez(S1, -4));         /* 8: back to 4 */
    emit16(f, c_beqz(S1, 6));          /* 10: to 16 */
    emit16(f, c_li(A0, 1));            /* 12: skipped */
    emit16(f, c_li(A0, 2));            /* 14: skipped */
    emit16(f, c_jal(8));               /* 16: to 24, ra = 18 */
    emit16(f, c_li(A1, 7));            /* 18: after the return */
    emit16(f, c_j(10));                /* 20: to 30 */
    emit16(f, c_li(A2, 1));            /* 22: skipped */
    emit16(f, c_mv(A3, RA));           /* 24 */
    emit16(f, c_jr(RA));               /* 26: to 18 */
    emit16(f, C_NOP);                  /* 28: skipped */
    emit(f, rv_addi(A4, ZERO, 5));     /* 30: a 32-bit insn at 2 mod 4 */
    emit(f, rv_auipc(T1, 0));          /* 34 */
    emit(f, rv_addi(T1, T1, 10));      /* 38: t1 = 44 */
    emit16(f, c_jalr(T1));             /* 42: to 44, ra = 44 */
    run_all(f);                        /* 44 */
    assert_int_equal(reg(f, S0), 6);
    assert_int_equal(reg(f, S1), 0);
    assert_int_equal(reg(f, A0), 0);
    assert_int_equal(reg(f, A1), 7);
    assert_int_equal(reg(f, A2), 0);
    assert_int_equal(reg(f, A3), RAM_BASE + 18);
    assert_int_equal(reg(f, A4), 5);
    assert_int_equal(reg(f, RA), RAM_BASE + 44);
}

static void test_compressed_reserved_encodings_are_illegal(void **state)
{
    Fixture *f = *state;
    install_skip_handler(f);
    /* Each 16-bit reserved word is followed by a c.nop so the 4-byte skip
     * lands on the next test. */
    const uint16_t reserved[] = {
        0x0000,            /* c.addi4spn with zero immediate (all zeros) */
        c_lwsp(ZERO, 4),   /* c.lwsp rd = 0 */
        0x6101,            /* c.addi16sp 0 */
        0x6081,            /* c.lui ra, 0 */
        0x8002,            /* c.jr x0 */
        0x1002 | 1 << 7,   /* c.slli with shamt[5] = 1 (RV64 only) */
        0x9c01,            /* c.subw (RV64 only) */
        0x2000,            /* c.fld (no D) */
    };
    size_t n = sizeof reserved / sizeof reserved[0];
    for (size_t i = 0; i < n; i++) {
        emit16(f, reserved[i]);
        emit16(f, C_NOP);
    }
    run_all(f);
    for (size_t i = 0; i < n; i++)
        assert_log(f, i, CPU_CAUSE_ILLEGAL, reserved[i]);
    assert_int_equal(reg(f, S11), LOG + 8 * n);
}

/* ---- disabled extensions ---- */

static void test_disabled_extensions_are_illegal(void **state)
{
    Fixture *f = *state;
    use_isa(f, "rv32i");
    install_skip_handler(f);
    uint32_t mul = rv_m(MUL, A0, A1, A2);
    uint32_t amo = rv_amo(AMOADD, A0, S0, A1);
    emit(f, rv_addi(A1, ZERO, 3));
    emit(f, rv_addi(A2, ZERO, 5));
    emit(f, mul);
    emit(f, amo);
    emit16(f, c_li(A0, 1)); /* compressed, then padding to a 4-byte skip */
    emit16(f, C_NOP);
    run_all(f);
    assert_log(f, 0, CPU_CAUSE_ILLEGAL, mul);
    assert_log(f, 1, CPU_CAUSE_ILLEGAL, amo);
    assert_log(f, 2, CPU_CAUSE_ILLEGAL, c_li(A0, 1));
    assert_int_equal(reg(f, A0), 0);
}

static void test_without_c_a_jump_to_2_mod_4_traps_on_the_jump(void **state)
{
    Fixture *f = *state;
    use_isa(f, "rv32im");
    install_stop_handler(f);
    emit(f, rv_jal(RA, 6));
    run_to(f, HANDLER + 4);
    assert_trap(f, CPU_CAUSE_FETCH_MISALIGNED, RAM_BASE, RAM_BASE + 6);
    assert_int_equal(reg(f, RA), 0); /* the jump did not retire */

    /* A taken branch too; a not-taken one does not care. */
    f->pc = RAM_BASE + 0x100;
    emit(f, rv_branch(BNE, ZERO, ZERO, 6));
    emit(f, rv_branch(BEQ, ZERO, ZERO, 10));
    cpu_set_pc(f->cpu, RAM_BASE + 0x100);
    run_to(f, HANDLER + 4);
    assert_trap(f, CPU_CAUSE_FETCH_MISALIGNED, RAM_BASE + 0x104,
                RAM_BASE + 0x104 + 10);
    /* mepc cannot hold a 2 mod 4 address without C */
    assert_true(cpu_csr_set(f->cpu, CSR_MEPC, RAM_BASE + 6));
    assert_int_equal(csr(f, CSR_MEPC), RAM_BASE + 4);
}

/* ---- A ---- */

static void test_lr_sc_and_amos(void **state)
{
    Fixture *f = *state;
    install_skip_handler(f);
    poke32(f, DATA, 10);
    poke32(f, DATA + 4, 0xfffffff0); /* -16 */
    emit(f, rv_lui(S0, DATA));
    emit(f, rv_addi(S1, S0, 4));
    emit(f, rv_addi(A1, ZERO, 42));
    emit(f, rv_amo(LR, A0, S0, ZERO));
    emit(f, rv_amo(SC, A2, S0, A1));      /* succeeds: 0 */
    emit(f, rv_amo(SC, A3, S0, ZERO));    /* no reservation: 1 */
    emit(f, rv_amo(LR, A4, S0, ZERO));
    emit(f, RV_ECALL);                    /* a trap drops the reservation */
    emit(f, rv_amo(SC, A5, S0, ZERO));    /* fails */
    emit(f, rv_amo(AMOADD, A6, S0, A1));  /* 42 + 42 */
    emit(f, rv_amo(AMOSWAP, A7, S0, S1)); /* mem = DATA + 4 */
    emit(f, rv_addi(T0, ZERO, 1));
    emit(f, rv_amo(AMOMAX, S2, S1, T0));  /* max(-16, 1) = 1 */
    emit(f, rv_amo(AMOMINU, S3, S1, A1)); /* minu(1, 42) = 1 */
    emit(f, rv_addi(T1, ZERO, -1));
    emit(f, rv_amo(AMOMAXU, S4, S1, T1)); /* 0xffffffff */
    emit(f, rv_amo(AMOMIN, S5, S1, T0));  /* min(-1, 1) = -1 */
    emit(f, rv_amo(AMOXOR, S6, S1, T0));  /* -1 ^ 1 = 0xfffffffe */
    emit(f, rv_amo(AMOAND, S7, S1, A1));  /* 0xfffffffe & 42 = 42 */
    emit(f, rv_amo(AMOOR, S8, S1, T0));   /* 43 */
    emit(f, rv_lui(S9, ROM_BASE));
    emit(f, rv_amo(AMOADD, S10, S9, T0)); /* ROM: store/AMO access fault */
    emit(f, rv_addi(T2, S0, 2));
    emit(f, rv_amo(LR, T3, T2, ZERO));    /* misaligned lr: load fault */
    emit(f, rv_amo(AMOOR, T3, T2, ZERO)); /* misaligned amo: store fault */
    run_all(f);
    assert_int_equal(reg(f, A0), 10);
    assert_int_equal(reg(f, A2), 0);
    assert_int_equal(reg(f, A3), 1);
    assert_int_equal(reg(f, A4), 42);
    assert_int_equal(reg(f, A5), 1);
    assert_int_equal(reg(f, A6), 42);
    assert_int_equal(reg(f, A7), 84);
    assert_int_equal(peek32(f, DATA), DATA + 4);
    assert_int_equal(reg(f, S2), 0xfffffff0);
    assert_int_equal(reg(f, S3), 1);
    assert_int_equal(reg(f, S4), 1);
    assert_int_equal(reg(f, S5), 0xffffffff);
    assert_int_equal(reg(f, S6), 0xffffffff);
    assert_int_equal(reg(f, S7), 0xfffffffe);
    assert_int_equal(reg(f, S8), 42);
    assert_int_equal(peek32(f, DATA + 4), 43);
    assert_int_equal(reg(f, S10), 0);
    assert_log(f, 0, CPU_CAUSE_ECALL_M, 0);
    assert_log(f, 1, CPU_CAUSE_STORE_ACCESS, ROM_BASE);
    assert_log(f, 2, CPU_CAUSE_LOAD_MISALIGNED, DATA + 2);
    assert_log(f, 3, CPU_CAUSE_STORE_MISALIGNED, DATA + 2);
    assert_int_equal(peek32(f, ROM_BASE), 0);
}

/* ---- ISA strings ---- */

static void assert_isa_refused(Fixture *f, const char *isa, const char *message)
{
    Error *err = NULL;
    CpuConfig config = {.isa = isa, .reset_pc = RAM_BASE};
    assert_null(cpu_new(f->ms, &config, &err));
    assert_non_null(err);
    assert_string_equal(error_message(err), message);
    error_free(err);
}

static void test_isa_strings(void **state)
{
    Fixture *f = *state;
    static const char *const good[] = {
        "rv32i", "rv32im", "rv32imac", "rv32imc", "rv32ic", "rv32ima",
        "rv32imac_zicsr_zifencei", "rv32i_zicsr", "RV32IMAC", "rv32imaczicsr",
        "rv32e", "rv32ec", "rv32emac",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        use_isa(f, good[i]);

    assert_isa_refused(f, "rv64imac",
                       "unsupported ISA \"rv64imac\": only rv32 is supported");
    assert_isa_refused(f, "", "unsupported ISA \"\": only rv32 is supported");
    assert_isa_refused(f, "rv32q",
                       "unsupported ISA \"rv32q\": the base must be rv32i or rv32e");
    assert_isa_refused(f, "rv32gc",
                       "unsupported ISA \"rv32gc\": the base must be rv32i or rv32e");
    assert_isa_refused(f, "rv32imafc",
                       "unsupported ISA extension(s) in \"rv32imafc\": f");
    assert_isa_refused(f, "rv32imafdc_zba_zicsr_zbb",
                       "unsupported ISA extension(s) in "
                       "\"rv32imafdc_zba_zicsr_zbb\": f, d, zba, zbb");
    assert_isa_refused(f, "rv32imm", "invalid ISA \"rv32imm\": 'm' appears twice");
}

static void test_rv32e_has_sixteen_registers(void **state)
{
    Fixture *f = *state;
    use_isa(f, "rv32ec");
    emit(f, rv_addi(A5, ZERO, 7));              /* x15: fine */
    emit(f, rv_csr(CSRRWI, ZERO, CSR_MSCRATCH, 31)); /* uimm 31 is no register */
    emit(f, rv_addi(16, ZERO, 7));              /* x16: illegal */
    Error *err = NULL;
    assert_int_equal(cpu_run(f->cpu, 100, &err), CPU_STOP_FAULT);
    assert_string_equal(error_message(err),
                        "illegal instruction 0x00700813 at pc 0x80000008 "
                        "(mcause 2, mtval 0x700813); no trap handler "
                        "(mtvec 0x00000000 unmapped)");
    error_free(err);
    assert_int_equal(reg(f, A5), 7);
    assert_int_equal(csr(f, CSR_MSCRATCH), 31);
}

static void test_misaligned_accesses_emulated_when_configured(void **state)
{
    Fixture *f = *state;
    Error *err = NULL;
    CpuConfig config = {.isa = "rv32imac", .reset_pc = RAM_BASE,
                        .frequency_hz = 1000000, .emulate_misaligned = true};
    cpu_free(f->cpu);
    f->cpu = cpu_new(f->ms, &config, &err);
    assert_non_null(f->cpu);
    install_skip_handler(f);
    poke32(f, DATA, 0x44332211);
    poke32(f, DATA + 4, 0x88776655);
    emit_li(f, T1, DATA);
    emit(f, rv_load(LW, A0, T1, 1));
    emit(f, rv_load(LH, A1, T1, 3));
    emit_li(f, T2, 0xa1b2c3d4);
    emit(f, rv_store(SW, T2, T1, 5));
    emit(f, rv_amo(LR, A2, T1, ZERO));                     /* lr.w at DATA: fine */
    emit(f, rv_addi(T3, T1, 2));
    emit(f, rv_amo(LR, A3, T3, ZERO));                     /* lr.w misaligned: traps */
    run_all(f);
    assert_int_equal(reg(f, A0), 0x55443322);
    assert_int_equal(reg(f, A1), 0x5544);
    assert_int_equal(peek32(f, DATA + 4), 0xb2c3d455);
    assert_int_equal(peek32(f, DATA + 8) & 0xff, 0xa1);
    assert_log(f, 0, CPU_CAUSE_LOAD_MISALIGNED, DATA + 2);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_x0_ignores_writes),
        T(test_lui_auipc_addi),
        T(test_register_alu_ops),
        T(test_shifts_by_31_and_shift_amount_low_bits),
        T(test_immediate_compare_and_logic),
        T(test_loads_sign_and_zero_extend),
        T(test_stores_are_little_endian),
        T(test_branches_compare_signed_and_unsigned),
        T(test_branches_and_stores_write_no_register),
        T(test_jal_jalr_link_and_clear_target_bit0),
        T(test_fences_are_no_ops),
        T(test_multiply_high_halves),
        T(test_divide_by_zero_and_overflow),
        T(test_compressed_alu_and_stack_ops),
        T(test_compressed_branches_and_jumps),
        T(test_compressed_reserved_encodings_are_illegal),
        T(test_disabled_extensions_are_illegal),
        T(test_without_c_a_jump_to_2_mod_4_traps_on_the_jump),
        T(test_lr_sc_and_amos),
        T(test_isa_strings),
        T(test_rv32e_has_sixteen_registers),
        T(test_misaligned_accesses_emulated_when_configured),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
