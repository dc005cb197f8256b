/* The BoardDesc data model: freeing (a half-built board included) and
 * lookups. */
#include "soc/board_internal.h"

#include "soc/alloc.h"

#include <stdlib.h>
#include <string.h>

void board_peripheral_free(BoardPeripheral *p)
{
    for (size_t j = 0; j < p->nprops; j++) {
        free(p->props[j].key);
        free(p->props[j].value);
    }
    free(p->props);
    for (size_t j = 0; j < p->nirqs; j++) {
        free(p->irqs[j].target);
        free(p->irqs[j].input);
    }
    free(p->irqs);
    free(p->name);
    free(p->type);
}

static char *copy_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

void board_peripheral_copy(BoardPeripheral *dst, const BoardPeripheral *src)
{
    *dst = *src;
    dst->name = xstrdup(src->name);
    dst->type = xstrdup(src->type);
    dst->props = xcalloc(src->nprops ? src->nprops : 1, sizeof *dst->props);
    for (size_t i = 0; i < src->nprops; i++) {
        dst->props[i] = src->props[i];
        dst->props[i].key = xstrdup(src->props[i].key);
        dst->props[i].value = xstrdup(src->props[i].value);
    }
    dst->irqs = xcalloc(src->nirqs ? src->nirqs : 1, sizeof *dst->irqs);
    for (size_t i = 0; i < src->nirqs; i++) {
        dst->irqs[i] = src->irqs[i];
        dst->irqs[i].target = xstrdup(src->irqs[i].target);
        dst->irqs[i].input = copy_or_null(src->irqs[i].input);
    }
}

void board_memory_copy(BoardMemory *dst, const BoardMemory *src)
{
    *dst = *src;
    dst->name = xstrdup(src->name);
    dst->image = copy_or_null(src->image);
}

void board_memory_free(BoardMemory *m)
{
    free(m->name);
    free(m->image);
}

void board_desc_free(BoardDesc *b)
{
    for (size_t i = 0; i < b->nmemories; i++)
        board_memory_free(&b->memories[i]);
    for (size_t i = 0; i < b->nperipherals; i++)
        board_peripheral_free(&b->peripherals[i]);
    free(b->memories);
    free(b->peripherals);
    free(b->name);
    free(b->description);
    free(b->cpu.isa);
}

void board_file_free(BoardFile *file)
{
    if (!file)
        return;
    for (size_t i = 0; i < file->nboards; i++)
        board_desc_free(&file->boards[i]);
    free(file->boards);
    for (size_t i = 0; i < file->nextra_paths; i++)
        free(file->extra_paths[i]);
    free(file->extra_paths);
    free(file->path);
    free(file);
}

const BoardDesc *board_file_find(const BoardFile *file, const char *name)
{
    for (size_t i = 0; file && i < file->nboards; i++)
        if (strcmp(file->boards[i].name, name) == 0)
            return &file->boards[i];
    return NULL;
}

const BoardProp *board_peripheral_prop(const BoardPeripheral *p,
                                       const char *key)
{
    for (size_t i = 0; p && i < p->nprops; i++)
        if (strcmp(p->props[i].key, key) == 0)
            return &p->props[i];
    return NULL;
}
