/* Scenario files (`--scenario FILE.yaml`): runtime reconfiguration and
 * checks for CI, parsed into plain data. sim/scenario.c runs them.
 *
 *   steps:
 *     - name: swap the uart            # optional; default "step N"
 *       at: 12ms                       # one trigger: at (virtual time:
 *                                      #   ns/us/ms/s, or cycles), insns (an
 *                                      #   instruction count), on-uart
 *                                      #   ({uart0: "READY"}), pc (an
 *                                      #   address or an ELF symbol)
 *       do:                            # monitor commands, a string or a list
 *         - peripheral replace uart0 ns16550a
 *       expect-uart: {uart0: "swapped ok"}  # optional, each with
 *       within: 50ms                   #   this virtual-time limit (default 1s)
 *     - on-uart: {uart0: "done"}
 *       expect-exit: 0                 # the firmware's exit status
 *
 * Steps fire in file order: a step's trigger is armed once the step
 * before it has run all its commands (so `on-uart` matches output
 * printed after that).
 * Every error names FILE:LINE:COL and what was expected; a failed parse
 * returns NULL and leaves nothing allocated.
 */
#ifndef SIM_SCENARIO_FILE_H
#define SIM_SCENARIO_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "soc/board.h"
#include "soc/error.h"

typedef enum ScenarioTrigger {
    SCENARIO_AT_TIME,  /* `at`: virtual time in nanoseconds, or cycles */
    SCENARIO_AT_INSNS, /* `insns`: instructions retired */
    SCENARIO_ON_UART,  /* `on-uart`: text a peripheral printed */
    SCENARIO_AT_PC,    /* `pc`: an address, or a symbol to resolve */
} ScenarioTrigger;

typedef struct ScenarioExpectUart {
    char *device;
    char *text; /* escapes resolved; may contain any byte but NUL */
    SourceLoc loc;
} ScenarioExpectUart;

typedef struct ScenarioStep {
    char *name; /* "step N" (1-based) when not given */
    SourceLoc loc;
    ScenarioTrigger trigger;
    /* SCENARIO_AT_TIME: `at` in ns when time_in_cycles is false, else in
     * cycles; SCENARIO_AT_INSNS: the count; SCENARIO_AT_PC: the address
     * when symbol is NULL. */
    uint64_t value;
    bool time_in_cycles;
    char *uart_device; /* SCENARIO_ON_UART */
    char *uart_text;   /* SCENARIO_ON_UART */
    char *symbol;      /* SCENARIO_AT_PC by name; NULL: by address */
    SourceLoc trigger_loc;
    char **commands; /* `do:`, in order */
    SourceLoc *command_locs;
    size_t ncommands;
    ScenarioExpectUart *expect_uart;
    size_t nexpect_uart;
    uint64_t within_ns; /* the expect-uart limit; default 1 s */
    bool has_expect_exit;
    int expect_exit;
    SourceLoc expect_exit_loc;
} ScenarioStep;

typedef struct ScenarioFile {
    char *path;
    ScenarioStep *steps;
    size_t nsteps;
} ScenarioFile;

ScenarioFile *scenario_file_load(const char *path, Error **errp);
/* Parses text in memory; `path` is used in messages only. */
ScenarioFile *scenario_file_parse(const char *path, const char *text,
                                  size_t len, Error **errp);
void scenario_file_free(ScenarioFile *file);

#endif
