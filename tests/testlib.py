"""What every test runner shares: where things are, the environment the
sanitized simulator runs in, running a process with a time limit, spotting
a sanitizer report, and the PASS/FAIL bookkeeping with its summary line.

The runners (tests/run_tests.py, tests/isa/run_isa.py,
tests/firmware/host/run_host.py, tests/gdb/run_gdb.py,
tests/determinism/run_determinism.py, tests/fuzz/run_fuzz.py and the CLI
cases) import it; each can also run alone and ends with the same
`N passed, N failed` line. ENGINES lists the CPU engines (JIT and
interpreter) the firmware, ISA and gdb tests each run on."""
import os
import platform
import re
import subprocess
import traceback

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SIM = os.path.join(TOP, "build", "mcusim-san")   # what tests run
SIM_FAST = os.path.join(TOP, "build", "mcusim")  # what benchmarks time
TIMEOUT = 120

# A sanitizer report must end the process with a status no test expects,
# and the shipped boards are the ones in this tree.
ENV = dict(os.environ)
ENV["ASAN_OPTIONS"] = "detect_leaks=1:abort_on_error=0:exitcode=99"
ENV["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1:exitcode=99"
ENV["MCUSIM_BOARDS"] = os.path.join(TOP, "boards.yaml")

SANITIZER_REPORT = re.compile(r"(ERROR: (Address|Leak)Sanitizer|runtime error:)")


def sanitizer_report(text):
    return SANITIZER_REPORT.search(text)


# The CPU engines the end-to-end suites run each test on, as (suffix for
# the test's name, mcusim options): the JIT on x86-64 hosts (the only ones
# with a translator, where it is the default; there `--jit on` must work,
# so it is not asked of the simulator), and the interpreter everywhere,
# the reference.
# The translator translates every block on its first run here: test
# programs are short, and at the default threshold (128 runs) most of them
# would never leave the interpreter.
ENGINES = ((("jit", ("--jit", "on", "--jit-threshold", "1")),)
           if platform.machine() in ("x86_64", "AMD64") else ()) + \
    (("interp", ("--jit", "off")),)


class Ran:
    """A finished process: status (-1 when it ran out of time), and its
    output decoded."""

    def __init__(self, status, stdout, stderr):
        self.status = status
        self.stdout = stdout
        self.stderr = stderr


def run(cmd, env=None, timeout=TIMEOUT, stdin=b"", stdout=None, cwd=TOP):
    """Runs cmd from the repository top with ENV (or env) and no terminal
    input; stdout goes to the file object `stdout` when given (then
    Ran.stdout is empty). Never raises for a slow or failing process."""
    try:
        p = subprocess.run(cmd, cwd=cwd, env=env or ENV, input=stdin,
                           stdout=stdout or subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=timeout)
        return Ran(p.returncode, (p.stdout or b"").decode(errors="replace"),
                   p.stderr.decode(errors="replace"))
    except subprocess.TimeoutExpired as e:
        return Ran(-1, (e.stdout or b"").decode(errors="replace"),
                   (e.stderr or b"").decode(errors="replace") + "\n(timed out)")


class Check:
    """Collects a test's problems; each `expect` names what it looked at.
    `Results.report(name, check.problems)` then passes or fails the test."""

    def __init__(self):
        self.problems = []

    def expect(self, cond, what):
        if not cond:
            self.problems.append(what)
        return cond


def run_cases(res, cases, only=None):
    """Runs each (name, fn) of `cases` whose name contains `only` (all
    without it): fn(name) returns its problems; an exception fails that
    case with its traceback, and the others still run."""
    for name, fn in cases:
        if only and only not in name:
            continue
        try:
            res.report(name, fn(name))
        except Exception:  # a refused connection, a timeout, a reply unparsed
            res.fail(name, traceback.format_exc())


class Results:
    """PASS/FAIL lines as tests end, then one summary line."""

    def __init__(self, shown=60):
        self.passed = 0
        self.failed = []
        self.shown = shown  # lines of a failure's explanation printed

    def ok(self, name):
        self.passed += 1
        print("PASS %s" % name)

    def fail(self, name, why):
        self.failed.append(name)
        lines = why.rstrip("\n").splitlines()[-self.shown:]
        print("FAIL %s\n%s" % (name, "\n".join("    " + line for line in lines)))

    def report(self, name, problems):
        """ok when problems is empty, else fail with them."""
        if problems:
            self.fail(name, "\n".join(problems))
        else:
            self.ok(name)

    def summary(self):
        """Prints the summary line; returns the exit status."""
        if self.failed:
            print("\nfailed: " + ", ".join(self.failed))
        print("\n%d passed, %d failed" % (self.passed, len(self.failed)))
        return 1 if self.failed else 0
