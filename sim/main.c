/* mcusim: runs a RISC-V firmware ELF on a board described in YAML.
 * Wires the parts together: options -> board (sim/board_choice.c) ->
 * clock, memory, CPU and machine -> ELF -> run loop -> exit status. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim/board_choice.h"
#include "soc/alloc.h"
#include "sim/chardev_host.h"
#include "sim/cpu/cpu.h"
#include "sim/elf_load.h"
#include "sim/elf_symbols.h"
#include "sim/host/host.h"
#include "sim/options.h"
#include "sim/trace.h"
#include "gdbstub/gdbstub.h"
#include "soc/machine.h"

/* What a run or a board description is built of. */
typedef struct Sim {
    Clock *clock;
    MemorySystem *ms;
    Cpu *cpu;
    Machine *machine;
    ElfSymbols *syms; /* the firmware's: traces, fault reports */
    Trace *trace;     /* --trace; NULL when off */
    Host *host;       /* host services (--host, board `host:`); NULL: none */
    GdbServer *gdb;   /* --gdb; NULL: no stub */
    const BoardDesc *board;
    bool quiet; /* --describe-board: every chardev is null */
    bool output_lost;      /* a chardev, the trace or stdout failed */
    bool trace_on_stderr;  /* guest diagnostics are in the trace there */
    char **guest_seen;     /* guest diagnostics already on stderr */
    size_t nguest_seen;
    bool guest_capped;     /* GUEST_STDERR_MAX reached, and said so */
} Sim;

/* Distinct guest diagnostics shown on stderr; the rest only in a trace. */
#define GUEST_STDERR_MAX 100

static void sim_stop(void *opaque)
{
    Sim *sim = opaque;
    if (sim->cpu)
        cpu_request_stop(sim->cpu);
}

static void sim_reset_cpu(void *opaque)
{
    Sim *sim = opaque;
    if (sim->cpu)
        cpu_request_reset(sim->cpu);
}

/* A chardev's, the trace file's or stdout's output failed, and said so
 * (sim/lost_output.h): the run ends with EXIT_OUTPUT_LOST, at once (the
 * CPU stops) and whatever else happens. */
static void sim_output_failed(void *opaque, const char *what, int err)
{
    Sim *sim = opaque;
    sim->output_lost = true;
    if (sim->cpu)
        cpu_request_stop(sim->cpu);
}

static Chardev *sim_open_chardev(void *opaque, const char *spec, Error **errp)
{
    Sim *sim = opaque;
    return chardev_open(sim->quiet ? "null" : spec, sim_output_failed, sim, errp);
}

/* True the first time `line` is seen (it is remembered); false after, and
 * for every new line once GUEST_STDERR_MAX are remembered (the first of
 * those says so). */
static bool guest_first_time(Sim *sim, const char *line)
{
    for (size_t i = 0; i < sim->nguest_seen; i++)
        if (strcmp(sim->guest_seen[i], line) == 0)
            return false;
    if (sim->nguest_seen == GUEST_STDERR_MAX) {
        if (!sim->guest_capped)
            fprintf(stderr, "mcusim: more guest diagnostics are not shown "
                    "(--trace lists every one)\n");
        sim->guest_capped = true;
        return false;
    }
    char **grown = xreallocarray(sim->guest_seen, sim->nguest_seen + 1, sizeof *grown);
    char *copy = xstrdup(line);
    sim->guest_seen = grown;
    sim->guest_seen[sim->nguest_seen++] = copy;
    return true;
}

/* A device's guest diagnostic (MachineHooks.log_guest): every one into the
 * trace, with its virtual time; on stderr once per distinct message
 * (unless the trace is on stderr already). README: Guest diagnostics. */
static void sim_log_guest(void *opaque, const char *device, const char *message)
{
    Sim *sim = opaque;
    trace_guest(sim->trace, device, message);
    if (sim->trace && sim->trace_on_stderr)
        return;
    char line[320];
    snprintf(line, sizeof line, "%s: %s", device, message);
    if (guest_first_time(sim, line))
        fprintf(stderr, "mcusim: %s\n", line);
}

