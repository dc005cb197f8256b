/* libFuzzer harness: the `monitor` command parser and commands
 * (gdbstub/monitor.c) on arbitrary command lines.
 *
 * Each input is one command line (up to its first NUL), run with
 * gdb_monitor_run against a fresh small live machine: RAM with a few
 * instructions retired, ROM, an MMIO block and an RV32IMAC hart, served
 * by a GdbServer whose target offers the optional callbacks (peripherals,
 * stats, an extra `echo` command) so both the table and the fallbacks
 * run. Beyond the sanitizers: the output must be text ending in a newline
 * (or be empty), and the machine must still pass memory_audit.
 *
 * Reproduce a finding: build/fuzz/fuzz_monitor FILE (FUZZ_VERBOSE=1
 * prints each command's output).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gdbstub/gdbstub_internal.h"
#include "sim/cpu/cpu.h"
#include "soc/alloc.h"
#include "soc/memory.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum {
    RAM_BASE = 0x80000000u,
    ROM_BASE = 0x20000000u,
    DEV_BASE = 0x10000000u,
};

/* addi a0,a0,1 four times, then j . */
static const uint32_t program[] = {0x00150513, 0x00150513, 0x00150513, 0x00150513,
                                   0x0000006f};

static bool verbose;

typedef struct Rig {
    MemorySystem *ms;
    Owner *board;
    Cpu *cpu;
    GdbServer *gs;
    int resets;
} Rig;

static bool dev_read(void *opaque, uint64_t offset, unsigned size, uint32_t *value)
{
    *value = (uint32_t)offset;
    return true;
}

static bool dev_write(void *opaque, uint64_t offset, unsigned size, uint32_t value)
{
    return true;
}

static const MmioOps dev_ops = {.read = dev_read, .write = dev_write, .peek = dev_read};

static void rig_reset(void *opaque)
{
    Rig *rig = opaque;
    rig->resets++;
    cpu_reset(rig->cpu);
}

static char *rig_peripherals(void *opaque)
{
    return xstrdup("  dev  test,device  0x10000000-0x10000fff\n");
}

/* Commands the table lacks: `echo TEXT` repeats TEXT (no newline: the
 * monitor adds one); anything else is unknown. */
static char *rig_monitor(void *opaque, const char *command)
{
    if (strncmp(command, "echo ", 5) != 0)
        return NULL;
    return xstrdup(command + 5);
}

static void must(bool ok, Error *err, const char *what)
{
    if (ok)
        return;
    fprintf(stderr, "fuzz_monitor: the harness's %s: %s\n", what,
            err ? error_message(err) : "?");
    abort();
}

static void rig_open(Rig *rig)
{
    Error *err = NULL;
    rig->ms = memory_system_new();
    rig->board = owner_new(rig->ms, "board", NULL, NULL);
    MemoryRegion *root = memory_region_new_container(rig->board, "system", 1ull << 32);
    MemoryRegion *ram = memory_region_new_ram(rig->board, "ram", 0x4000, &err);
    must(ram != NULL, err, "ram");
    MemoryRegion *rom = memory_region_new_rom(rig->board, "rom", 0x1000, &err);
    must(rom != NULL, err, "rom");
    memory_begin(rig->ms);
    must(memory_add_subregion(root, RAM_BASE, ram, &err), err, "map ram");
    must(memory_add_subregion(root, ROM_BASE, rom, &err), err, "map rom");
    must(memory_add_subregion(root, DEV_BASE,
                              memory_region_new_mmio(rig->board, "dev", 0x1000, &dev_ops, rig),
                              &err),
         err, "map dev");
    memory_set_root(rig->ms, root);
    memory_commit(rig->ms);

    uint8_t bytes[sizeof program];
    for (size_t i = 0; i < sizeof program / 4; i++)
        for (int b = 0; b < 4; b++)
            bytes[4 * i + (size_t)b] = (uint8_t)(program[i] >> (8 * b));
    must(memory_debug_write(rig->ms, RAM_BASE, bytes, sizeof bytes, &err), err, "program");
    CpuConfig config = {.isa = "rv32imac", .reset_pc = RAM_BASE, .frequency_hz = 1000000};
    rig->cpu = cpu_new(rig->ms, &config, &err);
    must(rig->cpu != NULL, err, "cpu");
    must(cpu_run(rig->cpu, 6, &err) == CPU_STOP_INSN_LIMIT, err, "run");

    GdbTarget target = {.cpu = rig->cpu, .ms = rig->ms, .opaque = rig,
                        .reset = rig_reset, .peripherals = rig_peripherals,
                        .monitor = rig_monitor};
    rig->gs = gdb_server_new(&target, NULL, &err);
    must(rig->gs != NULL, err, "server");
}

static void rig_close(Rig *rig)
{
    gdb_server_free(rig->gs);
    cpu_free(rig->cpu);
    memory_set_root(rig->ms, NULL);
    owner_unref(rig->board);
    memory_system_free(rig->ms);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    verbose = getenv("FUZZ_VERBOSE") != NULL;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *line = xcalloc(1, size + 1);
    memcpy(line, data, size);
    Rig rig = {0};
    rig_open(&rig);
    GdbBuf out = {0};
    gdb_monitor_run(rig.gs, line, &out);
    if (verbose)
        fprintf(stderr, "fuzz_monitor: '%s' ->\n%s", line, out.data ? out.data : "");
    if (out.len > 0 && out.data[out.len - 1] != '\n') {
        fprintf(stderr, "fuzz_monitor: output of '%s' does not end in a newline\n", line);
        abort();
    }
    Error *err = NULL;
    must(memory_audit(rig.ms, &err), err, "memory_audit after the command");
    gdb_buf_free(&out);
    rig_close(&rig);
    free(line);
    return 0;
}
