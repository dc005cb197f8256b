"""Memory and registers, read and written: `x/8xw` of an initialised array
in the DTIM, a variable written in RAM (knob: 1 -> 4) and an argument
register written at a breakpoint in flash; the firmware's exit status
shows both took effect: square_plus(7) + 3 = 53 instead of 13."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gdbtest import *  # noqa: E402,F401,F403


def body():
    cont_to("main")   # crt0 has copied .data to the DTIM
    table = addr("table")
    check(0x80000000 <= table < 0x80004000, "table is not in the DTIM")
    out = run("x/8xw &table")
    check_eq("x/8xw &table", out,
             "0x%08x <table>:\t0x11111111\t0x22222222\t0x33333333\t0x44444444\n"
             "0x%08x <table+16>:\t0x55555555\t0x66666666\t0x77777777\t0x88888888\n"
             % (table, table + 16))
    out = run("x/2xh 0x%x" % (table + 6))
    check_eq("x/2xh across words", out, "0x%08x <table+6>:\t0x2222\t0x3333\n" % (table + 6))
    out = run("x/3xb 0x%x" % (table + 15))
    check_eq("x/3xb unaligned", out, "0x%08x <table+15>:\t0x44\t0x55\t0x55\n" % (table + 15))

    check_eq("knob", value("knob"), 1)
    run("set var knob = 4")
    check_eq("x/dw &knob", run("x/dw &knob"), "0x%08x <knob>:\t4\n" % addr("knob"))
    run("set var table[2] = 0xdeadbeef")     # main does not read table[2]
    check_eq("table[2] written", value("table[2]"), 0xdeadbeef)
    check_eq("table[1] and [3] kept", (value("table[1]"), value("table[3]")),
             (0x22222222, 0x44444444))

    # main calls square_plus(knob + 2): the write is seen as x = 6.
    cont_to("square_plus")
    check_eq("x (a0) after knob = 4", reg("a0"), 6)
    check_in("frame", "square_plus (x=6)", run("frame"))
    run("set var $a0 = 7")                  # a register write: x = 7
    check_eq("a0 written", reg("a0"), 7)
    cont_to_exit(7 * 7 + 1 + 3)


test(body)
