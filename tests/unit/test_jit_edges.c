/* The translator's edge cases, each proved against the interpreter: every
 * case builds the same small program on two harts (tests/unit/cpu_fixture.h's
 * machine plus a third RAM and an "edge" device, each hart on its own
 * memory system and clock: one with CpuConfig.jit on, one with it off),
 * runs both the same way and compares everything the firmware or a device
 * could see: pc, x0-x31, the trap and counter CSRs, privilege, the LR
 * reservation, cycles and retired counts, RAM, RAM2, RAM3 and ROM byte
 * for byte, every device access with its value and exact cycle, and the
 * cycles clock events ran at. Most programs also run in slices of
 * pseudo-random lengths, compared after each (exact limits everywhere,
 * translated runs cut short), and each case checks that the translator
 * really ran (translations made and entered) and that the program did
 * what it is for, so none passes by doing nothing.
 *
 * The programs loop well past JIT_HOT_RUNS so that their blocks are hot.
 * They cover: code that rewrites itself (its own block, the block it
 * chains to, a function reached by jalr, through an alias, by a device's
 * write, by the debugger between runs, in ROM, code copied then run with
 * and without fence.i, one store or debugger write killing more
 * translations than the translator's queue of pending patches holds), the
 * self-loop fast path under device interrupts, instruction limits, clock
 * events and stops, device accesses inside translated code (an interrupt
 * raised, a map change, unmapping the running code, a stop request, a
 * reset request, a bus error), accesses at the ends of RAM ranges, across
 * two ranges, misaligned (trapped or emulated), into ROM, from x0 and to
 * x0, code straddling two RAMs, jumps to misaligned targets without C,
 * the M extension's edges, LR/SC and AMOs around translated stores, mret
 * (unmasking a pending interrupt, into U-mode under PMP and MPRV), the
 * block observer set and removed after chains were patched, single steps,
 * a code cache that fills up, breakpoints and watchpoints added after
 * code was translated, the clock as a run leaves it, and the host
 * refusing a W^X flip of the code cache (mprotect fault injection).
 * White-box checks (cpu_internal.h) look at the block cache's code index
 * where a failure would otherwise be a hang much later.
 *
 * EDGES_ONLY=PATTERN runs the matching cases (cmocka's filter),
 * EDGES_VERBOSE=1 says what the translator did in each program. Without a
 * translator (not x86-64) both harts run the interpreter: the comparisons
 * still run, the checks that code was translated do not.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cmocka.h>

#include "sim/cpu/cpu_internal.h"
#include "sim/cpu/jit.h"
#include "soc/clock.h"
#include "tests/unit/rv_asm.h"
#include "tests/unit/cpu_fixture.h"

/* ---- the machine: cpu_fixture.h's, plus a third RAM, an edge device ---- */

enum {
    RAM3_BASE = RAM_BASE + RAM_SIZE, /* right after RAM: accesses straddle */
    RAM3_SIZE = 0x1000u,
    RAM2_SIZE = 0x1000u,
    RAM2_AWAY = 0xa0000000u,         /* where the edge device moves RAM2 */
    EDGE_BASE = 0x10001000u,
    EDGE_SIZE = 0x100u,
    BIG_BASE = 0x40000000u,          /* more RAM (Setup.big): the code-cache case */
    BIG_SIZE = 0x200000u,
    ALIAS_BASE = 0x60000000u,        /* RAM again, through an alias (Setup.alias) */
    TRAPLOG = 0x80008000u,           /* the handler's log: a ring of 16-byte entries */
    TRAPLOG_RING = 0x4000u,
    MAX_ACCESSES = 4096,             /* device accesses kept word for word */
    MAX_EVENTS = 64,                 /* timer events' cycles kept */
};

/* The edge device's registers (offsets). */
enum {
    EDGE_COUNTER = 0x00,  /* read: 1, 2, 3, ... (a read done twice shows) */
    EDGE_MEI = 0x04,      /* write: the hart's MEI level (bit 0) */
    EDGE_REMAP = 0x08,    /* write: 0 RAM2 at RAM2_BASE, 1 at RAM2_AWAY, 2 unmapped */
    EDGE_STOP = 0x0c,     /* write: cpu_request_stop */
    EDGE_FAULT = 0x10,    /* read or write: bus error */
    EDGE_DMA = 0x14,      /* write: memory_write(dma_addr, 4 bytes) */
    EDGE_DMA_ADDR = 0x18, /* write: dma_addr */
    EDGE_TIMER = 0x1c,    /* write: the timer event in `value` cycles (0: cancel) */
    EDGE_MTI = 0x20,      /* write: the hart's MTI level (bit 0) */
    EDGE_IRQ_EVERY = 0x24, /* write: raise MEI at every value-th counter read */
    EDGE_NOW = 0x28,      /* read: clock_now, the exact cycle of the access */
    EDGE_RAM3 = 0x2c,     /* write: 1 unmaps RAM3, 0 maps it back */
    EDGE_PERIOD = 0x30,   /* write: the timer then re-arms itself this often */
    EDGE_STOP_IN = 0x34,  /* write: an event in `value` cycles asks the CPU to stop */
    EDGE_RESET = 0x38,    /* write 1: cpu_request_reset (a watchdog's machine reset) */
};

typedef struct Access {
    uint64_t cycle;       /* cpu_cycles inside the access */
    uint64_t now;         /* clock_now inside the access */
    uint32_t addr, value;
    uint8_t size, write, ok;
} Access;

/* The execution events a side saw (cpu_add_exec_observer), folded into
 * a hash. Straight-line blocks are merged into runs first, so the
 * comparison does not depend on where an engine split them; traps and
 * mode changes are hashed with their cycles. */
typedef struct ExecLog {
    bool open;            /* a run not yet hashed */
    uint32_t start, ninsns, last_pc, last_bits;
    bool taken;
    uint64_t hash, runs, traps, modes, insns;
} ExecLog;

typedef struct Side {
    Fixture f;            /* first: dev_ops's opaque is the Fixture */
    const char *name;
    bool jit;
    Clock *clock;
    MemoryRegion *edge, *ram3, *big, *alias;
    IrqLine mei, mti;
    ClockEvent *timer, *stopper;
    uint32_t counter, irq_every, dma_addr, period;
    bool ram3_off;
    uint32_t ram2_at;     /* RAM2's address now (0: unmapped) */
    Access accesses[MAX_ACCESSES];
    unsigned naccesses;
    uint64_t access_hash;
    uint64_t timer_fired[MAX_EVENTS];
    unsigned ntimer_fired;
    ExecLog exec;
} Side;

typedef struct Setup {
    const char *isa;      /* NULL: rv32imac */
    bool emulate_misaligned;
    bool big;             /* BIG_SIZE more RAM at BIG_BASE */
    bool alias;           /* RAM shown again at ALIAS_BASE */
    bool exec_events;     /* both sides log execution events (ExecLog) */
} Setup;

typedef struct Twin {
    Side jit, interp;
} Twin;

/* A test's pairs still open: its teardown closes them when a check
 * failed half-way (cmocka leaves the test by longjmp). */
typedef struct Lab {
    Twin *open[4];
} Lab;

static void edge_timer_fired(void *opaque)
{
    Side *s = opaque;
    if (s->ntimer_fired < MAX_EVENTS)
        s->timer_fired[s->ntimer_fired] = clock_now(s->clock);
    s->ntimer_fired++;
    irq_set(&s->mti, true);
    if (s->period && s->ntimer_fired < 200)
        clock_event_schedule(s->timer, clock_now(s->clock) + s->period);
}

static void edge_stopper_fired(void *opaque)
{
    Side *s = opaque;
    cpu_request_stop(s->f.cpu);
}

/* A map change, only when something changes (a commit drops every
 * decoded block: a program that wrote the same value each time would
 * never get translated). */
static void edge_remap(Side *s, uint32_t how)
{
    uint32_t at = how == 2 ? 0 : how == 1 ? RAM2_AWAY : RAM2_BASE;
    if (at == s->ram2_at)
        return;
    memory_begin(s->f.ms);
    if (how == 2) {
        memory_region_set_enabled(s->f.ram2, false);
        s->ram2_at = 0;
    } else {
        memory_region_set_enabled(s->f.ram2, true);
        s->ram2_at = how == 1 ? RAM2_AWAY : RAM2_BASE;
        memory_region_set_address(s->f.ram2, s->ram2_at);
    }
    memory_commit(s->f.ms);
}

static bool edge_read(void *opaque, uint64_t offset, unsigned size, uint32_t *value)
{
    Side *s = opaque;
    (void)size;
    switch (offset) {
    case EDGE_COUNTER:
        *value = ++s->counter;
        if (s->irq_every && s->counter % s->irq_every == 0)
            irq_set(&s->mei, true);
        return true;
    case EDGE_NOW:
        *value = (uint32_t)clock_now(s->clock);
        return true;
    case EDGE_FAULT:
        return false;
    default:
        *value = 0xed9e0000u | (uint32_t)offset;
        return true;
    }
}

static bool edge_write(void *opaque, uint64_t offset, unsigned size, uint32_t value)
{
    Side *s = opaque;
    (void)size;
    switch (offset) {
    case EDGE_MEI: irq_set(&s->mei, value & 1); break;
    case EDGE_MTI: irq_set(&s->mti, value & 1); break;
    case EDGE_REMAP: edge_remap(s, value); break;
    case EDGE_STOP: cpu_request_stop(s->f.cpu); break;
    case EDGE_FAULT: return false;
    case EDGE_DMA: memory_write(s->f.ms, s->dma_addr, 4, value); break;
    case EDGE_DMA_ADDR: s->dma_addr = value; break;
    case EDGE_IRQ_EVERY: s->irq_every = value; break;
    case EDGE_RESET:
        if (value & 1)
            cpu_request_reset(s->f.cpu);
        break;
    case EDGE_PERIOD: s->period = value; break;
    case EDGE_STOP_IN: clock_event_schedule(s->stopper, clock_now(s->clock) + value); break;
    case EDGE_RAM3:
        if (s->ram3_off == (value & 1))
            break;
        s->ram3_off = value & 1;
        memory_begin(s->f.ms);
        memory_region_set_enabled(s->ram3, !s->ram3_off);
        memory_commit(s->f.ms);
        break;
    case EDGE_TIMER:
        if (value)
            clock_event_schedule(s->timer, clock_now(s->clock) + value);
        else
            clock_event_cancel(s->timer);
        break;
    default: break;
    }
    return true;
}

static const MmioOps edge_ops = {.read = edge_read, .write = edge_write};

/* Every guest device access, with the cycle it happened at. */
static void observe_mmio(void *opaque, const MemoryRegion *region, uint32_t addr, uint64_t offset,
                         unsigned size, uint32_t value, bool is_write, MemAccess result)
{
    Side *s = opaque;
    (void)region;
    (void)offset;
    Access a = {.cycle = cpu_cycles(s->f.cpu), .now = clock_now(s->clock), .addr = addr,
                .value = value, .size = (uint8_t)size, .write = is_write,
                .ok = result == MEM_OK};
    if (s->naccesses < MAX_ACCESSES)
        s->accesses[s->naccesses] = a;
    s->naccesses++;
    uint64_t words[3] = {a.cycle ^ a.now << 1, (uint64_t)a.addr << 32 | a.value,
                         (uint64_t)a.size << 16 | (uint64_t)a.write << 8 | a.ok};
    for (unsigned i = 0; i < 3; i++)
        s->access_hash = (s->access_hash ^ words[i]) * 0x100000001b3ull;
}

static void exec_mix(ExecLog *l, uint64_t v)
{
    l->hash = (l->hash ^ v) * 0x100000001b3ull;
}

static void exec_flush(ExecLog *l)
{
    if (!l->open)
        return;
    exec_mix(l, l->start);
    exec_mix(l, l->ninsns);
    exec_mix(l, l->last_pc);
    exec_mix(l, l->last_bits);
    exec_mix(l, l->taken);
    l->runs++;
    l->open = false;
}

static void observe_exec(void *opaque, const Cpu *cpu, const CpuExecEvent *e)
{
    ExecLog *l = &((Side *)opaque)->exec;
    if (e->kind == CPU_EXEC_BLOCK) {
        assert_true(e->ninsns >= 1);
        l->insns += e->ninsns;
        uint32_t follows = l->last_pc + ((l->last_bits & 3) == 3 ? 4 : 2);
        if (l->open && !l->taken && e->start == follows) {
            l->ninsns += e->ninsns;
        } else {
            exec_flush(l);
            l->open = true;
            l->start = e->start;
            l->ninsns = e->ninsns;
        }
        l->last_pc = e->last_pc;
        l->last_bits = e->last_bits;
        l->taken = e->taken;
        return;
    }
    exec_flush(l);
    exec_mix(l, e->kind);
    exec_mix(l, e->cycles);
    if (e->kind == CPU_EXEC_TRAP) {
        uint32_t mepc = 0;
        assert_true(cpu_get_csr(cpu, CSR_MEPC, &mepc));
        assert_int_equal(e->epc, mepc);
        exec_mix(l, e->mcause);
        exec_mix(l, e->epc);
        exec_mix(l, e->tval);
        exec_mix(l, cpu_get_pc(cpu));
        l->traps++;
    } else {
        exec_mix(l, e->priv);
        exec_mix(l, e->sleeping);
        l->modes++;
    }
}

static bool jit_here(void)
{
    return cpu_jit_supported();
}

static void side_open(Side *s, const char *name, bool jit, const Setup *setup)
{
    Error *err = NULL;
    Fixture *f = &s->f;
    memset(s, 0, sizeof *s);
    s->name = name;
    s->jit = jit && jit_here();
    f->ms = memory_system_new();
    f->board = owner_new(f->ms, "board", NULL, NULL);
    f->root = memory_region_new_container(f->board, "system", 1ULL << 32);
    f->ram = memory_region_new_ram(f->board, "ram", RAM_SIZE, &err);
    f->rom = memory_region_new_rom(f->board, "rom", ROM_SIZE, &err);
    f->ram2 = memory_region_new_ram(f->board, "ram2", RAM2_SIZE, &err);
    s->ram3 = memory_region_new_ram(f->board, "ram3", RAM3_SIZE, &err);
    f->mmio = memory_region_new_mmio(f->board, "dev", MMIO_SIZE, &dev_ops, f);
    s->edge = memory_region_new_mmio(f->board, "edge", EDGE_SIZE, &edge_ops, s);
    if (setup->big)
        s->big = memory_region_new_ram(f->board, "big", BIG_SIZE, &err);
    if (setup->alias)
        s->alias = memory_region_new_alias(f->board, "ram-alias", f->ram, 0, RAM_SIZE, &err);
    assert_null(err);
    memory_begin(f->ms);
    assert_true(memory_add_subregion(f->root, RAM_BASE, f->ram, &err));
    assert_true(memory_add_subregion(f->root, RAM3_BASE, s->ram3, &err));
    assert_true(memory_add_subregion(f->root, ROM_BASE, f->rom, &err));
    assert_true(memory_add_subregion(f->root, RAM2_BASE, f->ram2, &err));
    assert_true(memory_add_subregion(f->root, MMIO_BASE, f->mmio, &err));
    assert_true(memory_add_subregion(f->root, EDGE_BASE, s->edge, &err));
    if (s->big)
        assert_true(memory_add_subregion(f->root, BIG_BASE, s->big, &err));
    if (s->alias)
        assert_true(memory_add_subregion(f->root, ALIAS_BASE, s->alias, &err));
    memory_set_root(f->ms, f->root);
    memory_commit(f->ms);
    s->ram2_at = RAM2_BASE;
    s->clock = clock_new(1000000);
    s->timer = clock_event_new(s->clock, edge_timer_fired, s);
    s->stopper = clock_event_new(s->clock, edge_stopper_fired, s);
    CpuConfig config = {.isa = setup->isa, .reset_pc = RAM_BASE, .frequency_hz = 1000000,
                        .clock = s->clock, .emulate_misaligned = setup->emulate_misaligned,
                        .pmp_entries = CPU_PMP_MAX, .triggers = 2, .jit = s->jit};
    f->cpu = cpu_new(f->ms, &config, &err);
    if (!f->cpu)
        fail_msg("cpu_new (%s): %s", name, error_message(err));
    s->mei = cpu_irq_input(f->cpu, CPU_IRQ_MEI);
    s->mti = cpu_irq_input(f->cpu, CPU_IRQ_MTI);
    memory_set_mmio_observer(f->ms, observe_mmio, s);
    if (setup->exec_events)
        assert_true(cpu_add_exec_observer(f->cpu, CPU_EXEC_BLOCK | CPU_EXEC_TRAP | CPU_EXEC_MODE,
                                          observe_exec, s));
    f->pc = RAM_BASE;
}

