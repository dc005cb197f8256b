/* The external input log: every input from outside the machine, with the
 * position (sim/position.h) where it came, so that a run can be repeated
 * exactly: by `--replay FILE` (sim/record.h), and by reverse debugging,
 * which restores a snapshot and re-executes from it (sim/timeline.h).
 *
 * What is an input (one InputEntry each):
 *   - UART bytes at the tap (sim/uart_tap.c), whatever the backend (stdio,
 *     file, tcp, pty): what a device's read took from its backend (bytes,
 *     and whether the backend's input ended with it), the backend's input
 *     coming back after it had ended (a wake-up), and whether a backend's
 *     input had ended when it was opened. Bytes the monitor queues (`uart
 *     NAME send`) are not tap entries: the command is logged and, replayed,
 *     queues them again.
 *   - Monitor commands that change the machine or the monitor's store
 *     (input_log_command says which), from gdb's `monitor`, the console and
 *     the control socket; NOT a scenario's: the scenario file is part of
 *     the command line a replay repeats, and replays its own commands.
 *   - gdb's register and memory writes (G, P, M, X, and `c ADDR`).
 * Not inputs: run control (stop, cont, step, run-for, run-until, gdb's
 * c/s/Ctrl-C, breakpoints): where the run stops changes nothing the
 * firmware sees; inspection (info, memory read, uart read).
 *
 * Entries carry the position where they happened and whether the machine
 * was then before the clock events due at that cycle (sim_events_due).
 * Tap entries happen inside a device's clock event or a command; the
 * others between cpu_run calls, at a boundary: the runner stops the run
 * exactly there to apply them (sim_run_to_ex).
 *
 * Modes. Live (the default): inputs come from outside and are appended.
 * Replaying (input_log_replay_from): the cursor walks the entries in
 * order; a tap read returns the logged bytes when the entry at the cursor
 * is that device's read at this very position, and nothing otherwise
 * (the backend is not read: its input waits, as a console's or a tcp
 * client's does), and the runner applies the cursor's command, gdb write
 * or wake-up when the run reaches its position. When the cursor reaches
 * the end the log is live again (and records). A new input that arrives
 * while replaying (gdb writes memory at a stop in the past) truncates the
 * log at the cursor, discarding the future it would have replayed, then is
 * appended: the log is live from there.
 *
 * Indices are absolute: entry i keeps its index for the log's life, also
 * after input_log_forget_before dropped older ones. Memory: every entry is
 * kept until forgotten (by the reverse timeline, for entries older than its
 * oldest snapshot), or, with input_log_keep(log, false), as soon as no one
 * needs it (listeners heard of it; replayed past it). An entry costs about
 * 100 bytes plus its bytes and text (a UART read of one byte: one entry).
 *
 * Ownership: the log owns its entries (copies of what it is given) and a
 * clock event on `clock` (freed with it: free the log before the clock).
 * It keeps the Cpu and Clock pointers it is given, never owns them. No
 * global state: each log is independent.
 */
#ifndef SIM_INPUT_LOG_H
#define SIM_INPUT_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/cpu/cpu.h"
#include "sim/monitor.h"
#include "sim/position.h"
#include "soc/clock.h"
#include "soc/error.h"

typedef enum InputKind {
    INPUT_UART_OPEN = 1, /* a backend opened for `device`; eof: its input had ended */
    INPUT_UART_READ,     /* a read of `device` took bytes[len] from the backend;
                            eof: the backend's input ended with this read */
    INPUT_UART_WAKE,     /* `device`'s backend: input came back after it had ended */
    INPUT_COMMAND,       /* a monitor command `line` from `source` */
    INPUT_GDB_REGISTER,  /* gdb set register `regnum` (gdb's numbering: 0-31 x0-x31,
                            32 pc, 65+N CSR N) to `value` */
    INPUT_GDB_MEMORY,    /* gdb wrote bytes[len] at `addr` (memory_debug_write) */
} InputKind;
#define INPUT_KIND_MAX INPUT_GDB_MEMORY

