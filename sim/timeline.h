/* Reverse execution: the run's history as a ring of automatic snapshots
 * plus the external input log, and going back to any point of it by
 * restoring a snapshot and re-executing (docs/DEBUGGING.md, Reverse
 * execution in gdb).
 *
 * Marks. A mark is a snapshot (sim/snapshot.h) with its position
 * (sim/position.h), the input log's length when it was taken and the UART
 * taps' input state (uart_taps_state_save: bytes queued by `uart send`,
 * whether each backend's input had ended), which no snapshot holds. The
 * first is taken by timeline_new (the start of the history); then one at
 * a slice boundary of the live run (timeline_slice, from sim/session.c)
 * once `interval` instructions have retired since the last. At most
 * `max_marks` are kept: when the ring is full every other mark of its
 * older half goes (the first one stays), so the history reaches back to
 * the start, dense near the present and sparser further back, and going
 * back N instructions re-executes at most about N more; but when the
 * inputs logged since the first mark outgrow their bound
 * (TIMELINE_LOG_PER_MARK) the oldest marks go, and the history begins at
 * the oldest mark kept.
 *
 * The present and the past. The frontier is the furthest point the run
 * has reached; while the hart stands before it, the run is in the past.
 * Going back to a position P restores the latest mark at or before P and
 * re-executes to P (the input log re-feeding UART bytes, monitor commands
 * and gdb's writes at their positions, sim/input_log.h). Running forward
 * from the past re-executes the same way up to the frontier (breakpoints
 * and watchpoints stop it as in any run), then goes on live. Whatever
 * re-execution produces before the frontier was produced before: the
 * taps are muted meanwhile (uart_taps_set_muted), so no UART output
 * reaches its backend twice.
 *
 * An input that arrives while in the past (gdb writes memory or a
 * register, a monitor command changes the machine) changes the future:
 * the input log drops what it would have replayed, and the timeline drops
 * its marks after the present, which becomes the frontier
 * (timeline_check_inputs, called at each entry point, notices it). An
 * input at the present that moves the pc (a reset, gdb's `jump`) moves
 * the frontier with it. While it re-executes, the timeline turns the
 * log's recording off (its entries are what comes) and on again after.
 *
 * Ownership: the timeline owns its snapshots; it keeps the pointers in
 * its config (the machine's parts, the log, the taps) and owns none of
 * them. Free it before them. Not thread safe, no global state.
 */
#ifndef SIM_TIMELINE_H
#define SIM_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/cpu/cpu.h"
#include "sim/input_log.h"
#include "sim/position.h"
#include "sim/snapshot.h"
#include "sim/uart_tap.h"
#include "soc/error.h"

/* --reverse-interval and --reverse-snapshots defaults. */
#define TIMELINE_INTERVAL_DEFAULT 1000000u
#define TIMELINE_MARKS_DEFAULT 64u
#define TIMELINE_MARKS_MIN 2u

typedef struct TimelineConfig {
    SnapshotTarget target;  /* what the marks are taken of (required parts) */
    InputLog *log;          /* the run's input log (required) */
    UartTaps *taps;         /* muted while re-executing; NULL: none */
    uint64_t interval;      /* instructions between marks, >= 1 */
    size_t max_marks;       /* >= TIMELINE_MARKS_MIN */
    /* After each restore: the owner of the other clock events moves them
     * (session_clock_moved); from_* are where the machine was. May be
     * NULL. */
    void (*clock_moved)(void *opaque, uint64_t from_cycles, uint64_t from_retired);
    /* Asked every TIMELINE_POLL_INSNS instructions of a long
     * re-execution: true stops it where it is (gdb's Ctrl-C). May be
     * NULL. */
    bool (*interrupted)(void *opaque);
    /* The run has ended for good (the firmware exited): re-execution
     * gives up. May be NULL. */
    bool (*ended)(void *opaque);
    void *opaque;
} TimelineConfig;

