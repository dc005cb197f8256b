/* Board files (soc/board.h, docs/BOARDS.md): good boards parse into the
 * documented data with defaults applied; every malformed input is refused
 * with one exact "FILE:LINE:COL: message" and nothing left allocated. */
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
static BoardFile *parse_known(const char *text, Error **errp)
{
    BoardModels models = registry_board_models();
    BoardLoad how = { .models = &models };
    return board_file_parse_with("t.yaml", text, strlen(text), &how, errp);
}

static BoardFile *parse_ok(const char *text)
{
    Error *err = NULL;
    BoardFile *f = parse_known(text, &err);
    if (!f)
        fail_msg("unexpected error: %s", error_message(err));
    assert_null(err);
    return f;
}

static void assert_parse_error(const char *text, const char *expected)
{
    Error *err = NULL;
    BoardFile *f = parse_known(text, &err);
    assert_null(f);
    assert_non_null(err);
    assert_string_equal(error_message(err), expected);
    error_free(err);
}

/* ---- good boards ---- */

static const char full_board[] =
    "# two boards\n"
    "virt32:\n"
    "  description: QEMU virt-compatible rv32 board\n"
    "  cpu:\n"
    "    isa: rv32imc\n"
    "    frequency: 32_768\n"
    "    reset_pc: 0x2001_0000\n"
    "  memory:\n"
    "    - name: ram\n"
    "      type: ram\n"
    "      base: 0x80000000\n"
    "      size: 128M\n"
    "    - name: boot-rom\n"
    "      type: rom\n"
    "      base: 0x1000\n"
    "      size: \"0x1000\"\n"
    "    - name: flash_0\n"
    "      type: flash\n"
    "      base: 0x20000000\n"
    "      size: 512K\n"
    "  peripherals:\n"
    "    - name: uart0\n"
    "      type: ns16550a\n"
    "      base: 0x10000000\n"
    "      size: 0x100\n"
    "      chardev: stdio\n"
    "      baud: 115200\n"
    "    - name: test\n"
    "      type: sifive,test0\n"
    "      base: 0x100000\n"
    "minimal:\n"
    "  memory: []\n";

static void test_full_board_parses_every_field(void **state)
{
    (void)state;
    BoardFile *f = parse_ok(full_board);
    assert_string_equal(f->path, "t.yaml");
    assert_int_equal(f->nboards, 2);
    const BoardDesc *b = &f->boards[0];
    assert_string_equal(b->name, "virt32");
    assert_string_equal(b->description, "QEMU virt-compatible rv32 board");
    assert_int_equal(b->loc.line, 2);
    assert_int_equal(b->loc.col, 1);
    assert_ptr_equal(b->loc.file, f->path);
    assert_string_equal(b->cpu.isa, "rv32imc");
    assert_int_equal(b->cpu.frequency_hz, 32768);
    assert_int_equal(b->cpu.has_reset_pc, 1);
    assert_int_equal(b->cpu.reset_pc, 0x20010000);
    assert_int_equal(b->cpu.loc.line, 5);

    assert_int_equal(b->nmemories, 3);
    assert_string_equal(b->memories[0].name, "ram");
    assert_int_equal(b->memories[0].kind, BOARD_MEM_RAM);
    assert_int_equal(b->memories[0].base, 0x80000000u);
    assert_int_equal(b->memories[0].size, 128u << 20);
    assert_int_equal(b->memories[0].loc.line, 9);
    assert_int_equal(b->memories[0].loc.col, 7);
    assert_string_equal(b->memories[1].name, "boot-rom");
    assert_int_equal(b->memories[1].kind, BOARD_MEM_ROM);
    assert_int_equal(b->memories[1].size, 0x1000);
    assert_string_equal(b->memories[2].name, "flash_0");
    assert_int_equal(b->memories[2].kind, BOARD_MEM_FLASH);
    assert_int_equal(b->memories[2].size, 512u << 10);

    assert_int_equal(b->nperipherals, 2);
    const BoardPeripheral *uart = &b->peripherals[0];
    assert_string_equal(uart->name, "uart0");
    assert_string_equal(uart->type, "ns16550a");
    assert_int_equal(uart->base, 0x10000000);
    assert_int_equal(uart->size, 0x100);
    assert_int_equal(uart->loc.line, 22);
    assert_int_equal(uart->type_loc.line, 23);
    assert_int_equal(uart->type_loc.col, 13);
    assert_int_equal(uart->nprops, 2);
    board_file_free(f);
}

static void test_defaults_apply_when_keys_are_absent(void **state)
{
    (void)state;
    BoardFile *f = parse_ok(full_board);
    const BoardDesc *b = board_file_find(f, "minimal");
    assert_non_null(b);
    assert_string_equal(b->description, "");
    assert_string_equal(b->cpu.isa, "rv32imac");
    assert_int_equal(b->cpu.frequency_hz, 10000000);
    assert_int_equal(b->cpu.has_reset_pc, 0);
    assert_int_equal(b->cpu.loc.line, b->loc.line);
    assert_int_equal(b->nmemories, 0);
    assert_int_equal(b->nperipherals, 0);
    const BoardPeripheral *test = &f->boards[0].peripherals[1];
    assert_int_equal(test->size, 0);
    assert_int_equal(test->nprops, 0);
    board_file_free(f);
}

static void test_properties_keep_their_text_and_location(void **state)
{
    (void)state;
    BoardFile *f = parse_ok(full_board);
    const BoardPeripheral *uart = &board_file_find(f, "virt32")->peripherals[0];
    const BoardProp *chardev = board_peripheral_prop(uart, "chardev");
    assert_non_null(chardev);
    assert_string_equal(chardev->value, "stdio");
    assert_int_equal(chardev->loc.line, 26);
    assert_int_equal(chardev->loc.col, 16);
    const BoardProp *baud = board_peripheral_prop(uart, "baud");
    assert_non_null(baud);
    assert_string_equal(baud->value, "115200");
    assert_null(board_peripheral_prop(uart, "name"));
    assert_null(board_peripheral_prop(uart, "irq"));
    board_file_free(f);
}

