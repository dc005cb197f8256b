#!/usr/bin/env python3
"""Runs the gdb tests: gdb-multiarch against `mcusim --gdb`.

Each test starts build/mcusim-san halted (`--gdb 0 --gdb-wait`) on a
firmware, reads the port from the simulator's stderr
(`mcusim: gdb server listening on 127.0.0.1:NNNN`) and runs one or more
gdb sessions, one after the other, each

    timeout 60 gdb-multiarch -q -n -batch -ex 'set pagination off'
        -ex 'target remote :PORT' -x tests/gdb/NAME.py FIRMWARE.elf

NAME.py asserts with gdb's Python API (tests/gdb/gdbtest.py) and makes
gdb exit non-zero on the first failed assertion. A test passes when every
gdb session exits 0, the simulator exits with the status the test expects
(the firmware's exit status, or 122 after `kill`), and the simulator's
stderr holds no sanitizer report.

The firmware is build/fw/gdb/gdbtarget.elf (tests/gdb/fw/gdbtarget.c with
the HiFive1 library tests/firmware/hifive1/lib), on the hifive1-test board
(hifive1-revb plus an exit device). Unchanged it exits with 13.

From tests/run_tests.py:
    sys.path.insert(0, os.path.join(TOP, "tests", "gdb"))
    import run_gdb
    run_gdb.run(res, only=only)     # res.ok(name) / res.fail(name, why)

Standalone (from anywhere):
    python3 tests/gdb/run_gdb.py [--build] [--sim PATH] [-k WORD] [-v] [--list]
--build compiles the firmware first (normally ninja does); --sim picks the
simulator (default build/mcusim-san); -v prints every session's gdb output;
--list prints the tests. MCUSIM_GDB_DEBUG=1 adds `set debug remote 1` to
every session (the packet log goes to gdb's stderr, shown on failure).
"""
import os
import re
import subprocess
import sys
import threading
import time

GDB_DIR = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(GDB_DIR))
GDB = "gdb-multiarch"
GDB_TIMEOUT = 60      # per gdb session (the `timeout 60` of the brief)
SIM_START = 10        # seconds to wait for the port on stderr
SIM_EXIT = 20         # seconds to wait for the simulator after the last session

BOARD = "tests/firmware/boards/hifive1-test.yaml:hifive1-test"
FIRMWARE = "build/fw/gdb/gdbtarget.elf"
HIFIVE1_LIB = "tests/firmware/hifive1/lib"

EXIT_KILLED = 122

# name: the gdb scripts run one after the other (tests/gdb/SCRIPT.py) and
# the simulator's expected exit status.
TESTS = [
    ("connect_load", ["connect_load"], 13),
    ("break_registers", ["break_registers"], 13),
    ("memory", ["memory"], 53),
    ("watch", ["watch"], 13),
    ("rwatch_awatch", ["rwatch_awatch"], 13),
    ("stepi_default_osabi", ["stepi_default_osabi"], 13),
    ("stepi_osabi_none", ["stepi_osabi_none"], 13),
    ("finish", ["finish"], 13),
    ("interrupt", ["interrupt"], 13),
    ("monitor", ["monitor"], 13),
    ("monitor_reset", ["monitor_reset"], 13),
    ("exit_code", ["exit_code"], 13),
    ("kill", ["kill"], EXIT_KILLED),
    ("detach_run_on", ["detach_run_on"], 13),
    ("detach_reattach", ["detach", "reattach"], 13),
]

