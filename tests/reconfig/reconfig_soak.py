#!/usr/bin/env python3
"""The runtime-reconfiguration soak: hundreds of random monitor
operations on a running board, each followed by `audit` (the memory
system's and the wiring's rules), interleaved with a firmware that keeps
printing what it finds (tests/firmware/reconfig/soak.c), on the sanitized
simulator and once under valgrind.

A seeded generator keeps a model of the board (which peripherals are
there, powered, where, of which model) and writes a scenario file
(build/reconfig/soak-BOARD-SEED.yaml): step k fires once the firmware has
printed the state the model predicts after step k-1, runs one operation
(add, remove, replace, move, set, power, board apply, gpio and uart
input, info; the interrupt controllers and the time source included),
half of them after `run-for` a random number of instructions (so at any
boundary of the next beat), then `audit`, and expects the firmware to
print the state predicted after it.
So every operation is checked against what the firmware sees next. The
last step sends 'q' on UART0 and expects the firmware's exit.

Then stdout is checked: every line is a beat or the final line, beats
count up, and the interrupt counters never go back and end above 0.

    python3 tests/reconfig/reconfig_soak.py [--board virt32|hifive1] [--seed N] [--ops N]
                                            [--valgrind]

Run from anywhere; the scenario's paths are relative to the repository
top, where the simulator runs.
"""
import os
import random
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from testlib import SIM, SIM_FAST, TOP, Results, run, sanitizer_report  # noqa: E402

BOARDS_FILE = "tests/firmware/reconfig/boards/reconfig.yaml"


class Dev:
    """A peripheral as the model sees it."""

    def __init__(self, name, type_, base, add_args, bases=None, types=None, window=None):
        self.name, self.type, self.base = name, type_, base
        self.add_args = add_args          # after NAME TYPE @BASE
        self.bases = bases or [base]      # where it may be moved
        self.types = types or [type_]     # what it may be replaced by
        self.present, self.powered = True, True
        self.select = 0                   # remap: what its window shows at reset
        self.window = window              # remap: the window's extra properties

    def add_command(self, type_, base):
        args = self.add_args
        if self.name == "remap":
            args = "%s select=%d" % (self.window, self.select)
        return ("peripheral add %s %s @0x%x %s" % (self.name, type_, base, args)).rstrip()


def board_devices(board):
    """The devices the soak changes, as the board file has them."""
    if board == "virt32":
        d = [Dev("uart0", "ns16550a", 0x10000000, "irq=plic.10 chardev=stdio",
                 types=["ns16550a", "sifive,uart0"]),
             Dev("uart1", "ns16550a", 0x10001000, "irq=plic.11 chardev=stdio",
                 bases=[0x10001000, 0x10002000], types=["ns16550a", "sifive,uart0"]),
             Dev("gpio0", "sifive,gpio0", 0x10012000, "irq=plic.20-51",
                 bases=[0x10012000, 0x10040000]),
             Dev("clint", "sifive,clint0", 0x2000000, "irq=cpu.msi,cpu.mti",
                 bases=[0x2000000, 0x2100000]),
             Dev("plic", "sifive,plic-1.0.0", 0xc000000, "sources=53 irq=cpu.mei"),
             Dev("power", "mcusim,power-controller", 0x10050000, 'domains="uart1 gpio0"'),
             Dev("remap", "mcusim,remap-controller", 0x10051000, "",
                 bases=[0x10051000, 0x10052000],
                 window='window=0x40000000 window-size=0x100000 targets="flash ram"'),
             Dev("extra", "memory-mapped-stub", 0x10060000, "size=0x100",
                 bases=[0x10060000, 0x10061000])]
    else:
        d = [Dev("uart0", "sifive,uart0", 0x10013000, "irq=plic.3 chardev=stdio",
                 types=["sifive,uart0", "ns16550a"]),
             Dev("uart1", "sifive,uart0", 0x10023000, "irq=plic.4 chardev=stdio",
                 bases=[0x10023000, 0x10033000], types=["sifive,uart0", "ns16550a"]),
             Dev("gpio0", "sifive,gpio0", 0x10012000, "irq=plic.8-39",
                 bases=[0x10012000, 0x10040000]),
             Dev("clint", "sifive,clint0", 0x2000000,
                 "timebase-frequency=32768 irq=cpu.msi,cpu.mti", bases=[0x2000000, 0x2100000]),
             Dev("plic", "sifive,plic-1.0.0", 0xc000000, "sources=52 irq=cpu.mei"),
             Dev("power", "mcusim,power-controller", 0x10050000, 'domains="uart1 gpio0"'),
             Dev("remap", "mcusim,remap-controller", 0x10051000, "",
                 bases=[0x10051000, 0x10052000],
                 window='window=0x40000000 window-size=0x4000 targets="flash dtim"'),
             Dev("aon", "sifive,aon", 0x10000000, "lfaltclk-frequency=32768 irq=plic.1,plic.2"),
             Dev("pwm0", "sifive,pwm0", 0x10015000,
                 "cmp-width=8 irq=plic.40-43,gpio0.32-35",
                 bases=[0x10015000, 0x10060000]),
             Dev("extra", "memory-mapped-stub", 0x10061000, "size=0x100",
                 bases=[0x10061000, 0x10062000])]
    devs = {x.name: x for x in d}
    devs["extra"].present = False  # not on the board: the soak adds it
    return devs


