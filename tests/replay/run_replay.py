"""Record and replay (`--record FILE`, `--replay FILE`; tests/run_tests.py
runs these, docs/DEBUGGING.md documents them).

Each test records a run with inputs that come at host times no test
controls (bytes from a tcp client sent with pauses between them, console
commands, gdb's writes; a tcp recording starts halted until its client is
connected, as output with no client is dropped), then replays the file
with no client, no console and no gdb, on both engines (and recorded on one, replayed on the other):
the UART output must be byte for byte what the recorded run sent, and the
instruction count (--stats) and exit status the same. A replay reads no
chardev input: its UART's chardev is `stdio` with stdin at /dev/null, so a
replay that did not feed the logged bytes would sleep forever (status 126)
or print something else. Refused files: another firmware, another board,
other options, a damaged line, a truncated line, another version. A
recording whose simulator was killed keeps its inputs (the file is written
as they come) and replays them, then runs on live.

Firmware: tests/firmware/uart_echo.c (virt32: echoes lines, "bye" ends),
tests/firmware/hifive1/gpio_irq.c (GPIO interrupts on
tests/firmware/boards/hifive1-gpio.yaml), tests/firmware/scenario_ticks.h
(virt32: ticks, answers lines, calls checkpoint()). Every wait has a
generous guard (testlib.TIMEOUT); nothing is timed: the pauses only make
the inputs land at arbitrary virtual times.
"""
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "console"))
import testlib  # noqa: E402
from consolelib import Client, Sim  # noqa: E402

ECHO = "build/fw/uart_echo.elf"
TICKS = "build/fw/scenario_ticks.elf"
GPIO = "build/fw/hifive1/gpio_irq.elf"
GPIO_BOARD = "tests/firmware/boards/hifive1-gpio.yaml"
ENGINES = testlib.ENGINES
WAIT = testlib.TIMEOUT


def engine_opts(name):
    for n, opts in ENGINES:
        if n == name:
            return list(opts)
    return None


def instructions(stderr):
    m = re.search(r"mcusim: instructions: (\d+)", stderr)
    return int(m.group(1)) if m else None


def replay(path, args, engine):
    """A replay with no client, console or gdb: UART output on stdout."""
    return testlib.run([testlib.SIM, "--stats"] + engine_opts(engine) +
                       ["--replay", path] + args, stdin=b"")


def check_replays(check, path, args, want_out, want_status, want_insns, what):
    """Replays on every engine: same output, status and count."""
    for engine, _ in ENGINES:
        r = replay(path, args, engine)
        where = "%s, replayed on %s" % (what, engine)
        check.expect(r.status == want_status, "%s: status %s, expected %s\n%s" %
                     (where, r.status, want_status, r.stderr))
        check.expect(r.stdout == want_out, "%s: output\n%r\nexpected\n%r" %
                     (where, r.stdout, want_out))
        check.expect(instructions(r.stderr) == want_insns, "%s: %s instructions, expected "
                     "%s" % (where, instructions(r.stderr), want_insns))
        check.expect(not testlib.sanitizer_report(r.stderr), "%s: sanitizer report:\n%s" %
                     (where, r.stderr))


def finished(sim, check, what):
    status = sim.finish()
    check.expect(not testlib.sanitizer_report(sim.err.text),
                 "%s: sanitizer report:\n%s" % (what, sim.err.text))
    return status


def tcp_port(sim):
    m = sim.err.wait_for(r"mcusim: char device listening on 127\.0\.0\.1:(\d+)\n")
    return int(m.group(1)) if m else None


def read_until(sock, needle):
    data = b""
    while needle not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


# ---- the test: interactive UART input over tcp ----

