/* The monitor language (sim/monitor.h): one command table, one parser.
 *
 * A line is split into words first (sim/monitor_words.c), then the
 * longest command name whose words match the leading unquoted words picks
 * the row. The words after the name are the row's arguments, up to
 * max_args, then, for rows that take them, `key=value` properties (a word
 * with an unquoted `=`). Everything is checked before anything is done:
 * a malformed command prints one "error: ..." line naming what was wrong
 * and the usage, and changes nothing; a refused one prints the machine's
 * message, which names the rule.
 *
 * To add a command: a handler `bool fn(Call *)` and a row in `commands`.
 */
#include "sim/monitor_internal.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "peripherals/bus_device.h"
#include "soc/alloc.h"
#include "soc/device.h"

struct Monitor {
    MonitorContext ctx;
    SnapshotStore *snapshots; /* `snapshot save NAME` (sim/monitor_snapshot.c) */
};

/* ---- the commands ---- */

static Machine *machine_of(Call *c)
{
    return c->ctx->machine;
}

static bool cmd_help(Call *c);

static bool cmd_info_mtree(Call *c)
{
    mon_put_text(c->out, memory_tree(c->ctx->ms));
    return true;
}

static bool cmd_info_peripherals(Call *c)
{
    mon_put_text(c->out, machine_describe(machine_of(c)));
    return true;
}

static bool cmd_info_irq(Call *c)
{
    mon_put_text(c->out, machine_describe_irqs(machine_of(c)));
    return true;
}

/* Devices behind bus controllers (peripherals/bus_device.h), after the
 * machine's models. */
static char *describe_bus_devices(void)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    if (!out)
        abort(); /* out of memory */
    for (size_t i = 0; i < bus_device_count(); i++) {
        const BusDeviceClass *cls = bus_device_at(i);
        fprintf(out, "%s: %s\n  behind an %s controller, as its property value "
                "\"%s KEY=VALUE ...\"\n", cls->type, cls->description, cls->bus,
                cls->type);
        for (const DeviceProperty *d = cls->properties; d && d->name; d++)
            fprintf(out, "  %-20s %s%s\n", d->name, d->help, d->live ? " (live)" : "");
    }
    fclose(out);
    return text;
}

static bool cmd_info_types(Call *c)
{
    mon_put_text(c->out, machine_describe_types(machine_of(c)));
    mon_put_text(c->out, describe_bus_devices());
    return true;
}

/* memory_audit, then the wiring's: "audit: ok" or the first violation. */
static bool cmd_audit(Call *c)
{
    Error *err = NULL;
    if (!memory_audit(c->ctx->ms, &err)) {
        mon_fail(c, "memory audit: %s", err ? error_message(err) : "failed");
        error_free(err);
        return false;
    }
    if (!machine_audit(machine_of(c), &err))
        return mon_refused(c, err); /* "wiring audit: ..." */
    fputs("audit: ok\n", c->out);
    return true;
}

static bool cmd_stats(Call *c)
{
    const MonitorContext *x = c->ctx;
    if (x->stats) {
        mon_put_text(c->out, x->stats(x->opaque));
        return true;
    }
    fprintf(c->out, "instructions: %llu\ncycles: %llu\n",
            (unsigned long long)cpu_instructions_retired(x->cpu),
            (unsigned long long)cpu_cycles(x->cpu));
    return true;
}

static bool cmd_reset(Call *c)
{
    const MonitorContext *x = c->ctx;
    if (x->reset)
        x->reset(x->opaque);
    else
        cpu_reset(x->cpu);
    fprintf(c->out, "reset; pc = 0x%08x\n", (unsigned)cpu_get_pc(x->cpu));
    return true;
}

