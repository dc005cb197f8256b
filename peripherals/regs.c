/* Register tables (regs.h): decoding, access kinds, checks, reset, peeks,
 * reports, descriptions and snapshot state, once for every model. */
#include "peripherals/regs.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "soc/state_io.h"
#include "soc/alloc.h"

/* ---- the shape of a register ---- */

static inline uint32_t width_mask(unsigned bytes)
{
    static const uint32_t masks[5] = {0, 0xff, 0xffff, 0xffffff, UINT32_MAX};
    return masks[bytes > 4 ? 4 : bytes];
}

static uint32_t writable_bits(const RegDef *r)
{
    return r->mask ? r->mask : width_mask(r->width);
}

static uint32_t max_elements(const RegDef *r)
{
    return r->count > 1 ? r->count : 1;
}

static uint32_t stride_of(const RegDef *r)
{
    return r->count > 1 ? r->stride : r->width;
}

static uint32_t elements(const RegDef *r, const void *dev)
{
    if (!r->count_of)
        return max_elements(r);
    unsigned n = r->count_of(dev);
    return n < max_elements(r) ? n : max_elements(r);
}

static uint64_t element_offset(const RegDef *r, uint32_t index)
{
    return r->offset + (uint64_t)index * stride_of(r);
}

static const char *access_name(RegAccess access)
{
    static const char *const names[] = {
        [REG_RW] = "rw", [REG_RO] = "ro", [REG_WO] = "wo", [REG_W1C] = "w1c",
        [REG_W1S] = "w1s", [REG_RC] = "rc", [REG_UNIMPL] = "unmodelled",
    };
    return names[access];
}

/* ---- checking a table ---- */

/* Fields lie inside the register and have bits (the trace's shifts
 * rely on it). */
static bool check_field_list(const RegDef *r, const RegField *fields, Error **errp)
{
    for (const RegField *f = fields; f && f->name; f++)
        if (f->width == 0 || f->lsb + f->width > 8u * r->width) {
            error_setf(errp, "%s: field %s is not inside the register", r->name,
                       f->name);
            return false;
        }
    return true;
}

static bool check_fields(const RegDef *r, Error **errp)
{
    if (r->write_name && !*r->write_name) {
        error_setf(errp, "%s: an empty write_name", r->name);
        return false;
    }
    return check_field_list(r, r->fields, errp) &&
           check_field_list(r, r->write_fields, errp);
}

static bool check_reg(const RegDef *r, Error **errp)
{
    if (!r->name || !*r->name) {
        error_setf(errp, "register at 0x%" PRIx32 " has no name", r->offset);
        return false;
    }
    if (r->width != 1 && r->width != 2 && r->width != 4) {
        error_setf(errp, "%s: width %u is not 1, 2 or 4", r->name, r->width);
        return false;
    }
    if (r->offset % r->width) {
        error_setf(errp, "%s: offset 0x%" PRIx32 " is not aligned to its width",
                   r->name, r->offset);
        return false;
    }
    if (r->count > 1 && (r->stride < r->width || r->stride % r->width)) {
        error_setf(errp, "%s: stride %" PRIu32 " does not fit width %u", r->name,
                   r->stride, r->width);
        return false;
    }
    uint32_t bits = width_mask(r->width);
    if ((r->reset & ~bits) || (r->mask & ~bits)) {
        error_setf(errp, "%s: reset or mask wider than the register", r->name);
        return false;
    }
    for (uint32_t e = 0; r->resets && e < max_elements(r); e++)
        if (r->resets[e] & ~bits) {
            error_setf(errp, "%s: reset of element %" PRIu32 " wider than the "
                       "register", r->name, e);
            return false;
        }
    if (r->store == REG_NO_STORE && r->flags & REG_STORE_PTR) {
        error_setf(errp, "%s: REG_STORE_PTR without storage", r->name);
        return false;
    }
    if (r->access == REG_RC && r->store == REG_NO_STORE && !r->read) {
        error_setf(errp, "%s: read-clears needs storage", r->name);
        return false;
    }
    if ((unsigned)r->access > REG_UNIMPL) {
        error_setf(errp, "%s: access kind %u is unknown", r->name,
                   (unsigned)r->access);
        return false;
    }
    /* offsets are 32-bit, and so is a snapshot record's length (4 bytes
     * an element): elements beyond would wrap both */
    if (element_offset(r, max_elements(r) - 1) + r->width - 1 > UINT32_MAX) {
        error_setf(errp, "%s: elements run past offset 0xffffffff", r->name);
        return false;
    }
    return check_fields(r, errp);
}

