/* A scenario running (sim/scenario.h).
 *
 * One step is armed at a time (`armed`); its trigger marks it due and asks
 * the CPU to stop, and the run loop then calls scenario_service at the
 * boundary, which runs the step's commands. Expectations outlive their
 * step: each expect-uart watches its device from the step's firing until
 * it sees its text or the step's deadline event fails it, while later
 * steps go on.
 *
 * A Watch finds a text in a device's output without keeping the output:
 * it keeps the last bytes seen (enough to find a text split across writes,
 * and a tail to show in a failure message), so memory stays bounded
 * whatever the firmware prints.
 */
#include "sim/scenario.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sim/junit.h"
#include "soc/alloc.h"

#define NS_PER_S UINT64_C(1000000000)
#define TAIL_SHOWN 200 /* bytes of a device's output quoted in a failure */

typedef struct Watch {
    const char *device;
    const char *text;
    size_t tlen;
    char *tail; /* the last bytes seen: at most `keep` */
    size_t len, keep;
    bool dropped; /* older output was let go */
    bool seen;
} Watch;

typedef enum Verdict {
    VERDICT_OPEN,
    VERDICT_PASSED,
    VERDICT_FAILED,
    VERDICT_SKIPPED,
} Verdict;

typedef struct Outcome {
    Verdict verdict;
    char *message; /* why it failed or was skipped; malloc'd */
    uint64_t settled; /* cycle it passed or failed at */
} Outcome;

typedef struct ExpectRun {
    const ScenarioExpectUart *src;
    Watch watch;
    Outcome outcome;
} ExpectRun;

typedef enum StepState {
    STEP_WAITING,  /* a step before it has not run its commands yet */
    STEP_ARMED,    /* its trigger may fire */
    STEP_DUE,      /* fired: its commands run at the next boundary */
    STEP_RUNNING,  /* its commands are running (a run-for in between) */
    STEP_DONE,     /* its commands ran */
} StepState;

typedef struct StepRun {
    const ScenarioStep *src;
    Scenario *scenario;
    StepState state;
    uint32_t pc;          /* SCENARIO_AT_PC, resolved */
    uint64_t fired_cycle; /* when its commands began */
    size_t next_command;
    bool waits_for_run;
    Outcome outcome;      /* the trigger and the commands */
    ExpectRun *expects;
    ClockEvent *deadline; /* the expect-uart limit; NULL: none pending */
    Outcome exit_outcome; /* expect-exit */
} StepRun;

struct Scenario {
    ScenarioFile *file;
    ScenarioContext ctx;
    StepRun *steps;
    size_t nsteps;
    size_t armed;         /* the step armed, due or running; nsteps: none */
    /* No step before this one waits for UART text: output is matched
     * against steps open_from..armed only, however long the file. */
    size_t open_from;
    ClockEvent *at_event; /* the armed `at` trigger */
    Watch trigger;        /* the armed `on-uart` trigger */
    bool breakpoint_set;  /* the armed `pc` trigger's */
    bool failed;
};

/* ---- watching output ---- */

static void watch_start(Watch *w, const char *device, const char *text)
{
    free(w->tail);
    size_t tlen = strlen(text);
    *w = (Watch){.device = device, .text = text, .tlen = tlen, .seen = tlen == 0,
                 .keep = tlen > TAIL_SHOWN ? tlen : TAIL_SHOWN};
    w->tail = xmalloc(w->keep + 1);
}

static void watch_fini(Watch *w)
{
    free(w->tail);
    *w = (Watch){0};
}

/* Feeds bytes the device wrote; true when the text has now been seen. */
static bool watch_feed(Watch *w, const uint8_t *bytes, size_t len)
{
    if (w->seen)
        return true;
    /* Look in what was kept plus the new bytes, a chunk at a time, so
     * nothing is copied beyond the window. */
    size_t chunk = w->keep - w->tlen + 1; /* a match ending in it starts in the window */
    while (len && !w->seen) {
        size_t take = len < chunk ? len : chunk;
        if (w->len + take > w->keep) { /* drop the oldest bytes to make room */
            size_t drop = w->len + take - w->keep;
            memmove(w->tail, w->tail + drop, w->len - drop);
            w->len -= drop;
            w->dropped = true;
        }
        memcpy(w->tail + w->len, bytes, take);
        w->len += take;
        bytes += take;
        len -= take;
        w->seen = memmem(w->tail, w->len, w->text, w->tlen) != NULL;
    }
    return w->seen;
}