static bool cmd_peripheral_add(Call *c)
{
    EntryOptions o = {0};
    uint64_t base;
    bool ok = mon_check_name(c, &c->args[0]) && mon_parse_base(c, &c->args[2], &base) &&
              mon_parse_options(c, &o);
    if (ok) {
        BoardPeripheral entry = mon_entry_from(c, &o);
        entry.base = base;
        entry.base_loc = mon_loc_at(c->args[2].col);
        Error *err = NULL;
        ok = machine_add_peripheral(machine_of(c), &entry, &err) || mon_refused(c, err);
        if (ok)
            fprintf(c->out, "added %s (%s) at 0x%08llx\n", entry.name, entry.type,
                    (unsigned long long)base);
    }
    mon_entry_options_free(&o);
    return ok;
}

static bool cmd_peripheral_remove(Call *c)
{
    bool force = c->nargs == 2;
    if (force && !mon_word_is(&c->args[1], "--force"))
        return mon_malformed(c, "expected --force, found '%s' at column %u", SHOW(&c->args[1]),
                         c->args[1].col);
    Error *err = NULL;
    if (!machine_remove_peripheral(machine_of(c), c->args[0].text, force, &err))
        return mon_refused(c, err);
    fprintf(c->out, "removed %s\n", c->args[0].text);
    return true;
}

static SourceLoc kept_loc(Call *c, SourceLoc loc)
{
    if (loc.file)
        loc.file = mon_keep(c, loc.file, strlen(loc.file));
    return loc;
}

/* The old entry's wiring, copied (the machine drops the old entry). */
static void keep_wiring(Call *c, const BoardPeripheral *old, BoardPeripheral *entry,
                        IrqList *l)
{
    for (size_t i = 0; i < old->nirqs; i++) {
        const BoardIrq *irq = &old->irqs[i];
        mon_add_sink_line(c, l, irq->target, strlen(irq->target), irq->input,
                      irq->input ? strlen(irq->input) : 0, irq->line, 0);
        l->irqs[l->n - 1].loc = kept_loc(c, irq->loc);
    }
    entry->irqs = l->irqs;
    entry->nirqs = l->n;
    entry->irq_loc = kept_loc(c, old->irq_loc);
}

static bool class_knows(const PeripheralClass *cls, const char *key)
{
    for (const DeviceProperty *p = cls && cls->properties ? cls->properties : NULL;
         p && p->name; p++)
        if (strcmp(p->name, key) == 0)
            return true;
    return false;
}

/* The old values of the properties the new model knows and the command
 * did not give. */
static void keep_props(Call *c, const BoardPeripheral *old, EntryOptions *o,
                       BoardPeripheral *entry)
{
    const PeripheralClass *cls =
        device_registry_find(machine_registry(machine_of(c)), entry->type);
    for (size_t i = 0; i < old->nprops; i++) {
        const BoardProp *p = &old->props[i];
        if (class_knows(cls, p->key) && !mon_has_prop(o->props, o->nprops, p->key))
            mon_add_prop(c, o, p->key, p->value, kept_loc(c, p->loc));
    }
    entry->props = o->props;
    entry->nprops = o->nprops;
}

/* Same name and base; wiring kept unless irq= is given; size kept when
 * the type is; properties the new model knows kept unless given. */
static bool replace(Call *c, const BoardPeripheral *old, EntryOptions *o)
{
    BoardPeripheral entry = mon_entry_from(c, o);
    IrqList wiring = {0};
    entry.base = old->base;
    entry.base_loc = kept_loc(c, old->base_loc);
    if (!o->has_size && strcmp(old->type, entry.type) == 0) {
        entry.size = old->size;
        entry.size_loc = kept_loc(c, old->size_loc);
    }
    if (!o->has_irq)
        keep_wiring(c, old, &entry, &wiring);
    keep_props(c, old, o, &entry);
    Error *err = NULL;
    bool ok = machine_replace_peripheral(machine_of(c), &entry, &err) || mon_refused(c, err);
    if (ok)
        fprintf(c->out, "replaced %s by %s at 0x%08llx\n", entry.name, entry.type,
                (unsigned long long)entry.base);
    free(wiring.irqs);
    return ok;
}

