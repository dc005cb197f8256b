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
 *
 * A `run-until` is such a run with a goal: the taps' watch (its UART's
 * text) or a CPU breakpoint (its pc) asks the CPU to stop and marks it
 * matched. With the control socket, the loop's end for the firmware's
 * sake (an exit, a fault, the instruction limit) is not the session's:
 * control_over answers the run command and serves on until the client
 * quits or leaves.
 */
#include "sim/session.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim/options.h"
#include "soc/alloc.h"

/* A `step`, `run-for` or `run-until` in progress, for the console or a
 * scenario. */
typedef struct BoundedRun {
    bool active;
    uint64_t until_insns; /* instructions retired at which it ends */
    ClockEvent *until;    /* or a cycle: fired sets `reached` */
    bool reached;
    uint64_t begun;       /* Session.runs when it started */
    uint64_t client;      /* the console client waiting for the reply */
    /* run-until (the console's only): its request, owned; else NONE */
    MonitorRequest goal;
    bool matched;         /* the text came, or the pc reached */
    bool breakpoint;      /* a CPU breakpoint at goal.pc is set */
    bool pc_start;        /* it began at goal.pc: that instruction first */
    uint64_t start_insns; /* instructions retired when it began */
} BoundedRun;

/* Why a console run ends, for its reply. */
typedef enum RunFinish {
    FINISH_DONE,    /* its bound, or its goal */
    FINISH_STOPPED, /* a `stop`, a scenario's stop, the client's departure */
    FINISH_ASLEEP,  /* the hart sleeps with nothing to wake it */
} RunFinish;

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
    /* control: the firmware's run has ended (over_status, the process's
     * status unless a `quit STATUS`); commands are still served */
    bool over;
    int over_status;
    bool closing; /* control, over: `quit` or the client left */
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
    s->halted = (config->start_halted || config->control) && config->console;
    return s;
}

static void bounded_end(Session *s, BoundedRun *b);

