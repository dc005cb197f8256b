/* The run loop in slices (sim/session.h).
 *
 * One pass of session_run's loop: first the boundary (the scenario's due
 * commands, then the console's lines, blocking on the console while
 * halted), then, unless the hart sleeps for good (then it blocks on the
 * console instead), one cpu_run bounded by every instruction limit in
 * force (the caller's, a scenario `insns` trigger, a `step` or `run-for N
 * insns`), then a look at why it returned. Cycle limits (the pacer, a
 * `run-for TIME`, the scenario's `at`) are clock events that ask the CPU
 * to stop, so each lands on its exact cycle.
 *
 * The console's lines are read at every boundary, also while a console
 * `step` or `run-for` runs: they wait in `held`, in order, and run once
 * the run has ended, so replies keep the order of the lines. A `stop` or
 * `quit` read while the run runs (after a cpu_run of it) ends the run at
 * that boundary (its reply, "halted at ...", comes first), then the held
 * lines run in order. Lines that were already there when the run began
 * only wait their turn: a script's `run-for 1s` then `quit` runs 1 s.
 */
#include "sim/session.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "soc/alloc.h"

/* A `step` or `run-for` in progress, for the console or a scenario. */
typedef struct BoundedRun {
    bool active;
    uint64_t until_insns; /* instructions retired at which it ends */
    ClockEvent *until;    /* or a cycle: fired sets `reached` */
    bool reached;
    uint64_t begun;       /* Session.runs when it started */
    uint64_t client;      /* the console client waiting for the reply */
} BoundedRun;

/* A console line read but not yet run (a refused one carries the error
 * its reply is). */
typedef struct HeldLine {
    char *text;
    uint64_t client;
    bool refused;
    uint64_t read; /* Session.runs when it was read */
} HeldLine;

/* Lines read ahead while a run is in progress; beyond this many the
 * console is not read until the run ends (the client's writes wait). */
#define HELD_MAX 256

struct Session {
    SessionConfig cfg;
    double deadline;    /* host seconds --timeout ends the run at; HUGE_VAL */
    /* --realtime: virtual time `pace_cycles` matches host time
     * `pace_start`; both move to the present after the session waited
     * for the console, so time spent halted is not caught up on. */
    double pace_start;
    uint64_t pace_cycles;
    bool pace_rebase;   /* the session waited: rebase before running */
    ClockEvent *pacer;  /* the slice boundary */
    uint64_t slice;     /* cycles */
    bool pacer_fired;
    bool halted;
    BoundedRun console_run, scenario_run;
    uint64_t runs;      /* cpu_run calls so far: orders lines and runs */
    HeldLine held[HELD_MAX]; /* a ring: held_count lines from held_first */
    size_t held_first, held_count;
    SessionEnd end;
    int quit_status;
};

double session_host_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Returns once session_host_seconds() has reached `when` (never before, so a
 * deadline slept to is a deadline passed). */
static void sleep_until(double when)
{
    for (double now = session_host_seconds(); now < when; now = session_host_seconds()) {
        double wait = when - now;
        struct timespec ts = {.tv_sec = (time_t)wait};
        ts.tv_nsec = (long)((wait - (double)ts.tv_sec) * 1e9) + 1;
        if (ts.tv_nsec >= 1000000000L)
            ts.tv_nsec = 999999999L;
        nanosleep(&ts, NULL); /* EINTR: the loop sleeps the rest */
    }
}

static void pacer_tick(void *opaque)
{
    Session *s = opaque;
    s->pacer_fired = true;
    clock_event_schedule(s->pacer, clock_now(s->cfg.clock) + s->slice);
    cpu_request_stop(s->cfg.cpu);
}

static void bounded_reached(Session *s, BoundedRun *b)
{
    b->reached = true;
    cpu_request_stop(s->cfg.cpu);
}

static void console_reached(void *opaque)
{
    Session *s = opaque;
    bounded_reached(s, &s->console_run);
}

static void scenario_reached(void *opaque)
{
    Session *s = opaque;
    bounded_reached(s, &s->scenario_run);
}

Session *session_new(const SessionConfig *config)
{
    Session *s = xcalloc(1, sizeof *s);
    s->cfg = *config;
    s->pace_start = session_host_seconds();
    s->deadline = config->timeout > 0 ? s->pace_start + config->timeout : HUGE_VAL;
    s->pace_cycles = cpu_cycles(config->cpu);
    uint64_t hz = clock_hz(config->clock);
    s->slice = hz >= 1000 ? hz / 1000 : 1;
    s->pacer = clock_event_new(config->clock, pacer_tick, s);
    s->console_run.until = clock_event_new(config->clock, console_reached, s);
    s->scenario_run.until = clock_event_new(config->clock, scenario_reached, s);
    s->halted = config->start_halted && config->console;
    return s;
}

