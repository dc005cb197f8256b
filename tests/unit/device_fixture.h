/* The device unit tests' bench: one model built through its registry class
 * on a bus of its own, with a clock, a DeviceHost whose hooks record what
 * the device asked, a probe on every interrupt output and a scripted
 * chardev. Header-only (static inline): every test_*.c in tests/unit is
 * its own binary. Include after <cmocka.h>.
 *
 * Life of a fixture (the caller owns the DevFixture, zero-initialised,
 * except for the scripted input fields below, which it may preset):
 *
 *   devfix_setup(f, cpu_hz)      memory system, 4 GiB bus set as root, a
 *                                clock at cpu_hz (0: DEVFIX_CPU_HZ), and
 *                                f->host with every recording hook. Tweak
 *                                f->host now (clock = NULL, a hook of the
 *                                test's own, request_reset = NULL, ...).
 *   devfix_create(f, type, name, base, size, key, value, ..., NULL)
 *                                creates `type` (size 0: the class's
 *                                default), maps it at base and connects
 *                                its outputs to f->irq[]; fails the test
 *                                on error. devfix_try_create takes the
 *                                properties as a NULL-ended array
 *                                (DEVFIX_KV) and returns create's result
 *                                with *errp (and checks that a failed
 *                                create left no owner or region behind).
 *   devfix_connect_irqs(f)       connects the outputs to f->irq[] again
 *                                (after a test disconnected them).
 *   devfix_teardown(f)           what the machine does (disconnect, drop
 *                                every reference), then checks the memory
 *                                audit and that no owner survived, frees
 *                                the clock (which aborts if an event
 *                                survived) and the log. Safe after a
 *                                failed create. Owners the test made
 *                                itself on f->bus it drops first.
 *
 * Places: the entry is at dev.yaml:2:7 and property i at dev.yaml:(4+i):9,
 * so a create error reads "dev.yaml:4:9: ...".
 *
 * Access, by offset from the device's base:
 *   devfix_read/devfix_write    a guest access that must succeed (MEM_OK)
 *   devfix_try_read/_try_write  the guest access's MemAccess
 *   devfix_peek                 the debugger's read (memory_debug_read)
 * Time: devfix_run_until(f, cycle) runs every event up to that absolute
 * cycle, stopping at each deadline; devfix_advance(f, n) runs n cycles.
 *
 * What the host recorded:
 *   f->irq[i]          output i's probe: level, calls (sets), changes,
 *                      rising edges (rises) and when it last changed/rose/fell
 *   devfix_irq_mask(f) the levels of outputs 0..31 as a bit mask
 *   f->log             the guest diagnostics, "device: message\n" each
 *                      (never NULL after setup; freed by teardown);
 *                      devfix_log_count(f, text) counts the messages
 *                      holding text, devfix_log_clear(f) forgets them
 *   f->exits, f->exit_status      request_exit
 *   f->time_sources, f->read_time, f->time_dev   set_time_source (it
 *                                 accepts; a test refusing installs its own)
 *   f->resets, f->reset_at        request_reset, which then runs the
 *                                 class's reset hook as the machine does
 * The chardev: spec "test" opens the scripted one (f->chr, the last one
 * opened; the device owns and closes it): output is appended to f->out
 * (f->outlen bytes, NUL-ended), input is handed out from f->in as the
 * device polls, the cycle each byte left recorded in f->arrivals, and
 * with f->in_eof the input ends after its last byte. Any other spec opens
 * a real host backend (sim/chardev_host.h).
 *
 * Checks every device test makes:
 *   devfix_expect_error(err, message)  err holds exactly message (freed)
 *   devfix_table_text(type)            the model's table passes regs_check;
 *                                      returns it as `info types` prints it
 *                                      (malloc'd, the caller frees)
 *   devfix_expect_described(f, offset, value, is_write, name, fields)
 *                                      what --trace mmio names for an access
 *
 * A test needing more host state embeds the DevFixture as the first
 * member of its own struct: the hooks it installs get the DevFixture
 * pointer as opaque, which is then its struct's address. */
#ifndef TESTS_UNIT_DEVICE_FIXTURE_H
#define TESTS_UNIT_DEVICE_FIXTURE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "peripherals/registry.h"
#include "peripherals/regs.h"
#include "sim/chardev_host.h"

#define DEVFIX_CPU_HZ 10000000u
enum { DEVFIX_MAX_IRQS = 32, DEVFIX_MAX_PROPS = 8, DEVFIX_MAX_ARRIVALS = 64 };

