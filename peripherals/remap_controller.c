/* Boot memory remap controller ("mcusim,remap-controller"): a window of
 * the bus that shows one of several memories or peripherals, chosen by a
 * register, the way MCUs choose what appears at their boot address. The
 * STM32F4's SYSCFG_MEMRMP (RM0090, "SYSCFG memory remap register"):
 * MEM_MODE maps main flash, system flash, FSMC bank 1 or SRAM at
 * 0x00000000, its reset value comes from the BOOT pins, and each memory
 * stays reachable at its own address too. NXP's LPC11xx SYSMEMREMAP
 * (UM10398, "System memory remap register") does the same under the
 * vector table with boot ROM, RAM or flash.
 *
 * Registers, a regs.h table (32-bit, aligned: anything else is a bus
 * error, unless `bad-access: ignore`; other offsets read 0 and ignore
 * writes, reported once each):
 *   0x00 select  RW  the index in `targets` of what the window shows.
 *                    Writing an index past the last target is ignored
 *                    (reported). Resets to the `select` property.
 *   0x04 count   RO  how many targets (writes ignored, reported each
 *                    time)
 *
 * Properties: `window` (the window's bus address) and `window-size`, both
 * required; `targets` (1 to 8 names of memories or peripherals, required);
 * `select` (the index at reset, default 0); `bad-access` (regs.h).
 *
 * The window is an alias region of the device's own (NAME.window) that
 * the machine maps on the bus at `window`, at priority 1 (above board
 * blocks). It shows the first window-size bytes of the selected target,
 * looked up (DeviceHost.find_region) when select is written, and at reset.
 * A target that is not there now (absent, powered off), or is smaller
 * than the window, disables the window, so what lies below shows through,
 * and is reported once for that write; selecting a usable target enables
 * it again. While disabled the alias points at an empty container of the
 * device's own, so it keeps no other device alive. Every change is one
 * memory transaction. At create the reset target must be usable.
 *
 * Not modelled: the BOOT pins (the `select` property stands for them),
 * showing a target from an offset other than 0, following a target
 * re-created under the same name (powered off and on, replaced) without a
 * write to select.
 */
#include "peripherals/peripheral.h"
#include "peripherals/regs.h"
#include "soc/alloc.h"

#include <stdio.h>
#include <stdlib.h>

#define REMAP_TYPE "mcusim,remap-controller"
#define REMAP_MAX_TARGETS 8
#define REMAP_WINDOW_PRIORITY 1 /* above the board's blocks (0) */

typedef struct Remap {
    char *name;
    DeviceHost host;
    MemorySystem *ms;
    MemoryRegion *window; /* the alias the machine maps on the bus */
    MemoryRegion *none;   /* what the window points at while disabled */
    uint64_t window_size;
    char **targets;
    size_t ntargets;
    RegBank bank;
    uint32_t select, reset_select;
    bool shown; /* the window shows target `select` (else it is disabled) */
} Remap;

/* The region of target `i` when the window can show it; otherwise NULL
 * and a phrase in `why`. */
static MemoryRegion *remap_usable(const Remap *r, size_t i, char *why,
                                  size_t why_size)
{
    const char *name = r->targets[i];
    MemoryRegion *target = r->host.find_region ?
        r->host.find_region(r->host.opaque, name) : NULL;
    if (!target) {
        snprintf(why, why_size, "no memory or peripheral '%s' now", name);
        return NULL;
    }
    uint64_t size = memory_region_size(target);
    if (size < r->window_size) {
        snprintf(why, why_size, "'%s' is 0x%llx bytes, smaller than the "
                 "0x%llx-byte window", name, (unsigned long long)size,
                 (unsigned long long)r->window_size);
        return NULL;
    }
    return target;
}

/* Points the window at `target`, or, when NULL (or it would make a
 * cycle: `why` says so), disables it; one transaction. True when shown. */
static bool remap_show(Remap *r, MemoryRegion *target, char *why, size_t why_size)
{
    Error *err = NULL;
    memory_begin(r->ms);
    if (target && !memory_region_set_alias_target(r->window, target, 0, &err)) {
        snprintf(why, why_size, "%s", error_message(err)); /* a cycle */
        error_free(err);
        target = NULL;
    }
    if (!target && !memory_region_set_alias_target(r->window, r->none, 0, NULL))
        abort(); /* our own empty container of the window's size */
    memory_region_set_enabled(r->window, target != NULL);
    memory_commit(r->ms);
    r->shown = target != NULL;
    return r->shown;
}

