/* Lockstep comparison of two harts running the same program, each on its
 * own identical memory system: for tests/unit/test_jit_lockstep.c (the
 * JIT against the interpreter). Header-only (static inline); include
 * after <cmocka.h>. Two ways: lockstep_run (block by block, below) and
 * lockstep_sliced (slices of random lengths, nothing observed, so the
 * engines chain blocks; see there). Neither touches guest memory or
 * changes what the firmware sees.
 *
 * lockstep_run: both sides run one block per cpu_run (a block observer that asks to
 * stop after every block and every trap, cpu_set_block_observer). The
 * side behind in retired instructions is advanced, the JIT side first on
 * a tie, so neither runs ahead of the other by more than a block.
 *
 * What is compared, and when:
 * - at every retired count where both sides had a block boundary, the
 *   state each side had when it LEFT that count (its last observation
 *   there: a trap or interrupt taken at that boundary is included on
 *   both sides, however the engines split their blocks): pc, x0-x31,
 *   mstatus, mepc, mcause, mtval, mip, mie, mscratch, mtvec, privilege,
 *   wfi sleep, cycles (the clock's own `now` is shown in reports but not
 *   compared: between runs it lags cycles by as much as the last
 *   look-around or device access left it, which depends on block shapes,
 *   in the interpreter too);
 * - RAM, whenever both sides stand at the same retired count (guest RAM
 *   changes only when instructions retire, so any boundary at that count
 *   will do): byte for byte, every window the caller gave, at every such
 *   count or at every ram_every-th one (large memories);
 * - at the end: both ended at the same count (the program's own stop, or
 *   LsOptions.max_insns), the same final state and RAM.
 * The first difference fails the run: LsResult.report holds both states,
 * the differing fields (or the first differing RAM address), the retired
 * count and where the two last agreed.
 */
#ifndef TESTS_UNIT_LOCKSTEP_H
#define TESTS_UNIT_LOCKSTEP_H

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sim/cpu/cpu_internal.h"

#define LS_WINDOWS_MAX 4

/* A RAM range compared between the sides; host is this side's copy. */
typedef struct LsWindow {
    uint32_t addr;
    uint32_t len;
    const uint8_t *host;
} LsWindow;

/* The CSRs compared, by number. */
static const unsigned ls_csrs[] = {
    CSR_MSTATUS, CSR_MEPC, CSR_MCAUSE, CSR_MTVAL, CSR_MIP, CSR_MIE,
    CSR_MSCRATCH, CSR_MTVEC,
};
static const char *const ls_csr_names[] = {
    "mstatus", "mepc", "mcause", "mtval", "mip", "mie", "mscratch", "mtvec",
};
#define LS_NCSRS (sizeof ls_csrs / sizeof ls_csrs[0])

/* What one side looked like at one observation. */
typedef struct LsState {
    uint64_t retired, cycles;
    uint64_t clock_now;  /* the side's Clock (0 without one): shown only */
    uint32_t pc;
    uint32_t x[32];
    uint32_t csr[LS_NCSRS];
    unsigned priv;
    bool waiting;
} LsState;

typedef struct LsSide {
    const char *name; /* "jit", "interpreter" */
    Cpu *cpu;
    const Clock *clock; /* virtual time as devices see it, or NULL */
    LsWindow windows[LS_WINDOWS_MAX];
    unsigned nwindows;
    /* Filled by lockstep_run. */
    bool finished;
    bool observed;     /* the observer ran in the current cpu_run */
    uint64_t steps;    /* cpu_run calls */
    LsState now;       /* at the latest observation */
    LsState left;      /* at the last observation of the count it left */
    bool has_left;
} LsSide;

typedef struct LsOptions {
    /* Both sides stop here (0: at the program's own stop). */
    uint64_t max_insns;
    /* RAM is compared at every n-th count both stand at (0 or 1: every). */
    unsigned ram_every;
    /* Called after every step of either side: tests of the harness
     * itself corrupt one side here. */
    void (*tamper)(void *opaque, LsSide *side);
    void *tamper_opaque;
} LsOptions;

