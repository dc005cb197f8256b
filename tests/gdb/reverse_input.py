"""An input while the run is in the past changes the future (run_gdb.py
runs this with --reverse-interval 100000 --reverse-snapshots 8). After
long_run has run its 600000 rounds, reverse-continue goes back to its
entry, where gdb writes a0 = 250000 (fewer rounds): the history after
that point is dropped (snapshots and logged inputs), so forwards the run
is live and different (a1 is 250000 rounds' result), and going back and
forth in the new history lands on its states, not the old one's:
reverse-stepi from after_long reaches the last loop test, stepi returns
to the same state, and reverse-continue to long_run's entry shows
a0 = 250000 as written (the write replayed at its position)."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gdbtest import *  # noqa: E402,F401,F403
from reverse_common import *  # noqa: E402,F401,F403

ROUNDS = 250000


def back_to_entry(what):
    number = break_at("*long_run")
    out = run("reverse-continue")
    check_in(what, "\nBreakpoint %d, 0x%08x in long_run ()\n" % (number, addr("long_run")),
             out)
    run("delete %d" % number)


def body():
    cont_to("*after_long")
    check_eq("a1 after all the rounds", reg("a1"), long_run_result(LONG_ROUNDS))
    back_to_entry("reverse-continue to long_run")
    check_eq("a0 at long_run", reg("a0"), LONG_ROUNDS)
    run("set var $a0 = %d" % ROUNDS)

    cont_to("*after_long")
    check_eq("a1 after the rounds written", reg("a1"), long_run_result(ROUNDS))
    at_end = registers()
    run("reverse-stepi")
    check_pc("reverse-stepi in the new history", "before_long")
    check_eq("a0 at the last loop test", reg("a0"), 0)
    run("stepi")
    check_registers("after_long, one step back and forth", registers(), at_end)

    back_to_entry("reverse-continue in the new history")
    check_eq("a0 at long_run (as written)", reg("a0"), ROUNDS)
    cont_to("*after_long")
    check_registers("after_long, forwards again", registers(), at_end)
    cont_to_exit(EXIT_STATUS)


test(body)
