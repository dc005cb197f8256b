/* Machine snapshots (sim/snapshot.h): taking, restoring all or nothing,
 * and the file format.
 *
 * The file (docs/DEBUGGING.md, Snapshots, has the same table), integers
 * little-endian:
 *
 *   magic "MCUSNAP\0" (8 bytes), u32 format version, u32 section count
 *   sections, each: u32 name length, the name, u64 payload length,
 *                   u32 CRC-32 of the payload, the payload
 *   u32 CRC-32 of every byte before it
 *
 * Sections, in this order: "origin" (the simulator's version, the
 * firmware's path and hash, the board's name, ISA and frequency),
 * "clock" (the clock's time, the hart's cycles, instructions retired, the
 * pc), "cpu" (cpu_state_save's bytes), "machine" (machine_state_encode's),
 * one "memory NAME" per live memory, by name (u32 page size, u64 region
 * size, u64 pages stored, then each non-zero page: u64 index and its
 * bytes) and, when the run has host services, "host" (host_state_save's).
 *
 * A snapshot keeps its memories sorted by name, so that lookups, and the
 * checks of a file's memories against its board, cost k log k for k
 * memories whatever a file holds.
 */
#include "sim/snapshot.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/options.h"
#include "sim/output_file.h"
#include "soc/alloc.h"
#include "soc/crc32.h"
#include "soc/file.h"

typedef struct SnapshotMemory {
    char *name;
    MemoryPages *pages;
} SnapshotMemory;

struct Snapshot {
    uint64_t clock_now; /* the clock's time (it may lag the hart's cycles) */
    uint64_t cycles;    /* the hart's */
    uint64_t retired;
    uint32_t pc;
    uint8_t *cpu; /* cpu_state_save's */
    size_t cpu_len;
    MachineState *machine;
    SnapshotMemory *memories;
    size_t nmemories;
    uint8_t *host; /* host_state_save's; NULL: taken without host services */
    size_t host_len;
    char *firmware; /* NULL: none named */
    uint64_t firmware_hash;
};

#define FORMAT_VERSION 1u
#define STRING_MAX 65536u /* bytes of a name or a string in a file */
static const uint8_t MAGIC[8] = {'M', 'C', 'U', 'S', 'N', 'A', 'P', '\0'};

/* ---- taking, freeing, asking ---- */

static int by_name(const void *a, const void *b)
{
    return strcmp(((const SnapshotMemory *)a)->name, ((const SnapshotMemory *)b)->name);
}

static void sort_memories(Snapshot *s)
{
    if (s->nmemories > 1)
        qsort(s->memories, s->nmemories, sizeof *s->memories, by_name);
}

static void take_memories(Snapshot *s, const Machine *machine)
{
    s->nmemories = machine_memory_count(machine);
    s->memories = xcalloc(s->nmemories ? s->nmemories : 1, sizeof *s->memories);
    for (size_t i = 0; i < s->nmemories; i++) {
        s->memories[i].name = xstrdup(machine_memory_name(machine, i));
        s->memories[i].pages = memory_pages_capture(machine_memory_region(machine, i));
    }
    sort_memories(s);
}

Snapshot *snapshot_take(const SnapshotTarget *t)
{
    Snapshot *s = xcalloc(1, sizeof *s);
    s->clock_now = clock_now(t->clock);
    s->cycles = cpu_cycles(t->cpu);
    s->retired = cpu_instructions_retired(t->cpu);
    s->pc = cpu_get_pc(t->cpu);
    s->cpu = cpu_state_save(t->cpu, &s->cpu_len);
    s->machine = machine_state_save(t->machine);
    take_memories(s, t->machine);
    if (t->host)
        s->host = host_state_save(t->host, &s->host_len);
    if (t->firmware) {
        s->firmware = xstrdup(t->firmware);
        s->firmware_hash = t->firmware_hash;
    }
    return s;
}

void snapshot_free(Snapshot *s)
{
    if (!s)
        return;
    free(s->cpu);
    machine_state_free(s->machine);
    for (size_t i = 0; i < s->nmemories; i++) {
        free(s->memories[i].name);
        memory_pages_unref(s->memories[i].pages);
    }
    free(s->memories);
    free(s->host);
    free(s->firmware);
    free(s);
}

