"""Second half of detach_reattach: a new gdb connects to the firmware that
ran on after detach.py left, looping in spin (spins has grown from 0);
clearing hold lets it exit normally."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gdbtest import *  # noqa: E402,F401,F403


def body():
    check_eq("frame at connection", frame_name(), "spin")
    check_eq("hold", value("hold"), 1)
    spins = value("spins")
    check(spins > 0, "spins is 0: the firmware did not run after the detach")
    out = run("info breakpoints")
    check_in("no breakpoints", "No breakpoints or watchpoints.", out)
    run("set var hold = 0")
    cont_to_exit(EXIT_DEFAULT)


test(body)
