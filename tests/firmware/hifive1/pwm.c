/* PWM1 of the FE310-G002 (sifive,pwm0, 16-bit comparators) as the manual's
 * PWM chapter describes it, on hifive1-revb (through hifive1-test).
 * PWM1's four output pins reach the package through GPIO0's I/O function
 * 1 (the manual's "GPIO I/O function mapping": PWM1_PWM0 on GPIO 20,
 * PWM1_PWM1 on 19, PWM1_PWM2 on 21, PWM1_PWM3 on 22): the firmware gives
 * those pins to IOF1 (iof_sel, iof_en) and reads them back in input_val,
 * as a vendor program would.
 *
 * 1. A periodic interrupt: pwmzerocmp with pwmcmp0 = 3999 makes a PWM
 *    cycle of 4000 bus clocks (pwmcmp0 + 1); pwmcmp0ip (sticky, PLIC
 *    source 44) interrupts once a cycle, and the handler clears it. The
 *    handler stamps mcycle and mtime: consecutive interrupts are exactly
 *    4000 cycles apart (the bus clock is the 16 MHz CPU clock), 8 or 9
 *    mtime ticks (4000 * 32768 / 16 MHz = 8.192).
 * 2. The same with pwmscale 2 and pwmcmp0 = 999: (999 << 2) + 1 = 3997.
 * 3. The comparators and pins with the counter stopped at chosen counts:
 *    pwmcmpXip = (pwms >= pwmcmpX) a clock later; pin 1 is ganged with
 *    comparator 2, so it is high only between pwmcmp1 and pwmcmp2.
 *    With iof_en clear, or IOF0 selected, the GPIO pins are no longer
 *    the PWM's: they read 0 (nothing drives them, no pull-up).
 * 4. The pins over time with the counter running: the transitions seen
 *    by polling pwms and input_val, and a one-shot cycle that stops.
 * 5. A GPIO interrupt from a PWM pin: rise_ie on GPIO 19 (PWM1 pin 1,
 *    PLIC source 8 + 19) fires as pwms passes pwmcmp1. */
#include <stdio.h>
#include <stdint.h>
#include "board.h"

#define PWM1_BASE 0x10025000u
#define PWM_CFG (PWM1_BASE + 0x00)
#define PWM_COUNT (PWM1_BASE + 0x08)
#define PWM_S (PWM1_BASE + 0x10)
#define PWM_CMP(n) (PWM1_BASE + 0x20 + 4 * (n))
#define PWMSCALE(n) ((uint32_t)(n))
#define PWMSTICKY (1u << 8)
#define PWMZEROCMP (1u << 9)
#define PWMENALWAYS (1u << 12)
#define PWMENONESHOT (1u << 13)
#define PWMCMPGANG(n) (1u << (24 + (n)))
#define PWMCMPIP(n) (1u << (28 + (n)))

#define GPIO_BASE 0x10012000u
#define GPIO_INPUT_VAL (GPIO_BASE + 0x00)
#define GPIO_INPUT_EN (GPIO_BASE + 0x04)
#define GPIO_RISE_IE (GPIO_BASE + 0x18)
#define GPIO_RISE_IP (GPIO_BASE + 0x1c)
#define GPIO_IOF_EN (GPIO_BASE + 0x38)
#define GPIO_IOF_SEL (GPIO_BASE + 0x3c)
/* PWM1_PWMn on the GPIO pins, by the manual's I/O function table */
#define PWM1_GPIO0 20u
#define PWM1_GPIO1 19u
#define PWM1_GPIO2 21u
#define PWM1_GPIO3 22u
#define PWM1_GPIOS (1u << PWM1_GPIO0 | 1u << PWM1_GPIO1 | 1u << PWM1_GPIO2 | \
                    1u << PWM1_GPIO3)

#define SRC_PWM1_CMP0 44
#define SRC_GPIO(pin) (8u + (pin))
#define IRQS 5

static volatile int irqs;
static volatile uint32_t irq_cycle[IRQS];
static volatile uint64_t irq_mtime[IRQS];
static volatile uint32_t run_cfg;
static volatile int gpio_irqs;
static volatile uint32_t gpio_irq_pwms, gpio_irq_input;

/* GPIO 19's rising edge: where the counter was, and the pin's level. */
static void gpio_rise(void)
{
    gpio_irq_pwms = MMIO32(PWM_S);
    gpio_irq_input = MMIO32(GPIO_INPUT_VAL);
    gpio_irqs++;
    MMIO32(GPIO_RISE_IE) = 0;
    MMIO32(GPIO_RISE_IP) = 1u << PWM1_GPIO1;
    MMIO32(PLIC_CLAIM) = SRC_GPIO(PWM1_GPIO1);
}

