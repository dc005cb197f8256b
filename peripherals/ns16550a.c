/* ns16550a UART (the one QEMU's virt board has at 0x10000000).
 *
 * Registers after the TI PC16550D datasheet (register summary, reset
 * configuration and interrupt control tables); byte registers, one per
 * offset (reg-shift 0):
 *   0 RBR (read) / THR (write); DLL while LCR.DLAB
 *   1 IER (ERBFI, ETBEI, ELSI, EDSSI); DLM while LCR.DLAB
 *   2 IIR (read) / FCR (write: FIFO enable, RX/TX FIFO reset, DMA mode
 *     bit kept but unused, RX trigger level 1/4/8/14)
 *   3 LCR   4 MCR   5 LSR (DR, OE, THRE, TEMT)   6 MSR   7 SCR
 * Offsets 8 and up read 0 and ignore writes. A 2- or 4-byte access reaches
 * consecutive registers, lowest offset in the low byte (as QEMU splits
 * it), so the debugger's word-sized peeks see every register. Reset: IER,
 * FCR, LCR, MCR 0; IIR 0x01; LSR 0x60; MSR 0xb0; SCR, DLL, DLM 0 at power
 * on and kept by a machine reset (the datasheet's reset leaves them).
 *
 * One interrupt output ("irq"), driven only by ns16550a_update_irq from the
 * IIR priority encoding: line status (OE) > received data available (FIFO
 * at its trigger level; one byte without FIFOs) and character timeout
 * (FIFO not empty, nothing read or received for 4 character times) > THR
 * empty > modem status (MSR delta bits). Reading IIR clears a THR-empty
 * indication, reading LSR the error bits, reading MSR the delta bits,
 * reading RBR (or the FIFO falling below the trigger level) the rest.
 *
 * Transmit is immediate: a byte written to THR goes to the chardev at
 * once, so THRE and TEMT are always set and a THR-empty interrupt
 * re-arms right after each write (as QEMU's does). Receive is timed: while
 * the RX FIFO (16 bytes, 1 without FIFOs) has room, the chardev is polled
 * once per character time, (start + data + parity + stop bits) * 16 *
 * divisor clock cycles of `clock-frequency` (default 3686400 Hz, QEMU
 * virt's; divisor 0 counts as 1), so file input arrives at the same virtual
 * cycles on every run. The line stays idle until the firmware first
 * accesses the UART (the first poll is one character time later), so no
 * input is lost to its initialisation (an FCR write resets the FIFO).
 * Polling stops when the FIFO is full or the input has ended, and resumes
 * one character time after a byte is read, or after input arrives once it
 * had ended (chardev_input_arrived: bytes a monitor queued). Without a
 * machine clock there is no input.
 *
 * Properties: `chardev` (the backend, default stdio; live: set_property
 * opens the new backend, and only once it is open closes the old one; the
 * RX FIFO keeps what it holds) and `clock-frequency`.
 *
 * Loopback (MCR bit 4) is modelled: THR bytes enter the receiver at once
 * (so overruns can happen), the chardev is neither written nor polled, and
 * MSR follows MCR (CTS = RTS, DSR = DTR, RI = OUT1, DCD = OUT2). Outside
 * loopback the modem inputs are fixed: CTS, DSR, DCD asserted, RI not.
 * Not modelled: parity, framing and break errors (LSR bits 2-4 and 7 read
 * 0: the chardev carries clean bytes), the TX FIFO, DMA mode signals,
 * writes to LSR and MSR (factory test only; ignored).
 */
#include "peripherals/peripheral.h"
#include "soc/alloc.h"

#include <stdlib.h>

#define NS16550A_DEFAULT_CLOCK 3686400 /* Hz */
#define RX_FIFO_SIZE 16

enum {
    REG_RBR_THR = 0, /* DLL while DLAB */
    REG_IER = 1,     /* DLM while DLAB */
    REG_IIR_FCR = 2,
    REG_LCR = 3,
    REG_MCR = 4,
    REG_LSR = 5,
    REG_MSR = 6,
    REG_SCR = 7,
};

#define IER_ERBFI 0x01 /* received data available */
#define IER_ETBEI 0x02 /* THR empty */
#define IER_ELSI 0x04  /* line status */
#define IER_EDSSI 0x08 /* modem status */
#define IER_MASK 0x0f

