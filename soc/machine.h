/* A machine: the board description made real, and kept live. It builds
 * the system bus, one owner per memory, and every peripheral through the
 * registry its caller hands it (soc/device.h), maps them, wires their
 * interrupt lines (the board's `irq:`), and sets the bus as the memory
 * system's root. Then it keeps a live table of what it built, by name,
 * which runtime reconfiguration changes (machine_add_peripheral and the
 * rest below; docs/RECONFIGURATION.md).
 *
 * The live table. Each entry is a memory or a peripheral: its board entry
 * as now in force (a copy the machine owns, with its source locations),
 * its owner (one reference, the machine's) and mapping, and for a
 * peripheral its interrupt wiring. A powered-off peripheral keeps its
 * entry, its address range and its interrupt inputs, and has no owner.
 *
 * Interrupt wiring (machine_irq.c). Every `irq:` line is a connection the
 * machine owns, from output i of a source to a sink named by the board
 * (`plic.3`, `cpu.mti`). The source's IrqLine points at the connection;
 * the connection remembers the source's level and passes it to the sink
 * while one of that name exists. Removing the sink leaves the connection
 * dangling (the line goes nowhere); a new sink of that name picks it up
 * and sees its level. Removing the source lowers the sink's input and
 * clears what the sink latched (irq_input_detach), then frees the
 * connection. machine_audit checks all of it.
 *
 * The time source. machine_read_time (a CpuTimeSource) reads whichever
 * device now offers the time (the CLINT); with none it returns false and
 * the CPU's time/timeh raise illegal instruction.
 *
 * `cpu.X` sinks are resolved through hooks->cpu_irq, which is therefore
 * called before machine_new returns, and the devices drive their initial
 * levels onto the lines at once (so the CPU behind the hook must already
 * exist).
 *
 * Ownership: the machine holds one reference on each owner in its table;
 * the bus links and the flat view hold theirs. machine_free disconnects
 * every line, then drops the machine's references and leaves the
 * MemorySystem empty of the machine's owners. A failed machine_new, and a
 * failed reconfiguration, leave nothing behind and nothing changed. The
 * CPU (sink of `cpu.*` lines, reader of the time source) and the Clock
 * (devices free their events when they die) must outlive the machine, or
 * at least not run after it is freed.
 */
#ifndef SOC_MACHINE_H
#define SOC_MACHINE_H

#include <stdbool.h>
#include <stdint.h>

#include "soc/board.h"
#include "soc/chardev.h"
#include "soc/clock.h"
#include "soc/device.h"
#include "soc/irq.h"
#include "soc/error.h"
#include "soc/memory.h"

typedef struct Machine Machine;

typedef struct MachineHooks {
    void *opaque;
    /* The firmware asked to end the run; the CPU should stop. */
    void (*stop)(void *opaque);
    /* Opens the chardev `spec` for the peripheral named `device` (the
     * application may tap it: the monitor's `uart NAME send`, a
     * scenario's UART matches). */
    Chardev *(*open_chardev)(void *opaque, const char *device,
                             const char *spec, Error **errp);
    /* Resolves a CPU interrupt input named in the board ("msi", "mti",
     * "mei"); false when the CPU has no such input. Called during
     * machine_new; the line must stay valid while the machine lives. NULL:
     * boards that wire `cpu.*` are refused. */
    bool (*cpu_irq)(void *opaque, const char *input, IrqLine *out);
    /* Virtual time, shared with the CPU; owned by the caller, who frees it
     * after the machine. NULL: models that need time (the CLINT) fail. */
    Clock *clock;
    /* Resets the CPU, deferred to its next instruction boundary
     * (cpu_request_reset), as part of machine_reset. NULL: a machine reset
     * resets the devices only. */
    void (*reset_cpu)(void *opaque);
    /* Where the devices' guest diagnostics go (DeviceHost.log_guest in
     * peripherals/peripheral.h: a device name and one phrase). Called from
     * MMIO callbacks and clock events. NULL: dropped. */
    void (*log_guest)(void *opaque, const char *device, const char *message);
    /* The models the board may name (peripherals/registry.h builds it).
     * NULL: a board with peripherals is refused. */
    const DeviceRegistry *registry;
    /* Waveforms (sim/vcd.h): what the devices publish (DeviceHost.signal,
     * with `scope` the device's name) and every interrupt connection's
     * level as the source drives it (scope "irq", name "SOURCE.OUTPUT",
     * width 1, at clock_now). `signal_wanted` answers DeviceHost's. Both
     * take `signal_opaque`. NULL: nobody listens, and devices compute
     * nothing for it. Set before machine_new: devices publish their reset
     * values from create. */
    /* Every memory built without an image starts tracked for snapshots
     * from its zero contents (memory_pages_track_zero): set when a
     * timeline will snapshot the machine, so its first snapshot does not
     * read every byte of a large RAM. Writes then cost a report each
     * page's first time after each snapshot. */
    bool track_memories;
    void *signal_opaque;
    void (*signal)(void *opaque, const char *scope, const char *name,
                   unsigned width, uint64_t value, uint64_t when);
    bool (*signal_wanted)(void *opaque, const char *scope, const char *name);
} MachineHooks;

