/* The profiler (sim/profile.h): a shadow call stack over the CPU's
 * execution events, and a calling-context tree whose nodes count the
 * cycles, instructions and entries of each distinct stack. */
#include "sim/profile.h"
#include "soc/alloc.h"

#include <stdlib.h>
#include <string.h>

/* Frames deeper than this are counted, not kept: a runaway recursion
 * costs no memory (its cycles go to the deepest frame kept). */
#define PROFILE_MAX_DEPTH 1024
/* Distinct unnamed entry addresses named by address; the rest share one. */
#define PROFILE_MAX_UNNAMED 256
/* A size-less symbol reaches to the next one, at most this far. */
#define PROFILE_LABEL_REACH 0x10000u

#define NO_NODE UINT32_MAX
#define NO_FUNC UINT32_MAX

typedef enum FuncKind {
    FUNC_CODE,   /* a symbol's range [lo, hi) */
    FUNC_UNNAMED, /* code outside every symbol, named by an entry address */
    FUNC_MARKER, /* [irq N], [exception N]: what a trap interrupted */
    FUNC_SLEEP,  /* [sleep]: wfi */
} FuncKind;

typedef struct Func {
    uint32_t lo, hi; /* FUNC_CODE */
    FuncKind kind;
    char *name;
    uint64_t calls; /* entries, deeper than PROFILE_MAX_DEPTH too */
} Func;

/* One distinct stack: its parent's stack plus `func`. */
typedef struct Node {
    uint32_t parent, func;
    uint64_t self_cycles, instructions;
} Node;

/* How the last instruction of a block moves the stack (the return-address
 * stack hints of the RISC-V unprivileged spec, jalr's table). */
typedef enum Transfer {
    XFER_NONE,
    XFER_JUMP,   /* a jump that links nothing: in the function, or a tail call */
    XFER_CALL,   /* push */
    XFER_RETURN, /* pop */
    XFER_SWAP,   /* pop, then push (a coroutine switch) */
    XFER_MRET,   /* back to what the trap interrupted */
} Transfer;

struct Profile {
    Cpu *cpu;
    bool listening;
    Func *funcs; /* the code symbols first (ncode, sorted), then the rest */
    size_t nfuncs, ncode, funcs_cap;
    Node *nodes; /* nodes[0] is the root above every stack */
    size_t nnodes, nodes_cap;
    uint32_t *table; /* (parent, func) -> node: open addressing, NO_NODE empty */
    size_t table_cap;
    uint32_t *stack; /* node ids, stack[0] the outermost frame */
    size_t depth;
    uint32_t top_lo, top_span; /* the top frame's code (span 0: not a symbol's) */
    uint64_t overflow; /* frames past PROFILE_MAX_DEPTH, not kept */
    uint64_t last_cycles;
    uint64_t instructions;
    bool sleeping;       /* in wfi, by the last mode event */
    bool after_jump;     /* the last block ended in a plain jump */
    uint32_t expected;   /* where the next block starts, unless the run
                            was turned elsewhere (a reset, a debugger) */
    uint64_t tail_calls; /* followed as such */
    uint64_t resyncs;    /* stacks put right another way (sim/profile.h) */
    size_t nunnamed;
    uint32_t unnamed_shared; /* the function for unnamed code past the cap */
};

/* ---- functions ---- */

static uint32_t add_func(Profile *p, FuncKind kind, uint32_t lo, uint32_t hi, char *name)
{
    if (p->nfuncs == p->funcs_cap) {
        p->funcs_cap = p->funcs_cap ? p->funcs_cap * 2 : 64;
        p->funcs = xreallocarray(p->funcs, p->funcs_cap, sizeof *p->funcs);
    }
    /* Folded stacks split frames at ';' and lines at '\n'. */
    for (char *c = name; *c; c++)
        if (*c == ';' || (unsigned char)*c < 0x20)
            *c = '_';
    p->funcs[p->nfuncs] = (Func){.lo = lo, .hi = hi, .kind = kind, .name = name};
    return (uint32_t)p->nfuncs++;
}

