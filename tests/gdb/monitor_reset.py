"""`monitor reset` at a breakpoint in main: the hart goes back to the reset
pc at once (gdb re-reads the registers), crt0 runs again (the breakpoint
in main is hit a second time) and the firmware exits normally."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gdbtest import *  # noqa: E402,F401,F403


def body():
    number = break_at("main")
    run("continue")
    check_breakpoint_stop("main", number)
    run("set var knob = 4")      # memories keep their contents across a reset...
    out = run("monitor reset")
    check_eq("monitor reset", out, "reset; pc = 0x%08x\n" % RESET_PC)
    run("maintenance flush register-cache")
    check_pc("pc after monitor reset", RESET_PC)
    check_eq("frame after monitor reset", frame_name(), "_start")
    out = run("continue")
    check_breakpoint_stop("main after the reset", number)
    check_eq("breakpoint hits", gdb.breakpoints()[0].hit_count, 2)
    check_eq("knob (crt0 copied .data again)", value("knob"), 1)
    cont_to_exit(EXIT_DEFAULT)


test(body)
