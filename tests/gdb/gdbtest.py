"""Helpers for the gdb test scripts (tests/gdb/NAME.py), which gdb runs
with `-x` after `target remote 127.0.0.1:PORT` (see run_gdb.py).

A script starts with

    import os, sys
    sys.dont_write_bytecode = True
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from gdbtest import *

and hands a function holding its steps to `test(...)`. Every check raises
TestFailure saying what was expected and what came; `test` then prints
the transcript of the session (each command, its output, the remote
packet log where one was taken) and the failure, kills the target (the
simulator exits at once) and makes gdb exit with status 1 (an exception
escaping a `-x` script does not change batch gdb's exit status, 0). A
script that returns normally lets gdb's batch mode end with status 0.

gdb 13 prints what happens when the target stops (`Breakpoint 1, ...`,
`Old value = ...`, `[Inferior 1 (Remote target) exited ...]`) straight to
its standard output, not into `gdb.execute(..., to_string=True)` nor a
`set logging` file. run() therefore also catches file descriptor 1 while
the command runs (and descriptor 2 with remote_log): its result is
everything the command printed. With remote_log=True the command runs
under `set debug remote 1` and the packet log comes back separately.

The firmware is tests/gdb/fw/gdbtarget.c; its header comment lists what
each function does and the values the tests expect.
"""
import os
import re
import signal
import sys
import tempfile
import threading
import time
import traceback

import gdb

# What the firmware and the board do (tests/gdb/fw/gdbtarget.c, boards.yaml).
RESET_PC = 0x20010000        # hifive1-revb's reset_pc = _start (link.ld)
CPU_HZ = 16000000            # hifive1-revb's cpu.frequency
EXIT_DEFAULT = 13            # square_plus(knob 1 + 2) = 10, + 3 bumps
# The board the simulator runs (tests/gdb/run_gdb.py tells the scripts).
BOARD = os.environ.get("MCUSIM_GDB_BOARD",
                       "tests/firmware/boards/hifive1-test.yaml:hifive1-test")
TOP = os.environ.get("MCUSIM_TOP") or os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__))))

TRANSCRIPT = []              # every command and its output, for failures
STOPS = []                   # ("breakpoint", numbers) / ("signal", name) /
                             # ("stop", None) / ("exited", code), in order
RESUMED = threading.Event()  # set on every gdb.events.cont


class TestFailure(Exception):
    pass


def _on_stop(event):
    # Kept as plain data: a temporary breakpoint is gone by the time the
    # script looks.
    if isinstance(event, gdb.BreakpointEvent):
        STOPS.append(("breakpoint", tuple(b.number for b in event.breakpoints)))
    elif isinstance(event, gdb.SignalEvent):
        STOPS.append(("signal", event.stop_signal))
    else:
        STOPS.append(("stop", None))


def _on_exit(event):
    STOPS.append(("exited", getattr(event, "exit_code", None)))


def _on_cont(event):
    RESUMED.set()


gdb.events.stop.connect(_on_stop)
gdb.events.exited.connect(_on_exit)
gdb.events.cont.connect(_on_cont)


class _Capture:
    """Catches what gdb writes to a file descriptor (1 or 2)."""

    def __init__(self, fd):
        self.fd = fd
        self.file = tempfile.TemporaryFile()
        self._flush()
        self.saved = os.dup(fd)
        os.dup2(self.file.fileno(), fd)

    def _flush(self):
        gdb.flush(gdb.STDOUT)
        gdb.flush(gdb.STDERR)
        gdb.flush(gdb.STDLOG)
        sys.stdout.flush()
        sys.stderr.flush()

    def close(self):
        self._flush()
        os.dup2(self.saved, self.fd)
        os.close(self.saved)
        self.file.seek(0)
        text = self.file.read().decode(errors="replace")
        self.file.close()
        return text


REMOTE_LOG_LINE = re.compile(r"^\s*\[remote\] ")


