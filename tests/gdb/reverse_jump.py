"""Going back across a `jump` (gdb sets the pc, an input the log keeps at
the position where the pc was written, before it moved). At the
breakpoint on tally_store_2 (tally 10, t1 20), `jump *tally_store_3`
skips the second store and the `li t1, 30` after it, so tally_store_3
stores 20. From writes_done, with `watch tally`, reverse-continue stops
at tally_store_3 (20 -> 10) and then at tally_store_1 (10 -> 0): the
second store never ran in this history. Forwards again the re-executed
run jumps at the same point: the watchpoint reports tally_store_1
(0 -> 10), then tally_store_3 (10 -> 20)."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gdbtest import *  # noqa: E402,F401,F403
from reverse_common import *  # noqa: E402,F401,F403


def watch_report(number, old, new, pc_after):
    return ("\nHardware watchpoint %d: tally\n\nOld value = %d\nNew value = %d\n"
            "0x%08x in writes ()\n" % (number, old, new, pc_after))


def body():
    cont_to("*tally_store_2")
    check_eq("tally", value("tally"), 10)
    run("tbreak *writes_done")
    out = run("jump *tally_store_3")
    check_in("jump to tally_store_3", "Temporary breakpoint", out)
    check_pc("after the jump", "writes_done")
    check_eq("tally after the jump (t1 was 20)", value("tally"), 20)

    out = run("watch tally")
    number = int(check_match("watch tally", r"^Hardware watchpoint (\d+): tally$",
                             out).group(1))
    out = run("reverse-continue")
    check_in("back to the store after the jump",
             watch_report(number, 20, 10, addr("tally_store_3")), out)
    out = run("reverse-continue")
    check_in("back over the jump to the first store",
             watch_report(number, 10, 0, addr("tally_store_1")), out)

    out = run("continue")
    check_in("forwards: the first store", watch_report(number, 0, 10,
                                                       addr("tally_store_1") + 4), out)
    out = run("continue")
    check_in("forwards: the jump again, then the third store",
             watch_report(number, 10, 20, addr("tally_store_3") + 4), out)
    run("delete")
    cont_to_exit(EXIT_STATUS)


test(body)
