/* Decoded blocks and their cache (see cpu_internal.h for the shapes).
 *
 * Instructions are decoded once into blocks whose entries point at their
 * handler in cpu_exec_block (cpu_exec.c). Blocks live in a pool, are found
 * through a direct-mapped table by pc and chained to their successors; the
 * pool is flushed whole when full.
 *
 * What invalidates decoded code: a write into a chunk of RAM/ROM that some
 * block was decoded from, by any writer and through any address (the
 * memory system tracks chunks of backing memory and tells
 * cpu_blocks_code_written; only the blocks decoded from those bytes are
 * dropped, found through an index by chunk, and their translations made
 * to leave), and any change of the memory map (everything is dropped,
 * translations too). fence.i needs nothing more. Code fetched from MMIO is
 * never cached.
 */
#include "sim/cpu/cpu_internal.h"
#include "sim/cpu/jit.h"
#include "soc/alloc.h"

#include <stdlib.h>
#include <string.h>

void cpu_update_chaining(Cpu *cpu)
{
    cpu->jit_blocked = cpu->pmp_active || cpu_tracing_insns(cpu) || cpu->debug_active ||
                       cpu->triggers_exec || cpu->triggers_data;
    cpu->no_chaining = cpu->jit_blocked || cpu->observer ||
                       (cpu->exec_kinds & CPU_EXEC_BLOCK);
    cpu->interp_chains = !cpu->no_chaining && !cpu->jit;
}

void cpu_blocks_init(Cpu *cpu)
{
    BlockCache *bc = &cpu->blocks;
    /* Not zeroed (6 MiB): every entry is written before it is read. */
    bc->pool = xreallocarray(NULL, CPU_BLOCK_POOL, sizeof *bc->pool);
    bc->insns = xreallocarray(NULL, CPU_BLOCK_INSN_POOL, sizeof *bc->insns);
    cpu_exec_block(NULL, NULL, &bc->handlers);
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
    if (cpu->jit)
        jit_flush(cpu);
    if (bc->nblocks == 0)
        return;
    memset(bc->table, 0, sizeof bc->table);
    memset(bc->code_index, 0, sizeof bc->code_index);
    bc->nblocks = 0;
    bc->ninsns = 0;
}

static uintptr_t chunk_of(const uint8_t *p)
{
    return (uintptr_t)p >> MEMORY_CODE_CHUNK_SHIFT;
}

static size_t bucket_of(uintptr_t chunk)
{
    return (chunk ^ (chunk >> 10)) & (CPU_CODE_BUCKETS - 1);
}

/* A block is at most CPU_BLOCK_MAX * 4 = 256 bytes: two chunks at most. */
static void index_block(BlockCache *bc, Block *b)
{
    uintptr_t first = chunk_of(b->host_start), last = chunk_of(b->host_end - 1);
    for (unsigned k = 0; k < 2 && first + k <= last; k++) {
        BlockLink *head = &bc->code_index[bucket_of(first + k)];
        b->code_next[k] = *head;
        *head = (uintptr_t)b | k;
    }
}

static void drop_block(Cpu *cpu, Block *b)
{
    BlockCache *bc = &cpu->blocks;
    if (bc->table[cpu_block_slot(b->start)] == b)
        bc->table[cpu_block_slot(b->start)] = NULL;
    b->start = CPU_BLOCK_DEAD; /* chains to it no longer match a pc */
    bc->kills++;
    if (b->jit_chained)
        jit_kill(cpu, b); /* jumps into its translation leave instead */
}

static bool overlaps(const Block *b, const uint8_t *host, const uint8_t *end)
{
    return b->host_start < end && b->host_end > host;
}

/* Drops the blocks indexed under `chunk` that overlap [host, end). */
static void drop_chunk(Cpu *cpu, uintptr_t chunk, const uint8_t *host, const uint8_t *end)
{
    BlockLink *link = &cpu->blocks.code_index[bucket_of(chunk)];
    uint64_t generation = cpu->blocks.generation;
    while (*link) {
        Block *b = (Block *)(*link & ~(uintptr_t)1);
        unsigned k = *link & 1;
        bool dead = b->start == CPU_BLOCK_DEAD;
        if (!dead && overlaps(b, host, end)) {
            drop_block(cpu, b);
            if (cpu->blocks.generation != generation)
                return; /* jit_kill flushed: the index is empty, touch nothing */
            dead = true;
        }
        if (dead)
            *link = b->code_next[k]; /* out of this list */
        else
            link = &b->code_next[k];
    }
}

void cpu_blocks_code_written(void *opaque, const uint8_t *host, size_t len)
{
    Cpu *cpu = opaque;
    BlockCache *bc = &cpu->blocks;
    const uint8_t *end = host + len;
    uintptr_t first = chunk_of(host), last = chunk_of(end - 1);
    if (last - first < CPU_CODE_BUCKETS) {
        for (uintptr_t c = first; c <= last && bc->nblocks; c++)
            drop_chunk(cpu, c, host, end);
        return;
    }
    for (size_t i = 0; i < bc->nblocks; i++) { /* a big write: every block once */
        Block *b = &bc->pool[i];
        if (b->start != CPU_BLOCK_DEAD && overlaps(b, host, end))
            drop_block(cpu, b);
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

Block *cpu_block_scratch(Cpu *cpu, uint32_t pc, unsigned max)
{
    BlockCache *bc = &cpu->blocks;
    bool cacheable;
    MemRange first;
    if (!decode_block(cpu, pc, max, &bc->scratch, bc->scratch_insns, &cacheable, &first))
        return NULL;
    return &bc->scratch;
}

Block *cpu_block_translate(Cpu *cpu, uint32_t pc)
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
        return &bc->scratch;
    }
    bc->nblocks++;
    bc->ninsns += b->ninsns + 1;
    bc->table[cpu_block_slot(pc)] = b;
    index_block(bc, b);
    memory_code_mark(&first, pc, (uint32_t)(b->host_end - b->host_start));
    return b;
}
