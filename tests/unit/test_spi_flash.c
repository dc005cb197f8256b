/* The SPI NOR flash (peripherals/spi_flash.c), driven through its bus
 * interface (peripherals/spi_bus.h) as a controller would: every command
 * (JEDEC ID, read, fast read, status, write enable and disable, page
 * program with its page wrap and NOR bit rule, sector, block and chip
 * erase, power-down and release, reset), the write-enable gate, commands
 * that execute only with their length, the busy time in virtual time, an
 * image loaded (shorter than the flash: the rest erased) and written back
 * to a temporary file, property errors with the controller property's
 * file:line:col; and a flash serving a board memory's bytes: programs seen
 * by guest reads, decoded code from the programmed bytes dropped
 * (memory_region_code_written, tested on its own too), the memory kept
 * alive by the flash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "peripherals/bus_device.h"
#include "peripherals/spi_bus.h"
#include "soc/alloc.h"
#include "soc/clock.h"
#include "soc/file.h"
#include "soc/memory.h"

#define HZ 10000000u
#define MEM_BASE 0x20000000u
#define MEM_SIZE 0x10000u

typedef struct Bench {
    MemorySystem *ms;
    Clock *clock;
    Owner *bus_owner, *mem_owner;
    MemoryRegion *bus, *mem;
    DeviceHost host;
    BoardPeripheral ctrl;
    BoardProp prop;
    BusDevice flash;
    char *log;
    /* code listener */
    unsigned code_reports;
    const uint8_t *code_host;
    size_t code_len;
} Bench;

static MemoryRegion *find_region(void *opaque, const char *name)
{
    Bench *b = opaque;
    return strcmp(name, "flash") == 0 ? b->mem : NULL;
}

static void log_guest(void *opaque, const char *device, const char *message)
{
    Bench *b = opaque;
    char *old = b->log;
    b->log = xasprintf("%s%s: %s\n", old, device, message);
    free(old);
}

static void code_written(void *opaque, const uint8_t *host, size_t len)
{
    Bench *b = opaque;
    b->code_reports++;
    b->code_host = host;
    b->code_len = len;
}

static void bench_up(Bench *b)
{
    *b = (Bench){0};
    b->ms = memory_system_new();
    b->clock = clock_new(HZ);
    b->bus_owner = owner_new(b->ms, "bus", NULL, NULL);
    b->bus = memory_region_new_container(b->bus_owner, "bus", UINT64_C(1) << 32);
    memory_set_root(b->ms, b->bus);
    b->mem_owner = owner_new(b->ms, "flash", NULL, NULL);
    b->mem = memory_region_new_rom(b->mem_owner, "flash", MEM_SIZE, NULL);
    memset(memory_region_host_ptr(b->mem), 0x5a, MEM_SIZE);
    assert_true(memory_add_subregion(b->bus, MEM_BASE, b->mem, NULL));
    b->log = xstrdup("");
    b->host = (DeviceHost){.opaque = b, .clock = b->clock,
                           .find_region = find_region, .log_guest = log_guest};
    memory_add_code_listener(b->ms, code_written, b);
}

/* Builds the device `spec` describes, as a controller's `cs0` at
 * spi.yaml:7:9. */
static bool try_flash(Bench *b, const char *spec, Error **errp)
{
    b->prop = (BoardProp){.key = "cs0", .value = (char *)spec,
                          .loc = {"spi.yaml", 7, 9}};
    b->ctrl = (BoardPeripheral){.name = "qspi0", .type = "sifive,spi0",
                                .props = &b->prop, .nprops = 1,
                                .loc = {"spi.yaml", 5, 7}};
    DeviceConfig config = {.ms = b->ms, .desc = &b->ctrl, .host = &b->host};
    return bus_device_create(&config, "cs0", "spi", &b->flash, errp);
}

static void flash(Bench *b, const char *spec)
{
    Error *err = NULL;
    if (!try_flash(b, spec, &err))
        fail_msg("create: %s", error_message(err));
    assert_non_null(b->flash.cls);
}

