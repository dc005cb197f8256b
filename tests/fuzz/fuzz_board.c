/* libFuzzer harness: board files as `mcusim --board FILE.yaml[:NAME]
 * --set ...` reads them (sim/board_choice.h: YAML, `extends:` through
 * other files and the shipped boards, `--set`), then --describe-board's
 * text and, when its memories add up to at most 1 MiB, the machine itself
 * (soc/machine.h, with a CPU and a clock as main builds them).
 *
 * An input is text; lines starting with "#%" (a YAML comment, so a seed
 * stays a readable board file) split it:
 *
 *   ...                   board.yaml, the file --board names
 *   #%file NAME           what follows, up to the next "#%file", is the file
 *                         NAME beside it (for `extends: NAME:BOARD`)
 *   #%set TARGET.KEY=VAL  one --set, in order
 *   #%board NAME          --board board.yaml:NAME (default: the file's
 *                         only board)
 *
 * The files go to a fresh temporary folder per input, removed afterwards.
 * `extends: NAME` of a board not in the file finds the shipped boards.yaml
 * where mcusim does (boards_shipped_path: $MCUSIM_BOARDS, which
 * run_fuzz.py sets; by hand, set it or run from the top of the tree, as
 * build/fuzz/ holds no boards.yaml beside it). FUZZ_VERBOSE=1
 * in the environment prints what became of each input (to reproduce one).
 * docs/FUZZING.md describes how to run, reproduce and add harnesses.
 */
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/board_choice.h"
#include "sim/cpu/cpu.h"
#include "peripherals/registry.h"
#include "soc/alloc.h"
#include "soc/board.h"
#include "soc/clock.h"
#include "soc/machine.h"
#include "soc/memory.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_FILES 4
#define MAX_SETS 8
#define MAX_NAME 32
/* Boards whose memories add up to more are checked but not built: a
 * 4 GiB RAM is a valid board, and allocating it would only measure the
 * allocator (and trip libFuzzer's malloc limit); even 16 MiB costs ~5 ms
 * of ASan shadow work per input. The seeds shrink their memories with
 * --set to be built. */
#define MAX_BUILT_MEMORY (1ull << 20)

typedef struct Input {
    const char *text[MAX_FILES + 1]; /* [0]: board.yaml, then the extras */
    size_t len[MAX_FILES + 1];
    char name[MAX_FILES + 1][MAX_NAME + 1];
    size_t nfiles;
    char *sets[MAX_SETS];
    size_t nsets;
    char *board; /* NULL: the file's only board */
} Input;

/* Set once at start-up from FUZZ_VERBOSE: print each input's outcome. */
static bool verbose;

/* An input's outcome, printed only when asked for. */
static void outcome(const char *what, Error *err)
{
    if (verbose)
        fprintf(stderr, "fuzz_board: %s%s%s\n", what, err ? ": " : "",
                err ? error_message(err) : "");
    error_free(err);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    verbose = getenv("FUZZ_VERBOSE") != NULL;
    return 0;
}

/* A file name the input may use: letters, digits, '.', '-', '_', not
 * starting with '.', so it stays inside the temporary folder. */
static void file_name(const char *s, size_t len, char *out)
{
    size_t n = 0;
    for (size_t i = 0; i < len && n < MAX_NAME; i++) {
        char ch = s[i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' ||
                  (ch == '.' && n > 0);
        if (ok)
            out[n++] = ch;
    }
    if (n == 0)
        out[n++] = 'x';
    out[n] = '\0';
}

static char *copy_text(const char *s, size_t len)
{
    char *copy = xcalloc(len + 1, 1);
    memcpy(copy, s, len);
    return copy;
}

/* One "#%" line: `line` without its newline, `rest` the text after it. */
static void directive(Input *in, const char *line, size_t len, const char *rest)
{
    if (len >= 7 && memcmp(line, "#%file ", 7) == 0 && in->nfiles < MAX_FILES) {
        in->nfiles++;
        file_name(line + 7, len - 7, in->name[in->nfiles]);
        in->text[in->nfiles] = rest;
    } else if (len >= 6 && memcmp(line, "#%set ", 6) == 0 && in->nsets < MAX_SETS) {
        in->sets[in->nsets++] = copy_text(line + 6, len - 6);
    } else if (len >= 8 && memcmp(line, "#%board ", 8) == 0 && !in->board) {
        in->board = copy_text(line + 8, len - 8);
    }
}

/* Every line that is not a directive extends the current file (so a
 * directive between two of its lines stays in it, as a comment). */
static void split_input(Input *in, const char *data, size_t size)
{
    memset(in, 0, sizeof *in);
    strcpy(in->name[0], "board.yaml");
    in->text[0] = data;
    for (size_t pos = 0; pos < size;) {
        const char *line = data + pos;
        const char *nl = memchr(line, '\n', size - pos);
        size_t len = nl ? (size_t)(nl - line) : size - pos;
        size_t next = pos + len + (nl ? 1 : 0);
        if (len >= 2 && line[0] == '#' && line[1] == '%')
            directive(in, line, len, data + next);
        else
            in->len[in->nfiles] = (size_t)(data + next - in->text[in->nfiles]);
        pos = next;
    }
}

static void free_input(Input *in)
{
    for (size_t i = 0; i < in->nsets; i++)
        free(in->sets[i]);
    free(in->board);
}

static void write_file(const char *dir, const char *name, const char *text,
                       size_t len)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(text, 1, len, f) != len || fclose(f) != 0) {
        perror("fuzz_board: writing the input's files");
        abort();
    }
}

