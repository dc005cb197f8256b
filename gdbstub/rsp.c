/* The RSP packet layer: framing, checksums, +/- acknowledgements,
 * run-length decoding, console output, and the Ctrl-C poll.
 *
 * Incoming "$payload#cs": a '$' inside a payload restarts the packet
 * (resynchronisation), bytes outside packets are ignored except '-'
 * (resend the last packet) and 0x03 (ignored while halted). RLE ("x*n":
 * n - 29 more copies of x) is expanded; '}' escapes are kept for the
 * binary packets (X) to undo. Acks are sent but never awaited.
 */
#include "gdbstub/gdbstub_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---- buffers and hex ---- */

static void buf_reserve(GdbBuf *b, size_t more)
{
    if (b->len + more + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + more + 1)
        cap *= 2;
    char *grown = realloc(b->data, cap);
    if (!grown)
        abort();
    b->data = grown;
    b->cap = cap;
}

void gdb_buf_put(GdbBuf *b, const void *data, size_t len)
{
    buf_reserve(b, len);
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = 0;
}

void gdb_buf_puts(GdbBuf *b, const char *s)
{
    gdb_buf_put(b, s, strlen(s));
}

void gdb_buf_printf(GdbBuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    buf_reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void gdb_buf_hex(GdbBuf *b, const void *data, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    const uint8_t *p = data;
    buf_reserve(b, 2 * len);
    for (size_t i = 0; i < len; i++) {
        b->data[b->len++] = digits[p[i] >> 4];
        b->data[b->len++] = digits[p[i] & 15];
    }
    b->data[b->len] = 0;
}

void gdb_buf_clear(GdbBuf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = 0;
}

void gdb_buf_free(GdbBuf *b)
{
    free(b->data);
    *b = (GdbBuf){0};
}

int gdb_hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool gdb_unhex(const char *hex, size_t len, uint8_t *out)
{
    for (size_t i = 0; i < len; i++) {
        int hi = gdb_hexval((unsigned char)hex[2 * i]);
        int lo = hi < 0 ? -1 : gdb_hexval((unsigned char)hex[2 * i + 1]);
        if (lo < 0)
            return false;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

/* ---- connection ---- */

void rsp_init(RspConn *c, int fd)
{
    memset(c, 0, offsetof(RspConn, in));
    c->fd = fd;
    c->in_pos = c->in_len = 0;
    c->pkt_len = 0;
    c->pkt[0] = 0;
    c->last = (GdbBuf){0};
}

void rsp_fini(RspConn *c)
{
    gdb_buf_free(&c->last);
}

static void write_all(RspConn *c, const void *data, size_t len)
{
    const char *p = data;
    while (!c->broken && len) {
        ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            c->broken = true;
            return;
        }
        p += n;
        len -= (size_t)n;
    }
}

/* Next byte: -1 at EOF/error, -2 when none is ready and !block. */
static int next_byte(RspConn *c, bool block)
{
    if (c->in_pos < c->in_len)
        return c->in[c->in_pos++];
    if (c->eof || c->broken)
        return -1;
    for (;;) {
        ssize_t n = recv(c->fd, c->in, sizeof c->in, block ? 0 : MSG_DONTWAIT);
        if (n > 0) {
            c->in_pos = 1;
            c->in_len = (size_t)n;
            return c->in[0];
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && !block && (errno == EAGAIN || errno == EWOULDBLOCK))
            return -2;
        c->eof = true;
        return -1;
    }
}

/* Expands run-length encoding; '}' pairs are copied untouched. */
static bool rle_decode(RspConn *c, size_t raw_len)
{
    size_t o = 0;
    for (size_t i = 0; i < raw_len; i++) {
        char ch = c->raw[i];
        if (ch == '}' && i + 1 < raw_len) {
            if (o + 2 > RSP_DECODED_MAX)
                return false;
            c->pkt[o++] = ch;
            c->pkt[o++] = c->raw[++i];
            continue;
        }
        if (ch == '*' && o > 0 && i + 1 < raw_len &&
            (unsigned char)c->raw[i + 1] >= 29 + 3 &&
            (unsigned char)c->raw[i + 1] <= 126) {
            size_t n = (size_t)((unsigned char)c->raw[++i] - 29);
            if (o + n > RSP_DECODED_MAX)
                return false;
            memset(c->pkt + o, c->pkt[o - 1], n);
            o += n;
            continue;
        }
        if (o + 1 > RSP_DECODED_MAX)
            return false;
        c->pkt[o++] = ch;
    }
    c->pkt[o] = 0;
    c->pkt_len = o;
    return true;
}

bool rsp_read_packet(RspConn *c)
{
    for (;;) {
        int ch;
        /* Outside a packet. */
        do {
            ch = next_byte(c, true);
            if (ch < 0)
                return false;
            if (ch == '-' && !c->noack && c->last.len)
                write_all(c, c->last.data, c->last.len);
        } while (ch != '$');
    restart:;
        size_t raw_len = 0;
        bool overlong = false;
        unsigned sum = 0;
        for (;;) {
            ch = next_byte(c, true);
            if (ch < 0)
                return false;
            if (ch == '$')
                goto restart;
            if (ch == '#')
                break;
            sum += (unsigned)ch;
            if (raw_len < RSP_RAW_MAX)
                c->raw[raw_len++] = (char)ch;
            else
                overlong = true;
        }
        int h = next_byte(c, true);
        if (h < 0)
            return false;
        int l = next_byte(c, true);
        if (l < 0)
            return false;
        int hv = gdb_hexval(h), lv = gdb_hexval(l);
        bool good = hv >= 0 && lv >= 0 && (unsigned)(hv << 4 | lv) == (sum & 0xff);
        if (!good && !c->noack) {
            write_all(c, "-", 1);
            continue;
        }
        /* In no-ack mode the checksum is not relied upon (TCP is). */
        if (!overlong && !rle_decode(c, raw_len))
            overlong = true;
        if (!c->noack)
            write_all(c, "+", 1);
        if (overlong) {
            rsp_send_str(c, "E01");
            continue;
        }
        return true;
    }
}

void rsp_send(RspConn *c, const char *data, size_t len)
{
    unsigned sum = 0;
    for (size_t i = 0; i < len; i++)
        sum += (unsigned char)data[i];
    gdb_buf_clear(&c->last);
    gdb_buf_put(&c->last, "$", 1);
    gdb_buf_put(&c->last, data, len);
    gdb_buf_printf(&c->last, "#%02x", sum & 0xff);
    write_all(c, c->last.data, c->last.len);
}

void rsp_send_str(RspConn *c, const char *s)
{
    rsp_send(c, s, strlen(s));
}

void rsp_send_console(RspConn *c, const char *text, size_t len)
{
    GdbBuf b = {0};
    while (len) {
        size_t n = len < 512 ? len : 512;
        gdb_buf_clear(&b);
        gdb_buf_put(&b, "O", 1);
        gdb_buf_hex(&b, text, n);
        rsp_send(c, b.data, b.len);
        text += n;
        len -= n;
    }
    gdb_buf_free(&b);
}

bool rsp_poll_interrupt(RspConn *c)
{
    /* Take what has arrived into the buffer (compacting it first). */
    if (c->in_pos > 0) {
        memmove(c->in, c->in + c->in_pos, c->in_len - c->in_pos);
        c->in_len -= c->in_pos;
        c->in_pos = 0;
    }
    while (!c->eof && !c->broken && c->in_len < sizeof c->in) {
        ssize_t n = recv(c->fd, c->in + c->in_len, sizeof c->in - c->in_len,
                         MSG_DONTWAIT);
        if (n > 0) {
            c->in_len += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        c->eof = true;
    }
    void *hit = memchr(c->in, 0x03, c->in_len);
    if (hit) {
        size_t at = (size_t)((uint8_t *)hit - c->in);
        memmove(c->in + at, c->in + at + 1, c->in_len - at - 1);
        c->in_len--;
        return true;
    }
    return rsp_gone(c);
}

bool rsp_gone(const RspConn *c)
{
    return c->broken || (c->eof && c->in_pos >= c->in_len);
}
