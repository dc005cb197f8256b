/* The hart's state as bytes, and back (cpu_state_save / cpu_state_load in
 * sim/cpu/cpu.h).
 *
 * Format, version 1, every number little-endian:
 *
 *   offset  size  what
 *   0       8     magic "mcuhart\0"
 *   8       4     version (1)
 *   12      4     payload length in bytes (exactly what the version says)
 *   16      4     CRC-32 (IEEE 802.3, as zlib's crc32) of the payload
 *   20      ...   payload: the fields of `fields` below, in order, each
 *                 of its size, arrays element by element
 *
 * The payload opens with what makes a hart this one (its ISA as
 * CpuExtension bits, PMP entries, triggers, frequency, identification
 * CSRs, misaligned emulation): a load refuses another hart, naming what
 * differs. PMP entries and triggers are always saved CPU_PMP_MAX and
 * CPU_TRIGGERS_MAX strong; those the hart does not implement hold their
 * reset values.
 *
 * Loading checks everything before it changes anything: the header, the
 * checksum, the hart, then plausibility: the state is applied to a probe
 * (a blank hart with this one's configuration) through the same CSR write
 * rules the firmware meets, and must read back exactly as saved; a value
 * no hart could hold (an mstatus.MPP of 2, a tdata1 of an unknown type, a
 * PMP entry's reserved bits...) is refused, naming the field. Only
 * then is the real hart changed, the same way, and its derived state
 * (PMP and trigger summaries, chaining, decoded and translated code,
 * memory caches, observers) brought in line.
 */
#include "sim/cpu/cpu_internal.h"
#include "sim/cpu/jit.h"
#include "soc/alloc.h"
#include "soc/crc32.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

enum { STATE_VERSION = 1, HEADER_SIZE = 20 };
/* mcountinhibit's CY and IR: the counters this hart has (cpu_csr.c). */
#define MCOUNTINHIBIT_IMPLEMENTED (1u << 0 | 1u << 2)
static const uint8_t state_magic[8] = "mcuhart";

/* Everything saved, as plain numbers. */
typedef struct HartState {
    /* which hart */
    uint32_t extensions, pmp_entries, triggers;
    uint64_t frequency_hz;
    uint32_t mvendorid, marchid, mimpid;
    uint8_t emulate_misaligned;
    /* its state */
    uint32_t reset_pc, pc;
    uint32_t x[32];
    uint8_t priv;
    uint32_t mstatus, mtvec, mie, mip, mscratch, mepc, mcause, mtval;
    uint32_t mcounteren, mcountinhibit;
    uint64_t cycle_offset, instret_offset, frozen_cycle, frozen_instret;
    uint8_t pmpcfg[CPU_PMP_MAX];
    uint32_t pmpaddr[CPU_PMP_MAX];
    uint32_t tdata1[CPU_TRIGGERS_MAX], tdata2[CPU_TRIGGERS_MAX];
    uint32_t tselect, tcontrol;
    uint8_t reserved;
    uint32_t reservation;
    uint64_t cycles, idle_cycles;
    uint8_t waiting, reset_requested;
    uint64_t trap_retired;
    uint32_t trap_cause, trap_epc, trap_tval;
} HartState;

typedef struct Field {
    const char *name;
    size_t offset;
    unsigned size;      /* 1, 4 or 8 bytes each */
    unsigned count;
    bool identity;      /* part of which hart this is */
    bool flag;          /* 0 or 1 */
} Field;

