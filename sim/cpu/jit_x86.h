/* A small x86-64 encoder for the translator (jit_translate.c): exactly the
 * instruction forms it emits, written into a bounded buffer. An emit past
 * the end sets `full` and writes nothing; the translator checks it once
 * per block and retries after flushing the code cache.
 *
 * Naming: r32/r64 are register operands, m is [base + disp32], i an
 * immediate. Registers are numbered as the hardware does (X_R8 = 8, ...).
 * Encodings follow the Intel SDM, volume 2.
 */
#ifndef SIM_CPU_JIT_X86_H
#define SIM_CPU_JIT_X86_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

enum {
    X_RAX, X_RCX, X_RDX, X_RBX, X_RSP, X_RBP, X_RSI, X_RDI,
    X_R8, X_R9, X_R10, X_R11, X_R12, X_R13, X_R14, X_R15,
};

/* Condition codes (the low nibble of Jcc/SETcc). */
enum {
    CC_B = 0x2, CC_AE = 0x3, CC_E = 0x4, CC_NE = 0x5, CC_BE = 0x6, CC_A = 0x7,
    CC_L = 0xc, CC_GE = 0xd,
};

/* Group-1 ALU operations: the /digit of 81/83 and (<< 3) the base of the
 * r/m forms (ADD 01/03, OR 09/0B, AND 21/23, SUB 29/2B, XOR 31/33, CMP 39/3B). */
enum { ALU_ADD = 0, ALU_OR = 1, ALU_AND = 4, ALU_SUB = 5, ALU_XOR = 6, ALU_CMP = 7 };

/* Shift group (C1/D3 /digit). */
enum { SH_SHL = 4, SH_SHR = 5, SH_SAR = 7 };

/* Guest registers that live in host registers across all translated code
 * (a5, a4, a3, a2: the busiest in gcc's RV32 code by far), in registers
 * helper calls preserve. The trampoline (jit_cache.c) loads them and the
 * epilogue stores them back, so the register file in Cpu is current
 * whenever translated code is not running. */
#define JIT_NGLOBAL 4
static const uint8_t jit_global_guest[JIT_NGLOBAL] = {15, 14, 13, 12};
static const uint8_t jit_global_host[JIT_NGLOBAL] = {X_RBP, X_R12, X_R13, X_R14};

typedef struct JitBuf {
    uint8_t *start, *p, *end;
    bool full;
} JitBuf;

static inline size_t x_offset(const JitBuf *b)
{
    return (size_t)(b->p - b->start);
}

static inline void x_bytes(JitBuf *b, const void *bytes, size_t n)
{
    if (b->full || (size_t)(b->end - b->p) < n) {
        b->full = true;
        return;
    }
    memcpy(b->p, bytes, n);
    b->p += n;
}

static inline void x_u8(JitBuf *b, unsigned v)
{
    uint8_t byte = (uint8_t)v;
    x_bytes(b, &byte, 1);
}

static inline void x_u32(JitBuf *b, uint32_t v)
{
    x_bytes(b, &v, 4);
}

static inline void x_u64(JitBuf *b, uint64_t v)
{
    x_bytes(b, &v, 8);
}

/* REX with W/R/X/B; emitted only when needed (or forced for byte
 * registers beyond AL..BL, which this encoder never uses). */
static inline void x_rex(JitBuf *b, bool w, unsigned reg, unsigned index, unsigned base)
{
    unsigned rex = 0x40 | (w ? 8 : 0) | ((reg >> 3) & 1) << 2 | ((index >> 3) & 1) << 1 |
                   ((base >> 3) & 1);
    if (rex != 0x40)
        x_u8(b, rex);
}

/* ModRM for a register operand. */
static inline void x_modrm_reg(JitBuf *b, unsigned reg, unsigned rm)
{
    x_u8(b, 0xc0 | (reg & 7) << 3 | (rm & 7));
}

