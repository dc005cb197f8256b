/* The contract between the machine (soc/machine.c) and device models.
 *
 * A model is a PeripheralClass listed in peripherals/registry.c. Its
 * `create` validates the board's properties, builds the device as an Owner
 * whose registers are regions in the device's own container, and returns
 * the owner (one reference, the caller's), the region to map at the
 * board's base and the device's state (the opaque its hooks take).
 * Everything else the device holds (state, chardev, clock events) is freed
 * by the owner's finalize hook, so the device dies exactly when the last
 * reference goes (the machine's, the bus link's, the flat view's).
 * A failed create leaves nothing allocated.
 *
 * Interrupts (soc/irq.h). A model with outputs declares how many
 * (`irq_outputs`, with their names) and takes its lines in `connect_irqs`;
 * a model with inputs hands them out through `irq_input`. The machine
 * builds in two phases: it creates every device, then, for each device
 * whose board entry has `irq:`, resolves the sinks in order (output i goes
 * to the i-th sink: `cpu.X` through the machine's CPU hook, `dev.N`
 * through dev's `irq_input`) and calls `connect_irqs` once with all of
 * them. A board wires either none of a device's outputs (they stay
 * unconnected: irq_set on them goes nowhere) or exactly all of them.
 *
 * Lifetime rule: an IrqLine points at its sink without a reference, so a
 * sink must outlive every source wired to it. The machine therefore calls
 * `connect_irqs(state, NULL, 0)` on every wired device before it drops any
 * reference, and devices die together at machine_free. A device must not
 * drive a line from its finalize hook (its sink may already be gone).
 * Runtime reconfiguration (unplugging a sink alone) must first disconnect
 * the sources wired to it; that is not done yet.
 */
#ifndef PERIPHERALS_PERIPHERAL_H
#define PERIPHERALS_PERIPHERAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "soc/board.h"
#include "soc/chardev.h"
#include "soc/clock.h"
#include "soc/error.h"
#include "soc/irq.h"
#include "soc/memory.h"

/* Reads a device's notion of time (the CLINT's mtime) for the CPU's
 * `time`/`timeh` CSRs. */
typedef uint64_t (*DeviceTimeFn)(void *dev);

/* What the running machine offers its devices. */
typedef struct DeviceHost {
    void *opaque;
    /* The firmware asked to end the simulation with this exit status. */
    void (*request_exit)(void *opaque, int status);
    /* Opens a character backend (`stdio`, `null`, `file:...`, `tcp:...`,
     * `pty`; sim/chardev_host.h has the forms). */
    Chardev *(*open_chardev)(void *opaque, const char *spec, Error **errp);
    /* Virtual time and the event queue; NULL when the machine has none. */
    Clock *clock;
    /* Makes `read_time(dev)` the CPU's time source. Fails (with the
     * file:line:col of the device being created) when another device
     * already is; call it last in create, it cannot be undone yet. */
    bool (*set_time_source)(void *opaque, DeviceTimeFn read_time, void *dev,
                            Error **errp);
    /* Resets the machine (a watchdog bite): every device's class `reset`
     * hook runs before this returns, in board order, the caller's own
     * included, and the CPU resets at its next instruction boundary and
     * runs on from its reset pc. Memories keep their contents; virtual
     * time goes on. Safe from an MMIO callback and from a clock event; the
     * caller must not undo what its reset hook did once this returns.
     * NULL when the machine cannot reset. */
    void (*request_reset)(void *opaque);
    /* Reports what the guest did that the model tolerates but a firmware
     * developer should hear of: a mistake (a write to a locked register,
     * pllsel before the PLL locked) or something the model does not do
     * (an access to a stub, sleep). `device` is the board's name for it,
     * `message` one phrase without it ("write at +0x0 ignored: the
     * watchdog is locked"). Devices never print: the application decides
     * where this goes (the trace, stderr once; README "Guest
     * diagnostics"). Safe from an MMIO callback and a clock event. NULL:
     * dropped. Models call it through device_log_guest. */
    void (*log_guest)(void *opaque, const char *device, const char *message);
} DeviceHost;

