/* Benchmark: startup. Hello world to exit: reset, crt0 (zeroing .bss,
 * newlib's constructors), one printf through the UART and the exit through
 * the test device. Small by nature; the harnesses run it 100 times
 * (tests/bench/compare: per round and simulator) so that what a CI job
 * pays per simulation, loading the board and the ELF and tearing down, is
 * measured.
 *
 * The check is the fixed line `startup: hello, world` and exit status 0. */
#include <stdio.h>

/* What the harnesses (tests/bench/run_bench.py, tests/bench/compare) read
 * as this benchmark's one line of output. */
#define BENCH_SUCCESS_LINE "startup: hello, world"

int main(void)
{
    printf("%s\n", BENCH_SUCCESS_LINE);
    return 0;
}
