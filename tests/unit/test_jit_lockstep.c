/* The JIT runs every program exactly as the interpreter does: a
 * differential test (tests/unit/lockstep.h) runs the same program on two
 * harts, one with CpuConfig.jit on and one with it off, each on its own
 * identical memory system, in lockstep (one block at a time, comparing
 * pc, registers, the trap CSRs, cycles and RAM at every block boundary
 * both share), and again in slices of random lengths with nothing
 * observed (translated blocks chain; every instruction limit must be
 * exact), comparing after every slice.
 *
 * The programs:
 * - random programs from a seeded generator (fixed seeds, so every run is
 *   the same), on a small machine (RAM, a second RAM right after it, a
 *   ROM, a test device), in both misaligned modes: every RV32IM operation
 *   (division by zero, INT_MIN / -1, shifts by more than 31 in
 *   registers), compressed instructions mixed in, loads and stores of
 *   every width (aligned, misaligned, into x0, across the end of one
 *   memory into the next, to ROM, to nothing), loops, forward branches of
 *   every kind, calls and returns through jal, jalr (odd targets, rd ==
 *   rs1), c.jal, c.jr and c.jalr, lui/auipc, code that rewrites itself
 *   (the next instruction in its block, one in a later block, a
 *   function's first, compressed, with and without fence.i, and through
 *   the device: a writer other than the hart), ecall, ebreak and illegal
 *   instructions trapping to a handler that returns with mret, counter
 *   and mscratch CSRs, AMOs, reads of a device whose every read returns a
 *   new value, an interrupt the program raises through the device (taken
 *   right after that store, or when unmasked), and RAM2 moved away and
 *   back by the device between loops that load from it. An outer loop
 *   runs the body JIT_HOT_RUNS + 40 times, so its blocks are translated,
 *   and the rewrites and moves happen in two late runs only;
 * - the same kind of program on the virt32 machine under a CLINT timer
 *   reprogrammed 1 to 256 cycles ahead by the handler, with software
 *   interrupts, wfi and interrupt masking: interrupts land inside
 *   translated blocks and must land at the same instruction (the handler
 *   logs mepc and mcycle of each; both logs and all states are compared);
 * - the benchmark firmware (every tests/bench/fw/NAME.c, as
 *   build/fw/NAME.elf) and test firmware, interrupt-heavy ones included,
 *   on virt32: the first LOCKSTEP_INSNS instructions in lockstep, then a
 *   second pair of machines to the firmware's end in slices, UART output
 *   and exit status included.
 * And the harness itself: two interpreters agree on a random program; a
 * register, a CSR or a byte of RAM corrupted on one side mid-run is
 * reported where it happened. A run where the JIT side translated nothing
 * fails: it would have proved nothing.
 *
 * Without a translator (cpu_jit_supported false: not x86-64) both sides
 * run the interpreter, said once on stderr. LOCKSTEP_ONLY=PATTERN runs
 * the matching cases; LOCKSTEP_VERBOSE=1 says how much each compared. Run
 * from the repository top (tests/run_tests.py does).
 */
#include <glob.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "peripherals/registry.h"
#include "sim/board_choice.h"
#include "sim/cpu/cpu.h"
#include "sim/cpu/jit.h"
#include "sim/elf_load.h"
#include "sim/elf_symbols.h"
#include "soc/board.h"
#include "soc/machine.h"
#include "tests/unit/lockstep.h"
#include "tests/unit/rv_asm.h"

/* ---- the memory map of the generated programs ---- */

enum {
    RAM_BASE = 0x80000000u,
    IMAGE_SIZE = 0x10000u,            /* code, handler, data, log */
    CODE_END = RAM_BASE + 0x7000u,    /* the program stays below */
    HANDLER = RAM_BASE + 0x7000u,
    DATA = RAM_BASE + 0x8000u,        /* random loads and stores hit [DATA, DATA + 0xf00) */
    DATA_REACH = 0xf00u,
    S11_AT = DATA + 0x800u,           /* s11: the base of imm-addressed accesses */
    S0_AT = DATA + 0x200u,            /* s0: c.lw/c.sw */
    SP_AT = DATA + 0x100u,            /* sp: c.lwsp/c.swsp */
    AMO_AT = DATA + 0x40u,
    LOGPTR = DATA + 0xf80u,           /* the handler's log pointer */
    LCG = DATA + 0xf84u,              /* the timer handler's random state */
    TRAP_COUNT = DATA + 0xf88u,       /* traps taken (the handler counts) */
    IRQ_COUNT = DATA + 0xf8cu,        /* of which interrupts */
    LOG = RAM_BASE + 0x9000u,         /* (cause, epc, tval or mcycle) per trap */
    LOG_END = LOG + 0x5ff0u,
    /* runs of the program's body: every block of it becomes hot */
    OUTER = JIT_HOT_RUNS + 40 > 168 ? JIT_HOT_RUNS + 40 : 168,
    FIX_MMIO = 0x10000000u,           /* the small machine's test device */
    FIX_IRQ = 12,                     /* its register driving the hart's MEI */
    FIX_REMAP = 16,                   /* bit 0 moves RAM2 to RAM2_AWAY, or back */
    FIX_DMA_DATA = 20,                /* written to RAM at FIX_DMA_ADDR by the device */
    FIX_DMA_ADDR = 24,
    RAM2 = RAM_BASE + IMAGE_SIZE,     /* a second RAM right after the first */
    RAM2_SIZE = 0x1000u,
    RAM2_AWAY = 0x90000000u,
    ROM_BASE = 0x00020000u,
    ROM_SIZE = 0x1000u,
    CLINT_HI = 0x0200c000u,           /* virt32: mtime at -8, mtimecmp at -0x8000 */
    VIRT_TEST = 0x00100000u,          /* virt32's sifive,test0 */
};

/* ---- a deterministic generator ---- */

typedef struct Rng {
    uint64_t s;
} Rng;

static uint64_t rng_next(Rng *r)
{
    r->s ^= r->s << 13;
    r->s ^= r->s >> 7;
    r->s ^= r->s << 17;
    return r->s * 0x2545f4914f6cdd1dull;
}

static uint32_t below(Rng *r, uint32_t n) { return (uint32_t)(rng_next(r) % n); }
static bool chance(Rng *r, unsigned percent) { return below(r, 100) < percent; }

/* What the generated program may touch besides RAM. */
typedef struct Target {
    bool virt32;  /* the CLINT timer program (else the small machine) */
    uint32_t mmio_base;               /* s2 */
    const int16_t *mmio_reads;        /* offsets from s2 a load may read */
    unsigned nmmio_reads;
    bool mmio_writes;                 /* the small machine's device takes writes */
} Target;

enum { MAX_FUNCS = 24 };

typedef struct Gen {
    Rng rng;
    uint8_t *image;   /* IMAGE_SIZE bytes for [RAM_BASE, RAM_BASE + IMAGE_SIZE) */
    uint32_t pc;
    const Target *t;
    uint32_t funcs[MAX_FUNCS];
    uint32_t slots[MAX_FUNCS]; /* a function's rewritable first instruction, or 0 */
    unsigned nfuncs;
    bool in_func;     /* inside a function body: no calls (ra is live) */
} Gen;

static void put32(Gen *g, uint32_t at, uint32_t insn)
{
    assert_true(at >= RAM_BASE && at + 4 <= RAM_BASE + IMAGE_SIZE);
    memcpy(g->image + (at - RAM_BASE), &insn, 4);
}

static void put16(Gen *g, uint32_t at, uint16_t insn)
{
    assert_true(at >= RAM_BASE && at + 2 <= RAM_BASE + IMAGE_SIZE);
    memcpy(g->image + (at - RAM_BASE), &insn, 2);
}

static void e32(Gen *g, uint32_t insn)
{
    put32(g, g->pc, insn);
    g->pc += 4;
}

static void e16(Gen *g, uint16_t insn)
{
    put16(g, g->pc, insn);
    g->pc += 2;
}

static int32_t lo12(uint32_t value)
{
    uint32_t lo = value & 0xfff;
    return (int32_t)(lo >= 0x800 ? lo - 0x1000 : lo);
}

static void e_li(Gen *g, unsigned rd, uint32_t value)
{
    e32(g, rv_lui(rd, value - (uint32_t)lo12(value)));
    e32(g, rv_addi(rd, rd, lo12(value)));
}

static void align4(Gen *g)
{
    if (g->pc & 2)
        e16(g, C_NOP);
}

/* Registers the random code writes; x0 now and then too. Reserved: ra
 * (calls), sp, s0, s11 (data bases), s1 (loop counter), s2 (device),
 * s9 (outer loop), s10, t0-t2 (temporaries), t5, t6 (the handler). */
static const unsigned pool[] = {GP, TP, A0, A1, A2, A3, A4, A5, A6, A7,
                                S3, S4, S5, S6, S7, S8, T3, T4};
#define NPOOL (sizeof pool / sizeof pool[0])
static const unsigned cpool[] = {A0, A1, A2, A3, A4, A5}; /* x8-x15 and writable */
static const unsigned fixed_sources[] = {ZERO, RA, SP, S0, S1, S2, S9, S11, T0};

static unsigned dest(Gen *g) { return chance(&g->rng, 8) ? ZERO : pool[below(&g->rng, NPOOL)]; }
static unsigned pdest(Gen *g) { return pool[below(&g->rng, NPOOL)]; }
static unsigned cdest(Gen *g) { return cpool[below(&g->rng, 6)]; }
static unsigned creg(Gen *g) { return 8 + below(&g->rng, 8); } /* any of x8-x15, read only */

static unsigned src(Gen *g)
{
    if (chance(&g->rng, 20))
        return fixed_sources[below(&g->rng, sizeof fixed_sources / sizeof fixed_sources[0])];
    return pool[below(&g->rng, NPOOL)];
}

static const uint32_t interesting[] = {
    0, 1, 2, 0xffffffffu, 0x80000000u, 0x7fffffffu, 31, 32, 33, 63, 64,
    0xffffffe0u, 0xffffu, 0x8000u, 0x80000001u, 0xfffffffeu, 0x55555555u,
};

