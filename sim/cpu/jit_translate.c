/* Translation of one decoded block to x86-64 (see jit.h for the rules).
 *
 * Shape of a translation:
 *   chained entry: cycles + n fits before check_at; else back to the run
 *                  loop (CHECK). (A dead block's entry is patched to leave,
 *                  and no chain survives the observer being set: jit.h.)
 *   entry:         the block's busiest guest registers into host registers
 *   body:          one template per instruction, scratch in rax/rcx/rdx/r11
 *   exits:         write the cached registers back, add the instructions
 *                  run to cycles, jump to a stub that returns to the run
 *                  loop (or, once patched, straight to the next block)
 *   cold code:     slow paths of loads and stores (a helper in
 *                  jit_helpers.c does the access as the interpreter
 *                  would), the exit stubs
 *
 * rbx holds the Cpu throughout and r15 its cycle count (X_CYCLES: the
 * trampoline loads it, the epilogue stores it, helpers find it stored),
 * so chained blocks count time without a store-to-load chain through
 * memory. It stays at the block's first cycle until an exit, so helpers
 * know the exact cycle of an instruction from its index.
 */
#include "sim/cpu/jit.h"

#include <stddef.h>

#if defined(__x86_64__)

#include "sim/cpu/jit_x86.h"

#define X_CPU X_RBX
#define X_CYCLES X_R15
#define CPU_FIELD(field) ((int32_t)offsetof(Cpu, field))
#define GUEST_REG(g) ((int32_t)(offsetof(Cpu, x) + 4 * (g)))

/* Host registers that hold a block's busiest other guest registers
 * (the global ones aside: jit_x86.h), loaded at its entry and written
 * back at its exits; caller-saved, so spilled around helper calls. */
static const uint8_t cache_regs[] = {X_RSI, X_RDI, X_R8, X_R9, X_R10};
#define NCACHE (sizeof cache_regs / sizeof cache_regs[0])

typedef struct Slow {
    const BlockInsn *in;
    size_t jumps[3];   /* rel32 fields that lead to the slow path */
    unsigned njumps;
    size_t join;       /* where the fast path goes on */
    bool store;
} Slow;

typedef struct Exit {
    size_t site;       /* the patchable jmp's rel32 */
    uint32_t pc;
    BlockExit how;
} Exit;

typedef struct Tr {
    JitBuf buf;
    Cpu *cpu;
    Block *b;
    unsigned n;                         /* instructions translated */
    int8_t host[CPU_REG_SINK + 1];      /* guest -> host register, -1: memory */
    uint32_t global;                    /* guest registers held across blocks */
    uint32_t written;                   /* guest registers written */
    const uint8_t *epilogue;
    Slow slow[CPU_BLOCK_MAX];
    unsigned nslow;
    Exit exits[3];
    unsigned nexits;
    size_t bails[1], faults[CPU_BLOCK_MAX], indirect[4], jalr_faults[2];
    unsigned nbails, nfaults, nindirect, njalr_faults;
    const BlockInsn *jalr;              /* the block's jalr, if any */
    size_t loop_head;                   /* after the entry's register loads */
    size_t bail;                        /* back to the run loop from the entry */
    bool reservation_ended;             /* a store before cleared cpu->reserved */
    int rax_holds;                      /* guest register rax holds now, or -1 */
    int rax_put;                        /* the one the last put left in rax */
} Tr;

/* ---- what is translated ---- */

static bool aligned_target(const Cpu *cpu, const BlockInsn *in)
{
    return !((in->pc + in->imm) & cpu->jump_misalign);
}

static bool translatable(const Cpu *cpu, const BlockInsn *in)
{
    switch (in->op) {
    case CPU_INSN_JAL:
    case CPU_INSN_BEQ: case CPU_INSN_BNE: case CPU_INSN_BLT:
    case CPU_INSN_BGE: case CPU_INSN_BLTU: case CPU_INSN_BGEU:
        return aligned_target(cpu, in); /* else the interpreter raises */
    case CPU_INSN_LUI: case CPU_INSN_AUIPC: case CPU_INSN_JALR:
    case CPU_INSN_LB: case CPU_INSN_LH: case CPU_INSN_LW:
    case CPU_INSN_LBU: case CPU_INSN_LHU:
    case CPU_INSN_SB: case CPU_INSN_SH: case CPU_INSN_SW:
    case CPU_INSN_ADDI: case CPU_INSN_SLTI: case CPU_INSN_SLTIU:
    case CPU_INSN_XORI: case CPU_INSN_ORI: case CPU_INSN_ANDI:
    case CPU_INSN_SLLI: case CPU_INSN_SRLI: case CPU_INSN_SRAI:
    case CPU_INSN_ADD: case CPU_INSN_SUB: case CPU_INSN_SLL:
    case CPU_INSN_SLT: case CPU_INSN_SLTU: case CPU_INSN_XOR:
    case CPU_INSN_SRL: case CPU_INSN_SRA: case CPU_INSN_OR: case CPU_INSN_AND:
    case CPU_INSN_MUL: case CPU_INSN_MULH: case CPU_INSN_MULHSU: case CPU_INSN_MULHU:
    case CPU_INSN_DIV: case CPU_INSN_DIVU: case CPU_INSN_REM: case CPU_INSN_REMU:
    case CPU_INSN_FENCE: case CPU_INSN_MRET:
        return true;
    }
    return false;
}

