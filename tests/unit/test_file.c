/* Opening inputs and outputs (soc/file.h): inputs are regular files only,
 * outputs regular files, character devices or our own stdout/stderr, and
 * nothing ever blocks in open() on a FIFO (each FIFO case would hang the
 * test if it did). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "soc/file.h"

typedef struct Dir {
    char path[64];
    char name[128]; /* a scratch path inside */
} Dir;

static int setup(void **state)
{
    Dir *d = calloc(1, sizeof *d);
    strcpy(d->path, "/tmp/test_file_XXXXXX");
    assert_non_null(mkdtemp(d->path));
    *state = d;
    return 0;
}

static int teardown(void **state)
{
    Dir *d = *state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", d->path);
    assert_int_equal(system(cmd), 0);
    free(d);
    return 0;
}

static const char *in_dir(Dir *d, const char *name)
{
    snprintf(d->name, sizeof d->name, "%s/%s", d->path, name);
    return d->name;
}

static void assert_error(Error *err, const char *path, const char *rest)
{
    char expected[256];
    snprintf(expected, sizeof expected, "%s: %s", path, rest);
    assert_non_null(err);
    assert_string_equal(error_message(err), expected);
    error_free(err);
}

static bool is_blocking(int fd)
{
    return (fcntl(fd, F_GETFL) & O_NONBLOCK) == 0;
}

static void test_input_reads_a_regular_file(void **state)
{
    Dir *d = *state;
    const char *path = in_dir(d, "in.txt");
    FILE *f = fopen(path, "w");
    fputs("two\nlines\n", f);
    fclose(f);
    int fd = file_open_input(path, NULL);
    assert_true(fd >= 0);
    assert_true(is_blocking(fd));
    assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
    close(fd);
    size_t len = 0;
    char *text = file_read_all(path, &len, NULL);
    assert_int_equal(len, 10);
    assert_string_equal(text, "two\nlines\n");
    free(text);
}

static void test_input_refuses_anything_else(void **state)
{
    Dir *d = *state;
    Error *err = NULL;
    const char *fifo = in_dir(d, "fifo");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    assert_int_equal(file_open_input(fifo, &err), -1);
    assert_error(err, fifo, "not a regular file (a fifo)");
    err = NULL;
    size_t len;
    assert_null(file_read_all(fifo, &len, &err));
    assert_error(err, fifo, "not a regular file (a fifo)");
    err = NULL;
    assert_null(file_fopen_input(d->path, &err));
    assert_error(err, d->path, "not a regular file (a directory)");
    err = NULL;
    assert_int_equal(file_open_input("/dev/null", &err), -1);
    assert_error(err, "/dev/null", "not a regular file (a character device)");
    err = NULL;
    assert_int_equal(file_open_input(in_dir(d, "missing"), &err), -1);
    assert_error(err, d->name, "cannot open: No such file or directory");
}

static void test_output_creates_and_truncates_regular_files(void **state)
{
    Dir *d = *state;
    const char *path = in_dir(d, "out.txt");
    FILE *f = file_fopen_output(path, NULL);
    assert_non_null(f);
    fputs("a long first version", f);
    fclose(f);
    f = file_fopen_output(path, NULL);
    fputs("short", f);
    fclose(f);
    size_t len;
    char *text = file_read_all(path, &len, NULL);
    assert_string_equal(text, "short");
    free(text);
}

static void test_output_takes_character_devices(void **state)
{
    (void)state;
    int fd = file_open_output("/dev/null", NULL);
    assert_true(fd >= 0);
    assert_true(is_blocking(fd));
    close(fd);
    fd = file_open_output("/dev/full", NULL);
    assert_true(fd >= 0);
    close(fd);
}

/* /dev/stdout names our own stdout, whatever it is (a pipe under a
 * shell): taken, while a FIFO that is not ours is refused. */
static void test_output_takes_our_own_stdout_even_a_pipe(void **state)
{
    (void)state;
    int pipefd[2];
    assert_int_equal(pipe(pipefd), 0);
    int saved = dup(STDOUT_FILENO);
    assert_int_equal(dup2(pipefd[1], STDOUT_FILENO), STDOUT_FILENO);
    int fd = file_open_output("/dev/stdout", NULL);
    assert_int_equal(dup2(saved, STDOUT_FILENO), STDOUT_FILENO);
    close(saved);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "x", 1), 1);
    char c = 0;
    assert_int_equal(read(pipefd[0], &c, 1), 1);
    assert_int_equal(c, 'x');
    close(fd);
    close(pipefd[0]);
    close(pipefd[1]);
}

