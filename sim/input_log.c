/* The external input log (sim/input_log.h).
 *
 * Entries live in one array holding [first, count); the cursor is the
 * next entry to replay (count when live). Replaying lasts while entries
 * are left, or, when a recording's end is set, until the run reaches it
 * (inputs that come after the last entry are not the recording's either).
 *
 * The runner's entries are applied between cpu_run calls: a run loop asks
 * input_log_insns_left before each (a bound on the count, and a stop event
 * at the entry's cycle), and input_log_apply_due after; the last leg to
 * the exact state (the events due there, an interrupt the entry shows
 * taken) is sim_run_to_ex's, which moves neither count nor time further.
 */
#include "sim/input_log.h"

#include <stdlib.h>
#include <string.h>

#include "soc/alloc.h"

struct InputLog {
    Cpu *cpu;
    Clock *clock;
    /* entry i at entries[head + i - first], for i in [first, count);
     * forgetting moves head, and the array is compacted only once the
     * forgotten slots outnumber the kept ones (each entry moves O(1)
     * times however the log is used) */
    InputEntry *entries;
    size_t head;
    size_t cap;
    uint64_t first, count, cursor;
    bool keep, recording;
    bool applying;       /* the runner applies an entry: its inputs are the logged one */
    InputLogListener listener;
    void *listener_opaque;
    InputApplyFn apply;
    void *apply_opaque;
    /* a recording's end */
    bool has_end, ended;
    InputEntry end; /* kind unused: its position and phase */
    int end_status;
    /* the stop at the next runner entry's cycle (input_log_insns_left) */
    ClockEvent *stop;
    void (*went_live)(void *opaque);
    void *went_live_opaque;
    /* next_runner's scan: entries [scan_from, scan_at) are tap entries */
    uint64_t scan_from, scan_at;
};

/* ---- entries ---- */

static const char *const kind_names[] = {
    [INPUT_UART_OPEN] = "uart-open",       [INPUT_UART_READ] = "uart-read",
    [INPUT_UART_WAKE] = "uart-wake",       [INPUT_COMMAND] = "command",
    [INPUT_GDB_REGISTER] = "gdb-register", [INPUT_GDB_MEMORY] = "gdb-memory",
};

const char *input_kind_name(InputKind kind)
{
    return kind >= INPUT_UART_OPEN && kind <= INPUT_KIND_MAX ? kind_names[kind] : "?";
}

bool input_entry_is_tap(const InputEntry *entry)
{
    return entry->kind == INPUT_UART_OPEN || entry->kind == INPUT_UART_READ;
}

void input_entry_copy(InputEntry *dst, const InputEntry *src)
{
    *dst = *src;
    dst->device = src->device ? xstrdup(src->device) : NULL;
    dst->line = src->line ? xstrdup(src->line) : NULL;
    dst->bytes = NULL;
    if (src->bytes && src->len) {
        dst->bytes = xmalloc(src->len);
        memcpy(dst->bytes, src->bytes, src->len);
    } else {
        dst->len = 0;
    }
}

void input_entry_clear(InputEntry *entry)
{
    free(entry->device);
    free(entry->line);
    free(entry->bytes);
    *entry = (InputEntry){0};
}

static void stop_fired(void *opaque)
{
    InputLog *log = opaque;
    cpu_request_stop(log->cpu);
}

InputLog *input_log_new(Cpu *cpu, Clock *clock)
{
    InputLog *log = xcalloc(1, sizeof *log);
    log->cpu = cpu;
    log->clock = clock;
    log->keep = true;
    log->recording = true;
    log->stop = clock_event_new(clock, stop_fired, log);
    return log;
}

void input_log_free(InputLog *log)
{
    if (!log)
        return;
    for (uint64_t i = log->first; i < log->count; i++)
        input_entry_clear(&log->entries[log->head + (i - log->first)]);
    free(log->entries);
    clock_event_free(log->stop);
    free(log);
}

uint64_t input_log_count(const InputLog *log)
{
    return log->count;
}

uint64_t input_log_first(const InputLog *log)
{
    return log->first;
}

