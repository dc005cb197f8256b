/* SiFive UART ("sifive,uart0"), as on the FE310-G002 (UART0 at
 * 0x10013000, UART1 at 0x10023000) and QEMU's sifive_e board.
 *
 * Register map (SiFive FE310-G002 Manual, chapter 18 "Universal
 * Asynchronous Receiver/Transmitter (UART)", register offsets table);
 * 32-bit registers, reset value 0 unless said:
 *   0x00 txdata  7:0 data: a write enqueues it unless the TX FIFO is full
 *                (then the byte is dropped, and that is reported as a
 *                guest diagnostic: the firmware did not check the full
 *                bit; once per overflow, i.e. until a byte leaves the
 *                FIFO); 31 full (read-only; data reads 0)
 *   0x04 rxdata  7:0 data, 31 empty; a read dequeues; writes are ignored
 *   0x08 txctrl  0 txen, 1 nstop (0: one stop bit, 1: two), 18:16 txcnt
 *   0x0c rxctrl  0 rxen, 18:16 rxcnt
 *   0x10 ie      0 txwm, 1 rxwm
 *   0x14 ip      read-only, derived: txwm = TX FIFO level < txcnt,
 *                rxwm = RX FIFO level > rxcnt
 *   0x18 div     15:0; baud = bus clock / (div + 1). Resets to 0, as in
 *                QEMU's model; firmware programs it before use.
 * FIFOs are 8 deep each. One interrupt output ("irq"): ip & ie, driven
 * only by sifive_uart_update_irq. The registers are a regs.h table:
 * accesses must be 32-bit and aligned (a bus error otherwise, unless
 * `bad-access: ignore`); other offsets read 0 and ignore writes, reported
 * once each as guest diagnostics.
 *
 * Timing, with `clock-frequency` the bus clock (Hz; default the CPU's):
 * while txen is set the transmitter takes the FIFO's oldest byte into its
 * shift register and hands it to the chardev (10 + nstop) * (div + 1) bus
 * cycles later, so the FIFO drains at the baud rate and txwm behaves as on
 * hardware (a firmware that fills the FIFO and waits for txwm works).
 * While rxen is set and the RX FIFO has room, the chardev is polled once
 * per received character time, 10 * (div + 1) bus cycles (start, 8 data,
 * stop), so file input arrives at the same cycles on every run; polling
 * stops when the FIFO is full, rxen is clear or the input has ended, and
 * input arriving after its end (chardev_input_arrived: bytes a monitor
 * queued) starts it again, one character time later.
 * Input is not lost while rxen is clear: it waits in the chardev. When the
 * device dies (the end of the run) the character being shifted out and,
 * if txen is set, the TX FIFO are written out, so the last line a firmware
 * prints before exiting is not lost; a machine reset drops them, as
 * hardware would. Without a machine clock, bytes leave at once and there
 * is no input.
 *
 * Properties: `chardev` (the backend, default stdio; live: set_property
 * opens the new backend, and only once it is open closes the old one; the
 * FIFOs and the character being shifted out stay, and go to the new one),
 * `clock-frequency` and `bad-access`.
 *
 * Waveforms (--vcd): signals "tx" and "rx" (line levels: start bit, 8
 * data bits LSB first, stop bits, at the divisor's baud rate) and
 * "tx_byte"/"rx_byte" (the byte from its start bit to its stop bit, z
 * from there to the next frame). A TX
 * frame starts when the byte enters the shift register; an RX frame is
 * drawn from the poll that took the byte (the model receives bytes
 * whole; the sender's frame really ended there).
 *
 * Not modelled: the receiver's sampling (noise, framing errors), the
 * TX/RX pins and their GPIO IOF routing, accesses narrower than 32 bits
 * (bus errors here).
 */
#include "peripherals/peripheral.h"
#include "peripherals/regs.h"
#include "peripherals/sifive_fifo.h"
#include "soc/alloc.h"

#include <stdlib.h>


#define CTRL_EN 0x1u
#define TXCTRL_NSTOP 0x2u
#define CTRL_CNT_SHIFT 16
#define TXCTRL_MASK 0x00070003u
#define RXCTRL_MASK 0x00070001u
#define IP_TXWM 0x1u
#define IP_RXWM 0x2u
#define IE_MASK 0x3u
#define DIV_MASK 0xffffu

static const char *const sifive_uart_irq_names[] = {"irq"};


