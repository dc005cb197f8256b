/* memory_audit (rule R8) and the `info mtree`-style tree. */
#include "soc/memory_internal.h"
#include "soc/alloc.h"

#include <stdarg.h>

/* ---- audit ----
 *
 * memory_audit looks at each owner, region, link, alias and flat range a
 * constant number of times (ms->audit_visits counts them), so tests can run
 * it after every step. A pointer is looked up in the set of live objects
 * before it is followed: a dangling one is reported, not read. */

/* A set of pointers, open addressing; at most half full (the caller adds
 * no more than the n it was sized for). */
typedef struct PtrSet {
    const void **slots;
    size_t mask;
    uint64_t *visits; /* counts every probe: a bad hash shows as work */
} PtrSet;

static void ptrset_init(PtrSet *set, size_t n, uint64_t *visits)
{
    size_t cap = 16;
    while (cap < 2 * n)
        cap *= 2;
    set->slots = xcalloc(cap, sizeof *set->slots);
    set->mask = cap - 1;
    set->visits = visits;
}

static size_t ptrset_slot(const PtrSet *set, const void *p)
{
    uint64_t x = (uint64_t)(uintptr_t)p;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    size_t i = (size_t)x & set->mask;
    ++*set->visits;
    while (set->slots[i] && set->slots[i] != p) {
        i = (i + 1) & set->mask;
        ++*set->visits;
    }
    return i;
}

/* False when p was there already. */
static bool ptrset_add(PtrSet *set, const void *p)
{
    size_t i = ptrset_slot(set, p);
    if (set->slots[i])
        return false;
    set->slots[i] = p;
    return true;
}

static bool ptrset_has(const PtrSet *set, const void *p)
{
    return p && set->slots[ptrset_slot(set, p)] == p;
}

typedef struct Audit {
    MemorySystem *ms;
    PtrSet owners, regions, zombies;
    uint64_t gen;     /* marks regions seen in a container's list */
    size_t mapped;    /* live regions with a container */
    size_t links;     /* entries in containers' lists */
} Audit;

static void audit_free(Audit *a)
{
    free(a->owners.slots);
    free(a->regions.slots);
    free(a->zombies.slots);
}

/* Every owner is in the list once and whole; every region is listed by its
 * owner once; zombies are listed nowhere; the counts agree. Resets the
 * recount fields on the way. */
static bool audit_collect(Audit *a, Error **errp)
{
    MemorySystem *ms = a->ms;
    ptrset_init(&a->owners, ms->nowners, &ms->audit_visits);
    ptrset_init(&a->regions, ms->nregions, &ms->audit_visits);
    ptrset_init(&a->zombies, ms->nzombies, &ms->audit_visits);
    size_t owners = 0, regions = 0;
    Owner *prev = NULL;
    for (Owner *o = ms->owners; o; prev = o, o = o->next) {
        ms->audit_visits++;
        if (++owners > ms->nowners || !ptrset_add(&a->owners, o) ||
            o->prev != prev) {
            error_setf(errp, "the list of owners is corrupt at '%s'", o->name);
            return false;
        }
        if (o->finalizing) {
            error_setf(errp, "owner '%s' is half finalized", o->name);
            return false;
        }
        o->audit_refs = o->external_refs + o->pins;
        for (size_t i = 0; i < o->nregions; i++) {
            MemoryRegion *mr = o->regions[i];
            ms->audit_visits++;
            /* The set of regions is sized by the count: one more would
             * fill it, and a full set never ends a probe. */
            if (++regions > ms->nregions) {
                error_setf(errp, "owner '%s' lists more regions than the %zu "
                           "that exist", o->name, ms->nregions);
                return false;
            }
            if (!ptrset_add(&a->regions, mr)) {
                error_setf(errp, "region '%s' listed twice", mr->name);
                return false;
            }
            if (mr->owner != o) {
                error_setf(errp, "region '%s' listed by owner '%s' but owned by '%s'",
                           mr->name, o->name, mr->owner->name);
                return false;
            }
            if (mr->destroyed) {
                error_setf(errp, "destroyed region '%s' still listed by owner '%s'",
                           mr->name, o->name);
                return false;
            }
            mr->audit_users = 0;
        }
    }
    for (size_t i = 0; i < ms->nzombies; i++) {
        MemoryRegion *z = ms->zombies[i];
        ms->audit_visits++;
        if (ptrset_has(&a->regions, z) || !ptrset_add(&a->zombies, z)) {
            error_setf(errp, "destroyed region '%s' is listed twice", z->name);
            return false;
        }
    }
    if (owners != ms->nowners || regions + ms->nzombies != ms->nregions) {
        error_setf(errp, "counted %zu owners and %zu regions, expected %zu and %zu",
                   owners, regions + ms->nzombies, ms->nowners, ms->nregions);
        return false;
    }
    return true;
}

