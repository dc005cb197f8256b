/* JUnit XML reports (`--junit FILE.xml`), the format CI dashboards read:
 *
 *   <testsuites><testsuite name=SUITE tests=N failures=F skipped=S>
 *     <testcase classname=CLASS name=NAME time=SECONDS>
 *       <failure message=MESSAGE/> or <skipped message=MESSAGE/>
 *     </testcase> ...
 *
 * Every text is escaped: the five XML specials as entities, valid UTF-8
 * as it is, and any other byte (control characters, which XML 1.0 cannot
 * carry, broken UTF-8, and the UTF-8 of U+FFFE and U+FFFF, which XML 1.0
 * forbids like surrogates) as the four characters \xHH.
 */
#ifndef SIM_JUNIT_H
#define SIM_JUNIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "soc/error.h"

typedef struct JunitCase {
    const char *name;
    double seconds;
    const char *failure; /* NULL: passed (or skipped) */
    const char *skipped; /* NULL: not skipped */
} JunitCase;

/* Writes the whole document; false when `out` could not be written. */
bool junit_write(FILE *out, const char *suite, const char *classname,
                 const JunitCase *cases, size_t ncases);

/* `len` bytes of `text` escaped for an XML attribute or text node. */
void junit_put_escaped(FILE *out, const char *text, size_t len);

/* ---- the report file (`--junit PATH`) ----
 *
 * Checked when the run starts, written when it ends, so that nothing is
 * truncated before the report is ready: a run that fails early leaves an
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
typedef struct JunitReport JunitReport;

/* A file the run reads, which the report must not replace. */
typedef struct JunitInput {
    const char *what; /* "the scenario file" */
    const char *path; /* NULL or missing: nothing to compare */
} JunitInput;

/* Checks that `path` can take the report, changing nothing there: an
 * existing file must open for writing (not truncated) and be none of
 * `inputs` (compared by device and inode, so any spelling of the path
 * counts); a missing one must be creatable in its folder. Errors name the
 * path: "PATH: is the scenario file", "PATH: cannot create: REASON",
 * "PATH: cannot open: REASON". The caller frees the result
 * (junit_report_free). */
JunitReport *junit_report_open(const char *path, const JunitInput *inputs,
                               size_t ninputs, Error **errp);

/* Writes the document to `out`; false when a write failed (errno says
 * why), as junit_write. */
typedef bool (*JunitWriteFn)(void *opaque, FILE *out);

/* Writes the report once (see above). False with "cannot write: REASON"
 * when it could not be written whole (or the open's error, for a file
 * rewritten in place); a file replaced through a temporary one is then
 * left as it was, and no temporary file remains. */
bool junit_report_write(JunitReport *report, JunitWriteFn write, void *opaque,
                        Error **errp);

void junit_report_free(JunitReport *report);

#endif
