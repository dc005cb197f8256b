/* The live machine: peripherals added, removed, replaced, moved,
 * re-configured, powered and a board applied while it lives; interrupt
 * connections that survive either end going in any order; the time
 * source released and re-offered; and a random soak with both audits
 * after every step. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <unistd.h>

#include "tests/unit/machine_fixture.h"

static const char VIRT[] =
    "b:\n"
    "  memory:\n"
    "    - {name: ram, type: ram, base: 0x80000000, size: 64K}\n"
    "  peripherals:\n"
    "    - {name: clint, type: \"sifive,clint0\", base: 0x2000000, irq: [cpu.msi, cpu.mti]}\n"
    "    - {name: plic, type: \"sifive,plic-1.0.0\", base: 0xc000000, size: 0x4000000,\n"
    "       sources: 53, irq: cpu.mei}\n"
    "    - {name: test, type: \"sifive,test0\", base: 0x100000}\n"
    "    - {name: uart0, type: ns16550a, base: 0x10000000, chardev: stdio, irq: plic.10}\n";

#define UART0 0x10000000u
#define PLIC 0xc000000u
#define PLIC_PENDING (PLIC + 0x1000u)

static void audits(MachineFixture *f)
{
    Error *err = NULL;
    if (!memory_audit(f->ms, &err))
        fail_msg("memory audit: %s", error_message(err));
    if (!machine_audit(f->m, &err))
        fail_msg("%s", error_message(err));
}

static void setup_virt(MachineFixture *f)
{
    Error *err = NULL;
    if (!mf_build(f, VIRT, &err))
        fail_msg("build: %s", error_message(err));
    audits(f);
}

static uint32_t rd(MachineFixture *f, uint32_t addr, unsigned size)
{
    uint32_t v = 0xdeadbeef;
    assert_int_equal(memory_read(f->ms, addr, size, &v), MEM_OK);
    return v;
}

static void wr(MachineFixture *f, uint32_t addr, unsigned size, uint32_t v)
{
    assert_int_equal(memory_write(f->ms, addr, size, v), MEM_OK);
}

static bool mapped(MachineFixture *f, uint32_t addr)
{
    uint32_t v;
    return memory_read(f->ms, addr, 1, &v) != MEM_UNMAPPED;
}

/* Adds the peripheral the YAML mapping describes; the error, if any, in
 * *errp. */
static bool add(MachineFixture *f, const char *mapping, Error **errp)
{
    const BoardPeripheral *entry;
    BoardFile *file = mf_entry(mapping, &entry, errp);
    if (!file)
        fail_msg("entry: %s", error_message(*errp));
    bool ok = machine_add_peripheral(f->m, entry, errp);
    board_file_free(file); /* the machine keeps its own copy */
    return ok;
}

static bool replace(MachineFixture *f, const char *mapping, Error **errp)
{
    const BoardPeripheral *entry;
    BoardFile *file = mf_entry(mapping, &entry, errp);
    if (!file)
        fail_msg("entry: %s", error_message(*errp));
    bool ok = machine_replace_peripheral(f->m, entry, errp);
    board_file_free(file);
    return ok;
}

static void expect_error(Error *err, const char *expected)
{
    if (!err)
        fail_msg("no error; expected '%s'", expected);
    if (strcmp(error_message(err), expected) != 0)
        fail_msg("got      '%s'\nexpected '%s'", error_message(err), expected);
    error_free(err);
}

/* Nothing changed: the live table and the memory tree as before. */
typedef struct Snapshot {
    char *table, *tree, *irqs;
} Snapshot;

static Snapshot snap(MachineFixture *f)
{
    return (Snapshot){machine_describe(f->m), memory_tree(f->ms),
                      machine_describe_irqs(f->m)};
}

static void assert_unchanged(MachineFixture *f, Snapshot *before)
{
    Snapshot now = snap(f);
    assert_string_equal(now.table, before->table);
    assert_string_equal(now.tree, before->tree);
    assert_string_equal(now.irqs, before->irqs);
    free(now.table), free(now.tree), free(now.irqs);
    free(before->table), free(before->tree), free(before->irqs);
    audits(f);
}

/* ---- add ---- */

static void test_add_maps_a_working_device(void **state)
{
    MachineFixture f;
    setup_virt(&f);
    Error *err = NULL;
    assert_false(mapped(&f, 0x10001000));
    assert_true(add(&f, "{name: uart1, type: ns16550a, base: 0x10001000}", &err));
    audits(&f);
    wr(&f, 0x10001007, 1, 0x5a); /* SCR */
    assert_int_equal(rd(&f, 0x10001007, 1), 0x5a);
    wr(&f, 0x10001000, 1, 'A');
    assert_int_equal(f.outlen, 1);
    assert_int_equal(f.out[0], 'A');
    assert_non_null(machine_find_peripheral(f.m, "uart1"));
    char *table = machine_describe(f.m);
    assert_non_null(strstr(table, "uart1        ns16550a                 0x10001000-0x100010ff  refs="));
    free(table);
    mf_free(&f);
    assert_int_equal(f.chardevs_open, 0);
}

