/* YAML as board files may write it (soc/board_yaml.c): syntax errors
 * located with libyaml's context, and the features refused. */
#include "board_testlib.h"

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

static void test_mapping_key_must_be_scalar(void **state)
{
    (void)state;
    assert_parse_error("? [a]\n: 1\n",
                       "t.yaml:1:3: expected a scalar for a mapping key, "
                       "found a list");
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_yaml_syntax_error_names_problem_and_context),
        cmocka_unit_test(test_invalid_utf8_is_located),
        cmocka_unit_test(test_empty_document_is_refused),
        cmocka_unit_test(test_second_document_is_refused),
        cmocka_unit_test(test_mapping_key_must_be_scalar),
        cmocka_unit_test(test_anchors_and_aliases_are_refused),
        cmocka_unit_test(test_nul_in_scalar_and_deep_nesting_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
