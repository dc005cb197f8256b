/* ns16550a UART (the one QEMU's virt board has at 0x10000000).
 *
 * Registers after the TI PC16550D datasheet (register summary, reset
 * configuration and interrupt control tables); byte registers, one per
 * offset (reg-shift 0), declared as a regs.h table (ns16550a_regs):
 *   0 rbr (read) / thr (write); dll while lcr.dlab
 *   1 ier (erbfi, etbei, elsi, edssi); dlm while lcr.dlab
 *   2 iir (read) / fcr (write: fifo_enable, rcvr_reset, xmit_reset,
 *     dma_mode kept but unused, rcvr_trigger 1/4/8/14)
 *   3 lcr   4 mcr   5 lsr (dr, oe, thre, temt)   6 msr   7 scr
 * The table names one register per offset, so offsets 0-2 are "rbr_thr_dll",
 * "ier_dlm" and "iir_fcr" there, with hooks that choose by lcr.dlab and
 * direction; --trace mmio names the one reached ("uart0.thr", "uart0.dll",
 * "uart0.fcr", ...) and its fields (ns16550a_views). lsr and msr are
 * read-only (writes, for factory test only, are ignored) and offsets 8 and
 * up read 0 and ignore writes: both reported once per offset as guest
 * diagnostics. A 2- or 4-byte access reaches consecutive registers,
 * lowest offset in the low byte (as QEMU splits it), so the debugger's
 * word-sized peeks see every register: no access is ever the wrong size
 * here, and `bad-access`, accepted as by every register-table model, has
 * nothing to act on.
 * Reset: ier, fcr, lcr, mcr 0; iir 0x01; lsr 0x60; msr 0xb0; scr, dll,
 * dlm 0 at power on and kept by a machine reset (the datasheet's reset
 * leaves them).
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
 * RX FIFO keeps what it holds), `clock-frequency` and `bad-access`.
 *
 * Loopback (MCR bit 4) is modelled: THR bytes enter the receiver at once
 * (so overruns can happen), the chardev is neither written nor polled, and
 * MSR follows MCR (CTS = RTS, DSR = DTR, RI = OUT1, DCD = OUT2). Outside
 * loopback the modem inputs are fixed: CTS, DSR, DCD asserted, RI not.
 * Waveforms (--vcd): signals "tx" and "rx" (line levels: start bit, data
 * bits LSB first, parity, stop, at the divisor's baud rate and word
 * length: at reset 5 bits, so a firmware that never sets lcr shows its
 * bytes' low 5 bits, as the pins would carry them) and "tx_byte"/
 * "rx_byte" (those bits, from the start bit to the stop bit, z from
 * there to the next frame).
 * Transmit being immediate, TX frames are drawn one after another from
 * the write (a byte written while the line is busy is drawn after the
 * one before, as a transmitter would send it), at most TX_DRAWN_AHEAD
 * frames ahead: a byte written while that many wait is not drawn; an RX
 * frame from the poll that took the byte. Loopback bytes touch neither
 * line.
 *
 * Not modelled: parity, framing and break errors (LSR bits 2-4 and 7 read
 * 0: the chardev carries clean bytes), the TX FIFO, DMA mode signals,
 * writes to LSR and MSR (factory test only; ignored).
 */
#include "peripherals/peripheral.h"
#include "peripherals/regs.h"
#include "soc/alloc.h"

#include <stdlib.h>

#define NS16550A_DEFAULT_CLOCK 3686400 /* Hz */
#define NS16550A_NREGS 8               /* offsets 0-7 */
#define RX_FIFO_SIZE 16
#define TX_DRAWN_AHEAD 1024 /* waveforms: frames drawn ahead of time, at most */

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
#define IIR_ID_MASK 0x0f
#define IIR_FIFOS 0xc0 /* FIFOs enabled */

#define FCR_ENABLE 0x01
#define FCR_CLEAR_RX 0x02
#define FCR_CLEAR_TX 0x04
#define FCR_KEPT 0xc9  /* enable, DMA mode, trigger level */
#define FCR_MASK 0xcf  /* bits 5:4 reserved */

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
#define LSR_RESET (LSR_THRE | LSR_TEMT)

