/* --vcd: the board's signals as a Value Change Dump (sim/vcd.h has the
 * contract, docs/WAVEFORMS.md the user's view). */
#include "sim/vcd.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "soc/alloc.h"
#include "soc/device.h"
#include "soc/file.h"

typedef struct VcdSignal {
    char *name;     /* "gpio0.pin5" */
    unsigned width; /* as first published */
    bool wanted;    /* matches --vcd-signals */
    bool has_value; /* a change of it has been written */
    uint64_t value; /* the last written */
    size_t pending; /* its change at the pending time: index + 1, 0 none */
    char code[8];   /* the VCD identifier */
} VcdSignal;

/* A signal's last change at the time being collected. */
typedef struct VcdPending {
    uint32_t signal;
    uint64_t value;
} VcdPending;

/* A change waiting for virtual time to reach it. */
typedef struct VcdChange {
    uint64_t when, seq;
    uint64_t value;
    uint32_t signal;
} VcdChange;

struct Vcd {
    char *path;
    OutputFile *out; /* FILE, checked at the start, written at the end */
    FILE *body; /* the changes so far: an unlinked temporary file */
    char **patterns;
    bool *pattern_used;
    size_t npatterns;

    VcdSignal *signals;
    size_t nsignals;
    uint32_t *slots; /* open addressing by name: index + 1, 0 empty */
    size_t nslots;

    VcdChange *queue; /* a binary heap by (when, seq) */
    size_t nqueue, queue_cap;
    uint64_t seq;

    uint64_t written_time; /* the time being collected (cycles) */
    bool time_written;     /* since the first change */
    unsigned __int128 last_stamp; /* the last "#TIME" written (units) */
    bool stamped;                 /* since the first one */
    VcdPending *pending;   /* the changes at written_time, first-change order */
    size_t npending, pending_cap;

    Clock *clock;
    Cpu *cpu; /* while listening to it */
    uint64_t units_per_cycle; /* 0: fs, rounded */
    const char *timescale;
    bool finished;
};

/* ---- patterns ---- */

static bool parse_patterns(Vcd *v, const char *list, Error **errp)
{
    for (const char *s = list;;) {
        size_t len = strcspn(s, ",");
        if (len == 0) {
            error_setf(errp, "--vcd-signals: empty pattern in '%s'", list);
            return false;
        }
        v->patterns = xreallocarray(v->patterns, v->npatterns + 1, sizeof *v->patterns);
        v->patterns[v->npatterns++] = xstrndup(s, len);
        if (!s[len])
            break;
        s += len + 1;
    }
    v->pattern_used = xcalloc(v->npatterns, sizeof *v->pattern_used);
    return true;
}

static bool matches(Vcd *v, const char *name)
{
    if (!v->npatterns)
        return true;
    bool any = false;
    for (size_t i = 0; i < v->npatterns; i++)
        if (fnmatch(v->patterns[i], name, 0) == 0)
            any = v->pattern_used[i] = true;
    return any;
}

/* ---- signals by name ---- */