const InputEntry *input_log_entry(const InputLog *log, uint64_t index)
{
    if (index < log->first || index >= log->count)
        return NULL;
    return &log->entries[log->head + (index - log->first)];
}

static InputEntry *entry_at(InputLog *log, uint64_t index)
{
    return (InputEntry *)input_log_entry(log, index);
}

void input_log_forget_before(InputLog *log, uint64_t index)
{
    if (index > log->count)
        index = log->count;
    if (index <= log->first)
        return;
    size_t drop = (size_t)(index - log->first);
    for (size_t i = 0; i < drop; i++)
        input_entry_clear(&log->entries[log->head + i]);
    log->head += drop;
    log->first = index;
    size_t kept = (size_t)(log->count - log->first);
    if (log->head >= kept) {
        memmove(log->entries, log->entries + log->head, kept * sizeof *log->entries);
        log->head = 0;
    }
}

void input_log_keep(InputLog *log, bool keep)
{
    log->keep = keep;
}

void input_log_set_listener(InputLog *log, const InputLogListener *listener, void *opaque)
{
    log->listener = listener ? *listener : (InputLogListener){0};
    log->listener_opaque = opaque;
}

void input_log_set_recording(InputLog *log, bool on)
{
    log->recording = on;
}

void input_log_truncate(InputLog *log, uint64_t index)
{
    if (index < log->first)
        index = log->first;
    if (index >= log->count)
        return;
    for (uint64_t i = index; i < log->count; i++)
        input_entry_clear(entry_at(log, i));
    log->count = index;
    if (log->cursor > index)
        log->cursor = index;
    log->scan_from = log->scan_at = log->cursor;
    clock_event_cancel(log->stop);
    if (log->listener.truncated)
        log->listener.truncated(log->listener_opaque, index);
}

/* A new array slot at the end. */
static InputEntry *push(InputLog *log)
{
    size_t n = log->head + (size_t)(log->count - log->first);
    if (n == log->cap) {
        log->cap = log->cap ? 2 * log->cap : 64;
        log->entries = xreallocarray(log->entries, log->cap, sizeof *log->entries);
    }
    log->count++;
    return &log->entries[n];
}

bool input_log_replaying(const InputLog *log)
{
    return log->cursor < log->count || (log->has_end && !log->ended);
}

uint64_t input_log_cursor(const InputLog *log)
{
    return log->cursor < log->count ? log->cursor : log->count;
}

/* A new input while replaying: the future the log held is not this
 * run's any more; the log is live from here. */
static void go_live_here(InputLog *log)
{
    if (log->cursor < log->count)
        input_log_truncate(log, log->cursor);
    log->has_end = false;
    clock_event_cancel(log->stop);
    if (log->went_live)
        log->went_live(log->went_live_opaque);
}

void input_log_append(InputLog *log, const InputEntry *entry)
{
    if (!log || !log->recording || log->applying)
        return;
    if (input_log_replaying(log))
        go_live_here(log);
    InputEntry *e = push(log);
    input_entry_copy(e, entry);
    e->pos = sim_position_now(log->cpu);
    e->before_events = sim_events_due(log->clock, log->cpu);
    log->cursor = log->count;
    if (log->listener.appended)
        log->listener.appended(log->listener_opaque, log->count - 1, e);
    if (!log->keep)
        input_log_forget_before(log, log->count);
}

void input_log_load(InputLog *log, const InputEntry *entry)
{
    input_entry_copy(push(log), entry);
    log->scan_from = log->scan_at = log->cursor;
}

void input_log_load_taken(InputLog *log, InputEntry *entry)
{
    *push(log) = *entry;
    *entry = (InputEntry){0};
    log->scan_from = log->scan_at = log->cursor;
}

/* ---- replay ---- */

void input_log_replay_from(InputLog *log, uint64_t index)
{
    if (index < log->first)
        index = log->first;
    if (index > log->count)
        index = log->count;
    log->cursor = index;
    log->scan_from = log->scan_at = index;
    log->ended = false;
    clock_event_cancel(log->stop);
}

void input_log_set_applier(InputLog *log, InputApplyFn apply, void *opaque)
{
    log->apply = apply;
    log->apply_opaque = opaque;
}