static uint32_t value(Gen *g)
{
    if (chance(&g->rng, 50))
        return interesting[below(&g->rng, sizeof interesting / sizeof interesting[0])];
    return (uint32_t)rng_next(&g->rng);
}

/* funct7, funct3 of every OP instruction, M's included. */
static const uint8_t r_ops[][2] = {
    {0, 0}, {0x20, 0}, {0, 1}, {0, 2}, {0, 3}, {0, 4}, {0, 5}, {0x20, 5}, {0, 6}, {0, 7},
    {1, 0}, {1, 1}, {1, 2}, {1, 3}, {1, 4}, {1, 5}, {1, 6}, {1, 7},
};

static int32_t nonzero6(Gen *g)
{
    int32_t v = (int32_t)below(&g->rng, 63) - 32; /* -32..30 */
    return v >= 0 ? v + 1 : v;                    /* -32..-1, 1..31 */
}

static void gen_compressed_alu(Gen *g)
{
    switch (below(&g->rng, 15)) {
    case 0: e16(g, c_li(pdest(g), (int32_t)below(&g->rng, 64) - 32)); break;
    case 1: e16(g, c_addi(pdest(g), nonzero6(g))); break;
    case 2: e16(g, c_lui(pdest(g), nonzero6(g))); break;
    case 3: e16(g, c_slli(pdest(g), 1 + below(&g->rng, 31))); break;
    case 4: e16(g, c_srli(cdest(g), 1 + below(&g->rng, 31))); break;
    case 5: e16(g, c_srai(cdest(g), 1 + below(&g->rng, 31))); break;
    case 6: e16(g, c_andi(cdest(g), (int32_t)below(&g->rng, 64) - 32)); break;
    case 7: e16(g, c_sub(cdest(g), creg(g))); break;
    case 8: e16(g, c_xor(cdest(g), creg(g))); break;
    case 9: e16(g, c_or(cdest(g), creg(g))); break;
    case 10: e16(g, c_and(cdest(g), creg(g))); break;
    case 11: e16(g, c_mv(pdest(g), pool[below(&g->rng, NPOOL)])); break;
    case 12: e16(g, c_add(pdest(g), pool[below(&g->rng, NPOOL)])); break;
    case 13: e16(g, c_addi4spn(cdest(g), 4 * (1 + below(&g->rng, 255)))); break;
    default: e16(g, C_NOP); break;
    }
}

static void gen_alu(Gen *g)
{
    Rng *r = &g->rng;
    switch (below(r, 9)) {
    case 0:
    case 1:
    case 2: {
        const uint8_t *op = r_ops[below(r, sizeof r_ops / sizeof r_ops[0])];
        e32(g, rv_op(op[0], op[1], dest(g), src(g), src(g)));
        break;
    }
    case 3: {
        static const unsigned f3[] = {0, 2, 3, 4, 6, 7}; /* addi slti sltiu xori ori andi */
        e32(g, enc_i(OPC_OP_IMM, dest(g), f3[below(r, 6)], src(g),
                     (int32_t)below(r, 4096) - 2048));
        break;
    }
    case 4: {
        unsigned sh = below(r, 32);
        uint32_t ops[] = {rv_slli(dest(g), src(g), sh), rv_srli(dest(g), src(g), sh),
                          rv_srai(dest(g), src(g), sh)};
        e32(g, ops[below(r, 3)]);
        break;
    }
    case 5: e32(g, chance(r, 50) ? rv_lui(dest(g), value(g)) : rv_auipc(dest(g), value(g))); break;
    case 6:
    case 7: gen_compressed_alu(g); break;
    default: e_li(g, pdest(g), value(g)); break;
    }
}

/* Division and shift edge cases, spelled out. */
static void gen_edges(Gen *g)
{
    Rng *r = &g->rng;
    static const uint32_t divisors[] = {0, 0xffffffffu, 1, 0x80000000u};
    e_li(g, A6, chance(r, 60) ? 0x80000000u : value(g));
    e_li(g, A7, chance(r, 70) ? divisors[below(r, 4)] : value(g));
    for (unsigned f3 = MULH; f3 <= REMU; f3++)
        if (chance(r, 70))
            e32(g, rv_m(f3, pdest(g), A6, A7));
    e_li(g, A7, 32 + below(r, 224)); /* a shift amount above 31 */
    e32(g, rv_sll(pdest(g), A6, A7));
    e32(g, rv_srl(pdest(g), A6, A7));
    e32(g, rv_sra(pdest(g), A6, A7));
}

/* A load or store at the edge of a memory: from RAM into RAM2, at
 * RAM2's end, in and around the ROM (stores fault), below RAM (unmapped),
 * where RAM2 goes when the device moves it. An access to the data comes
 * first: its range is the one a fast path tries next, and the edge access
 * must not be taken for part of it. */
static void gen_edge_access(Gen *g)
{
    Rng *r = &g->rng;
    static const unsigned loads[] = {LB, LH, LW, LBU, LHU};
    static const unsigned stores[] = {SB, SH, SW};
    static const uint32_t edges[] = {RAM_BASE, RAM2, RAM2, RAM2 + RAM2_SIZE, ROM_BASE,
                                     ROM_BASE + ROM_SIZE, RAM2_AWAY};
    static const int8_t near[] = {-8, -4, -3, -2, -1, 0, 0, 0, 1, 2, 3, 4};
    unsigned e = below(r, 7);
    bool store = e != 0 && chance(r, 45); /* RAM_BASE holds the init code */
    unsigned f3 = store ? stores[below(r, 3)] : loads[below(r, 5)];
    e32(g, store ? rv_store(f3, src(g), S11, 0) : rv_load(f3, dest(g), S11, 0));
    uint32_t addr = edges[e] + (uint32_t)(int32_t)near[below(r, sizeof near)];
    unsigned width = store ? 1u << f3 : f3 == LW ? 4 : f3 == LB || f3 == LBU ? 1 : 2;
    if (chance(r, 70))
        addr &= ~(width - 1);
    e_li(g, S10, addr);
    e32(g, store ? rv_store(f3, src(g), S10, 0) : rv_load(f3, dest(g), S10, 0));
}

/* A load or store: imm-addressed from s11, register-addressed, compressed,
 * into x0, to the device, or an AMO; aligned mostly, misaligned now and
 * then (a trap or an emulated access, by the board's mode). */
static void gen_mem(Gen *g)
{
    Rng *r = &g->rng;
    static const unsigned loads[] = {LB, LH, LW, LBU, LHU};
    static const unsigned width_of_load[] = {[LB] = 1, [LH] = 2, [LW] = 4, [LBU] = 1, [LHU] = 2};
    static const unsigned stores[] = {SB, SH, SW};
    switch (below(r, 11)) {
    case 0:
    case 1:
    case 2: { /* imm-addressed */
        bool store = chance(r, 45);
        unsigned f3 = store ? stores[below(r, 3)] : loads[below(r, 5)];
        unsigned width = store ? 1u << f3 : width_of_load[f3];
        int32_t off = (int32_t)below(r, 0x800 + 0x6f0) - 0x800;
        if (!chance(r, 12))
            off &= ~(int32_t)(width - 1);
        e32(g, store ? rv_store(f3, src(g), S11, off) : rv_load(f3, dest(g), S11, off));
        break;
    }
    case 3:
    case 4: { /* register-addressed: data-dependent, often misaligned */
        bool store = chance(r, 45);
        e32(g, rv_andi(S10, src(g), chance(r, 70) ? 0x6fc : 0x6ff));
        e32(g, rv_add(S10, S10, S11));
        unsigned f3 = store ? stores[below(r, 3)] : loads[below(r, 5)];
        e32(g, store ? rv_store(f3, src(g), S10, 0) : rv_load(f3, dest(g), S10, 0));
        break;
    }
    case 5: { /* compressed */
        unsigned off = 4 * below(r, 32);
        switch (below(r, 4)) {
        case 0: e16(g, c_lw(cdest(g), S0, off)); break;
        case 1: e16(g, c_sw(creg(g), S0, off)); break;
        case 2: e16(g, c_lwsp(pdest(g), 4 * below(r, 64))); break;
        default: e16(g, c_swsp(src(g), 4 * below(r, 64))); break;
        }
        break;
    }
    case 6: /* into x0: the access still happens */
        e32(g, rv_load(loads[below(r, 5)], ZERO, S11, (int32_t)below(r, 0x600) - 0x400));
        break;
    case 7:
    case 8: { /* the device */
        int16_t off = g->t->mmio_reads[below(r, g->t->nmmio_reads)];
        if (g->t->mmio_writes && chance(r, 30)) {
            e32(g, rv_store(SW, src(g), S2, 0));
            break;
        }
        unsigned f3 = off & 3 ? (off & 1 ? loads[below(r, 2) * 3] : LHU) : loads[below(r, 5)];
        e32(g, rv_load(f3, chance(r, 10) ? ZERO : pdest(g), S2, off));
        break;
    }
    case 9: gen_edge_access(g); break;
    default: { /* an AMO on a data word; misaligned ones always trap */
        static const unsigned amos[] = {AMOADD, AMOSWAP, AMOXOR, AMOOR, AMOAND,
                                        AMOMIN, AMOMAX, AMOMINU, AMOMAXU};
        e32(g, rv_addi(S10, S11, (int32_t)(AMO_AT - S11_AT) + (chance(r, 10) ? 2 : 0)));
        if (chance(r, 25)) {
            e32(g, rv_amo(LR, pdest(g), S10, 0));
            e32(g, rv_amo(SC, pdest(g), S10, src(g)));
        } else {
            e32(g, rv_amo(amos[below(r, 9)], dest(g), S10, src(g)));
        }
        break;
    }
    }
}

/* lr.w, then a store or not in a block of its own (jumps around it, so
 * it may be translated), then sc.w: any store in between makes it fail. */
