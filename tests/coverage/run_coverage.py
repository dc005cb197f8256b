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
simulator says so, whatever the block shapes (--trace insn). -O2 code
(crc32.elf): a function whose entry is inlined header code stays in its
own file. A fetch that faults (PMP) or a misaligned pc set from gdb does
not count as run; breakpoints and steps from gdb count each instruction
once. Hostile DWARF strings (string sections without their last NUL,
compressed or not; a DW_FORM_string cut by the end of .debug_info) are
refused or skipped, never read past. Another output of the run at the
report's path is not clobbered (status 121). Bad input: an ELF
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
import time

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


def check_inlined_entry(tmp):
    """-O2: a function whose first instruction is code inlined from a
    header (crc32.elf's main starts with crc32_table.h's loop) stays in
    its own file at its declaration; newlib's _exit, declared in unistd.h
    and defined in syscalls.c, goes to syscalls.c (its code's file)."""
    elf = os.path.join(TOP, "build", "fw", "crc32.elf")
    source = os.path.realpath(os.path.join(TOP, "tests", "bench", "fw", "crc32.c"))
    header = os.path.realpath(os.path.join(TOP, "tests", "bench", "fw", "crc32_table.h"))
    syscalls = os.path.realpath(os.path.join(TOP, "tests", "firmware", "lib", "syscalls.c"))
    with open(source) as f:
        main_line = [n for n, text in enumerate(f, 1) if text.startswith("int main(")]
    info = os.path.join(tmp, "crc32.info")
    p = run_coverage(ENGINES[-1][1], info, ["--max-insns", "100000"], elf=elf)
    if p.status != 124:
        return ["crc32.elf: exit %d\n%s" % (p.status, p.stderr)]
    with open(info) as f:
        records, problems = parse_lcov(f.read())
    where = {(path, name): line for path, rec in records.items()
             for name, line in rec["FN"].items()}
    if where.get((source, "main")) != main_line[0]:
        problems.append("FN main: %s, expected %s:%d" % (
            {k: v for k, v in where.items() if k[1] == "main"}, source, main_line[0]))
    if any(path == header for path, _ in where):
        problems.append("FN records in %s: %s" % (header, [n for p, n in where if p == header]))
    if (syscalls, "_exit") not in where:
        problems.append("FN _exit not in %s: %s" % (
            syscalls, [k for k in where if k[1] == "_exit"]))
    for path, rec in records.items():
        problems += check_totals(path, rec)
    return problems


FETCH_FAULT_ASM = """    .text
    .globl _start
_start:
    la t0, handler
    csrw mtvec, t0
    la t0, forbidden
    srli t0, t0, 2
    csrw pmpaddr0, t0        /* entry 0: NA4 at forbidden, no access */
    li t0, -1
    csrw pmpaddr1, t0        /* entry 1: everything else, RWX */
    li t0, 0x1f10
    csrw pmpcfg0, t0
    la t0, forbidden
    csrw mepc, t0
    li t0, 0x1800
    csrc mstatus, t0         /* MPP = U */
    mret
    .balign 4
forbidden:
    addi a0, a0, 1           /* FORBIDDEN: U may not fetch it */
    j forbidden
    .balign 4
handler:
    csrr t1, mcause          /* HANDLER */
    li t0, 0x100000
    li t2, 0x5555
    li t3, 1
    beq t1, t3, 1f
    li t2, 0x23333
1:
    sw t2, 0(t0)
    j 1b
"""