/* The width and signedness of a load or store. */
static unsigned access_size(unsigned op)
{
    switch (op) {
    case CPU_INSN_LW: case CPU_INSN_SW: return 4;
    case CPU_INSN_LH: case CPU_INSN_LHU: case CPU_INSN_SH: return 2;
    default: return 1;
    }
}

static bool access_signed(unsigned op)
{
    return op == CPU_INSN_LB || op == CPU_INSN_LH;
}

/* A host address as an immediate. */
static uint64_t address_of(const void *p)
{
    return (uint64_t)(uintptr_t)p;
}

/* ---- guest registers ---- */

/* The most used guest registers of the translated part (two uses or
 * more) get host registers. */
static void allocate(Tr *t)
{
    unsigned uses[CPU_REG_SINK + 1] = {0};
    for (unsigned i = 0; i < t->n; i++) {
        const BlockInsn *in = &t->b->insns[i];
        uses[in->rs1]++;
        uses[in->rs2]++;
        uses[in->rd]++;
        if (in->rd != CPU_REG_SINK)
            t->written |= 1u << in->rd;
    }
    uses[0] = uses[CPU_REG_SINK] = 0;
    for (unsigned g = 0; g <= CPU_REG_SINK; g++)
        t->host[g] = -1;
    for (unsigned i = 0; i < JIT_NGLOBAL; i++) {
        t->host[jit_global_guest[i]] = (int8_t)jit_global_host[i];
        t->global |= 1u << jit_global_guest[i];
    }
    for (unsigned k = 0; k < NCACHE; k++) {
        unsigned best = 0;
        for (unsigned g = 1; g < 32; g++)
            if (t->host[g] < 0 && uses[g] > uses[best])
                best = g;
        if (uses[best] < 2)
            break;
        t->host[best] = (int8_t)cache_regs[k];
    }
}

static bool is_cached(const Tr *t, unsigned g)
{
    return g > 0 && g < 32 && t->host[g] >= 0;
}

/* host register xr := guest register g. An instruction that starts right
 * after one whose last act was put(g, rax) finds g in rax still: its first
 * reads of g take it from there (rax_holds is forgotten at the first get
 * into rax, which is where every template starts changing rax). */
static void get(Tr *t, unsigned xr, unsigned g)
{
    bool held = g != 0 && (int)g == t->rax_holds;
    if (xr == X_RAX)
        t->rax_holds = -1;
    if (held) {
        if (xr != X_RAX)
            x_mov_rr32(&t->buf, xr, X_RAX);
        return;
    }
    if (g == 0)
        x_alu_rr32(&t->buf, ALU_XOR, xr, xr);
    else if (is_cached(t, g))
        x_mov_rr32(&t->buf, xr, (unsigned)t->host[g]);
    else
        x_mov_rm32(&t->buf, xr, X_CPU, GUEST_REG(g));
}

/* guest register g := host register xr (x0's sink: nothing) */
static void put(Tr *t, unsigned g, unsigned xr)
{
    if (g == 0 || g >= 32)
        return;
    if (xr == X_RAX)
        t->rax_put = (int)g; /* every template puts last: see get */
    if (is_cached(t, g))
        x_mov_rr32(&t->buf, (unsigned)t->host[g], xr);
    else
        x_mov_mr32(&t->buf, X_CPU, GUEST_REG(g), xr);
}

static void put_imm(Tr *t, unsigned g, uint32_t value)
{
    if (g == 0 || g >= 32)
        return;
    if (is_cached(t, g))
        x_mov_ri32(&t->buf, (unsigned)t->host[g], value);
    else
        x_mov_mi32(&t->buf, X_CPU, GUEST_REG(g), value);
}

