/* The monitor's commands for test programs (docs/CONTROL.md): what a
 * UART sent (`uart NAME read`), `run-until` (filled in as a request, run
 * by the caller), memory and registers through the debugger's paths
 * (`memory read|write`, `reg`, `info registers`). Rows in sim/monitor.c.
 */
#include "sim/monitor_internal.h"

#include <stdlib.h>
#include <string.h>

#include "sim/cpu/disasm.h"
#include "soc/alloc.h"

#define MEMORY_MAX 65536 /* bytes one `memory` command reads or writes */
#define CSR_COUNT 4096

/* ---- UART output ---- */

/* Bytes as a double-quoted string with the monitor's escapes (\" \\ \n
 * \r \t \xHH), so it reads back as one word. */
static void put_quoted(FILE *out, const uint8_t *bytes, size_t len)
{
    fputc('"', out);
    for (size_t i = 0; i < len; i++) {
        uint8_t ch = bytes[i];
        if (ch == '"' || ch == '\\')
            fprintf(out, "\\%c", ch);
        else if (ch == '\n')
            fputs("\\n", out);
        else if (ch == '\r')
            fputs("\\r", out);
        else if (ch == '\t')
            fputs("\\t", out);
        else if (ch < 0x20 || ch > 0x7e)
            fprintf(out, "\\x%02x", ch);
        else
            fputc(ch, out);
    }
    fputc('"', out);
}

static char *quoted(const uint8_t *bytes, size_t len)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    if (!out)
        abort(); /* out of memory */
    put_quoted(out, bytes, len);
    fclose(out);
    return text;
}

/* A UART whose output the taps keep: one that has had a chardev. */
static bool check_uart(Call *c, const Word *name)
{
    const MonitorContext *x = c->ctx;
    if (!x->taps)
        return mon_fail(c, "uart: no serial output is kept on this target");
    if (uart_taps_known(x->taps, name->text))
        return true;
    if (machine_find_peripheral(x->machine, name->text))
        return mon_fail(c, "'%s' has no serial port", name->text);
    return mon_fail(c, "no peripheral named '%s'", SHOW(name));
}

bool mon_uart_read(Call *c)
{
    const Word *name = &c->args[0];
    if (!check_uart(c, name))
        return false;
    size_t len;
    const uint8_t *bytes = uart_taps_unread(c->ctx->taps, name->text, &len);
    put_quoted(c->out, bytes, len);
    fputc('\n', c->out);
    uart_taps_consume(c->ctx->taps, name->text, len);
    return true;
}

/* ---- run-until ---- */

/* SYMBOL (the ELF's) or a number: the pc to wait for. */
static bool parse_pc(Call *c, const Word *w, uint32_t *pc)
{
    uint64_t value;
    if (board_parse_u64(w->text, &value)) {
        if (value > UINT32_MAX)
            return mon_malformed(c, "address %s at column %u is above 0xffffffff", SHOW(w),
                                 w->col);
        *pc = (uint32_t)value;
        return true;
    }
    if (w->len == 0 || strlen(w->text) != w->len)
        return mon_malformed(c, "empty SYMBOL at column %u", w->col);
    if (c->ctx->syms && elf_symbol_address(c->ctx->syms, w->text, pc))
        return true;
    return mon_fail(c, "no symbol '%s' in the firmware", SHOW(w));
}

bool mon_run_until(Call *c)
{
    const Word *what = &c->args[0], *goal = &c->args[1];
    MonitorRequest r = {.action = MONITOR_ACT_RUN_UNTIL};
    if (c->nargs == 3 &&
        !mon_parse_duration(c, &c->args[2], &r.count, &r.count_is_insns))
        return false;
    r.has_limit = c->nargs == 3;
    if (mon_word_is(what, "pc")) {
        if (!parse_pc(c, goal, &r.pc))
            return false;
        r.goal = xasprintf("the pc did not reach %s", goal->text);
    } else {
        if (!mon_check_name(c, what) || !check_uart(c, what))
            return false;
        if (goal->len == 0)
            return mon_malformed(c, "empty TEXT at column %u: nothing to wait for",
                                 goal->col);
        char *shown = quoted((const uint8_t *)goal->text, goal->len);
        r.goal = xasprintf("no %s from %s", shown, what->text);
        free(shown);
        r.device = xstrdup(what->text);
        r.text = xmalloc(goal->len);
        memcpy(r.text, goal->text, goal->len);
        r.text_len = goal->len;
    }
    if (r.has_limit)
        r.limit = xstrdup(c->args[2].text);
    *c->request = r;
    return true;
}

