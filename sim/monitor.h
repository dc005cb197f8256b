/* The monitor language: one command table and one parser, reached three
 * ways: GDB's `monitor ...` (gdbstub forwards qRcmd here through
 * GdbTarget.monitor), the console (`--monitor`, sim/console.c) and
 * scenario files (`--scenario`, sim/scenario.c). docs/RECONFIGURATION.md
 * lists the commands; `help` and `help COMMAND` print them.
 *
 * Words are separated by blanks; "double quotes" group a word (with \" \\
 * \n \r \t \xHH escapes inside; a quoted part may sit inside a word:
 * chardev="file:a b"); `key=value` words (an `=` outside quotes) are
 * properties; `@BASE` a base address (numbers as board files write them).
 * Command names are matched on unquoted words only.
 *
 * Durations (`run-for`): N followed by ns, us, ms or s (virtual time,
 * rounded up to whole CPU cycles at the clock's rate), N or Ncycles
 * (cycles), Ninsns (instructions). Decimal, `_` between digits allowed.
 *
 * `peripheral add` and `replace` build a BoardPeripheral whose locations
 * are "monitor:1:COL", COL the 1-based column of the word (of the value
 * of a key=value), so the machine's refusals point into the command line.
 * `replace` keeps the base; without irq= the wiring; without size= the
 * size when the type is unchanged; and the old values of the properties
 * the new model declares, unless given.
 *
 * A command either does all it says or, with a message naming the rule
 * that refused it, nothing. Every change to the board happens between
 * instructions: the caller runs commands only while the CPU is stopped at
 * a boundary (the console and scenarios from the run loop, gdb while the
 * target is halted).
 *
 * Run control (`stop`, `cont`, `step`, `run-for`, `run-until`, `quit`,
 * and `info state`, which only the run loop knows) is not done here: the
 * command only fills a MonitorRequest and the caller acts on it. Sources
 * that cannot (gdb has its own) are told so by the caller's `source` and
 * the command is refused.
 *
 * Inspection for test programs (docs/CONTROL.md): `uart NAME read` (what
 * a UART transmitted, from the taps' capture), `memory read|write`
 * (the debugger's side-effect-free path), `reg`, `info registers`.
 *
 * Snapshots (docs/DEBUGGING.md): `snapshot save|load|list|delete`, named
 * snapshots the monitor keeps until it is freed, and snapshot files.
 */
#ifndef SIM_MONITOR_H
#define SIM_MONITOR_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/cpu/cpu.h"
#include "sim/elf_symbols.h"
#include "sim/host/host.h"
#include "sim/uart_tap.h"
#include "soc/clock.h"
#include "soc/error.h"
#include "soc/machine.h"
#include "soc/memory.h"

typedef enum MonitorSource {
    MONITOR_FROM_GDB,
    MONITOR_FROM_CONSOLE,
    MONITOR_FROM_SCENARIO,
} MonitorSource;

typedef enum MonitorAction {
    MONITOR_ACT_NONE,
    MONITOR_ACT_STOP,    /* halt; the console then waits for commands */
    MONITOR_ACT_CONT,    /* run on */
    MONITOR_ACT_STEP,    /* run `count` instructions, then halt */
    MONITOR_ACT_RUN_FOR, /* run `count` cycles (instructions when
                            count_is_insns), then halt */
    MONITOR_ACT_QUIT,    /* end the run with exit status `status` */
    MONITOR_ACT_RUN_UNTIL, /* run until `device` sent `text`, or the pc is
                              `pc` (device NULL); bounded by `count` when
                              has_limit (as run-for's); then halt */
    MONITOR_ACT_STATE,   /* print where the run stands (`info state`) */
} MonitorAction;

/* What a command asks of its caller. RUN_UNTIL's strings are malloc'd:
 * the caller frees them with monitor_request_free once it has acted (any
 * request may be passed to it). */
