/* The SiFive SPI controller (peripherals/sifive_spi.c) on
 * tests/unit/device_fixture.h, as the FE310-G002 manual's SPI chapter
 * describes it: the register table (reset values of a flash-enabled QSPI0
 * and a plain 4-chip-select SPI1, writable bits, access sizes, registers
 * only flash-enabled controllers have), the FIFOs and their watermark
 * interrupts, frame timing from sckdiv, fmt and the bus clock, the
 * chip-select modes, the direct-map window following fctrl.en, the devices
 * on the chip selects (created from cs0..cs3, replaced live), bad
 * properties refused with file:line:col, a machine reset, no clock.
 *
 * The device on the chip selects is spi-flash (peripherals/spi_flash.c),
 * used as the test device: what it answers shows which chip select was
 * low, and the commands that execute only when its chip select rises
 * (WREN: WEL in the status register) show exactly when each rising edge
 * came. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "peripherals/regs.h"
#include "tests/unit/device_fixture.h"

#define BASE 0x10014000u
#define FLASH_BASE 0x20000000u
#define FLASH_SIZE 0x10000u

/* sifive,spi0 offsets (FE310-G002 manual, SPI register map) */
enum { SCKDIV = 0x00, SCKMODE = 0x04, CSID = 0x10, CSDEF = 0x14, CSMODE = 0x18,
       DELAY0 = 0x28, DELAY1 = 0x2c, FMT = 0x40, TXDATA = 0x48, RXDATA = 0x4c,
       TXMARK = 0x50, RXMARK = 0x54, FCTRL = 0x60, FFMT = 0x64, IE = 0x70,
       IP = 0x74 };
enum { AUTO = 0, HOLD = 2, OFF = 3 };
#define FMT_RX8 0x00080000u /* single, MSB first, Rx, 8 bits */
#define FULL 0x80000000u
#define EMPTY 0x80000000u

/* The fixture plus a board memory "flash" the window and a memory-backed
 * flash can name. */
typedef struct Fixture {
    DevFixture f; /* first: the host hooks get its address */
    Owner *mem_owner;
    MemoryRegion *mem;
} Fixture;

static MemoryRegion *find_region(void *opaque, const char *name)
{
    Fixture *fx = opaque;
    return strcmp(name, "flash") == 0 ? fx->mem : NULL;
}

static bool map_region(void *opaque, MemoryRegion *region, uint64_t base,
                       int priority, Error **errp)
{
    Fixture *fx = opaque;
    return memory_add_subregion_overlap(fx->f.bus, base, region, priority, errp);
}

static void bench(Fixture *fx, bool with_clock)
{
    devfix_setup(&fx->f, 0);
    if (!with_clock)
        fx->f.host.clock = NULL;
    fx->f.host.find_region = find_region;
    fx->f.host.map_region = map_region;
    fx->mem_owner = owner_new(fx->f.ms, "flash", NULL, NULL);
    fx->mem = memory_region_new_rom(fx->mem_owner, "flash", FLASH_SIZE, NULL);
    uint8_t *bytes = memory_region_host_ptr(fx->mem);
    for (uint32_t i = 0; i < FLASH_SIZE; i++)
        bytes[i] = (uint8_t)(i * 7 + 1);
    assert_true(memory_add_subregion(fx->f.bus, FLASH_BASE, fx->mem, NULL));
}

static bool try_create(Fixture *fx, bool with_clock, const char *const *kv,
                       Error **errp)
{
    bench(fx, with_clock);
    return devfix_try_create(&fx->f, "sifive,spi0", "spi0", BASE, 0, kv, errp);
}

static void setup_with(Fixture *fx, bool with_clock, const char *const *kv)
{
    Error *err = NULL;
    if (!try_create(fx, with_clock, kv, &err))
        fail_msg("create: %s", error_message(err));
}

static void setup(Fixture *fx, const char *const *kv) { setup_with(fx, true, kv); }

static void teardown(Fixture *fx)
{
    owner_unref(fx->mem_owner); /* the bus link (and any alias) keep it */
    devfix_teardown(&fx->f);
}

static uint32_t rd(Fixture *fx, uint32_t off) { return devfix_read(&fx->f, off, 4); }
static void wr(Fixture *fx, uint32_t off, uint32_t v) { devfix_write(&fx->f, off, 4, v); }
static uint32_t peek(Fixture *fx, uint32_t off) { return devfix_peek(&fx->f, off, 4); }
static uint64_t now(Fixture *fx) { return clock_now(fx->f.clock); }

