/* The SiFive UART model (peripherals/sifive_uart.c) on tests/unit/
 * device_fixture.h: registers at reset and after writes, aligned words only,
 * the TX FIFO draining at the baud rate and its watermark, a dropped byte
 * reported once per overflow, receive timing and rxwm (exact cycles, and
 * the same on every run with a real file backend), the bus clock
 * property, the flush at teardown, a machine reset, property errors; input
 * arriving after its end waking the receiver, the live `chardev`. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/unit/uart_fixture.h"

static uint32_t rd32(Fixture *f, uint32_t off) { return devfix_read(f, off, 4); }
static void wr32(Fixture *f, uint32_t off, uint32_t v) { devfix_write(f, off, 4, v); }
static uint32_t peek32(Fixture *f, uint32_t off) { return devfix_peek(f, off, 4); }

/* sifive,uart0 offsets */
enum { TXDATA = 0x00, RXDATA = 0x04, TXCTRL = 0x08, RXCTRL = 0x0c, IE = 0x10,
       IP = 0x14, DIV = 0x18 };

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
    assert_false(f.irq[0].level);
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
    devfix_run_until(&f, 50000);
    assert_int_equal(f.outlen, 0); /* txen clear: nothing leaves */
    wr32(&f, TXCTRL, 1);
    /* The shifter took 'a' at once: room for one more. */
    assert_int_equal(rd32(&f, TXDATA), 0);
    wr32(&f, TXDATA, 'i');
    assert_int_equal(rd32(&f, TXDATA), 0x80000000);
    devfix_run_until(&f, 50999);
    assert_int_equal(f.outlen, 0);
    devfix_run_until(&f, 51000);
    assert_int_equal(f.outlen, 1);
    devfix_run_until(&f, 58999);
    assert_int_equal(f.outlen, 8);
    devfix_run_until(&f, 59000);
    assert_int_equal(f.outlen, 9);
    assert_memory_equal(f.out, "abcdefghi", 9);
    assert_int_equal(clock_next_deadline(f.clock), CLOCK_NEVER);
    /* Two stop bits: 11 bit times. */
    wr32(&f, TXCTRL, 3);
    wr32(&f, TXDATA, '!');
    devfix_run_until(&f, 59000 + 1099);
    assert_int_equal(f.outlen, 9);
    devfix_run_until(&f, 59000 + 1100);
    assert_int_equal(f.outlen, 10);
    teardown(&f);
}

/* A byte written to a full TX FIFO is dropped and reported once per
 * overflow: again only after a byte left the FIFO. */
static void test_sifive_uart_tx_overflow_is_reported_once(void **state)
{
    static const char line[] = "uart0: txdata written while the transmit "
                               "FIFO is full: the byte is dropped\n";
    Fixture f = {0};
    setup(&f, "sifive,uart0", NULL);
    wr32(&f, DIV, 99);
    for (int i = 0; i < 12; i++) /* txen clear: 8 kept, 4 dropped */
        wr32(&f, TXDATA, (uint32_t)('a' + i));
    assert_string_equal(f.log, line);
    wr32(&f, TXCTRL, 1); /* the shifter takes 'a': room for one */
    wr32(&f, TXDATA, 'x');
    assert_string_equal(f.log, line);
    wr32(&f, TXDATA, 'y'); /* full again: a new overflow */
    wr32(&f, TXDATA, 'z');
    char twice[2 * sizeof line];
    snprintf(twice, sizeof twice, "%s%s", line, line);
    assert_string_equal(f.log, twice);
    devfix_run_until(&f, 100000);
    assert_int_equal(f.outlen, 9);
    assert_memory_equal(f.out, "abcdefghx", 9);
    teardown(&f);
}

static void test_sifive_uart_txwm_rises_as_the_fifo_drains(void **state)
{
    Fixture f = {0};
    setup(&f, "sifive,uart0", NULL);
    wr32(&f, DIV, 99);
    wr32(&f, TXCTRL, 0x00040000); /* txcnt 4, txen still clear */
    wr32(&f, IE, 0x1);
    assert_true(f.irq[0].level); /* empty: 0 < 4 */
    for (int i = 0; i < 8; i++)
        wr32(&f, TXDATA, (uint32_t)('0' + i));
    assert_false(f.irq[0].level);
    assert_int_equal(rd32(&f, IP), 0);
    wr32(&f, TXCTRL, 0x00040001); /* 7 left at once, then one a character */
    devfix_run_until(&f, 100000);
    /* 7 at 0, 6 at 1000, 5 at 2000, 4 at 3000, 3 (< 4) at 4000. */
    assert_int_equal(f.irq[0].rose_at, 4000);
    assert_int_equal(f.irq[0].changes, 3);
    assert_int_equal(rd32(&f, IP), 0x1);
    wr32(&f, IE, 0);
    assert_false(f.irq[0].level);
    teardown(&f);
}

