/* Taps on the peripherals' chardevs (sim/uart_tap.h).
 *
 * One TapEntry per peripheral name, made by the first uart_taps_wrap of
 * that name and kept until uart_taps_free, so bytes queued for a name wait
 * for whichever chardev the name opens next (a replaced UART's, one
 * re-created by power-on). Each entry lists the wrappers open under its
 * name, newest first: during a replace, and while a removed device
 * finishes an MMIO access, an old and a new one are open together, and
 * only the newest (the device now answering to the name) reads the
 * queue and is woken by a send.
 */
#include "sim/uart_tap.h"

#include <stdlib.h>
#include <string.h>

#include "soc/alloc.h"

typedef struct TapChardev TapChardev;

typedef struct TapEntry {
    char *device;
    uint8_t *queue; /* injected bytes not read yet: queue[head..len) */
    size_t head, len, cap;
    TapChardev *open; /* the wrappers open under this name, newest first */
    struct TapEntry *next;
} TapEntry;

struct TapChardev {
    Chardev base;
    Chardev *inner;
    UartTaps *taps;  /* NULL once the taps were freed before this closed */
    TapEntry *entry; /* NULL likewise */
    TapChardev *next;
};

struct UartTaps {
    TapEntry *entries;
    UartTapObserver observer;
    void *observer_opaque;
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
        free(e);
        e = next;
    }
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

/* The wrapper's input has ended when its backend's has and nothing it may
 * read waits in the queue. */
static void update_eof(TapChardev *w)
{
    size_t mine = is_newest(w) ? queued(w->entry) : 0;
    w->base.eof = chardev_input_ended(w->inner) && mine == 0;
}

static void tap_write(Chardev *chr, const uint8_t *buf, size_t len)
{
    TapChardev *w = (TapChardev *)chr;
    chardev_write(w->inner, buf, len);
    if (w->taps && w->taps->observer && len)
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

/* Injected bytes first, then the backend's. */
static size_t tap_read(Chardev *chr, uint8_t *buf, size_t max)
{
    TapChardev *w = (TapChardev *)chr;
    size_t n = is_newest(w) ? take_queued(w->entry, buf, max) : 0;
    if (n < max)
        n += chardev_read(w->inner, buf + n, max - n);
    update_eof(w);
    return n;
}

static void tap_close(Chardev *chr)
{
    TapChardev *w = (TapChardev *)chr;
    if (w->entry) {
        TapChardev **link = &w->entry->open;
        while (*link != w)
            link = &(*link)->next;
        *link = w->next;
        /* the next newest takes over the queue; wake it if it waits */
        TapChardev *now = w->entry->open;
        if (now && queued(w->entry) && now->base.eof) {
            now->base.eof = false;
            chardev_input_arrived(&now->base);
        }
    }
    chardev_close(w->inner);
    free(w);
}

/* The backend's own input came back (a tcp client connected again). */
static void inner_input_arrived(void *opaque)
{
    TapChardev *w = opaque;
    if (!w->base.eof)
        return;
    update_eof(w);
    if (!w->base.eof)
        chardev_input_arrived(&w->base);
}

static const ChardevOps tap_ops = {
    .write = tap_write,
    .read = tap_read,
    .close = tap_close,
};

Chardev *uart_taps_wrap(UartTaps *taps, const char *device, Chardev *inner)
{
    TapChardev *w = xcalloc(1, sizeof *w);
    w->base.ops = &tap_ops;
    w->inner = inner;
    chardev_set_input_handler(inner, inner_input_arrived, w);
    w->taps = taps;
    w->entry = entry_for(taps, device);
    w->next = w->entry->open;
    w->entry->open = w;
    update_eof(w);
    return &w->base;
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