def predicted(devs):
    """The state part of the firmware's beat line (soak.c) for the model."""
    def live(name):
        d = devs[name]
        return d if d.present and d.powered else None

    def base(name):
        d = live(name)
        return "%08x" % d.base if d else "none"

    u1 = live("uart1")
    remap = live("remap")
    window = "none" if not remap else ("flash" if remap.select == 0 else "other")
    return ("uart0=%s uart1=%s gpio0=%s clint=%s time=%s plic=%s power=%s remap=%s window=%s" % (
        devs["uart0"].type,
        "%08x/%s" % (u1.base, u1.type) if u1 else "none",
        base("gpio0"), base("clint"), "yes" if live("clint") else "no",
        "yes" if live("plic") else "no", "3" if live("power") else "none",
        base("remap"), window))


class Generator:
    def __init__(self, board, seed):
        self.board = board
        self.rng = random.Random(seed)
        self.devs = board_devices(board)
        self.original = board_devices(board)

    def sinks_there(self, d):
        """Whether the peripherals d's interrupts go to are in the table
        (powered off counts): add and replace refuse a sink name the
        table does not hold (machine_add_peripheral and
        machine_replace_peripheral wire strictly), even when the device
        being replaced has that very wiring, dangling."""
        return all(sink + "." not in d.add_args or self.devs[sink].present
                   for sink in ("plic", "gpio0"))

    def pick(self, pred):
        names = sorted(n for n, d in self.devs.items() if pred(d))
        return self.devs[self.rng.choice(names)] if names else None

    # Each op returns its commands, having updated the model; None when it
    # does not apply now.
    def op_remove(self):
        d = self.pick(lambda d: d.present and d.name != "uart0")
        if not d:
            return None
        d.present = False
        return ["peripheral remove %s" % d.name]

    def op_add(self):
        d = self.pick(lambda d: not d.present and self.sinks_there(d))
        if not d:
            return None
        d.present, d.powered = True, True
        d.type = self.rng.choice(d.types)
        d.base = self.rng.choice(d.bases)
        if d.name == "remap":
            d.select = self.rng.choice([0, 1])
        return [d.add_command(d.type, d.base)]

    def op_readd_uart0(self):
        """UART0 removed and added again in one step: the firmware's console
        cannot be gone while it runs."""
        d = self.devs["uart0"]
        if not d.powered or not self.sinks_there(d):
            return None
        d.type = self.rng.choice(d.types)
        return ["peripheral remove uart0", "audit", d.add_command(d.type, d.base)]

    def op_replace(self):
        d = self.pick(lambda d: d.present and self.sinks_there(d))
        if not d:
            return None
        d.type = self.rng.choice(d.types)
        extra = ""
        if d.name == "remap":
            d.select = self.rng.choice([0, 1])
            extra = " select=%d" % d.select
        return ["peripheral replace %s %s%s" % (d.name, d.type, extra)]

    def op_move(self):
        d = self.pick(lambda d: d.present and len(d.bases) > 1)
        if not d:
            return None
        d.base = self.rng.choice([b for b in d.bases if b != d.base])
        return ["peripheral move %s @0x%x" % (d.name, d.base)]

    def op_power(self):
        d = self.pick(lambda d: d.present and d.name != "uart0")
        if not d:
            return None
        d.powered = not d.powered
        return ["peripheral power %s %s" % (d.name, "on" if d.powered else "off")]

    def op_power_cycle_uart0(self):
        return ["peripheral power uart0 off", "peripheral power uart0 on"]

    def op_set(self):
        choices = []
        if self.devs["uart0"].powered:
            spec = self.rng.choice(["stdio", "null", "file:build/reconfig/soak-%s-uart0.txt"
                                    % self.board])
            choices.append("peripheral set uart0 chardev %s" % spec)
        if self.devs["uart1"].present:
            choices.append("peripheral set uart1 chardev %s" % self.rng.choice(["stdio", "null"]))
        if self.devs["gpio0"].present:
            pin = self.rng.randrange(32)
            choices.append('peripheral set gpio0 inject "%d@%dus=%d"' % (
                pin, self.rng.randrange(1, 5000), self.rng.randrange(2)))
        if self.devs["extra"].present:
            choices.append("peripheral set extra read-value %d" % self.rng.randrange(1000))
        return [self.rng.choice(choices)] if choices else None

    def op_input(self):
        choices = []
        g = self.devs["gpio0"]
        if g.present and g.powered:
            choices.append("gpio gpio0 %d %d" % (self.rng.randrange(32), self.rng.randrange(2)))
        for name in ("uart0", "uart1"):
            d = self.devs[name]
            if d.present and d.powered:
                n = self.rng.randrange(1, 6)
                text = "".join(self.rng.choice("abcxyz0123 ") for _ in range(n))
                choices.append('uart %s send "%s"' % (name, text))
        return [self.rng.choice(choices)] if choices else None

    def op_apply(self):
        """The board file (UART1 at one of its two bases): what is missing
        comes back at its original model, base and properties. Only while
        nothing is powered off: `board apply` powers on an entry it
        replaces (while `peripheral replace` leaves it off) and leaves off
        one it finds unchanged, and which entries it finds changed depends
        on how they were written (a size given or left to the default)."""
        if any(d.present and not d.powered for d in self.devs.values()):
            return None
        moved = self.rng.choice([False, True])  # UART1 where the -moved board has it
        target = "rc-%s%s" % (self.board, "-moved" if moved else "")
        for name, d in self.devs.items():
            o = self.original[name]
            if not o.present:  # 'extra': not on the board, so removed
                d.present = False
                continue
            d.present, d.powered = True, True
            d.type, d.select = o.type, o.select
            d.base = o.bases[1] if name == "uart1" and moved else o.base
        return ["board apply %s:%s" % (BOARDS_FILE, target)]

    def op_info(self):
        return [self.rng.choice(["info irq", "info peripherals", "info mtree", "stats"])]

    OPS = [(op_remove, 5), (op_add, 6), (op_replace, 5), (op_move, 4), (op_power, 5),
           (op_set, 3), (op_input, 3), (op_apply, 2), (op_readd_uart0, 1),
           (op_power_cycle_uart0, 1), (op_info, 1)]

    def operation(self):
        fns = [f for f, _ in self.OPS]
        weights = [w for _, w in self.OPS]
        while True:
            commands = self.rng.choices(fns, weights)[0](self)
            if commands:
                return commands

    def step(self, out, name, commands):
        """One step: fires at the line of the state before, runs `commands`
        (the model already changed by them) and expects the state after."""
        before, after = self.state, predicted(self.devs)
        self.audits += commands.count("audit")
        out.append("  - name: %s" % name)
        out.append("    on-uart: {uart0: %s}" % quote(": " + before + "\n"))
        out.append("    do:")
        out.extend("      - %s" % quote(c) for c in commands)
        out.append("    expect-uart: {uart0: %s}" % quote(": " + after + "\n"))
        out.append("    within: 20ms")
        self.state = after

    def scenario(self, nops):
        """The scenario file's text and the number of audits it runs."""
        self.audits = 0
        self.state = predicted(self.devs)
        out = ["# Generated by tests/reconfig/reconfig_soak.py (board %s): do not edit."
               % self.board,
               "steps:"]
        for k in range(nops):
            commands = self.operation()
            if not any(" uart0" in c or "board apply" in c for c in commands) and \
                    self.rng.random() < 0.5:
                # Anywhere in the next beat: in a probe, an interrupt
                # handler, between two halves of mtime. UART0's changes stay
                # between lines, so every line on stdout is whole.
                commands.insert(0, "run-for %dinsns" % self.rng.randrange(1, 4000))
            self.step(out, "op %d" % (k + 1), commands + ["audit"])
        # The end: the firmware reads 'q' on an ns16550a (whose replace
        # needs its sink) and says goodbye on stdout.
        plic = self.devs["plic"]
        if not plic.present:
            plic.present = plic.powered = True
            self.step(out, "a plic for uart0", [plic.add_command(plic.type, plic.base), "audit"])
        self.devs["uart0"].type = "ns16550a"
        self.step(out, "uart0 an ns16550a on stdio",
                  ["peripheral replace uart0 ns16550a chardev=stdio", "audit"])
        out.append("  - name: quit")
        out.append("    on-uart: {uart0: %s}" % quote(": " + self.state + "\n"))
        out.append('    do: uart uart0 send "q"')
        out.append('    expect-uart: {uart0: "bye after "}')
        out.append("    within: 20ms")
        out.append("    expect-exit: 0")
        return "\n".join(out) + "\n", self.audits