#define MSR_DCTS 0x01
#define MSR_DDSR 0x02
#define MSR_TERI 0x04
#define MSR_DDCD 0x08
#define MSR_CTS 0x10
#define MSR_DSR 0x20
#define MSR_RI 0x40
#define MSR_DCD 0x80
#define MSR_RESET (MSR_CTS | MSR_DSR | MSR_DCD)

static const char *const ns16550a_irq_names[] = {"irq"};

typedef struct Ns16550a {
    Owner *owner;           /* for its name in messages; no reference */
    char *name;             /* the board's name for it, for the banks */
    DeviceHost host;        /* to open a new chardev */
    Chardev *chardev;
    Clock *clock;           /* NULL: no receive timing, no input */
    ClockEvent *rx_poll;    /* the next character time input is polled at */
    ClockEvent *rx_timeout; /* when a character timeout becomes due */
    uint64_t clock_hz;      /* the baud generator's input */
    IrqLine irq;
    RegBank bank;  /* the registers (ns16550a_table) */
    RegBank views; /* names only: the banked registers, for traces */
    bool batch;    /* inside an access done as one: after_access waits */
    /* Something rx_poll_schedule depends on changed since it last ran
     * (the first access, loopback, the FIFO's size or whether it has
     * room); the input ending, input arriving and the poll itself call
     * it directly. False between accesses: after_access runs it. */
    bool rx_dirty;
    bool started; /* the firmware has accessed the UART: input may come */

    uint32_t lcr, mcr, scr;   /* the registers with storage */
    uint8_t ier, fcr, dll, dlm; /* behind the banked offsets 1, 2, 0, 1 */
    uint8_t lines;      /* modem_lines() as of the last MCR change */
    uint8_t lsr_errors; /* OE until LSR is read */
    uint8_t msr_deltas; /* DCTS, DDSR, TERI, DDCD until MSR is read */
    bool thr_pending;   /* THR-empty indication until IIR shows it */
    uint8_t rx[RX_FIFO_SIZE];
    unsigned rx_head, rx_count;
    uint64_t rx_activity; /* last cycle a byte entered or left the RX FIFO */
    uint64_t tx_line_free; /* waveforms: the TX line's last frame ends here */
} Ns16550a;

static bool dlab(const Ns16550a *u) { return u->lcr & LCR_DLAB; }
static bool fifo_on(const Ns16550a *u) { return u->fcr & FCR_ENABLE; }
static bool loopback(const Ns16550a *u) { return u->mcr & MCR_LOOP; }
static unsigned rx_capacity(const Ns16550a *u)
{
    return fifo_on(u) ? RX_FIFO_SIZE : 1;
}