static void gen_lr_sc(Gen *g)
{
    Rng *r = &g->rng;
    e32(g, rv_addi(S10, S11, (int32_t)(AMO_AT - S11_AT)));
    e32(g, rv_amo(LR, pdest(g), S10, 0));
    e32(g, rv_jal(ZERO, 4));
    if (chance(r, 70))
        e32(g, rv_store(SW, src(g), S11, 4 * (int32_t)below(r, 64)));
    e32(g, rv_add(pdest(g), src(g), src(g)));
    e32(g, rv_jal(ZERO, 4));
    e32(g, rv_amo(SC, pdest(g), S10, src(g)));
}

static void gen_csr(Gen *g)
{
    Rng *r = &g->rng;
    static const unsigned readable[] = {CSR_CYCLE, CSR_INSTRET, CSR_MCYCLE, CSR_MINSTRET,
                                        CSR_CYCLEH, CSR_INSTRETH, CSR_MSCRATCH, CSR_MSTATUS,
                                        CSR_MIE, CSR_MIP, CSR_MISA, CSR_MHARTID};
    switch (below(r, 6)) {
    case 0: e32(g, rv_csr(CSRRW, dest(g), CSR_MSCRATCH, src(g))); break;
    case 1: e32(g, rv_csr(chance(r, 50) ? CSRRS : CSRRC, dest(g), CSR_MSCRATCH, src(g))); break;
    case 2: e32(g, rv_csr(CSRRWI + below(r, 3), dest(g), CSR_MSCRATCH, below(r, 32))); break;
    default:
        e32(g, rv_csrr(dest(g), readable[below(r, sizeof readable / sizeof readable[0])]));
        break;
    }
}

/* A forward branch of any kind over a few instructions. */
static void gen_branch(Gen *g)
{
    Rng *r = &g->rng;
    static const unsigned conds[] = {BEQ, BNE, BLT, BGE, BLTU, BGEU};
    unsigned kind = below(r, 8);
    uint32_t at = g->pc;
    unsigned a = src(g), b = src(g), c = creg(g);
    if (kind < 6)
        e32(g, 0);
    else
        e16(g, 0);
    for (unsigned n = 1 + below(r, 4); n; n--)
        gen_alu(g);
    int32_t off = (int32_t)(g->pc - at);
    if (kind < 6)
        put32(g, at, rv_branch(conds[kind], a, b, off));
    else
        put16(g, at, kind == 6 ? c_beqz(c, off) : c_bnez(c, off));
}

static void gen_body_insn(Gen *g);

/* A function: jumped over where it is defined, called later. Its first
 * instruction may be rewritten by the program (gen_smc). */
static void gen_func(Gen *g)
{
    Rng *r = &g->rng;
    if (g->nfuncs == MAX_FUNCS)
        return;
    uint32_t jump = g->pc;
    bool short_jump = chance(r, 50);
    if (short_jump)
        e16(g, 0);
    else
        e32(g, 0);
    align4(g);
    uint32_t entry = g->pc;
    bool slot = chance(r, 50);
    if (slot)
        e32(g, rv_addi(A1, A1, 5));
    g->in_func = true;
    for (unsigned n = 1 + below(r, 6); n; n--)
        gen_body_insn(g);
    g->in_func = false;
    if (chance(r, 50))
        e16(g, c_jr(RA));
    else
        e32(g, rv_jalr(ZERO, RA, 0));
    int32_t over = (int32_t)(g->pc - jump);
    if (short_jump)
        put16(g, jump, c_j(over));
    else
        put32(g, jump, rv_jal(ZERO, over));
    g->slots[g->nfuncs] = slot ? entry : 0;
    g->funcs[g->nfuncs++] = entry;
}

/* t0 = addr, pc-relative (auipc + addi). */
static void e_la(Gen *g, unsigned rd, uint32_t addr)
{
    uint32_t off = addr - g->pc;
    e32(g, rv_auipc(rd, off - (uint32_t)lo12(off)));
    e32(g, rv_addi(rd, rd, lo12(off)));
}

static void gen_call(Gen *g)
{
    Rng *r = &g->rng;
    if (g->nfuncs == 0) {
        gen_func(g);
        if (g->nfuncs == 0)
            return;
    }
    uint32_t f = g->funcs[below(r, g->nfuncs)];
    switch (below(r, 6)) {
    case 0: e32(g, rv_jal(RA, (int32_t)(f - g->pc))); break;
    case 1:
        if ((int32_t)(f - g->pc) >= -2048) {
            e16(g, c_jal((int32_t)(f - g->pc)));
            break;
        }
        e32(g, rv_jal(RA, (int32_t)(f - g->pc)));
        break;
    case 2: e_la(g, T0, f); e32(g, rv_jalr(RA, T0, 0)); break;
    case 3: e_la(g, T0, f); e16(g, c_jalr(T0)); break;
    case 4: e_la(g, T0, f); e32(g, rv_jalr(RA, T0, 1)); break;   /* bit 0 of f + 1 dropped */
    default: e_la(g, RA, f - 12); e32(g, rv_jalr(RA, RA, 12)); break; /* rd == rs1 */
    }
}

/* A loop with a backward branch: s1 counts down. */
static void gen_loop(Gen *g)
{
    Rng *r = &g->rng;
    unsigned n = 2 + below(r, 14);
    if (n < 32)
        e16(g, c_li(S1, (int32_t)n));
    else
        e32(g, rv_addi(S1, ZERO, (int32_t)n));
    uint32_t top = g->pc;
    for (unsigned i = 2 + below(r, 7); i; i--)
        gen_body_insn(g);
    if (chance(r, 50))
        e16(g, c_addi(S1, -1));
    else
        e32(g, rv_addi(S1, S1, -1));
    int32_t back = (int32_t)(top - g->pc);
    switch (below(r, 4)) {
    case 0:
        if (back >= -256) {
            e16(g, c_bnez(S1, back));
            break;
        }
        /* fall through */
    case 1: e32(g, rv_branch(BNE, S1, ZERO, back)); break;
    case 2: e32(g, rv_branch(BLT, ZERO, S1, back)); break;
    default: e32(g, rv_branch(BLTU, ZERO, S1, back)); break;
    }
}

/* Code is rewritten, and fence.i run, in a few late runs of the body
 * only: a rewrite drops every block decoded from the same 256 bytes, and
 * fence.i drops them all, so blocks run often enough to be translated
 * first (JIT_HOT_RUNS), and it is their translations that go stale. */
enum { REWRITE_A = 20, REWRITE_B = 8, FENCE_AT = 12, SCRATCH = DATA + 0xf90u };

/* fence.i in the body's FENCE_AT-th last run. */
static void gen_fence_i(Gen *g)
{
    e32(g, rv_addi(S10, S9, -FENCE_AT));
    e32(g, rv_branch(BNE, S10, ZERO, 8));
    e32(g, RV_FENCE_I);
}

/* t0 := t0 in the rewrite runs, SCRATCH (a data word) in the others,
 * without a branch (the store stays in the target's block); s10 := -1 in
 * the rewrite runs, else 0. Clobbers t2. */
static void gen_rewrite_select(Gen *g)
{
    e32(g, rv_addi(S10, S9, -REWRITE_A));
    e32(g, rv_sltiu(S10, S10, 1));
    e32(g, rv_addi(T2, S9, -REWRITE_B));
    e32(g, rv_sltiu(T2, T2, 1));
    e32(g, rv_or(S10, S10, T2));
    e32(g, rv_sub(S10, ZERO, S10));
    e_li(g, T2, SCRATCH);
    e32(g, rv_xor(T0, T0, T2));
    e32(g, rv_and(T0, T0, S10));
    e32(g, rv_xor(T0, T0, T2));
}

/* The program rewrites one of its own instructions with an addi (or a
 * c.addi) whose immediate follows the outer loop's counter, then runs it:
 * the very next instruction (same block), one after a jump (a later
 * block), one after fence.i, a compressed one, a function's first (then
 * called), or the next one written by the test device on the program's
 * behalf (a writer other than the hart). */
enum { SMC_KINDS = 6, TRAP_KINDS = 5 };

static void gen_smc(Gen *g, unsigned kind)
{
    Rng *r = &g->rng;
    if (kind == 4) { /* t1 := c.addi a0, 16..31 */
        e32(g, rv_andi(T1, S9, 0xf));
        e32(g, rv_ori(T1, T1, 0x10));
        e32(g, rv_slli(T1, T1, 2));
        e32(g, rv_ori(T1, T1, c_addi(A0, 0)));
    } else { /* t1 := addi a0 (a1), a0 (a1), s9 */
        unsigned rd = kind == 3 ? A1 : A0;
        e32(g, rv_andi(T1, S9, 0x3ff));
        e32(g, rv_slli(T1, T1, 20));
        e_li(g, T2, rv_addi(rd, rd, 0));
        e32(g, rv_or(T1, T1, T2));
    }
    if (kind == 3 && g->nfuncs) { /* a function's slot, then a call */
        unsigned i = below(r, g->nfuncs);
        for (unsigned k = 0; k < g->nfuncs && !g->slots[i]; k++)
            i = (i + 1) % g->nfuncs;
        if (g->slots[i]) {
            e_la(g, T0, g->slots[i]);
            gen_rewrite_select(g);
            e32(g, rv_store(SW, T1, T0, 0));
            e32(g, rv_jal(RA, (int32_t)(g->funcs[i] - g->pc)));
            return;
        }
    }
    align4(g); /* a sw to an aligned target */
    uint32_t at = g->pc;
    e32(g, rv_auipc(T0, 0));
    e32(g, 0); /* addi t0, t0, target - at, below */
    gen_rewrite_select(g);
    if (kind == 5 && g->t->mmio_writes) { /* the device writes it (memory_write) */
        e32(g, rv_store(SW, T0, S2, FIX_DMA_ADDR));
        e32(g, rv_store(SW, T1, S2, FIX_DMA_DATA));
    } else {
        e32(g, rv_store(kind == 4 ? SH : SW, T1, T0, 0));
    }
    if (kind == 1) {
        e32(g, rv_jal(ZERO, 4));
    } else if (kind == 2) {
        e32(g, rv_branch(BEQ, S10, ZERO, 8));
        e32(g, RV_FENCE_I);
    }
    put32(g, at + 4, rv_addi(T0, T0, (int32_t)(g->pc - at)));
    if (kind == 4)
        e16(g, c_addi(A0, 1));
    else
        e32(g, rv_addi(A0, A0, 0));
}

