/* Host files confined to a root folder; errno and open flag numbering of
 * newlib (sim/host_files.h). */
#include "sim/host/host_files.h"
#include "soc/alloc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_PATH 4095

/* Opens the folder that holds the last component of `path`, walking
 * from the root one component at a time without following links. On
 * success *leaf points into `copy` (a writable copy of path). Returns a
 * folder descriptor or -errno. */
static int walk(int root_fd, char *copy, char **leaf)
{
    if (copy[0] == '\0')
        return -ENOENT;
    if (copy[0] == '/')
        return -EACCES;
    char *comps[MAX_PATH / 2 + 1];
    size_t n = 0;
    for (char *save = NULL, *c = strtok_r(copy, "/", &save); c;
         c = strtok_r(NULL, "/", &save)) {
        if (strcmp(c, "..") == 0)
            return -EACCES;
        if (strcmp(c, ".") != 0)
            comps[n++] = c;
    }
    if (n == 0)
        return -EISDIR; /* the root itself */
    int dir = fcntl(root_fd, F_DUPFD_CLOEXEC, 0);
    if (dir < 0)
        return -errno;
    for (size_t i = 0; i + 1 < n; i++) {
        int next = openat(dir, comps[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int err = errno;
        struct stat st;
        if (next < 0 && err == ENOTDIR &&
            fstatat(dir, comps[i], &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
            err = ELOOP; /* a link, wherever it points */
        close(dir);
        if (next < 0)
            return -err;
        dir = next;
    }
    *leaf = comps[n - 1];
    return dir;
}

static char *copy_path(const char *path, int *err)
{
    size_t len = strlen(path);
    if (len > MAX_PATH) {
        *err = -ENAMETOOLONG;
        return NULL;
    }
    char *copy = xmalloc(len + 1);
    memcpy(copy, path, len + 1);
    return copy;
}

/* The folder holding path's last component (a descriptor) and that
 * component, which points into *copy (the caller frees it after closing
 * the folder); -errno with nothing to free on failure. */
static int open_parent(int root_fd, const char *path, char **copy, char **leaf)
{
    int result;
    *copy = copy_path(path, &result);
    if (!*copy)
        return result;
    int dir = walk(root_fd, *copy, leaf);
    if (dir < 0) {
        free(*copy);
        *copy = NULL;
    }
    return dir;
}

int host_files_open(int root_fd, const char *path, int flags, unsigned mode)
{
    int result;
    char *copy, *leaf;
    int dir = open_parent(root_fd, path, &copy, &leaf);
    if (dir < 0)
        return dir;
    int fd = openat(dir, leaf, flags | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY,
                    (mode_t)mode);
    result = fd < 0 ? -errno : fd;
    close(dir);
    free(copy);
    if (fd < 0)
        return result;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        result = S_ISDIR(st.st_mode) ? -EISDIR : -EACCES;
        close(fd);
        return result;
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0) {
        result = -errno;
        close(fd);
        return result;
    }
    return fd;
}

int host_files_unlink(int root_fd, const char *path)
{
    int result;
    char *copy, *leaf;
    int dir = open_parent(root_fd, path, &copy, &leaf);
    if (dir < 0)
        return dir;
    struct stat st;
    if (fstatat(dir, leaf, &st, AT_SYMLINK_NOFOLLOW) != 0)
        result = -errno;
    else if (S_ISDIR(st.st_mode))
        result = -EISDIR;
    else if (!S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode))
        result = -EACCES;
    else
        result = unlinkat(dir, leaf, 0) == 0 ? 0 : -errno;
    close(dir);
    free(copy);
    return result;
}

int host_errno_to_newlib(int err)
{
    /* 1..34 (EPERM..ERANGE) are the same numbers in both. */
    if (err >= 1 && err <= 34)
        return err;
    switch (err) {
    case ENOSYS: return NL_ENOSYS;
    case ENOTEMPTY: return NL_ENOTEMPTY;
    case ENAMETOOLONG: return NL_ENAMETOOLONG;
    case ELOOP: return NL_ELOOP;
    case ENOTSUP: return NL_ENOTSUP;
    case EOVERFLOW: return NL_EOVERFLOW;
    default: return NL_EIO;
    }
}

int host_flags_from_newlib(uint32_t flags)
{
    enum {
        NL_O_ACCMODE = 3, NL_O_APPEND = 0x8, NL_O_CREAT = 0x200,
        NL_O_TRUNC = 0x400, NL_O_EXCL = 0x800,
    };
    static const int access[] = {O_RDONLY, O_WRONLY, O_RDWR};
    if ((flags & NL_O_ACCMODE) == 3)
        return -1;
    int host = access[flags & NL_O_ACCMODE];
    if (flags & NL_O_APPEND)
        host |= O_APPEND;
    if (flags & NL_O_CREAT)
        host |= O_CREAT;
    if (flags & NL_O_TRUNC)
        host |= O_TRUNC;
    if (flags & NL_O_EXCL)
        host |= O_EXCL;
    return host;
}