static void test_add_refusals_change_nothing(void **state)
{
    MachineFixture f;
    setup_virt(&f);
    Error *err = NULL;
    Snapshot before = snap(&f);
    assert_false(add(&f, "{name: uart0, type: ns16550a, base: 0x10001000}", &err));
    expect_error(err, "cmd.yaml:3:7: a peripheral named 'uart0' exists already");
    err = NULL;
    assert_false(add(&f, "{name: ram, type: ns16550a, base: 0x10001000}", &err));
    expect_error(err, "cmd.yaml:3:7: a memory named 'ram' exists already");
    err = NULL;
    assert_false(add(&f, "{name: u, type: ns16550a, base: 0x10000080, size: 0x1000}", &err));
    expect_error(err, "cmd.yaml:3:39: 'u' [0x10000080-0x1000107f] overlaps 'uart0' "
                      "[0x10000000-0x100000ff]");
    err = NULL;
    assert_false(add(&f, "{name: u, type: nope, base: 0x10001000}", &err));
    assert_non_null(strstr(error_message(err), "cmd.yaml:3:23: unknown peripheral type 'nope' (known: "));
    error_free(err);
    err = NULL;
    assert_false(add(&f, "{name: u, type: ns16550a, base: 0x10001000, colour: red}", &err));
    assert_non_null(strstr(error_message(err), "unknown property 'colour'"));
    error_free(err);
    err = NULL;
    assert_false(add(&f, "{name: u, type: ns16550a, base: 0x10001000, chardev: fail}", &err));
    assert_non_null(strstr(error_message(err), "cannot open 'fail' for u"));
    error_free(err);
    err = NULL;
    /* plic.10 is uart0's */
    assert_false(add(&f, "{name: u, type: ns16550a, base: 0x10001000, irq: plic.10}", &err));
    assert_non_null(strstr(error_message(err), "plic.10 is already driven by 'uart0'"));
    error_free(err);
    err = NULL;
    assert_false(add(&f, "{name: u, type: ns16550a, base: 0x10001000, irq: plic.99}", &err));
    assert_non_null(strstr(error_message(err), "'plic' has no interrupt input 99"));
    error_free(err);
    err = NULL;
    assert_false(add(&f, "{name: u, type: ns16550a, base: 0x10001000, irq: nowhere.1}", &err));
    assert_non_null(strstr(error_message(err), "unknown interrupt sink 'nowhere'"));
    error_free(err);
    err = NULL;
    /* a second time source */
    assert_false(add(&f, "{name: clint2, type: \"sifive,clint0\", base: 0x3000000}", &err));
    assert_non_null(strstr(error_message(err), "'clint2' cannot be the time source: "
                                               "'clint' already is"));
    error_free(err);
    assert_unchanged(&f, &before);
    assert_int_equal(f.chardevs_open, 1); /* uart0's only: refused ones closed theirs */
    /* a refusal the wiring gives opens nothing (a file chardev would be
     * truncated) */
    unsigned opened = f.chardevs_opened;
    err = NULL;
    assert_false(add(&f, "{name: u, type: ns16550a, base: 0x10001000, irq: plic.10}", &err));
    error_free(err);
    err = NULL;
    assert_false(add(&f, "{name: u, type: ns16550a, base: 0x10001000, irq: plic.99}", &err));
    error_free(err);
    assert_int_equal(f.chardevs_opened, opened);
    mf_free(&f);
}

/* ---- remove, and interrupt lines whose either end goes ---- */

/* uart0 raises its THR-empty interrupt: PLIC source 10 pending. */
static void raise_uart0(MachineFixture *f)
{
    wr(f, UART0 + 1, 1, 0x02); /* IER.ETBEI */
    assert_true(rd(f, PLIC_PENDING, 4) & (1u << 10));
}

static void enable_plic_source_10(MachineFixture *f)
{
    wr(f, PLIC + 4 * 10, 4, 1);       /* priority */
    wr(f, PLIC + 0x2000, 4, 1u << 10); /* context 0 enable */
    wr(f, PLIC + 0x200000, 4, 0);      /* threshold */
}

static void test_removed_source_leaves_no_pending_bit(void **state)
{
    MachineFixture f;
    setup_virt(&f);
    enable_plic_source_10(&f);
    raise_uart0(&f);
    assert_true(f.cpu_level[MF_CPU_MEI]);
    Error *err = NULL;
    assert_true(machine_remove_peripheral(f.m, "uart0", false, &err));
    audits(&f);
    assert_false(mapped(&f, UART0));
    assert_int_equal(rd(&f, PLIC_PENDING, 4) & (1u << 10), 0);
    assert_false(f.cpu_level[MF_CPU_MEI]);
    assert_int_equal(f.chardevs_open, 0);
    assert_null(machine_find_peripheral(f.m, "uart0"));
    assert_false(machine_remove_peripheral(f.m, "uart0", false, &err));
    expect_error(err, "no peripheral named 'uart0'");
    err = NULL;
    assert_false(machine_remove_peripheral(f.m, "ram", false, &err));
    expect_error(err, "'ram' is a memory, not a peripheral (memories change through "
                      "'board apply')");
    mf_free(&f);
}

