/* Machine snapshots (soc/machine.h, machine_state.c) on the shipped
 * virt32 and hifive1-revb boards and on boards made for the case: a
 * save, then changes (guest accesses, time, runtime reconfiguration,
 * power), then a load gives back the table (entries, types, bases,
 * properties, power), every device's registers and every line's level as
 * they were, and the same run from there; a load that refuses (a device
 * that cannot be built, state a device refuses) leaves the machine as it
 * was; the encoding comes back equal and refuses every truncation and
 * corruption. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "peripherals/regs.h"
#include "tests/unit/machine_fixture.h"

/* ---- machines ---- */

static void build_board(MachineFixture *f, const BoardDesc *board)
{
    memset(f, 0, sizeof *f);
    f->ms = memory_system_new();
    f->clock = clock_new(1000000);
    MachineHooks hooks = {
        .opaque = f, .stop = mf_stop, .open_chardev = mf_open_chardev,
        .cpu_irq = mf_cpu_irq, .clock = f->clock, .registry = registry_devices(),
    };
    Error *err = NULL;
    f->m = machine_new(f->ms, board, &hooks, &err);
    if (!f->m)
        fail_msg("%s: %s", board->name, error_message(err));
}

static void build_shipped(MachineFixture *f, const char *name)
{
    Error *err = NULL;
    BoardFile *file = board_file_load("boards.yaml", &err);
    assert_non_null(file);
    build_board(f, board_file_find(file, name));
    board_file_free(file);
}

static void build_text(MachineFixture *f, const char *text)
{
    Error *err = NULL;
    if (!mf_build(f, text, &err))
        fail_msg("%s", error_message(err));
}

static void audits(MachineFixture *f)
{
    Error *err = NULL;
    if (!memory_audit(f->ms, &err) || !machine_audit(f->m, &err))
        fail_msg("audit: %s", error_message(err));
}

static void wr(MachineFixture *f, uint32_t addr, uint32_t v)
{
    assert_int_equal(memory_write(f->ms, addr, 4, v), MEM_OK);
}

static void wr8(MachineFixture *f, uint32_t addr, uint8_t v)
{
    assert_int_equal(memory_write(f->ms, addr, 1, v), MEM_OK);
}

static uint32_t rd(MachineFixture *f, uint32_t addr)
{
    uint32_t v = 0;
    assert_int_equal(memory_read(f->ms, addr, 4, &v), MEM_OK);
    return v;
}

static void advance(MachineFixture *f, uint64_t cycles)
{
    uint64_t end = clock_now(f->clock) + cycles;
    while (clock_now(f->clock) < end) {
        uint64_t next = clock_next_deadline(f->clock);
        clock_advance(f->clock, next < end ? next : end);
    }
}

/* Everything a load must give back: the table, the wiring and levels,
 * each powered device's registers (peeks of the first 8 elements of
 * each), the time and the next deadline. malloc'd. */
static char *dump(MachineFixture *f)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    char *table = machine_describe(f->m), *irqs = machine_describe_irqs(f->m);
    fprintf(out, "%s%s", table, irqs);
    free(table);
    free(irqs);
    for (size_t i = 0; i < machine_peripheral_count(f->m); i++) {
        const BoardPeripheral *p = machine_peripheral_at(f->m, i);
        fprintf(out, "%s:", p->name);
        for (size_t k = 0; k < p->nprops; k++)
            fprintf(out, " %s=%s", p->props[k].key, p->props[k].value);
        if (!machine_peripheral_powered(f->m, p->name)) {
            fprintf(out, " (off)\n");
            continue;
        }
        const RegTable *t = registry_find(p->type)->registers;
        for (size_t r = 0; r < t->nregs; r++) {
            const RegDef *reg = &t->regs[r];
            unsigned n = reg->count > 1 ? reg->count : 1;
            for (unsigned e = 0; e < n && e < 8; e++) {
                uint32_t v = 0;
                uint32_t addr = (uint32_t)(p->base + reg->offset +
                                           e * (reg->count > 1 ? reg->stride : 0));
                memory_debug_read(f->ms, addr, &v, reg->width, NULL);
                fprintf(out, " %s[%u]=%x", reg->name, e, v);
            }
        }
        fputc('\n', out);
    }
    fprintf(out, "now=%llu next=%llu\n", (unsigned long long)clock_now(f->clock),
            (unsigned long long)clock_next_deadline(f->clock));
    fclose(out);
    return text;
}

