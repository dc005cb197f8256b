/* Loading board files (soc/board.c, soc/board_desc.c): the top level,
 * files, choosing one board, the work a load does, the first error. */
#include "board_testlib.h"

static void test_top_level_must_be_a_mapping(void **state)
{
    (void)state;
    assert_parse_error("- virt32\n",
                       "t.yaml:1:1: expected a mapping for the top level "
                       "(board name -> board), found a list");
    assert_parse_error("{}\n", "t.yaml:1:1: no boards defined");
}

static void test_board_must_be_a_mapping(void **state)
{
    (void)state;
    assert_parse_error("b: 3\n",
                       "t.yaml:1:4: expected a mapping for board 'b', "
                       "found a scalar");
}

static void test_duplicate_board_name_is_refused(void **state)
{
    (void)state;
    assert_parse_error("b: {}\nc: {}\nb: {}\n",
                       "t.yaml:3:1: duplicate board name 'b' (first at 1:1)");
}

static void test_error_is_first_problem_and_errp_may_be_null(void **state)
{
    (void)state;
    static const char text[] = "b:\n  cpus: 1\n  memory: 3\n";
    assert_null(board_file_parse("t.yaml", text, strlen(text), NULL));
    /* of the two problems, the first is the one reported */
    assert_parse_error(text, "t.yaml:2:3: unknown key 'cpus' in board (expected "
                       "description, cpu, memory, peripherals or host)");
    /* A late problem after a fully built board frees the built part. */
    assert_parse_error("a:\n  memory:\n"
                       "    - {name: r, type: ram, base: 0, size: 1}\n"
                       "  peripherals:\n"
                       "    - {name: u, type: x, base: 0x10, k: v}\n"
                       "b:\n  memory: 1\n",
                       "t.yaml:7:11: expected a list for 'memory', found "
                       "a scalar");
}

static void test_load_reports_unopenable_file(void **state)
{
    (void)state;
    Error *err = NULL;
    assert_null(board_file_load("/nonexistent/boards.yaml", &err));
    assert_string_equal(error_message(err),
                        "/nonexistent/boards.yaml: cannot open: No such "
                        "file or directory");
    error_free(err);
}

static void test_load_reads_a_file_and_uses_its_path(void **state)
{
    (void)state;
    char path[] = "/tmp/test_board_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    static const char text[] = "b:\n  cpu: {frequency: 1M}\nc: 1\n";
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    Error *err = NULL;
    assert_null(board_file_load(path, &err));
    char expected[128];
    snprintf(expected, sizeof expected,
             "%s:3:4: expected a mapping for board 'c', found a scalar",
             path);
    assert_string_equal(error_message(err), expected);
    error_free(err);
    unlink(path);
}

static void test_repo_boards_yaml_has_virt32(void **state)
{
    (void)state;
    Error *err = NULL;
    BoardFile *f = board_file_load("boards.yaml", &err);
    if (!f)
        fail_msg("%s", error_message(err));
    const BoardDesc *b = board_file_find(f, "virt32");
    assert_non_null(b);
    int has_ram = 0;
    for (size_t i = 0; i < b->nmemories; i++)
        if (b->memories[i].kind == BOARD_MEM_RAM &&
            b->memories[i].base == 0x80000000u)
            has_ram = 1;
    assert_true(has_ram);
    const BoardPeripheral *uart = NULL, *test = NULL;
    for (size_t i = 0; i < b->nperipherals; i++) {
        if (strcmp(b->peripherals[i].name, "uart0") == 0)
            uart = &b->peripherals[i];
        if (strcmp(b->peripherals[i].name, "test") == 0)
            test = &b->peripherals[i];
    }
    assert_non_null(uart);
    assert_string_equal(uart->type, "ns16550a");
    assert_int_equal(uart->base, 0x10000000);
    assert_non_null(test);
    assert_string_equal(test->type, "sifive,test0");
    assert_int_equal(test->base, 0x100000);
    board_file_free(f);
}

