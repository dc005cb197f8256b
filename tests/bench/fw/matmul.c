/* Benchmark: integer matrix multiply. C = A * B for 64x64 int32 matrices
 * (plain i-j-k triple loop), repeated; between repetitions one row of A and
 * one column of B are regenerated, and each product is folded into a
 * checksum.
 *
 * Elements lie in [-1024, 1023], so every dot product stays within
 * 64 * 1024 * 1024 = 2^26 and signed arithmetic never overflows. The same
 * source is compiled for the host by tests/bench/run_bench.py (-DHOST) to get
 * the expected checksum; keep it free of undefined and
 * implementation-defined behaviour. */
#include <stdint.h>
#include <stdio.h>

#define DIM 64
#define REPS 52u

static int32_t a[DIM][DIM], b[DIM][DIM], c[DIM][DIM];
static uint32_t state = 0x6a09e667u;

static int32_t next_element(void)
{
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    return (int32_t)(state >> 21) - 1024; /* [0, 2047] - 1024 */
}

static void multiply(void)
{
    for (int i = 0; i < DIM; i++) {
        for (int j = 0; j < DIM; j++) {
            int32_t sum = 0;
            for (int k = 0; k < DIM; k++)
                sum += a[i][k] * b[k][j];
            c[i][j] = sum;
        }
    }
}

int main(void)
{
    for (int i = 0; i < DIM; i++)
        for (int j = 0; j < DIM; j++) {
            a[i][j] = next_element();
            b[i][j] = next_element();
        }

    uint32_t checksum = 0;
    for (uint32_t rep = 0; rep < REPS; rep++) {
        multiply();
        for (int i = 0; i < DIM; i++)
            for (int j = 0; j < DIM; j++)
                checksum = (checksum << 5 | checksum >> 27) ^ (uint32_t)c[i][j];
        int row = (int)(rep % DIM), col = (int)((rep * 7u) % DIM);
        for (int k = 0; k < DIM; k++) {
            a[row][k] = next_element();
            b[k][col] = next_element();
        }
    }
    printf("matmul: checksum 0x%08lx\n", (unsigned long)checksum);
    return 0;
}
