/* The power controller (peripherals/power_controller.c), built through
 * its registry class with a hand-made host whose power hook records each
 * call and refuses the domains a test names: registers at reset, a write
 * asks the machine for exactly the domains whose bit changes, status
 * follows the machine's answers, a refused request sets its error bit,
 * is reported and is asked again by the same write, status and error are
 * read-only, bits past the last domain read 0, aligned words only, reset,
 * and the refusals at create with their place and nothing left behind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "peripherals/registry.h"

#define BASE 0x10050000u
#define POWER (BASE + 0x0)
#define STATUS (BASE + 0x4)
#define ERRORS (BASE + 0x8)

typedef struct Fixture {
    MemorySystem *ms;
    const PeripheralClass *cls;
    BoardPeripheral desc;
    BoardProp prop;
    DeviceHost host;
    Device dev;
    Owner *bus_owner;
    const char *refuse; /* the domain whose requests fail */
    char calls[512];    /* "NAME on|off\n" per power call */
    char log[1024];     /* the guest diagnostics, "device: message\n" each */
} Fixture;

static bool power(void *opaque, const char *name, bool on, Error **errp)
{
    Fixture *f = opaque;
    size_t used = strlen(f->calls);
    assert_true(used + strlen(name) + 6 < sizeof f->calls);
    snprintf(f->calls + used, sizeof f->calls - used, "%s %s\n", name,
             on ? "on" : "off");
    if (f->refuse && strcmp(name, f->refuse) == 0) {
        error_setf(errp, "'%s' is the target of 'remap.window'", name);
        return false;
    }
    return true;
}

static void log_guest(void *opaque, const char *device, const char *message)
{
    Fixture *f = opaque;
    size_t used = strlen(f->log);
    assert_true(used + strlen(device) + strlen(message) + 3 < sizeof f->log);
    snprintf(f->log + used, sizeof f->log - used, "%s: %s\n", device, message);
}

static Chardev *no_chardev(void *opaque, const char *spec, Error **errp)
{
    fail_msg("the power controller opened a chardev");
    return NULL;
}

/* Creates "pwr" with `domains` (NULL: no property); `with_power` offers
 * the power hook. */
static bool try_create(Fixture *f, const char *domains, bool with_power,
                       Error **errp)
{
    f->ms = memory_system_new();
    f->cls = registry_find("mcusim,power-controller");
    assert_non_null(f->cls);
    f->prop = (BoardProp){.key = "domains", .value = (char *)domains,
                          .loc = {"p.yaml", 5, 14}};
    f->desc = (BoardPeripheral){
        .name = "pwr", .type = "mcusim,power-controller", .base = BASE,
        .props = &f->prop, .nprops = domains ? 1 : 0, .loc = {"p.yaml", 3, 7},
    };
    f->host = (DeviceHost){.opaque = f, .open_chardev = no_chardev,
                           .log_guest = log_guest,
                           .power = with_power ? power : NULL};
    DeviceConfig config = {.ms = f->ms, .desc = &f->desc,
                           .size = f->cls->default_size, .host = &f->host};
    return f->cls->create(&config, &f->dev, errp);
}

static void setup_with(Fixture *f, const char *domains, bool with_power)
{
    Error *err = NULL;
    if (!try_create(f, domains, with_power, &err))
        fail_msg("create: %s", error_message(err));
    f->bus_owner = owner_new(f->ms, "bus", NULL, NULL);
    MemoryRegion *bus = memory_region_new_container(f->bus_owner, "bus",
                                                    UINT64_C(1) << 32);
    assert_true(memory_add_subregion(bus, BASE, f->dev.region, NULL));
    memory_set_root(f->ms, bus);
}

static void setup(Fixture *f)
{
    setup_with(f, "uart0 gpio0 spi0", true);
}

static void teardown(Fixture *f)
{
    memory_set_root(f->ms, NULL);
    owner_unref(f->bus_owner);
    owner_unref(f->dev.owner);
    assert_int_equal(memory_stats(f->ms).owners, 0);
    memory_system_free(f->ms);
}

static uint32_t rd(Fixture *f, uint32_t addr)
{
    uint32_t v = 0xdeadbeef;
    assert_int_equal(memory_read(f->ms, addr, 4, &v), MEM_OK);
    return v;
}

static void wr(Fixture *f, uint32_t addr, uint32_t value)
{
    assert_int_equal(memory_write(f->ms, addr, 4, value), MEM_OK);
}

/* ---- tests ---- */

