#!/usr/bin/env python3
"""Runs the gdb tests: gdb-multiarch against `mcusim --gdb`.

Each test starts build/mcusim-san halted (`--gdb 0 --gdb-wait`) on a
firmware, reads the port from the simulator's stderr
(`mcusim: gdb server listening on 127.0.0.1:NNNN`) and runs one or more
gdb sessions, one after the other, each

    timeout 60 gdb-multiarch -q -n -batch -ex 'set pagination off'
        -ex 'target remote 127.0.0.1:PORT' -x tests/gdb/NAME.py FIRMWARE.elf

(the address is numeric: `:PORT` would make gdb resolve `localhost`, which
fails on a system without /etc/hosts). NAME.py asserts with gdb's Python
API (tests/gdb/gdbtest.py) and makes gdb exit non-zero on the first failed
assertion. A test passes when every gdb session exits 0, the simulator
exits with the status the test expects (the firmware's exit status, or 122
after `kill`), and the simulator's stderr holds no sanitizer report. Every
test runs on each engine of testlib.ENGINES (`--jit on` on x86-64 hosts,
`--jit off`), as gdb/NAME/jit and gdb/NAME/interp.

The firmware is build/fw/gdb/NAME.elf, built from tests/gdb/fw/NAME.c with
the HiFive1 library tests/firmware/hifive1/lib, on the hifive1-test board
(hifive1-revb plus an exit device): gdbtarget (most tests; unchanged it
exits with 13), patchme (patch_code), observed (observe), reverse (the
reverse_* tests of reverse execution, some with more simulator options,
SIM_ARGS_OF, each checking the UART output, STDOUT_OF); reverse_review_send
and reverse_review_eof run tests/firmware/uart_echo.c (build/fw/uart_echo.elf)
on virt32 instead.

Two tests are more than a list of sessions:
- no_etc_hosts runs exit_code.py with gdb inside `unshare --mount` where
  an empty file is bind-mounted over /etc/hosts, so a script that made gdb
  resolve a name would fail; it also checks that every `target remote` in
  tests/gdb and README.md names 127.0.0.1 (the whole check when unshare is
  not permitted, said in the result).
- observe runs the interrupt-heavy `observed` firmware four times: without
  gdb, then under gdb with a breakpoint in its interrupt handler hit 50
  times (observe_break.py), a watchpoint hit 20 times (observe_watch.py),
  and 2000 stepi (observe_step.py). All four must print the same UART
  output (which ends with the firmware's minstret and mcycle) and exit
  with the same status.

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
import glob
import os
import re
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import testlib  # noqa: E402

GDB_DIR = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(GDB_DIR))
GDB = "gdb-multiarch"
GDB_TIMEOUT = 60      # per gdb session (the `timeout 60` of the brief)
SIM_START = 10        # seconds to wait for the port on stderr
SIM_EXIT = 20         # seconds to wait for the simulator after the last session

BOARD = "tests/firmware/boards/hifive1-test.yaml:hifive1-test"
# Tests that run on another board (tests/gdb/boards.yaml says why); the
# scripts learn it from MCUSIM_GDB_BOARD (gdbtest.BOARD).
BOARD_OF = {
    "reconfig_watch": "tests/gdb/boards.yaml:hifive1-stub-pwm0",
    "reconfig_break": "tests/gdb/boards.yaml:hifive1-stub-pwm0",
}
FIRMWARE = "build/fw/gdb/gdbtarget.elf"
FIRMWARE_DIR = "build/fw/gdb"
HIFIVE1_LIB = "tests/firmware/hifive1/lib"

EXIT_KILLED = 122
OBSERVE_SESSIONS = [("a breakpoint in the interrupt handler", "observe_break"),
                    ("a watchpoint", "observe_watch"),
                    ("2000 stepi", "observe_step")]

# name: the gdb scripts run one after the other (tests/gdb/SCRIPT.py), the
# simulator's expected exit status and the firmware (build/fw/gdb/NAME.elf;
# gdbtarget when not given). no_etc_hosts and observe are run by
# run_no_etc_hosts and run_observe.
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
    ("monitor_reconfigure", ["monitor_reconfigure"], 0, "reconfig"),
    ("reconfig_watch", ["reconfig_watch"], 0, "reconfig_watch"),
    ("reconfig_break", ["reconfig_break"], 0, "reconfig_watch"),
    ("exit_code", ["exit_code"], 13),
    ("kill", ["kill"], EXIT_KILLED),
    ("detach_run_on", ["detach_run_on"], 13),
    ("detach_reattach", ["detach", "reattach"], 13),
    ("no_etc_hosts", ["exit_code"], 13),
    ("patch_code", ["patch_code"], 3, "patchme"),
    ("observe", [s for _, s in OBSERVE_SESSIONS], None, "observed"),
    ("reverse_stepi", ["reverse_stepi"], 7, "reverse"),
    ("reverse_continue", ["reverse_continue"], 7, "reverse"),
    ("reverse_watch", ["reverse_watch"], 7, "reverse"),
    ("reverse_lines", ["reverse_lines"], 7, "reverse"),
    ("reverse_long", ["reverse_long"], 7, "reverse"),
    ("reverse_input", ["reverse_input"], 7, "reverse"),
    ("reverse_jump", ["reverse_jump"], 7, "reverse"),
    ("reverse_off", ["reverse_off"], 7, "reverse"),
    ("reverse_review_send", ["reverse_review_send"], 0, "../uart_echo"),
    ("reverse_review_eof", ["reverse_review_eof"], 0, "../uart_echo"),
    ("reverse_review_reconfig", ["reverse_review_reconfig"], 7, "reverse"),
]

# Reverse execution (tests/gdb/reverse_*.py, firmware tests/gdb/fw/reverse.c):
# more simulator options for some (a small snapshot ring, so the long run
# spans many snapshots and the ring is thinned; reverse execution off), and
# the UART output each must print: the firmware's lines exactly once, however
# often the run went back over them.
SMALL_RING = ["--reverse-interval", "100000", "--reverse-snapshots", "8"]
SIM_ARGS_OF = {
    "reverse_long": SMALL_RING,
    "reverse_input": SMALL_RING,
    "reverse_off": ["--no-reverse"],
}
STDOUT_OF = {t[0]: "start\nmiddle\nend\n" for t in TESTS if t[0].startswith("reverse_")}

# The review's reverse tests (tests/gdb/reverse_review_*.py) run
# tests/firmware/uart_echo.c (build/fw/uart_echo.elf) on virt32: its input
# queued by `monitor uart uart0 send`, or read from uart_echo.in; each
# must print the echo exactly as a run that never went back prints it.
ECHO_BANNER = "echo: one line at a time, 'bye' ends\n"
BOARD_OF.update({"reverse_review_send": "virt32", "reverse_review_eof": "virt32"})
SIM_ARGS_OF["reverse_review_eof"] = ["--set", "uart0.chardev=stdio:in=tests/firmware/uart_echo.in"]
STDOUT_OF["reverse_review_send"] = (
    ECHO_BANNER + "> a line longer than the sixteen bytes of the FIFO\n> bye\n"
    "2 lines; by interrupt: yes; character timeouts: yes\n")
STDOUT_OF["reverse_review_eof"] = (
    ECHO_BANNER + "> hello, uart\n> interrupts through the PLIC\n"
    "> a line longer than the sixteen bytes of the FIFO\n> xy\n> \n> bye\n"
    "6 lines; by interrupt: yes; character timeouts: yes\n")


def firmware_of(test):
    return "%s/%s.elf" % (FIRMWARE_DIR, test[3] if len(test) > 3 else "gdbtarget")

ENV = testlib.ENV

LISTENING = re.compile(r"mcusim: gdb server listening on [^\s:]*:(\d+)")


# ---- building the firmware (normally ninja does it) ----

def build_command(name="gdbtarget", out=None):
    """The compiler command (run from the repository top) that builds
    build/fw/gdb/NAME.elf from tests/gdb/fw/NAME.c, with the flags of
    build.ninja's fwcc/fwlink."""
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
            "tests/gdb/fw/%s.c" % name, HIFIVE1_LIB + "/crt0.S",
            HIFIVE1_LIB + "/syscalls.c", "-o", out or "%s/%s.elf" % (FIRMWARE_DIR, name),
            "-lc", "-lm", "-lgcc"]


