/* SiFive PLIC ("sifive,plic-1.0.0"): the platform-level interrupt
 * controller of the FE310-G002 and of QEMU's virt board.
 *
 * Register map (SiFive FE310-G002 Manual, chapter 10 "Platform-Level
 * Interrupt Controller (PLIC)", table "PLIC Register Map"; RISC-V PLIC
 * Specification 1.0.0, "Memory Map"), offsets from the base, all 32-bit,
 * one regs.h table (`plic_regs`) over the whole window:
 *   0x000000 + 4*s           priority[s]: source s's priority (1..N);
 *                            priority[0], where no source is, reads 0
 *                            and ignores writes
 *   0x001000 + 4*w           pending[w]: the pending bits of sources
 *                            32w..32w+31, read-only
 *   0x002000 + 0x80*c + 4*w  enable[32c + w]: context c's enable bits for
 *                            those sources (words past source N read 0)
 *   0x200000 + 0x1000*c      threshold[c]: context c's priority threshold
 *   0x200004 + 0x1000*c      claim[c]: context c's claim (read) and
 *                            complete (write)
 * Each array has as many elements as the instance has sources, words of
 * sources and contexts. Every other offset reads 0 and ignores writes,
 * reported once each as a guest diagnostic.
 *
 * Behaviour (the manual's "Interrupt Gateways" to "Interrupt Completion"):
 * - Priorities and thresholds keep their low `priority-bits` bits (3 on
 *   the FE310 and QEMU virt: 0-7). Priority 0 means never interrupt.
 * - Sources are level-triggered. A gateway forwards a high line as one
 *   request (the pending bit is set) and forwards nothing more until the
 *   source is completed; the pending bit stays set if the line drops
 *   before the claim (QEMU instead clears it).
 * - Output c (one per context; context 0 is hart 0's M-mode, `cpu.mei`) is
 *   high while an enabled pending source has a priority above c's
 *   threshold.
 * - A claim returns the enabled pending source with the highest priority
 *   (ties: lowest ID), priority 0 excluded, and clears its pending bit; 0
 *   when there is none. As the specification says, the threshold does not
 *   affect claims (QEMU's model applies it to claims too).
 * - A complete naming a source not enabled for the context is ignored
 *   (the manual says so); otherwise the gateway is re-armed, and a line
 *   still high becomes pending again at once.
 * - When the source wired to an input goes (runtime reconfiguration,
 *   irq_input_detach), its line is low and its pending bit and gateway
 *   are cleared, as if it had never been raised; completing a claim of it
 *   later is harmless.
 * - Accesses must be 32-bit and aligned: anything else is a bus error,
 *   unless `bad-access: ignore` (then it reads 0, writes nothing and is
 *   reported once). The debugger's peek of claim returns what a claim
 *   would return without claiming; every other read has no side effects.
 *
 * Each context's best source (what a claim would return) is kept, and
 * searched for again only after a priority, pending bit, enable or
 * threshold changed (`dirty`), in plic_update_irq, which also drives the
 * outputs: a claim does not search, and accesses that change nothing
 * cost nothing.
 *
 * Properties: `sources` (N, 1-1023, default 52 as on the FE310; QEMU virt
 * has 53), `contexts` (1-15872, default 1; the window must hold them),
 * `priority-bits` (1-32, default 3) and `bad-access`.
 *
 * Not modelled: outputs of contexts other than 0 (the machine wires a
 * fixed number of outputs per model, so only context 0 has a line; the
 * others' registers work), edge-triggered gateways, the few cycles a
 * request takes through the gateway and the core (it is seen at once).
 */
#include "peripherals/peripheral.h"
#include "peripherals/regs.h"
#include "soc/alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PLIC_PENDING_BASE 0x1000u
#define PLIC_ENABLE_BASE 0x2000u
#define PLIC_ENABLE_WORDS 32u        /* a context's 0x80 bytes of enables */
#define PLIC_CONTEXT_BASE 0x200000u
#define PLIC_CONTEXT_STRIDE 0x1000u
#define PLIC_CLAIM 0x4u              /* in a context's page, after threshold */

#define PLIC_MAX_SOURCES 1023u
#define PLIC_MAX_WORDS ((PLIC_MAX_SOURCES + 1) / 32)
#define PLIC_MAX_CONTEXTS 15872u
#define PLIC_DEFAULT_SOURCES 52u
#define PLIC_DEFAULT_PRIORITY_BITS 3u
#define PLIC_WINDOW 0x4000000u

