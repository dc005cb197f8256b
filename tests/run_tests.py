#!/usr/bin/env python3
"""Runs every test and prints one summary line: `N passed, N failed`.

- the committed build.ninja matches tools/gen_build.py;
- each cmocka binary build/tests/test_* (built with ASan+UBSan): every
  cmocka test case counts, a sanitizer or leak report fails the binary;
- each build/tests/plain/test_* (soak tests built without sanitizers) under
  valgrind --leak-check=full: any valgrind report fails it;
- each firmware tests/firmware/NAME.c with a NAME.expect beside it runs on
  build/mcusim-san, once per engine (testlib.ENGINES: `--jit on
  --jit-threshold 1` on x86-64, so every block is translated, and
  `--jit off`; the test's name ends with /jit or /interp); the
  first line of .expect is `exit: N` and, optionally, `args: ...` (extra
  mcusim options); the rest is the exact UART output;
- CLI cases in tests/cli_cases.py: arguments, exit status, and text the
  simulator's stderr must contain (optionally stdout sent to a file such as
  /dev/full, a `check` function for numeric bounds, and a `timeout` in
  seconds shorter than testlib's);
- observation never changes a run, and neither does the engine
  (tests/determinism/run_determinism.py);
- the ISA tests of tests/isa on each engine (tests/isa/run_isa.py);
- the host-service firmware of tests/firmware/host (run_host.py);
- the gdb tests of tests/gdb on each engine (run_gdb.py: the real
  gdb-multiarch);
- scenario files (tests/scenario/run_scenario.py: --scenario, --junit) and
  the monitor console (tests/console/run_console.py: --monitor) and the
  control socket (tests/control/run_control.py: --control);
- the profiler (tests/profile/run_profile.py: --profile's call counts,
  instructions and cycles against --trace insn, both file formats,
  tools/flamegraph.py, the same profile on both engines);
- waveforms (tests/vcd/run_vcd.py: --vcd's exact transitions for
  tests/firmware/hifive1/gpio_toggle.c, UART frames decoded bit by bit,
  vcd2fst, the same VCD on both engines, --vcd-signals);
- runtime reconfiguration end to end: the firmware of tests/firmware/reconfig
  driven by the scenarios of tests/reconfig on both boards, and a soak
  (tests/reconfig/run_reconfig.py);
- coverage (--coverage): exact lcov records for the marked lines of
  tests/firmware/coverage/coverage_demo.c on both engines, genhtml, bad
  input (tests/coverage/run_coverage.py);
- machine snapshots (tests/snapshot/run_snapshot.py: a run continued from
  a --snapshot-load file is the straight run, byte for byte; the monitor's
  `snapshot save/load` repeats a run; the board as it was comes back;
  corrupt and mismatched files refused, the machine unchanged; gdb;
  run_snapshot_review.py: many split points on device-heavy firmware,
  refusals after the board was applied undone, a board that extends a
  file and a pc no hart holds refused);
- record and replay (tests/replay/run_replay.py: --record of UART input over
  tcp, console commands and gdb's writes; --replay with no client gives the
  same output, instruction count and status on both engines; damaged,
  truncated and foreign files refused; run_replay_review.py: recordings
  edited with their checksums made right refused cleanly or replayed as
  recorded, never a hang);
- the Python package (python/mcusim) and its pytest example suite
  (tests/python/run_python.py: each pytest test a result of its own);
- each libFuzzer harness build/fuzz/fuzz_NAME for 20 s, two at a time, after
  its committed reproducers (tests/fuzz/run_fuzz.py; docs/FUZZING.md).

Run from the repository top (ninja test does). `-k WORD` runs only tests
whose name contains WORD.
"""
import glob
import os
import re
import shlex
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from testlib import ENGINES, SIM, TIMEOUT, TOP, Results, run, sanitizer_report  # noqa: E402


def check_build_file(res):
    r = run([sys.executable, "tools/gen_build.py", "--check"])
    res.report("build.ninja is current", [r.stderr] if r.status else [])


