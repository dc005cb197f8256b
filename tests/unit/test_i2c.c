/* The SiFive I2C master (peripherals/sifive_i2c.c) on the device fixture,
 * with LM75B targets (peripherals/lm75.c) on its bus: the register table
 * (reset values, access kinds, writable bits, sizes), transactions as a
 * vendor driver issues them (freedom-metal's sequence: txr, then cr,
 * then poll sr.tip, then sr.rxack or rxr), NACK at an address nobody
 * answers, the master's own ACK/NACK on reads, repeated START, the
 * transfer time from prer and clock-frequency, sr.if / cr.iack and the
 * interrupt output, commands the core ignores, reset, targets in the
 * dev0..dev7 properties (bad ones refused with file:line:col), replaced
 * and changed while running. */
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

#define BASE 0x10016000u
enum { PRER_LO = 0x00, PRER_HI = 0x04, CTR = 0x08, TXR_RXR = 0x0c, CR_SR = 0x10 };
enum { CTR_EN = 0x80, CTR_IEN = 0x40 };
enum { STA = 0x80, STO = 0x40, RD = 0x20, WR = 0x10, ACK = 0x08, IACK = 0x01 };
enum { RXACK = 0x80, BUSY = 0x40, AL = 0x20, TIP = 0x02, IF = 0x01 };

/* 10 MHz CPU (the fixture's) and bus clock; prer 9: SCL 200 kHz, one SCL
 * period 50 cycles, a byte 450. */
#define PRER 9u
#define SCL_CYCLES 50u
#define BYTE_CYCLES (9u * SCL_CYCLES)

#define LM75_ADDR 0x48u
#define ADDR_W(a) ((uint32_t)(a) << 1)
#define ADDR_R(a) (((uint32_t)(a) << 1) | 1u)

typedef DevFixture Fixture;

static uint32_t rd(Fixture *f, uint32_t off) { return devfix_read(f, off, 4); }
static void wr(Fixture *f, uint32_t off, uint32_t v) { devfix_write(f, off, 4, v); }

/* An I2C master with up to three properties (NULL ends them). */
static void setup_with(Fixture *f, const char *k1, const char *v1,
                       const char *k2, const char *v2)
{
    devfix_setup(f, 0);
    devfix_create(f, "sifive,i2c0", "i2c0", BASE, 0, k1, v1, k2, v2, NULL);
}

static void setup_lm75(Fixture *f)
{
    setup_with(f, "dev0", "lm75 address=0x48 temperature=23.5", NULL, NULL);
}

static void enable(Fixture *f, uint32_t ctr)
{
    wr(f, PRER_LO, PRER);
    wr(f, PRER_HI, 0);
    wr(f, CTR, ctr);
}

/* One command as a driver issues it: the byte (if any) into txr, the
 * command into cr, then waiting for tip to clear, as the event fires.
 * Returns sr. */
static uint32_t command(Fixture *f, uint32_t txr, uint32_t cmd)
{
    if (cmd & WR)
        wr(f, TXR_RXR, txr);
    wr(f, CR_SR, cmd);
    uint64_t until = clock_now(f->clock) + BYTE_CYCLES;
    devfix_run_until(f, until);
    uint32_t sr = rd(f, CR_SR);
    assert_int_equal(sr & TIP, 0);
    return sr;
}

/* Address + write of the pointer, repeated START, address + read of n
 * bytes (the last NACKed, then STOP). */
static void read_register(Fixture *f, uint8_t addr, uint8_t pointer,
                          uint8_t *out, unsigned n)
{
    assert_int_equal(command(f, ADDR_W(addr), STA | WR) & RXACK, 0);
    assert_int_equal(command(f, pointer, WR) & RXACK, 0);
    assert_int_equal(command(f, ADDR_R(addr), STA | WR) & RXACK, 0);
    for (unsigned i = 0; i < n; i++) {
        bool last = i + 1 == n;
        command(f, 0, last ? RD | ACK | STO : RD);
        out[i] = (uint8_t)rd(f, TXR_RXR);
    }
}

