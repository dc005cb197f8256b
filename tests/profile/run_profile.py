"""The profiler (`--profile FILE`, `--profile-report[=N]`; docs/PROFILING.md;
tests/run_tests.py runs these).

tests/firmware/profile_calls.c calls mix() exactly MIX_CALLS times (its
source says how many), recurses in fib(), tail-calls tail_target() from
tail_caller(), and sleeps in wfi until TICKS timer interrupts have run
timer_isr. Every number the profile gives is checked against what is
derived without the profiler: the symbols from `riscv64-unknown-elf-nm`,
the code from `riscv64-unknown-elf-objdump`, and every instruction,
interrupt and the final cycle from `--trace insn,irq` of the same run.
Both formats are validated (folded stacks; speedscope's sampled profile,
decoded back into the same stacks), tools/flamegraph.py draws an SVG that
parses as XML, the profile is byte for byte the same on both engines and
with or without tracing, and the run itself (UART output, exit status,
instructions, interrupts) is the same with the profiler on and off. A
watchdog reset on the HiFive1 starts the stack over. Bad options and
files are refused with a message.
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import testlib  # noqa: E402
from testlib import ENGINES, SIM, TOP, sanitizer_report  # noqa: E402
from testlib import run as run_process  # noqa: E402

FW = "build/fw/profile_calls.elf"
FW_SOURCE = os.path.join(TOP, "tests", "firmware", "profile_calls.c")
EDGES = "build/fw/profile_edges.elf"
EDGES_SOURCE = os.path.join(TOP, "tests", "firmware", "profile_edges.c")
MAX_DEPTH = 1024  # PROFILE_MAX_DEPTH in sim/profile.c
WATCHDOG = "build/fw/hifive1/watchdog.elf"
HIFIVE1_TEST = "tests/firmware/boards/hifive1-test.yaml:hifive1-test"  # its .expect's board
FLAMEGRAPH = os.path.join(TOP, "tools", "flamegraph.py")
NM = "riscv64-unknown-elf-nm"
OBJDUMP = "riscv64-unknown-elf-objdump"
CHECKED = ("main", "mix", "mix_many", "fib", "tail_caller", "tail_target",
           "wait_ticks", "timer_isr")
SPEEDSCOPE_SCHEMA = "https://www.speedscope.app/file-format-schema.json"


class Check:
    def __init__(self):
        self.problems = []

    def expect(self, what, seen, wanted):
        if seen != wanted:
            self.problems.append("%s: %r, expected %r" % (what, seen, wanted))

    def true(self, what, ok):
        if not ok:
            self.problems.append(what)


def source_constant(name, source=FW_SOURCE):
    with open(source) as f:
        m = re.search(r"^#define %s (\d+)$" % name, f.read(), re.M)
    return int(m.group(1))


def symbols(elf, kinds="tT"):
    """name -> (address, size) of the functions (or `kinds` of nm), from nm."""
    out = subprocess.run([NM, "-S", "--defined-only", os.path.join(TOP, elf)],
                         capture_output=True, text=True, check=True).stdout
    funcs = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[2] in kinds:
            funcs[parts[3]] = (int(parts[0], 16), int(parts[1], 16))
    return funcs


def disassembly(elf, name):
    """The instructions of one function: (address, mnemonic, operands)."""
    out = subprocess.run([OBJDUMP, "-d", "--no-show-raw-insn", os.path.join(TOP, elf)],
                         capture_output=True, text=True, check=True).stdout
    body = out.split("<%s>:\n" % name, 1)[1].split("\n\n", 1)[0]
    insns = []
    for line in body.splitlines():
        m = re.match(r"\s*([0-9a-f]+):\s+(\S+)\s*(.*)", line)
        if m:
            insns.append((int(m.group(1), 16), m.group(2), m.group(3)))
    return insns


TRACE_INSN = re.compile(r"^\s*(\d+) insn\s+([0-9a-f]{8}) ")
TRACE_IRQ = re.compile(r"^\s*(\d+) irq\s+([0-9a-f]{8}) .*\(mcause (0x[0-9a-f]+)\)")
TRACE_END = re.compile(r"^\s*(\d+) end ")


class Trace:
    """What --trace insn,irq says: the pcs in order, interrupts, the end."""

    def __init__(self, text):
        self.pcs, self.irqs, self.end = [], [], None
        for line in text.splitlines():
            m = TRACE_INSN.match(line)
            if m:
                self.pcs.append(int(m.group(2), 16))
                continue
            m = TRACE_IRQ.match(line)
            if m:
                self.irqs.append(int(m.group(3), 16))
                continue
            m = TRACE_END.match(line)
            if m:
                self.end = int(m.group(1))

    def instructions_in(self, lo, size):
        return sum(1 for pc in self.pcs if lo <= pc < lo + size)

    def entries(self, lo):
        return sum(1 for pc in self.pcs if pc == lo)


def read_folded(text):
    stacks = {}
    for line in text.splitlines():
        stack, _, count = line.rpartition(" ")
        stacks[stack] = stacks.get(stack, 0) + int(count)
    return stacks


REPORT_ROW = re.compile(r"^\s*(\d+)\s+([\d.]+)%\s+(\d+)\s+([\d.]+)%\s+(\d+)\s+(\d+)  (.+)$")


def read_report(stderr):
    """function -> (self, inclusive, calls, instructions) from the table."""
    rows = {}
    for line in stderr.splitlines():
        m = REPORT_ROW.match(line)
        if m:
            rows[m.group(7)] = (int(m.group(1)), int(m.group(3)), int(m.group(5)),
                                int(m.group(6)))
    return rows


def mcusim(args, **kw):
    return run_process([SIM] + list(args), **kw)


def sane(r, c, what):
    if sanitizer_report(r.stderr):
        c.problems.append("%s: sanitizer report:\n%s" % (what, r.stderr))


class Profiled:
    """profile_calls on one engine: untraced with both files and the table,
    and traced with the folded file again."""

    def __init__(self, engine_args, tmp, fw=FW):
        folded, speedscope = os.path.join(tmp, "p.folded"), os.path.join(tmp, "p.json")
        self.run = mcusim(list(engine_args) + ["--profile", folded, "--profile", speedscope,
                                               "--profile-report=1000", fw])
        self.folded = open(folded).read() if os.path.exists(folded) else ""
        self.json = open(speedscope).read() if os.path.exists(speedscope) else ""
        traced_folded = os.path.join(tmp, "t.folded")
        trace_file = os.path.join(tmp, "trace.txt")
        self.traced = mcusim(list(engine_args) + ["--trace", "insn,irq", "--trace-file",
                                                  trace_file, "--profile", traced_folded, fw])
        self.traced_folded = open(traced_folded).read() if os.path.exists(traced_folded) else ""
        self.trace = Trace(open(trace_file).read() if os.path.exists(trace_file) else "")


PROFILED = {}


def profiled(engine_args, fw=FW):
    """Profiled(engine_args, fw), run once per suite."""
    key = (tuple(engine_args), fw)
    if key not in PROFILED:
        with tempfile.TemporaryDirectory() as tmp:
            PROFILED[key] = Profiled(engine_args, tmp, fw)
    return PROFILED[key]


def check_straight_line(c, name):
    """A function without branches: each call retires all its instructions."""
    insns = disassembly(FW, name)
    branches = [i for i in insns if i[1].startswith("b") or i[1] in ("j", "jal", "jr")]
    c.true("%s has branches %r: its instructions per call are not fixed" % (name, branches),
           not branches and insns[-1][1] == "ret")
    return len(insns)


def check_calls_exact(engine_args):
    c = Check()
    p = profiled(engine_args)
    for r, what in ((p.run, "profiled run"), (p.traced, "traced run")):
        c.expect("%s exit status" % what, r.status, 0)
        sane(r, c, what)
    if c.problems:
        return c.problems
    funcs, report, stacks, trace = symbols(FW), read_report(p.run.stderr), \
        read_folded(p.folded), p.trace
    c.expect("profile with --trace insn (one instruction per block)", p.traced_folded,
             p.folded)
    # mix(): called exactly MIX_CALLS times, the same instructions each time.
    calls = source_constant("MIX_CALLS")
    per_call = check_straight_line(c, "mix")
    c.expect("mix entries in the trace", trace.entries(funcs["mix"][0]), calls)
    c.expect("mix instructions in the trace", trace.instructions_in(*funcs["mix"]),
             calls * per_call)
    c.expect("mix in the report (self, inclusive, calls, instructions)", report.get("mix"),
             (calls * per_call, calls * per_call, calls, calls * per_call))
    c.expect("the stack of mix", [s for s in stacks if s.endswith(";mix")],
             ["_start;main;mix_many;mix"])
    # Every checked function: instructions, self cycles and entries as the
    # trace has them (none of them sleeps: self cycles are instructions).
    for name in CHECKED:
        lo, size = funcs[name]
        row = report.get(name)
        if row is None:
            c.problems.append("%s is not in the report" % name)
            continue
        c.expect("%s instructions" % name, row[3], trace.instructions_in(lo, size))
        c.expect("%s self cycles" % name, row[0], trace.instructions_in(lo, size))
        if name != "main":
            c.expect("%s calls" % name, row[2], trace.entries(lo))
    # The interrupt: its own frames, under what it interrupted.
    ticks = source_constant("TICKS")
    c.expect("timer interrupts in the trace", trace.irqs, [0x80000007] * ticks)
    c.expect("[irq 7] calls", report.get("[irq 7]", (0, 0, 0, 0))[2], ticks)
    c.expect("stacks through [irq 7]", sorted(s for s in stacks if "[irq" in s),
             ["_start;main;wait_ticks;[irq 7];timer_isr"])
    # Sleep: every cycle that is not an instruction, under wfi's function.
    sleep = sum(v for s, v in stacks.items() if s.endswith("[sleep]"))
    c.expect("[sleep] cycles (cycles not retiring an instruction)", sleep,
             trace.end - len(trace.pcs))
    c.expect("stacks of [sleep]", [s for s in stacks if "[sleep]" in s],
             ["_start;main;wait_ticks;[sleep]"])
    c.expect("[sleep] entries (wfi slept)", report.get("[sleep]", (0, 0, 0, 0))[2], ticks)
    # The whole run: every cycle counted once.
    c.expect("cycles in the folded stacks", sum(stacks.values()), trace.end)
    c.expect("_start inclusive cycles", report.get("_start", (0, 0))[1], trace.end)
    c.expect("instructions in the report", sum(row[3] for row in report.values()),
             len(trace.pcs))
    # The tail call: tail_target runs in tail_caller's place, under main.
    c.true("tail_caller: `j tail_target` expected from -O2, got %r"
           % disassembly(FW, "tail_caller")[-1:],
           disassembly(FW, "tail_caller")[-1][1:] == ("j", "%x <tail_target>"
                                                        % funcs["tail_target"][0]))
    c.expect("stacks of tail_target", [s for s in stacks if "tail_target" in s],
             ["_start;main;tail_target"])
    # The recursion: fib's inclusive cycles are its frames' own, once.
    fib_stacks = {s: v for s, v in stacks.items() if ";fib" in s}
    c.expect("fib inclusive (recursion counted once)", report.get("fib", (0, 0))[1],
             sum(fib_stacks.values()))
    c.expect("fib self", report.get("fib", (0,))[0], sum(fib_stacks.values()))
    check_speedscope(c, p.json, stacks)
    return c.problems


def check_speedscope(c, text, stacks):
    """The speedscope file: the schema's sampled profile, and the same
    stacks and weights as the folded file."""
    try:
        doc = json.loads(text)
    except ValueError as e:
        c.problems.append("speedscope JSON does not parse: %s" % e)
        return
    c.expect("$schema", doc.get("$schema"), SPEEDSCOPE_SCHEMA)
    frames = doc["shared"]["frames"]
    c.true("frames are {name: str}", all(isinstance(f.get("name"), str) for f in frames))
    c.expect("frame names distinct", len({f["name"] for f in frames}), len(frames))
    c.expect("one profile", len(doc["profiles"]), 1)
    prof = doc["profiles"][0]
    c.expect("profile type", prof["type"], "sampled")
    c.expect("unit", prof["unit"], "none")
    c.expect("samples and weights", len(prof["samples"]), len(prof["weights"]))
    c.expect("endValue - startValue", prof["endValue"] - prof["startValue"],
             sum(prof["weights"]))
    decoded = {}
    for sample, weight in zip(prof["samples"], prof["weights"]):
        key = ";".join(frames[i]["name"] for i in sample)
        decoded[key] = decoded.get(key, 0) + weight
    c.expect("speedscope samples decoded", decoded, stacks)


def test_calls_exact(name, engine_args):
    return check_calls_exact(engine_args)


def check_edges(engine_args):
    """A longjmp, a recursion deeper than the profiler keeps, and code
    outside every symbol: each followed by a call that shows where the
    profiler has got to."""
    c = Check()
    p = profiled(engine_args, EDGES)
    for r, what in ((p.run, "profiled run"), (p.traced, "traced run")):
        c.expect("%s exit status" % what, r.status, 0)
        sane(r, c, what)
    if c.problems:
        return c.problems
    funcs, report, stacks, trace = symbols(EDGES), read_report(p.run.stderr), \
        read_folded(p.folded), p.trace
    c.expect("profile with --trace insn", p.traced_folded, p.folded)
    for after in ("after_longjmp", "after_recursion", "after_unnamed"):
        c.expect("stacks of %s" % after, [s for s in stacks if after in s],
                 ["_start;main;" + after])
    c.expect("stacks through thrower", sorted(s for s in stacks if "thrower" in s),
             ["_start;main;middle;thrower", "_start;main;middle;thrower;longjmp"])
    depth = source_constant("DEPTH", EDGES_SOURCE)
    deep = report.get("deep", (0, 0, 0, 0))
    c.expect("deep entries in the trace", trace.entries(funcs["deep"][0]), depth + 1)
    c.expect("deep calls (past the frames kept too)", deep[2], depth + 1)
    c.expect("deep instructions", deep[3], trace.instructions_in(*funcs["deep"]))
    c.expect("deepest stack kept", max(len(s.split(";")) for s in stacks), MAX_DEPTH)
    unnamed = symbols(EDGES, "dD")["unnamed_code"][0]
    c.expect("stacks of the unnamed code", [s for s in stacks if ";0x" in s],
             ["_start;main;0x%08x" % unnamed])
    c.expect("cycles in the folded stacks", sum(stacks.values()), trace.end)
    c.expect("instructions in the report", sum(row[3] for row in report.values()),
             len(trace.pcs))
    return c.problems


def test_engines_identical(name):
    """Folded and speedscope files byte for byte the same on every engine."""
    c = Check()
    for fw in (FW, EDGES):
        seen = []
        for engine, args in ENGINES:
            p = profiled(args, fw)
            seen.append((engine, p.folded, p.json))
            c.true("%s %s: empty profile" % (fw, engine), p.folded and p.json)
        for engine, folded, js in seen[1:]:
            c.expect("%s: folded on %s vs %s" % (fw, engine, seen[0][0]), folded, seen[0][1])
            c.expect("%s: speedscope on %s vs %s" % (fw, engine, seen[0][0]), js, seen[0][2])
    return c.problems


def run_summary(args):
    """What the run shows: stdout, status, instructions (--stats) and the
    interrupts with their cycles (--trace irq)."""
    with tempfile.TemporaryDirectory() as tmp:
        trace = os.path.join(tmp, "irq.txt")
        r = mcusim(["--stats", "--trace", "irq", "--trace-file", trace] + args)
        text = open(trace).read() if os.path.exists(trace) else ""
    insns = re.search(r"instructions: (\d+)", r.stderr)
    return r, (r.status, r.stdout, insns and insns.group(1), text)


def test_run_unchanged(name):
    """The profiler only observes: the same run with it on and off."""
    c = Check()
    for engine, args in ENGINES:
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "p.folded")
            r_off, off = run_summary(list(args) + [FW])
            r_on, on = run_summary(list(args) + ["--profile", out, "--profile-report", FW])
        sane(r_on, c, engine)
        c.expect("%s: run with --profile" % engine, on, off)
    return c.problems


def test_flamegraph(name):
    """tools/flamegraph.py draws the profile as an SVG that parses, with
    each frame's count on hover; bad input is refused with the line."""
    c = Check()
    with tempfile.TemporaryDirectory() as tmp:
        folded, svg = os.path.join(tmp, "p.folded"), os.path.join(tmp, "p.svg")
        r = mcusim(["--profile", folded, FW])
        c.expect("mcusim status", r.status, 0)
        g = run_process([sys.executable, FLAMEGRAPH, "--title", "profile_calls", "-o", svg, folded])
        c.expect("flamegraph.py status", (g.status, g.stderr), (0, ""))
        if g.status:
            return c.problems
        stacks = read_folded(open(folded).read())
        root = ET.parse(svg).getroot()
        c.expect("root element", root.tag, "{http://www.w3.org/2000/svg}svg")
        titles = [t.text for t in root.iter("{http://www.w3.org/2000/svg}title")]
        total = sum(stacks.values())
        c.true("title of the whole: %r" % titles[:1],
               "all ({:,} cycles, 100.00%)".format(total) in titles)
        mix = stacks["_start;main;mix_many;mix"]
        c.true("title of mix", "mix ({:,} cycles, {:.2f}%)".format(
            mix, 100.0 * mix / total) in titles)
        c.true("title of [irq 7]", any(t.startswith("[irq 7] (") for t in titles))
        again = run_process([sys.executable, FLAMEGRAPH, "--title", "profile_calls", folded])
        c.expect("the same SVG again", again.stdout, open(svg).read())
        bad = os.path.join(tmp, "bad.folded")
        with open(bad, "w") as f:
            f.write("a;b 10\nno count here\n")
        b = run_process([sys.executable, FLAMEGRAPH, bad])
        c.expect("bad input status", b.status, 1)
        c.true("bad input names the line: %r" % b.stderr, "bad.folded:2:" in b.stderr)
        for count in ("inf", "1e999", "nan"):  # not a count a box can be as wide as
            with open(bad, "w") as f:
                f.write("a;b 10\na %s\n" % count)
            b = run_process([sys.executable, FLAMEGRAPH, bad])
            c.expect("count %s: status and message" % count, (b.status, b.stderr),
                     (1, "flamegraph.py: %s:2: not `frame;frame COUNT`: 'a %s'\n" % (bad, count)))
    return c.problems


