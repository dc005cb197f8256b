"""The monitor console (`--monitor`; tests/run_tests.py runs these).

Over tcp: and unix: (and stdio), with the sanitized simulator: the
protocol (output lines, then `ok` or `error`), peripherals added and
removed while the firmware runs, malformed commands answered with an error
and changing nothing, a client that leaves mid-command and one that comes
after, a second client turned away, run control (stop, step, run-for,
cont, quit) with the exact boundaries it halts at, and bad --monitor
values. Firmware: tests/firmware/uart_echo.c (sleeps in wfi until a line
comes; "bye" ends it) and tests/firmware/scenario_ticks.h.
"""
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from consolelib import SIM, Client, Sim, testlib  # noqa: E402

ECHO = "build/fw/uart_echo.elf"
TICKS = "build/fw/scenario_ticks.elf"
HIFIVE1_TICKS = "build/fw/hifive1/scenario_ticks.elf"


class Check:
    """Collects problems; each `expect` names what it looked at."""

    def __init__(self):
        self.problems = []

    def expect(self, cond, what):
        if not cond:
            self.problems.append(what)
        return cond

    def reply(self, got, status, lines=None, contains=None):
        """got = (lines, status) from Client.cmd."""
        out, st = got
        ok = st == status
        if lines is not None:
            ok = ok and out == lines
        if contains is not None:
            ok = ok and any(contains in line for line in out)
        return self.expect(ok, "reply %r, expected %s%s%s" % (
            got, status, " lines %r" % (lines,) if lines is not None else "",
            " containing %r" % contains if contains else ""))


def end_of(sim, check, status):
    got = sim.finish()
    check.expect(got == status, "exit status %s, expected %s" % (got, status))
    check.expect(not testlib.sanitizer_report(sim.err.text),
                 "sanitizer report:\n" + sim.err.text)
    if check.problems:
        check.problems.append("--- stdout\n%s--- stderr\n%s" % (sim.out.text, sim.err.text))
    return check.problems


def live_peripherals(check, c, where):
    """Peripherals added and removed while the firmware runs, and
    malformed or refused commands that change nothing."""
    base, status = c.cmd("info peripherals")
    check.expect(status == "ok" and any(l.startswith("uart0 ") for l in base),
                 "info peripherals: %r" % (base,))
    check.reply(c.cmd("peripheral add stub0 memory-mapped-stub @0x20000000"), "ok",
                contains="added stub0")
    now, _ = c.cmd("info peripherals")
    check.expect(now[:len(base)] == base and len(now) == len(base) + 1 and
                 now[-1].startswith("stub0 ") and "memory-mapped-stub" in now[-1],
                 "after the add: %r" % (now,))
    check.reply(c.cmd("peripheral remove stub0"), "ok", contains="removed stub0")
    for bad in ["peripheral add", "peripheral add stub1 no-such-type @0x20000000",
                "peripheral add stub1 memory-mapped-stub @0x10000000",
                "peripheral remove nosuch", "peripheral move uart0", "bogus words",
                'uart uart0 send "unterminated', "uart nosuch send \"x\"", "step 0",
                "run-for 5parsecs", "quit 256"]:
        out, status = c.cmd(bad)
        check.expect(status == "error" and len(out) >= 1 and out[0].startswith("error: "),
                     "%r: %r (expected error: lines, then error)" % (bad, (out, status)))
    check.reply(c.cmd("info peripherals"), "ok", lines=base)
    check.reply(c.cmd("audit"), "ok")


def test_tcp_live(name):
    """tcp: commands while uart_echo sleeps in wfi, waiting for a line."""
    check = Check()
    sim = Sim(["--monitor", "tcp:0", ECHO])
    where = sim.listening()
    if not check.expect(where and where[0] == "127.0.0.1", "listening on %r" % (where,)):
        sim.kill()
        return end_of(sim, check, None)
    c = Client(where)
    live_peripherals(check, c, where)
    check.reply(c.cmd('uart uart0 send "hello\\n"'), "ok", contains="queued 6 bytes")
    check.expect(sim.out.wait_for(r"> hello\n"), "the firmware never echoed 'hello'")
    check.reply(c.cmd("x" * 5000), "error",
                lines=["error: line longer than 4096 bytes: ignored"])
    c.send_raw(b"info\0 irq\n")
    check.reply(c.reply(), "error", lines=["error: line holds a NUL byte: ignored"])
    check.reply(c.cmd("info irq"), "ok", contains="uart0.irq -> plic.10")
    check.reply(c.cmd('uart uart0 send "bye\\n"'), "ok")
    check.expect(c.line() is None, "the connection stays open after the run ended")
    c.close()
    check.expect("> bye\n" in sim.out.text or sim.out.wait_for(r"> bye\n"), "no '> bye'")
    return end_of(sim, check, 0)


