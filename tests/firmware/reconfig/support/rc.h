/* What the runtime-reconfiguration firmware shares (see ../README.md):
 * the addresses of the test boards (boards/reconfig.yaml), accesses that
 * survive a device that is not there (an access fault is caught, counted
 * and skipped), a console on UART0 that follows its model when the
 * monitor swaps it, a small printf and the exit.
 *
 * Built twice, once per board: -DRC_VIRT32 with tests/firmware/lib
 * (firmware in RAM at 0x80000000) or -DRC_HIFIVE1 with
 * tests/firmware/hifive1/lib (firmware in flash at 0x20010000). */
#ifndef RC_H
#define RC_H

#include <stdbool.h>
#include <stdint.h>

#include "board.h" /* the board library's: board_exit */

#if defined(RC_VIRT32)
#define RC_BOARD "virt32"
#define RC_CPU_HZ 10000000u
#define RC_MTIME_HZ 10000000u
#define RC_UART0 0x10000000u
#define RC_UART1 0x10001000u
#define RC_UART1_MOVED 0x10002000u /* where boards/reconfig.yaml's *-moved has it */
#define RC_UART0_SOURCE 10u
#define RC_UART1_SOURCE 11u
#define RC_GPIO0_SOURCE0 20u       /* pin i on PLIC source 20 + i */
#define RC_FLASH 0x20000000u
#define RC_RAM 0x80000000u         /* the remap window's second target */
#define RC_WINDOW_SIZE 0x100000u
#elif defined(RC_HIFIVE1)
#define RC_BOARD "hifive1"
#define RC_CPU_HZ 16000000u
#define RC_MTIME_HZ 32768u
#define RC_UART0 0x10013000u
#define RC_UART1 0x10023000u
#define RC_UART1_MOVED 0x10033000u
#define RC_UART0_SOURCE 3u
#define RC_UART1_SOURCE 4u
#define RC_GPIO0_SOURCE0 8u
#define RC_FLASH 0x20000000u
#define RC_RAM 0x80000000u         /* the DTIM */
#define RC_WINDOW_SIZE 0x4000u     /* the DTIM's size */
#else
#error "build with -DRC_VIRT32 or -DRC_HIFIVE1"
#endif

/* The same on both test boards. */
#define RC_CLINT 0x02000000u
#define RC_CLINT_MTIMECMP (RC_CLINT + 0x4000u)
#define RC_CLINT_MTIME (RC_CLINT + 0xbff8u)
#define RC_PLIC 0x0c000000u
#define RC_PLIC_PRIORITY(src) (RC_PLIC + 4u * (src))
#define RC_PLIC_PENDING(src) (RC_PLIC + 0x1000u + 4u * ((src) / 32u))
#define RC_PLIC_ENABLE(src) (RC_PLIC + 0x2000u + 4u * ((src) / 32u))
#define RC_PLIC_THRESHOLD (RC_PLIC + 0x200000u)
#define RC_PLIC_CLAIM (RC_PLIC + 0x200004u)
#define RC_GPIO0 0x10012000u
#define RC_GPIO0_MOVED 0x10040000u /* where the soak may move it */
#define RC_CLINT_MOVED 0x02100000u /* where the soak may move it */
#define RC_REMAP_MOVED 0x10052000u /* where the soak may move it */
#define RC_GPIO_INPUT_VAL 0x00u
#define RC_GPIO_INPUT_EN 0x04u
#define RC_GPIO_OUTPUT_EN 0x08u
#define RC_POWER 0x10050000u       /* mcusim,power-controller */
#define RC_POWER_POWER 0x0u
#define RC_POWER_STATUS 0x4u
#define RC_POWER_ERROR 0x8u
#define RC_REMAP 0x10051000u       /* mcusim,remap-controller */
#define RC_REMAP_SELECT 0x0u
#define RC_REMAP_COUNT 0x4u
#define RC_WINDOW 0x40000000u      /* its window: flash (0) or RAM (1) */
/* The first word of boards/flash-image.bin: "FLAS" */
#define RC_FLASH_WORD 0x53414c46u