static void test_find_returns_null_for_unknown_board(void **state)
{
    (void)state;
    BoardFile *f = parse_ok(full_board);
    assert_ptr_equal(board_file_find(f, "virt32"), &f->boards[0]);
    assert_null(board_file_find(f, "virt"));
    assert_null(board_file_find(f, ""));
    board_file_free(f);
}

static void test_flow_style_and_adjacent_regions_parse(void **state)
{
    (void)state;
    BoardFile *f = parse_ok(
        "b: {memory: [{name: a, type: ram, base: 0, size: 4K},\n"
        "             {name: c, type: ram, base: 4K, size: 0xFFFFF000}]}\n");
    const BoardDesc *b = &f->boards[0];
    assert_int_equal(b->nmemories, 2);
    assert_int_equal(b->memories[1].base + b->memories[1].size,
                     UINT64_C(1) << 32);
    board_file_free(f);
}

/* ---- numbers ---- */

static void test_parse_u64_accepts_documented_syntax(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        uint64_t value;
    } cases[] = {
        { "0", 0 },
        { "42", 42 },
        { "007", 7 },
        { "1_000_000", 1000000 },
        { "0x8000_0000", 0x80000000 },
        { "0X1f", 0x1f },
        { "0xDeadBeef", 0xdeadbeef },
        { "0b1010", 10 },
        { "0B1_0000", 16 },
        { "4K", 4096 },
        { "128M", UINT64_C(128) << 20 },
        { "2G", UINT64_C(2) << 30 },
        { "0x10K", 0x4000 },
        { "0b1M", 1 << 20 },
        { "18446744073709551615", UINT64_MAX },
        { "0xffff_ffff_ffff_ffff", UINT64_MAX },
        { "17179869183G", UINT64_C(17179869183) << 30 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint64_t v = 1234;
        if (!board_parse_u64(cases[i].text, &v))
            fail_msg("rejected '%s'", cases[i].text);
        assert_int_equal(v, cases[i].value);
    }
}

static void test_parse_u64_rejects_junk_and_overflow(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "", "-1", "+1", " 1", "1 ", "1.5", "0x", "0b", "0b2", "0xg", "12Q",
        "_1", "1_", "1__0", "0x_1", "K", "1k", "1KB", "1K_", "0x1 K",
        "18446744073709551616", "0x1_0000_0000_0000_0000",
        "17179869184G", "99999999999999999999999",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint64_t v = 1234;
        if (board_parse_u64(bad[i], &v))
            fail_msg("accepted '%s'", bad[i]);
        assert_int_equal(v, 1234);
    }
}

/* ---- malformed inputs: one exact message each ---- */

static void test_yaml_syntax_error_names_problem_and_context(void **state)
{
    (void)state;
    assert_parse_error("b: [1, 2\n",
                       "t.yaml:2:1: did not find expected ',' or ']' "
                       "(while parsing a flow sequence at 1:4)");
    assert_parse_error("b: 1\n c: 2\n",
                       "t.yaml:2:3: mapping values are not allowed in this "
                       "context");
}

static void test_invalid_utf8_is_located(void **state)
{
    (void)state;
    assert_parse_error("b:\n  description: \xff\n",
                       "t.yaml:2:16: invalid leading UTF-8 octet (0xFF)");
}

static void test_empty_document_is_refused(void **state)
{
    (void)state;
    assert_parse_error("", "t.yaml:1:1: empty document");
    assert_parse_error("# nothing here\n", "t.yaml:1:1: empty document");
    assert_parse_error("---\n", "t.yaml:2:1: empty document");
}

static void test_second_document_is_refused(void **state)
{
    (void)state;
    assert_parse_error("b: {}\n---\nc: {}\n",
                       "t.yaml:2:1: only one YAML document is allowed");
}

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

static void test_unknown_board_key_lists_expected_keys(void **state)
{
    (void)state;
    assert_parse_error("b:\n  cpus: 1\n",
                       "t.yaml:2:3: unknown key 'cpus' in board (expected "
                       "description, cpu, memory, peripherals or host)");
}

