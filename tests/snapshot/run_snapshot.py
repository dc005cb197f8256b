#!/usr/bin/env python3
"""Machine snapshots end to end (sim/snapshot.c, docs/DEBUGGING.md;
tests/run_tests.py runs these), with the sanitized simulator.

- determinism: run A straight for N+M instructions; run B for N and save
  (--snapshot-save); a new process loads B's file (--snapshot-load) and
  runs M: the UART output after the snapshot (but for the bytes a UART
  still held at B's end, which B's process wrote out as it ended and the
  restored UART sends), and the machine as the runs end (their
  --snapshot-save files, byte for byte: registers, memories, devices,
  clock, instruction count) are A's; so is the exit status of a run to the
  firmware's end. On virt32 (scenario_ticks: UART; sleep: the
  CLINT's timer and wfi) and the HiFive1 (scenario_ticks on the plain
  hifive1-revb; pwm), on each engine, and with the engines swapped
  between the two processes.
- control: the same through the control socket: `info registers`,
  hashes of `memory read` over the memories, every peripheral's registers
  read the debugger's way, `stats`, `uart uart0 read`.
- monitor: `snapshot save`, run on, `snapshot load`, run again: the
  same registers, memories, devices, counts and UART output as the first
  time; `snapshot list`; `snapshot delete`; a missing name refused.
- reconfiguration, on both boards: a snapshot taken before `peripheral
  add`, `peripheral power ... off` and `board apply` (a new memory, a new
  peripheral) brings the board back as it was (`info peripherals`, `info
  irq`, the devices' registers), and the run from there is the straight
  run's; one taken after brings the new board back, the new memory's
  contents included.
- refused files: a byte flipped in each section, truncation, another
  format version, another firmware, another hart (`--set cpu.isa`), host
  services on one side only: each refused with its message (exit 125 at
  the start; over the control socket the machine is unchanged).
- outputs: --snapshot-save refuses the firmware and the --snapshot-load
  file, and so does `snapshot save-file` the firmware (left unchanged);
  a file is written at the firmware's exit too.
- gdb: `monitor snapshot save/load` from gdb-multiarch, and what gdb shows
  of the registers after a load (see docs/DEBUGGING.md).

Standalone: python3 tests/snapshot/run_snapshot.py [-k WORD] [--measure]
(--measure prints snapshot sizes for both boards: no test).
"""
import hashlib
import os
import re
import shutil
import struct
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "console"))
from consolelib import SIM, Client, Sim, testlib  # noqa: E402

sys.path.insert(0, os.path.join(testlib.TOP, "python"))
from mcusim.protocol import unquote  # noqa: E402

Check = testlib.Check
HIFIVE1_TEST = ["-b", "tests/firmware/boards/hifive1-test.yaml:hifive1-test"]


class Case:
    """A firmware to snapshot: board options, ELF, N and M (instructions
    before and after the snapshot; N+M before its end), the memories to
    hash (base, length), the status of a run to the firmware's end, and
    whether it prints between N and N+M."""

    def __init__(self, name, board, elf, n, m, memories, status, prints=True):
        self.name, self.board, self.elf = name, board, elf
        self.n, self.m, self.memories, self.status = n, m, memories, status
        self.prints = prints


VIRT32_MEMORIES = [(0x80000000, 0x10000), (0x87ff0000, 0x10000)]  # code+data, stack
HIFIVE1_MEMORIES = [(0x80000000, 0x4000), (0x20010000, 0x10000)]  # DTIM, flash code

CASES = [
    Case("virt32/scenario_ticks", [], "build/fw/scenario_ticks.elf", 100000, 120000,
         VIRT32_MEMORIES, 0),
    Case("virt32/sleep", [], "build/fw/sleep.elf", 2000000, 1500000, VIRT32_MEMORIES, 0,
         prints=False),  # "sleep: OK" at its end only
    Case("hifive1-revb/scenario_ticks", ["-b", "hifive1-revb"],
         "build/fw/hifive1/scenario_ticks.elf", 300000, 350000, HIFIVE1_MEMORIES, 0),
    Case("hifive1/pwm", HIFIVE1_TEST, "build/fw/hifive1/pwm.elf", 800000, 700000,
         HIFIVE1_MEMORIES, 0),
]
TICKS = CASES[0]
HIFIVE1 = CASES[2]


