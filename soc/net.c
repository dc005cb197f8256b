/* Listening TCP sockets (soc/net.h). */
#include "soc/net.h"
#include "soc/alloc.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define NET_PORT_MAX 65535u

/* Decimal digits only (no sign, no spaces), at most NET_PORT_MAX. */
static bool parse_port(const char *text, unsigned *port)
{
    unsigned value = 0;
    if (!*text)
        return false;
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        value = value * 10 + (unsigned)(*p - '0');
        if (value > NET_PORT_MAX)
            return false;
    }
    *port = value;
    return true;
}

bool net_parse_address(const char *spec, const char *default_host,
                       char **host, unsigned *port, Error **errp)
{
    const char *colon = strrchr(spec, ':');
    const char *port_text = colon ? colon + 1 : spec;
    size_t hlen = colon ? (size_t)(colon - spec) : 0;
    if (colon && hlen >= 2 && spec[0] == '[' && spec[hlen - 1] == ']') {
        spec++;
        hlen -= 2;
    }
    if (colon && !hlen) {
        error_setf(errp, "missing host before ':' (expected [HOST:]PORT)");
        return false;
    }
    if (!parse_port(port_text, port)) {
        error_setf(errp, "port must be 0-65535 (0: any free port)");
        return false;
    }
    *host = colon ? xstrndup(spec, hlen) : xstrdup(default_host);
    return true;
}

/* The port fd is bound to; 0 when the system does not say. */
static unsigned bound_port_of(int fd)
{
    struct sockaddr_storage a = {0};
    socklen_t len = sizeof a;
    if (getsockname(fd, (struct sockaddr *)&a, &len) != 0)
        return 0;
    if (a.ss_family == AF_INET6)
        return ntohs(((const struct sockaddr_in6 *)&a)->sin6_port);
    if (a.ss_family == AF_INET)
        return ntohs(((const struct sockaddr_in *)&a)->sin_port);
    return 0;
}

/* A socket bound to `a` and listening; -1 with *err set. */
static int listen_on(const struct addrinfo *a, bool nonblocking, int *err)
{
    int type = a->ai_socktype | SOCK_CLOEXEC | (nonblocking ? SOCK_NONBLOCK : 0);
    int fd = socket(a->ai_family, type, a->ai_protocol);
    if (fd < 0) {
        *err = errno;
        return -1;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, a->ai_addr, a->ai_addrlen) != 0 || listen(fd, 1) != 0) {
        *err = errno;
        close(fd);
        return -1;
    }
    return fd;
}

int net_listen(const char *host, unsigned port, bool nonblocking,
               unsigned *bound_port, Error **errp)
{
    struct addrinfo hints = {
        .ai_family = AF_UNSPEC,
        .ai_socktype = SOCK_STREAM,
        .ai_flags = AI_PASSIVE | AI_NUMERICSERV,
    };
    char service[8];
    snprintf(service, sizeof service, "%u", port);
    struct addrinfo *list;
    int rc = getaddrinfo(host, service, &hints, &list);
    if (rc != 0) {
        error_setf(errp, "cannot resolve %s: %s", host, gai_strerror(rc));
        return -1;
    }
    int fd = -1, err = 0;
    for (const struct addrinfo *a = list; a && fd < 0; a = a->ai_next)
        fd = listen_on(a, nonblocking, &err);
    freeaddrinfo(list);
    if (fd < 0) {
        error_setf(errp, "cannot listen on %s port %u: %s", host, port,
                   strerror(err));
        return -1;
    }
    *bound_port = bound_port_of(fd);
    return fd;
}