uint64_t snapshot_retired(const Snapshot *s)
{
    return s->retired;
}

uint64_t snapshot_cycles(const Snapshot *s)
{
    return s->cycles;
}

uint32_t snapshot_pc(const Snapshot *s)
{
    return s->pc;
}

static const SnapshotMemory *find_memory(const Snapshot *s, const char *name)
{
    if (!s || !s->nmemories)
        return NULL;
    SnapshotMemory key = {.name = (char *)name};
    return bsearch(&key, s->memories, s->nmemories, sizeof key, by_name);
}

uint64_t snapshot_private_bytes(const Snapshot *s, const Snapshot *other)
{
    uint64_t bytes = s->cpu_len + s->host_len + machine_state_size(s->machine);
    for (size_t i = 0; i < s->nmemories; i++) {
        const SnapshotMemory *o = find_memory(other, s->memories[i].name);
        bytes += memory_pages_private_bytes(s->memories[i].pages, o ? o->pages : NULL);
    }
    return bytes;
}

/* ---- restoring: checks first ---- */

static bool same_hart(const BoardCpu *snap, const BoardCpu *live, Error **errp)
{
    if (strcmp(snap->isa, live->isa) != 0) {
        error_setf(errp, "the snapshot is of another hart: ISA %s, this one's %s", snap->isa,
                   live->isa);
        return false;
    }
    if (snap->frequency_hz != live->frequency_hz) {
        error_setf(errp, "the snapshot is of another hart: %" PRIu64 " Hz, this one's %" PRIu64
                   " Hz", snap->frequency_hz, live->frequency_hz);
        return false;
    }
    if (snap->pmp_entries != live->pmp_entries || snap->triggers != live->triggers) {
        error_setf(errp, "the snapshot is of another hart: %u PMP entries and %u triggers, "
                   "this one's %u and %u", snap->pmp_entries, snap->triggers,
                   live->pmp_entries, live->triggers);
        return false;
    }
    if (snap->emulate_misaligned != live->emulate_misaligned ||
        snap->mvendorid != live->mvendorid || snap->marchid != live->marchid ||
        snap->mimpid != live->mimpid) {
        error_setf(errp, "the snapshot is of another hart: its misaligned access handling or "
                   "identification CSRs differ");
        return false;
    }
    return true;
}

/* What can be checked before anything changes: `before` is the machine
 * as it is. */
static bool restore_check(const SnapshotTarget *t, const Snapshot *s, const Snapshot *before,
                          Error **errp)
{
    if (t->firmware && s->firmware && t->firmware_hash != s->firmware_hash) {
        error_setf(errp, "the snapshot is of another firmware: %s (its bytes differ from %s)",
                   s->firmware, t->firmware);
        return false;
    }
    if (!s->host != !t->host) {
        error_setf(errp, s->host ? "the snapshot has host-service state and this run has no "
                                   "host services"
                                 : "the snapshot has no host-service state and this run has "
                                   "host services");
        return false;
    }
    return same_hart(&machine_state_board(s->machine)->cpu,
                     &machine_state_board(before->machine)->cpu, errp);
}

/* ---- restoring: the steps ---- */

typedef enum RestoreStep {
    STEP_CLOCK,    /* first: devices load their state at the snapshot's time */
    STEP_HOST,     /* the likeliest refusal (a file gone), before the rest */
    STEP_MACHINE,  /* the board, devices, levels */
    STEP_MEMORIES, /* by name, in the board as now applied */
    STEP_CPU,
    STEP_POSITION, /* a check: the sections agreed on where the run stood */
    STEP_COUNT,
} RestoreStep;

/* Every live memory has contents of its size in `s`: checked before the
 * first is written. */
static bool memories_fit(const SnapshotTarget *t, const Snapshot *s, Error **errp)
{
    size_t n = machine_memory_count(t->machine);
    for (size_t i = 0; i < n; i++) {
        const char *name = machine_memory_name(t->machine, i);
        const SnapshotMemory *sm = find_memory(s, name);
        uint64_t size = memory_region_size(machine_memory_region(t->machine, i));
        if (!sm) {
            error_setf(errp, "the snapshot has no contents for memory '%s'", name);
            return false;
        }
        if (memory_pages_region_size(sm->pages) != size) {
            error_setf(errp, "memory '%s' is %" PRIu64 " bytes, the snapshot's contents %"
                       PRIu64, name, size, memory_pages_region_size(sm->pages));
            return false;
        }
    }
    return true;
}

