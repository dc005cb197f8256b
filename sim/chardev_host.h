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
 *                         included.
 *   tcp:PORT              listen on 127.0.0.1:PORT (1-65535), raw bytes
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
 */
#ifndef SIM_CHARDEV_HOST_H
#define SIM_CHARDEV_HOST_H

#include "soc/chardev.h"
#include "soc/error.h"

/* The caller owns the result (chardev_close). Errors are one phrase naming
 * the spec: "chardev 'tcp:99999': port must be 1-65535". */
Chardev *chardev_open(const char *spec, Error **errp);

/* The slave path of a `pty` backend; NULL for any other backend. */
const char *chardev_pty_path(const Chardev *chr);

#endif