/* xr op= guest register g */
static void alu_with(Tr *t, unsigned alu, unsigned xr, unsigned g)
{
    if (g == 0)
        x_alu_ri(&t->buf, false, alu, xr, 0);
    else if (is_cached(t, g))
        x_alu_rr32(&t->buf, alu, xr, (unsigned)t->host[g]);
    else
        x_alu_rm32(&t->buf, alu, xr, X_CPU, GUEST_REG(g));
}

/* A block's own cached registers (not the global ones). */
static bool block_cached(const Tr *t, unsigned g)
{
    return is_cached(t, g) && !(t->global >> g & 1);
}

static void load_cached(Tr *t)
{
    for (unsigned g = 1; g < 32; g++)
        if (block_cached(t, g))
            x_mov_rm32(&t->buf, (unsigned)t->host[g], X_CPU, GUEST_REG(g));
}

/* Every exit: the register file in memory becomes current. */
static void write_back(Tr *t)
{
    for (unsigned g = 1; g < 32; g++)
        if (block_cached(t, g) && (t->written >> g & 1))
            x_mov_mr32(&t->buf, X_CPU, GUEST_REG(g), (unsigned)t->host[g]);
}

static bool caller_saved(int xr)
{
    return xr == X_RSI || xr == X_RDI || (xr >= X_R8 && xr <= X_R10);
}

static void spill(Tr *t)
{
    for (unsigned g = 1; g < 32; g++)
        if (is_cached(t, g) && caller_saved(t->host[g]) && (t->written >> g & 1))
            x_mov_mr32(&t->buf, X_CPU, GUEST_REG(g), (unsigned)t->host[g]);
}

static void reload(Tr *t)
{
    for (unsigned g = 1; g < 32; g++)
        if (is_cached(t, g) && caller_saved(t->host[g]))
            x_mov_rm32(&t->buf, (unsigned)t->host[g], X_CPU, GUEST_REG(g));
}

/* ---- templates ---- */

static void call(Tr *t, const void *fn)
{
    x_mov_ri64(&t->buf, X_RAX, address_of(fn));
    x_call_rax(&t->buf);
}

static void jmp_epilogue(Tr *t)
{
    size_t field = x_jmp(&t->buf);
    x_patch(&t->buf, field, (size_t)(t->epilogue - t->buf.start));
}

static void add_cycles(Tr *t, unsigned retired)
{
    if (retired)
        x_alu_ri(&t->buf, true, ALU_ADD, X_CYCLES, (int32_t)retired);
}

/* rax := cycles + n, compared with the horizon. */
static void cmp_horizon(Tr *t)
{
    x_lea64(&t->buf, X_RAX, X_CYCLES, (int32_t)t->n);
    x_alu_rm64(&t->buf, ALU_CMP, X_RAX, X_CPU, CPU_FIELD(check_at));
}

/* A block that jumps back to its own start runs again right here while
 * the next run fits before the horizon and nothing asked to see every
 * block, with its guest registers still in host registers (a tight loop
 * never leaves translated code between events). */
static void loop_back(Tr *t, unsigned retired)
{
    JitBuf *b = &t->buf;
    add_cycles(t, retired);
    x_cmp_mi8(b, X_CPU, CPU_FIELD(no_chaining), 0);
    size_t observed = x_jcc(b, CC_NE);
    cmp_horizon(t);
    x_patch(b, x_jcc(b, CC_BE), t->loop_head);
    x_patch(b, observed, x_offset(b));
}

/* Leaves to a fixed pc after `retired` instructions, through a stub the
 * run loop may later patch into a direct jump. */
static void exit_static(Tr *t, BlockExit how, uint32_t pc, unsigned retired)
{
    if (pc == t->b->start) {
        loop_back(t, retired);
        retired = 0; /* counted */
    }
    write_back(t);
    add_cycles(t, retired);
    t->exits[t->nexits++] = (Exit){x_jmp(&t->buf), pc, how};
}

