#!/usr/bin/env python3
"""Runs every ISA test (tests/isa/*.S, built into build/isa/NAME.elf) on
mcusim and on qemu-system-riscv32 and compares them.

    python3 tools/isa_qemu_check.py [--build] [--sim PATH] [-k WORD] [-v]

QEMU runs `qemu-system-riscv32 -M virt -m 128M -bios none -nographic
-icount shift=0 -kernel ELF` under `timeout`: -icount makes minstret count
instructions (counters.S needs it) and every run deterministic. Its sifive_test
device exits QEMU with status 0 for 0x5555 and status N for (N << 16) | 0x3333,
as mcusim's does, so exit statuses compare directly. rv32i_* tests run
with `-cpu rv32,m=false,a=false,c=false`.

For each mcusim run (tests/isa/run_isa.py's matrix: a test may also run on
a second board, e.g. faults@virt32-emulate) the table shows mcusim's and
QEMU's exit status and whether their UART output matches once the `note:`
and `deviation:` lines are set apart (notes: behaviour the spec leaves to
the implementation; deviations: QEMU 7.2 departing from the spec in a way
the test tolerates; both are listed below the table). A test in QEMU_SKIP
is not run on QEMU. QEMU's `exit status 124` is `timeout` firing (a test
waiting forever, e.g. in wfi).

Exit status: 0 when every compared run agrees (or QEMU is not installed:
then it says so and skips), 1 when one differs, 2 for a usage error.
--build compiles the ELFs first; --sim picks the simulator (default
build/mcusim); -k runs only tests whose name contains WORD; -v prints both
outputs of every differing test.
"""
import os
import shutil
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "tests", "isa"))
import run_isa  # noqa: E402

QEMU = "qemu-system-riscv32"
QEMU_ARGS = ["-M", "virt", "-m", "128M", "-bios", "none", "-nographic",
             "-icount", "shift=0"]
QEMU_RV32I = ["-cpu", "rv32,m=false,a=false,c=false"]
TIMEOUT = 30

# Tests QEMU cannot run: name -> why.
QEMU_SKIP = {
    "fetch_straddle": "QEMU 7.2 aborts (translator_access: Assertion "
                      "`phys_page != -1') translating an instruction that "
                      "straddles the end of RAM",
}


def qemu_command(name):
    extra = QEMU_RV32I if name.startswith("rv32i_") else []
    return ["timeout", str(TIMEOUT), QEMU] + QEMU_ARGS + extra + [
        "-kernel", run_isa.elf_path(name)]


def run_qemu(name):
    p = subprocess.run(qemu_command(name), cwd=TOP, capture_output=True,
                       stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def split_output(out):
    """(compared lines, notes, deviations) of one UART output."""
    lines = out.replace("\r\n", "\n").rstrip("\n").split("\n")
    notes = [l for l in lines if l.startswith("note:")]
    deviations = [l for l in lines if l.startswith("deviation:")]
    rest = [l for l in lines if not l.startswith(("note:", "deviation:"))]
    return rest, notes, deviations


def status_text(status):
    if status == 0:
        return "pass"
    if status == 124:
        return "timeout/limit"
    if status < 0 or status > 128:
        return "crash(%d)" % status
    return "FAIL %d" % status


def main(argv):
    sim, only, verbose = None, None, False
    args = list(argv)
    if "--build" in args:
        args.remove("--build")
        errors = run_isa.build()
        for name, text in errors:
            print("BUILD FAILED %s\n%s" % (name, text))
        if errors:
            return 1
    while args:
        a = args.pop(0)
        if a == "--sim" and args:
            sim = os.path.abspath(args.pop(0))
        elif a == "-k" and args:
            only = args.pop(0)
        elif a == "-v":
            verbose = True
        else:
            print(__doc__, file=sys.stderr)
            return 2
    if not shutil.which(QEMU):
        print("isa_qemu_check: %s is not installed: skipped (apt-get install "
              "qemu-system-misc)" % QEMU)
        return 0
    sim = sim or os.path.join(TOP, "build", "mcusim")

    rows, details, differ = [], [], []
    qemu_runs = {}
    for r in run_isa.runs():
        name, label = r["test"], r["label"]
        if only and only not in label:
            continue
        elf = run_isa.elf_path(name)
        if not os.path.exists(elf):
            print("missing %s (run with --build, or ninja)" % os.path.relpath(elf, TOP))
            return 1
        m_status, m_out, m_err = run_isa.run_sim(sim, r["board"], elf)
        m_rest, m_notes, m_devs = split_output(m_out)
        if name in QEMU_SKIP:
            rows.append((label, status_text(m_status), "skipped", "-", ""))
            details.append("%s: not run on QEMU: %s" % (label, QEMU_SKIP[name]))
            continue
        if name not in qemu_runs:
            qemu_runs[name] = run_qemu(name)
        q_status, q_out, q_err = qemu_runs[name]
        q_rest, q_notes, q_devs = split_output(q_out)
        same = m_status == q_status and m_rest == q_rest
        remarks = []
        if m_notes != q_notes:
            remarks.append("notes differ")
        if q_devs:
            remarks.append("%d QEMU deviation%s" % (len(q_devs), "" if len(q_devs) == 1 else "s"))
        if m_devs:
            remarks.append("mcusim deviation!")
        rows.append((label, status_text(m_status), status_text(q_status),
                     "same" if same else "DIFFERENT", ", ".join(remarks)))
        if not same:
            differ.append(label)
        for l in sorted(set(m_notes) - set(q_notes)):
            details.append("%s: mcusim only: %s" % (label, l))
        for l in sorted(set(q_notes) - set(m_notes)):
            details.append("%s: QEMU only:   %s" % (label, l))
        if label == name:
            for l in sorted(set(q_devs)):
                details.append("%s: QEMU %s" % (name, l))
        for l in sorted(set(m_devs)):
            details.append("%s: mcusim %s" % (label, l))
        if not same and verbose:
            details.append("%s: --- mcusim (exit %d)\n%s%s--- qemu (exit %d)\n%s%s" % (
                label, m_status, m_out, m_err, q_status, q_out, q_err))

    widths = [max(len(r[i]) for r in rows + [("test", "mcusim", "qemu", "output", "")])
              for i in range(4)]
    head = ("test", "mcusim", "qemu", "output", "remarks")
    for r in [head] + rows:
        print("  ".join(r[i].ljust(widths[i]) for i in range(4)) + "  " + r[4])
    if details:
        print()
        for d in details:
            print(d)
    compared = sum(1 for r in rows if r[2] != "skipped")
    print("\n%d compared, %d agree, %d differ, %d not run on QEMU" % (
        compared, compared - len(differ), len(differ), len(rows) - compared))
    if differ:
        print("differ: " + ", ".join(differ))
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