/* The code symbols as disjoint ranges: a sized symbol covers its size, a
 * label reaches to the next symbol; a symbol inside another's range (a
 * second name at one address, a label inside a function) is left out. */
static void load_functions(Profile *p, const ElfSymbols *syms)
{
    size_t n;
    const ElfCodeSymbol *code = elf_symbols_code(syms, &n);
    uint32_t covered_to = 0;
    bool covered = false;
    for (size_t i = 0; i < n; i++) {
        const ElfCodeSymbol *s = &code[i];
        if (covered && s->addr < covered_to)
            continue;
        uint64_t end = (uint64_t)s->addr + (s->size ? s->size : PROFILE_LABEL_REACH);
        for (size_t j = i + 1; !s->size && j < n; j++) {
            if (code[j].addr > s->addr) {
                end = end < code[j].addr ? end : code[j].addr;
                break;
            }
        }
        if (end > UINT32_MAX)
            end = UINT32_MAX;
        if (end <= s->addr)
            continue;
        add_func(p, FUNC_CODE, s->addr, (uint32_t)end, xstrdup(s->name));
        covered_to = (uint32_t)end;
        covered = true;
    }
    p->ncode = p->nfuncs;
}

/* The symbol function covering pc; NO_FUNC when none. */
static uint32_t code_func_at(const Profile *p, uint32_t pc)
{
    size_t lo = 0, hi = p->ncode;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (p->funcs[mid].lo <= pc)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0 || pc >= p->funcs[lo - 1].hi)
        return NO_FUNC;
    return (uint32_t)(lo - 1);
}

static uint32_t named_func(Profile *p, FuncKind kind, const char *name)
{
    for (size_t i = p->ncode; i < p->nfuncs; i++)
        if (p->funcs[i].kind == kind && strcmp(p->funcs[i].name, name) == 0)
            return (uint32_t)i;
    return add_func(p, kind, 0, 0, xstrdup(name));
}

/* The function of code entered at pc: its symbol's, or one named by pc. */
static uint32_t func_entered_at(Profile *p, uint32_t pc)
{
    uint32_t f = code_func_at(p, pc);
    if (f != NO_FUNC)
        return f;
    char name[16];
    snprintf(name, sizeof name, "0x%08x", pc);
    for (size_t i = p->ncode; i < p->nfuncs; i++)
        if (p->funcs[i].kind == FUNC_UNNAMED && strcmp(p->funcs[i].name, name) == 0)
            return (uint32_t)i;
    if (p->nunnamed == PROFILE_MAX_UNNAMED)
        return p->unnamed_shared != NO_FUNC
                   ? p->unnamed_shared
                   : (p->unnamed_shared = add_func(p, FUNC_UNNAMED, 0, 0,
                                                   xstrdup("[unnamed code]")));
    p->nunnamed++;
    return add_func(p, FUNC_UNNAMED, 0, 0, xstrdup(name));
}

/* Whether pc may belong to f: inside its range, or, for code outside
 * every symbol, anywhere outside every symbol. */
static bool func_holds(const Profile *p, uint32_t f, uint32_t pc)
{
    const Func *fn = &p->funcs[f];
    if (fn->kind == FUNC_CODE)
        return pc >= fn->lo && pc < fn->hi;
    return fn->kind == FUNC_UNNAMED && code_func_at(p, pc) == NO_FUNC;
}

/* ---- the calling-context tree ---- */

static size_t slot_of(uint32_t parent, uint32_t func, size_t cap)
{
    uint64_t key = (uint64_t)parent << 32 | func;
    key *= 0x9e3779b97f4a7c15ull;
    return (size_t)(key >> 32) & (cap - 1);
}

static void table_insert(Profile *p, uint32_t id)
{
    size_t i = slot_of(p->nodes[id].parent, p->nodes[id].func, p->table_cap);
    while (p->table[i] != NO_NODE)
        i = (i + 1) & (p->table_cap - 1);
    p->table[i] = id;
}

