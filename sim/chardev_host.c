/* Host character backends: stdio, null, file, tcp, pty (see
 * sim/chardev_host.h for the spec strings). Every descriptor is
 * non-blocking or polled before use, so no call here waits. */
#include "sim/chardev_host.h"
#include "soc/alloc.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "soc/file.h"
#include "soc/net.h"

/* After a poll that found nothing, interactive sources are not asked again
 * for this long (host time), so a UART polling at its baud rate costs a
 * clock read, not a system call. */
#define HOST_POLL_QUIET_NS 1000000u

static uint64_t host_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Rate limit for host polls: closed for a while after an empty poll. */
typedef struct PollGate {
    uint64_t quiet_until;
} PollGate;

static bool gate_open(const PollGate *g)
{
    return g->quiet_until == 0 || host_ns() >= g->quiet_until;
}

static void gate_quiet(PollGate *g)
{
    g->quiet_until = host_ns() + HOST_POLL_QUIET_NS;
}

/* True when fd has something to read, or a hangup/error a read reports. */
static bool fd_readable(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, 0) > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR));
}

/* ---- stream: stdio, null, file ---- */

typedef struct StreamChardev {
    Chardev base;
    OutputWatch watch;  /* its output errors (chardev_open's on_error) */
    FILE *out;          /* NULL: output dropped */
    bool owns_out;      /* a file we opened (closed with us) */
    bool flush_each;    /* out is a terminal */
    int in_fd;          /* -1: no input */
    bool owns_in;
    bool in_polled;     /* not a regular file: poll before reading */
    bool in_tty;        /* read only while we are the foreground job */
    bool claims_stdin;
    bool waits_for_stdin; /* in stdin_claim's line */
    struct StreamChardev *next_waiting; /* behind it in that line */
    PollGate gate;
} StreamChardev;

/* stdin is one per process, so its claim is too: the first stdio backend
 * opened (or the console, chardev_reserve_stdin) holds it, and stdio
 * backends opened meanwhile wait in line, in the order they opened. When
 * the holder lets go, the first in line takes stdin and is woken: a UART
 * replaced by another name's, or given a new backend before its old one
 * closed, would else leave stdin unread. */
static struct {
    bool held;
    StreamChardev *waiting; /* first in line; linked by next_waiting */
} stdin_claim;

static void stream_write(Chardev *chr, const uint8_t *buf, size_t len)
{
    StreamChardev *s = (StreamChardev *)chr;
    if (!s->out || !len || s->watch.lost)
        return;
    errno = 0;
    if (fwrite(buf, 1, len, s->out) != len) {
        output_lost(&s->watch, errno);
        return;
    }
    /* Interactive output appears as the firmware prints a line (at once
     * on a terminal, where it may be a prompt); errors show then, too. */
    if ((s->flush_each || buf[len - 1] == '\n') && fflush(s->out) != 0)
        output_lost(&s->watch, errno);
}

/* What is still buffered goes out; a failure now (or an error flag left by
 * someone else's write to stdout) is reported like any other. */
static void stream_flush_out(StreamChardev *s)
{
    errno = 0;
    bool ok = s->owns_out ? fclose(s->out) == 0
                          : fflush(s->out) == 0 && !ferror(s->out);
    if (!ok && !s->watch.lost)
        output_lost(&s->watch, errno);
}

static size_t stream_read(Chardev *chr, uint8_t *buf, size_t max)
{
    StreamChardev *s = (StreamChardev *)chr;
    if (s->in_polled) {
        if (!gate_open(&s->gate))
            return 0;
        /* A background job reading its terminal would be stopped. */
        pid_t foreground = s->in_tty ? tcgetpgrp(s->in_fd) : -1;
        if ((foreground >= 0 && foreground != getpgrp()) ||
            !fd_readable(s->in_fd)) {
            gate_quiet(&s->gate);
            return 0;
        }
    }
    ssize_t n = read(s->in_fd, buf, max);
    if (n > 0)
        return (size_t)n;
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        gate_quiet(&s->gate);
        return 0;
    }
    s->base.eof = true; /* end of file, or an error that will persist */
    return 0;
}

static void stdin_let_go(void);
static void stdin_leave_line(StreamChardev *s);

static void stream_close(Chardev *chr)
{
    StreamChardev *s = (StreamChardev *)chr;
    if (s->out)
        stream_flush_out(s);
    output_watch_fini(&s->watch);
    if (s->owns_in)
        close(s->in_fd);
    stdin_leave_line(s);
    bool held_stdin = s->claims_stdin;
    free(s);
    if (held_stdin)
        stdin_let_go();
}