/* Runs until a byte is in the RX FIFO (bounded by steps, not time) and
 * takes it. */
static uint8_t take_rx(Fixture *fx)
{
    for (unsigned step = 0; step < 100000; step++) {
        uint32_t v = rd(fx, RXDATA);
        if (!(v & EMPTY))
            return (uint8_t)v;
        devfix_advance(&fx->f, 1);
    }
    fail_msg("no byte came back");
    return 0;
}

/* One frame, waited for. */
static uint8_t frame(Fixture *fx, uint8_t out)
{
    wr(fx, TXDATA, out);
    return take_rx(fx);
}

/* A transaction in HOLD mode: the chip select rises when csmode goes back
 * to AUTO. */
static void transaction(Fixture *fx, const uint8_t *out, uint8_t *in, size_t n)
{
    wr(fx, CSMODE, HOLD);
    for (size_t i = 0; i < n; i++) {
        uint8_t b = frame(fx, out[i]);
        if (in)
            in[i] = b;
    }
    wr(fx, CSMODE, AUTO);
}

static uint32_t jedec(Fixture *fx)
{
    uint8_t out[4] = {0x9f, 0, 0, 0}, in[4];
    transaction(fx, out, in, 4);
    return (uint32_t)in[1] << 16 | (uint32_t)in[2] << 8 | in[3];
}

/* RDSR in one held transaction. */
static uint8_t status(Fixture *fx)
{
    uint8_t out[2] = {0x05, 0}, in[2];
    transaction(fx, out, in, 2);
    return in[1];
}

static void expect_create_error(const char *const *kv, const char *message)
{
    Fixture fx = {0};
    Error *err = NULL;
    assert_false(try_create(&fx, true, kv, &err));
    devfix_expect_error(err, message);
    teardown(&fx);
}

/* ---- the register table ---- */

static void test_spi_class_and_table(void **state)
{
    const PeripheralClass *cls = registry_find("sifive,spi0");
    assert_non_null(cls);
    assert_int_equal(cls->irq_outputs, 1);
    assert_string_equal(cls->irq_output_names[0], "irq");
    assert_int_equal(cls->default_size, 0x1000);
    assert_non_null(cls->registers);
    Error *err = NULL;
    if (!regs_check(cls->registers, "sifive,spi0", &err))
        fail_msg("regs_check: %s", error_message(err));
}

static void test_spi_flash_enabled_reset_values(void **state)
{
    Fixture fx = {0};
    setup(&fx, DEVFIX_KV("flash-window", "flash"));
    assert_int_equal(peek(&fx, SCKDIV), 0x3);
    assert_int_equal(peek(&fx, SCKMODE), 0);
    assert_int_equal(peek(&fx, CSID), 0);
    assert_int_equal(peek(&fx, CSDEF), 0x1);
    assert_int_equal(peek(&fx, CSMODE), AUTO);
    assert_int_equal(peek(&fx, DELAY0), 0x00010001);
    assert_int_equal(peek(&fx, DELAY1), 0x00000001);
    assert_int_equal(peek(&fx, FMT), 0x00080008); /* dir 1: flash-enabled */
    assert_int_equal(peek(&fx, TXDATA), 0);
    assert_int_equal(peek(&fx, RXDATA), EMPTY);
    assert_int_equal(peek(&fx, TXMARK), 1);       /* flash-enabled */
    assert_int_equal(peek(&fx, RXMARK), 0);
    assert_int_equal(peek(&fx, FCTRL), 1);
    assert_int_equal(peek(&fx, FFMT), 0x00030007);
    assert_int_equal(peek(&fx, IE), 0);
    assert_int_equal(peek(&fx, IP), 0x1); /* txwm: 0 queued < 1 */
    assert_false(fx.f.irq[0].level);
    teardown(&fx);
}