static void test_removed_sink_leaves_lines_waiting_for_the_next(void **state)
{
    MachineFixture f;
    setup_virt(&f);
    raise_uart0(&f);
    Error *err = NULL;
    assert_true(machine_remove_peripheral(f.m, "plic", false, &err));
    audits(&f);
    char *irqs = machine_describe_irqs(f.m);
    assert_non_null(strstr(irqs, "uart0.irq -> plic.10  level=1  (no such sink now"));
    free(irqs);
    wr(&f, UART0 + 1, 1, 0x00); /* the line goes nowhere: no crash */
    wr(&f, UART0 + 1, 1, 0x02);
    /* a new PLIC of that name takes the line, and sees its level */
    assert_true(add(&f, "{name: plic, type: \"sifive,plic-1.0.0\", base: 0xc000000, "
                        "size: 0x4000000, sources: 53, irq: cpu.mei}", &err));
    audits(&f);
    assert_true(rd(&f, PLIC_PENDING, 4) & (1u << 10));
    enable_plic_source_10(&f);
    assert_true(f.cpu_level[MF_CPU_MEI]);
    irqs = machine_describe_irqs(f.m);
    assert_non_null(strstr(irqs, "uart0.irq -> plic.10  level=1\n"));
    free(irqs);
    mf_free(&f);
}

static void test_removing_the_clint_releases_the_time(void **state)
{
    MachineFixture f;
    setup_virt(&f);
    uint64_t now;
    assert_true(machine_read_time(f.m, &now));
    wr(&f, 0x2000000, 4, 1); /* msip */
    assert_true(f.cpu_level[MF_CPU_MSI]);
    Error *err = NULL;
    assert_true(machine_remove_peripheral(f.m, "clint", false, &err));
    audits(&f);
    assert_false(machine_read_time(f.m, &now));
    assert_null(machine_time_source_name(f.m));
    assert_false(f.cpu_level[MF_CPU_MSI]); /* the CPU input is lowered */
    /* another CLINT offers it again */
    assert_true(add(&f, "{name: clint, type: \"sifive,clint0\", base: 0x2000000, "
                        "irq: [cpu.msi, cpu.mti]}", &err));
    audits(&f);
    assert_true(machine_read_time(f.m, &now));
    assert_string_equal(machine_time_source_name(f.m), "clint");
    assert_false(f.cpu_level[MF_CPU_MSI]); /* reset state */
    mf_free(&f);
}

/* ---- replace, move, set, power ---- */

static void test_replace_swaps_the_model_and_keeps_the_wiring(void **state)
{
    MachineFixture f;
    setup_virt(&f);
    raise_uart0(&f);
    Error *err = NULL;
    assert_true(replace(&f, "{name: uart0, type: \"sifive,uart0\", base: 0x10000000, "
                            "irq: plic.10}", &err));
    audits(&f);
    const BoardPeripheral *p = machine_find_peripheral(f.m, "uart0");
    assert_string_equal(p->type, "sifive,uart0");
    /* the new model's reset state: no interrupt enabled, nothing pending */
    assert_int_equal(rd(&f, PLIC_PENDING, 4) & (1u << 10), 0);
    assert_int_equal(rd(&f, UART0 + 0x10, 4), 0); /* ie */
    wr(&f, UART0 + 0x08, 4, 1);                  /* txctrl.txen */
    wr(&f, UART0 + 0x00, 4, 'Z');
    assert_int_equal(f.chardevs_open, 1);
    /* a refused replacement leaves the old one running */
    Snapshot before = snap(&f);
    assert_false(replace(&f, "{name: uart0, type: ns16550a, base: 0x10000000, "
                             "chardev: fail}", &err));
    assert_non_null(strstr(error_message(err), "cannot open 'fail'"));
    error_free(err);
    err = NULL;
    assert_unchanged(&f, &before);
    assert_false(replace(&f, "{name: uartX, type: ns16550a, base: 0x10000000}", &err));
    expect_error(err, "no peripheral named 'uartX'");
    mf_free(&f);
}

/* Wiring that waits for a sink that went may be kept by a replacement;
 * new wiring must name a sink that exists. */
static void test_replace_keeps_wiring_that_waits(void **state)
{
    MachineFixture f;
    setup_virt(&f);
    Error *err = NULL;
    assert_true(machine_remove_peripheral(f.m, "plic", false, &err));
    assert_true(replace(&f, "{name: uart0, type: ns16550a, base: 0x10000000, "
                            "chardev: null, irq: plic.10}", &err));
    audits(&f);
    assert_false(replace(&f, "{name: uart0, type: ns16550a, base: 0x10000000, "
                             "irq: plic.11}", &err));
    assert_non_null(strstr(error_message(err), "unknown interrupt sink 'plic'"));
    error_free(err);
    err = NULL;
    /* and a replacement of a powered-off device stays off */
    assert_true(machine_power(f.m, "uart0", false, &err));
    assert_true(replace(&f, "{name: uart0, type: \"sifive,uart0\", base: 0x10000000, "
                            "irq: plic.10}", &err));
    assert_false(machine_peripheral_powered(f.m, "uart0"));
    audits(&f);
    mf_free(&f);
}

static void test_replacing_the_clint_hands_over_the_time(void **state)
{
    MachineFixture f;
    setup_virt(&f);
    Error *err = NULL;
    assert_true(replace(&f, "{name: clint, type: \"sifive,clint0\", base: 0x2000000, "
                            "timebase-frequency: 1000, irq: [cpu.msi, cpu.mti]}", &err));
    audits(&f);
    assert_string_equal(machine_time_source_name(f.m), "clint");
    mf_free(&f);
}

