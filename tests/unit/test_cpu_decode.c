/* The RV32 decoder (sim/cpu/cpu_decode.[ch]): the instruction table's rows
 * are disjoint and fix their lookup key, the decoder agrees with a plain
 * linear search over random words, leaves out disabled extensions, and
 * decodes compressed instructions to their base operations. */
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

/* ---- the decoder table ---- */

/* Constraints only look at bits [11:2]. */
#define CONSTRAINT_BITS 0x00000ffcu

/* Whether some instruction word is matched by both rows. Words that agree
 * on both masks differ only in bits neither mask fixes; of those, only
 * constraint bits change the outcome, so trying every value of the free
 * constraint bits decides it exactly. */
static bool rows_share_a_word(const CpuInsnInfo *a, const CpuInsnInfo *b)
{
    if ((a->match ^ b->match) & a->mask & b->mask)
        return false; /* a bit both fix, to different values */
    uint32_t word = a->match | b->match;
    uint32_t open = ~(a->mask | b->mask) & CONSTRAINT_BITS;
    uint32_t s = 0;
    do {
        if (cpu_insn_matches(a, word | s) && cpu_insn_matches(b, word | s))
            return true;
        s = (s - open) & open; /* next subset of `open` */
    } while (s != 0);
    return false;
}

static void test_decode_table_rows_are_disjoint(void **state)
{
    (void)state;
    for (unsigned i = 0; i < CPU_INSN_COUNT; i++)
        for (unsigned j = i + 1; j < CPU_INSN_COUNT; j++)
            if (rows_share_a_word(&cpu_insn_table[i], &cpu_insn_table[j]))
                fail_msg("rows %s and %s match the same word",
                         cpu_insn_table[i].name, cpu_insn_table[j].name);

    /* The check can fail: without its constraint c.mv overlaps c.jr,
     * and c.lui overlaps c.addi16sp. */
    CpuInsnInfo mv = cpu_insn_table[CPU_INSN_C_MV];
    mv.constraint = CPU_CON_NONE;
    assert_true(rows_share_a_word(&mv, &cpu_insn_table[CPU_INSN_C_JR]));
    CpuInsnInfo lui = cpu_insn_table[CPU_INSN_C_LUI];
    lui.constraint = CPU_CON_NONE;
    assert_true(rows_share_a_word(&lui, &cpu_insn_table[CPU_INSN_C_ADDI16SP]));
}

static void test_decode_table_rows_fix_their_lookup_key(void **state)
{
    (void)state;
    for (unsigned i = 0; i < CPU_INSN_COUNT; i++) {
        const CpuInsnInfo *row = &cpu_insn_table[i];
        uint32_t key_bits = cpu_insn_is_compressed(row->match) ? 0xe003 : 0x7f;
        if ((row->mask & key_bits) != key_bits)
            fail_msg("row %s does not fix its lookup key bits", row->name);
        if ((row->match & ~row->mask) != 0)
            fail_msg("row %s matches bits outside its mask", row->name);
        const CpuInsnInfo *exec = &cpu_insn_table[row->exec];
        if (exec->exec != row->exec || cpu_insn_is_compressed(exec->match))
            fail_msg("row %s executes as a non-base row", row->name);
    }
}

