/* Machine-mode CSRs, traps and mret (RISC-V privileged spec 1.12, ch. 3).
 *
 * Only M-mode exists for now, so every CSR in the machine and user ranges
 * is accessible and mstatus.MPP reads as M. Not modelled yet: interrupts
 * (mie/mip are stored so they can be added), U-mode, PMP, mcountinhibit,
 * the time/timeh CSRs (there is no timer source yet, so they trap).
 */
#include "sim/cpu_internal.h"

#include <stdio.h>

/* ---- counters ----
 * mcycle counts cycles (wfi sleep included), minstret retired
 * instructions; a write stores an offset instead of a value. */

static uint64_t cpu_counter_base(const Cpu *cpu, bool cycles)
{
    return cycles ? cpu->cycles : cpu_retired(cpu);
}

/* Makes the counter read `value` once the writing instruction retires:
 * a CSR write takes effect after its instruction, and that instruction's
 * own retirement must not show in the value written. */
static void cpu_counter_write(Cpu *cpu, uint64_t *offset, bool cycles,
                              bool high, uint32_t value)
{
    uint64_t now = cpu_counter_base(cpu, cycles) + *offset;
    uint64_t next = high ? (now & 0xffffffffu) | (uint64_t)value << 32
                         : (now & ~(uint64_t)0xffffffffu) | value;
    *offset = next - (cpu_counter_base(cpu, cycles) + 1);
}

static bool cpu_csr_is_hpm(unsigned csr)
{
    return (csr >= CSR_MHPMCOUNTER3 && csr <= CSR_MHPMCOUNTER31) ||
           (csr >= CSR_MHPMCOUNTER3H && csr <= CSR_MHPMCOUNTER31H) ||
           (csr >= CSR_HPMCOUNTER3 && csr <= CSR_HPMCOUNTER31) ||
           (csr >= CSR_HPMCOUNTER3H && csr <= CSR_HPMCOUNTER31H) ||
           (csr >= CSR_MHPMEVENT3 && csr <= CSR_MHPMEVENT31);
}

/* ---- access ---- */

void cpu_csr_reset(Cpu *cpu)
{
    cpu->mstatus = 0;
    cpu->mtvec = 0;
    cpu->mie = 0;
    cpu->mip = 0;
    cpu->mscratch = 0;
    cpu->mepc = 0;
    cpu->mcause = 0;
    cpu->mtval = 0;
    cpu->cycle_offset = -cpu->cycles;
    cpu->instret_offset = -cpu_retired(cpu);
}

/* mepc[0] is always zero; mepc[1] too when IALIGN is 32 (no C). */
static uint32_t cpu_mepc_mask(const Cpu *cpu)
{
    return (cpu->extensions & CPU_EXT_C) ? ~1u : ~3u;
}

bool cpu_csr_get(const Cpu *cpu, unsigned csr, uint32_t *value)
{
    uint64_t cycle = cpu->cycles + cpu->cycle_offset;
    uint64_t instret = cpu_retired(cpu) + cpu->instret_offset;

    switch (csr) {
    case CSR_MSTATUS: *value = cpu->mstatus | MSTATUS_MPP_M; return true;
    case CSR_MSTATUSH: *value = 0; return true;
    case CSR_MISA: *value = cpu->misa; return true;
    case CSR_MIE: *value = cpu->mie; return true;
    case CSR_MIP: *value = cpu->mip; return true;
    case CSR_MTVEC: *value = cpu->mtvec; return true;
    case CSR_MSCRATCH: *value = cpu->mscratch; return true;
    case CSR_MEPC: *value = cpu->mepc & cpu_mepc_mask(cpu); return true;
    case CSR_MCAUSE: *value = cpu->mcause; return true;
    case CSR_MTVAL: *value = cpu->mtval; return true;
    case CSR_MCYCLE:
    case CSR_CYCLE: *value = (uint32_t)cycle; return true;
    case CSR_MCYCLEH:
    case CSR_CYCLEH: *value = (uint32_t)(cycle >> 32); return true;
    case CSR_MINSTRET:
    case CSR_INSTRET: *value = (uint32_t)instret; return true;
    case CSR_MINSTRETH:
    case CSR_INSTRETH: *value = (uint32_t)(instret >> 32); return true;
    case CSR_TIME:
    case CSR_TIMEH:
        if (!cpu->read_time)
            return false; /* no timer on this board: illegal, as on hardware */
        *value = (uint32_t)(cpu->read_time(cpu->time_opaque) >> (csr == CSR_TIMEH ? 32 : 0));
        return true;
    case CSR_MVENDORID:
    case CSR_MARCHID:
    case CSR_MIMPID:
    case CSR_MHARTID:
    case CSR_MCONFIGPTR: *value = 0; return true;
    }
    if (cpu_csr_is_hpm(csr)) {
        *value = 0; /* the spec lets unimplemented counters read zero */
        return true;
    }
    return false;
}

