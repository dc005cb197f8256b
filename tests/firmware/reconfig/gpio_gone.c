/* GPIO0 removed and added again while the firmware polls pin 3: a read of
 * input_val that faults (mcause 5) is caught, "gpio gone" printed once,
 * and the read retried until a GPIO answers again; the new one is at its
 * reset state (input_en 0), so the firmware enables the pin again and
 * reads its level (low: nothing drives it on the new device). Ends at the
 * second rising edge. tests/reconfig/gpio_gone-*.yaml drive the pin and
 * remove and add the GPIO. */
#include "rc.h"

#define PIN 3u
#define POLL_GAP RC_MS(1) / 4u

static void enable_pin(void)
{
    if (!rc_try_write32(RC_GPIO0 + RC_GPIO_INPUT_EN, 1u << PIN))
        rc_printf("cannot enable pin %u\n", PIN);
}

int main(void)
{
    rc_init();
    enable_pin();
    rc_printf("polling gpio0 pin %u\n", PIN);
    int level = 0, rises = 0;
    bool gone = false;
    while (rises < 2) {
        uint32_t v;
        if (!rc_try_read32(RC_GPIO0 + RC_GPIO_INPUT_VAL, &v)) {
            if (!gone)
                rc_printf("gpio gone: load fault (mcause %lu) at 0x%08lx\n",
                          rc_last_fault_cause, rc_last_fault_addr);
            gone = true;
            rc_delay(POLL_GAP);
            continue;
        }
        if (gone) {
            uint32_t en = 0xffffffffu;
            rc_try_read32(RC_GPIO0 + RC_GPIO_INPUT_EN, &en);
            rc_printf("gpio back: input_en=0x%lx\n", en);
            enable_pin();
            gone = false;
            continue;
        }
        int now = (int)(v >> PIN & 1u);
        if (now != level) {
            rc_printf("pin %u = %d\n", PIN, now);
            rises += now;
            level = now;
        }
        rc_delay(POLL_GAP);
    }
    rc_printf("done\n");
    return 0;
}
