/* The UART models (peripherals/ns16550a.c, peripherals/sifive_uart.c),
 * built through their registry classes with a hand-made host, a scripted
 * chardev and a recording interrupt sink: every register at reset and
 * after writes, FIFOs, interrupt levels and IIR priorities, the divisor
 * latch, receive timing at the baud rate (exact cycles, and the same on
 * every run with a real file backend), watermarks, side-effect-free peeks,
 * property errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "peripherals/registry.h"
#include "sim/chardev_host.h"

#define BASE 0x10000000u
#define CPU_HZ 10000000u
#define MAX_ARRIVALS 64

/* ns16550a offsets */
enum { RBR = 0, THR = 0, DLL = 0, IER = 1, DLM = 1, IIR = 2, FCR = 2, LCR = 3,
       MCR = 4, LSR = 5, MSR = 6, SCR = 7 };
/* sifive,uart0 offsets */
enum { TXDATA = 0x00, RXDATA = 0x04, TXCTRL = 0x08, RXCTRL = 0x0c, IE = 0x10,
       IP = 0x14, DIV = 0x18 };

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
    uint64_t arrivals[MAX_ARRIVALS];
    size_t narrivals;
} Fixture;

static void sink_set(void *opaque, unsigned line, bool level)
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

static void test_chr_write(Chardev *chr, const uint8_t *buf, size_t len)
{
    Fixture *f = ((TestChr *)chr)->f;
    for (size_t i = 0; i < len; i++) {
        assert_true(f->outlen + 1 < sizeof f->out);
        f->out[f->outlen++] = (char)buf[i];
    }
}

static size_t test_chr_read(Chardev *chr, uint8_t *buf, size_t max)
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

static void test_chr_close(Chardev *chr) { free(chr); }

static const ChardevOps test_chr_ops = {
    .write = test_chr_write, .read = test_chr_read, .close = test_chr_close,
};

/* "test" is the scripted chardev; anything else a real host backend. */
static Chardev *open_chardev(void *opaque, const char *spec, Error **errp)
{
    if (strcmp(spec, "test") != 0)
        return chardev_open(spec, errp);
    TestChr *c = calloc(1, sizeof *c);
    c->base.ops = &test_chr_ops;
    c->f = opaque;
    return &c->base;
}

/* Creates `type` at clock 0 with properties kv (key, value, ..., NULL;
 * chardev defaults to "test"). Returns create's result. */
static bool try_create(Fixture *f, const char *type, bool with_clock,
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
    };
    f->sink.clock = f->clock;
    DeviceConfig config = {
        .ms = f->ms, .desc = &f->desc, .size = f->cls->default_size,
        .host = &f->host,
    };
    return f->cls->create(&config, &f->dev, errp);
}