static void load_ok(MachineFixture *f, const MachineState *st)
{
    Error *err = NULL;
    if (!machine_state_load(f->m, st, &err))
        fail_msg("load: %s", error_message(err));
    audits(f);
}

/* ---- the workloads ---- */

/* virt32: the UART's FIFO on with input and a THR interrupt pending, the
 * PLIC prioritised and enabled, the CLINT's timer set. */
static void virt32_drive(MachineFixture *f, unsigned round)
{
    wr8(f, 0x10000003, 0x83);
    wr8(f, 0x10000000, (uint8_t)(1 + round));
    wr8(f, 0x10000003, 0x03);
    wr8(f, 0x10000002, 0xc1);
    wr8(f, 0x10000001, 0x03);
    wr8(f, 0x10000007, (uint8_t)(0x40 + round));
    wr(f, 0xc000000 + 4 * 10, 1 + round);
    wr(f, 0xc002000, 1u << 10);
    wr(f, 0x2004000, 5000 + 1000 * round);
    wr(f, 0x2004004, 0);
    wr(f, 0x2000000, round & 1);
    advance(f, 300 + 100 * round);
}

/* hifive1-revb: the UART sending, the GPIO's inputs enabled and a PWM
 * counting into it, the watchdog and RTC running, the PLIC's enables. */
static void hifive1_drive(MachineFixture *f, unsigned round)
{
    wr(f, 0x10013018, 3);
    wr(f, 0x10013008, 1 | 1u << 16);
    wr(f, 0x10013010, 1);
    for (unsigned i = 0; i < 4 + round; i++)
        wr(f, 0x10013000, 'a' + i);
    wr(f, 0x10012004, 0xf);             /* gpio input_en */
    wr(f, 0x10012018, 0x3);             /* rise_ie */
    wr(f, 0x10012038, 0xf);             /* iof_en */
    wr(f, 0x1001203c, 0xf);             /* iof_sel: function 1, the PWM */
    wr(f, 0x10015020, 0x20 + round);    /* pwmcmp0 */
    wr(f, 0x10015024, 0x08);
    wr(f, 0x10015000, (1u << 12) | (1u << 9) | 2); /* enalways, zerocmp, scale 2 */
    wr(f, 0x1000001c, 0x51f15e);
    wr(f, 0x10000000, (1u << 12) | 4);  /* the watchdog counting */
    wr(f, 0x10000060, 3 + round);
    wr(f, 0x10000040, 1u << 12);
    wr(f, 0xc000000 + 4 * 3, 2);
    wr(f, 0xc002000, 0xffffffff);
    wr(f, 0xc002004, 0xff);
    advance(f, 700 + 300 * round);
}

typedef void (*Drive)(MachineFixture *f, unsigned round);

/* Save, change, load: the dump at the save comes back; then the same
 * workload from there shows the same as it did from the save. */
static void round_trip(MachineFixture *f, Drive drive)
{
    drive(f, 0);
    char *at_save = dump(f);
    MachineState *st = machine_state_save(f->m);
    drive(f, 1);
    char *first = dump(f);
    assert_string_not_equal(first, at_save); /* the workload changes something */
    drive(f, 2);
    load_ok(f, st);
    char *loaded = dump(f);
    assert_string_equal(loaded, at_save);
    drive(f, 1);
    char *again = dump(f);
    assert_string_equal(again, first);
    free(at_save);
    free(first);
    free(loaded);
    free(again);
    machine_state_free(st);
}

static void test_virt32_round_trip(void **state)
{
    (void)state;
    MachineFixture f;
    build_shipped(&f, "virt32");
    round_trip(&f, virt32_drive);
    mf_free(&f);
}

static void test_hifive1_round_trip(void **state)
{
    (void)state;
    MachineFixture f;
    build_shipped(&f, "hifive1-revb");
    round_trip(&f, hifive1_drive);
    mf_free(&f);
}