typedef struct MonitorRequest {
    MonitorAction action;
    uint64_t count;
    bool count_is_insns; /* run-for N: instructions, not cycles */
    int status;
    bool has_status;     /* quit STATUS: given (else the caller's default) */
    /* run-until */
    bool has_limit;
    char *device;        /* the UART; NULL: wait for the pc */
    uint8_t *text;       /* what it must send (text_len >= 1 bytes) */
    size_t text_len;
    uint32_t pc;
    char *goal;  /* the miss, for messages: `no "TEXT" from NAME` or `the pc
                    did not reach SYMBOL` */
    char *limit; /* TIME as the command wrote it; NULL without one */
} MonitorRequest;

void monitor_request_free(MonitorRequest *request);

/* What the commands act on; the application's (sim/app_monitor.c). cpu, ms,
 * machine and clock are required. */
typedef struct MonitorContext {
    Cpu *cpu;
    MemorySystem *ms;
    Machine *machine;
    Clock *clock;
    void *opaque; /* passed to the hooks */
    /* `uart NAME send "text"`: queues bytes on the peripheral's serial
     * input (sim/uart_tap.h). NULL: the command is refused. */
    bool (*uart_send)(void *opaque, const char *device, const uint8_t *bytes,
                      size_t len, Error **errp);
    /* `reset`: the board and the hart. NULL: cpu_reset only. */
    void (*reset)(void *opaque);
    /* `stats`: malloc'd text. NULL: instructions and cycles. */
    char *(*stats)(void *opaque);
    /* Where `board apply FILE` finds `extends:` targets (the shipped
     * boards.yaml); NULL: nowhere else. */
    const char *boards_fallback;
    /* `uart NAME read`, `run-until NAME`: the capture of the taps
     * (uart_taps_capture on). NULL: refused. */
    UartTaps *taps;
    /* `run-until pc SYMBOL`: the firmware's symbols. NULL: numbers only. */
    const ElfSymbols *syms;
    /* `snapshot save|load|list|delete NAME`, `snapshot save-file|load-file
     * FILE` (sim/snapshot.h): offered when `snapshots` is set. Snapshots
     * hold the host services' state (`host`; NULL: none) and name the
     * firmware (`firmware` and its snapshot_hash_file hash; NULL: none).
     * After a load, `snapshot_loaded` (may be NULL) hears the cycles and
     * instructions the machine was at, so the caller can move its own
     * clock events (session_clock_moved). */
    bool snapshots;
    Host *host;
    const char *firmware;
    uint64_t firmware_hash;
    void (*snapshot_loaded)(void *opaque, uint64_t from_cycles, uint64_t from_retired);
    /* Asked before a load changes anything: false (with why) when the
     * caller could not run on from a loaded machine (the control
     * socket's session once the firmware's run is over). NULL: always. */
    bool (*snapshot_may_load)(void *opaque, Error **errp);
    /* Called with each well-formed command allowed from `source` just
     * before it runs: its row's name ("peripheral add") and the line as
     * given. The input log (sim/input_log.h) records those that change the
     * machine; before, so what the command does is logged after it. NULL:
     * none. */
    void (*will_run)(void *opaque, MonitorSource source, const char *command,
                     const char *line);
} MonitorContext;

typedef struct Monitor Monitor;

/* The context is copied. */
Monitor *monitor_new(const MonitorContext *context);
void monitor_free(Monitor *monitor);

/* Runs one command line from `source`, writing its output (or its error,
 * one line starting "error: ") to `out`. *request gets what run control
 * the command asks for (MONITOR_ACT_NONE for the others). Returns false
 * when the command was malformed, unknown or refused: nothing changed. An
 * empty line prints `help`. */
bool monitor_exec(Monitor *monitor, MonitorSource source, const char *line,
                  MonitorRequest *request, FILE *out);

/* The same, output as malloc'd text (for gdb's qRcmd); *ok (ok may be
 * NULL) gets monitor_exec's result. */
char *monitor_exec_text(Monitor *monitor, MonitorSource source,
                        const char *line, MonitorRequest *request, bool *ok);

#endif
