/* A machine: the board description made real. It builds the system bus,
 * one owner per memory, and every peripheral through the registry, maps
 * them, wires their interrupt lines (the board's `irq:`), and sets the bus
 * as the memory system's root.
 *
 * Wiring happens inside machine_new, after every device exists: `cpu.X`
 * sinks are resolved through hooks->cpu_irq, which is therefore called
 * before machine_new returns, and the devices drive their initial levels
 * onto the lines at once (so the CPU behind the hook must already exist).
 * A board that wires nothing to `cpu.*` needs no cpu_irq hook.
 *
 * Ownership: the machine holds one reference on each owner it created; the
 * bus links and the flat view hold theirs. machine_free disconnects every
 * device's interrupt lines, then drops the machine's references and leaves
 * the MemorySystem empty of the machine's owners. A failed machine_new
 * leaves nothing behind. The CPU (sink of `cpu.*` lines, reader of the time
 * source) and the Clock (devices free their events at machine_free) must
 * outlive the machine, or at least not run after it is freed.
 */
#ifndef SOC_MACHINE_H
#define SOC_MACHINE_H

#include <stdbool.h>
#include <stdint.h>

#include "soc/board.h"
#include "soc/chardev.h"
#include "soc/clock.h"
#include "soc/irq.h"
#include "soc/error.h"
#include "soc/memory.h"

typedef struct Machine Machine;

typedef struct MachineHooks {
    void *opaque;
    /* The firmware asked to end the run; the CPU should stop. */
    void (*stop)(void *opaque);
    Chardev *(*open_chardev)(void *opaque, const char *spec, Error **errp);
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

/* The CPU's time source, registered by a device (the CLINT's mtime): false
 * when the board has none. Pass it to cpu_set_time_source; `*read` and
 * `*opaque` are valid while the machine lives. */
bool machine_time_source(const Machine *machine, uint64_t (**read)(void *),
                         void **opaque);

#endif