#define RC_MCAUSE_ILLEGAL 2u
#define RC_MCAUSE_LOAD_FAULT 5u
#define RC_MCAUSE_STORE_FAULT 7u
#define RC_MIP_MTIP (1u << 7)
#define RC_MIP_MEIP (1u << 11)

#define RC_REG8(addr) (*(volatile uint8_t *)(uintptr_t)(addr))
#define RC_REG32(addr) (*(volatile uint32_t *)(uintptr_t)(addr))

/* ---- traps ----
 * rc_init installs rc_trap_entry (support/rc_trap.S). While one of the
 * rc_try_* accesses runs, a load or store access fault (or, for
 * rc_try_rdtime, an illegal instruction) is caught: the instruction is
 * skipped and the access reports false. Interrupts go to rc_irq_handler
 * (mcause without its top bit), which may use rc_try_* too (the access
 * it interrupted is not disturbed). Any other trap prints the trap and
 * exits with 200. */
void rc_init(void);
extern void (*volatile rc_irq_handler)(uint32_t cause);
extern volatile uint32_t rc_fault_count; /* faults caught so far */
/* The last fault caught outside interrupt handlers: mcause and mtval */
extern volatile uint32_t rc_last_fault_cause, rc_last_fault_addr;

bool rc_try_read32(uint32_t addr, uint32_t *out);
bool rc_try_write32(uint32_t addr, uint32_t value);
bool rc_try_read8(uint32_t addr, uint8_t *out);
bool rc_try_write8(uint32_t addr, uint8_t value);
/* rdtime; false when it raised illegal instruction (no time source). */
bool rc_try_rdtime(uint32_t *out);

static inline uint32_t rc_mcycle(void)
{
    uint32_t v;
    __asm__ volatile("csrr %0, mcycle" : "=r"(v));
    return v;
}

static inline uint32_t rc_mip(void)
{
    uint32_t v;
    __asm__ volatile("csrr %0, mip" : "=r"(v));
    return v;
}

/* Busy-waits `cycles` CPU cycles of virtual time. */
void rc_delay(uint32_t cycles);
#define RC_MS(n) ((n) * (RC_CPU_HZ / 1000u))

/* ---- UARTs of either model ---- */
typedef enum RcUartModel {
    RC_UART_NONE,     /* nothing there (an access fault) or not a UART */
    RC_UART_NS16550A, /* ns16550a: byte registers, LSR at +5 */
    RC_UART_SIFIVE,   /* sifive,uart0: 32-bit registers, txdata at +0 */
} RcUartModel;

typedef struct RcUart {
    uint32_t base;
    RcUartModel model; /* as last probed; RC_UART_NONE after a fault */
} RcUart;

/* What is at `base`, told apart by one 32-bit read at +4: on an ns16550a
 * that is MCR, LSR, MSR, SCR, and LSR always has THRE and TEMT (0x60); on
 * a sifive,uart0 it is rxdata, 0x80000000 with nothing received (a byte
 * received would be consumed: the tests leave its receiver off). */
RcUartModel rc_uart_probe(uint32_t base);
const char *rc_uart_model_name(RcUartModel model);
/* Probes again, and sets a sifive,uart0 found at its reset state up
 * (txen, a fast divisor). True when the model changed. */
bool rc_uart_refresh(RcUart *u);
/* False (and model NONE) when the UART faulted; the byte is then lost. */
bool rc_uart_putc(RcUart *u, char c);
bool rc_uart_puts(RcUart *u, const char *s);
/* Waits until everything written has reached the chardev. */
void rc_uart_flush(RcUart *u);

/* ---- the console: UART0 ---- */
extern RcUart rc_console;
/* %s %c %d %u %x, with an optional 0 flag and width (%08x) and l (all
 * 32 bits); returns once the text has left the UART (rc_uart_flush). */
bool rc_uart_printf(RcUart *u, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
#define rc_printf(...) rc_uart_printf(&rc_console, __VA_ARGS__)

/* Flushes the console and ends the run with `status`. */
void rc_exit(int status) __attribute__((noreturn));

#endif
