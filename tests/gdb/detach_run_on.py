"""`detach` at a breakpoint: the firmware runs on to its end without gdb
and the simulator exits with the firmware's status (13)."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gdbtest import *  # noqa: E402,F401,F403


def body():
    cont_to("square_plus")
    run("break bump")           # gdb removes its breakpoints when it detaches
    out = run("detach")
    check_in("detach", "[Inferior 1 (Remote target) detached]", out)


test(body)