static void side_close(Side *s)
{
    Fixture *f = &s->f;
    memory_set_mmio_observer(f->ms, NULL, NULL);
    cpu_free(f->cpu);
    clock_event_free(s->timer);
    clock_event_free(s->stopper);
    memory_set_root(f->ms, NULL);
    owner_unref(f->board);
    memory_system_free(f->ms);
    clock_free(s->clock);
}

/* The program: built the same way on each side (emit into f, set
 * registers and CSRs on f->cpu). */
typedef void (*Build)(Fixture *f, const void *arg);

static Twin *twin_open(Lab *lab, const Setup *setup, Build build, const void *arg)
{
    static const Setup defaults = {0};
    Twin *t = calloc(1, sizeof *t);
    assert_non_null(t);
    setup = setup ? setup : &defaults;
    side_open(&t->jit, "jit", true, setup);
    side_open(&t->interp, "interpreter", false, setup);
    unsigned slot = 0;
    while (slot < 4 && lab->open[slot])
        slot++;
    assert_true(slot < 4);
    lab->open[slot] = t;
    build(&t->jit.f, arg);
    build(&t->interp.f, arg);
    return t;
}

static void twin_close(Lab *lab, Twin *t)
{
    for (unsigned i = 0; i < 4; i++)
        if (lab->open[i] == t)
            lab->open[i] = NULL;
    side_close(&t->jit);
    side_close(&t->interp);
    free(t);
}

/* Fault injection for the code cache's protection flips (jit_cache.c
 * calls mprotect; the executable's own definition is the one it gets).
 * mprotect has no context argument, so this is file-scope state: armed by
 * one test at a time, disarmed by the lab's teardown. */
static struct {
    bool armed;
    int prot;         /* the flip to refuse: PROT_EXEC or PROT_WRITE set */
    unsigned refused;
} wx_fault;

int mprotect(void *addr, size_t len, int prot)
{
    if (wx_fault.armed && (prot & wx_fault.prot)) {
        wx_fault.refused++;
        errno = EACCES;
        return -1;
    }
    return (int)syscall(SYS_mprotect, addr, len, prot);
}

static int lab_setup(void **state)
{
    *state = calloc(1, sizeof(Lab));
    return *state ? 0 : -1;
}

static int lab_teardown(void **state)
{
    Lab *lab = *state;
    wx_fault.armed = false;
    for (unsigned i = 0; i < 4; i++)
        if (lab->open[i])
            twin_close(lab, lab->open[i]);
    free(lab);
    return 0;
}

/* ---- comparing ---- */

typedef struct Report {
    char text[8192];
    size_t used;
    unsigned differences;
} Report;

static void say(Report *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(r->text + r->used, sizeof r->text - r->used, fmt, ap);
    va_end(ap);
    if (n > 0)
        r->used += (size_t)n < sizeof r->text - r->used ? (size_t)n : sizeof r->text - r->used - 1;
}

static void differs(Report *r, const char *what, uint64_t a, uint64_t b)
{
    r->differences++;
    say(r, "  %s: jit 0x%llx, interpreter 0x%llx\n", what, (unsigned long long)a,
        (unsigned long long)b);
}

static const struct {
    unsigned number;
    const char *name;
} compared_csrs[] = {
    {CSR_MSTATUS, "mstatus"}, {CSR_MEPC, "mepc"}, {CSR_MCAUSE, "mcause"},
    {CSR_MTVAL, "mtval"}, {CSR_MIP, "mip"}, {CSR_MIE, "mie"},
    {CSR_MSCRATCH, "mscratch"}, {CSR_MTVEC, "mtvec"}, {CSR_MCYCLE, "mcycle"},
    {CSR_MINSTRET, "minstret"},
};

/* A RAM/ROM window's bytes on one side (NULL: not mapped there now). */
static const uint8_t *host_bytes(Side *s, uint32_t addr, uint32_t len)
{
    MemRange r;
    if (!memory_lookup(s->f.ms, addr, &r) || !r.host || len - 1 > r.last - addr)
        return NULL;
    return r.host + (addr - r.start);
}

static void compare_memory(Report *r, Side *a, Side *b, const char *what, uint32_t addr,
                           uint32_t len)
{
    const uint8_t *ma = host_bytes(a, addr, len), *mb = host_bytes(b, addr, len);
    if (!ma || !mb) {
        if (!ma != !mb)
            differs(r, what, ma != NULL, mb != NULL);
        return;
    }
    if (memcmp(ma, mb, len) == 0)
        return;
    uint32_t at = 0;
    while (ma[at] == mb[at])
        at++;
    uint32_t word = at & ~3u, va = 0, vb = 0;
    memcpy(&va, ma + word, len - word < 4 ? len - word : 4);
    memcpy(&vb, mb + word, len - word < 4 ? len - word : 4);
    char label[96];
    snprintf(label, sizeof label, "%s: the word at 0x%08x", what, addr + word);
    differs(r, label, va, vb);
}

static bool same_access(const Access *x, const Access *y)
{
    return x->cycle == y->cycle && x->now == y->now && x->addr == y->addr &&
           x->value == y->value && x->size == y->size && x->write == y->write &&
           x->ok == y->ok;
}

static void compare_accesses(Report *r, const Side *a, const Side *b)
{
    if (a->naccesses == b->naccesses && a->access_hash == b->access_hash)
        return;
    unsigned n = a->naccesses < b->naccesses ? a->naccesses : b->naccesses;
    n = n < MAX_ACCESSES ? n : MAX_ACCESSES;
    unsigned i = 0;
    while (i < n && same_access(&a->accesses[i], &b->accesses[i]))
        i++;
    r->differences++;
    say(r, "  device accesses: jit %u, interpreter %u; the first that differs is #%u\n",
        a->naccesses, b->naccesses, i);
    for (unsigned k = 0; k < 2; k++) {
        const Side *s = k ? b : a;
        if (i >= s->naccesses || i >= MAX_ACCESSES) {
            say(r, "    %s: none\n", s->name);
            continue;
        }
        const Access *x = &s->accesses[i];
        say(r, "    %s: %s %u bytes at 0x%08x value 0x%08x%s, cycle %llu (clock %llu)\n",
            s->name, x->write ? "write" : "read", x->size, x->addr, x->value,
            x->ok ? "" : " (bus error)", (unsigned long long)x->cycle,
            (unsigned long long)x->now);
    }
}

/* Everything either side could show (memory only when `memory`); each
 * difference goes into r. */
static void compare_sides(Report *r, Side *a, Side *b, bool memory)
{
    Cpu *ca = a->f.cpu, *cb = b->f.cpu;
    if (cpu_get_pc(ca) != cpu_get_pc(cb))
        differs(r, "pc", cpu_get_pc(ca), cpu_get_pc(cb));
    if (cpu_instructions_retired(ca) != cpu_instructions_retired(cb))
        differs(r, "retired", cpu_instructions_retired(ca), cpu_instructions_retired(cb));
    if (cpu_cycles(ca) != cpu_cycles(cb))
        differs(r, "cycles", cpu_cycles(ca), cpu_cycles(cb));
    for (unsigned i = 0; i < 32; i++) {
        if (cpu_get_reg(ca, i) != cpu_get_reg(cb, i)) {
            char label[16];
            snprintf(label, sizeof label, "x%u", i);
            differs(r, label, cpu_get_reg(ca, i), cpu_get_reg(cb, i));
        }
    }
    for (size_t i = 0; i < sizeof compared_csrs / sizeof compared_csrs[0]; i++) {
        uint32_t va = 0, vb = 0;
        cpu_get_csr(ca, compared_csrs[i].number, &va);
        cpu_get_csr(cb, compared_csrs[i].number, &vb);
        if (va != vb)
            differs(r, compared_csrs[i].name, va, vb);
    }
    if (ca->priv != cb->priv)
        differs(r, "privilege", ca->priv, cb->priv);
    if (cpu_waiting_for_interrupt(ca) != cpu_waiting_for_interrupt(cb))
        differs(r, "in wfi", cpu_waiting_for_interrupt(ca), cpu_waiting_for_interrupt(cb));
    if (ca->reserved != cb->reserved)
        differs(r, "LR reservation", ca->reserved, cb->reserved);
    if (a->ram2_at != b->ram2_at)
        differs(r, "RAM2's address", a->ram2_at, b->ram2_at);
    compare_accesses(r, a, b);
    if (a->f.mmio_writes != b->f.mmio_writes || a->f.mmio_written != b->f.mmio_written)
        differs(r, "test device writes", a->f.mmio_writes, b->f.mmio_writes);
    if (a->ntimer_fired != b->ntimer_fired)
        differs(r, "timer events run", a->ntimer_fired, b->ntimer_fired);
    for (unsigned i = 0; i < a->ntimer_fired && i < b->ntimer_fired && i < MAX_EVENTS; i++) {
        if (a->timer_fired[i] != b->timer_fired[i]) {
            differs(r, "a timer event's cycle", a->timer_fired[i], b->timer_fired[i]);
            break;
        }
    }
    exec_flush(&a->exec);
    exec_flush(&b->exec);
    if (a->exec.insns != b->exec.insns)
        differs(r, "instructions in block events", a->exec.insns, b->exec.insns);
    if (a->exec.traps != b->exec.traps)
        differs(r, "trap events", a->exec.traps, b->exec.traps);
    if (a->exec.modes != b->exec.modes)
        differs(r, "mode events", a->exec.modes, b->exec.modes);
    if (a->exec.runs != b->exec.runs || a->exec.hash != b->exec.hash)
        differs(r, "execution events' hash", a->exec.hash, b->exec.hash);
    if (!memory)
        return;
    compare_memory(r, a, b, "RAM", RAM_BASE, RAM_SIZE);
    compare_memory(r, a, b, "RAM3", RAM3_BASE, RAM3_SIZE);
    compare_memory(r, a, b, "ROM", ROM_BASE, ROM_SIZE);
    if (a->ram2_at)
        compare_memory(r, a, b, "RAM2", a->ram2_at, RAM2_SIZE);
    if (a->big)
        compare_memory(r, a, b, "BIG", BIG_BASE, BIG_SIZE);
}

/* Fails the test with every difference, saying where it was found. */
static void twin_check_some(Twin *t, const char *where, bool memory)
{
    Report *r = calloc(1, sizeof *r);
    assert_non_null(r);
    compare_sides(r, &t->jit, &t->interp, memory);
    if (r->differences) {
        print_error("%s: the JIT and the interpreter differ (jit at pc 0x%08x, retired %llu; "
                    "interpreter at pc 0x%08x, retired %llu):\n%s",
                    where, cpu_get_pc(t->jit.f.cpu),
                    (unsigned long long)cpu_instructions_retired(t->jit.f.cpu),
                    cpu_get_pc(t->interp.f.cpu),
                    (unsigned long long)cpu_instructions_retired(t->interp.f.cpu), r->text);
        free(r);
        fail();
    }
    free(r);
}

static void twin_check(Twin *t, const char *where)
{
    twin_check_some(t, where, true);
}

/* ---- running ---- */

typedef struct Outcome {
    CpuStopReason why;
    bool error;
    char message[256];
} Outcome;

static Outcome side_run(Side *s, uint64_t max)
{
    Outcome o = {0};
    Error *err = NULL;
    o.why = cpu_run(s->f.cpu, max, &err);
    if (err) {
        o.error = true;
        snprintf(o.message, sizeof o.message, "%s", error_message(err));
        error_free(err);
    }
    return o;
}

/* One cpu_run of at most `max` instructions on each side: the same stop
 * and the same state after it (memory too when `memory`). */
static CpuStopReason twin_run_some(Twin *t, uint64_t max, const char *where, bool memory)
{
    Outcome a = side_run(&t->jit, max), b = side_run(&t->interp, max);
    if (a.why != b.why || a.error != b.error || strcmp(a.message, b.message) != 0) {
        twin_check(t, where); /* the states say more, when they differ */
        fail_msg("%s: the runs stopped differently: jit %d (%s), interpreter %d (%s)", where,
                 a.why, a.message, b.why, b.message);
    }
    twin_check_some(t, where, memory);
    return a.why;
}

static CpuStopReason twin_run(Twin *t, uint64_t max, const char *where)
{
    return twin_run_some(t, max, where, true);
}

/* Runs until both stop by themselves (the program's stop request) in
 * slices of 1 to max_slice instructions chosen from seed, comparing after
 * each; at most `budget` instructions. */
static void twin_run_slices(Twin *t, uint64_t seed, uint64_t max_slice, uint64_t budget)
{
    uint64_t done = 0;
    char where[96];
    for (unsigned slice = 0; done < budget; slice++) {
        seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
        uint64_t n = 1 + seed % max_slice;
        snprintf(where, sizeof where, "after a run of %llu from retired %llu",
                 (unsigned long long)n, (unsigned long long)done);
        CpuStopReason why = twin_run_some(t, n, where, slice % 8 == 0);
        done = cpu_instructions_retired(t->interp.f.cpu);
        if (why != CPU_STOP_INSN_LIMIT) {
            twin_check(t, "at the program's stop");
            return;
        }
    }
    fail_msg("the program did not stop within %llu instructions", (unsigned long long)budget);
}

/* Runs both to the program's own stop in one cpu_run each. */
static void twin_run_to_stop(Twin *t, uint64_t budget)
{
    CpuStopReason why = twin_run(t, budget, "at the program's stop");
    if (why != CPU_STOP_REQUESTED)
        fail_msg("the program did not stop by itself (stop reason %d, pc 0x%08x)", why,
                 cpu_get_pc(t->interp.f.cpu));
}

/* The translator ran: translations were made and entered. */
static void assert_translated(Twin *t, uint64_t min_blocks)
{
    if (!jit_here())
        return;
    CpuEngineStats st;
    cpu_engine_stats(t->jit.f.cpu, &st);
    if (!st.jit || st.blocks_translated < min_blocks || st.jit_entries == 0)
        fail_msg("the translator did not run: %llu blocks translated, %llu entries",
                 (unsigned long long)st.blocks_translated,
                 (unsigned long long)st.jit_entries);
}

/* What a program must have done (checked on the reference side), so that
 * a comparison cannot pass on a program that did nothing of interest. */