/* The input log's bound, per mark of max_marks: when the history holds
 * more logged inputs than max_marks * TIMELINE_LOG_PER_MARK (a firmware
 * echoing a long stream of UART input logs an entry per read), its oldest
 * marks go and the log forgets what came before the new oldest one: the
 * history then begins later, and memory stays bounded by counts, however
 * long the run. A mark is also taken, before `interval` instructions,
 * once half that many inputs came since the last. */
#define TIMELINE_LOG_PER_MARK 4096u

/* Instructions between two looks at TimelineConfig.interrupted. */
#define TIMELINE_POLL_INSNS 200000u

typedef struct Timeline Timeline;

/* Takes the first mark now (the start of the history). */
Timeline *timeline_new(const TimelineConfig *config);
void timeline_free(Timeline *tl); /* NULL: nothing */

/* ---- the live run ---- */

/* At a slice boundary of the live run (between cpu_run calls): a mark
 * when `interval` instructions retired since the last one. */
void timeline_slice(Timeline *tl);
/* The live run went on (a gdb step or continue that did not start in
 * the past): where it stands is the frontier. */
void timeline_live(Timeline *tl);
/* The machine was put somewhere else (`snapshot load`): the history
 * starts again here, with one mark; the input log forgets what came
 * before. */
void timeline_restart(Timeline *tl);

/* An input arrived since the last call (the input log grew or was cut)?
 * While in the past, the future is dropped (marks after the present; the
 * log did its part) and the present becomes the frontier. Called by every
 * function below; callable at any stop. */
void timeline_check_inputs(Timeline *tl);

/* ---- going back ---- */

/* Goes to the position from which one forward step (cpu_step) reaches
 * the present one: the previous instruction, or, from a trap handler's
 * first instruction, the interrupted or trapping one. Lands as a step
 * does (before the events due there). At the start of the history it
 * stays and sets *history_begin. CPU_STOP_INSN_LIMIT when done;
 * CPU_STOP_REQUESTED when interrupted (the hart stands wherever the
 * re-execution was); on failure *errp is set and the hart stands where
 * the failure left it (the history is kept). */
CpuStopReason timeline_reverse_step(Timeline *tl, bool *history_begin, Error **errp);

/* Goes back to the last stop a forward run from the start of the history
 * to the present would have made at the breakpoints and watchpoints now
 * set in the CPU: CPU_STOP_BREAKPOINT with the pc on it, or
 * CPU_STOP_WATCHPOINT just after the last access to a watched range
 * (cpu_watch_hit says which; gdb then steps back over the access to show
 * the old and new values). None: the start of the history, with
 * *history_begin set. CPU_STOP_REQUESTED when interrupted. */
CpuStopReason timeline_reverse_continue(Timeline *tl, bool *history_begin, Error **errp);

/* ---- forward from the past ---- */

/* True while the hart stands before the frontier. */
bool timeline_in_past(const Timeline *tl);

/* Runs forward from the past: one step (max_insns 1, as cpu_step) or up
 * to max_insns instructions, re-executing toward the frontier, muted;
 * breakpoints and watchpoints stop it. *at_present is set when it
 * reached the frontier first (the caller then runs on live, max_insns
 * less what retired here). Returns why it stopped (CPU_STOP_INSN_LIMIT
 * also when it reached the frontier). */
CpuStopReason timeline_forward(Timeline *tl, uint64_t max_insns, bool *at_present,
                               Error **errp);

/* ---- for tests and measurements ---- */

typedef struct TimelineStats {
    size_t marks;             /* kept now */
    uint64_t marks_taken;     /* since the start */
    uint64_t marks_thinned;   /* dropped to keep max_marks */
    uint64_t bytes;           /* the marks' private bytes, summed */
    uint64_t oldest_retired;  /* where the history begins */
    uint64_t reexecuted;      /* instructions re-executed by going back */
} TimelineStats;
void timeline_stats(const Timeline *tl, TimelineStats *out);

#endif
