"""Reverse execution across the end of a UART's input (run_gdb.py runs
this on virt32 with tests/firmware/uart_echo.c, its UART reading the file
tests/firmware/uart_echo.in, which ends with "bye").

Forwards to the last printf (the file has been read to its end, the
backend's input has ended), back to main, and forwards again: the
re-execution must be fed the file's bytes from the log as the first run
read them (the end of the input was not there yet at main), so it reaches
the present again instead of sleeping in wfi for ever; then the run ends
as a run without gdb does, its output printed once."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gdbtest import *  # noqa: E402,F401,F403
from reverse_common import *  # noqa: E402,F401,F403

SOURCE = os.path.join(TOP, "tests", "firmware", "uart_echo.c")


def line_of_text(text):
    with open(SOURCE) as f:
        for number, line in enumerate(f, 1):
            if text in line:
                return number
    raise TestFailure("no %r in %s" % (text, SOURCE))


def body():
    number = break_at("main")
    run("continue")
    check_breakpoint_stop("main", number)
    at_main = registers()
    cont_to("uart_echo.c:%d" % line_of_text('printf("%u lines'))
    at_end = registers()
    for i in range(2):
        run("reverse-continue")
        check_breakpoint_stop("round %d: back at main" % i, number)
        check_registers("round %d: back at main" % i, registers(), at_main)
        cont_to("uart_echo.c:%d" % line_of_text('printf("%u lines'))
        check_registers("round %d: the last printf again" % i, registers(), at_end)
    run("delete")
    cont_to_exit(0)


test(body)