/* The properties of devfix_try_create: DEVFIX_KV("baud", "9600"). */
#define DEVFIX_KV(...) ((const char *const[]){__VA_ARGS__, NULL})

/* What one interrupt output was driven with. */
typedef struct DevIrqProbe {
    bool level;
    unsigned sets;    /* calls */
    unsigned changes; /* calls that changed the level */
    unsigned rises;   /* rising edges */
    uint64_t changed_at, rose_at, fell_at;
} DevIrqProbe;

typedef struct DevFixture {
    MemorySystem *ms;
    Clock *clock;
    Owner *bus_owner;
    MemoryRegion *bus;
    DeviceHost host;
    const PeripheralClass *cls;
    BoardPeripheral desc;
    BoardProp props[DEVFIX_MAX_PROPS];
    Device dev; /* dev.owner NULL until a create succeeds */
    uint64_t base;
    DevIrqProbe irq[DEVFIX_MAX_IRQS];
    int exits, exit_status;
    int time_sources; /* set_time_source calls: the last offer below */
    DeviceTimeFn read_time;
    void *time_dev;
    int resets;
    uint64_t reset_at;
    char *log;
    size_t loglen;
    /* the scripted chardev */
    char out[4096];
    size_t outlen;
    const char *in;
    size_t inpos;
    bool in_eof;
    Chardev *chr;
    uint64_t arrivals[DEVFIX_MAX_ARRIVALS];
    size_t narrivals;
} DevFixture;

/* ---- the host's recorders ---- */

static inline void devfix_irq_set(void *opaque, unsigned line, bool level)
{
    DevFixture *f = opaque;
    assert_true(line < DEVFIX_MAX_IRQS);
    DevIrqProbe *p = &f->irq[line];
    p->sets++;
    if (p->level == level)
        return;
    p->level = level;
    p->changes++;
    p->changed_at = clock_now(f->clock);
    if (level) {
        p->rises++;
        p->rose_at = p->changed_at;
    } else {
        p->fell_at = p->changed_at;
    }
}

static inline uint32_t devfix_irq_mask(const DevFixture *f)
{
    uint32_t mask = 0;
    for (unsigned i = 0; i < DEVFIX_MAX_IRQS; i++)
        mask |= (uint32_t)f->irq[i].level << i;
    return mask;
}

static inline void devfix_request_exit(void *opaque, int status)
{
    DevFixture *f = opaque;
    f->exits++;
    f->exit_status = status;
}

static inline bool devfix_set_time_source(void *opaque, DeviceTimeFn read_time,
                                          void *dev, Error **errp)
{
    DevFixture *f = opaque;
    f->time_sources++;
    f->read_time = read_time;
    f->time_dev = dev;
    return true;
}

/* What the machine does: reset every device (here the one). */
static inline void devfix_request_reset(void *opaque)
{
    DevFixture *f = opaque;
    f->resets++;
    f->reset_at = clock_now(f->clock);
    if (f->cls->reset)
        f->cls->reset(f->dev.state);
}

static inline void devfix_log_guest(void *opaque, const char *device,
                                    const char *message)
{
    DevFixture *f = opaque;
    size_t add = strlen(device) + strlen(message) + 3;
    f->log = realloc(f->log, f->loglen + add + 1);
    assert_non_null(f->log);
    snprintf(f->log + f->loglen, add + 1, "%s: %s\n", device, message);
    f->loglen += add;
}

/* How many logged messages hold `text`. */
static inline unsigned devfix_log_count(const DevFixture *f, const char *text)
{
    unsigned n = 0;
    for (const char *line = f->log; *line; line = strchr(line, '\n') + 1) {
        const char *end = strchr(line, '\n');
        const char *hit = strstr(line, text);
        n += hit && hit + strlen(text) <= end;
    }
    return n;
}

/* Forgets the messages logged so far. */
static inline void devfix_log_clear(DevFixture *f)
{
    f->log[0] = '\0';
    f->loglen = 0;
}

typedef struct DevfixChardev {
    Chardev base;
    DevFixture *f;
} DevfixChardev;

static inline void devfix_chr_write(Chardev *chr, const uint8_t *buf, size_t len)
{
    DevFixture *f = ((DevfixChardev *)chr)->f;
    assert_true(f->outlen + len < sizeof f->out);
    memcpy(f->out + f->outlen, buf, len);
    f->outlen += len;
    f->out[f->outlen] = '\0';
}

