"""Observation never changes a run, and neither does the CPU engine
(tests/run_tests.py runs these).

Each firmware here runs once as the reference with `--trace mmio,irq`
(device accesses and interrupts, with the virtual time of each) and
`--stats` on the first engine of testlib.ENGINES (the JIT on x86-64), then
again untraced, with only mmio traced, with instruction tracing (one
instruction per decoded block, which also keeps the JIT from running),
exception tracing, everything traced, sliced (`--timeout`) and on the
interpreter (`--jit off`); each must give the same UART output, exit
status, instruction count, virtual time and the mmio/irq trace lines it
traces. The engines are also compared with each other with
`--trace mmio,irq,exc` (exceptions too: determinism/NAME/engines). Then at
several instruction limits, the traced and untraced runs and the run on
the interpreter must agree with each other and be a prefix of the full
run. Breakpoints, watchpoints and single steps are compared the same way by
tests/unit/test_determinism.c (through the CPU's API) and tests/gdb
(through gdb); tests/unit/test_jit_lockstep.c compares the engines at
every block boundary.
"""
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import testlib  # noqa: E402

SIM = os.environ.get("MCUSIM_SIM", testlib.SIM)

STORM_IN = ["--set", "uart0.chardev=stdio:in=tests/firmware/irq_storm.in"]
FIRMWARE = [
    # (name, options, ELF)
    ("irq_storm", STORM_IN, "build/fw/irq_storm.elf"),
    ("clint_timer", [], "build/fw/clint_timer.elf"),
    ("uart_echo", ["--set", "uart0.chardev=stdio:in=tests/firmware/uart_echo.in"],
     "build/fw/uart_echo.elf"),
    ("hifive1_gpio_irq", ["--board", "tests/firmware/boards/hifive1-gpio.yaml"],
     "build/fw/hifive1/gpio_irq.elf"),
    # exceptions of every kind, for the engines' exc traces
    ("isa_faults", [], "build/isa/faults.elf"),
]
# The engine of the reference run, and the interpreter (the last one).
FIRST_ENGINE = list(testlib.ENGINES[0][1])
INTERP = list(testlib.ENGINES[-1][1])
VARIANTS = [
    ("untraced", []),
    ("trace-mmio", ["--trace", "mmio"]),
    ("trace-insn", ["--trace", "mmio,irq,insn"]),
    ("trace-exc", ["--trace", "mmio,irq,exc"]),
    ("trace-all", ["--trace", "all"]),
    ("sliced", ["--trace", "mmio,irq", "--timeout", "600"]),
    ("interp", INTERP + ["--trace", "mmio,irq"]),
]
LIMITS = [1, 997, 20011, 77777, 150001]
KEPT_KINDS = ("mmio", "irq", "end")
ENGINE_KINDS = ("mmio", "irq", "exc", "end")
LINE = re.compile(r"^\s*\d+ (\w+)")


class Run:
    def __init__(self, args, kinds=KEPT_KINDS):
        fd, path = tempfile.mkstemp(prefix="mcusim-trace-")
        os.close(fd)
        try:
            to_file = ["--trace-file", path] if "--trace" in args else []
            r = testlib.run([SIM, "--stats"] + to_file + args, timeout=300)
            with open(path, errors="replace") as f:
                trace = f.read().splitlines()
        finally:
            os.unlink(path)
        self.status = r.status
        self.stdout = r.stdout
        self.stderr = r.stderr
        self.lines = [line for line in trace if kind(line) in kinds]
        self.stats = [line for line in self.stderr.splitlines()
                      if line.startswith(("mcusim: instructions:", "mcusim: virtual time:"))]

    def events(self):
        """The mmio and irq lines, without the end line."""
        return [line for line in self.lines if kind(line) != "end"]


def kind(line):
    m = LINE.match(line)
    return m.group(1) if m else None


def first_difference(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return "line %d:\n  reference: %s\n  this run:  %s" % (i + 1, x, y)
    if len(a) != len(b):
        return "%d lines against %d" % (len(a), len(b))
    return None


def compare(ref, run, what, traced_alike=False):
    """What differs between two runs. traced_alike: both traced the same
    kinds, so every line counts (else the run that traces less is compared
    on what it traces)."""
    problems = []
    if run.status != ref.status:
        problems.append("exit status %d, reference %d" % (run.status, ref.status))
    if run.stdout != ref.stdout:
        problems.append("UART output differs:\n--- reference\n%s\n--- this run\n%s"
                        % (ref.stdout, run.stdout))
    if run.stats != ref.stats:
        problems.append("stats differ: %s against %s" % (run.stats, ref.stats))
    kinds = {kind(line) for line in run.lines}
    expected = ref.lines if traced_alike else [line for line in ref.lines if kind(line) in kinds]
    diff = first_difference(expected, run.lines)
    if diff:
        problems.append("trace differs at " + diff)
    if testlib.sanitizer_report(run.stderr):
        problems.append("sanitizer report:\n" + run.stderr)
    return ["%s: %s" % (what, p) for p in problems]


def check_engines(res, name, options, elf):
    """The same firmware on each engine: the same output, exit status,
    instruction count, virtual time, and device accesses, interrupts and
    exceptions at the same times."""
    runs = [(engine, Run(list(args) + options + ["--trace", "mmio,irq,exc", elf],
                         kinds=ENGINE_KINDS))
            for engine, args in testlib.ENGINES]
    ref_engine, ref = runs[0]
    problems = []
    if not ref.events():
        problems.append("the %s run traced no device access, interrupt or exception:\n%s"
                        % (ref_engine, ref.stderr))
    for engine, run in runs[1:]:
        problems += compare(ref, run, "%s against %s" % (engine, ref_engine), traced_alike=True)
    res.report("determinism/%s/engines" % name, problems)


def check_firmware(res, name, options, elf):
    check_engines(res, name, options, elf)
    options = FIRST_ENGINE + options
    ref = Run(options + ["--trace", "mmio,irq", elf])
    if not ref.events():
        res.fail("determinism/%s" % name,
                 "the reference run traced no device access or interrupt:\n" + ref.stderr)
        return
    for variant, extra in VARIANTS:
        run = Run(options + extra + [elf])
        problems = compare(ref, run, variant)
        res.report("determinism/%s/%s" % (name, variant), problems)
    full = ref.events()
    for limit in LIMITS:
        args = options + ["--max-insns", str(limit)]
        plain = Run(args + ["--trace", "mmio,irq", elf])
        traced = Run(args + ["--trace", "mmio,irq,insn", elf])
        interp = Run(args + INTERP + ["--trace", "mmio,irq", elf])
        problems = compare(plain, traced, "-n %d with and without insn tracing" % limit)
        problems += compare(plain, interp, "-n %d on the interpreter" % limit, traced_alike=True)
        events = plain.events()
        if events != full[:len(events)]:
            problems.append("-n %d: the trace is not a prefix of the full run's: %s"
                            % (limit, first_difference(full[:len(events)], events)))
        res.report("determinism/%s/limit-%d" % (name, limit), problems)


def run(res, only=None):
    for name, options, elf in FIRMWARE:
        if only and only not in "determinism/" + name:
            continue
        check_firmware(res, name, options, elf)


if __name__ == "__main__":
    results = testlib.Results()
    run(results, only=sys.argv[2] if len(sys.argv) > 2 and sys.argv[1] == "-k" else None)
    sys.exit(results.summary())
