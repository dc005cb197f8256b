/* `extends:` (soc/board_extends.c): a board inherits another, in its
 * file, another file or the shipped boards, and overrides, adds or
 * removes entries; the merged board is checked like any other. */
#include "board_testlib.h"

static const char family[] =
    "base:\n"
    "  description: the base\n"
    "  cpu: {isa: rv32imac, frequency: 1000}\n"
    "  memory:\n"
    "    - {name: ram, type: ram, base: 0x80000000, size: 64K}\n"
    "  peripherals:\n"
    "    - {name: uart0, type: ns16550a, base: 0x10000000, chardev: stdio}\n"
    "    - {name: uart1, type: ns16550a, base: 0x10001000}\n"
    "child:\n"
    "  extends: base\n"
    "  cpu: {frequency: 2000}\n"
    "  memory:\n"
    "    - {name: ram, size: 128K}\n"
    "  peripherals:\n"
    "    - {name: uart0, chardev: null}\n"
    "    - {name: uart1, remove: true}\n"
    "    - {name: gpio, type: stub, base: 0x10012000}\n"
    "grandchild:\n"
    "  extends: child\n"
    "  description: third generation\n";

static void test_extends_overrides_adds_and_removes(void **state)
{
    (void)state;
    Error *err = NULL;
    BoardFile *f = board_file_parse("t.yaml", family, strlen(family), &err);
    assert_non_null(f);
    const BoardDesc *b = board_file_find(f, "grandchild");
    assert_non_null(b);
    assert_string_equal(b->description, "third generation");
    assert_string_equal(b->cpu.isa, "rv32imac");       /* inherited */
    assert_int_equal(b->cpu.frequency_hz, 2000);       /* child's */
    assert_int_equal(b->nmemories, 1);
    assert_int_equal(b->memories[0].size, 128 * 1024);
    assert_int_equal(b->memories[0].base, 0x80000000);
    assert_int_equal(b->nperipherals, 2);
    assert_string_equal(b->peripherals[0].name, "uart0");
    assert_string_equal(board_peripheral_prop(&b->peripherals[0], "chardev")->value,
                        "null");
    assert_string_equal(b->peripherals[0].type, "ns16550a");
    assert_string_equal(b->peripherals[1].name, "gpio");
    /* each piece keeps the location it was written at */
    assert_int_equal(b->peripherals[0].type_loc.line, 7);
    assert_int_equal(board_peripheral_prop(&b->peripherals[0], "chardev")->loc.line, 15);
    const BoardDesc *base = board_file_find(f, "base");
    assert_int_equal(base->nperipherals, 2); /* the parent is untouched */
    board_file_free(f);
}

static void test_extends_errors(void **state)
{
    (void)state;
    assert_parse_error("a:\n  extends: b\nb:\n  extends: a\n",
                       "t.yaml:4:12: 'extends' cycle: a -> b -> a");
    assert_parse_error("a:\n  extends: a\n",
                       "t.yaml:2:12: 'extends' cycle: a -> a");
    assert_parse_error("a:\n  extends: nope\n",
                       "t.yaml:2:12: 'extends': no board 'nope' in t.yaml");
    assert_parse_error("a:\n  extends: [b]\nb: {}\n",
                       "t.yaml:2:12: expected a board for 'extends' (NAME or "
                       "FILE.yaml:NAME)");
    assert_parse_error("b:\n  peripherals: []\na:\n  extends: b\n  peripherals:\n"
                       "    - {name: uart9, remove: true}\n",
                       "t.yaml:6:7: cannot remove 'uart9': the extended board "
                       "has no peripheral of that name");
    assert_parse_error("b:\n  memory:\n    - {name: ram, type: ram, base: 0, size: 4K}\n"
                       "a:\n  extends: b\n  memory:\n"
                       "    - {name: ram, remove: true, size: 8K}\n",
                       "t.yaml:7:7: an entry with 'remove: true' takes only its name");
    assert_parse_error("b:\n  memory:\n    - {name: ram, type: ram, base: 0, size: 4K}\n"
                       "a:\n  extends: b\n  memory:\n    - {name: ram, remove: yes}\n",
                       "t.yaml:7:27: expected true for 'remove'");
    /* remove outside an extending board is just an unknown key */
    assert_parse_error("a:\n  memory:\n    - {name: ram, remove: true}\n",
                       "t.yaml:3:19: unknown key 'remove' in memory entry "
                       "(expected name, type, base, size or image)");
    /* a merged board is checked like any other: the overlap is found */
    assert_parse_error("b:\n  memory:\n    - {name: ram, type: ram, base: 0, size: 4K}\n"
                       "a:\n  extends: b\n  memory:\n"
                       "    - {name: rom, type: rom, base: 0x800, size: 4K}\n",
                       "t.yaml:7:7: memory 'rom' [0x800, 0x1800) overlaps "
                       "memory 'ram' [0x0, 0x1000) defined at 3:7");
}

