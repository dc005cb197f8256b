/* The disassembler: cpu_decode with every extension mcusim knows, then the
 * operands printed by the row's format (sim/disasm.h has the syntax). */
#include "sim/cpu/disasm.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#include "sim/cpu/cpu_decode.h"

static const char *const abi_names[32] = {
    "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2",
    "s0",   "s1", "a0", "a1", "a2", "a3", "a4", "a5",
    "a6",   "a7", "s2", "s3", "s4", "s5", "s6", "s7",
    "s8",   "s9", "s10", "s11", "t3", "t4", "t5", "t6",
};

const char *disasm_reg_name(unsigned reg)
{
    return reg < 32 ? abi_names[reg] : "?";
}

bool disasm_csr_name(unsigned csr, char *buf, size_t size)
{
    static const struct {
        unsigned number;
        const char *name;
    } named[] = {
        {0x001, "fflags"},    {0x002, "frm"},        {0x003, "fcsr"},
        {0x100, "sstatus"},   {0x104, "sie"},        {0x105, "stvec"},
        {0x106, "scounteren"}, {0x140, "sscratch"},  {0x141, "sepc"},
        {0x142, "scause"},    {0x143, "stval"},      {0x144, "sip"},
        {0x180, "satp"},      {0x300, "mstatus"},    {0x301, "misa"},
        {0x302, "medeleg"},   {0x303, "mideleg"},    {0x304, "mie"},
        {0x305, "mtvec"},     {0x306, "mcounteren"}, {0x30a, "menvcfg"},
        {0x310, "mstatush"},  {0x31a, "menvcfgh"},   {0x320, "mcountinhibit"},
        {0x340, "mscratch"},  {0x341, "mepc"},       {0x342, "mcause"},
        {0x343, "mtval"},     {0x344, "mip"},        {0x34a, "mtinst"},
        {0x34b, "mtval2"},    {0x747, "mseccfg"},    {0x757, "mseccfgh"},
        {0x7a0, "tselect"},   {0x7a1, "tdata1"},     {0x7a2, "tdata2"},
        {0x7a3, "tdata3"},    {0x7a4, "tinfo"},      {0x7a5, "tcontrol"},
        {0x7b0, "dcsr"},      {0x7b1, "dpc"},        {0x7b2, "dscratch0"},
        {0x7b3, "dscratch1"}, {0xb00, "mcycle"},     {0xb02, "minstret"},
        {0xb80, "mcycleh"},   {0xb82, "minstreth"},
        {0xc00, "cycle"},     {0xc01, "time"},       {0xc02, "instret"},
        {0xc80, "cycleh"},    {0xc81, "timeh"},      {0xc82, "instreth"},
        {0xf11, "mvendorid"}, {0xf12, "marchid"},    {0xf13, "mimpid"},
        {0xf14, "mhartid"},   {0xf15, "mconfigptr"},
    };
    static const struct {
        unsigned first, last, base;
        const char *prefix, *suffix;
    } families[] = {
        {0x3a0, 0x3af, 0x3a0, "pmpcfg", ""},
        {0x3b0, 0x3ef, 0x3b0, "pmpaddr", ""},
        {0x323, 0x33f, 0x320, "mhpmevent", ""},
        {0xb03, 0xb1f, 0xb00, "mhpmcounter", ""},
        {0xb83, 0xb9f, 0xb80, "mhpmcounter", "h"},
        {0xc03, 0xc1f, 0xc00, "hpmcounter", ""},
        {0xc83, 0xc9f, 0xc80, "hpmcounter", "h"},
    };
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++) {
        if (named[i].number == csr) {
            snprintf(buf, size, "%s", named[i].name);
            return true;
        }
    }
    for (size_t i = 0; i < sizeof families / sizeof families[0]; i++) {
        if (csr >= families[i].first && csr <= families[i].last) {
            snprintf(buf, size, "%s%u%s", families[i].prefix,
                     csr - families[i].base, families[i].suffix);
            return true;
        }
    }
    snprintf(buf, size, "0x%x", csr);
    return false;
}

