/* SiFive test finisher ("sifive,test0"), as on QEMU's virt board: the
 * firmware writes one word to end the simulation.
 *
 * One register, a regs.h table (sifive_test_regs):
 *   0x0 finisher  32-bit, write-only (reads 0): status (15:0) selects the
 *                 action, code (31:16) is the failure's exit status
 *     status 0x5555  pass: exit status 0
 *     status 0x3333  fail: exit status = code
 *     status 0x7777  reset: the whole machine resets (a bus error when the
 *                    machine cannot reset)
 * Any other value is ignored, as QEMU does. The access must be 32-bit and
 * aligned (a bus error otherwise, unless `bad-access: ignore`); other
 * offsets read 0 and ignore writes, reported once each as guest
 * diagnostics. Property: `bad-access`.
 */
#include "peripherals/peripheral.h"
#include "peripherals/regs.h"
#include "soc/alloc.h"

#include <stdlib.h>

#define TEST_FAIL 0x3333
#define TEST_PASS 0x5555
#define TEST_RESET 0x7777

typedef struct SifiveTest {
    DeviceHost host;
    char *name; /* the board's name for it, for the bank */
    RegBank bank;
} SifiveTest;

static void finisher_write(void *dev, unsigned index, uint32_t value)
{
    SifiveTest *t = dev;
    switch (value & 0xffff) {
    case TEST_PASS:
        t->host.request_exit(t->host.opaque, 0);
        return;
    case TEST_FAIL:
        t->host.request_exit(t->host.opaque, (int)(value >> 16));
        return;
    case TEST_RESET: /* finisher_accept refused it without request_reset */
        t->host.request_reset(t->host.opaque);
        return;
    }
}

/* A reset request to a machine that cannot reset is a bus error. */
static RegVerdict finisher_accept(void *dev, const RegDef *reg, unsigned index,
                                  uint32_t value)
{
    const SifiveTest *t = dev;
    return (value & 0xffff) == TEST_RESET && !t->host.request_reset ? REG_FAULT
                                                                    : REG_TAKE;
}

static const RegField finisher_fields[] = {{"status", 0, 16}, {"code", 16, 16},
                                           {0}};

static const RegDef sifive_test_regs[] = {
    {.name = "finisher", .offset = 0x0, .width = 4, .access = REG_WO,
     .store = REG_NO_STORE, .accept = finisher_accept, .write = finisher_write,
     .fields = finisher_fields},
};

static const RegTable sifive_test_table = {
    .regs = sifive_test_regs,
    .nregs = REG_TABLE_LEN(sifive_test_regs),
};

/* No state: the finisher acts at once. The bank's report log is all. */
REGS_STATE_HOOKS(test, SifiveTest, bank, "sifive,test0")

static const DeviceProperty test_props[] = {
    REGS_BAD_ACCESS_PROPERTY,
    {0},
};

static void test_finalize(void *opaque)
{
    SifiveTest *t = opaque;
    free(t->name);
    free(t);
}

static bool test_create(const DeviceConfig *config, Device *out, Error **errp)
{
    if (!device_check_props(config, test_props, errp))
        return false;
    SifiveTest *t = xcalloc(1, sizeof *t);
    t->host = *config->host;
    t->name = xstrdup(config->desc->name);
    if (!regs_bank_init(&t->bank, &sifive_test_table, t, t->name, config, errp)) {
        test_finalize(t);
        return false;
    }
    out->owner = owner_new(config->ms, config->desc->name, test_finalize, t);
    out->region = regs_region_new(out->owner, &t->bank, config->size);
    out->state = t;
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
    .registers = &sifive_test_table,
    .save_state = test_save_state,
    .load_state = test_load_state,
};
