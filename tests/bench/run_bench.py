#!/usr/bin/env python3
"""`ninja bench`: runs every host benchmark (build/bench/bench_*) and every
benchmark firmware (tests/bench/fw/NAME.c, built as build/fw/NAME.elf) and
prints their numbers. Speed is measured here, never asserted in tests.

Each firmware prints one line. Most print `NAME: checksum 0x........`, and
that line is never written down: this script compiles the same source for the
host (gcc -DHOST, with UBSan and ASan so undefined behaviour in a benchmark
fails the run instead of silently giving a different answer) into
build/bench/host_ref/NAME, runs it and requires the simulator's UART output to
equal the host's output byte for byte. Firmware whose work a host build
cannot stand for (device registers, interrupts, sleeping) checks itself and
prints a fixed line, which its source names in
`#define BENCH_SUCCESS_LINE "..."`; that line and exit status 0 are required.
The startup benchmark runs STARTUP_RUNS times (its numbers are the sums).

Exit status: 0 when every run succeeded and every checksum matched, 1
otherwise (a benchmark or host reference that failed to build or run, a
non-zero exit status, a wrong checksum, missing --stats output).

See docs/BENCHMARKS.md."""
import argparse
import datetime
import glob
import math
import os
import platform
import re
import shutil
import subprocess
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FW_DIR = os.path.join(TOP, "tests", "bench", "fw")
HOST_REF_DIR = os.path.join(TOP, "build", "bench", "host_ref")
HOST_CC = os.environ.get("CC", "gcc")
HOST_CFLAGS = ["-std=c11", "-O1", "-g", "-DHOST", "-Wall", "-Wextra", "-Werror",
               "-fsanitize=address,undefined", "-fno-sanitize-recover=all"]
# A guard against a simulator that never stops; the benchmarks run ~1e8.
MAX_INSNS = 4_000_000_000
TIMEOUT_S = 600

# What each benchmark measures; "total" and "geomean" cover the integer ones
# (a firmware not listed here is integer work).
KINDS = {
    "mmio_poll": "mmio",
    "timer_irq": "interrupt",
    "irq_timer": "interrupt",
    "irq_uart": "interrupt",
    "startup": "startup",
    "sleep": "sleep",
    "codeload": "codeload",
}
STARTUP_RUNS = 100
SUCCESS_LINE_RE = re.compile(r'^#define BENCH_SUCCESS_LINE "([^"\\]*)"\s*$', re.M)

STAT_RE = {
    "insns": re.compile(r"^mcusim: instructions:\s*(\d+)\s*$", re.M),
    "seconds": re.compile(r"^mcusim: host time:\s*([0-9.eE+-]+)\s*s\s*$", re.M),
    "mips": re.compile(r"^mcusim: MIPS:\s*([0-9.eE+-]+)\s*$", re.M),
}


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() in ("model name", "Model", "uarch"):
                    return value.strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def git_revision():
    try:
        p = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=TOP,
                           capture_output=True, text=True, timeout=10)
        return p.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def run_host_benchmarks(word):
    status = 0
    for path in sorted(glob.glob(os.path.join(TOP, "build", "bench", "bench_*"))):
        if word and word not in os.path.basename(path):
            continue
        if not os.access(path, os.X_OK) or os.path.isdir(path):
            continue
        p = subprocess.run([path], cwd=TOP)
        if p.returncode != 0:
            print("%s: FAILED with status %d" % (os.path.basename(path), p.returncode))
            status = 1
    return status


