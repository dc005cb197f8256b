#include "sim/options.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "soc/board.h"

#define MCUSIM_VERSION "0.1.0"

static void usage(FILE *out)
{
    fprintf(out,
        "Usage: mcusim [OPTIONS] FIRMWARE.elf\n"
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
        "                        size, a memory's base or size, or cpu.isa,\n"
        "                        cpu.frequency, cpu.reset_pc, cpu.misaligned;\n"
        "                        may be repeated\n"
        "  -n, --max-insns N     stop after N instructions (exit status 124)\n"
        "  -s, --stats           print instructions, virtual time, host time and\n"
        "                        MIPS to stderr when the run ends\n"
        "      --list-boards     list the shipped boards and exit\n"
        "      --describe-board BOARD\n"
        "                        print the board as resolved (extends and --set\n"
        "                        applied) and its address-space tree, and exit\n"
        "  -h, --help            show this help and exit\n"
        "  -V, --version         show the version and exit\n"
        "\n"
        "Numbers may be decimal, 0x hex or 0b binary, with K, M or G suffixes.\n"
        "\n"
        "Exit status: the firmware's own (e.g. through the test device), or\n"
        "  124  the instruction limit was reached\n"
        "  125  a usage, board or ELF error (the message says where)\n"
        "  126  the firmware faulted with no way to recover\n"
        "\n"
        "Shipped boards come from boards.yaml next to the source tree, or from\n"
        "the file named by the MCUSIM_BOARDS environment variable.\n");
}

static int usage_error(void)
{
    fprintf(stderr, "Try 'mcusim --help' for more information.\n");
    return EXIT_SIM_ERROR;
}

static void add_set(Options *opt, const char *assignment)
{
    const char **grown = realloc(opt->sets, (opt->nsets + 1) * sizeof *grown);
    if (!grown)
        abort();
    opt->sets = grown;
    opt->sets[opt->nsets++] = assignment;
}

int options_parse(int argc, char **argv, Options *opt)
{
    enum { OPT_LIST_BOARDS = 256, OPT_DESCRIBE, OPT_SET };
    static const struct option longopts[] = {
        {"board", required_argument, NULL, 'b'},
        {"set", required_argument, NULL, OPT_SET},
        {"max-insns", required_argument, NULL, 'n'},
        {"list-boards", no_argument, NULL, OPT_LIST_BOARDS},
        {"describe-board", required_argument, NULL, OPT_DESCRIBE},
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
        case OPT_SET: add_set(opt, optarg); break;
        case 'n':
            if (!board_parse_u64(optarg, &opt->max_insns) || opt->max_insns == 0) {
                fprintf(stderr, "mcusim: --max-insns: '%s' is not a positive number\n",
                        optarg);
                return EXIT_SIM_ERROR;
            }
            break;
        case OPT_LIST_BOARDS: opt->list_boards = true; break;
        case OPT_DESCRIBE: opt->describe = optarg; break;
        case 's': opt->stats = true; break;
        case 'h': usage(stdout); return 0;
        case 'V': printf("mcusim %s\n", MCUSIM_VERSION); return 0;
        default: return usage_error();
        }
    }
    if (opt->list_boards || opt->describe) {
        if (optind == argc)
            return -1;
        fprintf(stderr, "mcusim: --list-boards and --describe-board take no firmware\n");
        return usage_error();
    }
    if (optind != argc - 1) {
        fprintf(stderr, optind == argc ? "mcusim: no firmware ELF given\n"
                                       : "mcusim: more than one firmware given\n");
        return usage_error();
    }
    opt->firmware = argv[optind];
    return -1;
}

void options_free(Options *opt)
{
    free(opt->sets);
    opt->sets = NULL;
    opt->nsets = 0;
}
