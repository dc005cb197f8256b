/* The monitor console's transport (sim/console.h): stdio, a TCP listener
 * or a Unix socket listener, one client at a time, lines in, replies out.
 *
 * Input is read without blocking into the client's line buffer; a line
 * is handed out once its newline is there. A line that outgrows the
 * buffer is marked refused and its bytes dropped until its newline, which
 * is then handed out as refused, so every line sent gets exactly one
 * reply, in its turn. Replies are written blocking (a socket is polled
 * for room), with a bound on how long a client that stops reading may
 * hold the run.
 *
 * A socket client's end of input (it closed, or shut down its sending
 * side) is seen as soon as it is read; the client then no longer holds
 * the console against newcomers, but keeps its socket for the replies it
 * is owed (`unanswered`) until they are sent or the next client comes.
 */
#include "sim/console.h"

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
#include <sys/un.h>
#include <unistd.h>

#include "sim/chardev_host.h"
#include "soc/alloc.h"
#include "soc/net.h"

/* How long (host milliseconds) a reply may wait for a client to make room
 * before the client is dropped. */
#define REPLY_WAIT_MS 5000
#define READ_CHUNK 4096

typedef enum ConsoleKind {
    CONSOLE_STDIO,
    CONSOLE_TCP,
    CONSOLE_UNIX,
} ConsoleKind;

struct Console {
    ConsoleKind kind;
    const char *label; /* "monitor" or "control": what stderr calls it */
    bool once;       /* the first client is the only one (--control) */
    int listen_fd;   /* -1: stdio */
    char *announce;  /* the listening line not said yet (--control), or NULL */
    char *unix_path; /* removed at close; NULL unless unix */
    int in_fd;       /* the client (stdin for stdio); -1: none, or its
                        input ended (a socket's out_fd may stay) */
    int out_fd;      /* where replies go (the client, or stdout) */
    bool ended;      /* stdio: stdin reached its end */
    uint64_t client; /* the current client's number; 0 before the first */
    bool heard;      /* the current client has sent at least a byte */
    size_t unanswered; /* lines handed out to the current client, not yet
                          replied to */
    /* A line, a '\r' that may end it, and the NUL. */
    char line[CONSOLE_LINE_MAX + 2];
    size_t len;      /* bytes of the current line in `line` */
    char refusal[96]; /* the reply to a refused line */
    bool too_long;   /* the current line outgrew `line`: refused */
    bool has_nul;    /* the current line holds a NUL byte: refused */
    char pending[READ_CHUNK]; /* read but not yet looked at */
    size_t pend_off, pend_len;
};

/* ---- specs ---- */

static const char SPEC_FORMS[] = "stdio, tcp:[HOST:]PORT or unix:PATH";
static const char CONTROL_FORMS[] = "tcp:[HOST:]PORT or unix:PATH";

bool console_check_spec(const char *spec, bool control, Error **errp)
{
    if (strcmp(spec, "stdio") == 0 && !control)
        return true;
    if (strncmp(spec, "tcp:", 4) == 0) {
        char *host;
        unsigned port;
        if (!net_parse_address(spec + 4, "127.0.0.1", &host, &port, errp)) {
            error_prepend(errp, "'%s': ", spec);
            return false;
        }
        free(host);
        return true;
    }
    if (strncmp(spec, "unix:", 5) == 0) {
        size_t len = strlen(spec + 5);
        if (len == 0) {
            error_setf(errp, "'%s': missing the socket's path (expected unix:PATH)", spec);
            return false;
        }
        if (len >= sizeof ((struct sockaddr_un *)0)->sun_path) {
            error_setf(errp, "'%s': the socket path is longer than %zu bytes", spec,
                       sizeof ((struct sockaddr_un *)0)->sun_path - 1);
            return false;
        }
        return true;
    }
    error_setf(errp, "'%s' is not a %s: expected %s", spec,
               control ? "control socket" : "console", control ? CONTROL_FORMS : SPEC_FORMS);
    return false;
}

/* ---- opening ---- */

/* Says where the console listens, once. */
static void announce_listening(Console *c)
{
    if (!c->announce)
        return;
    fputs(c->announce, stderr);
    fflush(stderr);
    free(c->announce);
    c->announce = NULL;
}

