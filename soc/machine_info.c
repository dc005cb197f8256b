/* What the live machine holds, as text (`info peripherals`, `info irq`,
 * `info types`), and the wiring audit. */
#include "soc/machine_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "soc/alloc.h"

static FILE *text_open(char **text, size_t *len)
{
    FILE *out = open_memstream(text, len);
    if (!out)
        abort(); /* out of memory */
    return out;
}

static char *text_close(FILE *out, char **text)
{
    fclose(out);
    return *text;
}

static void describe_wiring(FILE *out, const MachinePeripheral *p)
{
    if (!p->desc.nirqs)
        return;
    fputs("  irq:", out);
    for (size_t i = 0; i < p->desc.nirqs; i++) {
        char sink[128];
        machine_sink_name(&p->desc.irqs[i], sink, sizeof sink);
        fprintf(out, "%s%s", i ? "," : " ", sink);
    }
}

char *machine_describe(const Machine *m)
{
    static const char *const kinds[] = {
        [BOARD_MEM_RAM] = "ram", [BOARD_MEM_ROM] = "rom", [BOARD_MEM_FLASH] = "flash",
    };
    char *text = NULL;
    size_t len = 0;
    FILE *out = text_open(&text, &len);
    for (size_t i = 0; i < m->nmemories; i++) {
        const MachineMemory *mem = m->memories[i];
        const BoardMemory *d = &mem->desc;
        fprintf(out, "%-12s %-24s 0x%08llx-0x%08llx  refs=%u\n", d->name, kinds[d->kind],
                (unsigned long long)d->base, (unsigned long long)(d->base + d->size - 1),
                mem->owner ? owner_refcount(mem->owner) : 0);
    }
    for (size_t i = 0; i < m->nperiphs; i++) {
        const MachinePeripheral *p = m->periphs[i];
        const BoardPeripheral *d = &p->desc;
        fprintf(out, "%-12s %-24s 0x%08llx-0x%08llx  ", d->name, d->type,
                (unsigned long long)d->base, (unsigned long long)(d->base + p->size - 1));
        if (p->dev.owner)
            fprintf(out, "refs=%u", owner_refcount(p->dev.owner));
        else
            fputs("powered off", out);
        if (p == m->time_holder)
            fputs("  time source", out);
        for (size_t j = 0; j < d->nprops; j++)
            fprintf(out, "  %s=%s", d->props[j].key, d->props[j].value);
        describe_wiring(out, p);
        fputc('\n', out);
    }
    return text_close(out, &text);
}

char *machine_describe_irqs(const Machine *m)
{
    char *text = NULL;
    size_t len = 0, count = 0;
    FILE *out = text_open(&text, &len);
    for (size_t i = 0; i < m->nperiphs; i++) {
        const MachinePeripheral *p = m->periphs[i];
        if (!p->outputs)
            continue;
        const char *const *names = p->cls->irq_output_names;
        for (size_t j = 0; j < p->desc.nirqs; j++, count++) {
            const IrqConn *c = p->outputs[j];
            char sink[128];
            machine_sink_name(c->sink_desc, sink, sizeof sink);
            fprintf(out, "%s.%s -> %s  level=%d%s\n", p->desc.name,
                     names ? names[j] : "", sink, c->level,
                     c->bound ? "" : "  (no such sink now: the line goes nowhere)");
        }
    }
    if (!count)
        fputs("no interrupt connections\n", out);
    return text_close(out, &text);
}

char *machine_describe_types(const Machine *m)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = text_open(&text, &len);
    const DeviceRegistry *reg = m->hooks.registry;
    for (size_t i = 0; reg && i < reg->count; i++) {
        const PeripheralClass *cls = reg->classes[i];
        fprintf(out, "%s: %s\n  size 0x%llx (0x%llx to 0x%llx)", cls->type,
                cls->description, (unsigned long long)cls->default_size,
                (unsigned long long)cls->min_size, (unsigned long long)cls->max_size);
        if (cls->irq_outputs)
            fprintf(out, "; %u interrupt output%s", cls->irq_outputs,
                    cls->irq_outputs == 1 ? "" : "s");
        if (cls->irq_input)
            fputs("; interrupt inputs", out);
        if (cls->set_input)
            fputs("; input pins", out);
        fputc('\n', out);
        for (const DeviceProperty *d = cls->properties; d && d->name; d++)
            fprintf(out, "  %-20s %s%s\n", d->name, d->help, d->live ? " (live)" : "");
        if (cls->registers && reg->describe_registers) {
            fputs("  registers:\n", out);
            reg->describe_registers(cls->registers, out);
        }
    }
    return text_close(out, &text);
}

/* ---- the wiring audit ---- */

