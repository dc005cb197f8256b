/* The FE310 OTP controller (peripherals/sifive_otp.c) against the
 * FE310-G002 manual's OTP chapter: every register by name at its offset
 * with its reset value and writable bits, q showing the word at a (from
 * the `image` file, all ones past it and by default), the registers it
 * does not model reported once each by name, a PIO read sequence as
 * vendor code does it, reset, 32-bit accesses only, property errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "peripherals/regs.h"
#include "tests/unit/device_fixture.h"

#define BASE 0x10010000u
enum {
    LOCK = 0x00, CK = 0x04, OE = 0x08, SEL = 0x0c, WE = 0x10, MR = 0x14,
    MRR = 0x18, MPP = 0x1c, VRREN = 0x20, VPPEN = 0x24, A = 0x28, D = 0x2c,
    Q = 0x30, RSCTRL = 0x34,
};

typedef DevFixture Fixture;

/* A file holding `len` bytes of `data`; the caller unlinks it. */
static void make_image(char *path, size_t pathlen, const uint8_t *data,
                       size_t len)
{
    snprintf(path, pathlen, "/tmp/mcusim-otp-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    close(fd);
}

static void setup_with(Fixture *f, const char *image)
{
    devfix_setup(f, 0);
    devfix_create(f, "sifive,otp0", "otpctrl", BASE, 0,
                  image ? "image" : NULL, image, NULL);
}

static uint32_t rd(Fixture *f, uint32_t off) { return devfix_read(f, off, 4); }
static void wr(Fixture *f, uint32_t off, uint32_t v) { devfix_write(f, off, 4, v); }

static void test_class_names_every_register(void **state)
{
    const PeripheralClass *cls = registry_find("sifive,otp0");
    assert_non_null(cls);
    assert_int_equal(cls->irq_outputs, 0);
    const RegTable *t = cls->registers;
    assert_non_null(t);
    Error *err = NULL;
    if (!regs_check(t, "sifive,otp0", &err))
        fail_msg("%s", error_message(err));
    const char *names[] = {"lock", "ck", "oe", "sel", "we", "mr", "mrr",
                           "mpp", "vrren", "vppen", "a", "d", "q", "rsctrl"};
    assert_int_equal(t->nregs, 14);
    for (unsigned i = 0; i < 14; i++) {
        assert_string_equal(t->regs[i].name, names[i]);
        assert_int_equal(t->regs[i].offset, 4 * i);
    }
}

static void test_reset_values(void **state)
{
    Fixture f = {0};
    setup_with(&f, NULL);
    for (uint32_t off = LOCK; off < RSCTRL; off += 4)
        if (off != Q)
            assert_int_equal(rd(&f, off), 0);
    assert_int_equal(rd(&f, RSCTRL), 1); /* scale 1 */
    assert_int_equal(rd(&f, Q), 0xffffffff); /* unprogrammed */
    devfix_teardown(&f);
}

static void test_writable_bits(void **state)
{
    Fixture f = {0};
    setup_with(&f, NULL);
    const uint32_t bits[][2] = {
        {LOCK, 1}, {CK, 1}, {OE, 1}, {SEL, 1}, {MR, 0xffffffff},
        {MRR, 0xffffffff}, {VRREN, 1}, {A, 0xffffffff}, {RSCTRL, 0x3f},
    };
    for (unsigned i = 0; i < sizeof bits / sizeof bits[0]; i++) {
        wr(&f, bits[i][0], 0xffffffff);
        assert_int_equal(rd(&f, bits[i][0]), bits[i][1]);
        wr(&f, bits[i][0], 0);
        assert_int_equal(rd(&f, bits[i][0]), 0);
    }
    wr(&f, Q, 0x1234); /* read-only: ignored, and said once */
    wr(&f, Q, 0x1234);
    assert_int_equal(rd(&f, Q), 0xffffffff);
    assert_int_equal(devfix_log_count(&f, "otpctrl"), 1);
    assert_int_equal(devfix_log_count(&f, "otpctrl: write of 0x1234 to read-only q ignored"), 1);
    devfix_teardown(&f);
}

static void test_unmodelled_registers_are_reported_once_by_name(void **state)
{
    Fixture f = {0};
    setup_with(&f, NULL);
    wr(&f, WE, 1);
    wr(&f, WE, 1);
    wr(&f, VPPEN, 1);
    wr(&f, MPP, 7);
    wr(&f, D, 0xdeadbeef);
    assert_int_equal(rd(&f, WE), 0);
    assert_int_equal(rd(&f, D), 0);
    assert_int_equal(devfix_log_count(&f, "write of 0x1 to we (+0x10) "
                                          "ignored: not modelled"), 1);
    assert_int_equal(devfix_log_count(&f, "to vppen (+0x24)"), 1);
    assert_int_equal(devfix_log_count(&f, "write of 0x7 to mpp (+0x1c)"), 1);
    assert_int_equal(devfix_log_count(&f, "write of 0xdeadbeef to d (+0x2c)"), 1);
    assert_int_equal(devfix_log_count(&f, "read of we (+0x10): not modelled"), 1);
    assert_int_equal(devfix_log_count(&f, "read of d (+0x2c)"), 1);
    assert_int_equal(devfix_log_count(&f, "otpctrl: "), 6);
    devfix_teardown(&f);
}

/* What a vendor driver does to read words through PIO: take the lock
 * and check it, select the device with the read voltage on, then per
 * word set the address, pulse the clock and read q; release the lock. */
static void test_pio_read_sequence_reads_the_image(void **state)
{
    uint8_t bytes[10] = {0x78, 0x56, 0x34, 0x12, 0xef, 0xbe, 0xad, 0xde,
                         0xaa, 0xbb};
    char path[64];
    make_image(path, sizeof path, bytes, sizeof bytes);
    Fixture f = {0};
    setup_with(&f, path);
    unlink(path);
    wr(&f, LOCK, 1);
    assert_int_equal(rd(&f, LOCK), 1);
    wr(&f, RSCTRL, 0x3);
    wr(&f, SEL, 1);
    wr(&f, VRREN, 1);
    wr(&f, OE, 1);
    const uint32_t want[] = {0x12345678, 0xdeadbeef, 0xffffbbaa, 0xffffffff};
    for (uint32_t i = 0; i < 4; i++) {
        wr(&f, A, i);
        wr(&f, CK, 1);
        wr(&f, CK, 0);
        assert_int_equal(rd(&f, Q), want[i]);
    }
    wr(&f, A, 2047); /* the last word */
    assert_int_equal(rd(&f, Q), 0xffffffff);
    wr(&f, A, 2048); /* past the 8 KiB */
    assert_int_equal(rd(&f, Q), 0xffffffff);
    wr(&f, LOCK, 0);
    assert_int_equal(rd(&f, LOCK), 0);
    assert_int_equal(devfix_log_count(&f, "otpctrl"), 0);
    devfix_teardown(&f);
}

static void test_machine_reset_restores_reset_values(void **state)
{
    Fixture f = {0};
    setup_with(&f, NULL);
    wr(&f, LOCK, 1);
    wr(&f, A, 5);
    wr(&f, RSCTRL, 0x3f);
    f.host.request_reset(f.host.opaque);
    assert_int_equal(rd(&f, LOCK), 0);
    assert_int_equal(rd(&f, A), 0);
    assert_int_equal(rd(&f, RSCTRL), 1);
    devfix_teardown(&f);
}

static void test_accesses_must_be_32_bit(void **state)
{
    Fixture f = {0};
    setup_with(&f, NULL);
    uint32_t v;
    assert_int_equal(devfix_try_read(&f, Q, 1, &v), MEM_BUS_ERROR);
    assert_int_equal(devfix_try_write(&f, A, 2, 1), MEM_BUS_ERROR);
    assert_int_equal(rd(&f, 0x38), 0);
    assert_int_equal(devfix_log_count(&f, "read at +0x38: no register there"), 1);
    devfix_teardown(&f);
}

static void test_image_errors_point_at_the_property(void **state)
{
    uint8_t big[8193] = {0};
    char path[64];
    make_image(path, sizeof path, big, sizeof big);
    const char *images[] = {path, "/nonexistent/otp.bin"};
    const char *want[] = {"dev.yaml:4:9: image: ", "dev.yaml:4:9: "};
    for (unsigned i = 0; i < 2; i++) {
        Fixture f = {0};
        devfix_setup(&f, 0);
        Error *err = NULL;
        assert_false(devfix_try_create(&f, "sifive,otp0", "otpctrl", BASE, 0,
                                       DEVFIX_KV("image", images[i]), &err));
        if (strncmp(error_message(err), want[i], strlen(want[i])) != 0)
            fail_msg("got '%s'", error_message(err));
        if (i == 0 && !strstr(error_message(err), "8193 bytes, more than"))
            fail_msg("got '%s'", error_message(err));
        error_free(err);
        devfix_teardown(&f);
    }
    unlink(path);
}

/* A relative `image` is the board file's sibling, as a memory's image is
 * (the board's `otp` memory and otpctrl can then name the same file). */
static void test_relative_image_is_taken_from_the_board_files_folder(void **state)
{
    char dir[] = "/tmp/mcusim-otp-dir-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char board[96], image[96];
    snprintf(board, sizeof board, "%s/board.yaml", dir);
    snprintf(image, sizeof image, "%s/otp.bin", dir);
    FILE *out = fopen(image, "wb");
    assert_non_null(out);
    const uint8_t bytes[4] = {0x78, 0x56, 0x34, 0x12};
    assert_int_equal(fwrite(bytes, 1, sizeof bytes, out), sizeof bytes);
    fclose(out);

    Fixture f = {0};
    devfix_setup(&f, 0);
    f.cls = registry_find("sifive,otp0");
    f.props[0] = (BoardProp){.key = "image", .value = "otp.bin",
                             .loc = {board, 9, 14}};
    f.desc = (BoardPeripheral){.name = "otpctrl", .type = "sifive,otp0",
                               .base = BASE, .props = f.props, .nprops = 1,
                               .loc = {board, 7, 7}};
    f.base = BASE;
    DeviceConfig config = {.ms = f.ms, .desc = &f.desc,
                           .size = f.cls->default_size, .host = &f.host};
    Error *err = NULL;
    if (!f.cls->create(&config, &f.dev, &err))
        fail_msg("create: %s", error_message(err));
    assert_true(memory_add_subregion(f.bus, BASE, f.dev.region, NULL));
    wr(&f, A, 0);
    assert_int_equal(rd(&f, Q), 0x12345678);
    devfix_teardown(&f);
    unlink(image);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_class_names_every_register),
        cmocka_unit_test(test_reset_values),
        cmocka_unit_test(test_writable_bits),
        cmocka_unit_test(test_unmodelled_registers_are_reported_once_by_name),
        cmocka_unit_test(test_pio_read_sequence_reads_the_image),
        cmocka_unit_test(test_machine_reset_restores_reset_values),
        cmocka_unit_test(test_accesses_must_be_32_bit),
        cmocka_unit_test(test_image_errors_point_at_the_property),
        cmocka_unit_test(test_relative_image_is_taken_from_the_board_files_folder),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
