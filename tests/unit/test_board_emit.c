/* board_write_yaml (soc/board_emit.c): every board shipped and every
 * board file of the tests, written and parsed back, is the same board
 * field by field (locations aside); strings YAML needs escaped come back
 * byte for byte; a string that is not UTF-8 is said so. And
 * board_desc_copy copies whole boards. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dirent.h>

#include <cmocka.h>

#include "soc/board.h"

static void same_str(const char *what, const char *a, const char *b)
{
    if (!a != !b || (a && strcmp(a, b) != 0))
        fail_msg("%s: '%s' came back as '%s'", what, a ? a : "(none)", b ? b : "(none)");
}

static void same_cpu(const BoardCpu *a, const BoardCpu *b)
{
    same_str("isa", a->isa, b->isa);
    assert_int_equal(a->frequency_hz, b->frequency_hz);
    assert_int_equal(a->has_reset_pc, b->has_reset_pc);
    if (a->has_reset_pc)
        assert_int_equal(a->reset_pc, b->reset_pc);
    assert_int_equal(a->emulate_misaligned, b->emulate_misaligned);
    assert_int_equal(a->mvendorid, b->mvendorid);
    assert_int_equal(a->marchid, b->marchid);
    assert_int_equal(a->mimpid, b->mimpid);
    assert_int_equal(a->pmp_entries, b->pmp_entries);
    assert_int_equal(a->triggers, b->triggers);
}

static void same_peripheral(const BoardPeripheral *a, const BoardPeripheral *b)
{
    same_str("name", a->name, b->name);
    same_str("type", a->type, b->type);
    assert_int_equal(a->base, b->base);
    assert_int_equal(a->size, b->size);
    assert_int_equal(a->nprops, b->nprops);
    for (size_t i = 0; i < a->nprops; i++) {
        same_str("key", a->props[i].key, b->props[i].key);
        same_str(a->props[i].key, a->props[i].value, b->props[i].value);
    }
    assert_int_equal(a->nirqs, b->nirqs);
    for (size_t i = 0; i < a->nirqs; i++) {
        same_str("irq target", a->irqs[i].target, b->irqs[i].target);
        same_str("irq input", a->irqs[i].input, b->irqs[i].input);
        assert_int_equal(a->irqs[i].line, b->irqs[i].line);
    }
}

/* Equal in every field but the source locations. */
static void same_board(const BoardDesc *a, const BoardDesc *b)
{
    same_str("board name", a->name, b->name);
    same_str("description", a->description, b->description);
    same_cpu(&a->cpu, &b->cpu);
    assert_int_equal(a->host, b->host);
    assert_int_equal(a->nmemories, b->nmemories);
    for (size_t i = 0; i < a->nmemories; i++) {
        const BoardMemory *x = &a->memories[i], *y = &b->memories[i];
        same_str("memory", x->name, y->name);
        assert_int_equal(x->kind, y->kind);
        assert_int_equal(x->base, y->base);
        assert_int_equal(x->size, y->size);
        same_str("image", x->image, y->image);
    }
    assert_int_equal(a->nperipherals, b->nperipherals);
    for (size_t i = 0; i < a->nperipherals; i++)
        same_peripheral(&a->peripherals[i], &b->peripherals[i]);
}

/* The YAML of `board`; *faithful what board_write_yaml said. */
static char *emit(const BoardDesc *board, bool *faithful)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    assert_non_null(out);
    *faithful = board_write_yaml(out, board);
    fclose(out);
    return text;
}

/* Written, parsed back (from a path without a folder, so an image path
 * stays as written), compared. */
static void round_trip(const BoardDesc *board)
{
    bool faithful;
    char *text = emit(board, &faithful);
    assert_true(faithful);
    Error *err = NULL;
    BoardFile *back = board_file_parse("emitted", text, strlen(text), &err);
    if (!back)
        fail_msg("%s: %s\n%s", board->name, error_message(err), text);
    assert_int_equal(back->nboards, 1);
    same_board(board, &back->boards[0]);
    board_file_free(back);
    free(text);
}

/* The boards of `path` that load (a test file may hold boards made to be
 * refused: each top-level name is loaded on its own), round-tripped;
 * returns how many. */
static unsigned round_trip_file(const char *path)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    unsigned n = 0;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        size_t name_len = strspn(line, "abcdefghijklmnopqrstuvwxyz"
                                       "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-");
        if (name_len == 0 || line[name_len] != ':')
            continue;
        line[name_len] = '\0';
        BoardLoad how = {.fallback = "boards.yaml", .select = true, .board = line};
        Error *err = NULL;
        BoardFile *file = board_file_load_with(path, &how, &err);
        if (!file) {
            error_free(err); /* made to be refused */
            continue;
        }
        round_trip(&file->boards[0]);
        n++;
        board_file_free(file);
    }
    fclose(f);
    return n;
}

static unsigned round_trip_folder(const char *folder)
{
    DIR *dir = opendir(folder);
    assert_non_null(dir);
    unsigned boards = 0;
    for (struct dirent *e; (e = readdir(dir)) != NULL;) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 5, ".yaml") != 0)
            continue;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", folder, e->d_name);
        boards += round_trip_file(path);
    }
    closedir(dir);
    return boards;
}

