/* Machine assembly from a board description: devices through the registry,
 * memories as their own owners, validation before building, and nothing
 * left behind by a failure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "soc/board.h"
#include "soc/machine.h"

typedef struct Host {
    int stops;
    char out[256];
    size_t outlen;
} Host;

typedef struct BufChardev {
    Chardev base;
    Host *host;
} BufChardev;

static void buf_write(Chardev *chr, const uint8_t *buf, size_t len)
{
    Host *h = ((BufChardev *)chr)->host;
    for (size_t i = 0; i < len && h->outlen + 1 < sizeof h->out; i++)
        h->out[h->outlen++] = (char)buf[i];
}

static void buf_close(Chardev *chr) { free(chr); }

static const ChardevOps buf_ops = {.write = buf_write, .close = buf_close};

static Chardev *open_buf(void *opaque, const char *spec, Error **errp)
{
    if (strcmp(spec, "stdio") != 0) {
        error_setf(errp, "test host only has stdio, not '%s'", spec);
        return NULL;
    }
    BufChardev *c = calloc(1, sizeof *c);
    c->base.ops = &buf_ops;
    c->host = opaque;
    return &c->base;
}

static void stop(void *opaque) { ((Host *)opaque)->stops++; }

static const char VIRT[] =
    "b:\n"
    "  memory:\n"
    "    - {name: ram, type: ram, base: 0x80000000, size: 64K}\n"
    "  peripherals:\n"
    "    - {name: test, type: \"sifive,test0\", base: 0x100000}\n"
    "    - {name: uart0, type: ns16550a, base: 0x10000000, chardev: stdio}\n";

static Machine *build(const char *text, MemorySystem *ms, Host *host, Error **errp)
{
    BoardFile *file = board_file_parse("m.yaml", text, strlen(text), errp);
    if (!file)
        return NULL;
    MachineHooks hooks = {.opaque = host, .stop = stop, .open_chardev = open_buf};
    Machine *m = machine_new(ms, &file->boards[0], &hooks, errp);
    board_file_free(file);
    return m;
}

static void audit(MemorySystem *ms)
{
    Error *err = NULL;
    if (!memory_audit(ms, &err))
        fail_msg("audit: %s", error_message(err));
}

static void test_machine_maps_board_and_devices_work(void **state)
{
    MemorySystem *ms = memory_system_new();
    Host host = {0};
    Error *err = NULL;
    Machine *m = build(VIRT, ms, &host, &err);
    assert_non_null(m);
    audit(ms);
    char *tree = memory_tree(ms);
    assert_non_null(strstr(tree, "0000000080000000-000000008000ffff (prio 0, ram): ram [owner ram]"));
    assert_non_null(strstr(tree, "0000000010000000-00000000100000ff (prio 0, mmio): uart0 [owner uart0]"));
    assert_non_null(strstr(tree, "0000000000100000-0000000000100fff (prio 0, mmio): test [owner test]"));
    free(tree);

    uint32_t lsr;
    assert_int_equal(memory_read(ms, 0x10000005, 1, &lsr), MEM_OK);
    assert_int_equal(lsr & 0x60, 0x60);
    assert_int_equal(memory_write(ms, 0x10000000, 1, 'h'), MEM_OK);
    assert_int_equal(memory_write(ms, 0x10000000, 1, 'i'), MEM_OK);
    assert_string_equal(host.out, "hi");

    int status = -1;
    assert_false(machine_exit_requested(m, &status));
    assert_int_equal(memory_write(ms, 0x100000, 4, (7u << 16) | 0x3333), MEM_OK);
    assert_true(machine_exit_requested(m, &status));
    assert_int_equal(status, 7);
    assert_int_equal(host.stops, 1);

    machine_free(m);
    assert_int_equal(memory_stats(ms).owners, 0);
    memory_system_free(ms);
}

static void test_machine_pass_value_exits_zero(void **state)
{
    MemorySystem *ms = memory_system_new();
    Host host = {0};
    Machine *m = build(VIRT, ms, &host, NULL);
    assert_non_null(m);
    int status = -1;
    assert_int_equal(memory_write(ms, 0x100000, 4, 0x5555), MEM_OK);
    assert_true(machine_exit_requested(m, &status));
    assert_int_equal(status, 0);
    machine_free(m);
    memory_system_free(ms);
}

static void expect_failure(const char *text, const char *message)
{
    MemorySystem *ms = memory_system_new();
    Host host = {0};
    Error *err = NULL;
    Machine *m = build(text, ms, &host, &err);
    assert_null(m);
    assert_non_null(err);
    if (strcmp(error_message(err), message) != 0)
        fail_msg("got '%s'\nexpected '%s'", error_message(err), message);
    error_free(err);
    assert_int_equal(memory_stats(ms).owners, 0);
    assert_int_equal(memory_stats(ms).regions, 0);
    memory_system_free(ms);
}

static void test_machine_unknown_type_names_known_ones(void **state)
{
    expect_failure("b:\n  peripherals:\n    - {name: u, type: uart9000, base: 0x1000}\n",
                   "m.yaml:3:23: unknown peripheral type 'uart9000' (known: ns16550a, sifive,test0)");
}

static void test_machine_size_outside_model_range(void **state)
{
    expect_failure("b:\n  peripherals:\n    - {name: u, type: ns16550a, base: 0x1000, size: 4}\n",
                   "m.yaml:3:7: size 0x4 not allowed for ns16550a (0x8 to 0x1000)");
}

static void test_machine_overlap_names_both(void **state)
{
    expect_failure("b:\n  memory:\n    - {name: ram, type: ram, base: 0x1000, size: 0x1000}\n"
                   "  peripherals:\n    - {name: u, type: ns16550a, base: 0x1f00}\n",
                   "m.yaml:5:7: 'u' [0x1f00-0x1fff] overlaps 'ram' [0x1000-0x1fff]");
}

static void test_machine_unknown_property_unwinds(void **state)
{
    expect_failure("b:\n  memory:\n    - {name: ram, type: ram, base: 0x1000, size: 0x1000}\n"
                   "  peripherals:\n    - {name: u, type: ns16550a, base: 0x10000, baud: 9600}\n",
                   "m.yaml:5:54: unknown property 'baud' for ns16550a 'u'");
}

static void test_machine_chardev_error_unwinds(void **state)
{
    expect_failure("b:\n  memory:\n    - {name: ram, type: ram, base: 0x1000, size: 0x1000}\n"
                   "  peripherals:\n"
                   "    - {name: t, type: \"sifive,test0\", base: 0x100000}\n"
                   "    - {name: u, type: ns16550a, base: 0x10000, chardev: tcp:1}\n",
                   "test host only has stdio, not 'tcp:1'");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_machine_maps_board_and_devices_work),
        cmocka_unit_test(test_machine_pass_value_exits_zero),
        cmocka_unit_test(test_machine_unknown_type_names_known_ones),
        cmocka_unit_test(test_machine_size_outside_model_range),
        cmocka_unit_test(test_machine_overlap_names_both),
        cmocka_unit_test(test_machine_unknown_property_unwinds),
        cmocka_unit_test(test_machine_chardev_error_unwinds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
