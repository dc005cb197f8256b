"""The steps tests/gdb/reconfig_watch.py and reconfig_break.py share:
gdb watches and breaks on ranges it removes from the running board and
maps again, on the firmware tests/gdb/fw/reconfig_watch.c (its header
says what each stage does).

Rig: a folder with the file UART0 writes to (the script points UART0's
chardev at it before the firmware runs, so everything the firmware prints
is checked, whole, at each checkpoint) and a board file for `board apply`:
`no-itim` and `with-itim`, the running board (hifive1-stub-pwm0, UART0 on that
file, pwm0 as the test adds it back) without and with the ITIM, so that
each apply changes the ITIM and nothing else.

watch_part: an awatch on pwm0's first register across `peripheral
remove` and `add` (stages 1-3); itim_part: the ITIM removed and added
again by `board apply` (stages 4-6), with or without a breakpoint in it.
`hardware_step` says how gdb steps over a stop: True with `set osabi
none` (vCont;s: a step that faults ends at the trap vector), False with
Debian's default GNU/Linux OS ABI (a temporary breakpoint after the
instruction: the trap handler runs within the step).
"""
import os
import re
import shutil
import tempfile

import gdb
from gdbtest import *  # noqa: F401,F403

PROBE = 0x10015000          # pwm0, a memory-mapped-stub on tests/gdb/boards.yaml's board
ITIM = 0x08000000           # itim, 8 KiB of RAM on hifive1-revb
FIRST = 0x11111111          # pwm0's read-value while the board's pwm0 lives
SECOND = 0x22222222         # the read-value of the pwm0 gdb adds back
ITIM_RESULT = 0x5a5a5a5a    # what itim_code returns
ITIM_CODE_SIZE = 12
WATCHED = "*(volatile unsigned *)0x%08x" % PROBE
MCAUSE_FETCH, MCAUSE_LOAD, MCAUSE_STORE = 1, 5, 7

BOARDS = """\
# Written by tests/gdb/reconfig_steps.py: the running board, without and
# with the ITIM.
no-itim:
  extends: "{parent}"
  memory:
    - name: itim
      remove: true
  peripherals:
    - name: uart0
      chardev: "file:{uart}"
    - name: pwm0
      read-value: 0x{second:08x}
with-itim:
  extends: "{parent}"
  peripherals:
    - name: uart0
      chardev: "file:{uart}"
    - name: pwm0
      read-value: 0x{second:08x}
"""


class Rig:
    def __init__(self):
        self.folder = tempfile.mkdtemp(prefix="mcusim-gdb-reconfig-watch-")
        self.uart = os.path.join(self.folder, "uart0.txt")
        self.boards = os.path.join(self.folder, "boards.yaml")
        parent = os.path.join(TOP, BOARD.split(":")[0]) + ":" + BOARD.split(":")[1]
        with open(self.boards, "w") as f:
            f.write(BOARDS.format(parent=parent, uart=self.uart, second=SECOND))
        self.printed = ""    # what UART0 must have printed so far

    def uart_printed(self, what, more):
        """UART0 printed `more` since the last check, and nothing else."""
        self.printed += more
        with open(self.uart) as f:
            check_eq("UART0 " + what, f.read(), self.printed)

    def close(self):
        shutil.rmtree(self.folder)


def audit(what):
    check_eq("monitor audit " + what, run("monitor audit"), "audit: ok\n")


def unreadable(what, address):
    try:
        gdb.selected_inferior().read_memory(address, 4)
    except gdb.MemoryError:
        return
    raise TestFailure("%s: 0x%08x is still readable" % (what, address))


def sent_before_stop(log):
    """The packets gdb sent before the first stop reply of a packet log."""
    sent = []
    for line in log.splitlines():
        if re.search(r"Packet received: T[0-9a-f]{2}", line):
            return sent
        m = re.search(r"Sending packet: \$([^#]*)#", line)
        if m:
            sent.append(m.group(1))
    raise TestFailure("no stop reply in the packet log:\n" + log)


def check_kept(what, log, prefix):
    """gdb inserted nothing at the address during this resume: the hart
    held the breakpoint or watchpoint inserted before."""
    again = [p for p in sent_before_stop(log) if p.startswith(prefix)]
    check(not again, "%s: gdb sent %r before the stop; the hart should have "
          "kept what it had" % (what, again))


def start(rig):
    """Before the firmware runs: UART0 writes to the rig's file; a
    breakpoint at checkpoint. Returns its number."""
    check_eq("uart0's chardev", run("monitor peripheral set uart0 chardev file:" + rig.uart),
             "uart0: chardev = file:%s\n" % rig.uart)
    return break_at("checkpoint")


def to_checkpoint(number, stage):
    out = run("continue")
    check_match("stop at checkpoint %d" % stage,
                r"^Breakpoint %d, checkpoint \(\) at " % number, out)
    check_breakpoint_stop("checkpoint %d" % stage, number)
    check_pc("checkpoint %d" % stage, "checkpoint")
    check_eq("stage", value("stage"), stage)
    audit("at checkpoint %d" % stage)


