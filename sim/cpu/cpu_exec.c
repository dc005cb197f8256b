/* The interpreter: decoded blocks, their cache, the threaded executor and
 * the run loop.
 *
 * Instructions are decoded once into blocks (see cpu_internal.h) whose
 * entries point at their handler in cpu_exec_block, so running a block is
 * a chain of indirect jumps with no decoding and no per-instruction
 * bookkeeping: time is settled when the block ends. Blocks are found
 * through a direct-mapped table by pc and chained to their successors.
 *
 * What invalidates decoded code: a write into a chunk of RAM/ROM that some
 * block was decoded from, by any writer and through any address (the
 * memory system tracks chunks of backing memory and tells
 * cpu_blocks_code_written; only the blocks decoded from those bytes are
 * dropped), fence.i and any change of the memory map (everything is
 * dropped). Code fetched from MMIO is never cached.
 *
 * Between blocks the run loop "looks around" once cycles reach check_at:
 * due events run, a pending interrupt is taken, wfi sleeps until the next
 * event, a stop or the instruction limit ends the run. Anything that
 * changes those (an interrupt line, a device access, a CSR write) sets
 * check_at to 0 or ends its block.
 *
 * Exactness: check_at (the next event's deadline or the instruction
 * limit) is a horizon no block runs past. A block that would cross it is
 * run cut short, and a block is chained only when it ends at or before
 * it, so every event runs, and every interrupt it raises is taken, at
 * exactly the instruction boundary where it falls due, whatever the
 * blocks look like. Tracing instructions (one per block), breakpoints
 * (blocks end before them) and single steps only change block shapes,
 * so they never change what the firmware sees.
 */
#include "sim/cpu/cpu_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

static BlockExit cpu_exec_block(Cpu *cpu, Block *b,
                                const void *const **handlers_out);

static bool tracing_insns(const Cpu *cpu)
{
    return cpu->tracer && cpu->tracer->insn;
}

void cpu_update_chaining(Cpu *cpu)
{
    cpu->no_chaining = cpu->pmp_active || tracing_insns(cpu) || cpu->debug_active ||
                       cpu->triggers_exec;
}

/* ---- the block cache ---- */

bool cpu_blocks_init(Cpu *cpu)
{
    BlockCache *bc = &cpu->blocks;
    bc->pool = calloc(CPU_BLOCK_POOL, sizeof *bc->pool);
    bc->insns = calloc(CPU_BLOCK_INSN_POOL, sizeof *bc->insns);
    if (!bc->pool || !bc->insns) {
        cpu_blocks_free(cpu);
        return false;
    }
    cpu_exec_block(NULL, NULL, &bc->handlers);
    return true;
}

void cpu_blocks_free(Cpu *cpu)
{
    BlockCache *bc = &cpu->blocks;
    free(bc->pool);
    free(bc->insns);
    bc->pool = NULL;
    bc->insns = NULL;
}

void cpu_blocks_flush(Cpu *cpu)
{
    BlockCache *bc = &cpu->blocks;
    bc->generation++;
    if (bc->nblocks == 0)
        return;
    memset(bc->table, 0, sizeof bc->table);
    bc->nblocks = 0;
    bc->ninsns = 0;
}

static size_t block_slot(uint32_t pc)
{
    return (pc >> 1) & (CPU_BLOCK_TABLE - 1);
}

void cpu_blocks_code_written(void *opaque, const uint8_t *host, size_t len)
{
    BlockCache *bc = &((Cpu *)opaque)->blocks;
    const uint8_t *end = host + len;
    for (size_t i = 0; i < bc->nblocks; i++) {
        Block *b = &bc->pool[i];
        if (b->start == CPU_BLOCK_DEAD || b->host_start >= end || b->host_end <= host)
            continue;
        if (bc->table[block_slot(b->start)] == b)
            bc->table[block_slot(b->start)] = NULL;
        b->start = CPU_BLOCK_DEAD; /* chains to it no longer match a pc */
    }
}