/* The state's board is the live one, with the board's own fields. */
static void test_the_state_holds_the_live_board(void **state)
{
    (void)state;
    MachineFixture f;
    build_shipped(&f, "hifive1-revb");
    MachineState *st = machine_state_save(f.m);
    const BoardDesc *b = machine_state_board(st);
    assert_string_equal(b->name, "hifive1-revb");
    assert_int_equal(b->cpu.frequency_hz, 16000000);
    assert_int_equal(b->cpu.pmp_entries, 8);
    assert_int_equal(b->nmemories, machine_memory_count(f.m));
    for (size_t i = 0; i < b->nmemories; i++) {
        assert_string_equal(b->memories[i].name, machine_memory_name(f.m, i));
        assert_int_equal(memory_region_size(machine_memory_region(f.m, i)),
                         b->memories[i].size);
    }
    assert_null(machine_memory_name(f.m, b->nmemories));
    assert_int_equal(b->nperipherals, machine_peripheral_count(f.m));
    mf_free(&f);
    /* it holds copies only: the machine is gone */
    assert_string_equal(machine_state_board(st)->peripherals[0].name, "clint");
    assert_true(machine_state_size(st) > 0);
    machine_state_free(st);
}

/* ---- after reconfiguration ---- */

static BoardFile *entry(const char *mapping, const BoardPeripheral **out)
{
    Error *err = NULL;
    BoardFile *file = mf_entry(mapping, out, &err);
    if (!file)
        fail_msg("%s", error_message(err));
    return file;
}

/* A peripheral added, then removed: the load brings it back with its
 * state; loading the state from before takes it away again. */
static void test_an_added_peripheral_comes_back(void **state)
{
    (void)state;
    MachineFixture f;
    build_shipped(&f, "virt32");
    virt32_drive(&f, 0);
    MachineState *before = machine_state_save(f.m);
    char *dump_before = dump(&f);
    const BoardPeripheral *p;
    BoardFile *file = entry("{name: uart1, type: ns16550a, base: 0x10001000, "
                            "chardev: null, irq: plic.11}", &p);
    Error *err = NULL;
    assert_true(machine_add_peripheral(f.m, p, &err));
    board_file_free(file);
    wr8(&f, 0x10001007, 0x5a);
    wr(&f, 0xc000000 + 4 * 11, 3);
    MachineState *added = machine_state_save(f.m);
    char *dump_added = dump(&f);
    assert_true(machine_remove_peripheral(f.m, "uart1", false, &err));
    load_ok(&f, added);
    char *now = dump(&f);
    assert_string_equal(now, dump_added);
    free(now);
    assert_int_equal(rd(&f, 0x10001004) & 0xff, 0);
    load_ok(&f, before);
    now = dump(&f);
    assert_string_equal(now, dump_before);
    assert_null(machine_find_peripheral(f.m, "uart1"));
    free(now);
    free(dump_before);
    free(dump_added);
    machine_state_free(before);
    machine_state_free(added);
    mf_free(&f);
}

/* A device the load builds anew gets exactly its saved state, also when
 * wiring it moves its state on (a PWM's connect_irqs settles its
 * counter's anchor to now): saving again gives the same bytes. Found by
 * tests/fuzz/fuzz_snapshot.c (a refused restore, undone, left the PWM's
 * anchor moved). */
static void test_a_rebuilt_device_gets_exactly_its_saved_state(void **state)
{
    (void)state;
    MachineFixture f;
    build_shipped(&f, "hifive1-revb");
    advance(&f, 1000); /* the PWM's anchor stays where it was reset, at 0 */
    MachineState *st = machine_state_save(f.m);
    size_t len, len2;
    uint8_t *saved = machine_state_encode(st, &len);
    Error *err = NULL;
    assert_true(machine_remove_peripheral(f.m, "pwm0", false, &err));
    load_ok(&f, st);
    MachineState *again = machine_state_save(f.m);
    uint8_t *now = machine_state_encode(again, &len2);
    assert_int_equal(len2, len);
    assert_memory_equal(now, saved, len);
    free(saved);
    free(now);
    machine_state_free(again);
    machine_state_free(st);
    mf_free(&f);
}

