/* The RV32IMAC hart: ISA selection, decoding, memory access, execution and
 * the run loop. CSRs and traps live in cpu_csr.c.
 *
 * Each instruction is fetched, decoded into a CpuInsn and executed; the
 * split exists so a decoded-block cache can later skip the first two steps.
 * Loads, stores and fetches go through small caches of flat-view ranges
 * (RAM/ROM by host pointer, MMIO by callback) that the memory listener
 * flushes on every commit. A store into RAM is visible to the next fetch
 * because nothing decoded is kept between instructions yet.
 */
#include "sim/cpu_internal.h"

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
        if (compressed)
            return decode_16(row, bits, in);
        decode_32(row, bits, in);
        return true;
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
    if (tolower((unsigned char)*p) != 'i') {
        error_setf(errp, "unsupported ISA \"%s\": the base must be rv32i", isa);
        return false;
    }
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

static uint32_t cpu_misa(unsigned ext)
{
    uint32_t misa = 1u << 30; /* MXL = 1: 32-bit */
    misa |= 1u << ('i' - 'a');
    if (ext & CPU_EXT_M)
        misa |= 1u << ('m' - 'a');
    if (ext & CPU_EXT_A)
        misa |= 1u << ('a' - 'a');
    if (ext & CPU_EXT_C)
        misa |= 1u << ('c' - 'a');
    return misa;
}

/* ---- memory access ---- */

/* The memory listener: the fetch range may name a range of an old view.
 * (The data cache has its own listener.) */
static void cpu_flush_fetch(void *opaque)
{
    Cpu *cpu = opaque;
    cpu->fetch_valid = false;
    cpu->fetch.host = NULL;
}

static bool range_contains(const MemRange *r, uint32_t addr)
{
    return addr - r->start <= r->last - r->start;
}

/* Whether [addr, addr + size) fits in r, given that addr is in r. */
static bool range_fits(const MemRange *r, uint32_t addr, unsigned size)
{
    return r->last - addr >= size - 1;
}

static uint32_t host_load(const uint8_t *p, unsigned size)
{
    uint16_t h;
    uint32_t w;
    switch (size) {
    case 1: return *p;
    case 2: memcpy(&h, p, 2); return h;
    default: memcpy(&w, p, 4); return w;
    }
}

static void host_store(uint8_t *p, unsigned size, uint32_t value)
{
    uint16_t h = value;
    switch (size) {
    case 1: *p = value; break;
    case 2: memcpy(p, &h, 2); break;
    default: memcpy(p, &value, 4); break;
    }
}

/* MMIO callbacks may commit a new map, which flushes the cache the range
 * lives in: hand the memory system a copy. */
static MemAccess cpu_read(Cpu *cpu, uint32_t addr, unsigned size,
                          uint32_t *value)
{
    const MemRange *r = mem_cache_find(&cpu->data, addr, size);
    if (!r)
        return MEM_UNMAPPED; /* or straddling two ranges */
    if (r->host) {
        *value = host_load(r->host + (addr - r->start), size);
        return MEM_OK;
    }
    MemRange copy = *r;
    MemAccess result = memory_mmio_read(cpu->ms, &copy, addr, size, value);
    if (result == MEM_OK && size < 4)
        *value &= (1u << (8 * size)) - 1; /* a device may return more */
    return result;
}

static MemAccess cpu_write(Cpu *cpu, uint32_t addr, unsigned size,
                           uint32_t value)
{
    const MemRange *r = mem_cache_find(&cpu->data, addr, size);
    if (!r)
        return MEM_UNMAPPED;
    if (r->readonly)
        return MEM_READONLY;
    if (r->host) {
        host_store(r->host + (addr - r->start), size, value);
        return MEM_OK;
    }
    MemRange copy = *r;
    return memory_mmio_write(cpu->ms, &copy, addr, size, value);
}

static bool cpu_load(Cpu *cpu, uint32_t addr, unsigned size, uint32_t *value)
{
    if (addr & (size - 1))
        return cpu_raise(cpu, CPU_CAUSE_LOAD_MISALIGNED, addr);
    if (cpu_read(cpu, addr, size, value) != MEM_OK)
        return cpu_raise(cpu, CPU_CAUSE_LOAD_ACCESS, addr);
    return true;
}

static bool cpu_store(Cpu *cpu, uint32_t addr, unsigned size, uint32_t value)
{
    if (addr & (size - 1))
        return cpu_raise(cpu, CPU_CAUSE_STORE_MISALIGNED, addr);
    if (cpu_write(cpu, addr, size, value) != MEM_OK)
        return cpu_raise(cpu, CPU_CAUSE_STORE_ACCESS, addr);
    return true;
}