static void test_spi_plain_controller_reset_values(void **state)
{
    Fixture fx = {0};
    setup(&fx, DEVFIX_KV("num-cs", "4"));
    assert_int_equal(peek(&fx, CSDEF), 0xf);
    assert_int_equal(peek(&fx, FMT), 0x00080000);
    assert_int_equal(peek(&fx, TXMARK), 0);
    assert_int_equal(peek(&fx, IP), 0);
    /* no direct-map interface: no fctrl, no ffmt */
    assert_int_equal(rd(&fx, FCTRL), 0);
    assert_int_equal(rd(&fx, FFMT), 0);
    wr(&fx, FCTRL, 0);
    assert_int_equal(devfix_log_count(&fx.f, "no register there"), 3);
    /* frames go at once: nothing waits for fctrl.en */
    wr(&fx, TXDATA, 0x55);
    assert_int_equal(take_rx(&fx), 0xff); /* nothing on MISO */
    teardown(&fx);
}

static void test_spi_writable_bits(void **state)
{
    Fixture fx = {0};
    setup(&fx, DEVFIX_KV("flash-window", "flash"));
    static const struct { uint32_t off, bits; } regs[] = {
        {SCKDIV, 0xfff}, {SCKMODE, 0x3}, {CSID, 0x1}, {CSDEF, 0x1},
        {DELAY0, 0x00ff00ff}, {DELAY1, 0x00ff00ff}, {FMT, 0x000f000f},
        {TXMARK, 0x7}, {RXMARK, 0x7}, {FFMT, 0xffffffff}, {IE, 0x3},
    };
    for (size_t i = 0; i < sizeof regs / sizeof regs[0]; i++) {
        wr(&fx, regs[i].off, 0xffffffff);
        assert_int_equal(rd(&fx, regs[i].off), regs[i].bits);
        wr(&fx, regs[i].off, 0);
        assert_int_equal(rd(&fx, regs[i].off), 0);
    }
    wr(&fx, CSMODE, 0xffffffff);
    assert_int_equal(rd(&fx, CSMODE), OFF);
    wr(&fx, FCTRL, 0xfffffffe);
    assert_int_equal(rd(&fx, FCTRL), 0);
    /* read-only: ip (derived), rxdata */
    wr(&fx, IP, 0);
    wr(&fx, RXDATA, 0x12);
    assert_int_equal(rd(&fx, RXDATA), EMPTY);
    teardown(&fx);

    Fixture four = {0};
    setup(&four, DEVFIX_KV("num-cs", "4"));
    wr(&four, CSID, 0xffffffff);
    assert_int_equal(rd(&four, CSID), 0x3);
    wr(&four, CSDEF, 0xffffffff);
    assert_int_equal(rd(&four, CSDEF), 0xf);
    teardown(&four);
}

static void test_spi_access_sizes(void **state)
{
    Fixture fx = {0};
    setup(&fx, NULL);
    uint32_t v;
    assert_int_equal(devfix_try_read(&fx.f, SCKDIV, 1, &v), MEM_BUS_ERROR);
    assert_int_equal(devfix_try_read(&fx.f, FMT + 2, 2, &v), MEM_BUS_ERROR);
    teardown(&fx);

    Fixture ign = {0};
    setup(&ign, DEVFIX_KV("bad-access", "ignore"));
    assert_int_equal(devfix_try_read(&ign.f, SCKDIV, 1, &v), MEM_OK);
    assert_int_equal(v, 0);
    assert_int_equal(devfix_log_count(&ign.f, "sckdiv is a 4-byte register"), 1);
    teardown(&ign);
}

/* freedom-metal's sifive_spi0 driver (and code built on it) queues each
 * byte with a byte store to txdata (METAL_SPI_REGB): the byte goes out
 * as a word write's would, and reads of the byte holding `full` work. */
static void test_spi_txdata_takes_byte_writes(void **state)
{
    Fixture fx = {0};
    setup(&fx, DEVFIX_KV("cs0", "spi-flash jedec-id=0xc22017"));
    wr(&fx, FMT, FMT_RX8);
    wr(&fx, CSMODE, HOLD);
    uint8_t in[4];
    const uint8_t out[4] = {0x9f, 0, 0, 0};
    for (unsigned i = 0; i < 4; i++) {
        assert_int_equal(devfix_try_write(&fx.f, TXDATA, 1, out[i]), MEM_OK);
        in[i] = take_rx(&fx);
    }
    wr(&fx, CSMODE, AUTO);
    assert_int_equal(in[1] << 16 | in[2] << 8 | in[3], 0xc22017);
    uint32_t v;
    for (unsigned i = 0; i < 9; i++) /* one in flight, eight queued */
        assert_int_equal(devfix_try_write(&fx.f, TXDATA, 1, 0), MEM_OK);
    assert_int_equal(devfix_try_read(&fx.f, TXDATA + 3, 1, &v), MEM_OK);
    assert_int_equal(v, FULL >> 24);
    assert_int_equal(devfix_log_count(&fx.f, "txdata"), 0);
    teardown(&fx);
}

