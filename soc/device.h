/* The contract between the machine (soc/machine*.c) and device models.
 *
 * A model is a PeripheralClass. The application hands the machine a
 * DeviceRegistry (peripherals/registry.c builds it), so soc/ never names a
 * model: arrows point from peripherals/ to soc/, never back.
 *
 * Create. `create` validates the board entry's properties, builds the
 * device as an Owner whose registers are regions in the device's own
 * container, and returns the owner (one reference, the caller's), the
 * region to map at the entry's base and the device's state (the opaque its
 * hooks take). Everything else the device holds (state, chardev, clock
 * events) is freed by the owner's finalize hook, so the device dies exactly
 * when the last reference goes (the machine's, the bus link's, the flat
 * view's: an MMIO access in progress keeps it alive to its end). A failed
 * create leaves nothing allocated.
 *
 * Interrupts (soc/irq.h). A model with outputs declares how many
 * (`irq_outputs`, with their names) and takes its lines in `connect_irqs`;
 * a model with inputs hands them out through `irq_input`. The lines a
 * source gets point at connections the machine owns (machine_irq.c), never
 * at the sink itself: removing either end in any order detaches the
 * connection. `connect_irqs(state, NULL, 0)` disconnects every output and
 * is called before the machine drops its reference on a removed device;
 * the device must then forget its lines and drive nothing through them.
 * When a source goes, the machine calls the sink's `irq_input_detach` for
 * each input it drove. A device must not drive a line from its finalize
 * hook.
 *
 * Removal is legal at every instruction boundary and from inside any MMIO
 * callback, the removed device's own included (its regions stay valid to
 * the end of the access, then it is finalized).
 */
#ifndef SOC_DEVICE_H
#define SOC_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "soc/board.h"
#include "soc/chardev.h"
#include "soc/clock.h"
#include "soc/error.h"
#include "soc/irq.h"
#include "soc/memory.h"

/* Reads a device's notion of time (the CLINT's mtime) for the CPU's
 * `time`/`timeh` CSRs. */
typedef uint64_t (*DeviceTimeFn)(void *dev);

/* What the running machine offers its devices. Every hook is safe from an
 * MMIO callback and from a clock event. */