static void table_grow(Profile *p)
{
    free(p->table);
    p->table_cap = p->table_cap ? p->table_cap * 2 : 256;
    p->table = xreallocarray(NULL, p->table_cap, sizeof *p->table);
    memset(p->table, 0xff, p->table_cap * sizeof *p->table);
    for (size_t id = 1; id < p->nnodes; id++)
        table_insert(p, (uint32_t)id);
}

static uint32_t new_node(Profile *p, uint32_t parent, uint32_t func)
{
    if (p->nnodes == p->nodes_cap) {
        p->nodes_cap = p->nodes_cap ? p->nodes_cap * 2 : 256;
        p->nodes = xreallocarray(p->nodes, p->nodes_cap, sizeof *p->nodes);
    }
    p->nodes[p->nnodes] = (Node){.parent = parent, .func = func};
    return (uint32_t)p->nnodes++;
}

/* The node for stack `parent` + func, made on first use. */
static uint32_t child(Profile *p, uint32_t parent, uint32_t func)
{
    size_t i = slot_of(parent, func, p->table_cap);
    for (; p->table[i] != NO_NODE; i = (i + 1) & (p->table_cap - 1)) {
        const Node *n = &p->nodes[p->table[i]];
        if (n->parent == parent && n->func == func)
            return p->table[i];
    }
    uint32_t id = new_node(p, parent, func);
    if (2 * p->nnodes > p->table_cap)
        table_grow(p);
    else
        p->table[i] = id;
    return id;
}

/* ---- the shadow stack ---- */

static uint32_t top(const Profile *p)
{
    return p->stack[p->depth - 1];
}

static uint32_t top_func(const Profile *p)
{
    return p->nodes[top(p)].func;
}

/* The top frame's range, kept for the test every block makes. */
static void set_depth(Profile *p, size_t depth)
{
    p->depth = depth;
    const Func *f = depth ? &p->funcs[top_func(p)] : NULL;
    bool code = f && f->kind == FUNC_CODE;
    p->top_lo = code ? f->lo : 0;
    p->top_span = code ? f->hi - f->lo : 0;
}

static void push(Profile *p, uint32_t func)
{
    p->funcs[func].calls++;
    if (p->depth == PROFILE_MAX_DEPTH) {
        p->overflow++;
        return;
    }
    uint32_t id = child(p, p->depth ? top(p) : 0, func);
    p->stack[p->depth] = id;
    set_depth(p, p->depth + 1);
}

/* The frames above the innermost trap marker start here. */
static size_t context_base(const Profile *p)
{
    for (size_t i = p->depth; i > 0; i--)
        if (p->funcs[p->nodes[p->stack[i - 1]].func].kind == FUNC_MARKER)
            return i;
    return 0;
}

/* A return: the top frame goes, never a trap's marker (mret's to pop). */
static void pop(Profile *p)
{
    if (p->overflow) {
        p->overflow--;
        return;
    }
    if (p->depth > context_base(p))
        set_depth(p, p->depth - 1);
}

/* mret: back to the frame the innermost trap interrupted. */
static void pop_trap(Profile *p)
{
    p->overflow = 0;
    size_t base = context_base(p);
    if (base > 0)
        set_depth(p, base - 1);
}

/* Code runs at pc, outside the top frame's function: a tail call (a
 * plain jump to another function's entry) replaces the top frame; a
 * function deeper in the trap's context is popped back to (a longjmp);
 * anything else (a context switch) starts the context over from pc's
 * function. */
static void resync(Profile *p, uint32_t pc)
{
    p->overflow = 0;
    size_t base = context_base(p);
    uint32_t f = code_func_at(p, pc);
    bool entry = f != NO_FUNC && p->funcs[f].lo == pc;
    if (p->after_jump && entry && p->depth > base) {
        p->tail_calls++;
        p->depth--;
        push(p, f);
        return;
    }
    p->resyncs++;
    for (size_t i = p->depth; i > base; i--) {
        if (func_holds(p, p->nodes[p->stack[i - 1]].func, pc)) {
            set_depth(p, i);
            return;
        }
    }
    p->depth = base;
    push(p, func_entered_at(p, pc));
}