/* ---- FIFOs, watermarks, timing ---- */

static void test_spi_tx_fifo_waits_for_the_direct_map_interface(void **state)
{
    Fixture fx = {0};
    setup(&fx, DEVFIX_KV("flash-window", "flash"));
    wr(&fx, FMT, FMT_RX8);
    for (int i = 0; i < 9; i++) /* the ninth is dropped */
        wr(&fx, TXDATA, (uint32_t)i);
    assert_int_equal(rd(&fx, TXDATA), FULL);
    assert_int_equal(devfix_log_count(&fx.f, "transmit FIFO is full"), 1);
    devfix_advance(&fx.f, 10000);
    assert_int_equal(rd(&fx, TXDATA), FULL); /* fctrl.en: the wires are not ours */
    assert_int_equal(rd(&fx, RXDATA), EMPTY);
    wr(&fx, FCTRL, 0);
    devfix_advance(&fx.f, 8 * 64);
    assert_int_equal(rd(&fx, TXDATA), 0);
    for (int i = 0; i < 8; i++)
        assert_int_equal(rd(&fx, RXDATA), 0xff);
    assert_int_equal(rd(&fx, RXDATA), EMPTY);
    teardown(&fx);
}

static void test_spi_frame_takes_len_sck_periods(void **state)
{
    Fixture fx = {0};
    setup(&fx, NULL); /* bus clock = the CPU's */
    wr(&fx, FMT, FMT_RX8);
    /* sckdiv 3: SCK = clock / 8, so 8 bits take 64 cycles */
    uint64_t t0 = now(&fx);
    wr(&fx, TXDATA, 0x11);
    devfix_run_until(&fx.f, t0 + 63);
    assert_int_equal(peek(&fx, RXDATA), EMPTY);
    devfix_run_until(&fx.f, t0 + 64);
    assert_int_equal(rd(&fx, RXDATA), 0xff);
    /* sckdiv 0, len 5: 5 periods of 2 cycles */
    wr(&fx, SCKDIV, 0);
    wr(&fx, FMT, 0x00050000);
    t0 = now(&fx);
    wr(&fx, TXDATA, 0x11);
    devfix_run_until(&fx.f, t0 + 9);
    assert_int_equal(peek(&fx, RXDATA), EMPTY);
    devfix_run_until(&fx.f, t0 + 10);
    assert_int_equal(rd(&fx, RXDATA), 0xff);
    /* quad: 8 bits in 2 periods */
    wr(&fx, FMT, 0x00080002);
    t0 = now(&fx);
    wr(&fx, TXDATA, 0x11);
    devfix_run_until(&fx.f, t0 + 3);
    assert_int_equal(peek(&fx, RXDATA), EMPTY);
    devfix_run_until(&fx.f, t0 + 4);
    assert_int_equal(rd(&fx, RXDATA), 0xff);
    /* back to back: the FIFO drains one frame after another */
    wr(&fx, FMT, FMT_RX8); /* 16 cycles a frame */
    t0 = now(&fx);
    for (int i = 0; i < 3; i++)
        wr(&fx, TXDATA, 0);
    devfix_run_until(&fx.f, t0 + 47);
    assert_int_equal(rd(&fx, RXDATA), 0xff);
    assert_int_equal(rd(&fx, RXDATA), 0xff);
    assert_int_equal(rd(&fx, RXDATA), EMPTY);
    devfix_run_until(&fx.f, t0 + 48);
    assert_int_equal(rd(&fx, RXDATA), 0xff);
    teardown(&fx);
}

static void test_spi_clock_frequency_divides(void **state)
{
    Fixture fx = {0};
    /* a bus clock at twice the CPU's: the 64 bus cycles of a frame are 32 */
    char hz[32];
    snprintf(hz, sizeof hz, "%u", 2 * DEVFIX_CPU_HZ);
    setup(&fx, DEVFIX_KV("clock-frequency", hz));
    wr(&fx, FMT, FMT_RX8);
    uint64_t t0 = now(&fx);
    wr(&fx, TXDATA, 0);
    devfix_run_until(&fx.f, t0 + 31);
    assert_int_equal(peek(&fx, RXDATA), EMPTY);
    devfix_run_until(&fx.f, t0 + 32);
    assert_int_equal(rd(&fx, RXDATA), 0xff);
    teardown(&fx);
}

