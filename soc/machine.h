/* A machine: the board description made real. It builds the system bus,
 * one owner per memory, and every peripheral through the registry, maps
 * them, and sets the bus as the memory system's root.
 *
 * Ownership: the machine holds one reference on each owner it created; the
 * bus links and the flat view hold theirs. machine_free drops the machine's
 * and leaves the MemorySystem empty of the machine's owners. A failed
 * machine_new leaves nothing behind.
 */
#ifndef SOC_MACHINE_H
#define SOC_MACHINE_H

#include <stdbool.h>

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
     * "mei"); false when the CPU has no such input. */
    bool (*cpu_irq)(void *opaque, const char *input, IrqLine *out);
    /* Virtual time, shared with the CPU; owned by the caller. */
    Clock *clock;
} MachineHooks;

Machine *machine_new(MemorySystem *ms, const BoardDesc *board,
                     const MachineHooks *hooks, Error **errp);
void machine_free(Machine *machine);

/* True once the firmware asked to exit; *status is its exit status. */
bool machine_exit_requested(const Machine *machine, int *status);

#endif