static bool restore_memories(const SnapshotTarget *t, const Snapshot *s, Error **errp)
{
    if (!memories_fit(t, s, errp))
        return false;
    size_t n = machine_memory_count(t->machine);
    for (size_t i = 0; i < n; i++) {
        const SnapshotMemory *sm = find_memory(s, machine_memory_name(t->machine, i));
        if (!memory_pages_restore(t->ms, machine_memory_region(t->machine, i), sm->pages,
                                  errp))
            return false;
    }
    return true;
}

/* The machine, restored, stands where the clock section says the run
 * stood (what snapshot_retired and the others answer, and reverse
 * debugging positions by): a file whose hart or machine section puts it
 * elsewhere is refused. */
static bool at_position(const SnapshotTarget *t, const Snapshot *s, Error **errp)
{
    if (clock_now(t->clock) == s->clock_now && cpu_cycles(t->cpu) == s->cycles &&
        cpu_instructions_retired(t->cpu) == s->retired && cpu_get_pc(t->cpu) == s->pc)
        return true;
    error_setf(errp, "the snapshot's sections disagree on where the run stood: the clock "
               "section says time %" PRIu64 ", cycle %" PRIu64 ", instruction %" PRIu64
               ", pc 0x%08" PRIx32 "; the others time %" PRIu64 ", cycle %" PRIu64
               ", instruction %" PRIu64 ", pc 0x%08" PRIx32, s->clock_now, s->cycles,
               s->retired, s->pc, clock_now(t->clock), cpu_cycles(t->cpu),
               cpu_instructions_retired(t->cpu), cpu_get_pc(t->cpu));
    return false;
}

static bool restore_step(const SnapshotTarget *t, const Snapshot *s, RestoreStep step,
                         Error **errp)
{
    switch (step) {
    case STEP_CLOCK:
        clock_rewind(t->clock, s->clock_now);
        return true;
    case STEP_HOST:
        return !t->host || host_state_load(t->host, s->host, s->host_len, errp);
    case STEP_MACHINE:
        return machine_state_load(t->machine, s->machine, errp);
    case STEP_MEMORIES:
        return restore_memories(t, s, errp);
    case STEP_CPU:
        return cpu_state_load(t->cpu, s->cpu, s->cpu_len, errp);
    case STEP_POSITION:
        return at_position(t, s, errp);
    case STEP_COUNT:
        break;
    }
    return true;
}

/* *errp's message, then "; WHAT: ERR" (a restore that could not be
 * undone says both). */
static void append_error(Error **errp, const char *what, const Error *err)
{
    if (!errp || !*errp)
        return;
    Error *first = *errp;
    *errp = NULL;
    error_setf(errp, "%s; %s: %s", error_message(first), what, error_message(err));
    error_free(first);
}

/* Undoes the steps before `failed` from `before`, in the same order, and
 * `failed` too when it may have done part of its work (the memories: one
 * region restored, then another refused; the others are all or nothing).
 * Never expected to fail: `before` was taken of this machine a moment
 * ago. */
static void undo_steps(const SnapshotTarget *t, const Snapshot *before, RestoreStep failed,
                       Error **errp)
{
    RestoreStep end = failed == STEP_MEMORIES ? failed + 1 : failed;
    for (RestoreStep step = 0; step < end; step++) {
        Error *err = NULL;
        if (!restore_step(t, before, step, &err)) {
            append_error(errp, "and putting the machine back failed", err);
            error_free(err);
        }
    }
}

bool snapshot_restore(const SnapshotTarget *t, const Snapshot *s, Error **errp)
{
    Snapshot *before = snapshot_take(t);
    bool ok = restore_check(t, s, before, errp);
    for (RestoreStep step = 0; ok && step < STEP_COUNT; step++) {
        if (!restore_step(t, s, step, errp)) {
            undo_steps(t, before, step, errp);
            ok = false;
        }
    }
    snapshot_free(before);
    return ok;
}

/* ---- bytes ---- */

typedef struct Buf {
    uint8_t *data;
    size_t len, cap;
} Buf;