static void test_move_keeps_state_and_refuses_overlap(void **state)
{
    MachineFixture f;
    setup_virt(&f);
    Error *err = NULL;
    wr(&f, UART0 + 7, 1, 0x77);
    assert_true(machine_move(f.m, "uart0", 0x10002000, 0x80000000, &err));
    audits(&f);
    assert_false(mapped(&f, UART0));
    assert_int_equal(rd(&f, 0x10002007, 1), 0x77);
    Snapshot before = snap(&f);
    assert_false(machine_move(f.m, "uart0", 0x100000, 0x80000000, &err));
    expect_error(err, "m.yaml:9:43: 'uart0' [0x100000-0x1000ff] overlaps 'test' "
                      "[0x100000-0x100fff]");
    err = NULL;
    assert_false(machine_move(f.m, "uart0", 0xffffff80, 0x80000000, &err));
    assert_non_null(strstr(error_message(err), "peripheral 'uart0'"));
    error_free(err);
    err = NULL;
    assert_unchanged(&f, &before);
    /* a memory moves too */
    wr(&f, 0x80000000, 4, 0x12345678);
    assert_false(machine_move(f.m, "ram", 0x90000000, 0x80000010, &err));
    expect_error(err, "'ram' holds the pc (0x80000010): it may not move");
    err = NULL;
    assert_true(machine_move(f.m, "ram", 0x90000000, 0x70000000, &err));
    assert_int_equal(rd(&f, 0x90000000, 4), 0x12345678);
    assert_false(mapped(&f, 0x80000000));
    audits(&f);
    mf_free(&f);
}

static void test_set_property_live_and_refused(void **state)
{
    MachineFixture f;
    setup_virt(&f);
    Error *err = NULL;
    assert_false(machine_set_property(f.m, "uart0", "clock-frequency", "1000", &err));
    assert_non_null(strstr(error_message(err), "property 'clock-frequency' of ns16550a "
                                               "cannot change while running"));
    error_free(err);
    err = NULL;
    assert_false(machine_set_property(f.m, "uart0", "colour", "red", &err));
    expect_error(err, "ns16550a 'uart0' has no property 'colour' (see 'info types')");
    err = NULL;
    assert_false(machine_set_property(f.m, "uart0", "chardev", "fail", &err));
    assert_non_null(strstr(error_message(err), "'uart0': "));
    error_free(err);
    err = NULL;
    assert_int_equal(f.chardevs_open, 1);
    assert_true(machine_set_property(f.m, "uart0", "chardev", "null", &err));
    assert_int_equal(f.chardevs_open, 1); /* the old one closed */
    const BoardPeripheral *p = machine_find_peripheral(f.m, "uart0");
    assert_string_equal(board_peripheral_prop(p, "chardev")->value, "null");
    audits(&f);
    mf_free(&f);
}

/* `peripheral set CTRL KEY.PROP`: recorded for power cycles, forgotten
 * when KEY gets a new device, and refused while CTRL is powered off
 * (there is no device to check it against; a recorded bad one used to
 * make the next power-on fail). */
static void test_bus_device_property_recorded_and_refused_when_off(void **state)
{
    MachineFixture f;
    setup_virt(&f);
    Error *err = NULL;
    if (!add(&f, "{name: i2c0, type: \"sifive,i2c0\", base: 0x10016000, "
                 "dev0: \"lm75 temperature=20\"}", &err))
        fail_msg("%s", error_message(err));
    assert_true(machine_set_property(f.m, "i2c0", "dev0.temperature", "30", &err));
    const BoardPeripheral *p = machine_find_peripheral(f.m, "i2c0");
    assert_string_equal(board_peripheral_prop(p, "dev0.temperature")->value, "30");
    assert_true(machine_power(f.m, "i2c0", false, &err));
    assert_true(machine_power(f.m, "i2c0", true, &err));
    assert_false(machine_set_property(f.m, "i2c0", "dev0.address", "0x49", &err));
    error_free(err);
    err = NULL;
    assert_true(machine_set_property(f.m, "i2c0", "dev0", "lm75", &err));
    p = machine_find_peripheral(f.m, "i2c0");
    assert_null(board_peripheral_prop(p, "dev0.temperature"));
    assert_true(machine_set_property(f.m, "i2c0", "dev0", "", &err));
    assert_true(machine_power(f.m, "i2c0", false, &err));
    assert_false(machine_set_property(f.m, "i2c0", "dev0.temperature", "25", &err));
    expect_error(err, "'i2c0' is powered off: 'dev0.temperature' is a property of "
                      "the device at 'dev0' (set 'dev0' instead)");
    err = NULL;
    p = machine_find_peripheral(f.m, "i2c0");
    assert_null(board_peripheral_prop(p, "dev0.temperature"));
    if (!machine_power(f.m, "i2c0", true, &err))
        fail_msg("power on: %s", error_message(err));
    audits(&f);
    mf_free(&f);
}

