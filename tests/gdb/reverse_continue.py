"""reverse-continue (the `bc` packet) to a breakpoint on
tests/gdb/fw/reverse.c: from writes_done (tally 30) back to the
breakpoint on tally_store_2, where tally is still 10 and t1 holds the 20
about to be stored; again, with no earlier hit, back to the start of the
run ("No more reverse-execution history", pc at _start, tally 0 as crt0
left .bss); then forwards to the same breakpoint, in the same state
register for register, and on to the end: the UART lines printed while
the run went back and forth come out once (run_gdb.py checks)."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gdbtest import *  # noqa: E402,F401,F403
from reverse_common import *  # noqa: E402,F401,F403


def body():
    cont_to("*writes_done")
    check_eq("tally at writes_done", value("tally"), 30)
    number = break_at("*tally_store_2")
    out, log = run("reverse-continue", remote_log=True)
    check_match("stop report", r"^Breakpoint %d, 0x%08x in writes \(\)$"
                % (number, addr("tally_store_2")), out)
    check_breakpoint_stop("reverse-continue to tally_store_2", number)
    check_in("the stub was asked to go back (bc)", "bc", packets_sent(log))
    check_in("the stop reply", "T05swbreak:;", packets_received(log))
    check_pc("pc on the breakpoint", "tally_store_2")
    check_eq("tally before the second store", value("tally"), 10)
    check_eq("t1 (about to be stored)", reg("t1"), 20)
    backwards = registers()

    out, log = run("reverse-continue", remote_log=True)
    check_in("reverse-continue without an earlier hit", NO_HISTORY, out)
    check_in("the stop reply at the start", "T05replaylog:begin;", packets_received(log))
    check_pc("the start of the history", RESET_PC)
    check_eq("tally at the start", value("tally"), 0)
    reverse_to_start("reverse-stepi")

    out = run("continue")
    check_match("forward to the breakpoint", r"^Breakpoint %d, 0x%08x in writes \(\)$"
                % (number, addr("tally_store_2")), out)
    check_registers("the breakpoint reached forwards", registers(), backwards)
    run("delete")
    cont_to_exit(EXIT_STATUS)


test(body)