static bool ends_block(unsigned op)
{
    switch (op) {
    case CPU_INSN_JAL: case CPU_INSN_JALR:
    case CPU_INSN_BEQ: case CPU_INSN_BNE: case CPU_INSN_BLT:
    case CPU_INSN_BGE: case CPU_INSN_BLTU: case CPU_INSN_BGEU:
    case CPU_INSN_ECALL: case CPU_INSN_EBREAK: case CPU_INSN_MRET:
    case CPU_INSN_WFI: case CPU_INSN_FENCE_I:
    case CPU_INSN_CSRRW: case CPU_INSN_CSRRS: case CPU_INSN_CSRRC:
    case CPU_INSN_CSRRWI: case CPU_INSN_CSRRSI: case CPU_INSN_CSRRCI:
    case CPU_OP_ILLEGAL:
        return true;
    }
    return false;
}

static bool is_csr_op(unsigned op)
{
    return op >= CPU_INSN_CSRRW && op <= CPU_INSN_CSRRCI;
}

static void fill_insn(const Cpu *cpu, BlockInsn *in, uint32_t pc,
                      uint32_t bits, unsigned idx)
{
    CpuInsn d;
    memset(in, 0, sizeof *in);
    if (cpu_decode(&cpu->decoder, bits, &d)) {
        in->op = d.op;
        /* x0 never changes: its writes go to a sink, so handlers write
         * unconditionally. CSR ops keep rd: rd == x0 changes what they do. */
        in->rd = d.rd || is_csr_op(d.op) ? d.rd : CPU_REG_SINK;
        in->rs1 = d.rs1;
        in->rs2 = d.rs2;
        in->imm = d.imm;
        in->length = d.length;
        in->bits = d.bits;
    } else {
        bool compressed = cpu_insn_is_compressed(bits);
        in->op = CPU_OP_ILLEGAL;
        in->length = compressed ? 2 : 4;
        in->bits = compressed ? bits & 0xffff : bits;
    }
    in->pc = pc;
    in->idx = (uint8_t)idx;
    in->handler = cpu->blocks.handlers[in->op];
}

/* Whether [addr, addr + len) lies inside r (no wrapping). */
static bool range_holds(const MemRange *r, uint32_t addr, uint32_t len)
{
    return addr - r->start <= r->last - r->start && r->last - addr >= len - 1;
}

/* Decodes up to `max` instructions from pc into b. False when the first
 * fetch faults (raised); a later fetch fault just ends the block, and the
 * next block raises it when it starts there. A block comes from one
 * RAM/ROM range (*first); *cacheable is false for code that does not (a
 * device's, or an instruction straddling two ranges). */
static bool decode_block(Cpu *cpu, uint32_t pc, unsigned max, Block *b,
                         BlockInsn *insns, bool *cacheable, MemRange *first)
{
    unsigned n = 0;
    uint32_t at = pc;
    *cacheable = true;
    while (n < max) {
        uint32_t bits;
        if (n > 0 && cpu->debug_active && cpu_breakpoint_at(cpu, at))
            break; /* a breakpoint always starts a block */
        /* Not a byte fetched beyond the first range: it may be a device. */
        if (n > 0 && !range_holds(first, at, 4))
            break;
        if (!cpu_fetch(cpu, at, &bits)) {
            if (n == 0)
                return false;
            break;
        }
        fill_insn(cpu, &insns[n], at, bits, n);
        if (n == 0) {
            *first = cpu->fetch;
            if (!first->host || !range_holds(first, at, insns[0].length))
                *cacheable = false;
        }
        at += insns[n].length;
        n++;
        if (ends_block(insns[n - 1].op) || !*cacheable)
            break;
    }
    BlockInsn *end = &insns[n];
    memset(end, 0, sizeof *end);
    end->op = CPU_OP_END;
    end->pc = at;
    end->idx = (uint8_t)n;
    end->handler = cpu->blocks.handlers[CPU_OP_END];
    *b = (Block){.start = pc, .ninsns = n, .insns = insns};
    if (*cacheable) {
        b->host_start = first->host + (pc - first->start);
        b->host_end = b->host_start + (at - pc); /* at - pc: no wrap at 2^32 */
    }
    return true;
}

