"""Coverage end to end (`--coverage FILE.info`; tests/run_tests.py runs these).

The firmware tests/firmware/coverage/coverage_demo.c (built -O0) marks each
line with code with what the lcov report must say of it (`hit N`, `hit`,
`miss`, `branch T,N`, `fn N`; the file's header explains them): on each
engine the report's DA, BRDA and FN/FNDA records for that file must be
exactly the marked lines with exactly those counts, the totals must add
up, and the report must be byte for byte the same on both engines. The
run itself must not change with coverage on (exit status, UART output,
instruction count, and the instruction trace). genhtml (Debian's lcov)
must render the report without an error or warning. Code run from flash
(the HiFive1's hello.elf) counts at the ELF's addresses; code the firmware
rewrote (tests/firmware/coverage/coverage_rewrite.c) does not, and the
simulator says so. Bad input: an ELF
without debug information, or with broken DWARF, is refused before
anything runs, a report path
naming the firmware or in a missing folder is refused, and one that
cannot be written (/dev/full) ends the run with status 121.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import testlib  # noqa: E402
from testlib import ENGINES, SIM, TOP, sanitizer_report  # noqa: E402

SOURCE = os.path.join(TOP, "tests", "firmware", "coverage", "coverage_demo.c")
ELF = os.path.join(TOP, "build", "fw", "coverage", "coverage_demo.elf")
OUTPUT = "sum 45 big 1 steps 7\n"
REWRITE = os.path.join(TOP, "build", "fw", "coverage", "coverage_rewrite.elf")
HIFIVE1_HELLO = os.path.join(TOP, "build", "fw", "hifive1", "hello.elf")


def read_markers(path):
    """{line: {"hit": N or True, "miss": True, "branch": [(T, N)], "fn": N}}
    from the `/* ... */` comment ending each marked line."""
    marks = {}
    with open(path) as f:
        for number, text in enumerate(f, 1):
            m = re.search(r"/\* ((?:hit|miss|fn|branch)[^*]*) \*/\s*$", text)
            if not m:
                continue
            mark = {}
            for part in m.group(1).split(";"):
                words = part.split()
                if words[0] == "hit":
                    mark["hit"] = int(words[1]) if len(words) > 1 else True
                elif words[0] == "miss":
                    mark["miss"] = True
                elif words[0] == "fn":
                    mark["fn"] = int(words[1])
                elif words[0] == "branch":
                    mark["branch"] = [tuple(None if v == "-" else int(v) for v in pair.split(","))
                                      for pair in words[1:]]
            marks[number] = mark
    return marks


def parse_lcov(text):
    """{path: record} with record = {"DA": {line: n}, "BRDA": {line: {block:
    {branch: n or None}}}, "FN": {name: line}, "FNDA": {name: n}, and the
    totals LF LH BRF BRH FNF FNH}; problems with the format as a list."""
    records, problems, current = {}, [], None
    lines = text.split("\n")
    if lines[0] != "TN:":
        problems.append("the first line is %r, not TN:" % lines[0])
    for line in lines[1:]:
        if not line:
            continue
        key, _, value = line.partition(":")
        if key == "SF":
            current = records.setdefault(value, {"DA": {}, "BRDA": {}, "FN": {}, "FNDA": {}})
        elif current is None:
            problems.append("%r outside an SF record" % line)
        elif key == "DA":
            n, count = value.split(",")
            current["DA"][int(n)] = int(count)
        elif key == "BRDA":
            n, block, branch, taken = value.split(",")
            current["BRDA"].setdefault(int(n), {}).setdefault(int(block), {})[int(branch)] = \
                None if taken == "-" else int(taken)
        elif key == "FN":
            n, name = value.split(",", 1)
            current["FN"][name] = int(n)
        elif key == "FNDA":
            count, name = value.split(",", 1)
            current["FNDA"][name] = int(count)
        elif key in ("LF", "LH", "BRF", "BRH", "FNF", "FNH"):
            current[key] = int(value)
        elif key == "end_of_record":
            current = None
        else:
            problems.append("unknown record %r" % line)
    return records, problems


def check_totals(path, rec):
    """LF/LH, BRF/BRH, FNF/FNH must count the records above them."""
    problems = []
    brda = [v for blocks in rec["BRDA"].values() for b in blocks.values() for v in b.values()]
    want = {
        "LF": len(rec["DA"]), "LH": sum(1 for n in rec["DA"].values() if n),
        "FNF": len(rec["FN"]), "FNH": sum(1 for n in rec["FNDA"].values() if n),
    }
    if brda:
        want.update({"BRF": len(brda), "BRH": sum(1 for n in brda if n)})
    for key, value in want.items():
        if rec.get(key) != value:
            problems.append("%s: %s:%s, expected %d" % (path, key, rec.get(key), value))
    if set(rec["FN"]) != set(rec["FNDA"]):
        problems.append("%s: FN and FNDA name different functions" % path)
    return problems


def check_marked(rec, marks):
    """The demo's record against the source's markers."""
    problems = []
    want_da = {n for n, m in marks.items() if "hit" in m or "miss" in m}
    if set(rec["DA"]) != want_da:
        problems.append("DA lines %s, expected the marked lines %s" % (
            sorted(rec["DA"]), sorted(want_da)))
    for n, m in sorted(marks.items()):
        count = rec["DA"].get(n)
        hit = m.get("hit")
        if hit is True and not count:
            problems.append("line %d: DA %s, expected a hit" % (n, count))
        elif hit is not None and hit is not True and count != hit:
            problems.append("line %d: DA %s, expected %d" % (n, count, hit))
        if "miss" in m and count != 0:
            problems.append("line %d: DA %s, expected 0 (a miss)" % (n, count))
        got = [(b.get(0), b.get(1)) for _, b in sorted(rec["BRDA"].get(n, {}).items())]
        if got != m.get("branch", []):
            problems.append("line %d: branches (taken, fell through) %s, expected %s" % (
                n, got, m.get("branch", [])))
    fn_lines = {line: name for name, line in rec["FN"].items()}
    want_fn = {n: m["fn"] for n, m in marks.items() if "fn" in m}
    if set(fn_lines) != set(want_fn):
        problems.append("FN lines %s, expected %s" % (sorted(fn_lines), sorted(want_fn)))
    for n, count in want_fn.items():
        name = fn_lines.get(n)
        if name is not None and rec["FNDA"].get(name) != count:
            problems.append("FNDA %s (line %d): %s, expected %d" % (
                name, n, rec["FNDA"].get(name), count))
    return problems


def run_coverage(engine_args, out, extra=(), elf=ELF):
    return testlib.run([SIM] + list(engine_args) + list(extra) + ["--coverage", out, elf])


def check_report(text, engine):
    """The demo's report: format, totals, every marked line, sources found."""
    records, problems = parse_lcov(text)
    source = os.path.realpath(SOURCE)
    if source not in records:
        return problems + ["no SF record for %s (records: %s)" % (source, sorted(records))]
    for path, rec in records.items():
        problems += check_totals(path, rec)
        if not os.path.isfile(path):
            problems.append("SF:%s is no file (genhtml could not show it)" % path)
    problems += check_marked(records[source], read_markers(SOURCE))
    return ["%s: %s" % (engine, p) for p in problems]


