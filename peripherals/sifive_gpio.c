/* SiFive GPIO ("sifive,gpio0"): 32 pins with edge and level interrupts,
 * as the FE310-G002's GPIO0 (at 0x10012000, pin i on PLIC source 8 + i).
 *
 * Register map (SiFive FE310-G002 Manual, chapter 17 "General Purpose
 * Input/Output Controller (GPIO)", table "GPIO Peripheral Register
 * Offsets"; the two passthru registers as in sifive-blocks' GPIO). One bit
 * per pin, all registers 32-bit and 0 at reset:
 *   0x00 input_val   RO   pin levels where input_en is set, 0 elsewhere
 *   0x04 input_en    RW
 *   0x08 output_en   RW
 *   0x0c output_val  RW
 *   0x10 pue         RW   internal pull-up
 *   0x14 ds          RW   drive strength: stored, no effect
 *   0x18 rise_ie     RW   0x1c rise_ip  W1C: set by a rising edge of input_val
 *   0x20 fall_ie     RW   0x24 fall_ip  W1C: set by a falling edge of input_val
 *   0x28 high_ie     RW   0x2c high_ip  W1C: set while input_val is 1
 *   0x30 low_ie      RW   0x34 low_ip   W1C: set while input_val is 0
 *   0x38 iof_en      RW   the pin belongs to an I/O function, not the GPIO
 *   0x3c iof_sel     RW   stored, no effect
 *   0x40 out_xor     RW   inverts output_val on the pin
 *   0x44 passthru_high_ie, 0x48 passthru_low_ie  RW: stored, no effect
 *
 * Pins (the manual's "Interrupts" and QEMU's model): a pin's level is
 * output_val ^ out_xor while output_en is set and iof_en is clear;
 * otherwise the level driven from outside (set_input, the `inject`
 * property), or, while nothing drives it, 1 if pue is set and 0 if not.
 * input_val follows the levels at once (no synchronizer delay). The *_ip
 * bits are set whatever the *_ie bits say and stay set until written with
 * 1; high_ip and low_ip are set again at once while the level lasts, so
 * they follow it (low_ip reads all ones while input_en is clear). Output
 * i, one per pin, is high while pin i has an ip bit whose ie bit is set.
 *
 * Property `inject`: levels driven from outside at fixed virtual times,
 * for deterministic tests: "PIN@TIME=LEVEL ..." separated by spaces, TIME
 * in cycles of the CPU clock or with a unit (ns, us, ms, s) since virtual
 * time 0, LEVEL 0, 1 or z (released: back to the pull-up or 0). Entries
 * apply in time order, equal times in written order. The property is live:
 * set_property replaces the schedule of injections still to come by the
 * new one (its times still count from virtual time 0; entries already due
 * apply at once, in order); pins driven meanwhile stay driven.
 *
 * Accesses must be 32-bit and aligned (others are bus errors); offsets past
 * 0x48 read 0 and ignore writes. Reads have no side effects, so the
 * debugger's peek is the read.
 *
 * Not modelled: the I/O functions behind iof_en/iof_sel (such a pin is
 * driven from outside only), drive strength, passthru to the PMU, the
 * input synchronizer's delay, tracing output changes (no trace
 * infrastructure yet).
 */
#include "peripherals/peripheral.h"
#include "soc/alloc.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GPIO_PINS 32
#define GPIO_SIZE 0x1000

enum {
    INPUT_VAL, INPUT_EN, OUTPUT_EN, OUTPUT_VAL, PUE, DS, RISE_IE, RISE_IP,
    FALL_IE, FALL_IP, HIGH_IE, HIGH_IP, LOW_IE, LOW_IP, IOF_EN, IOF_SEL,
    OUT_XOR, PASSTHRU_HIGH_IE, PASSTHRU_LOW_IE, GPIO_NREGS
};
/* Register r sits at offset 4 * r. */
_Static_assert(OUT_XOR * 4 == 0x40 && PASSTHRU_LOW_IE * 4 == 0x48,
               "GPIO register offsets");

typedef enum { REG_RW, REG_RO, REG_W1C } RegKind;

typedef struct GpioReg {
    const char *name;
    RegKind kind;
} GpioReg;

