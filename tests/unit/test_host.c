/* Host services (sim/host.h) on a real CPU: RAM at 0x10000 (as on
 * newlib-sim) and at 0x80000000, a ROM, a device; an ELF symbol table
 * written for each test (_end, tohost, fromhost). Each call runs the
 * guest's ecall or semihosting sequence for real and checks registers,
 * guest memory, host files and the exit status. */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
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

#include "sim/host/host.h"

enum {
    RAM_BASE = 0x10000u,
    RAM_SIZE = 0x100000u, /* 1 MiB */
    RAM2_BASE = 0x80000000u,
    RAM2_SIZE = 0x10000u,
    ROM_BASE = 0x1000u,
    DEV_BASE = 0x10000000u,
    CODE = RAM_BASE,          /* where test code goes */
    END = RAM_BASE + 0x8000,  /* the ELF's _end */
    DATA = RAM_BASE + 0x4000, /* scratch guest memory */
    TOHOST = RAM2_BASE + 0x1000,
    FROMHOST = RAM2_BASE + 0x1040,
};

enum { SP = 2, A0 = 10, A1 = 11, A2 = 12, A7 = 17 };

#define RV_ECALL 0x00000073u
#define RV_EBREAK 0x00100073u
#define SH_SLLI 0x01f01013u
#define SH_SRAI 0x40705013u

typedef struct Fixture {
    MemorySystem *ms;
    Owner *board;
    MemoryRegion *root, *ram, *ram2, *rom, *dev;
    Cpu *cpu;
    Host *host;
    BoardMemory mems[2];
    BoardDesc desc;
    char dir[64];  /* a temporary folder: the file root, the ELF */
    char elf[96];
    const char *argv[4];
    int argc;
} Fixture;

static bool dev_read(void *opaque, uint64_t offset, unsigned size, uint32_t *value)
{
    (void)opaque, (void)offset, (void)size;
    *value = 0;
    return true;
}

static const MmioOps dev_ops = {.read = dev_read};

/* ---- an ELF holding only a symbol table ---- */

typedef struct Sym {
    const char *name;
    uint32_t value;
} Sym;

static void write_elf(const char *path, const Sym *syms, size_t n)
{
    char strtab[256] = "";
    size_t used = 1;
    Elf32_Sym table[8] = {{0}};
    assert_true(n < 8);
    for (size_t i = 0; i < n; i++) {
        table[i + 1].st_name = (Elf32_Word)used;
        table[i + 1].st_value = syms[i].value;
        table[i + 1].st_size = 8;
        table[i + 1].st_info = ELF32_ST_INFO(STB_GLOBAL, STT_OBJECT);
        table[i + 1].st_shndx = SHN_ABS;
        strcpy(strtab + used, syms[i].name);
        used += strlen(syms[i].name) + 1;
    }
    static char shstrtab[] = "\0.strtab\0.symtab\0.shstrtab";
    assert_int_not_equal(elf_version(EV_CURRENT), EV_NONE);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    Elf *e = elf_begin(fd, ELF_C_WRITE, NULL);
    assert_non_null(e);
    Elf32_Ehdr *eh = elf32_newehdr(e);
    eh->e_ident[EI_DATA] = ELFDATA2LSB;
    eh->e_type = ET_EXEC;
    eh->e_machine = EM_RISCV;
    eh->e_version = EV_CURRENT;
    struct {
        void *buf;
        size_t size;
        Elf_Type type;
        Elf32_Word sh_type, name;
    } secs[3] = {
        {strtab, used, ELF_T_BYTE, SHT_STRTAB, 1},
        {table, (n + 1) * sizeof table[0], ELF_T_SYM, SHT_SYMTAB, 9},
        {shstrtab, sizeof shstrtab, ELF_T_BYTE, SHT_STRTAB, 17},
    };
    size_t index[3];
    for (int i = 0; i < 3; i++) {
        Elf_Scn *scn = elf_newscn(e);
        Elf_Data *d = elf_newdata(scn);
        d->d_buf = secs[i].buf;
        d->d_size = secs[i].size;
        d->d_type = secs[i].type;
        d->d_align = 4;
        d->d_version = EV_CURRENT;
        Elf32_Shdr *sh = elf32_getshdr(scn);
        sh->sh_type = secs[i].sh_type;
        sh->sh_name = secs[i].name;
        index[i] = elf_ndxscn(scn);
        if (secs[i].sh_type == SHT_SYMTAB) {
            sh->sh_link = (Elf32_Word)index[0];
            sh->sh_info = 1;
            sh->sh_entsize = sizeof(Elf32_Sym);
        }
    }
    eh->e_shstrndx = (Elf32_Half)index[2];
    assert_true(elf_update(e, ELF_C_WRITE) >= 0);
    elf_end(e);
    close(fd);
}

/* ---- the machine ---- */

