/* Coverage in lcov's tracefile format (sim/coverage.h). */
#include "sim/coverage.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "sim/debug_lines.h"
#include "soc/alloc.h"

/* How often one block ran, keyed by start, length, last pc and last
 * instruction (the same start may begin blocks of several lengths: an
 * interrupt, a limit; the same addresses may hold rewritten code). */
typedef struct BlockRuns {
    uint32_t start, last_pc, ninsns; /* ninsns 0: an empty slot */
    uint32_t last_bits;              /* as it ran; 0 for a trapped one */
    bool trapped;                    /* the instruction at start trapped */
    uint64_t runs, taken;            /* taken: its last one jumped */
} BlockRuns;

struct Coverage {
    DebugLines *lines;
    Cpu *cpu; /* attached to; NULL: not counting */
    BlockRuns *slots;
    size_t capacity, used; /* capacity: 1 << bits, at least twice used */
    unsigned bits;
    size_t last;      /* the slot of the last block counted */
    uint64_t foreign; /* coverage_foreign_blocks */
};

/* ---- counting, on the run's path ---- */

#define CAUSE_FETCH_MISALIGNED 0u
#define CAUSE_FETCH_ACCESS 1u

/* Whether the trap is the fetch of the instruction at its epc failing: an
 * access fault (PMP, no memory), or a misaligned pc that is the trap's
 * own (a debugger set it; a jump to a misaligned target traps on the
 * jump, which ran, with the target in tval). Nothing ran at epc. */
static bool fetch_failed(const CpuExecEvent *e)
{
    return e->mcause == CAUSE_FETCH_ACCESS ||
           (e->mcause == CAUSE_FETCH_MISALIGNED && (e->tval & ~1u) == (e->epc & ~1u));
}

/* Fibonacci hashing: the product's top bits, which every key bit moves. */
static size_t block_slot(const Coverage *cov, uint32_t start, uint32_t last_pc,
                         uint32_t ninsns)
{
    uint64_t h = ((uint64_t)start << 32 | (last_pc ^ ninsns << 24)) * 0x9e3779b97f4a7c15u;
    return (size_t)(h >> (64 - cov->bits));
}

static bool block_is(const BlockRuns *b, uint32_t start, uint32_t last_pc, uint32_t ninsns,
                     uint32_t last_bits, bool trapped)
{
    return b->start == start && b->last_pc == last_pc && b->ninsns == ninsns &&
           b->last_bits == last_bits && b->trapped == trapped;
}

static void blocks_grow(Coverage *cov)
{
    size_t old_capacity = cov->capacity;
    BlockRuns *old = cov->slots;
    cov->bits = old_capacity ? cov->bits + 1 : 10;
    cov->capacity = (size_t)1 << cov->bits;
    cov->slots = xcalloc(cov->capacity, sizeof *cov->slots);
    for (size_t i = 0; i < old_capacity; i++) {
        if (!old[i].ninsns)
            continue;
        size_t at = block_slot(cov, old[i].start, old[i].last_pc, old[i].ninsns);
        while (cov->slots[at].ninsns)
            at = (at + 1) & (cov->capacity - 1);
        cov->slots[at] = old[i];
    }
    free(old);
    cov->last = 0;
}

/* The block's slot, made when it is new. */
static BlockRuns *block_find(Coverage *cov, uint32_t start, uint32_t last_pc,
                             uint32_t ninsns, uint32_t last_bits, bool trapped)
{
    BlockRuns *b = &cov->slots[cov->last];
    if (block_is(b, start, last_pc, ninsns, last_bits, trapped))
        return b; /* a loop runs the same block again */
    if ((cov->used + 1) * 2 > cov->capacity)
        blocks_grow(cov);
    size_t at = block_slot(cov, start, last_pc, ninsns);
    for (;; at = (at + 1) & (cov->capacity - 1)) {
        b = &cov->slots[at];
        if (block_is(b, start, last_pc, ninsns, last_bits, trapped))
            break;
        if (!b->ninsns) {
            *b = (BlockRuns){.start = start, .last_pc = last_pc, .ninsns = ninsns,
                             .last_bits = last_bits, .trapped = trapped};
            cov->used++;
            break;
        }
    }
    cov->last = at;
    return b;
}

