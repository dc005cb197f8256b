/* --record and --replay files (sim/record.h).
 *
 * Every line is built in memory, then its CRC-32 is appended and it is
 * written and flushed at once. Reading takes the whole file first and
 * checks every line before anything is used, so a damaged file changes
 * nothing: the run does not start.
 *
 * Fields are separated by one space. Strings are "quoted", with \" \\ \n
 * \r \t and \xHH for other bytes outside printable ASCII; byte strings are
 * hex digits ("-" when empty); numbers decimal; pc, addresses, register
 * values and hashes 0x-hex.
 */
#include "sim/record.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "soc/alloc.h"
#include "soc/crc32.h"
#include "soc/file.h"

#define RECORD_MAGIC "mcusim-record"
/* The longest line accepted: a command line or a gdb write is far less. */
#define RECORD_LINE_MAX (1u << 20)

/* ---- building a line ---- */

typedef struct Line {
    char *text;
    size_t len, cap;
} Line;

static void line_put(Line *l, const char *bytes, size_t n)
{
    if (l->len + n + 1 > l->cap) {
        size_t cap = l->cap ? l->cap : 128;
        while (cap < l->len + n + 1)
            cap *= 2;
        l->text = xrealloc(l->text, cap);
        l->cap = cap;
    }
    memcpy(l->text + l->len, bytes, n);
    l->len += n;
    l->text[l->len] = '\0';
}

static void line_printf(Line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void line_printf(Line *l, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *text = NULL;
    int n = vasprintf(&text, fmt, ap);
    va_end(ap);
    if (n < 0)
        abort(); /* out of memory */
    line_put(l, text, (size_t)n);
    free(text);
}

static void line_quoted(Line *l, const char *s, size_t n)
{
    line_put(l, " \"", 2);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            line_printf(l, "\\%c", c);
        else if (c == '\n')
            line_put(l, "\\n", 2);
        else if (c == '\r')
            line_put(l, "\\r", 2);
        else if (c == '\t')
            line_put(l, "\\t", 2);
        else if (c < 0x20 || c >= 0x7f)
            line_printf(l, "\\x%02x", c);
        else
            line_put(l, (const char *)&c, 1);
    }
    line_put(l, "\"", 1);
}

static void line_hex(Line *l, const uint8_t *bytes, size_t n)
{
    if (n == 0) {
        line_put(l, " -", 2);
        return;
    }
    line_put(l, " ", 1);
    for (size_t i = 0; i < n; i++)
        line_printf(l, "%02x", bytes[i]);
}

static void line_position(Line *l, const SimPosition *p, bool before_events)
{
    line_printf(l, " %" PRIu64 " %" PRIu64 " 0x%08" PRIx32 " %c", p->cycles, p->retired,
                p->pc, before_events ? 'b' : 's');
}

/* ---- --record ---- */

struct Recorder {
    FILE *out;
    char *path;
    OutputWatch watch;
    InputLog *log;
    Line line;
};

/* Ends the line with its checksum, writes and flushes it. */
static void recorder_emit(Recorder *rec)
{
    Line *l = &rec->line;
    line_printf(l, " ~%08" PRIx32 "\n", crc32_of(l->text, l->len));
    if (rec->out && !rec->watch.lost &&
        (fwrite(l->text, 1, l->len, rec->out) != l->len || fflush(rec->out) != 0))
        output_lost(&rec->watch, errno);
    l->len = 0;
}

static const char *source_word(MonitorSource source)
{
    return source == MONITOR_FROM_GDB ? "gdb" : "console";
}

static void put_entry(Line *l, const InputEntry *e)
{
    line_printf(l, "%s", input_kind_name(e->kind));
    line_position(l, &e->pos, e->before_events);
    switch (e->kind) {
    case INPUT_UART_OPEN:
        line_quoted(l, e->device, strlen(e->device));
        line_printf(l, " %d", e->eof);
        break;
    case INPUT_UART_READ:
        line_quoted(l, e->device, strlen(e->device));
        line_hex(l, e->bytes, e->len);
        line_printf(l, " %d", e->eof);
        break;
    case INPUT_UART_WAKE:
        line_quoted(l, e->device, strlen(e->device));
        break;
    case INPUT_COMMAND:
        line_printf(l, " %s", source_word(e->source));
        line_quoted(l, e->line, strlen(e->line));
        break;
    case INPUT_GDB_REGISTER:
        line_printf(l, " %" PRIu32 " 0x%08" PRIx32, e->regnum, e->value);
        break;
    case INPUT_GDB_MEMORY:
        line_printf(l, " 0x%08" PRIx32, e->addr);
        line_hex(l, e->bytes, e->len);
        break;
    }
}