static void translate_alu_imm(Tr *t, const BlockInsn *in)
{
    get(t, X_RAX, in->rs1);
    int32_t imm = (int32_t)in->imm;
    switch (in->op) {
    case CPU_INSN_ADDI: if (imm) x_alu_ri(&t->buf, false, ALU_ADD, X_RAX, imm); break;
    case CPU_INSN_XORI: x_alu_ri(&t->buf, false, ALU_XOR, X_RAX, imm); break;
    case CPU_INSN_ORI: x_alu_ri(&t->buf, false, ALU_OR, X_RAX, imm); break;
    case CPU_INSN_ANDI: x_alu_ri(&t->buf, false, ALU_AND, X_RAX, imm); break;
    case CPU_INSN_SLLI: x_shift_ri(&t->buf, false, SH_SHL, X_RAX, in->imm & 31); break;
    case CPU_INSN_SRLI: x_shift_ri(&t->buf, false, SH_SHR, X_RAX, in->imm & 31); break;
    case CPU_INSN_SRAI: x_shift_ri(&t->buf, false, SH_SAR, X_RAX, in->imm & 31); break;
    case CPU_INSN_SLTI:
        x_alu_ri(&t->buf, false, ALU_CMP, X_RAX, imm);
        x_setcc_eax(&t->buf, CC_L);
        break;
    default: /* SLTIU: compares with the sign-extended immediate, unsigned */
        x_alu_ri(&t->buf, false, ALU_CMP, X_RAX, imm);
        x_setcc_eax(&t->buf, CC_B);
        break;
    }
    put(t, in->rd, X_RAX);
}

static void translate_alu(Tr *t, const BlockInsn *in)
{
    unsigned shift = in->op == CPU_INSN_SLL ? SH_SHL : in->op == CPU_INSN_SRL ? SH_SHR : SH_SAR;
    switch (in->op) {
    case CPU_INSN_SLL: case CPU_INSN_SRL: case CPU_INSN_SRA:
        get(t, X_RCX, in->rs2);
        get(t, X_RAX, in->rs1);
        x_shift_cl(&t->buf, shift, X_RAX); /* the count is masked to 5 bits */
        break;
    case CPU_INSN_SLT: case CPU_INSN_SLTU:
        get(t, X_RAX, in->rs1);
        alu_with(t, ALU_CMP, X_RAX, in->rs2);
        x_setcc_eax(&t->buf, in->op == CPU_INSN_SLT ? CC_L : CC_B);
        break;
    default: {
        unsigned alu = in->op == CPU_INSN_ADD ? ALU_ADD : in->op == CPU_INSN_SUB ? ALU_SUB
                     : in->op == CPU_INSN_XOR ? ALU_XOR : in->op == CPU_INSN_OR ? ALU_OR
                                                                   : ALU_AND;
        get(t, X_RAX, in->rs1);
        alu_with(t, alu, X_RAX, in->rs2);
        break;
    }
    }
    put(t, in->rd, X_RAX);
}

static void translate_mul(Tr *t, const BlockInsn *in)
{
    get(t, X_RAX, in->rs1);
    get(t, X_RCX, in->rs2); /* 32-bit moves zero-extend */
    if (in->op == CPU_INSN_MUL) {
        x_imul_rr(&t->buf, false, X_RAX, X_RCX);
    } else {
        if (in->op != CPU_INSN_MULHU)
            x_movsxd(&t->buf, X_RAX, X_RAX);
        if (in->op == CPU_INSN_MULH)
            x_movsxd(&t->buf, X_RCX, X_RCX);
        x_imul_rr(&t->buf, true, X_RAX, X_RCX); /* exact in 64 bits */
        x_shift_ri(&t->buf, true, SH_SHR, X_RAX, 32);
    }
    put(t, in->rd, X_RAX);
}

/* Division never traps: x/0 and INT_MIN/-1 have defined results. */
static void translate_div(Tr *t, const BlockInsn *in)
{
    bool is_signed = in->op == CPU_INSN_DIV || in->op == CPU_INSN_REM;
    bool rem = in->op == CPU_INSN_REM || in->op == CPU_INSN_REMU;
    JitBuf *b = &t->buf;
    get(t, X_RCX, in->rs2);
    get(t, X_RAX, in->rs1);
    x_test_rr(b, false, X_RCX, X_RCX);
    size_t by_zero = x_jcc(b, CC_E);
    size_t overflow_a = 0, overflow_b = 0;
    if (is_signed) {
        x_alu_ri(b, false, ALU_CMP, X_RCX, -1);
        overflow_a = x_jcc(b, CC_NE);
        x_alu_ri(b, false, ALU_CMP, X_RAX, INT32_MIN);
        overflow_b = x_jcc(b, CC_NE);
        if (rem) /* INT_MIN % -1 = 0; INT_MIN / -1 = INT_MIN: eax already */
            x_alu_rr32(b, ALU_XOR, X_RAX, X_RAX);
        size_t done_overflow = x_jmp(b);
        x_patch(b, overflow_a, x_offset(b));
        x_patch(b, overflow_b, x_offset(b));
        x_cdq(b);
        x_div_ecx(b, true);
        if (rem)
            x_mov_rr32(b, X_RAX, X_RDX);
        size_t done = x_jmp(b);
        x_patch(b, by_zero, x_offset(b));
        if (!rem)
            x_mov_ri32(b, X_RAX, 0xffffffffu); /* x % 0 = x: eax already */
        x_patch(b, done_overflow, x_offset(b));
        x_patch(b, done, x_offset(b));
    } else {
        x_alu_rr32(b, ALU_XOR, X_RDX, X_RDX);
        x_div_ecx(b, false);
        if (rem)
            x_mov_rr32(b, X_RAX, X_RDX);
        size_t done = x_jmp(b);
        x_patch(b, by_zero, x_offset(b));
        if (!rem)
            x_mov_ri32(b, X_RAX, 0xffffffffu);
        x_patch(b, done, x_offset(b));
    }
    put(t, in->rd, X_RAX);
}