typedef struct InputEntry {
    InputKind kind;
    SimPosition pos;
    bool before_events;   /* at pos, before the events due then (sim_events_due) */
    char *device;         /* UART_*: the peripheral's name; else NULL */
    MonitorSource source; /* COMMAND */
    char *line;           /* COMMAND: the line as given; else NULL */
    uint8_t *bytes;       /* UART_READ, GDB_MEMORY: len bytes; else NULL */
    size_t len;
    bool eof;             /* UART_OPEN, UART_READ */
    uint32_t addr;        /* GDB_MEMORY */
    uint32_t regnum;      /* GDB_REGISTER */
    uint32_t value;       /* GDB_REGISTER */
} InputEntry;

/* Tap entries are consumed by the taps as the run passes them; the others
 * are applied by the runner, which stops the run for them. */
bool input_entry_is_tap(const InputEntry *entry);
/* "uart read", "command", ... for messages and the file format's docs. */
const char *input_kind_name(InputKind kind);
/* A deep copy, and freeing one's contents (not the struct itself). */
void input_entry_copy(InputEntry *dst, const InputEntry *src);
void input_entry_clear(InputEntry *entry);

typedef struct InputLog InputLog;

/* A live, empty log for the run of `cpu` on `clock`. */
InputLog *input_log_new(Cpu *cpu, Clock *clock);
void input_log_free(InputLog *log); /* NULL: nothing */

/* ---- the entries ---- */

/* One past the last entry's index (entries are [first, count)). */
uint64_t input_log_count(const InputLog *log);
/* The oldest entry still kept. */
uint64_t input_log_first(const InputLog *log);
/* Entry `index`; NULL when forgotten or not there. Valid until the log
 * changes (an append, truncate or forget). */
const InputEntry *input_log_entry(const InputLog *log, uint64_t index);
/* Drops the entries before `index` (memory bound: the reverse timeline
 * forgets what is older than its oldest snapshot); indices stay. */
void input_log_forget_before(InputLog *log, uint64_t index);
/* false: entries are dropped as soon as no one needs them (no reverse
 * debugging). Default true. */
void input_log_keep(InputLog *log, bool keep);

/* Appends a copy at the end, at the current position (entry->pos and
 * before_events are set here). While replaying, first truncates at the
 * cursor (see above) and goes live. Ignored while the runner applies an
 * entry (the input is the logged one) or while recording is off. */
void input_log_append(InputLog *log, const InputEntry *entry);
/* Drops the entries from `index` on (the cursor moves back to the end
 * when it was beyond). */
void input_log_truncate(InputLog *log, uint64_t index);
/* Appends a copy of an entry read from a file, position and all; the
 * listener is not told. */
void input_log_load(InputLog *log, const InputEntry *entry);
/* The same, taking the entry's contents over (*entry is left empty). */
void input_log_load_taken(InputLog *log, InputEntry *entry);

/* Told of every entry appended and every truncation, in order (--record's
 * file, sim/record.c). One listener; NULL removes it. */
typedef struct InputLogListener {
    void (*appended)(void *opaque, uint64_t index, const InputEntry *entry);
    void (*truncated)(void *opaque, uint64_t index);
} InputLogListener;
void input_log_set_listener(InputLog *log, const InputLogListener *listener, void *opaque);

/* Recording on (the default) or off (a replay that must not grow the
 * log: inputs after its end are then ignored, not logged). */
void input_log_set_recording(InputLog *log, bool on);

/* ---- replay ---- */

/* From now on entries from `index` (clamped to [first, count]) are
 * re-fed as the run passes them: the caller has just put the machine back
 * where entry `index` was next (a snapshot taken when input_log_count was
 * `index`, or the start of the run for 0). */
void input_log_replay_from(InputLog *log, uint64_t index);
/* True while entries are left to replay. */
bool input_log_replaying(const InputLog *log);
/* The next entry to replay (count when live). */
uint64_t input_log_cursor(const InputLog *log);

