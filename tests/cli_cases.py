"""Command-line cases for tests/run_tests.py: arguments to mcusim-san, the
exit status expected, and text its stdout/stderr must contain.

Importing this module also prepares inputs: the malformed and hand-made
ELFs of tests/elf/make_bad_elfs.py (into build/tests/elf/), and reference
runs for the determinism cases (see determinism_case)."""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import testlib  # noqa: E402

TOP = testlib.TOP
SIM = testlib.SIM
FW = "build/fw/"

sys.path.insert(0, os.path.join(TOP, "tests", "elf"))
import make_bad_elfs  # noqa: E402

CASES = [
    dict(name="help", args=["--help"], status=0,
         stdout=["Usage: mcusim", "--board", "--set", "--max-insns", "--timeout SECONDS",
                 "--realtime", "--stats", "--trace LIST", "--trace-file PATH",
                 "--list-boards", "--describe-board", "--version", "Exit status",
                 "  123  --timeout expired", "  124  the instruction limit",
                 "  125  a usage, board or ELF error", "  126  the firmware faulted"]),
    # every key of `cpu:` may be set
    dict(name="help-set-cpu-keys", args=["--help"], status=0,
         stdout=["cpu.isa, cpu.frequency, cpu.reset_pc,\n", "cpu.misaligned, cpu.mvendorid, "
                 "cpu.marchid,\n", "cpu.mimpid, cpu.pmp_entries, cpu.triggers;\n"]),
    dict(name="version", args=["--version"], status=0, stdout=["mcusim "]),
    dict(name="no-firmware", args=[], status=125, stderr=["no firmware ELF given"]),
    dict(name="unknown-option", args=["--frobnicate", FW + "hello.elf"], status=125,
         stderr=["unrecognized option", "--help"]),
    dict(name="list-boards", args=["--list-boards"], status=0, stdout=["virt32"]),
    dict(name="unknown-board", args=["--board", "nosuch", FW + "hello.elf"], status=125,
         stderr=["no board 'nosuch'", "virt32"]),
    dict(name="missing-board-file", args=["--board", "/nonexistent/b.yaml", FW + "hello.elf"],
         status=125, stderr=["/nonexistent/b.yaml", "cannot open"]),
    dict(name="missing-elf", args=["/nonexistent.elf"], status=125,
         stderr=["/nonexistent.elf: cannot open"]),
    dict(name="not-an-elf", args=["boards.yaml"], status=125,
         stderr=["boards.yaml: not an ELF file"]),
    dict(name="bad-max-insns", args=["--max-insns", "lots", FW + "hello.elf"], status=125,
         stderr=["--max-insns: 'lots' is not a positive number"]),
    dict(name="insn-limit", args=["--max-insns", "100", FW + "hello.elf"], status=124,
         stderr=["stopped after 100 instructions"]),
    dict(name="board-file-with-name", args=["--board", "boards.yaml:virt32", FW + "exit_code.elf"],
         status=3, stdout=["exiting with status 3"]),
    dict(name="set-property", args=["--set", "uart0.chardev=null", FW + "hello.elf"],
         status=0, stdout_exact=""),
    dict(name="set-unknown-property", args=["--set", "uart0.baud=9600", FW + "hello.elf"],
         status=125, stderr=["--set:1:12: unknown property 'baud' for ns16550a 'uart0'"]),
    dict(name="set-unknown-target", args=["--set", "uart7.chardev=null", FW + "hello.elf"],
         status=125, stderr=["mcusim: --set:1:1: board 'virt32' has no cpu, memory "
                             "or peripheral named 'uart7'\n"]),
    dict(name="set-malformed", args=["--set", "uart0", FW + "hello.elf"], status=125,
         stderr=["mcusim: --set:1:1: expected TARGET.KEY=VALUE (e.g. uart0.chardev=null), "
                 "not 'uart0'\n"]),
    dict(name="set-cpu-isa", args=["--set", "cpu.isa=rv32i", FW + "hello.elf"], status=126,
         stderr=["firmware fault: illegal instruction", "mcusim: registers:\n",
                 " x2  sp   88000000 ", "<_start+"]),
    dict(name="set-memory-size-overlap", args=["--set", "ram.base=0x10000000", FW + "hello.elf"],
         status=125, stderr=["mcusim: --set:1:10: 'ram' [0x10000000-0x17ffffff] overlaps 'uart0' "
                             "[0x10000000-0x100000ff]\n"]),
    # what --set placed is blamed at --set, whichever block the board wrote first
    dict(name="set-peripheral-base-overlap", args=["--set", "uart0.base=0x80000000",
                                                   FW + "hello.elf"],
         status=125, stderr=["mcusim: --set:1:12: 'uart0' [0x80000000-0x800000ff] overlaps 'ram' "
                             "[0x80000000-0x87ffffff]\n"]),
    dict(name="set-peripheral-size-not-allowed", args=["--set", "uart0.size=0x1", FW + "hello.elf"],
         status=125, stderr=["mcusim: --set:1:12: size 0x1 not allowed for ns16550a "
                             "(0x8 to 0x1000)\n"]),
    dict(name="describe-board-host-services", args=["--describe-board", "newlib-sim"],
         status=0, stdout=["host services: newlib htif"]),
    dict(name="describe-board", args=["--describe-board", "virt32"], status=0,
         stdout=["board virt32 (", "host services: none", "uart0        ns16550a", "flat view:",
                 "80000000-87ffffff ram ram+0"]),
    dict(name="describe-board-with-set", args=["--set", "ram.size=64K", "--describe-board", "virt32"],
         status=0, stdout=["ram          ram    0x80000000-0x8000ffff"]),
    dict(name="describe-board-takes-no-firmware", args=["--describe-board", "virt32", FW + "hello.elf"],
         status=125, stderr=["take no firmware"]),
    dict(name="extends-user-board", args=["--board", "tests/boards/extends.yaml:quiet-virt32",
                                          FW + "hello.elf"],
         status=0, stdout_exact=""),
]