static uint64_t hash_more(uint64_t h, const char *s)
{
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static uint64_t hash_name(const char *s)
{
    return hash_more(1469598103934665603ull, s);
}

/* The hash of "scope.name", without building it. */
static uint64_t hash_parts(const char *scope, const char *name)
{
    return hash_more(hash_more(hash_name(scope), "."), name);
}

/* Whether `full` is "scope.name". */
static bool same_name(const char *full, const char *scope, const char *name)
{
    size_t n = strlen(scope);
    return strncmp(full, scope, n) == 0 && full[n] == '.' && strcmp(full + n + 1, name) == 0;
}

static void index_put(uint32_t *slots, size_t nslots, const char *name, uint32_t index)
{
    size_t i = hash_name(name) & (nslots - 1);
    while (slots[i])
        i = (i + 1) & (nslots - 1);
    slots[i] = index + 1;
}

static void index_grow(Vcd *v)
{
    size_t n = v->nslots ? v->nslots * 2 : 64;
    uint32_t *slots = xcalloc(n, sizeof *slots);
    for (size_t i = 0; i < v->nsignals; i++)
        index_put(slots, n, v->signals[i].name, (uint32_t)i);
    free(v->slots);
    v->slots = slots;
    v->nslots = n;
}

/* VCD identifiers: printable characters '!' to '~', base 94. */
static void make_code(char *code, size_t n)
{
    size_t i = 0;
    do {
        code[i++] = (char)('!' + n % 94);
        n /= 94;
    } while (n && i < 7);
    code[i] = '\0';
}

/* The signal `scope`.`name`, created (with whether it is wanted) on first
 * sight. */
static VcdSignal *signal_get(Vcd *v, const char *scope, const char *name, unsigned width)
{
    if (v->nslots) {
        for (size_t i = hash_parts(scope, name) & (v->nslots - 1); v->slots[i];
             i = (i + 1) & (v->nslots - 1)) {
            VcdSignal *s = &v->signals[v->slots[i] - 1];
            if (same_name(s->name, scope, name))
                return s;
        }
    }
    char *full = xasprintf("%s.%s", scope, name);
    if (2 * (v->nsignals + 1) > v->nslots)
        index_grow(v);
    v->signals = xreallocarray(v->signals, v->nsignals + 1, sizeof *v->signals);
    VcdSignal *s = &v->signals[v->nsignals];
    *s = (VcdSignal){.name = full, .width = width ? width : 1, .wanted = matches(v, full)};
    make_code(s->code, v->nsignals);
    index_put(v->slots, v->nslots, full, (uint32_t)v->nsignals);
    v->nsignals++;
    return s;
}

/* ---- the body: changes in time order ---- */

static bool change_before(const VcdChange *a, const VcdChange *b)
{
    return a->when != b->when ? a->when < b->when : a->seq < b->seq;
}

static void queue_push(Vcd *v, VcdChange c)
{
    if (v->nqueue == v->queue_cap) {
        v->queue_cap = v->queue_cap ? 2 * v->queue_cap : 64;
        v->queue = xreallocarray(v->queue, v->queue_cap, sizeof *v->queue);
    }
    size_t i = v->nqueue++;
    while (i && change_before(&c, &v->queue[(i - 1) / 2])) {
        v->queue[i] = v->queue[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    v->queue[i] = c;
}

static VcdChange queue_pop(Vcd *v)
{
    VcdChange top = v->queue[0], last = v->queue[--v->nqueue];
    size_t i = 0;
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= v->nqueue)
            break;
        if (child + 1 < v->nqueue && change_before(&v->queue[child + 1], &v->queue[child]))
            child++;
        if (!change_before(&v->queue[child], &last))
            break;
        v->queue[i] = v->queue[child];
        i = child;
    }
    if (v->nqueue)
        v->queue[i] = last;
    return top;
}

static unsigned __int128 vcd_units(const Vcd *v, uint64_t cycles)
{
    if (v->units_per_cycle)
        return (unsigned __int128)cycles * v->units_per_cycle;
    uint64_t hz = clock_hz(v->clock);
    return ((unsigned __int128)cycles * 1000000000000000ull + hz / 2) / hz;
}

/* Whether cycles a and b get one timestamp: the same cycle, or, above
 * 1 PHz (a cycle shorter than a fs), the same rounded fs. */
static bool same_stamp(const Vcd *v, uint64_t a, uint64_t b)
{
    return a == b || (!v->units_per_cycle && vcd_units(v, a) == vcd_units(v, b));
}

/* "#TIME\n", in the timescale's units, unless a time as late is written
 * (timestamps only increase). Each line one fwrite: a waveform of many
 * changes spends its time here. */
static void write_time(Vcd *v, FILE *f, uint64_t cycles)
{
    unsigned __int128 t = vcd_units(v, cycles);
    if (v->stamped && t <= v->last_stamp)
        return;
    v->stamped = true;
    v->last_stamp = t;
    char line[48];
    size_t n = sizeof line;
    line[--n] = '\n';
    if (t <= UINT64_MAX) {
        uint64_t small = (uint64_t)t;
        do {
            line[--n] = (char)('0' + small % 10);
            small /= 10;
        } while (small);
    } else {
        do {
            line[--n] = (char)('0' + (unsigned)(t % 10));
            t /= 10;
        } while (t);
    }
    line[--n] = '#';
    fwrite(line + n, 1, sizeof line - n, f);
}

/* One value as VCD writes it: "1!" for a bit, "b101 !" for a vector. */
static void write_value(FILE *f, const VcdSignal *s, uint64_t value)
{
    char line[96];
    size_t n = 0;
    char scalar = value == DEVICE_SIGNAL_X ? 'x' : value == DEVICE_SIGNAL_Z ? 'z' : 0;
    if (s->width == 1) {
        line[n++] = scalar ? scalar : (value & 1) ? '1' : '0';
    } else {
        line[n++] = 'b';
        int top = scalar ? -1 : (int)s->width - 1;
        while (top > 0 && !(value >> top & 1))
            top--;
        if (scalar)
            line[n++] = scalar;
        for (int i = top; i >= 0; i--)
            line[n++] = value >> i & 1 ? '1' : '0';
        line[n++] = ' ';
    }
    size_t len = strlen(s->code);
    memcpy(line + n, s->code, len);
    n += len;
    line[n++] = '\n';
    fwrite(line, 1, n, f);
}

/* Writes the changes collected at written_time: each signal's last value
 * there, when it differs from its value before (a pulse of no width, a
 * frame's end meeting the next one's start, leaves nothing). */
static void write_pending(Vcd *v)
{
    bool stamped = false;
    for (size_t i = 0; i < v->npending; i++) {
        VcdSignal *s = &v->signals[v->pending[i].signal];
        uint64_t value = v->pending[i].value;
        s->pending = 0;
        if (s->has_value && s->value == value)
            continue;
        if (!stamped)
            write_time(v, v->body, v->written_time);
        stamped = true;
        s->has_value = true;
        s->value = value;
        write_value(v->body, s, value);
    }
    v->npending = 0;
}

static void write_change(Vcd *v, const VcdChange *c)
{
    if (v->time_written && !same_stamp(v, c->when, v->written_time))
        write_pending(v);
    v->written_time = c->when;
    v->time_written = true;
    VcdSignal *s = &v->signals[c->signal];
    if (s->pending) {
        v->pending[s->pending - 1].value = c->value;
        return;
    }
    if (v->npending == v->pending_cap) {
        v->pending_cap = v->pending_cap ? 2 * v->pending_cap : 64;
        v->pending = xreallocarray(v->pending, v->pending_cap, sizeof *v->pending);
    }
    v->pending[v->npending++] = (VcdPending){c->signal, c->value};
    s->pending = v->npending;
}

/* Writes every queued change due by `now` (all of them: UINT64_MAX). */
static void flush_until(Vcd *v, uint64_t now)
{
    while (v->nqueue && v->queue[0].when <= now) {
        VcdChange c = queue_pop(v);
        write_change(v, &c);
    }
}

static uint64_t mask_value(const VcdSignal *s, uint64_t value)
{
    if (value == DEVICE_SIGNAL_X || value == DEVICE_SIGNAL_Z || s->width >= 64)
        return value;
    return value & ((UINT64_C(1) << s->width) - 1);
}

void vcd_signal(void *opaque, const char *scope, const char *name, unsigned width,
                uint64_t value, uint64_t when)
{
    Vcd *v = opaque;
    if (v->finished)
        return;
    VcdSignal *s = signal_get(v, scope, name, width);
    if (!s->wanted)
        return;
    if (v->time_written && when < v->written_time)
        when = v->written_time; /* never backwards (see vcd.h) */
    queue_push(v, (VcdChange){.when = when, .seq = v->seq++,
                              .value = mask_value(s, value),
                              .signal = (uint32_t)(s - v->signals)});
    flush_until(v, clock_now(v->clock));
}

bool vcd_signal_wanted(void *opaque, const char *scope, const char *name)
{
    Vcd *v = opaque;
    return !v->finished && signal_get(v, scope, name, 1)->wanted;
}

/* ---- the hart ---- */

static void publish_cpu(Vcd *v, unsigned priv, bool sleeping, uint64_t when)
{
    vcd_signal(v, "cpu", "priv", 2, priv, when);
    vcd_signal(v, "cpu", "sleep", 1, sleeping, when);
}

static void vcd_cpu_event(void *opaque, const Cpu *cpu, const CpuExecEvent *event)
{
    (void)cpu;
    if (event->kind == CPU_EXEC_MODE)
        publish_cpu(opaque, event->priv, event->sleeping, event->cycles);
}

/* ---- opening, the header, finishing ---- */

/* The largest unit that makes a cycle a whole number of them. */
static void choose_timescale(Vcd *v, uint64_t hz)
{
    static const char *const names[] = {
        "1 s", "100 ms", "10 ms", "1 ms", "100 us", "10 us", "1 us", "100 ns",
        "10 ns", "1 ns", "100 ps", "10 ps", "1 ps", "100 fs", "10 fs", "1 fs",
    };
    uint64_t per_second = 1;
    for (unsigned k = 0; k < 16; k++, per_second *= 10) {
        if (hz && per_second % hz == 0) {
            v->timescale = names[k];
            v->units_per_cycle = per_second / hz;
            return;
        }
    }
    v->timescale = "1 fs";
    v->units_per_cycle = 0;
}

Vcd *vcd_open(const char *path, const char *patterns, const OutputInput *inputs,
              size_t ninputs, Error **errp)
{
    Vcd *v = xcalloc(1, sizeof *v);
    v->path = xstrdup(path);
    if (patterns && !parse_patterns(v, patterns, errp)) {
        vcd_free(v);
        return NULL;
    }
    v->out = output_file_open(path, inputs, ninputs, errp);
    if (!v->out) {
        error_prepend(errp, "--vcd: ");
        vcd_free(v);
        return NULL;
    }
    v->body = tmpfile();
    if (!v->body) {
        error_setf(errp, "--vcd: cannot create a temporary file: %s", strerror(errno));
        vcd_free(v);
        return NULL;
    }
    return v;
}

void vcd_machine_hooks(Vcd *vcd, Clock *clock, MachineHooks *hooks)
{
    vcd->clock = clock;
    choose_timescale(vcd, clock_hz(clock));
    hooks->signal_opaque = vcd;
    hooks->signal = vcd_signal;
    hooks->signal_wanted = vcd_signal_wanted;
}

bool vcd_attach_cpu(Vcd *vcd, Cpu *cpu, Error **errp)
{
    if (!cpu_add_exec_observer(cpu, CPU_EXEC_MODE, vcd_cpu_event, vcd)) {
        error_setf(errp, "--vcd: too many observers of the CPU");
        return false;
    }
    vcd->cpu = cpu;
    publish_cpu(vcd, cpu_privilege(cpu), cpu_sleeping(cpu), cpu_cycles(cpu));
    return true;
}

/* Names in natural order ("pin2" before "pin10"), so that each scope's
 * signals are together and read as a person expects. */
static int natural_cmp(const char *a, const char *b)
{
    while (*a && *b) {
        if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
            while (*a == '0')
                a++;
            while (*b == '0')
                b++;
            size_t la = strspn(a, "0123456789"), lb = strspn(b, "0123456789");
            if (la != lb)
                return la < lb ? -1 : 1;
            int c = strncmp(a, b, la);
            if (c)
                return c;
            a += la;
            b += lb;
            continue;
        }
        if (*a != *b)
            return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
        a++;
        b++;
    }
    return *a ? 1 : *b ? -1 : 0;
}