static uint32_t xorshift32(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

/* The reference decoder: every row in table order. */
static int linear_decode(uint32_t bits)
{
    if (cpu_insn_is_compressed(bits))
        bits &= 0xffff;
    for (unsigned i = 0; i < CPU_INSN_COUNT; i++)
        if (cpu_insn_matches(&cpu_insn_table[i], bits))
            return (int)i;
    return -1;
}

static void check_decode_agrees(const CpuDecoder *dec, uint32_t bits)
{
    CpuInsn insn;
    int want = linear_decode(bits);
    bool ok = cpu_decode(dec, bits, &insn);
    int got = ok ? insn.id : -1;
    /* Reserved encodings inside a row match it but decode as illegal. */
    if (want >= 0 && !ok)
        return;
    if (got != want)
        fail_msg("0x%08x: decoder says %s, table says %s", bits,
                 got < 0 ? "illegal" : cpu_insn_name(got),
                 want < 0 ? "illegal" : cpu_insn_name(want));
}

static void test_decoder_agrees_with_linear_search(void **state)
{
    (void)state;
    CpuDecoder dec;
    uint32_t seed = 12345;
    cpu_decoder_init(&dec, CPU_EXT_I | CPU_EXT_M | CPU_EXT_A | CPU_EXT_C |
                               CPU_EXT_ZICSR | CPU_EXT_ZIFENCEI);
    for (uint32_t w = 0; w < 0x10000; w++)
        if (cpu_insn_is_compressed(w))
            check_decode_agrees(&dec, w | xorshift32(&seed) << 16);
    for (int i = 0; i < 200000; i++)
        check_decode_agrees(&dec, xorshift32(&seed));
    /* Random words are rarely valid: also try each row with random
     * operand bits. */
    for (unsigned r = 0; r < CPU_INSN_COUNT; r++)
        for (int i = 0; i < 1000; i++) {
            const CpuInsnInfo *row = &cpu_insn_table[r];
            check_decode_agrees(&dec, row->match | (xorshift32(&seed) & ~row->mask));
        }
}

static void test_decoder_leaves_out_disabled_extensions(void **state)
{
    (void)state;
    CpuDecoder dec;
    CpuInsn insn;
    cpu_decoder_init(&dec, CPU_EXT_I | CPU_EXT_ZICSR | CPU_EXT_ZIFENCEI);
    assert_true(cpu_decode(&dec, rv_addi(A0, A1, 1), &insn));
    assert_string_equal(cpu_insn_name(insn.id), "addi");
    assert_false(cpu_decode(&dec, rv_m(MUL, A0, A1, A2), &insn));
    assert_false(cpu_decode(&dec, c_li(A0, 1), &insn));
    assert_false(cpu_decode(&dec, rv_amo(LR, A0, A1, 0), &insn));
}

static void test_compressed_decodes_to_base_operations(void **state)
{
    (void)state;
    CpuDecoder dec;
    CpuInsn insn;
    cpu_decoder_init(&dec, CPU_EXT_I | CPU_EXT_C);
    assert_true(cpu_decode(&dec, c_addi4spn(A5, 1020), &insn));
    assert_string_equal(cpu_insn_name(insn.id), "c.addi4spn");
    assert_int_equal(insn.op, CPU_INSN_ADDI);
    assert_int_equal(insn.rd, A5);
    assert_int_equal(insn.rs1, SP);
    assert_int_equal(insn.imm, 1020);
    assert_int_equal(insn.length, 2);

    assert_true(cpu_decode(&dec, c_j(-2048), &insn));
    assert_int_equal(insn.op, CPU_INSN_JAL);
    assert_int_equal(insn.rd, 0);
    assert_int_equal(insn.imm, (uint32_t)-2048);
    assert_true(cpu_decode(&dec, c_jal(2046), &insn));
    assert_int_equal(insn.rd, RA);
    assert_int_equal(insn.imm, 2046);
    assert_true(cpu_decode(&dec, c_beqz(S1, -256), &insn));
    assert_int_equal(insn.op, CPU_INSN_BEQ);
    assert_int_equal(insn.imm, (uint32_t)-256);
    assert_true(cpu_decode(&dec, c_bnez(S1, 254), &insn));
    assert_int_equal(insn.imm, 254);
    assert_true(cpu_decode(&dec, c_addi16sp(-512), &insn));
    assert_int_equal(insn.imm, (uint32_t)-512);
    assert_true(cpu_decode(&dec, c_lwsp(RA, 252), &insn));
    assert_int_equal(insn.imm, 252);
    assert_true(cpu_decode(&dec, c_swsp(RA, 252), &insn));
    assert_int_equal(insn.imm, 252);
    assert_int_equal(insn.rs2, RA);
    assert_true(cpu_decode(&dec, c_lw(A0, A1, 124), &insn));
    assert_int_equal(insn.imm, 124);
    assert_true(cpu_decode(&dec, C_EBREAK, &insn));
    assert_int_equal(insn.op, CPU_INSN_EBREAK);
    assert_string_equal(cpu_insn_name(insn.id), "c.ebreak");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_table_rows_are_disjoint),
        cmocka_unit_test(test_decode_table_rows_fix_their_lookup_key),
        cmocka_unit_test(test_decoder_agrees_with_linear_search),
        cmocka_unit_test(test_decoder_leaves_out_disabled_extensions),
        cmocka_unit_test(test_compressed_decodes_to_base_operations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
