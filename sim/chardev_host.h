/* Host character backends behind soc/chardev.h.
 *
 * Specs (the `chardev:` property of a UART):
 *   stdio                 output to stdout; input from stdin, unless stdin
 *                         is /dev/null or closed. Only one open stdio
 *                         backend reads stdin, the first opened; those
 *                         opened while it holds stdin wait in line (no
 *                         input), and when it closes the first in line
 *                         takes stdin over and is woken
 *                         (chardev_input_arrived).
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
 *                         brackets: tcp:[::1]:PORT), printed as given.
 *                         soc/net.h reads the address. One client at a
 *                         time; others wait in the listen queue until it
 *                         leaves. Output while nobody is connected is
 *                         dropped.
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
 * not miss: the first failure is said once on stderr and handed to the
 * caller's handler (sim/lost_output.h; stdout's loss is said once per
 * process however many stdio backends there are), and the backend drops
 * its output from then on. A failure while flushing at chardev_close
 * counts too. Output dropped by design (tcp and pty with nobody
 * connected, null) is not an error.
 */
#ifndef SIM_CHARDEV_HOST_H
#define SIM_CHARDEV_HOST_H

#include "sim/lost_output.h"
#include "soc/chardev.h"
#include "soc/error.h"

/* The caller owns the result (chardev_close). Errors are one phrase naming
 * the spec: "chardev 'tcp:99999': port must be 0-65535 (0: any free
 * port)". When output is lost, after the line on stderr ("mcusim: chardev
 * 'file:x': cannot write: No space left on device", "mcusim: stdout:
 * cannot write: ..."), on_error(opaque, ...) is called, once, from inside
 * chardev_write or chardev_close; NULL: only the line. */
Chardev *chardev_open(const char *spec, OutputLostFn on_error, void *opaque,
                      Error **errp);

/* The slave path of a `pty` backend; NULL for any other backend. */
const char *chardev_pty_path(const Chardev *chr);

/* Keeps stdin from the stdio backends opened after it (the monitor
 * console reads it: --monitor stdio); false when a backend reads it
 * already. chardev_release_stdin gives it back, to the first stdio
 * backend waiting for it if there is one. */
bool chardev_reserve_stdin(void);
void chardev_release_stdin(void);

#endif
