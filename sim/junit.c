/* JUnit XML reports (sim/junit.h). */
#include "sim/junit.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>


/* The length of the valid UTF-8 sequence at s (at most len bytes) of a
 * character XML 1.0 allows, 0 when there is none: no overlong forms, no
 * surrogates, nothing past U+10FFFF, and not U+FFFE or U+FFFF (outside
 * XML's Char production, so a parser would reject the report). */
static size_t utf8_sequence(const unsigned char *s, size_t len)
{
    size_t n;
    uint32_t cp, min;
    if (s[0] >= 0xc2 && s[0] <= 0xdf) {
        n = 2, cp = s[0] & 0x1fu, min = 0x80;
    } else if ((s[0] & 0xf0) == 0xe0) {
        n = 3, cp = s[0] & 0x0fu, min = 0x800;
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        n = 4, cp = s[0] & 0x07u, min = 0x10000;
    } else {
        return 0;
    }
    if (n > len)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3fu);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
        cp == 0xfffe || cp == 0xffff)
        return 0;
    return n;
}

void junit_put_escaped(FILE *out, const char *text, size_t len)
{
    const unsigned char *s = (const unsigned char *)text;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = s[i];
        const char *entity = ch == '&' ? "&amp;" : ch == '<' ? "&lt;" : ch == '>' ? "&gt;"
                           : ch == '"' ? "&quot;" : ch == '\'' ? "&apos;" : NULL;
        size_t seq = ch >= 0x80 ? utf8_sequence(s + i, len - i) : 0;
        if (entity) {
            fputs(entity, out);
        } else if (seq) {
            fwrite(s + i, 1, seq, out);
            i += seq - 1;
        } else if (ch < 0x20 || ch >= 0x7f) {
            fprintf(out, "\\x%02x", ch);
        } else {
            fputc(ch, out);
        }
    }
}

static void put_attr(FILE *out, const char *key, const char *value)
{
    fprintf(out, " %s=\"", key);
    junit_put_escaped(out, value, strlen(value));
    fputc('"', out);
}

static void put_case(FILE *out, const char *classname, const JunitCase *c)
{
    fputs("    <testcase", out);
    put_attr(out, "classname", classname);
    put_attr(out, "name", c->name);
    fprintf(out, " time=\"%.9f\"", c->seconds);
    if (!c->failure && !c->skipped) {
        fputs("/>\n", out);
        return;
    }
    fputs(">\n      <", out);
    fputs(c->failure ? "failure" : "skipped", out);
    put_attr(out, "message", c->failure ? c->failure : c->skipped);
    fputs("/>\n    </testcase>\n", out);
}

bool junit_write(FILE *out, const char *suite, const char *classname,
                 const JunitCase *cases, size_t ncases)
{
    size_t failures = 0, skipped = 0;
    for (size_t i = 0; i < ncases; i++) {
        failures += cases[i].failure != NULL;
        skipped += !cases[i].failure && cases[i].skipped;
    }
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n  <testsuite", out);
    put_attr(out, "name", suite);
    fprintf(out, " tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"%zu\">\n",
            ncases, failures, skipped);
    for (size_t i = 0; i < ncases; i++)
        put_case(out, classname, &cases[i]);
    fputs("  </testsuite>\n</testsuites>\n", out);
    return fflush(out) == 0 && !ferror(out);
}
