/* Snapshot bytes: a growing writer, a bounded reader (state_io.h). */
#include "soc/state_io.h"

#include <string.h>

#include "soc/alloc.h"

#define STATE_MAGIC0 'M'
#define STATE_MAGIC1 'S'

/* ---- writing ---- */

void state_put(StateWriter *w, const void *bytes, size_t n)
{
    if (w->len + n > w->cap) {
        w->cap = (w->len + n) * 2 + 64;
        w->data = xrealloc(w->data, w->cap);
    }
    if (n)
        memcpy(w->data + w->len, bytes, n);
    w->len += n;
}

void state_put_u8(StateWriter *w, uint8_t v)
{
    state_put(w, &v, 1);
}

void state_put_u32(StateWriter *w, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    state_put(w, b, 4);
}

void state_put_u64(StateWriter *w, uint64_t v)
{
    state_put_u32(w, (uint32_t)v);
    state_put_u32(w, (uint32_t)(v >> 32));
}

void state_put_blob(StateWriter *w, const void *bytes, size_t n)
{
    state_put_u32(w, (uint32_t)n);
    state_put(w, bytes, n);
}

void state_put_str(StateWriter *w, const char *s)
{
    state_put_blob(w, s, strlen(s));
}

uint8_t *state_take(StateWriter *w, size_t *len)
{
    uint8_t *data = w->data ? w->data : xcalloc(1, 1);
    *len = w->len;
    *w = (StateWriter){0};
    return data;
}

/* ---- reading ---- */

void state_reader_init(StateReader *r, const uint8_t *data, size_t len)
{
    *r = (StateReader){.p = data, .end = data + len};
}

bool state_get(StateReader *r, void *out, size_t n)
{
    if (r->truncated || (size_t)(r->end - r->p) < n) {
        r->truncated = true;
        memset(out, 0, n);
        return false;
    }
    memcpy(out, r->p, n);
    r->p += n;
    return true;
}

uint8_t state_get_u8(StateReader *r)
{
    uint8_t v;
    state_get(r, &v, 1);
    return v;
}

uint32_t state_get_u32(StateReader *r)
{
    uint8_t b[4];
    state_get(r, b, 4);
    return b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

uint64_t state_get_u64(StateReader *r)
{
    uint64_t lo = state_get_u32(r);
    return lo | (uint64_t)state_get_u32(r) << 32;
}

const uint8_t *state_get_blob(StateReader *r, size_t *n)
{
    uint32_t len = state_get_u32(r);
    *n = 0;
    if (r->truncated || (size_t)(r->end - r->p) < len) {
        r->truncated = true;
        return NULL;
    }
    const uint8_t *data = r->p;
    r->p += len;
    *n = len;
    return data;
}

bool state_get_str_is(StateReader *r, const char *s)
{
    size_t n;
    const uint8_t *bytes = state_get_blob(r, &n);
    return bytes && n == strlen(s) && memcmp(bytes, s, n) == 0;
}

void state_get_str(StateReader *r, char *buf, size_t size)
{
    size_t n;
    const uint8_t *bytes = state_get_blob(r, &n);
    if (!size)
        return;
    if (n >= size)
        n = size - 1;
    if (n)
        memcpy(buf, bytes, n);
    buf[n] = '\0';
    /* a NUL inside would cut the name short: show it as a '?' */
    for (size_t i = 0; i < n; i++)
        if (buf[i] == '\0')
            buf[i] = '?';
}

/* ---- the envelope ---- */

void state_begin(StateWriter *w, const char *type, uint32_t version)
{
    state_put_u8(w, STATE_MAGIC0);
    state_put_u8(w, STATE_MAGIC1);
    state_put_str(w, type);
    state_put_u32(w, version);
}

bool state_open(StateReader *r, const char *type, uint32_t version,
                const uint8_t *data, size_t len, Error **errp)
{
    state_reader_init(r, data, len);
    uint8_t m0 = state_get_u8(r), m1 = state_get_u8(r);
    if (r->truncated || m0 != STATE_MAGIC0 || m1 != STATE_MAGIC1) {
        error_setf(errp, "%s: not a device's saved state", type);
        return false;
    }
    StateReader name = *r;
    if (!state_get_str_is(r, type)) {
        char other[64];
        state_get_str(&name, other, sizeof other);
        if (r->truncated)
            error_setf(errp, "%s: saved state is truncated", type);
        else
            error_setf(errp, "%s: saved state is of '%s'", type, other);
        return false;
    }
    uint32_t got = state_get_u32(r);
    if (r->truncated) {
        error_setf(errp, "%s: saved state is truncated", type);
        return false;
    }
    if (got != version) {
        error_setf(errp, "%s: saved state has layout version %u, this model "
                   "reads %u", type, got, version);
        return false;
    }
    return true;
}

bool state_end(const StateReader *r, const char *type, Error **errp)
{
    if (r->truncated) {
        error_setf(errp, "%s: saved state is truncated", type);
        return false;
    }
    if (r->p != r->end) {
        error_setf(errp, "%s: saved state has %zu bytes left over", type,
                   (size_t)(r->end - r->p));
        return false;
    }
    return true;
}

bool state_bools_ok(const void *b, size_t n)
{
    const unsigned char *bytes = b;
    for (size_t i = 0; i < n; i++)
        if (bytes[i] > 1)
            return false;
    return true;
}
