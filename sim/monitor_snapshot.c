/* The monitor's `snapshot` commands (docs/DEBUGGING.md, Snapshots): named
 * snapshots kept in memory by the monitor (its SnapshotStore, freed with
 * it), and snapshot files. Its rows, at the end, follow sim/monitor.c's
 * when the caller's MonitorContext says `snapshots`.
 *
 * A load changes the time under the caller's feet: the context's
 * snapshot_loaded hook hears where the machine was, so the run loop moves
 * its own clock events (sim/session.h, session_clock_moved).
 */
#include "sim/monitor_internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "sim/snapshot.h"
#include "soc/alloc.h"

typedef struct Named {
    char *name;
    Snapshot *snap;
} Named;

/* In the order they were first saved. */
struct SnapshotStore {
    Named *items;
    size_t n;
};

SnapshotStore *mon_snapshot_store_new(void)
{
    return xcalloc(1, sizeof(SnapshotStore));
}

void mon_snapshot_store_free(SnapshotStore *store)
{
    if (!store)
        return;
    for (size_t i = 0; i < store->n; i++) {
        free(store->items[i].name);
        snapshot_free(store->items[i].snap);
    }
    free(store->items);
    free(store);
}

static Named *find(SnapshotStore *store, const char *name)
{
    for (size_t i = 0; i < store->n; i++)
        if (strcmp(store->items[i].name, name) == 0)
            return &store->items[i];
    return NULL;
}

static SnapshotTarget target_of(const Call *c)
{
    const MonitorContext *x = c->ctx;
    return (SnapshotTarget){.cpu = x->cpu, .clock = x->clock, .ms = x->ms,
                            .machine = x->machine, .host = x->host,
                            .firmware = x->firmware, .firmware_hash = x->firmware_hash};
}

/* "N instructions, pc 0x..." of a snapshot. */
static void put_position(FILE *out, const Snapshot *snap)
{
    fprintf(out, "%" PRIu64 " instructions, pc 0x%08x", snapshot_retired(snap),
            (unsigned)snapshot_pc(snap));
}

/* Restores `snap`, then tells the caller where the machine was. */
static bool load(Call *c, const Snapshot *snap, const char *what)
{
    const MonitorContext *x = c->ctx;
    SnapshotTarget t = target_of(c);
    uint64_t from_cycles = cpu_cycles(x->cpu), from_retired = cpu_instructions_retired(x->cpu);
    Error *err = NULL;
    if (x->snapshot_may_load && !x->snapshot_may_load(x->opaque, &err)) {
        error_prepend(&err, "snapshot load %s: ", what);
        return mon_refused(c, err);
    }
    if (!snapshot_restore(&t, snap, &err)) {
        error_prepend(&err, "snapshot load %s: ", what);
        return mon_refused(c, err);
    }
    if (x->snapshot_loaded)
        x->snapshot_loaded(x->opaque, from_cycles, from_retired);
    fprintf(c->out, "loaded %s: ", what);
    put_position(c->out, snap);
    fprintf(c->out, ", cycle %" PRIu64 "\n", snapshot_cycles(snap));
    return true;
}

static bool mon_snapshot_save(Call *c)
{
    const Word *name = &c->args[0];
    if (!mon_check_name(c, name))
        return false;
    SnapshotTarget t = target_of(c);
    Snapshot *snap = snapshot_take(&t);
    Named *old = find(c->snapshots, name->text);
    const Snapshot *previous = NULL;
    if (old) {
        snapshot_free(old->snap);
        old->snap = snap;
    } else {
        SnapshotStore *store = c->snapshots;
        store->items = xreallocarray(store->items, store->n + 1, sizeof *store->items);
        store->items[store->n++] = (Named){xstrdup(name->text), snap};
        previous = store->n > 1 ? store->items[store->n - 2].snap : NULL;
    }
    fprintf(c->out, "%s %s: ", old ? "replaced" : "saved", name->text);
    put_position(c->out, snap);
    fprintf(c->out, ", %" PRIu64 " bytes\n", snapshot_private_bytes(snap, previous));
    return true;
}

