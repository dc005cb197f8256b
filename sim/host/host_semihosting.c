/* RISC-V semihosting: the Arm semihosting operations with RV32's
 * conventions (a0 = operation, a1 = parameter or parameter block of
 * 32-bit fields, result in a0), as the RISC-V semihosting specification
 * and QEMU have them.
 *
 * Console: ":tt" opened for reading is stdin, for writing stdout, for
 * appending stderr; WRITEC/WRITE0 print on stdout. ":semihosting-features"
 * reads "SHFB" and one byte: EXIT_EXTENDED and STDOUT_STDERR. Host files
 * open only under the root folder (sim/host_files.h); without one,
 * SYS_OPEN fails with EACCES. SYS_ERRNO gives newlib's numbers (picolibc
 * uses them). SYS_CLOCK, SYS_TIME, SYS_ELAPSED read virtual time;
 * SYS_TICKFREQ is the CPU frequency (one tick per cycle). SYS_SYSTEM,
 * SYS_TMPNAM and SYS_RENAME fail. SYS_EXIT: ADP_Stopped_ApplicationExit
 * is status 0, any other reason 1; SYS_EXIT_EXTENDED takes the status
 * from the block's second field.
 */
#include "sim/host/host_internal.h"
#include "soc/alloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum {
    SYS_OPEN = 0x01, SYS_CLOSE = 0x02, SYS_WRITEC = 0x03, SYS_WRITE0 = 0x04,
    SYS_WRITE = 0x05, SYS_READ = 0x06, SYS_READC = 0x07, SYS_ISERROR = 0x08,
    SYS_ISTTY = 0x09, SYS_SEEK = 0x0a, SYS_FLEN = 0x0c, SYS_TMPNAM = 0x0d,
    SYS_REMOVE = 0x0e, SYS_RENAME = 0x0f, SYS_CLOCK = 0x10, SYS_TIME = 0x11,
    SYS_SYSTEM = 0x12, SYS_ERRNO = 0x13, SYS_GET_CMDLINE = 0x15,
    SYS_HEAPINFO = 0x16, SYS_EXIT = 0x18, SYS_EXIT_EXTENDED = 0x20,
    SYS_ELAPSED = 0x30, SYS_TICKFREQ = 0x31,
};

#define ADP_STOPPED_APPLICATION_EXIT 0x20026u
#define REG_A0 10
#define REG_A1 11
#define PATH_MAX_GUEST 4095
#define WRITE0_MAX (1u << 20)

static const uint8_t features[5] = {'S', 'H', 'F', 'B', 0x03};
#define FEATURES_NAME ":semihosting-features"

bool host_semihosting_memory_file(const char *name, HostFile *out)
{
    if (strcmp(name, FEATURES_NAME) != 0)
        return false;
    *out = (HostFile){.kind = HOST_FILE_MEMORY, .fd = -1, .data = features,
                      .size = sizeof features, .path = xstrdup(FEATURES_NAME)};
    return true;
}

void host_semihosting_setup(Host *h, const ElfSymbols *syms, const HostConfig *c)
{
    (void)c;
    if (!elf_symbol_address(syms, "__heap_start", &h->heap_base) &&
        !elf_symbol_address(syms, "_end", &h->heap_base))
        elf_symbol_address(syms, "end", &h->heap_base);
    elf_symbol_address(syms, "__heap_end", &h->heap_limit);
    elf_symbol_address(syms, "__stack", &h->stack_base);
}

/* The fields of the parameter block at a1. */
static bool args(Host *h, uint32_t *out, unsigned n)
{
    uint32_t block = cpu_get_reg(h->cpu, REG_A1);
    return host_guest_read(h, block, out, n * 4u);
}

static int32_t fail(Host *h, int nl_errno)
{
    h->sh_errno = nl_errno;
    return -1;
}

