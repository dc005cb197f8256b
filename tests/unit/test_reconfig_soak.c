/* The reconfiguration soak: 10,000 random changes to a running virt32
 * board (add, remove, replace, move, set, power and board apply, the
 * interrupt controller and the time source included), each followed by
 * both audits (memory and wiring) and a stretch of firmware execution.
 * The firmware (build/fw/soak_printer.elf) prints "n=K" lines for ever
 * and survives the faults a vanished device gives it, so after every
 * operation its output must still be a gapless sequence of whole lines.
 * Built twice: with ASan/UBSan/LeakSanitizer, and plain for valgrind
 * (tests/run_tests.py runs build/tests/plain/test_*_soak under it). Run
 * from the repository top. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "peripherals/registry.h"
#include "sim/cpu/cpu.h"
#include "sim/elf_load.h"
#include "soc/board.h"
#include "soc/machine.h"

#define FIRMWARE "build/fw/soak_printer.elf"
#define OPERATIONS 10000
#define INSNS_BETWEEN 3000
#define SLOTS 6

typedef struct Soak {
    BoardFile *file;
    Clock *clock;
    MemorySystem *ms;
    Cpu *cpu;
    Machine *m;
    char *out; /* everything UART0 printed, under whatever model */
    size_t outlen, outcap;
    size_t checked;    /* output already checked */
    uint32_t next;     /* the next whole line expected: "n=next" */
    unsigned open_chardevs;
    uint64_t rng;
} Soak;

/* ---- UART0's output, whatever backend it is given ---- */

typedef struct SoakChardev {
    Chardev base;
    Soak *soak;
    bool uart0;
} SoakChardev;

static void soak_write(Chardev *chr, const uint8_t *buf, size_t len)
{
    SoakChardev *c = (SoakChardev *)chr;
    Soak *s = c->soak;
    if (!c->uart0)
        return;
    if (s->outlen + len > s->outcap) {
        s->outcap = (s->outlen + len) * 2;
        s->out = realloc(s->out, s->outcap);
        assert_non_null(s->out);
    }
    memcpy(s->out + s->outlen, buf, len);
    s->outlen += len;
}

static void soak_close(Chardev *chr)
{
    ((SoakChardev *)chr)->soak->open_chardevs--;
    free(chr);
}

static const ChardevOps soak_chardev_ops = {.write = soak_write, .close = soak_close};

static Chardev *soak_open_chardev(void *opaque, const char *device, const char *spec,
                                  Error **errp)
{
    SoakChardev *c = calloc(1, sizeof *c);
    c->base.ops = &soak_chardev_ops;
    c->base.eof = true;
    c->soak = opaque;
    c->uart0 = strcmp(device, "uart0") == 0;
    c->soak->open_chardevs++;
    return &c->base;
}

static void soak_stop(void *opaque)
{
    cpu_request_stop(((Soak *)opaque)->cpu);
}

static bool soak_cpu_irq(void *opaque, const char *input, IrqLine *out)
{
    return cpu_irq_input_named(((Soak *)opaque)->cpu, input, out);
}

static void soak_open(Soak *s)
{
    memset(s, 0, sizeof *s);
    s->rng = 0x2545f4914f6cdd1dull;
    Error *err = NULL;
    s->file = board_file_load("boards.yaml", &err);
    assert_null(err);
    const BoardDesc *board = board_file_find(s->file, "virt32");
    assert_non_null(board);
    s->clock = clock_new(board->cpu.frequency_hz);
    s->ms = memory_system_new();
    CpuConfig config = {
        .isa = board->cpu.isa, .frequency_hz = board->cpu.frequency_hz,
        .clock = s->clock,
    };
    s->cpu = cpu_new(s->ms, &config, &err);
    assert_non_null(s->cpu);
    MachineHooks hooks = {
        .opaque = s, .stop = soak_stop, .open_chardev = soak_open_chardev,
        .cpu_irq = soak_cpu_irq, .clock = s->clock, .registry = registry_devices(),
    };
    s->m = machine_new(s->ms, board, &hooks, &err);
    if (!s->m)
        fail_msg("%s", error_message(err));
    cpu_set_time_source(s->cpu, machine_read_time, s->m);
    uint32_t entry;
    if (!elf_load(s->ms, FIRMWARE, &entry, &err))
        fail_msg("%s", error_message(err));
    cpu_set_reset_pc(s->cpu, entry);
}