static void test_host_services_list_scalar_and_none(void **state)
{
    (void)state;
    BoardFile *f = parse_ok("a:\n  host: [newlib, htif]\n"
                            "b:\n  host: semihosting\n"
                            "c:\n  host: none\n"
                            "d:\n  host: []\n"
                            "e:\n  memory: []\n");
    assert_int_equal(f->boards[0].host, BOARD_HOST_NEWLIB | BOARD_HOST_HTIF);
    assert_int_equal(f->boards[0].host_loc.line, 2);
    assert_int_equal(f->boards[0].host_loc.col, 9);
    assert_int_equal(f->boards[1].host, BOARD_HOST_SEMIHOSTING);
    assert_int_equal(f->boards[2].host, 0);
    assert_int_equal(f->boards[3].host, 0);
    assert_int_equal(f->boards[4].host, 0); /* the default: nothing */
    assert_int_equal(f->boards[4].host_loc.line, f->boards[4].loc.line);
    board_file_free(f);
    assert_int_equal(board_host_service("newlib"), BOARD_HOST_NEWLIB);
    assert_int_equal(board_host_service("semihosting"), BOARD_HOST_SEMIHOSTING);
    assert_int_equal(board_host_service("htif"), BOARD_HOST_HTIF);
    assert_int_equal(board_host_service("none"), 0);
    assert_int_equal(board_host_service("Newlib"), 0);
    /* extends: inherited, or replaced whole */
    f = parse_ok("p:\n  host: [newlib, htif]\n"
                 "q:\n  extends: p\n"
                 "r:\n  extends: p\n  host: [semihosting]\n"
                 "s:\n  extends: p\n  host: none\n");
    assert_int_equal(f->boards[1].host, BOARD_HOST_NEWLIB | BOARD_HOST_HTIF);
    assert_int_equal(f->boards[2].host, BOARD_HOST_SEMIHOSTING);
    assert_int_equal(f->boards[3].host, 0);
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

static void test_host_services_malformed_are_refused(void **state)
{
    (void)state;
    assert_parse_error("b:\n  host: [newlib, pk]\n",
                       "t.yaml:2:18: unknown host service 'pk' (expected "
                       "newlib, semihosting or htif)");
    assert_parse_error("b:\n  host: linux\n",
                       "t.yaml:2:9: unknown host service 'linux' (expected "
                       "newlib, semihosting or htif)");
    assert_parse_error("b:\n  host: [htif, htif]\n",
                       "t.yaml:2:16: host service 'htif' named twice");
    assert_parse_error("b:\n  host: {newlib: 1}\n",
                       "t.yaml:2:9: expected a list of host services (newlib, "
                       "semihosting, htif) or none for 'host', found a mapping");
    assert_parse_error("b:\n  host:\n",
                       "t.yaml:2:8: expected a list of host services (newlib, "
                       "semihosting, htif) or none for 'host', found nothing");
    assert_parse_error("b:\n  host: [[newlib]]\n",
                       "t.yaml:2:10: expected a scalar for a 'host' entry, "
                       "found a list");
}

static void test_unknown_cpu_key_lists_expected_keys(void **state)
{
    (void)state;
    assert_parse_error("b:\n  cpu:\n    speed: 1\n",
                       "t.yaml:3:5: unknown key 'speed' in cpu (expected "
                       "isa, frequency, reset_pc, misaligned, mvendorid, "
                       "marchid, mimpid, pmp_entries or triggers)");
}

static void test_misaligned_policy(void **state)
{
    (void)state;
    Error *err = NULL;
    const char *text = "b:\n  cpu:\n    misaligned: emulate\n";
    BoardFile *f = board_file_parse("t.yaml", text, strlen(text), &err);
    assert_non_null(f);
    assert_int_equal(f->boards[0].cpu.emulate_misaligned, 1);
    board_file_free(f);
    text = "b:\n  cpu:\n    misaligned: trap\n";
    f = board_file_parse("t.yaml", text, strlen(text), &err);
    assert_non_null(f);
    assert_int_equal(f->boards[0].cpu.emulate_misaligned, 0);
    board_file_free(f);
    assert_parse_error("b:\n  cpu:\n    misaligned: fix\n",
                       "t.yaml:3:17: unknown misaligned policy 'fix' "
                       "(expected trap or emulate)");
}

static void test_unknown_memory_key_lists_expected_keys(void **state)
{
    (void)state;
    assert_parse_error("b:\n  memory:\n    - start: 1\n",
                       "t.yaml:3:7: unknown key 'start' in memory entry "
                       "(expected name, type, base, size or image)");
}

static void test_scalar_expected(void **state)
{
    (void)state;
    assert_parse_error("b:\n  cpu:\n    isa: [a]\n",
                       "t.yaml:3:10: expected a scalar for 'isa', found a "
                       "list");
    assert_parse_error("b:\n  memory:\n    - name: {x: 1}\n",
                       "t.yaml:3:13: expected a scalar for 'name', found a "
                       "mapping");
}

static void test_list_expected(void **state)
{
    (void)state;
    assert_parse_error("b:\n  memory: {}\n",
                       "t.yaml:2:11: expected a list for 'memory', found a "
                       "mapping");
    assert_parse_error("b:\n  peripherals:\n",
                       "t.yaml:2:15: expected a list for 'peripherals', "
                       "found nothing");
}

static void test_mapping_expected(void **state)
{
    (void)state;
    assert_parse_error("b:\n  memory:\n    - ram\n",
                       "t.yaml:3:7: expected a mapping for memory entry, "
                       "found a scalar");
    assert_parse_error("b:\n  cpu: rv32i\n",
                       "t.yaml:2:8: expected a mapping for 'cpu', found a "
                       "scalar");
}

static void test_mapping_key_must_be_scalar(void **state)
{
    (void)state;
    assert_parse_error("? [a]\n: 1\n",
                       "t.yaml:1:3: expected a scalar for a mapping key, "
                       "found a list");
}

static void test_memory_missing_key_points_at_entry(void **state)
{
    (void)state;
    assert_parse_error("b:\n  memory:\n    - name: ram\n      type: ram\n"
                       "      base: 0\n",
                       "t.yaml:3:7: missing required key 'size' in memory "
                       "entry 'ram'");
    assert_parse_error("b:\n  memory:\n    - {type: ram, base: 0, size: 1}\n",
                       "t.yaml:3:7: missing required key 'name' in memory "
                       "entry");
}

static void test_peripheral_missing_key_points_at_entry(void **state)
{
    (void)state;
    assert_parse_error("b:\n  peripherals:\n    - name: u\n      type: x\n",
                       "t.yaml:3:7: missing required key 'base' in "
                       "peripheral 'u'");
    assert_parse_error("b:\n  peripherals:\n    - {name: u, base: 0}\n",
                       "t.yaml:3:7: missing required key 'type' in "
                       "peripheral 'u'");
}

static void test_bad_number_is_refused(void **state)
{
    (void)state;
    assert_parse_error("b:\n  memory:\n"
                       "    - {name: r, type: ram, base: 0, size: 12Q}\n",
                       "t.yaml:3:43: invalid number '12Q' for 'size'");
    assert_parse_error("b:\n  cpu:\n    frequency: -5\n",
                       "t.yaml:3:16: invalid number '-5' for 'frequency'");
    assert_parse_error("b:\n  memory:\n"
                       "    - {name: r, type: ram, base: '', size: 1}\n",
                       "t.yaml:3:34: invalid number '' for 'base'");
}

static void test_unknown_memory_type_is_refused(void **state)
{
    (void)state;
    assert_parse_error("b:\n  memory:\n"
                       "    - {name: r, type: sram, base: 0, size: 1}\n",
                       "t.yaml:3:23: unknown memory type 'sram' (expected "
                       "ram, rom or flash)");
}

static void test_duplicate_board_name_is_refused(void **state)
{
    (void)state;
    assert_parse_error("b: {}\nc: {}\nb: {}\n",
                       "t.yaml:3:1: duplicate board name 'b' (first at 1:1)");
}

static void test_duplicate_key_is_refused(void **state)
{
    (void)state;
    assert_parse_error("b:\n  cpu: {}\n  cpu: {}\n",
                       "t.yaml:3:3: duplicate key 'cpu' (first at 2:3)");
    assert_parse_error("b:\n  peripherals:\n"
                       "    - {name: u, type: x, base: 0, p: 1, p: 2}\n",
                       "t.yaml:3:41: duplicate key 'p' (first at 3:35)");
}

static void test_memories_and_peripherals_share_one_namespace(void **state)
{
    (void)state;
    assert_parse_error("b:\n  memory:\n"
                       "    - {name: r, type: ram, base: 0, size: 1}\n"
                       "  peripherals:\n"
                       "    - {name: r, type: x, base: 0x10}\n",
                       "t.yaml:5:14: duplicate name 'r' (already used by "
                       "memory at 3:7)");
    assert_parse_error("b:\n  peripherals:\n"
                       "    - {name: u, type: x, base: 0x10}\n"
                       "    - {name: u, type: x, base: 0x20}\n",
                       "t.yaml:4:14: duplicate name 'u' (already used by "
                       "peripheral at 3:7)");
}

static void test_overlapping_memories_name_both_ranges(void **state)
{
    (void)state;
    assert_parse_error("b:\n  memory:\n"
                       "    - {name: a, type: ram, base: 0x1000, size: 4K}\n"
                       "    - {name: b, type: rom, base: 0x1800, size: 4K}\n",
                       "t.yaml:4:7: memory 'b' [0x1800, 0x2800) overlaps "
                       "memory 'a' [0x1000, 0x2000) defined at 3:7");
}

static void test_memory_beyond_4gib_is_refused(void **state)
{
    (void)state;
    assert_parse_error("b:\n  memory:\n"
                       "    - {name: a, type: ram, base: 0xfffff000, "
                       "size: 8K}\n",
                       "t.yaml:3:52: memory 'a' at 0xfffff000 size 0x2000 "
                       "ends past 0x100000000");
    assert_parse_error("b:\n  memory:\n"
                       "    - {name: a, type: ram, base: 1, "
                       "size: 0xffff_ffff_ffff_ffff}\n",
                       "t.yaml:3:43: memory 'a' at 0x1 size "
                       "0xffffffffffffffff ends past 0x100000000");
}

static void test_peripheral_beyond_4gib_is_refused(void **state)
{
    (void)state;
    assert_parse_error("b:\n  peripherals:\n"
                       "    - {name: a, type: x, base: 0xfffff000, "
                       "size: 8K}\n",
                       "t.yaml:3:50: peripheral 'a' at 0xfffff000 size "
                       "0x2000 ends past 0x100000000");
}

static void test_addresses_must_fit_32_bits(void **state)
{
    (void)state;
    assert_parse_error("b:\n  peripherals:\n"
                       "    - {name: a, type: x, base: 4G}\n",
                       "t.yaml:3:32: 'base' 0x100000000 does not fit in 32 "
                       "bits");
    assert_parse_error("b:\n  cpu: {reset_pc: 0x1_0000_0000}\n",
                       "t.yaml:2:19: 'reset_pc' 0x100000000 does not fit "
                       "in 32 bits");
}

static void test_zero_sizes_and_frequencies_are_refused(void **state)
{
    (void)state;
    assert_parse_error("b:\n  memory:\n"
                       "    - {name: r, type: ram, base: 0, size: 0}\n",
                       "t.yaml:3:43: memory 'r' at 0x0 has size 0");
    assert_parse_error("b:\n  cpu: {frequency: 0}\n",
                       "t.yaml:2:20: 'frequency' must be greater than 0");
}

static void test_anchors_and_aliases_are_refused(void **state)
{
    (void)state;
    assert_parse_error("b: &common {}\n",
                       "t.yaml:1:4: YAML anchors and aliases are not "
                       "supported");
    assert_parse_error("b:\n  description: *x\n",
                       "t.yaml:2:16: YAML anchors and aliases are not "
                       "supported");
}

static void test_property_value_must_be_scalar(void **state)
{
    (void)state;
    /* Lists are for `irq` only. */
    assert_parse_error("b:\n  peripherals:\n"
                       "    - {name: a, type: x, base: 0, regs: [1, 2]}\n",
                       "t.yaml:3:41: expected a scalar for property 'regs', "
                       "found a list");
}

/* ---- interrupt wiring (`irq:`) ---- */

static const BoardPeripheral *only_peripheral(const BoardFile *f)
{
    assert_int_equal(f->nboards, 1);
    assert_int_equal(f->boards[0].nperipherals, 1);
    return &f->boards[0].peripherals[0];
}

static void assert_irq(const BoardIrq *irq, const char *target,
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

static void test_irq_scalar_names_one_sink(void **state)
{
    (void)state;
    BoardFile *f = parse_ok("b:\n  peripherals:\n"
                            "    - name: uart0\n"
                            "      type: ns16550a\n"
                            "      base: 0x1000\n"
                            "      irq: plic.3\n"
                            "      chardev: stdio\n");
    const BoardPeripheral *p = only_peripheral(f);
    assert_int_equal(p->nirqs, 1);
    assert_irq(&p->irqs[0], "plic", NULL, 3, 6, 12);
    assert_int_equal(p->irq_loc.line, 6);
    assert_int_equal(p->irq_loc.col, 12);
    /* irq is wiring, not a property the model sees */
    assert_int_equal(p->nprops, 1);
    assert_null(board_peripheral_prop(p, "irq"));
    board_file_free(f);
}

static void test_irq_list_keeps_output_order_and_cpu_inputs(void **state)
{
    (void)state;
    BoardFile *f = parse_ok("b:\n  peripherals:\n"
                            "    - {name: clint, type: c, base: 0, "
                            "irq: [cpu.msi, cpu.mti, my-plic_2.0]}\n");
    const BoardPeripheral *p = only_peripheral(f);
    assert_int_equal(p->nirqs, 3);
    assert_irq(&p->irqs[0], "cpu", "msi", 0, 3, 45);
    assert_irq(&p->irqs[1], "cpu", "mti", 0, 3, 54);
    assert_irq(&p->irqs[2], "my-plic_2", NULL, 0, 3, 63);
    assert_int_equal(p->irq_loc.col, 44);
    board_file_free(f);
}

static void test_irq_range_expands_to_one_line_each(void **state)
{
    (void)state;
    BoardFile *f = parse_ok("b:\n  peripherals:\n"
                            "    - {name: gpio, type: g, base: 0, "
                            "irq: [plic.8-37, cpu.mei, plic.7-7]}\n");
    const BoardPeripheral *p = only_peripheral(f);
    assert_int_equal(p->nirqs, 32);
    for (unsigned i = 0; i < 30; i++)
        assert_irq(&p->irqs[i], "plic", NULL, 8 + i, 3, 44);
    assert_irq(&p->irqs[30], "cpu", "mei", 0, 3, 55);
    assert_irq(&p->irqs[31], "plic", NULL, 7, 3, 64);
    board_file_free(f);
}

static void test_irq_absent_or_empty_wires_nothing(void **state)
{
    (void)state;
    BoardFile *f = parse_ok("b:\n  peripherals:\n"
                            "    - {name: a, type: x, base: 0}\n"
                            "    - {name: b, type: x, base: 0, irq: []}\n");
    const BoardPeripheral *a = &f->boards[0].peripherals[0];
    const BoardPeripheral *b = &f->boards[0].peripherals[1];
    assert_int_equal(a->nirqs, 0);
    assert_null(a->irqs);
    assert_int_equal(a->irq_loc.line, a->loc.line);
    assert_int_equal(a->irq_loc.col, a->loc.col);
    assert_int_equal(b->nirqs, 0);
    assert_int_equal(b->irq_loc.col, 40);
    board_file_free(f);
}

static void test_irq_malformed_sinks_are_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "plic", "plic.", ".3", "plic.x", "plic.3-", "plic.-3", "plic.3-4-5",
        "plic.+3", "plic. 3", "pl ic.3", "plic.3.4", "cpu.", "cpu.3-4x",
        "cpu.m-i", "plic.0x10", "a.b.c",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[160], expected[160];
        snprintf(text, sizeof text, "b:\n  peripherals:\n"
                 "    - {name: a, type: x, base: 0, irq: \"%s\"}\n", bad[i]);
        snprintf(expected, sizeof expected, "t.yaml:3:40: invalid interrupt "
                 "sink '%s' (expected cpu.INPUT, TARGET.N or TARGET.N-M)",
                 bad[i]);
        assert_parse_error(text, expected);
    }
    /* in a list, the entry at fault is located */
    assert_parse_error("b:\n  peripherals:\n"
                       "    - {name: a, type: x, base: 0, irq: [plic.1, 7]}\n",
                       "t.yaml:3:49: invalid interrupt sink '7' (expected "
                       "cpu.INPUT, TARGET.N or TARGET.N-M)");
}

