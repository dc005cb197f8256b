"""The control socket (`--control`, docs/CONTROL.md; tests/run_tests.py
runs these).

Over tcp: (port 0) and unix:, with the sanitized simulator: the machine
starts halted and runs only inside run commands; run-until on UART text
(already there: nothing runs; a time or instruction limit; a hart asleep
for good) and on a pc (a symbol, an address, repeated from the pc it
stopped at); uart NAME read with its escapes; memory read/write (all or
nothing) and registers, with their errors; GPIO input; the firmware's exit,
fault and instruction limit reported to the command that ran it, the
process staying until quit or hangup with the firmware's status; the
client's departure (before the end: 122; also behind more lines than
the run reads ahead); one client only, a stale-socket probe of another
mcusim not counting as one; --timeout ending a run (123); the 1 MiB bound
on a UART's unread output, exact and cheap; identical
replies for the same commands, twice and on both engines; refused option
combinations. Firmware: tests/firmware/scenario_ticks.h ("READY", then
"tick N" lines, checkpoint(tick) every 10 ticks, "echo TEXT", "quit N"),
uart_echo.c (sleeps in wfi until a line comes), console_spin.c,
hifive1/gpio_irq.c (GPIO inputs 9-11 enabled).
"""
import os
import re
import socket
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "console"))
from consolelib import SIM, Client, Sim, testlib  # noqa: E402
from run_console import Check, end_of, halted_at  # noqa: E402

sys.path.insert(0, os.path.join(testlib.TOP, "python"))
from mcusim.protocol import unquote  # noqa: E402  (the package's reading of `uart read`)

TICKS = "build/fw/scenario_ticks.elf"
ECHO = "build/fw/uart_echo.elf"
SPIN = "build/fw/console_spin.elf"
GPIO = "build/fw/hifive1/gpio_irq.elf"
SLICE = 10000  # cycles of one slice on virt32 (1 ms at 10 MHz)
HALTED = r"halted at pc 0x([0-9a-f]{8}) after (\d+) instructions, cycle (\d+)"


def start(check, args, where="tcp:0"):
    """mcusim --control WHERE ARGS and a client connected to it; (sim,
    None) when it never listened."""
    sim = Sim(["--control", where] + args)
    at = sim.listening("control")
    if not check.expect(at is not None, "never said where it listens"):
        sim.kill()
        return sim, None
    return sim, Client(at)


def state(check, c):
    """(pc, instructions, cycles) from `info state` while halted."""
    out, status = c.cmd("info state")
    m = re.fullmatch(HALTED, out[0]) if status == "ok" and len(out) == 1 else None
    check.expect(m, "info state: %r" % ((out, status),))
    return (int(m.group(1), 16), int(m.group(2)), int(m.group(3))) if m else (None,) * 3


def missed(check, got, message, insns=None, cycle=None):
    """A run-until that missed: the error line, the halted line, error."""
    out, status = got
    ok = status == "error" and len(out) == 2 and out[0] == message
    m = re.fullmatch(HALTED, out[1]) if ok else None
    ok = m and (insns is None or int(m.group(2)) == insns) and \
        (cycle is None or int(m.group(3)) == cycle)
    check.expect(ok, "reply %r, expected %r then halted after %s insns at cycle %s"
                 % (got, message, insns, cycle))


def exited(check, got, status, before=None):
    """`exited with status N ...` (after the line `before`, when given)."""
    out, st = got
    want = 2 if before else 1
    ok = st == "ok" and len(out) == want and (not before or out[0] == before) and \
        re.fullmatch(r"exited with status %d after \d+ instructions, cycle \d+" % status,
                     out[-1])
    check.expect(ok, "reply %r, expected exited with status %d%s"
                 % (got, status, " after %r" % before if before else ""))


