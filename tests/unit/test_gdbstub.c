/* The GDB stub (gdbstub/gdbstub.h) driven through raw RSP bytes: each
 * session writes a whole conversation into one end of a socketpair, shuts
 * that end for writing and lets gdb_server_serve_fd answer on the other;
 * the replies are then split into acks and packets (checksums verified)
 * and compared. The target is a small RAM machine with an RV32 hart
 * running a few instructions; one test goes over real TCP. Single
 * threaded: no pthread needed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gdbstub/gdbstub_internal.h"
#include "soc/memory_internal.h" /* to break an invariant for monitor audit */

enum {
    RAM_BASE = 0x80000000u,
    RAM_SIZE = 0x10000u,
    TOP_BASE = 0xfffff000u, /* RAM at the very top of the address space */
    DATA = 0x80002000u,
    A0 = 10,
};

/* 0: addi a0,zero,1  4: addi a0,a0,1  8: lui t0,0x80002  c: sw a0,0(t0)
 * 10: j . */
static const uint32_t program[] = {0x00100513, 0x00150513, 0x800022b7,
                                   0x00a2a023, 0x0000006f};

typedef struct Fixture {
    MemorySystem *ms;
    Owner *board;
    Cpu *cpu;
    GdbServer *gs;
    GdbTarget target;
    /* target callbacks */
    bool exited;
    int status;
    int resets;
    int resumes;
    /* fx_resume_polling */
    GdbServer *polled; /* the server it polls (f->gs unless a test sets it) */
    int poll_stops;    /* runs a poll ended */
    int poll_rounds;   /* runs that polled MAX_POLLS times in vain */
} Fixture;

/* What fx_resume_polling runs between two polls, and how many polls it
 * makes at most: a bound on work, so a stub that never notices what was
 * sent ends the run instead of hanging the test. */
enum { POLL_CHUNK = 100, MAX_POLLS = 2000 };

static bool fx_exited(void *opaque, int *status)
{
    Fixture *f = opaque;
    *status = f->status;
    return f->exited;
}

static void fx_reset(void *opaque)
{
    Fixture *f = opaque;
    f->resets++;
    cpu_reset(f->cpu);
}

static char *fx_stats(void *opaque)
{
    return strdup("stats from the target\n");
}

/* A resume that ends the firmware with status 42 on the second call. */
static CpuStopReason fx_resume_exit(void *opaque, uint64_t max, Error **errp)
{
    Fixture *f = opaque;
    if (++f->resumes == 2) {
        f->exited = true;
        f->status = 42;
        return CPU_STOP_REQUESTED;
    }
    return cpu_run(f->cpu, max < 2 ? max : 2, errp);
}

/* The run loop of sim/main.c in small: chunks of POLL_CHUNK instructions,
 * the server polled between them (a short sleep when it has nothing, so
 * bytes still on their way over loopback can arrive). */
static CpuStopReason fx_resume_polling(void *opaque, uint64_t max, Error **errp)
{
    Fixture *f = opaque;
    for (int i = 0; i < MAX_POLLS; i++) {
        uint64_t chunk = max < POLL_CHUNK ? max : POLL_CHUNK;
        CpuStopReason r = cpu_run(f->cpu, chunk, errp);
        if (r != CPU_STOP_INSN_LIMIT)
            return r;
        if (max != UINT64_MAX && (max -= chunk) == 0)
            return r;
        if (gdb_server_poll_interrupt(f->polled ? f->polled : f->gs)) {
            f->poll_stops++;
            return CPU_STOP_REQUESTED;
        }
        usleep(500);
    }
    f->poll_rounds++;
    return CPU_STOP_INSN_LIMIT;
}

/* `monitor long N`: N bytes of numbered lines; anything else unknown. */
static char *fx_monitor(void *opaque, const char *command)
{
    unsigned n;
    if (sscanf(command, "long %u", &n) != 1 || n == 0)
        return NULL;
    GdbBuf b = {0};
    for (unsigned line = 0; b.len < n; line++)
        gdb_buf_printf(&b, "line %05u of a long monitor output\n", line);
    b.data[n] = 0;
    return b.data;
}

static void load_program(Fixture *f)
{
    Error *err = NULL;
    uint8_t bytes[sizeof program];
    for (size_t i = 0; i < sizeof program / 4; i++)
        for (int b = 0; b < 4; b++)
            bytes[4 * i + b] = (uint8_t)(program[i] >> (8 * b));
    assert_true(memory_debug_write(f->ms, RAM_BASE, bytes, sizeof bytes, &err));
    cpu_reset(f->cpu);
}

static int setup(void **state)
{
    Fixture *f = calloc(1, sizeof *f);
    Error *err = NULL;
    assert_non_null(f);
    f->ms = memory_system_new();
    f->board = owner_new(f->ms, "board", NULL, NULL);
    MemoryRegion *root = memory_region_new_container(f->board, "system", 1ULL << 32);
    MemoryRegion *ram = memory_region_new_ram(f->board, "ram", RAM_SIZE, &err);
    MemoryRegion *top = memory_region_new_ram(f->board, "top", 0x1000, &err);
    assert_null(err);
    memory_begin(f->ms);
    assert_true(memory_add_subregion(root, RAM_BASE, ram, &err));
    assert_true(memory_add_subregion(root, TOP_BASE, top, &err));
    memory_set_root(f->ms, root);
    memory_commit(f->ms);
    CpuConfig config = {.isa = "rv32imac", .reset_pc = RAM_BASE, .frequency_hz = 1000000};
    f->cpu = cpu_new(f->ms, &config, &err);
    assert_non_null(f->cpu);
    load_program(f);
    f->target = (GdbTarget){.cpu = f->cpu, .ms = f->ms, .opaque = f,
                            .exited = fx_exited, .reset = fx_reset,
                            .stats = fx_stats, .monitor = fx_monitor};
    f->gs = gdb_server_new(&f->target, NULL, &err);
    assert_non_null(f->gs);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    Fixture *f = *state;
    gdb_server_free(f->gs);
    cpu_free(f->cpu);
    memory_set_root(f->ms, NULL);
    owner_unref(f->board);
    memory_system_free(f->ms);
    free(f);
    return 0;
}

