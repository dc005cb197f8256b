/* picolibc with its semihosting startup and library (--oslib=semihost):
 * argv from SYS_GET_CMDLINE, files under --semihosting-root (write, read
 * back, length, seek, remove), the paths that must be refused, and the
 * exit status through SYS_EXIT_EXTENDED: 2 when the first open fails
 * (no root given), 0 otherwise. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

static void try_open(const char *path)
{
    errno = 0;
    FILE *f = fopen(path, "r");
    printf("open %s: %s (errno %d)\n", path, f ? "opened" : "refused", errno);
    if (f)
        fclose(f);
}

int main(int argc, char **argv)
{
    /* picolibc 1.8's crt0 puts "program-name" in argv[0] and the whole
     * command line (ELF path first, as the spec has it) after it. */
    printf("argc %d\n", argc);
    for (int i = 0; i < argc; i++) {
        const char *slash = strrchr(argv[i], '/');
        printf("argv[%d] '%s'\n", i, slash ? slash + 1 : argv[i]);
    }
    FILE *f = fopen("semi.txt", "w");
    if (!f) {
        printf("fopen semi.txt: errno %d\n", errno);
        return 2;
    }
    fputs("0123456789abcdef\n", f);
    fclose(f);
    char buf[32] = "";
    f = fopen("semi.txt", "r");
    if (!f || !fgets(buf, sizeof buf, f)) {
        printf("read back failed\n");
        return 3;
    }
    printf("read back: %s", buf);
    fseek(f, 0, SEEK_END);
    printf("length %ld\n", ftell(f));
    fseek(f, 10, SEEK_SET);
    memset(buf, 0, sizeof buf);
    printf("at 10: %d bytes '%s'\n", (int)fread(buf, 1, 6, f), buf);
    fclose(f);
    printf("remove: %d\n", remove("semi.txt"));
    try_open("semi.txt");
    try_open("sub/inner.txt");
    try_open("../outside.txt");
    try_open("/etc/passwd");
    try_open("link-to-outside/secret.txt");
    try_open("passwd-link");
    return 0;
}