static void test_irq_reversed_and_huge_ranges_are_refused(void **state)
{
    (void)state;
    assert_parse_error("b:\n  peripherals:\n"
                       "    - {name: a, type: x, base: 0, irq: plic.9-3}\n",
                       "t.yaml:3:40: reversed interrupt range 'plic.9-3' "
                       "(9 > 3)");
    assert_parse_error("b:\n  peripherals:\n"
                       "    - {name: a, type: x, base: 0, irq: plic.0-1024}\n",
                       "t.yaml:3:40: interrupt range 'plic.0-1024' spans "
                       "1025 lines (at most 1024)");
    assert_parse_error("b:\n  peripherals:\n"
                       "    - {name: a, type: x, base: 0, "
                       "irq: [plic.1, plic.65536]}\n",
                       "t.yaml:3:49: interrupt input number too large in "
                       "'plic.65536' (at most 65535)");
    assert_parse_error("b:\n  peripherals:\n"
                       "    - {name: a, type: x, base: 0, "
                       "irq: plic.0-99999999999999999999999}\n",
                       "t.yaml:3:40: interrupt input number too large in "
                       "'plic.0-99999999999999999999999' (at most 65535)");
    /* the largest range is well-formed, but more lines than any model has */
    assert_parse_error("b:\n  peripherals:\n"
                       "    - {name: a, type: x, base: 0, "
                       "irq: [plic.64512-65535]}\n",
                       "t.yaml:3:40: 'a' wires 1024 interrupt lines; no "
                       "model drives more than 32");
    /* the largest input */
    BoardFile *f = parse_ok("b:\n  peripherals:\n"
                            "    - {name: a, type: x, base: 0, "
                            "irq: [plic.65504-65535]}\n");
    const BoardPeripheral *p = only_peripheral(f);
    assert_int_equal(p->nirqs, 32);
    assert_int_equal(p->irqs[31].line, 65535);
    board_file_free(f);
}