/* A zombie waits only for views that may name it, and is out of the graph
 * (its owner may be gone: never read). */
static bool audit_zombies(Audit *a, Error **errp)
{
    MemorySystem *ms = a->ms;
    if (ms->nzombies && !ms->txn_depth && !ms->access_depth) {
        error_setf(errp, "destroyed region '%s' outlived every view that could "
                   "name it", ms->zombies[0]->name);
        return false;
    }
    if (ms->retired && !ms->access_depth) {
        error_setf(errp, "a retired view outlived the accesses that kept it");
        return false;
    }
    for (size_t i = 0; i < ms->nzombies; i++) {
        MemoryRegion *z = ms->zombies[i];
        if (!z->destroyed || z->container || z->nsubs || z->alias_target ||
            z->alias_users) {
            error_setf(errp, "destroyed region '%s' is still part of the graph",
                       z->name);
            return false;
        }
    }
    return true;
}

/* mr's links: symmetric, each listed once, in rendering order. Counts the
 * references links across owners hold. */
static bool audit_links(Audit *a, Owner *o, MemoryRegion *mr, Error **errp)
{
    if (mr->container) {
        if (!ptrset_has(&a->regions, mr->container)) {
            error_setf(errp, "region '%s' is mapped in a region that is not live",
                       mr->name);
            return false;
        }
        a->mapped++;
    }
    for (size_t j = 0; j < mr->nsubs; j++) {
        MemoryRegion *sub = mr->subs[j];
        a->ms->audit_visits++;
        a->links++;
        if (!ptrset_has(&a->regions, sub)) {
            error_setf(errp, "'%s' lists a subregion that is not a live region",
                       mr->name);
            return false;
        }
        if (sub->container != mr) {
            error_setf(errp, "'%s' lists '%s' as a subregion but it is not "
                       "linked back", mr->name, sub->name);
            return false;
        }
        if (sub->mark == a->gen) {
            error_setf(errp, "region '%s' listed twice by its container '%s'",
                       sub->name, mr->name);
            return false;
        }
        sub->mark = a->gen;
        if (j > 0) {
            MemoryRegion *prev = mr->subs[j - 1];
            bool ordered = prev->priority > sub->priority ||
                           (prev->priority == sub->priority &&
                            prev->link_seq > sub->link_seq);
            if (!ordered) {
                error_setf(errp, "subregions of '%s' out of order at '%s'",
                           mr->name, sub->name);
                return false;
            }
        }
        if (sub->owner != o)
            sub->owner->audit_refs++;
    }
    return true;
}

/* An alias points at a live region, holds a reference exactly when the
 * target has another owner, and is counted among the target's users. */
static bool audit_alias(Audit *a, Owner *o, MemoryRegion *mr, Error **errp)
{
    MemoryRegion *target = mr->alias_target;
    if (mr->kind != REGION_ALIAS) {
        if (target) {
            error_setf(errp, "'%s' is not an alias but has a target", mr->name);
            return false;
        }
        return true;
    }
    a->ms->audit_visits++;
    if (!target) {
        error_setf(errp, "alias '%s' has no target", mr->name);
        return false;
    }
    if (!ptrset_has(&a->regions, target)) {
        error_setf(errp, "alias '%s' points at a region that is not live "
                   "(destroyed or freed)", mr->name);
        return false;
    }
    if (mr->alias_holds_ref != (target->owner != o)) {
        error_setf(errp, "alias '%s' %s a reference on '%s''s owner '%s'",
                   mr->name, mr->alias_holds_ref ? "holds" : "does not hold",
                   target->name, target->owner->name);
        return false;
    }
    target->audit_users++;
    if (mr->alias_holds_ref)
        target->owner->audit_refs++;
    return true;
}

/* A view's ranges name live regions (or zombies) of live owners; each holds
 * a reference on its owner. */