static void buf_put(Buf *b, const void *p, size_t n)
{
    if (b->len + n > b->cap) {
        b->cap = b->cap * 2 > b->len + n ? b->cap * 2 : b->len + n + 4096;
        b->data = xrealloc(b->data, b->cap);
    }
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
}

static void put_le(uint8_t *at, uint64_t v, unsigned bytes)
{
    for (unsigned i = 0; i < bytes; i++)
        at[i] = (uint8_t)(v >> (8 * i));
}

static void buf_uint(Buf *b, uint64_t v, unsigned bytes)
{
    uint8_t le[8];
    put_le(le, v, bytes);
    buf_put(b, le, bytes);
}

static void buf_string(Buf *b, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    buf_uint(b, n, 4);
    buf_put(b, s, n);
}

/* Section framing: begin writes the header with room for the length and
 * CRC, end fills them in. */
static size_t section_begin(Buf *b, const char *name)
{
    size_t n = strlen(name);
    buf_uint(b, n, 4);
    buf_put(b, name, n);
    size_t at = b->len;
    buf_uint(b, 0, 8);
    buf_uint(b, 0, 4);
    return at;
}

static void section_end(Buf *b, size_t at)
{
    size_t payload = at + 12;
    put_le(b->data + at, b->len - payload, 8);
    put_le(b->data + at + 8, crc32_of(b->data + payload, b->len - payload), 4);
}

static void section_bytes(Buf *b, const char *name, const uint8_t *data, size_t len)
{
    size_t at = section_begin(b, name);
    buf_put(b, data, len);
    section_end(b, at);
}

static void write_origin(Buf *b, const Snapshot *s)
{
    const BoardDesc *board = machine_state_board(s->machine);
    size_t at = section_begin(b, "origin");
    buf_string(b, "mcusim " MCUSIM_VERSION);
    buf_string(b, s->firmware);
    buf_uint(b, s->firmware_hash, 8);
    buf_string(b, board->name);
    buf_string(b, board->cpu.isa);
    buf_uint(b, board->cpu.frequency_hz, 8);
    section_end(b, at);
}

static void write_clock(Buf *b, const Snapshot *s)
{
    size_t at = section_begin(b, "clock");
    buf_uint(b, s->clock_now, 8);
    buf_uint(b, s->cycles, 8);
    buf_uint(b, s->retired, 8);
    buf_uint(b, s->pc, 4);
    section_end(b, at);
}

static uint64_t page_count(uint64_t size)
{
    return (size + MEMORY_PAGE_SIZE - 1) / MEMORY_PAGE_SIZE;
}

static size_t page_len(uint64_t size, uint64_t index)
{
    uint64_t rest = size - index * MEMORY_PAGE_SIZE;
    return rest < MEMORY_PAGE_SIZE ? (size_t)rest : MEMORY_PAGE_SIZE;
}

static bool all_zero(const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (p[i])
            return false;
    return true;
}

/* The page's bytes, NULL when it holds only zeros (not written). */
static const uint8_t *stored_page(const MemoryPages *pages, uint64_t index)
{
    const uint8_t *p = memory_pages_page(pages, index);
    uint64_t size = memory_pages_region_size(pages);
    return p && !all_zero(p, page_len(size, index)) ? p : NULL;
}

static void write_memory(Buf *b, const SnapshotMemory *m)
{
    char *name = xasprintf("memory %s", m->name);
    size_t at = section_begin(b, name);
    free(name);
    uint64_t size = memory_pages_region_size(m->pages), n = page_count(size);
    buf_uint(b, MEMORY_PAGE_SIZE, 4);
    buf_uint(b, size, 8);
    size_t count_at = b->len;
    buf_uint(b, 0, 8);
    uint64_t stored = 0;
    for (uint64_t i = 0; i < n; i++) {
        const uint8_t *p = stored_page(m->pages, i);
        if (!p)
            continue;
        buf_uint(b, i, 8);
        buf_put(b, p, page_len(size, i));
        stored++;
    }
    put_le(b->data + count_at, stored, 8);
    section_end(b, at);
}