static uint16_t read_temp(Fixture *f, uint8_t addr)
{
    uint8_t b[2];
    read_register(f, addr, 0, b, 2);
    return (uint16_t)(b[0] << 8 | b[1]);
}

static void set_prop(Fixture *f, const char *key, const char *value)
{
    Error *err = NULL;
    if (!f->cls->set_property(f->dev.state, key, value, &err))
        fail_msg("set %s: %s", key, error_message(err));
}

static void expect_set_error(Fixture *f, const char *key, const char *value,
                             const char *message)
{
    Error *err = NULL;
    assert_false(f->cls->set_property(f->dev.state, key, value, &err));
    assert_non_null(err);
    if (!strstr(error_message(err), message))
        fail_msg("'%s' does not hold '%s'", error_message(err), message);
    error_free(err);
}

/* ---- the class and its table ---- */

static void test_class_and_table(void **state)
{
    const PeripheralClass *cls = registry_find("sifive,i2c0");
    assert_non_null(cls);
    assert_int_equal(cls->irq_outputs, 1);
    assert_string_equal(cls->irq_output_names[0], "irq");
    assert_int_equal(cls->default_size, 0x1000);
    assert_int_equal(cls->min_size, 0x14);
    assert_non_null(cls->reset);
    assert_non_null(cls->set_property);
    assert_non_null(cls->registers);
    Error *err = NULL;
    if (!regs_check(cls->registers, "sifive,i2c0", &err))
        fail_msg("regs_check: %s", error_message(err));
    const RegTable *t = cls->registers;
    assert_int_equal(t->nregs, 5);
    static const char *const names[] = {"prer_lo", "prer_hi", "ctr", "rxr", "sr"};
    static const char *const written[] = {NULL, NULL, NULL, "txr", "cr"};
    for (size_t i = 0; i < t->nregs; i++) {
        assert_string_equal(t->regs[i].name, names[i]);
        if (written[i])
            assert_string_equal(t->regs[i].write_name, written[i]);
        else
            assert_null(t->regs[i].write_name);
        assert_int_equal(t->regs[i].offset, 4 * i);
        assert_true(t->regs[i].flags & REG_NARROW);
    }
}

static void test_registers_at_reset(void **state)
{
    Fixture f = {0};
    setup_with(&f, NULL, NULL, NULL, NULL);
    assert_int_equal(rd(&f, PRER_LO), 0xff); /* prescale resets to 0xffff */
    assert_int_equal(rd(&f, PRER_HI), 0xff);
    assert_int_equal(rd(&f, CTR), 0);
    assert_int_equal(rd(&f, TXR_RXR), 0);
    assert_int_equal(rd(&f, CR_SR), 0);
    assert_int_equal(rd(&f, 0x14), 0); /* nothing past sr/cr */
    assert_int_equal(rd(&f, 0xffc), 0);
    assert_true(f.irq[0].sets >= 1); /* connect drove the line, low */
    assert_int_equal(f.irq[0].changes, 0);
    assert_false(f.irq[0].level);
    devfix_teardown(&f);
}

static void test_writable_bits_and_shared_offsets(void **state)
{
    Fixture f = {0};
    setup_with(&f, NULL, NULL, NULL, NULL);
    wr(&f, PRER_LO, 0xffffff12);
    wr(&f, PRER_HI, 0x12345634);
    assert_int_equal(rd(&f, PRER_LO), 0x12);
    assert_int_equal(rd(&f, PRER_HI), 0x34);
    wr(&f, CTR, 0xffffffff); /* en and ien only; 5:0 reserved */
    assert_int_equal(rd(&f, CTR), 0xc0);
    /* txr is written, rxr read: the byte written does not read back */
    wr(&f, TXR_RXR, 0xa5);
    assert_int_equal(rd(&f, TXR_RXR), 0);
    assert_int_equal(devfix_peek(&f, TXR_RXR, 4), 0);
    /* cr is a command, sr what reads see: iack alone reads back nothing */
    wr(&f, CR_SR, IACK);
    assert_int_equal(rd(&f, CR_SR), 0);
    devfix_teardown(&f);
}

