/* Helpers shared by the memory unit tests: test_memory_graph.c (R1-R5,
 * destroy), test_memory_view.c (R6-R7, tree, debugger, listeners),
 * test_memory_audit.c (R8) and test_memory_soak.c. Header-only and static
 * inline: gen_build.py links every non-test_ .c of tests/unit into every
 * unit binary, so a helper .c here would land in binaries that never use it.
 * Black-box: only soc/memory.h (test_memory_audit.c alone looks inside).
 *
 * Every test calls memory_audit() after every step (AUDIT), and tracks the
 * death of each owner through its finalize hook (a Probe counter), so "freed
 * exactly once" and "not freed yet" are asserted, never assumed.
 *
 * Exact refcounts are asserted only where the contract fixes them: while no
 * flat view points at the owner (R1, R4, R5), or for an owner with a single
 * region in a single flat range (R7). How many references a view holds on an
 * owner with several ranges is not specified, so those tests assert deaths
 * and accesses instead. */
#ifndef TESTS_UNIT_MEMORY_TEST_UTIL_H
#define TESTS_UNIT_MEMORY_TEST_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "soc/memory.h"

#define AUDIT(ms) audit_at((ms), __FILE__, __LINE__)

static inline void audit_at(MemorySystem *ms, const char *file, int line)
{
    Error *err = NULL;
    bool ok = memory_audit(ms, &err);
    if (!ok)
        print_error("%s:%d: memory_audit: %s\n", file, line,
                    err ? error_message(err) : "(returned false, no error)");
    else if (err)
        print_error("%s:%d: memory_audit returned true but set an error: %s\n",
                    file, line, error_message(err));
    bool clean = ok && !err;
    error_free(err);
    _assert_true(clean, "memory_audit(ms, &err) && !err", file, line);
}

/* The error exists and its message contains `needle` (case-insensitively
 * for addresses, whose hex digits may come in either case). */
#define ASSERT_ERROR_HAS(err, needle) error_has_at((err), (needle), __FILE__, __LINE__)

static inline void error_has_at(const Error *err, const char *needle,
                                const char *file, int line)
{
    bool ok = err != NULL && strcasestr(error_message(err), needle) != NULL;
    if (!ok)
        print_error("%s:%d: expected an error mentioning \"%s\", got: %s\n",
                    file, line, needle, err ? error_message(err) : "(no error)");
    _assert_true(ok, "error mentions needle", file, line);
}

#define ADD(container, offset, sub) \
    add_at((container), (offset), (sub), 0, false, __FILE__, __LINE__)
#define ADD_PRIO(container, offset, sub, prio) \
    add_at((container), (offset), (sub), (prio), true, __FILE__, __LINE__)

static inline void add_at(MemoryRegion *container, uint64_t offset,
                          MemoryRegion *sub, int priority, bool overlap,
                          const char *file, int line)
{
    Error *err = NULL;
    bool ok = overlap ? memory_add_subregion_overlap(container, offset, sub,
                                                     priority, &err)
                      : memory_add_subregion(container, offset, sub, &err);
    if (!ok)
        print_error("%s:%d: adding '%s' into '%s' failed: %s\n", file, line,
                    memory_region_name(sub), memory_region_name(container),
                    err ? error_message(err) : "(no error)");
    error_free(err);
    _assert_true(ok, "memory_add_subregion", file, line);
    _assert_true(memory_region_container(sub) == container,
                 "memory_region_container(sub) == container", file, line);
}

#define ASSERT_READ(ms, addr, size, expect)                                 \
    do {                                                                    \
        uint32_t got_ = 0xdeadbeef;                                         \
        assert_int_equal(memory_read((ms), (addr), (size), &got_), MEM_OK); \
        assert_int_equal(got_, (expect));                                   \
    } while (0)

#define ASSERT_UNMAPPED(ms, addr)                                           \
    do {                                                                    \
        uint32_t got_ = 0;                                                  \
        MemRange range_;                                                    \
        assert_int_equal(memory_read((ms), (addr), 4, &got_), MEM_UNMAPPED); \
        assert_false(memory_lookup((ms), (addr), &range_));                 \
    } while (0)

/* Counts an owner's deaths: its finalize hook's opaque. When `ms` is set,
 * it also records how many regions were live when the hook ran (R2: the
 * owner's regions are gone by then). */
typedef struct Probe {
    int finalized;
    MemorySystem *ms;
    size_t regions_at_finalize;
} Probe;

static inline void probe_finalize(void *opaque)
{
    Probe *p = opaque;
    p->finalized++;
    if (p->ms)
        p->regions_at_finalize = memory_stats(p->ms).regions;
}