static void soak_close_all(Soak *s)
{
    machine_free(s->m);
    cpu_free(s->cpu);
    memory_system_free(s->ms);
    clock_free(s->clock);
    board_file_free(s->file);
    assert_int_equal(s->open_chardevs, 0);
    free(s->out);
}

/* ---- checks ---- */

static void audits(Soak *s, const char *after)
{
    Error *err = NULL;
    if (!memory_audit(s->ms, &err) || !machine_audit(s->m, &err))
        fail_msg("after %s: %s", after, error_message(err));
}

/* Every whole line since the last check is "n=next" (next counting up);
 * a line cut short by a fault is a prefix of it marked with '~'. */
static void check_output(Soak *s)
{
    char want[16];
    for (;;) {
        const char *line = s->out + s->checked;
        const char *nl = memchr(line, '\n', s->outlen - s->checked);
        if (!nl)
            return;
        size_t len = (size_t)(nl - line);
        int wlen = snprintf(want, sizeof want, "n=%u", (unsigned)s->next);
        bool broken = len > 0 && line[len - 1] == '~';
        size_t text = broken ? len - 1 : len;
        if (!broken && len == (size_t)wlen && memcmp(line, want, len) == 0)
            s->next++;
        else if (!broken || text > (size_t)wlen || memcmp(line, want, text) != 0)
            fail_msg("line '%.*s' where '%s' (or a part of it, then '~') was due",
                     (int)len, line, want);
        s->checked += len + 1;
    }
}

static void run_firmware(Soak *s)
{
    Error *err = NULL;
    CpuStopReason why = cpu_run(s->cpu, INSNS_BETWEEN, &err);
    if (why != CPU_STOP_INSN_LIMIT)
        fail_msg("the firmware stopped: %d %s", why, err ? error_message(err) : "");
    check_output(s);
}

/* ---- the operations ---- */

static uint32_t pick(Soak *s, uint32_t n)
{
    s->rng ^= s->rng << 13;
    s->rng ^= s->rng >> 7;
    s->rng ^= s->rng << 17;
    return (uint32_t)(s->rng % n);
}

static bool with_entry(Soak *s, const char *mapping, bool replace, Error **errp)
{
    char text[1024];
    snprintf(text, sizeof text, "b:\n  peripherals:\n    - %s\n", mapping);
    BoardFile *file = board_file_parse("soak.yaml", text, strlen(text), errp);
    assert_non_null(file);
    const BoardPeripheral *p = &file->boards[0].peripherals[0];
    bool ok = replace ? machine_replace_peripheral(s->m, p, errp)
                      : machine_add_peripheral(s->m, p, errp);
    board_file_free(file);
    return ok;
}

static const char PLIC_ENTRY[] =
    "{name: plic, type: \"sifive,plic-1.0.0\", base: 0xc000000, size: 0x4000000, "
    "sources: 53, irq: cpu.mei}";
static const char CLINT_ENTRY[] =
    "{name: clint, type: \"sifive,clint0\", base: 0x2000000, size: 0x10000, "
    "irq: [cpu.msi, cpu.mti]}";
static const char UART0_ENTRY[] =
    "{name: uart0, type: ns16550a, base: 0x10000000, size: 0x100, chardev: stdio, "
    "irq: plic.10}";
/* While no PLIC is there to name as its sink. */
static const char UART0_UNWIRED[] =
    "{name: uart0, type: ns16550a, base: 0x10000000, size: 0x100, chardev: stdio}";

/* A device of a random model in slot `slot` (its own address range). */
static void slot_entry(Soak *s, unsigned slot, char *buf, size_t size)
{
    uint32_t base = 0x20000000u + slot * 0x10000u + pick(s, 4) * 0x1000u;
    switch (pick(s, 4)) {
    case 0:
        snprintf(buf, size, "{name: d%u, type: ns16550a, base: 0x%x, irq: plic.%u}",
                 slot, base, 20 + slot);
        break;
    case 1:
        snprintf(buf, size, "{name: d%u, type: \"sifive,uart0\", base: 0x%x, irq: plic.%u}",
                 slot, base, 20 + slot);
        break;
    case 2:
        snprintf(buf, size, "{name: d%u, type: \"sifive,gpio0\", base: 0x%x}", slot, base);
        break;
    default:
        snprintf(buf, size, "{name: d%u, type: memory-mapped-stub, base: 0x%x}", slot, base);
        break;
    }
}

/* A board for `board apply`: virt32's blocks, some of them moved or
 * missing, and the slots' devices as they come. */