bool cpu_csr_set(Cpu *cpu, unsigned csr, uint32_t value)
{
    switch (csr) {
    case CSR_MSTATUS: cpu->mstatus = value & (MSTATUS_MIE | MSTATUS_MPIE); return true;
    case CSR_MSTATUSH: return true;
    case CSR_MISA: return true; /* WARL: the extension set is fixed */
    case CSR_MIE: cpu->mie = value & MIE_WRITABLE; return true;
    case CSR_MIP: return true; /* M-mode pending bits are set by devices */
    case CSR_MTVEC:
        /* Modes 2 and 3 are reserved: keep such a write direct. */
        cpu->mtvec = (value & 3) <= 1 ? value : value & ~3u;
        return true;
    case CSR_MSCRATCH: cpu->mscratch = value; return true;
    case CSR_MEPC: cpu->mepc = value & ~1u; return true;
    case CSR_MCAUSE: cpu->mcause = value; return true;
    case CSR_MTVAL: cpu->mtval = value; return true;
    case CSR_MCYCLE: cpu_counter_write(cpu, &cpu->cycle_offset, true, false, value); return true;
    case CSR_MCYCLEH: cpu_counter_write(cpu, &cpu->cycle_offset, true, true, value); return true;
    case CSR_MINSTRET: cpu_counter_write(cpu, &cpu->instret_offset, false, false, value); return true;
    case CSR_MINSTRETH: cpu_counter_write(cpu, &cpu->instret_offset, false, true, value); return true;
    }
    uint32_t ignored;
    return cpu_csr_get(cpu, csr, &ignored); /* read-only or hardwired */
}

/* CSRs whose number has [11:10] == 3 are read-only by encoding. */
static bool cpu_csr_read_only(unsigned csr)
{
    return (csr >> 10) == 3;
}

bool cpu_exec_csr(Cpu *cpu, const CpuInsn *insn)
{
    unsigned csr = insn->imm;
    bool immediate = insn->op >= CPU_INSN_CSRRWI;
    uint32_t source = immediate ? insn->rs1 : cpu->x[insn->rs1];
    unsigned op = immediate ? insn->op - (CPU_INSN_CSRRWI - CPU_INSN_CSRRW)
                            : insn->op;
    /* csrrs/csrrc with x0 (or uimm 0) read without writing, so they may
     * target a read-only CSR. */
    bool writes = op == CPU_INSN_CSRRW || insn->rs1 != 0;
    uint32_t old;

    if (!cpu_csr_get(cpu, csr, &old) || (writes && cpu_csr_read_only(csr)))
        return cpu_raise(cpu, CPU_CAUSE_ILLEGAL, insn->bits);
    if (writes) {
        uint32_t next = op == CPU_INSN_CSRRW   ? source
                        : op == CPU_INSN_CSRRS ? old | source
                                               : old & ~source;
        cpu_csr_set(cpu, csr, next);
    }
    if (insn->rd)
        cpu->x[insn->rd] = old;
    cpu->pc += insn->length;
    return true;
}

_Static_assert(CPU_INSN_CSRRS == CPU_INSN_CSRRW + 1 &&
                   CPU_INSN_CSRRC == CPU_INSN_CSRRW + 2 &&
                   CPU_INSN_CSRRSI == CPU_INSN_CSRRWI + 1 &&
                   CPU_INSN_CSRRCI == CPU_INSN_CSRRWI + 2 &&
                   CPU_INSN_CSRRWI == CPU_INSN_CSRRC + 1,
               "cpu_exec_csr maps the immediate forms by offset");

/* ---- traps ---- */

void cpu_exec_mret(Cpu *cpu)
{
    uint32_t mpie = cpu->mstatus & MSTATUS_MPIE;
    cpu->mstatus = (mpie ? MSTATUS_MIE : 0) | MSTATUS_MPIE;
    cpu->pc = cpu->mepc & cpu_mepc_mask(cpu);
}

static const char *cpu_cause_name(uint32_t cause)
{
    switch (cause) {
    case MCAUSE_INTERRUPT | CPU_IRQ_MSI: return "machine software interrupt";
    case MCAUSE_INTERRUPT | CPU_IRQ_MTI: return "machine timer interrupt";
    case MCAUSE_INTERRUPT | CPU_IRQ_MEI: return "machine external interrupt";
    case CPU_CAUSE_FETCH_MISALIGNED: return "misaligned instruction fetch";
    case CPU_CAUSE_FETCH_ACCESS: return "instruction access fault";
    case CPU_CAUSE_ILLEGAL: return "illegal instruction";
    case CPU_CAUSE_BREAKPOINT: return "breakpoint";
    case CPU_CAUSE_LOAD_MISALIGNED: return "misaligned load";
    case CPU_CAUSE_LOAD_ACCESS: return "load access fault";
    case CPU_CAUSE_STORE_MISALIGNED: return "misaligned store";
    case CPU_CAUSE_STORE_ACCESS: return "store access fault";
    case CPU_CAUSE_ECALL_U: return "ecall from U-mode";
    case CPU_CAUSE_ECALL_M: return "ecall from M-mode";
    }
    return "exception";
}

