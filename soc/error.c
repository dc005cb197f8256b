#include "soc/error.h"
#include "soc/alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct Error {
    char *message;
};

static char *vformat(const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int len = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (len < 0)
        len = 0;
    char *text = xmalloc((size_t)len + 1);
    vsnprintf(text, (size_t)len + 1, fmt, ap);
    return text;
}

void error_vsetf(Error **errp, const char *fmt, va_list ap)
{
    if (!errp || *errp)
        return;
    Error *err = xmalloc(sizeof *err);
    err->message = vformat(fmt, ap);
    *errp = err;
}

void error_setf(Error **errp, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    error_vsetf(errp, fmt, ap);
    va_end(ap);
}

void error_prepend(Error **errp, const char *fmt, ...)
{
    if (!errp || !*errp)
        return;
    va_list ap;
    va_start(ap, fmt);
    char *prefix = vformat(fmt, ap);
    va_end(ap);
    Error *err = *errp;
    size_t plen = strlen(prefix), mlen = strlen(err->message);
    char *joined = xmalloc(plen + mlen + 1);
    memcpy(joined, prefix, plen);
    memcpy(joined + plen, err->message, mlen + 1);
    free(prefix);
    free(err->message);
    err->message = joined;
}

const char *error_message(const Error *err)
{
    return err ? err->message : "";
}

void error_propagate(Error **dst, Error *src)
{
    if (!src)
        return;
    if (dst && !*dst) {
        *dst = src;
        return;
    }
    error_free(src);
}

void error_free(Error *err)
{
    if (!err)
        return;
    free(err->message);
    free(err);
}
