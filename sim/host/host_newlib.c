/* newlib/libgloss system calls by ecall, as a proxy kernel serves them
 * (libgloss/riscv in newlib 3.3: a7 = number, a0..a2 arguments, a0 = the
 * result or -errno in newlib's numbering).
 *
 * The firmware starts as libgloss's crt0 expects: sp at the top of the
 * RAM that holds `_end`, pointing at argc, then argv[0..argc-1], NULL,
 * an empty envp and an empty auxv; the strings above them. brk starts at
 * `_end` and may grow up to 1 MiB (or a quarter of the free RAM, when
 * that is less) below the stack.
 *
 * Structures are written as the rv32 ABI lays them out: fstat fills
 * libgloss's `struct kernel_stat` (128 bytes, converted by its
 * _conv_stat); gettimeofday a 64-bit time_t `struct timeval` (16 bytes);
 * clock_gettime (113) a 32-bit `struct timespec`, clock_gettime64 (403)
 * a 64-bit one (16 bytes). Times are virtual. Open flags and errno use
 * newlib's numbers, not the host's.
 */
#include "sim/host/host_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum {
    SYS_close = 57, SYS_lseek = 62, SYS_read = 63, SYS_write = 64,
    SYS_fstat = 80, SYS_exit = 93, SYS_exit_group = 94,
    SYS_clock_gettime = 113, SYS_gettimeofday = 169, SYS_getpid = 172,
    SYS_brk = 214, SYS_clock_gettime64 = 403, SYS_open = 1024,
    SYS_unlink = 1026,
};

enum { REG_SP = 2, REG_A0 = 10, REG_A1 = 11, REG_A2 = 12, REG_A7 = 17 };

#define ARGS_MAX (256u * 1024u) /* argv strings and vector */
#define STACK_RESERVE (1u << 20)
#define PATH_MAX_GUEST 4095

static uint32_t align_down(uint32_t v, uint32_t a) { return v & ~(a - 1); }

/* The board RAM holding addr; the first RAM when none does. */
static const BoardMemory *find_ram(const BoardDesc *board, bool have, uint32_t addr)
{
    const BoardMemory *first = NULL;
    for (size_t i = 0; board && i < board->nmemories; i++) {
        const BoardMemory *m = &board->memories[i];
        if (m->kind != BOARD_MEM_RAM)
            continue;
        if (!first)
            first = m;
        if (have && addr >= m->base && addr - m->base < m->size)
            return m;
    }
    return first;
}

/* argc, argv[], NULL, envp NULL, auxv AT_NULL; strings above. */
static bool place_args(Host *h, uint64_t top, uint64_t bottom, uint32_t *sp,
                       Error **errp)
{
    size_t strbytes = 0;
    for (int i = 0; i < h->argc; i++)
        strbytes += strlen(h->argv[i]) + 1;
    size_t words = 1 + (size_t)h->argc + 1 + 1 + 2;
    size_t total = strbytes + words * 4 + 16;
    if (total > ARGS_MAX || total > top - bottom) {
        error_setf(errp, "newlib: the firmware's arguments take %zu bytes (at most %u "
                   "and less than its RAM)", total, ARGS_MAX);
        return false;
    }
    uint32_t str = (uint32_t)(top - strbytes);
    uint32_t vec = align_down(str - (uint32_t)words * 4, 16);
    uint32_t at = str, slot = vec;
    bool ok = host_guest_write_u32(h, slot, (uint32_t)h->argc);
    for (int i = 0; ok && i < h->argc; i++) {
        size_t len = strlen(h->argv[i]) + 1;
        slot += 4;
        ok = host_guest_write(h, at, h->argv[i], len) && host_guest_write_u32(h, slot, at);
        at += (uint32_t)len;
    }
    for (int i = 0; ok && i < 4; i++) /* argv NULL, envp NULL, AT_NULL pair */
        ok = host_guest_write_u32(h, slot += 4, 0);
    if (!ok) {
        error_setf(errp, "newlib: cannot write the arguments at 0x%08x", vec);
        return false;
    }
    *sp = vec;
    return true;
}

bool host_newlib_setup(Host *h, const ElfSymbols *syms, const HostConfig *c,
                       Error **errp)
{
    uint32_t end = 0;
    bool have_end = elf_symbol_address(syms, "_end", &end) ||
                    elf_symbol_address(syms, "end", &end);
    const BoardMemory *ram = find_ram(c->board, true, have_end ? end : cpu_get_pc(h->cpu));
    if (!ram) {
        const SourceLoc *loc = &c->board->host_loc; /* `host:`, or the board's name */
        error_setf(errp, "%s:%u:%u: newlib: board '%s' has no RAM for the stack",
                   loc->file, loc->line, loc->col, c->board->name);
        return false;
    }
    uint64_t top = ram->base + ram->size;
    if (top > UINT32_MAX)
        top = UINT32_MAX & ~(uint64_t)15;
    uint32_t sp;
    if (!place_args(h, top, ram->base, &sp, errp))
        return false;
    cpu_set_reg(h->cpu, REG_SP, sp);
    cpu_set_reg(h->cpu, REG_A0, (uint32_t)h->argc);
    cpu_set_reg(h->cpu, REG_A1, sp + 4);
    if (have_end && end >= ram->base && end < sp) {
        h->brk_start = h->brk = (end + 7u) & ~7u;
        uint32_t free_bytes = sp > h->brk ? sp - h->brk : 0;
        uint32_t reserve = free_bytes / 4 < STACK_RESERVE ? free_bytes / 4 : STACK_RESERVE;
        h->brk_limit = sp - reserve;
    }
    h->fds[0] = (HostFile){.kind = HOST_FILE_STDIN, .fd = -1};
    h->fds[1] = (HostFile){.kind = HOST_FILE_STDOUT, .fd = -1};
    h->fds[2] = (HostFile){.kind = HOST_FILE_STDERR, .fd = -1};
    return true;
}

