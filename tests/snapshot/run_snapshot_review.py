#!/usr/bin/env python3
"""Machine snapshots, reviewed end to end (tests/run_tests.py runs these,
beside tests/snapshot/run_snapshot.py), with the sanitized simulator.

- split points: a firmware that keeps devices busy (SPI flash writes and
  its WIP bit, an I2C transaction, UART interrupts, GPIO interrupts, the
  AON watchdog and RTC, PWM, the CLINT timer with the hart in wfi) is
  saved at several instruction counts (--snapshot-save) and a new
  process loads each file (--snapshot-load) and runs to the firmware's
  end: the same exit status, instruction count and UART output (but for
  the bytes in flight at the snapshot) as the straight run; one engine
  saves, the other loads.
- late refusals: a file whose checksums are all right but whose hart
  state (a privilege no hart has) or one device's state (a FIFO head past
  its buffer, a record of another layout: the first device loaded, a live
  one loaded after others, a device the load builds anew) is refused
  after the board was applied and other devices loaded: over the control
  socket the machine is as before (registers, memory hashes, device
  registers, `info peripherals`, `info irq`, counts), and the run from
  there is the run from a snapshot taken before the refusal.
- a snapshot's board is its own: one whose YAML `extends:` another file
  (board_write_yaml never writes one) is refused, naming it, and the file
  it names is never what the loaded board depends on.
- hostile numbers that pass every checksum: a pc no hart can hold.

Standalone: python3 tests/snapshot/run_snapshot_review.py [-k WORD]
"""
import os
import struct
import sys
import tempfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import run_snapshot as rs  # noqa: E402

testlib = rs.testlib
Check = rs.Check
HIFIVE1_TEST = rs.HIFIVE1_TEST

# ---- the file's sections, rebuilt with every checksum right ----


def parse(data):
    """[[name, payload]] of a snapshot file."""
    return [[name, bytes(data[at:at + n])] for name, at, n in rs.sections(data)]


def build(secs):
    """A snapshot file of these sections, every CRC-32 computed."""
    out = bytearray(b"MCUSNAP\0" + struct.pack("<II", 1, len(secs)))
    for name, payload in secs:
        nb = name.encode()
        out += struct.pack("<I", len(nb)) + nb
        out += struct.pack("<QI", len(payload), zlib.crc32(payload)) + payload
    out += struct.pack("<I", zlib.crc32(bytes(out)))
    return bytes(out)


def replaced(secs, name, payload):
    return build([[n, payload if n == name else p] for n, p in secs])


# The hart state (sim/cpu/cpu_snapshot.c): a 20-byte header whose last
# word is the payload's CRC; the payload's fields in order: extensions,
# pmp_entries, triggers (4 each), frequency_hz (8), mvendorid, marchid,
# mimpid (4 each), emulate_misaligned (1), reset_pc, pc (4 each), x[32]
# (4 each), priv (1).
CPU_PC = 20 + 4 + 4 + 4 + 8 + 4 + 4 + 4 + 1 + 4
CPU_PRIV = CPU_PC + 4 + 32 * 4


def cpu_with(blob, at, value, size):
    blob = bytearray(blob)
    blob[at:at + size] = value.to_bytes(size, "little")
    struct.pack_into("<I", blob, 16, zlib.crc32(bytes(blob[20:])))
    return bytes(blob)


# The machine state (soc/machine_state.c): "MCUMSTAT", u32 version, u64
# time, u8, u8, u32, then the board's YAML as a blob ... and a CRC-32 of
# every byte before it at its end.
MACHINE_YAML_AT = 8 + 4 + 8 + 1 + 1 + 4


def machine_crc(body):
    return bytes(body) + struct.pack("<I", zlib.crc32(bytes(body)))


def machine_patched(blob, pattern, offset, value):
    """The machine state with one byte changed, `offset` bytes into the
    first occurrence of `pattern` (a device's state record)."""
    body = bytearray(blob[:-4])
    at = body.find(pattern)
    assert at >= 0, pattern
    body[at + offset] = value
    return machine_crc(body)


def machine_yaml(blob):
    n = struct.unpack_from("<I", blob, MACHINE_YAML_AT)[0]
    return blob[MACHINE_YAML_AT + 4:MACHINE_YAML_AT + 4 + n].decode()


def machine_with_yaml(blob, yaml):
    n = struct.unpack_from("<I", blob, MACHINE_YAML_AT)[0]
    y = yaml.encode()
    body = blob[:MACHINE_YAML_AT] + struct.pack("<I", len(y)) + y + \
        blob[MACHINE_YAML_AT + 4 + n:-4]
    return machine_crc(body)


def sim(args):
    return testlib.run([rs.SIM] + list(args))


def insns(stderr):
    for line in stderr.splitlines():
        if line.startswith("mcusim: instructions:"):
            return int(line.split()[-1])
    return None


# ---- split points ----

class Firmware:
    def __init__(self, name, board, elf, splits):
        self.name, self.board, self.elf, self.splits = name, board, elf, splits