static void remove_files(const char *dir, const Input *in)
{
    char path[PATH_MAX];
    for (size_t i = 0; i <= in->nfiles; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, in->name[i]);
        unlink(path); /* a name given twice is already gone */
    }
    rmdir(dir);
}

/* ---- the machine, as sim/main.c builds it ---- */

typedef struct NullChardev {
    Chardev base;
} NullChardev;

static void null_write(Chardev *chr, const uint8_t *buf, size_t len) {}
static void null_close(Chardev *chr) { free(chr); }
static const ChardevOps null_ops = {.write = null_write, .close = null_close};

/* Any backend a board names becomes a sink: the harness opens no file,
 * socket or terminal. */
static Chardev *open_null(void *opaque, const char *device, const char *spec,
                          Error **errp)
{
    NullChardev *chr = xcalloc(1, sizeof *chr);
    chr->base.ops = &null_ops;
    return &chr->base;
}

static void ignore(void *opaque) {}
static void drop_guest_log(void *opaque, const char *device, const char *message) {}
static void reset_cpu(void *opaque) { cpu_request_reset(opaque); }

static bool cpu_input(void *opaque, const char *input, IrqLine *out)
{
    return cpu_irq_input_named(opaque, input, out);
}

static bool cheap_to_build(const BoardDesc *board)
{
    uint64_t total = 0;
    for (size_t i = 0; i < board->nmemories; i++) {
        if (board->memories[i].size > MAX_BUILT_MEMORY)
            return false;
        total += board->memories[i].size;
    }
    return total <= MAX_BUILT_MEMORY;
}

static void build_machine(const BoardDesc *board)
{
    Error *err = NULL;
    Clock *clock = clock_new(board->cpu.frequency_hz);
    MemorySystem *ms = memory_system_new();
    CpuConfig config;
    board_cpu_config(board, clock, &config);
    Cpu *cpu = cpu_new(ms, &config, &err);
    Machine *machine = NULL;
    if (cpu) {
        MachineHooks hooks = {
            .opaque = cpu,
            .stop = ignore,
            .open_chardev = open_null,
            .cpu_irq = cpu_input,
            .clock = clock,
            .reset_cpu = reset_cpu,
            .log_guest = drop_guest_log,
            .registry = registry_devices(),
        };
        machine = machine_new(ms, board, &hooks, &err);
    }
    if (machine)
        cpu_set_time_source(cpu, machine_read_time, machine);
    if (machine)
        machine_reset(machine); /* every device's reset hook, as a watchdog would */
    outcome(machine ? "machine built" : "machine refused", err);
    machine_free(machine);
    cpu_free(cpu);
    memory_system_free(ms);
    clock_free(clock);
}

static void choose_board(const char *dir, const Input *in)
{
    char spec[PATH_MAX + 2048];
    snprintf(spec, sizeof spec, "%s/board.yaml%s%s", dir, in->board ? ":" : "",
             in->board ? in->board : "");
    Error *err = NULL;
    BoardDesc *board;
    BoardFile *file = board_choose(spec, (const char *const *)in->sets, in->nsets,
                                   &board, &err);
    if (!file) {
        outcome("board refused", err);
        return;
    }
    FILE *out = fopen("/dev/null", "w");
    if (out) {
        board_describe(out, board);
        fclose(out);
    }
    if (cheap_to_build(board))
        build_machine(board);
    else
        outcome("board loaded; too much memory to build", NULL);
    board_file_free(file);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    Input in;
    split_input(&in, (const char *)data, size);
    const char *tmp = getenv("TMPDIR");
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/fuzz_board.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        perror("fuzz_board: mkdtemp");
        abort();
    }
    for (size_t i = 0; i <= in.nfiles; i++)
        write_file(dir, in.name[i], in.text[i], in.len[i]);
    choose_board(dir, &in);
    remove_files(dir, &in);
    free_input(&in);
    return 0;
}
