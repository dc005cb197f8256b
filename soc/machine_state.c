/* Machine snapshots (soc/machine.h, "snapshots"): the live board, each
 * powered device's state, every connection's level and the clock's time,
 * saved as copies; loaded all or nothing; encoded for files.
 *
 * Loading is board apply with a step inside its build (machine_apply.c,
 * ApplyExtras): the saved board is planned and every new device built
 * (powered as saved: a peripheral whose power differs is rebuilt, or not),
 * then, before anything of the running board changes, every powered
 * device loads its saved state: a new one (its failure drops it with the
 * rest of the build) or a live one that stays (its own state saved first,
 * and put back if a later device refuses). Only then does the apply
 * commit, which cannot fail. While this runs the connections tell no sink
 * of levels (Machine.irq_quiet): sinks (a PLIC's pending bits, the hart's
 * mip) take what they latched from their own state; afterwards each
 * connection gets its saved level, so devices driving unchanged levels
 * make no edges. The clock is at the saved time while devices load (their
 * derived outputs read it), and back at its old time on failure.
 *
 * The encoding (machine_state_encode), little endian:
 *   "MCUMSTAT" (8 bytes), u32 version
 *   u64 the clock's time, u8 whether there was a clock, u8 whether the
 *     firmware asked to exit, u32 its exit status
 *   blob: the board as YAML (board_write_yaml)
 *   u32 file names, each a string; u32 locations, each u32 file index
 *     (UINT32_MAX: none), u32 line, u32 col, in visit_locs order
 *   u32 peripherals (the board's count), each: u8 powered; when powered,
 *     a blob (its save_state bytes) and u32 levels, each u8 (bit 0
 *     driven, bit 1 high)
 *   u32 CRC-32 (IEEE) of every byte before it
 * (blobs and strings: u32 length, then the bytes).
 */
#include "soc/machine_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "soc/alloc.h"
#include "soc/crc32.h"
#include "soc/state_io.h"

#define STATE_MAGIC "MCUMSTAT"
#define STATE_VERSION 1u
#define LEVEL_DRIVEN 0x1u
#define LEVEL_HIGH 0x2u
#define NO_FILE UINT32_MAX

typedef struct SavedDevice {
    bool powered;
    uint8_t *state; /* save_state's bytes; NULL when powered off */
    size_t len;
    uint8_t *levels; /* [board peripheral's nirqs] LEVEL_* when wired */
    size_t nlevels;
} SavedDevice;

struct MachineState {
    BoardDesc board; /* strings owned; SourceLoc files point into files */
    char **files;
    size_t nfiles;
    SavedDevice *devices; /* [board.nperipherals] */
    bool *powered;        /* [board.nperipherals], for ApplyExtras */
    uint64_t now;
    bool has_clock;
    bool exit_requested; /* the firmware asked to end the run, with: */
    int exit_status;
};

/* ---- locations ---- */

typedef void (*LocFn)(SourceLoc *loc, void *opaque);

/* Every SourceLoc of a board, in one fixed order (the encoding's). */
static void visit_locs(BoardDesc *b, LocFn fn, void *opaque)
{
    fn(&b->loc, opaque);
    fn(&b->host_loc, opaque);
    fn(&b->cpu.loc, opaque);
    fn(&b->cpu.isa_loc, opaque);
    fn(&b->cpu.reset_pc_loc, opaque);
    for (size_t i = 0; i < b->nmemories; i++) {
        BoardMemory *m = &b->memories[i];
        fn(&m->loc, opaque);
        fn(&m->base_loc, opaque);
        fn(&m->size_loc, opaque);
        fn(&m->image_loc, opaque);
    }
    for (size_t i = 0; i < b->nperipherals; i++) {
        BoardPeripheral *p = &b->peripherals[i];
        fn(&p->loc, opaque);
        fn(&p->type_loc, opaque);
        fn(&p->irq_loc, opaque);
        fn(&p->base_loc, opaque);
        fn(&p->size_loc, opaque);
        for (size_t j = 0; j < p->nprops; j++)
            fn(&p->props[j].loc, opaque);
        for (size_t j = 0; j < p->nirqs; j++)
            fn(&p->irqs[j].loc, opaque);
    }
}