__attribute__((interrupt("machine"), aligned(4))) static void isr(void)
{
    uint32_t cycle = read_mcycle();
    uint32_t cause;
    __asm__ volatile("csrr %0, mcause" : "=r"(cause));
    uint32_t src = MMIO32(PLIC_CLAIM);
    if (cause == 0x8000000bu && src == SRC_GPIO(PWM1_GPIO1)) {
        gpio_rise();
        return;
    }
    if (cause != 0x8000000bu || src != SRC_PWM1_CMP0) {
        printf("unexpected: mcause 0x%08lx source %lu\n",
               (unsigned long)cause, (unsigned long)src);
        board_exit(2);
    }
    irq_cycle[irqs] = cycle;
    irq_mtime[irqs] = clint_mtime();
    irqs++;
    /* pwmcmp0ip is sticky: clear it, and stop after the last one */
    MMIO32(PWM_CFG) = irqs == IRQS ? 0 : run_cfg;
    MMIO32(PLIC_CLAIM) = src;
}

/* Interrupts at the period pwmcmp0 and pwmscale make; true when every
 * interval is `period` cycles. */
static int periodic(uint32_t cmp0, uint32_t scale, uint32_t period)
{
    irqs = 0;
    MMIO32(PWM_COUNT) = 0;
    MMIO32(PWM_CMP(0)) = cmp0;
    run_cfg = PWMSTICKY | PWMZEROCMP | PWMENALWAYS | PWMSCALE(scale);
    uint32_t start = read_mcycle();
    MMIO32(PWM_CFG) = run_cfg;
    while (irqs < IRQS)
        __asm__ volatile("wfi");
    int ok = 1;
    printf("pwmscale %lu pwmcmp0 %lu: first interrupt %lu cycles after the "
           "start\n", (unsigned long)scale, (unsigned long)cmp0,
           (unsigned long)(irq_cycle[0] - start));
    for (int i = 1; i < IRQS; i++) {
        uint32_t cycles = irq_cycle[i] - irq_cycle[i - 1];
        printf("  interrupt %d: +%lu cycles, +%lu mtime ticks\n", i + 1,
               (unsigned long)cycles,
               (unsigned long)(irq_mtime[i] - irq_mtime[i - 1]));
        ok &= cycles == period;
    }
    printf("  every interval %lu cycles: %s\n", (unsigned long)period,
           ok ? "yes" : "NO");
    return ok;
}

/* PWM1's pins in an input_val, bit N = PWM1_PWMN. */
static uint32_t pins_of(uint32_t in)
{
    return (in >> PWM1_GPIO0 & 1) | (in >> PWM1_GPIO1 & 1) << 1 |
           (in >> PWM1_GPIO2 & 1) << 2 | (in >> PWM1_GPIO3 & 1) << 3;
}

static uint32_t pwm1_pins(void)
{
    return pins_of(MMIO32(GPIO_INPUT_VAL));
}

/* The levels with the counter stopped at `count`. */
static int stopped_at(uint32_t count)
{
    MMIO32(PWM_COUNT) = count;
    /* the comparators are registered into ip a clock later */
    uint32_t s = MMIO32(PWM_S);
    uint32_t ip = MMIO32(PWM_CFG) >> 28;
    uint32_t pins = pwm1_pins();
    printf("  pwms %3lu: ip 0x%lx pins 0x%lx\n", (unsigned long)s,
           (unsigned long)ip, (unsigned long)pins);
    uint32_t want = (s >= 250) | (s >= 100) << 1 | (s >= 200) << 2 |
                    (s >= 150) << 3;
    uint32_t want_pins = want & ~((want >> 1) & 0x2); /* pin 1 ganged */
    return ip == want && pins == want_pins;
}

/* Polls pwms and the pins `samples` times (a few cycles apart), then
 * prints each change of the pins with the pwms read just before it. */
#define MAX_CHANGES 32
static void watch_pins(int samples)
{
    static uint32_t at[MAX_CHANGES], to[MAX_CHANGES];
    int n = 0;
    uint32_t first = MMIO32(GPIO_INPUT_VAL) & PWM1_GPIOS, last = first;
    for (int i = 0; i < samples; i++) { /* sorted out after: a short loop */
        uint32_t s = MMIO32(PWM_S);
        uint32_t pins = MMIO32(GPIO_INPUT_VAL) & PWM1_GPIOS;
        if (pins != last && n < MAX_CHANGES) {
            at[n] = s;
            to[n++] = pins;
        }
        last = pins;
    }
    for (int i = 0; i < n; i++)
        printf("  pins 0x%lx -> 0x%lx after pwms %lu\n",
               (unsigned long)pins_of(i ? to[i - 1] : first),
               (unsigned long)pins_of(to[i]), (unsigned long)at[i]);
}

/* With the pins high: taken from IOF1 (iof_en clear, then IOF0, which
 * nothing drives, selected) they read 0, given back they read again. */
static int pins_leave_iof1(uint32_t want)
{
    MMIO32(GPIO_IOF_EN) &= ~PWM1_GPIOS;
    uint32_t gpio = pwm1_pins();
    MMIO32(GPIO_IOF_SEL) &= ~PWM1_GPIOS;
    MMIO32(GPIO_IOF_EN) |= PWM1_GPIOS;
    uint32_t iof0 = pwm1_pins();
    MMIO32(GPIO_IOF_SEL) |= PWM1_GPIOS;
    uint32_t iof1 = pwm1_pins();
    printf("  pins as GPIO 0x%lx, on IOF0 0x%lx, on IOF1 again 0x%lx\n",
           (unsigned long)gpio, (unsigned long)iof0, (unsigned long)iof1);
    return gpio == 0 && iof0 == 0 && iof1 == want;
}