static void test_power_off_keeps_the_entry_and_on_resets(void **state)
{
    MachineFixture f;
    setup_virt(&f);
    Error *err = NULL;
    wr(&f, UART0 + 7, 1, 0x33);
    raise_uart0(&f);
    assert_true(machine_power(f.m, "uart0", false, &err));
    audits(&f);
    assert_false(machine_peripheral_powered(f.m, "uart0"));
    assert_non_null(machine_find_peripheral(f.m, "uart0"));
    assert_false(mapped(&f, UART0));
    assert_int_equal(rd(&f, PLIC_PENDING, 4) & (1u << 10), 0);
    char *table = machine_describe(f.m);
    assert_non_null(strstr(table, "powered off"));
    free(table);
    /* its interrupt input stays reserved, and its range */
    assert_false(add(&f, "{name: u, type: ns16550a, base: 0x10001000, irq: plic.10}", &err));
    assert_non_null(strstr(error_message(err), "plic.10 is already driven by 'uart0'"));
    error_free(err);
    err = NULL;
    /* a replacement while off is checked as far as it can be */
    assert_false(replace(&f, "{name: uart0, type: ns16550a, base: 0x10000000, "
                             "colour: red, irq: plic.10}", &err));
    assert_non_null(strstr(error_message(err), "unknown property 'colour'"));
    error_free(err);
    err = NULL;
    assert_false(add(&f, "{name: u, type: ns16550a, base: 0x10000000}", &err));
    assert_non_null(strstr(error_message(err), "overlaps 'uart0'"));
    error_free(err);
    err = NULL;
    assert_true(machine_power(f.m, "uart0", false, &err)); /* already off */
    assert_true(machine_power(f.m, "uart0", true, &err));
    audits(&f);
    assert_int_equal(rd(&f, UART0 + 7, 1), 0); /* reset state */
    raise_uart0(&f); /* and wired again */
    mf_free(&f);
}

/* ---- a device that removes itself from inside its own MMIO callback ---- */

typedef struct SelfRemover {
    const DeviceHost *host;
    char *name;
    Owner *owner;
} SelfRemover;

static void self_finalize(void *opaque)
{
    SelfRemover *s = opaque;
    free(s->name);
    free(s);
}

static bool self_read(void *opaque, uint64_t offset, unsigned size, uint32_t *value)
{
    *value = 0;
    return true;
}

static bool self_write(void *opaque, uint64_t offset, unsigned size, uint32_t value)
{
    SelfRemover *s = opaque;
    Error *err = NULL;
    if (!s->host->power(s->host->opaque, s->name, false, &err))
        fail_msg("%s", error_message(err));
    /* the device is unplugged but alive until this access ends */
    assert_true(owner_refcount(s->owner) > 0);
    s->name[0] = s->name[0]; /* touches its state: ASan would see a free */
    return true;
}

static const MmioOps self_ops = {.read = self_read, .write = self_write};

static bool self_create(const DeviceConfig *config, Device *out, Error **errp)
{
    SelfRemover *s = calloc(1, sizeof *s);
    s->host = config->host;
    s->name = strdup(config->desc->name);
    s->owner = owner_new(config->ms, config->desc->name, self_finalize, s);
    MemoryRegion *mr = memory_region_new_mmio(s->owner, config->desc->name, config->size,
                                              &self_ops, s);
    *out = (Device){.owner = s->owner, .region = mr, .state = s};
    return true;
}

static const DeviceProperty no_props[] = {{NULL, NULL, false}};

static const PeripheralClass self_remover_class = {
    .type = "test,self-remover", .description = "powers itself off when written",
    .default_size = 0x1000, .min_size = 0x1000, .max_size = 0x1000,
    .properties = no_props, .create = self_create,
};

static void test_device_removes_itself_from_its_own_callback(void **state)
{
    MachineFixture f;
    memset(&f, 0, sizeof f);
    f.ms = memory_system_new();
    f.clock = clock_new(1000000);
    static const PeripheralClass *const classes[] = {&self_remover_class};
    DeviceRegistry reg = {.classes = classes, .count = 1};
    Error *err = NULL;
    const char text[] = "b:\n  peripherals:\n    - {name: me, type: \"test,self-remover\", "
                        "base: 0x4000}\n";
    BoardFile *file = board_file_parse("m.yaml", text, strlen(text), &err);
    assert_non_null(file);
    MachineHooks hooks = {.opaque = &f, .stop = mf_stop, .open_chardev = mf_open_chardev,
                          .clock = f.clock, .registry = &reg};
    f.m = machine_new(f.ms, &file->boards[0], &hooks, &err);
    board_file_free(file);
    assert_non_null(f.m);
    size_t owners = memory_stats(f.ms).owners;
    wr(&f, 0x4000, 4, 1);
    assert_false(mapped(&f, 0x4000));
    assert_int_equal(memory_stats(f.ms).owners, owners - 1); /* finalized after */
    audits(&f);
    assert_true(machine_power(f.m, "me", true, &err));
    assert_true(mapped(&f, 0x4000));
    audits(&f);
    mf_free(&f);
}

/* ---- a remap controller's window onto a device that goes ---- */

static const char REMAPPED[] =
    "b:\n"
    "  memory:\n"
    "    - {name: ram, type: ram, base: 0x80000000, size: 64K}\n"
    "  peripherals:\n"
    "    - {name: s, type: memory-mapped-stub, base: 0x30000000, size: 0x1000,\n"
    "       read-value: 0x5a5a5a5a}\n"
    "    - {name: remap, type: \"mcusim,remap-controller\", base: 0x40000000,\n"
    "       window: 0x0, window-size: 0x1000, targets: \"s ram\"}\n";

