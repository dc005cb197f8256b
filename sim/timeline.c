/* Reverse execution: marks, the frontier, going back and forward again
 * (sim/timeline.h).
 *
 * Every re-execution goes through one loop (replay_toward): pieces of
 * cpu_run bounded by the target's instruction count, the input log's next
 * entry (input_log_insns_left, input_log_apply_due) and the poll interval,
 * then single steps for what is left at the target's count (an interrupt
 * or trap entry), or the log's runner for the rest of a sleep. What it
 * does at a breakpoint or watchpoint stop is the caller's choice: pass it
 * (going to a known position), remember it (reverse-continue's scan) or
 * stop there (forward from the past).
 *
 * reverse-stepi: restore the latest mark before the previous instruction,
 * re-execute to just after that instruction retired (Q), snapshot Q, step
 * forward to the present counting the steps k (usually 1; more when
 * traps or interrupts were entered at the same count), then restore Q and
 * step k - 1 times. reverse-continue: scan the segment from the latest
 * mark before the present to the present, remembering the last stop; if
 * none, the segment before it, and so on; then restore that segment's mark
 * and go to the stop (for a watchpoint, just past the access).
 */
#include "sim/timeline.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "soc/alloc.h"

/* Steps from Q to the present at most: an instruction, then interrupt or
 * trap entries at the same count (sim/position.c allows 8 of them). */
#define STEPS_MAX 16
/* A breakpoint and a watchpoint on one instruction stop a step twice
 * before it executes. */
#define STEP_TRIES 4
/* Pieces in a row that end where they began before a re-execution gives
 * up (someone keeps asking the CPU to stop there). */
#define STUCK_PIECES 1000

typedef struct Mark {
    Snapshot *snap;
    UartTapsState *taps; /* the bytes queued on the UARTs' inputs and the
                            backends' ends of input; NULL: no taps */
    SimPosition pos;
    uint64_t log_index; /* input_log_count when it was taken */
} Mark;

/* A breakpoint or watchpoint stop a scan saw. */
typedef struct Hit {
    bool found;
    CpuStopReason why; /* CPU_STOP_BREAKPOINT or CPU_STOP_WATCHPOINT */
    SimPosition pos;   /* where the CPU stopped (before the instruction) */
} Hit;

/* What replay_toward does at a breakpoint or watchpoint stop. */
typedef enum OnHit {
    HIT_PASS,     /* go on */
    HIT_REMEMBER, /* remember the last one before the end, go on */
    HIT_STOP,     /* return it */
} OnHit;

struct Timeline {
    TimelineConfig cfg;
    Mark *marks; /* in path order, oldest (the start of the history) first */
    size_t nmarks, cap;
    SimPosition frontier;
    bool in_past;
    bool restart_pending;
    /* the input log at the last look (timeline_check_inputs) */
    uint64_t log_count;
    bool have_last;
    InputEntry log_last;
    TimelineStats stats;
};

static Cpu *cpu_of(const Timeline *tl)
{
    return tl->cfg.target.cpu;
}