/* "illegal instruction 0x00000000 at pc 0x80000010 (mcause 2, mtval 0x0)" */
static void cpu_describe_exception(char *buf, size_t size, uint32_t cause,
                                   uint32_t epc, uint32_t tval)
{
    if (cause == CPU_CAUSE_ILLEGAL)
        snprintf(buf, size, "%s 0x%08x at pc 0x%08x (mcause %u, mtval 0x%x)",
                 cpu_cause_name(cause), tval, epc, cause, tval);
    else
        snprintf(buf, size, "%s at pc 0x%08x (mcause %u, mtval 0x%x)",
                 cpu_cause_name(cause), epc, cause, tval);
}

/* A trap whose handler cannot run would loop forever (or jump into
 * nothing): stop and say why instead. Two cases: mtvec points at unmapped
 * memory, or the handler's first instruction raised an exception again. */
static bool cpu_trap_unhandled(Cpu *cpu, uint32_t handler, Error **errp)
{
    char now[128];
    cpu_describe_exception(now, sizeof now, cpu->exc_cause, cpu->pc,
                           cpu->exc_tval);

    if (cpu->trap_retired == cpu_retired(cpu)) {
        char first[128];
        cpu_describe_exception(first, sizeof first, cpu->trap_cause,
                               cpu->trap_epc, cpu->trap_tval);
        error_setf(errp, "%s; the trap handler at 0x%08x faulted: %s", first,
                   cpu->pc, now);
        return true;
    }
    MemRange range;
    if (!memory_lookup(cpu->ms, handler, &range)) {
        error_setf(errp, "%s; no trap handler (mtvec 0x%08x unmapped)", now,
                   cpu->mtvec);
        return true;
    }
    return false;
}

bool cpu_take_trap(Cpu *cpu, Error **errp)
{
    /* Exceptions always enter at the base, even with vectored mtvec
     * (vectoring is for interrupts only). */
    uint32_t handler = cpu->mtvec & ~3u;

    if (cpu_trap_unhandled(cpu, handler, errp))
        return false; /* not taken: the state shows the faulting pc */

    cpu->trap_retired = cpu_retired(cpu);
    cpu->trap_cause = cpu->exc_cause;
    cpu->trap_epc = cpu->pc;
    cpu->trap_tval = cpu->exc_tval;

    cpu->mepc = cpu->pc;
    cpu->mcause = cpu->exc_cause;
    cpu->mtval = cpu->exc_tval;
    uint32_t mie = cpu->mstatus & MSTATUS_MIE;
    cpu->mstatus = mie ? MSTATUS_MPIE : 0; /* MIE cleared, MPP = M */
    cpu->reserved = false;
    cpu->pc = handler;
    return true;
}

/* ---- interrupts ---- */

/* Machine mode only: interrupts are taken when mstatus.MIE is set, the
 * highest priority first (MEI, MSI, MTI: privileged spec 3.1.9). */
int cpu_pending_interrupt(const Cpu *cpu)
{
    uint32_t pending = cpu->mip & cpu->mie;
    if (!pending || !(cpu->mstatus & MSTATUS_MIE))
        return -1;
    static const unsigned order[] = {CPU_IRQ_MEI, CPU_IRQ_MSI, CPU_IRQ_MTI};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
        if (pending & (1u << order[i]))
            return (int)order[i];
    return -1;
}

void cpu_take_interrupt(Cpu *cpu, unsigned cause)
{
    uint32_t mcause = MCAUSE_INTERRUPT | cause;
    uint32_t base = cpu->mtvec & ~3u;

    cpu->trap_retired = cpu_retired(cpu);
    cpu->trap_cause = mcause;
    cpu->trap_epc = cpu->pc;
    cpu->trap_tval = 0;

    cpu->mepc = cpu->pc;
    cpu->mcause = mcause;
    cpu->mtval = 0;
    uint32_t mie = cpu->mstatus & MSTATUS_MIE;
    cpu->mstatus = mie ? MSTATUS_MPIE : 0;
    cpu->reserved = false;
    cpu->pc = (cpu->mtvec & 1) ? base + 4 * cause : base;
}