def tcp_echo(record_engine, realtime):
    """uart_echo's UART on a tcp chardev, recorded while a client types at
    irregular host times; replayed with no client, on both engines. The
    recording starts halted (a console's `cont` starts it once the UART's
    client is there: output with no client connected is dropped)."""
    def test(name):
        check = testlib.Check()
        with tempfile.TemporaryDirectory() as tmp:
            rec = os.path.join(tmp, "echo.rec")
            args = ["--set", "uart0.chardev=tcp:0", ECHO]
            sim = Sim(["--stats", "--monitor", "tcp:0", "--monitor-wait"] +
                      engine_opts(record_engine) + (["--realtime"] if realtime else []) +
                      ["--record", rec] + args)
            port, console = tcp_port(sim), sim.listening()
            if not check.expect(port and console, "no tcp ports said:\n" + sim.err.text):
                sim.kill()
                return check.problems
            sock = socket.create_connection(("127.0.0.1", port), timeout=WAIT)
            gate = Client(console)
            check.expect(gate.cmd("cont")[1] == "ok", "cont")
            gate.close()
            got = read_until(sock, b"'bye' ends\n")
            for piece, pause in [(b"hel", 0.03), (b"lo\n", 0.001), (b"second ", 0.05),
                                 (b"line, a bit longer than the FIFO\n", 0.02),
                                 (b"x", 0.01), (b"y\nbye\n", 0)]:
                sock.sendall(piece)
                time.sleep(pause)
            got += read_until(sock, b"character timeouts")
            got += read_until(sock, b"\n")
            status = finished(sim, check, "recording")
            sock.close()
            out = got.decode(errors="replace")
            check.expect(status == 0, "recording: status %s\n%s" % (status, sim.err.text))
            check.expect("> hello\n> second line" in out and "> bye\n" in out,
                         "recording: the client saw %r" % out)
            insns = instructions(sim.err.text)
            replay_args = ["--set", "uart0.chardev=stdio", ECHO]
            check_replays(check, rec, replay_args, out, 0, insns,
                          "recorded on %s%s" % (record_engine, " --realtime" if realtime
                                                else ""))
        return check.problems
    return test


# ---- console commands ----

MONITOR = ["--monitor", "tcp:0", "--monitor-wait"]
CONTROL = ["--control", "tcp:0"]


def console_session(args, commands, check, record=None, console=MONITOR):
    """A --monitor tcp: session started halted (or a --control one): each
    command's reply awaited in turn, then the run to its end. (stdout,
    status, insns)."""
    extra = ["--record", record] if record else []
    sim = Sim(["--stats"] + console + extra + args)
    where = sim.listening("control" if console == CONTROL else "monitor")
    if not check.expect(where, "no console said:\n" + sim.err.text):
        sim.kill()
        return None, None, None
    client = Client(where)
    for cmd in commands:
        lines, status = client.cmd(cmd)
        check.expect(status == "ok", "%r: %r %s" % (cmd, lines, status))
    client.close()
    status = finished(sim, check, "console run")
    return sim.out.text, status, instructions(sim.err.text)


def console_replay(args, commands, differs_from_plain=True, end_line=None, console=MONITOR):
    def test(name):
        check = testlib.Check()
        with tempfile.TemporaryDirectory() as tmp:
            rec = os.path.join(tmp, "console.rec")
            out, status, insns = console_session(args, commands, check, rec, console)
            if out is None:
                return check.problems
            plain, plain_status, plain_insns = console_session(
                args, ["cont"] if console == MONITOR else commands[-1:], check, None, console)
            if differs_from_plain:
                check.expect(out != plain or insns != plain_insns,
                             "the commands changed nothing the test can see:\n" + out)
            with open(rec) as f:
                text = f.read()
            check.expect("\ncommand " in text or not differs_from_plain,
                         "no command recorded:\n" + text)
            if end_line:
                check.expect(re.search(end_line, text), "end line /%s/:\n%s" % (end_line, text))
            check_replays(check, rec, args, out, status, insns, "console")
        return check.problems
    return test


GPIO_COMMANDS = [
    "run-for 400us",
    "gpio gpio0 9 1",          # a rising edge the firmware watches, early
    "step 3",                  # a step's end: before the events due there
    "gpio gpio0 9 0",
    "peripheral add stub0 memory-mapped-stub @0x30000000",
    "peripheral set stub0 read-value 7",
    "run-for 137us",
    "peripheral remove stub0",
    # the board's levels, and pin 10 falling early (fall_ie) first
    "peripheral set gpio0 inject \"10@800us=1 10@900us=0 9@1ms=1 10@1ms=1 10@2ms=0 "
    "9@3ms=0 9@3ms=1 11@4ms=1 11@5ms=0\"",
    "cont",
]