static const ChardevOps stream_ops = {
    .write = stream_write,
    .read = stream_read,
    .close = stream_close,
};

/* A stream backend without output or input yet; `is_stdout`: its output
 * will be our stdout, whose loss is said once for all (lost_output.h). */
static StreamChardev *stream_new(const char *spec, bool is_stdout,
                                 OutputLostFn on_error, void *opaque)
{
    StreamChardev *s = xcalloc(1, sizeof *s);
    if (is_stdout)
        output_watch_init_stdout(&s->watch, on_error, opaque);
    else
        output_watch_init(&s->watch, xasprintf("chardev '%s'", spec), on_error,
                          opaque);
    s->base.ops = &stream_ops;
    s->base.eof = true; /* until an input is attached */
    s->in_fd = -1;
    return s;
}

static void stream_set_input(StreamChardev *s, int fd, bool owns)
{
    struct stat st;
    s->in_fd = fd;
    s->owns_in = owns;
    s->in_polled = fstat(fd, &st) != 0 || !S_ISREG(st.st_mode);
    s->in_tty = isatty(fd);
    s->base.eof = false;
}

/* False when stdin is closed or /dev/null: no input to read there. */
static bool stdin_has_input(void)
{
    struct stat in, null;
    if (fstat(STDIN_FILENO, &in) != 0)
        return false;
    return !(S_ISCHR(in.st_mode) && stat("/dev/null", &null) == 0 &&
             S_ISCHR(null.st_mode) && in.st_rdev == null.st_rdev);
}

/* stdin as s's input, unless it has none; while someone else holds it, s
 * waits in line for it (stdin_let_go). */
static void stream_claim_stdin(StreamChardev *s)
{
    if (!stdin_has_input())
        return;
    if (stdin_claim.held) {
        StreamChardev **link = &stdin_claim.waiting;
        while (*link)
            link = &(*link)->next_waiting;
        *link = s;
        s->waits_for_stdin = true;
        return;
    }
    stream_set_input(s, STDIN_FILENO, false);
    s->claims_stdin = stdin_claim.held = true;
}

static void stdin_leave_line(StreamChardev *s)
{
    if (!s->waits_for_stdin)
        return;
    StreamChardev **link = &stdin_claim.waiting;
    while (*link != s)
        link = &(*link)->next_waiting;
    *link = s->next_waiting;
    s->waits_for_stdin = false;
}

/* The holder let go: the first in line takes stdin, and is woken (it
 * reported no input until now). */
static void stdin_let_go(void)
{
    stdin_claim.held = false;
    StreamChardev *next = stdin_claim.waiting;
    if (!next)
        return;
    stdin_leave_line(next);
    stream_claim_stdin(next);
    if (next->claims_stdin)
        chardev_input_arrived(&next->base);
}

bool chardev_reserve_stdin(void)
{
    if (stdin_claim.held)
        return false;
    stdin_claim.held = true;
    return true;
}

void chardev_release_stdin(void)
{
    stdin_let_go();
}

/* Input files are regular files only (soc/file.h): a FIFO would block
 * the open and could not be replayed at the same cycles. */
static bool stream_open_input(StreamChardev *s, const char *spec,
                              const char *path, Error **errp)
{
    int fd = file_open_input(path, errp);
    if (fd < 0) {
        error_prepend(errp, "chardev '%s': ", spec);
        return false;
    }
    stream_set_input(s, fd, true);
    return true;
}

/* Regular files and character devices (/dev/null, /dev/full, a
 * terminal), never a FIFO, a socket or a directory (soc/file.h). */
static bool stream_open_output(StreamChardev *s, const char *spec,
                               const char *path, Error **errp)
{
    s->out = file_fopen_output(path, errp);
    if (!s->out) {
        error_prepend(errp, "chardev '%s': ", spec);
        return false;
    }
    s->owns_out = true;
    return true;
}

/* Splits "out=A,in=B" (either order, either key optional) into copies. */
static bool file_keys(const char *spec, const char *text, char **out,
                      char **in, Error **errp)
{
    *out = *in = NULL;
    while (*text) {
        const char *end = strchr(text, ',');
        size_t len = end ? (size_t)(end - text) : strlen(text);
        char **slot = strncmp(text, "out=", 4) == 0 ? out
                      : strncmp(text, "in=", 3) == 0 ? in : NULL;
        size_t skip = slot == out ? 4 : 3;
        if (!slot || *slot || len == skip) {
            error_setf(errp, "chardev '%s': expected out=PATH and/or in=PATH, "
                       "each once and not empty", spec);
            free(*out);
            free(*in);
            *out = *in = NULL;
            return false;
        }
        *slot = xstrndup(text + skip, len - skip);
        text += len + (end ? 1 : 0);
        if (end && !*text) {
            error_setf(errp, "chardev '%s': trailing ','", spec);
            free(*out);
            free(*in);
            *out = *in = NULL;
            return false;
        }
    }
    return true;
}

