/* Host character backends behind soc/chardev.h.
 *
 * Specs (the `chardev:` property of a UART):
 *   stdio                 output to stdout; input from stdin, unless stdin
 *                         is /dev/null or closed. Only the first open stdio
 *                         backend reads stdin; later ones are output-only.
 *                         A terminal stays in line mode (input arrives when
 *                         Enter is pressed, the terminal echoes it).
 *   stdio:in=PATH         output to stdout, input from the file PATH
 *   null                  output dropped, no input
 *   file:PATH             output to PATH (created or truncated), no input
 *   file:out=PATH,in=PATH output to `out`, input from `in`; either key may
 *                         be left out (no `out`: output dropped; no `in`:
 *                         no input). A spec whose text after `file:` does
 *                         not start with `out=` or `in=` is one path, commas
 *                         included. Outputs may be regular files or
 *                         character devices (/dev/null, /dev/full), inputs
 *                         (here and in stdio:in=) regular files only; a
 *                         FIFO, socket or directory is refused (soc/file.h).
 *   tcp:PORT              listen on 127.0.0.1:PORT (0-65535; 0: a free
 *                         port the system picks), raw bytes. Where it
 *                         listens, with the port actually bound, is printed
 *                         on stderr ("mcusim: char device listening on
 *                         127.0.0.1:4444") when it opens.
 *   tcp:HOST:PORT         listen on HOST (a name or address; IPv6 in
 *                         brackets: tcp:[::1]:PORT). One client at a time;
 *                         others wait in the listen queue until it leaves.
 *                         Output while nobody is connected is dropped.
 *   pty                   a pseudo-terminal in raw mode; its slave path is
 *                         printed on stderr ("mcusim: char device
 *                         redirected to /dev/pts/N"). Output while no one
 *                         has the slave open is dropped, and so is output
 *                         not yet read when the run ends (closing the
 *                         master discards it).
 *
 * Nothing blocks the simulation: input is polled, and interactive sources
 * (terminals, pipes, sockets, ptys) are asked the host at most once a
 * millisecond after a poll that found nothing. A file's input ends at its
 * end (the device stops polling); stdin's at end of file; a socket's and a
 * pty's never (a client may come back).
 *
 * Output errors. Output that cannot be written to a file or to stdout (a
 * full disk, /dev/full, an I/O error) is lost output, which a CI job must
 * not miss: the first failure is reported once (to the caller's handler,
 * see chardev_open_reporting) and the backend drops its output from then
 * on. A failure while flushing at chardev_close counts too. Output dropped
 * by design (tcp and pty with nobody connected, null) is not an error.
 */
#ifndef SIM_CHARDEV_HOST_H
#define SIM_CHARDEV_HOST_H

#include "sim/lost_output.h"
#include "soc/chardev.h"
#include "soc/error.h"

/* Called once per backend, when its output first fails: `what` names it
 * ("chardev 'file:out.txt'", "chardev 'stdio' (stdout)"), `err` is the
 * errno. Called from inside chardev_write or chardev_close. */
typedef OutputLostFn ChardevWriteErrorFn;

/* The caller owns the result (chardev_close). Errors are one phrase naming
 * the spec: "chardev 'tcp:99999': port must be 0-65535 (0: any free
 * port)". Output errors go to `on_error(opaque, ...)`, which must stay
 * valid until chardev_close returns; NULL: one line on stderr, "mcusim:
 * chardev 'file:x': cannot write: No space left on device". */
Chardev *chardev_open_reporting(const char *spec, ChardevWriteErrorFn on_error,
                                void *opaque, Error **errp);

/* chardev_open_reporting with output errors printed on stderr. */
Chardev *chardev_open(const char *spec, Error **errp);

/* The slave path of a `pty` backend; NULL for any other backend. */
const char *chardev_pty_path(const Chardev *chr);

/* The port a `tcp` backend listens on (the one the system picked for
 * tcp:0); 0 for any other backend. */
unsigned chardev_tcp_port(const Chardev *chr);

#endif
