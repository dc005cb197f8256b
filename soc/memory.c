/* The memory object graph: owners, regions, links, aliases, transactions.
 * The rules it keeps are listed in soc/memory.h; the flat view and access
 * paths are in memory_view.c, the audit and tree in memory_audit.c. */
#include "soc/memory_internal.h"
#include "soc/alloc.h"

#include <string.h>

bool region_is_terminal(const MemoryRegion *mr)
{
    return mr->kind == REGION_RAM || mr->kind == REGION_ROM ||
           mr->kind == REGION_MMIO;
}

const char *region_kind_name(RegionKind kind)
{
    switch (kind) {
    case REGION_CONTAINER: return "container";
    case REGION_RAM: return "ram";
    case REGION_ROM: return "rom";
    case REGION_MMIO: return "mmio";
    case REGION_ALIAS: return "alias";
    }
    return "?";
}

/* ---- the memory system and transactions ---- */

MemorySystem *memory_system_new(void)
{
    MemorySystem *ms = xcalloc(1, sizeof *ms);
    ms->view = flatview_render(ms);
    return ms;
}

void memory_system_free(MemorySystem *ms)
{
    if (!ms)
        return;
    memory_set_root(ms, NULL);
    memory_release_deferred(ms);
    if (ms->owners) {
        for (Owner *o = ms->owners; o; o = o->next)
            fprintf(stderr, "memory: owner '%s' still alive (refcount %u)\n",
                    o->name, o->refcount);
        MEM_BUG("memory system freed with live owners");
    }
    flatview_free(ms->view);
    free(ms->zombies);
    free(ms->listeners.items);
    free(ms->code_listeners.items);
    free(ms);
}

static void call_listener(const Listener *l, void *arg)
{
    (void)arg;
    ((MemoryListener)l->fn)(l->opaque);
}

/* Installs a freshly rendered view. Releasing the old one may finalize
 * owners whose hooks change the map again: the open pseudo-transaction
 * turns those changes into another round instead of a nested rebuild. */
static void rebuild(MemorySystem *ms)
{
    ms->txn_depth++;
    do {
        ms->dirty = false;
        FlatView *old = ms->view;
        ms->view = flatview_render(ms);
        ms->rebuilds++;
        listener_list_notify(&ms->listeners, call_listener, NULL);
        old->next_retired = ms->retired;
        ms->retired = old;
        memory_release_deferred(ms);
    } while (ms->dirty);
    ms->txn_depth--;
    memory_release_deferred(ms);
}

static void map_changed(MemorySystem *ms)
{
    ms->dirty = true;
    if (ms->txn_depth == 0)
        rebuild(ms);
}

void memory_begin(MemorySystem *ms)
{
    ms->txn_depth++;
}

void memory_commit(MemorySystem *ms)
{
    if (ms->txn_depth == 0)
        MEM_BUG("memory_commit without memory_begin");
    if (--ms->txn_depth > 0)
        return;
    if (ms->dirty)
        rebuild(ms);
    else
        memory_release_deferred(ms);
}

void memory_set_root(MemorySystem *ms, MemoryRegion *root)
{
    MemoryRegion *old = ms->root;
    if (root == old)
        return;
    if (root && root->destroyed)
        MEM_BUG("destroyed region '%s' set as the root", root->name);
    if (root)
        owner_ref_internal(root->owner);
    /* Read before the rebuild: a listener or hook it runs may destroy the
     * old root once it is no longer the root. */
    Owner *old_owner = old ? old->owner : NULL;
    ms->root = root;
    map_changed(ms);
    if (old_owner)
        owner_unref_internal(old_owner);
}

MemoryRegion *memory_root(MemorySystem *ms)
{
    return ms->root;
}

void memory_add_listener(MemorySystem *ms, MemoryListener fn, void *opaque)
{
    listener_list_add(&ms->listeners, (ListenerFn)fn, opaque);
}

void memory_remove_listener(MemorySystem *ms, MemoryListener fn, void *opaque)
{
    listener_list_remove(&ms->listeners, (ListenerFn)fn, opaque);
}

MemoryStats memory_stats(const MemorySystem *ms)
{
    return (MemoryStats){
        .rebuilds = ms->rebuilds,
        .owners = ms->nowners,
        .regions = ms->nregions,
        .flat_ranges = ms->view ? ms->view->nranges : 0,
    };
}

