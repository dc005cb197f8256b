/* ns16550a UART (the one QEMU's virt board has at 0x10000000).
 *
 * Register map (TI PC16550D datasheet, table 2; byte registers, reg-shift 0):
 *   0 RBR (read) / THR (write) / DLL (DLAB=1)
 *   1 IER / DLM (DLAB=1)
 *   2 IIR (read) / FCR (write)
 *   3 LCR     4 MCR     5 LSR     6 MSR     7 SCR
 * Modelled: transmit to the chardev (instantly: the transmitter is always
 * empty), divisor latch, scratch, LCR/MCR/IER storage, LSR THRE|TEMT.
 * Not modelled yet: receive, FIFOs, interrupts, modem lines, loopback.
 */
#include "peripherals/peripheral.h"

#include <stdlib.h>

enum {
    REG_RBR_THR = 0,
    REG_IER = 1,
    REG_IIR_FCR = 2,
    REG_LCR = 3,
    REG_MCR = 4,
    REG_LSR = 5,
    REG_MSR = 6,
    REG_SCR = 7,
};

#define LCR_DLAB 0x80
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define IIR_NO_INTERRUPT 0x01

typedef struct Ns16550a {
    Chardev *chardev;
    uint8_t ier, lcr, mcr, scr, dll, dlm;
} Ns16550a;

static uint32_t uart_reg_value(const Ns16550a *u, uint64_t offset)
{
    bool dlab = u->lcr & LCR_DLAB;
    switch (offset) {
    case REG_RBR_THR: return dlab ? u->dll : 0;
    case REG_IER: return dlab ? u->dlm : u->ier;
    case REG_IIR_FCR: return IIR_NO_INTERRUPT;
    case REG_LCR: return u->lcr;
    case REG_MCR: return u->mcr;
    case REG_LSR: return LSR_THRE | LSR_TEMT;
    case REG_MSR: return 0;
    case REG_SCR: return u->scr;
    }
    return 0;
}

/* Reads have no side effects until receive is modelled, so read = peek. */
static bool uart_read(void *opaque, uint64_t offset, unsigned size,
                      uint32_t *value)
{
    *value = uart_reg_value(opaque, offset);
    return true;
}

static bool uart_write(void *opaque, uint64_t offset, unsigned size,
                       uint32_t value)
{
    Ns16550a *u = opaque;
    uint8_t byte = (uint8_t)value;
    bool dlab = u->lcr & LCR_DLAB;
    switch (offset) {
    case REG_RBR_THR:
        if (dlab)
            u->dll = byte;
        else
            chardev_write(u->chardev, &byte, 1);
        break;
    case REG_IER:
        if (dlab)
            u->dlm = byte;
        else
            u->ier = byte & 0x0f;
        break;
    case REG_LCR: u->lcr = byte; break;
    case REG_MCR: u->mcr = byte & 0x1f; break;
    case REG_SCR: u->scr = byte; break;
    default: break; /* FCR, LSR, MSR: nothing to keep yet */
    }
    return true;
}

static const MmioOps uart_ops = {
    .read = uart_read,
    .write = uart_write,
    .peek = uart_read,
};

static void uart_finalize(void *opaque)
{
    Ns16550a *u = opaque;
    chardev_close(u->chardev);
    free(u);
}

static bool uart_create(const DeviceConfig *config, Device *out, Error **errp)
{
    static const char *const known[] = {"chardev", NULL};
    if (!device_check_props(config, known, errp))
        return false;
    const DeviceHost *host = config->host;
    Chardev *chr = host->open_chardev(host->opaque,
                                      device_prop_str(config, "chardev", "stdio"),
                                      errp);
    if (!chr)
        return false;
    Ns16550a *u = calloc(1, sizeof *u);
    if (!u)
        abort();
    u->chardev = chr;
    out->owner = owner_new(config->ms, config->desc->name, uart_finalize, u);
    out->region = memory_region_new_mmio(out->owner, config->desc->name,
                                         config->size, &uart_ops, u);
    return true;
}

const PeripheralClass ns16550a_class = {
    .type = "ns16550a",
    .description = "16550A-compatible UART (transmit only for now)",
    .default_size = 0x100,
    .min_size = 8,
    .max_size = 0x1000,
    .create = uart_create,
};
