/* Every device model's snapshot hooks (PeripheralClass.save_state and
 * load_state, soc/device.h), on tests/unit/device_fixture.h.
 *
 * For each model a case drives the device into a busy state (FIFOs part
 * full, a transfer or a timer in flight, reports made, inputs driven),
 * saves it, runs a workload (guest accesses and virtual time) recording
 * after every step what the device shows (every register's peek, its
 * outputs, the clock's next deadline, what it printed and reported),
 * then puts the outside world back (the clock, the chardev's input and
 * output, the report log), loads the saved state and runs the workload
 * again: both runs must show the same, step for step. Then refusals:
 * every truncation, every flipped byte (refused with the device
 * unchanged, its saved bytes equal, or taken without a crash), another
 * model's data and hostile values each model must refuse. And the
 * registry: every model and bus device has both hooks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "peripherals/bus_device.h"
#include "peripherals/regs.h"
#include "tests/unit/device_fixture.h"

enum { BENCH_INPUTS = 64, MAX_STEPS = 16 };

/* The fixture and what some models need besides: memories a remap
 * controller's window can show, and the device's interrupt inputs. */
typedef struct Bench {
    DevFixture d; /* first: the hooks' opaque */
    Owner *mem_owner;
    MemoryRegion *ram[2];
    bool ram1_gone; /* find_region does not find ram1 */
    IrqLine input[BENCH_INPUTS];
} Bench;

typedef struct ModelCase {
    const char *type;
    uint64_t base, size;
    const char *const *props;
    const char *input; /* the scripted chardev's input */
    void (*drive)(Bench *b);
    void (*step)(Bench *b, unsigned i);
    unsigned steps;
} ModelCase;

/* ---- the bench ---- */

static MemoryRegion *bench_find_region(void *opaque, const char *name)
{
    Bench *b = opaque;
    if (strcmp(name, "ram0") == 0)
        return b->ram[0];
    if (strcmp(name, "ram1") == 0 && !b->ram1_gone)
        return b->ram[1];
    return NULL;
}

static bool bench_map_region(void *opaque, MemoryRegion *region, uint64_t base,
                             int priority, Error **errp)
{
    Bench *b = opaque;
    return memory_add_subregion_overlap(b->d.bus, base, region, priority, errp);
}

static void bench_memories(Bench *b)
{
    b->mem_owner = owner_new(b->d.ms, "mem", NULL, NULL);
    for (int i = 0; i < 2; i++) {
        b->ram[i] = memory_region_new_ram(b->mem_owner, i ? "ram1" : "ram0", 0x1000, NULL);
        memset(memory_region_host_ptr(b->ram[i]), 0x11 * (i + 1), 0x1000);
    }
}

static void bench_setup(Bench *b, const ModelCase *c)
{
    memset(b, 0, sizeof *b);
    devfix_setup(&b->d, 0);
    b->d.host.find_region = bench_find_region;
    b->d.host.map_region = bench_map_region;
    b->d.in = c->input;
    bench_memories(b);
    Error *err = NULL;
    if (!devfix_try_create(&b->d, c->type, "dev", c->base, c->size, c->props, &err))
        fail_msg("create %s: %s", c->type, error_message(err));
    for (unsigned n = 0; b->d.cls->irq_input && n < BENCH_INPUTS; n++)
        if (!b->d.cls->irq_input(b->d.dev.state, n, &b->input[n], NULL))
            b->input[n] = (IrqLine){0};
}

static void bench_teardown(Bench *b)
{
    owner_unref(b->mem_owner); /* a window still showing one keeps it */
    devfix_teardown(&b->d);
}

static void wr(Bench *b, uint64_t off, uint32_t v)
{
    devfix_write(&b->d, off, 4, v);
}

static uint32_t rd(Bench *b, uint64_t off)
{
    return devfix_read(&b->d, off, 4);
}

static void line(Bench *b, unsigned n, bool level)
{
    irq_set(&b->input[n], level);
}

static uint8_t *save(const Bench *b, size_t *len)
{
    return b->d.cls->save_state(b->d.dev.state, len);
}

static bool load(Bench *b, const uint8_t *data, size_t len, Error **errp)
{
    return b->d.cls->load_state(b->d.dev.state, data, len, errp);
}

/* ---- what a run shows ---- */

typedef struct Text {
    char *s;
    size_t len;
    FILE *f;
} Text;

/* Every register element's peek (the first 64 of an array), the outputs,
 * the time and the next deadline. */
