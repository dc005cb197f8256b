/* The application's wiring (internal): the parts a run or a board
 * description is built of (`Sim`), how a run ended (`RunEnd`), and the
 * functions the files of the wiring share. Those files, linked into the
 * simulator only (never into the unit tests, tools/gen_build.py):
 *   sim/main.c         main: options -> board -> a run or a description;
 *                      the machine's hooks, sim_open and sim_close, the
 *                      start-up checks, the plain run, how a run ends
 *   sim/app_monitor.c  the monitor, the console, the scenario, and the
 *                      sliced run loop (sim/session.h)
 *   sim/app_history.c  the input log, --record and --replay, snapshots
 *                      (--snapshot-load, --snapshot-save), the reverse
 *                      execution timeline
 *   sim/app_gdb.c      the GDB session (--gdb), reverse steps included
 *
 * Ownership: a Sim lives on the stack of simulate() or describe() (in
 * sim/main.c), which own it and everything it points at. The start-up
 * steps (sim_prepare, sim_open, sim_start_*, run_with_gdb) fill it in;
 * sim_close frees every part in dependency order, except the trace, the
 * symbols and the observers, which simulate() frees around sim_close.
 * The functions below only borrow the Sim and the Options; the opaque
 * pointer every hook is handed is the Sim. */
#ifndef MCUSIM_SIM_APP_H
#define MCUSIM_SIM_APP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gdbstub/gdbstub.h"
#include "sim/console.h"
#include "sim/cpu/cpu.h"
#include "sim/elf_symbols.h"
#include "sim/host/host.h"
#include "sim/input_log.h"
#include "sim/monitor.h"
#include "sim/observers.h"
#include "sim/options.h"
#include "sim/output_file.h"
#include "sim/record.h"
#include "sim/scenario.h"
#include "sim/session.h"
#include "sim/timeline.h"
#include "sim/trace.h"
#include "sim/uart_tap.h"
#include "soc/board.h"
#include "soc/clock.h"
#include "soc/machine.h"

/* What a run or a board description is built of. */
typedef struct Sim {
    Clock *clock;
    MemorySystem *ms;
    Cpu *cpu;
    Machine *machine;
    UartTaps *taps;   /* every chardev a device opens is tapped; NULL: quiet */
    ElfSymbols *syms; /* the firmware's: traces, fault reports, scenarios */
    Trace *trace;     /* --trace; NULL when off */
    Host *host;       /* host services (--host, board `host:`); NULL: none */
    GdbServer *gdb;   /* --gdb; NULL: no stub */
    Monitor *monitor; /* the monitor language: gdb, console, scenario */
    char *boards_path; /* the shipped boards.yaml (`board apply`) */
    Console *console; /* --monitor; NULL: none */
    Scenario *scenario; /* --scenario; NULL: none */
    OutputFile *junit; /* --junit, checked at the start; NULL: none */
    OutputFile *snapshot_save; /* --snapshot-save, checked at the start */
    uint64_t firmware_hash;    /* what snapshots record of the ELF */
    Session *session; /* the sliced run loop; NULL: one cpu_run */
    Observers *observers; /* --vcd, --profile, --coverage */
    bool quiet; /* --describe-board: every chardev is null */
    bool jit;   /* --jit: CpuConfig.jit */
    unsigned jit_threshold; /* --jit-threshold */
    bool output_lost;      /* a chardev, the trace or stdout failed */
    bool trace_on_stderr;  /* guest diagnostics are in the trace there */
    char **guest_seen;     /* guest diagnostics already on stderr */
    size_t nguest_seen;
    bool guest_capped;     /* GUEST_STDERR_MAX reached, and said so */
    InputLog *log;         /* every external input (sim/input_log.h); NULL: quiet */
    Recorder *recorder;    /* --record; NULL: none */
    Recording *recording;  /* --replay, read and checked at the start; NULL: none */
    ReplayTarget replay_target; /* what the replay's commands and writes act on */
    bool replay_failed;    /* the replay diverged or an input failed (said) */
    bool replaying;        /* --replay, and the run has started: a chardev a
                              replayed command asks for is opened as stdio */
    bool keep_inputs;      /* --gdb: the log keeps its entries (reverse debugging) */
    Timeline *timeline;    /* reverse execution (--gdb, --reverse); NULL: none */
} Sim;

/* How the run ended, for the exit status and the scenario's checks. */
typedef struct RunEnd {
    int status;
    bool exited;        /* the firmware exited (or `quit`): status is its */
    const char *reason; /* else why the run ended */
} RunEnd;

/* ---- sim/main.c ---- */

/* A chardev's, the trace file's or stdout's output failed, and said so
 * (sim/lost_output.h): the run ends with EXIT_OUTPUT_LOST. */
void sim_output_failed(void *opaque, const char *what, int err);

/* Whether the run must end for the firmware's sake, and with which
 * status (`status` may be NULL). */
bool sim_exit_requested(const Sim *sim, int *status);

/* ---- sim/app_monitor.c ---- */

/* The monitor (gdb's, the console's, the scenario's), once the machine is
 * ready; wires a --replay's commands to it. */
void sim_start_monitor(Sim *sim, const Options *opt);

/* The scenario `file` (taken, freed on failure too). */
bool sim_start_scenario(Sim *sim, ScenarioFile *file, Error **errp);

/* The sliced run loop, when anything needs looking at between slices;
 * else sim->session stays NULL. */
void sim_start_session(Sim *sim, const Options *opt);

/* The scenario's verdicts and the --junit report: the exit status. */
int sim_finish_scenario(Sim *sim, const Options *opt, const RunEnd *r);

/* ---- sim/app_history.c ---- */

/* --record's file created, or --replay's read and checked, before
 * anything is built; `inputs` are the files the run reads. */
bool sim_prepare_record(Sim *sim, const Options *opt, const BoardDesc *board,
                        const OutputInput *inputs, size_t ninputs, Error **errp);

/* The input log, before the machine opens its chardevs (sim_open). */
void sim_start_log(Sim *sim);

/* --replay: its commands and writes act on this machine (after the
 * monitor exists). */
void sim_start_replay(Sim *sim);

/* At a boundary: the replayed inputs due here (a failure is said and
 * stops the CPU). */
void sim_replay_due(void *opaque);

/* Instructions until the next replayed input; UINT64_MAX: none. */
uint64_t sim_replay_insns_left(void *opaque);

/* --replay: the recording's end reached (its status), or the replay
 * failed (EXIT_SIM_ERROR). */
bool sim_replay_over(const Sim *sim, int *status);

/* --record: the file's last line, how the run ended. */
void sim_finish_record(Sim *sim, int status);

/* The firmware's hash, then --snapshot-load's machine, before anything
 * runs. */
bool sim_start_snapshot(Sim *sim, const Options *opt, Error **errp);

/* --snapshot-save: false (said) when the file could not be written. */
bool sim_save_snapshot(Sim *sim, const Options *opt);

/* The reverse-execution history's first snapshot (--gdb, --reverse),
 * once the machine is ready and the session exists. */
void sim_start_timeline(Sim *sim, const Options *opt);

/* ---- sim/app_gdb.c ---- */

/* Serves gdb (--gdb) until the firmware ends or gdb kills it. */
RunEnd run_with_gdb(Sim *sim, const Options *opt, Error **errp);

#endif
