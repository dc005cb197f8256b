/* mcusim: runs a RISC-V firmware ELF on a board described in YAML.
 * Wires the parts together: options -> board (sim/board_choice.c) ->
 * clock, memory, CPU and machine -> ELF -> monitor, console, scenario ->
 * run loop (a plain cpu_run, or sim/session.c in slices) -> exit status.
 * This file holds main, the machine's hooks, sim_open and sim_close, the
 * start-up checks, the plain run and how a run ends; the rest of the
 * wiring is in sim/app_*.c (sim/app.h says which holds what). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/app.h"
#include "sim/board_choice.h"
#include "soc/alloc.h"
#include "sim/chardev_host.h"
#include "sim/elf_load.h"
#include "sim/lost_output.h"
#include "sim/scenario_file.h"
#include "peripherals/registry.h"
#include "peripherals/regs.h"

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
void sim_output_failed(void *opaque, const char *what, int err)
{
    Sim *sim = opaque;
    sim->output_lost = true;
    if (sim->cpu)
        cpu_request_stop(sim->cpu);
}

static Chardev *sim_open_backend(void *opaque, const char *spec, Error **errp)
{
    return chardev_open(spec, sim_output_failed, opaque, errp);
}

/* Every chardev is tapped by its device's name (sim/uart_tap.h): the
 * monitor's `uart NAME send`, a scenario's UART matches. A device asking
 * for the spec a chardev of its name still holds (a replacement built
 * while the old device runs) is handed that backend rather than opening
 * it again: a file would be truncated, a tcp port refused as taken. */
static Chardev *sim_open_chardev(void *opaque, const char *device, const char *spec,
                                 Error **errp)
{
    Sim *sim = opaque;
    if (sim->quiet)
        return chardev_open("null", sim_output_failed, sim, errp);
    /* A recording comes from someone else (a bug report): the commands it
     * replays open no host file, port or terminal. Their input is replayed
     * anyway; their output goes to stdout. */
    if (sim->replaying && strcmp(spec, "null") != 0 && strcmp(spec, "stdio") != 0) {
        fprintf(stderr, "mcusim: note: --replay: %s's chardev '%s' is opened as stdio\n",
                device, spec);
        spec = "stdio";
    }
    return uart_taps_open(sim->taps, device, spec, sim_open_backend, sim, errp);
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
    CpuEngineStats engine;
    cpu_engine_stats(cpu, &engine);
    if (!engine.jit) {
        fprintf(stderr, "mcusim: engine:       interpreter\n");
        return;
    }
    fprintf(stderr,
            "mcusim: engine:       jit (x86-64), %llu blocks translated, "
            "%llu entries from the run loop\n"
            "mcusim: code cache:   %llu of %llu KiB, flushed %llu times, "
            "%llu W^X flips\n",
            (unsigned long long)engine.blocks_translated,
            (unsigned long long)engine.jit_entries,
            (unsigned long long)(engine.code_bytes + 1023) / 1024,
            (unsigned long long)engine.code_capacity / 1024,
            (unsigned long long)engine.code_flushes,
            (unsigned long long)engine.code_flips);
}

/* --reverse's history (sim/timeline.h), for --stats. */
static void print_reverse_stats(const Timeline *tl)
{
    TimelineStats st;
    timeline_stats(tl, &st);
    fprintf(stderr,
            "mcusim: reverse:      %zu snapshots kept (%llu taken, %llu thinned), "
            "%llu KiB, history from instruction %llu\n",
            st.marks, (unsigned long long)st.marks_taken,
            (unsigned long long)st.marks_thinned, (unsigned long long)(st.bytes + 1023) / 1024,
            (unsigned long long)st.oldest_retired);
}

/* Whether the run must end for the firmware's sake, and with which
 * status: lost output, the firmware's exit, or a `quit` or a failed
 * scenario (which gdb hears of as an exit). */