void memory_set_finalize_shuffle(MemorySystem *ms, uint64_t seed)
{
    ms->shuffle_state = seed;
}

/* ---- owners ---- */

Owner *owner_new(MemorySystem *ms, const char *name, OwnerFinalize finalize,
                 void *opaque)
{
    Owner *o = xcalloc(1, sizeof *o);
    o->ms = ms;
    o->name = xstrdup(name);
    o->refcount = 1;
    o->external_refs = 1;
    o->finalize = finalize;
    o->opaque = opaque;
    o->next = ms->owners;
    if (ms->owners)
        ms->owners->prev = o;
    ms->owners = o;
    ms->nowners++;
    return o;
}

void owner_ref_internal(Owner *owner)
{
    if (owner->finalizing)
        MEM_BUG("reference taken on owner '%s' while it is finalized",
                owner->name);
    owner->refcount++;
}

static uint64_t shuffle_next(MemorySystem *ms)
{
    uint64_t x = ms->shuffle_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    ms->shuffle_state = x;
    return x;
}

static void shuffle_regions(MemorySystem *ms, MemoryRegion **regs, size_t n)
{
    if (!ms->shuffle_state)
        return;
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)(shuffle_next(ms) % i);
        MemoryRegion *tmp = regs[i - 1];
        regs[i - 1] = regs[j];
        regs[j] = tmp;
    }
}

static void unlink_from_container(MemoryRegion *container, MemoryRegion *sub)
{
    for (size_t i = 0; i < container->nsubs; i++) {
        if (container->subs[i] == sub) {
            memmove(&container->subs[i], &container->subs[i + 1],
                    (container->nsubs - i - 1) * sizeof *container->subs);
            container->nsubs--;
            sub->container = NULL;
            return;
        }
    }
    MEM_BUG("region '%s' not listed in its container '%s'", sub->name,
            container->name);
}

/* Drops every link of mr's subregions. A cross-owner child's reference is
 * dropped only after its link is cleared, so a finalize it triggers never
 * sees mr. */
static void detach_subregions(MemoryRegion *mr)
{
    while (mr->nsubs) {
        MemoryRegion *sub = mr->subs[--mr->nsubs];
        sub->container = NULL;
        if (sub->owner != mr->owner)
            owner_unref_internal(sub->owner);
    }
}

static void drop_alias_target(MemoryRegion *alias, bool owner_dying)
{
    MemoryRegion *target = alias->alias_target;
    if (!target)
        return;
    alias->alias_target = NULL;
    if (owner_dying && !alias->alias_holds_ref)
        return; /* dies with us, perhaps already freed: do not touch it */
    target->alias_users--;
    if (alias->alias_holds_ref)
        owner_unref_internal(target->owner);
}

void region_free(MemorySystem *ms, MemoryRegion *mr)
{
    ms->nregions--;
    free(mr->subs);
    free(mr->host);
    free(mr->code);
    page_track_free(mr); /* a snapshot's pages outlive the region */
    free(mr->name);
    free(mr);
}

/* Rule R2: one region of a dying owner, in whatever order it comes. */
static void region_finalize(MemoryRegion *mr)
{
    MemoryRegion *container = mr->container;
    if (container) {
        if (container->owner != mr->owner)
            MEM_BUG("region '%s' of '%s' finalized while mapped in '%s' of '%s'",
                    mr->name, mr->owner->name, container->name,
                    container->owner->name);
        unlink_from_container(container, mr);
    }
    detach_subregions(mr);
    drop_alias_target(mr, true);
}

static void owner_finalize(Owner *o)
{
    MemorySystem *ms = o->ms;
    o->finalizing = true;
    MemoryRegion **regs = o->regions;
    size_t n = o->nregions;
    o->regions = NULL;
    o->nregions = o->cap_regions = 0;
    shuffle_regions(ms, regs, n);
    for (size_t i = 0; i < n; i++) {
        region_finalize(regs[i]);
        region_free(ms, regs[i]);
    }
    free(regs);
    if (o->finalize)
        o->finalize(o->opaque);
    if (o->prev)
        o->prev->next = o->next;
    else
        ms->owners = o->next;
    if (o->next)
        o->next->prev = o->prev;
    ms->nowners--;
    free(o->name);
    free(o);
}