def test_unix_live(name):
    """unix: the same over a Unix socket, whose path is removed at exit."""
    check = Check()
    with tempfile.TemporaryDirectory(prefix="mcusim-console-") as tmp:
        path = os.path.join(tmp, "monitor.sock")
        sim = Sim(["--monitor", "unix:" + path, ECHO])
        where = sim.listening()
        if not check.expect(where == path, "listening on %r" % (where,)):
            sim.kill()
            return end_of(sim, check, None)
        c = Client(path)
        live_peripherals(check, c, path)
        # the exit device removed and put back: the firmware still ends
        check.reply(c.cmd("peripheral remove test"), "ok")
        check.reply(c.cmd("peripheral add test sifive,test0 @0x100000"), "ok")
        check.reply(c.cmd('uart uart0 send "bye\\n"'), "ok")
        c.close()
        problems = end_of(sim, check, 0)
        if os.path.exists(path):
            problems.append("the socket %s is still there after the run" % path)
    return problems


def test_reconnect(name):
    """A client that leaves in the middle of a command loses it; the next
    client starts afresh. A second client meanwhile is turned away."""
    check = Check()
    sim = Sim(["--monitor", "tcp:127.0.0.1:0", ECHO])
    where = sim.listening()
    if not where:
        sim.kill()
        return end_of(sim, check, None)
    first = Client(where)
    check.reply(first.cmd("stats"), "ok", contains="instructions: ")
    second = Client(where)
    busy = second.line()
    check.expect(busy == "error: busy: another monitor client is connected",
                 "second client got %r" % busy)
    check.expect(second.line() is None, "the second client is not closed")
    second.close()
    check.reply(first.cmd("info irq"), "ok", contains="uart0.irq")
    first.send_raw(b"peripheral remove uar")  # no newline: never a command
    first.close()
    again = Client(where)
    check.reply(again.cmd("t0 remove"), "error", contains="unknown command 't0'")
    check.reply(again.cmd("info peripherals"), "ok", contains="uart0 ")
    check.reply(again.cmd('uart uart0 send "bye\\n"'), "ok")
    again.close()
    return end_of(sim, check, 0)


def halted_at(check, got, insns=None, cycle=None):
    """A run-control reply: 'halted at pc 0x... after N instructions, cycle C'."""
    out, status = got
    m = re.fullmatch(r"halted at pc 0x[0-9a-f]{8} after (\d+) instructions, cycle (\d+)",
                     out[0]) if status == "ok" and len(out) == 1 else None
    ok = m and (insns is None or int(m.group(1)) == insns) and \
        (cycle is None or int(m.group(2)) == cycle)
    check.expect(ok, "reply %r, expected halted after %s instructions at cycle %s"
                 % (got, insns, cycle))
    return (int(m.group(1)), int(m.group(2))) if m else (None, None)