CMOCKA_RUN = re.compile(r"^\[ RUN\s+\] (\S+)")
CMOCKA_RESULT = re.compile(r"^\[\s*(OK|FAILED|ERROR|SKIPPED)\s*\] ")


def cmocka_cases(out):
    """(name, status) for each case that started; one that never reported
    (a crash) counts as failed."""
    cases, current = [], None
    for line in out.splitlines():
        m = CMOCKA_RUN.match(line)
        if m:
            current = m.group(1)
            continue
        m = CMOCKA_RESULT.match(line)
        if m and current:
            cases.append((current, m.group(1)))
            current = None
    if current:
        cases.append((current, "CRASHED"))
    return cases


VALGRIND = ["valgrind", "-q", "--leak-check=full", "--errors-for-leak-kinds=all",
            "--error-exitcode=97"]


def run_unit_binary(res, path, wrapper=(), prefix=""):
    name = prefix + os.path.basename(path)
    p = run(list(wrapper) + [path])
    out = p.stdout + p.stderr
    cases = cmocka_cases(out)
    if not cases:
        res.fail(name, "no cmocka test ran (exit %d)\n%s" % (p.status, out))
        return
    for case, status in cases:
        full = "%s/%s" % (name, case)
        if status == "OK":
            res.ok(full)
        else:
            res.fail(full, out)
    all_ok = all(status == "OK" for _, status in cases)
    if sanitizer_report(out) or re.search(r"==\d+== \S", out) or (p.status != 0 and all_ok):
        res.fail(name + " (exit status/sanitizers)", "exit %d\n%s" % (p.status, out))


def parse_expect(path):
    with open(path) as f:
        lines = f.read().split("\n")
    status, args = None, []
    while lines and re.match(r"^(exit|args):", lines[0]):
        key, value = lines.pop(0).split(":", 1)
        if key == "exit":
            status = int(value)
        else:
            args = shlex.split(value)
    return status, args, "\n".join(lines)


def run_firmware(res, expect_path, only=None):
    """tests/firmware/[BOARD/]NAME.expect runs build/fw/[BOARD/]NAME.elf on
    each engine, as firmware/[BOARD/]NAME/ENGINE."""
    rel = os.path.relpath(expect_path, os.path.join(TOP, "tests", "firmware"))
    name = os.path.splitext(rel)[0]
    elf = os.path.join(TOP, "build", "fw", name + ".elf")
    status, args, expected = parse_expect(expect_path)
    for engine, engine_args in ENGINES:
        label = "firmware/%s/%s" % (name, engine)
        if only and only not in label:
            continue
        p = run([SIM] + list(engine_args) + args + [elf])
        out, err = p.stdout, p.stderr
        problems = []
        if p.status != status:
            problems.append("exit status %d, expected %d" % (p.status, status))
        if out != expected:
            problems.append("output differs:\n--- expected\n%s\n--- got\n%s" % (expected, out))
        if sanitizer_report(err):
            problems.append("sanitizer report")
        if problems:
            res.fail(label, "\n".join(problems) + "\n--- stderr\n" + err)
        else:
            res.ok(label)


def run_cli_cases(res):
    sys.path.insert(0, os.path.join(TOP, "tests"))
    from cli_cases import CASES  # noqa: E402
    for case in CASES:
        name = "cli/" + case["name"]
        limit = case.get("timeout", TIMEOUT)  # seconds; a FIFO case that hangs fails fast
        if "stdout_to" in case:  # e.g. /dev/full: what a failing stdout does
            with open(case["stdout_to"], "wb") as sink:
                p = run([SIM] + case["args"], stdin=case.get("stdin", b""), stdout=sink,
                        timeout=limit)
        else:
            p = run([SIM] + case["args"], stdin=case.get("stdin", b""), timeout=limit)
        out, err = p.stdout, p.stderr
        problems = []
        if "check" in case:  # a function of (stdout, stderr): a problem or None
            problem = case["check"](out, err)
            if problem:
                problems.append(problem)
        if p.status != case["status"]:
            problems.append("exit status %d, expected %d" % (p.status, case["status"]))
        for text in case.get("stderr", []):
            if text not in err:
                problems.append("stderr lacks %r" % text)
        for text in case.get("stdout", []):
            if text not in out:
                problems.append("stdout lacks %r" % text)
        if "stdout_exact" in case and out != case["stdout_exact"]:
            problems.append("stdout is not exactly %r" % case["stdout_exact"])
        if sanitizer_report(err):
            problems.append("sanitizer report")
        if problems:
            res.fail(name, "\n".join(problems) + "\n--- stdout\n" + out + "\n--- stderr\n" + err)
        else:
            res.ok(name)


