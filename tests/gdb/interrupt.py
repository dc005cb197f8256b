"""Stopping a running firmware: spin loops while hold is set. Once with
gdb's `interrupt` command, once with Ctrl-C (SIGINT to gdb); both send
0x03 and the stub answers T02 (SIGINT) with the pc in the loop."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gdbtest import *  # noqa: E402,F401,F403


def stop_in_spin(how, spins_before):
    out, log = continue_interrupted("interrupted (%s)" % how, how, remote_log=True)
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
