/* Execution traces and the guest-fault report (sim/trace.h). */
#include "sim/trace.h"
#include "soc/alloc.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/cpu/cpu_decode.h"
#include "sim/cpu/disasm.h"
#include "soc/file.h"

/* CSR numbers the fault report and the trap lines read. */
enum {
    CSR_MSTATUS = 0x300,
    CSR_MTVEC = 0x305,
    CSR_MEPC = 0x341,
    CSR_MCAUSE = 0x342,
    CSR_MTVAL = 0x343,
};

#define MCAUSE_INTERRUPT 0x80000000u

struct Trace {
    unsigned flags;
    FILE *out;
    OutputWatch watch;           /* "--trace-file PATH": its write errors */
    bool on_stderr;              /* out is (a copy of) our stderr */
    Cpu *cpu;
    MemorySystem *ms;
    const Clock *clock;
    const ElfSymbols *syms;
    CpuTracer tracer;
};

static const struct {
    const char *name;
    unsigned flags;
} kinds[] = {
    {"insn", TRACE_INSN}, {"mmio", TRACE_MMIO}, {"irq", TRACE_IRQ},
    {"exc", TRACE_EXC},   {"sys", TRACE_SYS},   {"all", TRACE_ALL},
};

bool trace_parse_list(const char *list, unsigned *flags, Error **errp)
{
    unsigned result = 0;
    const char *p = list;
    for (;;) {
        size_t len = strcspn(p, ",");
        unsigned found = 0;
        for (size_t i = 0; i < sizeof kinds / sizeof kinds[0] && !found; i++)
            if (strlen(kinds[i].name) == len && strncmp(p, kinds[i].name, len) == 0)
                found = kinds[i].flags;
        if (!found) {
            error_setf(errp, "%s '%.*s' in '%s': expected a comma-separated list "
                       "of insn, mmio, irq, exc, sys, or all",
                       len ? "unknown trace kind" : "empty trace kind",
                       (int)len, p, list);
            return false;
        }
        result |= found;
        if (!p[len])
            break;
        p += len + 1;
    }
    *flags = result;
    return true;
}