static int by_name(const void *x, const void *y)
{
    const VcdSignal *const *a = x, *const *b = y;
    return natural_cmp((*a)->name, (*b)->name);
}

/* The length of the scope part of `name` (up to its last dot). */
static size_t scope_len(const char *name)
{
    const char *dot = strrchr(name, '.');
    return dot ? (size_t)(dot - name) : 0;
}

/* How many leading dotted parts the scopes a (alen) and b (blen) share. */
static size_t common_parts(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t parts = 0;
    for (size_t i = 0; i < alen && i < blen; parts++) {
        size_t ea = i, eb = i;
        while (ea < alen && a[ea] != '.')
            ea++;
        while (eb < blen && b[eb] != '.')
            eb++;
        if (ea != eb || memcmp(a + i, b + i, ea - i) != 0)
            break;
        i = ea + 1;
    }
    return parts;
}

static size_t count_parts(size_t len, const char *s)
{
    size_t parts = len ? 1 : 0;
    for (size_t i = 0; i < len; i++)
        parts += s[i] == '.';
    return parts;
}

/* Opens the scopes of `scope` (len) from part `from` on. */
static void open_scopes(FILE *f, const char *scope, size_t len, size_t from)
{
    size_t part = 0, start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && scope[i] != '.')
            continue;
        if (part >= from)
            fprintf(f, "$scope module %.*s $end\n", (int)(i - start), scope + start);
        part++;
        start = i + 1;
    }
}

