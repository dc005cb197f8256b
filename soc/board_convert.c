/* A board's node tree (extends merged) -> BoardDesc: the key tables of the
 * board, its cpu, memory entries, peripherals and host services
 * (docs/BOARDS.md documents every key). */
#include "soc/board_internal.h"
#include "soc/alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- cpu ---- */

static bool cpu_isa(BoardCtx *c, void *obj, const KeySpec *ks,
                    const Node *key, const Node *value)
{
    BoardCpu *cpu = obj;
    cpu->isa_loc = node_loc(value);
    return board_set_nonempty_text(c, obj, ks, key, value);
}

static bool cpu_reset_pc(BoardCtx *c, void *obj, const KeySpec *ks,
                         const Node *key, const Node *value)
{
    (void)ks;
    BoardCpu *cpu = obj;
    uint64_t pc;
    if (!board_parse_addr32(c, key, value, &pc))
        return false;
    cpu->reset_pc = (uint32_t)pc;
    cpu->has_reset_pc = 1;
    cpu->reset_pc_loc = node_loc(value);
    return true;
}

static bool cpu_misaligned(BoardCtx *c, void *obj, const KeySpec *ks,
                           const Node *key, const Node *value)
{
    (void)ks;
    BoardCpu *cpu = obj;
    if (!board_scalar_value(c, key, value))
        return false;
    if (strcmp(value->text, "trap") == 0 || strcmp(value->text, "emulate") == 0) {
        cpu->emulate_misaligned = strcmp(value->text, "emulate") == 0;
        return true;
    }
    return board_fail(c, value, "unknown misaligned policy '%s' (expected trap "
                      "or emulate)", value->text);
}

static const KeySpec cpu_keys[] = {
    KEY("isa", cpu_isa, offsetof(BoardCpu, isa), false),
    KEY("frequency", board_set_nonzero_u64, offsetof(BoardCpu, frequency_hz), false),
    KEY("reset_pc", cpu_reset_pc, 0, false),
    KEY("misaligned", cpu_misaligned, 0, false),
    KEY_UPTO("mvendorid", BoardCpu, mvendorid, UINT32_MAX),
    KEY_UPTO("marchid", BoardCpu, marchid, UINT32_MAX),
    KEY_UPTO("mimpid", BoardCpu, mimpid, UINT32_MAX),
    KEY_UPTO("pmp_entries", BoardCpu, pmp_entries, BOARD_PMP_MAX),
    KEY_UPTO("triggers", BoardCpu, triggers, BOARD_TRIGGERS_MAX),
};
static const MapSpec cpu_spec = { "cpu", cpu_keys, ARRAY_LEN(cpu_keys), NULL };

bool board_set_cpu(BoardCtx *c, BoardCpu *cpu, const Node *key,
                   const Node *value)
{
    return board_apply_key(c, &cpu_spec, cpu, key, value);
}

static bool board_cpu(BoardCtx *c, void *obj, const KeySpec *ks,
                      const Node *key, const Node *value)
{
    (void)ks, (void)key;
    BoardDesc *b = obj;
    if (!board_expect(c, value, NODE_MAP, "'cpu'"))
        return false;
    b->cpu.loc = node_loc(value);
    b->cpu.isa_loc = b->cpu.loc;
    return board_walk_mapping(c, value, &cpu_spec, &b->cpu);
}

/* ---- memory ---- */

static bool mem_type(BoardCtx *c, void *obj, const KeySpec *ks,
                     const Node *key, const Node *value)
{
    (void)ks;
    static const char *const names[] = {
        [BOARD_MEM_RAM] = "ram", [BOARD_MEM_ROM] = "rom",
        [BOARD_MEM_FLASH] = "flash",
    };
    BoardMemory *m = obj;
    if (!board_scalar_value(c, key, value))
        return false;
    for (size_t i = 0; i < ARRAY_LEN(names); i++) {
        if (strcmp(value->text, names[i]) == 0) {
            m->kind = (BoardMemoryKind)i;
            return true;
        }
    }
    return board_fail(c, value, "unknown memory type '%s' (expected ram, rom "
                      "or flash)", value->text);
}

/* The image path is relative to the board file it is written in (which,
 * with extends, may not be the file being loaded). */