/* What a board of its own may not write twice, an extending one may not
 * either: the loader's messages, at the second, naming the first. */
static void test_extends_refuses_what_the_child_writes_twice(void **state)
{
    (void)state;
    static const char parent[] =
        "b:\n"
        "  cpu: {frequency: 1}\n"
        "  memory:\n    - {name: ram, type: ram, base: 0, size: 4K}\n"
        "  peripherals:\n"
        "    - {name: uart0, type: ns16550a, base: 0x10000000}\n";
    static const char *const cases[][2] = {
        { "a:\n  extends: b\n  memory:\n    - {name: ram, size: 8K}\n"
          "  memory:\n    - {name: ram, size: 16K}\n",
          "t.yaml:11:3: duplicate key 'memory' (first at 9:3)" },
        { "a:\n  extends: b\n  cpu: {frequency: 5, frequency: 7}\n",
          "t.yaml:9:23: duplicate key 'frequency' (first at 9:9)" },
        { "a:\n  extends: b\n  description: one\n  description: two\n",
          "t.yaml:10:3: duplicate key 'description' (first at 9:3)" },
        { "a:\n  extends: b\n  extends: b\n",
          "t.yaml:9:3: duplicate key 'extends' (first at 8:3)" },
        { "a:\n  extends: b\n  peripherals:\n"
          "    - {name: gpio, type: x, base: 0}\n"
          "    - {name: gpio, type: x, base: 0x100}\n",
          "t.yaml:11:14: duplicate name 'gpio' (already used by peripheral at "
          "10:7)" },
        { "a:\n  extends: b\n  peripherals:\n"
          "    - {name: uart0, base: 0x1000, base: 0x2000}\n",
          "t.yaml:10:35: duplicate key 'base' (first at 10:21)" },
        { "a:\n  extends: b\n  peripherals:\n"
          "    - {name: uart0, chardev: null}\n"
          "    - {name: uart0, chardev: stdio}\n",
          "t.yaml:11:14: duplicate name 'uart0' (already used by peripheral at "
          "10:7)" },
        { "a:\n  extends: b\n  memory:\n"
          "    - {name: ram, size: 8K}\n    - {name: ram, remove: true}\n",
          "t.yaml:11:14: duplicate name 'ram' (already used by memory at "
          "10:7)" },
        { "a:\n  extends: b\n  memory:\n"
          "    - {name: rom, type: rom, base: 0x8000, size: 4K}\n"
          "    - {name: rom, remove: true}\n",
          "t.yaml:11:14: duplicate name 'rom' (already used by memory at "
          "10:7)" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[512];
        snprintf(text, sizeof text, "%s%s", parent, cases[i][0]);
        assert_parse_error(text, cases[i][1]);
    }
    /* `remove: true`, then the name again: the inherited entry replaced
     * whole (its keys are not inherited) */
    char text[512];
    snprintf(text, sizeof text, "%sa:\n  extends: b\n  peripherals:\n"
             "    - {name: uart0, remove: true}\n"
             "    - {name: uart0, type: ns16550a, base: 0x10001000}\n", parent);
    BoardFile *f = parse_ok(text);
    const BoardDesc *a = board_file_find(f, "a");
    assert_int_equal(a->nperipherals, 1);
    assert_int_equal(a->peripherals[0].base, 0x10001000);
    assert_int_equal(a->peripherals[0].loc.line, 11);
    board_file_free(f);
}

static void test_extends_other_files_and_the_shipped_boards(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_extends_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *parent = write_temp(dir, "parent.yaml",
                              "p:\n  memory:\n    - {name: ram, type: ram, base: 0, size: 4K}\n");
    char *child = write_temp(dir, "child.yaml",
                             "c:\n  extends: parent.yaml:p\n"
                             "v:\n  extends: virt32\n  cpu: {frequency: 5}\n");
    char *broken = write_temp(dir, "broken.yaml", "x:\n  extends: parent.yaml:p\n"
                              "y:\n  extends: bad.yaml:q\n");
    char *bad = write_temp(dir, "bad.yaml", "q:\n  memory: 3\n");
    Error *err = NULL;
    BoardLoad how = { .fallback = "boards.yaml" };
    BoardFile *f = board_file_load_with(child, &how, &err);
    if (!f)
        fail_msg("%s", error_message(err));
    const BoardDesc *c = board_file_find(f, "c");
    assert_int_equal(c->memories[0].size, 4096);
    assert_string_equal(c->memories[0].loc.file, parent); /* where it was written */
    const BoardDesc *v = board_file_find(f, "v");
    assert_int_equal(v->cpu.frequency_hz, 5);
    assert_true(v->nperipherals >= 2); /* virt32's */
    board_file_free(f);
    /* without the shipped boards, virt32 is unknown */
    assert_null(board_file_load(child, &err));
    assert_non_null(strstr(error_message(err), "'extends': no board 'virt32' in"));
    error_free(err);
    err = NULL;
    /* an error inside the extended file names that file */
    assert_null(board_file_load(broken, &err));
    char expected[512];
    snprintf(expected, sizeof expected,
             "%s:2:11: expected a list for 'memory', found a scalar", bad);
    assert_string_equal(error_message(err), expected);
    error_free(err);
    unlink(parent);
    unlink(child);
    unlink(broken);
    unlink(bad);
    free(parent);
    free(child);
    free(broken);
    free(bad);
    rmdir(dir);
}

/* Every board extending one other file (or the shipped boards) once read
 * and parsed that file again, and kept another copy of its path. */
static void test_extends_parses_each_other_file_once(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_extends_once_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *parent = write_temp(dir, "parent.yaml",
                              "p:\n  memory:\n    - {name: ram, type: ram, base: 0, size: 4K}\n");
    enum { N = 40 };
    char text[N * 64] = "";
    for (int i = 0; i < N; i++)
        snprintf(text + strlen(text), sizeof text - strlen(text),
                 i % 4 ? "c%d:\n  extends: parent.yaml:p\n" : "c%d:\n  extends: virt32\n",
                 i);
    char *child = write_temp(dir, "child.yaml", text);
    BoardLoadStats stats = { 0 };
    BoardLoad how = { .fallback = "boards.yaml", .stats = &stats };
    Error *err = NULL;
    BoardFile *f = board_file_load_with(child, &how, &err);
    if (!f)
        fail_msg("%s", error_message(err));
    assert_int_equal(f->nboards, N);
    assert_int_equal(f->boards[1].memories[0].size, 4096);
    assert_string_equal(f->boards[1].memories[0].loc.file, parent);
    assert_true(f->boards[0].nperipherals >= 2); /* virt32's */
    assert_int_equal(stats.files_parsed, 3); /* child, parent, boards.yaml */
    assert_int_equal(f->nextra_paths, 2);
    board_file_free(f);
    unlink(parent);
    unlink(child);
    free(parent);
    free(child);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_extends_overrides_adds_and_removes),
        cmocka_unit_test(test_extends_errors),
        cmocka_unit_test(test_extends_refuses_what_the_child_writes_twice),
        cmocka_unit_test(test_extends_parses_each_other_file_once),
        cmocka_unit_test(test_extends_other_files_and_the_shipped_boards),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