static size_t file_index(const MachineState *st, const char *file)
{
    for (size_t i = 0; i < st->nfiles; i++)
        if (strcmp(st->files[i], file) == 0)
            return i;
    return st->nfiles;
}

/* The state's own copy of loc's file name: nothing points into the
 * machine. */
static void intern_loc(SourceLoc *loc, void *opaque)
{
    MachineState *st = opaque;
    if (!loc->file)
        return;
    size_t i = file_index(st, loc->file);
    if (i == st->nfiles) {
        st->files = xreallocarray(st->files, st->nfiles + 1, sizeof *st->files);
        st->files[st->nfiles++] = xstrdup(loc->file);
    }
    loc->file = st->files[i];
}

/* ---- saving ---- */

static void save_board(MachineState *st, const Machine *m)
{
    BoardDesc top = m->top;
    top.memories = NULL;
    top.peripherals = NULL;
    top.nmemories = top.nperipherals = 0;
    board_desc_copy(&st->board, &top);
    BoardDesc *b = &st->board;
    free(b->memories); /* the copy's empty lists: the live ones instead */
    free(b->peripherals);
    b->nmemories = m->nmemories;
    b->memories = xcalloc(m->nmemories ? m->nmemories : 1, sizeof *b->memories);
    for (size_t i = 0; i < m->nmemories; i++)
        board_memory_copy(&b->memories[i], &m->memories[i]->desc);
    b->nperipherals = m->nperiphs;
    b->peripherals = xcalloc(m->nperiphs ? m->nperiphs : 1, sizeof *b->peripherals);
    for (size_t i = 0; i < m->nperiphs; i++)
        board_peripheral_copy(&b->peripherals[i], &m->periphs[i]->desc);
    visit_locs(b, intern_loc, st);
}

static void save_device(SavedDevice *d, const MachinePeripheral *p)
{
    d->powered = p->dev.owner != NULL;
    if (!d->powered)
        return;
    d->state = p->cls->save_state ? p->cls->save_state(p->dev.state, &d->len) : NULL;
    if (!p->outputs)
        return;
    d->nlevels = p->desc.nirqs;
    d->levels = xcalloc(d->nlevels ? d->nlevels : 1, 1);
    for (size_t j = 0; j < d->nlevels; j++) {
        const IrqConn *c = p->outputs[j];
        d->levels[j] = (uint8_t)((c->driven ? LEVEL_DRIVEN : 0) | (c->level ? LEVEL_HIGH : 0));
    }
}

static MachineState *state_new(void)
{
    return xcalloc(1, sizeof(MachineState));
}

static void alloc_devices(MachineState *st)
{
    size_t n = st->board.nperipherals;
    st->devices = xcalloc(n ? n : 1, sizeof *st->devices);
    st->powered = xcalloc(n ? n : 1, sizeof *st->powered);
}

MachineState *machine_state_save(const Machine *m)
{
    MachineState *st = state_new();
    save_board(st, m);
    alloc_devices(st);
    for (size_t i = 0; i < m->nperiphs; i++) {
        save_device(&st->devices[i], m->periphs[i]);
        st->powered[i] = st->devices[i].powered;
    }
    st->has_clock = m->hooks.clock != NULL;
    st->now = st->has_clock ? clock_now(m->hooks.clock) : 0;
    st->exit_requested = m->exit_requested;
    st->exit_status = m->exit_status;
    return st;
}

void machine_state_free(MachineState *st)
{
    if (!st)
        return;
    for (size_t i = 0; st->devices && i < st->board.nperipherals; i++) {
        free(st->devices[i].state);
        free(st->devices[i].levels);
    }
    free(st->devices);
    free(st->powered);
    board_desc_free(&st->board);
    for (size_t i = 0; i < st->nfiles; i++)
        free(st->files[i]);
    free(st->files);
    free(st);
}

const BoardDesc *machine_state_board(const MachineState *st)
{
    return &st->board;
}

size_t machine_state_size(const MachineState *st)
{
    size_t n = sizeof *st;
    for (size_t i = 0; i < st->board.nperipherals; i++)
        n += st->devices[i].len + st->devices[i].nlevels;
    return n;
}

/* ---- loading ---- */

/* What the load did to live devices that stay, to put back on refusal:
 * their own state before, and every connection's level. */
