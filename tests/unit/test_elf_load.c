/* The ELF loader on ELFs built here (temporary files), into a small memory
 * map: RAM at 0x80000000 (64 KiB), ROM at 0x20000000 (4 KiB), an MMIO
 * block at 0x10000000. Every check runs before the first byte is written;
 * each error message is exact. (tests/cli_cases.py runs the malformed
 * ELFs of tests/elf/make_bad_elfs.py through the whole simulator.) */
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

#include "sim/elf_load.h"

#define RAM_BASE 0x80000000u
#define RAM_SIZE 0x10000u
#define ROM_BASE 0x20000000u
#define ROM_SIZE 0x1000u
#define MMIO_BASE 0x10000000u

typedef struct Machine {
    MemorySystem *ms;
    Owner *owner;
    uint8_t *ram, *rom;
    unsigned mmio_writes;
} Machine;

static bool mmio_read(void *opaque, uint64_t offset, unsigned size, uint32_t *value)
{
    *value = 0;
    return true;
}

static bool mmio_write(void *opaque, uint64_t offset, unsigned size, uint32_t value)
{
    ((Machine *)opaque)->mmio_writes++;
    return true;
}

static const MmioOps mmio_ops = {.read = mmio_read, .write = mmio_write};

static int setup(void **state)
{
    Machine *m = calloc(1, sizeof *m);
    m->ms = memory_system_new();
    m->owner = owner_new(m->ms, "board", NULL, NULL);
    MemoryRegion *bus = memory_region_new_container(m->owner, "bus", 1ULL << 32);
    MemoryRegion *ram = memory_region_new_ram(m->owner, "ram", RAM_SIZE, NULL);
    MemoryRegion *rom = memory_region_new_rom(m->owner, "rom", ROM_SIZE, NULL);
    MemoryRegion *dev = memory_region_new_mmio(m->owner, "dev", 0x100, &mmio_ops, m);
    memory_begin(m->ms);
    assert_true(memory_add_subregion(bus, RAM_BASE, ram, NULL));
    assert_true(memory_add_subregion(bus, ROM_BASE, rom, NULL));
    assert_true(memory_add_subregion(bus, MMIO_BASE, dev, NULL));
    memory_set_root(m->ms, bus);
    memory_commit(m->ms);
    m->ram = memory_region_host_ptr(ram);
    m->rom = memory_region_host_ptr(rom);
    memset(m->ram, 0xaa, RAM_SIZE);
    *state = m;
    return 0;
}

static int teardown(void **state)
{
    Machine *m = *state;
    memory_set_root(m->ms, NULL);
    owner_unref(m->owner);
    memory_system_free(m->ms);
    free(m);
    return 0;
}

/* ---- building ELF32 files ---- */

typedef struct Seg {
    uint32_t type, offset, paddr, filesz, memsz;
} Seg;

