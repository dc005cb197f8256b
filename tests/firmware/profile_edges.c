/* The profiler's hard cases (tests/profile/run_profile.py): a longjmp out
 * of two frames, a recursion deeper than the profiler keeps
 * (PROFILE_MAX_DEPTH, 1024 frames, in sim/profile.c), and code outside
 * every symbol (an instruction array in .data, called through a
 * pointer). After each, a call shows where the profiler thinks it is. */
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>

#define DEPTH 1100

static jmp_buf env;
volatile uint32_t sink;

__attribute__((noinline)) void after_longjmp(void) { sink++; }
__attribute__((noinline)) void after_recursion(void) { sink++; }
__attribute__((noinline)) void after_unnamed(void) { sink++; }

__attribute__((noinline)) void thrower(void)
{
    sink++;
    longjmp(env, 1);
}

__attribute__((noinline)) void middle(void)
{
    thrower();
    sink++; /* never reached */
}

/* The volatile store after the call keeps it a real call (no loop). */
__attribute__((noinline)) uint32_t deep(uint32_t n)
{
    if (n == 0)
        return 0;
    uint32_t depth = deep(n - 1) + 1;
    sink = depth;
    return depth;
}

/* addi a0, a0, 1; ret: code the ELF names only as data */
static uint32_t unnamed_code[] = {0x00150513u, 0x00008067u};

int main(void)
{
    if (setjmp(env) == 0)
        middle();
    after_longjmp();
    sink = deep(DEPTH);
    after_recursion();
    __asm__ volatile("fence.i" ::: "memory");
    uint32_t (*fn)(uint32_t) = (uint32_t (*)(uint32_t))(uintptr_t)unnamed_code;
    sink = fn(41);
    after_unnamed();
    printf("%lu\n", (unsigned long)sink);
    return 0;
}