ENV = dict(os.environ)
ENV["ASAN_OPTIONS"] = "detect_leaks=1:abort_on_error=0:exitcode=99"
ENV["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1:exitcode=99"
ENV["MCUSIM_BOARDS"] = os.path.join(TOP, "boards.yaml")

LISTENING = re.compile(r"mcusim: gdb server listening on [^\s:]*:(\d+)")


# ---- building the firmware (normally ninja does it) ----

def build_command(out=None):
    """The compiler command (run from the repository top) that builds
    build/fw/gdb/gdbtarget.elf, with the flags of build.ninja's fwcc/fwlink."""
    cc = "riscv64-unknown-elf-gcc"
    newlib = "build/newlib/riscv64-unknown-elf"
    gcc_inc = subprocess.run([cc, "-print-file-name=include"], capture_output=True,
                             text=True).stdout.strip()
    return [cc, "-march=rv32imac", "-misa-spec=2.2", "-mabi=ilp32", "-O2", "-g",
            "-Wall", "-Wextra", "-Werror", "-ffunction-sections", "-fdata-sections",
            "-nostdinc", "-isystem", newlib + "/include", "-isystem", gcc_inc,
            "-I" + HIFIVE1_LIB, "-nostartfiles", "-B", newlib + "/lib",
            "-L", newlib + "/lib", "-Wl,--gc-sections", "-Wl,--no-warn-rwx-segments",
            "-T", HIFIVE1_LIB + "/link.ld",
            "tests/gdb/fw/gdbtarget.c", HIFIVE1_LIB + "/crt0.S",
            HIFIVE1_LIB + "/syscalls.c", "-o", out or FIRMWARE, "-lc", "-lm", "-lgcc"]


def build():
    """Builds the firmware; returns the compiler's error text or None."""
    os.makedirs(os.path.join(TOP, os.path.dirname(FIRMWARE)), exist_ok=True)
    p = subprocess.run(build_command(), cwd=TOP, capture_output=True, text=True)
    return None if p.returncode == 0 else p.stderr


# ---- one test ----

def sanitizer_report(text):
    return re.search(r"(ERROR: (Address|Leak)Sanitizer|runtime error:)", text)


class Sim:
    """The simulator in the background: its stdout and stderr are read by
    threads (so it never blocks on a full pipe) and kept."""

    def __init__(self, sim, args):
        self.proc = subprocess.Popen([sim] + args, cwd=TOP, env=ENV,
                                     stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.out, self.err = [], []
        self.port_seen = threading.Event()
        self.port = None
        self.threads = [threading.Thread(target=self._read, args=(self.proc.stdout, self.out, False)),
                        threading.Thread(target=self._read, args=(self.proc.stderr, self.err, True))]
        for t in self.threads:
            t.daemon = True
            t.start()

    def _read(self, pipe, into, look_for_port):
        for line in iter(pipe.readline, b""):
            text = line.decode(errors="replace")
            into.append(text)
            if look_for_port and self.port is None:
                m = LISTENING.search(text)
                if m:
                    self.port = int(m.group(1))
                    self.port_seen.set()
        pipe.close()
        self.port_seen.set()  # the simulator ended: stop waiting

    def wait_port(self, timeout):
        self.port_seen.wait(timeout)
        return self.port

    def wait(self, timeout):
        """The exit status, or None if it is still running after timeout
        seconds (then it is killed)."""
        try:
            status = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            status = None
        for t in self.threads:
            t.join(5)
        return status

    def stdout(self):
        return "".join(self.out)

    def stderr(self):
        return "".join(self.err)


def gdb_command(port, script, elf):
    cmd = ["timeout", str(GDB_TIMEOUT), GDB, "-q", "-n", "-batch",
           "-ex", "set pagination off"]
    if os.environ.get("MCUSIM_GDB_DEBUG") == "1":
        cmd += ["-ex", "set debug remote 1"]
    return cmd + ["-ex", "target remote :%d" % port,
                  "-x", os.path.join("tests", "gdb", script + ".py"), elf]


def run_test(sim, name, scripts, expect_status, verbose=False):
    """Runs one test; returns (problems, log)."""
    elf = FIRMWARE
    sim_args = ["--gdb", "0", "--gdb-wait", "--board", BOARD, elf]
    s = Sim(sim, sim_args)
    problems, log = [], []
    port = s.wait_port(SIM_START)
    if port is None:
        s.wait(1)
        problems.append("the simulator printed no port (exit %s)" % s.proc.returncode)
    else:
        env = dict(ENV)
        env["MCUSIM_GDB_PORT"] = str(port)
        env["MCUSIM_TOP"] = TOP
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        for script in scripts:
            cmd = gdb_command(port, script, elf)
            t0 = time.time()
            p = subprocess.run(cmd, cwd=TOP, env=env, capture_output=True,
                               stdin=subprocess.DEVNULL)
            gout = p.stdout.decode(errors="replace")
            gerr = p.stderr.decode(errors="replace")
            log.append("--- gdb %s.py: exit %d (%.1f s)\n--- gdb stdout\n%s--- gdb stderr\n%s"
                       % (script, p.returncode, time.time() - t0, gout, gerr))
            if p.returncode != 0:
                problems.append("gdb %s.py exited %d%s" % (
                    script, p.returncode, " (timed out)" if p.returncode == 124 else ""))
                break
        status = s.wait(SIM_EXIT if not problems else 2)
        if status is None:
            problems.append("the simulator was still running %d s after gdb ended (killed)"
                            % (SIM_EXIT if len(problems) == 0 else 2))
        elif status != expect_status:
            problems.append("simulator exit status %d, expected %d" % (status, expect_status))
    if s.proc.poll() is None:
        s.wait(0)
    err = s.stderr()
    if sanitizer_report(err):
        problems.append("sanitizer report")
    log.append("--- simulator stdout\n%s--- simulator stderr\n%s" % (s.stdout(), err))
    if verbose:
        print("\n".join(log))
    return problems, "\n".join(log)


def run(results, sim=None, only=None, verbose=False):
    """Runs every gdb test, reporting each through results.ok / results.fail
    as `gdb/NAME`."""
    sim = sim or os.path.join(TOP, "build", "mcusim-san")
    selected = [t for t in TESTS if not only or only in "gdb/" + t[0]]
    if not selected:
        return
    missing = []
    if subprocess.run(["which", GDB], capture_output=True).returncode != 0:
        missing.append("%s is not installed (bash tools/setup.sh)" % GDB)
    if not os.path.exists(os.path.join(TOP, FIRMWARE)):
        missing.append("%s is missing (build it: ninja, or python3 "
                       "tests/gdb/run_gdb.py --build)" % FIRMWARE)
    for name, scripts, status in selected:
        label = "gdb/" + name
        if missing:
            results.fail(label, "\n".join(missing))
            continue
        problems, log = run_test(sim, name, scripts, status, verbose)
        if problems:
            results.fail(label, "\n".join(problems) + "\n" + log)
        else:
            results.ok(label)


class _Results:
    def __init__(self):
        self.passed = 0
        self.failed = []

    def ok(self, name):
        self.passed += 1
        print("PASS %s" % name)

    def fail(self, name, why):
        self.failed.append(name)
        lines = why.rstrip("\n").splitlines()[-150:]
        print("FAIL %s\n%s" % (name, "\n".join("    " + l for l in lines)))


def main(argv):
    sim, only, verbose = None, None, False
    args = list(argv)
    if "--build" in args:
        args.remove("--build")
        error = build()
        if error:
            print("BUILD FAILED %s\n%s" % (FIRMWARE, error))
            return 1
    if "--list" in args:
        for name, scripts, status in TESTS:
            print("%-22s %-28s exit %d" % (name, " + ".join(s + ".py" for s in scripts), status))
        return 0
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
    res = _Results()
    t0 = time.time()
    run(res, sim=sim, only=only, verbose=verbose)
    if res.failed:
        print("\nfailed: " + ", ".join(res.failed))
    print("\n%d passed, %d failed (%.1f s)" % (res.passed, len(res.failed), time.time() - t0))
    return 1 if res.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