typedef struct Backup {
    MachinePeripheral *p;
    uint8_t *state;
    size_t len;
} Backup;

typedef struct ConnLevel {
    IrqConn *conn;
    bool driven, level;
} ConnLevel;

/* A device the load built anew, and the state it took. */
typedef struct Fresh {
    MachinePeripheral *p;
    const SavedDevice *d;
} Fresh;

typedef struct LoadCtx {
    const MachineState *st;
    Backup *backups;
    size_t nbackups;
    Fresh *fresh;
    size_t nfresh;
    ConnLevel *levels;
    size_t nlevels;
} LoadCtx;

static void remember_levels(LoadCtx *ctx, Machine *m)
{
    for (size_t i = 0; i < m->nperiphs; i++) {
        const MachinePeripheral *p = m->periphs[i];
        for (size_t j = 0; p->outputs && j < p->desc.nirqs; j++) {
            ctx->levels = xreallocarray(ctx->levels, ctx->nlevels + 1, sizeof *ctx->levels);
            IrqConn *c = p->outputs[j];
            ctx->levels[ctx->nlevels++] = (ConnLevel){c, c->driven, c->level};
        }
    }
}

/* Puts back what the load changed in live devices (their own saved
 * state: it cannot be refused) and the connections' levels. */
static void undo_loads(void *opaque, Machine *m)
{
    LoadCtx *ctx = opaque;
    (void)m;
    for (size_t i = ctx->nbackups; i-- > 0;) {
        Backup *b = &ctx->backups[i];
        Error *err = NULL;
        if (!b->p->cls->load_state(b->p->dev.state, b->state, b->len, &err)) {
            fprintf(stderr, "machine_state_load: '%s' refused its own state: %s\n",
                    b->p->desc.name, error_message(err));
            abort(); /* a model whose save and load disagree: a bug */
        }
    }
    for (size_t i = 0; i < ctx->nlevels; i++) {
        ctx->levels[i].conn->driven = ctx->levels[i].driven;
        ctx->levels[i].conn->level = ctx->levels[i].level;
    }
}

static bool load_device(LoadCtx *ctx, Machine *m, const char *name, const SavedDevice *d,
                        Error **errp)
{
    MachinePeripheral *p = machine_apply_staged(m, name);
    if (!p || !p->dev.owner) {
        error_setf(errp, "peripheral '%s' is not there to take its saved state", name);
        return false;
    }
    if (!p->cls->load_state || !d->state) {
        error_setf(errp, "peripheral '%s' (%s): no saved state to load", name,
                   p->desc.type);
        return false;
    }
    if (machine_peripheral_named(m, name) == p) { /* live, staying: keep its state */
        ctx->backups = xreallocarray(ctx->backups, ctx->nbackups + 1, sizeof *ctx->backups);
        Backup *b = &ctx->backups[ctx->nbackups];
        b->p = p;
        b->state = p->cls->save_state(p->dev.state, &b->len);
        if (!p->cls->load_state(p->dev.state, d->state, d->len, errp)) {
            free(b->state);
            error_prepend(errp, "peripheral '%s': ", name);
            return false;
        }
        ctx->nbackups++;
        return true;
    }
    if (p->cls->load_state(p->dev.state, d->state, d->len, errp)) {
        ctx->fresh = xreallocarray(ctx->fresh, ctx->nfresh + 1, sizeof *ctx->fresh);
        ctx->fresh[ctx->nfresh++] = (Fresh){p, d};
        return true;
    }
    error_prepend(errp, "peripheral '%s': ", name);
    return false;
}

/* ApplyExtras.staged: every powered device takes its saved state. */
static bool load_devices(void *opaque, Machine *m, Error **errp)
{
    LoadCtx *ctx = opaque;
    const MachineState *st = ctx->st;
    remember_levels(ctx, m);
    for (size_t i = 0; i < st->board.nperipherals; i++) {
        const SavedDevice *d = &st->devices[i];
        if (d->powered && !load_device(ctx, m, st->board.peripherals[i].name, d, errp)) {
            undo_loads(ctx, m);
            return false;
        }
    }
    return true;
}

/* Once committed: each connection of a powered device at its saved
 * level, told to no sink. */
