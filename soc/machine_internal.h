/* The machine's live table, shared by its files:
 *   machine.c        building, freeing, the DeviceHost, reset, time source
 *   machine_irq.c    interrupt connections
 *   machine_live.c   add, remove, replace, move, set, power
 *   machine_apply.c  board apply (a diff of the running board and a file)
 *   machine_info.c   what `info` prints, and the wiring audit
 */
#ifndef SOC_MACHINE_INTERNAL_H
#define SOC_MACHINE_INTERNAL_H

#include "soc/machine.h"

#define MACHINE_BUS_SIZE (1ULL << 32)

typedef struct IrqConn IrqConn;
typedef struct MachinePeripheral MachinePeripheral;
typedef struct MachineMemory MachineMemory;

/* The live entries by name (machine_index.c). */
typedef struct MachineIndexSlot MachineIndexSlot;
typedef struct MachineIndex {
    MachineIndexSlot *slots;
    size_t cap, used, count; /* used: slots not empty, tombstones too */
} MachineIndex;

/* One line of an `irq:`: from output `output` of `source` to the sink the
 * board names. The source's IrqLine points here. */
struct IrqConn {
    Machine *machine;
    MachinePeripheral *source;
    unsigned output;
    const BoardIrq *sink_desc; /* in source->desc.irqs */
    bool level;                /* the source's last level */
    bool driven;               /* the source has driven it at all */
    bool bound;                /* a sink of that name exists: `sink` is it */
    MachinePeripheral *sink_dev; /* NULL for a cpu.X sink */
    IrqLine sink;
    char *signal_name; /* "SOURCE.OUTPUT" while a waveform listens; owned */
};

/* A region a device mapped besides its own (DeviceHost.map_region). */
typedef struct ExtraMapping {
    MemoryRegion *region;
    uint64_t base;
} ExtraMapping;

struct MachinePeripheral {
    BoardPeripheral desc; /* the entry in force; the machine's copy */
    const PeripheralClass *cls;
    uint64_t size;        /* resolved: desc.size or the model's default */
    Device dev;           /* dev.owner NULL while powered off */
    IrqConn **outputs;    /* [desc.nirqs] while powered and wired */
    ExtraMapping *extra;
    size_t nextra;
    DeviceTimeFn offered_time; /* what it offered at create, if anything */
    void *offered_dev;
    bool staying; /* board apply's plan keeps it (machine_apply.c) */
};

struct MachineMemory {
    BoardMemory desc;
    Owner *owner; /* one reference, the machine's */
    MemoryRegion *region;
    bool staying; /* board apply's plan keeps it (machine_apply.c) */
};

struct Machine {
    MemorySystem *ms;
    MachineHooks hooks;
    DeviceHost device_host;
    Owner *bus_owner;
    MemoryRegion *bus;
    MachineMemory **memories;
    size_t nmemories;
    MachinePeripheral **periphs; /* board order, then added ones */
    size_t nperiphs;
    MachineIndex index;          /* both, by name */
    /* While board apply builds: the new board's entries, which
     * DeviceHost.find_region looks at before the table. */
    MachinePeripheral *const *staged_periphs;
    MachineMemory *const *staged_mems;
    size_t nstaged_periphs, nstaged_mems;
    /* The peripheral in create or set_property: DeviceHost calls that need
     * to know who calls (open_chardev, set_time_source, map_region). */
    MachinePeripheral *acting;
    /* The peripheral a replacement will take over from (it may hand over
     * the time source). */
    MachinePeripheral *replacing;
    MachinePeripheral *time_holder; /* offers the CPU's time now */
    char **files; /* interned SourceLoc file names of copied entries */
    size_t nfiles;
    bool exit_requested;
    int exit_status;
    /* The board as built, without its entries: name, description, cpu,
     * host services (a snapshot's board starts from it); strings owned,
     * locations interned. */
    BoardDesc top;
    /* A snapshot load is putting levels in place: connections keep the
     * levels sources drive, and tell no sink (machine_irq.c). */
    bool irq_quiet;
};

/* machine_index.c */
void machine_index_put(MachineIndex *ix, const char *name, MachinePeripheral *periph,
                       MachineMemory *mem);
void machine_index_remove(MachineIndex *ix, const char *name);
bool machine_index_find(const MachineIndex *ix, const char *name,
                        MachinePeripheral **periph, MachineMemory **mem);
void machine_index_free(MachineIndex *ix);

