/* An unmodified newlib program (libgloss crt0, default specs, linked at
 * 0x10000): prints through write(1) and returns 0 from main. */
#include <stdio.h>

int main(void)
{
    printf("hello from newlib\n");
    fprintf(stderr, "to stderr\n");
    return 0;
}