/* eax := rs1 + imm; a misaligned address goes to the slow path (which
 * traps or emulates as the board says). */
static Slow *address(Tr *t, const BlockInsn *in, unsigned size, bool store)
{
    Slow *s = &t->slow[t->nslow++];
    *s = (Slow){.in = in, .store = store};
    get(t, X_RAX, in->rs1);
    if (in->imm)
        x_alu_ri(&t->buf, false, ALU_ADD, X_RAX, (int32_t)in->imm);
    if (size > 1) {
        x_test_ri32(&t->buf, X_RAX, size - 1);
        s->jumps[s->njumps++] = x_jcc(&t->buf, CC_NE);
    }
    return s;
}

/* ecx := the offset of eax in the window, or off to the slow path. */
static void window_check(Tr *t, Slow *s, int32_t window)
{
    x_mov_rr32(&t->buf, X_RCX, X_RAX);
    x_alu_rm32(&t->buf, ALU_SUB, X_RCX, X_CPU, window + (int32_t)offsetof(JitWindow, start));
    x_alu_rm32(&t->buf, ALU_CMP, X_RCX, X_CPU, window + (int32_t)offsetof(JitWindow, span));
    s->jumps[s->njumps++] = x_jcc(&t->buf, CC_AE);
}

static void translate_load(Tr *t, const BlockInsn *in)
{
    unsigned size = access_size(in->op);
    bool sign = access_signed(in->op);
    int32_t window = CPU_FIELD(jit_load);
    Slow *s = address(t, in, size, false);
    window_check(t, s, window);
    x_mov_rm64(&t->buf, X_RDX, X_CPU, window + (int32_t)offsetof(JitWindow, host));
    x_load_indexed(&t->buf, size, sign, X_RAX, X_RDX, X_RCX);
    s->join = x_offset(&t->buf);
    put(t, in->rd, X_RAX);
}

/* A store into a 256-byte chunk that holds decoded code (its bit in the
 * window's code bitmap) takes the slow path, which invalidates. */
static void translate_store(Tr *t, const BlockInsn *in)
{
    unsigned size = access_size(in->op);
    int32_t window = CPU_FIELD(jit_store);
    JitBuf *b = &t->buf;
    /* Any store ends an LR's reservation; nothing in a translation reads
     * it, so the block's first store (in order: none before it has run)
     * does it for all. */
    if (!t->reservation_ended)
        x_mov_mi8(b, X_CPU, CPU_FIELD(reserved), 0);
    t->reservation_ended = true;
    Slow *s = address(t, in, size, true);
    window_check(t, s, window);
    x_mov_rm64(b, X_RDX, X_CPU, window + (int32_t)offsetof(JitWindow, code_offset));
    const uint8_t add_rdx_rcx[3] = {0x48, 0x01, 0xca};
    x_bytes(b, add_rdx_rcx, 3);
    x_shift_ri(b, true, SH_SHR, X_RDX, MEMORY_CODE_CHUNK_SHIFT); /* chunk number */
    x_mov_rr64(b, X_R11, X_RDX);
    x_shift_ri(b, true, SH_SHR, X_R11, 6);
    x_shift_ri(b, true, SH_SHL, X_R11, 3);
    x_alu_rm64(b, ALU_ADD, X_R11, X_CPU, window + (int32_t)offsetof(JitWindow, code));
    x_mov_rm64(b, X_R11, X_R11, 0);
    x_bt_rr64(b, X_R11, X_RDX);
    s->jumps[s->njumps++] = x_jcc(b, CC_B);
    x_mov_rm64(b, X_RDX, X_CPU, window + (int32_t)offsetof(JitWindow, host));
    get(t, X_RAX, in->rs2);
    x_store_indexed(b, size, X_RDX, X_RCX);
    s->join = x_offset(b);
}