static const char APPLIED[] =
    "virt32:\n"
    "  memory:\n"
    "    - {name: ram, type: ram, base: 0x80000000, size: 128M}\n"
    "    - {name: sram, type: ram, base: 0x20000000, size: 8K}\n"
    "  peripherals:\n"
    "    - {name: clint, type: \"sifive,clint0\", base: 0x2000000, size: 0x10000,\n"
    "       irq: [cpu.msi, cpu.mti]}\n"
    "    - {name: plic, type: \"sifive,plic-1.0.0\", base: 0xc000000, size: 0x4000000,\n"
    "       sources: 53, irq: cpu.mei}\n"
    "    - {name: uart0, type: \"sifive,uart0\", base: 0x10000000, chardev: stdio,\n"
    "       irq: plic.10}\n"
    "    - {name: stub, type: memory-mapped-stub, base: 0x10020000, read-value: 7}\n";

/* A board applied (a memory added, the UART another model, the test
 * device gone, a stub new): each state comes back as it was, either
 * way. */
static void test_an_applied_board_comes_back_either_way(void **state)
{
    (void)state;
    MachineFixture f;
    build_shipped(&f, "virt32");
    virt32_drive(&f, 0);
    MachineState *shipped = machine_state_save(f.m);
    char *dump_shipped = dump(&f);
    Error *err = NULL;
    BoardFile *file = board_file_parse("applied.yaml", APPLIED, strlen(APPLIED), &err);
    assert_non_null(file);
    assert_true(machine_apply_board(f.m, &file->boards[0], 0x80000000, NULL, &err));
    board_file_free(file);
    wr(&f, 0x10000008, 1);     /* the SiFive UART's txen */
    assert_true(machine_set_property(f.m, "stub", "read-value", "9", &err));
    advance(&f, 100);
    MachineState *applied = machine_state_save(f.m);
    char *dump_applied = dump(&f);

    load_ok(&f, shipped);
    char *now = dump(&f);
    assert_string_equal(now, dump_shipped);
    free(now);
    assert_int_equal(machine_memory_count(f.m), 1);
    load_ok(&f, applied);
    now = dump(&f);
    assert_string_equal(now, dump_applied);
    assert_int_equal(machine_memory_count(f.m), 2);
    assert_int_equal(rd(&f, 0x10020000), 9);
    free(now);
    free(dump_shipped);
    free(dump_applied);
    machine_state_free(shipped);
    machine_state_free(applied);
    mf_free(&f);
}

/* Power: a peripheral off keeps its entry and has no state; a load
 * powers it off or on as saved (on: with its saved state). */
static void test_power_flags_come_back(void **state)
{
    (void)state;
    MachineFixture f;
    build_shipped(&f, "virt32");
    virt32_drive(&f, 0);
    MachineState *on = machine_state_save(f.m);
    char *dump_on = dump(&f);
    Error *err = NULL;
    assert_true(machine_power(f.m, "uart0", false, &err));
    MachineState *off = machine_state_save(f.m);
    char *dump_off = dump(&f);
    assert_true(machine_power(f.m, "uart0", true, &err));
    load_ok(&f, off);
    char *now = dump(&f);
    assert_string_equal(now, dump_off);
    assert_false(machine_peripheral_powered(f.m, "uart0"));
    assert_non_null(machine_find_peripheral(f.m, "uart0"));
    free(now);
    load_ok(&f, on);
    now = dump(&f);
    assert_string_equal(now, dump_on);
    assert_true(machine_peripheral_powered(f.m, "uart0"));
    free(now);
    free(dump_on);
    free(dump_off);
    machine_state_free(on);
    machine_state_free(off);
    mf_free(&f);
}

/* A remap controller's window and a power controller's domains on a
 * board made for them: the window shows what it showed, the domain is
 * powered as it was. */
static const char CONTROLLERS[] =
    "b:\n"
    "  memory:\n"
    "    - {name: rom, type: rom, base: 0x20000000, size: 4K}\n"
    "    - {name: ram, type: ram, base: 0x80000000, size: 4K}\n"
    "  peripherals:\n"
    "    - {name: remap, type: \"mcusim,remap-controller\", base: 0x10000000,\n"
    "       window: 0x0, window-size: 0x1000, targets: \"rom ram stub\"}\n"
    "    - {name: power, type: \"mcusim,power-controller\", base: 0x10001000,\n"
    "       domains: \"stub probe\"}\n"
    "    - {name: stub, type: memory-mapped-stub, base: 0x10002000, read-value: 0x77}\n"
    "    - {name: probe, type: \"mcusim,irq-probe\", base: 0x10003000}\n";