void session_free(Session *s)
{
    if (!s)
        return;
    bounded_end(s, &s->console_run);
    bounded_end(s, &s->scenario_run);
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

/* ---- bounded runs: step, run-for, run-until ---- */

static void console_matched(void *opaque)
{
    Session *s = opaque;
    s->console_run.matched = true;
    cpu_request_stop(s->cfg.cpu);
}

/* run-until's goal: a watch on the UART's output, or a breakpoint at the
 * pc (set once the instruction it starts on has run, when it starts
 * there). */
static void goal_start(Session *s, BoundedRun *b, MonitorRequest *r)
{
    b->goal = *r;
    *r = (MonitorRequest){.action = MONITOR_ACT_NONE}; /* its strings are b's now */
    b->matched = b->breakpoint = false;
    b->start_insns = cpu_instructions_retired(s->cfg.cpu);
    if (b->goal.device) {
        uart_taps_watch(s->cfg.taps, b->goal.device, b->goal.text, b->goal.text_len,
                        console_matched, s);
        return;
    }
    b->pc_start = cpu_get_pc(s->cfg.cpu) == b->goal.pc;
    if (!b->pc_start) {
        cpu_breakpoint_add(s->cfg.cpu, b->goal.pc);
        b->breakpoint = true;
    }
}

/* After a cpu_run: the instruction a pc goal started on has run (or an
 * interrupt took the hart away), so the breakpoint may be set. */
static void goal_arm(Session *s, BoundedRun *b)
{
    Cpu *cpu = s->cfg.cpu;
    if (!b->active || !b->pc_start)
        return;
    if (cpu_instructions_retired(cpu) == b->start_insns && cpu_get_pc(cpu) == b->goal.pc)
        return;
    b->pc_start = false;
    cpu_breakpoint_add(cpu, b->goal.pc);
    b->breakpoint = true;
}

/* Starts a step, run-for or run-until (whose request, strings and all,
 * the run takes over). */
static void bounded_start(Session *s, BoundedRun *b, MonitorRequest *r)
{
    Cpu *cpu = s->cfg.cpu;
    bool until = r->action == MONITOR_ACT_RUN_UNTIL;
    bool bounded = !until || r->has_limit;
    bool insns = r->action == MONITOR_ACT_STEP || r->count_is_insns;
    uint64_t count = r->count;
    b->active = true;
    b->reached = false;
    b->begun = s->runs;
    b->until_insns = UINT64_MAX;
    clock_event_cancel(b->until);
    if (until)
        goal_start(s, b, r);
    if (!bounded)
        return;
    if (insns) {
        uint64_t now = cpu_instructions_retired(cpu);
        b->until_insns = count > UINT64_MAX - now ? UINT64_MAX : now + count;
    } else {
        uint64_t now = cpu_cycles(cpu);
        clock_event_schedule(b->until, count > UINT64_MAX - now ? UINT64_MAX : now + count);
    }
}

static bool bounded_done(const Session *s, const BoundedRun *b)
{
    return b->active && (b->reached || b->matched ||
                         cpu_instructions_retired(s->cfg.cpu) >= b->until_insns);
}

static uint64_t bounded_insns_left(const Session *s, const BoundedRun *b)
{
    if (!b->active)
        return UINT64_MAX;
    if (b->pc_start) /* the instruction it started on, alone */
        return 1;
    if (b->until_insns == UINT64_MAX)
        return UINT64_MAX;
    uint64_t now = cpu_instructions_retired(s->cfg.cpu);
    return b->until_insns > now ? b->until_insns - now : 0;
}

static void bounded_end(Session *s, BoundedRun *b)
{
    b->active = false;
    clock_event_cancel(b->until);
    if (b->goal.device)
        uart_taps_unwatch(s->cfg.taps);
    if (b->breakpoint)
        cpu_breakpoint_remove(s->cfg.cpu, b->goal.pc);
    b->breakpoint = b->pc_start = b->matched = false;
    monitor_request_free(&b->goal);
    b->goal = (MonitorRequest){.action = MONITOR_ACT_NONE};
}

/* A run-until whose pc goal the CPU stopped at: matched. */
static bool goal_pc_hit(Session *s, uint32_t pc)
{
    BoundedRun *b = &s->console_run;
    if (!b->active || !b->breakpoint || b->goal.pc != pc)
        return false;
    b->matched = true;
    return true;
}

/* ---- the console ---- */

static bool console_live(const Session *s)
{
    return s->cfg.console && console_open_for_input(s->cfg.console);
}

/* "VERB at pc 0x... after N instructions, cycle N\n": the run's state. */
static char *where(const Session *s, const char *verb)
{
    Cpu *cpu = s->cfg.cpu;
    return xasprintf("%s at pc 0x%08x after %" PRIu64 " instructions, cycle %" PRIu64 "\n",
                     verb, (unsigned)cpu_get_pc(cpu), cpu_instructions_retired(cpu),
                     cpu_cycles(cpu));
}

static char *where_halted(const Session *s)
{
    return where(s, "halted");
}

static char *where_exited(const Session *s)
{
    Cpu *cpu = s->cfg.cpu;
    return xasprintf("exited with status %d after %" PRIu64 " instructions, cycle %" PRIu64
                     "\n", s->over_status, cpu_instructions_retired(cpu), cpu_cycles(cpu));
}

static void reply_text(Session *s, uint64_t client, char *text, bool ok)
{
    console_reply(s->cfg.console, client, text ? text : "", text ? strlen(text) : 0, ok);
    free(text);
}

/* The control client's input has ended (docs/CONTROL.md, Ending). */
static bool control_client_gone(const Session *s)
{
    return s->cfg.control && console_client_gone(s->cfg.console);
}

/* The control client's input has ended, or ends after lines not read
 * yet (`held` had no room for them). */
static bool control_input_ending(const Session *s)
{
    return s->cfg.control && console_input_ending(s->cfg.console);
}

/* Why a run command cannot run now (malloc'd), or NULL. */
static char *run_refusal(const Session *s)
{
    if (s->over)
        return xasprintf("error: the firmware has exited (status %d)\n", s->over_status);
    if (control_input_ending(s))
        return xstrdup("error: the control client has gone\n");
    return NULL;
}

/* run-until NAME "TEXT": where its first occurrence in what NAME sent
 * ends, when it is there. */
static bool goal_text_found(const Session *s, const MonitorRequest *r, size_t *end)
{
    return uart_taps_find(s->cfg.taps, r->device, r->text, r->text_len, end);
}

/* `info state`. */
static char *state_text(const Session *s)
{
    if (s->over)
        return where_exited(s);
    return where(s, s->halted ? "halted" : "running");
}

/* Acts on a console command's run control, replacing *output (and *ok)
 * when the reply is the control's; false when the reply waits for the
 * end of a run. */
static bool console_control(Session *s, MonitorRequest *r, uint64_t client, char **output,
                            bool *ok)
{
    char *refusal = NULL;
    switch (r->action) {
    case MONITOR_ACT_STOP:
    case MONITOR_ACT_CONT:
    case MONITOR_ACT_STEP:
    case MONITOR_ACT_RUN_FOR:
    case MONITOR_ACT_RUN_UNTIL:
        refusal = run_refusal(s);
        break;
    default:
        break;
    }
    if (refusal) {
        free(*output);
        *output = refusal;
        *ok = false;
        return true;
    }
    size_t end;
    switch (r->action) {
    case MONITOR_ACT_NONE:
        return true;
    case MONITOR_ACT_STATE:
        free(*output);
        *output = state_text(s);
        return true;
    case MONITOR_ACT_STOP:
        s->halted = true;
        free(*output);
        *output = where_halted(s);
        return true;
    case MONITOR_ACT_CONT:
        s->halted = false;
        return true;
    case MONITOR_ACT_RUN_UNTIL:
        if (r->device && goal_text_found(s, r, &end)) { /* there already */
            uart_taps_consume(s->cfg.taps, r->device, end);
            s->halted = true;
            free(*output);
            *output = where_halted(s);
            return true;
        }
        /* fall through */
    case MONITOR_ACT_STEP:
    case MONITOR_ACT_RUN_FOR:
        bounded_start(s, &s->console_run, r);
        s->console_run.client = client;
        s->halted = false;
        return false;
    case MONITOR_ACT_QUIT:
        if (s->over && !r->has_status) {
            s->closing = true; /* the firmware's status stands */
            return true;
        }
        s->end = SESSION_QUIT;
        s->quit_status = r->status;
        return true;
    }
    return true;
}

/* A run-until's reply when it missed its goal: why, then where it
 * halted. */
static char *goal_missed(const Session *s, const BoundedRun *b, RunFinish why)
{
    char *halted = where_halted(s);
    char *text;
    if (why == FINISH_DONE)
        text = xasprintf("error: run-until: %s within %s\n%s", b->goal.goal, b->goal.limit,
                         halted);
    else if (why == FINISH_ASLEEP)
        text = xasprintf("error: run-until: %s: the hart waits for an interrupt nothing "
                         "will raise\n%s", b->goal.goal, halted);
    else
        text = xasprintf("error: run-until: %s: stopped\n%s", b->goal.goal, halted);
    free(halted);
    return text;
}

/* A console `step`, `run-for` or `run-until` has ended: halted, and the
 * reply says where (a run-until that matched consumes the UART's output
 * through the match; one that missed says so first). */
static void console_run_finished(Session *s, RunFinish why)
{
    BoundedRun *b = &s->console_run;
    bool until = b->goal.action == MONITOR_ACT_RUN_UNTIL;
    bool ok = !until || b->matched;
    char *text;
    size_t end;
    if (until && b->matched && b->goal.device && goal_text_found(s, &b->goal, &end))
        uart_taps_consume(s->cfg.taps, b->goal.device, end);
    text = ok ? where_halted(s) : goal_missed(s, b, why);
    uint64_t client = b->client;
    bounded_end(s, b);
    s->halted = true;
    reply_text(s, client, text, ok);
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

/* A `stop` or `quit` read since the console's run began running, or
 * the control client gone (also behind lines `held` has no room for). */
static bool run_interrupted(const Session *s)
{
    if (!s->console_run.active)
        return false;
    if (control_client_gone(s) || (s->held_count == HELD_MAX && control_input_ending(s)))
        return true;
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
    if (!s->held_count || s->console_run.active || s->end != SESSION_RUNNING || s->closing)
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
    if (console_control(s, &r, h.client, &output, &ok))
        reply_text(s, h.client, output, ok);
    else
        free(output); /* a run command prints nothing before it runs */
    monitor_request_free(&r);
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
            console_run_finished(s, FINISH_STOPPED);
    } while (run_held_line(s));
}

/* The control client has gone and every line it sent is answered: the
 * session ends (SESSION_HUNG_UP unless the firmware's run is over). */
static bool control_done(Session *s)
{
    if (!control_client_gone(s) || s->held_count || s->console_run.active)
        return false;
    if (s->over)
        s->closing = true;
    else if (s->end == SESSION_RUNNING)
        s->end = SESSION_HUNG_UP;
    return true;
}

/* The run ends while a console `step` or `run-for` waits. */
static void console_run_cut(Session *s, const char *why)
{
    if (!s->console_run.active)
        return;
    uint64_t client = s->console_run.client;
    bounded_end(s, &s->console_run);
    reply_text(s, client, xasprintf("error: the run ended (%s)\n", why), false);
}

/* ---- the scenario ---- */

static void scenario_control(Session *s, MonitorRequest *r)
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
    case MONITOR_ACT_RUN_UNTIL: /* the console's only (sim/monitor.c) */
    case MONITOR_ACT_STATE:
        break;
    }
}

