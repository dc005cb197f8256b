/* SiFive OTP controller ("sifive,otp0"), as on the FE310-G002 at
 * 0x10010000: the programmed-I/O (PIO) port of the 8 KiB one-time
 * programmable memory whose read port is mapped at 0x20000 (the board's
 * `otp` ROM).
 *
 * Register map (SiFive FE310-G002 Manual, chapter "One-Time Programmable
 * Memory (OTP) Peripheral", its memory map table and "Read Sequencer
 * Control Register (otp_rsctrl)"); 32-bit registers, the manual's names
 * without the otp_ prefix:
 *   0x00 lock    bit 0: the PIO lock. Software sets it and reads it back
 *                to see it acquired the port from the memory-mapped read
 *                sequencer; here the sequencer is never busy, so a write
 *                of 1 always takes
 *   0x04 ck      bit 0: the OTP device's clock signal
 *   0x08 oe      bit 0: its output enable
 *   0x0c sel     bit 0: its chip select
 *   0x10 we      its write enable            (not modelled)
 *   0x14 mr      its mode register (stored, no effect)
 *   0x18 mrr     read-voltage regulator control (stored, no effect)
 *   0x1c mpp     write-voltage charge pump control (not modelled)
 *   0x20 vrren   bit 0: read-voltage enable (stored, no effect)
 *   0x24 vppen   write-voltage enable        (not modelled)
 *   0x28 a       the device address (a 32-bit word of the 8 KiB)
 *   0x2c d       data input, for programming (not modelled)
 *   0x30 q       (RO) data output: the word at address `a`
 *   0x34 rsctrl  the read sequencer's timing: scale 2:0 (reset 1), tas 3,
 *                trp 4, tacc 5 (stored; reads here take no time)
 * "Not modelled" registers read 0, ignore writes and are reported once
 * each by name as a guest diagnostic: nothing here programs the OTP.
 * Other offsets read 0 and ignore writes (reported once each).
 *
 * The contents: property `image`, a file of at most 8 KiB (little-endian
 * words; the rest reads as all ones; a relative path is taken from the
 * board file's folder), default all ones (unprogrammed).
 * `q` shows the word at `a` at once, whatever ck, sel and oe do (the
 * device's read timing is not modelled); an address past 8 KiB reads all
 * ones. The memory-mapped read port is the board's `otp` memory, not this
 * device: to see the same contents there, load the same bytes into it.
 *
 * No interrupts. A machine reset puts every register back to its reset
 * value (0 but rsctrl).
 */
#include "peripherals/peripheral.h"
#include "peripherals/regs.h"
#include "soc/alloc.h"
#include "soc/file.h"

#include <stdlib.h>
#include <string.h>

#define OTP_WORDS 2048 /* 8 KiB */
#define RSCTRL_RESET 0x1u
#define RSCTRL_MASK 0x3fu

typedef struct Otp {
    RegBank bank;
    char *name;
    uint32_t lock, ck, oe, sel, mr, mrr, vrren, a, rsctrl;
    uint32_t words[OTP_WORDS];
} Otp;

static uint32_t q_read(void *dev, unsigned index, bool peek)
{
    const Otp *o = dev;
    return o->a < OTP_WORDS ? o->words[o->a] : UINT32_MAX;
}

static const RegField bit0_fields[] = {{"value", 0, 1}, {0}};
static const RegField rsctrl_fields[] = {
    {"scale", 0, 3}, {"tas", 3, 1}, {"trp", 4, 1}, {"tacc", 5, 1}, {0},
};

#define OTP_BIT(n, off, member)                                               \
    {.name = n, .offset = off, .width = 4, .access = REG_RW, .mask = 1,       \
     .store = offsetof(Otp, member), .fields = bit0_fields}
#define OTP_WORD(n, off, member)                                              \
    {.name = n, .offset = off, .width = 4, .access = REG_RW,                  \
     .store = offsetof(Otp, member)}
#define OTP_UNIMPL(n, off)                                                    \
    {.name = n, .offset = off, .width = 4, .access = REG_UNIMPL,              \
     .store = REG_NO_STORE}

