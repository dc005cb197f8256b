/* The monitor console (`--monitor stdio|tcp:[HOST:]PORT|unix:PATH`): a
 * line-based channel to the monitor language (sim/monitor.h) while the
 * firmware runs, and the control socket (`--control tcp:..|unix:..`,
 * docs/CONTROL.md), the same channel in a mode: its listening line says
 * "control", and its first client is its only one (later ones are turned
 * away as busy). This file is the transport only; the run loop
 * (sim/session.c) takes each line, runs it between slices, at an
 * instruction boundary, and replies.
 *
 * The protocol, prompt-free so scripts can drive it: the client sends one
 * command per line ('\n', an optional '\r' before it is dropped); the
 * reply is the command's output lines, then one line that is exactly
 * "ok" or "error", always the last line of a reply. Replies come in the
 * order the lines were sent. An output line that would read exactly "ok"
 * or "error" is sent with a space before it, so the last line is never
 * ambiguous.
 *
 *   stdio        commands from stdin, replies on stdout (between the UART
 *                output the firmware prints there); no UART reads stdin.
 *                At the end of stdin the console closes.
 *   tcp:[HOST:]PORT  listens on HOST (default 127.0.0.1); PORT 0 picks a
 *                free port. "mcusim: monitor listening on HOST:PORT" on
 *                stderr says where, with the port bound.
 *   unix:PATH    listens on a Unix socket created at PATH ("mcusim:
 *                monitor listening on unix:PATH"), removed at exit. A
 *                stale socket left by a dead run is replaced; anything
 *                else at PATH is refused.
 *
 * One client at a time: another one is sent the line "error: busy:
 * another monitor client is connected" and closed. With `control`, a
 * client that leaves without sending a byte (a stale-socket probe) is
 * forgotten: the next one is the one. A client that leaves
 * mid-line loses that partial line; the next one starts afresh. A client
 * whose input ends (it closed, or shut down its sending side) no longer
 * holds the console: it still gets the replies to the lines it sent,
 * until the next client connects. A line longer than CONSOLE_LINE_MAX
 * bytes (not counting the '\r' dropped before its newline), or holding a
 * NUL byte, is refused as a whole when its newline arrives (an
 * "error: ..." line, then "error") and nothing runs. Nothing here blocks
 * except console_wait and a reply to a client that stops reading
 * (dropped after a few seconds).
 */
#ifndef SIM_CONSOLE_H
#define SIM_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "soc/error.h"

#define CONSOLE_LINE_MAX 4096

typedef struct Console Console;

typedef struct ConsoleConfig {
    bool control; /* --control: "control", one client only, no stdio */
} ConsoleConfig;

/* Checks a --monitor (or, with `control`, a --control) spec without
 * opening anything; the error names the forms accepted. */
bool console_check_spec(const char *spec, bool control, Error **errp);

/* Opens the console `spec` names and says on stderr where it listens
 * ("mcusim: monitor listening on ..." at once; "mcusim: control listening
 * on ..." at the first console_next_line or console_wait, once the run
 * is ready to serve, so that a client waiting for it never meets a
 * process that fails to start). stdio claims stdin from the UARTs
 * (sim/chardev_host.h), so open it before the machine. */
Console *console_open(const char *spec, const ConsoleConfig *config, Error **errp);
/* Closes the client, the listener, and removes a unix socket's path. */
void console_close(Console *console);

/* Non-blocking: takes in a client and what it sent, and notices a
 * hangup. Returns the next complete line (NUL-terminated, valid until the
 * next call) and its client in *client, or NULL when there is none yet.
 * A refused line comes back as the error line its reply must carry, with
 * *refused set (else cleared). Every line returned needs exactly one
 * console_reply, in the order the lines came, so the caller may hold
 * lines and answer them later. */
const char *console_next_line(Console *console, uint64_t *client, bool *refused);

/* Replies to a line console_next_line gave for `client`: `output`
 * (len bytes; lines, the last newline optional), then "ok" or "error".
 * Dropped when that client has gone. */
void console_reply(Console *console, uint64_t client, const char *output,
                   size_t len, bool ok);

/* Blocks until something arrives (a line, a client, a hangup, the end
 * of stdin) or `timeout_ms` pass (-1: no limit): poll, no busy loop. */
void console_wait(Console *console, int timeout_ms);

/* False once stdin has ended (stdio): nothing can come any more. Socket
 * consoles are always open: a client may come. */
bool console_open_for_input(const Console *console);

/* True once a client has come and its input has ended (it closed, or shut
 * down its sending side); it may still be owed replies. A newer client
 * (not with `control`) makes it false again. */
bool console_client_gone(const Console *console);

/* True when the client's input has ended, or ends after what it sent but
 * was not read yet (it closed, or shut down its sending side): for a
 * caller that has stopped reading (its read-ahead is full) and must not
 * miss that, or that must not start what nobody will wait for. */
bool console_input_ending(const Console *console);

#endif
