/* Code loaded by a host service: a function in RAM runs often enough to
 * sit in the simulator's decoded-block cache, then newlib's read() (the
 * simulator writing guest memory for the firmware) replaces its
 * instructions, with no fence.i in between, as a DMA engine would. The
 * next call must run the new instructions. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#define LI_A0(v) (0x00000513u | (uint32_t)(v) << 20) /* addi a0, zero, v */
#define RET 0x00008067u                              /* jalr zero, ra, 0 */

/* A 256-byte chunk of its own: no store to nearby data touches it. */
static uint32_t function[64] __attribute__((aligned(256))) = {LI_A0(1), RET};

static int call(void)
{
    int (*fn)(void) = (int (*)(void))(uintptr_t)function;
    int sum = 0;
    for (int i = 0; i < 100; i++)
        sum += fn();
    return sum;
}

int main(void)
{
    printf("before: %d\n", call());
    static const uint32_t replacement[2] = {LI_A0(2), RET};
    int fd = open("code.bin", O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || write(fd, replacement, sizeof replacement) != sizeof replacement ||
        lseek(fd, 0, SEEK_SET) != 0 || read(fd, function, sizeof replacement) != sizeof replacement) {
        printf("file i/o failed\n");
        return 1;
    }
    close(fd);
    unlink("code.bin");
    printf("after read(): %d\n", call());
    return 0;
}