static void rec_appended(void *opaque, uint64_t index, const InputEntry *entry)
{
    Recorder *rec = opaque;
    put_entry(&rec->line, entry);
    recorder_emit(rec);
}

static void rec_truncated(void *opaque, uint64_t index)
{
    Recorder *rec = opaque;
    line_printf(&rec->line, "truncate %" PRIu64, index);
    recorder_emit(rec);
}

static void put_header(Recorder *rec, const RecordHeader *h)
{
    line_printf(&rec->line, RECORD_MAGIC " %d", RECORD_VERSION);
    recorder_emit(rec);
    line_printf(&rec->line, "firmware");
    line_quoted(&rec->line, h->firmware, strlen(h->firmware));
    line_printf(&rec->line, " 0x%016" PRIx64, h->firmware_hash);
    recorder_emit(rec);
    for (size_t i = 0; i < h->noptions; i++) {
        line_printf(&rec->line, "option %s", h->options[i].key);
        line_quoted(&rec->line, h->options[i].value, strlen(h->options[i].value));
        recorder_emit(rec);
    }
    line_printf(&rec->line, "begin");
    recorder_emit(rec);
}

Recorder *recorder_open(const char *path, const RecordHeader *header,
                        const OutputInput *inputs, size_t ninputs, OutputLostFn lost,
                        void *opaque, Error **errp)
{
    OutputFile *check = output_file_open(path, inputs, ninputs, errp);
    if (!check)
        return NULL;
    output_file_free(check);
    FILE *out = file_fopen_output(path, errp);
    if (!out)
        return NULL;
    Recorder *rec = xcalloc(1, sizeof *rec);
    rec->out = out;
    rec->path = xstrdup(path);
    output_watch_init(&rec->watch, xasprintf("--record %s", path), lost, opaque);
    put_header(rec, header);
    return rec;
}

static const InputLogListener rec_listener = {
    .appended = rec_appended,
    .truncated = rec_truncated,
};

void recorder_attach(Recorder *rec, InputLog *log)
{
    rec->log = log;
    input_log_set_listener(log, &rec_listener, rec);
}

static void recorder_close(Recorder *rec)
{
    if (rec->log)
        input_log_set_listener(rec->log, NULL, NULL);
    rec->log = NULL;
    if (rec->out && fclose(rec->out) != 0 && !rec->watch.lost)
        output_lost(&rec->watch, errno);
    rec->out = NULL;
}

void recorder_finish(Recorder *rec, const SimPosition *end, bool before_events, int status)
{
    if (!rec || !rec->out)
        return;
    line_printf(&rec->line, "end");
    line_position(&rec->line, end, before_events);
    line_printf(&rec->line, " %d", status);
    recorder_emit(rec);
    recorder_close(rec);
}

void recorder_free(Recorder *rec)
{
    if (!rec)
        return;
    recorder_close(rec);
    output_watch_fini(&rec->watch);
    free(rec->line.text);
    free(rec->path);
    free(rec);
}

/* ---- --replay: reading ---- */

struct Recording {
    char *path;
    char *firmware;
    uint64_t firmware_hash;
    RecordOption *options; /* key and value malloc'd */
    size_t noptions;
    InputEntry *entries;   /* after truncations; moved out by recording_load */
    size_t nentries, cap;
    uint64_t count;        /* inputs the file holds */
    bool has_end;
    SimPosition end;
    bool end_before_events;
    int end_status;
};

/* A cursor in one line's fields (the checksum taken off). */
typedef struct Fields {
    const char *p, *end;
    const char *line;  /* for offsets */
    size_t line_offset;
    const char *error; /* the first thing wrong */
    size_t error_at;   /* its offset in the file */
} Fields;

static bool field_fail(Fields *f, const char *what)
{
    if (!f->error) {
        f->error = what;
        f->error_at = f->line_offset + (size_t)(f->p - f->line);
    }
    return false;
}

/* The separator before every field but the first. */
static bool field_space(Fields *f)
{
    if (f->p < f->end && *f->p == ' ') {
        f->p++;
        return true;
    }
    return field_fail(f, "a field is missing");
}