def test_run_control(name):
    """--monitor-wait starts halted; step, run-for and stop halt at exact
    boundaries (virt32: 10 MHz); cont runs the firmware to its end."""
    check = Check()
    sim = Sim(["--monitor", "tcp:0", "--monitor-wait", TICKS])
    where = sim.listening()
    if not where:
        sim.kill()
        return end_of(sim, check, None)
    c = Client(where)
    check.reply(c.cmd("stats"), "ok", lines=["instructions: 0", "cycles: 0",
                                             "virtual time: 0.000000 s"])
    halted_at(check, c.cmd("step 10"), 10, 10)
    halted_at(check, c.cmd("step"), 11, 11)
    halted_at(check, c.cmd("run-for 1ms"), 10011, 10011)
    halted_at(check, c.cmd("run-for 50insns"), 10061, 10061)
    halted_at(check, c.cmd("run-for 1000"), 11061, 11061)
    halted_at(check, c.cmd("stop"), 11061, 11061)
    halted = ["instructions: 11061", "cycles: 11061", "virtual time: 0.001106 s"]
    check.reply(c.cmd("stats"), "ok", lines=halted)
    check.reply(c.cmd("info irq"), "ok")
    check.reply(c.cmd("stats"), "ok", lines=halted)  # nothing ran meanwhile
    check.reply(c.cmd("cont"), "ok", lines=[])
    check.expect(c.line() is None, "the connection stays open after the run ended")
    c.close()
    problems = end_of(sim, check, 0)
    if "done\n" not in sim.out.text:
        problems.append("the firmware did not run to its end")
    return problems


def test_stop_cont_quit(name):
    """stop halts a running firmware (uart_echo, sleeping), cont resumes,
    quit ends the run with its status."""
    check = Check()
    sim = Sim(["--monitor", "tcp:0", ECHO])
    where = sim.listening()
    if not where:
        sim.kill()
        return end_of(sim, check, None)
    c = Client(where)
    _, cycle = halted_at(check, c.cmd("stop"))
    halted_at(check, c.cmd("stats") and c.cmd("stop"), None, cycle)
    check.reply(c.cmd("cont"), "ok")
    check.reply(c.cmd('uart uart0 send "one\\n"'), "ok")
    check.expect(sim.out.wait_for(r"> one\n"), "no '> one' after cont")
    check.reply(c.cmd("quit 9"), "ok", lines=[])
    c.close()
    return end_of(sim, check, 9)


def test_stdio(name):
    """--monitor stdio: commands on stdin, replies on stdout between the
    firmware's output; the UART does not read stdin."""
    check = Check()
    sim = Sim(["--monitor", "stdio", "--monitor-wait", TICKS], stdin=subprocess.PIPE)
    sim.proc.stdin.write(b"step 3\ninfo nothing\nquit 4\n")
    sim.proc.stdin.close()
    problems = end_of(sim, check, 4)
    want = ("halted at pc 0x%08x after 3 instructions, cycle 3\nok\n"
            "error: unknown command 'info nothing'; try 'help info'\nerror\nok\n")
    m = re.sub(r"pc 0x[0-9a-f]{8}", "pc 0x%08x", sim.out.text)
    if m != want:
        problems.append("stdout %r, expected %r" % (sim.out.text, want))
    return problems


def test_stdio_keeps_uart_off_stdin(name):
    """A line typed while the firmware runs (paced by --realtime) waits
    for the console: the UART on stdio never reads it."""
    check = Check()
    sim = Sim(["--realtime", "--monitor", "stdio", "--monitor-wait", TICKS],
              stdin=subprocess.PIPE)
    sim.proc.stdin.write(b"run-for 20ms\n")
    sim.proc.stdin.flush()
    check.expect(sim.out.wait_for(r"tick 1\n"), "the firmware did not start")
    sim.proc.stdin.write(b"info irq\n")  # while it runs
    sim.proc.stdin.flush()
    check.expect(sim.out.wait_for(r"halted at pc"), "run-for never replied")
    sim.proc.stdin.write(b"quit 4\n")
    sim.proc.stdin.close()
    problems = end_of(sim, check, 4)
    if "what:" in sim.out.text or "uart0.irq -> plic.10" not in sim.out.text:
        problems.append("the console's line went to the UART: %r" % sim.out.text)
    return problems


def test_stdio_end_runs_on(name):
    """At the end of stdin a halted firmware runs on to its end."""
    check = Check()
    sim = Sim(["--monitor", "stdio", "--monitor-wait", TICKS], stdin=subprocess.PIPE)
    sim.proc.stdin.close()
    problems = end_of(sim, check, 0)
    if "done\n" not in sim.out.text:
        problems.append("the firmware did not run to its end: %r" % sim.out.text)
    return problems


