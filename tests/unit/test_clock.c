/* Virtual time and the event queue (soc/clock.h): events run in deadline
 * order, equal deadlines in scheduling order, never early; callbacks may
 * free, schedule and cancel events; conversions to and from other
 * frequencies round as documented without overflowing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "soc/clock.h"

/* Each fired event appends its tag and the time it saw. */
typedef struct Log {
    Clock *clock;
    char tags[64];
    uint64_t times[64];
    size_t n;
} Log;

typedef struct Probe {
    Log *log;
    char tag;
    ClockEvent *event;
    ClockEvent *other; /* for callbacks that act on another event */
    uint64_t when;     /* for callbacks that schedule */
} Probe;

static void record(Probe *p)
{
    Log *log = p->log;
    assert_true(log->n + 1 < sizeof log->tags);
    log->times[log->n] = clock_now(log->clock);
    log->tags[log->n++] = p->tag;
}

static void fire(void *opaque) { record(opaque); }

static void probe_init(Probe *p, Log *log, char tag, ClockEventFn fn)
{
    *p = (Probe){.log = log, .tag = tag};
    p->event = clock_event_new(log->clock, fn, p);
}

static void test_events_run_by_deadline_then_scheduling_order(void **state)
{
    Log log = {.clock = clock_new(1000)};
    Probe p[5];
    const char tags[] = "abcde";
    for (int i = 0; i < 5; i++)
        probe_init(&p[i], &log, tags[i], fire);
    clock_event_schedule(p[0].event, 30);
    clock_event_schedule(p[1].event, 10);
    clock_event_schedule(p[2].event, 20);
    clock_event_schedule(p[3].event, 10); /* same deadline as b: after it */
    clock_event_schedule(p[4].event, 20); /* same deadline as c: after it */
    assert_int_equal(clock_next_deadline(log.clock), 10);

    clock_advance(log.clock, 9); /* never early */
    assert_int_equal(log.n, 0);
    assert_int_equal(clock_now(log.clock), 9);
    clock_advance(log.clock, 20);
    assert_int_equal(log.n, 4);
    assert_memory_equal(log.tags, "bdce", 4);
    assert_int_equal(log.times[0], 20); /* run late, at the advanced time */
    assert_false(clock_event_pending(p[1].event));
    assert_true(clock_event_pending(p[0].event));
    assert_int_equal(clock_next_deadline(log.clock), 30);
    clock_advance(log.clock, 1000);
    assert_int_equal(log.n, 5);
    assert_int_equal(log.tags[4], 'a');
    assert_int_equal(clock_next_deadline(log.clock), CLOCK_NEVER);
    for (int i = 0; i < 5; i++)
        clock_event_free(p[i].event);
    clock_free(log.clock);
}

static void test_set_now_never_goes_back_and_runs_nothing(void **state)
{
    Log log = {.clock = clock_new(1000)};
    Probe a;
    probe_init(&a, &log, 'a', fire);
    clock_event_schedule(a.event, 5);
    clock_set_now(log.clock, 100);
    assert_int_equal(clock_now(log.clock), 100);
    assert_int_equal(log.n, 0);
    clock_set_now(log.clock, 50);
    assert_int_equal(clock_now(log.clock), 100);
    clock_advance(log.clock, 60); /* backwards: time stays, due events run */
    assert_int_equal(clock_now(log.clock), 100);
    assert_int_equal(log.n, 1);
    clock_event_free(a.event);
    clock_free(log.clock);
}

static void test_reschedule_moves_the_event(void **state)
{
    Log log = {.clock = clock_new(1000)};
    Probe a, b;
    probe_init(&a, &log, 'a', fire);
    probe_init(&b, &log, 'b', fire);
    clock_event_schedule(a.event, 10);
    clock_event_schedule(b.event, 20);
    clock_event_schedule(a.event, 30); /* later: now after b */
    assert_int_equal(clock_next_deadline(log.clock), 20);
    clock_advance(log.clock, 25);
    assert_int_equal(log.n, 1);
    assert_int_equal(log.tags[0], 'b');
    clock_event_schedule(a.event, 26); /* earlier */
    clock_advance(log.clock, 26);
    assert_int_equal(log.n, 2);
    assert_int_equal(log.tags[1], 'a');
    assert_int_equal(log.times[1], 26);
    /* a time in the past runs at the next check */
    clock_event_schedule(a.event, 3);
    assert_true(clock_event_pending(a.event));
    clock_advance(log.clock, 26);
    assert_int_equal(log.n, 3);
    clock_event_free(a.event);
    clock_event_free(b.event);
    clock_free(log.clock);
}

