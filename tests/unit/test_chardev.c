/* Host character backends (sim/chardev_host.c): every spec form, input
 * that ends (files, stdin) and input that never does (tcp, pty), output
 * dropped while nobody listens, one-phrase errors, FIFOs refused, output
 * errors (/dev/full) reported once, tcp saying where it listens (port 0
 * included), and nothing left open or allocated after close (ASan/LSan
 * check the latter). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio_ext.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "capture.h"
#include "sim/chardev_host.h"

#define WAIT_MS 3000

static Chardev *open_ok(const char *spec)
{
    Error *err = NULL;
    Chardev *chr = chardev_open(spec, NULL, NULL, &err);
    if (!chr)
        fail_msg("chardev_open(%s): %s", spec, error_message(err));
    return chr;
}

static void expect_error(const char *spec, const char *message)
{
    Error *err = NULL;
    assert_null(chardev_open(spec, NULL, NULL, &err));
    assert_non_null(err);
    if (strcmp(error_message(err), message) != 0)
        fail_msg("chardev_open(%s): got '%s'\nexpected '%s'", spec,
                 error_message(err), message);
    error_free(err);
}

/* A scratch directory with files in it, removed by scratch_done. */
typedef struct Scratch {
    char dir[64];
    char paths[4][128];
    int n;
} Scratch;

static void scratch_init(Scratch *s)
{
    strcpy(s->dir, "/tmp/mcusim-chardev-XXXXXX");
    assert_non_null(mkdtemp(s->dir));
    s->n = 0;
}

static const char *scratch_path(Scratch *s, const char *name)
{
    assert_true(s->n < 4);
    char *path = s->paths[s->n++];
    size_t dirlen = strlen(s->dir);
    assert_true(dirlen + 1 + strlen(name) < sizeof s->paths[0]);
    memcpy(path, s->dir, dirlen);
    path[dirlen] = '/';
    strcpy(path + dirlen + 1, name);
    return path;
}

