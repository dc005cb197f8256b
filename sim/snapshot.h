/* Machine snapshots: the whole machine at one instruction boundary, kept
 * in memory or in a file, and put back (docs/DEBUGGING.md, Snapshots).
 *
 * A snapshot holds copies only, never a pointer into the machine: the
 * hart's state (cpu_state_save), the clock's time, the machine's state
 * (machine_state_save: the live board, each device's state, every
 * interrupt connection's level), the contents of every live memory by
 * name (memory_pages_capture: pages shared, reference-counted, with other
 * captures of the same region, zero pages not stored) and the host
 * services' state (host_state_save). Restoring looks everything up by
 * name in the machine as it then is.
 *
 * What a restore leaves to its caller: clock events that are not a
 * device's (the session's pacer, a bounded run's end, the timeline's)
 * keep their deadlines; their owners reschedule them
 * (session_clock_moved). Debugger breakpoints and watchpoints, the
 * tracer and observers are not part of a snapshot.
 *
 * Files (snapshot_write_file, snapshot_read_file): a versioned format,
 * each section with its length and CRC-32, the whole file with a CRC-32
 * (docs/DEBUGGING.md gives the layout). Reading checks everything before
 * it returns; a corrupt, truncated or unknown file is refused with a
 * message that starts with the path ("FILE: section 'cpu': checksum
 * mismatch"), never a crash.
 */
#ifndef SIM_SNAPSHOT_H
#define SIM_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/cpu/cpu.h"
#include "sim/host/host.h"
#include "soc/clock.h"
#include "soc/error.h"
#include "soc/machine.h"
#include "soc/memory.h"

/* What a snapshot is taken of and restored into. cpu, clock, ms and
 * machine are required. */
typedef struct SnapshotTarget {
    Cpu *cpu;
    Clock *clock;
    MemorySystem *ms;
    Machine *machine;
    Host *host; /* NULL: none */
    /* The firmware the machine runs, which files name: its path and
     * snapshot_hash_file's hash of its bytes, taken when the run started.
     * NULL: none named (a restore then does not compare firmware). */
    const char *firmware;
    uint64_t firmware_hash;
} SnapshotTarget;

typedef struct Snapshot Snapshot; /* owns copies only */

/* The machine as it is now (at an instruction boundary: between cpu_run
 * calls). Taking one changes nothing the firmware can see. */
Snapshot *snapshot_take(const SnapshotTarget *target);

/* Makes the machine what `snap` says: the board and the devices
 * (machine_state_load), every memory's contents by name
 * (memory_pages_restore), the host services, the hart (cpu_state_load),
 * and the clock's time (clock_rewind). All or nothing: what can be
 * checked first is (another firmware, another hart, host services on one
 * side only, memories missing or of another size), and when a later step
 * refuses, the steps already done are undone from a snapshot taken before
 * the first; on false the machine is as it was. */
bool snapshot_restore(const SnapshotTarget *target, const Snapshot *snap, Error **errp);

void snapshot_free(Snapshot *snap); /* NULL: nothing */

/* Where the run stood when it was taken. */
uint64_t snapshot_retired(const Snapshot *snap); /* instructions retired */
uint64_t snapshot_cycles(const Snapshot *snap);  /* the hart's cycles */
uint32_t snapshot_pc(const Snapshot *snap);

/* Bytes the snapshot holds that `other` (NULL: none) does not share: page
 * copies of its memories not shared with `other`'s memory of the same
 * name, plus its hart, device and host state. */
uint64_t snapshot_private_bytes(const Snapshot *snap, const Snapshot *other);

/* The file's bytes (malloc'd, *len of them), as snapshot_write_file
 * writes them: for writers of their own (sim/output_file.h). */
uint8_t *snapshot_encode(const Snapshot *snap, size_t *len);

/* Writes the file through a temporary file in its folder, renamed over
 * `path` once complete (sim/output_file.h); the firmware the snapshot
 * names is refused as `path`. Errors start with the path. */
bool snapshot_write_file(const Snapshot *snap, const char *path, Error **errp);

/* Reads and checks a whole file (see above); errors start with the path. */
Snapshot *snapshot_read_file(const char *path, Error **errp);
/* The same from bytes; errors start with `name`. */
Snapshot *snapshot_decode(const uint8_t *data, size_t len, const char *name, Error **errp);

/* A hash of a file's bytes (64-bit FNV-1a): what snapshots record of the
 * firmware. Errors start with the path. */
bool snapshot_hash_file(const char *path, uint64_t *hash, Error **errp);

#endif
