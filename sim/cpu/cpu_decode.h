/* The RV32 instruction table and the decoded form of one instruction.
 *
 * One row per instruction, expanded (X-macro) into the CpuInsnId enum, the
 * name table used by traces, and the table the decoder searches. A row is
 *
 *   X(id, "name", format, extension, mask, match, constraint, executes-as)
 *
 * An instruction word w is that row when (w & mask) == match and the
 * constraint holds. Compressed rows see only the low 16 bits. "executes-as"
 * names the base instruction a row runs as: c.addi runs as addi with the
 * operands its format extracts, so execution (and a later decoded-block
 * cache) only ever deals with base instructions, while traces keep the
 * name the programmer wrote.
 *
 * Constraints exist because the C extension carves some encodings out of
 * others by a field being (non)zero, which a mask cannot express:
 * c.mv is "100 0 rd rs2 10" with rs2 != 0, and with rs2 == 0 the same bits
 * are c.jr. tests/unit/test_cpu_decode.c proves no two rows match one word.
 *
 * Reserved encodings inside a row (c.addi4spn with a zero immediate,
 * c.lwsp with rd == 0, c.lui/c.addi16sp with a zero immediate) are refused
 * by the operand extraction, so they decode as illegal.
 */
#ifndef SIM_CPU_DECODE_H
#define SIM_CPU_DECODE_H

#include <stdbool.h>
#include <stdint.h>

/* Extensions; a CPU enables a set of them from its ISA string. Zicsr and
 * Zifencei are always on (they were part of "i" before ISA spec 2.2 split
 * them out, and firmware built with -misa-spec=2.2 relies on that). */
typedef enum CpuExtension {
    CPU_EXT_I = 1u << 0,
    CPU_EXT_M = 1u << 1,
    CPU_EXT_A = 1u << 2,
    CPU_EXT_C = 1u << 3,
    CPU_EXT_ZICSR = 1u << 4,
    CPU_EXT_ZIFENCEI = 1u << 5,
    CPU_EXT_E = 1u << 6, /* RV32E: the base with 16 registers */
} CpuExtension;

/* How operands are pulled out of the instruction word. The compressed
 * formats are one per immediate layout (the C extension has many). */
typedef enum CpuFormat {
    CPU_FMT_NONE,     /* no operands (ecall, fence, c.ebreak) */
    CPU_FMT_R,        /* rd, rs1, rs2 */
    CPU_FMT_I,        /* rd, rs1, imm[11:0] */
    CPU_FMT_SH,       /* rd, rs1, shamt[4:0] (shamt[5] is in the mask) */
    CPU_FMT_S,        /* rs1, rs2, imm[11:0] */
    CPU_FMT_B,        /* rs1, rs2, imm[12:1] */
    CPU_FMT_U,        /* rd, imm[31:12] */
    CPU_FMT_J,        /* rd, imm[20:1] */
    CPU_FMT_CSR,      /* rd, rs1 (or uimm), imm = csr number */
    CPU_FMT_CIW_4SPN, /* c.addi4spn */
    CPU_FMT_CL_W,     /* c.lw */
    CPU_FMT_CS_W,     /* c.sw */
    CPU_FMT_CI,       /* c.nop, c.addi: rd = rs1, imm[5:0] */
    CPU_FMT_CI_LI,    /* c.li: rs1 = x0 */
    CPU_FMT_CI_16SP,  /* c.addi16sp */
    CPU_FMT_CI_LUI,   /* c.lui */
    CPU_FMT_CI_SH,    /* c.slli */
    CPU_FMT_CI_LWSP,  /* c.lwsp */
    CPU_FMT_CSS_SWSP, /* c.swsp */
    CPU_FMT_CJ,       /* c.j: rd = x0 */
    CPU_FMT_CJ_LINK,  /* c.jal: rd = ra */
    CPU_FMT_CB_BR,    /* c.beqz, c.bnez: rs2 = x0 */
    CPU_FMT_CB_SH,    /* c.srli, c.srai */
    CPU_FMT_CB_ANDI,  /* c.andi */
    CPU_FMT_CA,       /* c.sub .. c.and: rd' = rs1', rs2' */
    CPU_FMT_CR_JR,    /* c.jr: rd = x0 */
    CPU_FMT_CR_JALR,  /* c.jalr: rd = ra */
    CPU_FMT_CR_MV,    /* c.mv: rs1 = x0 */
    CPU_FMT_CR_ADD,   /* c.add: rd = rs1 */
} CpuFormat;