/* The stack's frame must hold pc; a trap's marker (nothing above it yet)
 * takes the code it runs as its first frame. Past PROFILE_MAX_DEPTH the
 * running function is not kept, so nothing can be checked. */
static void check_pc(Profile *p, uint32_t pc)
{
    if (pc - p->top_lo < p->top_span || p->overflow)
        return; /* the common case, without a look at the tables */
    if (p->depth == 0 || !func_holds(p, top_func(p), pc))
        resync(p, pc);
}

/* A block starts at pc. Not where the last one left the hart: the run
 * was turned elsewhere between blocks (a reset, a watchdog's, a debugger
 * setting the pc), and every frame goes, trap markers too. */
static void check_block_start(Profile *p, uint32_t pc)
{
    if (pc != p->expected) {
        p->resyncs++;
        p->overflow = 0;
        p->depth = 0;
        push(p, func_entered_at(p, pc));
        return;
    }
    check_pc(p, pc);
}

/* ---- cycles ---- */

/* Cycles since the last event go to the top frame, or to [sleep] under
 * it while the hart sleeps. */
static void charge(Profile *p, uint64_t now)
{
    if (now <= p->last_cycles)
        return;
    uint64_t delta = now - p->last_cycles;
    p->last_cycles = now;
    uint32_t node = top(p);
    if (p->sleeping)
        node = child(p, node, named_func(p, FUNC_SLEEP, "[sleep]"));
    p->nodes[node].self_cycles += delta;
}

/* ---- the events ---- */

static bool is_link(unsigned reg)
{
    return reg == 1 || reg == 5; /* ra, t0 */
}

static Transfer jalr_transfer(unsigned rd, unsigned rs1)
{
    if (is_link(rd))
        return is_link(rs1) && rd != rs1 ? XFER_SWAP : XFER_CALL;
    return is_link(rs1) ? XFER_RETURN : XFER_JUMP;
}

static Transfer compressed_transfer(uint32_t bits)
{
    unsigned op = bits & 3, funct3 = (bits >> 13) & 7;
    if (op == 1 && funct3 == 1)
        return XFER_CALL; /* c.jal (RV32): jal ra */
    if (op == 1 && funct3 == 5)
        return XFER_JUMP; /* c.j */
    unsigned rs1 = (bits >> 7) & 31, rs2 = (bits >> 2) & 31;
    if (op != 2 || funct3 != 4 || rs2 != 0 || rs1 == 0)
        return XFER_NONE;
    return jalr_transfer((bits >> 12) & 1 ? 1 : 0, rs1); /* c.jalr : c.jr */
}

static Transfer transfer_of(uint32_t bits)
{
    if ((bits & 3) != 3)
        return compressed_transfer(bits & 0xffff);
    if (bits == 0x30200073u)
        return XFER_MRET;
    unsigned opcode = bits & 0x7f, rd = (bits >> 7) & 31, rs1 = (bits >> 15) & 31;
    if (opcode == 0x6f)
        return is_link(rd) ? XFER_CALL : XFER_JUMP;
    if (opcode == 0x67 && ((bits >> 12) & 7) == 0)
        return jalr_transfer(rd, rs1);
    return XFER_NONE;
}

static void on_block(Profile *p, const Cpu *cpu, const CpuExecEvent *e)
{
    check_block_start(p, e->start);
    charge(p, e->cycles);
    p->nodes[top(p)].instructions += e->ninsns;
    p->instructions += e->ninsns;
    Transfer t = transfer_of(e->last_bits);
    p->after_jump = t == XFER_JUMP;
    p->expected = cpu_get_pc(cpu);
    switch (t) {
    case XFER_CALL:
        push(p, func_entered_at(p, cpu_get_pc(cpu)));
        break;
    case XFER_SWAP:
        pop(p);
        push(p, func_entered_at(p, cpu_get_pc(cpu)));
        break;
    case XFER_RETURN:
        pop(p);
        break;
    case XFER_MRET:
        pop_trap(p);
        break;
    case XFER_NONE:
    case XFER_JUMP:
        break; /* the next block's start tells */
    }
}