static Chardev *file_open(const char *spec, const char *text,
                          OutputLostFn on_error, void *opaque, Error **errp)
{
    char *out = NULL, *in = NULL;
    if (strncmp(text, "out=", 4) == 0 || strncmp(text, "in=", 3) == 0) {
        if (!file_keys(spec, text, &out, &in, errp))
            return NULL;
    } else if (!*text) {
        error_setf(errp, "chardev '%s': missing path (file:PATH or "
                   "file:out=PATH,in=PATH)", spec);
        return NULL;
    } else {
        out = xstrdup(text);
    }
    StreamChardev *s = stream_new(spec, false, on_error, opaque);
    bool ok = (!in || stream_open_input(s, spec, in, errp)) &&
              (!out || stream_open_output(s, spec, out, errp));
    free(out);
    free(in);
    if (!ok) {
        stream_close(&s->base);
        return NULL;
    }
    return &s->base;
}

static Chardev *stdio_open(const char *spec, const char *opts,
                           OutputLostFn on_error, void *opaque, Error **errp)
{
    StreamChardev *s = stream_new(spec, true, on_error, opaque);
    s->out = stdout;
    s->flush_each = isatty(STDOUT_FILENO);
    if (!opts) {
        stream_claim_stdin(s);
        return &s->base;
    }
    if (strncmp(opts, "in=", 3) != 0 || !opts[3]) {
        error_setf(errp, "chardev '%s': expected stdio or stdio:in=PATH", spec);
        stream_close(&s->base);
        return NULL;
    }
    if (!stream_open_input(s, spec, opts + 3, errp)) {
        stream_close(&s->base);
        return NULL;
    }
    return &s->base;
}

/* ---- tcp: a listening socket, one client at a time ---- */

typedef struct TcpChardev {
    Chardev base;
    int listen_fd;
    int client_fd; /* -1: nobody connected */
    PollGate gate;
} TcpChardev;

static void tcp_drop_client(TcpChardev *t)
{
    close(t->client_fd);
    t->client_fd = -1;
}