static Block *scratch_block(Cpu *cpu, uint32_t pc, unsigned max)
{
    BlockCache *bc = &cpu->blocks;
    bool cacheable;
    MemRange first;
    if (!decode_block(cpu, pc, max, &bc->scratch, bc->scratch_insns, &cacheable, &first))
        return NULL;
    bc->scratch.host_start = bc->scratch.host_end = NULL;
    return &bc->scratch;
}

static Block *translate(Cpu *cpu, uint32_t pc)
{
    BlockCache *bc = &cpu->blocks;
    if (bc->nblocks == CPU_BLOCK_POOL ||
        bc->ninsns + CPU_BLOCK_MAX + 1 > CPU_BLOCK_INSN_POOL)
        cpu_blocks_flush(cpu);
    uint64_t generation = bc->generation;
    Block *b = &bc->pool[bc->nblocks];
    bool cacheable;
    MemRange first;
    if (!decode_block(cpu, pc, CPU_BLOCK_MAX, b, &bc->insns[bc->ninsns], &cacheable,
                      &first))
        return NULL;
    /* Fetching from a device may have changed the map under us. */
    if (!cacheable || generation != bc->generation) {
        BlockInsn *from = b->insns;
        memcpy(bc->scratch_insns, from, (b->ninsns + 1) * sizeof *from);
        bc->scratch = *b;
        bc->scratch.insns = bc->scratch_insns;
        bc->scratch.host_start = bc->scratch.host_end = NULL;
        return &bc->scratch;
    }
    bc->nblocks++;
    bc->ninsns += b->ninsns + 1;
    bc->table[block_slot(pc)] = b;
    memory_code_mark(&first, pc, (uint32_t)(b->host_end - b->host_start));
    return b;
}

