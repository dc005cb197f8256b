/* SiFive test finisher ("sifive,test0"), as on QEMU's virt board: the
 * firmware writes one word to end the simulation.
 *
 *   offset 0, 32-bit write: low 16 bits select the action
 *     0x5555  pass: exit status 0
 *     0x3333  fail: exit status = value >> 16
 *     0x7777  reset: the whole machine resets (a bus error when the
 *             machine cannot reset)
 * Reads return 0. Any other value is ignored, as QEMU does.
 */
#include "peripherals/peripheral.h"
#include "soc/alloc.h"

#include <stdlib.h>

#define TEST_FAIL 0x3333
#define TEST_PASS 0x5555
#define TEST_RESET 0x7777

typedef struct SifiveTest {
    DeviceHost host;
} SifiveTest;

static bool test_read(void *opaque, uint64_t offset, unsigned size,
                      uint32_t *value)
{
    *value = 0;
    return true;
}

static bool test_write(void *opaque, uint64_t offset, unsigned size,
                       uint32_t value)
{
    SifiveTest *t = opaque;
    if (offset != 0)
        return true;
    switch (value & 0xffff) {
    case TEST_PASS:
        t->host.request_exit(t->host.opaque, 0);
        return true;
    case TEST_FAIL:
        t->host.request_exit(t->host.opaque, (int)(value >> 16));
        return true;
    case TEST_RESET:
        if (!t->host.request_reset)
            return false;
        t->host.request_reset(t->host.opaque);
        return true;
    }
    return true;
}

static const MmioOps test_ops = {
    .read = test_read,
    .write = test_write,
    .peek = test_read,
};

static const DeviceProperty test_props[] = {
    {0}, /* none */
};

static bool test_create(const DeviceConfig *config, Device *out, Error **errp)
{
    if (!device_check_props(config, test_props, errp))
        return false;
    SifiveTest *t = xcalloc(1, sizeof *t);
    t->host = *config->host;
    out->owner = owner_new(config->ms, config->desc->name, free, t);
    out->region = memory_region_new_mmio(out->owner, config->desc->name,
                                         config->size, &test_ops, t);
    return true;
}

const PeripheralClass sifive_test_class = {
    .type = "sifive,test0",
    .description = "SiFive test finisher: ends the simulation with a status",
    .default_size = 0x1000,
    .min_size = 4,
    .max_size = 0x1000,
    .properties = test_props,
    .create = test_create,
};
