/* The symbol table of a firmware ELF: addresses by name (HTIF's tohost,
 * newlib's _end) and names by address (traces, fault reports). */
#ifndef SIM_ELF_SYMBOLS_H
#define SIM_ELF_SYMBOLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "soc/error.h"

typedef struct ElfSymbols ElfSymbols;

/* Reads the function and object symbols of a 32-bit ELF. A file without a
 * symbol table gives an empty set, not an error. */
ElfSymbols *elf_symbols_load(const char *path, Error **errp);
void elf_symbols_free(ElfSymbols *syms);

/* False when there is no such symbol. */
bool elf_symbol_address(const ElfSymbols *syms, const char *name,
                        uint32_t *addr);

/* The symbol covering addr (or the closest one below it, within 64 KiB,
 * for symbols without a size) and addr's offset in it; NULL when none. */
const char *elf_symbol_at(const ElfSymbols *syms, uint32_t addr,
                          uint32_t *offset);

/* A symbol of code: a function (STT_FUNC), or a label without a type in
 * an executable section (assembly entry points such as _start or a local
 * trap_entry). `size` 0: the ELF gives none. */
typedef struct ElfCodeSymbol {
    uint32_t addr, size;
    const char *name;
    bool function; /* STT_FUNC */
} ElfCodeSymbol;

/* The code symbols, sorted by address; at one address functions come
 * first, then larger before smaller, then by name. Owned by syms, valid
 * while it lives; *count 0 for a file without a symbol table. */
const ElfCodeSymbol *elf_symbols_code(const ElfSymbols *syms, size_t *count);

#endif
