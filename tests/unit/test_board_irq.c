/* Interrupt wiring (`irq:`, soc/board_irq.c): sinks, ranges and lists
 * expand to one located line each, in output order; lines are counted
 * against the model before any is made. */
#include "board_testlib.h"

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
                        "lines; a peripheral drives at most 1024 interrupt lines");
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_irq_scalar_names_one_sink),
        cmocka_unit_test(test_irq_list_keeps_output_order_and_cpu_inputs),
        cmocka_unit_test(test_irq_range_expands_to_one_line_each),
        cmocka_unit_test(test_irq_absent_or_empty_wires_nothing),
        cmocka_unit_test(test_irq_malformed_sinks_are_refused),
        cmocka_unit_test(test_irq_reversed_and_huge_ranges_are_refused),
        cmocka_unit_test(test_irq_value_shapes_are_checked),
        cmocka_unit_test(test_irq_lines_are_counted_before_any_is_made),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