typedef struct LsResult {
    bool ok;
    uint64_t retired;       /* where the run ended or first differed */
    uint64_t compares;      /* counts at which both states were compared */
    uint64_t ram_compares;  /* counts at which RAM was compared */
    char report[8192];      /* why it failed */
} LsResult;

/* ---- observing ---- */

static inline bool ls_observe(void *opaque, const Cpu *cpu)
{
    (void)cpu;
    ((LsSide *)opaque)->observed = true;
    return true; /* one block (or trap) per cpu_run */
}

static inline void ls_capture(const LsSide *side, LsState *s)
{
    const Cpu *cpu = side->cpu;
    memset(s, 0, sizeof *s);
    s->retired = cpu_instructions_retired(cpu);
    s->cycles = cpu_cycles(cpu);
    s->clock_now = side->clock ? clock_now(side->clock) : 0;
    s->pc = cpu_get_pc(cpu);
    for (unsigned i = 0; i < 32; i++)
        s->x[i] = cpu_get_reg(cpu, i);
    for (unsigned i = 0; i < LS_NCSRS; i++)
        if (!cpu_get_csr(cpu, ls_csrs[i], &s->csr[i]))
            s->csr[i] = 0xdeadbeef;
    s->priv = cpu->priv;
    s->waiting = cpu_waiting_for_interrupt(cpu);
}

/* A window's host bytes, looked up once: RAM storage never moves. */
static inline void ls_add_window(LsSide *side, MemorySystem *ms, uint32_t addr, uint32_t len)
{
    MemRange r;
    assert_true(side->nwindows < LS_WINDOWS_MAX);
    assert_true(memory_lookup(ms, addr, &r));
    assert_non_null(r.host);
    assert_true(len - 1 <= r.last - addr);
    side->windows[side->nwindows++] = (LsWindow){addr, len, r.host + (addr - r.start)};
}

/* ---- reporting ---- */

static inline void ls_printf(LsResult *res, const char *fmt, ...)
{
    size_t used = strlen(res->report);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(res->report + used, sizeof res->report - used, fmt, ap);
    va_end(ap);
}

static inline void ls_print_state(LsResult *res, const char *name, const LsState *s)
{
    static const char *const abi[32] = {
        "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0",
        "a1", "a2", "a3", "a4", "a5", "a6", "a7", "s2", "s3", "s4", "s5",
        "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
    };
    ls_printf(res, "  %s: pc 0x%08x retired %llu cycles %llu clock %llu priv %u%s\n", name,
              s->pc, (unsigned long long)s->retired, (unsigned long long)s->cycles,
              (unsigned long long)s->clock_now, s->priv, s->waiting ? " (in wfi)" : "");
    for (unsigned i = 0; i < 32; i++)
        ls_printf(res, "%s%-4s %08x%s", i % 8 == 0 ? "    " : "", abi[i], s->x[i],
                  i % 8 == 7 ? "\n" : "  ");
    for (unsigned i = 0; i < LS_NCSRS; i++)
        ls_printf(res, "%s%s %08x%s", i % 4 == 0 ? "    " : "", ls_csr_names[i], s->csr[i],
                  i % 4 == 3 || i + 1 == LS_NCSRS ? "\n" : "  ");
}