# ---- malformed ELFs (tests/elf/make_bad_elfs.py): each gets one exact
# line; the damaged-but-loadable ones must run hello as usual ----

BAD_ELFS, DAMAGED_ELFS, HANDMADE = make_bad_elfs.write_all()


def firmware_output(name):
    with open(os.path.join(TOP, "tests", "firmware", name + ".expect")) as f:
        return f.read().split("\n", 1)[1]


for _name, (_path, _message) in sorted(BAD_ELFS.items()):
    CASES.append(dict(name="bad-elf/" + _name, args=[_path], status=125, stdout_exact="",
                      stderr=["mcusim: %s: %s\n" % (_path, _message)]))
for _name, _path in sorted(DAMAGED_ELFS.items()):
    CASES.append(dict(name="damaged-elf-runs/" + _name, args=[_path], status=0,
                      stdout_exact=firmware_output("hello")))
CASES.append(dict(name="damaged-elf-trace-without-symbols",
                  args=["--trace", "insn", "--max-insns", "3", DAMAGED_ELFS["shoff-past-eof"]],
                  status=124,
                  stderr=["         0 insn  80000000 ?                        00003197 auipc gp,0x3\n"]))

# ---- the hand-made firmware: exact traces ----

TRACE = HANDMADE["handmade_trace"]
TRACE_ALL = """\
         0 insn  80000000 _start                   800002b7 lui t0,0x80000
         1 insn  80000004 _start+0x4               04028293 addi t0,t0,64
         2 insn  80000008 _start+0x8               30529073 csrrw zero,mtvec,t0
         3 insn  8000000c _start+0xc               00500513 addi a0,zero,5
         4 insn  80000010 _start+0x10              02500593 addi a1,zero,37
         5 insn  80000014 _start+0x14              00b50633 add a2,a0,a1
         6 insn  80000018 _start+0x18              80001137 lui sp,0x80001
         7 insn  8000001c _start+0x1c              fec12e23 sw a2,-4(sp)
         8 insn  80000020 _start+0x20              00100073 ebreak
         8 exc   80000020 _start+0x20              breakpoint (mcause 3) tval 0x80000020 -> 80000040 handler
         8 insn  80000040 handler                  341022f3 csrrs t0,mepc,zero
         9 insn  80000044 handler+0x4              00428293 addi t0,t0,4
        10 insn  80000048 handler+0x8              34129073 csrrw zero,mepc,t0
        11 insn  8000004c handler+0xc              30200073 mret
        12 insn  80000024 _start+0x24              100002b7 lui t0,0x10000
        13 insn  80000028 _start+0x28              04100513 addi a0,zero,65
        14 insn  8000002c _start+0x2c              00a28023 sb a0,0(t0)
        14 mmio  write 10000000 uart0.thr 1 <- 0x41
        15 insn  80000030 _start+0x30              001002b7 lui t0,0x100
        16 insn  80000034 _start+0x34              00073537 lui a0,0x73
        17 insn  80000038 _start+0x38              33350513 addi a0,a0,819
        18 insn  8000003c _start+0x3c              00a2a023 sw a0,0(t0)
        18 mmio  write 00100000 test.finisher 4 <- 0x00073333 status=0x3333 code=7
        19 end   exit status 7
"""
# The first 12 instructions retire at cycles 0-11 (the ebreak does not
# retire; the mret is the 12th).
TRACE_INSN_EXC_12 = "".join(
    [line + "\n" for line in TRACE_ALL.splitlines()
     if " insn " in line or " exc " in line][:14]) + "        12 end   instruction limit\n"
TRACE_EXC_MMIO = "".join(
    line + "\n" for line in TRACE_ALL.splitlines()
    if " exc " in line or " mmio " in line or " end " in line)

CASES += [
    dict(name="trace-all-exact", args=["--trace", "all", TRACE], status=7, stdout_exact="A",
         stderr=[TRACE_ALL]),
    dict(name="trace-insn-exc-first-lines", args=["--trace", "insn,exc", "--max-insns", "12", TRACE],
         status=124, stdout_exact="",
         stderr=[TRACE_INSN_EXC_12, "stopped after 12 instructions (--max-insns) at pc 0x80000024"]),
    dict(name="trace-exc-mmio", args=["--trace", "exc,mmio", TRACE], status=7, stdout_exact="A",
         stderr=[TRACE_EXC_MMIO]),
    dict(name="trace-file", args=["--trace", "all", "--trace-file", "/dev/stdout", TRACE],
         status=7, stdout=[TRACE_ALL]),
    dict(name="trace-file-unwritable",
         args=["--trace", "insn", "--trace-file", "/nonexistent/dir/t.txt", TRACE], status=125,
         stderr=["mcusim: --trace-file /nonexistent/dir/t.txt: cannot create: "
                 "No such file or directory\n"]),
    dict(name="trace-file-without-trace", args=["--trace-file", "t.txt", TRACE], status=125,
         stderr=["--trace-file needs --trace LIST"]),
    dict(name="trace-unknown-kind", args=["--trace", "insn,bogus", TRACE], status=125,
         stderr=["mcusim: --trace: unknown trace kind 'bogus' in 'insn,bogus': expected a "
                 "comma-separated list of insn, mmio, irq, exc, sys, or all\n"]),
    dict(name="trace-empty-kind", args=["--trace", "insn,", TRACE], status=125,
         stderr=["mcusim: --trace: empty trace kind '' in 'insn,'"]),
    dict(name="trace-sys-only", args=["--trace", "sys", TRACE], status=7, stdout_exact="A",
         stderr=["        19 end   exit status 7\n"]),
    # with a trap handler from crt0: interrupts by name and vector
    dict(name="trace-irq-clint", args=["--trace", "irq", FW + "clint_timer.elf"], status=0,
         stdout_exact=firmware_output("clint_timer"),
         stderr=["machine software interrupt (mcause 0x80000003) -> ",
                 "machine timer interrupt (mcause 0x80000007) -> "]),
]