def main():
    only = None
    if len(sys.argv) > 2 and sys.argv[1] == "-k":
        only = sys.argv[2]
    res = Results()
    if not only:
        check_build_file(res)
    for path in sorted(glob.glob(os.path.join(TOP, "build", "tests", "test_*"))):
        if not path.endswith(".o") and os.access(path, os.X_OK):
            if not only or only in path:
                run_unit_binary(res, path)
    for path in sorted(glob.glob(os.path.join(TOP, "build", "tests", "plain", "test_*"))):
        if not only or only in path:
            run_unit_binary(res, path, VALGRIND, "valgrind/")
    expects = glob.glob(os.path.join(TOP, "tests", "firmware", "*.expect")) + \
        glob.glob(os.path.join(TOP, "tests", "firmware", "*", "*.expect"))
    for path in sorted(expects):
        run_firmware(res, path, only)
    if not only or only == "cli":
        run_cli_cases(res)
    sys.path.insert(0, os.path.join(TOP, "tests", "determinism"))
    import run_determinism  # noqa: E402
    run_determinism.run(res, only=only)
    sys.path.insert(0, os.path.join(TOP, "tests", "isa"))
    import run_isa  # noqa: E402
    run_isa.run(res, only=only)
    sys.path.insert(0, os.path.join(TOP, "tests", "firmware", "host"))
    import run_host  # noqa: E402
    run_host.run(res, only=only)
    sys.path.insert(0, os.path.join(TOP, "tests", "gdb"))
    import run_gdb  # noqa: E402
    run_gdb.run(res, only=only)
    sys.path.insert(0, os.path.join(TOP, "tests", "scenario"))
    import run_scenario  # noqa: E402
    run_scenario.run(res, only=only)
    sys.path.insert(0, os.path.join(TOP, "tests", "console"))
    import run_console  # noqa: E402
    run_console.run(res, only=only)
    sys.path.insert(0, os.path.join(TOP, "tests", "control"))
    import run_control  # noqa: E402
    run_control.run(res, only=only)
    sys.path.insert(0, os.path.join(TOP, "tests", "profile"))
    import run_profile  # noqa: E402
    run_profile.run(res, only=only)
    sys.path.insert(0, os.path.join(TOP, "tests", "vcd"))
    import run_vcd  # noqa: E402
    run_vcd.run(res, only=only)
    sys.path.insert(0, os.path.join(TOP, "tests", "reconfig"))
    import run_reconfig  # noqa: E402
    run_reconfig.run(res, only=only)
    sys.path.insert(0, os.path.join(TOP, "tests", "coverage"))
    import run_coverage  # noqa: E402
    run_coverage.run(res, only=only)
    sys.path.insert(0, os.path.join(TOP, "tests", "snapshot"))
    import run_snapshot  # noqa: E402
    run_snapshot.run(res, only=only)
    import run_snapshot_review  # noqa: E402
    run_snapshot_review.run(res, only=only)
    sys.path.insert(0, os.path.join(TOP, "tests", "replay"))
    import run_replay  # noqa: E402
    run_replay.run(res, only=only)
    import run_replay_review  # noqa: E402
    run_replay_review.run(res, only=only)
    sys.path.insert(0, os.path.join(TOP, "tests", "python"))
    import run_python  # noqa: E402
    run_python.run(res, only=only)
    sys.path.insert(0, os.path.join(TOP, "tests", "fuzz"))
    import run_fuzz  # noqa: E402
    run_fuzz.run(res, only=only)
    return res.summary()


if __name__ == "__main__":
    sys.exit(main())
