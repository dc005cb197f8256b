"""Command-line cases for tests/run_tests.py: arguments to mcusim-san, the
exit status expected, and text its stdout/stderr must contain.

Importing this module also prepares inputs: the malformed and hand-made
ELFs of tests/elf/make_bad_elfs.py (into build/tests/elf/), and reference
runs for the determinism cases (see determinism_case)."""
import os
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SIM = os.path.join(TOP, "build", "mcusim-san")
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
         status=125, stderr=["--set:1:1: unknown property 'baud' for ns16550a 'uart0'"]),
    dict(name="set-unknown-target", args=["--set", "uart7.chardev=null", FW + "hello.elf"],
         status=125, stderr=["--set uart7.chardev=null: board 'virt32' has no cpu, memory "
                             "or peripheral named 'uart7'"]),
    dict(name="set-malformed", args=["--set", "uart0", FW + "hello.elf"], status=125,
         stderr=["--set uart0: expected TARGET.KEY=VALUE"]),
    dict(name="set-cpu-isa", args=["--set", "cpu.isa=rv32i", FW + "hello.elf"], status=126,
         stderr=["firmware fault: illegal instruction", "mcusim: registers:\n",
                 " x2  sp   88000000 ", "<_start+"]),
    dict(name="set-memory-size-overlap", args=["--set", "ram.base=0x10000000", FW + "hello.elf"],
         status=125, stderr=["overlaps"]),
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
# an entry point outside memory is the firmware's fault (a board with a
# reset_pc would not even use it)
CASES.append(dict(name="elf-entry-unmapped", args=[HANDMADE["entry-unmapped"]], status=126,
                  stderr=["instruction access fault at pc 0x00001234 (mcause 1, mtval 0x1234); "
                          "no trap handler (mtvec 0x00000000 unmapped)\n"
                          "mcusim: pc 0x00001234 <?>: (not readable)\n"]))

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
        14 mmio  write 10000000 uart0+0x0 1 0x41
        15 insn  80000030 _start+0x30              001002b7 lui t0,0x100
        16 insn  80000034 _start+0x34              00073537 lui a0,0x73
        17 insn  80000038 _start+0x38              33350513 addi a0,a0,819
        18 insn  8000003c _start+0x3c              00a2a023 sw a0,0(t0)
        18 mmio  write 00100000 test+0x0 4 0x00073333
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
CASES += [
    dict(name="timeout", args=["--timeout", "0.3", SPIN], status=123,
         stderr=["mcusim: stopped by --timeout after 0.", " s of host time at pc 0x80000000 ("]),
    dict(name="timeout-realtime", args=["--timeout", "0.3", "--realtime", "--stats", SPIN],
         status=123, stderr=["mcusim: virtual time: 0.3", "stopped by --timeout"]),
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


# ---- determinism: a reference run now, the same run again as the case ----

def determinism_case(name, args):
    """Runs mcusim-san with args once here (the reference) and returns a
    case that runs it again and wants the same exit status, the same UART
    output byte for byte, and the same stderr (trace, instruction count,
    virtual time) except the host-time lines of --stats."""
    env = dict(os.environ, MCUSIM_BOARDS=os.path.join(TOP, "boards.yaml"),
               ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:exitcode=99")
    try:
        p = subprocess.run([SIM] + args, cwd=TOP, env=env, capture_output=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as e:
        return dict(name="determinism/" + name, args=["--version"], status=0,
                    stdout=["(reference run failed: %s)" % e])
    err = p.stderr.decode(errors="replace")
    kept, rest = err.split("mcusim: host time:", 1) if "mcusim: host time:" in err else (err, "")
    stderr = [kept] + [line + "\n" for line in rest.splitlines()[1:]
                       if not line.startswith("mcusim: MIPS:")]
    return dict(name="determinism/" + name, args=args, status=p.returncode,
                stdout_exact=p.stdout.decode(errors="replace"), stderr=stderr)


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
