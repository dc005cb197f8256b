/* Host files confined to a root folder (sim/host/host_files.h), newlib's errno
 * and open flag numbers, and the --host list (sim/host.h). Each test lays
 * out a fresh folder: ROOT/{a.txt, sub/b.txt, dirlink -> ../out,
 * filelink -> ../out/secret.txt, fifo} and OUT/secret.txt beside it. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "sim/host/host.h"
#include "sim/host/host_files.h"

typedef struct Tree {
    char top[64];
    char path[128];
    int root_fd;
} Tree;

static const char *at(Tree *t, const char *rel)
{
    snprintf(t->path, sizeof t->path, "%s/%s", t->top, rel);
    return t->path;
}

static void put(Tree *t, const char *rel, const char *text)
{
    FILE *f = fopen(at(t, rel), "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int setup(void **state)
{
    Tree *t = calloc(1, sizeof *t);
    strcpy(t->top, "/tmp/mcusim-host-files-XXXXXX");
    assert_non_null(mkdtemp(t->top));
    assert_int_equal(mkdir(at(t, "root"), 0755), 0);
    assert_int_equal(mkdir(at(t, "root/sub"), 0755), 0);
    assert_int_equal(mkdir(at(t, "out"), 0755), 0);
    put(t, "root/a.txt", "alpha");
    put(t, "root/sub/b.txt", "beta");
    put(t, "out/secret.txt", "secret");
    assert_int_equal(symlink("../out", at(t, "root/dirlink")), 0);
    assert_int_equal(symlink("../out/secret.txt", at(t, "root/filelink")), 0);
    assert_int_equal(mkfifo(at(t, "root/fifo"), 0600), 0);
    t->root_fd = open(at(t, "root"), O_RDONLY | O_DIRECTORY);
    assert_true(t->root_fd >= 0);
    *state = t;
    return 0;
}

static int teardown(void **state)
{
    Tree *t = *state;
    close(t->root_fd);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", t->top);
    assert_int_equal(system(cmd), 0);
    free(t);
    return 0;
}

static char *read_fd(int fd)
{
    static char buf[64];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    assert_true(n >= 0);
    buf[n] = '\0';
    return buf;
}

static void test_files_inside_the_root_open(void **state)
{
    Tree *t = *state;
    int fd = host_files_open(t->root_fd, "a.txt", O_RDONLY, 0);
    assert_true(fd >= 0);
    assert_string_equal(read_fd(fd), "alpha");
    assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
    assert_false(fcntl(fd, F_GETFL) & O_NONBLOCK);
    close(fd);
    fd = host_files_open(t->root_fd, "./sub//b.txt", O_RDONLY, 0);
    assert_true(fd >= 0);
    assert_string_equal(read_fd(fd), "beta");
    close(fd);
    /* created where asked, with the mode given (less the umask) */
    fd = host_files_open(t->root_fd, "sub/new.txt", O_WRONLY | O_CREAT | O_EXCL, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "new", 3), 3);
    close(fd);
    struct stat st;
    assert_int_equal(stat(at(t, "root/sub/new.txt"), &st), 0);
    assert_int_equal(st.st_size, 3);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(host_files_open(t->root_fd, "sub/new.txt", O_WRONLY | O_CREAT | O_EXCL, 0600),
                     -EEXIST);
    assert_int_equal(host_files_open(t->root_fd, "nothere.txt", O_RDONLY, 0), -ENOENT);
}

static void test_paths_leaving_the_root_are_refused(void **state)
{
    Tree *t = *state;
    assert_int_equal(host_files_open(t->root_fd, "../out/secret.txt", O_RDONLY, 0), -EACCES);
    assert_int_equal(host_files_open(t->root_fd, "sub/../a.txt", O_RDONLY, 0), -EACCES);
    assert_int_equal(host_files_open(t->root_fd, "..", O_RDONLY, 0), -EACCES);
    assert_int_equal(host_files_open(t->root_fd, "/etc/passwd", O_RDONLY, 0), -EACCES);
    assert_int_equal(host_files_open(t->root_fd, at(t, "root/a.txt"), O_RDONLY, 0), -EACCES);
    /* links, wherever they point, inside a path or at its end */
    assert_int_equal(host_files_open(t->root_fd, "dirlink/secret.txt", O_RDONLY, 0), -ELOOP);
    assert_int_equal(host_files_open(t->root_fd, "filelink", O_RDONLY, 0), -ELOOP);
    assert_int_equal(host_files_open(t->root_fd, "filelink", O_WRONLY | O_CREAT | O_TRUNC, 0644),
                     -ELOOP);
    FILE *f = fopen(at(t, "out/secret.txt"), "r");
    char buf[16] = "";
    assert_non_null(fgets(buf, sizeof buf, f));
    fclose(f);
    assert_string_equal(buf, "secret"); /* not truncated through the link */
    /* not files: the root itself, folders, a FIFO (without blocking) */
    assert_int_equal(host_files_open(t->root_fd, "", O_RDONLY, 0), -ENOENT);
    assert_int_equal(host_files_open(t->root_fd, ".", O_RDONLY, 0), -EISDIR);
    assert_int_equal(host_files_open(t->root_fd, "sub", O_RDONLY, 0), -EISDIR);
    assert_int_equal(host_files_open(t->root_fd, "sub/", O_RDONLY, 0), -EISDIR);
    assert_int_equal(host_files_open(t->root_fd, "fifo", O_RDONLY, 0), -EACCES);
    assert_int_equal(host_files_open(t->root_fd, "a.txt/x", O_RDONLY, 0), -ENOTDIR);
    char *long_path = malloc(5000);
    memset(long_path, 'a', 4999);
    long_path[4999] = '\0';
    assert_int_equal(host_files_open(t->root_fd, long_path, O_RDONLY, 0), -ENAMETOOLONG);
    free(long_path);
}

