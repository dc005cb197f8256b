/* The target description gdb reads with qXfer:features:read:target.xml:
 * org.gnu.gdb.riscv.cpu (x0..x31 as regnum 0..31, pc 32: exactly what `g`
 * carries) and org.gnu.gdb.riscv.csr listing the CSRs this hart has, each
 * with regnum 65 + its number (gdb's numbering, so mstatus is `p341`).
 */
#include "gdbstub/gdbstub_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const abi_names[32] = {
    "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2",
    "fp",   "s1", "a0", "a1", "a2", "a3", "a4", "a5",
    "a6",   "a7", "s2", "s3", "s4", "s5", "s6", "s7",
    "s8",   "s9", "s10", "s11", "t3", "t4", "t5", "t6",
};

static const struct {
    unsigned csr;
    const char *name;
} csr_names[] = {
    {0x001, "fflags"}, {0x002, "frm"}, {0x003, "fcsr"},
    {0x100, "sstatus"}, {0x104, "sie"}, {0x105, "stvec"},
    {0x106, "scounteren"}, {0x10a, "senvcfg"}, {0x140, "sscratch"},
    {0x141, "sepc"}, {0x142, "scause"}, {0x143, "stval"}, {0x144, "sip"},
    {0x180, "satp"},
    {0x300, "mstatus"}, {0x301, "misa"}, {0x302, "medeleg"},
    {0x303, "mideleg"}, {0x304, "mie"}, {0x305, "mtvec"},
    {0x306, "mcounteren"}, {0x30a, "menvcfg"}, {0x310, "mstatush"},
    {0x31a, "menvcfgh"}, {0x320, "mcountinhibit"}, {0x340, "mscratch"},
    {0x341, "mepc"}, {0x342, "mcause"}, {0x343, "mtval"}, {0x344, "mip"},
    {0x34a, "mtinst"}, {0x34b, "mtval2"}, {0x747, "mseccfg"},
    {0x757, "mseccfgh"}, {0x7a0, "tselect"}, {0x7a1, "tdata1"},
    {0x7a2, "tdata2"}, {0x7a3, "tdata3"}, {0x7b0, "dcsr"}, {0x7b1, "dpc"},
    {0x7b2, "dscratch0"}, {0x7b3, "dscratch1"}, {0xb00, "mcycle"},
    {0xb02, "minstret"}, {0xb80, "mcycleh"}, {0xb82, "minstreth"},
    {0xc00, "cycle"}, {0xc01, "time"}, {0xc02, "instret"},
    {0xc80, "cycleh"}, {0xc81, "timeh"}, {0xc82, "instreth"},
    {0xf11, "mvendorid"}, {0xf12, "marchid"}, {0xf13, "mimpid"},
    {0xf14, "mhartid"}, {0xf15, "mconfigptr"},
};

const char *gdb_csr_name(unsigned csr, char buf[16])
{
    for (size_t i = 0; i < sizeof csr_names / sizeof csr_names[0]; i++)
        if (csr_names[i].csr == csr)
            return csr_names[i].name;
    /* Numbered families. */
    static const struct {
        unsigned base, first, count;
        const char *fmt;
    } families[] = {
        {0x3a0, 0, 16, "pmpcfg%u"},      {0x3b0, 0, 64, "pmpaddr%u"},
        {0x323, 3, 29, "mhpmevent%u"},   {0xb03, 3, 29, "mhpmcounter%u"},
        {0xb83, 3, 29, "mhpmcounter%uh"}, {0xc03, 3, 29, "hpmcounter%u"},
        {0xc83, 3, 29, "hpmcounter%uh"},
    };
    for (size_t i = 0; i < sizeof families / sizeof families[0]; i++) {
        if (csr >= families[i].base && csr < families[i].base + families[i].count) {
            snprintf(buf, 16, families[i].fmt,
                     csr - families[i].base + families[i].first);
            return buf;
        }
    }
    return NULL;
}

char *gdb_target_xml(const Cpu *cpu, size_t *len)
{
    GdbBuf b = {0};
    gdb_buf_puts(&b,
                 "<?xml version=\"1.0\"?>\n"
                 "<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
                 "<target version=\"1.0\">\n"
                 "<architecture>riscv:rv32</architecture>\n"
                 "<feature name=\"org.gnu.gdb.riscv.cpu\">\n");
    for (unsigned i = 0; i < 32; i++) {
        const char *type = i == 1 ? "code_ptr" : i == 2 || i == 8 ? "data_ptr" : "int";
        gdb_buf_printf(&b, "  <reg name=\"%s\" bitsize=\"32\" regnum=\"%u\" type=\"%s\"/>\n",
                       abi_names[i], i, type);
    }
    gdb_buf_puts(&b, "  <reg name=\"pc\" bitsize=\"32\" regnum=\"32\" type=\"code_ptr\"/>\n"
                     "</feature>\n"
                     "<feature name=\"org.gnu.gdb.riscv.csr\">\n");
    for (unsigned csr = 0; csr < 4096; csr++) {
        uint32_t value;
        if (!cpu_get_csr(cpu, csr, &value))
            continue;
        char buf[16], fallback[16];
        const char *name = gdb_csr_name(csr, buf);
        if (!name) {
            snprintf(fallback, sizeof fallback, "csr%03x", csr);
            name = fallback;
        }
        gdb_buf_printf(&b, "  <reg name=\"%s\" bitsize=\"32\" regnum=\"%u\" "
                           "type=\"int\" group=\"csr\"/>\n",
                       name, 65 + csr);
    }
    gdb_buf_puts(&b, "</feature>\n</target>\n");
    *len = b.len;
    return b.data;
}