/* Field tests a mask cannot express; bits [11:7] are rd (rs1 in CR) and
 * bits [6:2] are rs2 in the 16-bit formats that use them. */
typedef enum CpuConstraint {
    CPU_CON_NONE,
    CPU_CON_RD_NZ,     /* bits [11:7] != 0 */
    CPU_CON_RS2_NZ,    /* bits [6:2] != 0 */
    CPU_CON_RD_NOT_SP, /* bits [11:7] != 2 */
} CpuConstraint;

/* clang-format off */
#define CPU_INSN_TABLE(X)                                                              \
    /* RV32I */                                                                        \
    X(LUI,       "lui",       U,    I, 0x0000007f, 0x00000037, NONE, LUI)              \
    X(AUIPC,     "auipc",     U,    I, 0x0000007f, 0x00000017, NONE, AUIPC)            \
    X(JAL,       "jal",       J,    I, 0x0000007f, 0x0000006f, NONE, JAL)              \
    X(JALR,      "jalr",      I,    I, 0x0000707f, 0x00000067, NONE, JALR)             \
    X(BEQ,       "beq",       B,    I, 0x0000707f, 0x00000063, NONE, BEQ)              \
    X(BNE,       "bne",       B,    I, 0x0000707f, 0x00001063, NONE, BNE)              \
    X(BLT,       "blt",       B,    I, 0x0000707f, 0x00004063, NONE, BLT)              \
    X(BGE,       "bge",       B,    I, 0x0000707f, 0x00005063, NONE, BGE)              \
    X(BLTU,      "bltu",      B,    I, 0x0000707f, 0x00006063, NONE, BLTU)             \
    X(BGEU,      "bgeu",      B,    I, 0x0000707f, 0x00007063, NONE, BGEU)             \
    X(LB,        "lb",        I,    I, 0x0000707f, 0x00000003, NONE, LB)               \
    X(LH,        "lh",        I,    I, 0x0000707f, 0x00001003, NONE, LH)               \
    X(LW,        "lw",        I,    I, 0x0000707f, 0x00002003, NONE, LW)               \
    X(LBU,       "lbu",       I,    I, 0x0000707f, 0x00004003, NONE, LBU)              \
    X(LHU,       "lhu",       I,    I, 0x0000707f, 0x00005003, NONE, LHU)              \
    X(SB,        "sb",        S,    I, 0x0000707f, 0x00000023, NONE, SB)               \
    X(SH,        "sh",        S,    I, 0x0000707f, 0x00001023, NONE, SH)               \
    X(SW,        "sw",        S,    I, 0x0000707f, 0x00002023, NONE, SW)               \
    X(ADDI,      "addi",      I,    I, 0x0000707f, 0x00000013, NONE, ADDI)             \
    X(SLTI,      "slti",      I,    I, 0x0000707f, 0x00002013, NONE, SLTI)             \
    X(SLTIU,     "sltiu",     I,    I, 0x0000707f, 0x00003013, NONE, SLTIU)            \
    X(XORI,      "xori",      I,    I, 0x0000707f, 0x00004013, NONE, XORI)             \
    X(ORI,       "ori",       I,    I, 0x0000707f, 0x00006013, NONE, ORI)              \
    X(ANDI,      "andi",      I,    I, 0x0000707f, 0x00007013, NONE, ANDI)             \
    X(SLLI,      "slli",      SH,   I, 0xfe00707f, 0x00001013, NONE, SLLI)             \
    X(SRLI,      "srli",      SH,   I, 0xfe00707f, 0x00005013, NONE, SRLI)             \
    X(SRAI,      "srai",      SH,   I, 0xfe00707f, 0x40005013, NONE, SRAI)             \
    X(ADD,       "add",       R,    I, 0xfe00707f, 0x00000033, NONE, ADD)              \
    X(SUB,       "sub",       R,    I, 0xfe00707f, 0x40000033, NONE, SUB)              \
    X(SLL,       "sll",       R,    I, 0xfe00707f, 0x00001033, NONE, SLL)              \
    X(SLT,       "slt",       R,    I, 0xfe00707f, 0x00002033, NONE, SLT)              \
    X(SLTU,      "sltu",      R,    I, 0xfe00707f, 0x00003033, NONE, SLTU)             \
    X(XOR,       "xor",       R,    I, 0xfe00707f, 0x00004033, NONE, XOR)              \
    X(SRL,       "srl",       R,    I, 0xfe00707f, 0x00005033, NONE, SRL)              \
    X(SRA,       "sra",       R,    I, 0xfe00707f, 0x40005033, NONE, SRA)              \
    X(OR,        "or",        R,    I, 0xfe00707f, 0x00006033, NONE, OR)               \
    X(AND,       "and",       R,    I, 0xfe00707f, 0x00007033, NONE, AND)              \
    X(FENCE,     "fence",     NONE, I, 0x0000707f, 0x0000000f, NONE, FENCE)            \
    X(ECALL,     "ecall",     NONE, I, 0xffffffff, 0x00000073, NONE, ECALL)            \
    X(EBREAK,    "ebreak",    NONE, I, 0xffffffff, 0x00100073, NONE, EBREAK)           \
    /* Machine mode */                                                                 \
    X(MRET,      "mret",      NONE, I, 0xffffffff, 0x30200073, NONE, MRET)             \
    X(WFI,       "wfi",       NONE, I, 0xffffffff, 0x10500073, NONE, WFI)              \
    /* Zicsr */                                                                        \
    X(CSRRW,     "csrrw",     CSR,  ZICSR, 0x0000707f, 0x00001073, NONE, CSRRW)        \
    X(CSRRS,     "csrrs",     CSR,  ZICSR, 0x0000707f, 0x00002073, NONE, CSRRS)        \
    X(CSRRC,     "csrrc",     CSR,  ZICSR, 0x0000707f, 0x00003073, NONE, CSRRC)        \
    X(CSRRWI,    "csrrwi",    CSR,  ZICSR, 0x0000707f, 0x00005073, NONE, CSRRWI)       \
    X(CSRRSI,    "csrrsi",    CSR,  ZICSR, 0x0000707f, 0x00006073, NONE, CSRRSI)       \
    X(CSRRCI,    "csrrci",    CSR,  ZICSR, 0x0000707f, 0x00007073, NONE, CSRRCI)       \
    /* Zifencei */                                                                     \
    X(FENCE_I,   "fence.i",   NONE, ZIFENCEI, 0x0000707f, 0x0000100f, NONE, FENCE_I)   \
    /* M */                                                                            \
    X(MUL,       "mul",       R,    M, 0xfe00707f, 0x02000033, NONE, MUL)              \
    X(MULH,      "mulh",      R,    M, 0xfe00707f, 0x02001033, NONE, MULH)             \
    X(MULHSU,    "mulhsu",    R,    M, 0xfe00707f, 0x02002033, NONE, MULHSU)           \
    X(MULHU,     "mulhu",     R,    M, 0xfe00707f, 0x02003033, NONE, MULHU)            \
    X(DIV,       "div",       R,    M, 0xfe00707f, 0x02004033, NONE, DIV)              \
    X(DIVU,      "divu",      R,    M, 0xfe00707f, 0x02005033, NONE, DIVU)             \
    X(REM,       "rem",       R,    M, 0xfe00707f, 0x02006033, NONE, REM)              \
    X(REMU,      "remu",      R,    M, 0xfe00707f, 0x02007033, NONE, REMU)             \
    /* A (the aq/rl bits [26:25] are free: one hart orders everything) */              \
    X(LR_W,      "lr.w",      R,    A, 0xf9f0707f, 0x1000202f, NONE, LR_W)             \
    X(SC_W,      "sc.w",      R,    A, 0xf800707f, 0x1800202f, NONE, SC_W)             \
    X(AMOSWAP_W, "amoswap.w", R,    A, 0xf800707f, 0x0800202f, NONE, AMOSWAP_W)        \
    X(AMOADD_W,  "amoadd.w",  R,    A, 0xf800707f, 0x0000202f, NONE, AMOADD_W)         \
    X(AMOXOR_W,  "amoxor.w",  R,    A, 0xf800707f, 0x2000202f, NONE, AMOXOR_W)         \
    X(AMOAND_W,  "amoand.w",  R,    A, 0xf800707f, 0x6000202f, NONE, AMOAND_W)         \
    X(AMOOR_W,   "amoor.w",   R,    A, 0xf800707f, 0x4000202f, NONE, AMOOR_W)          \
    X(AMOMIN_W,  "amomin.w",  R,    A, 0xf800707f, 0x8000202f, NONE, AMOMIN_W)         \
    X(AMOMAX_W,  "amomax.w",  R,    A, 0xf800707f, 0xa000202f, NONE, AMOMAX_W)         \
    X(AMOMINU_W, "amominu.w", R,    A, 0xf800707f, 0xc000202f, NONE, AMOMINU_W)        \
    X(AMOMAXU_W, "amomaxu.w", R,    A, 0xf800707f, 0xe000202f, NONE, AMOMAXU_W)        \
    /* C, quadrant 0 */                                                                \
    X(C_ADDI4SPN, "c.addi4spn", CIW_4SPN, C, 0xe003, 0x0000, NONE,      ADDI)          \
    X(C_LW,       "c.lw",       CL_W,     C, 0xe003, 0x4000, NONE,      LW)            \
    X(C_SW,       "c.sw",       CS_W,     C, 0xe003, 0xc000, NONE,      SW)            \
    /* C, quadrant 1 */                                                                \
    X(C_NOP,      "c.nop",      CI,       C, 0xef83, 0x0001, NONE,      ADDI)          \
    X(C_ADDI,     "c.addi",     CI,       C, 0xe003, 0x0001, RD_NZ,     ADDI)          \
    X(C_JAL,      "c.jal",      CJ_LINK,  C, 0xe003, 0x2001, NONE,      JAL)           \
    X(C_LI,       "c.li",       CI_LI,    C, 0xe003, 0x4001, NONE,      ADDI)          \
    X(C_ADDI16SP, "c.addi16sp", CI_16SP,  C, 0xef83, 0x6101, NONE,      ADDI)          \
    X(C_LUI,      "c.lui",      CI_LUI,   C, 0xe003, 0x6001, RD_NOT_SP, LUI)           \
    X(C_SRLI,     "c.srli",     CB_SH,    C, 0xfc03, 0x8001, NONE,      SRLI)          \
    X(C_SRAI,     "c.srai",     CB_SH,    C, 0xfc03, 0x8401, NONE,      SRAI)          \
    X(C_ANDI,     "c.andi",     CB_ANDI,  C, 0xec03, 0x8801, NONE,      ANDI)          \
    X(C_SUB,      "c.sub",      CA,       C, 0xfc63, 0x8c01, NONE,      SUB)           \
    X(C_XOR,      "c.xor",      CA,       C, 0xfc63, 0x8c21, NONE,      XOR)           \
    X(C_OR,       "c.or",       CA,       C, 0xfc63, 0x8c41, NONE,      OR)            \
    X(C_AND,      "c.and",      CA,       C, 0xfc63, 0x8c61, NONE,      AND)           \
    X(C_J,        "c.j",        CJ,       C, 0xe003, 0xa001, NONE,      JAL)           \
    X(C_BEQZ,     "c.beqz",     CB_BR,    C, 0xe003, 0xc001, NONE,      BEQ)           \
    X(C_BNEZ,     "c.bnez",     CB_BR,    C, 0xe003, 0xe001, NONE,      BNE)           \
    /* C, quadrant 2 (shamt[5] = bit 12 must be 0 on RV32: in the mask) */             \
    X(C_SLLI,     "c.slli",     CI_SH,    C, 0xf003, 0x0002, NONE,      SLLI)          \
    X(C_LWSP,     "c.lwsp",     CI_LWSP,  C, 0xe003, 0x4002, NONE,      LW)            \
    X(C_JR,       "c.jr",       CR_JR,    C, 0xf07f, 0x8002, RD_NZ,     JALR)          \
    X(C_MV,       "c.mv",       CR_MV,    C, 0xf003, 0x8002, RS2_NZ,    ADD)           \
    X(C_EBREAK,   "c.ebreak",   NONE,     C, 0xffff, 0x9002, NONE,      EBREAK)        \
    X(C_JALR,     "c.jalr",     CR_JALR,  C, 0xf07f, 0x9002, RD_NZ,     JALR)          \
    X(C_ADD,      "c.add",      CR_ADD,   C, 0xf003, 0x9002, RS2_NZ,    ADD)           \
    X(C_SWSP,     "c.swsp",     CSS_SWSP, C, 0xe003, 0xc002, NONE,      SW)