static void test_irq_value_shapes_are_checked(void **state)
{
    (void)state;
    assert_parse_error("b:\n  peripherals:\n"
                       "    - {name: a, type: x, base: 0, irq: {plic: 3}}\n",
                       "t.yaml:3:40: expected a scalar or a list for 'irq', "
                       "found a mapping");
    assert_parse_error("b:\n  peripherals:\n"
                       "    - name: a\n      type: x\n      base: 0\n"
                       "      irq:\n",
                       "t.yaml:6:11: expected a scalar or a list for 'irq', "
                       "found nothing");
    assert_parse_error("b:\n  peripherals:\n"
                       "    - {name: a, type: x, base: 0, "
                       "irq: [plic.1, [plic.2]]}\n",
                       "t.yaml:3:49: expected a scalar for an 'irq' entry, "
                       "found a list");
    assert_parse_error("b:\n  peripherals:\n"
                       "    - {name: a, type: x, base: 0, irq: plic.1, "
                       "irq: plic.2}\n",
                       "t.yaml:3:48: duplicate key 'irq' (first at 3:35)");
    /* a late error frees the lines parsed so far */
    assert_parse_error("b:\n  peripherals:\n"
                       "    - {name: a, type: x, base: 0, "
                       "irq: [plic.0-1023, cpu.mti, plic.x]}\n",
                       "t.yaml:3:63: invalid interrupt sink 'plic.x' "
                       "(expected cpu.INPUT, TARGET.N or TARGET.N-M)");
}