/* True when a client is connected (accepting one if one waits). */
static bool tcp_connected(TcpChardev *t)
{
    if (t->client_fd >= 0)
        return true;
    if (!gate_open(&t->gate))
        return false;
    int fd = accept4(t->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
        gate_quiet(&t->gate);
        return false;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    t->client_fd = fd;
    return true;
}

static void tcp_write(Chardev *chr, const uint8_t *buf, size_t len)
{
    TcpChardev *t = (TcpChardev *)chr;
    while (len && tcp_connected(t)) {
        ssize_t n = send(t->client_fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            buf += n;
            len -= (size_t)n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else {
            if (n < 0 && errno != EAGAIN)
                tcp_drop_client(t); /* gone: wait for the next one */
            return;                 /* full: the rest is dropped */
        }
    }
}

static size_t tcp_read(Chardev *chr, uint8_t *buf, size_t max)
{
    TcpChardev *t = (TcpChardev *)chr;
    if (!tcp_connected(t) || !gate_open(&t->gate))
        return 0;
    ssize_t n = recv(t->client_fd, buf, max, MSG_DONTWAIT);
    if (n > 0)
        return (size_t)n;
    if (n == 0 || (errno != EAGAIN && errno != EINTR))
        tcp_drop_client(t);
    gate_quiet(&t->gate);
    return 0;
}

static void tcp_close(Chardev *chr)
{
    TcpChardev *t = (TcpChardev *)chr;
    if (t->client_fd >= 0)
        close(t->client_fd);
    close(t->listen_fd);
    free(t);
}

static const ChardevOps tcp_ops = {
    .write = tcp_write,
    .read = tcp_read,
    .close = tcp_close,
};

static Chardev *tcp_open(const char *spec, const char *text, Error **errp)
{
    char *host;
    unsigned port, bound;
    int fd = -1;
    if (net_parse_address(text, "127.0.0.1", &host, &port, errp)) {
        /* non-blocking: a client is accepted only when one waits */
        fd = net_listen(host, port, true, &bound, errp);
        /* Say where to connect, as --gdb and pty do: the simulation runs
         * on meanwhile and output goes nowhere until someone does. */
        if (fd >= 0)
            fprintf(stderr, strchr(host, ':') ? "mcusim: char device listening "
                    "on [%s]:%u\n" : "mcusim: char device listening on %s:%u\n",
                    host, bound);
        free(host);
    }
    if (fd < 0) {
        error_prepend(errp, "chardev '%s': ", spec);
        return NULL;
    }
    TcpChardev *t = xcalloc(1, sizeof *t);
    t->base.ops = &tcp_ops;
    t->listen_fd = fd;
    t->client_fd = -1;
    return &t->base;
}

/* ---- pty: the master side; someone opens the slave ---- */

typedef struct PtyChardev {
    Chardev base;
    int master_fd;
    char *path;
    PollGate gate;
} PtyChardev;

/* Linux reports a hangup on the master while no one has the slave open. */
static bool pty_slave_open(const PtyChardev *p)
{
    struct pollfd pfd = {.fd = p->master_fd, .events = POLLOUT};
    return poll(&pfd, 1, 0) >= 0 && !(pfd.revents & POLLHUP);
}

static void pty_write(Chardev *chr, const uint8_t *buf, size_t len)
{
    PtyChardev *p = (PtyChardev *)chr;
    if (!pty_slave_open(p))
        return;
    while (len) {
        ssize_t n = write(p->master_fd, buf, len);
        if (n > 0) {
            buf += n;
            len -= (size_t)n;
        } else if (!(n < 0 && errno == EINTR)) {
            return; /* full or gone: the rest is dropped */
        }
    }
}

static size_t pty_read(Chardev *chr, uint8_t *buf, size_t max)
{
    PtyChardev *p = (PtyChardev *)chr;
    if (!gate_open(&p->gate))
        return 0;
    ssize_t n = read(p->master_fd, buf, max);
    if (n > 0)
        return (size_t)n;
    gate_quiet(&p->gate); /* nothing yet, or no slave (EIO): not the end */
    return 0;
}

static void pty_close(Chardev *chr)
{
    PtyChardev *p = (PtyChardev *)chr;
    close(p->master_fd);
    free(p->path);
    free(p);
}

static const ChardevOps pty_ops = {
    .write = pty_write,
    .read = pty_read,
    .close = pty_close,
};

/* Raw mode is a property of the terminal, so it outlives this open. */
static bool pty_make_raw(const char *path)
{
    int fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return false;
    struct termios tio;
    bool ok = tcgetattr(fd, &tio) == 0;
    if (ok) {
        cfmakeraw(&tio);
        ok = tcsetattr(fd, TCSANOW, &tio) == 0;
    }
    close(fd);
    return ok;
}

static Chardev *pty_open(const char *spec, Error **errp)
{
    int fd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    char path[256];
    if (fd < 0 || grantpt(fd) != 0 || unlockpt(fd) != 0 ||
        ptsname_r(fd, path, sizeof path) != 0 || !pty_make_raw(path) ||
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0) {
        error_setf(errp, "chardev '%s': cannot create a pseudo-terminal: %s",
                   spec, strerror(errno));
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    PtyChardev *p = xcalloc(1, sizeof *p);
    p->base.ops = &pty_ops;
    p->master_fd = fd;
    p->path = xstrdup(path);
    fprintf(stderr, "mcusim: char device redirected to %s\n", path);
    return &p->base;
}

const char *chardev_pty_path(const Chardev *chr)
{
    return chr && chr->ops == &pty_ops ? ((const PtyChardev *)chr)->path : NULL;
}

/* ---- null and the spec dispatcher ---- */

Chardev *chardev_open(const char *spec, OutputLostFn on_error, void *opaque,
                      Error **errp)
{
    if (strcmp(spec, "stdio") == 0)
        return stdio_open(spec, NULL, on_error, opaque, errp);
    if (strncmp(spec, "stdio:", 6) == 0)
        return stdio_open(spec, spec + 6, on_error, opaque, errp);
    if (strcmp(spec, "null") == 0)
        return &stream_new(spec, false, on_error, opaque)->base;
    if (strncmp(spec, "file:", 5) == 0)
        return file_open(spec, spec + 5, on_error, opaque, errp);
    if (strncmp(spec, "tcp:", 4) == 0)
        return tcp_open(spec, spec + 4, errp);
    if (strcmp(spec, "pty") == 0)
        return pty_open(spec, errp);
    error_setf(errp, "unknown chardev '%s' (expected stdio, stdio:in=PATH, "
               "null, file:PATH, file:out=PATH,in=PATH, tcp:[HOST:]PORT or pty)",
               spec);
    return NULL;
}
