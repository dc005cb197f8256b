/* libFuzzer harness: the ELF loader (sim/elf_load.h) and the symbol reader
 * (sim/elf_symbols.h) on arbitrary bytes, as `mcusim FIRMWARE` uses them.
 *
 * Each input is loaded onto a fresh small machine whose memories sit where
 * the project's firmware links (so the seed corpus loads), next to each
 * other and at the very top of the 4 GiB bus (edge arithmetic), with one
 * MMIO block (segments there are refused). When the load succeeds, the
 * symbols are read and looked up the way the host services and traces do.
 *
 * elf_load and elf_symbols_load take a path, so the bytes go to a memfd
 * opened again as /proc/self/fd/N: nothing touches the disk. FUZZ_VERBOSE=1
 * in the environment prints what became of each input (to reproduce one).
 * docs/FUZZING.md describes how to run, reproduce and add harnesses.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sim/elf_load.h"
#include "sim/elf_symbols.h"
#include "peripherals/registry.h"
#include "soc/board.h"
#include "soc/machine.h"
#include "soc/memory.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* virt32, HTIF and the ISA tests link at 0x80000000; newlib-sim programs at
 * 0x10000; HiFive1 firmware in flash at 0x20010000 (data copied from there);
 * picolibc's code at 0x10000000 and its data at 0x20000000. */
static const char BOARD[] =
    "fuzz:\n"
    "  memory:\n"
    "    - {name: lowram, type: ram, base: 0x10000, size: 64K}\n"
    "    - {name: rom, type: rom, base: 0x20000, size: 4K}\n"
    "    - {name: pflash, type: flash, base: 0x10000000, size: 64K}\n"
    "    - {name: flash, type: flash, base: 0x20000000, size: 128K}\n"
    "    - {name: ram, type: ram, base: 0x80000000, size: 64K}\n"
    "    - {name: top, type: ram, base: 0xffff0000, size: 64K}\n"
    "  peripherals:\n"
    "    - {name: mmio, type: memory-mapped-stub, base: 0x2000000, size: 0x1000}\n";

/* Set once at start-up: the board (read-only afterwards, shared by every
 * input) and FUZZ_VERBOSE (print each input's outcome). */
static BoardFile *board_file;
static bool verbose;

static void outcome(const char *what, Error *err)
{
    if (verbose)
        fprintf(stderr, "fuzz_elf: %s%s%s\n", what, err ? ": " : "",
                err ? error_message(err) : "");
    error_free(err);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    verbose = getenv("FUZZ_VERBOSE") != NULL;
    Error *err = NULL;
    board_file = board_file_parse("fuzz_elf", BOARD, sizeof BOARD - 1, &err);
    if (!board_file) {
        fprintf(stderr, "fuzz_elf: the harness's board: %s\n", error_message(err));
        abort();
    }
    return 0;
}

/* A memfd holding the bytes; -1 if the host refuses one (not the input's
 * fault, so the harness aborts rather than skip inputs silently). */
static int bytes_in_memfd(const uint8_t *data, size_t size)
{
    int fd = memfd_create("fuzz_elf", MFD_CLOEXEC);
    if (fd < 0) {
        perror("fuzz_elf: memfd_create");
        abort();
    }
    for (size_t done = 0; done < size;) {
        ssize_t n = write(fd, data + done, size - done);
        if (n <= 0) {
            perror("fuzz_elf: write to memfd");
            abort();
        }
        done += (size_t)n;
    }
    return fd;
}

/* What main, the host services and traces ask of the symbols. */
static void look_up_symbols(const char *path, uint32_t entry)
{
    Error *err = NULL;
    ElfSymbols *syms = elf_symbols_load(path, &err);
    if (!syms) {
        outcome("symbols refused", err);
        return;
    }
    static const char *const names[] = {"tohost", "fromhost", "_end", "__heap_start",
                                        "__stack", "main"};
    uint32_t addr, offset;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (elf_symbol_address(syms, names[i], &addr))
            (void)elf_symbol_at(syms, addr, &offset);
    (void)elf_symbol_at(syms, entry, &offset);
    (void)elf_symbol_at(syms, 0, &offset);
    (void)elf_symbol_at(syms, UINT32_MAX, &offset);
    elf_symbols_free(syms);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = bytes_in_memfd(data, size);
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);

    Error *err = NULL;
    MemorySystem *ms = memory_system_new();
    /* the board has no interrupts, chardevs or timers */
    MachineHooks hooks = {.registry = registry_devices()};
    Machine *machine = machine_new(ms, &board_file->boards[0], &hooks, &err);
    if (!machine) {
        fprintf(stderr, "fuzz_elf: the harness's machine: %s\n", error_message(err));
        abort();
    }
    uint32_t entry;
    if (elf_load(ms, path, &entry, &err)) {
        outcome("loaded", NULL);
        look_up_symbols(path, entry);
    } else {
        outcome("refused", err);
    }

    machine_free(machine);
    memory_system_free(ms);
    close(fd);
    return 0;
}
