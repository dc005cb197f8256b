/* SiFive I2C master ("sifive,i2c0"), as on the FE310-G002 (I2C0 at
 * 0x10016000, PLIC source 52) and the FU540/FU740.
 *
 * Register map (SiFive FE310-G002 Manual, chapter 21 "Inter-Integrated
 * Circuit (I²C) Master Interface", its register table): the block is the
 * OpenCores I2C master core (Richard Herveille, "I2C-Master Core
 * Specification" rev 0.9, section 3 "Registers"), its 8-bit registers
 * placed 4 bytes apart. Each is a 32-bit word whose bits 31:8 read 0;
 * byte accesses to its low byte work too (freedom-metal's driver uses
 * them), anything else is a bad access (regs.h).
 *   0x00 prer_lo  prescale 7:0, reset 0xff
 *   0x04 prer_hi  prescale 15:8, reset 0xff (prer resets to 0xffff)
 *   0x08 ctr      7 en (the core takes commands only while set),
 *                 6 ien (interrupt enable); 5:0 reserved, read 0
 *   0x0c rxr/txr  ONE OFFSET, TWO REGISTERS: a write sets txr (the byte
 *                 the next write command sends: an address with the R/W
 *                 bit in bit 0, or data); a read returns rxr (the last
 *                 byte received). The table stores txr and reads rxr
 *                 through a hook; traces name each (write_name).
 *   0x10 sr/cr    ONE OFFSET, TWO REGISTERS: a write is cr, a command:
 *                 7 sta (START or repeated START first), 6 sto (STOP
 *                 after), 5 rd (read a byte), 4 wr (write txr), 3 ack
 *                 (what the master answers a byte it read: 0 ACK, 1
 *                 NACK), 0 iack (clear sr.if); bits 2:1 reserved. The
 *                 command is taken at once, so cr reads back nothing. A
 *                 read is sr: 7 rxack (1: the last byte was not
 *                 acknowledged), 6 busy (between a START and a STOP), 5 al
 *                 (always 0, below), 1 tip (transfer in progress), 0 if
 *                 (interrupt flag).
 *
 * Timing, with `clock-frequency` the bus clock (Hz; default the CPU's):
 * SCL = bus clock / (5 * (prer + 1)) (the specification's prescale
 * formula). A command with rd or wr takes 9 SCL periods (8 data bits and
 * the acknowledge; a START or STOP it carries is counted inside them)
 * during which sr.tip is set; a STOP alone takes 1 SCL period and leaves
 * tip clear (the core sets tip for reads and writes only). At the end sr.if
 * is set, and the interrupt output "irq" is sr.if && ctr.ien, driven only
 * by sifive_i2c_update_irq. What the targets answer is decided at the end
 * of the transfer. Without a machine clock a command completes at once.
 *
 * The bus: targets are bus devices (peripherals/bus_device.h, i2c_bus.h)
 * in slots dev0..dev7, e.g. `dev0: "lm75 address=0x48 temperature=21.5"`.
 * Addressing is done here: after a START the first byte written is the
 * address; every target whose `address` matches gets start() and, if it
 * acknowledges, is selected until a STOP or the next START. rxack after
 * that byte is 1 when no target acknowledged (nothing at that address).
 * A write sends txr to the selected targets (rxack: none acknowledged); a
 * read returns the AND of their bytes (0xff when none is selected: SDA
 * floats high), and rxack then shows the master's own ack bit, which is
 * what the core samples on SDA. Guest mistakes are done as the core
 * does them and reported once per kind (guest diagnostics): a command
 * while ctr.en is clear (ignored), a command while one is in progress
 * (ignored), sta without rd, wr or sto (nothing happens), rd with wr (a
 * read). A machine reset ends a transaction in progress: the selected
 * targets see stop().
 *
 * Properties: dev0..dev7 (a target, live: `peripheral set i2c0 dev0
 * "lm75 address=0x49"` replaces it, "" detaches it, `dev0.temperature
 * 30.5` changes a live property of it), `clock-frequency`, `bad-access`.
 *
 * Not modelled: arbitration loss (a single master: sr.al stays 0),
 * multi-master and clock stretching, the SCL/SDA pins and their GPIO IOF
 * routing, the core's hidden read-back of txr and cr at 0x14/0x18 (not in
 * the FE310 manual; they read 0), 10-bit addressing (a 10-bit address is
 * two plain bytes here, which no target matches), and a transfer stopped
 * half-way by clearing ctr.en (it completes).
 */