typedef struct DeviceHost {
    void *opaque;
    /* The firmware asked to end the simulation with this exit status. */
    void (*request_exit)(void *opaque, int status);
    /* Opens a character backend (`stdio`, `null`, `file:...`, `tcp:...`,
     * `pty`; sim/chardev_host.h has the forms) for the device being
     * created or re-configured. The device owns the result. */
    Chardev *(*open_chardev)(void *opaque, const char *spec, Error **errp);
    /* Virtual time and the event queue; NULL when the machine has none. */
    Clock *clock;
    /* Offers `read_time(dev)` as the CPU's time source, from create only.
     * Fails (with the file:line:col of the device being created) when
     * another device already offers it. The machine releases it when the
     * device is removed (the CPU's time/timeh then raise illegal
     * instruction) and the next device that offers it takes over. */
    bool (*set_time_source)(void *opaque, DeviceTimeFn read_time, void *dev,
                            Error **errp);
    /* Resets the machine (a watchdog bite): every device's class `reset`
     * hook runs before this returns, in table order, the caller's own
     * included, and the CPU resets at its next instruction boundary and
     * runs on from its reset pc. Memories keep their contents; virtual
     * time goes on. The caller must not undo what its reset hook did once
     * this returns. NULL when the machine cannot reset. */
    void (*request_reset)(void *opaque);
    /* Reports what the guest did that the model tolerates but a firmware
     * developer should hear of: a mistake (a write to a locked register,
     * pllsel before the PLL locked) or something the model does not do
     * (an access to a stub, sleep). `device` is the board's name for it,
     * `message` one phrase without it ("write at +0x0 ignored: the
     * watchdog is locked"). Devices never print: the application decides
     * where this goes (the trace, stderr once; README "Guest
     * diagnostics"). NULL: dropped. Models call it through
     * device_log_guest. */
    void (*log_guest)(void *opaque, const char *device, const char *message);
    /* Powers the peripheral `name` off (it is removed with its state, its
     * board entry kept) or on (re-created from that entry at its reset
     * state, and re-wired). For power controllers (one may power itself
     * off from its own MMIO callback: it dies when the access ends).
     * Fails, changing nothing, naming the rule. NULL: no machine. */
    bool (*power)(void *opaque, const char *name, bool on, Error **errp);
    /* The top region of the memory or peripheral `name` (to alias it), or
     * NULL when there is none (or it is powered off). */
    MemoryRegion *(*find_region)(void *opaque, const char *name);
    /* Maps one more region of the device being created on the system bus
     * (a remap controller's boot window), at `priority` (0 is a board
     * block's). From create only; the machine unmaps it when the device
     * goes. */
    bool (*map_region)(void *opaque, MemoryRegion *region, uint64_t base,
                       int priority, Error **errp);
    /* Waveforms (--vcd, sim/vcd.c; docs/WAVEFORMS.md). `signal` publishes
     * that the device's signal `name` (its own name for it: "pin5", "tx"),
     * `width` bits wide (1-32), takes `value` (or DEVICE_SIGNAL_X or
     * DEVICE_SIGNAL_Z) at virtual time `when` (cycles, not before now: a
     * UART publishes a whole frame as it starts). Devices publish their
     * reset values at create and then changes (repeating a value is
     * harmless); they call it through device_signal and
     * device_signal_frame. `signal_wanted` says whether anyone listens to
     * that signal, for a device that would pay to compute it (a PWM's
     * pins between its events); ask it at create. Both NULL while nobody
     * listens: a device then computes nothing for them. */
    void (*signal)(void *opaque, const char *device, const char *name,
                   unsigned width, uint64_t value, uint64_t when);
    bool (*signal_wanted)(void *opaque, const char *device, const char *name);
} DeviceHost;

/* Values of a signal besides its bits: unknown, and not driven (a UART's
 * byte between frames). */
#define DEVICE_SIGNAL_X UINT64_MAX
#define DEVICE_SIGNAL_Z (UINT64_MAX - 1)

/* Publishes `value` of the device's signal `name` now (nothing while
 * nobody listens). */
static inline void device_signal(const DeviceHost *host, const char *device,
                                 const char *name, unsigned width, uint64_t value)
{
    if (host->signal)
        host->signal(host->opaque, device, name, width, value,
                     host->clock ? clock_now(host->clock) : 0);
}

/* A UART frame, published whole as it starts at `start`: the line `line`
 * low for the start bit, `data_bits` bits of `byte` LSB first, the parity
 * bit when `parity` is 0 or 1 (-1: none), then high (stop, idle); each
 * bit `ticks_per_bit` ticks of a `hz` clock long, the frame ending at
 * `end` (stop bits included). `byte_name` holds the byte from the start
 * bit to the stop bit, then DEVICE_SIGNAL_Z (so back-to-back frames of
 * one byte show apart). Nothing while nobody listens or without a
 * clock. */
static inline void device_signal_frame(const DeviceHost *host, const char *device,
                                       const char *line, const char *byte_name,
                                       uint8_t byte, unsigned data_bits, int parity,
                                       uint64_t start, uint64_t end,
                                       uint64_t ticks_per_bit, uint64_t hz)
{
    if (!host->signal || !host->clock)
        return;
    void *o = host->opaque;
    host->signal(o, device, byte_name, 8, byte, start);
    unsigned nbits = 1 + data_bits + (parity >= 0 ? 1 : 0);
    for (unsigned k = 0; k <= nbits; k++) {
        unsigned level = k == 0           ? 0
                         : k <= data_bits ? (byte >> (k - 1)) & 1
                         : k < nbits      ? (unsigned)parity
                                          : 1;
        uint64_t at = start + clock_cycles_from(host->clock, k * ticks_per_bit, hz);
        if (at > end)
            at = end;
        host->signal(o, device, line, 1, level, at);
        if (k == nbits)
            host->signal(o, device, byte_name, 8, DEVICE_SIGNAL_Z, at);
    }
}

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
    void *state;          /* passed to the class's hooks */
} Device;