def firmware_sources():
    """NAME of each tests/gdb/fw/NAME.c, as tools/gen_build.py finds them."""
    return sorted(os.path.basename(p)[:-2]
                  for p in glob.glob(os.path.join(GDB_DIR, "fw", "*.c")))


def build():
    """Builds every firmware; returns (the firmware that failed, the
    compiler's error text), or None when all built."""
    os.makedirs(os.path.join(TOP, FIRMWARE_DIR), exist_ok=True)
    for name in firmware_sources():
        p = subprocess.run(build_command(name), cwd=TOP, capture_output=True, text=True)
        if p.returncode != 0:
            return "%s/%s.elf" % (FIRMWARE_DIR, name), p.stderr
    return None


# ---- one test ----

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
    return cmd + ["-ex", "target remote 127.0.0.1:%d" % port,
                  "-x", os.path.join("tests", "gdb", script + ".py"), elf]


def run_sessions(sim, scripts, elf, wrap=None, verbose=False, engine=(), board=BOARD):
    """Starts the simulator (with the engine's options) halted on elf, on
    `board`, and runs the gdb scripts one after the other (each command
    through wrap, if given). Returns (problems, log, the simulator's exit
    status or None, its stdout)."""
    s = Sim(sim, list(engine) + ["--gdb", "0", "--gdb-wait", "--board", board, elf])
    problems, log, status = [], [], None
    port = s.wait_port(SIM_START)
    if port is None:
        s.wait(1)
        problems.append("the simulator printed no port (exit %s)" % s.proc.returncode)
    else:
        env = dict(ENV)
        env["MCUSIM_GDB_PORT"] = str(port)
        env["MCUSIM_TOP"] = TOP
        env["MCUSIM_GDB_BOARD"] = board
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        for script in scripts:
            cmd = gdb_command(port, script, elf)
            if wrap:
                cmd = wrap(cmd)
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
        grace = SIM_EXIT if not problems else 2
        status = s.wait(grace)
        if status is None:
            problems.append("the simulator was still running %d s after gdb ended (killed)"
                            % grace)
    if s.proc.poll() is None:
        s.wait(0)
    err = s.stderr()
    if testlib.sanitizer_report(err):
        problems.append("sanitizer report")
    log.append("--- simulator stdout\n%s--- simulator stderr\n%s" % (s.stdout(), err))
    if verbose:
        print("\n".join(log))
    return problems, "\n".join(log), status, s.stdout()