static double host_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void print_stats(const Cpu *cpu, uint64_t frequency_hz, double seconds)
{
    uint64_t insns = cpu_instructions_retired(cpu);
    fprintf(stderr,
            "mcusim: instructions: %llu\n"
            "mcusim: virtual time: %.6f s\n"
            "mcusim: host time:    %.6f s\n"
            "mcusim: MIPS:         %.1f\n",
            (unsigned long long)insns, (double)cpu_cycles(cpu) / (double)frequency_hz,
            seconds, seconds > 0 ? (double)insns / seconds / 1e6 : 0.0);
}

/* --timeout, --realtime and --gdb run the firmware in slices of a
 * millisecond of virtual time, each ended by a clock event that asks the
 * CPU to stop, so the host clock and the gdb socket are looked at between
 * slices. Events only ever run at their deadline, so slicing changes
 * nothing the firmware can see. */
typedef struct Pacer {
    Cpu *cpu;
    ClockEvent *tick;
    uint64_t slice, next; /* cycles */
    bool fired;
} Pacer;

static void pacer_tick(void *opaque)
{
    Pacer *p = opaque;
    p->fired = true;
    p->next += p->slice;
    clock_event_schedule(p->tick, p->next);
    cpu_request_stop(p->cpu);
}

/* Returns once host_seconds() has reached `when` (never before, so a
 * deadline slept to is a deadline passed). */
static void sleep_until(double when)
{
    for (double now = host_seconds(); now < when; now = host_seconds()) {
        double wait = when - now;
        struct timespec ts = {.tv_sec = (time_t)wait};
        ts.tv_nsec = (long)((wait - (double)ts.tv_sec) * 1e9) + 1;
        if (ts.tv_nsec >= 1000000000L)
            ts.tv_nsec = 999999999L;
        nanosleep(&ts, NULL); /* EINTR: the loop sleeps the rest */
    }
}

/* Whether the firmware asked to end the run, and with which status; lost
 * output ends it too. */
static bool sim_exit_requested(const Sim *sim, int *status)
{
    if (sim->output_lost) {
        if (status)
            *status = EXIT_OUTPUT_LOST;
        return true;
    }
    if (host_exit_status(sim->host, status))
        return true;
    return machine_exit_requested(sim->machine, status);
}

/* Runs to the end: an exit request, the instruction limit, a fault or the
 * timeout. *timed_out tells the last one. */
/* Runs in slices of a millisecond of virtual time until max_insns retire,
 * the CPU stops for its own reasons or the firmware exits, calling
 * `between` after each slice; `between` returning true ends the run with
 * CPU_STOP_REQUESTED. The slice event is background: it never keeps a
 * hart in wfi alive that nothing else could wake (the CPU still
 * diagnoses that). */
typedef bool (*SliceCheck)(Sim *sim, void *ctx);

static CpuStopReason run_sliced(Sim *sim, uint64_t max_insns, SliceCheck between,
                                void *ctx, Error **errp)
{
    Cpu *cpu = sim->cpu;
    uint64_t hz = clock_hz(sim->clock);
    Pacer pacer = {.cpu = cpu, .slice = hz >= 1000 ? hz / 1000 : 1};
    pacer.tick = clock_event_new(sim->clock, pacer_tick, &pacer);
    clock_event_set_background(pacer.tick, true);
    pacer.next = cpu_cycles(cpu) + pacer.slice;
    clock_event_schedule(pacer.tick, pacer.next);
    uint64_t left = max_insns;
    CpuStopReason why;
    for (;;) {
        uint64_t before = cpu_instructions_retired(cpu);
        pacer.fired = false;
        why = cpu_run(cpu, left, errp);
        if (left != UINT64_MAX)
            left -= cpu_instructions_retired(cpu) - before;
        if (why != CPU_STOP_REQUESTED || !pacer.fired || sim_exit_requested(sim, NULL) ||
            between(sim, ctx))
            break;
    }
    clock_event_free(pacer.tick);
    return why;
}