TICKS_COMMANDS = [
    "run-for 2ms",
    "uart uart0 send \"echo hi\\n\"",
    "run-for 3571",
    "step 7",
    "uart uart0 send \"echo there\\n\"",
    "step 1",
    "memory write 0x80000000 13",
    "memory write 0x80000000 6f",
    "cont",
]


# The control socket drives the run by itself (docs/CONTROL.md).
CONTROL_COMMANDS = [
    "run-for 1ms",
    "uart uart0 send \"echo from control\\n\"",
    "run-until uart0 \"echo: from control\"",
    "reg s1 0",
    "step 2",
    "run-for 30ms",
    "quit 5",
]

# A `quit 3` right after a step: the replay reaches the recording's end by
# its instruction count (the run stops on its bound there, not on an
# event's request) and ends with the recorded 3, not 124.
QUIT_AFTER_STEP = ["run-for 9995", "step 5", "quit 3"]


# ---- gdb's writes ----

class Rsp:
    """A minimal gdb remote protocol client (acks on)."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=WAIT)
        self.buf = b""

    def _byte(self):
        while not self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError("gdb stub closed the connection")
            self.buf += data
        b, self.buf = self.buf[:1], self.buf[1:]
        return b

    def packet(self, body):
        """Sends body, returns the reply's body (console O packets skipped)."""
        data = body.encode()
        self.sock.sendall(b"$%s#%02x" % (data, sum(data) & 0xff))
        while True:
            while self._byte() != b"$":
                pass
            reply = b""
            while True:
                b = self._byte()
                if b == b"#":
                    break
                reply += b
            self._byte()
            self._byte()
            self.sock.sendall(b"+")
            text = reply.decode(errors="replace")
            if not (text.startswith("O") and text != "OK"):
                return text

    def close(self):
        self.sock.close()


def symbol(elf, name):
    out = subprocess.run(["riscv64-unknown-elf-nm", os.path.join(testlib.TOP, elf)],
                         stdout=subprocess.PIPE, check=True).stdout.decode()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[2] == name:
            return int(parts[0], 16)
    return None


def le32(v):
    return "".join("%02x" % (v >> (8 * i) & 0xff) for i in range(4))


def unle32(text):
    return int.from_bytes(bytes.fromhex(text), "little")


def test_gdb_writes(name):
    """At the first checkpoint() gdb returns at once (P pc = ra: the call
    prints nothing); at the second it sets a0 (P), writes the line buffer
    and its length (M), queues a newline (monitor uart send), steps, then
    continues: the firmware prints what gdb made of it; the replay, with no
    gdb, the same."""
    check = testlib.Check()
    checkpoint, line, line_len = (symbol(TICKS, "checkpoint"), symbol(TICKS, "line"),
                                  symbol(TICKS, "line_len"))
    if not check.expect(checkpoint and line and line_len, "symbols not found"):
        return check.problems
    with tempfile.TemporaryDirectory() as tmp:
        rec = os.path.join(tmp, "gdb.rec")
        sim = Sim(["--stats", "--gdb", "0", "--gdb-wait", "--record", rec, TICKS])
        m = sim.err.wait_for(r"gdb server listening on 127\.0\.0\.1:(\d+)\n")
        if not check.expect(m, "no gdb port:\n" + sim.err.text):
            sim.kill()
            return check.problems
        g = Rsp(int(m.group(1)))
        g.packet("?")
        check.expect(g.packet("Z0,%x,4" % checkpoint) == "OK", "breakpoint")
        stop = g.packet("c")
        check.expect(stop.startswith("T05"), "stop %r" % stop)
        ra = unle32(g.packet("p1"))
        check.expect(g.packet("P20=%s" % le32(ra)) == "OK", "P pc")
        stop = g.packet("c")
        check.expect(stop.startswith("T05"), "stop %r" % stop)
        g.packet("z0,%x,4" % checkpoint)
        check.expect(g.packet("Pa=%s" % le32(99)) == "OK", "P a0")
        text = b"echo mem"
        check.expect(g.packet("M%x,%x:%s" % (line, len(text), text.hex())) == "OK", "M line")
        check.expect(g.packet("M%x,4:%s" % (line_len, le32(len(text)))) == "OK", "M line_len")
        g.packet("qRcmd," + b'uart uart0 send "\\n"'.hex())
        for _ in range(3):
            check.expect(g.packet("s").startswith("T05"), "step")
        stop = g.packet("c")
        check.expect(stop.startswith("W00"), "exit %r" % stop)
        g.close()
        status = finished(sim, check, "gdb run")
        out = sim.out.text
        check.expect(status == 0, "gdb run: status %s\n%s" % (status, sim.err.text))
        check.expect("checkpoint at tick 10\n" not in out and
                     "checkpoint at tick 99\n" in out and "echo: mem\n" in out,
                     "gdb's writes not seen:\n" + out)
        # --stats says nothing under --gdb: the count is the end line's
        with open(rec) as f:
            end = re.search(r"\nend \d+ (\d+) ", f.read())
        check.expect(end, "no end line")
        check_replays(check, rec, [TICKS], out, 0, int(end.group(1)) if end else None, "gdb")
    return check.problems