static void gen_trap(Gen *g, unsigned kind)
{
    switch (kind) {
    case 0: e32(g, RV_ECALL); break;
    case 1: e32(g, RV_EBREAK); break;
    case 2: e16(g, C_EBREAK); break;
    case 3: e32(g, 0x40001033u); break; /* sll with funct7 0x20: illegal */
    default: e16(g, 0x0000); break;     /* c.unimp */
    }
}

/* One instruction or short sequence inside a loop or function body. */
static void gen_body_insn(Gen *g)
{
    unsigned k = below(&g->rng, 20);
    if (k < 9)
        gen_alu(g);
    else if (k < 14)
        gen_mem(g);
    else if (k < 16)
        gen_branch(g);
    else if (k < 17)
        gen_csr(g);
    else if (k < 18 && !g->in_func && g->nfuncs)
        gen_call(g);
    else
        gen_alu(g);
}

/* Raises an interrupt by a device write: the CLINT's msip (virt32) or
 * the test device's line; it must be taken right after the store, before
 * the instructions that follow it in its block. */
static void gen_raise(Gen *g)
{
    e32(g, rv_addi(T1, ZERO, 1));
    if (g->t->virt32) {
        e32(g, rv_lui(T0, CLINT_HI - 0xc000)); /* msip */
        e32(g, rv_store(SW, T1, T0, 0));
    } else {
        e32(g, rv_store(SW, T1, S2, FIX_IRQ));
    }
}

/* Interrupts: one raised (while masked, now and then, so it is taken when
 * mstatus.MIE comes back on), or a wfi (virt32, where the timer always
 * wakes it). */
static void gen_irq_play(Gen *g)
{
    unsigned kind = below(&g->rng, 3);
    if (kind == 0 && g->t->virt32) {
        e32(g, RV_WFI);
        return;
    }
    if (kind == 1)
        e32(g, rv_csr(CSRRCI, ZERO, CSR_MSTATUS, 8)); /* mstatus.MIE off ... */
    if (chance(&g->rng, 70))
        gen_raise(g);
    for (unsigned n = 1 + below(&g->rng, 8); n; n--)
        gen_alu(g);
    if (kind == 1)
        e32(g, rv_csr(CSRRSI, ZERO, CSR_MSTATUS, 8)); /* ... and on: a pending one is taken here */
}

/* A loop long enough to be translated while it runs, loading from
 * RAM2's home address (faults while RAM2 is away). */
static void gen_ram2_loop(Gen *g)
{
    e32(g, rv_addi(S1, ZERO, JIT_HOT_RUNS + 12));
    uint32_t top = g->pc;
    e32(g, rv_load(LW, A6, S10, 0));
    e32(g, rv_add(A7, A7, A6));
    e32(g, rv_addi(S1, S1, -1));
    e32(g, rv_branch(BNE, S1, ZERO, (int32_t)(top - g->pc)));
}

/* In the REWRITE_A-th last run of the body the device moves RAM2 away,
 * in the REWRITE_B-th back, between two loops that load from its home
 * (the body skips all this in its other runs): translated loads must not
 * go on using where RAM2 was before the map changed (the translations and
 * their inline ranges go with the map). */
static void gen_remap(Gen *g)
{
    e32(g, rv_addi(T1, S9, -REWRITE_A));
    e32(g, rv_branch(BEQ, T1, ZERO, 12));
    e32(g, rv_addi(T1, S9, -REWRITE_B));
    uint32_t skip = g->pc;
    e32(g, 0);
    e_li(g, S10, RAM2 + 4 * below(&g->rng, RAM2_SIZE / 4));
    gen_ram2_loop(g);
    e32(g, rv_addi(T1, S9, -REWRITE_A)); /* away at A, home at B */
    e32(g, rv_sltiu(T1, T1, 1));
    e32(g, rv_store(SW, T1, S2, FIX_REMAP));
    gen_ram2_loop(g);
    put32(g, skip, rv_branch(BNE, T1, ZERO, (int32_t)(g->pc - skip)));
}

/* The kinds of chunk the body is made of; each appears at least once
 * (SMC and trap chunks once per variant), the rest are drawn at random. */
enum {
    CHUNK_ALU, CHUNK_MEM, CHUNK_BRANCH, CHUNK_LOOP, CHUNK_FUNC, CHUNK_CALL, CHUNK_SMC,
    CHUNK_TRAP, CHUNK_CSR, CHUNK_EDGES, CHUNK_FENCE, CHUNK_IRQ, CHUNK_SP, CHUNK_MEM_EDGES,
    CHUNK_REMAP, CHUNK_LR_SC, CHUNK_KINDS
};

/* Out of 100 (CHUNK_REMAP: only the one gen_every_kind makes). */
static const uint8_t chunk_weight[CHUNK_KINDS] = {
    [CHUNK_ALU] = 28, [CHUNK_MEM] = 18, [CHUNK_BRANCH] = 8, [CHUNK_LOOP] = 9,
    [CHUNK_FUNC] = 4, [CHUNK_CALL] = 6, [CHUNK_SMC] = 4, [CHUNK_TRAP] = 3,
    [CHUNK_CSR] = 5, [CHUNK_EDGES] = 3, [CHUNK_FENCE] = 2, [CHUNK_IRQ] = 3, [CHUNK_SP] = 3,
    [CHUNK_MEM_EDGES] = 3, [CHUNK_LR_SC] = 1,
};

static void gen_chunk_of(Gen *g, unsigned kind, unsigned variant)
{
    switch (kind) {
    case CHUNK_ALU: gen_alu(g); break;
    case CHUNK_MEM: gen_mem(g); break;
    case CHUNK_BRANCH: gen_branch(g); break;
    case CHUNK_LOOP: gen_loop(g); break;
    case CHUNK_FUNC: gen_func(g); break;
    case CHUNK_CALL: gen_call(g); break;
    case CHUNK_SMC: gen_smc(g, variant % SMC_KINDS); break;
    case CHUNK_TRAP: gen_trap(g, variant % TRAP_KINDS); break;
    case CHUNK_CSR: gen_csr(g); break;
    case CHUNK_EDGES: gen_edges(g); break;
    case CHUNK_FENCE:
        if (variant & 1)
            e32(g, RV_FENCE);
        else
            gen_fence_i(g);
        break;
    case CHUNK_IRQ: gen_irq_play(g); break;
    case CHUNK_MEM_EDGES:
        for (unsigned n = 0; n < 3; n++)
            gen_edge_access(g);
        break;
    case CHUNK_REMAP:
        if (g->t->mmio_writes)
            gen_remap(g);
        break;
    case CHUNK_LR_SC: gen_lr_sc(g); break;
    default: { /* sp moves and comes back */
        int32_t by = 16 * ((int32_t)below(&g->rng, 8) + 1);
        e16(g, c_addi16sp(by));
        gen_mem(g);
        e16(g, c_addi16sp(-by));
        break;
    }
    }
}

static void gen_chunk(Gen *g)
{
    unsigned k = below(&g->rng, 100), kind = 0;
    while (k >= chunk_weight[kind])
        k -= chunk_weight[kind++];
    gen_chunk_of(g, kind, below(&g->rng, 64));
}

