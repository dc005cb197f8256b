/* The 16550 model (peripherals/ns16550a.c) on tests/unit/
 * device_fixture.h: every register at reset and after writes, the FIFOs,
 * interrupt levels and IIR priorities, the divisor latch, receive timing
 * at the baud rate (exact cycles, and the same on every run with a real
 * file backend), trigger levels and the character timeout, loopback,
 * side-effect-free peeks, a machine reset, property errors; input
 * arriving after its end waking the receiver, the live `chardev`; the
 * register table (peeks at reset, access kinds and masks, split accesses
 * done as one, offsets past the map, `bad-access`, the names and fields
 * traces show for the banked registers), and the receiver's polling
 * following loopback and the first access wherever it lands. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "peripherals/regs.h"
#include "tests/unit/uart_fixture.h"

static uint8_t rd8(Fixture *f, uint32_t off) { return (uint8_t)devfix_read(f, off, 1); }
static void wr8(Fixture *f, uint32_t off, uint8_t v) { devfix_write(f, off, 1, v); }
static uint32_t rd32(Fixture *f, uint32_t off) { return devfix_read(f, off, 4); }
static uint8_t peek8(Fixture *f, uint32_t off) { return (uint8_t)devfix_peek(f, off, 1); }
static uint32_t peek32(Fixture *f, uint32_t off) { return devfix_peek(f, off, 4); }

/* ns16550a offsets */
enum { RBR = 0, THR = 0, DLL = 0, IER = 1, DLM = 1, IIR = 2, FCR = 2, LCR = 3,
       MCR = 4, LSR = 5, MSR = 6, SCR = 7 };

/* A 16550 whose baud clock makes one 8N1 character 1000 CPU cycles at
 * divisor 1. Its first access (at cycle 0) sets the first poll at 1000. */
static const char *const NS_1000[] = {"clock-frequency", "1600000",
                                      "chardev", "test", NULL};

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
    assert_false(f.irq[0].level);
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
    devfix_write(&f, LCR, 1, 0x03);
    /* RBR, IER, IIR, LCR in one word; MCR, LSR, MSR, SCR in the next. */
    assert_int_equal(rd32(&f, 0), 0x03010000);
    assert_int_equal(rd32(&f, 4), 0x5ab06000);
    assert_int_equal(devfix_read(&f, 6, 2), 0x5ab0);
    devfix_write(&f, 6, 2, 0x7700); /* MSR ignored, SCR = 0x77 */
    assert_int_equal(rd8(&f, SCR), 0x77);
    teardown(&f);
}

static void test_ns16550a_thr_empty_interrupt(void **state)
{
    Fixture f = {0};
    setup(&f, "ns16550a", NULL);
    wr8(&f, IER, 0x02);
    assert_true(f.irq[0].level);
    assert_int_equal(peek8(&f, IIR), 0x02); /* a peek clears nothing */
    assert_true(f.irq[0].level);
    assert_int_equal(rd8(&f, IIR), 0x02);   /* reading IIR clears it */
    assert_false(f.irq[0].level);
    assert_int_equal(rd8(&f, IIR), 0x01);
    wr8(&f, THR, 'a');                      /* empty again at once */
    assert_true(f.irq[0].level);
    assert_int_equal(rd8(&f, IIR), 0x02);
    wr8(&f, THR, 'b');
    wr8(&f, IER, 0x00);
    assert_false(f.irq[0].level);
    assert_int_equal(rd8(&f, IIR), 0x01);
    wr8(&f, IER, 0x02);                     /* enabling raises it again */
    assert_true(f.irq[0].level);
    teardown(&f);
}