static void scratch_write(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* The file's contents (at most 255 bytes), "" when missing. */
static const char *scratch_read(const char *path)
{
    static char buf[256];
    buf[0] = '\0';
    FILE *f = fopen(path, "rb");
    if (!f)
        return buf;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void scratch_done(Scratch *s)
{
    for (int i = 0; i < s->n; i++)
        unlink(s->paths[i]);
    assert_int_equal(rmdir(s->dir), 0);
}

/* Reads until `len` bytes came or WAIT_MS passed (interactive sources are
 * polled at most once a millisecond after finding nothing). */
static size_t read_wait(Chardev *chr, char *buf, size_t len)
{
    size_t got = 0;
    for (int ms = 0; got < len && ms < WAIT_MS; ms++) {
        got += chardev_read(chr, (uint8_t *)buf + got, len - got);
        if (got < len)
            usleep(1000);
    }
    return got;
}

static void write_str(Chardev *chr, const char *s)
{
    chardev_write(chr, (const uint8_t *)s, strlen(s));
}

/* ---- null, file, stdio ---- */

static void test_null_drops_output_and_has_no_input(void **state)
{
    Chardev *chr = open_ok("null");
    write_str(chr, "gone");
    assert_true(chardev_input_ended(chr));
    uint8_t b;
    assert_int_equal(chardev_read(chr, &b, 1), 0);
    assert_null(chardev_pty_path(chr));
    chardev_close(chr);
}

static void test_file_path_receives_output(void **state)
{
    Scratch s;
    scratch_init(&s);
    const char *a = scratch_path(&s, "a.txt");
    const char *b = scratch_path(&s, "b,with,commas");
    char spec[256];
    snprintf(spec, sizeof spec, "file:%s", a);
    Chardev *chr = open_ok(spec);
    assert_true(chardev_input_ended(chr));
    write_str(chr, "hello\nworld");
    chardev_close(chr);
    assert_string_equal(scratch_read(a), "hello\nworld");
    /* Not starting with out= or in=: the whole rest is the path. */
    snprintf(spec, sizeof spec, "file:%s", b);
    chr = open_ok(spec);
    write_str(chr, "x");
    chardev_close(chr);
    assert_string_equal(scratch_read(b), "x");
    scratch_done(&s);
}

static void test_file_input_reads_to_its_end(void **state)
{
    Scratch s;
    scratch_init(&s);
    const char *in = scratch_path(&s, "in.txt");
    scratch_write(in, "abc");
    char spec[256];
    snprintf(spec, sizeof spec, "file:in=%s", in);
    Chardev *chr = open_ok(spec);
    write_str(chr, "dropped");
    assert_false(chardev_input_ended(chr));
    uint8_t buf[8];
    assert_int_equal(chardev_read(chr, buf, 2), 2);
    assert_memory_equal(buf, "ab", 2);
    assert_int_equal(chardev_read(chr, buf, 8), 1);
    assert_int_equal(buf[0], 'c');
    assert_false(chardev_input_ended(chr)); /* not known until read */
    assert_int_equal(chardev_read(chr, buf, 8), 0);
    assert_true(chardev_input_ended(chr));
    assert_int_equal(chardev_read(chr, buf, 8), 0);
    chardev_close(chr);
    scratch_done(&s);
}

static void test_file_out_and_in_in_either_order(void **state)
{
    Scratch s;
    scratch_init(&s);
    const char *in = scratch_path(&s, "in.txt");
    const char *out = scratch_path(&s, "out.txt");
    scratch_write(in, "q");
    char spec[512];
    snprintf(spec, sizeof spec, "file:out=%s,in=%s", out, in);
    Chardev *chr = open_ok(spec);
    uint8_t b;
    assert_int_equal(chardev_read(chr, &b, 1), 1);
    assert_int_equal(b, 'q');
    write_str(chr, "r1");
    chardev_close(chr);
    assert_string_equal(scratch_read(out), "r1");
    snprintf(spec, sizeof spec, "file:in=%s,out=%s", in, out);
    chr = open_ok(spec);
    assert_int_equal(chardev_read(chr, &b, 1), 1);
    write_str(chr, "r2");
    chardev_close(chr);
    assert_string_equal(scratch_read(out), "r2");
    scratch_done(&s);
}

static void test_stdio_input_from_a_file(void **state)
{
    Scratch s;
    scratch_init(&s);
    const char *in = scratch_path(&s, "in.txt");
    scratch_write(in, "zz");
    char spec[256];
    snprintf(spec, sizeof spec, "stdio:in=%s", in);
    Chardev *chr = open_ok(spec);
    char buf[4];
    assert_int_equal(chardev_read(chr, (uint8_t *)buf, 4), 2);
    assert_int_equal(chardev_read(chr, (uint8_t *)buf, 4), 0);
    assert_true(chardev_input_ended(chr));
    chardev_close(chr);
    scratch_done(&s);
}

/* Runs `body` with fd 0 replaced by `fd`, then puts stdin back. */
static int swap_stdin(int fd)
{
    int saved = dup(STDIN_FILENO);
    assert_true(saved >= 0);
    assert_int_equal(dup2(fd, STDIN_FILENO), STDIN_FILENO);
    close(fd);
    return saved;
}

static void restore_stdin(int saved)
{
    assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
    close(saved);
}

static void test_stdio_reads_stdin_once_and_to_its_end(void **state)
{
    int p[2];
    assert_int_equal(pipe(p), 0);
    int saved = swap_stdin(p[0]);
    Chardev *chr = open_ok("stdio");
    Chardev *second = open_ok("stdio"); /* stdin is taken: output only */
    assert_false(chardev_input_ended(chr));
    assert_true(chardev_input_ended(second));
    char buf[8] = {0};
    assert_int_equal(chardev_read(chr, (uint8_t *)buf, 8), 0); /* nothing yet */
    assert_int_equal(write(p[1], "hi", 2), 2);
    assert_int_equal(read_wait(chr, buf, 2), 2);
    assert_memory_equal(buf, "hi", 2);
    close(p[1]);
    for (int ms = 0; ms < WAIT_MS && !chardev_input_ended(chr); ms++) {
        assert_int_equal(chardev_read(chr, (uint8_t *)buf, 8), 0);
        usleep(1000);
    }
    assert_true(chardev_input_ended(chr));
    chardev_close(second);
    chardev_close(chr);
    /* Closed, stdin is free for the next one. */
    assert_int_equal(pipe(p), 0);
    restore_stdin(saved);
    saved = swap_stdin(p[0]);
    chr = open_ok("stdio");
    assert_false(chardev_input_ended(chr));
    chardev_close(chr);
    close(p[1]);
    restore_stdin(saved);
}

static void count_wake(void *opaque)
{
    (*(int *)opaque)++;
}

/* A stdio backend opened while another holds stdin (another UART on
 * stdio, a replacement built before its predecessor goes) takes stdin
 * over when the holder closes, and is woken: else nobody reads it. With
 * several waiting, the first opened takes it; the others wait on. */
static void test_stdio_waiting_for_stdin_takes_it_when_the_holder_closes(void **state)
{
    Scratch s;
    scratch_init(&s);
    const char *in = scratch_path(&s, "stdin.txt");
    scratch_write(in, "hi\n");
    int saved = swap_stdin(open(in, O_RDONLY));
    Chardev *holder = open_ok("stdio");
    Chardev *first = open_ok("stdio"), *second = open_ok("stdio");
    int first_woken = 0, second_woken = 0;
    chardev_set_input_handler(first, count_wake, &first_woken);
    chardev_set_input_handler(second, count_wake, &second_woken);
    assert_true(chardev_input_ended(first));

    chardev_close(holder);
    assert_int_equal(first_woken, 1);
    assert_int_equal(second_woken, 0);
    assert_false(chardev_input_ended(first));
    assert_true(chardev_input_ended(second));
    char buf[8];
    assert_int_equal(chardev_read(first, (uint8_t *)buf, sizeof buf), 3);
    assert_memory_equal(buf, "hi\n", 3);

    chardev_close(first); /* to the next in line, at its end already */
    assert_int_equal(second_woken, 1);
    assert_int_equal(chardev_read(second, (uint8_t *)buf, sizeof buf), 0);
    assert_true(chardev_input_ended(second));
    chardev_close(second);

    /* The console's reservation hands stdin on the same way. */
    assert_true(chardev_reserve_stdin());
    Chardev *waiting = open_ok("stdio");
    assert_true(chardev_input_ended(waiting));
    chardev_release_stdin();
    assert_false(chardev_input_ended(waiting));
    assert_false(chardev_reserve_stdin()); /* it holds stdin now */
    chardev_close(waiting);
    assert_true(chardev_reserve_stdin());
    chardev_release_stdin();
    restore_stdin(saved);
    scratch_done(&s);
}

static void test_stdio_without_input_when_stdin_is_dev_null(void **state)
{
    int fd = open("/dev/null", O_RDONLY);
    assert_true(fd >= 0);
    int saved = swap_stdin(fd);
    Chardev *chr = open_ok("stdio");
    assert_true(chardev_input_ended(chr));
    chardev_close(chr);
    restore_stdin(saved);
}

static void test_spec_errors_are_one_phrase(void **state)
{
    expect_error("serial", "unknown chardev 'serial' (expected stdio, "
                 "stdio:in=PATH, null, file:PATH, file:out=PATH,in=PATH, "
                 "tcp:[HOST:]PORT or pty)");
    expect_error("file:", "chardev 'file:': missing path (file:PATH or "
                 "file:out=PATH,in=PATH)");
    expect_error("file:out=", "chardev 'file:out=': expected out=PATH and/or "
                 "in=PATH, each once and not empty");
    expect_error("file:in=a,in=b", "chardev 'file:in=a,in=b': expected "
                 "out=PATH and/or in=PATH, each once and not empty");
    expect_error("file:in=a,size=3", "chardev 'file:in=a,size=3': expected "
                 "out=PATH and/or in=PATH, each once and not empty");
    expect_error("file:in=a,", "chardev 'file:in=a,': trailing ','");
    expect_error("file:in=/nonexistent/x", "chardev 'file:in=/nonexistent/x': "
                 "/nonexistent/x: cannot open: No such file or directory");
    expect_error("file:/nonexistent/x", "chardev 'file:/nonexistent/x': "
                 "/nonexistent/x: cannot create: No such file or directory");
    expect_error("stdio:in=/nonexistent/x", "chardev 'stdio:in=/nonexistent/x': "
                 "/nonexistent/x: cannot open: No such file or directory");
    expect_error("stdio:out=x", "chardev 'stdio:out=x': expected stdio or "
                 "stdio:in=PATH");
    expect_error("tcp:65536", "chardev 'tcp:65536': port must be 0-65535 "
                 "(0: any free port)");
    expect_error("tcp:http", "chardev 'tcp:http': port must be 0-65535 "
                 "(0: any free port)");
    expect_error("tcp:", "chardev 'tcp:': port must be 0-65535 (0: any free "
                 "port)");
    expect_error("tcp:-5", "chardev 'tcp:-5': port must be 0-65535 (0: any "
                 "free port)");
    expect_error("tcp::5", "chardev 'tcp::5': missing host before ':' "
                 "(expected [HOST:]PORT)");
    expect_error("tcp:[]:5", "chardev 'tcp:[]:5': missing host before ':' "
                 "(expected [HOST:]PORT)");
    expect_error("tcp:127.0.0.1:+5", "chardev 'tcp:127.0.0.1:+5': port must "
                 "be 0-65535 (0: any free port)");
    expect_error("pty:x", "unknown chardev 'pty:x' (expected stdio, "
                 "stdio:in=PATH, null, file:PATH, file:out=PATH,in=PATH, "
                 "tcp:[HOST:]PORT or pty)");
}

static void test_fifos_are_refused(void **state)
{
    Scratch s;
    scratch_init(&s);
    const char *fifo = scratch_path(&s, "fifo");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    char spec[256], message[512];
    snprintf(spec, sizeof spec, "file:%s", fifo);
    snprintf(message, sizeof message, "chardev '%s': %s: not a regular file or "
             "character device (a fifo)", spec, fifo);
    expect_error(spec, message); /* at once: no reader, no block */
    snprintf(spec, sizeof spec, "file:in=%s", fifo);
    snprintf(message, sizeof message, "chardev '%s': %s: not a regular file "
             "(a fifo)", spec, fifo);
    expect_error(spec, message);
    snprintf(spec, sizeof spec, "stdio:in=%s", fifo);
    snprintf(message, sizeof message, "chardev '%s': %s: not a regular file "
             "(a fifo)", spec, fifo);
    expect_error(spec, message);
    scratch_done(&s);
}

/* ---- output errors ---- */

static Chardev *open_reporting(const char *spec, Reports *r)
{
    Error *err = NULL;
    Chardev *chr = chardev_open(spec, on_error, r, &err);
    if (!chr)
        fail_msg("chardev_open(%s): %s", spec, error_message(err));
    return chr;
}

static void test_file_output_error_is_reported_once(void **state)
{
    Reports r = {0};
    Capture c;
    capture_start(&c);
    Chardev *chr = open_reporting("file:/dev/full", &r);
    write_str(chr, "lost\n"); /* a line: flushed, and refused */
    assert_int_equal(r.count, 1);
    assert_string_equal(r.what, "chardev 'file:/dev/full'");
    assert_int_equal(r.err, ENOSPC);
    write_str(chr, "more\n");
    chardev_close(chr);
    assert_int_equal(r.count, 1);
    char *text = capture_end(&c); /* said once, the handler called after */
    assert_string_equal(text, "mcusim: chardev 'file:/dev/full': cannot write: "
                              "No space left on device\n");
    free(text);
}

static void test_output_error_at_close_is_reported(void **state)
{
    Reports r = {0};
    Chardev *chr = open_reporting("file:out=/dev/full", &r);
    write_str(chr, "no newline: still buffered");
    assert_int_equal(r.count, 0);
    chardev_close(chr); /* the last flush fails */
    assert_int_equal(r.count, 1);
    assert_int_equal(r.err, ENOSPC);
}

static void test_output_error_without_handler_is_only_said(void **state)
{
    Capture c;
    capture_start(&c);
    Chardev *chr = open_ok("file:/dev/full");
    write_str(chr, "a\n");
    write_str(chr, "b\n");
    chardev_close(chr);
    char *text = capture_end(&c);
    assert_string_equal(text, "mcusim: chardev 'file:/dev/full': cannot write: "
                              "No space left on device\n");
    free(text);
}

/* Our stdout is one stream: its loss is said once per process, whoever
 * meets it (each stdio backend, main's last flush), and every backend
 * still tells its own handler. */
static void test_stdio_output_error_on_stdout_is_said_once(void **state)
{
    fflush(stdout);
    int full = open("/dev/full", O_WRONLY);
    assert_true(full >= 0);
    int saved = dup(STDOUT_FILENO);
    assert_true(dup2(full, STDOUT_FILENO) >= 0);
    close(full);
    Reports r = {0}, r2 = {0};
    Capture c;
    capture_start(&c);
    Chardev *chr = open_reporting("stdio", &r);
    Chardev *second = open_reporting("stdio", &r2);
    write_str(chr, "lost\n");
    write_str(second, "no newline: buffered");
    chardev_close(second); /* its flush fails too */
    chardev_close(chr);
    bool flushed = output_flush_stdout(NULL, NULL);
    char *text = capture_end(&c);
    __fpurge(stdout); /* what could not be written stays out of the log */
    clearerr(stdout);
    assert_true(dup2(saved, STDOUT_FILENO) >= 0);
    close(saved);
    assert_false(flushed);
    assert_int_equal(r.count, 1);
    assert_string_equal(r.what, "stdout");
    assert_int_equal(r.err, ENOSPC);
    assert_int_equal(r2.count, 1);
    assert_string_equal(r2.what, "stdout");
    assert_string_equal(text, "mcusim: stdout: cannot write: No space left on "
                              "device\n");
    free(text);
}

static void test_dev_null_takes_output_without_error(void **state)
{
    Reports r = {0};
    Chardev *chr = open_reporting("file:/dev/null", &r);
    write_str(chr, "gone\n");
    chardev_close(chr);
    assert_int_equal(r.count, 0);
}

/* ---- tcp ---- */

/* A port nobody listens on now: bind port 0, read it back, let it go. */
static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t len = sizeof a;
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    return ntohs(a.sin_port);
}

static int tcp_client(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    return fd;
}

/* Receives exactly len bytes (or fails after WAIT_MS). */
static void recv_exact(int fd, char *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        assert_int_equal(poll(&p, 1, WAIT_MS), 1);
        ssize_t n = read(fd, buf + got, len - got);
        assert_true(n > 0);
        got += (size_t)n;
    }
}