static void dump(Bench *b, FILE *out)
{
    const RegTable *t = b->d.cls->registers;
    uint64_t size = b->d.desc.size ? b->d.desc.size : b->d.cls->default_size;
    for (size_t i = 0; i < t->nregs; i++) {
        const RegDef *r = &t->regs[i];
        unsigned n = r->count > 1 ? r->count : 1;
        for (unsigned e = 0; e < n && e < 64; e++) {
            uint64_t off = r->offset + (uint64_t)e * (r->count > 1 ? r->stride : 0);
            if (off >= size)
                break;
            fprintf(out, "%s[%u]=%08x ", r->name, e, devfix_peek(&b->d, off, r->width));
        }
    }
    uint32_t window = 0; /* a remap controller's; nothing elsewhere */
    memory_debug_read(b->d.ms, 0x30000000, &window, 4, NULL);
    fprintf(out, "\nwindow=%08x irq=%08x now=%llu next=%llu\n", window,
            devfix_irq_mask(&b->d),
            (unsigned long long)clock_now(b->d.clock),
            (unsigned long long)clock_next_deadline(b->d.clock));
}

/* The workload, each step followed by a dump; then what it printed and
 * reported. malloc'd. */
static char *run(Bench *b, const ModelCase *c, size_t out0, size_t log0)
{
    Text t = {0};
    t.f = open_memstream(&t.s, &t.len);
    for (unsigned i = 0; i < c->steps; i++) {
        c->step(b, i);
        fprintf(t.f, "step %u: ", i);
        dump(b, t.f);
    }
    fprintf(t.f, "out: %s\nlog: %s\n", b->d.out + out0, b->d.log + log0);
    fclose(t.f);
    return t.s;
}

/* The outside world as it was when the state was saved: the clock, the
 * chardev's input and output, the reports. */
typedef struct World {
    uint64_t now;
    size_t inpos, outlen, loglen, narrivals;
    bool ram1_gone;
} World;

static World world_now(const Bench *b)
{
    return (World){clock_now(b->d.clock), b->d.inpos, b->d.outlen, b->d.loglen,
                   b->d.narrivals, b->ram1_gone};
}

static void world_put_back(Bench *b, const World *w)
{
    clock_rewind(b->d.clock, w->now);
    b->d.inpos = w->inpos;
    b->d.outlen = w->outlen;
    b->d.out[w->outlen] = '\0';
    b->d.loglen = w->loglen;
    b->d.log[w->loglen] = '\0';
    b->d.narrivals = w->narrivals;
    b->ram1_gone = w->ram1_gone;
}

/* ---- the models' cases ---- */

/* SiFive UART: FIFOs filled past full (the overflow reported once), the
 * transmitter busy, input arriving at its character time. */
static void uart_drive(Bench *b)
{
    wr(b, 0x18, 1);                  /* div: 20 cycles a character */
    wr(b, 0x08, 1 | 2u << 16);       /* txen, txcnt 2 */
    wr(b, 0x0c, 1 | 1u << 16);       /* rxen, rxcnt 1 */
    wr(b, 0x10, 3);
    devfix_advance(&b->d, 45);
    for (unsigned i = 0; i < 10; i++) /* one shifting, 8 queued, 1 dropped */
        wr(b, 0x00, 'a' + i);
}

static void uart_step(Bench *b, unsigned i)
{
    if (i % 3 == 0)
        wr(b, 0x00, 'A' + i); /* still full at first: not reported again */
    if (i % 3 == 1)
        rd(b, 0x04);
    devfix_advance(&b->d, 25);
}

/* ns16550a: FIFOs on, a divisor, input polled, a character timeout due,
 * modem status deltas, THR-empty pending. */
static void ns16550a_drive(Bench *b)
{
    devfix_write(&b->d, 3, 1, 0x83); /* dlab */
    devfix_write(&b->d, 0, 1, 1);
    devfix_write(&b->d, 1, 1, 0);
    devfix_write(&b->d, 3, 1, 0x03);
    devfix_write(&b->d, 2, 1, 0x81); /* FIFOs, trigger 8 */
    devfix_write(&b->d, 1, 1, 0x0f);
    devfix_write(&b->d, 4, 1, 0x03); /* dtr, rts: no delta outside loopback */
    devfix_write(&b->d, 0, 1, 'x');
    devfix_advance(&b->d, 1500);
}

static void ns16550a_step(Bench *b, unsigned i)
{
    if (i % 2)
        devfix_read(&b->d, 0, 1);
    else
        devfix_read(&b->d, 2, 1);
    if (i == 4)
        devfix_write(&b->d, 0, 1, 'y');
    if (i == 6)
        devfix_read(&b->d, 5, 1);
    devfix_advance(&b->d, 400);
}

/* CLINT: msip set, a timer due later. */
static void clint_drive(Bench *b)
{
    wr(b, 0x0, 1);
    wr(b, 0x4004, 0);
    wr(b, 0x4000, 500);
    devfix_advance(&b->d, 100);
}