static bool audit_view_refs(Audit *a, const FlatView *v, Error **errp)
{
    for (size_t i = 0; i < v->nranges; i++) {
        MemoryRegion *mr = v->ranges[i].mr;
        a->ms->audit_visits++;
        if (!ptrset_has(&a->regions, mr) && !ptrset_has(&a->zombies, mr)) {
            error_setf(errp, "flat range %zu names a freed region", i);
            return false;
        }
        if (!ptrset_has(&a->owners, mr->owner)) {
            error_setf(errp, "flat range %zu names '%s' of a dead owner", i,
                       mr->name);
            return false;
        }
        mr->owner->audit_refs++;
    }
    return true;
}

/* Every reason for a reference, recounted in one pass over the graph and
 * the views, must add up to each owner's refcount; every region's
 * alias_users must be the aliases that point at it. */
static bool audit_counts(Audit *a, Error **errp)
{
    MemorySystem *ms = a->ms;
    if (ms->root) {
        if (!ptrset_has(&a->regions, ms->root)) {
            error_setf(errp, "the root is not a live region");
            return false;
        }
        ms->root->owner->audit_refs++;
    }
    a->gen = ++ms->mark_gen;
    for (Owner *o = ms->owners; o; o = o->next)
        for (size_t i = 0; i < o->nregions; i++)
            if (!audit_links(a, o, o->regions[i], errp) ||
                !audit_alias(a, o, o->regions[i], errp))
                return false;
    if (a->links != a->mapped) {
        error_setf(errp, "%zu regions are mapped but containers list %zu",
                   a->mapped, a->links);
        return false;
    }
    if (!audit_view_refs(a, ms->view, errp))
        return false;
    for (const FlatView *v = ms->retired; v; v = v->next_retired)
        if (!audit_view_refs(a, v, errp))
            return false;
    for (Owner *o = ms->owners; o; o = o->next) {
        if (o->refcount != o->audit_refs) {
            error_setf(errp, "owner '%s' has refcount %u but %u reasons for it",
                       o->name, o->refcount, o->audit_refs);
            return false;
        }
        for (size_t i = 0; i < o->nregions; i++) {
            MemoryRegion *mr = o->regions[i];
            if (mr->alias_users != mr->audit_users) {
                error_setf(errp, "region '%s' counts %u alias users but %u "
                           "aliases point at it", mr->name, mr->alias_users,
                           mr->audit_users);
                return false;
            }
        }
    }
    return true;
}

/* Depth-first search with three colours (mark = in progress, +1 = done). */
static bool visit_owner(MemorySystem *ms, Owner *o, uint64_t grey,
                        Error **errp)
{
    if (o->mark == grey + 1)
        return true;
    if (o->mark == grey) {
        error_setf(errp, "owners form a reference cycle through '%s'", o->name);
        return false;
    }
    o->mark = grey;
    ms->audit_visits++;
    for (size_t i = 0; i < o->nregions; i++) {
        MemoryRegion *mr = o->regions[i];
        ms->audit_visits += 1 + mr->nsubs;
        for (size_t j = 0; j < mr->nsubs; j++)
            if (mr->subs[j]->owner != o &&
                !visit_owner(ms, mr->subs[j]->owner, grey, errp))
                return false;
        if (mr->alias_target && mr->alias_target->owner != o &&
            !visit_owner(ms, mr->alias_target->owner, grey, errp))
            return false;
    }
    o->mark = grey + 1;
    return true;
}

static bool audit_owner_cycles(MemorySystem *ms, Error **errp)
{
    ms->mark_gen += 2;
    uint64_t grey = ms->mark_gen - 1;
    for (Owner *it = ms->owners; it; it = it->next)
        if (it->mark != grey + 1 && !visit_owner(ms, it, grey, errp))
            return false;
    return true;
}

static bool same_range(const FlatRange *a, const FlatRange *b)
{
    return a->start == b->start && a->end == b->end && a->mr == b->mr &&
           a->offset == b->offset && a->readonly == b->readonly;
}