# ---- guest faults: the message, then the register dump ----

# The history options (docs/DEBUGGING.md): their refusals name the option.
CASES += [
    dict(name="reverse-interval-zero", args=["--reverse", "--reverse-interval", "0",
                                             FW + "hello.elf"], status=125,
         stderr=["mcusim: --reverse-interval: '0' is not a number from 1 to 4294967295"]),
    dict(name="reverse-snapshots-one", args=["--reverse", "--reverse-snapshots", "1",
                                             FW + "hello.elf"], status=125,
         stderr=["mcusim: --reverse-snapshots: '1' is not a number from 2 to 4294967295"]),
    dict(name="reverse-interval-needs-reverse", args=["--reverse-interval", "5",
                                                      FW + "hello.elf"], status=125,
         stderr=["--reverse-interval needs reverse execution (--gdb, or --reverse)"]),
    dict(name="reverse-with-scenario", args=["--reverse", "--scenario", "x.yaml",
                                             FW + "hello.elf"], status=125,
         stderr=["--reverse and --scenario cannot be combined"]),
    dict(name="snapshot-load-missing", args=["--snapshot-load", "/nonexistent.snap",
                                             FW + "hello.elf"], status=125,
         stderr=["mcusim: --snapshot-load: /nonexistent.snap: cannot open"]),
    dict(name="snapshot-save-firmware", args=["--snapshot-save", FW + "hello.elf",
                                              FW + "hello.elf"], status=125,
         stderr=["mcusim: --snapshot-save: build/fw/hello.elf: is the firmware"]),
    dict(name="replay-missing", args=["--replay", "/nonexistent.rec", FW + "hello.elf"],
         status=125, stderr=["mcusim: --replay: /nonexistent.rec: cannot open"]),
    dict(name="record-uncreatable", args=["--record", "/nonexistent/x.rec",
                                          FW + "hello.elf"], status=125,
         stderr=["mcusim: --record: /nonexistent/x.rec: cannot create"]),
]

CASES += [
    dict(name="fault-dump-illegal", args=[HANDMADE["handmade_fault"]], status=126,
         stderr=["""\
mcusim: firmware fault: illegal instruction 0x00000000 at pc 0x80000008 (mcause 2, mtval 0x0); \
no trap handler (mtvec 0x00000000 unmapped)
mcusim: pc 0x80000008 <crash+0x8>: c.unimp
mcusim: registers:
  x0  zero 00000000   x1  ra   00000000   x2  sp   00000000   x3  gp   00000000
  x4  tp   00000000   x5  t0   00000000   x6  t1   00000000   x7  t2   00000000
  x8  s0   00000000   x9  s1   00000000   x10 a0   00000123   x11 a1   abcde000
  x12 a2   00000000   x13 a3   00000000   x14 a4   00000000   x15 a5   00000000
  x16 a6   00000000   x17 a7   00000000   x18 s2   00000000   x19 s3   00000000
  x20 s4   00000000   x21 s5   00000000   x22 s6   00000000   x23 s7   00000000
  x24 s8   00000000   x25 s9   00000000   x26 s10  00000000   x27 s11  00000000
  x28 t3   00000000   x29 t4   00000000   x30 t5   00000000   x31 t6   00000000
  pc      80000008  mstatus 00000000  mcause  00000000  mepc    00000000  mtval   00000000
"""]),
    dict(name="fault-runaway-jump", args=[HANDMADE["handmade_runaway"]], status=126,
         stderr=["mcusim: firmware fault: instruction access fault at pc 0x40000000 (mcause 1, "
                 "mtval 0x40000000); no trap handler (mtvec 0x00000000 unmapped)\n"
                 "mcusim: pc 0x40000000 <?>: (not readable)\n",
                 " x5  t0   40000000 "]),
    dict(name="fault-double", args=[HANDMADE["handmade_double_fault"]], status=126,
         stderr=["mcusim: firmware fault: breakpoint at pc 0x8000000c (mcause 3, mtval 0x8000000c); "
                 "the trap handler at 0x80000010 faulted: illegal instruction 0x00000000 at pc "
                 "0x80000010 (mcause 2, mtval 0x0)\n"
                 "mcusim: pc 0x80000010 <bad_handler>: c.unimp\n",
                 "  pc      80000010  mstatus 00001800  mcause  00000003  mepc    8000000c  "
                 "mtval   8000000c\n  mepc is _start+0xc\n"]),
    dict(name="fault-wfi-forever", args=[HANDMADE["handmade_wfi"]], status=126,
         stderr=["wfi at pc 0x80000000 with no interrupt pending and no event scheduled",
                 "mcusim: registers:\n"]),
]

# ---- --timeout and --realtime ----

SPIN = HANDMADE["handmade_spin"]


def seconds_after(err, prefix):
    """The number of seconds printed right after `prefix` in stderr, or None."""
    m = re.search(re.escape(prefix) + r"\s*([0-9]+\.[0-9]+) s", err)
    return float(m.group(1)) if m else None


# What the README promises, and nothing about how fast the host is: the run
# stops once SECONDS of host time have passed (never before); with
# --realtime, virtual time is never more than a millisecond ahead of host
# time, so it ends within SECONDS + 1 ms of virtual time (and may end far
# below it on a loaded host). 1e-6: the six decimals --stats prints.
def check_timeout(err):
    host = seconds_after(err, "stopped by --timeout after")
    if host is None or host < 0.3:
        return "--timeout 0.3 stopped after %r s of host time (want >= 0.3)" % host
    return None