static void test_tcp_one_client_at_a_time(void **state)
{
    int port = free_port();
    char spec[32];
    snprintf(spec, sizeof spec, "tcp:%d", port);
    Chardev *chr = open_ok(spec);
    assert_false(chardev_input_ended(chr));
    write_str(chr, "early"); /* nobody connected: dropped */

    int c1 = tcp_client(port);
    assert_int_equal(write(c1, "ping", 4), 4);
    char buf[16] = {0};
    assert_int_equal(read_wait(chr, buf, 4), 4);
    assert_memory_equal(buf, "ping", 4);
    write_str(chr, "pong");
    recv_exact(c1, buf, 4);
    assert_memory_equal(buf, "pong", 4); /* not "early" */

    close(c1); /* the client leaves: not the end of the input */
    for (int i = 0; i < 20; i++) {
        assert_int_equal(chardev_read(chr, (uint8_t *)buf, 4), 0);
        usleep(1000);
    }
    assert_false(chardev_input_ended(chr));

    int c2 = tcp_client(port); /* the next one is served */
    assert_int_equal(write(c2, "again", 5), 5);
    assert_int_equal(read_wait(chr, buf, 5), 5);
    assert_memory_equal(buf, "again", 5);
    write_str(chr, "ok");
    recv_exact(c2, buf, 2);
    assert_memory_equal(buf, "ok", 2);
    chardev_close(chr);
    struct pollfd p = {.fd = c2, .events = POLLIN};
    assert_int_equal(poll(&p, 1, WAIT_MS), 1);
    assert_int_equal(read(c2, buf, 1), 0); /* closed with the chardev */
    close(c2);
}

