/* Checks across a board's entries, linear or n log n however many there
 * are: unique names (a hash set), memories that overlap (soc/overlap.h),
 * and every range inside the 4 GiB bus (memory_range_check, the one range
 * check of soc/memory.h). */
#include "soc/board_internal.h"
#include "soc/alloc.h"
#include "soc/memory.h"
#include "soc/overlap.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- NameSet: open addressing, linear probing, at most half full ---- */

struct NameSlot {
    const char *name; /* NULL: empty */
    uint64_t hash;
    size_t value;
};

static uint64_t hash_name(const char *s)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325); /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * UINT64_C(0x100000001b3);
    return h;
}

/* The slot holding `name`, or the empty slot where it would go. */
static NameSlot *slot_for(const NameSet *s, const char *name, uint64_t hash)
{
    size_t mask = s->cap - 1;
    for (size_t i = (size_t)hash & mask;; i = (i + 1) & mask) {
        NameSlot *slot = &s->slots[i];
        if (s->probes)
            ++*s->probes;
        if (!slot->name ||
            (slot->hash == hash && strcmp(slot->name, name) == 0))
            return slot;
    }
}

static void grow(NameSet *s)
{
    NameSet bigger = { .cap = s->cap ? s->cap * 2 : 16, .count = s->count };
    bigger.slots = xcalloc(bigger.cap, sizeof *bigger.slots);
    for (size_t i = 0; i < s->cap; i++)
        if (s->slots[i].name)
            *slot_for(&bigger, s->slots[i].name, s->slots[i].hash) = s->slots[i];
    free(s->slots);
    s->slots = bigger.slots;
    s->cap = bigger.cap;
}

static NameSlot *slot_to_fill(NameSet *s, const char *name, uint64_t hash)
{
    if (2 * (s->count + 1) > s->cap)
        grow(s);
    return slot_for(s, name, hash);
}

bool name_set_add(NameSet *s, const char *name, size_t value, size_t *first)
{
    uint64_t hash = hash_name(name);
    NameSlot *slot = slot_to_fill(s, name, hash);
    if (slot->name) {
        *first = slot->value;
        return false;
    }
    *slot = (NameSlot){ name, hash, value };
    s->count++;
    return true;
}

void name_set_put(NameSet *s, const char *name, size_t value)
{
    uint64_t hash = hash_name(name);
    NameSlot *slot = slot_to_fill(s, name, hash);
    if (!slot->name)
        s->count++;
    *slot = (NameSlot){ name, hash, value };
}

bool name_set_find(const NameSet *s, const char *name, size_t *value)
{
    if (!s->cap)
        return false;
    const NameSlot *slot = slot_for(s, name, hash_name(name));
    if (!slot->name)
        return false;
    *value = slot->value;
    return true;
}

void name_set_free(NameSet *s)
{
    free(s->slots);
    s->slots = NULL;
    s->cap = s->count = 0;
}

/* ---- one namespace for memories and peripherals ---- */

/* A set value: the entry's index and whether it is a peripheral. */
static size_t tag(bool is_peripheral, size_t index)
{
    return index << 1 | (is_peripheral ? 1u : 0u);
}

bool board_check_unique_name(BoardCtx *c, const Node *entry,
                             bool is_peripheral, size_t index)
{
    const Node *name = node_map_get(entry, "name");
    size_t first;
    if (name_set_add(&c->names, name->text, tag(is_peripheral, index), &first))
        return true;
    const BoardDesc *b = c->board;
    const SourceLoc *loc = first & 1 ? &b->peripherals[first >> 1].loc
                                     : &b->memories[first >> 1].loc;
    char at[512];
    return board_fail(c, name, "duplicate name '%s' (already used by %s at "
                      "%s)", name->text, first & 1 ? "peripheral" : "memory",
                      board_where(name->file, loc, at, sizeof at));
}

/* ---- ranges ---- */

bool board_check_range(BoardCtx *c, const Node *at, const char *what,
                       const char *name, uint64_t base, uint64_t size)
{
    char label[160];
    snprintf(label, sizeof label, "%s '%s'", what, name);
    Error *err = NULL;
    if (memory_range_check(label, base, size, ADDR_LIMIT, &err))
        return true;
    board_fail(c, at, "%s", error_message(err));
    error_free(err);
    return false;
}

/* ---- memories must not overlap ---- */

/* The first overlap soc/overlap.h finds, reported at the memory written
 * later. */
bool board_check_overlaps(BoardCtx *c)
{
    const BoardDesc *b = c->board;
    Span *spans = xcalloc(b->nmemories ? b->nmemories : 1, sizeof *spans);
    for (size_t i = 0; i < b->nmemories; i++)
        spans[i] = (Span){ b->memories[i].base, b->memories[i].size };
    size_t earlier, later;
    bool overlap = overlap_find(spans, b->nmemories, &earlier, &later);
    free(spans);
    if (!overlap)
        return true;
    const BoardMemory *m = &b->memories[later], *o = &b->memories[earlier];
    char at[512];
    return board_fail_loc(c, &m->loc, "memory '%s' [0x%" PRIx64 ", 0x%" PRIx64
                          ") overlaps memory '%s' [0x%" PRIx64 ", 0x%" PRIx64
                          ") defined at %s", m->name, m->base,
                          m->base + m->size, o->name, o->base,
                          o->base + o->size,
                          board_where(m->loc.file, &o->loc, at, sizeof at));
}