def quote(text):
    """A YAML double-quoted scalar."""
    return '"%s"' % text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


BEAT = re.compile(r"^beat (\d+) t=(\d+) u=(\d+): uart0=\S+ uart1=\S+ gpio0=\S+ clint=\S+ "
                  r"time=(yes|no) plic=(yes|no) power=\S+ remap=\S+ window=\S+$")
BYE = re.compile(r"^bye after (\d+) beats: (\d+) timer and (\d+) uart1 interrupts, "
                 r"\d+ faults caught$")


def check_output(text):
    """Problems with the firmware's stdout: every line a beat (or a part
    cut off where the chardev was switched) or the last line."""
    problems = []
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    last_beat, last_t, last_u = -1, 0, 0
    for i, line in enumerate(lines):
        m = BEAT.match(line)
        if m:
            beat, t, u = int(m.group(1)), int(m.group(2)), int(m.group(3))
            if beat <= last_beat or t < last_t or u < last_u:
                problems.append("line %d goes back: %r" % (i + 1, line))
            last_beat, last_t, last_u = beat, t, u
            continue
        m = BYE.match(line)
        if m and i == len(lines) - 1:
            if int(m.group(2)) == 0 or int(m.group(3)) == 0:
                problems.append("no timer or no uart1 interrupt taken: %r" % line)
            continue
        if not (line.startswith("beat ") or BYE.match(line) or line == ""):
            problems.append("line %d is no beat: %r" % (i + 1, line))
    if not lines or not BYE.match(lines[-1]):
        problems.append("the last line is not the firmware's goodbye")
    return problems