bool sim_exit_requested(const Sim *sim, int *status)
{
    if (sim->output_lost) {
        if (status)
            *status = EXIT_OUTPUT_LOST;
        return true;
    }
    if (sim_replay_over(sim, status)) /* the recorded status, at its end */
        return true;
    if (host_exit_status(sim->host, status))
        return true;
    if (machine_exit_requested(sim->machine, status))
        return true;
    int quit = 0;
    SessionEnd end = sim->session ? session_ended(sim->session, &quit) : SESSION_RUNNING;
    if (status)
        *status = end == SESSION_QUIT ? quit : EXIT_SCENARIO_FAILED;
    return end == SESSION_QUIT || end == SESSION_SCENARIO_FAILED;
}

/* How the run ended, from why the CPU stopped and what the session ended
 * it for; said in the trace's end line. */
static RunEnd run_end(Sim *sim, CpuStopReason why, const Error *err)
{
    int quit = 0;
    SessionEnd end = sim->session ? session_ended(sim->session, &quit) : SESSION_RUNNING;
    RunEnd r;
    if (sim->output_lost) {
        r = (RunEnd){EXIT_OUTPUT_LOST, false, "output was lost"};
        trace_end(sim->trace, "output lost");
    } else if (end == SESSION_QUIT) {
        r = (RunEnd){quit, true, NULL};
        trace_end(sim->trace, "quit, exit status %d", quit);
    } else if (end == SESSION_SCENARIO_FAILED) {
        r = (RunEnd){EXIT_SCENARIO_FAILED, false, "a scenario check failed"};
        trace_end(sim->trace, "scenario failed");
    } else if (end == SESSION_HUNG_UP) {
        r = (RunEnd){EXIT_KILLED, false, "the control client left before the firmware ended"};
        trace_end(sim->trace, "control client gone");
    } else if (end == SESSION_TIMED_OUT) {
        r = (RunEnd){EXIT_TIMEOUT, false, "stopped by --timeout"};
        trace_end(sim->trace, "timeout");
    } else if (why != CPU_STOP_FAULT && sim_replay_over(sim, NULL)) {
        /* --replay: the recording's end, however the last run stopped
         * (its status, unless the firmware's own came first), or a replay
         * that failed (said) */
        r = (RunEnd){0, !sim->replay_failed, sim->replay_failed ? "the replay failed" : NULL};
        sim_exit_requested(sim, &r.status);
        trace_end(sim->trace, "exit status %d", r.status);
    } else if (why == CPU_STOP_REQUESTED) {
        r = (RunEnd){0, true, NULL};
        sim_exit_requested(sim, &r.status);
        trace_end(sim->trace, "exit status %d", r.status);
    } else if (why == CPU_STOP_INSN_LIMIT) {
        r = (RunEnd){EXIT_INSN_LIMIT, false, "the instruction limit (--max-insns) was reached"};
        trace_end(sim->trace, "instruction limit");
    } else if (why == CPU_STOP_FAULT) {
        r = (RunEnd){EXIT_GUEST_FAULT, false, "the firmware faulted"};
        trace_end(sim->trace, "firmware fault: %s", error_message(err));
    } else { /* a breakpoint or watchpoint: only a debugger sets them */
        r = (RunEnd){EXIT_SIM_ERROR, false, "a debugger stop without a debugger"};
        trace_end(sim->trace, "a debugger stop without a debugger");
    }
    return r;
}

/* A run with nothing to look at between slices: one cpu_run, or, keeping
 * a reverse history (--reverse), runs of --reverse-interval instructions
 * with the history's snapshots between them (no 1 ms slices: cheaper). */
static CpuStopReason run_unsliced(Sim *sim, const Options *opt, Error **errp)
{
    if (!sim->timeline)
        return cpu_run(sim->cpu, opt->max_insns, errp);
    uint64_t left = opt->max_insns;
    for (;;) {
        uint64_t before = cpu_instructions_retired(sim->cpu);
        CpuStopReason why = cpu_run(sim->cpu, left < opt->reverse_interval ? left
                                                                          : opt->reverse_interval,
                                    errp);
        if (left != UINT64_MAX)
            left -= cpu_instructions_retired(sim->cpu) - before;
        if (why != CPU_STOP_INSN_LIMIT || left == 0)
            return why;
        timeline_slice(sim->timeline);
    }
}