#define FIELD(member, ...)                                                  \
    {#member, offsetof(HartState, member), sizeof(((HartState *)0)->member), 1, __VA_ARGS__}
#define ARRAY(member)                                                       \
    {#member, offsetof(HartState, member), sizeof(((HartState *)0)->member[0]), \
     sizeof(((HartState *)0)->member) / sizeof(((HartState *)0)->member[0]), false, false}

static const Field fields[] = {
    FIELD(extensions, true, false),
    FIELD(pmp_entries, true, false),
    FIELD(triggers, true, false),
    FIELD(frequency_hz, true, false),
    FIELD(mvendorid, true, false),
    FIELD(marchid, true, false),
    FIELD(mimpid, true, false),
    FIELD(emulate_misaligned, true, true),
    FIELD(reset_pc, false, false),
    FIELD(pc, false, false),
    ARRAY(x),
    FIELD(priv, false, false),
    FIELD(mstatus, false, false),
    FIELD(mtvec, false, false),
    FIELD(mie, false, false),
    FIELD(mip, false, false),
    FIELD(mscratch, false, false),
    FIELD(mepc, false, false),
    FIELD(mcause, false, false),
    FIELD(mtval, false, false),
    FIELD(mcounteren, false, false),
    FIELD(mcountinhibit, false, false),
    FIELD(cycle_offset, false, false),
    FIELD(instret_offset, false, false),
    FIELD(frozen_cycle, false, false),
    FIELD(frozen_instret, false, false),
    ARRAY(pmpcfg),
    ARRAY(pmpaddr),
    ARRAY(tdata1),
    ARRAY(tdata2),
    FIELD(tselect, false, false),
    FIELD(tcontrol, false, false),
    FIELD(reserved, false, true),
    FIELD(reservation, false, false),
    FIELD(cycles, false, false),
    FIELD(idle_cycles, false, false),
    FIELD(waiting, false, true),
    FIELD(reset_requested, false, true),
    FIELD(trap_retired, false, false),
    FIELD(trap_cause, false, false),
    FIELD(trap_epc, false, false),
    FIELD(trap_tval, false, false),
};
#define NFIELDS (sizeof fields / sizeof fields[0])

/* ---- bytes ---- */

static void put_le(uint8_t *p, uint64_t value, unsigned size)
{
    for (unsigned i = 0; i < size; i++)
        p[i] = (uint8_t)(value >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, unsigned size)
{
    uint64_t value = 0;
    for (unsigned i = 0; i < size; i++)
        value |= (uint64_t)p[i] << (8 * i);
    return value;
}

/* One element of a field, read from or written to the struct. */
static uint64_t element_get(const HartState *s, const Field *f, unsigned i)
{
    const uint8_t *at = (const uint8_t *)s + f->offset + (size_t)i * f->size;
    uint8_t b;
    uint32_t w;
    uint64_t d;
    switch (f->size) {
    case 1: memcpy(&b, at, 1); return b;
    case 4: memcpy(&w, at, 4); return w;
    default: memcpy(&d, at, 8); return d;
    }
}

static void element_set(HartState *s, const Field *f, unsigned i, uint64_t value)
{
    uint8_t *at = (uint8_t *)s + f->offset + (size_t)i * f->size;
    uint8_t b = (uint8_t)value;
    uint32_t w = (uint32_t)value;
    switch (f->size) {
    case 1: memcpy(at, &b, 1); break;
    case 4: memcpy(at, &w, 4); break;
    default: memcpy(at, &value, 8); break;
    }
}

static size_t payload_size(void)
{
    size_t n = 0;
    for (size_t k = 0; k < NFIELDS; k++)
        n += (size_t)fields[k].size * fields[k].count;
    return n;
}

static void encode(const HartState *s, uint8_t *p)
{
    for (size_t k = 0; k < NFIELDS; k++) {
        for (unsigned i = 0; i < fields[k].count; i++) {
            put_le(p, element_get(s, &fields[k], i), fields[k].size);
            p += fields[k].size;
        }
    }
}

/* False, naming the field, when a flag is neither 0 nor 1. */
static bool decode(const uint8_t *p, HartState *s, Error **errp)
{
    memset(s, 0, sizeof *s);
    for (size_t k = 0; k < NFIELDS; k++) {
        for (unsigned i = 0; i < fields[k].count; i++) {
            uint64_t value = get_le(p, fields[k].size);
            p += fields[k].size;
            if (fields[k].flag && value > 1) {
                error_setf(errp, "hart state: %s is %llu, not 0 or 1", fields[k].name,
                           (unsigned long long)value);
                return false;
            }
            element_set(s, &fields[k], i, value);
        }
    }
    return true;
}

/* ---- the hart ---- */

static void extract(const Cpu *cpu, HartState *s)
{
    memset(s, 0, sizeof *s);
    s->extensions = cpu->extensions;
    s->pmp_entries = cpu->config.pmp_entries;
    s->triggers = cpu->config.triggers;
    s->frequency_hz = cpu->config.frequency_hz;
    s->mvendorid = cpu->config.mvendorid;
    s->marchid = cpu->config.marchid;
    s->mimpid = cpu->config.mimpid;
    s->emulate_misaligned = cpu->config.emulate_misaligned;
    s->reset_pc = cpu->config.reset_pc;
    s->pc = cpu->pc;
    memcpy(s->x, cpu->x, sizeof s->x);
    s->priv = (uint8_t)cpu->priv;
    s->mstatus = cpu->mstatus;
    s->mtvec = cpu->mtvec;
    s->mie = cpu->mie;
    s->mip = cpu->mip;
    s->mscratch = cpu->mscratch;
    s->mepc = cpu->mepc;
    s->mcause = cpu->mcause;
    s->mtval = cpu->mtval;
    s->mcounteren = cpu->mcounteren;
    s->mcountinhibit = cpu->mcountinhibit;
    s->cycle_offset = cpu->cycle_offset;
    s->instret_offset = cpu->instret_offset;
    s->frozen_cycle = cpu->frozen_cycle;
    s->frozen_instret = cpu->frozen_instret;
    memcpy(s->pmpcfg, cpu->pmpcfg, sizeof s->pmpcfg);
    memcpy(s->pmpaddr, cpu->pmpaddr, sizeof s->pmpaddr);
    for (unsigned i = 0; i < CPU_TRIGGERS_MAX; i++) {
        s->tdata1[i] = cpu->triggers[i].tdata1;
        s->tdata2[i] = cpu->triggers[i].tdata2;
    }
    s->tselect = cpu->tselect;
    s->tcontrol = cpu->tcontrol;
    s->reserved = cpu->reserved;
    s->reservation = cpu->reservation;
    s->cycles = cpu->cycles;
    s->idle_cycles = cpu->idle_cycles;
    s->waiting = cpu->waiting;
    s->reset_requested = cpu->reset_requested;
    s->trap_retired = cpu->trap_retired;
    s->trap_cause = cpu->trap_cause;
    s->trap_epc = cpu->trap_epc;
    s->trap_tval = cpu->trap_tval;
}

/* PMP through its own CSR writes from reset (addresses first, while
 * nothing is locked), so pmp_locked, pmp_active and chaining follow. */
static void apply_pmp(Cpu *cpu, const HartState *s)
{
    cpu_pmp_reset(cpu);
    for (unsigned i = 0; i < CPU_PMP_MAX; i++)
        cpu_pmp_csr_set(cpu, CSR_PMPADDR0 + i, s->pmpaddr[i]);
    for (unsigned k = 0; k < CPU_PMP_MAX / 4; k++) {
        uint32_t packed = 0;
        for (unsigned j = 0; j < 4; j++)
            packed |= (uint32_t)s->pmpcfg[4 * k + j] << (8 * j);
        cpu_pmp_csr_set(cpu, CSR_PMPCFG0 + k, packed);
    }
}

/* Triggers the same way: triggers_exec/_data and chaining follow. */
static void apply_triggers(Cpu *cpu, const HartState *s)
{
    cpu_trigger_reset(cpu);
    for (unsigned i = 0; i < cpu->config.triggers; i++) {
        cpu_trigger_csr_set(cpu, CSR_TSELECT, i);
        cpu_trigger_csr_set(cpu, CSR_TDATA1, s->tdata1[i]);
        cpu_trigger_csr_set(cpu, CSR_TDATA2, s->tdata2[i]);
    }
    cpu_trigger_csr_set(cpu, CSR_TSELECT, s->tselect);
    cpu_trigger_csr_set(cpu, CSR_TCONTROL, s->tcontrol);
}

/* Makes the hart hold s (its configuration already matches). CSRs with
 * write rules go through them; the rest is stored as it comes. */
static void apply(Cpu *cpu, const HartState *s)
{
    cpu->config.reset_pc = s->reset_pc;
    cpu->pc = s->pc;
    for (unsigned i = 1; i < 32; i++)
        cpu->x[i] = s->x[i];
    cpu->priv = s->priv;
    apply_pmp(cpu, s);
    cpu_csr_set(cpu, CSR_MSTATUS, s->mstatus); /* after priv: PMP looks at both */
    cpu_csr_set(cpu, CSR_MTVEC, s->mtvec);
    cpu_csr_set(cpu, CSR_MIE, s->mie);
    cpu_csr_set(cpu, CSR_MSCRATCH, s->mscratch);
    cpu_csr_set(cpu, CSR_MEPC, s->mepc);
    cpu_csr_set(cpu, CSR_MCAUSE, s->mcause);
    cpu_csr_set(cpu, CSR_MTVAL, s->mtval);
    cpu_csr_set(cpu, CSR_MCOUNTEREN, s->mcounteren);
    cpu->mip = s->mip;
    cpu->mcountinhibit = s->mcountinhibit;
    cpu->cycle_offset = s->cycle_offset;
    cpu->instret_offset = s->instret_offset;
    cpu->frozen_cycle = s->frozen_cycle;
    cpu->frozen_instret = s->frozen_instret;
    apply_triggers(cpu, s);
    cpu->reserved = s->reserved;
    cpu->reservation = s->reservation;
    cpu->cycles = s->cycles;
    cpu->idle_cycles = s->idle_cycles;
    cpu->waiting = s->waiting;
    cpu->reset_requested = s->reset_requested;
    cpu->trap_retired = s->trap_retired;
    cpu->trap_cause = s->trap_cause;
    cpu->trap_epc = s->trap_epc;
    cpu->trap_tval = s->trap_tval;
}

/* ---- checks ---- */

static void isa_name(unsigned ext, char *buf, size_t size)
{
    snprintf(buf, size, "rv32%s%s%s%s%s%s", (ext & CPU_EXT_E) ? "e" : "i",
             (ext & CPU_EXT_M) ? "m" : "", (ext & CPU_EXT_A) ? "a" : "",
             (ext & CPU_EXT_C) ? "c" : "", (ext & CPU_EXT_ZICSR) ? "_zicsr" : "",
             (ext & CPU_EXT_ZIFENCEI) ? "_zifencei" : "");
}

/* The first identity field that differs, named with both values. */
static bool same_hart(const HartState *mine, const HartState *saved, Error **errp)
{
    if (mine->extensions != saved->extensions) {
        char a[64], b[64];
        isa_name(saved->extensions, a, sizeof a);
        isa_name(mine->extensions, b, sizeof b);
        error_setf(errp, "hart state of another hart: ISA %s, this hart's %s", a, b);
        return false;
    }
    for (size_t k = 0; k < NFIELDS; k++) {
        const Field *f = &fields[k];
        if (!f->identity || element_get(mine, f, 0) == element_get(saved, f, 0))
            continue;
        error_setf(errp, "hart state of another hart: %s %llu, this hart's %llu", f->name,
                   (unsigned long long)element_get(saved, f, 0),
                   (unsigned long long)element_get(mine, f, 0));
        return false;
    }
    return true;
}

/* What no write rule covers: the privilege, time, bits stored as they
 * come. */
static bool sane(const HartState *s, Error **errp)
{
    if (s->priv != CPU_PRIV_M && s->priv != CPU_PRIV_U) {
        error_setf(errp, "hart state: privilege %u is neither machine (3) nor user (0)",
                   s->priv);
        return false;
    }
    /* Every jump clears bit 0 and, without C, traps on bit 1: no hart
     * holds such a pc, and the engines assume none does. */
    uint32_t pc_align = (s->extensions & CPU_EXT_C) ? 1u : 3u;
    if (s->pc & pc_align) {
        error_setf(errp, "hart state: pc 0x%08x is not %u-byte aligned", s->pc,
                   pc_align + 1);
        return false;
    }
    if (s->idle_cycles > s->cycles) {
        error_setf(errp, "hart state: %llu idle cycles of %llu cycles",
                   (unsigned long long)s->idle_cycles, (unsigned long long)s->cycles);
        return false;
    }
    if ((s->mip & ~MIE_WRITABLE) || (s->mcountinhibit & ~MCOUNTINHIBIT_IMPLEMENTED)) {
        error_setf(errp, "hart state: %s holds bits this hart does not implement",
                   (s->mip & ~MIE_WRITABLE) ? "mip" : "mcountinhibit");
        return false;
    }
    return true;
}

/* Applied to a blank probe with cpu's configuration, s must read back
 * exactly: the firmware's own write rules decide what a hart can hold. */
static bool reads_back(const Cpu *cpu, const HartState *s, Error **errp)
{
    /* No memory, clock or engine: only the CSR write rules run on it. */
    Cpu *probe = xcalloc(1, sizeof *probe);
    probe->config = cpu->config;
    probe->config.clock = NULL;
    probe->extensions = cpu->extensions;
    apply(probe, s);
    HartState back;
    extract(probe, &back);
    free(probe);
    for (size_t k = 0; k < NFIELDS; k++) {
        const Field *f = &fields[k];
        for (unsigned i = 0; i < f->count; i++) {
            if (f->identity || element_get(&back, f, i) == element_get(s, f, i))
                continue;
            if (f->count > 1)
                error_setf(errp, "hart state: %s[%u] 0x%llx is a value this hart "
                           "cannot hold", f->name, i,
                           (unsigned long long)element_get(s, f, i));
            else
                error_setf(errp, "hart state: %s 0x%llx is a value this hart cannot hold",
                           f->name, (unsigned long long)element_get(s, f, i));
            return false;
        }
    }
    return true;
}

/* The header and checksum; *payload on success. */
static bool check_envelope(const uint8_t *data, size_t len, const uint8_t **payload,
                           Error **errp)
{
    size_t want = payload_size();
    if (len < HEADER_SIZE) {
        error_setf(errp, "hart state truncated: %zu bytes, its header alone is %d", len,
                   HEADER_SIZE);
        return false;
    }
    if (memcmp(data, state_magic, sizeof state_magic) != 0) {
        error_setf(errp, "not a hart state (no \"mcuhart\" magic)");
        return false;
    }
    uint32_t version = (uint32_t)get_le(data + 8, 4);
    uint32_t length = (uint32_t)get_le(data + 12, 4);
    if (version != STATE_VERSION) {
        error_setf(errp, "hart state version %u: this simulator reads version %d", version,
                   STATE_VERSION);
        return false;
    }
    if (length != want) {
        error_setf(errp, "hart state payload of %u bytes: version %d has %zu", length,
                   STATE_VERSION, want);
        return false;
    }
    if (len - HEADER_SIZE != want) {
        error_setf(errp, "hart state %s: %zu payload bytes, %zu expected",
                   len - HEADER_SIZE < want ? "truncated" : "with trailing bytes",
                   len - HEADER_SIZE, want);
        return false;
    }
    if (crc32_of(data + HEADER_SIZE, want) != (uint32_t)get_le(data + 16, 4)) {
        error_setf(errp, "hart state corrupt: its checksum does not match");
        return false;
    }
    *payload = data + HEADER_SIZE;
    return true;
}

/* ---- the interface ---- */

uint8_t *cpu_state_save(const Cpu *cpu, size_t *len)
{
    HartState s;
    extract(cpu, &s);
    size_t n = payload_size();
    uint8_t *out = xmalloc(HEADER_SIZE + n);
    memcpy(out, state_magic, sizeof state_magic);
    put_le(out + 8, STATE_VERSION, 4);
    put_le(out + 12, n, 4);
    encode(&s, out + HEADER_SIZE);
    put_le(out + 16, crc32_of(out + HEADER_SIZE, n), 4);
    *len = HEADER_SIZE + n;
    return out;
}

/* After a load: nothing decoded, translated or cached from before may
 * be used (the memory behind it may have been restored too), the run loop
 * looks around first, and the next run is not a debugger's resume. */
static void loaded(Cpu *cpu)
{
    cpu_blocks_flush(cpu);
    jit_windows_clear(cpu);
    cpu->fetch_valid = false;
    cpu->fetch.host = NULL;
    mem_cache_flush(&cpu->data);
    mem_cache_flush(&cpu->pmp_data);
    cpu->resume_armed = false;
    cpu->check_at = 0;
    cpu_update_chaining(cpu);
    cpu_mode_changed(cpu);
}

/* Everything cpu_state_load checks; *saved is what it would load. */
static bool validate(const Cpu *cpu, const uint8_t *data, size_t len, HartState *saved,
                     Error **errp)
{
    const uint8_t *payload;
    HartState mine;
    if (!check_envelope(data, len, &payload, errp) || !decode(payload, saved, errp))
        return false;
    extract(cpu, &mine);
    return same_hart(&mine, saved, errp) && sane(saved, errp) &&
           reads_back(cpu, saved, errp);
}

bool cpu_state_check(const Cpu *cpu, const uint8_t *data, size_t len, Error **errp)
{
    HartState saved;
    return validate(cpu, data, len, &saved, errp);
}

bool cpu_state_load(Cpu *cpu, const uint8_t *data, size_t len, Error **errp)
{
    HartState saved;
    if (!validate(cpu, data, len, &saved, errp))
        return false;
    apply(cpu, &saved);
    loaded(cpu);
    return true;
}
