/* The RV32 hart (sim/cpu/cpu.h): each test assembles a few instructions into
 * RAM at 0x80000000, runs them and checks registers, memory and CSRs
 * against values worked out from the ISA manual. The decoder's table is
 * checked for overlaps and against a plain linear search. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim/cpu/cpu_internal.h"

enum {
    RAM_BASE = 0x80000000u,
    RAM_SIZE = 0x10000u,
    ROM_BASE = 0x00001000u,
    ROM_SIZE = 0x1000u,
    MMIO_BASE = 0x10000000u,
    MMIO_SIZE = 0x100u,
    RAM2_BASE = 0x90000000u,
    HANDLER = 0x80001000u,
    DATA = 0x80002000u,
    LOG = 0x80003000u,
};

#include "tests/unit/rv_asm.h"

/* ---- the machine under test ---- */

typedef struct Fixture {
    MemorySystem *ms;
    Owner *board;
    MemoryRegion *root, *ram, *rom, *mmio, *ram2;
    Cpu *cpu;
    uint32_t pc;           /* where the next emitted instruction goes */
    uint32_t mmio_written; /* last value written at MMIO offset 0 */
    unsigned mmio_writes;
} Fixture;

/* A test device: reads return 0xcafe0000 | offset, except offset 0x10
 * which refuses (bus error); a write to 0 is recorded, a write to 4 asks
 * the CPU to stop, a write to 0x10 is refused. */
static bool dev_read(void *opaque, uint64_t offset, unsigned size,
                     uint32_t *value)
{
    (void)opaque;
    (void)size;
    if (offset == 0x10)
        return false;
    *value = 0xcafe0000u | (uint32_t)offset;
    return true;
}

static bool dev_write(void *opaque, uint64_t offset, unsigned size,
                      uint32_t value)
{
    Fixture *f = opaque;
    (void)size;
    if (offset == 0x10)
        return false;
    if (offset == 4)
        cpu_request_stop(f->cpu);
    if (offset == 0) {
        f->mmio_written = value;
        f->mmio_writes++;
    }
    return true;
}

static const MmioOps dev_ops = {.read = dev_read, .write = dev_write};

static Cpu *new_cpu(Fixture *f, const char *isa)
{
    Error *err = NULL;
    CpuConfig config = {.isa = isa, .reset_pc = RAM_BASE, .frequency_hz = 1000000,
                        .pmp_entries = CPU_PMP_MAX, .triggers = 2};
    Cpu *cpu = cpu_new(f->ms, &config, &err);
    if (!cpu)
        fail_msg("cpu_new(%s): %s", isa, error_message(err));
    return cpu;
}

static int setup(void **state)
{
    Fixture *f = calloc(1, sizeof *f);
    Error *err = NULL;
    assert_non_null(f);
    f->ms = memory_system_new();
    f->board = owner_new(f->ms, "board", NULL, NULL);
    f->root = memory_region_new_container(f->board, "system", 1ULL << 32);
    f->ram = memory_region_new_ram(f->board, "ram", RAM_SIZE, &err);
    f->rom = memory_region_new_rom(f->board, "rom", ROM_SIZE, &err);
    f->ram2 = memory_region_new_ram(f->board, "ram2", 0x1000, &err);
    f->mmio = memory_region_new_mmio(f->board, "dev", MMIO_SIZE, &dev_ops, f);
    assert_null(err);
    memory_begin(f->ms);
    assert_true(memory_add_subregion(f->root, RAM_BASE, f->ram, &err));
    assert_true(memory_add_subregion(f->root, ROM_BASE, f->rom, &err));
    assert_true(memory_add_subregion(f->root, RAM2_BASE, f->ram2, &err));
    assert_true(memory_add_subregion(f->root, MMIO_BASE, f->mmio, &err));
    memory_set_root(f->ms, f->root);
    memory_commit(f->ms);
    f->cpu = new_cpu(f, "rv32imac");
    f->pc = RAM_BASE;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    Fixture *f = *state;
    cpu_free(f->cpu);
    memory_set_root(f->ms, NULL);
    owner_unref(f->board);
    memory_system_free(f->ms);
    free(f);
    return 0;
}