/* ---- the wire ---- */

static void frame(GdbBuf *b, const char *payload, size_t len)
{
    unsigned sum = 0;
    for (size_t i = 0; i < len; i++)
        sum += (unsigned char)payload[i];
    gdb_buf_put(b, "$", 1);
    gdb_buf_put(b, payload, len);
    gdb_buf_printf(b, "#%02x", sum & 0xff);
}

static void add(GdbBuf *b, const char *payload)
{
    frame(b, payload, strlen(payload));
}

static void write_all(int fd, const char *data, size_t len)
{
    while (len) {
        ssize_t n = write(fd, data, len);
        assert_true(n > 0);
        data += n;
        len -= (size_t)n;
    }
}

static void read_all(int fd, GdbBuf *out)
{
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        gdb_buf_put(out, buf, (size_t)n);
    assert_int_equal(n, 0);
}

/* Runs one connection over a socketpair; returns the serve result. */
static int session(Fixture *f, const GdbBuf *in, GdbBuf *out)
{
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    write_all(sv[0], in->data, in->len);
    shutdown(sv[0], SHUT_WR);
    int r = gdb_server_serve_fd(f->gs, sv[1]);
    close(sv[1]);
    read_all(sv[0], out);
    close(sv[0]);
    return r;
}

/* Splits a reply stream into tokens: "+", "-" or the payload of a packet
 * (checksum verified). Returns how many; tokens are malloc'd. */
enum { MAX_TOKENS = 256 };
typedef struct Tokens {
    char *t[MAX_TOKENS];
    size_t n;
} Tokens;

static void tokenize(const GdbBuf *out, Tokens *tk)
{
    tk->n = 0;
    size_t i = 0;
    while (i < out->len) {
        assert_true(tk->n < MAX_TOKENS);
        char c = out->data[i];
        if (c == '+' || c == '-') {
            tk->t[tk->n++] = strndup(&out->data[i], 1);
            i++;
            continue;
        }
        if (c != '$')
            fail_msg("unexpected byte 0x%02x at %zu in reply stream", (unsigned char)c, i);
        const char *hash = memchr(out->data + i, '#', out->len - i);
        assert_non_null(hash);
        size_t start = i + 1, end = (size_t)(hash - out->data);
        assert_true(end + 2 < out->len + 1);
        unsigned sum = 0;
        for (size_t k = start; k < end; k++)
            sum += (unsigned char)out->data[k];
        char cs[3];
        snprintf(cs, sizeof cs, "%02x", sum & 0xff);
        assert_memory_equal(cs, out->data + end + 1, 2);
        if (end - start > GDB_PACKET_SIZE)
            fail_msg("a %zu-byte packet; PacketSize is %d", end - start, GDB_PACKET_SIZE);
        tk->t[tk->n++] = strndup(out->data + start, end - start);
        i = end + 3;
    }
}

static void tokens_free(Tokens *tk)
{
    for (size_t i = 0; i < tk->n; i++)
        free(tk->t[i]);
    tk->n = 0;
}

/* A no-ack session: QStartNoAckMode first, then the payloads (NULL ends);
 * tk receives the replies after "+", "OK". */
static int converse(Fixture *f, const char *const *payloads, Tokens *tk)
{
    GdbBuf in = {0}, out = {0};
    add(&in, "QStartNoAckMode");
    for (size_t i = 0; payloads[i]; i++)
        add(&in, payloads[i]);
    int r = session(f, &in, &out);
    Tokens all;
    tokenize(&out, &all);
    assert_true(all.n >= 2);
    assert_string_equal(all.t[0], "+");
    assert_string_equal(all.t[1], "OK");
    tk->n = 0;
    for (size_t i = 2; i < all.n; i++)
        tk->t[tk->n++] = all.t[i];
    free(all.t[0]);
    free(all.t[1]);
    gdb_buf_free(&in);
    gdb_buf_free(&out);
    return r;
}

#define CONVERSE(f, tk, ...) converse((f), (const char *const[]){__VA_ARGS__, NULL}, (tk))

static void expect_tokens(Tokens *tk, const char *const *want)
{
    size_t n = 0;
    while (want[n])
        n++;
    for (size_t i = 0; i < n && i < tk->n; i++)
        if (strcmp(tk->t[i], want[i]) != 0)
            fail_msg("reply %zu: got '%s', want '%s'", i, tk->t[i], want[i]);
    assert_int_equal(tk->n, n);
    tokens_free(tk);
}

#define EXPECT(tk, ...) expect_tokens((tk), (const char *const[]){__VA_ARGS__, NULL})

static char *hex_of(const char *s)
{
    GdbBuf b = {0};
    gdb_buf_hex(&b, s, strlen(s));
    return b.data;
}

static char *unhex_str(const char *hex)
{
    size_t n = strlen(hex) / 2;
    char *s = malloc(n + 1);
    assert_non_null(s);
    assert_true(gdb_unhex(hex, n, (uint8_t *)s));
    s[n] = 0;
    return s;
}

/* ---- tests ---- */

