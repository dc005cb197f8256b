/* The private interface between the gdbstub sources; not a public one.
 *
 *   rsp.c              GdbBuf, hex, and the packet layer (RspConn)
 *   gdbstub.c          the server: listener, sessions, run control
 *   gdbstub_packets.c  the packet handlers (gdb_handle_packet)
 *   monitor.c          `monitor` commands (gdb_monitor_run)
 *   target_xml.c       target.xml (gdb_target_xml)
 */
#ifndef GDBSTUB_INTERNAL_H
#define GDBSTUB_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gdbstub/gdbstub.h"

/* ---- a growable byte buffer (gdbstub/rsp.c) ---- */
typedef struct GdbBuf {
    char *data; /* NUL-terminated, may hold NULs; owned, gdb_buf_free frees */
    size_t len, cap;
} GdbBuf;
void gdb_buf_put(GdbBuf *b, const void *data, size_t len);
void gdb_buf_puts(GdbBuf *b, const char *s);
void gdb_buf_printf(GdbBuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void gdb_buf_hex(GdbBuf *b, const void *data, size_t len);
void gdb_buf_clear(GdbBuf *b);
void gdb_buf_free(GdbBuf *b);

int gdb_hexval(int c); /* -1 when not a hex digit */
/* Decodes 2*len hex chars; false on a non-hex char. */
bool gdb_unhex(const char *hex, size_t len, uint8_t *out);

/* ---- the packet layer (gdbstub/rsp.c) ---- */
enum {
    /* Every packet we send carries at most this many payload bytes (between
     * '$' and '#'): the PacketSize we advertise. rsp_send enforces it;
     * handlers size what they produce with RSP_HEX_FITS. */
    RSP_REPLY_MAX = GDB_PACKET_SIZE,
    RSP_RAW_MAX = GDB_PACKET_SIZE + 16, /* payload bytes kept before '#' */
    RSP_DECODED_MAX = 2 * GDB_PACKET_SIZE,
    RSP_IN_SIZE = 4096,
    /* Packets that arrive while the target runs wait, in arrival order,
     * up to this many bytes; later ones are dropped unacknowledged. */
    RSP_WAITING_MAX = 4 * RSP_DECODED_MAX,
    /* Bytes one rsp_poll takes in at most: a flood cannot hold the run. */
    RSP_POLL_BUDGET = 64 * 1024,
};
/* How many bytes fit hex-encoded in a reply after `prefix` other bytes. */
#define RSP_HEX_FITS(prefix) ((RSP_REPLY_MAX - (prefix)) / 2)

typedef enum RspState {
    RSP_IDLE,     /* between packets */
    RSP_BODY,     /* after '$' */
    RSP_CSUM_HI,  /* after '#' */
    RSP_CSUM_LO,
} RspState;

/* One connection. The bytes the peer sends go through one parser whether
 * the target is halted (rsp_read_packet blocks for the next packet) or
 * running (rsp_poll takes in whatever has arrived and never blocks): so
 * input never piles up unread, a 0x03 is seen wherever it is, and the end
 * of the stream is noticed. */
typedef struct RspConn {
    int fd;             /* the socket; -1: the peer is `script` (fuzzing) */
    const uint8_t *script; /* fd < 0: everything the peer sends, then EOF */
    size_t script_len;
    GdbBuf *sent;       /* fd < 0: what we send is appended (NULL: dropped) */
    bool eof;    /* the peer has sent everything (buffered input may remain) */
    bool broken; /* a write failed: the peer is gone */
    bool noack;  /* QStartNoAckMode done */
    bool running; /* the target runs: 0x03 interrupts, packets wait */
    /* the parser */
    RspState state;
    size_t raw_len;
    bool overlong;
    unsigned sum;
    int csum_hi;
    uint8_t in[RSP_IN_SIZE];
    size_t in_pos, in_len;
    char raw[RSP_RAW_MAX];
    char decoded[RSP_DECODED_MAX];
    /* Whole packets received and not yet handled, each as a size_t
     * length then its bytes; `waiting_pos` is the next one. */
    GdbBuf waiting;
    size_t waiting_pos;
    char pkt[RSP_DECODED_MAX + 1]; /* the packet being handled, NUL-terminated */
    size_t pkt_len;
    GdbBuf last; /* the last packet sent, framed, for a '-' */
} RspConn;

/* fd: a connected stream socket, which stays the caller's to close. */
void rsp_init(RspConn *c, int fd);
/* A peer in memory: `script` is all it sends (the caller keeps it alive
 * until rsp_fini); what we send goes to *sent unless sent is NULL. */
void rsp_init_script(RspConn *c, const uint8_t *script, size_t len, GdbBuf *sent);
void rsp_fini(RspConn *c);
/* Blocks until a well-formed packet is in c->pkt: acks it, NAKs a bad
 * checksum, resends on '-', skips garbage and 0x03 (halted). A packet
 * longer than the buffers is answered E01. False at EOF. */
bool rsp_read_packet(RspConn *c);
/* payload at most RSP_REPLY_MAX bytes (a longer one is a bug: abort). */
void rsp_send(RspConn *c, const char *data, size_t len);
void rsp_send_str(RspConn *c, const char *s);
/* Console output as O packets. */
void rsp_send_console(RspConn *c, const char *text, size_t len);

typedef enum RspPoll {
    RSP_POLL_NOTHING,   /* keep running */
    RSP_POLL_INTERRUPT, /* a 0x03 arrived (consumed) */
    RSP_POLL_GONE,      /* the peer closed or broke the connection */
} RspPoll;
/* While the target runs (c->running): takes in what has arrived, without
 * blocking. Packets are acked and wait for rsp_read_packet; bytes after a
 * 0x03 stay buffered for it too. */
RspPoll rsp_poll(RspConn *c);
/* The peer is gone and nothing it sent is left to handle. */
bool rsp_gone(const RspConn *c);

/* The target.xml for this hart (probes every CSR once); malloc'd. */
char *gdb_target_xml(const Cpu *cpu, size_t *len);

/* ---- the server (gdbstub/gdbstub.c) ---- */
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
    bool done;      /* the session ends after this packet */
    int result;     /* what gdb_server_serve returns then */
    bool interrupted; /* a Ctrl-C stopped the run */
    char last_stop[64];
    char *xml; /* target.xml, made on first request */
    size_t xml_len;
    /* What the session inserted, removed when it ends. */
    GdbBreak *breaks;
    size_t nbreaks;
    GdbWatch *watches;
    size_t nwatches;
    GdbBuf reply; /* scratch for building replies */
};