/* Every kind once, every SMC and trap variant once, in a random order. */
static void gen_every_kind(Gen *g)
{
    enum { N = CHUNK_KINDS + SMC_KINDS + TRAP_KINDS - 2 };
    uint16_t order[N];
    unsigned n = 0;
    for (unsigned k = 0; k < CHUNK_KINDS; k++) {
        unsigned variants = k == CHUNK_SMC ? SMC_KINDS : k == CHUNK_TRAP ? TRAP_KINDS : 1;
        for (unsigned v = 0; v < variants; v++)
            order[n++] = (uint16_t)(k << 8 | v);
    }
    assert_int_equal(n, N);
    for (unsigned i = N - 1; i > 0; i--) {
        unsigned j = below(&g->rng, i + 1);
        uint16_t t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    for (unsigned i = 0; i < N; i++)
        gen_chunk_of(g, order[i] >> 8, order[i] & 0xff);
}

/* Appends (cause, epc, third) to the log at LOGPTR; clobbers t5, t6. */
static void gen_log(Gen *g, unsigned third)
{
    e32(g, rv_load(LW, T6, S11, (int32_t)(TRAP_COUNT - S11_AT)));
    e32(g, rv_addi(T6, T6, 1));
    e32(g, rv_store(SW, T6, S11, (int32_t)(TRAP_COUNT - S11_AT)));
    e32(g, rv_load(LW, T5, S11, (int32_t)(LOGPTR - S11_AT)));
    e32(g, rv_csrr(T6, CSR_MCAUSE));
    e32(g, rv_store(SW, T6, T5, 0));
    e32(g, rv_csrr(T6, CSR_MEPC));
    e32(g, rv_store(SW, T6, T5, 4));
    e32(g, rv_csrr(T6, third));
    e32(g, rv_store(SW, T6, T5, 8));
    e32(g, rv_addi(T5, T5, 12));
    e_li(g, T6, LOG_END);
    e32(g, rv_branch(BLTU, T5, T6, 12));
    e_li(g, T5, LOG);
    e32(g, rv_store(SW, T5, S11, (int32_t)(LOGPTR - S11_AT)));
}

/* At HANDLER: an interrupt the program raised (the device's line, or the
 * CLINT's msip on virt32) is lowered, a timer interrupt (virt32) re-arms
 * the timer 1..256 cycles ahead; both are counted and log (cause, epc,
 * mcycle). An exception logs (cause, epc, tval) and returns past the
 * instruction, 2 or 4 bytes long. */
static void gen_handler(Gen *g)
{
    g->pc = HANDLER;
    e32(g, rv_csrr(T6, CSR_MCAUSE));
    uint32_t to_exception = g->pc;
    e32(g, 0);
    e32(g, rv_load(LW, T5, S11, (int32_t)(IRQ_COUNT - S11_AT)));
    e32(g, rv_addi(T5, T5, 1));
    e32(g, rv_store(SW, T5, S11, (int32_t)(IRQ_COUNT - S11_AT)));
    uint32_t to_timer = 0, to_log = 0;
    if (g->t->virt32) {
        e32(g, rv_andi(T5, T6, 0xff));
        e32(g, rv_addi(T5, T5, -7));
        to_timer = g->pc;
        e32(g, 0);
        e32(g, rv_lui(T6, CLINT_HI - 0xc000)); /* msip */
        e32(g, rv_store(SW, ZERO, T6, 0));
        to_log = g->pc;
        e32(g, 0);
        put32(g, to_timer, rv_branch(BEQ, T5, ZERO, (int32_t)(g->pc - to_timer)));
        e32(g, rv_load(LW, T5, S11, (int32_t)(LCG - S11_AT)));
        e_li(g, T6, 1103515245u);
        e32(g, rv_m(MUL, T5, T5, T6));
        e32(g, rv_addi(T5, T5, 1234));
        e32(g, rv_store(SW, T5, S11, (int32_t)(LCG - S11_AT)));
        e32(g, rv_srli(T5, T5, 24));
        e32(g, rv_addi(T5, T5, 1));
        e32(g, rv_lui(T6, CLINT_HI));
        e32(g, rv_load(LW, T6, T6, -8)); /* mtime, low word */
        e32(g, rv_add(T5, T5, T6));
        e32(g, rv_lui(T6, CLINT_HI - 0x8000));
        e32(g, rv_store(SW, T5, T6, 0)); /* mtimecmp */
        e32(g, rv_store(SW, ZERO, T6, 4));
        put32(g, to_log, rv_jal(ZERO, (int32_t)(g->pc - to_log)));
    } else {
        e32(g, rv_store(SW, ZERO, S2, FIX_IRQ));
    }
    gen_log(g, CSR_MCYCLE);
    e32(g, RV_MRET);
    put32(g, to_exception, rv_branch(BGE, T6, ZERO, (int32_t)(g->pc - to_exception)));
    gen_log(g, CSR_MTVAL);
    e32(g, rv_csrr(T6, CSR_MEPC));
    e32(g, rv_load(LHU, T5, T6, 0));
    e32(g, rv_andi(T5, T5, 3));
    e32(g, rv_addi(T6, T6, 2));
    e32(g, rv_addi(T5, T5, -3));
    e32(g, rv_branch(BNE, T5, ZERO, 8));
    e32(g, rv_addi(T6, T6, 2));
    e32(g, rv_csrw(CSR_MEPC, T6));
    e32(g, RV_MRET);
    assert_true(g->pc <= DATA);
}

/* The whole image: init, a body of about body_bytes run OUTER times, the
 * stop, the handler, random data. */
static void generate(uint8_t *image, uint64_t seed, const Target *t, uint32_t body_bytes)
{
    Gen g = {.rng = {seed * 0x9e3779b97f4a7c15ull + 1}, .image = image, .pc = RAM_BASE, .t = t};
    memset(image, 0, IMAGE_SIZE);
    for (uint32_t i = DATA - RAM_BASE; i < DATA - RAM_BASE + DATA_REACH; i++)
        image[i] = (uint8_t)rng_next(&g.rng);
    e_li(&g, S11, S11_AT);
    e_li(&g, S0, S0_AT);
    e_li(&g, SP, SP_AT);
    e_li(&g, S2, t->mmio_base);
    e_li(&g, T0, HANDLER);
    e32(&g, rv_csrw(CSR_MTVEC, T0));
    e_li(&g, T0, LOG);
    e32(&g, rv_store(SW, T0, S11, (int32_t)(LOGPTR - S11_AT)));
    e_li(&g, T0, (uint32_t)seed);
    e32(&g, rv_store(SW, T0, S11, (int32_t)(LCG - S11_AT)));
    for (unsigned i = 0; i < NPOOL; i++)
        e_li(&g, pool[i], value(&g));
    if (t->virt32) { /* the first timer interrupt soon; MTIE, MSIE */
        e32(&g, rv_lui(T1, CLINT_HI));
        e32(&g, rv_load(LW, T0, T1, -8));
        e32(&g, rv_addi(T0, T0, 100));
        e32(&g, rv_lui(T1, CLINT_HI - 0x8000));
        e32(&g, rv_store(SW, T0, T1, 0));
        e32(&g, rv_store(SW, ZERO, T1, 4));
        e32(&g, rv_addi(T0, ZERO, 0x88));
    } else { /* MEIE */
        e_li(&g, T0, 0x800);
    }
    e32(&g, rv_csrw(CSR_MIE, T0));
    e32(&g, rv_csr(CSRRSI, ZERO, CSR_MSTATUS, 8));
    e32(&g, rv_addi(S9, ZERO, OUTER));
    uint32_t outer = g.pc;
    assert_true(outer + body_bytes <= CODE_END - 0x400);
    gen_every_kind(&g);
    e32(&g, rv_load(LW, A0, S2, t->mmio_reads[0])); /* the device, once an iteration at least */
    while (g.pc < outer + body_bytes)
        gen_chunk(&g);
    e32(&g, rv_addi(S9, S9, -1));
    e32(&g, rv_branch(BEQ, S9, ZERO, 8));
    e32(&g, rv_jal(ZERO, (int32_t)(outer - g.pc)));
    if (t->virt32) {
        e_li(&g, T0, 0x5555); /* sifive,test0: pass */
        e_li(&g, T1, VIRT_TEST);
        e32(&g, rv_store(SW, T0, T1, 0));
    } else {
        e32(&g, rv_store(SW, ZERO, S2, 4)); /* the test device: stop */
    }
    e32(&g, rv_jal(ZERO, 0));
    assert_true(g.pc <= HANDLER);
    gen_handler(&g);
}

/* ---- whether a translator is here ---- */

static bool jit_available(void)
{
    static bool said;
    bool here = cpu_jit_supported();
    if (!here && !said) {
        fprintf(stderr, "test_jit_lockstep: this host has no translator: both sides "
                        "run the interpreter\n");
        said = true;
    }
    return here;
}

/* LOCKSTEP_VERBOSE=1: a line per program run (how much was compared). */
static void say_done(const char *what, const Cpu *jit_side, const LsResult *res)
{
    if (!getenv("LOCKSTEP_VERBOSE"))
        return;
    CpuEngineStats st;
    cpu_engine_stats(jit_side, &st);
    fprintf(stderr, "%s: retired %llu, %llu states and %llu RAMs compared; %llu blocks "
            "translated, entered %llu times\n", what,
            (unsigned long long)(res ? res->retired : cpu_instructions_retired(jit_side)),
            (unsigned long long)(res ? res->compares : 0),
            (unsigned long long)(res ? res->ram_compares : 0),
            (unsigned long long)st.blocks_translated, (unsigned long long)st.jit_entries);
}

/* Whether the side that should have run translated code did not (then
 * *why says so): a run long enough for blocks to become hot must have
 * translated some and entered them. */
static bool untranslated(const Cpu *cpu, bool jit, char *why, size_t size)
{
    CpuEngineStats st;
    cpu_engine_stats(cpu, &st);
    if (st.jit != jit) {
        snprintf(why, size, "the engine stats say jit %d, the side was built with %d",
                 st.jit, jit);
        return true;
    }
    if (!jit || cpu_instructions_retired(cpu) < 100000 ||
        (st.blocks_translated > 0 && st.jit_entries > 0))
        return false;
    snprintf(why, size, "the JIT side translated %llu blocks and entered them %llu times "
             "in %llu instructions: the comparison proved nothing",
             (unsigned long long)st.blocks_translated, (unsigned long long)st.jit_entries,
             (unsigned long long)cpu_instructions_retired(cpu));
    return true;
}

/* Fails the case with a long report: cmocka cuts its own messages short,
 * so the report goes to stderr whole first. */
static void fail_report(const char *report)
{
    fprintf(stderr, "%s\n", report);
    fail_msg("the engines differ (above)");
}

/* snprintf for messages that may be cut short (reports are long). */
__attribute__((format(printf, 3, 4)))
static void say(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, size, fmt, ap);
    va_end(ap);
}

/* ---- the small machine: RAM, a test device, a hart ---- */

typedef struct FixSide {
    LsSide ls;
    MemorySystem *ms;
    Owner *board;
    MemoryRegion *root, *ram, *ram2, *rom, *dev;
    Cpu *cpu;
    IrqLine mei;          /* driven by device writes at FIX_IRQ */
    uint32_t dma_addr;    /* FIX_DMA_ADDR */
    uint32_t reads;       /* device reads at offsets 0-3 */
    uint64_t write_hash;  /* device writes at offset 0 */
    bool stopped;         /* the program wrote offset 4 */
} FixSide;

/* The test device. Offsets 0-3 read a new value each time (a read done
 * twice, or not at all, shows); the rest read a constant. Writes: 0 is
 * recorded, 4 stops the run, FIX_IRQ drives the hart's MEI, FIX_REMAP
 * moves RAM2 (a map change from inside an access), FIX_DMA_DATA writes
 * RAM at FIX_DMA_ADDR (memory_write: a writer other than the hart). */
static bool fix_read(void *opaque, uint64_t offset, unsigned size, uint32_t *value)
{
    FixSide *f = opaque;
    (void)size;
    *value = offset < 4 ? (++f->reads * 0x9e3779b1u) >> (8 * offset)
                        : 0xcafe0000u | (uint32_t)offset;
    return true;
}

