/* The SPI flash behind QSPI0 on hifive1-revb (through hifive1-test),
 * driven as a vendor driver drives the FE310-G002's QSPI0 (manual,
 * chapter "Serial Peripheral Interface (SPI)") and the ISSI IS25LP128's
 * command set:
 *   - programmed I/O needs the direct-map interface off (fctrl.en = 0),
 *     during which the memory-mapped flash, where this code runs, cannot
 *     be read: each transaction runs from a function copied to the DTIM
 *     with .data, turns fctrl.en off, frames the command with csmode HOLD
 *     (one chip-select assertion for all its bytes), waits for each
 *     received byte, and turns fctrl.en back on before returning;
 *   - the JEDEC ID (0x9f);
 *   - bytes of this firmware's own code read with 0x03 and 0x0b match
 *     what the memory-mapped window shows;
 *   - a 4 KiB sector far above the firmware erased (WREN, 0x20, RDSR
 *     polled until WIP clears), a page programmed across its end (0x02
 *     wraps inside the page), NOR's 1 -> 0 rule, each read back through
 *     SPI and through the window;
 *   - two instructions programmed into another erased sector and called
 *     (decoded, translated), then erased, programmed with a different
 *     immediate and called again after fence.i: the new code runs. */
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include "board.h"

#define QSPI0_BASE 0x10014000u
#define SPI_CSMODE (QSPI0_BASE + 0x18)
#define SPI_FMT (QSPI0_BASE + 0x40)
#define SPI_TXDATA (QSPI0_BASE + 0x48)
#define SPI_RXDATA (QSPI0_BASE + 0x4c)
#define SPI_FCTRL (QSPI0_BASE + 0x60)
#define SPI_TXDATA_FULL (1u << 31)
#define SPI_RXDATA_EMPTY (1u << 31)
#define CSMODE_AUTO 0u
#define CSMODE_HOLD 2u
#define FMT_SINGLE_MSB_RX_8 0x00080000u /* proto 0, endian 0, dir 0, len 8 */

#define FLASH_WINDOW 0x20000000u
#define DATA_SECTOR 0x00f00000u /* 15 MiB in: far above the firmware */
#define CODE_SECTOR 0x00f01000u

#define CMD_PP 0x02
#define CMD_READ 0x03
#define CMD_RDSR 0x05
#define CMD_WREN 0x06
#define CMD_FAST_READ 0x0b
#define CMD_SE 0x20
#define CMD_RDID 0x9f
#define SR_WIP 0x01

/* One transaction, from the DTIM: nothing here may touch flash (no calls,
 * no constants in .rodata) while fctrl.en is clear. */
__attribute__((section(".data.spi_ramfunc"), noinline))
static void spi_transaction(const uint8_t *out, uint8_t *in, unsigned len)
{
    MMIO32(SPI_FCTRL) = 0;
    MMIO32(SPI_FMT) = FMT_SINGLE_MSB_RX_8;
    MMIO32(SPI_CSMODE) = CSMODE_HOLD;
    for (unsigned i = 0; i < len; i++) {
        while (MMIO32(SPI_TXDATA) & SPI_TXDATA_FULL)
            ;
        MMIO32(SPI_TXDATA) = out ? out[i] : 0;
        uint32_t rx;
        do
            rx = MMIO32(SPI_RXDATA);
        while (rx & SPI_RXDATA_EMPTY);
        if (in)
            in[i] = (uint8_t)rx;
    }
    MMIO32(SPI_CSMODE) = CSMODE_AUTO; /* the chip select rises */
    MMIO32(SPI_FCTRL) = 1;
}

static void command(uint8_t op)
{
    uint8_t out[1] = {op};
    spi_transaction(out, NULL, 1);
}

static void command_addr(uint8_t op, uint32_t addr)
{
    uint8_t out[4] = {op, (uint8_t)(addr >> 16), (uint8_t)(addr >> 8), (uint8_t)addr};
    spi_transaction(out, NULL, 4);
}

static uint8_t read_status(void)
{
    uint8_t out[2] = {CMD_RDSR, 0}, in[2];
    spi_transaction(out, in, 2);
    return in[1];
}

static unsigned busy_polls;

/* Polls RDSR until the program or erase in progress ends. */
static void wait_idle(void)
{
    while (read_status() & SR_WIP)
        busy_polls++;
}

#define MAX_DATA 32

static void flash_read(uint8_t op, uint32_t addr, uint8_t *buf, unsigned n)
{
    uint8_t out[5 + MAX_DATA] = {op, (uint8_t)(addr >> 16), (uint8_t)(addr >> 8),
                                 (uint8_t)addr};
    uint8_t in[5 + MAX_DATA];
    unsigned head = op == CMD_FAST_READ ? 5 : 4;
    spi_transaction(out, in, head + n);
    memcpy(buf, in + head, n);
}

