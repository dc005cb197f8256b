"""`watch` on a global in the DTIM: three stores (bump: counter 0 -> 1 -> 2
-> 3). The stub reports each before the store (T05watch:ADDR with the pc
on the sw); gdb steps over it and prints the old and new values."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gdbtest import *  # noqa: E402,F401,F403


def body():
    cont_to("main")   # crt0 has zeroed .bss
    check_eq("counter at main", value("counter"), 0)
    out = run("watch counter")
    m = check_match("watch counter", r"^Hardware watchpoint (\d+): counter$", out)
    number = int(m.group(1))
    counter = addr("counter")
    for old in range(3):
        out, log = run("continue", remote_log=True)
        check_in("watch report %d" % old,
                 "\nHardware watchpoint %d: counter\n\nOld value = %d\nNew value = %d\n"
                 "0x%08x in bump ()\n" % (number, old, old + 1, addr("bump_done")), out)
        check_breakpoint_stop("watch %d" % old, number)
        check_pc("pc after the store", "bump_done")
        check_eq("counter", value("counter"), old + 1)
        # The stub stopped before the store: T05watch with counter's
        # address, and the pc in the following g reply on the sw.
        received = packets_received(log)
        stop = "T05watch:%x;" % counter
        check(stop in received, "no %s in the packets received:\n%s" % (stop, log))
        g = [p for p in received[received.index(stop):] if re.fullmatch(r"[0-9a-f]{264}", p)]
        check(g, "no g reply after %s" % stop)
        check_eq("pc the stub reported the watchpoint at", g_reply_pc(g[0]), addr("bump_store"))
    run("delete %d" % number)
    cont_to_exit(EXIT_DEFAULT)


test(body)