static void test_ns16550a_rx_arrives_one_character_time_apart(void **state)
{
    Fixture f = {.in = "abc"};
    ns_setup_8n1(&f, 0x01);
    devfix_run_until(&f, 5000);
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
    devfix_run_until(&f, 50000);
    assert_int_equal(f.narrivals, 0);
    assert_int_equal(clock_next_deadline(f.clock), CLOCK_NEVER);
    assert_int_equal(peek8(&f, LSR), 0x60); /* the debugger's does not count */
    devfix_run_until(&f, 60000);
    assert_int_equal(f.narrivals, 0);
    assert_int_equal(rd8(&f, LSR), 0x60); /* reset LCR: 5N1, 700 cycles */
    devfix_run_until(&f, 60700);
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
    devfix_run_until(&f, 10000);
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
    devfix_run_until(&f, 30000);
    assert_int_equal(f.narrivals, 16);
    assert_int_equal(f.arrivals[15], 16000);
    assert_int_equal(rd8(&f, LSR), 0x61); /* full, and no overrun */
    assert_int_equal(rd8(&f, RBR), 'A');  /* room: polling resumes */
    devfix_run_until(&f, 40000);
    assert_int_equal(f.narrivals, 17); /* 'Q', then full again: 'R' waits */
    assert_int_equal(f.arrivals[16], 31000);
    for (char c = 'B'; c <= 'Q'; c++)
        assert_int_equal(rd8(&f, RBR), c);
    assert_int_equal(rd8(&f, LSR), 0x60);
    devfix_run_until(&f, 41000);
    assert_int_equal(f.narrivals, 18);
    teardown(&f);
}

static void test_ns16550a_without_fifo_holds_one_byte(void **state)
{
    Fixture f = {.in = "ab"};
    ns_setup_8n1(&f, 0x00);
    devfix_run_until(&f, 5000);
    assert_int_equal(f.narrivals, 1);
    assert_int_equal(rd8(&f, RBR), 'a');
    devfix_run_until(&f, 7000);
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
    devfix_run_until(&f, at - 1);
    assert_false(f.irq[0].level);
    devfix_run_until(&f, at);
    assert_true(f.irq[0].level);
    assert_int_equal(f.irq[0].rose_at, at);
    assert_int_equal(rd8(&f, IIR), 0xc4);
    assert_int_equal(rd8(&f, RBR), '0'); /* below the trigger: cleared */
    assert_false(f.irq[0].level);
    assert_int_equal(rd8(&f, IIR), 0xc1);
    devfix_run_until(&f, at + 1000); /* the next byte reaches it again */
    assert_true(f.irq[0].level);
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
    devfix_run_until(&f, 20000);
    assert_int_equal(f.narrivals, 2);
    assert_true(f.irq[0].level);
    assert_int_equal(f.irq[0].rose_at, 2000 + 4000); /* 4 characters */
    assert_int_equal(rd8(&f, IIR), 0xcc);
    assert_int_equal(rd8(&f, RBR), 'a'); /* restarts the timer */
    assert_false(f.irq[0].level);
    assert_int_equal(rd8(&f, IIR), 0xc1);
    devfix_run_until(&f, 40000);
    assert_true(f.irq[0].level);
    assert_int_equal(f.irq[0].rose_at, 20000 + 4000);
    assert_int_equal(rd8(&f, RBR), 'b');
    assert_false(f.irq[0].level);
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
    assert_false(f.irq[0].level);
    wr8(&f, THR, 'y'); /* the holding register was full */
    assert_true(f.irq[0].level);
    assert_int_equal(rd8(&f, IIR), 0x06);
    assert_int_equal(peek8(&f, LSR), 0x63);
    assert_int_equal(rd8(&f, LSR), 0x63); /* reading LSR clears OE */
    assert_false(f.irq[0].level);
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
    assert_true(f.irq[0].level);
    assert_int_equal(rd8(&f, IIR), 0x06); /* line status first */
    assert_int_equal(rd8(&f, IIR), 0x06);
    assert_int_equal(rd8(&f, LSR), 0x63);
    assert_int_equal(rd8(&f, IIR), 0x04); /* then received data */
    assert_int_equal(rd8(&f, RBR), 'y');
    assert_int_equal(rd8(&f, IIR), 0x02); /* then THR empty, cleared by */
    assert_int_equal(rd8(&f, IIR), 0x00); /* reading it; then modem status */
    assert_true(f.irq[0].level);
    assert_int_equal(rd8(&f, MSR), 0x0b);
    assert_int_equal(rd8(&f, IIR), 0x01);
    assert_false(f.irq[0].level);
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
    assert_true(f.irq[0].level);
    assert_int_equal(rd8(&f, IIR), 0x00);
    assert_int_equal(rd8(&f, MSR), 0xb4);
    assert_false(f.irq[0].level);
    wr8(&f, MCR, 0x0f); /* leaving loopback: the fixed lines again */
    assert_int_equal(rd8(&f, MSR), 0xb0);
    teardown(&f);
}