static void setup_with(Fixture *f, const char *type, bool with_clock,
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

static void setup(Fixture *f, const char *type, const char *const *kv)
{
    setup_with(f, type, true, kv);
}

/* The machine's order: disconnect, then drop every reference. */
static void teardown(Fixture *f)
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
static void run_until(Fixture *f, uint64_t t)
{
    while (clock_now(f->clock) < t) {
        uint64_t next = clock_next_deadline(f->clock);
        clock_advance(f->clock, next < t ? next : t);
    }
}

static uint32_t rd(Fixture *f, uint32_t off, unsigned size)
{
    uint32_t v = 0xdeadbeef;
    assert_int_equal(memory_read(f->ms, BASE + off, size, &v), MEM_OK);
    return v;
}

static void wr(Fixture *f, uint32_t off, unsigned size, uint32_t v)
{
    assert_int_equal(memory_write(f->ms, BASE + off, size, v), MEM_OK);
}

static uint8_t rd8(Fixture *f, uint32_t off) { return (uint8_t)rd(f, off, 1); }
static void wr8(Fixture *f, uint32_t off, uint8_t v) { wr(f, off, 1, v); }
static uint32_t rd32(Fixture *f, uint32_t off) { return rd(f, off, 4); }
static void wr32(Fixture *f, uint32_t off, uint32_t v) { wr(f, off, 4, v); }

static uint32_t peek32(Fixture *f, uint32_t off)
{
    uint32_t v;
    Error *err = NULL;
    if (!memory_debug_read(f->ms, BASE + off, &v, 4, &err))
        fail_msg("peek: %s", error_message(err));
    return v;
}

static uint8_t peek8(Fixture *f, uint32_t off)
{
    uint8_t v;
    Error *err = NULL;
    if (!memory_debug_read(f->ms, BASE + off, &v, 1, &err))
        fail_msg("peek: %s", error_message(err));
    return v;
}

/* A 16550 whose baud clock makes one 8N1 character 1000 CPU cycles at
 * divisor 1. Its first access (at cycle 0) sets the first poll at 1000. */
static const char *const NS_1000[] = {"clock-frequency", "1600000", NULL};

static void ns_setup_8n1(Fixture *f, uint8_t fcr)
{
    setup(f, "ns16550a", NS_1000);
    wr8(f, LCR, 0x83);
    wr8(f, DLL, 1);
    wr8(f, DLM, 0);
    wr8(f, LCR, 0x03);
    wr8(f, FCR, fcr);
}

/* ---- ns16550a ---- */

static void test_ns16550a_class_declares_one_irq(void **state)
{
    const PeripheralClass *cls = registry_find("ns16550a");
    assert_non_null(cls);
    assert_int_equal(cls->irq_outputs, 1);
    assert_string_equal(cls->irq_output_names[0], "irq");
    assert_non_null(cls->connect_irqs);
    assert_null(cls->irq_input);
    assert_int_equal(cls->default_size, 0x100);
    assert_int_equal(cls->min_size, 8);
}

static void test_ns16550a_registers_at_reset(void **state)
{
    Fixture f = {0};
    setup(&f, "ns16550a", NULL);
    assert_int_equal(rd8(&f, RBR), 0x00);
    assert_int_equal(rd8(&f, IER), 0x00);
    assert_int_equal(rd8(&f, IIR), 0x01);
    assert_int_equal(rd8(&f, LCR), 0x00);
    assert_int_equal(rd8(&f, MCR), 0x00);
    assert_int_equal(rd8(&f, LSR), 0x60);
    assert_int_equal(rd8(&f, MSR), 0xb0);
    assert_int_equal(rd8(&f, SCR), 0x00);
    for (uint32_t off = 8; off < 0x100; off += 0x1f)
        assert_int_equal(rd8(&f, off), 0);
    wr8(&f, LCR, 0x80);
    assert_int_equal(rd8(&f, DLL), 0x00);
    assert_int_equal(rd8(&f, DLM), 0x00);
    assert_false(f.sink.level);
    teardown(&f);
}

static void test_ns16550a_register_writes_keep_their_bits(void **state)
{
    Fixture f = {0};
    setup(&f, "ns16550a", NULL);
    wr8(&f, IER, 0xff);
    assert_int_equal(rd8(&f, IER), 0x0f);
    wr8(&f, IER, 0x00);
    wr8(&f, LCR, 0x7f);
    assert_int_equal(rd8(&f, LCR), 0x7f);
    wr8(&f, MCR, 0xef); /* bit 4 (loopback) left clear */
    assert_int_equal(rd8(&f, MCR), 0x0f);
    wr8(&f, SCR, 0xa5);
    assert_int_equal(rd8(&f, SCR), 0xa5);
    wr8(&f, LSR, 0x00); /* factory test registers: ignored */
    wr8(&f, MSR, 0x00);
    assert_int_equal(rd8(&f, LSR), 0x60);
    assert_int_equal(rd8(&f, MSR), 0xb0);
    wr8(&f, FCR, 0xc9); /* FIFOs on, trigger 14, DMA mode */
    assert_int_equal(rd8(&f, IIR), 0xc1);
    wr8(&f, FCR, 0x06); /* without FCR0 the other bits are not programmed */
    assert_int_equal(rd8(&f, IIR), 0x01);
    teardown(&f);
}

static void test_ns16550a_divisor_latch_behind_dlab(void **state)
{
    Fixture f = {0};
    setup(&f, "ns16550a", NULL);
    wr8(&f, LCR, 0x83);
    wr8(&f, DLL, 0x34);
    wr8(&f, DLM, 0x12);
    assert_int_equal(rd8(&f, DLL), 0x34);
    assert_int_equal(rd8(&f, DLM), 0x12);
    assert_int_equal(f.outlen, 0); /* DLL writes transmit nothing */
    wr8(&f, LCR, 0x03);
    assert_int_equal(rd8(&f, IER), 0x00); /* IER untouched by DLM */
    wr8(&f, IER, 0x05);
    wr8(&f, LCR, 0x83);
    assert_int_equal(rd8(&f, DLM), 0x12);
    wr8(&f, LCR, 0x03);
    assert_int_equal(rd8(&f, IER), 0x05);
    teardown(&f);
}

static void test_ns16550a_transmit_is_immediate(void **state)
{
    Fixture f = {0};
    setup(&f, "ns16550a", NULL);
    wr8(&f, THR, 'h');
    assert_int_equal(rd8(&f, LSR), 0x60);
    wr8(&f, THR, 'i');
    assert_int_equal(f.outlen, 2);
    assert_memory_equal(f.out, "hi", 2);
    teardown(&f);
}

static void test_ns16550a_wide_access_splits_into_bytes(void **state)
{
    Fixture f = {0};
    setup(&f, "ns16550a", NULL);
    wr8(&f, SCR, 0x5a);
    wr(&f, LCR, 1, 0x03);
    /* RBR, IER, IIR, LCR in one word; MCR, LSR, MSR, SCR in the next. */
    assert_int_equal(rd32(&f, 0), 0x03010000);
    assert_int_equal(rd32(&f, 4), 0x5ab06000);
    assert_int_equal(rd(&f, 6, 2), 0x5ab0);
    wr(&f, 6, 2, 0x7700); /* MSR ignored, SCR = 0x77 */
    assert_int_equal(rd8(&f, SCR), 0x77);
    teardown(&f);
}

static void test_ns16550a_thr_empty_interrupt(void **state)
{
    Fixture f = {0};
    setup(&f, "ns16550a", NULL);
    wr8(&f, IER, 0x02);
    assert_true(f.sink.level);
    assert_int_equal(peek8(&f, IIR), 0x02); /* a peek clears nothing */
    assert_true(f.sink.level);
    assert_int_equal(rd8(&f, IIR), 0x02);   /* reading IIR clears it */
    assert_false(f.sink.level);
    assert_int_equal(rd8(&f, IIR), 0x01);
    wr8(&f, THR, 'a');                      /* empty again at once */
    assert_true(f.sink.level);
    assert_int_equal(rd8(&f, IIR), 0x02);
    wr8(&f, THR, 'b');
    wr8(&f, IER, 0x00);
    assert_false(f.sink.level);
    assert_int_equal(rd8(&f, IIR), 0x01);
    wr8(&f, IER, 0x02);                     /* enabling raises it again */
    assert_true(f.sink.level);
    teardown(&f);
}

static void test_ns16550a_rx_arrives_one_character_time_apart(void **state)
{
    Fixture f = {.in = "abc"};
    ns_setup_8n1(&f, 0x01);
    run_until(&f, 5000);
    /* One character after the first access, then one a character. */
    assert_int_equal(f.narrivals, 3);
    assert_int_equal(f.arrivals[0], 1000);
    assert_int_equal(f.arrivals[1], 2000);
    assert_int_equal(f.arrivals[2], 3000);
    assert_int_equal(rd8(&f, LSR), 0x61);
    assert_int_equal(rd8(&f, RBR), 'a');
    assert_int_equal(rd8(&f, RBR), 'b');
    assert_int_equal(rd8(&f, RBR), 'c');
    assert_int_equal(rd8(&f, LSR), 0x60);
    assert_int_equal(rd8(&f, RBR), 0);
    teardown(&f);
}

static void test_ns16550a_input_waits_for_the_first_access(void **state)
{
    Fixture f = {.in = "early"};
    setup(&f, "ns16550a", NS_1000);
    run_until(&f, 50000);
    assert_int_equal(f.narrivals, 0);
    assert_int_equal(clock_next_deadline(f.clock), CLOCK_NEVER);
    assert_int_equal(peek8(&f, LSR), 0x60); /* the debugger's does not count */
    run_until(&f, 60000);
    assert_int_equal(f.narrivals, 0);
    assert_int_equal(rd8(&f, LSR), 0x60); /* reset LCR: 5N1, 700 cycles */
    run_until(&f, 60700);
    assert_int_equal(f.narrivals, 1);
    assert_int_equal(f.arrivals[0], 60700);
    teardown(&f);
}

static void test_ns16550a_divisor_sets_the_character_time(void **state)
{
    Fixture f = {.in = "xyz"};
    setup(&f, "ns16550a", NS_1000);
    wr8(&f, LCR, 0x83);
    wr8(&f, DLL, 3);
    wr8(&f, LCR, 0x1f); /* 8 data, even parity, 2 stop: 12 bits */
    wr8(&f, FCR, 0x01);
    run_until(&f, 10000);
    assert_int_equal(f.narrivals, 3);
    assert_int_equal(f.arrivals[0], 1000); /* set by the first access */
    assert_int_equal(f.arrivals[1], 1000 + 3600);
    assert_int_equal(f.arrivals[2], 1000 + 7200);
    teardown(&f);
}

static void test_ns16550a_rx_fifo_holds_16_then_polling_stops(void **state)
{
    Fixture f = {.in = "ABCDEFGHIJKLMNOPQRST"};
    ns_setup_8n1(&f, 0x01);
    run_until(&f, 30000);
    assert_int_equal(f.narrivals, 16);
    assert_int_equal(f.arrivals[15], 16000);
    assert_int_equal(rd8(&f, LSR), 0x61); /* full, and no overrun */
    assert_int_equal(rd8(&f, RBR), 'A');  /* room: polling resumes */
    run_until(&f, 40000);
    assert_int_equal(f.narrivals, 17); /* 'Q', then full again: 'R' waits */
    assert_int_equal(f.arrivals[16], 31000);
    for (char c = 'B'; c <= 'Q'; c++)
        assert_int_equal(rd8(&f, RBR), c);
    assert_int_equal(rd8(&f, LSR), 0x60);
    run_until(&f, 41000);
    assert_int_equal(f.narrivals, 18);
    teardown(&f);
}

static void test_ns16550a_without_fifo_holds_one_byte(void **state)
{
    Fixture f = {.in = "ab"};
    ns_setup_8n1(&f, 0x00);
    run_until(&f, 5000);
    assert_int_equal(f.narrivals, 1);
    assert_int_equal(rd8(&f, RBR), 'a');
    run_until(&f, 7000);
    assert_int_equal(f.narrivals, 2);
    assert_int_equal(f.arrivals[1], 6000);
    assert_int_equal(rd8(&f, LSR), 0x61);
    teardown(&f);
}

/* The RX-data interrupt rises when the FIFO reaches `fcr`'s trigger. */
static void check_trigger(uint8_t fcr, unsigned level)
{
    Fixture f = {.in = "0123456789abcdef"};
    ns_setup_8n1(&f, fcr);
    wr8(&f, IER, 0x01);
    uint64_t at = 1000 * (uint64_t)level;
    run_until(&f, at - 1);
    assert_false(f.sink.level);
    run_until(&f, at);
    assert_true(f.sink.level);
    assert_int_equal(f.sink.rose_at, at);
    assert_int_equal(rd8(&f, IIR), 0xc4);
    assert_int_equal(rd8(&f, RBR), '0'); /* below the trigger: cleared */
    assert_false(f.sink.level);
    assert_int_equal(rd8(&f, IIR), 0xc1);
    run_until(&f, at + 1000); /* the next byte reaches it again */
    assert_true(f.sink.level);
    teardown(&f);
}

static void test_ns16550a_rx_trigger_levels_1_4_8_14(void **state)
{
    check_trigger(0x01, 1);
    check_trigger(0x41, 4);
    check_trigger(0x81, 8);
    check_trigger(0xc1, 14);
}

static void test_ns16550a_character_timeout(void **state)
{
    Fixture f = {.in = "ab", .in_eof = true};
    ns_setup_8n1(&f, 0xc1); /* trigger 14: two bytes never reach it */
    wr8(&f, IER, 0x01);
    run_until(&f, 20000);
    assert_int_equal(f.narrivals, 2);
    assert_true(f.sink.level);
    assert_int_equal(f.sink.rose_at, 2000 + 4000); /* 4 characters */
    assert_int_equal(rd8(&f, IIR), 0xcc);
    assert_int_equal(rd8(&f, RBR), 'a'); /* restarts the timer */
    assert_false(f.sink.level);
    assert_int_equal(rd8(&f, IIR), 0xc1);
    run_until(&f, 40000);
    assert_true(f.sink.level);
    assert_int_equal(f.sink.rose_at, 20000 + 4000);
    assert_int_equal(rd8(&f, RBR), 'b');
    assert_false(f.sink.level);
    /* Input ended and the FIFO is empty: nothing left to wake for. */
    assert_int_equal(clock_next_deadline(f.clock), CLOCK_NEVER);
    teardown(&f);
}

static void test_ns16550a_loopback_overrun_is_a_line_status_interrupt(void **state)
{
    Fixture f = {0};
    setup(&f, "ns16550a", NULL);
    wr8(&f, MCR, 0x10);
    wr8(&f, IER, 0x04);
    wr8(&f, THR, 'x');
    assert_false(f.sink.level);
    wr8(&f, THR, 'y'); /* the holding register was full */
    assert_true(f.sink.level);
    assert_int_equal(rd8(&f, IIR), 0x06);
    assert_int_equal(peek8(&f, LSR), 0x63);
    assert_int_equal(rd8(&f, LSR), 0x63); /* reading LSR clears OE */
    assert_false(f.sink.level);
    assert_int_equal(rd8(&f, LSR), 0x61);
    assert_int_equal(rd8(&f, RBR), 'y');
    assert_int_equal(f.outlen, 0); /* nothing left the UART */
    /* With FIFOs a full FIFO keeps its bytes and drops the new one. */
    wr8(&f, FCR, 0x01);
    for (int i = 0; i < 17; i++)
        wr8(&f, THR, (uint8_t)('a' + i));
    assert_int_equal(rd8(&f, LSR), 0x63);
    for (int i = 0; i < 16; i++)
        assert_int_equal(rd8(&f, RBR), 'a' + i);
    assert_int_equal(rd8(&f, LSR), 0x60);
    teardown(&f);
}

static void test_ns16550a_iir_priorities(void **state)
{
    Fixture f = {0};
    setup(&f, "ns16550a", NULL);
    wr8(&f, MCR, 0x10); /* loopback: CTS, DSR, DCD fall (MSR deltas) */
    wr8(&f, THR, 'x');
    wr8(&f, THR, 'y'); /* overrun, 'y' held, THR-empty pending */
    wr8(&f, IER, 0x0f);
    assert_true(f.sink.level);
    assert_int_equal(rd8(&f, IIR), 0x06); /* line status first */
    assert_int_equal(rd8(&f, IIR), 0x06);
    assert_int_equal(rd8(&f, LSR), 0x63);
    assert_int_equal(rd8(&f, IIR), 0x04); /* then received data */
    assert_int_equal(rd8(&f, RBR), 'y');
    assert_int_equal(rd8(&f, IIR), 0x02); /* then THR empty, cleared by */
    assert_int_equal(rd8(&f, IIR), 0x00); /* reading it; then modem status */
    assert_true(f.sink.level);
    assert_int_equal(rd8(&f, MSR), 0x0b);
    assert_int_equal(rd8(&f, IIR), 0x01);
    assert_false(f.sink.level);
    teardown(&f);
}

static void test_ns16550a_loopback_modem_lines(void **state)
{
    Fixture f = {0};
    setup(&f, "ns16550a", NULL);
    wr8(&f, MCR, 0x10);
    assert_int_equal(rd8(&f, MSR), 0x0b);
    assert_int_equal(rd8(&f, MSR), 0x00);
    wr8(&f, MCR, 0x1f); /* RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD */
    assert_int_equal(rd8(&f, MSR), 0xfb);
    wr8(&f, MCR, 0x1b); /* RI falls: trailing edge */
    wr8(&f, IER, 0x08);
    assert_true(f.sink.level);
    assert_int_equal(rd8(&f, IIR), 0x00);
    assert_int_equal(rd8(&f, MSR), 0xb4);
    assert_false(f.sink.level);
    wr8(&f, MCR, 0x0f); /* leaving loopback: the fixed lines again */
    assert_int_equal(rd8(&f, MSR), 0xb0);
    teardown(&f);
}

static void test_ns16550a_fcr_resets_the_rx_fifo(void **state)
{
    Fixture f = {.in = "abcdef"};
    ns_setup_8n1(&f, 0x01);
    run_until(&f, 3000);
    assert_int_equal(f.narrivals, 3);
    wr8(&f, FCR, 0x03);
    assert_int_equal(rd8(&f, LSR), 0x60);
    run_until(&f, 4000);
    assert_int_equal(rd8(&f, RBR), 'd');
    run_until(&f, 5000);
    assert_int_equal(rd8(&f, LSR), 0x61); /* 'e' */
    wr8(&f, FCR, 0x00); /* leaving FIFO mode clears it too */
    assert_int_equal(rd8(&f, LSR), 0x60);
    teardown(&f);
}

static void test_ns16550a_peek_has_no_side_effects(void **state)
{
    Fixture f = {.in = "q"};
    ns_setup_8n1(&f, 0x01);
    run_until(&f, 1000);
    wr8(&f, IER, 0x03);
    assert_int_equal(peek8(&f, RBR), 'q');
    assert_int_equal(peek8(&f, RBR), 'q');
    assert_int_equal(peek32(&f, 0) & 0xff, 'q');
    assert_int_equal(peek8(&f, IIR), 0xc4);
    assert_int_equal(rd8(&f, RBR), 'q');
    assert_int_equal(peek8(&f, IIR), 0xc2);
    assert_int_equal(peek8(&f, IIR), 0xc2);
    assert_int_equal(rd8(&f, IIR), 0xc2);
    assert_int_equal(peek8(&f, IIR), 0xc1);
    teardown(&f);
}

static void test_ns16550a_rx_timing_is_the_same_every_run(void **state)
{
    char path[] = "/tmp/mcusim-uart-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char text[] = "same input, same cycles\n";
    assert_int_equal(write(fd, text, sizeof text - 1), sizeof text - 1);
    close(fd);
    char spec[64];
    snprintf(spec, sizeof spec, "file:in=%s", path);
    const char *const kv[] = {"chardev", spec, NULL};
    uint64_t seen[2][sizeof text] = {{0}};
    for (int run = 0; run < 2; run++) {
        Fixture f = {0};
        setup(&f, "ns16550a", kv);
        wr8(&f, LCR, 0x83);
        wr8(&f, DLL, 1);
        wr8(&f, LCR, 0x03);
        wr8(&f, FCR, 0x01);
        /* A firmware polling LSR every 37 cycles, as blocks of a CPU. */
        size_t n = 0;
        while (n < sizeof text - 1) {
            clock_advance(f.clock, clock_now(f.clock) + 37);
            if (rd8(&f, LSR) & 1) {
                assert_int_equal(rd8(&f, RBR), text[n]);
                seen[run][n++] = clock_now(f.clock);
            }
        }
        run_until(&f, clock_now(f.clock) + 100000);
        assert_int_equal(clock_next_deadline(f.clock), CLOCK_NEVER); /* EOF */
        teardown(&f);
    }
    unlink(path);
    assert_memory_equal(seen[0], seen[1], sizeof seen[0]);
    /* Polled one 8N1 character (435 cycles at 3686400 Hz) after the
     * first access at 0, seen at the block end 444; the next poll, 879,
     * is seen at 888. */
    assert_int_equal(seen[0][0], 444);
    assert_int_equal(seen[0][1], 888);
}

static void test_ns16550a_without_a_clock_only_transmits(void **state)
{
    Fixture f = {.in = "never"};
    setup_with(&f, "ns16550a", false, NULL);
    wr8(&f, THR, 'k');
    assert_int_equal(f.outlen, 1);
    assert_int_equal(rd8(&f, LSR), 0x60);
    assert_int_equal(f.narrivals, 0);
    teardown(&f);
}

static void test_ns16550a_machine_reset(void **state)
{
    Fixture f = {.in = "abcdefgh"};
    ns_setup_8n1(&f, 0x01);
    wr8(&f, SCR, 0x42);
    wr8(&f, IER, 0x0f);
    wr8(&f, MCR, 0x0b);
    run_until(&f, 3000);
    assert_true(f.sink.level);
    f.cls->reset(f.dev.state);
    assert_false(f.sink.level);
    assert_int_equal(clock_next_deadline(f.clock), CLOCK_NEVER);
    assert_int_equal(peek8(&f, IER), 0x00);
    assert_int_equal(peek8(&f, IIR), 0x01);
    assert_int_equal(peek8(&f, LCR), 0x00);
    assert_int_equal(peek8(&f, MCR), 0x00);
    assert_int_equal(peek8(&f, LSR), 0x60); /* the FIFO emptied */
    assert_int_equal(peek8(&f, MSR), 0xb0);
    assert_int_equal(peek8(&f, SCR), 0x42); /* kept */
    wr8(&f, LCR, 0x83);
    assert_int_equal(rd8(&f, DLL), 1);      /* kept */
    wr8(&f, LCR, 0x03);
    run_until(&f, 3000 + 1000);             /* idle until that access */
    assert_int_equal(f.narrivals, 4);
    assert_int_equal(f.arrivals[3], 4000);
    assert_int_equal(rd8(&f, RBR), 'd');
    teardown(&f);
}

static void expect_create_error(const char *type, const char *const *kv,
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

static void test_uart_property_errors(void **state)
{
    const char *const zero[] = {"clock-frequency", "0", NULL};
    const char *const word[] = {"clock-frequency", "fast", NULL};
    const char *const baud[] = {"baud", "9600", NULL};
    const char *const chr[] = {"chardev", "serial0", NULL};
    expect_create_error("ns16550a", zero,
                        "u.yaml:4:5: 'clock-frequency' must be greater than 0");
    expect_create_error("sifive,uart0", zero,
                        "u.yaml:4:5: 'clock-frequency' must be greater than 0");
    expect_create_error("ns16550a", word,
                        "u.yaml:4:5: clock-frequency: 'fast' is not a number");
    expect_create_error("ns16550a", baud,
                        "u.yaml:4:5: unknown property 'baud' for ns16550a 'uart0'");
    expect_create_error("sifive,uart0", baud,
                        "u.yaml:4:5: unknown property 'baud' for sifive,uart0 'uart0'");
    expect_create_error("sifive,uart0", chr,
                        "u.yaml:4:5: unknown chardev 'serial0' (expected stdio, "
                        "stdio:in=PATH, null, file:PATH, file:out=PATH,in=PATH, "
                        "tcp:[HOST:]PORT or pty)");
}

/* ---- sifive,uart0 ---- */

static void test_sifive_uart_class_declares_one_irq(void **state)
{
    const PeripheralClass *cls = registry_find("sifive,uart0");
    assert_non_null(cls);
    assert_int_equal(cls->irq_outputs, 1);
    assert_string_equal(cls->irq_output_names[0], "irq");
    assert_non_null(cls->connect_irqs);
    assert_null(cls->irq_input);
    assert_int_equal(cls->default_size, 0x1000);
}

static void test_sifive_uart_registers_at_reset(void **state)
{
    Fixture f = {0};
    setup(&f, "sifive,uart0", NULL);
    assert_int_equal(rd32(&f, TXDATA), 0);
    assert_int_equal(rd32(&f, RXDATA), 0x80000000);
    assert_int_equal(rd32(&f, TXCTRL), 0);
    assert_int_equal(rd32(&f, RXCTRL), 0);
    assert_int_equal(rd32(&f, IE), 0);
    assert_int_equal(rd32(&f, IP), 0);
    assert_int_equal(rd32(&f, DIV), 0);
    for (uint32_t off = 0x1c; off < 0x1000; off += 0x1e4)
        assert_int_equal(rd32(&f, off), 0);
    assert_false(f.sink.level);
    teardown(&f);
}

static void test_sifive_uart_register_writes_keep_their_bits(void **state)
{
    Fixture f = {0};
    setup(&f, "sifive,uart0", NULL);
    wr32(&f, TXCTRL, 0xfffffffe); /* all but txen */
    assert_int_equal(rd32(&f, TXCTRL), 0x00070002);
    wr32(&f, RXCTRL, 0xfffffffe);
    assert_int_equal(rd32(&f, RXCTRL), 0x00070000);
    wr32(&f, IE, 0xffffffff);
    assert_int_equal(rd32(&f, IE), 0x3);
    wr32(&f, DIV, 0xffffffff);
    assert_int_equal(rd32(&f, DIV), 0xffff);
    /* ip: txwm (0 < 7), rxwm no (0 > 7 is false); writes ignored */
    wr32(&f, IP, 0);
    assert_int_equal(rd32(&f, IP), 0x1);
    wr32(&f, RXDATA, 'z');
    assert_int_equal(rd32(&f, RXDATA), 0x80000000);
    wr32(&f, 0x20, 1);
    assert_int_equal(rd32(&f, 0x20), 0);
    teardown(&f);
}

static void test_sifive_uart_only_aligned_words(void **state)
{
    Fixture f = {0};
    setup(&f, "sifive,uart0", NULL);
    uint32_t v;
    assert_int_equal(memory_read(f.ms, BASE + TXCTRL, 1, &v), MEM_BUS_ERROR);
    assert_int_equal(memory_read(f.ms, BASE + TXCTRL, 2, &v), MEM_BUS_ERROR);
    assert_int_equal(memory_write(f.ms, BASE + TXDATA, 1, 'a'), MEM_BUS_ERROR);
    assert_int_equal(memory_write(f.ms, BASE + 2, 2, 0), MEM_BUS_ERROR);
    teardown(&f);
}

static void test_sifive_uart_tx_fifo_drains_at_the_baud_rate(void **state)
{
    Fixture f = {0};
    setup(&f, "sifive,uart0", NULL);
    wr32(&f, DIV, 99); /* 100 cycles a bit: 1000 a character */
    for (int i = 0; i < 9; i++)
        wr32(&f, TXDATA, (uint32_t)('a' + i)); /* the ninth is ignored */
    assert_int_equal(rd32(&f, TXDATA), 0x80000000);
    run_until(&f, 50000);
    assert_int_equal(f.outlen, 0); /* txen clear: nothing leaves */
    wr32(&f, TXCTRL, 1);
    /* The shifter took 'a' at once: room for one more. */
    assert_int_equal(rd32(&f, TXDATA), 0);
    wr32(&f, TXDATA, 'i');
    assert_int_equal(rd32(&f, TXDATA), 0x80000000);
    run_until(&f, 50999);
    assert_int_equal(f.outlen, 0);
    run_until(&f, 51000);
    assert_int_equal(f.outlen, 1);
    run_until(&f, 58999);
    assert_int_equal(f.outlen, 8);
    run_until(&f, 59000);
    assert_int_equal(f.outlen, 9);
    assert_memory_equal(f.out, "abcdefghi", 9);
    assert_int_equal(clock_next_deadline(f.clock), CLOCK_NEVER);
    /* Two stop bits: 11 bit times. */
    wr32(&f, TXCTRL, 3);
    wr32(&f, TXDATA, '!');
    run_until(&f, 59000 + 1099);
    assert_int_equal(f.outlen, 9);
    run_until(&f, 59000 + 1100);
    assert_int_equal(f.outlen, 10);
    teardown(&f);
}

static void test_sifive_uart_txwm_rises_as_the_fifo_drains(void **state)
{
    Fixture f = {0};
    setup(&f, "sifive,uart0", NULL);
    wr32(&f, DIV, 99);
    wr32(&f, TXCTRL, 0x00040000); /* txcnt 4, txen still clear */
    wr32(&f, IE, 0x1);
    assert_true(f.sink.level); /* empty: 0 < 4 */
    for (int i = 0; i < 8; i++)
        wr32(&f, TXDATA, (uint32_t)('0' + i));
    assert_false(f.sink.level);
    assert_int_equal(rd32(&f, IP), 0);
    wr32(&f, TXCTRL, 0x00040001); /* 7 left at once, then one a character */
    run_until(&f, 100000);
    /* 7 at 0, 6 at 1000, 5 at 2000, 4 at 3000, 3 (< 4) at 4000. */
    assert_int_equal(f.sink.rose_at, 4000);
    assert_int_equal(f.sink.changes, 3);
    assert_int_equal(rd32(&f, IP), 0x1);
    wr32(&f, IE, 0);
    assert_false(f.sink.level);
    teardown(&f);
}

static void test_sifive_uart_rx_and_rxwm(void **state)
{
    Fixture f = {.in = "hello"};
    setup(&f, "sifive,uart0", NULL);
    wr32(&f, DIV, 99);
    run_until(&f, 5000);
    assert_int_equal(f.narrivals, 0); /* rxen clear: input waits */
    wr32(&f, RXCTRL, 0x00020001);     /* rxcnt 2 */
    wr32(&f, IE, 0x2);
    run_until(&f, 7999);
    assert_int_equal(f.narrivals, 2);
    assert_int_equal(f.arrivals[0], 6000);
    assert_int_equal(f.arrivals[1], 7000);
    assert_false(f.sink.level);
    run_until(&f, 8000);
    assert_true(f.sink.level); /* 3 > 2 */
    assert_int_equal(rd32(&f, IP), 0x2);
    assert_int_equal(peek32(&f, RXDATA), 'h'); /* peek does not pop */
    assert_int_equal(rd32(&f, RXDATA), 'h');
    assert_false(f.sink.level);
    wr32(&f, RXCTRL, 0x00020000); /* rxen clear: polling stops */
    run_until(&f, 20000);
    assert_int_equal(f.narrivals, 3);
    wr32(&f, RXCTRL, 0x00000001);
    run_until(&f, 22000);
    assert_int_equal(f.narrivals, 5);
    assert_int_equal(f.arrivals[3], 21000);
    assert_int_equal(f.arrivals[4], 22000);
    const char rest[] = "ello";
    for (int i = 0; i < 4; i++)
        assert_int_equal(rd32(&f, RXDATA), rest[i]);
    assert_int_equal(rd32(&f, RXDATA), 0x80000000);
    teardown(&f);
}

static void test_sifive_uart_rx_fifo_holds_8(void **state)
{
    Fixture f = {.in = "0123456789", .in_eof = true};
    setup(&f, "sifive,uart0", NULL);
    wr32(&f, DIV, 9); /* 100 cycles a character */
    wr32(&f, RXCTRL, 0x00070001);
    wr32(&f, IE, 0x2);
    run_until(&f, 5000);
    assert_int_equal(f.narrivals, 8);
    assert_true(f.sink.level); /* 8 > 7 */
    assert_int_equal(clock_next_deadline(f.clock), CLOCK_NEVER);
    assert_int_equal(rd32(&f, RXDATA), '0');
    assert_false(f.sink.level);
    run_until(&f, 5100);
    assert_int_equal(f.narrivals, 9);
    assert_int_equal(f.arrivals[8], 5100);
    teardown(&f);
}

static void test_sifive_uart_bus_clock_property(void **state)
{
    const char *const kv[] = {"clock-frequency", "1000000", NULL};
    Fixture f = {.in = "a"};
    setup(&f, "sifive,uart0", kv); /* bus at 1 MHz: 10 CPU cycles a tick */
    wr32(&f, RXCTRL, 1);
    run_until(&f, 1000);
    assert_int_equal(f.narrivals, 1);
    assert_int_equal(f.arrivals[0], 100); /* div 0: 10 ticks */
    teardown(&f);
}

static void test_sifive_uart_flushes_at_teardown(void **state)
{
    Fixture f = {0};
    setup(&f, "sifive,uart0", NULL);
    wr32(&f, DIV, 999);
    wr32(&f, TXCTRL, 1);
    for (int i = 0; i < 5; i++)
        wr32(&f, TXDATA, (uint32_t)('v' + i));
    f.cls->connect_irqs(f.dev.state, NULL, 0);
    memory_set_root(f.ms, NULL);
    owner_unref(f.bus_owner);
    owner_unref(f.dev.owner);
    assert_int_equal(f.outlen, 5);
    assert_memory_equal(f.out, "vwxyz", 5);
    memory_system_free(f.ms);
    clock_free(f.clock);
}

static void test_sifive_uart_machine_reset(void **state)
{
    Fixture f = {.in = "abc"};
    setup(&f, "sifive,uart0", NULL);
    wr32(&f, DIV, 99);
    wr32(&f, TXCTRL, 0x00070001);
    wr32(&f, RXCTRL, 0x00000001);
    wr32(&f, IE, 0x3);
    for (int i = 0; i < 4; i++)
        wr32(&f, TXDATA, (uint32_t)('0' + i));
    run_until(&f, 2500);
    assert_int_equal(f.outlen, 2);
    assert_int_equal(f.narrivals, 2);
    assert_true(f.sink.level);
    f.cls->reset(f.dev.state);
    assert_false(f.sink.level);
    assert_int_equal(clock_next_deadline(f.clock), CLOCK_NEVER);
    assert_int_equal(rd32(&f, TXDATA), 0);
    assert_int_equal(rd32(&f, RXDATA), 0x80000000);
    assert_int_equal(rd32(&f, TXCTRL), 0);
    assert_int_equal(rd32(&f, RXCTRL), 0);
    assert_int_equal(rd32(&f, IE), 0);
    assert_int_equal(rd32(&f, IP), 0);
    assert_int_equal(rd32(&f, DIV), 0);
    run_until(&f, 10000);
    assert_int_equal(f.outlen, 2); /* the rest was dropped */
    wr32(&f, RXCTRL, 1);           /* 'c' still waits in the chardev */
    run_until(&f, 10010);
    assert_int_equal(rd32(&f, RXDATA), 'c');
    teardown(&f);
}

static void test_sifive_uart_rx_timing_is_the_same_every_run(void **state)
{
    char path[] = "/tmp/mcusim-uart-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char text[] = "0123456789abcdef";
    assert_int_equal(write(fd, text, sizeof text - 1), sizeof text - 1);
    close(fd);
    char spec[64];
    snprintf(spec, sizeof spec, "file:in=%s", path);
    const char *const kv[] = {"chardev", spec, NULL};
    uint64_t seen[2][sizeof text] = {{0}};
    for (int run = 0; run < 2; run++) {
        Fixture f = {0};
        setup(&f, "sifive,uart0", kv);
        wr32(&f, DIV, 49);
        wr32(&f, RXCTRL, 1);
        size_t n = 0;
        while (n < sizeof text - 1) {
            clock_advance(f.clock, clock_now(f.clock) + 53);
            uint32_t v = rd32(&f, RXDATA);
            if (!(v & 0x80000000)) {
                assert_int_equal(v, text[n]);
                seen[run][n++] = clock_now(f.clock);
            }
        }
        teardown(&f);
    }
    unlink(path);
    assert_memory_equal(seen[0], seen[1], sizeof seen[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ns16550a_class_declares_one_irq),
        cmocka_unit_test(test_ns16550a_registers_at_reset),
        cmocka_unit_test(test_ns16550a_register_writes_keep_their_bits),
        cmocka_unit_test(test_ns16550a_divisor_latch_behind_dlab),
        cmocka_unit_test(test_ns16550a_transmit_is_immediate),
        cmocka_unit_test(test_ns16550a_wide_access_splits_into_bytes),
        cmocka_unit_test(test_ns16550a_thr_empty_interrupt),
        cmocka_unit_test(test_ns16550a_rx_arrives_one_character_time_apart),
        cmocka_unit_test(test_ns16550a_input_waits_for_the_first_access),
        cmocka_unit_test(test_ns16550a_divisor_sets_the_character_time),
        cmocka_unit_test(test_ns16550a_rx_fifo_holds_16_then_polling_stops),
        cmocka_unit_test(test_ns16550a_without_fifo_holds_one_byte),
        cmocka_unit_test(test_ns16550a_rx_trigger_levels_1_4_8_14),
        cmocka_unit_test(test_ns16550a_character_timeout),
        cmocka_unit_test(test_ns16550a_loopback_overrun_is_a_line_status_interrupt),
        cmocka_unit_test(test_ns16550a_iir_priorities),
        cmocka_unit_test(test_ns16550a_loopback_modem_lines),
        cmocka_unit_test(test_ns16550a_fcr_resets_the_rx_fifo),
        cmocka_unit_test(test_ns16550a_peek_has_no_side_effects),
        cmocka_unit_test(test_ns16550a_rx_timing_is_the_same_every_run),
        cmocka_unit_test(test_ns16550a_without_a_clock_only_transmits),
        cmocka_unit_test(test_ns16550a_machine_reset),
        cmocka_unit_test(test_uart_property_errors),
        cmocka_unit_test(test_sifive_uart_class_declares_one_irq),
        cmocka_unit_test(test_sifive_uart_registers_at_reset),
        cmocka_unit_test(test_sifive_uart_register_writes_keep_their_bits),
        cmocka_unit_test(test_sifive_uart_only_aligned_words),
        cmocka_unit_test(test_sifive_uart_tx_fifo_drains_at_the_baud_rate),
        cmocka_unit_test(test_sifive_uart_txwm_rises_as_the_fifo_drains),
        cmocka_unit_test(test_sifive_uart_rx_and_rxwm),
        cmocka_unit_test(test_sifive_uart_rx_fifo_holds_8),
        cmocka_unit_test(test_sifive_uart_bus_clock_property),
        cmocka_unit_test(test_sifive_uart_flushes_at_teardown),
        cmocka_unit_test(test_sifive_uart_machine_reset),
        cmocka_unit_test(test_sifive_uart_rx_timing_is_the_same_every_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
