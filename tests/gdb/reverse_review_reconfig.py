"""Reverse execution across `monitor peripheral remove` and `add` (run on
tests/gdb/fw/reverse.c, hifive1-test): pwm0 is removed at tally_store_2
and added back (with another cmp-width) at writes_done. Going back to
tally_store_1 (before both) the board is the original one, pwm0 there as
it was; forwards, the removal and the addition are replayed at their
positions: between them pwm0 is absent (reading it faults), after them it
is the added one; the present's board is the same again, and the run ends
with its UART output printed once."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gdbtest import *  # noqa: E402,F401,F403
from reverse_common import *  # noqa: E402,F401,F403

PWM0 = 0x10015000
ADD = "monitor peripheral add pwm0 sifive,pwm0 @0x10015000 size=0x1000 cmp-width=16"


def pwm_listing():
    out = run("monitor info peripherals")
    lines = [l for l in out.splitlines() if l.split()[:1] == ["pwm0"]]
    return lines[0] if lines else None


def readable(address):
    try:
        gdb.execute("x/wx 0x%x" % address, to_string=True)
        return True
    except gdb.error:
        return False


def body():
    b1 = break_at("*tally_store_1")
    run("continue")
    check_breakpoint_stop("tally_store_1", b1)
    original = pwm_listing()
    check("pwm0 listed at the start", original is not None)
    at_1 = registers()
    cont_to("*tally_store_2")
    check_eq("remove", run("monitor peripheral remove pwm0"), "removed pwm0\n")
    b_mid = break_at("*tally_store_3")
    run("continue")
    check_breakpoint_stop("tally_store_3", b_mid)
    check("pwm0 absent at tally_store_3", not readable(PWM0))
    cont_to("*writes_done")
    run(ADD)
    added = pwm_listing()
    check("pwm0 listed after the add", added is not None and added != original)
    at_done = registers()
    for i in range(2):
        run("reverse-continue")
        check_breakpoint_stop("round %d: back to tally_store_3" % i, b_mid)
        check("round %d: pwm0 absent at tally_store_3, backwards" % i, not readable(PWM0))
        check_eq("round %d: pwm0's listing at tally_store_3, backwards" % i, pwm_listing(),
                 None)
        run("reverse-continue")
        check_breakpoint_stop("round %d: back to tally_store_1" % i, b1)
        check_registers("round %d: tally_store_1" % i, registers(), at_1)
        check_eq("round %d: pwm0 at tally_store_1" % i, pwm_listing(), original)
        check("round %d: pwm0 readable at tally_store_1" % i, readable(PWM0))
        run("continue")
        check_breakpoint_stop("round %d: tally_store_3" % i, b_mid)
        check("round %d: pwm0 absent at tally_store_3" % i, not readable(PWM0))
        check_eq("round %d: pwm0's listing at tally_store_3" % i, pwm_listing(), None)
        cont_to("*writes_done")
        check_registers("round %d: writes_done" % i, registers(), at_done)
        check_eq("round %d: pwm0 at writes_done" % i, pwm_listing(), added)
    run("delete")
    cont_to_exit(EXIT_STATUS)


test(body)
