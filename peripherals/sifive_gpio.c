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
 *   0x3c iof_sel     RW   which one: 0 = I/O function 0, 1 = function 1
 *   0x40 out_xor     RW   inverts output_val on the pin
 *   0x44 passthru_high_ie, 0x48 passthru_low_ie  RW: stored, no effect
 * The map is a regs.h table (gpio_regs), without fields: every bit is a
 * pin, and 32 "pinN" fields would only bury the value in a trace. Accesses
 * must be 32-bit and aligned: anything else is a bus error, unless the
 * board says `bad-access: ignore` (then it reads 0 and is reported once).
 * Offsets past 0x48 read 0 and ignore writes, reported once each as guest
 * diagnostics. Reads have no side effects.
 *
 * I/O functions (the manual's "GPIO I/O function mapping"; sifive-blocks'
 * GPIO.scala muxes them the same way): interrupt input n (0-31) is I/O
 * function 0's output for pin n, input 32 + n I/O function 1's. Which
 * peripheral output is which function is the board's wiring, not the
 * model's: on the FE310-G002 IOF1 carries the PWM pins, e.g.
 * `irq: [plic.40-43, gpio0.32-35]` for PWM0 (pwm0 pins 0-3 on GPIO 0-3).
 * An input is wired from the first level its source drives (the machine
 * drives every connection when it binds it) until irq_input_detach.
 *
 * Pins (the manual's "Interrupts" and QEMU's model), first rule that
 * applies:
 * - iof_en clear and output_en set: output_val ^ out_xor;
 * - iof_en set and the function iof_sel selects wired: that input's level
 *   ^ out_xor (the RTL inverts after the mux, so an active-low PWM is
 *   out_xor set on its pin); output_en does not matter, the function
 *   drives the pin;
 * - otherwise (an input, or iof_en set with the selected function not
 *   wired): the level driven from outside (set_input, the `inject`
 *   property), or, while nothing drives it, 1 if pue is set and 0 if not.
 * input_val follows the levels at once (no synchronizer delay): after
 * every register access and every change from outside, gpio_update
 * samples the pins and latches the ip bits. The *_ip bits are set
 * whatever the *_ie bits say and stay set until written with 1; high_ip
 * and low_ip are set again at once while the level lasts, so they follow
 * it (low_ip reads all ones while input_en is clear). Output i, one per
 * pin, is high while pin i has an ip bit whose ie bit is set.
 *
 * Property `inject`: levels driven from outside at fixed virtual times,
 * for deterministic tests: "PIN@TIME=LEVEL ..." separated by spaces, TIME
 * in cycles of the CPU clock or with a unit (ns, us, ms, s) since virtual
 * time 0, LEVEL 0, 1 or z (released: back to the pull-up or 0). Entries
 * apply in time order, equal times in written order. The property is live:
 * set_property replaces the schedule of injections still to come by the
 * new one (its times still count from virtual time 0; entries already due
 * apply at once, in order); pins driven meanwhile stay driven. Property
 * `bad-access` (regs.h): fault (default) or ignore.
 *
 * Not modelled: I/O functions that read the pin (a UART's RX sees
 * nothing through the GPIO), a function's own input enable (in the RTL a
 * PWM function drives the pad's ie low; here input_en alone gates
 * input_val, so firmware can read a PWM pin back),
 * a selected function with nothing wired falling back to the GPIO's own
 * output_val as in the RTL (here it is driven from outside only), drive
 * strength, passthru to the PMU, the input synchronizer's delay.
 *
 * Waveforms (--vcd): every pin's level, as signal "pinN", at each change
 * (DeviceHost.signal; nothing while nobody listens).
 */