static void test_byte_accesses_and_bad_sizes(void **state)
{
    Fixture f = {0};
    setup_with(&f, NULL, NULL, NULL, NULL);
    /* freedom-metal's driver uses byte accesses */
    assert_int_equal(devfix_read(&f, PRER_LO, 1), 0xff);
    devfix_write(&f, PRER_LO, 1, 0x1f);
    devfix_write(&f, PRER_HI, 1, 0x00);
    assert_int_equal(rd(&f, PRER_LO), 0x1f);
    assert_int_equal(rd(&f, PRER_HI), 0x00);
    devfix_write(&f, CTR, 1, CTR_EN);
    assert_int_equal(devfix_read(&f, CTR, 1), CTR_EN);
    /* bits 31:8 hold nothing: a write to byte 1 of cr starts nothing */
    devfix_write(&f, CR_SR + 1, 1, (STA | WR));
    assert_int_equal(rd(&f, CR_SR), 0);
    assert_int_equal(devfix_read(&f, CR_SR + 1, 1), 0);
    /* misaligned: a bus error */
    uint32_t v;
    assert_int_equal(devfix_try_read(&f, CTR + 2, 4, &v), MEM_BUS_ERROR);
    assert_int_equal(devfix_try_write(&f, CTR + 1, 2, 0), MEM_BUS_ERROR);
    devfix_teardown(&f);
}

/* ---- transactions ---- */

static void test_write_transaction_sets_a_register(void **state)
{
    Fixture f = {0};
    setup_lm75(&f);
    enable(&f, CTR_EN);
    uint32_t sr = command(&f, ADDR_W(LM75_ADDR), STA | WR);
    assert_int_equal(sr, BUSY | IF); /* acknowledged, bus held */
    sr = command(&f, 0x03, WR | IACK); /* pointer: tos */
    assert_int_equal(sr, BUSY | IF);
    command(&f, 0x1e, WR);
    sr = command(&f, 0x80, WR | STO); /* 30.5 degC */
    assert_int_equal(sr, IF); /* stopped: not busy */
    uint8_t tos[2];
    read_register(&f, LM75_ADDR, 0x03, tos, 2);
    assert_int_equal(tos[0], 0x1e);
    assert_int_equal(tos[1], 0x80);
    devfix_teardown(&f);
}

static void test_read_with_ack_then_nack_from_the_master(void **state)
{
    Fixture f = {0};
    setup_lm75(&f);
    enable(&f, CTR_EN);
    /* the pointer is 0 at power-up: an address + read gets temp */
    assert_int_equal(command(&f, ADDR_R(LM75_ADDR), STA | WR) & RXACK, 0);
    uint32_t sr = command(&f, 0, RD); /* the master ACKs */
    assert_int_equal(rd(&f, TXR_RXR), 0x17); /* 23.5 degC: 0x1780 */
    assert_int_equal(sr & RXACK, 0);
    sr = command(&f, 0, RD | ACK | STO); /* NACK, last byte */
    assert_int_equal(rd(&f, TXR_RXR), 0x80);
    assert_int_equal(sr & RXACK, RXACK); /* what the core saw on SDA */
    assert_int_equal(sr & BUSY, 0);
    devfix_teardown(&f);
}

static void test_nack_at_an_address_nobody_answers(void **state)
{
    Fixture f = {0};
    setup_lm75(&f);
    enable(&f, CTR_EN);
    uint32_t sr = command(&f, ADDR_W(0x50), STA | WR);
    assert_int_equal(sr & RXACK, RXACK);
    assert_int_equal(sr & BUSY, BUSY);
    /* a read from nobody: SDA floats high */
    command(&f, 0, RD | ACK);
    assert_int_equal(rd(&f, TXR_RXR), 0xff);
    /* a write to nobody is not acknowledged either */
    sr = command(&f, 0x12, WR | STO);
    assert_int_equal(sr & (RXACK | BUSY), RXACK);
    /* a write with no START at all addresses nobody */
    sr = command(&f, ADDR_W(LM75_ADDR), WR);
    assert_int_equal(sr & RXACK, RXACK);
    devfix_teardown(&f);
}