/* --timeout and --realtime, between slices. */
typedef struct Pace {
    const Options *opt;
    double start;
    double deadline; /* host seconds --timeout ends the run at; HUGE_VAL */
    uint64_t cycles0;
    bool timed_out;
} Pace;

/* --realtime sleeps until host time catches up with virtual time, but
 * never past the deadline; then the deadline is looked at, so a run never
 * starts a slice after it (virtual time ends within --timeout + 1 ms). */
static bool pace(Sim *sim, void *ctx)
{
    Pace *p = ctx;
    if (p->opt->realtime) {
        double target = p->start + (double)(cpu_cycles(sim->cpu) - p->cycles0) /
                                       (double)clock_hz(sim->clock);
        sleep_until(target < p->deadline ? target : p->deadline);
    }
    p->timed_out = host_seconds() >= p->deadline;
    return p->timed_out;
}

/* Runs to the end: an exit request, the instruction limit, a fault or the
 * timeout. *timed_out tells the last one. */
static CpuStopReason run_paced(Sim *sim, const Options *opt, double start,
                               bool *timed_out, Error **errp)
{
    *timed_out = false;
    if (opt->timeout <= 0 && !opt->realtime)
        return cpu_run(sim->cpu, opt->max_insns, errp);
    Pace p = {.opt = opt, .start = start, .cycles0 = cpu_cycles(sim->cpu),
              .deadline = opt->timeout > 0 ? start + opt->timeout : HUGE_VAL};
    CpuStopReason why = run_sliced(sim, opt->max_insns, pace, &p, errp);
    *timed_out = p.timed_out;
    return why;
}

static int run(Sim *sim, const Options *opt, uint64_t frequency_hz)
{
    Cpu *cpu = sim->cpu;
    Error *err = NULL;
    bool timed_out;
    double start = host_seconds();
    CpuStopReason why = run_paced(sim, opt, start, &timed_out, &err);
    double seconds = host_seconds() - start;
    output_flush_stdout(sim_output_failed, sim); /* "output lost" in the trace */
    int status = 0;
    if (why == CPU_STOP_REQUESTED && sim->output_lost) {
        sim_exit_requested(sim, &status);
        trace_end(sim->trace, "output lost");
    } else if (why == CPU_STOP_REQUESTED && !timed_out) {
        sim_exit_requested(sim, &status);
        trace_end(sim->trace, "exit status %d", status);
    } else if (timed_out) {
        trace_end(sim->trace, "timeout");
    } else if (why == CPU_STOP_INSN_LIMIT) {
        trace_end(sim->trace, "instruction limit");
    } else {
        trace_end(sim->trace, "firmware fault: %s", error_message(err));
    }
    if (opt->stats)
        print_stats(cpu, frequency_hz, seconds);
    if (timed_out) {
        fprintf(stderr, "mcusim: stopped by --timeout after %.3f s of host time at "
                "pc 0x%08x (%llu instructions)\n", seconds, cpu_get_pc(cpu),
                (unsigned long long)cpu_instructions_retired(cpu));
        return EXIT_TIMEOUT;
    }
    switch (why) {
    case CPU_STOP_REQUESTED:
        return status;
    case CPU_STOP_INSN_LIMIT:
        fprintf(stderr, "mcusim: stopped after %llu instructions (--max-insns) at pc 0x%08x\n",
                (unsigned long long)cpu_instructions_retired(cpu), cpu_get_pc(cpu));
        return EXIT_INSN_LIMIT;
    case CPU_STOP_FAULT:
        fprintf(stderr, "mcusim: firmware fault: %s\n", error_message(err));
        error_free(err);
        trace_dump_registers(stderr, cpu, sim->ms, sim->syms);
        return EXIT_GUEST_FAULT;
    case CPU_STOP_BREAKPOINT:
    case CPU_STOP_WATCHPOINT:
        break; /* only a debugger sets them */
    }
    return EXIT_SIM_ERROR;
}

