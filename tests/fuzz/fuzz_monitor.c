/* libFuzzer harness: the `monitor` command parser and commands
 * (gdbstub/monitor.c) on arbitrary command lines.
 *
 * Each input is one command line (up to its first NUL), run with
 * gdb_monitor_run against a fresh small live machine (tests/fuzz/rig.h):
 * RAM with a few instructions retired, ROM, an MMIO block and an RV32IMAC
 * hart, served by a GdbServer whose target offers the optional callbacks
 * (peripherals, stats, an extra `echo` command) so both the table and the
 * fallbacks run. Beyond the sanitizers: the output must be text (no NUL)
 * ending in a newline (or be empty), and the machine must still pass
 * memory_audit.
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
#include "tests/fuzz/rig.h"

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

typedef struct MonitorRig {
    Rig rig;
    int resets;
} MonitorRig;

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
    MonitorRig *r = opaque;
    r->resets++;
    cpu_reset(r->rig.cpu);
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

/* A few instructions retired before the command, so `stats` has
 * something to count. */
static void monitor_rig_open(MonitorRig *r)
{
    Error *err = NULL;
    rig_begin(&r->rig);
    rig_ram(&r->rig, "ram", RAM_BASE, 0x4000);
    rig_rom(&r->rig, "rom", ROM_BASE, 0x1000);
    rig_mmio(&r->rig, "dev", DEV_BASE, 0x1000, &dev_ops, r);
    rig_start(&r->rig, RAM_BASE, program, sizeof program / sizeof program[0]);
    rig_must(cpu_run(r->rig.cpu, 6, &err) == CPU_STOP_INSN_LIMIT, err, "run");
    rig_serve(&r->rig, &(GdbTarget){.opaque = r, .reset = rig_reset,
                                    .peripherals = rig_peripherals,
                                    .monitor = rig_monitor});
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
    MonitorRig r = {0};
    monitor_rig_open(&r);
    GdbBuf out = {0};
    gdb_monitor_run(r.rig.gs, line, &out);
    if (verbose)
        fprintf(stderr, "fuzz_monitor: '%s' ->\n%s", line, out.data ? out.data : "");
    if (out.len > 0 && out.data[out.len - 1] != '\n') {
        fprintf(stderr, "fuzz_monitor: output of '%s' does not end in a newline\n", line);
        abort();
    }
    if (out.len > 0 && memchr(out.data, '\0', out.len)) {
        fprintf(stderr, "fuzz_monitor: output of '%s' holds a NUL\n", line);
        abort();
    }
    Error *err = NULL;
    if (!memory_audit(r.rig.ms, &err)) {
        fprintf(stderr, "fuzz_monitor: memory_audit after '%s': %s\n", line,
                error_message(err));
        abort();
    }
    gdb_buf_free(&out);
    rig_close(&r.rig);
    free(line);
    return 0;
}