static void test_forced_removal_releases_a_window(void **state)
{
    MachineFixture f;
    Error *err = NULL;
    if (!mf_build(&f, REMAPPED, &err))
        fail_msg("build: %s", error_message(err));
    assert_int_equal(rd(&f, 0x0, 4), 0x5a5a5a5a); /* the window shows s */
    Snapshot before = snap(&f);
    assert_false(machine_remove_peripheral(f.m, "s", false, &err));
    expect_error(err, "'s' is shown by 'remap' (its alias 'remap.window'); 'peripheral "
                      "remove --force' makes that device let go");
    err = NULL;
    assert_false(machine_power(f.m, "s", false, &err));
    expect_error(err, "'s' is shown by 'remap' (its alias 'remap.window')");
    err = NULL;
    assert_unchanged(&f, &before);
    assert_true(machine_remove_peripheral(f.m, "s", true, &err));
    audits(&f);
    assert_false(mapped(&f, 0x0)); /* the window shows nothing now */
    assert_false(mapped(&f, 0x30000000));
    wr(&f, 0x40000000, 4, 1); /* select ram: the window works again */
    wr(&f, 0x80000000, 4, 0x11223344);
    assert_int_equal(rd(&f, 0x0, 4), 0x11223344);
    wr(&f, 0x40000000, 4, 0); /* select s, which is gone: disabled */
    assert_false(mapped(&f, 0x0));
    assert_true(add(&f, "{name: s, type: memory-mapped-stub, base: 0x30000000, "
                        "read-value: 7}", &err));
    wr(&f, 0x40000000, 4, 0);
    assert_int_equal(rd(&f, 0x0, 4), 7);
    audits(&f);
    /* the remap controller itself goes: its window with it */
    assert_true(machine_remove_peripheral(f.m, "remap", false, &err));
    assert_false(mapped(&f, 0x0));
    audits(&f);
    mf_free(&f);
}

/* ---- board apply ---- */

static const char APPLIED[] =
    "b:\n"
    "  memory:\n"
    "    - {name: ram, type: ram, base: 0x80000000, size: 64K}\n"
    "  peripherals:\n"
    "    - {name: clint, type: \"sifive,clint0\", base: 0x2000000, irq: [cpu.msi, cpu.mti]}\n"
    "    - {name: plic, type: \"sifive,plic-1.0.0\", base: 0xc000000, size: 0x4000000,\n"
    "       sources: 53, irq: cpu.mei}\n"
    "    - {name: uart0, type: ns16550a, base: 0x10004000, chardev: stdio, irq: plic.10}\n"
    "    - {name: uart1, type: \"sifive,uart0\", base: 0x10013000, irq: plic.4}\n";

static bool apply_text(MachineFixture *f, const char *text, uint32_t pc, char **summary,
                       Error **errp)
{
    BoardFile *file = board_file_parse("new.yaml", text, strlen(text), errp);
    if (!file)
        fail_msg("parse: %s", error_message(*errp));
    bool ok = machine_apply_board(f->m, &file->boards[0], pc, summary, errp);
    board_file_free(file);
    return ok;
}

static void test_apply_respects_windows(void **state)
{
    MachineFixture f;
    Error *err = NULL;
    if (!mf_build(&f, REMAPPED, &err))
        fail_msg("build: %s", error_message(err));
    Snapshot before = snap(&f);
    /* s goes while the remap controller that shows it stays */
    const char without_s[] =
        "b:\n"
        "  memory:\n"
        "    - {name: ram, type: ram, base: 0x80000000, size: 64K}\n"
        "  peripherals:\n"
        "    - {name: remap, type: \"mcusim,remap-controller\", base: 0x40000000,\n"
        "       window: 0x0, window-size: 0x1000, targets: \"s ram\"}\n";
    assert_false(apply_text(&f, without_s, 0x80000000, NULL, &err));
    expect_error(err, "'s' is shown by 'remap' (its alias 'remap.window'): board apply "
                      "may not remove or replace it while 'remap' stays");
    err = NULL;
    /* the hart runs from the window: its controller may not go */
    const char without_remap[] =
        "b:\n"
        "  memory:\n"
        "    - {name: ram, type: ram, base: 0x80000000, size: 64K}\n";
    assert_false(apply_text(&f, without_remap, 0x100, NULL, &err));
    expect_error(err, "'remap' maps 'remap.window', which holds the pc (0x00000100): "
                      "board apply may not remove or replace it");
    err = NULL;
    assert_unchanged(&f, &before);
    /* both going is fine */
    char *summary = NULL;
    assert_true(apply_text(&f, without_remap, 0x80000000, &summary, &err));
    assert_string_equal(summary, "removed s\nremoved remap\n");
    free(summary);
    audits(&f);
    /* a new board's remap controller shows the new board's memory */
    const char with_flash[] =
        "b:\n"
        "  memory:\n"
        "    - {name: ram, type: ram, base: 0x80000000, size: 64K}\n"
        "    - {name: flash, type: flash, base: 0x20000000, size: 64K}\n"
        "  peripherals:\n"
        "    - {name: remap, type: \"mcusim,remap-controller\", base: 0x40000000,\n"
        "       window: 0x0, window-size: 0x1000, targets: \"flash ram\"}\n";
    if (!apply_text(&f, with_flash, 0x80000000, NULL, &err))
        fail_msg("%s", error_message(err));
    audits(&f);
    assert_true(mapped(&f, 0x0));
    mf_free(&f);
}

