/* newlib's system calls for our firmware on the HiFive1 Rev B: stdout and
 * stderr go to UART0 (sifive,uart0 at 115200 baud from the 16 MHz clock),
 * exit goes to the test board's exit device (or, on a board without one,
 * see board_exit), the heap lies between the end of .bss and the stack. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "board.h"

#define BAUD 115200u

static bool uart_ready; /* in .bss: set up again after every reset */

static void uart_init(void)
{
    MMIO32(UART0_BASE + UART_DIV) = CPU_HZ / BAUD - 1;
    /* txcnt 1: txwm means "the FIFO is empty" */
    MMIO32(UART0_BASE + UART_TXCTRL) = UART_TXEN | UART_TXCNT(1);
    uart_ready = true;
}

void uart_putc(char c)
{
    if (!uart_ready)
        uart_init();
    while (MMIO32(UART0_BASE + UART_TXDATA) & UART_TXDATA_FULL)
        ;
    MMIO32(UART0_BASE + UART_TXDATA) = (uint8_t)c;
}

#define MCAUSE_STORE_ACCESS_FAULT 7u

/* In .bss: a watchdog reset boots with both cleared. */
static volatile bool exiting;
static volatile int exit_status;

/* Where an exit ends without an exit device, as on the real board: status
 * 0 puts the FE310 into deep sleep with no wake-up source (pmuie is 0 from
 * reset), which is the chip switched off (mcusim ends the run with status
 * 0 and says so); any other status, or a sleep refused, stops the hart
 * with nothing to wake it and the status in a0 (mcusim: a fault, 126). */
static void __attribute__((noreturn)) board_power_off(void)
{
    if (exit_status == 0) {
        MMIO32(AON_PMUKEY) = AON_KEY;
        MMIO32(AON_PMUSLEEP) = 0;
    }
    __asm__ volatile("csrw mie, zero\n\tcsrci mstatus, 8");
    register int a0 __asm__("a0") = exit_status;
    for (;;)
        __asm__ volatile("wfi" :: "r"(a0));
}

extern char trap_entry[]; /* lib/crt0.S */

void board_exit(int status)
{
    if (!exiting) {
        exiting = true;
        exit_status = status;
        /* No more interrupts, and our trap handler back in place for a
         * fault of the exit store, whatever the test installed. */
        __asm__ volatile("csrci mstatus, 8\n\tcsrw mtvec, %0" :: "r"(trap_entry));
        fflush(stdout);
        while (uart_ready &&
               !(MMIO32(UART0_BASE + UART_IP) & UART_IP_TXWM))
            ;
        uint32_t code = status == 0
                            ? TEST_PASS
                            : ((uint32_t)(status & 0xffff) << 16) | TEST_FAIL;
        /* On a board without the device this store faults, and the trap
         * handler goes on to board_power_off. */
        MMIO32(TEST_BASE) = code;
    }
    board_power_off();
}

void firmware_trap(uint32_t mcause, uint32_t mepc, uint32_t mtval);
void firmware_trap(uint32_t mcause, uint32_t mepc, uint32_t mtval)
{
    if (exiting && mcause == MCAUSE_STORE_ACCESS_FAULT && mtval == TEST_BASE)
        board_power_off(); /* no exit device here */
    fflush(stdout);
    printf("\nunexpected trap: mcause %lu mepc 0x%08lx mtval 0x%08lx\n",
           (unsigned long)mcause, (unsigned long)mepc, (unsigned long)mtval);
    board_exit(200);
}

void _exit(int status)
{
    board_exit(status);
}

int _write(int fd, const void *buf, size_t len)
{
    if (fd != 1 && fd != 2) {
        errno = EBADF;
        return -1;
    }
    const char *p = buf;
    for (size_t i = 0; i < len; i++)
        uart_putc(p[i]);
    return (int)len;
}

int _read(int fd, void *buf, size_t len)
{
    (void)fd;
    (void)buf;
    (void)len;
    return 0;
}

extern char __heap_start[], __heap_end[];

void *_sbrk(ptrdiff_t increment)
{
    static char *brk;
    if (!brk)
        brk = __heap_start;
    if (increment > __heap_end - brk || increment < __heap_start - brk) {
        errno = ENOMEM;
        return (void *)-1;
    }
    char *old = brk;
    brk += increment;
    return old;
}

int _close(int fd) { (void)fd; errno = EBADF; return -1; }
int _isatty(int fd) { return fd <= 2; }
off_t _lseek(int fd, off_t offset, int whence) { (void)fd; (void)offset; (void)whence; return 0; }
int _kill(int pid, int sig) { (void)pid; (void)sig; errno = EINVAL; return -1; }
int _getpid(void) { return 1; }

int _fstat(int fd, struct stat *st)
{
    (void)fd;
    st->st_mode = S_IFCHR;
    return 0;
}