/* ---- memory ---- */

static bool parse_address(Call *c, const Word *w, uint32_t *addr)
{
    uint64_t value;
    if (!mon_parse_number(c, w, "ADDR", &value))
        return false;
    if (value > UINT32_MAX)
        return mon_malformed(c, "address %s at column %u is above 0xffffffff", SHOW(w),
                             w->col);
    *addr = (uint32_t)value;
    return true;
}

static bool check_span(Call *c, uint32_t addr, uint64_t len)
{
    if (len < 1 || len > MEMORY_MAX)
        return mon_malformed(c, "LEN must be 1 to %d", MEMORY_MAX);
    if (addr + len - 1 > UINT32_MAX)
        return mon_fail(c, "0x%08x + %llu runs past 0xffffffff", (unsigned)addr,
                        (unsigned long long)len);
    return true;
}

bool mon_memory_read(Call *c)
{
    uint32_t addr = 0;
    uint64_t len;
    if (!parse_address(c, &c->args[0], &addr) ||
        !mon_parse_number(c, &c->args[1], "LEN", &len) || !check_span(c, addr, len))
        return false;
    uint8_t *buf = xmalloc((size_t)len);
    Error *err = NULL;
    bool ok = memory_debug_read(c->ctx->ms, addr, buf, (size_t)len, &err);
    if (ok) {
        for (size_t i = 0; i < len; i++)
            fprintf(c->out, "%02x", buf[i]);
        fputc('\n', c->out);
    } else {
        error_prepend(&err, "memory read: ");
        mon_refused(c, err);
    }
    free(buf);
    return ok;
}

