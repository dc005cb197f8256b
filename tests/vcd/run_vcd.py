"""Waveforms (`--vcd`, `--vcd-signals`; docs/WAVEFORMS.md), end to end on
the sanitized simulator (tests/run_tests.py runs these):

- tests/firmware/hifive1/gpio_toggle.c toggles GPIO pins 3 and 5 with five
  stores whose cycles it prints: the VCD holds exactly those transitions
  (the store retires the cycle after the mcycle read before it), the
  timescale that makes a 16 MHz cycle whole (100 ps, 625 units), the
  hart's sleep in wfi and the CLINT line that wakes it, and UART frames
  that decode, bit by bit at the programmed baud, to what the firmware
  printed; GTKWave's vcd2fst accepts the file; the VCD is the same byte
  for byte on both engines, and the run (output, instruction count,
  interrupts taken) is the same with and without it;
- --vcd-signals keeps only what it matches, and says once a pattern that
  matched nothing;
- virt32 (10 MHz: 100 ns, one unit a cycle, ns16550a frames), with a GPIO
  added by a scenario while the firmware runs: its pins are declared and
  change at the scenario's times;
- a firmware printing without pause through the 16550 (which takes each
  byte at once): its frames drawn at most 1024 behind the writes, so the
  waveform and the changes held for the future stay bounded;
- the CLINT removed while its timer line is high: the line shows low
  from then, as the hart sees it;
- the hart's privilege (tests/isa/umode_basic.S) at its traps and mrets;
- the PWM's pins as signals (a background event at each change, only
  when asked for) agree edge for edge with its wired interrupt lines,
  and do not change the run;
- bad options and an unwritable file are refused before the run.
"""
import bisect
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from testlib import ENGINES, SIM, Check, run as run_process, sanitizer_report  # noqa: E402

HIFIVE1 = ("--board", "tests/firmware/boards/hifive1-test.yaml:hifive1-test")
TOGGLE = "build/fw/hifive1/gpio_toggle.elf"
PWM = "build/fw/hifive1/pwm.elf"
HELLO = "build/fw/hello.elf"
SOAK = "build/fw/soak_printer.elf"
UMODE = "build/isa/umode_basic.elf"
HIFIVE1_UNITS = 625  # 100 ps units in a 62.5 ns cycle


def parse_vcd(text):
    """(timescale, {name: width}, {name: [(time, value)]}) with dotted
    names below the top scope; values as strings ("0", "1", "x", "z",
    "b1010"); a signal's last value at a time wins."""
    header, _, body = text.partition("$enddefinitions $end")
    timescale = re.search(r"\$timescale\s+(.*?)\s*\$end", header).group(1)
    scopes, codes, widths = [], {}, {}
    for m in re.finditer(r"\$scope module (\S+) \$end|\$upscope \$end|"
                         r"\$var wire (\d+) (\S+) (\S+) \$end", header):
        if m.group(0).startswith("$scope"):
            scopes.append(m.group(1))
        elif m.group(0).startswith("$upscope"):
            scopes.pop()
        else:
            name = ".".join(scopes[1:] + [m.group(4)])
            codes[m.group(3)] = name
            widths[name] = int(m.group(2))
    changes = {name: [] for name in widths}
    now = None
    for line in body.split("\n"):
        if not line:
            continue
        if line[0] == "#":
            now = int(line[1:])
            continue
        if line[0] == "b":
            value, code = line.split(" ")
        else:
            value, code = line[0], line[1:]
        series = changes[codes[code]]
        if series and series[-1][0] == now:
            series.pop()
        series.append((now, value))
    return timescale, widths, changes


def mcusim(args, vcd=None, extra=()):
    cmd = [SIM] + list(args[:-1]) + list(extra)
    if vcd:
        cmd += ["--vcd", vcd]
    return run_process(cmd + [args[-1]])


def stats(ran):
    """The instruction count --stats printed."""
    m = re.search(r"instructions: (\d+)", ran.stderr)
    return m and int(m.group(1))