/* Whether an element of a and an element of b share a byte. Arrays may
 * interleave (the PLIC's threshold and claim pages), so elements are
 * compared, not spans; a register lies in the bytes [o, o + width). */
static bool overlap(const RegDef *a, const RegDef *b)
{
    for (uint32_t i = 0; i < max_elements(a); i++) {
        uint64_t lo = element_offset(a, i), hi = lo + a->width;
        uint64_t first = element_offset(b, 0);
        uint64_t last = element_offset(b, max_elements(b) - 1) + b->width;
        if (hi <= first || lo >= last)
            continue;
        uint64_t k = lo > first ? (lo - first) / stride_of(b) : 0;
        for (; k < max_elements(b) && element_offset(b, (uint32_t)k) < hi; k++)
            if (element_offset(b, (uint32_t)k) + b->width > lo)
                return true;
    }
    return false;
}

bool regs_check(const RegTable *table, const char *what, Error **errp)
{
    if (table->nregs >= UINT8_MAX) {
        error_setf(errp, "%s: more than %u registers", what, UINT8_MAX - 1);
        return false;
    }
    for (size_t i = 0; i < table->nregs; i++) {
        const RegDef *r = &table->regs[i];
        if (!check_reg(r, errp)) {
            error_prepend(errp, "%s: ", what);
            return false;
        }
        if (i && r->offset <= table->regs[i - 1].offset) {
            error_setf(errp, "%s: %s is not sorted by offset after %s", what,
                       r->name, table->regs[i - 1].name);
            return false;
        }
        for (size_t j = 0; j < i; j++)
            if (overlap(r, &table->regs[j])) {
                error_setf(errp, "%s: %s overlaps %s", what, r->name,
                           table->regs[j].name);
                return false;
            }
    }
    return true;
}

/* ---- decoding ---- */

typedef struct Hit {
    const RegDef *reg;
    unsigned index; /* the element */
    unsigned lane;  /* the access's first byte in the element */
} Hit;

static bool hit_in(const RegDef *r, uint64_t offset, Hit *hit)
{
    if (offset < r->offset)
        return false;
    uint64_t delta = offset - r->offset;
    if (r->count <= 1) {
        if (delta >= r->width)
            return false;
        *hit = (Hit){r, 0, (unsigned)delta};
        return true;
    }
    /* strides are powers of two in every table so far: no division */
    uint32_t stride = r->stride;
    uint64_t index, lane;
    if ((stride & (stride - 1)) == 0) {
        index = delta >> __builtin_ctz(stride);
        lane = delta & (stride - 1);
    } else {
        index = delta / stride;
        lane = delta % stride;
    }
    if (index >= r->count || lane >= r->width)
        return false;
    *hit = (Hit){r, (unsigned)index, (unsigned)lane};
    return true;
}

/* The register element holding byte `offset`, within its runtime count:
 * the table walked (arrays may interleave, so every entry is asked). */
static bool find(const RegBank *bank, uint64_t offset, Hit *hit)
{
    const RegTable *t = bank->table;
    for (size_t i = 0; i < t->nregs; i++)
        if (hit_in(&t->regs[i], offset, hit))
            return hit->index < elements(hit->reg, bank->dev);
    return false;
}

/* Whether a size-byte access at hit's lane fits the register (regs.h). */
static bool size_ok(const Hit *hit, unsigned size)
{
    if (size == hit->reg->width)
        return hit->lane == 0;
    /* narrow accesses are 1 or 2 bytes (never 0: lane % size) */
    if ((size != 1 && size != 2) || size > hit->reg->width ||
        !(hit->reg->flags & REG_NARROW))
        return false;
    return hit->lane % size == 0;
}

static inline unsigned recent_slot(uint64_t offset)
{
    return (unsigned)(offset ^ (offset >> 4) ^ (offset >> 12)) % REGS_RECENT;
}

/* find, for an access of `size`, remembering good answers (an element
 * that exists, a size it takes: count_of is fixed for an instance's
 * life, so they stay good). */
static __attribute__((noinline)) bool decode_slow(RegBank *bank, uint64_t offset,
                                                  unsigned size, Hit *hit,
                                                  bool *found)
{
    *found = find(bank, offset, hit);
    if (!*found || !size_ok(hit, size) || hit->reg->access == REG_UNIMPL)
        return false;
    RegRecent *c = &bank->recent[recent_slot(offset)];
    *c = (RegRecent){.offset = offset, .size = (uint8_t)size, .reg = hit->reg,
                     .index = hit->index, .lane = (uint8_t)hit->lane};
    return true;
}