#define IIR_NONE 0x01
#define IIR_MSI 0x00
#define IIR_THRI 0x02
#define IIR_RDI 0x04
#define IIR_RLSI 0x06
#define IIR_CTI 0x0c
#define IIR_FIFOS 0xc0 /* FIFOs enabled */

#define FCR_ENABLE 0x01
#define FCR_CLEAR_RX 0x02
#define FCR_CLEAR_TX 0x04
#define FCR_KEPT 0xc9 /* enable, DMA mode, trigger level */

#define LCR_STB 0x04
#define LCR_PEN 0x08
#define LCR_DLAB 0x80

#define MCR_DTR 0x01
#define MCR_RTS 0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10
#define MCR_MASK 0x1f

#define LSR_DR 0x01
#define LSR_OE 0x02
#define LSR_THRE 0x20
#define LSR_TEMT 0x40

#define MSR_DCTS 0x01
#define MSR_DDSR 0x02
#define MSR_TERI 0x04
#define MSR_DDCD 0x08
#define MSR_CTS 0x10
#define MSR_DSR 0x20
#define MSR_RI 0x40
#define MSR_DCD 0x80

static const char *const ns16550a_irq_names[] = {"irq"};

typedef struct Ns16550a {
    Owner *owner;           /* for its name in messages; no reference */
    DeviceHost host;        /* to open a new chardev */
    Chardev *chardev;
    Clock *clock;           /* NULL: no receive timing, no input */
    ClockEvent *rx_poll;    /* the next character time input is polled at */
    ClockEvent *rx_timeout; /* when a character timeout becomes due */
    uint64_t clock_hz;      /* the baud generator's input */
    IrqLine irq;
    bool started; /* the firmware has accessed the UART: input may come */

    uint8_t ier, fcr, lcr, mcr, scr, dll, dlm;
    uint8_t lsr_errors; /* OE until LSR is read */
    uint8_t msr_deltas; /* DCTS, DDSR, TERI, DDCD until MSR is read */
    bool thr_pending;   /* THR-empty indication until IIR shows it */
    uint8_t rx[RX_FIFO_SIZE];
    unsigned rx_head, rx_count;
    uint64_t rx_activity; /* last cycle a byte entered or left the RX FIFO */
} Ns16550a;

static bool fifo_on(const Ns16550a *u) { return u->fcr & FCR_ENABLE; }
static bool loopback(const Ns16550a *u) { return u->mcr & MCR_LOOP; }
static unsigned rx_capacity(const Ns16550a *u)
{
    return fifo_on(u) ? RX_FIFO_SIZE : 1;
}

static unsigned rx_trigger(const Ns16550a *u)
{
    static const unsigned levels[4] = {1, 4, 8, 14};
    return fifo_on(u) ? levels[u->fcr >> 6] : 1;
}

/* Machine cycles one character takes at the current line settings. */
static uint64_t char_cycles(const Ns16550a *u)
{
    unsigned data = 5 + (u->lcr & 3);
    unsigned half_bits = 2 * (1 + data + (u->lcr & LCR_PEN ? 1 : 0)) +
                         (u->lcr & LCR_STB ? (data == 5 ? 3 : 4) : 2);
    unsigned divisor = (unsigned)u->dlm << 8 | u->dll;
    uint64_t ticks = (uint64_t)half_bits * 8 * (divisor ? divisor : 1);
    uint64_t cycles = clock_cycles_from(u->clock, ticks, u->clock_hz);
    return cycles ? cycles : 1;
}

/* The modem input levels (MSR bits 7:4). */
static uint8_t modem_lines(const Ns16550a *u)
{
    if (!loopback(u))
        return MSR_CTS | MSR_DSR | MSR_DCD;
    return (u->mcr & MCR_RTS ? MSR_CTS : 0) | (u->mcr & MCR_DTR ? MSR_DSR : 0) |
           (u->mcr & MCR_OUT1 ? MSR_RI : 0) | (u->mcr & MCR_OUT2 ? MSR_DCD : 0);
}

/* When the character timeout indication becomes due; CLOCK_NEVER if not. */
static uint64_t timeout_due(const Ns16550a *u)
{
    if (!u->clock || !fifo_on(u) || u->rx_count == 0)
        return CLOCK_NEVER;
    return u->rx_activity + 4 * char_cycles(u);
}