static void write_header(Vcd *v, FILE *f)
{
    fprintf(f, "$version mcusim $end\n");
    fprintf(f, "$comment virtual time: one CPU cycle is %s of %s $end\n",
            v->units_per_cycle ? "a whole number" : "a rounded number", v->timescale);
    fprintf(f, "$timescale %s $end\n", v->timescale);
    fprintf(f, "$scope module mcusim $end\n");
    VcdSignal **sorted = xcalloc(v->nsignals ? v->nsignals : 1, sizeof *sorted);
    size_t n = 0;
    for (size_t i = 0; i < v->nsignals; i++)
        if (v->signals[i].has_value)
            sorted[n++] = &v->signals[i];
    qsort(sorted, n, sizeof *sorted, by_name);
    const char *open = "";
    size_t open_len = 0, open_parts = 0;
    for (size_t i = 0; i < n; i++) {
        const VcdSignal *s = sorted[i];
        size_t len = scope_len(s->name);
        size_t keep = common_parts(open, open_len, s->name, len);
        for (size_t k = open_parts; k > keep; k--)
            fprintf(f, "$upscope $end\n");
        open_scopes(f, s->name, len, keep);
        open = s->name;
        open_len = len;
        open_parts = count_parts(len, s->name);
        fprintf(f, "$var wire %u %s %s $end\n", s->width, s->code, s->name + (len ? len + 1 : 0));
    }
    for (size_t k = open_parts; k > 0; k--)
        fprintf(f, "$upscope $end\n");
    fprintf(f, "$upscope $end\n$enddefinitions $end\n");
    free(sorted);
}