/* ---- the executor ---- */

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
static BlockExit cpu_exec_block(Cpu *cpu, Block *b,
                                const void *const **handlers_out)
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
            next_ = cpu->blocks.table[block_slot(next_pc_)];                \
            if (next_ && next_->start == next_pc_)                          \
                b->next[how] = next_;                                       \
        }                                                                   \
        if (likely(next_ && next_->start == next_pc_ &&                     \
                   cpu->cycles + next_->ninsns <= cpu->check_at &&          \
                   !cpu->no_chaining)) {                                    \
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
    cpu_blocks_flush(cpu);
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

/* ---- the run loop ---- */

/* The block to run at pc: the chained successor of the previous block, the
 * cached one, or a new translation. NULL: the fetch faulted (raised). */
static Block *next_block(Cpu *cpu, Block *prev, unsigned exit)
{
    uint32_t pc = cpu->pc;
    BlockCache *bc = &cpu->blocks;
    if (unlikely(tracing_insns(cpu))) {
        Block *b = scratch_block(cpu, pc, 1);
        if (b)
            cpu->tracer->insn(cpu->tracer_opaque, cpu, pc, b->insns[0].bits);
        return b;
    }
    if (unlikely(cpu->triggers_exec)) /* each instruction is checked */
        return scratch_block(cpu, pc, 1);
    if (prev) {
        Block *chained = prev->next[exit];
        if (chained && chained->start == pc)
            return chained;
    }
    Block *b = bc->table[block_slot(pc)];
    if (!b || b->start != pc) {
        uint64_t generation = bc->generation;
        b = translate(cpu, pc);
        if (generation != bc->generation)
            prev = NULL; /* a flush made room: prev is gone */
    }
    if (b && prev && b != &bc->scratch)
        prev->next[exit] = b;
    return b;
}

/* The first n (< b->ninsns) instructions of b, as the scratch block: it
 * is never cached or chained from, so b stays whole for later runs. */
static Block *cut_block(Cpu *cpu, Block *b, unsigned n)
{
    BlockCache *bc = &cpu->blocks;
    uint32_t pc = b->insns[n].pc; /* the first one left out */
    if (b != &bc->scratch) {
        memcpy(bc->scratch_insns, b->insns, n * sizeof *b->insns);
        bc->scratch = *b;
        bc->scratch.insns = bc->scratch_insns;
    }
    BlockInsn *end = &bc->scratch_insns[n];
    memset(end, 0, sizeof *end);
    end->op = CPU_OP_END;
    end->pc = pc;
    end->idx = (uint8_t)n;
    end->handler = bc->handlers[CPU_OP_END];
    bc->scratch.ninsns = n;
    bc->scratch.host_start = bc->scratch.host_end = NULL;
    bc->scratch.next[0] = bc->scratch.next[1] = NULL;
    return &bc->scratch;
}

/* Cuts b so that it ends at the horizon (check_at): the next event or the
 * instruction limit. At least one instruction runs: an event scheduled for
 * a time already reached waits for the next boundary, as it would with
 * one instruction per block. */
static Block *clip_to_horizon(Cpu *cpu, Block *b)
{
    uint64_t room = cpu->check_at > cpu->cycles ? cpu->check_at - cpu->cycles : 1;
    return b->ninsns > room ? cut_block(cpu, b, (unsigned)room) : b;
}

/* With PMP checks on, every instruction of the block must be executable
 * at the current privilege: the block runs up to the first that is not,
 * which then faults when it starts a block. NULL: the first one faults
 * (raised). */
static Block *pmp_fetch_check(Cpu *cpu, Block *b)
{
    for (unsigned i = 0; i < b->ninsns; i++) {
        const BlockInsn *in = &b->insns[i];
        bool low = cpu_pmp_allows(cpu, in->pc, 2, PMP_X, cpu->priv);
        bool high = in->length == 2 ||
                    cpu_pmp_allows(cpu, in->pc + 2, 2, PMP_X, cpu->priv);
        if (low && high)
            continue;
        if (i == 0) {
            cpu_raise(cpu, CPU_CAUSE_FETCH_ACCESS, low ? in->pc + 2 : in->pc);
            return NULL;
        }
        return cut_block(cpu, b, i);
    }
    return b;
}

/* Wakes from wfi or sleeps to the next event. False: nothing will ever
 * wake the hart. */
static bool cpu_wait(Cpu *cpu, Error **errp)
{
    if (cpu->mip & cpu->mie) {
        cpu->waiting = false; /* wakes even with interrupts disabled */
        return true;
    }
    Clock *clock = cpu->config.clock;
    uint64_t deadline = clock ? clock_next_deadline(clock) : CLOCK_NEVER;
    if (!clock || clock_next_wakeup(clock) == CLOCK_NEVER) {
        error_setf(errp, "wfi at pc 0x%08x with no interrupt pending and no "
                   "event scheduled (mie 0x%x): the hart would sleep forever",
                   cpu->pc - 4, cpu->mie);
        return false;
    }
    if (deadline > cpu->cycles) {
        cpu->idle_cycles += deadline - cpu->cycles;
        cpu->cycles = deadline;
    }
    return true;
}

/* Between blocks: events, interrupts, wfi, stop and limit. True: the run
 * ends with *why. */
static bool cpu_look_around(Cpu *cpu, CpuStopReason *why, Error **errp)
{
    Clock *clock = cpu->config.clock;
    for (;;) {
        if (atomic_exchange_explicit(&cpu->stop_requested, false,
                                     memory_order_relaxed)) {
            *why = CPU_STOP_REQUESTED;
            return true;
        }
        if (cpu_retired(cpu) >= cpu->insn_limit) {
            *why = CPU_STOP_INSN_LIMIT;
            return true;
        }
        if (clock)
            clock_advance(clock, cpu->cycles);
        if (cpu->reset_requested)
            cpu_reset(cpu);
        int irq = cpu_pending_interrupt(cpu);
        if (irq >= 0) {
            cpu->waiting = false;
            cpu_take_interrupt(cpu, (unsigned)irq);
            if (cpu->stepping) {
                *why = CPU_STOP_INSN_LIMIT; /* the step went into the handler */
                return true;
            }
        }
        if (!cpu->waiting)
            break;
        if (!cpu_wait(cpu, errp)) {
            *why = CPU_STOP_FAULT;
            return true;
        }
    }
    uint64_t left = cpu->insn_limit - cpu_retired(cpu);
    uint64_t limit_cycle = left > UINT64_MAX - cpu->cycles ? UINT64_MAX
                                                           : cpu->cycles + left;
    uint64_t deadline = clock ? clock_next_deadline(clock) : CLOCK_NEVER;
    cpu->check_at = deadline < limit_cycle ? deadline : limit_cycle;
    return false;
}

CpuStopReason cpu_run(Cpu *cpu, uint64_t max_insns, Error **errp)
{
    uint64_t retired = cpu_retired(cpu);
    cpu->insn_limit = max_insns > UINT64_MAX - retired ? UINT64_MAX
                                                        : retired + max_insns;
    cpu->check_at = 0;

    /* Jumps keep pc aligned; only a debugger or the reset pc can break
     * that, and then the fetch traps as the hardware would. */
    if (cpu->pc & (cpu->jump_misalign | 1)) {
        cpu_raise(cpu, CPU_CAUSE_FETCH_MISALIGNED, cpu->pc);
        if (!cpu_take_trap(cpu, errp))
            return CPU_STOP_FAULT;
    }
    Block *prev = NULL;
    unsigned exit = 0;
    for (;;) {
        if (cpu->cycles >= cpu->check_at) {
            CpuStopReason why;
            if (cpu_look_around(cpu, &why, errp))
                return why;
            prev = NULL;
        }
        if (unlikely(cpu->debug_active) && cpu_breakpoint_at(cpu, cpu->pc) &&
            !cpu_debug_resuming(cpu))
            return cpu_debug_stop(cpu, CPU_STOP_BREAKPOINT);
        Block *b = unlikely(cpu->triggers_exec) && cpu_trigger_exec(cpu, cpu->pc)
                       ? NULL /* the breakpoint exception is raised */
                       : next_block(cpu, prev, exit);
        if (unlikely(cpu->pmp_active) && b)
            b = pmp_fetch_check(cpu, b);
        if (b)
            b = clip_to_horizon(cpu, b);
        prev = NULL;
        if (!b) {
            if (!cpu_take_trap(cpu, errp))
                return CPU_STOP_FAULT;
            if (cpu->stepping)
                return CPU_STOP_INSN_LIMIT;
            continue;
        }
        uint64_t generation = cpu->blocks.generation;
        BlockExit how = cpu_exec_block(cpu, b, NULL);
        switch (how) {
        case BLOCK_EXIT_NEXT:
        case BLOCK_EXIT_TAKEN:
            /* Chain from the block that ended the run, which may be a
             * successor the executor went on to by itself. */
            b = cpu->last_block;
            if (generation == cpu->blocks.generation && b != &cpu->blocks.scratch) {
                prev = b;
                exit = how;
            }
            break;
        case BLOCK_EXIT_CHECK:
            cpu->check_at = 0;
            break;
        case BLOCK_EXIT_EXCEPTION:
            if (cpu->exc_cause == CPU_CAUSE_DEBUG_WATCH)
                return cpu_debug_stop(cpu, CPU_STOP_WATCHPOINT);
            if (!cpu_take_trap(cpu, errp))
                return CPU_STOP_FAULT;
            if (cpu->stepping)
                return CPU_STOP_INSN_LIMIT;
            break;
        }
    }
}

CpuStopReason cpu_step(Cpu *cpu, Error **errp)
{
    cpu->stepping = true;
    CpuStopReason why = cpu_run(cpu, 1, errp);
    cpu->stepping = false;
    return why;
}