/* Reads the 16-bit parcel at addr for a fetch, refilling the fetch range
 * on a miss. */
static bool cpu_fetch_parcel(Cpu *cpu, uint32_t addr, uint32_t *parcel)
{
    if (!cpu->fetch_valid || !range_contains(&cpu->fetch, addr)) {
        cpu->fetch_valid = memory_lookup(cpu->ms, addr, &cpu->fetch);
        if (!cpu->fetch_valid) {
            cpu->fetch.host = NULL;
            return false;
        }
    }
    const MemRange *r = &cpu->fetch;
    if (!range_fits(r, addr, 2))
        return false;
    if (r->host) {
        *parcel = host_load(r->host + (addr - r->start), 2);
        return true;
    }
    MemRange copy = *r;
    if (memory_mmio_read(cpu->ms, &copy, addr, 2, parcel) != MEM_OK)
        return false;
    *parcel &= 0xffff;
    return true;
}

/* Fetches parcel by parcel: the second half of a 32-bit instruction may
 * lie in another range, or in none (then mtval names that half). */
static bool cpu_fetch_slow(Cpu *cpu, uint32_t pc, uint32_t *bits)
{
    uint32_t lo, hi;
    if (!cpu_fetch_parcel(cpu, pc, &lo))
        return cpu_raise(cpu, CPU_CAUSE_FETCH_ACCESS, pc);
    if (cpu_insn_is_compressed(lo)) {
        *bits = lo;
        return true;
    }
    if (!cpu_fetch_parcel(cpu, pc + 2, &hi))
        return cpu_raise(cpu, CPU_CAUSE_FETCH_ACCESS, pc + 2);
    *bits = lo | hi << 16;
    return true;
}

/* The common case: four bytes of RAM/ROM in the cached fetch range (a
 * compressed instruction ignores the upper two). */
static inline bool cpu_fetch(Cpu *cpu, uint32_t pc, uint32_t *bits)
{
    const MemRange *r = &cpu->fetch;
    if (r->host && range_contains(r, pc) && range_fits(r, pc, 4)) {
        memcpy(bits, r->host + (pc - r->start), 4);
        return true;
    }
    return cpu_fetch_slow(cpu, pc, bits);
}

/* ---- execution ---- */

static void wr(Cpu *cpu, unsigned rd, uint32_t value)
{
    if (rd)
        cpu->x[rd] = value;
}

/* Taken branches and jumps: without C a target that is not 4-aligned
 * traps on the jump itself, with mtval the target. */
static bool cpu_jump(Cpu *cpu, const CpuInsn *in, uint32_t target)
{
    if (target & cpu->jump_misalign)
        return cpu_raise(cpu, CPU_CAUSE_FETCH_MISALIGNED, target);
    wr(cpu, in->rd, cpu->pc + in->length);
    cpu->pc = target;
    return true;
}

static bool cpu_branch(Cpu *cpu, const CpuInsn *in, bool taken)
{
    if (!taken) {
        cpu->pc += in->length;
        return true;
    }
    return cpu_jump(cpu, in, cpu->pc + in->imm); /* rd is 0 for branches */
}

static bool cpu_exec_load(Cpu *cpu, const CpuInsn *in)
{
    static const uint8_t size[] = {
        [CPU_INSN_LB] = 1, [CPU_INSN_LH] = 2, [CPU_INSN_LW] = 4,
        [CPU_INSN_LBU] = 1, [CPU_INSN_LHU] = 2,
    };
    uint32_t value;
    if (!cpu_load(cpu, cpu->x[in->rs1] + in->imm, size[in->op], &value))
        return false;
    if (in->op == CPU_INSN_LB)
        value = sext(value, 8);
    else if (in->op == CPU_INSN_LH)
        value = sext(value, 16);
    wr(cpu, in->rd, value);
    cpu->pc += in->length;
    return true;
}

static bool cpu_exec_store(Cpu *cpu, const CpuInsn *in)
{
    unsigned size = in->op == CPU_INSN_SB ? 1 : in->op == CPU_INSN_SH ? 2 : 4;
    if (!cpu_store(cpu, cpu->x[in->rs1] + in->imm, size, cpu->x[in->rs2]))
        return false;
    cpu->pc += in->length;
    return true;
}

