#!/usr/bin/env python3
"""Runs the virt32 firmware tests (tests/firmware/NAME.c with NAME.expect
and no `args:` line, built into build/fw/NAME.elf) on mcusim and on
`qemu-system-riscv32 -M virt -bios none` and compares UART output and exit
status byte for byte.

    python3 tools/fw_qemu_check.py [--sim PATH] [-v]

The firmware only uses what both machines have at the same addresses (RAM
at 0x80000000, the ns16550a at 0x10000000, the CLINT, the PLIC, the
sifive_test device at 0x100000), so the outputs must be identical. QEMU runs
with -icount shift=0 so that its time advances with instructions, as
mcusim's does. Exit status 0 when every run agrees (or QEMU is missing:
then it says so and skips), 1 otherwise.
"""
import glob
import os
import shutil
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QEMU = "qemu-system-riscv32"
QEMU_ARGS = ["-M", "virt", "-m", "128M", "-bios", "none", "-nographic",
             "-icount", "shift=0"]
TIMEOUT = 60

# Firmware that cannot match on QEMU: name -> why.
QEMU_SKIP = {
    "clint_timer": "checks that mtime (10 MHz) advances exactly with mcycle at a "
                   "10 MHz CPU; QEMU's -icount gives 2^N ns per instruction, "
                   "never 100 ns",
}


def virt32_firmware():
    """Names of firmware tests that run on plain virt32 (no extra options)."""
    names = []
    for expect in sorted(glob.glob(os.path.join(TOP, "tests", "firmware", "*.expect"))):
        with open(expect) as f:
            head = f.read().split("\n", 2)[:2]
        if any(line.startswith("args:") for line in head):
            continue
        names.append(os.path.splitext(os.path.basename(expect))[0])
    return names


def run(cmd):
    p = subprocess.run(cmd, cwd=TOP, capture_output=True, stdin=subprocess.DEVNULL,
                       timeout=TIMEOUT + 10)
    return p.returncode, p.stdout.decode(errors="replace")


def main():
    args = sys.argv[1:]
    sim = os.path.join(TOP, "build", "mcusim")
    if "--sim" in args:
        sim = args[args.index("--sim") + 1]
    verbose = "-v" in args
    if not shutil.which(QEMU):
        print("fw_qemu_check: %s is not installed; skipped "
              "(bash tools/setup.sh --with-qemu installs it)" % QEMU)
        return 0
    differ = 0
    names = virt32_firmware()
    print("%-16s %8s %8s  %s" % ("firmware", "mcusim", "qemu", "output"))
    for name in names:
        if name in QEMU_SKIP:
            print("%-16s not run on QEMU: %s" % (name, QEMU_SKIP[name]))
            continue
        elf = os.path.join(TOP, "build", "fw", name + ".elf")
        s_status, s_out = run([sim, "--board", "virt32", elf])
        q_status, q_out = run(["timeout", str(TIMEOUT), QEMU] + QEMU_ARGS + ["-kernel", elf])
        same = s_status == q_status and s_out == q_out
        differ += not same
        print("%-16s %8d %8d  %s" % (name, s_status, q_status,
                                      "identical" if s_out == q_out else "DIFFERS"))
        if verbose and not same:
            print("--- mcusim\n%s--- qemu\n%s" % (s_out, q_out))
    compared = len([n for n in names if n not in QEMU_SKIP])
    print("\n%d compared, %d agree, %d differ, %d not run on QEMU" % (
        compared, compared - differ, differ, len(names) - compared))
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