static bool mem_image(BoardCtx *c, void *obj, const KeySpec *ks,
                      const Node *key, const Node *value)
{
    (void)ks;
    BoardMemory *m = obj;
    if (!board_scalar_value(c, key, value))
        return false;
    if (!value->text[0])
        return board_fail(c, value, "'image' must name a file");
    free(m->image);
    m->image = board_sibling_path(value->file, value->text);
    m->image_loc = node_loc(value);
    return true;
}

static const KeySpec mem_keys[] = {
    KEY("name", board_set_name, offsetof(BoardMemory, name), true),
    KEY("type", mem_type, 0, true),
    KEY("base", board_set_addr32, offsetof(BoardMemory, base), true),
    KEY("size", board_set_u64, offsetof(BoardMemory, size), true),
    KEY("image", mem_image, 0, false),
};
static const MapSpec mem_spec = { "memory entry", mem_keys,
                                  ARRAY_LEN(mem_keys), NULL };

/* Where the value of `key` stands in `entry`; `absent` when it is not
 * there. */
static SourceLoc value_loc(const Node *entry, const char *key,
                           const SourceLoc *absent)
{
    const Node *value = node_map_get(entry, key);
    return value ? node_loc(value) : *absent;
}

static bool memory_entry(BoardCtx *c, const Node *entry, size_t i)
{
    BoardMemory *m = &c->board->memories[i];
    m->loc = node_loc(entry);
    if (!board_walk_mapping(c, entry, &mem_spec, m))
        return false;
    m->base_loc = value_loc(entry, "base", &m->loc);
    m->size_loc = value_loc(entry, "size", &m->loc);
    return board_check_range(c, node_map_get(entry, "size"), "memory",
                             m->name, m->base, m->size) &&
           board_check_unique_name(c, entry, false, i);
}

static bool board_memory(BoardCtx *c, void *obj, const KeySpec *ks,
                         const Node *key, const Node *value)
{
    (void)ks;
    BoardDesc *b = obj;
    if (value->kind == NODE_LIST) {
        b->nmemories = value->nkids;
        b->memories = xcalloc(value->nkids, sizeof *b->memories);
    }
    return board_walk_list(c, key, value, "memory entry", memory_entry) &&
           board_check_overlaps(c);
}

/* ---- peripherals ---- */

static bool periph_type(BoardCtx *c, void *obj, const KeySpec *ks,
                        const Node *key, const Node *value)
{
    BoardPeripheral *p = obj;
    p->type_loc = node_loc(value);
    return board_set_nonempty_text(c, obj, ks, key, value);
}

/* Any key not in periph_keys: a property with a scalar value. */
static bool periph_prop(BoardCtx *c, void *obj, const KeySpec *ks,
                        const Node *key, const Node *value)
{
    (void)ks; /* NULL: the key is not in periph_keys */
    BoardPeripheral *p = obj;
    char what[96];
    snprintf(what, sizeof what, "property '%s'", key->text);
    if (!board_expect(c, value, NODE_SCALAR, what))
        return false;
    BoardProp *prop = &p->props[p->nprops++];
    prop->key = xstrdup(key->text);
    prop->value = xstrdup(value->text);
    prop->loc = node_loc(value);
    return true;
}

/* `irq` is wired once the whole entry (its type) is known. */
static bool periph_irq_later(BoardCtx *c, void *obj, const KeySpec *ks,
                             const Node *key, const Node *value)
{
    (void)c, (void)obj, (void)ks, (void)key, (void)value;
    return true;
}

static const KeySpec periph_keys[] = {
    KEY("name", board_set_name, offsetof(BoardPeripheral, name), true),
    KEY("type", periph_type, offsetof(BoardPeripheral, type), true),
    KEY("base", board_set_addr32, offsetof(BoardPeripheral, base), true),
    KEY("size", board_set_u64, offsetof(BoardPeripheral, size), false),
    KEY("irq", periph_irq_later, 0, false),
};
static const MapSpec periph_spec = { "peripheral", periph_keys,
                                     ARRAY_LEN(periph_keys), periph_prop };

/* A size of 0 (or none) is the model's default, which the machine checks
 * where it places it. */
static bool periph_range(BoardCtx *c, const Node *entry,
                         const BoardPeripheral *p)
{
    if (p->size == 0)
        return true;
    return board_check_range(c, node_map_get(entry, "size"), "peripheral",
                             p->name, p->base, p->size);
}

