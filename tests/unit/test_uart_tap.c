/* Taps on peripherals' chardevs (sim/uart_tap.c): output goes to the
 * backend, then to the observer, under the device's name; queued input is
 * read before the backend's; a device that stopped polling is woken; the
 * queue belongs to the name, so the chardev a replaced (or re-powered, or
 * re-configured) device opens next finds it; while two chardevs of one
 * name are open, only the newest reads it; and taps freed before their
 * chardevs leave those chardevs working. A device asking for the spec a
 * chardev of its name still holds shares that chardev's backend (a
 * replaced UART's file, port or pty is handed over): the newest sharer
 * reads it, the last one closes it. Fake backends stand in for the
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

static void count_wake(void *opaque)
{
    ++*(int *)opaque;
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

/* The taps' input state (uart_taps_state_save/restore, for reverse
 * execution): the bytes queued then are what the device reads after a
 * restore (not the present's queue), a name with nothing queued then has
 * an empty queue, and a backend whose input ended since reads again (its
 * end not yet come then), the device's view (eof) following. */
static void test_input_state_restores_queues_and_ends(void **state)
{
    Fx *fx = fx_new();
    Chardev *a = wrap(fx, "uart0", fake(fx, "xy", true));
    Chardev *b = wrap(fx, "uart1", fake(fx, "", false));
    send_ok(fx, "uart0", "abc");
    UartTapsState *then = uart_taps_state_save(fx->taps);
    assert_string_equal(read_now(a), "abcxy"); /* uart0's backend ended */
    assert_true(chardev_input_ended(a));
    send_ok(fx, "uart0", "late");
    send_ok(fx, "uart1", "more");
    uart_taps_state_restore(fx->taps, then);
    assert_false(chardev_input_ended(a));
    assert_string_equal(read_now(b), ""); /* nothing was queued on uart1 then */
    char got[16];
    size_t n = chardev_read(a, (uint8_t *)got, sizeof got);
    assert_int_equal(n, 3);
    assert_memory_equal(got, "abc", 3); /* not "late", not twice */
    uart_taps_state_free(then);
    uart_taps_state_free(NULL);
    chardev_close(a);
    chardev_close(b);
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

/* ---- backends handed over by spec (uart_taps_open) ---- */

/* Opens fake backends; "bad" cannot open. */
typedef struct Opener {
    Fx *fx;
    int opens;
    const char *input; /* the next backend's input */
    bool ends;
    FakeChr *last;     /* the backend opened last */
} Opener;

static Chardev *fake_open(void *opaque, const char *spec, Error **errp)
{
    Opener *o = opaque;
    if (strcmp(spec, "bad") == 0) {
        error_setf(errp, "chardev '%s': cannot open", spec);
        return NULL;
    }
    o->opens++;
    o->last = fake(o->fx, o->input, o->ends);
    return &o->last->base;
}

/* A tapped chardev on `spec`, woken through `woken` (a counter). */
static Chardev *open_ok(Opener *o, const char *device, const char *spec, int *woken)
{
    Error *err = NULL;
    Chardev *chr = uart_taps_open(o->fx->taps, device, spec, fake_open, o, &err);
    if (!chr)
        fail_msg("open %s on %s: %s", spec, device, error_message(err));
    chardev_set_input_handler(chr, count_wake, woken);
    return chr;
}

static void write_text(Chardev *chr, const char *text)
{
    chardev_write(chr, (const uint8_t *)text, strlen(text));
}

/* A replaced UART keeps its chardev spec: the new device is handed the
 * old one's backend (a file not truncated, a port not listened on twice),
 * and both write to it while both are open. */
static void test_same_spec_shares_the_backend(void **state)
{
    Fx *fx = fx_new();
    Opener o = {.fx = fx, .input = ""};
    int w_old = 0, w_new = 0;
    Chardev *old = open_ok(&o, "uart0", "tcp:4444", &w_old);
    write_text(old, "ab");
    Chardev *new = open_ok(&o, "uart0", "tcp:4444", &w_new);
    assert_int_equal(o.opens, 1);
    write_text(new, "cd");
    write_text(old, "e"); /* the old device's last words */
    assert_int_equal(fx->outlen, 5);
    assert_memory_equal(fx->out, "abcde", 5);
    assert_string_equal(fx->seen, "uart0:ab|uart0:cd|uart0:e|");
    chardev_close(old);
    assert_int_equal(fx->closed, 0); /* the new device holds it */
    write_text(new, "f");
    assert_memory_equal(fx->out, "abcdef", 6);
    chardev_close(new);
    assert_int_equal(fx->closed, 1);
    uart_taps_free(fx->taps);
    free(fx);
}

/* A live chardev change (another spec), the same spec under another
 * name, and a spec whose chardevs all closed each open a backend. */
static void test_a_different_spec_or_name_opens_its_own_backend(void **state)
{
    Fx *fx = fx_new();
    Opener o = {.fx = fx, .input = ""};
    int woken = 0;
    Chardev *a = open_ok(&o, "uart0", "file:a", &woken);
    Chardev *b = open_ok(&o, "uart0", "file:b", &woken);
    assert_int_equal(o.opens, 2);
    Chardev *other = open_ok(&o, "uart1", "file:a", &woken);
    assert_int_equal(o.opens, 3);
    chardev_close(a);
    assert_int_equal(fx->closed, 1); /* its backend was its own */
    chardev_close(b);
    assert_int_equal(fx->closed, 2);
    Chardev *again = open_ok(&o, "uart0", "file:a", &woken);
    assert_int_equal(o.opens, 4);
    chardev_close(again);
    chardev_close(other);
    assert_int_equal(fx->closed, 4);
    uart_taps_free(fx->taps);
    free(fx);
}

/* The backend closes with the last chardev sharing it, whichever order
 * they close in. */
static void test_the_last_sharer_closes_the_backend(void **state)
{
    Fx *fx = fx_new();
    Opener o = {.fx = fx, .input = ""};
    int woken = 0;
    Chardev *first = open_ok(&o, "uart0", "pty", &woken);
    Chardev *second = open_ok(&o, "uart0", "pty", &woken);
    Chardev *third = open_ok(&o, "uart0", "pty", &woken);
    assert_int_equal(o.opens, 1);
    chardev_close(second);
    chardev_close(third);
    assert_int_equal(fx->closed, 0);
    write_text(first, "x");
    assert_int_equal(fx->outlen, 1);
    chardev_close(first);
    assert_int_equal(fx->closed, 1);
    uart_taps_free(fx->taps);
    free(fx);
}

/* Only the newest sharer reads the backend (and the queue): the older
 * reports the end of its input, so its device stops polling. When the
 * newest closes first (a refused replace), the older reads again and is
 * woken for it. */
static void test_only_the_newest_sharer_reads_the_backend(void **state)
{
    Fx *fx = fx_new();
    Opener o = {.fx = fx, .input = "xyz"};
    int w_old = 0, w_new = 0;
    Chardev *old = open_ok(&o, "uart0", "tcp:4444", &w_old);
    Chardev *new = open_ok(&o, "uart0", "tcp:4444", &w_new);
    assert_false(chardev_input_ended(new));
    assert_string_equal(read_now(old), "");
    assert_true(chardev_input_ended(old));
    send_ok(fx, "uart0", "q");
    uint8_t byte;
    assert_int_equal(chardev_read(new, &byte, 1), 1);
    assert_int_equal(byte, 'q');
    assert_int_equal(chardev_read(new, &byte, 1), 1);
    assert_int_equal(byte, 'x');
    assert_string_equal(read_now(old), "");
    chardev_close(new);
    assert_int_equal(w_old, 1);
    assert_false(chardev_input_ended(old));
    assert_string_equal(read_now(old), "yz");
    chardev_close(old);
    assert_int_equal(fx->closed, 1);
    uart_taps_free(fx->taps);
    free(fx);
}

/* The backend passes back to its older user even when the newest chardev
 * of the name (which takes the queue) has a backend of its own. */
static void test_backend_passes_back_past_another_spec(void **state)
{
    Fx *fx = fx_new();
    Opener o = {.fx = fx, .input = "xy"};
    int w_old = 0, w_other = 0, w_new = 0;
    Chardev *old = open_ok(&o, "uart0", "tcp:4444", &w_old);
    o.input = "";
    o.ends = true;
    Chardev *other = open_ok(&o, "uart0", "null", &w_other);
    Chardev *new = open_ok(&o, "uart0", "tcp:4444", &w_new);
    assert_int_equal(o.opens, 2);
    assert_string_equal(read_now(old), "");
    assert_true(chardev_input_ended(old));
    chardev_close(new);
    assert_int_equal(w_old, 1);
    assert_int_equal(w_other, 0);
    assert_string_equal(read_now(old), "xy");
    chardev_close(other);
    chardev_close(old);
    assert_int_equal(fx->closed, 2);
    uart_taps_free(fx->taps);
    free(fx);
}

/* Input coming back on a shared backend (a tcp client connecting again)
 * wakes the newest sharer only. */
static void test_backend_input_wakes_the_newest_sharer(void **state)
{
    Fx *fx = fx_new();
    Opener o = {.fx = fx, .input = "", .ends = true};
    int w_old = 0, w_new = 0;
    Chardev *old = open_ok(&o, "uart0", "tcp:4444", &w_old);
    Chardev *new = open_ok(&o, "uart0", "tcp:4444", &w_new);
    assert_true(chardev_input_ended(old));
    assert_true(chardev_input_ended(new));
    FakeChr *backend = o.last;
    backend->input = "back";
    backend->base.eof = false;
    chardev_input_arrived(&backend->base);
    assert_int_equal(w_new, 1);
    assert_int_equal(w_old, 0);
    assert_string_equal(read_now(old), "");
    assert_string_equal(read_now(new), "back");
    chardev_close(old);
    chardev_close(new);
    uart_taps_free(fx->taps);
    free(fx);
}

/* A spec that cannot open: the opener's error, nothing open under the
 * name, and a live chardev of the name untouched. */
static void test_a_backend_that_cannot_open_leaves_nothing(void **state)
{
    Fx *fx = fx_new();
    Opener o = {.fx = fx, .input = ""};
    Error *err = NULL;
    assert_null(uart_taps_open(fx->taps, "uart0", "bad", fake_open, &o, &err));
    assert_string_equal(error_message(err), "chardev 'bad': cannot open");
    error_free(err);
    err = NULL;
    assert_false(uart_taps_send(fx->taps, "uart0", (const uint8_t *)"x", 1, &err));
    error_free(err);
    err = NULL;
    int woken = 0;
    Chardev *live = open_ok(&o, "uart0", "null", &woken);
    assert_null(uart_taps_open(fx->taps, "uart0", "bad", fake_open, &o, &err));
    error_free(err);
    send_ok(fx, "uart0", "ok");
    assert_string_equal(read_now(live), "ok");
    chardev_close(live);
    assert_int_equal(fx->closed, 1);
    uart_taps_free(fx->taps);
    free(fx);
}

/* Taps freed while two chardevs share a backend: both still pass bytes,
 * and the backend closes once, with the last. */
static void test_taps_freed_before_sharers(void **state)
{
    Fx *fx = fx_new();
    Opener o = {.fx = fx, .input = "in"};
    int w_old = 0, w_new = 0;
    Chardev *old = open_ok(&o, "uart0", "stdio", &w_old);
    Chardev *new = open_ok(&o, "uart0", "stdio", &w_new);
    uart_taps_free(fx->taps);
    write_text(old, "a");
    write_text(new, "b");
    assert_memory_equal(fx->out, "ab", 2);
    assert_string_equal(read_now(new), "in");
    chardev_close(new);
    assert_int_equal(fx->closed, 0);
    chardev_close(old);
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
        cmocka_unit_test(test_same_spec_shares_the_backend),
        cmocka_unit_test(test_a_different_spec_or_name_opens_its_own_backend),
        cmocka_unit_test(test_the_last_sharer_closes_the_backend),
        cmocka_unit_test(test_only_the_newest_sharer_reads_the_backend),
        cmocka_unit_test(test_backend_passes_back_past_another_spec),
        cmocka_unit_test(test_backend_input_wakes_the_newest_sharer),
        cmocka_unit_test(test_a_backend_that_cannot_open_leaves_nothing),
        cmocka_unit_test(test_taps_freed_before_sharers),
        cmocka_unit_test(test_input_state_restores_queues_and_ends),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