static void test_ns16550a_fcr_resets_the_rx_fifo(void **state)
{
    Fixture f = {.in = "abcdef"};
    ns_setup_8n1(&f, 0x01);
    devfix_run_until(&f, 3000);
    assert_int_equal(f.narrivals, 3);
    wr8(&f, FCR, 0x03);
    assert_int_equal(rd8(&f, LSR), 0x60);
    devfix_run_until(&f, 4000);
    assert_int_equal(rd8(&f, RBR), 'd');
    devfix_run_until(&f, 5000);
    assert_int_equal(rd8(&f, LSR), 0x61); /* 'e' */
    wr8(&f, FCR, 0x00); /* leaving FIFO mode clears it too */
    assert_int_equal(rd8(&f, LSR), 0x60);
    teardown(&f);
}

static void test_ns16550a_peek_has_no_side_effects(void **state)
{
    Fixture f = {.in = "q"};
    ns_setup_8n1(&f, 0x01);
    devfix_run_until(&f, 1000);
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
        devfix_run_until(&f, clock_now(f.clock) + 100000);
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
    devfix_run_until(&f, 3000);
    assert_true(f.irq[0].level);
    f.cls->reset(f.dev.state);
    assert_false(f.irq[0].level);
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
    devfix_run_until(&f, 3000 + 1000);             /* idle until that access */
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
    devfix_run_until(&f, 1000);
    assert_int_equal(rd8(&f, RBR), 'a');
    assert_true(f.chr->eof); /* that was all: polling stopped */
    assert_int_equal(clock_next_deadline(f.clock), CLOCK_NEVER);
    devfix_run_until(&f, 5000);
    assert_false(f.irq[0].level);
    f.in = "b";
    f.inpos = 0;
    f.chr->eof = false;
    chardev_input_arrived(f.chr);
    devfix_run_until(&f, 5999);
    assert_false(f.irq[0].level);
    devfix_run_until(&f, 6000);
    assert_true(f.irq[0].level); /* received data available */
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
    devfix_run_until(&f, 5000);
    assert_int_equal(clock_next_deadline(f.clock), CLOCK_NEVER); /* no input */
    f.in = "z";
    assert_true(f.cls->set_property(f.dev.state, "chardev", "test", NULL));
    devfix_run_until(&f, 6000);
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
    const char *const zero[] = {"clock-frequency", "0",
                                "chardev", "test", NULL};
    const char *const word[] = {"clock-frequency", "fast",
                                "chardev", "test", NULL};
    const char *const baud[] = {"baud", "9600", "chardev", "test", NULL};
    expect_create_error("ns16550a", zero,
                        "dev.yaml:4:9: 'clock-frequency' must be greater than 0");
    expect_create_error("ns16550a", word,
                        "dev.yaml:4:9: clock-frequency: 'fast' is not a number");
    expect_create_error("ns16550a", baud,
                        "dev.yaml:4:9: unknown property 'baud' for ns16550a 'uart0'");
}

/* ---- the register table ---- */

static void test_ns16550a_table_is_valid_and_covers_offsets_0_to_7(void **state)
{
    const PeripheralClass *cls = registry_find("ns16550a");
    assert_non_null(cls->registers);
    Error *err = NULL;
    if (!regs_check(cls->registers, cls->type, &err))
        fail_msg("regs_check: %s", error_message(err));
    static const char *const names[] = {"rbr_thr_dll", "ier_dlm", "iir_fcr",
                                        "lcr", "mcr", "lsr", "msr", "scr"};
    assert_int_equal(cls->registers->nregs, 8);
    for (unsigned i = 0; i < 8; i++) {
        assert_string_equal(cls->registers->regs[i].name, names[i]);
        assert_int_equal(cls->registers->regs[i].offset, i);
        assert_int_equal(cls->registers->regs[i].width, 1);
    }
}

/* What `info types` and --describe-board show of the table. */
static void test_ns16550a_table_as_described(void **state)
{
    char *text = devfix_table_text("ns16550a");
    assert_string_equal(text,
        "    0x0000 rbr_thr_dll       8-bit rw         reset 0x0\n"
        "    0x0001 ier_dlm           8-bit rw         reset 0x0\n"
        "    0x0002 iir_fcr           8-bit rw         reset 0x1\n"
        "    0x0003 lcr               8-bit rw         reset 0x0  wls[1:0] stb[2] "
        "pen[3] eps[4] stick_parity[5] set_break[6] dlab[7]\n"
        "    0x0004 mcr               8-bit rw         reset 0x0 mask 0x1f  dtr[0] "
        "rts[1] out1[2] out2[3] loop[4]\n"
        "    0x0005 lsr               8-bit ro         reset 0x60  dr[0] oe[1] pe[2] "
        "fe[3] bi[4] thre[5] temt[6] fifo_error[7]\n"
        "    0x0006 msr               8-bit ro         reset 0xb0  dcts[0] ddsr[1] "
        "teri[2] ddcd[3] cts[4] dsr[5] ri[6] dcd[7]\n"
        "    0x0007 scr               8-bit rw         reset 0x0\n");
    free(text);
}