/* GPIO 19 (PWM1 pin 1) interrupts on its rising edge, pwmcmp1 = 100. */
static int gpio_rise_from_pwm(void)
{
    printf("GPIO %u rise interrupt (PLIC %u), pwmcmp1 = 100:\n", PWM1_GPIO1,
           SRC_GPIO(PWM1_GPIO1));
    MMIO32(PWM_CFG) = 0;
    MMIO32(PWM_COUNT) = 0;
    MMIO32(PWM_CMP(1)) = 100; /* pwmcmp0 = 250 still: no gang, pin 1 high
                                 from pwms 100 to the cycle's end */
    MMIO32(PLIC_PRIORITY(SRC_GPIO(PWM1_GPIO1))) = 1;
    MMIO32(PLIC_ENABLE(0)) = 1u << SRC_GPIO(PWM1_GPIO1);
    MMIO32(PLIC_ENABLE(1)) = 0;
    MMIO32(GPIO_RISE_IP) = 1u << PWM1_GPIO1;
    MMIO32(GPIO_RISE_IE) = 1u << PWM1_GPIO1;
    __asm__ volatile("csrs mstatus, 8");
    uint32_t start = read_mcycle();
    MMIO32(PWM_CFG) = PWMZEROCMP | PWMENALWAYS;
    while (!gpio_irqs && read_mcycle() - start < 10 * 251) /* 10 PWM cycles */
        ;
    __asm__ volatile("csrc mstatus, 8");
    MMIO32(PWM_CFG) = 0;
    uint32_t level = gpio_irq_input >> PWM1_GPIO1 & 1;
    printf("  interrupts %d, in the handler pwms %lu, input_val bit %u %lu\n",
           gpio_irqs, (unsigned long)gpio_irq_pwms, PWM1_GPIO1,
           (unsigned long)level);
    return gpio_irqs == 1 && level == 1 && gpio_irq_pwms > 100 &&
           gpio_irq_pwms < 200;
}

int main(void)
{
    /* PWM1's pins to the package: I/O function 1, and read back */
    MMIO32(GPIO_INPUT_EN) |= PWM1_GPIOS;
    MMIO32(GPIO_IOF_SEL) |= PWM1_GPIOS;
    MMIO32(GPIO_IOF_EN) |= PWM1_GPIOS;
    __asm__ volatile("csrw mtvec, %0" :: "r"(isr));
    MMIO32(PLIC_PRIORITY(SRC_PWM1_CMP0)) = 1;
    MMIO32(PLIC_THRESHOLD) = 0;
    MMIO32(PLIC_ENABLE(1)) = 1u << (SRC_PWM1_CMP0 - 32);
    __asm__ volatile("csrs mie, %0" :: "r"(1u << 11));
    __asm__ volatile("csrs mstatus, 8");

    int ok = periodic(3999, 0, 4000);
    ok &= periodic(999, 2, 3997);
    __asm__ volatile("csrc mstatus, 8");

    printf("counter stopped, pwmcmp0..3 = 250 100 200 150, pin 1 ganged:\n");
    MMIO32(PWM_CFG) = PWMCMPGANG(1);
    MMIO32(PWM_CMP(0)) = 250;
    MMIO32(PWM_CMP(1)) = 100;
    MMIO32(PWM_CMP(2)) = 200;
    MMIO32(PWM_CMP(3)) = 150;
    static const uint32_t counts[] = {0, 99, 100, 149, 150, 199, 200, 250};
    for (unsigned i = 0; i < sizeof counts / sizeof counts[0]; i++)
        ok &= stopped_at(counts[i]);
    ok &= pins_leave_iof1(0xd);

    printf("running, pwmcmp0 = 250 (a cycle of 251):\n");
    MMIO32(PWM_COUNT) = 0;
    MMIO32(PWM_CFG) = PWMZEROCMP | PWMENALWAYS | PWMCMPGANG(1);
    watch_pins(70);
    printf("one-shot:\n");
    MMIO32(PWM_CFG) = PWMZEROCMP | PWMCMPGANG(1);
    MMIO32(PWM_COUNT) = 0;
    MMIO32(PWM_CFG) = PWMZEROCMP | PWMENONESHOT | PWMCMPGANG(1);
    watch_pins(300);
    uint32_t cfg = MMIO32(PWM_CFG);
    printf("  after it: pwmcount %lu, pwmenoneshot %lu\n",
           (unsigned long)MMIO32(PWM_COUNT),
           (unsigned long)(cfg & PWMENONESHOT ? 1 : 0));
    ok &= MMIO32(PWM_COUNT) == 0 && !(cfg & PWMENONESHOT);
    ok &= gpio_rise_from_pwm();
    printf("%s\n", ok ? "PASS" : "FAIL");
    return ok ? 0 : 1;
}