void owner_unref_internal(Owner *owner)
{
    if (owner->refcount == 0)
        MEM_BUG("owner '%s' released more often than referenced", owner->name);
    if (--owner->refcount == 0)
        owner_finalize(owner);
}

void owner_ref(Owner *owner)
{
    owner_ref_internal(owner);
    owner->external_refs++;
}

void owner_unref(Owner *owner)
{
    if (!owner)
        return;
    if (owner->external_refs == 0)
        MEM_BUG("owner_unref('%s') without a matching owner_ref", owner->name);
    owner->external_refs--;
    owner_unref_internal(owner);
}

const char *owner_name(const Owner *owner) { return owner->name; }
unsigned owner_refcount(const Owner *owner) { return owner->refcount; }
void *owner_opaque(const Owner *owner) { return owner->opaque; }

/* ---- regions ---- */

static MemoryRegion *region_new(Owner *owner, const char *name,
                                RegionKind kind, uint64_t size)
{
    if (owner->finalizing)
        MEM_BUG("region '%s' created for dying owner '%s'", name, owner->name);
    MemoryRegion *mr = xcalloc(1, sizeof *mr);
    mr->name = xstrdup(name);
    mr->owner = owner;
    mr->kind = kind;
    mr->size = size;
    mr->enabled = true;
    if (owner->nregions == owner->cap_regions) {
        owner->cap_regions = owner->cap_regions ? owner->cap_regions * 2 : 4;
        owner->regions = xreallocarray(owner->regions, owner->cap_regions,
                                      sizeof *owner->regions);
    }
    owner->regions[owner->nregions++] = mr;
    owner->ms->nregions++;
    return mr;
}

MemoryRegion *memory_region_new_container(Owner *owner, const char *name,
                                          uint64_t size)
{
    return region_new(owner, name, REGION_CONTAINER, size);
}

static MemoryRegion *new_storage(Owner *owner, const char *name,
                                 RegionKind kind, uint64_t size, Error **errp)
{
    if (size == 0 || size > ADDRESS_SPACE_END) {
        error_setf(errp, "%s '%s': size 0x%llx must be between 1 byte and 4 GiB",
                   region_kind_name(kind), name, (unsigned long long)size);
        return NULL;
    }
    uint8_t *host = calloc(1, (size_t)size);
    uint64_t *code = memory_code_bitmap_new(size);
    if (!host || !code) {
        free(host);
        free(code);
        error_setf(errp, "%s '%s': cannot allocate %llu bytes",
                   region_kind_name(kind), name, (unsigned long long)size);
        return NULL;
    }
    MemoryRegion *mr = region_new(owner, name, kind, size);
    mr->host = host;
    mr->code = code;
    mr->readonly = kind == REGION_ROM;
    return mr;
}

MemoryRegion *memory_region_new_ram(Owner *owner, const char *name,
                                    uint64_t size, Error **errp)
{
    return new_storage(owner, name, REGION_RAM, size, errp);
}

MemoryRegion *memory_region_new_rom(Owner *owner, const char *name,
                                    uint64_t size, Error **errp)
{
    return new_storage(owner, name, REGION_ROM, size, errp);
}

MemoryRegion *memory_region_new_mmio(Owner *owner, const char *name,
                                     uint64_t size, const MmioOps *ops,
                                     void *opaque)
{
    MemoryRegion *mr = region_new(owner, name, REGION_MMIO, size);
    mr->ops = ops;
    mr->opaque = opaque;
    return mr;
}

/* ---- graph checks (rule R5) ---- */

static uint64_t next_mark(MemorySystem *ms)
{
    return ++ms->mark_gen;
}

/* Does owner `from` keep `to` alive, directly or through others? */
static bool owner_reaches(Owner *from, Owner *to, uint64_t mark)
{
    if (from == to)
        return true;
    if (from->mark == mark)
        return false;
    from->mark = mark;
    for (size_t i = 0; i < from->nregions; i++) {
        MemoryRegion *mr = from->regions[i];
        for (size_t j = 0; j < mr->nsubs; j++)
            if (mr->subs[j]->owner != from &&
                owner_reaches(mr->subs[j]->owner, to, mark))
                return true;
        if (mr->alias_target && mr->alias_target->owner != from &&
            owner_reaches(mr->alias_target->owner, to, mark))
            return true;
    }
    return false;
}

