/* mcusim's monitor, console and scenario (sim/monitor.h, sim/console.h,
 * sim/scenario.h) wired to the application's parts (sim/app.h), and the
 * sliced run loop (sim/session.h) they and --gdb, --timeout, --realtime
 * and --replay need. */
#include <stdio.h>

#include "sim/app.h"
#include "sim/board_choice.h"
#include "soc/alloc.h"

/* The monitor's commands (MonitorContext.will_run) are inputs
 * (sim/input_log.h). */
static void sim_will_run(void *opaque, MonitorSource source, const char *command,
                         const char *line)
{
    Sim *sim = opaque;
    input_log_command(sim->log, source, command, line);
}

static bool monitor_uart_send(void *opaque, const char *device, const uint8_t *bytes,
                              size_t len, Error **errp)
{
    Sim *sim = opaque;
    return uart_taps_send(sim->taps, device, bytes, len, errp);
}

/* `reset`: the devices and the hart at once; the CPU is halted at a
 * boundary whoever asks (gdb, the console, a scenario). */
static void monitor_reset(void *opaque)
{
    Sim *sim = opaque;
    machine_reset(sim->machine);
    cpu_reset(sim->cpu);
}

/* After `snapshot load`: the session's own clock events follow the
 * machine to its new time. */
static void monitor_snapshot_loaded(void *opaque, uint64_t from_cycles, uint64_t from_retired)
{
    Sim *sim = opaque;
    session_clock_moved(sim->session, from_cycles, from_retired);
    if (sim->timeline)
        timeline_restart(sim->timeline); /* the history starts again */
}

/* A loaded machine could run on, but a control session whose firmware's
 * run is over only serves inspection: its run commands are refused, and
 * `quit` reports the ended run's status. Loading would make the two
 * disagree, so it is refused there. */
static bool monitor_snapshot_may_load(void *opaque, Error **errp)
{
    Sim *sim = opaque;
    if (!session_run_over(sim->session))
        return true;
    error_setf(errp, "the firmware's run is over; to go on from a snapshot, start a new "
               "run with --snapshot-load FILE");
    return false;
}

static char *monitor_stats(void *opaque)
{
    Sim *sim = opaque;
    return xasprintf("instructions: %llu\ncycles: %llu\nvirtual time: %.6f s\n",
                     (unsigned long long)cpu_instructions_retired(sim->cpu),
                     (unsigned long long)cpu_cycles(sim->cpu),
                     (double)cpu_cycles(sim->cpu) / (double)clock_hz(sim->clock));
}

/* What each UART sends is kept (`uart NAME read`, `run-until`) where a
 * client can ask for it: the console, the control socket, gdb. */
#define UART_CAPTURE_MAX (1u << 20)

void sim_start_monitor(Sim *sim, const Options *opt)
{
    sim->boards_path = boards_shipped_path();
    bool capture = sim->taps && (sim->console || opt->gdb);
    if (capture)
        uart_taps_capture(sim->taps, UART_CAPTURE_MAX);
    MonitorContext context = {
        .cpu = sim->cpu, .ms = sim->ms, .machine = sim->machine, .clock = sim->clock,
        .opaque = sim, .uart_send = monitor_uart_send, .reset = monitor_reset,
        .stats = monitor_stats, .boards_fallback = sim->boards_path,
        .taps = capture ? sim->taps : NULL, .syms = sim->syms,
        .snapshots = true, .host = sim->host, .firmware = opt->firmware,
        .firmware_hash = sim->firmware_hash, .snapshot_loaded = monitor_snapshot_loaded,
        .snapshot_may_load = monitor_snapshot_may_load,
        .will_run = sim_will_run,
    };
    sim->monitor = monitor_new(&context);
    sim_start_replay(sim);
}

/* The scenario `file` (taken), its `pc` symbols resolved in the ELF. */
bool sim_start_scenario(Sim *sim, ScenarioFile *file, Error **errp)
{
    ScenarioContext context = {
        .cpu = sim->cpu, .clock = sim->clock, .monitor = sim->monitor,
        .syms = sim->syms, .log = stderr, .can_halt = sim->console != NULL,
    };
    sim->scenario = scenario_new(file, &context, errp);
    if (!sim->scenario)
        return false;
    uart_taps_set_observer(sim->taps, scenario_uart_output, sim->scenario);
    return true;
}

static bool session_exited(void *opaque, int *status)
{
    return sim_exit_requested(opaque, status);
}

/* A slice of the live run ended: the history may take a snapshot. */
static void sim_slice_end(void *opaque)
{
    Sim *sim = opaque;
    if (sim->timeline)
        timeline_slice(sim->timeline);
}

/* The sliced run loop, when anything needs looking at between slices. */
void sim_start_session(Sim *sim, const Options *opt)
{
    if (!sim->console && !sim->scenario && !opt->gdb && opt->timeout <= 0 && !opt->realtime &&
        !opt->replay)
        return; /* one cpu_run, at full speed (run_unsliced) */
    SessionConfig config = {
        .cpu = sim->cpu, .clock = sim->clock, .monitor = sim->monitor,
        .console = sim->console, .scenario = sim->scenario,
        .timeout = opt->gdb ? 0 : opt->timeout, .realtime = opt->realtime && !opt->gdb,
        .start_halted = opt->monitor_wait, .exited = session_exited, .opaque = sim,
        .control = opt->control != NULL, .taps = sim->taps,
    };
    if (opt->replay) { /* the recording's end stands for --timeout's */
        config.timeout = 0;
        config.replay_due = sim_replay_due;
        config.replay_insns_left = sim_replay_insns_left;
    }
    if (options_reverse_on(opt))
        config.slice_end = sim_slice_end;
    sim->session = session_new(&config);
}

static bool write_junit(void *scenario, FILE *out)
{
    return scenario_write_junit(scenario, out);
}

/* The scenario's verdicts once the run is over, and the JUnit report:
 * a failed check turns the status into EXIT_SCENARIO_FAILED (unless the
 * simulator itself failed). */
int sim_finish_scenario(Sim *sim, const Options *opt, const RunEnd *r)
{
    if (!sim->scenario)
        return r->status;
    ScenarioEnd end = {.exited = r->exited, .status = r->status, .reason = r->reason};
    scenario_finish(sim->scenario, &end);
    int status = r->status;
    if (scenario_failed(sim->scenario) && status != EXIT_OUTPUT_LOST &&
        status != EXIT_SIM_ERROR)
        status = EXIT_SCENARIO_FAILED;
    Error *err = NULL;
    if (sim->junit && !output_file_write(sim->junit, write_junit, sim->scenario, &err)) {
        fprintf(stderr, "mcusim: --junit %s: %s\n", opt->junit, error_message(err));
        error_free(err);
        status = EXIT_OUTPUT_LOST;
    }
    return status;
}