def test_session(name):
    """Halted at the start; run-until on text, already there, bounded by
    time and by instructions; uart read and its escapes; the firmware's
    exit told to the command that ran it; the process stays, run commands
    refused, inspection working, until `quit` (the firmware's status)."""
    check = Check()
    sim, c = start(check, [TICKS])
    if not c:
        return end_of(sim, check, None)
    check.expect(sim.err.text.startswith("mcusim: control listening on 127.0.0.1:"),
                 "listening line: %r" % sim.err.text)
    check.reply(c.cmd("info state"), "ok",
                lines=["halted at pc 0x80000000 after 0 instructions, cycle 0"])
    check.reply(c.cmd("stats"), "ok", contains="cycles: 0")
    check.reply(c.cmd("stats"), "ok", contains="cycles: 0")  # nothing runs by itself
    halted_at(check, c.cmd('run-until uart0 "READY\\n" 10ms'))
    check.reply(c.cmd("uart uart0 read"), "ok", lines=['""'])
    # text that is there already: returns at once, nothing runs
    _, _, cycle = state(check, c)
    halted_at(check, c.cmd("run-for 5ms"), None, cycle + 5 * SLICE)
    pc, insns, cycle = state(check, c)
    halted_at(check, c.cmd('run-until uart0 "tick 1\\n"'), insns, cycle)
    out, status = c.cmd("uart uart0 read")
    check.expect(status == "ok" and len(out) == 1 and out[0].startswith('"tick 2\\n'),
                 "read after the match: %r" % out)
    check.reply(c.cmd("uart uart0 read"), "ok", lines=['""'])
    # bounds
    missed(check, c.cmd('run-until uart0 "never" 2ms'),
           'error: run-until: no "never" from uart0 within 2ms', None, cycle + 2 * SLICE)
    _, insns, cycle = state(check, c)
    missed(check, c.cmd('run-until uart0 "never" 1000insns'),
           'error: run-until: no "never" from uart0 within 1000insns', insns + 1000)
    # escapes both ways
    check.reply(c.cmd('uart uart0 send "echo a\\"b\\\\c\\td\\x01\\n"'), "ok")
    halted_at(check, c.cmd("run-for 20ms"))
    out, status = c.cmd("uart uart0 read")
    check.expect(status == "ok" and 'echo: a\\"b\\\\c\\td\\x01\\n' in out[0],
                 "escaped read: %r" % out)
    # the firmware exits (scenario_ticks: "quit N" exits with N)
    check.reply(c.cmd('uart uart0 send "quit 3\\n"'), "ok")
    exited(check, c.cmd('run-until uart0 "never" 100ms'), 3)
    exited(check, c.cmd("info state"), 3)
    for run in ["run-for 1ms", "step", "cont", "stop", 'run-until uart0 "x"',
                "run-until pc main"]:
        check.reply(c.cmd(run), "error", lines=["error: the firmware has exited (status 3)"])
    check.reply(c.cmd("reg pc"), "ok")
    check.reply(c.cmd("memory read 0x80000000 4"), "ok")
    check.reply(c.cmd("uart uart0 read"), "ok")
    check.reply(c.cmd("quit"), "ok", lines=[])
    check.expect(c.line() is None, "the connection stays open after quit")
    c.close()
    return end_of(sim, check, 3)


def test_unix_hangup(name):
    """unix:PATH; a client that leaves before the firmware's end ends the
    process with 122, and the socket is removed."""
    check = Check()
    with tempfile.TemporaryDirectory(prefix="mcusim-control-") as tmp:
        path = os.path.join(tmp, "c.sock")
        sim, c = start(check, [TICKS], "unix:" + path)
        if not c:
            return end_of(sim, check, None)
        check.expect("mcusim: control listening on unix:%s\n" % path in sim.err.text,
                     "listening line: %r" % sim.err.text)
        halted_at(check, c.cmd("run-for 1ms"), None, SLICE)
        c.close()
        problems = end_of(sim, check, 122)
        if os.path.exists(path):
            problems.append("the socket %s is still there after the run" % path)
    return problems


def test_timeout_during_run(name):
    """--timeout ending a run command: its reply says --timeout (the
    firmware, which spins forever, has not ended), the process ends with
    123 and removes its socket."""
    check = Check()
    with tempfile.TemporaryDirectory(prefix="mcusim-control-") as tmp:
        path = os.path.join(tmp, "c.sock")
        sim, c = start(check, ["--timeout", "0.2", SPIN], "unix:" + path)
        if not c:
            return end_of(sim, check, None)
        check.reply(c.cmd("run-for 100000s"), "error", lines=["error: the run ended (--timeout)"])
        c.close()
        problems = end_of(sim, check, 123)
        if os.path.exists(path):
            problems.append("the socket %s is still there after the run" % path)
    return problems