static void test_spi_dir_tx_fills_no_rx(void **state)
{
    Fixture fx = {0};
    setup(&fx, NULL);
    wr(&fx, FMT, FMT_RX8 | 0x8);
    wr(&fx, TXDATA, 1);
    devfix_advance(&fx.f, 1000);
    assert_int_equal(rd(&fx, RXDATA), EMPTY);
    assert_int_equal(rd(&fx, TXDATA), 0); /* it went */
    teardown(&fx);
}

static void test_spi_watermark_interrupts(void **state)
{
    Fixture fx = {0};
    setup(&fx, DEVFIX_KV("flash-window", "flash"));
    wr(&fx, FMT, FMT_RX8);
    wr(&fx, IE, 0x1);
    assert_true(fx.f.irq[0].level); /* txwm: 0 < txmark 1 */
    wr(&fx, TXDATA, 0); /* held: fctrl.en */
    assert_int_equal(rd(&fx, IP), 0);
    assert_false(fx.f.irq[0].level);
    wr(&fx, TXMARK, 2);
    assert_true(fx.f.irq[0].level);
    wr(&fx, TXMARK, 0);
    assert_false(fx.f.irq[0].level);
    /* rxwm: more than rxmark bytes received */
    wr(&fx, IE, 0x2);
    wr(&fx, RXMARK, 2);
    wr(&fx, TXDATA, 0);
    wr(&fx, TXDATA, 0);
    wr(&fx, FCTRL, 0);
    uint64_t t0 = now(&fx);
    devfix_run_until(&fx.f, t0 + 3 * 64 - 1);
    assert_int_equal(rd(&fx, IP), 0);
    assert_false(fx.f.irq[0].level);
    devfix_run_until(&fx.f, t0 + 3 * 64);
    assert_int_equal(rd(&fx, IP), 0x2);
    assert_true(fx.f.irq[0].level);
    assert_int_equal(fx.f.irq[0].rose_at, t0 + 3 * 64);
    rd(&fx, RXDATA);
    assert_false(fx.f.irq[0].level);
    teardown(&fx);
}

