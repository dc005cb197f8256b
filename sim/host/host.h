/* Host services: what a firmware can ask of the machine it runs on
 * besides its board's devices.
 *
 *   newlib       libgloss system calls by `ecall` (a7 = number, a0-a2 the
 *                arguments, a0 the result or -errno), as a proxy kernel
 *                serves them: console, files, brk, time, exit. The stack
 *                pointer and argc/argv are set up at the top of RAM
 *                before the first instruction (libgloss's _start reads
 *                them at 0(sp) and 4(sp)); brk grows from `_end`.
 *   semihosting  RISC-V semihosting (`slli x0,x0,0x1f; ebreak;
 *                srai x0,x0,7`, a0 = operation, a1 = parameter block):
 *                the Arm semihosting operations, RV32 conventions.
 *   htif         a guest store to the ELF's `tohost` ends the run (value
 *                v with v&1: exit status v>>1) or prints a character
 *                (device 1, command 1); `fromhost` gets the answer.
 *
 * Host files (newlib open, semihosting SYS_OPEN) are off unless a root
 * directory is given; then a guest path is relative to it and may not
 * leave it (no "..", no absolute paths, no symbolic links anywhere along
 * the path). Times are virtual: the CPU's cycles at the board's
 * frequency, counted from 0 (1970-01-01T00:00:00 for wall-clock calls),
 * so runs are repeatable.
 *
 * One Host serves one CPU through cpu_set_host_handler. It owns an HTIF
 * overlay mapped over `tohost`/`fromhost` in the root container (above
 * RAM); host_free unmaps it, so free the Host before the machine.
 */
#ifndef SIM_HOST_H
#define SIM_HOST_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/cpu/cpu.h"
#include "sim/elf_symbols.h"
#include "sim/trace.h"
#include "soc/board.h"
#include "soc/error.h"
#include "soc/memory.h"

/* The services, as board files name them (soc/board.h). */
enum {
    HOST_NEWLIB = BOARD_HOST_NEWLIB,
    HOST_SEMIHOSTING = BOARD_HOST_SEMIHOSTING,
    HOST_HTIF = BOARD_HOST_HTIF,
};

typedef struct HostConfig {
    unsigned services;      /* HOST_* bits */
    const char *file_root;  /* host folder for guest files; NULL: none */
    int argc;               /* the firmware's argv; argv[0] its path */
    const char *const *argv;
    uint64_t frequency_hz;  /* of virtual time */
    const BoardDesc *board; /* its RAM holds the newlib stack */
    Trace *trace;           /* a "sys" line per call served; may be NULL */
} HostConfig;

typedef struct Host Host;

/* Sets the services up on a CPU whose firmware is loaded (and whose pc is
 * the entry): installs the CPU's host handler; for newlib places argv
 * and sets sp; for HTIF maps the overlay when the ELF has `tohost`
 * (without it HTIF does nothing). Errors: an unusable root folder, no
 * RAM for the newlib stack, arguments that do not fit. */
Host *host_new(MemorySystem *ms, Cpu *cpu, const ElfSymbols *syms,
               const HostConfig *config, Error **errp);
/* Removes the handler and the overlay; NULL is a no-op. */
void host_free(Host *host);

/* True once the firmware asked to exit (newlib exit, semihosting
 * SYS_EXIT, HTIF), with its status (status may be NULL); the CPU was
 * asked to stop. False for a NULL host. */
bool host_exit_status(const Host *host, int *status);

/* Snapshots: the services' state as bytes (malloc'd, *len of them):
 * open files by handle (the guest path, how it was opened, the position),
 * a requested exit, the program break, semihosting's errno, the HTIF
 * words and which warnings were given. Load reopens the files as the
 * guest opened them, without truncating them (one opened to be created
 * and removed since comes back empty), and seeks; it refuses, changing
 * nothing, data of other services or another firmware's layout (break,
 * heap) and a file that cannot be reopened, naming it. File contents are
 * the host's, not restored. */
uint8_t *host_state_save(const Host *host, size_t *len);
bool host_state_load(Host *host, const uint8_t *data, size_t len, Error **errp);

/* Parses a --host list: "newlib,htif", "semihosting", "none". */
bool host_parse_services(const char *list, unsigned *services, Error **errp);

#endif