static void test_tcp_says_where_it_listens(void **state)
{
    Capture c;
    capture_start(&c);
    Chardev *chr = open_ok("tcp:0"); /* any free port */
    char *text = capture_end(&c);
    unsigned port = 0;
    int end = 0;
    assert_int_equal(sscanf(text, "mcusim: char device listening on "
                            "127.0.0.1:%u\n%n", &port, &end), 1);
    assert_true(port > 0 && port < 65536);
    assert_int_equal(text[end], '\0'); /* one line, nothing else */
    assert_int_equal(text[end - 1], '\n');
    free(text);
    int client = tcp_client((int)port); /* the port printed is the one bound */
    assert_int_equal(write(client, "hi", 2), 2);
    char buf[2];
    assert_int_equal(read_wait(chr, buf, 2), 2);
    assert_memory_equal(buf, "hi", 2);
    close(client);
    chardev_close(chr);

    int fixed = free_port();
    char spec[32];
    snprintf(spec, sizeof spec, "tcp:%d", fixed);
    capture_start(&c);
    chr = open_ok(spec);
    text = capture_end(&c);
    char expected[96];
    snprintf(expected, sizeof expected,
             "mcusim: char device listening on 127.0.0.1:%d\n", fixed);
    assert_string_equal(text, expected);
    free(text);
    chardev_close(chr);
}