static void test_windows_and_power_domains_come_back(void **state)
{
    (void)state;
    MachineFixture f;
    build_text(&f, CONTROLLERS);
    assert_true(memory_debug_write(f.ms, 0x80000000, "\x11\x22\x33\x44", 4, NULL));
    wr(&f, 0x10000000, 1); /* the window shows ram */
    MachineState *ram_shown = machine_state_save(f.m);
    char *dump_ram = dump(&f);
    wr(&f, 0x10001000, 0x2); /* the stub powered off */
    assert_false(machine_peripheral_powered(f.m, "stub"));
    wr(&f, 0x10000000, 2); /* a target powered off: the window disabled */
    MachineState *stub_off = machine_state_save(f.m);
    char *dump_off = dump(&f);
    uint32_t v = 0;
    assert_true(memory_debug_read(f.ms, 0x0, &v, 4, NULL) == false || v == 0);

    load_ok(&f, ram_shown);
    char *now = dump(&f);
    assert_string_equal(now, dump_ram);
    assert_true(machine_peripheral_powered(f.m, "stub"));
    assert_true(memory_debug_read(f.ms, 0x0, &v, 4, NULL));
    assert_int_equal(v, 0x44332211);
    free(now);
    load_ok(&f, stub_off);
    now = dump(&f);
    assert_string_equal(now, dump_off);
    assert_false(machine_peripheral_powered(f.m, "stub"));
    free(now);
    free(dump_ram);
    free(dump_off);
    machine_state_free(ram_shown);
    machine_state_free(stub_off);
    mf_free(&f);
}

/* The firmware's request to exit is the machine's state too: a load of
 * a state from before it takes it back, one from after gives it again. */
static void test_an_exit_request_comes_and_goes_with_the_state(void **state)
{
    (void)state;
    MachineFixture f;
    build_shipped(&f, "virt32");
    MachineState *running = machine_state_save(f.m);
    wr(&f, 0x100000, 0x00073333); /* the test device: fail with 7 */
    int status = 0;
    assert_true(machine_exit_requested(f.m, &status));
    assert_int_equal(status, 7);
    MachineState *exited = machine_state_save(f.m);
    load_ok(&f, running);
    assert_false(machine_exit_requested(f.m, NULL));
    load_ok(&f, exited);
    status = 0;
    assert_true(machine_exit_requested(f.m, &status));
    assert_int_equal(status, 7);
    machine_state_free(running);
    machine_state_free(exited);
    mf_free(&f);
}

/* ---- levels: restored, told to no sink ---- */

/* The UART's line into the PLIC: saved low with nothing pending, then
 * raised (the PLIC latches it); the load gives the line its saved level
 * and the PLIC its saved pending bits, not what a re-driven edge would
 * latch; a load of a high line latches nothing new either. */
static void test_levels_come_back_without_edges(void **state)
{
    (void)state;
    MachineFixture f;
    build_shipped(&f, "virt32");
    MachineState *quiet = machine_state_save(f.m);
    char *irqs_quiet = machine_describe_irqs(f.m);
    wr8(&f, 0x10000001, 0x02); /* ETBEI: THR empty raises the line */
    wr(&f, 0xc000000 + 4 * 10, 1);
    assert_int_equal(rd(&f, 0xc001000) & (1u << 10), 1u << 10);
    MachineState *raised = machine_state_save(f.m);
    char *irqs_raised = machine_describe_irqs(f.m);
    rd(&f, 0xc200004); /* claimed: not pending, gateway busy */
    load_ok(&f, quiet);
    char *now = machine_describe_irqs(f.m);
    assert_string_equal(now, irqs_quiet);
    free(now);
    assert_int_equal(rd(&f, 0xc001000), 0);
    load_ok(&f, raised);
    now = machine_describe_irqs(f.m);
    assert_string_equal(now, irqs_raised);
    free(now);
    assert_int_equal(rd(&f, 0xc001000) & (1u << 10), 1u << 10);
    rd(&f, 0xc200004);
    load_ok(&f, raised); /* the line stays high: no new request */
    assert_int_equal(rd(&f, 0xc001000) & (1u << 10), 1u << 10);
    free(irqs_quiet);
    free(irqs_raised);
    machine_state_free(quiet);
    machine_state_free(raised);
    mf_free(&f);
}

