/* `--set` (soc/board_set.c): checked as board files are, every error
 * located in the argument. */
#include "board_testlib.h"
#include "peripherals/registry.h"
#include "soc/machine.h"

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
    /* where the machine places it (ns16550a: 0x100 bytes), and says so at
     * the --set that put it there */
    assert_true(board_apply_set(&f->boards[0], "uart0.base=0xffffff80", 3, NULL));
    MemorySystem *ms = memory_system_new();
    MachineHooks hooks = {.registry = registry_devices()};
    Error *err = NULL;
    assert_null(machine_new(ms, &f->boards[0], &hooks, &err));
    assert_string_equal(error_message(err), "--set:3:12: peripheral 'uart0' at "
                        "0xffffff80 size 0x100 ends past 0x100000000");
    error_free(err);
    memory_system_free(ms);
    board_file_free(f);
}

/* What --set changes keeps where it was set, for later errors about it. */
static void test_set_keeps_the_location_of_what_it_sets(void **state)
{
    (void)state;
    BoardFile *f = parse_ok(set_board);
    BoardDesc *b = &f->boards[0];
    assert_true(board_apply_set(b, "ram.base=0x1000", 1, NULL));
    assert_true(board_apply_set(b, "ram.size=8K", 2, NULL));
    assert_true(board_apply_set(b, "uart0.base=0x2000", 3, NULL));
    assert_true(board_apply_set(b, "uart0.size=0x40", 4, NULL));
    assert_true(board_apply_set(b, "cpu.reset_pc=0x1000", 5, NULL));
    const SourceLoc *locs[] = { &b->memories[0].base_loc, &b->memories[0].size_loc,
                                &b->peripherals[0].base_loc, &b->peripherals[0].size_loc,
                                &b->cpu.reset_pc_loc };
    const unsigned cols[] = { 10, 10, 12, 12, 14 };
    for (unsigned i = 0; i < 5; i++) {
        assert_string_equal(locs[i]->file, BOARD_SET_FILE);
        assert_int_equal(locs[i]->line, i + 1);
        assert_int_equal(locs[i]->col, cols[i]);
    }
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
                     "changed from the command line (base, size and image can)");
    assert_set_error("ram.image=", "--set:2:11: 'image' must name a file");
    assert_set_error("uart0.irq=plic.3", "--set:2:7: 'irq' cannot be changed "
                     "from the command line (write a board that extends this "
                     "one)");
    /* an image from the command line: the path as given, located there */
    {
        BoardFile *fi = parse_ok(set_board);
        assert_true(board_apply_set(&fi->boards[0], "ram.image=boot/rom.bin", 3, NULL));
        const BoardMemory *ram = &fi->boards[0].memories[0];
        assert_string_equal(ram->image, "boot/rom.bin");
        assert_int_equal(ram->image_loc.line, 3);
        assert_int_equal(ram->image_loc.col, 11);
        board_file_free(fi);
    }
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_set_ranges_go_through_the_range_check),
        cmocka_unit_test(test_set_errors_are_located_in_the_argument),
        cmocka_unit_test(test_set_keeps_the_location_of_what_it_sets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
