/* The threaded interpreter: runs one decoded block (cpu_blocks.c) as a
 * chain of indirect jumps, with no decoding and no per-instruction
 * bookkeeping: time is settled when the block ends. A block ending in a
 * branch or jump goes straight into its cached successor while that one
 * ends before the run loop's horizon (cpu_run.c) and nothing needs
 * looking at.
 *
 * Loads and stores try the data cache's RAM/ROM ranges inline; anything
 * else (a device, a miss, a misaligned access, a store into decoded code)
 * takes the slow path in cpu.c, which brings the clock to the exact cycle
 * of the instruction first, and after a device access the block ends so
 * the run loop sees what the device did.
 */
#include "sim/cpu/cpu_internal.h"

#include <string.h>

/* A host pointer for an aligned access that hits RAM/ROM in the data
 * cache; NULL sends the access down the slow path (so does a store into
 * a chunk holding decoded code: the slow path reports it). */
static inline uint8_t *fast_host(const MemCache *c, uint32_t addr,
                                 unsigned size, bool write)
{
    if (addr & (size - 1))
        return NULL;
    for (unsigned i = 0; i < c->valid; i++) {
        const MemRange *r = &c->ways[i];
        uint32_t offset = addr - r->start, span = r->last - r->start;
        if (offset <= span && span - offset >= size - 1) {
            if (!r->host)
                return NULL;
            if (write && (r->readonly || memory_range_has_code(r, addr)))
                return NULL;
            return r->host + offset;
        }
    }
    return NULL;
}

/* Host memory in guest byte order (the host is little-endian too). Each
 * size reads exactly its bytes: assembling a narrow value in a wider
 * variable through memory stalls store forwarding. */
static inline uint32_t host_read(const uint8_t *p, unsigned size)
{
    uint16_t half;
    uint32_t word;
    switch (size) {
    case 1: return *p;
    case 2: memcpy(&half, p, 2); return half;
    default: memcpy(&word, p, 4); return word;
    }
}

static inline void host_write(uint8_t *p, unsigned size, uint32_t value)
{
    uint16_t half = (uint16_t)value;
    switch (size) {
    case 1: *p = (uint8_t)value; break;
    case 2: memcpy(p, &half, 2); break;
    default: memcpy(p, &value, 4); break;
    }
}

static uint32_t amo_result(unsigned op, uint32_t old, uint32_t src)
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
static bool exec_atomic(Cpu *cpu, const BlockInsn *in, bool *mmio)
{
    uint32_t addr = cpu->x[in->rs1], src = cpu->x[in->rs2], old;

    if (in->op == CPU_INSN_LR_W) {
        if (addr & 3)
            return cpu_raise(cpu, CPU_CAUSE_LOAD_MISALIGNED, addr);
        if (!cpu_load(cpu, addr, 4, &old, mmio))
            return false;
        cpu->reserved = true;
        cpu->reservation = addr;
    } else if (in->op == CPU_INSN_SC_W) {
        if (addr & 3)
            return cpu_raise(cpu, CPU_CAUSE_STORE_MISALIGNED, addr);
        bool ok = cpu->reserved && cpu->reservation == addr;
        cpu->reserved = false;
        if (ok && !cpu_store(cpu, addr, 4, src, mmio))
            return false;
        old = !ok;
    } else {
        if (addr & 3)
            return cpu_raise(cpu, CPU_CAUSE_STORE_MISALIGNED, addr);
        if (!cpu_load(cpu, addr, 4, &old, mmio)) {
            if (cpu->exc_cause == CPU_CAUSE_LOAD_ACCESS)
                cpu->exc_cause = CPU_CAUSE_STORE_ACCESS;
            return false;
        }
        cpu->reserved = false;
        if (!cpu_store(cpu, addr, 4, amo_result(in->op, old, src), mmio))
            return false;
    }
    cpu->x[in->rd] = old;
    return true;
}

/* `slli x0,x0,0x1f; ebreak; srai x0,x0,7`, uncompressed (the RISC-V
 * semihosting specification); read without side effects. */
