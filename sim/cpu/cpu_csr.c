/* CSRs, privilege, traps, interrupts and mret (RISC-V privileged spec
 * 1.12, chapter 3), for a hart with machine and user modes.
 *
 * Counters: mcycle counts cycles (wfi sleep included), minstret retired
 * instructions; both are kept as offsets from the CPU's own counts, and
 * frozen while mcountinhibit says so. User access to cycle/time/instret
 * is gated by mcounteren. Not modelled: supervisor mode, the hpm event
 * counters (they read zero), mstatus.TSR/TVM/MXR/SUM (no S-mode or VM).
 */
#include "sim/cpu/cpu_internal.h"

#include <stdio.h>

/* ---- counters ---- */

enum { COUNTER_CYCLE = 0, COUNTER_INSTRET = 2 }; /* mcountinhibit bits */

static uint64_t counter_base(const Cpu *cpu, unsigned which)
{
    return which == COUNTER_CYCLE ? cpu->cycles : cpu_retired(cpu);
}

static uint64_t *counter_offset(Cpu *cpu, unsigned which)
{
    return which == COUNTER_CYCLE ? &cpu->cycle_offset : &cpu->instret_offset;
}

static uint64_t *counter_frozen(Cpu *cpu, unsigned which)
{
    return which == COUNTER_CYCLE ? &cpu->frozen_cycle : &cpu->frozen_instret;
}

static bool counter_inhibited(const Cpu *cpu, unsigned which)
{
    return (cpu->mcountinhibit >> which) & 1;
}

static uint64_t counter_read(const Cpu *cpu, unsigned which)
{
    if (counter_inhibited(cpu, which))
        return which == COUNTER_CYCLE ? cpu->frozen_cycle : cpu->frozen_instret;
    return counter_base(cpu, which) +
           (which == COUNTER_CYCLE ? cpu->cycle_offset : cpu->instret_offset);
}

/* Makes the counter read `value` once the writing instruction retires:
 * a CSR write takes effect after its instruction, and that instruction's
 * own retirement must not show in the value written. A debugger's write
 * (no instruction retiring) reads back as written. */
static void counter_set(Cpu *cpu, unsigned which, uint64_t value)
{
    if (counter_inhibited(cpu, which))
        *counter_frozen(cpu, which) = value;
    else
        *counter_offset(cpu, which) =
            value - (counter_base(cpu, which) + cpu->csr_insn_retiring);
}

static void counter_write_half(Cpu *cpu, unsigned which, bool high,
                               uint32_t value)
{
    uint64_t now = counter_read(cpu, which);
    counter_set(cpu, which, high ? (now & 0xffffffffu) | (uint64_t)value << 32
                                 : (now & ~(uint64_t)0xffffffffu) | value);
}

static void set_countinhibit(Cpu *cpu, uint32_t value)
{
    static const unsigned counters[] = {COUNTER_CYCLE, COUNTER_INSTRET};
    value &= (1u << COUNTER_CYCLE) | (1u << COUNTER_INSTRET);
    for (size_t i = 0; i < 2; i++) {
        unsigned which = counters[i];
        bool was = counter_inhibited(cpu, which), now = (value >> which) & 1;
        uint64_t current = counter_read(cpu, which);
        /* The write takes effect after the writing instruction, which
         * still counts when counting stops. */
        if (!was && now)
            *counter_frozen(cpu, which) = current + cpu->csr_insn_retiring;
        cpu->mcountinhibit = (cpu->mcountinhibit & ~(1u << which)) |
                             ((uint32_t)now << which);
        if (was && !now)
            counter_set(cpu, which, current);
    }
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
    cpu->priv = CPU_PRIV_M;
    cpu->mstatus = 0;
    cpu->mtvec = 0;
    cpu->mie = 0;
    cpu->mip &= MIE_WRITABLE; /* lines keep their levels */
    cpu->mscratch = 0;
    cpu->mepc = 0;
    cpu->mcause = 0;
    cpu->mtval = 0;
    cpu->mcounteren = 0;
    cpu->mcountinhibit = 0;
    cpu->cycle_offset = -cpu->cycles;
    cpu->instret_offset = -cpu_retired(cpu);
    cpu_pmp_reset(cpu);
    cpu_trigger_reset(cpu);
}

/* mepc[0] is always zero; mepc[1] too when IALIGN is 32 (no C). */
static uint32_t cpu_mepc_mask(const Cpu *cpu)
{
    return (cpu->extensions & CPU_EXT_C) ? ~1u : ~3u;
}