typedef struct SifiveUart {
    char *name;
    DeviceHost host;     /* for guest diagnostics */
    Chardev *chardev;
    Clock *clock;        /* NULL: bytes leave at once, no input */
    ClockEvent *tx_done; /* the byte in the shift register is sent */
    ClockEvent *rx_poll; /* the next character time input is polled at */
    uint64_t clock_hz;   /* bus clock */
    IrqLine irq;
    RegBank bank;

    uint32_t txctrl, rxctrl, ie, div;
    SifiveFifo tx, rx;
    bool tx_busy; /* tx_shift is being sent */
    uint8_t tx_shift;
    bool tx_overflowed; /* a byte was dropped since one last left the FIFO */
} SifiveUart;

static unsigned ctrl_cnt(uint32_t ctrl) { return (ctrl >> CTRL_CNT_SHIFT) & 7; }

/* Machine cycles `bits` bit times take at the current divisor. */
static uint64_t bit_cycles(const SifiveUart *u, unsigned bits)
{
    uint64_t ticks = (uint64_t)bits * (u->div + 1);
    uint64_t cycles = clock_cycles_from(u->clock, ticks, u->clock_hz);
    return cycles ? cycles : 1;
}

/* ip is derived from the FIFO levels, never stored. */
static uint32_t sifive_uart_ip(const SifiveUart *u)
{
    return (u->tx.count < ctrl_cnt(u->txctrl) ? IP_TXWM : 0) |
           (u->rx.count > ctrl_cnt(u->rxctrl) ? IP_RXWM : 0);
}

/* The one place the output is driven; called after every change. */
static void sifive_uart_update_irq(SifiveUart *u)
{
    irq_set(&u->irq, sifive_uart_ip(u) & u->ie);
}

/* ---- transmit ---- */

/* Starts sending the next byte if the transmitter is idle and enabled;
 * without a clock, sends everything at once. */
static void tx_kick(SifiveUart *u)
{
    while (!u->tx_busy && (u->txctrl & CTRL_EN) && u->tx.count) {
        uint8_t byte = sifive_fifo_pop(&u->tx);
        u->tx_overflowed = false; /* room again: a new drop is a new overflow */
        if (!u->clock) {
            chardev_write(u->chardev, &byte, 1);
            continue;
        }
        u->tx_shift = byte;
        u->tx_busy = true;
        unsigned bits = 10 + (u->txctrl & TXCTRL_NSTOP ? 1 : 0);
        uint64_t now = clock_now(u->clock), end = now + bit_cycles(u, bits);
        device_signal_frame(&u->host, u->name, "tx", "tx_byte", byte, 8, -1, now,
                            end, u->div + 1, u->clock_hz);
        clock_event_schedule(u->tx_done, end);
    }
}

static void sifive_uart_tx_done(void *opaque)
{
    SifiveUart *u = opaque;
    u->tx_busy = false;
    chardev_write(u->chardev, &u->tx_shift, 1);
    tx_kick(u);
    sifive_uart_update_irq(u);
}

/* ---- receive ---- */

static bool rx_wants_input(const SifiveUart *u)
{
    return u->clock && (u->rxctrl & CTRL_EN) && u->rx.count < SIFIVE_FIFO_DEPTH &&
           !chardev_input_ended(u->chardev);
}

/* Polls one character time from now, unless a poll is already coming. */
static void rx_poll_schedule(SifiveUart *u)
{
    if (!u->clock)
        return;
    if (!rx_wants_input(u))
        clock_event_cancel(u->rx_poll);
    else if (!clock_event_pending(u->rx_poll))
        clock_event_schedule(u->rx_poll, clock_now(u->clock) + bit_cycles(u, 10));
}

/* The chardev's input came back after it had ended. */
static void sifive_uart_input_arrived(void *opaque)
{
    rx_poll_schedule(opaque);
}

static void sifive_uart_rx_poll(void *opaque)
{
    SifiveUart *u = opaque;
    uint8_t byte;
    if (chardev_read(u->chardev, &byte, 1) == 1) {
        sifive_fifo_push(&u->rx, byte);
        uint64_t now = clock_now(u->clock);
        device_signal_frame(&u->host, u->name, "rx", "rx_byte", byte, 8, -1, now,
                            now + bit_cycles(u, 10), u->div + 1, u->clock_hz);
    }
    rx_poll_schedule(u);
    sifive_uart_update_irq(u);
}

/* ---- registers ---- */

static uint32_t txdata_read(void *dev, unsigned index, bool peek)
{
    const SifiveUart *u = dev;
    return sifive_txdata_read(&u->tx);
}

static void txdata_write(void *dev, unsigned index, uint32_t v)
{
    SifiveUart *u = dev;
    sifive_txdata_write(&u->tx, &u->tx_overflowed, &u->host, u->name, (uint8_t)v);
}

static uint32_t rxdata_read(void *dev, unsigned index, bool peek)
{
    SifiveUart *u = dev;
    return sifive_rxdata_read(&u->rx, peek);
}

static uint32_t ip_read(void *dev, unsigned index, bool peek)
{
    return sifive_uart_ip(dev);
}