static void test_cancel_and_free_unschedule(void **state)
{
    Log log = {.clock = clock_new(1000)};
    Probe a, b;
    probe_init(&a, &log, 'a', fire);
    probe_init(&b, &log, 'b', fire);
    clock_event_schedule(a.event, 10);
    clock_event_schedule(b.event, 10);
    clock_event_cancel(a.event);
    assert_false(clock_event_pending(a.event));
    clock_event_cancel(a.event); /* twice is fine */
    clock_event_free(b.event);   /* frees a pending event */
    assert_int_equal(clock_next_deadline(log.clock), CLOCK_NEVER);
    clock_advance(log.clock, 100);
    assert_int_equal(log.n, 0);
    clock_event_free(a.event);
    clock_event_free(NULL);
    clock_free(log.clock);
}

static void free_self(void *opaque)
{
    Probe *p = opaque;
    record(p);
    clock_event_free(p->event);
    p->event = NULL;
}

static void schedule_other(void *opaque)
{
    Probe *p = opaque;
    record(p);
    clock_event_schedule(p->other, p->when);
}

static void cancel_other(void *opaque)
{
    Probe *p = opaque;
    record(p);
    clock_event_cancel(p->other);
}

static void reschedule_self(void *opaque)
{
    Probe *p = opaque;
    record(p);
    if (p->log->n < 3)
        clock_event_schedule(p->event, clock_now(p->log->clock) + 10);
}

static void test_callback_may_free_its_own_event(void **state)
{
    Log log = {.clock = clock_new(1000)};
    Probe a, b;
    probe_init(&a, &log, 'a', free_self);
    probe_init(&b, &log, 'b', fire);
    clock_event_schedule(a.event, 5);
    clock_event_schedule(b.event, 5);
    clock_advance(log.clock, 5);
    assert_int_equal(log.n, 2);
    assert_memory_equal(log.tags, "ab", 2);
    assert_null(a.event);
    clock_event_free(b.event);
    clock_free(log.clock); /* aborts if an event survived */
}

static int self_runs;

static void reschedule_self_now(void *opaque)
{
    Probe *p = opaque;
    self_runs++;
    clock_event_schedule(p->event, clock_now(p->log->clock));
}

/* A device that keeps asking for "now" must not hang the simulation: it
 * runs once per advance. */
static void test_event_rescheduling_itself_now_runs_once_per_advance(void **state)
{
    Log log = {.clock = clock_new(1000)};
    Probe a;
    probe_init(&a, &log, 'a', reschedule_self_now);
    self_runs = 0;
    clock_event_schedule(a.event, 5);
    clock_advance(log.clock, 10); /* at 5, then again at 10: time moved on */
    assert_int_equal(self_runs, 2);
    assert_true(clock_event_pending(a.event));
    assert_int_equal(clock_next_deadline(log.clock), 10);
    clock_advance(log.clock, 10);
    assert_int_equal(self_runs, 3);
    clock_event_free(a.event);
    clock_free(log.clock);
}

