/* The RV32 hart: its public interface, interrupt inputs and the memory
 * paths the interpreter uses. Decoding is in cpu_decode.c, the block cache
 * and the interpreter in cpu_exec.c, CSRs and traps in cpu_csr.c.
 *
 * Loads, stores and fetches go through small caches of flat-view ranges
 * (RAM/ROM by host pointer, MMIO by callback) that memory listeners empty
 * on every commit. Before a device is accessed the clock is brought to the
 * exact cycle of the accessing instruction.
 */
#include "sim/cpu/cpu_internal.h"
#include "sim/cpu/jit.h"
#include "soc/alloc.h"

#include <stdlib.h>
#include <string.h>

/* ---- memory access ---- */

/* The memory listener: cached ranges and decoded blocks may belong to a
 * map that no longer exists. (The data cache has its own listener.) */
static void cpu_map_changed(void *opaque)
{
    Cpu *cpu = opaque;
    cpu->fetch_valid = false;
    cpu->fetch.host = NULL;
    cpu_blocks_flush(cpu);
    jit_windows_clear(cpu);
    cpu->check_at = 0;
}

static bool range_contains(const MemRange *r, uint32_t addr)
{
    return addr - r->start <= r->last - r->start;
}

/* Whether [addr, addr + size) fits in r, given that addr is in r. */
static bool range_fits(const MemRange *r, uint32_t addr, unsigned size)
{
    return r->last - addr >= size - 1;
}

static uint32_t host_load(const uint8_t *p, unsigned size)
{
    uint16_t h;
    uint32_t w;
    switch (size) {
    case 1: return *p;
    case 2: memcpy(&h, p, 2); return h;
    default: memcpy(&w, p, 4); return w;
    }
}

static void host_store(uint8_t *p, unsigned size, uint32_t value)
{
    uint16_t h = (uint16_t)value;
    switch (size) {
    case 1: *p = (uint8_t)value; break;
    case 2: memcpy(p, &h, 2); break;
    default: memcpy(p, &value, 4); break;
    }
}

/* Devices see the time of the instruction that touches them. */
static void cpu_sync_clock(Cpu *cpu)
{
    if (cpu->config.clock)
        clock_set_now(cpu->config.clock, cpu->cycles);
}

/* While PMP checks are on, the interpreter's fast path must find nothing
 * in its cache, so the slow path keeps its ranges elsewhere. A PMP denial
 * is an access fault, like an unmapped address. */
static MemCache *data_cache(Cpu *cpu, uint32_t addr, unsigned size,
                            unsigned access)
{
    if (!cpu->pmp_active)
        return cpu->debug_active || cpu->triggers_data ? &cpu->pmp_data : &cpu->data;
    if (!cpu_pmp_allows(cpu, addr, size, access, cpu_data_priv(cpu)))
        return NULL;
    return &cpu->pmp_data;
}

MemAccess cpu_device_read(Cpu *cpu, const MemRange *r, uint32_t addr, unsigned size,
                          uint32_t *value)
{
    cpu_sync_clock(cpu);
    MemAccess result = memory_mmio_read(cpu->ms, r, addr, size, value);
    if (result == MEM_OK && size < 4)
        *value &= (1u << (8 * size)) - 1; /* a device may return more */
    return result;
}

MemAccess cpu_device_write(Cpu *cpu, const MemRange *r, uint32_t addr, unsigned size,
                           uint32_t value)
{
    cpu_sync_clock(cpu);
    return memory_mmio_write(cpu->ms, r, addr, size, value);
}

/* MMIO callbacks may commit a new map, which flushes the cache the range
 * lives in: hand the memory system a copy. */
static MemAccess cpu_read(Cpu *cpu, uint32_t addr, unsigned size,
                          uint32_t *value, bool *mmio)
{
    MemCache *cache = data_cache(cpu, addr, size, PMP_R);
    const MemRange *r = cache ? mem_cache_find(cache, addr, size) : NULL;
    if (!r)
        return MEM_UNMAPPED; /* or straddling two ranges */
    if (r->host) {
        *value = host_load(r->host + (addr - r->start), size);
        return MEM_OK;
    }
    MemRange copy = *r;
    *mmio = true;
    return cpu_device_read(cpu, &copy, addr, size, value);
}

