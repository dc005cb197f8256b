/* SiFive PLIC ("sifive,plic-1.0.0"): the platform-level interrupt
 * controller of the FE310-G002 and of QEMU's virt board.
 *
 * Register map (SiFive FE310-G002 Manual, chapter 10 "Platform-Level
 * Interrupt Controller (PLIC)", table "PLIC Register Map"; RISC-V PLIC
 * Specification 1.0.0, "Memory Map"), offsets from the base, all 32-bit:
 *   0x000000 + 4*s           priority of source s (1..N); source 0 reads 0
 *   0x001000 + 4*w           pending bits of sources 32w..32w+31, read-only
 *   0x002000 + 0x80*c + 4*w  context c's enable bits for those sources
 *   0x200000 + 0x1000*c      context c's priority threshold
 *   0x200004 + 0x1000*c      context c's claim (read) and complete (write)
 * The device is an owner with one container and four MMIO regions in it:
 * `NAME.priority` (priorities and pending bits, 0x2000 bytes), `NAME.enable`
 * (0x80 per context), `NAME.context` (0x1000 per context), and below them,
 * at priority -1, `NAME.reserved` covering the whole window: every other
 * offset reads 0 and ignores writes, like QEMU's model.
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
 * - Accesses must be 32-bit and aligned (others are bus errors). The
 *   debugger's peek of claim returns what a claim would return without
 *   claiming; every other read has no side effects.
 *
 * Properties: `sources` (N, 1-1023, default 52 as on the FE310; QEMU virt
 * has 53), `contexts` (1-15872, default 1; the window must hold them) and
 * `priority-bits` (1-32, default 3).
 *
 * Not modelled: outputs of contexts other than 0 (the machine wires a
 * fixed number of outputs per model, so only context 0 has a line; the
 * others' registers work), edge-triggered gateways, the few cycles a
 * request takes through the gateway and the core (it is seen at once).
 */
#include "peripherals/peripheral.h"
#include "soc/alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PLIC_PRIORITY_BASE 0x0u      /* the priority block, in the window */
#define PLIC_PRIORITY_SIZE 0x2000u
#define PLIC_PENDING_OFFSET 0x1000u  /* in the priority block */
#define PLIC_ENABLE_BASE 0x2000u
#define PLIC_ENABLE_STRIDE 0x80u
#define PLIC_CONTEXT_BASE 0x200000u
#define PLIC_CONTEXT_STRIDE 0x1000u
#define PLIC_THRESHOLD 0x0u          /* in a context's page */
#define PLIC_CLAIM 0x4u

#define PLIC_MAX_SOURCES 1023u
#define PLIC_MAX_CONTEXTS 15872u
#define PLIC_DEFAULT_SOURCES 52u
#define PLIC_DEFAULT_PRIORITY_BITS 3u
#define PLIC_WINDOW 0x4000000u

_Static_assert(PLIC_ENABLE_BASE + PLIC_ENABLE_STRIDE * PLIC_MAX_CONTEXTS <=
               PLIC_CONTEXT_BASE, "enables overlap the context pages");
_Static_assert((PLIC_MAX_SOURCES + 1) / 32 * 4 <= PLIC_ENABLE_STRIDE,
               "a context's enables do not fit its stride");

static const char *const plic_irq_names[] = {"context0"};

