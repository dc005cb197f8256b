#include "sim/board_choice.h"
#include "soc/alloc.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "peripherals/registry.h"
#include "sim/cpu/cpu.h"

/* Board files and the CPU agree on the limits of the `cpu:` counts. */
_Static_assert(BOARD_PMP_MAX == CPU_PMP_MAX, "pmp_entries limit");
_Static_assert(BOARD_TRIGGERS_MAX == CPU_TRIGGERS_MAX, "triggers limit");

char *boards_shipped_path(void)
{
    const char *env = getenv("MCUSIM_BOARDS");
    if (env && *env)
        return xstrdup(env);
    char exe[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len > 0) {
        exe[len] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            char *path = xasprintf("%s/../boards.yaml", exe);
            char *canonical = realpath(path, NULL); /* NULL: not there */
            free(path);
            if (canonical)
                return canonical;
        }
    }
    return xstrdup("boards.yaml");
}

static bool is_board_file(const char *spec)
{
    return strstr(spec, ".yaml") || strstr(spec, ".yml") || strchr(spec, '/');
}

/* Splits BOARD into the file to load and the board name in it (NULL: the
 * file's only board). */
static char *board_file_and_name(const char *spec, const char **name)
{
    if (!is_board_file(spec)) {
        *name = spec;
        return boards_shipped_path();
    }
    char *path = xstrdup(spec);
    char *colon = strrchr(path, ':');
    *name = NULL;
    if (colon && !strchr(colon, '/') && !strstr(colon, ".yaml") &&
        !strstr(colon, ".yml")) {
        *colon = '\0';
        *name = spec + (colon - path) + 1;
    }
    return path;
}

BoardFile *board_choose(const char *spec, const char *const *sets,
                        size_t nsets, BoardDesc **board, Error **errp)
{
    const char *name;
    char *path = board_file_and_name(spec, &name);
    char *shipped = boards_shipped_path();
    BoardModels models = registry_board_models();
    BoardLoad how = { .fallback = shipped, .select = true, .board = name,
                      .models = &models };
    BoardFile *file = board_file_load_with(path, &how, errp);
    free(shipped);
    free(path);
    *board = file ? &file->boards[0] : NULL;
    for (size_t i = 0; *board && i < nsets; i++)
        if (!board_apply_set(*board, sets[i], (unsigned)i + 1, errp))
            *board = NULL;
    if (*board)
        return file;
    board_file_free(file);
    return NULL;
}

void board_cpu_config(const BoardDesc *board, Clock *clock, CpuConfig *out)
{
    *out = (CpuConfig){
        .isa = board->cpu.isa,
        .reset_pc = board->cpu.has_reset_pc ? board->cpu.reset_pc : 0,
        .frequency_hz = board->cpu.frequency_hz,
        .clock = clock,
        .emulate_misaligned = board->cpu.emulate_misaligned,
        .mvendorid = board->cpu.mvendorid,
        .marchid = board->cpu.marchid,
        .mimpid = board->cpu.mimpid,
        .pmp_entries = board->cpu.pmp_entries,
        .triggers = board->cpu.triggers,
    };
}

bool boards_list_shipped(FILE *out, Error **errp)
{
    char *path = boards_shipped_path();
    BoardFile *file = board_file_load(path, errp);
    free(path);
    if (!file)
        return false;
    for (size_t i = 0; i < file->nboards; i++)
        fprintf(out, "%-16s %s\n", file->boards[i].name,
                file->boards[i].description);
    board_file_free(file);
    return true;
}

static void describe_irqs(FILE *out, const BoardPeripheral *p)
{
    if (!p->nirqs)
        return;
    fprintf(out, "  irq:");
    for (size_t i = 0; i < p->nirqs; i++) {
        const BoardIrq *irq = &p->irqs[i];
        if (irq->input)
            fprintf(out, "%s %s.%s", i ? "," : "", irq->target, irq->input);
        else
            fprintf(out, "%s %s.%u", i ? "," : "", irq->target, irq->line);
    }
}

void board_describe_peripherals(FILE *out, const BoardDesc *b)
{
    for (size_t i = 0; i < b->nperipherals; i++) {
        const BoardPeripheral *p = &b->peripherals[i];
        const PeripheralClass *cls = registry_find(p->type);
        uint64_t size = p->size ? p->size : cls ? cls->default_size : 0;
        fprintf(out, "  %-12s %-20s 0x%08llx-0x%08llx", p->name, p->type,
                (unsigned long long)p->base,
                (unsigned long long)(p->base + (size ? size - 1 : 0)));
        for (size_t j = 0; j < p->nprops; j++)
            fprintf(out, "  %s=%s", p->props[j].key, p->props[j].value);
        describe_irqs(out, p);
        fputc('\n', out);
    }
}

void board_describe(FILE *out, const BoardDesc *b)
{
    static const char *const kinds[] = {
        [BOARD_MEM_RAM] = "ram", [BOARD_MEM_ROM] = "rom", [BOARD_MEM_FLASH] = "flash",
    };
    fprintf(out, "board %s (%s:%u:%u)%s%s\n", b->name, b->loc.file, b->loc.line,
            b->loc.col, b->description[0] ? ": " : "", b->description);
    fprintf(out, "cpu: %s at %llu Hz, reset pc ", b->cpu.isa,
            (unsigned long long)b->cpu.frequency_hz);
    if (b->cpu.has_reset_pc)
        fprintf(out, "0x%08x", b->cpu.reset_pc);
    else
        fprintf(out, "the ELF entry");
    fprintf(out, ", misaligned accesses %s\n",
            b->cpu.emulate_misaligned ? "emulated" : "trap");
    fprintf(out, "cpu ids: mvendorid 0x%08x, marchid 0x%08x, mimpid 0x%08x; "
            "%u PMP entries, %u triggers\n", b->cpu.mvendorid, b->cpu.marchid,
            b->cpu.mimpid, b->cpu.pmp_entries, b->cpu.triggers);
    fprintf(out, "host services:%s%s%s%s\n", b->host ? "" : " none",
            b->host & BOARD_HOST_NEWLIB ? " newlib" : "",
            b->host & BOARD_HOST_SEMIHOSTING ? " semihosting" : "",
            b->host & BOARD_HOST_HTIF ? " htif" : "");
    fprintf(out, "memory:\n");
    for (size_t i = 0; i < b->nmemories; i++) {
        const BoardMemory *m = &b->memories[i];
        fprintf(out, "  %-12s %-6s 0x%08llx-0x%08llx\n", m->name, kinds[m->kind],
                (unsigned long long)m->base,
                (unsigned long long)(m->base + m->size - 1));
    }
    fprintf(out, "peripherals:\n");
    board_describe_peripherals(out, b);
}