def test_unix_path_taken(name):
    """Another mcusim told to listen at the same unix path refuses (125)
    after checking whether the socket is stale (it connects, sends
    nothing, leaves): the first one must not take that probe for its one
    client and end, nor lose its socket."""
    check = Check()
    with tempfile.TemporaryDirectory(prefix="mcusim-control-") as tmp:
        path = os.path.join(tmp, "c.sock")
        sim, silent = start(check, [SPIN], "unix:" + path)
        if not silent:
            return end_of(sim, check, None)
        silent.close()  # connected, sent nothing: a probe too
        r = testlib.run([SIM, "--control", "unix:" + path, SPIN])
        check.expect(r.status == 125 and "cannot listen on %s: Address already in use" % path
                     in r.stderr, "the second mcusim: %d %r" % (r.status, r.stderr))
        c = Client(path)
        halted_at(check, c.cmd("step 3"), 3, 3)
        check.reply(c.cmd("quit 5"), "ok")
        c.close()
        problems = end_of(sim, check, 5)
    return problems


def test_hangup_after_exit(name):
    """A client that leaves after the firmware exited: the firmware's
    status."""
    check = Check()
    sim, c = start(check, [TICKS])
    if not c:
        return end_of(sim, check, None)
    check.reply(c.cmd('uart uart0 send "quit 5\\n"'), "ok")
    exited(check, c.cmd("run-for 100ms"), 5)
    c.close()
    return end_of(sim, check, 5)


def test_hangup_during_run(name):
    """A client that leaves while its long run runs ends the process at
    the next slice: 122 (the firmware spins forever)."""
    check = Check()
    sim, c = start(check, [SPIN])
    if not c:
        return end_of(sim, check, None)
    c.send_raw(b"run-for 100000s\n")
    c.close()
    return end_of(sim, check, 122)


def test_hangup_behind_many_lines(name):
    """A client that sends more lines than the run reads ahead (256) while
    its long run runs, then leaves: the end of its input behind them still
    ends the run at once. Closed: the process ends (122). Only its sending
    side shut down: the run's reply (halted, or refused when that end was
    known before it started), then the run command not yet started
    refused, the other lines answered, then 122."""
    problems = []
    check = Check()
    sim, c = start(check, [SPIN])
    if not c:
        return end_of(sim, check, None)
    halted_at(check, c.cmd("step"), 1, 1)
    c.send_raw(b"run-for 100000s\n" + b"stats\n" * 300)
    c.close()
    problems += end_of(sim, check, 122)
    check = Check()
    sim, c = start(check, [SPIN])
    if not c:
        return problems + end_of(sim, check, None)
    c.send_raw(b"run-for 100000s\nrun-for 1ms\n" + b"stats\n" * 300)
    c.sock.shutdown(socket.SHUT_WR)
    first = c.reply()  # it may have been read with the end of the input
    if first != (["error: the control client has gone"], "error"):
        halted_at(check, first)
    check.reply(c.reply(), "error", lines=["error: the control client has gone"])
    check.expect(all(c.reply()[1] == "ok" for _ in range(300)), "a stats reply was lost")
    check.expect(c.line() is None, "the connection stays open")
    c.close()
    return problems + end_of(sim, check, 122)


def test_half_close(name):
    """A client that shuts down its sending side still gets the replies
    to what it sent; its `quit 4` ends the run with 4, and without a quit
    the process ends with 122 once the replies are sent."""
    problems = []
    for lines, status, replies in ((b"stats\nquit 4\n", 4, 2), (b"info state\n", 122, 1)):
        check = Check()
        sim, c = start(check, [TICKS])
        if not c:
            return end_of(sim, check, None)
        c.send_raw(lines)
        c.sock.shutdown(socket.SHUT_WR)
        for _ in range(replies):
            check.expect(c.reply()[1] == "ok", "a reply was lost")
        check.expect(c.line() is None, "the connection stays open")
        c.close()
        problems += end_of(sim, check, status)
    return problems


