/* The disassembler against GNU objdump 2.40 (`riscv64-unknown-elf-objdump
 * -d -M no-aliases`): the vectors below are its output for an object file
 * assembled at address 0 with every RV32IMAC + Zicsr + Zifencei
 * instruction (tab turned into a space, the `<.text+0x..>` annotations
 * dropped since no symbol lookup is given). c.nop is the one deliberate
 * difference: objdump prints `c.addi zero,0`. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sim/cpu/cpu_decode.h"
#include "sim/cpu/disasm.h"

static const struct {
    uint32_t pc, bits;
    const char *text;
} vectors[] = {
    {0x0, 0x80000537, "lui a0,0x80000"},
    {0x4, 0xffffffb7, "lui t6,0xfffff"},
    {0x8, 0x00003197, "auipc gp,0x3"},
    {0xc, 0x010000ef, "jal ra,1c"},
    {0x10, 0xffdff06f, "jal zero,c"},
    {0x14, 0x000780e7, "jalr ra,0(a5)"},
    {0x18, 0x00c08067, "jalr zero,12(ra)"},
    {0x1c, 0xffc302e7, "jalr t0,-4(t1)"},
    {0x20, 0x00b50463, "beq a0,a1,28"},
    {0x24, 0xfe0418e3, "bne s0,zero,14"},
    {0x28, 0x7e62cfe3, "blt t0,t1,1026"},
    {0x2c, 0x80b55063, "bge a0,a1,fffff02c"},
    {0x30, 0x00d66163, "bltu a2,a3,32"},
    {0x34, 0x0062f663, "bgeu t0,t1,40"},
    {0x38, 0xfff10503, "lb a0,-1(sp)"},
    {0x3c, 0x00251583, "lh a1,2(a0)"},
    {0x40, 0x00c12083, "lw ra,12(sp)"},
    {0x44, 0x00034283, "lbu t0,0(t1)"},
    {0x48, 0x80095483, "lhu s1,-2048(s2)"},
    {0x4c, 0xfea10fa3, "sb a0,-1(sp)"},
    {0x50, 0x7e051f23, "sh zero,2046(a0)"},
    {0x54, 0x01bfa023, "sw s11,0(t6)"},
    {0x58, 0xff010113, "addi sp,sp,-16"},
    {0x5c, 0x00000513, "addi a0,zero,0"},
    {0x60, 0xffb5a513, "slti a0,a1,-5"},
    {0x64, 0x0015b513, "sltiu a0,a1,1"},
    {0x68, 0xfff54513, "xori a0,a0,-1"},
    {0x6c, 0x0ff2e293, "ori t0,t0,255"},
    {0x70, 0x00f57513, "andi a0,a0,15"},
    {0x74, 0x00251513, "slli a0,a0,0x2"},
    {0x78, 0x01f5d593, "srli a1,a1,0x1f"},
    {0x7c, 0x41035293, "srai t0,t1,0x10"},
    {0x80, 0x00b50533, "add a0,a0,a1"},
    {0x84, 0x40510133, "sub sp,sp,t0"},
    {0x88, 0x00c59533, "sll a0,a1,a2"},
    {0x8c, 0x00c5a533, "slt a0,a1,a2"},
    {0x90, 0x00b03533, "sltu a0,zero,a1"},
    {0x94, 0x00c5c533, "xor a0,a1,a2"},
    {0x98, 0x00c5d533, "srl a0,a1,a2"},
    {0x9c, 0x40c5d533, "sra a0,a1,a2"},
    {0xa0, 0x00c5e533, "or a0,a1,a2"},
    {0xa4, 0x00c5f533, "and a0,a1,a2"},
    {0xa8, 0x0ff0000f, "fence iorw,iorw"},
    {0xac, 0x0210000f, "fence r,w"},
    {0xb0, 0x8330000f, "fence.tso"},
    {0xb4, 0x0000100f, "fence.i"},
    {0xb8, 0x00000073, "ecall"},
    {0xbc, 0x00100073, "ebreak"},
    {0xc0, 0x30200073, "mret"},
    {0xc4, 0x10500073, "wfi"},
    {0xc8, 0x30529073, "csrrw zero,mtvec,t0"},
    {0xcc, 0x34202573, "csrrs a0,mcause,zero"},
    {0xd0, 0x3005b573, "csrrc a0,mstatus,a1"},
    {0xd4, 0x30445073, "csrrwi zero,mie,8"},
    {0xd8, 0x30046573, "csrrsi a0,mstatus,8"},
    {0xdc, 0x300ff073, "csrrci zero,mstatus,31"},
    {0xe0, 0xc0002573, "csrrs a0,cycle,zero"},
    {0xe4, 0x7c002573, "csrrs a0,0x7c0,zero"},
    {0xe8, 0x3b302573, "csrrs a0,pmpaddr3,zero"},
    {0xec, 0x3a002573, "csrrs a0,pmpcfg0,zero"},
    {0xf0, 0xf1402573, "csrrs a0,mhartid,zero"},
    {0xf4, 0xb8002573, "csrrs a0,mcycleh,zero"},
    {0xf8, 0xc8102573, "csrrs a0,timeh,zero"},
    {0xfc, 0x02c58533, "mul a0,a1,a2"},
    {0x100, 0x02c59533, "mulh a0,a1,a2"},
    {0x104, 0x02c5a533, "mulhsu a0,a1,a2"},
    {0x108, 0x02c5b533, "mulhu a0,a1,a2"},
    {0x10c, 0x02c5c533, "div a0,a1,a2"},
    {0x110, 0x02c5d533, "divu a0,a1,a2"},
    {0x114, 0x02c5e533, "rem a0,a1,a2"},
    {0x118, 0x02c5f533, "remu a0,a1,a2"},
    {0x11c, 0x1005a52f, "lr.w a0,(a1)"},
    {0x120, 0x1405a52f, "lr.w.aq a0,(a1)"},
    {0x124, 0x18c5a52f, "sc.w a0,a2,(a1)"},
    {0x128, 0x1ac5a52f, "sc.w.rl a0,a2,(a1)"},
    {0x12c, 0x08b6252f, "amoswap.w a0,a1,(a2)"},
    {0x130, 0x06b6252f, "amoadd.w.aqrl a0,a1,(a2)"},
    {0x134, 0x20b6252f, "amoxor.w a0,a1,(a2)"},
    {0x138, 0x60b6252f, "amoand.w a0,a1,(a2)"},
    {0x13c, 0x40b6252f, "amoor.w a0,a1,(a2)"},
    {0x140, 0x80b6252f, "amomin.w a0,a1,(a2)"},
    {0x144, 0xa0b6252f, "amomax.w a0,a1,(a2)"},
    {0x148, 0xc0b6252f, "amominu.w a0,a1,(a2)"},
    {0x14c, 0xe0b6252f, "amomaxu.w a0,a1,(a2)"},
    {0x150, 0x0800, "c.addi4spn s0,sp,16"},
    {0x152, 0x1ffc, "c.addi4spn a5,sp,1020"},
    {0x154, 0x411c, "c.lw a5,0(a0)"},
    {0x156, 0x5fe4, "c.lw s1,124(a5)"},
    {0x158, 0xc15c, "c.sw a5,4(a0)"},
    {0x15a, 0x0001, "c.nop"},
    {0x15c, 0x1141, "c.addi sp,-16"},
    {0x15e, 0x02fd, "c.addi t0,31"},
    {0x160, 0x2819, "c.jal 176"},
    {0x162, 0x3f71, "c.jal fe"},
    {0x164, 0x4501, "c.li a0,0"},
    {0x166, 0x5581, "c.li a1,-32"},
    {0x168, 0x713d, "c.addi16sp sp,-32"},
    {0x16a, 0x617d, "c.addi16sp sp,496"},
    {0x16c, 0x67c1, "c.lui a5,0x10"},
    {0x16e, 0x7701, "c.lui a4,0xfffe0"},
    {0x170, 0x6685, "c.lui a3,0x1"},
    {0x172, 0x8385, "c.srli a5,0x1"},
    {0x174, 0x847d, "c.srai s0,0x1f"},
    {0x176, 0x9be1, "c.andi a5,-8"},
    {0x178, 0x8d0d, "c.sub a0,a1"},
    {0x17a, 0x8c25, "c.xor s0,s1"},
    {0x17c, 0x8e55, "c.or a2,a3"},
    {0x17e, 0x8f7d, "c.and a4,a5"},
    {0x180, 0xaffd, "c.j 97e"},
    {0x182, 0xb001, "c.j fffff982"},
    {0x184, 0xc919, "c.beqz a0,19a"},
    {0x186, 0xf381, "c.bnez a5,86"},
    {0x188, 0x078a, "c.slli a5,0x2"},
    {0x18a, 0x40b2, "c.lwsp ra,12(sp)"},
    {0x18c, 0x547e, "c.lwsp s0,252(sp)"},
    {0x18e, 0x8082, "c.jr ra"},
    {0x190, 0x852e, "c.mv a0,a1"},
    {0x192, 0x9002, "c.ebreak"},
    {0x194, 0x9782, "c.jalr a5"},
    {0x196, 0x952e, "c.add a0,a1"},
    {0x198, 0xc606, "c.swsp ra,12(sp)"},
    {0x19a, 0xdfa2, "c.swsp s0,252(sp)"},
};

static void test_objdump_vectors(void **state)
{
    char buf[96];
    for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
        unsigned len = disasm(buf, sizeof buf, vectors[i].bits, vectors[i].pc,
                              NULL, NULL);
        if (strcmp(buf, vectors[i].text) != 0)
            fail_msg("0x%08x at 0x%x: got '%s', objdump says '%s'",
                     vectors[i].bits, vectors[i].pc, buf, vectors[i].text);
        assert_int_equal(len, cpu_insn_is_compressed(vectors[i].bits) ? 2 : 4);
    }
}

/* Every row of the decode table appears in the vectors above (c.nop as
 * itself), so a new row without a disassembly test is noticed. */