/* gdb-multiarch 13.1's connect sequence, with acks at first. */
static void test_connect_sequence(void **state)
{
    Fixture *f = *state;
    GdbBuf in = {0}, out = {0};
    add(&in, "qSupported:multiprocess+;swbreak+;hwbreak+;qRelocInsn+;fork-events+;"
             "vfork-events+;exec-events+;vContSupported+;QThreadEvents+;no-resumed+;"
             "memory-tagging+;xmlRegisters=i386");
    gdb_buf_puts(&in, "+");
    add(&in, "vMustReplyEmpty");
    gdb_buf_puts(&in, "+");
    add(&in, "QStartNoAckMode");
    gdb_buf_puts(&in, "+");
    add(&in, "Hg0");
    add(&in, "qXfer:features:read:target.xml:0,ffb");
    add(&in, "?");
    add(&in, "qfThreadInfo");
    add(&in, "qsThreadInfo");
    add(&in, "qAttached:1");
    add(&in, "Hc-1");
    add(&in, "qC");
    add(&in, "g");
    add(&in, "m80000000,4");
    add(&in, "qSymbol::");
    add(&in, "vCont?");
    assert_int_equal(session(f, &in, &out), GDB_SERVE_DETACHED);
    Tokens tk;
    tokenize(&out, &tk);
    assert_int_equal(tk.n, 18);
    assert_string_equal(tk.t[0], "+");
    assert_string_equal(tk.t[1], "PacketSize=1000;qXfer:features:read+;swbreak+;hwbreak+;"
                                 "vContSupported+;QStartNoAckMode+");
    assert_string_equal(tk.t[2], "+");
    assert_string_equal(tk.t[3], "");
    assert_string_equal(tk.t[4], "+");
    assert_string_equal(tk.t[5], "OK");
    assert_string_equal(tk.t[6], "OK");
    assert_true(tk.t[7][0] == 'm' || tk.t[7][0] == 'l');
    assert_non_null(strstr(tk.t[7], "org.gnu.gdb.riscv.cpu"));
    assert_string_equal(tk.t[8], "T05");
    assert_string_equal(tk.t[9], "m1");
    assert_string_equal(tk.t[10], "l");
    assert_string_equal(tk.t[11], "1");
    assert_string_equal(tk.t[12], "OK");
    assert_string_equal(tk.t[13], "QC1");
    assert_int_equal(strlen(tk.t[14]), 33 * 8);
    assert_string_equal(tk.t[14] + 32 * 8, "00000080"); /* pc, little endian */
    assert_string_equal(tk.t[15], "13051000"); /* addi a0,zero,1 */
    assert_string_equal(tk.t[16], "OK");
    assert_string_equal(tk.t[17], "vCont;c;C;s;S");
    tokens_free(&tk);
    gdb_buf_free(&in);
    gdb_buf_free(&out);
}

static void test_registers(void **state)
{
    Fixture *f = *state;
    Tokens tk;
    cpu_set_reg(f->cpu, A0, 0x11223344);
    CONVERSE(f, &tk, "g", "pa", "Pa=efbeadde", "pa", "P0=01000000", "p0",
             "P20=10000080", "p20", "p341", "P341=08000000", "p1000", "p41",
             "P1000=00000000", "Pa=1234", "Gzz", "p", "px");
    assert_int_equal(tk.n, 17);
    assert_memory_equal(tk.t[0] + A0 * 8, "44332211", 8);
    assert_string_equal(tk.t[1], "44332211");
    assert_string_equal(tk.t[2], "OK");
    assert_string_equal(tk.t[3], "efbeadde");
    assert_string_equal(tk.t[4], "OK");
    assert_string_equal(tk.t[5], "00000000"); /* x0 stays zero */
    assert_string_equal(tk.t[6], "OK");
    assert_string_equal(tk.t[7], "10000080");
    assert_int_equal(cpu_get_pc(f->cpu), 0x80000010u);
    assert_int_equal(cpu_get_reg(f->cpu, A0), 0xdeadbeefu);
    /* mstatus = regnum 65 + 0x300 = 0x341 */
    uint32_t mstatus;
    assert_true(cpu_get_csr(f->cpu, 0x300, &mstatus));
    assert_int_equal(strlen(tk.t[8]), 8);
    assert_string_equal(tk.t[9], "OK");
    assert_true(cpu_get_csr(f->cpu, 0x300, &mstatus));
    assert_true(mstatus & 8); /* MIE written through P */
    assert_string_equal(tk.t[10], "E01"); /* no such register */
    assert_string_equal(tk.t[11], "E01"); /* 65: CSR 0 (none on rv32imac) */
    assert_string_equal(tk.t[12], "E01");
    assert_string_equal(tk.t[13], "E01"); /* short value */
    assert_string_equal(tk.t[14], "E01"); /* G too short */
    assert_string_equal(tk.t[15], "E01");
    assert_string_equal(tk.t[16], "E01");
    tokens_free(&tk);

    /* G writes all 33 and p reads a CSR written by the CPU API */
    GdbBuf g = {0};
    gdb_buf_puts(&g, "G");
    for (unsigned i = 0; i < 33; i++) {
        uint32_t v = i == 32 ? 0x80000004u : 0x100u + i;
        uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
        gdb_buf_hex(&g, b, 4);
    }
    assert_true(cpu_set_csr(f->cpu, 0x340, 0xcafef00d)); /* mscratch */
    CONVERSE(f, &tk, g.data, "p381");
    EXPECT(&tk, "OK", "0df0feca");
    assert_int_equal(cpu_get_reg(f->cpu, 0), 0);
    assert_int_equal(cpu_get_reg(f->cpu, 31), 0x11f);
    assert_int_equal(cpu_get_pc(f->cpu), 0x80000004u);
    gdb_buf_free(&g);
}