static unsigned branch_cc(unsigned op)
{
    switch (op) {
    case CPU_INSN_BEQ: return CC_E;
    case CPU_INSN_BNE: return CC_NE;
    case CPU_INSN_BLT: return CC_L;
    case CPU_INSN_BGE: return CC_GE;
    case CPU_INSN_BLTU: return CC_B;
    default: return CC_AE;
    }
}

static void translate_branch(Tr *t, const BlockInsn *in, unsigned i)
{
    get(t, X_RAX, in->rs1);
    alu_with(t, ALU_CMP, X_RAX, in->rs2);
    size_t taken = x_jcc(&t->buf, branch_cc(in->op));
    exit_static(t, BLOCK_EXIT_NEXT, in->pc + in->length, i + 1);
    x_patch(&t->buf, taken, x_offset(&t->buf));
    exit_static(t, BLOCK_EXIT_TAKEN, in->pc + in->imm, i + 1);
}

/* jalr: the target is known only now; a translated successor is looked
 * up inline in the block table (its chained entry checks the rest), else
 * back to the run loop. */
static void translate_jalr(Tr *t, const BlockInsn *in, unsigned i)
{
    JitBuf *b = &t->buf;
    get(t, X_RAX, in->rs1);
    if (in->imm)
        x_alu_ri(b, false, ALU_ADD, X_RAX, (int32_t)in->imm);
    x_alu_ri(b, false, ALU_AND, X_RAX, -2);
    if (t->cpu->jump_misalign) {
        x_test_ri32(b, X_RAX, t->cpu->jump_misalign);
        t->jalr_faults[t->njalr_faults++] = x_jcc(b, CC_NE);
    }
    t->jalr = in;
    put_imm(t, in->rd, in->pc + in->length);
    write_back(t);
    add_cycles(t, i + 1);
    x_mov_mr32(b, X_CPU, CPU_FIELD(pc), X_RAX);
    x_cmp_mi8(b, X_CPU, CPU_FIELD(no_chaining), 0);
    t->indirect[t->nindirect++] = x_jcc(b, CC_NE);
    x_mov_rr32(b, X_RCX, X_RAX);
    x_shift_ri(b, false, SH_SHR, X_RCX, 1);
    x_alu_ri(b, false, ALU_AND, X_RCX, CPU_BLOCK_TABLE - 1); /* cpu_block_slot */
    x_mov_rm64_index8(b, X_RDX, X_CPU, X_RCX, CPU_FIELD(blocks.table));
    x_test_rr(b, true, X_RDX, X_RDX);
    t->indirect[t->nindirect++] = x_jcc(b, CC_E);
    x_alu_rm32(b, ALU_CMP, X_RAX, X_RDX, (int32_t)offsetof(Block, start));
    t->indirect[t->nindirect++] = x_jcc(b, CC_NE);
    x_mov_rm64(b, X_RDX, X_RDX, (int32_t)offsetof(Block, jit_chained));
    x_test_rr(b, true, X_RDX, X_RDX);
    t->indirect[t->nindirect++] = x_jcc(b, CC_E);
    x_jmp_reg(b, X_RDX);
}

/* mret ends the run of translated code: the run loop looks around
 * (an interrupt may be taken at once), as after the interpreter's. */
static void translate_mret(Tr *t, const BlockInsn *in, unsigned i)
{
    JitBuf *b = &t->buf;
    write_back(t);
    add_cycles(t, i);
    x_mov_mr64(b, X_CPU, CPU_FIELD(cycles), X_CYCLES);
    x_mov_rr64(b, X_RDI, X_CPU);
    x_mov_ri32(b, X_RSI, in->pc);
    x_mov_ri32(b, X_RDX, in->bits);
    call(t, (const void *)jit_mret);
    x_mov_rm64(b, X_CYCLES, X_CPU, CPU_FIELD(cycles));
    const uint8_t test_al[2] = {0x84, 0xc0}; /* a bool comes back in al only */
    x_bytes(b, test_al, 2);
    size_t fault = x_jcc(b, CC_E);
    x_mov_ri32(b, X_RAX, BLOCK_EXIT_CHECK);
    jmp_epilogue(t);
    x_patch(b, fault, x_offset(b));
    x_mov_ri32(b, X_RAX, BLOCK_EXIT_EXCEPTION);
    jmp_epilogue(t);
}