void input_log_set_end(InputLog *log, const SimPosition *end, bool before_events, int status)
{
    log->has_end = true;
    log->ended = false;
    log->end = (InputEntry){.pos = *end, .before_events = before_events};
    log->end_status = status;
}

bool input_log_ended(const InputLog *log, int *status)
{
    SimPosition now = sim_position_now(log->cpu);
    bool ended = log->ended || (log->has_end && log->cursor >= log->count &&
                                sim_position_equal(&now, &log->end.pos));
    if (ended && status)
        *status = log->end_status;
    return ended;
}

void input_log_on_live(InputLog *log, void (*fn)(void *opaque), void *opaque)
{
    log->went_live = fn;
    log->went_live_opaque = opaque;
}

/* The cursor moved on: entries behind it may go, and the log may be live
 * again (the taps hear of it, to look at their backends afresh). */
static void advanced(InputLog *log)
{
    if (!log->keep && !log->applying) /* the applier still reads its entry */
        input_log_forget_before(log, log->cursor);
    if (!input_log_replaying(log) && log->went_live)
        log->went_live(log->went_live_opaque);
}

/* The index of the first runner entry at or after the cursor (count when
 * none). The scan resumes where the last one ended while the cursor has
 * not passed it, so a replay walks its entries once in all. */
static uint64_t next_runner(InputLog *log)
{
    if (log->scan_from > log->cursor || log->scan_at < log->cursor)
        log->scan_from = log->scan_at = log->cursor;
    while (log->scan_at < log->count && input_entry_is_tap(entry_at(log, log->scan_at)))
        log->scan_at++;
    log->scan_from = log->cursor;
    return log->scan_at;
}

/* What the run must stop for next: the next runner entry (tap entries
 * before it are consumed by the run on its way), or the recording's end
 * after the last entry; NULL: nothing. *index gets the entry's index
 * (count for the end). */
static const InputEntry *next_stop(InputLog *log, uint64_t *index)
{
    *index = next_runner(log);
    if (*index < log->count)
        return entry_at(log, *index);
    return log->has_end && !log->ended ? &log->end : NULL;
}

/* Reached the stop at `index`: every tap entry before it must have been
 * consumed on the way, or the replay went another way. */
static bool taps_consumed(const InputLog *log, uint64_t index, Error **errp)
{
    if (log->cursor >= index)
        return true;
    const InputEntry *e = input_log_entry(log, log->cursor);
    char at[SIM_POSITION_TEXT_MAX];
    error_setf(errp, "the replay diverged: input %llu (%s of '%s' at %s) never came",
               (unsigned long long)log->cursor, input_kind_name(e->kind),
               e->device ? e->device : "?", sim_position_text(&e->pos, at, sizeof at));
    return false;
}

/* Entry e (or the end) applied; the cursor moves past it. */
static bool apply_stop(InputLog *log, const InputEntry *e, Error **errp)
{
    if (e == &log->end) {
        log->ended = true;
        clock_event_cancel(log->stop);
        return true;
    }
    uint64_t index = log->cursor;
    InputKind kind = e->kind;
    log->cursor++;
    bool ok = true;
    if (log->apply) {
        log->applying = true;
        ok = log->apply(log->apply_opaque, e, errp);
        log->applying = false;
    }
    if (!ok)
        error_prepend(errp, "replaying input %llu (%s): ", (unsigned long long)index,
                      input_kind_name(kind));
    advanced(log);
    return ok;
}

static SimLanding landing_of(const InputEntry *e)
{
    return e->before_events ? SIM_LAND_BEFORE_EVENTS : SIM_LAND_SETTLED;
}

/* The run is at e's count and time: the last leg to its exact state (the
 * events due there, an interrupt it shows taken), then it is applied. */
static bool reach_and_apply(InputLog *log, const InputEntry *e, uint64_t index,
                            const SimRunHooks *hooks, Error **errp)
{
    if (!sim_run_to_ex(log->cpu, log->clock, &e->pos, landing_of(e), hooks, errp)) {
        error_prepend(errp, "the replay diverged: ");
        return false;
    }
    return taps_consumed(log, index, errp) && apply_stop(log, e, errp);
}

