"""The monitor console (`--monitor`; tests/run_tests.py runs these).

Over tcp: and unix: (and stdio), with the sanitized simulator: the
protocol (output lines, then `ok` or `error`), peripherals added and
removed while the firmware runs, malformed commands answered with an error
and changing nothing, a client that leaves mid-command and one that comes
after, a second client turned away, run control (stop, step, run-for,
cont, quit) with the exact boundaries it halts at, a long run that a
`stop`, a `quit`, a scenario's `stop` or a hangup must still reach, a hart
asleep for good (time stands still) told from one about to wake, and bad
--monitor values. Firmware: tests/firmware/uart_echo.c (sleeps in wfi
until a line comes; "bye" ends it), tests/firmware/scenario_ticks.h,
tests/firmware/console_spin.c (spins, no events) and console_wake.c (a
timer interrupt at the end of a slice exits with 7).
"""
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from consolelib import SIM, Client, Sim, testlib  # noqa: E402

ECHO = "build/fw/uart_echo.elf"
TICKS = "build/fw/scenario_ticks.elf"
HIFIVE1_TICKS = "build/fw/hifive1/scenario_ticks.elf"
SPIN = "build/fw/console_spin.elf"
WAKE = "build/fw/console_wake.elf"
SLICE = 10000  # cycles of one run loop slice on virt32 (1 ms at 10 MHz)


class Check(testlib.Check):
    """testlib's, and a console reply's checks."""

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


def scenario_file(text):
    """A temporary scenario file holding `text`; the caller unlinks it."""
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        f.write(text)
        return f.name


def test_resume_at_slice_end(name):
    """A run resumed exactly where a slice ends (its first slice is empty)
    is not a hart asleep for good: `step 5` after `step 10000` steps, and
    `cont` there runs on until the scenario's `quit 5` (the firmware
    spins, no events)."""
    problems = []
    scenario = scenario_file("steps:\n  - name: end\n    insns: 200000\n    do: quit 5\n")
    try:
        for steps in ([SLICE, 5, SLICE - 5], [SLICE]):
            check = Check()
            sim = Sim(["--monitor", "tcp:0", "--monitor-wait", "--scenario", scenario, SPIN])
            where = sim.listening()
            if not where:
                sim.kill()
                return end_of(sim, check, None)
            c = Client(where)
            done = 0
            for n in steps:
                done += n
                halted_at(check, c.cmd("step %d" % n), done, done)
            check.reply(c.cmd("cont"), "ok", lines=[])
            check.expect(c.line() is None, "the connection stays open after the run ended")
            c.close()
            problems += ["steps %s: %s" % (steps, p) for p in end_of(sim, check, 5)]
        return problems
    finally:
        os.unlink(scenario)


def test_wake_with_slice_end(name):
    """A timer interrupt raised in the same clock round as a slice's end
    wakes the hart: with a console open (and no client) the firmware's
    handler still exits with 7, as without one."""
    check = Check()
    plain = testlib.run([SIM, WAKE])
    check.expect(plain.status == 7, "without a console: exit %d" % plain.status)
    sim = Sim(["--monitor", "tcp:0", WAKE])
    return end_of(sim, check, 7)


def test_idle_time_stands_still(name):
    """A hart asleep for good (uart_echo in wfi, nothing scheduled) waits
    for the console without virtual time passing, whatever comes."""
    check = Check()
    sim = Sim(["--monitor", "tcp:0", "--monitor-wait", ECHO])
    where = sim.listening()
    if not where:
        sim.kill()
        return end_of(sim, check, None)
    c = Client(where)
    halted_at(check, c.cmd("run-for 2ms"), None, 2 * SLICE)
    check.reply(c.cmd("cont"), "ok", lines=[])
    for _ in range(3):
        out, status = c.cmd("stats")
        check.expect(status == "ok" and "cycles: %d" % (2 * SLICE) in out,
                     "stats while asleep: %r (expected cycles: %d)" % (out, 2 * SLICE))
    check.reply(c.cmd('uart uart0 send "bye\\n"'), "ok")
    c.close()
    return end_of(sim, check, 0)