static bool fix_write(void *opaque, uint64_t offset, unsigned size, uint32_t value)
{
    FixSide *f = opaque;
    if (offset == FIX_IRQ) {
        irq_set(&f->mei, value & 1);
    } else if (offset == FIX_REMAP) { /* a map change from inside an access */
        memory_begin(f->ms);
        memory_region_set_address(f->ram2, value & 1 ? RAM2_AWAY : RAM2);
        memory_commit(f->ms);
    } else if (offset == FIX_DMA_ADDR) {
        f->dma_addr = value;
    } else if (offset == FIX_DMA_DATA) {
        memory_write(f->ms, f->dma_addr, 4, value);
    } else if (offset == 4) {
        f->stopped = true;
        cpu_request_stop(f->cpu);
    } else if (offset == 0) {
        f->write_hash = (f->write_hash ^ ((uint64_t)size << 32 | value)) * 0x100000001b3ull;
    }
    return true;
}

static const MmioOps fix_ops = {.read = fix_read, .write = fix_write};

static void fix_open(FixSide *f, const char *name, bool jit, bool emulate_misaligned,
                     const uint8_t *image)
{
    Error *err = NULL;
    memset(f, 0, sizeof *f);
    f->ms = memory_system_new();
    f->board = owner_new(f->ms, "board", NULL, NULL);
    f->root = memory_region_new_container(f->board, "system", 1ULL << 32);
    f->ram = memory_region_new_ram(f->board, "ram", IMAGE_SIZE, &err);
    f->ram2 = memory_region_new_ram(f->board, "ram2", RAM2_SIZE, &err);
    f->rom = memory_region_new_rom(f->board, "rom", ROM_SIZE, &err);
    f->dev = memory_region_new_mmio(f->board, "dev", 0x100, &fix_ops, f);
    assert_null(err);
    memory_begin(f->ms);
    assert_true(memory_add_subregion(f->root, RAM_BASE, f->ram, &err));
    assert_true(memory_add_subregion(f->root, RAM2, f->ram2, &err));
    assert_true(memory_add_subregion(f->root, ROM_BASE, f->rom, &err));
    assert_true(memory_add_subregion(f->root, FIX_MMIO, f->dev, &err));
    memory_set_root(f->ms, f->root);
    memory_commit(f->ms);
    CpuConfig config = {.isa = "rv32imac", .reset_pc = RAM_BASE, .frequency_hz = 1000000,
                        .emulate_misaligned = emulate_misaligned,
                        .pmp_entries = CPU_PMP_MAX, .triggers = 2, .jit = jit};
    f->cpu = cpu_new(f->ms, &config, &err);
    if (!f->cpu)
        fail_msg("cpu_new: %s", error_message(err));
    f->mei = cpu_irq_input(f->cpu, CPU_IRQ_MEI);
    assert_true(memory_debug_write(f->ms, RAM_BASE, image, IMAGE_SIZE, &err));
    uint8_t pattern[RAM2_SIZE > ROM_SIZE ? RAM2_SIZE : ROM_SIZE];
    for (size_t i = 0; i < sizeof pattern; i++)
        pattern[i] = (uint8_t)(i * 7 + 3);
    assert_true(memory_debug_write(f->ms, RAM2, pattern, RAM2_SIZE, &err));
    assert_true(memory_debug_write(f->ms, ROM_BASE, pattern, ROM_SIZE, &err));
    f->ls.name = name;
    f->ls.cpu = f->cpu;
    ls_add_window(&f->ls, f->ms, RAM_BASE, IMAGE_SIZE);
    ls_add_window(&f->ls, f->ms, RAM2, RAM2_SIZE);
    ls_add_window(&f->ls, f->ms, ROM_BASE, ROM_SIZE);
}

static void fix_close(FixSide *f)
{
    cpu_free(f->cpu);
    memory_set_root(f->ms, NULL);
    owner_unref(f->board);
    memory_system_free(f->ms);
}

static uint32_t fix_peek(FixSide *f, uint32_t addr)
{
    uint32_t v;
    assert_true(memory_debug_read(f->ms, addr, &v, 4, NULL));
    return v;
}

static const int16_t fix_reads[] = {0, 0, 1, 2, 8};
static const Target fix_target = {
    .mmio_base = FIX_MMIO, .mmio_reads = fix_reads,
    .nmmio_reads = sizeof fix_reads / sizeof fix_reads[0], .mmio_writes = true,
};

enum { RANDOM_BODY = 0x280 };

typedef struct RandomRun {
    uint64_t seed;
    bool emulate_misaligned;
    bool twin;                /* both sides the interpreter: the harness's own check */
    bool sliced;              /* lockstep_sliced (blocks chain) instead of lockstep_run */
    const LsOptions *opt;     /* NULL: the defaults */
} RandomRun;

/* After a run the harness accepted: the device saw the same accesses on
 * both sides, the program ran to its end through traps, and its blocks
 * ran translated. False with the problem in res->report. */
static bool random_ran_well(FixSide *a, FixSide *b, bool jit, uint64_t min_compares,
                            LsResult *res)
{
    char *why = res->report;
    size_t size = sizeof res->report;
    if (!a->stopped || !b->stopped)
        snprintf(why, size, "the program did not reach its stop");
    else if (a->reads != b->reads || a->write_hash != b->write_hash)
        snprintf(why, size, "the device saw %u reads on one side, %u on the other (or "
                 "different writes)", a->reads, b->reads);
    else if (a->reads < OUTER || fix_peek(a, TRAP_COUNT) < 20)
        snprintf(why, size, "the program read the device %u times and trapped %u times: "
                 "too little", a->reads, fix_peek(a, TRAP_COUNT));
    else if (res->compares < min_compares || res->ram_compares < min_compares)
        snprintf(why, size, "only %llu states and %llu RAMs compared",
                 (unsigned long long)res->compares, (unsigned long long)res->ram_compares);
    else if (!untranslated(a->cpu, jit, why, size) && !untranslated(b->cpu, false, why, size))
        return true;
    return false;
}

/* Runs one generated program on both sides; returns whether they agreed
 * (the report in *res), after checking the program did what it is for. */
static bool run_random(const RandomRun *how, LsResult *res)
{
    uint8_t *image = malloc(IMAGE_SIZE);
    assert_non_null(image);
    generate(image, how->seed, &fix_target, RANDOM_BODY);
    FixSide a, b;
    bool jit = !how->twin && jit_available();
    fix_open(&a, how->twin ? "interpreter-a" : "jit", jit, how->emulate_misaligned, image);
    fix_open(&b, how->twin ? "interpreter-b" : "interpreter", false, how->emulate_misaligned,
             image);
    free(image);
    LsOptions defaults = {0};
    /* short slices cut translated runs everywhere; long ones let them chain */
    uint64_t max_slice = how->seed & 1 ? 1000 : 100000;
    bool ok = how->sliced ? lockstep_sliced(&a.ls, &b.ls, how->seed, max_slice, 0, false, res)
                          : lockstep_run(&a.ls, &b.ls, how->opt ? how->opt : &defaults, res);
    if (ok) {
        char what[64];
        snprintf(what, sizeof what, "random seed %llu%s%s", (unsigned long long)how->seed,
                 how->emulate_misaligned ? " (emulated misaligned)" : "",
                 how->sliced ? ", sliced" : "");
        say_done(what, a.cpu, res);
        ok = random_ran_well(&a, &b, jit, how->sliced ? 1 : 1000, res);
    }
    fix_close(&a);
    fix_close(&b);
    return ok;
}

static void check_random(uint64_t seed, bool emulate_misaligned)
{
    LsResult *res = malloc(sizeof *res);
    assert_non_null(res);
    RandomRun how = {.seed = seed, .emulate_misaligned = emulate_misaligned};
    bool ok = run_random(&how, res);
    if (ok) {
        how.sliced = true;
        ok = run_random(&how, res);
    }
    if (!ok) {
        char what[128];
        snprintf(what, sizeof what, "random program, seed %llu, misaligned accesses %s%s:",
                 (unsigned long long)seed, emulate_misaligned ? "emulated" : "trap",
                 how.sliced ? ", run in slices of random lengths (blocks chained)" : "");
        char report[sizeof res->report];
        memcpy(report, res->report, sizeof report);
        free(res);
        fprintf(stderr, "%s\n", what);
        fail_report(report);
    }
    free(res);
}

/* ---- the virt32 machine, built as sim/main.c builds it ---- */

#define VIRT32 "boards.yaml:virt32"

typedef struct MachSide {
    LsSide ls;
    BoardFile *file;
    Clock *clock;
    MemorySystem *ms;
    Cpu *cpu;
    Machine *machine;
    char *out;            /* what the UART printed */
    size_t outlen, outcap;
    const char *input;    /* what it receives (NULL: nothing) */
    size_t input_len, input_pos;
} MachSide;

typedef struct MachChardev {
    Chardev base;
    MachSide *side;
} MachChardev;

static void mach_write(Chardev *chr, const uint8_t *buf, size_t len)
{
    MachSide *m = ((MachChardev *)chr)->side;
    if (m->outlen + len > m->outcap) {
        m->outcap = (m->outlen + len) * 2;
        m->out = realloc(m->out, m->outcap);
        assert_non_null(m->out);
    }
    memcpy(m->out + m->outlen, buf, len);
    m->outlen += len;
}

static size_t mach_read(Chardev *chr, uint8_t *buf, size_t max)
{
    MachSide *m = ((MachChardev *)chr)->side;
    size_t n = m->input_len - m->input_pos;
    n = n < max ? n : max;
    memcpy(buf, m->input + m->input_pos, n);
    m->input_pos += n;
    chr->eof = m->input_pos == m->input_len;
    return n;
}

static void mach_chardev_close(Chardev *chr) { free(chr); }

static const ChardevOps mach_chardev_ops = {
    .write = mach_write, .read = mach_read, .close = mach_chardev_close,
};