#include "peripherals/bus_device.h"
#include "peripherals/i2c_bus.h"
#include "peripherals/peripheral.h"
#include "peripherals/regs.h"
#include "soc/alloc.h"

#include <stdio.h>
#include <stdlib.h>

#define SIFIVE_I2C_TYPE "sifive,i2c0"
#define I2C_SLOTS 8

#define CTR_EN 0x80u
#define CTR_IEN 0x40u
#define CTR_MASK (CTR_EN | CTR_IEN)

#define CR_STA 0x80u
#define CR_STO 0x40u
#define CR_RD 0x20u
#define CR_WR 0x10u
#define CR_ACK 0x08u
#define CR_IACK 0x01u
#define CR_MASK (CR_STA | CR_STO | CR_RD | CR_WR | CR_ACK | CR_IACK)

#define SR_RXACK 0x80u
#define SR_BUSY 0x40u
#define SR_TIP 0x02u
#define SR_IF 0x01u

#define BYTE_SCL_PERIODS 9u
#define STOP_SCL_PERIODS 1u
#define BUS_CYCLES_PER_SCL(prer) (5u * ((uint64_t)(prer) + 1))

/* Guest mistakes, each reported once. */
enum {
    MISTAKE_DISABLED = 1u << 0,
    MISTAKE_BUSY = 1u << 1,
    MISTAKE_STA_ALONE = 1u << 2,
    MISTAKE_RD_WR = 1u << 3,
};

static const char *const sifive_i2c_irq_names[] = {"irq"};
static const char *const slot_keys[I2C_SLOTS] = {
    "dev0", "dev1", "dev2", "dev3", "dev4", "dev5", "dev6", "dev7",
};

typedef struct SifiveI2c {
    RegBank bank;
    /* registers the table stores */
    uint32_t prer_lo, prer_hi, ctr, txr;
    uint32_t cr; /* the write latch of cr: cr_write takes it and clears it */
    /* what reads see and the transfer's state */
    uint32_t rxr;
    uint32_t sr;             /* rxack, busy, tip, if */
    uint32_t cmd;            /* the command in progress (sta sto rd wr ack); 0: none */
    uint32_t shift;          /* txr as that command started */
    uint32_t selected;       /* slots that acknowledged their address */
    uint32_t expect_address; /* a START was sent: the next byte written addresses */
    uint32_t mistakes;       /* reported so far */

    char *name;
    DeviceHost host;
    MemorySystem *ms;
    Clock *clock;     /* NULL: commands complete at once */
    ClockEvent *done; /* the command in progress completes */
    uint64_t clock_hz;
    IrqLine irq;
    BusDevice slot[I2C_SLOTS];
} SifiveI2c;

static void sifive_i2c_update_irq(SifiveI2c *s)
{
    irq_set(&s->irq, (s->sr & SR_IF) && (s->ctr & CTR_IEN));
}

static void report_once(SifiveI2c *s, uint32_t mistake, const char *message)
{
    if (s->mistakes & mistake)
        return;
    s->mistakes |= mistake;
    device_log_guest(&s->host, s->name, "%s", message);
}

static const I2cDeviceOps *slot_ops(const SifiveI2c *s, unsigned i)
{
    return s->slot[i].cls ? s->slot[i].cls->ops : NULL;
}

/* ---- the bus ---- */