static void test_callback_may_schedule_another_due_now_or_later(void **state)
{
    Log log = {.clock = clock_new(1000)};
    Probe a, b, c;
    probe_init(&a, &log, 'a', schedule_other);
    probe_init(&b, &log, 'b', fire);
    probe_init(&c, &log, 'c', schedule_other);
    a.other = b.event;
    a.when = 7; /* due within the same advance: runs in it */
    c.other = b.event;
    c.when = 50; /* b again, later */
    clock_event_schedule(a.event, 5);
    clock_event_schedule(c.event, 8);
    clock_advance(log.clock, 10);
    assert_int_equal(log.n, 3);
    assert_memory_equal(log.tags, "abc", 3);
    assert_true(clock_event_pending(b.event));
    assert_int_equal(clock_next_deadline(log.clock), 50);
    clock_advance(log.clock, 49);
    assert_int_equal(log.n, 3);
    clock_advance(log.clock, 50);
    assert_int_equal(log.n, 4);
    clock_event_free(a.event);
    clock_event_free(b.event);
    clock_event_free(c.event);
    clock_free(log.clock);
}

static void test_callback_may_cancel_another_due_at_the_same_time(void **state)
{
    Log log = {.clock = clock_new(1000)};
    Probe a, b;
    probe_init(&a, &log, 'a', cancel_other);
    probe_init(&b, &log, 'b', fire);
    a.other = b.event;
    clock_event_schedule(a.event, 5);
    clock_event_schedule(b.event, 5);
    clock_advance(log.clock, 5);
    assert_int_equal(log.n, 1);
    assert_false(clock_event_pending(b.event));
    clock_event_free(a.event);
    clock_event_free(b.event);
    clock_free(log.clock);
}

static void test_periodic_event_reschedules_itself(void **state)
{
    Log log = {.clock = clock_new(1000)};
    Probe a;
    probe_init(&a, &log, 'a', reschedule_self);
    clock_event_schedule(a.event, 10);
    clock_advance(log.clock, 10);
    assert_int_equal(log.n, 1);
    assert_int_equal(clock_next_deadline(log.clock), 20);
    clock_advance(log.clock, 25); /* runs late at 25, asks for 35 */
    assert_int_equal(log.n, 2);
    assert_int_equal(log.times[1], 25);
    assert_int_equal(clock_next_deadline(log.clock), 35);
    clock_advance(log.clock, 1000); /* third run stops the series */
    assert_int_equal(log.n, 3);
    assert_false(clock_event_pending(a.event));
    clock_event_free(a.event);
    clock_free(log.clock);
}

/* ---- conversions ---- */

static void test_cycles_to_rounds_down(void **state)
{
    Clock *clock = clock_new(10000000); /* 10 MHz CPU */
    assert_int_equal(clock_hz(clock), 10000000);
    /* a 32768 Hz timebase: one tick every 305.17578125 cycles */
    assert_int_equal(clock_cycles_to(clock, 0, 32768), 0);
    assert_int_equal(clock_cycles_to(clock, 305, 32768), 0);
    assert_int_equal(clock_cycles_to(clock, 306, 32768), 1);
    assert_int_equal(clock_cycles_to(clock, 10000000, 32768), 32768);
    assert_int_equal(clock_cycles_to(clock, 9999999, 32768), 32767);
    /* same frequency: identity; faster timebase: scaled up */
    assert_int_equal(clock_cycles_to(clock, 12345, 10000000), 12345);
    assert_int_equal(clock_cycles_to(clock, 3, 100000000), 30);
    clock_free(clock);
}

/* The fast paths (no 128-bit division) agree with the exact formula at
 * their edges: a stopped timebase (0 Hz), products that just fit in 64
 * bits and ones that do not. */
static void test_conversions_at_the_edges_of_the_fast_paths(void **state)
{
    Clock *clock = clock_new(16000000);
    assert_int_equal(clock_cycles_to(clock, 123456789, 0), 0); /* a stopped RTC */
    uint64_t hz = 32768, edge = UINT64_MAX / hz;
    for (uint64_t c = edge - 2; c != edge + 3; c++) {
        uint64_t exact = (uint64_t)((unsigned __int128)c * hz / 16000000);
        assert_int_equal(clock_cycles_to(clock, c, hz), exact);
    }
    uint64_t big = UINT64_MAX / 3;
    assert_int_equal(clock_cycles_to(clock, big, 48000000),
                     (uint64_t)((unsigned __int128)big * 48000000 / 16000000));
    uint64_t tedge = (UINT64_MAX - hz) / 16000000;
    for (uint64_t t = tedge - 2; t != tedge + 3; t++) {
        unsigned __int128 exact = ((unsigned __int128)t * 16000000 + hz - 1) / hz;
        assert_int_equal(clock_cycles_from(clock, t, hz), (uint64_t)exact);
    }
    assert_int_equal(clock_cycles_from(clock, UINT64_MAX, 1), CLOCK_NEVER);
    clock_free(clock);
}

