#include "sim/options.h"
#include "soc/alloc.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/console.h"
#include "sim/cpu/cpu.h"
#include "sim/host/host.h"
#include "sim/timeline.h"
#include "sim/trace.h"
#include "soc/board.h"

static void usage(FILE *out)
{
    fprintf(out,
        "Usage: mcusim [OPTIONS] FIRMWARE.elf [-- FIRMWARE-ARGS...]\n"
        "       mcusim --list-boards | --describe-board BOARD\n"
        "Run a RISC-V firmware ELF on a simulated microcontroller board.\n"
        "\n"
        "Options:\n"
        "  -b, --board BOARD     board to run on (default: virt32). BOARD is the\n"
        "                        name of a shipped board (see --list-boards) or\n"
        "                        FILE.yaml[:NAME] for a board in your own file;\n"
        "                        NAME may be left out when the file has one board\n"
        "      --set T.KEY=VALUE change the board before it is built: a property\n"
        "                        of peripheral T (uart0.chardev=null), its base or\n"
        "                        size, a memory's base or size, or a key of\n"
        "                        the cpu: cpu.isa, cpu.frequency, cpu.reset_pc,\n"
        "                        cpu.misaligned, cpu.mvendorid, cpu.marchid,\n"
        "                        cpu.mimpid, cpu.pmp_entries, cpu.triggers;\n"
        "                        may be repeated\n"
        "  -n, --max-insns N     stop after N instructions (exit status 124)\n"
        "      --timeout SECONDS stop after SECONDS of host (wall-clock) time,\n"
        "                        e.g. 10 or 0.5 (exit status 123); checked every\n"
        "                        millisecond of virtual time\n"
        "      --realtime        pace the run so virtual time never gets more than\n"
        "                        a millisecond ahead of host time (it may fall\n"
        "                        behind on a busy host; default: as fast as\n"
        "                        possible)\n"
        "  -s, --stats           print instructions, virtual time, host time,\n"
        "                        MIPS and the engine that ran (jit or\n"
        "                        interpreter) to stderr when the run ends\n"
        "      --jit on|off      translate hot code to host code (x86-64 hosts;\n"
        "                        default on there, off elsewhere). Runs are\n"
        "                        identical either way; off runs the interpreter\n"
        "      --jit-threshold N translate a block once it has run N times\n"
        "                        (default 128; 1 translates everything at once)\n"
        "      --profile FILE    profile the firmware's cycles by function and\n"
        "                        call stack (docs/PROFILING.md), written when the\n"
        "                        run ends: FILE.json as a speedscope profile, any\n"
        "                        other FILE as folded stacks (`a;b;c CYCLES`, for\n"
        "                        tools/flamegraph.py); may be repeated\n"
        "      --profile-report[=N]\n"
        "                        print the top N functions (default 20) by self\n"
        "                        cycles to stderr when the run ends: self and\n"
        "                        inclusive cycles, calls, instructions\n"
        "      --coverage FILE.info\n"
        "                        line, function and branch coverage of the\n"
        "                        firmware in lcov's format (for genhtml), from its\n"
        "                        DWARF line table, written when the run ends\n"
        "                        (docs/COVERAGE.md); the ELF needs debug info (-g)\n"
        "      --vcd FILE        write a waveform (Value Change Dump, for GTKWave)\n"
        "                        of the board's signals in virtual time when the\n"
        "                        run ends: GPIO pins, interrupt lines, UART lines\n"
        "                        and bytes, PWM pins, the hart's privilege and\n"
        "                        sleep (docs/WAVEFORMS.md)\n"
        "      --vcd-signals LIST\n"
        "                        only the signals matching one of LIST's\n"
        "                        comma-separated patterns (gpio0.*,cpu.*,uart0.tx;\n"
        "                        default all)\n"
        "      --trace LIST      trace the run to stderr, one line per event, each\n"
        "                        starting with the virtual time in cycles. LIST is\n"
        "                        a comma-separated list of: insn (every\n"
        "                        instruction: pc, symbol+offset, raw bits,\n"
        "                        disassembly), exc (exceptions taken), irq\n"
        "                        (interrupts taken), mmio (device register reads\n"
        "                        and writes), sys (host-service calls), or all.\n"
        "                        insn slows the run down a lot.\n"
        "                        Devices' guest diagnostics (guest) and why the\n"
        "                        run ended (end) are always in a trace\n"
        "      --trace-file PATH write the trace to PATH instead of stderr\n"
        "      --host LIST       host services for the firmware, replacing the\n"
        "                        board's (`host:`): a comma-separated list of\n"
        "                        newlib (libgloss system calls by ecall, argv,\n"
        "                        brk), semihosting (RISC-V semihosting) and htif\n"
        "                        (tohost/fromhost), or none\n"
        "      --semihosting-root DIR\n"
        "                        let the firmware open files under DIR (newlib\n"
        "                        open, semihosting SYS_OPEN); paths may not leave\n"
        "                        it. Without it host files are off\n"
        "      --gdb [HOST:]PORT serve the GDB remote protocol on HOST (default\n"
        "                        127.0.0.1) and PORT (0: any free port; the\n"
        "                        port is printed on stderr); the firmware runs\n"
        "                        at full speed until gdb attaches or interrupts\n"
        "      --gdb-wait        with --gdb: start halted until gdb attaches\n"
        "      --monitor SPEC    a monitor console while the firmware runs: stdio\n"
        "                        (commands on stdin, replies on stdout),\n"
        "                        tcp:[HOST:]PORT (HOST default 127.0.0.1, PORT 0: a\n"
        "                        free port, printed on stderr) or unix:PATH. One\n"
        "                        command per line (`help` lists them); each reply\n"
        "                        is the output, then a line `ok` or `error`.\n"
        "                        Commands run between instructions; `stop`, `cont`,\n"
        "                        `step [N]`, `run-for TIME`, `quit [STATUS]` control\n"
        "                        the run. Not with --gdb (gdb has `monitor`)\n"
        "      --monitor-wait    with --monitor: start halted until `cont`\n"
        "      --control SPEC    drive the run from a test program over\n"
        "                        tcp:[HOST:]PORT or unix:PATH (docs/CONTROL.md):\n"
        "                        the monitor's commands, starting halted, virtual\n"
        "                        time advancing only in `step`, `run-for` and\n"
        "                        `run-until`; the process stays after the\n"
        "                        firmware exits until `quit` or the client leaves\n"
        "                        (exit status: the firmware's; 122 when the client\n"
        "                        left first). Not with --monitor, --gdb,\n"
        "                        --scenario or --realtime\n"
        "      --scenario FILE.yaml\n"
        "                        run the steps of a scenario file: monitor commands\n"
        "                        at a virtual time, an instruction count, a pc or\n"
        "                        UART output, and expectations on UART output and\n"
        "                        the exit status (exit status 120 when one fails)\n"
        "      --junit FILE.xml  with --scenario: write a JUnit report, one\n"
        "                        testcase per step and per expectation\n"
        "      --snapshot-save FILE\n"
        "                        write the whole machine as the run ended (an\n"
        "                        exit, a fault, --max-insns, --timeout) to FILE\n"
        "                        (docs/DEBUGGING.md, Snapshots)\n"
        "      --snapshot-load FILE\n"
        "                        start from the machine a snapshot file holds\n"
        "                        (taken of this FIRMWARE, on a hart like this\n"
        "                        board's): restored once the ELF is loaded\n"
        "      --record FILE     log every input from outside the machine (UART\n"
        "                        bytes from any chardev, monitor commands from\n"
        "                        gdb or a console, gdb's register and memory\n"
        "                        writes) with its exact position in the run, to\n"
        "                        FILE as it comes (docs/DEBUGGING.md, Record and\n"
        "                        replay): attach it to a bug report\n"
        "      --replay FILE     repeat a recorded run exactly, instruction for\n"
        "                        instruction, with its inputs from FILE (the\n"
        "                        same FIRMWARE, board and options; the engine may\n"
        "                        differ): chardevs' input and consoles are not\n"
        "                        read, and the run ends where the recording did\n"
        "      --reverse         keep the run's history for reverse execution\n"
        "                        (automatic snapshots and the input log; gdb's\n"
        "                        reverse-stepi, reverse-continue, ...:\n"
        "                        docs/DEBUGGING.md): on by default with --gdb\n"
        "                        (without --scenario)\n"
        "      --no-reverse      keep no history (gdb cannot go back)\n"
        "      --reverse-interval N\n"
        "                        a snapshot once N instructions have run since\n"
        "                        the last (default 1000000): going back\n"
        "                        re-executes about N instructions at most\n"
        "      --reverse-snapshots N\n"
        "                        keep at most N snapshots (default 64, at least\n"
        "                        2); when full, every other one of the older half\n"
        "                        goes, so the history still reaches the start\n"
        "      --list-boards     list the shipped boards and exit\n"
        "      --describe-board BOARD\n"
        "                        print the board as resolved (extends and --set\n"
        "                        applied) and its address-space tree, and exit\n"
        "  -h, --help            show this help and exit\n"
        "  -V, --version         show the version and exit\n"
        "\n"
        "Numbers may be decimal, 0x hex or 0b binary, with K, M or G suffixes.\n"
        "\n"
        "Exit status: the firmware's own (e.g. through the test device), a\n"
        "  monitor `quit STATUS`, or\n"
        "  120  a --scenario step or expectation failed (the message names\n"
        "       the step, what was expected and what was seen)\n"
        "  121  output was lost: a chardev's file, stdout or the\n"
        "       --trace-file could not be written (a full disk, /dev/full),\n"
        "       or the --junit report;\n"
        "       the message names it, and the run stops there\n"
        "  122  gdb killed the firmware (`kill`), or the --control client\n"
        "       left before the firmware's run ended\n"
        "  123  --timeout expired\n"
        "  124  the instruction limit (--max-insns) was reached\n"
        "  125  a usage, board or ELF error (the message says where)\n"
        "  126  the firmware faulted with no way to recover (a register dump\n"
        "       follows the message on stderr)\n"
        "\n"
        "Shipped boards come from boards.yaml next to the source tree, or from\n"
        "the file named by the MCUSIM_BOARDS environment variable.\n");
}

