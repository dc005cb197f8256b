"""First half of detach_reattach: stop in spin, set hold so the firmware
loops, and detach; the firmware runs on without gdb. reattach.py
connects next."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gdbtest import *  # noqa: E402,F401,F403


def body():
    cont_to("spin")
    check_eq("spins", value("spins"), 0)
    run("set var hold = 1")
    run("delete")
    out, log = run("detach", remote_log=True)
    check_in("detach", "[Inferior 1 (Remote target) detached]", out)
    check_in("D packet", "Sending packet: $D#44", log)


test(body)