typedef void (*Expect)(Fixture *f, const void *arg);

/* EDGES_VERBOSE=1: what the translator did in each program. */
static void say_stats(Twin *t, const char *what)
{
    if (!getenv("EDGES_VERBOSE"))
        return;
    CpuEngineStats st;
    cpu_engine_stats(t->jit.f.cpu, &st);
    fprintf(stderr, "  %s: retired %llu, %llu blocks translated, %llu entries, %llu flushes, "
            "%u device accesses, %u traps\n", what,
            (unsigned long long)cpu_instructions_retired(t->jit.f.cpu),
            (unsigned long long)st.blocks_translated, (unsigned long long)st.jit_entries,
            (unsigned long long)st.code_flushes, t->jit.naccesses, csr(&t->jit.f, CSR_MSCRATCH));
}

/* Runs one program three ways, each on a fresh pair of harts: in one
 * cpu_run to its stop, then in short and in long slices of pseudo-random
 * lengths (exact limits everywhere, translated runs cut short), comparing
 * after every slice. The first way checks that min_translated blocks or
 * more were translated, and what the program was for (expect). */
static void check_program_expecting(Lab *lab, const Setup *setup, Build build,
                                    const void *arg, uint64_t budget, uint64_t min_translated,
                                    Expect expect)
{
    Twin *t = twin_open(lab, setup, build, arg);
    twin_run_to_stop(t, budget);
    say_stats(t, "one run");
    assert_translated(t, min_translated);
    if (expect)
        expect(&t->interp.f, arg);
    twin_close(lab, t);
    t = twin_open(lab, setup, build, arg);
    twin_run_slices(t, 0x9e3779b97f4a7c15ull, 97, budget);
    twin_close(lab, t);
    t = twin_open(lab, setup, build, arg);
    twin_run_slices(t, 0xd1b54a32d192ed03ull, 5003, budget);
    twin_close(lab, t);
}

static void check_program(Lab *lab, const Setup *setup, Build build, const void *arg,
                          uint64_t budget, uint64_t min_translated)
{
    check_program_expecting(lab, setup, build, arg, budget, min_translated, NULL);
}

/* ---- program pieces ---- */

enum {
    LOOP = RAM_BASE + 0x100,   /* the main loop (setup code sits below it) */
    NEXT = RAM_BASE + 0x400,   /* a block the loop chains to: another chunk */
    FUNC = RAM_BASE + 0x600,   /* a function the loop reaches by jalr */
    FUNC2 = RAM_BASE + 0x700,
    TEMPLATES = RAM_BASE + 0x800,
    DEST = RAM_BASE + 0xa00,
    U_CODE = RAM_BASE + 0xc00,
    END = RAM_BASE + 0xe00,    /* stops, then spins */
};

/* Handler options. */
enum {
    H_RESTORE_MAPS = 1,   /* a fetch fault maps RAM2 and RAM3 back and retries */
    H_RAISE_ON_ECALL = 2, /* an ecall raises MEI before returning (mret unmasks it) */
};

/* Branch and jump offsets: from the instruction at `from` to `to`. */
static int32_t off(uint32_t from, uint32_t to)
{
    int32_t d = (int32_t)(to - from);
    assert_in_range(d + 4096, 0, 8190); /* a branch's reach */
    return d;
}

static void patch_branch(Fixture *f, uint32_t at, unsigned f3, unsigned rs1, unsigned rs2,
                         uint32_t to)
{
    poke32(f, at, rv_branch(f3, rs1, rs2, off(at, to)));
}

/* The trap handler at HANDLER: logs (mcause, mepc, mtval, mcycle) in a
 * ring of 16-byte entries at TRAPLOG (s11), counts traps in mscratch, then
 * returns: past the 4-byte faulting instruction for an exception, to mepc
 * for an interrupt after lowering the edge device's MEI and MTI lines.
 * Uses only t5, t6 and s11. */
static void emit_handler_with(Fixture *f, unsigned flags)
{
    uint32_t saved = f->pc;
    f->pc = HANDLER;
    emit(f, rv_csrr(T6, CSR_MCAUSE));
    emit(f, rv_store(SW, T6, S11, 0));
    emit(f, rv_csrr(T5, CSR_MEPC));
    emit(f, rv_store(SW, T5, S11, 4));
    emit(f, rv_csrr(T5, CSR_MTVAL));
    emit(f, rv_store(SW, T5, S11, 8));
    emit(f, rv_csrr(T5, CSR_MCYCLE));
    emit(f, rv_store(SW, T5, S11, 12));
    emit(f, rv_addi(S11, S11, 16)); /* s11 = TRAPLOG | (s11 + 16) % TRAPLOG_RING */
    emit(f, rv_slli(S11, S11, 18));
    emit(f, rv_srli(S11, S11, 18));
    emit(f, rv_lui(T5, TRAPLOG));
    emit(f, rv_or(S11, S11, T5));
    emit(f, rv_csrr(T5, CSR_MSCRATCH));
    emit(f, rv_addi(T5, T5, 1));
    emit(f, rv_csrw(CSR_MSCRATCH, T5));
    uint32_t to_irq = f->pc;
    emit(f, 0);
    if (flags & H_RESTORE_MAPS) {
        emit(f, rv_addi(T5, ZERO, CPU_CAUSE_FETCH_ACCESS));
        uint32_t not_fetch = f->pc;
        emit(f, 0);
        emit(f, rv_lui(T5, EDGE_BASE));
        emit(f, rv_store(SW, ZERO, T5, EDGE_REMAP));
        emit(f, rv_store(SW, ZERO, T5, EDGE_RAM3));
        emit(f, RV_MRET); /* retries the fetch */
        patch_branch(f, not_fetch, BNE, T6, T5, f->pc);
    }
    if (flags & H_RAISE_ON_ECALL) {
        emit(f, rv_addi(T5, ZERO, CPU_CAUSE_ECALL_M));
        uint32_t not_ecall = f->pc;
        emit(f, 0);
        emit(f, rv_lui(T5, EDGE_BASE));
        emit(f, rv_addi(T6, ZERO, 1));
        emit(f, rv_store(SW, T6, T5, EDGE_MEI));
        patch_branch(f, not_ecall, BNE, T6, T5, f->pc);
    }
    emit(f, rv_csrr(T6, CSR_MEPC));
    emit(f, rv_addi(T6, T6, 4));
    emit(f, rv_csrw(CSR_MEPC, T6));
    emit(f, RV_MRET);
    patch_branch(f, to_irq, BLT, T6, ZERO, f->pc);
    emit(f, rv_lui(T6, EDGE_BASE)); /* an interrupt */
    emit(f, rv_store(SW, ZERO, T6, EDGE_MEI));
    emit(f, rv_store(SW, ZERO, T6, EDGE_MTI));
    emit(f, RV_MRET);
    assert_true(f->pc <= HANDLER + 0x100);
    f->pc = saved;
    assert_true(cpu_csr_set(f->cpu, CSR_MTVEC, HANDLER));
    cpu_set_reg(f->cpu, S11, TRAPLOG);
}

static void emit_handler(Fixture *f)
{
    emit_handler_with(f, 0);
}

/* Field 0-3 (mcause, mepc, mtval, mcycle) of the trap-th trap logged. */
static uint32_t log_word(Fixture *f, unsigned trap, unsigned field)
{
    return peek32(f, TRAPLOG + (16 * trap) % TRAPLOG_RING + 4 * field);
}

/* At END: asks the CPU to stop through the edge device, then spins. */
static void emit_end(Fixture *f)
{
    uint32_t saved = f->pc;
    f->pc = END;
    emit(f, rv_lui(T6, EDGE_BASE));
    emit(f, rv_store(SW, ZERO, T6, EDGE_STOP));
    emit(f, rv_jal(ZERO, 0));
    f->pc = saved;
}

static void emit_jump(Fixture *f, uint32_t to)
{
    int32_t d = (int32_t)(to - f->pc);
    assert_in_range(d + (1 << 20), 0, (2 << 20) - 2); /* jal's reach */
    emit(f, rv_jal(ZERO, d));
}

/* t0 := count == k ? harmless + delta : harmless, without a branch (the
 * block stays whole). Uses t0. */
static void emit_pick(Fixture *f, unsigned count, unsigned k, unsigned harmless, unsigned delta)
{
    emit(f, rv_xor(T0, count, k));
    emit(f, rv_sltiu(T0, T0, 1));
    emit(f, rv_sub(T0, ZERO, T0));
    emit(f, rv_and(T0, T0, delta));
    emit(f, rv_add(T0, T0, harmless));
}

/* rd := (count & mask) == 0, without a branch. */
static void emit_every(Fixture *f, unsigned rd, unsigned count, int32_t mask)
{
    emit(f, rv_andi(rd, count, mask));
    emit(f, rv_sltiu(rd, rd, 1));
}

static void enable_interrupts(Fixture *f, uint32_t mie)
{
    assert_true(cpu_csr_set(f->cpu, CSR_MIE, mie));
    assert_true(cpu_csr_set(f->cpu, CSR_MSTATUS, MSTATUS_MIE));
}

/* ---- self-modifying code ---- */

typedef enum SmcKind {
    SMC_OWN_LATER,    /* an instruction after the store, in the store's block */
    SMC_OWN_EARLIER,  /* the first instruction of the store's block */
    SMC_NEXT_BLOCK,   /* the block the loop chains to, in another chunk */
    SMC_JALR_TARGET,  /* a function the loop calls through jalr */
    SMC_DMA,          /* as OWN_LATER, but a device writes (memory_write) */
} SmcKind;

/* A loop of 1000 that stores, in iteration 401, a new instruction over
 * one of its own (translated by then), and the old one back in iteration
 * 701; every other iteration stores the same values into DATA. */
static void build_smc(Fixture *f, const void *arg)
{
    SmcKind kind = *(const SmcKind *)arg;
    emit_handler(f);
    emit_end(f);
    uint32_t target = 0, old = rv_addi(A1, A1, 1), new = rv_addi(A1, A1, 100);
    f->pc = LOOP;
    if (kind == SMC_OWN_EARLIER) {
        target = f->pc;
        old = rv_addi(A3, A3, 1);
        new = rv_addi(A3, A3, -7);
    }
    emit(f, rv_addi(A3, A3, 1));
    for (int pass = 0; pass < 2; pass++) {
        emit_pick(f, S0, pass ? S8 : S3, S1, S2);
        if (kind == SMC_DMA) {
            emit(f, rv_store(SW, T0, S4, EDGE_DMA_ADDR));
            emit(f, rv_store(SW, pass ? S7 : S5, S4, EDGE_DMA));
        } else {
            emit(f, rv_store(SW, pass ? S7 : S5, T0, 0));
        }
    }
    if (kind == SMC_OWN_LATER || kind == SMC_DMA)
        target = f->pc;
    emit(f, rv_addi(A1, A1, 1));
    emit(f, rv_add(A2, A2, A1));
    emit(f, rv_add(A4, A4, A3));
    emit(f, rv_addi(S0, S0, -1));
    if (kind == SMC_NEXT_BLOCK) {
        emit_jump(f, NEXT);
        f->pc = NEXT;
        target = f->pc;
        old = rv_addi(A5, A5, 1);
        new = rv_addi(A5, A5, 1000);
        emit(f, old);
        emit(f, rv_add(A2, A2, A5));
    } else if (kind == SMC_JALR_TARGET) {
        emit(f, rv_jalr(RA, S6, 0));
    }
    emit(f, rv_branch(BNE, S0, ZERO, off(f->pc, LOOP)));
    emit_jump(f, END);
    if (kind == SMC_JALR_TARGET) {
        f->pc = FUNC;
        target = f->pc;
        old = rv_addi(A5, A5, 1);
        new = rv_addi(A5, A5, 1000);
        emit(f, old);
        emit(f, rv_add(A2, A2, A5));
        emit(f, rv_jalr(ZERO, RA, 0));
    }
    f->pc = RAM_BASE;
    emit_li(f, S0, 1000);
    emit_li(f, S1, DATA);
    emit_li(f, S2, target - DATA);
    emit_li(f, S3, 600);           /* iteration 401 */
    emit_li(f, S4, EDGE_BASE);
    emit_li(f, S5, new);
    emit_li(f, S6, FUNC);
    emit_li(f, S7, old);
    emit_li(f, S8, 300);           /* iteration 701 */
    emit_jump(f, LOOP);
}

/* The new instruction ran in iterations 401 to 700 (from the one that
 * stored it when it lies after the store, else from the next), the old
 * one otherwise. */
static void expect_smc(Fixture *f, const void *arg)
{
    SmcKind kind = *(const SmcKind *)arg;
    switch (kind) {
    case SMC_OWN_LATER:
    case SMC_DMA:
        assert_int_equal(reg(f, A1), 700 * 1 + 300 * 100);
        break;
    case SMC_OWN_EARLIER: /* from the next iteration on */
        assert_int_equal(reg(f, A3), (uint32_t)(700 * 1 + 300 * -7));
        break;
    default:
        assert_int_equal(reg(f, A5), 700 * 1 + 300 * 1000);
        break;
    }
}

static void test_smc_store_into_own_block_later(void **state)
{
    SmcKind kind = SMC_OWN_LATER;
    check_program_expecting(*state, NULL, build_smc, &kind, 100000, 1, expect_smc);
}

static void test_smc_store_into_own_block_earlier(void **state)
{
    SmcKind kind = SMC_OWN_EARLIER;
    check_program_expecting(*state, NULL, build_smc, &kind, 100000, 1, expect_smc);
}

static void test_smc_store_into_chained_next_block(void **state)
{
    SmcKind kind = SMC_NEXT_BLOCK;
    check_program_expecting(*state, NULL, build_smc, &kind, 100000, 2, expect_smc);
}

static void test_smc_store_into_jalr_target(void **state)
{
    SmcKind kind = SMC_JALR_TARGET;
    check_program_expecting(*state, NULL, build_smc, &kind, 100000, 2, expect_smc);
}

static void test_smc_device_writes_into_running_block(void **state)
{
    SmcKind kind = SMC_DMA;
    check_program_expecting(*state, NULL, build_smc, &kind, 100000, 1, expect_smc);
}

/* A loop (self-looping block), a block it chains to and a function it
 * calls by jalr; the debugger rewrites each between runs. */
static void build_debugger_target(Fixture *f, const void *arg)
{
    (void)arg;
    emit_handler(f);
    emit_end(f);
    f->pc = RAM_BASE;
    emit_li(f, S0, 100000);
    emit_li(f, S6, FUNC);
    emit_jump(f, LOOP);
    f->pc = LOOP;
    emit(f, rv_addi(A1, A1, 1));   /* LOOP: a self-loop up to a1 % 4 == 0 */
    emit(f, rv_add(A2, A2, A1));
    emit(f, rv_andi(T0, A1, 3));
    emit(f, rv_branch(BNE, T0, ZERO, -12));
    emit_jump(f, NEXT);
    f->pc = NEXT;
    emit(f, rv_addi(A3, A3, 3));   /* NEXT */
    emit(f, rv_jalr(RA, S6, 0));
    emit(f, rv_addi(S0, S0, -1));
    emit(f, rv_branch(BNE, S0, ZERO, off(f->pc, LOOP)));
    emit_jump(f, END);
    f->pc = FUNC;
    emit(f, rv_xori(A4, A4, 0x55));  /* FUNC */
    emit(f, rv_add(A5, A5, A4));
    emit(f, rv_jalr(ZERO, RA, 0));
}