typedef struct Image {
    uint8_t *bytes;
    size_t size;
} Image;

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Header, program headers right after it, then `payload` bytes from
 * 0x1000 (each byte its offset's low 8 bits, so contents are checkable). */
static Image build(const Seg *segs, unsigned n, uint32_t entry, size_t payload)
{
    Image img;
    img.size = 0x1000 + payload;
    img.bytes = calloc(1, img.size);
    uint8_t *h = img.bytes;
    memcpy(h, "\x7f" "ELF\x01\x01\x01", 7);
    put16(h + 16, 2);    /* ET_EXEC */
    put16(h + 18, 243);  /* EM_RISCV */
    put32(h + 20, 1);
    put32(h + 24, entry);
    put32(h + 28, 52);   /* e_phoff */
    put16(h + 40, 52);
    put16(h + 42, 32);
    put16(h + 44, (uint16_t)n);
    for (unsigned i = 0; i < n; i++) {
        uint8_t *p = h + 52 + 32 * i;
        put32(p, segs[i].type);
        put32(p + 4, segs[i].offset);
        put32(p + 8, segs[i].paddr);
        put32(p + 12, segs[i].paddr);
        put32(p + 16, segs[i].filesz);
        put32(p + 20, segs[i].memsz);
        put32(p + 24, 7);
    }
    for (size_t i = 0x1000; i < img.size; i++)
        img.bytes[i] = (uint8_t)i;
    return img;
}

static char *write_temp(const uint8_t *bytes, size_t size)
{
    char *path = strdup("/tmp/mcusim-elf-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, bytes, size), (ssize_t)size);
    close(fd);
    return path;
}

/* Loads the image; returns NULL on success, else the message without the
 * "PATH: " prefix (checked here), malloc'd. */
static char *load(Machine *m, const Image *img, uint32_t *entry)
{
    char *path = write_temp(img->bytes, img->size);
    Error *err = NULL;
    uint32_t e = 0;
    char *message = NULL;
    if (!elf_load(m->ms, path, &e, &err)) {
        const char *text = error_message(err);
        size_t plen = strlen(path);
        assert_memory_equal(text, path, plen);
        assert_memory_equal(text + plen, ": ", 2);
        message = strdup(text + plen + 2);
        error_free(err);
    } else if (entry) {
        *entry = e;
    }
    unlink(path);
    free(path);
    return message;
}

static void expect_error(Machine *m, const Image *img, const char *expected)
{
    char *message = load(m, img, NULL);
    if (!message)
        fail_msg("loaded, expected '%s'", expected);
    assert_string_equal(message, expected);
    free(message);
    for (uint32_t i = 0; i < RAM_SIZE; i++)
        if (m->ram[i] != 0xaa)
            fail_msg("RAM byte 0x%x written by a load that failed", i);
    assert_int_equal(m->mmio_writes, 0);
}

/* ---- tests ---- */

static void test_loads_ram_and_rom_and_zero_fills(void **state)
{
    Machine *m = *state;
    Seg segs[] = {
        {1, 0x1000, RAM_BASE + 0x100, 0x40, 0x80}, /* 0x40 bytes of zeros after */
        {4, 0, 0, 0, 0},                           /* PT_NOTE: ignored */
        {1, 0x1100, ROM_BASE, 0x20, 0x20},         /* ROM: through the debugger path */
        {1, 0xdeadbeef, RAM_BASE + 0x1000, 0, 0x10}, /* bss only: any offset */
    };
    Image img = build(segs, 4, RAM_BASE + 0x100, 0x200);
    uint32_t entry = 0;
    char *message = load(m, &img, &entry);
    assert_null(message);
    assert_int_equal(entry, RAM_BASE + 0x100);
    assert_int_equal(m->ram[0xff], 0xaa);
    for (unsigned i = 0; i < 0x40; i++)
        assert_int_equal(m->ram[0x100 + i], (uint8_t)(0x1000 + i));
    for (unsigned i = 0x40; i < 0x80; i++)
        assert_int_equal(m->ram[0x100 + i], 0);
    assert_int_equal(m->ram[0x180], 0xaa);
    for (unsigned i = 0; i < 0x20; i++)
        assert_int_equal(m->rom[i], (uint8_t)(0x1100 + i));
    for (unsigned i = 0; i < 0x10; i++)
        assert_int_equal(m->ram[0x1000 + i], 0);
    free(img.bytes);
}

static void test_nothing_written_when_a_later_segment_is_bad(void **state)
{
    Machine *m = *state;
    Seg segs[] = {
        {1, 0x1000, RAM_BASE, 0x100, 0x100},
        {1, 0x1000, 0x30000000, 0x10, 0x10},
    };
    Image img = build(segs, 2, RAM_BASE, 0x100);
    expect_error(m, &img, "segment 1 [0x30000000-0x3000000f] is not inside the board's "
                          "memory: 0x30000000 is unmapped");
    free(img.bytes);
}

static void test_segment_over_mmio(void **state)
{
    Machine *m = *state;
    Seg segs[] = {{1, 0x1000, MMIO_BASE + 0x80, 0x10, 0x10}};
    Image img = build(segs, 1, RAM_BASE, 0x100);
    expect_error(m, &img, "segment 0 [0x10000080-0x1000008f] is not inside the board's "
                          "memory: 0x10000080 is MMIO 'dev'");
    free(img.bytes);
}

static void test_segment_running_off_ram(void **state)
{
    Machine *m = *state;
    Seg segs[] = {{1, 0x1000, RAM_BASE + RAM_SIZE - 0x10, 0x10, 0x20}};
    Image img = build(segs, 1, RAM_BASE, 0x100);
    expect_error(m, &img, "segment 0 [0x8000fff0-0x8001000f] is not inside the board's "
                          "memory: 0x80010000 is unmapped");
    free(img.bytes);
}

static void test_overlaps(void **state)
{
    Machine *m = *state;
    Seg segs[] = {
        {1, 0x1000, RAM_BASE + 0x200, 0x10, 0x100},
        {1, 0x1000, RAM_BASE, 0x10, 0x10},
        {1, 0x1000, RAM_BASE + 0x2f0, 0x10, 0x20}, /* inside segment 0's bss */
    };
    Image img = build(segs, 3, RAM_BASE, 0x100);
    expect_error(m, &img, "segments 0 and 2 overlap at 0x800002f0");
    free(img.bytes);
}

/* Thousands of headers: the overlap check sorts, so this is quick, and it
 * still names the two segments (far apart in the table). */
static void test_many_segments(void **state)
{
    Machine *m = *state;
    enum { N = 3000 };
    Seg *segs = calloc(N, sizeof *segs);
    for (unsigned i = 0; i < N; i++)
        segs[i] = (Seg){1, 0, RAM_BASE + 4 * i, 0, 4};
    /* The table must fit before the payload at 0x1000: put it at the end. */
    Image img = build(segs, 0, RAM_BASE, 0);
    size_t table = img.size;
    img.size += 32u * N;
    img.bytes = realloc(img.bytes, img.size);
    put32(img.bytes + 28, (uint32_t)table);
    put16(img.bytes + 44, N);
    for (unsigned i = 0; i < N; i++) {
        uint8_t *p = img.bytes + table + 32 * i;
        memset(p, 0, 32);
        put32(p, 1);
        put32(p + 12, segs[i].paddr);
        put32(p + 20, 4);
    }
    assert_null(load(m, &img, NULL));
    for (unsigned i = 0; i < 4 * N; i++)
        assert_int_equal(m->ram[i], 0);
    memset(m->ram, 0xaa, RAM_SIZE);
    put32(img.bytes + table + 32 * 2999 + 12, RAM_BASE + 4); /* onto segment 1 */
    expect_error(m, &img, "segments 1 and 2999 overlap at 0x80000004");
    free(img.bytes);
    free(segs);
}

static void test_header_errors(void **state)
{
    Machine *m = *state;
    static const struct {
        unsigned offset, width;
        uint32_t value;
        const char *message;
    } patches[] = {
        {0, 4, 0x464c457e, "not an ELF file"},
        {4, 1, 2, "a 64-bit ELF: mcusim runs 32-bit RISC-V firmware"},
        {4, 1, 3, "unknown ELF class 3: mcusim runs 32-bit RISC-V firmware"},
        {5, 1, 2, "big-endian ELF: RISC-V firmware is little-endian"},
        {5, 1, 0, "unknown ELF data encoding 0: RISC-V firmware is little-endian"},
        {6, 1, 2, "unknown ELF version 2"},
        {16, 2, 3, "ELF type 3 is not an executable (ET_EXEC)"},
        {18, 2, 40, "ELF machine 40 is not RISC-V (243)"},
        {42, 2, 56, "program header entries are 56 bytes, not 32"},
        {28, 4, 0x1100, "program headers [0x1100, +0x20) are beyond the end of the file "
                        "(0x1100 bytes)"},
        {44, 2, 0, "no loadable segment"},
    };
    Seg seg = {1, 0x1000, RAM_BASE, 0x10, 0x10};
    for (size_t i = 0; i < sizeof patches / sizeof patches[0]; i++) {
        Image img = build(&seg, 1, RAM_BASE, 0x100);
        if (patches[i].width == 1)
            img.bytes[patches[i].offset] = (uint8_t)patches[i].value;
        else if (patches[i].width == 2)
            put16(img.bytes + patches[i].offset, (uint16_t)patches[i].value);
        else
            put32(img.bytes + patches[i].offset, patches[i].value);
        expect_error(m, &img, patches[i].message);
        free(img.bytes);
    }
}

static void test_segment_errors(void **state)
{
    Machine *m = *state;
    static const struct {
        Seg seg;
        const char *message;
    } cases[] = {
        {{1, 0x1000, RAM_BASE, 0x20, 0x10}, "segment 0: file size 0x20 exceeds memory size 0x10"},
        {{1, 0x10f0, RAM_BASE, 0x20, 0x20},
         "segment 0: contents [0x10f0, +0x20) extend past the end of the file (0x1100 bytes): "
         "truncated ELF"},
        {{1, 0xfffffff0, RAM_BASE, 0x20, 0x20},
         "segment 0: contents [0xfffffff0, +0x20) extend past the end of the file (0x1100 "
         "bytes): truncated ELF"},
        {{1, 0x1000, RAM_BASE, 0x10, 0xfffffff0},
         "segment 0 at 0x80000000 (0xfffffff0 bytes) goes beyond 4 GiB"},
        {{1, 0x1000, 0xfffffff8, 0x10, 0x10},
         "segment 0 at 0xfffffff8 (0x10 bytes) goes beyond 4 GiB"},
        {{1, 0x1000, RAM_BASE, 0, 0}, "no loadable segment"},
        {{6, 0x1000, RAM_BASE, 0x10, 0x10}, "no loadable segment"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        Image img = build(&cases[i].seg, 1, RAM_BASE, 0x100);
        expect_error(m, &img, cases[i].message);
        free(img.bytes);
    }
}

static void test_truncated_files(void **state)
{
    Machine *m = *state;
    Seg seg = {1, 0x1000, RAM_BASE, 0x10, 0x10};
    Image img = build(&seg, 1, RAM_BASE, 0x100);
    static const struct {
        size_t size;
        const char *message;
    } cuts[] = {
        {0, "not an ELF file"},
        {3, "not an ELF file"},
        {4, "truncated ELF header: the file has 4 bytes"},
        {51, "truncated ELF header: the file has 51 bytes, the header needs 52"},
        {60, "program headers [0x34, +0x20) are beyond the end of the file (0x3c bytes)"},
        {0x1008, "segment 0: contents [0x1000, +0x10) extend past the end of the file "
                 "(0x1008 bytes): truncated ELF"},
    };
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        Image cut = {img.bytes, cuts[i].size};
        expect_error(m, &cut, cuts[i].message);
    }
    free(img.bytes);
}

static void test_missing_file(void **state)
{
    Machine *m = *state;
    Error *err = NULL;
    uint32_t entry;
    assert_false(elf_load(m->ms, "/nonexistent/fw.elf", &entry, &err));
    assert_string_equal(error_message(err),
                        "/nonexistent/fw.elf: cannot open: No such file or directory");
    error_free(err);
}

/* The pc a run starts at must be in RAM or ROM: anywhere else the first
 * fetch faults. The loader leaves the entry point to the caller (a board's
 * reset_pc may be used instead), which asks elf_check_start of the pc it
 * starts at. */
static void test_start_pc_must_be_in_memory(void **state)
{
    Machine *m = *state;
    Error *err = NULL;
    assert_false(elf_check_start(m->ms, "entry point", 0x1234, &err));
    assert_string_equal(error_message(err), "entry point 0x00001234 is not inside "
                        "the board's memory (unmapped)");
    error_free(err);
    err = NULL;
    assert_false(elf_check_start(m->ms, "'reset_pc'", MMIO_BASE + 8, &err));
    assert_string_equal(error_message(err), "'reset_pc' 0x10000008 is not inside "
                        "the board's memory (MMIO 'dev')");
    error_free(err);
    /* in ROM (or flash) is fine: boards that boot from flash */
    assert_true(elf_check_start(m->ms, "entry point", ROM_BASE + 0x10, NULL));
    assert_true(elf_check_start(m->ms, "entry point", RAM_BASE + RAM_SIZE - 1, NULL));
    /* an ELF whose entry is nowhere still loads, and says where its entry is */
    Seg seg = {1, 0x1000, RAM_BASE, 0x100, 0x100};
    Image img = build(&seg, 1, 0x1234, 0x100);
    uint32_t entry = 0;
    assert_null(load(m, &img, &entry));
    assert_int_equal(entry, 0x1234);
    assert_int_equal(m->ram[0], 0x00);
    free(img.bytes);
}

/* A FIFO would block the open until someone wrote to it; a directory is
 * not a firmware either. Both are refused at once. */
static void test_only_regular_files_are_read(void **state)
{
    Machine *m = *state;
    char dir[] = "/tmp/mcusim-elf-dir-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char fifo[64];
    snprintf(fifo, sizeof fifo, "%s/fw.elf", dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    Error *err = NULL;
    uint32_t entry;
    char expected[128];
    assert_false(elf_load(m->ms, fifo, &entry, &err));
    snprintf(expected, sizeof expected, "%s: not a regular file (a fifo)", fifo);
    assert_string_equal(error_message(err), expected);
    error_free(err);
    err = NULL;
    assert_false(elf_load(m->ms, dir, &entry, &err));
    snprintf(expected, sizeof expected, "%s: not a regular file (a directory)", dir);
    assert_string_equal(error_message(err), expected);
    error_free(err);
    unlink(fifo);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_loads_ram_and_rom_and_zero_fills, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nothing_written_when_a_later_segment_is_bad, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_segment_over_mmio, setup, teardown),
        cmocka_unit_test_setup_teardown(test_segment_running_off_ram, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overlaps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_segments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_header_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_segment_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncated_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_start_pc_must_be_in_memory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_only_regular_files_are_read, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