#include "peripherals/peripheral.h"
#include "peripherals/regs.h"
#include "soc/alloc.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GPIO_PINS 32
#define GPIO_IOFS 2 /* I/O functions 0 and 1 */
#define GPIO_SIZE 0x1000
#define GPIO_MAP_END 0x4c /* past passthru_low_ie */

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
    char *name;           /* the board's name for it; owned */
    RegBank bank;
    /* The registers, named as in the table. input_val holds the levels
     * last sampled, which the next sample compares for edges. */
    uint32_t input_val, input_en, output_en, output_val, pue, ds;
    uint32_t rise_ie, rise_ip, fall_ie, fall_ip;
    uint32_t high_ie, high_ip, low_ie, low_ip;
    uint32_t iof_en, iof_sel, out_xor, passthru_high_ie, passthru_low_ie;
    uint32_t ext_driven;  /* pins driven from outside */
    uint32_t ext_level;   /* their levels */
    /* I/O function f's outputs, bit n for pin n (interrupt input
     * 32 * f + n): wired to a source, and the levels it drives. */
    uint32_t iof_wired[GPIO_IOFS];
    uint32_t iof_level[GPIO_IOFS];
    uint32_t irq_level;   /* the levels the outputs were last driven to */
    IrqLine irqs[GPIO_PINS];
    DeviceHost host;      /* waveforms: the pins as signals "pinN" */
    uint32_t pins_published; /* the levels last published, once published */
    bool published;
    Clock *clock;
    ClockEvent *inject_event; /* pending while injections remain */
    GpioInjection *inject;
    size_t ninject, next_inject;
} Gpio;

/* The pins' levels, by the rules in the header comment. */
static uint32_t gpio_pin_levels(const Gpio *g)
{
    uint32_t ours = g->output_en & ~g->iof_en;
    uint32_t sel = g->iof_sel;
    uint32_t wired = (g->iof_wired[0] & ~sel) | (g->iof_wired[1] & sel);
    uint32_t function = g->iof_en & wired;
    uint32_t function_level = (g->iof_level[0] & ~sel) | (g->iof_level[1] & sel);
    uint32_t outside = (g->ext_driven & g->ext_level) |
                       (~g->ext_driven & g->pue);
    uint32_t driven = (ours & g->output_val) | (function & function_level);
    return ((ours | function) & (driven ^ g->out_xor)) |
           (~(ours | function) & outside);
}

/* The one place the outputs are driven: a line is driven when its level
 * changes, or every line when `all` (connect, reset). */
static void gpio_update_irq(Gpio *g, bool all)
{
    uint32_t level = (g->rise_ip & g->rise_ie) | (g->fall_ip & g->fall_ie) |
                     (g->high_ip & g->high_ie) | (g->low_ip & g->low_ie);
    uint32_t changed = all ? UINT32_MAX : level ^ g->irq_level;
    g->irq_level = level;
    for (; changed; changed &= changed - 1) {
        unsigned i = (unsigned)__builtin_ctz(changed);
        irq_set(&g->irqs[i], level >> i & 1);
    }
}

/* Waveforms: each pin whose level changed, while anyone listens. */
static void gpio_publish(Gpio *g, uint32_t pins)
{
    if (!g->host.signal)
        return;
    uint32_t changed = g->published ? pins ^ g->pins_published : UINT32_MAX;
    g->pins_published = pins;
    g->published = true;
    for (; changed; changed &= changed - 1) {
        unsigned i = (unsigned)__builtin_ctz(changed);
        device_signal(&g->host, g->name, gpio_irq_names[i], 1, pins >> i & 1);
    }
}

/* Samples the pins into input_val, latches edges and levels into the ip
 * bits and drives the outputs; called after every change. */