static inline Owner *probe_owner(MemorySystem *ms, const char *name,
                                 Probe *probe)
{
    probe->finalized = 0;
    probe->ms = NULL;
    probe->regions_at_finalize = (size_t)-1;
    Owner *o = owner_new(ms, name, probe_finalize, probe);
    assert_non_null(o);
    assert_int_equal(owner_refcount(o), 1);
    assert_string_equal(owner_name(o), name);
    assert_ptr_equal(owner_opaque(o), probe);
    return o;
}

/* A register file: a read at offset o returns tag + o; the debugger's peek
 * sees byte k as peek_base + k. */
typedef struct Regs {
    uint32_t tag;
    uint8_t peek_base;
    bool fail;
    unsigned reads, writes, peeks;
    uint64_t last_offset;
    unsigned last_size;
    uint32_t last_value;
} Regs;

static inline bool regs_read(void *opaque, uint64_t offset, unsigned size,
                             uint32_t *value)
{
    Regs *r = opaque;
    r->reads++;
    r->last_offset = offset;
    r->last_size = size;
    if (r->fail)
        return false;
    uint32_t v = r->tag + (uint32_t)offset;
    *value = size >= 4 ? v : v & ((1u << (8 * size)) - 1);
    return true;
}

static inline bool regs_write(void *opaque, uint64_t offset, unsigned size,
                              uint32_t value)
{
    Regs *r = opaque;
    r->writes++;
    r->last_offset = offset;
    r->last_size = size;
    r->last_value = value;
    return !r->fail;
}

static inline bool regs_peek(void *opaque, uint64_t offset, unsigned size,
                             uint32_t *value)
{
    Regs *r = opaque;
    r->peeks++;
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint32_t)(uint8_t)(r->peek_base + offset + i) << (8 * i);
    *value = v;
    return true;
}

static const MmioOps regs_ops = {.read = regs_read, .write = regs_write, .peek = regs_peek};
static const MmioOps regs_ops_nopeek = {.read = regs_read, .write = regs_write, .peek = NULL};

static inline MemoryRegion *new_mmio(Owner *o, const char *name, uint64_t size,
                                     Regs *regs, uint32_t tag)
{
    memset(regs, 0, sizeof *regs);
    regs->tag = tag;
    regs->peek_base = 0xa0;
    MemoryRegion *mr = memory_region_new_mmio(o, name, size, &regs_ops, regs);
    assert_non_null(mr);
    assert_int_equal(memory_region_kind(mr), REGION_MMIO);
    assert_int_equal(memory_region_size(mr), size);
    assert_ptr_equal(memory_region_owner(mr), o);
    assert_string_equal(memory_region_name(mr), name);
    assert_null(memory_region_container(mr));
    assert_null(memory_region_host_ptr(mr));
    return mr;
}

static inline MemoryRegion *new_ram(Owner *o, const char *name, uint64_t size)
{
    Error *err = NULL;
    MemoryRegion *mr = memory_region_new_ram(o, name, size, &err);
    assert_null(err);
    assert_non_null(mr);
    assert_int_equal(memory_region_kind(mr), REGION_RAM);
    uint8_t *host = memory_region_host_ptr(mr);
    assert_non_null(host);
    for (uint64_t i = 0; i < size; i++)
        assert_int_equal(host[i], 0);
    return mr;
}

static inline MemoryRegion *new_alias(Owner *o, const char *name,
                                      MemoryRegion *target, uint64_t offset,
                                      uint64_t size)
{
    Error *err = NULL;
    MemoryRegion *mr = memory_region_new_alias(o, name, target, offset, size, &err);
    if (!mr)
        print_error("alias '%s' refused: %s\n", name,
                    err ? error_message(err) : "(no error)");
    assert_null(err);
    assert_non_null(mr);
    assert_int_equal(memory_region_kind(mr), REGION_ALIAS);
    return mr;
}

static inline size_t nregions(MemorySystem *ms) { return memory_stats(ms).regions; }
static inline size_t nowners(MemorySystem *ms) { return memory_stats(ms).owners; }
static inline uint64_t nrebuilds(MemorySystem *ms) { return memory_stats(ms).rebuilds; }
static inline size_t nranges(MemorySystem *ms) { return memory_stats(ms).flat_ranges; }

/* A board: an owner with a 4 GiB system bus container. */
typedef struct Board {
    MemorySystem *ms;
    Owner *owner;
    Probe probe;
    MemoryRegion *bus;
} Board;

static inline void board_init(Board *b, bool as_root)
{
    b->ms = memory_system_new();
    assert_non_null(b->ms);
    AUDIT(b->ms);
    assert_int_equal(nowners(b->ms), 0);
    assert_int_equal(nregions(b->ms), 0);
    assert_int_equal(nranges(b->ms), 0);
    b->owner = probe_owner(b->ms, "mainboard", &b->probe);
    b->bus = memory_region_new_container(b->owner, "sysbus", 1ULL << 32);
    assert_non_null(b->bus);
    assert_int_equal(memory_region_kind(b->bus), REGION_CONTAINER);
    AUDIT(b->ms);
    if (as_root) {
        memory_set_root(b->ms, b->bus);
        assert_ptr_equal(memory_root(b->ms), b->bus);
        AUDIT(b->ms);
    }
}