static void bench_down(Bench *b)
{
    bus_device_destroy(&b->flash);
    memory_remove_code_listener(b->ms, code_written, b);
    Error *err = NULL;
    if (!memory_audit(b->ms, &err))
        fail_msg("audit: %s", error_message(err));
    owner_unref(b->mem_owner);
    memory_set_root(b->ms, NULL);
    owner_unref(b->bus_owner);
    assert_int_equal(memory_stats(b->ms).owners, 0);
    memory_system_free(b->ms);
    clock_free(b->clock);
    free(b->log);
}

static unsigned log_count(const Bench *b, const char *text)
{
    unsigned n = 0;
    for (const char *p = b->log; (p = strstr(p, text)) != NULL; p++)
        n++;
    return n;
}

/* ---- the bus, as a controller drives it ---- */

static const SpiDeviceOps *ops(const Bench *b) { return b->flash.cls->ops; }

/* One transaction: select, the bytes, deselect. */
static void xfer(Bench *b, const uint8_t *out, uint8_t *in, size_t n)
{
    ops(b)->select(b->flash.dev, true);
    for (size_t i = 0; i < n; i++) {
        uint8_t v = ops(b)->transfer(b->flash.dev, out ? out[i] : 0);
        if (in)
            in[i] = v;
    }
    ops(b)->select(b->flash.dev, false);
}

static void cmd(Bench *b, uint8_t op)
{
    xfer(b, &op, NULL, 1);
}

static void cmd_addr(Bench *b, uint8_t op, uint32_t addr)
{
    uint8_t out[4] = {op, (uint8_t)(addr >> 16), (uint8_t)(addr >> 8), (uint8_t)addr};
    xfer(b, out, NULL, 4);
}

static uint8_t status(Bench *b)
{
    uint8_t out[2] = {0x05, 0}, in[2];
    xfer(b, out, in, 2);
    return in[1];
}

static void flash_read(Bench *b, uint8_t op, uint32_t addr, uint8_t *buf, size_t n)
{
    size_t head = op == 0x0b ? 5 : 4;
    uint8_t out[300] = {op, (uint8_t)(addr >> 16), (uint8_t)(addr >> 8), (uint8_t)addr};
    uint8_t in[300];
    assert_true(head + n <= sizeof in);
    xfer(b, out, in, head + n);
    memcpy(buf, in + head, n);
}

static void program(Bench *b, uint32_t addr, const uint8_t *data, size_t n)
{
    uint8_t out[600] = {0x02, (uint8_t)(addr >> 16), (uint8_t)(addr >> 8), (uint8_t)addr};
    assert_true(4 + n <= sizeof out);
    memcpy(out + 4, data, n);
    xfer(b, out, NULL, 4 + n);
}

static uint32_t jedec(Bench *b)
{
    uint8_t out[5] = {0x9f}, in[5];
    xfer(b, out, in, 5);
    return (uint32_t)in[1] << 16 | (uint32_t)in[2] << 8 | in[3];
}

static void advance(Bench *b, uint64_t cycles)
{
    clock_advance(b->clock, clock_now(b->clock) + cycles);
}

/* ---- commands ---- */

static void test_flash_jedec_id_and_device_id(void **state)
{
    Bench b;
    bench_up(&b);
    flash(&b, "spi-flash size=64K");
    assert_int_equal(jedec(&b), 0x9d6018);
    uint8_t id[6] = {0x9f}, got[6];
    xfer(&b, id, got, 6);
    assert_memory_equal(got, ((uint8_t[]){0xff, 0x9d, 0x60, 0x18, 0, 0}), 6);
    uint8_t out[6] = {0xab}, in[6];
    xfer(&b, out, in, 6);
    assert_int_equal(in[4], 0x17);
    assert_int_equal(in[5], 0x17);
    bench_down(&b);

    bench_up(&b);
    flash(&b, "spi-flash size=4K jedec-id=0xef4016");
    assert_int_equal(jedec(&b), 0xef4016);
    bench_down(&b);
}

