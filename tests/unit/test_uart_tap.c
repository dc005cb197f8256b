/* Taps on peripherals' chardevs (sim/uart_tap.c): output goes to the
 * backend, then to the observer, under the device's name; queued input is
 * read before the backend's; a device that stopped polling is woken; the
 * queue belongs to the name, so the chardev a replaced (or re-powered, or
 * re-configured) device opens next finds it; while two chardevs of one
 * name are open, only the newest reads it; and taps freed before their
 * chardevs leave those chardevs working. Fake backends stand in for the
 * host's; ASan checks nothing is used after it is freed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/uart_tap.h"

/* A backend with scripted input and recorded output. */
typedef struct FakeChr {
    Chardev base;
    const char *input; /* what read returns, then (when ends) eof */
    size_t pos;
    bool ends;
    char *out; /* the fixture's buffer for what was written */
    size_t *outlen;
    int *closed;
} FakeChr;

static void fake_write(Chardev *chr, const uint8_t *buf, size_t len)
{
    FakeChr *f = (FakeChr *)chr;
    memcpy(f->out + *f->outlen, buf, len);
    *f->outlen += len;
}

static size_t fake_read(Chardev *chr, uint8_t *buf, size_t max)
{
    FakeChr *f = (FakeChr *)chr;
    size_t left = strlen(f->input) - f->pos;
    size_t n = left < max ? left : max;
    memcpy(buf, f->input + f->pos, n);
    f->pos += n;
    if (f->ends && f->pos == strlen(f->input))
        chr->eof = true;
    return n;
}

static void fake_close(Chardev *chr)
{
    FakeChr *f = (FakeChr *)chr;
    ++*f->closed;
    free(f);
}

static const ChardevOps fake_ops = {.write = fake_write, .read = fake_read,
                                    .close = fake_close};
static const ChardevOps fake_output_only = {.write = fake_write, .close = fake_close};

typedef struct Fx {
    UartTaps *taps;
    char out[256]; /* what backends were given */
    size_t outlen;
    char seen[256]; /* what the observer saw, as "device:bytes|" */
    size_t seenlen;
    size_t outlen_when_seen; /* the backends' output when the observer ran */
    int closed;
    int woken; /* input_arrived calls on the wrapper */
} Fx;

static FakeChr *fake(Fx *fx, const char *input, bool ends)
{
    FakeChr *f = calloc(1, sizeof *f);
    f->base.ops = &fake_ops;
    f->input = input;
    f->ends = ends;
    f->base.eof = ends && !*input; /* nothing to read, ever */
    f->out = fx->out;
    f->outlen = &fx->outlen;
    f->closed = &fx->closed;
    return f;
}

static void observe(void *opaque, const char *device, const uint8_t *bytes, size_t len)
{
    Fx *fx = opaque;
    fx->outlen_when_seen = fx->outlen;
    fx->seenlen += (size_t)snprintf(fx->seen + fx->seenlen, sizeof fx->seen - fx->seenlen,
                                    "%s:%.*s|", device, (int)len, (const char *)bytes);
}

static void woken(void *opaque)
{
    ((Fx *)opaque)->woken++;
}

static Fx *fx_new(void)
{
    Fx *fx = calloc(1, sizeof *fx);
    fx->taps = uart_taps_new();
    uart_taps_set_observer(fx->taps, observe, fx);
    return fx;
}

static Chardev *wrap(Fx *fx, const char *device, FakeChr *inner)
{
    Chardev *chr = uart_taps_wrap(fx->taps, device, &inner->base);
    chardev_set_input_handler(chr, woken, fx);
    return chr;
}

static void send_ok(Fx *fx, const char *device, const char *text)
{
    Error *err = NULL;
    if (!uart_taps_send(fx->taps, device, (const uint8_t *)text, strlen(text), &err))
        fail_msg("send to %s: %s", device, error_message(err));
}

/* Everything readable now, as a string. */
static char *read_now(Chardev *chr)
{
    static char buf[128];
    size_t n = 0, got;
    while ((got = chardev_read(chr, (uint8_t *)buf + n, 3)) > 0)
        n += got;
    buf[n] = '\0';
    return buf;
}

