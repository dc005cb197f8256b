"""`kill` at a breakpoint ends the simulator with status 122."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gdbtest import *  # noqa: E402,F401,F403


def body():
    cont_to("square_plus")
    out, log = run("kill", remote_log=True)
    check_in("kill", "[Inferior 1 (Remote target) killed]", out)
    sent = packets_sent(log)
    check(any(p == "k" or p.startswith("vKill") for p in sent),
          "no k/vKill packet sent: %r" % sent)


test(body)
