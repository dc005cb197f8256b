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
 * Each access to a new register (32-bit word offset) is reported once
 * through DeviceHost.log_guest, reads and writes separately:
 *   qspi0: read at +0x40 (not modelled)
 * At most STUB_LOG_LIMIT reports per stub, then one saying that further
 * accesses go unreported; a register already reported costs a short
 * linear search, nothing else.
 *
 * The debugger's peek returns `read-value` and reports nothing.
 */
#include "peripherals/peripheral.h"
#include "soc/alloc.h"

#include <stdlib.h>

#define STUB_DEFAULT_SIZE 0x1000
#define STUB_LOG_LIMIT 16

typedef struct MmioStub {
    char *name;
    DeviceHost host;
    uint32_t read_value;
    /* Reported (word offset << 1 | is_write) entries. */
    uint64_t logged[STUB_LOG_LIMIT];
    unsigned nlogged;
    bool log_full; /* the "not reported" line was printed */
} MmioStub;

/* Reports an access to a register not seen before, once. */
static void stub_note(MmioStub *s, uint64_t offset, bool is_write)
{
    if (s->log_full)
        return;
    uint64_t key = (offset & ~UINT64_C(3)) << 1 | is_write;
    for (unsigned i = 0; i < s->nlogged; i++)
        if (s->logged[i] == key)
            return;
    if (s->nlogged == STUB_LOG_LIMIT) {
        s->log_full = true;
        device_log_guest(&s->host, s->name, "further accesses not reported");
        return;
    }
    s->logged[s->nlogged++] = key;
    device_log_guest(&s->host, s->name, "%s at +0x%llx (not modelled)",
                     is_write ? "write" : "read",
                     (unsigned long long)(offset & ~UINT64_C(3)));
}

static bool stub_peek(void *opaque, uint64_t offset, unsigned size,
                      uint32_t *value)
{
    const MmioStub *s = opaque;
    uint32_t word = s->read_value >> (8 * (offset & 3));
    *value = size >= 4 ? word : word & ((UINT32_C(1) << (8 * size)) - 1);
    return true;
}

static bool stub_read(void *opaque, uint64_t offset, unsigned size,
                      uint32_t *value)
{
    stub_note(opaque, offset, false);
    return stub_peek(opaque, offset, size, value);
}

static bool stub_write(void *opaque, uint64_t offset, unsigned size,
                       uint32_t value)
{
    stub_note(opaque, offset, true);
    return true;
}

static const MmioOps stub_ops = {
    .read = stub_read,
    .write = stub_write,
    .peek = stub_peek,
};

static void stub_finalize(void *opaque)
{
    MmioStub *s = opaque;
    free(s->name);
    free(s);
}

#define STUB_TYPE "memory-mapped-stub"

static const DeviceProperty stub_props[] = {
    {"read-value", "the 32-bit value every word reads; default 0", true},
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
    s->host = *config->host;
    out->owner = owner_new(config->ms, config->desc->name, stub_finalize, s);
    out->region = memory_region_new_mmio(out->owner, config->desc->name,
                                         config->size, &stub_ops, s);
    out->state = s;
    return true;
}

const PeripheralClass mmio_stub_class = {
    .type = STUB_TYPE,
    .description = "placeholder for an unmodelled block: reads a fixed value, "
                   "ignores writes, reports each register once",
    .default_size = STUB_DEFAULT_SIZE,
    .min_size = 1,
    .max_size = UINT64_C(1) << 32,
    .properties = stub_props,
    .create = stub_create,
    .set_property = stub_set_property,
};
