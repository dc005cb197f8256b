/* The run loop in slices: `--timeout`, `--realtime`, `--gdb`, `--monitor`
 * and `--scenario` (a run with none of them is one cpu_run, in main).
 *
 * The firmware runs in slices of a millisecond of virtual time, each
 * ended by a clock event (the pacer) that asks the CPU to stop; triggers
 * (a scenario's, the end of a `run-for`) stop it too. The pacer is a
 * background event unless a console is open (then input may come to wake
 * a sleeping hart). Between two cpu_run calls, at an instruction boundary
 * and never inside a device callback, the loop looks at the host clock,
 * asks gdb whether it wants the CPU, runs the scenario's due commands and
 * the console's lines, and halts or resumes as they ask. Events run only
 * at their deadlines, so slicing changes nothing the firmware can see.
 *
 * Halted (`stop` from the console or a scenario, `--monitor-wait`, a
 * finished `step` or `run-for`), the loop blocks in poll() on the console
 * until a command comes. The console is read at every boundary, also
 * while its `step` or `run-for` runs: lines wait, in order, for the run's
 * end, except that a `stop` or `quit` that arrives while it runs ends it
 * at the next boundary; any halt ends it too (the reply says where it
 * halted).
 *
 * With a console open, a hart waiting in wfi with no enabled interrupt
 * pending and nothing but the pacer scheduled (cpu_waiting_for_interrupt)
 * waits for console input (a `uart NAME send` may wake it) instead of
 * ending the run as a firmware fault: the loop stops at the end of the
 * slice the hart fell asleep in and runs no further, so virtual time
 * stands still until a command gives the hart something to wake it.
 * --realtime does not catch up on time spent waiting for the console.
 *
 * `run-until` (a console command) is a bounded run whose goal may come
 * first: a UART's text (a watch on the taps, sim/uart_tap.h, that asks
 * the CPU to stop right after the byte that completes it) or a pc (a CPU
 * breakpoint, counted, so a scenario may hold one at the same pc).
 *
 * The control socket (`control`, docs/CONTROL.md) is the console in a
 * mode: halted at the start, it never runs on by itself; when the
 * firmware's run ends (an exit, a fault, the instruction limit) the
 * command that ran it is told so and the session stays, serving
 * commands (run commands refused), until `quit` or the client leaves;
 * when the client's input ends, the lines it sent are answered (run
 * commands refused), then the session ends (SESSION_HUNG_UP before the
 * firmware's end).
 */
#ifndef SIM_SESSION_H
#define SIM_SESSION_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/console.h"
#include "sim/cpu/cpu.h"
#include "sim/monitor.h"
#include "sim/scenario.h"
#include "sim/uart_tap.h"
#include "soc/clock.h"
#include "soc/error.h"

typedef struct SessionConfig {
    Cpu *cpu;
    Clock *clock;
    Monitor *monitor;   /* runs the console's lines; needed with a console */
    Console *console;   /* --monitor; NULL: none */
    Scenario *scenario; /* --scenario; NULL: none */
    double timeout;     /* --timeout: host seconds from session_new; 0: none */
    bool realtime;      /* --realtime */
    bool start_halted;  /* --monitor-wait */
    bool control;       /* --control (sim/console.h); implies start_halted */
    UartTaps *taps;     /* `run-until NAME`: the taps, capturing; NULL: none */
    /* True once the run must end for the firmware's sake (it exited, or
     * output was lost); *status (may be NULL) its exit status. */
    bool (*exited)(void *opaque, int *status);
    void *opaque;
    /* Replay (sim/input_log.h): at every boundary, after the scenario's
     * steps, `replay_due` applies the logged inputs due there; before each
     * cpu_run, `replay_insns_left` bounds it so that it stops at the next
     * one (arming a stop event at its cycle too). NULL: no replay. */
    void (*replay_due)(void *opaque);
    uint64_t (*replay_insns_left)(void *opaque);
    /* At every slice boundary (the pacer's stop, between cpu_run calls,
     * before gdb is asked whether it wants the CPU): reverse debugging
     * takes its snapshots there (sim/timeline.h). NULL: nothing. */
    void (*slice_end)(void *opaque);
} SessionConfig;

typedef struct Session Session;

/* The config is copied; the session does not own what it points to. */
Session *session_new(const SessionConfig *config);
void session_free(Session *session);

/* Between slices: true when the CPU should go to the caller (gdb wants
 * it). */
typedef bool (*SessionInterrupt)(void *ctx);

/* Runs until max_insns more instructions retire (UINT64_MAX: no limit),
 * the firmware exits, a fault, a breakpoint or watchpoint that is not the
 * scenario's alone, `interrupt` returning true (CPU_STOP_REQUESTED), or
 * the session ends the run (session_ended; CPU_STOP_REQUESTED). */
CpuStopReason session_run(Session *session, uint64_t max_insns,
                          SessionInterrupt interrupt, void *ctx, Error **errp);

/* At a boundary the caller reached by itself (a gdb single step): runs
 * what a scenario has due. */
void session_boundary(Session *session);

/* The machine was put at another time (a snapshot load, sim/snapshot.h),
 * from `from_cycles` cycles and `from_retired` instructions: the slice
 * boundary moves to a slice from now, a `step`'s or `run-for`'s end keeps
 * what was left of it, and --realtime starts afresh from the present. A
 * scenario's own triggers keep their absolute times. */
void session_clock_moved(Session *session, uint64_t from_cycles, uint64_t from_retired);

typedef enum SessionEnd {
    SESSION_RUNNING,         /* not ended by the session */
    SESSION_TIMED_OUT,       /* --timeout */
    SESSION_QUIT,            /* `quit [STATUS]` */
    SESSION_SCENARIO_FAILED, /* a step or an expectation failed */
    SESSION_HUNG_UP,         /* the control client left before the
                                firmware's run ended */
} SessionEnd;

/* True once the control socket's session saw the firmware's run end
 * (docs/CONTROL.md): it serves inspection only from then on. */
bool session_run_over(const Session *session);

/* The host's monotonic clock in seconds: what --timeout, --realtime and
 * --stats measure with. */
double session_host_seconds(void);

/* Why the session ended the run; *status gets a `quit`'s status. With
 * `control`, after the firmware's run has ended, a `quit` without a
 * status and the client's departure leave SESSION_RUNNING: the run ended
 * as session_run's result says. */
SessionEnd session_ended(const Session *session, int *status);

#endif