static bool apply_random(Soak *s, Error **errp)
{
    char text[4096];
    int n = snprintf(text, sizeof text,
                     "b:\n  memory:\n    - {name: ram, type: ram, base: 0x80000000, "
                     "size: 128M}\n  peripherals:\n    - %s\n    - %s\n"
                     "    - {name: test, type: \"sifive,test0\", base: 0x100000, "
                     "size: 0x1000}\n    - %s\n",
                     PLIC_ENTRY, CLINT_ENTRY, UART0_ENTRY);
    for (unsigned slot = 0; slot < SLOTS; slot++) {
        if (pick(s, 2))
            continue;
        char entry[256];
        slot_entry(s, slot, entry, sizeof entry);
        n += snprintf(text + n, sizeof text - (size_t)n, "    - %s\n", entry);
    }
    BoardFile *file = board_file_parse("apply.yaml", text, strlen(text), errp);
    assert_non_null(file);
    bool ok = machine_apply_board(s->m, &file->boards[0], cpu_get_pc(s->cpu), NULL, errp);
    board_file_free(file);
    return ok;
}

enum { OP_ADD, OP_REMOVE, OP_REPLACE, OP_MOVE, OP_SET, OP_POWER, OP_CORE, OP_UART0,
       OP_APPLY, OP_KINDS };

static const char *const OP_NAMES[] = {"add", "remove", "replace", "move", "set", "power",
                                       "plic/clint", "uart0", "board apply"};

static bool operate(Soak *s, unsigned op, Error **errp)
{
    unsigned slot = pick(s, SLOTS);
    char name[8], entry[256];
    snprintf(name, sizeof name, "d%u", slot);
    slot_entry(s, slot, entry, sizeof entry);
    switch (op) {
    case OP_ADD: return with_entry(s, entry, false, errp);
    case OP_REMOVE: return machine_remove_peripheral(s->m, name, pick(s, 2), errp);
    case OP_REPLACE: return with_entry(s, entry, true, errp);
    case OP_MOVE:
        return machine_move(s->m, name, 0x20000000u + slot * 0x10000u + pick(s, 4) * 0x1000u,
                            cpu_get_pc(s->cpu), errp);
    case OP_SET: return machine_set_property(s->m, name, "read-value", "0x1234", errp);
    case OP_POWER: return machine_power(s->m, name, pick(s, 2), errp);
    case OP_CORE: {
        bool plic = pick(s, 2);
        if (pick(s, 2))
            return machine_remove_peripheral(s->m, plic ? "plic" : "clint", false, errp);
        return with_entry(s, plic ? PLIC_ENTRY : CLINT_ENTRY, false, errp);
    }
    case OP_UART0:
        switch (pick(s, 4)) {
        case 0: return machine_set_property(s->m, "uart0", "chardev", "null", errp);
        case 1: return machine_power(s->m, "uart0", pick(s, 2), errp);
        case 2: return with_entry(s, UART0_ENTRY, true, errp);
        default: return machine_remove_peripheral(s->m, "uart0", false, errp) ||
                        with_entry(s, UART0_ENTRY, false, errp);
        }
    default: return apply_random(s, errp);
    }
}

static void test_soak_with_firmware_running(void **state)
{
    Soak s;
    soak_open(&s);
    unsigned done[OP_KINDS] = {0};
    run_firmware(&s);
    for (int i = 0; i < OPERATIONS; i++) {
        unsigned op = pick(&s, OP_KINDS);
        Error *err = NULL;
        done[op] += operate(&s, op, &err);
        error_free(err);
        audits(&s, OP_NAMES[op]);
        /* UART0 back (under its own model), sooner or later, so the
         * firmware can go on */
        if (!machine_peripheral_powered(s.m, "uart0") && pick(&s, 2)) {
            Error *err2 = NULL;
            bool plic = machine_find_peripheral(s.m, "plic") != NULL;
            if (!machine_power(s.m, "uart0", true, NULL) &&
                !with_entry(&s, plic ? UART0_ENTRY : UART0_UNWIRED, false, &err2))
                fail_msg("uart0 back: %s", error_message(err2));
        }
        run_firmware(&s);
    }
    for (unsigned k = 0; k < OP_KINDS; k++)
        if (done[k] < 100)
            fail_msg("'%s' carried out only %u times", OP_NAMES[k], done[k]);
    /* and it printed on through all of it */
    if (s.next < OPERATIONS / 4)
        fail_msg("only %u whole lines printed", (unsigned)s.next);
    soak_close_all(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_soak_with_firmware_running),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