static void test_names_use_letters_digits_underscore_dash(void **state)
{
    (void)state;
    assert_parse_error("b:\n  peripherals:\n"
                       "    - {name: a b, type: x, base: 0}\n",
                       "t.yaml:3:14: invalid name 'a b' (expected letters, "
                       "digits, '_' or '-')");
    assert_parse_error("b:\n  memory:\n"
                       "    - {name: \"\", type: ram, base: 0, size: 1}\n",
                       "t.yaml:3:14: empty name");
    assert_parse_error("my.board: {}\n",
                       "t.yaml:1:1: invalid name 'my.board' (expected "
                       "letters, digits, '_' or '-')");
}

static void test_empty_isa_and_type_are_refused(void **state)
{
    (void)state;
    assert_parse_error("b:\n  cpu: {isa: \"\"}\n",
                       "t.yaml:2:14: 'isa' must not be empty");
    assert_parse_error("b:\n  peripherals:\n"
                       "    - {name: a, type: '', base: 0}\n",
                       "t.yaml:3:23: 'type' must not be empty");
}

static void test_nul_in_scalar_and_deep_nesting_are_refused(void **state)
{
    (void)state;
    static const char nul[] = "b:\n  description: \"a\\0b\"\n";
    assert_parse_error(nul, "t.yaml:2:16: NUL character in a scalar");
    char deep[128] = "b: ";
    for (int i = 0; i < 40; i++)
        strcat(deep, "[");
    for (int i = 0; i < 40; i++)
        strcat(deep, "]");
    assert_parse_error(deep, "t.yaml:1:36: nesting deeper than 32 levels");
}

static void test_error_is_first_problem_and_errp_may_be_null(void **state)
{
    (void)state;
    static const char text[] = "b:\n  cpus: 1\n  memory: 3\n";
    assert_null(board_file_parse("t.yaml", text, strlen(text), NULL));
    /* A late problem after a fully built board frees the built part. */
    assert_parse_error("a:\n  memory:\n"
                       "    - {name: r, type: ram, base: 0, size: 1}\n"
                       "  peripherals:\n"
                       "    - {name: u, type: x, base: 0x10, k: v}\n"
                       "b:\n  memory: 1\n",
                       "t.yaml:7:11: expected a list for 'memory', found "
                       "a scalar");
}

/* ---- files ---- */

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


/* ---- extends ---- */

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

