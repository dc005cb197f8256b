/* Virtual time and the event queue.
 *
 * Time is counted in CPU cycles: every retired instruction is one cycle at
 * the board's CPU frequency, so a run is deterministic. The CPU is the only
 * thing that advances time (clock_advance); devices read it (clock_now) and
 * schedule events that run on the CPU's thread between instruction blocks,
 * in deadline order, equal deadlines in the order they were scheduled.
 * An event is never run early; it may run late by up to one block (the CPU
 * bounds block length), and clock_next_deadline lets WFI jump straight to
 * the next event.
 *
 * Ownership: the machine owns the Clock. A device owns its ClockEvents and
 * frees them in its finalize hook (clock_event_free cancels). An event's
 * callback may schedule, cancel or free any event, its own included, and
 * may remove its own device.
 */
#ifndef SOC_CLOCK_H
#define SOC_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

typedef struct Clock Clock;
typedef struct ClockEvent ClockEvent;
typedef void (*ClockEventFn)(void *opaque);

#define CLOCK_NEVER UINT64_MAX

Clock *clock_new(uint64_t hz);
/* Every event must already be freed. */
void clock_free(Clock *clock);

uint64_t clock_hz(const Clock *clock);
uint64_t clock_now(const Clock *clock);
/* Converts between cycles and another frequency (e.g. a 32768 Hz mtime),
 * rounding down, without overflow for any 64-bit cycle count. */
uint64_t clock_cycles_to(const Clock *clock, uint64_t cycles, uint64_t hz);
/* The first cycle at which `ticks` of a `hz` timebase have elapsed. */
uint64_t clock_cycles_from(const Clock *clock, uint64_t ticks, uint64_t hz);

/* The earliest pending deadline, CLOCK_NEVER when none. */
uint64_t clock_next_deadline(const Clock *clock);
/* The earliest deadline of an event that is not background: what could
 * still wake a hart waiting for an interrupt. CLOCK_NEVER when none. */
uint64_t clock_next_wakeup(const Clock *clock);

/* Sets the time (never backwards) without running events; the CPU calls it
 * before MMIO accesses so devices read the exact time. */
void clock_set_now(Clock *clock, uint64_t now);
/* Sets the time and runs every event due by then. */
void clock_advance(Clock *clock, uint64_t now);
/* Moves the time to `now`, backwards too, without running events
 * (snapshot loads). Pending events keep their deadlines: their owners
 * reschedule them. */
void clock_rewind(Clock *clock, uint64_t now);

/* Called whenever the earliest deadline may have moved earlier, so the CPU
 * can stop its current block sooner. */
typedef void (*ClockDeadlineFn)(void *opaque);
void clock_set_deadline_listener(Clock *clock, ClockDeadlineFn fn, void *opaque);

ClockEvent *clock_event_new(Clock *clock, ClockEventFn fn, void *opaque);
void clock_event_free(ClockEvent *event);
/* Schedules (or moves) the event to absolute cycle `when`; a time in the
 * past runs at the next check. */
void clock_event_schedule(ClockEvent *event, uint64_t when);
void clock_event_cancel(ClockEvent *event);
bool clock_event_pending(const ClockEvent *event);
/* The cycle it is scheduled for; CLOCK_NEVER when not pending. */
uint64_t clock_event_deadline(const ClockEvent *event);
/* A background event (the simulator's own pacing, not a device) does not
 * count as something that can wake a waiting hart. */
void clock_event_set_background(ClockEvent *event, bool background);

/* Snapshots: among events of equal deadline, the order they run in is
 * the order they were scheduled in. clock_event_order gives a pending
 * event's place among the events of its deadline (1 for the first; 0
 * when not pending): the same queue gives the same places, however many
 * events were scheduled before. clock_event_restore schedules an event
 * at `when` with a place saved so: events restored from one snapshot run
 * in their saved order among themselves, and events scheduled later run
 * after all of them. */
uint64_t clock_event_order(const ClockEvent *event);
void clock_event_restore(ClockEvent *event, uint64_t when, uint64_t order);

#endif