static void test_cycles_from_is_the_first_cycle_at_the_tick(void **state)
{
    Clock *clock = clock_new(10000000);
    assert_int_equal(clock_cycles_from(clock, 0, 32768), 0);
    assert_int_equal(clock_cycles_from(clock, 1, 32768), 306);
    assert_int_equal(clock_cycles_from(clock, 32768, 32768), 10000000);
    assert_int_equal(clock_cycles_from(clock, 7, 10000000), 7);
    /* round trip: the cycle reaches the tick, the one before does not */
    for (uint64_t ticks = 1; ticks < 2000; ticks += 37) {
        uint64_t c = clock_cycles_from(clock, ticks, 32768);
        assert_true(clock_cycles_to(clock, c, 32768) >= ticks);
        assert_true(clock_cycles_to(clock, c - 1, 32768) < ticks);
    }
    clock_free(clock);
}

static void test_conversions_do_not_overflow_at_large_counts(void **state)
{
    Clock *clock = clock_new(10000000);
    /* cycles * hz exceeds 64 bits here */
    assert_int_equal(clock_cycles_to(clock, UINT64_MAX, 10000000), UINT64_MAX);
    assert_int_equal(clock_cycles_to(clock, UINT64_MAX, 32768),
                     (uint64_t)((unsigned __int128)UINT64_MAX * 32768 / 10000000));
    assert_int_equal(clock_cycles_to(clock, UINT64_C(1) << 62, 1000000000),
                     (UINT64_C(1) << 62) / 10000000 * 1000000000 +
                         ((UINT64_C(1) << 62) % 10000000) * 100);
    uint64_t big = UINT64_C(1) << 50;
    assert_int_equal(clock_cycles_from(clock, big, 32768),
                     (uint64_t)(((unsigned __int128)big * 10000000 + 32767) / 32768));
    /* beyond 64 bits of cycles: never */
    assert_int_equal(clock_cycles_from(clock, UINT64_MAX, 32768), CLOCK_NEVER);
    assert_int_equal(clock_cycles_from(clock, UINT64_MAX, 10000000), UINT64_MAX);
    clock_free(clock);
}

static void test_zero_hz_clock_counts_as_one(void **state)
{
    Clock *clock = clock_new(0);
    assert_int_equal(clock_hz(clock), 1);
    assert_int_equal(clock_cycles_to(clock, 5, 3), 15);
    clock_free(clock);
}

/* ---- the deadline listener ---- */

static void count_call(void *opaque) { ++*(int *)opaque; }

static void test_deadline_listener_hears_an_earlier_deadline(void **state)
{
    Log log = {.clock = clock_new(1000)};
    int calls = 0;
    clock_set_deadline_listener(log.clock, count_call, &calls);
    Probe a, b, c;
    probe_init(&a, &log, 'a', fire);
    probe_init(&b, &log, 'b', fire);
    probe_init(&c, &log, 'c', fire);
    clock_event_schedule(a.event, 100); /* first deadline */
    assert_int_equal(calls, 1);
    clock_event_schedule(b.event, 200); /* behind a: no news */
    assert_int_equal(calls, 1);
    clock_event_schedule(c.event, 50); /* earlier than a */
    assert_int_equal(calls, 2);
    assert_int_equal(clock_next_deadline(log.clock), 50);
    clock_event_schedule(b.event, 10); /* moved to the front */
    assert_int_equal(calls, 3);
    clock_event_schedule(a.event, 150); /* moved back, still behind */
    assert_int_equal(calls, 3);
    clock_set_deadline_listener(log.clock, NULL, NULL);
    clock_event_schedule(a.event, 1);
    assert_int_equal(calls, 3);
    clock_event_free(a.event);
    clock_event_free(b.event);
    clock_event_free(c.event);
    clock_free(log.clock);
}