/* The debugger's word-sized peeks see every register at its reset value
 * (the divisor latch through DLAB), and change nothing. */
static void test_ns16550a_every_register_peeks_its_reset_value(void **state)
{
    Fixture f = {0};
    setup(&f, "ns16550a", NULL);
    /* rbr, ier, iir, lcr | mcr, lsr, msr, scr, lowest offset lowest */
    assert_int_equal(peek32(&f, 0), 0x00010000);
    assert_int_equal(peek32(&f, 4), 0x00b06000);
    for (uint32_t off = 0; off < 8; off++)
        assert_int_equal(peek8(&f, off), (0x00b0600000010000ull >> 8 * off) & 0xff);
    assert_int_equal(peek32(&f, 8), 0); /* past the map */
    wr8(&f, LCR, 0x80);
    assert_int_equal(peek8(&f, DLL), 0x00);
    assert_int_equal(peek8(&f, DLM), 0x00);
    assert_int_equal(peek32(&f, 0), 0x80010000);
    assert_string_equal(f.log, ""); /* peeks report nothing */
    teardown(&f);
}

/* lsr and msr are read-only (a write is reported once); the writable
 * bits of each register: all ones written reads back the mask. */
static void test_ns16550a_access_kinds_and_masks(void **state)
{
    Fixture f = {0};
    setup(&f, "ns16550a", NULL);
    for (int i = 0; i < 2; i++) {
        wr8(&f, LSR, 0xff);
        wr8(&f, MSR, 0xff);
    }
    assert_int_equal(rd8(&f, LSR), 0x60);
    assert_int_equal(rd8(&f, MSR), 0xb0);
    assert_int_equal(devfix_log_count(&f, "uart0: write of 0xff to read-only "
                                          "lsr ignored"), 1);
    assert_int_equal(devfix_log_count(&f, "uart0: write of 0xff to read-only "
                                          "msr ignored"), 1);
    assert_int_equal(devfix_log_count(&f, "ignored"), 2);
    wr8(&f, IER, 0xff);
    assert_int_equal(rd8(&f, IER), 0x0f);
    wr8(&f, MCR, 0xff);
    assert_int_equal(rd8(&f, MCR), 0x1f);
    wr8(&f, SCR, 0xff);
    assert_int_equal(rd8(&f, SCR), 0xff);
    wr8(&f, FCR, 0xff); /* enable, DMA mode and trigger are kept */
    assert_int_equal(rd8(&f, IIR) & 0xc0, 0xc0);
    wr8(&f, LCR, 0xff);
    assert_int_equal(rd8(&f, LCR), 0xff);
    wr8(&f, DLL, 0xff);
    wr8(&f, DLM, 0xff);
    assert_int_equal(rd8(&f, DLL), 0xff);
    assert_int_equal(rd8(&f, DLM), 0xff);
    assert_int_equal(f.outlen, 0);
    teardown(&f);
}

/* A wider access is its byte accesses done as one: misaligned ones too,
 * never a bus error, `bad-access: ignore` or not, and the output and the
 * receiver are updated once, after its last byte. */