static MemAccess cpu_write(Cpu *cpu, uint32_t addr, unsigned size,
                           uint32_t value, bool *mmio)
{
    MemCache *cache = data_cache(cpu, addr, size, PMP_W);
    const MemRange *r = cache ? mem_cache_find(cache, addr, size) : NULL;
    if (!r)
        return MEM_UNMAPPED;
    if (r->readonly)
        return MEM_READONLY;
    if (r->host) {
        host_store(r->host + (addr - r->start), size, value);
        /* Accesses are aligned here (misaligned ones come byte by byte),
         * so one chunk holds them. A report may only feed a snapshot's
         * dirty tracking: only code written makes the block end. */
        if (memory_range_has_code(r, addr) && memory_code_written(cpu->ms, r, addr, size))
            *mmio = true; /* the running block may be stale */
        return MEM_OK;
    }
    MemRange copy = *r;
    *mmio = true;
    return cpu_device_write(cpu, &copy, addr, size, value);
}

/* A misaligned access done byte by byte (emulate_misaligned); a fault
 * names the byte that failed. */
static bool load_bytes(Cpu *cpu, uint32_t addr, unsigned size, uint32_t *value,
                       bool *mmio)
{
    *value = 0;
    for (unsigned i = 0; i < size; i++) {
        uint32_t byte;
        if (cpu_read(cpu, addr + i, 1, &byte, mmio) != MEM_OK)
            return cpu_raise(cpu, CPU_CAUSE_LOAD_ACCESS, addr + i);
        *value |= byte << (8 * i);
    }
    return true;
}

static bool store_bytes(Cpu *cpu, uint32_t addr, unsigned size, uint32_t value,
                        bool *mmio)
{
    for (unsigned i = 0; i < size; i++)
        if (cpu_write(cpu, addr + i, 1, value >> (8 * i), mmio) != MEM_OK)
            return cpu_raise(cpu, CPU_CAUSE_STORE_ACCESS, addr + i);
    return true;
}

bool cpu_load(Cpu *cpu, uint32_t addr, unsigned size, uint32_t *value, bool *mmio)
{
    if (cpu->nwatchpoints && cpu_watch_check(cpu, addr, size, false))
        return cpu_raise(cpu, CPU_CAUSE_DEBUG_WATCH, addr);
    if (cpu->triggers_data && cpu_trigger_data(cpu, addr, size, false))
        return false;
    if (addr & (size - 1)) {
        if (cpu->config.emulate_misaligned)
            return load_bytes(cpu, addr, size, value, mmio);
        return cpu_raise(cpu, CPU_CAUSE_LOAD_MISALIGNED, addr);
    }
    if (cpu_read(cpu, addr, size, value, mmio) != MEM_OK)
        return cpu_raise(cpu, CPU_CAUSE_LOAD_ACCESS, addr);
    return true;
}

bool cpu_store(Cpu *cpu, uint32_t addr, unsigned size, uint32_t value, bool *mmio)
{
    if (cpu->nwatchpoints && cpu_watch_check(cpu, addr, size, true))
        return cpu_raise(cpu, CPU_CAUSE_DEBUG_WATCH, addr);
    if (cpu->triggers_data && cpu_trigger_data(cpu, addr, size, true))
        return false;
    if (addr & (size - 1)) {
        if (cpu->config.emulate_misaligned)
            return store_bytes(cpu, addr, size, value, mmio);
        return cpu_raise(cpu, CPU_CAUSE_STORE_MISALIGNED, addr);
    }
    if (cpu_write(cpu, addr, size, value, mmio) != MEM_OK)
        return cpu_raise(cpu, CPU_CAUSE_STORE_ACCESS, addr);
    return true;
}

/* Reads the 16-bit parcel at addr for a fetch, refilling the fetch range
 * on a miss. */