/* The listening line: said now for a monitor; for the control socket
 * held until the run is ready to serve (the first console_next_line or
 * console_wait), so that a client waiting for the line never connects to
 * a process about to fail (a missing ELF, ...): that error is said
 * instead, and the line never comes. */
static void set_listening(Console *c, char *line)
{
    c->announce = line;
    if (!c->once)
        announce_listening(c);
}

static Console *console_alloc(ConsoleKind kind, const ConsoleConfig *cfg)
{
    Console *c = xcalloc(1, sizeof *c);
    c->kind = kind;
    c->label = cfg->control ? "control" : "monitor";
    c->once = cfg->control;
    c->listen_fd = c->in_fd = c->out_fd = -1;
    return c;
}

static Console *open_stdio(const ConsoleConfig *cfg, Error **errp)
{
    if (!chardev_reserve_stdin()) {
        error_setf(errp, "stdin is already some UART's input");
        return NULL;
    }
    Console *c = console_alloc(CONSOLE_STDIO, cfg);
    c->in_fd = STDIN_FILENO;
    c->out_fd = STDOUT_FILENO;
    c->client = 1;
    return c;
}

static Console *open_tcp(const char *address, const ConsoleConfig *cfg, Error **errp)
{
    char *host;
    unsigned port, bound;
    if (!net_parse_address(address, "127.0.0.1", &host, &port, errp))
        return NULL;
    int fd = net_listen(host, port, true, &bound, errp);
    if (fd < 0) {
        free(host);
        return NULL;
    }
    Console *c = console_alloc(CONSOLE_TCP, cfg);
    c->listen_fd = fd;
    set_listening(c, xasprintf("mcusim: %s listening on %s:%u\n", c->label, host, bound));
    free(host);
    return c;
}

/* A socket at `path` nobody listens on any more (a run that died). */
static bool stale_socket(const struct sockaddr_un *a)
{
    struct stat st;
    if (lstat(a->sun_path, &st) != 0 || !S_ISSOCK(st.st_mode))
        return false;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    bool refused = connect(fd, (const struct sockaddr *)a, sizeof *a) != 0 &&
                   errno == ECONNREFUSED;
    close(fd);
    return refused;
}

static Console *open_unix(const char *path, const ConsoleConfig *cfg, Error **errp)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    memcpy(a.sun_path, path, strlen(path) + 1); /* length checked by the spec */
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        error_setf(errp, "cannot create a socket: %s", strerror(errno));
        return NULL;
    }
    if (stale_socket(&a))
        unlink(path);
    if (bind(fd, (const struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 1) != 0) {
        error_setf(errp, "cannot listen on %s: %s", path, strerror(errno));
        close(fd);
        return NULL;
    }
    Console *c = console_alloc(CONSOLE_UNIX, cfg);
    c->listen_fd = fd;
    c->unix_path = xstrdup(path);
    set_listening(c, xasprintf("mcusim: %s listening on unix:%s\n", c->label, path));
    return c;
}

Console *console_open(const char *spec, const ConsoleConfig *cfg, Error **errp)
{
    Console *c = NULL;
    if (console_check_spec(spec, cfg->control, errp)) {
        if (strcmp(spec, "stdio") == 0)
            c = open_stdio(cfg, errp);
        else if (strncmp(spec, "tcp:", 4) == 0)
            c = open_tcp(spec + 4, cfg, errp);
        else
            c = open_unix(spec + 5, cfg, errp);
    }
    if (!c)
        error_prepend(errp, cfg->control ? "--control: " : "--monitor: ");
    return c;
}

/* Forgets the partial line and what was read past it. */
static void drop_input(Console *c)
{
    c->len = c->pend_off = c->pend_len = 0;
    c->too_long = c->has_nul = false;
}

static void drop_client(Console *c)
{
    if (c->kind == CONSOLE_STDIO) {
        c->ended = true;
        c->in_fd = -1;
    } else if (c->out_fd >= 0) {
        close(c->out_fd); /* the same socket as in_fd, when that is open */
        c->in_fd = c->out_fd = -1;
    }
    c->unanswered = 0;
    drop_input(c);
}