/* One instruction; true when it ended the block (a control transfer). */
static bool translate_insn(Tr *t, const BlockInsn *in, unsigned i)
{
    switch (in->op) {
    case CPU_INSN_LUI: put_imm(t, in->rd, in->imm); return false;
    case CPU_INSN_AUIPC: put_imm(t, in->rd, in->pc + in->imm); return false;
    case CPU_INSN_FENCE: return false;
    case CPU_INSN_JAL:
        put_imm(t, in->rd, in->pc + in->length);
        exit_static(t, BLOCK_EXIT_TAKEN, in->pc + in->imm, i + 1);
        return true;
    case CPU_INSN_JALR: translate_jalr(t, in, i); return true;
    case CPU_INSN_MRET: translate_mret(t, in, i); return true;
    case CPU_INSN_BEQ: case CPU_INSN_BNE: case CPU_INSN_BLT:
    case CPU_INSN_BGE: case CPU_INSN_BLTU: case CPU_INSN_BGEU:
        translate_branch(t, in, i);
        return true;
    case CPU_INSN_LB: case CPU_INSN_LH: case CPU_INSN_LW:
    case CPU_INSN_LBU: case CPU_INSN_LHU:
        translate_load(t, in);
        return false;
    case CPU_INSN_SB: case CPU_INSN_SH: case CPU_INSN_SW:
        translate_store(t, in);
        return false;
    case CPU_INSN_ADDI: case CPU_INSN_SLTI: case CPU_INSN_SLTIU: case CPU_INSN_XORI:
    case CPU_INSN_ORI: case CPU_INSN_ANDI: case CPU_INSN_SLLI: case CPU_INSN_SRLI:
    case CPU_INSN_SRAI:
        translate_alu_imm(t, in);
        return false;
    case CPU_INSN_MUL: case CPU_INSN_MULH: case CPU_INSN_MULHSU: case CPU_INSN_MULHU:
        translate_mul(t, in);
        return false;
    case CPU_INSN_DIV: case CPU_INSN_DIVU: case CPU_INSN_REM: case CPU_INSN_REMU:
        translate_div(t, in);
        return false;
    default:
        translate_alu(t, in);
        return false;
    }
}

/* ---- cold code ---- */

static void emit_slow(Tr *t, const Slow *s)
{
    JitBuf *b = &t->buf;
    const BlockInsn *in = s->in;
    unsigned size = access_size(in->op);
    bool sign = access_signed(in->op);
    uint32_t info = in->idx | size << 8 | (uint32_t)sign << 12 |
                    (uint32_t)(in->length == 2) << 13 | t->n << 16;
    for (unsigned j = 0; j < s->njumps; j++)
        x_patch(b, s->jumps[j], x_offset(b));
    spill(t);
    if (s->store)
        get(t, X_RDX, in->rs2); /* before the argument registers change */
    x_mov_rr32(b, X_RSI, X_RAX);
    x_mov_rr64(b, X_RDI, X_CPU);
    x_mov_ri32(b, X_RCX, info);
    x_mov_ri64(b, X_R8, address_of(in));
    x_mov_mr64(b, X_CPU, CPU_FIELD(cycles), X_CYCLES);
    call(t, s->store ? (const void *)jit_slow_store : (const void *)jit_slow_load);
    x_mov_rm64(b, X_CYCLES, X_CPU, CPU_FIELD(cycles)); /* base, or where it ended */
    reload(t);
    x_test_rr(b, false, X_RDX, X_RDX);
    x_patch(b, x_jcc(b, CC_E), s->join);
    x_alu_ri(b, false, ALU_CMP, X_RDX, JIT_SLOW_CHECK);
    t->faults[t->nfaults++] = x_jcc(b, CC_NE);
    if (!s->store)
        put(t, in->rd, X_RAX);
    write_back(t); /* the helper set pc and cycles past the access */
    x_mov_ri32(b, X_RAX, BLOCK_EXIT_CHECK);
    jmp_epilogue(t);
}

static void emit_exit_stub(Tr *t, const Exit *e)
{
    JitBuf *b = &t->buf;
    x_patch(b, e->site, x_offset(b));
    x_mov_mi32(b, X_CPU, CPU_FIELD(pc), e->pc);
    x_mov_ri64(b, X_RAX, address_of(t->b));
    x_mov_mr64(b, X_CPU, CPU_FIELD(last_block), X_RAX);
    x_mov_ri64(b, X_RAX, address_of(b->start + e->site));
    x_mov_mr64(b, X_CPU, CPU_FIELD(jit_exit_site), X_RAX);
    x_mov_ri32(b, X_RAX, e->how);
    jmp_epilogue(t);
}