def check_faults(what, count, cause=None, pc=None, address=None):
    """The firmware's handler has counted `count` faults, the last one
    with this mcause, mepc and mtval."""
    check_eq(what + ": faults", value("faults"), count)
    if cause is not None:
        check_eq(what + ": last mcause", value("last_cause"), cause)
        check_eq(what + ": last mepc", value("last_epc"), pc)
        check_eq(what + ": last mtval", value("last_tval"), address)


def check_at_trap(what, cause, pc, address):
    """Stopped at the first instruction of the trap vector, the trap
    taken but not handled yet."""
    check_pc(what, "rw_trap")
    check_eq(what + ": mcause", reg("mcause"), cause)
    check_eq(what + ": mepc", reg("mepc"), pc)
    check_eq(what + ": mtval", reg("mtval"), address)


def watch_report(number, values, where):
    return ("\nHardware access (read/write) watchpoint %d: %s\n\n%s\n0x%08x in %s ()\n"
            % (number, WATCHED, values, addr(where), re.sub(r"_(load|store)_done$",
                                                            r"_\1_word", where)))


def watch_part(rig, stop, hardware_step, kept):
    """Stages 1-3. kept: gdb keeps breakpoints inserted while stopped
    (`set breakpoint always-inserted on`), so the hart holds the
    watchpoint across the board changes and gdb inserts nothing again."""
    to_checkpoint(stop, 1)
    rig.uart_printed("at checkpoint 1", "start\n")
    check_eq("set read-value", run("monitor peripheral set pwm0 read-value 0x%08x" % FIRST),
             "pwm0: read-value = 0x%08x\n" % FIRST)
    out = run("awatch " + WATCHED)
    w = int(check_match("awatch", r"^Hardware access \(read/write\) watchpoint (\d+): %s$"
                        % re.escape(WATCHED), out).group(1))

    # pwm0 there: the load and the store are reported after they happened.
    out, log = run("continue", remote_log=True)
    check_in("the load", watch_report(w, "Value = %d" % FIRST, "probe_load_done"), out)
    check_breakpoint_stop("the load", w)
    check_in("the load's stop reply", "Packet received: T05awatch:%x;" % PROBE, log)
    check_pc("after the load", "probe_load_done")
    check_eq("a0 (loaded)", reg("a0"), FIRST)
    out = run("continue")
    check_in("the store", watch_report(w, "Value = %d" % FIRST, "probe_store_done"), out)
    check_breakpoint_stop("the store", w)
    check_pc("after the store", "probe_store_done")
    to_checkpoint(stop, 2)
    rig.uart_printed("at checkpoint 2", "probe: read 0x%08x\n" % FIRST)
    check_faults("at checkpoint 2", 0)

    # pwm0 removed: the watchpoint stays and fires at the access (a
    # trigger comes before the access fault), which then faults.
    check_eq("remove", run("monitor peripheral remove pwm0"), "removed pwm0\n")
    audit("after the remove")
    check_not_in("info mtree after the remove", "pwm0", run("monitor info mtree"))
    unreadable("after the remove", PROBE)
    out, log = run("continue", remote_log=True)
    check_in("the load's stop reply (removed)", "Packet received: T05awatch:%x;" % PROBE, log)
    if kept:
        check_kept("the load (removed)", log, "Z4,%x," % PROBE)
    check_breakpoint_stop("the load (removed)", w)
    gone = "Old value = %d\nNew value = <unreadable>" % FIRST
    if hardware_step:
        check_in("the load (removed)", watch_report(w, gone, "rw_trap"), out)
        check_at_trap("the load (removed)", MCAUSE_LOAD, addr("probe_load"), PROBE)
        check_faults("the load (removed)", 0)
    else:
        check_in("the load (removed)", watch_report(w, gone, "probe_load_done"), out)
        check_pc("after the load (removed)", "probe_load_done")
        check_eq("a0 (the load wrote nothing)", reg("a0"), PROBE)
        check_faults("the load (removed)", 1, MCAUSE_LOAD, addr("probe_load"), PROBE)
    audit("after the load (removed)")
    out = run("continue")
    check_breakpoint_stop("the store (removed)", w)
    if hardware_step:
        check_in("the store (removed)", watch_report(w, "Value = <unreadable>", "rw_trap"), out)
        check_at_trap("the store (removed)", MCAUSE_STORE, addr("probe_store"), PROBE)
        check_faults("the store (removed)", 1, MCAUSE_LOAD, addr("probe_load"), PROBE)
    else:
        check_in("the store (removed)",
                 watch_report(w, "Value = <unreadable>", "probe_store_done"), out)
        check_pc("after the store (removed)", "probe_store_done")
        check_faults("the store (removed)", 2, MCAUSE_STORE, addr("probe_store"), PROBE)
    to_checkpoint(stop, 3)
    rig.uart_printed("at checkpoint 3",
                     "fault 5 at 0x%08x (pc 0x%08x)\nprobe: gone\nfault 7 at 0x%08x (pc 0x%08x)\n"
                     % (PROBE, addr("probe_load"), PROBE, addr("probe_store")))
    check_faults("at checkpoint 3", 2, MCAUSE_STORE, addr("probe_store"), PROBE)

    # A stub mapped there again, reading another value: the watchpoint
    # fires at the next access.
    check_eq("add", run("monitor peripheral add pwm0 memory-mapped-stub @0x%08x size=0x1000 "
                        "read-value=0x%08x" % (PROBE, SECOND)),
             "added pwm0 (memory-mapped-stub) at 0x%08x\n" % PROBE)
    audit("after the add")
    out, log = run("continue", remote_log=True)
    if kept:
        check_kept("the load (added again)", log, "Z4,%x," % PROBE)
    check_in("the load (added again)", watch_report(w, "Value = %d" % SECOND, "probe_load_done"),
             out)
    check_breakpoint_stop("the load (added again)", w)
    check_in("the load's stop reply (added again)", "Packet received: T05awatch:%x;" % PROBE,
             log)
    check_pc("after the load (added again)", "probe_load_done")
    check_eq("a0 (loaded from the new stub)", reg("a0"), SECOND)
    out = run("continue")
    check_in("the store (added again)",
             watch_report(w, "Value = %d" % SECOND, "probe_store_done"), out)
    check_breakpoint_stop("the store (added again)", w)
    check_pc("after the store (added again)", "probe_store_done")
    run("delete %d" % w)
    to_checkpoint(stop, 4)
    rig.uart_printed("at checkpoint 4", "probe: read 0x%08x\n" % SECOND)
    check_faults("at checkpoint 4", 2)