def test_scenario_stop_ends_run(name):
    """A scenario's `stop` during a console `run-for` ends it: the reply
    says where, and the console's next lines run (cont)."""
    check = Check()
    scenario = scenario_file("steps:\n  - name: halt\n    at: 1ms\n    do: stop\n")
    try:
        sim = Sim(["--monitor", "tcp:0", "--monitor-wait", "--scenario", scenario, TICKS])
        where = sim.listening()
        if not where:
            sim.kill()
            return end_of(sim, check, None)
        c = Client(where)
        halted_at(check, c.cmd("run-for 5ms"), None, SLICE)
        check.reply(c.cmd("stats"), "ok", contains="cycles: %d" % SLICE)
        check.reply(c.cmd("cont"), "ok", lines=[])
        c.close()
        problems = end_of(sim, check, 0)
        if "done\n" not in sim.out.text or "all 1 checks passed" not in sim.err.text:
            problems.append("the firmware did not run to its end after cont")
        return problems
    finally:
        os.unlink(scenario)


# A scenario step that shows on stderr that a run has been running a while.
RUNNING = "steps:\n  - name: running\n    insns: 20000\n    do: stats\n"


def test_stop_during_run(name):
    """Lines sent while a long `run-for` runs are read as it runs: a `stop`
    ends it (its reply first), the lines before the stop are answered in
    order between the two (a refused one too)."""
    check = Check()
    scenario = scenario_file(RUNNING)
    try:
        sim = Sim(["--monitor", "tcp:0", "--monitor-wait", "--scenario", scenario, SPIN])
        where = sim.listening()
        if not where:
            sim.kill()
            return end_of(sim, check, None)
        c = Client(where)
        c.send_raw(b"run-for 10000s\n")
        check.expect(sim.err.wait_for(r"step 'running' fired"), "the run did not start")
        c.send_raw(b"x" * 5000 + b"\nstats\nstop\n")
        insns, _ = halted_at(check, c.reply())
        check.reply(c.reply(), "error", lines=["error: line longer than 4096 bytes: ignored"])
        check.reply(c.reply(), "ok", contains="instructions: %s" % insns)
        halted_at(check, c.reply(), insns)
        check.reply(c.cmd("quit 5"), "ok", lines=[])
        c.close()
        return end_of(sim, check, 5)
    finally:
        os.unlink(scenario)


def test_script_waits_for_run(name):
    """Lines that were there before a run began wait for it, `quit` too: a
    script's `run-for 3ms` runs 3 ms before its `quit`."""
    check = Check()
    sim = Sim(["--monitor", "stdio", "--monitor-wait", SPIN], stdin=subprocess.PIPE)
    sim.proc.stdin.write(b"run-for 3ms\nstats\nquit 4\n")
    sim.proc.stdin.flush()
    problems = end_of(sim, check, 4)
    sim.proc.stdin.close()
    want = ("halted at pc 0x%%08x after %d instructions, cycle %d\nok\ninstructions: %d\n"
            % (3 * SLICE, 3 * SLICE, 3 * SLICE))
    if not re.sub(r"pc 0x[0-9a-f]{8}", "pc 0x%08x", sim.out.text).startswith(want):
        problems.append("stdout %r, expected it to start with %r" % (sim.out.text, want))
    return problems


def test_hangup_during_run(name):
    """A client that hangs up during its `run-for` is seen as the run goes
    on without it: the next client is taken in, a third is turned away,
    and the new client's `quit` ends the run at once."""
    check = Check()
    scenario = scenario_file(RUNNING)
    try:
        sim = Sim(["--monitor", "tcp:0", "--monitor-wait", "--scenario", scenario, SPIN])
        where = sim.listening()
        if not where:
            sim.kill()
            return end_of(sim, check, None)
        first = Client(where)
        first.send_raw(b"run-for 10000s\n")
        first.close()
        second = Client(where)
        check.expect(sim.err.wait_for(r"step 'running' fired"), "the run did not start")
        third = Client(where)
        busy = third.line()
        check.expect(busy == "error: busy: another monitor client is connected",
                     "a third client during the run got %r" % busy)
        third.close()
        check.reply(second.cmd("quit 6"), "ok", lines=[])
        second.close()
        return end_of(sim, check, 6)
    finally:
        os.unlink(scenario)


