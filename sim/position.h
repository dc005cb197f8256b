/* Points of a run, and running to one exactly (sim/position.c).
 *
 * A position is where the hart stands between two instructions: virtual
 * time in cycles, instructions retired, and the pc of the next one. Along
 * one run's path neither cycles nor retired ever decreases (only a
 * snapshot restore moves them back), so positions are ordered by
 * (retired, cycles). Several positions share both numbers:
 *   - while the hart sleeps in wfi, cycles move and retired does not;
 *   - when an interrupt is taken (or a step enters a trap handler), the
 *     pc moves to the handler and the numbers stay.
 * sim_position_compare therefore orders by (retired, cycles) and leaves
 * positions that differ only by the pc to the path (equal: 0).
 *
 * At one (cycles, retired, pc) the machine can be in two states, because
 * the clock's events due at that cycle run between instructions:
 *   - before them: right after the instruction retired, where cpu_run
 *     ends on its instruction limit (a `step`, gdb's stepi, `run-for N
 *     insns`) or on a stop an instruction asked for (the firmware's
 *     exit, a `run-until` UART match);
 *   - after them ("settled"): where a clock event's stop request ends
 *     cpu_run (a slice's pacer, `run-for TIME`, a scenario's `at`), and
 *     where a breakpoint or watchpoint stops it (the run loop looked
 *     around first, or nothing was due); the only state of a position
 *     where the hart sleeps.
 * They differ only when an event is due at that cycle, and only in what
 * that event does to devices (an interrupt it raises is taken after
 * both). sim_events_due says which one the machine is in now; an input
 * applied at a position must be applied in the same one to replay
 * exactly (sim/input_log.h records it).
 *
 * Nothing here allocates, and nothing keeps a pointer to what it is
 * given.
 */
#ifndef SIM_POSITION_H
#define SIM_POSITION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/cpu/cpu.h"
#include "soc/clock.h"
#include "soc/error.h"

typedef struct SimPosition {
    uint64_t cycles;  /* cpu_cycles: virtual time, wfi sleep included */
    uint64_t retired; /* cpu_instructions_retired */
    uint32_t pc;      /* cpu_get_pc: the next instruction */
} SimPosition;

/* Where the hart stands now. Exact between cpu_run calls and inside a
 * clock event's callback (the CPU brings its cycles to the event's). */
SimPosition sim_position_now(const Cpu *cpu);

bool sim_position_equal(const SimPosition *a, const SimPosition *b);

/* <0, 0 or >0 as a is before, at or after b on one run's path, by
 * (retired, cycles); positions that differ only by the pc compare 0. */
int sim_position_compare(const SimPosition *a, const SimPosition *b);

/* "pc 0x00000104 after 12 instructions, cycle 40" into buf (at most size
 * bytes, always terminated); returns buf. For messages. */
const char *sim_position_text(const SimPosition *p, char *buf, size_t size);
#define SIM_POSITION_TEXT_MAX 96 /* the longest: two 20-digit counts */

/* True when a clock event due by the hart's cycle has not run yet: the
 * machine is in the "before the events" state of its position (see the
 * top of this file). Between cpu_run calls. */
bool sim_events_due(const Clock *clock, const Cpu *cpu);

/* Where sim_run_to_ex lands at the target. */
typedef enum SimLanding {
    /* After the events due at target.cycles have run, before any
     * interrupt is taken that the target's pc does not show taken: a
     * slice boundary's state, a breakpoint's. */
    SIM_LAND_SETTLED,
    /* Right after the instruction that made `retired` target.retired,
     * before the events due then (a step's end), when the target is
     * there; else (a sleeping hart's position, a trap handler's entry)
     * settled, the only state such a position has. */
    SIM_LAND_BEFORE_EVENTS,
} SimLanding;

/* Asked between cpu_run calls: true when the run has ended for good (the
 * firmware exited, output was lost): sim_run_to_ex gives up with "the
 * run ended". */
typedef struct SimRunHooks {
    bool (*ended)(void *opaque);
    void *opaque;
} SimRunHooks;

/* Runs from here to exactly `target`, which must lie ahead on this run's
 * path (a position recorded earlier in a run that this one repeats):
 * cpu_run bounded by target.retired, then a clock stop event at
 * target.cycles (it wakes a sleeping hart) and single steps, until
 * cycles, retired and pc all match; lands settled (SIM_LAND_SETTLED).
 * Breakpoints and watchpoints do not stop it (each is passed as the
 * next cpu_run passes it), nor do stop requests of others (a pacer: the
 * run goes on). Events and interrupts happen exactly as in any run, so
 * the firmware sees the same run. True at the target (also when already
 * there). False, with errp saying why and where the hart stands, when the
 * run cannot reach it: a fault, the hart asleep for good, passed it (the
 * target is behind, or the path does not go through it). */
bool sim_run_to(Cpu *cpu, Clock *clock, const SimPosition *target, Error **errp);

/* The same, landing as asked; `hooks` (may be NULL) say when the run has
 * ended for good (an exit), which then fails it. */
bool sim_run_to_ex(Cpu *cpu, Clock *clock, const SimPosition *target, SimLanding landing,
                   const SimRunHooks *hooks, Error **errp);

/* Runs until `retired` instructions have retired, and stops right after
 * the last (before the events due then: where a step would end).
 * Breakpoints and watchpoints do not stop it. False when `retired` is
 * behind, or on a fault or the run's end. *reached (may be NULL) gets the
 * position. */
bool sim_run_to_retired(Cpu *cpu, Clock *clock, uint64_t retired, const SimRunHooks *hooks,
                        SimPosition *reached, Error **errp);

#endif
