"""Reverse execution across bytes queued with `monitor uart NAME send`
(run_gdb.py runs this on virt32 with tests/firmware/uart_echo.c, whose
UART has no input of its own: stdin is /dev/null).

A line longer than the UART's 16-byte FIFO is queued at the start, so when
the receive interrupt first comes the device has taken 16 bytes and the
rest still wait in the queue. reverse-continue then goes back to before
the `send` was applied; the queue must be what it was there (empty, then
filled by the logged `send` replayed at its position), not what it is at
the present plus the bytes sent again. Back and forth several times, each
time the state at the interrupt must be the same, and the echo printed
once, exactly as a run without gdb prints it (run_gdb.py checks the
output)."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gdbtest import *  # noqa: E402,F401,F403
from reverse_common import *  # noqa: E402,F401,F403

TEXT = "a line longer than the sixteen bytes of the FIFO\\nbye\\n"
ROUNDS = 3


def body():
    out = run('monitor uart uart0 send "%s"' % TEXT)
    check_in("send", "uart0: queued 53 bytes", out)
    number = break_at("isr")
    run("continue")
    check_breakpoint_stop("the first receive interrupt", number)
    first = registers()
    for i in range(ROUNDS):
        reverse_to_start()
        run("continue")
        check_breakpoint_stop("round %d: the first receive interrupt" % i, number)
        check_registers("round %d: the first receive interrupt" % i, registers(), first)
    run("delete")
    cont_to_exit(0)


test(body)