static uint32_t cpu_mulh(int64_t a, int64_t b)
{
    return (uint32_t)((uint64_t)(a * b) >> 32);
}

/* M: division never traps; the spec defines x/0 and INT_MIN/-1. */
static uint32_t cpu_muldiv(unsigned op, uint32_t a, uint32_t b)
{
    int32_t sa = (int32_t)a, sb = (int32_t)b;
    bool overflow = a == 0x80000000u && b == 0xffffffffu;

    switch (op) {
    case CPU_INSN_MUL: return a * b;
    case CPU_INSN_MULH: return cpu_mulh(sa, sb);
    case CPU_INSN_MULHSU: return cpu_mulh(sa, (int64_t)b);
    case CPU_INSN_MULHU: return (uint32_t)(((uint64_t)a * b) >> 32);
    case CPU_INSN_DIV: return b == 0 ? 0xffffffffu : overflow ? a : (uint32_t)(sa / sb);
    case CPU_INSN_DIVU: return b == 0 ? 0xffffffffu : a / b;
    case CPU_INSN_REM: return b == 0 ? a : overflow ? 0 : (uint32_t)(sa % sb);
    default: return b == 0 ? a : a % b; /* REMU */
    }
}

static uint32_t cpu_alu(unsigned op, uint32_t a, uint32_t b)
{
    switch (op) {
    case CPU_INSN_ADD: case CPU_INSN_ADDI: return a + b;
    case CPU_INSN_SUB: return a - b;
    case CPU_INSN_SLT: case CPU_INSN_SLTI: return (int32_t)a < (int32_t)b;
    case CPU_INSN_SLTU: case CPU_INSN_SLTIU: return a < b;
    case CPU_INSN_XOR: case CPU_INSN_XORI: return a ^ b;
    case CPU_INSN_OR: case CPU_INSN_ORI: return a | b;
    case CPU_INSN_AND: case CPU_INSN_ANDI: return a & b;
    case CPU_INSN_SLL: case CPU_INSN_SLLI: return a << (b & 31);
    case CPU_INSN_SRL: case CPU_INSN_SRLI: return a >> (b & 31);
    default: /* SRA, SRAI; gcc shifts signed values arithmetically */
        return (uint32_t)((int32_t)a >> (b & 31));
    }
}

static uint32_t cpu_amo(unsigned op, uint32_t old, uint32_t src)
{
    switch (op) {
    case CPU_INSN_AMOSWAP_W: return src;
    case CPU_INSN_AMOADD_W: return old + src;
    case CPU_INSN_AMOXOR_W: return old ^ src;
    case CPU_INSN_AMOAND_W: return old & src;
    case CPU_INSN_AMOOR_W: return old | src;
    case CPU_INSN_AMOMIN_W: return (int32_t)old < (int32_t)src ? old : src;
    case CPU_INSN_AMOMAX_W: return (int32_t)old > (int32_t)src ? old : src;
    case CPU_INSN_AMOMINU_W: return old < src ? old : src;
    default: return old > src ? old : src; /* AMOMAXU_W */
    }
}

/* A: one hart, so an AMO is a read and a write with nothing in between.
 * Every AMO fault is a store/AMO fault (cause 6/7). */
static bool cpu_exec_atomic(Cpu *cpu, const CpuInsn *in)
{
    uint32_t addr = cpu->x[in->rs1], src = cpu->x[in->rs2], old;

    if (in->op == CPU_INSN_LR_W) {
        if (!cpu_load(cpu, addr, 4, &old))
            return false;
        cpu->reserved = true;
        cpu->reservation = addr;
    } else if (in->op == CPU_INSN_SC_W) {
        if (addr & 3)
            return cpu_raise(cpu, CPU_CAUSE_STORE_MISALIGNED, addr);
        bool ok = cpu->reserved && cpu->reservation == addr;
        cpu->reserved = false;
        if (ok && !cpu_store(cpu, addr, 4, src))
            return false;
        old = !ok;
    } else {
        if (addr & 3)
            return cpu_raise(cpu, CPU_CAUSE_STORE_MISALIGNED, addr);
        if (cpu_read(cpu, addr, 4, &old) != MEM_OK ||
            cpu_write(cpu, addr, 4, cpu_amo(in->op, old, src)) != MEM_OK)
            return cpu_raise(cpu, CPU_CAUSE_STORE_ACCESS, addr);
    }
    wr(cpu, in->rd, old);
    cpu->pc += in->length;
    return true;
}

