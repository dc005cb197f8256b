/* Taps on the peripherals' chardevs (sim/uart_tap.h).
 *
 * One TapEntry per peripheral name, made by the first chardev of that
 * name and kept until uart_taps_free, so bytes queued for a name wait
 * for whichever chardev the name opens next (a replaced UART's, one
 * re-created by power-on). Each entry lists the wrappers open under its
 * name, newest first: during a replace, and while a removed device
 * finishes an MMIO access, an old and a new one are open together, and
 * only the newest (the device now answering to the name) reads the
 * queue and is woken by a send.
 *
 * A wrapper's host backend is a TapBackend, which lists the wrappers
 * sharing it, newest first: the list is its reference count (the last
 * wrapper to leave closes it) and its head is the one wrapper that reads
 * it. All of them are of one name, so the head is the newest of the
 * name among them.
 */
#include "sim/uart_tap.h"
#include "sim/input_log.h"

#include <stdlib.h>
#include <string.h>

#include "soc/alloc.h"

typedef struct TapChardev TapChardev;

typedef struct TapBackend {
    Chardev *inner;
    char *spec;        /* what it was opened with; NULL: never shared */
    TapChardev *users; /* the wrappers sharing it, newest first */
    UartTaps *taps;    /* NULL once the taps were freed */
    char *device;      /* the name it was opened for, for the input log */
    /* Whether its input has ended, as the devices see it: set when it
     * opens and by reads and wake-ups, each of which the input log
     * records (or, replaying, says), so that a replay sees the same. */
    bool ended;
} TapBackend;

/* Output kept for `uart NAME read` (uart_taps_capture): unread bytes
 * are bytes[head..len). */
typedef struct Capture {
    uint8_t *bytes;
    size_t head, len, cap;
} Capture;

typedef struct TapEntry {
    char *device;
    uint8_t *queue; /* injected bytes not read yet: queue[head..len) */
    size_t head, len, cap;
    Capture out;
    TapChardev *open; /* the wrappers open under this name, newest first */
    struct TapEntry *next;
} TapEntry;

struct TapChardev {
    Chardev base;
    TapBackend *backend;
    UartTaps *taps;  /* NULL once the taps were freed before this closed */
    TapEntry *entry; /* NULL likewise */
    TapChardev *next;      /* in entry->open */
    TapChardev *next_user; /* in backend->users */
};

/* A run-until's wait for a text (uart_taps_watch). */
typedef struct Watch {
    bool active;
    TapEntry *entry; /* NULL until a chardev of that name opens */
    char *device;
    uint8_t *text;
    size_t len;
    void (*fn)(void *opaque);
    void *opaque;
} Watch;

struct UartTaps {
    TapEntry *entries;
    UartTapObserver observer;
    void *observer_opaque;
    size_t capture_max; /* 0: capture off */
    Watch watch;
    InputLog *log;      /* NULL: inputs are not logged */
    bool muted;         /* re-executing the past: no output, no backend input */
    TapBackend **backends; /* every open backend, for the log going live */
    size_t nbackends;
};

UartTaps *uart_taps_new(void)
{
    return xcalloc(1, sizeof(UartTaps));
}

/* Wrappers still open lose their entry and pass bytes through untapped
 * from now on: the device that owns one closes it later, safely. */
void uart_taps_free(UartTaps *taps)
{
    if (!taps)
        return;
    TapEntry *e = taps->entries;
    while (e) {
        TapEntry *next = e->next;
        for (TapChardev *w = e->open; w; w = w->next) {
            w->taps = NULL;
            w->entry = NULL;
        }
        free(e->device);
        free(e->queue);
        free(e->out.bytes);
        free(e);
        e = next;
    }
    for (size_t i = 0; i < taps->nbackends; i++)
        taps->backends[i]->taps = NULL;
    free(taps->backends);
    uart_taps_set_input_log(taps, NULL);
    uart_taps_unwatch(taps);
    free(taps);
}

void uart_taps_set_observer(UartTaps *taps, UartTapObserver fn, void *opaque)
{
    taps->observer = fn;
    taps->observer_opaque = opaque;
}

static TapEntry *find_entry(const UartTaps *taps, const char *device)
{
    for (TapEntry *e = taps->entries; e; e = e->next)
        if (strcmp(e->device, device) == 0)
            return e;
    return NULL;
}

static TapEntry *entry_for(UartTaps *taps, const char *device)
{
    TapEntry *e = find_entry(taps, device);
    if (e)
        return e;
    e = xcalloc(1, sizeof *e);
    e->device = xstrdup(device);
    e->next = taps->entries;
    taps->entries = e;
    return e;
}

