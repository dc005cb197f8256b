/* The board's flash as shipped: its first 64 KiB hold SiFive's boot
 * loader on a real HiFive1 Rev B, below where firmware is linked
 * (0x20010000). `--set flash.image=FILE` gives the flash memory those
 * contents and the ELF is loaded over them, so the firmware reads the
 * image's bytes at 0x20000000. After them the memory holds what a board
 * memory starts with, zeros (not erased NOR flash's 0xff: mcusim leaves
 * untouched memory unallocated). */
#include <stdio.h>
#include <stdint.h>
#include "board.h"

#define FLASH_BASE 0x20000000u

int main(void)
{
    const volatile uint8_t *flash = (const volatile uint8_t *)(uintptr_t)FLASH_BASE;
    char text[17];
    for (int i = 0; i < 16; i++)
        text[i] = (char)flash[i];
    text[16] = '\0';
    printf("flash at 0x20000000: %s", text);
    printf("after the image: 0x%02x 0x%02x\n", flash[16], flash[0xffff]);
    return 0;
}
