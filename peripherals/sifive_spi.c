/* SiFive SPI controller ("sifive,spi0"), as on the FE310-G002: QSPI0 at
 * 0x10014000 (1 chip select, the direct-map flash interface at
 * 0x20000000), SPI1 at 0x10024000 (4 chip selects), SPI2 at 0x10034000
 * (1 chip select).
 *
 * Register map: SiFive FE310-G002 Manual v19p05, chapter "Serial
 * Peripheral Interface (SPI)", table "Register offsets within the SPI
 * memory map", with the reset values and widths of its register
 * descriptions (the sifive-blocks RTL, devices/spi, agrees except where
 * the manual says flash-enabled controllers differ; the manual wins):
 *   0x00 sckdiv  11:0 div, reset 3; SCK = bus clock / (2 * (div + 1))
 *   0x04 sckmode 0 pha, 1 pol (stored: every frame exchanges whole bytes)
 *   0x10 csid    the chip select frames assert (1 bit, 2 with 4 chip
 *                selects), reset 0
 *   0x14 csdef   a bit per chip select, its inactive level; reset all 1s
 *   0x18 csmode  1:0 mode: 0 AUTO (asserted for each frame), 2 HOLD (kept
 *                asserted after the first frame until csmode, or a frame
 *                to another csid, changes that), 3 OFF (no hardware
 *                control: the pins are csdef); 1 (reserved) acts as AUTO
 *   0x28 delay0  7:0 cssck, 23:16 sckcs, reset 0x00010001 (stored only)
 *   0x2c delay1  7:0 intercs, 23:16 interxfr, reset 0x00000001 (stored)
 *   0x40 fmt     1:0 proto, 2 endian (1: LSB first), 3 dir (1: Tx, the
 *                receive FIFO is not filled), 19:16 len; reset len 8, dir
 *                1 on a flash-enabled controller, 0 otherwise
 *   0x48 txdata  7:0 data: a write queues it unless the FIFO is full
 *                (dropped, reported once per overflow); 31 full
 *   0x4c rxdata  7:0 data, 31 empty; a read dequeues
 *   0x50 txmark  2:0, reset 1 on a flash-enabled controller, 0 otherwise
 *   0x54 rxmark  2:0, reset 0
 *   0x60 fctrl   0 en, reset 1       (flash-enabled controllers only:
 *   0x64 ffmt    reset 0x00030007     elsewhere no register is there)
 *   0x70 ie      0 txwm, 1 rxwm
 *   0x74 ip      read-only, derived: txwm = TX FIFO level < txmark,
 *                rxwm = RX FIFO level > rxmark
 * FIFOs are 8 deep. One interrupt output ("irq"): ip & ie, driven only by
 * spi_update_irq. Accesses must be 32-bit and aligned (the `bad-access`
 * property says what else happens), but txdata also takes 1- and 2-byte
 * accesses: freedom-metal's driver queues each byte with a byte store.
 * (Its write hook cannot tell which bytes a narrow write covered, so one
 * that misses bits 7:0, at +0x49..+0x4b, queues a 0.) Other offsets read
 * 0, ignore writes.
 *
 * Frames, with `clock-frequency` the bus clock (Hz; default the CPU's):
 * the oldest TX FIFO byte goes out when no frame is in flight (and, on a
 * flash-enabled controller, while fctrl.en is clear: the direct-map
 * interface owns the wires while it is set, as the hardware's arbiter
 * gives them to it), and takes min(len, 8) bits, sent 1, 2 or 4 bits per
 * SCK period for proto single, dual or quad, each period 2 * (div + 1)
 * bus cycles. At its end the byte is exchanged with every device whose
 * chip select is low (spi_bus.h), what came back goes into the RX FIFO
 * unless fmt.dir is Tx (a full RX FIFO drops it, reported once per
 * overflow), and in AUTO mode the chip select is released. Chip-select
 * edges reach the device on that chip select as they happen. Without a
 * machine clock, frames complete at once. delay0/delay1 add no time.
 *
 * The direct-map interface (property `flash-window`, naming the board
 * memory it shows, the HiFive1's `flash`): the controller is then
 * flash-enabled (fctrl, ffmt and the reset values above), and while
 * fctrl.en is clear a region of its own covers that memory (mapped at
 * priority 1): reads return 0, as the hardware's direct-map port answers
 * while disabled, and writes fault (a store access fault). An instruction
 * fetch there reads 0 too, so it traps as an illegal instruction (mcause
 * 2), not as a fetch access fault; code that turns it off must run from
 * RAM, as on the real chip. While fctrl.en is set the
 * memory shows through: its bytes are the flash's (spi_flash.c's `memory`
 * property serves SPI commands from the same bytes). ffmt is stored, but
 * the window always reads the memory's bytes whatever command it names.
 *
 * Properties: `clock-frequency`, `num-cs` (1 to 4, default 1),
 * `flash-window`, `cs0`..`cs3` (the device on each chip select, e.g.
 * `cs0: "spi-flash memory=flash"`: bus_device.h; live: `peripheral set
 * NAME csN VALUE` replaces it), `bad-access`.
 *
 * Not modelled: dual and quad data (the proto field sets the frame's
 * duration; the data goes as single), frames that are not whole bytes
 * (len is timed, the device exchanges a byte), SCK phase and polarity,
 * the delays, the direct-map port's own SPI traffic (its reads go
 * straight to the memory, never through the device on cs0), the pins and
 * their GPIO IOF routing.
 */
