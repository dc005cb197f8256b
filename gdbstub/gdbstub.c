/* The GDB server: sockets, sessions and the packet handlers. The packet
 * layer is gdbstub/rsp.c, the monitor commands gdbstub/monitor.c, the
 * target description gdbstub/target_xml.c. */
#include "gdbstub/gdbstub_internal.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum {
    MEM_MAX = GDB_PACKET_SIZE, /* bytes per m/M/X: an X packet of PacketSize fits */
    XFER_MAX = 4000,  /* bytes of target.xml per qXfer reply */
    RUN_CHUNK = 10000 /* instructions between polls without target->resume */
};

typedef struct GdbBreak {
    uint32_t addr;
    int type; /* 0 software, 1 hardware */
} GdbBreak;

typedef struct GdbWatch {
    uint32_t addr, len;
    CpuWatchKind kind;
} GdbWatch;

struct GdbServer {
    GdbTarget target;
    int listen_fd;
    int pending_fd; /* accepted by the poll while no client was served */
    uint16_t port;
    RspConn *conn;  /* the session being served */
    bool done;
    int result;
    bool interrupted; /* a Ctrl-C stopped the run */
    char last_stop[64];
    char *xml;
    size_t xml_len;
    GdbBreak *breaks;
    size_t nbreaks;
    GdbWatch *watches;
    size_t nwatches;
    GdbBuf reply;
};

const GdbTarget *gdb_server_target(const GdbServer *gs)
{
    return &gs->target;
}

/* ---- setup ---- */

static bool open_listener(GdbServer *gs, const char *spec, Error **errp)
{
    char host[256] = "127.0.0.1";
    const char *port = spec;
    const char *colon = strrchr(spec, ':');
    if (colon) {
        size_t n = (size_t)(colon - spec);
        if (n >= sizeof host) {
            error_setf(errp, "gdb: bad address '%s'", spec);
            return false;
        }
        if (n > 0) {
            memcpy(host, spec, n);
            host[n] = 0;
        }
        port = colon + 1;
    }
    char *end;
    long p = strtol(port, &end, 10);
    if (!*port || *end || p < 0 || p > 65535) {
        error_setf(errp, "gdb: bad port in '%s' (want [HOST:]PORT)", spec);
        return false;
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0) {
        error_setf(errp, "gdb: cannot resolve '%s': %s", host, gai_strerror(rc));
        return false;
    }
    int fd = -1, err = 0;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            err = errno;
            continue;
        }
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 1) == 0)
            break;
        err = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        error_setf(errp, "gdb: cannot listen on %s:%s: %s", host, port, strerror(err));
        return false;
    }
    struct sockaddr_storage sa;
    socklen_t salen = sizeof sa;
    if (getsockname(fd, (struct sockaddr *)&sa, &salen) == 0) {
        if (sa.ss_family == AF_INET)
            gs->port = ntohs(((struct sockaddr_in *)&sa)->sin_port);
        else if (sa.ss_family == AF_INET6)
            gs->port = ntohs(((struct sockaddr_in6 *)&sa)->sin6_port);
    }
    gs->listen_fd = fd;
    return true;
}

