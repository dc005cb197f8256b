/* Output files written when the run ends (sim/output_file.h). */
#include "sim/output_file.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "soc/alloc.h"
#include "soc/file.h"

struct OutputFile {
    char *path;    /* where the report goes (an existing file's real path) */
    FILE *direct;  /* a device or our stdout/stderr, open since the start */
    bool in_place; /* the folder takes no temporary file: rewrite the file */
    bool has_mode; /* an existing file, whose permissions the report keeps */
    mode_t mode;
    struct stat seen; /* the existing file when checked (has_mode) */
};

static bool same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

static bool is_own_output(const struct stat *st)
{
    struct stat own;
    for (int fd = STDOUT_FILENO; fd <= STDERR_FILENO; fd++)
        if (fstat(fd, &own) == 0 && same_file(&own, st))
            return true;
    return false;
}

/* The input `st` is, if any. */
static const OutputInput *input_at(const struct stat *st, const OutputInput *inputs,
                                  size_t ninputs)
{
    struct stat in;
    for (size_t i = 0; i < ninputs; i++)
        if (inputs[i].path && stat(inputs[i].path, &in) == 0 && same_file(&in, st))
            return &inputs[i];
    return NULL;
}

/* True when a file can be created in the folder of `path`. */
static bool folder_writable(const char *path)
{
    char *copy = xstrdup(path);
    bool ok = access(dirname(copy), W_OK | X_OK) == 0;
    free(copy);
    return ok;
}

/* An existing regular file: writable, which opening it without O_TRUNC
 * shows and leaves it as it was. */
static bool check_existing(OutputFile *r, const char *path, const struct stat *st,
                           Error **errp)
{
    int fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        error_setf(errp, "%s: cannot open: %s", path, strerror(errno));
        return false;
    }
    close(fd);
    r->path = realpath(path, NULL);
    if (!r->path) {
        error_setf(errp, "%s: cannot open: %s", path, strerror(errno));
        return false;
    }
    r->has_mode = true;
    r->mode = st->st_mode & 07777;
    r->seen = *st;
    r->in_place = !folder_writable(r->path);
    return true;
}

/* A missing file: creatable, which creating it (and removing it again)
 * shows. */
static bool check_creatable(OutputFile *r, const char *path, Error **errp)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NONBLOCK | O_CLOEXEC | O_NOCTTY,
                  0666);
    if (fd < 0) {
        error_setf(errp, "%s: cannot create: %s", path, strerror(errno));
        return false;
    }
    close(fd);
    unlink(path);
    r->path = xstrdup(path);
    return true;
}

/* What kind of target `path` is, checked as output_file_open says. */
static bool check_target(OutputFile *r, const char *path, const OutputInput *inputs,
                         size_t ninputs, Error **errp)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        if (errno == ENOENT)
            return check_creatable(r, path, errp);
        error_setf(errp, "%s: cannot open: %s", path, strerror(errno));
        return false;
    }
    const OutputInput *input = input_at(&st, inputs, ninputs);
    if (input) {
        error_setf(errp, "%s: is %s", path, input->what);
        return false;
    }
    if (!S_ISREG(st.st_mode) || is_own_output(&st))
        return (r->direct = file_fopen_output(path, errp)) != NULL;
    return check_existing(r, path, &st, errp);
}

OutputFile *output_file_open(const char *path, const OutputInput *inputs,
                               size_t ninputs, Error **errp)
{
    OutputFile *r = xcalloc(1, sizeof *r);
    if (!check_target(r, path, inputs, ninputs, errp)) {
        output_file_free(r);
        return NULL;
    }
    return r;
}

static bool write_failed(Error **errp, int err)
{
    error_setf(errp, "cannot write: %s", strerror(err ? err : EIO));
    return false;
}

/* Writes `write`'s document to `out` and closes it (unless `keep`). */
static bool write_stream(FILE *out, bool keep, OutputWriteFn write, void *opaque,
                         Error **errp)
{
    errno = 0;
    bool ok = write(opaque, out);
    int err = errno;
    if (!keep) {
        errno = 0;
        ok = fclose(out) == 0 && ok;
        err = err ? err : errno;
    }
    return ok || write_failed(errp, err);
}

/* A new file beside r->path, open for writing; its name in *tmp. */
static FILE *open_temporary(const OutputFile *r, char **tmp, Error **errp)
{
    mode_t mode = r->has_mode ? r->mode : 0666;
    for (unsigned attempt = 0; attempt < 100; attempt++) {
        *tmp = xasprintf("%s.%ld-%u.tmp", r->path, (long)getpid(), attempt);
        int fd = open(*tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
        FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
        int err = errno;
        if (f) {
            if (r->has_mode) /* the umask may have cut it */
                fchmod(fd, r->mode);
            return f;
        }
        if (fd >= 0) {
            close(fd);
            unlink(*tmp);
        }
        free(*tmp);
        *tmp = NULL;
        if (err != EEXIST) {
            write_failed(errp, err);
            return NULL;
        }
    }
    write_failed(errp, EEXIST);
    return NULL;
}

static bool write_renamed(const OutputFile *r, OutputWriteFn write, void *opaque,
                          Error **errp)
{
    char *tmp;
    FILE *out = open_temporary(r, &tmp, errp);
    if (!out)
        return false;
    bool ok = write_stream(out, false, write, opaque, errp);
    if (ok && rename(tmp, r->path) != 0)
        ok = write_failed(errp, errno);
    if (!ok)
        unlink(tmp);
    free(tmp);
    return ok;
}

static bool same_time(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

/* Whether the file is as output_file_open saw it: another output of the
 * run pointed at the same path (--trace-file, --profile, --vcd, ...) or
 * the firmware's host files may have written it since, and that file
 * must not be replaced by this one without a word. */
static bool unchanged_since_open(const OutputFile *r, Error **errp)
{
    struct stat now;
    bool exists = stat(r->path, &now) == 0;
    if (!r->has_mode ? !exists
                     : exists && same_file(&now, &r->seen) && now.st_size == r->seen.st_size &&
                           same_time(&now.st_mtim, &r->seen.st_mtim))
        return true;
    error_setf(errp, "%s during the run (another output of the run?): not replaced",
               r->has_mode ? "changed" : "created");
    return false;
}

bool output_file_write(OutputFile *r, OutputWriteFn write, void *opaque, Error **errp)
{
    if (r->direct)
        return write_stream(r->direct, true, write, opaque, errp);
    if (!unchanged_since_open(r, errp))
        return false;
    if (!r->in_place)
        return write_renamed(r, write, opaque, errp);
    FILE *out = file_fopen_output(r->path, errp);
    if (!out)
        return false;
    return write_stream(out, false, write, opaque, errp);
}

void output_file_free(OutputFile *r)
{
    if (!r)
        return;
    if (r->direct)
        fclose(r->direct);
    free(r->path);
    free(r);
}
