/* The first overlap among address ranges (soc/overlap.h). */
#include "soc/overlap.h"
#include "soc/alloc.h"

#include <stdlib.h>

typedef struct Key {
    uint64_t base;
    size_t index;
} Key;

static int by_base_then_index(const void *a, const void *b)
{
    const Key *x = a, *y = b;
    if (x->base != y->base)
        return x->base < y->base ? -1 : 1;
    return (x->index > y->index) - (x->index < y->index);
}

bool overlap_find(const Span *spans, size_t n, size_t *earlier,
                  size_t *later)
{
    Key *order = xcalloc(n ? n : 1, sizeof *order);
    for (size_t i = 0; i < n; i++)
        order[i] = (Key){ spans[i].base, i };
    qsort(order, n, sizeof *order, by_base_then_index);
    bool found = false;
    for (size_t k = 1; !found && k < n; k++) {
        const Key *lo = &order[k - 1], *hi = &order[k];
        /* hi->base >= lo->base: the difference cannot wrap */
        if (hi->base - lo->base < spans[lo->index].size) {
            *earlier = lo->index < hi->index ? lo->index : hi->index;
            *later = lo->index < hi->index ? hi->index : lo->index;
            found = true;
        }
    }
    free(order);
    return found;
}