static size_t queued(const TapEntry *e)
{
    return e ? e->len - e->head : 0;
}

static bool is_newest(const TapChardev *w)
{
    return w->entry && w->entry->open == w;
}

static bool reads_backend(const TapChardev *w)
{
    return w->backend->users == w;
}

/* The wrapper's input has ended when nothing it may read is left: the
 * queue is the newest's, the backend its newest user's. */
static void update_eof(TapChardev *w)
{
    size_t mine = is_newest(w) ? queued(w->entry) : 0;
    bool backend_ended = !reads_backend(w) || w->backend->ended;
    w->base.eof = backend_ended && mine == 0;
}

/* Wakes `w` if it had stopped polling and may read something now (it
 * became the reader of a queue or a backend, or input came back). */
static void wake_if_input(TapChardev *w)
{
    if (!w || !w->base.eof)
        return;
    update_eof(w);
    if (!w->base.eof)
        chardev_input_arrived(&w->base);
}

static void capture(UartTaps *taps, TapEntry *e, const uint8_t *buf, size_t len);

static void tap_write(Chardev *chr, const uint8_t *buf, size_t len)
{
    TapChardev *w = (TapChardev *)chr;
    if (w->taps && w->taps->muted)
        return; /* it was seen when it first ran */
    chardev_write(w->backend->inner, buf, len);
    if (!w->taps || !len)
        return;
    if (w->taps->capture_max)
        capture(w->taps, w->entry, buf, len);
    if (w->taps->observer)
        w->taps->observer(w->taps->observer_opaque, w->entry->device, buf, len);
}

static size_t take_queued(TapEntry *e, uint8_t *buf, size_t max)
{
    size_t n = queued(e) < max ? queued(e) : max;
    if (n == 0)
        return 0;
    memcpy(buf, e->queue + e->head, n);
    e->head += n;
    if (e->head == e->len)
        e->head = e->len = 0;
    return n;
}

static InputLog *log_of(const TapBackend *b)
{
    return b->taps ? b->taps->log : NULL;
}

/* The backend's bytes for a read: replaying, the logged ones (the backend
 * itself is not read: its input waits); live, the backend's, logged with
 * whether its input has ended, when that changed or bytes came. */
static size_t backend_read(TapBackend *b, uint8_t *buf, size_t max)
{
    InputLog *log = log_of(b);
    if (b->ended)
        return 0;
    if (log && input_log_replaying(log))
        return input_log_uart_replay_read(log, b->device, buf, max, &b->ended);
    if (b->taps && b->taps->muted)
        return 0; /* the backend's input is the present's */
    size_t n = chardev_read(b->inner, buf, max);
    bool ended = chardev_input_ended(b->inner);
    if (n || ended != b->ended)
        input_log_uart_read(log, b->device, buf, n, ended);
    b->ended = ended;
    return n;
}

/* Injected bytes first, then the backend's. */
static size_t tap_read(Chardev *chr, uint8_t *buf, size_t max)
{
    TapChardev *w = (TapChardev *)chr;
    size_t n = is_newest(w) ? take_queued(w->entry, buf, max) : 0;
    if (n < max && reads_backend(w))
        n += backend_read(w->backend, buf + n, max - n);
    update_eof(w);
    return n;
}

/* The backend's input is there again: its reader is woken. */
static void backend_wake(TapBackend *b)
{
    b->ended = false;
    wake_if_input(b->users);
}

/* The backend's own input came back (stdin handed over by a closed
 * chardev): logged, and its reader woken. Replaying, the log's wake-ups
 * stand in for the backend's (uart_taps_replay_wake). */
static void backend_input_arrived(void *opaque)
{
    TapBackend *b = opaque;
    InputLog *log = log_of(b);
    if ((log && input_log_replaying(log)) || (b->taps && b->taps->muted))
        return; /* uart_taps_set_muted looks again */
    if (!b->ended || chardev_input_ended(b->inner))
        return;
    input_log_uart_wake(log, b->device);
    backend_wake(b);
}

static void backends_add(UartTaps *taps, TapBackend *b)
{
    taps->backends = xreallocarray(taps->backends, taps->nbackends + 1,
                                   sizeof *taps->backends);
    taps->backends[taps->nbackends++] = b;
}

static void backends_remove(UartTaps *taps, TapBackend *b)
{
    for (size_t i = 0; i < taps->nbackends; i++) {
        if (taps->backends[i] == b) {
            taps->backends[i] = taps->backends[--taps->nbackends];
            return;
        }
    }
}

/* Whether its input had ended when it opened: logged, or replaying, the
 * log's. */
