/* The first overlap among address ranges, in n log n however many there
 * are: the board loader's memories, the machine's blocks and an ELF's
 * segments each ask it, and each words its own message. */
#ifndef SOC_OVERLAP_H
#define SOC_OVERLAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct Span {
    uint64_t base, size; /* [base, base + size), size > 0 */
} Span;

/* True when two of the n spans share an address. Sorted by base (then
 * index), some neighbours overlap whenever any two spans do (a span
 * overlapping one further on overlaps its successor); the first such pair
 * in that order is the one found: *earlier and *later are its indexes in
 * `spans`, earlier < later. */
bool overlap_find(const Span *spans, size_t n, size_t *earlier,
                  size_t *later);

#endif
