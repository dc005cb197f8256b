/* What the two UART models' tests share (test_ns16550a.c,
 * test_sifive_uart.c): "uart0" of a given model at BASE on
 * tests/unit/device_fixture.h, with the fixture's scripted chardev unless
 * properties are given, and the check that creating one fails. */
#ifndef TESTS_UNIT_UART_FIXTURE_H
#define TESTS_UNIT_UART_FIXTURE_H

#include "tests/unit/device_fixture.h"

#define BASE 0x10000000u

typedef DevFixture Fixture;

/* Creates "uart0" of `type` at BASE with properties kv (key, value, ...,
 * NULL; NULL: only the fixture's scripted chardev, "test"). */
static bool try_create(Fixture *f, const char *type, bool with_clock,
                       const char *const *kv, Error **errp)
{
    devfix_setup(f, 0);
    if (!with_clock)
        f->host.clock = NULL;
    return devfix_try_create(f, type, "uart0", BASE, 0,
                             kv ? kv : DEVFIX_KV("chardev", "test"), errp);
}

static void setup_with(Fixture *f, const char *type, bool with_clock,
                       const char *const *kv)
{
    Error *err = NULL;
    if (!try_create(f, type, with_clock, kv, &err))
        fail_msg("create: %s", error_message(err));
}

static void setup(Fixture *f, const char *type, const char *const *kv)
{
    setup_with(f, type, true, kv);
}

static void teardown(Fixture *f) { devfix_teardown(f); }

static void expect_create_error(const char *type, const char *const *kv,
                                const char *message)
{
    Fixture f = {0};
    Error *err = NULL;
    assert_false(try_create(&f, type, true, kv, &err));
    devfix_expect_error(err, message);
    devfix_teardown(&f);
}

#endif