static void gpio_update(Gpio *g, bool drive_all)
{
    uint32_t pins = gpio_pin_levels(g);
    gpio_publish(g, pins);
    uint32_t now = pins & g->input_en;
    uint32_t before = g->input_val;
    g->rise_ip |= now & ~before;
    g->fall_ip |= ~now & before;
    g->high_ip |= now;
    g->low_ip |= ~now;
    g->input_val = now;
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

/* After every access: a write may have moved a pin or cleared an ip bit
 * that its level sets again at once. (After a read nothing changed, and
 * the update finds nothing to do.) */
static void gpio_changed(void *dev)
{
    gpio_update(dev, false);
}

/* A 32-bit register of one bit per pin, stored in the member of its name. */
#define GPIO_REG(reg, off, kind)                                             \
    {.name = #reg, .offset = (off), .width = 4, .access = (kind),           \
     .store = offsetof(Gpio, reg)}

static const RegDef gpio_regs[] = {
    GPIO_REG(input_val, 0x00, REG_RO),
    GPIO_REG(input_en, 0x04, REG_RW),
    GPIO_REG(output_en, 0x08, REG_RW),
    GPIO_REG(output_val, 0x0c, REG_RW),
    GPIO_REG(pue, 0x10, REG_RW),
    GPIO_REG(ds, 0x14, REG_RW),
    GPIO_REG(rise_ie, 0x18, REG_RW),
    GPIO_REG(rise_ip, 0x1c, REG_W1C),
    GPIO_REG(fall_ie, 0x20, REG_RW),
    GPIO_REG(fall_ip, 0x24, REG_W1C),
    GPIO_REG(high_ie, 0x28, REG_RW),
    GPIO_REG(high_ip, 0x2c, REG_W1C),
    GPIO_REG(low_ie, 0x30, REG_RW),
    GPIO_REG(low_ip, 0x34, REG_W1C),
    GPIO_REG(iof_en, 0x38, REG_RW),
    GPIO_REG(iof_sel, 0x3c, REG_RW),
    GPIO_REG(out_xor, 0x40, REG_RW),
    GPIO_REG(passthru_high_ie, 0x44, REG_RW),
    GPIO_REG(passthru_low_ie, 0x48, REG_RW),
};

/* Outside the registers: what drives the pins from outside (set_input,
 * the injections: the monitor's `gpio` lands here), the I/O functions'
 * inputs, where the injection schedule stands (the schedule itself is the
 * `inject` property) and what the waveform saw last. (irq_level is not
 * state: it mirrors the lines as they are driven now.) */
static const RegState gpio_state[] = {
    REG_STATE(Gpio, ext_driven),
    REG_STATE(Gpio, ext_level),
    REG_STATE(Gpio, iof_wired),
    REG_STATE(Gpio, iof_level),
    REG_STATE(Gpio, next_inject),
    REG_STATE(Gpio, pins_published),
    REG_STATE_BOOL(Gpio, published),
    REG_STATE_EVENT(Gpio, inject_event),
};

static bool gpio_check_load(const void *dev, Error **errp)
{
    const Gpio *g = dev;
    if (g->next_inject <= g->ninject)
        return true;
    error_setf(errp, "saved injection %zu is past the %zu of the schedule",
               g->next_inject, g->ninject);
    return false;
}

/* A snapshot load: every output from the restored ip and ie bits (the
 * pins are not sampled again: input_val and the ip bits are the state). */
static void gpio_loaded(void *dev)
{
    gpio_update_irq(dev, true);
}

static const RegTable gpio_table = {
    .regs = gpio_regs,
    .nregs = REG_TABLE_LEN(gpio_regs),
    .state = gpio_state,
    .nstate = REG_TABLE_LEN(gpio_state),
    .after_access = gpio_changed,
    .check_load = gpio_check_load,
    .after_load = gpio_loaded,
};

REGS_STATE_HOOKS(gpio, Gpio, bank, "sifive,gpio0")

/* ---- injection: set_input and the `inject` schedule ---- */

static bool gpio_set_input(void *state, unsigned pin, bool level, Error **errp)
{
    Gpio *g = state;
    if (pin >= GPIO_PINS) {
        error_setf(errp, "'%s' has no pin %u (0-%u)", g->name, pin,
                   GPIO_PINS - 1);
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

/* ---- I/O function inputs ---- */

#define GPIO_INPUTS (GPIO_IOFS * GPIO_PINS)

/* An I/O function's output for a pin (line = 32 * function + pin). The
 * first level driven wires the input. */
static void gpio_iof_set(void *opaque, unsigned line, bool level)
{
    Gpio *g = opaque;
    unsigned f = line / GPIO_PINS;
    uint32_t bit = UINT32_C(1) << (line % GPIO_PINS);
    g->iof_wired[f] |= bit;
    g->iof_level[f] = level ? g->iof_level[f] | bit : g->iof_level[f] & ~bit;
    gpio_update(g, false);
}

static bool gpio_irq_input(void *state, unsigned n, IrqLine *out, Error **errp)
{
    Gpio *g = state;
    if (n >= GPIO_INPUTS)
        return device_no_irq_input(g->name, n, GPIO_INPUTS, errp);
    *out = (IrqLine){.handler = gpio_iof_set, .opaque = g, .line = n};
    return true;
}

/* The source of input n is gone: the function no longer drives the pin,
 * which goes back to the outside drive or the pull-up. */
static void gpio_irq_input_detach(void *state, unsigned n)
{
    Gpio *g = state;
    if (n >= GPIO_INPUTS)
        return;
    uint32_t bit = UINT32_C(1) << (n % GPIO_PINS);
    g->iof_wired[n / GPIO_PINS] &= ~bit;
    g->iof_level[n / GPIO_PINS] &= ~bit;
    gpio_update(g, false);
}

/* ---- reset, create and the class ---- */

/* Registers to 0; pins driven from outside stay driven and the injection
 * schedule goes on (both are outside the chip), and the I/O functions'
 * inputs keep their levels (their sources reset themselves). */
static void gpio_reset(void *state)
{
    Gpio *g = state;
    regs_reset(&g->bank);
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
    free(g->name);
    free(g);
}

#define GPIO_TYPE "sifive,gpio0"

static const DeviceProperty gpio_props[] = {
    {"inject", "input levels at virtual times, \"PIN@TIME=LEVEL ...\" (TIME "
     "in cycles or with ns/us/ms/s, LEVEL 0, 1 or z); default none", true},
    REGS_BAD_ACCESS_PROPERTY,
    {0},
};

static bool gpio_set_property(void *state, const char *key, const char *value,
                              Error **errp)
{
    Gpio *g = state;
    GpioInjection *list;
    size_t n;
    if (!device_check_live(gpio_props, GPIO_TYPE, g->name, key, errp) ||
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
    g->name = xstrdup(config->desc->name);
    if (!regs_bank_init(&g->bank, &gpio_table, g, g->name, config, errp)) {
        free(list);
        free(g->name);
        free(g);
        return false;
    }
    g->clock = config->host->clock;
    g->host = *config->host;
    gpio_set_schedule(g, list, n);
    gpio_update(g, false); /* latch the reset levels: low_ip all ones */
    Owner *owner = owner_new(config->ms, config->desc->name, gpio_finalize, g);
    *out = (Device){.owner = owner,
                    .region = regs_region_new(owner, &g->bank, config->size),
                    .state = g};
    return true;
}

const PeripheralClass sifive_gpio_class = {
    .type = GPIO_TYPE,
    .description = "SiFive GPIO: 32 pins, edge and level interrupts, "
                   "injectable inputs, I/O function inputs 0-63",
    .default_size = GPIO_SIZE,
    .min_size = GPIO_MAP_END,
    .max_size = GPIO_SIZE,
    .properties = gpio_props,
    .create = gpio_create,
    .irq_outputs = GPIO_PINS,
    .irq_output_names = gpio_irq_names,
    .connect_irqs = gpio_connect_irqs,
    .irq_input = gpio_irq_input,
    .irq_input_detach = gpio_irq_input_detach,
    .reset = gpio_reset,
    .set_input = gpio_set_input,
    .set_property = gpio_set_property,
    .registers = &gpio_table,
    .save_state = gpio_save_state,
    .load_state = gpio_load_state,
};