def engines():
    return testlib.ENGINES


def sim(args):
    return testlib.run([SIM] + list(args))


def sanitizer_free(check, ran, what):
    check.expect(not testlib.sanitizer_report(ran.stderr),
                 "%s: sanitizer report:\n%s" % (what, ran.stderr))


def read(path):
    with open(path, "rb") as f:
        return f.read()


def limit_line(n):
    return "stopped after %d instructions (--max-insns)" % n


# A UART that models transmission time (sifive,uart0: an 8-byte FIFO and a
# shift register) writes out what it still holds when the process ends,
# so the bytes in flight at the snapshot are on B's stdout and C sends
# them again: at most this many.
IN_FLIGHT_MAX = 9


def continued(check, straight, before, after, what):
    """straight == before + after, but for the bytes in flight at the
    snapshot (the end of `before`, the start of `after`)."""
    for k in range(IN_FLIGHT_MAX + 1):
        if k <= len(before) and before[len(before) - k:] == after[:k] and \
                straight == before[:len(before) - k] + after:
            return
    check.expect(False, "%s: the output after the snapshot differs:\n--- straight\n%s\n"
                 "--- before the snapshot, then after it\n%s\n---\n%s"
                 % (what, straight[-1500:], before[-500:], after[:1000]))


# ---- determinism across processes ----

def test_determinism(case, first, second):
    """A straight for N+M; B for N, saved; C loads B's file and runs M
    (engines `first` for A and B, `second` for C)."""
    def fn(name):
        check = Check()
        (_, args1), (_, args2) = first, second
        with tempfile.TemporaryDirectory(prefix="mcusim-snap-") as tmp:
            a_file, b_file, c_file = (os.path.join(tmp, x) for x in ("a", "b", "c"))
            a = sim(list(args1) + case.board + ["-n", str(case.n + case.m), "--snapshot-save",
                                                a_file, case.elf])
            b = sim(list(args1) + case.board + ["-n", str(case.n), "--snapshot-save", b_file,
                                                case.elf])
            c = sim(list(args2) + case.board + ["--snapshot-load", b_file, "-n", str(case.m),
                                                "--snapshot-save", c_file, case.elf])
            for what, ran in (("A", a), ("B", b), ("C", c)):
                check.expect(ran.status == 124, "%s: exit %d, expected 124\n%s"
                             % (what, ran.status, ran.stderr))
                sanitizer_free(check, ran, what)
            check.expect(limit_line(case.n + case.m) in a.stderr, "A's count: %r" % a.stderr)
            check.expect(limit_line(case.n) in b.stderr, "B's count: %r" % b.stderr)
            check.expect(limit_line(case.n + case.m) in c.stderr, "C's count: %r" % c.stderr)
            check.expect(not case.prints or (b.stdout and c.stdout),
                         "output before and after the snapshot: %r, %r"
                         % (b.stdout[-200:], c.stdout[:200]))
            continued(check, a.stdout, b.stdout, c.stdout, "at N+M")
            if os.path.exists(a_file) and os.path.exists(c_file):
                check.expect(read(b_file) != read(a_file), "B's machine is A's: nothing ran")
                check.expect(read(a_file) == read(c_file),
                             "the machines differ at N+M (A's and C's --snapshot-save files): %s"
                             % first_difference(read(a_file), read(c_file)))
            else:
                check.expect(False, "a --snapshot-save file is missing")
            # to the firmware's end, from the snapshot and straight
            whole = sim(list(args1) + case.board + [case.elf])
            rest = sim(list(args2) + case.board + ["--snapshot-load", b_file, case.elf])
            check.expect(whole.status == case.status and rest.status == case.status,
                         "to the end: straight %d, from the snapshot %d, expected %d\n%s"
                         % (whole.status, rest.status, case.status, rest.stderr))
            continued(check, whole.stdout, b.stdout, rest.stdout, "to the end")
            sanitizer_free(check, rest, "to the end")
        return check.problems
    return fn


