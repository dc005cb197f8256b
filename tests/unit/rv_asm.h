/* A tiny RV32IMAC assembler for the unit tests: one function per
 * instruction form, returning its encoding. Include after <cmocka.h>
 * (register checks use its assertions). */
#ifndef TESTS_UNIT_RV_ASM_H
#define TESTS_UNIT_RV_ASM_H

#include <stdint.h>

/* Register numbers by ABI name. */
enum {
    ZERO, RA, SP, GP, TP, T0, T1, T2, S0, S1, A0, A1, A2, A3, A4, A5, A6, A7,
    S2, S3, S4, S5, S6, S7, S8, S9, S10, S11, T3, T4, T5, T6,
};

enum {
    OPC_LOAD = 0x03, OPC_MISC_MEM = 0x0f, OPC_OP_IMM = 0x13, OPC_AUIPC = 0x17,
    OPC_STORE = 0x23, OPC_AMO = 0x2f, OPC_OP = 0x33, OPC_LUI = 0x37,
    OPC_BRANCH = 0x63, OPC_JALR = 0x67, OPC_JAL = 0x6f, OPC_SYSTEM = 0x73,
};

static inline uint32_t enc_r(uint32_t op, unsigned rd, unsigned f3, unsigned rs1,
                      unsigned rs2, uint32_t f7)
{
    return f7 << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op;
}
static inline uint32_t enc_i(uint32_t op, unsigned rd, unsigned f3, unsigned rs1,
                      int32_t imm)
{
    return ((uint32_t)imm & 0xfff) << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op;
}
static inline uint32_t enc_s(unsigned f3, unsigned rs1, unsigned rs2, int32_t imm)
{
    uint32_t u = (uint32_t)imm;
    return (u >> 5 & 0x7f) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 |
           (u & 0x1f) << 7 | OPC_STORE;
}
static inline uint32_t enc_b(unsigned f3, unsigned rs1, unsigned rs2, int32_t imm)
{
    uint32_t u = (uint32_t)imm;
    return (u >> 12 & 1) << 31 | (u >> 5 & 0x3f) << 25 | rs2 << 20 |
           rs1 << 15 | f3 << 12 | (u >> 1 & 0xf) << 8 | (u >> 11 & 1) << 7 |
           OPC_BRANCH;
}
static inline uint32_t enc_u(uint32_t op, unsigned rd, uint32_t imm)
{
    return (imm & 0xfffff000u) | rd << 7 | op;
}
static inline uint32_t enc_j(unsigned rd, int32_t imm)
{
    uint32_t u = (uint32_t)imm;
    return (u >> 20 & 1) << 31 | (u >> 1 & 0x3ff) << 21 | (u >> 11 & 1) << 20 |
           (u >> 12 & 0xff) << 12 | rd << 7 | OPC_JAL;
}