FIRMWARE = [
    Firmware("spi_flash", HIFIVE1_TEST, "build/fw/hifive1/spi_flash.elf",
             (29000, 151003, 270007, 390001)),
    Firmware("i2c_sensor", ["-b", "tests/firmware/boards/hifive1-i2c.yaml:hifive1-i2c"],
             "build/fw/hifive1/i2c_sensor.elf", (61001, 250003, 470009)),
    Firmware("uart_irq", HIFIVE1_TEST, "build/fw/hifive1/uart_irq.elf",
             (9001, 30011, 52003, 62000)),
    Firmware("gpio_irq", ["-b", "tests/firmware/boards/hifive1-gpio.yaml"],
             "build/fw/hifive1/gpio_irq.elf", (100003, 300007, 520001)),
    Firmware("watchdog", HIFIVE1_TEST, "build/fw/hifive1/watchdog.elf",
             (150001, 400009, 650003)),
    Firmware("aon_irq", HIFIVE1_TEST, "build/fw/hifive1/aon_irq.elf", (90001, 270007)),
    Firmware("clint_timer", [], "build/fw/clint_timer.elf", (1500, 4001, 7001)),
    Firmware("plic_uart", [], "build/fw/plic_uart.elf", (3001, 9007, 15001)),
]


def test_split_points(fw):
    """Saved at each split, loaded by a new process (the other engine),
    run to the end: the straight run's status, count and output."""
    def fn(name):
        check = Check()
        engines = testlib.ENGINES
        save_engine, load_engine = engines[0][1], engines[-1][1]
        whole = sim(list(save_engine) + fw.board + ["-s", fw.elf])
        total = insns(whole.stderr)
        if not check.expect(total, "no count: %r" % whole.stderr):
            return check.problems
        with tempfile.TemporaryDirectory(prefix="mcusim-review-") as tmp:
            path = os.path.join(tmp, "s.snap")
            for k in fw.splits:
                check.expect(k < total, "split %d past the end (%d)" % (k, total))
                b = sim(list(save_engine) + fw.board + ["-n", str(k), "--snapshot-save",
                                                         path, fw.elf])
                c = sim(list(load_engine) + fw.board + ["-s", "--snapshot-load", path,
                                                         fw.elf])
                rs.sanitizer_free(check, b, "saving at %d" % k)
                rs.sanitizer_free(check, c, "loading at %d" % k)
                check.expect(b.status == 124, "saving at %d: exit %d %s"
                             % (k, b.status, b.stderr))
                check.expect(c.status == whole.status and insns(c.stderr) == total,
                             "from %d: exit %d after %s instructions; straight %d after %d\n%s"
                             % (k, c.status, insns(c.stderr), whole.status, total, c.stderr))
                rs.continued(check, whole.stdout, b.stdout, c.stdout, "from %d" % k)
        return check.problems
    return fn


# ---- late refusals change nothing ----

def snapshot_after_changes(check, tmp):
    """A file of virt32's scenario_ticks at 50,000 instructions, after a
    stub was added and the test device powered off."""
    case = rs.TICKS
    proc, c = rs.start(check, case.board + [case.elf])
    if not c:
        return None
    rs.run_for(check, c, 50000)
    rs.ok(check, c, "peripheral add stub9 memory-mapped-stub @0x20000000")
    rs.ok(check, c, "peripheral power test off")
    path = os.path.join(tmp, "changed.snap")
    rs.ok(check, c, "snapshot save-file " + path)
    rs.ok(check, c, "quit")
    rs.finish(proc, check, 0)
    return rs.read(path)


def late_refusals(data):
    """(what, file bytes, the error's words) whose checksums are right."""
    secs = parse(data)
    cpu = dict(secs)["cpu"]
    machine = dict(secs)["machine"]
    return [
        ("a privilege no hart has", replaced(secs, "cpu", cpu_with(cpu, CPU_PRIV, 2, 1)),
         "hart state: privilege 2"),
        ("the UART's FIFO head past its buffer",
         replaced(secs, "machine", machine_patched(machine, b"S\x07rx_head", 2 + 7 + 4, 200)),
         "peripheral 'uart0': ns16550a: saved receive FIFO (head 200"),
        ("a record of another layout in the first device",
         replaced(secs, "machine", machine_patched(machine, b"R\x04msip", 2, ord("X"))),
         "peripheral 'clint': sifive,clint0: saved state does not match"),
        ("a record of another layout in a device the load builds",
         replaced(secs, "machine", machine_patched(machine, b"S\nread_value", 2, ord("X"))),
         "peripheral 'stub9': memory-mapped-stub: saved state does not match"),
    ]