def check_timeout_realtime(err):
    virtual = seconds_after(err, "mcusim: virtual time:")
    host = seconds_after(err, "mcusim: host time:")
    if virtual is None or host is None:
        return "--stats lacks the virtual or host time"
    if host < 0.3:
        return "stopped after %.6f s of host time (want >= 0.3)" % host
    if not 0.001 <= virtual <= 0.301 + 1e-6:
        return "virtual time %.6f s, want 0.001 to 0.301 (--timeout 0.3 + 1 ms)" % virtual
    if virtual > host + 0.001 + 1e-6:
        return "virtual time %.6f s ran more than 1 ms ahead of host time %.6f s" % (virtual, host)
    return None


# the bound of the README at a timeout that is not a whole number of
# milliseconds: the slice after the deadline is never started
def check_timeout_realtime_bound(err):
    virtual = seconds_after(err, "mcusim: virtual time:")
    host = seconds_after(err, "mcusim: host time:")
    if virtual is None or host is None:
        return "--stats lacks the virtual or host time"
    if host < 0.0105:
        return "stopped after %.6f s of host time (want >= 0.0105)" % host
    if not 0.001 <= virtual <= 0.0115 + 1e-6:
        return "virtual time %.6f s, want 0.001 to 0.0115 (--timeout 0.0105 + 1 ms)" % virtual
    return None


CASES += [
    dict(name="timeout-realtime-bound",
         args=["--timeout", "0.0105", "--realtime", "--stats", SPIN], status=123,
         stderr=["stopped by --timeout"],
         check=lambda out, err: check_timeout_realtime_bound(err)),
    dict(name="timeout", args=["--timeout", "0.3", SPIN], status=123,
         stderr=["mcusim: stopped by --timeout after ", " s of host time at pc 0x80000000 ("],
         check=lambda out, err: check_timeout(err)),
    dict(name="timeout-realtime", args=["--timeout", "0.3", "--realtime", "--stats", SPIN],
         status=123, stderr=["stopped by --timeout"],
         check=lambda out, err: check_timeout_realtime(err)),
    # the limit still counts exactly across the slices --timeout runs in
    dict(name="timeout-and-max-insns", args=["--timeout", "60", "--max-insns", "2500000", SPIN],
         status=124, stderr=["stopped after 2500000 instructions (--max-insns) at pc 0x80000000"]),
    # a hart asleep with nothing to wake it is diagnosed, not left to time out
    dict(name="timeout-wfi-forever", args=["--timeout", "60", HANDMADE["handmade_wfi"]],
         status=126, stderr=["the hart would sleep forever"]),
    dict(name="realtime-runs-to-the-end", args=["--realtime", FW + "clint_timer.elf"], status=0,
         stdout_exact=firmware_output("clint_timer")),
    dict(name="timeout-not-a-number", args=["--timeout", "soon", SPIN], status=125,
         stderr=["mcusim: --timeout: 'soon' is not a positive number of seconds\n"]),
    dict(name="timeout-zero", args=["--timeout", "0", SPIN], status=125,
         stderr=["--timeout: '0' is not a positive number of seconds"]),
    dict(name="timeout-negative", args=["--timeout", "-1", SPIN], status=125,
         stderr=["--timeout: '-1' is not a positive number of seconds"]),
    dict(name="timeout-nan", args=["--timeout", "nan", SPIN], status=125,
         stderr=["--timeout: 'nan' is not a positive number of seconds"]),
]


# ---- the CPU engine: --jit on|off, and --stats naming the one that ran ----

def check_translated(err):
    """--stats of a JIT run names it and says it translated something."""
    m = re.search(r"^mcusim: engine:       jit \(x86-64\), (\d+) blocks translated, "
                  r"(\d+) entries from the run loop$", err, re.M)
    if not m:
        return "--stats does not name the jit with its counts"
    if int(m.group(1)) == 0 or int(m.group(2)) == 0:
        return "the jit translated %s blocks, entered %s times" % m.groups()
    return None


CASES += [
    dict(name="jit-neither-on-nor-off", args=["--jit", "maybe", FW + "hello.elf"], status=125,
         stdout_exact="", stderr=["mcusim: --jit: 'maybe' is neither 'on' nor 'off'\n",
                                  "--help"]),
    dict(name="jit-off-stats", args=["--jit", "off", "--stats", FW + "hello.elf"], status=0,
         stdout_exact=firmware_output("hello"), stderr=["mcusim: engine:       interpreter\n"]),
    dict(name="help-jit", args=["--help"], status=0, stdout=["--jit on|off", "--jit-threshold N"]),
    dict(name="jit-threshold-zero", args=["--jit-threshold", "0", FW + "hello.elf"], status=125,
         stdout_exact="", stderr=["mcusim: --jit-threshold: '0' is not a number of runs "
                                  "from 1 to 4294967295\n"]),
    dict(name="jit-threshold-word", args=["--jit-threshold", "soon", FW + "hello.elf"],
         status=125, stdout_exact="",
         stderr=["mcusim: --jit-threshold: 'soon' is not a number of runs"]),
    dict(name="jit-threshold-too-big", args=["--jit-threshold", "4294967296", FW + "hello.elf"],
         status=125, stdout_exact="", stderr=["--jit-threshold: '4294967296'"]),
]
if any(engine == "jit" for engine, _ in testlib.ENGINES):  # x86-64: the JIT is the default
    CASES += [
        dict(name="jit-on-stats", args=["--jit", "on", "--stats", "--max-insns", "200000",
                                        FW + "crc32.elf"], status=124,
             stderr=["mcusim: engine:       jit (x86-64), "],
             check=lambda out, err: check_translated(err)),
        dict(name="jit-default-on", args=["--stats", "--max-insns", "200000", FW + "crc32.elf"],
             status=124, stderr=["mcusim: engine:       jit (x86-64), "]),
        # hello runs its blocks a few times at most: only a threshold of 1
        # translates them
        dict(name="jit-threshold-one", args=["--jit-threshold", "1", "--stats",
                                             FW + "hello.elf"], status=0,
             check=lambda out, err: None if re.search(
                 r"jit \(x86-64\), [1-9]\d\d+ blocks translated", err)
             else "--jit-threshold 1 translated fewer than 100 blocks of hello"),
        dict(name="jit-last-one-counts", args=["--jit", "on", "--jit", "off", "--stats",
                                               FW + "hello.elf"], status=0,
             stderr=["mcusim: engine:       interpreter\n"]),
    ]
