/* soc/crc32.c against the standard check values of CRC-32 (IEEE 802.3),
 * and its incremental form. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "soc/crc32.h"

static void test_check_values(void **state)
{
    (void)state;
    assert_int_equal(crc32_of("", 0), 0);
    assert_int_equal(crc32_of("123456789", 9), 0xcbf43926u);
    assert_int_equal(crc32_of("a", 1), 0xe8b7be43u);
    static const uint8_t zeros[32];
    assert_int_equal(crc32_of(zeros, sizeof zeros), 0x190a55adu);
}

static void test_update_continues(void **state)
{
    (void)state;
    const char *text = "The quick brown fox jumps over the lazy dog";
    size_t len = strlen(text);
    assert_int_equal(crc32_of(text, len), 0x414fa339u);
    for (size_t cut = 0; cut <= len; cut++)
        assert_int_equal(crc32_update(crc32_of(text, cut), text + cut, len - cut),
                         0x414fa339u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_values),
        cmocka_unit_test(test_update_continues),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