void session_free(Session *s)
{
    if (!s)
        return;
    clock_event_free(s->pacer);
    clock_event_free(s->console_run.until);
    clock_event_free(s->scenario_run.until);
    for (size_t i = 0; i < s->held_count; i++)
        free(s->held[(s->held_first + i) % HELD_MAX].text);
    free(s);
}

SessionEnd session_ended(const Session *s, int *status)
{
    if (status && s->end == SESSION_QUIT)
        *status = s->quit_status;
    return s->end;
}

/* ---- bounded runs: step, run-for ---- */

static void bounded_start(Session *s, BoundedRun *b, const MonitorRequest *r)
{
    Cpu *cpu = s->cfg.cpu;
    b->active = true;
    b->reached = false;
    b->begun = s->runs;
    b->until_insns = UINT64_MAX;
    clock_event_cancel(b->until);
    if (r->action == MONITOR_ACT_STEP || r->count_is_insns) {
        uint64_t now = cpu_instructions_retired(cpu);
        b->until_insns = r->count > UINT64_MAX - now ? UINT64_MAX : now + r->count;
    } else {
        uint64_t now = cpu_cycles(cpu);
        clock_event_schedule(b->until, r->count > UINT64_MAX - now ? UINT64_MAX
                                                                  : now + r->count);
    }
}

static bool bounded_done(const Session *s, const BoundedRun *b)
{
    return b->active &&
           (b->reached || cpu_instructions_retired(s->cfg.cpu) >= b->until_insns);
}

static uint64_t bounded_insns_left(const Session *s, const BoundedRun *b)
{
    if (!b->active || b->until_insns == UINT64_MAX)
        return UINT64_MAX;
    uint64_t now = cpu_instructions_retired(s->cfg.cpu);
    return b->until_insns > now ? b->until_insns - now : 0;
}

static void bounded_end(BoundedRun *b)
{
    b->active = false;
    clock_event_cancel(b->until);
}

/* ---- the console ---- */

static bool console_live(const Session *s)
{
    return s->cfg.console && console_open_for_input(s->cfg.console);
}

static char *where_halted(const Session *s)
{
    Cpu *cpu = s->cfg.cpu;
    return xasprintf("halted at pc 0x%08x after %" PRIu64 " instructions, cycle %" PRIu64
                     "\n", (unsigned)cpu_get_pc(cpu), cpu_instructions_retired(cpu),
                     cpu_cycles(cpu));
}

static void reply_text(Session *s, uint64_t client, char *text, bool ok)
{
    console_reply(s->cfg.console, client, text ? text : "", text ? strlen(text) : 0, ok);
    free(text);
}

/* Acts on a console command's run control; false when the reply waits
 * for the end of a run. */
static bool console_control(Session *s, const MonitorRequest *r, uint64_t client,
                            char **output)
{
    switch (r->action) {
    case MONITOR_ACT_NONE:
        return true;
    case MONITOR_ACT_STOP:
        s->halted = true;
        free(*output);
        *output = where_halted(s);
        return true;
    case MONITOR_ACT_CONT:
        s->halted = false;
        return true;
    case MONITOR_ACT_STEP:
    case MONITOR_ACT_RUN_FOR:
        bounded_start(s, &s->console_run, r);
        s->console_run.client = client;
        s->halted = false;
        return false;
    case MONITOR_ACT_QUIT:
        s->end = SESSION_QUIT;
        s->quit_status = r->status;
        return true;
    }
    return true;
}

/* A console `step` or `run-for` has ended: halted, and the reply says
 * where. */
static void console_run_finished(Session *s)
{
    bounded_end(&s->console_run);
    s->halted = true;
    reply_text(s, s->console_run.client, where_halted(s), true);
}

/* Reads what the console has (lines, a hangup, clients to take in or
 * turn away) into `held`, while there is room. */
static void hold_lines(Session *s)
{
    const char *line;
    uint64_t client;
    bool refused;
    while (s->held_count < HELD_MAX &&
           (line = console_next_line(s->cfg.console, &client, &refused))) {
        HeldLine *h = &s->held[(s->held_first + s->held_count++) % HELD_MAX];
        *h = (HeldLine){
            .text = xstrdup(line), .client = client, .refused = refused, .read = s->runs};
    }
}

/* True when the line's command is `stop` or `quit` (command names are
 * unquoted words, sim/monitor.h): it may end a run in progress. */
static bool line_ends_run(const char *line)
{
    static const char blanks[] = " \t\r\n";
    line += strspn(line, blanks);
    size_t len = strcspn(line, blanks);
    return len == 4 && (memcmp(line, "stop", 4) == 0 || memcmp(line, "quit", 4) == 0);
}

