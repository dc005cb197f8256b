"""Stopping a running firmware: spin loops while hold is set. Once with
gdb's `interrupt` command, once with Ctrl-C (SIGINT to gdb); both send
0x03 and the stub answers T02 (SIGINT) with the pc in the loop.

gdb 13 in batch mode runs a script's commands one at a time: after
`continue &` its event loop does not run until the script ends, so the
stop is never seen. Instead the script runs a plain `continue` and a
thread, once gdb has resumed the target, posts `interrupt` to gdb's event
loop (gdb.post_event) or sends SIGINT to gdb itself."""
import os
import signal
import sys
import threading
import time
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gdbtest import *  # noqa: E402,F401,F403


def interrupt_later(how):
    def later():
        if not RESUMED.wait(20):
            return
        time.sleep(0.2)  # let it run a little
        if how == "command":
            gdb.post_event(lambda: gdb.execute("interrupt"))
        else:
            os.kill(os.getpid(), signal.SIGINT)
    RESUMED.clear()
    t = threading.Thread(target=later, daemon=True)
    t.start()
    return t


def stop_in_spin(how, spins_before):
    t = interrupt_later(how)
    out, log = run("continue", remote_log=True)
    t.join(5)
    check_in("interrupted (%s)" % how, "\nProgram received signal SIGINT, Interrupt.\n", out)
    check_signal_stop("interrupted (%s)" % how, "SIGINT")
    check_in("stop reply (%s)" % how, "Packet received: T02", log)
    check_eq("frame (%s)" % how, frame_name(), "spin")
    spin = gdb.block_for_pc(pc()).function
    check(spin is not None and spin.name == "spin", "pc 0x%x is not in spin" % pc())
    spins = value("spins")
    check(spins > spins_before, "spins %d: the loop did not run (before: %d)" % (spins, spins_before))
    return spins


def body():
    cont_to("spin")
    check_eq("spins", value("spins"), 0)
    run("set var hold = 1")
    spins = stop_in_spin("command", 0)
    spins = stop_in_spin("ctrl-c", spins)
    run("set var hold = 0")
    cont_to_exit(EXIT_DEFAULT)


test(body)