static void coverage_observe(void *opaque, const Cpu *cpu, const CpuExecEvent *e)
{
    Coverage *cov = opaque;
    if (e->kind == CPU_EXEC_BLOCK) {
        BlockRuns *b = block_find(cov, e->start, e->last_pc, e->ninsns, e->last_bits, false);
        b->runs++;
        b->taken += e->taken;
    } else if (e->kind == CPU_EXEC_TRAP && !(e->mcause & 0x80000000u) && !fetch_failed(e)) {
        /* an exception: its instruction was reached, not retired */
        block_find(cov, e->epc, e->epc, 1, 0, true)->runs++;
    }
}

/* ---- the life cycle ---- */

Coverage *coverage_new(const char *path, Error **errp)
{
    DebugLines *lines = debug_lines_load(path, errp);
    if (!lines)
        return NULL;
    Coverage *cov = xcalloc(1, sizeof *cov);
    cov->lines = lines;
    blocks_grow(cov);
    return cov;
}

bool coverage_attach(Coverage *cov, Cpu *cpu, Error **errp)
{
    if (!cpu_add_exec_observer(cpu, CPU_EXEC_BLOCK | CPU_EXEC_TRAP, coverage_observe, cov)) {
        error_setf(errp, "the CPU has no free execution observer");
        return false;
    }
    cov->cpu = cpu;
    return true;
}

void coverage_free(Coverage *cov)
{
    if (!cov)
        return;
    if (cov->cpu)
        cpu_remove_exec_observer(cov->cpu, coverage_observe, cov);
    debug_lines_free(cov->lines);
    free(cov->slots);
    free(cov);
}

uint64_t coverage_foreign_blocks(const Coverage *cov)
{
    return cov->foreign;
}

/* ---- from blocks to instructions ---- */

/* Runs per instruction: one counter per halfword of each code section. */
typedef struct InsnCounts {
    const DebugLines *lines;
    uint64_t **runs; /* [section][(addr - section addr) / 2] */
} InsnCounts;

static uint64_t *insn_runs(const InsnCounts *ic, const DebugCode *code, uint32_t addr)
{
    return &ic->runs[code - ic->lines->code][(addr - code->addr) / 2];
}

/* The code holding the whole instruction at addr (its length in *len);
 * NULL when it does not fit in one section. */
static const DebugCode *insn_at(const DebugLines *dl, uint32_t addr, unsigned *len)
{
    const DebugCode *code = debug_code_at(dl, addr);
    if (!code)
        return NULL;
    *len = debug_insn_length(&code->bytes[addr - code->addr]);
    return (uint64_t)addr - code->addr + *len <= code->size ? code : NULL;
}

/* A conditional branch: B-type (beq, bne, blt, bge, bltu, bgeu), or
 * c.beqz / c.bnez. */
static bool insn_is_branch(const uint8_t *at, unsigned len)
{
    if (len == 2) {
        unsigned bits = at[0] | (unsigned)at[1] << 8;
        return (bits & 3) == 1 && (bits >> 13) >= 6;
    }
    unsigned funct3 = (at[1] >> 4) & 7;
    return (at[0] & 0x7f) == 0x63 && funct3 != 2 && funct3 != 3;
}

typedef enum BlockFit { BLOCK_OUTSIDE, BLOCK_FOREIGN, BLOCK_OURS } BlockFit;

/* Whether the block's last instruction, as it ran, is the ELF's at its pc
 * (a trapped one: its bits were not reported, its address counts). */