/* A bare word up to the next space. */
static bool field_word(Fields *f, const char **word, size_t *len)
{
    const char *start = f->p;
    while (f->p < f->end && *f->p != ' ')
        f->p++;
    *word = start;
    *len = (size_t)(f->p - start);
    return *len > 0 || field_fail(f, "an empty field");
}

static bool field_u64(Fields *f, uint64_t *out, int base)
{
    const char *w;
    size_t n;
    if (!field_word(f, &w, &n))
        return false;
    const char *digits = w;
    if (base == 16) {
        if (n < 3 || w[0] != '0' || w[1] != 'x')
            return field_fail(f, "a hex number (0x...) expected");
        digits += 2;
    }
    uint64_t v = 0;
    for (const char *c = digits; c < w + n; c++) {
        int d = *c >= '0' && *c <= '9' ? *c - '0'
                : base == 16 && *c >= 'a' && *c <= 'f' ? *c - 'a' + 10 : -1;
        if (d < 0)
            return field_fail(f, "a bad digit");
        if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
            return field_fail(f, "a number too large");
        v = v * (uint64_t)base + (uint64_t)d;
    }
    *out = v;
    return true;
}

static bool field_u32(Fields *f, uint32_t *out, int base)
{
    uint64_t v;
    if (!field_u64(f, &v, base))
        return false;
    if (v > UINT32_MAX)
        return field_fail(f, "a number too large");
    *out = (uint32_t)v;
    return true;
}