/* The selected targets see the transaction end. */
static void end_transaction(SifiveI2c *s)
{
    for (unsigned i = 0; i < I2C_SLOTS; i++)
        if ((s->selected >> i) & 1)
            slot_ops(s, i)->stop(s->slot[i].dev);
    s->selected = 0;
}

static void bus_start(SifiveI2c *s)
{
    end_transaction(s);
    s->expect_address = 1;
    s->sr |= SR_BUSY;
}

static void bus_stop(SifiveI2c *s)
{
    end_transaction(s);
    s->expect_address = 0;
    s->sr &= ~SR_BUSY;
}

static void set_rxack(SifiveI2c *s, bool acked)
{
    s->sr = acked ? s->sr & ~SR_RXACK : s->sr | SR_RXACK;
}

/* The byte after a START: every target at that address may answer. */
static void send_address(SifiveI2c *s, uint8_t byte)
{
    uint8_t address = byte >> 1;
    bool read = byte & 1;
    for (unsigned i = 0; i < I2C_SLOTS; i++) {
        const I2cDeviceOps *ops = slot_ops(s, i);
        if (ops && ops->address(s->slot[i].dev) == address &&
            ops->start(s->slot[i].dev, read))
            s->selected |= 1u << i;
    }
    set_rxack(s, s->selected != 0);
}

static void send_byte(SifiveI2c *s, uint8_t byte)
{
    bool acked = false;
    for (unsigned i = 0; i < I2C_SLOTS; i++)
        if ((s->selected >> i) & 1)
            acked |= slot_ops(s, i)->write(s->slot[i].dev, byte);
    set_rxack(s, acked);
}

/* Open drain: a bit is 1 unless some target pulls it low. */
static void receive_byte(SifiveI2c *s, bool nack)
{
    uint8_t byte = 0xff;
    for (unsigned i = 0; i < I2C_SLOTS; i++)
        if ((s->selected >> i) & 1)
            byte &= slot_ops(s, i)->read(s->slot[i].dev);
    s->rxr = byte;
    set_rxack(s, !nack);
}

/* The end of the command in progress: what it did on the bus. */
static void command_finish(SifiveI2c *s)
{
    uint32_t cmd = s->cmd;
    s->cmd = 0;
    if (cmd & CR_STA)
        bus_start(s);
    if (cmd & CR_RD) {
        s->expect_address = 0; /* a read right after START sends no address */
        receive_byte(s, cmd & CR_ACK);
    } else if (cmd & CR_WR) {
        if (s->expect_address)
            send_address(s, (uint8_t)s->shift);
        else
            send_byte(s, (uint8_t)s->shift);
        s->expect_address = 0;
    }
    if (cmd & CR_STO)
        bus_stop(s);
    s->sr = (s->sr & ~SR_TIP) | SR_IF;
}

static void sifive_i2c_done(void *opaque)
{
    SifiveI2c *s = opaque;
    command_finish(s);
    sifive_i2c_update_irq(s);
}

/* Machine cycles `periods` SCL periods take at the current prescale. */
static uint64_t scl_cycles(const SifiveI2c *s, unsigned periods)
{
    uint32_t prer = (s->prer_hi << 8) | s->prer_lo;
    uint64_t ticks = periods * BUS_CYCLES_PER_SCL(prer);
    uint64_t cycles = clock_cycles_from(s->clock, ticks, s->clock_hz);
    return cycles ? cycles : 1;
}

static void command_start(SifiveI2c *s, uint32_t cmd)
{
    s->cmd = cmd;
    s->shift = s->txr;
    bool transfer = cmd & (CR_RD | CR_WR);
    if (transfer)
        s->sr |= SR_TIP;
    if (cmd & CR_STA)
        s->sr |= SR_BUSY; /* the START is on the bus at once */
    if (!s->clock) {
        command_finish(s);
        return;
    }
    unsigned periods = transfer ? BYTE_SCL_PERIODS : STOP_SCL_PERIODS;
    clock_event_schedule(s->done, clock_now(s->clock) + scl_cycles(s, periods));
}

