/* Shared by sim/host*.c: the Host, guest memory, open files, errors. */
#ifndef SIM_HOST_INTERNAL_H
#define SIM_HOST_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/host/host.h"
#include "sim/host/host_files.h"

#define HOST_MAX_FILES 64

typedef enum HostFileKind {
    HOST_FILE_FREE,
    HOST_FILE_STDIN,
    HOST_FILE_STDOUT,
    HOST_FILE_STDERR,
    HOST_FILE_HOST,   /* a host file descriptor */
    HOST_FILE_MEMORY, /* read-only bytes (":semihosting-features") */
} HostFileKind;

typedef struct HostFile {
    HostFileKind kind;
    int fd;              /* HOST_FILE_HOST */
    const uint8_t *data; /* HOST_FILE_MEMORY */
    size_t size, pos;
    /* For snapshots (host_state.c): HOST_FILE_HOST's guest path and the
     * host open flags it was opened with; HOST_FILE_MEMORY's name. Owned
     * (host_file_close frees it); NULL for the others. */
    char *path;
    int flags;
} HostFile;

/* One HTIF word: the opaque of its MMIO region. */
typedef struct HtifWord {
    struct Host *host;
    uint64_t value;
    bool is_tohost;
} HtifWord;

/* The HTIF overlay: one owner, two 8-byte MMIO regions. */
typedef struct HostHtif {
    Owner *owner;
    MemoryRegion *container; /* where the regions are mapped (the root) */
    MemoryRegion *tohost_mr, *fromhost_mr;
    HtifWord tohost, fromhost;
    uint32_t tohost_addr, fromhost_addr;
} HostHtif;

struct Host {
    MemorySystem *ms;
    Cpu *cpu;
    unsigned services;
    uint64_t frequency_hz;
    Trace *trace;
    bool exited;
    int status;
    int argc;
    char **argv;
    int root_fd; /* -1: no host files */
    bool warned_files;

    /* newlib */
    HostFile fds[HOST_MAX_FILES];
    uint32_t brk_start, brk, brk_limit;
    uint32_t warned_syscalls[8]; /* first unsupported numbers reported */
    unsigned nwarned_syscalls;

    /* semihosting */
    HostFile handles[HOST_MAX_FILES]; /* handle 0 is never given out */
    int sh_errno;                     /* newlib numbering */
    uint32_t heap_base, heap_limit, stack_base, stack_limit;
    bool warned_semihosting;

    HostHtif htif;
};

/* ---- sim/host.c ---- */

/* Ends the run with `status` once the current instruction completes. */
void host_exit(Host *h, int status);
/* Virtual time since the start, in nanoseconds. */
uint64_t host_time_ns(const Host *h);
/* Guest memory, RAM or ROM only (never a device); false: some byte is
 * not there (or, for writes, is read-only). */
bool host_guest_read(Host *h, uint32_t addr, void *buf, size_t len);
bool host_guest_write(Host *h, uint32_t addr, const void *buf, size_t len);
bool host_guest_read_u32(Host *h, uint32_t addr, uint32_t *value);
bool host_guest_write_u32(Host *h, uint32_t addr, uint32_t value);
/* A string of at most max bytes (its NUL excluded), malloc'd; NULL with
 * *err a newlib errno (EFAULT, ENAMETOOLONG). len < 0: up to the NUL;
 * else exactly len bytes, which may not hold a NUL. */
char *host_guest_string(Host *h, uint32_t addr, long len, size_t max, int *err);

/* Files: slot i of table (`first` the lowest handle given out), taking
 * the file (its fd and path: closed and freed when there is no room).
 * Return a handle or -errno. */
int host_file_add(HostFile *table, int first, HostFile file);
HostFile *host_file_get(HostFile *table, int handle);
void host_file_close(HostFile *file);
/* Opens a guest path under the root (-errno when there is no root; a
 * notice on stderr the first time). */
int host_open_path(Host *h, const char *path, int flags, unsigned mode,
                   const char *service);
/* Moves data between a file and guest memory, in chunks. Return the
 * byte count or -errno (newlib numbering). */
long host_file_read(Host *h, HostFile *f, uint32_t addr, uint32_t len);
long host_file_write(Host *h, HostFile *f, uint32_t addr, uint32_t len);

/* Prints "mcusim: FMT\n" on stderr. */
void host_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- the services ---- */

bool host_newlib_setup(Host *h, const ElfSymbols *syms, const HostConfig *c,
                       Error **errp);
bool host_newlib_call(Host *h);

void host_semihosting_setup(Host *h, const ElfSymbols *syms, const HostConfig *c);
bool host_semihosting_call(Host *h);

bool host_htif_setup(Host *h, const ElfSymbols *syms, Error **errp);
void host_htif_free(Host *h);

/* The read-only bytes a memory file of that name serves
 * (":semihosting-features"), for a snapshot load; false when none. */
bool host_semihosting_memory_file(const char *name, HostFile *out);

#endif
