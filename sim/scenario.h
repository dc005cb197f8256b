/* A scenario running (`--scenario FILE.yaml`; the file's format is in
 * sim/scenario_file.h): its steps' triggers armed one at a time, their
 * monitor commands run at instruction boundaries, their expectations
 * checked, and a JUnit report of it all.
 *
 * Triggers, each exact and the same on every run:
 *   at       a clock event at the first cycle at which that much virtual
 *            time has passed (not background: a hart in wfi sleeps to it);
 *            a time already past when the step is armed fires at once
 *   insns    the run loop ends its slice when the CPU has retired that
 *            many instructions since the run began (scenario_insns_left)
 *   on-uart  the device's output since the step was armed (its UART tap)
 *            holds the text: the CPU is asked to stop, so the commands run
 *            at the boundary right after the instruction (or the clock
 *            event) that wrote the text's last byte
 *   pc       a CPU breakpoint: the commands run with the hart about to
 *            execute that address (not yet executed); the breakpoint is
 *            counted (sim/cpu/cpu.h), so gdb's own at the same pc stays
 *
 * A step is armed when the step before it has run all its commands; its
 * commands run in order through the monitor (MONITOR_FROM_SCENARIO), each
 * echoed with its output on the log ("mcusim: scenario: ..."). Run
 * control in a step: `run-for` and `step` run the firmware that long, then
 * the step's next command runs; `stop` halts the firmware until the
 * console (--monitor) continues it, and fails without one; `cont` resumes;
 * `quit [STATUS]` ends the run. A command that fails fails its step.
 *
 * Expectations: each `expect-uart` must see its text in that device's
 * output within `within` of virtual time from the step's firing (a clock
 * event one cycle after the limit fails it); `expect-exit` compares the
 * firmware's exit status when the run ends. The first failure ends the
 * run (the run loop looks at scenario_failed after every slice); steps
 * never reached by then, and expectations still open when the firmware
 * ended, fail too ("never triggered", "not seen before the run ended").
 *
 * Ownership: the scenario takes the ScenarioFile. It holds clock events
 * and a CPU breakpoint: free it before the clock and the CPU.
 */
#ifndef SIM_SCENARIO_H
#define SIM_SCENARIO_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/cpu/cpu.h"
#include "sim/elf_symbols.h"
#include "sim/monitor.h"
#include "sim/scenario_file.h"
#include "soc/clock.h"
#include "soc/error.h"

typedef struct Scenario Scenario;

typedef struct ScenarioContext {
    Cpu *cpu;
    Clock *clock;
    Monitor *monitor;
    const ElfSymbols *syms; /* resolves `pc: SYMBOL`; NULL: none */
    FILE *log;              /* the echo of commands and verdicts (stderr) */
    bool can_halt;          /* a console can continue after `stop` */
} ScenarioContext;

/* Resolves every `pc` symbol (an unknown one is an error at its
 * file:line:col) and arms the first step. Takes `file` (freed on failure
 * too). */
Scenario *scenario_new(ScenarioFile *file, const ScenarioContext *context,
                       Error **errp);
void scenario_free(Scenario *scenario);

/* The UART taps' observer (sim/uart_tap.h): `opaque` is the scenario. */
void scenario_uart_output(void *opaque, const char *device,
                          const uint8_t *bytes, size_t len);

/* Instructions the CPU may retire before the armed `insns` trigger
 * (0: it is due now); UINT64_MAX when none is armed. */
uint64_t scenario_insns_left(const Scenario *scenario);

/* cpu_run stopped at a breakpoint: true when it is the armed `pc` step's
 * (its commands are now due). */
bool scenario_breakpoint_hit(Scenario *scenario, uint32_t pc);

/* At an instruction boundary (the CPU not running): runs the commands of
 * a step whose trigger fired, up to the first that asks for run control,
 * which *request gets (MONITOR_ACT_NONE: none). False when there is
 * nothing to do now. The run loop performs the request (a `run-for` or
 * `step` then calls scenario_run_done when it ends) and calls this again. */
bool scenario_service(Scenario *scenario, MonitorRequest *request);
/* The `run-for` or `step` a command asked for has run: the step goes on
 * with its next command. */
void scenario_run_done(Scenario *scenario);
/* True while a step waits for a `run-for` or `step` to end. */
bool scenario_waits_for_run(const Scenario *scenario);

/* True once a step or an expectation failed: the run must end. */
bool scenario_failed(const Scenario *scenario);

/* How the run ended, for the expectations still open. */
typedef struct ScenarioEnd {
    bool exited;        /* the firmware asked to end the run (or `quit`) */
    int status;         /* its exit status, when exited */
    const char *reason; /* else why it ended ("a firmware fault", ...) */
} ScenarioEnd;

/* The run has ended: due commands run (a trigger that fired at the
 * firmware's last instruction), then open expectations and steps never
 * triggered fail, each said once on the log. */
void scenario_finish(Scenario *scenario, const ScenarioEnd *end);

/* One <testcase> per step (its trigger and commands) and per expectation,
 * as JUnit XML. False, with errno, when `out` could not be written. */
bool scenario_write_junit(const Scenario *scenario, FILE *out);

#endif