static int32_t sh_open(Host *h)
{
    uint32_t a[3]; /* path, mode (0-11 as fopen's r rb r+ r+b w ... a+b), length */
    int err;
    if (!args(h, a, 3))
        return fail(h, NL_EFAULT);
    if (a[1] > 11)
        return fail(h, NL_EINVAL);
    char *path = host_guest_string(h, a[0], (long)a[2], PATH_MAX_GUEST, &err);
    if (!path)
        return fail(h, err);
    unsigned kind = a[1] >> 2; /* 0 r, 1 w, 2 a */
    bool plus = a[1] & 2;
    HostFile f = {.kind = HOST_FILE_HOST, .fd = -1};
    if (strcmp(path, ":tt") == 0) {
        static const HostFileKind tt[] = {HOST_FILE_STDIN, HOST_FILE_STDOUT, HOST_FILE_STDERR};
        f.kind = tt[kind];
    } else if (strcmp(path, FEATURES_NAME) == 0) {
        if (kind != 0 || plus) {
            free(path);
            return fail(h, NL_EACCES);
        }
        host_semihosting_memory_file(path, &f);
    } else {
        static const int flags[] = {0, O_CREAT | O_TRUNC, O_CREAT | O_APPEND};
        int access = plus ? O_RDWR : kind == 0 ? O_RDONLY : O_WRONLY;
        f.fd = host_open_path(h, path, access | flags[kind], 0666, "semihosting");
        if (f.fd < 0) {
            free(path);
            return fail(h, -f.fd);
        }
        f.flags = access | flags[kind];
        f.path = path;
        path = NULL; /* the file's now */
    }
    free(path);
    int handle = host_file_add(h->handles, 1, f);
    return handle < 0 ? fail(h, -handle) : handle;
}

static HostFile *handle_arg(Host *h, uint32_t *a, unsigned n)
{
    if (!args(h, a, n)) {
        h->sh_errno = NL_EFAULT;
        return NULL;
    }
    HostFile *f = host_file_get(h->handles, (int)a[0]);
    if (!f)
        h->sh_errno = NL_EBADF;
    return f;
}

/* SYS_READ/SYS_WRITE return the bytes NOT transferred. */
static int32_t sh_transfer(Host *h, bool write)
{
    uint32_t a[3]; /* handle, buffer, length */
    HostFile *f = handle_arg(h, a, 3);
    if (!f)
        return h->sh_errno == NL_EFAULT ? -1 : (int32_t)a[2];
    long n = write ? host_file_write(h, f, a[1], a[2]) : host_file_read(h, f, a[1], a[2]);
    if (n < 0) {
        h->sh_errno = (int)-n;
        return (int32_t)a[2];
    }
    return (int32_t)(a[2] - (uint32_t)n);
}

static int32_t sh_seek(Host *h)
{
    uint32_t a[2]; /* handle, absolute position */
    HostFile *f = handle_arg(h, a, 2);
    if (!f)
        return -1;
    if (f->kind == HOST_FILE_MEMORY) {
        if (a[1] > f->size)
            return fail(h, NL_EINVAL);
        f->pos = a[1];
        return 0;
    }
    if (f->kind != HOST_FILE_HOST)
        return fail(h, NL_ESPIPE);
    if (lseek(f->fd, (off_t)a[1], SEEK_SET) < 0)
        return fail(h, host_errno_to_newlib(errno));
    return 0;
}

static int32_t sh_flen(Host *h)
{
    uint32_t a[1];
    HostFile *f = handle_arg(h, a, 1);
    if (!f)
        return -1;
    if (f->kind == HOST_FILE_MEMORY)
        return (int32_t)f->size;
    struct stat st;
    if (f->kind != HOST_FILE_HOST)
        return fail(h, NL_EINVAL);
    if (fstat(f->fd, &st) != 0)
        return fail(h, host_errno_to_newlib(errno));
    return st.st_size > INT32_MAX ? fail(h, NL_EOVERFLOW) : (int32_t)st.st_size;
}

