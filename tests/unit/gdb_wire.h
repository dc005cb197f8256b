/* The fixture and the wire of the GDB stub's unit tests
 * (test_gdbstub_packets.c, test_gdbstub_session.c): each session writes a
 * whole conversation into one end of a socketpair, shuts that end for
 * writing and lets gdb_server_serve_fd answer on the other; the replies
 * are then split into acks and packets (checksums verified, each within
 * PacketSize) and compared. The target is the small machine of
 * tests/fuzz/rig.h (RAM, RAM at the top of the address space, an RV32
 * hart running a few instructions); some tests go over real TCP on
 * 127.0.0.1. Single threaded: no pthread needed. Header-only (static
 * inline): each test file is one binary of its own.
 */
#ifndef TESTS_UNIT_GDB_WIRE_H
#define TESTS_UNIT_GDB_WIRE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gdbstub/gdbstub_internal.h"
#include "tests/fuzz/rig.h"

enum {
    RAM_BASE = 0x80000000u,
    RAM_SIZE = 0x10000u,
    TOP_BASE = 0xfffff000u, /* RAM at the very top of the address space */
    DATA = 0x80002000u,
    A0 = 10,
};

/* 0: addi a0,zero,1  4: addi a0,a0,1  8: lui t0,0x80002  c: sw a0,0(t0)
 * 10: j . */
static const uint32_t program[] = {0x00100513, 0x00150513, 0x800022b7,
                                   0x00a2a023, 0x0000006f};

typedef struct Fixture {
    Rig rig;          /* the machine; rig.gs is the server under test */
    GdbTarget target; /* what rig.gs was made with (use_resume changes it) */
    /* target callbacks */
    bool exited;
    int status;
    int monitor_calls;
    int resumes;
    /* fx_resume_polling */
    int poll_stops;  /* runs a poll ended */
    int poll_rounds; /* runs that polled MAX_POLLS times in vain */
} Fixture;

/* What fx_resume_polling runs between two polls, and how many polls it
 * makes at most: a bound on work, so a stub that never notices what was
 * sent ends the run instead of hanging the test. */
enum { POLL_CHUNK = 100, MAX_POLLS = 2000 };

static inline bool fx_exited(void *opaque, int *status)
{
    Fixture *f = opaque;
    *status = f->status;
    return f->exited;
}

/* A resume that ends the firmware with status 42 on the second call. */
static inline CpuStopReason fx_resume_exit(void *opaque, uint64_t max, Error **errp)
{
    Fixture *f = opaque;
    if (++f->resumes == 2) {
        f->exited = true;
        f->status = 42;
        return CPU_STOP_REQUESTED;
    }
    return cpu_run(f->rig.cpu, max < 2 ? max : 2, errp);
}

/* The run loop of sim/main.c in small: chunks of POLL_CHUNK instructions,
 * the server polled between them (a short sleep when it has nothing, so
 * bytes still on their way over loopback can arrive). */
static inline CpuStopReason fx_resume_polling(void *opaque, uint64_t max, Error **errp)
{
    Fixture *f = opaque;
    for (int i = 0; i < MAX_POLLS; i++) {
        uint64_t chunk = max < POLL_CHUNK ? max : POLL_CHUNK;
        CpuStopReason r = cpu_run(f->rig.cpu, chunk, errp);
        if (r != CPU_STOP_INSN_LIMIT)
            return r;
        if (max != UINT64_MAX && (max -= chunk) == 0)
            return r;
        if (gdb_server_poll_interrupt(f->rig.gs)) {
            f->poll_stops++;
            return CPU_STOP_REQUESTED;
        }
        usleep(500);
    }
    f->poll_rounds++;
    return CPU_STOP_INSN_LIMIT;
}

/* The target's monitor: `long N` answers N bytes of numbered lines,
 * `silent` nothing (NULL), anything else "got 'LINE'"; none ends in a
 * newline (the server adds it). */
static inline char *fx_monitor(void *opaque, const char *command)
{
    Fixture *f = opaque;
    f->monitor_calls++;
    unsigned n;
    if (strcmp(command, "silent") == 0)
        return NULL;
    if (sscanf(command, "long %u", &n) != 1 || n == 0) {
        char *text = malloc(strlen(command) + 8);
        sprintf(text, "got '%s'", command);
        return text;
    }
    GdbBuf b = {0};
    for (unsigned line = 0; b.len < n; line++)
        gdb_buf_printf(&b, "line %05u of a long monitor output\n", line);
    b.data[n] = 0;
    return b.data;
}

static inline int setup(void **state)
{
    Fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    rig_begin(&f->rig);
    rig_ram(&f->rig, "ram", RAM_BASE, RAM_SIZE);
    rig_ram(&f->rig, "top", TOP_BASE, 0x1000);
    rig_start(&f->rig, RAM_BASE, program, sizeof program / sizeof program[0]);
    f->target = (GdbTarget){.cpu = f->rig.cpu, .ms = f->rig.ms, .opaque = f,
                            .exited = fx_exited, .monitor = fx_monitor};
    rig_serve(&f->rig, &f->target);
    *state = f;
    return 0;
}

static inline int teardown(void **state)
{
    Fixture *f = *state;
    rig_close(&f->rig);
    free(f);
    return 0;
}

/* Replaces the server under test with one whose target resumes with
 * `resume` (NULL: the server's own loop) and listens on `listen_spec`
 * (NULL: no socket). */
static inline void use_resume(Fixture *f,
                              CpuStopReason (*resume)(void *, uint64_t, Error **),
                              const char *listen_spec)
{
    f->target.resume = resume;
    gdb_server_free(f->rig.gs);
    f->rig.gs = gdb_server_new(&f->target, listen_spec, NULL);
    assert_non_null(f->rig.gs);
}