#include "peripherals/bus_device.h"
#include "peripherals/regs.h"
#include "peripherals/sifive_fifo.h"
#include "peripherals/spi_bus.h"
#include "soc/alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIFIVE_SPI_TYPE "sifive,spi0"
#define MAX_CS 4
#define WINDOW_PRIORITY 1 /* above the board's memory (0) */

#define IP_TXWM 0x1u
#define IP_RXWM 0x2u
#define CSMODE_HOLD 2u
#define CSMODE_OFF 3u
#define FMT_ENDIAN_LSB 0x4u
#define FMT_DIR_TX 0x8u
#define FCTRL_EN 0x1u

static const char *const spi_irq_names[] = {"irq"};
static const char *const cs_keys[MAX_CS] = {"cs0", "cs1", "cs2", "cs3"};

typedef struct SifiveSpi {
    RegBank bank;
    uint32_t sckdiv, sckmode, csid, csdef, csmode, delay0, delay1, fmt;
    uint32_t txmark, rxmark, fctrl, ffmt, ie;

    char *name;
    DeviceHost host;
    MemorySystem *ms;
    Clock *clock;          /* NULL: frames complete at once */
    uint64_t clock_hz;     /* bus clock */
    ClockEvent *frame_end; /* the frame in flight ends */
    IrqLine irq;
    unsigned ncs;
    bool flash;                /* flash-enabled: fctrl, ffmt, a window */
    MemoryRegion *window_off;  /* covers the flash memory while !fctrl.en */
    bool window_hidden;        /* window_off is enabled */
    BusDevice cs[MAX_CS];

    SifiveFifo tx, rx;
    bool busy;        /* a frame is in flight */
    uint8_t shift;    /* its byte */
    bool cs_active;   /* the hardware asserts active_id */
    uint8_t active_id;
    uint8_t pins;     /* chip-select levels the devices last saw, bit i: csi high */
    bool tx_overflowed, rx_overflowed; /* reported since room came back */
} SifiveSpi;

static uint8_t bit_reverse(uint8_t b)
{
    uint8_t r = 0;
    for (unsigned i = 0; i < 8; i++)
        r |= (uint8_t)(((b >> i) & 1) << (7 - i));
    return r;
}

/* ---- interrupts ---- */

static uint32_t spi_ip(const SifiveSpi *s)
{
    return (s->tx.count < s->txmark ? IP_TXWM : 0) |
           (s->rx.count > s->rxmark ? IP_RXWM : 0);
}

/* The one place the output is driven. */
static void spi_update_irq(SifiveSpi *s)
{
    irq_set(&s->irq, (spi_ip(s) & s->ie) != 0);
}