static TapBackend *backend_new(UartTaps *taps, const char *device, Chardev *inner,
                               const char *spec)
{
    TapBackend *b = xcalloc(1, sizeof *b);
    b->inner = inner;
    b->spec = spec ? xstrdup(spec) : NULL;
    b->taps = taps;
    b->device = xstrdup(device);
    b->ended = chardev_input_ended(inner);
    input_log_uart_open(taps->log, device, &b->ended);
    backends_add(taps, b);
    chardev_set_input_handler(inner, backend_input_arrived, b);
    return b;
}

/* The backend of a wrapper of `device` opened on `spec` and still open;
 * NULL when there is none. */
static TapBackend *backend_to_share(const UartTaps *taps, const char *device,
                                    const char *spec)
{
    TapEntry *e = find_entry(taps, device);
    for (TapChardev *w = e ? e->open : NULL; w; w = w->next)
        if (w->backend->spec && strcmp(w->backend->spec, spec) == 0)
            return w->backend;
    return NULL;
}

/* Takes `w` off its backend's users and returns the next reader; the last
 * user closes the backend (NULL then). */
static TapChardev *backend_leave(TapChardev *w)
{
    TapBackend *b = w->backend;
    TapChardev **link = &b->users;
    while (*link != w)
        link = &(*link)->next_user;
    *link = w->next_user;
    if (b->users)
        return b->users;
    if (b->taps)
        backends_remove(b->taps, b);
    chardev_close(b->inner);
    free(b->spec);
    free(b->device);
    free(b);
    return NULL;
}

/* Takes `w` off its name's open wrappers and returns the newest left. */
static TapChardev *entry_leave(TapChardev *w)
{
    if (!w->entry)
        return NULL;
    TapChardev **link = &w->entry->open;
    while (*link != w)
        link = &(*link)->next;
    *link = w->next;
    return w->entry->open;
}

/* What `w` read passes on: the queue to the newest wrapper of its name,
 * the backend to its newest other user; each is woken if it had stopped
 * polling and has input now. */
static void tap_close(Chardev *chr)
{
    TapChardev *w = (TapChardev *)chr;
    TapChardev *queue_heir = entry_leave(w);
    TapChardev *backend_heir = backend_leave(w);
    free(w);
    wake_if_input(queue_heir);
    wake_if_input(backend_heir);
}

static const ChardevOps tap_ops = {
    .write = tap_write,
    .read = tap_read,
    .close = tap_close,
};

/* A wrapper of `device` on `b`, the newest of its name and of b's users
 * (the one that reads both from now on). */
static Chardev *wrapper_new(UartTaps *taps, const char *device, TapBackend *b)
{
    TapChardev *w = xcalloc(1, sizeof *w);
    w->base.ops = &tap_ops;
    w->backend = b;
    w->next_user = b->users;
    b->users = w;
    w->taps = taps;
    w->entry = entry_for(taps, device);
    if (taps->watch.active && !taps->watch.entry && strcmp(device, taps->watch.device) == 0)
        taps->watch.entry = w->entry;
    w->next = w->entry->open;
    w->entry->open = w;
    update_eof(w);
    return &w->base;
}

Chardev *uart_taps_wrap(UartTaps *taps, const char *device, Chardev *inner)
{
    return wrapper_new(taps, device, backend_new(taps, device, inner, NULL));
}

Chardev *uart_taps_open(UartTaps *taps, const char *device, const char *spec,
                        UartTapOpenFn open, void *opaque, Error **errp)
{
    TapBackend *b = backend_to_share(taps, device, spec);
    if (!b) {
        Chardev *inner = open(opaque, spec, errp);
        if (!inner)
            return NULL;
        b = backend_new(taps, device, inner, spec);
    }
    return wrapper_new(taps, device, b);
}

static void queue_append(TapEntry *e, const uint8_t *bytes, size_t len)
{
    if (e->head > 0 && e->len + len > e->cap) { /* reuse what was read */
        memmove(e->queue, e->queue + e->head, e->len - e->head);
        e->len -= e->head;
        e->head = 0;
    }
    if (e->len + len > e->cap) {
        size_t cap = e->cap ? e->cap : 64;
        while (cap < e->len + len)
            cap *= 2;
        e->queue = xrealloc(e->queue, cap);
        e->cap = cap;
    }
    memcpy(e->queue + e->len, bytes, len);
    e->len += len;
}

