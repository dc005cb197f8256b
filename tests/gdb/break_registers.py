"""A breakpoint in flash on the firmware's own trap handler: `info
registers` and the CSRs of an ecall trap taken from M-mode with mstatus
cleared (tests/gdb/fw/gdbtarget.c, trap_probe)."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gdbtest import *  # noqa: E402,F401,F403

ABI = ["ra", "sp", "gp", "tp", "t0", "t1", "t2", "fp", "s1", "a0", "a1", "a2",
       "a3", "a4", "a5", "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8",
       "s9", "s10", "s11", "t3", "t4", "t5", "t6"]


def signed(v):
    return v - (1 << 32) if v & 0x80000000 else v


def body():
    handler = addr("probe_handler")
    check(0x20000000 <= handler < 0x21000000, "probe_handler is not in flash")
    number = break_at("*probe_handler")
    out = run("continue")
    check_in("stop report", "\nBreakpoint %d, 0x%08x in probe_handler ()\n" % (number, handler), out)
    check_breakpoint_stop("break on probe_handler", number)
    check_pc("pc at the breakpoint", handler)

    # info registers: x1..x31 by ABI name, then pc, each as hex and natural.
    out = run("info registers")
    lines = out.rstrip("\n").split("\n")
    check_eq("info registers names", [l.split()[0] for l in lines], ABI + ["pc"])
    for line in lines:
        name = line.split()[0]
        check_match("info registers %s" % name, r"^%s +0x%x\t" % (name, reg(name)), line)
    check_in("info registers a0", "a0             0x12345678\t305419896\n", out)
    check_in("info registers a1", "a1             0xcafef00d\t-889262067\n", out)
    check_in("info registers pc", "pc             0x%08x\t0x%08x <probe_handler>\n"
             % (handler, handler), out)
    # ra: just after the call to trap_probe in main.
    ra = reg("ra")
    check_match("info registers ra", r"^ra +0x%08x\t0x%08x <main\+\d+>$" % (ra, ra), out)
    call = run("x/i 0x%x" % (ra - 2)) + run("x/i 0x%x" % (ra - 4))
    check_match("the call before ra", r"\tjal\t0x%08x <trap_probe>$" % addr("trap_probe"), call)
    check_eq("a0 (natural)", signed(reg("a0")), 0x12345678)

    # The trap: ecall from M-mode (mcause 11) at ecall_site, mtval 0;
    # mstatus was 0, so MPP = M (3), MPIE = MIE = 0.
    check_eq("$mstatus", reg("mstatus"), 0x1800)
    check_eq("$mcause", reg("mcause"), 11)
    check_eq("$mepc", reg("mepc"), addr("ecall_site"))
    check_eq("$mtval", reg("mtval"), 0)
    check_eq("$mtvec", reg("mtvec"), handler)
    out = run("info registers mstatus mcause mepc misa")
    check_eq("info registers mstatus mcause mepc misa", out,
             "mstatus        0x1800\tSD:0 VM:00 MXR:0 PUM:0 MPRV:0 XS:0 FS:0 MPP:3 HPP:0 "
             "SPP:0 MPIE:0 HPIE:0 SPIE:0 UPIE:0 MIE:0 HIE:0 SIE:0 UIE:0\n"
             "mcause         0xb\t11\n"
             "mepc           0x%08x\t%d\n"
             "misa           0x40101105\tRV32ACIMU\n" % (addr("ecall_site"), addr("ecall_site")))
    # The CSR goes over the wire as `p` 65 + its number (mstatus: p341).
    run("maintenance flush register-cache")
    out, log = run("p/x $mcause", remote_log=True)
    check_match("p/x $mcause", r"^\$\d+ = 0xb$", out)
    check_in("mcause read with p", "Sending packet: $p%x#" % (65 + 0x342), log)

    run("delete")
    cont_to_exit(EXIT_DEFAULT)


test(body)
