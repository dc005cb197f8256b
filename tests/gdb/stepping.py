"""The stepi checks shared by stepi_default_osabi.py and
stepi_osabi_none.py. With Debian's default OS ABI (GNU/Linux) gdb steps
by itself: it decodes the instruction, puts a temporary breakpoint (Z0)
on the next pc and continues (vCont;c). With `set osabi none` it asks
the stub for a single step (vCont;s). Both must land on the same pcs.

The instructions are tests/gdb/fw/gdbtarget.c's steps (labels step_N:
the pc after N steps) and trap_probe's ecall."""
import re

from gdbtest import (addr, check, check_eq, check_in, check_pc, cont_to,
                     frame_name, packets_sent, reg, run)


def step(expect_pc, hardware, what):
    """One stepi; checks the pc and how gdb asked for the step."""
    if isinstance(expect_pc, str):
        what = "%s (to %s)" % (what, expect_pc)
        expect_pc = addr(expect_pc)
    out, log = run("stepi", remote_log=True)
    check_pc("stepi over " + what, expect_pc)
    sent = packets_sent(log)
    resumes = [p for p in sent if p.startswith(("vCont;", "c", "s"))]
    if hardware:
        check(resumes and all(re.match(r"vCont;s(:[0-9a-f.p-]+)?(;c)?$", p) for p in resumes),
              "stepi over %s: expected vCont;s, gdb sent %r" % (what, resumes))
        check(not any(p.startswith("Z0,") for p in sent),
              "stepi over %s: gdb inserted breakpoints with osabi none: %r" % (what, sent))
    else:
        check_eq("stepi over %s: resume packets" % what, resumes, ["vCont;c"])
        check_in("stepi over %s: breakpoint on the next pc" % what,
                 "Z0,%x," % expect_pc, " ".join(sent))
    return out


def check_stepping(hardware):
    cont_to("*steps")
    ret = reg("ra")
    step("step_1", hardware, "c.li a0, 5 (compressed)")
    check_eq("a0", reg("a0"), 5)
    check_eq("c.li is 2 bytes", addr("step_1") - addr("steps"), 2)
    step("step_2", hardware, "addi a1, zero, 5 (32-bit)")
    check_eq("a1", reg("a1"), 5)
    step("step_3", hardware, "bne a0, a1 (not taken)")
    step("step_4", hardware, "beq a0, a1 (taken)")
    check(addr("step_4") != addr("step_3") + 4, "beq's target is its fall-through")
    step("step_5", hardware, "c.addi a0, 1 (compressed)")
    check_eq("a0", reg("a0"), 6)
    step("step_6", hardware, "c.beqz a0 (compressed, not taken)")
    step("step_7", hardware, "c.bnez a0 (compressed, taken)")
    check(addr("step_7") != addr("step_6") + 2, "c.bnez's target is its fall-through")
    step(ret, hardware, "c.jr ra (back to main)")
    check_eq("frame after the return", frame_name(), "main")

    # ecall traps into probe_handler. A hardware step stops on the
    # handler's first instruction; gdb's own stepping (breakpoint after
    # the ecall) lets the handler run and return past the ecall.
    cont_to("*ecall_site")
    ecall = addr("ecall_site")
    if hardware:
        step("probe_handler", True, "ecall")
        check_eq("mcause", reg("mcause"), 11)
        check_eq("mepc", reg("mepc"), ecall)
        step(addr("probe_handler") + 4, True, "csrr t0, mepc")
        check_eq("t0", reg("t0"), ecall)
        step(addr("probe_handler") + 8, True, "addi t0, t0, 4")
        step(addr("probe_handler") + 12, True, "csrw mepc, t0")
        check_eq("mepc", reg("mepc"), ecall + 4)
        step(ecall + 4, True, "mret")
        check_eq("mstatus after mret (MPIE = 1, MPP = U)", reg("mstatus"), 0x80)
    else:
        step(ecall + 4, False, "ecall (the handler runs)")
        check_eq("mcause", reg("mcause"), 11)
        check_eq("mepc (the handler moved it past the ecall)", reg("mepc"), ecall + 4)
        check_eq("mstatus after the handler's mret", reg("mstatus"), 0x80)