def test_one_client(name):
    """A second client is turned away while the first is there, and after
    it left too: the process ends with the first."""
    check = Check()
    sim, c = start(check, [TICKS])
    if not c:
        return end_of(sim, check, None)
    at = sim.listening("control")
    other = Client(at)
    check.expect(other.line() == "error: busy: another control client is connected",
                 "a second client was not turned away")
    other.close()
    check.reply(c.cmd("step"), "ok")
    c.close()
    return end_of(sim, check, 122)


def test_quit_status(name):
    """`quit` before the end: 0; `quit N` after it: N."""
    problems = []
    for sends, command, status in (("", "quit", 0), ('quit 3\\n', "quit 9", 9)):
        check = Check()
        sim, c = start(check, [TICKS])
        if not c:
            return end_of(sim, check, None)
        if sends:
            check.reply(c.cmd('uart uart0 send "%s"' % sends), "ok")
            exited(check, c.cmd("run-for 100ms"), 3)
        check.reply(c.cmd(command), "ok", lines=[])
        c.close()
        problems += end_of(sim, check, status)
    return problems


def test_fault_and_limit(name):
    """A fault and the instruction limit end the firmware's run: the
    command is told why, the process stays, and exits with 126 / 124."""
    problems = []
    check = Check()
    sim, c = start(check, [TICKS])
    if c:
        check.reply(c.cmd("reg pc 0"), "ok", lines=["pc 0x00000000"])
        out, status = c.cmd("step")
        check.expect(status == "ok" and len(out) == 2 and
                     out[0].startswith("firmware fault: instruction access fault at pc "
                                       "0x00000000"), "fault reply: %r" % out)
        exited(check, (out[1:], status), 126)
        check.reply(c.cmd("info registers"), "ok", contains="pc 0x00000000")
        check.reply(c.cmd("quit"), "ok")
        c.close()
    problems += end_of(sim, check, 126 if c else None)
    check = Check()
    sim, c = start(check, ["--max-insns", "5000", TICKS])
    if c:
        exited(check, c.cmd("run-for 1ms"), 124,
               "the instruction limit (--max-insns) was reached")
        check.reply(c.cmd("info state"), "ok",
                    lines=["exited with status 124 after 5000 instructions, cycle 5000"])
        c.close()
    problems += end_of(sim, check, 124 if c else None)
    return problems


def test_run_until_pc(name):
    """run-until pc SYMBOL halts before the function's first instruction;
    from there it runs on to the next call (checkpoint(10), (20), ...);
    an ADDR works as the symbol; a bound that passes first is an error."""
    check = Check()
    sim, c = start(check, [TICKS])
    if not c:
        return end_of(sim, check, None)
    entry = None
    for tick in (10, 20):
        halted_at(check, c.cmd("run-until pc checkpoint"))
        pc, _, _ = state(check, c)
        entry = entry or pc
        check.expect(pc == entry, "halted at 0x%x, then 0x%x" % (entry, pc))
        check.reply(c.cmd("reg a0"), "ok", lines=["a0 0x%08x" % tick])
    halted_at(check, c.cmd("run-until pc 0x%x 1s" % entry))
    check.reply(c.cmd("reg a0"), "ok", lines=["a0 0x%08x" % 30])
    _, insns, _ = state(check, c)
    missed(check, c.cmd("run-until pc checkpoint 100insns"),
           "error: run-until: the pc did not reach checkpoint within 100insns", insns + 100)
    out, status = c.cmd("uart uart0 read")
    check.expect(status == "ok" and "checkpoint at tick 20\\n" in out[0],
                 "the UART output meanwhile: %r" % out)
    check.reply(c.cmd("quit 0"), "ok")
    c.close()
    return end_of(sim, check, 0)


def test_run_until_pc_loop(name):
    """From the pc it waits for, run-until runs that instruction first and
    stops the next time the pc gets there: console_spin's loop is one
    jump to itself, so each run-until retires exactly one instruction."""
    check = Check()
    sim, c = start(check, [SPIN])
    if not c:
        return end_of(sim, check, None)
    halted_at(check, c.cmd("run-for 100insns"), 100)
    pc, _, _ = state(check, c)
    halted_at(check, c.cmd("run-until pc 0x%x" % pc))  # into the loop
    pc, insns, _ = state(check, c)
    for i in range(1, 4):
        halted_at(check, c.cmd("run-until pc 0x%x" % pc), insns + i, insns + i)
        check.reply(c.cmd("reg pc"), "ok", lines=["pc 0x%08x" % pc])
    check.reply(c.cmd("quit"), "ok")
    c.close()
    return end_of(sim, check, 0)


