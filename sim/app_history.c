/* mcusim's history: the input log (every external input, sim/input_log.h),
 * --record and --replay (sim/record.h), --snapshot-load and
 * --snapshot-save (sim/snapshot.h), and the reverse-execution timeline
 * gdb steps back on (sim/timeline.h), wired to the application's parts
 * (sim/app.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/app.h"
#include "sim/snapshot.h"
#include "soc/alloc.h"

/* ---- the input log, --record and --replay (sim/input_log.h, sim/record.h) ---- */

/* The log, before the machine opens its chardevs (their state when they
 * open is an input): a --replay's inputs in it, a --record's file
 * listening. Entries are dropped once written or replayed unless gdb may
 * go back in time (reverse debugging re-executes from them). */
void sim_start_log(Sim *sim)
{
    if (!sim->taps)
        return;
    sim->log = input_log_new(sim->cpu, sim->clock);
    input_log_keep(sim->log, sim->keep_inputs);
    uart_taps_set_input_log(sim->taps, sim->log);
    if (sim->recording)
        recording_load(sim->recording, sim->log);
    if (sim->recorder)
        recorder_attach(sim->recorder, sim->log);
}

/* The options a run depends on besides its inputs, in a fixed order; the
 * engine (--jit), observers, pacing and consoles do not change the run,
 * nor does where a UART's bytes go (a --set of a `chardev`). Numbers are
 * written into `numbers`; the caller frees the array. */
static RecordOption *record_options(const Options *opt, const BoardDesc *board,
                                    char numbers[2][24], size_t *n)
{
    RecordOption *o = xcalloc(8 + opt->nsets + (size_t)opt->nfw_args, sizeof *o);
    *n = 0;
    o[(*n)++] = (RecordOption){"board", board->name};
    for (size_t i = 0; i < opt->nsets; i++) {
        const char *eq = strchr(opt->sets[i], '=');
        size_t key = eq ? (size_t)(eq - opt->sets[i]) : strlen(opt->sets[i]);
        if (!(key >= 8 && memcmp(opt->sets[i] + key - 8, ".chardev", 8) == 0))
            o[(*n)++] = (RecordOption){"set", opt->sets[i]};
    }
    snprintf(numbers[0], sizeof numbers[0], "%llu", (unsigned long long)opt->max_insns);
    snprintf(numbers[1], sizeof numbers[1], "%u", opt->host);
    if (opt->max_insns != UINT64_MAX)
        o[(*n)++] = (RecordOption){"max-insns", numbers[0]};
    if (opt->host_set)
        o[(*n)++] = (RecordOption){"host", numbers[1]};
    if (opt->semihosting_root)
        o[(*n)++] = (RecordOption){"semihosting-root", opt->semihosting_root};
    if (opt->scenario)
        o[(*n)++] = (RecordOption){"scenario", opt->scenario};
    if (opt->snapshot_load)
        o[(*n)++] = (RecordOption){"snapshot-load", opt->snapshot_load};
    for (int i = 0; i < opt->nfw_args; i++)
        o[(*n)++] = (RecordOption){"arg", opt->fw_args[i]};
    return o;
}

/* --record's file created and its header written, or --replay's read and
 * checked against this run, before anything is built. */
bool sim_prepare_record(Sim *sim, const Options *opt, const BoardDesc *board,
                        const OutputInput *inputs, size_t ninputs, Error **errp)
{
    if (!opt->record && !opt->replay)
        return true;
    RecordHeader header = {.firmware = opt->firmware};
    if (!snapshot_hash_file(opt->firmware, &header.firmware_hash, errp))
        return false;
    char numbers[2][24];
    RecordOption *options = record_options(opt, board, numbers, &header.noptions);
    header.options = options;
    bool ok;
    if (opt->record) {
        sim->recorder = recorder_open(opt->record, &header, inputs, ninputs,
                                      sim_output_failed, sim, errp);
        ok = sim->recorder != NULL;
        if (!ok)
            error_prepend(errp, "--record: ");
    } else {
        sim->recording = recording_read(opt->replay, errp);
        ok = sim->recording && recording_check(sim->recording, &header, errp);
        if (!ok)
            error_prepend(errp, "--replay: ");
        else if (!recording_has_end(sim->recording))
            fprintf(stderr, "mcusim: note: --replay %s: the recording has no end (the "
                    "simulator was killed?): its %llu inputs are replayed, then the run "
                    "goes on\n", opt->replay,
                    (unsigned long long)recording_count(sim->recording));
    }
    free(options);
    return ok;
}

/* --replay: the commands, gdb writes and wake-ups it holds act on this
 * machine. */
void sim_start_replay(Sim *sim)
{
    if (!sim->log)
        return;
    sim->replay_target = (ReplayTarget){.cpu = sim->cpu, .ms = sim->ms,
                                        .monitor = sim->monitor, .taps = sim->taps};
    input_log_set_applier(sim->log, replay_apply, &sim->replay_target);
}

