/* The target description gdb reads with qXfer:features:read:target.xml:
 * org.gnu.gdb.riscv.cpu (x0..x31 as regnum 0..31, pc 32: exactly what `g`
 * carries) and org.gnu.gdb.riscv.csr listing the CSRs this hart has, each
 * with regnum 65 + its number (gdb's numbering, so mstatus is `p341`).
 */
#include "gdbstub/gdbstub_internal.h"
#include "sim/cpu/disasm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
                       disasm_reg_name(i), i, type);
    }
    gdb_buf_puts(&b, "  <reg name=\"pc\" bitsize=\"32\" regnum=\"32\" type=\"code_ptr\"/>\n"
                     "</feature>\n"
                     "<feature name=\"org.gnu.gdb.riscv.csr\">\n");
    for (unsigned csr = 0; csr < 4096; csr++) {
        uint32_t value;
        if (!cpu_get_csr(cpu, csr, &value))
            continue;
        char name[24];
        if (!disasm_csr_name(csr, name, sizeof name))
            snprintf(name, sizeof name, "csr%03x", csr);
        gdb_buf_printf(&b, "  <reg name=\"%s\" bitsize=\"32\" regnum=\"%u\" "
                           "type=\"int\" group=\"csr\"/>\n",
                       name, 65 + csr);
    }
    gdb_buf_puts(&b, "</feature>\n</target>\n");
    *len = b.len;
    return b.data;
}
