/* Physical memory protection (RISC-V privileged spec 1.12, section 3.7):
 * the lowest config.pmp_entries of 16 entries (the FE310-G002 has 8), 4-byte
 * granularity, modes OFF/TOR/NA4/NAPOT, the lock bit. The CSRs of entries
 * that are not implemented read zero and ignore writes.
 *
 * The lowest-numbered entry that matches any byte of an access decides;
 * it must match every byte or the access fails. M-mode passes unless the
 * entry is locked; U-mode fails when no entry matches, unless no entry is
 * implemented at all. Locked entries cannot be rewritten until reset, and
 * lock the address below them when they are TOR.
 */
#include "sim/cpu/cpu_internal.h"

#include <string.h>

static unsigned pmp_mode(uint8_t cfg)
{
    return (cfg >> PMP_A_SHIFT) & 3;
}

/* The byte range [*lo, *hi) entry i covers; false when it is off. */
static bool pmp_range(const Cpu *cpu, unsigned i, uint64_t *lo, uint64_t *hi)
{
    uint64_t addr = (uint64_t)cpu->pmpaddr[i] << 2;
    switch (pmp_mode(cpu->pmpcfg[i])) {
    case PMP_TOR:
        *lo = i ? (uint64_t)cpu->pmpaddr[i - 1] << 2 : 0;
        *hi = addr;
        return true;
    case PMP_NA4:
        *lo = addr;
        *hi = addr + 4;
        return true;
    case PMP_NAPOT: {
        /* pmpaddr = base | 0 | ones: t trailing ones mean 2^(t+3) bytes */
        unsigned ones = (unsigned)__builtin_ctzll(~(uint64_t)cpu->pmpaddr[i]);
        uint64_t size = 8ull << ones;
        *lo = addr & ~(size - 1);
        *hi = *lo + size;
        return true;
    }
    }
    return false;
}

bool cpu_pmp_allows(const Cpu *cpu, uint32_t addr, unsigned size,
                    unsigned access, unsigned priv)
{
    uint64_t first = addr, end = (uint64_t)addr + size;
    for (unsigned i = 0; i < cpu->config.pmp_entries; i++) {
        uint64_t lo, hi;
        if (!pmp_range(cpu, i, &lo, &hi) || end <= lo || first >= hi)
            continue;
        if (first < lo || end > hi)
            return false; /* matches only part of the access */
        uint8_t cfg = cpu->pmpcfg[i];
        if (priv == CPU_PRIV_M && !(cfg & PMP_L))
            return true;
        return (cfg & access) != 0;
    }
    return priv == CPU_PRIV_M || cpu->config.pmp_entries == 0;
}

unsigned cpu_data_priv(const Cpu *cpu)
{
    if (cpu->priv == CPU_PRIV_M && (cpu->mstatus & MSTATUS_MPRV))
        return (cpu->mstatus & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT;
    return cpu->priv;
}

/* Whether a locked entry binds M-mode: only pmpcfg writes and reset change
 * it, so it is kept rather than looked for on every trap and mret. */
static void entries_changed(Cpu *cpu)
{
    cpu->pmp_locked = false;
    for (unsigned i = 0; i < cpu->config.pmp_entries; i++)
        cpu->pmp_locked |= (cpu->pmpcfg[i] & PMP_L) && pmp_mode(cpu->pmpcfg[i]) != PMP_OFF;
    cpu_pmp_update(cpu);
}

void cpu_pmp_reset(Cpu *cpu)
{
    memset(cpu->pmpcfg, 0, sizeof cpu->pmpcfg);
    memset(cpu->pmpaddr, 0, sizeof cpu->pmpaddr);
    entries_changed(cpu);
}

void cpu_pmp_update(Cpu *cpu)
{
    /* In M-mode only MPRV with MPP below M makes data accesses checked.
     * (Written so: one load of priv and mstatus together, which gcc makes
     * of cpu_data_priv here, stalls on the two stores a trap just did.) */
    bool active = cpu->pmp_locked || cpu->priv != CPU_PRIV_M ||
                  ((cpu->mstatus & MSTATUS_MPRV) &&
                   (cpu->mstatus & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT != CPU_PRIV_M);
    if (active == cpu->pmp_active)
        return; /* every trap and mret comes here */
    if (active)
        mem_cache_flush(&cpu->data); /* the fast path must not see ranges */
    cpu->pmp_active = active;
    cpu_update_chaining(cpu);
}

static bool implemented(const Cpu *cpu, unsigned i)
{
    return i < cpu->config.pmp_entries;
}

static bool entry_locked(const Cpu *cpu, unsigned i)
{
    return (cpu->pmpcfg[i] & PMP_L) != 0;
}

bool cpu_pmp_csr_get(const Cpu *cpu, unsigned csr, uint32_t *value)
{
    if (csr >= CSR_PMPCFG0 && csr <= CSR_PMPCFG3) {
        unsigned first = (csr - CSR_PMPCFG0) * 4;
        *value = 0;
        for (unsigned k = 0; k < 4; k++)
            *value |= (uint32_t)cpu->pmpcfg[first + k] << (8 * k);
        return true;
    }
    if (csr >= CSR_PMPADDR0 && csr <= CSR_PMPADDR15) {
        *value = cpu->pmpaddr[csr - CSR_PMPADDR0];
        return true;
    }
    return false;
}

bool cpu_pmp_csr_set(Cpu *cpu, unsigned csr, uint32_t value)
{
    if (csr >= CSR_PMPCFG0 && csr <= CSR_PMPCFG3) {
        unsigned first = (csr - CSR_PMPCFG0) * 4;
        for (unsigned k = 0; k < 4; k++) {
            uint8_t cfg = (uint8_t)(value >> (8 * k));
            /* bits 6:5 are reserved (read zero) */
            if (implemented(cpu, first + k) && !entry_locked(cpu, first + k))
                cpu->pmpcfg[first + k] = cfg & 0x9f;
        }
    } else if (csr >= CSR_PMPADDR0 && csr <= CSR_PMPADDR15) {
        unsigned i = csr - CSR_PMPADDR0;
        if (!implemented(cpu, i))
            return true;
        bool next_locks_it = implemented(cpu, i + 1) && entry_locked(cpu, i + 1) &&
                             pmp_mode(cpu->pmpcfg[i + 1]) == PMP_TOR;
        if (!entry_locked(cpu, i) && !next_locks_it)
            cpu->pmpaddr[i] = value;
    } else {
        return false;
    }
    entries_changed(cpu);
    return true;
}