/* ---- chip selects ---- */

static const SpiDeviceOps *cs_ops(const SifiveSpi *s, unsigned i)
{
    return s->cs[i].cls ? s->cs[i].cls->ops : NULL;
}

static uint8_t wanted_pins(const SifiveSpi *s)
{
    uint8_t mask = (uint8_t)((1u << s->ncs) - 1);
    uint8_t pins = (uint8_t)(s->csdef & mask);
    if (s->cs_active)
        pins ^= (uint8_t)(1u << s->active_id);
    return pins & mask;
}

/* Brings the pins to what the registers say, telling each device whose
 * chip select moved (spi_bus.h: edges only). */
static void spi_drive_pins(SifiveSpi *s)
{
    uint8_t want = wanted_pins(s);
    uint8_t moved = s->pins ^ want;
    s->pins = want;
    for (unsigned i = 0; i < s->ncs; i++) {
        const SpiDeviceOps *ops = cs_ops(s, i);
        if ((moved >> i & 1) && ops)
            ops->select(s->cs[i].dev, !(want >> i & 1));
    }
}

/* ---- frames ---- */

/* Machine cycles one frame takes at the current format and divisor. */
static uint64_t frame_cycles(const SifiveSpi *s)
{
    unsigned len = (s->fmt >> 16) & 0xf;
    unsigned bits = len < 8 ? len : 8;
    unsigned proto = s->fmt & 3;
    unsigned lanes = proto == 1 ? 2 : proto == 2 ? 4 : 1;
    uint64_t periods = (bits + lanes - 1) / lanes;
    uint64_t ticks = periods * 2 * ((uint64_t)s->sckdiv + 1);
    uint64_t cycles = clock_cycles_from(s->clock, ticks, s->clock_hz);
    return cycles ? cycles : 1;
}

/* The byte on the wire, MSB first, to every selected device; their
 * answers ANDed (spi_bus.h), SPI_MISO_IDLE when none drives MISO. */
static uint8_t exchange(SifiveSpi *s, uint8_t data)
{
    bool lsb = s->fmt & FMT_ENDIAN_LSB;
    uint8_t mosi = lsb ? bit_reverse(data) : data;
    uint8_t miso = SPI_MISO_IDLE;
    for (unsigned i = 0; i < s->ncs; i++) {
        const SpiDeviceOps *ops = cs_ops(s, i);
        if (!(s->pins >> i & 1) && ops)
            miso &= ops->transfer(s->cs[i].dev, mosi);
    }
    return lsb ? bit_reverse(miso) : miso;
}

static bool wires_ours(const SifiveSpi *s)
{
    return !s->flash || !(s->fctrl & FCTRL_EN);
}

static void frame_finish(SifiveSpi *s);

/* Starts frames while there is something to send; without a clock each
 * completes at once. */
static void spi_kick(SifiveSpi *s)
{
    while (!s->busy && s->tx.count && wires_ours(s)) {
        if (s->csmode != CSMODE_OFF &&
            (!s->cs_active || s->active_id != s->csid)) {
            if (s->cs_active) { /* HOLD moving to another chip select */
                s->cs_active = false;
                spi_drive_pins(s);
            }
            s->cs_active = s->csid < s->ncs;
            s->active_id = (uint8_t)s->csid;
            spi_drive_pins(s);
        }
        s->shift = sifive_fifo_pop(&s->tx);
        s->tx_overflowed = false;
        s->busy = true;
        if (!s->clock) {
            frame_finish(s);
            continue;
        }
        clock_event_schedule(s->frame_end, clock_now(s->clock) + frame_cycles(s));
    }
}

static void frame_finish(SifiveSpi *s)
{
    uint8_t in = exchange(s, s->shift);
    s->busy = false;
    if (!(s->fmt & FMT_DIR_TX)) {
        if (s->rx.count < SIFIVE_FIFO_DEPTH) {
            sifive_fifo_push(&s->rx, in);
        } else if (!s->rx_overflowed) {
            s->rx_overflowed = true;
            device_log_guest(&s->host, s->name, "a frame ended with the receive "
                             "FIFO full: the byte received is dropped");
        }
    }
    if (s->csmode != CSMODE_HOLD && s->cs_active) {
        s->cs_active = false; /* AUTO: released after each frame */
        spi_drive_pins(s);
    }
}

