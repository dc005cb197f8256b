#include "sim/board_choice.h"
#include "soc/alloc.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "peripherals/registry.h"

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
            char *path = NULL;
            if (asprintf(&path, "%s/../boards.yaml", exe) >= 0) {
                char *canonical = realpath(path, NULL); /* NULL: not there */
                free(path);
                if (canonical)
                    return canonical;
            }
        }
    }
    return xstrdup("boards.yaml");
}

static bool is_board_file(const char *spec)
{
    return strstr(spec, ".yaml") || strstr(spec, ".yml") || strchr(spec, '/');
}

/* "a, b, c": the names of the boards in a file, malloc'd. */
static char *board_names(const BoardFile *file)
{
    size_t len = 1;
    for (size_t i = 0; i < file->nboards; i++)
        len += strlen(file->boards[i].name) + 2;
    char *names = calloc(1, len);
    if (!names)
        abort();
    for (size_t i = 0; i < file->nboards; i++) {
        if (i)
            strcat(names, ", ");
        strcat(names, file->boards[i].name);
    }
    return names;
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

static BoardDesc *find_board(BoardFile *file, const char *name, const char *path,
                             Error **errp)
{
    for (size_t i = 0; i < file->nboards; i++)
        if (name ? strcmp(file->boards[i].name, name) == 0 : file->nboards == 1)
            return &file->boards[i];
    char *names = board_names(file);
    if (name)
        error_setf(errp, "%s: no board '%s' (boards there: %s)", path, name, names);
    else
        error_setf(errp, "%s: holds several boards (%s); name one as %s:NAME",
                   path, names, path);
    free(names);
    return NULL;
}

BoardFile *board_choose(const char *spec, const char *const *sets,
                        size_t nsets, BoardDesc **board, Error **errp)
{
    const char *name;
    char *path = board_file_and_name(spec, &name);
    char *shipped = boards_shipped_path();
    BoardFile *file = board_file_load_ext(path, shipped, errp);
    free(shipped);
    *board = file ? find_board(file, name, path, errp) : NULL;
    for (size_t i = 0; *board && i < nsets; i++)
        if (!board_apply_set(*board, sets[i], (unsigned)i + 1, errp))
            *board = NULL;
    free(path);
    if (*board)
        return file;
    board_file_free(file);
    return NULL;
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
