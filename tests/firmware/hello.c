/* The demo: a newlib firmware printing through the UART of virt32. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
    printf("Hello from a RISC-V firmware running on mcusim (board virt32)!\n");
    char *greeting = malloc(32);
    strcpy(greeting, "newlib malloc works");
    printf("%s; %d + %d = %d, 0x%08x\n", greeting, 40, 2, 40 + 2, 0xc0ffeeu);
    free(greeting);
    return 0;
}