/* Runs to the end: an exit request, the instruction limit, a fault, the
 * timeout, a `quit` or a failed scenario. */
static RunEnd run(Sim *sim, const Options *opt, uint64_t frequency_hz)
{
    Cpu *cpu = sim->cpu;
    Error *err = NULL;
    double start = session_host_seconds();
    CpuStopReason why = sim->session
                            ? session_run(sim->session, opt->max_insns, NULL, NULL, &err)
                            : run_unsliced(sim, opt, &err);
    double seconds = session_host_seconds() - start;
    output_flush_stdout(sim_output_failed, sim); /* "output lost" in the trace */
    RunEnd r = run_end(sim, why, err);
    if (opt->stats)
        print_stats(cpu, frequency_hz, seconds);
    if (opt->stats && sim->timeline)
        print_reverse_stats(sim->timeline);
    if (r.exited) {
        /* the firmware's (or a quit's) status says it all */
    } else if (r.status == EXIT_TIMEOUT) {
        fprintf(stderr, "mcusim: stopped by --timeout after %.3f s of host time at "
                "pc 0x%08x (%llu instructions)\n", seconds, cpu_get_pc(cpu),
                (unsigned long long)cpu_instructions_retired(cpu));
    } else if (r.status == EXIT_INSN_LIMIT) {
        fprintf(stderr, "mcusim: stopped after %llu instructions (--max-insns) at pc 0x%08x\n",
                (unsigned long long)cpu_instructions_retired(cpu), cpu_get_pc(cpu));
    } else if (r.status == EXIT_GUEST_FAULT) {
        fprintf(stderr, "mcusim: firmware fault: %s\n", error_message(err));
        trace_dump_registers(stderr, cpu, sim->ms, sim->syms);
    }
    error_free(err);
    return r;
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
    if (!sim->quiet)
        sim->taps = uart_taps_new();
    CpuConfig config;
    board_cpu_config(board, sim->clock, &config);
    config.jit = sim->jit;
    config.jit_threshold = sim->jit_threshold;
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
        .registry = registry_devices(),
        .track_memories = sim->keep_inputs, /* the timeline snapshots it */
    };
    if (sim->observers)
        observers_machine_hooks(sim->observers, sim->clock, &hooks);
    sim_start_log(sim);
    sim->machine = machine_new(sim->ms, board, &hooks, errp);
    if (!sim->machine)
        return false;
    cpu_set_time_source(sim->cpu, machine_read_time, sim->machine);
    return true;
}

/* Tears down in dependency order: gdb (its breakpoints), the host
 * services (their overlay on the bus), the scenario (its events and
 * breakpoint), the machine (which closes the tapped chardevs), then the
 * taps, the CPU, the memory system and the clock. */