else:
    CASES += [
        dict(name="jit-on-refused", args=["--jit", "on", FW + "hello.elf"], status=125,
             stdout_exact="", stderr=["mcusim: --jit on: this host has no translator"]),
        dict(name="jit-default-off", args=["--stats", FW + "hello.elf"], status=0,
             stderr=["mcusim: engine:       interpreter\n"]),
    ]


# ---- determinism: a reference run now, the same run again as the case ----

def determinism_case(name, args):
    """Runs mcusim-san with args once here (the reference) and returns a
    case that runs it again and wants the same exit status, the same UART
    output byte for byte, and the same stderr (trace, instruction count,
    virtual time) except the host-time lines of --stats and the engine's
    counters (how often the run loop entered translated code depends on
    slicing)."""
    r = testlib.run([SIM] + args)
    err = r.stderr
    kept, rest = err.split("mcusim: host time:", 1) if "mcusim: host time:" in err else (err, "")
    stderr = [kept] + [line + "\n" for line in rest.splitlines()[1:]
                       if not line.startswith(("mcusim: MIPS:", "mcusim: engine:",
                                               "mcusim: code cache:"))]
    return dict(name="determinism/" + name, args=args, status=r.status,
                stdout_exact=r.stdout, stderr=stderr)


ECHO_IN = ["--set", "uart0.chardev=stdio:in=tests/firmware/uart_echo.in"]
PLIC = ["--board", "tests/firmware/boards/plic.yaml"]
if os.access(SIM, os.X_OK):
    CASES += [
        determinism_case("clint-timer-trace-all",
                         ["--trace", "all", "--stats", FW + "clint_timer.elf"]),
        determinism_case("uart-echo-input-trace-irq-mmio",
                         ECHO_IN + ["--trace", "irq,mmio,exc", "--stats", FW + "uart_echo.elf"]),
        determinism_case("plic-priority-stats", PLIC + ["--stats", FW + "plic_priority.elf"]),
        determinism_case("hello-trace-insn", ["--trace", "insn", "--stats", FW + "hello.elf"]),
    ]
    # Slicing the run for --timeout/--realtime changes nothing the firmware
    # or the trace can see: the same expectations as the unsliced run.
    for _sliced in (["--timeout", "600"], ["--realtime"]):
        _case = determinism_case("uart-echo-sliced", ECHO_IN + ["--trace", "irq,mmio", "--stats",
                                                               FW + "uart_echo.elf"])
        _case["name"] += _sliced[0]
        _case["args"] = _sliced + _case["args"]
        CASES.append(_case)
    _case = determinism_case("plic-priority-sliced", PLIC + ["--stats", FW + "plic_priority.elf"])
    _case["name"] += "--timeout"
    _case["args"] = ["--timeout", "600"] + _case["args"]
    CASES.append(_case)


# ---- boards and other inputs: FIFOs refused, one range check, ELF entry,
# locations on every board error, the cpu keys ----

# A path naming a FIFO would block in open() until another process opened
# its other end (the runner's timeout would end the case): board files,
# `extends:`, `image:`, the ELF and --trace-file each refuse one at once.
# The FIFOs are made here, in build/tests/fifo/.
FIFO_DIR = "build/tests/fifo"
FIFO_TIMEOUT = 10  # seconds: a refusal is immediate, a regression would hang


def make_fifo_inputs():
    folder = os.path.join(TOP, FIFO_DIR)
    os.makedirs(folder, exist_ok=True)
    for name in ("board.yaml", "parent.yaml", "image.bin", "fw.elf", "trace.out"):
        path = os.path.join(folder, name)
        if os.path.lexists(path):
            os.unlink(path)
        os.mkfifo(path)
    with open(os.path.join(folder, "extends.yaml"), "w") as f:
        f.write("child:\n  extends: parent.yaml:b\n")
    with open(os.path.join(folder, "image.yaml"), "w") as f:
        f.write("b:\n  extends: virt32\n  memory:\n"
                "    - {name: boot, type: rom, base: 0x1000, size: 4K, image: image.bin}\n")


make_fifo_inputs()
RESET_PC_BOARD = FIFO_DIR + "/reset-pc.yaml"
with open(os.path.join(TOP, RESET_PC_BOARD), "w") as _f:
    _f.write("b:\n  extends: virt32\n  cpu: {reset_pc: 0x1000}\n")
STDOUT_FILE = os.path.join(TOP, "build", "tests", "stdout.txt")


def trace_after_hello(path):
    """A check: the file holds hello's UART text, then the trace's end line."""
    with open(path) as f:
        text = f.read()
    hello = firmware_output("hello")
    if text.startswith(hello) and re.fullmatch(r" +[0-9]+ end   exit status 0\n",
                                               text[len(hello):]):
        return None
    return "want hello's output, then the trace's end line; the file holds %r" % text


