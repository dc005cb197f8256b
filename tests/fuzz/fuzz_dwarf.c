/* libFuzzer harness: the debug information --coverage reads
 * (sim/debug_lines.h through sim/coverage.h) on arbitrary bytes: the ELF's
 * executable sections, its DWARF line tables and subprograms, then the
 * lcov report (no block has run: every line, function and branch the
 * tables describe is walked and written, to a discarding stream).
 *
 * coverage_new takes a path, so the bytes go to a memfd opened again as
 * /proc/self/fd/N: nothing touches the disk. FUZZ_VERBOSE=1 in the
 * environment prints what became of each input. The seed
 * (tests/fuzz/corpus/dwarf/) is a small -O0 -g RV32 program with a loop,
 * a branch and two functions; docs/FUZZING.md describes how to run,
 * reproduce and add harnesses.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sim/coverage.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Set once at start-up: FUZZ_VERBOSE, and where reports go. */
static bool verbose;
static FILE *sink;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    verbose = getenv("FUZZ_VERBOSE") != NULL;
    sink = fopen("/dev/null", "w");
    if (!sink) {
        perror("fuzz_dwarf: /dev/null");
        abort();
    }
    return 0;
}

/* A memfd holding the bytes; the host refusing one is the harness's
 * failure, not the input's. */
static int bytes_in_memfd(const uint8_t *data, size_t size)
{
    int fd = memfd_create("fuzz_dwarf", MFD_CLOEXEC);
    if (fd < 0) {
        perror("fuzz_dwarf: memfd_create");
        abort();
    }
    for (size_t done = 0; done < size;) {
        ssize_t n = write(fd, data + done, size - done);
        if (n <= 0) {
            perror("fuzz_dwarf: write to memfd");
            abort();
        }
        done += (size_t)n;
    }
    return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = bytes_in_memfd(data, size);
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    Error *err = NULL;
    Coverage *cov = coverage_new(path, &err);
    if (cov) {
        bool written = coverage_write_lcov(cov, sink);
        if (verbose)
            fprintf(stderr, "fuzz_dwarf: read; report %s\n", written ? "written" : "failed");
    } else if (verbose) {
        fprintf(stderr, "fuzz_dwarf: refused: %s\n", error_message(err));
    }
    error_free(err);
    coverage_free(cov);
    close(fd);
    return 0;
}