static void sim_close(Sim *sim)
{
    gdb_server_free(sim->gdb); /* removes the breakpoints gdb left */
    timeline_free(sim->timeline); /* unmutes the taps */
    host_free(sim->host); /* unmaps its overlay from the machine's bus */
    session_free(sim->session);
    if (sim->taps)
        uart_taps_set_observer(sim->taps, NULL, NULL);
    scenario_free(sim->scenario);
    monitor_free(sim->monitor);
    machine_free(sim->machine); /* before the CPU and the clock it uses */
    uart_taps_free(sim->taps);
    recorder_free(sim->recorder);
    input_log_free(sim->log); /* before the clock its event is on */
    recording_free(sim->recording);
    cpu_free(sim->cpu);
    memory_system_free(sim->ms);
    clock_free(sim->clock);
    console_close(sim->console);
    output_file_free(sim->junit);
    output_file_free(sim->snapshot_save);
    free(sim->boards_path);
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

/* The files the run reads, which no output file may replace
 * (sim/output_file.h); the caller frees the list. */
static OutputInput *run_inputs(const Options *opt, const BoardFile *file,
                               const BoardDesc *board, size_t *n)
{
    size_t max = 4 + file->nextra_paths + board->nmemories;
    OutputInput *inputs = xcalloc(max, sizeof *inputs);
    *n = 0;
    inputs[(*n)++] = (OutputInput){"the scenario file", opt->scenario};
    inputs[(*n)++] = (OutputInput){"the snapshot file", opt->snapshot_load};
    inputs[(*n)++] = (OutputInput){"the firmware", opt->firmware};
    inputs[(*n)++] = (OutputInput){"the board file", file->path};
    for (size_t i = 0; i < file->nextra_paths; i++)
        inputs[(*n)++] = (OutputInput){"a board file", file->extra_paths[i]};
    for (size_t i = 0; i < board->nmemories; i++)
        inputs[(*n)++] = (OutputInput){"a memory image", board->memories[i].image};
    return inputs;
}

/* An end-of-run file (`option` names it: --junit, --snapshot-save),
 * checked now against the run's inputs and written at the end. */
static OutputFile *sim_check_output(const Options *opt, const BoardFile *file,
                                    const BoardDesc *board, const char *option,
                                    const char *path, Error **errp)
{
    size_t n;
    OutputInput *inputs = run_inputs(opt, file, board, &n);
    OutputFile *out = output_file_open(path, inputs, n, errp);
    free(inputs);
    if (!out)
        error_prepend(errp, "%s: ", option);
    return out;
}

/* --vcd, --profile, --coverage: their files checked now. */
static bool sim_open_observers(Sim *sim, const Options *opt, const BoardFile *file,
                               const BoardDesc *board, Error **errp)
{
    ObserverConfig config = {
        .firmware = opt->firmware, .vcd = opt->vcd, .vcd_signals = opt->vcd_signals,
        .profiles = opt->profiles, .nprofiles = opt->nprofiles,
        .profile_report = opt->profile_report, .coverage = opt->coverage,
    };
    OutputInput *inputs = run_inputs(opt, file, board, &config.ninputs);
    config.inputs = inputs;
    sim->observers = observers_open(&config, errp);
    free(inputs);
    return sim->observers != NULL;
}

/* What must be right before anything is built: the console (stdio takes
 * stdin before any UART does), the output files, the scenario file. */
static bool sim_prepare(Sim *sim, const Options *opt, const BoardFile *file,
                        const BoardDesc *board, ScenarioFile **scenario, Error **errp)
{
    ConsoleConfig console = {.control = opt->control != NULL};
    const char *console_spec = opt->control ? opt->control : opt->monitor;
    if (console_spec && opt->replay) {
        fprintf(stderr, "mcusim: note: --replay: %s is not opened: the recorded "
                "commands are replayed instead\n", opt->control ? "--control" : "--monitor");
        console_spec = NULL;
    }
    if (console_spec && !(sim->console = console_open(console_spec, &console, errp)))
        return false;
    if (opt->junit &&
        !(sim->junit = sim_check_output(opt, file, board, "--junit", opt->junit, errp)))
        return false;
    if (opt->snapshot_save &&
        !(sim->snapshot_save = sim_check_output(opt, file, board, "--snapshot-save",
                                                opt->snapshot_save, errp)))
        return false;
    if (opt->scenario && !(*scenario = scenario_file_load(opt->scenario, errp)))
        return false;
    size_t ninputs;
    OutputInput *inputs = run_inputs(opt, file, board, &ninputs);
    bool recorded = sim_prepare_record(sim, opt, board, inputs, ninputs, errp);
    free(inputs);
    return recorded && sim_open_observers(sim, opt, file, board, errp);
}

/* The trace --trace asks for, listening from now on. */
static bool sim_start_trace(Sim *sim, const Options *opt, Error **errp)
{
    if (!opt->trace || !sim->syms)
        return true;
    sim->trace = trace_new(opt->trace, opt->trace_file, errp);
    if (!sim->trace)
        return false;
    /* A trace on stderr that cannot be written is said (where it may not
     * show) and dropped: it must not change the run. */
    sim->trace_on_stderr = trace_on_stderr(sim->trace);
    if (!sim->trace_on_stderr)
        trace_set_error_handler(sim->trace, sim_output_failed, sim);
    trace_attach(sim->trace, sim->cpu, sim->ms, sim->clock, sim->syms);
    return true;
}

static int simulate(const Options *opt, const BoardFile *file, const BoardDesc *board)
{
    Sim sim = {.jit = opt->jit, .jit_threshold = opt->jit_threshold,
               .keep_inputs = options_reverse_on(opt)};
    Error *err = NULL;
    int status = EXIT_SIM_ERROR;
    uint32_t entry = 0;
    ScenarioFile *scenario = NULL;
    if (sim_prepare(&sim, opt, file, board, &scenario, &err) && sim_open(&sim, board, &err) &&
        elf_load(sim.ms, opt->firmware, &entry, &err) &&
        sim_start_at(&sim, board, opt->firmware, entry, &err) &&
        (sim.syms = elf_symbols_load(opt->firmware, &err)) &&
        sim_start_trace(&sim, opt, &err) &&
        observers_attach(sim.observers, sim.cpu, sim.syms, &err) &&
        sim_start_host(&sim, opt, board, &err) && sim_start_snapshot(&sim, opt, &err)) {
        sim_start_monitor(&sim, opt);
        ScenarioFile *taken = scenario;
        scenario = NULL;
        if (!taken || sim_start_scenario(&sim, taken, &err)) {
            sim_start_session(&sim, opt);
            sim_start_timeline(&sim, opt);
            sim.replaying = sim.recording != NULL;
            RunEnd r = opt->gdb ? run_with_gdb(&sim, opt, &err)
                                : run(&sim, opt, board->cpu.frequency_hz);
            status = sim_finish_scenario(&sim, opt, &r);
            sim_finish_record(&sim, status);
            if (!sim_save_snapshot(&sim, opt))
                status = EXIT_OUTPUT_LOST;
            if (!observers_finish(sim.observers))
                status = EXIT_OUTPUT_LOST;
        }
    }
    scenario_file_free(scenario);
    observers_detach(sim.observers); /* before the CPU they listen to */
    trace_free(sim.trace);
    sim.trace = NULL;
    elf_symbols_free(sim.syms);
    if (err)
        status = report(err);
    sim_close(&sim); /* chardevs flush their last output here */
    observers_free(sim.observers); /* after the machine, whose hooks point at it */
    return sim.output_lost ? EXIT_OUTPUT_LOST : status;
}

/* What main or a stdio chardev printed on stdout (--help,
 * --describe-board, UART output) that could not be written: said once
 * (if a chardev or run() has not said it already), and EXIT_OUTPUT_LOST. */
static int check_stdout(int status)
{
    return output_flush_stdout(NULL, NULL) ? status : EXIT_OUTPUT_LOST;
}

/* Each peripheral's registers, from its model's table. */
static void describe_registers(const BoardDesc *board)
{
    printf("\nregisters:\n");
    for (size_t i = 0; i < board->nperipherals; i++) {
        const BoardPeripheral *p = &board->peripherals[i];
        const PeripheralClass *cls = registry_find(p->type);
        if (!cls || !cls->registers)
            continue;
        printf("  %s (%s) at 0x%08llx:\n", p->name, p->type,
               (unsigned long long)p->base);
        regs_describe_table(cls->registers, stdout);
    }
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
        describe_registers(board);
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
            status = opt.describe ? describe(board) : simulate(&opt, file, board);
        board_file_free(file);
    }
    options_free(&opt);
    return check_stdout(status);
}