static bool mon_snapshot_load(Call *c)
{
    const Word *name = &c->args[0];
    Named *named = find(c->snapshots, name->text);
    if (!named)
        return mon_fail(c, "no snapshot named '%s'", SHOW(name));
    return load(c, named->snap, named->name);
}

/* One line per snapshot: name, instructions, pc, and the bytes it holds
 * that the one listed before it does not share (all of them for the
 * first): what keeping it costs. */
static bool mon_snapshot_list(Call *c)
{
    SnapshotStore *store = c->snapshots;
    if (!store->n) {
        fputs("no snapshots\n", c->out);
        return true;
    }
    for (size_t i = 0; i < store->n; i++) {
        const Snapshot *snap = store->items[i].snap;
        fprintf(c->out, "%s: ", store->items[i].name);
        put_position(c->out, snap);
        fprintf(c->out, ", %" PRIu64 " bytes\n",
                snapshot_private_bytes(snap, i ? store->items[i - 1].snap : NULL));
    }
    return true;
}

static bool mon_snapshot_delete(Call *c)
{
    const Word *name = &c->args[0];
    SnapshotStore *store = c->snapshots;
    Named *named = find(store, name->text);
    if (!named)
        return mon_fail(c, "no snapshot named '%s'", SHOW(name));
    free(named->name);
    snapshot_free(named->snap);
    size_t i = (size_t)(named - store->items);
    memmove(&store->items[i], &store->items[i + 1], (store->n - i - 1) * sizeof *named);
    store->n--;
    fprintf(c->out, "deleted %s\n", name->text);
    return true;
}

static bool mon_snapshot_save_file(Call *c)
{
    const char *path = c->args[0].text;
    SnapshotTarget t = target_of(c);
    Snapshot *snap = snapshot_take(&t);
    Error *err = NULL;
    bool ok = snapshot_write_file(snap, path, &err);
    if (ok) {
        fprintf(c->out, "saved %s: ", path);
        put_position(c->out, snap);
        fputc('\n', c->out);
    }
    snapshot_free(snap);
    return ok || mon_refused(c, err);
}

static bool mon_snapshot_load_file(Call *c)
{
    const char *path = c->args[0].text;
    Error *err = NULL;
    Snapshot *snap = snapshot_read_file(path, &err);
    if (!snap)
        return mon_refused(c, err);
    bool ok = load(c, snap, path);
    snapshot_free(snap);
    return ok;
}

/* ---- the rows ---- */

const Command mon_snapshot_commands[] = {
    {"snapshot save", "NAME", "keep the whole machine in memory as NAME",
     "the hart, memories, devices, board, clock and host files; an older NAME is\n"
     "replaced; names: letters, digits, '_' and '-'",
     1, 1, false, 0, FROM_ANY, NULL, mon_snapshot_save},
    {"snapshot load", "NAME", "make the machine what snapshot NAME holds",
     "all or nothing, the board as it was then included\n"
     "gdb caches registers: 'maintenance flush register-cache' after it",
     1, 1, false, 0, FROM_ANY, NULL, mon_snapshot_load},
    {"snapshot list", "", "the snapshots kept: instructions, pc, bytes",
     "bytes: what each holds that the one listed before it does not share",
     0, 0, false, 0, FROM_ANY, NULL, mon_snapshot_list},
    {"snapshot delete", "NAME", "forget snapshot NAME", NULL,
     1, 1, false, 0, FROM_ANY, NULL, mon_snapshot_delete},
    {"snapshot save-file", "FILE", "write the whole machine to a snapshot file",
     "written whole through a temporary file, or not at all",
     1, 1, false, 0, FROM_ANY, NULL, mon_snapshot_save_file},
    {"snapshot load-file", "FILE", "make the machine what a snapshot file holds",
     "the file is checked whole first; all or nothing\n"
     "gdb caches registers: 'maintenance flush register-cache' after it",
     1, 1, false, 0, FROM_ANY, NULL, mon_snapshot_load_file},
};

const size_t mon_snapshot_ncommands =
    sizeof mon_snapshot_commands / sizeof mon_snapshot_commands[0];
