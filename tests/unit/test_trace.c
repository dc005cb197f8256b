/* Tracing (sim/trace.c) and the memory system's MMIO observer it uses:
 * the --trace list, which accesses the observer sees, the trace lines of
 * a small program run on a real CPU, guest diagnostic lines, write errors
 * (/dev/full) reported once, and the guest-fault register dump.
 * (tests/cli_cases.py checks whole traces through the simulator.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>

#include "capture.h"
#include "sim/cpu/cpu.h"
#include "sim/trace.h"

static void test_parse_list(void **state)
{
    unsigned flags = 0;
    assert_true(trace_parse_list("insn", &flags, NULL));
    assert_int_equal(flags, TRACE_INSN);
    assert_true(trace_parse_list("exc,irq", &flags, NULL));
    assert_int_equal(flags, TRACE_EXC | TRACE_IRQ);
    assert_true(trace_parse_list("insn,mmio,irq,exc,sys", &flags, NULL));
    assert_int_equal(flags, TRACE_ALL);
    assert_true(trace_parse_list("all", &flags, NULL));
    assert_int_equal(flags, TRACE_ALL);
    assert_true(trace_parse_list("mmio,mmio", &flags, NULL));
    assert_int_equal(flags, TRACE_MMIO);

    static const struct {
        const char *list, *message;
    } bad[] = {
        {"", "empty trace kind '' in '': expected a comma-separated list of insn, mmio, "
             "irq, exc, sys, or all"},
        {"insn,,exc", "empty trace kind '' in 'insn,,exc': expected a comma-separated list "
                      "of insn, mmio, irq, exc, sys, or all"},
        {"ins", "unknown trace kind 'ins' in 'ins': expected a comma-separated list of "
                "insn, mmio, irq, exc, sys, or all"},
        {"exc,INSN", "unknown trace kind 'INSN' in 'exc,INSN': expected a comma-separated "
                     "list of insn, mmio, irq, exc, sys, or all"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        Error *err = NULL;
        flags = 12345;
        assert_false(trace_parse_list(bad[i].list, &flags, &err));
        assert_string_equal(error_message(err), bad[i].message);
        assert_int_equal(flags, 12345);
        error_free(err);
    }
}

/* ---- a machine: RAM at 0x80000000, a device at 0x10000000 whose
 * register 4 refuses writes, a write-only device at 0x10001000 ---- */

typedef struct Rig {
    MemorySystem *ms;
    Owner *owner;
    MemoryRegion *ram;
    char log[4096];
} Rig;

static bool dev_read(void *opaque, uint64_t offset, unsigned size, uint32_t *value)
{
    *value = 0x5a + (uint32_t)offset;
    return true;
}

static bool dev_write(void *opaque, uint64_t offset, unsigned size, uint32_t value)
{
    return offset != 4;
}

static const MmioOps dev_ops = {.read = dev_read, .write = dev_write};
static const MmioOps wo_ops = {.write = dev_write};

static void observer(void *opaque, const MemoryRegion *region, uint32_t addr, uint64_t offset,
                     unsigned size, uint32_t value, bool is_write, MemAccess result)
{
    Rig *r = opaque;
    size_t used = strlen(r->log);
    snprintf(r->log + used, sizeof r->log - used, "%s %s %08x +%llx %u %x %d\n",
             is_write ? "W" : "R", memory_region_name(region), addr, (unsigned long long)offset, size, value,
             (int)result);
}

static int rig_setup(void **state)
{
    Rig *r = calloc(1, sizeof *r);
    r->ms = memory_system_new();
    r->owner = owner_new(r->ms, "board", NULL, NULL);
    MemoryRegion *bus = memory_region_new_container(r->owner, "bus", 1ULL << 32);
    r->ram = memory_region_new_ram(r->owner, "ram", 0x10000, NULL);
    MemoryRegion *dev = memory_region_new_mmio(r->owner, "dev", 0x100, &dev_ops, r);
    MemoryRegion *wo = memory_region_new_mmio(r->owner, "wo", 0x100, &wo_ops, r);
    memory_begin(r->ms);
    assert_true(memory_add_subregion(bus, 0x80000000, r->ram, NULL));
    assert_true(memory_add_subregion(bus, 0x10000000, dev, NULL));
    assert_true(memory_add_subregion(bus, 0x10001000, wo, NULL));
    memory_set_root(r->ms, bus);
    memory_commit(r->ms);
    *state = r;
    return 0;
}

