/* The 16550 model (peripherals/ns16550a.c) through tests/unit/
 * uart_fixture.h: every register at reset and after writes, the FIFOs,
 * interrupt levels and IIR priorities, the divisor latch, receive timing
 * at the baud rate (exact cycles, and the same on every run with a real
 * file backend), trigger levels and the character timeout, loopback,
 * side-effect-free peeks, a machine reset, property errors; input
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

#include "uart_fixture.h"

/* ns16550a offsets */
enum { RBR = 0, THR = 0, DLL = 0, IER = 1, DLM = 1, IIR = 2, FCR = 2, LCR = 3,
       MCR = 4, LSR = 5, MSR = 6, SCR = 7 };

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

/* A backend whose input had ended gets bytes again (the monitor's `uart
 * NAME send`) and says so: the receiver wakes, and the byte is in the RX
 * FIFO (the data-available interrupt rises) one character time later,
 * with no register access in between. */
static void test_ns16550a_input_after_its_end_wakes_the_receiver(void **state)
{
    Fixture f = {.in = "a", .in_eof = true};
    ns_setup_8n1(&f, 0x01);
    wr8(&f, IER, 0x01);
    run_until(&f, 1000);
    assert_int_equal(rd8(&f, RBR), 'a');
    assert_true(f.chr->eof); /* that was all: polling stopped */
    assert_int_equal(clock_next_deadline(f.clock), CLOCK_NEVER);
    run_until(&f, 5000);
    assert_false(f.sink.level);
    f.in = "b";
    f.inpos = 0;
    f.chr->eof = false;
    chardev_input_arrived(f.chr);
    run_until(&f, 5999);
    assert_false(f.sink.level);
    run_until(&f, 6000);
    assert_true(f.sink.level); /* received data available */
    assert_int_equal(f.narrivals, 2);
    assert_int_equal(f.arrivals[1], 6000);
    assert_int_equal(peek8(&f, RBR), 'b');
    teardown(&f);
}

/* `chardev` is live: the new backend is opened first, and a spec that
 * cannot be opened leaves the old one in place; bytes then go to the new
 * one, and its input is polled at once. */
static void test_ns16550a_chardev_is_live(void **state)
{
    Fixture f = {0};
    ns_setup_8n1(&f, 0x01);
    wr8(&f, THR, 'a');
    Error *err = NULL;
    assert_false(f.cls->set_property(f.dev.state, "chardev", "serial0", &err));
    assert_string_equal(error_message(err),
                        "unknown chardev 'serial0' (expected stdio, "
                        "stdio:in=PATH, null, file:PATH, file:out=PATH,in=PATH, "
                        "tcp:[HOST:]PORT or pty)");
    error_free(err);
    wr8(&f, THR, 'b');
    assert_int_equal(f.outlen, 2); /* the old backend still works */
    assert_memory_equal(f.out, "ab", 2);
    assert_true(f.cls->set_property(f.dev.state, "chardev", "null", NULL));
    wr8(&f, THR, 'c');
    assert_int_equal(f.outlen, 2); /* 'c' went to null */
    run_until(&f, 5000);
    assert_int_equal(clock_next_deadline(f.clock), CLOCK_NEVER); /* no input */
    f.in = "z";
    assert_true(f.cls->set_property(f.dev.state, "chardev", "test", NULL));
    run_until(&f, 6000);
    assert_int_equal(f.narrivals, 1);
    assert_int_equal(f.arrivals[0], 6000);
    assert_int_equal(rd8(&f, RBR), 'z');
    wr8(&f, THR, 'd');
    assert_int_equal(f.outlen, 3);
    assert_int_equal(f.out[2], 'd');
    teardown(&f);
}

static void test_ns16550a_refuses_to_change_other_properties(void **state)
{
    Fixture f = {0};
    setup(&f, "ns16550a", NULL);
    Error *err = NULL;
    assert_false(f.cls->set_property(f.dev.state, "clock-frequency", "5", &err));
    assert_string_equal(error_message(err),
                        "property 'clock-frequency' of ns16550a 'uart0' "
                        "cannot change while it runs (live: chardev)");
    error_free(err);
    err = NULL;
    assert_false(f.cls->set_property(f.dev.state, "baud", "9600", &err));
    assert_string_equal(error_message(err),
                        "unknown property 'baud' for ns16550a 'uart0'");
    error_free(err);
    teardown(&f);
}

static void test_ns16550a_property_errors(void **state)
{
    const char *const zero[] = {"clock-frequency", "0", NULL};
    const char *const word[] = {"clock-frequency", "fast", NULL};
    const char *const baud[] = {"baud", "9600", NULL};
    expect_create_error("ns16550a", zero,
                        "u.yaml:4:5: 'clock-frequency' must be greater than 0");
    expect_create_error("ns16550a", word,
                        "u.yaml:4:5: clock-frequency: 'fast' is not a number");
    expect_create_error("ns16550a", baud,
                        "u.yaml:4:5: unknown property 'baud' for ns16550a 'uart0'");
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
        cmocka_unit_test(test_ns16550a_property_errors),
        cmocka_unit_test(test_ns16550a_input_after_its_end_wakes_the_receiver),
        cmocka_unit_test(test_ns16550a_chardev_is_live),
        cmocka_unit_test(test_ns16550a_refuses_to_change_other_properties),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
