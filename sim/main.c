/* mcusim: runs a RISC-V firmware ELF on a board described in YAML.
 * Wires the parts together: options -> board (sim/board_choice.c) ->
 * clock, memory, CPU and machine -> ELF -> run loop -> exit status. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim/board_choice.h"
#include "sim/chardev_host.h"
#include "sim/cpu.h"
#include "sim/elf_load.h"
#include "sim/options.h"
#include "soc/machine.h"

/* What a run or a board description is built of. */
typedef struct Sim {
    Clock *clock;
    MemorySystem *ms;
    Cpu *cpu;
    Machine *machine;
    bool quiet; /* --describe-board: every chardev is null */
} Sim;

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

static Chardev *sim_open_chardev(void *opaque, const char *spec, Error **errp)
{
    Sim *sim = opaque;
    return chardev_open(sim->quiet ? "null" : spec, errp);
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

static int run(Machine *machine, Cpu *cpu, const Options *opt,
               uint64_t frequency_hz)
{
    Error *err = NULL;
    double start = host_seconds();
    CpuStopReason why = cpu_run(cpu, opt->max_insns, &err);
    double seconds = host_seconds() - start;
    fflush(stdout);
    if (opt->stats)
        print_stats(cpu, frequency_hz, seconds);
    int status;
    switch (why) {
    case CPU_STOP_REQUESTED:
        if (machine_exit_requested(machine, &status))
            return status;
        return 0;
    case CPU_STOP_INSN_LIMIT:
        fprintf(stderr, "mcusim: stopped after %llu instructions (--max-insns) at pc 0x%08x\n",
                (unsigned long long)cpu_instructions_retired(cpu), cpu_get_pc(cpu));
        return EXIT_INSN_LIMIT;
    case CPU_STOP_FAULT:
        fprintf(stderr, "mcusim: firmware fault: %s\n", error_message(err));
        error_free(err);
        return EXIT_GUEST_FAULT;
    }
    return EXIT_SIM_ERROR;
}

/* Board names of the CPU's interrupt inputs (MachineHooks.cpu_irq). */
static bool sim_cpu_irq(void *opaque, const char *input, IrqLine *out)
{
    static const struct {
        const char *name;
        unsigned irq;
    } inputs[] = {
        {"msi", CPU_IRQ_MSI}, {"mti", CPU_IRQ_MTI}, {"mei", CPU_IRQ_MEI},
    };
    Sim *sim = opaque;
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        if (strcmp(input, inputs[i].name) == 0) {
            *out = cpu_irq_input(sim->cpu, inputs[i].irq);
            return true;
        }
    }
    return false;
}

/* Clock, memory, CPU and machine for `board`. The CPU comes before the
 * machine, which wires cpu.* interrupt lines to it while it is built. */
static bool sim_open(Sim *sim, const BoardDesc *board, Error **errp)
{
    sim->clock = clock_new(board->cpu.frequency_hz);
    sim->ms = memory_system_new();
    CpuConfig config = {
        .isa = board->cpu.isa,
        .reset_pc = board->cpu.has_reset_pc ? board->cpu.reset_pc : 0,
        .frequency_hz = board->cpu.frequency_hz,
        .clock = sim->clock,
        .emulate_misaligned = board->cpu.emulate_misaligned,
    };
    sim->cpu = cpu_new(sim->ms, &config, errp);
    if (!sim->cpu)
        return false;
    MachineHooks hooks = {
        .opaque = sim,
        .stop = sim_stop,
        .open_chardev = sim_open_chardev,
        .cpu_irq = sim_cpu_irq,
        .clock = sim->clock,
        .reset_cpu = sim_reset_cpu,
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
    machine_free(sim->machine); /* before the CPU and the clock it uses */
    cpu_free(sim->cpu);
    memory_system_free(sim->ms);
    clock_free(sim->clock);
}

static int report(Error *err)
{
    fprintf(stderr, "mcusim: %s\n", error_message(err));
    error_free(err);
    return EXIT_SIM_ERROR;
}

static int simulate(const Options *opt, const BoardDesc *board)
{
    Sim sim = {0};
    Error *err = NULL;
    int status = EXIT_SIM_ERROR;
    uint32_t entry = 0;
    if (sim_open(&sim, board, &err) && elf_load(sim.ms, opt->firmware, &entry, &err)) {
        if (!board->cpu.has_reset_pc)
            cpu_set_reset_pc(sim.cpu, entry);
        status = run(sim.machine, sim.cpu, opt, board->cpu.frequency_hz);
    }
    if (err)
        status = report(err);
    sim_close(&sim);
    return status;
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
    return status;
}