/* Drops the board (if the test has not) and checks nothing is left. */
static inline void board_fini(Board *b)
{
    memory_set_root(b->ms, NULL);
    assert_null(memory_root(b->ms));
    AUDIT(b->ms);
    if (b->owner) {
        assert_int_equal(owner_refcount(b->owner), 1);
        owner_unref(b->owner);
        b->owner = NULL;
    }
    assert_int_equal(b->probe.finalized, 1);
    AUDIT(b->ms);
    assert_int_equal(nowners(b->ms), 0);
    assert_int_equal(nregions(b->ms), 0);
    assert_int_equal(nranges(b->ms), 0);
    memory_system_free(b->ms);
}

/* A device that keeps its own regions in its own containers:
 *
 *   top    container 0x1000
 *     0x000 regs        mmio 0x100
 *     0x800 inner       container 0x800
 *       0x000 buf         ram 0x100
 *       0x100 fifo        mmio 0x10
 *       0x200 self_alias  alias of regs [0x10, 0x20)   (same owner)
 *       0x400 shm         alias of shared [0, 0x100)   (optional, cross owner)
 */
#define DEV_REGIONS 6

typedef struct Dev {
    Owner *owner;
    Probe probe;
    Regs regs_state, fifo_state;
    MemoryRegion *top, *regs, *inner, *buf, *fifo, *self_alias, *shm;
} Dev;

static inline void dev_build(Dev *d, MemorySystem *ms, const char *name,
                             uint32_t tag, MemoryRegion *shared)
{
    char n[64];
    memset(d, 0, sizeof *d);
    d->owner = probe_owner(ms, name, &d->probe);
    snprintf(n, sizeof n, "%s.top", name);
    d->top = memory_region_new_container(d->owner, n, 0x1000);
    snprintf(n, sizeof n, "%s.regs", name);
    d->regs = new_mmio(d->owner, n, 0x100, &d->regs_state, tag);
    snprintf(n, sizeof n, "%s.inner", name);
    d->inner = memory_region_new_container(d->owner, n, 0x800);
    snprintf(n, sizeof n, "%s.buf", name);
    d->buf = new_ram(d->owner, n, 0x100);
    snprintf(n, sizeof n, "%s.fifo", name);
    d->fifo = new_mmio(d->owner, n, 0x10, &d->fifo_state, tag + 0x1000);
    snprintf(n, sizeof n, "%s.self_alias", name);
    d->self_alias = new_alias(d->owner, n, d->regs, 0x10, 0x10);
    AUDIT(ms);
    assert_int_equal(owner_refcount(d->owner), 1); /* R4: same-owner alias */

    ADD(d->top, 0x000, d->regs);
    ADD(d->top, 0x800, d->inner);
    ADD(d->inner, 0x000, d->buf);
    ADD(d->inner, 0x100, d->fifo);
    ADD(d->inner, 0x200, d->self_alias);
    AUDIT(ms);
    assert_int_equal(owner_refcount(d->owner), 1); /* R1: same-owner links */
    if (shared) {
        unsigned before = owner_refcount(memory_region_owner(shared));
        snprintf(n, sizeof n, "%s.shm", name);
        d->shm = new_alias(d->owner, n, shared, 0, 0x100);
        ADD(d->inner, 0x400, d->shm);
        AUDIT(ms);
        assert_int_equal(owner_refcount(memory_region_owner(shared)), before + 1);
    }
    assert_int_equal(owner_refcount(d->owner), 1);
}

/* Runs child(arg) in a child process, which must abort (SIGABRT) with
 * `message` on stderr: a caller's bug the API cannot report as an error. */
static inline void expect_abort(void (*child)(int), int arg, const char *message)
{
    int err_pipe[2];
    assert_int_equal(pipe(err_pipe), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(err_pipe[1], STDERR_FILENO);
        close(err_pipe[0]);
        child(arg);
        _exit(0);
    }
    close(err_pipe[1]);
    char out[4096];
    size_t len = 0;
    ssize_t n;
    while (len < sizeof out - 1 &&
           (n = read(err_pipe[0], out + len, sizeof out - 1 - len)) > 0)
        len += (size_t)n;
    out[len] = '\0';
    close(err_pipe[0]);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!WIFSIGNALED(status) || !strstr(out, message))
        print_error("child: status 0x%x, stderr:\n%s\n", status, out);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGABRT);
    assert_non_null(strstr(out, message));
}

#endif