static int rig_teardown(void **state)
{
    Rig *r = *state;
    memory_set_root(r->ms, NULL);
    owner_unref(r->owner);
    memory_system_free(r->ms);
    free(r);
    return 0;
}

static void test_mmio_observer_sees_guest_device_accesses(void **state)
{
    Rig *r = *state;
    uint32_t v;
    uint8_t buf[4];
    /* nothing before an observer is set */
    assert_int_equal(memory_read(r->ms, 0x10000000, 4, &v), MEM_OK);
    memory_set_mmio_observer(r->ms, observer, r);

    assert_int_equal(memory_read(r->ms, 0x10000008, 4, &v), MEM_OK);
    assert_int_equal(memory_write(r->ms, 0x10000001, 1, 0x41), MEM_OK);
    assert_int_equal(memory_write(r->ms, 0x10000004, 2, 0xbeef), MEM_BUS_ERROR);
    assert_int_equal(memory_read(r->ms, 0x10001010, 4, &v), MEM_BUS_ERROR);
    MemRange range;
    assert_true(memory_lookup(r->ms, 0x10000020, &range));
    assert_int_equal(memory_mmio_read(r->ms, &range, 0x10000022, 2, &v), MEM_OK);
    assert_int_equal(memory_mmio_write(r->ms, &range, 0x10000030, 4, 7), MEM_OK);
    /* not device accesses: RAM, unmapped, the debugger's path */
    assert_int_equal(memory_write(r->ms, 0x80000000, 4, 1), MEM_OK);
    assert_int_equal(memory_read(r->ms, 0x20000000, 4, &v), MEM_UNMAPPED);
    assert_false(memory_debug_read(r->ms, 0x10000000, buf, 4, NULL));

    assert_string_equal(r->log,
                        "R dev 10000008 +8 4 62 0\n"
                        "W dev 10000001 +1 1 41 0\n"
                        "W dev 10000004 +4 2 beef 3\n"
                        "R wo 10001010 +10 4 0 3\n"
                        "R dev 10000022 +22 2 7c 0\n"
                        "W dev 10000030 +30 4 7 0\n");
    memory_set_mmio_observer(r->ms, NULL, NULL);
    r->log[0] = '\0';
    assert_int_equal(memory_read(r->ms, 0x10000008, 4, &v), MEM_OK);
    assert_string_equal(r->log, "");
}

/* ---- a trace file ---- */