/* The IIR value, by priority; no side effects. */
static uint8_t ns16550a_iir(const Ns16550a *u)
{
    uint8_t fifos = fifo_on(u) ? IIR_FIFOS : 0;
    if ((u->ier & IER_ELSI) && u->lsr_errors)
        return fifos | IIR_RLSI;
    if ((u->ier & IER_ERBFI) && u->rx_count >= rx_trigger(u))
        return fifos | IIR_RDI;
    uint64_t due = timeout_due(u);
    if ((u->ier & IER_ERBFI) && due != CLOCK_NEVER && due <= clock_now(u->clock))
        return fifos | IIR_CTI;
    if ((u->ier & IER_ETBEI) && u->thr_pending)
        return fifos | IIR_THRI;
    if ((u->ier & IER_EDSSI) && u->msr_deltas)
        return fifos | IIR_MSI;
    return fifos | IIR_NONE;
}

/* The one place the output is driven; called after every change. Keeps
 * the timeout event at the cycle a character timeout becomes due. */
static void ns16550a_update_irq(Ns16550a *u)
{
    irq_set(&u->irq, !(ns16550a_iir(u) & IIR_NONE));
    if (!u->clock)
        return;
    uint64_t due = timeout_due(u);
    if (due != CLOCK_NEVER && due > clock_now(u->clock))
        clock_event_schedule(u->rx_timeout, due);
    else
        clock_event_cancel(u->rx_timeout);
}

static void ns16550a_timeout_fired(void *opaque)
{
    ns16550a_update_irq(opaque);
}

/* ---- receive ---- */

static bool rx_wants_input(const Ns16550a *u)
{
    return u->clock && u->started && !loopback(u) &&
           u->rx_count < rx_capacity(u) && !chardev_input_ended(u->chardev);
}

/* Polls one character time from now, unless a poll is already coming. */
static void rx_poll_schedule(Ns16550a *u)
{
    if (!u->clock)
        return;
    if (!rx_wants_input(u))
        clock_event_cancel(u->rx_poll);
    else if (!clock_event_pending(u->rx_poll))
        clock_event_schedule(u->rx_poll, clock_now(u->clock) + char_cycles(u));
}

/* A byte reaches the receiver. A full FIFO drops it; a full holding
 * register (no FIFOs) is overwritten; both set OE. */
static void rx_push(Ns16550a *u, uint8_t byte)
{
    if (u->rx_count == rx_capacity(u)) {
        u->lsr_errors |= LSR_OE;
        if (!fifo_on(u))
            u->rx[u->rx_head] = byte;
    } else {
        u->rx[(u->rx_head + u->rx_count++) % RX_FIFO_SIZE] = byte;
    }
    if (u->clock)
        u->rx_activity = clock_now(u->clock);
}

static uint8_t rx_pop(Ns16550a *u)
{
    if (!u->rx_count)
        return 0;
    uint8_t byte = u->rx[u->rx_head];
    u->rx_head = (u->rx_head + 1) % RX_FIFO_SIZE;
    u->rx_count--;
    if (u->clock)
        u->rx_activity = clock_now(u->clock);
    return byte;
}

static void rx_clear(Ns16550a *u)
{
    u->rx_head = u->rx_count = 0;
}

/* The chardev's input came back after it had ended. */
static void ns16550a_input_arrived(void *opaque)
{
    rx_poll_schedule(opaque);
}

static void ns16550a_rx_poll(void *opaque)
{
    Ns16550a *u = opaque;
    uint8_t byte;
    if (chardev_read(u->chardev, &byte, 1) == 1)
        rx_push(u, byte);
    rx_poll_schedule(u);
    ns16550a_update_irq(u);
}

/* ---- registers ---- */

static uint8_t ns16550a_lsr(const Ns16550a *u)
{
    return (u->rx_count ? LSR_DR : 0) | u->lsr_errors | LSR_THRE | LSR_TEMT;
}

