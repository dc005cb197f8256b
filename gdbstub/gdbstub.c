/* The GDB server: the listening socket, sessions (one client at a time,
 * each on a fresh RspConn) and run control (resuming the target, polling
 * the client while it runs, stop replies). The packet handlers are
 * gdbstub/gdbstub_packets.c, the packet layer gdbstub/rsp.c, the monitor
 * commands gdbstub/monitor.c, the target description
 * gdbstub/target_xml.c. */
#include "gdbstub/gdbstub_internal.h"
#include "soc/alloc.h"
#include "soc/net.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum {
    RUN_CHUNK = 10000 /* instructions between polls without target->resume */
};

/* ---- setup ---- */

/* Listens where spec ("[HOST:]PORT", 127.0.0.1 by default) says; errors
 * name it: "--gdb 99999: port must be 0-65535 (0: any free port)". */
static bool open_listener(GdbServer *gs, const char *spec, Error **errp)
{
    char *host;
    unsigned port, bound = 0;
    if (!net_parse_address(spec, "127.0.0.1", &host, &port, errp)) {
        error_prepend(errp, "--gdb %s: ", spec);
        return false;
    }
    /* blocking: gdb_server_serve waits in accept for a client */
    gs->listen_fd = net_listen(host, port, false, &bound, errp);
    free(host);
    if (gs->listen_fd < 0) {
        error_prepend(errp, "--gdb %s: ", spec);
        return false;
    }
    gs->port = (uint16_t)bound;
    return true;
}

GdbServer *gdb_server_new(const GdbTarget *target, const char *listen_spec,
                          Error **errp)
{
    GdbServer *gs = xcalloc(1, sizeof *gs);
    gs->target = *target;
    gs->listen_fd = gs->pending_fd = -1;
    strcpy(gs->last_stop, "T05");
    if (listen_spec && !open_listener(gs, listen_spec, errp)) {
        free(gs);
        return NULL;
    }
    return gs;
}

void gdb_server_free(GdbServer *gs)
{
    if (!gs)
        return;
    if (gs->listen_fd >= 0)
        close(gs->listen_fd);
    if (gs->pending_fd >= 0)
        close(gs->pending_fd);
    free(gs->xml);
    free(gs->breaks);
    free(gs->watches);
    gdb_buf_free(&gs->reply);
    free(gs);
}

uint16_t gdb_server_port(const GdbServer *gs)
{
    return gs->port;
}

bool gdb_server_client_pending(const GdbServer *gs)
{
    return gs->pending_fd >= 0;
}

/* ---- running ---- */

/* Without a client: true when one is waiting (accepted, kept pending). */
static bool poll_for_client(GdbServer *gs)
{
    if (gs->pending_fd >= 0)
        return true;
    if (gs->listen_fd < 0)
        return false;
    struct pollfd pfd = {.fd = gs->listen_fd, .events = POLLIN};
    if (poll(&pfd, 1, 0) <= 0 || !(pfd.revents & POLLIN))
        return false;
    int fd = accept4(gs->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0)
        return false;
    gs->pending_fd = fd;
    return true;
}

bool gdb_server_poll_interrupt(GdbServer *gs)
{
    if (!gs->conn)
        return poll_for_client(gs);
    switch (rsp_poll(gs->conn)) {
    case RSP_POLL_INTERRUPT:
        gs->interrupted = true;
        return true;
    case RSP_POLL_GONE:
        return true;
    case RSP_POLL_NOTHING:
        break;
    }
    return false;
}

static CpuStopReason run_builtin(GdbServer *gs, uint64_t max, Error **errp)
{
    for (;;) {
        uint64_t chunk = max < RUN_CHUNK ? max : RUN_CHUNK;
        CpuStopReason r = cpu_run(gs->target.cpu, chunk, errp);
        if (r != CPU_STOP_INSN_LIMIT)
            return r;
        if (max != UINT64_MAX)
            max -= chunk;
        if (max == 0)
            return r;
        if (gdb_server_poll_interrupt(gs))
            return CPU_STOP_REQUESTED;
    }
}

static const char *watch_word(CpuWatchKind kind)
{
    return kind == CPU_WATCH_WRITE ? "watch" : kind == CPU_WATCH_READ ? "rwatch" : "awatch";
}

static bool firmware_exited(GdbServer *gs, int *status)
{
    return gs->target.exited && gs->target.exited(gs->target.opaque, status);
}

static void reply_exit(GdbServer *gs, int status)
{
    char w[8];
    snprintf(w, sizeof w, "W%02x", (unsigned)status & 0xff);
    rsp_send_str(gs->conn, w);
}

/* Which breakpoint kinds gdb inserted at the pc decides the stop reply. */
static void describe_breakpoint_stop(GdbServer *gs)
{
    uint32_t pc = cpu_get_pc(gs->target.cpu);
    bool hw = false, sw = false;
    for (size_t i = 0; i < gs->nbreaks; i++) {
        if (gs->breaks[i].addr != pc)
            continue;
        if (gs->breaks[i].type == 1)
            hw = true;
        else
            sw = true;
    }
    strcpy(gs->last_stop, hw && !sw ? "T05hwbreak:;" : "T05swbreak:;");
}

/* Records the stop reply for why the run ended in gs->last_stop; a fault
 * is first described to gdb's console. */