/* A `stop` or `quit` read since the console's run began running. */
static bool run_interrupted(const Session *s)
{
    if (!s->console_run.active)
        return false;
    for (size_t i = 0; i < s->held_count; i++) {
        const HeldLine *h = &s->held[(s->held_first + i) % HELD_MAX];
        if (h->read > s->console_run.begun && !h->refused && line_ends_run(h->text))
            return true;
    }
    return false;
}

/* Runs the first held line and replies to it; false when no line may run
 * now (none held, a run in progress, the session ended). */
static bool run_held_line(Session *s)
{
    if (!s->held_count || s->console_run.active || s->end != SESSION_RUNNING)
        return false;
    HeldLine h = s->held[s->held_first];
    s->held_first = (s->held_first + 1) % HELD_MAX;
    s->held_count--;
    if (h.refused) {
        reply_text(s, h.client, h.text, false);
        return true;
    }
    MonitorRequest r;
    bool ok;
    char *output = monitor_exec_text(s->cfg.monitor, MONITOR_FROM_CONSOLE, h.text, &r, &ok);
    free(h.text);
    if (console_control(s, &r, h.client, &output))
        reply_text(s, h.client, output, ok);
    else
        free(output); /* a step or run-for prints nothing before it runs */
    return true;
}

/* Reads the console and runs its lines in order, each replied to in turn,
 * until one starts a run; lines wait for its end, unless a `stop` or
 * `quit` read while it runs ends it first. */
static void console_lines(Session *s)
{
    do {
        hold_lines(s);
        if (run_interrupted(s))
            console_run_finished(s);
    } while (run_held_line(s));
}

/* The run ends while a console `step` or `run-for` waits. */
static void console_run_cut(Session *s, const char *why)
{
    if (!s->console_run.active)
        return;
    bounded_end(&s->console_run);
    reply_text(s, s->console_run.client, xasprintf("error: the run ended (%s)\n", why),
               false);
}

/* ---- the scenario ---- */

static void scenario_control(Session *s, const MonitorRequest *r)
{
    switch (r->action) {
    case MONITOR_ACT_NONE:
        break;
    case MONITOR_ACT_STOP:
        s->halted = true;
        break;
    case MONITOR_ACT_CONT:
        s->halted = false;
        break;
    case MONITOR_ACT_STEP:
    case MONITOR_ACT_RUN_FOR:
        bounded_start(s, &s->scenario_run, r);
        break;
    case MONITOR_ACT_QUIT:
        s->end = SESSION_QUIT;
        s->quit_status = r->status;
        break;
    }
}

static void scenario_steps(Session *s)
{
    Scenario *sc = s->cfg.scenario;
    if (!sc)
        return;
    if (bounded_done(s, &s->scenario_run)) {
        bounded_end(&s->scenario_run);
        scenario_run_done(sc);
    }
    MonitorRequest request;
    while (s->end == SESSION_RUNNING && !scenario_waits_for_run(sc) &&
           scenario_service(sc, &request))
        scenario_control(s, &request);
    if (scenario_failed(sc))
        s->end = SESSION_SCENARIO_FAILED;
}

/* ---- between slices ---- */

/* Blocks until the console has something, or --timeout's deadline; false
 * when the deadline has passed. Virtual time stood still meanwhile, so
 * --realtime starts afresh from the present. */
static bool wait_console(Session *s)
{
    int ms = -1;
    if (s->deadline != HUGE_VAL) {
        double left = s->deadline - session_host_seconds();
        ms = left <= 0 ? 0 : left > 1e6 ? 1000000000 : (int)(left * 1000) + 1;
    }
    console_wait(s->cfg.console, ms);
    s->pace_rebase = true;
    return session_host_seconds() < s->deadline;
}

/* Everything that runs at a boundary; while halted, waits on the console
 * for what would resume the run (or end it). A halt from any source (a
 * scenario's `stop`) ends a console `step` or `run-for`, which is then
 * replied to, so the console's next lines can run. */
static void boundary(Session *s)
{
    for (;;) {
        scenario_steps(s);
        if (s->cfg.console) {
            if (bounded_done(s, &s->console_run) || (s->halted && s->console_run.active))
                console_run_finished(s);
            console_lines(s);
        }
        if (s->end != SESSION_RUNNING || !s->halted)
            return;
        if (!console_live(s)) {
            s->halted = false; /* nobody can continue it: run on */
            return;
        }
        if (!wait_console(s)) {
            s->end = SESSION_TIMED_OUT;
            return;
        }
    }
}

void session_boundary(Session *s)
{
    scenario_steps(s);
}