def check_demo(tmp):
    """Exact records on each engine, and the same report on both."""
    problems, reports = [], {}
    for engine, args in ENGINES:
        out = os.path.join(tmp, "demo-%s.info" % engine)
        p = run_coverage(args, out)
        if p.status != 0 or p.stdout != OUTPUT or sanitizer_report(p.stderr) or p.stderr:
            problems.append("%s: exit %d, stdout %r, stderr %r" % (
                engine, p.status, p.stdout, p.stderr))
            continue
        with open(out) as f:
            reports[engine] = f.read()
        problems += check_report(reports[engine], engine)
    texts = set(reports.values())
    if len(texts) > 1:
        problems.append("the engines' reports differ")
    return problems


def stats_instructions(stderr):
    m = re.search(r"instructions: (\d+)", stderr)
    return int(m.group(1)) if m else None


def check_invariance(tmp):
    """Coverage only observes: on each engine, the exit status, the output,
    the instruction count and the trace of exceptions (the demo's unimp,
    with its cycle) are the same with it and without it, and so is the
    instruction trace (which runs the interpreter on either engine)."""
    problems = []
    for engine, args in ENGINES:
        for trace in ("exc", "insn"):
            seen = []
            for extra in ([], ["--coverage", os.path.join(tmp, "inv.info")]):
                path = os.path.join(tmp, "trace-%s-%s-%d.txt" % (engine, trace, len(extra)))
                p = testlib.run([SIM] + list(args) + extra +
                                ["-s", "--trace", trace, "--trace-file", path, ELF])
                with open(path) as f:
                    seen.append((p.status, p.stdout, stats_instructions(p.stderr), f.read()))
            if seen[0] != seen[1]:
                problems.append("%s, --trace %s: the run differs with --coverage (status, "
                                "output, instructions: %s vs %s)" % (
                                    engine, trace, seen[0][:3], seen[1][:3]))
            mark = "illegal instruction" if trace == "exc" else "trap_once"
            if seen[0][0] != 0 or not seen[0][2] or mark not in seen[0][3]:
                problems.append("%s, --trace %s: the run is not the demo's: %s\n%s" % (
                    engine, trace, seen[0][:3], seen[0][3][:300]))
    return problems