static void test_flash_reads_and_wraps(void **state)
{
    Bench b;
    bench_up(&b);
    flash(&b, "spi-flash size=4K busy-us=0");
    uint8_t buf[8];
    flash_read(&b, 0x03, 0x10, buf, 4);
    for (int i = 0; i < 4; i++)
        assert_int_equal(buf[i], 0xff); /* erased */
    cmd(&b, 0x06);
    program(&b, 0xffe, (const uint8_t[]){1, 2}, 2);
    cmd(&b, 0x06);
    program(&b, 0x000, (const uint8_t[]){3, 4}, 2);
    flash_read(&b, 0x03, 0xffe, buf, 4); /* wraps at the end of the array */
    assert_memory_equal(buf, ((uint8_t[]){1, 2, 3, 4}), 4);
    flash_read(&b, 0x0b, 0xffe, buf, 4); /* fast read: one dummy byte first */
    assert_memory_equal(buf, ((uint8_t[]){1, 2, 3, 4}), 4);
    bench_down(&b);
}

static void test_flash_write_enable_gates_program_and_erase(void **state)
{
    Bench b;
    bench_up(&b);
    flash(&b, "spi-flash size=8K busy-us=0");
    assert_int_equal(status(&b), 0);
    program(&b, 0x100, (const uint8_t[]){0x00}, 1);
    cmd_addr(&b, 0x20, 0);
    uint8_t v;
    flash_read(&b, 0x03, 0x100, &v, 1);
    assert_int_equal(v, 0xff);
    assert_int_equal(log_count(&b, "page program (0x02) without write enable"), 1);
    assert_int_equal(log_count(&b, "sector erase (0x20) without write enable"), 1);
    cmd(&b, 0x06);
    assert_int_equal(status(&b), 0x02); /* WEL */
    cmd(&b, 0x04);
    assert_int_equal(status(&b), 0);
    cmd(&b, 0x06);
    program(&b, 0x100, (const uint8_t[]){0x00}, 1);
    flash_read(&b, 0x03, 0x100, &v, 1);
    assert_int_equal(v, 0x00);
    assert_int_equal(status(&b), 0); /* a program clears WEL */
    /* WREN with a byte too many is not a WREN */
    xfer(&b, (const uint8_t[]){0x06, 0x00}, NULL, 2);
    assert_int_equal(status(&b), 0);
    bench_down(&b);
}

static void test_flash_page_program_wraps_and_only_clears_bits(void **state)
{
    Bench b;
    bench_up(&b);
    flash(&b, "spi-flash size=8K busy-us=0");
    /* 6 bytes from page offset 0xfd: 3 at the end, 3 wrapped to the start */
    cmd(&b, 0x06);
    program(&b, 0x1fd, (const uint8_t[]){0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5}, 6);
    uint8_t buf[4];
    flash_read(&b, 0x03, 0x1fc, buf, 4);
    assert_memory_equal(buf, ((uint8_t[]){0xff, 0xa0, 0xa1, 0xa2}), 4);
    flash_read(&b, 0x03, 0x100, buf, 4);
    assert_memory_equal(buf, ((uint8_t[]){0xa3, 0xa4, 0xa5, 0xff}), 4);
    flash_read(&b, 0x03, 0x200, buf, 1);
    assert_int_equal(buf[0], 0xff); /* the next page untouched */
    /* NOR: 0xa0 & 0x0f = 0x00, and 1 bits cannot come back */
    cmd(&b, 0x06);
    program(&b, 0x1fd, (const uint8_t[]){0x0f, 0xff}, 2);
    flash_read(&b, 0x03, 0x1fd, buf, 2);
    assert_memory_equal(buf, ((uint8_t[]){0x00, 0xa1}), 2);
    /* more than a page: the last 256 bytes sent count */
    uint8_t data[260];
    for (int i = 0; i < 260; i++)
        data[i] = (uint8_t)(i < 4 ? 0x00 : 0xf0 | (i & 0xf));
    cmd(&b, 0x06);
    program(&b, 0x000, data, 260);
    uint8_t five[5];
    flash_read(&b, 0x03, 0x000, five, 5); /* bytes 256..259 landed on 0..3 */
    assert_memory_equal(five, ((uint8_t[]){0xf0, 0xf1, 0xf2, 0xf3, 0xf4}), 5);
    /* no data byte: nothing programmed, WEL kept */
    cmd(&b, 0x06);
    xfer(&b, (const uint8_t[]){0x02, 0, 0x10, 0}, NULL, 4);
    assert_int_equal(status(&b), 0x02);
    bench_down(&b);
}