def test_hifive1(name):
    """hifive1-revb: the console over tcp, halted at the start."""
    check = Check()
    sim = Sim(["--board", "hifive1-revb", "--monitor", "tcp:0", "--monitor-wait",
               HIFIVE1_TICKS])
    where = sim.listening()
    if not where:
        sim.kill()
        return end_of(sim, check, None)
    c = Client(where)
    check.reply(c.cmd("info peripherals"), "ok", contains="sifive,uart0")
    halted_at(check, c.cmd("run-for 1ms"), None, 16000)
    check.reply(c.cmd("quit"), "ok")
    c.close()
    return end_of(sim, check, 0)


def test_scenario_stop(name):
    """A scenario's `stop` halts until the console continues."""
    check = Check()
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        f.write("steps:\n  - name: halt\n    at: 2ms\n    do: stop\n"
                "  - name: done\n    on-uart: {uart0: \"done\"}\n    expect-exit: 0\n")
        scenario = f.name
    try:
        sim = Sim(["--monitor", "tcp:0", "--scenario", scenario, TICKS])
        where = sim.listening()
        c = Client(where)
        sim.err.wait_for(r"step 'halt' fired")
        halted_at(check, c.cmd("stop"), 20000, 20000)
        check.reply(c.cmd("cont"), "ok")
        c.close()
        problems = end_of(sim, check, 0)
        if "all 3 checks passed" not in sim.err.text:
            problems.append("the scenario did not pass:\n" + sim.err.text)
    finally:
        os.unlink(scenario)
    return problems


# (args, exit status, text stderr must contain)
BAD_OPTIONS = [
    (["--monitor", "telnet:4444", TICKS], 125,
     "mcusim: --monitor: 'telnet:4444' is not a console: expected stdio, "
     "tcp:[HOST:]PORT or unix:PATH"),
    (["--monitor", "tcp:99999", TICKS], 125,
     "mcusim: --monitor: 'tcp:99999': port must be 0-65535 (0: any free port)"),
    (["--monitor", "tcp::80", TICKS], 125, "missing host before ':'"),
    (["--monitor", "unix:", TICKS], 125, "missing the socket's path (expected unix:PATH)"),
    (["--monitor", "unix:/" + "x" * 200, TICKS], 125, "the socket path is longer than"),
    (["--monitor", "unix:/nonexistent-dir/m.sock", TICKS], 125,
     "--monitor: cannot listen on /nonexistent-dir/m.sock"),
    (["--monitor-wait", TICKS], 125, "--monitor-wait needs --monitor SPEC"),
    (["--monitor", "tcp:0", "--gdb", "0", TICKS], 125,
     "--monitor and --gdb cannot be combined"),
]


def test_bad_options(name):
    problems = []
    for args, status, text in BAD_OPTIONS:
        r = testlib.run([SIM] + args)
        if r.status != status or text not in r.stderr:
            problems.append("%s: exit %d, stderr %r (expected %d and %r)"
                            % (args, r.status, r.stderr, status, text))
    help_text = testlib.run([SIM, "--help"]).stdout
    for option in ["--monitor SPEC", "--monitor-wait", "--scenario FILE.yaml",
                   "--junit FILE.xml", "120  a --scenario step"]:
        if option not in help_text:
            problems.append("--help lacks %r" % option)
    return problems


TESTS = [
    ("console/tcp-live", test_tcp_live),
    ("console/unix-live", test_unix_live),
    ("console/reconnect", test_reconnect),
    ("console/run-control", test_run_control),
    ("console/stop-cont-quit", test_stop_cont_quit),
    ("console/stdio", test_stdio),
    ("console/stdio-keeps-uart-off-stdin", test_stdio_keeps_uart_off_stdin),
    ("console/stdio-end-runs-on", test_stdio_end_runs_on),
    ("console/hifive1", test_hifive1),
    ("console/scenario-stop", test_scenario_stop),
    ("console/bad-options", test_bad_options),
]


def run(res, only=None):
    for name, fn in TESTS:
        if not only or only in name:
            try:
                res.report(name, fn(name))
            except OSError as e:  # a refused connection, a timeout
                res.fail(name, "%s: %s" % (type(e).__name__, e))


if __name__ == "__main__":
    results = testlib.Results()
    run(results, only=sys.argv[2] if len(sys.argv) > 2 and sys.argv[1] == "-k" else None)
    sys.exit(results.summary())
