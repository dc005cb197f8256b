"""`awatch` on counter (bump loads it, then stores it + 1) and `rwatch`
on sink (peek loads it once, 77): gdb reports reads with their value and
writes with old and new values, each after stepping over the access."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gdbtest import *  # noqa: E402,F401,F403


def body():
    cont_to("main")
    out = run("awatch counter")
    m = check_match("awatch counter",
                    r"^Hardware access \(read/write\) watchpoint (\d+): counter$", out)
    number = int(m.group(1))
    head = "\nHardware access (read/write) watchpoint %d: counter\n\n" % number
    after_load = addr("bump_load") + 4
    for n in range(2):
        out = run("continue")    # bump's lw
        check_in("awatch read %d" % n, head + "Value = %d\n0x%08x in bump ()\n" % (n, after_load), out)
        check_breakpoint_stop("awatch read %d" % n, number)
        check_pc("pc after the load", after_load)
        check_eq("t1 (loaded)", reg("t1"), n)
        out = run("continue")    # bump's sw
        check_in("awatch write %d" % n, head + "Old value = %d\nNew value = %d\n0x%08x in bump ()\n"
                 % (n, n + 1, addr("bump_done")), out)
        check_breakpoint_stop("awatch write %d" % n, number)
        check_pc("pc after the store", "bump_done")
    run("delete %d" % number)

    sink = addr("sink")
    out = run("rwatch sink")
    m = check_match("rwatch sink", r"^Hardware read watchpoint (\d+): sink$", out)
    number = int(m.group(1))
    out, log = run("continue", remote_log=True)
    check_in("rwatch report", "\nHardware read watchpoint %d: sink\n\nValue = 77\n"
             "0x%08x in peek ()\n" % (number, addr("peek_done")), out)
    check_breakpoint_stop("rwatch", number)
    check_pc("pc after the load", "peek_done")
    check_eq("a0 (loaded)", reg("a0"), 77)
    check_in("Z3 packet", "Sending packet: $Z3,%x,4#" % sink, log)
    check_in("stop reply", "Packet received: T05rwatch:%x;" % sink, log)
    run("delete %d" % number)
    cont_to_exit(EXIT_DEFAULT)


test(body)
