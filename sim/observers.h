/* The observers the command line asks for: --vcd (sim/vcd.h), --profile
 * and --profile-report (sim/profile.h), --coverage (sim/coverage.h).
 * Each only listens, so the run is the same with or without them; each
 * writes its files when the run ends, however it ends.
 *
 * Lifetime, in the order the application calls:
 *   observers_open        before the machine is built: every output file
 *                         checked (none may be one of the run's inputs,
 *                         sim/output_file.h), --vcd-signals parsed;
 *   observers_machine_hooks  the MachineHooks devices publish signals
 *                         through (--vcd), before machine_new;
 *   observers_attach      once the firmware is loaded: listening to the
 *                         CPU from now on (coverage reads the ELF's DWARF
 *                         here, so an ELF without it fails before the run);
 *   observers_finish      after the run: stops listening, writes the files
 *                         and the --profile-report table;
 *   observers_detach      before the CPU is freed (harmless after finish);
 *   observers_free        after the machine is freed (its hooks point
 *                         here until then).
 * With nothing asked for, no observer is registered anywhere: the run
 * costs what it did without them.
 */
#ifndef SIM_OBSERVERS_H
#define SIM_OBSERVERS_H

#include <stdbool.h>
#include <stddef.h>

#include "sim/cpu/cpu.h"
#include "sim/elf_symbols.h"
#include "sim/output_file.h"
#include "soc/clock.h"
#include "soc/error.h"
#include "soc/machine.h"

typedef struct ObserverConfig {
    const char *firmware;
    const char *vcd;                /* --vcd FILE; NULL: off */
    const char *vcd_signals;        /* --vcd-signals LIST; NULL: all */
    const char *const *profiles;    /* --profile FILE, each */
    size_t nprofiles;
    unsigned profile_report;        /* --profile-report=N; 0: none */
    const char *coverage;           /* --coverage FILE.info; NULL: off */
    const OutputInput *inputs;      /* the files the run reads */
    size_t ninputs;
} ObserverConfig;

typedef struct Observers Observers;

/* The config's strings must outlive the result. Errors name the option. */
Observers *observers_open(const ObserverConfig *config, Error **errp);
void observers_machine_hooks(Observers *obs, Clock *clock, MachineHooks *hooks);
/* `syms` must outlive the observers' listening (observers_detach). */
bool observers_attach(Observers *obs, Cpu *cpu, const ElfSymbols *syms, Error **errp);
/* False when a file could not be written (said on stderr). */
bool observers_finish(Observers *obs);
void observers_detach(Observers *obs);
void observers_free(Observers *obs);

#endif