static bool cmd_peripheral_replace(Call *c)
{
    const Word *name = &c->args[0];
    const BoardPeripheral *old = machine_find_peripheral(machine_of(c), name->text);
    if (!old)
        return mon_fail(c, "no peripheral named '%s'", SHOW(name));
    EntryOptions o = {0};
    bool ok = mon_parse_options(c, &o) && replace(c, old, &o);
    mon_entry_options_free(&o);
    return ok;
}

static bool cmd_peripheral_move(Call *c)
{
    uint64_t base;
    if (!mon_parse_base(c, &c->args[1], &base))
        return false;
    Error *err = NULL;
    if (!machine_move(machine_of(c), c->args[0].text, base,
                      cpu_get_pc(c->ctx->cpu), &err))
        return mon_refused(c, err);
    fprintf(c->out, "moved %s to 0x%08llx\n", c->args[0].text, (unsigned long long)base);
    return true;
}

static bool cmd_peripheral_set(Call *c)
{
    const Word *name = &c->args[0], *key = &c->args[1], *value = &c->args[2];
    Error *err = NULL;
    if (!machine_set_property(machine_of(c), name->text, key->text, value->text, &err))
        return mon_refused(c, err);
    fprintf(c->out, "%s: %s = ", name->text, key->text);
    mon_put_escaped(c->out, value->text, value->len, true);
    fputc('\n', c->out);
    return true;
}

static bool cmd_peripheral_power(Call *c)
{
    const Word *state = &c->args[1];
    bool on = mon_word_is(state, "on");
    if (!on && !mon_word_is(state, "off"))
        return mon_malformed(c, "expected on or off, found '%s' at column %u", SHOW(state),
                         state->col);
    Error *err = NULL;
    if (!machine_power(machine_of(c), c->args[0].text, on, &err))
        return mon_refused(c, err);
    fprintf(c->out, "%s: powered %s\n", c->args[0].text, on ? "on" : "off");
    return true;
}

static bool is_board_file(const char *spec)
{
    return strstr(spec, ".yaml") || strstr(spec, ".yml") || strchr(spec, '/');
}

/* FILE[:NAME] as --board reads it, or a shipped board's name. */
static BoardFile *load_board(Call *c, const Word *w, Error **errp)
{
    char *path = mon_keep(c, w->text, w->len);
    const char *name = path;
    if (is_board_file(path)) {
        char *colon = strrchr(path, ':');
        name = NULL;
        if (colon && !strchr(colon, '/') && !strstr(colon, ".yaml") &&
            !strstr(colon, ".yml")) {
            *colon = '\0';
            name = colon + 1;
        }
    } else if (c->ctx->boards_fallback) {
        path = mon_keep(c, c->ctx->boards_fallback, strlen(c->ctx->boards_fallback));
    } else {
        error_setf(errp, "'%s' is no board file (FILE.yaml[:NAME]) and there are no "
                   "shipped boards", path);
        return NULL;
    }
    /* BoardModels has no opaque to reach machine_registry(m) through: the
     * machine checks each peripheral's line count itself. */
    BoardLoad how = {.fallback = c->ctx->boards_fallback, .select = true, .board = name};
    return board_file_load_with(path, &how, errp);
}

static bool cmd_board_apply(Call *c)
{
    Error *err = NULL;
    BoardFile *file = load_board(c, &c->args[0], &err);
    if (!file)
        return mon_refused(c, err);
    char *summary = NULL;
    bool ok = machine_apply_board(machine_of(c), &file->boards[0],
                                  cpu_get_pc(c->ctx->cpu), &summary, &err);
    board_file_free(file);
    if (!ok)
        return mon_refused(c, err);
    if (summary && *summary) {
        mon_put_text(c->out, summary);
        return true;
    }
    fputs("board apply: nothing to change\n", c->out);
    free(summary);
    return true;
}

/* No such peripheral, or powered off: said before the hook is asked. */
static bool check_live(Call *c, const Word *name)
{
    if (!machine_find_peripheral(machine_of(c), name->text))
        return mon_fail(c, "no peripheral named '%s'", SHOW(name));
    if (!machine_peripheral_powered(machine_of(c), name->text))
        return mon_fail(c, "'%s' is powered off", name->text);
    return true;
}

