/* Listening TCP sockets, for the simulator's two servers: the `tcp:`
 * chardev (sim/chardev_host.c) and the GDB stub (gdbstub/gdbstub.c). One
 * way to read "[HOST:]PORT" and one way to listen, so both take the same
 * addresses and fail with the same messages. */
#ifndef SOC_NET_H
#define SOC_NET_H

#include <stdbool.h>

#include "soc/error.h"

/* Splits "[HOST:]PORT" at its last ':' into *host (malloc'd; the caller
 * frees it) and *port, 0-65535 (0: any free port). HOST is a name or an
 * address, an IPv6 one in brackets ("[::1]:4444"; the brackets are
 * dropped); without it *host is a copy of default_host. Errors are one
 * phrase for the caller to prefix: "missing host before ':' (expected
 * [HOST:]PORT)", "port must be 0-65535 (0: any free port)". */
bool net_parse_address(const char *spec, const char *default_host,
                       char **host, unsigned *port, Error **errp);

/* Listens on host:port (the first of its addresses that binds; reusable
 * at once after a previous run, SO_REUSEADDR; a queue of one). Returns
 * the socket, close-on-exec, non-blocking when asked, with the port bound
 * in *bound_port (the one the system picked for port 0). -1 on failure:
 * "cannot resolve HOST: REASON", "cannot listen on HOST port PORT:
 * REASON". */
int net_listen(const char *host, unsigned port, bool nonblocking,
               unsigned *bound_port, Error **errp);

#endif