typedef struct DeviceConfig {
    MemorySystem *ms;
    const BoardPeripheral *desc; /* name, base, size (0 = default), props;
                                    valid during create only */
    uint64_t size;               /* resolved: desc->size or the default */
    const DeviceHost *host;
} DeviceConfig;

typedef struct Device {
    Owner *owner;         /* one reference, the caller's */
    MemoryRegion *region; /* the device's top region, to map at desc->base */
    void *state;          /* passed to the class's irq hooks */
} Device;

typedef struct PeripheralClass {
    const char *type;        /* the YAML `type:` */
    const char *description; /* one line for --list-devices */
    uint64_t default_size;
    uint64_t min_size, max_size; /* sizes the model accepts */
    bool (*create)(const DeviceConfig *config, Device *out, Error **errp);

    /* Interrupt outputs, in wiring order, and their names (for messages). */
    unsigned irq_outputs;
    const char *const *irq_output_names;
    /* Takes the lines wired to the outputs (n == irq_outputs; the array is
     * the caller's, copy it) and drives the current levels onto them.
     * (NULL, 0) disconnects every output and must drive nothing. Required
     * when irq_outputs > 0. */
    void (*connect_irqs)(void *state, const IrqLine *irqs, size_t n);
    /* Hands out interrupt input n, pointing at the device; fails naming
     * the device and its valid inputs ("'plic' has no interrupt input 40
     * (0-52)"). NULL: the model has no inputs. */
    bool (*irq_input)(void *state, unsigned n, IrqLine *out, Error **errp);

    /* A machine reset (DeviceHost.request_reset): puts the registers back
     * to their reset values, except what the hardware keeps across such a
     * reset (the AON's backup registers), cancels or reschedules its clock
     * events and drives the reset levels onto its outputs. NULL: the
     * device keeps its state across a machine reset. */
    void (*reset)(void *state);

    /* Drives input pin `pin` from outside the chip (tests, the monitor's
     * "inject input"): the level the device sees on the pin from now on,
     * as if a wire pulled it. Fails naming the device and its valid pins.
     * NULL: the model has no injectable inputs. */
    bool (*set_input)(void *state, unsigned pin, bool level, Error **errp);
} PeripheralClass;

/* Helpers for models: property lookups whose errors carry file:line:col. */
bool device_prop_u64(const DeviceConfig *config, const char *key,
                     uint64_t default_value, uint64_t *out, Error **errp);
const char *device_prop_str(const DeviceConfig *config, const char *key,
                            const char *default_value);
/* Like device_prop_u64, refusing 0 (frequencies, divisors). */
bool device_prop_positive_u64(const DeviceConfig *config, const char *key,
                              uint64_t default_value, uint64_t *out,
                              Error **errp);
/* Like device_prop_u64, refusing a value outside min..max: "'sources'
 * must be 1 to 1023" ("0 to 0xffffffff" for limits above 0xffff). */
bool device_prop_u64_range(const DeviceConfig *config, const char *key,
                           uint64_t default_value, uint64_t min, uint64_t max,
                           uint64_t *out, Error **errp);
/* Fails, at the peripheral's location, when the machine has no clock. */
bool device_require_clock(const DeviceConfig *config, Error **errp);
/* Opens the backend the `chardev` property names (default stdio); errors
 * carry the property's location. The device owns the result. */
Chardev *device_open_chardev(const DeviceConfig *config, Error **errp);
/* Fails naming the first property the model does not know. `known` ends
 * with NULL. */
bool device_check_props(const DeviceConfig *config, const char *const *known,
                        Error **errp);
/* Sets the standard error for an input number a sink does not have:
 * "'NAME' has no interrupt input N (0-LAST)"; returns false. */
bool device_no_irq_input(const char *name, unsigned n, unsigned count,
                         Error **errp);
/* Formats one phrase and hands it to host->log_guest (nothing when the
 * host has none). Messages longer than 255 bytes are cut. */
__attribute__((format(printf, 3, 4)))
void device_log_guest(const DeviceHost *host, const char *device,
                      const char *fmt, ...);

#endif
