/* The GDB stub's packet handlers (gdbstub/gdbstub_packets.c,
 * gdbstub/monitor.c, gdbstub/target_xml.c) through raw RSP bytes:
 * registers, memory, breakpoints, watchpoints and steps, target.xml,
 * monitor lines handed to the target, and every reply within the
 * PacketSize advertised.
 * tests/unit/gdb_wire.h has the fixture and the wire. */
#include "tests/unit/gdb_wire.h"

/* ---- registers and memory ---- */

static void test_registers(void **state)
{
    Fixture *f = *state;
    Tokens tk;
    cpu_set_reg(f->rig.cpu, A0, 0x11223344);
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
    assert_int_equal(cpu_get_pc(f->rig.cpu), 0x80000010u);
    assert_int_equal(cpu_get_reg(f->rig.cpu, A0), 0xdeadbeefu);
    /* mstatus = regnum 65 + 0x300 = 0x341 */
    uint32_t mstatus;
    assert_true(cpu_get_csr(f->rig.cpu, 0x300, &mstatus));
    assert_int_equal(strlen(tk.t[8]), 8);
    assert_string_equal(tk.t[9], "OK");
    assert_true(cpu_get_csr(f->rig.cpu, 0x300, &mstatus));
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
    assert_true(cpu_set_csr(f->rig.cpu, 0x340, 0xcafef00d)); /* mscratch */
    CONVERSE(f, &tk, g.data, "p381");
    EXPECT(&tk, "OK", "0df0feca");
    assert_int_equal(cpu_get_reg(f->rig.cpu, 0), 0);
    assert_int_equal(cpu_get_reg(f->rig.cpu, 31), 0x11f);
    assert_int_equal(cpu_get_pc(f->rig.cpu), 0x80000004u);
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
    assert_true(memory_debug_read(f->rig.ms, DATA, b, 4, NULL));
    assert_memory_equal(b, "\xde\xad\xbe\xef", 4);
    gdb_buf_free(&in);
    gdb_buf_free(&out);
}

static void test_address_wraparound(void **state)
{
    Fixture *f = *state;
    Tokens tk;
    assert_true(memory_debug_write(f->rig.ms, 0xfffffffcu, "\x01\x02\x03\x04", 4, NULL));
    CONVERSE(f, &tk, "mfffffffc,4", "mfffffffc,8", "mffffffff,ffffffff",
             "Mfffffffc,8:0000000000000000", "Xffffffff,2:ab", "m100000000,4",
             "Mffffffff,1:aa", "mffffffff,1", "Z2,fffffffe,4", "Z0,ffffffff,2",
             "z0,ffffffff,2", "m0,ffffffff");
    EXPECT(&tk, "01020304", "01020304", "04", "E01", "E01", "E01", "OK", "aa",
           "E01", "OK", "OK", "E14");
}

/* G carries exactly 33 registers of 8 hex digits each: anything after
 * them makes it malformed, and nothing is written. */
static void test_G_wants_exactly_33_registers(void **state)
{
    Fixture *f = *state;
    Tokens tk;
    GdbBuf g = {0};
    gdb_buf_puts(&g, "G");
    for (unsigned i = 0; i < 33 * 4; i++)
        gdb_buf_puts(&g, "11");
    gdb_buf_puts(&g, "00");
    CONVERSE(f, &tk, g.data);
    EXPECT(&tk, "E01");
    assert_int_equal(cpu_get_pc(f->rig.cpu), RAM_BASE);
    assert_int_equal(cpu_get_reg(f->rig.cpu, 1), 0);
    gdb_buf_free(&g);
}

/* X data ending in a lone '}' (an escape with nothing to escape) is
 * malformed, whatever the length says. */
static void test_X_refuses_a_dangling_escape(void **state)
{
    Fixture *f = *state;
    Tokens tk;
    GdbBuf in = {0}, out = {0};
    add(&in, "QStartNoAckMode");
    add(&in, "X80002000,0:}");
    add(&in, "X80002000,1:a}");
    session(f, &in, &out);
    tokenize(&out, &tk);
    EXPECT(&tk, "+", "OK", "E01", "E01");
    uint8_t b = 0xff;
    assert_true(memory_debug_read(f->rig.ms, DATA, &b, 1, NULL));
    assert_int_equal(b, 0);
    gdb_buf_free(&in);
    gdb_buf_free(&out);
}

/* vCont thread ids are read whole: [p1.]1 (our one thread), 0 (any) and
 * -1 (all) are ours; another thread, or a number that merely starts like
 * ours, is not, and junk is malformed. */
static void test_vcont_thread_ids(void **state)
{
    Fixture *f = *state;
    Tokens tk;
    CONVERSE(f, &tk, "vCont;s:10", "vCont;s:p1.5", "vCont;s:-10", "vCont;s:1x",
             "vCont;s:p1", "vCont;s:", "vCont;s:p1.1", "vCont;s:0", "vCont;s:-1",
             "vCont;s:p1.-1", "vCont;s:2;s:1", "p20");
    EXPECT(&tk, "E01", "E01", "E01", "E01", "E01", "E01", "T05", "T05", "T05", "T05",
           "T05", "10000080");
}