static void test_repeated_start_reads_the_register_just_pointed_at(void **state)
{
    Fixture f = {0};
    setup_lm75(&f);
    enable(&f, CTR_EN);
    uint8_t b[2];
    read_register(&f, LM75_ADDR, 0x03, b, 2); /* tos: 80 degC */
    assert_int_equal(b[0], 0x50);
    assert_int_equal(b[1], 0x00);
    read_register(&f, LM75_ADDR, 0x02, b, 2); /* thyst: 75 degC */
    assert_int_equal(b[0], 0x4b);
    read_register(&f, LM75_ADDR, 0x01, b, 1); /* conf */
    assert_int_equal(b[0], 0x00);
    assert_int_equal(read_temp(&f, LM75_ADDR), 0x1780);
    /* a repeated START to an address nobody answers ends the sensor's
     * transaction: what is written next goes nowhere */
    command(&f, ADDR_W(LM75_ADDR), STA | WR);
    command(&f, 0x03, WR);
    assert_int_equal(command(&f, ADDR_W(0x50), STA | WR) & RXACK, RXACK);
    assert_int_equal(command(&f, 0x00, WR | STO) & RXACK, RXACK);
    read_register(&f, LM75_ADDR, 0x03, b, 2);
    assert_int_equal(b[0], 0x50); /* tos untouched */
    devfix_teardown(&f);
}

/* ---- time ---- */

static void test_tip_lasts_nine_scl_periods_of_prer(void **state)
{
    Fixture f = {0};
    setup_lm75(&f);
    enable(&f, CTR_EN);
    uint64_t t0 = clock_now(f.clock);
    wr(&f, TXR_RXR, ADDR_W(LM75_ADDR));
    wr(&f, CR_SR, STA | WR);
    assert_int_equal(rd(&f, CR_SR), BUSY | TIP);
    devfix_run_until(&f, t0 + BYTE_CYCLES - 1);
    assert_int_equal(rd(&f, CR_SR), BUSY | TIP);
    devfix_run_until(&f, t0 + BYTE_CYCLES);
    assert_int_equal(rd(&f, CR_SR), BUSY | IF);
    /* prer 99: ten times longer */
    wr(&f, PRER_LO, 99);
    t0 = clock_now(f.clock);
    wr(&f, CR_SR, RD);
    devfix_run_until(&f, t0 + 10 * BYTE_CYCLES - 1);
    assert_int_equal(rd(&f, CR_SR) & TIP, TIP);
    devfix_run_until(&f, t0 + 10 * BYTE_CYCLES);
    assert_int_equal(rd(&f, CR_SR) & TIP, 0);
    /* a STOP alone: one SCL period, tip never set */
    wr(&f, PRER_LO, PRER);
    t0 = clock_now(f.clock);
    wr(&f, CR_SR, STO | IACK);
    assert_int_equal(rd(&f, CR_SR), BUSY);
    devfix_run_until(&f, t0 + SCL_CYCLES - 1);
    assert_int_equal(rd(&f, CR_SR), BUSY);
    devfix_run_until(&f, t0 + SCL_CYCLES);
    assert_int_equal(rd(&f, CR_SR), IF);
    devfix_teardown(&f);
}

static void test_reset_prescale_and_clock_frequency(void **state)
{
    /* prer 0xffff, bus clock 5 MHz (half the CPU's): 9 * 5 * 65536 =
     * 2949120 bus cycles, twice that in CPU cycles */
    Fixture f = {0};
    setup_with(&f, "dev0", "lm75", "clock-frequency", "5000000");
    wr(&f, CTR, CTR_EN);
    wr(&f, TXR_RXR, ADDR_W(LM75_ADDR));
    wr(&f, CR_SR, STA | WR);
    devfix_run_until(&f, 2u * 2949120u - 1);
    assert_int_equal(rd(&f, CR_SR) & TIP, TIP);
    devfix_run_until(&f, 2u * 2949120u);
    assert_int_equal(rd(&f, CR_SR), BUSY | IF);
    devfix_teardown(&f);
}