static char *temp_path(void)
{
    char *path = strdup("/tmp/mcusim-trace-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    return path;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static char text[16384];
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    return text;
}

static void test_sys_and_end_lines(void **state)
{
    char *path = temp_path();
    Trace *t = trace_new(TRACE_SYS, path, NULL);
    assert_non_null(t);
    trace_sys(NULL, "ignored %d", 1); /* a NULL trace is fine */
    assert_true(trace_wants(t, TRACE_SYS));
    assert_false(trace_wants(t, TRACE_INSN));
    assert_false(trace_wants(NULL, TRACE_SYS));
    trace_sys(t, "write(%d, 0x%x, %d) = %d", 1, 0x80001000, 5, 5);
    trace_end(t, "exit status %d", 3);
    trace_free(t);
    assert_string_equal(slurp(path), "         0 sys   write(1, 0x80001000, 5) = 5\n"
                                     "         0 end   exit status 3\n");

    t = trace_new(TRACE_INSN, path, NULL); /* truncates; no sys lines */
    trace_sys(t, "not traced");
    trace_free(t);
    assert_string_equal(slurp(path), "");
    trace_free(NULL);
    unlink(path);
    free(path);

    Error *err = NULL;
    assert_null(trace_new(TRACE_ALL, "/nonexistent/dir/trace", &err));
    assert_string_equal(error_message(err), "--trace-file /nonexistent/dir/trace: cannot "
                                            "create: No such file or directory");
    error_free(err);
}

static void test_guest_lines_whatever_the_flags(void **state)
{
    char *path = temp_path();
    Trace *t = trace_new(TRACE_SYS, path, NULL);
    trace_guest(t, "aon", "write at +0x20 ignored"); /* no clock yet: 0 */
    Clock *clock = clock_new(1000);
    trace_attach(t, NULL, NULL, clock, NULL);
    clock_set_now(clock, 1234);
    trace_guest(t, "qspi0", "read at +0x40 (not modelled)");
    trace_guest(NULL, "x", "a NULL trace is fine");
    trace_free(t);
    clock_free(clock);
    assert_string_equal(slurp(path),
                        "         0 guest aon: write at +0x20 ignored\n"
                        "      1234 guest qspi0: read at +0x40 (not modelled)\n");
    unlink(path);
    free(path);
}

static void test_write_error_is_reported_once(void **state)
{
    Reports r = {0};
    Capture c;
    capture_start(&c);
    Trace *t = trace_new(TRACE_SYS, "/dev/full", NULL);
    assert_non_null(t);
    trace_set_error_handler(t, on_error, &r);
    /* more than the 64 KiB buffer: a flush fails on the way */
    for (int i = 0; i < 10000 && !r.count; i++)
        trace_sys(t, "write(1, 0x80001000, %d) = %d", i, i);
    assert_int_equal(r.count, 1);
    assert_string_equal(r.what, "--trace-file /dev/full");
    assert_int_equal(r.err, ENOSPC);
    trace_sys(t, "after");
    trace_end(t, "exit status 0");
    trace_free(t);
    assert_int_equal(r.count, 1);
    char *text = capture_end(&c); /* said once, the handler called too */
    assert_string_equal(text, "mcusim: --trace-file /dev/full: cannot write: "
                              "No space left on device\n");
    free(text);
}

static void test_write_error_at_the_end_is_reported(void **state)
{
    Reports r = {0};
    Trace *t = trace_new(TRACE_SYS, "/dev/full", NULL);
    trace_set_error_handler(t, on_error, &r);
    trace_sys(t, "one line: buffered");
    assert_int_equal(r.count, 0);
    trace_end(t, "exit status 0"); /* flushes */
    assert_int_equal(r.count, 1);
    trace_free(t);
    assert_int_equal(r.count, 1);

    r.count = 0;
    t = trace_new(TRACE_SYS, "/dev/full", NULL);
    trace_set_error_handler(t, on_error, &r);
    trace_guest(t, "aon", "buffered");
    trace_free(t); /* fclose flushes */
    assert_int_equal(r.count, 1);
    assert_int_equal(r.err, ENOSPC);
}

static void test_write_error_without_handler_is_only_said(void **state)
{
    Capture c;
    capture_start(&c);
    Trace *t = trace_new(TRACE_SYS, "/dev/full", NULL);
    trace_end(t, "exit status 0");
    trace_free(t);
    char *text = capture_end(&c);
    assert_string_equal(text, "mcusim: --trace-file /dev/full: cannot write: "
                              "No space left on device\n");
    free(text);
}

/* A trace file that is our stderr is the trace on stderr (main then
 * shows guest diagnostics only there, and its loss does not end the
 * run); any other file is not. */
static void test_trace_on_stderr_is_told(void **state)
{
    Trace *t = trace_new(TRACE_SYS, NULL, NULL);
    assert_true(trace_on_stderr(t));
    trace_free(t);
    char *path = temp_path();
    t = trace_new(TRACE_SYS, path, NULL);
    assert_false(trace_on_stderr(t));
    trace_free(t);
    /* the same file, while it is our stderr (as /dev/stderr would be) */
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    int fd = open(path, O_WRONLY);
    assert_true(saved >= 0 && fd >= 0);
    assert_true(dup2(fd, STDERR_FILENO) >= 0);
    close(fd);
    t = trace_new(TRACE_SYS, path, NULL);
    bool on_stderr = trace_on_stderr(t);
    trace_free(t);
    assert_true(dup2(saved, STDERR_FILENO) >= 0);
    close(saved);
    assert_true(on_stderr);
    unlink(path);
    free(path);
}

static void test_symbolize(void **state)
{
    char buf[64];
    trace_symbolize(NULL, 0x80000000, buf, sizeof buf);
    assert_string_equal(buf, "?");
    ElfSymbols *syms = elf_symbols_load("build/fw/hello.elf", NULL);
    assert_non_null(syms);
    uint32_t main_addr;
    assert_true(elf_symbol_address(syms, "main", &main_addr));
    trace_symbolize(syms, main_addr, buf, sizeof buf);
    assert_string_equal(buf, "main");
    trace_symbolize(syms, main_addr + 0x12, buf, sizeof buf);
    assert_string_equal(buf, "main+0x12");
    trace_symbolize(syms, 0x10, buf, sizeof buf);
    assert_string_equal(buf, "?");
    elf_symbols_free(syms);
}

/* A program in RAM: addi a0,zero,-5; sb a0,0(t0) to the device (t0 set
 * by the test: the trace shows the byte stored, not the register); ebreak
 * with mtvec at a handler that is c.unimp. */
static void test_cpu_trace_and_register_dump(void **state)
{
    Rig *r = *state;
    static const uint32_t program[] = {
        0xffb00513, /* addi a0,zero,-5 */
        0x00a28023, /* sb a0,0(t0) */
        0x00100073, /* ebreak */
        0x00000000, /* 0x8000000c: the handler, c.unimp */
    };
    assert_true(memory_debug_write(r->ms, 0x80000000, program, sizeof program, NULL));
    CpuConfig config = {.reset_pc = 0x80000000, .frequency_hz = 1000000};
    Cpu *cpu = cpu_new(r->ms, &config, NULL);
    assert_non_null(cpu);
    cpu_set_reg(cpu, 5, 0x10000010);
    assert_true(cpu_set_csr(cpu, 0x305, 0x8000000c));
    char *path = temp_path();
    Trace *t = trace_new(TRACE_ALL, path, NULL);
    trace_attach(t, cpu, r->ms, NULL, NULL);
    Error *err = NULL;
    assert_int_equal(cpu_run(cpu, 100, &err), CPU_STOP_FAULT);
    trace_end(t, "firmware fault");
    trace_free(t); /* detaches */
    char *text = strdup(slurp(path));
    assert_string_equal(
        text,
        "         0 insn  80000000 ?                        ffb00513 addi a0,zero,-5\n"
        "         1 insn  80000004 ?                        00a28023 sb a0,0(t0)\n"
        "         1 mmio  write 10000010 dev+0x10 1 <- 0xfb\n"
        "         2 insn  80000008 ?                        00100073 ebreak\n"
        "         2 exc   80000008 ?                        breakpoint (mcause 3) tval "
        "0x80000008 -> 8000000c ?\n"
        "         2 insn  8000000c ?                        0000     c.unimp\n"
        "         2 end   firmware fault\n");
    assert_string_equal(error_message(err),
                        "breakpoint at pc 0x80000008 (mcause 3, mtval 0x80000008); the trap "
                        "handler at 0x8000000c faulted: illegal instruction 0x00000000 at pc "
                        "0x8000000c (mcause 2, mtval 0x0)");
    error_free(err);

    char *dump = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&dump, &size);
    trace_dump_registers(out, cpu, r->ms, NULL);
    fclose(out);
    assert_string_equal(
        dump,
        "mcusim: pc 0x8000000c <?>: c.unimp\n"
        "mcusim: registers:\n"
        "  x0  zero 00000000   x1  ra   00000000   x2  sp   00000000   x3  gp   00000000\n"
        "  x4  tp   00000000   x5  t0   10000010   x6  t1   00000000   x7  t2   00000000\n"
        "  x8  s0   00000000   x9  s1   00000000   x10 a0   fffffffb   x11 a1   00000000\n"
        "  x12 a2   00000000   x13 a3   00000000   x14 a4   00000000   x15 a5   00000000\n"
        "  x16 a6   00000000   x17 a7   00000000   x18 s2   00000000   x19 s3   00000000\n"
        "  x20 s4   00000000   x21 s5   00000000   x22 s6   00000000   x23 s7   00000000\n"
        "  x24 s8   00000000   x25 s9   00000000   x26 s10  00000000   x27 s11  00000000\n"
        "  x28 t3   00000000   x29 t4   00000000   x30 t5   00000000   x31 t6   00000000\n"
        "  pc      8000000c  mstatus 00001800  mcause  00000003  mepc    80000008  mtval   "
        "80000008\n");
    free(dump);
    /* detached: running on traces nothing more */
    cpu_set_pc(cpu, 0x80000000);
    assert_int_equal(cpu_run(cpu, 1, NULL), CPU_STOP_INSN_LIMIT);
    assert_string_equal(slurp(path), text);
    free(text);
    cpu_free(cpu);
    unlink(path);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_list),
        cmocka_unit_test_setup_teardown(test_mmio_observer_sees_guest_device_accesses,
                                        rig_setup, rig_teardown),
        cmocka_unit_test(test_sys_and_end_lines),
        cmocka_unit_test(test_guest_lines_whatever_the_flags),
        cmocka_unit_test(test_write_error_is_reported_once),
        cmocka_unit_test(test_write_error_at_the_end_is_reported),
        cmocka_unit_test(test_write_error_without_handler_is_only_said),
        cmocka_unit_test(test_trace_on_stderr_is_told),
        cmocka_unit_test(test_symbolize),
        cmocka_unit_test_setup_teardown(test_cpu_trace_and_register_dump, rig_setup,
                                        rig_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