static bool semihosting_sequence(Cpu *cpu, uint32_t pc)
{
    uint32_t words[3];
    if (pc < 4 || !memory_debug_read(cpu->ms, pc - 4, words, sizeof words, NULL))
        return false;
    return words[0] == 0x01f01013u && words[2] == 0x40705013u;
}

/* Offers the instruction to the host services, with the CPU state as the
 * instruction sees it. */
static bool host_call(Cpu *cpu, const BlockInsn *in, uint64_t base,
                      CpuHostCall call)
{
    cpu->pc = in->pc;
    cpu->cycles = base + in->idx;
    if (cpu->config.clock)
        clock_set_now(cpu->config.clock, cpu->cycles);
    return cpu->host_handler(cpu->host_opaque, cpu, call);
}

static uint32_t mulh(int64_t a, int64_t b)
{
    return (uint32_t)((uint64_t)(a * b) >> 32);
}

/* Runs one block. With handlers_out set it only hands out the handler
 * table (labels are local to this function). */
BlockExit cpu_exec_block(Cpu *cpu, Block *b, const void *const **handlers_out)
{
#define HANDLER(id) [CPU_INSN_##id] = &&op_##id
    static const void *const handlers[CPU_OP_COUNT] = {
        HANDLER(LUI), HANDLER(AUIPC), HANDLER(JAL), HANDLER(JALR),
        HANDLER(BEQ), HANDLER(BNE), HANDLER(BLT), HANDLER(BGE),
        HANDLER(BLTU), HANDLER(BGEU),
        HANDLER(LB), HANDLER(LH), HANDLER(LW), HANDLER(LBU), HANDLER(LHU),
        HANDLER(SB), HANDLER(SH), HANDLER(SW),
        HANDLER(ADDI), HANDLER(SLTI), HANDLER(SLTIU), HANDLER(XORI),
        HANDLER(ORI), HANDLER(ANDI), HANDLER(SLLI), HANDLER(SRLI), HANDLER(SRAI),
        HANDLER(ADD), HANDLER(SUB), HANDLER(SLL), HANDLER(SLT), HANDLER(SLTU),
        HANDLER(XOR), HANDLER(SRL), HANDLER(SRA), HANDLER(OR), HANDLER(AND),
        HANDLER(FENCE), HANDLER(ECALL), HANDLER(EBREAK), HANDLER(MRET),
        HANDLER(WFI), HANDLER(FENCE_I),
        [CPU_INSN_CSRRW] = &&op_CSR, [CPU_INSN_CSRRS] = &&op_CSR,
        [CPU_INSN_CSRRC] = &&op_CSR, [CPU_INSN_CSRRWI] = &&op_CSR,
        [CPU_INSN_CSRRSI] = &&op_CSR, [CPU_INSN_CSRRCI] = &&op_CSR,
        HANDLER(MUL), HANDLER(MULH), HANDLER(MULHSU), HANDLER(MULHU),
        HANDLER(DIV), HANDLER(DIVU), HANDLER(REM), HANDLER(REMU),
        [CPU_INSN_LR_W] = &&op_ATOMIC, [CPU_INSN_SC_W] = &&op_ATOMIC,
        [CPU_INSN_AMOSWAP_W] = &&op_ATOMIC, [CPU_INSN_AMOADD_W] = &&op_ATOMIC,
        [CPU_INSN_AMOXOR_W] = &&op_ATOMIC, [CPU_INSN_AMOAND_W] = &&op_ATOMIC,
        [CPU_INSN_AMOOR_W] = &&op_ATOMIC, [CPU_INSN_AMOMIN_W] = &&op_ATOMIC,
        [CPU_INSN_AMOMAX_W] = &&op_ATOMIC, [CPU_INSN_AMOMINU_W] = &&op_ATOMIC,
        [CPU_INSN_AMOMAXU_W] = &&op_ATOMIC,
        [CPU_OP_ILLEGAL] = &&op_ILLEGAL,
        [CPU_OP_END] = &&op_END,
    };
#undef HANDLER
    if (handlers_out) {
        *handlers_out = handlers;
        return BLOCK_EXIT_NEXT;
    }

    uint32_t *const x = cpu->x;
    uint64_t base = cpu->cycles;
    const BlockInsn *in = b->insns;
    bool mmio;

#define NEXT()                                                              \
    do {                                                                    \
        in++;                                                               \
        goto *in->handler;                                                  \
    } while (0)
#define RD x[in->rd]
#define RS1 x[in->rs1]
#define RS2 x[in->rs2]
#define NEXT_PC (in->pc + in->length)
/* The instruction retired: time covers it, pc moves on, the block ends. */
#define LEAVE(target, how)                                                  \
    do {                                                                    \
        cpu->pc = (target);                                                 \
        cpu->cycles = base + in->idx + 1;                                   \
        return (how);                                                       \
    } while (0)
/* Ends the block by a branch or fall-through: straight into the next
 * block (the chained successor, else the cached one, which is then
 * chained) when the run loop has nothing to look at before it. */
#define CONTINUE(target, how)                                               \
    do {                                                                    \
        uint32_t next_pc_ = (target);                                       \
        cpu->cycles = base + in->idx + 1;                                   \
        Block *next_ = b->next[how];                                        \
        if (unlikely(!next_ || next_->start != next_pc_)) {                 \
            next_ = cpu->blocks.table[cpu_block_slot(next_pc_)];            \
            if (next_ && next_->start == next_pc_)                          \
                b->next[how] = next_;                                       \
        }                                                                   \
        if (likely(next_ && next_->start == next_pc_ &&                     \
                   cpu->cycles + next_->ninsns <= cpu->check_at &&          \
                   cpu->interp_chains)) {                                   \
            b = next_;                                                      \
            base = cpu->cycles;                                             \
            in = b->insns;                                                  \
            goto *in->handler;                                              \
        }                                                                   \
        cpu->pc = next_pc_;                                                 \
        cpu->last_block = b;                                                \
        return (how);                                                       \
    } while (0)
/* The instruction raised an exception (recorded by cpu_raise) and did not
 * retire. */
#define FAULT()                                                             \
    do {                                                                    \
        cpu->pc = in->pc;                                                   \
        cpu->cycles = base + in->idx;                                       \
        return BLOCK_EXIT_EXCEPTION;                                        \
    } while (0)
#define RAISE(cause, tval)                                                  \
    do {                                                                    \
        cpu_raise(cpu, (cause), (tval));                                    \
        FAULT();                                                            \
    } while (0)
#define JUMP(target)                                                        \
    do {                                                                    \
        uint32_t target_ = (target);                                        \
        if (unlikely(target_ & cpu->jump_misalign))                         \
            RAISE(CPU_CAUSE_FETCH_MISALIGNED, target_);                     \
        RD = NEXT_PC;                                                       \
        CONTINUE(target_, BLOCK_EXIT_TAKEN);                                \
    } while (0)
#define BRANCH(cond)                                                        \
    do {                                                                    \
        if (cond)                                                           \
            JUMP(in->pc + in->imm); /* rd is the sink for branches */       \
        CONTINUE(NEXT_PC, BLOCK_EXIT_NEXT);                                 \
    } while (0)
/* Devices see the exact time; after one, the run loop looks around. */
#define SLOW_PATH_START()                                                   \
    do {                                                                    \
        cpu->cycles = base + in->idx;                                       \
        cpu->pc = in->pc; /* for watchpoints and devices that look */       \
        mmio = false;                                                       \
    } while (0)
#define LOAD(size, convert)                                                 \
    do {                                                                    \
        uint32_t addr_ = RS1 + in->imm, value_;                             \
        const uint8_t *host_ = fast_host(&cpu->data, addr_, size, false);   \
        if (likely(host_ != NULL)) {                                        \
            value_ = host_read(host_, size);                                \
            RD = convert;                                                   \
            NEXT();                                                         \
        }                                                                   \
        SLOW_PATH_START();                                                  \
        if (!cpu_load(cpu, addr_, size, &value_, &mmio))                    \
            FAULT();                                                        \
        RD = convert;                                                       \
        if (mmio)                                                           \
            LEAVE(NEXT_PC, BLOCK_EXIT_CHECK);                               \
        NEXT();                                                             \
    } while (0)
#define STORE(size)                                                         \
    do {                                                                    \
        uint32_t addr_ = RS1 + in->imm, value_ = RS2;                       \
        uint8_t *host_ = fast_host(&cpu->data, addr_, size, true);          \
        cpu->reserved = false;                                              \
        if (likely(host_ != NULL)) {                                        \
            host_write(host_, size, value_);                                \
            NEXT();                                                         \
        }                                                                   \
        SLOW_PATH_START();                                                  \
        if (!cpu_store(cpu, addr_, size, value_, &mmio))                    \
            FAULT();                                                        \
        if (mmio)                                                           \
            LEAVE(NEXT_PC, BLOCK_EXIT_CHECK);                               \
        NEXT();                                                             \
    } while (0)

    goto *in->handler;

op_LUI: RD = in->imm; NEXT();
op_AUIPC: RD = in->pc + in->imm; NEXT();
op_JAL: JUMP(in->pc + in->imm);
op_JALR: JUMP((RS1 + in->imm) & ~1u);
op_BEQ: BRANCH(RS1 == RS2);
op_BNE: BRANCH(RS1 != RS2);
op_BLT: BRANCH((int32_t)RS1 < (int32_t)RS2);
op_BGE: BRANCH((int32_t)RS1 >= (int32_t)RS2);
op_BLTU: BRANCH(RS1 < RS2);
op_BGEU: BRANCH(RS1 >= RS2);

op_LB: LOAD(1, (uint32_t)(int32_t)(int8_t)value_);
op_LH: LOAD(2, (uint32_t)(int32_t)(int16_t)value_);
op_LW: LOAD(4, value_);
op_LBU: LOAD(1, value_);
op_LHU: LOAD(2, value_);
op_SB: STORE(1);
op_SH: STORE(2);
op_SW: STORE(4);

op_ADDI: RD = RS1 + in->imm; NEXT();
op_SLTI: RD = (int32_t)RS1 < (int32_t)in->imm; NEXT();
op_SLTIU: RD = RS1 < in->imm; NEXT();
op_XORI: RD = RS1 ^ in->imm; NEXT();
op_ORI: RD = RS1 | in->imm; NEXT();
op_ANDI: RD = RS1 & in->imm; NEXT();
op_SLLI: RD = RS1 << (in->imm & 31); NEXT();
op_SRLI: RD = RS1 >> (in->imm & 31); NEXT();
op_SRAI: RD = (uint32_t)((int32_t)RS1 >> (in->imm & 31)); NEXT();
op_ADD: RD = RS1 + RS2; NEXT();
op_SUB: RD = RS1 - RS2; NEXT();
op_SLL: RD = RS1 << (RS2 & 31); NEXT();
op_SLT: RD = (int32_t)RS1 < (int32_t)RS2; NEXT();
op_SLTU: RD = RS1 < RS2; NEXT();
op_XOR: RD = RS1 ^ RS2; NEXT();
op_SRL: RD = RS1 >> (RS2 & 31); NEXT();
op_SRA: RD = (uint32_t)((int32_t)RS1 >> (RS2 & 31)); NEXT();
op_OR: RD = RS1 | RS2; NEXT();
op_AND: RD = RS1 & RS2; NEXT();

/* M: division never traps; the spec defines x/0 and INT_MIN/-1. */
op_MUL: RD = RS1 * RS2; NEXT();
op_MULH: RD = mulh((int32_t)RS1, (int32_t)RS2); NEXT();
op_MULHSU: RD = mulh((int32_t)RS1, (int64_t)RS2); NEXT();
op_MULHU: RD = (uint32_t)(((uint64_t)RS1 * RS2) >> 32); NEXT();
op_DIV: {
    uint32_t a = RS1, d = RS2;
    RD = d == 0 ? 0xffffffffu
         : (a == 0x80000000u && d == 0xffffffffu) ? a
                                                  : (uint32_t)((int32_t)a / (int32_t)d);
    NEXT();
}
op_DIVU: RD = RS2 == 0 ? 0xffffffffu : RS1 / RS2; NEXT();
op_REM: {
    uint32_t a = RS1, d = RS2;
    RD = d == 0 ? a
         : (a == 0x80000000u && d == 0xffffffffu) ? 0
                                                  : (uint32_t)((int32_t)a % (int32_t)d);
    NEXT();
}
op_REMU: RD = RS2 == 0 ? RS1 : RS1 % RS2; NEXT();

op_ATOMIC:
    SLOW_PATH_START();
    if (!exec_atomic(cpu, in, &mmio))
        FAULT();
    if (mmio)
        LEAVE(NEXT_PC, BLOCK_EXIT_CHECK);
    NEXT();

op_FENCE: NEXT(); /* one hart, in-order memory: nothing to order */
op_FENCE_I:
    /* Nothing to drop: every store into decoded code, by the hart or any
     * other writer and through any address, has already dropped the
     * blocks (and translations) made from it (memory_code_written). The
     * block ends, so the next instruction is fetched afresh. */
    LEAVE(NEXT_PC, BLOCK_EXIT_CHECK);
op_ECALL:
    if (cpu->host_handler && host_call(cpu, in, base, CPU_HOST_ECALL))
        LEAVE(NEXT_PC, BLOCK_EXIT_CHECK);
    RAISE(cpu->priv == CPU_PRIV_M ? CPU_CAUSE_ECALL_M : CPU_CAUSE_ECALL_U, 0);
op_EBREAK:
    /* Semihosting resumes at the srai after the ebreak, which is a no-op. */
    if (cpu->host_handler && in->length == 4 && semihosting_sequence(cpu, in->pc) &&
        host_call(cpu, in, base, CPU_HOST_SEMIHOSTING))
        LEAVE(NEXT_PC, BLOCK_EXIT_CHECK);
    RAISE(CPU_CAUSE_BREAKPOINT, in->pc);
op_MRET:
    if (cpu->priv < CPU_PRIV_M)
        RAISE(CPU_CAUSE_ILLEGAL, in->bits);
    cpu->cycles = base + in->idx + 1;
    cpu_exec_mret(cpu);
    return BLOCK_EXIT_CHECK;
op_WFI:
    /* Without S-mode, U-mode may wait unless mstatus.TW says otherwise
     * (the "bounded time" before it traps is zero here). */
    if (cpu->priv < CPU_PRIV_M && (cpu->mstatus & MSTATUS_TW))
        RAISE(CPU_CAUSE_ILLEGAL, in->bits);
    cpu->waiting = true;
    LEAVE(NEXT_PC, BLOCK_EXIT_CHECK);
op_CSR: {
    CpuInsn d = {
        .op = in->op, .rd = in->rd, .rs1 = in->rs1, .length = in->length,
        .imm = in->imm, .bits = in->bits,
    };
    cpu->pc = in->pc;
    cpu->cycles = base + in->idx;
    if (cpu->config.clock)
        clock_set_now(cpu->config.clock, cpu->cycles); /* `time` reads it */
    if (!cpu_exec_csr(cpu, &d))
        FAULT();
    cpu->cycles = base + in->idx + 1;
    return BLOCK_EXIT_CHECK;
}
op_ILLEGAL: RAISE(CPU_CAUSE_ILLEGAL, in->bits);
op_END:
    in--; /* CONTINUE counts through the last real instruction */
    CONTINUE(in[1].pc, BLOCK_EXIT_NEXT);

#undef NEXT
#undef RD
#undef RS1
#undef RS2
#undef NEXT_PC
#undef LEAVE
#undef CONTINUE
#undef FAULT
#undef RAISE
#undef JUMP
#undef BRANCH
#undef SLOW_PATH_START
#undef LOAD
#undef STORE
}