def test_half_close_gets_replies(name):
    """A client that shuts down its sending side right after its lines
    (as `nc -N` does) still gets every reply, even though the console reads
    its end during the run, and is closed after the last; the next client
    is taken in."""
    check = Check()
    sim = Sim(["--monitor", "tcp:0", "--monitor-wait", SPIN])
    where = sim.listening()
    if not where:
        sim.kill()
        return end_of(sim, check, None)
    c = Client(where)
    c.send_raw(b"run-for 2ms\nstats\n")
    c.sock.shutdown(socket.SHUT_WR)
    halted_at(check, c.reply(), 2 * SLICE, 2 * SLICE)
    check.reply(c.reply(), "ok", contains="instructions: %d" % (2 * SLICE))
    check.expect(c.line() is None, "the client is not closed after its last reply")
    c.close()
    again = Client(where)
    check.reply(again.cmd("quit 2"), "ok", lines=[])
    again.close()
    return end_of(sim, check, 2)


def test_crlf_at_limit(name):
    """A line of exactly 4096 bytes runs whether it ends in LF or CRLF (the
    CR is not counted); one byte more is refused."""
    check = Check()
    sim = Sim(["--monitor", "tcp:0", "--monitor-wait", TICKS])
    where = sim.listening()
    if not where:
        sim.kill()
        return end_of(sim, check, None)
    c = Client(where)
    line = "stats" + " " * 4091
    for end in (b"\n", b"\r\n"):
        c.send_raw(line.encode() + end)
        check.reply(c.reply(), "ok", contains="instructions: 0")
    c.send_raw(line.encode() + b" \r\n")
    check.reply(c.reply(), "error", lines=["error: line longer than 4096 bytes: ignored"])
    check.reply(c.cmd("quit 4"), "ok", lines=[])
    c.close()
    return end_of(sim, check, 4)


def test_realtime_after_halt(name):
    """--realtime does not catch up on time spent halted. The console
    halts a spinning firmware for HALT host seconds (waited for, never
    measured), `cont`, then --timeout ends the run: the firmware ran at
    most TIMEOUT - HALT seconds, so realtime allows at most that much
    virtual time (plus a slice). A correct simulator stays under the bound
    however slow the host; one that catches up runs about TIMEOUT."""
    check = Check()
    halt, timeout, hz = 1.0, 2.0, 10000000
    sim = Sim(["--realtime", "--timeout", str(timeout), "--monitor", "stdio",
               "--monitor-wait", SPIN], stdin=subprocess.PIPE)
    sim.proc.stdin.write(b"stats\n")
    sim.proc.stdin.flush()
    check.expect(sim.out.wait_for(r"virtual time: .*\nok\n"), "no reply to stats")
    time.sleep(halt)  # halted at least this long after the session began
    sim.proc.stdin.write(b"cont\n")
    sim.proc.stdin.flush()
    m = sim.err.wait_for(r"stopped by --timeout after .* \((\d+) instructions\)")
    bound = int((timeout - halt) * hz) + SLICE
    check.expect(m and int(m.group(1)) <= bound,
                 "ran %s instructions after the halt, at most %d expected"
                 % (m and m.group(1), bound))
    sim.proc.stdin.close()
    return end_of(sim, check, 123)


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
    ("console/resume-at-slice-end", test_resume_at_slice_end),
    ("console/wake-with-slice-end", test_wake_with_slice_end),
    ("console/idle-time-stands-still", test_idle_time_stands_still),
    ("console/scenario-stop-ends-run", test_scenario_stop_ends_run),
    ("console/stop-during-run", test_stop_during_run),
    ("console/script-waits-for-run", test_script_waits_for_run),
    ("console/hangup-during-run", test_hangup_during_run),
    ("console/half-close-gets-replies", test_half_close_gets_replies),
    ("console/crlf-at-limit", test_crlf_at_limit),
    ("console/realtime-after-halt", test_realtime_after_halt),
    ("console/bad-options", test_bad_options),
]


def run(res, only=None):
    testlib.run_cases(res, TESTS, only)


if __name__ == "__main__":
    results = testlib.Results()
    run(results, only=sys.argv[2] if len(sys.argv) > 2 and sys.argv[1] == "-k" else None)
    sys.exit(results.summary())