static Chardev *mach_open_chardev(void *opaque, const char *device, const char *spec,
                                  Error **errp)
{
    (void)device, (void)spec, (void)errp;
    MachChardev *c = calloc(1, sizeof *c);
    assert_non_null(c);
    c->base.ops = &mach_chardev_ops;
    c->side = opaque;
    c->base.eof = !c->side->input;
    return &c->base;
}

static void mach_stop(void *opaque) { cpu_request_stop(((MachSide *)opaque)->cpu); }

static bool mach_cpu_irq(void *opaque, const char *input, IrqLine *out)
{
    return cpu_irq_input_named(((MachSide *)opaque)->cpu, input, out);
}

/* The board `spec` names (board_choose: "boards.yaml:virt32") with a
 * hart whose engine is `jit`, its UART receiving `input`. */
static void mach_open(MachSide *m, const char *spec, const char *name, bool jit,
                      const char *input, size_t input_len)
{
    Error *err = NULL;
    BoardDesc *board = NULL;
    memset(m, 0, sizeof *m);
    m->input = input;
    m->input_len = input_len;
    m->file = board_choose(spec, NULL, 0, &board, &err);
    if (!m->file)
        fail_msg("%s", error_message(err));
    m->clock = clock_new(board->cpu.frequency_hz);
    m->ms = memory_system_new();
    CpuConfig config;
    board_cpu_config(board, m->clock, &config);
    config.jit = jit;
    m->cpu = cpu_new(m->ms, &config, &err);
    if (!m->cpu)
        fail_msg("cpu_new: %s", error_message(err));
    MachineHooks hooks = {
        .opaque = m, .stop = mach_stop, .open_chardev = mach_open_chardev,
        .cpu_irq = mach_cpu_irq, .clock = m->clock, .registry = registry_devices(),
    };
    m->machine = machine_new(m->ms, board, &hooks, &err);
    if (!m->machine)
        fail_msg("machine_new: %s", error_message(err));
    cpu_set_time_source(m->cpu, machine_read_time, m->machine);
    m->ls.name = name;
    m->ls.cpu = m->cpu;
    m->ls.clock = m->clock;
}

static void mach_close(MachSide *m)
{
    machine_free(m->machine);
    cpu_free(m->cpu);
    memory_system_free(m->ms);
    clock_free(m->clock);
    board_file_free(m->file);
    free(m->out);
}

static void mach_load_elf(MachSide *m, const char *path)
{
    Error *err = NULL;
    uint32_t entry;
    if (!elf_load(m->ms, path, &entry, &err))
        fail_msg("%s", error_message(err));
    cpu_set_reset_pc(m->cpu, entry);
}

static void mach_load_image(MachSide *m, const uint8_t *image)
{
    Error *err = NULL;
    assert_true(memory_debug_write(m->ms, RAM_BASE, image, IMAGE_SIZE, &err));
    cpu_set_reset_pc(m->cpu, RAM_BASE);
}

/* The whole of the board's RAM. */
static void mach_ram(MachSide *m, const uint8_t **host, uint32_t *len)
{
    MemRange r;
    assert_true(memory_lookup(m->ms, RAM_BASE, &r));
    assert_non_null(r.host);
    *host = r.host;
    *len = r.last - r.start + 1;
}

/* Everything two finished runs must share: state, all of RAM, output,
 * exit status. Returns a problem or NULL (then *why is untouched). */
static bool mach_same_end(MachSide *a, MachSide *b, char *why, size_t size)
{
    LsState sa, sb;
    ls_capture(&a->ls, &sa);
    ls_capture(&b->ls, &sb);
    LsResult *res = calloc(1, sizeof *res);
    assert_non_null(res);
    bool ok = ls_diff(NULL, &a->ls, &sa, &b->ls, &sb) == 0;
    if (!ok) {
        ls_diff(res, &a->ls, &sa, &b->ls, &sb);
        ls_print_state(res, a->ls.name, &sa);
        ls_print_state(res, b->ls.name, &sb);
        say(why, size, "the final states differ:\n%s", res->report);
    }
    free(res);
    if (!ok)
        return false;
    const uint8_t *ra, *rb;
    uint32_t la, lb;
    mach_ram(a, &ra, &la);
    mach_ram(b, &rb, &lb);
    if (la != lb || memcmp(ra, rb, la) != 0) {
        uint32_t at = 0;
        while (at < la && ra[at] == rb[at])
            at++;
        say(why, size, "RAM differs at the end, first at 0x%08x (0x%02x %s, 0x%02x %s)",
                 RAM_BASE + at, ra[at], a->ls.name, rb[at], b->ls.name);
        return false;
    }
    if (a->outlen != b->outlen || (a->outlen && memcmp(a->out, b->out, a->outlen) != 0)) {
        say(why, size, "the UART output differs:\n--- %s\n%.*s\n--- %s\n%.*s",
                 a->ls.name, (int)a->outlen, a->out, b->ls.name, (int)b->outlen, b->out);
        return false;
    }
    int sta = -1, stb = -1;
    bool ea = machine_exit_requested(a->machine, &sta);
    bool eb = machine_exit_requested(b->machine, &stb);
    if (ea != eb || sta != stb) {
        say(why, size, "exit: %s %s with %d, %s %s with %d", a->ls.name,
                 ea ? "exited" : "did not exit", sta, b->ls.name, eb ? "exited" : "did not exit",
                 stb);
        return false;
    }
    return true;
}

/* ---- the timer-interrupt program ---- */

static const int16_t clint_reads[] = {-8, -4};
static const Target virt_target = {
    .virt32 = true, .mmio_base = CLINT_HI, .mmio_reads = clint_reads,
    .nmmio_reads = sizeof clint_reads / sizeof clint_reads[0],
};

static uint32_t mach_peek(MachSide *m, uint32_t addr)
{
    uint32_t v;
    assert_true(memory_debug_read(m->ms, addr, &v, 4, NULL));
    return v;
}

static void check_timer_program(uint64_t seed)
{
    uint8_t *image = malloc(IMAGE_SIZE);
    assert_non_null(image);
    generate(image, seed, &virt_target, 0x300);
    bool jit = jit_available();
    MachSide a, b;
    mach_open(&a, VIRT32, "jit", jit, NULL, 0);
    mach_open(&b, VIRT32, "interpreter", false, NULL, 0);
    mach_load_image(&a, image);
    mach_load_image(&b, image);
    free(image);
    ls_add_window(&a.ls, a.ms, RAM_BASE, IMAGE_SIZE);
    ls_add_window(&b.ls, b.ms, RAM_BASE, IMAGE_SIZE);
    LsOptions opt = {0};
    LsResult *res = malloc(sizeof *res);
    assert_non_null(res);
    char why[8192] = "";
    bool ok = lockstep_run(&a.ls, &b.ls, &opt, res);
    if (!ok)
        say(why, sizeof why, "timer program, seed %llu:\n%s", (unsigned long long)seed,
                 res->report);
    else
        ok = mach_same_end(&a, &b, why, sizeof why);
    uint32_t irqs = mach_peek(&a, IRQ_COUNT);
    /* the interrupts landed at many places: distinct mepc in the log */
    unsigned distinct = 0;
    uint32_t seen[2048];
    for (uint32_t at = LOG; at < LOG_END; at += 12) {
        if (mach_peek(&a, at) != 0x80000007u)
            continue;
        uint32_t epc = mach_peek(&a, at + 4);
        unsigned i = 0;
        while (i < distinct && seen[i] != epc)
            i++;
        if (i == distinct && distinct < 2048)
            seen[distinct++] = epc;
    }
    if (ok) {
        say_done("timer program", a.cpu, res);
        if (res->compares < 1000 || irqs < 300 || distinct < 80) {
            say(why, sizeof why, "timer program, seed %llu: %llu states compared, %u "
                "interrupts at %u distinct places: it tests too little",
                (unsigned long long)seed, (unsigned long long)res->compares, irqs, distinct);
            ok = false;
        } else {
            ok = !untranslated(a.cpu, jit, why, sizeof why);
        }
    }
    free(res);
    mach_close(&a);
    mach_close(&b);
    if (!ok)
        fail_report(why);
}

/* ---- real firmware ---- */

typedef struct ElfCase {
    char name[64];
    char path[160];
    const char *board;   /* board_choose spec */
    const char *input;   /* a file the UART receives, or NULL */
} ElfCase;

/* The first instructions of each firmware run in lockstep; the long run
 * goes on to LONG_LIMIT at most. */
enum { LOCKSTEP_INSNS = 1000000 };
#define LONG_LIMIT 400000000ull

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s (run from the repository top)", path);
    char *buf = malloc(1 << 16);
    assert_non_null(buf);
    *len = fread(buf, 1, 1 << 16, f);
    fclose(f);
    return buf;
}

static void elf_open(MachSide *m, const ElfCase *c, const char *name, bool jit,
                     const char *input, size_t input_len)
{
    Error *err = NULL;
    mach_open(m, c->board, name, jit, input, input_len);
    mach_load_elf(m, c->path);
    /* the image and heap, and the stack at the top of RAM */
    ElfSymbols *syms = elf_symbols_load(c->path, &err);
    assert_non_null(syms);
    uint32_t end = RAM_BASE + (1u << 20);
    elf_symbol_address(syms, "_end", &end);
    elf_symbols_free(syms);
    const uint8_t *host;
    uint32_t len;
    mach_ram(m, &host, &len);
    uint32_t low = end - RAM_BASE + 0x10000;
    low = low < len ? low : len;
    ls_add_window(&m->ls, m->ms, RAM_BASE, low);
    if (len - low >= 0x10000)
        ls_add_window(&m->ls, m->ms, RAM_BASE + len - 0x10000, 0x10000);
}