/* Whether fd is the file our stderr is (the same device and inode). */
static bool is_our_stderr(int fd)
{
    struct stat a, b;
    return fstat(fd, &a) == 0 && fstat(STDERR_FILENO, &b) == 0 &&
           a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

Trace *trace_new(unsigned flags, const char *path, Error **errp)
{
    FILE *out;
    if (path) {
        /* a regular file or a character device, never a FIFO (soc/file.h) */
        out = file_fopen_output(path, errp);
        if (!out) {
            error_prepend(errp, "--trace-file ");
            return NULL;
        }
    } else {
        /* Our own buffered stream on fd 2: a line per instruction through
         * unbuffered stderr would be a system call each. */
        int fd = dup(STDERR_FILENO);
        out = fd >= 0 ? fdopen(fd, "w") : NULL;
        if (!out) {
            if (fd >= 0)
                close(fd);
            error_setf(errp, "cannot open the trace on stderr: %s", strerror(errno));
            return NULL;
        }
    }
    if (isatty(fileno(out)))
        setvbuf(out, NULL, _IOLBF, 0);
    else
        setvbuf(out, NULL, _IOFBF, 1 << 16);
    Trace *t = xcalloc(1, sizeof *t);
    t->flags = flags;
    t->out = out;
    t->on_stderr = !path || is_our_stderr(fileno(out));
    output_watch_init(&t->watch,
                      xasprintf("%s%s", path ? "--trace-file " : "the trace on stderr",
                                path ? path : ""),
                      NULL, NULL);
    return t;
}

bool trace_on_stderr(const Trace *t)
{
    return t->on_stderr;
}

void trace_set_error_handler(Trace *t, OutputLostFn fn, void *opaque)
{
    t->watch.fn = fn;
    t->watch.opaque = opaque;
}

void trace_free(Trace *t)
{
    if (!t)
        return;
    trace_detach(t);
    errno = 0;
    if (fclose(t->out) != 0)
        output_lost(&t->watch, errno);
    output_watch_fini(&t->watch);
    free(t);
}

bool trace_wants(const Trace *t, TraceFlag kind)
{
    return t && (t->flags & kind);
}

void trace_symbolize(const ElfSymbols *syms, uint32_t addr, char *buf,
                     size_t size)
{
    uint32_t offset = 0;
    const char *name = syms ? elf_symbol_at(syms, addr, &offset) : NULL;
    if (!name)
        snprintf(buf, size, "?");
    else if (offset)
        snprintf(buf, size, "%s+0x%" PRIx32, name, offset);
    else
        snprintf(buf, size, "%s", name);
}

static const char *symbol_for_disasm(void *opaque, uint32_t addr,
                                     uint32_t *offset)
{
    const ElfSymbols *syms = opaque;
    return syms ? elf_symbol_at(syms, addr, offset) : NULL;
}

/* The virtual time of the line: exact inside an MMIO access (the CPU sets
 * the clock to the instruction's cycle), the CPU's count between
 * instructions. */
static uint64_t now(const Trace *t)
{
    return t->cpu ? cpu_cycles(t->cpu) : 0;
}

/* False once the trace failed: the line is not written. */
static bool line_start(Trace *t, uint64_t cycle, const char *kind)
{
    if (t->watch.lost)
        return false;
    fprintf(t->out, "%10" PRIu64 " %-5s ", cycle, kind);
    return true;
}

/* Ends a line. A buffered stream reports a failed write on the call that
 * had to flush: any of the line's, so the error flag is looked at too. */
static void line_end(Trace *t)
{
    if (fputc('\n', t->out) == EOF || ferror(t->out))
        output_lost(&t->watch, errno);
}

static void trace_insn(void *opaque, const Cpu *cpu, uint32_t pc, uint32_t bits)
{
    Trace *t = opaque;
    if (!(t->flags & TRACE_INSN))
        return;
    char sym[96], text[128];
    trace_symbolize(t->syms, pc, sym, sizeof sym);
    unsigned len = disasm(text, sizeof text, bits, pc, symbol_for_disasm,
                          (void *)t->syms);
    if (!line_start(t, cpu_cycles(cpu), "insn"))
        return;
    if (len == 2)
        fprintf(t->out, "%08" PRIx32 " %-24s %04" PRIx32 "     %s", pc, sym,
                bits & 0xffff, text);
    else
        fprintf(t->out, "%08" PRIx32 " %-24s %08" PRIx32 " %s", pc, sym, bits,
                text);
    line_end(t);
}

static const char *cause_name(uint32_t mcause)
{
    static const char *const exceptions[] = {
        [0] = "misaligned instruction fetch",
        [1] = "instruction access fault",
        [2] = "illegal instruction",
        [3] = "breakpoint",
        [4] = "misaligned load",
        [5] = "load access fault",
        [6] = "misaligned store",
        [7] = "store access fault",
        [8] = "ecall from U-mode",
        [9] = "ecall from S-mode",
        [11] = "ecall from M-mode",
        [12] = "instruction page fault",
        [13] = "load page fault",
        [15] = "store page fault",
    };
    static const char *const interrupts[] = {
        [1] = "supervisor software interrupt",
        [3] = "machine software interrupt",
        [5] = "supervisor timer interrupt",
        [7] = "machine timer interrupt",
        [9] = "supervisor external interrupt",
        [11] = "machine external interrupt",
    };
    uint32_t code = mcause & ~MCAUSE_INTERRUPT;
    if (mcause & MCAUSE_INTERRUPT) {
        if (code < sizeof interrupts / sizeof interrupts[0] && interrupts[code])
            return interrupts[code];
        return code >= 16 ? "platform interrupt" : "reserved interrupt";
    }
    if (code < sizeof exceptions / sizeof exceptions[0] && exceptions[code])
        return exceptions[code];
    return "reserved exception";
}

static void trace_trap(void *opaque, const Cpu *cpu, uint32_t mcause,
                       uint32_t epc, uint32_t tval)
{
    Trace *t = opaque;
    bool interrupt = (mcause & MCAUSE_INTERRUPT) != 0;
    if (!(t->flags & (interrupt ? TRACE_IRQ : TRACE_EXC)))
        return;
    uint32_t mtvec = 0;
    cpu_get_csr(cpu, CSR_MTVEC, &mtvec);
    uint32_t handler = mtvec & ~3u;
    if (interrupt && (mtvec & 1))
        handler += 4 * (mcause & ~MCAUSE_INTERRUPT);
    char sym[96], hsym[96];
    trace_symbolize(t->syms, epc, sym, sizeof sym);
    trace_symbolize(t->syms, handler, hsym, sizeof hsym);
    if (!line_start(t, cpu_cycles(cpu), interrupt ? "irq" : "exc"))
        return;
    if (interrupt)
        fprintf(t->out, "%08" PRIx32 " %-24s %s (mcause 0x%08" PRIx32 ")", epc,
                sym, cause_name(mcause), mcause);
    else
        fprintf(t->out, "%08" PRIx32 " %-24s %s (mcause %" PRIu32 ") tval 0x%" PRIx32,
                epc, sym, cause_name(mcause), mcause, tval);
    fprintf(t->out, " -> %08" PRIx32 " %s", handler, hsym);
    line_end(t);
}

/* "write 10013000 uart0.txdata 4 <- 0x00000041 data=0x41"; a region
 * without register names gives "uart0+0x0". */
static void trace_mmio(void *opaque, const MemoryRegion *region, uint32_t addr,
                       uint64_t offset, unsigned size, uint32_t value,
                       bool is_write, MemAccess result)
{
    Trace *t = opaque;
    uint64_t cycle = t->clock ? clock_now(t->clock) : now(t);
    if (!line_start(t, cycle, "mmio"))
        return;
    /* a narrow store hands the device the whole register it came from */
    if (size < 4)
        value &= (UINT32_C(1) << (8 * size)) - 1;
    char reg[64], fields[192];
    memory_region_describe_access(region, offset, value, is_write, reg, sizeof reg,
                                  fields, sizeof fields);
    fprintf(t->out, "%-5s %08" PRIx32 " %s", is_write ? "write" : "read", addr,
            memory_region_name(region));
    if (reg[0])
        fprintf(t->out, ".%s", reg);
    else
        fprintf(t->out, "+0x%" PRIx64, offset);
    fprintf(t->out, " %u %s 0x%0*" PRIx32, size, is_write ? "<-" : "->",
            (int)size * 2, value);
    if (result != MEM_OK)
        fputs(" bus error", t->out);
    else if (fields[0])
        fprintf(t->out, " %s", fields);
    line_end(t);
}

void trace_attach(Trace *t, Cpu *cpu, MemorySystem *ms, const Clock *clock,
                  const ElfSymbols *syms)
{
    t->cpu = cpu;
    t->ms = ms;
    t->clock = clock;
    t->syms = syms;
    if (t->flags & (TRACE_INSN | TRACE_EXC | TRACE_IRQ)) {
        t->tracer = (CpuTracer){
            .insn = (t->flags & TRACE_INSN) ? trace_insn : NULL,
            .trap = (t->flags & (TRACE_EXC | TRACE_IRQ)) ? trace_trap : NULL,
        };
        cpu_set_tracer(cpu, &t->tracer, t);
    }
    if (t->flags & TRACE_MMIO)
        memory_set_mmio_observer(ms, trace_mmio, t);
}

void trace_detach(Trace *t)
{
    if (!t || !t->cpu)
        return;
    if (t->flags & (TRACE_INSN | TRACE_EXC | TRACE_IRQ))
        cpu_set_tracer(t->cpu, NULL, NULL);
    if (t->flags & TRACE_MMIO)
        memory_set_mmio_observer(t->ms, NULL, NULL);
    t->cpu = NULL;
    t->ms = NULL;
}

void trace_sys(Trace *t, const char *fmt, ...)
{
    if (!trace_wants(t, TRACE_SYS) || !line_start(t, now(t), "sys"))
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(t->out, fmt, ap);
    va_end(ap);
    line_end(t);
}

void trace_guest(Trace *t, const char *device, const char *message)
{
    if (!t || !line_start(t, t->clock ? clock_now(t->clock) : now(t), "guest"))
        return;
    fprintf(t->out, "%s: %s", device, message);
    line_end(t);
}

void trace_end(Trace *t, const char *fmt, ...)
{
    if (!t || !line_start(t, now(t), "end"))
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(t->out, fmt, ap);
    va_end(ap);
    line_end(t);
    errno = 0;
    if (fflush(t->out) != 0)
        output_lost(&t->watch, errno);
}

void trace_dump_registers(FILE *out, const Cpu *cpu, MemorySystem *ms,
                          const ElfSymbols *syms)
{
    uint32_t pc = cpu_get_pc(cpu);
    char sym[96], text[128] = "(not readable)";
    trace_symbolize(syms, pc, sym, sizeof sym);
    uint8_t b[4] = {0};
    if (memory_debug_read(ms, pc, b, 2, NULL)) {
        uint32_t bits = (uint32_t)b[0] | (uint32_t)b[1] << 8;
        if (!cpu_insn_is_compressed(bits) && !memory_debug_read(ms, pc + 2, b + 2, 2, NULL))
            snprintf(text, sizeof text, "(not readable)");
        else
            disasm(text, sizeof text, bits | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24,
                   pc, symbol_for_disasm, (void *)syms);
    }
    fprintf(out, "mcusim: pc 0x%08" PRIx32 " <%s>: %s\n", pc, sym, text);
    fprintf(out, "mcusim: registers:\n");
    for (unsigned i = 0; i < 32; i++) {
        fprintf(out, "%s x%-2u %-4s %08" PRIx32, i % 4 ? "  " : " ", i,
                disasm_reg_name(i), cpu_get_reg(cpu, i));
        if (i % 4 == 3)
            fputc('\n', out);
    }
    static const struct {
        unsigned csr;
        const char *name;
    } csrs[] = {
        {CSR_MSTATUS, "mstatus"}, {CSR_MCAUSE, "mcause"},
        {CSR_MEPC, "mepc"},       {CSR_MTVAL, "mtval"},
    };
    fprintf(out, "  pc      %08" PRIx32, pc);
    for (size_t i = 0; i < sizeof csrs / sizeof csrs[0]; i++) {
        uint32_t value = 0;
        cpu_get_csr(cpu, csrs[i].csr, &value);
        fprintf(out, "  %-7s %08" PRIx32, csrs[i].name, value);
    }
    fputc('\n', out);
    uint32_t mepc = 0, offset;
    cpu_get_csr(cpu, CSR_MEPC, &mepc);
    if (mepc && syms && elf_symbol_at(syms, mepc, &offset)) {
        trace_symbolize(syms, mepc, sym, sizeof sym);
        fprintf(out, "  mepc is %s\n", sym);
    }
}