def test_asleep(name):
    """uart_echo sleeps in wfi with nothing to wake it: run-until without
    a time bound says so; with one, virtual time passes to its end."""
    check = Check()
    sim, c = start(check, [ECHO])
    if not c:
        return end_of(sim, check, None)
    missed(check, c.cmd('run-until uart0 "x"'), 'error: run-until: no "x" from uart0: '
           "the hart waits for an interrupt nothing will raise", None, SLICE)
    _, insns, _ = state(check, c)
    missed(check, c.cmd('run-until uart0 "x" 5ms'),
           'error: run-until: no "x" from uart0 within 5ms', insns, SLICE + 5 * SLICE)
    check.reply(c.cmd('uart uart0 send "hi\\n"'), "ok")
    halted_at(check, c.cmd('run-until uart0 "> hi\\n" 1ms'))
    check.reply(c.cmd("quit 2"), "ok")
    c.close()
    return end_of(sim, check, 2)


def test_errors(name):
    """Each new command's errors, and nothing changed by them."""
    check = Check()
    sim, c = start(check, [TICKS])
    if not c:
        return end_of(sim, check, None)
    halted_at(check, c.cmd("step 100"), 100, 100)
    before = c.cmd("info registers")
    cases = [
        ('run-until nosuch "x"', "error: no peripheral named 'nosuch'"),
        ('run-until plic "x"', "error: 'plic' has no serial port"),
        ("run-until pc nosuch", "error: no symbol 'nosuch' in the firmware"),
        ('run-until uart0 ""', "error: empty TEXT at column 17: nothing to wait for; usage: "
         'run-until NAME|pc "TEXT"|SYMBOL|ADDR [TIME]'),
        ('run-until uart0 "x" 5parsecs', "error: invalid duration '5parsecs' at column 21"),
        ("run-until uart0", "error: missing"),
        ("run-until pc 0x100000000", "error: address 0x100000000 at column 14 is above"),
        ("uart nosuch read", "error: no peripheral named 'nosuch'"),
        ("uart uart0 read x", "error: unexpected 'x' at column 17"),
        ("uart uart0 send", 'error: missing "TEXT"'),
        ("uart uart0 peek", "error: expected send or read, found 'peek'"),
        ("memory read 0 4", "error: memory read: address 0x00000000 is not mapped"),
        ("memory read 0x80000000 0", "error: LEN must be 1 to 65536"),
        ("memory read 0x80000000 65537", "error: LEN must be 1 to 65536"),
        ("memory read 0xffffffff 2", "error: 0xffffffff + 2 runs past 0xffffffff"),
        ("memory read 0x80000000", "error: missing LEN"),
        ("memory read 0x80000000 x", "error: invalid number 'x' for LEN"),
        ("memory write 0x80000000 0g", "error: '0g' at column 25 is not hex digits"),
        ("memory write 0x80000000 abc", "error: HEXBYTES at column 25 must be an even"),
        ("memory write 0x87fffffe 01020304",
         "error: memory write: address 0x88000000 is not mapped"),
        ("memory write 0x10000000 00", "error: memory write: cannot write 0x10000000: it "
         "is MMIO region"),
        ("reg q1", "error: no register named 'q1'"),
        ("reg x32", "error: no register named 'x32'"),
        ("reg a0 0x100000000", "error: value 0x100000000 at column 8 is above 0xffffffff"),
        ("reg a0 1 2", "error: unexpected '2'"),
        ("info registers now", "error: unexpected 'now'"),
    ]
    for line, message in cases:
        out, status = c.cmd(line)
        check.expect(status == "error" and len(out) == 1 and out[0].startswith(message),
                     "%r: %r, expected %r" % (line, (out, status), message))
    # the refused write changed nothing: the last RAM bytes are as before
    check.reply(c.cmd("memory read 0x87fffffc 4"), "ok")
    check.expect(c.cmd("info registers") == before, "an error changed the registers")
    halted_at(check, c.cmd("step"), 101, 101)
    check.reply(c.cmd("quit"), "ok")
    c.close()
    return end_of(sim, check, 0)