typedef struct Plic {
    Owner *owner;        /* for its name in messages; no reference */
    unsigned sources;    /* N: sources 1..N */
    unsigned contexts;
    unsigned words;      /* 32-bit words per bitmap of sources 0..N */
    uint32_t prio_mask;
    uint32_t *priority;  /* [sources + 1]; [0] stays 0 */
    uint32_t *level;     /* bitmap: the input lines' levels */
    uint32_t *pending;   /* bitmap: IP bits */
    uint32_t *busy;      /* bitmap: the gateway forwarded a request that was
                            not completed yet */
    uint32_t *enable;    /* [contexts][words] */
    uint32_t *threshold; /* [contexts] */
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

/* The bits of bitmap word w that name sources 1..N. */
static uint32_t plic_source_mask(const Plic *p, unsigned w)
{
    uint32_t mask = UINT32_MAX;
    if (w == 0)
        mask &= ~UINT32_C(1);
    unsigned last = p->sources % 32; /* bits 0..last of the last word */
    if (w == p->words - 1 && last != 31)
        mask &= (UINT32_C(2) << last) - 1;
    return mask;
}

/* The enabled pending source of context c with the highest priority
 * above `floor` (ties: lowest ID); 0 when none. */
static unsigned plic_best(const Plic *p, unsigned c, uint32_t floor)
{
    const uint32_t *en = &p->enable[(size_t)c * p->words];
    unsigned best = 0;
    uint32_t best_prio = floor;
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

/* The one place the outputs are driven; called after every change. A line
 * is driven when its level changes, or every line when `all` (reset). */
static void plic_update_irq(Plic *p, bool all)
{
    for (unsigned c = 0; c < p->contexts; c++) {
        bool level = plic_best(p, c, p->threshold[c]) != 0;
        if (all || level != p->out[c]) {
            p->out[c] = level;
            irq_set(&p->irqs[c], level);
        }
    }
}

/* The gateway of source s: a high line not already forwarded becomes a
 * request (the pending bit). */
static void plic_gateway(Plic *p, unsigned s)
{
    if (bit_get(p->level, s) && !bit_get(p->busy, s)) {
        bit_put(p->pending, s, true);
        bit_put(p->busy, s, true);
    }
}

static void plic_set_level(void *opaque, unsigned s, bool level)
{
    Plic *p = opaque;
    bit_put(p->level, s, level);
    plic_gateway(p, s);
    plic_update_irq(p, false);
}

static unsigned plic_claim(Plic *p, unsigned c)
{
    unsigned s = plic_best(p, c, 0);
    if (s) {
        bit_put(p->pending, s, false);
        plic_update_irq(p, false);
    }
    return s;
}

static void plic_complete(Plic *p, unsigned c, uint32_t id)
{
    if (id == 0 || id > p->sources ||
        !bit_get(&p->enable[(size_t)c * p->words], id))
        return; /* ignored, as the manual says */
    bit_put(p->busy, id, false);
    plic_gateway(p, id);
    plic_update_irq(p, false);
}

/* ---- registers: one set of accessors per block; 32-bit accesses only ---- */

static bool plic_access_ok(uint64_t offset, unsigned size)
{
    return size == 4 && offset % 4 == 0;
}

/* Priorities, then pending bits. */
static bool priority_read(void *opaque, uint64_t offset, unsigned size,
                          uint32_t *value)
{
    const Plic *p = opaque;
    if (!plic_access_ok(offset, size))
        return false;
    *value = 0;
    if (offset < PLIC_PENDING_OFFSET && offset / 4 <= p->sources)
        *value = p->priority[offset / 4];
    else if (offset >= PLIC_PENDING_OFFSET &&
             (offset - PLIC_PENDING_OFFSET) / 4 < p->words)
        *value = p->pending[(offset - PLIC_PENDING_OFFSET) / 4];
    return true;
}

static bool priority_write(void *opaque, uint64_t offset, unsigned size,
                           uint32_t value)
{
    Plic *p = opaque;
    if (!plic_access_ok(offset, size))
        return false;
    unsigned s = (unsigned)(offset / 4);
    if (offset < PLIC_PENDING_OFFSET && s >= 1 && s <= p->sources) {
        p->priority[s] = value & p->prio_mask;
        plic_update_irq(p, false);
    }
    return true; /* pending bits are read-only */
}

static bool enable_read(void *opaque, uint64_t offset, unsigned size,
                        uint32_t *value)
{
    const Plic *p = opaque;
    if (!plic_access_ok(offset, size))
        return false;
    unsigned c = (unsigned)(offset / PLIC_ENABLE_STRIDE);
    unsigned w = (unsigned)(offset % PLIC_ENABLE_STRIDE / 4);
    *value = w < p->words ? p->enable[(size_t)c * p->words + w] : 0;
    return true;
}

static bool enable_write(void *opaque, uint64_t offset, unsigned size,
                         uint32_t value)
{
    Plic *p = opaque;
    if (!plic_access_ok(offset, size))
        return false;
    unsigned c = (unsigned)(offset / PLIC_ENABLE_STRIDE);
    unsigned w = (unsigned)(offset % PLIC_ENABLE_STRIDE / 4);
    if (w < p->words) {
        p->enable[(size_t)c * p->words + w] = value & plic_source_mask(p, w);
        plic_update_irq(p, false);
    }
    return true;
}

/* A context's page: threshold, then claim/complete. `claim` false makes
 * the claim register's read side-effect free (the debugger's peek). */
static bool context_access(Plic *p, uint64_t offset, unsigned size,
                           uint32_t *value, bool claim)
{
    if (!plic_access_ok(offset, size))
        return false;
    unsigned c = (unsigned)(offset / PLIC_CONTEXT_STRIDE);
    switch (offset % PLIC_CONTEXT_STRIDE) {
    case PLIC_THRESHOLD: *value = p->threshold[c]; break;
    case PLIC_CLAIM: *value = claim ? plic_claim(p, c) : plic_best(p, c, 0); break;
    default: *value = 0; break;
    }
    return true;
}

static bool context_read(void *opaque, uint64_t offset, unsigned size,
                         uint32_t *value)
{
    return context_access(opaque, offset, size, value, true);
}

static bool context_peek(void *opaque, uint64_t offset, unsigned size,
                         uint32_t *value)
{
    return context_access(opaque, offset, size, value, false);
}

static bool context_write(void *opaque, uint64_t offset, unsigned size,
                          uint32_t value)
{
    Plic *p = opaque;
    if (!plic_access_ok(offset, size))
        return false;
    unsigned c = (unsigned)(offset / PLIC_CONTEXT_STRIDE);
    switch (offset % PLIC_CONTEXT_STRIDE) {
    case PLIC_THRESHOLD:
        p->threshold[c] = value & p->prio_mask;
        plic_update_irq(p, false);
        break;
    case PLIC_CLAIM:
        plic_complete(p, c, value);
        break;
    }
    return true;
}

/* Everything between the blocks. */
static bool reserved_read(void *opaque, uint64_t offset, unsigned size,
                          uint32_t *value)
{
    *value = 0;
    return plic_access_ok(offset, size);
}

static bool reserved_write(void *opaque, uint64_t offset, unsigned size,
                           uint32_t value)
{
    return plic_access_ok(offset, size);
}

static const MmioOps priority_ops = {
    .read = priority_read, .write = priority_write, .peek = priority_read,
};
static const MmioOps enable_ops = {
    .read = enable_read, .write = enable_write, .peek = enable_read,
};
static const MmioOps context_ops = {
    .read = context_read, .write = context_write, .peek = context_peek,
};
static const MmioOps reserved_ops = {
    .read = reserved_read, .write = reserved_write, .peek = reserved_read,
};

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
    memset(p->priority, 0, (p->sources + 1) * sizeof *p->priority);
    memset(p->pending, 0, p->words * sizeof *p->pending);
    memset(p->busy, 0, p->words * sizeof *p->busy);
    memset(p->enable, 0, (size_t)p->contexts * p->words * sizeof *p->enable);
    memset(p->threshold, 0, p->contexts * sizeof *p->threshold);
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
                   owner_name(p->owner), n, p->sources);
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
    plic_update_irq(p, false);
}