def scenario_log(stderr):
    return [line for line in stderr.splitlines() if line.startswith("mcusim: scenario: ")]


VALGRIND = ["valgrind", "-q", "--leak-check=full", "--errors-for-leak-kinds=all",
            "--error-exitcode=97"]


def soak(res, board, seed, nops, twice=False, valgrind=False):
    """Generates and runs one soak on the sanitized simulator, or with
    `valgrind` on the plain one under valgrind (any report fails it); with
    `twice`, runs it again and checks that stdout and the scenario's log
    (every step's cycle) are the same."""
    name = "reconfig/soak-%s (seed %d, %d operations%s)" % (
        board, seed, nops, ", valgrind" if valgrind else "")
    os.makedirs(os.path.join(TOP, "build", "reconfig"), exist_ok=True)
    text, naudits = Generator(board, seed).scenario(nops)
    path = os.path.join("build", "reconfig", "soak-%s-%d.yaml" % (board, seed))
    with open(os.path.join(TOP, path), "w") as f:
        f.write(text)
    cmd = ([SIM_FAST] if valgrind else [SIM]) + [
        "--board", "%s:rc-%s" % (BOARDS_FILE, board), "--scenario", path,
        "build/fw/reconfig/%s/soak.elf" % board]
    if valgrind:
        # The interpreter: valgrind re-instruments translated code after
        # every W^X flip of the code cache (a minute instead of seconds
        # here); the sanitized soaks run the translator.
        cmd = VALGRIND + cmd[:1] + ["--jit", "off"] + cmd[1:]
    p = run(cmd)
    if twice:
        again = run(cmd)
        same = (again.status, again.stdout, scenario_log(again.stderr)) == \
            (p.status, p.stdout, scenario_log(p.stderr))
        res.report("reconfig/soak-%s run twice: the same output and log" % board,
                   [] if same else ["the second run differs from the first"])
    problems = []
    if p.status != 0:
        problems.append("exit status %d, expected 0" % p.status)
    audits = p.stderr.count("mcusim: scenario: audit: ok\n")
    if audits != naudits:
        problems.append("%d audits passed, expected %d" % (audits, naudits))
    if "checks passed" not in p.stderr:
        problems.append("the scenario did not pass")
    problems += check_output(p.stdout)
    if sanitizer_report(p.stderr) or re.search(r"^==\d+== ", p.stderr, re.M):
        problems.append("sanitizer or valgrind report")
    if problems:
        tail = "\n".join(p.stderr.splitlines()[-40:])
        res.fail(name, "\n".join(problems) + "\n--- stderr (end)\n" + tail)
    else:
        res.ok(name)


# The soaks tests/run_tests.py runs: (board, seed, operations, under
# valgrind). A second or two each on the sanitized simulator, a few under
# valgrind; other seeds and counts by hand.
SOAKS = [("virt32", 11, 1000, False), ("hifive1", 12, 600, False),
         ("hifive1", 13, 300, True)]


def run_soaks(res, only=None):
    for i, (board, seed, nops, valgrind) in enumerate(SOAKS):
        if not only or only in "reconfig/soak-" + board:
            soak(res, board, seed, nops, twice=i == 0, valgrind=valgrind)


def main():
    args = sys.argv[1:]

    def opt(name, default):
        return type(default)(args[args.index(name) + 1]) if name in args else default
    res = Results()
    if "--board" in args or "--seed" in args or "--ops" in args or "--valgrind" in args:
        soak(res, opt("--board", "virt32"), opt("--seed", 11), opt("--ops", 300),
             valgrind="--valgrind" in args)
    else:
        run_soaks(res)
    return res.summary()


if __name__ == "__main__":
    sys.exit(main())
