/* Positions in a run, and running to one exactly (sim/position.h).
 *
 * sim_run_to_ex goes in two legs. By count: cpu_run bounded by the
 * instructions still to retire, which ends right after the last one
 * (before the events due then), passing breakpoints, watchpoints and
 * others' stop requests. By time and pc: a stop event at the target's
 * cycle, which wakes a sleeping hart and ends cpu_run once the events due
 * then have run, before any interrupt is taken; then single steps while
 * only the pc differs (an interrupt or a trap the target shows taken).
 * Any instruction retired in that leg, or a cycle past the target's, means
 * the path does not go through the target.
 */
#include "sim/position.h"

#include <inttypes.h>
#include <stdio.h>

/* Stops in a row that made no progress before the run is declared stuck
 * (someone keeps asking the CPU to stop at one position). */
#define STUCK_STOPS 1000
/* Steps at one (retired, cycles) that may change the pc: an interrupt,
 * then a trap in its handler's first instruction, and so on. */
#define PC_STEPS 8

SimPosition sim_position_now(const Cpu *cpu)
{
    return (SimPosition){cpu_cycles(cpu), cpu_instructions_retired(cpu), cpu_get_pc(cpu)};
}

bool sim_position_equal(const SimPosition *a, const SimPosition *b)
{
    return a->cycles == b->cycles && a->retired == b->retired && a->pc == b->pc;
}

int sim_position_compare(const SimPosition *a, const SimPosition *b)
{
    if (a->retired != b->retired)
        return a->retired < b->retired ? -1 : 1;
    if (a->cycles != b->cycles)
        return a->cycles < b->cycles ? -1 : 1;
    return 0;
}

const char *sim_position_text(const SimPosition *p, char *buf, size_t size)
{
    snprintf(buf, size, "pc 0x%08" PRIx32 " after %" PRIu64 " instructions, cycle %" PRIu64,
             p->pc, p->retired, p->cycles);
    return buf;
}

bool sim_events_due(const Clock *clock, const Cpu *cpu)
{
    return clock_next_deadline(clock) <= cpu_cycles(cpu);
}

/* ---- running ---- */

typedef struct RunTo {
    Cpu *cpu;
    Clock *clock;
    const SimPosition *target;
    const SimRunHooks *hooks;
    ClockEvent *stop;  /* at target->cycles; NULL until needed */
    bool stop_fired;
    SimPosition last;  /* for the stuck check */
    unsigned stuck;
    char want[SIM_POSITION_TEXT_MAX]; /* the target, for messages */
} RunTo;

static void stop_fired(void *opaque)
{
    RunTo *r = opaque;
    r->stop_fired = true;
    cpu_request_stop(r->cpu);
}

static bool fail(RunTo *r, Error **errp, const char *why)
{
    char at[SIM_POSITION_TEXT_MAX];
    SimPosition now = sim_position_now(r->cpu);
    error_setf(errp, "cannot reach %s: %s (the hart is at %s)", r->want, why,
               sim_position_text(&now, at, sizeof at));
    return false;
}

/* Ahead of the target on the path, or past its cycle: it is out of reach. */
static bool passed(const RunTo *r)
{
    SimPosition now = sim_position_now(r->cpu);
    return sim_position_compare(&now, r->target) > 0 || now.cycles > r->target->cycles;
}

/* One cpu_run (or step) and what its stop means here: true to go on. A
 * breakpoint or watchpoint is passed by the next run; another's stop
 * request is ignored unless the run has ended or keeps stopping. */
static bool run_piece(RunTo *r, bool step, uint64_t max_insns, Error **errp)
{
    Error *err = NULL;
    CpuStopReason why = step ? cpu_step(r->cpu, &err) : cpu_run(r->cpu, max_insns, &err);
    if (why == CPU_STOP_FAULT) {
        error_setf(errp, "cannot reach %s: %s", r->want, err ? error_message(err) : "a fault");
        error_free(err);
        return false;
    }
    error_free(err);
    SimPosition now = sim_position_now(r->cpu);
    if (r->hooks && r->hooks->ended && r->hooks->ended(r->hooks->opaque) &&
        !sim_position_equal(&now, r->target)) /* an exit exactly there reaches it */
        return fail(r, errp, "the run ended");
    if (sim_position_equal(&now, &r->last) && why == CPU_STOP_REQUESTED && !r->stop_fired) {
        if (++r->stuck >= STUCK_STOPS)
            return fail(r, errp, "the run keeps stopping there");
    } else {
        r->stuck = 0;
    }
    r->last = now;
    return true;
}

