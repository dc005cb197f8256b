"""observe (run_gdb.py), under gdb with a watchpoint on checksum (which
the interrupt handler rewrites every time): hit and continued 20 times,
then deleted; the firmware then runs to its end exactly as it does
without gdb."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gdbtest import *  # noqa: E402,F401,F403
from observe import check_interrupts_counted, finish  # noqa: E402

HITS = 20


def body():
    out = run("watch checksum")
    number = int(check_match("watch checksum", r"^Hardware watchpoint (\d+): checksum$",
                             out).group(1))
    count = -1
    for hit in range(1, HITS + 1):
        out = run("continue")
        check_in("hit %d" % hit, "Hardware watchpoint %d: checksum" % number, out)
        check_breakpoint_stop("hit %d" % hit, number)
        count = check_interrupts_counted("hit %d" % hit, count)
    run("delete %d" % number)
    finish()


test(body)