static int usage_error(void)
{
    fprintf(stderr, "Try 'mcusim --help' for more information.\n");
    return EXIT_SIM_ERROR;
}

/* A positive, finite number of seconds: "10", "0.5", "1e-3". */
static bool parse_seconds(const char *text, double *out)
{
    char *end;
    double value = strtod(text, &end);
    if (end == text || *end || !isfinite(value) || value <= 0)
        return false;
    *out = value;
    return true;
}

/* --jit on|off; on is refused where there is no translator. */
static bool parse_jit(const char *text, bool *jit)
{
    if (strcmp(text, "off") == 0) {
        *jit = false;
        return true;
    }
    if (strcmp(text, "on") != 0) {
        fprintf(stderr, "mcusim: --jit: '%s' is neither 'on' nor 'off'\n", text);
        return false;
    }
    if (!cpu_jit_supported()) {
        fprintf(stderr, "mcusim: --jit on: this host has no translator (x86-64 "
                "only); the interpreter runs everything with --jit off\n");
        return false;
    }
    *jit = true;
    return true;
}

static bool check_control_spec(const char *spec)
{
    Error *err = NULL;
    if (console_check_spec(spec, true, &err))
        return true;
    fprintf(stderr, "mcusim: --control: %s\n", error_message(err));
    error_free(err);
    return false;
}