static void test_without_a_clock_commands_complete_at_once(void **state)
{
    Fixture f = {0};
    devfix_setup(&f, 0);
    f.host.clock = NULL;
    devfix_create(&f, "sifive,i2c0", "i2c0", BASE, 0, "dev0", "lm75", NULL);
    wr(&f, CTR, CTR_EN);
    wr(&f, TXR_RXR, ADDR_R(LM75_ADDR));
    wr(&f, CR_SR, STA | WR);
    assert_int_equal(rd(&f, CR_SR), BUSY | IF);
    wr(&f, CR_SR, RD | ACK | STO | IACK);
    assert_int_equal(rd(&f, CR_SR), RXACK | IF);
    assert_int_equal(rd(&f, TXR_RXR), 0x19); /* the default 25 degC */
    devfix_teardown(&f);
}

/* ---- the interrupt ---- */

static void test_if_iack_and_the_irq_output(void **state)
{
    Fixture f = {0};
    setup_lm75(&f);
    enable(&f, CTR_EN | CTR_IEN);
    uint64_t t0 = clock_now(f.clock);
    wr(&f, TXR_RXR, ADDR_W(LM75_ADDR));
    wr(&f, CR_SR, STA | WR);
    assert_false(f.irq[0].level);
    devfix_run_until(&f, t0 + BYTE_CYCLES);
    assert_true(f.irq[0].level); /* raised by the transfer's end */
    assert_int_equal(f.irq[0].rose_at, t0 + BYTE_CYCLES);
    wr(&f, CR_SR, IACK);
    assert_false(f.irq[0].level);
    assert_int_equal(rd(&f, CR_SR) & IF, 0);
    /* ien clear: if is set, the line stays low; setting ien raises it */
    wr(&f, CTR, CTR_EN);
    command(&f, 0, WR | STO);
    assert_int_equal(rd(&f, CR_SR) & IF, IF);
    assert_false(f.irq[0].level);
    wr(&f, CTR, CTR_EN | CTR_IEN);
    assert_true(f.irq[0].level);
    assert_int_equal(f.irq[0].rises, 2);
    wr(&f, CR_SR, IACK);
    assert_false(f.irq[0].level);
    devfix_teardown(&f);
}

/* ---- what the core ignores ---- */

static void test_commands_ignored_while_disabled_or_busy(void **state)
{
    Fixture f = {0};
    setup_lm75(&f);
    wr(&f, PRER_LO, PRER);
    wr(&f, PRER_HI, 0);
    wr(&f, TXR_RXR, ADDR_W(LM75_ADDR));
    wr(&f, CR_SR, STA | WR); /* ctr.en clear */
    assert_int_equal(rd(&f, CR_SR), 0);
    wr(&f, CR_SR, STA | WR);
    assert_int_equal(devfix_log_count(&f, "while ctr.en is clear: ignored"), 1);
    wr(&f, CTR, CTR_EN);
    uint64_t t0 = clock_now(f.clock);
    wr(&f, CR_SR, STA | WR);
    wr(&f, CR_SR, RD | STO); /* during the transfer */
    assert_int_equal(devfix_log_count(&f, "while a transfer is in progress"), 1);
    devfix_run_until(&f, t0 + BYTE_CYCLES);
    assert_int_equal(rd(&f, CR_SR), BUSY | IF); /* the second one never ran */
    devfix_run_until(&f, t0 + 3 * BYTE_CYCLES);
    assert_int_equal(rd(&f, CR_SR), BUSY | IF);
    wr(&f, CR_SR, STA | IACK); /* sta alone: nothing starts */
    assert_int_equal(rd(&f, CR_SR), BUSY);
    assert_int_equal(devfix_log_count(&f, "cr.sta without rd, wr or sto"), 1);
    devfix_teardown(&f);
}