# ---- a recording whose simulator was killed ----

def test_killed_keeps_inputs(name):
    """The file is written as inputs come: a recorder killed (SIGKILL)
    while the firmware waits for more leaves a file with its inputs and no
    end; its replay says so, feeds them, then runs on live (here from
    stdin, which says "bye")."""
    check = testlib.Check()
    with tempfile.TemporaryDirectory() as tmp:
        rec = os.path.join(tmp, "killed.rec")
        sim = Sim(["--set", "uart0.chardev=tcp:0", "--record", rec, ECHO])
        port = tcp_port(sim)
        if not check.expect(port, "no tcp port:\n" + sim.err.text):
            sim.kill()
            return check.problems
        sock = socket.create_connection(("127.0.0.1", port), timeout=WAIT)
        sock.sendall(b"before the kill\n")
        read_until(sock, b"> before the kill\n")
        sim.proc.kill()
        sim.finish()
        sock.close()
        with open(rec) as f:
            text = f.read()
        check.expect("\nend " not in text, "an end line after a kill:\n" + text)
        r = testlib.run([testlib.SIM, "--replay", rec, "--set",
                         "uart0.chardev=stdio", ECHO], stdin=b"after\nbye\n")
        check.expect(r.status == 0, "replay: status %s\n%s" % (r.status, r.stderr))
        check.expect("the recording has no end" in r.stderr, "no note:\n" + r.stderr)
        check.expect("> before the kill\n> after\n> bye\n" in r.stdout,
                     "replay output:\n" + r.stdout)
    return check.problems


# ---- refused files ----

def record_small(tmp):
    """A short recording of uart_echo with its input from a file."""
    src = os.path.join(tmp, "in.txt")
    with open(src, "w") as f:
        f.write("one\nbye\n")
    rec = os.path.join(tmp, "small.rec")
    r = testlib.run([testlib.SIM, "--record", rec, "--set",
                     "uart0.chardev=stdio:in=" + src, ECHO])
    return rec, r


def refused(check, args, pattern, what):
    r = testlib.run([testlib.SIM] + args)
    check.expect(r.status == 125, "%s: status %s, expected 125\n%s" % (what, r.status,
                                                                      r.stderr))
    check.expect(re.search(pattern, r.stderr), "%s: message %r, expected /%s/" %
                 (what, r.stderr, pattern))
    check.expect(r.stdout == "", "%s: the run started:\n%s" % (what, r.stdout))
    check.expect(not testlib.sanitizer_report(r.stderr), "%s: sanitizer report" % what)