static void test_output_goes_to_the_backend_then_the_observer(void **state)
{
    Fx *fx = fx_new();
    Chardev *chr = wrap(fx, "uart0", fake(fx, "", true));
    chardev_write(chr, (const uint8_t *)"hi", 2);
    assert_int_equal(fx->outlen, 2);
    assert_memory_equal(fx->out, "hi", 2);
    assert_int_equal(fx->outlen_when_seen, 2); /* the backend had it first */
    assert_string_equal(fx->seen, "uart0:hi|");
    chardev_close(chr);
    assert_int_equal(fx->closed, 1); /* closing the tap closes the backend */
    uart_taps_free(fx->taps);
    free(fx);
}

static void test_queued_input_comes_before_the_backends(void **state)
{
    Fx *fx = fx_new();
    Chardev *chr = wrap(fx, "uart0", fake(fx, "host", false));
    send_ok(fx, "uart0", "sent-");
    assert_string_equal(read_now(chr), "sent-host");
    assert_false(chardev_input_ended(chr)); /* the backend goes on */
    chardev_close(chr);
    uart_taps_free(fx->taps);
    free(fx);
}

/* The device stops polling at the end of input; a send restarts it once,
 * and the end comes back when the queue is read. */
static void test_send_wakes_a_device_whose_input_ended(void **state)
{
    Fx *fx = fx_new();
    FakeChr *inner = fake(fx, "", true);
    inner->base.ops = &fake_output_only; /* stdio as output only */
    Chardev *chr = wrap(fx, "uart0", inner);
    assert_true(chardev_input_ended(chr));
    send_ok(fx, "uart0", "ab");
    assert_int_equal(fx->woken, 1);
    assert_false(chardev_input_ended(chr));
    send_ok(fx, "uart0", "c"); /* still polling: nothing to wake */
    assert_int_equal(fx->woken, 1);
    assert_string_equal(read_now(chr), "abc");
    assert_true(chardev_input_ended(chr));
    chardev_close(chr);
    uart_taps_free(fx->taps);
    free(fx);
}

static void test_eof_when_backend_ended_and_queue_empty(void **state)
{
    Fx *fx = fx_new();
    Chardev *chr = wrap(fx, "uart0", fake(fx, "xy", true));
    assert_false(chardev_input_ended(chr));
    send_ok(fx, "uart0", "q");
    assert_string_equal(read_now(chr), "qxy");
    assert_true(chardev_input_ended(chr));
    assert_int_equal(fx->woken, 0);
    chardev_close(chr);
    uart_taps_free(fx->taps);
    free(fx);
}

static void test_send_without_an_open_chardev_fails(void **state)
{
    Fx *fx = fx_new();
    Error *err = NULL;
    assert_false(uart_taps_send(fx->taps, "uart9", (const uint8_t *)"x", 1, &err));
    assert_string_equal(error_message(err), "'uart9' has no serial port open (no such "
                        "peripheral, powered off, or no chardev)");
    error_free(err);
    err = NULL;
    Chardev *chr = wrap(fx, "uart0", fake(fx, "", true));
    chardev_close(chr); /* powered off: the name is known, nothing is open */
    assert_false(uart_taps_send(fx->taps, "uart0", (const uint8_t *)"x", 1, &err));
    assert_non_null(err);
    error_free(err);
    uart_taps_free(fx->taps);
    free(fx);
}

/* Bytes queued for a name wait for the next chardev of that name (a
 * replaced UART's), not another name's. */
static void test_queue_belongs_to_the_name(void **state)
{
    Fx *fx = fx_new();
    Chardev *old = wrap(fx, "uart0", fake(fx, "", true));
    send_ok(fx, "uart0", "kept");
    chardev_close(old);
    Chardev *other = wrap(fx, "uart1", fake(fx, "", true));
    assert_string_equal(read_now(other), "");
    Chardev *new = wrap(fx, "uart0", fake(fx, "", true));
    assert_false(chardev_input_ended(new)); /* it finds its queue at once */
    assert_string_equal(read_now(new), "kept");
    chardev_write(new, (const uint8_t *)"z", 1);
    assert_string_equal(fx->seen, "uart0:z|");
    chardev_close(new);
    chardev_close(other);
    uart_taps_free(fx->taps);
    free(fx);
}

