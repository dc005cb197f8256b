"""The firmware's exit reaches gdb with its status (W packet): 13, printed
by gdb in octal; afterwards gdb has no process."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gdbtest import *  # noqa: E402,F401,F403


def body():
    out, log = run("continue", remote_log=True)
    check_in("exit report", "[Inferior 1 (Remote target) exited with code 015]\n", out)
    check_eq("exited event", last_stop(), ("exited", EXIT_DEFAULT))
    check_eq("$_exitcode", value("$_exitcode"), EXIT_DEFAULT)
    check_in("W packet", "Packet received: W0d", log)
    check_in("no registers", "The program has no registers now.", run_error("info registers"))


test(body)
