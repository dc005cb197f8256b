/* The packet handlers: registers, memory, breakpoints and watchpoints,
 * c/s/vCont (which run the target through gdb_server_resume), bs/bc
 * (backwards, through gdb_server_reverse), queries,
 * qRcmd and the dispatch by the first character (gdb_handle_packet).
 * Each handler parses its arguments strictly (anything malformed is E01)
 * and sends exactly one reply, sized to fit PacketSize (RSP_REPLY_MAX). */
#include "gdbstub/gdbstub_internal.h"
#include "soc/alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    MEM_WRITE_MAX = GDB_PACKET_SIZE,     /* bytes per M/X: an X packet of PacketSize fits */
    MEM_READ_MAX = RSP_HEX_FITS(0),      /* bytes per m reply (two hex digits each) */
};

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

/* The input log hears of what gdb changed (GdbTarget.wrote_*). A write
 * of the pc is told before it is made: an input is logged at the position
 * where it came, and the pc is part of the position (a replay must reach
 * the old pc to apply it). */
static void wrote_register(GdbServer *gs, uint32_t regnum, uint32_t value)
{
    if (gs->target.wrote_register)
        gs->target.wrote_register(gs->target.opaque, regnum, value);
}

static void cmd_write_regs(GdbServer *gs, const char *args, size_t len)
{
    uint32_t v[33];
    if (len != 33 * 8) {
        reply(gs, "E01");
        return;
    }
    for (unsigned i = 0; i < 33; i++) {
        if (!get_le32(args + 8 * i, &v[i])) {
            reply(gs, "E01");
            return;
        }
    }
    for (unsigned i = 1; i < 33; i++)
        wrote_register(gs, i, v[i]); /* before the pc moves */
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
    if (n == 32)
        wrote_register(gs, n, v); /* before the pc moves */
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
    if (n != 0 && n != 32)
        wrote_register(gs, n, v);
    reply(gs, "OK");
}

/* ---- memory ---- */

/* "ADDR,LEN" with LEN at most MEM_WRITE_MAX and no wrap past 0xffffffff
 * when strict (writes); reads are clamped to MEM_READ_MAX and the end of
 * the address space instead (gdb asks again for the rest). */
static bool parse_range(const char **p, uint32_t *addr, uint32_t *len, bool strict)
{
    if (!parse_hex32(p, addr) || !expect(p, ',') || !parse_hex32(p, len))
        return false;
    uint64_t room = (1ull << 32) - *addr;
    if (strict)
        return *len <= MEM_WRITE_MAX && *len <= room;
    if (*len > MEM_READ_MAX)
        *len = MEM_READ_MAX;
    if (*len > room)
        *len = (uint32_t)room;
    return true;
}

static void cmd_read_mem(GdbServer *gs, const char *args)
{
    uint32_t addr, len;
    uint8_t data[MEM_READ_MAX];
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
    bool written = !len || memory_debug_write(gs->target.ms, addr, data, len, NULL);
    if (len && gs->target.wrote_memory)
        gs->target.wrote_memory(gs->target.opaque, addr, data, len);
    if (!written)
        reply(gs, "E14");
    else
        reply(gs, "OK");
}

