/* GPIO interrupts through the PLIC on the HiFive1 Rev B (pin i is PLIC
 * source 8 + i), on tests/firmware/boards/hifive1-gpio.yaml, whose GPIO0
 * input levels are injected at fixed times:
 *   - an output pin: output_val ^ out_xor on the pin (the LEDs are active
 *     low), and writing output_val makes a rising edge the firmware sees;
 *   - 1 ms: pin 9 rises (rise_ie) while pin 10 rises unwatched;
 *   - 2 ms: pin 10 falls (fall_ie);
 *   - 3 ms: pin 9 drops and rises at one instant: both edges latched;
 *   - 4 ms: pin 11 goes high (high_ie): the handler swaps it to low_ie,
 *   - 5 ms: pin 11 falls: the low-level interrupt.
 * Every interrupt is handled in wfi, claimed, cleared and completed; main
 * prints them in order, with whether each came within 50 us of its time. */
#include <stdio.h>
#include <stdint.h>
#include "board.h"

#define GPIO_BASE 0x10012000u
#define GPIO_INPUT_VAL (GPIO_BASE + 0x00)
#define GPIO_INPUT_EN (GPIO_BASE + 0x04)
#define GPIO_OUTPUT_EN (GPIO_BASE + 0x08)
#define GPIO_OUTPUT_VAL (GPIO_BASE + 0x0c)
#define GPIO_RISE_IE (GPIO_BASE + 0x18)
#define GPIO_RISE_IP (GPIO_BASE + 0x1c)
#define GPIO_FALL_IE (GPIO_BASE + 0x20)
#define GPIO_FALL_IP (GPIO_BASE + 0x24)
#define GPIO_HIGH_IE (GPIO_BASE + 0x28)
#define GPIO_HIGH_IP (GPIO_BASE + 0x2c)
#define GPIO_LOW_IE (GPIO_BASE + 0x30)
#define GPIO_LOW_IP (GPIO_BASE + 0x34)
#define GPIO_OUT_XOR (GPIO_BASE + 0x40)

#define PIN_LED_GREEN 19u
#define GPIO_SOURCE(pin) (8u + (pin))
#define MS (CPU_HZ / 1000u)
#define MIE_MEIE (1u << 11)

enum { RISE = 1, FALL = 2, HIGH = 4, LOW = 8 };

typedef struct Event {
    uint32_t source;
    uint32_t kinds; /* the pin's edge bits, and its enabled level bits */
    uint32_t level; /* its input_val bit */
    uint32_t cycle;
} Event;

#define MAX_EVENTS 8
static volatile Event events[MAX_EVENTS];
static volatile unsigned nevents;

static uint32_t bit(uint32_t reg, unsigned pin)
{
    return MMIO32(reg) >> pin & 1;
}

__attribute__((interrupt("machine"), aligned(4))) static void isr(void)
{
    uint32_t source = MMIO32(PLIC_CLAIM);
    unsigned pin = source - GPIO_SOURCE(0);
    uint32_t mask = 1u << pin;
    /* edges as latched; levels (always latched) only where enabled */
    uint32_t kinds = bit(GPIO_RISE_IP, pin) * RISE | bit(GPIO_FALL_IP, pin) * FALL |
                     (bit(GPIO_HIGH_IP, pin) & bit(GPIO_HIGH_IE, pin)) * HIGH |
                     (bit(GPIO_LOW_IP, pin) & bit(GPIO_LOW_IE, pin)) * LOW;
    if (nevents < MAX_EVENTS)
        events[nevents++] = (Event){source, kinds, bit(GPIO_INPUT_VAL, pin),
                                    read_mcycle()};
    if (MMIO32(GPIO_HIGH_IE) & mask) { /* now wait for it to go low */
        MMIO32(GPIO_HIGH_IE) &= ~mask;
        MMIO32(GPIO_LOW_IP) = mask;
        MMIO32(GPIO_LOW_IE) |= mask;
    } else if (MMIO32(GPIO_LOW_IE) & mask) {
        MMIO32(GPIO_LOW_IE) &= ~mask;
    }
    MMIO32(GPIO_RISE_IP) = mask;
    MMIO32(GPIO_FALL_IP) = mask;
    MMIO32(GPIO_HIGH_IP) = mask;
    MMIO32(GPIO_LOW_IP) = mask;
    MMIO32(PLIC_CLAIM) = source;
}

static void print_event(const volatile Event *e, int due_ms)
{
    static const char *const names[] = {"rise", "fall", "high", "low"};
    printf("source %lu (pin %lu):", (unsigned long)e->source,
           (unsigned long)(e->source - GPIO_SOURCE(0)));
    for (unsigned k = 0; k < 4; k++)
        if (e->kinds & 1u << k)
            printf(" %s", names[k]);
    printf(", level %lu", (unsigned long)e->level);
    if (due_ms >= 0) {
        uint32_t due = (uint32_t)due_ms * MS;
        printf(", at %d ms: %s", due_ms,
               e->cycle >= due && e->cycle - due < 50 * MS / 1000 ? "on time"
                                                                 : "late");
    }
    printf("\n");
}

int main(void)
{
    static const unsigned pins[] = {9, 10, 11, PIN_LED_GREEN};
    static const int due[] = {-1, 1, 2, 3, 4, 5};
    __asm__ volatile("csrw mtvec, %0" :: "r"(isr));
    for (unsigned i = 0; i < 4; i++) {
        MMIO32(PLIC_PRIORITY(GPIO_SOURCE(pins[i]))) = 1;
        MMIO32(PLIC_ENABLE(0)) |= 1u << GPIO_SOURCE(pins[i]);
    }
    MMIO32(PLIC_THRESHOLD) = 0;
    uint32_t led = 1u << PIN_LED_GREEN;
    MMIO32(GPIO_INPUT_EN) = 1u << 9 | 1u << 10 | 1u << 11 | led;
    MMIO32(GPIO_OUT_XOR) = led; /* active low */
    MMIO32(GPIO_OUTPUT_VAL) = 0;
    MMIO32(GPIO_OUTPUT_EN) = led; /* the pin goes high: LED off */
    MMIO32(GPIO_RISE_IP) = 0xffffffff;
    MMIO32(GPIO_RISE_IE) = 1u << 9 | led;
    MMIO32(GPIO_FALL_IE) = 1u << 10;
    MMIO32(GPIO_HIGH_IE) = 1u << 11;
    int early = read_mcycle() < MS;
    __asm__ volatile("csrs mie, %0" :: "r"(MIE_MEIE));
    __asm__ volatile("csrs mstatus, 8");

    uint32_t off_level = bit(GPIO_INPUT_VAL, PIN_LED_GREEN);
    MMIO32(GPIO_OUTPUT_VAL) = led; /* LED on: the pin goes low */
    uint32_t on_level = bit(GPIO_INPUT_VAL, PIN_LED_GREEN);
    MMIO32(GPIO_OUTPUT_VAL) = 0; /* off again: a rising edge */
    while (nevents < 6)
        __asm__ volatile("wfi");
    __asm__ volatile("csrc mstatus, 8");

    printf("set up before 1 ms: %s\n", early ? "yes" : "no");
    printf("led pin %u with out_xor: off %lu, on %lu\n", PIN_LED_GREEN,
           (unsigned long)off_level, (unsigned long)on_level);
    for (unsigned i = 0; i < nevents; i++)
        print_event(&events[i], due[i]);
    printf("pending after all: 0x%08lx\n", (unsigned long)MMIO32(PLIC_PENDING(0)));
    return 0;
}
