"""stepi with gdb's default OS ABI (GNU/Linux on Debian): gdb steps with
temporary breakpoints, over an ecall (its handler runs), compressed and
32-bit instructions, branches taken and not, and a return. See
stepping.py."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gdbtest import *  # noqa: E402,F401,F403
from stepping import check_stepping  # noqa: E402


def body():
    check_in("show osabi", 'The current OS ABI is "auto" (currently "GNU/Linux").',
             run("show osabi"))
    check_stepping(hardware=False)
    cont_to_exit(EXIT_DEFAULT)


test(body)
