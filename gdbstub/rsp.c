/* The RSP packet layer: framing, checksums, +/- acknowledgements,
 * run-length decoding, console output, and what arrives while the target
 * runs.
 *
 * Incoming "$payload#cs": a '$' inside a payload restarts the packet
 * (resynchronisation), bytes outside packets are ignored except '-'
 * (resend the last packet) and 0x03 (ignored while halted). RLE ("x*n":
 * n - 29 more copies of x) is expanded; '}' escapes are kept for the
 * binary packets (X) to undo. Acks are sent but never awaited.
 *
 * Every byte goes through one parser (feed), byte by byte, so reading
 * never depends on what a buffer can hold. While the target runs
 * (rsp_poll) a 0x03 anywhere, even inside a packet, stops it; whole
 * packets are acknowledged and wait in arrival order for the stop (a
 * stray packet is answered after the stop reply, as if sent after it);
 * corrupt ones are dropped without a NAK (nothing is owed while running).
 */
#include "gdbstub/gdbstub_internal.h"
#include "soc/alloc.h"

#include <assert.h>
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
    char *grown = xrealloc(b->data, cap);
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

/* The length recorded for a packet too long for the buffers: its turn
 * is answered E01. */
#define RSP_OVERLONG SIZE_MAX

void rsp_init(RspConn *c, int fd)
{
    memset(c, 0, sizeof *c);
    c->fd = fd;
    c->state = RSP_IDLE;
}

void rsp_init_script(RspConn *c, const uint8_t *script, size_t len, GdbBuf *sent)
{
    rsp_init(c, -1);
    c->script = script;
    c->script_len = len;
    c->sent = sent;
}

void rsp_fini(RspConn *c)
{
    gdb_buf_free(&c->last);
    gdb_buf_free(&c->waiting);
}