/* HEXBYTES into a malloc'd buffer of *len bytes. */
static uint8_t *parse_hex(Call *c, const Word *w, size_t *len)
{
    if (w->len % 2 || w->len / 2 > MEMORY_MAX) {
        mon_malformed(c, "HEXBYTES at column %u must be an even number of hex digits, "
                      "1 to %d bytes", w->col, MEMORY_MAX);
        return NULL;
    }
    uint8_t *bytes = xmalloc(w->len / 2);
    for (size_t i = 0; i < w->len / 2; i++) {
        int hi = mon_hex_digit(w->text[2 * i]), lo = mon_hex_digit(w->text[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            free(bytes);
            mon_malformed(c, "'%s' at column %u is not hex digits", SHOW(w), w->col);
            return NULL;
        }
        bytes[i] = (uint8_t)(hi << 4 | lo);
    }
    *len = w->len / 2;
    return bytes;
}

/* The debugger's write stops at the first byte it may not write: what it
 * wrote before is put back from `old`, so a refused write changes
 * nothing. */
static bool write_all_or_nothing(MemorySystem *ms, uint32_t addr, const uint8_t *bytes,
                                 size_t len, Error **errp)
{
    uint8_t *old = xmalloc(len);
    bool ok = memory_debug_read(ms, addr, old, len, errp);
    if (ok && !memory_debug_write(ms, addr, bytes, len, errp)) {
        memory_debug_write(ms, addr, old, len, NULL); /* fails at the same byte */
        ok = false;
    }
    free(old);
    return ok;
}

bool mon_memory_write(Call *c)
{
    uint32_t addr = 0;
    size_t len = 0;
    if (!parse_address(c, &c->args[0], &addr))
        return false;
    uint8_t *bytes = parse_hex(c, &c->args[1], &len);
    if (!bytes || !check_span(c, addr, len)) {
        free(bytes);
        return false;
    }
    Error *err = NULL;
    bool ok = write_all_or_nothing(c->ctx->ms, addr, bytes, len, &err);
    free(bytes);
    if (!ok) {
        error_prepend(&err, "memory write: ");
        return mon_refused(c, err);
    }
    fprintf(c->out, "wrote %zu byte%s at 0x%08x\n", len, len == 1 ? "" : "s",
            (unsigned)addr);
    return true;
}

/* ---- registers ---- */

typedef enum RegKind { REG_PC, REG_X, REG_CSR } RegKind;

typedef struct RegRef {
    RegKind kind;
    unsigned index; /* x index or CSR number */
} RegRef;

static bool x_number(const char *name, unsigned *index)
{
    if (name[0] != 'x' || name[1] < '0' || name[1] > '9')
        return false;
    char *end;
    unsigned long n = strtoul(name + 1, &end, 10);
    if (*end || n > 31 || (name[1] == '0' && name[2]))
        return false;
    *index = (unsigned)n;
    return true;
}

static bool find_register(const Cpu *cpu, const char *name, RegRef *ref)
{
    if (strcmp(name, "pc") == 0) {
        *ref = (RegRef){REG_PC, 0};
        return true;
    }
    if (strcmp(name, "fp") == 0) {
        *ref = (RegRef){REG_X, 8};
        return true;
    }
    unsigned i;
    if (x_number(name, &i)) {
        *ref = (RegRef){REG_X, i};
        return true;
    }
    for (i = 0; i < 32; i++)
        if (strcmp(name, disasm_reg_name(i)) == 0) {
            *ref = (RegRef){REG_X, i};
            return true;
        }
    char csr_name[32];
    uint32_t value;
    for (i = 0; i < CSR_COUNT; i++)
        if (disasm_csr_name(i, csr_name, sizeof csr_name) && strcmp(name, csr_name) == 0 &&
            cpu_get_csr(cpu, i, &value)) {
            *ref = (RegRef){REG_CSR, i};
            return true;
        }
    return false;
}

static uint32_t reg_read(const Cpu *cpu, RegRef ref)
{
    uint32_t value = 0;
    if (ref.kind == REG_PC)
        return cpu_get_pc(cpu);
    if (ref.kind == REG_X)
        return cpu_get_reg(cpu, ref.index);
    cpu_get_csr(cpu, ref.index, &value);
    return value;
}

static void reg_write(Cpu *cpu, RegRef ref, uint32_t value)
{
    if (ref.kind == REG_PC)
        cpu_set_pc(cpu, value);
    else if (ref.kind == REG_X)
        cpu_set_reg(cpu, ref.index, value);
    else
        cpu_set_csr(cpu, ref.index, value);
}

bool mon_reg(Call *c)
{
    const Word *name = &c->args[0];
    Cpu *cpu = c->ctx->cpu;
    RegRef ref;
    if (!find_register(cpu, name->text, &ref))
        return mon_fail(c, "no register named '%s'", SHOW(name));
    if (c->nargs == 2) {
        uint64_t value;
        if (!mon_parse_number(c, &c->args[1], "VALUE", &value))
            return false;
        if (value > UINT32_MAX)
            return mon_malformed(c, "value %s at column %u is above 0xffffffff",
                                 SHOW(&c->args[1]), c->args[1].col);
        reg_write(cpu, ref, (uint32_t)value);
    }
    fprintf(c->out, "%s 0x%08x\n", name->text, (unsigned)reg_read(cpu, ref));
    return true;
}

bool mon_info_registers(Call *c)
{
    const Cpu *cpu = c->ctx->cpu;
    fprintf(c->out, "pc 0x%08x\n", (unsigned)cpu_get_pc(cpu));
    for (unsigned i = 0; i < 32; i++)
        fprintf(c->out, "%s 0x%08x\n", disasm_reg_name(i), (unsigned)cpu_get_reg(cpu, i));
    return true;
}