/* Applies a runner entry (command, gdb write, wake-up) to the machine:
 * sim/record.c's, with the monitor, the memory system and the taps.
 * False with *errp: the replay cannot go on. */
typedef bool (*InputApplyFn)(void *opaque, const InputEntry *entry, Error **errp);
void input_log_set_applier(InputLog *log, InputApplyFn apply, void *opaque);

/* The end of a recording (--replay): the run stops there (in the state
 * `before_events` says, as entries do), as the recorded one did, with
 * status `status` unless the firmware ended it by itself. Until then the
 * log counts as replaying, also after its last entry: input that comes
 * meanwhile is not the recording's. */
void input_log_set_end(InputLog *log, const SimPosition *end, bool before_events, int status);
/* True once the replay reached the recording's end, or stands at it with
 * every entry replayed (the firmware's exit stopped the run there, as it
 * did the recorded one); *status (may be NULL) the recorded status, which
 * is the run's (a `quit 5` after the firmware's exit, in --control, made
 * it 5). */
bool input_log_ended(const InputLog *log, int *status);

/* For a run loop that runs cpu_run in pieces (sim/session.c): */
/* Applies every runner entry due at the current position (also the end's
 * stop); false with *errp when the replay diverged (an entry that cannot
 * be reached any more) or an entry failed to apply. */
bool input_log_apply_due(InputLog *log, Error **errp);
/* How many instructions the next cpu_run may retire without passing the
 * next runner entry (the first one at or after the cursor: tap entries
 * before it are consumed on the way) or the recording's end (UINT64_MAX:
 * none pending), with a stop event armed at its cycle when it is reached
 * by time rather than by count (a sleeping hart, the events due there).
 * At least 1 while one is pending: the stop event then ends the run
 * before an instruction retires. */
uint64_t input_log_insns_left(InputLog *log);

/* Runs to `target` re-feeding the log: each runner entry before it is
 * applied at its position (sim_run_to_ex), tap entries as the run passes
 * them; lands as sim_run_to does. What the reverse timeline calls after
 * restoring a snapshot and input_log_replay_from. False with *errp: a
 * fault, the end of the run, a divergence, an entry that failed. */
bool input_log_run_to(InputLog *log, const SimPosition *target, const SimRunHooks *hooks,
                      Error **errp);

/* ---- hooks for the input sources ---- */

/* The monitor ran (or is about to run) `line` from `source`, the command
 * row `command` ("peripheral add"): logged when it changes the machine
 * (peripheral *, board apply, reset, gpio, uart send, memory write, reg,
 * snapshot save/load/delete/load-file) and comes from gdb or the console. */
void input_log_command(InputLog *log, MonitorSource source, const char *command,
                       const char *line);
/* gdb wrote a register (gdb's numbering) or memory. */
void input_log_gdb_register(InputLog *log, uint32_t regnum, uint32_t value);
void input_log_gdb_memory(InputLog *log, uint32_t addr, const uint8_t *bytes, size_t len);

/* For sim/uart_tap.c. Replaying, `device`'s backend opening: *eof gets
 * the logged state (true: replayed); live, it is recorded (returns
 * false). */
bool input_log_uart_open(InputLog *log, const char *device, bool *eof);
/* Replaying: the bytes the log holds for a read of `device` here (0 when
 * the entry at the cursor is not that), and *eof set when the logged read
 * ended the input. */
size_t input_log_uart_replay_read(InputLog *log, const char *device, uint8_t *buf,
                                  size_t max, bool *eof);
/* Live: a read took n bytes (n may be 0 when the input ended with it). */
void input_log_uart_read(InputLog *log, const char *device, const uint8_t *buf, size_t n,
                         bool eof);
/* Live: the backend's input came back. */
void input_log_uart_wake(InputLog *log, const char *device);
/* Called when the log stops replaying (its last entry replayed, or a new
 * input cut it): the taps look at their backends afresh. One; NULL
 * removes it. */
void input_log_on_live(InputLog *log, void (*fn)(void *opaque), void *opaque);

#endif