/* The UART's request claimed and not completed when saved (its line
 * high, the PLIC's gateway busy, nothing pending), then the UART
 * replaced by another model: the load rebuilds it and wires it to the
 * PLIC, and neither the old one's removal (which would clear the
 * gateway) nor the new one's high line (which would then latch a new
 * request) reaches the PLIC: nothing is pending after the load. */
static void test_rewiring_during_a_load_latches_nothing(void **state)
{
    (void)state;
    MachineFixture f;
    build_shipped(&f, "virt32");
    wr(&f, 0xc000000 + 4 * 10, 1);
    wr(&f, 0xc002000, 1u << 10);
    wr8(&f, 0x10000001, 0x02); /* ETBEI: the line rises */
    assert_int_equal(rd(&f, 0xc200004), 10); /* claimed */
    assert_int_equal(rd(&f, 0xc001000), 0);
    MachineState *claimed = machine_state_save(f.m);
    char *at_save = dump(&f);
    Error *err = NULL;
    BoardFile *file = board_file_parse("applied.yaml", APPLIED, strlen(APPLIED), &err);
    assert_non_null(file);
    assert_true(machine_apply_board(f.m, &file->boards[0], 0x80000000, NULL, &err));
    board_file_free(file);
    load_ok(&f, claimed);
    assert_int_equal(rd(&f, 0xc001000), 0);
    char *now = dump(&f);
    assert_string_equal(now, at_save);
    free(now);
    free(at_save);
    machine_state_free(claimed);
    mf_free(&f);
}

/* ---- all or nothing ---- */

/* CRC-32 as the encoding's, to forge strings that pass it. */
static uint32_t crc32_of(const uint8_t *p, size_t n)
{
    uint32_t crc = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int b = 0; b < 8; b++)
            crc = crc >> 1 ^ (0xedb88320u & -(crc & 1));
    }
    return ~crc;
}

static void fix_crc(uint8_t *data, size_t len)
{
    uint32_t crc = crc32_of(data, len - 4);
    for (int i = 0; i < 4; i++)
        data[len - 4 + i] = (uint8_t)(crc >> 8 * i);
}

/* The saved FIFO count of the ns16550a, spoiled, in an encoding whose
 * CRC is made to match: it decodes, and the device refuses it. */
static MachineState *spoiled_uart(const MachineState *st)
{
    size_t len;
    uint8_t *data = machine_state_encode(st, &len);
    static const char name[] = "\x01\x08rx_count"; /* kind 'S', 8 bytes: see regs.c */
    uint8_t *at = NULL;
    for (size_t i = 0; i + 14 < len; i++)
        if (data[i] == 'S' && memcmp(data + i + 1, name + 1, sizeof name - 2) == 0)
            at = data + i + 1 + sizeof name - 2 + 4;
    assert_non_null(at);
    at[0] = 200;
    fix_crc(data, len);
    Error *err = NULL;
    MachineState *bad = machine_state_decode(data, len, &err);
    if (!bad)
        fail_msg("%s", error_message(err));
    free(data);
    return bad;
}

/* A load that refuses late (the last device's state, after the others
 * took theirs) or early (a new device that cannot be built): the table,
 * every device, every level and the clock as before. */