/* The run cannot reach `pos` any more: it is ahead of it on the path, or
 * has slept longer than the run to `pos` did. Cycles are retired
 * instructions plus wfi sleep (cpu.h), so the sleep (cycles - retired)
 * only grows along a path; by count alone, a replay whose hart sleeps for
 * want of an input that never came would wait for `pos` for ever, and one
 * that reached pos's cycle with fewer instructions would stop there again
 * and again (the stop event at that cycle). */
static bool passed_position(const SimPosition *now, const SimPosition *pos)
{
    if (sim_position_compare(now, pos) > 0 || now->cycles > pos->cycles)
        return true;
    return pos->cycles < pos->retired ||
           now->cycles - now->retired > pos->cycles - pos->retired;
}

/* The tap entry at the cursor, when the run passed it without its device
 * reading it (an edited or foreign file, or a replay gone another way):
 * the divergence is said now, not left to a stop that may never come. */
static bool tap_missed(const InputLog *log, Error **errp)
{
    const InputEntry *e = input_log_entry(log, log->cursor);
    SimPosition now = sim_position_now(log->cpu);
    if (!e || !input_entry_is_tap(e) || !passed_position(&now, &e->pos))
        return false;
    char at[SIM_POSITION_TEXT_MAX];
    error_setf(errp, "the replay diverged: input %llu (%s of '%s' at %s) never came",
               (unsigned long long)log->cursor, input_kind_name(e->kind),
               e->device ? e->device : "?", sim_position_text(&e->pos, at, sizeof at));
    return true;
}

bool input_log_apply_due(InputLog *log, Error **errp)
{
    for (;;) {
        if (tap_missed(log, errp))
            return false;
        uint64_t index;
        const InputEntry *e = next_stop(log, &index);
        if (!e)
            return true;
        SimPosition now = sim_position_now(log->cpu);
        if (passed_position(&now, &e->pos)) {
            char at[SIM_POSITION_TEXT_MAX];
            error_setf(errp, "the replay diverged: the run passed %s without reaching "
                       "it", sim_position_text(&e->pos, at, sizeof at));
            return false;
        }
        if (sim_position_compare(&now, &e->pos) < 0)
            return true; /* not there yet */
        if (!reach_and_apply(log, e, index, NULL, errp))
            return false;
    }
}

uint64_t input_log_insns_left(InputLog *log)
{
    uint64_t index;
    const InputEntry *e = next_stop(log, &index);
    if (!e) {
        clock_event_cancel(log->stop);
        return UINT64_MAX;
    }
    uint64_t retired = cpu_instructions_retired(log->cpu);
    /* By time as well: a sleeping hart reaches it only so, and a settled
     * entry needs the events due at its cycle run first. */
    if (!e->before_events || e->pos.retired <= retired) {
        if (clock_event_deadline(log->stop) != e->pos.cycles)
            clock_event_schedule(log->stop, e->pos.cycles);
    } else {
        clock_event_cancel(log->stop);
    }
    return e->pos.retired > retired ? e->pos.retired - retired : 1;
}

bool input_log_run_to(InputLog *log, const SimPosition *target, const SimRunHooks *hooks,
                      Error **errp)
{
    clock_event_cancel(log->stop);
    for (;;) {
        uint64_t index = next_runner(log);
        const InputEntry *e = input_log_entry(log, index);
        if (!e)
            break;
        int order = sim_position_compare(&e->pos, target);
        if (order > 0 || (order == 0 && !e->before_events))
            break; /* at the target or after: not yet */
        if (!reach_and_apply(log, e, index, hooks, errp))
            return false;
    }
    return sim_run_to_ex(log->cpu, log->clock, target, SIM_LAND_SETTLED, hooks, errp);
}

/* ---- the sources ---- */

/* Commands that change the machine, the monitor's store or the taps'
 * input; the rest inspect or control the run. */
static const char *const changing_commands[] = {
    "reset", "peripheral add", "peripheral remove", "peripheral replace",
    "peripheral move", "peripheral set", "peripheral power", "board apply",
    "gpio", "memory write", "snapshot save", "snapshot load", "snapshot delete",
    "snapshot load-file",
};