static bool audit_view(MemorySystem *ms, Error **errp)
{
    const FlatView *v = ms->view;
    for (size_t i = 0; i < v->nranges; i++) {
        const FlatRange *r = &v->ranges[i];
        ms->audit_visits++;
        if (r->start >= r->end || !region_is_terminal(r->mr) ||
            r->offset > r->mr->size ||
            r->end - r->start > r->mr->size - r->offset) {
            error_setf(errp, "flat range %zu (0x%llx-0x%llx, '%s') is malformed",
                       i, (unsigned long long)r->start,
                       (unsigned long long)r->end, r->mr->name);
            return false;
        }
        if (i > 0 && v->ranges[i - 1].end > r->start) {
            error_setf(errp, "flat ranges %zu and %zu overlap or are unsorted",
                       i - 1, i);
            return false;
        }
        if (i > 0 && flatrange_mergeable(&v->ranges[i - 1], r)) {
            error_setf(errp, "flat ranges %zu and %zu should have been merged",
                       i - 1, i);
            return false;
        }
    }
    if (ms->txn_depth || ms->dirty)
        return true;
    /* Outside a transaction the view must be what the graph renders. */
    FlatView *fresh = flatview_build(ms);
    ms->audit_visits += fresh->steps;
    bool same = fresh->nranges == v->nranges;
    for (size_t i = 0; same && i < v->nranges; i++)
        same = same_range(&fresh->ranges[i], &v->ranges[i]);
    flatview_discard(fresh);
    if (!same)
        error_setf(errp, "the flat view is stale: the graph renders differently");
    return same;
}

bool memory_audit(MemorySystem *ms, Error **errp)
{
    Audit a = {.ms = ms};
    bool ok = audit_collect(&a, errp) && audit_zombies(&a, errp) &&
              audit_counts(&a, errp);
    audit_free(&a);
    return ok && audit_owner_cycles(ms, errp) && audit_view(ms, errp);
}

/* ---- tree ---- */

typedef struct Text {
    char *buf;
    size_t len, cap;
} Text;

__attribute__((format(printf, 2, 3)))
static void text_printf(Text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if (t->len + (size_t)n + 1 > t->cap) {
        t->cap = (t->len + (size_t)n + 1) * 2;
        t->buf = xreallocarray(t->buf, t->cap, 1);
    }
    va_start(ap, fmt);
    vsnprintf(t->buf + t->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    t->len += (size_t)n;
}

static void tree_region(Text *t, const MemoryRegion *mr, uint64_t base,
                        int depth)
{
    uint64_t last = base + (mr->size ? mr->size - 1 : 0);
    text_printf(t, "%*s%016llx-%016llx (prio %d, %s%s%s): %s [owner %s]",
                2 * depth, "", (unsigned long long)base,
                (unsigned long long)last, mr->priority, region_kind_name(mr->kind),
                mr->readonly && mr->kind != REGION_ROM ? ", readonly" : "",
                mr->enabled ? "" : ", disabled", mr->name, mr->owner->name);
    if (mr->kind == REGION_ALIAS && mr->alias_target)
        text_printf(t, " -> %s @%016llx", mr->alias_target->name,
                    (unsigned long long)mr->alias_offset);
    text_printf(t, "\n");
    /* Lowest address first reads best; ties keep rendering order. */
    size_t n = mr->nsubs;
    const MemoryRegion **order = xreallocarray(NULL, n, sizeof *order);
    for (size_t i = 0; i < n; i++)
        order[i] = mr->subs[i];
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && order[j - 1]->addr > order[j]->addr; j--) {
            const MemoryRegion *tmp = order[j];
            order[j] = order[j - 1];
            order[j - 1] = tmp;
        }
    for (size_t i = 0; i < n; i++)
        tree_region(t, order[i], base + order[i]->addr, depth + 1);
    free(order);
}

char *memory_tree(MemorySystem *ms)
{
    Text t = {0};
    text_printf(&t, "address-space: %s\n",
                ms->root ? ms->root->name : "(no root)");
    if (ms->root)
        tree_region(&t, ms->root, 0, 1);
    text_printf(&t, "flat view:\n");
    for (size_t i = 0; i < ms->view->nranges; i++) {
        const FlatRange *r = &ms->view->ranges[i];
        text_printf(&t, "  %08llx-%08llx %s %s+%llx%s\n",
                    (unsigned long long)r->start, (unsigned long long)(r->end - 1),
                    region_kind_name(r->mr->kind), r->mr->name,
                    (unsigned long long)r->offset, r->readonly ? " ro" : "");
    }
    if (!t.buf)
        text_printf(&t, "%s", "");
    return t.buf;
}