static void describe_stop(GdbServer *gs, CpuStopReason why, const Error *err)
{
    switch (why) {
    case CPU_STOP_BREAKPOINT:
        describe_breakpoint_stop(gs);
        return;
    case CPU_STOP_WATCHPOINT: {
        uint32_t addr;
        CpuWatchKind kind;
        cpu_watch_hit(gs->target.cpu, &addr, &kind);
        snprintf(gs->last_stop, sizeof gs->last_stop, "T05%s:%x;",
                 watch_word(kind), (unsigned)addr);
        return;
    }
    case CPU_STOP_REQUESTED:
        strcpy(gs->last_stop, gs->interrupted ? "T02" : "T05");
        return;
    case CPU_STOP_FAULT: {
        GdbBuf b = {0};
        gdb_buf_printf(&b, "simulator: %s\n", err ? error_message(err) : "fault");
        rsp_send_console(gs->conn, b.data, b.len);
        gdb_buf_free(&b);
        strcpy(gs->last_stop, "T0b"); /* SIGSEGV */
        return;
    }
    case CPU_STOP_INSN_LIMIT:
        break;
    }
    strcpy(gs->last_stop, "T05");
}

void gdb_server_resume(GdbServer *gs, uint64_t max)
{
    Error *err = NULL;
    gs->interrupted = false;
    gs->conn->running = true;
    CpuStopReason why = gs->target.resume
                            ? gs->target.resume(gs->target.opaque, max, &err)
                            : run_builtin(gs, max, &err);
    gs->conn->running = false;
    int status = 0;
    if (firmware_exited(gs, &status)) {
        reply_exit(gs, status);
        gs->result = status;
        gs->done = true;
    } else if (rsp_gone(gs->conn)) {
        gs->done = true; /* gdb went away while the firmware ran */
    } else {
        describe_stop(gs, why, err);
        rsp_send_str(gs->conn, gs->last_stop);
    }
    error_free(err);
}

bool gdb_server_can_reverse(const GdbServer *gs)
{
    return gs->target.reverse_step && gs->target.reverse_continue;
}

/* A reverse run that failed: gdb's console says why, and E01 (gdb warns
 * "Remote failure reply" and takes it as a stop where the target is). */
static void reply_reverse_failed(GdbServer *gs, const Error *err)
{
    GdbBuf b = {0};
    gdb_buf_printf(&b, "simulator: cannot go back: %s\n",
                   err ? error_message(err) : "failed");
    rsp_send_console(gs->conn, b.data, b.len);
    gdb_buf_free(&b);
    rsp_send_str(gs->conn, "E01");
}

void gdb_server_reverse(GdbServer *gs, bool step)
{
    const GdbTarget *t = &gs->target;
    Error *err = NULL;
    bool begin = false;
    gs->interrupted = false;
    gs->conn->running = true; /* a Ctrl-C may stop a long way back */
    CpuStopReason why = step ? t->reverse_step(t->opaque, &begin, &err)
                             : t->reverse_continue(t->opaque, &begin, &err);
    gs->conn->running = false;
    if (rsp_gone(gs->conn)) {
        gs->done = true; /* gdb went away meanwhile */
        error_free(err);
        return;
    }
    if (err) {
        reply_reverse_failed(gs, err);
        error_free(err);
        return;
    }
    if (begin)
        strcpy(gs->last_stop, "T05replaylog:begin;");
    else
        describe_stop(gs, why, NULL);
    rsp_send_str(gs->conn, gs->last_stop);
}

void gdb_server_stop_status(GdbServer *gs)
{
    int status;
    if (firmware_exited(gs, &status))
        reply_exit(gs, status);
    else
        rsp_send_str(gs->conn, gs->last_stop);
}

/* ---- sessions ---- */

/* Serves conn until the session ends (gdb detaches or kills, the
 * firmware exits, the stream ends), then frees it. */
static int serve_conn(GdbServer *gs, RspConn *conn)
{
    gs->conn = conn;
    gs->done = false;
    gs->result = GDB_SERVE_DETACHED;
    gs->interrupted = false;
    while (!gs->done && rsp_read_packet(conn))
        gdb_handle_packet(gs);
    /* gdb re-inserts what it wants on the next connection. */
    gdb_breakpoints_remove_all(gs);
    gs->conn = NULL;
    rsp_fini(conn);
    free(conn);
    return gs->result;
}

int gdb_server_serve_fd(GdbServer *gs, int fd)
{
    RspConn *conn = xcalloc(1, sizeof *conn);
    rsp_init(conn, fd);
    return serve_conn(gs, conn);
}

int gdb_server_serve_script(GdbServer *gs, const uint8_t *script, size_t len,
                            GdbBuf *sent)
{
    RspConn *conn = xcalloc(1, sizeof *conn);
    rsp_init_script(conn, script, len, sent);
    return serve_conn(gs, conn);
}

/* Lets the peer read everything before the socket goes away (closing
 * with unread input would reset the connection). */
static void close_gently(int fd)
{
    shutdown(fd, SHUT_WR);
    char buf[256];
    for (int i = 0; i < 100; i++) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        if (poll(&pfd, 1, 20) <= 0)
            break;
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n <= 0)
            break;
    }
    close(fd);
}

int gdb_server_serve(GdbServer *gs)
{
    int fd = gs->pending_fd;
    gs->pending_fd = -1;
    while (fd < 0) {
        if (gs->listen_fd < 0)
            return GDB_SERVE_ERROR;
        fd = accept4(gs->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0 && errno != EINTR && errno != ECONNABORTED)
            return GDB_SERVE_ERROR;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    int r = gdb_server_serve_fd(gs, fd);
    close_gently(fd);
    return r;
}