def test_memory_registers(name):
    """memory read/write through the debugger's path, a refused write
    that changes nothing, registers by every kind of name."""
    check = Check()
    sim, c = start(check, [TICKS])
    if not c:
        return end_of(sim, check, None)
    halted_at(check, c.cmd("run-for 1ms"), None, SLICE)
    check.reply(c.cmd("memory write 0x80001000 deadBEEF01"), "ok",
                lines=["wrote 5 bytes at 0x80001000"])
    check.reply(c.cmd("memory read 0x80001000 5"), "ok", lines=["deadbeef01"])
    old, _ = c.cmd("memory read 0x87fffffc 4")
    check.reply(c.cmd("memory write 0x87fffffc 1122334455667788"), "error")
    check.reply(c.cmd("memory read 0x87fffffc 4"), "ok", lines=old)
    big, status = c.cmd("memory read 0x80000000 65536")
    check.expect(status == "ok" and len(big) == 1 and len(big[0]) == 131072,
                 "65536 bytes: %d hex digits" % (len(big[0]) if big else 0))
    check.reply(c.cmd("memory read 0x80000000 4"), "ok", lines=[big[0][:8]])
    check.reply(c.cmd("reg a0 0x1234"), "ok", lines=["a0 0x00001234"])
    check.reply(c.cmd("reg x10"), "ok", lines=["x10 0x00001234"])
    check.reply(c.cmd("reg x0 5"), "ok", lines=["x0 0x00000000"])
    check.reply(c.cmd("reg s0 7"), "ok", lines=["s0 0x00000007"])
    check.reply(c.cmd("reg fp"), "ok", lines=["fp 0x00000007"])
    check.reply(c.cmd("reg mscratch 0xcafe"), "ok", lines=["mscratch 0x0000cafe"])
    check.reply(c.cmd("reg mscratch"), "ok", lines=["mscratch 0x0000cafe"])
    check.reply(c.cmd("reg mcause"), "ok")
    regs, status = c.cmd("info registers")
    names = ["pc", "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1"] + \
        ["a%d" % i for i in range(8)] + ["s%d" % i for i in range(2, 12)] + \
        ["t%d" % i for i in range(3, 7)]
    check.expect(status == "ok" and [r.split()[0] for r in regs] == names and
                 all(re.fullmatch(r"\S+ 0x[0-9a-f]{8}", r) for r in regs) and
                 "a0 0x00001234" in regs, "info registers: %r" % regs)
    pc = int(regs[0].split()[1], 16)
    check.reply(c.cmd("reg pc 0x%x" % pc), "ok", lines=["pc 0x%08x" % pc])
    check.reply(c.cmd("quit"), "ok")
    c.close()
    return end_of(sim, check, 0)


def test_gpio(name):
    """A GPIO input driven over the control socket reaches the input
    register (hifive1-revb, gpio_irq enables pins 9-11)."""
    check = Check()
    sim, c = start(check, ["--board", "hifive1-revb", GPIO])
    if not c:
        return end_of(sim, check, None)
    halted_at(check, c.cmd("run-for 500us"))
    before, _ = c.cmd("memory read 0x10012000 4")
    check.reply(c.cmd("gpio gpio0 9 1"), "ok", lines=["gpio0: pin 9 = 1"])
    after, _ = c.cmd("memory read 0x10012000 4")
    check.expect(before and after and
                 int(after[0], 16) == int(before[0], 16) | 0x00020000,  # bit 9, LE
                 "input_val %r then %r" % (before, after))
    check.reply(c.cmd("quit"), "ok")
    c.close()
    return end_of(sim, check, 0)