static void test_flash_erases(void **state)
{
    Bench b;
    bench_up(&b);
    flash(&b, "spi-flash size=128K busy-us=0");
    uint8_t zero[256] = {0};
    static const uint32_t pages[] = {0x0ff00, 0x10000, 0x10f00, 0x11000, 0x1ff00};
    for (size_t i = 0; i < 5; i++) {
        cmd(&b, 0x06);
        program(&b, pages[i], zero, 256);
    }
    uint8_t v;
    /* sector erase: the 4 KiB holding the address */
    cmd(&b, 0x06);
    cmd_addr(&b, 0x20, 0x10abc);
    flash_read(&b, 0x03, 0x10f00, &v, 1);
    assert_int_equal(v, 0xff);
    flash_read(&b, 0x03, 0x10000, &v, 1);
    assert_int_equal(v, 0xff);
    flash_read(&b, 0x03, 0x0ff00, &v, 1);
    assert_int_equal(v, 0x00);
    flash_read(&b, 0x03, 0x11000, &v, 1);
    assert_int_equal(v, 0x00);
    /* a sector erase one byte short does nothing, keeps WEL */
    cmd(&b, 0x06);
    xfer(&b, (const uint8_t[]){0x20, 0x01, 0x10}, NULL, 3);
    flash_read(&b, 0x03, 0x11000, &v, 1);
    assert_int_equal(v, 0x00);
    assert_int_equal(status(&b), 0x02);
    /* block erase: 64 KiB */
    cmd_addr(&b, 0xd8, 0x1ffff);
    flash_read(&b, 0x03, 0x11000, &v, 1);
    assert_int_equal(v, 0xff);
    flash_read(&b, 0x03, 0x1ff00, &v, 1);
    assert_int_equal(v, 0xff);
    flash_read(&b, 0x03, 0x0ff00, &v, 1);
    assert_int_equal(v, 0x00);
    /* chip erase, both opcodes */
    cmd(&b, 0x06);
    cmd(&b, 0xc7);
    flash_read(&b, 0x03, 0x0ff00, &v, 1);
    assert_int_equal(v, 0xff);
    cmd(&b, 0x06);
    program(&b, 0x0, zero, 1);
    cmd(&b, 0x06);
    cmd(&b, 0x60);
    flash_read(&b, 0x03, 0x0, &v, 1);
    assert_int_equal(v, 0xff);
    bench_down(&b);
}

static void test_flash_busy_time_is_virtual(void **state)
{
    Bench b;
    bench_up(&b);
    flash(&b, "spi-flash size=4K busy-us=20"); /* 200 cycles at 10 MHz */
    cmd(&b, 0x06);
    cmd_addr(&b, 0x20, 0);
    assert_int_equal(status(&b), 0x01); /* WIP, WEL cleared */
    uint8_t out[2] = {0x9f}, in[2];
    xfer(&b, out, in, 2);
    assert_int_equal(in[1], 0xff); /* ignored while busy, and said */
    assert_int_equal(log_count(&b, "command 0x9f while a program or erase"), 1);
    advance(&b, 199);
    assert_int_equal(status(&b), 0x01);
    advance(&b, 1);
    assert_int_equal(status(&b), 0);
    assert_int_equal(jedec(&b), 0x9d6018);
    /* RDSR repeats the status for as long as the chip select is low */
    cmd(&b, 0x06);
    cmd_addr(&b, 0x20, 0);
    ops(&b)->select(b.flash.dev, true);
    ops(&b)->transfer(b.flash.dev, 0x05);
    assert_int_equal(ops(&b)->transfer(b.flash.dev, 0), 0x01);
    advance(&b, 200);
    assert_int_equal(ops(&b)->transfer(b.flash.dev, 0), 0x00);
    ops(&b)->select(b.flash.dev, false);
    bench_down(&b);
}

