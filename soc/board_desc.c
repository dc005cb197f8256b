/* The BoardDesc data model: freeing (a half-built board included) and
 * lookups. */
#include "soc/board_internal.h"

#include <stdlib.h>
#include <string.h>

static void free_peripheral(BoardPeripheral *p)
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

void board_desc_free(BoardDesc *b)
{
    for (size_t i = 0; i < b->nmemories; i++) {
        free(b->memories[i].name);
        free(b->memories[i].image);
    }
    for (size_t i = 0; i < b->nperipherals; i++)
        free_peripheral(&b->peripherals[i]);
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
