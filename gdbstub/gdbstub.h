/* The GDB Remote Serial Protocol server (gdb-multiarch `target remote`).
 *
 * One hart, all-stop. The server talks to the CPU through sim/cpu/cpu.h
 * (registers, CSRs, host-side breakpoints and watchpoints) and to memory
 * through the side-effect-free debugger path (memory_debug_read/write);
 * the simulator provides the run loop and the rest through GdbTarget.
 *
 * Use (sim/app_gdb.c):
 *     GdbServer *gs = gdb_server_new(&target, "127.0.0.1:0", &err);
 *     ... gdb_server_port(gs) ...
 *     int r = gdb_server_serve(gs);   // blocks: accept + serve one client
 *     r >= 0: the firmware exited with status r (gdb was told `Wxx`)
 *     GDB_SERVE_KILLED: gdb killed the target (`k` / `vKill`)
 *     GDB_SERVE_DETACHED: gdb detached (`D`) or disconnected: run on
 *     GDB_SERVE_ERROR: accepting failed
 * While the firmware runs (inside target->resume, and after a detach) the
 * run loop calls gdb_server_poll_interrupt() every ~1 ms of virtual time
 * and stops the CPU when it returns true: gdb sent Ctrl-C, gdb went away,
 * or (with no client) a new client connected; gdb_server_serve then serves
 * that client. See gdbstub/README.md.
 */
#ifndef GDBSTUB_GDBSTUB_H
#define GDBSTUB_GDBSTUB_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/cpu/cpu.h"
#include "soc/error.h"
#include "soc/memory.h"

typedef struct GdbServer GdbServer;

typedef struct GdbTarget {
    Cpu *cpu;
    MemorySystem *ms;
    void *opaque; /* passed to every callback */
    /* Runs the firmware until max_insns retire (1 = an exact single step,
     * UINT64_MAX = continue), a breakpoint/watchpoint, a stop request (the
     * loop stops the CPU when gdb_server_poll_interrupt returns true), or
     * the firmware's end. NULL: the server runs cpu_run itself in chunks,
     * polling in between (enough for tests). */
    CpuStopReason (*resume)(void *opaque, uint64_t max_insns, Error **errp);
    /* True once the firmware has exited; *status is its exit status.
     * NULL: never. */
    bool (*exited)(void *opaque, int *status);
    /* Runs gdb's `monitor LINE` (qRcmd) while the target is halted: the
     * simulator's monitor language (sim/monitor.h, as MONITOR_FROM_GDB),
     * the server keeps no commands of its own. Returns the output,
     * malloc'd (the server frees it; NULL: none), errors included. NULL:
     * every command is answered "no monitor on this target". */
    char *(*monitor)(void *opaque, const char *line);
    /* Reverse execution (gdb's reverse-stepi, reverse-continue, ...;
     * docs/DEBUGGING.md). Both set, or both NULL: only then does
     * qSupported offer ReverseStep+;ReverseContinue+ and are `bs` and
     * `bc` served (else they get the empty reply of an unknown packet).
     *
     * reverse_step goes to the state from which one forward step (`s`)
     * reaches the present one; reverse_continue to the last stop a
     * forward run through the past would have made (a breakpoint: the
     * pc on it; a watchpoint: just after the last access to it before
     * the present, with cpu_watch_hit saying which, as gdb steps back
     * over the access itself). Both return CPU_STOP_INSN_LIMIT after a
     * step, CPU_STOP_BREAKPOINT or CPU_STOP_WATCHPOINT; *history_begin
     * set when they stopped because the recorded history begins there
     * (gdb: "No more reverse-execution history"). With *errp set they
     * failed (the stub says why on gdb's console and replies E01). */
    CpuStopReason (*reverse_step)(void *opaque, bool *history_begin, Error **errp);
    CpuStopReason (*reverse_continue)(void *opaque, bool *history_begin, Error **errp);
    /* gdb changed the machine (G, P, `c ADDR`; M, X): a register in
     * gdb's numbering (0-31 x0-x31, 32 pc, 65+N CSR N) set to value, or
     * memory it asked to write through memory_debug_write (also when only
     * a part could be). For the input log (sim/input_log.h). NULL: none. */
    void (*wrote_register)(void *opaque, uint32_t regnum, uint32_t value);
    void (*wrote_memory)(void *opaque, uint32_t addr, const uint8_t *data, uint32_t len);
} GdbTarget;

enum {
    GDB_SERVE_KILLED = -1,
    GDB_SERVE_DETACHED = -2,
    GDB_SERVE_ERROR = -3,
};

/* The largest packet gdb may send (advertised as PacketSize). */
#define GDB_PACKET_SIZE 4096

/* listen: "[HOST:]PORT" (HOST defaults to 127.0.0.1, PORT 0 picks a free
 * port), or NULL for no socket at all (gdb_server_serve_fd only). The
 * target is copied. */
GdbServer *gdb_server_new(const GdbTarget *target, const char *listen,
                          Error **errp);
void gdb_server_free(GdbServer *gs);
/* The port listened on (0 without a socket). */
uint16_t gdb_server_port(const GdbServer *gs);

/* Accepts one client (or takes the one gdb_server_poll_interrupt accepted)
 * and serves it; see the top of this file for the result. Each connection
 * starts with fresh protocol state; breakpoints and watchpoints gdb
 * inserted are removed when it ends. */
int gdb_server_serve(GdbServer *gs);
/* The same on an already connected stream socket (tests use a
 * socketpair). The fd is not closed. */
int gdb_server_serve_fd(GdbServer *gs, int fd);
/* Non-blocking, for the run loop: true when the CPU should stop (see the
 * top of this file). Each call takes in what the client sent since the
 * last (up to 64 KiB), so input never piles up unread: a 0x03 after any
 * amount of other bytes, and the end of the stream, are always seen. */
bool gdb_server_poll_interrupt(GdbServer *gs);
/* True when a client connected while the firmware ran without one (the
 * next gdb_server_serve serves it without blocking). */
bool gdb_server_client_pending(const GdbServer *gs);

#endif