/* A register's value; with `consume`, a read's side effects happen too. */
static uint8_t ns16550a_reg_read(Ns16550a *u, uint64_t offset, bool consume)
{
    bool dlab = u->lcr & LCR_DLAB;
    uint8_t v;
    switch (offset) {
    case REG_RBR_THR:
        if (dlab)
            return u->dll;
        return consume ? rx_pop(u) : u->rx_count ? u->rx[u->rx_head] : 0;
    case REG_IER:
        return dlab ? u->dlm : u->ier;
    case REG_IIR_FCR:
        v = ns16550a_iir(u);
        if (consume && (v & 0x0f) == IIR_THRI)
            u->thr_pending = false;
        return v;
    case REG_LCR:
        return u->lcr;
    case REG_MCR:
        return u->mcr;
    case REG_LSR:
        v = ns16550a_lsr(u);
        if (consume)
            u->lsr_errors = 0;
        return v;
    case REG_MSR:
        v = modem_lines(u) | u->msr_deltas;
        if (consume)
            u->msr_deltas = 0;
        return v;
    case REG_SCR:
        return u->scr;
    }
    return 0;
}

static void ns16550a_transmit(Ns16550a *u, uint8_t byte)
{
    if (loopback(u))
        rx_push(u, byte);
    else
        chardev_write(u->chardev, &byte, 1);
    u->thr_pending = true; /* the THR is empty again at once */
}

static void ns16550a_write_fcr(Ns16550a *u, uint8_t value)
{
    if ((value ^ u->fcr) & FCR_ENABLE) /* entering or leaving FIFO mode */
        rx_clear(u);
    if (!(value & FCR_ENABLE)) { /* the other bits need FCR0 set */
        u->fcr = 0;
        return;
    }
    if (value & FCR_CLEAR_RX)
        rx_clear(u);
    /* FCR_CLEAR_TX: the TX FIFO is always empty. */
    u->fcr = value & FCR_KEPT;
}

static void ns16550a_write_mcr(Ns16550a *u, uint8_t value)
{
    uint8_t before = modem_lines(u);
    u->mcr = value & MCR_MASK;
    uint8_t after = modem_lines(u), changed = before ^ after;
    u->msr_deltas |= (changed & MSR_CTS ? MSR_DCTS : 0) |
                     (changed & MSR_DSR ? MSR_DDSR : 0) |
                     (changed & MSR_DCD ? MSR_DDCD : 0) |
                     (before & MSR_RI & ~after ? MSR_TERI : 0);
}

static void ns16550a_reg_write(Ns16550a *u, uint64_t offset, uint8_t value)
{
    bool dlab = u->lcr & LCR_DLAB;
    switch (offset) {
    case REG_RBR_THR:
        if (dlab)
            u->dll = value;
        else
            ns16550a_transmit(u, value);
        break;
    case REG_IER:
        if (dlab) {
            u->dlm = value;
        } else {
            /* Enabling ETBEI with the THR empty (always) raises it. */
            if ((value ^ u->ier) & IER_ETBEI)
                u->thr_pending = value & IER_ETBEI;
            u->ier = value & IER_MASK;
        }
        break;
    case REG_IIR_FCR: ns16550a_write_fcr(u, value); break;
    case REG_LCR: u->lcr = value; break;
    case REG_MCR: ns16550a_write_mcr(u, value); break;
    case REG_SCR: u->scr = value; break;
    default: break; /* LSR, MSR: factory test only */
    }
}

/* Accesses wider than a byte are split into byte accesses, in order. */
static bool ns16550a_read(void *opaque, uint64_t offset, unsigned size,
                          uint32_t *value)
{
    Ns16550a *u = opaque;
    *value = 0;
    for (unsigned i = 0; i < size; i++)
        *value |= (uint32_t)ns16550a_reg_read(u, offset + i, true) << 8 * i;
    u->started = true;
    rx_poll_schedule(u);
    ns16550a_update_irq(u);
    return true;
}

static bool ns16550a_peek(void *opaque, uint64_t offset, unsigned size,
                          uint32_t *value)
{
    *value = 0;
    for (unsigned i = 0; i < size; i++)
        *value |= (uint32_t)ns16550a_reg_read(opaque, offset + i, false) << 8 * i;
    return true;
}

static bool ns16550a_write(void *opaque, uint64_t offset, unsigned size,
                           uint32_t value)
{
    Ns16550a *u = opaque;
    for (unsigned i = 0; i < size; i++)
        ns16550a_reg_write(u, offset + i, (uint8_t)(value >> 8 * i));
    u->started = true;
    rx_poll_schedule(u);
    ns16550a_update_irq(u);
    return true;
}

static const MmioOps ns16550a_ops = {
    .read = ns16550a_read,
    .write = ns16550a_write,
    .peek = ns16550a_peek,
};