static void test_every_row_is_covered(void **state)
{
    char buf[96];
    for (unsigned id = 0; id < CPU_INSN_COUNT; id++) {
        const char *name = cpu_insn_name(id);
        bool seen = false;
        for (size_t i = 0; i < sizeof vectors / sizeof vectors[0] && !seen; i++) {
            disasm(buf, sizeof buf, vectors[i].bits, vectors[i].pc, NULL, NULL);
            size_t n = strlen(name);
            seen = strncmp(buf, name, n) == 0 &&
                   (buf[n] == ' ' || buf[n] == '\0' || buf[n] == '.');
        }
        if (!seen)
            fail_msg("no vector for '%s'", name);
    }
}

static const char *fake_symbols(void *opaque, uint32_t addr, uint32_t *offset)
{
    (void)opaque;
    if (addr >= 0x80000052 && addr < 0x80000100) {
        *offset = addr - 0x80000052;
        return "main";
    }
    return NULL;
}

static void test_targets_name_their_symbol(void **state)
{
    char buf[96];
    /* jal ra,+0x22 from 0x80000030; c.jal +0x1a from 0x80000038 */
    disasm(buf, sizeof buf, 0x022000ef, 0x80000030, fake_symbols, NULL);
    assert_string_equal(buf, "jal ra,80000052 <main>");
    disasm(buf, sizeof buf, 0x2829, 0x80000038, fake_symbols, NULL);
    assert_string_equal(buf, "c.jal 80000052 <main>");
    /* bgeu t0,t1,+12 from 0x80000058 */
    disasm(buf, sizeof buf, 0x0062f663, 0x80000058, fake_symbols, NULL);
    assert_string_equal(buf, "bgeu t0,t1,80000064 <main+0x12>");
    /* no symbol there */
    disasm(buf, sizeof buf, 0x0062f663, 0x10, fake_symbols, NULL);
    assert_string_equal(buf, "bgeu t0,t1,1c");
}