static void plic_finalize(void *opaque)
{
    Plic *p = opaque;
    clock_event_free(p->sample);
    free(p->priority);
    free(p->level);
    free(p->pending);
    free(p->busy);
    free(p->enable);
    free(p->threshold);
    free(p->out);
    free(p->irqs);
    free(p);
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

static bool plic_create(const DeviceConfig *config, Device *out, Error **errp)
{
    uint64_t sources, contexts, prio_bits;
    if (!plic_config(config, &sources, &contexts, &prio_bits, errp))
        return false;
    Plic *p = xcalloc(1, sizeof *p);
    p->sources = (unsigned)sources;
    p->contexts = (unsigned)contexts;
    p->words = (p->sources + 1 + 31) / 32;
    p->prio_mask = prio_bits == 32 ? UINT32_MAX
                                   : (UINT32_C(1) << prio_bits) - 1;
    p->priority = xcalloc(p->sources + 1, sizeof *p->priority);
    p->level = xcalloc(p->words, sizeof *p->level);
    p->pending = xcalloc(p->words, sizeof *p->pending);
    p->busy = xcalloc(p->words, sizeof *p->busy);
    p->enable = xcalloc((size_t)p->contexts * p->words, sizeof *p->enable);
    p->threshold = xcalloc(p->contexts, sizeof *p->threshold);
    p->out = xcalloc(p->contexts, sizeof *p->out);
    p->irqs = xcalloc(p->contexts, sizeof *p->irqs);
    p->clock = config->host->clock;
    if (p->clock)
        p->sample = clock_event_new(p->clock, plic_sample_lines, p);

    const char *name = config->desc->name;
    char sub[160];
    p->owner = owner_new(config->ms, name, plic_finalize, p);
    MemoryRegion *top = memory_region_new_container(p->owner, name,
                                                    config->size);
    struct {
        const char *suffix;
        uint64_t offset, size;
        const MmioOps *ops;
        int priority;
    } blocks[] = {
        {"priority", PLIC_PRIORITY_BASE, PLIC_PRIORITY_SIZE, &priority_ops, 0},
        {"enable", PLIC_ENABLE_BASE, PLIC_ENABLE_STRIDE * contexts,
         &enable_ops, 0},
        {"context", PLIC_CONTEXT_BASE, PLIC_CONTEXT_STRIDE * contexts,
         &context_ops, 0},
        {"reserved", 0, config->size, &reserved_ops, -1},
    };
    for (size_t i = 0; i < sizeof blocks / sizeof blocks[0]; i++) {
        snprintf(sub, sizeof sub, "%s.%s", name, blocks[i].suffix);
        MemoryRegion *mr = memory_region_new_mmio(p->owner, sub, blocks[i].size,
                                                  blocks[i].ops, p);
        if (!memory_add_subregion_overlap(top, blocks[i].offset, mr,
                                          blocks[i].priority, errp))
            abort(); /* same owner, inside the window: cannot fail */
    }
    *out = (Device){.owner = p->owner, .region = top, .state = p};
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
};