static void set_levels(Machine *m, const MachineState *st)
{
    for (size_t i = 0; i < st->board.nperipherals; i++) {
        const SavedDevice *d = &st->devices[i];
        MachinePeripheral *p = machine_peripheral_named(m, st->board.peripherals[i].name);
        for (size_t j = 0; p && p->outputs && j < d->nlevels && j < p->desc.nirqs; j++) {
            p->outputs[j]->driven = d->levels[j] & LEVEL_DRIVEN;
            p->outputs[j]->level = d->levels[j] & LEVEL_HIGH;
        }
    }
}

/* Once committed: wiring a device the load built (its connect_irqs) may
 * have moved its state on (a PWM settles its counter's anchor to now),
 * so each takes its saved state again, as it did a moment ago. */
static void reload_fresh(const LoadCtx *ctx)
{
    for (size_t i = 0; i < ctx->nfresh; i++) {
        const Fresh *f = &ctx->fresh[i];
        Error *err = NULL;
        if (!f->p->cls->load_state(f->p->dev.state, f->d->state, f->d->len, &err)) {
            fprintf(stderr, "machine_state_load: '%s' refused its saved state again: %s\n",
                    f->p->desc.name, error_message(err));
            abort(); /* it took the same bytes before its wiring: a bug */
        }
    }
}

static void load_ctx_free(LoadCtx *ctx)
{
    free(ctx->fresh);
    for (size_t i = 0; i < ctx->nbackups; i++)
        free(ctx->backups[i].state);
    free(ctx->backups);
    free(ctx->levels);
}

bool machine_state_load(Machine *m, const MachineState *st, Error **errp)
{
    Clock *clock = m->hooks.clock;
    if (st->has_clock != (clock != NULL)) {
        error_setf(errp, "the saved machine %s a clock, this one %s",
                   st->has_clock ? "had" : "had no", clock ? "has" : "has none");
        return false;
    }
    uint64_t was = clock ? clock_now(clock) : 0;
    if (clock)
        clock_rewind(clock, st->now);
    LoadCtx ctx = {.st = st};
    ApplyExtras x = {.powered = st->powered, .staged = load_devices,
                     .unstage = undo_loads, .opaque = &ctx};
    m->irq_quiet = true;
    bool ok = machine_apply_board_with(m, &st->board, NULL, &x, NULL, errp);
    if (ok) {
        reload_fresh(&ctx);
        set_levels(m, st);
        m->exit_requested = st->exit_requested;
        m->exit_status = st->exit_status;
    }
    m->irq_quiet = false;
    if (!ok && clock)
        clock_rewind(clock, was);
    load_ctx_free(&ctx);
    return ok;
}

/* ---- the live memories ---- */

size_t machine_memory_count(const Machine *m)
{
    return m->nmemories;
}

const char *machine_memory_name(const Machine *m, size_t index)
{
    return index < m->nmemories ? m->memories[index]->desc.name : NULL;
}

MemoryRegion *machine_memory_region(const Machine *m, size_t index)
{
    return index < m->nmemories ? m->memories[index]->region : NULL;
}

/* ---- encoding ---- */

typedef struct LocOut {
    StateWriter *out;
    const MachineState *st;
} LocOut;

static void put_loc(SourceLoc *loc, void *opaque)
{
    LocOut *lo = opaque;
    size_t i = loc->file ? file_index(lo->st, loc->file) : NO_FILE;
    state_put_u32(lo->out, i == lo->st->nfiles ? NO_FILE : (uint32_t)i);
    state_put_u32(lo->out, loc->line);
    state_put_u32(lo->out, loc->col);
}

static void count_loc(SourceLoc *loc, void *opaque)
{
    (void)loc;
    (*(uint32_t *)opaque)++;
}

static void put_board(StateWriter *o, const MachineState *st)
{
    char *yaml = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&yaml, &len);
    if (!f)
        abort();
    board_write_yaml(f, &st->board); /* a non-UTF-8 string comes back as U+FFFD */
    fclose(f);
    state_put_blob(o, yaml, len);
    free(yaml);
    state_put_u32(o, (uint32_t)st->nfiles);
    for (size_t i = 0; i < st->nfiles; i++)
        state_put_blob(o, st->files[i], strlen(st->files[i]));
    BoardDesc *board = (BoardDesc *)&st->board; /* visit_locs only reads here */
    uint32_t nlocs = 0;
    visit_locs(board, count_loc, &nlocs);
    state_put_u32(o, nlocs);
    LocOut lo = {o, st};
    visit_locs(board, put_loc, &lo);
}