static void on_trap(Profile *p, const Cpu *cpu, const CpuExecEvent *e)
{
    check_pc(p, e->epc);
    charge(p, e->cycles);
    p->after_jump = false;
    bool irq = e->mcause & 0x80000000u;
    char name[40];
    snprintf(name, sizeof name, irq ? "[irq %u]" : "[exception %u]",
             (unsigned)(e->mcause & 0x7fffffffu));
    push(p, named_func(p, FUNC_MARKER, name));
    push(p, func_entered_at(p, cpu_get_pc(cpu)));
    p->expected = cpu_get_pc(cpu);
}

/* Only sleep matters here: its cycles are charged when the hart wakes.
 * A change of privilege moves no frame (the blocks and traps say how the
 * code got where it is). */
static void on_mode(Profile *p, const CpuExecEvent *e)
{
    if (e->sleeping && !p->sleeping) {
        p->sleeping = true;
        uint32_t sleep = named_func(p, FUNC_SLEEP, "[sleep]");
        p->funcs[sleep].calls++;
        child(p, top(p), sleep); /* in the report even if it sleeps no cycle */
    } else if (!e->sleeping && p->sleeping) {
        charge(p, e->cycles);
        p->sleeping = false;
    }
}

static void profile_event(void *opaque, const Cpu *cpu, const CpuExecEvent *e)
{
    Profile *p = opaque;
    switch (e->kind) {
    case CPU_EXEC_BLOCK: on_block(p, cpu, e); break;
    case CPU_EXEC_TRAP: on_trap(p, cpu, e); break;
    case CPU_EXEC_MODE: on_mode(p, e); break;
    }
}

/* ---- life ---- */

Profile *profile_new(Cpu *cpu, const ElfSymbols *syms, Error **errp)
{
    Profile *p = xcalloc(1, sizeof *p);
    p->cpu = cpu;
    p->unnamed_shared = NO_FUNC;
    load_functions(p, syms);
    new_node(p, NO_NODE, NO_FUNC); /* the root */
    table_grow(p);
    p->stack = xreallocarray(NULL, PROFILE_MAX_DEPTH, sizeof *p->stack);
    p->last_cycles = cpu_cycles(cpu);
    p->sleeping = cpu_sleeping(cpu);
    p->expected = cpu_get_pc(cpu);
    push(p, func_entered_at(p, cpu_get_pc(cpu)));
    if (!cpu_add_exec_observer(cpu, CPU_EXEC_BLOCK | CPU_EXEC_TRAP | CPU_EXEC_MODE,
                               profile_event, p)) {
        error_setf(errp, "the CPU cannot take another execution observer "
                   "(at most %d at once)", CPU_EXEC_OBSERVERS);
        p->cpu = NULL;
        profile_free(p);
        return NULL;
    }
    p->listening = true;
    return p;
}

/* Counts the cycles up to now (while listening). */
static void settle(Profile *p)
{
    if (p->listening)
        charge(p, cpu_cycles(p->cpu));
}

void profile_stop(Profile *p)
{
    if (!p || !p->listening)
        return;
    settle(p);
    cpu_remove_exec_observer(p->cpu, profile_event, p);
    p->listening = false;
}

void profile_free(Profile *p)
{
    if (!p)
        return;
    profile_stop(p);
    for (size_t i = 0; i < p->nfuncs; i++)
        free(p->funcs[i].name);
    free(p->funcs);
    free(p->nodes);
    free(p->table);
    free(p->stack);
    free(p);
}

uint64_t profile_total_cycles(Profile *p)
{
    settle(p);
    uint64_t total = 0;
    for (size_t i = 1; i < p->nnodes; i++)
        total += p->nodes[i].self_cycles;
    return total;
}

uint64_t profile_total_instructions(const Profile *p)
{
    return p->instructions;
}

/* ---- output ---- */

/* Node ids from the outermost frame to `id`, into path[]; returns how
 * many. */