static void test_every_shipped_board_comes_back_equal(void **state)
{
    (void)state;
    assert_true(round_trip_file("boards.yaml") >= 2);
}

static void test_every_test_board_file_comes_back_equal(void **state)
{
    (void)state;
    assert_true(round_trip_folder("tests/boards") >= 3);
    assert_true(round_trip_folder("tests/firmware/boards") >= 4);
}

/* What a live machine's table may hold: an image, a size left to the
 * model, every host service, a reset pc, properties whose keys and values
 * YAML must quote (recorded live: KEY.PROP, spaces, quotes, a backslash,
 * a newline, a tab, a control character, non-ASCII text, words YAML would
 * read as something else), an empty value, wiring to cpu inputs. */
static void test_odd_strings_come_back_byte_for_byte(void **state)
{
    (void)state;
    static const char text[] =
        "odd:\n"
        "  description: \"a: b # c \\\"quoted\\\" \\\\ back\\nslash\\ttab\\x01 \xc3\xa9t\xc3\xa9 \xf0\x9f\x98\x80\"\n"
        "  cpu: {isa: rv32imc, frequency: 16M, reset_pc: 0x20010000, misaligned: emulate,\n"
        "        mvendorid: 0x489, pmp_entries: 8, triggers: 4}\n"
        "  host: [newlib, semihosting, htif]\n"
        "  memory:\n"
        "    - {name: rom, type: rom, base: 0x10000, size: 8K, image: \"a b/c:d.bin\"}\n"
        "    - {name: ram, type: ram, base: 0x80000000, size: 16K}\n"
        "  peripherals:\n"
        "    - name: i2c0\n"
        "      type: sifive,i2c0\n"
        "      base: 0x10016000\n"
        "      dev0: \"lm75 address=0x48 temperature=21.5\"\n"
        "      dev0.temperature: \"30.5\"\n"
        "      chardev: \"\"\n"
        "      yes: \"null\"\n"
        "      \"weird key\": \"- [x]: {y} & *z ! |>\"\n"
        "      irq: plic.3\n"
        "    - {name: clint, type: sifive,clint0, base: 0x2000000, irq: [cpu.msi, cpu.mti]}\n"
        "    - {name: plic, type: sifive,plic-1.0.0, base: 0xc000000, sources: 8, irq: cpu.mei}\n"
        "    - {name: gpio, type: sifive,gpio0, base: 0x10012000, irq: [plic.1-4, probe.0-27]}\n";
    Error *err = NULL;
    BoardFile *file = board_file_parse("odd.yaml", text, strlen(text), &err);
    if (!file)
        fail_msg("%s", error_message(err));
    round_trip(&file->boards[0]);
    board_file_free(file);
}

/* A value that is not UTF-8 (a monitor line may carry any byte): written
 * with U+FFFD, and the writer says it was not faithful. */
static void test_a_string_that_is_not_utf8_is_said_so(void **state)
{
    (void)state;
    BoardProp prop = {.key = "read-value", .value = "\xff\xfe"};
    BoardPeripheral p = {.name = "stub", .type = "memory-mapped-stub", .base = 0x1000,
                         .props = &prop, .nprops = 1};
    BoardDesc board = {.name = "b", .description = "", .cpu = {.isa = "rv32i",
                       .frequency_hz = 1000}, .peripherals = &p, .nperipherals = 1};
    bool faithful;
    char *text = emit(&board, &faithful);
    assert_false(faithful);
    Error *err = NULL;
    BoardFile *back = board_file_parse("emitted", text, strlen(text), &err);
    if (!back)
        fail_msg("%s", error_message(err));
    assert_string_equal(back->boards[0].peripherals[0].props[0].value,
                        "\xef\xbf\xbd\xef\xbf\xbd");
    board_file_free(back);
    free(text);
}

/* A board without memories or peripherals comes back so too. */
static void test_an_empty_board_comes_back(void **state)
{
    (void)state;
    BoardDesc board = {.name = "empty", .description = "",
                       .cpu = {.isa = "rv32i", .frequency_hz = 1000}};
    round_trip(&board);
}

static void test_copies_are_whole_and_their_own(void **state)
{
    (void)state;
    Error *err = NULL;
    BoardFile *file = board_file_load("boards.yaml", &err);
    assert_non_null(file);
    BoardDesc copy;
    board_desc_copy(&copy, &file->boards[1]);
    board_file_free(file);
    file = board_file_load("boards.yaml", &err);
    same_board(&file->boards[1], &copy);
    board_desc_free(&copy);
    board_file_free(file);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_shipped_board_comes_back_equal),
        cmocka_unit_test(test_every_test_board_file_comes_back_equal),
        cmocka_unit_test(test_odd_strings_come_back_byte_for_byte),
        cmocka_unit_test(test_a_string_that_is_not_utf8_is_said_so),
        cmocka_unit_test(test_an_empty_board_comes_back),
        cmocka_unit_test(test_copies_are_whole_and_their_own),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