/* clang-format on */

typedef enum CpuInsnId {
#define CPU_INSN_ENUM(id, name, fmt, ext, mask, match, con, exec) CPU_INSN_##id,
    CPU_INSN_TABLE(CPU_INSN_ENUM)
#undef CPU_INSN_ENUM
    CPU_INSN_COUNT
} CpuInsnId;

/* One row of the table, as data. */
typedef struct CpuInsnInfo {
    const char *name;
    uint32_t mask, match;
    uint8_t format;     /* CpuFormat */
    uint8_t extension;  /* CpuExtension */
    uint8_t constraint; /* CpuConstraint */
    uint8_t exec;       /* CpuInsnId of the base instruction it runs as */
} CpuInsnInfo;

extern const CpuInsnInfo cpu_insn_table[CPU_INSN_COUNT];

/* A decoded instruction: what a decoded-block cache would store. */
typedef struct CpuInsn {
    uint8_t op;     /* CpuInsnId to execute: always a base instruction */
    uint8_t id;     /* CpuInsnId of the row that matched, for traces */
    uint8_t rd, rs1, rs2;
    uint8_t length; /* 2 or 4 */
    uint32_t imm;   /* sign-extended immediate, CSR number, or shamt */
    uint32_t bits;  /* the raw instruction (mtval of an illegal one) */
} CpuInsn;