/* ---- breakpoints, watchpoints and steps ---- */

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
    assert_int_equal(cpu_run(f->rig.cpu, 2, NULL), CPU_STOP_INSN_LIMIT);
    assert_int_equal(cpu_get_pc(f->rig.cpu), 0x80000010u);

    /* Hardware breakpoint; continue at an address. */
    CONVERSE(f, &tk, "Z1,8000000c,2", "c80000000", "p20", "z1,8000000c,2", "Z0,8000000c,2",
             "C05;80000000", "Z9,0,0", "Z0,zz");
    EXPECT(&tk, "OK", "T05hwbreak:;", "0c000080", "OK", "OK", "T05swbreak:;", "", "E01");

    /* Both kinds at one address, both removed: the hart keeps none (it
     * counts them; the session's end has nothing left to remove). */
    CONVERSE(f, &tk, "Z0,80000008,4", "Z1,80000008,4", "z0,80000008,4", "z1,80000008,4");
    EXPECT(&tk, "OK", "OK", "OK", "OK");
    assert_false(cpu_breakpoint_at(f->rig.cpu, 0x80000008u));
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
    cpu_reset(f->rig.cpu);
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

/* ---- queries and monitor commands ---- */

/* The text of the O packets from tk->t[*i] on, up to the OK after them
 * (consumed); malloc'd. */
static char *console_text(Tokens *tk, size_t *i)
{
    GdbBuf text = {0};
    gdb_buf_puts(&text, "");
    for (; *i < tk->n && tk->t[*i][0] == 'O' && strcmp(tk->t[*i], "OK") != 0; (*i)++) {
        char *s = unhex_str(tk->t[*i] + 1);
        gdb_buf_puts(&text, s);
        free(s);
    }
    assert_true(*i < tk->n);
    assert_string_equal(tk->t[(*i)++], "OK");
    return text.data;
}

static char *rcmd(const char *line)
{
    char *hex = hex_of(line);
    char *q = malloc(strlen(hex) + 8);
    sprintf(q, "qRcmd,%s", hex);
    free(hex);
    return q;
}

/* qRcmd hands the line, exactly as gdb sent it, to the target's monitor:
 * the stub keeps no commands of its own (not even help); the output
 * comes back as O packets ended with a newline, nothing comes for no
 * output, and undecodable packets are E01. */
static void test_monitor_forwards_every_line_to_the_target(void **state)
{
    Fixture *f = *state;
    Tokens tk;
    const char *lines[] = {"info mtree", "help", "  stats ", "silent", ""};
    char *q[5];
    for (int k = 0; k < 5; k++)
        q[k] = rcmd(lines[k]);
    CONVERSE(f, &tk, q[0], q[1], q[2], q[3], q[4], "qRcmd,abc", "qRcmd,zz");
    size_t i = 0;
    const char *want[] = {"got 'info mtree'\n", "got 'help'\n", "got '  stats '\n", "",
                          "got ''\n"};
    for (int k = 0; k < 5; k++) {
        char *text = console_text(&tk, &i);
        assert_string_equal(text, want[k]);
        free(text);
    }
    assert_string_equal(tk.t[i++], "E01");
    assert_string_equal(tk.t[i++], "E01");
    assert_int_equal(i, tk.n);
    assert_int_equal(f->monitor_calls, 5);
    tokens_free(&tk);
    for (int k = 0; k < 5; k++)
        free(q[k]);
}

/* A target without a monitor says so for every line. */
static void test_monitor_without_a_target_monitor(void **state)
{
    Fixture *f = *state;
    Tokens tk;
    f->target.monitor = NULL;
    use_resume(f, NULL, NULL);
    char *q0 = rcmd("help"), *q1 = rcmd("info mtree");
    CONVERSE(f, &tk, q0, q1);
    size_t i = 0;
    for (int k = 0; k < 2; k++) {
        char *text = console_text(&tk, &i);
        assert_string_equal(text, "no monitor on this target\n");
        free(text);
    }
    assert_int_equal(i, tk.n);
    assert_int_equal(f->monitor_calls, 0);
    tokens_free(&tk);
    free(q0);
    free(q1);
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
    assert_true(memory_debug_write(f->rig.ms, RAM_BASE, pattern, sizeof pattern, NULL));
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

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_registers),
        T(test_memory),
        T(test_address_wraparound),
        T(test_G_wants_exactly_33_registers),
        T(test_X_refuses_a_dangling_escape),
        T(test_vcont_thread_ids),
        T(test_breakpoint_continue),
        T(test_step),
        T(test_osabi_linux_step_with_breakpoint),
        T(test_watchpoints),
        T(test_watch_on_first_instruction),
        T(test_monitor_forwards_every_line_to_the_target),
        T(test_monitor_without_a_target_monitor),
        T(test_target_xml),
        T(test_unknown_packets),
        T(test_m_reply_fits_packet_size),
        T(test_long_monitor_output_is_split),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
