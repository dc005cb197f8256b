/* The power controller (mcusim,power-controller at RC_POWER, domains
 * "uart1 gpio0") switching UART1 off and on 1,000 times from firmware.
 * Each cycle: off, status bit 0 clears and a read of UART1 faults (its
 * state is gone); on, status bit 0 sets and UART1 reads its reset state
 * (a register written before reads 0 again); the error register stays 0
 * and GPIO0, the other domain, keeps its state throughout.
 *
 * Then a refused power-on: with UART1 off, the scenario
 * (tests/reconfig/power_cycle-*.yaml) adds another UART (at BLOCKER) that
 * drives UART1's PLIC input; the controller cannot power UART1 on while
 * that input is taken (error bit 0 set, status bit 0 clear). Once the
 * scenario removes it, writing the same value again powers UART1 on. */
#include "rc.h"

#define CYCLES 1000
#define UART1_BIT 1u
#define GPIO0_BIT 2u
#define ALL (UART1_BIT | GPIO0_BIT)
#define GPIO_MARK 0x0f0u
#if defined(RC_VIRT32)
#define BLOCKER 0x10003000u
#else
#define BLOCKER 0x10043000u
#endif

static uint32_t reg(uint32_t offset)
{
    uint32_t v = 0xdeadbeefu;
    rc_try_read32(RC_POWER + offset, &v);
    return v;
}

static void set_power(uint32_t value)
{
    rc_try_write32(RC_POWER + RC_POWER_POWER, value);
}

/* A register of UART1 that reads 0 at reset and keeps what is written:
 * the ns16550a's scratch register, the sifive,uart0's divisor. */
static bool uart1_reg(uint32_t *out)
{
#if defined(RC_VIRT32)
    uint8_t b;
    bool ok = rc_try_read8(RC_UART1 + 7u, &b);
    *out = b;
    return ok;
#else
    return rc_try_read32(RC_UART1 + 0x18u, out);
#endif
}

static bool uart1_reg_write(uint32_t v)
{
#if defined(RC_VIRT32)
    return rc_try_write8(RC_UART1 + 7u, (uint8_t)v);
#else
    return rc_try_write32(RC_UART1 + 0x18u, v);
#endif
}

static uint32_t gpio_mark(void)
{
    uint32_t v = 0;
    rc_try_read32(RC_GPIO0 + RC_GPIO_OUTPUT_EN, &v);
    return v;
}

static void cycle_1000(void)
{
    unsigned faults = 0, resets = 0, status_ok = 0, kept = 0;
    for (int i = 0; i < CYCLES; i++) {
        uint32_t v;
        set_power(GPIO0_BIT);
        if (!uart1_reg(&v) && rc_last_fault_cause == RC_MCAUSE_LOAD_FAULT)
            faults++;
        bool off_ok = reg(RC_POWER_STATUS) == GPIO0_BIT;
        set_power(ALL);
        if (uart1_reg(&v) && v == 0)
            resets++;
        if (off_ok && reg(RC_POWER_STATUS) == ALL && reg(RC_POWER_ERROR) == 0)
            status_ok++;
        if (gpio_mark() == GPIO_MARK)
            kept++;
        uart1_reg_write(0x5a);
    }
    rc_printf("cycles %d: faults when off %u, reset state when on %u, status right %u, "
              "gpio0 kept %u\n", CYCLES, faults, resets, status_ok, kept);
}

int main(void)
{
    rc_init();
    rc_printf("power %lx status %lx error %lx\n", reg(RC_POWER_POWER),
              reg(RC_POWER_STATUS), reg(RC_POWER_ERROR));
    rc_try_write32(RC_GPIO0 + RC_GPIO_OUTPUT_EN, GPIO_MARK);
    uart1_reg_write(0x5a);
    cycle_1000();

    set_power(GPIO0_BIT);
    rc_printf("uart1 off: status %lx\n", reg(RC_POWER_STATUS));
    while (rc_uart_probe(BLOCKER) == RC_UART_NONE) /* the scenario adds it */
        rc_delay(RC_MS(1) / 4u);
    rc_printf("a UART at 0x%08lx\n", (uint32_t)BLOCKER);
    set_power(ALL);
    uint32_t v;
    rc_printf("power on refused: power %lx status %lx error %lx, uart1 %s\n",
              reg(RC_POWER_POWER), reg(RC_POWER_STATUS), reg(RC_POWER_ERROR),
              uart1_reg(&v) ? "answers" : "faults");
    while (rc_uart_probe(BLOCKER) != RC_UART_NONE) /* until the scenario removes it */
        rc_delay(RC_MS(1) / 4u);
    set_power(ALL);
    bool back = uart1_reg(&v);
    rc_printf("the other UART gone, power on again: status %lx error %lx, uart1 %s, reg %lu\n",
              reg(RC_POWER_STATUS), reg(RC_POWER_ERROR), back ? "answers" : "faults", v);
    return 0;
}