static bool cmd_uart(Call *c)
{
    const Word *name = &c->args[0], *verb = &c->args[1], *text = &c->args[2];
    const MonitorContext *x = c->ctx;
    if (mon_word_is(verb, "read") && c->nargs == 3)
        return mon_malformed(c, "unexpected '%s' at column %u", SHOW(text), text->col);
    if (mon_word_is(verb, "read"))
        return mon_uart_read(c);
    if (!mon_word_is(verb, "send"))
        return mon_malformed(c, "expected send or read, found '%s' at column %u", SHOW(verb),
                             verb->col);
    if (c->nargs < 3)
        return mon_malformed(c, "missing \"TEXT\"");
    if (!x->uart_send)
        return mon_fail(c, "uart: no serial input on this target");
    if (!check_live(c, name))
        return false;
    Error *err = NULL;
    if (!x->uart_send(x->opaque, name->text, (const uint8_t *)text->text, text->len, &err))
        return mon_refused(c, err);
    fprintf(c->out, "%s: queued %zu byte%s\n", name->text, text->len,
            text->len == 1 ? "" : "s");
    return true;
}

static bool cmd_gpio(Call *c)
{
    const Word *name = &c->args[0], *level = &c->args[2];
    uint64_t pin;
    if (!mon_parse_number(c, &c->args[1], "PIN", &pin))
        return false;
    bool high = mon_word_is(level, "1");
    if (!high && !mon_word_is(level, "0"))
        return mon_malformed(c, "expected 0 or 1, found '%s' at column %u", SHOW(level),
                         level->col);
    if (pin > UINT32_MAX)
        return mon_malformed(c, "pin %s at column %u is too large", SHOW(&c->args[1]),
                         c->args[1].col);
    Error *err = NULL;
    if (!machine_set_input(machine_of(c), name->text, (unsigned)pin, high, &err))
        return mon_refused(c, err);
    fprintf(c->out, "%s: pin %llu = %d\n", name->text, (unsigned long long)pin, high);
    return true;
}

/* ---- run control: filled in, done by the caller ---- */

static bool cmd_stop(Call *c)
{
    c->request->action = MONITOR_ACT_STOP;
    return true;
}

static bool cmd_cont(Call *c)
{
    c->request->action = MONITOR_ACT_CONT;
    return true;
}

static bool cmd_step(Call *c)
{
    uint64_t n = 1;
    if (c->nargs && !mon_parse_number(c, &c->args[0], "N", &n))
        return false;
    if (n == 0)
        return mon_malformed(c, "step 0 does nothing: N must be at least 1");
    *c->request = (MonitorRequest){.action = MONITOR_ACT_STEP, .count = n};
    return true;
}

static bool cmd_run_for(Call *c)
{
    uint64_t count;
    bool insns;
    if (!mon_parse_duration(c, &c->args[0], &count, &insns))
        return false;
    *c->request = (MonitorRequest){.action = MONITOR_ACT_RUN_FOR, .count = count,
                                   .count_is_insns = insns};
    return true;
}

static bool cmd_quit(Call *c)
{
    uint64_t status = 0;
    if (c->nargs && !mon_parse_number(c, &c->args[0], "STATUS", &status))
        return false;
    if (status > 255)
        return mon_malformed(c, "exit status %llu is above 255", (unsigned long long)status);
    *c->request = (MonitorRequest){.action = MONITOR_ACT_QUIT, .status = (int)status,
                                   .has_status = c->nargs > 0};
    return true;
}

static bool cmd_info_state(Call *c)
{
    c->request->action = MONITOR_ACT_STATE;
    return true;
}

/* ---- the table ---- */

