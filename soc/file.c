/* Opening inputs and outputs without blocking on FIFOs (soc/file.h). */
#include "soc/file.h"
#include "soc/alloc.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* "a fifo", "a directory": what a refused file is, for messages. */
static const char *kind_name(mode_t mode)
{
    if (S_ISFIFO(mode))
        return "a fifo";
    if (S_ISSOCK(mode))
        return "a socket";
    if (S_ISDIR(mode))
        return "a directory";
    if (S_ISCHR(mode))
        return "a character device";
    if (S_ISBLK(mode))
        return "a block device";
    return "not a file";
}

/* Descriptors returned block like any other: O_NONBLOCK only kept the
 * open from waiting for a FIFO's other end. */
static bool make_blocking(int fd, const char *path, Error **errp)
{
    int flags = fcntl(fd, F_GETFL);
    if (flags >= 0 && fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) == 0)
        return true;
    error_setf(errp, "%s: cannot open: %s", path, strerror(errno));
    return false;
}

static int refuse(int fd, const char *path, const char *expected,
                  mode_t mode, Error **errp)
{
    if (fd >= 0)
        close(fd);
    error_setf(errp, "%s: not %s (%s)", path, expected, kind_name(mode));
    return -1;
}

int file_open_input(const char *path, Error **errp)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        error_setf(errp, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        error_setf(errp, "%s: cannot open: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    if (!S_ISREG(st.st_mode))
        return refuse(fd, path, "a regular file", st.st_mode, errp);
    if (!make_blocking(fd, path, errp)) {
        close(fd);
        return -1;
    }
    return fd;
}

/* STDOUT_FILENO or STDERR_FILENO when `st` is the same object as our
 * stdout or stderr, else -1. /dev/stdout under a pipe opens that pipe,
 * which has a reader (whoever runs us) and cannot block. */
static int own_stream(const struct stat *st)
{
    for (int fd = STDOUT_FILENO; fd <= STDERR_FILENO; fd++) {
        struct stat own;
        if (fstat(fd, &own) == 0 && own.st_dev == st->st_dev &&
            own.st_ino == st->st_ino)
            return fd;
    }
    return -1;
}

/* Our own stdout or stderr, by a copy of its descriptor: opening the path
 * again (/dev/stdout onto `> out.txt`) would start a second offset at 0,
 * writing over what stdout wrote, and `>> log.txt` would lose O_APPEND.
 * The copy shares both; its flags (blocking or not) are stdout's own. */
static int share_own_stream(int fd, int own, const char *path, Error **errp)
{
    close(fd);
    int copy = fcntl(own, F_DUPFD_CLOEXEC, 0);
    if (copy < 0)
        error_setf(errp, "%s: cannot open: %s", path, strerror(errno));
    return copy;
}

static const char output_kinds[] = "a regular file or character device";

/* open() failed: a FIFO nobody reads (ENXIO), a socket (ENXIO) and a
 * directory (EISDIR) get the refusal, anything else its reason. */
static int open_failed(const char *path, int saved, Error **errp)
{
    struct stat st;
    if ((saved == ENXIO || saved == EISDIR) && stat(path, &st) == 0 &&
        !S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode))
        return refuse(-1, path, output_kinds, st.st_mode, errp);
    error_setf(errp, "%s: cannot create: %s", path, strerror(saved));
    return -1;
}

int file_open_output(const char *path, Error **errp)
{
    /* No O_TRUNC: nothing is truncated before it is known to be taken. */
    int fd = open(path, O_WRONLY | O_CREAT | O_NONBLOCK | O_CLOEXEC, 0666);
    if (fd < 0)
        return open_failed(path, errno, errp);
    struct stat st;
    if (fstat(fd, &st) != 0) {
        error_setf(errp, "%s: cannot create: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    int own = own_stream(&st);
    if (own >= 0)
        return share_own_stream(fd, own, path, errp);
    if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode))
        return refuse(fd, path, output_kinds, st.st_mode, errp);
    if (S_ISREG(st.st_mode) && ftruncate(fd, 0) != 0) {
        error_setf(errp, "%s: cannot create: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    if (!make_blocking(fd, path, errp)) {
        close(fd);
        return -1;
    }
    return fd;
}

static FILE *stream(int fd, const char *mode, const char *path, Error **errp)
{
    if (fd < 0)
        return NULL;
    FILE *f = fdopen(fd, mode);
    if (!f) {
        error_setf(errp, "%s: cannot open: %s", path, strerror(errno));
        close(fd);
    }
    return f;
}

FILE *file_fopen_input(const char *path, Error **errp)
{
    return stream(file_open_input(path, errp), "rb", path, errp);
}

FILE *file_fopen_output(const char *path, Error **errp)
{
    return stream(file_open_output(path, errp), "wb", path, errp);
}

char *file_read_all(const char *path, size_t *len, Error **errp)
{
    int fd = file_open_input(path, errp);
    if (fd < 0)
        return NULL;
    size_t cap = 4096, used = 0;
    char *buf = xcalloc(cap, 1);
    for (;;) {
        if (cap - used < 2)
            buf = xrealloc(buf, cap *= 2);
        ssize_t got = read(fd, buf + used, cap - used - 1);
        if (got == 0)
            break;
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            error_setf(errp, "%s: cannot read: %s", path, strerror(errno));
            free(buf);
            close(fd);
            return NULL;
        }
        used += (size_t)got;
    }
    close(fd);
    buf[used] = '\0';
    *len = used;
    return buf;
}
