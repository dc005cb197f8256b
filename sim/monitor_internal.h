/* The monitor's private interface (sim/monitor.c, sim/monitor_words.c):
 * a command line's words, the command being run, and the helpers that
 * read values from words and print. sim/monitor.h is the public one. */
#ifndef SIM_MONITOR_INTERNAL_H
#define SIM_MONITOR_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/monitor.h"
#include "soc/board.h"
#include "soc/error.h"

#define MONITOR_FILE "monitor" /* SourceLoc.file of what commands build */
#define SHOWN_MAX 64           /* bytes of a word quoted in a message */

typedef struct Word {
    char *text;   /* escapes resolved; NUL-terminated, may hold NULs */
    size_t len;
    unsigned col; /* 1-based column of the word's first character */
    long eq;      /* offset in text of the first unquoted '=', or -1 */
    bool quoted;  /* some part of it was in quotes */
} Word;

/* Command.sources */
enum {
    FROM_GDB = 1u << MONITOR_FROM_GDB,
    FROM_CONSOLE = 1u << MONITOR_FROM_CONSOLE,
    FROM_SCENARIO = 1u << MONITOR_FROM_SCENARIO,
    FROM_ANY = FROM_GDB | FROM_CONSOLE | FROM_SCENARIO,
    FROM_RUNNER = FROM_CONSOLE | FROM_SCENARIO, /* run control */
};

typedef struct Command Command;
typedef struct SnapshotStore SnapshotStore; /* sim/monitor_snapshot.c */

/* One command being run. */
typedef struct Call {
    const MonitorContext *ctx;
    SnapshotStore *snapshots; /* the monitor's named snapshots */
    MonitorSource source;
    MonitorRequest *request;
    FILE *out;
    Word *words;
    size_t nwords;
    const Command *cmd;
    Word *args; /* the arguments after the command's name */
    size_t nargs;
    Word *opts; /* then its key=value words */
    size_t nopts;
    char **owned; /* strings the command built, freed with the call */
    size_t nowned;
} Call;

/* A row of the command table (sim/monitor.c). */
struct Command {
    const char *name;    /* one or more words */
    const char *usage;   /* the arguments, "" for none */
    const char *help;    /* one line */
    const char *details; /* more lines for `help NAME`; NULL: none */
    unsigned min_args, max_args;
    bool options;  /* key=value words may follow the arguments */
    unsigned raw_arg; /* that argument (1-based) is bytes: NUL allowed,
                         may be empty; 0: none */
    unsigned sources;    /* a bit per MonitorSource that may use it */
    const char *instead; /* for sources refused: what to use instead */
    bool (*run)(Call *call);
};

/* The wiring irq= gives, one BoardIrq per line (a range expanded). */
typedef struct IrqList {
    BoardIrq *irqs;
    size_t n;
} IrqList;

/* The key=value words of `peripheral add` and `replace`. */
typedef struct EntryOptions {
    bool has_size, has_irq;
    uint64_t size;
    SourceLoc size_loc, irq_loc;
    IrqList irq;
    BoardProp *props;
    size_t nprops;
} EntryOptions;

/* ---- output ---- */

/* One "error: ..." line on the call's output; returns false for the
 * caller to return. Control bytes are escaped: it stays one line. */
bool mon_fail(Call *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same, for malformed commands: "; usage: COMMAND USAGE" follows. */
bool mon_malformed(Call *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A refusal from below (its message names the rule): printed, freed. */
bool mon_refused(Call *c, Error *err);
/* Prints malloc'd text, ending it with a newline, and frees it. */
void mon_put_text(FILE *out, char *text);
/* Control bytes (and bytes above 0x7e) as \xHH; with `backslash`, a
 * backslash doubled too. */
void mon_put_escaped(FILE *out, const char *text, size_t len, bool backslash);
/* A word as messages quote it: escaped, cut at SHOWN_MAX bytes; in buf. */
const char *mon_shown(const Word *w, char *buf, size_t size);
#define SHOWN_SIZE (SHOWN_MAX * 4 + 8)
#define SHOW(w) mon_shown((w), (char[SHOWN_SIZE]){0}, SHOWN_SIZE)

/* ---- words ---- */

/* Splits the line into c->words; false (the error printed) on an
 * unterminated quote or a bad escape. */
bool mon_split_words(Call *c, const char *line);
void mon_call_free(Call *c);
/* An unquoted word that reads `text`. */
bool mon_word_is(const Word *w, const char *text);
/* A hex digit's value (either case); -1 for any other character. */
int mon_hex_digit(char ch);
/* A key=value word: an unquoted '=' after a non-empty key. */
static inline bool mon_is_option(const Word *w)
{
    return w->eq > 0;
}
/* A copy of len bytes of text that the call frees. */
char *mon_keep(Call *c, const char *text, size_t len);

/* ---- values: each prints what is wrong, with the usage ---- */

SourceLoc mon_loc_at(unsigned col);
bool mon_parse_number(Call *c, const Word *w, const char *what, uint64_t *out);
bool mon_parse_base(Call *c, const Word *w, uint64_t *out);
/* A peripheral's name as board files allow them. */
bool mon_check_name(Call *c, const Word *w);
/* TIME|Ninsns of run-for (sim/monitor.h): *count in cycles, or in
 * instructions when *insns. */
bool mon_parse_duration(Call *c, const Word *w, uint64_t *count, bool *insns);

/* ---- peripheral entries for add and replace ---- */

/* One more line of wiring, its strings copied into the call. */
void mon_add_sink_line(Call *c, IrqList *l, const char *target, size_t tlen,
                       const char *input, size_t ilen, unsigned line, unsigned col);
bool mon_has_prop(const BoardProp *props, size_t n, const char *key);
void mon_add_prop(Call *c, EntryOptions *o, const char *key, const char *value,
                  SourceLoc loc);
/* The call's key=value words: size=, irq= and properties. */
bool mon_parse_options(Call *c, EntryOptions *o);
void mon_entry_options_free(EntryOptions *o);
/* An entry from NAME and TYPE (the first two arguments) and the options;
 * its strings belong to the call and to *o. */
BoardPeripheral mon_entry_from(const Call *c, const EntryOptions *o);

/* ---- commands for test programs (sim/monitor_inspect.c) ---- */

bool mon_uart_read(Call *c);      /* uart NAME read */
bool mon_run_until(Call *c);      /* run-until NAME "TEXT"|pc SYMBOL [TIME] */
bool mon_memory_read(Call *c);    /* memory read ADDR LEN */
bool mon_memory_write(Call *c);   /* memory write ADDR HEXBYTES */
bool mon_reg(Call *c);            /* reg NAME [VALUE] */
bool mon_info_registers(Call *c); /* info registers */

/* ---- snapshots (sim/monitor_snapshot.c) ---- */

SnapshotStore *mon_snapshot_store_new(void);
void mon_snapshot_store_free(SnapshotStore *store); /* NULL: nothing */
/* The `snapshot` rows, after the table's when MonitorContext.snapshots. */
extern const Command mon_snapshot_commands[];
extern const size_t mon_snapshot_ncommands;

#endif