/* /dev/stdout naming a regular file (`mcusim ... > out.txt`) is that very
 * file, already written: a trace sent there goes on from where stdout is
 * (sharing its offset and O_APPEND), and nothing is truncated, so a run's
 * output does not depend on tracing it. */
static void output_onto_a_redirected_stdout(Dir *d, int flags)
{
    const char *path = in_dir(d, "stdout.txt");
    int file = open(path, O_WRONLY | O_CREAT | O_TRUNC | flags, 0600);
    assert_true(file >= 0);
    assert_int_equal(write(file, "old ", 4), 4);
    fflush(stdout);
    int saved = dup(STDOUT_FILENO);
    assert_int_equal(dup2(file, STDOUT_FILENO), STDOUT_FILENO);
    close(file);
    int fd = file_open_output("/dev/stdout", NULL);
    bool cloexec = fd >= 0 && (fcntl(fd, F_GETFD) & FD_CLOEXEC);
    bool wrote = fd >= 0 && write(fd, "trace ", 6) == 6;
    bool stdout_wrote = write(STDOUT_FILENO, "uart", 4) == 4;
    assert_int_equal(dup2(saved, STDOUT_FILENO), STDOUT_FILENO);
    close(saved);
    if (fd >= 0)
        close(fd);
    assert_true(cloexec);
    assert_true(wrote);
    assert_true(stdout_wrote);
    size_t len;
    char *text = file_read_all(path, &len, NULL);
    assert_string_equal(text, "old trace uart");
    free(text);
}

static void test_output_onto_our_own_stdout_keeps_what_it_holds(void **state)
{
    output_onto_a_redirected_stdout(*state, 0);        /* > out.txt */
    output_onto_a_redirected_stdout(*state, O_APPEND); /* >> out.txt */
}

static void test_output_refuses_fifos_sockets_and_directories(void **state)
{
    Dir *d = *state;
    Error *err = NULL;
    const char *kinds = "not a regular file or character device";
    char expected[128];
    /* a FIFO nobody reads (the open would block), then one somebody does */
    const char *fifo = in_dir(d, "fifo");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    snprintf(expected, sizeof expected, "%s (a fifo)", kinds);
    assert_int_equal(file_open_output(fifo, &err), -1);
    assert_error(err, fifo, expected);
    err = NULL;
    int reader = open(fifo, O_RDONLY | O_NONBLOCK);
    assert_true(reader >= 0);
    assert_int_equal(file_open_output(fifo, &err), -1);
    assert_error(err, fifo, expected);
    err = NULL;
    close(reader);
    /* a socket */
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    snprintf(addr.sun_path, sizeof addr.sun_path, "%s/sock", d->path);
    assert_int_equal(bind(s, (struct sockaddr *)&addr, sizeof addr), 0);
    snprintf(expected, sizeof expected, "%s (a socket)", kinds);
    assert_null(file_fopen_output(addr.sun_path, &err));
    assert_error(err, addr.sun_path, expected);
    err = NULL;
    close(s);
    /* a directory */
    snprintf(expected, sizeof expected, "%s (a directory)", kinds);
    assert_int_equal(file_open_output(d->path, &err), -1);
    assert_error(err, d->path, expected);
    err = NULL;
    /* and a folder that is not there */
    assert_int_equal(file_open_output("/nonexistent/dir/t.txt", &err), -1);
    assert_error(err, "/nonexistent/dir/t.txt",
                 "cannot create: No such file or directory");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_input_reads_a_regular_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_input_refuses_anything_else, setup, teardown),
        cmocka_unit_test_setup_teardown(test_output_creates_and_truncates_regular_files,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_output_takes_character_devices, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_output_takes_our_own_stdout_even_a_pipe,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_output_onto_our_own_stdout_keeps_what_it_holds,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_output_refuses_fifos_sockets_and_directories,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