static bool cpu_fetch_parcel(Cpu *cpu, uint32_t addr, uint32_t *parcel)
{
    if (!cpu->fetch_valid || !range_contains(&cpu->fetch, addr)) {
        cpu->fetch_valid = memory_lookup(cpu->ms, addr, &cpu->fetch);
        if (!cpu->fetch_valid) {
            cpu->fetch.host = NULL;
            return false;
        }
    }
    const MemRange *r = &cpu->fetch;
    if (!range_fits(r, addr, 2))
        return false;
    if (r->host) {
        *parcel = host_load(r->host + (addr - r->start), 2);
        return true;
    }
    MemRange copy = *r;
    cpu_sync_clock(cpu);
    if (memory_mmio_read(cpu->ms, &copy, addr, 2, parcel) != MEM_OK)
        return false;
    *parcel &= 0xffff;
    return true;
}

/* Fetches parcel by parcel: the second half of a 32-bit instruction may
 * lie in another range, or in none (then mtval names that half). */
bool cpu_fetch(Cpu *cpu, uint32_t pc, uint32_t *bits)
{
    uint32_t lo, hi;
    if (!cpu_fetch_parcel(cpu, pc, &lo))
        return cpu_raise(cpu, CPU_CAUSE_FETCH_ACCESS, pc);
    if (cpu_insn_is_compressed(lo)) {
        *bits = lo;
        return true;
    }
    if (!cpu_fetch_parcel(cpu, pc + 2, &hi))
        return cpu_raise(cpu, CPU_CAUSE_FETCH_ACCESS, pc + 2);
    *bits = lo | hi << 16;
    return true;
}

/* ---- interrupt inputs and time ---- */

/* The run loop looks (check_at 0) only when the change lets the hart
 * take an interrupt or wake from wfi now. A line that falls, or rises
 * while it is masked (mie, or mstatus.MIE in M-mode, as inside a
 * handler), changes nothing before a CSR write or an mret, and those end
 * their block and look anyway: a handler's device accesses then don't
 * cut its block. */
static void cpu_irq_changed(void *opaque, unsigned line, bool level)
{
    Cpu *cpu = opaque;
    uint32_t bit = 1u << line;
    cpu->mip = level ? cpu->mip | bit : cpu->mip & ~bit;
    if (cpu_pending_interrupt(cpu) >= 0 || (cpu->waiting && (cpu->mip & cpu->mie)))
        cpu->check_at = 0;
}

IrqLine cpu_irq_input(Cpu *cpu, unsigned irq)
{
    return (IrqLine){.handler = cpu_irq_changed, .opaque = cpu, .line = irq};
}

bool cpu_irq_input_named(Cpu *cpu, const char *name, IrqLine *out)
{
    static const struct {
        const char *name;
        unsigned irq;
    } inputs[] = {
        {"msi", CPU_IRQ_MSI}, {"mti", CPU_IRQ_MTI}, {"mei", CPU_IRQ_MEI},
    };
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        if (strcmp(name, inputs[i].name) == 0) {
            *out = cpu_irq_input(cpu, inputs[i].irq);
            return true;
        }
    }
    return false;
}

void cpu_set_time_source(Cpu *cpu, CpuTimeSource read_time, void *opaque)
{
    cpu->read_time = read_time;
    cpu->time_opaque = opaque;
}

void cpu_set_host_handler(Cpu *cpu, CpuHostHandler handler, void *opaque)
{
    cpu->host_handler = handler;
    cpu->host_opaque = opaque;
}

void cpu_set_tracer(Cpu *cpu, const CpuTracer *tracer, void *opaque)
{
    cpu->tracer = tracer;
    cpu->tracer_opaque = opaque;
    cpu_update_chaining(cpu);
    cpu->check_at = 0;
}

/* An event was scheduled earlier than the run loop planned to look. */
static void cpu_deadline_moved(void *opaque)
{
    ((Cpu *)opaque)->check_at = 0;
}