static bool cpu_exec_alu(Cpu *cpu, const CpuInsn *in, uint32_t b)
{
    wr(cpu, in->rd, cpu_alu(in->op, cpu->x[in->rs1], b));
    cpu->pc += in->length;
    return true;
}

/* Executes one decoded instruction. True: it retired (pc moved on);
 * false: it raised an exception (cpu_raise) and changed nothing. */
static bool cpu_execute(Cpu *cpu, const CpuInsn *in)
{
    uint32_t a = cpu->x[in->rs1], b = cpu->x[in->rs2];

    switch ((CpuInsnId)in->op) {
    case CPU_INSN_LUI: wr(cpu, in->rd, in->imm); break;
    case CPU_INSN_AUIPC: wr(cpu, in->rd, cpu->pc + in->imm); break;
    case CPU_INSN_JAL: return cpu_jump(cpu, in, cpu->pc + in->imm);
    case CPU_INSN_JALR: return cpu_jump(cpu, in, (a + in->imm) & ~1u);
    case CPU_INSN_BEQ: return cpu_branch(cpu, in, a == b);
    case CPU_INSN_BNE: return cpu_branch(cpu, in, a != b);
    case CPU_INSN_BLT: return cpu_branch(cpu, in, (int32_t)a < (int32_t)b);
    case CPU_INSN_BGE: return cpu_branch(cpu, in, (int32_t)a >= (int32_t)b);
    case CPU_INSN_BLTU: return cpu_branch(cpu, in, a < b);
    case CPU_INSN_BGEU: return cpu_branch(cpu, in, a >= b);
    case CPU_INSN_LB: case CPU_INSN_LH: case CPU_INSN_LW:
    case CPU_INSN_LBU: case CPU_INSN_LHU:
        return cpu_exec_load(cpu, in);
    case CPU_INSN_SB: case CPU_INSN_SH: case CPU_INSN_SW:
        return cpu_exec_store(cpu, in);
    case CPU_INSN_ADDI: case CPU_INSN_SLTI: case CPU_INSN_SLTIU:
    case CPU_INSN_XORI: case CPU_INSN_ORI: case CPU_INSN_ANDI:
    case CPU_INSN_SLLI: case CPU_INSN_SRLI: case CPU_INSN_SRAI:
        return cpu_exec_alu(cpu, in, in->imm);
    case CPU_INSN_ADD: case CPU_INSN_SUB: case CPU_INSN_SLL:
    case CPU_INSN_SLT: case CPU_INSN_SLTU: case CPU_INSN_XOR:
    case CPU_INSN_SRL: case CPU_INSN_SRA: case CPU_INSN_OR: case CPU_INSN_AND:
        return cpu_exec_alu(cpu, in, b);
    case CPU_INSN_MUL: case CPU_INSN_MULH: case CPU_INSN_MULHSU:
    case CPU_INSN_MULHU: case CPU_INSN_DIV: case CPU_INSN_DIVU:
    case CPU_INSN_REM: case CPU_INSN_REMU:
        wr(cpu, in->rd, cpu_muldiv(in->op, a, b));
        break;
    case CPU_INSN_FENCE: /* one hart, in-order memory: nothing to order */
    case CPU_INSN_FENCE_I: /* nothing decoded is kept yet */
    case CPU_INSN_WFI: /* legal as a no-op; interrupts come later */
        break;
    case CPU_INSN_ECALL: return cpu_raise(cpu, CPU_CAUSE_ECALL_M, 0);
    case CPU_INSN_EBREAK: return cpu_raise(cpu, CPU_CAUSE_BREAKPOINT, cpu->pc);
    case CPU_INSN_MRET: cpu_exec_mret(cpu); return true;
    case CPU_INSN_CSRRW: case CPU_INSN_CSRRS: case CPU_INSN_CSRRC:
    case CPU_INSN_CSRRWI: case CPU_INSN_CSRRSI: case CPU_INSN_CSRRCI:
        return cpu_exec_csr(cpu, in);
    case CPU_INSN_LR_W: case CPU_INSN_SC_W: case CPU_INSN_AMOSWAP_W:
    case CPU_INSN_AMOADD_W: case CPU_INSN_AMOXOR_W: case CPU_INSN_AMOAND_W:
    case CPU_INSN_AMOOR_W: case CPU_INSN_AMOMIN_W: case CPU_INSN_AMOMAX_W:
    case CPU_INSN_AMOMINU_W: case CPU_INSN_AMOMAXU_W:
        return cpu_exec_atomic(cpu, in);
    default: /* compressed rows always decode to a base op */
        return cpu_raise(cpu, CPU_CAUSE_ILLEGAL, in->bits);
    }
    cpu->pc += in->length;
    return true;
}

