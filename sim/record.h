/* `--record FILE` and `--replay FILE`: the input log (sim/input_log.h) in
 * a file, so that a run can be attached to a bug report and repeated
 * exactly. docs/DEBUGGING.md ("Record and replay") documents the format;
 * in short, a text file of lines, each ending with a CRC-32 of itself:
 *
 *     mcusim-record 1 ~CRC                       the format and its version
 *     firmware "PATH" HASH ~CRC                  FNV-1a 64 of the ELF's bytes
 *     option KEY "VALUE" ~CRC                    what the run depends on
 *     begin ~CRC
 *     KIND CYCLES RETIRED PC PHASE ... ~CRC      one per input, in order
 *     truncate INDEX ~CRC                        inputs from INDEX on void
 *     end CYCLES RETIRED PC PHASE STATUS ~CRC    where and how the run ended
 *
 * Written as it goes: each line is flushed when its input comes, so a
 * recording survives the simulator being killed or crashing (then it has
 * no `end` line: a replay re-feeds its inputs and runs on). A line cut
 * short, or any other damage, is refused with its file offset.
 *
 * Ownership: each object owns what it holds (copies); none keeps the
 * header or the log it was given beyond what its contract says.
 */
#ifndef SIM_RECORD_H
#define SIM_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/input_log.h"
#include "sim/lost_output.h"
#include "sim/monitor.h"
#include "sim/output_file.h"
#include "sim/uart_tap.h"
#include "soc/error.h"
#include "soc/memory.h"

/* The version of the format written; the only one read. */
#define RECORD_VERSION 1

/* One thing the run depends on besides its inputs: "board", "set", "arg",
 * ... (sim/app_history.c says which), in a fixed order. */
typedef struct RecordOption {
    const char *key;
    const char *value;
} RecordOption;

/* What a recording was made of, and what a replay must be made of. */
typedef struct RecordHeader {
    const char *firmware;   /* the path as given (for messages) */
    uint64_t firmware_hash; /* snapshot_hash_file's */
    const RecordOption *options;
    size_t noptions;
} RecordHeader;

/* ---- --record ---- */

typedef struct Recorder Recorder;

/* Checks `path` as output_file_open does (never one of `inputs`), then
 * creates it and writes the header. A write that fails later is said once
 * ("--record PATH: cannot write: ...") and handed to `lost` (the run ends
 * with 121); nothing more is written. */
Recorder *recorder_open(const char *path, const RecordHeader *header,
                        const OutputInput *inputs, size_t ninputs, OutputLostFn lost,
                        void *opaque, Error **errp);
/* From now on every input `log` logs (and every truncation) is written.
 * The log must outlive the recorder's attachment (recorder_free ends it). */
void recorder_attach(Recorder *rec, InputLog *log);
/* The run ended at `end` (before the events due then, or not) with
 * `status`: the `end` line is written, the file closed. */
void recorder_finish(Recorder *rec, const SimPosition *end, bool before_events, int status);
void recorder_free(Recorder *rec); /* NULL: nothing */

/* ---- --replay ---- */

typedef struct Recording Recording;

/* Reads and checks the whole file: its format and version, every line's
 * checksum and syntax. Errors: "PATH: offset N: WHAT". */
Recording *recording_read(const char *path, Error **errp);
/* Refuses a recording of another firmware (by hash), board or options
 * than `run`, naming what differs. */
bool recording_check(const Recording *rec, const RecordHeader *run, Error **errp);
/* The inputs, in order, and the end (when there is one), moved into a
 * fresh log (once: the recording keeps its header), which then replays
 * them from the first. */
void recording_load(Recording *rec, InputLog *log);
bool recording_has_end(const Recording *rec);
uint64_t recording_count(const Recording *rec); /* inputs */
void recording_free(Recording *rec); /* NULL: nothing */

/* ---- applying the runner's entries (input_log_set_applier) ---- */

typedef struct ReplayTarget {
    Cpu *cpu;
    MemorySystem *ms;
    Monitor *monitor; /* commands; NULL: refused */
    UartTaps *taps;   /* wake-ups; NULL: refused */
} ReplayTarget;

/* An InputApplyFn on a ReplayTarget: runs a command (its output and
 * result are the recorded run's, not looked at), sets a register, writes
 * memory, wakes a UART. */
bool replay_apply(void *target, const InputEntry *entry, Error **errp);

#endif