uint8_t *machine_state_encode(const MachineState *st, size_t *len)
{
    StateWriter o = {0};
    state_put(&o, STATE_MAGIC, 8);
    state_put_u32(&o, STATE_VERSION);
    state_put_u64(&o, st->now);
    state_put_u8(&o, st->has_clock);
    state_put_u8(&o, st->exit_requested);
    state_put_u32(&o, (uint32_t)st->exit_status);
    put_board(&o, st);
    state_put_u32(&o, (uint32_t)st->board.nperipherals);
    for (size_t i = 0; i < st->board.nperipherals; i++) {
        const SavedDevice *d = &st->devices[i];
        state_put_u8(&o, d->powered);
        if (!d->powered)
            continue;
        state_put_blob(&o, d->state, d->state ? d->len : 0);
        state_put_blob(&o, d->levels, d->nlevels);
    }
    state_put_u32(&o, crc32_of(o.data, o.len));
    return state_take(&o, len);
}

/* ---- decoding ---- */

static bool decode_fail(Error **errp, const char *what)
{
    error_setf(errp, "saved machine state: %s", what);
    return false;
}

/* The YAML into st->board: exactly one board. */
static bool decode_board(MachineState *st, StateReader *in, Error **errp)
{
    size_t len;
    const uint8_t *yaml = state_get_blob(in, &len);
    if (!yaml)
        return decode_fail(errp, "truncated");
    Error *err = NULL;
    BoardFile *file = board_file_parse("snapshot", (const char *)yaml, len, &err);
    if (!file) {
        error_setf(errp, "saved machine state: its board: %s", error_message(err));
        error_free(err);
        return false;
    }
    /* board_write_yaml writes the board whole: one that `extends:` a file
     * would make the machine what that file says when loaded, not what
     * the snapshot holds. */
    if (file->nextra_paths) {
        error_setf(errp, "saved machine state: its board extends another file (%s)",
                   file->extra_paths[0]);
        board_file_free(file);
        return false;
    }
    bool one = file->nboards == 1;
    if (one)
        board_desc_copy(&st->board, &file->boards[0]);
    board_file_free(file);
    return one || decode_fail(errp, "its board file does not hold one board");
}

static bool decode_files(MachineState *st, StateReader *in, Error **errp)
{
    uint32_t n = state_get_u32(in);
    if (in->truncated || n > (size_t)(in->end - in->p) / 4)
        return decode_fail(errp, "truncated file names");
    st->files = xcalloc(n ? n : 1, sizeof *st->files);
    for (; st->nfiles < n; st->nfiles++) {
        size_t len;
        const uint8_t *name = state_get_blob(in, &len);
        if (!name || memchr(name, '\0', len))
            return decode_fail(errp, "a file name is truncated or holds a NUL");
        st->files[st->nfiles] = xstrndup((const char *)name, len);
    }
    return true;
}

typedef struct LocIn {
    StateReader *in;
    const MachineState *st;
    bool bad;
} LocIn;

static void get_loc(SourceLoc *loc, void *opaque)
{
    LocIn *li = opaque;
    uint32_t file = state_get_u32(li->in);
    loc->line = state_get_u32(li->in);
    loc->col = state_get_u32(li->in);
    if (file != NO_FILE && file >= li->st->nfiles)
        li->bad = true;
    loc->file = file < li->st->nfiles ? li->st->files[file] : NULL;
}

static void count_unnamed(SourceLoc *loc, void *opaque)
{
    if (!loc->file)
        (*(size_t *)opaque)++;
}

/* Every location names a file but a memory's image's when it has none,
 * as boards parse (soc/board_convert.c): the machine reads them (--set
 * checks, messages). */
static bool locs_named(BoardDesc *b)
{
    size_t unnamed = 0, imageless = 0;
    visit_locs(b, count_unnamed, &unnamed);
    for (size_t i = 0; i < b->nmemories; i++)
        imageless += !b->memories[i].image && !b->memories[i].image_loc.file;
    return unnamed == imageless;
}