def test_late_refusals_change_nothing(name):
    check = Check()
    case = rs.TICKS
    with tempfile.TemporaryDirectory(prefix="mcusim-review-") as tmp:
        data = snapshot_after_changes(check, tmp)
        if data is None:
            return check.problems
        bad = os.path.join(tmp, "bad.snap")
        for what, spoiled, says in late_refusals(data):
            with open(bad, "wb") as f:
                f.write(spoiled)
            proc, c = rs.start(check, case.board + [case.elf])
            if not c:
                return check.problems
            rs.run_for(check, c, 30000)
            rs.ok(check, c, "snapshot save here")
            before = rs.dump(check, c, case) + rs.ok(check, c, "info peripherals")
            out, status = c.cmd("snapshot load-file " + bad)
            check.expect(status == "error" and out and says in out[0],
                         "%s: %r, expected %r" % (what, (out, status), says))
            after = rs.dump(check, c, case) + rs.ok(check, c, "info peripherals")
            rs.compare_dumps(check, before, after, "before", "after refusing " + what)
            rs.run_for(check, c, 20000)
            refused_then_ran = rs.dump(check, c, case)
            rs.ok(check, c, "snapshot load here")
            rs.run_for(check, c, 20000)
            rs.compare_dumps(check, rs.dump(check, c, case), refused_then_ran,
                             "from the snapshot taken before", "on after refusing " + what)
            rs.ok(check, c, "quit")
            rs.finish(proc, check, 0)
    return check.problems


# ---- the board a snapshot carries ----

def test_board_extends_refused(name):
    """A snapshot's board names no other file: `extends:` a board file is
    refused (the load would read it, and the machine would depend on
    what that file says when loaded, not on the snapshot)."""
    check = Check()
    case = rs.TICKS
    with tempfile.TemporaryDirectory(prefix="mcusim-review-") as tmp:
        good, r = rs.saved_file(tmp, case)
        secs = parse(rs.read(good))
        machine = dict(secs)["machine"]
        yaml = machine_yaml(machine)
        name_line = yaml[:yaml.index("\n") + 1]  # '"virt32":'
        other = os.path.join(tmp, "other.yaml")
        with open(other, "w") as f:  # the same board, under another name
            f.write('"base":\n' + yaml[len(name_line):])
        spoiled = name_line + '  extends: "%s:base"\n' % other
        before = sim(case.board + ["--snapshot-load", good, "-n", "1000", case.elf])
        bad = os.path.join(tmp, "bad.snap")
        with open(bad, "wb") as f:
            f.write(replaced(secs, "machine", machine_with_yaml(machine, spoiled)))
        rs.refused_at_start(check, case, bad, "%s: section 'machine': saved machine state: "
                            "its board extends another file (%s)" % (bad, other))
        check.expect(before.status == 124, "the file it was made of: %d %s"
                     % (before.status, before.stderr))
    return check.problems


# ---- hostile numbers ----

def test_misaligned_pc_refused(name):
    check = Check()
    case = rs.TICKS
    with tempfile.TemporaryDirectory(prefix="mcusim-review-") as tmp:
        good, r = rs.saved_file(tmp, case)
        secs = parse(rs.read(good))
        cpu = dict(secs)["cpu"]
        pc = struct.unpack_from("<I", cpu, CPU_PC)[0]
        bad = os.path.join(tmp, "bad.snap")
        with open(bad, "wb") as f:
            f.write(replaced(secs, "cpu", cpu_with(cpu, CPU_PC, pc | 1, 4)))
        rs.refused_at_start(check, case, bad, "hart state: pc 0x%08x is not 2-byte aligned"
                            % (pc | 1))
    return check.problems


# ---- a control session whose firmware's run is over ----

def test_load_after_the_run_is_over(name):
    """Once the firmware has exited, a control session only serves
    inspection: `snapshot load` is refused (the machine unchanged) rather
    than restoring a machine the session could not run on, and `quit`
    still reports the ended run's status."""
    check = Check()
    case = rs.TICKS
    proc, c = rs.start(check, case.board + [case.elf])
    if not c:
        return check.problems
    rs.run_for(check, c, 3000)
    rs.ok(check, c, "snapshot save early")
    out, status = c.cmd("run-for 100000000insns")
    check.expect(out and "exited with status 0" in out[-1],
                 "the firmware did not exit: %r %s" % (out, status))
    before = rs.dump(check, c, case)
    out, status = c.cmd("snapshot load early")
    check.expect(status == "error" and out and "the firmware's run is over" in out[0],
                 "snapshot load after the run: %r %s" % (out, status))
    rs.compare_dumps(check, before, rs.dump(check, c, case), "before", "after the refusal")
    rs.ok(check, c, "quit")
    rs.finish(proc, check, 0)
    return check.problems


TESTS = [("snapshot-review/split-points/%s" % fw.name, test_split_points(fw))
         for fw in FIRMWARE]
TESTS += [
    ("snapshot-review/late-refusals-change-nothing", test_late_refusals_change_nothing),
    ("snapshot-review/board-extends-refused", test_board_extends_refused),
    ("snapshot-review/misaligned-pc-refused", test_misaligned_pc_refused),
    ("snapshot-review/load-after-the-run-is-over", test_load_after_the_run_is_over),
]


def run(res, only=None):
    testlib.run_cases(res, TESTS, only)


if __name__ == "__main__":
    results = testlib.Results()
    run(results, only=sys.argv[2] if len(sys.argv) > 2 and sys.argv[1] == "-k" else None)
    sys.exit(results.summary())