static void test_class_declares_domains(void **state)
{
    const PeripheralClass *cls = registry_find("mcusim,power-controller");
    assert_non_null(cls);
    assert_int_equal(cls->default_size, 0x1000);
    assert_int_equal(cls->min_size, 0xc);
    assert_int_equal(cls->irq_outputs, 0);
    assert_null(cls->set_property);
    assert_string_equal(cls->properties[0].name, "domains");
    assert_false(cls->properties[0].live);
    assert_null(cls->properties[1].name);
}

static void test_registers_at_reset(void **state)
{
    Fixture f = {0};
    setup(&f);
    assert_int_equal(rd(&f, POWER), 0x7);
    assert_int_equal(rd(&f, STATUS), 0x7);
    assert_int_equal(rd(&f, ERRORS), 0);
    assert_int_equal(rd(&f, BASE + 0xc), 0);
    assert_int_equal(rd(&f, BASE + 0xffc), 0);
    assert_string_equal(f.calls, "");
    teardown(&f);
}

static void test_a_write_asks_for_the_changed_domains_only(void **state)
{
    Fixture f = {0};
    setup(&f);
    wr(&f, POWER, 0x5); /* gpio0 off */
    assert_string_equal(f.calls, "gpio0 off\n");
    assert_int_equal(rd(&f, POWER), 0x5);
    assert_int_equal(rd(&f, STATUS), 0x5);
    wr(&f, POWER, 0x5);
    assert_string_equal(f.calls, "gpio0 off\n"); /* nothing changed */
    wr(&f, POWER, 0xfffffffa); /* bits 3 and up name no domain */
    assert_string_equal(f.calls, "gpio0 off\nuart0 off\ngpio0 on\nspi0 off\n");
    assert_int_equal(rd(&f, POWER), 0x2);
    assert_int_equal(rd(&f, STATUS), 0x2);
    assert_int_equal(rd(&f, ERRORS), 0);
    assert_string_equal(f.log, "");
    teardown(&f);
}

static void test_a_refused_request_sets_its_error_bit(void **state)
{
    Fixture f = {.refuse = "spi0"};
    setup(&f);
    wr(&f, POWER, 0x3); /* spi0 off: refused */
    assert_string_equal(f.calls, "spi0 off\n");
    assert_int_equal(rd(&f, POWER), 0x3);
    assert_int_equal(rd(&f, STATUS), 0x7); /* still powered */
    assert_int_equal(rd(&f, ERRORS), 0x4);
    assert_string_equal(f.log, "pwr: powering 'spi0' off failed: 'spi0' is "
                               "the target of 'remap.window'\n");
    wr(&f, POWER, 0x2); /* uart0 off; spi0 asked again */
    assert_string_equal(f.calls, "spi0 off\nuart0 off\nspi0 off\n");
    assert_int_equal(rd(&f, STATUS), 0x6);
    assert_int_equal(rd(&f, ERRORS), 0x4);
    f.refuse = NULL;
    wr(&f, POWER, 0x2);
    assert_int_equal(rd(&f, STATUS), 0x2);
    assert_int_equal(rd(&f, ERRORS), 0); /* the last request succeeded */
    teardown(&f);
}

static void test_status_and_error_are_read_only(void **state)
{
    Fixture f = {.refuse = "uart0"};
    setup(&f);
    wr(&f, POWER, 0x6);
    wr(&f, STATUS, 0);
    wr(&f, ERRORS, 0);
    assert_int_equal(rd(&f, STATUS), 0x7);
    assert_int_equal(rd(&f, ERRORS), 0x1);
    assert_non_null(strstr(f.log, "pwr: write to read-only 'status' ignored\n"
                                  "pwr: write to read-only 'error' ignored\n"));
    assert_string_equal(f.calls, "uart0 off\n");
    teardown(&f);
}

static void test_without_a_machine_every_request_fails(void **state)
{
    Fixture f = {0};
    setup_with(&f, "uart0", false);
    wr(&f, POWER, 0);
    assert_int_equal(rd(&f, STATUS), 1);
    assert_int_equal(rd(&f, ERRORS), 1);
    assert_string_equal(f.log, "pwr: powering 'uart0' off failed: the "
                               "machine cannot power peripherals\n");
    teardown(&f);
}

