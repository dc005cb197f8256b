/* Host services' snapshot state (host_state_save, host_state_load in
 * sim/host/host.h).
 *
 * The bytes (soc/state_io.h), after the envelope "host", version 1: the
 * services; the exit request and status; which warnings were given; the
 * program break (start, now, limit); the unsupported system calls
 * reported; semihosting's errno and its heap and stack block; whether the
 * HTIF words are mapped and their values; then every slot of newlib's
 * descriptor table and of semihosting's handle table: its kind and, for a
 * host file, the guest path, the host open flags and the position, for a
 * memory file its name and position.
 *
 * A load reopens every host file first (under the root, as the guest
 * opened it, without O_TRUNC or O_EXCL: a file is never emptied or
 * refused for existing; O_CREAT stays, so a file removed since comes back
 * empty) and seeks it; only when all of them are open does it close the
 * files open now and take the new ones. File contents are the host's.
 */
#include "sim/host/host_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "soc/alloc.h"
#include "soc/state_io.h"

#define HOST_STATE_TYPE "host"
#define HOST_STATE_VERSION 1u

/* What a load puts in place, read and checked before anything changes. */
typedef struct HostSaved {
    uint32_t services;
    bool exited;
    int status;
    bool warned_files, warned_semihosting;
    uint32_t brk_start, brk, brk_limit;
    uint32_t warned_syscalls[8];
    unsigned nwarned_syscalls;
    int sh_errno;
    uint32_t heap_base, heap_limit, stack_base, stack_limit;
    bool has_tohost, has_fromhost;
    uint64_t tohost, fromhost;
    HostFile fds[HOST_MAX_FILES], handles[HOST_MAX_FILES];
} HostSaved;

#define WARNED_MAX (sizeof ((Host *)0)->warned_syscalls / sizeof (uint32_t))
_Static_assert(WARNED_MAX == 8, "HostSaved keeps as many as Host");

/* ---- saving ---- */

static void save_file(StateWriter *w, const HostFile *f)
{
    state_put_u8(w, (uint8_t)f->kind);
    if (f->kind == HOST_FILE_HOST) {
        off_t pos = lseek(f->fd, 0, SEEK_CUR); /* reads the position only */
        state_put_str(w, f->path ? f->path : "");
        state_put_u32(w, (uint32_t)f->flags);
        state_put_u64(w, pos < 0 ? 0 : (uint64_t)pos);
    } else if (f->kind == HOST_FILE_MEMORY) {
        state_put_str(w, f->path ? f->path : "");
        state_put_u64(w, f->pos);
    }
}

uint8_t *host_state_save(const Host *h, size_t *len)
{
    StateWriter w = {0};
    state_begin(&w, HOST_STATE_TYPE, HOST_STATE_VERSION);
    state_put_u32(&w, h->services);
    state_put_u8(&w, h->exited);
    state_put_u32(&w, (uint32_t)h->status);
    state_put_u8(&w, h->warned_files);
    state_put_u8(&w, h->warned_semihosting);
    state_put_u32(&w, h->brk_start);
    state_put_u32(&w, h->brk);
    state_put_u32(&w, h->brk_limit);
    state_put_u32(&w, h->nwarned_syscalls);
    for (unsigned i = 0; i < WARNED_MAX; i++)
        state_put_u32(&w, h->warned_syscalls[i]);
    state_put_u32(&w, (uint32_t)h->sh_errno);
    state_put_u32(&w, h->heap_base);
    state_put_u32(&w, h->heap_limit);
    state_put_u32(&w, h->stack_base);
    state_put_u32(&w, h->stack_limit);
    state_put_u8(&w, h->htif.tohost_mr != NULL);
    state_put_u8(&w, h->htif.fromhost_mr != NULL);
    state_put_u64(&w, h->htif.tohost.value);
    state_put_u64(&w, h->htif.fromhost.value);
    for (int i = 0; i < HOST_MAX_FILES; i++)
        save_file(&w, &h->fds[i]);
    for (int i = 0; i < HOST_MAX_FILES; i++)
        save_file(&w, &h->handles[i]);
    return state_take(&w, len);
}

