/* The command line of mcusim. */
#ifndef SIM_OPTIONS_H
#define SIM_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* `mcusim --version`; snapshot files record it (sim/snapshot.c). */
#define MCUSIM_VERSION "0.1.0"

/* Exit statuses of our own; the firmware's status passes through. */
enum {
    EXIT_SCENARIO_FAILED = 120, /* a --scenario step or expectation failed */
    EXIT_OUTPUT_LOST = 121, /* a chardev, --trace-file or stdout failed */
    EXIT_KILLED = 122, /* gdb's `kill` */
    EXIT_TIMEOUT = 123,
    EXIT_INSN_LIMIT = 124,
    EXIT_SIM_ERROR = 125,
    EXIT_GUEST_FAULT = 126,
};

typedef struct Options {
    const char *board;         /* BOARD: a shipped name or FILE.yaml[:NAME] */
    const char *firmware;
    const char *describe;      /* --describe-board BOARD */
    const char **sets;         /* --set TARGET.KEY=VALUE, in order */
    size_t nsets;
    uint64_t max_insns;
    double timeout;            /* --timeout SECONDS of host time; 0: none */
    bool realtime;             /* --realtime: virtual time paced to the host's */
    unsigned trace;            /* --trace LIST: TraceFlag bits */
    const char *trace_file;    /* --trace-file PATH; NULL: stderr */
    bool host_set;             /* --host given: it replaces the board's */
    unsigned host;             /* --host LIST: HOST_* bits (sim/host.h) */
    const char *semihosting_root; /* --semihosting-root DIR; NULL: none */
    const char *const *fw_args;   /* after FIRMWARE --: the firmware's */
    int nfw_args;
    const char *gdb;           /* --gdb [HOST:]PORT; NULL: no stub */
    bool gdb_wait;             /* --gdb-wait: halted until gdb attaches */
    const char *monitor;       /* --monitor stdio|tcp:..|unix:..; NULL: none */
    bool monitor_wait;         /* --monitor-wait: halted until `cont` */
    const char *control;       /* --control tcp:..|unix:..; NULL: none */
    const char *scenario;      /* --scenario FILE.yaml; NULL: none */
    const char *junit;         /* --junit FILE.xml (with --scenario) */
    bool list_boards;
    bool stats;
    bool jit;                  /* --jit on|off; default: on where supported */
    unsigned jit_threshold;    /* --jit-threshold N; 0: the CPU's default */
    const char *vcd;           /* --vcd FILE; NULL: no waveform */
    const char *vcd_signals;   /* --vcd-signals LIST; NULL: every signal */
    const char *coverage;      /* --coverage FILE.info (sim/coverage.h); NULL: off */
    const char **profiles;     /* --profile FILE, in order (sim/profile.h) */
    size_t nprofiles;
    unsigned profile_report;   /* --profile-report[=N]: the top N; 0: none */
    const char *snapshot_save; /* --snapshot-save FILE: the machine at the end */
    const char *snapshot_load; /* --snapshot-load FILE: restored before the run */
    const char *record;        /* --record FILE: every external input (sim/record.h) */
    const char *replay;        /* --replay FILE: a recorded run, repeated */
    /* Reverse execution (sim/timeline.h): --reverse / --no-reverse; on by
     * default with --gdb and no --scenario (options_reverse_on). */
    int reverse;               /* 1 --reverse, 0 --no-reverse, -1 not given */
    uint64_t reverse_interval; /* --reverse-interval N instructions */
    unsigned reverse_snapshots; /* --reverse-snapshots N kept at most */
} Options;

/* Whether the run keeps a reverse-execution history. */
bool options_reverse_on(const Options *opt);

/* Returns -1 when the simulator should go on, else the exit status (after
 * --help, --version or a usage error, printed here). Free with
 * options_free. */
int options_parse(int argc, char **argv, Options *opt);
void options_free(Options *opt);

#endif