static const GpioReg gpio_regs[GPIO_NREGS] = {
    [INPUT_VAL] = {"input_val", REG_RO},   [INPUT_EN] = {"input_en", REG_RW},
    [OUTPUT_EN] = {"output_en", REG_RW},   [OUTPUT_VAL] = {"output_val", REG_RW},
    [PUE] = {"pue", REG_RW},               [DS] = {"ds", REG_RW},
    [RISE_IE] = {"rise_ie", REG_RW},       [RISE_IP] = {"rise_ip", REG_W1C},
    [FALL_IE] = {"fall_ie", REG_RW},       [FALL_IP] = {"fall_ip", REG_W1C},
    [HIGH_IE] = {"high_ie", REG_RW},       [HIGH_IP] = {"high_ip", REG_W1C},
    [LOW_IE] = {"low_ie", REG_RW},         [LOW_IP] = {"low_ip", REG_W1C},
    [IOF_EN] = {"iof_en", REG_RW},         [IOF_SEL] = {"iof_sel", REG_RW},
    [OUT_XOR] = {"out_xor", REG_RW},
    [PASSTHRU_HIGH_IE] = {"passthru_high_ie", REG_RW},
    [PASSTHRU_LOW_IE] = {"passthru_low_ie", REG_RW},
};

static const char *const gpio_irq_names[GPIO_PINS] = {
    "pin0", "pin1", "pin2", "pin3", "pin4", "pin5", "pin6", "pin7",
    "pin8", "pin9", "pin10", "pin11", "pin12", "pin13", "pin14", "pin15",
    "pin16", "pin17", "pin18", "pin19", "pin20", "pin21", "pin22", "pin23",
    "pin24", "pin25", "pin26", "pin27", "pin28", "pin29", "pin30", "pin31",
};

#define GPIO_RELEASE 2 /* an injected "level": stop driving the pin */

typedef struct GpioInjection {
    uint64_t when; /* cycle */
    unsigned pin;
    int level;     /* 0, 1 or GPIO_RELEASE */
    size_t order;  /* position in the property, for equal times */
} GpioInjection;

typedef struct Gpio {
    Owner *owner;         /* for its name in messages; no reference */
    uint32_t regs[GPIO_NREGS]; /* regs[INPUT_VAL]: the last levels seen */
    uint32_t ext_driven;  /* pins driven from outside */
    uint32_t ext_level;   /* their levels */
    uint32_t irq_level;   /* the output levels */
    IrqLine irqs[GPIO_PINS];
    Clock *clock;
    ClockEvent *inject_event; /* pending while injections remain */
    GpioInjection *inject;
    size_t ninject, next_inject;
} Gpio;

static uint32_t gpio_pin_levels(const Gpio *g)
{
    const uint32_t *r = g->regs;
    uint32_t ours = r[OUTPUT_EN] & ~r[IOF_EN];
    uint32_t outside = (g->ext_driven & g->ext_level) |
                       (~g->ext_driven & r[PUE]);
    return (ours & (r[OUTPUT_VAL] ^ r[OUT_XOR])) | (~ours & outside);
}

/* The one place the outputs are driven: a line is driven when its level
 * changes, or every line when `all` (connect, reset). */
static void gpio_update_irq(Gpio *g, bool all)
{
    const uint32_t *r = g->regs;
    uint32_t level = (r[RISE_IP] & r[RISE_IE]) | (r[FALL_IP] & r[FALL_IE]) |
                     (r[HIGH_IP] & r[HIGH_IE]) | (r[LOW_IP] & r[LOW_IE]);
    uint32_t changed = all ? UINT32_MAX : level ^ g->irq_level;
    g->irq_level = level;
    for (unsigned i = 0; i < GPIO_PINS; i++)
        if (changed >> i & 1)
            irq_set(&g->irqs[i], level >> i & 1);
}

/* Samples the pins into input_val, latches edges and levels into the ip
 * bits and drives the outputs; called after every change. */
static void gpio_update(Gpio *g, bool drive_all)
{
    uint32_t *r = g->regs;
    uint32_t now = gpio_pin_levels(g) & r[INPUT_EN];
    uint32_t before = r[INPUT_VAL];
    r[RISE_IP] |= now & ~before;
    r[FALL_IP] |= ~now & before;
    r[HIGH_IP] |= now;
    r[LOW_IP] |= ~now;
    r[INPUT_VAL] = now;
    gpio_update_irq(g, drive_all);
}

/* Drives a pin from outside: 0, 1 or GPIO_RELEASE. */
static void gpio_drive(Gpio *g, unsigned pin, int level)
{
    uint32_t bit = UINT32_C(1) << pin;
    if (level == GPIO_RELEASE) {
        g->ext_driven &= ~bit;
    } else {
        g->ext_driven |= bit;
        g->ext_level = level ? g->ext_level | bit : g->ext_level & ~bit;
    }
    gpio_update(g, false);
}

/* ---- registers ---- */

static bool gpio_read(void *opaque, uint64_t offset, unsigned size,
                      uint32_t *value)
{
    const Gpio *g = opaque;
    if (size != 4 || offset % 4)
        return false;
    *value = offset / 4 < GPIO_NREGS ? g->regs[offset / 4] : 0;
    return true;
}

