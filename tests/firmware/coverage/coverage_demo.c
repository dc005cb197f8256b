/* coverage_demo: a firmware whose coverage is known line by line, for
 * tests/coverage/run_coverage.py (`mcusim --coverage`, docs/COVERAGE.md).
 * Built -O0 -g (tools/gen_build.py), so each statement keeps its own
 * instructions and every line maps cleanly.
 *
 * The comments at the ends of lines are what the test expects of the
 * lcov report, markers separated by ';'. Every line with code has one:
 *   hit N       the line ran exactly N times (DA:LINE,N)
 *   hit         it ran at least once
 *   miss        it has code that never ran (DA:LINE,0)
 *   branch T,N  the line's conditional branch jumped T times and fell
 *               through N times ("-,-": it never ran); one T,N pair per
 *               branch instruction on the line, in address order
 *   fn N        the function declared here was entered N times (FNDA);
 *               gcc -O0 puts its prologue on the line of its '{'
 * A line's count is that of its most executed instruction: a for line
 * counts its condition, which runs once more than the body. gcc -O0 tests
 * an if's condition with a branch around the then-part, so that branch
 * jumps when the condition is false. The 4-byte unimp (0xc0001073, a
 * write to the read-only cycle CSR) raises an illegal-instruction
 * exception. (An instruction, not a .4byte: the assembler gives data no
 * row of the line table.) */
#include <stdint.h>
#include <stdio.h>

static volatile int sink;

int classify(int value) /* fn 4 */
{ /* hit 4 */
    if (value > 5) /* hit 4; branch 3,1 */
        return 1; /* hit 1 */
    return 0; /* hit 3 */
} /* hit 4 */

/* Linked in (a volatile pointer names it) but never called. */
void never_called(int times) /* fn 0 */
{ /* miss */
    for (int i = 0; i < times; i++) /* miss; branch -,- */
        sink += i; /* miss */
} /* miss */

void (*volatile never_pointer)(int) = never_called;

/* Counts down to zero: a compare with zero, c.bnez when compressed. */
int countdown(int n) /* fn 1 */
{ /* hit 1 */
    int steps = 0; /* hit 1 */
    while (n != 0) { /* hit 8; branch 7,1 */
        n--; /* hit 7 */
        steps++; /* hit 7 */
    }
    return steps; /* hit 1 */
} /* hit 1 */

/* Steps over the instruction that trapped (a 4-byte one), and returns. */
__attribute__((interrupt("machine"), aligned(4))) static void step_over(void) /* fn 1 */
{ /* hit 1 */
    uintptr_t epc;
    __asm__ volatile("csrr %0, mepc" : "=r"(epc)); /* hit 1 */
    __asm__ volatile("csrw mepc, %0" : : "r"(epc + 4)); /* hit 1 */
} /* hit 1 */

/* An instruction that traps never retires, but it was reached: its line
 * counts. */
void trap_once(void) /* fn 1 */
{ /* hit 1 */
    uintptr_t vector = (uintptr_t)step_over, old; /* hit 1 */
    __asm__ volatile("csrrw %0, mtvec, %1" : "=r"(old) : "r"(vector)); /* hit 1 */
    __asm__ volatile(".option push\n.option norvc\nunimp\n.option pop"); /* hit 1 */
    __asm__ volatile("csrw mtvec, %0" : : "r"(old)); /* hit 1 */
} /* hit 1 */

int main(void) /* fn 1 */
{ /* hit 1 */
    int sum = 0; /* hit 1 */
    for (int i = 0; i < 10; i++) /* hit 11; branch 10,1 */
        sum += i; /* hit 10 */
    int big = 0; /* hit 1 */
    static const int values[4] = {1, 7, 3, 5};
    for (int i = 0; i < 4; i++) /* hit 5; branch 4,1 */
        big += classify(values[i]); /* hit 4 */
    if (sink == 12345) /* hit 1; branch 1,0 */
        never_pointer(3); /* miss */
    int steps = countdown(7); /* hit 1 */
    trap_once(); /* hit 1 */
    printf("sum %d big %d steps %d\n", sum, big, steps); /* hit 1 */
    return 0; /* hit 1 */
} /* hit 1 */
