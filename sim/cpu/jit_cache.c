/* The translator's code cache: one mapping, written only while it is
 * read-write and run only while it is read-execute (W^X), a trampoline
 * from C into translated code at its start, and the bookkeeping of
 * translations (see jit.h for what is translated and when).
 *
 * Flipping costs a system call and a TLB flush, so the cache flips lazily
 * and whole (one mapping, never split into pieces): to read-write when
 * something is to be written, back to read-execute only when translated
 * code is about to run. Chaining patches found while it is executable
 * wait in a short queue for the next time it is writable, or until they
 * have waited JIT_PENDING_RUNS runs of translated code (they only make
 * things faster; a full queue drops the newest). Kills (a dead block's
 * chained entry made to leave) wait at most until translated code runs
 * next; a full queue then flushes everything instead.
 */
#include "sim/cpu/jit.h"
#include "soc/alloc.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)

#include <sys/mman.h>

#include "sim/cpu/jit_x86.h"

#define JIT_PENDING 64
#define JIT_PENDING_RUNS 64

typedef struct JitPatch {
    uint8_t *site;             /* a jmp's rel32, or where to write a jmp */
    const uint8_t *target;
    bool kill;                 /* write a whole jmp (a dead block's entry) */
} JitPatch;

struct Jit {
    uint8_t *code;             /* JIT_CODE_CACHE bytes */
    size_t used;               /* bytes written */
    size_t first_block;        /* after the trampoline: what a flush keeps */
    const uint8_t *enter;      /* BlockExit enter(Cpu *, const uint8_t *entry) */
    const uint8_t *epilogue;   /* where translated code returns through */
    bool writable;             /* read-write now (else read-execute) */
    bool broken;               /* the mapping could not be flipped: off */
    uint32_t hot_runs;         /* runs before a block is translated */
    JitPatch pending[JIT_PENDING]; /* chaining patches waiting to be written */
    unsigned npending;
    unsigned pending_runs;     /* runs since the queue was last emptied */
    bool kill_pending;         /* the queue holds a kill */
    uint64_t translated, entries, flushes, flips;
};

typedef BlockExit (*JitEnter)(Cpu *cpu, const uint8_t *entry);

bool cpu_jit_supported(void)
{
    return true;
}

/* W^X: the whole cache is either read-write or read-execute. False when
 * the host refuses: the interpreter runs everything from then on. */
static bool set_writable(Jit *jit, bool writable)
{
    if (jit->broken)
        return false;
    if (jit->writable == writable)
        return true;
    int prot = writable ? PROT_READ | PROT_WRITE : PROT_READ | PROT_EXEC;
    if (mprotect(jit->code, JIT_CODE_CACHE, prot) != 0) {
        jit->broken = true;
        return false;
    }
    jit->writable = writable;
    jit->flips++;
    return true;
}

static void patch(const JitPatch *p)
{
    uint8_t *at = p->site;
    if (p->kill)
        *at++ = 0xe9; /* jmp rel32 over the entry's first instruction */
    int32_t rel = (int32_t)(p->target - (at + 4));
    memcpy(at, &rel, 4);
}

/* Called while writable: the queued chaining patches go in. */
static void apply_pending(Jit *jit)
{
    for (unsigned i = 0; i < jit->npending; i++)
        patch(&jit->pending[i]);
    jit->npending = 0;
    jit->pending_runs = 0;
    jit->kill_pending = false;
}

/* enter(cpu, entry): saves the callee-saved registers the translations
 * use, keeps the Cpu in rbx and jumps to entry with the stack 16-byte
 * aligned for helper calls, its cycle count in r15 and the global guest
 * registers in theirs (jit_translate.c, jit_x86.h); the epilogue stores
 * those back, undoes the rest and returns eax. */
static void write_trampoline(Jit *jit)
{
    static const uint8_t saved[] = {X_RBX, X_RBP, X_R12, X_R13, X_R14, X_R15};
    JitBuf b = {.start = jit->code, .p = jit->code, .end = jit->code + JIT_CODE_CACHE};
    for (size_t i = 0; i < sizeof saved; i++)
        x_push(&b, saved[i]);
    x_alu_ri(&b, true, ALU_SUB, X_RSP, 8);
    x_mov_rr64(&b, X_RBX, X_RDI);
    x_mov_rm64(&b, X_R15, X_RBX, (int32_t)offsetof(Cpu, cycles));
    for (unsigned i = 0; i < JIT_NGLOBAL; i++)
        x_mov_rm32(&b, jit_global_host[i], X_RBX,
                   (int32_t)(offsetof(Cpu, x) + 4 * jit_global_guest[i]));
    const uint8_t jmp_rsi[2] = {0xff, 0xe6};
    x_bytes(&b, jmp_rsi, 2);
    jit->epilogue = b.p;
    x_mov_mr64(&b, X_RBX, (int32_t)offsetof(Cpu, cycles), X_R15);
    for (unsigned i = 0; i < JIT_NGLOBAL; i++)
        x_mov_mr32(&b, X_RBX, (int32_t)(offsetof(Cpu, x) + 4 * jit_global_guest[i]),
                   jit_global_host[i]);
    x_alu_ri(&b, true, ALU_ADD, X_RSP, 8);
    for (size_t i = sizeof saved; i-- > 0;)
        x_pop(&b, saved[i]);
    x_ret(&b);
    jit->enter = jit->code;
    jit->first_block = jit->used = (x_offset(&b) + 15) & ~(size_t)15;
    jit->writable = true;
}