static void test_unlink_stays_inside(void **state)
{
    Tree *t = *state;
    assert_int_equal(host_files_unlink(t->root_fd, "../out/secret.txt"), -EACCES);
    assert_int_equal(host_files_unlink(t->root_fd, "dirlink/secret.txt"), -ELOOP);
    assert_int_equal(host_files_unlink(t->root_fd, "sub"), -EISDIR);
    assert_int_equal(host_files_unlink(t->root_fd, "fifo"), -EACCES);
    assert_int_equal(host_files_unlink(t->root_fd, "nothere"), -ENOENT);
    /* a link goes, not what it points at */
    assert_int_equal(host_files_unlink(t->root_fd, "filelink"), 0);
    assert_int_equal(access(at(t, "out/secret.txt"), F_OK), 0);
    assert_int_equal(host_files_unlink(t->root_fd, "sub/b.txt"), 0);
    assert_int_equal(access(at(t, "root/sub/b.txt"), F_OK), -1);
}

static void test_newlib_numbers(void **state)
{
    (void)state;
    assert_int_equal(host_errno_to_newlib(ENOENT), 2);
    assert_int_equal(host_errno_to_newlib(EACCES), 13);
    assert_int_equal(host_errno_to_newlib(ERANGE), 34);
    assert_int_equal(host_errno_to_newlib(ENOSYS), 88);
    assert_int_equal(host_errno_to_newlib(ENOTEMPTY), 90);
    assert_int_equal(host_errno_to_newlib(ENAMETOOLONG), 91);
    assert_int_equal(host_errno_to_newlib(ELOOP), 92);
    assert_int_equal(host_errno_to_newlib(EOVERFLOW), 139);
    assert_int_equal(host_errno_to_newlib(ECONNRESET), 5); /* EIO */
    assert_int_equal(host_flags_from_newlib(0), O_RDONLY);
    assert_int_equal(host_flags_from_newlib(1), O_WRONLY);
    assert_int_equal(host_flags_from_newlib(2), O_RDWR);
    assert_int_equal(host_flags_from_newlib(3), -1);
    /* newlib: O_APPEND 0x8, O_CREAT 0x200, O_TRUNC 0x400, O_EXCL 0x800 */
    assert_int_equal(host_flags_from_newlib(0x1 | 0x200 | 0x400), O_WRONLY | O_CREAT | O_TRUNC);
    assert_int_equal(host_flags_from_newlib(0x2 | 0x8 | 0x800), O_RDWR | O_APPEND | O_EXCL);
    assert_int_equal(host_flags_from_newlib(0x10000 | 0x40000), O_RDONLY); /* binary, cloexec */
}

static void test_host_service_lists(void **state)
{
    (void)state;
    unsigned s = 99;
    Error *err = NULL;
    assert_true(host_parse_services("none", &s, &err));
    assert_int_equal(s, 0);
    assert_true(host_parse_services("newlib", &s, &err));
    assert_int_equal(s, HOST_NEWLIB);
    assert_true(host_parse_services("htif,semihosting,newlib", &s, &err));
    assert_int_equal(s, HOST_NEWLIB | HOST_SEMIHOSTING | HOST_HTIF);
    static const char *const bad[] = {"", "newlib,", ",htif", "pk", "newlib,,htif",
                                      "none,newlib", "a-very-long-name-that-is-no-service"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_false(host_parse_services(bad[i], &s, &err));
        assert_non_null(strstr(error_message(err), "--host: unknown service"));
        error_free(err);
        err = NULL;
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_files_inside_the_root_open, setup, teardown),
        cmocka_unit_test_setup_teardown(test_paths_leaving_the_root_are_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unlink_stays_inside, setup, teardown),
        cmocka_unit_test(test_newlib_numbers),
        cmocka_unit_test(test_host_service_lists),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