static void test_a_refused_load_changes_nothing(void **state)
{
    (void)state;
    MachineFixture f;
    build_shipped(&f, "virt32");
    virt32_drive(&f, 0);
    MachineState *st = machine_state_save(f.m);
    MachineState *bad = spoiled_uart(st);
    virt32_drive(&f, 1);
    char *before = dump(&f);
    Error *err = NULL;
    assert_false(machine_state_load(f.m, bad, &err));
    assert_non_null(strstr(error_message(err), "peripheral 'uart0': ns16550a: saved "
                                                "receive FIFO (head 0, 200 bytes)"));
    error_free(err);
    audits(&f);
    char *after = dump(&f);
    assert_string_equal(after, before);
    free(after);
    machine_state_free(bad);

    /* a board whose new UART cannot open its chardev */
    MachineFixture g;
    build_text(&g, "b:\n  peripherals:\n    - {name: uart1, type: ns16550a, base: "
               "0x10001000, chardev: null}\n");
    wr8(&g, 0x10001007, 9);
    MachineState *other = machine_state_save(g.m);
    mf_free(&g);
    /* the same state, its UART's chardev made "fail" through a re-encoding */
    size_t len;
    uint8_t *data = machine_state_encode(other, &len);
    uint8_t *hit = memmem(data, len, "\"null\"", 6);
    assert_non_null(hit);
    memcpy(hit, "\"fail\"", 6);
    fix_crc(data, len);
    MachineState *unbuildable = machine_state_decode(data, len, &err);
    assert_non_null(unbuildable);
    free(data);
    err = NULL;
    assert_false(machine_state_load(f.m, unbuildable, &err));
    assert_non_null(strstr(error_message(err), "cannot open 'fail' for uart1"));
    error_free(err);
    audits(&f);
    after = dump(&f);
    assert_string_equal(after, before);
    free(after);
    free(before);
    machine_state_free(unbuildable);
    machine_state_free(other);
    machine_state_free(st);
    mf_free(&f);
}

/* ---- the encoding ---- */

static void test_the_encoding_comes_back_equal(void **state)
{
    (void)state;
    MachineFixture f;
    build_shipped(&f, "hifive1-revb");
    hifive1_drive(&f, 0);
    Error *err = NULL;
    const BoardPeripheral *p;
    BoardFile *file = entry("{name: stub, type: memory-mapped-stub, base: 0x10030000, "
                            "read-value: \"0x5\"}", &p);
    assert_true(machine_add_peripheral(f.m, p, &err));
    board_file_free(file);
    assert_true(machine_power(f.m, "i2c0", false, &err));
    MachineState *st = machine_state_save(f.m);
    char *at_save = dump(&f);
    size_t len;
    uint8_t *data = machine_state_encode(st, &len);
    MachineState *back = machine_state_decode(data, len, &err);
    if (!back)
        fail_msg("%s", error_message(err));
    size_t len2;
    uint8_t *data2 = machine_state_encode(back, &len2);
    assert_int_equal(len2, len);
    assert_memory_equal(data2, data, len);
    /* the places of the entries came with it */
    const BoardDesc *b = machine_state_board(back);
    assert_string_equal(b->peripherals[0].loc.file, "boards.yaml");
    assert_string_equal(b->peripherals[b->nperipherals - 1].loc.file, "cmd.yaml");
    hifive1_drive(&f, 1);
    load_ok(&f, back);
    char *now = dump(&f);
    assert_string_equal(now, at_save);
    free(now);
    free(at_save);
    free(data);
    free(data2);
    machine_state_free(st);
    machine_state_free(back);
    mf_free(&f);
}

/* Every truncation and every flipped bit of every byte is refused, with
 * a message and no crash; so are forged strings whose CRC matches. */
static void test_hostile_encodings_are_refused(void **state)
{
    (void)state;
    MachineFixture f;
    build_shipped(&f, "virt32");
    virt32_drive(&f, 0);
    MachineState *st = machine_state_save(f.m);
    size_t len;
    uint8_t *data = machine_state_encode(st, &len);
    uint8_t *copy = malloc(len);
    for (size_t n = 0; n < len; n++) {
        memcpy(copy, data, n);
        Error *err = NULL;
        assert_null(machine_state_decode(copy, n, &err));
        assert_non_null(strstr(error_message(err), "saved machine state"));
        error_free(err);
    }
    for (size_t i = 0; i < len; i++) {
        for (int bit = 0; bit < 8; bit += 3) {
            memcpy(copy, data, len);
            copy[i] ^= (uint8_t)(1u << bit);
            Error *err = NULL;
            assert_null(machine_state_decode(copy, len, &err));
            error_free(err);
        }
    }
    /* forged: a CRC that matches, contents that do not */
    static const struct { size_t at; uint8_t value; const char *message; } forged[] = {
        {0, 'X', "not a machine state"},
        {8, 2, "version 2"},
        {20, 2, "a header flag is not 0 or 1"},
    };
    for (size_t k = 0; k < sizeof forged / sizeof forged[0]; k++) {
        memcpy(copy, data, len);
        copy[forged[k].at] = forged[k].value;
        fix_crc(copy, len);
        Error *err = NULL;
        assert_null(machine_state_decode(copy, len, &err));
        assert_non_null(strstr(error_message(err), forged[k].message));
        error_free(err);
    }
    free(copy);
    free(data);
    machine_state_free(st);
    mf_free(&f);
}

