/* Host files through newlib (open/read/write/lseek/fstat/close/unlink)
 * under --semihosting-root, and the paths that must be refused. Exit
 * status 1 when the first open fails (no root given). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void try_open(const char *path)
{
    errno = 0;
    int fd = open(path, O_RDONLY);
    printf("open %s: %s (errno %d)\n", path, fd >= 0 ? "opened" : "refused", errno);
    if (fd >= 0)
        close(fd);
}

int main(void)
{
    FILE *f = fopen("data.txt", "w");
    if (!f) {
        printf("fopen data.txt: errno %d\n", errno);
        return 1;
    }
    fprintf(f, "line 1\nline 2\n");
    fclose(f);
    char buf[64] = "";
    f = fopen("data.txt", "r");
    while (f && fgets(buf, sizeof buf, f))
        printf("read: %s", buf);
    fclose(f);
    int fd = open("data.txt", O_RDWR | O_APPEND);
    write(fd, "line 3\n", 7);
    struct stat st;
    fstat(fd, &st);
    printf("size %ld, regular %d, end at %ld\n", (long)st.st_size, S_ISREG(st.st_mode),
           (long)lseek(fd, 0, SEEK_END));
    lseek(fd, 7, SEEK_SET);
    memset(buf, 0, sizeof buf);
    printf("read %d: %s", (int)read(fd, buf, 7), buf);
    printf("lseek -1: %ld errno %d\n", (long)lseek(fd, -1, SEEK_SET), errno);
    close(fd);
    printf("write to closed fd: %d errno %d\n", (int)write(fd, "x", 1), errno);
    fd = open("new.txt", O_WRONLY | O_CREAT | O_EXCL, 0644);
    printf("create new.txt: %s\n", fd >= 0 ? "ok" : "failed");
    close(fd);
    errno = 0;
    printf("create it again (O_EXCL): %d errno %d\n",
           open("new.txt", O_WRONLY | O_CREAT | O_EXCL, 0644), errno);
    printf("unlink new.txt: %d\n", unlink("new.txt"));
    try_open("new.txt");
    try_open("sub/inner.txt");
    try_open("./sub/../data.txt");
    try_open("../outside.txt");
    try_open("/etc/passwd");
    try_open("link-to-outside/secret.txt");
    try_open("passwd-link");
    try_open("sub");
    return 0;
}