/* --control drives the run itself: no other console, debugger, scenario
 * or pacing. */
static bool control_alone(const Options *opt)
{
    const char *other = opt->monitor        ? "--monitor"
                        : opt->monitor_wait ? "--monitor-wait"
                        : opt->gdb          ? "--gdb"
                        : opt->scenario     ? "--scenario"
                        : opt->realtime     ? "--realtime"
                                            : NULL;
    if (other)
        fprintf(stderr, "mcusim: --control and %s cannot be combined: the control "
                "client drives the run\n", other);
    return other == NULL;
}

static void add_profile(Options *opt, const char *path)
{
    opt->profiles = xreallocarray(opt->profiles, opt->nprofiles + 1, sizeof *opt->profiles);
    opt->profiles[opt->nprofiles++] = path;
}

/* --profile-report[=N]: the top N functions, 20 without N. */
static bool parse_profile_report(const char *text, unsigned *top)
{
    uint64_t n = 20;
    if (text && (!board_parse_u64(text, &n) || n == 0 || n > UINT32_MAX)) {
        fprintf(stderr, "mcusim: --profile-report: '%s' is not a number of functions "
                "from 1 to 4294967295\n", text);
        return false;
    }
    *top = (unsigned)n;
    return true;
}

/* --reverse-interval and --reverse-snapshots: from `min` to 2^32 - 1. */
static bool parse_reverse_number(const char *text, const char *option, uint64_t min,
                                 uint64_t *out)
{
    if (board_parse_u64(text, out) && *out >= min && *out <= UINT32_MAX)
        return true;
    fprintf(stderr, "mcusim: %s: '%s' is not a number from %llu to 4294967295\n", option,
            text, (unsigned long long)min);
    return false;
}