/* Both sides of one firmware: the lockstep prefix. */
static bool elf_lockstep(const ElfCase *c, char *why, size_t size)
{
    size_t input_len = 0;
    char *input = c->input ? slurp(c->input, &input_len) : NULL;
    bool jit = jit_available();
    MachSide a, b;
    elf_open(&a, c, "jit", jit, input, input_len);
    elf_open(&b, c, "interpreter", false, input, input_len);
    LsOptions opt = {.max_insns = LOCKSTEP_INSNS, .ram_every = 16};
    LsResult *res = malloc(sizeof *res);
    assert_non_null(res);
    bool ok = lockstep_run(&a.ls, &b.ls, &opt, res);
    if (!ok) {
        say(why, size, "%s, in lockstep:\n%s", c->name, res->report);
    } else if (!mach_same_end(&a, &b, why, size)) {
        ok = false;
    } else if (res->compares < res->retired / 100) {
        say(why, size, "%s: only %llu states compared in %llu instructions", c->name,
            (unsigned long long)res->compares, (unsigned long long)res->retired);
        ok = false;
    } else {
        say_done(c->name, a.cpu, res);
        ok = !untranslated(a.cpu, jit, why, size);
    }
    free(res);
    mach_close(&a);
    mach_close(&b);
    free(input);
    return ok;
}

/* Both sides to the firmware's end without the observer (translated
 * blocks chain), in slices of random lengths up to 2 million
 * instructions, compared after each slice and at the end. */
static bool elf_long(const ElfCase *c, char *why, size_t size)
{
    size_t input_len = 0;
    char *input = c->input ? slurp(c->input, &input_len) : NULL;
    bool jit = jit_available();
    MachSide a, b;
    elf_open(&a, c, "jit", jit, input, input_len);
    elf_open(&b, c, "interpreter", false, input, input_len);
    LsResult *res = malloc(sizeof *res);
    assert_non_null(res);
    char detail[6144] = "";
    bool ok = lockstep_sliced(&a.ls, &b.ls, 0x9e3779b97f4a7c15ull, 2000000, LONG_LIMIT, true,
                              res);
    if (!ok) {
        say(why, size, "%s, run to the end in slices:\n%s", c->name, res->report);
    } else if (res->retired >= LONG_LIMIT) {
        say(why, size, "%s did not end within %llu instructions", c->name, LONG_LIMIT);
        ok = false;
    } else if (!mach_same_end(&a, &b, detail, sizeof detail)) {
        say(why, size, "%s, at the end: %s", c->name, detail);
        ok = false;
    } else {
        say_done("  run to the end", a.cpu, res);
        ok = !untranslated(a.cpu, jit, why, size);
    }
    free(res);
    mach_close(&a);
    mach_close(&b);
    free(input);
    return ok;
}

static void test_firmware(void **state)
{
    const ElfCase *c = *state;
    char why[8192];
    if (access(c->path, R_OK) != 0)
        fail_msg("%s is missing: build it (ninja all)", c->path);
    if (!elf_lockstep(c, why, sizeof why) || !elf_long(c, why, sizeof why))
        fail_report(why);
}

/* ---- the cases ---- */

static void test_random_programs_misaligned_trap(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 16; seed++)
        check_random(seed, false);
}

static void test_random_programs_misaligned_emulated(void **state)
{
    (void)state;
    for (uint64_t seed = 101; seed <= 116; seed++)
        check_random(seed, true);
}

static void test_timer_interrupts_land_on_the_same_instruction(void **state)
{
    (void)state;
    for (uint64_t seed = 7; seed <= 9; seed++)
        check_timer_program(seed);
}

/* The harness reports no difference between two equal engines... */
static void test_harness_two_interpreters_agree(void **state)
{
    (void)state;
    LsResult *res = malloc(sizeof *res);
    assert_non_null(res);
    RandomRun how = {.seed = 3, .twin = true};
    bool ok = run_random(&how, res);
    if (!ok)
        fprintf(stderr, "%s", res->report);
    free(res);
    assert_true(ok);
}

/* ... and every planted one, where it was planted. */
typedef struct Tamper {
    const char *side;   /* whose state changes */
    uint64_t at;        /* once this many instructions retired */
    enum { CORRUPT_REG, CORRUPT_CSR, CORRUPT_RAM } what;
    uint64_t done_at;   /* where it was done (0: not yet) */
} Tamper;

static void tamper(void *opaque, LsSide *side)
{
    Tamper *t = opaque;
    if (t->done_at || strcmp(side->name, t->side) != 0 || side->now.retired < t->at)
        return;
    t->done_at = side->now.retired;
    switch (t->what) {
    case CORRUPT_REG: /* the outer loop's counter: never rewritten by the body */
        cpu_set_reg(side->cpu, S9, cpu_get_reg(side->cpu, S9) ^ 0x40);
        break;
    case CORRUPT_CSR: /* written once at the start */
        assert_true(cpu_set_csr(side->cpu, CSR_MTVEC, HANDLER + 0x40));
        break;
    case CORRUPT_RAM: /* a byte the program never reads (no code there) */
        assert_int_equal(side->windows[0].addr, RAM_BASE);
        ((uint8_t *)side->windows[0].host)[LOG_END + 0x100 - RAM_BASE] ^= 0x5a;
        break;
    }
}

static void expect_caught(Tamper *t, const char *needle)
{
    LsResult *res = malloc(sizeof *res);
    assert_non_null(res);
    LsOptions opt = {.tamper = tamper, .tamper_opaque = t};
    RandomRun how = {.seed = 5, .opt = &opt};
    bool ok = run_random(&how, res);
    char report[sizeof res->report];
    memcpy(report, res->report, sizeof report);
    uint64_t retired = res->retired;
    free(res);
    if (!t->done_at)
        fail_msg("the %s side never reached retired %llu", t->side, (unsigned long long)t->at);
    if (ok)
        fail_msg("a corruption of the %s side at retired %llu went unnoticed", t->side,
                 (unsigned long long)t->done_at);
    /* caught at the next boundary both sides share, a few blocks on */
    if (retired < t->done_at || retired > t->done_at + 2000 || !strstr(report, needle)) {
        fprintf(stderr, "planted at retired %llu, reported at %llu without '%s':\n",
                (unsigned long long)t->done_at, (unsigned long long)retired, needle);
        fail_report(report);
    }
}

static void test_harness_catches_a_corrupt_register(void **state)
{
    (void)state;
    Tamper t = {.side = "interpreter", .at = 20000, .what = CORRUPT_REG};
    expect_caught(&t, "differs: x25:");
}

static void test_harness_catches_a_corrupt_csr(void **state)
{
    (void)state;
    Tamper t = {.side = "jit", .at = 30000, .what = CORRUPT_CSR};
    expect_caught(&t, "differs: mtvec:");
}

static void test_harness_catches_corrupt_ram(void **state)
{
    (void)state;
    Tamper t = {.side = "jit", .at = 40000, .what = CORRUPT_RAM};
    expect_caught(&t, "RAM differs");
}

/* ---- the firmware list ---- */

static const char *const test_firmware_names[][2] = {
    /* name, board (NULL: virt32), the UART's input */
    {"arith", NULL}, {"hello", NULL}, {"clint_timer", NULL}, {"plic_uart", NULL},
    {"irq_storm", "tests/firmware/irq_storm.in"}, {"uart_echo", "tests/firmware/uart_echo.in"},
};

/* Every benchmark firmware (tests/bench/fw/NAME.c) and the test firmware
 * above; *n of them. */
static ElfCase *firmware_cases(size_t *n)
{
    size_t count = 0, cap = 64;
    ElfCase *cases = calloc(cap, sizeof *cases);
    assert_non_null(cases);
    glob_t found;
    if (glob("tests/bench/fw/*.c", 0, NULL, &found) != 0)
        fail_msg("no tests/bench/fw/*.c (run from the repository top)");
    for (size_t i = 0; i < found.gl_pathc && count < cap; i++) {
        const char *base = strrchr(found.gl_pathv[i], '/') + 1;
        int len = (int)(strlen(base) - 2); /* without .c */
        ElfCase *c = &cases[count++];
        snprintf(c->name, sizeof c->name, "lockstep_bench_%.*s", len, base);
        snprintf(c->path, sizeof c->path, "build/fw/%.*s.elf", len, base);
        c->board = VIRT32;
    }
    globfree(&found);
    for (size_t i = 0; i < sizeof test_firmware_names / sizeof test_firmware_names[0]; i++) {
        ElfCase *c = &cases[count++];
        snprintf(c->name, sizeof c->name, "lockstep_firmware_%s", test_firmware_names[i][0]);
        snprintf(c->path, sizeof c->path, "build/fw/%s.elf", test_firmware_names[i][0]);
        c->board = VIRT32;
        c->input = test_firmware_names[i][1];
    }
    *n = count;
    return cases;
}

int main(void)
{
    /* LOCKSTEP_ONLY=PATTERN runs the matching cases (cmocka's filter) */
    if (getenv("LOCKSTEP_ONLY"))
        cmocka_set_test_filter(getenv("LOCKSTEP_ONLY"));
    static const struct CMUnitTest fixed[] = {
        cmocka_unit_test(test_harness_two_interpreters_agree),
        cmocka_unit_test(test_harness_catches_a_corrupt_register),
        cmocka_unit_test(test_harness_catches_a_corrupt_csr),
        cmocka_unit_test(test_harness_catches_corrupt_ram),
        cmocka_unit_test(test_random_programs_misaligned_trap),
        cmocka_unit_test(test_random_programs_misaligned_emulated),
        cmocka_unit_test(test_timer_interrupts_land_on_the_same_instruction),
    };
    size_t nfixed = sizeof fixed / sizeof fixed[0], nfw;
    ElfCase *cases = firmware_cases(&nfw);
    struct CMUnitTest *tests = calloc(nfixed + nfw, sizeof *tests);
    assert_non_null(tests);
    memcpy(tests, fixed, sizeof fixed);
    for (size_t i = 0; i < nfw; i++)
        tests[nfixed + i] = (struct CMUnitTest){.name = cases[i].name,
                                                .test_func = test_firmware,
                                                .initial_state = &cases[i]};
    int failed = _cmocka_run_group_tests("test_jit_lockstep", tests, nfixed + nfw, NULL, NULL);
    free(tests);
    free(cases);
    return failed;
}