def host_reference(name, src):
    """Builds and runs the host copy of a benchmark; returns (stdout, error)."""
    os.makedirs(HOST_REF_DIR, exist_ok=True)
    binary = os.path.join(HOST_REF_DIR, name)
    try:
        p = subprocess.run([HOST_CC] + HOST_CFLAGS + [src, "-o", binary],
                           cwd=TOP, capture_output=True, text=True)
    except OSError as e:
        return None, "cannot run %s: %s" % (HOST_CC, e)
    if p.returncode != 0:
        return None, "host build failed:\n" + p.stdout + p.stderr
    try:
        p = subprocess.run([binary], cwd=TOP, capture_output=True, text=True,
                           timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return None, "host reference timed out"
    if p.returncode != 0:
        return None, "host reference exited with %d:\n%s%s" % (p.returncode, p.stdout, p.stderr)
    return p.stdout, None


def benchmark_kind(name):
    return KINDS.get(name, "integer")


def benchmarks(word=None):
    """(name, source, elf) of every benchmark firmware whose name contains
    `word`, sorted by name."""
    found = []
    for src in sorted(glob.glob(os.path.join(FW_DIR, "*.c"))):
        name = os.path.basename(src)[:-2]
        if word and word not in name:
            continue
        found.append((name, src, os.path.join(TOP, "build", "fw", name + ".elf")))
    return found


def stale_elf(name, src, elf):
    """Why the ELF cannot be run (missing, older than its source), or None."""
    if not os.path.exists(elf):
        return "%s: %s is missing (run `ninja bench`)" % (name, os.path.relpath(elf, TOP))
    if os.path.getmtime(elf) < os.path.getmtime(src):
        return "%s: %s is older than its source (run `ninja bench`)" % (
            name, os.path.relpath(elf, TOP))
    return None


def success_line(src):
    """The fixed line a self-checking firmware prints, or None."""
    with open(src) as f:
        m = SUCCESS_LINE_RE.search(f.read())
    return m.group(1) if m else None


def expected_output(name, src):
    """What the firmware must print, and how that is known: returns
    (output, check, error) with check "host" (the host build's output) or
    "self" (the source's BENCH_SUCCESS_LINE)."""
    line = success_line(src)
    if line is not None:
        return line + "\n", "self", None
    out, error = host_reference(name, src)
    return out, "host", error


def run_firmware(sim, board, elf, extra=()):
    """Runs one firmware with --stats; returns (returncode, stdout, stats, stderr)."""
    cmd = [sim, "--stats", "--board", board, "--max-insns", str(MAX_INSNS), *extra, elf]
    try:
        p = subprocess.run(cmd, cwd=TOP, capture_output=True, text=True, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return None, "", {}, "timed out after %d s" % TIMEOUT_S
    except OSError as e:
        return None, "", {}, "cannot run %s: %s" % (sim, e)
    stats = {}
    for key, regex in STAT_RE.items():
        m = regex.search(p.stderr)
        if m:
            stats[key] = int(m.group(1)) if key == "insns" else float(m.group(1))
    return p.returncode, p.stdout, stats, p.stderr


def run_board_load_benchmark(args):
    """Times choosing one board from a generated 1 MB file of 40,000 boards
    (`--describe-board FILE:NAME`): only the chosen board is resolved, and
    names are hashed, so this is a parse of the file and little more."""
    if args.k and args.k not in "board-load":
        return 0
    folder = os.path.join(TOP, "build", "bench")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "boards-40000.yaml")
    count = 40000
    with open(path, "w") as f:
        for i in range(count):
            f.write("b%d: {cpu: {isa: rv32imac}}\n" % i)
    start = time.monotonic()
    try:
        p = subprocess.run([args.sim, "--describe-board", "%s:b%d" % (path, count - 1)],
                           cwd=TOP, capture_output=True, text=True, timeout=TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired) as e:
        print("FAIL board-load: %s" % e)
        return 1
    seconds = time.monotonic() - start
    if p.returncode != 0:
        print("FAIL board-load: exit status %d\n%s" % (p.returncode, p.stderr))
        return 1
    print("board-load: one of %d boards from a %.1f MB file: %.3f s" % (
        count, os.path.getsize(path) / 1e6, seconds))
    return 0


def measure(args, name, elf, expected, check):
    """Runs one firmware (STARTUP_RUNS times for startup), checks every
    run; returns (stats summed over the runs, wall seconds, output, error)."""
    runs = STARTUP_RUNS if benchmark_kind(name) == "startup" else 1
    total = {"insns": 0, "seconds": 0.0}
    out = ""
    start = time.monotonic()
    for _ in range(runs):
        rc, out, stats, err = run_firmware(args.sim, args.board, elf)
        if rc != 0:
            return None, 0.0, out, "simulator exit status %s\n%s%s" % (rc, out, err)
        if "insns" not in stats or "seconds" not in stats:
            return None, 0.0, out, "no --stats output in:\n%s" % err
        if out != expected:
            return None, 0.0, out, "output %r, expected %r%s" % (
                out, expected, " (host build)" if check == "host" else "")
        total["insns"] += stats["insns"]
        total["seconds"] += stats["seconds"]
    return total, time.monotonic() - start, out, None


def run_firmware_benchmarks(args):
    found = benchmarks(args.k)
    if not found:
        return 0
    if not os.access(args.sim, os.X_OK):
        print("FAIL simulator %s is missing (run `ninja bench`)" % args.sim)
        return 1
    rows, failures = [], []
    for name, src, elf in found:
        row = {"name": name, "insns": None, "seconds": None, "mips": None, "ok": False,
               "wall": None}
        rows.append(row)
        problem = stale_elf(name, src, elf)
        if problem:
            failures.append(problem)
            continue
        expected, check, error = expected_output(name, src)
        if error:
            failures.append("%s: %s" % (name, error))
            continue
        best = None
        for _ in range(args.repeat):
            stats, wall, out, error = measure(args, name, elf, expected, check)
            if error:
                failures.append("%s: %s" % (name, error))
                best = None
                break
            if best is None or stats["seconds"] < best["seconds"]:
                best = stats
                row["wall"] = wall
        if best is None:
            continue
        row["insns"] = best["insns"]
        row["seconds"] = best["seconds"]
        row["mips"] = (best["insns"] / best["seconds"] / 1e6 if best["seconds"] > 0
                       else best.get("mips", 0.0))
        row["ok"] = True
        m = re.search(r"checksum (0x[0-9a-fA-F]+)", out)
        row["checksum"] = m.group(1) if m else "own line"

    print()
    header = "%-12s %14s %10s %9s  %-10s %s" % ("benchmark", "instructions", "host s", "MIPS",
                                                "checksum", "")
    print(header)
    print("-" * len(header))
    for r in rows:
        label = r["name"] + (" x%d" % STARTUP_RUNS if benchmark_kind(r["name"]) == "startup"
                             else "")
        if r["ok"]:
            print("%-12s %14d %10.3f %9.1f  %-10s OK" % (label, r["insns"], r["seconds"],
                                                         r["mips"], r["checksum"]))
        else:
            print("%-12s %14s %10s %9s  %-10s FAIL" % (label, "-", "-", "-", "-"))
    good = [r for r in rows if r["ok"]]
    integer = [r for r in good if benchmark_kind(r["name"]) == "integer"]
    if integer:
        insns = sum(r["insns"] for r in integer)
        seconds = sum(r["seconds"] for r in integer)
        mips = [r["mips"] for r in integer if r["mips"] > 0]
        geo = math.exp(sum(math.log(m) for m in mips) / len(mips)) if mips else 0.0
        print("-" * len(header))
        print("%-12s %14d %10.3f %9.1f  (integer benchmarks: total instructions / total seconds)"
              % ("total", insns, seconds, insns / seconds / 1e6 if seconds > 0 else 0.0))
        print("%-12s %14s %10s %9.1f  (geometric mean of the integer benchmarks' MIPS)"
              % ("geomean", "", "", geo))
    for r in good:
        if benchmark_kind(r["name"]) == "startup":
            print("startup: %d runs in %.3f s of wall clock (%.2f ms each, loading and "
                  "teardown included)" % (STARTUP_RUNS, r["wall"], r["wall"] * 1e3 / STARTUP_RUNS))
    for f in failures:
        print("FAIL " + f)
    print("%d of %d benchmark firmware OK" % (len(good), len(rows)))
    return 1 if failures or len(good) != len(rows) else 0


# What observing costs (issue 14): each firmware with each feature on, its
# output files in build/bench/observe. "off" is the plain run; a feature off
# adds nothing to the run loop (compare "off" with an older tree's numbers).
OBSERVE_FIRMWARE = ["coremark_mix", "irq_uart"]
OBSERVE_FEATURES = [
    ("off", []),
    ("vcd", ["--vcd", "{dir}/{name}.vcd"]),
    ("profile", ["--profile", "{dir}/{name}.folded"]),
    ("coverage", ["--coverage", "{dir}/{name}.info"]),
    ("all three", ["--vcd", "{dir}/{name}.vcd", "--profile", "{dir}/{name}.folded",
                   "--coverage", "{dir}/{name}.info"]),
]


def run_observe_benchmarks(args):
    """The slowdown of --vcd, --profile and --coverage: host seconds (the
    fastest of --repeat runs) and the ratio to the plain run."""
    names = [n for n in OBSERVE_FIRMWARE if not args.k or args.k in n or args.k == "observe"]
    if not names:
        return 0
    folder = os.path.join(TOP, "build", "bench", "observe")
    os.makedirs(folder, exist_ok=True)
    print()
    header = "%-12s %-10s %10s %9s %8s" % ("observe", "feature", "host s", "MIPS", "slowdown")
    print(header)
    print("-" * len(header))
    status = 0
    for name in names:
        elf = os.path.join(TOP, "build", "fw", name + ".elf")
        plain = None
        for feature, extra in OBSERVE_FEATURES:
            extra = [a.format(dir=folder, name=name) for a in extra]
            best = None
            for _ in range(args.repeat):
                rc, _, stats, err = run_firmware(args.sim, args.board, elf, extra)
                if rc != 0 or "seconds" not in stats:
                    print("FAIL observe %s %s: exit status %s\n%s" % (name, feature, rc, err))
                    status = 1
                    best = None
                    break
                if best is None or stats["seconds"] < best["seconds"]:
                    best = stats
            if best is None:
                continue
            if feature == "off":
                plain = best["seconds"]
            ratio = best["seconds"] / plain if plain else float("nan")
            print("%-12s %-10s %10.3f %9.1f %7.2fx" % (
                name, feature, best["seconds"], best["insns"] / best["seconds"] / 1e6
                if best["seconds"] > 0 else 0.0, ratio))
    return status


# What reverse execution costs (issue 15). The ring: each firmware plain
# and with --reverse (a snapshot every --reverse-interval instructions,
# the default 1000000), host seconds and the ratio. The latency: gdb on
# tests/gdb/fw/reverse.c, 1M instructions into its run
# (tests/bench/reverse_latency.py). Snapshot time and size per board come
# from build/bench/bench_snapshot (the host benchmarks).
REVERSE_FIRMWARE = ["coremark_mix", "irq_uart", "listwalk", "sort"]
REVERSE_BOARD = "tests/firmware/boards/hifive1-test.yaml:hifive1-test"
LATENCY_RE = re.compile(r"^latency (\S+) ([0-9.]+) ([0-9.]+) ([0-9.]+)$", re.M)


def fastest(args, elf, extra):
    """The fastest of --repeat runs' stats, or None (said) when one failed."""
    best = None
    for _ in range(args.repeat):
        rc, _, stats, err = run_firmware(args.sim, args.board, elf, extra)
        if rc != 0 or "seconds" not in stats:
            print("FAIL %s %s: exit status %s\n%s" % (elf, " ".join(extra), rc, err))
            return None
        if best is None or stats["seconds"] < best["seconds"]:
            best = stats
    return best


def run_reverse_ring_benchmarks(args):
    names = [n for n in REVERSE_FIRMWARE if not args.k or args.k in n or args.k == "reverse"]
    if not names:
        return 0
    print()
    header = "%-12s %-10s %10s %9s %8s" % ("reverse", "ring", "host s", "MIPS", "slowdown")
    print(header)
    print("-" * len(header))
    status = 0
    for name in names:
        elf = os.path.join(TOP, "build", "fw", name + ".elf")
        plain = fastest(args, elf, [])
        ring = fastest(args, elf, ["--reverse"])
        if plain is None or ring is None:
            status = 1
            continue
        for label, stats in (("off", plain), ("on", ring)):
            print("%-12s %-10s %10.3f %9.1f %7.2fx" % (
                name, label, stats["seconds"], stats["insns"] / stats["seconds"] / 1e6
                if stats["seconds"] > 0 else 0.0, stats["seconds"] / plain["seconds"]))
    return status


def run_reverse_latency_benchmark(args):
    if args.k and args.k not in "reverse-stepi latency":
        return 0
    elf = os.path.join(TOP, "build", "fw", "gdb", "reverse.elf")
    gdb = shutil.which("gdb-multiarch")
    if not gdb:
        print("FAIL reverse latency: gdb-multiarch is missing (tools/setup.sh installs it)")
        return 1
    print()
    status = 0
    for engine in ("on", "off"):
        sim = subprocess.Popen([args.sim, "--gdb", "0", "--gdb-wait", "--jit", engine,
                                "--board", REVERSE_BOARD, elf], cwd=TOP,
                               stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
        line = sim.stderr.readline()
        m = re.search(r"listening on [^:]+:(\d+)", line)
        if not m:
            print("FAIL reverse latency: the gdb server did not start: %s" % line)
            sim.kill()
            sim.wait()
            return 1
        cmd = [gdb, "-nx", "-batch", "-ex", "set confirm off", "-ex",
               "target remote 127.0.0.1:%s" % m.group(1), "-x",
               os.path.join(TOP, "tests", "bench", "reverse_latency.py"), elf]
        p = subprocess.run(cmd, cwd=TOP, capture_output=True, text=True, timeout=TIMEOUT_S)
        sim.wait(timeout=60)
        found = LATENCY_RE.findall(p.stdout)
        at = re.search(r"^at (\d+)$", p.stdout, re.M)
        if len(found) != 3 or not at:
            print("FAIL reverse latency (--jit %s):\n%s%s" % (engine, p.stdout, p.stderr))
            status = 1
            continue
        for what, median, low, high in found:
            print("reverse latency, --jit %-3s %-36s median %7.1f ms (min %.1f, max %.1f), "
                  "%s instructions in" % (engine, what, float(median), float(low),
                                          float(high), at.group(1)))
    return status


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-k", metavar="WORD", help="run only benchmarks whose name contains WORD")
    parser.add_argument("--sim", default=os.path.join(TOP, "build", "mcusim"),
                        help="simulator binary (default build/mcusim)")
    parser.add_argument("--board", default="virt32", help="board (default virt32)")
    parser.add_argument("--repeat", type=int, default=1, metavar="N",
                        help="run each firmware N times and report the fastest (default 1)")
    parser.add_argument("--no-host", action="store_true",
                        help="skip the host benchmarks (build/bench/bench_*)")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

    print("host CPU: %s (%d logical CPUs)" % (cpu_model(), os.cpu_count() or 0))
    print("date: %s   mcusim: %s   python: %s" % (
        datetime.datetime.now().strftime("%Y-%m-%d %H:%M"), git_revision(),
        platform.python_version()))
    sys.stdout.flush()
    status = 0
    if not args.no_host:
        status |= run_host_benchmarks(args.k)
        sys.stdout.flush()
    status |= run_board_load_benchmark(args)
    sys.stdout.flush()
    status |= run_firmware_benchmarks(args)
    sys.stdout.flush()
    status |= run_observe_benchmarks(args)
    sys.stdout.flush()
    status |= run_reverse_ring_benchmarks(args)
    sys.stdout.flush()
    status |= run_reverse_latency_benchmark(args)
    return status


if __name__ == "__main__":
    sys.exit(main())