/* Points the window at the selected target, or disables it (reported)
 * when that cannot be shown. */
static void remap_apply(Remap *r)
{
    char why[160];
    MemoryRegion *target = remap_usable(r, r->select, why, sizeof why);
    if (!remap_show(r, target, why, sizeof why))
        device_log_guest(&r->host, r->name, "select %u: %s: the window is "
                         "disabled", r->select, why);
}

/* The machine removes the window's target by force: show nothing until
 * the next select (or reset) finds a target again. */
static void remap_release_alias(void *state, MemoryRegion *alias)
{
    Remap *r = state;
    memory_begin(r->ms);
    if (!memory_region_set_alias_target(r->window, r->none, 0, NULL))
        abort(); /* our own empty container of the window's size */
    memory_region_set_enabled(r->window, false);
    memory_commit(r->ms);
    r->shown = false;
    device_log_guest(&r->host, r->name, "'%s' was removed: the window is disabled",
                     r->targets[r->select]);
}

/* ---- registers ---- */

/* select has no storage: an index past the last target must leave the
 * shown one in place, and its reset value is the instance's. */
static uint32_t select_read(void *dev, unsigned index, bool peek)
{
    const Remap *r = dev;
    return r->select;
}

static void select_write(void *dev, unsigned index, uint32_t value)
{
    Remap *r = dev;
    if (value >= r->ntargets) {
        device_log_guest(&r->host, r->name, "select written with %u, past "
                         "the last target (%zu): ignored", value,
                         r->ntargets - 1);
        return;
    }
    r->select = value;
    remap_apply(r);
}

static uint32_t count_read(void *dev, unsigned index, bool peek)
{
    const Remap *r = dev;
    return (uint32_t)r->ntargets;
}

static const RegDef remap_regs[] = {
    {.name = "select", .offset = 0x00, .width = 4, .access = REG_RW,
     .store = REG_NO_STORE, .read = select_read, .write = select_write},
    {.name = "count", .offset = 0x04, .width = 4, .access = REG_RO,
     .store = REG_NO_STORE, .read = count_read},
};

/* Which target is selected and whether the window shows it: a window
 * disabled because its target went (release_alias) stays so until the
 * next select, whatever is there now. What it shows follows from them. */
static const RegState remap_state[] = {
    REG_STATE(Remap, select),
    REG_STATE_BOOL(Remap, shown),
};

/* A shown window needs its target there now, large enough. */
static bool remap_check_load(const void *dev, Error **errp)
{
    const Remap *r = dev;
    char why[160];
    if (r->select >= r->ntargets) {
        error_setf(errp, "saved select %u is past the last target (%zu)", r->select,
                   r->ntargets - 1);
        return false;
    }
    if (r->shown && !remap_usable(r, r->select, why, sizeof why)) {
        error_setf(errp, "the saved window shows target %u: %s", r->select, why);
        return false;
    }
    return true;
}

/* A snapshot load: the window as saved, nothing reported. */
static void remap_loaded(void *dev)
{
    Remap *r = dev;
    char why[160];
    MemoryRegion *target = r->shown ? remap_usable(r, r->select, why, sizeof why) : NULL;
    remap_show(r, target, why, sizeof why);
}

static const RegTable remap_table = {
    .regs = remap_regs,
    .nregs = REG_TABLE_LEN(remap_regs),
    .state = remap_state,
    .nstate = REG_TABLE_LEN(remap_state),
    .check_load = remap_check_load,
    .after_load = remap_loaded,
};

REGS_STATE_HOOKS(remap, Remap, bank, REMAP_TYPE)

/* ---- reset, create and the class ---- */

static void remap_reset(void *state)
{
    Remap *r = state;
    regs_reset(&r->bank);
    r->select = r->reset_select;
    remap_apply(r);
}

static void remap_finalize(void *opaque)
{
    Remap *r = opaque;
    device_names_free(r->targets, r->ntargets);
    free(r->name);
    free(r);
}

static const DeviceProperty remap_props[] = {
    {"window", "the window's bus address; required", false},
    {"window-size", "the window's size in bytes; required", false},
    {"targets", "the memories and peripherals the window may show, 1 to 8 "
     "names separated by spaces; required", false},
    {"select", "the index in targets shown at reset; default 0", false},
    REGS_BAD_ACCESS_PROPERTY,
    {0},
};