bool uart_taps_send(UartTaps *taps, const char *device, const uint8_t *bytes,
                    size_t len, Error **errp)
{
    TapEntry *e = find_entry(taps, device);
    TapChardev *live = e ? e->open : NULL;
    if (!live) {
        error_setf(errp, "'%s' has no serial port open (no such peripheral, "
                   "powered off, or no chardev)", device);
        return false;
    }
    if (len == 0)
        return true;
    queue_append(e, bytes, len);
    if (live->base.eof) {
        live->base.eof = false;
        chardev_input_arrived(&live->base);
    }
    return true;
}

/* ---- capture ---- */

void uart_taps_capture(UartTaps *taps, size_t max)
{
    taps->capture_max = max;
}

bool uart_taps_known(const UartTaps *taps, const char *device)
{
    return find_entry(taps, device) != NULL;
}

static size_t unread_len(const Capture *c)
{
    return c->len - c->head;
}

/* Room for n more bytes. The unread ones move to the front only when
 * the dropped ones before them are at least as many: each move is paid
 * for by as many bytes appended, so a full capture (every byte drops
 * one) does not move its whole megabyte per byte; the buffer grows to
 * about twice the bound instead. */
static void capture_reserve(Capture *c, size_t n)
{
    if (c->head > 0 && c->head >= unread_len(c) && c->len + n > c->cap) {
        memmove(c->bytes, c->bytes + c->head, unread_len(c));
        c->len -= c->head;
        c->head = 0;
    }
    if (c->len + n <= c->cap)
        return;
    size_t cap = c->cap ? c->cap : 256;
    while (cap < c->len + n)
        cap *= 2;
    c->bytes = xrealloc(c->bytes, cap);
    c->cap = cap;
}

/* Where text occurs in bytes[0..len) at or after `from`: the end of the
 * first occurrence. */
static bool find_in(const uint8_t *bytes, size_t len, size_t from, const uint8_t *text,
                    size_t tlen, size_t *end)
{
    if (tlen == 0 || len < tlen || from > len - tlen)
        return false;
    const uint8_t *hit = memmem(bytes + from, len - from, text, tlen);
    if (!hit)
        return false;
    *end = (size_t)(hit - bytes) + tlen;
    return true;
}

/* The watch fires when the text ends in what just came: only the last
 * len + tlen - 1 unread bytes are searched. */
static void check_watch(UartTaps *taps, TapEntry *e, size_t before)
{
    Watch *w = &taps->watch;
    if (!w->active || w->entry != e)
        return;
    const Capture *c = &e->out;
    size_t from = before >= w->len ? before - (w->len - 1) : 0;
    size_t end;
    if (!find_in(c->bytes + c->head, unread_len(c), from, w->text, w->len, &end))
        return;
    w->active = false; /* once */
    w->fn(w->opaque);
}

static void capture(UartTaps *taps, TapEntry *e, const uint8_t *buf, size_t len)
{
    Capture *c = &e->out;
    size_t max = taps->capture_max;
    if (len > max) { /* only the last max bytes can stay */
        buf += len - max;
        len = max;
    }
    if (unread_len(c) + len > max) /* the oldest make room */
        c->head += unread_len(c) + len - max;
    size_t before = unread_len(c);
    capture_reserve(c, len);
    memcpy(c->bytes + c->len, buf, len);
    c->len += len;
    check_watch(taps, e, before);
}

const uint8_t *uart_taps_unread(const UartTaps *taps, const char *device, size_t *len)
{
    TapEntry *e = find_entry(taps, device);
    *len = e ? unread_len(&e->out) : 0;
    return e && e->out.bytes ? e->out.bytes + e->out.head : (const uint8_t *)"";
}

void uart_taps_consume(UartTaps *taps, const char *device, size_t n)
{
    TapEntry *e = find_entry(taps, device);
    if (!e)
        return;
    Capture *c = &e->out;
    c->head += n < unread_len(c) ? n : unread_len(c);
    if (c->head == c->len)
        c->head = c->len = 0;
}

bool uart_taps_find(const UartTaps *taps, const char *device, const uint8_t *text,
                    size_t len, size_t *end)
{
    size_t n;
    const uint8_t *bytes = uart_taps_unread(taps, device, &n);
    return find_in(bytes, n, 0, text, len, end);
}

void uart_taps_watch(UartTaps *taps, const char *device, const uint8_t *text, size_t len,
                     void (*fn)(void *opaque), void *opaque)
{
    uart_taps_unwatch(taps);
    Watch *w = &taps->watch;
    uint8_t *copy = xmalloc(len ? len : 1);
    memcpy(copy, text, len);
    *w = (Watch){.active = true, .entry = find_entry(taps, device),
                 .device = xstrdup(device), .text = copy, .len = len,
                 .fn = fn, .opaque = opaque};
}

