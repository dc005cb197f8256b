"""Going back a long way (run_gdb.py runs this with --reverse-interval
100000 --reverse-snapshots 8, so the 3 million instructions of long_run
span many snapshots and the ring is thinned several times): from
after_long, reverse-stepi lands on the loop's last test (before_long,
a0 0) and stepi comes back to the state after_long had, register for
register; reverse-continue to a breakpoint on long_run's entry, over 3
million instructions back, lands on the state a forward run showed there
(every register, the instruction and cycle counters, mstatus...); and
forwards from there the run reaches after_long in the same state again,
then ends as a run without gdb does (its UART lines once)."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gdbtest import *  # noqa: E402,F401,F403
from reverse_common import *  # noqa: E402,F401,F403


def body():
    cont_to("*long_run")
    at_entry = registers()
    check_eq("a0 at long_run (its rounds)", at_entry["a0"], LONG_ROUNDS)
    check_eq("mix before long_run", value("mix"), 0)
    cont_to("*after_long")
    at_end = registers()
    check_eq("a1 after the rounds", at_end["a1"], long_run_result(LONG_ROUNDS))
    spent = at_end["minstret"] - at_entry["minstret"]
    check(spent > 3000000, "long_run retired %d instructions, expected over 3 million"
          % spent)

    run("reverse-stepi")
    check_pc("reverse-stepi from after_long", "before_long")
    check_eq("a0 at the loop's last test", reg("a0"), 0)
    check_eq("minstret one back", reg("minstret"), at_end["minstret"] - 1)
    run("stepi")
    check_pc("stepi", "after_long")
    check_registers("after_long, one step back and forth", registers(), at_end)

    number = break_at("*long_run")
    out = run("reverse-continue")
    check_in("reverse-continue over the long loop",
             "\nBreakpoint %d, 0x%08x in long_run ()\n" % (number, addr("long_run")), out)
    check_registers("long_run's entry, reached backwards", registers(), at_entry)
    check_eq("mix before long_run", value("mix"), 0)
    run("delete")

    cont_to("*after_long")
    check_registers("after_long, reached forwards again", registers(), at_end)
    cont_to_exit(EXIT_STATUS)


test(body)