static void spi_frame_end(void *opaque)
{
    SifiveSpi *s = opaque;
    frame_finish(s);
    spi_kick(s);
    spi_update_irq(s);
}

/* ---- the direct-map window ---- */

static void spi_update_window(SifiveSpi *s)
{
    bool hide = !(s->fctrl & FCTRL_EN);
    if (!s->window_off || hide == s->window_hidden)
        return; /* each change rebuilds the flat view: only real ones */
    s->window_hidden = hide;
    memory_region_set_enabled(s->window_off, hide);
}

/* What the direct-map port answers while disabled. */
static bool window_off_read(void *opaque, uint64_t offset, unsigned size,
                            uint32_t *value)
{
    *value = 0;
    return true;
}

static bool window_off_write(void *opaque, uint64_t offset, unsigned size,
                             uint32_t value)
{
    return false; /* the direct-map port takes no writes */
}

static const MmioOps window_off_ops = {
    .read = window_off_read,
    .write = window_off_write,
    .peek = window_off_read,
};

/* ---- registers ---- */

static uint32_t txdata_read(void *dev, unsigned index, bool peek)
{
    const SifiveSpi *s = dev;
    return sifive_txdata_read(&s->tx);
}

static void txdata_write(void *dev, unsigned index, uint32_t value)
{
    SifiveSpi *s = dev;
    sifive_txdata_write(&s->tx, &s->tx_overflowed, &s->host, s->name, (uint8_t)value);
}

static uint32_t rxdata_read(void *dev, unsigned index, bool peek)
{
    SifiveSpi *s = dev;
    if (!peek && s->rx.count)
        s->rx_overflowed = false; /* room again: a new drop is a new overflow */
    return sifive_rxdata_read(&s->rx, peek);
}

static uint32_t ip_read(void *dev, unsigned index, bool peek)
{
    return spi_ip(dev);
}

/* Bits past the instance's chip selects do not exist. */
static void csid_write(void *dev, unsigned index, uint32_t value)
{
    SifiveSpi *s = dev;
    s->csid = value & (s->ncs > 2 ? 3u : 1u);
}

static void csdef_write(void *dev, unsigned index, uint32_t value)
{
    SifiveSpi *s = dev;
    s->csdef = value & ((1u << s->ncs) - 1);
}

static unsigned flash_only(const void *dev)
{
    return ((const SifiveSpi *)dev)->flash ? 1 : 0;
}

/* After every guest access: leaving HOLD releases the chip select, the
 * pins follow csdef, frames start, the window follows fctrl.en. */
static void spi_after_access(void *dev)
{
    SifiveSpi *s = dev;
    if (!s->busy && s->cs_active && s->csmode != CSMODE_HOLD)
        s->cs_active = false;
    spi_drive_pins(s);
    spi_kick(s);
    spi_update_window(s);
    spi_update_irq(s);
}

static const RegField sckdiv_fields[] = {{"div", 0, 12}, {0}};
static const RegField sckmode_fields[] = {{"pha", 0, 1}, {"pol", 1, 1}, {0}};
static const RegField csid_fields[] = {{"csid", 0, 2}, {0}};
static const RegField csdef_fields[] = {{"csdef", 0, 4}, {0}};
static const RegField csmode_fields[] = {{"mode", 0, 2}, {0}};
static const RegField delay0_fields[] = {{"cssck", 0, 8}, {"sckcs", 16, 8}, {0}};
static const RegField delay1_fields[] = {{"intercs", 0, 8}, {"interxfr", 16, 8},
                                         {0}};
static const RegField fmt_fields[] = {{"proto", 0, 2}, {"endian", 2, 1},
                                      {"dir", 3, 1}, {"len", 16, 4}, {0}};