/* Board names of the CPU's interrupt inputs (MachineHooks.cpu_irq). */
static bool sim_cpu_irq(void *opaque, const char *input, IrqLine *out)
{
    Sim *sim = opaque;
    return cpu_irq_input_named(sim->cpu, input, out);
}

/* Clock, memory, CPU and machine for `board`. The CPU comes before the
 * machine, which wires cpu.* interrupt lines to it while it is built. */
static bool sim_open(Sim *sim, const BoardDesc *board, Error **errp)
{
    sim->clock = clock_new(board->cpu.frequency_hz);
    sim->ms = memory_system_new();
    CpuConfig config;
    board_cpu_config(board, sim->clock, &config);
    sim->cpu = cpu_new(sim->ms, &config, errp);
    if (!sim->cpu) {
        /* the board checked the rest; the CPU judges the ISA string */
        const SourceLoc *at = &board->cpu.isa_loc;
        error_prepend(errp, "%s:%u:%u: ", at->file, at->line, at->col);
        return false;
    }
    MachineHooks hooks = {
        .opaque = sim,
        .stop = sim_stop,
        .open_chardev = sim_open_chardev,
        .cpu_irq = sim_cpu_irq,
        .clock = sim->clock,
        .reset_cpu = sim_reset_cpu,
        .log_guest = sim_log_guest,
    };
    sim->machine = machine_new(sim->ms, board, &hooks, errp);
    if (!sim->machine)
        return false;
    uint64_t (*read_time)(void *);
    void *time_opaque;
    if (machine_time_source(sim->machine, &read_time, &time_opaque))
        cpu_set_time_source(sim->cpu, read_time, time_opaque);
    return true;
}

static void sim_close(Sim *sim)
{
    gdb_server_free(sim->gdb); /* removes the breakpoints gdb left */
    host_free(sim->host); /* unmaps its overlay from the machine's bus */
    machine_free(sim->machine); /* before the CPU and the clock it uses */
    cpu_free(sim->cpu);
    memory_system_free(sim->ms);
    clock_free(sim->clock);
    for (size_t i = 0; i < sim->nguest_seen; i++)
        free(sim->guest_seen[i]);
    free(sim->guest_seen);
}

static int report(Error *err)
{
    fprintf(stderr, "mcusim: %s\n", error_message(err));
    error_free(err);
    return EXIT_SIM_ERROR;
}

/* The host services --host (or else the board) asks for, once the ELF is
 * in memory and the pc at its entry: the firmware's argv is its path and
 * what follows -- on the command line. */
static bool sim_start_host(Sim *sim, const Options *opt, const BoardDesc *board,
                           Error **errp)
{
    unsigned services = opt->host_set ? opt->host : board->host;
    if (!services) {
        if (opt->semihosting_root)
            error_setf(errp, "--semihosting-root: board '%s' uses no host services "
                       "(add --host semihosting or --host newlib)", board->name);
        return !opt->semihosting_root;
    }
    const char **argv = xcalloc((size_t)opt->nfw_args + 1, sizeof *argv);
    argv[0] = opt->firmware;
    for (int i = 0; i < opt->nfw_args; i++)
        argv[i + 1] = opt->fw_args[i];
    HostConfig config = {
        .services = services,
        .file_root = opt->semihosting_root,
        .argc = opt->nfw_args + 1,
        .argv = argv,
        .frequency_hz = board->cpu.frequency_hz,
        .board = board,
        .trace = sim->trace,
    };
    sim->host = host_new(sim->ms, sim->cpu, sim->syms, &config, errp);
    free(argv);
    return sim->host != NULL;
}

