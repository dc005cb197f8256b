"""stepi with `set osabi none`: gdb asks the stub for single steps
(vCont;s), into and out of a trap handler, over compressed and 32-bit
instructions, branches taken and not, and a return. See stepping.py."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gdbtest import *  # noqa: E402,F401,F403
from stepping import check_stepping  # noqa: E402


def body():
    run("set osabi none")
    check_in("show osabi", 'The current OS ABI is "none".', run("show osabi"))
    check_stepping(hardware=True)
    cont_to_exit(EXIT_DEFAULT)


test(body)