static bool decode_locs(MachineState *st, StateReader *in, Error **errp)
{
    uint32_t want = 0, n = state_get_u32(in);
    visit_locs(&st->board, count_loc, &want);
    if (n != want)
        return decode_fail(errp, "its locations do not match its board");
    LocIn li = {in, st, false};
    visit_locs(&st->board, get_loc, &li);
    if (in->truncated || li.bad)
        return decode_fail(errp, "its locations are truncated or name no file");
    if (!locs_named(&st->board))
        return decode_fail(errp, "a location without a file where its board has one");
    return true;
}

static bool decode_device(SavedDevice *d, const BoardPeripheral *p, StateReader *in, Error **errp)
{
    uint8_t powered = state_get_u8(in);
    if (in->truncated || powered > 1)
        return decode_fail(errp, "a peripheral's power flag is not 0 or 1");
    d->powered = powered;
    if (!powered)
        return true;
    size_t len, nlevels;
    const uint8_t *state = state_get_blob(in, &len);
    const uint8_t *levels = state_get_blob(in, &nlevels);
    if (!state || !levels)
        return decode_fail(errp, "truncated device state");
    if (nlevels && nlevels != p->nirqs) {
        error_setf(errp, "saved machine state: '%s' has %zu levels for %zu lines",
                   p->name, nlevels, p->nirqs);
        return false;
    }
    for (size_t j = 0; j < nlevels; j++)
        if (levels[j] & ~(LEVEL_DRIVEN | LEVEL_HIGH))
            return decode_fail(errp, "a level is not a level");
    d->state = xmalloc(len ? len : 1);
    memcpy(d->state, state, len);
    d->len = len;
    d->levels = xcalloc(nlevels ? nlevels : 1, 1);
    memcpy(d->levels, levels, nlevels);
    d->nlevels = nlevels;
    return true;
}

static bool decode_devices(MachineState *st, StateReader *in, Error **errp)
{
    alloc_devices(st);
    uint32_t n = state_get_u32(in);
    if (in->truncated || n != st->board.nperipherals)
        return decode_fail(errp, "its devices do not match its board");
    for (size_t i = 0; i < n; i++) {
        if (!decode_device(&st->devices[i], &st->board.peripherals[i], in, errp))
            return false;
        st->powered[i] = st->devices[i].powered;
    }
    return true;
}

static bool decode_header(MachineState *st, StateReader *in, Error **errp)
{
    char magic[8];
    state_get(in, magic, 8);
    if (in->truncated || memcmp(magic, STATE_MAGIC, 8) != 0)
        return decode_fail(errp, "not a machine state");
    uint32_t version = state_get_u32(in);
    if (version != STATE_VERSION) {
        error_setf(errp, "saved machine state: version %u, this simulator reads %u",
                   version, STATE_VERSION);
        return false;
    }
    st->now = state_get_u64(in);
    uint8_t has_clock = state_get_u8(in), exit_requested = state_get_u8(in);
    st->exit_status = (int)state_get_u32(in);
    if (in->truncated)
        return decode_fail(errp, "truncated header");
    if (has_clock > 1 || exit_requested > 1)
        return decode_fail(errp, "a header flag is not 0 or 1");
    st->has_clock = has_clock;
    st->exit_requested = exit_requested;
    return true;
}

MachineState *machine_state_decode(const uint8_t *data, size_t len, Error **errp)
{
    if (len < 12 + 4) {
        decode_fail(errp, "truncated");
        return NULL;
    }
    StateReader crc_in;
    state_reader_init(&crc_in, data + len - 4, 4);
    if (state_get_u32(&crc_in) != crc32_of(data, len - 4)) {
        decode_fail(errp, "checksum mismatch");
        return NULL;
    }
    StateReader in;
    state_reader_init(&in, data, len - 4);
    MachineState *st = state_new();
    bool ok = decode_header(st, &in, errp) && decode_board(st, &in, errp) &&
              decode_files(st, &in, errp) && decode_locs(st, &in, errp) &&
              decode_devices(st, &in, errp);
    if (ok && in.p != in.end)
        ok = decode_fail(errp, "bytes left over");
    if (!ok) {
        machine_state_free(st);
        return NULL;
    }
    return st;
}