static void use_isa(Fixture *f, const char *isa)
{
    cpu_free(f->cpu);
    f->cpu = new_cpu(f, isa);
}

static void poke(Fixture *f, uint32_t addr, const void *data, size_t len)
{
    Error *err = NULL;
    if (!memory_debug_write(f->ms, addr, data, len, &err))
        fail_msg("poke 0x%08x: %s", addr, error_message(err));
}

static uint32_t peek32(Fixture *f, uint32_t addr)
{
    uint32_t v;
    Error *err = NULL;
    if (!memory_debug_read(f->ms, addr, &v, 4, &err))
        fail_msg("peek 0x%08x: %s", addr, error_message(err));
    return v;
}

static void poke32(Fixture *f, uint32_t addr, uint32_t value)
{
    poke(f, addr, &value, 4);
}

static void emit(Fixture *f, uint32_t insn)
{
    poke32(f, f->pc, insn);
    f->pc += 4;
}

static void emit16(Fixture *f, uint16_t insn)
{
    poke(f, f->pc, &insn, 2);
    f->pc += 2;
}

/* Loads a 32-bit constant (lui + addi, like the `li` pseudo). */
static void emit_li(Fixture *f, unsigned rd, uint32_t value)
{
    uint32_t lo = value & 0xfff;
    uint32_t hi = value - (lo >= 0x800 ? lo - 0x1000 : lo);
    emit(f, rv_lui(rd, hi));
    emit(f, rv_addi(rd, rd, (int32_t)(lo >= 0x800 ? lo - 0x1000 : lo)));
}

static uint32_t reg(Fixture *f, unsigned r) { return cpu_get_reg(f->cpu, r); }

static uint32_t csr(Fixture *f, unsigned number)
{
    uint32_t v;
    assert_true(cpu_csr_get(f->cpu, number, &v));
    return v;
}

/* Runs until pc reaches `end` (the next emit position by default),
 * instruction by instruction, failing on a fault or a runaway. */
static void run_to(Fixture *f, uint32_t end)
{
    for (int i = 0; i < 10000 && cpu_get_pc(f->cpu) != end; i++) {
        Error *err = NULL;
        CpuStopReason why = cpu_run(f->cpu, 1, &err);
        if (why == CPU_STOP_FAULT) {
            char message[512];
            snprintf(message, sizeof message, "%s", error_message(err));
            error_free(err); /* fail_msg does not return */
            fail_msg("fault: %s", message);
        }
        assert_int_equal(why, CPU_STOP_INSN_LIMIT);
    }
    assert_int_equal(cpu_get_pc(f->cpu), end);
}

static void run_all(Fixture *f) { run_to(f, f->pc); }

/* A handler at HANDLER that logs (mcause, mtval) pairs at the address in
 * s11, skips the 4-byte trapping instruction and returns. */
static void install_skip_handler(Fixture *f)
{
    uint32_t saved = f->pc;
    f->pc = HANDLER;
    emit(f, rv_csrr(T6, CSR_MEPC));
    emit(f, rv_addi(T6, T6, 4));
    emit(f, rv_csrw(CSR_MEPC, T6));
    emit(f, rv_csrr(T6, CSR_MCAUSE));
    emit(f, rv_store(SW, T6, S11, 0));
    emit(f, rv_csrr(T6, CSR_MTVAL));
    emit(f, rv_store(SW, T6, S11, 4));
    emit(f, rv_addi(S11, S11, 8));
    emit(f, RV_MRET);
    f->pc = saved;
    assert_true(cpu_csr_set(f->cpu, CSR_MTVEC, HANDLER));
    cpu_set_reg(f->cpu, S11, LOG);
}

/* A handler that only counts (t5++) and then spins: tests stop on its
 * second instruction and inspect the trap CSRs. */