static char *write_temp(const char *dir, const char *name, const char *text)
{
    char *path = malloc(strlen(dir) + strlen(name) + 2);
    sprintf(path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
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

/* ---- work bounded by the input (BoardLoadStats) ---- */

static BoardFile *parse_how(const char *text, const BoardLoad *how,
                            Error **errp)
{
    return board_file_parse_with("t.yaml", text, strlen(text), how, errp);
}

/* 100 KB of `irq: plic.0-1023` lines once cost 700 MB before the machine
 * refused them: the lines are counted against the model first, and none
 * is made when the count is wrong. */
static void test_irq_lines_are_counted_before_any_is_made(void **state)
{
    (void)state;
    size_t cap = 16384, used = 0;
    char *text = malloc(cap);
    used += (size_t)snprintf(text, cap, "b:\n  peripherals:\n    - name: u\n"
                             "      type: sifive,uart0\n"
                             "      base: 0x10013000\n      irq:\n");
    for (int i = 0; i < 200; i++)
        used += (size_t)snprintf(text + used, cap - used,
                                 "        - plic.0-1023\n");
    BoardLoadStats stats = { 0 };
    BoardModels models = registry_board_models();
    BoardLoad how = { .stats = &stats, .models = &models };
    Error *err = NULL;
    assert_null(parse_how(text, &how, &err));
    assert_string_equal(error_message(err), "t.yaml:7:9: 'u' drives 1 "
                        "interrupt line (irq); the board wires 204800");
    assert_int_equal(stats.irq_lines, 0);
    error_free(err);
    err = NULL;
    /* Told of no models (soc/ knows none by itself): bounded all the same. */
    BoardLoad blind = { .stats = &stats };
    assert_null(parse_how(text, &blind, &err));
    assert_string_equal(error_message(err), "t.yaml:7:9: 'u' wires 204800 interrupt "
                        "lines; no model drives more than 1024");
    assert_int_equal(stats.irq_lines, 0);
    error_free(err);
    free(text);
    /* the right count makes exactly those lines */
    BoardFile *f = parse_how("b:\n  peripherals:\n    - {name: c, type: "
                             "\"sifive,clint0\", base: 0, irq: [cpu.msi, cpu.mti]}\n",
                             &how, &err);
    assert_non_null(f);
    assert_int_equal(stats.irq_lines, 2);
    board_file_free(f);
    /* too few lines for a known model: the machine's message, earlier */
    assert_parse_error("b:\n  peripherals:\n    - {name: c, type: "
                       "\"sifive,clint0\", base: 0, irq: cpu.mti}\n",
                       "t.yaml:3:54: 'c' drives 2 interrupt lines (msi, mti); "
                       "the board wires 1");
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

/* ---- the cpu keys ---- */

static void test_cpu_identification_and_counts(void **state)
{
    (void)state;
    BoardFile *f = parse_ok("b:\n  cpu:\n    mvendorid: 0x489\n"
                            "    marchid: 0x8000_0002\n    mimpid: 0xffffffff\n"
                            "    pmp_entries: 8\n    triggers: 0\n"
                            "d: {}\n");
    const BoardCpu *cpu = &f->boards[0].cpu;
    assert_int_equal(cpu->mvendorid, 0x489);
    assert_int_equal(cpu->marchid, 0x80000002);
    assert_int_equal(cpu->mimpid, 0xffffffff);
    assert_int_equal(cpu->pmp_entries, 8);
    assert_int_equal(cpu->triggers, 0);
    const BoardCpu *d = &f->boards[1].cpu; /* the defaults */
    assert_int_equal(d->mvendorid, 0);
    assert_int_equal(d->marchid, 0);
    assert_int_equal(d->mimpid, 0);
    assert_int_equal(d->pmp_entries, BOARD_PMP_MAX);
    assert_int_equal(d->triggers, 2);
    board_file_free(f);
    assert_parse_error("b:\n  cpu: {pmp_entries: 17}\n",
                       "t.yaml:2:22: 'pmp_entries' 17 is out of range (0 to "
                       "16)");
    assert_parse_error("b:\n  cpu: {triggers: 9}\n",
                       "t.yaml:2:19: 'triggers' 9 is out of range (0 to 8)");
    assert_parse_error("b:\n  cpu: {marchid: 4G}\n",
                       "t.yaml:2:18: 'marchid' 4G is out of range (0 to "
                       "0xffffffff)");
    assert_parse_error("b:\n  cpu: {mimpid: -1}\n",
                       "t.yaml:2:17: invalid number '-1' for 'mimpid'");
}

/* Where the CPU's verdict on the ISA string points (sim/main.c). */
static void test_isa_location_is_kept(void **state)
{
    (void)state;
    BoardFile *f = parse_ok("b:\n  cpu: {isa: rv32imc}\nc:\n  cpu: {}\nd: {}\n");
    assert_int_equal(f->boards[0].cpu.isa_loc.line, 2);
    assert_int_equal(f->boards[0].cpu.isa_loc.col, 14);
    assert_int_equal(f->boards[1].cpu.isa_loc.line, 4); /* the cpu mapping */
    assert_int_equal(f->boards[1].cpu.isa_loc.col, 8);
    assert_int_equal(f->boards[2].cpu.isa_loc.line, 5); /* the board */
    assert_int_equal(f->boards[2].cpu.isa_loc.col, 1);
    Error *err = NULL;
    assert_true(board_apply_set(&f->boards[2], "cpu.isa=rv32e", 3, &err));
    assert_string_equal(f->boards[2].cpu.isa, "rv32e");
    assert_string_equal(f->boards[2].cpu.isa_loc.file, "--set");
    assert_int_equal(f->boards[2].cpu.isa_loc.line, 3);
    assert_int_equal(f->boards[2].cpu.isa_loc.col, 9);
    board_file_free(f);
}

/* ---- --set: checked as board files are, every error at its place ---- */

static const char set_board[] =
    "b:\n  memory: [{name: ram, type: ram, base: 0x80000000, size: 64K}]\n"
    "  peripherals: [{name: uart0, type: ns16550a, base: 0x10000000}]\n";

static void assert_set_error(const char *assignment, const char *expected)
{
    BoardFile *f = parse_ok(set_board);
    Error *err = NULL;
    assert_false(board_apply_set(&f->boards[0], assignment, 2, &err));
    assert_string_equal(error_message(err), expected);
    error_free(err);
    board_file_free(f);
}

static void test_set_ranges_go_through_the_range_check(void **state)
{
    (void)state;
    assert_set_error("ram.size=4G", "--set:2:10: memory 'ram' at 0x80000000 "
                     "size 0x100000000 ends past 0x100000000");
    assert_set_error("ram.base=0xffff8000", "--set:2:10: memory 'ram' at "
                     "0xffff8000 size 0x10000 ends past 0x100000000");
    assert_set_error("ram.size=0", "--set:2:10: memory 'ram' at 0x80000000 "
                     "has size 0");
    assert_set_error("uart0.size=0x100000000", "--set:2:12: peripheral "
                     "'uart0' at 0x10000000 size 0x100000000 ends past "
                     "0x100000000");
    assert_set_error("ram.base=4G", "--set:2:10: 'base' 0x100000000 does not "
                     "fit in 32 bits");
    assert_set_error("ram.size=lots", "--set:2:10: invalid number 'lots' for "
                     "'size'");
    /* size 0: the model's default, which the machine places and checks */
    BoardFile *f = parse_ok(set_board);
    assert_true(board_apply_set(&f->boards[0], "uart0.size=0", 1, NULL));
    assert_true(board_apply_set(&f->boards[0], "uart0.base=0xfffff000", 1, NULL));
    assert_true(board_apply_set(&f->boards[0], "ram.size=0x7fff_0000", 1, NULL));
    assert_int_equal(f->boards[0].memories[0].size, 0x7fff0000);
    board_file_free(f);
}

static void test_set_errors_are_located_in_the_argument(void **state)
{
    (void)state;
    assert_set_error("uart0", "--set:2:1: expected TARGET.KEY=VALUE (e.g. "
                     "uart0.chardev=null), not 'uart0'");
    assert_set_error("uart7.chardev=null", "--set:2:1: board 'b' has no cpu, "
                     "memory or peripheral named 'uart7'");
    assert_set_error("cpu.speed=3", "--set:2:5: unknown key 'speed' in cpu "
                     "(expected isa, frequency, reset_pc, misaligned, "
                     "mvendorid, marchid, mimpid, pmp_entries or triggers)");
    assert_set_error("cpu.frequency=0", "--set:2:15: 'frequency' must be "
                     "greater than 0");
    assert_set_error("cpu.misaligned=sometimes", "--set:2:16: unknown "
                     "misaligned policy 'sometimes' (expected trap or emulate)");
    assert_set_error("cpu.isa=", "--set:2:9: 'isa' must not be empty");
    assert_set_error("cpu.pmp_entries=17", "--set:2:17: 'pmp_entries' 17 is out "
                     "of range (0 to 16)");
    assert_set_error("ram.type=rom", "--set:2:5: a memory's 'type' cannot be "
                     "changed from the command line (base and size can)");
    assert_set_error("uart0.irq=plic.3", "--set:2:7: 'irq' cannot be changed "
                     "from the command line (write a board that extends this "
                     "one)");
    /* a property set there points at its value */
    BoardFile *f = parse_ok(set_board);
    assert_true(board_apply_set(&f->boards[0], "uart0.chardev=null", 4, NULL));
    const BoardProp *prop = board_peripheral_prop(&f->boards[0].peripherals[0],
                                                  "chardev");
    assert_string_equal(prop->value, "null");
    assert_string_equal(prop->loc.file, "--set");
    assert_int_equal(prop->loc.line, 4);
    assert_int_equal(prop->loc.col, 15);
    assert_true(board_apply_set(&f->boards[0], "cpu.triggers=8", 5, NULL));
    assert_true(board_apply_set(&f->boards[0], "cpu.mvendorid=0x489", 6, NULL));
    assert_int_equal(f->boards[0].cpu.triggers, 8);
    assert_int_equal(f->boards[0].cpu.mvendorid, 0x489);
    board_file_free(f);
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
        cmocka_unit_test(test_full_board_parses_every_field),
        cmocka_unit_test(test_defaults_apply_when_keys_are_absent),
        cmocka_unit_test(test_properties_keep_their_text_and_location),
        cmocka_unit_test(test_find_returns_null_for_unknown_board),
        cmocka_unit_test(test_flow_style_and_adjacent_regions_parse),
        cmocka_unit_test(test_parse_u64_accepts_documented_syntax),
        cmocka_unit_test(test_parse_u64_rejects_junk_and_overflow),
        cmocka_unit_test(test_yaml_syntax_error_names_problem_and_context),
        cmocka_unit_test(test_invalid_utf8_is_located),
        cmocka_unit_test(test_empty_document_is_refused),
        cmocka_unit_test(test_second_document_is_refused),
        cmocka_unit_test(test_top_level_must_be_a_mapping),
        cmocka_unit_test(test_board_must_be_a_mapping),
        cmocka_unit_test(test_unknown_board_key_lists_expected_keys),
        cmocka_unit_test(test_host_services_list_scalar_and_none),
        cmocka_unit_test(test_host_services_malformed_are_refused),
        cmocka_unit_test(test_unknown_cpu_key_lists_expected_keys),
        cmocka_unit_test(test_misaligned_policy),
        cmocka_unit_test(test_extends_overrides_adds_and_removes),
        cmocka_unit_test(test_extends_errors),
        cmocka_unit_test(test_extends_other_files_and_the_shipped_boards),
        cmocka_unit_test(test_unknown_memory_key_lists_expected_keys),
        cmocka_unit_test(test_scalar_expected),
        cmocka_unit_test(test_list_expected),
        cmocka_unit_test(test_mapping_expected),
        cmocka_unit_test(test_mapping_key_must_be_scalar),
        cmocka_unit_test(test_memory_missing_key_points_at_entry),
        cmocka_unit_test(test_peripheral_missing_key_points_at_entry),
        cmocka_unit_test(test_bad_number_is_refused),
        cmocka_unit_test(test_unknown_memory_type_is_refused),
        cmocka_unit_test(test_duplicate_board_name_is_refused),
        cmocka_unit_test(test_duplicate_key_is_refused),
        cmocka_unit_test(test_memories_and_peripherals_share_one_namespace),
        cmocka_unit_test(test_overlapping_memories_name_both_ranges),
        cmocka_unit_test(test_memory_beyond_4gib_is_refused),
        cmocka_unit_test(test_peripheral_beyond_4gib_is_refused),
        cmocka_unit_test(test_addresses_must_fit_32_bits),
        cmocka_unit_test(test_zero_sizes_and_frequencies_are_refused),
        cmocka_unit_test(test_anchors_and_aliases_are_refused),
        cmocka_unit_test(test_property_value_must_be_scalar),
        cmocka_unit_test(test_irq_scalar_names_one_sink),
        cmocka_unit_test(test_irq_list_keeps_output_order_and_cpu_inputs),
        cmocka_unit_test(test_irq_range_expands_to_one_line_each),
        cmocka_unit_test(test_irq_absent_or_empty_wires_nothing),
        cmocka_unit_test(test_irq_malformed_sinks_are_refused),
        cmocka_unit_test(test_irq_reversed_and_huge_ranges_are_refused),
        cmocka_unit_test(test_irq_value_shapes_are_checked),
        cmocka_unit_test(test_names_use_letters_digits_underscore_dash),
        cmocka_unit_test(test_empty_isa_and_type_are_refused),
        cmocka_unit_test(test_nul_in_scalar_and_deep_nesting_are_refused),
        cmocka_unit_test(test_error_is_first_problem_and_errp_may_be_null),
        cmocka_unit_test(test_load_reports_unopenable_file),
        cmocka_unit_test(test_load_reads_a_file_and_uses_its_path),
        cmocka_unit_test(test_repo_boards_yaml_has_virt32),
        cmocka_unit_test(test_repo_boards_host_services),
        cmocka_unit_test(test_irq_lines_are_counted_before_any_is_made),
        cmocka_unit_test(test_choosing_a_board_resolves_only_it),
        cmocka_unit_test(test_a_chosen_board_ignores_the_others_contents),
        cmocka_unit_test(test_choosing_names_the_boards_there),
        cmocka_unit_test(test_cpu_identification_and_counts),
        cmocka_unit_test(test_isa_location_is_kept),
        cmocka_unit_test(test_set_ranges_go_through_the_range_check),
        cmocka_unit_test(test_set_errors_are_located_in_the_argument),
        cmocka_unit_test(test_load_refuses_a_fifo),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