/* The decoder looks rows up by a key made of the bits every row of a
 * length fixes: the major opcode [6:2] for 32-bit instructions, the
 * quadrant [1:0] and funct3 [15:13] for 16-bit ones. */
#define CPU_DECODE_KEYS 64

typedef struct CpuDecoder {
    uint16_t first[CPU_DECODE_KEYS + 1]; /* rows[first[k] .. first[k+1]) */
    uint8_t rows[CPU_INSN_COUNT];        /* enabled rows, grouped by key */
    bool rv32e;                          /* x16..x31 do not exist */
} CpuDecoder;

_Static_assert(CPU_INSN_COUNT <= 256, "CpuInsn.op is a byte");

static inline bool cpu_insn_is_compressed(uint32_t bits)
{
    return (bits & 3) != 3;
}

static inline unsigned cpu_decode_key(uint32_t bits)
{
    if (!cpu_insn_is_compressed(bits))
        return 32 + ((bits >> 2) & 31);
    return ((bits & 3) << 3) | ((bits >> 13) & 7);
}

/* Fills `dec` with the rows of the enabled extensions (CpuExtension bits). */
void cpu_decoder_init(CpuDecoder *dec, unsigned extensions);

/* Decodes the instruction whose first 16 bits are the low half of `bits`
 * (for a compressed one the high half is ignored). False: illegal. */
bool cpu_decode(const CpuDecoder *dec, uint32_t bits, CpuInsn *insn);

/* Whether `bits` satisfies a row's mask, match and constraint. */
bool cpu_insn_matches(const CpuInsnInfo *row, uint32_t bits);

const char *cpu_insn_name(unsigned id);

#endif