/* The n-th blank-separated word of line (0-based) is `word`. */
static bool word_is(const char *line, unsigned n, const char *word)
{
    static const char blanks[] = " \t\r\n";
    for (;;) {
        line += strspn(line, blanks);
        size_t len = strcspn(line, blanks);
        if (len == 0)
            return false;
        if (n-- == 0)
            return len == strlen(word) && memcmp(line, word, len) == 0;
        line += len;
    }
}

static bool words_at_least(const char *line, unsigned n)
{
    static const char blanks[] = " \t\r\n";
    for (unsigned i = 0; i < n; i++) {
        line += strspn(line, blanks);
        size_t len = strcspn(line, blanks);
        if (len == 0)
            return false;
        line += len;
    }
    return true;
}

static bool command_changes(const char *command, const char *line)
{
    if (strcmp(command, "uart") == 0)
        return word_is(line, 2, "send");
    if (strcmp(command, "reg") == 0)
        return words_at_least(line, 3); /* reg NAME VALUE */
    for (size_t i = 0; i < sizeof changing_commands / sizeof *changing_commands; i++)
        if (strcmp(command, changing_commands[i]) == 0)
            return true;
    return false;
}

void input_log_command(InputLog *log, MonitorSource source, const char *command,
                       const char *line)
{
    if (!log || source == MONITOR_FROM_SCENARIO || !command_changes(command, line))
        return;
    InputEntry e = {.kind = INPUT_COMMAND, .source = source, .line = (char *)line};
    input_log_append(log, &e);
}

void input_log_gdb_register(InputLog *log, uint32_t regnum, uint32_t value)
{
    InputEntry e = {.kind = INPUT_GDB_REGISTER, .regnum = regnum, .value = value};
    input_log_append(log, &e);
}

void input_log_gdb_memory(InputLog *log, uint32_t addr, const uint8_t *bytes, size_t len)
{
    InputEntry e = {.kind = INPUT_GDB_MEMORY, .addr = addr, .bytes = (uint8_t *)bytes,
                    .len = len};
    input_log_append(log, &e);
}

/* The cursor's entry, when it is a tap entry of this kind and device. */
static const InputEntry *tap_entry(const InputLog *log, InputKind kind, const char *device)
{
    const InputEntry *e = input_log_entry(log, log->cursor);
    if (!e || e->kind != kind || strcmp(e->device, device) != 0)
        return NULL;
    return e;
}

bool input_log_uart_open(InputLog *log, const char *device, bool *eof)
{
    if (!log)
        return false;
    if (input_log_replaying(log)) {
        const InputEntry *e = tap_entry(log, INPUT_UART_OPEN, device);
        if (!e)
            return false; /* diverged: input_log_apply_due says so */
        *eof = e->eof;
        log->cursor++;
        advanced(log);
        return true;
    }
    InputEntry e = {.kind = INPUT_UART_OPEN, .device = (char *)device, .eof = *eof};
    input_log_append(log, &e);
    return false;
}

size_t input_log_uart_replay_read(InputLog *log, const char *device, uint8_t *buf,
                                  size_t max, bool *eof)
{
    const InputEntry *e = tap_entry(log, INPUT_UART_READ, device);
    SimPosition now = sim_position_now(log->cpu);
    /* More bytes than this read asks for: not what a recorded read took
     * (an edited file); left unread, the replay says it diverged. */
    if (!e || !sim_position_equal(&e->pos, &now) || e->len > max)
        return 0;
    size_t n = e->len;
    if (n)
        memcpy(buf, e->bytes, n);
    *eof = e->eof;
    log->cursor++;
    advanced(log);
    return n;
}

void input_log_uart_read(InputLog *log, const char *device, const uint8_t *buf, size_t n,
                         bool eof)
{
    if (!log || (n == 0 && !eof))
        return;
    InputEntry e = {.kind = INPUT_UART_READ, .device = (char *)device,
                    .bytes = (uint8_t *)buf, .len = n, .eof = eof};
    input_log_append(log, &e);
}

void input_log_uart_wake(InputLog *log, const char *device)
{
    if (!log)
        return;
    InputEntry e = {.kind = INPUT_UART_WAKE, .device = (char *)device};
    input_log_append(log, &e);
}
