"""reverse-continue to a watchpoint: the last write of a variable before
the present. From writes_done (tally 30), `watch tally` and
reverse-continue stop at each store of writes in turn, latest first,
with gdb printing the value after the store as Old and the one before it
as New, the pc on the store (the stub stops just after the access and
reports T05watch:ADDR; gdb, whose RISC-V watchpoints trigger before the
access, steps back over it with bs, then compares): 30 -> 20 at
tally_store_3, 20 -> 10 at tally_store_2, 10 -> 0 at tally_store_1; then
crt0's clearing of .bss writes 0 over 0 (no change: gdb goes on) and the
history runs out at the start. Forwards again, the watchpoint reports the
first store (0 -> 10), pc after it."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gdbtest import *  # noqa: E402,F401,F403
from reverse_common import *  # noqa: E402,F401,F403


def body():
    cont_to("*writes_done")
    out = run("watch tally")
    number = int(check_match("watch tally", r"^Hardware watchpoint (\d+): tally$",
                             out).group(1))
    tally = addr("tally")
    for old, new, store in ((30, 20, "tally_store_3"), (20, 10, "tally_store_2"),
                            (10, 0, "tally_store_1")):
        out, log = run("reverse-continue", remote_log=True)
        check_in("reverse watch report %d -> %d" % (old, new),
                 "\nHardware watchpoint %d: tally\n\nOld value = %d\nNew value = %d\n"
                 "0x%08x in writes ()\n" % (number, old, new, addr(store)), out)
        check_breakpoint_stop("reverse watch %d -> %d" % (old, new), number)
        check_pc("pc on the store", store)
        check_eq("tally before the store", value("tally"), new)
        received, sent = packets_received(log), packets_sent(log)
        stop = "T05watch:%x;" % tally
        check(stop in received, "no %s in the packets received:\n%s" % (stop, log))
        check("bc" in sent and "bs" in sent[sent.index("bc"):],
              "gdb did not step back over the access after the watch stop: %r" % sent)
    reverse_to_start()
    check_pc("the start of the history", RESET_PC)

    out = run("continue")
    check_in("forward watch report", "\nHardware watchpoint %d: tally\n\nOld value = 0\n"
             "New value = 10\n0x%08x in writes ()\n" % (number, addr("tally_store_1") + 4),
             out)
    run("delete %d" % number)
    cont_to_exit(EXIT_STATUS)


test(body)