def _execute(command, remote_log):
    """Runs a command; returns (output, packet log, error or None). The
    packet log (`[remote] ...` lines, which to_string catches along with
    the command's output) is taken out of the output."""
    out_cap = _Capture(1)
    err_cap = _Capture(2) if remote_log else None
    text, error = "", None
    try:
        if remote_log:
            gdb.execute("set debug remote 1")
        try:
            text = gdb.execute(command, to_string=True)
        except gdb.error as e:
            error = e
        finally:
            if remote_log:
                gdb.execute("set debug remote 0")
    finally:
        printed = out_cap.close()
        if err_cap:
            printed += err_cap.close()
    output, log = text + printed, ""
    if remote_log:
        lines = output.splitlines(True)
        log = "".join(l for l in lines if REMOTE_LOG_LINE.match(l))
        output = "".join(l for l in lines if not REMOTE_LOG_LINE.match(l))
    return output, log, error


def _record(command, output, log, error, expected_error=False):
    entry = "(gdb) %s\n%s" % (command, output)
    if log:
        entry += "[packet log]\n%s" % log
    if error is not None:
        entry += "!! error%s: %s\n" % (" (expected)" if expected_error else "", error)
    TRANSCRIPT.append(entry)


def run(command, remote_log=False):
    """Runs a gdb command; returns everything it printed. With remote_log,
    returns (output, packet log of `set debug remote 1`)."""
    output, log, error = _execute(command, remote_log)
    _record(command, output, log, error)
    if error is not None:
        raise TestFailure("`%s` failed: %s" % (command, error))
    return (output, log) if remote_log else output


def run_error(command):
    """Runs a gdb command that must fail; returns its error message."""
    output, log, error = _execute(command, False)
    _record(command, output, log, error, expected_error=True)
    if error is None:
        raise TestFailure("`%s` succeeded; it should have failed" % command)
    return str(error)


def fmt(v):
    if isinstance(v, int) and not isinstance(v, bool):
        return "%d (0x%x)" % (v, v & 0xffffffff)
    return repr(v)


def check(cond, message):
    if not cond:
        raise TestFailure(message)


def check_eq(what, got, want):
    if got != want:
        if isinstance(got, str) and isinstance(want, str) and "\n" in want:
            raise TestFailure("%s differs:\n--- expected\n%s--- got\n%s" % (what, want, got))
        raise TestFailure("%s: got %s, expected %s" % (what, fmt(got), fmt(want)))


def check_in(what, needle, text):
    if needle not in text:
        raise TestFailure("%s: %r not in:\n%s" % (what, needle, text))


def check_not_in(what, needle, text):
    if needle in text:
        raise TestFailure("%s: %r should not be in:\n%s" % (what, needle, text))


def check_match(what, pattern, text):
    m = re.search(pattern, text, re.M)
    if not m:
        raise TestFailure("%s: /%s/ does not match:\n%s" % (what, pattern, text))
    return m


def value(expr):
    """An expression's value as a Python int (32 bits, unsigned)."""
    return int(gdb.parse_and_eval(expr)) & 0xffffffff


def addr(symbol):
    """A symbol's address (functions, variables and assembly labels)."""
    return value("(unsigned int)&%s" % symbol)


def reg(name):
    return value("$" + name)


def pc():
    return reg("pc")


def frame_name():
    return gdb.selected_frame().name()


def check_pc(what, want):
    """want: an address, or a symbol name."""
    if isinstance(want, str):
        want = addr(want)
    got = pc()
    if got != want:
        sym = gdb.execute("info symbol 0x%x" % got, to_string=True).strip()
        raise TestFailure("%s: pc 0x%08x (%s), expected 0x%08x" % (what, got, sym, want))


def last_stop():
    check(STOPS, "gdb saw no stop")
    return STOPS[-1]


def check_breakpoint_stop(what, number):
    """The last stop was for breakpoint/watchpoint `number`."""
    kind, numbers = last_stop()
    check(kind == "breakpoint",
          "%s: the last stop is %r, not a breakpoint stop" % (what, (kind, numbers)))
    check(number in numbers, "%s: stopped for breakpoints %r, expected %d" % (what, numbers, number))


def check_signal_stop(what, signal):
    kind, name = last_stop()
    check(kind == "signal", "%s: the last stop is %r, not a signal" % (what, (kind, name)))
    check_eq(what + ": signal", name, signal)


