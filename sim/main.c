/* mcusim: runs a RISC-V firmware ELF on a board described in YAML.
 * Wires the parts together: board file -> machine (memory + peripherals)
 * -> ELF -> CPU -> run loop -> exit status. */
#include <getopt.h>
#include <limits.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/chardev_host.h"
#include "sim/cpu.h"
#include "sim/elf_load.h"
#include "soc/board.h"
#include "soc/machine.h"

#define MCUSIM_VERSION "0.1.0"

/* Exit statuses of our own; the firmware's status passes through. */
enum {
    EXIT_INSN_LIMIT = 124,
    EXIT_SIM_ERROR = 125,
    EXIT_GUEST_FAULT = 126,
};

typedef struct Options {
    const char *board;
    const char *firmware;
    uint64_t max_insns;
    bool list_boards;
    bool stats;
} Options;

typedef struct Sim {
    Cpu *cpu;
} Sim;

static void usage(FILE *out)
{
    fprintf(out,
        "Usage: mcusim [OPTIONS] FIRMWARE.elf\n"
        "Run a RISC-V firmware ELF on a simulated microcontroller board.\n"
        "\n"
        "Options:\n"
        "  -b, --board BOARD     board to run on (default: virt32). BOARD is the\n"
        "                        name of a shipped board (see --list-boards) or\n"
        "                        FILE.yaml[:NAME] for a board in your own file;\n"
        "                        NAME may be left out when the file has one board\n"
        "  -n, --max-insns N     stop after N instructions (exit status 124)\n"
        "  -s, --stats           print instructions, virtual time, host time and\n"
        "                        MIPS to stderr when the run ends\n"
        "      --list-boards     list the shipped boards and exit\n"
        "  -h, --help            show this help and exit\n"
        "  -V, --version         show the version and exit\n"
        "\n"
        "Exit status: the firmware's own (e.g. through the test device), or\n"
        "  124  the instruction limit was reached\n"
        "  125  a usage, board or ELF error (the message says where)\n"
        "  126  the firmware faulted with no way to recover\n"
        "\n"
        "Shipped boards come from boards.yaml next to the source tree, or from\n"
        "the file named by the MCUSIM_BOARDS environment variable.\n");
}

static bool parse_u64(const char *text, uint64_t *out)
{
    return board_parse_u64(text, out) != 0;
}