def run_test(sim, name, scripts, expect_status, elf=FIRMWARE, wrap=None, verbose=False,
             engine=()):
    """Runs one test; returns (problems, log)."""
    engine = list(engine) + SIM_ARGS_OF.get(name, [])
    problems, log, status, out = run_sessions(sim, scripts, elf, wrap, verbose, engine,
                                              BOARD_OF.get(name, BOARD))
    if status is not None and status != expect_status:
        problems.append("simulator exit status %d, expected %d" % (status, expect_status))
    want = STDOUT_OF.get(name)
    if want is not None and not problems and out != want:
        problems.append("the UART output differs:\n--- expected\n%s--- got\n%s" % (want, out))
    return problems, log


# ---- no_etc_hosts: nothing may make gdb resolve a name ----

# `target remote` with a HOST:PORT (HOST possibly empty, PORT possibly a
# placeholder or a format), quoted or not.
TARGET_REMOTE = re.compile(r"target remote\s+[`'\"]?([^\s`'\"]*:[^\s`'\"]*)")


def target_remote_problems():
    """Every address given to `target remote` in tests/gdb and README.md
    that is not on 127.0.0.1."""
    files = [os.path.join(GDB_DIR, f) for f in sorted(os.listdir(GDB_DIR))
             if f.endswith(".py")] + [os.path.join(TOP, "README.md")]
    problems, seen = [], 0
    for path in files:
        with open(path) as f:
            for number, line in enumerate(f, 1):
                for m in TARGET_REMOTE.finditer(line):
                    seen += 1
                    if not m.group(1).startswith("127.0.0.1:"):
                        problems.append("%s:%d: `%s` does not name 127.0.0.1"
                                        % (os.path.relpath(path, TOP), number, m.group(0)))
    if seen == 0:
        problems.append("no `target remote` found in tests/gdb or README.md")
    return problems


def unshare_works():
    """Whether this host lets us bind-mount over /etc/hosts in a private
    mount namespace (root, or a kernel/sandbox that allows it)."""
    if subprocess.run(["which", "unshare"], capture_output=True).returncode != 0:
        return False
    p = subprocess.run(["unshare", "--mount", "--", "sh", "-c",
                        'mount --bind /dev/null /etc/hosts && test ! -s /etc/hosts'],
                       capture_output=True)
    return p.returncode == 0


def without_etc_hosts(empty):
    """A wrap for run_sessions: the gdb command runs in its own mount
    namespace where `empty` (an empty file) hides /etc/hosts."""
    def wrap(cmd):
        return ["unshare", "--mount", "--", "sh", "-c",
                'mount --bind "$0" /etc/hosts && exec "$@"', empty] + cmd
    return wrap