static int setup(void **state)
{
    Fixture *f = calloc(1, sizeof *f);
    Error *err = NULL;
    f->ms = memory_system_new();
    f->board = owner_new(f->ms, "board", NULL, NULL);
    f->root = memory_region_new_container(f->board, "system", 1ULL << 32);
    f->ram = memory_region_new_ram(f->board, "ram", RAM_SIZE, &err);
    f->ram2 = memory_region_new_ram(f->board, "ram2", RAM2_SIZE, &err);
    f->rom = memory_region_new_rom(f->board, "rom", 0x1000, &err);
    f->dev = memory_region_new_mmio(f->board, "dev", 0x100, &dev_ops, f);
    assert_null(err);
    memory_begin(f->ms);
    assert_true(memory_add_subregion(f->root, RAM_BASE, f->ram, &err));
    assert_true(memory_add_subregion(f->root, RAM2_BASE, f->ram2, &err));
    assert_true(memory_add_subregion(f->root, ROM_BASE, f->rom, &err));
    assert_true(memory_add_subregion(f->root, DEV_BASE, f->dev, &err));
    memory_set_root(f->ms, f->root);
    memory_commit(f->ms);
    CpuConfig config = {.isa = "rv32imac", .reset_pc = CODE, .frequency_hz = 1000000};
    f->cpu = cpu_new(f->ms, &config, &err);
    assert_non_null(f->cpu);
    f->mems[0] = (BoardMemory){.name = "ram", .kind = BOARD_MEM_RAM, .base = RAM_BASE,
                               .size = RAM_SIZE};
    f->mems[1] = (BoardMemory){.name = "ram2", .kind = BOARD_MEM_RAM, .base = RAM2_BASE,
                               .size = RAM2_SIZE};
    f->desc = (BoardDesc){.name = "test", .memories = f->mems, .nmemories = 2};
    strcpy(f->dir, "/tmp/mcusim-host-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->elf, sizeof f->elf, "%s/fw.elf", f->dir);
    f->argv[0] = "fw.elf";
    f->argc = 1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    Fixture *f = *state;
    host_free(f->host);
    cpu_free(f->cpu);
    memory_set_root(f->ms, NULL);
    owner_unref(f->board);
    memory_system_free(f->ms);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

/* Starts the services with the given symbols; root: the temp folder. */
static void start(Fixture *f, unsigned services, const Sym *syms, size_t n, bool root)
{
    Error *err = NULL;
    write_elf(f->elf, syms, n);
    ElfSymbols *es = elf_symbols_load(f->elf, &err);
    assert_non_null(es);
    HostConfig config = {
        .services = services,
        .file_root = root ? f->dir : NULL,
        .argc = f->argc,
        .argv = f->argv,
        .frequency_hz = 1000000,
        .board = &f->desc,
    };
    f->host = host_new(f->ms, f->cpu, es, &config, &err);
    if (!f->host)
        fail_msg("host_new: %s", error_message(err));
    elf_symbols_free(es);
}

static void poke(Fixture *f, uint32_t addr, const void *data, size_t len)
{
    assert_true(memory_debug_write(f->ms, addr, data, len, NULL));
}

static uint32_t peek32(Fixture *f, uint32_t addr)
{
    uint32_t v = 0;
    assert_true(memory_debug_read(f->ms, addr, &v, 4, NULL));
    return v;
}

static void poke32(Fixture *f, uint32_t addr, uint32_t v)
{
    poke(f, addr, &v, 4);
}

static CpuStopReason run_at(Fixture *f, uint32_t pc, uint64_t insns)
{
    Error *err = NULL;
    cpu_set_pc(f->cpu, pc);
    CpuStopReason why = cpu_run(f->cpu, insns, &err);
    error_free(err);
    return why;
}

/* One newlib system call through a real ecall; returns a0. */
static int32_t sys(Fixture *f, uint32_t n, uint32_t a0, uint32_t a1, uint32_t a2)
{
    poke32(f, CODE, RV_ECALL);
    cpu_set_reg(f->cpu, A7, n);
    cpu_set_reg(f->cpu, A0, a0);
    cpu_set_reg(f->cpu, A1, a1);
    cpu_set_reg(f->cpu, A2, a2);
    run_at(f, CODE, 1);
    return (int32_t)cpu_get_reg(f->cpu, A0);
}

/* One semihosting operation with a parameter block of up to 4 fields at
 * DATA + 0x800 (or a1 itself when block is NULL); returns a0. */
static int32_t semi(Fixture *f, uint32_t op, const uint32_t *block, size_t n, uint32_t a1)
{
    uint32_t seq[3] = {SH_SLLI, RV_EBREAK, SH_SRAI};
    poke(f, CODE + 0x100, seq, sizeof seq);
    if (block) {
        poke(f, DATA + 0x800, block, n * 4);
        a1 = DATA + 0x800;
    }
    cpu_set_reg(f->cpu, A0, op);
    cpu_set_reg(f->cpu, A1, a1);
    run_at(f, CODE + 0x100, 3);
    if (!host_exit_status(f->host, NULL))
        assert_int_equal(cpu_get_pc(f->cpu), CODE + 0x10c);
    return (int32_t)cpu_get_reg(f->cpu, A0);
}

static void put_string(Fixture *f, uint32_t addr, const char *s)
{
    poke(f, addr, s, strlen(s) + 1);
}

static char *file_text(Fixture *f, const char *name)
{
    static char buf[256];
    char path[160];
    snprintf(path, sizeof path, "%s/%s", f->dir, name);
    FILE *fp = fopen(path, "r");
    if (!fp)
        return NULL;
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    buf[n] = '\0';
    fclose(fp);
    return buf;
}

/* ---- newlib ---- */

static void test_newlib_stack_holds_argc_argv(void **state)
{
    Fixture *f = *state;
    static const char *argv[] = {"fw.elf", "one", "two words"};
    memcpy(f->argv, argv, sizeof argv);
    f->argc = 3;
    start(f, HOST_NEWLIB, (Sym[]){{"_end", END}}, 1, false);
    uint32_t sp = cpu_get_reg(f->cpu, SP);
    uint32_t top = RAM_BASE + RAM_SIZE;
    assert_int_equal(sp % 16, 0);
    assert_true(sp < top && sp > top - 128);
    assert_int_equal(peek32(f, sp), 3);                /* argc */
    assert_int_equal(cpu_get_reg(f->cpu, A0), 3);
    assert_int_equal(cpu_get_reg(f->cpu, A1), sp + 4);
    uint32_t strings = top - (7 + 4 + 10);           /* "fw.elf" "one" "two words" */
    assert_int_equal(peek32(f, sp + 4), strings);
    assert_int_equal(peek32(f, sp + 8), strings + 7);
    assert_int_equal(peek32(f, sp + 12), strings + 11);
    assert_int_equal(peek32(f, sp + 16), 0);           /* argv[argc] */
    assert_int_equal(peek32(f, sp + 20), 0);           /* envp */
    assert_int_equal(peek32(f, sp + 24), 0);           /* AT_NULL */
    char text[21];
    assert_true(memory_debug_read(f->ms, strings, text, sizeof text, NULL));
    assert_memory_equal(text, "fw.elf\0one\0two words", 21);
}

static void test_newlib_brk_grows_from_end_and_stops_below_the_stack(void **state)
{
    Fixture *f = *state;
    start(f, HOST_NEWLIB, (Sym[]){{"_end", END + 3}}, 1, false);
    uint32_t start_brk = (END + 3 + 7) & ~7u;
    assert_int_equal(sys(f, 214, 0, 0, 0), start_brk);
    assert_int_equal(sys(f, 214, start_brk + 0x1000, 0, 0), start_brk + 0x1000);
    assert_int_equal(sys(f, 214, 0, 0, 0), start_brk + 0x1000);
    /* 1 MiB of RAM: the stack keeps a quarter of what is free */
    uint32_t sp = cpu_get_reg(f->cpu, SP);
    assert_int_equal(sys(f, 214, sp - 16, 0, 0), start_brk + 0x1000); /* refused */
    uint32_t limit = sp - (sp - start_brk) / 4;
    assert_int_equal(sys(f, 214, limit, 0, 0), limit);
    assert_int_equal(sys(f, 214, limit + 1, 0, 0), limit);
    assert_int_equal(sys(f, 214, start_brk - 8, 0, 0), limit); /* below _end */
    assert_int_equal(sys(f, 214, start_brk, 0, 0), start_brk); /* shrinks */
}

static void test_newlib_files_under_the_root(void **state)
{
    Fixture *f = *state;
    start(f, HOST_NEWLIB, NULL, 0, true);
    put_string(f, DATA, "out.txt");
    put_string(f, DATA + 0x100, "hello, host\n");
    /* open(path, O_WRONLY|O_CREAT|O_TRUNC, 0644) in newlib's numbers */
    int32_t fd = sys(f, 1024, DATA, 0x1 | 0x200 | 0x400, 0644);
    assert_int_equal(fd, 3);
    assert_int_equal(sys(f, 64, (uint32_t)fd, DATA + 0x100, 12), 12);
    assert_int_equal(sys(f, 57, (uint32_t)fd, 0, 0), 0);
    assert_string_equal(file_text(f, "out.txt"), "hello, host\n");
    fd = sys(f, 1024, DATA, 0, 0);
    assert_int_equal(fd, 3);
    assert_int_equal(sys(f, 62, (uint32_t)fd, 7, 0), 7);           /* SEEK_SET */
    assert_int_equal(sys(f, 63, (uint32_t)fd, DATA + 0x200, 100), 5);
    char buf[6] = "";
    assert_true(memory_debug_read(f->ms, DATA + 0x200, buf, 5, NULL));
    assert_string_equal(buf, "host\n");
    assert_int_equal(sys(f, 63, (uint32_t)fd, DATA + 0x200, 100), 0); /* EOF */
    assert_int_equal(sys(f, 62, (uint32_t)fd, 0, 2), 12);          /* SEEK_END */
    assert_int_equal(sys(f, 62, (uint32_t)fd, 0, 3), -22);         /* bad whence */
    /* fstat: struct kernel_stat, st_mode at 16, st_size at 48 */
    assert_int_equal(sys(f, 80, (uint32_t)fd, DATA + 0x300, 0), 0);
    assert_int_equal(peek32(f, DATA + 0x300 + 16) & 0170000, 0100000);
    assert_int_equal(peek32(f, DATA + 0x300 + 48), 12);
    assert_int_equal(peek32(f, DATA + 0x300 + 52), 0);
    /* the console is a character device */
    assert_int_equal(sys(f, 80, 1, DATA + 0x300, 0), 0);
    assert_int_equal(peek32(f, DATA + 0x300 + 16) & 0170000, 0020000);
    assert_int_equal(sys(f, 62, 1, 0, 0), -29);                    /* ESPIPE */
    /* reads land in RAM only: not in ROM, not in a device, not nowhere */
    assert_int_equal(sys(f, 62, (uint32_t)fd, 0, 0), 0);
    assert_int_equal(sys(f, 63, (uint32_t)fd, ROM_BASE, 4), -14);
    assert_int_equal(sys(f, 63, (uint32_t)fd, DEV_BASE, 4), -14);
    assert_int_equal(sys(f, 64, 1, 0xf0000000u, 4), -14);
    assert_int_equal(sys(f, 57, (uint32_t)fd, 0, 0), 0);
    assert_int_equal(sys(f, 57, (uint32_t)fd, 0, 0), -9);          /* EBADF */
    assert_int_equal(sys(f, 64, 40, DATA, 1), -9);
    /* unlink, and paths out of the root */
    assert_int_equal(sys(f, 1026, DATA, 0, 0), 0);
    assert_null(file_text(f, "out.txt"));
    put_string(f, DATA, "../escape.txt");
    assert_int_equal(sys(f, 1024, DATA, 0x1 | 0x200, 0644), -13);
    put_string(f, DATA, "/tmp/escape.txt");
    assert_int_equal(sys(f, 1024, DATA, 0x1 | 0x200, 0644), -13);
    assert_int_equal(sys(f, 1024, DATA, 3, 0), -22);               /* bad access mode */
}

static void test_newlib_without_root_refuses_files(void **state)
{
    Fixture *f = *state;
    start(f, HOST_NEWLIB, NULL, 0, false);
    put_string(f, DATA, "out.txt");
    assert_int_equal(sys(f, 1024, DATA, 0x1 | 0x200, 0644), -13);
    assert_int_equal(sys(f, 1026, DATA, 0, 0), -13);
    assert_null(file_text(f, "out.txt"));
    assert_int_equal(sys(f, 214, 0, 0, 0), 0); /* no _end: no heap */
    assert_int_equal(sys(f, 214, END, 0, 0), 0);
}

static void test_newlib_time_is_virtual(void **state)
{
    Fixture *f = *state;
    start(f, HOST_NEWLIB, NULL, 0, false);
    /* 1 MHz: 2,500,000 cycles before the first call are 2.5 s; each
     * call takes one more */
    uint32_t nops = 0x00000013u;
    for (uint32_t i = 0; i < 64; i++)
        poke32(f, CODE + 0x200 + 4 * i, nops);
    poke32(f, CODE + 0x300, 0xf01ff06fu); /* j CODE+0x200 */
    run_at(f, CODE + 0x200, 2500000);
    assert_int_equal(cpu_cycles(f->cpu), 2500000);
    assert_int_equal(sys(f, 169, DATA, DATA + 0x20, 0), 0);
    assert_int_equal(peek32(f, DATA), 2);          /* tv_sec, low */
    assert_int_equal(peek32(f, DATA + 4), 0);      /* tv_sec, high */
    assert_int_equal(peek32(f, DATA + 8), 500000); /* tv_usec */
    assert_int_equal(sys(f, 403, 1, DATA, 0), 0);  /* 64-bit timespec */
    assert_int_equal(peek32(f, DATA), 2);
    assert_int_equal(peek32(f, DATA + 4), 0);
    assert_int_equal(peek32(f, DATA + 8), 500001000);
    assert_int_equal(sys(f, 113, 0, DATA + 0x40, 0), 0); /* 32-bit timespec */
    assert_int_equal(peek32(f, DATA + 0x40), 2);
    assert_int_equal(peek32(f, DATA + 0x44), 500002000);
    assert_int_equal(sys(f, 113, 12, DATA, 0), -22);
    assert_int_equal(sys(f, 403, 0, ROM_BASE, 0), -14);
}

static void test_newlib_exit_and_unknown_calls(void **state)
{
    Fixture *f = *state;
    start(f, HOST_NEWLIB, NULL, 0, false);
    assert_int_equal(sys(f, 999, 0, 0, 0), -88); /* ENOSYS, and a notice */
    assert_int_equal(sys(f, 172, 0, 0, 0), 1);   /* getpid */
    int status = -1;
    assert_false(host_exit_status(f->host, &status));
    poke32(f, CODE, RV_ECALL);
    poke32(f, CODE + 4, RV_ECALL);
    cpu_set_reg(f->cpu, A7, 93);
    cpu_set_reg(f->cpu, A0, 7);
    assert_int_equal(run_at(f, CODE, 100), CPU_STOP_REQUESTED);
    assert_int_equal(cpu_instructions_retired(f->cpu), 3); /* the two sys() above */
    assert_true(host_exit_status(f->host, &status));
    assert_int_equal(status, 7);
    assert_true(host_exit_status(f->host, NULL));
    assert_false(host_exit_status(NULL, &status));
}

static void test_services_off_leave_the_cpu_to_trap(void **state)
{
    Fixture *f = *state;
    start(f, HOST_SEMIHOSTING, NULL, 0, false);
    /* ecall with newlib off: traps to mtvec 0, where nothing is mapped */
    poke32(f, CODE, RV_ECALL);
    cpu_set_reg(f->cpu, A7, 93);
    assert_int_equal(run_at(f, CODE, 10), CPU_STOP_FAULT);
    assert_false(host_exit_status(f->host, NULL));
}

/* ---- semihosting ---- */

static void test_semihosting_files_and_features(void **state)
{
    Fixture *f = *state;
    start(f, HOST_SEMIHOSTING, NULL, 0, true);
    /* ":semihosting-features" reads SHFB and 0x03 */
    put_string(f, DATA, ":semihosting-features");
    int32_t h = semi(f, 0x01, (uint32_t[]){DATA, 0, 21}, 3, 0);
    assert_true(h >= 1);
    assert_int_equal(semi(f, 0x0c, (uint32_t[]){(uint32_t)h}, 1, 0), 5); /* FLEN */
    assert_int_equal(semi(f, 0x06, (uint32_t[]){(uint32_t)h, DATA + 0x100, 8}, 3, 0), 3);
    char feat[5];
    assert_true(memory_debug_read(f->ms, DATA + 0x100, feat, 5, NULL));
    assert_memory_equal(feat, "SHFB\x03", 5);
    assert_int_equal(semi(f, 0x09, (uint32_t[]){(uint32_t)h}, 1, 0), 0);  /* ISTTY */
    assert_int_equal(semi(f, 0x02, (uint32_t[]){(uint32_t)h}, 1, 0), 0);  /* CLOSE */
    assert_int_equal(semi(f, 0x02, (uint32_t[]){(uint32_t)h}, 1, 0), -1);
    assert_int_equal(semi(f, 0x13, NULL, 0, 0), 9);                       /* EBADF */
    assert_int_equal(semi(f, 0x01, (uint32_t[]){DATA, 4, 21}, 3, 0), -1); /* not for writing */
    /* a file: "w" (mode 4), write, "r" (mode 0), seek, read, length, remove */
    put_string(f, DATA, "semi.txt");
    put_string(f, DATA + 0x100, "0123456789");
    h = semi(f, 0x01, (uint32_t[]){DATA, 4, 8}, 3, 0);
    assert_true(h >= 1);
    assert_int_equal(semi(f, 0x05, (uint32_t[]){(uint32_t)h, DATA + 0x100, 10}, 3, 0), 0);
    assert_int_equal(semi(f, 0x02, (uint32_t[]){(uint32_t)h}, 1, 0), 0);
    assert_string_equal(file_text(f, "semi.txt"), "0123456789");
    h = semi(f, 0x01, (uint32_t[]){DATA, 1, 8}, 3, 0);
    assert_int_equal(semi(f, 0x0c, (uint32_t[]){(uint32_t)h}, 1, 0), 10);
    assert_int_equal(semi(f, 0x0a, (uint32_t[]){(uint32_t)h, 6}, 2, 0), 0);
    /* 8 asked, 4 there: 4 not read */
    assert_int_equal(semi(f, 0x06, (uint32_t[]){(uint32_t)h, DATA + 0x200, 8}, 3, 0), 4);
    char buf[5] = "";
    assert_true(memory_debug_read(f->ms, DATA + 0x200, buf, 4, NULL));
    assert_string_equal(buf, "6789");
    /* writing to a read-only handle: nothing written, errno EBADF */
    assert_int_equal(semi(f, 0x05, (uint32_t[]){(uint32_t)h, DATA, 3}, 3, 0), 3);
    assert_int_equal(semi(f, 0x13, NULL, 0, 0), 9);
    assert_int_equal(semi(f, 0x02, (uint32_t[]){(uint32_t)h}, 1, 0), 0);
    assert_int_equal(semi(f, 0x0e, (uint32_t[]){DATA, 8}, 2, 0), 0);      /* REMOVE */
    assert_null(file_text(f, "semi.txt"));
    assert_int_equal(semi(f, 0x01, (uint32_t[]){DATA, 0, 8}, 3, 0), -1);
    assert_int_equal(semi(f, 0x13, NULL, 0, 0), 2);                       /* ENOENT */
    put_string(f, DATA, "../up.txt");
    assert_int_equal(semi(f, 0x01, (uint32_t[]){DATA, 4, 9}, 3, 0), -1);
    assert_int_equal(semi(f, 0x13, NULL, 0, 0), 13);
    /* ":tt" by mode; ISERROR */
    put_string(f, DATA, ":tt");
    h = semi(f, 0x01, (uint32_t[]){DATA, 0, 3}, 3, 0);
    assert_int_equal(semi(f, 0x09, (uint32_t[]){(uint32_t)h}, 1, 0), 1);
    assert_int_equal(semi(f, 0x0c, (uint32_t[]){(uint32_t)h}, 1, 0), -1);
    assert_int_equal(semi(f, 0x08, (uint32_t[]){(uint32_t)-5}, 1, 0), 1);
    assert_int_equal(semi(f, 0x08, (uint32_t[]){5}, 1, 0), 0);
    /* a parameter block that is not in memory */
    assert_int_equal(semi(f, 0x01, NULL, 0, 0xf0000000u), -1);
    assert_int_equal(semi(f, 0x13, NULL, 0, 0), 14);
}

static void test_semihosting_without_root_refuses_files(void **state)
{
    Fixture *f = *state;
    start(f, HOST_SEMIHOSTING, NULL, 0, false);
    put_string(f, DATA, "semi.txt");
    assert_int_equal(semi(f, 0x01, (uint32_t[]){DATA, 4, 8}, 3, 0), -1);
    assert_int_equal(semi(f, 0x13, NULL, 0, 0), 13);
    assert_null(file_text(f, "semi.txt"));
    /* the console and the features still open */
    put_string(f, DATA, ":tt");
    assert_true(semi(f, 0x01, (uint32_t[]){DATA, 8, 3}, 3, 0) >= 1);
}

static void test_semihosting_cmdline_time_heap(void **state)
{
    Fixture *f = *state;
    static const char *argv[] = {"fw.elf", "-v", "x y"};
    memcpy(f->argv, argv, sizeof argv);
    f->argc = 3;
    start(f, HOST_SEMIHOSTING,
          (Sym[]){{"__heap_start", 0x20000}, {"__heap_end", 0x30000}, {"__stack", 0x40000}},
          3, false);
    assert_int_equal(semi(f, 0x15, (uint32_t[]){DATA, 64}, 2, 0), 0);
    char line[16] = "";
    assert_true(memory_debug_read(f->ms, DATA, line, 14, NULL));
    assert_string_equal(line, "fw.elf -v x y");
    assert_int_equal(peek32(f, DATA + 0x800 + 4), 13);
    assert_int_equal(semi(f, 0x15, (uint32_t[]){DATA, 13}, 2, 0), -1); /* no room for NUL */
    assert_int_equal(semi(f, 0x16, (uint32_t[]){DATA + 0x100}, 1, 0), 0);
    assert_int_equal(peek32(f, DATA + 0x100), 0x20000);
    assert_int_equal(peek32(f, DATA + 0x104), 0x30000);
    assert_int_equal(peek32(f, DATA + 0x108), 0x40000);
    assert_int_equal(peek32(f, DATA + 0x10c), 0);
    assert_int_equal(semi(f, 0x31, NULL, 0, 0), 1000000);  /* TICKFREQ */
    assert_int_equal(semi(f, 0x10, NULL, 0, 0), 0);        /* CLOCK, centiseconds */
    assert_int_equal(semi(f, 0x30, NULL, 0, DATA + 0x200), 0);
    assert_int_equal(peek32(f, DATA + 0x200), cpu_cycles(f->cpu) - 2); /* at the ebreak */
    assert_int_equal(semi(f, 0x12, NULL, 0, DATA), -1);    /* SYSTEM */
    assert_int_equal(semi(f, 0x13, NULL, 0, 0), 88);
    assert_int_equal(semi(f, 0x77, NULL, 0, 0), -1);       /* unknown */
}

static void test_semihosting_exit_codes(void **state)
{
    Fixture *f = *state;
    int status;
    start(f, HOST_SEMIHOSTING, NULL, 0, false);
    semi(f, 0x20, (uint32_t[]){0x20026, 42}, 2, 0);        /* EXIT_EXTENDED */
    assert_true(host_exit_status(f->host, &status));
    assert_int_equal(status, 42);
    host_free(f->host);
    f->host = NULL;
    start(f, HOST_SEMIHOSTING, NULL, 0, false);
    semi(f, 0x18, NULL, 0, 0x20026);                        /* ApplicationExit */
    assert_true(host_exit_status(f->host, &status));
    assert_int_equal(status, 0);
    host_free(f->host);
    f->host = NULL;
    start(f, HOST_SEMIHOSTING, NULL, 0, false);
    semi(f, 0x18, NULL, 0, 0x20023);                        /* RunTimeErrorUnknown */
    assert_true(host_exit_status(f->host, &status));
    assert_int_equal(status, 1);
    host_free(f->host);
    f->host = NULL;
    start(f, HOST_SEMIHOSTING, NULL, 0, false);
    semi(f, 0x20, (uint32_t[]){0x20023, 42}, 2, 0);
    assert_true(host_exit_status(f->host, &status));
    assert_int_equal(status, 1);
}

/* ---- HTIF ---- */

/* sw t0 (x5) / t1 (x6) at offset off from s0 (x8). */
static uint32_t sw(unsigned rs2, unsigned rs1, int32_t off)
{
    uint32_t u = (uint32_t)off;
    return (u >> 5 & 0x7f) << 25 | rs2 << 20 | rs1 << 15 | 2u << 12 | (u & 0x1f) << 7 | 0x23;
}

static void test_htif_console_and_exit(void **state)
{
    Fixture *f = *state;
    MemoryStats before = memory_stats(f->ms);
    start(f, HOST_HTIF, (Sym[]){{"tohost", TOHOST}, {"fromhost", FROMHOST}}, 2, false);
    assert_int_equal(memory_stats(f->ms).owners, before.owners + 1);
    assert_true(memory_audit(f->ms, NULL));
    /* putchar('!'): low word, then high word (device 1, command 1) */
    cpu_set_reg(f->cpu, 8, TOHOST);
    cpu_set_reg(f->cpu, 5, '!');
    cpu_set_reg(f->cpu, 6, 0x01010000);
    poke32(f, CODE, sw(5, 8, 0));
    poke32(f, CODE + 4, sw(6, 8, 4));
    assert_int_equal(run_at(f, CODE, 2), CPU_STOP_INSN_LIMIT);
    assert_int_equal(peek32(f, TOHOST), 0);             /* served */
    assert_int_equal(peek32(f, FROMHOST), 0x121);       /* 0x100 | '!' */
    assert_int_equal(peek32(f, FROMHOST + 4), 0x01010000);
    /* the low word alone does nothing yet */
    cpu_set_reg(f->cpu, 5, (5 << 1) | 1);
    assert_int_equal(run_at(f, CODE, 1), CPU_STOP_INSN_LIMIT);
    assert_false(host_exit_status(f->host, NULL));
    assert_int_equal(peek32(f, TOHOST), 11);
    /* then the high word: exit 5 */
    cpu_set_reg(f->cpu, 6, 0);
    assert_int_equal(run_at(f, CODE + 4, 10), CPU_STOP_REQUESTED);
    int status;
    assert_true(host_exit_status(f->host, &status));
    assert_int_equal(status, 5);
    host_free(f->host);
    f->host = NULL;
    assert_int_equal(memory_stats(f->ms).owners, before.owners);
    assert_true(memory_audit(f->ms, NULL));
    /* RAM shows again where the overlay was */
    poke32(f, TOHOST, 0x1234);
    assert_int_equal(peek32(f, TOHOST), 0x1234);
}

static void test_htif_proxied_write_and_pass(void **state)
{
    Fixture *f = *state;
    start(f, HOST_HTIF, (Sym[]){{"tohost", TOHOST}, {"fromhost", FROMHOST}}, 2, false);
    /* magic_mem: SYS_write(1, buf, 0) -> 0, fromhost 1 */
    uint64_t magic[8] = {64, 1, DATA + 0x100, 0};
    poke(f, DATA, magic, sizeof magic);
    cpu_set_reg(f->cpu, 8, TOHOST);
    cpu_set_reg(f->cpu, 5, DATA);
    cpu_set_reg(f->cpu, 6, 0);
    poke32(f, CODE, sw(5, 8, 0));
    poke32(f, CODE + 4, sw(6, 8, 4));
    assert_int_equal(run_at(f, CODE, 2), CPU_STOP_INSN_LIMIT);
    assert_int_equal(peek32(f, FROMHOST), 1);
    assert_int_equal(peek32(f, DATA), 0);
    /* an unsupported proxied call answers -ENOSYS */
    magic[0] = 1234;
    poke(f, DATA, magic, sizeof magic);
    assert_int_equal(run_at(f, CODE, 2), CPU_STOP_INSN_LIMIT);
    assert_int_equal(peek32(f, DATA), (uint32_t)-88);
    cpu_set_reg(f->cpu, 5, 1);
    assert_int_equal(run_at(f, CODE, 10), CPU_STOP_REQUESTED);
    int status = -1;
    assert_true(host_exit_status(f->host, &status));
    assert_int_equal(status, 0);
}

static void test_htif_without_symbol_maps_nothing(void **state)
{
    Fixture *f = *state;
    MemoryStats before = memory_stats(f->ms);
    start(f, HOST_HTIF, (Sym[]){{"_end", END}}, 1, false);
    assert_int_equal(memory_stats(f->ms).owners, before.owners);
    assert_int_equal(memory_stats(f->ms).rebuilds, before.rebuilds);
}

static void test_bad_root_and_no_ram_are_errors(void **state)
{
    Fixture *f = *state;
    Error *err = NULL;
    HostConfig config = {.services = HOST_SEMIHOSTING, .file_root = "/nonexistent/dir",
                         .argc = 1, .argv = f->argv, .frequency_hz = 1, .board = &f->desc};
    assert_null(host_new(f->ms, f->cpu, NULL, &config, &err));
    assert_string_equal(error_message(err),
                        "--semihosting-root /nonexistent/dir: No such file or directory");
    error_free(err);
    err = NULL;
    BoardDesc empty = {.name = "empty",
                       .host_loc = {.file = "b.yaml", .line = 3, .col = 9}};
    config = (HostConfig){.services = HOST_NEWLIB, .argc = 1, .argv = f->argv,
                          .frequency_hz = 1, .board = &empty};
    assert_null(host_new(f->ms, f->cpu, NULL, &config, &err));
    assert_string_equal(error_message(err),
                        "b.yaml:3:9: newlib: board 'empty' has no RAM for the stack");
    error_free(err);
}

/* ---- snapshots: host_state_save, host_state_load ---- */

static uint8_t *host_save(Fixture *f, size_t *len)
{
    return host_state_save(f->host, len);
}

static void host_load_ok(Fixture *f, const uint8_t *data, size_t len)
{
    Error *err = NULL;
    if (!host_state_load(f->host, data, len, &err))
        fail_msg("load: %s", error_message(err));
}

/* newlib: a file open for writing, the break and a warning saved; after
 * more writes, another file, a close and a new break, the load gives back
 * the descriptors as they were, each file reopened at its position (its
 * contents are the host's), the others closed. */
static void test_state_reopens_newlib_files_at_their_position(void **state)
{
    Fixture *f = *state;
    start(f, HOST_NEWLIB, (Sym[]){{"_end", END}}, 1, true);
    put_string(f, DATA, "a.txt");
    put_string(f, DATA + 0x20, "b.txt");
    put_string(f, DATA + 0x100, "hello world");
    int32_t fd = sys(f, 1024, DATA, 0x1 | 0x200 | 0x400, 0644); /* O_WRONLY|O_CREAT|O_TRUNC */
    assert_int_equal(fd, 3);
    assert_int_equal(sys(f, 64, 3, DATA + 0x100, 5), 5);
    uint32_t brk = (uint32_t)sys(f, 214, 0, 0, 0);
    assert_int_equal(sys(f, 214, brk + 0x100, 0, 0), brk + 0x100);
    size_t len;
    uint8_t *saved = host_save(f, &len);

    assert_int_equal(sys(f, 64, 3, DATA + 0x105, 6), 6);
    assert_string_equal(file_text(f, "a.txt"), "hello world");
    assert_int_equal(sys(f, 1024, DATA + 0x20, 0x1 | 0x200, 0644), 4);
    assert_int_equal(sys(f, 57, 3, 0, 0), 0);
    assert_int_equal(sys(f, 57, 1, 0, 0), 0); /* stdout closed too */
    assert_int_equal(sys(f, 214, brk + 0x800, 0, 0), brk + 0x800);

    host_load_ok(f, saved, len);
    assert_int_equal(sys(f, 214, 0, 0, 0), brk + 0x100);
    assert_int_equal(sys(f, 64, 4, DATA, 1), -9);       /* b.txt: not open then */
    assert_int_equal(sys(f, 64, 3, DATA + 0x100, 1), 1); /* a.txt at 5 again */
    assert_string_equal(file_text(f, "a.txt"), "hellohworld");
    assert_int_equal(sys(f, 62, 3, 0, 1), 6);           /* SEEK_CUR */
    assert_int_equal(sys(f, 80, 1, DATA + 0x300, 0), 0); /* stdout open again */
    free(saved);
}

/* semihosting: a memory file and a host file part read, errno set. */
static void test_state_reopens_semihosting_handles(void **state)
{
    Fixture *f = *state;
    start(f, HOST_SEMIHOSTING, NULL, 0, true);
    char path[160];
    snprintf(path, sizeof path, "%s/data.txt", f->dir);
    FILE *fp = fopen(path, "w");
    fputs("0123456789", fp);
    fclose(fp);
    put_string(f, DATA, ":semihosting-features");
    put_string(f, DATA + 0x40, "data.txt");
    int32_t feat = semi(f, 0x01, (uint32_t[]){DATA, 0, 21}, 3, 0);
    int32_t h = semi(f, 0x01, (uint32_t[]){DATA + 0x40, 0, 8}, 3, 0);
    assert_int_equal(semi(f, 0x06, (uint32_t[]){(uint32_t)feat, DATA + 0x100, 2}, 3, 0), 0);
    assert_int_equal(semi(f, 0x06, (uint32_t[]){(uint32_t)h, DATA + 0x100, 4}, 3, 0), 0);
    assert_int_equal(semi(f, 0x02, (uint32_t[]){99}, 1, 0), -1); /* errno EBADF */
    size_t len;
    uint8_t *saved = host_save(f, &len);
    assert_int_equal(semi(f, 0x06, (uint32_t[]){(uint32_t)feat, DATA + 0x100, 8}, 3, 0), 5);
    assert_int_equal(semi(f, 0x02, (uint32_t[]){(uint32_t)h}, 1, 0), 0);
    assert_int_equal(semi(f, 0x01, (uint32_t[]){DATA + 0x80, 0, 0}, 3, 0), -1); /* ENOENT */

    host_load_ok(f, saved, len);
    assert_int_equal(semi(f, 0x13, NULL, 0, 0), 9);
    char buf[8] = "";
    assert_int_equal(semi(f, 0x06, (uint32_t[]){(uint32_t)feat, DATA + 0x100, 8}, 3, 0), 5);
    assert_true(memory_debug_read(f->ms, DATA + 0x100, buf, 3, NULL));
    assert_memory_equal(buf, "FB\x03", 3);
    assert_int_equal(semi(f, 0x06, (uint32_t[]){(uint32_t)h, DATA + 0x100, 8}, 3, 0), 2);
    assert_true(memory_debug_read(f->ms, DATA + 0x100, buf, 6, NULL));
    assert_memory_equal(buf, "456789", 6);
    free(saved);
}

/* The HTIF words and a requested exit come back; an exit after the save
 * is undone. */
static void test_state_keeps_htif_words_and_the_exit(void **state)
{
    Fixture *f = *state;
    start(f, HOST_HTIF, (Sym[]){{"tohost", TOHOST}, {"fromhost", FROMHOST}}, 2, false);
    assert_int_equal(memory_write(f->ms, FROMHOST, 4, 0x77), MEM_OK);
    size_t len;
    uint8_t *saved = host_save(f, &len);
    assert_int_equal(memory_write(f->ms, FROMHOST, 4, 0x99), MEM_OK);
    cpu_set_reg(f->cpu, 8, TOHOST);
    cpu_set_reg(f->cpu, 5, (3 << 1) | 1);
    cpu_set_reg(f->cpu, 6, 0);
    poke32(f, CODE, sw(5, 8, 0));
    poke32(f, CODE + 4, sw(6, 8, 4));
    assert_int_equal(run_at(f, CODE, 10), CPU_STOP_REQUESTED);
    assert_true(host_exit_status(f->host, NULL));
    host_load_ok(f, saved, len);
    assert_false(host_exit_status(f->host, NULL));
    assert_int_equal(peek32(f, FROMHOST), 0x77);
    free(saved);
}

/* Every truncation, other services, and a file that cannot be reopened
 * (a folder now stands at its path) are refused, naming it; the files
 * open now stay open where they are. Flipped bytes are refused or taken
 * without a crash. */
static void test_state_refusals_change_nothing(void **state)
{
    Fixture *f = *state;
    start(f, HOST_NEWLIB, (Sym[]){{"_end", END}}, 1, true);
    put_string(f, DATA, "a.txt");
    put_string(f, DATA + 0x100, "abcdef");
    assert_int_equal(sys(f, 1024, DATA, 0x1 | 0x200 | 0x400, 0644), 3);
    assert_int_equal(sys(f, 64, 3, DATA + 0x100, 2), 2);
    size_t len;
    uint8_t *saved = host_save(f, &len);
    assert_int_equal(sys(f, 64, 3, DATA + 0x102, 2), 2);
    for (size_t n = 0; n < len; n++) {
        Error *err = NULL;
        assert_false(host_state_load(f->host, saved, n, &err));
        assert_non_null(strstr(error_message(err), "host"));
        error_free(err);
    }
    for (size_t i = 0; i < len; i += 7) {
        uint8_t *copy = malloc(len);
        memcpy(copy, saved, len);
        copy[i] ^= 0x5a;
        Error *err = NULL;
        if (host_state_load(f->host, copy, len, &err))
            host_load_ok(f, saved, len);
        error_free(err);
        free(copy);
    }
    host_load_ok(f, saved, len);
    assert_int_equal(sys(f, 64, 3, DATA + 0x102, 2), 2); /* at 2 again: "abcd" */
    size_t at_four_len;
    uint8_t *at_four = host_save(f, &at_four_len);

    char path[160];
    snprintf(path, sizeof path, "%s/a.txt", f->dir);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(mkdir(path, 0755), 0);
    Error *err = NULL;
    assert_false(host_state_load(f->host, saved, len, &err));
    assert_string_equal(error_message(err), "host: cannot reopen 'a.txt': Is a directory");
    error_free(err);
    assert_int_equal(sys(f, 62, 3, 0, 1), 4); /* still open, still at 4 */

    host_free(f->host);
    f->host = NULL;
    start(f, HOST_SEMIHOSTING, NULL, 0, true);
    err = NULL;
    assert_false(host_state_load(f->host, at_four, at_four_len, &err));
    assert_string_equal(error_message(err), "host: the snapshot's host services differ "
                                            "from this run's");
    error_free(err);
    free(at_four);
    free(saved);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_newlib_stack_holds_argc_argv),
        T(test_newlib_brk_grows_from_end_and_stops_below_the_stack),
        T(test_newlib_files_under_the_root),
        T(test_newlib_without_root_refuses_files),
        T(test_newlib_time_is_virtual),
        T(test_newlib_exit_and_unknown_calls),
        T(test_services_off_leave_the_cpu_to_trap),
        T(test_semihosting_files_and_features),
        T(test_semihosting_without_root_refuses_files),
        T(test_semihosting_cmdline_time_heap),
        T(test_semihosting_exit_codes),
        T(test_htif_console_and_exit),
        T(test_htif_proxied_write_and_pass),
        T(test_htif_without_symbol_maps_nothing),
        T(test_bad_root_and_no_ram_are_errors),
        T(test_state_reopens_newlib_files_at_their_position),
        T(test_state_reopens_semihosting_handles),
        T(test_state_keeps_htif_words_and_the_exit),
        T(test_state_refusals_change_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