def check_genhtml(tmp):
    """genhtml renders the demo's report, branches included, without a
    complaint."""
    info = os.path.join(tmp, "genhtml.info")
    p = run_coverage(ENGINES[-1][1], info)
    if p.status != 0:
        return ["mcusim: exit %d\n%s" % (p.status, p.stderr)]
    html = os.path.join(tmp, "html")
    g = subprocess.run(["genhtml", "--branch-coverage", "--quiet", "-o", html, info],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=TOP)
    err = g.stderr.decode(errors="replace")
    problems = []
    if g.returncode != 0 or err:
        problems.append("genhtml: exit %d\n%s" % (g.returncode, err))
    if not os.path.isfile(os.path.join(html, "index.html")):
        problems.append("genhtml wrote no index.html")
    if not any(f == "coverage_demo.c.gcov.html" for _, _, files in os.walk(html)
               for f in files):
        problems.append("genhtml wrote no page for the demo's source")
    return problems


def check_flash(tmp):
    """The HiFive1 runs hello.elf from flash: main is entered once, and
    its lines count at the ELF's flash addresses."""
    info = os.path.join(tmp, "hifive1.info")
    p = run_coverage(ENGINES[-1][1], info, ["--board", "hifive1-revb"], HIFIVE1_HELLO)
    if p.status != 0:
        return ["exit %d\n%s" % (p.status, p.stderr)]
    with open(info) as f:
        records, problems = parse_lcov(f.read())
    source = os.path.realpath(os.path.join(TOP, "tests", "firmware", "hifive1", "hello.c"))
    rec = records.get(source)
    if not rec:
        return problems + ["no SF record for %s" % source]
    if rec["FNDA"].get("main") != 1:
        problems.append("FNDA main: %s, expected 1" % rec["FNDA"].get("main"))
    if not any(rec["DA"].values()):
        problems.append("no line of hello.c counted")
    return problems + check_totals(source, rec)


def check_rewritten(tmp):
    """A block whose instructions are not the ELF's (the firmware rewrote
    them) is left out, said on stderr, on each engine: the rewritten
    function counts its first call only."""
    problems = []
    source = os.path.realpath(os.path.join(TOP, "tests", "firmware", "coverage",
                                           "coverage_rewrite.c"))
    for engine, args in ENGINES:
        info = os.path.join(tmp, "rewrite-%s.info" % engine)
        p = run_coverage(args, info, elf=REWRITE)
        want = "mcusim: --coverage: left out 1 block whose code was not the ELF's " \
               "(the firmware changed it)\n"
        if p.status != 0 or p.stdout != "before 1 after 2\n" or p.stderr != want:
            problems.append("%s: exit %d, stdout %r, stderr %r" % (
                engine, p.status, p.stdout, p.stderr))
            continue
        with open(info) as f:
            records, bad = parse_lcov(f.read())
        rec = records.get(source, {"FNDA": {}})
        if rec["FNDA"].get("patched") != 1 or rec["FNDA"].get("main") != 1:
            problems.append("%s: FNDA %s, expected patched and main 1" % (engine, rec["FNDA"]))
        problems += bad
    return problems