/* At a boundary (sim/session.h): the replayed inputs due here. A replay
 * that cannot go on ends the run (EXIT_SIM_ERROR), said once. */
void sim_replay_due(void *opaque)
{
    Sim *sim = opaque;
    Error *err = NULL;
    if (!sim->log || sim->replay_failed || input_log_apply_due(sim->log, &err))
        return;
    fprintf(stderr, "mcusim: %s\n", error_message(err));
    error_free(err);
    sim->replay_failed = true;
    cpu_request_stop(sim->cpu);
}

uint64_t sim_replay_insns_left(void *opaque)
{
    Sim *sim = opaque;
    return sim->log && !sim->replay_failed ? input_log_insns_left(sim->log) : UINT64_MAX;
}

/* --replay: the recording's end reached (its status), or the replay
 * failed. */
bool sim_replay_over(const Sim *sim, int *status)
{
    if (sim->replay_failed) {
        if (status)
            *status = EXIT_SIM_ERROR;
        return true;
    }
    return sim->log && input_log_ended(sim->log, status);
}

/* --record: where and how the run ended, the file's last line. */
void sim_finish_record(Sim *sim, int status)
{
    if (!sim->recorder)
        return;
    SimPosition end = sim_position_now(sim->cpu);
    recorder_finish(sim->recorder, &end, sim_events_due(sim->clock, sim->cpu), status);
}

/* ---- snapshots (sim/snapshot.h) ---- */

static SnapshotTarget sim_snapshot_target(const Sim *sim, const Options *opt)
{
    return (SnapshotTarget){.cpu = sim->cpu, .clock = sim->clock, .ms = sim->ms,
                            .machine = sim->machine, .host = sim->host,
                            .firmware = opt->firmware, .firmware_hash = sim->firmware_hash};
}

/* The firmware's hash, which snapshots record; then --snapshot-load's
 * machine, once the ELF is loaded and host services are set up, before
 * anything runs. */
bool sim_start_snapshot(Sim *sim, const Options *opt, Error **errp)
{
    if (!snapshot_hash_file(opt->firmware, &sim->firmware_hash, errp))
        return false;
    if (!opt->snapshot_load)
        return true;
    Snapshot *snap = snapshot_read_file(opt->snapshot_load, errp);
    SnapshotTarget target = sim_snapshot_target(sim, opt);
    bool ok = snap && snapshot_restore(&target, snap, errp);
    snapshot_free(snap);
    if (!ok)
        error_prepend(errp, "--snapshot-load: ");
    return ok;
}

static bool write_snapshot(void *snap, FILE *out)
{
    size_t len;
    uint8_t *bytes = snapshot_encode(snap, &len);
    bool ok = fwrite(bytes, 1, len, out) == len;
    free(bytes);
    return ok;
}

/* --snapshot-save: the machine as the run ended; false (said) when it
 * could not be written. */
bool sim_save_snapshot(Sim *sim, const Options *opt)
{
    if (!sim->snapshot_save)
        return true;
    SnapshotTarget target = sim_snapshot_target(sim, opt);
    Snapshot *snap = snapshot_take(&target);
    Error *err = NULL;
    bool ok = output_file_write(sim->snapshot_save, write_snapshot, snap, &err);
    snapshot_free(snap);
    if (!ok) {
        fprintf(stderr, "mcusim: --snapshot-save %s: %s\n", opt->snapshot_save,
                error_message(err));
        error_free(err);
    }
    return ok;
}

/* ---- reverse execution (sim/timeline.h) ---- */

static void timeline_clock_moved(void *opaque, uint64_t from_cycles, uint64_t from_retired)
{
    Sim *sim = opaque;
    session_clock_moved(sim->session, from_cycles, from_retired);
}

/* A long re-execution stops for gdb's Ctrl-C. */
static bool timeline_interrupted(void *opaque)
{
    Sim *sim = opaque;
    return sim->gdb && gdb_server_poll_interrupt(sim->gdb);
}

static bool timeline_ended(void *opaque)
{
    return sim_exit_requested(opaque, NULL);
}

/* The history's first snapshot, once the machine is ready to run (the
 * ELF, host services, --snapshot-load) and the session exists. */
void sim_start_timeline(Sim *sim, const Options *opt)
{
    if (!options_reverse_on(opt) || !sim->log)
        return;
    TimelineConfig config = {
        .target = sim_snapshot_target(sim, opt), .log = sim->log, .taps = sim->taps,
        .interval = opt->reverse_interval, .max_marks = opt->reverse_snapshots,
        .clock_moved = timeline_clock_moved, .interrupted = timeline_interrupted,
        .ended = timeline_ended, .opaque = sim,
    };
    sim->timeline = timeline_new(&config);
}
