/* Test helpers for what the simulator says about lost output: stderr
 * captured into a string, and a lost-output handler (OutputLostFn) that
 * records its calls. Include after <cmocka.h>. */
#ifndef TESTS_UNIT_CAPTURE_H
#define TESTS_UNIT_CAPTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* stderr goes to a temporary file between capture_start and capture_end,
 * which returns what was written (malloc'd). */
typedef struct Capture {
    FILE *file;
    int saved;
} Capture;

static inline void capture_start(Capture *c)
{
    fflush(stderr);
    c->file = tmpfile();
    assert_non_null(c->file);
    c->saved = dup(STDERR_FILENO);
    assert_true(c->saved >= 0);
    assert_true(dup2(fileno(c->file), STDERR_FILENO) >= 0);
}

static inline char *capture_end(Capture *c)
{
    fflush(stderr);
    assert_true(dup2(c->saved, STDERR_FILENO) >= 0);
    close(c->saved);
    long len = ftell(c->file);
    assert_true(len >= 0);
    char *text = calloc(1, (size_t)len + 1);
    assert_non_null(text);
    rewind(c->file);
    assert_int_equal(fread(text, 1, (size_t)len, c->file), (size_t)len);
    fclose(c->file);
    return text;
}

/* The calls a lost-output handler got: how many, the last one's `what`
 * and errno. */
typedef struct Reports {
    int count;
    char what[128];
    int err;
} Reports;

static inline void on_error(void *opaque, const char *what, int err)
{
    Reports *r = opaque;
    r->count++;
    snprintf(r->what, sizeof r->what, "%s", what);
    r->err = err;
}

#endif