static void clint_step(Bench *b, unsigned i)
{
    if (i == 3)
        wr(b, 0x4000, 1200);
    if (i == 5)
        wr(b, 0x0, 0);
    rd(b, 0xbff8);
    devfix_advance(&b->d, 150);
}

/* PLIC: priorities, enables, two sources raised, one claimed. */
static void plic_drive(Bench *b)
{
    for (unsigned s = 1; s <= 4; s++)
        wr(b, 4 * s, s);
    wr(b, 0x2000, 0x1e);
    line(b, 1, true);
    line(b, 3, true);
    rd(b, 0x200004); /* claims 3 */
}

static void plic_step(Bench *b, unsigned i)
{
    switch (i % 6) {
    case 0: rd(b, 0x200004); break;
    case 1: wr(b, 0x200004, 3); break;
    case 2: line(b, 3, false); break;
    case 3: line(b, 2, true); break;
    case 4: wr(b, 0x200000, 2); break;
    default: wr(b, 0x200004, 1); break;
    }
    devfix_advance(&b->d, 10);
}

/* GPIO: inputs driven from outside and by I/O function 1, edges latched,
 * an injection schedule half done. */
static void gpio_drive(Bench *b)
{
    wr(b, 0x04, 0xff);      /* input_en */
    wr(b, 0x18, 0x08);      /* rise_ie */
    wr(b, 0x20, 0x10);      /* fall_ie */
    wr(b, 0x28, 0x20);      /* high_ie */
    wr(b, 0x08, 0x100);
    wr(b, 0x0c, 0x100);
    wr(b, 0x38, 0x02);      /* iof_en: pin 1 */
    wr(b, 0x3c, 0x02);      /* iof_sel: function 1 */
    line(b, 33, true);      /* IOF1 pin 1 */
    Error *err = NULL;
    assert_true(b->d.cls->set_input(b->d.dev.state, 5, true, &err));
    devfix_advance(&b->d, 600);
}

static void gpio_step(Bench *b, unsigned i)
{
    Error *err = NULL;
    if (i == 2)
        assert_true(b->d.cls->set_input(b->d.dev.state, 6, true, &err));
    if (i == 3)
        line(b, 33, false);
    if (i == 4)
        wr(b, 0x1c, 0x08); /* rise_ip cleared */
    devfix_advance(&b->d, 150);
}

/* I2C: an LM75 on the bus, a START and address in flight, a mistake
 * reported (a command while one runs). */
static void i2c_drive(Bench *b)
{
    wr(b, 0x00, 1);
    wr(b, 0x04, 0);
    wr(b, 0x08, 0xc0);     /* en, ien */
    wr(b, 0x0c, 0x90);     /* address 0x48, write */
    wr(b, 0x10, 0x90);     /* sta, wr */
    wr(b, 0x10, 0x10);     /* while busy: ignored, reported */
    devfix_advance(&b->d, 40);
}

static void i2c_step(Bench *b, unsigned i)
{
    static const uint32_t txr[] = {0, 0x00, 0, 0x91, 0, 0, 0, 0};
    static const uint32_t cr[] = {0, 0x11, 0x80, 0x91, 0, 0x21, 0, 0x69};
    if (txr[i % 8])
        wr(b, 0x0c, txr[i % 8]);
    if (cr[i % 8])
        wr(b, 0x10, cr[i % 8]);
    if (i % 8 == 2 || i % 8 == 6)
        rd(b, 0x0c);
    devfix_advance(&b->d, 60);
}

/* SPI: a flash of its own on cs0 written (WREN, a page program) and busy
 * at the save, the chip select held, frames in flight. */
static void spi_send(Bench *b, const uint8_t *bytes, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        wr(b, 0x48, bytes[i]);
}

static void spi_drive(Bench *b)
{
    wr(b, 0x00, 0);                /* sckdiv: 16 cycles a frame */
    wr(b, 0x18, 2);                /* HOLD */
    spi_send(b, (const uint8_t[]){0x06}, 1);
    devfix_advance(&b->d, 40);
    wr(b, 0x18, 0);                /* AUTO: released, WREN executes */
    wr(b, 0x18, 2);
    spi_send(b, (const uint8_t[]){0x02, 0x00, 0x10, 0x00, 0xaa, 0x55}, 6);
    devfix_advance(&b->d, 200);
    wr(b, 0x18, 0);                /* the program: busy for 10 us */
    wr(b, 0x18, 2);                /* RDSR, polled: 10 bytes back, 2 dropped */
    spi_send(b, (const uint8_t[]){0x05, 0, 0, 0, 0}, 5);
    devfix_advance(&b->d, 90);
    spi_send(b, (const uint8_t[]){0, 0, 0, 0, 0}, 5);
    devfix_advance(&b->d, 40);
}