/* Would a new reference from owner `holder` on owner `held` close a cycle? */
static bool check_owner_cycle(MemoryRegion *holder, MemoryRegion *held,
                              Error **errp)
{
    if (holder->owner == held->owner)
        return true;
    MemorySystem *ms = holder->owner->ms;
    if (!owner_reaches(held->owner, holder->owner, next_mark(ms)))
        return true;
    error_setf(errp,
               "linking '%s' (owner '%s') under '%s' (owner '%s') would make "
               "the owners keep each other alive (a reference cycle)",
               held->name, held->owner->name, holder->name,
               holder->owner->name);
    return false;
}

/* Does rendering `from` ever reach `to` (through subregions and alias
 * targets)? */
static bool region_reaches(MemoryRegion *from, MemoryRegion *to, uint64_t mark)
{
    if (from == to)
        return true;
    if (from->mark == mark)
        return false;
    from->mark = mark;
    for (size_t i = 0; i < from->nsubs; i++)
        if (region_reaches(from->subs[i], to, mark))
            return true;
    return from->alias_target && region_reaches(from->alias_target, to, mark);
}

/* A new edge tail -> head (tail contains or aliases head) loops when head
 * reaches tail or any region above tail. */
static bool check_region_loop(MemoryRegion *tail, MemoryRegion *head,
                              Error **errp)
{
    MemorySystem *ms = tail->owner->ms;
    for (MemoryRegion *up = tail; up; up = up->container) {
        if (region_reaches(head, up, next_mark(ms))) {
            error_setf(errp, "'%s' would contain itself through '%s'",
                       tail->name, head->name);
            return false;
        }
    }
    return true;
}

static bool attach_alias_target(MemoryRegion *alias, MemoryRegion *target,
                                uint64_t offset, uint64_t size, Error **errp)
{
    if (target->destroyed) {
        error_setf(errp, "alias '%s' cannot show '%s': it is destroyed",
                   alias->name, target->name);
        return false;
    }
    if (offset > target->size || size > target->size - offset) {
        error_setf(errp,
                   "alias '%s' shows 0x%llx bytes at offset 0x%llx of '%s', "
                   "which is only 0x%llx bytes",
                   alias->name, (unsigned long long)size,
                   (unsigned long long)offset, target->name,
                   (unsigned long long)target->size);
        return false;
    }
    if (!check_owner_cycle(alias, target, errp) ||
        !check_region_loop(alias, target, errp))
        return false;
    alias->alias_holds_ref = target->owner != alias->owner;
    if (alias->alias_holds_ref)
        owner_ref_internal(target->owner);
    target->alias_users++;
    alias->alias_target = target;
    alias->alias_offset = offset;
    return true;
}

MemoryRegion *memory_region_new_alias(Owner *owner, const char *name,
                                      MemoryRegion *target, uint64_t offset,
                                      uint64_t size, Error **errp)
{
    MemoryRegion *alias = region_new(owner, name, REGION_ALIAS, size);
    if (!attach_alias_target(alias, target, offset, size, errp)) {
        owner->nregions--; /* it was the last one added */
        region_free(owner->ms, alias);
        return NULL;
    }
    return alias;
}

bool memory_region_set_alias_target(MemoryRegion *alias, MemoryRegion *target,
                                    uint64_t offset, Error **errp)
{
    if (alias->kind != REGION_ALIAS) {
        error_setf(errp, "'%s' is not an alias", alias->name);
        return false;
    }
    if (alias->destroyed) {
        error_setf(errp, "alias '%s' is destroyed", alias->name);
        return false;
    }
    MemoryRegion *old = alias->alias_target;
    uint64_t old_offset = alias->alias_offset;
    bool old_held_ref = alias->alias_holds_ref;
    /* Hide the old edge from the checks; its owner reference stays until the
     * new view is in place. */
    alias->alias_target = NULL;
    if (old)
        old->alias_users--;
    if (!attach_alias_target(alias, target, offset, alias->size, errp)) {
        if (old)
            old->alias_users++;
        alias->alias_target = old;
        alias->alias_offset = old_offset;
        alias->alias_holds_ref = old_held_ref;
        return false;
    }
    /* Read before the rebuild: a listener or hook it runs may destroy the
     * old target, which no alias holds any more. */
    Owner *old_owner = old && old_held_ref ? old->owner : NULL;
    map_changed(alias->owner->ms);
    if (old_owner)
        owner_unref_internal(old_owner);
    return true;
}