Machine *machine_new(MemorySystem *ms, const BoardDesc *board,
                     const MachineHooks *hooks, Error **errp);
void machine_free(Machine *machine);

/* Resets the machine, as a device's DeviceHost.request_reset does (a
 * watchdog): each device's class `reset` hook in board order, then
 * hooks->reset_cpu. Memories keep their contents. */
void machine_reset(Machine *machine);

/* True once the firmware asked to exit; *status is its exit status. */
bool machine_exit_requested(const Machine *machine, int *status);

/* The CPU's time source (a CpuTimeSource, with the machine as opaque):
 * the time of the device that now offers it (the CLINT's mtime); false,
 * *now untouched, while none does. */
bool machine_read_time(void *machine, uint64_t *now);
/* The name of the device offering the time, NULL when none. */
const char *machine_time_source_name(const Machine *machine);

/* ---- runtime reconfiguration ----
 *
 * Each change runs inside one memory transaction, between instructions or
 * from an MMIO callback; on failure nothing changed and *errp says which
 * rule refused it. Locations in the entries given are copied with them
 * (their `file` strings too): the caller may free its BoardFile after.
 * Names are peripherals' unless said; memories are added, removed and
 * replaced only through machine_apply_board (machine_move moves them). */

/* Builds, maps and wires a new peripheral from `entry` (its `irq:` wires
 * its outputs; dangling connections to a sink of its name are picked up).
 * Refused: a name in use, an unknown type or property, an overlap, a size
 * the model refuses, an input already driven. */
bool machine_add_peripheral(Machine *machine, const BoardPeripheral *entry,
                            Error **errp);
/* Unmaps, unwires and drops the peripheral. Refused when a region of it is
 * the target of an alias another device owns (a remap controller's
 * window) unless `force`, which makes that device let go of it
 * (PeripheralClass.release_alias: its window shows nothing). */
bool machine_remove_peripheral(Machine *machine, const char *name, bool force,
                               Error **errp);
/* Replaces the peripheral `entry->name` by a new one built from `entry`
 * (its base, type, properties and wiring; the new model's reset state).
 * The old one is removed only once the new one is built. */
bool machine_replace_peripheral(Machine *machine, const BoardPeripheral *entry,
                                Error **errp);
/* Maps the peripheral (or memory) `name` at `base` instead, keeping its
 * state and wiring. Refused on overlap, outside the bus, and for the
 * memory that holds `keep_pc` (the hart's pc). */
bool machine_move(Machine *machine, const char *name, uint64_t base,
                  uint32_t keep_pc, Error **errp);
/* Changes a property the model declares live (DeviceProperty.live). */
bool machine_set_property(Machine *machine, const char *name, const char *key,
                          const char *value, Error **errp);
/* Drives an input pin of a peripheral (PeripheralClass.set_input). */
bool machine_set_input(Machine *machine, const char *name, unsigned pin,
                       bool level, Error **errp);
/* DeviceHost.power, for the monitor too. */
bool machine_power(Machine *machine, const char *name, bool on, Error **errp);

