#!/usr/bin/env python3
"""Runtime reconfiguration, end to end (tests/run_tests.py runs these):
firmware of tests/firmware/reconfig/ driven by the scenario files here,
on both test boards (tests/firmware/reconfig/boards/reconfig.yaml:
rc-virt32 and rc-hifive1).

- each TEST-BOARD.yaml runs build/fw/reconfig/BOARD/TEST.elf on the
  sanitized simulator: the scenario must pass (exit status 0, the
  firmware's), stdout must be exactly expected/TEST-BOARD.out, and a file
  a scenario gave a UART as its chardev (build/reconfig/TEST-BOARD.txt)
  exactly expected/TEST-BOARD.file;
- `--junit`: the report of a passing scenario (one testcase per step and
  per expectation, none failed) and of expect_fail-virt32.yaml (exit
  status 120, the failed expectation and the steps never reached);
- determinism: a scenario run twice, and once with `--trace insn` to a
  file, gives byte-identical UART output, chardev file and scenario log
  (which names the cycle each step fired at);
- the soak (reconfig_soak.py): random operations, each checked against what the
  firmware sees next, with `audit` after each;
- a replaced UART handed its predecessor's file or tcp backend
  (chardev_handover.py).

Run from anywhere: the simulator runs at the repository top, where the
scenarios' relative paths (board files, build/reconfig/) point.
"""
import os
import sys
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
from testlib import SIM, TOP, Results, sanitizer_report  # noqa: E402
from testlib import run as run_process  # noqa: E402
import reconfig_soak  # noqa: E402
import chardev_handover  # noqa: E402

BOARDS_FILE = "tests/firmware/reconfig/boards/reconfig.yaml"
OUT = os.path.join(TOP, "build", "reconfig")
TESTS = ["uart_swap", "gpio_gone", "uart1_move", "power_cycle", "remap_window",
         "clint_gone", "plic_gone"]
BOARDS = ["virt32", "hifive1"]


def command(test, board, scenario=None, extra=()):
    scenario = scenario or "tests/reconfig/%s-%s.yaml" % (test, board)
    return ([SIM, "--board", "%s:rc-%s" % (BOARDS_FILE, board), "--scenario", scenario] +
            list(extra) + ["build/fw/reconfig/%s/%s.elf" % (board, test)])


def read(path):
    with open(path, "rb") as f:
        return f.read().decode(errors="replace")


def chardev_file(test, board):
    """The file the scenario gives a UART as its chardev, removed before
    the run so a stale one cannot pass."""
    path = os.path.join(OUT, "%s-%s.txt" % (test, board))
    if os.path.exists(path):
        os.remove(path)
    return path


def scenario_log(stderr):
    return [line for line in stderr.splitlines() if line.startswith("mcusim: scenario: ")]


def report(res, name, problems, stderr):
    """PASS, or FAIL with the end of stderr and then the problems (the
    last lines are the ones shown)."""
    if not problems:
        res.ok(name)
        return
    tail = "\n".join(stderr.splitlines()[-20:])
    res.fail(name, "--- stderr (end)\n%s\n--- problems\n%s" % (tail, "\n".join(problems)))


def run_scenario(res, test, board):
    name = "reconfig/%s-%s" % (test, board)
    expected = os.path.join(HERE, "expected", "%s-%s" % (test, board))
    written = chardev_file(test, board)
    p = run_process(command(test, board))
    problems = []
    if p.status != 0:
        problems.append("exit status %d, expected 0" % p.status)
    if "checks passed" not in p.stderr:
        problems.append("the scenario did not pass")
    want = read(expected + ".out")
    if p.stdout != want:
        problems.append("stdout differs:\n--- expected\n%s--- got\n%s" % (want, p.stdout))
    if os.path.exists(expected + ".file"):
        want = read(expected + ".file")
        got = read(written) if os.path.exists(written) else "(no file)\n"
        if got != want:
            problems.append("%s differs:\n--- expected\n%s--- got\n%s" % (
                os.path.relpath(written, TOP), want, got))
    if sanitizer_report(p.stderr):
        problems.append("sanitizer report")
    report(res, name, problems, p.stderr)


def junit_cases(path, problems):
    """The <testcase> elements of the report's one suite, and the suite;
    ([], None) with a problem when it is not what JUnit readers expect."""
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as e:
        problems.append("no readable JUnit report: %s" % e)
        return [], None
    suites = root.findall("testsuite")
    if root.tag != "testsuites" or len(suites) != 1:
        problems.append("expected <testsuites> with one <testsuite>")
        return [], None
    cases = suites[0].findall("testcase")
    if suites[0].get("tests") != str(len(cases)):
        problems.append("tests=%s but %d testcases" % (suites[0].get("tests"), len(cases)))
    return cases, suites[0]