static void test_apply_changes_only_what_differs(void **state)
{
    MachineFixture f;
    setup_virt(&f);
    Error *err = NULL;
    wr(&f, UART0 + 7, 1, 0x44); /* state that must survive a move */
    wr(&f, PLIC + 4 * 3, 4, 5);  /* and an untouched device's */
    wr(&f, 0x80000010, 4, 0xcafef00d);
    char *summary = NULL;
    assert_true(apply_text(&f, APPLIED, 0x80000000, &summary, &err));
    audits(&f);
    assert_string_equal(summary, "moved uart0 to 0x10004000\nremoved test\nadded uart1\n");
    free(summary);
    assert_int_equal(rd(&f, 0x10004007, 1), 0x44);
    assert_int_equal(rd(&f, PLIC + 4 * 3, 4), 5);
    assert_int_equal(rd(&f, 0x80000010, 4), 0xcafef00d);
    assert_false(mapped(&f, 0x100000));
    assert_true(mapped(&f, 0x10013000));
    /* applying it again changes nothing */
    assert_true(apply_text(&f, APPLIED, 0x80000000, &summary, &err));
    assert_string_equal(summary, "");
    free(summary);
    mf_free(&f);
}

static void test_apply_is_all_or_nothing(void **state)
{
    MachineFixture f;
    setup_virt(&f);
    Error *err = NULL;
    Snapshot before = snap(&f);
    /* the last entry cannot be built: nothing of the rest happens */
    char text[2048];
    snprintf(text, sizeof text, "%s    - {name: bad, type: ns16550a, base: 0x10020000, "
             "chardev: fail}\n", APPLIED);
    assert_false(apply_text(&f, text, 0x80000000, NULL, &err));
    assert_non_null(strstr(error_message(err), "cannot open 'fail' for bad"));
    error_free(err);
    err = NULL;
    snprintf(text, sizeof text, "%s    - {name: u2, type: ns16550a, base: 0x10020000, "
             "irq: plic.10}\n", APPLIED);
    assert_false(apply_text(&f, text, 0x80000000, NULL, &err));
    assert_non_null(strstr(error_message(err), "plic.10 is already driven by 'uart0'"));
    error_free(err);
    err = NULL;
    /* the memory the pc is in */
    const char moved_ram[] = "b:\n  memory:\n    - {name: ram, type: ram, base: 0x90000000, "
                             "size: 64K}\n";
    assert_false(apply_text(&f, moved_ram, 0x80000100, NULL, &err));
    expect_error(err, "'ram' holds the pc (0x80000100): board apply may not remove, "
                      "replace or move it");
    err = NULL;
    assert_unchanged(&f, &before);
    assert_int_equal(f.chardevs_open, 1);
    mf_free(&f);
}

/* A memory's image is the same file however its path is spelt. */
static void test_apply_knows_an_image_by_its_file(void **state)
{
    char dir[] = "/tmp/mcusim_imageXXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128], text[1024];
    snprintf(path, sizeof path, "%s/img.bin", dir);
    FILE *img = fopen(path, "wb");
    assert_non_null(img);
    fputs("image", img);
    fclose(img);
    const char *form = "b:\n  memory:\n"
                       "    - {name: ram, type: ram, base: 0x80000000, size: 64K}\n"
                       "    - {name: rom, type: rom, base: 0x1000, size: 4K, image: %s}\n";
    snprintf(text, sizeof text, form, path);
    MachineFixture f;
    Error *err = NULL;
    if (!mf_build(&f, text, &err))
        fail_msg("build: %s", error_message(err));
    const char *base = strrchr(dir, '/') + 1;
    char other[160];
    snprintf(other, sizeof other, "%s/../%s/./img.bin", dir, base);
    snprintf(text, sizeof text, form, other);
    char *summary = NULL;
    if (!apply_text(&f, text, 0x80000000, &summary, &err))
        fail_msg("%s", error_message(err));
    assert_string_equal(summary, ""); /* unchanged: the same file */
    free(summary);
    mf_free(&f);
    remove(path);
    rmdir(dir);
}

static void test_apply_leaves_a_powered_off_device_off(void **state)
{
    MachineFixture f;
    setup_virt(&f);
    Error *err = NULL;
    assert_true(machine_power(f.m, "uart0", false, &err));
    char text[2048];
    snprintf(text, sizeof text, "%s", VIRT);
    char *at = strstr(text, "chardev: stdio");
    memcpy(at, "chardev: null ", 14);
    char *summary = NULL;
    assert_true(apply_text(&f, text, 0x80000000, &summary, &err));
    assert_string_equal(summary, "replaced uart0 (powered off)\n");
    free(summary);
    audits(&f);
    assert_false(machine_peripheral_powered(f.m, "uart0"));
    assert_false(mapped(&f, UART0));
    assert_true(machine_power(f.m, "uart0", true, &err));
    assert_string_equal(board_peripheral_prop(machine_find_peripheral(f.m, "uart0"),
                                              "chardev")->value, "null");
    audits(&f);
    mf_free(&f);
}

