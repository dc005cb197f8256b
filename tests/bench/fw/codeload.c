/* Benchmark: code loaded into RAM and run, the pattern of flash-to-RAM
 * functions and boot loaders, and self-modifying code for a simulator that
 * caches translated code.
 *
 * A routine written in assembly (codeload_template: x = x * K1 + K2,
 * x ^= x >> S, n times) is the "image". Each of 40,000 rounds copies it
 * into one of two RAM slots (alternating), patches its three constants in
 * the copy (K1 by its lui/addi pair, K2 by an addi, S by the srli's shift
 * amount), executes fence.i and calls it; then it calls the other slot,
 * loaded the round before with other constants, which must still run its
 * own code. Every call runs 100 iterations of the loop. About 10^8
 * instructions; 40,000 code loads.
 *
 * Checks: the firmware compares every call's result with the same
 * computation in C and returns 1 with a message on a mismatch (a simulator
 * that ran stale code would give the previous constants' answer). The
 * printed checksum folds the C results and is compared with the host build
 * of this file (tests/bench/run_bench.py, -DHOST), which loads nothing. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define ROUNDS 40000u
#define LOOPS 100u
#define SLOT_WORDS 16u

struct constants {
    uint32_t k1, k2, shift;
};

static uint32_t seed = 0xa54ff53au;

static uint32_t next_random(void)
{
    seed ^= seed << 13;
    seed ^= seed >> 17;
    seed ^= seed << 5;
    return seed;
}

static struct constants make_constants(void)
{
    struct constants k;
    k.k1 = next_random() | 1u;
    k.k2 = (uint32_t)((int32_t)(next_random() & 0xfffu) - 2048); /* an addi immediate */
    k.shift = 1u + next_random() % 31u;
    return k;
}

static uint32_t reference(uint32_t x, uint32_t n, const struct constants *k)
{
    do {
        x = x * k->k1 + k->k2;
        x ^= x >> k->shift;
    } while (--n);
    return x;
}

#ifndef HOST
/* The image. Uncompressed (norvc) so that every instruction is one word
 * the loader can patch; the word indices are TEMPLATE_* below. */
__asm__(".pushsection .text.codeload_template, \"ax\"\n"
        ".balign 4\n"
        ".globl codeload_template\n"
        "codeload_template:\n"
        ".option push\n"
        ".option norvc\n"
        "    lui   t0, 0\n"       /* 0: K1, upper 20 bits */
        "    addi  t0, t0, 0\n"   /* 1: K1, lower 12 bits */
        "    addi  t1, zero, 0\n" /* 2: K2 */
        "1:  mul   a0, a0, t0\n"
        "    add   a0, a0, t1\n"
        "    srli  t2, a0, 1\n"   /* 5: S */
        "    xor   a0, a0, t2\n"
        "    addi  a1, a1, -1\n"
        "    bnez  a1, 1b\n"
        "    ret\n"
        ".option pop\n"
        ".globl codeload_template_end\n"
        "codeload_template_end:\n"
        ".popsection\n");

extern const uint32_t codeload_template[], codeload_template_end[];

enum { TEMPLATE_K1_HI = 0, TEMPLATE_K1_LO = 1, TEMPLATE_K2 = 2, TEMPLATE_SHIFT = 5 };

#define OPCODE(insn) ((insn) & 0x7fu)
#define FUNCT3(insn) ((insn) >> 12 & 7u)
#define OP_LUI 0x37u
#define OP_IMM 0x13u

typedef uint32_t (*loaded_fn)(uint32_t x, uint32_t n);

static uint32_t slots[2][SLOT_WORDS] __attribute__((aligned(64)));

static uint32_t with_u_imm(uint32_t insn, uint32_t imm20)
{
    return (insn & 0xfffu) | imm20 << 12;
}

static uint32_t with_i_imm(uint32_t insn, uint32_t imm12)
{
    return (insn & 0xfffffu) | (imm12 & 0xfffu) << 20;
}

static uint32_t with_shamt(uint32_t insn, uint32_t shamt)
{
    return (insn & ~(0x1fu << 20)) | shamt << 20;
}

/* Whether the template is what the patching expects (and fits a slot). */
static int template_ok(void)
{
    const uint32_t *t = codeload_template;
    return codeload_template_end - t <= (long)SLOT_WORDS && OPCODE(t[TEMPLATE_K1_HI]) == OP_LUI &&
           OPCODE(t[TEMPLATE_K1_LO]) == OP_IMM && FUNCT3(t[TEMPLATE_K1_LO]) == 0 &&
           OPCODE(t[TEMPLATE_K2]) == OP_IMM && FUNCT3(t[TEMPLATE_K2]) == 0 &&
           OPCODE(t[TEMPLATE_SHIFT]) == OP_IMM && FUNCT3(t[TEMPLATE_SHIFT]) == 5;
}

/* Copies the image into `slot`, patches in `k` and makes it executable. */
static void load(uint32_t slot, const struct constants *k)
{
    uint32_t *dst = slots[slot];
    uint32_t words = (uint32_t)(codeload_template_end - codeload_template);
    for (uint32_t i = 0; i < words; i++)
        dst[i] = codeload_template[i];
    dst[TEMPLATE_K1_HI] = with_u_imm(dst[TEMPLATE_K1_HI], (k->k1 + 0x800u) >> 12);
    dst[TEMPLATE_K1_LO] = with_i_imm(dst[TEMPLATE_K1_LO], k->k1);
    dst[TEMPLATE_K2] = with_i_imm(dst[TEMPLATE_K2], k->k2);
    dst[TEMPLATE_SHIFT] = with_shamt(dst[TEMPLATE_SHIFT], k->shift);
    __asm__ volatile("fence.i" ::: "memory");
}

static uint32_t call(uint32_t slot, uint32_t x, const struct constants *k)
{
    (void)k;
    loaded_fn fn = (loaded_fn)(uintptr_t)slots[slot];
    return fn(x, LOOPS);
}
#else
static int template_ok(void) { return 1; }
static void load(uint32_t slot, const struct constants *k) { (void)slot; (void)k; }
static uint32_t call(uint32_t slot, uint32_t x, const struct constants *k)
{
    (void)slot;
    return reference(x, LOOPS, k);
}
#endif

int main(void)
{
    if (!template_ok()) {
        printf("codeload: the template is not the code the loader patches\n");
        return 1;
    }
    struct constants loaded[2];
    memset(loaded, 0, sizeof loaded);
    uint32_t checksum = 0;
    for (uint32_t round = 0; round < ROUNDS; round++) {
        uint32_t slot = round & 1u;
        loaded[slot] = make_constants();
        load(slot, &loaded[slot]);
        uint32_t x = next_random();
        for (uint32_t which = 0; which < 2 && which <= round; which++) {
            uint32_t s = slot ^ which;
            uint32_t got = call(s, x, &loaded[s]);
            uint32_t want = reference(x, LOOPS, &loaded[s]);
            if (got != want) {
                printf("codeload: round %lu, slot %lu returned 0x%08lx, expected 0x%08lx\n",
                       (unsigned long)round, (unsigned long)s, (unsigned long)got,
                       (unsigned long)want);
                return 1;
            }
            checksum = (checksum << 7 | checksum >> 25) ^ want;
        }
    }
    printf("codeload: checksum 0x%08lx\n", (unsigned long)checksum);
    return 0;
}