/* During a replace (or a chardev change) two chardevs of one name are
 * open: the newest reads the queue and is woken; when it goes, the one
 * left takes over the queue and is woken. */
static void test_newest_chardev_of_a_name_reads_the_queue(void **state)
{
    Fx *fx = fx_new();
    Chardev *old = wrap(fx, "uart0", fake(fx, "", false)); /* still polled */
    Chardev *new = wrap(fx, "uart0", fake(fx, "", true));
    send_ok(fx, "uart0", "ab");
    assert_int_equal(fx->woken, 1);
    assert_string_equal(read_now(old), "");
    assert_string_equal(read_now(new), "a" "b");
    send_ok(fx, "uart0", "cd");
    chardev_close(new);
    assert_int_equal(fx->woken, 2); /* old polls on: no hand-over wake-up */
    assert_string_equal(read_now(old), "cd");
    chardev_close(old);
    uart_taps_free(fx->taps);
    free(fx);
}

/* A replace that fails after the new device opened its chardev: the new
 * one closes first and the old one, which had stopped polling, is woken
 * for what was queued meanwhile. */
static void test_queue_passes_back_when_the_newest_closes(void **state)
{
    Fx *fx = fx_new();
    Chardev *old = wrap(fx, "uart0", fake(fx, "", true));
    Chardev *new = wrap(fx, "uart0", fake(fx, "", true));
    send_ok(fx, "uart0", "cd");
    assert_int_equal(fx->woken, 1);
    chardev_close(new);
    assert_int_equal(fx->woken, 2);
    assert_false(chardev_input_ended(old));
    assert_string_equal(read_now(old), "cd");
    assert_true(chardev_input_ended(old));
    chardev_close(old);
    uart_taps_free(fx->taps);
    free(fx);
}

/* A backend whose input comes back (a tcp client connecting again) wakes
 * the device through the tap. */
static void test_backend_input_arriving_wakes_the_device(void **state)
{
    Fx *fx = fx_new();
    FakeChr *inner = fake(fx, "", true);
    Chardev *chr = wrap(fx, "uart0", inner);
    assert_string_equal(read_now(chr), "");
    assert_true(chardev_input_ended(chr));
    inner->input = "back";
    inner->pos = 0;
    inner->base.eof = false;
    chardev_input_arrived(&inner->base);
    assert_int_equal(fx->woken, 1);
    assert_string_equal(read_now(chr), "back");
    chardev_close(chr);
    uart_taps_free(fx->taps);
    free(fx);
}

/* Freed before the chardevs it wrapped: they pass bytes through untapped
 * and close cleanly. */
static void test_taps_freed_before_their_chardevs(void **state)
{
    Fx *fx = fx_new();
    Chardev *chr = wrap(fx, "uart0", fake(fx, "in", true));
    send_ok(fx, "uart0", "q");
    uart_taps_free(fx->taps);
    chardev_write(chr, (const uint8_t *)"ok", 2);
    assert_int_equal(fx->outlen, 2);
    assert_string_equal(fx->seen, "");
    assert_string_equal(read_now(chr), "in");
    chardev_close(chr);
    assert_int_equal(fx->closed, 1);
    free(fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_output_goes_to_the_backend_then_the_observer),
        cmocka_unit_test(test_queued_input_comes_before_the_backends),
        cmocka_unit_test(test_send_wakes_a_device_whose_input_ended),
        cmocka_unit_test(test_eof_when_backend_ended_and_queue_empty),
        cmocka_unit_test(test_send_without_an_open_chardev_fails),
        cmocka_unit_test(test_queue_belongs_to_the_name),
        cmocka_unit_test(test_newest_chardev_of_a_name_reads_the_queue),
        cmocka_unit_test(test_queue_passes_back_when_the_newest_closes),
        cmocka_unit_test(test_backend_input_arriving_wakes_the_device),
        cmocka_unit_test(test_taps_freed_before_their_chardevs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
