"""Scenario runs (`--scenario`, `--junit`; tests/run_tests.py runs these).

The firmware is tests/firmware/scenario_ticks.h, built for virt32
(build/fw/scenario_ticks.elf) and the HiFive1
(build/fw/hifive1/scenario_ticks.elf): "READY", then "tick N" lines, a
call to checkpoint() every ten ticks, and answers to lines sent to its
UART ("quit N" exits with N). The scenario files sit beside this script.

Each trigger must land on its exact boundary (an `at` on the cycle its
time converts to at the board's frequency, `insns` on that instruction
count, `pc` with the pc at the symbol), the same scenario must give the
same run byte for byte (twice, and with instruction tracing on), failed
expectations end the run with status 120 and a message naming the step,
what was expected and what was seen, --junit writes valid XML with one
testcase per step and per expectation, and errors in the file or in the
firmware's symbols carry FILE:LINE:COL.
"""
import os
import re
import socket
import struct
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import testlib  # noqa: E402

SIM = os.environ.get("MCUSIM_SIM", testlib.SIM)
HERE = "tests/scenario/"
EXIT_SCENARIO_FAILED = 120
EXIT_SIM_ERROR = 125

BOARDS = {
    # name: (options, ELF, cpu frequency)
    "virt32": ([], "build/fw/scenario_ticks.elf", 10000000),
    "hifive1-revb": (["--board", "hifive1-revb"], "build/fw/hifive1/scenario_ticks.elf",
                     16000000),
}


def elf_symbol(path, name):
    """The value of symbol `name` in a 32-bit little-endian ELF."""
    with open(os.path.join(testlib.TOP, path), "rb") as f:
        data = f.read()
    shoff, = struct.unpack_from("<I", data, 0x20)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x2e)
    sections = [struct.unpack_from("<IIIIIIIIII", data, shoff + i * shentsize)
                for i in range(shnum)]
    for sh in sections:
        if sh[1] != 2:  # SHT_SYMTAB
            continue
        strtab = sections[sh[6]]
        for off in range(sh[4], sh[4] + sh[5], 16):
            st_name, st_value = struct.unpack_from("<II", data, off)
            start = strtab[4] + st_name
            if data[start:data.index(b"\0", start)].decode() == name:
                return st_value
    raise KeyError(name)


def sim(board, scenario, *extra):
    options, elf, _ = BOARDS[board]
    return testlib.run([SIM] + options + ["--scenario", HERE + scenario] + list(extra) + [elf])


def common_problems(r, status):
    problems = []
    if r.status != status:
        problems.append("exit status %d, expected %d" % (r.status, status))
    if testlib.sanitizer_report(r.stderr):
        problems.append("sanitizer report")
    return problems


def fired(stderr, step):
    """(cycle, pc, instructions) of the step's firing line."""
    m = re.search(r"step '%s' fired at cycle (\d+) \(pc 0x([0-9a-f]+), (\d+) instructions\)"
                  % re.escape(step), stderr)
    return (int(m.group(1)), int(m.group(2), 16), int(m.group(3))) if m else None