static void test_memory(void **state)
{
    Fixture *f = *state;
    Tokens tk;
    GdbBuf in = {0}, out = {0};
    add(&in, "QStartNoAckMode");
    add(&in, "M80002000,4:deadbeef");
    add(&in, "m80002000,4");
    /* X with the four escaped bytes: } # $ * */
    const char xpkt[] = "X80002010,6:}]}\x03}\x04}\x0a" "ab";
    frame(&in, xpkt, sizeof xpkt - 1);
    add(&in, "m80002010,6");
    add(&in, "X80002000,0:"); /* gdb's probe */
    add(&in, "M80002000,4:dead");  /* short data */
    add(&in, "M80002000,2:abc");   /* odd hex */
    add(&in, "M80002000,2:zzzz");  /* not hex */
    add(&in, "M80002000,2");       /* no data */
    const char xlong[] = "X80002000,1:ab";
    frame(&in, xlong, sizeof xlong - 1); /* more data than length */
    const char xshort[] = "X80002000,3:a}";
    frame(&in, xshort, sizeof xshort - 1); /* dangling escape */
    add(&in, "m0,4");                /* unmapped */
    add(&in, "m80000000");           /* malformed */
    add(&in, "mq,4");
    add(&in, "M0,1:00");             /* unmapped write */
    add(&in, "m8000fffe,4");         /* runs off the end of RAM: partial */
    session(f, &in, &out);
    Tokens all;
    tokenize(&out, &all);
    assert_string_equal(all.t[0], "+");
    tk.n = 0;
    for (size_t i = 1; i < all.n; i++)
        tk.t[tk.n++] = all.t[i];
    free(all.t[0]);
    EXPECT(&tk, "OK", "OK", "deadbeef", "OK", "7d23242a6162", "OK", "E01", "E01",
           "E01", "E01", "E01", "E01", "E14", "E01", "E01", "E14", "0000");
    uint8_t b[4];
    assert_true(memory_debug_read(f->ms, DATA, b, 4, NULL));
    assert_memory_equal(b, "\xde\xad\xbe\xef", 4);
    gdb_buf_free(&in);
    gdb_buf_free(&out);
}

static void test_address_wraparound(void **state)
{
    Fixture *f = *state;
    Tokens tk;
    assert_true(memory_debug_write(f->ms, 0xfffffffcu, "\x01\x02\x03\x04", 4, NULL));
    CONVERSE(f, &tk, "mfffffffc,4", "mfffffffc,8", "mffffffff,ffffffff",
             "Mfffffffc,8:0000000000000000", "Xffffffff,2:ab", "m100000000,4",
             "Mffffffff,1:aa", "mffffffff,1", "Z2,fffffffe,4", "Z0,ffffffff,2",
             "z0,ffffffff,2", "m0,ffffffff");
    EXPECT(&tk, "01020304", "01020304", "04", "E01", "E01", "E01", "OK", "aa",
           "E01", "OK", "OK", "E14");
}

static void test_breakpoint_continue(void **state)
{
    Fixture *f = *state;
    Tokens tk;
    /* Idempotent insert/remove, as gdb does around every stop. */
    CONVERSE(f, &tk, "Z0,80000008,4", "Z0,80000008,4", "z0,80000008,4",
             "z0,80000008,4", "Z0,80000008,4", "c", "?", "pa", "p20");
    EXPECT(&tk, "OK", "OK", "OK", "OK", "OK", "T05swbreak:;", "T05swbreak:;",
           "02000000", "08000080");
    /* The session's breakpoints went away with it. */
    assert_int_equal(cpu_run(f->cpu, 2, NULL), CPU_STOP_INSN_LIMIT);
    assert_int_equal(cpu_get_pc(f->cpu), 0x80000010u);

    /* Hardware breakpoint; continue at an address. */
    CONVERSE(f, &tk, "Z1,8000000c,2", "c80000000", "p20", "z1,8000000c,2", "Z0,8000000c,2",
             "C05;80000000", "Z9,0,0", "Z0,zz");
    EXPECT(&tk, "OK", "T05hwbreak:;", "0c000080", "OK", "OK", "T05swbreak:;", "", "E01");
}

static void test_step(void **state)
{
    Fixture *f = *state;
    Tokens tk;
    CONVERSE(f, &tk, "s", "p20", "vCont;s:1", "p20", "vCont;s", "pa", "s80000000",
             "p20", "S05", "vCont;c:2", "vCont;x", "p20");
    EXPECT(&tk, "T05", "04000080", "T05", "08000080", "T05", "02000000", "T05",
           "04000080", "T05", "E01", "E01", "08000080");
}

static void test_osabi_linux_step_with_breakpoint(void **state)
{
    /* Debian's default OS ABI steps with a temporary breakpoint + vCont;c. */
    Fixture *f = *state;
    Tokens tk;
    CONVERSE(f, &tk, "Z0,80000004,4", "vCont;c", "z0,80000004,4", "p20");
    EXPECT(&tk, "OK", "T05swbreak:;", "OK", "04000080");
}

static void test_watchpoints(void **state)
{
    Fixture *f = *state;
    Tokens tk;
    CONVERSE(f, &tk, "Z2,80002000,4", "Z2,80002000,4", "c", "p20", "z2,80002000,4", "?");
    EXPECT(&tk, "OK", "OK", "T05watch:80002000;", "0c000080", "OK", "T05watch:80002000;");
    cpu_reset(f->cpu);
    CONVERSE(f, &tk, "Z4,80002002,1", "c", "z4,80002002,1", "Z3,80002000,4",
             "z3,80002000,4", "Z2,80002000,0", "Z2,80002000,4;X1,0");
    EXPECT(&tk, "OK", "T05awatch:80002002;", "OK", "OK", "OK", "E01", "OK");
}

/* gdb `stepi` onto a store, then `watch` and `continue`: the store is the
 * first instruction of the run and must still be reported (the CPU may
 * only let through the instruction a debug stop was reported on). */
static void test_watch_on_first_instruction(void **state)
{
    Fixture *f = *state;
    Tokens tk;
    GdbBuf in = {0}, out = {0};
    add(&in, "QStartNoAckMode");
    add(&in, "s");
    add(&in, "s");
    add(&in, "s");
    add(&in, "Z2,80002000,4");
    add(&in, "vCont;c");
    gdb_buf_puts(&in, "\x03"); /* ends the run if the watchpoint is missed */
    add(&in, "p20");
    session(f, &in, &out);
    tokenize(&out, &tk);
    EXPECT(&tk, "+", "OK", "T05", "T05", "T05", "OK", "T05watch:80002000;", "0c000080");
    gdb_buf_free(&in);
    gdb_buf_free(&out);
}