static bool read_time(const Cpu *cpu, bool high, uint32_t *value)
{
    uint64_t now;
    /* no timer on this board (or none now): illegal, as on hardware */
    if (!cpu->read_time || !cpu->read_time(cpu->time_opaque, &now))
        return false;
    *value = (uint32_t)(high ? now >> 32 : now);
    return true;
}

bool cpu_csr_get(const Cpu *cpu, unsigned csr, uint32_t *value)
{
    uint64_t cycle = counter_read(cpu, COUNTER_CYCLE);
    uint64_t instret = counter_read(cpu, COUNTER_INSTRET);

    switch (csr) {
    case CSR_MSTATUS: *value = cpu->mstatus; return true;
    case CSR_MSTATUSH: *value = 0; return true;
    case CSR_MISA: *value = cpu->misa; return true;
    case CSR_MIE: *value = cpu->mie; return true;
    case CSR_MIP: *value = cpu->mip; return true;
    case CSR_MTVEC: *value = cpu->mtvec; return true;
    case CSR_MCOUNTEREN: *value = cpu->mcounteren; return true;
    case CSR_MCOUNTINHIBIT: *value = cpu->mcountinhibit; return true;
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
    case CSR_TIME: return read_time(cpu, false, value);
    case CSR_TIMEH: return read_time(cpu, true, value);
    case CSR_MVENDORID: *value = cpu->config.mvendorid; return true;
    case CSR_MARCHID: *value = cpu->config.marchid; return true;
    case CSR_MIMPID: *value = cpu->config.mimpid; return true;
    case CSR_MHARTID:
    case CSR_MCONFIGPTR: *value = 0; return true;
    }
    if (cpu_csr_is_hpm(csr)) {
        *value = 0; /* the spec lets unimplemented counters read zero */
        return true;
    }
    return cpu_pmp_csr_get(cpu, csr, value) || cpu_trigger_csr_get(cpu, csr, value);
}

