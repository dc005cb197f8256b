/* libFuzzer harness: the GDB stub's packet layer and packet handlers
 * (gdbstub/rsp.c, gdbstub/gdbstub_packets.c, run control in
 * gdbstub/gdbstub.c) on arbitrary bytes, as if a client had sent them.
 *
 * Each input is one whole connection: gdb_server_serve_script serves the
 * bytes, then the end of the stream, with no socket. A fresh server runs
 * on a fresh small machine: RAM holding a loop that stores, loads and
 * reads a device (so breakpoints and watchpoints hit), ROM, RAM at the
 * very top of the address space, two MMIO blocks (one with a
 * side-effect-free peek, one without) and an RV32IMAC hart. While gdb has
 * the target running (c, s, vCont) it runs in small chunks with the stub
 * polled between them, as sim/main.c does, for at most RUN_BUDGET
 * instructions per resume; a debugger write of 1 to EXIT_FLAG makes the
 * firmware "exit" (the W reply).
 *
 * Beyond the sanitizers, every byte the stub sends is checked: acks and
 * well-framed packets only, checksums right, payloads within the
 * PacketSize it advertises. A violation aborts (a finding).
 *
 * Reproduce a finding: build/fuzz/fuzz_rsp FILE (FUZZ_VERBOSE=1 prints
 * the stub's replies).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gdbstub/gdbstub_internal.h"
#include "sim/cpu/cpu.h"
#include "soc/memory.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum {
    RAM_BASE = 0x80000000u,
    RAM_SIZE = 0x10000u,
    ROM_BASE = 0x20000000u,
    DEV_BASE = 0x10000000u,   /* MMIO with peek; DEV_BASE + 0x1000 without */
    TOP_BASE = 0xfffff000u,
    DATA = 0x80002000u,
    EXIT_FLAG = 0x80003000u,
    RUN_CHUNK = 64,           /* instructions between polls */
    RUN_BUDGET = 4096,        /* instructions per resume at most */
};

/* 0: addi a0,a0,1   4: lui t0,0x80002   8: sw a0,0(t0)   c: lw a1,0(t0)
 * 10: lui t1,0x10000   14: lw a2,0(t1)   18: j 0 */
static const uint32_t program[] = {0x00150513, 0x800022b7, 0x00a2a023, 0x0002a583,
                                   0x10000337, 0x00032603, 0xfe9ff06f};

static bool verbose;

typedef struct Rig {
    MemorySystem *ms;
    Owner *board;
    Cpu *cpu;
    GdbServer *gs;
    uint32_t dev_reg; /* what the devices hold */
} Rig;

static bool dev_read(void *opaque, uint64_t offset, unsigned size, uint32_t *value)
{
    Rig *rig = opaque;
    *value = rig->dev_reg + (uint32_t)offset;
    return true;
}

static bool dev_write(void *opaque, uint64_t offset, unsigned size, uint32_t value)
{
    Rig *rig = opaque;
    rig->dev_reg = value;
    return true;
}

static const MmioOps peekable = {.read = dev_read, .write = dev_write, .peek = dev_read};
static const MmioOps unpeekable = {.read = dev_read, .write = dev_write};

/* Like sim/main.c: chunks of RUN_CHUNK with the stub polled in between;
 * RUN_BUDGET bounds the work one input can ask for. */
static CpuStopReason rig_resume(void *opaque, uint64_t max, Error **errp)
{
    Rig *rig = opaque;
    uint64_t budget = max < RUN_BUDGET ? max : RUN_BUDGET;
    while (budget > 0) {
        uint64_t chunk = budget < RUN_CHUNK ? budget : RUN_CHUNK;
        CpuStopReason why = cpu_run(rig->cpu, chunk, errp);
        if (why != CPU_STOP_INSN_LIMIT)
            return why;
        budget -= chunk;
        if (gdb_server_poll_interrupt(rig->gs))
            return CPU_STOP_REQUESTED;
    }
    return CPU_STOP_INSN_LIMIT;
}