static size_t node_path(const Profile *p, uint32_t id, uint32_t *path)
{
    size_t n = 0;
    for (uint32_t i = id; i != 0; i = p->nodes[i].parent)
        n++;
    size_t k = n;
    for (uint32_t i = id; i != 0; i = p->nodes[i].parent)
        path[--k] = i;
    return n;
}

static char *folded_stack(const Profile *p, uint32_t id, uint32_t *path)
{
    size_t n = node_path(p, id, path), len = 0;
    for (size_t i = 0; i < n; i++)
        len += strlen(p->funcs[p->nodes[path[i]].func].name) + 1;
    char *text = xmalloc(len + 1), *at = text;
    for (size_t i = 0; i < n; i++) {
        const char *name = p->funcs[p->nodes[path[i]].func].name;
        size_t l = strlen(name);
        memcpy(at, name, l);
        at += l;
        *at++ = i + 1 < n ? ';' : '\0';
    }
    if (n == 0)
        *at = '\0';
    return text;
}

typedef struct Sample {
    char *stack; /* folded */
    uint32_t node;
} Sample;

static int sample_order(const void *a, const void *b)
{
    const Sample *x = a, *y = b;
    return strcmp(x->stack, y->stack);
}

/* The stacks that spent cycles in their last frame, sorted by their
 * folded text (distinct stacks, distinct texts: names are distinct). */
static Sample *samples(Profile *p, size_t *count)
{
    settle(p);
    uint32_t *path = xreallocarray(NULL, PROFILE_MAX_DEPTH + 2, sizeof *path);
    Sample *s = xreallocarray(NULL, p->nnodes, sizeof *s);
    size_t n = 0;
    for (size_t id = 1; id < p->nnodes; id++)
        if (p->nodes[id].self_cycles)
            s[n++] = (Sample){folded_stack(p, (uint32_t)id, path), (uint32_t)id};
    free(path);
    if (n)
        qsort(s, n, sizeof *s, sample_order);
    *count = n;
    return s;
}

static void free_samples(Sample *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(s[i].stack);
    free(s);
}

bool profile_write_folded(Profile *p, FILE *out)
{
    size_t n;
    Sample *s = samples(p, &n);
    bool ok = true;
    for (size_t i = 0; i < n && ok; i++)
        ok = fprintf(out, "%s %llu\n", s[i].stack,
                     (unsigned long long)p->nodes[s[i].node].self_cycles) > 0;
    free_samples(s, n);
    return fflush(out) == 0 && ok;
}

static void put_json_string(FILE *out, const char *text)
{
    fputc('"', out);
    for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
        if (*c == '"' || *c == '\\')
            fprintf(out, "\\%c", *c);
        else if (*c < 0x20 || *c >= 0x7f)
            fprintf(out, "\\u%04x", *c); /* bytes, not UTF-8: names are ASCII */
        else
            fputc(*c, out);
    }
    fputc('"', out);
}

/* Frame indexes in order of first use by the sorted samples. */
static uint32_t *frame_indexes(const Profile *p, const Sample *s, size_t n,
                               uint32_t **order, size_t *nframes)
{
    uint32_t *index = xreallocarray(NULL, p->nfuncs ? p->nfuncs : 1, sizeof *index);
    memset(index, 0xff, (p->nfuncs ? p->nfuncs : 1) * sizeof *index);
    *order = xreallocarray(NULL, p->nfuncs ? p->nfuncs : 1, sizeof **order);
    *nframes = 0;
    uint32_t *path = xreallocarray(NULL, PROFILE_MAX_DEPTH + 2, sizeof *path);
    for (size_t i = 0; i < n; i++) {
        size_t len = node_path(p, s[i].node, path);
        for (size_t k = 0; k < len; k++) {
            uint32_t f = p->nodes[path[k]].func;
            if (index[f] == UINT32_MAX) {
                index[f] = (uint32_t)*nframes;
                (*order)[(*nframes)++] = f;
            }
        }
    }
    free(path);
    return index;
}

