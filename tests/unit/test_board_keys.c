/* The key tables of a board, its cpu, memories and peripherals
 * (soc/board_keys.c, soc/board_convert.c, soc/board_check.c): good boards
 * parse into the documented data with defaults applied; every malformed
 * value is refused with one exact "FILE:LINE:COL: message". */
#include "board_testlib.h"

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

static void test_property_value_must_be_scalar(void **state)
{
    (void)state;
    /* Lists are for `irq` only. */
    assert_parse_error("b:\n  peripherals:\n"
                       "    - {name: a, type: x, base: 0, regs: [1, 2]}\n",
                       "t.yaml:3:41: expected a scalar for property 'regs', "
                       "found a list");
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

/* Where the machine's and main's errors about a value point: reset_pc,
 * base and size keep the locations of their values (the entry for a
 * peripheral's absent size, the board for an absent reset_pc). */
static void test_value_locations_are_kept(void **state)
{
    (void)state;
    BoardFile *f = parse_ok("b:\n  cpu: {reset_pc: 0x8000_0000}\n"
                            "  memory:\n    - {name: ram, type: ram, base: 0x80000000, size: 4K}\n"
                            "  peripherals:\n"
                            "    - {name: u, type: ns16550a, base: 0x1000, size: 0x100}\n"
                            "    - {name: t, type: \"sifive,test0\", base: 0x2000}\n"
                            "c: {}\n");
    const BoardDesc *b = &f->boards[0];
    assert_int_equal(b->cpu.reset_pc_loc.line, 2);
    assert_int_equal(b->cpu.reset_pc_loc.col, 19);
    assert_int_equal(b->memories[0].base_loc.line, 4);
    assert_int_equal(b->memories[0].base_loc.col, 36);
    assert_int_equal(b->memories[0].size_loc.col, 54);
    assert_int_equal(b->peripherals[0].base_loc.line, 6);
    assert_int_equal(b->peripherals[0].base_loc.col, 39);
    assert_int_equal(b->peripherals[0].size_loc.col, 53);
    assert_int_equal(b->peripherals[1].base_loc.col, 45);
    assert_int_equal(b->peripherals[1].size_loc.line, 7); /* absent: the entry */
    assert_int_equal(b->peripherals[1].size_loc.col, 7);
    assert_ptr_equal(b->peripherals[1].size_loc.file, f->path);
    assert_int_equal(f->boards[1].cpu.reset_pc_loc.line, 8); /* absent: the board */
    assert_int_equal(f->boards[1].cpu.reset_pc_loc.col, 1);
    board_file_free(f);
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
        cmocka_unit_test(test_unknown_board_key_lists_expected_keys),
        cmocka_unit_test(test_host_services_list_scalar_and_none),
        cmocka_unit_test(test_host_services_malformed_are_refused),
        cmocka_unit_test(test_unknown_cpu_key_lists_expected_keys),
        cmocka_unit_test(test_misaligned_policy),
        cmocka_unit_test(test_unknown_memory_key_lists_expected_keys),
        cmocka_unit_test(test_scalar_expected),
        cmocka_unit_test(test_list_expected),
        cmocka_unit_test(test_mapping_expected),
        cmocka_unit_test(test_memory_missing_key_points_at_entry),
        cmocka_unit_test(test_peripheral_missing_key_points_at_entry),
        cmocka_unit_test(test_bad_number_is_refused),
        cmocka_unit_test(test_unknown_memory_type_is_refused),
        cmocka_unit_test(test_duplicate_key_is_refused),
        cmocka_unit_test(test_memories_and_peripherals_share_one_namespace),
        cmocka_unit_test(test_overlapping_memories_name_both_ranges),
        cmocka_unit_test(test_memory_beyond_4gib_is_refused),
        cmocka_unit_test(test_peripheral_beyond_4gib_is_refused),
        cmocka_unit_test(test_addresses_must_fit_32_bits),
        cmocka_unit_test(test_zero_sizes_and_frequencies_are_refused),
        cmocka_unit_test(test_property_value_must_be_scalar),
        cmocka_unit_test(test_names_use_letters_digits_underscore_dash),
        cmocka_unit_test(test_empty_isa_and_type_are_refused),
        cmocka_unit_test(test_cpu_identification_and_counts),
        cmocka_unit_test(test_isa_location_is_kept),
        cmocka_unit_test(test_value_locations_are_kept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