static void spi_step(Bench *b, unsigned i)
{
    if (i == 1)
        spi_send(b, (const uint8_t[]){0}, 1); /* still full: not reported again */
    if (i == 2)
        wr(b, 0x18, 0);
    if (i == 3) {
        wr(b, 0x18, 2);
        spi_send(b, (const uint8_t[]){0x03, 0x00, 0x10, 0x00, 0, 0}, 6);
    }
    if (i == 8)
        wr(b, 0x18, 0);
    if (i >= 2)
        rd(b, 0x4c);
    devfix_advance(&b->d, 30);
}

/* AON: the watchdog counting toward its compare, the RTC past its own
 * (a 1 MHz low-frequency clock: 10 cycles a tick). */
static void aon_drive(Bench *b)
{
    wr(b, 0x1c, 0x51f15e);
    wr(b, 0x20, 40);             /* wdogcmp0 */
    wr(b, 0x1c, 0x51f15e);
    wr(b, 0x00, 1u << 12);       /* wdogcfg: enalways */
    wr(b, 0x60, 20);             /* rtccmp0 */
    wr(b, 0x40, 1u << 12);       /* rtccfg: enalways */
    devfix_advance(&b->d, 150);
}

static void aon_step(Bench *b, unsigned i)
{
    if (i == 4) {
        wr(b, 0x1c, 0x51f15e);
        wr(b, 0x18, 0x0d09f00d); /* feed */
    }
    rd(b, 0x08);
    rd(b, 0x48);
    devfix_advance(&b->d, 170);
}

/* PRCI: the crystal and the PLL restarting, not ready yet. */
static void prci_drive(Bench *b)
{
    wr(b, 0x04, 0);
    wr(b, 0x04, 1u << 30);       /* hfxoscen: ready in 1 ms */
    wr(b, 0x08, 0x00020000 | 1); /* pllrefsel, off bypass: locks later */
    devfix_advance(&b->d, 100);
}

static void prci_step(Bench *b, unsigned i)
{
    if (i == 3)
        wr(b, 0x08, 0x00020002);
    devfix_advance(&b->d, 2000);
}

/* PWM: counting, comparators set, sticky interrupts. */
static void pwm_drive(Bench *b)
{
    wr(b, 0x20, 0x30);
    wr(b, 0x24, 0x10);
    wr(b, 0x28, 0x20);
    wr(b, 0x00, (1u << 12) | (1u << 9) | (1u << 8)); /* enalways, zerocmp, sticky */
    devfix_advance(&b->d, 25);
}

static void pwm_step(Bench *b, unsigned i)
{
    if (i == 5)
        wr(b, 0x00, (1u << 12) | (1u << 9)); /* sticky off, ip cleared */
    rd(b, 0x08);
    devfix_advance(&b->d, 13);
}

static void otp_drive(Bench *b)
{
    wr(b, 0x28, 3);
    wr(b, 0x00, 1);
}

static void otp_step(Bench *b, unsigned i)
{
    if (i == 1)
        wr(b, 0x00, 0); /* lock */
    if (i == 2)
        wr(b, 0x04, 1); /* ck */
    if (i == 3)
        wr(b, 0x28, 5); /* a */
    rd(b, 0x30);
    devfix_advance(&b->d, 5);
}

/* The test finisher has no state but its reports: a hole read before the
 * save is not reported again after a load. */
static void test_drive(Bench *b)
{
    rd(b, 0x4);
}

static void test_step(Bench *b, unsigned i)
{
    rd(b, 0x4);
    rd(b, 0x8 + 4 * (i % 4));
}

static void stub_drive(Bench *b)
{
    Error *err = NULL;
    assert_true(b->d.cls->set_property(b->d.dev.state, "read-value", "0x1234", &err));
    rd(b, 0x0);
}

static void stub_step(Bench *b, unsigned i)
{
    Error *err = NULL;
    if (i == 3)
        assert_true(b->d.cls->set_property(b->d.dev.state, "read-value", "0x5678", &err));
    rd(b, 4 * (i % 6));
}

static void probe_drive(Bench *b)
{
    line(b, 1, true);
    line(b, 2, true);
}

static void probe_step(Bench *b, unsigned i)
{
    line(b, i % 8, !(i & 8));
}

/* The remap controller: ram1 selected; then a select of ram0. The dump's
 * peeks of select show it; the window's bytes are checked apart. */
static void remap_drive(Bench *b)
{
    wr(b, 0x0, 1);
}

static void remap_step(Bench *b, unsigned i)
{
    if (i == 2)
        wr(b, 0x0, 0);
    if (i == 3) {
        b->ram1_gone = true;
        wr(b, 0x0, 1); /* not there: disabled, reported */
    }
    if (i == 4)
        wr(b, 0x0, 7); /* past the last: ignored, reported */
}

/* The power controller without a machine: requests fail, error bits. */
static void power_drive(Bench *b)
{
    wr(b, 0x0, 0);
}