# ---- the control socket: registers, memories, devices, counts ----

def start(check, args):
    """mcusim --control on a unix socket (no Nagle delays: a reply comes
    in two writes) and a client; (proc, None) when it never listened."""
    folder = tempfile.mkdtemp(prefix="mcusim-snap-sock-")
    proc = Sim(["--control", "unix:" + os.path.join(folder, "c.sock")] + list(args))
    proc.folder = folder  # removed by finish()
    at = proc.listening("control")
    if not check.expect(at is not None, "never said where it listens:\n" + proc.err.text):
        proc.kill()
        shutil.rmtree(folder, ignore_errors=True)
        return proc, None
    try:
        return proc, Client(at)
    except OSError:  # it listened, then went away: leave nothing behind
        proc.kill()
        shutil.rmtree(folder, ignore_errors=True)
        raise


def finish(proc, check, status):
    got = proc.finish()
    shutil.rmtree(getattr(proc, "folder", ""), ignore_errors=True)
    check.expect(got == status, "exit status %s, expected %s" % (got, status))
    check.expect(not testlib.sanitizer_report(proc.err.text),
                 "sanitizer report:\n" + proc.err.text)
    return check.problems


def ok(check, c, line):
    out, status = c.cmd(line)
    check.expect(status == "ok", "%r: %r" % (line, (out, status)))
    return out


def peripherals(check, c):
    """(name, base) of each peripheral `info peripherals` lists."""
    found = []
    for line in ok(check, c, "info peripherals"):
        m = re.search(r"^(\S+)\s.*?0x([0-9a-f]{8})", line)
        if m:
            found.append((m.group(1), int(m.group(2), 16)))
    return found


def dump(check, c, case):
    """Everything the control socket shows of the machine, as text."""
    parts = ["registers:"] + ok(check, c, "info registers")
    for csr in ("mstatus", "mie", "mip", "mepc", "mcause", "mtvec", "mcycle", "minstret"):
        parts += c.cmd("reg " + csr)[0]
    parts += ok(check, c, "stats")
    for base, length in case.memories:
        h = hashlib.sha256()
        for at in range(base, base + length, 0x4000):
            out = ok(check, c, "memory read 0x%x 0x4000" % at)
            h.update(out[0].encode() if out else b"?")
        parts.append("memory 0x%x+0x%x sha256 %s" % (base, length, h.hexdigest()))
    for name, base in peripherals(check, c):
        out, status = c.cmd("memory read 0x%x 0x40" % base)
        parts.append("%s %s %s" % (name, status, " ".join(out)))
    parts += ok(check, c, "info irq")
    return parts


def uart_read(check, c):
    out = ok(check, c, "uart uart0 read")
    return unquote(out[0]) if out else b""


def run_for(check, c, insns):
    out, status = c.cmd("run-for %dinsns" % insns)
    check.expect(status == "ok" and out and out[0].startswith("halted at pc"),
                 "run-for %d: %r" % (insns, (out, status)))


def test_control(case):
    """A straight over the control socket; B to N and save-file; C loaded
    runs M: the same dumps and UART output."""
    def fn(name):
        check = Check()
        with tempfile.TemporaryDirectory(prefix="mcusim-snap-") as tmp:
            snap = os.path.join(tmp, "b.snap")
            proc, c = start(check, case.board + [case.elf])
            if not c:
                return check.problems
            run_for(check, c, case.n + case.m)
            a_dump, a_out = dump(check, c, case), uart_read(check, c)
            ok(check, c, "quit")
            finish(proc, check, 0)
            proc, c = start(check, case.board + [case.elf])
            if not c:
                return check.problems
            run_for(check, c, case.n)
            b_out = uart_read(check, c)
            out = ok(check, c, "snapshot save-file " + snap)
            check.expect(out and out[0].startswith("saved %s: %d instructions, pc 0x"
                                                   % (snap, case.n)), "save-file: %r" % out)
            ok(check, c, "quit")
            finish(proc, check, 0)
            proc, c = start(check, case.board + ["--snapshot-load", snap, case.elf])
            if not c:
                return check.problems
            out = ok(check, c, "info state")
            check.expect(out and "after %d instructions" % case.n in out[0],
                         "loaded: %r" % out)
            run_for(check, c, case.m)
            c_dump, c_out = dump(check, c, case), uart_read(check, c)
            ok(check, c, "quit")
            finish(proc, check, 0)
            compare_dumps(check, a_dump, c_dump, "straight", "from the file")
            # what the UART sent, as the taps saw it: nothing flushed twice
            check.expect(a_out == b_out + c_out and (c_out or not case.prints),
                         "UART output: straight %r, before %r + after %r"
                         % (a_out[-300:], b_out[-100:], c_out[:200]))
        return check.problems
    return fn