static bool block_last_is_ours(const DebugLines *dl, const BlockRuns *b)
{
    unsigned len;
    const DebugCode *code = insn_at(dl, b->last_pc, &len);
    if (!code)
        return false;
    if (b->trapped)
        return true;
    const uint8_t *at = &code->bytes[b->last_pc - code->addr];
    uint32_t bits = at[0] | (uint32_t)at[1] << 8;
    if (len == 4)
        bits |= (uint32_t)at[2] << 16 | (uint32_t)at[3] << 24;
    return bits == b->last_bits;
}

/* Whether the block's instructions, walked through the ELF's bytes, are
 * ones of its code that end at the block's last pc with the instruction
 * that ran there. (Only the last one's bits are known: a rewrite that
 * keeps every length and the last instruction goes unseen.) */
static BlockFit block_fit(const DebugLines *dl, const BlockRuns *b)
{
    uint32_t addr = b->start;
    for (uint32_t i = 0; i < b->ninsns; i++) {
        unsigned len;
        if (!insn_at(dl, addr, &len))
            return i == 0 && !debug_code_at(dl, addr) ? BLOCK_OUTSIDE : BLOCK_FOREIGN;
        if (i + 1 == b->ninsns)
            return addr == b->last_pc && block_last_is_ours(dl, b) ? BLOCK_OURS
                                                                   : BLOCK_FOREIGN;
        addr += len;
    }
    return BLOCK_FOREIGN; /* not reached: ninsns >= 1 */
}

/* The last instruction alone (of a block that is not the ELF's as a
 * whole): it ran, whatever ran before it, so that the counts do not
 * depend on where the CPU cut its blocks (one instruction per block under
 * --trace insn or gdb's stepi). */
static void block_add_last_runs(InsnCounts *ic, const BlockRuns *b)
{
    unsigned len;
    const DebugCode *code = insn_at(ic->lines, b->last_pc, &len);
    *insn_runs(ic, code, b->last_pc) += b->runs;
}

static void block_add_runs(InsnCounts *ic, const BlockRuns *b)
{
    uint32_t addr = b->start;
    for (uint32_t i = 0; i < b->ninsns; i++) {
        unsigned len;
        const DebugCode *code = insn_at(ic->lines, addr, &len); /* block_fit said so */
        *insn_runs(ic, code, addr) += b->runs;
        addr += len;
    }
}

/* ---- branches ---- */

typedef struct BranchRuns {
    uint32_t addr, file, line;
    uint64_t taken, fell;
} BranchRuns;

typedef struct Branches {
    BranchRuns *items; /* sorted by address while blocks are added */
    size_t n;
} Branches;