bool profile_write_speedscope(Profile *p, FILE *out, const char *name)
{
    size_t n, nframes;
    Sample *s = samples(p, &n);
    uint32_t *order;
    uint32_t *index = frame_indexes(p, s, n, &order, &nframes);
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += p->nodes[s[i].node].self_cycles;
    fprintf(out, "{\"$schema\":\"https://www.speedscope.app/file-format-schema.json\",\n"
            "\"exporter\":\"mcusim\",\"name\":");
    put_json_string(out, name);
    fprintf(out, ",\"activeProfileIndex\":0,\n\"shared\":{\"frames\":[");
    for (size_t i = 0; i < nframes; i++) {
        fprintf(out, "%s\n{\"name\":", i ? "," : "");
        put_json_string(out, p->funcs[order[i]].name);
        fputc('}', out);
    }
    fprintf(out, "]},\n\"profiles\":[{\"type\":\"sampled\",\"name\":");
    put_json_string(out, name);
    fprintf(out, ",\"unit\":\"none\",\"startValue\":0,\"endValue\":%llu,\n\"samples\":[",
            (unsigned long long)total);
    uint32_t *path = xreallocarray(NULL, PROFILE_MAX_DEPTH + 2, sizeof *path);
    for (size_t i = 0; i < n; i++) {
        size_t len = node_path(p, s[i].node, path);
        fprintf(out, "%s\n[", i ? "," : "");
        for (size_t k = 0; k < len; k++)
            fprintf(out, "%s%u", k ? "," : "", index[p->nodes[path[k]].func]);
        fputc(']', out);
    }
    fprintf(out, "],\n\"weights\":[");
    for (size_t i = 0; i < n; i++)
        fprintf(out, "%s%llu", i ? "," : "", (unsigned long long)p->nodes[s[i].node].self_cycles);
    fprintf(out, "]}]}\n");
    free(path);
    free(index);
    free(order);
    free_samples(s, n);
    return fflush(out) == 0 && !ferror(out);
}

/* ---- per function ---- */

static int function_order(const void *a, const void *b)
{
    const ProfileFunction *x = a, *y = b;
    if (x->self_cycles != y->self_cycles)
        return (x->self_cycles < y->self_cycles) - (x->self_cycles > y->self_cycles);
    if (x->total_cycles != y->total_cycles)
        return (x->total_cycles < y->total_cycles) - (x->total_cycles > y->total_cycles);
    return strcmp(x->name, y->name);
}

/* Whether a frame above `id` (its caller, theirs, ...) is the same
 * function: then id's cycles are in that frame's inclusive count already. */
static bool recursive(const Profile *p, uint32_t id)
{
    uint32_t f = p->nodes[id].func;
    for (uint32_t i = p->nodes[id].parent; i != 0; i = p->nodes[i].parent)
        if (p->nodes[i].func == f)
            return true;
    return false;
}

size_t profile_functions(Profile *p, ProfileFunction *out, size_t max)
{
    settle(p);
    ProfileFunction *all = xcalloc(p->nfuncs ? p->nfuncs : 1, sizeof *all);
    uint64_t *inclusive = xcalloc(p->nnodes, sizeof *inclusive);
    for (size_t id = p->nnodes; id-- > 1;) { /* children after parents */
        inclusive[id] += p->nodes[id].self_cycles;
        if (p->nodes[id].parent != 0)
            inclusive[p->nodes[id].parent] += inclusive[id];
    }
    bool *used = xcalloc(p->nfuncs ? p->nfuncs : 1, sizeof *used);
    for (size_t id = 1; id < p->nnodes; id++) {
        const Node *n = &p->nodes[id];
        ProfileFunction *f = &all[n->func];
        used[n->func] = true;
        f->self_cycles += n->self_cycles;
        f->instructions += n->instructions;
        if (!recursive(p, (uint32_t)id))
            f->total_cycles += inclusive[id];
    }
    size_t n = 0;
    for (size_t i = 0; i < p->nfuncs; i++) {
        if (!used[i])
            continue;
        all[i].name = p->funcs[i].name;
        all[i].calls = p->funcs[i].calls;
        all[n++] = all[i];
    }
    if (n)
        qsort(all, n, sizeof *all, function_order);
    size_t kept = n < max ? n : max;
    if (kept)
        memcpy(out, all, kept * sizeof *out);
    free(used);
    free(inclusive);
    free(all);
    return kept;
}