static void power_step(Bench *b, unsigned i)
{
    if (i == 2)
        wr(b, 0x0, 1);
    if (i == 4)
        wr(b, 0x0, 3);
}

static const ModelCase cases[] = {
    {"sifive,uart0", 0x10013000, 0, DEVFIX_KV("chardev", "test"), "hello world!",
     uart_drive, uart_step, 14},
    {"ns16550a", 0x10000000, 0, DEVFIX_KV("chardev", "test"), "0123456789abcdefghij",
     ns16550a_drive, ns16550a_step, 12},
    {"sifive,clint0", 0x2000000, 0, NULL, NULL, clint_drive, clint_step, 8},
    {"sifive,plic-1.0.0", 0xc000000, 0, DEVFIX_KV("sources", "8"), NULL, plic_drive,
     plic_step, 12},
    {"sifive,gpio0", 0x10012000, 0, DEVFIX_KV("inject", "3@500=1 3@900=0 4@700=1 4@1200=z"),
     NULL, gpio_drive, gpio_step, 8},
    {"sifive,i2c0", 0x10016000, 0, DEVFIX_KV("dev0", "lm75 address=0x48 temperature=21.5"),
     NULL, i2c_drive, i2c_step, 16},
    {"sifive,spi0", 0x10014000, 0, DEVFIX_KV("cs0", "spi-flash size=8K busy-us=10"), NULL,
     spi_drive, spi_step, 12},
    {"sifive,aon", 0x10000000, 0,
     DEVFIX_KV("lfaltclk-frequency", "1000000", "lfclksel", "0"), NULL, aon_drive, aon_step,
     8},
    {"sifive,fe310-prci", 0x10008000, 0, NULL, NULL, prci_drive, prci_step, 8},
    {"sifive,pwm0", 0x10015000, 0, DEVFIX_KV("cmp-width", "8"), NULL, pwm_drive, pwm_step, 10},
    {"sifive,otp0", 0x10010000, 0, NULL, NULL, otp_drive, otp_step, 4},
    {"sifive,test0", 0x100000, 0, NULL, NULL, test_drive, test_step, 6},
    {"memory-mapped-stub", 0x10024000, 0, NULL, NULL, stub_drive, stub_step, 8},
    {"mcusim,irq-probe", 0x10030000, 0, DEVFIX_KV("inputs", "8"), NULL, probe_drive,
     probe_step, 12},
    {"mcusim,remap-controller", 0x10040000, 0,
     DEVFIX_KV("window", "0x30000000", "window-size", "0x1000", "targets", "ram0 ram1"),
     NULL, remap_drive, remap_step, 6},
    {"mcusim,power-controller", 0x10050000, 0, DEVFIX_KV("domains", "a b"), NULL,
     power_drive, power_step, 6},
};
#define NCASES (sizeof cases / sizeof cases[0])

/* ---- the tests each case runs ---- */

/* Save, run, put the world back, load, run: the same run. */
static void test_a_load_replays_the_same_run(void **state)
{
    const ModelCase *c = *state;
    Bench b;
    bench_setup(&b, c);
    c->drive(&b);
    World w = world_now(&b);
    size_t len;
    uint8_t *saved = save(&b, &len);
    char *first = run(&b, c, w.outlen, w.loglen);
    world_put_back(&b, &w);
    Error *err = NULL;
    if (!load(&b, saved, len, &err))
        fail_msg("load: %s", error_message(err));
    char *again = run(&b, c, w.outlen, w.loglen);
    if (strcmp(first, again) != 0 && getenv("DUMPDIR")) {
        char path[256];
        snprintf(path, sizeof path, "%s/%s.a", getenv("DUMPDIR"), c->type);
        FILE *fa = fopen(path, "w"); fputs(first, fa); fclose(fa);
        snprintf(path, sizeof path, "%s/%s.b", getenv("DUMPDIR"), c->type);
        fa = fopen(path, "w"); fputs(again, fa); fclose(fa);
    }
    assert_string_equal(first, again);
    free(first);
    free(again);
    free(saved);
    bench_teardown(&b);
}

/* Every truncation refused, every flipped byte refused or taken; a
 * refusal changes nothing (the device saves the same bytes), and a device
 * that took hostile bytes still runs. */