/* ---- the GDB session (--gdb) ---- */

/* Runs until max_insns retire, a stop, or gdb wants the CPU (Ctrl-C, a
 * new client, a client gone): the server is polled every millisecond of
 * virtual time by a background clock event. */
static bool gdb_wants_cpu(Sim *sim, void *ctx)
{
    (void)ctx;
    return gdb_server_poll_interrupt(sim->gdb);
}

/* Runs until max_insns retire, a stop, or gdb wants the CPU (Ctrl-C, a
 * new client, a client gone). */
static CpuStopReason gdb_resume(void *opaque, uint64_t max_insns, Error **errp)
{
    Sim *sim = opaque;
    if (max_insns == 1)
        return cpu_step(sim->cpu, errp); /* a step needs no polling */
    return run_sliced(sim, max_insns, gdb_wants_cpu, NULL, errp);
}

static bool gdb_exited(void *opaque, int *status)
{
    return sim_exit_requested(opaque, status);
}

/* The devices reset and the hart at once: the CPU is halted, and gdb
 * reads the registers right after. */
static void gdb_reset(void *opaque)
{
    Sim *sim = opaque;
    machine_reset(sim->machine);
    cpu_reset(sim->cpu);
}

static char *gdb_peripherals(void *opaque)
{
    Sim *sim = opaque;
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    if (!out)
        abort();
    board_describe_peripherals(out, sim->board);
    fclose(out);
    return text;
}

static char *gdb_stats(void *opaque)
{
    Sim *sim = opaque;
    char *text = xasprintf("instructions: %llu\nvirtual time: %.6f s\n",
                           (unsigned long long)cpu_instructions_retired(sim->cpu),
                           (double)cpu_cycles(sim->cpu) / (double)clock_hz(sim->clock));
    return text;
}

/* Serves gdb until the firmware ends or gdb kills it; between clients the
 * firmware runs on at full speed (and a new client stops it). */
static int run_with_gdb(Sim *sim, const Options *opt, Error **errp)
{
    GdbTarget target = {
        .cpu = sim->cpu, .ms = sim->ms, .opaque = sim,
        .resume = gdb_resume, .exited = gdb_exited, .reset = gdb_reset,
        .stats = gdb_stats, .peripherals = gdb_peripherals,
    };
    sim->gdb = gdb_server_new(&target, opt->gdb, errp);
    if (!sim->gdb)
        return EXIT_SIM_ERROR;
    const char *colon = strrchr(opt->gdb, ':');
    fprintf(stderr, "mcusim: gdb server listening on %.*s:%u\n",
            colon ? (int)(colon - opt->gdb) : 9, colon ? opt->gdb : "127.0.0.1",
            gdb_server_port(sim->gdb));
    fflush(stderr);
    bool serve = opt->gdb_wait;
    for (;;) {
        if (serve || gdb_server_client_pending(sim->gdb)) {
            int result = gdb_server_serve(sim->gdb);
            if (result >= 0)
                return result;
            if (result == GDB_SERVE_KILLED)
                return EXIT_KILLED;
            if (result == GDB_SERVE_ERROR)
                return EXIT_SIM_ERROR;
        }
        serve = false;
        int status;
        CpuStopReason why = gdb_resume(sim, UINT64_MAX, errp);
        if (sim_exit_requested(sim, &status))
            return status;
        if (why == CPU_STOP_FAULT) {
            fprintf(stderr, "mcusim: firmware fault: %s\n", error_message(*errp));
            error_free(*errp);
            *errp = NULL;
            trace_dump_registers(stderr, sim->cpu, sim->ms, sim->syms);
            return EXIT_GUEST_FAULT;
        }
    }
}

/* The run starts at the board's reset_pc, else at the ELF's entry point,
 * which must be in RAM, ROM or flash (elf_check_start): the error names
 * the ELF, or points at the reset_pc (in the board file or its --set). */