static void test_32_domains_use_every_bit(void **state)
{
    char names[32 * 4] = "";
    for (int i = 0; i < 32; i++)
        snprintf(names + strlen(names), sizeof names - strlen(names), "d%d ", i);
    Fixture f = {0};
    setup_with(&f, names, true);
    assert_int_equal(rd(&f, POWER), 0xffffffff);
    assert_int_equal(rd(&f, STATUS), 0xffffffff);
    wr(&f, POWER, 0x7fffffff);
    assert_string_equal(f.calls, "d31 off\n");
    assert_int_equal(rd(&f, STATUS), 0x7fffffff);
    teardown(&f);
}

static void test_only_aligned_words(void **state)
{
    Fixture f = {0};
    setup(&f);
    uint32_t v;
    assert_int_equal(memory_read(f.ms, POWER, 1, &v), MEM_BUS_ERROR);
    assert_int_equal(memory_read(f.ms, POWER + 2, 2, &v), MEM_BUS_ERROR);
    assert_int_equal(memory_write(f.ms, POWER, 1, 0), MEM_BUS_ERROR);
    assert_string_equal(f.calls, "");
    teardown(&f);
}

/* A machine reset re-creates nothing: power reads back status, and the
 * error bits clear; no request is made. */
static void test_reset_keeps_the_domains(void **state)
{
    Fixture f = {.refuse = "spi0"};
    setup(&f);
    wr(&f, POWER, 0x2); /* uart0 off, spi0 refused */
    f.cls->reset(f.dev.state);
    assert_int_equal(rd(&f, POWER), 0x6);
    assert_int_equal(rd(&f, STATUS), 0x6);
    assert_int_equal(rd(&f, ERRORS), 0);
    assert_string_equal(f.calls, "uart0 off\nspi0 off\n");
    teardown(&f);
}

static void expect_create_error(const char *domains, const char *message)
{
    Fixture f = {0};
    Error *err = NULL;
    assert_false(try_create(&f, domains, true, &err));
    assert_non_null(err);
    if (strcmp(error_message(err), message) != 0)
        fail_msg("got '%s'\nexpected '%s'", error_message(err), message);
    error_free(err);
    assert_int_equal(memory_stats(f.ms).owners, 0);
    memory_system_free(f.ms);
}

static void test_create_refusals_name_their_place(void **state)
{
    expect_create_error(NULL, "p.yaml:3:7: missing property 'domains' for "
                              "mcusim,power-controller 'pwr'");
    expect_create_error(" \t", "p.yaml:5:14: 'domains' must list 1 to 32 names");
    expect_create_error("uart0 pwr", "p.yaml:5:14: 'domains' names 'pwr' "
                                     "itself: a power controller cannot "
                                     "power itself");
    expect_create_error("uart0 gpio0 uart0",
                        "p.yaml:5:14: 'domains' lists 'uart0' twice");
    char names[33 * 4] = "";
    for (int i = 0; i < 33; i++)
        snprintf(names + strlen(names), sizeof names - strlen(names), "d%d ", i);
    expect_create_error(names, "p.yaml:5:14: 'domains' must list 1 to 32 names");

    Fixture f = {0};
    BoardProp props[2] = {
        {.key = "domains", .value = "uart0", .loc = {"p.yaml", 5, 14}},
        {.key = "delay", .value = "5", .loc = {"p.yaml", 6, 14}},
    };
    assert_true(try_create(&f, "uart0", true, NULL)); /* a valid one first */
    owner_unref(f.dev.owner);
    f.desc.props = props;
    f.desc.nprops = 2;
    DeviceConfig config = {.ms = f.ms, .desc = &f.desc, .size = 0x1000,
                           .host = &f.host};
    Error *err = NULL;
    assert_false(f.cls->create(&config, &f.dev, &err));
    assert_string_equal(error_message(err), "p.yaml:6:14: unknown property "
                                            "'delay' for "
                                            "mcusim,power-controller 'pwr'");
    error_free(err);
    assert_int_equal(memory_stats(f.ms).owners, 0);
    memory_system_free(f.ms);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_class_declares_domains),
        cmocka_unit_test(test_registers_at_reset),
        cmocka_unit_test(test_a_write_asks_for_the_changed_domains_only),
        cmocka_unit_test(test_a_refused_request_sets_its_error_bit),
        cmocka_unit_test(test_status_and_error_are_read_only),
        cmocka_unit_test(test_without_a_machine_every_request_fails),
        cmocka_unit_test(test_32_domains_use_every_bit),
        cmocka_unit_test(test_only_aligned_words),
        cmocka_unit_test(test_reset_keeps_the_domains),
        cmocka_unit_test(test_create_refusals_name_their_place),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
