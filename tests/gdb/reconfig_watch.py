"""A watchpoint on a peripheral's register that gdb removes and maps again,
with gdb as Debian ships it (GNU/Linux OS ABI: it steps over a stop with
a temporary breakpoint; breakpoints inserted only while running). On
tests/gdb/fw/reconfig_watch.c, steps in reconfig_steps.py:
- `awatch` on pwm0's first register (a memory-mapped-stub, read-value
  set live): the firmware's load and store are reported with the value;
- `monitor peripheral remove pwm0`: the watchpoint stays and fires at the
  next load and store (the value <unreadable>), which take a load (5) and
  a store (7) access fault; the firmware's handler counts, prints and
  skips them (a0 keeps the address: the load wrote nothing);
- `monitor peripheral add pwm0 ...` with another read-value: the
  watchpoint fires at the next load, reporting the new value;
- `monitor board apply` removes the ITIM the firmware runs code from: the
  call takes an instruction access fault (1) it handles; a second apply
  adds it again at reset state (zeros) and the firmware copies and runs
  the code again.
UART0's whole output is checked at each checkpoint, `monitor audit` after
each change, and the firmware exits 0."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gdbtest import *  # noqa: E402,F401,F403
from reconfig_steps import Rig, start, watch_part, itim_part  # noqa: E402


def body():
    check_in("show osabi", '(currently "GNU/Linux")', run("show osabi"))
    rig = Rig()
    stop = start(rig)
    watch_part(rig, stop, hardware_step=False, kept=False)
    itim_part(rig, stop, with_break=False)
    rig.close()


test(body)