/* ---- the wire ---- */

static inline void frame(GdbBuf *b, const char *payload, size_t len)
{
    unsigned sum = 0;
    for (size_t i = 0; i < len; i++)
        sum += (unsigned char)payload[i];
    gdb_buf_put(b, "$", 1);
    gdb_buf_put(b, payload, len);
    gdb_buf_printf(b, "#%02x", sum & 0xff);
}

static inline void add(GdbBuf *b, const char *payload)
{
    frame(b, payload, strlen(payload));
}

static inline void write_all(int fd, const char *data, size_t len)
{
    while (len) {
        ssize_t n = write(fd, data, len);
        assert_true(n > 0);
        data += n;
        len -= (size_t)n;
    }
}

static inline void read_all(int fd, GdbBuf *out)
{
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        gdb_buf_put(out, buf, (size_t)n);
    assert_int_equal(n, 0);
}

/* Runs one connection over a socketpair; returns the serve result. */
static inline int session(Fixture *f, const GdbBuf *in, GdbBuf *out)
{
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    write_all(sv[0], in->data, in->len);
    shutdown(sv[0], SHUT_WR);
    int r = gdb_server_serve_fd(f->rig.gs, sv[1]);
    close(sv[1]);
    read_all(sv[0], out);
    close(sv[0]);
    return r;
}

/* The same without a socket (gdb_server_serve_script): for replies
 * too many to wait in a socketpair until the session ends. */
static inline int script_session(Fixture *f, const GdbBuf *in, GdbBuf *out)
{
    return gdb_server_serve_script(f->rig.gs, (const uint8_t *)in->data, in->len, out);
}

/* Splits a reply stream into tokens: "+", "-" or the payload of a packet
 * (checksum verified). Returns how many; tokens are malloc'd. */
enum { MAX_TOKENS = 256 };
typedef struct Tokens {
    char *t[MAX_TOKENS];
    size_t n;
} Tokens;

static inline void tokenize(const GdbBuf *out, Tokens *tk)
{
    tk->n = 0;
    size_t i = 0;
    while (i < out->len) {
        assert_true(tk->n < MAX_TOKENS);
        char c = out->data[i];
        if (c == '+' || c == '-') {
            tk->t[tk->n++] = strndup(&out->data[i], 1);
            i++;
            continue;
        }
        if (c != '$')
            fail_msg("unexpected byte 0x%02x at %zu in reply stream", (unsigned char)c, i);
        const char *hash = memchr(out->data + i, '#', out->len - i);
        assert_non_null(hash);
        size_t start = i + 1, end = (size_t)(hash - out->data);
        assert_true(end + 3 <= out->len); /* '#' and both checksum digits */
        unsigned sum = 0;
        for (size_t k = start; k < end; k++)
            sum += (unsigned char)out->data[k];
        char cs[3];
        snprintf(cs, sizeof cs, "%02x", sum & 0xff);
        assert_memory_equal(cs, out->data + end + 1, 2);
        if (end - start > GDB_PACKET_SIZE)
            fail_msg("a %zu-byte packet; PacketSize is %d", end - start, GDB_PACKET_SIZE);
        tk->t[tk->n++] = strndup(out->data + start, end - start);
        i = end + 3;
    }
}

static inline void tokens_free(Tokens *tk)
{
    for (size_t i = 0; i < tk->n; i++)
        free(tk->t[i]);
    tk->n = 0;
}

/* A no-ack session: QStartNoAckMode first, then the payloads (NULL ends);
 * tk receives the replies after "+", "OK". */
static inline int converse(Fixture *f, const char *const *payloads, Tokens *tk)
{
    GdbBuf in = {0}, out = {0};
    add(&in, "QStartNoAckMode");
    for (size_t i = 0; payloads[i]; i++)
        add(&in, payloads[i]);
    int r = session(f, &in, &out);
    Tokens all;
    tokenize(&out, &all);
    assert_true(all.n >= 2);
    assert_string_equal(all.t[0], "+");
    assert_string_equal(all.t[1], "OK");
    tk->n = 0;
    for (size_t i = 2; i < all.n; i++)
        tk->t[tk->n++] = all.t[i];
    free(all.t[0]);
    free(all.t[1]);
    gdb_buf_free(&in);
    gdb_buf_free(&out);
    return r;
}

#define CONVERSE(f, tk, ...) converse((f), (const char *const[]){__VA_ARGS__, NULL}, (tk))

static inline void expect_tokens(Tokens *tk, const char *const *want)
{
    size_t n = 0;
    while (want[n])
        n++;
    for (size_t i = 0; i < n && i < tk->n; i++)
        if (strcmp(tk->t[i], want[i]) != 0)
            fail_msg("reply %zu: got '%s', want '%s'", i, tk->t[i], want[i]);
    assert_int_equal(tk->n, n);
    tokens_free(tk);
}

#define EXPECT(tk, ...) expect_tokens((tk), (const char *const[]){__VA_ARGS__, NULL})

static inline char *hex_of(const char *s)
{
    GdbBuf b = {0};
    gdb_buf_hex(&b, s, strlen(s));
    return b.data;
}

static inline char *unhex_str(const char *hex)
{
    size_t n = strlen(hex) / 2;
    char *s = malloc(n + 1);
    assert_non_null(s);
    assert_true(gdb_unhex(hex, n, (uint8_t *)s));
    s[n] = 0;
    return s;
}

/* A client on 127.0.0.1:port. */
static inline int connect_to(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    return fd;
}

#endif