/* ---- the class ---- */

static void ns16550a_connect_irqs(void *state, const IrqLine *irqs, size_t n)
{
    Ns16550a *u = state;
    u->irq = n ? irqs[0] : (IrqLine){0};
    if (n)
        ns16550a_update_irq(u);
}

/* A machine reset, as the MR pin: IER, FCR (FIFOs emptied), LCR, MCR,
 * LSR and MSR to their reset values; SCR and the divisor latch keep theirs
 * (the datasheet's reset leaves them alone). The line is idle again until
 * the firmware's first access. */
static void ns16550a_reset(void *state)
{
    Ns16550a *u = state;
    u->ier = u->fcr = u->lcr = u->mcr = 0;
    u->lsr_errors = u->msr_deltas = 0;
    u->thr_pending = false;
    u->started = false;
    rx_clear(u);
    if (u->clock) {
        clock_event_cancel(u->rx_poll);
        u->rx_activity = clock_now(u->clock);
    }
    ns16550a_update_irq(u);
}

static void ns16550a_finalize(void *opaque)
{
    Ns16550a *u = opaque;
    clock_event_free(u->rx_poll);
    clock_event_free(u->rx_timeout);
    chardev_close(u->chardev);
    free(u);
}

#define NS16550A_TYPE "ns16550a"

static const DeviceProperty ns16550a_props[] = {
    {"chardev", "the character backend (stdio, null, file:..., tcp:PORT, "
     "pty); default stdio", true},
    {"clock-frequency", "the baud generator's input clock in Hz; default "
     "3686400", false},
    {0},
};

/* Takes `chr` as the UART's backend, listening for its input. */
static void ns16550a_attach(Ns16550a *u, Chardev *chr)
{
    u->chardev = chr;
    chardev_set_input_handler(chr, ns16550a_input_arrived, u);
}

static bool ns16550a_set_property(void *state, const char *key,
                                  const char *value, Error **errp)
{
    Ns16550a *u = state;
    if (!device_check_live(ns16550a_props, NS16550A_TYPE,
                           owner_name(u->owner), key, errp))
        return false;
    /* "chardev", the only live one */
    if (!device_swap_chardev(&u->host, &u->chardev, value, ns16550a_input_arrived,
                             u, errp))
        return false;
    rx_poll_schedule(u);
    return true;
}

static bool ns16550a_config(const DeviceConfig *config, uint64_t *xin_hz,
                            Error **errp)
{
    if (!device_check_props(config, ns16550a_props, errp) ||
        !device_prop_positive_u64(config, "clock-frequency",
                                  NS16550A_DEFAULT_CLOCK, xin_hz, errp))
        return false;
    return true;
}

static bool ns16550a_create(const DeviceConfig *config, Device *out,
                            Error **errp)
{
    uint64_t xin_hz;
    if (!ns16550a_config(config, &xin_hz, errp))
        return false;
    const DeviceHost *host = config->host;
    Chardev *chr = device_open_chardev(config, errp);
    if (!chr)
        return false;
    Ns16550a *u = xcalloc(1, sizeof *u);
    u->host = *host;
    ns16550a_attach(u, chr);
    u->clock_hz = xin_hz;
    u->clock = host->clock;
    if (u->clock) {
        u->rx_poll = clock_event_new(u->clock, ns16550a_rx_poll, u);
        u->rx_timeout = clock_event_new(u->clock, ns16550a_timeout_fired, u);
        u->rx_activity = clock_now(u->clock);
    }
    u->owner = owner_new(config->ms, config->desc->name, ns16550a_finalize, u);
    MemoryRegion *region = memory_region_new_mmio(u->owner, config->desc->name,
                                                  config->size, &ns16550a_ops, u);
    *out = (Device){.owner = u->owner, .region = region, .state = u};
    return true;
}

const PeripheralClass ns16550a_class = {
    .type = NS16550A_TYPE,
    .description = "16550A UART: 16-byte RX FIFO, baud-timed input, interrupts",
    .default_size = 0x100,
    .min_size = 8,
    .max_size = 0x1000,
    .properties = ns16550a_props,
    .create = ns16550a_create,
    .irq_outputs = 1,
    .irq_output_names = ns16550a_irq_names,
    .connect_irqs = ns16550a_connect_irqs,
    .reset = ns16550a_reset,
    .set_property = ns16550a_set_property,
};