static bool gpio_write(void *opaque, uint64_t offset, unsigned size,
                       uint32_t value)
{
    Gpio *g = opaque;
    if (size != 4 || offset % 4)
        return false;
    if (offset / 4 >= GPIO_NREGS)
        return true;
    uint32_t *reg = &g->regs[offset / 4];
    switch (gpio_regs[offset / 4].kind) {
    case REG_RO: return true;
    case REG_W1C: *reg &= ~value; break;
    case REG_RW: *reg = value; break;
    }
    gpio_update(g, false);
    return true;
}

static const MmioOps gpio_ops = {
    .read = gpio_read,
    .write = gpio_write,
    .peek = gpio_read,
};

/* ---- injection: set_input and the `inject` schedule ---- */

static bool gpio_set_input(void *state, unsigned pin, bool level, Error **errp)
{
    Gpio *g = state;
    if (pin >= GPIO_PINS) {
        error_setf(errp, "'%s' has no pin %u (0-%u)", owner_name(g->owner),
                   pin, GPIO_PINS - 1);
        return false;
    }
    gpio_drive(g, pin, level);
    return true;
}

static void gpio_schedule_next(Gpio *g)
{
    if (g->next_inject < g->ninject)
        clock_event_schedule(g->inject_event, g->inject[g->next_inject].when);
}

/* Applies every injection that is due, then waits for the next one. */
static void gpio_inject_fired(void *opaque)
{
    Gpio *g = opaque;
    uint64_t now = clock_now(g->clock);
    while (g->next_inject < g->ninject && g->inject[g->next_inject].when <= now) {
        const GpioInjection *in = &g->inject[g->next_inject++];
        gpio_drive(g, in->pin, in->level);
    }
    gpio_schedule_next(g);
}