static void emit_cold(Tr *t)
{
    JitBuf *b = &t->buf;
    for (unsigned i = 0; i < t->nslow; i++)
        emit_slow(t, &t->slow[i]);
    for (unsigned i = 0; i < t->nexits; i++)
        emit_exit_stub(t, &t->exits[i]);
    if (t->nfaults) { /* the helper raised; this instruction did not retire */
        for (unsigned i = 0; i < t->nfaults; i++)
            x_patch(b, t->faults[i], x_offset(b));
        write_back(t);
        x_mov_ri32(b, X_RAX, BLOCK_EXIT_EXCEPTION);
        jmp_epilogue(t);
    }
    if (t->njalr_faults) { /* nothing written back yet, rd untouched */
        x_patch(b, t->jalr_faults[0], x_offset(b));
        write_back(t);
        x_mov_mi32(b, X_CPU, CPU_FIELD(exc_cause), CPU_CAUSE_FETCH_MISALIGNED);
        x_mov_mr32(b, X_CPU, CPU_FIELD(exc_tval), X_RAX);
        x_mov_mi32(b, X_CPU, CPU_FIELD(pc), t->jalr->pc);
        add_cycles(t, t->jalr->idx);
        x_mov_ri32(b, X_RAX, BLOCK_EXIT_EXCEPTION);
        jmp_epilogue(t);
    }
    if (t->nindirect) { /* no translated successor: back to the run loop */
        for (unsigned i = 0; i < t->nindirect; i++)
            x_patch(b, t->indirect[i], x_offset(b));
        x_mov_ri64(b, X_RAX, address_of(t->b));
        x_mov_mr64(b, X_CPU, CPU_FIELD(last_block), X_RAX);
        x_alu_rr32(b, ALU_XOR, X_RAX, X_RAX);
        x_mov_mr64(b, X_CPU, CPU_FIELD(jit_exit_site), X_RAX);
        x_mov_ri32(b, X_RAX, BLOCK_EXIT_TAKEN);
        jmp_epilogue(t);
    }
    /* chained entry refused (or the block died): the run loop looks
     * around first */
    t->bail = x_offset(b);
    for (unsigned i = 0; i < t->nbails; i++)
        x_patch(b, t->bails[i], x_offset(b));
    x_mov_mi32(b, X_CPU, CPU_FIELD(pc), t->b->start);
    x_mov_ri32(b, X_RAX, BLOCK_EXIT_CHECK);
    jmp_epilogue(t);
}

/* The entry other translations jump to: the block fits before the
 * horizon. Its first instruction is at least 5 bytes long: a dead block's
 * entry is overwritten with a jmp to the bail-out (jit_kill), and only
 * translations made while chaining was on ever jump here. */
static void emit_chained_entry(Tr *t)
{
    cmp_horizon(t);
    t->bails[t->nbails++] = x_jcc(&t->buf, CC_A);
}

size_t jit_translate(Cpu *cpu, Block *b, uint8_t *buf, uint8_t *end,
                     const uint8_t *epilogue, bool *refused)
{
    unsigned n = 0;
    while (n < b->ninsns && translatable(cpu, &b->insns[n]))
        n++;
    *refused = n == 0;
    if (n == 0)
        return 0;
    Tr t = {.buf = {.start = buf, .p = buf, .end = end}, .cpu = cpu, .b = b, .n = n,
            .epilogue = epilogue};
    allocate(&t);
    emit_chained_entry(&t);
    size_t entry = x_offset(&t.buf);
    load_cached(&t);
    t.loop_head = x_offset(&t.buf);
    bool ended = false;
    t.rax_put = -1;
    for (unsigned i = 0; i < n && !ended; i++) {
        t.rax_holds = t.rax_put;
        t.rax_put = -1;
        ended = translate_insn(&t, &b->insns[i], i);
    }
    t.rax_holds = -1; /* cold code starts from anywhere */
    if (!ended) /* the block goes on in the interpreter, or just ends */
        exit_static(&t, BLOCK_EXIT_NEXT, b->insns[n].pc, n);
    emit_cold(&t);
    if (t.buf.full)
        return 0;
    b->jit_chained = buf;
    b->jit_entry = buf + entry;
    b->jit_bail = buf + t.bail;
    return x_offset(&t.buf);
}

#else

size_t jit_translate(Cpu *cpu, Block *b, uint8_t *buf, uint8_t *end,
                     const uint8_t *epilogue, bool *refused)
{
    (void)cpu, (void)b, (void)buf, (void)end, (void)epilogue;
    *refused = true;
    return 0;
}

#endif