def apply(rig, name, summary):
    check_eq("board apply %s" % name, run("monitor board apply %s:%s" % (rig.boards, name)),
             summary)
    audit("after board apply " + name)


def itim_code():
    return bytes(gdb.selected_inferior().read_memory(addr("itim_code"), ITIM_CODE_SIZE))


def itim_now():
    return bytes(gdb.selected_inferior().read_memory(ITIM, ITIM_CODE_SIZE))


def check_itim_break(what, number, log):
    """Stopped at the breakpoint at the ITIM's start, on the firmware's
    call through a pointer (ra: the instruction after the call), with no
    Z0 for it sent during the resume."""
    check_breakpoint_stop(what, number)
    check_pc(what, ITIM)
    check_eq(what + ": ra", reg("ra"), addr("itim_call_return"))
    check_kept(what, log, "Z0,%x," % ITIM)


def itim_part(rig, stop, with_break):
    """Stages 4-6: the firmware runs code it copied to the ITIM; `board
    apply` removes the ITIM (the call takes an instruction access fault)
    and adds it again (at reset state: the firmware copies again). With
    with_break (only with `set breakpoint always-inserted on`), a
    breakpoint at the ITIM's start, held by the hart across both
    applies, fires at each call while the ITIM is there, not while it is
    gone (the fetch faults instead)."""
    itim = ITIM_RESULT
    if with_break:
        out = run("break *0x%x" % ITIM)
        b = int(check_match("break in the ITIM", r"^Breakpoint (\d+) at 0x%x$" % ITIM,
                            out).group(1))
        out, log = run("continue", remote_log=True)
        check_in("the call", "\nBreakpoint %d, 0x%08x in ?? ()\n" % (b, ITIM), out)
        check_itim_break("the call", b, log)
        check_eq("the code in the ITIM", itim_now(), itim_code())
    to_checkpoint(stop, 5)
    rig.uart_printed("at checkpoint 5", "itim: 0x%08x\n" % itim)

    apply(rig, "no-itim", "removed itim\n")
    check(not re.search(r"\): itim ", run("monitor info mtree")),
          "the ITIM is still in info mtree after board apply no-itim")
    unreadable("the ITIM removed", ITIM)
    # With the ITIM gone the breakpoint stands for no instruction: the
    # call's fetch faults as it would without it (no stop; the hart keeps
    # the breakpoint for when memory is there again).
    to_checkpoint(stop, 6)
    rig.uart_printed("at checkpoint 6", "fault 1 at 0x%08x (pc 0x%08x)\nitim: 0x00000000\n"
                     % (ITIM, ITIM))
    check_faults("at checkpoint 6", 3, MCAUSE_FETCH, ITIM, ITIM)

    apply(rig, "with-itim", "added itim\n")
    check_match("info mtree after board apply with-itim",
                r"^ +0+8000000-0+8001fff \(prio 0, ram\): itim \[owner itim\]$",
                run("monitor info mtree"))
    check_eq("the new ITIM (reset state)", itim_now(), bytes(ITIM_CODE_SIZE))
    if with_break:
        out, log = run("continue", remote_log=True)
        check_in("the call (added again)", "\nBreakpoint %d, 0x%08x in ?? ()\n" % (b, ITIM), out)
        check_itim_break("the call (added again)", b, log)
        check_eq("the code copied again", itim_now(), itim_code())
        audit("at the breakpoint (added again)")
    cont_to_exit(0)
    rig.uart_printed("at the exit", "itim: 0x%08x\ndone\n" % itim)