static void remove_from_owner(MemoryRegion *mr)
{
    Owner *o = mr->owner;
    for (size_t i = 0; i < o->nregions; i++) {
        if (o->regions[i] == mr) {
            o->regions[i] = o->regions[--o->nregions];
            return;
        }
    }
    MEM_BUG("region '%s' missing from owner '%s'", mr->name, o->name);
}

bool memory_region_destroy(MemoryRegion *mr, Error **errp)
{
    if (mr->destroyed) {
        /* Its owner may be gone already: do not name it. */
        error_setf(errp, "cannot destroy '%s': it is already destroyed",
                   mr->name);
        return false;
    }
    if (mr->owner->finalizing) {
        error_setf(errp, "cannot destroy '%s' (owner '%s'): its owner is being "
                   "finalized and frees it", mr->name, mr->owner->name);
        return false;
    }
    MemoryRegion *container = mr->container;
    if (container && container->owner != mr->owner) {
        error_setf(errp,
                   "cannot destroy '%s' (owner '%s'): it is still mapped in "
                   "'%s' (owner '%s')",
                   mr->name, mr->owner->name, container->name,
                   container->owner->name);
        return false;
    }
    if (mr == mr->owner->ms->root) {
        error_setf(errp, "cannot destroy '%s' (owner '%s'): it is the root of "
                   "the address space", mr->name, mr->owner->name);
        return false;
    }
    if (mr->alias_users) {
        error_setf(errp, "cannot destroy '%s' (owner '%s'): %u alias%s point at it",
                   mr->name, mr->owner->name, mr->alias_users,
                   mr->alias_users == 1 ? "" : "es");
        return false;
    }
    /* Destroyed from here on: dropping the references below may run hooks
     * of other owners, and to them mr must already be gone (a second
     * destroy, or mapping mr again, is refused). */
    mr->destroyed = true;
    Owner *owner = mr->owner;
    MemorySystem *ms = owner->ms;
    /* Dropping the references of mr's links and alias may finalize owners
     * whose hooks release the last reference on mr's own owner, which would
     * free mr under us: the pin keeps the owner (and mr) alive until mr is
     * out of its list. */
    owner_ref_internal(owner);
    owner->pins++;
    memory_begin(ms);
    if (container)
        unlink_from_container(container, mr);
    detach_subregions(mr);
    drop_alias_target(mr, false);
    remove_from_owner(mr);
    ms->dirty = true;
    /* The current view may still name mr until the commit below, and a
     * view kept by an access in progress after it. */
    ms->zombies = xreallocarray(ms->zombies, ms->nzombies + 1, sizeof *ms->zombies);
    ms->zombies[ms->nzombies++] = mr;
    memory_commit(ms);
    /* mr may be freed by now; the owner may die here, without it. */
    owner->pins--;
    owner_unref_internal(owner);
    return true;
}

/* ---- links ---- */

static void insert_sorted(MemoryRegion *container, MemoryRegion *sub)
{
    if (container->nsubs == container->cap_subs) {
        container->cap_subs = container->cap_subs ? container->cap_subs * 2 : 4;
        container->subs = xreallocarray(container->subs, container->cap_subs,
                                       sizeof *container->subs);
    }
    /* Newest first among equals: it goes before every sub of its priority. */
    size_t pos = 0;
    while (pos < container->nsubs && container->subs[pos]->priority > sub->priority)
        pos++;
    memmove(&container->subs[pos + 1], &container->subs[pos],
            (container->nsubs - pos) * sizeof *container->subs);
    container->subs[pos] = sub;
    container->nsubs++;
}

bool memory_range_check(const char *what, uint64_t offset, uint64_t size,
                        uint64_t limit, Error **errp)
{
    if (size == 0) {
        error_setf(errp, "%s at 0x%llx has size 0", what, (unsigned long long)offset);
        return false;
    }
    if (offset >= limit || size > limit - offset) {
        error_setf(errp, "%s at 0x%llx size 0x%llx ends past 0x%llx", what,
                   (unsigned long long)offset, (unsigned long long)size,
                   (unsigned long long)limit);
        return false;
    }
    return true;
}