static double percent(uint64_t part, uint64_t whole)
{
    return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

void profile_write_report(Profile *p, FILE *out, unsigned n)
{
    uint64_t total = profile_total_cycles(p);
    ProfileFunction *f = xcalloc(n ? n : 1, sizeof *f);
    size_t kept = profile_functions(p, f, n);
    fprintf(out, "mcusim: profile: %llu cycles, %llu instructions; the top %zu "
            "functions by self cycles:\n", (unsigned long long)total,
            (unsigned long long)p->instructions, kept);
    fprintf(out, "%14s %7s %14s %7s %10s %14s  %s\n", "self cycles", "self%",
            "inclusive", "incl%", "calls", "instructions", "function");
    for (size_t i = 0; i < kept; i++)
        fprintf(out, "%14llu %6.2f%% %14llu %6.2f%% %10llu %14llu  %s\n",
                (unsigned long long)f[i].self_cycles, percent(f[i].self_cycles, total),
                (unsigned long long)f[i].total_cycles, percent(f[i].total_cycles, total),
                (unsigned long long)f[i].calls, (unsigned long long)f[i].instructions,
                f[i].name);
    if (p->tail_calls || p->resyncs)
        fprintf(out, "mcusim: profile: tail calls followed: %llu; call stacks rebuilt: "
                "%llu (docs/PROFILING.md)\n",
                (unsigned long long)p->tail_calls, (unsigned long long)p->resyncs);
    free(f);
}

/* ---- the files ---- */

struct ProfileOutputs {
    OutputFile **reports;
    char **paths;
    size_t n;
};

ProfileOutputs *profile_outputs_open(const char *const *paths, size_t npaths,
                                     const OutputInput *inputs, size_t ninputs,
                                     Error **errp)
{
    ProfileOutputs *outs = xcalloc(1, sizeof *outs);
    outs->reports = xcalloc(npaths ? npaths : 1, sizeof *outs->reports);
    outs->paths = xcalloc(npaths ? npaths : 1, sizeof *outs->paths);
    for (size_t i = 0; i < npaths; i++) {
        outs->reports[i] = output_file_open(paths[i], inputs, ninputs, errp);
        if (!outs->reports[i]) {
            profile_outputs_free(outs);
            return NULL;
        }
        outs->paths[i] = xstrdup(paths[i]);
        outs->n++;
    }
    return outs;
}

typedef struct WriteJob {
    Profile *p;
    const char *name;
} WriteJob;

static bool write_folded(void *opaque, FILE *out)
{
    const WriteJob *job = opaque;
    return profile_write_folded(job->p, out);
}

static bool write_speedscope(void *opaque, FILE *out)
{
    const WriteJob *job = opaque;
    return profile_write_speedscope(job->p, out, job->name);
}

static bool is_json(const char *path)
{
    size_t len = strlen(path);
    return len >= 5 && strcmp(path + len - 5, ".json") == 0;
}

bool profile_outputs_write(ProfileOutputs *outs, Profile *p, const char *name,
                           Error **errp)
{
    WriteJob job = {p, name};
    for (size_t i = 0; i < outs->n; i++) {
        OutputWriteFn fn = is_json(outs->paths[i]) ? write_speedscope : write_folded;
        if (!output_file_write(outs->reports[i], fn, &job, errp)) {
            error_prepend(errp, "%s: ", outs->paths[i]);
            return false;
        }
    }
    return true;
}

void profile_outputs_free(ProfileOutputs *outs)
{
    if (!outs)
        return;
    for (size_t i = 0; i < outs->n; i++) {
        output_file_free(outs->reports[i]);
        free(outs->paths[i]);
    }
    free(outs->reports);
    free(outs->paths);
    free(outs);
}