_Static_assert(4 * (PLIC_MAX_SOURCES + 1) <= PLIC_PENDING_BASE,
               "priorities overlap the pending bits");
_Static_assert(PLIC_ENABLE_BASE + 4 * PLIC_ENABLE_WORDS * PLIC_MAX_CONTEXTS <=
               PLIC_CONTEXT_BASE, "enables overlap the context pages");
_Static_assert(PLIC_MAX_WORDS <= PLIC_ENABLE_WORDS,
               "a context's enables do not fit its stride");

static const char *const plic_irq_names[] = {"context0"};

typedef struct Plic {
    char *name;
    RegBank bank;
    unsigned sources;    /* N: sources 1..N */
    unsigned contexts;
    unsigned words;      /* 32-bit words per bitmap of sources 0..N */
    uint32_t prio_mask;
    /* the registers */
    uint32_t *priority;  /* [sources + 1], by source; [0] stays 0 */
    uint32_t pending[PLIC_MAX_WORDS]; /* bitmap: IP bits, `words` used */
    uint32_t *enable;    /* [contexts * 32]: context c's word w at 32c + w */
    uint32_t *threshold; /* [contexts] */
    /* the gateways */
    uint32_t level[PLIC_MAX_WORDS]; /* bitmap: the input lines' levels */
    uint32_t busy[PLIC_MAX_WORDS];  /* bitmap: the gateway forwarded a
                                       request not completed yet */
    /* derived from the above */
    bool dirty;          /* best and out need recomputing */
    uint16_t *best;      /* [contexts]: what a claim would return */
    bool *out;           /* [contexts]: the output levels */
    IrqLine *irqs;       /* [contexts]; only context 0 can be wired */
    Clock *clock;        /* NULL when the machine has none */
    ClockEvent *sample;  /* pending from a reset until lines are sampled */
} Plic;

static bool bit_get(const uint32_t *map, unsigned n)
{
    return map[n / 32] >> (n % 32) & 1;
}

static void bit_put(uint32_t *map, unsigned n, bool v)
{
    if (v)
        map[n / 32] |= UINT32_C(1) << (n % 32);
    else
        map[n / 32] &= ~(UINT32_C(1) << (n % 32));
}

static const uint32_t *plic_enables(const Plic *p, unsigned c)
{
    return &p->enable[(size_t)c * PLIC_ENABLE_WORDS];
}

/* The bits of bitmap word w that name sources 1..N (none past N). */
static uint32_t plic_source_mask(const Plic *p, unsigned w)
{
    if (w >= p->words)
        return 0;
    uint32_t mask = UINT32_MAX;
    if (w == 0)
        mask &= ~UINT32_C(1);
    unsigned last = p->sources % 32; /* bits 0..last of the last word */
    if (w == p->words - 1 && last != 31)
        mask &= (UINT32_C(2) << last) - 1;
    return mask;
}

/* The enabled pending source of context c with the highest priority
 * (ties: lowest ID), priority 0 excluded; 0 when none. Only words with
 * bits both pending and enabled are looked into. */
static unsigned plic_best(const Plic *p, unsigned c)
{
    const uint32_t *en = plic_enables(p, c);
    unsigned best = 0;
    uint32_t best_prio = 0;
    for (unsigned w = 0; w < p->words; w++) {
        uint32_t bits = p->pending[w] & en[w];
        while (bits) {
            unsigned s = w * 32 + (unsigned)__builtin_ctz(bits);
            bits &= bits - 1;
            if (p->priority[s] > best_prio) {
                best = s;
                best_prio = p->priority[s];
            }
        }
    }
    return best;
}

/* The one place the outputs are driven; runs after every change (and
 * after every register access, as the table's after_access). Searches
 * again only when something changed; a line is driven when its level
 * changes, or every line when `all` (reset). Output c is high when its
 * best source's priority is above its threshold: the best has the
 * highest priority of them all, so some source is above exactly when it
 * is. */
static void plic_update_irq(Plic *p, bool all)
{
    if (!p->dirty && !all)
        return;
    p->dirty = false;
    for (unsigned c = 0; c < p->contexts; c++) {
        unsigned s = plic_best(p, c);
        p->best[c] = (uint16_t)s;
        bool level = s && p->priority[s] > p->threshold[c];
        if (all || level != p->out[c]) {
            p->out[c] = level;
            irq_set(&p->irqs[c], level);
        }
    }
}

static void plic_changed(void *dev)
{
    plic_update_irq(dev, false);
}