static int branch_by_addr(const void *a, const void *b)
{
    const BranchRuns *x = a, *y = b;
    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* Every conditional branch among the rows' instructions, once each. */
static void branches_find(const DebugLines *dl, Branches *br)
{
    size_t capacity = 64;
    br->items = xcalloc(capacity, sizeof *br->items); /* never NULL */
    for (size_t r = 0; r < dl->nrows; r++) {
        const DebugRow *row = &dl->rows[r];
        unsigned len;
        const DebugCode *code;
        for (uint32_t addr = row->addr; addr < row->end && (code = insn_at(dl, addr, &len));
             addr += len) {
            if (!insn_is_branch(&code->bytes[addr - code->addr], len))
                continue;
            if (br->n == capacity) {
                capacity *= 2;
                br->items = xreallocarray(br->items, capacity, sizeof *br->items);
            }
            br->items[br->n++] = (BranchRuns){.addr = addr, .file = row->file,
                                              .line = row->line};
        }
    }
    if (!br->n)
        return; /* qsort may not take NULL, even for nothing */
    qsort(br->items, br->n, sizeof *br->items, branch_by_addr);
    size_t kept = 0;
    for (size_t i = 0; i < br->n; i++)
        if (!kept || br->items[kept - 1].addr != br->items[i].addr)
            br->items[kept++] = br->items[i];
    br->n = kept;
}

static void branch_add_runs(Branches *br, const BlockRuns *b)
{
    BranchRuns key = {.addr = b->last_pc};
    if (!br->n)
        return;
    BranchRuns *found = bsearch(&key, br->items, br->n, sizeof *br->items, branch_by_addr);
    if (!found || b->trapped)
        return; /* not a branch, or it did not retire */
    found->taken += b->taken;
    found->fell += b->runs - b->taken;
}

/* ---- lines and functions ---- */

typedef struct LineRuns {
    uint32_t file, line;
    uint64_t runs;
} LineRuns;

/* Runs of the row's most executed instruction (of the one at its address
 * for a row without instructions of its own). */
static uint64_t row_runs(const InsnCounts *ic, const DebugRow *row)
{
    uint64_t most = 0;
    uint32_t addr = row->addr;
    do {
        unsigned len;
        const DebugCode *code = insn_at(ic->lines, addr, &len);
        if (!code)
            break;
        uint64_t runs = *insn_runs(ic, code, addr);
        most = runs > most ? runs : most;
        addr += len;
    } while (addr < row->end);
    return most;
}

typedef struct FunctionRuns {
    const char *name;
    uint32_t file, line;
    uint64_t runs;
} FunctionRuns;

/* ---- the report ---- */

typedef struct Report {
    const DebugLines *dl;
    uint32_t *rank; /* file index -> its place in path order */
    LineRuns *lines;
    size_t nlines;
    FunctionRuns *functions;
    size_t nfunctions;
    Branches branches;
} Report;

/* The comparisons sort by file in path order (qsort_r's context: the
 * Report), then by line. */
static int by_file_line(const Report *r, uint32_t fa, uint32_t la, uint32_t fb, uint32_t lb)
{
    uint32_t ra = r->rank[fa], rb = r->rank[fb];
    if (ra != rb)
        return ra < rb ? -1 : 1;
    return la < lb ? -1 : la > lb;
}

static int line_order(const void *a, const void *b, void *report)
{
    const LineRuns *x = a, *y = b;
    return by_file_line(report, x->file, x->line, y->file, y->line);
}

static int branch_order(const void *a, const void *b, void *report)
{
    const BranchRuns *x = a, *y = b;
    int c = by_file_line(report, x->file, x->line, y->file, y->line);
    return c ? c : x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int function_by_name(const void *a, const void *b, void *report)
{
    const FunctionRuns *x = a, *y = b;
    const Report *r = report;
    uint32_t ra = r->rank[x->file], rb = r->rank[y->file];
    if (ra != rb)
        return ra < rb ? -1 : 1;
    return strcmp(x->name, y->name);
}

static int function_order(const void *a, const void *b, void *report)
{
    const FunctionRuns *x = a, *y = b;
    int c = by_file_line(report, x->file, x->line, y->file, y->line);
    return c ? c : strcmp(x->name, y->name);
}

static int path_order(const void *a, const void *b, void *files)
{
    const uint32_t *x = a, *y = b;
    char *const *paths = files;
    return strcmp(paths[*x], paths[*y]);
}

/* rank[file]: the file's place when sorted by path. */
static void report_rank_files(Report *r)
{
    size_t n = r->dl->nfiles;
    uint32_t *order = xcalloc(n ? n : 1, sizeof *order);
    for (size_t i = 0; i < n; i++)
        order[i] = (uint32_t)i;
    qsort_r(order, n, sizeof *order, path_order, r->dl->files);
    r->rank = xcalloc(n ? n : 1, sizeof *r->rank);
    for (size_t i = 0; i < n; i++)
        r->rank[order[i]] = (uint32_t)i;
    free(order);
}

/* One entry per line, the largest count of its rows. */
static void report_lines(Report *r, const InsnCounts *ic)
{
    const DebugLines *dl = r->dl;
    r->lines = xcalloc(dl->nrows ? dl->nrows : 1, sizeof *r->lines);
    for (size_t i = 0; i < dl->nrows; i++)
        r->lines[i] = (LineRuns){dl->rows[i].file, dl->rows[i].line, row_runs(ic, &dl->rows[i])};
    qsort_r(r->lines, dl->nrows, sizeof *r->lines, line_order, r);
    size_t kept = 0;
    for (size_t i = 0; i < dl->nrows; i++) {
        LineRuns *prev = kept ? &r->lines[kept - 1] : NULL;
        if (prev && prev->file == r->lines[i].file && prev->line == r->lines[i].line)
            prev->runs = r->lines[i].runs > prev->runs ? r->lines[i].runs : prev->runs;
        else
            r->lines[kept++] = r->lines[i];
    }
    r->nlines = kept;
}

/* One entry per function name and file, copies summed. */
static void report_functions(Report *r, const InsnCounts *ic)
{
    const DebugLines *dl = r->dl;
    r->functions = xcalloc(dl->nfunctions ? dl->nfunctions : 1, sizeof *r->functions);
    for (size_t i = 0; i < dl->nfunctions; i++) {
        const DebugFunction *f = &dl->functions[i];
        unsigned len;
        const DebugCode *code = insn_at(dl, f->entry, &len);
        r->functions[i] = (FunctionRuns){f->name, f->file, f->line,
                                         code ? *insn_runs(ic, code, f->entry) : 0};
    }
    qsort_r(r->functions, dl->nfunctions, sizeof *r->functions, function_by_name, r);
    size_t kept = 0;
    for (size_t i = 0; i < dl->nfunctions; i++) {
        FunctionRuns *prev = kept ? &r->functions[kept - 1] : NULL;
        FunctionRuns *f = &r->functions[i];
        if (prev && prev->file == f->file && strcmp(prev->name, f->name) == 0) {
            prev->runs += f->runs;
            prev->line = f->line < prev->line ? f->line : prev->line;
        } else {
            r->functions[kept++] = *f;
        }
    }
    r->nfunctions = kept;
    qsort_r(r->functions, r->nfunctions, sizeof *r->functions, function_order, r);
}

/* Counts per instruction from the blocks; foreign blocks counted. */
static void count_instructions(Coverage *cov, InsnCounts *ic, Branches *br)
{
    const DebugLines *dl = cov->lines;
    ic->lines = dl;
    ic->runs = xcalloc(dl->ncode ? dl->ncode : 1, sizeof *ic->runs);
    for (size_t i = 0; i < dl->ncode; i++)
        ic->runs[i] = xcalloc(dl->code[i].size / 2 + 1, sizeof *ic->runs[i]);
    cov->foreign = 0;
    for (size_t i = 0; i < cov->capacity; i++) {
        const BlockRuns *b = &cov->slots[i];
        if (!b->ninsns)
            continue;
        BlockFit fit = block_fit(dl, b);
        cov->foreign += fit == BLOCK_FOREIGN;
        if (fit == BLOCK_OURS)
            block_add_runs(ic, b);
        else if (fit == BLOCK_FOREIGN && block_last_is_ours(dl, b))
            block_add_last_runs(ic, b);
        else
            continue;
        branch_add_runs(br, b);
    }
}

static void write_functions(FILE *out, const FunctionRuns *f, size_t n)
{
    size_t hit = 0;
    for (size_t i = 0; i < n; i++)
        fprintf(out, "FN:%u,%s\n", f[i].line, f[i].name);
    for (size_t i = 0; i < n; i++) {
        fprintf(out, "FNDA:%llu,%s\n", (unsigned long long)f[i].runs, f[i].name);
        hit += f[i].runs > 0;
    }
    fprintf(out, "FNF:%zu\nFNH:%zu\n", n, hit);
}

static void write_branches(FILE *out, const BranchRuns *b, size_t n)
{
    size_t hit = 0;
    unsigned block = 0;
    for (size_t i = 0; i < n; i++) {
        block = i > 0 && b[i - 1].line == b[i].line ? block + 1 : 0;
        if (b[i].taken + b[i].fell == 0) {
            fprintf(out, "BRDA:%u,%u,0,-\nBRDA:%u,%u,1,-\n", b[i].line, block, b[i].line,
                    block);
            continue;
        }
        fprintf(out, "BRDA:%u,%u,0,%llu\nBRDA:%u,%u,1,%llu\n", b[i].line, block,
                (unsigned long long)b[i].taken, b[i].line, block,
                (unsigned long long)b[i].fell);
        hit += (b[i].taken > 0) + (b[i].fell > 0);
    }
    if (n)
        fprintf(out, "BRF:%zu\nBRH:%zu\n", 2 * n, hit);
}

static void write_lines(FILE *out, const LineRuns *l, size_t n)
{
    size_t hit = 0;
    for (size_t i = 0; i < n; i++) {
        fprintf(out, "DA:%u,%llu\n", l[i].line, (unsigned long long)l[i].runs);
        hit += l[i].runs > 0;
    }
    fprintf(out, "LF:%zu\nLH:%zu\n", n, hit);
}

/* How many of the n entries of `items` (each `stride` bytes, its file
 * index at `offset`) from `at` on belong to `file`. */
static size_t span(const void *items, size_t stride, size_t offset, size_t n, size_t at,
                   uint32_t file)
{
    size_t end = at;
    while (end < n) {
        uint32_t f;
        memcpy(&f, (const char *)items + end * stride + offset, sizeof f);
        if (f != file)
            break;
        end++;
    }
    return end - at;
}

static void write_records(FILE *out, const Report *r)
{
    const DebugLines *dl = r->dl;
    uint32_t *order = xcalloc(dl->nfiles ? dl->nfiles : 1, sizeof *order);
    for (size_t i = 0; i < dl->nfiles; i++)
        order[r->rank[i]] = (uint32_t)i;
    size_t f = 0, b = 0, l = 0;
    for (size_t i = 0; i < dl->nfiles; i++) {
        uint32_t file = order[i];
        size_t nf = span(r->functions, sizeof(FunctionRuns), offsetof(FunctionRuns, file),
                         r->nfunctions, f, file);
        size_t nb = span(r->branches.items, sizeof(BranchRuns), offsetof(BranchRuns, file),
                         r->branches.n, b, file);
        size_t nl = span(r->lines, sizeof(LineRuns), offsetof(LineRuns, file), r->nlines, l,
                         file);
        if (nf + nb + nl == 0)
            continue;
        fprintf(out, "SF:%s\n", dl->files[file]);
        write_functions(out, &r->functions[f], nf);
        write_branches(out, &r->branches.items[b], nb);
        write_lines(out, &r->lines[l], nl);
        fputs("end_of_record\n", out);
        f += nf, b += nb, l += nl;
    }
    free(order);
}

bool coverage_write_lcov(Coverage *cov, FILE *out)
{
    Report r = {.dl = cov->lines};
    InsnCounts ic;
    report_rank_files(&r);
    branches_find(cov->lines, &r.branches);
    count_instructions(cov, &ic, &r.branches);
    report_lines(&r, &ic);
    report_functions(&r, &ic);
    if (r.branches.n)
        qsort_r(r.branches.items, r.branches.n, sizeof *r.branches.items, branch_order, &r);
    fputs("TN:\n", out);
    write_records(out, &r);
    for (size_t i = 0; i < cov->lines->ncode; i++)
        free(ic.runs[i]);
    free(ic.runs);
    free(r.rank);
    free(r.lines);
    free(r.functions);
    free(r.branches.items);
    return fflush(out) == 0 && !ferror(out);
}