/* ---- registers ---- */

static uint32_t rxr_read(void *opaque, unsigned index, bool peek)
{
    return ((SifiveI2c *)opaque)->rxr;
}

static uint32_t sr_read(void *opaque, unsigned index, bool peek)
{
    return ((SifiveI2c *)opaque)->sr;
}

/* Filters a command as the core would take it; 0: nothing starts. */
static uint32_t command_of(SifiveI2c *s, uint32_t value)
{
    uint32_t cmd = value & (CR_STA | CR_STO | CR_RD | CR_WR | CR_ACK);
    if ((cmd & CR_RD) && (cmd & CR_WR)) {
        report_once(s, MISTAKE_RD_WR, "cr with both rd and wr: the core reads");
        cmd &= ~CR_WR;
    }
    if (cmd & (CR_RD | CR_WR))
        return cmd;
    if (cmd & CR_STA)
        report_once(s, MISTAKE_STA_ALONE, "cr.sta without rd, wr or sto: "
                    "nothing happens (a START goes out with a byte)");
    return cmd & CR_STO;
}

static void cr_write(void *opaque, unsigned index, uint32_t value)
{
    SifiveI2c *s = opaque;
    s->cr = 0; /* a command is taken once; reads show sr */
    if (!(s->ctr & CTR_EN)) {
        if (value & CR_MASK)
            report_once(s, MISTAKE_DISABLED, "command written to cr while "
                        "ctr.en is clear: ignored");
        return;
    }
    if (value & CR_IACK)
        s->sr &= ~SR_IF;
    uint32_t cmd = command_of(s, value);
    if (!cmd)
        return;
    if (s->cmd) {
        report_once(s, MISTAKE_BUSY, "command written to cr while a transfer "
                    "is in progress (sr.tip): ignored");
        return;
    }
    command_start(s, cmd);
}

static void sifive_i2c_after_access(void *opaque)
{
    sifive_i2c_update_irq(opaque);
}

static const RegField data_fields[] = {{"data", 0, 8}, {0}};
static const RegField ctr_fields[] = {{"ien", 6, 1}, {"en", 7, 1}, {0}};
static const RegField sr_fields[] = {
    {"if", 0, 1}, {"tip", 1, 1}, {"al", 5, 1}, {"busy", 6, 1}, {"rxack", 7, 1}, {0},
};
static const RegField cr_fields[] = {
    {"iack", 0, 1}, {"ack", 3, 1}, {"wr", 4, 1}, {"rd", 5, 1}, {"sto", 6, 1},
    {"sta", 7, 1}, {0},
};

static const RegDef sifive_i2c_regs[] = {
    {.name = "prer_lo", .offset = 0x00, .width = 4, .access = REG_RW,
     .reset = 0xff, .mask = 0xff, .flags = REG_NARROW,
     .store = offsetof(SifiveI2c, prer_lo)},
    {.name = "prer_hi", .offset = 0x04, .width = 4, .access = REG_RW,
     .reset = 0xff, .mask = 0xff, .flags = REG_NARROW,
     .store = offsetof(SifiveI2c, prer_hi)},
    {.name = "ctr", .offset = 0x08, .width = 4, .access = REG_RW,
     .mask = CTR_MASK, .flags = REG_NARROW, .store = offsetof(SifiveI2c, ctr),
     .fields = ctr_fields},
    /* one offset, two registers: a read is rxr (the hook), a write txr
     * (stored) */
    {.name = "rxr", .write_name = "txr", .offset = 0x0c, .width = 4,
     .access = REG_RW, .mask = 0xff, .flags = REG_NARROW,
     .store = offsetof(SifiveI2c, txr), .read = rxr_read, .fields = data_fields},
    /* a read is sr (the hook), a write cr, a command (taken by the hook) */
    {.name = "sr", .write_name = "cr", .offset = 0x10, .width = 4,
     .access = REG_RW, .mask = CR_MASK, .flags = REG_NARROW,
     .store = offsetof(SifiveI2c, cr), .read = sr_read, .write = cr_write,
     .fields = sr_fields, .write_fields = cr_fields},
};