def check_fetch_fault(tmp):
    """An instruction whose fetch faults (PMP: U-mode may not execute it)
    never ran: its line stays a miss on each engine; the handler's line
    counts once."""
    src, elf = os.path.join(tmp, "fetch.S"), os.path.join(tmp, "fetch.elf")
    with open(src, "w") as f:
        f.write(FETCH_FAULT_ASM)
    s = subprocess.run(["riscv64-unknown-elf-gcc", "-g", "-march=rv32imac", "-misa-spec=2.2",
                        "-mabi=ilp32", "-nostdlib", "-nostartfiles", "-Wl,-N",
                        "-Wl,--no-warn-rwx-segments", "-Ttext=0x80000000", "-o", elf, src],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if s.returncode != 0:
        return ["gcc: %s" % s.stdout.decode(errors="replace")]
    lines = FETCH_FAULT_ASM.split("\n")
    forbidden = next(n for n, t in enumerate(lines, 1) if "FORBIDDEN" in t)
    handler = next(n for n, t in enumerate(lines, 1) if "HANDLER" in t)
    problems = []
    for engine, args in ENGINES:
        info = os.path.join(tmp, "fetch-%s.info" % engine)
        p = run_coverage(args, info, elf=elf)
        if p.status != 0 or p.stderr:
            problems.append("%s: exit %d, stderr %r" % (engine, p.status, p.stderr))
            continue
        with open(info) as f:
            records, bad = parse_lcov(f.read())
        da = records.get(os.path.realpath(src), {"DA": {}})["DA"]
        if da.get(forbidden) != 0 or da.get(handler) != 1:
            problems.append("%s: DA %s (the faulting fetch's line) and %s (the handler's): "
                            "%s and %s, expected 0 and 1" % (engine, forbidden, handler,
                                                            da.get(forbidden), da.get(handler)))
        problems += bad
    return problems


def run_under_gdb(tmp, engine_args, info, commands):
    """The demo under `--gdb 0 --gdb-wait --coverage info`, driven by one
    gdb-multiarch batch session running `commands`; (simulator's status,
    its stdout, its stderr, gdb's output)."""
    err_path, out_path = os.path.join(tmp, "sim.err"), os.path.join(tmp, "sim.out")
    with open(err_path, "wb") as err, open(out_path, "wb") as out:
        sim = subprocess.Popen([SIM] + list(engine_args) +
                               ["--gdb", "0", "--gdb-wait", "--coverage", info, ELF],
                               stdin=subprocess.DEVNULL, stdout=out, stderr=err, cwd=TOP,
                               env=testlib.ENV)
    port = None
    for _ in range(200):  # the port, once the server listens
        with open(err_path) as f:
            m = re.search(r"listening on 127\.0\.0\.1:(\d+)", f.read())
        if m or sim.poll() is not None:
            port = m and m.group(1)
            break
        time.sleep(0.05)  # waiting, not timing anything
    gdb_out = ""
    if port:
        args = ["gdb-multiarch", "-q", "-n", "-batch", "-ex", "set pagination off",
                "-ex", "set confirm off", "-ex", "target remote 127.0.0.1:%s" % port]
        for c in commands:
            args += ["-ex", c]
        g = subprocess.run(["timeout", "60"] + args + [ELF], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, cwd=TOP)
        gdb_out = g.stdout.decode(errors="replace")
    try:
        status = sim.wait(timeout=60)
    except subprocess.TimeoutExpired:
        sim.kill()
        status = sim.wait()
    with open(err_path) as e, open(out_path) as o:
        return status, o.read(), e.read(), gdb_out


def check_gdb_session(tmp):
    """Coverage under gdb, on each engine: breakpoints, continues and
    single steps count each instruction once (classify's lines as in a
    run without gdb); then gdb sets a misaligned pc in countdown, whose
    fetch traps (the firmware's handler ends the run, status 200): the
    instruction at that pc never ran, so its line stays a miss."""
    source = os.path.realpath(SOURCE)
    marks = read_markers(SOURCE)
    with open(SOURCE) as f:
        text = f.read().split("\n")
    first = next(n for n, t in enumerate(text, 1) if t.startswith("int classify("))
    last = next(n for n, t in enumerate(text, 1) if n > first and t.startswith("}"))
    classify = range(first, last + 1)
    steps_line = next(n for n, t in enumerate(text, 1) if "int steps = 0;" in t)
    problems = []
    for engine, args in ENGINES:
        info = os.path.join(tmp, "gdb-%s.info" % engine)
        status, out, err, gdb_out = run_under_gdb(tmp, args, info, [
            "break classify", "continue", "continue", "stepi 5", "continue", "delete",
            "break countdown", "continue", "set $pc = $pc + 1", "continue"])
        if status != 200 or sanitizer_report(err) or "Breakpoint 2, countdown" not in gdb_out:
            problems.append("%s: exit %d, stderr %r\ngdb: %s" % (engine, status, err, gdb_out))
            continue
        with open(info) as f:
            records, bad = parse_lcov(f.read())
        da = records.get(source, {"DA": {}})["DA"]
        for n in classify:
            want = marks.get(n, {}).get("hit")
            if want is not None and da.get(n) != want:
                problems.append("%s: line %d: DA %s, expected %s" % (engine, n, da.get(n), want))
        if da.get(steps_line) != 0:
            problems.append("%s: line %d (where gdb set a misaligned pc): DA %s, expected 0"
                            % (engine, steps_line, da.get(steps_line)))
        problems += bad
    return problems


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
        problems += check_rewritten_one_per_block(tmp, engine, args, info)
    return problems


def check_rewritten_one_per_block(tmp, engine, args, info):
    """The same report when the CPU reports one instruction per block
    (`--trace insn`, as under gdb's stepi): a one-instruction block of
    rewritten code (the c.li where the ELF has its addi) is not the ELF's
    either, and the ret the second call ran counts whatever the blocks."""
    stepped = os.path.join(tmp, "rewrite-%s-stepped.info" % engine)
    p = run_coverage(args, stepped, ["--trace", "insn", "--trace-file",
                                     os.path.join(tmp, "rewrite.trace")], elf=REWRITE)
    if p.status != 0 or p.stdout != "before 1 after 2\n" or \
            not p.stderr.startswith("mcusim: --coverage: left out "):
        return ["%s, --trace insn: exit %d, stdout %r, stderr %r" % (
            engine, p.status, p.stdout, p.stderr)]
    with open(info) as a, open(stepped) as b:
        whole, one = a.read(), b.read()
    if whole != one:
        return ["%s: the report differs with one instruction per block:\n%s\nvs\n%s" % (
            engine, whole, one)]
    return []


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


def check_unterminated_strings(tmp):
    """String sections whose last string has no NUL, plain and compressed
    (the old GNU .zdebug_ kind, which libdw decompresses and reads too,
    and the SHF_COMPRESSED kind): refused before libdw reads past them,
    never a sanitizer report; compressed but sound, the same report as
    plain."""
    problems = []
    plain = os.path.join(tmp, "plain.info")
    if run_coverage(ENGINES[-1][1], plain).status != 0:
        return ["the demo's plain report failed"]
    cut = os.path.join(tmp, "cut.elf")
    dumps = []
    for section in (".debug_str", ".debug_line_str"):
        dump = os.path.join(tmp, section + ".bin")
        s = subprocess.run(["riscv64-unknown-elf-objcopy", "--dump-section",
                            "%s=%s" % (section, dump), ELF, os.path.join(tmp, "dumped.elf")])
        if s.returncode != 0:
            return ["objcopy could not dump %s" % section]
        with open(dump, "rb") as f:
            data = f.read()
        with open(dump, "wb") as f:
            f.write(data[:-1])  # the last string loses its NUL
        dumps += ["--update-section", "%s=%s" % (section, dump)]
    if subprocess.run(["riscv64-unknown-elf-objcopy"] + dumps + [ELF, cut]).returncode != 0:
        return ["objcopy could not cut the string sections"]
    for kind in ("none", "zlib-gnu", "zlib-gabi"):
        for source, broken in ((ELF, False), (cut, True)):
            elf = os.path.join(tmp, "%s-%s.elf" % (kind, "cut" if broken else "sound"))
            s = subprocess.run(["riscv64-unknown-elf-objcopy",
                                "--compress-debug-sections=%s" % kind, source, elf])
            if s.returncode != 0:
                problems.append("objcopy --compress-debug-sections=%s failed" % kind)
                continue
            info = os.path.join(tmp, "strings.info")
            p = run_coverage(ENGINES[-1][1], info, elf=elf)
            if broken:
                want = re.compile(r"mcusim: --coverage: %s: DWARF: \.z?debug_(line_)?str "
                                  r"does not end with a NUL\n$" % re.escape(elf))
                if p.status != 125 or not want.match(p.stderr) or p.stdout:
                    problems.append("%s, cut strings: exit %d, stdout %r, stderr %r" % (
                        kind, p.status, p.stdout, p.stderr[:600]))
                continue
            with open(plain) as a, open(info) as b:
                same = a.read() == b.read()
            if p.status != 0 or p.stderr or not same:
                problems.append("%s, sound: exit %d, stderr %r, report %s" % (
                    kind, p.status, p.stderr[:600], "same" if same else "differs"))
    return problems


def last_string_elf(tmp, unit_attrs, with_function):
    """An ELF whose .debug_info ends with a DW_FORM_string without its NUL:
    the unit's `unit_attrs` ((DW_AT, text) pairs after DW_AT_stmt_list, the
    last one cut when there is no function), then, with_function, a
    subprogram at _start whose name, its last attribute, is cut."""
    def string_attrs(attrs):
        return "".join("    .uleb128 %#x\n    .uleb128 0x8\n" % at for at, _ in attrs)

    def string_values(attrs, cut_last):
        out = ""
        for i, (_, text) in enumerate(attrs):
            out += "    .ascii \"%s\"\n" % text
            if not (cut_last and i == len(attrs) - 1):
                out += "    .byte 0\n"
        return out
    asm = """    .text
    .globl _start
_start:
    nop
    nop
    j _start
    .section .debug_abbrev,"",@progbits
    .uleb128 1
    .uleb128 0x11
    .byte %(children)d
    .uleb128 0x10
    .uleb128 0x17
%(unit_abbrev)s    .byte 0, 0
    .uleb128 2
    .uleb128 0x2e
    .byte 0
    .uleb128 0x11
    .uleb128 0x1
    .uleb128 0x3a
    .uleb128 0xb
    .uleb128 0x3b
    .uleb128 0xb
    .uleb128 0x3
    .uleb128 0x8
    .byte 0, 0
    .byte 0
    .section .debug_info,"",@progbits
    .4byte .Linfo_end - .Linfo_start
.Linfo_start:
    .2byte 4
    .4byte 0
    .byte 4
    .uleb128 1
    .4byte .Lline
%(unit_values)s%(function)s.Linfo_end:
    .section .debug_line,"",@progbits
.Lline:
    .4byte .Lline_end - .Lline_start
.Lline_start:
    .2byte 4
    .4byte .Lhdr_end - .Lhdr_start
.Lhdr_start:
    .byte 2, 1, 1, -5, 14, 13
    .byte 0, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 1
    .byte 0
    .asciz "t.c"
    .byte 0, 0, 0
    .byte 0
.Lhdr_end:
    .byte 0, 5, 2
    .4byte _start
    .byte 1
    .byte 2, 6
    .byte 0, 1, 1
.Lline_end:
""" % {
        "children": 1 if with_function else 0,
        "unit_abbrev": string_attrs(unit_attrs),
        "unit_values": string_values(unit_attrs, not with_function),
        "function": "    .uleb128 2\n    .4byte _start\n    .byte 1\n    .byte 3\n"
                    "    .ascii \"%s\"\n" % ("f" * 40) if with_function else "",
    }
    src, obj, elf = (os.path.join(tmp, "last-string" + ext) for ext in (".s", ".o", ".elf"))
    with open(src, "w") as f:
        f.write(asm)
    for cmd in (["riscv64-unknown-elf-as", "-march=rv32imac", "-mabi=ilp32", "-o", obj, src],
                ["riscv64-unknown-elf-ld", "-N", "-m", "elf32lriscv", "--no-warn-rwx-segments",
                 "-Ttext=0x80000000", "-o", elf, obj]):
        s = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if s.returncode != 0:
            return None, "%s: %s" % (cmd[0], s.stdout.decode(errors="replace"))
    return elf, None


def check_inline_strings(tmp):
    """A name or compilation directory written in .debug_info itself
    (DW_FORM_string) that the section ends before its NUL: libdw hands it
    out as it is; nothing may read past the section (no sanitizer report).
    A function's name: the run and its report go on without that function.
    The unit's directory (which libdw's line table reader would read):
    refused before the run."""
    problems = []
    elf, error = last_string_elf(tmp, [(0x3, "t.c"), (0x1b, "/tmp/dir")], False)
    if not elf:
        return ["the unit's directory: %s" % error]
    p = run_coverage(ENGINES[-1][1], os.path.join(tmp, "dir.info"), elf=elf)
    want = "mcusim: --coverage: %s: DWARF: .debug_info ends inside a unit's " \
           "DW_AT_comp_dir\n" % elf
    if p.status != 125 or p.stderr != want:
        problems.append("the unit's directory cut short: exit %d, stderr %r; expected 125, %r"
                        % (p.status, p.stderr[:600], want))
    for what, unit_attrs, with_function in [("a function's name", [(0x3, "t.c")], True)]:
        elf, error = last_string_elf(tmp, unit_attrs, with_function)
        if not elf:
            problems.append("%s: %s" % (what, error))
            continue
        info = os.path.join(tmp, "inline.info")
        p = run_coverage(ENGINES[-1][1], info, ["-n", "10"], elf=elf)
        if p.status != 124 or sanitizer_report(p.stderr) or "\n" in p.stderr[:-1] or \
                "--max-insns" not in p.stderr:
            problems.append("%s cut short: exit %d, stderr %r" % (what, p.status,
                                                                 p.stderr[:600]))
            continue
        with open(info) as f:
            records, bad = parse_lcov(f.read())
        problems += ["%s: %s" % (what, b) for b in bad]
        if [rec["DA"] for rec in records.values()] != [{1: 4}] or \
                any(rec["FN"] for rec in records.values()):
            problems.append("%s: records %s, expected line 1 run 4 times and no "
                            "function" % (what, records))
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


def check_colliding_outputs(tmp):
    """--coverage at the same path as another output of the run (the
    trace file, written while the run goes; --profile or --vcd, written at
    its end), new or existing: the file another output wrote is not
    silently replaced by the report: it stays whole, the report's failure
    is said and the exit status is 121."""
    others = [
        ("--trace-file", ["--trace", "insn", "--trace-file"],
         re.compile(r"^ +0 insn  80000000 _start ")),
        ("--profile", ["--profile"], re.compile(r"^_start \d+\n")),
        ("--vcd", ["--vcd"], re.compile(r"^TN:\n")),  # the report is written first
    ]
    problems = []
    for what, option, first_output in others:
        for existing in (False, True):
            path = os.path.join(tmp, "same-%s-%d.out" % (what.strip("-"), existing))
            if existing:
                with open(path, "w") as f:
                    f.write("old\n")
            p = testlib.run([SIM] + list(ENGINES[-1][1]) + option + [path] +
                            ["--coverage", path, ELF])
            with open(path) as f:
                text = f.read()
            said = re.search(r"mcusim: (--\w+) %s: (created|changed) during the run "
                             r"\(another output of the run\?\): not replaced\n" %
                             re.escape(path), p.stderr)
            if p.status != 121 or p.stdout != OUTPUT or not said or \
                    sanitizer_report(p.stderr) or not first_output.search(text):
                problems.append("%s and --coverage at one %s path: exit %d, stderr %r, "
                                "the file starts %r" % (what, "existing" if existing
                                                        else "new", p.status, p.stderr,
                                                        text[:80]))
    return problems


CHECKS = [
    ("coverage/demo-exact", check_demo),
    ("coverage/invariance", check_invariance),
    ("coverage/genhtml", check_genhtml),
    ("coverage/flash", check_flash),
    ("coverage/inlined-entry", check_inlined_entry),
    ("coverage/fetch-fault", check_fetch_fault),
    ("coverage/gdb-session", check_gdb_session),
    ("coverage/rewritten-code", check_rewritten),
    ("coverage/no-debug-info", check_no_debug_info),
    ("coverage/broken-dwarf", check_broken_dwarf),
    ("coverage/unterminated-strings", check_unterminated_strings),
    ("coverage/inline-strings", check_inline_strings),
    ("coverage/bad-paths", check_bad_paths),
    ("coverage/colliding-outputs", check_colliding_outputs),
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