static void test_ns16550a_split_access_is_one_access(void **state)
{
    Fixture f = {.in = "z"};
    setup(&f, "ns16550a", NS_1000);
    /* thr 'a', ier ETBEI, fcr FIFOs on, lcr 8N1: the first access, so the
     * first poll is one 8N1 character (1000 cycles) after it, not one
     * character at the reset LCR (5N1, 700). */
    unsigned sets = f.irq[0].sets;
    devfix_write(&f, 0, 4, 0x03010200 | 'a');
    assert_int_equal(f.irq[0].sets, sets + 1);
    assert_true(f.irq[0].level);
    assert_int_equal(f.outlen, 1);
    assert_int_equal(f.out[0], 'a');
    devfix_run_until(&f, 1000);
    assert_int_equal(f.narrivals, 1);
    assert_int_equal(f.arrivals[0], 1000);
    uint32_t v = 0;
    assert_int_equal(devfix_try_read(&f, 1, 2, &v), MEM_OK); /* ier, iir */
    assert_int_equal(v, 0xc202);
    assert_int_equal(devfix_try_read(&f, 3, 4, &v), MEM_OK); /* lcr..msr */
    assert_int_equal(v, 0xb0610003);
    teardown(&f);

    const char *const ignore[] = {"chardev", "test", "bad-access", "ignore", NULL};
    Fixture g = {0};
    setup(&g, "ns16550a", ignore);
    wr8(&g, SCR, 0x5a);
    assert_int_equal(devfix_try_read(&g, 6, 2, &v), MEM_OK);
    assert_int_equal(v, 0x5ab0);
    assert_string_equal(g.log, "");
    teardown(&g);
}

static void test_ns16550a_offsets_past_the_map_are_reported_once(void **state)
{
    Fixture f = {0};
    setup(&f, "ns16550a", NULL);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(rd8(&f, 0x10), 0);
        wr8(&f, 0x80, 7);
        assert_int_equal(devfix_read(&f, 6, 4), 0x0000b0); /* msr, scr, +8, +9 */
    }
    assert_int_equal(devfix_log_count(&f, "uart0: read at +0x10: no register "
                                          "there"), 1);
    assert_int_equal(devfix_log_count(&f, "uart0: write of 0x7 at +0x80 "
                                          "ignored: no register there"), 1);
    assert_int_equal(devfix_log_count(&f, "uart0: read at +0x8: no register "
                                          "there"), 1);
    assert_int_equal(devfix_log_count(&f, "no register there"), 4);
    teardown(&f);
}

static void test_ns16550a_bad_access_property_is_checked(void **state)
{
    const char *const maybe[] = {"chardev", "test", "bad-access", "maybe", NULL};
    expect_create_error("ns16550a", maybe,
                        "dev.yaml:5:9: bad-access: 'maybe' is not fault or ignore");
    Fixture f = {0};
    setup(&f, "ns16550a", NULL);
    Error *err = NULL;
    assert_false(f.cls->set_property(f.dev.state, "bad-access", "ignore", &err));
    assert_string_equal(error_message(err),
                        "property 'bad-access' of ns16550a 'uart0' cannot "
                        "change while it runs (live: chardev)");
    error_free(err);
    teardown(&f);
}

/* Traces name the register an access reached, by DLAB and direction at
 * the banked offsets, with its fields (a write shows the writable ones). */
static void test_ns16550a_trace_names_the_banked_register(void **state)
{
    Fixture f = {0};
    setup(&f, "ns16550a", NULL);
    devfix_expect_described(&f, 0, 0x41, false, "rbr", "");
    devfix_expect_described(&f, 0, 0x41, true, "thr", "");
    devfix_expect_described(&f, 1, 0x05, true, "ier", "erbfi=1 etbei=0 elsi=1 edssi=0");
    devfix_expect_described(&f, 2, 0xcc, false, "iir", "no_int=0 id=6 fifos=3");
    devfix_expect_described(&f, 2, 0xc7, true, "fcr",
                     "fifo_enable=1 rcvr_reset=1 xmit_reset=1 dma_mode=0 "
                     "rcvr_trigger=3");
    devfix_expect_described(&f, 3, 0x83, true, "lcr",
                     "wls=3 stb=0 pen=0 eps=0 stick_parity=0 set_break=0 dlab=1");
    devfix_expect_described(&f, 4, 0x10, true, "mcr",
                     "dtr=0 rts=0 out1=0 out2=0 loop=1");
    devfix_expect_described(&f, 5, 0x61, false, "lsr",
                     "dr=1 oe=0 pe=0 fe=0 bi=0 thre=1 temt=1 fifo_error=0");
    devfix_expect_described(&f, 6, 0xb1, false, "msr",
                     "dcts=1 ddsr=0 teri=0 ddcd=0 cts=1 dsr=1 ri=0 dcd=1");
    devfix_expect_described(&f, 7, 0x5a, true, "scr", "");
    devfix_expect_described(&f, 8, 0, false, "", "");
    wr8(&f, LCR, 0x80);
    devfix_expect_described(&f, 0, 0x01, true, "dll", "");
    devfix_expect_described(&f, 0, 0x01, false, "dll", "");
    devfix_expect_described(&f, 1, 0x00, true, "dlm", "");
    devfix_expect_described(&f, 2, 0x01, false, "iir", "no_int=1 id=0 fifos=0");
    devfix_expect_described(&f, 2, 0x01, true, "fcr",
                     "fifo_enable=1 rcvr_reset=0 xmit_reset=0 dma_mode=0 "
                     "rcvr_trigger=0");
    teardown(&f);
}