def run_no_etc_hosts(sim, test, verbose=False, engine=()):
    """Returns (problems, log, note)."""
    name, scripts, status = test[:3]
    problems = target_remote_problems()
    if not unshare_works():
        return problems, "", ("unshare --mount is not permitted here: checked that every "
                              "`target remote` names 127.0.0.1 instead")
    empty = os.path.join(TOP, "build", "gdb-empty-hosts")
    open(empty, "w").close()
    more, log = run_test(sim, name, scripts, status, firmware_of(test),
                         wrap=without_etc_hosts(empty), verbose=verbose, engine=engine)
    return problems + more, log, None


# ---- observe: debugging a run changes nothing the firmware sees ----

def run_observe(sim, test, verbose=False, engine=()):
    """Returns (problems, log)."""
    elf = firmware_of(test)
    p = subprocess.run([sim] + list(engine) + ["--board", BOARD, elf], cwd=TOP, env=ENV,
                       capture_output=True, stdin=subprocess.DEVNULL, timeout=GDB_TIMEOUT)
    out = p.stdout.decode(errors="replace")
    err = p.stderr.decode(errors="replace")
    problems = []
    log = ["--- without gdb: exit %d\n--- stdout\n%s--- stderr\n%s" % (p.returncode, out, err)]
    if testlib.sanitizer_report(err):
        problems.append("sanitizer report (without gdb)")
    if not re.search(r"^done: irqs \d+ checksum [0-9a-f]{8} minstret \d+ mcycle \d+$",
                     out, re.M) or not 1 <= p.returncode <= 100:
        problems.append("without gdb the firmware did not finish (exit %d)" % p.returncode)
        return problems, "\n".join(log)
    for label, script in OBSERVE_SESSIONS:
        more, slog, status, sout = run_sessions(sim, [script], elf, verbose=verbose,
                                                engine=engine)
        log.append(slog)
        problems += ["%s: %s" % (label, m) for m in more]
        if status is not None and status != p.returncode:
            problems.append("%s: exit status %d, without gdb %d" % (label, status, p.returncode))
        if sout != out:
            problems.append("%s: the UART output differs from the run without gdb:\n"
                            "--- without gdb\n%s--- with %s\n%s" % (label, out, label, sout))
    return problems, "\n".join(log)


def run(results, sim=None, only=None, verbose=False):
    """Runs every gdb test on every engine (testlib.ENGINES), reporting each
    through results.ok / results.fail as `gdb/NAME/ENGINE` (jit, interp)."""
    sim = sim or testlib.SIM
    selected = [(t, engine, args) for t in TESTS for engine, args in testlib.ENGINES
                if not only or only in "gdb/%s/%s" % (t[0], engine)]
    if not selected:
        return
    missing = []
    if subprocess.run(["which", GDB], capture_output=True).returncode != 0:
        missing.append("%s is not installed (bash tools/setup.sh)" % GDB)
    for test, engine, args in selected:
        label = "gdb/%s/%s" % (test[0], engine)
        elf = firmware_of(test)
        absent = [] if os.path.exists(os.path.join(TOP, elf)) else [
            "%s is missing (build it: ninja, or python3 tests/gdb/run_gdb.py --build)" % elf]
        if missing or absent:
            results.fail(label, "\n".join(missing + absent))
            continue
        note = None
        if test[0] == "no_etc_hosts":
            problems, log, note = run_no_etc_hosts(sim, test, verbose, args)
        elif test[0] == "observe":
            problems, log = run_observe(sim, test, verbose, args)
        else:
            problems, log = run_test(sim, test[0], test[1], test[2], elf, verbose=verbose,
                                     engine=args)
        if problems:
            results.fail(label, "\n".join(problems) + "\n" + log)
        else:
            if note:
                print("NOTE %s: %s" % (label, note))
            results.ok(label)


def main(argv):
    sim, only, verbose = None, None, False
    args = list(argv)
    if "--build" in args:
        args.remove("--build")
        failed = build()
        if failed:
            print("BUILD FAILED %s\n%s" % failed)
            return 1
    if "--list" in args:
        for test in TESTS:
            name, scripts, status = test[:3]
            print("%-22s %-50s %-10s %s" % (name, " + ".join(s + ".py" for s in scripts),
                                            "exit %d" % status if status is not None else "",
                                            firmware_of(test)))
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
    res = testlib.Results(shown=150)
    t0 = time.time()
    run(res, sim=sim, only=only, verbose=verbose)
    print("\n(%.1f s)" % (time.time() - t0))
    return res.summary()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