static void test_ctrl_c(void **state)
{
    Fixture *f = *state;
    Tokens tk;
    GdbBuf in = {0}, out = {0};
    add(&in, "QStartNoAckMode");
    gdb_buf_puts(&in, "\x03"); /* while halted: ignored */
    add(&in, "c");
    gdb_buf_puts(&in, "\x03"); /* while running: stops it */
    add(&in, "?");
    add(&in, "p20");
    session(f, &in, &out);
    tokenize(&out, &tk);
    EXPECT(&tk, "+", "OK", "T02", "T02", "10000080");
    gdb_buf_free(&in);
    gdb_buf_free(&out);
}

static void test_acks_checksums_rle(void **state)
{
    Fixture *f = *state;
    Tokens tk;
    GdbBuf in = {0}, out = {0};
    gdb_buf_puts(&in, "$?#00");      /* bad checksum: NAK */
    gdb_buf_puts(&in, "$?#zz");      /* not hex: NAK */
    add(&in, "?");
    gdb_buf_puts(&in, "-");          /* our reply got lost: resend */
    gdb_buf_puts(&in, "garbage+");   /* ignored */
    gdb_buf_puts(&in, "$g$");        /* restart inside a packet */
    add(&in, "M80002000,4:1* 2* "); /* RLE: 1111 2222 */
    add(&in, "m80002000,4");
    gdb_buf_puts(&in, "$m80002000,4#");  /* cut off in the checksum */
    assert_int_equal(session(f, &in, &out), GDB_SERVE_DETACHED);
    tokenize(&out, &tk);
    EXPECT(&tk, "-", "-", "+", "T05", "T05", "+", "OK", "+", "11112222");
    gdb_buf_free(&in);
    gdb_buf_free(&out);
}

static void test_overlong_packet(void **state)
{
    Fixture *f = *state;
    Tokens tk;
    GdbBuf in = {0}, out = {0};
    GdbBuf big = {0};
    gdb_buf_puts(&big, "M80002000,1:");
    for (int i = 0; i < 3 * GDB_PACKET_SIZE; i++)
        gdb_buf_puts(&big, "a");
    add(&in, big.data);
    add(&in, "m80002000,1");
    /* RLE expanding beyond the buffer */
    GdbBuf rle = {0};
    gdb_buf_puts(&rle, "qX");
    for (int i = 0; i < GDB_PACKET_SIZE / 2; i++)
        gdb_buf_puts(&rle, "a*~");
    add(&in, rle.data);
    add(&in, "?");
    session(f, &in, &out);
    tokenize(&out, &tk);
    EXPECT(&tk, "+", "E01", "+", "00", "+", "E01", "+", "T05");
    gdb_buf_free(&in);
    gdb_buf_free(&out);
    gdb_buf_free(&big);
    gdb_buf_free(&rle);
}

static void test_disconnect_mid_packet(void **state)
{
    Fixture *f = *state;
    GdbBuf in = {0}, out = {0};
    add(&in, "Z0,80000004,4");
    gdb_buf_puts(&in, "$m8000");
    assert_int_equal(session(f, &in, &out), GDB_SERVE_DETACHED);
    Tokens tk;
    tokenize(&out, &tk);
    EXPECT(&tk, "+", "OK");
    /* Its breakpoint does not outlive the connection. */
    assert_int_equal(cpu_run(f->cpu, 3, NULL), CPU_STOP_INSN_LIMIT);
    /* An empty connection, then one with a lone '$'. */
    gdb_buf_clear(&in);
    gdb_buf_clear(&out);
    assert_int_equal(session(f, &in, &out), GDB_SERVE_DETACHED);
    assert_int_equal(out.len, 0);
    gdb_buf_puts(&in, "$");
    assert_int_equal(session(f, &in, &out), GDB_SERVE_DETACHED);
    gdb_buf_free(&in);
    gdb_buf_free(&out);
}

static void test_monitor(void **state)
{
    Fixture *f = *state;
    Tokens tk;
    char *mtree = hex_of("info mtree");
    char *help = hex_of("help");
    char *reset = hex_of("reset");
    char *stats = hex_of("  stats ");
    char *bogus = hex_of("frobnicate");
    char *q[5];
    const char *names[5] = {mtree, help, reset, stats, bogus};
    for (int i = 0; i < 5; i++) {
        q[i] = malloc(strlen(names[i]) + 8);
        sprintf(q[i], "qRcmd,%s", names[i]);
    }
    cpu_set_pc(f->cpu, 0x80000008u);
    CONVERSE(f, &tk, q[0], q[1], q[2], q[3], q[4], "qRcmd,abc", "qRcmd,zz");
    /* info mtree: O packets, then OK; the text is memory_tree's */
    GdbBuf text = {0};
    size_t i = 0;
    for (; i < tk.n && tk.t[i][0] == 'O' && strcmp(tk.t[i], "OK") != 0; i++) {
        char *s = unhex_str(tk.t[i] + 1);
        gdb_buf_puts(&text, s);
        free(s);
    }
    assert_true(i >= 1);
    char *want = memory_tree(f->ms);
    assert_string_equal(text.data, want);
    free(want);
    assert_string_equal(tk.t[i++], "OK");
    /* help lists the table */
    char *h = unhex_str(tk.t[i++] + 1);
    assert_non_null(strstr(h, "info mtree"));
    assert_non_null(strstr(h, "info peripherals"));
    assert_non_null(strstr(h, "reset"));
    free(h);
    assert_string_equal(tk.t[i++], "OK");
    char *r = unhex_str(tk.t[i++] + 1);
    assert_string_equal(r, "reset; pc = 0x80000000\n");
    free(r);
    assert_string_equal(tk.t[i++], "OK");
    assert_int_equal(f->resets, 1);
    char *s = unhex_str(tk.t[i++] + 1);
    assert_string_equal(s, "stats from the target\n");
    free(s);
    assert_string_equal(tk.t[i++], "OK");
    char *u = unhex_str(tk.t[i++] + 1);
    assert_non_null(strstr(u, "unknown monitor command 'frobnicate'"));
    free(u);
    assert_string_equal(tk.t[i++], "OK");
    assert_string_equal(tk.t[i++], "E01");
    assert_string_equal(tk.t[i++], "E01");
    assert_int_equal(i, tk.n);
    tokens_free(&tk);
    gdb_buf_free(&text);
    for (int k = 0; k < 5; k++) {
        free(q[k]);
        free((char *)names[k]);
    }
}