static void test_machine_reset_drops_the_transfer(void **state)
{
    Fixture f = {0};
    setup_lm75(&f);
    enable(&f, CTR_EN | CTR_IEN);
    command(&f, ADDR_W(LM75_ADDR), STA | WR);
    assert_true(f.irq[0].level);
    wr(&f, TXR_RXR, 0x03);
    wr(&f, CR_SR, WR);
    f.cls->reset(f.dev.state);
    assert_false(f.irq[0].level);
    assert_int_equal(rd(&f, PRER_LO), 0xff);
    assert_int_equal(rd(&f, CTR), 0);
    assert_int_equal(rd(&f, CR_SR), 0);
    assert_int_equal(clock_next_deadline(f.clock), CLOCK_NEVER);
    /* the sensor saw its transaction end: the pointer was never written */
    enable(&f, CTR_EN);
    assert_int_equal(command(&f, ADDR_R(LM75_ADDR), STA | WR) & RXACK, 0);
    command(&f, 0, RD | ACK | STO);
    assert_int_equal(rd(&f, TXR_RXR), 0x17); /* temp, not tos */
    devfix_teardown(&f);
}

/* ---- targets ---- */

static void expect_create_error(const char *key, const char *value,
                                const char *message)
{
    Fixture f = {0};
    devfix_setup(&f, 0);
    Error *err = NULL;
    assert_false(devfix_try_create(&f, "sifive,i2c0", "i2c0", BASE, 0,
                                   DEVFIX_KV("dev0", "lm75", key, value), &err));
    assert_non_null(err);
    if (strcmp(error_message(err), message) != 0)
        fail_msg("got '%s', expected '%s'", error_message(err), message);
    error_free(err);
    devfix_teardown(&f); /* and nothing of the first target is left */
}

static void test_bad_targets_are_refused_with_their_place(void **state)
{
    expect_create_error("dev1", "nosuch address=0x48",
                        "dev.yaml:5:9: 'i2c0.dev1': no i2c device model "
                        "'nosuch' (see 'info types')");
    expect_create_error("dev1", "lm75 address=0x78",
                        "dev.yaml:5:9: 'address' must be 0x08 to 0x77 (a 7-bit I2C address)");
    expect_create_error("dev1", "lm75 temperature=hot",
                        "dev.yaml:5:9: 'temperature' 'hot' is not a number of "
                        "degrees C (e.g. 21.5 or -10.25)");
    expect_create_error("dev1", "lm75 colour=red",
                        "dev.yaml:5:9: unknown property 'colour' for lm75 "
                        "'i2c0.dev1'");
    expect_create_error("dev1", "lm75 0x48", "dev.yaml:5:9: '0x48' is not KEY=VALUE");
    expect_create_error("dev8", "lm75", "dev.yaml:5:9: unknown property 'dev8' "
                        "for sifive,i2c0 'i2c0'");
    expect_create_error("clock-frequency", "0",
                        "dev.yaml:5:9: 'clock-frequency' must be greater than 0");
}

static void test_targets_sharing_an_address_wire_and(void **state)
{
    /* 23.5 = 0x1780 and -0.5 = 0xffc0: the bus reads 0x1780 & 0xffc0 */
    Fixture f = {0};
    setup_with(&f, "dev3", "lm75 temperature=23.5", "dev7",
               "lm75 temperature=-0.5");
    enable(&f, CTR_EN);
    assert_int_equal(read_temp(&f, LM75_ADDR), 0x1780 & 0xffc0);
    devfix_teardown(&f);
}