static bool copy_body(Vcd *v, FILE *to)
{
    if (fflush(v->body) != 0 || fseek(v->body, 0, SEEK_SET) != 0)
        return false;
    char buf[1 << 16];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, v->body)) > 0)
        if (fwrite(buf, 1, n, to) != n)
            return false;
    return !ferror(v->body);
}

/* FILE's whole text: the header, then the changes (OutputWriteFn). */
static bool write_file(void *opaque, FILE *out)
{
    Vcd *v = opaque;
    if (v->clock)
        write_header(v, out);
    return !ferror(v->body) && copy_body(v, out) && fflush(out) == 0 && !ferror(out);
}

void vcd_stop(Vcd *v)
{
    if (!v)
        return;
    if (v->cpu)
        cpu_remove_exec_observer(v->cpu, vcd_cpu_event, v);
    v->cpu = NULL;
    v->finished = true;
}

bool vcd_finish(Vcd *v, FILE *warn, Error **errp)
{
    uint64_t end = v->cpu ? cpu_cycles(v->cpu) : v->clock ? clock_now(v->clock) : 0;
    vcd_stop(v);
    flush_until(v, UINT64_MAX);
    write_pending(v);
    if (v->clock)
        write_time(v, v->body, end); /* the waveform lasts to the run's end */
    for (size_t i = 0; i < v->npatterns; i++)
        if (!v->pattern_used[i] && warn)
            fprintf(warn, "mcusim: --vcd-signals: '%s' matched no signal\n", v->patterns[i]);
    if (!output_file_write(v->out, write_file, v, errp)) {
        error_prepend(errp, "--vcd %s: ", v->path);
        return false;
    }
    return true;
}

void vcd_free(Vcd *v)
{
    if (!v)
        return;
    output_file_free(v->out);
    if (v->body)
        fclose(v->body);
    for (size_t i = 0; i < v->nsignals; i++)
        free(v->signals[i].name);
    free(v->signals);
    free(v->slots);
    free(v->queue);
    free(v->pending);
    for (size_t i = 0; i < v->npatterns; i++)
        free(v->patterns[i]);
    free(v->patterns);
    free(v->pattern_used);
    free(v->path);
    free(v);
}