GdbServer *gdb_server_new(const GdbTarget *target, const char *listen_spec,
                          Error **errp)
{
    GdbServer *gs = calloc(1, sizeof *gs);
    if (!gs)
        abort();
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

/* ---- helpers ---- */

static void reply(GdbServer *gs, const char *s)
{
    rsp_send_str(gs->conn, s);
}

static void reply_buf(GdbServer *gs)
{
    rsp_send(gs->conn, gs->reply.data ? gs->reply.data : "", gs->reply.len);
}

/* Parses a hex number of at most 32 bits; advances *p. */
static bool parse_hex32(const char **p, uint32_t *out)
{
    const char *s = *p;
    uint64_t v = 0;
    int n = 0;
    for (int d; (d = gdb_hexval((unsigned char)*s)) >= 0; s++, n++) {
        v = v << 4 | (unsigned)d;
        if (v > 0xffffffffu)
            return false;
    }
    if (n == 0)
        return false;
    *p = s;
    *out = (uint32_t)v;
    return true;
}

static bool expect(const char **p, char c)
{
    if (**p != c)
        return false;
    (*p)++;
    return true;
}

static void put_le32(GdbBuf *b, uint32_t v)
{
    uint8_t bytes[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
                        (uint8_t)(v >> 24)};
    gdb_buf_hex(b, bytes, 4);
}

static bool get_le32(const char *hex, uint32_t *v)
{
    uint8_t b[4];
    if (!gdb_unhex(hex, 4, b))
        return false;
    *v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
         (uint32_t)b[3] << 24;
    return true;
}

static bool starts(const char *pkt, const char *prefix)
{
    return strncmp(pkt, prefix, strlen(prefix)) == 0;
}

/* ---- registers ---- */

static void cmd_read_regs(GdbServer *gs)
{
    Cpu *cpu = gs->target.cpu;
    gdb_buf_clear(&gs->reply);
    for (unsigned i = 0; i < 32; i++)
        put_le32(&gs->reply, cpu_get_reg(cpu, i));
    put_le32(&gs->reply, cpu_get_pc(cpu));
    reply_buf(gs);
}

static void cmd_write_regs(GdbServer *gs, const char *args, size_t len)
{
    uint32_t v[33];
    if (len < 33 * 8) {
        reply(gs, "E01");
        return;
    }
    for (unsigned i = 0; i < 33; i++) {
        if (!get_le32(args + 8 * i, &v[i])) {
            reply(gs, "E01");
            return;
        }
    }
    for (unsigned i = 1; i < 32; i++)
        cpu_set_reg(gs->target.cpu, i, v[i]);
    cpu_set_pc(gs->target.cpu, v[32]);
    reply(gs, "OK");
}

static bool reg_read(GdbServer *gs, uint32_t n, uint32_t *v)
{
    if (n < 32) {
        *v = cpu_get_reg(gs->target.cpu, n);
        return true;
    }
    if (n == 32) {
        *v = cpu_get_pc(gs->target.cpu);
        return true;
    }
    if (n >= 65 && n < 65 + 4096)
        return cpu_get_csr(gs->target.cpu, n - 65, v);
    return false;
}

static void cmd_read_reg(GdbServer *gs, const char *args)
{
    uint32_t n, v;
    if (!parse_hex32(&args, &n) || *args || !reg_read(gs, n, &v)) {
        reply(gs, "E01");
        return;
    }
    gdb_buf_clear(&gs->reply);
    put_le32(&gs->reply, v);
    reply_buf(gs);
}

static void cmd_write_reg(GdbServer *gs, const char *args)
{
    uint32_t n, v, old;
    if (!parse_hex32(&args, &n) || !expect(&args, '=') || strlen(args) != 8 ||
        !get_le32(args, &v) || !reg_read(gs, n, &old)) {
        reply(gs, "E01");
        return;
    }
    if (n == 0)
        ; /* x0 stays zero */
    else if (n < 32)
        cpu_set_reg(gs->target.cpu, n, v);
    else if (n == 32)
        cpu_set_pc(gs->target.cpu, v);
    else if (!cpu_set_csr(gs->target.cpu, n - 65, v)) {
        reply(gs, "E01");
        return;
    }
    reply(gs, "OK");
}

/* ---- memory ---- */

/* "ADDR,LEN" with LEN at most MEM_MAX and no wrap past 0xffffffff when
 * strict (writes); reads are clamped instead. */
static bool parse_range(const char **p, uint32_t *addr, uint32_t *len, bool strict)
{
    if (!parse_hex32(p, addr) || !expect(p, ',') || !parse_hex32(p, len))
        return false;
    uint64_t room = (1ull << 32) - *addr;
    if (strict)
        return *len <= MEM_MAX && *len <= room;
    if (*len > MEM_MAX)
        *len = MEM_MAX;
    if (*len > room)
        *len = (uint32_t)room;
    return true;
}

static void cmd_read_mem(GdbServer *gs, const char *args)
{
    uint32_t addr, len;
    uint8_t data[MEM_MAX];
    if (!parse_range(&args, &addr, &len, false) || *args) {
        reply(gs, "E01");
        return;
    }
    size_t n = len;
    if (!memory_debug_read(gs->target.ms, addr, data, len, NULL)) {
        /* Return the readable prefix, if any. */
        for (n = 0; n < len; n++)
            if (!memory_debug_read(gs->target.ms, addr + (uint32_t)n, data + n, 1, NULL))
                break;
        if (n == 0 && len > 0) {
            reply(gs, "E14");
            return;
        }
    }
    gdb_buf_clear(&gs->reply);
    gdb_buf_hex(&gs->reply, data, n);
    reply_buf(gs);
}

static void write_mem(GdbServer *gs, uint32_t addr, const uint8_t *data, uint32_t len)
{
    if (len && !memory_debug_write(gs->target.ms, addr, data, len, NULL))
        reply(gs, "E14");
    else
        reply(gs, "OK");
}

static void cmd_write_mem(GdbServer *gs, const char *args)
{
    uint32_t addr, len;
    uint8_t data[MEM_MAX];
    if (!parse_range(&args, &addr, &len, true) || !expect(&args, ':') ||
        strlen(args) != 2 * (size_t)len || !gdb_unhex(args, len, data)) {
        reply(gs, "E01");
        return;
    }
    write_mem(gs, addr, data, len);
}

static void cmd_write_bin(GdbServer *gs, const char *pkt, size_t pkt_len)
{
    const char *args = pkt + 1;
    uint32_t addr, len;
    uint8_t data[MEM_MAX];
    if (!parse_range(&args, &addr, &len, true) || !expect(&args, ':')) {
        reply(gs, "E01");
        return;
    }
    const char *end = pkt + pkt_len;
    size_t n = 0;
    while (args < end) {
        uint8_t b = (uint8_t)*args++;
        if (b == '}') {
            if (args == end)
                break;
            b = (uint8_t)*args++ ^ 0x20;
        }
        if (n == len) {
            n++;
            break;
        }
        data[n++] = b;
    }
    if (n != len || args != end) {
        reply(gs, "E01");
        return;
    }
    write_mem(gs, addr, data, len);
}

/* ---- breakpoints and watchpoints ---- */

static void break_remove_all(GdbServer *gs)
{
    for (size_t i = 0; i < gs->nbreaks; i++)
        cpu_breakpoint_remove(gs->target.cpu, gs->breaks[i].addr);
    for (size_t i = 0; i < gs->nwatches; i++)
        cpu_watchpoint_remove(gs->target.cpu, gs->watches[i].addr,
                              gs->watches[i].len, gs->watches[i].kind);
    gs->nbreaks = gs->nwatches = 0;
}

static void cmd_breakpoint(GdbServer *gs, const char *pkt)
{
    bool insert = pkt[0] == 'Z';
    const char *p = pkt + 1;
    uint32_t type, addr, kind;
    if (!parse_hex32(&p, &type) || !expect(&p, ',') || !parse_hex32(&p, &addr) ||
        !expect(&p, ',') || !parse_hex32(&p, &kind) || (*p && *p != ';')) {
        reply(gs, "E01");
        return;
    }
    Cpu *cpu = gs->target.cpu;
    if (type <= 1) {
        size_t i = 0;
        bool other = false; /* the other type at the same address */
        for (; i < gs->nbreaks; i++) {
            if (gs->breaks[i].addr == addr && gs->breaks[i].type != (int)type)
                other = true;
        }
        for (i = 0; i < gs->nbreaks; i++)
            if (gs->breaks[i].addr == addr && gs->breaks[i].type == (int)type)
                break;
        if (insert && i == gs->nbreaks) {
            GdbBreak *grown = realloc(gs->breaks, (gs->nbreaks + 1) * sizeof *grown);
            if (!grown)
                abort();
            gs->breaks = grown;
            gs->breaks[gs->nbreaks++] = (GdbBreak){addr, (int)type};
            cpu_breakpoint_add(cpu, addr);
        } else if (!insert && i < gs->nbreaks) {
            gs->breaks[i] = gs->breaks[--gs->nbreaks];
            if (!other)
                cpu_breakpoint_remove(cpu, addr);
        }
        reply(gs, "OK");
        return;
    }
    if (type > 4) {
        reply(gs, "");
        return;
    }
    CpuWatchKind wk = type == 2 ? CPU_WATCH_WRITE : type == 3 ? CPU_WATCH_READ
                                                              : CPU_WATCH_ACCESS;
    uint32_t len = kind;
    if (len == 0 || (uint64_t)addr + len > (1ull << 32)) {
        reply(gs, "E01");
        return;
    }
    size_t i = 0;
    for (; i < gs->nwatches; i++)
        if (gs->watches[i].addr == addr && gs->watches[i].len == len &&
            gs->watches[i].kind == wk)
            break;
    if (insert && i == gs->nwatches) {
        if (!cpu_watchpoint_add(cpu, addr, len, wk)) {
            reply(gs, "E01");
            return;
        }
        GdbWatch *grown = realloc(gs->watches, (gs->nwatches + 1) * sizeof *grown);
        if (!grown)
            abort();
        gs->watches = grown;
        gs->watches[gs->nwatches++] = (GdbWatch){addr, len, wk};
    } else if (!insert && i < gs->nwatches) {
        cpu_watchpoint_remove(cpu, addr, len, wk);
        gs->watches[i] = gs->watches[--gs->nwatches];
    }
    reply(gs, "OK");
}

/* ---- running ---- */

bool gdb_server_poll_interrupt(GdbServer *gs)
{
    if (gs->conn) {
        if (rsp_poll_interrupt(gs->conn)) {
            if (!rsp_gone(gs->conn))
                gs->interrupted = true;
            return true;
        }
        return false;
    }
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

static void resume(GdbServer *gs, uint64_t max)
{
    Error *err = NULL;
    gs->interrupted = false;
    CpuStopReason r = gs->target.resume
                          ? gs->target.resume(gs->target.opaque, max, &err)
                          : run_builtin(gs, max, &err);
    int status = 0;
    if (gs->target.exited && gs->target.exited(gs->target.opaque, &status)) {
        error_free(err);
        char w[8];
        snprintf(w, sizeof w, "W%02x", (unsigned)status & 0xff);
        reply(gs, w);
        gs->result = status;
        gs->done = true;
        return;
    }
    if (rsp_gone(gs->conn)) {
        error_free(err);
        gs->done = true; /* gdb went away while the firmware ran */
        return;
    }
    Cpu *cpu = gs->target.cpu;
    switch (r) {
    case CPU_STOP_BREAKPOINT: {
        bool hw = false, sw = false;
        for (size_t i = 0; i < gs->nbreaks; i++) {
            if (gs->breaks[i].addr != cpu_get_pc(cpu))
                continue;
            if (gs->breaks[i].type == 1)
                hw = true;
            else
                sw = true;
        }
        strcpy(gs->last_stop, hw && !sw ? "T05hwbreak:;" : "T05swbreak:;");
        break;
    }
    case CPU_STOP_WATCHPOINT: {
        uint32_t addr;
        CpuWatchKind kind;
        cpu_watch_hit(cpu, &addr, &kind);
        snprintf(gs->last_stop, sizeof gs->last_stop, "T05%s:%x;",
                 watch_word(kind), (unsigned)addr);
        break;
    }
    case CPU_STOP_REQUESTED:
        strcpy(gs->last_stop, gs->interrupted ? "T02" : "T05");
        break;
    case CPU_STOP_FAULT: {
        const char *msg = err ? error_message(err) : "fault";
        GdbBuf b = {0};
        gdb_buf_printf(&b, "simulator: %s\n", msg);
        rsp_send_console(gs->conn, b.data, b.len);
        gdb_buf_free(&b);
        strcpy(gs->last_stop, "T0b"); /* SIGSEGV */
        break;
    }
    case CPU_STOP_INSN_LIMIT:
    default:
        strcpy(gs->last_stop, "T05");
        break;
    }
    gs->interrupted = false;
    error_free(err);
    reply(gs, gs->last_stop);
}

/* c/s/C/S: optional ";ADDR" or "ADDR" to resume at. */
static void cmd_continue(GdbServer *gs, const char *pkt)
{
    bool step = pkt[0] == 's' || pkt[0] == 'S';
    const char *p = pkt + 1;
    uint32_t addr, sig;
    if (pkt[0] == 'C' || pkt[0] == 'S') {
        if (!parse_hex32(&p, &sig)) {
            reply(gs, "E01");
            return;
        }
        if (*p == ';')
            p++;
        else if (*p) {
            reply(gs, "E01");
            return;
        }
    }
    if (*p) {
        if (!parse_hex32(&p, &addr) || *p) {
            reply(gs, "E01");
            return;
        }
        cpu_set_pc(gs->target.cpu, addr);
    }
    resume(gs, step ? 1 : UINT64_MAX);
}

static void cmd_vcont(GdbServer *gs, const char *args)
{
    /* The first action that applies to our thread (or all). */
    while (*args == ';') {
        args++;
        char action = *args;
        const char *end = strchr(args, ';');
        const char *colon = strchr(args, ':');
        bool ours = true;
        if (colon && (!end || colon < end)) {
            const char *tid = colon + 1;
            ours = strncmp(tid, "-1", 2) == 0 || strncmp(tid, "1", 1) == 0 ||
                   strncmp(tid, "p1.", 3) == 0 || strncmp(tid, "p1", 2) == 0;
        }
        if (ours && (action == 'c' || action == 'C' || action == 's' || action == 'S')) {
            resume(gs, action == 's' || action == 'S' ? 1 : UINT64_MAX);
            return;
        }
        if (!end)
            break;
        args = end;
    }
    reply(gs, "E01");
}

/* ---- queries ---- */

static void cmd_xfer_features(GdbServer *gs, const char *args)
{
    const char *annex = "target.xml:";
    if (!starts(args, annex)) {
        reply(gs, "E00");
        return;
    }
    const char *p = args + strlen(annex);
    uint32_t off, len;
    if (!parse_hex32(&p, &off) || !expect(&p, ',') || !parse_hex32(&p, &len) || *p) {
        reply(gs, "E01");
        return;
    }
    if (!gs->xml)
        gs->xml = gdb_target_xml(gs->target.cpu, &gs->xml_len);
    if (off >= gs->xml_len) {
        reply(gs, "l");
        return;
    }
    size_t n = gs->xml_len - off;
    if (n > len)
        n = len;
    if (n > XFER_MAX)
        n = XFER_MAX;
    gdb_buf_clear(&gs->reply);
    gdb_buf_puts(&gs->reply, off + n >= gs->xml_len ? "l" : "m");
    for (size_t i = 0; i < n; i++) {
        char c = gs->xml[off + i];
        if (c == '$' || c == '#' || c == '}' || c == '*') {
            char esc[2] = {'}', (char)(c ^ 0x20)};
            gdb_buf_put(&gs->reply, esc, 2);
        } else {
            gdb_buf_put(&gs->reply, &c, 1);
        }
    }
    reply_buf(gs);
}

static void cmd_rcmd(GdbServer *gs, const char *hex)
{
    size_t n = strlen(hex);
    if (n % 2) {
        reply(gs, "E01");
        return;
    }
    char *line = malloc(n / 2 + 1);
    if (!line)
        abort();
    if (!gdb_unhex(hex, n / 2, (uint8_t *)line)) {
        free(line);
        reply(gs, "E01");
        return;
    }
    line[n / 2] = 0;
    GdbBuf out = {0};
    gdb_monitor_run(gs, line, &out);
    free(line);
    if (out.len)
        rsp_send_console(gs->conn, out.data, out.len);
    gdb_buf_free(&out);
    reply(gs, "OK");
}

static void cmd_query(GdbServer *gs, const char *pkt)
{
    if (starts(pkt, "qSupported")) {
        char s[160];
        snprintf(s, sizeof s,
                 "PacketSize=%x;qXfer:features:read+;swbreak+;hwbreak+;"
                 "vContSupported+;QStartNoAckMode+",
                 GDB_PACKET_SIZE);
        reply(gs, s);
    } else if (starts(pkt, "qXfer:features:read:")) {
        cmd_xfer_features(gs, pkt + strlen("qXfer:features:read:"));
    } else if (strcmp(pkt, "qfThreadInfo") == 0) {
        reply(gs, "m1");
    } else if (strcmp(pkt, "qsThreadInfo") == 0) {
        reply(gs, "l");
    } else if (strcmp(pkt, "qC") == 0) {
        reply(gs, "QC1");
    } else if (starts(pkt, "qAttached")) {
        reply(gs, "1");
    } else if (starts(pkt, "qSymbol")) {
        reply(gs, "OK");
    } else if (starts(pkt, "qRcmd,")) {
        cmd_rcmd(gs, pkt + strlen("qRcmd,"));
    } else if (strcmp(pkt, "QStartNoAckMode") == 0) {
        reply(gs, "OK");
        gs->conn->noack = true;
    } else {
        reply(gs, "");
    }
}

static void cmd_v(GdbServer *gs, const char *pkt)
{
    if (strcmp(pkt, "vCont?") == 0) {
        reply(gs, "vCont;c;C;s;S");
    } else if (starts(pkt, "vCont;")) {
        cmd_vcont(gs, pkt + strlen("vCont"));
    } else if (starts(pkt, "vKill")) {
        reply(gs, "OK");
        gs->result = GDB_SERVE_KILLED;
        gs->done = true;
    } else {
        reply(gs, ""); /* vMustReplyEmpty and everything else */
    }
}

static void stop_status(GdbServer *gs)
{
    int status;
    if (gs->target.exited && gs->target.exited(gs->target.opaque, &status)) {
        char w[8];
        snprintf(w, sizeof w, "W%02x", (unsigned)status & 0xff);
        reply(gs, w);
    } else {
        reply(gs, gs->last_stop);
    }
}

static void handle_packet(GdbServer *gs)
{
    const char *pkt = gs->conn->pkt;
    size_t len = gs->conn->pkt_len;
    /* Only X carries binary; a NUL elsewhere makes the packet garbage. */
    if (pkt[0] != 'X' && strlen(pkt) != len) {
        reply(gs, "E01");
        return;
    }
    switch (pkt[0]) {
    case '?':
        stop_status(gs);
        break;
    case 'g':
        if (pkt[1])
            reply(gs, "E01");
        else
            cmd_read_regs(gs);
        break;
    case 'G':
        cmd_write_regs(gs, pkt + 1, len - 1);
        break;
    case 'p':
        cmd_read_reg(gs, pkt + 1);
        break;
    case 'P':
        cmd_write_reg(gs, pkt + 1);
        break;
    case 'm':
        cmd_read_mem(gs, pkt + 1);
        break;
    case 'M':
        cmd_write_mem(gs, pkt + 1);
        break;
    case 'X':
        cmd_write_bin(gs, pkt, len);
        break;
    case 'c':
    case 's':
    case 'C':
    case 'S':
        cmd_continue(gs, pkt);
        break;
    case 'Z':
    case 'z':
        cmd_breakpoint(gs, pkt);
        break;
    case 'H':
    case 'T':
        reply(gs, "OK");
        break;
    case 'D':
        reply(gs, "OK");
        gs->result = GDB_SERVE_DETACHED;
        gs->done = true;
        break;
    case 'k':
        gs->result = GDB_SERVE_KILLED; /* no reply */
        gs->done = true;
        break;
    case 'q':
    case 'Q':
        cmd_query(gs, pkt);
        break;
    case 'v':
        cmd_v(gs, pkt);
        break;
    default:
        reply(gs, "");
        break;
    }
}

/* ---- sessions ---- */

int gdb_server_serve_fd(GdbServer *gs, int fd)
{
    RspConn *conn = malloc(sizeof *conn);
    if (!conn)
        abort();
    rsp_init(conn, fd);
    gs->conn = conn;
    gs->done = false;
    gs->result = GDB_SERVE_DETACHED;
    gs->interrupted = false;
    while (!gs->done && rsp_read_packet(conn))
        handle_packet(gs);
    /* gdb re-inserts what it wants on the next connection. */
    break_remove_all(gs);
    gs->conn = NULL;
    rsp_fini(conn);
    free(conn);
    return gs->result;
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
