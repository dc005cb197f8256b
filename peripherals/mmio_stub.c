/* A memory-mapped stub ("memory-mapped-stub"): a block the board lists
 * but nobody models yet (the FE310's QSPI, SPI, PWM and I2C blocks), so
 * that firmware touching it neither faults nor silently works.
 *
 *   reads   return `read-value` (property, 32 bits, default 0): every
 *           aligned 32-bit word holds it, so a byte or halfword read
 *           returns the matching bytes of it (little endian)
 *   writes  are ignored
 *   size    whatever the board gives, 1 byte to 4 GiB (default 0x1000)
 * `read-value` is live: set_property changes what the next read returns.
 *
 * The window is a regs.h table of one array register, `word`, an element
 * per 32-bit word of the instance's size (the last one partial when the
 * size is not a multiple of 4), which 1-, 2- and 4-byte accesses may
 * reach (REG_NARROW); a halfword not aligned to 2, or a word not aligned
 * to 4, is a bad access (a bus error, unless `bad-access: ignore`). The
 * CPU never makes one: it splits misaligned accesses into bytes.
 *
 * Each access to a new register (word offset) is reported once as a
 * guest diagnostic, reads and writes separately:
 *   qspi0: read at +0x40 (not modelled)
 * sharing the bank's report log (regs.h: REGS_LOG_LIMIT reports, then one
 * saying that further accesses go unreported); a register already
 * reported costs a short linear search, nothing else.
 *
 * The debugger's peek returns `read-value` and reports nothing.
 * Properties: `read-value`, `bad-access`.
 */
#include "peripherals/peripheral.h"
#include "peripherals/regs.h"
#include "soc/alloc.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>

#define STUB_TYPE "memory-mapped-stub"
#define STUB_DEFAULT_SIZE 0x1000
#define STUB_MAX_SIZE (UINT64_C(1) << 32)

typedef struct MmioStub {
    RegBank bank;
    char *name;
    uint32_t read_value;
    uint32_t words; /* the elements of `word` this instance has */
} MmioStub;

static unsigned stub_words(const void *dev)
{
    const MmioStub *s = dev;
    return s->words;
}

static uint32_t stub_word_read(void *dev, unsigned index, bool peek)
{
    MmioStub *s = dev;
    if (!peek)
        regs_note_once(&s->bank, (uint64_t)index * 4, false,
                       "read at +0x%" PRIx64 " (not modelled)",
                       (uint64_t)index * 4);
    return s->read_value;
}

static void stub_word_write(void *dev, unsigned index, uint32_t value)
{
    MmioStub *s = dev;
    regs_note_once(&s->bank, (uint64_t)index * 4, true,
                   "write at +0x%" PRIx64 " (not modelled)", (uint64_t)index * 4);
}

/* Writes reach the hook (there is no storage), which only reports them. */
static const RegDef stub_regs[] = {
    {.name = "word", .offset = 0, .width = 4, .access = REG_RW,
     .flags = REG_NARROW, .count = STUB_MAX_SIZE / 4, .stride = 4,
     .count_of = stub_words, .store = REG_NO_STORE, .read = stub_word_read,
     .write = stub_word_write},
};

/* `read-value` changes while running (set_property): state. Which words
 * were reported is the bank's report log, saved with it. */
static const RegState stub_state[] = {
    REG_STATE(MmioStub, read_value),
};

static const RegTable stub_table = {
    .regs = stub_regs,
    .nregs = REG_TABLE_LEN(stub_regs),
    .state = stub_state,
    .nstate = REG_TABLE_LEN(stub_state),
};

REGS_STATE_HOOKS(stub, MmioStub, bank, STUB_TYPE)

static void stub_finalize(void *opaque)
{
    MmioStub *s = opaque;
    free(s->name);
    free(s);
}

static const DeviceProperty stub_props[] = {
    {"read-value", "the 32-bit value every word reads; default 0", true},
    REGS_BAD_ACCESS_PROPERTY,
    {0},
};

static bool stub_set_property(void *state, const char *key, const char *value,
                              Error **errp)
{
    MmioStub *s = state;
    uint64_t v;
    if (!device_check_live(stub_props, STUB_TYPE, s->name, key, errp) ||
        !device_parse_u64_range(key, value, 0, UINT32_MAX, &v, errp))
        return false;
    s->read_value = (uint32_t)v;
    return true;
}

static bool stub_create(const DeviceConfig *config, Device *out, Error **errp)
{
    uint64_t read_value;
    if (!device_check_props(config, stub_props, errp) ||
        !device_prop_u64_range(config, "read-value", 0, 0, UINT32_MAX,
                               &read_value, errp))
        return false;
    MmioStub *s = xcalloc(1, sizeof *s);
    s->name = xstrdup(config->desc->name);
    s->read_value = (uint32_t)read_value;
    s->words = (uint32_t)((config->size + 3) / 4);
    if (!regs_bank_init(&s->bank, &stub_table, s, s->name, config, errp)) {
        stub_finalize(s);
        return false;
    }
    out->owner = owner_new(config->ms, config->desc->name, stub_finalize, s);
    out->region = regs_region_new(out->owner, &s->bank, config->size);
    out->state = s;
    return true;
}

const PeripheralClass mmio_stub_class = {
    .type = STUB_TYPE,
    .description = "placeholder for an unmodelled block: reads a fixed value, "
                   "ignores writes, reports each register once",
    .default_size = STUB_DEFAULT_SIZE,
    .min_size = 1,
    .max_size = STUB_MAX_SIZE,
    .properties = stub_props,
    .create = stub_create,
    .set_property = stub_set_property,
    .registers = &stub_table,
    .save_state = stub_save_state,
    .load_state = stub_load_state,
};