static inline uint32_t rv_lui(unsigned rd, uint32_t imm) { return enc_u(OPC_LUI, rd, imm); }
static inline uint32_t rv_auipc(unsigned rd, uint32_t imm) { return enc_u(OPC_AUIPC, rd, imm); }
static inline uint32_t rv_addi(unsigned rd, unsigned rs1, int32_t imm) { return enc_i(OPC_OP_IMM, rd, 0, rs1, imm); }
static inline uint32_t rv_slti(unsigned rd, unsigned rs1, int32_t imm) { return enc_i(OPC_OP_IMM, rd, 2, rs1, imm); }
static inline uint32_t rv_sltiu(unsigned rd, unsigned rs1, int32_t imm) { return enc_i(OPC_OP_IMM, rd, 3, rs1, imm); }
static inline uint32_t rv_xori(unsigned rd, unsigned rs1, int32_t imm) { return enc_i(OPC_OP_IMM, rd, 4, rs1, imm); }
static inline uint32_t rv_ori(unsigned rd, unsigned rs1, int32_t imm) { return enc_i(OPC_OP_IMM, rd, 6, rs1, imm); }
static inline uint32_t rv_andi(unsigned rd, unsigned rs1, int32_t imm) { return enc_i(OPC_OP_IMM, rd, 7, rs1, imm); }
static inline uint32_t rv_slli(unsigned rd, unsigned rs1, unsigned sh) { return enc_i(OPC_OP_IMM, rd, 1, rs1, sh); }
static inline uint32_t rv_srli(unsigned rd, unsigned rs1, unsigned sh) { return enc_i(OPC_OP_IMM, rd, 5, rs1, sh); }
static inline uint32_t rv_srai(unsigned rd, unsigned rs1, unsigned sh) { return enc_i(OPC_OP_IMM, rd, 5, rs1, 0x400 | sh); }
static inline uint32_t rv_op(unsigned f7, unsigned f3, unsigned rd, unsigned rs1, unsigned rs2) { return enc_r(OPC_OP, rd, f3, rs1, rs2, f7); }
static inline uint32_t rv_add(unsigned rd, unsigned rs1, unsigned rs2) { return rv_op(0, 0, rd, rs1, rs2); }
static inline uint32_t rv_sub(unsigned rd, unsigned rs1, unsigned rs2) { return rv_op(0x20, 0, rd, rs1, rs2); }
static inline uint32_t rv_sll(unsigned rd, unsigned rs1, unsigned rs2) { return rv_op(0, 1, rd, rs1, rs2); }
static inline uint32_t rv_slt(unsigned rd, unsigned rs1, unsigned rs2) { return rv_op(0, 2, rd, rs1, rs2); }
static inline uint32_t rv_sltu(unsigned rd, unsigned rs1, unsigned rs2) { return rv_op(0, 3, rd, rs1, rs2); }
static inline uint32_t rv_xor(unsigned rd, unsigned rs1, unsigned rs2) { return rv_op(0, 4, rd, rs1, rs2); }
static inline uint32_t rv_srl(unsigned rd, unsigned rs1, unsigned rs2) { return rv_op(0, 5, rd, rs1, rs2); }
static inline uint32_t rv_sra(unsigned rd, unsigned rs1, unsigned rs2) { return rv_op(0x20, 5, rd, rs1, rs2); }
static inline uint32_t rv_or(unsigned rd, unsigned rs1, unsigned rs2) { return rv_op(0, 6, rd, rs1, rs2); }
static inline uint32_t rv_and(unsigned rd, unsigned rs1, unsigned rs2) { return rv_op(0, 7, rd, rs1, rs2); }
/* M: funct7 1, funct3 0..7 = mul mulh mulhsu mulhu div divu rem remu */
static inline uint32_t rv_m(unsigned f3, unsigned rd, unsigned rs1, unsigned rs2) { return rv_op(1, f3, rd, rs1, rs2); }
enum { MUL, MULH, MULHSU, MULHU, DIV, DIVU, REM, REMU };
static inline uint32_t rv_load(unsigned f3, unsigned rd, unsigned rs1, int32_t imm) { return enc_i(OPC_LOAD, rd, f3, rs1, imm); }
enum { LB = 0, LH = 1, LW = 2, LBU = 4, LHU = 5 };
static inline uint32_t rv_store(unsigned f3, unsigned rs2, unsigned rs1, int32_t imm) { return enc_s(f3, rs1, rs2, imm); }
enum { SB = 0, SH = 1, SW = 2 };
static inline uint32_t rv_branch(unsigned f3, unsigned rs1, unsigned rs2, int32_t off) { return enc_b(f3, rs1, rs2, off); }
enum { BEQ = 0, BNE = 1, BLT = 4, BGE = 5, BLTU = 6, BGEU = 7 };
static inline uint32_t rv_jal(unsigned rd, int32_t off) { return enc_j(rd, off); }
static inline uint32_t rv_jalr(unsigned rd, unsigned rs1, int32_t imm) { return enc_i(OPC_JALR, rd, 0, rs1, imm); }
static inline uint32_t rv_csr(unsigned f3, unsigned rd, unsigned number, unsigned rs1) { return enc_i(OPC_SYSTEM, rd, f3, rs1, (int32_t)number); }
enum { CSRRW = 1, CSRRS = 2, CSRRC = 3, CSRRWI = 5, CSRRSI = 6, CSRRCI = 7 };
static inline uint32_t rv_csrr(unsigned rd, unsigned number) { return rv_csr(CSRRS, rd, number, 0); }
static inline uint32_t rv_csrw(unsigned number, unsigned rs1) { return rv_csr(CSRRW, 0, number, rs1); }
static inline uint32_t rv_amo(unsigned f5, unsigned rd, unsigned rs1, unsigned rs2) { return enc_r(OPC_AMO, rd, 2, rs1, rs2, f5 << 2); }
enum { AMOADD = 0, AMOSWAP = 1, LR = 2, SC = 3, AMOXOR = 4, AMOOR = 8, AMOAND = 12, AMOMIN = 16, AMOMAX = 20, AMOMINU = 24, AMOMAXU = 28 };
#define RV_ECALL 0x00000073u
#define RV_EBREAK 0x00100073u
#define RV_MRET 0x30200073u
#define RV_WFI 0x10500073u
#define RV_FENCE 0x0ff0000fu
#define RV_FENCE_I 0x0000100fu
#define RV_NOP 0x00000013u