def break_at(location):
    """Sets a breakpoint; returns its number."""
    out = run("break " + location)
    m = check_match("break " + location, r"^Breakpoint (\d+) at 0x[0-9a-f]+", out)
    return int(m.group(1))


def cont_to(location, what=None):
    """Continues to a temporary breakpoint at location (`*ADDR`, a
    function); checks gdb stopped there. Returns the output."""
    out = run("tbreak " + location)
    number = int(check_match("tbreak " + location,
                             r"^Temporary breakpoint (\d+) at 0x[0-9a-f]+", out).group(1))
    out = run("continue")
    what = what or ("continue to " + location)
    check_match(what, r"^Temporary breakpoint %d, " % number, out)
    check_breakpoint_stop(what, number)
    return out


def cont_to_exit(code):
    """Continues; the firmware must exit with `code` (gdb prints it in
    octal) and gdb must report it."""
    out = run("continue")
    if code == 0:
        check_in("exit report", "[Inferior 1 (Remote target) exited normally]", out)
    else:
        check_in("exit report",
                 "[Inferior 1 (Remote target) exited with code 0%o]" % code, out)
    check_eq("exited event", last_stop(), ("exited", code))
    check_eq("$_exitcode", value("$_exitcode"), code)
    return out


def interrupt_later(how="command", delay=0.2):
    """Starts a thread that interrupts the target once gdb has resumed it
    and `delay` seconds more have passed: with gdb's `interrupt` command
    (how="command") or SIGINT to gdb, as Ctrl-C does (how="ctrl-c").
    Returns the thread; the script then runs a plain `continue`.

    gdb 13 in batch mode runs a script's commands one at a time: after
    `continue &` its event loop does not run until the script ends, so the
    stop would never be seen. The thread posts `interrupt` to gdb's event
    loop (gdb.post_event) instead, or signals gdb itself."""
    def later():
        if not RESUMED.wait(20):
            return
        time.sleep(delay)  # let it run a little
        if how == "command":
            gdb.post_event(lambda: gdb.execute("interrupt"))
        else:
            os.kill(os.getpid(), signal.SIGINT)
    RESUMED.clear()
    t = threading.Thread(target=later, daemon=True)
    t.start()
    return t


def continue_interrupted(what, how="command", remote_log=False):
    """`continue`, interrupted (interrupt_later); checks gdb reports
    SIGINT. Returns the output (and the packet log with remote_log)."""
    t = interrupt_later(how)
    result = run("continue", remote_log=remote_log)
    t.join(5)
    out = result[0] if remote_log else result
    check_in(what, "\nProgram received signal SIGINT, Interrupt.\n", out)
    check_signal_stop(what, "SIGINT")
    return result


def cont_to_some_exit():
    """Continues; the firmware must exit (with whatever status: the caller
    compares it). Returns the status."""
    out = run("continue")
    check_match("exit report",
                r"^\[Inferior 1 \(Remote target\) exited (normally|with code [0-7]+)\]$", out)
    kind, code = last_stop()
    check_eq("the last event", kind, "exited")
    return code


def packets_sent(log):
    """The packets gdb sent, in order, from a `set debug remote 1` log."""
    return re.findall(r"Sending packet: \$([^#]*)#", log)


def packets_received(log):
    return re.findall(r"Packet received: (.*)$", log, re.M)


def g_reply_pc(packet):
    """The pc in a `g` reply (33 little-endian registers, pc last)."""
    check(re.fullmatch(r"[0-9a-f]{264}", packet) is not None,
          "not a g reply of 33 registers: %r" % packet)
    return int.from_bytes(bytes.fromhex(packet[256:264]), "little")


def test(body):
    """Runs the test body; on failure reports, kills the target and makes
    gdb exit 1."""
    try:
        body()
    except Exception as e:  # TestFailure, gdb.error, Python errors
        sys.stdout.write("".join(TRANSCRIPT))
        if isinstance(e, TestFailure):
            sys.stdout.write("\nFAILED: %s\n" % e)
        else:
            sys.stdout.write("\nFAILED with an exception:\n%s" % traceback.format_exc())
        sys.stdout.flush()
        try:
            gdb.execute("kill", to_string=True)
        except Exception:
            pass
        gdb.flush()
        os._exit(1)