HELLO = FW + "hello.elf"
CPU_KEYS = "tests/boards/cpu-keys.yaml:"
CASES += [
    dict(name="fifo-board", args=["--board", FIFO_DIR + "/board.yaml", HELLO], status=125,
         stderr=["mcusim: build/tests/fifo/board.yaml: not a regular file (a fifo)\n"],
         timeout=FIFO_TIMEOUT),
    dict(name="fifo-extends", args=["--board", FIFO_DIR + "/extends.yaml", HELLO], status=125,
         stderr=["mcusim: build/tests/fifo/extends.yaml:2:12: in the board it extends: "
                 "build/tests/fifo/parent.yaml: not a regular file (a fifo)\n"],
         timeout=FIFO_TIMEOUT),
    dict(name="fifo-image", args=["--board", FIFO_DIR + "/image.yaml", HELLO], status=125,
         stderr=["mcusim: build/tests/fifo/image.yaml:4:62: image "
                 "build/tests/fifo/image.bin: not a regular file (a fifo)\n"],
         timeout=FIFO_TIMEOUT),
    dict(name="fifo-elf", args=[FIFO_DIR + "/fw.elf"], status=125,
         stderr=["mcusim: build/tests/fifo/fw.elf: not a regular file (a fifo)\n"],
         timeout=FIFO_TIMEOUT),
    dict(name="fifo-trace-file",
         args=["--trace", "insn", "--trace-file", FIFO_DIR + "/trace.out", TRACE], status=125,
         stderr=["mcusim: --trace-file build/tests/fifo/trace.out: not a regular file or "
                 "character device (a fifo)\n"], timeout=FIFO_TIMEOUT),
    dict(name="trace-file-directory", args=["--trace", "insn", "--trace-file", FIFO_DIR, TRACE],
         status=125, stderr=["mcusim: --trace-file build/tests/fifo: not a regular file or "
                             "character device (a directory)\n"]),
    # character devices and the simulator's own stderr (a pipe here) still work
    dict(name="trace-file-dev-null", args=["--trace", "all", "--trace-file", "/dev/null", TRACE],
         status=7, stdout_exact="A"),
    dict(name="trace-file-dev-stderr",
         args=["--trace", "all", "--trace-file", "/dev/stderr", TRACE], status=7,
         stdout_exact="A", stderr=[TRACE_ALL]),
    # /dev/stdout onto a file (`> out.txt`) is stdout itself: the trace goes
    # after the UART's text instead of over it
    dict(name="trace-file-dev-stdout-onto-a-file",
         args=["--trace", "sys", "--trace-file", "/dev/stdout", HELLO], status=0,
         stdout_to=STDOUT_FILE, check=lambda out, err: trace_after_hello(STDOUT_FILE)),
    # one range check (memory_range_check) for --set and for a model's default size
    dict(name="set-ram-size-4g", args=["--set", "ram.size=4G", HELLO], status=125,
         stderr=["mcusim: --set:1:10: memory 'ram' at 0x80000000 size 0x100000000 ends past "
                 "0x100000000\n"]),
    dict(name="set-peripheral-base-past-4g", args=["--set", "uart0.base=0xffffff80", HELLO],
         status=125, stderr=["mcusim: --set:1:12: peripheral 'uart0' at 0xffffff80 size 0x100 "
                             "ends past 0x100000000\n"]),
    dict(name="default-size-past-4g",
         args=["--board", "tests/boards/ranges.yaml:default-size-past-4g", HELLO], status=125,
         stderr=["mcusim: tests/boards/ranges.yaml:11:13: peripheral 'test-high' at 0xfffff800 "
                 "size 0x1000 ends past 0x100000000\n"]),
    # the ELF's entry point against the board
    dict(name="elf-entry-differs-from-reset-pc",
         args=["--set", "cpu.reset_pc=0x80000000", HANDMADE["entry-moved"]], status=0,
         stdout_exact=firmware_output("hello"),
         stderr=["mcusim: note: the board starts at its reset_pc 0x80000000, not at the ELF "
                 "entry point 0x80000010\n"]),
    # the start pc must be in RAM, ROM or flash: the ELF entry when it is
    # used, the board's reset_pc (located) when that is; an entry the board
    # does not use is not checked
    dict(name="elf-entry-unmapped-with-reset-pc-runs",
         args=["--set", "cpu.reset_pc=0x80000000", BAD_ELFS["entry-unmapped"][0]], status=0,
         stdout_exact=firmware_output("hello"),
         stderr=["mcusim: note: the board starts at its reset_pc 0x80000000, not at the ELF "
                 "entry point 0x00001234\n"]),
    dict(name="reset-pc-unmapped", args=["--set", "cpu.reset_pc=0x1234", HELLO], status=125,
         stdout_exact="",
         stderr=["mcusim: --set:1:14: 'reset_pc' 0x00001234 is not inside the board's memory "
                 "(unmapped)\n"]),
    dict(name="reset-pc-mmio", args=["--set", "cpu.reset_pc=0x10000000", HELLO], status=125,
         stdout_exact="",
         stderr=["mcusim: --set:1:14: 'reset_pc' 0x10000000 is not inside the board's memory "
                 "(MMIO 'uart0')\n"]),
    dict(name="reset-pc-unmapped-in-board-file", args=["--board", RESET_PC_BOARD, HELLO],
         status=125, stdout_exact="",
         stderr=["mcusim: %s:3:19: 'reset_pc' 0x00001000 is not inside the board's memory "
                 "(unmapped)\n" % RESET_PC_BOARD]),
    # an unsupported ISA is located like every other board error
    dict(name="set-cpu-isa-unsupported", args=["--set", "cpu.isa=rv32x", HELLO], status=125,
         stderr=["mcusim: --set:1:9: unsupported ISA \"rv32x\""]),
    dict(name="board-isa-unsupported", args=["--board", CPU_KEYS + "bad-isa", HELLO], status=125,
         stderr=["mcusim: tests/boards/cpu-keys.yaml:13:10: unsupported ISA \"rv32gq\""]),
    # the cpu keys: parsed, checked, settable, described
    dict(name="cpu-keys-describe", args=["--describe-board", CPU_KEYS + "ids"], status=0,
         stdout=["cpu ids: mvendorid 0x00000489, marchid 0x80000002, mimpid 0x20181004; "
                 "0 PMP entries, 8 triggers\n"]),
    dict(name="cpu-keys-defaults", args=["--describe-board", "virt32"], status=0,
         stdout=["cpu ids: mvendorid 0x00000000, marchid 0x00000000, mimpid 0x00000000; "
                 "16 PMP entries, 2 triggers\n"]),
    dict(name="cpu-keys-hifive1-revb", args=["--describe-board", "hifive1-revb"], status=0,
         stdout=["cpu ids: mvendorid 0x00000489, marchid 0x00000000, mimpid 0x00000000; "
                 "8 PMP entries, 4 triggers\n"]),
    dict(name="cpu-keys-set", args=["--set", "cpu.pmp_entries=4", "--set", "cpu.triggers=0",
                                    "--set", "cpu.mimpid=7", "--describe-board", "virt32"],
         status=0, stdout=["mimpid 0x00000007; 4 PMP entries, 0 triggers\n"]),
    dict(name="cpu-keys-set-out-of-range", args=["--set", "cpu.triggers=9", HELLO], status=125,
         stderr=["mcusim: --set:1:14: 'triggers' 9 is out of range (0 to 8)\n"]),
    dict(name="cpu-keys-pmp-out-of-range", args=["--board", CPU_KEYS + "bad-pmp", HELLO],
         status=125, stderr=["mcusim: tests/boards/cpu-keys.yaml:17:18: 'pmp_entries' 17 is "
                             "out of range (0 to 16)\n"]),
    dict(name="cpu-keys-triggers-out-of-range",
         args=["--board", CPU_KEYS + "bad-triggers", HELLO], status=125,
         stderr=["mcusim: tests/boards/cpu-keys.yaml:21:15: 'triggers' 9 is out of range "
                 "(0 to 8)\n"]),
    dict(name="cpu-keys-mvendorid-32-bits", args=["--board", CPU_KEYS + "bad-mvendorid", HELLO],
         status=125, stderr=["mcusim: tests/boards/cpu-keys.yaml:25:16: 'mvendorid' "
                             "0x1_0000_0000 is out of range (0 to 0xffffffff)\n"]),
    # a chosen board runs even when another board of its file is malformed
    dict(name="board-chosen-beside-a-broken-one",
         args=["--board", "tests/boards/cpu-keys.yaml:ids", HELLO], status=0,
         stdout_exact=firmware_output("hello")),
]