static void test_debugger_writes_translated_code_between_runs(void **state)
{
    Twin *t = twin_open(*state, NULL, build_debugger_target, NULL);
    const struct {
        uint32_t addr, insn;
    } patches[] = {
        {LOOP + 4, rv_sub(A2, A2, A1)},     /* the self-loop's add */
        {NEXT, rv_addi(A3, A3, -9)},         /* the chained block's addi */
        {FUNC, rv_xori(A4, A4, 0x2aa)},      /* the jalr target's xori */
        {LOOP + 4, rv_add(A2, A2, A1)},      /* and back */
    };
    twin_run(t, 20000, "warming up");
    assert_translated(t, 3);
    for (size_t i = 0; i < sizeof patches / sizeof patches[0]; i++) {
        poke32(&t->jit.f, patches[i].addr, patches[i].insn);
        poke32(&t->interp.f, patches[i].addr, patches[i].insn);
        char where[64];
        snprintf(where, sizeof where, "after patch %zu", i);
        twin_run(t, 7001 + 13 * i, where);
        twin_run(t, 20000, where);
    }
    twin_close(*state, t);
}

typedef struct CopyCase {
    bool fence_i;
    bool every_time;    /* copy in each iteration (else every 256th) */
} CopyCase;

/* Copies one of two 3-instruction functions to DEST (word by word, lw/sw)
 * and calls it, 1100 times; with or without fence.i between. */
static void build_copy(Fixture *f, const void *arg)
{
    const CopyCase *c = arg;
    emit_handler(f);
    emit_end(f);
    f->pc = TEMPLATES;
    emit(f, rv_addi(A1, A1, 3));
    emit(f, rv_add(A2, A2, A1));
    emit(f, rv_jalr(ZERO, RA, 0));
    f->pc = TEMPLATES + 0x40;
    emit(f, rv_addi(A1, A1, -5));
    emit(f, rv_xor(A2, A2, A1));
    emit(f, rv_jalr(ZERO, RA, 0));
    f->pc = DEST; /* a first copy */
    emit(f, rv_addi(A1, A1, 3));
    emit(f, rv_add(A2, A2, A1));
    emit(f, rv_jalr(ZERO, RA, 0));
    f->pc = LOOP;
    uint32_t skip = 0;
    if (c->every_time) {
        emit(f, rv_andi(T1, S0, 1)); /* alternate the templates */
    } else {
        emit(f, rv_andi(T0, S0, 255));
        skip = f->pc;
        emit(f, 0);
        emit(f, rv_srli(T1, S0, 8));
        emit(f, rv_andi(T1, T1, 1));
    }
    emit(f, rv_slli(T1, T1, 6));
    emit(f, rv_add(T1, T1, S1));
    for (int32_t k = 0; k < 12; k += 4) {
        emit(f, rv_load(LW, T2, T1, k));
        emit(f, rv_store(SW, T2, S2, k));
    }
    if (c->fence_i)
        emit(f, RV_FENCE_I);
    if (skip)
        patch_branch(f, skip, BNE, T0, ZERO, f->pc);
    emit(f, rv_jalr(RA, S2, 0));
    emit(f, rv_addi(S0, S0, -1));
    emit(f, rv_branch(BNE, S0, ZERO, off(f->pc, LOOP)));
    emit_jump(f, END);
    f->pc = RAM_BASE;
    emit_li(f, S0, 1100);
    emit_li(f, S1, TEMPLATES);
    emit_li(f, S2, DEST);
    emit_jump(f, LOOP);
}

/* Both templates ran: a1 is neither 1100 * 3 nor 1100 * -5. */
static void expect_copy(Fixture *f, const void *arg)
{
    (void)arg;
    assert_int_not_equal(reg(f, A1), 1100 * 3);
    assert_int_not_equal(reg(f, A1), (uint32_t)(1100 * -5));
}

static void test_code_copied_then_run_with_fence_i(void **state)
{
    CopyCase rare = {.fence_i = true}, often = {.fence_i = true, .every_time = true};
    check_program_expecting(*state, NULL, build_copy, &rare, 100000, 2, expect_copy);
    check_program_expecting(*state, NULL, build_copy, &often, 100000, 2, expect_copy);
}

static void test_code_copied_then_run_without_fence_i(void **state)
{
    CopyCase rare = {0}, often = {.every_time = true};
    check_program_expecting(*state, NULL, build_copy, &rare, 100000, 2, expect_copy);
    check_program_expecting(*state, NULL, build_copy, &often, 100000, 2, expect_copy);
}

/* ---- the self-loop fast path ---- */

typedef enum LoopCase {
    LOOP_DEVICE_IRQ,  /* a device read raises MEI every 37th read */
    LOOP_PLAIN,       /* arithmetic only: instruction limits cut it */
    LOOP_TIMER,       /* a clock event every 377 cycles raises MTI */
    LOOP_TIMER_MASKED,/* the same with interrupts off: the events still run */
    LOOP_STOP_EVENT,  /* an event asks the CPU to stop mid-loop */
} LoopCase;

/* One block that branches to itself, 3000 times. */
static void build_self_loop(Fixture *f, const void *arg)
{
    LoopCase c = *(const LoopCase *)arg;
    emit_handler(f);
    emit_end(f);
    f->pc = RAM_BASE;
    emit_li(f, S0, 3000);
    emit_li(f, S1, EDGE_BASE);
    emit_li(f, A2, 0x12345);
    if (c == LOOP_DEVICE_IRQ) {
        emit(f, rv_addi(T0, ZERO, 37));
        emit(f, rv_store(SW, T0, S1, EDGE_IRQ_EVERY));
        enable_interrupts(f, MIP_MEIP);
    }
    if (c == LOOP_TIMER || c == LOOP_TIMER_MASKED) {
        emit(f, rv_addi(T0, ZERO, 377));
        emit(f, rv_store(SW, T0, S1, EDGE_PERIOD));
        emit(f, rv_addi(T0, ZERO, 1001));
        emit(f, rv_store(SW, T0, S1, EDGE_TIMER));
        if (c == LOOP_TIMER)
            enable_interrupts(f, MIP_MTIP);
    }
    if (c == LOOP_STOP_EVENT) {
        emit_li(f, T0, 12345);
        emit(f, rv_store(SW, T0, S1, EDGE_STOP_IN));
    }
    emit_jump(f, LOOP);
    f->pc = LOOP;
    if (c == LOOP_DEVICE_IRQ)
        emit(f, rv_load(LW, T0, S1, EDGE_COUNTER));
    else
        emit(f, rv_m(MUL, T0, S0, S0));
    emit(f, rv_add(A1, A1, T0));
    emit(f, rv_xor(A2, A2, A1));
    emit(f, rv_slli(A3, A2, 3));
    emit(f, rv_add(A4, A4, A3));
    emit(f, rv_addi(S0, S0, -1));
    emit(f, rv_branch(BNE, S0, ZERO, off(f->pc, LOOP)));
    emit_jump(f, END);
}

/* The interrupts came (inside the loop, after the read for a device's). */
static void expect_loop_interrupts(Fixture *f, const void *arg)
{
    LoopCase c = *(const LoopCase *)arg;
    unsigned traps = csr(f, CSR_MSCRATCH);
    if (c == LOOP_DEVICE_IRQ) {
        assert_int_equal(traps, 3000 / 37);
        for (unsigned i = 0; i < traps; i++)
            assert_int_equal(log_word(f, i, 1), LOOP + 4); /* after the lw */
    } else if (c == LOOP_TIMER) {
        assert_true(traps > 40);
    } else {
        assert_int_equal(traps, 0);
    }
}

static void test_self_loop_device_interrupt_mid_loop(void **state)
{
    LoopCase c = LOOP_DEVICE_IRQ;
    check_program_expecting(*state, NULL, build_self_loop, &c, 200000, 1,
                            expect_loop_interrupts);
}

static void test_self_loop_instruction_limit_mid_loop(void **state)
{
    LoopCase c = LOOP_PLAIN;
    check_program(*state, NULL, build_self_loop, &c, 200000, 1);
    /* every limit from 1 to 40 past a point where the loop is translated */
    for (uint64_t n = 1; n <= 40; n++) {
        Twin *t = twin_open(*state, NULL, build_self_loop, &c);
        twin_run(t, 5000, "warming up");
        twin_run(t, n, "a short run");
        twin_run(t, 3 * n + 1, "a short run");
        twin_run_to_stop(t, 200000);
        twin_close(*state, t);
    }
}

static void test_self_loop_clock_event_mid_loop(void **state)
{
    LoopCase c = LOOP_TIMER;
    check_program_expecting(*state, NULL, build_self_loop, &c, 200000, 1,
                            expect_loop_interrupts);
    c = LOOP_TIMER_MASKED;
    check_program_expecting(*state, NULL, build_self_loop, &c, 200000, 1,
                            expect_loop_interrupts);
}

static void test_self_loop_stop_event_mid_loop(void **state)
{
    LoopCase c = LOOP_STOP_EVENT;
    Twin *t = twin_open(*state, NULL, build_self_loop, &c);
    assert_int_equal(twin_run(t, 1000000, "the event's stop"), CPU_STOP_REQUESTED);
    assert_int_equal(cpu_cycles(t->interp.f.cpu), 12345 + 8);
    twin_run_to_stop(t, 1000000);
    assert_translated(t, 1);
    twin_close(*state, t);
}

/* ---- device accesses inside translated code ---- */

typedef enum DevCase {
    DEV_IRQ_STORE,    /* a store raises MEI: taken right after it */
    DEV_REMAP_RAM2,   /* a store moves or unmaps RAM2 between its accesses */
    DEV_UNMAP_CODE,   /* code in RAM3 unmaps RAM3 (the next fetch faults) */
    DEV_BUS_ERROR,    /* loads and stores the device refuses */
} DevCase;

/* A loop of two blocks (LOOP chains to NEXT) whose first block talks to
 * the edge device. */
static void build_device(Fixture *f, const void *arg)
{
    DevCase c = *(const DevCase *)arg;
    emit_handler_with(f, c == DEV_UNMAP_CODE ? H_RESTORE_MAPS : 0);
    emit_end(f);
    uint32_t loop = c == DEV_UNMAP_CODE ? RAM3_BASE : LOOP, next = loop + 0x300;
    f->pc = RAM_BASE;
    emit_li(f, S0, 1500);
    emit_li(f, S1, EDGE_BASE);
    emit_li(f, S2, RAM2_BASE);
    emit_li(f, S3, RAM2_AWAY);
    if (c == DEV_IRQ_STORE)
        enable_interrupts(f, MIP_MEIP);
    emit_jump(f, loop);
    f->pc = loop;
    emit(f, rv_addi(A1, A1, 1));
    switch (c) {
    case DEV_IRQ_STORE:
        emit_every(f, T3, S0, 7);
        emit(f, rv_store(SW, T3, S1, EDGE_MEI));
        break;
    case DEV_REMAP_RAM2: /* every 256th: away (1) or unmapped (2), then back */
        emit(f, rv_load(LW, T0, S2, 0));
        emit(f, rv_add(A1, A1, T0));
        emit_every(f, T3, S0, 255);
        emit(f, rv_srli(T4, S0, 8));
        emit(f, rv_andi(T4, T4, 1));
        emit(f, rv_add(T4, T4, T3));
        emit(f, rv_m(MUL, T4, T4, T3));
        emit(f, rv_store(SW, T4, S1, EDGE_REMAP));
        emit(f, rv_load(LW, T0, S2, 8));   /* faults when RAM2 is not home */
        emit(f, rv_add(A1, A1, T0));
        emit(f, rv_store(SW, A1, S2, 12)); /* likewise */
        emit(f, rv_load(LW, T0, S3, 16));  /* faults unless RAM2 is away */
        emit(f, rv_add(A1, A1, T0));
        emit(f, rv_store(SW, A1, S3, 20));
        emit(f, rv_store(SW, ZERO, S1, EDGE_REMAP));
        emit(f, rv_load(LW, T0, S2, 8));
        emit(f, rv_add(A1, A1, T0));
        break;
    case DEV_UNMAP_CODE:
        emit_every(f, T3, S0, 255);
        emit(f, rv_store(SW, T3, S1, EDGE_RAM3)); /* the next fetch faults */
        break;
    case DEV_BUS_ERROR:
        emit(f, rv_load(LW, T0, S1, EDGE_FAULT));
        emit(f, rv_add(A1, A1, T0));
        emit(f, rv_store(SW, A1, S1, EDGE_FAULT));
        emit(f, rv_load(LBU, T0, S1, EDGE_COUNTER));
        emit(f, rv_add(A1, A1, T0));
        break;
    }
    emit(f, rv_addi(A2, A2, 1));
    emit(f, rv_add(A3, A3, A2));
    emit(f, rv_xor(A4, A4, A1));
    emit_jump(f, next);
    f->pc = next;
    emit(f, rv_addi(S0, S0, -1));
    emit(f, rv_add(A5, A5, A3));
    emit(f, rv_branch(BNE, S0, ZERO, off(f->pc, loop)));
    emit_jump(f, END);
}

static void expect_device(Fixture *f, const void *arg)
{
    DevCase c = *(const DevCase *)arg;
    unsigned traps = csr(f, CSR_MSCRATCH);
    switch (c) {
    case DEV_IRQ_STORE: /* 1500 / 8 interrupts, each right after the store */
        assert_int_equal(traps, 1500 / 8);
        for (unsigned i = 0; i < traps; i++)
            assert_int_equal(log_word(f, i, 1), LOOP + 16);
        break;
    case DEV_REMAP_RAM2:
    case DEV_UNMAP_CODE:
    case DEV_BUS_ERROR:
        assert_true(traps >= 5);
        break;
    }
}

static void test_device_store_raises_interrupt_in_translated_block(void **state)
{
    DevCase c = DEV_IRQ_STORE;
    check_program_expecting(*state, NULL, build_device, &c, 200000, 2, expect_device);
}

static void test_device_remaps_ram_in_translated_block(void **state)
{
    DevCase c = DEV_REMAP_RAM2;
    check_program_expecting(*state, NULL, build_device, &c, 300000, 2, expect_device);
}

static void test_device_unmaps_running_code(void **state)
{
    DevCase c = DEV_UNMAP_CODE;
    check_program_expecting(*state, NULL, build_device, &c, 300000, 2, expect_device);
}

static void test_device_bus_error_in_translated_block(void **state)
{
    DevCase c = DEV_BUS_ERROR;
    check_program_expecting(*state, NULL, build_device, &c, 300000, 2, expect_device);
}

/* A store asking for a stop in the middle of a translated block: each run
 * ends right after it, at the same instruction on both. */
static void build_stopper(Fixture *f, const void *arg)
{
    (void)arg;
    emit_handler(f);
    emit_end(f);
    f->pc = RAM_BASE;
    emit_li(f, S0, 300);
    emit_li(f, S1, EDGE_BASE);
    emit_jump(f, LOOP);
    f->pc = LOOP;
    emit(f, rv_addi(A1, A1, 1));
    emit(f, rv_store(SW, A1, S1, EDGE_STOP));
    emit(f, rv_addi(A2, A1, 3));
    emit(f, rv_xor(A3, A3, A2));
    emit(f, rv_addi(S0, S0, -1));
    emit(f, rv_branch(BNE, S0, ZERO, off(f->pc, LOOP)));
    emit_jump(f, END);
}