uint8_t *snapshot_encode(const Snapshot *s, size_t *len)
{
    Buf b = {0};
    buf_put(&b, MAGIC, sizeof MAGIC);
    buf_uint(&b, FORMAT_VERSION, 4);
    buf_uint(&b, 4 + s->nmemories + (s->host != NULL), 4);
    write_origin(&b, s);
    write_clock(&b, s);
    section_bytes(&b, "cpu", s->cpu, s->cpu_len);
    size_t mlen = 0;
    uint8_t *machine = machine_state_encode(s->machine, &mlen);
    section_bytes(&b, "machine", machine, mlen);
    free(machine);
    for (size_t i = 0; i < s->nmemories; i++)
        write_memory(&b, &s->memories[i]);
    if (s->host)
        section_bytes(&b, "host", s->host, s->host_len);
    buf_uint(&b, crc32_of(b.data, b.len), 4);
    *len = b.len;
    return b.data;
}

typedef struct EncodedFile {
    uint8_t *data;
    size_t len;
} EncodedFile;

static bool write_encoded(void *opaque, FILE *out)
{
    const EncodedFile *f = opaque;
    return fwrite(f->data, 1, f->len, out) == f->len;
}

bool snapshot_write_file(const Snapshot *s, const char *path, Error **errp)
{
    OutputInput firmware = {"the firmware", s->firmware};
    OutputFile *file = output_file_open(path, &firmware, 1, errp);
    if (!file)
        return false;
    EncodedFile encoded;
    encoded.data = snapshot_encode(s, &encoded.len);
    bool ok = output_file_write(file, write_encoded, &encoded, errp);
    if (!ok)
        error_prepend(errp, "%s: ", path);
    free(encoded.data);
    output_file_free(file);
    return ok;
}

/* ---- reading ---- */

typedef struct Reader {
    const uint8_t *p;
    size_t left;
} Reader;

static bool get_uint(Reader *r, unsigned bytes, uint64_t *v)
{
    if (r->left < bytes)
        return false;
    *v = 0;
    for (unsigned i = 0; i < bytes; i++)
        *v |= (uint64_t)r->p[i] << (8 * i);
    r->p += bytes;
    r->left -= bytes;
    return true;
}

static bool get_bytes(Reader *r, uint64_t n, const uint8_t **out)
{
    if (r->left < n)
        return false;
    *out = r->p;
    r->p += n;
    r->left -= n;
    return true;
}

/* Printable text (messages quote it on one line). */
static bool printable(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] < 0x20 || p[i] == 0x7f)
            return false;
    return true;
}

/* A string: u32 length, then at most STRING_MAX printable bytes. */
static bool get_string(Reader *r, char **out)
{
    uint64_t n;
    const uint8_t *p;
    if (!get_uint(r, 4, &n) || n > STRING_MAX || !get_bytes(r, n, &p) ||
        !printable(p, (size_t)n))
        return false;
    *out = xstrndup((const char *)p, (size_t)n);
    return true;
}

typedef struct Section {
    char *name; /* malloc'd */
    const uint8_t *data;
    size_t len;
} Section;

/* The sections, framing and checksums checked. */
typedef struct Layout {
    Section *sections;
    size_t n;
} Layout;

static void layout_free(Layout *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->sections[i].name);
    free(l->sections);
}

static bool read_section(Reader *r, Section *sec, size_t index, Error **errp)
{
    uint64_t name_len, len, crc;
    const uint8_t *name;
    if (!get_uint(r, 4, &name_len) || !get_bytes(r, name_len, &name)) {
        error_setf(errp, "truncated: section %zu's header runs past the end", index + 1);
        return false;
    }
    if (name_len == 0 || name_len > STRING_MAX || !printable(name, (size_t)name_len)) {
        error_setf(errp, "section %zu: a malformed name", index + 1);
        return false;
    }
    sec->name = xstrndup((const char *)name, (size_t)name_len);
    if (!get_uint(r, 8, &len) || !get_uint(r, 4, &crc)) {
        error_setf(errp, "truncated: section '%s''s header runs past the end", sec->name);
        return false;
    }
    if (len > r->left) {
        error_setf(errp, "truncated: section '%s' needs %" PRIu64 " bytes, %zu remain",
                   sec->name, len, r->left);
        return false;
    }
    get_bytes(r, len, &sec->data);
    sec->len = (size_t)len;
    if (crc32_of(sec->data, sec->len) != crc) {
        error_setf(errp, "section '%s': checksum mismatch", sec->name);
        return false;
    }
    return true;
}

