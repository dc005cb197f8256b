/* `monitor` commands (gdb's qRcmd): a table of name, arguments, help and
 * handler. A name may have several words ("info mtree"); the longest name
 * matching the start of the line wins and the rest of the line is the
 * handler's argument string. To add a command, add a handler and a row.
 * Commands the table does not know go to target->monitor when set.
 */
#include "gdbstub/gdbstub_internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

typedef struct MonitorCommand {
    const char *name;
    const char *args; /* usage of the arguments, "" for none */
    const char *help;
    void (*run)(GdbServer *gs, const char *args, GdbBuf *out);
} MonitorCommand;

static void mon_help(GdbServer *gs, const char *args, GdbBuf *out);

static void put_owned(GdbBuf *out, char *text, const char *missing)
{
    if (!text) {
        gdb_buf_puts(out, missing);
        return;
    }
    gdb_buf_puts(out, text);
    if (out->len && out->data[out->len - 1] != '\n')
        gdb_buf_puts(out, "\n");
    free(text);
}

static void mon_mtree(GdbServer *gs, const char *args, GdbBuf *out)
{
    put_owned(out, memory_tree(gs->target.ms), "no memory system\n");
}

static void mon_peripherals(GdbServer *gs, const char *args, GdbBuf *out)
{
    const GdbTarget *t = &gs->target;
    put_owned(out, t->peripherals ? t->peripherals(t->opaque) : NULL,
              "no peripheral list for this target\n");
}

static void mon_reset(GdbServer *gs, const char *args, GdbBuf *out)
{
    const GdbTarget *t = &gs->target;
    if (t->reset)
        t->reset(t->opaque);
    else
        cpu_reset(t->cpu);
    gdb_buf_printf(out, "reset; pc = 0x%08x\n", (unsigned)cpu_get_pc(t->cpu));
}

static void mon_stats(GdbServer *gs, const char *args, GdbBuf *out)
{
    const GdbTarget *t = &gs->target;
    if (t->stats) {
        put_owned(out, t->stats(t->opaque), "no statistics\n");
        return;
    }
    gdb_buf_printf(out, "instructions retired: %llu\ncycles: %llu\n",
                   (unsigned long long)cpu_instructions_retired(t->cpu),
                   (unsigned long long)cpu_cycles(t->cpu));
}

/* memory_audit() on the live machine: every rule of soc/memory.h. */
static void mon_audit(GdbServer *gs, const char *args, GdbBuf *out)
{
    Error *err = NULL;
    if (memory_audit(gs->target.ms, &err)) {
        gdb_buf_puts(out, "audit: ok\n");
        return;
    }
    gdb_buf_printf(out, "audit: %s\n", err ? error_message(err) : "failed");
    error_free(err);
}

static const MonitorCommand commands[] = {
    {"audit", "", "check the memory system's rules (memory_audit)", mon_audit},
    {"help", "", "list the monitor commands", mon_help},
    {"info mtree", "", "the memory tree and flat view", mon_mtree},
    {"info peripherals", "", "the board's peripherals", mon_peripherals},
    {"reset", "", "reset the hart (and the board, where supported)", mon_reset},
    {"stats", "", "simulation statistics", mon_stats},
};

static void mon_help(GdbServer *gs, const char *args, GdbBuf *out)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        const MonitorCommand *c = &commands[i];
        gdb_buf_printf(out, "%s%s%s%*s %s\n", c->name, *c->args ? " " : "", c->args,
                       (int)(24 - strlen(c->name) - (*c->args ? 1 + strlen(c->args) : 0)),
                       "", c->help);
    }
}

/* The length of line's prefix that name's words match, or 0. */
static size_t match(const char *name, const char *line)
{
    const char *l = line;
    while (*name) {
        while (isspace((unsigned char)*l))
            l++;
        size_t w = strcspn(name, " ");
        if (strncmp(l, name, w) != 0 || (l[w] && !isspace((unsigned char)l[w])))
            return 0;
        l += w;
        name += w;
        while (*name == ' ')
            name++;
    }
    return (size_t)(l - line);
}

void gdb_monitor_run(GdbServer *gs, const char *line, GdbBuf *out)
{
    const MonitorCommand *best = NULL;
    size_t best_len = 0;
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        size_t n = match(commands[i].name, line);
        if (n > best_len) {
            best_len = n;
            best = &commands[i];
        }
    }
    if (best) {
        const char *args = line + best_len;
        while (isspace((unsigned char)*args))
            args++;
        best->run(gs, args, out);
        return;
    }
    const GdbTarget *t = &gs->target;
    char *text = t->monitor ? t->monitor(t->opaque, line) : NULL;
    if (text) {
        put_owned(out, text, "");
        return;
    }
    const char *l = line;
    while (isspace((unsigned char)*l))
        l++;
    if (!*l) {
        mon_help(gs, "", out);
        return;
    }
    gdb_buf_printf(out, "unknown monitor command '%s'; try 'monitor help'\n", l);
}
