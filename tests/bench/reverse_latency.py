"""gdb-multiarch script (`gdb-multiarch -batch -x tests/bench/reverse_latency.py`)
for run_bench.py's reverse table: on tests/gdb/fw/reverse.c, runs about
TARGET_INSNS instructions (long_run's rounds set from the retired count at
its entry), then times `reverse-stepi` (each followed by a `stepi` back),
the same with a breakpoint set (which keeps translated code out of the
replay), and `reverse-continue` back to long_run's entry. Prints one
`latency NAME MEDIAN_MS MIN_MS MAX_MS` line per measurement and
`at INSTRET`."""
import os
import time

import gdb  # noqa: F401  (provided by gdb)

REPEATS = int(os.environ.get("REPEATS", "7"))


def timed(command, back, n=REPEATS):
    times = []
    for _ in range(n):
        start = time.perf_counter()
        gdb.execute(command, to_string=True)
        times.append(time.perf_counter() - start)
        for b in back:
            gdb.execute(b, to_string=True)
    times.sort()
    return "%.3f %.3f %.3f" % (1e3 * times[n // 2], 1e3 * times[0], 1e3 * times[-1])


gdb.execute("set pagination off")
gdb.execute("tbreak *long_run")
gdb.execute("continue", to_string=True)
start = int(gdb.parse_and_eval("$minstret"))
target = int(os.environ.get("TARGET_INSNS", "1000000"))
gdb.execute("set var $a0 = %d" % max(1, (target - start - 3) // 6))
gdb.execute("tbreak *after_long")
gdb.execute("continue", to_string=True)
print("at %d" % int(gdb.parse_and_eval("$minstret")))
print("latency reverse-stepi %s" % timed("reverse-stepi", ["stepi"]))
gdb.execute("break *rev_c")  # never reached again: a breakpoint set
print("latency reverse-stepi-with-breakpoint %s" % timed("reverse-stepi", ["stepi"]))
gdb.execute("delete")
gdb.execute("break *long_run")
print("latency reverse-continue-1M %s" % timed(
    "reverse-continue", ["delete", "tbreak *after_long", "continue", "break *long_run"], n=5))
gdb.execute("kill")