/* The fields of two states that differ, one line each; 0 when equal. */
static inline unsigned ls_diff(LsResult *res, const LsSide *a, const LsState *sa,
                               const LsSide *b, const LsState *sb)
{
    unsigned n = 0;
#define LS_FIELD(cond, fmt, va, vb)                                            \
    do {                                                                       \
        if (cond) {                                                            \
            if (res)                                                           \
                ls_printf(res, "  differs: " fmt "\n", a->name, va, b->name, vb); \
            n++;                                                               \
        }                                                                      \
    } while (0)
    LS_FIELD(sa->pc != sb->pc, "pc: %s 0x%08x, %s 0x%08x", sa->pc, sb->pc);
    LS_FIELD(sa->retired != sb->retired, "retired: %s %llu, %s %llu",
             (unsigned long long)sa->retired, (unsigned long long)sb->retired);
    LS_FIELD(sa->cycles != sb->cycles, "cycles: %s %llu, %s %llu",
             (unsigned long long)sa->cycles, (unsigned long long)sb->cycles);
    for (unsigned i = 0; i < 32; i++)
        if (sa->x[i] != sb->x[i] && res)
            ls_printf(res, "  differs: x%u: %s 0x%08x, %s 0x%08x\n", i, a->name, sa->x[i],
                      b->name, sb->x[i]);
    for (unsigned i = 0; i < 32; i++)
        n += sa->x[i] != sb->x[i];
    for (unsigned i = 0; i < LS_NCSRS; i++)
        if (sa->csr[i] != sb->csr[i] && res)
            ls_printf(res, "  differs: %s: %s 0x%08x, %s 0x%08x\n", ls_csr_names[i], a->name,
                      sa->csr[i], b->name, sb->csr[i]);
    for (unsigned i = 0; i < LS_NCSRS; i++)
        n += sa->csr[i] != sb->csr[i];
    LS_FIELD(sa->priv != sb->priv, "privilege: %s %u, %s %u", sa->priv, sb->priv);
    LS_FIELD(sa->waiting != sb->waiting, "in wfi: %s %d, %s %d", sa->waiting, sb->waiting);
#undef LS_FIELD
    return n;
}

/* ---- the run ---- */

typedef struct LsRun {
    LsSide *a, *b; /* a: the engine under test, b: the reference */
    const LsOptions *opt;
    LsResult *res;
    LsState agreed; /* the last state both had */
    bool has_agreed;
    uint64_t last_ram_count; /* the count RAM was last compared at, +1 */
    uint64_t same_counts;    /* counts both stood at */
} LsRun;

static inline bool ls_fail_header(LsRun *run, uint64_t retired, const char *what)
{
    LsResult *res = run->res;
    res->ok = false;
    res->retired = retired;
    ls_printf(res, "lockstep: %s at retired %llu\n", what, (unsigned long long)retired);
    if (run->has_agreed)
        ls_printf(res, "  (both last agreed at retired %llu, pc 0x%08x)\n",
                  (unsigned long long)run->agreed.retired, run->agreed.pc);
    else
        ls_printf(res, "  (they never agreed: the very first comparison)\n");
    return false;
}

/* Compares two states that left the same count. */
static inline bool ls_compare_states(LsRun *run, const LsState *sa, const LsState *sb)
{
    run->res->compares++;
    if (ls_diff(NULL, run->a, sa, run->b, sb) == 0) {
        run->agreed = *sa;
        run->has_agreed = true;
        return true;
    }
    ls_fail_header(run, sa->retired, "the states differ");
    ls_diff(run->res, run->a, sa, run->b, sb);
    ls_print_state(run->res, run->a->name, sa);
    ls_print_state(run->res, run->b->name, sb);
    return false;
}

