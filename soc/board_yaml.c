/* Pass 1 of reading a board file: libyaml's event stream -> a tree of
 * Nodes (scalar, list, mapping) that remember the file, line and column
 * they start at. Syntax errors, anchors/aliases, non-scalar keys, NUL
 * characters, extra documents and deep nesting stop here; soc/board.c
 * walks the tree into Board* structs. Node lookups by key are linear scans
 * (node_map_get): the walk uses hash sets where a mapping may be long. */
#include "soc/board_node.h"
#include "soc/alloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#define MAX_DEPTH 32

typedef struct Ctx {
    const char *path;
    const char *text;
    size_t len;
    yaml_parser_t parser;
    Error *err;
    size_t *slots; /* BoardLoadStats.tree_slots */
} Ctx;

void node_free(Node *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->nkids; i++)
        node_free(n->kids[i]);
    free(n->kids);
    free(n->text);
    free(n);
}

const char *node_kind_name(const Node *n)
{
    if (n->kind == NODE_SCALAR)
        return n->is_null ? "nothing" : "a scalar";
    return n->kind == NODE_LIST ? "a list" : "a mapping";
}

const Node *node_map_get(const Node *map, const char *key)
{
    for (size_t i = 0; i + 1 < map->nkids; i += 2)
        if (strcmp(map->kids[i]->text, key) == 0)
            return map->kids[i + 1];
    return NULL;
}

/* ---- errors: each returns false so callers can `return fail(...)` ---- */

static bool fail_at(Ctx *c, unsigned line, unsigned col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static bool fail_at(Ctx *c, unsigned line, unsigned col, const char *fmt, ...)
{
    if (c->err)
        return false;
    va_list ap;
    va_start(ap, fmt);
    error_vsetf(&c->err, fmt, ap);
    va_end(ap);
    error_prepend(&c->err, "%s:%u:%u: ", c->path, line, col);
    return false;
}

#define fail(c, n, ...) fail_at((c), (n)->line, (n)->col, __VA_ARGS__)

/* ---- pass 1: libyaml events -> Node tree ---- */

/* Line and column (1-based, in characters) of a byte offset in the text. */
static void offset_to_line_col(const Ctx *c, size_t offset, unsigned *line,
                               unsigned *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < offset && i < c->len; i++) {
        unsigned char ch = (unsigned char)c->text[i];
        if (ch == '\n') {
            ++*line;
            *col = 1;
        } else if ((ch & 0xc0) != 0x80) {
            ++*col;
        }
    }
}

static bool syntax_error(Ctx *c)
{
    const yaml_parser_t *p = &c->parser;
    const char *problem = p->problem ? p->problem : "malformed YAML";
    unsigned line, col;
    if (p->error == YAML_MEMORY_ERROR)
        abort();
    if (p->error == YAML_READER_ERROR) {
        offset_to_line_col(c, p->problem_offset, &line, &col);
        if (p->problem_value != -1)
            return fail_at(c, line, col, "%s (0x%X)", problem,
                           (unsigned)p->problem_value);
        return fail_at(c, line, col, "%s", problem);
    }
    line = (unsigned)p->problem_mark.line + 1;
    col = (unsigned)p->problem_mark.column + 1;
    if (p->context)
        return fail_at(c, line, col, "%s (%s at %u:%u)", problem, p->context,
                       (unsigned)p->context_mark.line + 1,
                       (unsigned)p->context_mark.column + 1);
    return fail_at(c, line, col, "%s", problem);
}

static bool next_event(Ctx *c, yaml_event_t *ev)
{
    if (yaml_parser_parse(&c->parser, ev))
        return true;
    return syntax_error(c);
}

static Node *node_new(const Ctx *c, NodeKind kind, const yaml_event_t *ev)
{
    Node *n = xcalloc(1, sizeof *n);
    n->kind = kind;
    n->file = c->path;
    n->line = (unsigned)ev->start_mark.line + 1;
    n->col = (unsigned)ev->start_mark.column + 1;
    return n;
}

/* Doubling, so a mapping of n boards costs n copies in all, not n^2 / 2
 * (a realloc may copy, and under ASan always does). */
void node_push(Node *n, Node *kid)
{
    if (n->nkids == n->kids_cap) {
        n->kids_cap = n->kids_cap ? 2 * n->kids_cap : 4;
        n->kids = xrealloc(n->kids, n->kids_cap * sizeof *n->kids);
    }
    n->kids[n->nkids++] = kid;
}

static Node *load_node(Ctx *c, const yaml_event_t *ev, unsigned depth);