/* By count: right after the target's last instruction retired. */
static bool run_by_count(RunTo *r, Error **errp)
{
    for (;;) {
        uint64_t retired = cpu_instructions_retired(r->cpu);
        if (retired >= r->target->retired)
            return true;
        if (cpu_cycles(r->cpu) > r->target->cycles)
            return fail(r, errp, "passed its cycle");
        if (!run_piece(r, false, r->target->retired - retired, errp))
            return false;
    }
}

/* Whether the target is reached: cycles, retired and pc, and settled
 * (the stop event ran at its cycle, or nothing is due there). */
static bool at_target(const RunTo *r, bool settled)
{
    SimPosition now = sim_position_now(r->cpu);
    if (!sim_position_equal(&now, r->target))
        return false;
    return !settled || r->stop_fired || !sim_events_due(r->clock, r->cpu);
}

/* Runs until the stop event at the target's cycle fired: the hart sleeps
 * there, or the events due now run; no instruction may retire. */
static bool settle(RunTo *r, Error **errp)
{
    if (!r->stop) {
        r->stop = clock_event_new(r->clock, stop_fired, r);
        clock_event_schedule(r->stop, r->target->cycles);
    }
    while (!r->stop_fired) {
        if (!run_piece(r, false, 1, errp))
            return false;
        if (passed(r) || cpu_instructions_retired(r->cpu) > r->target->retired)
            return fail(r, errp, "the run went past it (is it on this run's path?)");
    }
    return true;
}

/* By time and pc, settled. */
static bool run_by_time(RunTo *r, Error **errp)
{
    for (unsigned steps = 0; !at_target(r, true); steps++) {
        if (passed(r))
            return fail(r, errp, "the run went past it (is it on this run's path?)");
        if (!r->stop_fired) {
            if (!settle(r, errp))
                return false;
            continue;
        }
        if (cpu_cycles(r->cpu) != r->target->cycles || steps >= PC_STEPS)
            return fail(r, errp, "the run does not pass there");
        if (!run_piece(r, true, 1, errp))
            return false;
    }
    return true;
}

bool sim_run_to_ex(Cpu *cpu, Clock *clock, const SimPosition *target, SimLanding landing,
                   const SimRunHooks *hooks, Error **errp)
{
    RunTo r = {.cpu = cpu, .clock = clock, .target = target, .hooks = hooks,
               .last = sim_position_now(cpu)};
    sim_position_text(target, r.want, sizeof r.want);
    bool ok;
    if (passed(&r))
        ok = fail(&r, errp, "it is behind");
    else if (!run_by_count(&r, errp))
        ok = false;
    else if (landing == SIM_LAND_BEFORE_EVENTS && at_target(&r, false))
        ok = true;
    else
        ok = run_by_time(&r, errp);
    clock_event_free(r.stop);
    return ok;
}

bool sim_run_to(Cpu *cpu, Clock *clock, const SimPosition *target, Error **errp)
{
    return sim_run_to_ex(cpu, clock, target, SIM_LAND_SETTLED, NULL, errp);
}

bool sim_run_to_retired(Cpu *cpu, Clock *clock, uint64_t retired, const SimRunHooks *hooks,
                        SimPosition *reached, Error **errp)
{
    SimPosition target = {UINT64_MAX, retired, 0};
    RunTo r = {.cpu = cpu, .clock = clock, .target = &target, .hooks = hooks,
               .last = sim_position_now(cpu)};
    snprintf(r.want, sizeof r.want, "%" PRIu64 " instructions", retired);
    bool ok = cpu_instructions_retired(cpu) <= retired;
    if (!ok)
        fail(&r, errp, "it is behind");
    else
        ok = run_by_count(&r, errp);
    if (reached)
        *reached = sim_position_now(cpu);
    return ok;
}
