/* What the board tests (tests/unit/test_board_*.c) share: loading text as
 * the application does, exact error checks, temporary files. Header-only:
 * each test binary includes it once. */
#ifndef TESTS_UNIT_BOARD_TESTLIB_H
#define TESTS_UNIT_BOARD_TESTLIB_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "peripherals/registry.h"
#include "soc/board.h"

/* Loaded as the application loads boards: knowing the registry's models. */
static inline BoardFile *parse_known(const char *text, Error **errp)
{
    BoardModels models = registry_board_models();
    BoardLoad how = { .models = &models };
    return board_file_parse_with("t.yaml", text, strlen(text), &how, errp);
}

static inline BoardFile *parse_ok(const char *text)
{
    Error *err = NULL;
    BoardFile *f = parse_known(text, &err);
    if (!f)
        fail_msg("unexpected error: %s", error_message(err));
    assert_null(err);
    return f;
}

static inline void assert_parse_error(const char *text, const char *expected)
{
    Error *err = NULL;
    BoardFile *f = parse_known(text, &err);
    assert_null(f);
    assert_non_null(err);
    assert_string_equal(error_message(err), expected);
    error_free(err);
}

static inline BoardFile *parse_how(const char *text, const BoardLoad *how,
                            Error **errp)
{
    return board_file_parse_with("t.yaml", text, strlen(text), how, errp);
}

static inline char *write_temp(const char *dir, const char *name, const char *text)
{
    char *path = malloc(strlen(dir) + strlen(name) + 2);
    sprintf(path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static inline const BoardPeripheral *only_peripheral(const BoardFile *f)
{
    assert_int_equal(f->nboards, 1);
    assert_int_equal(f->boards[0].nperipherals, 1);
    return &f->boards[0].peripherals[0];
}

static inline void assert_irq(const BoardIrq *irq, const char *target,
                       const char *input, unsigned line, unsigned loc_line,
                       unsigned loc_col)
{
    assert_string_equal(irq->target, target);
    if (input)
        assert_string_equal(irq->input, input);
    else
        assert_null(irq->input);
    assert_int_equal(irq->line, line);
    assert_string_equal(irq->loc.file, "t.yaml");
    assert_int_equal(irq->loc.line, loc_line);
    assert_int_equal(irq->loc.col, loc_col);
}

#endif