static bool audit_fail(Error **errp, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static bool audit_fail(Error **errp, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    error_vsetf(errp, fmt, ap);
    va_end(ap);
    error_prepend(errp, "wiring audit: ");
    return false;
}

static bool audit_conn(const Machine *m, const MachinePeripheral *p, size_t j,
                       Error **errp)
{
    const IrqConn *c = p->outputs[j];
    const char *name = p->desc.name;
    if (c->source != p || c->output != j || c->sink_desc != &p->desc.irqs[j])
        return audit_fail(errp, "'%s' output %zu holds another's connection", name, j);
    const BoardIrq *irq = c->sink_desc;
    if (irq->input)
        return c->bound && !c->sink_dev ? true
                                        : audit_fail(errp, "'%s' -> cpu.%s is not bound "
                                                     "to the CPU", name, irq->input);
    const MachinePeripheral *sink = machine_peripheral_named(m, irq->target);
    bool live = sink && sink->dev.owner;
    if (c->bound != live)
        return audit_fail(errp, "'%s' -> %s.%u is %s but its sink is %s", name, irq->target,
                          irq->line, c->bound ? "bound" : "dangling",
                          live ? "live" : "absent");
    if (live && c->sink_dev != sink)
        return audit_fail(errp, "'%s' -> %s.%u is bound to a device that is not the "
                          "live '%s'", name, irq->target, irq->line, irq->target);
    return true;
}

static bool audit_peripheral(const Machine *m, const MachinePeripheral *p,
                             Error **errp)
{
    const char *name = p->desc.name;
    if (machine_peripheral_named(m, name) != p || machine_memory_named(m, name))
        return audit_fail(errp, "two entries are named '%s'", name);
    if (!p->dev.owner && (p->outputs || p->nextra || p->offered_time))
        return audit_fail(errp, "powered-off '%s' still holds lines, mappings or time",
                          name);
    if (p->dev.owner && owner_refcount(p->dev.owner) == 0)
        return audit_fail(errp, "'%s' is in the table but its owner is dead", name);
    if (p->dev.owner && p->desc.nirqs && !p->outputs)
        return audit_fail(errp, "'%s' has an irq: wiring but no connections", name);
    for (size_t j = 0; p->outputs && j < p->desc.nirqs; j++)
        if (!audit_conn(m, p, j, errp))
            return false;
    return true;
}

/* Whether a live entry of the table owns `owner`. */
static bool owner_in_table(const Machine *m, const Owner *owner)
{
    for (size_t i = 0; i < m->nmemories; i++)
        if (m->memories[i]->owner == owner)
            return true;
    for (size_t i = 0; i < m->nperiphs; i++)
        if (m->periphs[i]->dev.owner == owner)
            return true;
    return false;
}

/* What a device's window shows belongs to the live table: nothing removed
 * lives on behind an alias. */
static bool audit_aliases(const Machine *m, Error **errp)
{
    for (size_t i = 0; i < m->nperiphs; i++) {
        const MachinePeripheral *p = m->periphs[i];
        for (size_t j = 0; j < p->nextra; j++) {
            const MemoryRegion *target = memory_region_alias_target(p->extra[j].region);
            if (target && !owner_in_table(m, memory_region_owner(target)) &&
                memory_region_owner(target) != p->dev.owner)
                return audit_fail(errp, "'%s' shows '%s' of '%s', which is not in the "
                                  "table", p->desc.name, memory_region_name(target),
                                  owner_name(memory_region_owner(target)));
        }
    }
    return true;
}

bool machine_audit(const Machine *m, Error **errp)
{
    if (m->index.count != m->nmemories + m->nperiphs)
        return audit_fail(errp, "the name index holds %zu entries, the table %zu",
                          m->index.count, m->nmemories + m->nperiphs);
    for (size_t i = 0; i < m->nmemories; i++) {
        const MachineMemory *mem = m->memories[i];
        if (machine_memory_named(m, mem->desc.name) != mem)
            return audit_fail(errp, "memory '%s' is not found by its name",
                              mem->desc.name);
        if (!mem->owner || owner_refcount(mem->owner) == 0)
            return audit_fail(errp, "memory '%s' has no live owner", mem->desc.name);
    }
    for (size_t i = 0; i < m->nperiphs; i++)
        if (!audit_peripheral(m, m->periphs[i], errp))
            return false;
    const MachinePeripheral *t = m->time_holder;
    if (t && (!t->dev.owner || !t->offered_time || machine_peripheral_named(m, t->desc.name) != t))
        return audit_fail(errp, "the time source '%s' is not a live device offering it",
                          t->desc.name);
    for (size_t i = 0; !t && i < m->nperiphs; i++)
        if (m->periphs[i]->offered_time)
            return audit_fail(errp, "'%s' offers the time but the CPU does not read it",
                              m->periphs[i]->desc.name);
    return audit_aliases(m, errp) && machine_irq_audit_drivers(m, errp);
}