static void sector_erase(uint32_t addr)
{
    command(CMD_WREN);
    command_addr(CMD_SE, addr);
    wait_idle();
}

static void page_program(uint32_t addr, const uint8_t *data, unsigned n)
{
    uint8_t out[4 + MAX_DATA] = {CMD_PP, (uint8_t)(addr >> 16), (uint8_t)(addr >> 8),
                                 (uint8_t)addr};
    memcpy(out + 4, data, n);
    command(CMD_WREN);
    spi_transaction(out, NULL, 4 + n);
    wait_idle();
}

static const char *yes(int ok) { return ok ? "yes" : "no"; }

static int all(const uint8_t *p, uint8_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        if (p[i] != v)
            return 0;
    return 1;
}

static const volatile uint8_t *window(uint32_t addr)
{
    return (const volatile uint8_t *)(uintptr_t)(FLASH_WINDOW + addr);
}

static void window_copy(uint8_t *buf, uint32_t addr, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        buf[i] = window(addr)[i];
}

static int check_own_code(void)
{
    uint32_t at = (uint32_t)(uintptr_t)&check_own_code - FLASH_WINDOW;
    uint8_t spi[16], fast[16], mapped[16];
    flash_read(CMD_READ, at, spi, 16);
    flash_read(CMD_FAST_READ, at, fast, 16);
    window_copy(mapped, at, 16);
    return memcmp(spi, mapped, 16) == 0 && memcmp(fast, mapped, 16) == 0 &&
           !all(mapped, 0xff, 16);
}

static void check_program(void)
{
    busy_polls = 0;
    sector_erase(DATA_SECTOR);
    uint8_t buf[32];
    flash_read(CMD_READ, DATA_SECTOR, buf, 32);
    printf("sector erased: spi %s, window %s, WIP seen while busy: %s\n",
           yes(all(buf, 0xff, 32)), yes(*window(DATA_SECTOR + 0xfff) == 0xff),
           yes(busy_polls > 0));

    /* 16 bytes from 8 before the page end: 8 there, 8 wrapped to its start */
    uint8_t data[16];
    for (unsigned i = 0; i < 16; i++)
        data[i] = (uint8_t)(0xa0 + i);
    page_program(DATA_SECTOR + 0xf8, data, 16);
    uint8_t tail[8], head[8], next[1];
    flash_read(CMD_READ, DATA_SECTOR + 0xf8, tail, 8);
    flash_read(CMD_READ, DATA_SECTOR, head, 8);
    flash_read(CMD_READ, DATA_SECTOR + 0x100, next, 1);
    int spi_ok = memcmp(tail, data, 8) == 0 && memcmp(head, data + 8, 8) == 0 &&
                 next[0] == 0xff;
    uint8_t mapped[8];
    window_copy(mapped, DATA_SECTOR, 8);
    int window_ok = memcmp(mapped, data + 8, 8) == 0 &&
                    *window(DATA_SECTOR + 0xff) == data[7];
    printf("page program wrapped at the page end: spi %s, window %s\n",
           yes(spi_ok), yes(window_ok));

    uint8_t over[1] = {0x0f}; /* 0xa8 & 0x0f */
    page_program(DATA_SECTOR, over, 1);
    printf("programming only clears bits: 0x%02x\n", *window(DATA_SECTOR));
}

typedef int (*Fn)(void);

static int call_flash_code(void)
{
    __asm__ volatile("fence.i" ::: "memory");
    Fn fn = (Fn)(uintptr_t)(FLASH_WINDOW + CODE_SECTOR);
    int r = 0;
    for (int i = 0; i < 4; i++) /* decoded, and translated with --jit */
        r += fn();
    return r;
}

static void program_code(uint32_t li_a0)
{
    uint32_t words[2] = {li_a0, 0x00008067}; /* li a0, N; ret */
    sector_erase(CODE_SECTOR);
    page_program(CODE_SECTOR, (const uint8_t *)words, sizeof words);
}

int main(void)
{
    uint8_t out[4] = {CMD_RDID, 0, 0, 0}, id[4];
    spi_transaction(out, id, 4);
    printf("jedec id: 0x%02x%02x%02x\n", id[1], id[2], id[3]);
    printf("own code through SPI (0x03, 0x0b) matches the window: %s\n",
           yes(check_own_code()));
    check_program();

    program_code(0x00100513); /* li a0, 1 */
    int first = call_flash_code();
    program_code(0x00200513); /* li a0, 2 */
    int second = call_flash_code();
    printf("code programmed into flash: %d, reprogrammed: %d\n", first, second);
    return first == 4 && second == 8 ? 0 : 1;
}