static const RegField txdata_fields[] = {{"data", 0, 8}, {"full", 31, 1}, {0}};
static const RegField rxdata_fields[] = {{"data", 0, 8}, {"empty", 31, 1}, {0}};
static const RegField txmark_fields[] = {{"txmark", 0, 3}, {0}};
static const RegField rxmark_fields[] = {{"rxmark", 0, 3}, {0}};
static const RegField fctrl_fields[] = {{"en", 0, 1}, {0}};
static const RegField ffmt_fields[] = {
    {"cmd_en", 0, 1}, {"addr_len", 1, 3}, {"pad_cnt", 4, 4},
    {"cmd_proto", 8, 2}, {"addr_proto", 10, 2}, {"data_proto", 12, 2},
    {"cmd_code", 16, 8}, {"pad_code", 24, 8}, {0}};
static const RegField ie_fields[] = {{"txwm", 0, 1}, {"rxwm", 1, 1}, {0}};

#define AT(member) offsetof(SifiveSpi, member)

/* Resets that depend on the instance (csdef: its chip selects; fmt.dir
 * and txmark: flash-enabled) are applied by spi_instance_reset. */
static const RegDef spi_regs[] = {
    {.name = "sckdiv", .offset = 0x00, .width = 4, .access = REG_RW, .reset = 3,
     .mask = 0xfff, .store = AT(sckdiv), .fields = sckdiv_fields},
    {.name = "sckmode", .offset = 0x04, .width = 4, .access = REG_RW,
     .mask = 0x3, .store = AT(sckmode), .fields = sckmode_fields},
    {.name = "csid", .offset = 0x10, .width = 4, .access = REG_RW, .mask = 0x3,
     .store = AT(csid), .write = csid_write, .fields = csid_fields},
    {.name = "csdef", .offset = 0x14, .width = 4, .access = REG_RW, .reset = 0x1,
     .mask = 0xf, .store = AT(csdef), .write = csdef_write, .fields = csdef_fields},
    {.name = "csmode", .offset = 0x18, .width = 4, .access = REG_RW, .mask = 0x3,
     .store = AT(csmode), .fields = csmode_fields},
    {.name = "delay0", .offset = 0x28, .width = 4, .access = REG_RW,
     .reset = 0x00010001, .mask = 0x00ff00ff, .store = AT(delay0),
     .fields = delay0_fields},
    {.name = "delay1", .offset = 0x2c, .width = 4, .access = REG_RW,
     .reset = 0x00000001, .mask = 0x00ff00ff, .store = AT(delay1),
     .fields = delay1_fields},
    {.name = "fmt", .offset = 0x40, .width = 4, .access = REG_RW,
     .reset = 0x00080000, .mask = 0x000f000f, .store = AT(fmt),
     .fields = fmt_fields},
    {.name = "txdata", .offset = 0x48, .width = 4, .access = REG_RW, .mask = 0xff,
     .flags = REG_NARROW, .store = REG_NO_STORE, .read = txdata_read, .write = txdata_write,
     .fields = txdata_fields},
    {.name = "rxdata", .offset = 0x4c, .width = 4, .access = REG_RO,
     .store = REG_NO_STORE, .read = rxdata_read, .fields = rxdata_fields},
    {.name = "txmark", .offset = 0x50, .width = 4, .access = REG_RW, .mask = 0x7,
     .store = AT(txmark), .fields = txmark_fields},
    {.name = "rxmark", .offset = 0x54, .width = 4, .access = REG_RW, .mask = 0x7,
     .store = AT(rxmark), .fields = rxmark_fields},
    {.name = "fctrl", .offset = 0x60, .width = 4, .access = REG_RW, .reset = 1,
     .mask = 0x1, .count_of = flash_only, .store = AT(fctrl),
     .fields = fctrl_fields},
    {.name = "ffmt", .offset = 0x64, .width = 4, .access = REG_RW,
     .reset = 0x00030007, .count_of = flash_only, .store = AT(ffmt),
     .fields = ffmt_fields},
    {.name = "ie", .offset = 0x70, .width = 4, .access = REG_RW, .mask = 0x3,
     .store = AT(ie), .fields = ie_fields},
    {.name = "ip", .offset = 0x74, .width = 4, .access = REG_RO,
     .store = REG_NO_STORE, .read = ip_read, .fields = ie_fields},
};

