/* brk/malloc: a few MiB of heap, written and checked; a request too big
 * for RAM fails cleanly; virtual time advances and the clocks agree. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

static long syscall2(long n, long a0, long a1)
{
    register long r0 asm("a0") = a0;
    register long r1 asm("a1") = a1;
    register long nr asm("a7") = n;
    asm volatile("ecall" : "+r"(r0) : "r"(r1), "r"(nr) : "memory");
    return r0;
}

extern char _end[];

int main(void)
{
    enum { CHUNK = 1 << 20, CHUNKS = 3, BIG = 4 << 20 };
    unsigned char *blocks[CHUNKS];
    char *start = sbrk(0);
    printf("heap starts at _end: %s\n", start >= _end && start - _end < 64 ? "yes" : "no");
    for (int i = 0; i < CHUNKS; i++) {
        blocks[i] = malloc(CHUNK);
        if (!blocks[i]) {
            printf("malloc %d failed\n", i);
            return 1;
        }
        memset(blocks[i], 0x40 + i, CHUNK);
    }
    uint32_t *big = malloc(BIG);
    if (!big) {
        printf("big malloc failed\n");
        return 1;
    }
    for (uint32_t i = 0; i < BIG / 4; i++)
        big[i] = i * 2654435761u;
    int bad = 0;
    for (int i = 0; i < CHUNKS; i++)
        for (int j = 0; j < CHUNK; j += 4093)
            bad += blocks[i][j] != 0x40 + i;
    for (uint32_t i = 0; i < BIG / 4; i++)
        bad += big[i] != i * 2654435761u;
    printf("7 MiB allocated, %d bad\n", bad);
    printf("heap grew by at least 7 MiB: %s\n",
           (char *)sbrk(0) - start >= 7 << 20 ? "yes" : "no");
    for (int i = 0; i < CHUNKS; i++)
        free(blocks[i]);
    free(big);
    errno = 0;
    void *huge = malloc(200u << 20);
    printf("200 MiB: %s, errno ENOMEM: %s\n", huge ? "allocated" : "refused",
           errno == ENOMEM ? "yes" : "no");

    struct timeval t1, t2;
    gettimeofday(&t1, NULL);
    for (volatile int i = 0; i < 100000; i++) {
    }
    gettimeofday(&t2, NULL);
    long long us = (t2.tv_sec - t1.tv_sec) * 1000000LL + (t2.tv_usec - t1.tv_usec);
    printf("time advances: %s\n", us > 10000 && us < 1000000 ? "yes" : "no");
    struct { int64_t sec; int64_t nsec; } ts64;
    struct { int32_t sec; int32_t nsec; } ts32;
    long r64 = syscall2(403, 1 /* CLOCK_MONOTONIC */, (long)&ts64);
    long r32 = syscall2(113, 0 /* CLOCK_REALTIME */, (long)&ts32);
    gettimeofday(&t1, NULL);
    long long a = ts64.sec * 1000000LL + ts64.nsec / 1000, b = ts32.sec * 1000000LL + ts32.nsec / 1000,
              c = t1.tv_sec * 1000000LL + t1.tv_usec;
    printf("clock_gettime64 %ld, clock_gettime %ld, in order: %s\n", r64, r32,
           a <= b && b <= c && c - a < 1000 && ts64.nsec < 1000000000 ? "yes" : "no");
    printf("bad clock: %ld\n", syscall2(403, 99, (long)&ts64));
    struct stat st;
    printf("stdout is a tty: %d, fstat(7): %d errno %d\n", isatty(1), fstat(7, &st), errno);
    return 0;
}