/* Everything that may follow a register access: the transmitter, the
 * receiver's polling, the output. */
static void sifive_uart_changed(void *dev)
{
    SifiveUart *u = dev;
    tx_kick(u);
    rx_poll_schedule(u);
    sifive_uart_update_irq(u);
}

static const RegField txdata_fields[] = {{"data", 0, 8}, {"full", 31, 1}, {0}};
static const RegField rxdata_fields[] = {{"data", 0, 8}, {"empty", 31, 1}, {0}};
static const RegField txctrl_fields[] = {{"txen", 0, 1}, {"nstop", 1, 1},
                                         {"txcnt", 16, 3}, {0}};
static const RegField rxctrl_fields[] = {{"rxen", 0, 1}, {"rxcnt", 16, 3}, {0}};
static const RegField ip_fields[] = {{"txwm", 0, 1}, {"rxwm", 1, 1}, {0}};

static const RegDef sifive_uart_regs[] = {
    {.name = "txdata", .offset = 0x00, .width = 4, .access = REG_RW, .mask = 0xff,
     .store = REG_NO_STORE, .read = txdata_read, .write = txdata_write,
     .fields = txdata_fields},
    {.name = "rxdata", .offset = 0x04, .width = 4, .access = REG_RO,
     .store = REG_NO_STORE, .read = rxdata_read, .fields = rxdata_fields},
    {.name = "txctrl", .offset = 0x08, .width = 4, .access = REG_RW,
     .mask = TXCTRL_MASK, .store = offsetof(SifiveUart, txctrl),
     .fields = txctrl_fields},
    {.name = "rxctrl", .offset = 0x0c, .width = 4, .access = REG_RW,
     .mask = RXCTRL_MASK, .store = offsetof(SifiveUart, rxctrl),
     .fields = rxctrl_fields},
    {.name = "ie", .offset = 0x10, .width = 4, .access = REG_RW, .mask = IE_MASK,
     .store = offsetof(SifiveUart, ie), .fields = ip_fields},
    {.name = "ip", .offset = 0x14, .width = 4, .access = REG_RO,
     .store = REG_NO_STORE, .read = ip_read, .fields = ip_fields},
    {.name = "div", .offset = 0x18, .width = 4, .access = REG_RW,
     .mask = DIV_MASK, .store = offsetof(SifiveUart, div)},
};

/* The FIFOs, the byte being sent, the overflow report, the events (the
 * RX poll too: input arrives at the same cycles after a restore). */
static const RegState sifive_uart_state[] = {
    REG_STATE(SifiveUart, tx),
    REG_STATE(SifiveUart, rx),
    REG_STATE_BOOL(SifiveUart, tx_busy),
    REG_STATE(SifiveUart, tx_shift),
    REG_STATE_BOOL(SifiveUart, tx_overflowed),
    REG_STATE_EVENT(SifiveUart, tx_done),
    REG_STATE_EVENT(SifiveUart, rx_poll),
};

static bool sifive_uart_check_load(const void *dev, Error **errp)
{
    const SifiveUart *u = dev;
    if (sifive_fifo_ok(&u->tx) && sifive_fifo_ok(&u->rx))
        return true;
    error_setf(errp, "saved FIFOs hold more than %u bytes", SIFIVE_FIFO_DEPTH);
    return false;
}

static void sifive_uart_loaded(void *dev)
{
    sifive_uart_update_irq(dev);
}

static const RegTable sifive_uart_table = {
    .regs = sifive_uart_regs,
    .nregs = REG_TABLE_LEN(sifive_uart_regs),
    .state = sifive_uart_state,
    .nstate = REG_TABLE_LEN(sifive_uart_state),
    .after_access = sifive_uart_changed,
    .check_load = sifive_uart_check_load,
    .after_load = sifive_uart_loaded,
};

REGS_STATE_HOOKS(sifive_uart, SifiveUart, bank, "sifive,uart0")

/* ---- the class ---- */

static void sifive_uart_connect_irqs(void *state, const IrqLine *irqs, size_t n)
{
    SifiveUart *u = state;
    u->irq = n ? irqs[0] : (IrqLine){0};
    if (n)
        sifive_uart_update_irq(u);
}

/* A machine reset: every register to 0, both FIFOs emptied and the
 * character being sent dropped, as on hardware; input still waiting in
 * the chardev stays there. */
static void sifive_uart_reset(void *state)
{
    SifiveUart *u = state;
    regs_reset(&u->bank);
    u->tx = u->rx = (SifiveFifo){0};
    u->tx_busy = u->tx_overflowed = false;
    if (u->clock) {
        clock_event_cancel(u->tx_done);
        clock_event_cancel(u->rx_poll);
    }
    sifive_uart_update_irq(u);
}