static void cmd_write_mem(GdbServer *gs, const char *args)
{
    uint32_t addr, len;
    uint8_t data[MEM_WRITE_MAX];
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
    uint8_t data[MEM_WRITE_MAX];
    if (!parse_range(&args, &addr, &len, true) || !expect(&args, ':')) {
        reply(gs, "E01");
        return;
    }
    const char *end = pkt + pkt_len;
    size_t n = 0;
    while (args < end) {
        uint8_t b = (uint8_t)*args++;
        if (b == '}') {
            if (args == end) {
                reply(gs, "E01"); /* an escape with nothing to escape */
                return;
            }
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

void gdb_breakpoints_remove_all(GdbServer *gs)
{
    for (size_t i = 0; i < gs->nbreaks; i++)
        cpu_breakpoint_remove(gs->target.cpu, gs->breaks[i].addr);
    for (size_t i = 0; i < gs->nwatches; i++)
        cpu_watchpoint_remove(gs->target.cpu, gs->watches[i].addr,
                              gs->watches[i].len, gs->watches[i].kind);
    gs->nbreaks = gs->nwatches = 0;
}

static size_t find_break(const GdbServer *gs, uint32_t addr, int type)
{
    size_t i = 0;
    while (i < gs->nbreaks && (gs->breaks[i].addr != addr || gs->breaks[i].type != type))
        i++;
    return i;
}

/* Z0/Z1/z0/z1: idempotent, as gdb re-inserts around every stop. Both
 * kinds are host-side CPU breakpoints, which the hart counts (a scenario
 * may hold one at the same pc): each entry here holds one. */
static void set_breakpoint(GdbServer *gs, bool insert, int type, uint32_t addr)
{
    Cpu *cpu = gs->target.cpu;
    size_t i = find_break(gs, addr, type);
    if (insert && i == gs->nbreaks) {
        gs->breaks = xrealloc(gs->breaks, (gs->nbreaks + 1) * sizeof *gs->breaks);
        gs->breaks[gs->nbreaks++] = (GdbBreak){addr, type};
        cpu_breakpoint_add(cpu, addr);
    } else if (!insert && i < gs->nbreaks) {
        /* the hart counts its breakpoints: one removal per insertion */
        gs->breaks[i] = gs->breaks[--gs->nbreaks];
        cpu_breakpoint_remove(cpu, addr);
    }
    reply(gs, "OK");
}

/* Z2/Z3/Z4 (write, read, access) and their z. */
static void set_watchpoint(GdbServer *gs, bool insert, CpuWatchKind kind,
                           uint32_t addr, uint32_t len)
{
    Cpu *cpu = gs->target.cpu;
    size_t i = 0;
    while (i < gs->nwatches && (gs->watches[i].addr != addr || gs->watches[i].len != len ||
                                gs->watches[i].kind != kind))
        i++;
    if (insert && i == gs->nwatches) {
        if (!cpu_watchpoint_add(cpu, addr, len, kind)) {
            reply(gs, "E01"); /* empty, or past the end of the address space */
            return;
        }
        gs->watches = xrealloc(gs->watches, (gs->nwatches + 1) * sizeof *gs->watches);
        gs->watches[gs->nwatches++] = (GdbWatch){addr, len, kind};
    } else if (!insert && i < gs->nwatches) {
        cpu_watchpoint_remove(cpu, addr, len, kind);
        gs->watches[i] = gs->watches[--gs->nwatches];
    }
    reply(gs, "OK");
}

/* "Ztype,addr,kind[;cond...]" (conditions are not evaluated here: gdb
 * only sends them when told the stub supports them). */
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
    if (type <= 1)
        set_breakpoint(gs, insert, (int)type, addr);
    else if (type <= 4)
        set_watchpoint(gs, insert,
                       type == 2 ? CPU_WATCH_WRITE : type == 3 ? CPU_WATCH_READ
                                                               : CPU_WATCH_ACCESS,
                       addr, kind);
    else
        reply(gs, "");
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
        wrote_register(gs, 32, addr); /* before the pc moves */
        cpu_set_pc(gs->target.cpu, addr);
    }
    gdb_server_resume(gs, step ? 1 : UINT64_MAX);
}

/* A vCont thread id, [p1.]TID up to `end`: TID 1 (our one thread), 0
 * (any) or -1 (all) is ours, another number is not. False when it is no
 * thread id at all. */
static bool parse_vcont_thread(const char *p, const char *end, bool *ours)
{
    if (end - p >= 3 && strncmp(p, "p1.", 3) == 0)
        p += 3;
    if (end - p == 2 && strncmp(p, "-1", 2) == 0) {
        *ours = true;
        return true;
    }
    uint32_t tid;
    if (!parse_hex32(&p, &tid) || p != end)
        return false;
    *ours = tid == 0 || tid == 1;
    return true;
}

static void cmd_vcont(GdbServer *gs, const char *args)
{
    /* The first action that applies to our thread (or all). */
    while (*args == ';') {
        args++;
        char action = *args;
        const char *end = strchr(args, ';');
        if (!end)
            end = args + strlen(args);
        const char *colon = memchr(args, ':', (size_t)(end - args));
        bool ours = true;
        if (colon && !parse_vcont_thread(colon + 1, end, &ours))
            break;
        if (ours && (action == 'c' || action == 'C' || action == 's' || action == 'S')) {
            gdb_server_resume(gs, action == 's' || action == 'S' ? 1 : UINT64_MAX);
            return;
        }
        args = end;
    }
    reply(gs, "E01");
}

/* bs/bc: backwards, when the target can (else unknown: empty). They
 * take no argument. */
static void cmd_backward(GdbServer *gs, const char *pkt)
{
    if (!gdb_server_can_reverse(gs) || (pkt[1] != 's' && pkt[1] != 'c')) {
        reply(gs, "");
        return;
    }
    if (pkt[2]) {
        reply(gs, "E01");
        return;
    }
    gdb_server_reverse(gs, pkt[1] == 's');
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
    /* As much as was asked for and fits, escapes included, after the
     * one-letter m/l. */
    size_t avail = gs->xml_len - off, n = 0;
    gdb_buf_clear(&gs->reply);
    gdb_buf_puts(&gs->reply, "m");
    for (; n < avail && n < len; n++) {
        char c = gs->xml[off + n];
        bool escaped = c == '$' || c == '#' || c == '}' || c == '*';
        if (gs->reply.len + (escaped ? 2 : 1) > RSP_REPLY_MAX)
            break;
        char esc[2] = {'}', (char)(c ^ 0x20)};
        gdb_buf_put(&gs->reply, escaped ? esc : &c, escaped ? 2 : 1);
    }
    if (n == avail)
        gs->reply.data[0] = 'l';
    reply_buf(gs);
}

static void cmd_rcmd(GdbServer *gs, const char *hex)
{
    size_t n = strlen(hex);
    if (n % 2) {
        reply(gs, "E01");
        return;
    }
    char *line = xcalloc(1, n / 2 + 1);
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
        char s[200];
        snprintf(s, sizeof s,
                 "PacketSize=%x;qXfer:features:read+;swbreak+;hwbreak+;"
                 "vContSupported+;QStartNoAckMode+%s",
                 GDB_PACKET_SIZE,
                 gdb_server_can_reverse(gs) ? ";ReverseStep+;ReverseContinue+" : "");
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


void gdb_handle_packet(GdbServer *gs)
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
        gdb_server_stop_status(gs);
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
    case 'b':
        cmd_backward(gs, pkt);
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

