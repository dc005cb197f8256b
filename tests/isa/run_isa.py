#!/usr/bin/env python3
"""Runs the ISA tests (tests/isa/*.S) on mcusim.

Each test is one self-checking assembly file built without libc into
build/isa/NAME.elf (see build_command). It prints `PASS NAME` and exits 0
through the test device, or prints `FAIL NAME: check N ...` and exits N.
A run passes when the simulator exits 0, the last line of its output is
`PASS NAME`, it printed no `deviation:` line (those are reserved for known
departures of QEMU from the spec, see macros.h) and, for the sanitized
simulator, stderr holds no sanitizer report.

The run matrix (runs()):
  tests/isa/NAME.S        -march=rv32imac, board virt32
  tests/isa/rv32i_NAME.S  -march=rv32i, board tests/isa/boards.yaml:virt32-rv32i
  plus EXTRA_BOARDS: faults and atomic also run on virt32-emulate
  (cpu.misaligned: emulate);
  run() runs each on every engine of testlib.ENGINES (engine_runs(): the
  JIT, `--jit on --jit-threshold 1`, on x86-64 hosts, and the
  interpreter, `--jit off`),
  labelled NAME[@BOARD]/jit and NAME[@BOARD]/interp.
PENDING names tests expected to fail until a feature lands: their failure
is reported but not counted (set MCUSIM_ISA_STRICT=1 to count it).

From tests/run_tests.py:
    sys.path.insert(0, os.path.join(TOP, "tests", "isa"))
    import run_isa
    run_isa.run(res)            # res.ok(name) / res.fail(name, why)
    run_isa.run(res, only="alu")

Standalone (from anywhere):
    python3 tests/isa/run_isa.py [--build] [--sim PATH] [-k WORD] [--list]
--build compiles the ELFs first (normally ninja does); --sim picks the
simulator (default build/mcusim-san); --list prints the run matrix.
"""
import glob
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import testlib  # noqa: E402

ISA_DIR = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(ISA_DIR))
BUILD_DIR = os.path.join(TOP, "build", "isa")
BOARDS = "tests/isa/boards.yaml"
MAX_INSNS = "10M"
TIMEOUT = 120

CC = "riscv64-unknown-elf-gcc"
CFLAGS = ["-misa-spec=2.2", "-mabi=ilp32", "-nostdlib", "-nostartfiles",
          "-Wl,--no-warn-rwx-segments", "-T", "tests/isa/link.ld", "-Itests/isa"]

# Extra boards some tests also run on (board names in tests/isa/boards.yaml).
EXTRA_BOARDS = {
    "faults": ["virt32-emulate"],
    "atomic": ["virt32-emulate"],
}

# Tests expected to fail on mcusim until a feature is implemented:
# name -> the feature. Empty: every feature the tests cover is in.
PENDING = {}



def march(name):
    """The -march a test is built with: rv32i_* for the rv32i board."""
    return "rv32i" if name.startswith("rv32i_") else "rv32imac"


def tests():
    """The test names, sorted (one per tests/isa/*.S)."""
    return sorted(os.path.splitext(os.path.basename(p))[0]
                  for p in glob.glob(os.path.join(ISA_DIR, "*.S")))


def elf_path(name):
    return os.path.join(BUILD_DIR, name + ".elf")


def build_command(name, out=None):
    """The compiler command (run from the repository top) for one test."""
    return [CC, "-march=" + march(name)] + CFLAGS + [
        "tests/isa/%s.S" % name, "-o", out or elf_path(name)]


def runs():
    """Every mcusim run: dicts with test, label (unique), board."""
    result = []
    for name in tests():
        board = BOARDS + ":virt32-rv32i" if name.startswith("rv32i_") else "virt32"
        result.append(dict(test=name, label=name, board=board))
        for extra in EXTRA_BOARDS.get(name, []):
            result.append(dict(test=name, label="%s@%s" % (name, extra),
                               board="%s:%s" % (BOARDS, extra)))
    return result


def engine_runs():
    """runs() on every engine of testlib.ENGINES: label NAME[@BOARD]/ENGINE
    and the engine's options added."""
    return [dict(r, label="%s/%s" % (r["label"], engine), engine=list(engine_args))
            for r in runs() for engine, engine_args in testlib.ENGINES]


def build(names=None):
    """Compiles the ELFs into build/isa/. Returns a list of (name, error)."""
    os.makedirs(BUILD_DIR, exist_ok=True)
    errors = []
    for name in names or tests():
        p = subprocess.run(build_command(name), cwd=TOP, capture_output=True, text=True)
        if p.returncode != 0:
            errors.append((name, p.stderr))
    return errors


def run_sim(sim, board, elf, timeout=TIMEOUT, engine=()):
    """Runs one ELF (with the engine's options); returns (status, stdout,
    stderr); status -1: timeout."""
    r = testlib.run([sim] + list(engine) + ["--board", board, "--max-insns", MAX_INSNS, elf],
                    timeout=timeout)
    return r.status, r.stdout, r.stderr


def judge(name, status, out, err):
    """The problems with one run (empty: it passed)."""
    problems = []
    lines = out.rstrip("\n").split("\n")
    if status != 0:
        problems.append("exit status %d (the failing check's number, or "
                        "124 insn limit / 125 usage / 126 unhandled fault)" % status)
    if lines[-1] != "PASS " + name:
        problems.append("last line is not 'PASS %s'" % name)
    deviations = [l for l in lines if l.startswith("deviation:")]
    if deviations:
        problems.append("printed deviation lines (reserved for QEMU's known "
                        "departures from the spec):\n" + "\n".join(deviations))
    if testlib.sanitizer_report(err):
        problems.append("sanitizer report")
    return problems


def run(results, sim=None, only=None):
    """Runs every ISA test on mcusim, reporting each through results.ok /
    results.fail as `isa/LABEL`."""
    sim = sim or testlib.SIM
    strict = os.environ.get("MCUSIM_ISA_STRICT") == "1"
    for r in engine_runs():
        label = "isa/" + r["label"]
        if only and only not in label:
            continue
        elf = elf_path(r["test"])
        if not os.path.exists(elf):
            results.fail(label, "%s is missing (build it: ninja, or "
                         "python3 tests/isa/run_isa.py --build)" % os.path.relpath(elf, TOP))
            continue
        status, out, err = run_sim(sim, r["board"], elf, engine=r["engine"])
        problems = judge(r["test"], status, out, err)
        if not problems:
            results.ok(label)
            if r["test"] in PENDING:
                print("    (%s is in PENDING but passes: remove it)" % r["test"])
        elif r["test"] in PENDING and not strict:
            print("XFAIL %s (pending: %s; exit %d)" % (label, PENDING[r["test"]], status))
        else:
            results.fail(label, "\n".join(problems) + "\n--- stdout\n" + out +
                         "--- stderr\n" + err)


def main(argv):
    sim, only = None, None
    args = list(argv)
    if "--list" in args:
        for r in engine_runs():
            print("%-36s %-8s %-42s %s" % (r["label"], march(r["test"]), r["board"],
                                           " ".join(r["engine"])))
        return 0
    if "--build" in args:
        args.remove("--build")
        errors = build()
        for name, text in errors:
            print("BUILD FAILED %s\n%s" % (name, text))
        if errors:
            return 1
    while args:
        a = args.pop(0)
        if a == "--sim" and args:
            sim = os.path.abspath(args.pop(0))
        elif a == "-k" and args:
            only = args.pop(0)
        else:
            print(__doc__, file=sys.stderr)
            return 2
    res = testlib.Results(shown=40)
    run(res, sim=sim, only=only)
    return res.summary()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