/* Appends to a buffer that is always NUL-terminated. */
typedef struct Out {
    char *buf;
    size_t size, len;
} Out;

__attribute__((format(printf, 2, 3)))
static void put(Out *o, const char *fmt, ...)
{
    if (o->len >= o->size)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(o->buf + o->len, o->size - o->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        o->len += (size_t)n;
    if (o->len >= o->size)
        o->len = o->size - 1;
}

static const char *reg(unsigned r) { return disasm_reg_name(r); }

static void put_target(Out *o, uint32_t target, DisasmSymbolFn symbol,
                       void *opaque)
{
    put(o, "%x", target);
    uint32_t offset = 0;
    const char *name = symbol ? symbol(opaque, target, &offset) : NULL;
    if (name && offset)
        put(o, " <%s+0x%x>", name, offset);
    else if (name)
        put(o, " <%s>", name);
}

static void put_csr(Out *o, unsigned csr)
{
    char name[24];
    disasm_csr_name(csr, name, sizeof name);
    put(o, "%s", name);
}

/* "iorw" for a fence's predecessor or successor set; "0" when empty. */
static void put_fence_set(Out *o, unsigned set)
{
    if (!set) {
        put(o, "0");
        return;
    }
    static const char letters[] = "iorw";
    for (unsigned i = 0; i < 4; i++)
        if (set & (8u >> i))
            put(o, "%c", letters[i]);
}

static bool is_load(unsigned id)
{
    return id == CPU_INSN_LB || id == CPU_INSN_LH || id == CPU_INSN_LW ||
           id == CPU_INSN_LBU || id == CPU_INSN_LHU;
}

static bool is_amo(unsigned id)
{
    return id >= CPU_INSN_LR_W && id <= CPU_INSN_AMOMAXU_W;
}

static void put_32(Out *o, const CpuInsn *in, uint32_t pc, DisasmSymbolFn symbol,
                   void *opaque)
{
    unsigned id = in->id;
    int32_t simm = (int32_t)in->imm;
    uint32_t w = in->bits;

    if (is_amo(id)) {
        static const char *const order[4] = {"", ".rl", ".aq", ".aqrl"};
        put(o, "%s%s ", cpu_insn_name(id), order[(w >> 25) & 3]);
        if (id == CPU_INSN_LR_W)
            put(o, "%s,(%s)", reg(in->rd), reg(in->rs1));
        else
            put(o, "%s,%s,(%s)", reg(in->rd), reg(in->rs2), reg(in->rs1));
        return;
    }
    if (id == CPU_INSN_FENCE) {
        unsigned fm = w >> 28, pred = (w >> 24) & 15, succ = (w >> 20) & 15;
        if (fm == 8 && pred == 3 && succ == 3) {
            put(o, "fence.tso");
            return;
        }
        put(o, "fence ");
        put_fence_set(o, pred);
        put(o, ",");
        put_fence_set(o, succ);
        return;
    }
    put(o, "%s", cpu_insn_name(id));
    switch (cpu_insn_table[id].format) {
    case CPU_FMT_R:
        put(o, " %s,%s,%s", reg(in->rd), reg(in->rs1), reg(in->rs2));
        break;
    case CPU_FMT_I:
        if (is_load(id) || id == CPU_INSN_JALR)
            put(o, " %s,%d(%s)", reg(in->rd), simm, reg(in->rs1));
        else
            put(o, " %s,%s,%d", reg(in->rd), reg(in->rs1), simm);
        break;
    case CPU_FMT_SH:
        put(o, " %s,%s,0x%x", reg(in->rd), reg(in->rs1), in->imm);
        break;
    case CPU_FMT_S:
        put(o, " %s,%d(%s)", reg(in->rs2), simm, reg(in->rs1));
        break;
    case CPU_FMT_B:
        put(o, " %s,%s,", reg(in->rs1), reg(in->rs2));
        put_target(o, pc + in->imm, symbol, opaque);
        break;
    case CPU_FMT_U:
        put(o, " %s,0x%x", reg(in->rd), in->imm >> 12);
        break;
    case CPU_FMT_J:
        put(o, " %s,", reg(in->rd));
        put_target(o, pc + in->imm, symbol, opaque);
        break;
    case CPU_FMT_CSR:
        put(o, " %s,", reg(in->rd));
        put_csr(o, in->imm);
        if (id >= CPU_INSN_CSRRWI && id <= CPU_INSN_CSRRCI)
            put(o, ",%u", in->rs1);
        else
            put(o, ",%s", reg(in->rs1));
        break;
    default: /* ecall, ebreak, mret, wfi, fence.i */
        break;
    }
}

static void put_16(Out *o, const CpuInsn *in, uint32_t pc, DisasmSymbolFn symbol,
                   void *opaque)
{
    int32_t simm = (int32_t)in->imm;

    put(o, "%s", cpu_insn_name(in->id));
    switch (cpu_insn_table[in->id].format) {
    case CPU_FMT_CIW_4SPN:
        put(o, " %s,sp,%u", reg(in->rd), in->imm);
        break;
    case CPU_FMT_CL_W:
    case CPU_FMT_CI_LWSP:
        put(o, " %s,%u(%s)", reg(in->rd), in->imm, reg(in->rs1));
        break;
    case CPU_FMT_CS_W:
    case CPU_FMT_CSS_SWSP:
        put(o, " %s,%u(%s)", reg(in->rs2), in->imm, reg(in->rs1));
        break;
    case CPU_FMT_CI:
        if (in->id != CPU_INSN_C_NOP)
            put(o, " %s,%d", reg(in->rd), simm);
        else if (simm != 0) /* a hint */
            put(o, " %d", simm);
        break;
    case CPU_FMT_CI_LI:
    case CPU_FMT_CB_ANDI:
        put(o, " %s,%d", reg(in->rd), simm);
        break;
    case CPU_FMT_CI_16SP:
        put(o, " sp,%d", simm);
        break;
    case CPU_FMT_CI_LUI:
        put(o, " %s,0x%x", reg(in->rd), in->imm >> 12);
        break;
    case CPU_FMT_CI_SH:
    case CPU_FMT_CB_SH:
        put(o, " %s,0x%x", reg(in->rd), in->imm);
        break;
    case CPU_FMT_CJ:
    case CPU_FMT_CJ_LINK:
        put(o, " ");
        put_target(o, pc + in->imm, symbol, opaque);
        break;
    case CPU_FMT_CB_BR:
        put(o, " %s,", reg(in->rs1));
        put_target(o, pc + in->imm, symbol, opaque);
        break;
    case CPU_FMT_CA:
    case CPU_FMT_CR_MV:
    case CPU_FMT_CR_ADD:
        put(o, " %s,%s", reg(in->rd), reg(in->rs2));
        break;
    case CPU_FMT_CR_JR:
    case CPU_FMT_CR_JALR:
        put(o, " %s", reg(in->rs1));
        break;
    default:
        break;
    }
}

unsigned disasm(char *buf, size_t size, uint32_t bits, uint32_t pc,
                DisasmSymbolFn symbol, void *opaque)
{
    static CpuDecoder decoder;
    static bool ready;
    if (!ready) {
        cpu_decoder_init(&decoder, CPU_EXT_I | CPU_EXT_M | CPU_EXT_A |
                                       CPU_EXT_C | CPU_EXT_ZICSR |
                                       CPU_EXT_ZIFENCEI);
        ready = true;
    }
    Out o = {buf, size, 0};
    unsigned length = cpu_insn_is_compressed(bits) ? 2 : 4;
    if (size)
        buf[0] = '\0';
    CpuInsn in;
    if (!cpu_decode(&decoder, bits, &in)) {
        if (length == 2 && (bits & 0xffff) == 0)
            put(&o, "c.unimp"); /* the defined illegal instruction */
        else if (length == 2)
            put(&o, ".2byte 0x%x", bits & 0xffff);
        else
            put(&o, ".4byte 0x%x", bits);
        return length;
    }
    if (length == 2)
        put_16(&o, &in, pc, symbol, opaque);
    else
        put_32(&o, &in, pc, symbol, opaque);
    return length;
}
