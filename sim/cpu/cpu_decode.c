/* The instruction table, the decoder and ISA-string parsing.
 *
 * The table is the X-macro in cpu_decode.h; decoding looks rows up by the
 * bits every row of a length fixes, then checks mask, match and
 * constraint, then pulls the operands out by format.
 */
#include "sim/cpu/cpu_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- the instruction table ---- */

const CpuInsnInfo cpu_insn_table[CPU_INSN_COUNT] = {
#define CPU_INSN_ROW(id, name_, fmt, ext, mask_, match_, con, exec_)         \
    [CPU_INSN_##id] = {                                                     \
        .name = name_,                                                      \
        .mask = mask_,                                                      \
        .match = match_,                                                    \
        .format = CPU_FMT_##fmt,                                            \
        .extension = CPU_EXT_##ext,                                         \
        .constraint = CPU_CON_##con,                                        \
        .exec = CPU_INSN_##exec_,                                           \
    },
    CPU_INSN_TABLE(CPU_INSN_ROW)
#undef CPU_INSN_ROW
};

const char *cpu_insn_name(unsigned id)
{
    return id < CPU_INSN_COUNT ? cpu_insn_table[id].name : "?";
}

/* ---- decoding ---- */

static uint32_t bits_at(uint32_t word, unsigned hi, unsigned lo)
{
    return (word >> lo) & ((2u << (hi - lo)) - 1);
}

/* Sign-extends the low `width` bits of value. */
static uint32_t sext(uint32_t value, unsigned width)
{
    uint32_t sign = 1u << (width - 1);
    return ((value & ((sign << 1) - 1)) ^ sign) - sign;
}

bool cpu_insn_matches(const CpuInsnInfo *row, uint32_t bits)
{
    if ((bits & row->mask) != row->match)
        return false;
    switch (row->constraint) {
    case CPU_CON_RD_NZ: return bits_at(bits, 11, 7) != 0;
    case CPU_CON_RS2_NZ: return bits_at(bits, 6, 2) != 0;
    case CPU_CON_RD_NOT_SP: return bits_at(bits, 11, 7) != 2;
    }
    return true;
}

void cpu_decoder_init(CpuDecoder *dec, unsigned extensions)
{
    unsigned n = 0;
    for (unsigned key = 0; key < CPU_DECODE_KEYS; key++) {
        dec->first[key] = n;
        for (unsigned id = 0; id < CPU_INSN_COUNT; id++) {
            const CpuInsnInfo *row = &cpu_insn_table[id];
            if ((row->extension & extensions) &&
                cpu_decode_key(row->match) == key)
                dec->rows[n++] = id;
        }
    }
    dec->first[CPU_DECODE_KEYS] = n;
    dec->rv32e = (extensions & CPU_EXT_E) != 0;
}

/* 32-bit immediates:
 *   31          25 24 20 19 15 14 12 11          7 6    0
 *  [  imm[11:5]   | rs2 | rs1 |fn3 |  imm[4:0]    | op   ]  S
 *  [imm12|imm[10:5]| rs2 | rs1 |fn3 |imm[4:1]|imm11| op   ]  B
 *  [imm20| imm[10:1] |imm11| imm[19:12] |    rd   | op   ]  J */
static uint32_t imm_i(uint32_t w) { return sext(w >> 20, 12); }
static uint32_t imm_s(uint32_t w)
{
    return sext(bits_at(w, 31, 25) << 5 | bits_at(w, 11, 7), 12);
}
static uint32_t imm_b(uint32_t w)
{
    return sext(bits_at(w, 31, 31) << 12 | bits_at(w, 7, 7) << 11 |
                    bits_at(w, 30, 25) << 5 | bits_at(w, 11, 8) << 1,
                13);
}
static uint32_t imm_j(uint32_t w)
{
    return sext(bits_at(w, 31, 31) << 20 | bits_at(w, 19, 12) << 12 |
                    bits_at(w, 20, 20) << 11 | bits_at(w, 30, 21) << 1,
                21);
}