/* Default: with gdb, unless a scenario runs (its commands are applied by
 * the run loop, not replayed from the input log: going back would not
 * repeat them). */
bool options_reverse_on(const Options *opt)
{
    return opt->reverse == 1 || (opt->reverse == -1 && opt->gdb != NULL && !opt->scenario);
}

static void add_set(Options *opt, const char *assignment)
{
    const char **grown = xrealloc(opt->sets, (opt->nsets + 1) * sizeof *grown);
    opt->sets = grown;
    opt->sets[opt->nsets++] = assignment;
}

int options_parse(int argc, char **argv, Options *opt)
{
    enum { OPT_LIST_BOARDS = 256, OPT_DESCRIBE, OPT_SET };
    enum { OPT_TIMEOUT = 300, OPT_REALTIME, OPT_TRACE, OPT_TRACE_FILE };
    enum { OPT_HOST = 400, OPT_SEMIHOSTING_ROOT };
    enum { OPT_GDB = 500, OPT_GDB_WAIT };
    enum { OPT_MONITOR = 600, OPT_MONITOR_WAIT, OPT_SCENARIO, OPT_JUNIT };
    enum { OPT_JIT = 700, OPT_JIT_THRESHOLD };
    enum { OPT_PROFILE = 1200, OPT_PROFILE_REPORT };
    enum { OPT_CONTROL = 800 };
    enum { OPT_COVERAGE = 1300 };
    enum { OPT_VCD = 1400, OPT_VCD_SIGNALS };
    enum { OPT_SNAPSHOT_SAVE = 1500, OPT_SNAPSHOT_LOAD };
    enum { OPT_RECORD = 1600, OPT_REPLAY };
    enum { OPT_REVERSE = 1700, OPT_NO_REVERSE, OPT_REVERSE_INTERVAL, OPT_REVERSE_SNAPSHOTS };
    static const struct option longopts[] = {
        {"board", required_argument, NULL, 'b'},
        {"set", required_argument, NULL, OPT_SET},
        {"max-insns", required_argument, NULL, 'n'},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"realtime", no_argument, NULL, OPT_REALTIME},
        {"trace", required_argument, NULL, OPT_TRACE},
        {"trace-file", required_argument, NULL, OPT_TRACE_FILE},
        {"host", required_argument, NULL, OPT_HOST},
        {"semihosting-root", required_argument, NULL, OPT_SEMIHOSTING_ROOT},
        {"gdb", required_argument, NULL, OPT_GDB},
        {"gdb-wait", no_argument, NULL, OPT_GDB_WAIT},
        {"monitor", required_argument, NULL, OPT_MONITOR},
        {"monitor-wait", no_argument, NULL, OPT_MONITOR_WAIT},
        {"control", required_argument, NULL, OPT_CONTROL},
        {"scenario", required_argument, NULL, OPT_SCENARIO},
        {"junit", required_argument, NULL, OPT_JUNIT},
        {"list-boards", no_argument, NULL, OPT_LIST_BOARDS},
        {"describe-board", required_argument, NULL, OPT_DESCRIBE},
        {"stats", no_argument, NULL, 's'},
        {"jit", required_argument, NULL, OPT_JIT},
        {"profile", required_argument, NULL, OPT_PROFILE},
        {"profile-report", optional_argument, NULL, OPT_PROFILE_REPORT},
        {"coverage", required_argument, NULL, OPT_COVERAGE},
        {"jit-threshold", required_argument, NULL, OPT_JIT_THRESHOLD},
        {"vcd", required_argument, NULL, OPT_VCD},
        {"vcd-signals", required_argument, NULL, OPT_VCD_SIGNALS},
        {"snapshot-save", required_argument, NULL, OPT_SNAPSHOT_SAVE},
        {"snapshot-load", required_argument, NULL, OPT_SNAPSHOT_LOAD},
        {"record", required_argument, NULL, OPT_RECORD},
        {"replay", required_argument, NULL, OPT_REPLAY},
        {"reverse", no_argument, NULL, OPT_REVERSE},
        {"no-reverse", no_argument, NULL, OPT_NO_REVERSE},
        {"reverse-interval", required_argument, NULL, OPT_REVERSE_INTERVAL},
        {"reverse-snapshots", required_argument, NULL, OPT_REVERSE_SNAPSHOTS},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    *opt = (Options){.board = "virt32", .max_insns = UINT64_MAX,
                     .jit = cpu_jit_supported(), .reverse = -1,
                     .reverse_interval = TIMELINE_INTERVAL_DEFAULT,
                     .reverse_snapshots = TIMELINE_MARKS_DEFAULT};
    const char *reverse_tuned = NULL; /* --reverse-interval or -snapshots given */
    int c;
    while ((c = getopt_long(argc, argv, "+b:n:shV", longopts, NULL)) != -1) {
        switch (c) {
        case 'b': opt->board = optarg; break;
        case OPT_SET: add_set(opt, optarg); break;
        case 'n':
            if (!board_parse_u64(optarg, &opt->max_insns) || opt->max_insns == 0) {
                fprintf(stderr, "mcusim: --max-insns: '%s' is not a positive number\n",
                        optarg);
                return EXIT_SIM_ERROR;
            }
            break;
        case OPT_TIMEOUT:
            if (!parse_seconds(optarg, &opt->timeout)) {
                fprintf(stderr, "mcusim: --timeout: '%s' is not a positive number "
                        "of seconds\n", optarg);
                return EXIT_SIM_ERROR;
            }
            break;
        case OPT_REALTIME: opt->realtime = true; break;
        case OPT_GDB: opt->gdb = optarg; break;
        case OPT_GDB_WAIT: opt->gdb_wait = true; break;
        case OPT_MONITOR: {
            Error *err = NULL;
            if (!console_check_spec(optarg, false, &err)) {
                fprintf(stderr, "mcusim: --monitor: %s\n", error_message(err));
                error_free(err);
                return EXIT_SIM_ERROR;
            }
            opt->monitor = optarg;
            break;
        }
        case OPT_MONITOR_WAIT: opt->monitor_wait = true; break;
        case OPT_CONTROL:
            if (!check_control_spec(optarg))
                return usage_error();
            opt->control = optarg;
            break;
        case OPT_SCENARIO: opt->scenario = optarg; break;
        case OPT_JUNIT: opt->junit = optarg; break;
        case OPT_TRACE: {
            Error *err = NULL;
            if (!trace_parse_list(optarg, &opt->trace, &err)) {
                fprintf(stderr, "mcusim: --trace: %s\n", error_message(err));
                error_free(err);
                return EXIT_SIM_ERROR;
            }
            break;
        }
        case OPT_TRACE_FILE: opt->trace_file = optarg; break;
        case OPT_HOST: {
            Error *err = NULL;
            if (!host_parse_services(optarg, &opt->host, &err)) {
                fprintf(stderr, "mcusim: %s\n", error_message(err));
                error_free(err);
                return EXIT_SIM_ERROR;
            }
            opt->host_set = true;
            break;
        }
        case OPT_SEMIHOSTING_ROOT: opt->semihosting_root = optarg; break;
        case OPT_LIST_BOARDS: opt->list_boards = true; break;
        case OPT_DESCRIBE: opt->describe = optarg; break;
        case 's': opt->stats = true; break;
        case OPT_JIT:
            if (!parse_jit(optarg, &opt->jit))
                return usage_error();
            break;
        case OPT_VCD: opt->vcd = optarg; break;
        case OPT_VCD_SIGNALS: opt->vcd_signals = optarg; break;
        case OPT_JIT_THRESHOLD: {
            uint64_t runs;
            if (!board_parse_u64(optarg, &runs) || runs == 0 || runs > UINT32_MAX) {
                fprintf(stderr, "mcusim: --jit-threshold: '%s' is not a number of runs "
                        "from 1 to 4294967295\n", optarg);
                return usage_error();
            }
            opt->jit_threshold = (unsigned)runs;
            break;
        }
        case OPT_PROFILE: add_profile(opt, optarg); break;
        case OPT_PROFILE_REPORT:
            if (!parse_profile_report(optarg, &opt->profile_report))
                return usage_error();
            break;
        case OPT_COVERAGE: opt->coverage = optarg; break;
        case OPT_SNAPSHOT_SAVE: opt->snapshot_save = optarg; break;
        case OPT_SNAPSHOT_LOAD: opt->snapshot_load = optarg; break;
        case OPT_RECORD: opt->record = optarg; break;
        case OPT_REPLAY: opt->replay = optarg; break;
        case OPT_REVERSE: opt->reverse = 1; break;
        case OPT_NO_REVERSE: opt->reverse = 0; break;
        case OPT_REVERSE_INTERVAL:
            if (!parse_reverse_number(optarg, "--reverse-interval", 1, &opt->reverse_interval))
                return usage_error();
            reverse_tuned = "--reverse-interval";
            break;
        case OPT_REVERSE_SNAPSHOTS: {
            uint64_t n;
            if (!parse_reverse_number(optarg, "--reverse-snapshots", TIMELINE_MARKS_MIN, &n))
                return usage_error();
            opt->reverse_snapshots = (unsigned)n;
            reverse_tuned = "--reverse-snapshots";
            break;
        }
        case 'h': usage(stdout); return 0;
        case 'V': printf("mcusim %s\n", MCUSIM_VERSION); return 0;
        default: return usage_error();
        }
    }
    if (opt->gdb_wait && !opt->gdb) {
        fprintf(stderr, "mcusim: --gdb-wait needs --gdb [HOST:]PORT\n");
        return usage_error();
    }
    if (opt->monitor_wait && !opt->monitor) {
        fprintf(stderr, "mcusim: --monitor-wait needs --monitor SPEC\n");
        return usage_error();
    }
    if (opt->monitor && opt->gdb) {
        fprintf(stderr, "mcusim: --monitor and --gdb cannot be combined: gdb's "
                "`monitor` command runs the same commands\n");
        return usage_error();
    }
    if (opt->control && !control_alone(opt))
        return usage_error();
    if (opt->junit && !opt->scenario) {
        fprintf(stderr, "mcusim: --junit needs --scenario FILE.yaml (what to report)\n");
        return usage_error();
    }
    if (opt->vcd_signals && !opt->vcd) {
        fprintf(stderr, "mcusim: --vcd-signals needs --vcd FILE (where to write)\n");
        return usage_error();
    }
    if (opt->reverse == 1 && opt->scenario) {
        fprintf(stderr, "mcusim: --reverse and --scenario cannot be combined: going back "
                "would not repeat the scenario's commands\n");
        return usage_error();
    }
    if (reverse_tuned && !options_reverse_on(opt)) {
        fprintf(stderr, "mcusim: %s needs reverse execution (--gdb, or --reverse)\n",
                reverse_tuned);
        return usage_error();
    }
    if (opt->record && opt->replay) {
        fprintf(stderr, "mcusim: --record and --replay cannot be combined: a replay "
                "repeats a recording\n");
        return usage_error();
    }
    if (opt->trace_file && !opt->trace) {
        fprintf(stderr, "mcusim: --trace-file needs --trace LIST (what to trace)\n");
        return usage_error();
    }
    if (opt->list_boards || opt->describe) {
        if (optind == argc)
            return -1;
        fprintf(stderr, "mcusim: --list-boards and --describe-board take no firmware\n");
        return usage_error();
    }
    /* FIRMWARE [-- ARGS]: what follows -- is the firmware's argv[1..]. */
    bool args = optind + 1 < argc && strcmp(argv[optind + 1], "--") == 0;
    if (optind == argc || (optind != argc - 1 && !args)) {
        fprintf(stderr, optind == argc ? "mcusim: no firmware ELF given\n"
                                       : "mcusim: more than one firmware given (arguments "
                                         "for the firmware go after --)\n");
        return usage_error();
    }
    opt->firmware = argv[optind];
    if (args) {
        opt->fw_args = (const char *const *)&argv[optind + 2];
        opt->nfw_args = argc - optind - 2;
    }
    return -1;
}

void options_free(Options *opt)
{
    free(opt->sets);
    free(opt->profiles);
    opt->profiles = NULL;
    opt->nprofiles = 0;
    opt->sets = NULL;
    opt->nsets = 0;
}