/* machine.c */
bool machine_loc_error(Error **errp, const SourceLoc *loc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
MachinePeripheral *machine_peripheral_named(const Machine *m, const char *name);
MachineMemory *machine_memory_named(const Machine *m, const char *name);
/* A copy of entry whose locations point at the machine's own file names. */
MachinePeripheral *machine_peripheral_entry(Machine *m,
                                            const BoardPeripheral *entry);
void machine_peripheral_entry_free(MachinePeripheral *p);
MachineMemory *machine_memory_entry(Machine *m, const BoardMemory *entry);
/* Finds the model and resolves the size of p (whose cls/size it sets). */
bool machine_resolve(const Machine *m, MachinePeripheral *p, Error **errp);
/* Creates p's device and maps it (and what it maps besides); on failure
 * nothing of it remains. The caller is in a memory transaction. */
bool machine_realize(Machine *m, MachinePeripheral *p, Error **errp);
/* Unwires, unmaps and drops p's device (it dies once no access holds it);
 * p keeps its entry. */
void machine_unrealize(Machine *m, MachinePeripheral *p);
bool machine_build_memory(Machine *m, MachineMemory *mem, Error **errp);
void machine_drop_memory(Machine *m, MachineMemory *mem);
/* Whether [base, base + size) meets a block of the table other than
 * `skip_a`/`skip_b` (which may be NULL); reported against loc. */
bool machine_check_free(const Machine *m, const char *name, uint64_t base,
                        uint64_t size, const void *skip_a, const void *skip_b,
                        const SourceLoc *loc, Error **errp);
/* No two of these blocks overlap; the later one written is blamed. */
bool machine_check_layout(MachineMemory *const *mems, size_t nmems,
                          MachinePeripheral *const *periphs, size_t nperiphs,
                          Error **errp);
/* A device other than `skip` shows a region of `owner` through an alias
 * it mapped: the first such mapping, and its device. */
ExtraMapping *machine_alias_onto(const Machine *m, const Owner *owner,
                                 const MachinePeripheral *skip,
                                 MachinePeripheral **by);

/* machine_apply.c: board apply with the extra steps of a snapshot load
 * (machine_state.c). `keep_pc` NULL: no memory is kept for the hart.
 * With `x`: each peripheral of `board` is built powered as x->powered[i]
 * says (a kept entry powered otherwise is replaced); once every new
 * memory and device is built and wired checks pass, x->staged runs
 * (new devices found by machine_apply_staged; DeviceHost.find_region
 * sees the new board), then the check that no staying device shows a
 * going one through its window; a refusal of either undoes the build
 * (after x->unstage when staged had succeeded), changing nothing. */
typedef struct ApplyExtras {
    const bool *powered;
    bool (*staged)(void *opaque, Machine *m, Error **errp);
    void (*unstage)(void *opaque, Machine *m);
    void *opaque;
} ApplyExtras;
bool machine_apply_board_with(Machine *m, const BoardDesc *board, const uint32_t *keep_pc,
                              const ApplyExtras *x, char **summary, Error **errp);
/* While x->staged runs: the entry whose device will be live under `name`
 * once the apply commits (a new one, or a live one that stays), NULL when
 * none will be powered. */
MachinePeripheral *machine_apply_staged(const Machine *m, const char *name);

/* machine_irq.c */
/* Checks, without building anything, that p's `irq:` could be wired: the
 * line count, each input free (neither driven nor reserved by a
 * powered-off entry; `replacing`'s do not count) and each sink there and
 * taking its input (when `strict`, a sink name the table does not hold is
 * refused; p's own inputs are checked by machine_irq_check_inputs). */
bool machine_irq_check_entry(const Machine *m, const MachinePeripheral *p,
                             const MachinePeripheral *replacing, bool strict,
                             Error **errp);
/* Once p is built: its own inputs its `irq:` names, and the inputs every
 * line waiting for a sink of p's name needs, exist on it. */
bool machine_irq_check_inputs(const Machine *m, const MachinePeripheral *p,
                              const MachinePeripheral *replacing, Error **errp);
/* Wires p's outputs as p->desc.irqs says, after the checks above (it
 * refuses only what they refuse). */
bool machine_irq_wire(Machine *m, MachinePeripheral *p, bool strict,
                      Error **errp);
/* Binds the lines waiting for a sink named p (to p, now live), or every
 * waiting line whose sink is live; each sink is driven with its level. */
void machine_irq_bind_waiting(Machine *m, MachinePeripheral *p);
void machine_irq_bind_all(Machine *m);
/* p's outputs go (their sinks lowered and detached), and lines bound to p
 * wait for another sink of its name. */
void machine_irq_unwire(Machine *m, MachinePeripheral *p);
/* Every connection goes, driving nothing: machine_free. */
void machine_irq_free_all(Machine *m);
/* The pieces of those checks, for board apply's own: p's line count;
 * a `cpu.X` input; input irq->line on the built `sink`; the error for a
 * sink name nothing holds. */
bool machine_irq_check_count(const MachinePeripheral *p, Error **errp);
bool machine_irq_check_cpu_input(const Machine *m, const BoardIrq *irq, Error **errp);
bool machine_irq_check_device_input(const MachinePeripheral *sink, const BoardIrq *irq,
                                    Error **errp);
bool machine_irq_unknown_sink(const BoardIrq *irq, Error **errp);
/* No two connections drive one input (sorted: n log n). */
bool machine_irq_audit_drivers(const Machine *m, Error **errp);
bool machine_check_one_driver_each(const BoardDesc *board, Error **errp);
/* The same `irq:` sinks, in the same order. */
bool machine_same_wiring(const BoardPeripheral *a, const BoardPeripheral *b);
/* "plic.3" or "cpu.mti". */
void machine_sink_name(const BoardIrq *irq, char *buf, size_t size);

#endif