bool jit_new(Cpu *cpu, Error **errp)
{
    void *code = mmap(NULL, JIT_CODE_CACHE, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (code == MAP_FAILED) {
        error_setf(errp, "the translator's code cache (%u KiB) could not be mapped",
                   JIT_CODE_CACHE / 1024);
        return false;
    }
    Jit *jit = xcalloc(1, sizeof *jit);
    jit->code = code;
    jit->hot_runs = cpu->config.jit_threshold ? cpu->config.jit_threshold : JIT_HOT_RUNS;
    write_trampoline(jit);
    if (!set_writable(jit, false)) {
        munmap(code, JIT_CODE_CACHE);
        free(jit);
        error_setf(errp, "the translator's code cache could not be made executable");
        return false;
    }
    cpu->jit = jit;
    jit_windows_clear(cpu);
    return true;
}

void jit_free(Cpu *cpu)
{
    Jit *jit = cpu->jit;
    if (!jit)
        return;
    munmap(jit->code, JIT_CODE_CACHE);
    free(jit);
    cpu->jit = NULL;
}

void jit_flush(Cpu *cpu)
{
    Jit *jit = cpu->jit;
    if (jit->used > jit->first_block)
        jit->flushes++;
    jit->used = jit->first_block;
    jit->npending = 0;
    jit->kill_pending = false;
    cpu->jit_exit_site = NULL;
}

static const uint8_t *translate(Cpu *cpu, Block *b)
{
    Jit *jit = cpu->jit;
    if (!set_writable(jit, true))
        return NULL;
    apply_pending(jit);
    bool refused;
    size_t n = jit_translate(cpu, b, jit->code + jit->used, jit->code + JIT_CODE_CACHE,
                             jit->epilogue, &refused);
    if (n) {
        jit->used = (jit->used + n + 15) & ~(size_t)15;
        jit->translated++;
        return b->jit_entry;
    }
    if (refused) {
        b->jit_refused = true;
        return NULL;
    }
    /* Full: everything goes, and hot blocks come back as they run. This
     * one still runs now, in the interpreter (its decoded form stays
     * readable until the pool is reused). */
    cpu_blocks_flush(cpu);
    return NULL;
}

const uint8_t *jit_entry(Cpu *cpu, Block *b)
{
    if (cpu->jit->broken)
        return NULL; /* a refused flip: nothing translated runs again */
    if (b->jit_entry)
        return b->jit_entry;
    if (b->jit_refused || ++b->jit_runs < cpu->jit->hot_runs)
        return NULL;
    return translate(cpu, b);
}

bool jit_ready(Cpu *cpu)
{
    Jit *jit = cpu->jit;
    if (jit->kill_pending || (jit->npending && ++jit->pending_runs >= JIT_PENDING_RUNS))
        set_writable(jit, true);
    if (jit->broken)
        return false;
    if (jit->writable) {
        apply_pending(jit);
        if (!set_writable(jit, false))
            return false;
    }
    return true;
}

BlockExit jit_run(Cpu *cpu, const uint8_t *entry)
{
    Jit *jit = cpu->jit;
    JitEnter enter;
    memcpy(&enter, &jit->enter, sizeof enter); /* data to code pointer */
    jit->entries++;
    cpu->jit_exit_site = NULL;
    return enter(cpu, entry);
}

void jit_chain(Cpu *cpu, uint8_t *site, const Block *b)
{
    Jit *jit = cpu->jit;
    JitPatch p = {site, b->jit_chained, false};
    if (jit->writable) {
        patch(&p);
        return;
    }
    if (jit->npending < JIT_PENDING)
        jit->pending[jit->npending++] = p;
}

void jit_kill(Cpu *cpu, const Block *b)
{
    Jit *jit = cpu->jit;
    JitPatch p = {(uint8_t *)b->jit_chained, b->jit_bail, true};
    if (jit->writable) {
        patch(&p);
        return;
    }
    if (jit->npending == JIT_PENDING) {
        cpu_blocks_flush(cpu); /* nothing translated survives to jump in */
        return;
    }
    jit->pending[jit->npending++] = p;
    jit->kill_pending = true;
}

void jit_stats(const Cpu *cpu, CpuEngineStats *out)
{
    const Jit *jit = cpu->jit;
    out->jit = true;
    out->blocks_translated = jit->translated;
    out->jit_entries = jit->entries;
    out->code_bytes = jit->used;
    out->code_capacity = JIT_CODE_CACHE;
    out->code_flushes = jit->flushes;
    out->code_flips = jit->flips;
}

#else /* no translator for this host: the interpreter runs everything */

bool cpu_jit_supported(void)
{
    return false;
}

bool jit_new(Cpu *cpu, Error **errp)
{
    (void)cpu;
    error_setf(errp, "no translator for this host (x86-64 only): use the interpreter");
    return false;
}

void jit_free(Cpu *cpu) { (void)cpu; }
void jit_flush(Cpu *cpu) { (void)cpu; }

const uint8_t *jit_entry(Cpu *cpu, Block *b)
{
    (void)cpu;
    (void)b;
    return NULL;
}

bool jit_ready(Cpu *cpu)
{
    (void)cpu;
    return false;
}

BlockExit jit_run(Cpu *cpu, const uint8_t *entry)
{
    (void)cpu; /* never reached: there is no translation to run */
    (void)entry;
    return BLOCK_EXIT_CHECK;
}

void jit_chain(Cpu *cpu, uint8_t *site, const Block *b)
{
    (void)cpu;
    (void)site;
    (void)b;
}

void jit_kill(Cpu *cpu, const Block *b)
{
    (void)cpu;
    (void)b;
}

void jit_stats(const Cpu *cpu, CpuEngineStats *out)
{
    (void)cpu;
    memset(out, 0, sizeof *out);
}

#endif

void jit_windows_clear(Cpu *cpu)
{
    cpu->jit_load = (JitWindow){0};
    cpu->jit_store = (JitWindow){0};
    memset(cpu->jit_mmio, 0, sizeof cpu->jit_mmio);
}