static void test_device_stop_request_in_translated_block(void **state)
{
    Twin *t = twin_open(*state, NULL, build_stopper, NULL);
    for (unsigned i = 0; i < 300; i++) {
        char where[48];
        snprintf(where, sizeof where, "stop %u", i);
        assert_int_equal(twin_run_some(t, 100000, where, i % 16 == 0), CPU_STOP_REQUESTED);
        assert_int_equal(cpu_get_pc(t->interp.f.cpu), LOOP + 8);
    }
    twin_run_to_stop(t, 100000);
    assert_translated(t, 1);
    twin_close(*state, t);
}

/* ---- memory edges ---- */

/* Loads and stores of every width, aligned and not, at the last bytes of
 * RAM (RAM3 follows it: accesses straddle the two), of RAM3, RAM2 and ROM
 * (nothing follows them) and at the first byte after each; loads to x0
 * from a device, from nowhere and misaligned; 150 times. Faults go to the
 * handler, which skips them. */
static void build_memory_edges(Fixture *f, const void *arg)
{
    (void)arg;
    emit_handler(f);
    emit_end(f);
    static const unsigned bases[] = {S2, S3, S4, S5};
    static const struct {
        unsigned op, f3;
        int32_t at;
    } accesses[] = {
        {OPC_LOAD, LW, -4}, {OPC_LOAD, LH, -2}, {OPC_LOAD, LHU, -4}, {OPC_LOAD, LB, -1},
        {OPC_LOAD, LBU, -3}, {OPC_LOAD, LW, -3}, {OPC_LOAD, LW, -2}, {OPC_LOAD, LW, -1},
        {OPC_LOAD, LH, -1}, {OPC_LOAD, LHU, -3}, {OPC_LOAD, LW, 0}, {OPC_LOAD, LH, -5},
        {OPC_STORE, SW, -4}, {OPC_STORE, SH, -2}, {OPC_STORE, SB, -1}, {OPC_STORE, SW, -3},
        {OPC_STORE, SW, -2}, {OPC_STORE, SW, -1}, {OPC_STORE, SH, -1}, {OPC_STORE, SH, -3},
        {OPC_STORE, SB, -4}, {OPC_STORE, SW, 0},
    };
    f->pc = RAM_BASE;
    emit_li(f, S0, 150);
    emit_li(f, S1, EDGE_BASE);
    emit_li(f, S2, RAM3_BASE);            /* the end of RAM, the start of RAM3 */
    emit_li(f, S3, RAM3_BASE + RAM3_SIZE);
    emit_li(f, S4, RAM2_BASE + RAM2_SIZE);
    emit_li(f, S5, ROM_BASE + ROM_SIZE);
    emit_li(f, S6, 0x70000000u);          /* nothing there */
    emit_jump(f, LOOP);
    f->pc = LOOP;
    for (size_t b = 0; b < sizeof bases / sizeof bases[0]; b++) {
        for (size_t i = 0; i < sizeof accesses / sizeof accesses[0]; i++) {
            if (accesses[i].op == OPC_LOAD) {
                emit(f, rv_load(accesses[i].f3, T0, bases[b], accesses[i].at));
                emit(f, rv_add(A1, A1, T0));
                emit(f, rv_slli(A2, A1, 1));
                emit(f, rv_xor(A1, A1, A2));
            } else {
                emit(f, rv_store(accesses[i].f3, A1, bases[b], accesses[i].at));
                emit(f, rv_addi(A1, A1, 0x101));
            }
        }
    }
    emit(f, rv_load(LW, ZERO, S1, EDGE_COUNTER)); /* x0: the read still happens */
    emit(f, rv_load(LW, ZERO, S1, EDGE_FAULT));   /* and faults */
    emit(f, rv_load(LW, ZERO, S6, 0));
    emit(f, rv_load(LH, ZERO, S2, -1));
    emit(f, rv_load(LW, ZERO, S2, -2));
    emit(f, rv_load(LW, T0, S1, EDGE_COUNTER));
    emit(f, rv_add(A1, A1, T0));
    emit(f, rv_addi(S0, S0, -1));
    emit(f, rv_branch(BNE, S0, ZERO, off(f->pc, LOOP)));
    emit_jump(f, END);
}

static void expect_memory_edges(Fixture *f, const void *arg)
{
    (void)arg;
    assert_true(csr(f, CSR_MSCRATCH) >= 150 * 10);
}

static void test_memory_edges_misaligned_trapped(void **state)
{
    Setup setup = {0};
    check_program_expecting(*state, &setup, build_memory_edges, NULL, 2000000, 4,
                            expect_memory_edges);
}

static void test_memory_edges_misaligned_emulated(void **state)
{
    Setup setup = {.emulate_misaligned = true};
    check_program_expecting(*state, &setup, build_memory_edges, NULL, 2000000, 4,
                            expect_memory_edges);
}

/* ---- jumps without C ---- */

/* rv32ima: jalr to FUNC + 0, 2, 4, 6 in turn (2 and 6 trap, rd kept),
 * jalr with an odd immediate, jalr with rd == rs1 (to a function that
 * returns through t2, and to a misaligned target), jal and taken
 * branches to misaligned targets (not translated: the interpreter
 * raises), an untaken one (no trap). */
static void build_jumps(Fixture *f, const void *arg)
{
    (void)arg;
    emit_handler(f);
    emit_end(f);
    f->pc = FUNC;
    emit(f, rv_addi(A1, A1, 1));
    emit(f, rv_addi(A2, A2, 2));    /* FUNC + 4 */
    emit(f, rv_jalr(ZERO, RA, 0));
    f->pc = FUNC2;
    emit(f, rv_addi(A3, A3, 1));
    emit(f, rv_jalr(ZERO, T2, 0));  /* returns through t2 */
    f->pc = RAM_BASE;
    emit_li(f, S0, 400);
    emit_li(f, S1, FUNC);
    emit_li(f, S2, FUNC2);
    emit_jump(f, LOOP);
    f->pc = LOOP;
    emit(f, rv_andi(T0, S0, 3));
    emit(f, rv_slli(T0, T0, 1));
    emit(f, rv_add(T1, S1, T0));
    emit(f, rv_addi(RA, ZERO, 0x77)); /* kept by a jalr that traps */
    emit(f, rv_jalr(RA, T1, 0));
    emit(f, rv_jalr(RA, S1, 1));      /* bit 0 cleared: FUNC */
    emit(f, rv_addi(RA, ZERO, 0x99));
    emit(f, rv_jalr(RA, S1, 3));      /* FUNC + 2: traps */
    emit(f, rv_addi(T2, S2, 0));
    emit(f, rv_jalr(T2, T2, 0));      /* rd == rs1 */
    emit(f, rv_addi(T2, S2, 0));
    emit(f, rv_jalr(T2, T2, 2));      /* rd == rs1, traps, t2 kept */
    emit(f, rv_add(A4, A4, T2));
    emit(f, rv_add(A4, A4, RA));
    emit(f, rv_jal(RA, 6));           /* traps */
    emit(f, rv_add(A4, A4, RA));
    emit(f, rv_branch(BEQ, ZERO, ZERO, 6)); /* taken: traps */
    emit(f, rv_branch(BNE, ZERO, ZERO, 10)); /* not taken */
    emit(f, rv_andi(T0, S0, 1));
    emit(f, rv_branch(BEQ, T0, ZERO, 14));  /* taken every other time: traps */
    emit(f, rv_addi(S0, S0, -1));
    emit(f, rv_branch(BNE, S0, ZERO, off(f->pc, LOOP)));
    emit_jump(f, END);
}

static void expect_jumps(Fixture *f, const void *arg)
{
    (void)arg;
    /* per iteration: jalr to FUNC+2 or +6 every other time, jalr 3(s1),
     * jalr t2, 2(t2), jal, beq; the last beq every other time */
    assert_int_equal(csr(f, CSR_MSCRATCH), 400 / 2 + 400 * 4 + 400 / 2);
    bool misaligned_seen = false;
    for (unsigned i = 0; i < 64; i++)
        misaligned_seen |= log_word(f, i, 0) == CPU_CAUSE_FETCH_MISALIGNED &&
                           log_word(f, i, 2) == FUNC + 2;
    assert_true(misaligned_seen);
}

static void test_jumps_to_misaligned_targets_without_c(void **state)
{
    Setup setup = {.isa = "rv32ima"};
    check_program_expecting(*state, &setup, build_jumps, NULL, 500000, 2, expect_jumps);
}

/* ---- the M extension ---- */

static const uint32_t m_values[] = {
    0, 1, 0xffffffffu, 2, 0x80000000u, 0x7fffffffu, 0x80000001u, 0xfffffffeu,
    12345, 0xfffffff9u, 3, 0x55555555u,
};
#define M_NVALUES (sizeof m_values / sizeof m_values[0])
#define M_RESULTS 0x80004000u /* 16 KiB, below TRAPLOG */

/* Every M operation on every pair of m_values (3 passes, so the block is
 * hot), with results stored to a ring; operands in registers of every
 * kind: global (a2-a5), the block's busiest (in host registers) and
 * others (in memory), x0, rd == rs1, rd == rs2, rs1 == rs2. */
static void build_m_edges(Fixture *f, const void *arg)
{
    (void)arg;
    emit_handler(f);
    emit_end(f);
    for (size_t i = 0; i < M_NVALUES; i++)
        poke32(f, DATA + 4 * (uint32_t)i, m_values[i]);
    f->pc = RAM_BASE;
    emit_li(f, S0, 3 * M_NVALUES * M_NVALUES);
    emit_li(f, S1, DATA);
    emit_li(f, S2, M_RESULTS);      /* results, 64 bytes an iteration, in a ring */
    emit_li(f, S5, M_RESULTS);
    emit(f, rv_addi(S3, ZERO, 0)); /* i */
    emit(f, rv_addi(S4, ZERO, 0)); /* j */
    emit_jump(f, LOOP);
    f->pc = LOOP;
    emit(f, rv_slli(T0, S3, 2));
    emit(f, rv_add(T0, T0, S1));
    emit(f, rv_load(LW, A2, T0, 0));  /* a2: a global register */
    emit(f, rv_slli(T0, S4, 2));
    emit(f, rv_add(T0, T0, S1));
    emit(f, rv_load(LW, S8, T0, 0));  /* s8: busy, in a host register */
    emit(f, rv_addi(A6, A2, 0));      /* a6, a7: copies, one of them in memory */
    emit(f, rv_addi(A7, S8, 0));
    static const unsigned ops[] = {MUL, MULH, MULHSU, MULHU, DIV, DIVU, REM, REMU};
    for (int32_t k = 0; k < 8; k++) {
        emit(f, rv_m(ops[k], T1, A2, S8));
        emit(f, rv_m(ops[k], T2, A6, A7));
        emit(f, rv_xor(T1, T1, T2));
        emit(f, rv_m(ops[k], T2, S8, A2)); /* swapped */
        emit(f, rv_add(T1, T1, T2));
        emit(f, rv_store(SW, T1, S2, 4 * k));
    }
    /* rd == rs1, rd == rs2, rs1 == rs2, x0 */
    emit(f, rv_addi(A3, A2, 0));
    emit(f, rv_m(DIV, A3, A3, S8));
    emit(f, rv_addi(A4, S8, 0));
    emit(f, rv_m(REM, A4, A2, A4));
    emit(f, rv_m(MULH, A5, A2, A2));
    emit(f, rv_m(DIVU, T1, A2, ZERO));
    emit(f, rv_m(REM, T2, ZERO, S8));
    emit(f, rv_m(MULHSU, ZERO, A2, S8));
    emit(f, rv_store(SW, A3, S2, 32));
    emit(f, rv_store(SW, A4, S2, 36));
    emit(f, rv_store(SW, A5, S2, 40));
    emit(f, rv_store(SW, T1, S2, 44));
    emit(f, rv_store(SW, T2, S2, 48));
    emit(f, rv_addi(S2, S2, 64));      /* the ring: 256 slots (16 KiB-aligned) */
    emit(f, rv_slli(S2, S2, 18));
    emit(f, rv_srli(S2, S2, 18));
    emit(f, rv_or(S2, S2, S5));
    emit(f, rv_addi(S4, S4, 1));       /* next pair */
    emit(f, rv_sltiu(T0, S4, M_NVALUES));
    emit(f, rv_addi(T0, T0, -1));      /* 0 while j < n, else -1 */
    emit(f, rv_sub(S3, S3, T0));
    emit(f, rv_addi(T1, ZERO, M_NVALUES));
    emit(f, rv_and(T1, T1, T0));
    emit(f, rv_sub(S4, S4, T1));
    emit(f, rv_sltiu(T0, S3, M_NVALUES)); /* i wraps too */
    emit(f, rv_addi(T0, T0, -1));
    emit(f, rv_and(T1, T0, S3));
    emit(f, rv_sub(S3, S3, T1));
    emit(f, rv_addi(S0, S0, -1));
    emit(f, rv_branch(BNE, S0, ZERO, off(f->pc, LOOP)));
    emit_jump(f, END);
}

static void test_m_extension_edges(void **state)
{
    check_program(*state, NULL, build_m_edges, NULL, 1000000, 1);
}

/* The results of the last pass against the spec's semantics computed
 * here: the comparison above has the interpreter as its reference, this
 * pins the reference (and so both) to the spec on the worst cases. */
static void test_m_extension_edges_match_the_spec(void **state)
{
    Twin *t = twin_open(*state, NULL, build_m_edges, NULL);
    twin_run_to_stop(t, 1000000);
    /* the last pass wrote each pair's results; pair (i, j) of the third
     * pass is iteration 2n^2 + i*n + j, in ring slot (that) % 256 */
    Fixture *f = &t->jit.f;
    for (size_t i = 0; i < M_NVALUES; i++) {
        for (size_t j = 0; j < M_NVALUES; j++) {
            uint32_t a = m_values[i], b = m_values[j];
            uint32_t iteration = (uint32_t)(2 * M_NVALUES * M_NVALUES + i * M_NVALUES + j);
            uint32_t slot = M_RESULTS + 64 * (iteration % 256);
            int64_t sa = (int32_t)a, sb = (int32_t)b;
            uint32_t div = b == 0 ? 0xffffffffu
                           : a == 0x80000000u && b == 0xffffffffu ? a
                                                                  : (uint32_t)(int32_t)(sa / sb);
            uint32_t rem = b == 0 ? a
                           : a == 0x80000000u && b == 0xffffffffu ? 0
                                                                  : (uint32_t)(int32_t)(sa % sb);
            assert_int_equal(peek32(f, slot + 32), div);
            assert_int_equal(peek32(f, slot + 36), rem);
            assert_int_equal(peek32(f, slot + 40), (uint32_t)((uint64_t)(sa * sa) >> 32));
            assert_int_equal(peek32(f, slot + 44), 0xffffffffu);
            uint32_t rem0 = 0; /* 0 % b: 0 (b == 0: 0) */
            assert_int_equal(peek32(f, slot + 48), rem0);
        }
    }
    twin_close(*state, t);
}

/* ---- mret ---- */

typedef enum MretCase {
    MRET_ECALL,        /* ecall's handler returns with a translated mret */
    MRET_UNMASKS,      /* that mret unmasks a pending MEI: taken at once */
} MretCase;