/* Loads the items of a list or mapping up to its end event. */
static bool load_children(Ctx *c, Node *n, yaml_event_type_t end,
                          unsigned depth)
{
    for (;;) {
        yaml_event_t ev;
        if (!next_event(c, &ev))
            return false;
        if (ev.type == end) {
            yaml_event_delete(&ev);
            return true;
        }
        Node *kid = load_node(c, &ev, depth + 1);
        yaml_event_delete(&ev);
        if (!kid)
            return false;
        size_t cap = n->kids_cap;
        node_push(n, kid);
        if (n->kids_cap != cap)
            *c->slots += n->kids_cap; /* what a growth may copy */
        if (n->kind == NODE_MAP && n->nkids % 2 == 1 && kid->kind != NODE_SCALAR)
            return fail(c, kid, "expected a scalar for a mapping key, found %s",
                        node_kind_name(kid));
    }
}

static Node *load_scalar(Ctx *c, const yaml_event_t *ev)
{
    const char *value = (const char *)ev->data.scalar.value;
    size_t len = ev->data.scalar.length;
    Node *n = node_new(c, NODE_SCALAR, ev);
    if (memchr(value, '\0', len)) {
        fail(c, n, "NUL character in a scalar");
        node_free(n);
        return NULL;
    }
    n->text = xstrdup(value);
    n->is_null = len == 0 && ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    return n;
}

static const yaml_char_t *event_anchor(const yaml_event_t *ev)
{
    switch (ev->type) {
    case YAML_SCALAR_EVENT: return ev->data.scalar.anchor;
    case YAML_SEQUENCE_START_EVENT: return ev->data.sequence_start.anchor;
    case YAML_MAPPING_START_EVENT: return ev->data.mapping_start.anchor;
    default: return NULL;
    }
}

/* Builds the node that starts with `ev` (the caller deletes `ev`). */
static Node *load_node(Ctx *c, const yaml_event_t *ev, unsigned depth)
{
    unsigned line = (unsigned)ev->start_mark.line + 1;
    unsigned col = (unsigned)ev->start_mark.column + 1;
    if (ev->type == YAML_ALIAS_EVENT || event_anchor(ev)) {
        fail_at(c, line, col, "YAML anchors and aliases are not supported");
        return NULL;
    }
    if (depth > MAX_DEPTH) {
        fail_at(c, line, col, "nesting deeper than %d levels", MAX_DEPTH);
        return NULL;
    }
    if (ev->type == YAML_SCALAR_EVENT)
        return load_scalar(c, ev);
    Node *n;
    if (ev->type == YAML_SEQUENCE_START_EVENT)
        n = node_new(c, NODE_LIST, ev);
    else if (ev->type == YAML_MAPPING_START_EVENT)
        n = node_new(c, NODE_MAP, ev);
    else {
        fail_at(c, line, col, "unexpected YAML event");
        return NULL;
    }
    yaml_event_type_t end = n->kind == NODE_LIST ? YAML_SEQUENCE_END_EVENT
                                                 : YAML_MAPPING_END_EVENT;
    if (!load_children(c, n, end, depth)) {
        node_free(n);
        return NULL;
    }
    return n;
}

/* Expects an event of `type` and drops it. */
static bool skip_event(Ctx *c, yaml_event_type_t type)
{
    yaml_event_t ev;
    if (!next_event(c, &ev))
        return false;
    bool ok = ev.type == type;
    if (!ok)
        fail_at(c, (unsigned)ev.start_mark.line + 1,
                (unsigned)ev.start_mark.column + 1,
                ev.type == YAML_DOCUMENT_START_EVENT
                    ? "only one YAML document is allowed"
                    : "unexpected YAML event");
    yaml_event_delete(&ev);
    return ok;
}

/* The document's root node; NULL (and an error) for an empty stream. */
static Node *load_document(Ctx *c)
{
    yaml_event_t ev;
    if (!skip_event(c, YAML_STREAM_START_EVENT) || !next_event(c, &ev))
        return NULL;
    if (ev.type != YAML_DOCUMENT_START_EVENT) {
        yaml_event_delete(&ev);
        fail_at(c, 1, 1, "empty document");
        return NULL;
    }
    yaml_event_delete(&ev);
    if (!next_event(c, &ev))
        return NULL;
    Node *root = load_node(c, &ev, 0);
    yaml_event_delete(&ev);
    if (root && skip_event(c, YAML_DOCUMENT_END_EVENT) &&
        skip_event(c, YAML_STREAM_END_EVENT))
        return root;
    node_free(root);
    return NULL;
}

static Node *load_tree(Ctx *c)
{
    if (!yaml_parser_initialize(&c->parser))
        abort();
    yaml_parser_set_input_string(&c->parser, (const unsigned char *)c->text,
                                 c->len);
    Node *root = load_document(c);
    yaml_parser_delete(&c->parser);
    return root;
}

Node *board_yaml_load(const char *path, const char *text, size_t len,
                      BoardLoadStats *stats, Error **errp)
{
    Ctx c = { .path = path, .text = text ? text : "", .len = len,
              .slots = &stats->tree_slots };
    stats->files_parsed++;
    Node *root = load_tree(&c);
    if (!root)
        error_propagate(errp, c.err);
    return root;
}