/* Only the fields a format has are set; the others are 0, so that bits
 * [11:7] of a store or branch (immediate bits) never name a destination
 * and a jump's link write (rd) is x0 for a branch. */
static void decode_32(const CpuInsnInfo *row, uint32_t w, CpuInsn *in)
{
    unsigned rd = bits_at(w, 11, 7), rs1 = bits_at(w, 19, 15),
             rs2 = bits_at(w, 24, 20);

    in->rd = in->rs1 = in->rs2 = 0;
    in->imm = 0;
    switch (row->format) {
    case CPU_FMT_R: in->rd = rd, in->rs1 = rs1, in->rs2 = rs2; break;
    case CPU_FMT_I: in->rd = rd, in->rs1 = rs1, in->imm = imm_i(w); break;
    case CPU_FMT_SH: in->rd = rd, in->rs1 = rs1, in->imm = rs2; break;
    case CPU_FMT_CSR: in->rd = rd, in->rs1 = rs1, in->imm = w >> 20; break;
    case CPU_FMT_S: in->rs1 = rs1, in->rs2 = rs2, in->imm = imm_s(w); break;
    case CPU_FMT_B: in->rs1 = rs1, in->rs2 = rs2, in->imm = imm_b(w); break;
    case CPU_FMT_U: in->rd = rd, in->imm = w & 0xfffff000u; break;
    case CPU_FMT_J: in->rd = rd, in->imm = imm_j(w); break;
    default: break; /* NONE: fence's fields are ignored by the spec */
    }
}

/* 16-bit formats: register fields
 *   15 13 12 11     7 6      2 1 0
 *  [fn3 |  | rd/rs1  |  rs2    |op ]   CR, CI, CSS
 *  [fn3 |     |rs1'/rd'|  |rd'/rs2'|op]  CIW, CL, CS, CA, CB (x8..x15)
 * Each immediate is scattered differently; the diagrams are in the
 * RISC-V unprivileged spec, chapter 16 (RVC). */
static unsigned creg(uint32_t w, unsigned lo) { return 8 + bits_at(w, lo + 2, lo); }

static uint32_t imm_ci(uint32_t w) /* imm[5] = 12, imm[4:0] = 6:2 */
{
    return sext(bits_at(w, 12, 12) << 5 | bits_at(w, 6, 2), 6);
}
static uint32_t uimm_clw(uint32_t w) /* uimm[5:3] = 12:10, [2] = 6, [6] = 5 */
{
    return bits_at(w, 12, 10) << 3 | bits_at(w, 6, 6) << 2 |
           bits_at(w, 5, 5) << 6;
}
static uint32_t uimm_4spn(uint32_t w) /* nzuimm[5:4|9:6|2|3] = 12:5 */
{
    return bits_at(w, 12, 11) << 4 | bits_at(w, 10, 7) << 6 |
           bits_at(w, 6, 6) << 2 | bits_at(w, 5, 5) << 3;
}
static uint32_t imm_16sp(uint32_t w) /* nzimm[9] = 12, [4|6|8:7|5] = 6:2 */
{
    return sext(bits_at(w, 12, 12) << 9 | bits_at(w, 6, 6) << 4 |
                    bits_at(w, 5, 5) << 6 | bits_at(w, 4, 3) << 7 |
                    bits_at(w, 2, 2) << 5,
                10);
}
static uint32_t imm_cj(uint32_t w) /* offset[11|4|9:8|10|6|7|3:1|5] = 12:2 */
{
    return sext(bits_at(w, 12, 12) << 11 | bits_at(w, 11, 11) << 4 |
                    bits_at(w, 10, 9) << 8 | bits_at(w, 8, 8) << 10 |
                    bits_at(w, 7, 7) << 6 | bits_at(w, 6, 6) << 7 |
                    bits_at(w, 5, 3) << 1 | bits_at(w, 2, 2) << 5,
                12);
}
static uint32_t imm_cb(uint32_t w) /* offset[8|4:3] = 12:10, [7:6|2:1|5] = 6:2 */
{
    return sext(bits_at(w, 12, 12) << 8 | bits_at(w, 11, 10) << 3 |
                    bits_at(w, 6, 5) << 6 | bits_at(w, 4, 3) << 1 |
                    bits_at(w, 2, 2) << 5,
                9);
}
static uint32_t uimm_lwsp(uint32_t w) /* uimm[5] = 12, [4:2|7:6] = 6:2 */
{
    return bits_at(w, 12, 12) << 5 | bits_at(w, 6, 4) << 2 |
           bits_at(w, 3, 2) << 6;
}
static uint32_t uimm_swsp(uint32_t w) /* uimm[5:2|7:6] = 12:7 */
{
    return bits_at(w, 12, 9) << 2 | bits_at(w, 8, 7) << 6;
}