static void test_illegal_and_odd_words(void **state)
{
    char buf[96];
    assert_int_equal(disasm(buf, sizeof buf, 0x0000, 0, NULL, NULL), 2);
    assert_string_equal(buf, "c.unimp");
    /* reserved encodings inside a row: c.addi4spn with a zero immediate,
     * c.lwsp into x0 */
    disasm(buf, sizeof buf, 0x0010, 0, NULL, NULL);
    assert_string_equal(buf, ".2byte 0x10");
    disasm(buf, sizeof buf, 0x4002, 0, NULL, NULL);
    assert_string_equal(buf, ".2byte 0x4002");
    /* the high half of a compressed word is ignored */
    assert_int_equal(disasm(buf, sizeof buf, 0xdead4501, 0, NULL, NULL), 2);
    assert_string_equal(buf, "c.li a0,0");
    assert_int_equal(disasm(buf, sizeof buf, 0xffffffff, 0, NULL, NULL), 4);
    assert_string_equal(buf, ".4byte 0xffffffff");
    /* an F-extension load: not ours */
    disasm(buf, sizeof buf, 0x00052007, 0, NULL, NULL);
    assert_string_equal(buf, ".4byte 0x52007");
    /* c.nop with a nonzero immediate is a hint */
    disasm(buf, sizeof buf, 0x0005, 0, NULL, NULL);
    assert_string_equal(buf, "c.nop 1");
    /* fence with empty sets */
    disasm(buf, sizeof buf, 0x0000000f, 0, NULL, NULL);
    assert_string_equal(buf, "fence 0,0");
}

static void test_truncation_is_safe(void **state)
{
    char buf[8];
    disasm(buf, sizeof buf, 0x06b6252f, 0, NULL, NULL); /* amoadd.w.aqrl ... */
    assert_string_equal(buf, "amoadd.");
    char one[1] = {'x'};
    disasm(one, sizeof one, 0x06b6252f, 0, NULL, NULL);
    assert_int_equal(one[0], '\0');
    assert_int_equal(disasm(NULL, 0, 0x4501, 0, NULL, NULL), 2);
}

static void test_names(void **state)
{
    char buf[24];
    assert_string_equal(disasm_reg_name(0), "zero");
    assert_string_equal(disasm_reg_name(8), "s0");
    assert_string_equal(disasm_reg_name(31), "t6");
    assert_string_equal(disasm_reg_name(32), "?");
    assert_true(disasm_csr_name(0x300, buf, sizeof buf));
    assert_string_equal(buf, "mstatus");
    assert_true(disasm_csr_name(0x3ef, buf, sizeof buf));
    assert_string_equal(buf, "pmpaddr63");
    assert_true(disasm_csr_name(0xb9f, buf, sizeof buf));
    assert_string_equal(buf, "mhpmcounter31h");
    assert_false(disasm_csr_name(0x7c0, buf, sizeof buf));
    assert_string_equal(buf, "0x7c0");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_objdump_vectors),
        cmocka_unit_test(test_every_row_is_covered),
        cmocka_unit_test(test_targets_name_their_symbol),
        cmocka_unit_test(test_illegal_and_odd_words),
        cmocka_unit_test(test_truncation_is_safe),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
