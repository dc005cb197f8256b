/* Output files written once, when the run ends: --junit reports,
 * --coverage, --profile and --vcd files. */
#ifndef SIM_OUTPUT_FILE_H
#define SIM_OUTPUT_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "soc/error.h"

/* A file the run writes when it ends (`--junit`, `--coverage`,
 * `--profile`, `--vcd`): checked when the run starts, written when it
 * ends, so that nothing is truncated before the report is ready: a run that fails early leaves an
 * old report as it was, and a path naming one of the run's inputs is
 * refused before anything is read. A regular file is written through a
 * temporary file in its folder, renamed over it once complete (an
 * existing report is replaced whole or not at all, keeping its
 * permissions; a symbolic link is written through); when the folder
 * cannot take a temporary file, an existing file is rewritten in place.
 * A character device (/dev/null, /dev/full, a terminal) and the
 * simulator's own stdout or stderr are opened at the start and written
 * directly (soc/file.h).
 */
typedef struct OutputFile OutputFile;

/* A file the run reads, which the report must not replace. */
typedef struct OutputInput {
    const char *what; /* "the scenario file" */
    const char *path; /* NULL or missing: nothing to compare */
} OutputInput;

/* Checks that `path` can take the report, changing nothing there: an
 * existing file must open for writing (not truncated) and be none of
 * `inputs` (compared by device and inode, so any spelling of the path
 * counts); a missing one must be creatable in its folder. Errors name the
 * path: "PATH: is the scenario file", "PATH: cannot create: REASON",
 * "PATH: cannot open: REASON". The caller frees the result
 * (output_file_free). */
OutputFile *output_file_open(const char *path, const OutputInput *inputs,
                               size_t ninputs, Error **errp);

/* Writes the document to `out`; false when a write failed (errno says
 * why), as junit_write. */
typedef bool (*OutputWriteFn)(void *opaque, FILE *out);

/* Writes the report once (see above). False with "cannot write: REASON"
 * when it could not be written whole (or the open's error, for a file
 * rewritten in place); a file replaced through a temporary one is then
 * left as it was, and no temporary file remains. A regular file that
 * something else created or changed since output_file_open (another
 * output of the run at the same path: the trace file, a --profile
 * pointing at the --coverage file) is left as it is: false with "created
 * during the run (another output of the run?): not replaced" (or
 * "changed"). */
bool output_file_write(OutputFile *report, OutputWriteFn write, void *opaque,
                        Error **errp);

void output_file_free(OutputFile *report);

#endif
