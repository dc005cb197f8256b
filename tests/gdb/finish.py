"""`finish` out of a C function in flash: gdb stops at the return address
in main and prints the returned value (square_plus(3) = 10)."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gdbtest import *  # noqa: E402,F401,F403


def body():
    number = break_at("square_plus")
    out = run("continue")
    check_match("stop report", r"^Breakpoint %d, square_plus \(x=3\) at .*gdbtarget\.c:\d+$"
                % number, out)
    check_breakpoint_stop("break square_plus", number)
    check_pc("pc at square_plus", "square_plus")
    check_eq("x", value("x"), 3)
    bt = run("bt")
    check_match("bt #0", r"^#0  square_plus \(x=3\) at .*gdbtarget\.c:\d+$", bt)
    ret = reg("ra")
    check_match("bt #1", r"^#1  0x%08x in main \(\) at .*gdbtarget\.c:\d+$" % ret, bt)
    run("delete %d" % number)

    out = run("finish")
    check_match("finish", r"^Value returned is \$\d+ = 10$", out)
    check_match("finish stops in main", r"^0x%08x in main \(\) at " % ret, out)
    check_pc("pc after finish (the return address)", ret)
    check_eq("frame", frame_name(), "main")
    check_eq("a0", reg("a0"), 10)
    check_eq("$ (the returned value)", value("$"), 10)
    cont_to_exit(EXIT_DEFAULT)


test(body)