static void test_flash_power_down_and_reset(void **state)
{
    Bench b;
    bench_up(&b);
    flash(&b, "spi-flash size=4K");
    cmd(&b, 0x06);
    cmd(&b, 0xb9); /* deep power-down */
    assert_int_equal(jedec(&b), 0xffffff);
    assert_int_equal(status(&b), 0xff);
    cmd(&b, 0xab); /* release */
    assert_int_equal(status(&b), 0x02);
    /* reset: 0x99 alone does nothing, after 0x66 it clears WEL */
    cmd(&b, 0x99);
    assert_int_equal(status(&b), 0x02);
    cmd(&b, 0x66);
    cmd(&b, 0x99);
    assert_int_equal(status(&b), 0);
    /* while an erase is busy a reset is ignored like anything but RDSR */
    cmd(&b, 0x06);
    cmd_addr(&b, 0x20, 0);
    assert_int_equal(status(&b), 0x01);
    cmd(&b, 0x66);
    cmd(&b, 0x99);
    assert_int_equal(status(&b), 0x01);
    advance(&b, 1999); /* the default busy time: 200 us at 10 MHz */
    assert_int_equal(status(&b), 0x01);
    advance(&b, 1);
    assert_int_equal(status(&b), 0);
    /* an opcode the model lacks: ignored, said once */
    cmd(&b, 0x35);
    cmd(&b, 0x35);
    assert_int_equal(log_count(&b, "command 0x35 not modelled"), 1);
    bench_down(&b);
}

/* ---- contents: image, writeback ---- */