static void test_repo_boards_host_services(void **state)
{
    (void)state;
    Error *err = NULL;
    BoardFile *f = board_file_load("boards.yaml", &err);
    if (!f)
        fail_msg("%s", error_message(err));
    assert_int_equal(board_file_find(f, "virt32")->host, 0);
    assert_int_equal(board_file_find(f, "hifive1-revb")->host, 0);
    const BoardDesc *b = board_file_find(f, "newlib-sim");
    assert_non_null(b);
    assert_int_equal(b->host, BOARD_HOST_NEWLIB | BOARD_HOST_HTIF);
    assert_int_equal(b->nmemories, 1);
    assert_int_equal(b->memories[0].base, 0x10000);
    assert_int_equal(b->memories[0].kind, BOARD_MEM_RAM);
    b = board_file_find(f, "picolibc-sim");
    assert_non_null(b);
    assert_int_equal(b->host, BOARD_HOST_SEMIHOSTING);
    board_file_free(f);
}

/* "b0:" ... one board per line block, every tenth extending the one
 * before it; malloc'd. */
static char *many_boards(unsigned n)
{
    size_t cap = (size_t)n * 200 + 1, used = 0;
    char *text = malloc(cap);
    for (unsigned i = 0; i < n; i++) {
        used += (size_t)snprintf(text + used, cap - used,
                                 "b%u:\n  description: board %u\n", i, i);
        if (i % 10 == 9)
            used += (size_t)snprintf(text + used, cap - used,
                                     "  extends: b%u\n", i - 1);
        used += (size_t)snprintf(text + used, cap - used,
                                 "  memory: [{name: ram, type: ram, base: "
                                 "0x80000000, size: 64K}]\n"
                                 "  peripherals: [{name: uart0, type: ns16550a, "
                                 "base: 0x10000000, irq: plic.10}]\n");
    }
    return text;
}

/* A 1 MB file of 40,000 boards took 10-20 s when one was chosen: every
 * board was resolved, and board names were compared pairwise. Choosing
 * one resolves it and what it extends; names go through a hash set. */
static void test_choosing_a_board_resolves_only_it(void **state)
{
    (void)state;
    enum { N = 10000 };
    char *text = many_boards(N);
    BoardLoadStats stats = { 0 };
    BoardLoad how = { .select = true, .board = "b9999", .stats = &stats };
    Error *err = NULL;
    BoardFile *f = parse_how(text, &how, &err);
    if (!f)
        fail_msg("%s", error_message(err));
    assert_int_equal(f->nboards, 1);
    assert_string_equal(f->boards[0].name, "b9999");
    assert_string_equal(f->boards[0].description, "board 9999");
    assert_int_equal(f->boards[0].nperipherals, 1);
    assert_int_equal(stats.boards_resolved, 2); /* b9999 and b9998 */
    assert_true(stats.name_probes < 3 * N); /* about 1.7 per board */
    /* the tree's lists grow by doubling: the kid slots ever allocated
     * (what reallocs may copy) stay below twice the nodes, about 0.3 per
     * byte of text; growing one by one made the root alone cost 2e8 */
    assert_true(stats.tree_slots < strlen(text) / 2);
    board_file_free(f);
    /* every board: each resolved once, plus each tenth's parent again */
    stats = (BoardLoadStats){ 0 };
    how = (BoardLoad){ .stats = &stats };
    f = parse_how(text, &how, &err);
    assert_non_null(f);
    assert_int_equal(f->nboards, N);
    assert_int_equal(stats.boards_resolved, N + N / 10);
    assert_true(stats.name_probes < 40 * N); /* about 19 per board */
    board_file_free(f);
    free(text);
}

/* Only the chosen board's contents are checked; the file's YAML and its
 * top level always are. */
