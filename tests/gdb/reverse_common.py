"""What the reverse-execution tests (tests/gdb/reverse_*.py) share: the
firmware's facts (tests/gdb/fw/reverse.c), its source lines by MARK: name,
and register sets to compare a state reached backwards with the same
state reached forwards."""
import os
import re

from gdbtest import TOP, TestFailure, check_in, fmt, reg, run, run_error

SOURCE = os.path.join(TOP, "tests", "gdb", "fw", "reverse.c")
EXIT_STATUS = 7          # main's return value
UART_OUTPUT = "start\nmiddle\nend\n"
LONG_ROUNDS = 600000     # long_run's rounds in main
NO_HISTORY = "\nNo more reverse-execution history.\n"

GPRS = ["ra", "sp", "gp", "tp", "t0", "t1", "t2", "fp", "s1", "a0", "a1", "a2",
        "a3", "a4", "a5", "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8",
        "s9", "s10", "s11", "t3", "t4", "t5", "t6"]
# The CSRs that tell one point of the run from another: the counters
# (exact instruction count and time) and the trap state.
CSRS = ["minstret", "minstreth", "mcycle", "mcycleh", "mstatus", "mcause", "mepc",
        "mtval", "mie", "mip"]


def line_of(mark):
    """The line of reverse.c holding `MARK:<mark>`."""
    with open(SOURCE) as f:
        for number, text in enumerate(f, 1):
            if re.search(r"\bMARK:%s\b" % re.escape(mark), text):
                return number
    raise TestFailure("no MARK:%s in %s" % (mark, SOURCE))


def registers(csrs=True):
    """Every general register, the pc and (with csrs) CSRS, by name."""
    names = GPRS + ["pc"] + (CSRS if csrs else [])
    run("maintenance flush register-cache")
    return {name: reg(name) for name in names}


def check_registers(what, got, want):
    """got == want, register by register (the first difference named)."""
    diff = ["%s %s, expected %s" % (name, fmt(got[name]), fmt(want[name]))
            for name in want if got.get(name) != want[name]]
    if diff:
        raise TestFailure("%s: registers differ: %s" % (what, "; ".join(diff)))


def long_run_result(rounds):
    """long_run's a1 after `rounds` rounds (its loop in Python)."""
    a1 = 1
    for _ in range(rounds):
        a1 = ((a1 + (a1 << 3)) & 0xffffffff) ^ 0x5a5
    return a1


def reverse_to_start(command="reverse-continue"):
    """Runs a reverse command that must run out of history: gdb says so and
    stops at the start of the run (_start, the reset pc). Returns the
    output."""
    out = run(command)
    check_in("%s runs out of history" % command, NO_HISTORY, out)
    return out


def not_supported(command):
    """The reverse command is refused: the stub offers no reverse
    execution."""
    message = run_error(command)
    check_in(command, "Target remote does not support this command.", message)