# ---- lost output: a chardev's file, stdout or the --trace-file that
# cannot be written ends the run with 121, said once ----

def said_once(text):
    """A check: `text` appears exactly once on stderr."""
    return lambda out, err: (None if err.count(text) == 1 else
                             "stderr has %r %d times, want once" % (text, err.count(text)))


FULL = "No space left on device\n"


def same_run_with_stderr_full(args):
    """A check: mcusim with `args` and its stderr on /dev/full exits 0 and
    prints what the case printed on stdout."""
    def check(out, err):
        with open("/dev/full", "wb") as full:
            p = subprocess.run([SIM] + args, cwd=TOP, env=testlib.ENV, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=full, timeout=testlib.TIMEOUT)
        if p.returncode != 0:
            return "with stderr on /dev/full: exit status %d, want 0" % p.returncode
        if p.stdout.decode(errors="replace") != out:
            return "with stderr on /dev/full: stdout differs:\n%s" % p.stdout.decode(errors="replace")
        return None
    return check
HIFIVE1_TEST = ["--board", "tests/firmware/boards/hifive1-test.yaml:hifive1-test"]
CASES += [
    dict(name="output-lost/file-chardev", args=["--set", "uart0.chardev=file:/dev/full",
                                               FW + "hello.elf"], status=121,
         check=said_once("mcusim: chardev 'file:/dev/full': cannot write: " + FULL)),
    # the firmware's own status (3) gives way: output was lost
    dict(name="output-lost/file-chardev-firmware-status",
         args=["--set", "uart0.chardev=file:out=/dev/full", FW + "exit_code.elf"], status=121,
         check=said_once("mcusim: chardev 'file:out=/dev/full': cannot write: " + FULL)),
    dict(name="output-lost/stdout", args=[FW + "hello.elf"], stdout_to="/dev/full", status=121,
         check=said_once("mcusim: stdout: cannot write: " + FULL)),
    # "A" without a newline: run()'s last flush meets the failure first, the
    # chardev's flush at its close meets it again; said once all the same
    dict(name="output-lost/stdout-said-once", args=[TRACE], stdout_to="/dev/full", status=121,
         check=lambda out, err: said_once("mcusim: stdout: cannot write: " + FULL)(out, err) or
         (None if err.count("cannot write") == 1 else
          "stderr has %d 'cannot write' lines, want one" % err.count("cannot write"))),
    dict(name="output-lost/stdout-trace-says-so", args=["--trace", "sys", FW + "hello.elf"],
         stdout_to="/dev/full", status=121, stderr=[" end   output lost\n"]),
    dict(name="output-lost/trace-file",
         args=["--trace", "insn", "--trace-file", "/dev/full", FW + "hello.elf"], status=121,
         check=said_once("mcusim: --trace-file /dev/full: cannot write: " + FULL)),
    # --help is more than stdout's buffer: the write that failed was inside
    # printf and its errno is gone by the final flush, which only finds the
    # error flag (EIO: never a stale errno)
    dict(name="output-lost/help", args=["--help"], stdout_to="/dev/full", status=121,
         check=said_once("mcusim: stdout: cannot write: Input/output error\n")),
    dict(name="output-lost/describe-board", args=["--describe-board", "virt32"],
         stdout_to="/dev/full", status=121,
         check=said_once("mcusim: stdout: cannot write: " + FULL)),
    dict(name="output-lost/help-documents-121", args=["--help"], status=0,
         stdout=["  121  output was lost: a chardev's file, stdout or the\n"]),
    # the trace on stderr that cannot be written changes nothing of the run
    # (the case runs untraced; its check runs traced with stderr on /dev/full)
    dict(name="output-lost/trace-on-stderr-changes-nothing", args=[FW + "hello.elf"], status=0,
         check=same_run_with_stderr_full(["--trace", "mmio", FW + "hello.elf"])),
    dict(name="output-to-dev-null-is-fine",
         args=["--set", "uart0.chardev=file:/dev/null", "--trace", "sys", "--trace-file",
               "/dev/null", FW + "hello.elf"], status=0, stdout_exact=""),
]