static const RegState sifive_i2c_state[] = {
    REG_STATE(SifiveI2c, rxr),
    REG_STATE(SifiveI2c, sr),
    REG_STATE(SifiveI2c, cmd),
    REG_STATE(SifiveI2c, shift),
    REG_STATE(SifiveI2c, selected),
    REG_STATE(SifiveI2c, expect_address),
    REG_STATE(SifiveI2c, mistakes),
    REG_STATE_EVENT(SifiveI2c, done),
};

/* Only slots holding a target can be selected (their stop() is called). */
static bool sifive_i2c_check_load(const void *dev, Error **errp)
{
    const SifiveI2c *s = dev;
    uint32_t occupied = 0;
    for (unsigned i = 0; i < I2C_SLOTS; i++)
        occupied |= s->slot[i].cls ? 1u << i : 0;
    if (!(s->selected & ~occupied))
        return true;
    error_setf(errp, "saved state selects targets in empty slots (0x%x)",
               s->selected & ~occupied);
    return false;
}

static void sifive_i2c_loaded(void *dev)
{
    sifive_i2c_update_irq(dev);
}

static const RegTable sifive_i2c_table = {
    .regs = sifive_i2c_regs,
    .nregs = REG_TABLE_LEN(sifive_i2c_regs),
    .state = sifive_i2c_state,
    .nstate = REG_TABLE_LEN(sifive_i2c_state),
    .after_access = sifive_i2c_after_access,
    .check_load = sifive_i2c_check_load,
    .after_load = sifive_i2c_loaded,
};

/* ---- the class ---- */

static void sifive_i2c_connect_irqs(void *state, const IrqLine *irqs, size_t n)
{
    SifiveI2c *s = state;
    s->irq = n ? irqs[0] : (IrqLine){0};
    if (n)
        sifive_i2c_update_irq(s);
}

/* A machine reset: registers to their reset values, a transfer in
 * progress dropped and the transaction ended for its targets (the targets
 * themselves are outside the chip and keep their state). */
static void sifive_i2c_reset(void *state)
{
    SifiveI2c *s = state;
    regs_reset(&s->bank);
    if (s->clock)
        clock_event_cancel(s->done);
    end_transaction(s);
    s->rxr = s->sr = s->cmd = s->shift = s->expect_address = 0;
    sifive_i2c_update_irq(s);
}

static void sifive_i2c_free(SifiveI2c *s)
{
    for (unsigned i = 0; i < I2C_SLOTS; i++)
        bus_device_destroy(&s->slot[i]);
    clock_event_free(s->done);
    free(s->name);
    free(s);
}

static void sifive_i2c_finalize(void *opaque)
{
    sifive_i2c_free(opaque);
}

static const DeviceProperty sifive_i2c_props[] = {
    {"dev0", "a target on the bus, its type then KEY=VALUE properties (e.g. "
     "\"lm75 address=0x48 temperature=21.5\"); \"\": none, the default; "
     "dev0.PROP changes a live property of it", true},
    {"dev1", "another target, as dev0; default none", true},
    {"dev2", "another target, as dev0; default none", true},
    {"dev3", "another target, as dev0; default none", true},
    {"dev4", "another target, as dev0; default none", true},
    {"dev5", "another target, as dev0; default none", true},
    {"dev6", "another target, as dev0; default none", true},
    {"dev7", "another target, as dev0; default none", true},
    {"clock-frequency", "the bus clock the prescaler divides, in Hz; default "
     "the CPU's", false},
    REGS_BAD_ACCESS_PROPERTY,
    {0},
};