def test_reconfigure(name):
    """Peripherals change over the control socket as over the console; a
    removed UART's output can still be read."""
    check = Check()
    sim, c = start(check, [TICKS])
    if not c:
        return end_of(sim, check, None)
    halted_at(check, c.cmd('run-until uart0 "tick 1\\n" 10ms'))
    check.reply(c.cmd("peripheral add stub0 memory-mapped-stub @0x20000000"), "ok")
    check.reply(c.cmd("info peripherals"), "ok", contains="stub0 ")
    check.reply(c.cmd("run-for 2ms"), "ok")
    check.reply(c.cmd("peripheral power uart0 off"), "ok")
    out, status = c.cmd("uart uart0 read")
    check.expect(status == "ok" and out[0].startswith('"tick 2\\n'), "read: %r" % out)
    check.reply(c.cmd("quit"), "ok")
    c.close()
    return end_of(sim, check, 0)


CAPTURE_MAX = 1 << 20  # bytes of unread output a UART keeps
# At 0x80100000: sb a1, 0(a0); addi a1, a1, 1; j .-8 (one byte per 3 insns)
BYTE_LOOP = "2300b500" "93851500" "6ff09fff"


def test_capture_bound(name):
    """A UART keeps its last 1 MiB of unread output, exactly: 2 MiB sent
    by a loop (bytes 0, 1, ..., 255, 0, ...) read back as the last 1 MiB.
    Once full, each new byte drops the oldest: this must not move the
    whole megabyte each time (2 MiB would then move 1 TiB and never end)."""
    check = Check()
    sim, c = start(check, ["--set", "uart0.chardev=null", SPIN])
    if not c:
        return end_of(sim, check, None)
    sent = 2 * CAPTURE_MAX
    check.reply(c.cmd("memory write 0x80100000 " + BYTE_LOOP), "ok")
    for line in ("reg a0 0x10000000", "reg a1 0", "reg pc 0x80100000"):
        check.reply(c.cmd(line), "ok")
    halted_at(check, c.cmd("run-for %dinsns" % (3 * sent)), 3 * sent)
    out, status = c.cmd("uart uart0 read")
    got = unquote(out[0]) if status == "ok" and len(out) == 1 else b""
    want = bytes(range(256)) * (CAPTURE_MAX // 256)  # (sent - CAPTURE_MAX) % 256 == 0
    check.expect(got == want, "read %d bytes, expected the last %d sent (first %r, last %r)"
                 % (len(got), CAPTURE_MAX, got[:8], got[-8:]))
    check.reply(c.cmd("uart uart0 read"), "ok", lines=['""'])
    check.reply(c.cmd("quit"), "ok")
    c.close()
    return end_of(sim, check, 0)


# The same commands on every engine: each reply must be the same.
SCRIPT = [
    'run-until uart0 "READY\\n" 10ms',
    "info registers",
    'uart uart0 send "echo hello\\n"',
    'run-until uart0 "echo: hello\\n" 20ms',
    "run-until pc checkpoint",
    "info registers",
    "memory read 0x87ffff00 256",
    "step 7",
    "run-for 3ms",
    "uart uart0 read",
    'run-until uart0 "tick 25\\n" 1s',
    "run-until pc checkpoint 2ms",
    'run-until uart0 "never" 123insns',
    "stats",
    "gpio nosuch 1 1",
    'uart uart0 send "quit 6\\n"',
    "run-for 100ms",
    "uart uart0 read",
    "info registers",
    "quit",
]


def scripted(args):
    """Every reply to SCRIPT, and the exit status; None when it failed."""
    check = Check()
    sim, c = start(check, args + [TICKS])
    if not c:
        end_of(sim, check, None)
        return None, check.problems
    replies = [c.cmd(line) for line in SCRIPT]
    c.close()
    return replies, end_of(sim, check, 6)


def test_determinism(name):
    """The same commands give the same replies: twice, and on each engine
    (--jit on --jit-threshold 1 and --jit off)."""
    problems, runs = [], []
    for engine, args in testlib.ENGINES + (testlib.ENGINES[0],):
        replies, p = scripted(list(args))
        problems += ["%s: %s" % (engine, x) for x in p]
        runs.append((engine, replies))
    first_engine, first = runs[0]
    for engine, replies in runs[1:]:
        for line, a, b in zip(SCRIPT, first, replies or []):
            if a != b:
                problems.append("%r: %s replied %r, %s %r" % (line, first_engine, a,
                                                              engine, b))
    if first and not all(st in ("ok", "error") for _, st in first):
        problems.append("a reply did not end: %r" % first)
    return problems


def test_monitor_too(name):
    """run-until, uart read and info state work on --monitor too, where
    the firmware then runs on after `cont` (info state: running)."""
    check = Check()
    sim = Sim(["--monitor", "tcp:0", "--monitor-wait", TICKS])
    where = sim.listening()
    if not where:
        sim.kill()
        return end_of(sim, check, None)
    c = Client(where)
    halted_at(check, c.cmd('run-until uart0 "tick 1\\n" 10ms'))
    check.reply(c.cmd("uart uart0 read"), "ok", lines=['""'])
    check.reply(c.cmd("info state"), "ok", contains="halted at pc")
    check.reply(c.cmd("quit 0"), "ok")
    c.close()
    problems = end_of(sim, check, 0)
    check = Check()
    sim = Sim(["--monitor", "tcp:0", "--monitor-wait", SPIN])  # spins for ever
    where = sim.listening()
    if not where:
        sim.kill()
        return problems + end_of(sim, check, None)
    c = Client(where)
    check.reply(c.cmd("cont"), "ok")
    check.reply(c.cmd("info state"), "ok", contains="running at pc")
    check.reply(c.cmd("quit 0"), "ok")
    c.close()
    return problems + end_of(sim, check, 0)


# (args, text stderr must contain): each a usage error (125)
BAD_OPTIONS = [
    (["--control", "tcp:0", "--monitor", "tcp:0", TICKS],
     "--control and --monitor cannot be combined"),
    (["--control", "tcp:0", "--gdb", "0", TICKS], "--control and --gdb cannot be combined"),
    (["--control", "tcp:0", "--scenario", "x.yaml", TICKS],
     "--control and --scenario cannot be combined"),
    (["--control", "tcp:0", "--realtime", TICKS], "--control and --realtime cannot be combined"),
    (["--control", "stdio", TICKS], "mcusim: --control: 'stdio' is not a control socket: "
     "expected tcp:[HOST:]PORT or unix:PATH"),
    (["--control", "tcp:99999", TICKS], "port must be 0-65535"),
    (["--control", "unix:", TICKS], "missing the socket's path"),
    (["--control", "unix:/nonexistent-dir/c.sock", TICKS],
     "--control: cannot listen on /nonexistent-dir/c.sock"),
]


def test_bad_options(name):
    problems = []
    for args, text in BAD_OPTIONS:
        r = testlib.run([SIM] + args)
        if r.status != 125 or text not in r.stderr:
            problems.append("%s: exit %d, stderr %r (expected 125 and %r)"
                            % (args, r.status, r.stderr, text))
    if "--control SPEC" not in testlib.run([SIM, "--help"]).stdout:
        problems.append("--help lacks --control")
    return problems


TESTS = [
    ("control/session", test_session),
    ("control/unix-hangup", test_unix_hangup),
    ("control/timeout-during-run", test_timeout_during_run),
    ("control/unix-path-taken", test_unix_path_taken),
    ("control/hangup-after-exit", test_hangup_after_exit),
    ("control/hangup-during-run", test_hangup_during_run),
    ("control/hangup-behind-many-lines", test_hangup_behind_many_lines),
    ("control/half-close", test_half_close),
    ("control/one-client", test_one_client),
    ("control/quit-status", test_quit_status),
    ("control/fault-and-limit", test_fault_and_limit),
    ("control/run-until-pc", test_run_until_pc),
    ("control/run-until-pc-loop", test_run_until_pc_loop),
    ("control/asleep", test_asleep),
    ("control/errors", test_errors),
    ("control/memory-registers", test_memory_registers),
    ("control/gpio", test_gpio),
    ("control/reconfigure", test_reconfigure),
    ("control/capture-bound", test_capture_bound),
    ("control/determinism", test_determinism),
    ("control/monitor-too", test_monitor_too),
    ("control/bad-options", test_bad_options),
]


def run(res, only=None):
    testlib.run_cases(res, TESTS, only)


if __name__ == "__main__":
    results = testlib.Results()
    run(results, only=sys.argv[2] if len(sys.argv) > 2 and sys.argv[1] == "-k" else None)
    sys.exit(results.summary())