static bool read_layout(const uint8_t *data, size_t len, Layout *out, Error **errp)
{
    Reader r = {data, len};
    const uint8_t *magic;
    uint64_t version, count;
    if (!get_bytes(&r, sizeof MAGIC, &magic) || memcmp(magic, MAGIC, sizeof MAGIC) != 0) {
        error_setf(errp, "not an mcusim snapshot (no MCUSNAP magic)");
        return false;
    }
    if (!get_uint(&r, 4, &version) || !get_uint(&r, 4, &count)) {
        error_setf(errp, "truncated: the header runs past the end");
        return false;
    }
    if (version != FORMAT_VERSION) {
        error_setf(errp, "snapshot format version %" PRIu64 "; this mcusim reads version %u",
                   version, FORMAT_VERSION);
        return false;
    }
    if (count > len / 17) { /* each section takes at least 17 bytes */
        error_setf(errp, "truncated: %" PRIu64 " sections cannot fit in %zu bytes", count,
                   len);
        return false;
    }
    Layout l = {xcalloc(count ? count : 1, sizeof *l.sections), 0};
    bool ok = true;
    for (; ok && l.n < count; l.n++)
        ok = read_section(&r, &l.sections[l.n], l.n, errp);
    uint64_t crc;
    if (ok && !get_uint(&r, 4, &crc))
        error_setf(errp, "truncated: the file's checksum is missing"), ok = false;
    else if (ok && r.left)
        error_setf(errp, "%zu bytes after the file's checksum", r.left), ok = false;
    else if (ok && crc32_of(data, len - 4) != crc)
        error_setf(errp, "file checksum mismatch"), ok = false;
    if (!ok) {
        layout_free(&l);
        return false;
    }
    *out = l;
    return true;
}

/* The origin section: what the snapshot is of. */
typedef struct Origin {
    char *version, *firmware, *board, *isa;
    uint64_t firmware_hash, frequency_hz;
} Origin;

static void origin_free(Origin *o)
{
    free(o->version);
    free(o->firmware);
    free(o->board);
    free(o->isa);
}

static bool decode_origin(const Section *sec, Origin *o, Error **errp)
{
    Reader r = {sec->data, sec->len};
    bool ok = get_string(&r, &o->version) && get_string(&r, &o->firmware) &&
              get_uint(&r, 8, &o->firmware_hash) && get_string(&r, &o->board) &&
              get_string(&r, &o->isa) && get_uint(&r, 8, &o->frequency_hz) && !r.left;
    if (!ok)
        error_setf(errp, "section 'origin': malformed");
    return ok;
}

static bool decode_clock(const Section *sec, Snapshot *s, Error **errp)
{
    Reader r = {sec->data, sec->len};
    uint64_t pc = 0;
    bool ok = get_uint(&r, 8, &s->clock_now) && get_uint(&r, 8, &s->cycles) &&
              get_uint(&r, 8, &s->retired) && get_uint(&r, 4, &pc) && !r.left;
    s->pc = (uint32_t)pc;
    if (!ok)
        error_setf(errp, "section 'clock': malformed");
    return ok;
}

static uint8_t *copy_bytes(const Section *sec, size_t *len)
{
    uint8_t *copy = xmalloc(sec->len ? sec->len : 1);
    memcpy(copy, sec->data, sec->len);
    *len = sec->len;
    return copy;
}

/* Pages in increasing order, each inside the region, nothing left over. */
static bool decode_pages(Reader *r, MemoryPages *pages, uint64_t size, uint64_t stored,
                         Error **errp)
{
    uint64_t n = page_count(size), next = 0;
    if (stored > n) {
        error_setf(errp, "%" PRIu64 " pages stored in a memory of %" PRIu64, stored, n);
        return false;
    }
    for (uint64_t i = 0; i < stored; i++) {
        uint64_t index;
        const uint8_t *bytes;
        if (!get_uint(r, 8, &index) || index < next || index >= n) {
            error_setf(errp, "page %" PRIu64 ": a bad index", i);
            return false;
        }
        if (!get_bytes(r, page_len(size, index), &bytes)) {
            error_setf(errp, "page %" PRIu64 " runs past the section's end", index);
            return false;
        }
        memory_pages_set(pages, index, bytes);
        next = index + 1;
    }
    if (r->left) {
        error_setf(errp, "%zu bytes after the last page", r->left);
        return false;
    }
    return true;
}

