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

#endif