/* ---- the calls: each returns what goes into a0 ---- */

static int32_t sys_fstat(Host *h, HostFile *f, uint32_t addr)
{
    uint8_t k[128] = {0}; /* libgloss's struct kernel_stat */
    struct stat st;
    if (f->kind == HOST_FILE_HOST) {
        if (fstat(f->fd, &st) != 0)
            return -host_errno_to_newlib(errno);
    } else {
        memset(&st, 0, sizeof st);
        st.st_mode = S_IFCHR | 0620;
        st.st_nlink = 1;
    }
    uint64_t dev = st.st_dev, ino = st.st_ino, rdev = st.st_rdev;
    uint32_t mode = st.st_mode, nlink = (uint32_t)st.st_nlink, uid = st.st_uid,
             gid = st.st_gid;
    int64_t size = st.st_size, blocks = st.st_blocks;
    int32_t blksize = (int32_t)st.st_blksize;
    const struct timespec *times[3] = {&st.st_atim, &st.st_mtim, &st.st_ctim};
    memcpy(k + 0, &dev, 8);
    memcpy(k + 8, &ino, 8);
    memcpy(k + 16, &mode, 4);
    memcpy(k + 20, &nlink, 4);
    memcpy(k + 24, &uid, 4);
    memcpy(k + 28, &gid, 4);
    memcpy(k + 32, &rdev, 8);
    memcpy(k + 48, &size, 8);
    memcpy(k + 56, &blksize, 4);
    memcpy(k + 64, &blocks, 8);
    for (int i = 0; i < 3; i++) { /* struct timespec: int64 sec, long nsec */
        int64_t sec = times[i]->tv_sec;
        int32_t nsec = (int32_t)times[i]->tv_nsec;
        memcpy(k + 72 + 16 * i, &sec, 8);
        memcpy(k + 80 + 16 * i, &nsec, 4);
    }
    return host_guest_write(h, addr, k, sizeof k) ? 0 : -NL_EFAULT;
}

static int32_t sys_lseek(HostFile *f, int32_t offset, uint32_t whence)
{
    if (f->kind != HOST_FILE_HOST)
        return -NL_ESPIPE;
    if (whence > 2) /* SEEK_SET, SEEK_CUR, SEEK_END as on the host */
        return -NL_EINVAL;
    static const int how[] = {SEEK_SET, SEEK_CUR, SEEK_END};
    off_t pos = lseek(f->fd, offset, how[whence]);
    if (pos < 0)
        return -host_errno_to_newlib(errno);
    return pos > INT32_MAX ? -NL_EOVERFLOW : (int32_t)pos;
}

static int32_t sys_open(Host *h, uint32_t path_addr, uint32_t flags, uint32_t mode)
{
    int err, host_flags = host_flags_from_newlib(flags);
    if (host_flags < 0)
        return -NL_EINVAL;
    char *path = host_guest_string(h, path_addr, -1, PATH_MAX_GUEST, &err);
    if (!path)
        return -err;
    int fd = host_open_path(h, path, host_flags, mode & 0777, "newlib");
    if (fd < 0) {
        free(path);
        return fd;
    }
    return host_file_add(h->fds, 0, (HostFile){.kind = HOST_FILE_HOST, .fd = fd,
                                               .path = path, .flags = host_flags});
}

static int32_t sys_unlink(Host *h, uint32_t path_addr)
{
    int err;
    char *path = host_guest_string(h, path_addr, -1, PATH_MAX_GUEST, &err);
    if (!path)
        return -err;
    if (h->root_fd < 0) {
        free(path);
        return -NL_EACCES;
    }
    int r = host_files_unlink(h->root_fd, path);
    free(path);
    return r < 0 ? -host_errno_to_newlib(-r) : 0;
}

static int32_t sys_brk(Host *h, uint32_t addr)
{
    if (h->brk_start && addr >= h->brk_start && addr <= h->brk_limit)
        h->brk = addr;
    return (int32_t)h->brk; /* unchanged: the request failed */
}

