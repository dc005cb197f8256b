/* memory_audit (rule R8) and the `info mtree`-style tree. */
#include "soc/memory_internal.h"

#include <stdarg.h>
#include <string.h>

/* ---- audit ---- */

static bool owner_is_live(MemorySystem *ms, const Owner *owner)
{
    for (Owner *o = ms->owners; o; o = o->next)
        if (o == owner)
            return true;
    return false;
}

static unsigned view_refs_on(const FlatView *v, const Owner *o)
{
    unsigned n = 0;
    for (size_t i = 0; i < v->nranges; i++)
        n += v->ranges[i].mr->owner == o;
    return n;
}

/* Every reason an owner is referenced, counted from the graph. */
static unsigned expected_refcount(MemorySystem *ms, const Owner *target)
{
    unsigned n = target->external_refs;
    if (ms->root && ms->root->owner == target)
        n++;
    n += view_refs_on(ms->view, target);
    for (const FlatView *v = ms->retired; v; v = v->next_retired)
        n += view_refs_on(v, target);
    for (Owner *o = ms->owners; o; o = o->next) {
        if (o == target)
            continue;
        for (size_t i = 0; i < o->nregions; i++) {
            MemoryRegion *mr = o->regions[i];
            for (size_t j = 0; j < mr->nsubs; j++)
                n += mr->subs[j]->owner == target;
            n += mr->alias_target && mr->alias_target->owner == target;
        }
    }
    return n;
}

static bool audit_region(MemorySystem *ms, Owner *o, MemoryRegion *mr,
                         Error **errp)
{
    if (mr->owner != o) {
        error_setf(errp, "region '%s' listed by owner '%s' but owned by '%s'",
                   mr->name, o->name, mr->owner->name);
        return false;
    }
    if (mr->container) {
        size_t seen = 0;
        for (size_t j = 0; j < mr->container->nsubs; j++)
            seen += mr->container->subs[j] == mr;
        if (seen != 1) {
            error_setf(errp, "region '%s' listed %zu times by its container '%s'",
                       mr->name, seen, mr->container->name);
            return false;
        }
        if (!owner_is_live(ms, mr->container->owner)) {
            error_setf(errp, "region '%s' mapped in a region of a dead owner",
                       mr->name);
            return false;
        }
    }
    for (size_t j = 0; j < mr->nsubs; j++) {
        MemoryRegion *sub = mr->subs[j];
        if (sub->container != mr) {
            error_setf(errp, "'%s' lists '%s' as a subregion but it is not "
                       "linked back", mr->name, sub->name);
            return false;
        }
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
    }
    if (mr->kind == REGION_ALIAS && !mr->alias_target) {
        error_setf(errp, "alias '%s' has no target", mr->name);
        return false;
    }
    return true;
}

static bool audit_owner(MemorySystem *ms, Owner *o, Error **errp)
{
    for (size_t i = 0; i < o->nregions; i++)
        if (!audit_region(ms, o, o->regions[i], errp))
            return false;
    unsigned expected = expected_refcount(ms, o);
    if (o->refcount != expected) {
        error_setf(errp, "owner '%s' has refcount %u but %u reasons for it",
                   o->name, o->refcount, expected);
        return false;
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
    for (size_t i = 0; i < o->nregions; i++) {
        MemoryRegion *mr = o->regions[i];
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
        if (r->start >= r->end || !region_is_terminal(r->mr) ||
            r->offset + (r->end - r->start) > r->mr->size) {
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
        if (i > 0 && v->ranges[i - 1].end == r->start &&
            v->ranges[i - 1].mr == r->mr &&
            v->ranges[i - 1].readonly == r->readonly &&
            v->ranges[i - 1].offset + (v->ranges[i - 1].end - v->ranges[i - 1].start) == r->offset) {
            error_setf(errp, "flat ranges %zu and %zu should have been merged",
                       i - 1, i);
            return false;
        }
    }
    if (ms->txn_depth || ms->dirty)
        return true;
    /* Outside a transaction the view must be what the graph renders. */
    FlatView *fresh = flatview_build(ms);
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
    size_t owners = 0, regions = 0;
    for (Owner *o = ms->owners; o; o = o->next) {
        owners++;
        regions += o->nregions;
        if (o->finalizing) {
            error_setf(errp, "owner '%s' is half finalized", o->name);
            return false;
        }
        if (!audit_owner(ms, o, errp))
            return false;
    }
    if (owners != ms->nowners || regions + ms->nzombies != ms->nregions) {
        error_setf(errp, "counted %zu owners and %zu regions, expected %zu and %zu",
                   owners, regions + ms->nzombies, ms->nowners, ms->nregions);
        return false;
    }
    return audit_owner_cycles(ms, errp) && audit_view(ms, errp);
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
        t->buf = mem_xrealloc(t->buf, t->cap, 1);
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
    const MemoryRegion **order = mem_xrealloc(NULL, n, sizeof *order);
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