/* The FIFOs, the frame in flight, the chip selects as driven and as the
 * devices saw them, the overflow reports. (window_hidden mirrors the
 * window region: after_load brings it to fctrl.en.) */
static const RegState spi_state[] = {
    REG_STATE(SifiveSpi, tx),
    REG_STATE(SifiveSpi, rx),
    REG_STATE_BOOL(SifiveSpi, busy),
    REG_STATE(SifiveSpi, shift),
    REG_STATE_BOOL(SifiveSpi, cs_active),
    REG_STATE(SifiveSpi, active_id),
    REG_STATE(SifiveSpi, pins),
    REG_STATE_BOOL(SifiveSpi, tx_overflowed),
    REG_STATE_BOOL(SifiveSpi, rx_overflowed),
    REG_STATE_EVENT(SifiveSpi, frame_end),
};

static bool spi_check_load(const void *dev, Error **errp)
{
    const SifiveSpi *s = dev;
    if (!sifive_fifo_ok(&s->tx) || !sifive_fifo_ok(&s->rx)) {
        error_setf(errp, "saved FIFOs hold more than %u bytes", SIFIVE_FIFO_DEPTH);
        return false;
    }
    if (s->cs_active && s->active_id >= s->ncs) {
        error_setf(errp, "saved state asserts chip select %u of %u", s->active_id,
                   s->ncs);
        return false;
    }
    return true;
}

/* A snapshot load: the window follows fctrl.en, the output the FIFOs
 * (the pins are as saved, and so are the devices' selections). */
static void spi_loaded(void *dev)
{
    SifiveSpi *s = dev;
    spi_update_window(s);
    spi_update_irq(s);
}

static const RegTable sifive_spi_regs = {
    .regs = spi_regs,
    .nregs = REG_TABLE_LEN(spi_regs),
    .state = spi_state,
    .nstate = REG_TABLE_LEN(spi_state),
    .after_access = spi_after_access,
    .check_load = spi_check_load,
    .after_load = spi_loaded,
};

/* ---- reset, create and the class ---- */

static void spi_instance_reset(SifiveSpi *s)
{
    s->csdef = (1u << s->ncs) - 1;
    if (s->flash) {
        s->fmt |= FMT_DIR_TX;
        s->txmark = 1;
    }
}

/* A machine reset: registers to their reset values, FIFOs emptied, the
 * frame in flight dropped, the chip selects released (the devices see
 * the edge and keep their own state: a flash is not reset with the SoC). */
static void spi_reset(void *state)
{
    SifiveSpi *s = state;
    regs_reset(&s->bank);
    spi_instance_reset(s);
    s->tx = s->rx = (SifiveFifo){0};
    s->busy = s->cs_active = false;
    s->tx_overflowed = s->rx_overflowed = false;
    if (s->clock)
        clock_event_cancel(s->frame_end);
    spi_drive_pins(s);
    spi_update_window(s);
    spi_update_irq(s);
}

static void spi_connect_irqs(void *state, const IrqLine *irqs, size_t n)
{
    SifiveSpi *s = state;
    s->irq = n ? irqs[0] : (IrqLine){0};
    if (n)
        spi_update_irq(s);
}

static void spi_destroy_devices(SifiveSpi *s)
{
    for (unsigned i = 0; i < MAX_CS; i++)
        bus_device_destroy(&s->cs[i]);
}

static void spi_free(SifiveSpi *s)
{
    spi_destroy_devices(s);
    clock_event_free(s->frame_end);
    free(s->name);
    free(s);
}

static void spi_finalize(void *opaque)
{
    spi_free(opaque);
}