/* `len` bytes quoted, with escapes for what would not read as text, and
 * "..." before when `cut` (an earlier part is not shown); malloc'd. */
static char *quote_bytes(const char *bytes, size_t len, bool cut)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    if (!out)
        abort();
    fputs(cut ? "...\"" : "\"", out);
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)bytes[i];
        if (ch == '\n')
            fputs("\\n", out);
        else if (ch == '"' || ch == '\\')
            fprintf(out, "\\%c", ch);
        else if (ch < 0x20 || ch >= 0x7f)
            fprintf(out, "\\x%02x", ch);
        else
            fputc(ch, out);
    }
    fputc('"', out);
    fclose(out);
    return text;
}

/* The last output the watch kept, quoted; malloc'd. */
static char *watch_shown(const Watch *w)
{
    size_t from = w->len > TAIL_SHOWN ? w->len - TAIL_SHOWN : 0;
    return quote_bytes(w->tail + from, w->len - from, from > 0 || w->dropped);
}

static char *quoted(const char *text)
{
    return quote_bytes(text, strlen(text), false);
}

/* ---- the log ---- */

static void say(const Scenario *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void say(const Scenario *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("mcusim: scenario: ", s->ctx.log);
    vfprintf(s->ctx.log, fmt, ap);
    fputc('\n', s->ctx.log);
    va_end(ap);
    fflush(s->ctx.log);
}

/* Each line of a command's output, prefixed. */
static void say_lines(const Scenario *s, const char *text)
{
    while (text && *text) {
        const char *nl = strchr(text, '\n');
        int n = nl ? (int)(nl - text) : (int)strlen(text);
        say(s, "%.*s", n, text);
        text += n + (nl != NULL);
    }
}

static const char *step_name(const StepRun *r)
{
    return r->src->name;
}

/* Settles an outcome as failed with a malloc'd message, said on the log
 * with the place in the file; the scenario has failed. */
static void fail_outcome(StepRun *r, Outcome *o, SourceLoc at, char *message)
{
    Scenario *s = r->scenario;
    o->verdict = VERDICT_FAILED;
    o->message = message;
    o->settled = clock_now(s->ctx.clock);
    s->failed = true;
    say(s, "%s:%u:%u: step '%s' failed: %s", at.file, at.line, at.col, step_name(r),
        message);
}

static void skip_outcome(Outcome *o, const char *why)
{
    o->verdict = VERDICT_SKIPPED;
    o->message = xstrdup(why);
}

/* ---- arming triggers ---- */

static uint64_t at_cycle(const Scenario *s, const ScenarioStep *step)
{
    if (step->time_in_cycles)
        return step->value;
    return clock_cycles_from(s->ctx.clock, step->value, NS_PER_S);
}

static void disarm(Scenario *s)
{
    clock_event_cancel(s->at_event);
    watch_fini(&s->trigger);
    if (s->breakpoint_set) {
        cpu_breakpoint_remove(s->ctx.cpu, s->steps[s->armed].pc);
        s->breakpoint_set = false;
    }
}

static void arm(Scenario *s, size_t index)
{
    s->armed = index;
    if (index == s->nsteps)
        return;
    StepRun *r = &s->steps[index];
    const ScenarioStep *step = r->src;
    r->state = STEP_ARMED;
    switch (step->trigger) {
    case SCENARIO_AT_TIME:
        clock_event_schedule(s->at_event, at_cycle(s, step));
        break;
    case SCENARIO_ON_UART:
        watch_start(&s->trigger, step->uart_device, step->uart_text);
        break;
    case SCENARIO_AT_PC:
        cpu_breakpoint_add(s->ctx.cpu, r->pc);
        s->breakpoint_set = true;
        break;
    case SCENARIO_AT_INSNS:
        break; /* scenario_insns_left bounds the slices */
    }
}

/* The armed step's trigger fired: its commands run at the next boundary. */
static void make_due(Scenario *s)
{
    StepRun *r = &s->steps[s->armed];
    disarm(s);
    r->state = STEP_DUE;
    cpu_request_stop(s->ctx.cpu);
}

static void at_fired(void *opaque)
{
    Scenario *s = opaque;
    if (s->armed < s->nsteps && s->steps[s->armed].state == STEP_ARMED)
        make_due(s);
}

/* ---- expectations ---- */

static void deadline_passed(void *opaque)
{
    StepRun *r = opaque;
    char within[32];
    uint64_t ns = r->src->within_ns;
    if (ns % 1000000 == 0)
        snprintf(within, sizeof within, "%" PRIu64 "ms", ns / 1000000);
    else if (ns % 1000 == 0)
        snprintf(within, sizeof within, "%" PRIu64 "us", ns / 1000);
    else
        snprintf(within, sizeof within, "%" PRIu64 "ns", ns);
    for (size_t i = 0; i < r->src->nexpect_uart; i++) {
        ExpectRun *e = &r->expects[i];
        if (e->outcome.verdict != VERDICT_OPEN)
            continue;
        char *want = quoted(e->src->text), *seen = watch_shown(&e->watch);
        fail_outcome(r, &e->outcome, e->src->loc,
                     xasprintf("expect-uart %s %s: not seen within %s (by cycle %" PRIu64
                               "); %s printed since the step fired: %s",
                               e->src->device, want, within,
                               clock_now(r->scenario->ctx.clock), e->src->device, seen));
        free(want);
        free(seen);
    }
    cpu_request_stop(r->scenario->ctx.cpu);
}

static bool expects_open(const StepRun *r)
{
    for (size_t i = 0; i < r->src->nexpect_uart; i++)
        if (r->expects[i].outcome.verdict == VERDICT_OPEN)
            return true;
    return false;
}

static void start_expects(StepRun *r)
{
    Scenario *s = r->scenario;
    if (r->src->nexpect_uart == 0)
        return;
    for (size_t i = 0; i < r->src->nexpect_uart; i++) {
        ExpectRun *e = &r->expects[i];
        watch_start(&e->watch, e->src->device, e->src->text);
    }
    uint64_t within = clock_cycles_from(s->ctx.clock, r->src->within_ns, NS_PER_S);
    r->deadline = clock_event_new(s->ctx.clock, deadline_passed, r);
    /* Saturated: a `within` longer than the cycles left never expires
     * (clock_cycles_from gives CLOCK_NEVER for one too long to count). */
    uint64_t limit = within > CLOCK_NEVER - r->fired_cycle ? CLOCK_NEVER
                                                            : r->fired_cycle + within;
    clock_event_schedule(r->deadline, limit < CLOCK_NEVER ? limit + 1 : limit);
}

static void expect_seen(StepRun *r, ExpectRun *e)
{
    Scenario *s = r->scenario;
    e->outcome.verdict = VERDICT_PASSED;
    e->outcome.settled = clock_now(s->ctx.clock);
    char *want = quoted(e->src->text);
    say(s, "step '%s': expect-uart %s %s: seen at cycle %" PRIu64, step_name(r),
        e->src->device, want, e->outcome.settled);
    free(want);
    if (!expects_open(r)) {
        clock_event_free(r->deadline);
        r->deadline = NULL;
    }
}

void scenario_uart_output(void *opaque, const char *device, const uint8_t *bytes,
                          size_t len)
{
    Scenario *s = opaque;
    if (s->trigger.device && strcmp(s->trigger.device, device) == 0 &&
        watch_feed(&s->trigger, bytes, len))
        make_due(s);
    while (s->open_from < s->armed && s->open_from < s->nsteps &&
           !s->steps[s->open_from].deadline)
        s->open_from++;
    for (size_t i = s->open_from; i < s->nsteps && i <= s->armed; i++) {
        StepRun *r = &s->steps[i];
        if (!r->deadline)
            continue;
        for (size_t j = 0; j < r->src->nexpect_uart; j++) {
            ExpectRun *e = &r->expects[j];
            if (e->outcome.verdict == VERDICT_OPEN && strcmp(e->src->device, device) == 0 &&
                watch_feed(&e->watch, bytes, len))
                expect_seen(r, e);
        }
    }
}

/* ---- running a step's commands ---- */

uint64_t scenario_insns_left(const Scenario *s)
{
    if (s->armed == s->nsteps)
        return UINT64_MAX;
    const StepRun *r = &s->steps[s->armed];
    if (r->state != STEP_ARMED || r->src->trigger != SCENARIO_AT_INSNS)
        return UINT64_MAX;
    uint64_t now = cpu_instructions_retired(s->ctx.cpu);
    return r->src->value > now ? r->src->value - now : 0;
}

bool scenario_breakpoint_hit(Scenario *s, uint32_t pc)
{
    if (s->armed == s->nsteps || !s->breakpoint_set || s->steps[s->armed].pc != pc)
        return false;
    make_due(s);
    return true;
}

static void fire(Scenario *s, StepRun *r)
{
    Cpu *cpu = s->ctx.cpu;
    r->state = STEP_RUNNING;
    r->fired_cycle = cpu_cycles(cpu);
    say(s, "step '%s' fired at cycle %" PRIu64 " (pc 0x%08x, %" PRIu64 " instructions)",
        step_name(r), r->fired_cycle, (unsigned)cpu_get_pc(cpu),
        cpu_instructions_retired(cpu));
    start_expects(r);
}

/* Runs one command; false when it failed (the step has failed). */
static bool run_command(Scenario *s, StepRun *r, size_t i, MonitorRequest *request)
{
    const char *line = r->src->commands[i];
    say(s, "> %s", line);
    bool ok;
    char *output = monitor_exec_text(s->ctx.monitor, MONITOR_FROM_SCENARIO, line, request,
                                     &ok);
    say_lines(s, output);
    if (ok && request->action == MONITOR_ACT_STOP && !s->ctx.can_halt) {
        ok = false;
        free(output);
        output = xstrdup("error: 'stop' needs a console (--monitor) to continue the run");
        say_lines(s, output);
    }
    if (!ok) {
        const char *why = output && strncmp(output, "error: ", 7) == 0 ? output + 7 : output;
        size_t n = why ? strcspn(why, "\n") : 0;
        fail_outcome(r, &r->outcome, r->src->command_locs[i],
                     xasprintf("command '%s' failed: %.*s", line, (int)n, why ? why : ""));
        *request = (MonitorRequest){.action = MONITOR_ACT_NONE};
    }
    free(output);
    return ok;
}

static void step_done(Scenario *s, StepRun *r)
{
    r->state = STEP_DONE;
    if (r->outcome.verdict == VERDICT_OPEN) {
        r->outcome.verdict = VERDICT_PASSED;
        r->outcome.settled = cpu_cycles(s->ctx.cpu);
    }
    arm(s, s->armed + 1);
}

bool scenario_service(Scenario *s, MonitorRequest *request)
{
    *request = (MonitorRequest){.action = MONITOR_ACT_NONE};
    if (s->failed || s->armed == s->nsteps)
        return false;
    StepRun *r = &s->steps[s->armed];
    if (r->state == STEP_ARMED && r->src->trigger == SCENARIO_AT_INSNS &&
        scenario_insns_left(s) == 0)
        make_due(s);
    if (r->state == STEP_DUE)
        fire(s, r);
    if (r->state != STEP_RUNNING || r->waits_for_run)
        return false;
    while (r->next_command < r->src->ncommands) {
        if (!run_command(s, r, r->next_command++, request))
            return true; /* the step failed: the run loop ends the run */
        if (request->action == MONITOR_ACT_STEP || request->action == MONITOR_ACT_RUN_FOR)
            r->waits_for_run = true;
        if (request->action != MONITOR_ACT_NONE)
            return true;
    }
    step_done(s, r);
    return true;
}

void scenario_run_done(Scenario *s)
{
    if (s->armed < s->nsteps)
        s->steps[s->armed].waits_for_run = false;
}

bool scenario_waits_for_run(const Scenario *s)
{
    return s->armed < s->nsteps && s->steps[s->armed].waits_for_run;
}

bool scenario_failed(const Scenario *s)
{
    return s->failed;
}

/* ---- the end ---- */

static void finish_expects(Scenario *s, StepRun *r, const ScenarioEnd *end,
                           bool ended_by_failure)
{
    for (size_t i = 0; i < r->src->nexpect_uart; i++) {
        ExpectRun *e = &r->expects[i];
        if (e->outcome.verdict != VERDICT_OPEN)
            continue;
        if (ended_by_failure || r->state < STEP_RUNNING) {
            skip_outcome(&e->outcome, r->state < STEP_RUNNING
                                          ? "not checked: the step never triggered"
                                          : "not checked: the run ended at a failure");
            continue;
        }
        char *want = quoted(e->src->text), *seen = watch_shown(&e->watch);
        fail_outcome(r, &e->outcome, e->src->loc,
                     xasprintf("expect-uart %s %s: not seen before the run ended (%s); %s "
                               "printed since the step fired: %s", e->src->device, want,
                               end->exited ? "the firmware exited" : end->reason,
                               e->src->device, seen));
        free(want);
        free(seen);
    }
    clock_event_free(r->deadline);
    r->deadline = NULL;
    if (!r->src->has_expect_exit)
        return;
    Outcome *o = &r->exit_outcome;
    if (ended_by_failure || r->state < STEP_RUNNING) {
        skip_outcome(o, r->state < STEP_RUNNING ? "not checked: the step never triggered"
                                                : "not checked: the run ended at a failure");
    } else if (!end->exited) {
        fail_outcome(r, o, r->src->expect_exit_loc,
                     xasprintf("expect-exit %d: the firmware did not exit (%s)",
                               r->src->expect_exit, end->reason));
    } else if (end->status != r->src->expect_exit) {
        fail_outcome(r, o, r->src->expect_exit_loc,
                     xasprintf("expect-exit %d: the firmware exited with status %d",
                               r->src->expect_exit, end->status));
    } else {
        o->verdict = VERDICT_PASSED;
        o->settled = clock_now(s->ctx.clock);
        say(s, "step '%s': expect-exit %d: exited with %d", step_name(r),
            r->src->expect_exit, end->status);
    }
}

static void finish_step(Scenario *s, StepRun *r, const ScenarioEnd *end,
                        bool ended_by_failure)
{
    if (r->outcome.verdict == VERDICT_OPEN) {
        const char *why = end->exited ? "the firmware exited first" : end->reason;
        if (ended_by_failure)
            skip_outcome(&r->outcome, r->state < STEP_RUNNING
                                          ? "not reached: the run ended at a failure"
                                          : "not finished: the run ended at a failure");
        else if (r->state < STEP_RUNNING)
            fail_outcome(r, &r->outcome, r->src->trigger_loc,
                         xasprintf("never triggered: the run ended (%s)", why));
        else
            fail_outcome(r, &r->outcome, r->next_command ? r->src->command_locs[r->next_command - 1]
                                                         : r->src->trigger_loc,
                         xasprintf("its commands did not all run: the run ended (%s)", why));
    }
    finish_expects(s, r, end, ended_by_failure);
}

void scenario_finish(Scenario *s, const ScenarioEnd *end)
{
    /* A trigger that fired at the firmware's last boundary still runs its
     * commands (run control means nothing now); a step waiting for a
     * run-for does not go on. */
    MonitorRequest ignored;
    while (!s->failed && s->armed < s->nsteps && !s->steps[s->armed].waits_for_run &&
           (s->steps[s->armed].state == STEP_DUE ||
            s->steps[s->armed].state == STEP_RUNNING))
        scenario_service(s, &ignored);
    if (s->armed < s->nsteps)
        disarm(s);
    bool ended_by_failure = s->failed;
    for (size_t i = 0; i < s->nsteps; i++)
        finish_step(s, &s->steps[i], end, ended_by_failure);
    size_t failed = 0, total = 0;
    for (size_t i = 0; i < s->nsteps; i++) {
        const StepRun *r = &s->steps[i];
        total += 1 + r->src->nexpect_uart + r->src->has_expect_exit;
        failed += r->outcome.verdict == VERDICT_FAILED;
        failed += r->exit_outcome.verdict == VERDICT_FAILED;
        for (size_t j = 0; j < r->src->nexpect_uart; j++)
            failed += r->expects[j].outcome.verdict == VERDICT_FAILED;
    }
    if (failed)
        say(s, "%s: %zu of %zu checks failed", s->file->path, failed, total);
    else
        say(s, "%s: all %zu checks passed", s->file->path, total);
}

/* ---- the JUnit report ---- */

static double seconds_between(const Scenario *s, uint64_t from, uint64_t to)
{
    return to > from ? (double)(to - from) / (double)clock_hz(s->ctx.clock) : 0.0;
}

static JunitCase junit_case(const Scenario *s, const StepRun *r, char *name,
                            const Outcome *o)
{
    JunitCase c = {.name = name};
    if (o->verdict == VERDICT_FAILED)
        c.failure = o->message ? o->message : "failed";
    else if (o->verdict == VERDICT_SKIPPED || o->verdict == VERDICT_OPEN)
        c.skipped = o->message ? o->message : "not run";
    if (r->state >= STEP_RUNNING &&
        (o->verdict == VERDICT_PASSED || o->verdict == VERDICT_FAILED))
        c.seconds = seconds_between(s, r->fired_cycle, o->settled);
    return c;
}

bool scenario_write_junit(const Scenario *s, FILE *out)
{
    size_t n = 0, cap = 0;
    for (size_t i = 0; i < s->nsteps; i++)
        cap += 1 + s->steps[i].src->nexpect_uart + s->steps[i].src->has_expect_exit;
    JunitCase *cases = xcalloc(cap ? cap : 1, sizeof *cases);
    char **names = xcalloc(cap ? cap : 1, sizeof *names);
    for (size_t i = 0; i < s->nsteps; i++) {
        const StepRun *r = &s->steps[i];
        names[n] = xstrdup(step_name(r));
        cases[n] = junit_case(s, r, names[n], &r->outcome);
        n++;
        for (size_t j = 0; j < r->src->nexpect_uart; j++) {
            char *want = quoted(r->src->expect_uart[j].text);
            names[n] = xasprintf("%s: expect-uart %s %s", step_name(r),
                                 r->src->expect_uart[j].device, want);
            free(want);
            cases[n] = junit_case(s, r, names[n], &r->expects[j].outcome);
            n++;
        }
        if (r->src->has_expect_exit) {
            names[n] = xasprintf("%s: expect-exit %d", step_name(r), r->src->expect_exit);
            cases[n] = junit_case(s, r, names[n], &r->exit_outcome);
            n++;
        }
    }
    bool ok = junit_write(out, s->file->path, "mcusim.scenario", cases, n);
    int err = errno; /* the write's, for the caller's message */
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    free(cases);
    errno = err;
    return ok;
}

/* ---- life ---- */

static bool resolve_pc(Scenario *s, StepRun *r, Error **errp)
{
    const ScenarioStep *step = r->src;
    if (step->trigger != SCENARIO_AT_PC)
        return true;
    if (!step->symbol) {
        r->pc = (uint32_t)step->value;
        return true;
    }
    if (s->ctx.syms && elf_symbol_address(s->ctx.syms, step->symbol, &r->pc))
        return true;
    const SourceLoc *at = &step->trigger_loc;
    error_setf(errp, "%s:%u:%u: step '%s': the firmware has no symbol '%s'", at->file,
               at->line, at->col, step->name, step->symbol);
    return false;
}

Scenario *scenario_new(ScenarioFile *file, const ScenarioContext *context, Error **errp)
{
    Scenario *s = xcalloc(1, sizeof *s);
    s->file = file;
    s->ctx = *context;
    s->nsteps = file->nsteps;
    s->steps = xcalloc(s->nsteps ? s->nsteps : 1, sizeof *s->steps);
    s->armed = s->nsteps;
    for (size_t i = 0; i < s->nsteps; i++) {
        StepRun *r = &s->steps[i];
        r->src = &file->steps[i];
        r->scenario = s;
        r->expects = xcalloc(r->src->nexpect_uart ? r->src->nexpect_uart : 1,
                             sizeof *r->expects);
        for (size_t j = 0; j < r->src->nexpect_uart; j++)
            r->expects[j].src = &r->src->expect_uart[j];
    }
    for (size_t i = 0; i < s->nsteps; i++) {
        if (!resolve_pc(s, &s->steps[i], errp)) {
            scenario_free(s);
            return NULL;
        }
    }
    s->at_event = clock_event_new(s->ctx.clock, at_fired, s);
    arm(s, 0);
    return s;
}

static void outcome_fini(Outcome *o)
{
    free(o->message);
}

void scenario_free(Scenario *s)
{
    if (!s)
        return;
    if (s->armed < s->nsteps)
        disarm(s);
    for (size_t i = 0; i < s->nsteps; i++) {
        StepRun *r = &s->steps[i];
        for (size_t j = 0; j < r->src->nexpect_uart; j++) {
            watch_fini(&r->expects[j].watch);
            outcome_fini(&r->expects[j].outcome);
        }
        free(r->expects);
        clock_event_free(r->deadline);
        outcome_fini(&r->outcome);
        outcome_fini(&r->exit_outcome);
    }
    watch_fini(&s->trigger);
    clock_event_free(s->at_event);
    free(s->steps);
    scenario_file_free(s->file);
    free(s);
}