def check_triggers(board):
    _, elf, hz = BOARDS[board]
    r = sim(board, "triggers.yaml")
    problems = common_problems(r, 0)
    at = fired(r.stderr, "at 5ms")
    if not at or at[0] != 5 * hz // 1000:
        problems.append("'at 5ms' fired at %s, expected cycle %d" % (at, 5 * hz // 1000))
    at = fired(r.stderr, "at cycles")
    if not at or at[0] != 120001:
        problems.append("'at 120001cycles' fired at %s" % (at,))
    at = fired(r.stderr, "at insns")
    if not at or at[2] != 150003:
        problems.append("'insns: 150003' fired at %s" % (at,))
    at = fired(r.stderr, "at checkpoint")
    if not at or at[1] != elf_symbol(elf, "checkpoint"):
        problems.append("'pc: checkpoint' fired at %s, checkpoint is 0x%x"
                        % (at, elf_symbol(elf, "checkpoint")))
    on_uart = fired(r.stderr, "on tick 40")
    if not on_uart or "tick 40\n" not in r.stdout:
        problems.append("'on-uart tick 40' did not fire: %s" % (on_uart,))
    for text in ["expect-uart uart0 \"tick 41\\n\": seen at cycle",
                 "step 'ask to quit': expect-exit 0: exited with 0",
                 "triggers.yaml: all 8 checks passed"]:
        if text not in r.stderr:
            problems.append("stderr lacks %r" % text)
    return problems, r


def check_determinism(board, first):
    """The triggers run again, then with every instruction traced: the same
    output on both streams, byte for byte."""
    problems = []
    again = sim(board, "triggers.yaml")
    with tempfile.NamedTemporaryFile(prefix="mcusim-trace-") as trace:
        traced = sim(board, "triggers.yaml", "--trace", "insn", "--trace-file", trace.name)
    for name, r in (("a second run", again), ("a run with --trace insn", traced)):
        if (r.status, r.stdout, r.stderr) != (first.status, first.stdout, first.stderr):
            problems.append("%s differs:\n--- first\n%s%s\n--- this\n%s%s"
                            % (name, first.stdout, first.stderr, r.stdout, r.stderr))
    return problems


def check_failures():
    """Each failing scenario: its exit status and the message it must give."""
    cases = [
        ("expect_uart_fail.yaml", EXIT_SCENARIO_FAILED, [
            r"expect_uart_fail\.yaml:6:19: step 'wait for tick 3' failed: expect-uart uart0 "
            r"\"no such text\": not seen within 1ms \(by cycle \d+\); uart0 printed since the "
            r"step fired: \"tick 4\\ntick 5\\n\"",
            r"1 of 2 checks failed"]),
        ("expect_exit.yaml", 4, [r"expect-exit 4: exited with 4", r"all 2 checks passed"]),
        ("expect_exit_fail.yaml", EXIT_SCENARIO_FAILED, [
            r"expect_exit_fail\.yaml:6:18: step 'tell it to quit' failed: expect-exit 5: the "
            r"firmware exited with status 4"]),
        ("never_triggered.yaml", EXIT_SCENARIO_FAILED, [
            r"never_triggered\.yaml:7:9: step 'too late' failed: never triggered: the run ended "
            r"\(the firmware exited first\)"]),
        ("command_fail.yaml", EXIT_SCENARIO_FAILED, [
            r"command_fail\.yaml:7:9: step 'remove what is not there' failed: command "
            r"'peripheral remove nosuch' failed: no peripheral named 'nosuch'"]),
        ("stop_needs_console.yaml", EXIT_SCENARIO_FAILED, [
            r"step 'halt' failed: command 'stop' failed: 'stop' needs a console"]),
        ("run_control.yaml", 7, [
            r"cycles: 10000\n.*virtual.*\n.*> run-for 2ms\n.*> stats\n.*\n.*cycles: 30000\n"
            r".*virtual.*\n.*> step 5\n.*> stats\n.*instructions: 30005\n.*\n.*virtual.*\n"
            r".*> run-for 100insns\n.*> stats\n.*instructions: 30105\n",
            r"step 'quit' fired at cycle 40000", r"all 2 checks passed"]),
        ("bad_symbol.yaml", EXIT_SIM_ERROR, [
            r"mcusim: tests/scenario/bad_symbol\.yaml:3:9: step 'somewhere': the firmware has "
            r"no symbol 'no_such_function'"]),
        ("bad_key.yaml", EXIT_SIM_ERROR, [
            r"mcusim: tests/scenario/bad_key\.yaml:4:5: unknown key 'expect-uartt'"]),
    ]
    results = []
    for scenario, status, patterns in cases:
        r = sim("virt32", scenario)
        problems = common_problems(r, status)
        for p in patterns:
            if not re.search(p, r.stderr):
                problems.append("stderr lacks /%s/" % p)
        if problems:
            problems.append("--- stderr\n" + r.stderr)
        results.append(("scenario/" + scenario[:-5], problems))
    return results


def check_within_long():
    """A `within` whose deadline lies past 2^64 cycles saturates instead
    of wrapping round to a deadline already past."""
    r = sim("virt32", "within_long.yaml", "--set", "cpu.frequency=1G")
    problems = common_problems(r, 0)
    if "expect-uart uart0 \"tick 3\\n\": seen at cycle" not in r.stderr or \
            "all 2 checks passed" not in r.stderr:
        problems.append("the long `within` did not wait:\n" + r.stderr)
    return problems


def junit_cases(path):
    root = ET.parse(path).getroot()
    suite = root.find("testsuite")
    cases = []
    for case in suite.findall("testcase"):
        failure, skipped = case.find("failure"), case.find("skipped")
        cases.append((case.get("name"),
                      failure.get("message") if failure is not None else None,
                      skipped.get("message") if skipped is not None else None))
    return suite, cases


def check_junit():
    """--junit: a passing run, a failing one, and names XML must escape."""
    problems = []
    with tempfile.TemporaryDirectory(prefix="mcusim-junit-") as tmp:
        report = os.path.join(tmp, "report.xml")
        r = sim("virt32", "triggers.yaml", "--junit", report)
        problems += common_problems(r, 0)
        suite, cases = junit_cases(report)
        names = [c[0] for c in cases]
        want = ["at 5ms", "at cycles", "at insns", "on tick 40",
                "on tick 40: expect-uart uart0 \"tick 41\\n\"", "at checkpoint",
                "ask to quit", "ask to quit: expect-exit 0"]
        if names != want or suite.get("tests") != "8" or suite.get("failures") != "0":
            problems.append("passing report: %s (tests %s, failures %s)"
                            % (names, suite.get("tests"), suite.get("failures")))
        if any(c[1] or c[2] for c in cases):
            problems.append("passing report has failures or skips: %s" % cases)

        r = sim("virt32", "command_fail.yaml", "--junit", report)
        problems += common_problems(r, EXIT_SCENARIO_FAILED)
        suite, cases = junit_cases(report)
        want = [("remove what is not there", "command 'peripheral remove nosuch' failed: "
                 "no peripheral named 'nosuch'", None),
                ("never reached", None, "not reached: the run ended at a failure")]
        if cases != want or suite.get("failures") != "1" or suite.get("skipped") != "1":
            problems.append("failing report: %s" % cases)

        r = sim("virt32", "junit_names.yaml", "--junit", report)
        problems += common_problems(r, EXIT_SCENARIO_FAILED)
        suite, cases = junit_cases(report)  # parses: the XML is valid
        want_name = "<step> & \"quotes\" 'too'"
        if [c[0] for c in cases] != [want_name, want_name + ": expect-uart uart0 "
                                     "\"tick\\x01<&>\""] or not cases[1][1] or \
                "not seen within 1ms" not in cases[1][1]:
            problems.append("escaped report: %s" % cases)

        r = sim("virt32", "junit_xml_chars.yaml", "--junit", report)
        problems += common_problems(r, EXIT_SCENARIO_FAILED)
        try:
            suite, cases = junit_cases(report)
            want_name = "not xml \\xef\\xbf\\xbe \\xef\\xbf\\xbf, xml \ufffd"
            if [c[0] for c in cases] != [want_name, want_name + ": expect-uart uart0 "
                                         "\"\\xef\\xbf\\xbf\""]:
                problems.append("U+FFFE/U+FFFF escaped: %s" % cases)
        except ET.ParseError as e:
            problems.append("U+FFFE/U+FFFF make the report invalid XML: %s" % e)

        r = testlib.run([SIM, "--scenario", HERE + "triggers.yaml", "--junit",
                         os.path.join(tmp, "no", "such", "dir.xml"), BOARDS["virt32"][1]])
        problems += common_problems(r, EXIT_SIM_ERROR)
        if "--junit: " not in r.stderr or "cannot create" not in r.stderr:
            problems.append("an unwritable --junit path: " + r.stderr)
    problems += check_junit_spares_files()
    r = sim("virt32", "expect_exit.yaml", "--junit", "/dev/full")
    problems += common_problems(r, 121)  # lost output, like any other
    if "mcusim: --junit /dev/full: cannot write: No space left on device" not in r.stderr:
        problems.append("--junit /dev/full: " + r.stderr)
    r = testlib.run([SIM, "--junit", "x.xml", BOARDS["virt32"][1]])
    problems += common_problems(r, EXIT_SIM_ERROR)
    if "--junit needs --scenario" not in r.stderr:
        problems.append("--junit without --scenario: " + r.stderr)
    return problems


def sim_with_stdin(board, scenario, text):
    """A run whose stdin is a regular file holding `text` (read as it
    comes, without polling: the same cycles on every run)."""
    options, elf, _ = BOARDS[board]
    with tempfile.TemporaryFile() as f:
        f.write(text.encode())
        f.seek(0)
        p = subprocess.run([SIM] + options + ["--scenario", HERE + scenario, elf],
                           cwd=testlib.TOP, env=testlib.ENV, stdin=f, capture_output=True,
                           timeout=testlib.TIMEOUT)
    return testlib.Ran(p.returncode, p.stdout.decode(errors="replace"),
                       p.stderr.decode(errors="replace"))


def check_stdin_handover():
    """UART0 on stdio reads stdin; whoever takes stdio over at 10us (the
    replaced model, the same chardev set again, another UART once UART0
    is gone) reads the rest: "echo hi" answered, "quit 5" obeyed."""
    results = []
    for scenario in ("stdin_replace.yaml", "stdin_set_chardev.yaml",
                     "stdin_other_name.yaml"):
        r = sim_with_stdin("virt32", scenario, "echo hi\nquit 5\n")
        problems = common_problems(r, 5)
        if "echo: hi\n" not in r.stdout or "all 3 checks passed" not in r.stderr:
            problems.append("stdin was not read after the handover:\n--- stdout\n%s"
                            "--- stderr\n%s" % (r.stdout[-300:], r.stderr))
        results.append(("scenario/" + scenario[:-5], problems))
    return results


def check_bus_device_live():
    """`peripheral set i2c0 dev0.temperature 30.5` changes the sensor
    behind the controller, and the machine records it: after a power
    cycle of the controller the firmware still reads 30.5 C."""
    p = subprocess.run([SIM, "--board", "tests/firmware/boards/hifive1-i2c.yaml:hifive1-i2c",
                        "--scenario", HERE + "i2c_sensor_live.yaml",
                        "build/fw/hifive1/i2c_sensor.elf"],
                       cwd=testlib.TOP, env=testlib.ENV, capture_output=True,
                       timeout=testlib.TIMEOUT)
    r = testlib.Ran(p.returncode, p.stdout.decode(errors="replace"),
                    p.stderr.decode(errors="replace"))
    problems = common_problems(r, 0)
    if "temp 0x1e80 = 30.500 C," not in r.stdout or "all 5 checks passed" not in r.stderr:
        problems.append("the live temperature was not read:\n--- stdout\n%s--- stderr\n%s"
                        % (r.stdout[-400:], r.stderr[-600:]))
    return problems


def check_junit_spares_files():
    """--junit truncates nothing before the report is ready: naming the
    scenario, the ELF or the board file is refused and leaves it whole, a
    run that fails before its report leaves an old report as it was, and
    a report written leaves nothing else behind in its folder."""
    problems = []
    options, elf, _ = BOARDS["virt32"]
    with tempfile.TemporaryDirectory(prefix="mcusim-junit-") as tmp:
        copies = {}
        for name, src in (("s.yaml", HERE + "expect_exit.yaml"), ("fw.elf", elf),
                          ("b.yaml", "boards.yaml")):
            with open(os.path.join(testlib.TOP, src), "rb") as f:
                copies[name] = f.read()
            with open(os.path.join(tmp, name), "wb") as f:
                f.write(copies[name])
        s, fw, b = (os.path.join(tmp, n) for n in ("s.yaml", "fw.elf", "b.yaml"))
        link = os.path.join(tmp, "link.elf")
        os.symlink("fw.elf", link)
        for junit, what in ((s, "is the scenario file"), (fw, "is the firmware"),
                            (link, "is the firmware"), (b, "is the board file")):
            r = testlib.run([SIM, "--board", b + ":virt32", "--scenario", s, "--junit", junit,
                             fw])
            problems += common_problems(r, EXIT_SIM_ERROR)
            if "mcusim: --junit: %s: %s" % (junit, what) not in r.stderr:
                problems.append("--junit %s: %r, expected '%s'" % (junit, r.stderr, what))
        for name, data in copies.items():
            with open(os.path.join(tmp, name), "rb") as f:
                if f.read() != data:
                    problems.append("--junit changed %s" % name)

        report = os.path.join(tmp, "report.xml")
        with open(report, "w") as f:
            f.write("an old report\n")
        r = sim("virt32", "bad_symbol.yaml", "--junit", report)
        problems += common_problems(r, EXIT_SIM_ERROR)
        with open(report) as f:
            if f.read() != "an old report\n":
                problems.append("a run that failed early changed the old report")
        r = sim("virt32", "expect_exit.yaml", "--junit", report)
        problems += common_problems(r, 4)
        junit_cases(report)  # a whole report, which parses
        left = sorted(os.listdir(tmp))
        if left != ["b.yaml", "fw.elf", "link.elf", "report.xml", "s.yaml"]:
            problems.append("left in the report's folder: %s" % left)
    return problems


def check_with_console():
    """A console open (and no client) changes nothing: the same run, byte
    for byte, as without one, also when the run resumes right where a
    slice ends (slice_ends.yaml), which must not pass for a hart asleep."""
    problems = []
    for scenario, status in (("triggers.yaml", 0), ("slice_ends.yaml", 3)):
        plain = sim("virt32", scenario)
        console = sim("virt32", scenario, "--monitor", "tcp:0")
        problems += common_problems(plain, status)
        problems += ["with a console: " + p for p in common_problems(console, status)]
        err = re.sub(r"mcusim: monitor listening on \S+\n", "", console.stderr)
        if (console.stdout, err) != (plain.stdout, plain.stderr):
            problems.append("%s differs with a console:\n--- without\n%s%s\n--- with\n%s%s"
                            % (scenario, plain.stdout[-500:], plain.stderr,
                               console.stdout[-500:], console.stderr))
    return problems


# ---- a scenario under gdb: a breakpoint gdb and the scenario share ----

def rsp_packet(sock, body):
    """Sends one packet (acknowledged mode) and returns the reply's body."""
    data = body.encode()
    sock.sendall(b"$%s#%02x" % (data, sum(data) & 0xff))
    buf = b""
    while True:
        m = re.search(rb"\$([^#]*)#[0-9a-fA-F]{2}", buf)
        if m:
            sock.sendall(b"+")
            return m.group(1).decode()
        chunk = sock.recv(4096)
        if not chunk:
            return None
        buf += chunk


def check_gdb_shared_breakpoint():
    """gdb and a `pc:` step on the same address: the scenario fires, gdb
    still stops there, and its breakpoint stays for the next call too."""
    _, elf, _ = BOARDS["virt32"]
    checkpoint = elf_symbol(elf, "checkpoint")
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        f.write("steps:\n  - name: at checkpoint\n    pc: checkpoint\n    do: stats\n")
        scenario = f.name
    proc = subprocess.Popen([SIM, "--gdb", "0", "--gdb-wait", "--scenario", scenario, elf],
                            cwd=testlib.TOP, env=testlib.ENV, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    problems = []
    try:
        line = proc.stderr.readline().decode()
        m = re.search(r"gdb server listening on (\S+):(\d+)", line)
        if not m:
            return ["no gdb server line: " + line]
        sock = socket.create_connection((m.group(1), int(m.group(2))), timeout=testlib.TIMEOUT)
        replies = [rsp_packet(sock, "Z0,%x,2" % checkpoint)]
        for _ in range(3):  # checkpoint runs at ticks 10, 20, 30...
            replies += [rsp_packet(sock, "c"), rsp_packet(sock, "p20")]
        sock.close()
        pc = "%08x" % checkpoint
        pc_le = "".join(reversed([pc[i:i + 2] for i in range(0, 8, 2)]))
        if replies[0] != "OK" or not all(r and r.startswith("T05") for r in replies[1::2]) \
                or replies[2::2] != [pc_le] * 3:
            problems.append("gdb's replies: %s (checkpoint is 0x%s)" % (replies, pc))
    finally:
        out, err = proc.communicate(timeout=testlib.TIMEOUT)
        os.unlink(scenario)
    err = err.decode(errors="replace")
    if not fired(err, "at checkpoint") or fired(err, "at checkpoint")[1] != checkpoint:
        problems.append("the scenario's step did not fire at checkpoint:\n" + err)
    if err.count("step 'at checkpoint' fired") != 1:
        problems.append("the step fired more than once:\n" + err)
    if testlib.sanitizer_report(err):
        problems.append("sanitizer report:\n" + err)
    return problems


def run(res, only=None):
    def wanted(name):
        return not only or only in name
    for board in BOARDS:
        name = "scenario/triggers-" + board
        if wanted(name) or wanted("scenario/determinism-" + board):
            problems, first = check_triggers(board)
            if wanted(name):
                res.report(name, problems + (["--- stderr\n" + first.stderr] if problems else []))
            if wanted("scenario/determinism-" + board):
                res.report("scenario/determinism-" + board, check_determinism(board, first))
    if any(wanted("scenario/" + c) for c in
           ("expect_", "never_", "command_", "stop_", "run_control", "bad_")):
        for name, problems in check_failures():
            if wanted(name):
                res.report(name, problems)
    if wanted("scenario/within_long"):
        res.report("scenario/within_long", check_within_long())
    if wanted("scenario/stdin_"):
        for name, problems in check_stdin_handover():
            if wanted(name):
                res.report(name, problems)
    if wanted("scenario/i2c_sensor_live"):
        res.report("scenario/i2c_sensor_live", check_bus_device_live())
    if wanted("scenario/junit"):
        res.report("scenario/junit", check_junit())
    if wanted("scenario/with-console"):
        res.report("scenario/with-console", check_with_console())
    if wanted("scenario/gdb-shared-breakpoint"):
        res.report("scenario/gdb-shared-breakpoint", check_gdb_shared_breakpoint())


if __name__ == "__main__":
    results = testlib.Results()
    run(results, only=sys.argv[2] if len(sys.argv) > 2 and sys.argv[1] == "-k" else None)
    sys.exit(results.summary())