/* The registers and transfer state, then each slot's target. */
static uint8_t *sifive_i2c_save_state(void *state, size_t *len)
{
    SifiveI2c *s = state;
    return bus_controller_save(&s->bank, SIFIVE_I2C_TYPE, s->slot, I2C_SLOTS, len);
}

static bool sifive_i2c_load_state(void *state, const uint8_t *data, size_t len,
                                  Error **errp)
{
    SifiveI2c *s = state;
    return bus_controller_load(&s->bank, SIFIVE_I2C_TYPE, s->slot, slot_keys, I2C_SLOTS,
                               data, len, errp);
}

static bool sifive_i2c_set_property(void *state, const char *key,
                                    const char *value, Error **errp)
{
    SifiveI2c *s = state;
    for (unsigned i = 0; i < I2C_SLOTS; i++) {
        const char *prop;
        if (!bus_device_key_match(key, slot_keys[i], &prop))
            continue;
        if (!bus_device_set(&s->slot[i], s->name, slot_keys[i], "i2c", s->ms,
                            &s->host, prop, value, errp))
            return false;
        if (!prop) /* a new target: it was never addressed */
            s->selected &= ~(1u << i);
        return true;
    }
    /* Not a slot. Every live property is one, so this refuses, with the
     * standard message (unknown, or not live). */
    if (device_check_live(sifive_i2c_props, SIFIVE_I2C_TYPE, s->name, key, errp))
        error_setf(errp, "unknown property '%s' for %s '%s'", key,
                   SIFIVE_I2C_TYPE, s->name);
    return false;
}

static bool attach_targets(SifiveI2c *s, const DeviceConfig *config,
                           Error **errp)
{
    for (unsigned i = 0; i < I2C_SLOTS; i++)
        if (!bus_device_create(config, slot_keys[i], "i2c", &s->slot[i], errp))
            return false;
    return true;
}

static bool sifive_i2c_create(const DeviceConfig *config, Device *out,
                              Error **errp)
{
    Clock *clock = config->host->clock;
    uint64_t bus_hz;
    if (!device_check_props(config, sifive_i2c_props, errp) ||
        !device_prop_positive_u64(config, "clock-frequency",
                                  clock ? clock_hz(clock) : 1, &bus_hz, errp))
        return false;
    SifiveI2c *s = xcalloc(1, sizeof *s);
    s->name = xstrdup(config->desc->name);
    if (!attach_targets(s, config, errp) ||
        !regs_bank_init(&s->bank, &sifive_i2c_table, s, s->name, config, errp)) {
        sifive_i2c_free(s);
        return false;
    }
    s->host = *config->host;
    s->ms = config->ms;
    s->clock = clock;
    s->clock_hz = bus_hz;
    if (clock)
        s->done = clock_event_new(clock, sifive_i2c_done, s);
    Owner *owner = owner_new(config->ms, s->name, sifive_i2c_finalize, s);
    MemoryRegion *region = regs_region_new(owner, &s->bank, config->size);
    *out = (Device){.owner = owner, .region = region, .state = s};
    return true;
}

const PeripheralClass sifive_i2c_class = {
    .type = SIFIVE_I2C_TYPE,
    .description = "SiFive I2C master (OpenCores core): timed byte transfers, "
                   "targets dev0-dev7",
    .default_size = 0x1000,
    .min_size = 0x14,
    .max_size = 0x1000,
    .properties = sifive_i2c_props,
    .create = sifive_i2c_create,
    .irq_outputs = 1,
    .irq_output_names = sifive_i2c_irq_names,
    .connect_irqs = sifive_i2c_connect_irqs,
    .reset = sifive_i2c_reset,
    .set_property = sifive_i2c_set_property,
    .registers = &sifive_i2c_table,
    .save_state = sifive_i2c_save_state,
    .load_state = sifive_i2c_load_state,
};
