/* The run loop in slices (sim/session.h).
 *
 * One pass of session_run's loop: first the boundary (the scenario's due
 * commands, then the console's lines, blocking on the console while
 * halted), then one cpu_run bounded by every instruction limit in force
 * (the caller's, a scenario `insns` trigger, a `step` or `run-for N
 * insns`), then a look at why it returned. Cycle limits (the pacer, a
 * `run-for TIME`, the scenario's `at`) are clock events that ask the CPU
 * to stop, so each lands on its exact cycle.
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
    uint64_t client;      /* the console client waiting for the reply */
} BoundedRun;

struct Session {
    SessionConfig cfg;
    double start;       /* host seconds */
    double deadline;    /* host seconds --timeout ends the run at; HUGE_VAL */
    uint64_t cycles0;   /* virtual time at the start (--realtime) */
    ClockEvent *pacer;  /* the slice boundary */
    uint64_t slice;     /* cycles */
    bool pacer_fired;
    bool halted;
    BoundedRun console_run, scenario_run;
    SessionEnd end;
    int quit_status;
};

static double host_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Returns once host_seconds() has reached `when` (never before, so a
 * deadline slept to is a deadline passed). */
static void sleep_until(double when)
{
    for (double now = host_seconds(); now < when; now = host_seconds()) {
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
    s->start = host_seconds();
    s->deadline = config->timeout > 0 ? s->start + config->timeout : HUGE_VAL;
    s->cycles0 = cpu_cycles(config->cpu);
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

/* Runs the console's waiting lines, each replied to in turn, until one
 * starts a run that must end before the next line is read. */
static void console_lines(Session *s)
{
    Console *con = s->cfg.console;
    const char *line;
    uint64_t client;
    while (!s->console_run.active && s->end == SESSION_RUNNING &&
           (line = console_next_line(con, &client))) {
        MonitorRequest r;
        bool ok;
        char *output = monitor_exec_text(s->cfg.monitor, MONITOR_FROM_CONSOLE, line, &r, &ok);
        if (!console_control(s, &r, client, &output)) {
            free(output); /* a step or run-for prints nothing before it runs */
            continue;
        }
        reply_text(s, client, output, ok);
    }
}

/* A console `step` or `run-for` has ended: halted, and the reply says
 * where. */
static void console_run_finished(Session *s)
{
    bounded_end(&s->console_run);
    s->halted = true;
    reply_text(s, s->console_run.client, where_halted(s), true);
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
 * when the deadline has passed. */
static bool wait_console(Session *s)
{
    int ms = -1;
    if (s->deadline != HUGE_VAL) {
        double left = s->deadline - host_seconds();
        ms = left <= 0 ? 0 : left > 1e6 ? 1000000000 : (int)(left * 1000) + 1;
    }
    console_wait(s->cfg.console, ms);
    return host_seconds() < s->deadline;
}

/* Everything that runs at a boundary; while halted, waits on the console
 * for what would resume the run (or end it). */
static void boundary(Session *s)
{
    for (;;) {
        scenario_steps(s);
        if (s->cfg.console) {
            if (bounded_done(s, &s->console_run))
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

/* --realtime and --timeout between slices; true when the time is up. */
static bool paced_out(Session *s)
{
    if (s->cfg.realtime) {
        double target = s->start + (double)(cpu_cycles(s->cfg.cpu) - s->cycles0) /
                                       (double)clock_hz(s->cfg.clock);
        sleep_until(target < s->deadline ? target : s->deadline);
    }
    return host_seconds() >= s->deadline;
}

/* True when the hart sleeps in wfi and nothing but the pacer could wake
 * it: only console input can (the pacer is not background then). */
static bool idle_for_good(Session *s, uint64_t retired)
{
    if (retired || !console_live(s))
        return false;
    clock_event_set_background(s->pacer, true);
    bool idle = clock_next_wakeup(s->cfg.clock) == CLOCK_NEVER;
    clock_event_set_background(s->pacer, false);
    return idle;
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
        /* With a console, time goes on while the hart sleeps: input may
         * come to wake it. */
        clock_event_set_background(s->pacer, !console_live(s));
        uint64_t before = cpu_instructions_retired(cpu);
        s->pacer_fired = false;
        why = limit ? cpu_run(cpu, limit, errp) : CPU_STOP_INSN_LIMIT;
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
        if (idle_for_good(s, retired)) {
            if (s->console_run.active)
                console_run_finished(s); /* a step that cannot go on */
            else if (!wait_console(s))
                s->end = SESSION_TIMED_OUT;
        }
    }
    clock_event_cancel(s->pacer);
    if (!interrupt) /* without gdb, the run is over */
        console_run_cut(s, s->end == SESSION_QUIT ? "quit" : "the firmware's run is over");
    return s->end != SESSION_RUNNING ? CPU_STOP_REQUESTED : why;
}
