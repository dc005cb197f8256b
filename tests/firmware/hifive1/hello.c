/* Hello on the HiFive1 Rev B: printf through UART0, code running from
 * flash, initialised data copied from flash to the DTIM by crt0, zeroed
 * .bss, malloc from the heap in the DTIM. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "board.h"

static int answer = 42;
static char greeting[] = "board hifive1-revb";
static unsigned zeroed[8];

int main(void)
{
    printf("Hello from a RISC-V firmware running on mcusim (%s)!\n", greeting);
    uintptr_t pc = (uintptr_t)&main;
    printf("running from flash: %s\n",
           pc >= 0x20010000u && pc < 0x21000000u ? "yes" : "no");
    printf("data copied to the DTIM: %s\n",
           answer == 42 && (uintptr_t)&answer >= 0x80000000u ? "yes" : "no");
    unsigned sum = 0;
    for (int i = 0; i < 8; i++)
        sum |= zeroed[i];
    printf("bss zeroed: %s\n", sum == 0 ? "yes" : "no");
    char *p = malloc(64);
    if (!p)
        return 1;
    strcpy(p, "malloc works");
    printf("%s; %d + %d = %d, 0x%08x\n", p, 40, 2, 40 + 2, 0xc0ffee);
    free(p);
    return 0;
}
