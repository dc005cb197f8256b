/* Loads a firmware ELF into the machine's memory through the debugger path
 * (so ROM and flash are writable). */
#ifndef SIM_ELF_LOAD_H
#define SIM_ELF_LOAD_H

#include <stdint.h>

#include "soc/error.h"
#include "soc/memory.h"

/* Checks the file is a regular file holding a 32-bit little-endian RISC-V
 * executable whose entry point lies in the board's RAM, ROM or flash,
 * then copies each PT_LOAD segment to its physical address and zeroes the
 * rest of its memory size. Every check runs before the first byte is
 * written. Errors name the file, and the segment and address where one is
 * at fault. */
bool elf_load(MemorySystem *ms, const char *path, uint32_t *entry,
              Error **errp);

#endif