static bool field_bool(Fields *f, bool *out)
{
    uint64_t v;
    if (!field_u64(f, &v, 10))
        return false;
    if (v > 1)
        return field_fail(f, "0 or 1 expected");
    *out = v == 1;
    return true;
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Hex digits, or "-" for none: malloc'd (NULL when empty). */
static bool field_bytes(Fields *f, uint8_t **bytes, size_t *len)
{
    const char *w;
    size_t n;
    if (!field_word(f, &w, &n))
        return false;
    *bytes = NULL;
    *len = 0;
    if (n == 1 && w[0] == '-')
        return true;
    if (n % 2)
        return field_fail(f, "an odd number of hex digits");
    uint8_t *out = xmalloc(n / 2);
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hexval(w[2 * i]), lo = hexval(w[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            free(out);
            return field_fail(f, "a bad hex digit");
        }
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    *bytes = out;
    *len = n / 2;
    return true;
}

/* A "quoted" string: malloc'd, NUL-terminated; *len (may be NULL) its
 * length (it may hold NULs only when the caller takes *len). */
static bool field_string(Fields *f, char **out, size_t *len)
{
    if (f->p >= f->end || *f->p != '"')
        return field_fail(f, "a \"quoted\" string expected");
    f->p++;
    Line s = {0};
    line_put(&s, "", 0);
    while (f->p < f->end && *f->p != '"') {
        char c = *f->p++;
        if (c != '\\') {
            line_put(&s, &c, 1);
            continue;
        }
        if (f->p >= f->end)
            break;
        char e = *f->p++;
        if (e == 'x' && f->end - f->p >= 2 && hexval(f->p[0]) >= 0 && hexval(f->p[1]) >= 0) {
            c = (char)(hexval(f->p[0]) << 4 | hexval(f->p[1]));
            f->p += 2;
        } else if (e == 'n' || e == 'r' || e == 't' || e == '"' || e == '\\') {
            c = e == 'n' ? '\n' : e == 'r' ? '\r' : e == 't' ? '\t' : e;
        } else {
            free(s.text);
            return field_fail(f, "a bad escape");
        }
        line_put(&s, &c, 1);
    }
    if (f->p >= f->end) {
        free(s.text);
        return field_fail(f, "an unterminated string");
    }
    f->p++;
    if (!len && strlen(s.text) != s.len) {
        free(s.text);
        return field_fail(f, "a NUL byte in a name");
    }
    if (len)
        *len = s.len;
    *out = s.text;
    return true;
}

static bool fields_done(Fields *f)
{
    return f->p == f->end || field_fail(f, "unexpected text at the end");
}

static bool field_position(Fields *f, SimPosition *p, bool *before_events)
{
    const char *w;
    size_t n;
    if (!(field_space(f) && field_u64(f, &p->cycles, 10) && field_space(f) &&
          field_u64(f, &p->retired, 10) && field_space(f) && field_u32(f, &p->pc, 16) &&
          field_space(f) && field_word(f, &w, &n)))
        return false;
    if (n != 1 || (w[0] != 'b' && w[0] != 's'))
        return field_fail(f, "b or s expected");
    *before_events = w[0] == 'b';
    return true;
}

static bool field_source(Fields *f, MonitorSource *source)
{
    const char *w;
    size_t n;
    if (!field_word(f, &w, &n))
        return false;
    if (n == 3 && memcmp(w, "gdb", 3) == 0)
        *source = MONITOR_FROM_GDB;
    else if (n == 7 && memcmp(w, "console", 7) == 0)
        *source = MONITOR_FROM_CONSOLE;
    else
        return field_fail(f, "gdb or console expected");
    return true;
}

/* The fields of an input of `kind`, after its name. */
static bool parse_entry(Fields *f, InputKind kind, InputEntry *e)
{
    *e = (InputEntry){.kind = kind};
    if (!field_position(f, &e->pos, &e->before_events) || !field_space(f))
        return false;
    switch (kind) {
    case INPUT_UART_OPEN:
        return field_string(f, &e->device, NULL) && field_space(f) && field_bool(f, &e->eof);
    case INPUT_UART_READ:
        return field_string(f, &e->device, NULL) && field_space(f) &&
               field_bytes(f, &e->bytes, &e->len) && field_space(f) && field_bool(f, &e->eof);
    case INPUT_UART_WAKE:
        return field_string(f, &e->device, NULL);
    case INPUT_COMMAND:
        return field_source(f, &e->source) && field_space(f) &&
               field_string(f, &e->line, NULL);
    case INPUT_GDB_REGISTER:
        return field_u32(f, &e->regnum, 10) && field_space(f) && field_u32(f, &e->value, 16);
    case INPUT_GDB_MEMORY:
        return field_u32(f, &e->addr, 16) && field_space(f) &&
               field_bytes(f, &e->bytes, &e->len);
    }
    return field_fail(f, "an unknown input");
}

static bool kind_named(const char *w, size_t n, InputKind *kind)
{
    for (int k = INPUT_UART_OPEN; k <= INPUT_KIND_MAX; k++) {
        const char *name = input_kind_name((InputKind)k);
        if (strlen(name) == n && memcmp(name, w, n) == 0) {
            *kind = (InputKind)k;
            return true;
        }
    }
    return false;
}

static void add_entry(Recording *r, const InputEntry *e)
{
    if (r->nentries == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 64;
        r->entries = xreallocarray(r->entries, r->cap, sizeof *r->entries);
    }
    r->entries[r->nentries++] = *e;
}

static void truncate_entries(Recording *r, uint64_t index)
{
    while (r->nentries > index)
        input_entry_clear(&r->entries[--r->nentries]);
}

/* Where the reader stands: the header (in its order), then the inputs,
 * then nothing after the end. */
typedef enum ReadStage { STAGE_MAGIC, STAGE_FIRMWARE, STAGE_OPTIONS, STAGE_INPUTS, STAGE_OVER } ReadStage;

static bool parse_header_line(Fields *f, Recording *r, ReadStage *stage, const char *w,
                              size_t n)
{
    if (*stage == STAGE_MAGIC) {
        uint64_t version;
        if (!(n == strlen(RECORD_MAGIC) && memcmp(w, RECORD_MAGIC, n) == 0))
            return field_fail(f, "not an mcusim recording");
        if (!field_space(f))
            return false;
        const char *at = f->p;
        if (!field_u64(f, &version, 10) || !fields_done(f))
            return false;
        if (version != RECORD_VERSION) {
            f->p = at;
            return field_fail(f, "another version of the format (this mcusim reads "
                                 "version 1)");
        }
        *stage = STAGE_FIRMWARE;
        return true;
    }
    if (*stage == STAGE_FIRMWARE) {
        if (!(n == 8 && memcmp(w, "firmware", 8) == 0))
            return field_fail(f, "firmware expected");
        *stage = STAGE_OPTIONS;
        return field_space(f) && field_string(f, &r->firmware, NULL) && field_space(f) &&
               field_u64(f, &r->firmware_hash, 16) && fields_done(f);
    }
    if (n == 5 && memcmp(w, "begin", 5) == 0) {
        *stage = STAGE_INPUTS;
        return fields_done(f);
    }
    if (!(n == 6 && memcmp(w, "option", 6) == 0))
        return field_fail(f, "option or begin expected");
    const char *key;
    size_t klen;
    char *value;
    if (!field_space(f) || !field_word(f, &key, &klen) || !field_space(f) ||
        !field_string(f, &value, NULL))
        return false;
    r->options = xreallocarray(r->options, r->noptions + 1, sizeof *r->options);
    r->options[r->noptions++] = (RecordOption){xstrndup(key, klen), value};
    return fields_done(f);
}

static bool parse_input_line(Fields *f, Recording *r, ReadStage *stage, const char *w,
                             size_t n)
{
    InputKind kind;
    if (n == 8 && memcmp(w, "truncate", 8) == 0) {
        uint64_t index;
        if (!field_space(f) || !field_u64(f, &index, 10) || !fields_done(f))
            return false;
        if (index > r->nentries)
            return field_fail(f, "truncates past the inputs");
        truncate_entries(r, index);
        return true;
    }
    if (n == 3 && memcmp(w, "end", 3) == 0) {
        uint64_t status;
        if (!field_position(f, &r->end, &r->end_before_events) || !field_space(f) ||
            !field_u64(f, &status, 10) || !fields_done(f))
            return false;
        if (status > 255)
            return field_fail(f, "an exit status above 255");
        r->end_status = (int)status;
        r->has_end = true;
        *stage = STAGE_OVER;
        return true;
    }
    if (!kind_named(w, n, &kind))
        return field_fail(f, "an unknown input");
    InputEntry e;
    if (!parse_entry(f, kind, &e) || !fields_done(f)) {
        input_entry_clear(&e);
        return false;
    }
    add_entry(r, &e);
    return true;
}

/* One line, its checksum off: f->error says what is wrong. */
static bool parse_line(Fields *f, Recording *r, ReadStage *stage)
{
    if (*stage == STAGE_OVER)
        return field_fail(f, "text after the end");
    const char *w;
    size_t n;
    if (!field_word(f, &w, &n))
        return false;
    if (*stage == STAGE_INPUTS)
        return parse_input_line(f, r, stage, w, n);
    return parse_header_line(f, r, stage, w, n);
}

/* Splits off and checks the " ~XXXXXXXX" checksum of line[0..len). */
static bool line_checksum_ok(const char *line, size_t *len)
{
    if (*len < 10 || line[*len - 10] != ' ' || line[*len - 9] != '~')
        return false;
    uint32_t crc = 0;
    for (size_t i = *len - 8; i < *len; i++) {
        int d = hexval(line[i]);
        if (d < 0)
            return false;
        crc = crc << 4 | (uint32_t)d;
    }
    *len -= 10;
    return crc32_of(line, *len) == crc;
}

void recording_free(Recording *r)
{
    if (!r)
        return;
    free(r->path);
    free(r->firmware);
    for (size_t i = 0; i < r->noptions; i++) {
        free((char *)r->options[i].key);
        free((char *)r->options[i].value);
    }
    free(r->options);
    truncate_entries(r, 0);
    free(r->entries);
    free(r);
}

static Recording *read_fail(Recording *r, const char *path, size_t offset, const char *what,
                            Error **errp)
{
    error_setf(errp, "%s: offset %zu: %s", path, offset, what);
    recording_free(r);
    return NULL;
}

Recording *recording_read(const char *path, Error **errp)
{
    size_t size;
    char *text = file_read_all(path, &size, errp);
    if (!text)
        return NULL;
    Recording *r = xcalloc(1, sizeof *r);
    r->path = xstrdup(path);
    ReadStage stage = STAGE_MAGIC;
    size_t offset = 0;
    const char *failure = NULL;
    size_t fail_at = 0;
    while (offset < size && !failure) {
        const char *line = text + offset;
        const char *nl = memchr(line, '\n', size - offset);
        size_t len = nl ? (size_t)(nl - line) : size - offset;
        if (!nl || len > RECORD_LINE_MAX) {
            failure = !nl ? "truncated: the last line has no end" : "a line too long";
            fail_at = offset;
        } else if (!line_checksum_ok(line, &len)) {
            failure = "damaged: the line's checksum does not match";
            fail_at = offset;
        } else {
            Fields f = {.p = line, .end = line + len, .line = line, .line_offset = offset};
            if (!parse_line(&f, r, &stage)) {
                failure = f.error ? f.error : "a bad line";
                fail_at = f.error_at;
            }
            offset += (size_t)(nl - line) + 1;
        }
    }
    if (!failure && stage < STAGE_INPUTS) {
        failure = size ? "truncated: the header does not end" : "empty: not a recording";
        fail_at = size;
    }
    free(text);
    if (failure)
        return read_fail(r, path, fail_at, failure, errp);
    r->count = r->nentries;
    return r;
}

static const char *option_value(const RecordOption *options, size_t n, size_t i)
{
    return i < n ? options[i].value : NULL;
}

bool recording_check(const Recording *r, const RecordHeader *run, Error **errp)
{
    if (r->firmware_hash != run->firmware_hash) {
        error_setf(errp, "%s: recorded with another firmware (%s, hash 0x%016" PRIx64
                   "), not %s (hash 0x%016" PRIx64 ")", r->path, r->firmware,
                   r->firmware_hash, run->firmware, run->firmware_hash);
        return false;
    }
    size_t n = r->noptions > run->noptions ? r->noptions : run->noptions;
    for (size_t i = 0; i < n; i++) {
        const char *was = option_value(r->options, r->noptions, i);
        const char *now = option_value(run->options, run->noptions, i);
        const char *was_key = i < r->noptions ? r->options[i].key : NULL;
        const char *now_key = i < run->noptions ? run->options[i].key : NULL;
        if (was && now && strcmp(was_key, now_key) == 0 && strcmp(was, now) == 0)
            continue;
        if (was && now && strcmp(was_key, now_key) == 0)
            error_setf(errp, "%s: recorded with %s '%s', this run has %s '%s'", r->path,
                       was_key, was, now_key, now);
        else if (was)
            error_setf(errp, "%s: recorded with %s '%s', which this run does not have "
                       "(the replay must repeat the recorded command line)", r->path,
                       was_key, was);
        else
            error_setf(errp, "%s: this run has %s '%s', which the recording did not "
                       "(the replay must repeat the recorded command line)", r->path,
                       now_key, now);
        return false;
    }
    return true;
}

void recording_load(Recording *r, InputLog *log)
{
    for (size_t i = 0; i < r->nentries; i++)
        input_log_load_taken(log, &r->entries[i]);
    free(r->entries); /* the log has them now */
    r->entries = NULL;
    r->nentries = r->cap = 0;
    if (r->has_end)
        input_log_set_end(log, &r->end, r->end_before_events, r->end_status);
    input_log_replay_from(log, input_log_first(log));
}

bool recording_has_end(const Recording *r)
{
    return r->has_end;
}

uint64_t recording_count(const Recording *r)
{
    return r->count;
}

/* ---- applying ---- */

static bool apply_register(Cpu *cpu, const InputEntry *e, Error **errp)
{
    if (e->regnum >= 1 && e->regnum < 32)
        cpu_set_reg(cpu, e->regnum, e->value);
    else if (e->regnum == 32)
        cpu_set_pc(cpu, e->value);
    else if (e->regnum < 65 || e->regnum >= 65 + 4096 || !cpu_set_csr(cpu, e->regnum - 65,
                                                                      e->value)) {
        error_setf(errp, "no register %" PRIu32 " on this hart", e->regnum);
        return false;
    }
    return true;
}

bool replay_apply(void *target, const InputEntry *e, Error **errp)
{
    ReplayTarget *t = target;
    switch (e->kind) {
    case INPUT_COMMAND: {
        if (!t->monitor) {
            error_setf(errp, "no monitor to run it");
            return false;
        }
        MonitorRequest request;
        free(monitor_exec_text(t->monitor, e->source, e->line, &request, NULL));
        monitor_request_free(&request);
        return true;
    }
    case INPUT_GDB_REGISTER:
        return apply_register(t->cpu, e, errp);
    case INPUT_GDB_MEMORY:
        /* As gdb's: a part may fail, the same part as when recorded. */
        memory_debug_write(t->ms, e->addr, e->bytes, e->len, NULL);
        return true;
    case INPUT_UART_WAKE:
        if (!t->taps) {
            error_setf(errp, "no serial ports");
            return false;
        }
        return uart_taps_replay_wake(t->taps, e->device, errp);
    case INPUT_UART_OPEN:
    case INPUT_UART_READ:
        break;
    }
    error_setf(errp, "a UART's input is not the runner's to apply");
    return false;
}