void uart_taps_unwatch(UartTaps *taps)
{
    Watch *w = &taps->watch;
    free(w->device);
    free(w->text);
    *w = (Watch){0};
}

/* ---- the input log (sim/input_log.h) ---- */

/* The log is live again: a backend whose input had ended as the log said
 * but has some now (a tcp client waited meanwhile) is woken, and that is
 * logged. */
static void taps_went_live(void *opaque)
{
    UartTaps *taps = opaque;
    if (taps->muted)
        return; /* uart_taps_set_muted looks when it ends */
    for (size_t i = 0; i < taps->nbackends; i++) {
        TapBackend *b = taps->backends[i];
        if (b->ended && !chardev_input_ended(b->inner)) {
            input_log_uart_wake(taps->log, b->device);
            backend_wake(b);
        }
    }
}

void uart_taps_set_input_log(UartTaps *taps, InputLog *log)
{
    if (taps->log)
        input_log_on_live(taps->log, NULL, NULL);
    taps->log = log;
    if (log)
        input_log_on_live(log, taps_went_live, taps);
}

bool uart_taps_replay_wake(UartTaps *taps, const char *device, Error **errp)
{
    for (size_t i = 0; i < taps->nbackends; i++) {
        TapBackend *b = taps->backends[i];
        if (strcmp(b->device, device) == 0 && b->users) {
            backend_wake(b);
            return true;
        }
    }
    error_setf(errp, "'%s' has no serial port open to wake", device);
    return false;
}

void uart_taps_set_muted(UartTaps *taps, bool muted)
{
    taps->muted = muted;
    if (!muted && !(taps->log && input_log_replaying(taps->log)))
        taps_went_live(taps);
}

/* ---- the taps' input state (reverse execution) ---- */

typedef struct SavedQueue {
    char *device;
    uint8_t *bytes;
    size_t len;
} SavedQueue;

typedef struct SavedBackend {
    char *device;
    bool ended;
} SavedBackend;

struct UartTapsState {
    SavedQueue *queues;
    size_t nqueues;
    SavedBackend *backends;
    size_t nbackends;
};

UartTapsState *uart_taps_state_save(const UartTaps *taps)
{
    UartTapsState *st = xcalloc(1, sizeof *st);
    for (const TapEntry *e = taps->entries; e; e = e->next) {
        if (queued(e) == 0)
            continue;
        st->queues = xreallocarray(st->queues, st->nqueues + 1, sizeof *st->queues);
        SavedQueue *q = &st->queues[st->nqueues++];
        q->device = xstrdup(e->device);
        q->len = queued(e);
        q->bytes = xmalloc(q->len);
        memcpy(q->bytes, e->queue + e->head, q->len);
    }
    if (taps->nbackends)
        st->backends = xreallocarray(NULL, taps->nbackends, sizeof *st->backends);
    for (size_t i = 0; i < taps->nbackends; i++)
        st->backends[st->nbackends++] = (SavedBackend){
            .device = xstrdup(taps->backends[i]->device),
            .ended = taps->backends[i]->ended,
        };
    return st;
}

static const SavedQueue *saved_queue(const UartTapsState *st, const char *device)
{
    for (size_t i = 0; i < st->nqueues; i++)
        if (strcmp(st->queues[i].device, device) == 0)
            return &st->queues[i];
    return NULL;
}

static const SavedBackend *saved_backend(const UartTapsState *st, const char *device)
{
    for (size_t i = 0; i < st->nbackends; i++)
        if (strcmp(st->backends[i].device, device) == 0)
            return &st->backends[i];
    return NULL;
}

void uart_taps_state_restore(UartTaps *taps, const UartTapsState *state)
{
    for (size_t i = 0; i < taps->nbackends; i++) {
        const SavedBackend *sb = saved_backend(state, taps->backends[i]->device);
        if (sb)
            taps->backends[i]->ended = sb->ended;
    }
    for (TapEntry *e = taps->entries; e; e = e->next) {
        const SavedQueue *q = saved_queue(state, e->device);
        e->head = e->len = 0;
        if (q)
            queue_append(e, q->bytes, q->len);
        for (TapChardev *w = e->open; w; w = w->next)
            update_eof(w);
    }
}

void uart_taps_state_free(UartTapsState *state)
{
    if (!state)
        return;
    for (size_t i = 0; i < state->nqueues; i++) {
        free(state->queues[i].device);
        free(state->queues[i].bytes);
    }
    for (size_t i = 0; i < state->nbackends; i++)
        free(state->backends[i].device);
    free(state->queues);
    free(state->backends);
    free(state);
}
