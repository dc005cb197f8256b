/* Shared by the gdbstub sources; not a public interface. */
#ifndef GDBSTUB_INTERNAL_H
#define GDBSTUB_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gdbstub/gdbstub.h"

/* ---- a growable byte buffer (gdbstub/rsp.c) ---- */
typedef struct GdbBuf {
    char *data; /* NUL-terminated, may hold NULs */
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
    RSP_RAW_MAX = GDB_PACKET_SIZE + 16, /* payload bytes kept before '#' */
    RSP_DECODED_MAX = 2 * GDB_PACKET_SIZE,
    RSP_IN_SIZE = 4096,
};

typedef struct RspConn {
    int fd;
    bool eof;    /* the peer has sent everything (buffered input may remain) */
    bool broken; /* a write failed: the peer is gone */
    bool noack; /* QStartNoAckMode done */
    uint8_t in[RSP_IN_SIZE];
    size_t in_pos, in_len;
    char raw[RSP_RAW_MAX];
    char pkt[RSP_DECODED_MAX + 1]; /* the packet received, NUL-terminated */
    size_t pkt_len;
    GdbBuf last; /* the last packet sent, framed, for a '-' */
} RspConn;

void rsp_init(RspConn *c, int fd);
void rsp_fini(RspConn *c);
/* Blocks until a well-formed packet is in c->pkt: acks it, NAKs a bad
 * checksum, resends on '-', skips garbage and 0x03 (halted). A packet
 * longer than the buffers is answered E01. False at EOF. */
bool rsp_read_packet(RspConn *c);
void rsp_send(RspConn *c, const char *data, size_t len);
void rsp_send_str(RspConn *c, const char *s);
/* Console output as O packets. */
void rsp_send_console(RspConn *c, const char *text, size_t len);
/* Non-blocking: true when a 0x03 arrived (consumed) or the peer is gone. */
bool rsp_poll_interrupt(RspConn *c);
/* The peer closed and everything it sent has been read. */
bool rsp_gone(const RspConn *c);

/* The target.xml for this hart (probes every CSR once). */
char *gdb_target_xml(const Cpu *cpu, size_t *len);

/* ---- monitor commands (gdbstub/monitor.c) ---- */
/* Runs one `monitor` command line, appending its output. */
void gdb_monitor_run(GdbServer *gs, const char *line, GdbBuf *out);
/* For monitor handlers. */
const GdbTarget *gdb_server_target(const GdbServer *gs);

#endif