static bool peripheral_entry(BoardCtx *c, const Node *entry, size_t i)
{
    BoardPeripheral *p = &c->board->peripherals[i];
    p->loc = node_loc(entry);
    p->irq_loc = p->loc;
    p->props = xcalloc(entry->nkids / 2, sizeof *p->props);
    if (!board_walk_mapping(c, entry, &periph_spec, p))
        return false;
    p->base_loc = value_loc(entry, "base", &p->loc);
    p->size_loc = value_loc(entry, "size", &p->loc);
    return periph_range(c, entry, p) &&
           board_irq_wire(c, p, node_map_get(entry, "irq")) &&
           board_check_unique_name(c, entry, true, i);
}

static bool board_peripherals(BoardCtx *c, void *obj, const KeySpec *ks,
                              const Node *key, const Node *value)
{
    (void)ks;
    BoardDesc *b = obj;
    if (value->kind == NODE_LIST) {
        b->nperipherals = value->nkids;
        b->peripherals = xcalloc(value->nkids, sizeof *b->peripherals);
    }
    return board_walk_list(c, key, value, "peripheral", peripheral_entry);
}

/* ---- host services: `host: [newlib, htif]`, `host: semihosting`,
 * `host: none` or `host: []` ---- */

unsigned board_host_service(const char *name)
{
    static const struct {
        const char *name;
        unsigned bit;
    } services[] = {
        { "newlib", BOARD_HOST_NEWLIB },
        { "semihosting", BOARD_HOST_SEMIHOSTING },
        { "htif", BOARD_HOST_HTIF },
    };
    for (size_t i = 0; i < ARRAY_LEN(services); i++)
        if (strcmp(name, services[i].name) == 0)
            return services[i].bit;
    return 0;
}

static bool host_entry(BoardCtx *c, BoardDesc *b, const Node *n)
{
    unsigned bit = board_host_service(n->text);
    if (!bit)
        return board_fail(c, n, "unknown host service '%s' (expected newlib, "
                          "semihosting or htif)", n->text);
    if (b->host & bit)
        return board_fail(c, n, "host service '%s' named twice", n->text);
    b->host |= bit;
    return true;
}

static bool board_host(BoardCtx *c, void *obj, const KeySpec *ks,
                       const Node *key, const Node *value)
{
    (void)ks, (void)key;
    BoardDesc *b = obj;
    b->host = 0;
    b->host_loc = node_loc(value);
    if (value->kind == NODE_SCALAR && strcmp(value->text, "none") == 0)
        return true;
    if (value->kind == NODE_SCALAR && !value->is_null)
        return host_entry(c, b, value);
    if (value->kind != NODE_LIST)
        return board_fail(c, value, "expected a list of host services (newlib, "
                          "semihosting, htif) or none for 'host', found %s",
                          node_kind_name(value));
    for (size_t i = 0; i < value->nkids; i++)
        if (!board_expect(c, value->kids[i], NODE_SCALAR, "a 'host' entry") ||
            !host_entry(c, b, value->kids[i]))
            return false;
    return true;
}

/* ---- the board ---- */

static const KeySpec board_keys[] = {
    KEY("description", board_set_text, offsetof(BoardDesc, description), false),
    KEY("cpu", board_cpu, 0, false),
    KEY("memory", board_memory, 0, false),
    KEY("peripherals", board_peripherals, 0, false),
    KEY("host", board_host, 0, false),
};
static const MapSpec board_spec = { "board", board_keys,
                                    ARRAY_LEN(board_keys), NULL };

static void set_defaults(BoardDesc *b, const Node *key)
{
    b->name = xstrdup(key->text);
    b->loc = node_loc(key);
    b->description = xstrdup("");
    b->cpu.isa = xstrdup("rv32imac");
    b->cpu.frequency_hz = 10000000;
    b->cpu.pmp_entries = BOARD_PMP_MAX;
    b->cpu.triggers = 2; /* as QEMU's virt */
    b->cpu.loc = b->loc;
    b->cpu.isa_loc = b->loc;
    b->cpu.reset_pc_loc = b->loc;
    b->host_loc = b->loc;
}

bool board_convert(BoardCtx *c, BoardDesc *b, const Node *key,
                   const Node *value)
{
    set_defaults(b, key);
    c->board = b;
    name_set_free(&c->names);
    bool ok = board_walk_mapping(c, value, &board_spec, b);
    name_set_free(&c->names);
    return ok;
}