/* Writes out what the transmitter still holds (see the header). */
static void sifive_uart_finalize(void *opaque)
{
    SifiveUart *u = opaque;
    if (u->tx_busy)
        chardev_write(u->chardev, &u->tx_shift, 1);
    while ((u->txctrl & CTRL_EN) && u->tx.count) {
        uint8_t byte = sifive_fifo_pop(&u->tx);
        chardev_write(u->chardev, &byte, 1);
    }
    clock_event_free(u->tx_done);
    clock_event_free(u->rx_poll);
    free(u->name);
    chardev_close(u->chardev);
    free(u);
}

#define SIFIVE_UART_TYPE "sifive,uart0"

static const DeviceProperty sifive_uart_props[] = {
    {"chardev", "the character backend (stdio, null, file:..., tcp:PORT, "
     "pty); default stdio", true},
    {"clock-frequency", "the bus clock the divisor divides, in Hz; default "
     "the CPU's", false},
    REGS_BAD_ACCESS_PROPERTY,
    {0},
};

/* Takes `chr` as the UART's backend, listening for its input. */
static void sifive_uart_attach(SifiveUart *u, Chardev *chr)
{
    u->chardev = chr;
    chardev_set_input_handler(chr, sifive_uart_input_arrived, u);
}

static bool sifive_uart_set_property(void *state, const char *key,
                                     const char *value, Error **errp)
{
    SifiveUart *u = state;
    if (!device_check_live(sifive_uart_props, SIFIVE_UART_TYPE, u->name, key,
                           errp))
        return false;
    /* "chardev", the only live one */
    if (!device_swap_chardev(&u->host, &u->chardev, value, sifive_uart_input_arrived,
                             u, errp))
        return false;
    rx_poll_schedule(u);
    return true;
}

static bool sifive_uart_config(const DeviceConfig *config, uint64_t *bus_hz,
                               Error **errp)
{
    Clock *clock = config->host->clock;
    if (!device_check_props(config, sifive_uart_props, errp) ||
        !device_prop_positive_u64(config, "clock-frequency",
                                  clock ? clock_hz(clock) : 1, bus_hz, errp))
        return false;
    return true;
}

/* Waveforms: both lines idle (high), no byte on them. */
static void sifive_uart_publish_idle(SifiveUart *u)
{
    device_signal(&u->host, u->name, "tx", 1, 1);
    device_signal(&u->host, u->name, "rx", 1, 1);
    device_signal(&u->host, u->name, "tx_byte", 8, DEVICE_SIGNAL_Z);
    device_signal(&u->host, u->name, "rx_byte", 8, DEVICE_SIGNAL_Z);
}

static bool sifive_uart_create(const DeviceConfig *config, Device *out,
                               Error **errp)
{
    uint64_t bus_hz;
    if (!sifive_uart_config(config, &bus_hz, errp))
        return false;
    const DeviceHost *host = config->host;
    Chardev *chr = device_open_chardev(config, errp);
    if (!chr)
        return false;
    SifiveUart *u = xcalloc(1, sizeof *u);
    u->name = xstrdup(config->desc->name);
    if (!regs_bank_init(&u->bank, &sifive_uart_table, u, u->name, config, errp)) {
        free(u->name);
        free(u);
        chardev_close(chr);
        return false;
    }
    u->host = *host;
    sifive_uart_publish_idle(u);
    sifive_uart_attach(u, chr);
    u->clock_hz = bus_hz;
    u->clock = host->clock;
    if (u->clock) {
        u->tx_done = clock_event_new(u->clock, sifive_uart_tx_done, u);
        u->rx_poll = clock_event_new(u->clock, sifive_uart_rx_poll, u);
    }
    Owner *owner = owner_new(config->ms, config->desc->name,
                             sifive_uart_finalize, u);
    MemoryRegion *region = regs_region_new(owner, &u->bank, config->size);
    *out = (Device){.owner = owner, .region = region, .state = u};
    return true;
}

const PeripheralClass sifive_uart_class = {
    .type = SIFIVE_UART_TYPE,
    .description = "SiFive UART: 8-byte FIFOs, watermark interrupts, baud timing",
    .default_size = 0x1000,
    .min_size = 0x1c,
    .max_size = 0x1000,
    .properties = sifive_uart_props,
    .create = sifive_uart_create,
    .irq_outputs = 1,
    .irq_output_names = sifive_uart_irq_names,
    .connect_irqs = sifive_uart_connect_irqs,
    .reset = sifive_uart_reset,
    .set_property = sifive_uart_set_property,
    .registers = &sifive_uart_table,
    .save_state = sifive_uart_save_state,
    .load_state = sifive_uart_load_state,
};
