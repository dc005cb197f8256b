/* --vcd FILE: a Value Change Dump of what the board exposes as signals
 * (docs/WAVEFORMS.md): what devices publish (DeviceHost.signal: GPIO
 * pins, UART lines and bytes, PWM pins), every interrupt connection's
 * level ("irq.SOURCE.OUTPUT", from the machine) and the hart's privilege
 * and sleep state ("cpu.priv", "cpu.sleep", from CPU_EXEC_MODE events).
 *
 * Names are dotted ("gpio0.pin5"): every part but the last is a VCD
 * scope, under one top scope "mcusim". `--vcd-signals LIST` keeps the
 * signals whose name matches one of LIST's comma-separated shell
 * patterns (fnmatch: `gpio0.*`, `cpu.*`, `uart0.tx`); default all.
 *
 * Time. Virtual time in CPU cycles, written in the largest $timescale
 * unit (1/10/100 s ... fs) that makes one cycle a whole number of units:
 * 100 ps for hifive1's 16 MHz (625 units a cycle), 100 ns for virt32's
 * 10 MHz (1 unit). A frequency no such unit divides (not 2^a * 5^b Hz)
 * is written in fs, rounded to the nearest; cycles that round to one fs
 * (above 1 PHz) share its timestamp, their changes collapsing as at one
 * cycle.
 *
 * Why the header comes last. VCD declares every variable before the first
 * value, but a device added while the run goes on (`peripheral add`)
 * brings new signals. So value changes go to an unlinked temporary file
 * as they happen, and vcd_finish writes FILE: the header (every signal
 * that ever had a value), then the changes, as the other end-of-run
 * files are (sim/output_file.h): checked at the start, so a bad path or
 * one of the run's inputs fails before the run; a run that is killed
 * leaves an old FILE as it was and nothing else behind.
 *
 * Ordering. Changes are written in time order, equal times in the order
 * they were published. A UART publishes its frame whole as it starts
 * (times in the future): those wait in a queue until virtual time reaches
 * them (or the end). A time before one already written is written at
 * that one (never happens with the shipped models). Changes to one
 * signal at one time collapse into the last; one that ends where it
 * began (a pulse of no width) is not written. Observing changes nothing
 * the firmware sees: the only thing it adds to the run is a PWM's
 * background event for the pins asked for (peripherals/sifive_pwm.c).
 *
 * Ownership: the Vcd owns its file and its temporary file. vcd_finish
 * writes FILE and stops listening (it removes its CPU observer, so call it
 * before the CPU is freed); vcd_free after the machine is freed (the
 * machine's hooks point at it until then).
 */
#ifndef SIM_VCD_H
#define SIM_VCD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/cpu/cpu.h"
#include "sim/output_file.h"
#include "soc/clock.h"
#include "soc/error.h"
#include "soc/machine.h"

typedef struct Vcd Vcd;

/* Checks that `path` can take the file, none of `inputs` (the files the
 * run reads; sim/output_file.h: nothing is truncated before the end), and
 * `patterns` (NULL: every signal; else a comma-separated list of
 * non-empty patterns). NULL and an error when either fails. */
Vcd *vcd_open(const char *path, const char *patterns, const OutputInput *inputs,
              size_t ninputs, Error **errp);
/* Listens to the machine about to be built on `clock`: sets the signal
 * hooks of *hooks (MachineHooks.signal_opaque, .signal, .signal_wanted). */
void vcd_machine_hooks(Vcd *vcd, Clock *clock, MachineHooks *hooks);
/* Listens to the hart's privilege and sleep state from now on. False
 * when the CPU has no room for another execution observer. */
bool vcd_attach_cpu(Vcd *vcd, Cpu *cpu, Error **errp);
/* Writes FILE (header, then every change; the last timestamp is the
 * run's end, or a UART frame's end drawn past it) and stops listening.
 * Says once on `warn` (stderr) each pattern that matched no signal.
 * False when FILE could not be written. */
bool vcd_finish(Vcd *vcd, FILE *warn, Error **errp);
/* Stops listening (to the CPU too) without writing FILE: a run that
 * never started. Harmless after vcd_finish, and on NULL. */
void vcd_stop(Vcd *vcd);
/* Frees it; it must not be listening to a CPU any more (vcd_finish or
 * vcd_stop). */
void vcd_free(Vcd *vcd);

/* The hooks themselves (MachineHooks.signal, .signal_wanted), with the
 * Vcd as opaque: for tests. */
void vcd_signal(void *vcd, const char *scope, const char *name, unsigned width,
                uint64_t value, uint64_t when);
bool vcd_signal_wanted(void *vcd, const char *scope, const char *name);

#endif