static const DeviceProperty spi_props[] = {
    {"clock-frequency", "the bus clock sckdiv divides, in Hz; default the "
     "CPU's", false},
    {"num-cs", "how many chip selects, 1 to 4 (FE310: QSPI0 and SPI2 1, SPI1 "
     "4); default 1", false},
    {"flash-window", "the board memory the direct-map flash interface shows "
     "(the HiFive1's flash); makes the controller flash-enabled (fctrl, "
     "ffmt); default none", false},
    {"cs0", "the device on chip select 0, e.g. \"spi-flash memory=flash\"; "
     "default none", true},
    {"cs1", "the device on chip select 1; default none", true},
    {"cs2", "the device on chip select 2; default none", true},
    {"cs3", "the device on chip select 3; default none", true},
    REGS_BAD_ACCESS_PROPERTY,
    {0},
};

/* An error at property `key` (or at the entry when it is absent). */
static bool spi_bad(const DeviceConfig *config, const char *key,
                    const char *what, Error **errp)
{
    const BoardProp *prop = board_peripheral_prop(config->desc, key);
    const SourceLoc *loc = prop ? &prop->loc : &config->desc->loc;
    error_setf(errp, "%s:%u:%u: %s", loc->file, loc->line, loc->col, what);
    return false;
}

static bool spi_config(const DeviceConfig *config, SifiveSpi *s, Error **errp)
{
    Clock *clock = config->host->clock;
    uint64_t ncs;
    if (!device_check_props(config, spi_props, errp) ||
        !device_prop_positive_u64(config, "clock-frequency",
                                  clock ? clock_hz(clock) : 1, &s->clock_hz,
                                  errp) ||
        !device_prop_u64_range(config, "num-cs", 1, 1, MAX_CS, &ncs, errp))
        return false;
    s->ncs = (unsigned)ncs;
    for (unsigned i = s->ncs; i < MAX_CS; i++) {
        if (!board_peripheral_prop(config->desc, cs_keys[i]))
            continue;
        char what[96];
        snprintf(what, sizeof what, "'%s' has %u chip select%s: no %s",
                 config->desc->name, s->ncs, s->ncs == 1 ? "" : "s", cs_keys[i]);
        return spi_bad(config, cs_keys[i], what, errp);
    }
    return true;
}

/* The memory `flash-window` names, with its base on the bus; NULL (and
 * *errp set) when it is not a memory the window can cover. */
static MemoryRegion *spi_window_memory(const DeviceConfig *config,
                                       uint64_t *base, Error **errp)
{
    const char *name = device_prop_str(config, "flash-window", NULL);
    const DeviceHost *host = config->host;
    char what[160];
    if (!host->find_region || !host->map_region) {
        spi_bad(config, "flash-window", "the direct-map window needs a machine "
                "that maps it", errp);
        return NULL;
    }
    MemoryRegion *mem = host->find_region(host->opaque, name);
    RegionKind kind = mem ? memory_region_kind(mem) : REGION_CONTAINER;
    if (!mem || (kind != REGION_RAM && kind != REGION_ROM) ||
        !memory_region_container(mem)) {
        snprintf(what, sizeof what, "flash-window: no memory '%s' on the bus",
                 name);
        spi_bad(config, "flash-window", what, errp);
        return NULL;
    }
    *base = memory_region_address(mem);
    return mem;
}

/* The devices on the chip selects; on error none is left. */
static bool spi_create_devices(const DeviceConfig *config, SifiveSpi *s,
                               Error **errp)
{
    for (unsigned i = 0; i < s->ncs; i++)
        if (!bus_device_create(config, cs_keys[i], "spi", &s->cs[i], errp)) {
            spi_destroy_devices(s);
            return false;
        }
    return true;
}

/* The window region, disabled (fctrl.en resets to 1), mapped over the
 * memory. */
static bool spi_map_window(const DeviceConfig *config, SifiveSpi *s,
                           Owner *owner, MemoryRegion *mem, uint64_t base,
                           Error **errp)
{
    char name[160];
    snprintf(name, sizeof name, "%s.flash-off", config->desc->name);
    s->window_off = memory_region_new_mmio(owner, name, memory_region_size(mem),
                                           &window_off_ops, s);
    memory_region_set_enabled(s->window_off, false);
    Error *err = NULL;
    if (config->host->map_region(config->host->opaque, s->window_off, base,
                                 WINDOW_PRIORITY, &err))
        return true;
    spi_bad(config, "flash-window", error_message(err), errp);
    error_free(err);
    return false;
}

