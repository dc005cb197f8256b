/* mcusim's GDB session (--gdb, sim/app.h): the stub's target (resume,
 * exit, monitor, the writes the input log records, reverse step and
 * continue when a timeline keeps history) and the loop that serves gdb
 * until the firmware ends. */
#include <stdio.h>
#include <string.h>

#include "sim/app.h"

/* Between slices: gdb wants the CPU (Ctrl-C, a new client, a client
 * gone); the server is polled every millisecond of virtual time. */
static bool gdb_wants_cpu(void *opaque)
{
    Sim *sim = opaque;
    return gdb_server_poll_interrupt(sim->gdb);
}

/* The live run: until max_insns retire, a stop, or gdb wants the CPU. */
static CpuStopReason gdb_resume_live(Sim *sim, uint64_t max_insns, Error **errp)
{
    if (max_insns != 1)
        return session_run(sim->session, max_insns, gdb_wants_cpu, sim, errp);
    sim_replay_due(sim); /* an input replayed here comes before the step */
    CpuStopReason why = cpu_step(sim->cpu, errp); /* a step needs no polling */
    session_boundary(sim->session);
    return why;
}

/* Runs until max_insns retire, a stop, or gdb wants the CPU. In the past
 * (after reverse execution) the run re-executes up to the present first
 * (sim/timeline.h), then goes on live. */
static CpuStopReason gdb_resume(void *opaque, uint64_t max_insns, Error **errp)
{
    Sim *sim = opaque;
    if (sim->timeline) {
        uint64_t before = cpu_instructions_retired(sim->cpu);
        bool at_present;
        CpuStopReason why = timeline_forward(sim->timeline, max_insns, &at_present, errp);
        if (!at_present)
            return why;
        if (max_insns != UINT64_MAX)
            max_insns -= cpu_instructions_retired(sim->cpu) - before;
    }
    CpuStopReason why = gdb_resume_live(sim, max_insns, errp);
    if (sim->timeline)
        timeline_live(sim->timeline);
    return why;
}

static bool gdb_exited(void *opaque, int *status)
{
    return sim_exit_requested(opaque, status);
}

static char *gdb_monitor(void *opaque, const char *line)
{
    Sim *sim = opaque;
    MonitorRequest request;
    return monitor_exec_text(sim->monitor, MONITOR_FROM_GDB, line, &request, NULL);
}

/* The end of a gdb session, as the scenario and the exit status see it. */
static RunEnd gdb_run_end(Sim *sim, int status)
{
    int quit;
    SessionEnd end = session_ended(sim->session, &quit);
    if (end == SESSION_SCENARIO_FAILED)
        return (RunEnd){EXIT_SCENARIO_FAILED, false, "a scenario check failed"};
    if (status == EXIT_KILLED)
        return (RunEnd){status, false, "gdb killed the firmware"};
    if (status == EXIT_GUEST_FAULT)
        return (RunEnd){status, false, "the firmware faulted"};
    if (status == EXIT_SIM_ERROR)
        return (RunEnd){status, false, "the gdb server failed"};
    if (status == EXIT_OUTPUT_LOST)
        return (RunEnd){status, false, "output was lost"};
    return (RunEnd){status, true, NULL};
}

/* Serves gdb until the firmware ends or gdb kills it; between clients the
 * firmware runs on at full speed (and a new client stops it). */
static int serve_gdb(Sim *sim, const Options *opt, Error **errp)
{
    bool serve = opt->gdb_wait;
    for (;;) {
        if (serve || gdb_server_client_pending(sim->gdb)) {
            int result = gdb_server_serve(sim->gdb);
            if (result >= 0)
                return result;
            if (result == GDB_SERVE_KILLED)
                return EXIT_KILLED;
            if (result == GDB_SERVE_ERROR)
                return EXIT_SIM_ERROR;
        }
        serve = false;
        int status;
        CpuStopReason why = gdb_resume(sim, UINT64_MAX, errp);
        if (sim_exit_requested(sim, &status))
            return status;
        if (why == CPU_STOP_FAULT) {
            fprintf(stderr, "mcusim: firmware fault: %s\n", error_message(*errp));
            error_free(*errp);
            *errp = NULL;
            trace_dump_registers(stderr, sim->cpu, sim->ms, sim->syms);
            return EXIT_GUEST_FAULT;
        }
    }
}

/* gdb's writes (GdbTarget.wrote_*) are inputs (sim/input_log.h). */
static void gdb_wrote_register(void *opaque, uint32_t regnum, uint32_t value)
{
    Sim *sim = opaque;
    if (sim->log)
        input_log_gdb_register(sim->log, regnum, value);
}

static void gdb_wrote_memory(void *opaque, uint32_t addr, const uint8_t *data, uint32_t len)
{
    Sim *sim = opaque;
    if (sim->log)
        input_log_gdb_memory(sim->log, addr, data, len);
}

/* gdb's reverse-stepi and reverse-continue (bs, bc): sim/timeline.h. */
static CpuStopReason gdb_reverse_step(void *opaque, bool *history_begin, Error **errp)
{
    Sim *sim = opaque;
    return timeline_reverse_step(sim->timeline, history_begin, errp);
}

static CpuStopReason gdb_reverse_continue(void *opaque, bool *history_begin, Error **errp)
{
    Sim *sim = opaque;
    return timeline_reverse_continue(sim->timeline, history_begin, errp);
}

RunEnd run_with_gdb(Sim *sim, const Options *opt, Error **errp)
{
    GdbTarget target = {
        .cpu = sim->cpu, .ms = sim->ms, .opaque = sim,
        .resume = gdb_resume, .exited = gdb_exited, .monitor = gdb_monitor,
        .wrote_register = gdb_wrote_register, .wrote_memory = gdb_wrote_memory,
    };
    if (sim->timeline) {
        target.reverse_step = gdb_reverse_step;
        target.reverse_continue = gdb_reverse_continue;
    }
    sim->gdb = gdb_server_new(&target, opt->gdb, errp);
    if (!sim->gdb)
        return (RunEnd){EXIT_SIM_ERROR, false, "the gdb server failed"};
    const char *colon = strrchr(opt->gdb, ':');
    fprintf(stderr, "mcusim: gdb server listening on %.*s:%u\n",
            colon ? (int)(colon - opt->gdb) : 9, colon ? opt->gdb : "127.0.0.1",
            gdb_server_port(sim->gdb));
    fflush(stderr);
    return gdb_run_end(sim, serve_gdb(sim, opt, errp));
}
