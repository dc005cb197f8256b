#include "soc/clock.h"
#include "soc/alloc.h"

#include <stdio.h>
#include <stdlib.h>

/* Pending events form a list sorted by (deadline, scheduling order): boards
 * have a handful of timers, so insertion by walking beats a heap. */
struct ClockEvent {
    Clock *clock;
    ClockEventFn fn;
    void *opaque;
    uint64_t when;
    uint64_t seq;     /* when it was scheduled, in scheduling order */
    bool pending;
    bool background;
    ClockEvent *next;
};

struct Clock {
    uint64_t hz;
    uint64_t now;
    ClockEvent *queue;
    size_t live_events;
    uint64_t seq;
    ClockDeadlineFn deadline_fn;
    void *deadline_opaque;
};

Clock *clock_new(uint64_t hz)
{
    Clock *clock = xcalloc(1, sizeof *clock);
    clock->hz = hz ? hz : 1;
    return clock;
}

void clock_free(Clock *clock)
{
    if (!clock)
        return;
    if (clock->live_events) {
        fprintf(stderr, "clock: freed with %zu events still alive\n",
                clock->live_events);
        abort();
    }
    free(clock);
}

uint64_t clock_hz(const Clock *clock) { return clock->hz; }
uint64_t clock_now(const Clock *clock) { return clock->now; }

/* Devices convert on every register access (a timer's count, a UART's
 * character time): the common cases avoid a 128-bit division. */
uint64_t clock_cycles_to(const Clock *clock, uint64_t cycles, uint64_t hz)
{
    if (hz == clock->hz)
        return cycles;
    if (hz == 0 || cycles <= UINT64_MAX / hz)
        return cycles * hz / clock->hz;
    return (uint64_t)((unsigned __int128)cycles * hz / clock->hz);
}

uint64_t clock_cycles_from(const Clock *clock, uint64_t ticks, uint64_t hz)
{
    if (hz == clock->hz)
        return ticks;
    if (ticks <= (UINT64_MAX - hz) / clock->hz)
        return (ticks * clock->hz + hz - 1) / hz;
    unsigned __int128 cycles = ((unsigned __int128)ticks * clock->hz + hz - 1) / hz;
    return cycles > UINT64_MAX ? CLOCK_NEVER : (uint64_t)cycles;
}

uint64_t clock_next_deadline(const Clock *clock)
{
    return clock->queue ? clock->queue->when : CLOCK_NEVER;
}

uint64_t clock_next_wakeup(const Clock *clock)
{
    for (const ClockEvent *e = clock->queue; e; e = e->next)
        if (!e->background)
            return e->when;
    return CLOCK_NEVER;
}

void clock_set_now(Clock *clock, uint64_t now)
{
    if (now > clock->now)
        clock->now = now;
}

void clock_set_deadline_listener(Clock *clock, ClockDeadlineFn fn, void *opaque)
{
    clock->deadline_fn = fn;
    clock->deadline_opaque = opaque;
}

static void unlink_event(ClockEvent *event)
{
    ClockEvent **link = &event->clock->queue;
    while (*link != event)
        link = &(*link)->next;
    *link = event->next;
    event->next = NULL;
    event->pending = false;
}

/* The next due event of this round. An event scheduled during the round
 * runs in it only if it lies later than the one that ran last: time moves
 * forward, so an event rescheduling itself for "now" (or the past) waits
 * for the next round instead of spinning here forever. */
static ClockEvent *first_due(const Clock *clock, uint64_t round, uint64_t last)
{
    for (ClockEvent *e = clock->queue; e && e->when <= clock->now; e = e->next)
        if (e->seq <= round || e->when > last)
            return e;
    return NULL;
}

void clock_advance(Clock *clock, uint64_t now)
{
    clock_set_now(clock, now);
    uint64_t round = clock->seq, last = 0;
    ClockEvent *event;
    while ((event = first_due(clock, round, last))) {
        last = event->when;
        unlink_event(event);
        /* Last use of event: the callback may free it. */
        event->fn(event->opaque);
    }
}

void clock_rewind(Clock *clock, uint64_t now)
{
    clock->now = now;
}

ClockEvent *clock_event_new(Clock *clock, ClockEventFn fn, void *opaque)
{
    ClockEvent *event = xcalloc(1, sizeof *event);
    event->clock = clock;
    event->fn = fn;
    event->opaque = opaque;
    clock->live_events++;
    return event;
}

void clock_event_free(ClockEvent *event)
{
    if (!event)
        return;
    clock_event_cancel(event);
    event->clock->live_events--;
    free(event);
}

void clock_event_cancel(ClockEvent *event)
{
    if (event->pending)
        unlink_event(event);
}

/* Puts the (unlinked) event in the queue by (deadline, order). */
static void insert_event(Clock *clock, ClockEvent *event, uint64_t when, uint64_t seq)
{
    ClockEvent **link = &clock->queue;
    while (*link && ((*link)->when < when || ((*link)->when == when && (*link)->seq < seq)))
        link = &(*link)->next;
    event->when = when;
    event->seq = seq;
    event->next = *link;
    event->pending = true;
    *link = event;
    if (clock->queue == event && clock->deadline_fn)
        clock->deadline_fn(clock->deadline_opaque);
}

void clock_event_schedule(ClockEvent *event, uint64_t when)
{
    Clock *clock = event->clock;
    clock_event_cancel(event);
    insert_event(clock, event, when, ++clock->seq);
}

/* The place among events of the same deadline, not the scheduling
 * number: equal states give equal numbers, however many events the
 * clock scheduled before. */
uint64_t clock_event_order(const ClockEvent *event)
{
    if (!event->pending)
        return 0;
    uint64_t place = 1;
    for (const ClockEvent *e = event->clock->queue; e != event; e = e->next)
        place += e->when == event->when;
    return place;
}

void clock_event_restore(ClockEvent *event, uint64_t when, uint64_t order)
{
    Clock *clock = event->clock;
    clock_event_cancel(event);
    if (order > clock->seq)
        clock->seq = order; /* events scheduled from now on come after */
    insert_event(clock, event, when, order);
}

bool clock_event_pending(const ClockEvent *event)
{
    return event->pending;
}

uint64_t clock_event_deadline(const ClockEvent *event)
{
    return event->pending ? event->when : CLOCK_NEVER;
}

void clock_event_set_background(ClockEvent *event, bool background)
{
    event->background = background;
}