/* Fetches, decodes and executes one instruction. True: it retired. */
static bool cpu_step(Cpu *cpu)
{
    uint32_t bits;
    CpuInsn insn;

    if (!cpu_fetch(cpu, cpu->pc, &bits))
        return false;
    if (!cpu_decode(&cpu->decoder, bits, &insn)) {
        uint32_t tval = cpu_insn_is_compressed(bits) ? bits & 0xffff : bits;
        return cpu_raise(cpu, CPU_CAUSE_ILLEGAL, tval);
    }
    return cpu_execute(cpu, &insn);
}

/* ---- the public interface ---- */

CpuStopReason cpu_run(Cpu *cpu, uint64_t max_insns, Error **errp)
{
    uint64_t done = 0;

    /* Jumps keep pc aligned; only a debugger or the reset pc can break
     * that, and then the fetch traps as the hardware would. */
    if (cpu->pc & (cpu->jump_misalign | 1)) {
        cpu_raise(cpu, CPU_CAUSE_FETCH_MISALIGNED, cpu->pc);
        if (!cpu_take_trap(cpu, errp))
            return CPU_STOP_FAULT;
    }
    for (;;) {
        if (atomic_load_explicit(&cpu->stop_requested, memory_order_relaxed)) {
            atomic_store_explicit(&cpu->stop_requested, false,
                                  memory_order_relaxed);
            return CPU_STOP_REQUESTED;
        }
        if (done == max_insns)
            return CPU_STOP_INSN_LIMIT;
        if (cpu_step(cpu)) {
            cpu->retired++;
            done++;
        } else if (!cpu_take_trap(cpu, errp)) {
            return CPU_STOP_FAULT;
        }
    }
}

void cpu_request_stop(Cpu *cpu)
{
    atomic_store_explicit(&cpu->stop_requested, true, memory_order_relaxed);
}

Cpu *cpu_new(MemorySystem *ms, const CpuConfig *config, Error **errp)
{
    unsigned ext;
    const char *isa = config->isa ? config->isa : "rv32imac";

    if (!cpu_parse_isa(isa, &ext, errp))
        return NULL;
    Cpu *cpu = calloc(1, sizeof *cpu);
    if (!cpu)
        abort();
    cpu->ms = ms;
    cpu->config = *config;
    cpu->config.isa = NULL; /* not ours to keep; the extension bits say it */
    cpu->extensions = ext;
    cpu->misa = cpu_misa(ext);
    cpu->jump_misalign = (ext & CPU_EXT_C) ? 0 : 2;
    cpu_decoder_init(&cpu->decoder, ext);
    atomic_init(&cpu->stop_requested, false);
    memory_add_listener(ms, cpu_flush_fetch, cpu);
    mem_cache_init(&cpu->data, ms);
    cpu_reset(cpu);
    return cpu;
}

void cpu_free(Cpu *cpu)
{
    if (!cpu)
        return;
    memory_remove_listener(cpu->ms, cpu_flush_fetch, cpu);
    mem_cache_destroy(&cpu->data);
    free(cpu);
}

/* Resets the architectural state. `retired` keeps counting: virtual time
 * must not run backwards; the counters read zero again through offsets. */
void cpu_reset(Cpu *cpu)
{
    memset(cpu->x, 0, sizeof cpu->x);
    cpu->pc = cpu->config.reset_pc;
    cpu->reserved = false;
    cpu->trap_retired = UINT64_MAX;
    atomic_store(&cpu->stop_requested, false);
    cpu_csr_reset(cpu);
    cpu_flush_fetch(cpu);
    mem_cache_flush(&cpu->data);
}

uint32_t cpu_get_pc(const Cpu *cpu)
{
    return cpu->pc;
}

void cpu_set_pc(Cpu *cpu, uint32_t pc)
{
    cpu->pc = pc;
    cpu->trap_retired = UINT64_MAX; /* a new start, not a trap loop */
}

uint32_t cpu_get_reg(const Cpu *cpu, unsigned index)
{
    return index < 32 ? cpu->x[index] : 0;
}

void cpu_set_reg(Cpu *cpu, unsigned index, uint32_t value)
{
    if (index > 0 && index < 32)
        cpu->x[index] = value;
}

uint64_t cpu_instructions_retired(const Cpu *cpu)
{
    return cpu->retired;
}