def compare_dumps(check, a, b, what_a, what_b):
    if a == b:
        return
    diff = ["%s: %r / %s: %r" % (what_a, x, what_b, y) for x, y in zip(a, b) if x != y]
    check.expect(False, "the machines differ (%d lines):\n%s"
                 % (len(diff) or abs(len(a) - len(b)), "\n".join(diff[:20])))


def test_monitor_repeat(case, engine):
    """snapshot save, run M, snapshot load, run M: the same twice."""
    def fn(name):
        check = Check()
        proc, c = start(check, list(engine[1]) + case.board + [case.elf])
        if not c:
            return check.problems
        run_for(check, c, case.n)
        uart_read(check, c)
        out = ok(check, c, "snapshot save here")
        check.expect(out and out[0].startswith("saved here: %d instructions" % case.n),
                     "save: %r" % out)
        at = dump(check, c, case)
        run_for(check, c, case.m)
        first, first_out = dump(check, c, case), uart_read(check, c)
        out = ok(check, c, "snapshot list")
        check.expect(len(out) == 1 and re.fullmatch(
            r"here: %d instructions, pc 0x[0-9a-f]{8}, \d+ bytes" % case.n, out[0]),
            "list: %r" % out)
        out = ok(check, c, "snapshot load here")
        check.expect(out and out[0].startswith("loaded here: %d instructions" % case.n),
                     "load: %r" % out)
        compare_dumps(check, at, dump(check, c, case), "saved", "loaded")
        run_for(check, c, case.m)
        second, second_out = dump(check, c, case), uart_read(check, c)
        compare_dumps(check, first, second, "first time", "second time")
        check.expect(first_out == second_out and (first_out or not case.prints),
                     "UART output: %r then %r" % (first_out[:200], second_out[:200]))
        missing = c.cmd("snapshot load nope")
        check.expect(missing == (["error: no snapshot named 'nope'"], "error"),
                     "missing name: %r" % (missing,))
        ok(check, c, "snapshot delete here")
        check.expect(ok(check, c, "snapshot list") == ["no snapshots"], "deleted")
        ok(check, c, "quit")
        return finish(proc, check, 0)
    return fn


# The board `board apply` makes of each: a new memory and a new
# peripheral (on virt32 wired to the PLIC: the HiFive1 has no line free);
# the peripheral powered off before, and
# where a stub is added first.
RECONFIG = {
    "virt32/scenario_ticks": ("""\
applied:
  extends: virt32
  memory:
    - {name: sram2, type: ram, base: 0x90000000, size: 8K}
  peripherals:
    - {name: gpio9, type: "sifive,gpio0", base: 0x10012000, irq: [plic.11-42]}
""", "gpio9", "test", 0x20000000),
    "hifive1-revb/scenario_ticks": ("""\
applied:
  extends: hifive1-revb
  memory:
    - {name: sram2, type: ram, base: 0x90000000, size: 8K}
  peripherals:
    - {name: uart9, type: "sifive,uart0", base: 0x10033000, chardev: "null"}
""", "uart9", "pwm1", 0x30000000),
}


def test_reconfig(case):
    """A snapshot taken before the board changed brings it back: the
    board, the wiring, the devices, and the run from there."""
    def fn(name):
        return reconfig(case, *RECONFIG[case.name])
    return fn