/* ModRM (+SIB) for [base + disp]: disp8 when it fits, else disp32. */
static inline void x_modrm_mem(JitBuf *b, unsigned reg, unsigned base, int32_t disp)
{
    bool small = disp >= -128 && disp <= 127;
    x_u8(b, (small ? 0x40 : 0x80) | (reg & 7) << 3 | (base & 7));
    if ((base & 7) == X_RSP)
        x_u8(b, 0x24); /* SIB: no index, base */
    if (small)
        x_u8(b, (uint8_t)disp);
    else
        x_u32(b, (uint32_t)disp);
}

/* opcode(s) reg, [base + disp] with an optional 0x66/0F prefix. */
static inline void x_op_mem(JitBuf *b, bool w, const uint8_t *op, size_t n, unsigned reg,
                            unsigned base, int32_t disp)
{
    x_rex(b, w, reg, 0, base);
    x_bytes(b, op, n);
    x_modrm_mem(b, reg, base, disp);
}

static inline void x_op_reg(JitBuf *b, bool w, const uint8_t *op, size_t n, unsigned reg,
                            unsigned rm)
{
    x_rex(b, w, reg, 0, rm);
    x_bytes(b, op, n);
    x_modrm_reg(b, reg, rm);
}

/* ---- moves ---- */

static inline void x_mov_rr32(JitBuf *b, unsigned dst, unsigned src)
{
    const uint8_t op = 0x89;
    x_op_reg(b, false, &op, 1, src, dst);
}

static inline void x_mov_rr64(JitBuf *b, unsigned dst, unsigned src)
{
    const uint8_t op = 0x89;
    x_op_reg(b, true, &op, 1, src, dst);
}

static inline void x_mov_rm32(JitBuf *b, unsigned dst, unsigned base, int32_t disp)
{
    const uint8_t op = 0x8b;
    x_op_mem(b, false, &op, 1, dst, base, disp);
}

static inline void x_mov_mr32(JitBuf *b, unsigned base, int32_t disp, unsigned src)
{
    const uint8_t op = 0x89;
    x_op_mem(b, false, &op, 1, src, base, disp);
}

static inline void x_mov_rm64(JitBuf *b, unsigned dst, unsigned base, int32_t disp)
{
    const uint8_t op = 0x8b;
    x_op_mem(b, true, &op, 1, dst, base, disp);
}

static inline void x_mov_mr64(JitBuf *b, unsigned base, int32_t disp, unsigned src)
{
    const uint8_t op = 0x89;
    x_op_mem(b, true, &op, 1, src, base, disp);
}

static inline void x_mov_ri32(JitBuf *b, unsigned dst, uint32_t imm)
{
    x_rex(b, false, 0, 0, dst);
    x_u8(b, 0xb8 + (dst & 7));
    x_u32(b, imm);
}

static inline void x_mov_ri64(JitBuf *b, unsigned dst, uint64_t imm)
{
    x_rex(b, true, 0, 0, dst);
    x_u8(b, 0xb8 + (dst & 7));
    x_u64(b, imm);
}

static inline void x_mov_mi32(JitBuf *b, unsigned base, int32_t disp, uint32_t imm)
{
    const uint8_t op = 0xc7;
    x_op_mem(b, false, &op, 1, 0, base, disp);
    x_u32(b, imm);
}

static inline void x_mov_mi8(JitBuf *b, unsigned base, int32_t disp, uint8_t imm)
{
    const uint8_t op = 0xc6;
    x_op_mem(b, false, &op, 1, 0, base, disp);
    x_u8(b, imm);
}

/* ---- ALU ---- */

static inline void x_alu_rr32(JitBuf *b, unsigned alu, unsigned dst, unsigned src)
{
    const uint8_t op = (uint8_t)(alu << 3 | 1);
    x_op_reg(b, false, &op, 1, src, dst);
}

static inline void x_alu_rm32(JitBuf *b, unsigned alu, unsigned dst, unsigned base,
                              int32_t disp)
{
    const uint8_t op = (uint8_t)(alu << 3 | 3);
    x_op_mem(b, false, &op, 1, dst, base, disp);
}