/* ---- the receiver's polling ---- */

/* Loopback takes the receiver off the line: a coming poll is dropped,
 * and leaving loopback polls again one character later. */
static void test_ns16550a_loopback_pauses_the_receiver(void **state)
{
    Fixture f = {.in = "abc"};
    ns_setup_8n1(&f, 0x01);
    devfix_run_until(&f, 1500);
    assert_int_equal(f.narrivals, 1); /* 'a' at 1000; 'b' due at 2000 */
    wr8(&f, MCR, 0x10); /* the poll at 2000 is dropped */
    assert_int_equal(rd8(&f, RBR), 'a'); /* room again, still in loopback */
    devfix_run_until(&f, 10000);
    assert_int_equal(f.narrivals, 1);
    wr8(&f, MCR, 0x00);
    devfix_run_until(&f, 11000);
    assert_int_equal(f.narrivals, 2);
    assert_int_equal(f.arrivals[1], 11000);
    assert_int_equal(rd8(&f, RBR), 'b');
    teardown(&f);
}

/* Without FIFOs the holding register fills with one byte and polling
 * stops; reading it polls again one character later. */
static void test_ns16550a_full_holding_register_stops_polling(void **state)
{
    Fixture f = {.in = "ab"};
    ns_setup_8n1(&f, 0x00);
    devfix_run_until(&f, 1000);
    assert_int_equal(f.narrivals, 1);
    assert_int_equal(clock_next_deadline(f.clock), CLOCK_NEVER);
    devfix_run_until(&f, 4500);
    assert_int_equal(rd8(&f, LSR), 0x61); /* no overrun: nothing polled */
    assert_int_equal(rd8(&f, RBR), 'a');
    devfix_run_until(&f, 5500);
    assert_int_equal(f.narrivals, 2);
    assert_int_equal(f.arrivals[1], 5500);
    teardown(&f);
}

/* Any access starts the line, also one that reaches no register or
 * writes a read-only one. */
static void expect_first_access_starts_the_line(bool is_write, uint32_t offset)
{
    Fixture f = {.in = "x"};
    setup(&f, "ns16550a", NS_1000);
    devfix_run_until(&f, 100);
    if (is_write)
        wr8(&f, offset, 0);
    else
        assert_int_equal(rd8(&f, offset), 0);
    devfix_run_until(&f, 1000);
    assert_int_equal(f.narrivals, 1);
    assert_int_equal(f.arrivals[0], 100 + 700); /* reset LCR: 5N1 */
    teardown(&f);
}

static void test_ns16550a_first_access_anywhere_starts_the_line(void **state)
{
    expect_first_access_starts_the_line(false, 0x10);
    expect_first_access_starts_the_line(true, 0x10);
    expect_first_access_starts_the_line(true, LSR);
    expect_first_access_starts_the_line(true, MSR);
    expect_first_access_starts_the_line(true, SCR);
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
        cmocka_unit_test(test_ns16550a_table_is_valid_and_covers_offsets_0_to_7),
        cmocka_unit_test(test_ns16550a_table_as_described),
        cmocka_unit_test(test_ns16550a_every_register_peeks_its_reset_value),
        cmocka_unit_test(test_ns16550a_access_kinds_and_masks),
        cmocka_unit_test(test_ns16550a_split_access_is_one_access),
        cmocka_unit_test(test_ns16550a_offsets_past_the_map_are_reported_once),
        cmocka_unit_test(test_ns16550a_bad_access_property_is_checked),
        cmocka_unit_test(test_ns16550a_trace_names_the_banked_register),
        cmocka_unit_test(test_ns16550a_loopback_pauses_the_receiver),
        cmocka_unit_test(test_ns16550a_full_holding_register_stops_polling),
        cmocka_unit_test(test_ns16550a_first_access_anywhere_starts_the_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