/* The usual access: a register element that takes this size. False
 * otherwise, with *found telling a hole from a bad size or an
 * unmodelled register (then *hit is the register). */
static inline __attribute__((always_inline)) bool
decode(RegBank *bank, uint64_t offset, unsigned size, Hit *hit, bool *found)
{
    const RegRecent *c = &bank->recent[recent_slot(offset)];
    if (c->offset == offset && c->size == size) {
        *hit = (Hit){c->reg, c->index, c->lane};
        return true;
    }
    return decode_slow(bank, offset, size, hit, found);
}

const RegDef *regs_find(const RegBank *bank, uint64_t offset, unsigned *index)
{
    Hit hit;
    if (!find(bank, offset, &hit))
        return NULL;
    if (index)
        *index = hit.index;
    return hit.reg;
}

uint32_t *regs_slot(const RegBank *bank, const RegDef *reg, unsigned index)
{
    if (reg->store == REG_NO_STORE)
        return NULL;
    char *at = (char *)bank->dev + reg->store;
    uint32_t *base = reg->flags & REG_STORE_PTR ? *(uint32_t **)at : (uint32_t *)at;
    return base + index;
}

/* ---- reports ---- */

/* Whether a report for this offset and direction was made (or reports
 * have stopped): the caller need not format one. */
static bool noted(const RegBank *bank, uint64_t offset, bool is_write)
{
    if (bank->log_full)
        return true;
    uint64_t key = offset << 1 | is_write;
    for (unsigned i = 0; i < bank->nlogged; i++)
        if (bank->logged[i] == key)
            return true;
    return false;
}