/* Compressed: x8..x15 are the registers of the 3-bit fields. */
static inline uint16_t cr3(unsigned reg) { assert_in_range(reg, 8, 15); return (uint16_t)(reg - 8); }
static inline uint16_t c_ci(uint16_t base, unsigned rd, int32_t imm)
{
    uint32_t u = (uint32_t)imm;
    return base | (u >> 5 & 1) << 12 | rd << 7 | (u & 0x1f) << 2;
}
static inline uint16_t c_li(unsigned rd, int32_t imm) { return c_ci(0x4001, rd, imm); }
static inline uint16_t c_addi(unsigned rd, int32_t imm) { return c_ci(0x0001, rd, imm); }
static inline uint16_t c_lui(unsigned rd, int32_t imm6) { return c_ci(0x6001, rd, imm6); }
static inline uint16_t c_slli(unsigned rd, unsigned sh) { return c_ci(0x0002, rd, (int32_t)sh); }
static inline uint16_t c_srli(unsigned rd, unsigned sh) { return c_ci(0x8001, cr3(rd), (int32_t)sh); }
static inline uint16_t c_srai(unsigned rd, unsigned sh) { return c_ci(0x8401, cr3(rd), (int32_t)sh); }
static inline uint16_t c_andi(unsigned rd, int32_t imm) { return c_ci(0x8801, cr3(rd), imm); }
static inline uint16_t c_ca(uint16_t base, unsigned rd, unsigned rs2) { return base | cr3(rd) << 7 | cr3(rs2) << 2; }
static inline uint16_t c_sub(unsigned rd, unsigned rs2) { return c_ca(0x8c01, rd, rs2); }
static inline uint16_t c_xor(unsigned rd, unsigned rs2) { return c_ca(0x8c21, rd, rs2); }
static inline uint16_t c_or(unsigned rd, unsigned rs2) { return c_ca(0x8c41, rd, rs2); }
static inline uint16_t c_and(unsigned rd, unsigned rs2) { return c_ca(0x8c61, rd, rs2); }
static inline uint16_t c_mv(unsigned rd, unsigned rs2) { return 0x8002 | rd << 7 | rs2 << 2; }
static inline uint16_t c_add(unsigned rd, unsigned rs2) { return 0x9002 | rd << 7 | rs2 << 2; }
static inline uint16_t c_jr(unsigned rs1) { return 0x8002 | rs1 << 7; }
static inline uint16_t c_jalr(unsigned rs1) { return 0x9002 | rs1 << 7; }
static inline uint16_t c_lwsp(unsigned rd, uint32_t off)
{
    return 0x4002 | (off >> 5 & 1) << 12 | rd << 7 | (off >> 2 & 7) << 4 |
           (off >> 6 & 3) << 2;
}
static inline uint16_t c_swsp(unsigned rs2, uint32_t off)
{
    return 0xc002 | (off >> 2 & 0xf) << 9 | (off >> 6 & 3) << 7 | rs2 << 2;
}
static inline uint16_t c_clw(uint16_t base, unsigned r, unsigned rs1, uint32_t off)
{
    return base | (off >> 3 & 7) << 10 | cr3(rs1) << 7 | (off >> 2 & 1) << 6 |
           (off >> 6 & 1) << 5 | cr3(r) << 2;
}
static inline uint16_t c_lw(unsigned rd, unsigned rs1, uint32_t off) { return c_clw(0x4000, rd, rs1, off); }
static inline uint16_t c_sw(unsigned rs2, unsigned rs1, uint32_t off) { return c_clw(0xc000, rs2, rs1, off); }
static inline uint16_t c_addi4spn(unsigned rd, uint32_t imm)
{
    return (imm >> 4 & 3) << 11 | (imm >> 6 & 0xf) << 7 | (imm >> 2 & 1) << 6 |
           (imm >> 3 & 1) << 5 | cr3(rd) << 2;
}
static inline uint16_t c_addi16sp(int32_t imm)
{
    uint32_t u = (uint32_t)imm;
    return 0x6101 | (u >> 9 & 1) << 12 | (u >> 4 & 1) << 6 | (u >> 6 & 1) << 5 |
           (u >> 7 & 3) << 3 | (u >> 5 & 1) << 2;
}
static inline uint16_t c_cj(uint16_t base, int32_t off)
{
    uint32_t u = (uint32_t)off;
    return base | (u >> 11 & 1) << 12 | (u >> 4 & 1) << 11 | (u >> 8 & 3) << 9 |
           (u >> 10 & 1) << 8 | (u >> 6 & 1) << 7 | (u >> 7 & 1) << 6 |
           (u >> 1 & 7) << 3 | (u >> 5 & 1) << 2;
}
static inline uint16_t c_j(int32_t off) { return c_cj(0xa001, off); }
static inline uint16_t c_jal(int32_t off) { return c_cj(0x2001, off); }
static inline uint16_t c_cb(uint16_t base, unsigned rs1, int32_t off)
{
    uint32_t u = (uint32_t)off;
    return base | (u >> 8 & 1) << 12 | (u >> 3 & 3) << 10 | cr3(rs1) << 7 |
           (u >> 6 & 3) << 5 | (u >> 1 & 3) << 3 | (u >> 5 & 1) << 2;
}
static inline uint16_t c_beqz(unsigned rs1, int32_t off) { return c_cb(0xc001, rs1, off); }
static inline uint16_t c_bnez(unsigned rs1, int32_t off) { return c_cb(0xe001, rs1, off); }
#define C_NOP 0x0001
#define C_EBREAK 0x9002

#endif