/* ---- reading what a load will put in place ---- */

static bool bad(Error **errp, const char *what)
{
    error_setf(errp, "host: saved state: %s", what);
    return false;
}

static bool read_flag(StateReader *r, bool *out)
{
    uint8_t v = state_get_u8(r);
    *out = v == 1;
    return v <= 1;
}

/* A string into a malloc'd copy; NULL when it holds a NUL or is cut. */
static char *read_name(StateReader *r)
{
    size_t n;
    const uint8_t *bytes = state_get_blob(r, &n);
    if (!bytes || memchr(bytes, '\0', n))
        return NULL;
    return xstrndup((const char *)bytes, n);
}

/* One slot: a host file's fields (not yet open: fd -1) or a memory
 * file's (its bytes looked up now). */
static bool read_file(StateReader *r, HostFile *f, Error **errp)
{
    uint8_t kind = state_get_u8(r);
    *f = (HostFile){.kind = HOST_FILE_FREE, .fd = -1};
    if (r->truncated || kind > HOST_FILE_MEMORY)
        return bad(errp, "a file of no known kind");
    f->kind = (HostFileKind)kind;
    if (kind == HOST_FILE_HOST) {
        f->path = read_name(r);
        f->flags = (int)state_get_u32(r);
        f->pos = (size_t)state_get_u64(r);
        if (!f->path || !f->path[0] || r->truncated)
            return bad(errp, "a file without its path");
        return true;
    }
    if (kind != HOST_FILE_MEMORY)
        return true;
    char *name = read_name(r);
    uint64_t pos = state_get_u64(r);
    bool known = name && host_semihosting_memory_file(name, f);
    free(name);
    if (!known)
        return bad(errp, "a memory file of no known name");
    if (pos > f->size)
        return bad(errp, "a memory file's position past its end");
    f->pos = (size_t)pos;
    return true;
}

static void saved_free(HostSaved *s)
{
    for (int i = 0; i < HOST_MAX_FILES; i++) {
        host_file_close(&s->fds[i]);
        host_file_close(&s->handles[i]);
    }
}

static bool read_scalars(StateReader *r, HostSaved *s, Error **errp)
{
    s->services = state_get_u32(r);
    bool flags_ok = read_flag(r, &s->exited);
    s->status = (int)state_get_u32(r);
    flags_ok &= read_flag(r, &s->warned_files);
    flags_ok &= read_flag(r, &s->warned_semihosting);
    s->brk_start = state_get_u32(r);
    s->brk = state_get_u32(r);
    s->brk_limit = state_get_u32(r);
    s->nwarned_syscalls = state_get_u32(r);
    for (unsigned i = 0; i < WARNED_MAX; i++)
        s->warned_syscalls[i] = state_get_u32(r);
    s->sh_errno = (int)state_get_u32(r);
    s->heap_base = state_get_u32(r);
    s->heap_limit = state_get_u32(r);
    s->stack_base = state_get_u32(r);
    s->stack_limit = state_get_u32(r);
    flags_ok &= read_flag(r, &s->has_tohost);
    flags_ok &= read_flag(r, &s->has_fromhost);
    s->tohost = state_get_u64(r);
    s->fromhost = state_get_u64(r);
    if (r->truncated)
        return bad(errp, "truncated");
    if (!flags_ok || s->nwarned_syscalls > WARNED_MAX)
        return bad(errp, "a flag or count out of range");
    return true;
}

static bool read_saved(const uint8_t *data, size_t len, HostSaved *s, Error **errp)
{
    StateReader r;
    if (!state_open(&r, HOST_STATE_TYPE, HOST_STATE_VERSION, data, len, errp) ||
        !read_scalars(&r, s, errp))
        return false;
    for (int i = 0; i < HOST_MAX_FILES; i++)
        if (!read_file(&r, &s->fds[i], errp))
            return false;
    for (int i = 0; i < HOST_MAX_FILES; i++)
        if (!read_file(&r, &s->handles[i], errp))
            return false;
    return state_end(&r, HOST_STATE_TYPE, errp);
}