static int injection_cmp(const void *a, const void *b)
{
    const GpioInjection *x = a, *y = b;
    if (x->when != y->when)
        return x->when < y->when ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* Reads the decimal number at *s (a digit), advancing past it; false if
 * it does not fit in 64 bits. */
static bool parse_decimal(const char **s, uint64_t *out)
{
    const char *p = *s;
    uint64_t v = 0;
    for (; isdigit((unsigned char)*p); p++) {
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *s = p;
    *out = v;
    return true;
}

/* Parses one "PIN@TIME=LEVEL" entry of `len` characters into `in`. On
 * failure returns a phrase saying what is wrong. */
static const char *parse_injection(const char *text, size_t len, Clock *clock,
                                   GpioInjection *in)
{
    static const struct { const char *unit; uint64_t hz; } units[] = {
        {"ns", 1000000000}, {"us", 1000000}, {"ms", 1000}, {"s", 1},
    };
    char buf[64];
    if (len >= sizeof buf)
        return "too long";
    memcpy(buf, text, len);
    buf[len] = '\0';
    const char *p = buf;
    uint64_t pin = 0, t;
    if (!isdigit((unsigned char)*p))
        return "expected PIN@TIME=LEVEL";
    bool pin_ok = parse_decimal(&p, &pin);
    while (isdigit((unsigned char)*p))
        p++;
    if (*p++ != '@')
        return "expected PIN@TIME=LEVEL";
    if (!pin_ok || pin >= GPIO_PINS)
        return "no such pin (0-31)";
    if (!isdigit((unsigned char)*p))
        return "expected a time after '@'";
    if (!parse_decimal(&p, &t))
        return "time too large";
    const char *eq = strchr(p, '=');
    if (!eq)
        return "expected '=' and a level after the time";
    size_t unit_len = (size_t)(eq - p);
    in->when = t; /* no unit: cycles */
    if (unit_len) {
        size_t i = 0;
        while (i < sizeof units / sizeof units[0] &&
               (strlen(units[i].unit) != unit_len ||
                strncmp(units[i].unit, p, unit_len) != 0))
            i++;
        if (i == sizeof units / sizeof units[0])
            return "unknown time unit (expected ns, us, ms, s or none for "
                   "cycles)";
        in->when = clock_cycles_from(clock, t, units[i].hz);
    }
    if (in->when == CLOCK_NEVER)
        return "time too large";
    const char *level = eq + 1;
    if (strcmp(level, "0") == 0)
        in->level = 0;
    else if (strcmp(level, "1") == 0)
        in->level = 1;
    else if (strcmp(level, "z") == 0)
        in->level = GPIO_RELEASE;
    else
        return "expected level 0, 1 or z";
    in->pin = (unsigned)pin;
    return NULL;
}

/* Parses an `inject` value into a schedule sorted by time: *out is
 * malloc'd (NULL when empty); nothing is left allocated on failure. */
static bool gpio_parse_inject(const char *value, Clock *clock,
                              GpioInjection **out, size_t *count, Error **errp)
{
    if (!clock) {
        error_setf(errp, "'inject' needs virtual time and the machine has no "
                   "clock");
        return false;
    }
    GpioInjection *list = NULL;
    size_t n = 0;
    for (const char *s = value;;) {
        while (isspace((unsigned char)*s))
            s++;
        if (!*s)
            break;
        size_t len = 0;
        while (s[len] && !isspace((unsigned char)s[len]))
            len++;
        list = xreallocarray(list, n + 1, sizeof *list);
        const char *why = parse_injection(s, len, clock, &list[n]);
        if (why) {
            error_setf(errp, "'inject' entry '%.*s': %s", (int)len, s, why);
            free(list);
            return false;
        }
        list[n].order = n;
        n++;
        s += len;
    }
    if (n)
        qsort(list, n, sizeof *list, injection_cmp);
    *out = list;
    *count = n;
    return true;
}

/* Replaces the injections still to come by `list` (taken over). */
static void gpio_set_schedule(Gpio *g, GpioInjection *list, size_t n)
{
    free(g->inject);
    g->inject = list;
    g->ninject = n;
    g->next_inject = 0;
    if (!g->inject_event && n)
        g->inject_event = clock_event_new(g->clock, gpio_inject_fired, g);
    if (g->inject_event)
        clock_event_cancel(g->inject_event);
    gpio_schedule_next(g);
}

/* ---- reset, create and the class ---- */

/* Registers to 0; pins driven from outside stay driven and the injection
 * schedule goes on (both are outside the chip). */
static void gpio_reset(void *state)
{
    Gpio *g = state;
    memset(g->regs, 0, sizeof g->regs);
    gpio_update(g, true);
}

static void gpio_connect_irqs(void *state, const IrqLine *irqs, size_t n)
{
    Gpio *g = state;
    for (size_t i = 0; i < GPIO_PINS; i++)
        g->irqs[i] = i < n ? irqs[i] : (IrqLine){0};
    if (n)
        gpio_update_irq(g, true);
}

static void gpio_finalize(void *opaque)
{
    Gpio *g = opaque;
    clock_event_free(g->inject_event);
    free(g->inject);
    free(g);
}

#define GPIO_TYPE "sifive,gpio0"

static const DeviceProperty gpio_props[] = {
    {"inject", "input levels at virtual times, \"PIN@TIME=LEVEL ...\" (TIME "
     "in cycles or with ns/us/ms/s, LEVEL 0, 1 or z); default none", true},
    {0},
};

static bool gpio_set_property(void *state, const char *key, const char *value,
                              Error **errp)
{
    Gpio *g = state;
    GpioInjection *list;
    size_t n;
    if (!device_check_live(gpio_props, GPIO_TYPE, owner_name(g->owner), key,
                           errp) ||
        !gpio_parse_inject(value, g->clock, &list, &n, errp))
        return false;
    gpio_set_schedule(g, list, n); /* "inject", the only live one */
    return true;
}

static bool gpio_create(const DeviceConfig *config, Device *out, Error **errp)
{
    if (!device_check_props(config, gpio_props, errp))
        return false;
    const BoardProp *inject = board_peripheral_prop(config->desc, "inject");
    GpioInjection *list = NULL;
    size_t n = 0;
    if (inject && !gpio_parse_inject(inject->value, config->host->clock, &list,
                                     &n, errp)) {
        error_prepend(errp, "%s:%u:%u: ", inject->loc.file, inject->loc.line,
                      inject->loc.col);
        return false;
    }
    Gpio *g = xcalloc(1, sizeof *g);
    g->clock = config->host->clock;
    gpio_set_schedule(g, list, n);
    gpio_update(g, false); /* latch the reset levels: low_ip all ones */
    g->owner = owner_new(config->ms, config->desc->name, gpio_finalize, g);
    out->owner = g->owner;
    out->region = memory_region_new_mmio(g->owner, config->desc->name,
                                         config->size, &gpio_ops, g);
    out->state = g;
    return true;
}

const PeripheralClass sifive_gpio_class = {
    .type = GPIO_TYPE,
    .description = "SiFive GPIO: 32 pins, edge and level interrupts, "
                   "injectable inputs",
    .default_size = GPIO_SIZE,
    .min_size = GPIO_NREGS * 4,
    .max_size = GPIO_SIZE,
    .properties = gpio_props,
    .create = gpio_create,
    .irq_outputs = GPIO_PINS,
    .irq_output_names = gpio_irq_names,
    .connect_irqs = gpio_connect_irqs,
    .reset = gpio_reset,
    .set_input = gpio_set_input,
    .set_property = gpio_set_property,
};
