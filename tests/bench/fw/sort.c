/* Benchmark: sorting. Each round fills an array of 4096 32-bit words from a
 * xorshift32 generator and sorts it with a quicksort (median of three,
 * smaller side first, insertion sort below 16 elements). The result is
 * checked to be sorted and folded into a checksum of values and positions.
 *
 * The same source is compiled for the host by tests/bench/run_bench.py
 * (-DHOST) to get the expected checksum; keep it free of undefined and
 * implementation-defined behaviour (fixed-width unsigned arithmetic). */
#include <stdint.h>
#include <stdio.h>

#define N 4096u
#define ROUNDS 208u
#define SMALL 16u

static uint32_t array[N];

static uint32_t xorshift32(uint32_t *state)
{
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return x;
}

static void insertion_sort(uint32_t *a, uint32_t n)
{
    for (uint32_t i = 1; i < n; i++) {
        uint32_t v = a[i];
        uint32_t j = i;
        while (j > 0 && a[j - 1] > v) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = v;
    }
}

static void swap(uint32_t *a, uint32_t *b)
{
    uint32_t t = *a;
    *a = *b;
    *b = t;
}

/* Sorts a[0..n); recurses on the smaller part, loops on the larger, so the
 * depth stays below log2(n). */
static void quick_sort(uint32_t *a, uint32_t n)
{
    while (n > SMALL) {
        uint32_t mid = n / 2, last = n - 1;
        if (a[mid] < a[0])
            swap(&a[mid], &a[0]);
        if (a[last] < a[0])
            swap(&a[last], &a[0]);
        if (a[last] < a[mid])
            swap(&a[last], &a[mid]);
        uint32_t pivot = a[mid];
        uint32_t i = 0, j = last;
        for (;;) {
            while (a[i] < pivot)
                i++;
            while (a[j] > pivot)
                j--;
            if (i >= j)
                break;
            swap(&a[i], &a[j]);
            i++;
            j--;
        }
        /* a[0..j] <= pivot <= a[j+1..n) */
        uint32_t left = j + 1, right = n - left;
        if (left < right) {
            quick_sort(a, left);
            a += left;
            n = right;
        } else {
            quick_sort(a + left, right);
            n = left;
        }
    }
    insertion_sort(a, n);
}

int main(void)
{
    uint32_t state = 0x2545f491u;
    uint32_t checksum = 0;
    for (uint32_t round = 0; round < ROUNDS; round++) {
        /* Every fourth round has many duplicates, to exercise equal keys. */
        uint32_t mask = (round % 4u == 3u) ? 0xffu : 0xffffffffu;
        for (uint32_t i = 0; i < N; i++)
            array[i] = xorshift32(&state) & mask;
        quick_sort(array, N);
        for (uint32_t i = 1; i < N; i++) {
            if (array[i - 1] > array[i]) {
                printf("sort: not sorted at %lu in round %lu\n",
                       (unsigned long)i, (unsigned long)round);
                return 1;
            }
        }
        for (uint32_t i = 0; i < N; i++)
            checksum = (checksum ^ array[i]) * 16777619u + i;
    }
    printf("sort: checksum 0x%08lx\n", (unsigned long)checksum);
    return 0;
}