/* A state saved with a clock is not loaded into a machine without one. */
static uint32_t le32(const uint8_t *p)
{
    return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* A location that names no file where the board always has one (the
 * machine reads them: a block's base and size for what --set placed,
 * every message) is refused; only a memory without an image has its
 * image's location without one. Found by tests/fuzz/fuzz_snapshot.c (a
 * load read the NULL file name with strcmp, in machine_check_layout). */
static void test_a_location_without_a_file_is_refused(void **state)
{
    (void)state;
    MachineFixture f;
    build_shipped(&f, "virt32");
    MachineState *st = machine_state_save(f.m);
    size_t len;
    uint8_t *data = machine_state_encode(st, &len);
    /* the layout (machine_state.c): header, YAML, file names, locations */
    size_t at = 26;
    at += 4 + le32(data + at);
    uint32_t nfiles = le32(data + at);
    at += 4;
    for (uint32_t i = 0; i < nfiles; i++)
        at += 4 + le32(data + at);
    uint32_t nlocs = le32(data + at);
    uint8_t *locs = data + at + 4;
    /* board, host, cpu, isa, reset_pc; ram: entry, base, size, image;
     * then clint: entry, type, irq, base */
    assert_true(nlocs > 12);
    assert_int_equal(le32(locs + 12 * 8), UINT32_MAX); /* ram's image: none */
    memset(locs + 12 * 12, 0xff, 4);                     /* clint's base */
    fix_crc(data, len);
    Error *err = NULL;
    assert_null(machine_state_decode(data, len, &err));
    assert_non_null(strstr(error_message(err), "location"));
    error_free(err);
    free(data);
    machine_state_free(st);
    mf_free(&f);
}

static void test_a_machine_without_a_clock_is_refused(void **state)
{
    (void)state;
    MachineFixture f;
    build_text(&f, "b:\n  peripherals:\n    - {name: stub, type: memory-mapped-stub, "
               "base: 0x1000}\n");
    MachineState *st = machine_state_save(f.m);
    MemorySystem *ms = memory_system_new();
    Error *err = NULL;
    BoardFile *file = board_file_parse("m.yaml", "b:\n  peripherals: []\n", 20, &err);
    MachineHooks hooks = {.registry = registry_devices()};
    Machine *bare = machine_new(ms, &file->boards[0], &hooks, &err);
    assert_non_null(bare);
    assert_false(machine_state_load(bare, st, &err));
    assert_string_equal(error_message(err), "the saved machine had a clock, this one has none");
    error_free(err);
    board_file_free(file);
    machine_free(bare);
    memory_system_free(ms);
    machine_state_free(st);
    mf_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_virt32_round_trip),
        cmocka_unit_test(test_hifive1_round_trip),
        cmocka_unit_test(test_the_state_holds_the_live_board),
        cmocka_unit_test(test_an_added_peripheral_comes_back),
        cmocka_unit_test(test_a_rebuilt_device_gets_exactly_its_saved_state),
        cmocka_unit_test(test_an_applied_board_comes_back_either_way),
        cmocka_unit_test(test_power_flags_come_back),
        cmocka_unit_test(test_windows_and_power_domains_come_back),
        cmocka_unit_test(test_an_exit_request_comes_and_goes_with_the_state),
        cmocka_unit_test(test_levels_come_back_without_edges),
        cmocka_unit_test(test_rewiring_during_a_load_latches_nothing),
        cmocka_unit_test(test_a_refused_load_changes_nothing),
        cmocka_unit_test(test_the_encoding_comes_back_equal),
        cmocka_unit_test(test_hostile_encodings_are_refused),
        cmocka_unit_test(test_a_location_without_a_file_is_refused),
        cmocka_unit_test(test_a_machine_without_a_clock_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