static int32_t sh_remove(Host *h)
{
    uint32_t a[2]; /* path, length */
    int err;
    if (!args(h, a, 2))
        return fail(h, NL_EFAULT);
    char *path = host_guest_string(h, a[0], (long)a[1], PATH_MAX_GUEST, &err);
    if (!path)
        return fail(h, err);
    if (h->root_fd < 0) {
        free(path);
        return fail(h, NL_EACCES);
    }
    int r = host_files_unlink(h->root_fd, path);
    free(path);
    return r < 0 ? fail(h, host_errno_to_newlib(-r)) : 0;
}

/* The firmware's argv joined by spaces, as the spec's "command line". */
static int32_t sh_cmdline(Host *h)
{
    uint32_t a[2]; /* buffer, its size (in), the length written (out) */
    if (!args(h, a, 2))
        return fail(h, NL_EFAULT);
    size_t len = 0;
    for (int i = 0; i < h->argc; i++)
        len += strlen(h->argv[i]) + (i ? 1 : 0);
    if (len + 1 > a[1])
        return fail(h, NL_EINVAL);
    char *line = xmalloc(len + 1);
    line[0] = '\0';
    for (int i = 0; i < h->argc; i++) {
        if (i)
            strcat(line, " ");
        strcat(line, h->argv[i]);
    }
    bool ok = host_guest_write(h, a[0], line, len + 1) &&
              host_guest_write_u32(h, cpu_get_reg(h->cpu, REG_A1) + 4, (uint32_t)len);
    free(line);
    return ok ? 0 : fail(h, NL_EFAULT);
}

static int32_t sh_writec(Host *h, bool string)
{
    uint32_t addr = cpu_get_reg(h->cpu, REG_A1);
    int err;
    char c;
    if (!string) {
        if (!host_guest_read(h, addr, &c, 1))
            return fail(h, NL_EFAULT);
        fputc(c, stdout);
    } else {
        char *s = host_guest_string(h, addr, -1, WRITE0_MAX, &err);
        if (!s)
            return fail(h, err);
        fputs(s, stdout);
        free(s);
    }
    fflush(stdout);
    return (int32_t)cpu_get_reg(h->cpu, REG_A0);
}

static int32_t sh_exit(Host *h, bool extended)
{
    uint32_t a[2] = {cpu_get_reg(h->cpu, REG_A1), 0}; /* reason, subcode */
    if (extended && !args(h, a, 2))
        return fail(h, NL_EFAULT);
    int status = a[0] != ADP_STOPPED_APPLICATION_EXIT ? 1 : extended ? (int32_t)a[1] : 0;
    fflush(stdout);
    host_exit(h, status);
    return 0;
}

static int32_t sh_misc(Host *h, uint32_t op)
{
    uint32_t a[1];
    uint64_t ns = host_time_ns(h);
    switch (op) {
    case SYS_READC: {
        uint8_t c;
        fflush(stdout);
        return read(STDIN_FILENO, &c, 1) == 1 ? c : -1;
    }
    case SYS_ISERROR:
        return args(h, a, 1) ? (int32_t)a[0] < 0 : fail(h, NL_EFAULT);
    case SYS_ISTTY: {
        HostFile *f = handle_arg(h, a, 1);
        if (!f)
            return -1;
        return f->kind == HOST_FILE_STDIN || f->kind == HOST_FILE_STDOUT ||
               f->kind == HOST_FILE_STDERR;
    }
    case SYS_CLOSE: {
        HostFile *f = handle_arg(h, a, 1);
        if (!f)
            return -1;
        host_file_close(f);
        return 0;
    }
    case SYS_CLOCK: return (int32_t)(ns / 10000000u);
    case SYS_TIME: return (int32_t)(ns / 1000000000u);
    case SYS_ELAPSED: {
        uint64_t ticks = cpu_cycles(h->cpu);
        return host_guest_write(h, cpu_get_reg(h->cpu, REG_A1), &ticks, 8) ? 0
                                                                            : fail(h, NL_EFAULT);
    }
    case SYS_TICKFREQ:
        return h->frequency_hz <= INT32_MAX ? (int32_t)h->frequency_hz : fail(h, NL_EOVERFLOW);
    case SYS_ERRNO: return h->sh_errno;
    case SYS_HEAPINFO: {
        uint32_t info[4] = {h->heap_base, h->heap_limit, h->stack_base, h->stack_limit};
        if (!args(h, a, 1) || !host_guest_write(h, a[0], info, sizeof info))
            return fail(h, NL_EFAULT);
        return 0;
    }
    case SYS_SYSTEM:
    case SYS_TMPNAM:
    case SYS_RENAME:
        return fail(h, NL_ENOSYS);
    default:
        if (!h->warned_semihosting) {
            h->warned_semihosting = true;
            host_warn("semihosting: unsupported operation 0x%x at pc 0x%08x (returns -1)",
                      op, cpu_get_pc(h->cpu));
        }
        return fail(h, NL_ENOSYS);
    }
}