/* ---- the public interface ---- */

void cpu_request_stop(Cpu *cpu)
{
    atomic_store_explicit(&cpu->stop_requested, true, memory_order_relaxed);
    cpu->check_at = 0;
}

void cpu_engine_stats(const Cpu *cpu, CpuEngineStats *out)
{
    memset(out, 0, sizeof *out);
    if (cpu->jit)
        jit_stats(cpu, out);
}

void cpu_set_block_observer(Cpu *cpu, CpuBlockObserver observer, void *opaque)
{
    cpu->observer = observer;
    cpu->observer_opaque = opaque;
    cpu_update_chaining(cpu);
    cpu_blocks_flush(cpu); /* no chain made before may skip a block now */
    cpu->check_at = 0;
}

static void exec_observers_changed(Cpu *cpu)
{
    unsigned kinds = 0;
    for (unsigned i = 0; i < cpu->nexec_observers; i++)
        kinds |= cpu->exec_observers[i].kinds;
    bool blocks_before = cpu->exec_kinds & CPU_EXEC_BLOCK;
    cpu->exec_kinds = kinds;
    cpu->reported_priv = cpu->priv; /* changes from now on */
    cpu->reported_waiting = cpu->waiting;
    cpu_update_chaining(cpu);
    if (!blocks_before && (kinds & CPU_EXEC_BLOCK))
        cpu_blocks_flush(cpu); /* no chain made before may skip a block now */
    cpu->check_at = 0;
}

bool cpu_add_exec_observer(Cpu *cpu, unsigned kinds, CpuExecObserver fn, void *opaque)
{
    if (cpu->nexec_observers == CPU_EXEC_OBSERVERS)
        return false;
    for (unsigned i = 0; i < cpu->nexec_observers; i++)
        if (cpu->exec_observers[i].fn == fn && cpu->exec_observers[i].opaque == opaque)
            return false;
    cpu->exec_observers[cpu->nexec_observers++] = (struct CpuExecSlot){fn, opaque, kinds};
    exec_observers_changed(cpu);
    return true;
}

void cpu_remove_exec_observer(Cpu *cpu, CpuExecObserver fn, void *opaque)
{
    for (unsigned i = 0; i < cpu->nexec_observers; i++) {
        if (cpu->exec_observers[i].fn != fn || cpu->exec_observers[i].opaque != opaque)
            continue;
        memmove(&cpu->exec_observers[i], &cpu->exec_observers[i + 1],
                (cpu->nexec_observers - i - 1) * sizeof cpu->exec_observers[0]);
        cpu->nexec_observers--;
        exec_observers_changed(cpu);
        return;
    }
}

void cpu_exec_notify(Cpu *cpu, const CpuExecEvent *event)
{
    for (unsigned i = 0; i < cpu->nexec_observers; i++)
        if (cpu->exec_observers[i].kinds & event->kind)
            cpu->exec_observers[i].fn(cpu->exec_observers[i].opaque, cpu, event);
}

unsigned cpu_privilege(const Cpu *cpu)
{
    return cpu->priv;
}

bool cpu_sleeping(const Cpu *cpu)
{
    return cpu->waiting;
}

void cpu_request_reset(Cpu *cpu)
{
    cpu->reset_requested = true;
    cpu->check_at = 0;
}