static void test_sifive_uart_rx_and_rxwm(void **state)
{
    Fixture f = {.in = "hello"};
    setup(&f, "sifive,uart0", NULL);
    wr32(&f, DIV, 99);
    devfix_run_until(&f, 5000);
    assert_int_equal(f.narrivals, 0); /* rxen clear: input waits */
    wr32(&f, RXCTRL, 0x00020001);     /* rxcnt 2 */
    wr32(&f, IE, 0x2);
    devfix_run_until(&f, 7999);
    assert_int_equal(f.narrivals, 2);
    assert_int_equal(f.arrivals[0], 6000);
    assert_int_equal(f.arrivals[1], 7000);
    assert_false(f.irq[0].level);
    devfix_run_until(&f, 8000);
    assert_true(f.irq[0].level); /* 3 > 2 */
    assert_int_equal(rd32(&f, IP), 0x2);
    assert_int_equal(peek32(&f, RXDATA), 'h'); /* peek does not pop */
    assert_int_equal(rd32(&f, RXDATA), 'h');
    assert_false(f.irq[0].level);
    wr32(&f, RXCTRL, 0x00020000); /* rxen clear: polling stops */
    devfix_run_until(&f, 20000);
    assert_int_equal(f.narrivals, 3);
    wr32(&f, RXCTRL, 0x00000001);
    devfix_run_until(&f, 22000);
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
    devfix_run_until(&f, 5000);
    assert_int_equal(f.narrivals, 8);
    assert_true(f.irq[0].level); /* 8 > 7 */
    assert_int_equal(clock_next_deadline(f.clock), CLOCK_NEVER);
    assert_int_equal(rd32(&f, RXDATA), '0');
    assert_false(f.irq[0].level);
    devfix_run_until(&f, 5100);
    assert_int_equal(f.narrivals, 9);
    assert_int_equal(f.arrivals[8], 5100);
    teardown(&f);
}

