/* The remap controller (mcusim,remap-controller at RC_REMAP) switching
 * what its window at RC_WINDOW shows: flash (select 0, at reset) or RAM
 * (select 1). The firmware reads the flash image's first word through the
 * window, writes select, finds a word it put in RAM through the window
 * and writes one back through it, switches back to flash, and sees a
 * select past the last target ignored. Then the scenario
 * (tests/reconfig/remap_window-*.yaml) removes the controller (the window
 * faults) and adds it again with select=1 (the window shows RAM at
 * reset). */
#include "rc.h"

static volatile uint32_t ram_word; /* in RAM, inside the window's reach */

static uint32_t remap(uint32_t offset)
{
    uint32_t v = 0xdeadbeefu;
    rc_try_read32(RC_REMAP + offset, &v);
    return v;
}

static void select_target(uint32_t i)
{
    rc_try_write32(RC_REMAP + RC_REMAP_SELECT, i);
}

static uint32_t ram_offset(void)
{
    return (uint32_t)(uintptr_t)&ram_word - RC_RAM;
}

/* What the window shows at `offset` (named `where`: the layout of the
 * firmware moves ram_word), or that it faults. */
static void show_window(const char *label, const char *where, uint32_t offset)
{
    uint32_t v;
    if (rc_try_read32(RC_WINDOW + offset, &v))
        rc_printf("%s: window+%s reads 0x%08lx\n", label, where, v);
    else
        rc_printf("%s: window+%s faults (mcause %lu)\n", label, where,
                  rc_last_fault_cause);
}

int main(void)
{
    rc_init();
    if (ram_offset() >= RC_WINDOW_SIZE) {
        rc_printf("ram_word at +0x%lx, past the window\n", ram_offset());
        return 1;
    }
    rc_printf("count %lu select %lu\n", remap(RC_REMAP_COUNT), remap(RC_REMAP_SELECT));
    rc_printf("flash word 0x%08lx\n", RC_REG32(RC_FLASH));
    show_window("select 0", "0", 0);
    bool wrote = rc_try_write32(RC_WINDOW, 0);
    rc_printf("select 0: a write through the window %s\n",
              wrote ? "is taken" : "faults");

    ram_word = 0x1234abcdu;
    select_target(1);
    rc_printf("select %lu\n", remap(RC_REMAP_SELECT));
    uint32_t seen = 0;
    rc_try_read32(RC_WINDOW + ram_offset(), &seen);
    rc_try_write32(RC_WINDOW + ram_offset(), 0x600dcafeu);
    rc_printf("select 1: ram word through the window 0x%08lx, written back 0x%08lx\n",
              seen, ram_word);

    select_target(2); /* past the last target: ignored */
    rc_printf("select 2 ignored: select %lu\n", remap(RC_REMAP_SELECT));
    select_target(0);
    show_window("select 0 again", "0", 0);

    select_target(1);
    rc_printf("waiting for the controller to go\n");
    uint32_t v;
    while (rc_try_read32(RC_WINDOW + ram_offset(), &v))
        rc_delay(RC_MS(1) / 4u);
    show_window("controller removed", "ram_word", ram_offset());
    while (!rc_try_read32(RC_REMAP + RC_REMAP_SELECT, &v))
        rc_delay(RC_MS(1) / 4u);
    rc_printf("controller back: select %lu\n", v);
    ram_word = 0x0badf00du;
    show_window("controller back", "ram_word", ram_offset());
    return 0;
}
