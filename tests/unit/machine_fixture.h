/* A machine built from board text, with a fake CPU (msi/mti/mei inputs
 * recorded), a clock, a chardev that keeps what devices print, and the
 * real registry: for tests of the live machine. Header-only. */
#ifndef TESTS_UNIT_MACHINE_FIXTURE_H
#define TESTS_UNIT_MACHINE_FIXTURE_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "peripherals/registry.h"
#include "soc/board.h"
#include "soc/machine.h"

enum { MF_CPU_MSI, MF_CPU_MTI, MF_CPU_MEI, MF_CPU_INPUTS };

typedef struct MachineFixture {
    MemorySystem *ms;
    Clock *clock;
    Machine *m;
    bool cpu_level[MF_CPU_INPUTS];
    unsigned chardevs_open;
    unsigned chardevs_opened; /* ever, refused changes included */
    char out[4096];
    size_t outlen;
    int stops;
} MachineFixture;

typedef struct MfChardev {
    Chardev base;
    MachineFixture *f;
} MfChardev;

static inline void mf_write(Chardev *chr, const uint8_t *buf, size_t len)
{
    MachineFixture *f = ((MfChardev *)chr)->f;
    for (size_t i = 0; i < len && f->outlen + 1 < sizeof f->out; i++)
        f->out[f->outlen++] = (char)buf[i];
}

static inline void mf_close(Chardev *chr)
{
    ((MfChardev *)chr)->f->chardevs_open--;
    free(chr);
}

static const ChardevOps mf_chardev_ops = {.write = mf_write, .close = mf_close};

static inline Chardev *mf_open_chardev(void *opaque, const char *device,
                                       const char *spec, Error **errp)
{
    if (strcmp(spec, "fail") == 0) {
        error_setf(errp, "cannot open '%s' for %s", spec, device);
        return NULL;
    }
    MfChardev *c = calloc(1, sizeof *c);
    c->base.ops = &mf_chardev_ops;
    c->base.eof = true;
    c->f = opaque;
    c->f->chardevs_open++;
    c->f->chardevs_opened++;
    return &c->base;
}

static inline void mf_cpu_set(void *opaque, unsigned line, bool level)
{
    ((MachineFixture *)opaque)->cpu_level[line] = level;
}

static inline bool mf_cpu_irq(void *opaque, const char *input, IrqLine *out)
{
    static const char *const names[] = {"msi", "mti", "mei"};
    for (unsigned i = 0; i < MF_CPU_INPUTS; i++) {
        if (strcmp(input, names[i]) == 0) {
            *out = (IrqLine){.handler = mf_cpu_set, .opaque = opaque, .line = i};
            return true;
        }
    }
    return false;
}

static inline void mf_stop(void *opaque)
{
    ((MachineFixture *)opaque)->stops++;
}

/* The first board of `text`, built; NULL with *errp on failure. */
static inline bool mf_build(MachineFixture *f, const char *text, Error **errp)
{
    memset(f, 0, sizeof *f);
    f->ms = memory_system_new();
    f->clock = clock_new(1000000);
    BoardFile *file = board_file_parse("m.yaml", text, strlen(text), errp);
    if (!file)
        return false;
    MachineHooks hooks = {
        .opaque = f, .stop = mf_stop, .open_chardev = mf_open_chardev,
        .cpu_irq = mf_cpu_irq, .clock = f->clock, .registry = registry_devices(),
    };
    f->m = machine_new(f->ms, &file->boards[0], &hooks, errp);
    board_file_free(file);
    return f->m != NULL;
}

static inline void mf_free(MachineFixture *f)
{
    machine_free(f->m);
    memory_system_free(f->ms);
    clock_free(f->clock);
}

/* A board entry parsed from one YAML peripheral mapping, e.g.
 * "{name: u, type: ns16550a, base: 0x10001000}": the entry of a
 * throw-away board file (freed by the caller with board_file_free). */
static inline BoardFile *mf_entry(const char *mapping, const BoardPeripheral **out,
                                  Error **errp)
{
    char text[2048];
    snprintf(text, sizeof text, "b:\n  peripherals:\n    - %s\n", mapping);
    BoardFile *file = board_file_parse("cmd.yaml", text, strlen(text), errp);
    *out = file ? &file->boards[0].peripherals[0] : NULL;
    return file;
}

#endif
