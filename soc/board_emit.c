/* A BoardDesc back to board-file YAML (board_write_yaml, soc/board.h), and
 * deep copies of whole boards: what a snapshot keeps of the live board and
 * writes into its file (soc/machine_state.c).
 *
 * Every string is written double-quoted, escaped where YAML needs it
 * (quotes, backslashes, characters YAML may not carry raw), so names,
 * types and property values come back byte for byte; numbers are written
 * in hex, as board files write addresses. What the parser fills in when a
 * key is absent (a peripheral's size 0, no reset pc, no image) is left
 * out, so it comes back the same.
 */
#include "soc/board.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "soc/alloc.h"

/* ---- copies ---- */

void board_desc_copy(BoardDesc *dst, const BoardDesc *src)
{
    *dst = *src;
    dst->name = xstrdup(src->name);
    dst->description = xstrdup(src->description ? src->description : "");
    dst->cpu.isa = src->cpu.isa ? xstrdup(src->cpu.isa) : NULL;
    dst->memories = xcalloc(src->nmemories ? src->nmemories : 1, sizeof *dst->memories);
    for (size_t i = 0; i < src->nmemories; i++)
        board_memory_copy(&dst->memories[i], &src->memories[i]);
    dst->peripherals = xcalloc(src->nperipherals ? src->nperipherals : 1,
                               sizeof *dst->peripherals);
    for (size_t i = 0; i < src->nperipherals; i++)
        board_peripheral_copy(&dst->peripherals[i], &src->peripherals[i]);
}

/* ---- strings ---- */

/* The code point of the UTF-8 sequence at s (n bytes left), and its
 * length; 0 when it is not a valid sequence (overlong, a surrogate, past
 * U+10FFFF, cut short). */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    static const uint32_t min_of[5] = {0, 0, 0x80, 0x800, 0x10000};
    size_t len = s[0] < 0x80 ? 1 : (s[0] & 0xe0) == 0xc0 ? 2
               : (s[0] & 0xf0) == 0xe0 ? 3 : (s[0] & 0xf8) == 0xf0 ? 4 : 0;
    if (len == 0 || len > n)
        return 0;
    uint32_t v = len == 1 ? s[0] : s[0] & (0x7f >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        v = v << 6 | (s[i] & 0x3f);
    }
    if (v < min_of[len] || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    *cp = v;
    return len;
}

/* What YAML lets a document carry as it is (YAML 1.1, "c-printable"),
 * quotes and backslashes aside. */