static inline void x_alu_ri(JitBuf *b, bool w, unsigned alu, unsigned dst, int32_t imm)
{
    bool small = imm >= -128 && imm <= 127;
    const uint8_t op = small ? 0x83 : 0x81;
    x_op_reg(b, w, &op, 1, alu, dst);
    if (small)
        x_u8(b, (uint8_t)imm);
    else
        x_u32(b, (uint32_t)imm);
}

static inline void x_alu_mi(JitBuf *b, bool w, unsigned alu, unsigned base, int32_t disp,
                            int32_t imm)
{
    bool small = imm >= -128 && imm <= 127;
    const uint8_t op = small ? 0x83 : 0x81;
    x_op_mem(b, w, &op, 1, alu, base, disp);
    if (small)
        x_u8(b, (uint8_t)imm);
    else
        x_u32(b, (uint32_t)imm);
}

static inline void x_alu_rm64(JitBuf *b, unsigned alu, unsigned dst, unsigned base,
                              int32_t disp)
{
    const uint8_t op = (uint8_t)(alu << 3 | 3);
    x_op_mem(b, true, &op, 1, dst, base, disp);
}

static inline void x_cmp_mi8(JitBuf *b, unsigned base, int32_t disp, uint8_t imm)
{
    const uint8_t op = 0x80;
    x_op_mem(b, false, &op, 1, ALU_CMP, base, disp);
    x_u8(b, imm);
}

static inline void x_test_rr(JitBuf *b, bool w, unsigned a, unsigned c)
{
    const uint8_t op = 0x85;
    x_op_reg(b, w, &op, 1, c, a);
}

static inline void x_test_ri32(JitBuf *b, unsigned reg, uint32_t imm)
{
    const uint8_t op = 0xf7;
    x_op_reg(b, false, &op, 1, 0, reg);
    x_u32(b, imm);
}

static inline void x_shift_ri(JitBuf *b, bool w, unsigned kind, unsigned reg, unsigned count)
{
    const uint8_t op = 0xc1;
    x_op_reg(b, w, &op, 1, kind, reg);
    x_u8(b, count);
}

static inline void x_shift_cl(JitBuf *b, unsigned kind, unsigned reg)
{
    const uint8_t op = 0xd3;
    x_op_reg(b, false, &op, 1, kind, reg);
}

static inline void x_imul_rr(JitBuf *b, bool w, unsigned dst, unsigned src)
{
    const uint8_t op[2] = {0x0f, 0xaf};
    x_op_reg(b, w, op, 2, dst, src);
}

static inline void x_imul_rm32(JitBuf *b, unsigned dst, unsigned base, int32_t disp)
{
    const uint8_t op[2] = {0x0f, 0xaf};
    x_op_mem(b, false, op, 2, dst, base, disp);
}

static inline void x_movsxd(JitBuf *b, unsigned dst, unsigned src)
{
    const uint8_t op = 0x63;
    x_op_reg(b, true, &op, 1, dst, src);
}

/* div/idiv ecx (F7 /6, /7): edx:eax / ecx. */
static inline void x_div_ecx(JitBuf *b, bool is_signed)
{
    const uint8_t op = 0xf7;
    x_op_reg(b, false, &op, 1, is_signed ? 7 : 6, X_RCX);
}

static inline void x_cdq(JitBuf *b)
{
    x_u8(b, 0x99);
}

/* setcc al; movzx eax, al */
static inline void x_setcc_eax(JitBuf *b, unsigned cc)
{
    const uint8_t code[6] = {0x0f, (uint8_t)(0x90 | cc), 0xc0, 0x0f, 0xb6, 0xc0};
    x_bytes(b, code, sizeof code);
}

/* bt r64, r64 (the bit index modulo 64) */
static inline void x_bt_rr64(JitBuf *b, unsigned reg, unsigned bit)
{
    const uint8_t op[2] = {0x0f, 0xa3};
    x_op_reg(b, true, op, 2, bit, reg);
}

