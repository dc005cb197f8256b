/* Loads a firmware ELF into the machine's memory through the debugger path
 * (so ROM and flash are writable). */
#ifndef SIM_ELF_LOAD_H
#define SIM_ELF_LOAD_H

#include <stdint.h>

#include "soc/error.h"
#include "soc/memory.h"

/* Checks the file is a regular file holding a 32-bit little-endian RISC-V
 * executable whose loadable segments lie in the board's RAM, ROM or flash
 * without overlapping, then copies each PT_LOAD segment to its physical
 * address and zeroes the rest of its memory size. Every check runs before
 * the first byte is written. Errors name the file, and the segment and
 * address where one is at fault. *entry is the ELF's entry point, which
 * is not checked here: the board's reset_pc may start the run instead
 * (elf_check_start checks the pc that is used). */
bool elf_load(MemorySystem *ms, const char *path, uint32_t *entry,
              Error **errp);

/* Whether `pc`, where a run starts, lies in the board's RAM, ROM or flash:
 * anywhere else the first fetch faults. The error names the pc by `what`:
 * "entry point 0x00001234 is not inside the board's memory (unmapped)",
 * "... (MMIO 'uart0')". */
bool elf_check_start(MemorySystem *ms, const char *what, uint32_t pc,
                     Error **errp);

#endif