static void test_sifive_uart_bus_clock_property(void **state)
{
    const char *const kv[] = {"clock-frequency", "1000000",
                              "chardev", "test", NULL};
    Fixture f = {.in = "a"};
    setup(&f, "sifive,uart0", kv); /* bus at 1 MHz: 10 CPU cycles a tick */
    wr32(&f, RXCTRL, 1);
    devfix_run_until(&f, 1000);
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
    assert_int_equal(f.outlen, 0);
    teardown(&f); /* the device's finalize flushes its FIFO */
    assert_int_equal(f.outlen, 5);
    assert_memory_equal(f.out, "vwxyz", 5);
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
    devfix_run_until(&f, 2500);
    assert_int_equal(f.outlen, 2);
    assert_int_equal(f.narrivals, 2);
    assert_true(f.irq[0].level);
    f.cls->reset(f.dev.state);
    assert_false(f.irq[0].level);
    assert_int_equal(clock_next_deadline(f.clock), CLOCK_NEVER);
    assert_int_equal(rd32(&f, TXDATA), 0);
    assert_int_equal(rd32(&f, RXDATA), 0x80000000);
    assert_int_equal(rd32(&f, TXCTRL), 0);
    assert_int_equal(rd32(&f, RXCTRL), 0);
    assert_int_equal(rd32(&f, IE), 0);
    assert_int_equal(rd32(&f, IP), 0);
    assert_int_equal(rd32(&f, DIV), 0);
    devfix_run_until(&f, 10000);
    assert_int_equal(f.outlen, 2); /* the rest was dropped */
    wr32(&f, RXCTRL, 1);           /* 'c' still waits in the chardev */
    devfix_run_until(&f, 10010);
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

/* A backend whose input had ended gets bytes again (the monitor's `uart
 * NAME send`) and says so: the receiver wakes, and the byte is in the RX
 * FIFO (rxwm rises) one character time later, with no register access in
 * between. */
static void test_sifive_uart_input_after_its_end_wakes_the_receiver(void **state)
{
    Fixture f = {.in = "a", .in_eof = true};
    setup(&f, "sifive,uart0", NULL);
    wr32(&f, DIV, 99); /* 1000 cycles a character */
    wr32(&f, RXCTRL, 1);
    wr32(&f, IE, 0x2);
    devfix_run_until(&f, 1000);
    assert_int_equal(rd32(&f, RXDATA), 'a');
    assert_true(f.chr->eof); /* that was all: polling stopped */
    assert_int_equal(clock_next_deadline(f.clock), CLOCK_NEVER);
    devfix_run_until(&f, 5000);
    f.in = "b";
    f.inpos = 0;
    f.chr->eof = false;
    chardev_input_arrived(f.chr);
    devfix_run_until(&f, 5999);
    assert_false(f.irq[0].level);
    devfix_run_until(&f, 6000);
    assert_true(f.irq[0].level); /* rxwm: 1 > 0 */
    assert_int_equal(f.narrivals, 2);
    assert_int_equal(f.arrivals[1], 6000);
    assert_int_equal(peek32(&f, RXDATA), 'b');
    teardown(&f);
}

/* `chardev` is live: the new backend is opened first, and a spec that
 * cannot be opened leaves the old one in place; bytes then go to the new
 * one, and its input is polled at once. */
static void test_sifive_uart_chardev_is_live(void **state)
{
    Fixture f = {0};
    setup(&f, "sifive,uart0", NULL);
    wr32(&f, TXCTRL, 1);
    wr32(&f, RXCTRL, 1);
    wr32(&f, TXDATA, 'a');
    devfix_run_until(&f, 100);
    Error *err = NULL;
    assert_false(f.cls->set_property(f.dev.state, "chardev", "serial0", &err));
    assert_string_equal(error_message(err),
                        "unknown chardev 'serial0' (expected stdio, "
                        "stdio:in=PATH, null, file:PATH, file:out=PATH,in=PATH, "
                        "tcp:[HOST:]PORT or pty)");
    error_free(err);
    wr32(&f, TXDATA, 'b');
    devfix_run_until(&f, 200);
    assert_int_equal(f.outlen, 2); /* the old backend still works */
    assert_memory_equal(f.out, "ab", 2);
    assert_true(f.cls->set_property(f.dev.state, "chardev", "null", NULL));
    wr32(&f, TXDATA, 'c');
    devfix_run_until(&f, 300);
    assert_int_equal(f.outlen, 2); /* 'c' went to null */
    assert_int_equal(clock_next_deadline(f.clock), CLOCK_NEVER); /* no input */
    f.in = "z";
    assert_true(f.cls->set_property(f.dev.state, "chardev", "test", NULL));
    devfix_run_until(&f, 310);
    assert_int_equal(f.narrivals, 1);
    assert_int_equal(f.arrivals[0], 310);
    assert_int_equal(rd32(&f, RXDATA), 'z');
    wr32(&f, TXDATA, 'd');
    devfix_run_until(&f, 400);
    assert_int_equal(f.outlen, 3);
    assert_int_equal(f.out[2], 'd');
    teardown(&f);
}

static void test_sifive_uart_refuses_to_change_other_properties(void **state)
{
    Fixture f = {0};
    setup(&f, "sifive,uart0", NULL);
    Error *err = NULL;
    assert_false(f.cls->set_property(f.dev.state, "clock-frequency", "5", &err));
    assert_string_equal(error_message(err),
                        "property 'clock-frequency' of sifive,uart0 'uart0' "
                        "cannot change while it runs (live: chardev)");
    error_free(err);
    err = NULL;
    assert_false(f.cls->set_property(f.dev.state, "baud", "9600", &err));
    assert_string_equal(error_message(err),
                        "unknown property 'baud' for sifive,uart0 'uart0'");
    error_free(err);
    teardown(&f);
}

static void test_sifive_uart_property_errors(void **state)
{
    const char *const zero[] = {"clock-frequency", "0",
                                "chardev", "test", NULL};
    const char *const baud[] = {"baud", "9600", "chardev", "test", NULL};
    const char *const chr[] = {"chardev", "serial0", NULL};
    expect_create_error("sifive,uart0", zero,
                        "dev.yaml:4:9: 'clock-frequency' must be greater than 0");
    expect_create_error("sifive,uart0", baud,
                        "dev.yaml:4:9: unknown property 'baud' for sifive,uart0 'uart0'");
    expect_create_error("sifive,uart0", chr,
                        "dev.yaml:4:9: unknown chardev 'serial0' (expected stdio, "
                        "stdio:in=PATH, null, file:PATH, file:out=PATH,in=PATH, "
                        "tcp:[HOST:]PORT or pty)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sifive_uart_class_declares_one_irq),
        cmocka_unit_test(test_sifive_uart_registers_at_reset),
        cmocka_unit_test(test_sifive_uart_register_writes_keep_their_bits),
        cmocka_unit_test(test_sifive_uart_only_aligned_words),
        cmocka_unit_test(test_sifive_uart_tx_fifo_drains_at_the_baud_rate),
        cmocka_unit_test(test_sifive_uart_tx_overflow_is_reported_once),
        cmocka_unit_test(test_sifive_uart_txwm_rises_as_the_fifo_drains),
        cmocka_unit_test(test_sifive_uart_rx_and_rxwm),
        cmocka_unit_test(test_sifive_uart_rx_fifo_holds_8),
        cmocka_unit_test(test_sifive_uart_bus_clock_property),
        cmocka_unit_test(test_sifive_uart_flushes_at_teardown),
        cmocka_unit_test(test_sifive_uart_machine_reset),
        cmocka_unit_test(test_sifive_uart_rx_timing_is_the_same_every_run),
        cmocka_unit_test(test_sifive_uart_property_errors),
        cmocka_unit_test(test_sifive_uart_input_after_its_end_wakes_the_receiver),
        cmocka_unit_test(test_sifive_uart_chardev_is_live),
        cmocka_unit_test(test_sifive_uart_refuses_to_change_other_properties),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