static char *temp_file(const void *data, size_t len)
{
    char *path = xstrdup("/tmp/mcusim-spi-flash-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    close(fd);
    return path;
}

static void test_flash_image_and_writeback(void **state)
{
    Bench b;
    bench_up(&b);
    char *path = temp_file("\x01\x02\x03", 3);
    char spec[256];
    snprintf(spec, sizeof spec, "spi-flash size=4K image=%s writeback=true", path);
    flash(&b, spec);
    uint8_t buf[5];
    flash_read(&b, 0x03, 0, buf, 5);
    assert_memory_equal(buf, ((uint8_t[]){1, 2, 3, 0xff, 0xff}), 5);
    cmd(&b, 0x06);
    program(&b, 0x803, (const uint8_t[]){0x42}, 1);
    bus_device_destroy(&b.flash); /* writes back */
    size_t len;
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    uint8_t file[4097];
    len = fread(file, 1, sizeof file, f);
    fclose(f);
    assert_int_equal(len, 4096);
    assert_memory_equal(file, ((uint8_t[]){1, 2, 3, 0xff}), 4);
    assert_int_equal(file[0x803], 0x42);
    assert_int_equal(file[0x802], 0xff);
    /* without writeback the file stays as it was */
    snprintf(spec, sizeof spec, "spi-flash size=4K image=%s", path);
    flash(&b, spec);
    cmd(&b, 0x06);
    cmd(&b, 0xc7);
    bus_device_destroy(&b.flash);
    f = fopen(path, "rb");
    len = fread(file, 1, sizeof file, f);
    fclose(f);
    assert_int_equal(file[0x803], 0x42);
    unlink(path);
    free(path);
    bench_down(&b);
}

static void expect_error(const char *spec, const char *message)
{
    Bench b;
    bench_up(&b);
    Error *err = NULL;
    assert_false(try_flash(&b, spec, &err));
    assert_null(b.flash.cls);
    if (strcmp(error_message(err), message) != 0)
        fail_msg("got '%s'\nexpected '%s'", error_message(err), message);
    error_free(err);
    bench_down(&b);
}

static void test_flash_bad_properties(void **state)
{
    expect_error("spi-flash size=6000", "spi.yaml:7:9: the flash must be 4 KiB to "
                 "16 MiB in whole 4 KiB sectors, not 0x1770 bytes");
    expect_error("spi-flash size=32M", "spi.yaml:7:9: the flash must be 4 KiB to "
                 "16 MiB in whole 4 KiB sectors, not 0x2000000 bytes");
    expect_error("spi-flash jedec-id=0x1000000",
                 "spi.yaml:7:9: 'jedec-id' must be 0 to 0xffffff");
    expect_error("spi-flash writeback=yes",
                 "spi.yaml:7:9: writeback: 'yes' is not true or false");
    expect_error("spi-flash writeback=true",
                 "spi.yaml:7:9: writeback needs an image to write to");
    expect_error("spi-flash image=/nonexistent/flash.bin",
                 "spi.yaml:7:9: /nonexistent/flash.bin: cannot open: No such "
                 "file or directory");
    expect_error("spi-flash memory=ram", "spi.yaml:7:9: memory: no memory 'ram'");
    expect_error("spi-flash memory=flash size=4K",
                 "spi.yaml:7:9: size 0x1000 differs from memory 'flash' "
                 "(0x10000 bytes)");
    expect_error("spi-flash colour=red",
                 "spi.yaml:7:9: unknown property 'colour' for spi-flash "
                 "'qspi0.cs0'");

    Bench b;
    bench_up(&b);
    uint8_t big[0x1001];
    memset(big, 0, sizeof big);
    char *path = temp_file(big, sizeof big);
    char spec[256], want[256];
    snprintf(spec, sizeof spec, "spi-flash size=4K image=%s", path);
    snprintf(want, sizeof want, "spi.yaml:7:9: image: %s is 4097 bytes, more than "
             "the 0x1000-byte flash", path);
    Error *err = NULL;
    assert_false(try_flash(&b, spec, &err));
    assert_string_equal(error_message(err), want);
    error_free(err);
    unlink(path);
    free(path);
    bench_down(&b);
}

/* ---- a flash serving a board memory ---- */

static void test_flash_serves_the_memory_the_cpu_reads(void **state)
{
    Bench b;
    bench_up(&b);
    flash(&b, "spi-flash memory=flash busy-us=0");
    uint8_t buf[4];
    flash_read(&b, 0x03, 0x1234, buf, 4);
    assert_memory_equal(buf, ((uint8_t[]){0x5a, 0x5a, 0x5a, 0x5a}), 4);
    /* the CPU decoded code from the page at 0x3000 */
    MemRange range;
    assert_true(memory_lookup(b.ms, MEM_BASE + 0x3000, &range));
    memory_code_mark(&range, MEM_BASE + 0x3040, 8);
    cmd(&b, 0x06);
    cmd_addr(&b, 0x20, 0x3000);
    cmd(&b, 0x06);
    program(&b, 0x3040, (const uint8_t[]){0x13, 0x05, 0x10, 0x00}, 4);
    uint32_t v;
    assert_int_equal(memory_read(b.ms, MEM_BASE + 0x3040, 4, &v), MEM_OK);
    assert_int_equal(v, 0x00100513);
    assert_int_equal(memory_read(b.ms, MEM_BASE + 0x3044, 4, &v), MEM_OK);
    assert_int_equal(v, 0xffffffff);
    /* the erase dropped the decoded code (once: the program found none) */
    assert_int_equal(b.code_reports, 1);
    assert_ptr_equal(b.code_host, memory_region_host_ptr(b.mem) + 0x3000);
    assert_int_equal(b.code_len, MEMORY_CODE_CHUNK);
    memory_code_mark(&range, MEM_BASE + 0x3040, 4);
    cmd(&b, 0x06);
    program(&b, 0x3040, (const uint8_t[]){0x00}, 1);
    assert_int_equal(b.code_reports, 2);
    /* the memory lives as long as the flash, whoever else lets go */
    assert_true(memory_del_subregion(b.bus, b.mem));
    owner_unref(b.mem_owner);
    b.mem_owner = NULL;
    assert_int_equal(memory_stats(b.ms).owners, 3); /* bus, memory, the flash's */
    flash_read(&b, 0x03, 0x3040, buf, 4);
    assert_memory_equal(buf, ((uint8_t[]){0x00, 0x05, 0x10, 0x00}), 4);
    bus_device_destroy(&b.flash);
    assert_int_equal(memory_stats(b.ms).owners, 1);
    bench_down(&b);
}

static void test_flash_image_fills_the_memory(void **state)
{
    Bench b;
    bench_up(&b);
    char *path = temp_file("\x11\x22", 2);
    char spec[256];
    snprintf(spec, sizeof spec, "spi-flash memory=flash image=%s writeback=true",
             path);
    flash(&b, spec);
    uint32_t v;
    assert_int_equal(memory_read(b.ms, MEM_BASE, 4, &v), MEM_OK);
    assert_int_equal(v, 0xffff2211);
    uint8_t word[4] = {0xde, 0xad, 0xbe, 0xef};
    Error *err = NULL;
    assert_true(memory_debug_write(b.ms, MEM_BASE + 0x100, word, 4, &err));
    bus_device_destroy(&b.flash); /* the memory's bytes, ELF and all, go back */
    size_t len;
    char *data = file_read_all(path, &len, &err);
    assert_non_null(data);
    assert_int_equal(len, MEM_SIZE);
    assert_memory_equal(data + 0x100, word, 4);
    free(data);
    unlink(path);
    free(path);
    bench_down(&b);
}

/* ---- the soc function it reports through ---- */

static void test_memory_region_code_written_reports_by_offset(void **state)
{
    Bench b;
    bench_up(&b);
    MemRange range;
    assert_true(memory_lookup(b.ms, MEM_BASE, &range));
    assert_false(memory_region_code_written(b.ms, b.mem, 0x200, 4)); /* no code */
    memory_code_mark(&range, MEM_BASE + 0x2ff, 2); /* chunks 2 and 3 */
    assert_false(memory_region_code_written(b.ms, b.mem, 0x100, 0x100));
    assert_int_equal(b.code_reports, 0);
    assert_true(memory_region_code_written(b.ms, b.mem, 0x280, 0x100));
    assert_int_equal(b.code_reports, 1);
    assert_ptr_equal(b.code_host, memory_region_host_ptr(b.mem) + 0x200);
    assert_int_equal(b.code_len, 0x200);
    assert_false(memory_region_code_written(b.ms, b.mem, 0x200, 0x200)); /* unmarked */
    assert_false(memory_region_code_written(b.ms, b.mem, MEM_SIZE - 1, 1));
    assert_false(memory_region_code_written(b.ms, b.mem, 0, 0));
    bench_down(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flash_jedec_id_and_device_id),
        cmocka_unit_test(test_flash_reads_and_wraps),
        cmocka_unit_test(test_flash_write_enable_gates_program_and_erase),
        cmocka_unit_test(test_flash_page_program_wraps_and_only_clears_bits),
        cmocka_unit_test(test_flash_erases),
        cmocka_unit_test(test_flash_busy_time_is_virtual),
        cmocka_unit_test(test_flash_power_down_and_reset),
        cmocka_unit_test(test_flash_image_and_writeback),
        cmocka_unit_test(test_flash_bad_properties),
        cmocka_unit_test(test_flash_serves_the_memory_the_cpu_reads),
        cmocka_unit_test(test_flash_image_fills_the_memory),
        cmocka_unit_test(test_memory_region_code_written_reports_by_offset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