def decode_frames(changes, line, byte, units_per_bit, data_bits=8):
    """The bytes a UART line carries, sampled mid-bit from each start bit,
    and the bytes its byte signal shows (both in order)."""
    level = changes[line]
    times = [when for when, _ in level]

    def at(t):
        i = bisect.bisect_right(times, t)
        return level[i - 1][1] if i else "x"

    sent, t_prev = [], -1
    for when, v in level:
        if v != "0" or when <= t_prev or at(when - 1) != "1":
            continue
        bits = [at(when + int(units_per_bit * (k + 0.5))) for k in range(1, data_bits + 1)]
        sent.append(sum((b == "1") << i for i, b in enumerate(bits)))
        t_prev = when + units_per_bit * (data_bits + 1)
    shown = [int(v[1:], 2) for _, v in changes[byte] if v not in ("bz", "bx")]
    return bytes(sent), bytes(shown)


def check_clean(check, ran, what):
    check.expect(not sanitizer_report(ran.stderr), "%s: sanitizer report:\n%s" % (what, ran.stderr))


def vcd2fst_accepts(check, path):
    tool = shutil.which("vcd2fst")
    if not check.expect(tool, "vcd2fst is not installed (tools/setup.sh: gtkwave)"):
        return
    fst = path + ".fst"
    p = subprocess.run([tool, path, fst], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    check.expect(p.returncode == 0 and os.path.getsize(fst) > 0,
                 "vcd2fst refused %s: %s" % (path, p.stdout.decode(errors="replace")))


def toggle_engine(tmp, name, opts):
    """gpio_toggle on one engine: the VCD's exact content and the run
    unchanged. Returns (problems, VCD bytes)."""
    check = Check()
    args = HIFIVE1 + tuple(opts) + ("-s", "--trace", "irq", TOGGLE)
    path = os.path.join(tmp, "toggle-%s.vcd" % name)
    plain = mcusim(args)
    ran = mcusim(args, vcd=path)
    check_clean(check, ran, "--vcd")
    check.expect(ran.status == 0, "status %s: %s" % (ran.status, ran.stderr[-2000:]))
    check.expect(ran.stdout == plain.stdout, "UART output differs with --vcd")
    check.expect(stats(ran) and stats(ran) == stats(plain),
                 "instructions %s with --vcd, %s without" % (stats(ran), stats(plain)))
    traced = [line for line in ran.stderr.splitlines() if " irq " in line]
    plain_traced = [line for line in plain.stderr.splitlines() if " irq " in line]
    check.expect(traced == plain_traced, "interrupts taken differ with --vcd")
    if not os.path.exists(path):
        return check.problems + ["no VCD written"], b""
    data = open(path, "rb").read()
    timescale, widths, changes = parse_vcd(data.decode())
    check.expect(timescale == "100 ps", "timescale %r, expected 100 ps" % timescale)
    stores = [int(c) for c in re.findall(r"at mcycle (\d+)", ran.stdout)]
    check.expect(len(stores) == 5, "the firmware printed %r" % ran.stdout)
    # the pins, exactly: each store retires one cycle after its mcycle read
    u = HIFIVE1_UNITS
    want5 = [(0, "0"), (1038 * u, "1"), (1151 * u, "0"), (1364 * u, "1"), (2460 * u, "0")]
    want3 = [(0, "0"), (1364 * u, "1"), (2873 * u, "0")]
    check.expect(changes.get("gpio0.pin5") == want5,
                 "gpio0.pin5 %r, expected %r" % (changes.get("gpio0.pin5"), want5))
    check.expect(changes.get("gpio0.pin3") == want3,
                 "gpio0.pin3 %r, expected %r" % (changes.get("gpio0.pin3"), want3))
    check.expect([t // u - 1 for t, _ in want5[1:]] == stores[:2] + stores[2:4] and
                 stores[4] + 1 == want3[2][0] // u,
                 "the stores' cycles %r do not match the pins'" % stores)
    check.expect(changes.get("gpio0.pin4") == [(0, "0")], "gpio0.pin4 moved")
    check.expect(widths.get("cpu.priv") == 2 and changes.get("cpu.priv") == [(0, "b11")],
                 "cpu.priv %r" % changes.get("cpu.priv"))
    check.expect(changes.get("cpu.sleep") == [(0, "0"), (1675 * u, "1"), (2442 * u, "0")],
                 "cpu.sleep %r" % changes.get("cpu.sleep"))
    check.expect(changes.get("irq.clint.mti", [])[:3] ==
                 [(0, "0"), (2442 * u, "1"), (2447 * u, "0")],
                 "irq.clint.mti %r" % changes.get("irq.clint.mti"))
    # UART0 at 115200 baud from 16 MHz: div 138, 139 cycles a bit
    sent, shown = decode_frames(changes, "uart0.tx", "uart0.tx_byte", 139 * u)
    check.expect(sent == ran.stdout.encode(), "uart0.tx decodes to %r" % sent)
    check.expect(shown == ran.stdout.encode(), "uart0.tx_byte shows %r" % shown)
    check.expect(widths.get("uart0.tx_byte") == 8, "uart0.tx_byte is not 8 bits")
    check.expect(changes.get("uart0.rx") == [(0, "1")], "uart0.rx moved")
    vcd2fst_accepts(check, path)
    return check.problems, data


def test_toggle(res, tmp, only):
    outputs = {}
    for name, opts in ENGINES:
        test = "vcd/gpio_toggle/%s" % name
        if only and only not in test:
            continue
        problems, data = toggle_engine(tmp, name, opts)
        outputs[name] = data
        res.report(test, problems)
    if len(outputs) == 2 and (not only or only in "vcd/engines"):
        a, b = outputs.values()
        res.report("vcd/engines", [] if a == b and a else
                   ["the VCD differs between engines (%d and %d bytes)" % (len(a), len(b))])


def test_signals(res, tmp, only):
    test = "vcd/signals"
    if only and only not in test:
        return
    check = Check()
    path = os.path.join(tmp, "signals.vcd")
    ran = mcusim(HIFIVE1 + (TOGGLE,), vcd=path,
                 extra=("--vcd-signals", "gpio0.pin5,cpu.*,nomatch.*,uart0.tx"))
    check_clean(check, ran, "--vcd-signals")
    check.expect(ran.status == 0, "status %s: %s" % (ran.status, ran.stderr))
    check.expect(ran.stderr.count("mcusim: --vcd-signals: 'nomatch.*' matched no signal\n")
                 == 1 and "matched no" not in ran.stderr.replace(
                     "'nomatch.*' matched no", ""),
                 "stderr %r" % ran.stderr)
    _, widths, changes = parse_vcd(open(path).read())
    check.expect(sorted(widths) == ["cpu.priv", "cpu.sleep", "gpio0.pin5", "uart0.tx"],
                 "signals %r" % sorted(widths))
    res.report(test, check.problems)


SCENARIO = """steps:
  - name: a gpio on the bus
    at: 1us
    do: peripheral add gpio9 sifive,gpio0 @0x10020000
  - name: its pin 4 driven
    at: 2us
    do: gpio gpio9 4 1
"""


def is_subsequence(part, whole):
    it = iter(whole)
    return all(b in it for b in part)


def test_uart_backlog(res, tmp, only):
    """The 16550 takes bytes at once, so a firmware printing without pause
    (tests/firmware/soak_printer.c) writes faster than the line carries
    them: the drawn frames fall behind the writes by at most TX_DRAWN_AHEAD
    (1024, peripherals/ns16550a.c) frames, so the waveform ends that close
    to the run's end (the changes waiting for virtual time, held in
    memory, stay bounded however long the run); the frames drawn decode
    whole, the first 1024 bytes all of them, the later ones some."""
    test = "vcd/uart_backlog"
    if only and only not in test:
        return
    check = Check()
    path = os.path.join(tmp, "backlog.vcd")
    ran = mcusim(("--board", "virt32", "-n", "1000000", "--stats", SOAK), vcd=path,
                 extra=("--vcd-signals", "uart0.tx,uart0.tx_byte"))
    check_clean(check, ran, "backlog")
    check.expect(ran.status == 124, "status %s: %s" % (ran.status, ran.stderr[-1000:]))
    end = round(float(re.search(r"virtual time: ([\d.]+)", ran.stderr).group(1)) * 10e6)
    _, _, changes = parse_vcd(open(path).read())
    last = changes["uart0.tx"][-1][0]
    bit = 16 * 10e6 / 3686400  # divisor 1 (hello's and this firmware's)
    frame = math.ceil(7 * bit)  # 5-bit words, one stop bit, in whole cycles
    check.expect(last <= end + 10 + (1024 + 1) * frame,  # the last one starts within 1024
                 "the line is drawn to cycle %d, %d frames past the run's end (%d)"
                 % (last, (last - end) / frame, end))
    printed = bytes(b & 0x1f for b in ran.stdout.encode())
    sent, shown = decode_frames(changes, "uart0.tx", "uart0.tx_byte", bit, data_bits=5)
    check.expect(sent == shown, "uart0.tx decodes to other bytes than uart0.tx_byte shows")
    check.expect(shown[:1024] == printed[:1024] and is_subsequence(shown, printed),
                 "uart0.tx_byte shows %r..., printed %r..." % (shown[:40], printed[:40]))
    res.report(test, check.problems)


def test_line_of_a_removed_source(res, tmp, only):
    """tests/reconfig/clint_gone-virt32.yaml removes the CLINT while its
    timer line is high (the firmware sees mip.MTIP fall: the machine
    lowers the sinks of a source that goes) and adds one again: the
    waveform shows irq.clint.mti low from the removal, as the hart sees
    it, not high while no CLINT exists."""
    test = "vcd/removed_source"
    if only and only not in test:
        return
    check = Check()
    path = os.path.join(tmp, "clint_gone.vcd")
    ran = mcusim(("--board", "tests/firmware/reconfig/boards/reconfig.yaml:rc-virt32",
                  "--scenario", "tests/reconfig/clint_gone-virt32.yaml",
                  "build/fw/reconfig/virt32/clint_gone.elf"), vcd=path,
                 extra=("--vcd-signals", "irq.clint.*"))
    check_clean(check, ran, "clint_gone")
    check.expect(ran.status == 0, "status %s: %s" % (ran.status, ran.stderr[-1000:]))
    removed, added = [int(c) for c in re.findall(r"fired at cycle (\d+)", ran.stderr)][:2]
    _, _, changes = parse_vcd(open(path).read())
    mti = changes["irq.clint.mti"]
    before = [v for t, v in mti if t < removed]
    during = [v for t, v in mti if removed <= t < added]
    check.expect(before[-1:] == ["1"] and during == ["0"],
                 "irq.clint.mti %r (removed at %d, added at %d)" % (mti, removed, added))
    res.report(test, check.problems)


def test_virt32_added(res, tmp, only):
    test = "vcd/virt32_added"
    if only and only not in test:
        return
    check = Check()
    scenario = os.path.join(tmp, "add.yaml")
    with open(scenario, "w") as f:
        f.write(SCENARIO)
    path = os.path.join(tmp, "virt32.vcd")
    ran = mcusim(("--board", "virt32", "--scenario", scenario, HELLO), vcd=path)
    check_clean(check, ran, "virt32")
    check.expect(ran.status == 0, "status %s: %s" % (ran.status, ran.stderr))
    timescale, widths, changes = parse_vcd(open(path).read())
    check.expect(timescale == "100 ns", "timescale %r, expected 100 ns" % timescale)
    check.expect(changes.get("gpio9.pin4") == [(10, "0"), (20, "1")],
                 "gpio9.pin4 %r" % changes.get("gpio9.pin4"))
    # ns16550a at reset: divisor 0 (counts as 1), 16 ticks of 3.6864 MHz a
    # bit (43.4 cycles of 10 MHz), 5-bit words: the pins carry each byte's
    # low 5 bits (hello never sets lcr)
    printed = bytes(b & 0x1f for b in ran.stdout.encode())
    sent, shown = decode_frames(changes, "uart0.tx", "uart0.tx_byte",
                                16 * 10e6 / 3686400, data_bits=5)
    check.expect(sent == printed, "uart0.tx decodes to %r, printed %r" % (sent, printed))
    check.expect(shown == printed, "uart0.tx_byte shows %r" % shown)
    vcd2fst_accepts(check, path)
    res.report(test, check.problems)


def test_pwm(res, tmp, only):
    for name, opts in ENGINES:
        test = "vcd/pwm_pins/%s" % name
        if only and only not in test:
            continue
        check = Check()
        path = os.path.join(tmp, "pwm-%s.vcd" % name)
        args = HIFIVE1 + tuple(opts) + ("-s", PWM)
        plain = mcusim(args)
        ran = mcusim(args, vcd=path, extra=("--vcd-signals", "pwm1.*,irq.pwm1.*"))
        check_clean(check, ran, "pwm")
        check.expect(ran.status == 0 and ran.stdout == plain.stdout,
                     "status %s, output differs: %s" % (ran.status, ran.stderr[-1000:]))
        check.expect(stats(ran) == stats(plain),
                     "instructions %s with --vcd, %s without" % (stats(ran), stats(plain)))
        _, _, changes = parse_vcd(open(path).read())
        for pin in range(4):
            mine = changes.get("pwm1.pin%d" % pin)
            line = changes.get("irq.pwm1.pin%d" % pin)
            check.expect(mine and len(mine) > 10 and mine == line,
                         "pwm1.pin%d (%d changes) and its line (%d) differ" %
                         (pin, len(mine or []), len(line or [])))
        res.report(test, check.problems)


def test_privilege(res, tmp, only):
    """tests/isa/umode_basic.S goes to U-mode and back by traps: cpu.priv
    falls at each mret to U-mode and rises at the trap that ends it (a
    U-mode whose first instruction traps lasts no cycle and leaves no
    mark), the same on both engines."""
    for name, opts in ENGINES:
        test = "vcd/privilege/%s" % name
        if only and only not in test:
            continue
        check = Check()
        path = os.path.join(tmp, "umode-%s.vcd" % name)
        ran = mcusim(("--board", "virt32") + tuple(opts) + ("--trace", "exc", UMODE), vcd=path,
                     extra=("--vcd-signals", "cpu.*"))
        check_clean(check, ran, "umode")
        check.expect(ran.status == 0, "status %s: %s" % (ran.status, ran.stderr[-1000:]))
        _, _, changes = parse_vcd(open(path).read())
        want = [(0, "b11"), (567, "b0"), (568, "b11"), (927, "b0"), (930, "b11"),
                (1006, "b0"), (1008, "b11")]
        check.expect(changes.get("cpu.priv") == want, "cpu.priv %r" % changes.get("cpu.priv"))
        traps = {int(line.split()[0]) for line in ran.stderr.splitlines() if " exc " in line}
        check.expect(all(t in traps for t, v in want[1:] if v == "b11"),
                     "a rise of cpu.priv at no trap: traps at %r" % sorted(traps))
        res.report(test, check.problems)


def test_refused(res, tmp, only):
    cases = [
        ("vcd/refused/signals_alone", ["--vcd-signals", "cpu.*", HELLO],
         "mcusim: --vcd-signals needs --vcd FILE"),
        ("vcd/refused/empty_pattern", ["--vcd", os.path.join(tmp, "e.vcd"),
                                       "--vcd-signals", "cpu.*,,gpio0.*", HELLO],
         "mcusim: --vcd-signals: empty pattern in 'cpu.*,,gpio0.*'"),
        ("vcd/refused/no_folder", ["--vcd", os.path.join(tmp, "none", "x.vcd"), HELLO],
         "mcusim: --vcd: "),
    ]
    for test, args, message in cases:
        if only and only not in test:
            continue
        ran = run_process([SIM] + args)
        check = Check()
        check_clean(check, ran, test)
        check.expect(ran.status == 125 and ran.stderr.startswith(message) and
                     ran.stdout == "",
                     "status %s, stderr %r, stdout %r" % (ran.status, ran.stderr, ran.stdout))
        res.report(test, check.problems)
    test_refused_input(res, tmp, only)


def test_refused_input(res, tmp, only):
    """A FILE that is one of the run's inputs (here the firmware, through a
    copy and a second name) is refused before anything is written: the
    firmware is left byte for byte as it was."""
    test = "vcd/refused/firmware"
    if only and only not in test:
        return
    elf = os.path.join(tmp, "fw.elf")
    shutil.copyfile(HELLO, elf)
    os.link(elf, os.path.join(tmp, "same.elf"))
    with open(elf, "rb") as f:
        before = f.read()
    ran = run_process([SIM, "--vcd", os.path.join(tmp, "same.elf"), elf])
    check = Check()
    check_clean(check, ran, test)
    with open(elf, "rb") as f:
        check.expect(f.read() == before, "the firmware was changed")
    check.expect(ran.status == 125 and "is the firmware" in ran.stderr,
                 "status %s, stderr %r" % (ran.status, ran.stderr))
    res.report(test, check.problems)


def run(res, only=None):
    """Every test above; `only` selects by a part of the name."""
    with tempfile.TemporaryDirectory() as tmp:
        test_toggle(res, tmp, only)
        test_signals(res, tmp, only)
        test_virt32_added(res, tmp, only)
        test_uart_backlog(res, tmp, only)
        test_line_of_a_removed_source(res, tmp, only)
        test_pwm(res, tmp, only)
        test_privilege(res, tmp, only)
        test_refused(res, tmp, only)


if __name__ == "__main__":
    import testlib
    results = testlib.Results()
    run(results, sys.argv[2] if len(sys.argv) > 2 and sys.argv[1] == "-k" else None)
    sys.exit(results.summary())
