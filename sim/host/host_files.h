/* Host files for the guest, confined to one folder (the root given with
 * --semihosting-root), and the numbering newlib uses for errno and open
 * flags (the guest's libc reads these numbers, not the host's).
 *
 * A guest path is relative to the root and may not leave it: absolute
 * paths and ".." components are refused (EACCES), and every component is
 * opened with O_NOFOLLOW, so a symbolic link anywhere on the path is
 * refused too (ELOOP), wherever it points. Only regular files open (a
 * folder gives EISDIR, a device or FIFO EACCES, and opening one never
 * blocks). Hard links to outside files cannot be told apart: the root
 * should be a folder made for the firmware.
 */
#ifndef SIM_HOST_FILES_H
#define SIM_HOST_FILES_H

#include <stdint.h>

/* Returns a host file descriptor (close-on-exec, blocking) or -errno
 * (host numbering). `flags` are host open(2) flags; `mode` for O_CREAT. */
int host_files_open(int root_fd, const char *path, int flags, unsigned mode);
/* Removes a regular file (or a symbolic link itself) under the root;
 * 0 or -errno. */
int host_files_unlink(int root_fd, const char *path);

/* newlib's errno for a host errno (EIO for one newlib does not have). */
int host_errno_to_newlib(int err);
/* Host open(2) flags for newlib's (sys/_default_fcntl.h); -1 when the
 * access mode is invalid. Flags that mean nothing here are dropped. */
int host_flags_from_newlib(uint32_t flags);

/* newlib's numbers for the errno values the services return. */
enum {
    NL_EPERM = 1, NL_ENOENT = 2, NL_EIO = 5, NL_EBADF = 9, NL_ENOMEM = 12,
    NL_EACCES = 13, NL_EFAULT = 14, NL_EEXIST = 17, NL_ENOTDIR = 20,
    NL_EISDIR = 21, NL_EINVAL = 22, NL_EMFILE = 24, NL_ENOSPC = 28,
    NL_ESPIPE = 29, NL_ENOSYS = 88, NL_ENOTEMPTY = 90, NL_ENAMETOOLONG = 91,
    NL_ELOOP = 92, NL_ENOTSUP = 134, NL_EOVERFLOW = 139,
};

#endif