static inline size_t devfix_chr_read(Chardev *chr, uint8_t *buf, size_t max)
{
    DevFixture *f = ((DevfixChardev *)chr)->f;
    size_t n = 0;
    while (n < max && f->in && f->in[f->inpos]) {
        assert_true(f->narrivals < DEVFIX_MAX_ARRIVALS);
        f->arrivals[f->narrivals++] = clock_now(f->clock);
        buf[n++] = (uint8_t)f->in[f->inpos++];
    }
    if (f->in_eof && (!f->in || !f->in[f->inpos]))
        chr->eof = true;
    return n;
}

static inline void devfix_chr_close(Chardev *chr) { free(chr); }

static const ChardevOps devfix_chr_ops = {
    .write = devfix_chr_write, .read = devfix_chr_read,
    .close = devfix_chr_close,
};

/* "test" is the scripted chardev; anything else a real host backend. */
static inline Chardev *devfix_open_chardev(void *opaque, const char *spec,
                                           Error **errp)
{
    if (strcmp(spec, "test") != 0)
        return chardev_open(spec, NULL, NULL, errp);
    DevfixChardev *c = calloc(1, sizeof *c);
    assert_non_null(c);
    c->base.ops = &devfix_chr_ops;
    c->f = opaque;
    c->f->chr = &c->base;
    return &c->base;
}

/* ---- life ---- */

static inline void devfix_setup(DevFixture *f, uint64_t cpu_hz)
{
    f->ms = memory_system_new();
    f->clock = clock_new(cpu_hz ? cpu_hz : DEVFIX_CPU_HZ);
    f->bus_owner = owner_new(f->ms, "bus", NULL, NULL);
    f->bus = memory_region_new_container(f->bus_owner, "bus", UINT64_C(1) << 32);
    memory_set_root(f->ms, f->bus);
    f->log = calloc(1, 1);
    f->host = (DeviceHost){
        .opaque = f,
        .request_exit = devfix_request_exit,
        .open_chardev = devfix_open_chardev,
        .clock = f->clock,
        .set_time_source = devfix_set_time_source,
        .request_reset = devfix_request_reset,
        .log_guest = devfix_log_guest,
    };
}

/* Connects the device's outputs to f->irq[] (again, after a test
 * disconnected them): the device drives its current levels. */
static inline void devfix_connect_irqs(DevFixture *f)
{
    assert_true(f->cls->irq_outputs <= DEVFIX_MAX_IRQS);
    if (f->cls->irq_outputs == 0)
        return;
    IrqLine lines[DEVFIX_MAX_IRQS];
    for (unsigned i = 0; i < f->cls->irq_outputs; i++)
        lines[i] = (IrqLine){.handler = devfix_irq_set, .opaque = f, .line = i};
    f->cls->connect_irqs(f->dev.state, lines, f->cls->irq_outputs);
}

static inline bool devfix_try_create(DevFixture *f, const char *type,
                                     const char *name, uint64_t base,
                                     uint64_t size, const char *const *kv,
                                     Error **errp)
{
    f->cls = registry_find(type);
    assert_non_null(f->cls);
    size_t n = 0;
    for (; kv && kv[2 * n]; n++) {
        assert_true(n < DEVFIX_MAX_PROPS);
        f->props[n] = (BoardProp){.key = (char *)kv[2 * n],
                                  .value = (char *)kv[2 * n + 1],
                                  .loc = {"dev.yaml", 4 + (unsigned)n, 9}};
    }
    f->desc = (BoardPeripheral){
        .name = (char *)name, .type = (char *)type, .base = base,
        .size = size, .props = f->props, .nprops = n,
        .loc = {"dev.yaml", 2, 7},
    };
    f->base = base;
    DeviceConfig config = {.ms = f->ms, .desc = &f->desc,
                           .size = size ? size : f->cls->default_size,
                           .host = &f->host};
    MemoryStats before = memory_stats(f->ms);
    if (!f->cls->create(&config, &f->dev, errp)) {
        /* soc/device.h: a failed create leaves nothing allocated */
        assert_int_equal(memory_stats(f->ms).owners, before.owners);
        assert_int_equal(memory_stats(f->ms).regions, before.regions);
        f->dev = (Device){0};
        return false;
    }
    assert_true(memory_add_subregion(f->bus, base, f->dev.region, NULL));
    devfix_connect_irqs(f);
    return true;
}