/* The gateway of source s: a high line not already forwarded becomes a
 * request (the pending bit). */
static void plic_gateway(Plic *p, unsigned s)
{
    if (bit_get(p->level, s) && !bit_get(p->busy, s)) {
        bit_put(p->pending, s, true);
        bit_put(p->busy, s, true);
        p->dirty = true;
    }
}

static void plic_set_level(void *opaque, unsigned s, bool level)
{
    Plic *p = opaque;
    bit_put(p->level, s, level);
    plic_gateway(p, s);
    plic_update_irq(p, false);
}

/* ---- register behaviour; the registers are the table below ---- */

static void priority_write(void *dev, unsigned s, uint32_t value)
{
    Plic *p = dev;
    p->priority[s] = s ? value & p->prio_mask : 0;
    p->dirty = true;
}

static void enable_write(void *dev, unsigned i, uint32_t value)
{
    Plic *p = dev;
    p->enable[i] = value & plic_source_mask(p, i % PLIC_ENABLE_WORDS);
    p->dirty = true;
}

static void threshold_write(void *dev, unsigned c, uint32_t value)
{
    Plic *p = dev;
    p->threshold[c] = value & p->prio_mask;
    p->dirty = true;
}

/* A claim: the best source, its pending bit cleared. A peek searches
 * without touching anything. */
static uint32_t claim_read(void *dev, unsigned c, bool peek)
{
    Plic *p = dev;
    if (peek)
        return plic_best(p, c);
    plic_update_irq(p, false); /* best up to date (it always is here) */
    unsigned s = p->best[c];
    if (s) {
        bit_put(p->pending, s, false);
        p->dirty = true;
    }
    return s;
}

/* A complete: ignored for a source not enabled in the context, as the
 * manual says; otherwise the gateway is re-armed. */
static void claim_write(void *dev, unsigned c, uint32_t id)
{
    Plic *p = dev;
    if (id == 0 || id > p->sources || !bit_get(plic_enables(p, c), id))
        return;
    bit_put(p->busy, id, false);
    plic_gateway(p, id);
}

static unsigned priority_count(const void *dev)
{
    return ((const Plic *)dev)->sources + 1;
}

static unsigned word_count(const void *dev)
{
    return ((const Plic *)dev)->words;
}

static unsigned enable_count(const void *dev)
{
    return ((const Plic *)dev)->contexts * PLIC_ENABLE_WORDS;
}

static unsigned context_count(const void *dev)
{
    return ((const Plic *)dev)->contexts;
}

/* No fields: each register is one number (a priority, a source ID) or a
 * bitmap of sources. Masks depend on `priority-bits` and N, so the write
 * hooks apply them. */
static const RegDef plic_regs[] = {
    {.name = "priority", .offset = 0x0, .width = 4, .access = REG_RW,
     .count = PLIC_MAX_SOURCES + 1, .stride = 4, .count_of = priority_count,
     .flags = REG_STORE_PTR, .store = offsetof(Plic, priority),
     .write = priority_write},
    {.name = "pending", .offset = PLIC_PENDING_BASE, .width = 4,
     .access = REG_RO, .count = PLIC_MAX_WORDS, .stride = 4,
     .count_of = word_count, .store = offsetof(Plic, pending)},
    {.name = "enable", .offset = PLIC_ENABLE_BASE, .width = 4, .access = REG_RW,
     .count = PLIC_MAX_CONTEXTS * PLIC_ENABLE_WORDS, .stride = 4,
     .count_of = enable_count, .flags = REG_STORE_PTR,
     .store = offsetof(Plic, enable), .write = enable_write},
    {.name = "threshold", .offset = PLIC_CONTEXT_BASE, .width = 4,
     .access = REG_RW, .count = PLIC_MAX_CONTEXTS, .stride = PLIC_CONTEXT_STRIDE,
     .count_of = context_count, .flags = REG_STORE_PTR,
     .store = offsetof(Plic, threshold), .write = threshold_write},
    {.name = "claim", .offset = PLIC_CONTEXT_BASE + PLIC_CLAIM, .width = 4,
     .access = REG_RW, .count = PLIC_MAX_CONTEXTS, .stride = PLIC_CONTEXT_STRIDE,
     .count_of = context_count, .store = REG_NO_STORE, .read = claim_read,
     .write = claim_write},
};

/* The gateways: the input levels and the requests forwarded (the levels
 * are the PLIC's own: a snapshot load tells it nothing of its sources).
 * best and out are derived. */
