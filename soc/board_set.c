/* Command-line overrides of a loaded board: `--set TARGET.KEY=VALUE`.
 *
 *   cpu.isa=rv32imc  cpu.frequency=16000000  cpu.reset_pc=0x20010000
 *   cpu.misaligned=emulate  cpu.pmp_entries=8  (every key of `cpu:`)
 *   MEMORY.base=...  MEMORY.size=...  MEMORY.image=PATH (from the current
 *   folder)
 *   PERIPHERAL.base=...  PERIPHERAL.size=...  PERIPHERAL.PROPERTY=VALUE
 *
 * The key and the value become nodes located at "--set:N:COL" (N counts
 * the --set options, COL the column in the argument), and go through the
 * handlers and checks a board file's do: the same messages, the same
 * range check (memory_range_check) for a new base or size. Interrupt
 * wiring, types and names are not settable here (write a board that
 * extends the other).
 */
#include "soc/board.h"
#include "soc/alloc.h"
#include "soc/board_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool set_prop(BoardPeripheral *p, const Node *key, const Node *value)
{
    SourceLoc loc = node_loc(value);
    for (size_t i = 0; i < p->nprops; i++) {
        if (strcmp(p->props[i].key, key->text) == 0) {
            free(p->props[i].value);
            p->props[i].value = xstrdup(value->text);
            p->props[i].loc = loc;
            return true;
        }
    }
    p->props = xrealloc(p->props, (p->nprops + 1) * sizeof *p->props);
    p->props[p->nprops++] = (BoardProp){ xstrdup(key->text),
                                         xstrdup(value->text), loc };
    return true;
}

/* base or size of a memory or peripheral, and where it was set (for the
 * machine's errors about it). */
static bool set_place(BoardCtx *c, const Node *key, const Node *value,
                      uint64_t *base, SourceLoc *base_loc, uint64_t *size,
                      SourceLoc *size_loc)
{
    bool is_base = strcmp(key->text, "base") == 0;
    if (!(is_base ? board_parse_addr32(c, key, value, base)
                  : board_parse_number(c, key, value, size)))
        return false;
    *(is_base ? base_loc : size_loc) = node_loc(value);
    return true;
}

/* `image` from the command line: a path as given (relative to the
 * current folder, not to a board file). */
static bool set_image(BoardCtx *c, BoardMemory *m, const Node *value)
{
    if (!*value->text)
        return board_fail(c, value, "'image' must name a file");
    free(m->image);
    m->image = xstrdup(value->text);
    m->image_loc = node_loc(value);
    return true;
}

static bool set_memory(BoardCtx *c, BoardMemory *m, const Node *key,
                       const Node *value)
{
    if (strcmp(key->text, "image") == 0)
        return set_image(c, m, value);
    if (strcmp(key->text, "base") != 0 && strcmp(key->text, "size") != 0)
        return board_fail(c, key, "a memory's '%s' cannot be changed from the "
                          "command line (base, size and image can)", key->text);
    return set_place(c, key, value, &m->base, &m->base_loc, &m->size,
                     &m->size_loc) &&
           board_check_range(c, value, "memory", m->name, m->base, m->size);
}

static bool set_peripheral(BoardCtx *c, BoardPeripheral *p, const Node *key,
                           const Node *value)
{
    const char *k = key->text;
    if (strcmp(k, "base") == 0 || strcmp(k, "size") == 0)
        return set_place(c, key, value, &p->base, &p->base_loc, &p->size,
                         &p->size_loc) &&
               (p->size == 0 || /* the model's default: the machine checks */
                board_check_range(c, value, "peripheral", p->name, p->base,
                                  p->size));
    if (strcmp(k, "irq") == 0 || strcmp(k, "type") == 0 ||
        strcmp(k, "name") == 0)
        return board_fail(c, key, "'%s' cannot be changed from the command "
                          "line (write a board that extends this one)", k);
    return set_prop(p, key, value);
}

static bool apply(BoardCtx *c, BoardDesc *b, const Node *target,
                  const Node *key, const Node *value)
{
    if (strcmp(target->text, "cpu") == 0)
        return board_set_cpu(c, &b->cpu, key, value);
    for (size_t i = 0; i < b->nmemories; i++)
        if (strcmp(b->memories[i].name, target->text) == 0)
            return set_memory(c, &b->memories[i], key, value);
    for (size_t i = 0; i < b->nperipherals; i++)
        if (strcmp(b->peripherals[i].name, target->text) == 0)
            return set_peripheral(c, &b->peripherals[i], key, value);
    return board_fail(c, target, "board '%s' has no cpu, memory or peripheral "
                      "named '%s'", b->name, target->text);
}

/* A scalar node for `len` bytes of the argument at `at`. */
static Node arg_node(const char *assignment, const char *at, size_t len,
                     unsigned index)
{
    Node n = { .kind = NODE_SCALAR, .file = BOARD_SET_FILE, .line = index,
               .col = (unsigned)(at - assignment) + 1 };
    n.text = memcpy(xcalloc(len + 1, 1), at, len);
    return n;
}

bool board_apply_set(BoardDesc *b, const char *assignment, unsigned index,
                     Error **errp)
{
    const char *dot = strchr(assignment, '.');
    const char *eq = strchr(assignment, '=');
    if (!dot || !eq || dot > eq || dot == assignment || eq == dot + 1) {
        error_setf(errp, "--set:%u:1: expected TARGET.KEY=VALUE (e.g. "
                   "uart0.chardev=null), not '%s'", index, assignment);
        return false;
    }
    Node target = arg_node(assignment, assignment, (size_t)(dot - assignment),
                           index);
    Node key = arg_node(assignment, dot + 1, (size_t)(eq - dot - 1), index);
    Node value = arg_node(assignment, eq + 1, strlen(eq + 1), index);
    BoardLoadStats unused = { 0 };
    BoardCtx c = { .board = b, .stats = &unused };
    bool ok = apply(&c, b, &target, &key, &value);
    free(target.text);
    free(key.text);
    free(value.text);
    if (!ok)
        error_propagate(errp, c.err);
    return ok;
}