/* Fails at the property `key`, or at the entry when it is absent. */
static bool remap_bad(const DeviceConfig *config, const char *key,
                      const char *what, Error **errp)
{
    const BoardProp *prop = board_peripheral_prop(config->desc, key);
    const SourceLoc *loc = prop ? &prop->loc : &config->desc->loc;
    error_setf(errp, "%s:%u:%u: %s", loc->file, loc->line, loc->col, what);
    return false;
}

/* The properties into `r` (its targets are then r's to free). */
static bool remap_config(const DeviceConfig *config, Remap *r,
                         uint64_t *window, Error **errp)
{
    uint64_t select;
    if (!device_check_props(config, remap_props, errp) ||
        !device_prop_required(config, "window", errp) ||
        !device_prop_required(config, "window-size", errp) ||
        !device_prop_required(config, "targets", errp) ||
        !device_prop_u64_range(config, "window", 0, 0, UINT32_MAX, window,
                               errp) ||
        !device_prop_u64_range(config, "window-size", 0, 1,
                               UINT64_C(1) << 32, &r->window_size, errp))
        return false;
    Error *err = NULL;
    if (!memory_range_check("the window", *window, r->window_size,
                            UINT64_C(1) << 32, &err)) {
        remap_bad(config, "window-size", error_message(err), errp);
        error_free(err);
        return false;
    }
    if (!device_prop_names(config, "targets", 1, REMAP_MAX_TARGETS,
                           &r->targets, &r->ntargets, errp) ||
        !device_prop_u64_range(config, "select", 0, 0, r->ntargets - 1,
                               &select, errp))
        return false;
    r->select = r->reset_select = (uint32_t)select;
    return true;
}

/* The reset target, which must be usable now. */
static MemoryRegion *remap_first_target(const DeviceConfig *config,
                                        const Remap *r, Error **errp)
{
    char why[160];
    MemoryRegion *target = remap_usable(r, r->select, why, sizeof why);
    if (target)
        return target;
    const BoardProp *prop = board_peripheral_prop(config->desc, "select");
    if (!prop)
        prop = board_peripheral_prop(config->desc, "targets");
    error_setf(errp, "%s:%u:%u: the window cannot show target %u at reset: "
               "%s", prop->loc.file, prop->loc.line, prop->loc.col, r->select,
               why);
    return NULL;
}

static bool remap_create(const DeviceConfig *config, Device *out,
                         Error **errp)
{
    const BoardPeripheral *desc = config->desc;
    if (!config->host->map_region) {
        error_setf(errp, "%s:%u:%u: '%s' (%s) needs a machine that maps its "
                   "window", desc->loc.file, desc->loc.line, desc->loc.col,
                   desc->name, desc->type);
        return false;
    }
    Remap *r = xcalloc(1, sizeof *r);
    r->host = *config->host;
    uint64_t window;
    MemoryRegion *target = NULL;
    if (!remap_config(config, r, &window, errp) ||
        !(target = remap_first_target(config, r, errp))) {
        remap_finalize(r);
        return false;
    }
    r->name = xstrdup(desc->name);
    if (!regs_bank_init(&r->bank, &remap_table, r, r->name, config, errp)) {
        remap_finalize(r);
        return false;
    }
    r->ms = config->ms;
    Owner *owner = owner_new(config->ms, desc->name, remap_finalize, r);
    MemoryRegion *regs = regs_region_new(owner, &r->bank, config->size);
    char sub[160];
    snprintf(sub, sizeof sub, "%s.none", desc->name);
    r->none = memory_region_new_container(owner, sub, r->window_size);
    snprintf(sub, sizeof sub, "%s.window", desc->name);
    Error *err = NULL;
    r->window = memory_region_new_alias(owner, sub, target, 0,
                                        r->window_size, &err);
    r->shown = true;
    if (!r->window ||
        !r->host.map_region(r->host.opaque, r->window, window,
                            REMAP_WINDOW_PRIORITY, &err)) {
        owner_unref(owner); /* frees r */
        remap_bad(config, "window", err ? error_message(err) :
                  "the machine refused the window", errp);
        error_free(err);
        return false;
    }
    *out = (Device){.owner = owner, .region = regs, .state = r};
    return true;
}

const PeripheralClass remap_controller_class = {
    .type = REMAP_TYPE,
    .description = "boot memory remap: a bus window showing one of several "
                   "memories or peripherals, chosen by a register",
    .default_size = 0x1000,
    .min_size = 8,
    .max_size = 0x1000,
    .properties = remap_props,
    .create = remap_create,
    .reset = remap_reset,
    .release_alias = remap_release_alias,
    .registers = &remap_table,
    .save_state = remap_save_state,
    .load_state = remap_load_state,
};