/* A model's register table (peripherals/regs.h); soc/ only passes it to
 * DeviceRegistry.describe_registers. */
struct RegTable;

/* A property a model understands, for `info types` and `peripheral set`. */
typedef struct DeviceProperty {
    const char *name;
    const char *help; /* one phrase: what the value means, its default */
    bool live;        /* `peripheral set` may change it while running */
} DeviceProperty;

typedef struct PeripheralClass {
    const char *type;        /* the YAML `type:` */
    const char *description; /* one line for --list-devices */
    uint64_t default_size;
    uint64_t min_size, max_size; /* sizes the model accepts */
    /* The properties it understands, ending with {NULL}; create refuses
     * others (device_check_props). */
    const DeviceProperty *properties;
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
    /* The source wired to input n is gone: the input is low from now on
     * and what it latched is forgotten (a PLIC's pending bit), as if it
     * had never been raised. NULL: lowering the input is enough. */
    void (*irq_input_detach)(void *state, unsigned n);

    /* A machine reset (DeviceHost.request_reset): puts the registers back
     * to their reset values, except what the hardware keeps across such a
     * reset (the AON's backup registers), cancels or reschedules its clock
     * events and drives the reset levels onto its outputs. NULL: the
     * device keeps its state across a machine reset. */
    void (*reset)(void *state);

    /* Drives input pin `pin` from outside the chip (tests, the monitor's
     * `gpio` command): the level the device sees on the pin from now on,
     * as if a wire pulled it. Fails naming the device and its valid pins.
     * NULL: the model has no injectable inputs. */
    bool (*set_input)(void *state, unsigned pin, bool level, Error **errp);

    /* Changes a property declared `live` while the device runs (a UART's
     * chardev, a stub's read value). Fails, changing nothing, with a
     * message naming the property. The machine then records the new value
     * in the device's board entry. NULL: no live properties. */
    bool (*set_property)(void *state, const char *key, const char *value,
                         Error **errp);

    /* `alias`, a region this device mapped with map_region, shows a
     * region that is being removed by force (`peripheral remove --force`):
     * the device must point it at something of its own and stop showing
     * the target, before this returns (a remap controller disables its
     * window until the next select). NULL: such a removal is refused. */
    void (*release_alias)(void *state, MemoryRegion *alias);

    /* Its registers, for `info types` and --describe-board; NULL: none
     * declared. */
    const struct RegTable *registers;

    /* Snapshots: the device's whole state (register values, FIFOs, shift
     * registers, what it latched, injected input levels, its clock
     * events' deadlines, its bus devices' state) as bytes (malloc'd, *len
     * of them), and back. Not state: the chardev (the device keeps its
     * backend) and what its properties configure. load refuses (naming
     * the device's type and what differs) data from another model,
     * version or configuration, and hostile data, changing nothing; after
     * a load the device drives its outputs' levels (unchanged levels make
     * no edges: connections pass changes only) and its events wait at
     * their saved deadlines. Required: every model has both
     * (peripherals/regs.h: REGS_STATE_HOOKS for a table model). */
    uint8_t *(*save_state)(void *state, size_t *len);
    bool (*load_state)(void *state, const uint8_t *data, size_t len, Error **errp);
} PeripheralClass;

/* The models the machine may build, from its caller. */
typedef struct DeviceRegistry {
    const PeripheralClass *const *classes;
    size_t count;
    /* Writes a class's register table as text, one line per register,
     * each indented by four spaces; NULL: registers are not described. */
    void (*describe_registers)(const struct RegTable *table, FILE *out);
} DeviceRegistry;

/* NULL when no model has that type. */
const PeripheralClass *device_registry_find(const DeviceRegistry *registry,
                                            const char *type);

#endif