static void build_mret(Fixture *f, const void *arg)
{
    MretCase c = *(const MretCase *)arg;
    emit_handler_with(f, c == MRET_UNMASKS ? H_RAISE_ON_ECALL : 0);
    emit_end(f);
    f->pc = RAM_BASE;
    emit_li(f, S0, 600);
    emit_li(f, S1, EDGE_BASE);
    if (c == MRET_UNMASKS) {
        enable_interrupts(f, MIP_MEIP);
    } else {
        emit(f, rv_addi(T0, ZERO, 5)); /* and an interrupt every 5th read */
        emit(f, rv_store(SW, T0, S1, EDGE_IRQ_EVERY));
        enable_interrupts(f, MIP_MEIP);
    }
    emit_jump(f, LOOP);
    f->pc = LOOP;
    emit(f, rv_addi(A1, A1, 1));
    emit(f, RV_ECALL);
    emit(f, rv_add(A2, A2, A1));
    emit(f, rv_load(LW, T0, S1, EDGE_COUNTER));
    emit(f, rv_xor(A3, A3, T0));
    emit(f, rv_addi(S0, S0, -1));
    emit(f, rv_branch(BNE, S0, ZERO, off(f->pc, LOOP)));
    emit_jump(f, END);
}

static void expect_mret(Fixture *f, const void *arg)
{
    MretCase c = *(const MretCase *)arg;
    if (c == MRET_UNMASKS) { /* each ecall's return takes MEI at its target */
        assert_int_equal(csr(f, CSR_MSCRATCH), 2 * 600);
        for (unsigned i = 0; i < 64; i += 2) {
            assert_int_equal(log_word(f, i, 0), CPU_CAUSE_ECALL_M);
            assert_int_equal(log_word(f, i + 1, 0), MCAUSE_INTERRUPT | CPU_IRQ_MEI);
            assert_int_equal(log_word(f, i + 1, 1), LOOP + 8);
        }
    } else {
        assert_int_equal(csr(f, CSR_MSCRATCH), 600 + 600 / 5);
    }
}

static void test_mret_in_translated_code(void **state)
{
    MretCase c = MRET_ECALL;
    check_program_expecting(*state, NULL, build_mret, &c, 200000, 2, expect_mret);
}

static void test_mret_unmasking_a_pending_interrupt(void **state)
{
    MretCase c = MRET_UNMASKS;
    check_program_expecting(*state, NULL, build_mret, &c, 200000, 2, expect_mret);
}

/* M-mode enters U-mode code by mret; under PMP the U code may read and
 * write DATA's 4 KiB and run from its own, and nothing else: its store
 * to the log area and its device read fault (access faults), its ecall
 * comes back to M-mode, whose handler returns to U-mode by mret again
 * (translated once hot). Translated code must not run in U-mode. */
static void build_user(Fixture *f, const void *arg)
{
    bool mprv = arg && *(const bool *)arg;
    emit_handler(f);
    emit_end(f);
    /* pmp0: NAPOT 4 KiB at U_CODE & ~0xfff, R+X; pmp1: NAPOT DATA 4 KiB, R+W */
    uint32_t code4k = U_CODE & ~0xfffu;
    assert_true(cpu_csr_set(f->cpu, CSR_PMPADDR0, (code4k >> 2) | 0x1ff));
    assert_true(cpu_csr_set(f->cpu, CSR_PMPADDR0 + 1, (DATA >> 2) | 0x1ff));
    uint32_t napot = PMP_NAPOT << PMP_A_SHIFT;
    assert_true(cpu_csr_set(f->cpu, CSR_PMPCFG0,
                            (napot | PMP_R | PMP_X) | (napot | PMP_R | PMP_W) << 8));
    f->pc = RAM_BASE;
    emit_li(f, S0, 500);
    emit_li(f, S1, DATA);
    emit_li(f, S2, TRAPLOG - 16);
    emit_li(f, S3, EDGE_BASE);
    emit_li(f, T0, U_CODE);
    emit(f, rv_csrw(CSR_MEPC, T0));
    if (mprv) /* M-mode's own accesses checked as U's until the mret */
        emit_li(f, T0, MSTATUS_MPRV);
    else
        emit(f, rv_addi(T0, ZERO, 0));
    emit(f, rv_csrw(CSR_MSTATUS, T0)); /* MPP = U */
    emit(f, rv_load(LW, T1, S1, 0));   /* fine either way */
    emit(f, RV_MRET);
    f->pc = U_CODE;
    emit(f, rv_addi(A1, A1, 1));
    emit(f, rv_load(LW, T0, S1, 0));
    emit(f, rv_add(A2, A2, T0));
    emit(f, rv_store(SW, A1, S1, 4));  /* allowed */
    emit(f, rv_store(SW, A1, S2, 0));  /* not allowed: access fault */
    emit(f, rv_load(LW, T0, S3, EDGE_COUNTER)); /* not allowed */
    emit(f, rv_add(A3, A3, T0));
    emit(f, RV_ECALL);                 /* cause 8: back here after */
    emit(f, rv_addi(S0, S0, -1));
    emit(f, rv_branch(BNE, S0, ZERO, off(f->pc, U_CODE)));
    emit(f, RV_EBREAK);                /* U cannot stop the run: it spins */
    emit(f, rv_jal(ZERO, 0));
}

static void test_mret_to_user_mode_under_pmp(void **state)
{
    for (int mprv = 0; mprv < 2; mprv++) {
        bool arg = mprv;
        Twin *t = twin_open(*state, NULL, build_user, &arg);
        for (unsigned i = 0; i < 40; i++)
            twin_run_some(t, 997, "in U-mode", i % 4 == 0);
        twin_run(t, 100000, "at the end");
        Fixture *f = &t->interp.f;
        assert_int_equal(reg(f, S0), 0);
        assert_int_equal(csr(f, CSR_MSCRATCH), 500 * 3 + 1);
        assert_int_equal(t->interp.f.cpu->priv, CPU_PRIV_U);
        assert_int_equal(t->interp.naccesses, 0); /* the device read never happened */
        assert_translated(t, 1);
        twin_close(*state, t);
    }
}

/* ---- many translations dropped at once ---- */

enum {
    FUNCS = RAM_BASE + 0x4000, /* NFUNCS functions of 2 instructions */
    NFUNCS = 200,
};

/* A loop calling NFUNCS tiny functions (each its own block, next to each
 * other: 32 to a 256-byte chunk) through NFUNCS jal's (each a block). */
static void build_many_functions(Fixture *f, const void *arg)
{
    (void)arg;
    emit_handler(f);
    emit_end(f);
    f->pc = FUNCS;
    for (int32_t k = 0; k < NFUNCS; k++) {
        emit(f, rv_addi(A1, A1, k));
        emit(f, rv_jalr(ZERO, RA, 0));
    }
    f->pc = RAM_BASE;
    emit_li(f, S0, 300);
    emit_jump(f, LOOP);
    f->pc = LOOP;
    for (uint32_t k = 0; k < NFUNCS; k++)
        emit(f, rv_jal(RA, (int32_t)(FUNCS + 8 * k - f->pc)));
    emit(f, rv_addi(S0, S0, -1));
    emit(f, rv_branch(BEQ, S0, ZERO, 8));
    emit_jump(f, LOOP);
    emit_jump(f, END);
}

/* Every link in the block cache's code index names a live block of the
 * pool (dead ones are unlinked lazily, but only blocks of this
 * generation may be there: the pool slots of older ones get reused). */
static void assert_code_index_sound(Cpu *cpu, const char *when)
{
    const BlockCache *bc = &cpu->blocks;
    for (size_t bucket = 0; bucket < CPU_CODE_BUCKETS; bucket++) {
        BlockLink link = bc->code_index[bucket];
        for (unsigned steps = 0; link; steps++) {
            const Block *b = (const Block *)(link & ~(uintptr_t)1);
            if (b < bc->pool || b >= bc->pool + bc->nblocks)
                fail_msg("%s: code index bucket %zu links pool block %td, but the pool "
                         "holds %zu blocks (a link left from before a flush)",
                         when, bucket, b - bc->pool, bc->nblocks);
            if (steps > bc->nblocks * 2)
                fail_msg("%s: code index bucket %zu loops", when, bucket);
            link = b->code_next[link & 1];
        }
    }
}

/* The debugger rewrites all NFUNCS functions (all translated) at once:
 * more translations die than the translator's queue of pending patches
 * holds (64), so jit_kill flushes everything from inside the block
 * cache's walk of the code index (drop_chunk). The index must come out
 * empty (the flush emptied it), and the run go on as the interpreter's.
 * With the bug the walk stores a link to a block of the flushed pool into
 * the fresh index; once the program runs from the top again that slot is
 * reused by the same block, the list closes on itself, and the next
 * write into that chunk never returns (drop_chunk loops). */
static void test_debugger_rewrites_many_translated_blocks(void **state)
{
    Twin *t = twin_open(*state, NULL, build_many_functions, NULL);
    twin_run(t, 140 * (3 * NFUNCS + 3), "before the rewrite"); /* 140 iterations */
    assert_translated(t, NFUNCS + NFUNCS / 2);
    for (int round = 0; round < 3; round++) {
        uint32_t words[2 * NFUNCS];
        for (int32_t k = 0; k < NFUNCS; k++) {
            words[2 * k] = rv_addi(A1, A1, k * (3 + round));
            words[2 * k + 1] = rv_jalr(ZERO, RA, 0);
        }
        poke(&t->jit.f, FUNCS, words, sizeof words);
        poke(&t->interp.f, FUNCS, words, sizeof words);
        /* from the top: the blocks come back in the same pool slots as
         * before (a stale link then closes a cycle: the next write into
         * that chunk would walk it forever) */
        cpu_set_pc(t->jit.f.cpu, RAM_BASE);
        cpu_set_pc(t->interp.f.cpu, RAM_BASE);
        assert_code_index_sound(t->jit.f.cpu, "after the debugger's write");
        twin_run(t, 40 * (3 * NFUNCS + 3), "after the rewrite");
        assert_code_index_sound(t->jit.f.cpu, "after running on");
    }
    twin_run_to_stop(t, 10000000);
    twin_close(*state, t);
}

enum {
    SLIDE = RAM_BASE + 0x5000, /* one 256-byte chunk: 127 c.addi, then c.jr ra */
    SLIDE_ENTRIES = 128,
};

/* A guest store, from translated code, into one chunk that holds
 * SLIDE_ENTRIES translated blocks (a slide of compressed instructions
 * entered at each of its halfwords): one store, more translations to kill
 * than the pending queue holds. The store comes right before the last
 * call of a round (every other call stores the same way into DATA); the
 * program stops after each round, twice. */
static void build_slide(Fixture *f, const void *arg)
{
    (void)arg;
    emit_handler(f);
    emit_end(f);
    f->pc = SLIDE;
    for (int i = 0; i < SLIDE_ENTRIES - 1; i++)
        emit16(f, c_addi(A1, 1));
    emit16(f, c_jr(RA));
    f->pc = RAM_BASE;
    emit_li(f, S1, EDGE_BASE);
    emit_li(f, S2, SLIDE);
    emit(f, rv_addi(S3, ZERO, SLIDE_ENTRIES));
    emit(f, rv_addi(S4, ZERO, 2));     /* two rounds */
    emit(f, rv_addi(S6, ZERO, 1));
    emit_li(f, S7, DATA);
    emit_li(f, S8, SLIDE + 64 - DATA);
    emit_jump(f, LOOP);
    f->pc = LOOP;
    emit(f, rv_addi(S0, ZERO, 140));   /* a round: 140 times every entry */
    emit_li(f, S5, 140 * SLIDE_ENTRIES);
    uint32_t outer = f->pc;
    emit(f, rv_addi(T3, ZERO, 0));
    uint32_t inner = f->pc;
    emit(f, rv_slli(T4, T3, 1));
    emit(f, rv_add(T4, T4, S2));
    emit_pick(f, S5, S6, S7, S8);      /* the round's last call: into the slide */
    emit(f, rv_load(LH, T1, T0, 0));
    emit(f, rv_store(SH, T1, T0, 0));  /* the same halfword back: still a write */
    emit(f, rv_addi(S5, S5, -1));
    emit(f, rv_jalr(RA, T4, 0));
    emit(f, rv_addi(T3, T3, 1));
    emit(f, rv_branch(BNE, T3, S3, off(f->pc, inner)));
    emit(f, rv_addi(S0, S0, -1));
    emit(f, rv_branch(BNE, S0, ZERO, off(f->pc, outer)));
    emit(f, rv_store(SW, ZERO, S1, EDGE_STOP));
    emit(f, rv_addi(S4, S4, -1));
    emit(f, rv_branch(BNE, S4, ZERO, off(f->pc, LOOP)));
    emit_jump(f, END);
}

static void test_store_kills_many_translations_in_one_chunk(void **state)
{
    Twin *t = twin_open(*state, NULL, build_slide, NULL);
    for (int round = 0; round < 2; round++) {
        assert_int_equal(twin_run(t, 10000000, "after the store into the slide"),
                         CPU_STOP_REQUESTED);
        assert_translated(t, SLIDE_ENTRIES);
        assert_code_index_sound(t->jit.f.cpu, "after the guest's store");
    }
    twin_run_to_stop(t, 10000000);
    twin_close(*state, t);
}

/* ---- the block observer ---- */

typedef struct Watcher {
    uint64_t calls, hash;
    bool stop;            /* end each cpu_run after one block */
} Watcher;

static bool watch_block(void *opaque, const Cpu *cpu)
{
    Watcher *w = opaque;
    w->calls++;
    uint64_t word = cpu_instructions_retired(cpu) << 32 | cpu_get_pc(cpu);
    w->hash = (w->hash ^ word) * 0x100000001b3ull;
    return w->stop;
}

/* build_debugger_target with a store in NEXT and a load in FUNC (for the
 * watchpoints below): every instruction translatable, so both engines end
 * their blocks at the same places. */
static void build_observed(Fixture *f, const void *arg)
{
    build_debugger_target(f, arg);
    uint32_t saved = f->pc;
    f->pc = NEXT + 4;
    emit(f, rv_store(SW, A3, S7, 0));
    emit(f, rv_jalr(RA, S6, 0));
    emit(f, rv_addi(S0, S0, -1));
    emit(f, rv_branch(BNE, S0, ZERO, off(f->pc, LOOP)));
    emit_jump(f, END);
    f->pc = FUNC;
    emit(f, rv_load(LW, T0, S7, 4));
    emit(f, rv_xori(A4, A4, 0x55));
    emit(f, rv_add(A5, A5, A4));
    emit(f, rv_add(A5, A5, T0));
    emit(f, rv_jalr(ZERO, RA, 0));
    f->pc = saved;
    cpu_set_reg(f->cpu, S7, DATA);
    poke32(f, DATA + 4, 0x1234);
}

/* Chains are patched (the loop ran hot), then an observer is set on both
 * harts: it must see the same blocks on both (no translated exit may go on
 * past it); removed, the translated run chains again. Then an observer
 * that stops after every block, as the lockstep test uses it. */