/* The client's input ended: stdin closes the console; a socket client
 * owed replies keeps its socket for them (console_reply closes it after
 * the last), otherwise it is closed now. */
static void input_ended(Console *c)
{
    if (c->once && !c->heard) {
        /* It sent nothing: not the one client but a probe (another
         * mcusim told to listen at this unix path, checking whether the
         * socket is stale): the next client is the one. */
        drop_client(c);
        c->client--;
        return;
    }
    if (c->kind == CONSOLE_STDIO || c->unanswered == 0) {
        drop_client(c);
        return;
    }
    c->in_fd = -1;
    drop_input(c);
}

void console_close(Console *c)
{
    if (!c)
        return;
    drop_client(c);
    if (c->listen_fd >= 0)
        close(c->listen_fd);
    if (c->unix_path)
        unlink(c->unix_path);
    if (c->kind == CONSOLE_STDIO)
        chardev_release_stdin();
    free(c->unix_path);
    free(c->announce);
    free(c);
}

/* ---- writing ---- */

/* Writes everything, waiting for room; false when the client is gone or
 * did not read for REPLY_WAIT_MS. */
static bool write_all(Console *c, const char *buf, size_t len)
{
    if (c->out_fd == STDOUT_FILENO) { /* shared with the UARTs' stdio */
        return fwrite(buf, 1, len, stdout) == len && fflush(stdout) == 0;
    }
    while (len) {
        ssize_t n = send(c->out_fd, buf, len, MSG_NOSIGNAL);
        if (n > 0) {
            buf += n;
            len -= (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        struct pollfd p = {.fd = c->out_fd, .events = POLLOUT};
        if (n < 0 && errno == EAGAIN && poll(&p, 1, REPLY_WAIT_MS) > 0 &&
            (p.revents & POLLOUT))
            continue;
        return false;
    }
    return true;
}

/* Sends one output line (without its newline), kept apart from the
 * reply's last line. */
static bool put_line(Console *c, const char *text, size_t len)
{
    bool looks_final = (len == 2 && memcmp(text, "ok", 2) == 0) ||
                       (len == 5 && memcmp(text, "error", 5) == 0);
    return (!looks_final || write_all(c, " ", 1)) && write_all(c, text, len) &&
           write_all(c, "\n", 1);
}

static void send_reply(Console *c, const char *output, size_t len, bool ok)
{
    bool sent = true;
    while (sent && len) {
        const char *nl = memchr(output, '\n', len);
        size_t n = nl ? (size_t)(nl - output) : len;
        sent = put_line(c, output, n);
        output += n + (nl != NULL);
        len -= n + (nl != NULL);
    }
    if (sent)
        sent = write_all(c, ok ? "ok\n" : "error\n", ok ? 3 : 6);
    if (!sent && c->kind != CONSOLE_STDIO)
        drop_client(c);
}

void console_reply(Console *c, uint64_t client, const char *output, size_t len,
                   bool ok)
{
    if (client != c->client)
        return; /* that client has gone */
    if (c->out_fd >= 0)
        send_reply(c, output, len, ok);
    if (c->unanswered)
        c->unanswered--;
    if (c->kind != CONSOLE_STDIO && c->in_fd < 0 && c->out_fd >= 0 && !c->unanswered)
        drop_client(c); /* its input had ended: this was its last reply */
}

/* ---- reading ---- */

static void set_nonblocking(int fd)
{
    int flags = fcntl(fd, F_GETFL);
    if (flags >= 0)
        fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

/* Turns a client away: the one line, then closed (what it sent is read
 * first, so the close does not reset the connection before the line). */
static void refuse_client(const Console *c, int fd)
{
    char busy[64], drain[256];
    int len = snprintf(busy, sizeof busy, "error: busy: another %s client is connected\n",
                       c->label);
    (void)send(fd, busy, (size_t)len, MSG_NOSIGNAL | MSG_DONTWAIT);
    while (recv(fd, drain, sizeof drain, MSG_DONTWAIT) > 0)
        ;
    close(fd);
}

/* Takes in waiting clients: while a client is sending, each is turned
 * away; else the first becomes the client (one whose input ended loses
 * the replies it was still owed) and the rest wait, so that its input,
 * and maybe its end, is read before they are judged. True when a client
 * came. */
static bool accept_clients(Console *c)
{
    if (c->listen_fd < 0)
        return false;
    for (;;) {
        int fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0)
            return false;
        if (c->in_fd >= 0 || (c->once && c->client > 0)) {
            refuse_client(c, fd);
            continue;
        }
        drop_client(c);
        set_nonblocking(fd);
        /* A reply is written in pieces: without this, a TCP client waits
         * out Nagle's delay on every command (a unix socket refuses it,
         * harmlessly). */
        int one = 1;
        (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        c->in_fd = c->out_fd = fd;
        c->client++;
        c->heard = false;
        return true;
    }
}

static bool readable_now(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, 0) > 0;
}

/* Refills `pending` from the client; false when there is nothing now. A
 * client that hung up is dropped (its partial line with it). */
static bool fill_pending(Console *c)
{
    if (c->in_fd < 0 || (c->kind == CONSOLE_STDIO && !readable_now(c->in_fd)))
        return false;
    ssize_t n = read(c->in_fd, c->pending, sizeof c->pending);
    if (n > 0) {
        c->heard = true;
        c->pend_off = 0;
        c->pend_len = (size_t)n;
        return true;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return false;
    input_ended(c); /* the end of the stream, or an error that persists */
    return false;
}

/* Moves bytes from `pending` into the line until a newline; true when a
 * whole line ended. The line keeps one byte more than CONSOLE_LINE_MAX:
 * the '\r' finish_line drops. */
static bool take_line(Console *c)
{
    while (c->pend_off < c->pend_len) {
        char ch = c->pending[c->pend_off++];
        if (ch == '\n')
            return true;
        if (ch == '\0')
            c->has_nul = true;
        if (c->len < CONSOLE_LINE_MAX + 1)
            c->line[c->len++] = ch;
        else
            c->too_long = true;
    }
    return false;
}

/* The line just ended, without its '\r', checked: the line, or the
 * error that refuses it (*refused set). */
static const char *finish_line(Console *c, bool *refused)
{
    size_t len = c->len;
    if (len && c->line[len - 1] == '\r')
        len--;
    bool too_long = c->too_long || len > CONSOLE_LINE_MAX, has_nul = c->has_nul;
    c->len = 0;
    c->too_long = c->has_nul = false;
    *refused = too_long || has_nul;
    if (too_long) {
        snprintf(c->refusal, sizeof c->refusal, "error: line longer than %d bytes: ignored",
                 CONSOLE_LINE_MAX);
        return c->refusal;
    }
    if (has_nul) {
        snprintf(c->refusal, sizeof c->refusal, "error: line holds a NUL byte: ignored");
        return c->refusal;
    }
    c->line[len] = '\0';
    return c->line;
}

/* The current client's input comes first: a client that left has its
 * last bytes read and its end seen before the next one is let in, so a
 * quick reconnect is not turned away as busy. */
const char *console_next_line(Console *c, uint64_t *client, bool *refused)
{
    announce_listening(c);
    for (;;) {
        if (c->pend_off == c->pend_len && !fill_pending(c) && !accept_clients(c))
            return NULL;
        if (!take_line(c))
            continue;
        *client = c->client;
        c->unanswered++;
        return finish_line(c, refused);
    }
}

void console_wait(Console *c, int timeout_ms)
{
    announce_listening(c);
    struct pollfd p[2];
    nfds_t n = 0;
    if (c->listen_fd >= 0)
        p[n++] = (struct pollfd){.fd = c->listen_fd, .events = POLLIN};
    if (c->in_fd >= 0)
        p[n++] = (struct pollfd){.fd = c->in_fd, .events = POLLIN};
    if (n == 0 || c->pend_off < c->pend_len)
        return;
    while (poll(p, n, timeout_ms) < 0 && errno == EINTR)
        ;
}

bool console_open_for_input(const Console *c)
{
    return !c->ended;
}

bool console_client_gone(const Console *c)
{
    return c->client > 0 && c->in_fd < 0;
}

bool console_input_ending(const Console *c)
{
    if (c->kind == CONSOLE_STDIO || c->in_fd < 0)
        return console_client_gone(c);
    struct pollfd p = {.fd = c->in_fd, .events = POLLRDHUP};
    return poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR));
}
