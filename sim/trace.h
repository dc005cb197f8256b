/* Execution traces (--trace) and the report of a guest fault.
 *
 * A trace is a text stream, one event per line, each starting with the
 * virtual time in CPU cycles and the kind:
 *
 *   <cycle> insn  <pc> <symbol+off> <raw bits> <disassembly>
 *   <cycle> exc   <epc> <symbol+off> <cause> (mcause N) tval 0x.. -> <handler> <symbol+off>
 *   <cycle> irq   <epc> <symbol+off> <cause> (mcause 0x8000000N) -> <handler> <symbol+off>
 *   <cycle> mmio  <read|write> <addr> <region>+0x<off> <size> 0x<value>[ bus error]
 *   <cycle> sys   <what a host service did> (newlib ecall, semihosting)
 *   <cycle> guest <device>: <what the guest did that the device reports>
 *   <cycle> end   <why the run ended>
 *
 * Everything in it derives from the guest's execution, never from the host
 * (no host times or pointers), so the same firmware with the same inputs
 * gives the same trace byte for byte. Tracing insn makes the CPU run one
 * instruction per block (cpu_set_tracer): much slower. exc and irq lines
 * cost nothing until a trap is taken.
 *
 * A write that fails (a full disk, /dev/full) is said once on stderr
 * ("mcusim: --trace-file x: cannot write: No space left on device") and
 * handed to the handler trace_set_error_handler gives, if any; nothing
 * more is written. Failures at trace_end and trace_free count too.
 */
#ifndef SIM_TRACE_H
#define SIM_TRACE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/cpu/cpu.h"
#include "sim/elf_symbols.h"
#include "sim/lost_output.h"
#include "soc/clock.h"
#include "soc/error.h"
#include "soc/memory.h"

typedef enum TraceFlag {
    TRACE_INSN = 1u << 0, /* every instruction before it executes */
    TRACE_MMIO = 1u << 1, /* every guest access to a device register */
    TRACE_IRQ = 1u << 2,  /* interrupts taken */
    TRACE_EXC = 1u << 3,  /* exceptions taken */
    TRACE_SYS = 1u << 4,  /* host-service calls (trace_sys) */
    TRACE_ALL = (1u << 5) - 1,
} TraceFlag;

/* "insn,exc", "all", ... into TraceFlag bits. The error names the word
 * that is not one of insn, mmio, irq, exc, sys, all. */
bool trace_parse_list(const char *list, unsigned *flags, Error **errp);

typedef struct Trace Trace;

/* A trace of the kinds in `flags` written to `path` (created or
 * truncated), or to stderr when path is NULL. */
Trace *trace_new(unsigned flags, const char *path, Error **errp);
/* Whether the trace goes to our stderr: without a path, or to a path that
 * is the file our stderr is (/dev/stderr, the same terminal or pipe). */
bool trace_on_stderr(const Trace *t);
/* Flushes, detaches and closes. NULL is fine. */
void trace_free(Trace *t);

/* `fn` is called once, when writing the trace first fails (after the
 * line on stderr): `what` names it ("--trace-file run.trace", "the trace
 * on stderr"), `err` is the errno. Called from inside any trace_* call
 * that writes, trace_free included. NULL (the default): only the line. */
void trace_set_error_handler(Trace *t, OutputLostFn fn, void *opaque);

/* Starts tracing a machine: the CPU's tracer for insn/exc/irq, the memory
 * system's MMIO observer for mmio. `syms` may be NULL; it, the CPU, the
 * memory system and the clock must outlive the trace or trace_detach. */
void trace_attach(Trace *t, Cpu *cpu, MemorySystem *ms, const Clock *clock,
                  const ElfSymbols *syms);
void trace_detach(Trace *t);

/* Whether the trace records that kind; false for a NULL trace. */
bool trace_wants(const Trace *t, TraceFlag kind);

/* A host-service line ("sys"): the host-services code calls it for each
 * call it serves, e.g. trace_sys(t, "write(1, 0x80001000, 13) = 13").
 * A no-op for a NULL trace or one without TRACE_SYS. */
__attribute__((format(printf, 2, 3)))
void trace_sys(Trace *t, const char *fmt, ...);

/* A device's guest diagnostic ("guest"), at the clock's time (exact in an
 * MMIO access): written whatever the flags. NULL trace: nothing. */
void trace_guest(Trace *t, const char *device, const char *message);

/* The last line: why the run ended. Written whatever the flags. */
__attribute__((format(printf, 2, 3)))
void trace_end(Trace *t, const char *fmt, ...);

/* "main+0x10" for addr (or "main" at its start) into buf; "?" when no
 * symbol covers it. */
void trace_symbolize(const ElfSymbols *syms, uint32_t addr, char *buf,
                     size_t size);

/* The report of a guest fault, on `out`: the faulting pc with its symbol
 * and disassembly, x0..x31 with their ABI names, pc, mstatus, mcause,
 * mepc and mtval. */
void trace_dump_registers(FILE *out, const Cpu *cpu, MemorySystem *ms,
                          const ElfSymbols *syms);

#endif