def junit_passing(res):
    """A passing scenario: a testcase per step and per expectation (5 steps,
    4 expect-uart, 1 expect-exit), each passed, named after its step."""
    name = "reconfig/junit-passing"
    xml_path = os.path.join(OUT, "uart_swap-virt32.xml")
    chardev_file("uart_swap", "virt32")
    p = run_process(command("uart_swap", "virt32", extra=["--junit", xml_path]))
    problems = [] if p.status == 0 else ["exit status %d, expected 0" % p.status]
    cases, suite = junit_cases(xml_path, problems)
    steps = ["chardev to a file", "chardev back to stdio", "model to sifive,uart0",
             "model back to ns16550a", "the end"]
    names = [c.get("name") for c in cases]
    want = []
    for step in steps:
        want.append(step)
        if step != "the end":
            want.append(step + ": expect-uart uart0 ")
    want.append("the end: expect-exit 0")
    if len(names) != len(want) or not all(n.startswith(w) for n, w in zip(names, want)):
        problems.append("testcases %r, expected names starting %r" % (names, want))
    if suite is not None and (suite.get("failures"), suite.get("skipped")) != ("0", "0"):
        problems.append("failures=%s skipped=%s" % (suite.get("failures"), suite.get("skipped")))
    if any(len(c) for c in cases):
        problems.append("a testcase has a <failure> or <skipped>")
    if any(c.get("classname") != "mcusim.scenario" for c in cases):
        problems.append("a testcase's classname is not mcusim.scenario")
    report(res, name, problems, p.stderr)


def junit_failing(res):
    """expect_fail-virt32.yaml: exit status 120, the message naming the step
    and where it is, its expectation a <failure>, the step never reached
    and its expectation <skipped>."""
    name = "reconfig/junit-failing"
    xml_path = os.path.join(OUT, "expect_fail-virt32.xml")
    p = run_process(command("uart_swap", "virt32",
                            scenario="tests/reconfig/expect_fail-virt32.yaml",
                            extra=["--junit", xml_path]))
    problems = [] if p.status == 120 else ["exit status %d, expected 120" % p.status]
    said = ("tests/reconfig/expect_fail-virt32.yaml:8:19: step 'wait for a line that never "
            "comes' failed: expect-uart uart0 \"tick 99\\n\": not seen within 3ms")
    if said not in p.stderr:
        problems.append("stderr lacks %r" % said)
    cases, suite = junit_cases(xml_path, problems)
    got = [(c.get("name"), [child.tag for child in c]) for c in cases]
    want = [("wait for a line that never comes", []),
            ('wait for a line that never comes: expect-uart uart0 "tick 99\\n"', ["failure"]),
            ("never reached", ["skipped"]),
            ("never reached: expect-exit 0", ["skipped"])]
    if got != want:
        problems.append("testcases %r, expected %r" % (got, want))
    if suite is not None and (suite.get("failures"), suite.get("skipped")) != ("1", "2"):
        problems.append("failures=%s skipped=%s, expected 1 and 2" % (
            suite.get("failures"), suite.get("skipped")))
    failure = cases[1].find("failure") if len(cases) > 1 else None
    if failure is None or "not seen within 3ms" not in (failure.get("message") or ""):
        problems.append("the failure's message does not say what was not seen")
    if sanitizer_report(p.stderr):
        problems.append("sanitizer report")
    report(res, name, problems, p.stderr)


def determinism(res):
    """uart_swap on the HiFive1 (a sifive,uart0 sending from its FIFO on
    clock events, swapped for an ns16550a and back) three times: twice
    alike, once tracing every instruction to a file. The UART output, the
    chardev file and the scenario's log (each step's cycle, pc and
    instruction count) must be byte-identical."""
    name = "reconfig/determinism-uart_swap-hifive1"
    runs = []
    trace = os.path.join(OUT, "uart_swap-hifive1.trace")
    for extra in ([], [], ["--trace", "insn", "--trace-file", trace]):
        written = chardev_file("uart_swap", "hifive1")
        p = run_process(command("uart_swap", "hifive1", extra=extra))
        runs.append((p.status, p.stdout, read(written) if os.path.exists(written) else None,
                     scenario_log(p.stderr)))
    problems = []
    for i, label in ((1, "the second run"), (2, "the traced run")):
        for j, what in enumerate(("exit status", "stdout", "the chardev file", "the scenario log")):
            if runs[i][j] != runs[0][j]:
                problems.append("%s: %s differs from the first run's" % (label, what))
    if runs[0][0] != 0:
        problems.append("exit status %d" % runs[0][0])
    if not os.path.exists(trace) or os.path.getsize(trace) < 100000:
        problems.append("no instruction trace in %s" % trace)
    res.report(name, problems)


def run(res, only=None):
    """tests/run_tests.py's entry point, as the other runners'."""
    os.makedirs(OUT, exist_ok=True)
    for test in TESTS:
        for board in BOARDS:
            if not only or only in "reconfig/%s-%s" % (test, board):
                run_scenario(res, test, board)
    if not only or only in "reconfig/junit":
        junit_passing(res)
        junit_failing(res)
    if not only or only in "reconfig/determinism":
        determinism(res)
    reconfig_soak.run_soaks(res, only)
    chardev_handover.run(res, only)


def main():
    res = Results()
    run(res, only=sys.argv[2] if len(sys.argv) > 2 and sys.argv[1] == "-k" else None)
    return res.summary()


if __name__ == "__main__":
    sys.exit(main())