/* The board's memories by name (the machine section's board), to find
 * each memory section's in log time. */
typedef struct BoardIndex {
    const BoardMemory **by_name;
    size_t n;
} BoardIndex;

static int board_memory_by_name(const void *a, const void *b)
{
    return strcmp((*(const BoardMemory *const *)a)->name,
                  (*(const BoardMemory *const *)b)->name);
}

static BoardIndex board_index(const BoardDesc *board)
{
    BoardIndex x = {xcalloc(board->nmemories ? board->nmemories : 1, sizeof *x.by_name),
                    board->nmemories};
    for (size_t i = 0; i < x.n; i++)
        x.by_name[i] = &board->memories[i];
    if (x.n > 1)
        qsort(x.by_name, x.n, sizeof *x.by_name, board_memory_by_name);
    return x;
}

static const BoardMemory *board_memory(const BoardIndex *x, const char *name)
{
    BoardMemory key = {.name = (char *)name};
    const BoardMemory *k = &key, *const *found =
        x->n ? bsearch(&k, x->by_name, x->n, sizeof k, board_memory_by_name) : NULL;
    return found ? *found : NULL;
}

/* A memory of the board, of its size: checked before its pages are
 * made (a file cannot make us allocate for memories the board has not). */
static bool memory_of_board(const Section *sec, const BoardIndex *board, uint64_t size,
                            Error **errp)
{
    const char *name = sec->name + strlen("memory ");
    const BoardMemory *m = board_memory(board, name);
    if (!m) {
        error_setf(errp, "section '%s': the board has no memory '%s'", sec->name, name);
        return false;
    }
    if (m->size != size) {
        error_setf(errp, "memory '%s': %" PRIu64 " bytes of contents for a memory of %"
                   PRIu64, name, size, m->size);
        return false;
    }
    return true;
}

static bool decode_memory(const Section *sec, const BoardIndex *board, SnapshotMemory *m,
                          Error **errp)
{
    Reader r = {sec->data, sec->len};
    uint64_t page_size, size, stored;
    if (!get_uint(&r, 4, &page_size) || !get_uint(&r, 8, &size) ||
        !get_uint(&r, 8, &stored)) {
        error_setf(errp, "section '%s': malformed", sec->name);
        return false;
    }
    if (page_size != MEMORY_PAGE_SIZE) {
        error_setf(errp, "section '%s': pages of %" PRIu64 " bytes, not %u", sec->name,
                   page_size, MEMORY_PAGE_SIZE);
        return false;
    }
    if (!memory_of_board(sec, board, size, errp))
        return false;
    m->pages = memory_pages_new(size);
    if (!m->pages) {
        error_setf(errp, "section '%s': a memory of %" PRIu64 " bytes", sec->name, size);
        return false;
    }
    m->name = xstrdup(sec->name + strlen("memory "));
    if (!decode_pages(&r, m->pages, size, stored, errp)) {
        error_prepend(errp, "section '%s': ", sec->name);
        return false;
    }
    return true;
}

static bool is_memory_section(const Section *sec)
{
    return strncmp(sec->name, "memory ", 7) == 0 && sec->name[7];
}

/* Sections in the order the writer puts them: origin, clock, cpu,
 * machine, memories, then host or nothing. */
static bool check_order(const Layout *l, Error **errp)
{
    static const char *const fixed[] = {"origin", "clock", "cpu", "machine"};
    for (size_t i = 0; i < 4; i++) {
        if (i >= l->n || strcmp(l->sections[i].name, fixed[i]) != 0) {
            error_setf(errp, "section '%s' missing where expected", fixed[i]);
            return false;
        }
    }
    for (size_t i = 4; i < l->n; i++) {
        const Section *sec = &l->sections[i];
        bool host_last = i == l->n - 1 && strcmp(sec->name, "host") == 0;
        if (!is_memory_section(sec) && !host_last) {
            error_setf(errp, "section '%s' is unknown or out of place", sec->name);
            return false;
        }
    } /* memories named twice: decode_memories, once they are sorted */
    return true;
}