static void test_truncated_or_corrupt_state_is_refused_or_harmless(void **state)
{
    const ModelCase *c = *state;
    Bench b;
    bench_setup(&b, c);
    c->drive(&b);
    size_t len, now_len;
    uint8_t *saved = save(&b, &len);
    c->step(&b, 0);
    uint8_t *now = save(&b, &now_len);
    uint8_t *copy = malloc(len);
    for (size_t n = 0; n < len; n++) {
        memcpy(copy, saved, n);
        Error *err = NULL;
        assert_false(load(&b, copy, n, &err));
        assert_non_null(strstr(error_message(err), c->type));
        error_free(err);
    }
    size_t check_len;
    uint8_t *check = save(&b, &check_len);
    assert_int_equal(check_len, now_len);
    assert_memory_equal(check, now, now_len);
    free(check);
    for (size_t i = 0; i < len; i++) {
        memcpy(copy, saved, len);
        copy[i] ^= 0xff;
        Error *err = NULL;
        if (load(&b, copy, len, &err)) {
            c->step(&b, 1); /* runs with what it took (the sanitizers watch) */
            assert_true(load(&b, now, now_len, NULL));
            continue;
        }
        error_free(err);
        check = save(&b, &check_len);
        if (check_len != now_len || memcmp(check, now, now_len) != 0)
            fail_msg("a refused load (byte %zu flipped) changed the device", i);
        free(check);
    }
    free(copy);
    free(now);
    free(saved);
    bench_teardown(&b);
}

/* Data of the next model in the list: refused by name, nothing changed. */
static void test_another_models_state_is_refused(void **state)
{
    const ModelCase *c = *state;
    const ModelCase *other = c == &cases[NCASES - 1] ? &cases[0] : c + 1;
    Bench b, o;
    bench_setup(&o, other);
    size_t other_len;
    uint8_t *other_state = save(&o, &other_len);
    bench_teardown(&o);
    bench_setup(&b, c);
    c->drive(&b);
    size_t len, after_len;
    uint8_t *before = save(&b, &len);
    Error *err = NULL;
    assert_false(load(&b, other_state, other_len, &err));
    char want[128];
    snprintf(want, sizeof want, "%s: saved state is of '%s'", c->type, other->type);
    devfix_expect_error(err, want);
    uint8_t *after = save(&b, &after_len);
    assert_int_equal(after_len, len);
    assert_memory_equal(after, before, len);
    free(after);
    free(before);
    free(other_state);
    bench_teardown(&b);
}

/* ---- the registry ---- */

static void test_every_model_and_bus_device_has_both_hooks(void **state)
{
    (void)state;
    for (size_t i = 0; i < registry_count(); i++) {
        const PeripheralClass *cls = registry_at(i);
        if (!cls->save_state || !cls->load_state)
            fail_msg("%s has no snapshot hooks", cls->type);
        bool tested = false;
        for (size_t k = 0; k < NCASES; k++)
            tested |= strcmp(cases[k].type, cls->type) == 0;
        if (!tested)
            fail_msg("%s has no case here", cls->type);
    }
    for (size_t i = 0; i < bus_device_count(); i++) {
        const BusDeviceClass *cls = bus_device_at(i);
        if (!cls->save_state || !cls->load_state)
            fail_msg("bus device %s has no snapshot hooks", cls->type);
    }
}

/* ---- hostile values each model refuses ---- */

/* The payload of the register bank's record `name` inside a table
 * model's saved state (regs.c's layout: kind, name length, name, u32
 * payload length, payload). */
static uint8_t *record(uint8_t *data, size_t len, char kind, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i + 2 + n + 4 <= len; i++)
        if (data[i] == (uint8_t)kind && data[i + 1] == n && memcmp(data + i + 2, name, n) == 0)
            return data + i + 2 + n + 4;
    fail_msg("no record %c %s", kind, name);
    return NULL;
}

/* Saves `c`'s device after its drive, lets `patch` spoil the bytes, and
 * expects the load refused with `message` inside its error, the device
 * unchanged. */
static void expect_refused(const ModelCase *c, void (*patch)(uint8_t *, size_t),
                           const char *message)
{
    Bench b;
    bench_setup(&b, c);
    c->drive(&b);
    size_t len, after_len;
    uint8_t *saved = save(&b, &len);
    uint8_t *before = save(&b, &len);
    patch(saved, len);
    Error *err = NULL;
    assert_false(load(&b, saved, len, &err));
    if (!strstr(error_message(err), message))
        fail_msg("'%s' does not say '%s'", error_message(err), message);
    error_free(err);
    uint8_t *after = save(&b, &after_len);
    assert_memory_equal(after, before, len);
    free(after);
    free(before);
    free(saved);
    bench_teardown(&b);
}

static const ModelCase *case_of(const char *type)
{
    for (size_t i = 0; i < NCASES; i++)
        if (strcmp(cases[i].type, type) == 0)
            return &cases[i];
    fail_msg("no case %s", type);
    return NULL;
}

