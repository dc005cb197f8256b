/* Command-line overrides of a loaded board: `--set TARGET.KEY=VALUE`.
 *
 *   cpu.isa=rv32imc  cpu.frequency=16000000  cpu.reset_pc=0x20010000
 *   cpu.misaligned=emulate
 *   MEMORY.base=...  MEMORY.size=...
 *   PERIPHERAL.base=...  PERIPHERAL.size=...  PERIPHERAL.PROPERTY=VALUE
 *
 * Interrupt wiring is not settable here (write a board that extends the
 * other). Values are checked like board files check them; what a property
 * means is checked when the machine is built, and errors there point at
 * "--set:N:1" where N counts the --set options.
 */
#include "soc/board.h"
#include "soc/alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool set_number(const char *assignment, const char *value,
                       uint64_t limit, uint64_t *out, Error **errp)
{
    uint64_t v;
    if (!board_parse_u64(value, &v) || v >= limit) {
        error_setf(errp, "--set %s: '%s' is not a number below 0x%llx",
                   assignment, value, (unsigned long long)limit);
        return false;
    }
    *out = v;
    return true;
}

static bool set_cpu(BoardCpu *cpu, const char *assignment, const char *key,
                    const char *value, Error **errp)
{
    uint64_t v;
    if (strcmp(key, "isa") == 0) {
        free(cpu->isa);
        cpu->isa = xstrdup(value);
        return true;
    }
    if (strcmp(key, "frequency") == 0) {
        if (!set_number(assignment, value, UINT64_MAX, &v, errp))
            return false;
        if (v == 0) {
            error_setf(errp, "--set %s: the frequency must be greater than 0",
                       assignment);
            return false;
        }
        cpu->frequency_hz = v;
        return true;
    }
    if (strcmp(key, "reset_pc") == 0) {
        if (!set_number(assignment, value, 1ull << 32, &v, errp))
            return false;
        cpu->reset_pc = (uint32_t)v;
        cpu->has_reset_pc = 1;
        return true;
    }
    if (strcmp(key, "misaligned") == 0 &&
        (strcmp(value, "trap") == 0 || strcmp(value, "emulate") == 0)) {
        cpu->emulate_misaligned = strcmp(value, "emulate") == 0;
        return true;
    }
    error_setf(errp, "--set %s: expected cpu.isa, cpu.frequency, cpu.reset_pc "
               "or cpu.misaligned=trap|emulate", assignment);
    return false;
}

static bool set_prop(BoardPeripheral *p, const char *key, const char *value,
                     SourceLoc loc)
{
    for (size_t i = 0; i < p->nprops; i++) {
        if (strcmp(p->props[i].key, key) == 0) {
            free(p->props[i].value);
            p->props[i].value = xstrdup(value);
            p->props[i].loc = loc;
            return true;
        }
    }
    BoardProp *grown = realloc(p->props, (p->nprops + 1) * sizeof *grown);
    if (!grown)
        abort();
    p->props = grown;
    p->props[p->nprops++] = (BoardProp){xstrdup(key), xstrdup(value), loc};
    return true;
}

static bool set_peripheral(BoardPeripheral *p, const char *assignment,
                           const char *key, const char *value, SourceLoc loc,
                           Error **errp)
{
    if (strcmp(key, "base") == 0)
        return set_number(assignment, value, 1ull << 32, &p->base, errp);
    if (strcmp(key, "size") == 0)
        return set_number(assignment, value, (1ull << 32) + 1, &p->size, errp);
    if (strcmp(key, "irq") == 0 || strcmp(key, "type") == 0 ||
        strcmp(key, "name") == 0) {
        error_setf(errp, "--set %s: '%s' cannot be changed from the command "
                   "line (write a board that extends this one)", assignment, key);
        return false;
    }
    return set_prop(p, key, value, loc);
}

bool board_apply_set(BoardDesc *b, const char *assignment, unsigned index,
                     Error **errp)
{
    const char *dot = strchr(assignment, '.');
    const char *eq = strchr(assignment, '=');
    if (!dot || !eq || dot > eq || dot == assignment || eq == dot + 1) {
        error_setf(errp, "--set %s: expected TARGET.KEY=VALUE (e.g. "
                   "uart0.chardev=null)", assignment);
        return false;
    }
    char target[128], key[128];
    if ((size_t)(dot - assignment) >= sizeof target ||
        (size_t)(eq - dot - 1) >= sizeof key) {
        error_setf(errp, "--set %s: name too long", assignment);
        return false;
    }
    snprintf(target, sizeof target, "%.*s", (int)(dot - assignment), assignment);
    snprintf(key, sizeof key, "%.*s", (int)(eq - dot - 1), dot + 1);
    const char *value = eq + 1;
    SourceLoc loc = {.file = "--set", .line = index, .col = 1};
    if (strcmp(target, "cpu") == 0)
        return set_cpu(&b->cpu, assignment, key, value, errp);
    for (size_t i = 0; i < b->nmemories; i++) {
        BoardMemory *m = &b->memories[i];
        if (strcmp(m->name, target) != 0)
            continue;
        if (strcmp(key, "base") == 0)
            return set_number(assignment, value, 1ull << 32, &m->base, errp);
        if (strcmp(key, "size") == 0)
            return set_number(assignment, value, (1ull << 32) + 1, &m->size, errp);
        error_setf(errp, "--set %s: a memory has base and size", assignment);
        return false;
    }
    for (size_t i = 0; i < b->nperipherals; i++)
        if (strcmp(b->peripherals[i].name, target) == 0)
            return set_peripheral(&b->peripherals[i], assignment, key, value,
                                  loc, errp);
    error_setf(errp, "--set %s: board '%s' has no cpu, memory or peripheral "
               "named '%s'", assignment, b->name, target);
    return false;
}