/* The origin says what the machine section holds. */
static bool origin_matches(const Origin *o, const Snapshot *s, Error **errp)
{
    const BoardDesc *board = machine_state_board(s->machine);
    if (strcmp(o->board, board->name) != 0 || strcmp(o->isa, board->cpu.isa) != 0 ||
        o->frequency_hz != board->cpu.frequency_hz) {
        error_setf(errp, "sections 'origin' and 'machine' disagree on the board");
        return false;
    }
    return true;
}

/* origin, clock, cpu and machine (check_order put them first). */
static bool decode_head(const Layout *l, Snapshot *s, Error **errp)
{
    Origin o = {0};
    bool ok = decode_origin(&l->sections[0], &o, errp) &&
              decode_clock(&l->sections[1], s, errp);
    if (ok) {
        s->cpu = copy_bytes(&l->sections[2], &s->cpu_len);
        s->machine = machine_state_decode(l->sections[3].data, l->sections[3].len, errp);
        if (!s->machine)
            error_prepend(errp, "section 'machine': ");
        ok = s->machine && origin_matches(&o, s, errp);
    }
    if (ok && *o.firmware) {
        s->firmware = o.firmware;
        s->firmware_hash = o.firmware_hash;
        o.firmware = NULL;
    }
    origin_free(&o);
    return ok;
}

/* Each a memory of the board, of its size; all of them, each once. */
static bool decode_memories(const Layout *l, size_t end, Snapshot *s, Error **errp)
{
    const BoardDesc *desc = machine_state_board(s->machine);
    BoardIndex board = board_index(desc);
    s->memories = xcalloc(l->n, sizeof *s->memories);
    bool ok = true;
    for (size_t i = 4; ok && i < end; i++)
        ok = decode_memory(&l->sections[i], &board, &s->memories[s->nmemories++], errp);
    free(board.by_name);
    if (!ok)
        return false;
    sort_memories(s);
    for (size_t i = 1; i < s->nmemories; i++) {
        if (strcmp(s->memories[i - 1].name, s->memories[i].name) == 0) {
            error_setf(errp, "section 'memory %s' appears twice", s->memories[i].name);
            return false;
        }
    }
    if (s->nmemories != desc->nmemories) { /* then one is missing */
        error_setf(errp, "the board has %zu memories, the snapshot the contents of %zu",
                   desc->nmemories, s->nmemories);
        return false;
    }
    return true;
}

static bool decode_sections(const Layout *l, Snapshot *s, Error **errp)
{
    if (!check_order(l, errp) || !decode_head(l, s, errp))
        return false;
    size_t end = l->n;
    if (strcmp(l->sections[end - 1].name, "host") == 0) {
        end--;
        s->host = copy_bytes(&l->sections[end], &s->host_len);
    }
    return decode_memories(l, end, s, errp);
}

Snapshot *snapshot_decode(const uint8_t *data, size_t len, const char *name, Error **errp)
{
    Layout l;
    if (!read_layout(data, len, &l, errp)) {
        error_prepend(errp, "%s: ", name);
        return NULL;
    }
    Snapshot *s = xcalloc(1, sizeof *s);
    bool ok = decode_sections(&l, s, errp);
    layout_free(&l);
    if (!ok) {
        error_prepend(errp, "%s: ", name);
        snapshot_free(s);
        return NULL;
    }
    return s;
}

Snapshot *snapshot_read_file(const char *path, Error **errp)
{
    size_t len;
    char *data = file_read_all(path, &len, errp);
    if (!data)
        return NULL;
    Snapshot *s = snapshot_decode((const uint8_t *)data, len, path, errp);
    free(data);
    return s;
}

bool snapshot_hash_file(const char *path, uint64_t *hash, Error **errp)
{
    int fd = file_open_input(path, errp);
    if (fd < 0)
        return false;
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a 64 */
    uint8_t buf[65536];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        for (ssize_t i = 0; i < n; i++)
            h = (h ^ buf[i]) * 0x100000001b3ull;
    int err = errno;
    close(fd);
    if (n < 0) {
        error_setf(errp, "%s: cannot read: %s", path, strerror(err));
        return false;
    }
    *hash = h;
    return true;
}
