"""--no-reverse: the stub offers no reverse execution (qSupported without
ReverseStep+ and ReverseContinue+), so gdb refuses reverse-stepi and
reverse-continue itself; the run goes on as usual."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gdbtest import *  # noqa: E402,F401,F403
from reverse_common import *  # noqa: E402,F401,F403


def body():
    cont_to("*writes_done")
    not_supported("reverse-stepi")
    not_supported("reverse-continue")
    check_pc("still at writes_done", "writes_done")
    cont_to_exit(EXIT_STATUS)


test(body)