static void scenario_steps(Session *s)
{
    Scenario *sc = s->cfg.scenario;
    if (!sc)
        return;
    if (bounded_done(s, &s->scenario_run)) {
        bounded_end(s, &s->scenario_run);
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

/* The logged inputs due at this boundary, replayed. */
static void replay_due(Session *s)
{
    if (s->cfg.replay_due)
        s->cfg.replay_due(s->cfg.opaque);
}

static uint64_t replay_insns_left(Session *s)
{
    return s->cfg.replay_insns_left ? s->cfg.replay_insns_left(s->cfg.opaque) : UINT64_MAX;
}

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
        replay_due(s);
        if (s->cfg.console) {
            if (bounded_done(s, &s->console_run))
                console_run_finished(s, FINISH_DONE);
            else if (s->halted && s->console_run.active)
                console_run_finished(s, FINISH_STOPPED);
            console_lines(s);
            if (control_done(s))
                return;
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
    replay_due(s);
}

/* A bounded run keeps what was left of it, in cycles or instructions. */
static void bounded_moved(Session *s, BoundedRun *b, uint64_t from_cycles,
                          uint64_t from_retired)
{
    if (!b->active)
        return;
    uint64_t deadline = clock_event_deadline(b->until);
    if (deadline != CLOCK_NEVER) {
        uint64_t left = deadline > from_cycles ? deadline - from_cycles : 0;
        uint64_t now = cpu_cycles(s->cfg.cpu);
        clock_event_schedule(b->until, left > UINT64_MAX - now ? UINT64_MAX : now + left);
    }
    if (b->until_insns != UINT64_MAX) {
        uint64_t left = b->until_insns > from_retired ? b->until_insns - from_retired : 0;
        uint64_t now = cpu_instructions_retired(s->cfg.cpu);
        b->until_insns = left > UINT64_MAX - now ? UINT64_MAX : now + left;
    }
}

bool session_run_over(const Session *s)
{
    return s && s->over;
}

void session_clock_moved(Session *s, uint64_t from_cycles, uint64_t from_retired)
{
    if (!s)
        return;
    if (clock_event_pending(s->pacer))
        clock_event_schedule(s->pacer, cpu_cycles(s->cfg.cpu) + s->slice);
    bounded_moved(s, &s->console_run, from_cycles, from_retired);
    bounded_moved(s, &s->scenario_run, from_cycles, from_retired);
    s->pace_rebase = true;
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
        console_run_finished(s, FINISH_ASLEEP);
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

/* The breakpoint the CPU stopped at: a console run-until's goal (it
 * ends at this boundary), the scenario's (its step is then due and runs
 * here) and, with gdb, maybe gdb's too. True when the caller must hear
 * of it. */
static bool breakpoint_for_caller(Session *s, bool debugger)
{
    uint32_t pc = cpu_get_pc(s->cfg.cpu);
    bool goal = goal_pc_hit(s, pc);
    bool scenario = s->cfg.scenario && scenario_breakpoint_hit(s->cfg.scenario, pc);
    if (!goal && !scenario)
        return true;
    if (scenario)
        scenario_steps(s);
    return debugger && cpu_breakpoint_at(s->cfg.cpu, pc);
}

/* ---- control: after the firmware's run ---- */

/* Serves the control client once the firmware's run is over: inspection
 * works, run commands are refused, until `quit`, the client's departure
 * or --timeout. */
static void serve_over(Session *s)
{
    while (s->end == SESSION_RUNNING && !s->closing) {
        console_lines(s);
        if (control_done(s) || s->end != SESSION_RUNNING || s->closing)
            return;
        if (!wait_console(s))
            s->end = SESSION_TIMED_OUT;
    }
}

/* The firmware's run has ended (an exit, a fault, the instruction
 * limit): the run command in progress is told so, then the session
 * stays (docs/CONTROL.md). */
static void control_over(Session *s, CpuStopReason why, Error **errp)
{
    char *because = NULL;
    if (!s->cfg.exited(s->cfg.opaque, &s->over_status)) {
        if (why == CPU_STOP_FAULT) {
            s->over_status = EXIT_GUEST_FAULT;
            because = xasprintf("firmware fault: %s\n",
                                errp && *errp ? error_message(*errp) : "unknown");
        } else if (why == CPU_STOP_INSN_LIMIT) {
            s->over_status = EXIT_INSN_LIMIT;
            because = xstrdup("the instruction limit (--max-insns) was reached\n");
        } else {
            s->over_status = EXIT_SIM_ERROR;
            because = xstrdup("a debugger stop without a debugger\n");
        }
    }
    s->over = true;
    s->halted = true;
    if (s->console_run.active) {
        uint64_t client = s->console_run.client;
        char *at = where_exited(s);
        bounded_end(s, &s->console_run);
        reply_text(s, client, xasprintf("%s%s", because ? because : "", at), true);
        free(at);
    }
    free(because);
    serve_over(s);
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
        uint64_t limit = min_u64(min_u64(min_u64(left, scenario_left), replay_insns_left(s)),
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
        goal_arm(s, &s->console_run);
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
        if (s->cfg.slice_end)
            s->cfg.slice_end(s->cfg.opaque);
        if (interrupt && interrupt(ctx))
            break;
        if (paced_out(s)) {
            s->end = SESSION_TIMED_OUT;
            break;
        }
    }
    clock_event_cancel(s->pacer);
    if (s->cfg.control && s->end == SESSION_RUNNING)
        control_over(s, why, errp);
    else if (!interrupt) /* without gdb, the run is over */
        console_run_cut(s, s->end == SESSION_QUIT        ? "quit"
                           : s->end == SESSION_TIMED_OUT ? "--timeout"
                                                         : "the firmware's run is over");
    return s->end != SESSION_RUNNING ? CPU_STOP_REQUESTED : why;
}