/* Properties: key, value, ..., NULL. */
static inline void devfix_create(DevFixture *f, const char *type,
                                 const char *name, uint64_t base,
                                 uint64_t size, ...)
{
    const char *kv[2 * DEVFIX_MAX_PROPS + 1];
    size_t n = 0;
    va_list ap;
    va_start(ap, size);
    while ((kv[n] = va_arg(ap, const char *))) {
        assert_true(n + 2 < sizeof kv / sizeof kv[0]);
        kv[n + 1] = va_arg(ap, const char *);
        n += 2;
    }
    va_end(ap);
    Error *err = NULL;
    if (!devfix_try_create(f, type, name, base, size, kv, &err))
        fail_msg("create %s: %s", type, error_message(err));
}

static inline void devfix_teardown(DevFixture *f)
{
    Error *err = NULL;
    if (!memory_audit(f->ms, &err))
        fail_msg("audit: %s", error_message(err));
    if (f->dev.owner && f->cls->irq_outputs)
        f->cls->connect_irqs(f->dev.state, NULL, 0);
    memory_set_root(f->ms, NULL);
    owner_unref(f->bus_owner);
    if (f->dev.owner)
        owner_unref(f->dev.owner);
    assert_int_equal(memory_stats(f->ms).owners, 0);
    memory_system_free(f->ms);
    clock_free(f->clock);
    free(f->log);
}

/* ---- access and time ---- */

static inline MemAccess devfix_try_read(DevFixture *f, uint64_t offset,
                                        unsigned size, uint32_t *value)
{
    return memory_read(f->ms, (uint32_t)(f->base + offset), size, value);
}

static inline MemAccess devfix_try_write(DevFixture *f, uint64_t offset,
                                         unsigned size, uint32_t value)
{
    return memory_write(f->ms, (uint32_t)(f->base + offset), size, value);
}

static inline uint32_t devfix_read(DevFixture *f, uint64_t offset, unsigned size)
{
    uint32_t v = 0xdeadbeef;
    assert_int_equal(devfix_try_read(f, offset, size, &v), MEM_OK);
    return v;
}

static inline void devfix_write(DevFixture *f, uint64_t offset, unsigned size,
                                uint32_t value)
{
    assert_int_equal(devfix_try_write(f, offset, size, value), MEM_OK);
}

static inline uint32_t devfix_peek(DevFixture *f, uint64_t offset, unsigned size)
{
    uint32_t v = 0;
    Error *err = NULL;
    assert_true(size <= 4);
    if (!memory_debug_read(f->ms, (uint32_t)(f->base + offset), &v, size, &err))
        fail_msg("peek +0x%llx: %s", (unsigned long long)offset,
                 error_message(err));
    return v;
}

static inline void devfix_run_until(DevFixture *f, uint64_t cycle)
{
    while (clock_now(f->clock) < cycle) {
        uint64_t next = clock_next_deadline(f->clock);
        clock_advance(f->clock, next < cycle ? next : cycle);
    }
}

static inline void devfix_advance(DevFixture *f, uint64_t cycles)
{
    devfix_run_until(f, clock_now(f->clock) + cycles);
}

/* ---- checks ---- */

static inline void devfix_expect_error(Error *err, const char *message)
{
    if (!err)
        fail_msg("no error, expected '%s'", message);
    if (strcmp(error_message(err), message) != 0)
        fail_msg("got '%s'\nexpected '%s'", error_message(err), message);
    error_free(err);
}

static inline char *devfix_table_text(const char *type)
{
    const PeripheralClass *cls = registry_find(type);
    if (!cls || !cls->registers)
        fail_msg("%s has no register table", type);
    Error *err = NULL;
    if (!regs_check(cls->registers, cls->type, &err))
        fail_msg("regs_check: %s", error_message(err));
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    regs_describe_table(cls->registers, out);
    fclose(out);
    return text;
}

static inline void devfix_expect_described(DevFixture *f, uint64_t offset,
                                           uint32_t value, bool is_write,
                                           const char *name, const char *fields)
{
    char got_name[64], got_fields[192];
    memory_region_describe_access(f->dev.region, offset, value, is_write, got_name,
                                  sizeof got_name, got_fields, sizeof got_fields);
    if (strcmp(got_name, name) != 0 || strcmp(got_fields, fields) != 0)
        fail_msg("%s +0x%llx: got '%s' '%s', expected '%s' '%s'",
                 is_write ? "write" : "read", (unsigned long long)offset,
                 got_name, got_fields, name, fields);
}

#endif