static void test_tcp_host_and_port(void **state)
{
    int port = free_port();
    char spec[64];
    snprintf(spec, sizeof spec, "tcp:127.0.0.1:%d", port);
    Chardev *chr = open_ok(spec);
    int c = tcp_client(port);
    write_str(chr, "x");
    /* The accept happens on the first write or read after the connect,
     * at most once a millisecond: retry until it arrives. */
    char b = 0;
    for (int ms = 0; ms < WAIT_MS; ms++) {
        struct pollfd p = {.fd = c, .events = POLLIN};
        if (poll(&p, 1, 1) == 1)
            break;
        write_str(chr, "x");
    }
    assert_int_equal(read(c, &b, 1), 1);
    assert_int_equal(b, 'x');
    close(c);
    chardev_close(chr);
}

static void test_tcp_port_in_use(void **state)
{
    int port = free_port();
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(fd, 1), 0);
    char spec[32], message[128];
    snprintf(spec, sizeof spec, "tcp:%d", port);
    snprintf(message, sizeof message, "chardev 'tcp:%d': cannot listen on "
             "127.0.0.1 port %d: Address already in use", port, port);
    expect_error(spec, message);
    close(fd);
}

/* ---- pty ---- */

static void test_pty_raw_and_both_ways(void **state)
{
    Chardev *chr = open_ok("pty");
    const char *path = chardev_pty_path(chr);
    assert_non_null(path);
    assert_true(strncmp(path, "/dev/pts/", 9) == 0);
    assert_false(chardev_input_ended(chr));
    write_str(chr, "early"); /* nobody has the slave open: dropped */
    char buf[16] = {0};
    assert_int_equal(chardev_read(chr, (uint8_t *)buf, 4), 0);

    int slave = open(path, O_RDWR | O_NOCTTY);
    assert_true(slave >= 0);
    struct termios tio;
    assert_int_equal(tcgetattr(slave, &tio), 0);
    assert_false(tio.c_lflag & (ECHO | ICANON)); /* raw */
    assert_int_equal(write(slave, "abc", 3), 3);
    assert_int_equal(read_wait(chr, buf, 3), 3);
    assert_memory_equal(buf, "abc", 3);
    write_str(chr, "xyz\n");
    recv_exact(slave, buf, 4);
    assert_memory_equal(buf, "xyz\n", 4); /* not "early", no CR added */
    close(slave);
    assert_int_equal(chardev_read(chr, (uint8_t *)buf, 4), 0);
    assert_false(chardev_input_ended(chr));
    write_str(chr, "late"); /* gone again: dropped, no error */
    chardev_close(chr);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_null_drops_output_and_has_no_input),
        cmocka_unit_test(test_file_path_receives_output),
        cmocka_unit_test(test_file_input_reads_to_its_end),
        cmocka_unit_test(test_file_out_and_in_in_either_order),
        cmocka_unit_test(test_stdio_input_from_a_file),
        cmocka_unit_test(test_stdio_reads_stdin_once_and_to_its_end),
        cmocka_unit_test(test_stdio_waiting_for_stdin_takes_it_when_the_holder_closes),
        cmocka_unit_test(test_stdio_without_input_when_stdin_is_dev_null),
        cmocka_unit_test(test_spec_errors_are_one_phrase),
        cmocka_unit_test(test_fifos_are_refused),
        cmocka_unit_test(test_file_output_error_is_reported_once),
        cmocka_unit_test(test_output_error_at_close_is_reported),
        cmocka_unit_test(test_output_error_without_handler_is_only_said),
        cmocka_unit_test(test_stdio_output_error_on_stdout_is_said_once),
        cmocka_unit_test(test_dev_null_takes_output_without_error),
        cmocka_unit_test(test_tcp_says_where_it_listens),
        cmocka_unit_test(test_tcp_one_client_at_a_time),
        cmocka_unit_test(test_tcp_host_and_port),
        cmocka_unit_test(test_tcp_port_in_use),
        cmocka_unit_test(test_pty_raw_and_both_ways),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
