/* JUnit XML reports (sim/junit.h). */
#include "sim/junit.h"

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

/* The length of the valid UTF-8 sequence at s (at most len bytes) of a
 * character XML 1.0 allows, 0 when there is none: no overlong forms, no
 * surrogates, nothing past U+10FFFF, and not U+FFFE or U+FFFF (outside
 * XML's Char production, so a parser would reject the report). */
static size_t utf8_sequence(const unsigned char *s, size_t len)
{
    size_t n;
    uint32_t cp, min;
    if (s[0] >= 0xc2 && s[0] <= 0xdf) {
        n = 2, cp = s[0] & 0x1fu, min = 0x80;
    } else if ((s[0] & 0xf0) == 0xe0) {
        n = 3, cp = s[0] & 0x0fu, min = 0x800;
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        n = 4, cp = s[0] & 0x07u, min = 0x10000;
    } else {
        return 0;
    }
    if (n > len)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3fu);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
        cp == 0xfffe || cp == 0xffff)
        return 0;
    return n;
}

void junit_put_escaped(FILE *out, const char *text, size_t len)
{
    const unsigned char *s = (const unsigned char *)text;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = s[i];
        const char *entity = ch == '&' ? "&amp;" : ch == '<' ? "&lt;" : ch == '>' ? "&gt;"
                           : ch == '"' ? "&quot;" : ch == '\'' ? "&apos;" : NULL;
        size_t seq = ch >= 0x80 ? utf8_sequence(s + i, len - i) : 0;
        if (entity) {
            fputs(entity, out);
        } else if (seq) {
            fwrite(s + i, 1, seq, out);
            i += seq - 1;
        } else if (ch < 0x20 || ch >= 0x7f) {
            fprintf(out, "\\x%02x", ch);
        } else {
            fputc(ch, out);
        }
    }
}

static void put_attr(FILE *out, const char *key, const char *value)
{
    fprintf(out, " %s=\"", key);
    junit_put_escaped(out, value, strlen(value));
    fputc('"', out);
}

static void put_case(FILE *out, const char *classname, const JunitCase *c)
{
    fputs("    <testcase", out);
    put_attr(out, "classname", classname);
    put_attr(out, "name", c->name);
    fprintf(out, " time=\"%.9f\"", c->seconds);
    if (!c->failure && !c->skipped) {
        fputs("/>\n", out);
        return;
    }
    fputs(">\n      <", out);
    fputs(c->failure ? "failure" : "skipped", out);
    put_attr(out, "message", c->failure ? c->failure : c->skipped);
    fputs("/>\n    </testcase>\n", out);
}

bool junit_write(FILE *out, const char *suite, const char *classname,
                 const JunitCase *cases, size_t ncases)
{
    size_t failures = 0, skipped = 0;
    for (size_t i = 0; i < ncases; i++) {
        failures += cases[i].failure != NULL;
        skipped += !cases[i].failure && cases[i].skipped;
    }
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n  <testsuite", out);
    put_attr(out, "name", suite);
    fprintf(out, " tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"%zu\">\n",
            ncases, failures, skipped);
    for (size_t i = 0; i < ncases; i++)
        put_case(out, classname, &cases[i]);
    fputs("  </testsuite>\n</testsuites>\n", out);
    return fflush(out) == 0 && !ferror(out);
}

/* ---- the report file ---- */

struct JunitReport {
    char *path;    /* where the report goes (an existing file's real path) */
    FILE *direct;  /* a device or our stdout/stderr, open since the start */
    bool in_place; /* the folder takes no temporary file: rewrite the file */
    bool has_mode; /* an existing file, whose permissions the report keeps */
    mode_t mode;
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
static const JunitInput *input_at(const struct stat *st, const JunitInput *inputs,
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
static bool check_existing(JunitReport *r, const char *path, const struct stat *st,
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
    r->in_place = !folder_writable(r->path);
    return true;
}

/* A missing file: creatable, which creating it (and removing it again)
 * shows. */
static bool check_creatable(JunitReport *r, const char *path, Error **errp)
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

/* What kind of target `path` is, checked as junit_report_open says. */
static bool check_target(JunitReport *r, const char *path, const JunitInput *inputs,
                         size_t ninputs, Error **errp)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        if (errno == ENOENT)
            return check_creatable(r, path, errp);
        error_setf(errp, "%s: cannot open: %s", path, strerror(errno));
        return false;
    }
    const JunitInput *input = input_at(&st, inputs, ninputs);
    if (input) {
        error_setf(errp, "%s: is %s", path, input->what);
        return false;
    }
    if (!S_ISREG(st.st_mode) || is_own_output(&st))
        return (r->direct = file_fopen_output(path, errp)) != NULL;
    return check_existing(r, path, &st, errp);
}

JunitReport *junit_report_open(const char *path, const JunitInput *inputs,
                               size_t ninputs, Error **errp)
{
    JunitReport *r = xcalloc(1, sizeof *r);
    if (!check_target(r, path, inputs, ninputs, errp)) {
        junit_report_free(r);
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
static bool write_stream(FILE *out, bool keep, JunitWriteFn write, void *opaque,
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
static FILE *open_temporary(const JunitReport *r, char **tmp, Error **errp)
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

static bool write_renamed(const JunitReport *r, JunitWriteFn write, void *opaque,
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

bool junit_report_write(JunitReport *r, JunitWriteFn write, void *opaque, Error **errp)
{
    if (r->direct)
        return write_stream(r->direct, true, write, opaque, errp);
    if (!r->in_place)
        return write_renamed(r, write, opaque, errp);
    FILE *out = file_fopen_output(r->path, errp);
    if (!out)
        return false;
    return write_stream(out, false, write, opaque, errp);
}

void junit_report_free(JunitReport *r)
{
    if (!r)
        return;
    if (r->direct)
        fclose(r->direct);
    free(r->path);
    free(r);
}