/* gettimeofday: struct timeval {int64 tv_sec; long tv_usec;} (+ pad). */
static int32_t sys_gettimeofday(Host *h, uint32_t tv, uint32_t tz)
{
    uint64_t ns = host_time_ns(h);
    uint32_t t[4] = {(uint32_t)(ns / 1000000000u), (uint32_t)(ns / 1000000000u >> 32),
                     (uint32_t)(ns % 1000000000u / 1000u), 0};
    uint32_t zone[2] = {0, 0};
    if (tv && !host_guest_write(h, tv, t, sizeof t))
        return -NL_EFAULT;
    if (tz && !host_guest_write(h, tz, zone, sizeof zone))
        return -NL_EFAULT;
    return 0;
}

static int32_t sys_clock_gettime(Host *h, uint32_t clock, uint32_t ts, bool time64)
{
    if (clock > 11) /* the Linux clock ids: every one reads virtual time */
        return -NL_EINVAL;
    uint64_t ns = host_time_ns(h), sec = ns / 1000000000u;
    uint32_t nsec = (uint32_t)(ns % 1000000000u);
    uint32_t t64[4] = {(uint32_t)sec, (uint32_t)(sec >> 32), nsec, 0};
    uint32_t t32[2] = {(uint32_t)sec, nsec};
    bool ok = time64 ? host_guest_write(h, ts, t64, sizeof t64)
                     : host_guest_write(h, ts, t32, sizeof t32);
    return ok ? 0 : -NL_EFAULT;
}

static const char *call_name(uint32_t n)
{
    switch (n) {
    case SYS_close: return "close";
    case SYS_lseek: return "lseek";
    case SYS_read: return "read";
    case SYS_write: return "write";
    case SYS_fstat: return "fstat";
    case SYS_exit: return "exit";
    case SYS_exit_group: return "exit_group";
    case SYS_clock_gettime: return "clock_gettime";
    case SYS_gettimeofday: return "gettimeofday";
    case SYS_getpid: return "getpid";
    case SYS_brk: return "brk";
    case SYS_clock_gettime64: return "clock_gettime64";
    case SYS_open: return "open";
    case SYS_unlink: return "unlink";
    default: return NULL;
    }
}

static void trace_call(Host *h, uint32_t n, const uint32_t *a, int32_t r)
{
    const char *name = call_name(n);
    if (name)
        trace_sys(h->trace, "newlib %s(0x%x, 0x%x, 0x%x) = %d", name, a[0], a[1], a[2], r);
    else
        trace_sys(h->trace, "newlib syscall %u(0x%x, 0x%x, 0x%x) = %d", n, a[0], a[1], a[2], r);
}

static int32_t unsupported(Host *h, uint32_t number)
{
    for (unsigned i = 0; i < h->nwarned_syscalls; i++)
        if (h->warned_syscalls[i] == number)
            return -NL_ENOSYS;
    if (h->nwarned_syscalls < sizeof h->warned_syscalls / sizeof h->warned_syscalls[0]) {
        h->warned_syscalls[h->nwarned_syscalls++] = number;
        host_warn("newlib: unsupported system call %u at pc 0x%08x (returns -ENOSYS)",
                  number, cpu_get_pc(h->cpu));
    }
    return -NL_ENOSYS;
}

bool host_newlib_call(Host *h)
{
    uint32_t n = cpu_get_reg(h->cpu, REG_A7);
    uint32_t a0 = cpu_get_reg(h->cpu, REG_A0), a1 = cpu_get_reg(h->cpu, REG_A1),
             a2 = cpu_get_reg(h->cpu, REG_A2);
    HostFile *f = NULL;
    if (n == SYS_close || n == SYS_lseek || n == SYS_read || n == SYS_write ||
        n == SYS_fstat) {
        f = host_file_get(h->fds, (int)a0);
        if (!f) {
            trace_call(h, n, (const uint32_t[]){a0, a1, a2}, -NL_EBADF);
            cpu_set_reg(h->cpu, REG_A0, (uint32_t)-NL_EBADF);
            return true;
        }
    }
    int32_t r;
    switch (n) {
    case SYS_write: r = (int32_t)host_file_write(h, f, a1, a2); break;
    case SYS_read: r = (int32_t)host_file_read(h, f, a1, a2); break;
    case SYS_close: host_file_close(f); r = 0; break;
    case SYS_lseek: r = sys_lseek(f, (int32_t)a1, a2); break;
    case SYS_fstat: r = sys_fstat(h, f, a1); break;
    case SYS_open: r = sys_open(h, a0, a1, a2); break;
    case SYS_unlink: r = sys_unlink(h, a0); break;
    case SYS_brk: r = sys_brk(h, a0); break;
    case SYS_gettimeofday: r = sys_gettimeofday(h, a0, a1); break;
    case SYS_clock_gettime: r = sys_clock_gettime(h, a0, a1, false); break;
    case SYS_clock_gettime64: r = sys_clock_gettime(h, a0, a1, true); break;
    case SYS_getpid: r = 1; break;
    case SYS_exit:
    case SYS_exit_group:
        trace_sys(h->trace, "newlib %s(%d)", call_name(n), (int32_t)a0);
        fflush(stdout);
        host_exit(h, (int32_t)a0);
        return true;
    default: r = unsupported(h, n); break;
    }
    trace_call(h, n, (const uint32_t[]){a0, a1, a2}, r);
    cpu_set_reg(h->cpu, REG_A0, (uint32_t)r);
    return true;
}