# ---- tcp chardev: where it listens, with the port bound for port 0 ----

def check_tcp_listening(out, err):
    m = re.search(r"^mcusim: char device listening on 127\.0\.0\.1:([0-9]+)$", err, re.M)
    if not m or not 0 < int(m.group(1)) < 65536:
        return "no 'char device listening on 127.0.0.1:PORT' line with a real port"
    return None


CASES += [
    dict(name="tcp-chardev-says-where", args=["--set", "uart0.chardev=tcp:0",
                                              FW + "exit_code.elf"],
         status=3, stdout_exact="", check=check_tcp_listening),
]


# ---- guest diagnostics: every one in the trace, once on stderr ----

GUEST_ERRORS = HIFIVE1_TEST + [FW + "hifive1/guest_errors.elf"]
WDOG_LOCKED = "aon: write at +0x20 ignored: the watchdog is locked (write 0x51f15e to wdogkey first)"
HOLE_READ = "qspi0: read at +0x100: no register there"
UART_FULL = "uart1: txdata written while the transmit FIFO is full: the byte is dropped"
CASES += [
    dict(name="guest-diagnostics/stderr-once", args=GUEST_ERRORS, status=0,
         stdout=["wdogcmp0 still 0xffff"],
         check=lambda out, err: said_once("mcusim: " + WDOG_LOCKED + "\n")(out, err) or
         said_once("mcusim: " + HOLE_READ + "\n")(out, err) or
         said_once("mcusim: " + UART_FULL + "\n")(out, err)),
    # the trace on stderr: each occurrence at its cycle, before its mmio
    # line, and no second copy as a plain message
    dict(name="guest-diagnostics/trace", args=["--trace", "mmio"] + GUEST_ERRORS, status=0,
         check=lambda out, err: None if (
             len(re.findall(r"^ +[0-9]+ guest " + re.escape(WDOG_LOCKED) + "\n +[0-9]+ mmio  "
                            "write 10000020 aon\\.wdogcmp0 4 ", err, re.M)) == 2 and
             re.search(r"^ +[0-9]+ guest " + re.escape(HOLE_READ) + "$", err, re.M) and
             "mcusim: aon:" not in err) else "want two guest lines for aon, one for qspi0, "
         "and no plain message"),
    # a --trace-file that is our stderr is the trace on stderr: no second copy
    dict(name="guest-diagnostics/trace-file-is-stderr",
         args=["--trace", "mmio", "--trace-file", "/dev/stderr"] + GUEST_ERRORS, status=0,
         check=lambda out, err: None if (
             err.count(" guest " + WDOG_LOCKED + "\n") == 2 and
             "mcusim: aon:" not in err) else "want the two guest lines for aon and no plain "
         "message"),
    # a trace file gets every one; stderr still shows each once
    dict(name="guest-diagnostics/trace-file",
         args=["--trace", "sys", "--trace-file", "/dev/stdout"] + GUEST_ERRORS, status=0,
         check=lambda out, err: None if (
             out.count(" guest " + WDOG_LOCKED + "\n") == 2 and
             err.count("mcusim: " + WDOG_LOCKED + "\n") == 1) else
         "want both in the trace file and one on stderr"),
]


# more distinct diagnostics than stderr shows: the first 100, one line
# saying so; the trace has every one
MORE = "mcusim: more guest diagnostics are not shown (--trace lists every one)\n"
GUEST_FLOOD = HIFIVE1_TEST + [FW + "hifive1/guest_flood.elf"]


def check_flood_stderr(out, err):
    shown = [line for line in err.splitlines() if line.startswith("mcusim: ")]
    if len(shown) != 101 or shown[-1] + "\n" != MORE:
        return "want 100 diagnostics then the 'not shown' line, got %d lines" % len(shown)
    return None


CASES += [
    dict(name="guest-diagnostics/stderr-cap", args=GUEST_FLOOD, status=0,
         check=check_flood_stderr),
    dict(name="guest-diagnostics/trace-has-all",
         args=["--trace", "sys", "--trace-file", "/dev/stdout"] + GUEST_FLOOD, status=0,
         # the firmware's UART output shares stdout with the trace: it may
         # land inside a trace line, so guest lines are counted unanchored
         check=lambda out, err: None if len(re.findall(r" [0-9]+ guest ", out)) == 136
         else "want 136 guest lines in the trace"),
]


# ---- the README's board for the shipped HiFive1 firmware: it ends
# cleanly without the test board's exit device (deep sleep) ----

def uart_output(name):
    """The UART output a tests/firmware/NAME.expect wants (after its exit:
    and args: lines)."""
    with open(os.path.join(TOP, "tests", "firmware", name + ".expect")) as f:
        lines = f.read().split("\n")
    while lines and re.match(r"^(exit|args):", lines[0]):
        lines.pop(0)
    return "\n".join(lines)


CASES += [
    dict(name="readme/hifive1-revb-hello", args=["--board", "hifive1-revb",
                                                FW + "hifive1/hello.elf"],
         status=0, stdout_exact=uart_output("hifive1/hello"),
         stderr=["mcusim: aon: pmusleep: deep sleep with nothing that can wake the chip: "
                 "it stays off, the run ends\n"],
         check=lambda out, err: "register dump on stderr" if "registers:" in err else None),
]