def reconfig(case, board_text, added, powered_off, stub):
    check = Check()
    with tempfile.TemporaryDirectory(prefix="mcusim-snap-") as tmp:
        board_file = os.path.join(tmp, "applied.yaml")
        with open(board_file, "w") as f:
            f.write(board_text)
        proc, c = start(check, case.board + [case.elf])
        if not c:
            return check.problems
        run_for(check, c, case.n + case.m)
        straight = dump(check, c, case)
        ok(check, c, "quit")
        finish(proc, check, 0)
        proc, c = start(check, case.board + [case.elf])
        if not c:
            return check.problems
        run_for(check, c, case.n)
        before = dump(check, c, case) + ok(check, c, "info peripherals")
        ok(check, c, "snapshot save s0")
        ok(check, c, "peripheral add stub9 memory-mapped-stub @0x%x" % stub)
        ok(check, c, "peripheral power %s off" % powered_off)
        ok(check, c, "board apply %s:applied" % board_file)
        ok(check, c, "memory write 0x90000000 0123456789")
        run_for(check, c, 5000)
        changed = ok(check, c, "info peripherals")
        check.expect(changed != before[-len(changed):] and
                     any(l.startswith("sram2 ") for l in changed) and
                     any(l.startswith(added + " ") for l in changed),
                     "the board did not change: %r" % changed)
        ok(check, c, "snapshot save s1")
        ok(check, c, "snapshot load s0")
        after = dump(check, c, case) + ok(check, c, "info peripherals")
        compare_dumps(check, before, after, "before the changes", "loaded")
        run_for(check, c, case.m)
        compare_dumps(check, straight, dump(check, c, case), "straight", "after the load")
        ok(check, c, "snapshot load s1")
        check.expect(ok(check, c, "info peripherals") == changed, "s1's board")
        check.expect(ok(check, c, "memory read 0x90000000 5") == ["0123456789"],
                     "s1's new memory's contents")
        ok(check, c, "quit")
        finish(proc, check, 0)
    return check.problems


# ---- refused files ----

def sections(data):
    """[(name, payload offset, payload length)] of a snapshot file."""
    count = struct.unpack_from("<I", data, 12)[0]
    at, out = 16, []
    for _ in range(count):
        n = struct.unpack_from("<I", data, at)[0]
        name = data[at + 4:at + 4 + n].decode()
        length = struct.unpack_from("<Q", data, at + 4 + n)[0]
        payload = at + 4 + n + 12
        out.append((name, payload, length))
        at = payload + length
    return out


def saved_file(tmp, case, extra=()):
    path = os.path.join(tmp, "good.snap")
    r = sim(case.board + list(extra) + ["-n", "20000", "--snapshot-save", path, case.elf])
    return path, r


def refused_at_start(check, case, path, want, extra=(), elf=None):
    r = sim(case.board + list(extra) + ["--snapshot-load", path, "-n", "1000",
                                        elf or case.elf])
    check.expect(r.status == 125 and "mcusim: --snapshot-load: " + want in r.stderr
                 and not r.stdout,
                 "%s: exit %d, stderr %r, expected 125 and %r"
                 % (os.path.basename(path), r.status, r.stderr, want))
    sanitizer_free(check, r, want)


