/* ELF symbols of a real firmware (build/fw/hello.elf, built by ninja all). */
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

#include "sim/elf_symbols.h"

static void test_symbols_by_name_and_by_address(void **state)
{
    Error *err = NULL;
    ElfSymbols *syms = elf_symbols_load("build/fw/hello.elf", &err);
    assert_non_null(syms);
    uint32_t start, main_addr, offset;
    assert_true(elf_symbol_address(syms, "_start", &start));
    assert_int_equal(start, 0x80000000);
    assert_true(elf_symbol_address(syms, "main", &main_addr));
    assert_false(elf_symbol_address(syms, "no_such_symbol", &offset));
    assert_string_equal(elf_symbol_at(syms, main_addr, &offset), "main");
    assert_int_equal(offset, 0);
    assert_string_equal(elf_symbol_at(syms, main_addr + 2, &offset), "main");
    assert_int_equal(offset, 2);
    assert_null(elf_symbol_at(syms, 0x10, &offset));
    elf_symbols_free(syms);
}

static void test_missing_file_is_an_error(void **state)
{
    Error *err = NULL;
    assert_null(elf_symbols_load("/nonexistent.elf", &err));
    assert_string_equal(error_message(err),
                        "/nonexistent.elf: cannot open: No such file or directory");
    error_free(err);
}

/* A FIFO with no writer would block a plain open() forever. */
static void test_fifo_is_refused_at_once(void **state)
{
    (void)state;
    char dir[] = "/tmp/mcusim-syms-XXXXXX", path[64];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/fw.elf", dir);
    assert_int_equal(mkfifo(path, 0600), 0);
    Error *err = NULL;
    assert_null(elf_symbols_load(path, &err));
    assert_non_null(strstr(error_message(err), "not a regular file (a fifo)"));
    error_free(err);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_symbols_by_name_and_by_address),
        cmocka_unit_test(test_missing_file_is_an_error),
        cmocka_unit_test(test_fifo_is_refused_at_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