static void write_all(RspConn *c, const void *data, size_t len)
{
    if (c->fd < 0) {
        if (c->sent)
            gdb_buf_put(c->sent, data, len);
        return;
    }
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

/* Refills c->in from the peer: 1 when bytes came, 0 at EOF (or an
 * error), -1 when none are ready and !block. */
static int fill(RspConn *c, bool block)
{
    if (c->fd < 0) {
        size_t n = c->script_len < sizeof c->in ? c->script_len : sizeof c->in;
        if (n == 0) {
            c->eof = true;
            return 0;
        }
        memcpy(c->in, c->script, n);
        c->script += n;
        c->script_len -= n;
        c->in_pos = 0;
        c->in_len = n;
        return 1;
    }
    for (;;) {
        ssize_t n = recv(c->fd, c->in, sizeof c->in, block ? 0 : MSG_DONTWAIT);
        if (n > 0) {
            c->in_pos = 0;
            c->in_len = (size_t)n;
            return 1;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && !block && (errno == EAGAIN || errno == EWOULDBLOCK))
            return -1;
        c->eof = true;
        return 0;
    }
}

/* Next byte: -1 at EOF/error, -2 when none is ready and !block. */
static int next_byte(RspConn *c, bool block)
{
    if (c->in_pos == c->in_len) {
        if (c->eof || c->broken)
            return -1;
        int r = fill(c, block);
        if (r <= 0)
            return r == 0 ? -1 : -2;
    }
    return c->in[c->in_pos++];
}

/* Expands run-length encoding into c->decoded; '}' pairs are copied
 * untouched. False when the result does not fit. */
static bool rle_decode(RspConn *c, size_t *len)
{
    size_t o = 0;
    for (size_t i = 0; i < c->raw_len; i++) {
        char ch = c->raw[i];
        if (ch == '}' && i + 1 < c->raw_len) {
            if (o + 2 > RSP_DECODED_MAX)
                return false;
            c->decoded[o++] = ch;
            c->decoded[o++] = c->raw[++i];
            continue;
        }
        if (ch == '*' && o > 0 && i + 1 < c->raw_len &&
            (unsigned char)c->raw[i + 1] >= 29 + 3 &&
            (unsigned char)c->raw[i + 1] <= 126) {
            size_t n = (size_t)((unsigned char)c->raw[++i] - 29);
            if (o + n > RSP_DECODED_MAX)
                return false;
            memset(c->decoded + o, c->decoded[o - 1], n);
            o += n;
            continue;
        }
        if (o + 1 > RSP_DECODED_MAX)
            return false;
        c->decoded[o++] = ch;
    }
    *len = o;
    return true;
}

static size_t waiting_bytes(const RspConn *c)
{
    return c->waiting.len - c->waiting_pos;
}

static void enqueue(RspConn *c, const char *data, size_t len)
{
    gdb_buf_put(&c->waiting, &len, sizeof len);
    if (len != RSP_OVERLONG)
        gdb_buf_put(&c->waiting, data, len);
}

/* Once the packets already handled take up half the queue, the unread
 * ones move to its start: a client that never lets the queue run dry
 * (packets arriving during every run) must not make it grow with all the
 * traffic that ever passed through it. Each move copies fewer bytes than
 * were read since the last, so the cost stays linear in the traffic. */
static void compact_waiting(RspConn *c)
{
    if (c->waiting_pos <= c->waiting.len / 2)
        return;
    size_t unread = waiting_bytes(c);
    memmove(c->waiting.data, c->waiting.data + c->waiting_pos, unread);
    c->waiting.len = unread;
    c->waiting.data[unread] = 0;
    c->waiting_pos = 0;
}

/* Moves the oldest waiting packet into c->pkt (answering the overlong
 * ones E01 on the way); false when none waits. */
static bool dequeue(RspConn *c)
{
    bool found = false;
    while (!found && waiting_bytes(c) > 0) {
        size_t len;
        memcpy(&len, c->waiting.data + c->waiting_pos, sizeof len);
        c->waiting_pos += sizeof len;
        if (len == RSP_OVERLONG) {
            rsp_send_str(c, "E01");
            continue;
        }
        memcpy(c->pkt, c->waiting.data + c->waiting_pos, len);
        c->pkt[len] = 0;
        c->pkt_len = len;
        c->waiting_pos += len;
        found = true;
    }
    compact_waiting(c);
    return found;
}

static void start_packet(RspConn *c)
{
    c->state = RSP_BODY;
    c->raw_len = 0;
    c->overlong = false;
    c->sum = 0;
}

/* The second checksum digit arrived: acknowledge and queue the packet,
 * or NAK it. */
static void end_packet(RspConn *c, int lo)
{
    int hv = gdb_hexval(c->csum_hi), lv = gdb_hexval(lo);
    bool good = hv >= 0 && lv >= 0 && (unsigned)(hv << 4 | lv) == (c->sum & 0xff);
    /* In no-ack mode the checksum is not relied upon (TCP is). */
    if (!good && !c->noack) {
        if (!c->running)
            write_all(c, "-", 1);
        return;
    }
    size_t len = 0;
    if (c->overlong || !rle_decode(c, &len))
        len = RSP_OVERLONG;
    size_t need = sizeof len + (len == RSP_OVERLONG ? 0 : len);
    if (c->running && waiting_bytes(c) + need > RSP_WAITING_MAX)
        return; /* a flood while running: dropped, unacknowledged */
    if (!c->noack)
        write_all(c, "+", 1);
    enqueue(c, c->decoded, len);
}

/* Takes one byte from the peer. True when it is a 0x03 that interrupts
 * the running target. */
static bool feed(RspConn *c, uint8_t ch)
{
    if (ch == 0x03 && c->running) {
        c->state = RSP_IDLE; /* a packet cut by Ctrl-C is dropped */
        return true;
    }
    switch (c->state) {
    case RSP_IDLE:
        if (ch == '$')
            start_packet(c);
        else if (ch == '-' && !c->running && !c->noack && c->last.len)
            write_all(c, c->last.data, c->last.len);
        break;
    case RSP_BODY:
        if (ch == '$') {
            start_packet(c);
        } else if (ch == '#') {
            c->state = RSP_CSUM_HI;
        } else {
            c->sum += ch;
            if (c->raw_len < RSP_RAW_MAX)
                c->raw[c->raw_len++] = (char)ch;
            else
                c->overlong = true;
        }
        break;
    case RSP_CSUM_HI:
        c->csum_hi = ch;
        c->state = RSP_CSUM_LO;
        break;
    case RSP_CSUM_LO:
        c->state = RSP_IDLE;
        end_packet(c, ch);
        break;
    }
    return false;
}

bool rsp_read_packet(RspConn *c)
{
    for (;;) {
        if (dequeue(c))
            return true;
        int ch = next_byte(c, true);
        if (ch < 0)
            return false;
        feed(c, (uint8_t)ch);
    }
}

RspPoll rsp_poll(RspConn *c)
{
    for (size_t budget = RSP_POLL_BUDGET; budget > 0; budget--) {
        int ch = next_byte(c, false);
        if (ch == -2)
            return RSP_POLL_NOTHING;
        if (ch < 0)
            return RSP_POLL_GONE;
        if (feed(c, (uint8_t)ch))
            return RSP_POLL_INTERRUPT;
    }
    return RSP_POLL_NOTHING;
}

bool rsp_gone(const RspConn *c)
{
    return c->broken ||
           (c->eof && c->in_pos >= c->in_len && waiting_bytes(c) == 0);
}

void rsp_send(RspConn *c, const char *data, size_t len)
{
    assert(len <= RSP_REPLY_MAX); /* each handler sizes its reply to fit */
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
        size_t n = len < RSP_HEX_FITS(1) ? len : RSP_HEX_FITS(1);
        gdb_buf_clear(&b);
        gdb_buf_put(&b, "O", 1);
        gdb_buf_hex(&b, text, n);
        rsp_send(c, b.data, b.len);
        text += n;
        len -= n;
    }
    gdb_buf_free(&b);
}