static void test_observer_set_after_chains_then_removed(void **state)
{
    Twin *t = twin_open(*state, NULL, build_observed, NULL);
    twin_run(t, 30000, "before the observer");
    assert_translated(t, 3);
    Watcher wj = {0}, wi = {0};
    cpu_set_block_observer(t->jit.f.cpu, watch_block, &wj);
    cpu_set_block_observer(t->interp.f.cpu, watch_block, &wi);
    twin_run(t, 20011, "with the observer");
    assert_true(wi.calls > 2000);
    assert_int_equal(wj.calls, wi.calls);
    assert_true(wj.hash == wi.hash);
    cpu_set_block_observer(t->jit.f.cpu, NULL, NULL);
    cpu_set_block_observer(t->interp.f.cpu, NULL, NULL);
    twin_run(t, 30000, "after the observer");
    CpuEngineStats before, after;
    cpu_engine_stats(t->jit.f.cpu, &before);
    twin_run(t, 30000, "after the observer");
    cpu_engine_stats(t->jit.f.cpu, &after);
    if (jit_here()) /* chained again: far fewer entries than blocks run */
        assert_true(after.jit_entries - before.jit_entries < 30000 / 20);
    Watcher sj = {.stop = true}, si = {.stop = true};
    cpu_set_block_observer(t->jit.f.cpu, watch_block, &sj);
    cpu_set_block_observer(t->interp.f.cpu, watch_block, &si);
    for (unsigned i = 0; i < 3000; i++)
        assert_int_equal(twin_run_some(t, 100000, "one block at a time", i % 64 == 0),
                         CPU_STOP_REQUESTED);
    assert_true(sj.hash == si.hash);
    cpu_set_block_observer(t->jit.f.cpu, NULL, NULL);
    cpu_set_block_observer(t->interp.f.cpu, NULL, NULL);
    cpu_set_reg(t->jit.f.cpu, S0, 1000);
    cpu_set_reg(t->interp.f.cpu, S0, 1000);
    twin_run_to_stop(t, 1000000);
    twin_close(*state, t);
}

/* ---- breakpoints and watchpoints added after translation ---- */

static void add_breakpoint(Twin *t, uint32_t pc)
{
    cpu_breakpoint_add(t->jit.f.cpu, pc);
    cpu_breakpoint_add(t->interp.f.cpu, pc);
}

static void remove_breakpoint(Twin *t, uint32_t pc)
{
    cpu_breakpoint_remove(t->jit.f.cpu, pc);
    cpu_breakpoint_remove(t->interp.f.cpu, pc);
}

static void stops_at(Twin *t, CpuStopReason why, uint32_t pc, const char *where)
{
    assert_int_equal(twin_run(t, 1000000, where), why);
    assert_int_equal(cpu_get_pc(t->interp.f.cpu), pc);
}

static void test_breakpoints_added_after_translation(void **state)
{
    Twin *t = twin_open(*state, NULL, build_observed, NULL);
    twin_run(t, 30000, "warming up");
    assert_translated(t, 3);
    static const uint32_t where[] = {LOOP + 8, LOOP, NEXT, NEXT + 4, FUNC, FUNC + 8};
    for (size_t i = 0; i < sizeof where / sizeof where[0]; i++) {
        add_breakpoint(t, where[i]);
        for (unsigned k = 0; k < 3; k++)
            stops_at(t, CPU_STOP_BREAKPOINT, where[i], "at a breakpoint");
        remove_breakpoint(t, where[i]);
        twin_run(t, 3001, "after the breakpoint");
        twin_run(t, 3000, "after the breakpoint");
    }
    twin_close(*state, t);
}

static void test_watchpoints_added_after_translation(void **state)
{
    Twin *t = twin_open(*state, NULL, build_observed, NULL);
    twin_run(t, 30000, "warming up");
    assert_translated(t, 3);
    static const struct {
        uint32_t addr, len;
        CpuWatchKind kind;
        uint32_t pc;
    } watches[] = {
        {DATA, 4, CPU_WATCH_WRITE, NEXT + 4},
        {DATA + 4, 1, CPU_WATCH_READ, FUNC},
        {DATA + 2, 4, CPU_WATCH_READ | CPU_WATCH_WRITE, 0}, /* 0: either */
    };
    for (size_t i = 0; i < sizeof watches / sizeof watches[0]; i++) {
        assert_true(cpu_watchpoint_add(t->jit.f.cpu, watches[i].addr, watches[i].len,
                                       watches[i].kind));
        assert_true(cpu_watchpoint_add(t->interp.f.cpu, watches[i].addr, watches[i].len,
                                       watches[i].kind));
        for (unsigned k = 0; k < 3; k++) {
            assert_int_equal(twin_run(t, 1000000, "at a watchpoint"), CPU_STOP_WATCHPOINT);
            uint32_t pc = cpu_get_pc(t->interp.f.cpu);
            if (watches[i].pc)
                assert_int_equal(pc, watches[i].pc);
            else
                assert_true(pc == NEXT + 4 || pc == FUNC);
        }
        cpu_watchpoint_remove(t->jit.f.cpu, watches[i].addr, watches[i].len, watches[i].kind);
        cpu_watchpoint_remove(t->interp.f.cpu, watches[i].addr, watches[i].len,
                              watches[i].kind);
        twin_run(t, 3001, "after the watchpoint");
        twin_run(t, 3000, "after the watchpoint");
    }
    twin_close(*state, t);
}

/* ---- a code cache that fills up ---- */

enum {
    BIG_FUNCS = 480,                    /* of 64 instructions: 62 stores */
    BIG_DRIVER = BIG_BASE + 0x80000,
    BIG_DATA = BIG_BASE + 0x100000,
};

static void build_cache_filler(Fixture *f, const void *arg)
{
    uint32_t iterations = *(const uint32_t *)arg;
    emit_handler(f);
    emit_end(f);
    f->pc = BIG_BASE;
    for (uint32_t k = 0; k < BIG_FUNCS; k++) {
        emit(f, rv_addi(A1, A1, (int32_t)k));
        for (int32_t i = 0; i < 62; i++)
            emit(f, rv_store(i & 1 ? SH : SW, A1, S1, (int32_t)((k * 8 + 4 * i) & 0x7fc)));
        emit(f, rv_jalr(ZERO, RA, 0));
    }
    f->pc = BIG_DRIVER;
    for (uint32_t k = 0; k < BIG_FUNCS; k++)
        emit(f, rv_jal(RA, (int32_t)(BIG_BASE + 256 * k - f->pc)));
    emit(f, rv_addi(S0, S0, -1));
    emit(f, rv_branch(BEQ, S0, ZERO, 8));
    emit_jump(f, BIG_DRIVER);
    emit_li(f, T0, END);
    emit(f, rv_jalr(ZERO, T0, 0));
    f->pc = RAM_BASE;
    emit_li(f, S0, iterations);
    emit_li(f, S1, BIG_DATA);
    emit_li(f, T0, BIG_DRIVER);
    emit(f, rv_jalr(ZERO, T0, 0));
}

/* More hot code than the 4 MiB cache holds: it fills (and is emptied)
 * while the program runs, which goes on exactly as the interpreter's. */
static void test_code_cache_fills_while_running(void **state)
{
    Setup setup = {.big = true};
    uint32_t iterations = 300;
    Twin *t = twin_open(*state, &setup, build_cache_filler, &iterations);
    twin_run_to_stop(t, 100000000);
    CpuEngineStats st;
    cpu_engine_stats(t->jit.f.cpu, &st);
    say_stats(t, "one run");
    if (jit_here())
        assert_true(st.code_flushes >= 2 && st.blocks_translated > BIG_FUNCS);
    twin_close(*state, t);
    t = twin_open(*state, &setup, build_cache_filler, &iterations);
    twin_run_slices(t, 0x2545f4914f6cdd1dull, 400000, 100000000);
    twin_close(*state, t);
}

/* ---- the clock after a run ---- */

/* A hot loop reading the device, then computing: runs that end at the
 * instruction limit, after a device access in the same translated run. */
static void build_read_then_compute(Fixture *f, const void *arg)
{
    (void)arg;
    emit_handler(f);
    emit_end(f);
    f->pc = RAM_BASE;
    emit_li(f, S0, 2000);
    emit_li(f, S1, EDGE_BASE);
    emit_jump(f, LOOP);
    f->pc = LOOP;
    for (int i = 0; i < 10; i++)
        emit(f, rv_xori(A2, A2, i + 1));
    emit(f, rv_addi(S0, S0, -1));
    emit(f, rv_load(LW, T0, S1, EDGE_NOW)); /* last: a run may end soon after */
    emit(f, rv_add(A1, A1, T0));
    emit(f, rv_branch(BNE, S0, ZERO, off(f->pc, LOOP)));
    emit_jump(f, END);
}

/* Between runs the clock stands where the run left it on both engines:
 * whatever is scheduled from outside (a monitor command, a scenario step,
 * a UART's input) at clock_now + delay then happens at the same cycle.
 * Two ways the engines part: after a device access the interpreter looks
 * around (clock_advance to the next instruction) where translated code
 * goes on; a chained entry that refuses (the block does not fit before
 * the horizon) returns BLOCK_EXIT_CHECK, and the run loop looks around
 * where the interpreter does not. Runs that end at the instruction limit
 * soon after either leave clock_now different. */
static void check_clock_between_runs(Lab *lab, Build build)
{
    Twin *t = twin_open(lab, NULL, build, NULL);
    twin_run(t, 5000, "warming up");
    assert_translated(t, 1);
    for (uint64_t n = 1; n <= 60; n++) {
        twin_run_some(t, n * 13 + 1, "a short run", false);
        uint64_t a = clock_now(t->jit.clock), b = clock_now(t->interp.clock);
        if (a != b)
            fail_msg("after a run ending at retired %llu (cycle %llu): clock_now is %llu on "
                     "the JIT, %llu on the interpreter",
                     (unsigned long long)cpu_instructions_retired(t->jit.f.cpu),
                     (unsigned long long)cpu_cycles(t->jit.f.cpu), (unsigned long long)a,
                     (unsigned long long)b);
    }
    twin_close(lab, t);
}

/* A loop of two blocks that chain, no device access: runs that end soon
 * after the second block's chained entry refused. */
static void build_two_blocks(Fixture *f, const void *arg)
{
    (void)arg;
    emit_handler(f);
    emit_end(f);
    f->pc = RAM_BASE;
    emit_li(f, S0, 20000);
    emit_jump(f, LOOP);
    f->pc = LOOP;
    for (int i = 0; i < 6; i++)
        emit(f, rv_xori(A2, A2, i + 1));
    emit_jump(f, NEXT);
    f->pc = NEXT;
    for (int i = 0; i < 9; i++)
        emit(f, rv_addi(A3, A3, i + 1));
    emit(f, rv_addi(S0, S0, -1));
    emit(f, rv_branch(BNE, S0, ZERO, off(f->pc, LOOP)));
    emit_jump(f, END);
}

static void test_clock_between_runs_after_device_access(void **state)
{
    check_clock_between_runs(*state, build_read_then_compute);
}

static void test_clock_between_runs_after_refused_chain(void **state)
{
    check_clock_between_runs(*state, build_two_blocks);
}

/* What that changes for the firmware: an event scheduled from outside
 * between runs at clock_now + 50 (as a UART does when input arrives from
 * a monitor's or scenario's `uart send`) raises MTI; the handler logs the
 * mepc and mcycle it interrupted. */
static void test_event_scheduled_between_runs_lands_alike(void **state)
{
    Twin *t = twin_open(*state, NULL, build_read_then_compute, NULL);
    enable_interrupts(&t->jit.f, MIP_MTIP);
    enable_interrupts(&t->interp.f, MIP_MTIP);
    twin_run(t, 5000, "warming up");
    assert_translated(t, 1);
    for (uint64_t n = 1; n <= 40; n++) {
        twin_run_some(t, n * 13 + 1, "a short run", false);
        clock_event_schedule(t->jit.timer, clock_now(t->jit.clock) + 50);
        clock_event_schedule(t->interp.timer, clock_now(t->interp.clock) + 50);
        twin_run(t, 200, "after the event");
    }
    assert_int_equal(csr(&t->interp.f, CSR_MSCRATCH), 40);
    twin_close(*state, t);
}

/* ---- more ways in and out of translated code ---- */

/* As SMC_OWN_LATER, but the store goes through an alias of RAM: a
 * different guest address for the same bytes. */
static void build_smc_alias(Fixture *f, const void *arg)
{
    SmcKind kind = SMC_OWN_LATER;
    (void)arg;
    build_smc(f, &kind);
    uint32_t saved = f->pc;
    f->pc = RAM_BASE + 4 * 2; /* the li of s1 (DATA): now DATA's alias */
    emit_li(f, S1, DATA - RAM_BASE + ALIAS_BASE);
    f->pc = saved;
}

static void test_smc_store_through_alias(void **state)
{
    Setup setup = {.alias = true};
    SmcKind kind = SMC_OWN_LATER;
    check_program_expecting(*state, &setup, build_smc_alias, NULL, 100000, 1, NULL);
    Twin *t = twin_open(*state, &setup, build_smc_alias, NULL);
    twin_run_to_stop(t, 100000);
    expect_smc(&t->interp.f, &kind);
    twin_close(*state, t);
}

/* A loop in ROM (translated), rewritten by the debugger between runs:
 * the debugger may write ROM, the hart may not (its stores fault). */
static void build_rom_loop(Fixture *f, const void *arg)
{
    (void)arg;
    emit_handler(f);
    emit_end(f);
    f->pc = RAM_BASE;
    emit_li(f, S0, 3000);
    emit_li(f, S1, ROM_BASE + 0x800);
    emit_li(f, T0, ROM_BASE);
    emit(f, rv_jalr(ZERO, T0, 0));
    f->pc = ROM_BASE;
    emit(f, rv_addi(A1, A1, 1));
    emit(f, rv_store(SW, A1, S1, 0));  /* faults: ROM */
    emit(f, rv_load(LW, T0, S1, 4));
    emit(f, rv_add(A2, A2, T0));
    emit(f, rv_addi(S0, S0, -1));
    emit(f, rv_branch(BNE, S0, ZERO, off(f->pc, ROM_BASE)));
    emit_li(f, T0, END);
    emit(f, rv_jalr(ZERO, T0, 0));
    poke32(f, ROM_BASE + 0x804, 0x31);
}

static void test_rom_code_rewritten_by_debugger(void **state)
{
    Twin *t = twin_open(*state, NULL, build_rom_loop, NULL);
    twin_run(t, 5000, "warming up");
    assert_translated(t, 1);
    uint32_t insn = rv_addi(A1, A1, 5);
    poke32(&t->jit.f, ROM_BASE, insn);
    poke32(&t->interp.f, ROM_BASE, insn);
    twin_run(t, 1003, "after the rewrite");
    poke32(&t->jit.f, ROM_BASE + 0x804, 0x77);
    poke32(&t->interp.f, ROM_BASE + 0x804, 0x77);
    twin_run_to_stop(t, 1000000);
    assert_int_equal(csr(&t->interp.f, CSR_MSCRATCH), 3000);
    twin_close(*state, t);
}

/* A loop whose code runs from the end of RAM into RAM3 (one range to the
 * next), with compressed instructions so that a 32-bit instruction
 * straddles the two (never cached: the interpreter runs it). */
static void build_straddling_code(Fixture *f, const void *arg)
{
    (void)arg;
    emit_handler(f);
    emit_end(f);
    uint32_t loop = RAM3_BASE - 0x20;
    f->pc = RAM_BASE;
    emit_li(f, S0, 1000);
    emit_jump(f, loop);
    f->pc = loop;
    emit16(f, c_addi(A1, 1));
    for (int i = 0; i < 7; i++)
        emit(f, rv_xori(A2, A2, i));
    emit(f, rv_add(A3, A3, A2));      /* straddles RAM and RAM3 */
    emit16(f, c_addi(A4, 3));
    emit(f, rv_addi(S0, S0, -1));
    emit(f, rv_branch(BNE, S0, ZERO, off(f->pc, loop)));
    emit_jump(f, END);
}

