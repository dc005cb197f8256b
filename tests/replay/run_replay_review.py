"""Record and replay, reviewed: recordings edited by hand (every line's
checksum made right again, so only the content is wrong) are refused with
a clear message or replayed faithfully, never a crash or a hang
(tests/run_tests.py runs these; docs/DEBUGGING.md, "Record and replay").

The recording: tests/firmware/uart_echo.c on virt32 reading
tests/firmware/uart_echo.in through a file chardev, so the run is the same
every time. Each case edits it (inputs swapped, one moved into the past, a
device that does not exist, a read holding more bytes than the device
asked for, an input after everything at a huge position, a command out of
order, every input truncated away, the end moved into the past) and
replays it on both engines: either status 125 with one `mcusim: ` line
saying why, or the recorded output and status. The guard is
testlib.TIMEOUT: a replay that does not end by then is a hang and fails.
"""
import os
import sys
import tempfile
import zlib

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_replay as rr  # noqa: E402
import testlib  # noqa: E402

ECHO = "build/fw/uart_echo.elf"
ARGS = ["--set", "uart0.chardev=stdio:in=tests/firmware/uart_echo.in", ECHO]
REFUSED = 125


def body(line):
    return line.rsplit(" ~", 1)[0]


def seal(text):
    return "%s ~%08x\n" % (text, zlib.crc32(text.encode()))


def write(path, lines):
    with open(path, "w") as f:
        f.write("".join(seal(b) for b in lines))


def engine_opts(name):
    return next(list(opts) for n, opts in testlib.ENGINES if n == name)


def record(tmp, check):
    """The recording's lines (checksums off) and the recorded output."""
    path = os.path.join(tmp, "echo.rec")
    r = testlib.run([testlib.SIM, "--record", path] + ARGS)
    if not check.expect(r.status == 0, "recording: status %s\n%s" % (r.status, r.stderr)):
        return None, None
    with open(path) as f:
        return [body(l) for l in f.read().splitlines()], r.stdout


def inputs_at(lines):
    return lines.index("begin") + 1


def reads(lines):
    return [i for i, l in enumerate(lines) if l.startswith("uart-read ")]


def swap_reads(lines):
    i = reads(lines)[1]
    lines[i], lines[i + 1] = lines[i + 1], lines[i]


def read_in_the_past(lines):
    lines.insert(reads(lines)[8], 'uart-read 10 10 0x80000000 s "uart0" 41 0')


def unknown_device(lines):
    i = reads(lines)[1]
    lines[i] = lines[i].replace('"uart0"', '"nosuch"')


def unknown_device_no_end(lines):
    unknown_device(lines)
    del lines[-1]


def too_many_bytes(lines):
    i = reads(lines)[0]
    fields = lines[i].split(" ")
    fields[6] = "41" * 4096
    lines[i] = " ".join(fields)


def huge_position(lines):
    lines.insert(len(lines) - 1, 'command 18446744073709551615 18446744073709551615 '
                 '0x80000000 s gdb "reset"')
    del lines[-1]


def command_out_of_order(lines):
    first = lines[reads(lines)[0]].split(" ")
    lines.insert(reads(lines)[0], 'command %s %s %s s gdb "peripheral remove nosuch"'
                 % tuple(first[1:4]))


def all_truncated(lines):
    lines.insert(len(lines) - 1, "truncate 0")


def end_in_the_past(lines):
    lines[-1] = "end 5 5 0x80000000 s 0"


EDITS = [("swapped-reads", swap_reads), ("read-in-the-past", read_in_the_past),
         ("unknown-device", unknown_device), ("unknown-device-no-end", unknown_device_no_end),
         ("too-many-bytes", too_many_bytes), ("huge-position", huge_position),
         ("command-out-of-order", command_out_of_order), ("all-truncated", all_truncated),
         ("end-in-the-past", end_in_the_past)]


def edited(edit):
    def test(name):
        check = testlib.Check()
        with tempfile.TemporaryDirectory() as tmp:
            lines, want = record(tmp, check)
            if lines is None:
                return check.problems
            edit(lines)
            path = os.path.join(tmp, "edited.rec")
            write(path, lines)
            for engine, _ in testlib.ENGINES:
                where = "%s, replayed on %s" % (name, engine)
                r = testlib.run([testlib.SIM] + engine_opts(engine) + ["--replay", path] +
                                ARGS)
                check.expect("(timed out)" not in r.stderr, "%s: a hang\n%s" %
                             (where, r.stderr[-2000:]))
                check.expect(not testlib.sanitizer_report(r.stderr), "%s: sanitizer "
                             "report:\n%s" % (where, r.stderr))
                said = [l for l in r.stderr.splitlines()
                        if l.startswith("mcusim: ") and "note:" not in l]
                faithful = r.status == 0 and r.stdout == want
                refused = r.status == REFUSED and len(said) == 1
                check.expect(faithful or refused, "%s: neither refused with one message "
                             "nor replayed as recorded: status %s\n--- stdout\n%s--- "
                             "stderr\n%s" % (where, r.status, r.stdout, r.stderr[-2000:]))
        return check.problems
    return test


def test_replayed_chardevs_open_no_host_file(name):
    """A recording is someone else's file: a `peripheral add` it replays
    with `chardev=file:PATH` must not create PATH (the chardev is opened
    as stdio, said on stderr), and the run is the recorded one."""
    check = testlib.Check()
    with tempfile.TemporaryDirectory() as tmp:
        rec = os.path.join(tmp, "add.rec")
        log = os.path.join(tmp, "u9.log")
        commands = ["run-for 1ms",
                    "peripheral add u9 ns16550a @0x10001000 chardev=file:" + log,
                    "run-for 1ms", "cont"]
        out, status, insns = rr.console_session([rr.TICKS], commands, check, rec)
        if out is None:
            return check.problems
        check.expect(os.path.exists(log), "the recorded run did not open " + log)
        os.unlink(log)
        for engine, _ in testlib.ENGINES:
            r = rr.replay(rec, [rr.TICKS], engine)
            check.expect(not os.path.exists(log), "the replay (%s) created %s" % (engine, log))
            check.expect("u9's chardev 'file:%s' is opened as stdio" % log in r.stderr,
                         "no note on stderr:\n" + r.stderr)
            check.expect((r.status, r.stdout, rr.instructions(r.stderr)) == (status, out, insns),
                         "the replay (%s) differs: status %s, %s instructions\n%s" %
                         (engine, r.status, rr.instructions(r.stderr), r.stderr))
    return check.problems


TESTS = [("replay-review/edited/%s" % name, edited(edit)) for name, edit in EDITS]
TESTS += [("replay-review/chardevs-open-no-host-file", test_replayed_chardevs_open_no_host_file)]


def run(res, only=None):
    testlib.run_cases(res, TESTS, only)


if __name__ == "__main__":
    results = testlib.Results()
    run(results, only=sys.argv[2] if len(sys.argv) > 2 and sys.argv[1] == "-k" else None)
    sys.exit(results.summary())