static void test_target_xml(void **state)
{
    Fixture *f = *state;
    GdbBuf xml = {0};
    /* Read it in small chunks, as gdb may. */
    for (unsigned off = 0;;) {
        char q[80];
        snprintf(q, sizeof q, "qXfer:features:read:target.xml:%x,100", off);
        Tokens tk;
        CONVERSE(f, &tk, q);
        assert_int_equal(tk.n, 1);
        char kind = tk.t[0][0];
        assert_true(kind == 'm' || kind == 'l');
        size_t n = strlen(tk.t[0] + 1);
        assert_true(n <= 0x100); /* no escapes expected in this XML */
        gdb_buf_puts(&xml, tk.t[0] + 1);
        off += (unsigned)n;
        tokens_free(&tk);
        if (kind == 'l')
            break;
        assert_true(off < 100000);
    }
    assert_true(strncmp(xml.data, "<?xml version=\"1.0\"?>", 21) == 0);
    assert_non_null(strstr(xml.data, "<architecture>riscv:rv32</architecture>"));
    assert_non_null(strstr(xml.data, "<feature name=\"org.gnu.gdb.riscv.cpu\">"));
    assert_non_null(strstr(xml.data, "<feature name=\"org.gnu.gdb.riscv.csr\">"));
    assert_non_null(strstr(xml.data, "name=\"mstatus\" bitsize=\"32\" regnum=\"833\""));
    assert_non_null(strstr(xml.data, "name=\"mepc\" bitsize=\"32\" regnum=\"898\""));
    assert_non_null(strstr(xml.data, "name=\"pc\" bitsize=\"32\" regnum=\"32\""));
    assert_non_null(strstr(xml.data, "name=\"zero\" bitsize=\"32\" regnum=\"0\""));
    /* Exactly 33 registers in the cpu feature; balanced tags. */
    const char *cpu = strstr(xml.data, "org.gnu.gdb.riscv.cpu");
    const char *end = strstr(cpu, "</feature>");
    int regs = 0;
    for (const char *p = cpu; (p = strstr(p, "<reg ")) && p < end; p++)
        regs++;
    assert_int_equal(regs, 33);
    int open = 0, close_ = 0;
    for (const char *p = xml.data; (p = strstr(p, "<feature ")); p++)
        open++;
    for (const char *p = xml.data; (p = strstr(p, "</feature>")); p++)
        close_++;
    assert_int_equal(open, 2);
    assert_int_equal(close_, 2);
    size_t len = strlen(xml.data);
    assert_string_equal(xml.data + len - strlen("</target>\n"), "</target>\n");
    gdb_buf_free(&xml);

    Tokens tk;
    CONVERSE(f, &tk, "qXfer:features:read:other.xml:0,100",
             "qXfer:features:read:target.xml:ffffff,100",
             "qXfer:features:read:target.xml:0");
    EXPECT(&tk, "E00", "l", "E01");
}

static void test_unknown_packets(void **state)
{
    Fixture *f = *state;
    Tokens tk;
    CONVERSE(f, &tk, "vMustReplyEmpty", "qFooBar", "jx", "!", "vFile:open:", "qTStatus",
             "Tp1.1", "Hg1", "qOffsets", "gx");
    EXPECT(&tk, "", "", "", "", "", "", "OK", "OK", "", "E01");
}

static void test_exit_kill_detach(void **state)
{
    Fixture *f = *state;
    Tokens tk;
    f->target.resume = fx_resume_exit;
    gdb_server_free(f->gs);
    f->gs = gdb_server_new(&f->target, NULL, NULL);
    assert_int_equal(CONVERSE(f, &tk, "s", "c", "g"), 42);
    EXPECT(&tk, "T05", "W2a");
    /* '?' after the end says so too */
    CONVERSE(f, &tk, "?", "D");
    EXPECT(&tk, "W2a", "OK");
}

static void test_kill_detach(void **state)
{
    Fixture *f = *state;
    Tokens tk;
    assert_int_equal(CONVERSE(f, &tk, "k", "?"), GDB_SERVE_KILLED);
    assert_int_equal(tk.n, 0);
    assert_int_equal(CONVERSE(f, &tk, "vKill;1", "?"), GDB_SERVE_KILLED);
    EXPECT(&tk, "OK");
    assert_int_equal(CONVERSE(f, &tk, "Z0,80000004,4", "D", "?"), GDB_SERVE_DETACHED);
    EXPECT(&tk, "OK", "OK");
    assert_int_equal(cpu_run(f->cpu, 3, NULL), CPU_STOP_INSN_LIMIT);
}

/* ---- the stub never wedges while the target runs ---- */

/* len bytes of deterministic junk: anything but 0x03 (Ctrl-C) and '$' (a
 * packet start, which in no-ack mode could make junk a packet). */
static void put_junk(GdbBuf *b, size_t len)
{
    uint32_t x = 12345;
    for (size_t i = 0; i < len; i++) {
        x = x * 1103515245u + 12345u;
        char c = (char)(x >> 16);
        if (c == 0x03 || c == '$')
            c = 'j';
        gdb_buf_put(b, &c, 1);
    }
}

