/* What the UART tests share (tests/unit/test_ns16550a.c,
 * test_sifive_uart.c): a model built through its registry class with a
 * hand-made host (guest diagnostics recorded), a scripted chardev
 * ("test": output collected, input handed out with the cycle each byte
 * left) or a real host backend, and a recording interrupt sink. Include
 * after <cmocka.h>. */
#ifndef TESTS_UNIT_UART_FIXTURE_H
#define TESTS_UNIT_UART_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "peripherals/registry.h"
#include "sim/chardev_host.h"

#define BASE 0x10000000u
#define CPU_HZ 10000000u
#define MAX_ARRIVALS 64

/* Records the level it is driven with and when it changed. */
typedef struct Sink {
    Clock *clock;
    bool level;
    int changes;
    uint64_t rose_at, fell_at;
} Sink;

typedef struct Fixture {
    MemorySystem *ms;
    Clock *clock;
    const PeripheralClass *cls;
    BoardPeripheral desc;
    BoardProp props[4];
    DeviceHost host;
    Device dev;
    Owner *bus_owner;
    Sink sink;
    /* The scripted chardev ("test"): output collected, input handed out
     * as the device polls, with the cycle each byte left. */
    char out[256];
    size_t outlen;
    const char *in;
    size_t inpos;
    bool in_eof; /* the input ends after its last byte */
    Chardev *chr; /* the scripted chardev opened last */
    uint64_t arrivals[MAX_ARRIVALS];
    size_t narrivals;
    char log[512]; /* the guest diagnostics, "device: message\n" each */
} Fixture;

static inline void sink_set(void *opaque, unsigned line, bool level)
{
    Sink *s = opaque;
    if (s->level == level)
        return;
    s->level = level;
    s->changes++;
    *(level ? &s->rose_at : &s->fell_at) = clock_now(s->clock);
}

typedef struct TestChr {
    Chardev base;
    Fixture *f;
} TestChr;

static inline void test_chr_write(Chardev *chr, const uint8_t *buf, size_t len)
{
    Fixture *f = ((TestChr *)chr)->f;
    for (size_t i = 0; i < len; i++) {
        assert_true(f->outlen + 1 < sizeof f->out);
        f->out[f->outlen++] = (char)buf[i];
    }
}

static inline size_t test_chr_read(Chardev *chr, uint8_t *buf, size_t max)
{
    Fixture *f = ((TestChr *)chr)->f;
    size_t n = 0;
    while (n < max && f->in && f->in[f->inpos]) {
        assert_true(f->narrivals < MAX_ARRIVALS);
        f->arrivals[f->narrivals++] = clock_now(f->clock);
        buf[n++] = (uint8_t)f->in[f->inpos++];
    }
    if (f->in_eof && (!f->in || !f->in[f->inpos]))
        chr->eof = true;
    return n;
}

static inline void test_chr_close(Chardev *chr) { free(chr); }

static const ChardevOps test_chr_ops = {
    .write = test_chr_write, .read = test_chr_read, .close = test_chr_close,
};

static inline void log_guest(void *opaque, const char *device,
                             const char *message)
{
    Fixture *f = opaque;
    size_t used = strlen(f->log);
    assert_true(used + strlen(device) + strlen(message) + 3 < sizeof f->log);
    snprintf(f->log + used, sizeof f->log - used, "%s: %s\n", device, message);
}

/* "test" is the scripted chardev; anything else a real host backend. */
static inline Chardev *open_chardev(void *opaque, const char *spec, Error **errp)
{
    if (strcmp(spec, "test") != 0)
        return chardev_open(spec, NULL, NULL, errp);
    TestChr *c = calloc(1, sizeof *c);
    c->base.ops = &test_chr_ops;
    c->f = opaque;
    c->f->chr = &c->base;
    return &c->base;
}

/* Creates `type` at clock 0 with properties kv (key, value, ..., NULL;
 * chardev defaults to "test"). Returns create's result. */
