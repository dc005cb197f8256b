/* Debug triggers for the firmware (RISC-V Debug Specification 1.0,
 * chapter 5, Sdtrig): tselect, tdata1-3, tinfo and tcontrol, with
 * config.triggers address-match triggers of type mcontrol6.
 *
 * What is modelled: execute, load and store triggers on the address (any
 * byte of an access), match equal, >= and <, the m and u privilege bits,
 * action 0 (a breakpoint exception before the instruction or access, with
 * mtval the matching address), hit0 set when a trigger fires, and
 * tcontrol.mte/mpte: in M-mode triggers fire only while mte is 1, trap
 * entry saves mte in mpte and clears it, mret restores it (so a trigger
 * cannot fire again inside its own handler).
 * Not modelled (each reads 0, writes are legalised away): Debug Mode
 * (dmode, action 1), chaining, data-value matching (select), access size
 * matching, the napot/mask match kinds, S/VS/VU filters, textra matching
 * (tdata3), the icount/itrigger/etrigger trigger types.
 *
 * While a trigger is armed the interpreter works the way it does for the
 * debugger's breakpoints and watchpoints: execute triggers make it check
 * each instruction before it runs, load/store triggers turn the data fast
 * path off. Neither changes what the firmware sees otherwise.
 */
#include "sim/cpu/cpu_internal.h"

enum {
    TDATA1_TYPE_SHIFT = 28,
    TYPE_MCONTROL6 = 6,
    TYPE_DISABLED = 15,
    MC6_HIT0 = 1u << 22,
    MC6_MATCH_SHIFT = 7,
    MC6_M = 1u << 6,
    MC6_U = 1u << 3,
    MC6_EXECUTE = 1u << 2,
    MC6_STORE = 1u << 1,
    MC6_LOAD = 1u << 0,
    MATCH_EQUAL = 0,
    MATCH_GE = 2,
    MATCH_LT = 3,
    TCONTROL_MTE = 1u << 3,
    TCONTROL_MPTE = 1u << 7,
    /* tinfo: version 1 (spec 1.0), types mcontrol6 and disabled */
    TINFO_TRIGGER = 1u << 24 | 1u << TYPE_MCONTROL6 | 1u << TYPE_DISABLED,
    TINFO_NONE = 1, /* no trigger at this tselect */
};

#define TDATA1_DISABLED ((uint32_t)TYPE_DISABLED << TDATA1_TYPE_SHIFT)

static unsigned trigger_type(uint32_t tdata1)
{
    return tdata1 >> TDATA1_TYPE_SHIFT;
}

static unsigned trigger_match(uint32_t tdata1)
{
    return (tdata1 >> MC6_MATCH_SHIFT) & 0xf;
}

/* The value a write of `value` to tdata1 leaves (WARL). */
static uint32_t legalize_tdata1(uint32_t value)
{
    if (trigger_type(value) != TYPE_MCONTROL6)
        return TDATA1_DISABLED;
    unsigned match = trigger_match(value);
    if (match != MATCH_EQUAL && match != MATCH_GE && match != MATCH_LT)
        match = MATCH_EQUAL;
    return (uint32_t)TYPE_MCONTROL6 << TDATA1_TYPE_SHIFT |
           (value & (MC6_HIT0 | MC6_M | MC6_U | MC6_EXECUTE | MC6_STORE | MC6_LOAD)) |
           match << MC6_MATCH_SHIFT;
}

/* Keeps the interpreter's view of what is armed. */
static void triggers_changed(Cpu *cpu)
{
    bool exec = false, data = false;
    for (unsigned i = 0; i < cpu->config.triggers; i++) {
        uint32_t t = cpu->triggers[i].tdata1;
        if (trigger_type(t) != TYPE_MCONTROL6 || !(t & (MC6_M | MC6_U)))
            continue;
        exec |= (t & MC6_EXECUTE) != 0;
        data |= (t & (MC6_LOAD | MC6_STORE)) != 0;
    }
    if (data && !cpu->triggers_data)
        mem_cache_flush(&cpu->data); /* accesses must reach the check */
    cpu->triggers_exec = exec;
    cpu->triggers_data = data;
    cpu_update_chaining(cpu);
    cpu->check_at = 0;
}