static void uart_rx_count_9(uint8_t *d, size_t n) { record(d, n, 'S', "rx")[9] = 9; }
static void uart_tx_head_8(uint8_t *d, size_t n) { record(d, n, 'S', "tx")[8] = 8; }
static void uart_busy_2(uint8_t *d, size_t n) { record(d, n, 'B', "tx_busy")[0] = 2; }
static void ns_head_16(uint8_t *d, size_t n) { record(d, n, 'S', "rx_head")[0] = 16; }
static void plic_pending_9(uint8_t *d, size_t n) { record(d, n, 'R', "pending")[1] |= 2; }
static void plic_level_past(uint8_t *d, size_t n) { record(d, n, 'S', "level")[3] = 0x80; }
static void gpio_next_9(uint8_t *d, size_t n) { record(d, n, 'S', "next_inject")[0] = 9; }
static void aon_div_0(uint8_t *d, size_t n) { memset(record(d, n, 'S', "lf_div"), 0, 8); }
static void pwm_scale_16(uint8_t *d, size_t n) { record(d, n, 'S', "run")[16] = 16; }
static void pwm_bool_3(uint8_t *d, size_t n) { record(d, n, 'S', "now")[13] = 3; }
static void i2c_select_empty(uint8_t *d, size_t n) { record(d, n, 'S', "selected")[0] = 0x80; }
static void spi_cs_4(uint8_t *d, size_t n)
{
    record(d, n, 'B', "cs_active")[0] = 1;
    record(d, n, 'S', "active_id")[0] = 4;
}
static void remap_select_2(uint8_t *d, size_t n) { record(d, n, 'S', "select")[0] = 2; }
static void log_count_17(uint8_t *d, size_t n) { record(d, n, 'L', "#reports")[0] = 17; }
static void version_2(uint8_t *d, size_t n)
{
    size_t type_len = d[2] | (size_t)d[3] << 8; /* "MS", u32 length, type, u32 version */
    d[2 + 4 + type_len] = 2;
}

static void test_hostile_values_are_refused(void **state)
{
    (void)state;
    expect_refused(case_of("sifive,uart0"), uart_rx_count_9, "saved FIFOs hold more");
    expect_refused(case_of("sifive,uart0"), uart_tx_head_8, "saved FIFOs hold more");
    expect_refused(case_of("sifive,uart0"), uart_busy_2, "tx_busy is not a truth value");
    expect_refused(case_of("ns16550a"), ns_head_16, "does not fit its 16 entries");
    expect_refused(case_of("sifive,plic-1.0.0"), plic_pending_9,
                   "bitmap word 0 names sources past 8");
    expect_refused(case_of("sifive,plic-1.0.0"), plic_level_past,
                   "bitmap word 0 names sources past 8");
    expect_refused(case_of("sifive,gpio0"), gpio_next_9, "injection 9 is past the 4");
    expect_refused(case_of("sifive,aon"), aon_div_0, "low-frequency clock");
    expect_refused(case_of("sifive,pwm0"), pwm_scale_16, "counter state");
    expect_refused(case_of("sifive,pwm0"), pwm_bool_3, "counter state");
    expect_refused(case_of("sifive,i2c0"), i2c_select_empty, "targets in empty slots");
    expect_refused(case_of("sifive,spi0"), spi_cs_4, "asserts chip select 4 of 1");
    expect_refused(case_of("mcusim,remap-controller"), remap_select_2,
                   "select 2 is past the last target");
    expect_refused(case_of("sifive,test0"), log_count_17, "report log is not valid");
    expect_refused(case_of("sifive,otp0"), version_2, "layout version 2, this model reads 1");
}

/* An event the instance does not have cannot come back pending: a GPIO
 * without injections has no event for them. */
static void test_a_pending_event_the_instance_lacks_is_refused(void **state)
{
    (void)state;
    const ModelCase *c = case_of("sifive,gpio0");
    Bench with, without;
    bench_setup(&with, c);
    size_t len;
    uint8_t *saved = save(&with, &len);
    bench_teardown(&with);
    ModelCase bare = *c;
    bare.props = NULL;
    bench_setup(&without, &bare);
    Error *err = NULL;
    assert_false(load(&without, saved, len, &err));
    devfix_expect_error(err, "sifive,gpio0: saved state does not match: inject_event is "
                        "pending, and this instance has no such event");
    free(saved);
    bench_teardown(&without);
}

/* Another configuration: a PLIC of 8 sources takes no state of one of
 * 16; a flash of 8K none of one of 4K; a controller with a device none
 * saved without. */