static const RegState plic_state[] = {
    REG_STATE(Plic, level),
    REG_STATE(Plic, busy),
    REG_STATE_EVENT(Plic, sample),
};

/* Bits past source N in saved bitmaps would make a claim index past the
 * priorities: refused. */
static bool plic_check_load(const void *dev, Error **errp)
{
    const Plic *p = dev;
    for (unsigned w = 0; w < PLIC_MAX_WORDS; w++) {
        uint32_t outside = ~plic_source_mask(p, w);
        bool bad = (p->pending[w] | p->level[w] | p->busy[w]) & outside;
        for (unsigned c = 0; !bad && w < PLIC_ENABLE_WORDS && c < p->contexts; c++)
            bad = plic_enables(p, c)[w] & outside;
        if (bad) {
            error_setf(errp, "saved bitmap word %u names sources past %u", w,
                       p->sources);
            return false;
        }
    }
    return true;
}

/* A snapshot load: each context's best source found again and every
 * output driven. */
static void plic_loaded(void *dev)
{
    Plic *p = dev;
    p->dirty = true;
    plic_update_irq(p, true);
}

static const RegTable plic_table = {
    .regs = plic_regs,
    .nregs = REG_TABLE_LEN(plic_regs),
    .state = plic_state,
    .nstate = REG_TABLE_LEN(plic_state),
    .after_access = plic_changed,
    .check_load = plic_check_load,
    .after_load = plic_loaded,
};

REGS_STATE_HOOKS(plic, Plic, bank, "sifive,plic-1.0.0")

/* ---- reset, create and the class ---- */

/* After a reset: every gateway looks at its line. */
static void plic_sample_lines(void *opaque)
{
    Plic *p = opaque;
    for (unsigned s = 1; s <= p->sources; s++)
        plic_gateway(p, s);
    plic_update_irq(p, false);
}

/* Registers to 0 and nothing pending or in claim; every output is driven.
 * The input lines keep their levels (they come from outside), and a line
 * still high becomes pending again, but only once the whole machine has
 * reset (a clock event due now): the devices resetting after the PLIC
 * first drive their reset levels, so their old levels leave nothing
 * pending. Without a clock the lines are sampled at once. */
static void plic_reset(void *state)
{
    Plic *p = state;
    regs_reset(&p->bank);
    memset(p->busy, 0, sizeof p->busy);
    plic_update_irq(p, true);
    if (p->sample)
        clock_event_schedule(p->sample, clock_now(p->clock));
    else
        plic_sample_lines(p);
}

static void plic_connect_irqs(void *state, const IrqLine *irqs, size_t n)
{
    Plic *p = state;
    p->irqs[0] = n ? irqs[0] : (IrqLine){0};
    if (n)
        irq_set(&p->irqs[0], p->out[0]);
}

static bool plic_irq_input(void *state, unsigned n, IrqLine *out, Error **errp)
{
    Plic *p = state;
    if (n == 0 || n > p->sources) {
        error_setf(errp, "'%s' has no interrupt input %u (sources are 1-%u)",
                   p->name, n, p->sources);
        return false;
    }
    *out = (IrqLine){.handler = plic_set_level, .opaque = p, .line = n};
    return true;
}

/* The source wired to input s is gone (runtime reconfiguration): the line
 * is low and its request forgotten, pending bit and gateway both, as if it
 * had never been raised. A claim of it the firmware has not completed yet
 * may still be completed: that re-arms a gateway already idle, harmlessly
 * (a new source on the input may meanwhile have raised a request of its
 * own, which then stays pending as any request would). */
static void plic_irq_input_detach(void *state, unsigned s)
{
    Plic *p = state;
    if (s == 0 || s > p->sources)
        return;
    bit_put(p->level, s, false);
    bit_put(p->pending, s, false);
    bit_put(p->busy, s, false);
    p->dirty = true;
    plic_update_irq(p, false);
}

static void plic_free(Plic *p)
{
    clock_event_free(p->sample);
    free(p->name);
    free(p->priority);
    free(p->enable);
    free(p->threshold);
    free(p->best);
    free(p->out);
    free(p->irqs);
    free(p);
}

static void plic_finalize(void *opaque)
{
    plic_free(opaque);
}

/* Fails at the property's value, or at the entry when it is absent. */
static bool plic_bad(const DeviceConfig *config, const char *key,
                     Error **errp, const char *what)
{
    const BoardProp *prop = board_peripheral_prop(config->desc, key);
    const SourceLoc *loc = prop ? &prop->loc : &config->desc->loc;
    error_setf(errp, "%s:%u:%u: %s", loc->file, loc->line, loc->col, what);
    return false;
}