/* Serves one connection whose peer is `script` (fuzzing, tests): as
 * gdb_server_serve_fd; what the server sends goes to *sent (NULL: dropped). */
int gdb_server_serve_script(GdbServer *gs, const uint8_t *script, size_t len,
                            GdbBuf *sent);
/* c, s, vCont: runs the target (a step when max_insns is 1) and sends the
 * stop reply, or W on exit, or nothing when the client went away. */
void gdb_server_resume(GdbServer *gs, uint64_t max_insns);
/* The stop reply for `?`. */
void gdb_server_stop_status(GdbServer *gs);
/* The target can run backwards (GdbTarget.reverse_step and
 * reverse_continue are set). */
bool gdb_server_can_reverse(const GdbServer *gs);
/* bs/bc: goes back one step or to the last stop before the present, and
 * sends the stop reply (replaylog:begin at the start of the history), or
 * E01 with the reason on gdb's console. Only when gdb_server_can_reverse. */
void gdb_server_reverse(GdbServer *gs, bool step);

/* ---- packet handlers (gdbstub/gdbstub_packets.c) ---- */
/* Handles gs->conn->pkt, replying on gs->conn. */
void gdb_handle_packet(GdbServer *gs);
/* Removes every breakpoint and watchpoint the session inserted. */
void gdb_breakpoints_remove_all(GdbServer *gs);

/* ---- monitor commands (gdbstub/monitor.c) ---- */
/* Runs one `monitor` command line, appending its output. */
void gdb_monitor_run(GdbServer *gs, const char *line, GdbBuf *out);

#endif