static bool rig_exited(void *opaque, int *status)
{
    Rig *rig = opaque;
    uint32_t flag = 0;
    memory_debug_read(rig->ms, EXIT_FLAG, &flag, 4, NULL);
    *status = 7;
    return flag == 1;
}

static void must(bool ok, Error *err, const char *what)
{
    if (ok)
        return;
    fprintf(stderr, "fuzz_rsp: the harness's %s: %s\n", what, err ? error_message(err) : "?");
    abort();
}

static MemoryRegion *new_ram(Owner *o, const char *name, uint64_t size)
{
    Error *err = NULL;
    MemoryRegion *mr = memory_region_new_ram(o, name, size, &err);
    must(mr != NULL, err, name);
    return mr;
}

static void map(MemoryRegion *root, uint32_t base, MemoryRegion *mr)
{
    Error *err = NULL;
    must(memory_add_subregion(root, base, mr, &err), err, "map");
}

static void rig_open(Rig *rig)
{
    Error *err = NULL;
    rig->ms = memory_system_new();
    rig->board = owner_new(rig->ms, "board", NULL, NULL);
    MemoryRegion *root = memory_region_new_container(rig->board, "system", 1ull << 32);
    MemoryRegion *rom = memory_region_new_rom(rig->board, "rom", 0x1000, &err);
    must(rom != NULL, err, "rom");
    memory_begin(rig->ms);
    map(root, RAM_BASE, new_ram(rig->board, "ram", RAM_SIZE));
    map(root, TOP_BASE, new_ram(rig->board, "top", 0x1000));
    map(root, ROM_BASE, rom);
    map(root, DEV_BASE, memory_region_new_mmio(rig->board, "dev", 0x1000, &peekable, rig));
    map(root, DEV_BASE + 0x1000,
        memory_region_new_mmio(rig->board, "nopeek", 0x1000, &unpeekable, rig));
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
    GdbTarget target = {.cpu = rig->cpu, .ms = rig->ms, .opaque = rig,
                        .resume = rig_resume, .exited = rig_exited};
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

static void broken_reply(const GdbBuf *sent, size_t at, const char *why)
{
    fprintf(stderr, "fuzz_rsp: reply stream at byte %zu of %zu: %s\n", at, sent->len, why);
    abort();
}

/* Everything the stub sent: '+', '-' and "$payload#cs" only, each
 * checksum right, each payload within PacketSize. */
static void check_replies(const GdbBuf *sent)
{
    size_t i = 0;
    while (i < sent->len) {
        char c = sent->data[i];
        if (c == '+' || c == '-') {
            i++;
            continue;
        }
        if (c != '$')
            broken_reply(sent, i, "a byte outside any packet");
        const char *hash = memchr(sent->data + i, '#', sent->len - i);
        if (!hash || (size_t)(hash - sent->data) + 3 > sent->len)
            broken_reply(sent, i, "a packet without its checksum");
        size_t start = i + 1, end = (size_t)(hash - sent->data);
        if (end - start > GDB_PACKET_SIZE)
            broken_reply(sent, i, "a packet longer than PacketSize");
        unsigned sum = 0;
        for (size_t k = start; k < end; k++)
            sum += (unsigned char)sent->data[k];
        char cs[3];
        snprintf(cs, sizeof cs, "%02x", sum & 0xff);
        if (memcmp(cs, hash + 1, 2) != 0)
            broken_reply(sent, i, "a wrong checksum");
        if (verbose)
            fprintf(stderr, "fuzz_rsp: <- %.*s\n", (int)(end - start), sent->data + start);
        i = end + 3;
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    verbose = getenv("FUZZ_VERBOSE") != NULL;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Rig rig = {0};
    rig_open(&rig);
    GdbBuf sent = {0};
    int result = gdb_server_serve_script(rig.gs, data, size, &sent);
    if (verbose)
        fprintf(stderr, "fuzz_rsp: session result %d\n", result);
    check_replies(&sent);
    gdb_buf_free(&sent);
    rig_close(&rig);
    return 0;
}