static void use_polling_resume(Fixture *f)
{
    f->target.resume = fx_resume_polling;
    gdb_server_free(f->gs);
    f->gs = gdb_server_new(&f->target, NULL, NULL);
    assert_non_null(f->gs);
}

/* 10 KB of junk while the target runs, then Ctrl-C: the stub keeps
 * reading past its 4 KB input buffer, so the 0x03 still stops it. */
static void test_ctrl_c_after_10k_of_junk_stops_the_target(void **state)
{
    Fixture *f = *state;
    use_polling_resume(f);
    Tokens tk;
    GdbBuf in = {0}, out = {0};
    add(&in, "QStartNoAckMode");
    add(&in, "c");
    put_junk(&in, 10 * 1024);
    gdb_buf_puts(&in, "\x03");
    add(&in, "p20");
    session(f, &in, &out);
    tokenize(&out, &tk);
    EXPECT(&tk, "+", "OK", "T02", "10000080");
    assert_int_equal(f->poll_stops, 1);
    assert_int_equal(f->poll_rounds, 0);
    gdb_buf_free(&in);
    gdb_buf_free(&out);
}

/* A packet gdb sends while the target runs is acknowledged at once and
 * answered after the stop reply; only 0x03 stops the target. */
static void test_packet_while_running_waits_for_the_stop(void **state)
{
    Fixture *f = *state;
    use_polling_resume(f);
    Tokens tk;
    GdbBuf in = {0}, out = {0};
    add(&in, "c");
    add(&in, "p20");
    gdb_buf_puts(&in, "\x03");
    add(&in, "?");
    session(f, &in, &out);
    tokenize(&out, &tk);
    EXPECT(&tk, "+", "+", "T02", "10000080", "+", "T02");
    assert_int_equal(f->poll_stops, 1);
    gdb_buf_free(&in);
    gdb_buf_free(&out);
}

static int connect_to(uint16_t port);

/* A client that sends "c" and 10 KB of junk, then leaves: half-closes
 * (shutdown, then reads what it was sent) or closes outright. The stub
 * must notice the end during the run, end the session and not answer. */
static void junk_then_leave(Fixture *f, GdbServer *gs, bool full_close)
{
    int polls_before = f->poll_stops;
    int fd = connect_to(gdb_server_port(gs));
    GdbBuf in = {0}, out = {0};
    add(&in, "QStartNoAckMode");
    add(&in, "c");
    put_junk(&in, 10 * 1024);
    write_all(fd, in.data, in.len);
    if (full_close)
        close(fd);
    else
        shutdown(fd, SHUT_WR);
    assert_int_equal(gdb_server_serve(gs), GDB_SERVE_DETACHED);
    assert_int_equal(f->poll_stops, polls_before + 1); /* the run ended when it left */
    assert_int_equal(f->poll_rounds, 0);
    if (!full_close) {
        read_all(fd, &out);
        close(fd);
        Tokens tk;
        tokenize(&out, &tk);
        EXPECT(&tk, "+", "OK"); /* no stop reply to a client that left */
    }
    gdb_buf_free(&in);
    gdb_buf_free(&out);
}

/* While the firmware runs on without a client, a new one is noticed by
 * the poll, then served. */
static void next_client_is_served(GdbServer *gs)
{
    int fd = connect_to(gdb_server_port(gs));
    GdbBuf in = {0}, out = {0};
    add(&in, "QStartNoAckMode");
    add(&in, "p20");
    add(&in, "D");
    write_all(fd, in.data, in.len);
    bool noticed = false;
    for (int i = 0; i < MAX_POLLS && !noticed; i++) {
        noticed = gdb_server_poll_interrupt(gs);
        if (!noticed)
            usleep(500);
    }
    assert_true(noticed);
    assert_true(gdb_server_client_pending(gs));
    assert_int_equal(gdb_server_serve(gs), GDB_SERVE_DETACHED);
    read_all(fd, &out);
    close(fd);
    Tokens tk;
    tokenize(&out, &tk);
    EXPECT(&tk, "+", "OK", "10000080", "OK");
    gdb_buf_free(&in);
    gdb_buf_free(&out);
}

/* 10 KB of junk while the target runs, then the client goes away (a
 * half-close, then a close): the stub keeps reading past its 4 KB input
 * buffer, notices the end of the stream during the run, and the next
 * client is accepted and served. */
static void test_close_after_10k_of_junk_frees_the_server(void **state)
{
    Fixture *f = *state;
    f->target.resume = fx_resume_polling;
    GdbServer *gs = gdb_server_new(&f->target, "127.0.0.1:0", NULL);
    assert_non_null(gs);
    f->polled = gs;
    junk_then_leave(f, gs, false);
    next_client_is_served(gs);
    junk_then_leave(f, gs, true);
    next_client_is_served(gs);
    gdb_server_free(gs);
}

/* ---- every reply fits the PacketSize the stub advertises ---- */

/* m of more than PacketSize/2 bytes: the readable part that fits (gdb
 * asks again for the rest); tokenize() checks every packet's size. */
static void test_m_reply_fits_packet_size(void **state)
{
    Fixture *f = *state;
    Tokens tk;
    uint8_t pattern[RAM_SIZE];
    for (size_t i = 0; i < sizeof pattern; i++)
        pattern[i] = (uint8_t)(i * 7 + (i >> 8));
    assert_true(memory_debug_write(f->ms, RAM_BASE, pattern, sizeof pattern, NULL));
    CONVERSE(f, &tk, "m80000000,10000", "m80000800,800", "m8000f000,2000");
    assert_int_equal(tk.n, 3);
    assert_int_equal(strlen(tk.t[0]), GDB_PACKET_SIZE);
    assert_int_equal(strlen(tk.t[1]), GDB_PACKET_SIZE);
    assert_int_equal(strlen(tk.t[2]), GDB_PACKET_SIZE);
    GdbBuf want = {0};
    gdb_buf_hex(&want, pattern, GDB_PACKET_SIZE / 2);
    assert_string_equal(tk.t[0], want.data);
    gdb_buf_clear(&want);
    gdb_buf_hex(&want, pattern + 0x800, GDB_PACKET_SIZE / 2);
    assert_string_equal(tk.t[1], want.data);
    gdb_buf_clear(&want);
    gdb_buf_hex(&want, pattern + 0xf000, GDB_PACKET_SIZE / 2);
    assert_string_equal(tk.t[2], want.data);
    gdb_buf_free(&want);
    tokens_free(&tk);
}