static inline bool try_create(Fixture *f, const char *type, bool with_clock,
                       const char *const *kv, Error **errp)
{
    f->ms = memory_system_new();
    f->clock = clock_new(CPU_HZ);
    f->cls = registry_find(type);
    assert_non_null(f->cls);
    size_t n = 0;
    bool has_chardev = false;
    for (; kv && kv[2 * n]; n++) {
        assert_true(n < 3);
        f->props[n] = (BoardProp){.key = (char *)kv[2 * n],
                                  .value = (char *)kv[2 * n + 1],
                                  .loc = {"u.yaml", 4 + (unsigned)n, 5}};
        has_chardev |= strcmp(kv[2 * n], "chardev") == 0;
    }
    if (!has_chardev)
        f->props[n++] = (BoardProp){.key = "chardev", .value = "test",
                                    .loc = {"u.yaml", 9, 5}};
    f->desc = (BoardPeripheral){
        .name = "uart0", .type = (char *)type, .base = BASE,
        .props = f->props, .nprops = n, .loc = {"u.yaml", 2, 7},
    };
    f->host = (DeviceHost){
        .opaque = f,
        .open_chardev = open_chardev,
        .clock = with_clock ? f->clock : NULL,
        .log_guest = log_guest,
    };
    f->sink.clock = f->clock;
    DeviceConfig config = {
        .ms = f->ms, .desc = &f->desc, .size = f->cls->default_size,
        .host = &f->host,
    };
    return f->cls->create(&config, &f->dev, errp);
}

static inline void setup_with(Fixture *f, const char *type, bool with_clock,
                       const char *const *kv)
{
    Error *err = NULL;
    if (!try_create(f, type, with_clock, kv, &err))
        fail_msg("create: %s", error_message(err));
    f->bus_owner = owner_new(f->ms, "bus", NULL, NULL);
    MemoryRegion *bus = memory_region_new_container(f->bus_owner, "bus",
                                                    UINT64_C(1) << 32);
    assert_true(memory_add_subregion(bus, BASE, f->dev.region, NULL));
    memory_set_root(f->ms, bus);
    IrqLine line = {.handler = sink_set, .opaque = &f->sink, .line = 0};
    f->cls->connect_irqs(f->dev.state, &line, 1);
}

static inline void setup(Fixture *f, const char *type, const char *const *kv)
{
    setup_with(f, type, true, kv);
}

/* The machine's order: disconnect, then drop every reference. */
static inline void teardown(Fixture *f)
{
    f->cls->connect_irqs(f->dev.state, NULL, 0);
    memory_set_root(f->ms, NULL);
    owner_unref(f->bus_owner);
    owner_unref(f->dev.owner);
    assert_int_equal(memory_stats(f->ms).owners, 0);
    memory_system_free(f->ms);
    clock_free(f->clock); /* aborts if an event survived */
}

/* Runs time forward to `t`, stopping exactly at each event's deadline. */
static inline void run_until(Fixture *f, uint64_t t)
{
    while (clock_now(f->clock) < t) {
        uint64_t next = clock_next_deadline(f->clock);
        clock_advance(f->clock, next < t ? next : t);
    }
}

static inline uint32_t rd(Fixture *f, uint32_t off, unsigned size)
{
    uint32_t v = 0xdeadbeef;
    assert_int_equal(memory_read(f->ms, BASE + off, size, &v), MEM_OK);
    return v;
}

static inline void wr(Fixture *f, uint32_t off, unsigned size, uint32_t v)
{
    assert_int_equal(memory_write(f->ms, BASE + off, size, v), MEM_OK);
}

static inline uint8_t rd8(Fixture *f, uint32_t off) { return (uint8_t)rd(f, off, 1); }
static inline void wr8(Fixture *f, uint32_t off, uint8_t v) { wr(f, off, 1, v); }
static inline uint32_t rd32(Fixture *f, uint32_t off) { return rd(f, off, 4); }
static inline void wr32(Fixture *f, uint32_t off, uint32_t v) { wr(f, off, 4, v); }

static inline uint32_t peek32(Fixture *f, uint32_t off)
{
    uint32_t v;
    Error *err = NULL;
    if (!memory_debug_read(f->ms, BASE + off, &v, 4, &err))
        fail_msg("peek: %s", error_message(err));
    return v;
}

static inline uint8_t peek8(Fixture *f, uint32_t off)
{
    uint8_t v;
    Error *err = NULL;
    if (!memory_debug_read(f->ms, BASE + off, &v, 1, &err))
        fail_msg("peek: %s", error_message(err));
    return v;
}

static inline void expect_create_error(const char *type, const char *const *kv,
                                const char *message)
{
    Fixture f = {0};
    Error *err = NULL;
    assert_false(try_create(&f, type, true, kv, &err));
    assert_non_null(err);
    if (strcmp(error_message(err), message) != 0)
        fail_msg("got '%s'\nexpected '%s'", error_message(err), message);
    error_free(err);
    assert_int_equal(memory_stats(f.ms).owners, 0);
    memory_system_free(f.ms);
    clock_free(f.clock);
}

#endif
