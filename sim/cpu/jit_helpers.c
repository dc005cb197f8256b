/* What translated code calls (jit.h declares them; their signatures are
 * the generated code's ABI): the interpreter's work for one instruction,
 * with the clock at the instruction's exact cycle. */
#include "sim/cpu/jit.h"

#include <string.h>

/* Fills the inline window of this kind with the data-cache range an
 * access just used (RAM/ROM only; stores need writable memory). */
static void window_fill(Cpu *cpu, uint32_t addr, unsigned size, bool write)
{
    const MemRange *r = mem_cache_find(&cpu->data, addr, size);
    if (!r || !r->host || (write && r->readonly))
        return;
    uint32_t extent = r->last - r->start;
    JitWindow *w = write ? &cpu->jit_store : &cpu->jit_load;
    *w = (JitWindow){
        .start = r->start,
        .span = extent >= 3 ? extent - 2 : 0,
        .host = r->host,
        .code = r->code,
        .code_offset = r->offset,
    };
}

static bool device_holds(const MemRange *r, uint32_t addr, unsigned size)
{
    return r->mr && addr - r->start <= r->last - r->start && r->last - addr >= size - 1;
}

/* The recent device range holding the access, tried first where this
 * instruction went last time (a load or store mostly reaches one device). */
static const MemRange *recent_device(const Cpu *cpu, BlockInsn *in, uint32_t addr,
                                     unsigned size)
{
    const unsigned n = sizeof cpu->jit_mmio / sizeof cpu->jit_mmio[0];
    const MemRange *r = &cpu->jit_mmio[in->device_hint % n];
    if (device_holds(r, addr, size))
        return r;
    for (unsigned i = 0; i < n; i++) {
        if (device_holds(&cpu->jit_mmio[i], addr, size)) {
            in->device_hint = (uint8_t)i;
            return &cpu->jit_mmio[i];
        }
    }
    return NULL;
}

/* An aligned access inside a device range recent ones used, straight to
 * the device: what cpu_load/cpu_store do for it without looking the
 * range up (no watchpoints or triggers while translated code runs).
 * False when the access is not one of those. */
static bool mmio_direct(Cpu *cpu, BlockInsn *in, uint32_t addr, unsigned size,
                        bool write, uint32_t *value, bool *ok)
{
    if (addr & (size - 1))
        return false;
    const MemRange *r = recent_device(cpu, in, addr, size);
    if (!r || (write && r->readonly))
        return false;
    /* (r is read before the device runs, which may empty jit_mmio) */
    MemAccess result = write ? cpu_device_write(cpu, r, addr, size, *value)
                             : cpu_device_read(cpu, r, addr, size, value);
    *ok = result == MEM_OK || cpu_raise(cpu, write ? CPU_CAUSE_STORE_ACCESS
                                                   : CPU_CAUSE_LOAD_ACCESS, addr);
    return true;
}

/* Keeps the device range an access just used for mmio_direct. */
static void mmio_remember(Cpu *cpu, uint32_t addr, unsigned size)
{
    const MemRange *r = mem_cache_find(&cpu->data, addr, size);
    if (!r || r->host)
        return;
    for (unsigned i = 0; i < sizeof cpu->jit_mmio / sizeof cpu->jit_mmio[0]; i++)
        if (device_holds(&cpu->jit_mmio[i], addr, size))
            return;
    unsigned n = sizeof cpu->jit_mmio / sizeof cpu->jit_mmio[0];
    cpu->jit_mmio[cpu->jit_mmio_next++ % n] = *r;
}

/* Whether the run loop would find nothing to do before the rest of the
 * block: after a device access, the translation may then go on. Anything
 * the run loop must see sets check_at to 0 (an interrupt line, an event
 * scheduled sooner, a stop or reset request, a map change) or drops the
 * block (a store into its code). */
static bool nothing_to_look_at(const Cpu *cpu, uint64_t base, unsigned ntranslated,
                               uint64_t generation, uint64_t kills)
{
    return cpu->check_at >= base + ntranslated && cpu->blocks.generation == generation &&
           cpu->blocks.kills == kills;
}

/* The access, as cpu_load/cpu_store do it (info: jit.h). */
static JitSlowResult slow_access(Cpu *cpu, uint32_t addr, uint32_t value, uint32_t info,
                                 BlockInsn *in, bool write)
{
    uint32_t pc = in->pc;
    unsigned idx = info & 0xff, size = (info >> 8) & 7, ntranslated = info >> 16;
    uint32_t length = info & (1u << 13) ? 2 : 4;
    uint64_t base = cpu->cycles, generation = cpu->blocks.generation;
    uint64_t kills = cpu->blocks.kills; /* a store into code leaves: see jit_kill */
    bool mmio = true, ok;
    cpu->cycles = base + idx; /* devices and faults see the exact cycle */
    cpu->pc = pc;
    if (!mmio_direct(cpu, in, addr, size, write, &value, &ok)) {
        mmio = false;
        ok = write ? cpu_store(cpu, addr, size, value, &mmio)
                   : cpu_load(cpu, addr, size, &value, &mmio);
        if (ok && mmio && generation == cpu->blocks.generation)
            mmio_remember(cpu, addr, size);
    }
    if (!ok)
        return (JitSlowResult){0, JIT_SLOW_FAULT};
    if (!write && (info & (1u << 12)))
        value = size == 1 ? (uint32_t)(int32_t)(int8_t)value
                          : (uint32_t)(int32_t)(int16_t)value;
    if (mmio && nothing_to_look_at(cpu, base, ntranslated, generation, kills)) {
        cpu->cycles = base;
        return (JitSlowResult){value, JIT_SLOW_OK};
    }
    if (mmio) {
        cpu->pc = pc + length;
        cpu->cycles = base + idx + 1;
        return (JitSlowResult){value, JIT_SLOW_CHECK};
    }
    window_fill(cpu, addr, size, write);
    cpu->cycles = base;
    return (JitSlowResult){value, JIT_SLOW_OK};
}

JitSlowResult jit_slow_load(Cpu *cpu, uint32_t addr, uint32_t value, uint32_t info,
                            BlockInsn *in)
{
    return slow_access(cpu, addr, value, info, in, false);
}

JitSlowResult jit_slow_store(Cpu *cpu, uint32_t addr, uint32_t value, uint32_t info,
                             BlockInsn *in)
{
    return slow_access(cpu, addr, value, info, in, true);
}

bool jit_mret(Cpu *cpu, uint32_t pc, uint32_t bits)
{
    if (cpu->priv < CPU_PRIV_M) {
        cpu->pc = pc;
        return cpu_raise(cpu, CPU_CAUSE_ILLEGAL, bits);
    }
    cpu->cycles++;
    cpu_exec_mret(cpu);
    return true;
}
