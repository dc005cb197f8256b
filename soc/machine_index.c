/* The live table's entries by name: an open-addressing hash, so that a
 * board with thousands of peripherals and interrupt lines is built,
 * wired, changed and freed in time linear in its size. Names are unique
 * across memories and peripherals; keys point at the entries' own names. */
#include "soc/machine_internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "soc/alloc.h"

struct MachineIndexSlot {
    const char *name; /* NULL: empty; TOMBSTONE: deleted */
    MachinePeripheral *periph;
    MachineMemory *mem;
};

static const char TOMBSTONE[] = "";

static uint64_t name_hash(const char *name)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (const unsigned char *c = (const unsigned char *)name; *c; c++)
        h = (h ^ *c) * 1099511628211ull;
    return h;
}

/* The slot holding name, or the one it would go in (the first tombstone
 * on its probe path, else the empty slot ending it). */
static MachineIndexSlot *probe(const MachineIndex *ix, const char *name, bool *found)
{
    size_t mask = ix->cap - 1, i = (size_t)name_hash(name) & mask;
    MachineIndexSlot *reuse = NULL;
    for (;; i = (i + 1) & mask) {
        MachineIndexSlot *s = &ix->slots[i];
        if (!s->name) {
            *found = false;
            return reuse ? reuse : s;
        }
        if (s->name == TOMBSTONE) {
            if (!reuse)
                reuse = s;
        } else if (strcmp(s->name, name) == 0) {
            *found = true;
            return s;
        }
    }
}

static void grow(MachineIndex *ix)
{
    MachineIndex old = *ix;
    ix->cap = old.cap ? old.cap * 2 : 16;
    ix->slots = xcalloc(ix->cap, sizeof *ix->slots);
    ix->used = ix->count = 0;
    for (size_t i = 0; i < old.cap; i++) {
        const MachineIndexSlot *s = &old.slots[i];
        if (s->name && s->name != TOMBSTONE)
            machine_index_put(ix, s->name, s->periph, s->mem);
    }
    free(old.slots);
}

void machine_index_put(MachineIndex *ix, const char *name, MachinePeripheral *periph,
                       MachineMemory *mem)
{
    if ((ix->used + 1) * 4 >= ix->cap * 3)
        grow(ix);
    bool found;
    MachineIndexSlot *s = probe(ix, name, &found);
    if (!found) {
        ix->count++;
        if (!s->name)
            ix->used++; /* a tombstone reused keeps `used` */
    }
    *s = (MachineIndexSlot){name, periph, mem};
}

void machine_index_remove(MachineIndex *ix, const char *name)
{
    if (!ix->cap)
        return;
    bool found;
    MachineIndexSlot *s = probe(ix, name, &found);
    if (!found)
        return;
    *s = (MachineIndexSlot){TOMBSTONE, NULL, NULL};
    ix->count--;
}

bool machine_index_find(const MachineIndex *ix, const char *name,
                        MachinePeripheral **periph, MachineMemory **mem)
{
    *periph = NULL;
    *mem = NULL;
    if (!ix->cap)
        return false;
    bool found;
    const MachineIndexSlot *s = probe(ix, name, &found);
    if (!found)
        return false;
    *periph = s->periph;
    *mem = s->mem;
    return true;
}

void machine_index_free(MachineIndex *ix)
{
    free(ix->slots);
    *ix = (MachineIndex){0};
}