static bool sim_start_at(Sim *sim, const BoardDesc *board, const char *elf,
                         uint32_t entry, Error **errp)
{
    const BoardCpu *cpu = &board->cpu;
    if (!cpu->has_reset_pc) {
        if (!elf_check_start(sim->ms, "entry point", entry, errp)) {
            error_prepend(errp, "%s: ", elf);
            return false;
        }
        cpu_set_reset_pc(sim->cpu, entry);
        return true;
    }
    if (!elf_check_start(sim->ms, "'reset_pc'", cpu->reset_pc, errp)) {
        const SourceLoc *at = &cpu->reset_pc_loc;
        error_prepend(errp, "%s:%u:%u: ", at->file, at->line, at->col);
        return false;
    }
    if (cpu->reset_pc != entry)
        fprintf(stderr, "mcusim: note: the board starts at its reset_pc 0x%08x, "
                "not at the ELF entry point 0x%08x\n", cpu->reset_pc, entry);
    return true;
}

static int simulate(const Options *opt, const BoardDesc *board)
{
    Sim sim = {.board = board};
    Error *err = NULL;
    int status = EXIT_SIM_ERROR;
    uint32_t entry = 0;
    if (sim_open(&sim, board, &err) && elf_load(sim.ms, opt->firmware, &entry, &err) &&
        sim_start_at(&sim, board, opt->firmware, entry, &err)) {
        sim.syms = elf_symbols_load(opt->firmware, &err);
        if (opt->trace && sim.syms)
            sim.trace = trace_new(opt->trace, opt->trace_file, &err);
        if (sim.trace) {
            /* A trace on stderr that cannot be written is said (where it
             * may not show) and dropped: it must not change the run. */
            sim.trace_on_stderr = trace_on_stderr(sim.trace);
            if (!sim.trace_on_stderr)
                trace_set_error_handler(sim.trace, sim_output_failed, &sim);
            trace_attach(sim.trace, sim.cpu, sim.ms, sim.clock, sim.syms);
        }
        if (!err)
            sim_start_host(&sim, opt, board, &err);
        if (!err)
            status = opt->gdb ? run_with_gdb(&sim, opt, &err)
                              : run(&sim, opt, board->cpu.frequency_hz);
    }
    trace_free(sim.trace);
    sim.trace = NULL;
    elf_symbols_free(sim.syms);
    if (err)
        status = report(err);
    sim_close(&sim); /* chardevs flush their last output here */
    return sim.output_lost ? EXIT_OUTPUT_LOST : status;
}

/* What main or a stdio chardev printed on stdout (--help,
 * --describe-board, UART output) that could not be written: said once
 * (if a chardev or run() has not said it already), and EXIT_OUTPUT_LOST. */
static int check_stdout(int status)
{
    return output_flush_stdout(NULL, NULL) ? status : EXIT_OUTPUT_LOST;
}

static int describe(const BoardDesc *board)
{
    Sim sim = {.quiet = true};
    Error *err = NULL;
    int status = 0;
    board_describe(stdout, board);
    if (sim_open(&sim, board, &err)) {
        char *tree = memory_tree(sim.ms);
        printf("\n%s", tree);
        free(tree);
    } else {
        status = report(err);
    }
    sim_close(&sim);
    return status;
}

int main(int argc, char **argv)
{
    Options opt;
    int status = options_parse(argc, argv, &opt);
    if (status < 0) {
        Error *err = NULL;
        BoardDesc *board = NULL;
        BoardFile *file = NULL;
        if (opt.list_boards)
            status = boards_list_shipped(stdout, &err) ? 0 : report(err);
        else if (!(file = board_choose(opt.describe ? opt.describe : opt.board,
                                       opt.sets, opt.nsets, &board, &err)))
            status = report(err);
        else
            status = opt.describe ? describe(board) : simulate(&opt, board);
        board_file_free(file);
    }
    options_free(&opt);
    return check_stdout(status);
}