static void test_code_straddling_two_rams(void **state)
{
    check_program(*state, NULL, build_straddling_code, NULL, 100000, 1);
}

/* A device asks for a machine reset in a hot block (once: a word in RAM
 * remembers it); the program starts again from its reset pc. */
static void build_reset(Fixture *f, const void *arg)
{
    (void)arg;
    emit_end(f);
    f->pc = RAM_BASE;
    emit_li(f, S0, 1000);
    emit_li(f, S1, EDGE_BASE);
    emit_li(f, S2, DATA);
    emit(f, rv_load(LW, S3, S2, 0));   /* resets so far */
    emit_jump(f, LOOP);
    f->pc = LOOP;
    emit(f, rv_addi(A1, A1, 1));
    emit(f, rv_add(A2, A2, A1));
    emit(f, rv_addi(T0, ZERO, 600));
    emit(f, rv_xor(T0, T0, S0));
    emit(f, rv_sltiu(T0, T0, 1));      /* iteration 400 ... */
    emit(f, rv_sltiu(T1, S3, 1));      /* ... of the first start */
    emit(f, rv_and(T0, T0, T1));
    emit(f, rv_add(S3, S3, T0));
    emit(f, rv_store(SW, S3, S2, 0));
    emit(f, rv_store(SW, T0, S1, EDGE_RESET));
    emit(f, rv_addi(A3, A3, 7));
    emit(f, rv_addi(S0, S0, -1));
    emit(f, rv_branch(BNE, S0, ZERO, off(f->pc, LOOP)));
    emit_jump(f, END);
}

static void test_device_requests_reset_in_translated_block(void **state)
{
    check_program(*state, NULL, build_reset, NULL, 100000, 1);
}

/* gdb's stepi without breakpoints: one instruction per cpu_step, through
 * translated code and into interrupt handlers. */
static void test_single_steps_through_translated_code(void **state)
{
    LoopCase c = LOOP_DEVICE_IRQ;
    Twin *t = twin_open(*state, NULL, build_self_loop, &c);
    twin_run(t, 3000, "warming up");
    assert_translated(t, 1);
    for (unsigned i = 0; i < 600; i++) {
        Error *ea = NULL, *eb = NULL;
        CpuStopReason a = cpu_step(t->jit.f.cpu, &ea), b = cpu_step(t->interp.f.cpu, &eb);
        assert_null(ea);
        assert_null(eb);
        assert_int_equal(a, b);
        twin_check_some(t, "after a step", i % 50 == 0);
    }
    twin_run_to_stop(t, 1000000);
    twin_close(*state, t);
}

/* A device interrupt raised by a load whose destination lives in a host
 * register (a global one, a5; and one the block caches, a6), with loads
 * and stores addressed from x0 (nothing mapped there: they fault). */
static void build_irq_into_host_registers(Fixture *f, const void *arg)
{
    (void)arg;
    emit_handler(f);
    emit_end(f);
    f->pc = RAM_BASE;
    emit_li(f, S0, 2000);
    emit_li(f, S1, EDGE_BASE);
    emit(f, rv_addi(T0, ZERO, 13));
    emit(f, rv_store(SW, T0, S1, EDGE_IRQ_EVERY));
    enable_interrupts(f, MIP_MEIP);
    emit_jump(f, LOOP);
    f->pc = LOOP;
    emit(f, rv_load(LW, A5, S1, EDGE_COUNTER));
    emit(f, rv_add(A6, A6, A5));
    emit(f, rv_load(LHU, A6, S1, EDGE_COUNTER));
    emit(f, rv_add(A6, A6, A5));
    emit(f, rv_add(A7, A7, A6));
    emit(f, rv_andi(T0, S0, 127));
    emit(f, rv_branch(BNE, T0, ZERO, 16));
    emit(f, rv_load(LW, T1, ZERO, -4));  /* every 128th: faults */
    emit(f, rv_store(SW, T1, ZERO, 8));
    emit(f, rv_add(A7, A7, T1));
    emit(f, rv_addi(S0, S0, -1));
    emit(f, rv_branch(BNE, S0, ZERO, off(f->pc, LOOP)));
    emit_jump(f, END);
}

static void test_device_interrupt_into_host_registers(void **state)
{
    check_program(*state, NULL, build_irq_into_host_registers, NULL, 1000000, 2);
}

/* LR/SC around translated code: a store between them (any address) ends
 * the reservation, so the sc fails, every other iteration; AMOs in the
 * middle of a block (the translation stops before them). */
static void build_lr_sc(Fixture *f, const void *arg)
{
    (void)arg;
    emit_handler(f);
    emit_end(f);
    f->pc = RAM_BASE;
    emit_li(f, S0, 1000);
    emit_li(f, S1, DATA);
    emit_jump(f, LOOP);
    f->pc = LOOP;
    emit(f, rv_amo(LR, T0, S1, ZERO));
    emit(f, rv_addi(T1, T0, 1));
    emit(f, rv_andi(T2, S0, 1));
    emit(f, rv_slli(T2, T2, 3));
    emit(f, rv_add(T2, T2, S1));
    emit(f, rv_addi(A1, A1, 1));       /* a store on odd iterations only */
    emit(f, rv_branch(BEQ, T2, S1, 8));
    emit(f, rv_store(SW, A1, T2, 0x10));
    emit(f, rv_amo(SC, T3, S1, T1));   /* 0: stored */
    emit(f, rv_add(A2, A2, T3));
    emit(f, rv_addi(A3, A3, 3));
    emit(f, rv_amo(AMOADD, A4, S1, A3)); /* mid-block */
    emit(f, rv_xor(A5, A5, A4));
    emit(f, rv_addi(S0, S0, -1));
    emit(f, rv_branch(BNE, S0, ZERO, off(f->pc, LOOP)));
    emit_jump(f, END);
}

static void expect_lr_sc(Fixture *f, const void *arg)
{
    (void)arg;
    assert_int_equal(reg(f, A2), 500); /* half the sc's failed */
}

static void test_lr_sc_around_translated_stores(void **state)
{
    check_program_expecting(*state, NULL, build_lr_sc, NULL, 100000, 1, expect_lr_sc);
}

/* ---- the host refusing a W^X flip ---- */

/* Stops a run that makes no progress: 1000 blocks in a row at the same
 * retired count and pc (a run loop spinning without running anything). */
typedef struct Progress {
    uint64_t retired;
    uint32_t pc;
    unsigned still;
    bool stuck;
} Progress;

static bool watch_progress(void *opaque, const Cpu *cpu)
{
    Progress *p = opaque;
    if (cpu_instructions_retired(cpu) != p->retired || cpu_get_pc(cpu) != p->pc) {
        p->retired = cpu_instructions_retired(cpu);
        p->pc = cpu_get_pc(cpu);
        p->still = 0;
        return false;
    }
    p->stuck = ++p->still >= 1000;
    return p->stuck;
}

/* The flip back to read-execute after a translation is refused: the
 * translator is off from then on (jit.h: "the interpreter runs
 * everything"), and the run goes on as the interpreter's. */
static void test_refused_flip_to_execute_falls_back_to_interpreter(void **state)
{
    LoopCase c = LOOP_PLAIN;
    Twin *t = twin_open(*state, NULL, build_self_loop, &c);
    Progress pj = {0}, pi = {0};
    cpu_set_block_observer(t->jit.f.cpu, watch_progress, &pj);
    cpu_set_block_observer(t->interp.f.cpu, watch_progress, &pi);
    twin_run(t, 100, "before the failure");
    wx_fault.prot = PROT_EXEC;
    wx_fault.armed = true;
    Outcome a = side_run(&t->jit, 100000), b = side_run(&t->interp, 100000);
    wx_fault.armed = false;
    if (jit_here())
        assert_true(wx_fault.refused > 0);
    if (pj.stuck)
        fail_msg("the JIT's run loop spun at pc 0x%08x, retired %llu, without running "
                 "anything (%u refused flips)", pj.pc, (unsigned long long)pj.retired,
                 wx_fault.refused);
    assert_int_equal(a.why, b.why);
    twin_check(t, "after the refused flip");
    twin_close(*state, t);
}

/* The flip to read-write that would patch a dead block's entry is
 * refused: the translated code that still jumps into it must not run. */
static void test_refused_flip_to_write_runs_no_dead_translation(void **state)
{
    SmcKind kind = SMC_NEXT_BLOCK;
    Twin *t = twin_open(*state, NULL, build_smc, &kind);
    /* 395 iterations of 21 instructions after 19 of set-up: the store of
     * iteration 400 is still to come, everything is translated and chained */
    twin_run(t, 19 + 21 * 395, "before the failure");
    assert_translated(t, 2);
    wx_fault.prot = PROT_WRITE;
    wx_fault.armed = true;
    Outcome a = side_run(&t->jit, 1000000), b = side_run(&t->interp, 1000000);
    wx_fault.armed = false;
    if (jit_here())
        assert_true(wx_fault.refused > 0);
    assert_int_equal(a.why, b.why);
    twin_check(t, "after the refused flip");
    expect_smc(&t->interp.f, &kind);
    twin_close(*state, t);
}

/* ---- execution events (cpu_add_exec_observer) ---- */

/* 150 times: wfi until the timer's interrupt (every 377 cycles), some
 * arithmetic, a call and a return. */
static void build_wfi(Fixture *f, const void *arg)
{
    (void)arg;
    emit_handler(f);
    emit_end(f);
    f->pc = RAM_BASE;
    emit_li(f, S0, 150);
    emit_li(f, S1, EDGE_BASE);
    emit(f, rv_addi(T0, ZERO, 377));
    emit(f, rv_store(SW, T0, S1, EDGE_PERIOD));
    emit(f, rv_store(SW, T0, S1, EDGE_TIMER));
    enable_interrupts(f, MIP_MTIP);
    emit_jump(f, LOOP);
    f->pc = LOOP;
    emit(f, RV_WFI);
    emit(f, rv_addi(A1, A1, 3));
    emit(f, rv_jal(RA, off(f->pc, FUNC)));
    emit(f, rv_addi(S0, S0, -1));
    emit(f, rv_branch(BNE, S0, ZERO, off(f->pc, LOOP)));
    emit_jump(f, END);
    f->pc = FUNC;
    emit(f, rv_xor(A2, A2, A1));
    emit(f, rv_jalr(ZERO, RA, 0));
}

/* Runs a program with both sides logging execution events, in one run and
 * in slices (compare_sides compares the logs), and checks on the
 * interpreter's side that the log is not empty: every retired instruction
 * was in a block event, and at least `traps` traps and `modes` mode
 * changes were seen. A program that stops by itself runs to its stop;
 * one that does not (`stops` false) runs `budget` instructions. */
static void check_exec_events(Lab *lab, Build build, const void *arg, bool stops,
                              uint64_t budget, uint64_t traps, uint64_t modes)
{
    Setup setup = {.exec_events = true};
    Twin *t = twin_open(lab, &setup, build, arg);
    if (stops)
        twin_run_to_stop(t, budget);
    else
        twin_run(t, budget, "the whole budget");
    assert_translated(t, 1);
    ExecLog *l = &t->interp.exec;
    assert_int_equal(l->insns, cpu_instructions_retired(t->interp.f.cpu));
    if (l->traps < traps || l->modes < modes)
        fail_msg("%llu traps and %llu mode changes logged; %llu and %llu expected at least",
                 (unsigned long long)l->traps, (unsigned long long)l->modes,
                 (unsigned long long)traps, (unsigned long long)modes);
    twin_close(lab, t);
    t = twin_open(lab, &setup, build, arg);
    if (stops) {
        twin_run_slices(t, 0x9e3779b97f4a7c15ull, 97, budget);
    } else {
        for (uint64_t done = 0; done < budget; done += 997)
            twin_run_some(t, 997, "a slice", done % 4 == 0);
    }
    twin_close(lab, t);
}

static void test_exec_events_alike_on_both_engines(void **state)
{
    LoopCase irq = LOOP_DEVICE_IRQ;
    check_exec_events(*state, build_self_loop, &irq, true, 200000, 3000 / 37, 0); /* M only */
    bool mprv = false;
    check_exec_events(*state, build_user, &mprv, false, 140000, 500 * 3,
                      500 * 3 * 2); /* U -> M -> U */
    check_exec_events(*state, build_wfi, NULL, true, 200000, 150, 2 * 150); /* sleep, wake */
    SmcKind smc = SMC_JALR_TARGET;
    check_exec_events(*state, build_smc, &smc, true, 200000, 0, 0);
}

#define CASE(test) cmocka_unit_test_setup_teardown(test, lab_setup, lab_teardown)

int main(void)
{
    if (!jit_here())
        fprintf(stderr, "test_jit_edges: no translator on this host: both harts interpret\n");
    if (getenv("EDGES_ONLY"))
        cmocka_set_test_filter(getenv("EDGES_ONLY"));
    const struct CMUnitTest tests[] = {
        CASE(test_smc_store_into_own_block_later),
        CASE(test_smc_store_into_own_block_earlier),
        CASE(test_smc_store_into_chained_next_block),
        CASE(test_smc_store_into_jalr_target),
        CASE(test_smc_device_writes_into_running_block),
        CASE(test_debugger_writes_translated_code_between_runs),
        CASE(test_code_copied_then_run_with_fence_i),
        CASE(test_code_copied_then_run_without_fence_i),
        CASE(test_self_loop_device_interrupt_mid_loop),
        CASE(test_self_loop_instruction_limit_mid_loop),
        CASE(test_self_loop_clock_event_mid_loop),
        CASE(test_self_loop_stop_event_mid_loop),
        CASE(test_device_store_raises_interrupt_in_translated_block),
        CASE(test_device_remaps_ram_in_translated_block),
        CASE(test_device_unmaps_running_code),
        CASE(test_device_bus_error_in_translated_block),
        CASE(test_device_stop_request_in_translated_block),
        CASE(test_memory_edges_misaligned_trapped),
        CASE(test_memory_edges_misaligned_emulated),
        CASE(test_jumps_to_misaligned_targets_without_c),
        CASE(test_m_extension_edges),
        CASE(test_m_extension_edges_match_the_spec),
        CASE(test_mret_in_translated_code),
        CASE(test_mret_unmasking_a_pending_interrupt),
        CASE(test_mret_to_user_mode_under_pmp),
        CASE(test_debugger_rewrites_many_translated_blocks),
        CASE(test_store_kills_many_translations_in_one_chunk),
        CASE(test_observer_set_after_chains_then_removed),
        CASE(test_breakpoints_added_after_translation),
        CASE(test_watchpoints_added_after_translation),
        CASE(test_code_cache_fills_while_running),
        CASE(test_lr_sc_around_translated_stores),
        CASE(test_smc_store_through_alias),
        CASE(test_rom_code_rewritten_by_debugger),
        CASE(test_code_straddling_two_rams),
        CASE(test_device_requests_reset_in_translated_block),
        CASE(test_single_steps_through_translated_code),
        CASE(test_device_interrupt_into_host_registers),
        CASE(test_refused_flip_to_execute_falls_back_to_interpreter),
        CASE(test_refused_flip_to_write_runs_no_dead_translation),
        CASE(test_clock_between_runs_after_device_access),
        CASE(test_clock_between_runs_after_refused_chain),
        CASE(test_event_scheduled_between_runs_lands_alike),
        CASE(test_exec_events_alike_on_both_engines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

#undef CASE