def test_refused(name):
    check = testlib.Check()
    with tempfile.TemporaryDirectory() as tmp:
        rec, r = record_small(tmp)
        if not check.expect(r.status == 0, "recording: %s\n%s" % (r.status, r.stderr)):
            return check.problems
        with open(rec, "rb") as f:
            good = f.read()
        base = ["--set", "uart0.chardev=stdio"]
        ok = testlib.run([testlib.SIM, "--replay", rec] + base + [ECHO])
        check.expect(ok.status == 0 and "> one\n> bye\n" in ok.stdout,
                     "the good file: %s\n%s%s" % (ok.status, ok.stdout, ok.stderr))
        refused(check, ["--replay", rec] + base + [TICKS],
                r"--replay: .*small\.rec: recorded with another firmware \(.*uart_echo\.elf, "
                r"hash 0x[0-9a-f]{16}\), not build/fw/scenario_ticks\.elf", "other firmware")
        refused(check, ["--replay", rec, "--board", "virt32", "--set", "ram.size=2M"] + base +
                [ECHO], r"this run has set 'ram\.size=2M', which the recording did not",
                "other options")
        refused(check, ["--replay", rec, "--max-insns", "5000"] + base + [ECHO],
                r"this run has max-insns '5000'", "other limit")
        # a damaged byte in the third input line
        lines = good.split(b"\n")
        idx = [i for i, l in enumerate(lines) if l.startswith(b"uart-read")][2]
        offset = sum(len(l) + 1 for l in lines[:idx])
        bad = bytearray(good)
        bad[offset + 12] ^= 0x01
        path = os.path.join(tmp, "damaged.rec")
        with open(path, "wb") as f:
            f.write(bytes(bad))
        refused(check, ["--replay", path] + base + [ECHO],
                r"damaged\.rec: offset %d: damaged: the line's checksum" % offset, "damaged")
        # cut in the middle of a line
        cut = offset + 20
        path = os.path.join(tmp, "truncated.rec")
        with open(path, "wb") as f:
            f.write(good[:cut])
        refused(check, ["--replay", path] + base + [ECHO],
                r"truncated\.rec: offset %d: truncated: the last line has no end" % offset,
                "truncated")
        # another version, with a right checksum
        path = os.path.join(tmp, "version.rec")
        first = b"mcusim-record 2"
        crc = "%08x" % (__import__("zlib").crc32(first) & 0xffffffff)
        with open(path, "wb") as f:
            f.write(first + b" ~" + crc.encode() + b"\n" + good[good.index(b"\n") + 1:])
        refused(check, ["--replay", path] + base + [ECHO],
                r"version\.rec: offset 14: another version of the format", "version")
        # not a recording at all
        refused(check, ["--replay", ECHO] + base + [ECHO], r"offset 0: ", "an ELF")
        # --record never replaces one of the run's inputs
        r = testlib.run([testlib.SIM, "--record", ECHO] + base + [ECHO])
        check.expect(r.status == 125 and "is the firmware" in r.stderr,
                     "--record over the firmware: %s %s" % (r.status, r.stderr))
    return check.problems


def test_other_board(name):
    check = testlib.Check()
    with tempfile.TemporaryDirectory() as tmp:
        rec = os.path.join(tmp, "gpio.rec")
        r = testlib.run([testlib.SIM, "--record", rec, "--board", GPIO_BOARD, GPIO])
        if not check.expect(r.status == 0, "recording: %s\n%s" % (r.status, r.stderr)):
            return check.problems
        refused(check, ["--replay", rec, "--board", "hifive1-revb", GPIO],
                r"recorded with board 'hifive1-gpio', this run has board 'hifive1-revb'",
                "other board")
    return check.problems


TESTS = [("replay/tcp-echo/recorded-on-%s%s" % (e, "-realtime" if rt else ""),
          tcp_echo(e, rt)) for e, _ in ENGINES for rt in (False, True)] + [
    ("replay/console-gpio-peripheral", console_replay(["--board", GPIO_BOARD, GPIO],
                                                       GPIO_COMMANDS)),
    ("replay/console-uart-send", console_replay([TICKS], TICKS_COMMANDS)),
    ("replay/control", console_replay([TICKS], CONTROL_COMMANDS, console=CONTROL)),
    ("replay/quit-after-step", console_replay([TICKS], QUIT_AFTER_STEP, False,
                                              r"\nend 10000 10000 0x[0-9a-f]{8} [bs] 3 ")),
    ("replay/gdb-writes", test_gdb_writes),
    ("replay/killed-keeps-inputs", test_killed_keeps_inputs),
    ("replay/refused", test_refused),
    ("replay/other-board", test_other_board),
]


def run(res, only=None):
    testlib.run_cases(res, TESTS, only)


if __name__ == "__main__":
    results = testlib.Results()
    run(results, only=sys.argv[2] if len(sys.argv) > 2 and sys.argv[1] == "-k" else None)
    sys.exit(results.summary())
