/* argc/argv as the simulator places them on the stack (`-- ARGS`); main's
 * return value (argc) is the exit status. */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    const char *slash = strrchr(argv[0], '/');
    printf("argc %d\n", argc);
    printf("argv[0] %s\n", slash ? slash + 1 : argv[0]);
    for (int i = 1; i < argc; i++)
        printf("argv[%d] '%s'\n", i, argv[i]);
    printf("argv[argc] %s\n", argv[argc] ? "set" : "NULL");
    return argc;
}
