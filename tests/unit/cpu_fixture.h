/* The CPU unit tests' machine: RAM at 0x80000000, a ROM, a test device
 * and a second RAM, a CPU over them, and helpers to emit instructions,
 * run them and check traps. Include after <cmocka.h> and
 * tests/unit/rv_asm.h. Header-only (static inline): every test_*.c in
 * tests/unit is its own binary. */
#ifndef TESTS_UNIT_CPU_FIXTURE_H
#define TESTS_UNIT_CPU_FIXTURE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cpu/cpu_internal.h"
#include "tests/unit/rv_asm.h"

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
static inline bool dev_read(void *opaque, uint64_t offset, unsigned size,
                     uint32_t *value)
{
    (void)opaque;
    (void)size;
    if (offset == 0x10)
        return false;
    *value = 0xcafe0000u | (uint32_t)offset;
    return true;
}

static inline bool dev_write(void *opaque, uint64_t offset, unsigned size,
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

static inline Cpu *new_cpu(Fixture *f, const char *isa)
{
    Error *err = NULL;
    CpuConfig config = {.isa = isa, .reset_pc = RAM_BASE, .frequency_hz = 1000000,
                        .pmp_entries = CPU_PMP_MAX, .triggers = 2};
    Cpu *cpu = cpu_new(f->ms, &config, &err);
    if (!cpu)
        fail_msg("cpu_new(%s): %s", isa, error_message(err));
    return cpu;
}

static inline int setup(void **state)
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

static inline int teardown(void **state)
{
    Fixture *f = *state;
    cpu_free(f->cpu);
    memory_set_root(f->ms, NULL);
    owner_unref(f->board);
    memory_system_free(f->ms);
    free(f);
    return 0;
}

static inline void use_isa(Fixture *f, const char *isa)
{
    cpu_free(f->cpu);
    f->cpu = new_cpu(f, isa);
}

static inline void poke(Fixture *f, uint32_t addr, const void *data, size_t len)
{
    Error *err = NULL;
    if (!memory_debug_write(f->ms, addr, data, len, &err))
        fail_msg("poke 0x%08x: %s", addr, error_message(err));
}

static inline uint32_t peek32(Fixture *f, uint32_t addr)
{
    uint32_t v;
    Error *err = NULL;
    if (!memory_debug_read(f->ms, addr, &v, 4, &err))
        fail_msg("peek 0x%08x: %s", addr, error_message(err));
    return v;
}

static inline void poke32(Fixture *f, uint32_t addr, uint32_t value)
{
    poke(f, addr, &value, 4);
}

static inline void emit(Fixture *f, uint32_t insn)
{
    poke32(f, f->pc, insn);
    f->pc += 4;
}

static inline void emit16(Fixture *f, uint16_t insn)
{
    poke(f, f->pc, &insn, 2);
    f->pc += 2;
}

/* Loads a 32-bit constant (lui + addi, like the `li` pseudo). */
static inline void emit_li(Fixture *f, unsigned rd, uint32_t value)
{
    uint32_t lo = value & 0xfff;
    uint32_t hi = value - (lo >= 0x800 ? lo - 0x1000 : lo);
    emit(f, rv_lui(rd, hi));
    emit(f, rv_addi(rd, rd, (int32_t)(lo >= 0x800 ? lo - 0x1000 : lo)));
}

static inline uint32_t reg(Fixture *f, unsigned r) { return cpu_get_reg(f->cpu, r); }

static inline uint32_t csr(Fixture *f, unsigned number)
{
    uint32_t v;
    assert_true(cpu_csr_get(f->cpu, number, &v));
    return v;
}

/* Runs until pc reaches `end` (the next emit position by default),
 * instruction by instruction, failing on a fault or a runaway. */
static inline void run_to(Fixture *f, uint32_t end)
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

static inline void run_all(Fixture *f) { run_to(f, f->pc); }

/* A handler at HANDLER that logs (mcause, mtval) pairs at the address in
 * s11, skips the 4-byte trapping instruction and returns. */
static inline void install_skip_handler(Fixture *f)
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
static inline void install_stop_handler(Fixture *f)
{
    uint32_t saved = f->pc;
    f->pc = HANDLER;
    emit(f, rv_addi(T5, T5, 1));
    emit(f, rv_jal(ZERO, 0));
    f->pc = saved;
    assert_true(cpu_csr_set(f->cpu, CSR_MTVEC, HANDLER));
}

static inline void assert_trap(Fixture *f, uint32_t cause, uint32_t epc, uint32_t tval)
{
    assert_int_equal(csr(f, CSR_MCAUSE), cause);
    assert_int_equal(csr(f, CSR_MEPC), epc);
    assert_int_equal(csr(f, CSR_MTVAL), tval);
}

static inline void assert_log(Fixture *f, unsigned index, uint32_t cause, uint32_t tval)
{
    assert_int_equal(peek32(f, LOG + 8 * index), cause);
    assert_int_equal(peek32(f, LOG + 8 * index + 4), tval);
}

/* Runs until the program writes MMIO offset 4 (the stop request). */
static inline void run_until_stop(Fixture *f, uint64_t budget)
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

static inline void emit_stop(Fixture *f)
{
    emit_li(f, T6, MMIO_BASE);
    emit(f, rv_store(SW, ZERO, T6, 4));
}

#endif