static void test_a_chosen_board_ignores_the_others_contents(void **state)
{
    (void)state;
    static const char text[] = "good:\n  memory: []\n"
                               "bad:\n  cpu: {speed: 1}\n";
    BoardLoad how = { .select = true, .board = "good" };
    Error *err = NULL;
    BoardFile *f = parse_how(text, &how, &err);
    assert_non_null(f);
    assert_int_equal(f->nboards, 1);
    board_file_free(f);
    assert_parse_error(text, "t.yaml:4:9: unknown key 'speed' in cpu (expected "
                       "isa, frequency, reset_pc, misaligned, mvendorid, "
                       "marchid, mimpid, pmp_entries or triggers)");
    static const char *const whole[][2] = {
        { "good:\n  memory: []\nbad: [\n", "t.yaml:4:1: did not find expected "
          "node content (while parsing a flow node at 4:1)" },
        { "good:\n  memory: []\nb:\n  {}\nb: {}\n",
          "t.yaml:5:1: duplicate board name 'b' (first at 3:1)" },
        { "good:\n  memory: []\nb c: {}\n", "t.yaml:3:1: invalid name 'b c' "
          "(expected letters, digits, '_' or '-')" },
        { "good:\n  memory: []\nb: 3\n", "t.yaml:3:4: expected a mapping for "
          "board 'b', found a scalar" },
    };
    for (size_t i = 0; i < sizeof whole / sizeof whole[0]; i++) {
        assert_null(parse_how(whole[i][0], &how, &err));
        assert_string_equal(error_message(err), whole[i][1]);
        error_free(err);
        err = NULL;
    }
}

static void test_choosing_names_the_boards_there(void **state)
{
    (void)state;
    Error *err = NULL;
    BoardLoad how = { .select = true, .board = "c" };
    assert_null(parse_how("a: {}\nb: {}\n", &how, &err));
    assert_string_equal(error_message(err),
                        "t.yaml: no board 'c' (boards there: a, b)");
    error_free(err);
    err = NULL;
    how.board = NULL; /* the file's only board */
    assert_null(parse_how("a: {}\nb: {}\n", &how, &err));
    assert_string_equal(error_message(err), "t.yaml: holds several boards "
                        "(a, b); name one as t.yaml:NAME");
    error_free(err);
    err = NULL;
    BoardFile *f = parse_how("only: {}\n", &how, &err);
    assert_non_null(f);
    assert_string_equal(f->boards[0].name, "only");
    board_file_free(f);
    /* a long list is cut */
    char text[1024] = "";
    for (int i = 0; i < 30; i++)
        snprintf(text + strlen(text), sizeof text - strlen(text), "b%d: {}\n", i);
    how.board = "x";
    assert_null(parse_how(text, &how, &err));
    assert_string_equal(error_message(err), "t.yaml: no board 'x' (boards "
                        "there: b0, b1, b2, b3, b4, b5, b6, b7, b8, b9, b10, "
                        "b11, b12, b13, b14, b15, b16, b17, b18, b19, ... (30 "
                        "in all))");
    error_free(err);
}

/* Board files are regular files: a FIFO would block the open. */
static void test_load_refuses_a_fifo(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_board_fifo_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char fifo[64], child[64];
    snprintf(fifo, sizeof fifo, "%s/b.yaml", dir);
    snprintf(child, sizeof child, "%s/child.yaml", dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    FILE *out = fopen(child, "w");
    fputs("c:\n  extends: b.yaml:b\n", out);
    fclose(out);
    Error *err = NULL;
    char expected[400];
    assert_null(board_file_load(fifo, &err));
    snprintf(expected, sizeof expected, "%s: not a regular file (a fifo)", fifo);
    assert_string_equal(error_message(err), expected);
    error_free(err);
    err = NULL;
    assert_null(board_file_load(child, &err));
    snprintf(expected, sizeof expected, "%s:2:12: in the board it extends: %s: "
             "not a regular file (a fifo)", child, fifo);
    assert_string_equal(error_message(err), expected);
    error_free(err);
    unlink(fifo);
    unlink(child);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_top_level_must_be_a_mapping),
        cmocka_unit_test(test_board_must_be_a_mapping),
        cmocka_unit_test(test_duplicate_board_name_is_refused),
        cmocka_unit_test(test_error_is_first_problem_and_errp_may_be_null),
        cmocka_unit_test(test_load_reports_unopenable_file),
        cmocka_unit_test(test_load_reads_a_file_and_uses_its_path),
        cmocka_unit_test(test_repo_boards_yaml_has_virt32),
        cmocka_unit_test(test_repo_boards_host_services),
        cmocka_unit_test(test_choosing_a_board_resolves_only_it),
        cmocka_unit_test(test_a_chosen_board_ignores_the_others_contents),
        cmocka_unit_test(test_choosing_names_the_boards_there),
        cmocka_unit_test(test_load_refuses_a_fifo),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