bool memory_add_subregion_overlap(MemoryRegion *container, uint64_t offset,
                                  MemoryRegion *sub, int priority,
                                  Error **errp)
{
    if (sub->destroyed || container->destroyed) {
        error_setf(errp, "cannot map '%s' in '%s': '%s' is destroyed",
                   sub->name, container->name,
                   sub->destroyed ? sub->name : container->name);
        return false;
    }
    if (sub->container) {
        error_setf(errp, "'%s' is already mapped in '%s'", sub->name,
                   sub->container->name);
        return false;
    }
    if (container->kind == REGION_ALIAS) {
        error_setf(errp, "alias '%s' cannot hold subregions", container->name);
        return false;
    }
    if (!check_owner_cycle(container, sub, errp) ||
        !check_region_loop(container, sub, errp))
        return false;
    char what[160];
    snprintf(what, sizeof what, "'%s' in '%s'", sub->name, container->name);
    if (!memory_range_check(what, offset, sub->size, container->size, errp))
        return false;
    if (sub->owner != container->owner)
        owner_ref_internal(sub->owner);
    MemorySystem *ms = container->owner->ms;
    sub->container = container;
    sub->addr = offset;
    sub->priority = priority;
    sub->link_seq = ++ms->link_seq;
    insert_sorted(container, sub);
    map_changed(ms);
    return true;
}

bool memory_add_subregion(MemoryRegion *container, uint64_t offset,
                          MemoryRegion *sub, Error **errp)
{
    return memory_add_subregion_overlap(container, offset, sub, 0, errp);
}

bool memory_del_subregion(MemoryRegion *container, MemoryRegion *sub)
{
    if (sub->container != container)
        return false;
    MemorySystem *ms = container->owner->ms;
    /* Read before the commit: a listener or hook it runs may destroy the
     * container or sub. The link's reference keeps sub's owner alive. */
    Owner *linked = sub->owner != container->owner ? sub->owner : NULL;
    memory_begin(ms);
    unlink_from_container(container, sub);
    ms->dirty = true;
    memory_commit(ms);
    /* After the commit: the view that named sub is retired or gone, so this
     * may be the last reference. */
    if (linked)
        owner_unref_internal(linked);
    return true;
}

/* The setters cannot report an error, and a destroyed region's owner may
 * be freed already (the region waits as a zombie): using one is the
 * caller's bug, stopped before anything reaches the owner. */
static void refuse_destroyed(const MemoryRegion *mr, const char *fn)
{
    if (mr->destroyed)
        MEM_BUG("%s on destroyed region '%s'", fn, mr->name);
}

void memory_region_set_address(MemoryRegion *mr, uint64_t offset)
{
    refuse_destroyed(mr, __func__);
    if (mr->addr == offset)
        return;
    mr->addr = offset;
    if (mr->container)
        map_changed(mr->owner->ms);
}

void memory_region_set_enabled(MemoryRegion *mr, bool enabled)
{
    refuse_destroyed(mr, __func__);
    if (mr->enabled == enabled)
        return;
    mr->enabled = enabled;
    map_changed(mr->owner->ms);
}

void memory_region_set_readonly(MemoryRegion *mr, bool readonly)
{
    refuse_destroyed(mr, __func__);
    if (mr->readonly == readonly)
        return;
    mr->readonly = readonly;
    map_changed(mr->owner->ms);
}

const char *memory_region_name(const MemoryRegion *mr) { return mr->name; }
Owner *memory_region_owner(const MemoryRegion *mr) { return mr->owner; }
RegionKind memory_region_kind(const MemoryRegion *mr) { return mr->kind; }
uint64_t memory_region_size(const MemoryRegion *mr) { return mr->size; }
uint64_t memory_region_address(const MemoryRegion *mr) { return mr->addr; }
MemoryRegion *memory_region_container(const MemoryRegion *mr) { return mr->container; }
uint8_t *memory_region_host_ptr(MemoryRegion *mr) { return mr->host; }
MemoryRegion *memory_region_alias_target(const MemoryRegion *mr)
{
    return mr->destroyed ? NULL : mr->alias_target;
}