static void install_stop_handler(Fixture *f)
{
    uint32_t saved = f->pc;
    f->pc = HANDLER;
    emit(f, rv_addi(T5, T5, 1));
    emit(f, rv_jal(ZERO, 0));
    f->pc = saved;
    assert_true(cpu_csr_set(f->cpu, CSR_MTVEC, HANDLER));
}

static void assert_trap(Fixture *f, uint32_t cause, uint32_t epc, uint32_t tval)
{
    assert_int_equal(csr(f, CSR_MCAUSE), cause);
    assert_int_equal(csr(f, CSR_MEPC), epc);
    assert_int_equal(csr(f, CSR_MTVAL), tval);
}

static void assert_log(Fixture *f, unsigned index, uint32_t cause, uint32_t tval)
{
    assert_int_equal(peek32(f, LOG + 8 * index), cause);
    assert_int_equal(peek32(f, LOG + 8 * index + 4), tval);
}

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


/* ---- whole blocks, time, interrupts, wfi ----
 * These run programs in one cpu_run call, so they go through the decoded
 * block cache and its chaining, not the one-instruction path above. */

/* Runs until the program writes MMIO offset 4 (the stop request). */
static void run_until_stop(Fixture *f, uint64_t budget)
{
    Error *err = NULL;
    CpuStopReason why = cpu_run(f->cpu, budget, &err);
    if (why == CPU_STOP_FAULT) {
        char message[512];
        snprintf(message, sizeof message, "%s", error_message(err));
        error_free(err);
        fail_msg("fault: %s", message);
    }
    assert_int_equal(why, CPU_STOP_REQUESTED);
}

static void emit_stop(Fixture *f)
{
    emit_li(f, T6, MMIO_BASE);
    emit(f, rv_store(SW, ZERO, T6, 4));
}

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

static uint64_t fixed_time(void *opaque)
{
    return *(uint64_t *)opaque;
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
        T(test_disabled_extensions_are_illegal),
        T(test_without_c_a_jump_to_2_mod_4_traps_on_the_jump),
        T(test_lr_sc_and_amos),
        T(test_mmio_access_and_stop_request),
        T(test_stop_requested_before_run_returns_at_once),
        T(test_store_into_code_is_fetched_next),
        T(test_map_change_flushes_cached_ranges),
        T(test_reset_restores_architectural_state),
        T(test_isa_strings),
        T(test_blocks_run_a_loop_to_the_same_result),
        T(test_instruction_limit_is_exact_inside_blocks),
        T(test_store_into_cached_code_is_seen),
        T(test_wfi_with_nothing_to_wake_it_is_a_fault),
        T(test_wfi_sleeps_to_the_event_and_wakes_without_a_trap),
        T(test_timer_interrupt_enters_vectored_handler),
        T(test_interrupt_priority_is_mei_msi_mti),
        T(test_time_csr_reads_the_time_source),
        T(test_user_mode_ecall_and_privileged_csrs),
        T(test_user_counters_follow_mcounteren),
        T(test_pmp_checks_user_loads_stores_and_fetches),
        T(test_pmp_locked_entry_binds_machine_mode),
        T(test_mcountinhibit_freezes_counters),
        T(test_rv32e_has_sixteen_registers),
        T(test_misaligned_accesses_emulated_when_configured),
        T(test_reset_requested_by_an_event_restarts_the_hart),
        T(test_host_services_serve_ecall_and_semihosting),
        T(test_tracer_sees_every_instruction_and_trap),
        T(test_breakpoints_stop_before_the_instruction),
        T(test_breakpoint_in_rom_and_single_step_over_it),
        T(test_watchpoints_stop_before_the_access),
        T(test_watchpoint_right_after_a_step_stops),
        T(test_step_over_a_trap_stops_in_the_handler),
        cmocka_unit_test(test_decode_table_rows_are_disjoint),
        cmocka_unit_test(test_decode_table_rows_fix_their_lookup_key),
        cmocka_unit_test(test_decoder_agrees_with_linear_search),
        cmocka_unit_test(test_decoder_leaves_out_disabled_extensions),
        cmocka_unit_test(test_compressed_decodes_to_base_operations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
