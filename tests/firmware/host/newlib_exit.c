/* exit() from a nested call, with output still buffered (no newline):
 * the exit status is exit's argument and stdio is flushed. */
#include <stdio.h>
#include <stdlib.h>

static void __attribute__((noinline)) inner(int code)
{
    printf("leaving with %d", code);
    exit(code);
}

static void (*volatile call)(int) = inner;

int main(void)
{
    call(42);
    return 0;
}
