/* libFuzzer harness: the GDB stub's packet layer and packet handlers
 * (gdbstub/rsp.c, gdbstub/gdbstub_packets.c, run control in
 * gdbstub/gdbstub.c) on arbitrary bytes, as if a client had sent them.
 *
 * Each input is one whole connection: gdb_server_serve_script serves the
 * bytes, then the end of the stream, with no socket. A fresh server runs
 * on a fresh small machine (tests/fuzz/rig.h): RAM holding a loop that
 * stores, loads and reads a device (so breakpoints and watchpoints hit), ROM, RAM at the
 * very top of the address space, two MMIO blocks (one with a
 * side-effect-free peek, one without) and an RV32IMAC hart. While gdb has
 * the target running (c, s, vCont) it runs in small chunks with the stub
 * polled between them, as sim/app_gdb.c does, for at most RUN_BUDGET
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
#include "tests/fuzz/rig.h"

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

typedef struct RspRig {
    Rig rig;
    uint32_t dev_reg; /* what the devices hold */
} RspRig;

static bool dev_read(void *opaque, uint64_t offset, unsigned size, uint32_t *value)
{
    RspRig *r = opaque;
    *value = r->dev_reg + (uint32_t)offset;
    return true;
}

static bool dev_write(void *opaque, uint64_t offset, unsigned size, uint32_t value)
{
    RspRig *r = opaque;
    r->dev_reg = value;
    return true;
}

static const MmioOps peekable = {.read = dev_read, .write = dev_write, .peek = dev_read};
static const MmioOps unpeekable = {.read = dev_read, .write = dev_write};

/* Like sim/app_gdb.c: chunks of RUN_CHUNK with the stub polled in between;
 * RUN_BUDGET bounds the work one input can ask for. */
static CpuStopReason rig_resume(void *opaque, uint64_t max, Error **errp)
{
    RspRig *r = opaque;
    uint64_t budget = max < RUN_BUDGET ? max : RUN_BUDGET;
    while (budget > 0) {
        uint64_t chunk = budget < RUN_CHUNK ? budget : RUN_CHUNK;
        CpuStopReason why = cpu_run(r->rig.cpu, chunk, errp);
        if (why != CPU_STOP_INSN_LIMIT)
            return why;
        budget -= chunk;
        if (gdb_server_poll_interrupt(r->rig.gs))
            return CPU_STOP_REQUESTED;
    }
    return CPU_STOP_INSN_LIMIT;
}

static bool rig_exited(void *opaque, int *status)
{
    RspRig *r = opaque;
    uint32_t flag = 0;
    memory_debug_read(r->rig.ms, EXIT_FLAG, &flag, 4, NULL);
    *status = 7;
    return flag == 1;
}

static void rsp_rig_open(RspRig *r)
{
    rig_begin(&r->rig);
    rig_ram(&r->rig, "ram", RAM_BASE, RAM_SIZE);
    rig_ram(&r->rig, "top", TOP_BASE, 0x1000);
    rig_rom(&r->rig, "rom", ROM_BASE, 0x1000);
    rig_mmio(&r->rig, "dev", DEV_BASE, 0x1000, &peekable, r);
    rig_mmio(&r->rig, "nopeek", DEV_BASE + 0x1000, 0x1000, &unpeekable, r);
    rig_start(&r->rig, RAM_BASE, program, sizeof program / sizeof program[0]);
    rig_serve(&r->rig, &(GdbTarget){.opaque = r, .resume = rig_resume,
                                    .exited = rig_exited});
}

static void broken_reply(const GdbBuf *sent, size_t at, const char *why)
{
    fprintf(stderr, "fuzz_rsp: reply stream at byte %zu of %zu: %s\n", at, sent->len, why);
    abort();
}

/* A payload byte that only ever appears escaped ("}" then the byte
 * xor 0x20): '$' would start a packet and '*' a run-length repeat on the
 * client's side ('#' ends the payload, so it cannot appear unescaped). */
static bool needs_escape(char c)
{
    return c == '$' || c == '*';
}

/* Everything the stub sent: '+', '-' and "$payload#cs" only, each
 * checksum right, each payload within PacketSize and free of an
 * unescaped '$' or '*'. */
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
        for (size_t k = start; k < end; k++) {
            sum += (unsigned char)sent->data[k];
            if (sent->data[k] == '}' && k + 1 < end)
                sum += (unsigned char)sent->data[++k]; /* the escaped byte */
            else if (needs_escape(sent->data[k]))
                broken_reply(sent, k, "an unescaped '$' or '*' in a payload");
        }
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
    RspRig r = {0};
    rsp_rig_open(&r);
    GdbBuf sent = {0};
    int result = gdb_server_serve_script(r.rig.gs, data, size, &sent);
    if (verbose)
        fprintf(stderr, "fuzz_rsp: session result %d\n", result);
    check_replies(&sent);
    gdb_buf_free(&sent);
    rig_close(&r.rig);
    return 0;
}