/* ---- checks against this Host ---- */

static bool differs(Error **errp, const char *what)
{
    error_setf(errp, "host: the snapshot's %s differ from this run's", what);
    return false;
}

static bool same_layout(const Host *h, const HostSaved *s, Error **errp)
{
    if (s->services != h->services)
        return differs(errp, "host services");
    if (s->brk_start != h->brk_start || s->brk_limit != h->brk_limit ||
        s->heap_base != h->heap_base || s->heap_limit != h->heap_limit ||
        s->stack_base != h->stack_base || s->stack_limit != h->stack_limit)
        return differs(errp, "heap and stack (another firmware?)");
    if (s->has_tohost != (h->htif.tohost_mr != NULL) ||
        s->has_fromhost != (h->htif.fromhost_mr != NULL))
        return differs(errp, "HTIF words (another firmware?)");
    return true;
}

/* Opens one saved host file under the root and seeks it. */
static bool reopen(const Host *h, HostFile *f, Error **errp)
{
    if (f->kind != HOST_FILE_HOST)
        return true;
    if (h->root_fd < 0) {
        error_setf(errp, "host: cannot reopen '%s': host files are off in this run "
                   "(--semihosting-root)", f->path);
        return false;
    }
    int fd = host_files_open(h->root_fd, f->path, f->flags & ~(O_TRUNC | O_EXCL), 0666);
    if (fd < 0) {
        error_setf(errp, "host: cannot reopen '%s': %s", f->path, strerror(-fd));
        return false;
    }
    if (lseek(fd, (off_t)f->pos, SEEK_SET) < 0) {
        error_setf(errp, "host: cannot seek '%s' to %zu: %s", f->path, f->pos,
                   strerror(errno));
        close(fd);
        return false;
    }
    f->fd = fd;
    f->pos = 0;
    return true;
}

static bool reopen_all(const Host *h, HostSaved *s, Error **errp)
{
    for (int i = 0; i < HOST_MAX_FILES; i++)
        if (!reopen(h, &s->fds[i], errp) || !reopen(h, &s->handles[i], errp))
            return false;
    return true;
}

/* ---- the load ---- */

static void take_tables(Host *h, HostSaved *s)
{
    for (int i = 0; i < HOST_MAX_FILES; i++) {
        host_file_close(&h->fds[i]);
        host_file_close(&h->handles[i]);
        h->fds[i] = s->fds[i];
        h->handles[i] = s->handles[i];
        s->fds[i] = s->handles[i] = (HostFile){.kind = HOST_FILE_FREE, .fd = -1};
    }
}

static void take_scalars(Host *h, const HostSaved *s)
{
    h->exited = s->exited;
    h->status = s->status;
    h->warned_files = s->warned_files;
    h->warned_semihosting = s->warned_semihosting;
    h->brk = s->brk;
    h->nwarned_syscalls = s->nwarned_syscalls;
    memcpy(h->warned_syscalls, s->warned_syscalls, sizeof h->warned_syscalls);
    h->sh_errno = s->sh_errno;
    h->htif.tohost.value = s->tohost;
    h->htif.fromhost.value = s->fromhost;
}

bool host_state_load(Host *h, const uint8_t *data, size_t len, Error **errp)
{
    HostSaved *s = xcalloc(1, sizeof *s);
    for (int i = 0; i < HOST_MAX_FILES; i++)
        s->fds[i] = s->handles[i] = (HostFile){.kind = HOST_FILE_FREE, .fd = -1};
    bool ok = read_saved(data, len, s, errp) && same_layout(h, s, errp) &&
              reopen_all(h, s, errp);
    if (ok) {
        take_tables(h, s);
        take_scalars(h, s);
    }
    saved_free(s);
    free(s);
    return ok;
}
