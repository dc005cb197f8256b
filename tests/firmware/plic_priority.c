/* PLIC priorities, threshold, claim order and the level gateway, on
 * tests/firmware/boards/plic.yaml: virt32 plus a GPIO whose pin i drives
 * PLIC source 20 + i, with pin levels injected by the board at fixed times.
 *
 *  2 ms   pins 0-3 rise together: sources 20-23 with priorities 1, 3, 3, 2
 *         pend at once; claims come in priority order, ties lowest ID first.
 * 10-12 ms pins 0 and 3 fall and rise again while the threshold is 2: both
 *         pend but MEIP stays low; lowering the threshold lets them in one
 *         at a time, highest priority first.
 * 20 ms   pin 2 (a high-level interrupt) falls: while it was high the
 *         gateway re-pended it on every complete, never while claimed; its
 *         last request stays pending after the line drops.
 */
#include <stdio.h>
#include <stdint.h>
#include "board.h"

#define PLIC 0x0c000000u
#define PLIC_PRIO(s) (PLIC + 4u * (s))
#define PLIC_PENDING (PLIC + 0x1000u)
#define PLIC_ENABLE (PLIC + 0x2000u)
#define PLIC_THRESHOLD (PLIC + 0x200000u)
#define PLIC_CLAIM (PLIC + 0x200004u)

#define GPIO 0x10012000u
#define GPIO_INPUT_VAL (GPIO + 0x00)
#define GPIO_INPUT_EN (GPIO + 0x04)
#define GPIO_RISE_IE (GPIO + 0x18)
#define GPIO_RISE_IP (GPIO + 0x1c)
#define GPIO_HIGH_IE (GPIO + 0x28)
#define GPIO_HIGH_IP (GPIO + 0x2c)

#define SRC(pin) (20u + (pin))
#define MS 10000u /* cycles at 10 MHz */
#define MIP_MEIP (1u << 11)

static volatile unsigned taken[8];
static volatile unsigned ntaken;
static int failures;

static uint32_t now(void)
{
    uint32_t t;
    __asm__ volatile("rdtime %0" : "=r"(t));
    return t;
}

static void wait_until(uint32_t cycles)
{
    while (now() < cycles) {}
}

static uint32_t mip(void)
{
    uint32_t v;
    __asm__ volatile("csrr %0, mip" : "=r"(v));
    return v;
}

static uint32_t pending(void)
{
    return MMIO32(PLIC_PENDING) >> SRC(0) & 0xf; /* bit i: pin i's source */
}

static void check(int ok, const char *what)
{
    if (!ok) {
        printf("FAILED: %s\n", what);
        failures++;
    }
}

/* One claim per interrupt: the PLIC raises MEIP again if more is due. */
__attribute__((interrupt("machine"), aligned(4))) static void isr(void)
{
    uint32_t id = MMIO32(PLIC_CLAIM);
    if (ntaken < 8)
        taken[ntaken++] = id;
    if (id >= SRC(0) && id <= SRC(3))
        MMIO32(GPIO_RISE_IP) = 1u << (id - SRC(0));
    MMIO32(PLIC_CLAIM) = id;
}

static void print_taken(const char *label)
{
    printf("%s:", label);
    for (unsigned i = 0; i < ntaken; i++)
        printf(" %u", taken[i]);
    printf("\n");
    ntaken = 0;
}

int main(void)
{
    static const uint32_t prio[4] = {1, 3, 3, 2};
    __asm__ volatile("csrw mtvec, %0" :: "r"(isr));
    MMIO32(GPIO_INPUT_EN) = 0xf;
    MMIO32(GPIO_RISE_IE) = 0xf;
    for (unsigned pin = 0; pin < 4; pin++)
        MMIO32(PLIC_PRIO(SRC(pin))) = prio[pin];
    MMIO32(PLIC_ENABLE) = 0xfu << SRC(0);
    MMIO32(PLIC_THRESHOLD) = 0;
    int early = now() < 2 * MS;

    /* 1: four sources at once, interrupts off: claim them in order */
    while (pending() != 0xf) {}
    printf("setup before the first edge: %s\n", early ? "yes" : "no");
    printf("pending at 2 ms: 0x%lx, meip %d\n", (unsigned long)pending(),
           (mip() & MIP_MEIP) != 0);
    printf("claims:");
    for (uint32_t id; (id = MMIO32(PLIC_CLAIM)) != 0;) {
        printf(" %lu", (unsigned long)id);
        MMIO32(GPIO_RISE_IP) = 1u << (id - SRC(0));
        MMIO32(PLIC_CLAIM) = id;
    }
    printf("\n");
    check(!(mip() & MIP_MEIP), "meip low after the claims");
    check(now() < 10 * MS, "phase 1 done before 10 ms");

    /* 2: threshold 2 masks sources 20 (priority 1) and 23 (priority 2) */
    MMIO32(PLIC_THRESHOLD) = 2;
    __asm__ volatile("csrs mie, %0" :: "r"(MIP_MEIP));
    __asm__ volatile("csrs mstatus, 8");
    wait_until(13 * MS);
    printf("threshold 2: pending 0x%lx, meip %d, taken %u\n",
           (unsigned long)pending(), (mip() & MIP_MEIP) != 0, ntaken);
    MMIO32(PLIC_THRESHOLD) = 1;
    print_taken("threshold 1 takes");
    MMIO32(PLIC_THRESHOLD) = 0;
    print_taken("threshold 0 takes");

    /* 3: pin 2 as a high-level interrupt, interrupts off again */
    __asm__ volatile("csrc mstatus, 8");
    MMIO32(GPIO_HIGH_IE) = 1u << 2;
    uint32_t id = MMIO32(PLIC_CLAIM);
    uint32_t in_claim = pending();
    MMIO32(GPIO_HIGH_IP) = 1u << 2; /* the level sets it again at once */
    uint32_t still = MMIO32(GPIO_HIGH_IP) >> 2 & 1;
    MMIO32(PLIC_CLAIM) = id;
    printf("level: claimed %lu, pending while claimed 0x%lx, high_ip after "
           "clearing %lu, pending after complete 0x%lx\n", (unsigned long)id,
           (unsigned long)in_claim, (unsigned long)still,
           (unsigned long)pending());
    check(now() < 20 * MS, "phase 3 done before 20 ms");
    wait_until(21 * MS);
    MMIO32(GPIO_HIGH_IP) = 1u << 2; /* the line is low now: it stays clear */
    printf("after 20 ms: pin 2 %lu, high_ip %lu, pending 0x%lx\n",
           (unsigned long)(MMIO32(GPIO_INPUT_VAL) >> 2 & 1),
           (unsigned long)(MMIO32(GPIO_HIGH_IP) >> 2 & 1),
           (unsigned long)pending());
    id = MMIO32(PLIC_CLAIM);
    MMIO32(PLIC_CLAIM) = id;
    printf("claimed %lu, then pending 0x%lx, claim %lu\n", (unsigned long)id,
           (unsigned long)pending(), (unsigned long)MMIO32(PLIC_CLAIM));
    printf("%s\n", failures ? "FAIL" : "PASS");
    return failures;
}
