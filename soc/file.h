/* Opening the files the simulator reads and writes, without ever blocking
 * in open().
 *
 * Opening a FIFO by name blocks until another process opens its other end,
 * so a board file, `image:`, `extends:` or `--trace-file` naming one would
 * hang the simulator before it printed anything. Both functions open with
 * O_NONBLOCK (a FIFO then opens at once, or fails with ENXIO for a writer
 * without a reader), look at what they opened with fstat, refuse what they
 * do not take, and clear O_NONBLOCK again: the descriptor they return reads
 * and writes blocking, like any other. It is O_CLOEXEC.
 *
 *   inputs   regular files only (board files, `image:`, the ELF, chardev
 *            input files)
 *   outputs  regular files (created 0666 minus the umask, truncated),
 *            character devices (/dev/null, /dev/full, a terminal), and the
 *            simulator's own stdout and stderr whatever they are (so
 *            /dev/stdout and /dev/stderr work under a shell pipe); never a
 *            FIFO, a socket or a directory. Our own stdout or stderr is
 *            never opened again or truncated: the descriptor returned is a
 *            copy of ours, sharing its offset and O_APPEND, so output sent
 *            there goes after what is already written (`> out.txt`,
 *            `>> log.txt`)
 *
 * Errors name the path: "PATH: cannot open: REASON", "PATH: cannot create:
 * REASON" (outputs), "PATH: not a regular file (a fifo)", "PATH: not a
 * regular file or character device (a directory)". The caller owns what it
 * gets back (close, fclose, free). No global state.
 */
#ifndef SOC_FILE_H
#define SOC_FILE_H

#include <stddef.h>
#include <stdio.h>

#include "soc/error.h"

/* A descriptor open for reading on a regular file; -1 and an error
 * otherwise. */
int file_open_input(const char *path, Error **errp);

/* A descriptor open for writing: a regular file (truncated), a character
 * device, or the process's own stdout/stderr (a copy of its descriptor,
 * nothing truncated); -1 and an error otherwise. */
int file_open_output(const char *path, Error **errp);

/* The same as stdio streams ("rb" and "wb"). */
FILE *file_fopen_input(const char *path, Error **errp);
FILE *file_fopen_output(const char *path, Error **errp);

/* The whole contents of a regular file, malloc'd and NUL-terminated (the
 * NUL is not counted in *len). */
char *file_read_all(const char *path, size_t *len, Error **errp);

#endif