def first_difference(a, b):
    """Where two snapshot files first differ: a section and an offset."""
    sa, sb = sections(a), sections(b)
    for (name, pa, la), (other, pb, lb) in zip(sa, sb):
        x, y = a[pa:pa + la], b[pb:pb + lb]
        if name != other or x != y:
            at = next((i for i in range(min(len(x), len(y))) if x[i] != y[i]), min(len(x), len(y)))
            return "section '%s' (%d and %d bytes) from byte %d: %r / %r" % (
                name, la, lb, at, x[max(0, at - 80):at + 24], y[max(0, at - 80):at + 24])
    return "sections %r / %r" % ([x[0] for x in sa], [x[0] for x in sb])


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def test_corrupt_files(name):
    check = Check()
    with tempfile.TemporaryDirectory(prefix="mcusim-snap-") as tmp:
        good, r = saved_file(tmp, TICKS)
        if not check.expect(r.status == 124, "saving: %d %s" % (r.status, r.stderr)):
            return check.problems
        data = read(good)
        secs = sections(data)
        check.expect([s[0] for s in secs] == ["origin", "clock", "cpu", "machine",
                                              "memory ram"], "sections: %r" % secs)
        bad = os.path.join(tmp, "bad.snap")
        for sec, payload, length in secs:
            flipped = bytearray(data)
            flipped[payload + length // 2] ^= 0x01
            write(bad, flipped)
            refused_at_start(check, TICKS, bad,
                             "%s: section '%s': checksum mismatch" % (bad, sec))
        for cut in (0, 10, 16, secs[2][1] + 3, secs[4][1] + 100, len(data) - 1):
            write(bad, data[:cut])
            refused_at_start(check, TICKS, bad, bad + ": ")
        write(bad, data[:len(data) - 1])
        refused_at_start(check, TICKS, bad, "%s: truncated: the file's checksum is missing" % bad)
        write(bad, data[:8] + struct.pack("<I", 9) + data[12:])
        refused_at_start(check, TICKS, bad,
                         "%s: snapshot format version 9; this mcusim reads version 1" % bad)
        write(bad, b"GIF89a" + data[6:])
        refused_at_start(check, TICKS, bad, "%s: not an mcusim snapshot" % bad)
        refused_at_start(check, TICKS, os.path.join(tmp, "missing.snap"),
                         "%s: cannot open" % os.path.join(tmp, "missing.snap"))
        refused_at_start(check, TICKS, good, "the snapshot is of another firmware: ",
                         elf="build/fw/hello.elf")
        refused_at_start(check, TICKS, good, "the snapshot is of another hart: ISA rv32imac, "
                         "this one's rv32imc", extra=["--set", "cpu.isa=rv32imc"])
        # the good file still loads
        r = sim(TICKS.board + ["--snapshot-load", good, "-n", "1000", TICKS.elf])
        check.expect(r.status == 124 and limit_line(21000) in r.stderr,
                     "the good file: %d %s" % (r.status, r.stderr))
    return check.problems


def test_refused_changes_nothing(name):
    """Over the control socket: each refused load-file leaves the machine
    as it was."""
    check = Check()
    case = TICKS
    with tempfile.TemporaryDirectory(prefix="mcusim-snap-") as tmp:
        good, r = saved_file(tmp, case)
        data = read(good)
        flipped = bytearray(data)
        cpu = sections(data)[2]
        flipped[cpu[1] + 5] ^= 0x80
        bad = os.path.join(tmp, "bad.snap")
        write(bad, flipped)
        other, r = saved_file(tmp, case, ["--set", "cpu.isa=rv32imc"])
        other_path = os.path.join(tmp, "other.snap")
        os.rename(other, other_path)
        proc, c = start(check, case.board + [case.elf])
        if not c:
            return check.problems
        run_for(check, c, 30000)
        ok(check, c, "peripheral add stub9 memory-mapped-stub @0x20000000")
        before = dump(check, c, case) + ok(check, c, "info peripherals")
        for path, want in ((bad, "error: %s: section 'cpu': checksum mismatch" % bad),
                           (other_path, "error: snapshot load %s: the snapshot is of another "
                            "hart: ISA rv32imc, this one's rv32imac" % other_path),
                           (tmp, "error: %s: " % tmp)):
            out, status = c.cmd("snapshot load-file " + path)
            check.expect(status == "error" and out and out[0].startswith(want),
                         "load-file %s: %r, expected %r" % (path, (out, status), want))
            compare_dumps(check, before, dump(check, c, case) + ok(check, c, "info peripherals"),
                          "before", "after a refused load")
        ok(check, c, "quit")
        finish(proc, check, 0)
    return check.problems


def test_host_state(name):
    """A newlib firmware's host state goes with the snapshot; a run
    without host services refuses it (and the other way round)."""
    check = Check()
    elf, board = "build/host/newlib_hello.elf", ["-b", "newlib-sim"]
    if not os.path.exists(elf):
        return ["%s is not built (tests/firmware/host/build.sh)" % elf]
    with tempfile.TemporaryDirectory(prefix="mcusim-snap-") as tmp:
        snap = os.path.join(tmp, "h.snap")
        r = sim(board + ["-n", "2000", "--snapshot-save", snap, elf])
        check.expect(r.status == 124, "saving: %d %s" % (r.status, r.stderr))
        whole = sim(board + [elf])
        rest = sim(board + ["--snapshot-load", snap, elf])
        check.expect(rest.status == whole.status == 0 and whole.stdout == r.stdout + rest.stdout,
                     "from the snapshot: %d %r, straight %d %r"
                     % (rest.status, rest.stdout, whole.status, whole.stdout))
        check.expect("host-service state" in sections_names(snap), "no host section")
        refused_at_start(check, Case("", board, elf, 0, 0, [], 0), snap,
                         "the snapshot has host-service state and this run has no host "
                         "services", extra=["--host", "none"])
        plain = os.path.join(tmp, "plain.snap")
        r = sim(board + ["--host", "none", "-n", "100", "--snapshot-save", plain, elf])
        refused_at_start(check, Case("", board, elf, 0, 0, [], 0), plain,
                         "the snapshot has no host-service state and this run has host "
                         "services")
    return check.problems


def sections_names(path):
    names = [s[0] for s in sections(read(path))]
    return "host-service state" if "host" in names else " ".join(names)


# ---- output paths ----

def test_outputs(name):
    check = Check()
    case = TICKS
    firmware_before = read(case.elf)
    r = sim(["--snapshot-save", case.elf, case.elf])
    check.expect(r.status == 125 and "--snapshot-save: %s: is the firmware" % case.elf
                 in r.stderr and not r.stdout, "firmware as output: %d %r"
                 % (r.status, r.stderr))
    with tempfile.TemporaryDirectory(prefix="mcusim-snap-") as tmp:
        good, _ = saved_file(tmp, case)
        r = sim(["--snapshot-load", good, "--snapshot-save", good, case.elf])
        check.expect(r.status == 125 and "--snapshot-save: %s: is the snapshot file" % good
                     in r.stderr, "the loaded file as output: %d %r" % (r.status, r.stderr))
        # a file at the firmware's exit, which loads and ends at once
        end = os.path.join(tmp, "end.snap")
        r = sim(["--snapshot-save", end, case.elf])
        check.expect(r.status == 0 and os.path.exists(end), "at exit: %d %r"
                     % (r.status, r.stderr))
        # --snapshot-save into a folder that is not there: refused at the start
        r = sim(["--snapshot-save", os.path.join(tmp, "no", "s.snap"), case.elf])
        check.expect(r.status == 125 and "cannot create" in r.stderr and not r.stdout,
                     "missing folder: %d %r" % (r.status, r.stderr))
        proc, c = start(check, [case.elf])
        if c:
            out, status = c.cmd("snapshot save-file " + case.elf)
            check.expect(status == "error" and out == ["error: %s: is the firmware"
                                                       % case.elf], "save-file: %r" % out)
            ok(check, c, "quit")
            finish(proc, check, 0)
    check.expect(read(case.elf) == firmware_before, "the firmware changed")
    check.expect("--snapshot-save FILE" in sim(["--help"]).stdout, "--help lacks it")
    return check.problems


# ---- gdb ----

GDB_SCRIPT = r"""
set pagination off
set confirm off
target remote 127.0.0.1:{port}
stepi 50
monitor snapshot save a
printf "SAVED %x\n", $pc
stepi 300
printf "LATER %x\n", $pc
monitor snapshot load a
printf "CACHED %x\n", $pc
maintenance flush register-cache
printf "FLUSHED %x\n", $pc
stepi 300
printf "AGAIN %x\n", $pc
define hookpost-monitor
maintenance flush register-cache
end
monitor snapshot load a
printf "HOOKED %x\n", $pc
kill
"""


def test_gdb(name):
    """gdb's `monitor snapshot save/load`: after the load gdb shows the
    pc it cached (what docs/DEBUGGING.md warns of) until the register
    cache is flushed; then the snapshot's, and stepping on repeats the
    first run; a hookpost-monitor that flushes makes it automatic."""
    check = Check()
    if not shutil.which("gdb-multiarch"):
        return ["gdb-multiarch is not installed (tools/setup.sh)"]
    proc = Sim(["--gdb", "0", "--gdb-wait", TICKS.elf])
    m = proc.err.wait_for(r"gdb server listening on 127\.0\.0\.1:(\d+)")
    if not check.expect(m, "no gdb port:\n" + proc.err.text):
        proc.kill()
        return check.problems
    with tempfile.NamedTemporaryFile("w", suffix=".gdb", delete=False) as f:
        f.write(GDB_SCRIPT.format(port=m.group(1)))
        script = f.name
    try:
        g = testlib.run(["gdb-multiarch", "-q", "-n", "-batch", "-x", script, TICKS.elf],
                        timeout=60)
    finally:
        os.unlink(script)
    seen = dict(re.findall(r"^(SAVED|LATER|CACHED|FLUSHED|AGAIN|HOOKED) ([0-9a-f]+)$",
                           g.stdout, re.M))
    check.expect(len(seen) == 6, "gdb printed %r\n%s\n%s" % (seen, g.stdout, g.stderr))
    if len(seen) == 6:
        check.expect(seen["SAVED"] != seen["LATER"], "the pc did not move")
        check.expect(seen["CACHED"] == seen["LATER"], "gdb refetched by itself: %r (update "
                     "docs/DEBUGGING.md)" % seen)
        check.expect(seen["FLUSHED"] == seen["SAVED"], "after the flush: %r" % seen)
        check.expect(seen["AGAIN"] == seen["LATER"], "stepping again: %r" % seen)
        check.expect(seen["HOOKED"] == seen["SAVED"], "with the hook: %r" % seen)
    finish(proc, check, 122)
    return check.problems


# ---- measurements (--measure) ----

def measure():
    """Snapshot sizes on both boards: the file --snapshot-save writes N
    instructions in, and what a second snapshot 10,000 instructions later
    holds beside the first (`snapshot list`). Times are not measured here:
    a control command's round trip on loopback is tens of milliseconds."""
    for case in (TICKS, HIFIVE1):
        with tempfile.TemporaryDirectory(prefix="mcusim-snap-") as tmp:
            path = os.path.join(tmp, "s.snap")
            sim(case.board + ["-n", str(case.n), "--snapshot-save", path, case.elf])
            size = os.path.getsize(path)
            names = [x[0] for x in sections(read(path))]
        check = Check()
        proc, c = start(check, case.board + [case.elf])
        run_for(check, c, case.n)
        ok(check, c, "snapshot save a")
        run_for(check, c, 10000)
        ok(check, c, "snapshot save b")
        listing = ok(check, c, "snapshot list")
        ok(check, c, "quit")
        finish(proc, check, 0)
        print("%-28s file %d bytes (%s); %s" % (case.name, size, ", ".join(names),
                                                "; ".join(listing)))


TESTS = []
for _case in CASES:
    for _engine in engines():
        TESTS.append(("snapshot/determinism/%s/%s" % (_case.name, _engine[0]),
                      test_determinism(_case, _engine, _engine)))
    if len(engines()) > 1:
        TESTS.append(("snapshot/determinism/%s/jit-then-interp" % _case.name,
                      test_determinism(_case, engines()[0], engines()[1])))
    TESTS.append(("snapshot/control/%s" % _case.name, test_control(_case)))
for _case in (TICKS, HIFIVE1, CASES[1]):
    for _engine in engines():
        TESTS.append(("snapshot/monitor/%s/%s" % (_case.name, _engine[0]),
                      test_monitor_repeat(_case, _engine)))
TESTS += [
    ("snapshot/reconfig/virt32", test_reconfig(TICKS)),
    ("snapshot/reconfig/hifive1-revb", test_reconfig(HIFIVE1)),
    ("snapshot/corrupt-files", test_corrupt_files),
    ("snapshot/refused-changes-nothing", test_refused_changes_nothing),
    ("snapshot/host-state", test_host_state),
    ("snapshot/outputs", test_outputs),
    ("snapshot/gdb", test_gdb),
]


def run(res, only=None):
    testlib.run_cases(res, TESTS, only)


if __name__ == "__main__":
    if "--measure" in sys.argv:
        measure()
        sys.exit(0)
    results = testlib.Results()
    run(results, only=sys.argv[2] if len(sys.argv) > 2 and sys.argv[1] == "-k" else None)
    sys.exit(results.summary())
