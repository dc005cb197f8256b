/* The small machine the GDB stub is tried on, shared by its libFuzzer
 * harness (fuzz_rsp.c) and its unit tests
 * (tests/unit/gdb_wire.h): a memory system whose board owner holds a
 * 4 GiB root container, memories and MMIO blocks mapped in one
 * transaction, a program written through the debugger path, an RV32IMAC
 * hart at 1 MHz and a GdbServer without a socket.
 *
 *     Rig rig = {0};
 *     rig_begin(&rig);
 *     rig_ram(&rig, "ram", 0x80000000u, 0x10000);      // rig_rom, rig_mmio
 *     rig_start(&rig, 0x80000000u, program, nwords);   // reset pc there
 *     rig_serve(&rig, &(GdbTarget){.opaque = ..., .resume = ...});
 *     ...
 *     rig_close(&rig);
 *
 * Header-only (static inline), so each harness stays one source file. A
 * rig that cannot be built aborts with what failed: that is a bug of the
 * harness, never a finding.
 */
#ifndef TESTS_FUZZ_RIG_H
#define TESTS_FUZZ_RIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "gdbstub/gdbstub.h"
#include "sim/cpu/cpu.h"
#include "soc/error.h"
#include "soc/memory.h"

typedef struct Rig {
    MemorySystem *ms;
    Owner *board; /* owns the root and every memory and block */
    MemoryRegion *root;
    Cpu *cpu;
    GdbServer *gs;
} Rig;

static inline void rig_must(bool ok, Error *err, const char *what)
{
    if (ok)
        return;
    fprintf(stderr, "rig: %s: %s\n", what, err ? error_message(err) : "failed");
    abort();
}

/* The memory system, its root, and the transaction the maps go in. */
static inline void rig_begin(Rig *rig)
{
    rig->ms = memory_system_new();
    rig->board = owner_new(rig->ms, "board", NULL, NULL);
    rig->root = memory_region_new_container(rig->board, "system", 1ull << 32);
    memory_begin(rig->ms);
}

static inline void rig_map(Rig *rig, uint32_t base, MemoryRegion *mr, Error *err,
                           const char *name)
{
    rig_must(mr != NULL, err, name);
    rig_must(memory_add_subregion(rig->root, base, mr, &err), err, name);
}

static inline void rig_ram(Rig *rig, const char *name, uint32_t base, uint64_t size)
{
    Error *err = NULL;
    rig_map(rig, base, memory_region_new_ram(rig->board, name, size, &err), err, name);
}

static inline void rig_rom(Rig *rig, const char *name, uint32_t base, uint64_t size)
{
    Error *err = NULL;
    rig_map(rig, base, memory_region_new_rom(rig->board, name, size, &err), err, name);
}

static inline void rig_mmio(Rig *rig, const char *name, uint32_t base, uint64_t size,
                            const MmioOps *ops, void *opaque)
{
    rig_map(rig, base, memory_region_new_mmio(rig->board, name, size, ops, opaque),
            NULL, name);
}

/* Ends the map, writes `program` (instruction words, stored little
 * endian) at `base` and makes the hart, which starts there. */
static inline void rig_start(Rig *rig, uint32_t base, const uint32_t *program,
                             size_t nwords)
{
    Error *err = NULL;
    memory_set_root(rig->ms, rig->root);
    memory_commit(rig->ms);
    for (size_t i = 0; i < nwords; i++) {
        uint8_t bytes[4] = {(uint8_t)program[i], (uint8_t)(program[i] >> 8),
                            (uint8_t)(program[i] >> 16), (uint8_t)(program[i] >> 24)};
        rig_must(memory_debug_write(rig->ms, base + 4 * (uint32_t)i, bytes, 4, &err), err,
                 "the program");
    }
    CpuConfig config = {.isa = "rv32imac", .reset_pc = base, .frequency_hz = 1000000};
    rig->cpu = cpu_new(rig->ms, &config, &err);
    rig_must(rig->cpu != NULL, err, "the hart");
}

/* A server without a socket for `target`, whose cpu and ms become the
 * rig's. */
static inline void rig_serve(Rig *rig, const GdbTarget *target)
{
    Error *err = NULL;
    GdbTarget t = *target;
    t.cpu = rig->cpu;
    t.ms = rig->ms;
    rig->gs = gdb_server_new(&t, NULL, &err);
    rig_must(rig->gs != NULL, err, "the server");
}

static inline void rig_close(Rig *rig)
{
    gdb_server_free(rig->gs);
    cpu_free(rig->cpu);
    memory_set_root(rig->ms, NULL);
    owner_unref(rig->board);
    memory_system_free(rig->ms);
    *rig = (Rig){0};
}

#endif
