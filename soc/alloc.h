/* Allocation that aborts when the host is out of memory: the simulator
 * cannot go on without it, and every caller would only abort too. */
#ifndef SOC_ALLOC_H
#define SOC_ALLOC_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline void *xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p)
        abort();
    return p;
}

static inline void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        abort();
    return p;
}

static inline void *xrealloc(void *p, size_t size)
{
    p = realloc(p, size ? size : 1);
    if (!p)
        abort();
    return p;
}

/* An array of n elements of `size` bytes, the product checked. */
static inline void *xreallocarray(void *p, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        abort();
    return xrealloc(p, n * size);
}

static inline char *xstrndup(const char *s, size_t n)
{
    char *copy = strndup(s, n);
    if (!copy)
        abort();
    return copy;
}

/* A malloc'd formatted string. */
__attribute__((format(printf, 1, 2))) static inline char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    char *text;
    va_start(ap, fmt);
    int n = vasprintf(&text, fmt, ap);
    va_end(ap);
    if (n < 0)
        abort();
    return text;
}

static inline char *xstrdup(const char *s)
{
    char *copy = strdup(s ? s : "");
    if (!copy)
        abort();
    return copy;
}

#endif
