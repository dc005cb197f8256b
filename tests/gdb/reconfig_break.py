"""Breakpoints and watchpoints the hart holds while gdb changes the board
under them: `set breakpoint always-inserted on` (gdb inserts each once and
leaves it in the target while stopped) and `set osabi none` (gdb steps
with vCont;s, so a step whose instruction faults ends at the trap vector).
On tests/gdb/fw/reconfig_watch.c, steps in reconfig_steps.py:
- `awatch` on pwm0's first register, as in reconfig_watch.py; with pwm0
  removed the watchpoint fires before the access, and stepping over it
  lands on the trap vector with mcause 5 (then 7), mepc the load (store)
  and mtval the register; with pwm0 added again it fires at the next load
  with the new value; gdb sent no Z4 in between: the hart kept it;
- `break *0x8000000` (the start of the ITIM, where the firmware copies a
  function and calls it through a pointer): it fires with the ITIM there;
  after `monitor board apply` removes the ITIM it stays and fires before
  the fetch (the pc unreadable), and the continue takes the instruction
  access fault the firmware handles; after the ITIM is added again and
  the firmware copies the code again it fires once more, with the code
  readable there. gdb sent no Z0 for it in between: the hart kept it.
UART0's whole output is checked at each checkpoint, `monitor audit` after
each change, and the firmware exits 0."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gdbtest import *  # noqa: E402,F401,F403
from reconfig_steps import Rig, start, watch_part, itim_part  # noqa: E402


def body():
    run("set osabi none")
    run("set breakpoint always-inserted on")
    rig = Rig()
    stop = start(rig)
    watch_part(rig, stop, hardware_step=True, kept=True)
    itim_part(rig, stop, with_break=True)
    rig.close()


test(body)