def check_no_debug_info(tmp):
    """An ELF without debug information: refused before it runs, and no
    report is left behind (an old one stays as it was)."""
    stripped = os.path.join(tmp, "stripped.elf")
    shutil.copy(ELF, stripped)
    s = subprocess.run(["riscv64-unknown-elf-strip", "--strip-debug", stripped])
    if s.returncode != 0:
        return ["strip failed"]
    problems = []
    info = os.path.join(tmp, "none.info")
    p = run_coverage(ENGINES[-1][1], info, elf=stripped)
    want = "mcusim: --coverage: %s: no debug information (build it with -g)\n" % stripped
    if p.status != 125 or p.stderr != want or p.stdout:
        problems.append("exit %d, stdout %r, stderr %r; expected 125 and %r" % (
            p.status, p.stdout, p.stderr, want))
    if os.path.exists(info):
        problems.append("a report was written")
    with open(info, "w") as f:
        f.write("old\n")
    run_coverage(ENGINES[-1][1], info, elf=stripped)
    with open(info) as f:
        if f.read() != "old\n":
            problems.append("an old report was changed")
    return problems


def check_broken_dwarf(tmp):
    """Garbage in a debug section (the line table, the units, their
    abbreviations, a unit cut short): refused before the run with libdw's
    reason, never a crash."""
    junk = os.path.join(tmp, "junk.bin")
    with open(junk, "wb") as f:
        f.write(bytes((i * 37 + 11) & 0xff for i in range(3000)))
    short = os.path.join(tmp, "short.bin")
    with open(short, "wb") as f:
        f.write(b"\0\0\0\0")
    problems = []
    for section, data in ((".debug_line", junk), (".debug_info", junk),
                          (".debug_abbrev", junk), (".debug_info", short)):
        elf = os.path.join(tmp, "broken.elf")
        s = subprocess.run(["riscv64-unknown-elf-objcopy", "--update-section",
                            "%s=%s" % (section, data), ELF, elf])
        if s.returncode != 0:
            problems.append("objcopy failed for %s" % section)
            continue
        p = run_coverage(ENGINES[-1][1], os.path.join(tmp, "broken.info"), elf=elf)
        want = "mcusim: --coverage: %s: DWARF: " % elf
        if p.status != 125 or not p.stderr.startswith(want) or p.stdout or \
                p.stderr.count("\n") != 1:
            problems.append("%s of %d bytes: exit %d, stdout %r, stderr %r" % (
                section, os.path.getsize(data), p.status, p.stdout, p.stderr))
    return problems


def check_bad_paths(tmp):
    """Report paths refused before the run, and one that cannot be
    written: each with its message and status."""
    cases = [
        (ELF, 125, "mcusim: --coverage: %s: is the firmware\n" % ELF, ""),
        (os.path.join(tmp, "missing", "x.info"), 125,
         "mcusim: --coverage: %s: cannot create: No such file or directory\n"
         % os.path.join(tmp, "missing", "x.info"), ""),
        ("/dev/full", 121, "mcusim: --coverage /dev/full: cannot write: No space left on "
         "device\n", OUTPUT),
    ]
    problems = []
    for path, status, stderr, stdout in cases:
        p = run_coverage(ENGINES[-1][1], path)
        if p.status != status or p.stderr != stderr or p.stdout != stdout:
            problems.append("--coverage %s: exit %d, stdout %r, stderr %r; expected %d, %r" % (
                path, p.status, p.stdout, p.stderr, status, stderr))
    return problems


CHECKS = [
    ("coverage/demo-exact", check_demo),
    ("coverage/invariance", check_invariance),
    ("coverage/genhtml", check_genhtml),
    ("coverage/flash", check_flash),
    ("coverage/rewritten-code", check_rewritten),
    ("coverage/no-debug-info", check_no_debug_info),
    ("coverage/broken-dwarf", check_broken_dwarf),
    ("coverage/bad-paths", check_bad_paths),
]


def run(res, only=None):
    for name, check in CHECKS:
        if only and only not in name:
            continue
        with tempfile.TemporaryDirectory(prefix="mcusim-coverage-") as tmp:
            res.report(name, check(tmp))


if __name__ == "__main__":
    results = testlib.Results()
    run(results, only=sys.argv[2] if len(sys.argv) > 2 and sys.argv[1] == "-k" else None)
    sys.exit(results.summary())