static bool rx_has_room(const Ns16550a *u)
{
    return u->rx_count < rx_capacity(u);
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

/* Waveforms: `byte`'s frame on the line `line` from `start`, at the
 * line settings (word length, parity, stop bits); returns its end. */
static uint64_t publish_frame(Ns16550a *u, const char *line, const char *byte_name,
                              uint8_t byte, uint64_t start)
{
    unsigned data = 5 + (u->lcr & 3);
    uint8_t bits = (uint8_t)(byte & ((1u << data) - 1));
    int parity = -1;
    if (u->lcr & LCR_PEN) {
        bool even = u->lcr & 0x10, stick = u->lcr & 0x20;
        parity = stick ? !even : even ? __builtin_parity(bits) : !__builtin_parity(bits);
    }
    unsigned divisor = (unsigned)u->dlm << 8 | u->dll;
    uint64_t end = start + char_cycles(u);
    device_signal_frame(&u->host, u->name, line, byte_name, bits, data, parity, start,
                        end, 16 * (uint64_t)(divisor ? divisor : 1), u->clock_hz);
    return end;
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

/* The IIR value, by priority, with `due` = timeout_due(u); no side
 * effects. */
static uint8_t iir_at(const Ns16550a *u, uint64_t due)
{
    uint8_t fifos = fifo_on(u) ? IIR_FIFOS : 0;
    if ((u->ier & IER_ELSI) && u->lsr_errors)
        return fifos | IIR_RLSI;
    if ((u->ier & IER_ERBFI) && u->rx_count >= rx_trigger(u))
        return fifos | IIR_RDI;
    if ((u->ier & IER_ERBFI) && due != CLOCK_NEVER && due <= clock_now(u->clock))
        return fifos | IIR_CTI;
    if ((u->ier & IER_ETBEI) && u->thr_pending)
        return fifos | IIR_THRI;
    if ((u->ier & IER_EDSSI) && u->msr_deltas)
        return fifos | IIR_MSI;
    return fifos | IIR_NONE;
}

static uint8_t ns16550a_iir(const Ns16550a *u)
{
    return iir_at(u, timeout_due(u));
}

/* The one place the output is driven; called after every change. Keeps
 * the timeout event at the cycle a character timeout becomes due. */
static void ns16550a_update_irq(Ns16550a *u)
{
    uint64_t due = timeout_due(u);
    irq_set(&u->irq, !(iir_at(u, due) & IIR_NONE)); /* also ns16550a_loaded */
    if (!u->clock)
        return;
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
    return u->clock && u->started && !loopback(u) && rx_has_room(u) &&
           !chardev_input_ended(u->chardev);
}

/* Polls one character time from now, unless a poll is already coming. */
static void rx_poll_schedule(Ns16550a *u)
{
    u->rx_dirty = false;
    if (!u->clock)
        return;
    if (!rx_wants_input(u))
        clock_event_cancel(u->rx_poll);
    else if (!clock_event_pending(u->rx_poll))
        clock_event_schedule(u->rx_poll, clock_now(u->clock) + char_cycles(u));
}

/* Whether the FIFO has room is an input of rx_wants_input that changes
 * byte by byte, one that counts only outside loopback (in loopback the
 * chardev is never polled; entering or leaving it is an MCR write). */
static void rx_room_changed(Ns16550a *u, bool had_room)
{
    if (had_room != rx_has_room(u) && !loopback(u))
        u->rx_dirty = true;
}

/* A byte reaches the receiver. A full FIFO drops it; a full holding
 * register (no FIFOs) is overwritten; both set OE. */
static void rx_push(Ns16550a *u, uint8_t byte)
{
    bool had_room = rx_has_room(u);
    if (!had_room) {
        u->lsr_errors |= LSR_OE;
        if (!fifo_on(u))
            u->rx[u->rx_head] = byte;
    } else {
        u->rx[(u->rx_head + u->rx_count++) % RX_FIFO_SIZE] = byte;
    }
    rx_room_changed(u, had_room);
    if (u->clock)
        u->rx_activity = clock_now(u->clock);
}

static uint8_t rx_pop(Ns16550a *u)
{
    if (!u->rx_count)
        return 0;
    bool had_room = rx_has_room(u);
    uint8_t byte = u->rx[u->rx_head];
    u->rx_head = (u->rx_head + 1) % RX_FIFO_SIZE;
    u->rx_count--;
    rx_room_changed(u, had_room);
    if (u->clock)
        u->rx_activity = clock_now(u->clock);
    return byte;
}

static void rx_clear(Ns16550a *u)
{
    bool had_room = rx_has_room(u);
    u->rx_head = u->rx_count = 0;
    rx_room_changed(u, had_room);
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
    if (chardev_read(u->chardev, &byte, 1) == 1) {
        rx_push(u, byte);
        if (u->host.signal)
            publish_frame(u, "rx", "rx_byte", byte, clock_now(u->clock));
    }
    rx_poll_schedule(u);
    ns16550a_update_irq(u);
}

/* ---- registers ---- */

/* Offset 0: RBR (read; dequeues), THR (write: transmits), DLL while DLAB. */
static uint32_t rbr_read(void *dev, unsigned index, bool peek)
{
    Ns16550a *u = dev;
    if (dlab(u))
        return u->dll;
    if (peek)
        return u->rx_count ? u->rx[u->rx_head] : 0;
    return rx_pop(u);
}

/* Waveforms: a written byte's frame, after the ones still on the line.
 * A firmware may write faster than the line carries bytes (the THR
 * empties at once): past TX_DRAWN_AHEAD frames behind, a byte is not
 * drawn, so the waveform (and the changes waiting for virtual time in
 * memory) stays that close to the run however long it prints. */
static void draw_tx(Ns16550a *u, uint8_t byte)
{
    uint64_t now = clock_now(u->clock);
    uint64_t start = u->tx_line_free > now ? u->tx_line_free : now;
    if (start - now >= TX_DRAWN_AHEAD * char_cycles(u))
        return;
    u->tx_line_free = publish_frame(u, "tx", "tx_byte", byte, start);
}

static void thr_write(void *dev, unsigned index, uint32_t value)
{
    Ns16550a *u = dev;
    if (dlab(u)) {
        u->dll = (uint8_t)value;
        return;
    }
    uint8_t byte = (uint8_t)value;
    if (loopback(u))
        rx_push(u, byte);
    else
        chardev_write(u->chardev, &byte, 1);
    if (u->host.signal && u->clock && !loopback(u))
        draw_tx(u, byte);
    u->thr_pending = true; /* the THR is empty again at once */
}

/* Offset 1: IER, DLM while DLAB. */
static uint32_t ier_read(void *dev, unsigned index, bool peek)
{
    const Ns16550a *u = dev;
    return dlab(u) ? u->dlm : u->ier;
}

static void ier_write(void *dev, unsigned index, uint32_t value)
{
    Ns16550a *u = dev;
    if (dlab(u)) {
        u->dlm = (uint8_t)value;
        return;
    }
    /* Enabling ETBEI with the THR empty (always) raises it. */
    if ((value ^ u->ier) & IER_ETBEI)
        u->thr_pending = value & IER_ETBEI;
    u->ier = value & IER_MASK;
}

/* Offset 2: IIR (read; showing THR empty clears it), FCR (write). */
static uint32_t iir_read(void *dev, unsigned index, bool peek)
{
    Ns16550a *u = dev;
    uint8_t v = ns16550a_iir(u);
    if (!peek && (v & IIR_ID_MASK) == IIR_THRI)
        u->thr_pending = false;
    return v;
}

static void fcr_write(void *dev, unsigned index, uint32_t value)
{
    Ns16550a *u = dev;
    u->rx_dirty = true; /* the FIFO's size, or what it holds */
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

/* MSR's delta bits record each change of a modem input; in loopback the
 * inputs follow MCR. */
static void mcr_written(void *dev, unsigned index, uint32_t mcr)
{
    Ns16550a *u = dev;
    uint8_t before = u->lines, after = modem_lines(u), changed = before ^ after;
    u->lines = after;
    u->msr_deltas |= (changed & MSR_CTS ? MSR_DCTS : 0) |
                     (changed & MSR_DSR ? MSR_DDSR : 0) |
                     (changed & MSR_DCD ? MSR_DDCD : 0) |
                     (before & MSR_RI & ~after ? MSR_TERI : 0);
    u->rx_dirty = true; /* loopback may have changed */
}

static uint32_t lsr_read(void *dev, unsigned index, bool peek)
{
    Ns16550a *u = dev;
    uint8_t v = (u->rx_count ? LSR_DR : 0) | u->lsr_errors | LSR_THRE | LSR_TEMT;
    if (!peek)
        u->lsr_errors = 0;
    return v;
}

static uint32_t msr_read(void *dev, unsigned index, bool peek)
{
    Ns16550a *u = dev;
    uint8_t v = modem_lines(u) | u->msr_deltas;
    if (!peek)
        u->msr_deltas = 0;
    return v;
}

/* After every access: the receiver's polling (when something it depends
 * on changed) and the output. A split access runs it once, at its end. */
static void ns16550a_changed(void *dev)
{
    Ns16550a *u = dev;
    if (u->batch)
        return;
    if (u->rx_dirty)
        rx_poll_schedule(u);
    ns16550a_update_irq(u);
}

static const RegField ier_fields[] = {{"erbfi", 0, 1}, {"etbei", 1, 1},
                                      {"elsi", 2, 1}, {"edssi", 3, 1}, {0}};
static const RegField iir_fields[] = {{"no_int", 0, 1}, {"id", 1, 3},
                                      {"fifos", 6, 2}, {0}};
static const RegField fcr_fields[] = {{"fifo_enable", 0, 1}, {"rcvr_reset", 1, 1},
                                      {"xmit_reset", 2, 1}, {"dma_mode", 3, 1},
                                      {"rcvr_trigger", 6, 2}, {0}};
static const RegField lcr_fields[] = {{"wls", 0, 2}, {"stb", 2, 1}, {"pen", 3, 1},
                                      {"eps", 4, 1}, {"stick_parity", 5, 1},
                                      {"set_break", 6, 1}, {"dlab", 7, 1}, {0}};
static const RegField mcr_fields[] = {{"dtr", 0, 1}, {"rts", 1, 1}, {"out1", 2, 1},
                                      {"out2", 3, 1}, {"loop", 4, 1}, {0}};
static const RegField lsr_fields[] = {{"dr", 0, 1}, {"oe", 1, 1}, {"pe", 2, 1},
                                      {"fe", 3, 1}, {"bi", 4, 1}, {"thre", 5, 1},
                                      {"temt", 6, 1}, {"fifo_error", 7, 1}, {0}};
static const RegField msr_fields[] = {{"dcts", 0, 1}, {"ddsr", 1, 1}, {"teri", 2, 1},
                                      {"ddcd", 3, 1}, {"cts", 4, 1}, {"dsr", 5, 1},
                                      {"ri", 6, 1}, {"dcd", 7, 1}, {0}};

/* Offsets 0-2 are banked: hooks choose by DLAB and direction, their
 * fields are in ns16550a_views. lsr and msr show their reset values. */
static const RegDef ns16550a_regs[] = {
    {.name = "rbr_thr_dll", .offset = 0, .width = 1, .access = REG_RW,
     .store = REG_NO_STORE, .read = rbr_read, .write = thr_write},
    {.name = "ier_dlm", .offset = 1, .width = 1, .access = REG_RW,
     .store = REG_NO_STORE, .read = ier_read, .write = ier_write},
    {.name = "iir_fcr", .offset = 2, .width = 1, .access = REG_RW,
     .reset = IIR_NONE, .store = REG_NO_STORE, .read = iir_read,
     .write = fcr_write},
    {.name = "lcr", .offset = 3, .width = 1, .access = REG_RW,
     .store = offsetof(Ns16550a, lcr), .fields = lcr_fields},
    {.name = "mcr", .offset = 4, .width = 1, .access = REG_RW, .mask = MCR_MASK,
     .store = offsetof(Ns16550a, mcr), .write = mcr_written,
     .fields = mcr_fields},
    {.name = "lsr", .offset = 5, .width = 1, .access = REG_RO, .reset = LSR_RESET,
     .store = REG_NO_STORE, .read = lsr_read, .fields = lsr_fields},
    {.name = "msr", .offset = 6, .width = 1, .access = REG_RO, .reset = MSR_RESET,
     .store = REG_NO_STORE, .read = msr_read, .fields = msr_fields},
    {.name = "scr", .offset = 7, .width = 1, .access = REG_RW,
     .store = offsetof(Ns16550a, scr)},
};

static const RegState ns16550a_state[] = {
    REG_STATE(Ns16550a, ier),
    REG_STATE(Ns16550a, fcr),
    REG_STATE(Ns16550a, dll),
    REG_STATE(Ns16550a, dlm),
    REG_STATE(Ns16550a, lines),
    REG_STATE(Ns16550a, lsr_errors),
    REG_STATE(Ns16550a, msr_deltas),
    REG_STATE_BOOL(Ns16550a, thr_pending),
    REG_STATE_BOOL(Ns16550a, started),
    REG_STATE(Ns16550a, rx),
    REG_STATE(Ns16550a, rx_head),
    REG_STATE(Ns16550a, rx_count),
    REG_STATE(Ns16550a, rx_activity),
    REG_STATE(Ns16550a, tx_line_free),
    REG_STATE_EVENT(Ns16550a, rx_poll),
    REG_STATE_EVENT(Ns16550a, rx_timeout),
};

static bool ns16550a_check_load(const void *dev, Error **errp)
{
    const Ns16550a *u = dev;
    if (u->rx_head < RX_FIFO_SIZE && u->rx_count <= rx_capacity(u))
        return true;
    error_setf(errp, "saved receive FIFO (head %u, %u bytes) does not fit its %u "
               "entries", u->rx_head, u->rx_count, rx_capacity(u));
    return false;
}

/* A snapshot load: the output from the restored state; the poll and
 * timeout events wait at their restored deadlines. */
static void ns16550a_loaded(void *dev)
{
    Ns16550a *u = dev;
    irq_set(&u->irq, !(ns16550a_iir(u) & IIR_NONE));
}

static const RegTable ns16550a_table = {
    .regs = ns16550a_regs,
    .nregs = REG_TABLE_LEN(ns16550a_regs),
    .state = ns16550a_state,
    .nstate = REG_TABLE_LEN(ns16550a_state),
    .after_access = ns16550a_changed,
    .check_load = ns16550a_check_load,
    .after_load = ns16550a_loaded,
};

/* The banked registers by name, for traces only (no storage, no hooks,
 * never accessed): a table names one register per offset, so each view
 * of offsets 0-2 sits at its own made-up base (ns16550a_view_offset). */
enum { VIEW_READ = 0, VIEW_WRITE = 4, VIEW_DLAB = 8 };

static const RegDef ns16550a_view_regs[] = {
    {.name = "rbr", .offset = VIEW_READ + 0, .width = 1, .access = REG_RO,
     .store = REG_NO_STORE},
    {.name = "ier", .offset = VIEW_READ + 1, .width = 1, .access = REG_RW,
     .mask = IER_MASK, .store = REG_NO_STORE, .fields = ier_fields},
    {.name = "iir", .offset = VIEW_READ + 2, .width = 1, .access = REG_RO,
     .reset = IIR_NONE, .store = REG_NO_STORE, .fields = iir_fields},
    {.name = "thr", .offset = VIEW_WRITE + 0, .width = 1, .access = REG_WO,
     .store = REG_NO_STORE},
    {.name = "ier", .offset = VIEW_WRITE + 1, .width = 1, .access = REG_RW,
     .mask = IER_MASK, .store = REG_NO_STORE, .fields = ier_fields},
    {.name = "fcr", .offset = VIEW_WRITE + 2, .width = 1, .access = REG_WO,
     .mask = FCR_MASK, .store = REG_NO_STORE, .fields = fcr_fields},
    {.name = "dll", .offset = VIEW_DLAB + 0, .width = 1, .access = REG_RW,
     .store = REG_NO_STORE},
    {.name = "dlm", .offset = VIEW_DLAB + 1, .width = 1, .access = REG_RW,
     .store = REG_NO_STORE},
};

static const RegTable ns16550a_views = {
    .regs = ns16550a_view_regs,
    .nregs = REG_TABLE_LEN(ns16550a_view_regs),
};

/* Where the register an access at `offset` (0-2) reached sits in the
 * views. DLAB as it is now: an access changes it only by writing LCR, so
 * after a one-byte access it is what the access saw. */
static uint64_t ns16550a_view_offset(const Ns16550a *u, uint64_t offset,
                                     bool is_write)
{
    if (dlab(u) && offset < 2)
        return VIEW_DLAB + offset;
    return (is_write ? VIEW_WRITE : VIEW_READ) + offset;
}

/* ---- the MMIO operations ---- */

static void ns16550a_start(Ns16550a *u)
{
    if (u->started)
        return;
    u->started = true;
    u->rx_dirty = true;
}

/* A one-byte read of a register goes straight to the table, whose
 * after_access then runs. Every other access is done as one access of
 * bytes, with after_access once at its end whatever the table did: regs.h
 * runs it neither for an offset with no register nor for a write to the
 * read-only lsr and msr, and every access updates the UART and wakes its
 * receiver. A wider access (which regs.h would refuse) reaches
 * consecutive registers, lowest offset in the low byte. Such reads are
 * out of line so that the one-byte path needs no stack frame. */
__attribute__((noinline))
static bool ns16550a_split_read(Ns16550a *u, uint64_t offset, unsigned size,
                                uint32_t *value)
{
    u->batch = true;
    *value = 0;
    for (unsigned i = 0; i < size; i++) {
        uint32_t byte;
        regs_read(&u->bank, offset + i, 1, &byte);
        *value |= byte << 8 * i;
    }
    u->batch = false;
    ns16550a_changed(u);
    return true;
}

static bool ns16550a_mmio_read(void *opaque, uint64_t offset, unsigned size,
                               uint32_t *value)
{
    Ns16550a *u = opaque;
    ns16550a_start(u);
    if (size == 1 && offset < NS16550A_NREGS)
        return regs_read(&u->bank, offset, 1, value);
    return ns16550a_split_read(u, offset, size, value);
}

static bool ns16550a_mmio_write(void *opaque, uint64_t offset, unsigned size,
                                uint32_t value)
{
    Ns16550a *u = opaque;
    ns16550a_start(u);
    u->batch = true;
    for (unsigned i = 0; i < size; i++)
        regs_write(&u->bank, offset + i, 1, (uint8_t)(value >> 8 * i));
    u->batch = false;
    ns16550a_changed(u);
    return true;
}

/* The debugger reads words: regs_peek gives each byte from its register. */
static bool ns16550a_mmio_peek(void *opaque, uint64_t offset, unsigned size,
                               uint32_t *value)
{
    Ns16550a *u = opaque;
    return regs_peek(&u->bank, offset, size, value);
}

static void ns16550a_describe(void *opaque, uint64_t offset, uint32_t value,
                              bool is_write, char *name, size_t name_len,
                              char *fields, size_t fields_len)
{
    const Ns16550a *u = opaque;
    if (offset > 2) {
        regs_describe_access(&u->bank, offset, value, is_write, name, name_len,
                             fields, fields_len);
        return;
    }
    regs_describe_access(&u->views, ns16550a_view_offset(u, offset, is_write),
                         value, is_write, name, name_len, fields, fields_len);
}

static const MmioOps ns16550a_ops = {
    .read = ns16550a_mmio_read,
    .write = ns16550a_mmio_write,
    .peek = ns16550a_mmio_peek,
    .describe = ns16550a_describe,
};

/* ---- the class ---- */

REGS_STATE_HOOKS(ns16550a, Ns16550a, bank, "ns16550a")

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
    uint32_t scr = u->scr;
    regs_reset(&u->bank);
    u->scr = scr;
    u->ier = u->fcr = 0;
    u->lines = modem_lines(u);
    u->lsr_errors = u->msr_deltas = 0;
    u->thr_pending = false;
    u->started = false;
    rx_clear(u);
    if (u->clock)
        u->rx_activity = clock_now(u->clock);
    rx_poll_schedule(u); /* cancels it: not started */
    ns16550a_update_irq(u);
}

static void ns16550a_finalize(void *opaque)
{
    Ns16550a *u = opaque;
    clock_event_free(u->rx_poll);
    clock_event_free(u->rx_timeout);
    chardev_close(u->chardev);
    free(u->name);
    free(u);
}

#define NS16550A_TYPE "ns16550a"

static const DeviceProperty ns16550a_props[] = {
    {"chardev", "the character backend (stdio, null, file:..., tcp:PORT, "
     "pty); default stdio", true},
    {"clock-frequency", "the baud generator's input clock in Hz; default "
     "3686400", false},
    REGS_BAD_ACCESS_PROPERTY,
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

/* A new UART in its power-on state; NULL (nothing left allocated) when the
 * `bad-access` property is wrong. */
static Ns16550a *ns16550a_new(const DeviceConfig *config, Error **errp)
{
    Ns16550a *u = xcalloc(1, sizeof *u);
    u->name = xstrdup(config->desc->name);
    if (!regs_bank_init(&u->bank, &ns16550a_table, u, u->name, config, errp) ||
        !regs_bank_init(&u->views, &ns16550a_views, u, u->name, config, errp)) {
        free(u->name);
        free(u);
        return NULL;
    }
    u->lines = modem_lines(u);
    return u;
}

static bool ns16550a_create(const DeviceConfig *config, Device *out,
                            Error **errp)
{
    uint64_t xin_hz;
    if (!ns16550a_config(config, &xin_hz, errp))
        return false;
    const DeviceHost *host = config->host;
    Ns16550a *u = ns16550a_new(config, errp);
    if (!u)
        return false;
    Chardev *chr = device_open_chardev(config, errp);
    if (!chr) {
        free(u->name);
        free(u);
        return false;
    }
    u->host = *host;
    device_signal(host, u->name, "tx", 1, 1); /* waveforms: idle lines */
    device_signal(host, u->name, "rx", 1, 1);
    device_signal(host, u->name, "tx_byte", 8, DEVICE_SIGNAL_Z);
    device_signal(host, u->name, "rx_byte", 8, DEVICE_SIGNAL_Z);
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
    .registers = &ns16550a_table,
    .save_state = ns16550a_save_state,
    .load_state = ns16550a_load_state,
};
