/* The GDB stub's sessions and packet layer (gdbstub/gdbstub.c,
 * gdbstub/rsp.c) through raw RSP bytes: connecting, acks, checksums and
 * RLE, overlong packets, disconnects, exit/kill/detach, Ctrl-C, what
 * arrives while the target runs (the stub never wedges), and real TCP.
 * tests/unit/gdb_wire.h has the fixture and the wire. */
#include "tests/unit/gdb_wire.h"

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
    /* RLE expanding beyond the buffer: 302 bytes, short enough to be
     * taken in whole, that expand to 2 + 100 * 98 = 9802 bytes, more than
     * RSP_DECODED_MAX, so rle_decode itself refuses it. */
    GdbBuf rle = {0};
    gdb_buf_puts(&rle, "qX");
    for (int i = 0; i < 100; i++)
        gdb_buf_puts(&rle, "a*~");
    assert_true(rle.len <= RSP_RAW_MAX);
    assert_true(2 + 100 * (1 + '~' - 29) > RSP_DECODED_MAX);
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
    assert_int_equal(cpu_run(f->rig.cpu, 3, NULL), CPU_STOP_INSN_LIMIT);
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

static void test_exit_kill_detach(void **state)
{
    Fixture *f = *state;
    Tokens tk;
    use_resume(f, fx_resume_exit, NULL);
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
    assert_int_equal(cpu_run(f->rig.cpu, 3, NULL), CPU_STOP_INSN_LIMIT);
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

/* 10 KB of junk while the target runs, then Ctrl-C: the stub keeps
 * reading past its 4 KB input buffer, so the 0x03 still stops it. */
static void test_ctrl_c_after_10k_of_junk_stops_the_target(void **state)
{
    Fixture *f = *state;
    use_resume(f, fx_resume_polling, NULL);
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
    use_resume(f, fx_resume_polling, NULL);
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

/* ---- what arrives while the target runs ---- */

/* Packets sent while the target runs wait for the stop, up to
 * RSP_WAITING_MAX bytes of them; a flood beyond that is dropped without
 * an ack, and the Ctrl-C after it still stops the run. */
static void test_flood_while_running_is_capped(void **state)
{
    Fixture *f = *state;
    GdbBuf in = {0}, out = {0}, want = {0};
    add(&in, "c");
    size_t packets = 0;
    for (; in.len < 40 * 1024; packets++)
        add(&in, "m0,1");
    gdb_buf_puts(&in, "\x03");
    script_session(f, &in, &out);
    /* The ack of c, then one per packet that waits. */
    size_t acks = 0;
    while (acks < out.len && out.data[acks] == '+')
        acks++;
    assert_true(acks >= 2);
    assert_true(acks - 1 < packets);
    /* The stop reply, then each waiting packet answered (nothing mapped
     * at 0). */
    add(&want, "T02");
    for (size_t i = 1; i < acks; i++)
        add(&want, "E14");
    assert_int_equal(out.len - acks, want.len);
    assert_memory_equal(out.data + acks, want.data, want.len);
    gdb_buf_free(&in);
    gdb_buf_free(&out);
    gdb_buf_free(&want);
}

/* A Ctrl-C inside a packet stops the run and drops the packet: what
 * follows the 0x03 would complete it if it were kept. A packet with a bad
 * checksum while the target runs is dropped without a NAK (nothing is
 * owed while running). */
static void test_ctrl_c_inside_a_packet_and_no_nak_while_running(void **state)
{
    Fixture *f = *state;
    use_resume(f, fx_resume_polling, NULL); /* bounded, should the 0x03 be missed */
    Tokens tk;
    GdbBuf in = {0}, out = {0}, cut = {0};
    add(&in, "c");
    gdb_buf_puts(&in, "$?#00"); /* bad checksum */
    add(&cut, "m8000,4");
    gdb_buf_put(&in, cut.data, strlen("$m8000"));
    gdb_buf_puts(&in, "\x03");
    gdb_buf_puts(&in, cut.data + strlen("$m8000")); /* ",4#cs" */
    add(&in, "?");
    session(f, &in, &out);
    tokenize(&out, &tk);
    EXPECT(&tk, "+", "T02", "+", "T02");
    assert_int_equal(f->poll_stops, 1);
    assert_int_equal(f->poll_rounds, 0);
    gdb_buf_free(&in);
    gdb_buf_free(&out);
    gdb_buf_free(&cut);
}

/* gdb may set a software and a hardware breakpoint at one address;
 * removing the first leaves the second, so the CPU keeps stopping there. */
static void test_z0_and_z1_at_one_address(void **state)
{
    Fixture *f = *state;
    Tokens tk;
    GdbBuf in = {0}, out = {0};
    add(&in, "QStartNoAckMode");
    add(&in, "Z0,8000000c,4");
    add(&in, "Z1,8000000c,4");
    add(&in, "z0,8000000c,4");
    add(&in, "c");
    gdb_buf_puts(&in, "\x03"); /* ends the run if the breakpoint is lost */
    add(&in, "p20");
    session(f, &in, &out);
    tokenize(&out, &tk);
    EXPECT(&tk, "+", "OK", "OK", "OK", "OK", "T05hwbreak:;", "0c000080");
    gdb_buf_free(&in);
    gdb_buf_free(&out);
}

/* A client that never lets the queue of waiting packets run dry (two
 * arrive during each run, one is handled after each stop) does not grow
 * the stub's memory: the queue holds what waits, not everything that ever
 * passed through it. */
static void test_waiting_queue_stays_bounded(void **state)
{
    enum { ROUNDS = 40000 };
    GdbBuf script = {0}, sent = {0};
    for (int r = 0; r < ROUNDS; r++) {
        add(&script, "m0,1");
        add(&script, "m0,1");
        gdb_buf_puts(&script, "\x03");
    }
    RspConn *c = calloc(1, sizeof *c);
    assert_non_null(c);
    rsp_init_script(c, (const uint8_t *)script.data, script.len, &sent);
    size_t most = 0;
    for (int r = 0; r < ROUNDS; r++) {
        c->running = true;
        assert_int_equal(rsp_poll(c), RSP_POLL_INTERRUPT);
        c->running = false;
        assert_true(rsp_read_packet(c));
        assert_string_equal(c->pkt, "m0,1");
        if (c->waiting.cap > most)
            most = c->waiting.cap;
    }
    /* At most RSP_WAITING_MAX bytes wait; the space already read is
     * reclaimed once it is as large as what waits. */
    assert_true(most <= 4 * RSP_WAITING_MAX);
    rsp_fini(c);
    free(c);
    gdb_buf_free(&script);
    gdb_buf_free(&sent);
}

/* A client that sends "c" and 10 KB of junk, then leaves: half-closes
 * (shutdown, then reads what it was sent) or closes outright. The stub
 * must notice the end during the run, end the session and not answer. */
static void junk_then_leave(Fixture *f, bool full_close)
{
    GdbServer *gs = f->rig.gs;
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
static void next_client_is_served(Fixture *f)
{
    GdbServer *gs = f->rig.gs;
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
    use_resume(f, fx_resume_polling, "127.0.0.1:0");
    junk_then_leave(f, false);
    next_client_is_served(f);
    junk_then_leave(f, true);
    next_client_is_served(f);
}

/* Real TCP on 127.0.0.1 with a free port; a second connection after the
 * first one detached; a connection noticed by the poll while running. */
static void test_tcp(void **state)
{
    Fixture *f = *state;
    Error *err = NULL;
    use_resume(f, NULL, "127.0.0.1:0");
    GdbServer *gs = f->rig.gs;
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

    assert_null(gdb_server_new(&f->target, "127.0.0.1:notaport", &err));
    assert_non_null(err);
    error_free(err);
    err = NULL;
    assert_null(gdb_server_new(&f->target, "99999", &err));
    assert_non_null(err);
    error_free(err);
}


int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_connect_sequence),
        T(test_ctrl_c),
        T(test_acks_checksums_rle),
        T(test_overlong_packet),
        T(test_disconnect_mid_packet),
        T(test_exit_kill_detach),
        T(test_kill_detach),
        T(test_tcp),
        T(test_ctrl_c_after_10k_of_junk_stops_the_target),
        T(test_packet_while_running_waits_for_the_stop),
        T(test_close_after_10k_of_junk_frees_the_server),
        T(test_flood_while_running_is_capped),
        T(test_ctrl_c_inside_a_packet_and_no_nak_while_running),
        T(test_z0_and_z1_at_one_address),
        T(test_waiting_queue_stays_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