static void test_live_replace_and_detach(void **state)
{
    Fixture f = {0};
    setup_lm75(&f);
    enable(&f, CTR_EN);
    set_prop(&f, "dev0", "lm75 address=0x49 temperature=-10.25");
    assert_int_equal(command(&f, ADDR_W(0x48), STA | WR | STO) & RXACK, RXACK);
    assert_int_equal(read_temp(&f, 0x49), 0xf5c0);
    set_prop(&f, "dev0", "");
    assert_int_equal(command(&f, ADDR_W(0x49), STA | WR | STO) & RXACK, RXACK);
    set_prop(&f, "dev5", "lm75 address=0x4f");
    assert_int_equal(read_temp(&f, 0x4f), 0x1900);
    /* replaced in the middle of a transaction: the new target was never
     * addressed, so the rest of it goes nowhere */
    command(&f, ADDR_W(0x4f), STA | WR);
    command(&f, 0x03, WR);
    set_prop(&f, "dev5", "lm75 address=0x4f");
    assert_int_equal(command(&f, 0x01, WR) & RXACK, RXACK);
    assert_int_equal(command(&f, 0x00, WR | STO) & RXACK, RXACK);
    uint8_t conf;
    read_register(&f, 0x4f, 0x01, &conf, 1);
    assert_int_equal(conf, 0x00);
    /* a failed replacement keeps the target there */
    expect_set_error(&f, "dev5", "lm75 address=7", "'address' must be 0x08 to 0x77");
    expect_set_error(&f, "dev5", "spi-nothing", "no i2c device model 'spi-nothing'");
    assert_int_equal(read_temp(&f, 0x4f), 0x1900);
    devfix_teardown(&f);
}

static void test_live_temperature_is_what_the_next_read_returns(void **state)
{
    Fixture f = {0};
    setup_lm75(&f);
    enable(&f, CTR_EN);
    assert_int_equal(read_temp(&f, LM75_ADDR), 0x1780);
    set_prop(&f, "dev0.temperature", "30.5");
    assert_int_equal(read_temp(&f, LM75_ADDR), 0x1e80);
    set_prop(&f, "dev0.temperature", "-55");
    assert_int_equal(read_temp(&f, LM75_ADDR), 0xc900);
    expect_set_error(&f, "dev0.temperature", "126",
                     "'temperature' must be -55 to 125 (degrees C)");
    expect_set_error(&f, "dev0.address", "0x49", "cannot change while it runs");
    expect_set_error(&f, "dev0.colour", "red", "unknown property 'colour'");
    expect_set_error(&f, "dev1.temperature", "20", "'i2c0.dev1' has no device attached");
    expect_set_error(&f, "clock-frequency", "1000", "cannot change while it runs");
    expect_set_error(&f, "dev", "lm75", "unknown property 'dev'");
    assert_int_equal(read_temp(&f, LM75_ADDR), 0xc900);
    devfix_teardown(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_class_and_table),
        cmocka_unit_test(test_registers_at_reset),
        cmocka_unit_test(test_writable_bits_and_shared_offsets),
        cmocka_unit_test(test_byte_accesses_and_bad_sizes),
        cmocka_unit_test(test_write_transaction_sets_a_register),
        cmocka_unit_test(test_read_with_ack_then_nack_from_the_master),
        cmocka_unit_test(test_nack_at_an_address_nobody_answers),
        cmocka_unit_test(test_repeated_start_reads_the_register_just_pointed_at),
        cmocka_unit_test(test_tip_lasts_nine_scl_periods_of_prer),
        cmocka_unit_test(test_reset_prescale_and_clock_frequency),
        cmocka_unit_test(test_without_a_clock_commands_complete_at_once),
        cmocka_unit_test(test_if_iack_and_the_irq_output),
        cmocka_unit_test(test_commands_ignored_while_disabled_or_busy),
        cmocka_unit_test(test_machine_reset_drops_the_transfer),
        cmocka_unit_test(test_bad_targets_are_refused_with_their_place),
        cmocka_unit_test(test_targets_sharing_an_address_wire_and),
        cmocka_unit_test(test_live_replace_and_detach),
        cmocka_unit_test(test_live_temperature_is_what_the_next_read_returns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