/* Makes the running board look like `board`: memories and peripherals
 * missing from it are removed, new ones added, those whose type,
 * properties, size or wiring differ replaced, those whose base differs
 * moved; the rest keep their state and connections. All or nothing, in
 * one memory transaction. Refused as each step would be, and when it
 * would remove or move the memory holding `keep_pc` (the hart's pc).
 * *summary (may be NULL) gets a malloc'd line per change. */
bool machine_apply_board(Machine *machine, const BoardDesc *board,
                         uint32_t keep_pc, char **summary, Error **errp);

/* ---- snapshots (machine_state.c) ---- */

typedef struct MachineState MachineState;
/* The live board (a deep BoardDesc copy: every memory and peripheral
 * entry as now in force, whether each peripheral is powered), each
 * powered peripheral's saved state by name (PeripheralClass.save_state),
 * every interrupt connection's level, and the clock's time. Never holds a
 * pointer into the machine. */
MachineState *machine_state_save(const Machine *machine);
/* Makes the machine what `state` says: the clock at the saved time
 * (clock_rewind), the board applied (machine_apply_board's rules, without
 * its pc check: the caller restores the hart's pc too; new memories come
 * zeroed: the caller restores memory contents after), each peripheral
 * powered as saved (a peripheral powered off keeps its entry and has no
 * state), each powered device's state, every connection's level. Sinks
 * are not told of levels while this runs: what they latched comes from
 * their own state. All or nothing: everything that can refuse is done
 * before the running board changes, and on failure the machine (and the
 * clock) are as before, with *errp naming what refused. */
bool machine_state_load(Machine *machine, const MachineState *state, Error **errp);
void machine_state_free(MachineState *state); /* NULL: nothing */
const BoardDesc *machine_state_board(const MachineState *state);
/* For files: a self-describing byte string (a header, the board as YAML
 * text with the places of its entries, the power flags, the device
 * states and the levels, then a CRC-32 of it all), malloc'd, *len bytes;
 * and back: decode checks everything (a hostile string gets an error
 * naming what is wrong, never a crash) and returns a new state. */
uint8_t *machine_state_encode(const MachineState *state, size_t *len);
MachineState *machine_state_decode(const uint8_t *data, size_t len, Error **errp);
/* The bytes the state holds (its device states and levels), for sizes. */
size_t machine_state_size(const MachineState *state);

/* The live memories, for their contents: board order, index <
 * machine_memory_count. */
size_t machine_memory_count(const Machine *machine);
const char *machine_memory_name(const Machine *machine, size_t index);
MemoryRegion *machine_memory_region(const Machine *machine, size_t index);

/* ---- what the live machine holds ---- */

/* The live table, one line per memory and peripheral: name, type, range,
 * owner refcount, interrupt wiring ("info peripherals"). malloc'd. */
char *machine_describe(const Machine *machine);
/* Every interrupt connection: source, sink, level, whether the sink is
 * there ("info irq"). malloc'd. */
char *machine_describe_irqs(const Machine *machine);
/* Every model of the registry with its properties (live ones marked),
 * interrupt outputs and inputs ("info types"). malloc'd. */
char *machine_describe_types(const Machine *machine);

/* Checks the wiring the way memory_audit checks regions: every
 * connection's source is a live peripheral that holds it as that output;
 * a connection is bound exactly when a live sink of its name exists, and
 * then to that sink; no input has two drivers; the time source, when
 * set, is a live peripheral; every live entry's owner is alive. False
 * with the first violation. */
bool machine_audit(const Machine *machine, Error **errp);

/* The live entries, for tests and scenario commands. NULL when absent. */
size_t machine_peripheral_count(const Machine *machine);
const BoardPeripheral *machine_peripheral_at(const Machine *machine,
                                             size_t index);
const BoardPeripheral *machine_find_peripheral(const Machine *machine,
                                               const char *name);
/* False when absent or powered off. */
bool machine_peripheral_powered(const Machine *machine, const char *name);
const DeviceRegistry *machine_registry(const Machine *machine);

#endif
