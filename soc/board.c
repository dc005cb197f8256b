/* Board files: loading (soc/board.h, docs/BOARDS.md).
 *
 * A load reads the file (soc/file.h: regular files only), turns its YAML
 * into a tree of Nodes (soc/board_yaml.c) and checks the top level whole:
 * a mapping of valid, unique board names (a hash set) to mappings. Then it
 * resolves the boards it was asked for, every board or one: each has what
 * it extends merged in (soc/board_extends.c) and is converted and checked
 * into a BoardDesc (soc/board_convert.c). A failed load frees everything.
 */
#include "soc/board.h"
#include "soc/alloc.h"
#include "soc/board_internal.h"
#include "soc/file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAMES_SHOWN 20 /* board names an error lists before "..." */

typedef struct Loader {
    const BoardLoad *how;
    BoardFile *file;
    const Node *root;
    NameSet boards; /* board name -> index of its key in root */
    BoardExtends extends;
    BoardCtx ctx;
} Loader;

/* ---- the top level: board name -> board ---- */

static bool check_board_key(Loader *l, size_t i)
{
    BoardCtx *c = &l->ctx;
    const Node *key = l->root->kids[i], *value = l->root->kids[i + 1];
    size_t first;
    if (!name_set_add(&l->boards, key->text, i, &first)) {
        const Node *prev = l->root->kids[first];
        return board_fail(c, key, "duplicate board name '%s' (first at %u:%u)",
                          key->text, prev->line, prev->col);
    }
    char what[96];
    snprintf(what, sizeof what, "board '%s'", key->text);
    return board_check_name(c, key) && board_expect(c, value, NODE_MAP, what);
}

static bool check_top_level(Loader *l)
{
    BoardCtx *c = &l->ctx;
    const Node *root = l->root;
    if (root->kind == NODE_SCALAR && root->text[0] == '\0')
        return board_fail(c, root, "empty document");
    if (!board_expect(c, root, NODE_MAP, "the top level (board name -> board)"))
        return false;
    if (root->nkids == 0)
        return board_fail(c, root, "no boards defined");
    for (size_t i = 0; i < root->nkids; i += 2)
        if (!check_board_key(l, i))
            return false;
    return true;
}

/* ---- which boards ---- */

/* "a, b, c" (the first NAMES_SHOWN, then "... (N in all)"), malloc'd. */
static char *board_names(const Node *root)
{
    size_t n = root->nkids / 2, len = 64;
    for (size_t i = 0; i < n && i < NAMES_SHOWN; i++)
        len += strlen(root->kids[2 * i]->text) + 2;
    char *names = xcalloc(len, 1);
    for (size_t i = 0; i < n && i < NAMES_SHOWN; i++) {
        if (i)
            strcat(names, ", ");
        strcat(names, root->kids[2 * i]->text);
    }
    if (n > NAMES_SHOWN)
        snprintf(names + strlen(names), 64, ", ... (%zu in all)", n);
    return names;
}

/* The key index in root of the one board `how` selects. */
static bool find_selected(Loader *l, size_t *index)
{
    const char *name = l->how->board, *path = l->file->path;
    if (name ? name_set_find(&l->boards, name, index) : l->root->nkids == 2) {
        if (!name)
            *index = 0;
        return true;
    }
    char *names = board_names(l->root);
    if (name)
        error_setf(&l->ctx.err, "%s: no board '%s' (boards there: %s)", path,
                   name, names);
    else
        error_setf(&l->ctx.err, "%s: holds several boards (%s); name one as "
                   "%s:NAME", path, names, path);
    free(names);
    return false;
}

/* The board whose key is root->kids[index], resolved into *b. */
static bool resolve_board(Loader *l, size_t index, BoardDesc *b)
{
    const Node *key = l->root->kids[index], *value = l->root->kids[index + 1];
    Node *merged = board_extends_resolve(&l->extends, l->file->path, l->root,
                                         key, value, &l->ctx.err);
    bool ok = merged && board_convert(&l->ctx, b, key, merged);
    node_free(merged);
    return ok;
}

static bool resolve_boards(Loader *l)
{
    BoardFile *f = l->file;
    if (l->how->select) {
        size_t index;
        if (!find_selected(l, &index))
            return false;
        f->nboards = 1;
        f->boards = xcalloc(1, sizeof *f->boards);
        return resolve_board(l, index, &f->boards[0]);
    }
    f->nboards = l->root->nkids / 2;
    f->boards = xcalloc(f->nboards, sizeof *f->boards);
    for (size_t i = 0; i < f->nboards; i++)
        if (!resolve_board(l, 2 * i, &f->boards[i]))
            return false;
    return true;
}

/* ---- loading ---- */

BoardFile *board_file_parse_with(const char *path, const char *text,
                                 size_t len, const BoardLoad *how,
                                 Error **errp)
{
    static const BoardLoad every_board = { 0 };
    BoardLoadStats unused = { 0 };
    how = how ? how : &every_board;
    BoardLoadStats *stats = how->stats ? how->stats : &unused;
    BoardFile *file = xcalloc(1, sizeof *file);
    file->path = xstrdup(path);
    Loader l = {
        .how = how,
        .file = file,
        .boards = { .probes = &stats->name_probes },
        .extends = { .fallback_path = how->fallback, .index = &l.boards,
                     .stats = stats },
        .ctx = { .stats = stats, .models = how->models,
                 .names = { .probes = &stats->name_probes } },
    };
    Node *root = board_yaml_load(file->path, text, len, stats, &l.ctx.err);
    l.root = root;
    bool ok = root && check_top_level(&l) && resolve_boards(&l);
    node_free(root);
    name_set_free(&l.boards);
    name_set_free(&l.ctx.names);
    /* Locations may point into the files `extends:` opened. */
    board_extends_done(&l.extends, &file->extra_paths, &file->nextra_paths);
    if (ok)
        return file;
    board_file_free(file);
    error_propagate(errp, l.ctx.err);
    return NULL;
}

BoardFile *board_file_parse(const char *path, const char *text, size_t len,
                            Error **errp)
{
    return board_file_parse_with(path, text, len, NULL, errp);
}

BoardFile *board_file_load_with(const char *path, const BoardLoad *how,
                                Error **errp)
{
    size_t len;
    char *text = file_read_all(path, &len, errp);
    if (!text)
        return NULL;
    BoardFile *file = board_file_parse_with(path, text, len, how, errp);
    free(text);
    return file;
}

BoardFile *board_file_load(const char *path, Error **errp)
{
    return board_file_load_with(path, NULL, errp);
}
