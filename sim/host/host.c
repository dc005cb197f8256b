/* Host services: the CPU's host handler routes `ecall` to newlib
 * (sim/host_newlib.c) and the semihosting sequence to sim/host_semihosting.c;
 * HTIF works through its overlay (sim/host_htif.c). Here: setup,
 * teardown, exit, virtual time, guest memory and open files. */
#include "sim/host/host_internal.h"
#include "soc/alloc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define IO_CHUNK 65536u

void host_warn(const char *fmt, ...)
{
    va_list ap;
    fflush(stdout);
    fputs("mcusim: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static bool host_call(void *opaque, Cpu *cpu, CpuHostCall call)
{
    Host *h = opaque;
    (void)cpu;
    if (h->exited)
        return true; /* stopping: nothing more runs */
    if (call == CPU_HOST_ECALL)
        return (h->services & HOST_NEWLIB) && host_newlib_call(h);
    return (h->services & HOST_SEMIHOSTING) && host_semihosting_call(h);
}

void host_exit(Host *h, int status)
{
    if (h->exited)
        return;
    h->exited = true;
    h->status = status;
    cpu_request_stop(h->cpu);
}

bool host_exit_status(const Host *h, int *status)
{
    if (!h || !h->exited)
        return false;
    if (status)
        *status = h->status;
    return true;
}

uint64_t host_time_ns(const Host *h)
{
    uint64_t cycles = cpu_cycles(h->cpu), f = h->frequency_hz ? h->frequency_hz : 1;
    return cycles / f * 1000000000u + cycles % f * 1000000000u / f;
}

/* ---- guest memory: RAM and ROM through the flat view, never a device ---- */

/* Through the memory system's RAM path, which also tells the CPU when a
 * write lands on decoded code (a `read` into a buffer of instructions). */
bool host_guest_read(Host *h, uint32_t addr, void *buf, size_t len)
{
    return memory_ram_read(h->ms, addr, buf, len);
}

bool host_guest_write(Host *h, uint32_t addr, const void *buf, size_t len)
{
    return memory_ram_write(h->ms, addr, buf, len);
}

bool host_guest_read_u32(Host *h, uint32_t addr, uint32_t *value)
{
    return host_guest_read(h, addr, value, 4);
}

bool host_guest_write_u32(Host *h, uint32_t addr, uint32_t value)
{
    return host_guest_write(h, addr, &value, 4);
}

char *host_guest_string(Host *h, uint32_t addr, long len, size_t max, int *err)
{
    size_t cap = len >= 0 ? (size_t)len : 64, n = 0;
    if (len >= 0 && (size_t)len > max) {
        *err = NL_ENAMETOOLONG;
        return NULL;
    }
    char *s = xmalloc(cap + 1);
    if (len >= 0) {
        if (!host_guest_read(h, addr, s, (size_t)len)) {
            free(s);
            *err = NL_EFAULT;
            return NULL;
        }
        s[len] = '\0';
        if (strlen(s) != (size_t)len) { /* a NUL inside */
            free(s);
            *err = NL_EINVAL;
            return NULL;
        }
        return s;
    }
    for (;; n++) {
        if (n > max) {
            free(s);
            *err = NL_ENAMETOOLONG;
            return NULL;
        }
        if (n == cap) {
            cap *= 2;
            s = xrealloc(s, cap + 1);
        }
        if (!host_guest_read(h, addr + (uint32_t)n, &s[n], 1)) {
            free(s);
            *err = NL_EFAULT;
            return NULL;
        }
        if (s[n] == '\0')
            return s;
    }
}

/* ---- open files ---- */

int host_file_add(HostFile *table, int first, HostFile file)
{
    for (int i = first; i < HOST_MAX_FILES; i++) {
        if (table[i].kind == HOST_FILE_FREE) {
            table[i] = file;
            return i;
        }
    }
    if (file.kind == HOST_FILE_HOST)
        close(file.fd);
    free(file.path);
    return -NL_EMFILE;
}

HostFile *host_file_get(HostFile *table, int handle)
{
    if (handle < 0 || handle >= HOST_MAX_FILES || table[handle].kind == HOST_FILE_FREE)
        return NULL;
    return &table[handle];
}

void host_file_close(HostFile *f)
{
    if (f->kind == HOST_FILE_HOST && f->fd >= 0)
        close(f->fd);
    free(f->path);
    *f = (HostFile){.kind = HOST_FILE_FREE, .fd = -1};
}

int host_open_path(Host *h, const char *path, int flags, unsigned mode,
                   const char *service)
{
    if (h->root_fd < 0) {
        if (!h->warned_files) {
            h->warned_files = true;
            host_warn("%s: the firmware tried to open '%s': host files are off "
                      "(give a folder with --semihosting-root DIR)", service, path);
        }
        return -NL_EACCES;
    }
    int fd = host_files_open(h->root_fd, path, flags, mode);
    return fd < 0 ? -host_errno_to_newlib(-fd) : fd;
}

static FILE *out_stream(const HostFile *f)
{
    return f->kind == HOST_FILE_STDERR ? stderr : stdout;
}

long host_file_write(Host *h, HostFile *f, uint32_t addr, uint32_t len)
{
    if (f->kind == HOST_FILE_STDIN || f->kind == HOST_FILE_MEMORY)
        return -NL_EBADF;
    uint8_t *buf = xmalloc(len < IO_CHUNK ? (len ? len : 1) : IO_CHUNK);
    long done = 0;
    while ((uint32_t)done < len) {
        uint32_t n = len - (uint32_t)done < IO_CHUNK ? len - (uint32_t)done : IO_CHUNK;
        if (!host_guest_read(h, addr + (uint32_t)done, buf, n)) {
            done = done ? done : -NL_EFAULT;
            break;
        }
        if (f->kind != HOST_FILE_HOST) {
            FILE *out = out_stream(f);
            fwrite(buf, 1, n, out);
            fflush(out);
            done += n;
            continue;
        }
        ssize_t w = write(f->fd, buf, n);
        if (w < 0) {
            done = done ? done : -host_errno_to_newlib(errno);
            break;
        }
        done += w;
        if ((uint32_t)w < n)
            break;
    }
    free(buf);
    return done;
}

long host_file_read(Host *h, HostFile *f, uint32_t addr, uint32_t len)
{
    if (f->kind == HOST_FILE_STDOUT || f->kind == HOST_FILE_STDERR)
        return -NL_EBADF;
    if (f->kind == HOST_FILE_MEMORY) {
        size_t n = f->pos < f->size ? f->size - f->pos : 0;
        n = n < len ? n : len;
        if (!host_guest_write(h, addr, f->data + f->pos, n))
            return -NL_EFAULT;
        f->pos += n;
        return (long)n;
    }
    if (f->kind == HOST_FILE_STDIN)
        fflush(stdout); /* a prompt first */
    int fd = f->kind == HOST_FILE_STDIN ? STDIN_FILENO : f->fd;
    uint8_t *buf = xmalloc(len < IO_CHUNK ? (len ? len : 1) : IO_CHUNK);
    long done = 0;
    while ((uint32_t)done < len) {
        uint32_t n = len - (uint32_t)done < IO_CHUNK ? len - (uint32_t)done : IO_CHUNK;
        ssize_t r = read(fd, buf, n);
        if (r < 0) {
            done = done ? done : -host_errno_to_newlib(errno);
            break;
        }
        if (!host_guest_write(h, addr + (uint32_t)done, buf, (size_t)r)) {
            done = done ? done : -NL_EFAULT;
            break;
        }
        done += r;
        /* The console gives what it has; a file stops at its end. */
        if ((uint32_t)r < n || f->kind == HOST_FILE_STDIN)
            break;
    }
    free(buf);
    return done;
}

/* ---- setup ---- */

bool host_parse_services(const char *list, unsigned *services, Error **errp)
{
    *services = 0;
    if (strcmp(list, "none") == 0)
        return true;
    const char *p = list;
    for (;;) {
        size_t len = strcspn(p, ",");
        char name[32] = "";
        if (len < sizeof name)
            memcpy(name, p, len);
        unsigned bit = len < sizeof name ? board_host_service(name) : 0;
        if (!bit) {
            error_setf(errp, "--host: unknown service '%.*s' in '%s' (expected a "
                       "comma-separated list of newlib, semihosting and htif, or none)",
                       (int)len, p, list);
            return false;
        }
        *services |= bit;
        if (!p[len])
            return true;
        p += len + 1;
    }
}

static char **copy_argv(int argc, const char *const *argv)
{
    char **copy = xcalloc((size_t)argc + 1, sizeof *copy);
    for (int i = 0; i < argc; i++) {
        copy[i] = xstrdup(argv[i]);
    }
    return copy;
}

Host *host_new(MemorySystem *ms, Cpu *cpu, const ElfSymbols *syms,
               const HostConfig *config, Error **errp)
{
    Host *h = xcalloc(1, sizeof *h);
    h->ms = ms;
    h->cpu = cpu;
    h->services = config->services;
    h->frequency_hz = config->frequency_hz;
    h->trace = config->trace;
    h->root_fd = -1;
    h->argc = config->argc;
    h->argv = copy_argv(config->argc, config->argv);
    for (int i = 0; i < HOST_MAX_FILES; i++)
        h->fds[i] = h->handles[i] = (HostFile){.kind = HOST_FILE_FREE, .fd = -1};
    if (config->file_root) {
        h->root_fd = open(config->file_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (h->root_fd < 0) {
            error_setf(errp, "--semihosting-root %s: %s", config->file_root,
                       strerror(errno));
            host_free(h);
            return NULL;
        }
    }
    if ((h->services & HOST_NEWLIB) && !host_newlib_setup(h, syms, config, errp)) {
        host_free(h);
        return NULL;
    }
    if (h->services & HOST_SEMIHOSTING)
        host_semihosting_setup(h, syms, config);
    if ((h->services & HOST_HTIF) && !host_htif_setup(h, syms, errp)) {
        host_free(h);
        return NULL;
    }
    if (h->services & (HOST_NEWLIB | HOST_SEMIHOSTING))
        cpu_set_host_handler(cpu, host_call, h);
    return h;
}

void host_free(Host *h)
{
    if (!h)
        return;
    if (h->services & (HOST_NEWLIB | HOST_SEMIHOSTING))
        cpu_set_host_handler(h->cpu, NULL, NULL);
    host_htif_free(h);
    for (int i = 0; i < HOST_MAX_FILES; i++) {
        host_file_close(&h->fds[i]);
        host_file_close(&h->handles[i]);
    }
    if (h->root_fd >= 0)
        close(h->root_fd);
    for (int i = 0; i < h->argc; i++)
        free(h->argv[i]);
    free(h->argv);
    free(h);
}