def test_watchdog_reset(name):
    """A watchdog reset starts the call stack over: every stack starts at
    _start, which never appears twice in one; every cycle is counted."""
    c = Check()
    with tempfile.TemporaryDirectory() as tmp:
        folded, trace = os.path.join(tmp, "w.folded"), os.path.join(tmp, "t.txt")
        r = mcusim(["--board", HIFIVE1_TEST, "--profile", folded, "--profile-report",
                    "--trace", "irq", "--trace-file", trace, WATCHDOG])
        sane(r, c, "watchdog")
        c.expect("status", r.status, 0)
        c.true("the firmware was reset: %r" % r.stdout, "reset by watchdog" in r.stdout)
        stacks = read_folded(open(folded).read())
        end = Trace(open(trace).read()).end
    c.expect("stacks not from _start", [s for s in stacks if not s.startswith("_start")], [])
    c.expect("stacks through _start twice",
             [s for s in stacks if s.split(";").count("_start") > 1], [])
    c.expect("cycles", sum(stacks.values()), end)
    c.true("stacks rebuilt in the report: %r" % r.stderr,
           re.search(r"call stacks rebuilt: [1-9]", r.stderr))
    return c.problems


def test_bad_options(name):
    c = Check()
    with tempfile.TemporaryDirectory() as tmp:
        fw_copy = os.path.join(tmp, "fw.elf")
        with open(os.path.join(TOP, FW), "rb") as f:
            image = f.read()
        with open(fw_copy, "wb") as f:
            f.write(image)
        cases = [
            (["--profile-report=0", FW], 125, "--profile-report: '0' is not a number"),
            (["--profile-report=x", FW], 125, "--profile-report: 'x' is not a number"),
            (["--profile", fw_copy, fw_copy], 125, "--profile: %s: is the firmware" % fw_copy),
            (["--profile", os.path.join(tmp, "no", "dir.folded"), FW], 125,
             "cannot create"),
            (["--profile", "/dev/full", FW], 121, "--profile /dev/full: cannot write"),
        ]
        for args, status, text in cases:
            r = mcusim(args)
            sane(r, c, " ".join(args))
            c.expect("%s: status" % " ".join(args), r.status, status)
            c.true("%s: stderr lacks %r: %r" % (" ".join(args), text, r.stderr),
                   text in r.stderr)
        with open(fw_copy, "rb") as f:
            c.expect("the firmware named as --profile is left as it was", f.read(), image)
        # A file that exists is replaced whole, and only at the end.
        out = os.path.join(tmp, "old.folded")
        with open(out, "w") as f:
            f.write("old 1\n")
        r = mcusim(["--profile", out, "--max-insns", "1000", FW])
        c.expect("status at the instruction limit", r.status, 124)
        folded = read_folded(open(out).read())
        c.expect("profile at the limit: cycles", sum(folded.values()), 1000)
    return c.problems


TESTS = [("profile/calls-exact/%s" % engine,
          (lambda args: lambda name: test_calls_exact(name, args))(args))
         for engine, args in ENGINES] + [
    ("profile/edges/%s" % engine, (lambda args: lambda name: check_edges(args))(args))
    for engine, args in ENGINES] + [
    ("profile/engines-identical", test_engines_identical),
    ("profile/run-unchanged", test_run_unchanged),
    ("profile/flamegraph-svg", test_flamegraph),
    ("profile/watchdog-reset", test_watchdog_reset),
    ("profile/bad-options", test_bad_options),
]


def run(res, only=None):
    testlib.run_cases(res, TESTS, only)


def main():
    results = testlib.Results()
    run(results, only=sys.argv[2] if len(sys.argv) > 2 and sys.argv[1] == "-k" else None)
    return results.summary()


if __name__ == "__main__":
    sys.exit(main())