static bool spi_create(const DeviceConfig *config, Device *out, Error **errp)
{
    SifiveSpi *s = xcalloc(1, sizeof *s);
    s->name = xstrdup(config->desc->name);
    s->host = *config->host;
    s->ms = config->ms;
    s->clock = config->host->clock;
    s->flash = board_peripheral_prop(config->desc, "flash-window") != NULL;
    uint64_t base = 0;
    MemoryRegion *mem = NULL;
    if (!spi_config(config, s, errp) ||
        (s->flash && !(mem = spi_window_memory(config, &base, errp))) ||
        !regs_bank_init(&s->bank, &sifive_spi_regs, s, s->name, config, errp) ||
        !spi_create_devices(config, s, errp)) {
        spi_free(s);
        return false;
    }
    spi_instance_reset(s);
    s->pins = wanted_pins(s);
    if (s->clock)
        s->frame_end = clock_event_new(s->clock, spi_frame_end, s);
    Owner *owner = owner_new(config->ms, s->name, spi_finalize, s);
    MemoryRegion *region = regs_region_new(owner, &s->bank, config->size);
    if (mem && !spi_map_window(config, s, owner, mem, base, errp)) {
        owner_unref(owner); /* frees s and the devices */
        return false;
    }
    *out = (Device){.owner = owner, .region = region, .state = s};
    return true;
}

/* The registers and frame state, then each chip select's device. */
static uint8_t *spi_save_state(void *state, size_t *len)
{
    SifiveSpi *s = state;
    return bus_controller_save(&s->bank, SIFIVE_SPI_TYPE, s->cs, s->ncs, len);
}

static bool spi_load_state(void *state, const uint8_t *data, size_t len, Error **errp)
{
    SifiveSpi *s = state;
    return bus_controller_load(&s->bank, SIFIVE_SPI_TYPE, s->cs, cs_keys, s->ncs, data,
                               len, errp);
}

/* `csN` replaces the device on chip select N; `csN.PROP` changes one of
 * its live properties. A new device whose chip select is low now is told
 * so first (spi_bus.h). */
static bool spi_set_property(void *state, const char *key, const char *value,
                             Error **errp)
{
    SifiveSpi *s = state;
    for (unsigned i = 0; i < MAX_CS; i++) {
        const char *prop;
        if (!bus_device_key_match(key, cs_keys[i], &prop))
            continue;
        if (i >= s->ncs) {
            error_setf(errp, "'%s' has %u chip select%s: no %s", s->name, s->ncs,
                       s->ncs == 1 ? "" : "s", cs_keys[i]);
            return false;
        }
        if (!bus_device_set(&s->cs[i], s->name, cs_keys[i], "spi", s->ms, &s->host,
                            prop, value, errp))
            return false;
        const SpiDeviceOps *ops = cs_ops(s, i);
        if (!prop && ops && !(s->pins >> i & 1))
            ops->select(s->cs[i].dev, true);
        return true;
    }
    return device_check_live(spi_props, SIFIVE_SPI_TYPE, s->name, key, errp);
}

const PeripheralClass sifive_spi_class = {
    .type = SIFIVE_SPI_TYPE,
    .description = "SiFive SPI controller: 8-byte FIFOs, chip-select modes, "
                   "frame timing, devices on its chip selects, the QSPI "
                   "direct-map flash window",
    .default_size = 0x1000,
    .min_size = 0x78,
    .max_size = 0x1000,
    .properties = spi_props,
    .create = spi_create,
    .irq_outputs = 1,
    .irq_output_names = spi_irq_names,
    .connect_irqs = spi_connect_irqs,
    .reset = spi_reset,
    .set_property = spi_set_property,
    .registers = &sifive_spi_regs,
    .save_state = spi_save_state,
    .load_state = spi_load_state,
};