void regs_note_once(RegBank *bank, uint64_t offset, bool is_write,
                    const char *fmt, ...)
{
    if (noted(bank, offset, is_write))
        return;
    uint64_t key = offset << 1 | is_write;
    if (bank->nlogged == REGS_LOG_LIMIT) {
        bank->log_full = true;
        device_log_guest(&bank->host, bank->name, "further accesses not reported");
        return;
    }
    bank->logged[bank->nlogged++] = key;
    char message[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    device_log_guest(&bank->host, bank->name, "%s", message);
}

static void element_name_as(const Hit *hit, bool is_write, char *buf, size_t len)
{
    const char *name = is_write && hit->reg->write_name ? hit->reg->write_name
                                                        : hit->reg->name;
    if (hit->reg->count > 1)
        snprintf(buf, len, "%s[%u]", name, hit->index);
    else
        snprintf(buf, len, "%s", name);
}

static void element_name(const Hit *hit, char *buf, size_t len)
{
    element_name_as(hit, false, buf, len);
}

/* ---- access ---- */


/* A bad access under the `ignore` policy: reported, then reads 0. */
static bool bad_access(RegBank *bank, const Hit *hit, uint64_t offset,
                       unsigned size, bool is_write)
{
    if (!bank->ignore_bad_access)
        return false;
    char name[64];
    element_name(hit, name, sizeof name);
    if (hit->reg->flags & REG_NARROW)
        regs_note_once(bank, offset, is_write, "%u-byte %s at +0x%" PRIx64
                       " ignored: %s takes aligned accesses of up to %u bytes",
                       size, is_write ? "write" : "read", offset, name,
                       hit->reg->width);
    else
        regs_note_once(bank, offset, is_write, "%u-byte %s at +0x%" PRIx64
                       " ignored: %s is a %u-byte register", size,
                       is_write ? "write" : "read", offset, name, hit->reg->width);
    return true;
}

static inline uint32_t element_value(RegBank *bank, const Hit *hit, bool peek)
{
    const RegDef *r = hit->reg;
    if (r->read)
        return r->read(bank->dev, hit->index, peek) & width_mask(r->width);
    if (r->access == REG_WO || r->access == REG_UNIMPL || r->store == REG_NO_STORE)
        return 0;
    return *regs_slot(bank, r, hit->index);
}

/* The rare cases of a read, out of the way of the usual one: no
 * register there (found false), a bad size, an unmodelled register. */
/* A peek that is not one register element's access (the debugger reads
 * whole words, over byte registers too): each byte from the element
 * holding it, 0 where none is or it is not modelled. */
static bool peek_bytes(RegBank *bank, uint64_t offset, unsigned size,
                       uint32_t *value)
{
    *value = 0;
    for (unsigned b = 0; b < size && b < sizeof *value; b++) {
        Hit hit;
        if (!find(bank, offset + b, &hit) || hit.reg->access == REG_UNIMPL)
            continue;
        uint32_t byte = (element_value(bank, &hit, true) >> (8 * hit.lane)) & 0xff;
        *value |= byte << (8 * b);
    }
    return true;
}

/* The rare cases of a read, out of the way of the usual one: no
 * register there (found false), a bad size, an unmodelled register. */
static __attribute__((noinline, cold)) bool read_odd(RegBank *bank, const Hit *hit,
                                                     bool found, uint64_t offset,
                                                     unsigned size, uint32_t *value,
                                                     bool peek)
{
    if (peek)
        return peek_bytes(bank, offset, size, value);
    if (!found) {
        regs_note_once(bank, offset, false, "read at +0x%" PRIx64 ": no "
                       "register there", offset);
        return true;
    }
    if (!size_ok(hit, size))
        return bad_access(bank, hit, offset, size, false);
    regs_note_once(bank, offset, false, "read of %s (+0x%" PRIx64 "): not "
                   "modelled, reads 0", hit->reg->name, offset);
    return true;
}

static inline __attribute__((always_inline)) bool
access_read(RegBank *bank, uint64_t offset, unsigned size, uint32_t *value, bool peek)
{
    *value = 0;
    Hit hit;
    bool found = true;
    if (!decode(bank, offset, size, &hit, &found))
        return read_odd(bank, &hit, found, offset, size, value, peek);
    const RegDef *r = hit.reg;
    uint32_t whole = element_value(bank, &hit, peek);
    *value = (whole >> (8 * hit.lane)) & width_mask(size);
    if (peek)
        return true;
    /* A read changes something only through a hook or by clearing */
    bool clears = r->access == REG_RC && r->store != REG_NO_STORE;
    if (clears)
        *regs_slot(bank, r, hit.index) = 0;
    if ((r->read || clears) && bank->table->after_access)
        bank->table->after_access(bank->dev);
    return true;
}

static uint32_t apply_kind(RegAccess access, uint32_t old, uint32_t v, uint32_t m)
{
    switch (access) {
    case REG_W1C:
        return old & ~(v & m);
    case REG_W1S:
        return old | (v & m);
    default:
        return (old & ~m) | (v & m);
    }
}

/* The rare cases of a write, as read_odd; a write to a read-only
 * register too. */
static __attribute__((noinline, cold)) bool write_odd(RegBank *bank, const Hit *hit,
                                                      bool found, uint64_t offset,
                                                      unsigned size, uint32_t value)
{
    if (!found) {
        regs_note_once(bank, offset, true, "write of 0x%" PRIx32 " at +0x%" PRIx64
                       " ignored: no register there", value, offset);
        return true;
    }
    if (!size_ok(hit, size))
        return bad_access(bank, hit, offset, size, true);
    if (hit->reg->access == REG_UNIMPL) {
        regs_note_once(bank, offset, true, "write of 0x%" PRIx32 " to %s (+0x%"
                       PRIx64 ") ignored: not modelled", value, hit->reg->name, offset);
        return true;
    }
    if (noted(bank, offset, true)) /* read-only, said already */
        return true;
    char name[64];
    element_name(hit, name, sizeof name);
    regs_note_once(bank, offset, true, "write of 0x%" PRIx32 " to read-only %s "
                   "ignored", value, name);
    return true;
}

static inline __attribute__((always_inline)) bool
access_write(RegBank *bank, uint64_t offset, unsigned size, uint32_t value)
{
    Hit hit;
    bool found = true;
    if (!decode(bank, offset, size, &hit, &found) || hit.reg->access == REG_RO)
        return write_odd(bank, &hit, found, offset, size, value);
    const RegDef *r = hit.reg;
    RegVerdict verdict = r->accept ? r->accept(bank->dev, r, hit.index, value)
                                   : REG_TAKE;
    if (verdict == REG_FAULT)
        return false;
    if (verdict == REG_IGNORE) {
        if (bank->table->after_access)
            bank->table->after_access(bank->dev);
        return true;
    }
    uint32_t lanes = width_mask(size) << (8 * hit.lane);
    uint32_t v = (value & width_mask(size)) << (8 * hit.lane);
    uint32_t m = writable_bits(r) & lanes;
    uint32_t *slot = regs_slot(bank, r, hit.index);
    uint32_t stored = v & m;
    if (slot)
        stored = *slot = apply_kind(r->access, *slot, v, m);
    if (r->write)
        r->write(bank->dev, hit.index, stored);
    if (bank->table->after_access)
        bank->table->after_access(bank->dev);
    return true;
}

bool regs_write(RegBank *bank, uint64_t offset, unsigned size, uint32_t value)
{
    return access_write(bank, offset, size, value);
}

bool regs_read(RegBank *bank, uint64_t offset, unsigned size, uint32_t *value)
{
    return access_read(bank, offset, size, value, false);
}

bool regs_peek(RegBank *bank, uint64_t offset, unsigned size, uint32_t *value)
{
    return access_read(bank, offset, size, value, true);
}

static bool mmio_read(void *opaque, uint64_t offset, unsigned size, uint32_t *value)
{
    return access_read(opaque, offset, size, value, false);
}

static bool mmio_write(void *opaque, uint64_t offset, unsigned size, uint32_t value)
{
    return access_write(opaque, offset, size, value);
}

static bool mmio_peek(void *opaque, uint64_t offset, unsigned size, uint32_t *value)
{
    return regs_peek(opaque, offset, size, value);
}

static void mmio_describe(void *opaque, uint64_t offset, uint32_t value,
                          bool is_write, char *name, size_t name_len,
                          char *fields, size_t fields_len)
{
    regs_describe_access(opaque, offset, value, is_write, name, name_len, fields,
                         fields_len);
}

const MmioOps regs_mmio_ops = {
    .read = mmio_read,
    .write = mmio_write,
    .peek = mmio_peek,
    .describe = mmio_describe,
};

MemoryRegion *regs_region_new(Owner *owner, RegBank *bank, uint64_t size)
{
    return memory_region_new_mmio(owner, bank->name, size, &regs_mmio_ops, bank);
}

/* ---- set-up and reset ---- */

void regs_reset(RegBank *bank)
{
    const RegTable *t = bank->table;
    for (size_t i = 0; i < t->nregs; i++) {
        const RegDef *r = &t->regs[i];
        if (r->store == REG_NO_STORE)
            continue;
        uint32_t n = elements(r, bank->dev);
        for (uint32_t e = 0; e < n; e++)
            *regs_slot(bank, r, e) = r->resets ? r->resets[e] : r->reset;
    }
}

static bool read_policy(const DeviceConfig *config, bool *ignore, Error **errp)
{
    const BoardProp *prop = board_peripheral_prop(config->desc, "bad-access");
    if (!prop || strcmp(prop->value, "fault") == 0) {
        *ignore = false;
        return true;
    }
    if (strcmp(prop->value, "ignore") == 0) {
        *ignore = true;
        return true;
    }
    error_setf(errp, "bad-access: '%s' is not fault or ignore", prop->value);
    if (prop->loc.file)
        error_prepend(errp, "%s:%u:%u: ", prop->loc.file, prop->loc.line,
                      prop->loc.col);
    return false;
}

/* An offset whose decode would not be remembered in `slot`. */
static uint64_t foreign_offset(unsigned slot)
{
    uint64_t offset = 0;
    while (recent_slot(offset) == slot)
        offset++;
    return offset;
}

bool regs_bank_init(RegBank *bank, const RegTable *table, void *dev,
                    const char *name, const DeviceConfig *config, Error **errp)
{
    bool ignore;
    if (!read_policy(config, &ignore, errp))
        return false;
    *bank = (RegBank){.table = table, .dev = dev, .name = name,
                      .host = *config->host, .ignore_bad_access = ignore};
    /* Empty slots hold an offset that belongs to another slot, so no
     * access (whatever its size, 0 included) ever matches one. */
    for (unsigned i = 0; i < REGS_RECENT; i++)
        bank->recent[i] = (RegRecent){.offset = foreign_offset(i)};
    regs_reset(bank);
    return true;
}

/* ---- descriptions ---- */

static void append(char *buf, size_t len, size_t *used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void append(char *buf, size_t len, size_t *used, const char *fmt, ...)
{
    if (*used >= len)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + *used, len - *used, fmt, ap);
    va_end(ap);
    if (n > 0)
        *used += (size_t)n;
}

/* The fields of `value`; `shown` selects the bits whose fields appear. */
static void format_fields(const RegField *fields, uint32_t value, uint32_t shown,
                          char *buf, size_t len)
{
    size_t used = 0;
    if (len)
        buf[0] = '\0';
    for (const RegField *f = fields; f && f->name; f++) {
        if (!((shown >> f->lsb) & (f->width >= 32 ? UINT32_MAX
                                                   : (UINT32_C(1) << f->width) - 1)))
            continue;
        uint32_t v = f->width >= 32 ? value >> f->lsb
                           : (value >> f->lsb) & ((UINT32_C(1) << f->width) - 1);
        append(buf, len, &used, v < 10 ? "%s%s=%" PRIu32 : "%s%s=0x%" PRIx32,
               used ? " " : "", f->name, v);
    }
}

void regs_describe_access(const RegBank *bank, uint64_t offset, uint32_t value,
                          bool is_write, char *name, size_t name_len,
                          char *fields, size_t fields_len)
{
    Hit hit;
    if (name_len)
        name[0] = '\0';
    if (fields_len)
        fields[0] = '\0';
    if (!find(bank, offset, &hit))
        return;
    element_name_as(&hit, is_write, name, name_len);
    const RegField *list = is_write && hit.reg->write_fields ? hit.reg->write_fields
                                                             : hit.reg->fields;
    if (hit.lane == 0)
        format_fields(list, value, is_write ? writable_bits(hit.reg) : UINT32_MAX,
                      fields, fields_len);
}

static void describe_fields(const RegField *fields, const char *lead, FILE *out)
{
    for (const RegField *f = fields; f && f->name; f++) {
        const char *sep = f == fields ? lead : " ";
        if (f->width == 1)
            fprintf(out, "%s%s[%u]", sep, f->name, f->lsb);
        else
            fprintf(out, "%s%s[%u:%u]", sep, f->name, f->lsb + f->width - 1, f->lsb);
    }
}

void regs_describe_table(const RegTable *table, FILE *out)
{
    for (size_t i = 0; i < table->nregs; i++) {
        const RegDef *r = &table->regs[i];
        char name[64];
        const char *slash = r->write_name ? "/" : "";
        const char *wname = r->write_name ? r->write_name : "";
        if (r->count > 1)
            snprintf(name, sizeof name, "%s%s%s[%" PRIu32 "]", r->name, slash, wname,
                     r->count);
        else
            snprintf(name, sizeof name, "%s%s%s", r->name, slash, wname);
        fprintf(out, "    0x%04" PRIx32 " %-16s %2u-bit %-10s", r->offset, name,
                r->width * 8, access_name(r->access));
        if (r->resets) {
            fputs(" resets", out);
            for (uint32_t e = 0; e < max_elements(r); e++)
                fprintf(out, "%s0x%" PRIx32, e ? "," : " ", r->resets[e]);
        } else {
            fprintf(out, " reset 0x%" PRIx32, r->reset);
        }
        if (r->count > 1)
            fprintf(out, " stride 0x%" PRIx32, r->stride);
        if (r->mask && r->access != REG_RO)
            fprintf(out, " mask 0x%" PRIx32, r->mask);
        describe_fields(r->fields, "  ", out);
        if (r->write_fields)
            describe_fields(r->write_fields, r->fields ? "; written: " : "  written: ", out);
        fputc('\n', out);
    }
}

/* ---- snapshot state ----
 *
 * The bytes are records: a kind byte ('R' register, 'S' state, 'B' bools,
 * 'E' clock event, 'L' the report log), the name's length (1 byte) and
 * the name, the payload's length (4 bytes, little endian) and the
 * payload: a register's elements (4 bytes each), a state member's bytes,
 * an event's deadline and order (8 bytes each; CLOCK_NEVER and 0 when
 * not pending), or the log (its count, whether it is full, and
 * REGS_LOG_LIMIT offsets of 8 bytes). */

#define LOG_RECORD "#reports"
#define LOG_PAYLOAD (2 + 8 * REGS_LOG_LIMIT)
#define EVENT_PAYLOAD 16

static void put_header(StateWriter *w, char kind, const char *name, uint32_t payload)
{
    size_t n = strlen(name);
    state_put_u8(w, (uint8_t)kind);
    state_put_u8(w, (uint8_t)(n > 255 ? 255 : n));
    state_put(w, name, n > 255 ? 255 : n);
    state_put_u32(w, payload);
}

static ClockEvent *event_at(const RegBank *bank, const RegState *s)
{
    return *(ClockEvent **)((char *)bank->dev + s->offset);
}

static char state_kind(const RegState *s)
{
    return s->kind == REG_STATE_EVENT ? 'E' : s->kind == REG_STATE_BOOL ? 'B' : 'S';
}

static uint32_t state_payload(const RegState *s)
{
    return s->kind == REG_STATE_EVENT ? EVENT_PAYLOAD : (uint32_t)s->size;
}

static void save_log(const RegBank *bank, StateWriter *w)
{
    put_header(w, 'L', LOG_RECORD, LOG_PAYLOAD);
    state_put_u8(w, (uint8_t)bank->nlogged);
    state_put_u8(w, bank->log_full);
    for (unsigned i = 0; i < REGS_LOG_LIMIT; i++)
        state_put_u64(w, i < bank->nlogged ? bank->logged[i] : 0);
}

uint8_t *regs_state_save(const RegBank *bank, size_t *len)
{
    StateWriter w = {0};
    const RegTable *t = bank->table;
    for (size_t i = 0; i < t->nregs; i++) {
        const RegDef *r = &t->regs[i];
        if (r->store == REG_NO_STORE)
            continue;
        uint32_t n = elements(r, bank->dev);
        put_header(&w, 'R', r->name, n * 4);
        for (uint32_t e = 0; e < n; e++)
            state_put_u32(&w, *regs_slot(bank, r, e));
    }
    for (size_t i = 0; i < t->nstate; i++) {
        const RegState *s = &t->state[i];
        put_header(&w, state_kind(s), s->name, state_payload(s));
        if (s->kind != REG_STATE_EVENT) {
            state_put(&w, (char *)bank->dev + s->offset, s->size);
            continue;
        }
        ClockEvent *ev = event_at(bank, s);
        state_put_u64(&w, ev ? clock_event_deadline(ev) : CLOCK_NEVER);
        state_put_u64(&w, ev ? clock_event_order(ev) : 0);
    }
    save_log(bank, &w);
    return state_take(&w, len);
}

/* Walks the records against the table, checking them (CHECK), putting
 * the registers, state bytes and log in place (BYTES), or the events
 * (EVENTS). */
typedef enum WalkMode { WALK_CHECK, WALK_BYTES, WALK_EVENTS } WalkMode;

static const uint8_t *take(StateReader *rd, char kind, const char *name,
                           uint32_t payload, Error **errp)
{
    size_t n = strlen(name) > 255 ? 255 : strlen(name);
    StateReader at = *rd;
    uint8_t got_kind = state_get_u8(rd), got_len = state_get_u8(rd);
    char got_name[256];
    state_get(rd, got_name, got_len);
    if (rd->truncated || got_kind != (uint8_t)kind || got_len != n ||
        memcmp(got_name, name, n) != 0) {
        error_setf(errp, "saved state does not match: expected %s", name);
        *rd = at;
        return NULL;
    }
    uint32_t got = state_get_u32(rd);
    const uint8_t *data = rd->p;
    if (rd->truncated || got != payload || (size_t)(rd->end - data) < payload) {
        error_setf(errp, "saved state does not match: %s has %" PRIu32
                   " bytes, expected %" PRIu32, name, got, payload);
        return NULL;
    }
    rd->p = data + payload;
    return data;
}

static uint32_t get_u32(const uint8_t *p)
{
    return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static bool event_ok(const RegBank *bank, const RegState *s, const uint8_t *p,
                     Error **errp)
{
    uint64_t when = get_u64(p), order = get_u64(p + 8);
    if (when != CLOCK_NEVER && !event_at(bank, s)) {
        error_setf(errp, "saved state does not match: %s is pending, and this "
                   "instance has no such event", s->name);
        return false;
    }
    /* a place among a handful of events: 1 or more when pending, 0 when
     * not (clock_event_order) */
    if (order > UINT32_MAX || (order == 0) != (when == CLOCK_NEVER)) {
        error_setf(errp, "saved state does not match: %s's order is %" PRIu64,
                   s->name, order);
        return false;
    }
    return true;
}

static void apply_event(const RegBank *bank, const RegState *s, const uint8_t *p)
{
    ClockEvent *ev = event_at(bank, s);
    uint64_t when = get_u64(p);
    if (!ev)
        return;
    if (when == CLOCK_NEVER)
        clock_event_cancel(ev);
    else
        clock_event_restore(ev, when, get_u64(p + 8));
}

static bool walk_state(RegBank *bank, const RegState *s, const uint8_t *p,
                       WalkMode mode, Error **errp)
{
    if (mode == WALK_CHECK && s->kind == REG_STATE_BOOL && !state_bools_ok(p, s->size)) {
        error_setf(errp, "saved state does not match: %s is not a truth value",
                   s->name);
        return false;
    }
    if (mode == WALK_CHECK && s->kind == REG_STATE_EVENT)
        return event_ok(bank, s, p, errp);
    if (mode == WALK_BYTES && s->kind != REG_STATE_EVENT)
        memcpy((char *)bank->dev + s->offset, p, s->size);
    if (mode == WALK_EVENTS && s->kind == REG_STATE_EVENT)
        apply_event(bank, s, p);
    return true;
}

/* A log save_log could have written: its count, "full" only when it is,
 * zeros in the slots past the count (what a load takes, a save gives
 * back). */
static bool log_ok(const uint8_t *p)
{
    if (p[0] > REGS_LOG_LIMIT || p[1] > 1 || (p[1] && p[0] != REGS_LOG_LIMIT))
        return false;
    for (unsigned i = p[0]; i < REGS_LOG_LIMIT; i++)
        if (get_u64(p + 2 + 8 * i) != 0)
            return false;
    return true;
}

static bool walk_log(RegBank *bank, const uint8_t *p, WalkMode mode, Error **errp)
{
    if (mode == WALK_CHECK && !log_ok(p)) {
        error_setf(errp, "saved state does not match: the report log is not valid");
        return false;
    }
    if (mode != WALK_BYTES)
        return true;
    bank->nlogged = p[0];
    bank->log_full = p[1];
    for (unsigned i = 0; i < REGS_LOG_LIMIT; i++)
        bank->logged[i] = get_u64(p + 2 + 8 * i);
    return true;
}

static bool walk(RegBank *bank, const uint8_t *data, size_t len, WalkMode mode,
                 Error **errp)
{
    StateReader rd;
    state_reader_init(&rd, data, len);
    const RegTable *t = bank->table;
    for (size_t i = 0; i < t->nregs; i++) {
        const RegDef *r = &t->regs[i];
        if (r->store == REG_NO_STORE)
            continue;
        uint32_t n = elements(r, bank->dev);
        const uint8_t *p = take(&rd, 'R', r->name, n * 4, errp);
        if (!p)
            return false;
        for (uint32_t e = 0; mode == WALK_BYTES && e < n; e++)
            *regs_slot(bank, r, e) = get_u32(p + 4 * e);
    }
    for (size_t i = 0; i < t->nstate; i++) {
        const RegState *s = &t->state[i];
        const uint8_t *p = take(&rd, state_kind(s), s->name, state_payload(s), errp);
        if (!p || !walk_state(bank, s, p, mode, errp))
            return false;
    }
    const uint8_t *log = take(&rd, 'L', LOG_RECORD, LOG_PAYLOAD, errp);
    if (!log || !walk_log(bank, log, mode, errp))
        return false;
    if (rd.p != rd.end) {
        error_setf(errp, "saved state does not match: %zu bytes left over",
                   (size_t)(rd.end - rd.p));
        return false;
    }
    return true;
}

/* The checks, then the bytes in place for the table's check_load, which
 * may refuse; `keep` says whether they stay (otherwise, or on refusal,
 * the old ones are put back). */
static bool check_and_place(RegBank *bank, const uint8_t *data, size_t len,
                            bool keep, Error **errp)
{
    if (!walk(bank, data, len, WALK_CHECK, errp))
        return false;
    size_t old_len;
    uint8_t *old = regs_state_save(bank, &old_len);
    walk(bank, data, len, WALK_BYTES, NULL);
    bool ok = !bank->table->check_load || bank->table->check_load(bank->dev, errp);
    if (!ok || !keep)
        walk(bank, old, old_len, WALK_BYTES, NULL);
    free(old);
    return ok;
}

bool regs_state_check(RegBank *bank, const uint8_t *data, size_t len, Error **errp)
{
    return check_and_place(bank, data, len, false, errp);
}

bool regs_state_load(RegBank *bank, const uint8_t *data, size_t len, Error **errp)
{
    if (!check_and_place(bank, data, len, true, errp))
        return false;
    walk(bank, data, len, WALK_EVENTS, NULL);
    if (bank->table->after_load)
        bank->table->after_load(bank->dev);
    return true;
}

uint8_t *regs_device_save(const RegBank *bank, const char *type, size_t *len)
{
    StateWriter w = {0};
    state_begin(&w, type, REGS_DEVICE_STATE_VERSION);
    size_t n;
    uint8_t *records = regs_state_save(bank, &n);
    state_put_blob(&w, records, n);
    free(records);
    return state_take(&w, len);
}

bool regs_device_load(RegBank *bank, const char *type, const uint8_t *data,
                      size_t len, Error **errp)
{
    StateReader r;
    if (!state_open(&r, type, REGS_DEVICE_STATE_VERSION, data, len, errp))
        return false;
    size_t n;
    const uint8_t *records = state_get_blob(&r, &n);
    if (!state_end(&r, type, errp))
        return false;
    if (regs_state_load(bank, records, n, errp))
        return true;
    error_prepend(errp, "%s: ", type);
    return false;
}
