/* A disassembler for the instructions mcusim executes, driven by the
 * decode table (sim/cpu_decode.h): the mnemonic is the row's name, the
 * operands are printed by the row's format.
 *
 * The syntax is GNU objdump's with `-M no-aliases`: ABI register names,
 * loads and stores as `lw a0,8(sp)`, CSRs by name, shift amounts and
 * upper immediates in hex, other immediates in decimal, branch and jump
 * targets as absolute hex addresses (`jal ra,80000052 <main>` when a
 * symbol lookup is given). A compressed instruction keeps its own name
 * and the operands its programmer wrote, with the register fields
 * expanded to full registers (`c.lw a5,0(a0)`, `c.addi sp,-16`). One
 * deviation: c.nop is `c.nop` (objdump prints `c.addi zero,0`). Words
 * that are not an instruction of RV32IMAC + Zicsr + Zifencei come out as
 * `.2byte 0x...` or `.4byte 0x...`.
 */
#ifndef SIM_DISASM_H
#define SIM_DISASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The symbol at addr and addr's offset in it, or NULL: used to annotate
 * branch and jump targets as ` <name+0xoff>`. */
typedef const char *(*DisasmSymbolFn)(void *opaque, uint32_t addr,
                                      uint32_t *offset);

/* Writes the disassembly of the instruction whose first bytes are `bits`
 * (for a compressed one only the low 16 bits count), located at `pc`, into
 * buf (always NUL-terminated, truncated to size). `symbol` may be NULL.
 * Returns the instruction's length in bytes: 2 or 4. */
unsigned disasm(char *buf, size_t size, uint32_t bits, uint32_t pc,
                DisasmSymbolFn symbol, void *opaque);

/* "zero", "ra", ... "t6" for x0..x31; "?" beyond. */
const char *disasm_reg_name(unsigned reg);

/* Writes the CSR's name ("mstatus", "pmpaddr3") into buf, or "0x7c0" for
 * a number without one (then returns false). */
bool disasm_csr_name(unsigned csr, char *buf, size_t size);

#endif