/* Both sides stand at the same count now: their RAM must be equal. */
static inline bool ls_compare_ram(LsRun *run, bool force)
{
    LsSide *a = run->a, *b = run->b;
    uint64_t count = a->now.retired;
    if (run->last_ram_count == count + 1)
        return true; /* already compared at this count */
    unsigned every = run->opt->ram_every > 1 ? run->opt->ram_every : 1;
    if (!force && run->same_counts++ % every != 0)
        return true;
    run->last_ram_count = count + 1;
    run->res->ram_compares++;
    for (unsigned w = 0; w < a->nwindows; w++) {
        const LsWindow *wa = &a->windows[w], *wb = &b->windows[w];
        if (memcmp(wa->host, wb->host, wa->len) == 0)
            continue;
        uint32_t at = 0;
        while (wa->host[at] == wb->host[at])
            at++;
        uint32_t word = at & ~3u, va, vb;
        uint32_t room = wa->len - word < 4 ? wa->len - word : 4;
        va = vb = 0;
        memcpy(&va, wa->host + word, room);
        memcpy(&vb, wb->host + word, room);
        ls_fail_header(run, count, "RAM differs");
        ls_printf(run->res, "  first differing byte at 0x%08x: the word at 0x%08x is "
                  "0x%08x (%s), 0x%08x (%s)\n", wa->addr + at, wa->addr + word, va,
                  a->name, vb, b->name);
        ls_diff(run->res, a, &a->now, b, &b->now); /* (a trap may yet come on one side) */
        ls_print_state(run->res, a->name, &a->now);
        ls_print_state(run->res, b->name, &b->now);
        return false;
    }
    return true;
}

/* One step of one side: a block, a trap, or the end. False: a fault. */
static inline bool ls_step(LsRun *run, LsSide *side)
{
    uint64_t limit = run->opt->max_insns;
    if (limit && side->now.retired >= limit) {
        side->finished = true;
        return true;
    }
    Error *err = NULL;
    side->observed = false;
    side->steps++;
    CpuStopReason why = cpu_run(side->cpu, limit ? limit - side->now.retired : UINT64_MAX,
                                &err);
    LsState before = side->now;
    ls_capture(side, &side->now);
    if (why == CPU_STOP_FAULT || err) {
        ls_fail_header(run, side->now.retired, "a fault");
        ls_printf(run->res, "  %s: %s\n", side->name, err ? error_message(err) : "?");
        ls_print_state(run->res, side->name, &side->now);
        error_free(err);
        return false;
    }
    if (!side->observed) /* the program's stop, or the limit */
        side->finished = true;
    if (side->now.retired != before.retired) {
        side->left = before;
        side->has_left = true;
    }
    if (run->opt->tamper)
        run->opt->tamper(run->opt->tamper_opaque, side);
    return true;
}

/* After `side` stepped: if it left a count the other side also left,
 * compare what both had then. */
static inline bool ls_match(LsRun *run, LsSide *side)
{
    LsSide *other = side == run->a ? run->b : run->a;
    if (!side->has_left || !other->has_left || side->left.retired != other->left.retired)
        return true;
    bool ok = side == run->a ? ls_compare_states(run, &side->left, &other->left)
                             : ls_compare_states(run, &other->left, &side->left);
    side->has_left = other->has_left = false;
    return ok;
}

static inline bool lockstep_run(LsSide *a, LsSide *b, const LsOptions *opt, LsResult *res)
{
    memset(res, 0, sizeof *res);
    res->ok = true;
    LsRun run = {.a = a, .b = b, .opt = opt, .res = res};
    assert_int_equal(a->nwindows, b->nwindows);
    for (unsigned w = 0; w < a->nwindows; w++)
        assert_int_equal(a->windows[w].len, b->windows[w].len);
    cpu_set_block_observer(a->cpu, ls_observe, a);
    cpu_set_block_observer(b->cpu, ls_observe, b);
    ls_capture(a, &a->now);
    ls_capture(b, &b->now);
    a->finished = b->finished = a->has_left = b->has_left = false;
    bool ok = ls_compare_states(&run, &a->now, &b->now) && ls_compare_ram(&run, true);
    while (ok && !(a->finished && b->finished)) {
        LsSide *side = b->finished || (!a->finished && a->now.retired <= b->now.retired) ? a : b;
        LsSide *other = side == a ? b : a;
        ok = ls_step(&run, side) && ls_match(&run, side);
        if (ok && other->finished && side->now.retired > other->now.retired) {
            ls_fail_header(&run, other->now.retired, "one side ran past the other's end");
            ls_printf(res, "  %s ended at retired %llu; %s went on to %llu\n", other->name,
                      (unsigned long long)other->now.retired, side->name,
                      (unsigned long long)side->now.retired);
            ls_print_state(res, other->name, &other->now);
            ls_print_state(res, side->name, &side->now);
            ok = false;
        }
        if (ok && a->now.retired == b->now.retired)
            ok = ls_compare_ram(&run, a->finished && b->finished);
    }
    if (ok) /* both ended: the final states */
        ok = ls_compare_states(&run, &a->now, &b->now);
    if (ok)
        res->retired = a->now.retired;
    cpu_set_block_observer(a->cpu, NULL, NULL);
    cpu_set_block_observer(b->cpu, NULL, NULL);
    return ok;
}