static SimPosition here(const Timeline *tl)
{
    return sim_position_now(cpu_of(tl));
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

/* ---- the input log's fingerprint ---- */

static bool same_bytes(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static bool same_entry(const InputEntry *a, const InputEntry *b)
{
    return a->kind == b->kind && sim_position_equal(&a->pos, &b->pos) &&
           a->before_events == b->before_events && same_bytes(a->device, b->device) &&
           a->source == b->source && same_bytes(a->line, b->line) && a->len == b->len &&
           (a->len == 0 || memcmp(a->bytes, b->bytes, a->len) == 0) && a->eof == b->eof &&
           a->addr == b->addr && a->regnum == b->regnum && a->value == b->value;
}

static const InputEntry *last_entry(const Timeline *tl)
{
    uint64_t count = input_log_count(tl->cfg.log);
    return count > input_log_first(tl->cfg.log) ? input_log_entry(tl->cfg.log, count - 1)
                                                : NULL;
}

/* Remembers the log as it is: its length and a copy of its last entry
 * (an input that cut the log and took the place of the entry it cut is
 * told apart by its content). */
static void remember_log(Timeline *tl)
{
    const InputEntry *last = last_entry(tl);
    if (tl->have_last)
        input_entry_clear(&tl->log_last);
    tl->have_last = last != NULL;
    if (last)
        input_entry_copy(&tl->log_last, last);
    tl->log_count = input_log_count(tl->cfg.log);
}

static bool log_changed(const Timeline *tl)
{
    const InputEntry *last = last_entry(tl);
    if (input_log_count(tl->cfg.log) != tl->log_count || (last != NULL) != tl->have_last)
        return true;
    return last && !same_entry(last, &tl->log_last);
}

/* ---- marks ---- */

static void mark_drop(Mark *m)
{
    snapshot_free(m->snap);
    uart_taps_state_free(m->taps);
    m->snap = NULL;
    m->taps = NULL;
}

static UartTapsState *taps_save(const Timeline *tl)
{
    return tl->cfg.taps ? uart_taps_state_save(tl->cfg.taps) : NULL;
}

/* Every other mark of the older half goes (at least one), the first and
 * the newest stay. */
static void thin(Timeline *tl)
{
    size_t half = (tl->nmarks + 1) / 2, kept = 1;
    for (size_t i = 1; i < tl->nmarks; i++) {
        if (i < half && i % 2 == 1) {
            mark_drop(&tl->marks[i]);
            tl->stats.marks_thinned++;
            continue;
        }
        tl->marks[kept++] = tl->marks[i];
    }
    tl->nmarks = kept;
}

static void add_mark(Timeline *tl)
{
    if (tl->nmarks == tl->cap) {
        tl->cap = tl->cap ? 2 * tl->cap : tl->cfg.max_marks + 1;
        tl->marks = xreallocarray(tl->marks, tl->cap, sizeof *tl->marks);
    }
    tl->marks[tl->nmarks++] = (Mark){
        .snap = snapshot_take(&tl->cfg.target),
        .taps = taps_save(tl),
        .pos = here(tl),
        .log_index = input_log_count(tl->cfg.log),
    };
    tl->stats.marks_taken++;
    if (tl->nmarks > tl->cfg.max_marks)
        thin(tl);
}

static void drop_all_marks(Timeline *tl)
{
    for (size_t i = 0; i < tl->nmarks; i++)
        mark_drop(&tl->marks[i]);
    tl->nmarks = 0;
}

/* Before `pos` on the path. Positions that differ only by the pc (an
 * interrupt entry) are taken to be in that order: a mark is taken at a
 * slice boundary, where no interrupt has been entered yet. */
static bool mark_before(const Mark *m, const SimPosition *pos)
{
    int order = sim_position_compare(&m->pos, pos);
    return order < 0 || (order == 0 && m->pos.pc != pos->pc);
}

/* The latest mark before `pos` whose count is at most `retired`; the
 * first mark when none is. */
static size_t mark_for(const Timeline *tl, const SimPosition *pos, uint64_t retired)
{
    size_t i = tl->nmarks - 1;
    while (i > 0 && !(mark_before(&tl->marks[i], pos) && tl->marks[i].pos.retired <= retired))
        i--;
    return i;
}

/* ---- muting and recording ---- */

/* Re-executing what already ran: the taps drop output and read no
 * backend, and the log adds nothing (its entries are what comes). */
static void replaying(Timeline *tl, bool on)
{
    if (tl->cfg.taps)
        uart_taps_set_muted(tl->cfg.taps, on);
    input_log_set_recording(tl->cfg.log, !on);
}

/* A timeline operation ends: where the hart stands decides whether the
 * run is in the past; the log records again (a gdb write at a stop is an
 * input). */
static void settle(Timeline *tl)
{
    SimPosition now = here(tl);
    tl->in_past = !sim_position_equal(&now, &tl->frontier);
    input_log_set_recording(tl->cfg.log, true);
    if (tl->cfg.taps)
        uart_taps_set_muted(tl->cfg.taps, tl->in_past);
    remember_log(tl);
}

static void set_frontier_here(Timeline *tl)
{
    tl->frontier = here(tl);
    tl->in_past = false;
}

/* ---- lifetime ---- */

Timeline *timeline_new(const TimelineConfig *config)
{
    Timeline *tl = xcalloc(1, sizeof *tl);
    tl->cfg = *config;
    if (tl->cfg.interval == 0)
        tl->cfg.interval = 1;
    if (tl->cfg.max_marks < TIMELINE_MARKS_MIN)
        tl->cfg.max_marks = TIMELINE_MARKS_MIN;
    add_mark(tl);
    set_frontier_here(tl);
    remember_log(tl);
    return tl;
}

void timeline_free(Timeline *tl)
{
    if (!tl)
        return;
    drop_all_marks(tl);
    free(tl->marks);
    if (tl->have_last)
        input_entry_clear(&tl->log_last);
    if (tl->cfg.taps)
        uart_taps_set_muted(tl->cfg.taps, false);
    free(tl);
}

/* A `snapshot load` happened: the history starts again here. Done at the
 * next entry point, once the command that loaded is in the log. */
static void restart_now(Timeline *tl)
{
    tl->restart_pending = false;
    drop_all_marks(tl);
    add_mark(tl);
    input_log_forget_before(tl->cfg.log, tl->marks[0].log_index);
    set_frontier_here(tl);
    settle(tl);
}

void timeline_restart(Timeline *tl)
{
    tl->restart_pending = true;
}

/* The future changed at the present: marks after it go, the present is
 * the frontier (the log cut itself). */
static void drop_future(Timeline *tl)
{
    SimPosition now = here(tl);
    size_t kept = 1;
    for (size_t i = 1; i < tl->nmarks; i++) {
        if (sim_position_compare(&tl->marks[i].pos, &now) > 0)
            mark_drop(&tl->marks[i]);
        else
            tl->marks[kept++] = tl->marks[i];
    }
    tl->nmarks = kept;
    set_frontier_here(tl);
}

void timeline_check_inputs(Timeline *tl)
{
    if (tl->restart_pending) {
        restart_now(tl);
        return;
    }
    /* An input in the past changes the future; one at the present may
     * move it (a reset, gdb setting the pc): either way the present is
     * the frontier now. */
    if (log_changed(tl)) {
        if (tl->in_past)
            drop_future(tl);
        else
            set_frontier_here(tl);
    }
    settle(tl);
}

/* ---- the live run ---- */

static uint64_t log_bound(const Timeline *tl)
{
    return (uint64_t)tl->cfg.max_marks * TIMELINE_LOG_PER_MARK;
}

/* Inputs logged since mark i. */
static uint64_t inputs_since(const Timeline *tl, size_t i)
{
    return input_log_count(tl->cfg.log) - tl->marks[i].log_index;
}

/* The oldest marks go while the inputs since the first outgrow the bound
 * (the newest stays), and the log forgets what came before the first
 * kept: memory bounded by counts, the history beginning later. At the
 * present only (nothing to replay). */
static void bound_log(Timeline *tl)
{
    size_t drop = 0;
    while (drop + 1 < tl->nmarks && inputs_since(tl, drop) > log_bound(tl))
        drop++;
    if (drop == 0)
        return;
    for (size_t i = 0; i < drop; i++)
        mark_drop(&tl->marks[i]);
    memmove(tl->marks, tl->marks + drop, (tl->nmarks - drop) * sizeof *tl->marks);
    tl->nmarks -= drop;
    tl->stats.marks_thinned += drop;
    input_log_forget_before(tl->cfg.log, tl->marks[0].log_index);
}

void timeline_slice(Timeline *tl)
{
    if (tl->restart_pending)
        restart_now(tl);
    set_frontier_here(tl);
    uint64_t last = tl->marks[tl->nmarks - 1].pos.retired;
    if (cpu_instructions_retired(cpu_of(tl)) - last >= tl->cfg.interval ||
        inputs_since(tl, tl->nmarks - 1) > log_bound(tl) / 2)
        add_mark(tl);
    bound_log(tl);
}

void timeline_live(Timeline *tl)
{
    if (tl->restart_pending)
        restart_now(tl);
    set_frontier_here(tl);
    settle(tl);
}

bool timeline_in_past(const Timeline *tl)
{
    return tl->in_past;
}

/* ---- re-execution ---- */

static bool run_ended(void *opaque)
{
    const Timeline *tl = opaque;
    return tl->cfg.ended && tl->cfg.ended(tl->cfg.opaque);
}

static bool restore_mark(Timeline *tl, const Snapshot *snap, const UartTapsState *taps,
                         uint64_t log_index, Error **errp)
{
    Cpu *cpu = cpu_of(tl);
    uint64_t from_cycles = cpu_cycles(cpu), from_retired = cpu_instructions_retired(cpu);
    if (!snapshot_restore(&tl->cfg.target, snap, errp))
        return false;
    if (taps) /* after the devices: their chardevs are the restored board's */
        uart_taps_state_restore(tl->cfg.taps, taps);
    if (tl->cfg.clock_moved)
        tl->cfg.clock_moved(tl->cfg.opaque, from_cycles, from_retired);
    input_log_replay_from(tl->cfg.log, log_index);
    return true;
}

static bool go_to_mark(Timeline *tl, const Mark *m, Error **errp)
{
    return restore_mark(tl, m->snap, m->taps, m->log_index, errp);
}

static bool fail_at(const Timeline *tl, Error **errp, const char *why,
                    const SimPosition *target)
{
    char want[SIM_POSITION_TEXT_MAX], at[SIM_POSITION_TEXT_MAX];
    SimPosition now = here(tl);
    error_setf(errp, "re-executing to %s: %s (the hart is at %s)",
               sim_position_text(target, want, sizeof want), why,
               sim_position_text(&now, at, sizeof at));
    return false;
}

static CpuStopReason fault_at(const Timeline *tl, Error **errp, const char *why,
                              const SimPosition *target)
{
    fail_at(tl, errp, why, target);
    return CPU_STOP_FAULT;
}

/* A piece of re-execution: one cpu_run or cpu_step, counted. */
static CpuStopReason run_piece(Timeline *tl, bool step, uint64_t max_insns, Error **errp)
{
    Cpu *cpu = cpu_of(tl);
    uint64_t before = cpu_instructions_retired(cpu);
    CpuStopReason why = step ? cpu_step(cpu, errp) : cpu_run(cpu, max_insns, errp);
    tl->stats.reexecuted += cpu_instructions_retired(cpu) - before;
    return why;
}

/* Whether the hart sleeps in wfi and `end` lies within this sleep: no
 * step can stop there (a step sleeps until an interrupt is taken). */
static bool end_in_this_sleep(const Timeline *tl, const SimPosition *pos,
                              const SimPosition *end)
{
    return cpu_sleeping(cpu_of(tl)) && pos->retired == end->retired && pos->pc == end->pc;
}

/* Re-executes from here toward `end` (ahead on this path), the log
 * re-fed, at most max_insns instructions (UINT64_MAX: no bound; 1 with
 * `step`: one cpu_step). Returns CPU_STOP_INSN_LIMIT at `end` or after
 * max_insns, the stop at a breakpoint or watchpoint with HIT_STOP (`hit`
 * says where; never at `end` itself), CPU_STOP_REQUESTED when
 * interrupted, CPU_STOP_FAULT with *errp. With HIT_REMEMBER `hit` gets
 * the last stop before `end`. */
static CpuStopReason replay_toward(Timeline *tl, const SimPosition *end, uint64_t max_insns,
                                   bool step, OnHit on_hit, Hit *hit, Error **errp)
{
    Cpu *cpu = cpu_of(tl);
    InputLog *log = tl->cfg.log;
    SimRunHooks hooks = {run_ended, tl};
    uint64_t start = cpu_instructions_retired(cpu), polled = 0;
    bool stepped = false;
    SimPosition last = here(tl);
    unsigned stuck = 0;
    for (;;) {
        if (!input_log_apply_due(log, errp))
            return CPU_STOP_FAULT;
        SimPosition pos = here(tl);
        if (sim_position_equal(&pos, end))
            return CPU_STOP_INSN_LIMIT;
        if (sim_position_compare(&pos, end) > 0 || pos.cycles > end->cycles)
            return fault_at(tl, errp, "the run went past it", end);
        if (run_ended(tl))
            return fault_at(tl, errp, "the run ended", end);
        if (sim_position_equal(&pos, &last) && ++stuck >= STUCK_PIECES)
            return fault_at(tl, errp, "the run keeps stopping without going on", end);
        if (!sim_position_equal(&pos, &last))
            stuck = 0;
        last = pos;
        uint64_t done = pos.retired - start;
        if ((step && stepped) || done >= max_insns)
            return CPU_STOP_INSN_LIMIT;
        if (polled >= TIMELINE_POLL_INSNS) {
            polled = 0;
            if (tl->cfg.interrupted && tl->cfg.interrupted(tl->cfg.opaque))
                return CPU_STOP_REQUESTED;
        }
        if (end_in_this_sleep(tl, &pos, end)) {
            if (!input_log_run_to(log, end, &hooks, errp))
                return CPU_STOP_FAULT;
            continue;
        }
        CpuStopReason why;
        if (step || pos.retired == end->retired) {
            why = run_piece(tl, true, 1, errp);
            stepped = why == CPU_STOP_INSN_LIMIT;
        } else {
            uint64_t n = min_u64(min_u64(end->retired - pos.retired, max_insns - done),
                                 min_u64(input_log_insns_left(log), TIMELINE_POLL_INSNS));
            why = run_piece(tl, false, n, errp);
        }
        polled += cpu_instructions_retired(cpu) - pos.retired;
        if (why == CPU_STOP_FAULT)
            return CPU_STOP_FAULT;
        if (why != CPU_STOP_BREAKPOINT && why != CPU_STOP_WATCHPOINT)
            continue;
        SimPosition at = here(tl);
        if (on_hit == HIT_PASS || sim_position_equal(&at, end))
            continue;
        *hit = (Hit){.found = true, .why = why, .pos = at};
        if (on_hit == HIT_STOP)
            return why;
    }
}

/* Re-executes until `retired` instructions retired (right after the last
 * of them), passing breakpoints and watchpoints. */
static bool replay_to_retired(Timeline *tl, uint64_t retired, Error **errp)
{
    SimPosition end = {UINT64_MAX, retired, 0}; /* by count alone */
    Hit unused;
    for (;;) {
        uint64_t now = cpu_instructions_retired(cpu_of(tl));
        if (now >= retired)
            return input_log_apply_due(tl->cfg.log, errp);
        if (replay_toward(tl, &end, retired - now, false, HIT_PASS, &unused, errp) ==
            CPU_STOP_FAULT)
            return false;
    }
}

/* One forward step as gdb's `s` makes it, whatever breakpoint or
 * watchpoint is on the instruction (each stops the step once before it
 * executes). */
static bool step_over(Timeline *tl, CpuStopReason *first_stop, Error **errp)
{
    SimPosition from = here(tl);
    *first_stop = CPU_STOP_INSN_LIMIT;
    for (int i = 0; i < STEP_TRIES; i++) {
        if (!input_log_apply_due(tl->cfg.log, errp))
            return false;
        CpuStopReason why = run_piece(tl, true, 1, errp);
        if (why == CPU_STOP_FAULT)
            return false;
        if ((why == CPU_STOP_BREAKPOINT || why == CPU_STOP_WATCHPOINT) &&
            *first_stop == CPU_STOP_INSN_LIMIT)
            *first_stop = why;
        SimPosition now = here(tl);
        if (!sim_position_equal(&now, &from))
            return input_log_apply_due(tl->cfg.log, errp);
    }
    return fail_at(tl, errp, "a step makes no progress", &from);
}

/* ---- reverse-stepi ---- */

/* From Q (before `now`), the number of steps to the last position before
 * `now`: steps until `now` is reached or passed (a sleep the present
 * stands in), counting those that stay before it. */
static bool steps_before(Timeline *tl, const SimPosition *now, unsigned *k, Error **errp)
{
    CpuStopReason unused;
    for (*k = 0; *k < STEPS_MAX; ++*k) {
        SimPosition pos = here(tl);
        bool passed = sim_position_compare(&pos, now) > 0 || pos.cycles > now->cycles;
        if (sim_position_equal(&pos, now) || passed)
            return *k > 0 || fail_at(tl, errp, "no step leads there", now);
        if (!step_over(tl, &unused, errp))
            return false;
    }
    return fail_at(tl, errp, "too many steps at one instruction count", now);
}

static bool reverse_step(Timeline *tl, const SimPosition *now, Error **errp)
{
    const Mark *first = &tl->marks[0];
    uint64_t want = now->retired > first->pos.retired ? now->retired - 1 : first->pos.retired;
    const Mark *m = &tl->marks[mark_for(tl, now, want)];
    if (!go_to_mark(tl, m, errp) || !replay_to_retired(tl, want, errp))
        return false;
    Snapshot *q = snapshot_take(&tl->cfg.target);
    UartTapsState *q_taps = taps_save(tl);
    uint64_t q_log = input_log_cursor(tl->cfg.log);
    unsigned k;
    bool ok = steps_before(tl, now, &k, errp) && restore_mark(tl, q, q_taps, q_log, errp) &&
              input_log_apply_due(tl->cfg.log, errp);
    CpuStopReason unused;
    for (unsigned i = 1; ok && i < k; i++)
        ok = step_over(tl, &unused, errp);
    snapshot_free(q);
    uart_taps_state_free(q_taps);
    return ok;
}

CpuStopReason timeline_reverse_step(Timeline *tl, bool *history_begin, Error **errp)
{
    timeline_check_inputs(tl);
    SimPosition now = here(tl);
    *history_begin = false;
    if (!mark_before(&tl->marks[0], &now)) {
        *history_begin = true;
        return CPU_STOP_INSN_LIMIT;
    }
    replaying(tl, true);
    bool ok = reverse_step(tl, &now, errp);
    settle(tl);
    return ok ? CPU_STOP_INSN_LIMIT : CPU_STOP_FAULT;
}

/* ---- reverse-continue ---- */

/* Re-executes to `target` and lands settled (the events due there run),
 * as a breakpoint or watchpoint stop found it. The inputs due at each
 * position are applied on the way, those at the target too: one that
 * moved the pc there (gdb's `jump`) leads to it. */
static bool land_settled(Timeline *tl, const SimPosition *target, Error **errp)
{
    SimRunHooks hooks = {run_ended, tl};
    Hit unused;
    CpuStopReason why;
    do
        why = replay_toward(tl, target, UINT64_MAX, false, HIT_PASS, &unused, errp);
    while (why == CPU_STOP_REQUESTED);
    return why != CPU_STOP_FAULT &&
           sim_run_to_ex(cpu_of(tl), tl->cfg.target.clock, target, SIM_LAND_SETTLED, &hooks,
                         errp) &&
           input_log_apply_due(tl->cfg.log, errp);
}

/* Goes to the stop a scan of the segment from `m` saw: the breakpoint's
 * position, or just past the watched access (stepping onto it once with
 * the watchpoint armed leaves cpu_watch_hit saying which). */
static CpuStopReason land_on_hit(Timeline *tl, const Mark *m, const Hit *hit, Error **errp)
{
    if (!go_to_mark(tl, m, errp) || !land_settled(tl, &hit->pos, errp))
        return CPU_STOP_FAULT;
    if (hit->why == CPU_STOP_BREAKPOINT)
        return CPU_STOP_BREAKPOINT;
    CpuStopReason first;
    if (!step_over(tl, &first, errp))
        return CPU_STOP_FAULT;
    if (first != CPU_STOP_WATCHPOINT)
        return fault_at(tl, errp, "the watchpoint stop did not come again", &hit->pos);
    return CPU_STOP_WATCHPOINT;
}

static CpuStopReason reverse_continue(Timeline *tl, const SimPosition *now,
                                      bool *history_begin, Error **errp)
{
    SimPosition end = *now;
    size_t j = mark_for(tl, now, UINT64_MAX);
    for (;;) {
        const Mark *m = &tl->marks[j];
        Hit hit = {0};
        if (!go_to_mark(tl, m, errp))
            return CPU_STOP_FAULT;
        CpuStopReason why = replay_toward(tl, &end, UINT64_MAX, false, HIT_REMEMBER, &hit, errp);
        if (why == CPU_STOP_FAULT || why == CPU_STOP_REQUESTED)
            return why;
        if (hit.found)
            return land_on_hit(tl, m, &hit, errp);
        if (j == 0)
            break;
        end = m->pos;
        j--;
    }
    if (!go_to_mark(tl, &tl->marks[0], errp) || !input_log_apply_due(tl->cfg.log, errp))
        return CPU_STOP_FAULT;
    *history_begin = true;
    return CPU_STOP_INSN_LIMIT;
}

CpuStopReason timeline_reverse_continue(Timeline *tl, bool *history_begin, Error **errp)
{
    timeline_check_inputs(tl);
    SimPosition now = here(tl);
    *history_begin = false;
    if (!mark_before(&tl->marks[0], &now)) {
        *history_begin = true;
        return CPU_STOP_INSN_LIMIT;
    }
    replaying(tl, true);
    CpuStopReason why = reverse_continue(tl, &now, history_begin, errp);
    settle(tl);
    return why;
}

/* ---- forward from the past ---- */

CpuStopReason timeline_forward(Timeline *tl, uint64_t max_insns, bool *at_present,
                               Error **errp)
{
    timeline_check_inputs(tl);
    *at_present = !tl->in_past;
    if (*at_present)
        return CPU_STOP_INSN_LIMIT;
    replaying(tl, true);
    Hit hit = {0};
    uint64_t start = cpu_instructions_retired(cpu_of(tl));
    CpuStopReason why = replay_toward(tl, &tl->frontier, max_insns, max_insns == 1,
                                      HIT_STOP, &hit, errp);
    SimPosition now = here(tl);
    /* A step that ended on the frontier is done; a run that reached it
     * before its bound goes on live. */
    *at_present = why == CPU_STOP_INSN_LIMIT && max_insns != 1 &&
                  sim_position_equal(&now, &tl->frontier) && now.retired - start < max_insns;
    settle(tl);
    return why;
}

/* ---- stats ---- */

void timeline_stats(const Timeline *tl, TimelineStats *out)
{
    *out = tl->stats;
    out->marks = tl->nmarks;
    out->oldest_retired = tl->marks[0].pos.retired;
    out->bytes = 0;
    for (size_t i = 0; i < tl->nmarks; i++)
        out->bytes += snapshot_private_bytes(tl->marks[i].snap,
                                             i ? tl->marks[i - 1].snap : NULL);
}