static const RegDef otp_regs[] = {
    OTP_BIT("lock", 0x00, lock),
    OTP_BIT("ck", 0x04, ck),
    OTP_BIT("oe", 0x08, oe),
    OTP_BIT("sel", 0x0c, sel),
    OTP_UNIMPL("we", 0x10),
    OTP_WORD("mr", 0x14, mr),
    OTP_WORD("mrr", 0x18, mrr),
    OTP_UNIMPL("mpp", 0x1c),
    OTP_BIT("vrren", 0x20, vrren),
    OTP_UNIMPL("vppen", 0x24),
    OTP_WORD("a", 0x28, a),
    OTP_UNIMPL("d", 0x2c),
    {.name = "q", .offset = 0x30, .width = 4, .access = REG_RO,
     .store = REG_NO_STORE, .read = q_read},
    {.name = "rsctrl", .offset = 0x34, .width = 4, .access = REG_RW,
     .reset = RSCTRL_RESET, .mask = RSCTRL_MASK, .store = offsetof(Otp, rsctrl),
     .fields = rsctrl_fields},
};

static const RegTable otp_table = {
    .regs = otp_regs,
    .nregs = REG_TABLE_LEN(otp_regs),
};

REGS_STATE_HOOKS(otp, Otp, bank, "sifive,otp0")

static void otp_reset(void *state)
{
    Otp *o = state;
    regs_reset(&o->bank);
}

static void otp_finalize(void *opaque)
{
    Otp *o = opaque;
    free(o->name);
    free(o);
}

static const DeviceProperty otp_props[] = {
    {"image", "a file with the OTP's contents, at most 8 KiB (the rest reads "
     "as all ones); default all ones", false},
    REGS_BAD_ACCESS_PROPERTY,
    {0},
};

/* A relative path is the board file's sibling, as a memory's image is
 * (so the `otp` memory and this device can name the same file). */
static char *image_path(const BoardProp *prop)
{
    const char *file = prop->loc.file;
    const char *slash = file ? strrchr(file, '/') : NULL;
    if (prop->value[0] == '/' || !slash)
        return xstrdup(prop->value);
    return xasprintf("%.*s/%s", (int)(slash - file), file, prop->value);
}

/* The words from the `image` file, if any; errors at the property. */
static bool otp_load_image(const DeviceConfig *config, Otp *o, Error **errp)
{
    memset(o->words, 0xff, sizeof o->words);
    const BoardProp *prop = board_peripheral_prop(config->desc, "image");
    if (!prop)
        return true;
    size_t len;
    char *path = image_path(prop);
    char *data = file_read_all(path, &len, errp);
    if (data && len > sizeof o->words) {
        error_setf(errp, "image: %s is %zu bytes, more than the OTP's %zu",
                   path, len, sizeof o->words);
        free(data);
        data = NULL;
    }
    free(path);
    if (!data) {
        error_prepend(errp, "%s:%u:%u: ", prop->loc.file, prop->loc.line,
                      prop->loc.col);
        return false;
    }
    for (size_t i = 0; i < len; i++) { /* little-endian words */
        uint32_t shift = 8 * (i % 4);
        uint32_t *w = &o->words[i / 4];
        *w = (*w & ~(UINT32_C(0xff) << shift)) | (uint32_t)(uint8_t)data[i] << shift;
    }
    free(data);
    return true;
}

static bool otp_create(const DeviceConfig *config, Device *out, Error **errp)
{
    if (!device_check_props(config, otp_props, errp))
        return false;
    Otp *o = xcalloc(1, sizeof *o);
    o->name = xstrdup(config->desc->name);
    if (!otp_load_image(config, o, errp) ||
        !regs_bank_init(&o->bank, &otp_table, o, o->name, config, errp)) {
        free(o->name);
        free(o);
        return false;
    }
    Owner *owner = owner_new(config->ms, config->desc->name, otp_finalize, o);
    MemoryRegion *region = regs_region_new(owner, &o->bank, config->size);
    *out = (Device){.owner = owner, .region = region, .state = o};
    return true;
}

const PeripheralClass sifive_otp_class = {
    .type = "sifive,otp0",
    .description = "SiFive FE310 OTP controller: the programmed-I/O port "
                   "(reads of the contents; programming not modelled)",
    .default_size = 0x1000,
    .min_size = 0x38,
    .max_size = 0x1000,
    .properties = otp_props,
    .create = otp_create,
    .reset = otp_reset,
    .registers = &otp_table,
    .save_state = otp_save_state,
    .load_state = otp_load_state,
};