/* Sets the base instruction's operands for a compressed row. False for the
 * reserved encodings inside the row. */
static bool decode_16(const CpuInsnInfo *row, uint32_t w, CpuInsn *in)
{
    unsigned hi = bits_at(w, 11, 7), lo = bits_at(w, 6, 2);

    in->rd = in->rs1 = in->rs2 = 0;
    in->imm = 0;
    switch (row->format) {
    case CPU_FMT_CIW_4SPN:
        in->rd = creg(w, 2), in->rs1 = 2, in->imm = uimm_4spn(w);
        return in->imm != 0;
    case CPU_FMT_CL_W:
        in->rd = creg(w, 2), in->rs1 = creg(w, 7), in->imm = uimm_clw(w);
        return true;
    case CPU_FMT_CS_W:
        in->rs2 = creg(w, 2), in->rs1 = creg(w, 7), in->imm = uimm_clw(w);
        return true;
    case CPU_FMT_CI:
        in->rd = in->rs1 = hi, in->imm = imm_ci(w);
        return true;
    case CPU_FMT_CI_LI:
        in->rd = hi, in->imm = imm_ci(w);
        return true;
    case CPU_FMT_CI_16SP:
        in->rd = in->rs1 = 2, in->imm = imm_16sp(w);
        return in->imm != 0;
    case CPU_FMT_CI_LUI:
        in->rd = hi, in->imm = imm_ci(w) << 12;
        return in->imm != 0;
    case CPU_FMT_CI_SH:
        in->rd = in->rs1 = hi, in->imm = lo;
        return true;
    case CPU_FMT_CI_LWSP:
        in->rd = hi, in->rs1 = 2, in->imm = uimm_lwsp(w);
        return hi != 0;
    case CPU_FMT_CSS_SWSP:
        in->rs1 = 2, in->rs2 = lo, in->imm = uimm_swsp(w);
        return true;
    case CPU_FMT_CJ:
        in->imm = imm_cj(w);
        return true;
    case CPU_FMT_CJ_LINK:
        in->rd = 1, in->imm = imm_cj(w);
        return true;
    case CPU_FMT_CB_BR:
        in->rs1 = creg(w, 7), in->imm = imm_cb(w);
        return true;
    case CPU_FMT_CB_SH:
        in->rd = in->rs1 = creg(w, 7), in->imm = lo;
        return true;
    case CPU_FMT_CB_ANDI:
        in->rd = in->rs1 = creg(w, 7), in->imm = imm_ci(w);
        return true;
    case CPU_FMT_CA:
        in->rd = in->rs1 = creg(w, 7), in->rs2 = creg(w, 2);
        return true;
    case CPU_FMT_CR_JR:
        in->rs1 = hi;
        return true;
    case CPU_FMT_CR_JALR:
        in->rd = 1, in->rs1 = hi;
        return true;
    case CPU_FMT_CR_MV:
        in->rd = hi, in->rs2 = lo;
        return true;
    case CPU_FMT_CR_ADD:
        in->rd = in->rs1 = hi, in->rs2 = lo;
        return true;
    case CPU_FMT_NONE:
        return true;
    }
    return false;
}

/* RV32E has x0..x15 only; an encoding naming x16..x31 is reserved. The
 * rs1 field of csrr*i is an immediate, not a register. */
static bool names_high_register(const CpuInsn *in)
{
    bool rs1_is_uimm = in->op >= CPU_INSN_CSRRWI && in->op <= CPU_INSN_CSRRCI;
    return in->rd >= 16 || in->rs2 >= 16 || (!rs1_is_uimm && in->rs1 >= 16);
}