/* lea r64, [base + disp32] (always the 7-byte form from r8..r15: a
 * chained entry starts with one, and jit_kill overwrites 5 bytes) */
static inline void x_lea64(JitBuf *b, unsigned dst, unsigned base, int32_t disp)
{
    x_rex(b, true, dst, 0, base);
    x_u8(b, 0x8d);
    x_u8(b, 0x80 | (dst & 7) << 3 | (base & 7));
    if ((base & 7) == X_RSP)
        x_u8(b, 0x24);
    x_u32(b, (uint32_t)disp);
}

/* mov r64, [base + index * 8 + disp32] */
static inline void x_mov_rm64_index8(JitBuf *b, unsigned dst, unsigned base, unsigned index,
                                     int32_t disp)
{
    x_rex(b, true, dst, index, base);
    x_u8(b, 0x8b);
    x_u8(b, 0x84 | (dst & 7) << 3); /* mod 10, rm 100: SIB + disp32 */
    x_u8(b, 0xc0 | (index & 7) << 3 | (base & 7));
    x_u32(b, (uint32_t)disp);
}

/* Loads of each width into a 32-bit register from [base + index]
 * (index is a zero-extended 32-bit offset). */
static inline void x_load_indexed(JitBuf *b, unsigned size, bool sign, unsigned dst,
                                  unsigned base, unsigned index)
{
    x_rex(b, false, dst, index, base);
    if (size == 4) {
        x_u8(b, 0x8b);
    } else {
        x_u8(b, 0x0f);
        x_u8(b, size == 1 ? (sign ? 0xbe : 0xb6) : (sign ? 0xbf : 0xb7));
    }
    x_u8(b, 0x04 | (dst & 7) << 3); /* mod 00, rm 100: SIB */
    x_u8(b, (index & 7) << 3 | (base & 7));
}

/* Stores of each width from eax (al/ax) to [base + index]. */
static inline void x_store_indexed(JitBuf *b, unsigned size, unsigned base, unsigned index)
{
    if (size == 2)
        x_u8(b, 0x66);
    x_rex(b, false, X_RAX, index, base);
    x_u8(b, size == 1 ? 0x88 : 0x89);
    x_u8(b, 0x04);
    x_u8(b, (index & 7) << 3 | (base & 7));
}

/* ---- control ---- */

/* jcc/jmp rel32 to be patched: returns the offset of the rel32 field. */
static inline size_t x_jcc(JitBuf *b, unsigned cc)
{
    x_u8(b, 0x0f);
    x_u8(b, 0x80 | cc);
    x_u32(b, 0);
    return x_offset(b) - 4;
}

static inline size_t x_jmp(JitBuf *b)
{
    x_u8(b, 0xe9);
    x_u32(b, 0);
    return x_offset(b) - 4;
}

/* Points the rel32 at `field` to `target` (offsets in the same buffer). */
static inline void x_patch(JitBuf *b, size_t field, size_t target)
{
    if (b->full)
        return;
    int32_t rel = (int32_t)((int64_t)target - (int64_t)(field + 4));
    memcpy(b->start + field, &rel, 4);
}

/* call/jmp through rax */
static inline void x_call_rax(JitBuf *b)
{
    const uint8_t code[2] = {0xff, 0xd0};
    x_bytes(b, code, 2);
}

static inline void x_jmp_reg(JitBuf *b, unsigned reg)
{
    x_rex(b, false, 0, 0, reg);
    x_u8(b, 0xff);
    x_u8(b, 0xe0 | (reg & 7));
}

static inline void x_push(JitBuf *b, unsigned reg)
{
    x_rex(b, false, 0, 0, reg);
    x_u8(b, 0x50 + (reg & 7));
}

static inline void x_pop(JitBuf *b, unsigned reg)
{
    x_rex(b, false, 0, 0, reg);
    x_u8(b, 0x58 + (reg & 7));
}

static inline void x_ret(JitBuf *b)
{
    x_u8(b, 0xc3);
}

#endif