static void test_another_configuration_is_refused(void **state)
{
    (void)state;
    ModelCase c = *case_of("sifive,plic-1.0.0"), d = c, f = *case_of("sifive,spi0"), g = f;
    d.props = DEVFIX_KV("sources", "16");
    g.props = DEVFIX_KV("cs0", "spi-flash size=4K busy-us=10");
    const struct { const ModelCase *from, *to; const char *message; } pairs[] = {
        {&d, &c, "sifive,plic-1.0.0: saved state does not match: priority has 68 bytes, "
                 "expected 36"},
        {&g, &f, "sifive,spi0: 'dev.cs0': spi-flash: saved state is of a 0x1000-byte "
                 "stand-alone flash, this one 0x2000 bytes stand-alone"},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        Bench from, to;
        bench_setup(&from, pairs[i].from);
        size_t len;
        uint8_t *saved = save(&from, &len);
        bench_teardown(&from);
        bench_setup(&to, pairs[i].to);
        Error *err = NULL;
        assert_false(load(&to, saved, len, &err));
        devfix_expect_error(err, pairs[i].message);
        free(saved);
        bench_teardown(&to);
    }
    Bench with, without;
    ModelCase bare = *case_of("sifive,i2c0");
    bench_setup(&with, &bare);
    size_t len;
    uint8_t *saved = save(&with, &len);
    bench_teardown(&with);
    bare.props = NULL;
    bench_setup(&without, &bare);
    Error *err = NULL;
    assert_false(load(&without, saved, len, &err));
    devfix_expect_error(err, "sifive,i2c0: 'dev.dev0' holds no device, the saved state "
                        "is of lm75");
    free(saved);
    bench_teardown(&without);
}

/* ---- what particular models keep ---- */

/* The remap controller's window shows, after a load, what it showed when
 * saved (not what select alone would say). */
static void test_the_remap_window_comes_back(void **state)
{
    (void)state;
    const ModelCase *c = case_of("mcusim,remap-controller");
    Bench b;
    bench_setup(&b, c);
    c->drive(&b); /* ram1 */
    size_t len;
    uint8_t *saved = save(&b, &len);
    uint32_t v = 0;
    assert_true(memory_debug_read(b.d.ms, 0x30000000, &v, 4, NULL));
    assert_int_equal(v, 0x22222222);
    wr(&b, 0x0, 0);
    assert_true(memory_debug_read(b.d.ms, 0x30000000, &v, 4, NULL));
    assert_int_equal(v, 0x11111111);
    assert_true(load(&b, saved, len, NULL));
    assert_true(memory_debug_read(b.d.ms, 0x30000000, &v, 4, NULL));
    assert_int_equal(v, 0x22222222);
    free(saved);
    bench_teardown(&b);
}

/* A load drives the outputs' levels as saved, and an output already at
 * its level is driven with it again, not toggled. */
static void test_a_load_drives_the_saved_levels(void **state)
{
    (void)state;
    const ModelCase *c = case_of("sifive,clint0");
    Bench b;
    bench_setup(&b, c);
    c->drive(&b); /* msip high, mtimecmp in the future */
    size_t len;
    uint8_t *saved = save(&b, &len);
    devfix_advance(&b.d, 500); /* mti rises */
    wr(&b, 0x0, 0);            /* msip falls */
    assert_int_equal(devfix_irq_mask(&b.d), 0x2);
    unsigned msi_changes = b.d.irq[0].changes;
    clock_rewind(b.d.clock, 100);
    assert_true(load(&b, saved, len, NULL));
    assert_int_equal(devfix_irq_mask(&b.d), 0x1);
    assert_int_equal(b.d.irq[0].changes, msi_changes + 1);
    assert_int_equal(clock_next_deadline(b.d.clock), 500);
    free(saved);
    bench_teardown(&b);
}

#define CASE_TESTS(i)                                                            \
    cmocka_unit_test_prestate(test_a_load_replays_the_same_run, (void *)&cases[i]), \
    cmocka_unit_test_prestate(test_truncated_or_corrupt_state_is_refused_or_harmless, \
                              (void *)&cases[i]),                                \
    cmocka_unit_test_prestate(test_another_models_state_is_refused, (void *)&cases[i])

int main(void)
{
    const struct CMUnitTest tests[] = {
        CASE_TESTS(0), CASE_TESTS(1), CASE_TESTS(2), CASE_TESTS(3),
        CASE_TESTS(4), CASE_TESTS(5), CASE_TESTS(6), CASE_TESTS(7),
        CASE_TESTS(8), CASE_TESTS(9), CASE_TESTS(10), CASE_TESTS(11),
        CASE_TESTS(12), CASE_TESTS(13), CASE_TESTS(14), CASE_TESTS(15),
        cmocka_unit_test(test_every_model_and_bus_device_has_both_hooks),
        cmocka_unit_test(test_hostile_values_are_refused),
        cmocka_unit_test(test_a_pending_event_the_instance_lacks_is_refused),
        cmocka_unit_test(test_another_configuration_is_refused),
        cmocka_unit_test(test_the_remap_window_comes_back),
        cmocka_unit_test(test_a_load_drives_the_saved_levels),
    };
    _Static_assert(NCASES == 16, "a CASE_TESTS line per case");
    return cmocka_run_group_tests(tests, NULL, NULL);
}