Cpu *cpu_new(MemorySystem *ms, const CpuConfig *config, Error **errp)
{
    unsigned ext;
    const char *isa = config->isa ? config->isa : "rv32imac";

    if (!cpu_parse_isa(isa, &ext, errp))
        return NULL;
    if (config->pmp_entries > CPU_PMP_MAX || config->triggers > CPU_TRIGGERS_MAX) {
        error_setf(errp, "%u PMP entries and %u triggers: at most %u and %u",
                   config->pmp_entries, config->triggers, CPU_PMP_MAX, CPU_TRIGGERS_MAX);
        return NULL;
    }
    Cpu *cpu = xcalloc(1, sizeof *cpu);
    cpu->ms = ms;
    cpu->config = *config;
    cpu->config.isa = NULL; /* not ours to keep; the extension bits say it */
    cpu->extensions = ext;
    cpu->misa = cpu_misa(ext);
    cpu->jump_misalign = (ext & CPU_EXT_C) ? 0 : 2;
    cpu_decoder_init(&cpu->decoder, ext);
    atomic_init(&cpu->stop_requested, false);
    cpu_blocks_init(cpu);
    if (config->jit && !jit_new(cpu, errp)) {
        cpu_blocks_free(cpu);
        free(cpu);
        return NULL;
    }
    cpu_update_chaining(cpu);
    memory_add_listener(ms, cpu_map_changed, cpu);
    memory_add_code_listener(ms, cpu_blocks_code_written, cpu);
    mem_cache_init(&cpu->data, ms);
    mem_cache_init(&cpu->pmp_data, ms);
    if (config->clock)
        clock_set_deadline_listener(config->clock, cpu_deadline_moved, cpu);
    cpu_reset(cpu);
    return cpu;
}

void cpu_free(Cpu *cpu)
{
    if (!cpu)
        return;
    if (cpu->config.clock)
        clock_set_deadline_listener(cpu->config.clock, NULL, NULL);
    memory_remove_listener(cpu->ms, cpu_map_changed, cpu);
    memory_remove_code_listener(cpu->ms, cpu_blocks_code_written, cpu);
    mem_cache_destroy(&cpu->data);
    mem_cache_destroy(&cpu->pmp_data);
    cpu_blocks_free(cpu);
    jit_free(cpu);
    cpu_debug_free(cpu);
    free(cpu);
}

/* Resets the architectural state. Time keeps running: virtual time must
 * not go backwards; the counters read zero again through offsets. */
void cpu_reset(Cpu *cpu)
{
    memset(cpu->x, 0, sizeof cpu->x);
    cpu->pc = cpu->config.reset_pc;
    cpu->reserved = false;
    cpu->waiting = false;
    cpu->reset_requested = false;
    cpu->trap_retired = UINT64_MAX;
    cpu->check_at = 0;
    atomic_store(&cpu->stop_requested, false);
    cpu_csr_reset(cpu);
    cpu_mode_changed(cpu);
    cpu_map_changed(cpu);
    mem_cache_flush(&cpu->data);
}

void cpu_set_reset_pc(Cpu *cpu, uint32_t pc)
{
    cpu->config.reset_pc = pc;
    cpu_set_pc(cpu, pc);
}

uint32_t cpu_get_pc(const Cpu *cpu)
{
    return cpu->pc;
}

void cpu_set_pc(Cpu *cpu, uint32_t pc)
{
    cpu->pc = pc;
    cpu->resume_armed = false;
    cpu->trap_retired = UINT64_MAX; /* a new start, not a trap loop */
    cpu->waiting = false;
    cpu_mode_changed(cpu); /* a debugger woke it */
}

uint32_t cpu_get_reg(const Cpu *cpu, unsigned index)
{
    return index < 32 ? cpu->x[index] : 0;
}

void cpu_set_reg(Cpu *cpu, unsigned index, uint32_t value)
{
    if (index > 0 && index < 32)
        cpu->x[index] = value;
}

uint64_t cpu_instructions_retired(const Cpu *cpu)
{
    return cpu_retired(cpu);
}

uint64_t cpu_cycles(const Cpu *cpu)
{
    return cpu->cycles;
}

bool cpu_waiting_for_interrupt(const Cpu *cpu)
{
    return cpu->waiting && !(cpu->mip & cpu->mie) && !cpu->reset_requested;
}

bool cpu_get_csr(const Cpu *cpu, unsigned csr, uint32_t *value)
{
    return cpu_csr_get(cpu, csr, value);
}

bool cpu_set_csr(Cpu *cpu, unsigned csr, uint32_t value)
{
    bool ok = cpu_csr_set(cpu, csr, value);
    cpu->check_at = 0; /* an interrupt may have become deliverable */
    return ok;
}