static const char *op_name(uint32_t op)
{
    static const char *const names[] = {
        [SYS_OPEN] = "SYS_OPEN", [SYS_CLOSE] = "SYS_CLOSE", [SYS_WRITEC] = "SYS_WRITEC",
        [SYS_WRITE0] = "SYS_WRITE0", [SYS_WRITE] = "SYS_WRITE", [SYS_READ] = "SYS_READ",
        [SYS_READC] = "SYS_READC", [SYS_ISERROR] = "SYS_ISERROR", [SYS_ISTTY] = "SYS_ISTTY",
        [SYS_SEEK] = "SYS_SEEK", [SYS_FLEN] = "SYS_FLEN", [SYS_TMPNAM] = "SYS_TMPNAM",
        [SYS_REMOVE] = "SYS_REMOVE", [SYS_RENAME] = "SYS_RENAME", [SYS_CLOCK] = "SYS_CLOCK",
        [SYS_TIME] = "SYS_TIME", [SYS_SYSTEM] = "SYS_SYSTEM", [SYS_ERRNO] = "SYS_ERRNO",
        [SYS_GET_CMDLINE] = "SYS_GET_CMDLINE", [SYS_HEAPINFO] = "SYS_HEAPINFO",
        [SYS_EXIT] = "SYS_EXIT", [SYS_EXIT_EXTENDED] = "SYS_EXIT_EXTENDED",
        [SYS_ELAPSED] = "SYS_ELAPSED", [SYS_TICKFREQ] = "SYS_TICKFREQ",
    };
    return op < sizeof names / sizeof names[0] && names[op] ? names[op] : "unknown";
}

bool host_semihosting_call(Host *h)
{
    uint32_t op = cpu_get_reg(h->cpu, REG_A0), a1 = cpu_get_reg(h->cpu, REG_A1);
    int32_t r;
    switch (op) {
    case SYS_OPEN: r = sh_open(h); break;
    case SYS_WRITEC: r = sh_writec(h, false); break;
    case SYS_WRITE0: r = sh_writec(h, true); break;
    case SYS_WRITE: r = sh_transfer(h, true); break;
    case SYS_READ: r = sh_transfer(h, false); break;
    case SYS_SEEK: r = sh_seek(h); break;
    case SYS_FLEN: r = sh_flen(h); break;
    case SYS_REMOVE: r = sh_remove(h); break;
    case SYS_GET_CMDLINE: r = sh_cmdline(h); break;
    case SYS_EXIT: r = sh_exit(h, false); break;
    case SYS_EXIT_EXTENDED: r = sh_exit(h, true); break;
    default: r = sh_misc(h, op); break;
    }
    trace_sys(h->trace, "semihosting %s (0x%x, 0x%x) = %d", op_name(op), op, a1, r);
    cpu_set_reg(h->cpu, REG_A0, (uint32_t)r);
    return true;
}