static void test_spi_rx_overflow_drops_and_reports_once(void **state)
{
    Fixture fx = {0};
    setup(&fx, DEVFIX_KV("cs0", "spi-flash"));
    wr(&fx, FMT, FMT_RX8);
    wr(&fx, CSMODE, HOLD);
    uint8_t cmd[] = {0x9f, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    for (size_t i = 0; i < 8; i++)
        wr(&fx, TXDATA, cmd[i]);
    devfix_advance(&fx.f, 8 * 64);
    wr(&fx, TXDATA, 0);
    wr(&fx, TXDATA, 0);
    devfix_advance(&fx.f, 2 * 64);
    assert_int_equal(devfix_log_count(&fx.f, "receive FIFO full"), 1);
    static const uint8_t kept[] = {0xff, 0x9d, 0x60, 0x18, 0, 0, 0, 0};
    for (size_t i = 0; i < 8; i++)
        assert_int_equal(rd(&fx, RXDATA), kept[i]);
    assert_int_equal(rd(&fx, RXDATA), EMPTY);
    teardown(&fx);
}

/* ---- chip selects ---- */

static void test_spi_auto_mode_releases_after_each_frame(void **state)
{
    Fixture fx = {0};
    setup(&fx, DEVFIX_KV("cs0", "spi-flash"));
    wr(&fx, FMT, FMT_RX8);
    /* AUTO: 0x9f and the next byte are two transactions */
    assert_int_equal(frame(&fx, 0x9f), 0xff);
    assert_int_equal(frame(&fx, 0x00), 0xff);
    /* WREN executes on its own rising edge, at the end of its frame */
    assert_int_equal(frame(&fx, 0x06), 0xff);
    assert_int_equal(status(&fx) & 0x2, 0x2);
    teardown(&fx);
}

static void test_spi_hold_mode_keeps_the_chip_select(void **state)
{
    Fixture fx = {0};
    setup(&fx, DEVFIX_KV("cs0", "spi-flash jedec-id=0xc22017"));
    wr(&fx, FMT, FMT_RX8);
    assert_int_equal(jedec(&fx), 0xc22017);
    /* WREN in HOLD: no rising edge until csmode leaves HOLD */
    wr(&fx, CSMODE, HOLD);
    frame(&fx, 0x06);
    devfix_advance(&fx.f, 1000);
    wr(&fx, CSMODE, HOLD); /* writing HOLD again changes nothing */
    wr(&fx, CSMODE, OFF);  /* released: the rising edge */
    wr(&fx, CSMODE, AUTO);
    assert_int_equal(status(&fx) & 0x2, 0x2);
    teardown(&fx);
}

static void test_spi_off_mode_pins_follow_csdef(void **state)
{
    Fixture fx = {0};
    setup(&fx, DEVFIX_KV("cs0", "spi-flash"));
    wr(&fx, FMT, FMT_RX8);
    wr(&fx, CSMODE, OFF);
    /* csdef 1: the pin stays high, frames reach nobody */
    assert_int_equal(frame(&fx, 0x9f), 0xff);
    assert_int_equal(frame(&fx, 0x00), 0xff);
    /* csdef 0: the pin low, the device selected across frames */
    wr(&fx, CSDEF, 0);
    assert_int_equal(frame(&fx, 0x9f), 0xff);
    assert_int_equal(frame(&fx, 0x00), 0x9d);
    assert_int_equal(frame(&fx, 0x00), 0x60);
    wr(&fx, CSDEF, 1);
    wr(&fx, CSDEF, 0);
    assert_int_equal(frame(&fx, 0x06), 0xff); /* WREN: waits for the edge */
    wr(&fx, CSDEF, 1);                        /* here */
    wr(&fx, CSMODE, AUTO);
    assert_int_equal(status(&fx) & 0x2, 0x2);
    teardown(&fx);
}

static void test_spi_csid_picks_the_device(void **state)
{
    Fixture fx = {0};
    setup(&fx, DEVFIX_KV("num-cs", "4", "cs1", "spi-flash jedec-id=0x111111",
                         "cs3", "spi-flash jedec-id=0x333333"));
    wr(&fx, FMT, FMT_RX8);
    wr(&fx, CSID, 0);
    assert_int_equal(jedec(&fx), 0xffffff);
    wr(&fx, CSID, 1);
    assert_int_equal(jedec(&fx), 0x111111);
    wr(&fx, CSID, 3);
    assert_int_equal(jedec(&fx), 0x333333);
    /* HOLD moving to another chip select: the first is released */
    wr(&fx, CSID, 1);
    wr(&fx, CSMODE, HOLD);
    frame(&fx, 0x06); /* WREN to cs1, held */
    wr(&fx, CSID, 3);
    frame(&fx, 0x05); /* cs1 rises (WREN executes), cs3 falls */
    wr(&fx, CSMODE, AUTO);
    wr(&fx, CSID, 1);
    assert_int_equal(status(&fx) & 0x2, 0x2);
    wr(&fx, CSID, 3);
    assert_int_equal(status(&fx) & 0x2, 0);
    teardown(&fx);
}

static void test_spi_lsb_first_reverses_bits(void **state)
{
    Fixture fx = {0};
    setup(&fx, DEVFIX_KV("cs0", "spi-flash jedec-id=0x010203"));
    wr(&fx, FMT, FMT_RX8 | 0x4);
    /* 0x9f LSB first is 0xf9 on the wire; send its reverse */
    uint8_t out[4] = {0xf9, 0, 0, 0}, in[4];
    transaction(&fx, out, in, 4);
    assert_int_equal(in[1], 0x80); /* 0x01 reversed */
    assert_int_equal(in[2], 0x40);
    assert_int_equal(in[3], 0xc0);
    teardown(&fx);
}

/* ---- the direct-map window ---- */

static void test_spi_window_follows_fctrl_en(void **state)
{
    Fixture fx = {0};
    setup(&fx, DEVFIX_KV("flash-window", "flash"));
    uint32_t v;
    assert_int_equal(memory_read(fx.f.ms, FLASH_BASE + 0x10, 4, &v), MEM_OK);
    assert_int_equal(v, 0x867f7871); /* bytes 0x10..0x13: i * 7 + 1, low byte first */
    wr(&fx, FCTRL, 0);
    assert_int_equal(memory_read(fx.f.ms, FLASH_BASE + 0x10, 4, &v), MEM_OK);
    assert_int_equal(v, 0);
    assert_int_equal(memory_read(fx.f.ms, FLASH_BASE + FLASH_SIZE - 1, 1, &v),
                     MEM_OK);
    assert_int_equal(v, 0);
    assert_int_equal(memory_write(fx.f.ms, FLASH_BASE, 4, 0), MEM_BUS_ERROR);
    uint64_t rebuilds = memory_stats(fx.f.ms).rebuilds;
    wr(&fx, SCKDIV, 1); /* accesses that leave fctrl alone rebuild nothing */
    wr(&fx, FCTRL, 0);
    assert_int_equal(memory_stats(fx.f.ms).rebuilds, rebuilds);
    wr(&fx, FCTRL, 1);
    assert_int_equal(memory_read(fx.f.ms, FLASH_BASE + 0x10, 4, &v), MEM_OK);
    assert_int_equal(v, 0x867f7871);
    /* a machine reset sets fctrl.en again */
    wr(&fx, FCTRL, 0);
    fx.f.host.request_reset(fx.f.host.opaque);
    assert_int_equal(memory_read(fx.f.ms, FLASH_BASE + 0x10, 4, &v), MEM_OK);
    assert_int_equal(v, 0x867f7871);
    teardown(&fx);
}

/* ---- devices, properties, reset ---- */

static void test_spi_devices_are_live(void **state)
{
    Fixture fx = {0};
    setup(&fx, DEVFIX_KV("cs0", "spi-flash"));
    const PeripheralClass *cls = fx.f.cls;
    wr(&fx, FMT, FMT_RX8);
    Error *err = NULL;
    assert_true(cls->set_property(fx.f.dev.state, "cs0",
                                  "spi-flash jedec-id=0xef4018", &err));
    assert_int_equal(jedec(&fx), 0xef4018);
    /* replaced while its chip select is low: the new one is selected */
    wr(&fx, CSMODE, OFF);
    wr(&fx, CSDEF, 0);
    assert_true(cls->set_property(fx.f.dev.state, "cs0",
                                  "spi-flash jedec-id=0x123456", &err));
    assert_int_equal(frame(&fx, 0x9f), 0xff);
    assert_int_equal(frame(&fx, 0), 0x12);
    wr(&fx, CSDEF, 1);
    wr(&fx, CSMODE, AUTO);
    /* "": nothing on the chip select */
    assert_true(cls->set_property(fx.f.dev.state, "cs0", "", &err));
    assert_int_equal(jedec(&fx), 0xffffff);
    /* refusals change nothing */
    assert_false(cls->set_property(fx.f.dev.state, "cs0", "spi-flash size=1",
                                   &err));
    assert_string_equal(error_message(err), "the flash must be 4 KiB to 16 MiB "
                        "in whole 4 KiB sectors, not 0x1 bytes");
    error_free(err);
    err = NULL;
    assert_false(cls->set_property(fx.f.dev.state, "cs1", "spi-flash", &err));
    assert_string_equal(error_message(err), "'spi0' has 1 chip select: no cs1");
    error_free(err);
    err = NULL;
    assert_false(cls->set_property(fx.f.dev.state, "num-cs", "2", &err));
    assert_non_null(strstr(error_message(err), "cannot change while it runs"));
    error_free(err);
    err = NULL;
    assert_false(cls->set_property(fx.f.dev.state, "cs0.size", "4K", &err));
    assert_string_equal(error_message(err), "'spi0.cs0' has no device attached");
    error_free(err);
    teardown(&fx);
}

static void test_spi_bad_properties(void **state)
{
    expect_create_error(DEVFIX_KV("num-cs", "5"),
                        "dev.yaml:4:9: 'num-cs' must be 1 to 4");
    expect_create_error(DEVFIX_KV("num-cs", "2", "cs2", "spi-flash"),
                        "dev.yaml:5:9: 'spi0' has 2 chip selects: no cs2");
    expect_create_error(DEVFIX_KV("cs0", "nosuch"),
                        "dev.yaml:4:9: 'spi0.cs0': no spi device model 'nosuch' "
                        "(see 'info types')");
    expect_create_error(DEVFIX_KV("cs0", "lm75"),
                        "dev.yaml:4:9: 'spi0.cs0': 'lm75' is a i2c device, not a "
                        "spi one");
    expect_create_error(DEVFIX_KV("cs0", "spi-flash size=5K"),
                        "dev.yaml:4:9: the flash must be 4 KiB to 16 MiB in whole "
                        "4 KiB sectors, not 0x1400 bytes");
    expect_create_error(DEVFIX_KV("flash-window", "ram"),
                        "dev.yaml:4:9: flash-window: no memory 'ram' on the bus");
    expect_create_error(DEVFIX_KV("clock-frequency", "0"),
                        "dev.yaml:4:9: 'clock-frequency' must be greater than 0");
    expect_create_error(DEVFIX_KV("mode", "1"),
                        "dev.yaml:4:9: unknown property 'mode' for sifive,spi0 "
                        "'spi0'");
}

static void test_spi_machine_reset(void **state)
{
    Fixture fx = {0};
    setup(&fx, DEVFIX_KV("cs0", "spi-flash"));
    wr(&fx, FMT, FMT_RX8);
    wr(&fx, SCKDIV, 9);
    wr(&fx, IE, 3);
    wr(&fx, CSMODE, HOLD);
    frame(&fx, 0x06); /* WREN, held */
    wr(&fx, TXDATA, 1);
    wr(&fx, TXDATA, 2);
    fx.f.host.request_reset(fx.f.host.opaque);
    assert_int_equal(peek(&fx, SCKDIV), 3);
    assert_int_equal(peek(&fx, CSMODE), AUTO);
    assert_int_equal(peek(&fx, IE), 0);
    assert_int_equal(peek(&fx, TXDATA), 0);
    assert_int_equal(peek(&fx, RXDATA), EMPTY);
    assert_false(fx.f.irq[0].level);
    devfix_advance(&fx.f, 10000);
    assert_int_equal(peek(&fx, RXDATA), EMPTY); /* the queued frames went with it */
    /* the chip select rose with the reset: WREN executed */
    wr(&fx, FMT, FMT_RX8);
    assert_int_equal(status(&fx) & 0x2, 0x2);
    teardown(&fx);
}

static void test_spi_without_a_clock_frames_end_at_once(void **state)
{
    Fixture fx = {0};
    setup_with(&fx, false, DEVFIX_KV("cs0", "spi-flash jedec-id=0xabcdef"));
    wr(&fx, FMT, FMT_RX8);
    wr(&fx, CSMODE, HOLD);
    for (int i = 0; i < 4; i++)
        wr(&fx, TXDATA, i ? 0 : 0x9f);
    wr(&fx, CSMODE, AUTO);
    static const uint8_t want[] = {0xff, 0xab, 0xcd, 0xef};
    for (int i = 0; i < 4; i++)
        assert_int_equal(rd(&fx, RXDATA), want[i]);
    teardown(&fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spi_class_and_table),
        cmocka_unit_test(test_spi_flash_enabled_reset_values),
        cmocka_unit_test(test_spi_plain_controller_reset_values),
        cmocka_unit_test(test_spi_writable_bits),
        cmocka_unit_test(test_spi_access_sizes),
        cmocka_unit_test(test_spi_txdata_takes_byte_writes),
        cmocka_unit_test(test_spi_tx_fifo_waits_for_the_direct_map_interface),
        cmocka_unit_test(test_spi_frame_takes_len_sck_periods),
        cmocka_unit_test(test_spi_clock_frequency_divides),
        cmocka_unit_test(test_spi_dir_tx_fills_no_rx),
        cmocka_unit_test(test_spi_watermark_interrupts),
        cmocka_unit_test(test_spi_rx_overflow_drops_and_reports_once),
        cmocka_unit_test(test_spi_auto_mode_releases_after_each_frame),
        cmocka_unit_test(test_spi_hold_mode_keeps_the_chip_select),
        cmocka_unit_test(test_spi_off_mode_pins_follow_csdef),
        cmocka_unit_test(test_spi_csid_picks_the_device),
        cmocka_unit_test(test_spi_lsb_first_reverses_bits),
        cmocka_unit_test(test_spi_window_follows_fctrl_en),
        cmocka_unit_test(test_spi_devices_are_live),
        cmocka_unit_test(test_spi_bad_properties),
        cmocka_unit_test(test_spi_machine_reset),
        cmocka_unit_test(test_spi_without_a_clock_frames_end_at_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