/* Background events (the simulator's pacing) wake nobody. */
static void test_background_events_are_no_wakeup(void **state)
{
    Log log = {.clock = clock_new(1000)};
    Probe a, b;
    probe_init(&a, &log, 'a', fire);
    probe_init(&b, &log, 'b', fire);
    clock_event_set_background(a.event, true);
    clock_event_schedule(a.event, 10);
    assert_int_equal(clock_next_deadline(log.clock), 10);
    assert_int_equal(clock_next_wakeup(log.clock), CLOCK_NEVER);
    clock_event_schedule(b.event, 20);
    assert_int_equal(clock_next_wakeup(log.clock), 20);
    clock_advance(log.clock, 20);
    assert_int_equal(log.n, 2); /* both still run at their deadline */
    clock_event_free(a.event);
    clock_event_free(b.event);
    clock_free(log.clock);
}

/* A snapshot load: the time moves back without running anything, and
 * events restored with their saved order run in it among equal
 * deadlines, whatever order they are restored in; events scheduled
 * afterwards come after them. */
static void test_rewind_and_restore_keep_the_saved_order(void **state)
{
    (void)state;
    Log log = {.clock = clock_new(1000)};
    Probe p[4];
    const char tags[] = "abcd";
    for (int i = 0; i < 4; i++)
        probe_init(&p[i], &log, tags[i], fire);
    clock_advance(log.clock, 50);
    clock_event_schedule(p[0].event, 100);
    clock_event_schedule(p[1].event, 100);
    clock_event_schedule(p[2].event, 100);
    uint64_t order[3];
    for (int i = 0; i < 3; i++)
        order[i] = clock_event_order(p[i].event);
    assert_true(order[0] < order[1] && order[1] < order[2]);
    assert_int_equal(clock_event_order(p[3].event), 0); /* not pending */
    clock_advance(log.clock, 200);
    assert_int_equal(log.n, 3);

    clock_rewind(log.clock, 50);
    assert_int_equal(clock_now(log.clock), 50);
    assert_int_equal(log.n, 3); /* nothing ran */
    clock_event_restore(p[2].event, 100, order[2]);
    clock_event_restore(p[0].event, 100, order[0]);
    clock_event_schedule(p[3].event, 100); /* after the restored ones */
    clock_event_restore(p[1].event, 100, order[1]);
    assert_int_equal(clock_next_deadline(log.clock), 100);
    clock_advance(log.clock, 100);
    assert_int_equal(log.n, 7);
    assert_memory_equal(log.tags + 3, "abcd", 4);
    for (int i = 0; i < 4; i++)
        clock_event_free(p[i].event);
    clock_free(log.clock);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_events_run_by_deadline_then_scheduling_order),
        cmocka_unit_test(test_background_events_are_no_wakeup),
        cmocka_unit_test(test_event_rescheduling_itself_now_runs_once_per_advance),
        cmocka_unit_test(test_set_now_never_goes_back_and_runs_nothing),
        cmocka_unit_test(test_reschedule_moves_the_event),
        cmocka_unit_test(test_cancel_and_free_unschedule),
        cmocka_unit_test(test_callback_may_free_its_own_event),
        cmocka_unit_test(test_callback_may_schedule_another_due_now_or_later),
        cmocka_unit_test(test_callback_may_cancel_another_due_at_the_same_time),
        cmocka_unit_test(test_periodic_event_reschedules_itself),
        cmocka_unit_test(test_cycles_to_rounds_down),
        cmocka_unit_test(test_conversions_at_the_edges_of_the_fast_paths),
        cmocka_unit_test(test_cycles_from_is_the_first_cycle_at_the_tick),
        cmocka_unit_test(test_conversions_do_not_overflow_at_large_counts),
        cmocka_unit_test(test_zero_hz_clock_counts_as_one),
        cmocka_unit_test(test_deadline_listener_hears_an_earlier_deadline),
        cmocka_unit_test(test_rewind_and_restore_keep_the_saved_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