static bool yaml_printable(uint32_t cp)
{
    if (cp == '"' || cp == '\\')
        return false;
    return (cp >= 0x20 && cp <= 0x7e) || cp == 0x85 || (cp >= 0xa0 && cp <= 0xd7ff) ||
           (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

static void put_escaped(FILE *out, uint32_t cp)
{
    switch (cp) {
    case '"': fputs("\\\"", out); return;
    case '\\': fputs("\\\\", out); return;
    case '\n': fputs("\\n", out); return;
    case '\t': fputs("\\t", out); return;
    default: break;
    }
    if (cp < 0x100)
        fprintf(out, "\\x%02" PRIx32, cp);
    else if (cp < 0x10000)
        fprintf(out, "\\u%04" PRIx32, cp);
    else
        fprintf(out, "\\U%08" PRIx32, cp);
}

/* `s` double-quoted; false when some of it is not UTF-8 (written as
 * U+FFFD). */
static bool put_string(FILE *out, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);
    bool faithful = true;
    fputc('"', out);
    while (n) {
        uint32_t cp;
        size_t len = utf8_decode(p, n, &cp);
        if (len == 0) {
            faithful = false;
            put_escaped(out, 0xfffd);
            p++, n--;
            continue;
        }
        if (yaml_printable(cp))
            fwrite(p, 1, len, out);
        else
            put_escaped(out, cp);
        p += len, n -= len;
    }
    fputc('"', out);
    return faithful;
}

/* ---- the board ---- */

static bool put_key_string(FILE *out, const char *indent, const char *key, const char *value)
{
    fprintf(out, "%s%s: ", indent, key);
    bool ok = put_string(out, value);
    fputc('\n', out);
    return ok;
}

static void put_cpu(FILE *out, const BoardCpu *cpu, bool *ok)
{
    fputs("  cpu:\n", out);
    if (cpu->isa)
        *ok &= put_key_string(out, "    ", "isa", cpu->isa);
    fprintf(out, "    frequency: %" PRIu64 "\n", cpu->frequency_hz);
    if (cpu->has_reset_pc)
        fprintf(out, "    reset_pc: 0x%08" PRIx32 "\n", cpu->reset_pc);
    fprintf(out, "    misaligned: %s\n", cpu->emulate_misaligned ? "emulate" : "trap");
    fprintf(out, "    mvendorid: 0x%" PRIx32 "\n", cpu->mvendorid);
    fprintf(out, "    marchid: 0x%" PRIx32 "\n", cpu->marchid);
    fprintf(out, "    mimpid: 0x%" PRIx32 "\n", cpu->mimpid);
    fprintf(out, "    pmp_entries: %u\n", cpu->pmp_entries);
    fprintf(out, "    triggers: %u\n", cpu->triggers);
}

static void put_host(FILE *out, unsigned host)
{
    static const struct { unsigned bit; const char *name; } services[] = {
        {BOARD_HOST_NEWLIB, "newlib"},
        {BOARD_HOST_SEMIHOSTING, "semihosting"},
        {BOARD_HOST_HTIF, "htif"},
    };
    fputs("  host: [", out);
    const char *sep = "";
    for (size_t i = 0; i < sizeof services / sizeof services[0]; i++) {
        if (host & services[i].bit) {
            fprintf(out, "%s%s", sep, services[i].name);
            sep = ", ";
        }
    }
    fputs("]\n", out);
}

static void put_memory(FILE *out, const BoardMemory *m, bool *ok)
{
    static const char *const kinds[] = {
        [BOARD_MEM_RAM] = "ram", [BOARD_MEM_ROM] = "rom", [BOARD_MEM_FLASH] = "flash",
    };
    fputs("    - name: ", out);
    *ok &= put_string(out, m->name);
    fprintf(out, "\n      type: %s\n", kinds[m->kind]);
    fprintf(out, "      base: 0x%" PRIx64 "\n", m->base);
    fprintf(out, "      size: 0x%" PRIx64 "\n", m->size);
    if (m->image)
        *ok &= put_key_string(out, "      ", "image", m->image);
}

static void put_irqs(FILE *out, const BoardPeripheral *p, bool *ok)
{
    if (!p->nirqs)
        return;
    fputs("      irq: [", out);
    for (size_t i = 0; i < p->nirqs; i++) {
        const BoardIrq *irq = &p->irqs[i];
        if (i)
            fputs(", ", out);
        char *sink = irq->input ? xasprintf("%s.%s", irq->target, irq->input)
                                : xasprintf("%s.%u", irq->target, irq->line);
        *ok &= put_string(out, sink);
        free(sink);
    }
    fputs("]\n", out);
}

static void put_peripheral(FILE *out, const BoardPeripheral *p, bool *ok)
{
    fputs("    - name: ", out);
    *ok &= put_string(out, p->name);
    fputc('\n', out);
    *ok &= put_key_string(out, "      ", "type", p->type);
    fprintf(out, "      base: 0x%" PRIx64 "\n", p->base);
    if (p->size)
        fprintf(out, "      size: 0x%" PRIx64 "\n", p->size);
    put_irqs(out, p, ok);
    for (size_t i = 0; i < p->nprops; i++) {
        fputs("      ", out);
        *ok &= put_string(out, p->props[i].key);
        fputs(": ", out);
        *ok &= put_string(out, p->props[i].value);
        fputc('\n', out);
    }
}

bool board_write_yaml(FILE *out, const BoardDesc *b)
{
    bool ok = true;
    ok &= put_string(out, b->name);
    fputs(":\n", out);
    if (b->description && b->description[0])
        ok &= put_key_string(out, "  ", "description", b->description);
    put_cpu(out, &b->cpu, &ok);
    put_host(out, b->host);
    fputs(b->nmemories ? "  memory:\n" : "  memory: []\n", out);
    for (size_t i = 0; i < b->nmemories; i++)
        put_memory(out, &b->memories[i], &ok);
    fputs(b->nperipherals ? "  peripherals:\n" : "  peripherals: []\n", out);
    for (size_t i = 0; i < b->nperipherals; i++)
        put_peripheral(out, &b->peripherals[i], &ok);
    return ok && fflush(out) == 0 && !ferror(out);
}