/* ---- sliced runs: no observer, so the engines chain blocks ----
 *
 * Both sides run slices of pseudo-random lengths (1 to max_slice
 * instructions, from `seed`) with cpu_run's own instruction limit, which
 * every engine must honour exactly: after each slice both have retired
 * the same count, and their whole states and RAM windows must agree.
 * Ends when both stop by themselves (the program's stop) or at
 * max_insns. With `parallel` side a runs its slices in a thread of its
 * own meanwhile (the sides share nothing: each has its own memory system,
 * clock and hart), for long runs. */
typedef struct LsSlice {
    LsSide *side;
    uint64_t n;
    CpuStopReason why;
    Error *err;
} LsSlice;

static inline void *ls_run_slice(void *opaque)
{
    LsSlice *s = opaque;
    s->err = NULL;
    s->why = cpu_run(s->side->cpu, s->n, &s->err);
    ls_capture(s->side, &s->side->now);
    return NULL;
}

static inline bool lockstep_sliced(LsSide *a, LsSide *b, uint64_t seed, uint64_t max_slice,
                                   uint64_t max_insns, bool parallel, LsResult *res)
{
    memset(res, 0, sizeof *res);
    res->ok = true;
    LsOptions opt = {0};
    LsRun run = {.a = a, .b = b, .opt = &opt, .res = res};
    for (;;) {
        seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
        uint64_t n = 1 + seed % max_slice;
        LsSlice slices[2] = {{.side = a, .n = n}, {.side = b, .n = n}};
        pthread_t thread;
        bool threaded = parallel && pthread_create(&thread, NULL, ls_run_slice, &slices[0]) == 0;
        if (!threaded)
            ls_run_slice(&slices[0]);
        ls_run_slice(&slices[1]);
        if (threaded)
            pthread_join(thread, NULL);
        CpuStopReason why[2] = {slices[0].why, slices[1].why};
        for (int i = 0; i < 2; i++) {
            if (why[i] != CPU_STOP_FAULT) {
                error_free(slices[i].err);
                continue;
            }
            LsSide *side = slices[i].side;
            ls_fail_header(&run, side->now.retired, "a fault");
            ls_printf(res, "  %s: %s\n", side->name, error_message(slices[i].err));
            ls_print_state(res, side->name, &side->now);
            error_free(slices[0].err);
            error_free(slices[1].err);
            return false;
        }
        if (why[0] != why[1]) {
            ls_fail_header(&run, a->now.retired, "the runs stopped differently");
            ls_printf(res, "  %s stopped for reason %d, %s for reason %d (0: the limit)\n",
                      a->name, why[0], b->name, why[1]);
            ls_print_state(res, a->name, &a->now);
            ls_print_state(res, b->name, &b->now);
            return false;
        }
        if (!ls_compare_states(&run, &a->now, &b->now) || !ls_compare_ram(&run, true))
            return false;
        res->retired = a->now.retired;
        if (why[0] != CPU_STOP_INSN_LIMIT || (max_insns && a->now.retired >= max_insns))
            return true;
    }
}

#endif