static const Command commands[] = {
    {"help", "[COMMAND]", "list the commands, or how to use one", NULL,
     0, 3, false, 0, FROM_ANY, NULL, cmd_help},
    {"info mtree", "", "the memory tree and the flat view", NULL,
     0, 0, false, 0, FROM_ANY, NULL, cmd_info_mtree},
    {"info peripherals", "", "the live memories and peripherals: type, range, wiring", NULL,
     0, 0, false, 0, FROM_ANY, NULL, cmd_info_peripherals},
    {"info irq", "", "every interrupt connection and its level", NULL,
     0, 0, false, 0, FROM_ANY, NULL, cmd_info_irq},
    {"info types", "", "the device models and their properties", NULL,
     0, 0, false, 0, FROM_ANY, NULL, cmd_info_types},
    {"audit", "", "check the memory system's and the wiring's rules", NULL,
     0, 0, false, 0, FROM_ANY, NULL, cmd_audit},
    {"stats", "", "instructions retired and time", NULL,
     0, 0, false, 0, FROM_ANY, NULL, cmd_stats},
    {"reset", "", "reset the devices and the hart", NULL,
     0, 0, false, 0, FROM_ANY, NULL, cmd_reset},
    {"peripheral add", "NAME TYPE @BASE [size=N] [irq=SINK[,SINK...]] [key=value ...]",
     "build a peripheral of model TYPE and map it at BASE",
     "SINK: cpu.INPUT, TARGET.N or TARGET.N-M, one line per output in order\n"
     "numbers as in board files: 0x1000, 4K, 0b101, 1_000",
     3, 3, true, 0, FROM_ANY, NULL, cmd_peripheral_add},
    {"peripheral remove", "NAME [--force]", "unmap and drop a peripheral",
     "--force: even when another device shows it through an alias (a remap\n"
     "controller's window), which then shows nothing",
     1, 2, false, 0, FROM_ANY, NULL, cmd_peripheral_remove},
    {"peripheral replace", "NAME TYPE [size=N] [irq=SINK[,SINK...]] [key=value ...]",
     "rebuild a peripheral at its base as model TYPE, at reset state",
     "without irq= it keeps its wiring\n"
     "without size= it keeps its size when TYPE is its type, else TYPE's default\n"
     "properties TYPE declares keep their values unless given",
     2, 2, true, 0, FROM_ANY, NULL, cmd_peripheral_replace},
    {"peripheral move", "NAME @BASE", "map a peripheral or memory at BASE, keeping its state",
     NULL, 2, 2, false, 0, FROM_ANY, NULL, cmd_peripheral_move},
    {"peripheral set", "NAME KEY VALUE", "change a live property ('info types' marks them)",
     NULL, 3, 3, false, 0, FROM_ANY, NULL, cmd_peripheral_set},
    {"peripheral power", "NAME on|off",
     "power a peripheral off (its state is lost) or on (at reset state)", NULL,
     2, 2, false, 0, FROM_ANY, NULL, cmd_peripheral_power},
    {"board apply", "FILE[:NAME]|BOARD",
     "change the running board into another: only what differs",
     "BOARD alone names a shipped board\n"
     "memories and peripherals missing are removed, new ones added, changed ones\n"
     "replaced or moved; the others keep their state and connections",
     1, 1, false, 0, FROM_ANY, NULL, cmd_board_apply},
    {"uart", "NAME send \"TEXT\"|read",
     "queue bytes on a peripheral's serial input, or read its output",
     "escapes inside quotes: \\\" \\\\ \\n \\r \\t \\xHH\n"
     "read: what NAME transmitted since the last read or run-until match, quoted",
     2, 3, false, 3, FROM_ANY, NULL, cmd_uart},
    {"gpio", "NAME PIN 0|1", "drive an input pin from outside the chip", NULL,
     3, 3, false, 0, FROM_ANY, NULL, cmd_gpio},
    {"stop", "", "halt the firmware", NULL, 0, 0, false, 0, FROM_RUNNER,
     "Ctrl-C", cmd_stop},
    {"cont", "", "run on", NULL, 0, 0, false, 0, FROM_RUNNER, "continue", cmd_cont},
    {"step", "[N]", "run N instructions (default 1), then halt", NULL,
     0, 1, false, 0, FROM_RUNNER, "stepi N", cmd_step},
    {"run-for", "TIME|Ninsns", "run for a virtual time or N instructions, then halt",
     "TIME: N followed by ns, us, ms or s (rounded up to whole cycles), or by\n"
     "cycles or nothing for cycles; Ninsns: N instructions (run-for 5000insns)",
     1, 1, false, 0, FROM_RUNNER, "stepi N or continue", cmd_run_for},
    {"run-until", "NAME|pc \"TEXT\"|SYMBOL|ADDR [TIME]",
     "run until a UART sent TEXT, or the pc reaches SYMBOL or ADDR, then halt",
     "NAME \"TEXT\": TEXT searched in what NAME sent since the last match or\n"
     "'uart NAME read' (already there: returns at once, nothing runs)\n"
     "pc SYMBOL|ADDR: halts before that instruction (from there: runs it first)\n"
     "TIME as run-for's bounds the run: an error when it passes first",
     2, 3, false, 2, FROM_CONSOLE, "break and continue (gdb), a trigger (scenarios)",
     mon_run_until},
    {"memory read", "ADDR LEN", "LEN bytes (1 to 65536) at ADDR, as hex digits",
     "the debugger's view: no side effects on devices; unreadable bytes are an error",
     2, 2, false, 0, FROM_ANY, NULL, mon_memory_read},
    {"memory write", "ADDR HEXBYTES", "write bytes given as hex digits at ADDR",
     "the debugger's path: RAM, ROM and flash; every byte checked before the first\n"
     "is written",
     2, 2, false, 0, FROM_ANY, NULL, mon_memory_write},
    {"reg", "NAME [VALUE]", "a register's value (x0-x31, ABI names, pc, CSRs), or set it",
     NULL, 1, 2, false, 0, FROM_ANY, NULL, mon_reg},
    {"info registers", "", "pc and x0..x31 by ABI name", NULL,
     0, 0, false, 0, FROM_ANY, NULL, mon_info_registers},
    {"info state", "", "halted, running or exited: where and when", NULL,
     0, 0, false, 0, FROM_CONSOLE, "info program", cmd_info_state},
    {"quit", "[STATUS]", "end the run with exit status STATUS (default 0)", NULL,
     0, 1, false, 0, FROM_RUNNER, "kill", cmd_quit},
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

static const char *source_name(MonitorSource source)
{
    switch (source) {
    case MONITOR_FROM_GDB:
        return "gdb";
    case MONITOR_FROM_CONSOLE:
        return "the console";
    case MONITOR_FROM_SCENARIO:
        return "a scenario";
    }
    return "here";
}

static bool allowed(const Command *cmd, MonitorSource source)
{
    return cmd->sources & (1u << source);
}

/* The rows a monitor offers: the table, then the snapshot commands
 * (sim/monitor_snapshot.c) when its context has them. */
static size_t command_count(const MonitorContext *ctx)
{
    return NCOMMANDS + (ctx->snapshots ? mon_snapshot_ncommands : 0);
}

static const Command *command_at(size_t i)
{
    return i < NCOMMANDS ? &commands[i] : &mon_snapshot_commands[i - NCOMMANDS];
}

/* How many of words[0..n) the name's words match (all of them or 0). */
static size_t name_match(const char *name, const Word *words, size_t n)
{
    size_t matched = 0;
    for (const char *p = name; *p; matched++) {
        size_t len = strcspn(p, " ");
        if (matched == n || words[matched].quoted || words[matched].len != len ||
            memcmp(words[matched].text, p, len) != 0)
            return 0;
        p += len;
        p += *p == ' ';
    }
    return matched;
}

static const Command *find_command(const MonitorContext *ctx, const Word *words, size_t n,
                                   size_t *nmatched)
{
    const Command *best = NULL;
    *nmatched = 0;
    for (size_t i = 0; i < command_count(ctx); i++) {
        size_t m = name_match(command_at(i)->name, words, n);
        if (m > *nmatched) {
            *nmatched = m;
            best = command_at(i);
        }
    }
    return best;
}

static bool first_word_is(const char *name, const Word *w);

/* True when the word starts names of several words (`info`). */
static bool is_group(const MonitorContext *ctx, const Word *w)
{
    for (size_t i = 0; i < command_count(ctx); i++)
        if (strchr(command_at(i)->name, ' ') && first_word_is(command_at(i)->name, w))
            return true;
    return false;
}

static void put_listing(FILE *out, const Command *cmd)
{
    int width = fprintf(out, "%s%s%s", cmd->name, *cmd->usage ? " " : "", cmd->usage);
    fprintf(out, "%*s%s\n", width < 40 ? 40 - width : 2, "", cmd->help);
}

static void put_usage(Call *c, const Command *cmd)
{
    fprintf(c->out, "usage: %s%s%s\n%s\n", cmd->name, *cmd->usage ? " " : "", cmd->usage,
            cmd->help);
    if (cmd->details)
        fprintf(c->out, "%s\n", cmd->details);
    if (!allowed(cmd, c->source))
        fprintf(c->out, "not from %s: use %s\n", source_name(c->source),
                cmd->instead ? cmd->instead : "another way in");
}

static bool first_word_is(const char *name, const Word *w)
{
    size_t len = strcspn(name, " ");
    return !w->quoted && w->len == len && memcmp(name, w->text, len) == 0;
}

/* `help`: every command this source may use; `help info`: those whose
 * name starts so; `help COMMAND`: its usage. */
static bool cmd_help(Call *c)
{
    size_t n;
    const Command *cmd = find_command(c->ctx, c->args, c->nargs, &n);
    if (cmd && n == c->nargs) {
        put_usage(c, cmd);
        return true;
    }
    bool group = c->nargs == 1 && is_group(c->ctx, &c->args[0]);
    if (c->nargs > 0 && !group) {
        fputs("error: unknown command '", c->out);
        for (size_t i = 0; i < c->nargs; i++) {
            fputs(i ? " " : "", c->out);
            fputs(SHOW(&c->args[i]), c->out);
        }
        fputs("'; try 'help'\n", c->out);
        return false;
    }
    for (size_t i = 0; i < command_count(c->ctx); i++)
        if (allowed(command_at(i), c->source) &&
            (!group || first_word_is(command_at(i)->name, &c->args[0])))
            put_listing(c->out, command_at(i));
    return true;
}

/* ---- dispatch ---- */

/* The usage's i-th word, for "missing TYPE". */
static const char *usage_word(const Command *cmd, size_t i, char *buf, size_t size)
{
    const char *p = cmd->usage;
    for (; i > 0 && *p; i--)
        p += strcspn(p, " "), p += *p == ' ';
    snprintf(buf, size, "%.*s", (int)strcspn(p, " "), p);
    return buf;
}

/* Splits the words after the name into arguments and options. */
static bool bind_args(Call *c, size_t first)
{
    const Command *cmd = c->cmd;
    c->args = c->words + first;
    for (size_t i = first; i < c->nwords; i++) {
        const Word *w = &c->words[i];
        if (cmd->options && mon_is_option(w) && c->nargs >= cmd->min_args) {
            if (!c->opts)
                c->opts = (Word *)w;
            c->nopts++;
            continue;
        }
        if (c->opts)
            return mon_malformed(c, "expected key=value, found '%s' at column %u", SHOW(w),
                             w->col);
        if (c->nargs == cmd->max_args)
            return mon_malformed(c, "unexpected '%s' at column %u", SHOW(w), w->col);
        c->nargs++;
    }
    if (c->nargs < cmd->min_args) {
        char what[64];
        return mon_malformed(c, "missing %s", usage_word(cmd, c->nargs, what, sizeof what));
    }
    return true;
}

/* What the usage calls argument i ("NAME", "N" for "[N]"), for "empty
 * NAME"; "word" past the usage's words (help's COMMAND of two words). */
static const char *arg_name(const Command *cmd, size_t i, char *buf, size_t size)
{
    usage_word(cmd, i, buf, size);
    size_t len = strlen(buf);
    if (len >= 2 && buf[0] == '[' && buf[len - 1] == ']') {
        memmove(buf, buf + 1, len - 2);
        buf[len - 2] = '\0';
    }
    return *buf ? buf : "word";
}

/* Words that become C strings must not hold NUL, nor be empty (`""`
 * names nothing); `uart send` takes any bytes, none included. */
static bool check_words(Call *c)
{
    for (size_t i = 0; i < c->nargs + c->nopts; i++) {
        const Word *w = i < c->nargs ? &c->args[i] : &c->opts[i - c->nargs];
        bool raw = i < c->nargs && c->cmd->raw_arg == i + 1;
        char what[64];
        if (!raw && w->len == 0)
            return mon_malformed(c, "empty %s at column %u",
                                 arg_name(c->cmd, i, what, sizeof what), w->col);
        if (!raw && strlen(w->text) != w->len)
            return mon_malformed(c, "a NUL byte in '%s' at column %u", SHOW(w), w->col);
    }
    return true;
}

static bool dispatch(Call *c, const char *line)
{
    if (c->nwords == 0)
        return cmd_help(c);
    size_t n;
    c->cmd = find_command(c->ctx, c->words, c->nwords, &n);
    if (!c->cmd) {
        const Word *w = &c->words[0];
        if (is_group(c->ctx, w) && c->nwords > 1)
            return mon_fail(c, "unknown command '%s %s'; try 'help %s'", SHOW(w),
                        SHOW(&c->words[1]), SHOW(w));
        if (is_group(c->ctx, w))
            return mon_fail(c, "unknown command '%s'; try 'help %s'", SHOW(w), SHOW(w));
        return mon_fail(c, "unknown command '%s'; try 'help'", SHOW(w));
    }
    if (!allowed(c->cmd, c->source))
        return mon_fail(c, "'%s' is not for %s: use %s", c->cmd->name, source_name(c->source),
                    c->cmd->instead ? c->cmd->instead : "another way in");
    if (!bind_args(c, n) || !check_words(c))
        return false;
    if (c->ctx->will_run) /* the input log (sim/input_log.h) */
        c->ctx->will_run(c->ctx->opaque, c->source, c->cmd->name, line);
    return c->cmd->run(c);
}

/* ---- the interface ---- */

Monitor *monitor_new(const MonitorContext *context)
{
    assert(context->cpu && context->ms && context->machine && context->clock);
    Monitor *mon = xcalloc(1, sizeof *mon);
    mon->ctx = *context;
    mon->snapshots = mon_snapshot_store_new();
    return mon;
}

void monitor_free(Monitor *monitor)
{
    if (monitor)
        mon_snapshot_store_free(monitor->snapshots);
    free(monitor);
}

void monitor_request_free(MonitorRequest *r)
{
    free(r->device);
    free(r->text);
    free(r->goal);
    free(r->limit);
    r->device = r->goal = r->limit = NULL;
    r->text = NULL;
}

bool monitor_exec(Monitor *monitor, MonitorSource source, const char *line,
                  MonitorRequest *request, FILE *out)
{
    *request = (MonitorRequest){.action = MONITOR_ACT_NONE};
    Call c = {.ctx = &monitor->ctx, .snapshots = monitor->snapshots, .source = source,
              .request = request, .out = out};
    bool ok = mon_split_words(&c, line) && dispatch(&c, line);
    if (!ok) {
        monitor_request_free(request);
        *request = (MonitorRequest){.action = MONITOR_ACT_NONE};
    }
    mon_call_free(&c);
    return ok;
}

char *monitor_exec_text(Monitor *monitor, MonitorSource source, const char *line,
                        MonitorRequest *request, bool *ok)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    if (!out)
        abort();
    bool done = monitor_exec(monitor, source, line, request, out);
    fclose(out);
    if (ok)
        *ok = done;
    return text;
}