void cpu_trigger_reset(Cpu *cpu)
{
    cpu->tselect = 0;
    cpu->tcontrol = 0;
    for (unsigned i = 0; i < CPU_TRIGGERS_MAX; i++)
        cpu->triggers[i] = (CpuTrigger){.tdata1 = TDATA1_DISABLED};
    triggers_changed(cpu);
}

bool cpu_trigger_csr_get(const Cpu *cpu, unsigned csr, uint32_t *value)
{
    bool exists = cpu->tselect < cpu->config.triggers;
    const CpuTrigger *t = &cpu->triggers[cpu->tselect];
    switch (csr) {
    case CSR_TSELECT: *value = cpu->tselect; return true;
    case CSR_TDATA1: *value = exists ? t->tdata1 : 0; return true;
    case CSR_TDATA2: *value = exists ? t->tdata2 : 0; return true;
    case CSR_TDATA3: *value = 0; return true;
    case CSR_TINFO: *value = exists ? TINFO_TRIGGER : TINFO_NONE; return true;
    case CSR_TCONTROL: *value = cpu->tcontrol; return true;
    }
    return false;
}

bool cpu_trigger_csr_set(Cpu *cpu, unsigned csr, uint32_t value)
{
    bool exists = cpu->tselect < cpu->config.triggers;
    CpuTrigger *t = &cpu->triggers[cpu->tselect];
    switch (csr) {
    case CSR_TSELECT:
        /* A debugger counts triggers by what reads back. */
        if (value < cpu->config.triggers)
            cpu->tselect = value;
        return true;
    case CSR_TDATA1:
        if (exists)
            t->tdata1 = legalize_tdata1(value);
        triggers_changed(cpu);
        return true;
    case CSR_TDATA2:
        if (exists)
            t->tdata2 = value;
        return true;
    case CSR_TDATA3:
    case CSR_TINFO:
        return true;
    case CSR_TCONTROL:
        cpu->tcontrol = value & (TCONTROL_MTE | TCONTROL_MPTE);
        return true;
    }
    return false;
}

void cpu_trigger_trap_entered(Cpu *cpu)
{
    cpu->tcontrol = (cpu->tcontrol & TCONTROL_MTE) ? TCONTROL_MPTE : 0;
}

void cpu_trigger_mret(Cpu *cpu)
{
    if (cpu->tcontrol & TCONTROL_MPTE)
        cpu->tcontrol |= TCONTROL_MTE;
    else
        cpu->tcontrol &= ~TCONTROL_MTE;
}

/* Whether any byte of [addr, addr + size) matches the trigger. */
static bool address_matches(uint32_t tdata1, uint32_t tdata2, uint32_t addr,
                            unsigned size)
{
    uint64_t last = (uint64_t)addr + size - 1;
    switch (trigger_match(tdata1)) {
    case MATCH_GE: return last >= tdata2;
    case MATCH_LT: return addr < tdata2;
    default: return tdata2 >= addr && tdata2 <= last;
    }
}

/* Fires the first armed trigger of `kind` matching the access: records
 * hit0 and raises the breakpoint exception (mtval = addr). */
static bool fire(Cpu *cpu, uint32_t kind, uint32_t addr, unsigned size)
{
    uint32_t mode = cpu->priv == CPU_PRIV_M ? MC6_M : MC6_U;
    if (mode == MC6_M && !(cpu->tcontrol & TCONTROL_MTE))
        return false;
    for (unsigned i = 0; i < cpu->config.triggers; i++) {
        CpuTrigger *t = &cpu->triggers[i];
        if (trigger_type(t->tdata1) != TYPE_MCONTROL6 || !(t->tdata1 & kind) ||
            !(t->tdata1 & mode) || !address_matches(t->tdata1, t->tdata2, addr, size))
            continue;
        t->tdata1 |= MC6_HIT0;
        cpu_raise(cpu, CPU_CAUSE_BREAKPOINT, addr);
        return true;
    }
    return false;
}

bool cpu_trigger_exec(Cpu *cpu, uint32_t pc)
{
    return fire(cpu, MC6_EXECUTE, pc, 1);
}

bool cpu_trigger_data(Cpu *cpu, uint32_t addr, unsigned size, bool write)
{
    return fire(cpu, write ? MC6_STORE : MC6_LOAD, addr, size);
}