/* Returns -1 to continue, otherwise the exit status. */
static int parse_options(int argc, char **argv, Options *opt)
{
    enum { OPT_LIST_BOARDS = 256 };
    static const struct option longopts[] = {
        {"board", required_argument, NULL, 'b'},
        {"max-insns", required_argument, NULL, 'n'},
        {"list-boards", no_argument, NULL, OPT_LIST_BOARDS},
        {"stats", no_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    *opt = (Options){.board = "virt32", .max_insns = UINT64_MAX};
    int c;
    while ((c = getopt_long(argc, argv, "+b:n:shV", longopts, NULL)) != -1) {
        switch (c) {
        case 'b': opt->board = optarg; break;
        case 'n':
            if (!parse_u64(optarg, &opt->max_insns) || opt->max_insns == 0) {
                fprintf(stderr, "mcusim: --max-insns: '%s' is not a positive number\n",
                        optarg);
                return EXIT_SIM_ERROR;
            }
            break;
        case OPT_LIST_BOARDS: opt->list_boards = true; break;
        case 's': opt->stats = true; break;
        case 'h': usage(stdout); return 0;
        case 'V': printf("mcusim %s\n", MCUSIM_VERSION); return 0;
        default:
            fprintf(stderr, "Try 'mcusim --help' for more information.\n");
            return EXIT_SIM_ERROR;
        }
    }
    if (opt->list_boards)
        return -1;
    if (optind != argc - 1) {
        fprintf(stderr, optind == argc ? "mcusim: no firmware ELF given\n"
                                       : "mcusim: more than one firmware given\n");
        fprintf(stderr, "Try 'mcusim --help' for more information.\n");
        return EXIT_SIM_ERROR;
    }
    opt->firmware = argv[optind];
    return -1;
}

/* The shipped boards.yaml: $MCUSIM_BOARDS, else next to the source tree
 * the executable was built in (build/mcusim -> boards.yaml). */
static char *shipped_boards_path(void)
{
    const char *env = getenv("MCUSIM_BOARDS");
    if (env && *env)
        return strdup(env);
    char exe[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len > 0) {
        exe[len] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            char *path = NULL;
            if (asprintf(&path, "%s/../boards.yaml", exe) >= 0) {
                if (access(path, R_OK) == 0)
                    return path;
                free(path);
            }
        }
    }
    return strdup("boards.yaml");
}

static bool is_board_file(const char *spec)
{
    return strstr(spec, ".yaml") || strstr(spec, ".yml") || strchr(spec, '/');
}

/* "a, b, c": the names of the boards in a file, malloc'd. */
static char *board_names(const BoardFile *file)
{
    size_t len = 1;
    for (size_t i = 0; i < file->nboards; i++)
        len += strlen(file->boards[i].name) + 2;
    char *names = calloc(1, len);
    if (!names)
        abort();
    for (size_t i = 0; i < file->nboards; i++) {
        if (i)
            strcat(names, ", ");
        strcat(names, file->boards[i].name);
    }
    return names;
}

/* Splits BOARD into the file to load and the board name in it (NULL: the
 * file's only board). */
static char *board_file_and_name(const char *spec, const char **name)
{
    if (!is_board_file(spec)) {
        *name = spec;
        return shipped_boards_path();
    }
    char *path = strdup(spec);
    if (!path)
        abort();
    char *colon = strrchr(path, ':');
    *name = NULL;
    if (colon && !strchr(colon, '/') && !strstr(colon, ".yaml") &&
        !strstr(colon, ".yml")) {
        *colon = '\0';
        *name = spec + (colon - path) + 1;
    }
    return path;
}

/* Loads the board file BOARD names and finds the board in it. */
static const BoardDesc *resolve_board(const char *spec, BoardFile **file_out,
                                      Error **errp)
{
    const char *name;
    char *path = board_file_and_name(spec, &name);
    BoardFile *file = board_file_load(path, errp);
    const BoardDesc *board = NULL;
    if (file) {
        if (name)
            board = board_file_find(file, name);
        else if (file->nboards == 1)
            board = &file->boards[0];
    }
    if (file && !board) {
        char *names = board_names(file);
        if (name)
            error_setf(errp, "%s: no board '%s' (boards there: %s)", path, name,
                       names);
        else
            error_setf(errp, "%s: holds several boards (%s); name one as %s:NAME",
                       path, names, path);
        free(names);
        board_file_free(file);
        file = NULL;
    }
    free(path);
    *file_out = file;
    return board;
}

static int list_boards(void)
{
    char *path = shipped_boards_path();
    Error *err = NULL;
    BoardFile *file = board_file_load(path, &err);
    free(path);
    if (!file) {
        fprintf(stderr, "mcusim: %s\n", error_message(err));
        error_free(err);
        return EXIT_SIM_ERROR;
    }
    for (size_t i = 0; i < file->nboards; i++)
        printf("%-16s %s\n", file->boards[i].name, file->boards[i].description);
    board_file_free(file);
    return 0;
}

static void sim_stop(void *opaque)
{
    Sim *sim = opaque;
    if (sim->cpu)
        cpu_request_stop(sim->cpu);
}

static Chardev *sim_open_chardev(void *opaque, const char *spec, Error **errp)
{
    return chardev_open(spec, errp);
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

static int simulate(const Options *opt, const BoardDesc *board)
{
    Sim sim = {0};
    Error *err = NULL;
    int status = EXIT_SIM_ERROR;
    Clock *clock = clock_new(board->cpu.frequency_hz);
    MemorySystem *ms = memory_system_new();
    /* The CPU first: the machine wires cpu.* lines to it in machine_new. */
    CpuConfig config = {
        .isa = board->cpu.isa,
        .reset_pc = board->cpu.has_reset_pc ? board->cpu.reset_pc : 0,
        .frequency_hz = board->cpu.frequency_hz,
        .clock = clock,
        .emulate_misaligned = board->cpu.emulate_misaligned,
    };
    sim.cpu = cpu_new(ms, &config, &err);
    MachineHooks hooks = {
        .opaque = &sim,
        .stop = sim_stop,
        .open_chardev = sim_open_chardev,
        .cpu_irq = sim_cpu_irq,
        .clock = clock,
    };
    Machine *machine = sim.cpu ? machine_new(ms, board, &hooks, &err) : NULL;
    uint32_t entry = 0;
    if (machine && elf_load(ms, opt->firmware, &entry, &err)) {
        if (!board->cpu.has_reset_pc)
            cpu_set_reset_pc(sim.cpu, entry);
        uint64_t (*read_time)(void *);
        void *time_opaque;
        if (machine_time_source(machine, &read_time, &time_opaque))
            cpu_set_time_source(sim.cpu, read_time, time_opaque);
        status = run(machine, sim.cpu, opt, board->cpu.frequency_hz);
    }
    if (err) {
        fprintf(stderr, "mcusim: %s\n", error_message(err));
        error_free(err);
    }
    machine_free(machine); /* before the CPU and the clock it uses */
    cpu_free(sim.cpu);
    memory_system_free(ms);
    clock_free(clock);
    return status;
}

int main(int argc, char **argv)
{
    Options opt;
    int status = parse_options(argc, argv, &opt);
    if (status >= 0)
        return status;
    if (opt.list_boards)
        return list_boards();
    Error *err = NULL;
    BoardFile *file = NULL;
    const BoardDesc *board = resolve_board(opt.board, &file, &err);
    if (!board) {
        fprintf(stderr, "mcusim: %s\n", error_message(err));
        error_free(err);
        return EXIT_SIM_ERROR;
    }
    status = simulate(&opt, board);
    board_file_free(file);
    return status;
}