/* --realtime: after a wait, the present becomes the reference. */
static void pace_rebase(Session *s)
{
    if (!s->pace_rebase)
        return;
    s->pace_rebase = false;
    s->pace_start = session_host_seconds();
    s->pace_cycles = cpu_cycles(s->cfg.cpu);
}

/* --realtime and --timeout between slices; true when the time is up. */
static bool paced_out(Session *s)
{
    if (s->cfg.realtime) {
        double target = s->pace_start + (double)(cpu_cycles(s->cfg.cpu) - s->pace_cycles) /
                                            (double)clock_hz(s->cfg.clock);
        sleep_until(target < s->deadline ? target : s->deadline);
    }
    return session_host_seconds() >= s->deadline;
}

/* True when, with a console open, the hart sleeps in wfi with no enabled
 * interrupt pending and no event but the pacer could raise one: only
 * console input can wake it. Judged on the hart's state, not on a slice
 * that retired nothing (a slice may be empty because it began at the
 * pacer's deadline, or ended in the round that raised the interrupt). */
static bool idle_for_good(Session *s)
{
    if (!console_live(s) || !cpu_waiting_for_interrupt(s->cfg.cpu))
        return false;
    clock_event_set_background(s->pacer, true);
    bool idle = clock_next_wakeup(s->cfg.clock) == CLOCK_NEVER;
    clock_event_set_background(s->pacer, false);
    return idle;
}

/* The hart sleeps for good: a console `step` or `run-for` ends there (it
 * cannot go on), else the session waits for console input without
 * running, so virtual time stands still. False when --timeout ran out. */
static bool idle_wait(Session *s)
{
    if (s->console_run.active) {
        console_run_finished(s);
        return true;
    }
    if (wait_console(s))
        return true;
    s->end = SESSION_TIMED_OUT;
    return false;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

/* The breakpoint the CPU stopped at: the scenario's (its step is then
 * due and runs here) and, with gdb, maybe gdb's too. True when the caller
 * must hear of it. */
static bool breakpoint_for_caller(Session *s, bool debugger)
{
    uint32_t pc = cpu_get_pc(s->cfg.cpu);
    if (!s->cfg.scenario || !scenario_breakpoint_hit(s->cfg.scenario, pc))
        return true;
    scenario_steps(s);
    return debugger && cpu_breakpoint_at(s->cfg.cpu, pc);
}

CpuStopReason session_run(Session *s, uint64_t max_insns, SessionInterrupt interrupt,
                          void *ctx, Error **errp)
{
    Cpu *cpu = s->cfg.cpu;
    clock_event_schedule(s->pacer, cpu_cycles(cpu) + s->slice);
    uint64_t left = max_insns;
    CpuStopReason why = CPU_STOP_REQUESTED;
    for (;;) {
        boundary(s);
        if (s->end != SESSION_RUNNING || s->cfg.exited(s->cfg.opaque, NULL))
            break;
        uint64_t scenario_left = s->cfg.scenario ? scenario_insns_left(s->cfg.scenario)
                                                 : UINT64_MAX;
        uint64_t limit = min_u64(min_u64(left, scenario_left),
                                 min_u64(bounded_insns_left(s, &s->console_run),
                                         bounded_insns_left(s, &s->scenario_run)));
        if (limit == 0 && left != 0)
            continue; /* a trigger or a step is due at this very boundary */
        if (idle_for_good(s)) {
            if (!idle_wait(s))
                break;
            continue;
        }
        /* With a console, time goes on while the hart sleeps: input may
         * come to wake it. */
        clock_event_set_background(s->pacer, !console_live(s));
        pace_rebase(s);
        uint64_t before = cpu_instructions_retired(cpu);
        s->pacer_fired = false;
        why = limit ? cpu_run(cpu, limit, errp) : CPU_STOP_INSN_LIMIT;
        s->runs++;
        uint64_t retired = cpu_instructions_retired(cpu) - before;
        if (left != UINT64_MAX)
            left -= retired;
        if (s->cfg.exited(s->cfg.opaque, NULL) || why == CPU_STOP_FAULT ||
            why == CPU_STOP_WATCHPOINT)
            break;
        if (why == CPU_STOP_BREAKPOINT && breakpoint_for_caller(s, interrupt != NULL))
            break;
        if (why == CPU_STOP_INSN_LIMIT && left == 0)
            break;
        if (!s->pacer_fired)
            continue;
        if (interrupt && interrupt(ctx))
            break;
        if (paced_out(s)) {
            s->end = SESSION_TIMED_OUT;
            break;
        }
    }
    clock_event_cancel(s->pacer);
    if (!interrupt) /* without gdb, the run is over */
        console_run_cut(s, s->end == SESSION_QUIT ? "quit" : "the firmware's run is over");
    return s->end != SESSION_RUNNING ? CPU_STOP_REQUESTED : why;
}