static void test_apply_replaces_the_sink_and_rewires_kept_sources(void **state)
{
    MachineFixture f;
    setup_virt(&f);
    raise_uart0(&f);
    Error *err = NULL;
    char text[2048];
    /* the PLIC gets more sources: replaced; uart0 unchanged keeps its line */
    snprintf(text, sizeof text, "%s", VIRT);
    char *at = strstr(text, "sources: 53");
    memcpy(at, "sources: 60", 11);
    char *summary = NULL;
    assert_true(apply_text(&f, text, 0x80000000, &summary, &err));
    assert_string_equal(summary, "replaced plic\n");
    free(summary);
    audits(&f);
    assert_true(rd(&f, PLIC_PENDING, 4) & (1u << 10)); /* the level, re-seen */
    mf_free(&f);
}

/* ---- the soak ---- */

static uint64_t next_random(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static const char *const SOAK_ENTRIES[] = {
    "{name: %s, type: ns16550a, base: 0x%x, irq: plic.%u}",
    "{name: %s, type: \"sifive,uart0\", base: 0x%x, irq: plic.%u}",
    "{name: %s, type: \"sifive,gpio0\", base: 0x%x}",
    "{name: %s, type: memory-mapped-stub, base: 0x%x, read-value: %u}",
};

enum { SOAK_KINDS = 9 };

/* One random operation; counts it in done[kind] when it was carried out. */
static void soak_step(MachineFixture *f, uint64_t *rng, unsigned *done)
{
    char name[16], mapping[256];
    unsigned slot = (unsigned)(next_random(rng) % 8);
    snprintf(name, sizeof name, "d%u", slot);
    uint32_t base = 0x20000000u + slot * 0x10000u + (uint32_t)(next_random(rng) % 4) * 0x1000u;
    const char *pattern = SOAK_ENTRIES[next_random(rng) % 4];
    snprintf(mapping, sizeof mapping, pattern, name, base, 20 + slot);
    Error *err = NULL;
    unsigned kind = (unsigned)(next_random(rng) % SOAK_KINDS);
    bool ok = true;
    switch (kind) {
    case 0: case 1: ok = add(f, mapping, &err); break;
    case 2: ok = machine_remove_peripheral(f->m, name, next_random(rng) & 1, &err); break;
    case 3: ok = replace(f, mapping, &err); break;
    case 4: ok = machine_move(f->m, name, base, 0x80000000, &err); break;
    case 5: ok = machine_power(f->m, name, next_random(rng) & 1, &err); break;
    case 6: ok = machine_set_property(f->m, name, "read-value", "7", &err); break;
    case 7: /* the interrupt controller and the time source too */
        if (next_random(rng) & 1)
            ok = machine_remove_peripheral(f->m, next_random(rng) & 1 ? "plic" : "clint",
                                           false, &err);
        else
            ok = add(f, next_random(rng) & 1
                            ? "{name: plic, type: \"sifive,plic-1.0.0\", base: 0xc000000, "
                              "size: 0x4000000, sources: 53, irq: cpu.mei}"
                            : "{name: clint, type: \"sifive,clint0\", base: 0x2000000, "
                              "irq: [cpu.msi, cpu.mti]}", &err);
        break;
    default: { /* drive what is there */
        uint32_t v;
        memory_read(f->ms, base, 4, &v);
        memory_write(f->ms, base + 4, 4, (uint32_t)next_random(rng));
        memory_write(f->ms, base + 1, 1, 0x0f);
        break;
    }
    }
    error_free(err);
    done[kind] += ok;
    audits(f);
}

static void test_soak_random_reconfiguration(void **state)
{
    MachineFixture f;
    setup_virt(&f);
    uint64_t rng = 0x9e3779b97f4a7c15ull;
    unsigned done[SOAK_KINDS] = {0};
    for (int i = 0; i < 10000; i++)
        soak_step(&f, &rng, done);
    /* every kind of change really happened, many times */
    for (unsigned k = 0; k < SOAK_KINDS; k++)
        if (done[k] < 100)
            fail_msg("operation kind %u carried out only %u times", k, done[k]);
    mf_free(&f);
    assert_int_equal(f.chardevs_open, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_maps_a_working_device),
        cmocka_unit_test(test_add_refusals_change_nothing),
        cmocka_unit_test(test_removed_source_leaves_no_pending_bit),
        cmocka_unit_test(test_removed_sink_leaves_lines_waiting_for_the_next),
        cmocka_unit_test(test_removing_the_clint_releases_the_time),
        cmocka_unit_test(test_replace_swaps_the_model_and_keeps_the_wiring),
        cmocka_unit_test(test_replace_keeps_wiring_that_waits),
        cmocka_unit_test(test_replacing_the_clint_hands_over_the_time),
        cmocka_unit_test(test_move_keeps_state_and_refuses_overlap),
        cmocka_unit_test(test_set_property_live_and_refused),
        cmocka_unit_test(test_power_off_keeps_the_entry_and_on_resets),
        cmocka_unit_test(test_device_removes_itself_from_its_own_callback),
        cmocka_unit_test(test_forced_removal_releases_a_window),
        cmocka_unit_test(test_apply_respects_windows),
        cmocka_unit_test(test_apply_changes_only_what_differs),
        cmocka_unit_test(test_apply_is_all_or_nothing),
        cmocka_unit_test(test_apply_knows_an_image_by_its_file),
        cmocka_unit_test(test_apply_leaves_a_powered_off_device_off),
        cmocka_unit_test(test_apply_replaces_the_sink_and_rewires_kept_sources),
        cmocka_unit_test(test_bus_device_property_recorded_and_refused_when_off),
        cmocka_unit_test(test_soak_random_reconfiguration),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