static const DeviceProperty plic_props[] = {
    {"sources", "interrupt sources (inputs 1 to N), 1 to 1023; default 52",
     false},
    {"contexts", "contexts (hart modes), 1 to 15872; default 1", false},
    {"priority-bits", "bits kept of each priority and threshold, 1 to 32; "
     "default 3", false},
    REGS_BAD_ACCESS_PROPERTY,
    {0},
};

static bool plic_config(const DeviceConfig *config, uint64_t *sources,
                        uint64_t *contexts, uint64_t *prio_bits, Error **errp)
{
    if (!device_check_props(config, plic_props, errp) ||
        !device_prop_u64_range(config, "sources", PLIC_DEFAULT_SOURCES, 1,
                               PLIC_MAX_SOURCES, sources, errp) ||
        !device_prop_u64_range(config, "contexts", 1, 1, PLIC_MAX_CONTEXTS,
                               contexts, errp) ||
        !device_prop_u64_range(config, "priority-bits",
                               PLIC_DEFAULT_PRIORITY_BITS, 1, 32, prio_bits,
                               errp))
        return false;
    uint64_t need = PLIC_CONTEXT_BASE + PLIC_CONTEXT_STRIDE * *contexts;
    if (config->size < need) {
        char what[160];
        snprintf(what, sizeof what, "%llu context%s a window of at least "
                 "0x%llx bytes; '%s' has 0x%llx", (unsigned long long)*contexts,
                 *contexts == 1 ? " needs" : "s need", (unsigned long long)need,
                 config->desc->name, (unsigned long long)config->size);
        return plic_bad(config, "contexts", errp, what);
    }
    return true;
}

static Plic *plic_new(const char *name, unsigned sources, unsigned contexts,
                      unsigned prio_bits)
{
    Plic *p = xcalloc(1, sizeof *p);
    p->name = xstrdup(name);
    p->sources = sources;
    p->contexts = contexts;
    p->words = (sources + 1 + 31) / 32;
    p->prio_mask = prio_bits == 32 ? UINT32_MAX : (UINT32_C(1) << prio_bits) - 1;
    p->priority = xcalloc(sources + 1, sizeof *p->priority);
    p->enable = xcalloc((size_t)contexts * PLIC_ENABLE_WORDS, sizeof *p->enable);
    p->threshold = xcalloc(contexts, sizeof *p->threshold);
    p->best = xcalloc(contexts, sizeof *p->best);
    p->out = xcalloc(contexts, sizeof *p->out);
    p->irqs = xcalloc(contexts, sizeof *p->irqs);
    return p;
}

static bool plic_create(const DeviceConfig *config, Device *out, Error **errp)
{
    uint64_t sources, contexts, prio_bits;
    if (!plic_config(config, &sources, &contexts, &prio_bits, errp))
        return false;
    Plic *p = plic_new(config->desc->name, (unsigned)sources,
                       (unsigned)contexts, (unsigned)prio_bits);
    if (!regs_bank_init(&p->bank, &plic_table, p, p->name, config, errp)) {
        plic_free(p);
        return false;
    }
    p->clock = config->host->clock;
    if (p->clock)
        p->sample = clock_event_new(p->clock, plic_sample_lines, p);
    Owner *owner = owner_new(config->ms, p->name, plic_finalize, p);
    MemoryRegion *region = regs_region_new(owner, &p->bank, config->size);
    *out = (Device){.owner = owner, .region = region, .state = p};
    return true;
}

const PeripheralClass sifive_plic_class = {
    .type = "sifive,plic-1.0.0",
    .description = "SiFive/RISC-V PLIC: prioritised level-triggered sources, "
                   "claim/complete",
    .default_size = PLIC_WINDOW,
    .min_size = PLIC_CONTEXT_BASE + PLIC_CONTEXT_STRIDE,
    .max_size = PLIC_WINDOW,
    .properties = plic_props,
    .create = plic_create,
    .irq_outputs = 1,
    .irq_output_names = plic_irq_names,
    .connect_irqs = plic_connect_irqs,
    .irq_input = plic_irq_input,
    .irq_input_detach = plic_irq_input_detach,
    .reset = plic_reset,
    .registers = &plic_table,
    .save_state = plic_save_state,
    .load_state = plic_load_state,
};