/* Monitor output longer than a packet goes out as several O packets
 * (each within PacketSize) that add up to the whole text. */
static void test_long_monitor_output_is_split(void **state)
{
    Fixture *f = *state;
    Tokens tk;
    char *cmd = hex_of("long 10000");
    char q[64];
    snprintf(q, sizeof q, "qRcmd,%s", cmd);
    free(cmd);
    CONVERSE(f, &tk, q, "qXfer:features:read:target.xml:0,ffff");
    char *want = fx_monitor(f, "long 10000");
    GdbBuf text = {0};
    size_t i = 0;
    for (; i < tk.n && tk.t[i][0] == 'O' && strcmp(tk.t[i], "OK") != 0; i++) {
        char *s = unhex_str(tk.t[i] + 1);
        gdb_buf_puts(&text, s);
        free(s);
    }
    assert_true(i >= 3); /* 10000 bytes are 20000 hex digits */
    assert_int_equal(text.len, 10001); /* the monitor ends it with a newline */
    assert_memory_equal(text.data, want, 10000);
    assert_string_equal(text.data + 10000, "\n");
    assert_string_equal(tk.t[i++], "OK");
    /* target.xml asked for 64 KiB at once comes in a packet that fits. */
    assert_true(tk.t[i][0] == 'm');
    assert_true(strlen(tk.t[i]) > GDB_PACKET_SIZE / 2);
    i++;
    assert_int_equal(i, tk.n);
    free(want);
    gdb_buf_free(&text);
    tokens_free(&tk);
}

/* ---- monitor audit ---- */

static void test_monitor_audit(void **state)
{
    Fixture *f = *state;
    Tokens tk;
    char *cmd = hex_of("audit");
    char q[64];
    snprintf(q, sizeof q, "qRcmd,%s", cmd);
    free(cmd);
    CONVERSE(f, &tk, q);
    assert_int_equal(tk.n, 2);
    char *text = unhex_str(tk.t[0] + 1);
    assert_string_equal(text, "audit: ok\n");
    free(text);
    assert_string_equal(tk.t[1], "OK");
    tokens_free(&tk);

    /* A refcount with no reason behind it: the audit names the owner. */
    unsigned reasons = owner_refcount(f->board);
    char want[128];
    snprintf(want, sizeof want, "audit: owner 'board' has refcount %u but %u reasons for it\n",
             reasons + 1, reasons);
    f->board->refcount++;
    CONVERSE(f, &tk, q);
    f->board->refcount--;
    assert_int_equal(tk.n, 2);
    text = unhex_str(tk.t[0] + 1);
    assert_string_equal(text, want);
    free(text);
    assert_string_equal(tk.t[1], "OK");
    tokens_free(&tk);
}

/* Real TCP on 127.0.0.1 with a free port; a second connection after the
 * first one detached; a connection noticed by the poll while running. */
static int connect_to(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    return fd;
}

static void test_tcp(void **state)
{
    Fixture *f = *state;
    Error *err = NULL;
    GdbServer *gs = gdb_server_new(&f->target, "127.0.0.1:0", &err);
    assert_non_null(gs);
    uint16_t port = gdb_server_port(gs);
    assert_true(port != 0);
    for (int round = 0; round < 2; round++) {
        assert_false(gdb_server_poll_interrupt(gs));
        int fd = connect_to(port);
        GdbBuf in = {0}, out = {0};
        add(&in, "QStartNoAckMode");
        add(&in, "p20");
        add(&in, "D");
        write_all(fd, in.data, in.len);
        if (round == 1) { /* noticed while the firmware runs */
            for (int i = 0; i < 1000 && !gdb_server_poll_interrupt(gs); i++)
                usleep(1000);
            assert_true(gdb_server_client_pending(gs));
        }
        assert_int_equal(gdb_server_serve(gs), GDB_SERVE_DETACHED);
        read_all(fd, &out);
        close(fd);
        Tokens tk;
        tokenize(&out, &tk);
        EXPECT(&tk, "+", "OK", "00000080", "OK");
        gdb_buf_free(&in);
        gdb_buf_free(&out);
    }
    gdb_server_free(gs);

    assert_null(gdb_server_new(&f->target, "127.0.0.1:notaport", &err));
    assert_non_null(err);
    error_free(err);
    err = NULL;
    assert_null(gdb_server_new(&f->target, "99999", &err));
    error_free(err);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_connect_sequence),
        T(test_registers),
        T(test_memory),
        T(test_address_wraparound),
        T(test_breakpoint_continue),
        T(test_step),
        T(test_osabi_linux_step_with_breakpoint),
        T(test_watchpoints),
        T(test_watch_on_first_instruction),
        T(test_ctrl_c),
        T(test_acks_checksums_rle),
        T(test_overlong_packet),
        T(test_disconnect_mid_packet),
        T(test_monitor),
        T(test_target_xml),
        T(test_unknown_packets),
        T(test_exit_kill_detach),
        T(test_kill_detach),
        T(test_tcp),
        T(test_ctrl_c_after_10k_of_junk_stops_the_target),
        T(test_packet_while_running_waits_for_the_stop),
        T(test_close_after_10k_of_junk_frees_the_server),
        T(test_m_reply_fits_packet_size),
        T(test_long_monitor_output_is_split),
        T(test_monitor_audit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