static void set_mstatus(Cpu *cpu, uint32_t value)
{
    uint32_t mpp = (value & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT;
    if (mpp != CPU_PRIV_M && mpp != CPU_PRIV_U) /* WARL: keep a legal one */
        value = (value & ~MSTATUS_MPP) | (cpu->mstatus & MSTATUS_MPP);
    cpu->mstatus = value & MSTATUS_WRITABLE;
    cpu_pmp_update(cpu); /* MPRV and MPP change the data privilege */
}

bool cpu_csr_set(Cpu *cpu, unsigned csr, uint32_t value)
{
    switch (csr) {
    case CSR_MSTATUS: set_mstatus(cpu, value); return true;
    case CSR_MSTATUSH: return true;
    case CSR_MISA: return true; /* WARL: the extension set is fixed */
    case CSR_MIE: cpu->mie = value & MIE_WRITABLE; return true;
    case CSR_MIP: return true; /* M-mode pending bits are set by devices */
    case CSR_MTVEC:
        /* Modes 2 and 3 are reserved: keep such a write direct. */
        cpu->mtvec = (value & 3) <= 1 ? value : value & ~3u;
        return true;
    case CSR_MCOUNTEREN: cpu->mcounteren = value; return true;
    case CSR_MCOUNTINHIBIT: set_countinhibit(cpu, value); return true;
    case CSR_MSCRATCH: cpu->mscratch = value; return true;
    case CSR_MEPC: cpu->mepc = value & ~1u; return true;
    case CSR_MCAUSE: cpu->mcause = value; return true;
    case CSR_MTVAL: cpu->mtval = value; return true;
    case CSR_MCYCLE: counter_write_half(cpu, COUNTER_CYCLE, false, value); return true;
    case CSR_MCYCLEH: counter_write_half(cpu, COUNTER_CYCLE, true, value); return true;
    case CSR_MINSTRET: counter_write_half(cpu, COUNTER_INSTRET, false, value); return true;
    case CSR_MINSTRETH: counter_write_half(cpu, COUNTER_INSTRET, true, value); return true;
    }
    if (cpu_pmp_csr_set(cpu, csr, value) || cpu_trigger_csr_set(cpu, csr, value))
        return true;
    uint32_t ignored;
    return cpu_csr_get(cpu, csr, &ignored); /* read-only or hardwired */
}

/* CSRs whose number has [11:10] == 3 are read-only by encoding. */
static bool cpu_csr_read_only(unsigned csr)
{
    return (csr >> 10) == 3;
}

/* Bits [9:8] of a CSR number are the lowest privilege that may access it;
 * user counters also need their mcounteren bit. */
static bool cpu_csr_allowed(const Cpu *cpu, unsigned csr)
{
    if (((csr >> 8) & 3) > cpu->priv)
        return false;
    bool user_counter = (csr >= CSR_CYCLE && csr <= CSR_HPMCOUNTER31) ||
                        (csr >= CSR_CYCLEH && csr <= CSR_HPMCOUNTER31H);
    if (user_counter && cpu->priv < CPU_PRIV_M)
        return (cpu->mcounteren >> (csr & 31)) & 1;
    return true;
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

    if (!cpu_csr_allowed(cpu, csr) || !cpu_csr_get(cpu, csr, &old) ||
        (writes && cpu_csr_read_only(csr)))
        return cpu_raise(cpu, CPU_CAUSE_ILLEGAL, insn->bits);
    if (writes) {
        uint32_t next = op == CPU_INSN_CSRRW   ? source
                        : op == CPU_INSN_CSRRS ? old | source
                                               : old & ~source;
        cpu->csr_insn_retiring = 1;
        cpu_csr_set(cpu, csr, next);
        cpu->csr_insn_retiring = 0;
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
    uint32_t s = cpu->mstatus;
    unsigned mpp = (s & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT;
    s = (s & ~(MSTATUS_MIE | MSTATUS_MPP)) | MSTATUS_MPIE;
    if (cpu->mstatus & MSTATUS_MPIE)
        s |= MSTATUS_MIE;
    if (mpp != CPU_PRIV_M)
        s &= ~MSTATUS_MPRV;
    cpu->mstatus = s; /* MPP becomes U, the least privileged mode */
    cpu->priv = mpp;
    cpu->pc = cpu->mepc & cpu_mepc_mask(cpu);
    cpu_trigger_mret(cpu);
    cpu_pmp_update(cpu);
}

/* Trap entry common to exceptions and interrupts: M-mode, MIE saved in
 * MPIE and cleared, the old privilege in MPP. */
static void enter_trap(Cpu *cpu, uint32_t mcause, uint32_t tval, uint32_t handler)
{
    if (cpu->tracer && cpu->tracer->trap)
        cpu->tracer->trap(cpu->tracer_opaque, cpu, mcause, cpu->pc, tval);
    cpu->trap_retired = cpu_retired(cpu);
    cpu->trap_cause = mcause;
    cpu->trap_epc = cpu->pc;
    cpu->trap_tval = tval;

    cpu->mepc = cpu->pc;
    cpu->mcause = mcause;
    cpu->mtval = tval;
    uint32_t s = cpu->mstatus & ~(MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP);
    if (cpu->mstatus & MSTATUS_MIE)
        s |= MSTATUS_MPIE;
    cpu->mstatus = s | (uint32_t)cpu->priv << MSTATUS_MPP_SHIFT;
    cpu->priv = CPU_PRIV_M;
    cpu->reserved = false;
    cpu->pc = handler;
    cpu_trigger_trap_entered(cpu);
    cpu_pmp_update(cpu);
    if (unlikely(cpu->exec_kinds & CPU_EXEC_TRAP)) {
        CpuExecEvent e = {.kind = CPU_EXEC_TRAP, .cycles = cpu->cycles, .mcause = mcause,
                          .epc = cpu->trap_epc, .tval = tval};
        cpu_exec_notify(cpu, &e);
    }
    cpu_mode_changed(cpu);
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
    enter_trap(cpu, cpu->exc_cause, cpu->exc_tval, handler);
    return true;
}

/* ---- interrupts ---- */

/* M-mode interrupts are taken in M-mode when mstatus.MIE is set and
 * always in U-mode, the highest priority first (MEI, MSI, MTI:
 * privileged spec 3.1.9). */
int cpu_pending_interrupt(const Cpu *cpu)
{
    uint32_t pending = cpu->mip & cpu->mie;
    bool enabled = cpu->priv < CPU_PRIV_M || (cpu->mstatus & MSTATUS_MIE);
    if (!pending || !enabled)
        return -1;
    static const unsigned order[] = {CPU_IRQ_MEI, CPU_IRQ_MSI, CPU_IRQ_MTI};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
        if (pending & (1u << order[i]))
            return (int)order[i];
    return -1;
}

void cpu_take_interrupt(Cpu *cpu, unsigned cause)
{
    uint32_t base = cpu->mtvec & ~3u;
    enter_trap(cpu, MCAUSE_INTERRUPT | cause, 0,
               (cpu->mtvec & 1) ? base + 4 * cause : base);
}
