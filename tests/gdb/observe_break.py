"""observe (run_gdb.py), under gdb with a breakpoint in the interrupt
handler: hit and continued 50 times, then deleted; the firmware then runs
to its end exactly as it does without gdb."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gdbtest import *  # noqa: E402,F401,F403
from observe import check_interrupts_counted, finish  # noqa: E402

HITS = 50


def body():
    number = break_at("timer_handler")
    count = -1
    for hit in range(1, HITS + 1):
        run("continue")
        check_breakpoint_stop("hit %d" % hit, number)
        check_eq("frame at hit %d" % hit, frame_name(), "timer_handler")
        count = check_interrupts_counted("hit %d" % hit, count)
    check_eq("hit count", gdb.breakpoints()[0].hit_count, HITS)
    run("delete %d" % number)
    finish()


test(body)