bool cpu_decode(const CpuDecoder *dec, uint32_t bits, CpuInsn *in)
{
    bool compressed = cpu_insn_is_compressed(bits);
    if (compressed)
        bits &= 0xffff;
    unsigned key = cpu_decode_key(bits);

    for (unsigned i = dec->first[key]; i < dec->first[key + 1]; i++) {
        const CpuInsnInfo *row = &cpu_insn_table[dec->rows[i]];
        if (!cpu_insn_matches(row, bits))
            continue;
        in->op = row->exec;
        in->id = dec->rows[i];
        in->length = compressed ? 2 : 4;
        in->bits = bits;
        if (compressed) {
            if (!decode_16(row, bits, in))
                return false;
        } else {
            decode_32(row, bits, in);
        }
        return !(dec->rv32e && names_high_register(in));
    }
    return false;
}

/* ---- the ISA string ---- */

static void isa_append(char *list, size_t size, const char *name, size_t len)
{
    size_t used = strlen(list);
    snprintf(list + used, size - used, "%s%.*s", used ? ", " : "", (int)len,
             name);
}

static bool isa_known_multi(const char *name, size_t len)
{
    static const char *const known[] = {"zicsr", "zifencei"};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strlen(known[i]) == len && strncasecmp(known[i], name, len) == 0)
            return true;
    return false;
}

static unsigned isa_letter(char c)
{
    switch (tolower((unsigned char)c)) {
    case 'i': return CPU_EXT_I; /* only to catch a repeat */
    case 'm': return CPU_EXT_M;
    case 'a': return CPU_EXT_A;
    case 'c': return CPU_EXT_C;
    }
    return 0;
}

bool cpu_parse_isa(const char *isa, unsigned *extensions, Error **errp)
{
    char unknown[256] = "";
    unsigned ext = CPU_EXT_I | CPU_EXT_ZICSR | CPU_EXT_ZIFENCEI;

    if (strncasecmp(isa, "rv32", 4) != 0) {
        error_setf(errp, "unsupported ISA \"%s\": only rv32 is supported", isa);
        return false;
    }
    const char *p = isa + 4;
    char base = (char)tolower((unsigned char)*p);
    if (base != 'i' && base != 'e') {
        error_setf(errp, "unsupported ISA \"%s\": the base must be rv32i or rv32e", isa);
        return false;
    }
    if (base == 'e')
        ext |= CPU_EXT_E;
    /* Single letters, then multi-letter extensions (z..., s..., x...)
     * separated by underscores. */
    for (p++; *p && *p != '_' && !strchr("zsxZSX", *p); p++) {
        unsigned bit = isa_letter(*p);
        if (!bit) {
            isa_append(unknown, sizeof unknown, p, 1);
        } else if (ext & bit) {
            error_setf(errp, "invalid ISA \"%s\": '%c' appears twice", isa, *p);
            return false;
        }
        ext |= bit;
    }
    while (*p) {
        if (*p == '_') {
            p++;
            continue;
        }
        size_t len = strcspn(p, "_");
        if (!isa_known_multi(p, len))
            isa_append(unknown, sizeof unknown, p, len);
        p += len;
    }
    if (unknown[0]) {
        error_setf(errp, "unsupported ISA extension(s) in \"%s\": %s", isa,
                   unknown);
        return false;
    }
    *extensions = ext;
    return true;
}

uint32_t cpu_misa(unsigned ext)
{
    uint32_t misa = 1u << 30; /* MXL = 1: 32-bit */
    misa |= 1u << ((ext & CPU_EXT_E) ? 'e' - 'a' : 'i' - 'a');
    misa |= 1u << ('u' - 'a'); /* user mode */
    if (ext & CPU_EXT_M)
        misa |= 1u << ('m' - 'a');
    if (ext & CPU_EXT_A)
        misa |= 1u << ('a' - 'a');
    if (ext & CPU_EXT_C)
        misa |= 1u << ('c' - 'a');
    return misa;
}

