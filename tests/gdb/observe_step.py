"""observe (run_gdb.py), under gdb stepping: to work (the first round,
with the timer interrupt running), then 2000 single steps (`set osabi
none`: each one a step of the stub, across interrupts), then continue;
the firmware runs to its end exactly as it does without gdb."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gdbtest import *  # noqa: E402,F401,F403
from observe import check_interrupts_counted, finish  # noqa: E402

STEPS = 2000


def body():
    run("set osabi none")
    cont_to("work")
    before = value("irq_count")
    insns = reg("minstret")
    run("stepi %d" % STEPS)
    # Each step retires one instruction, except one that takes an
    # interrupt: it stops on the handler's first instruction.
    retired = reg("minstret") - insns
    check(STEPS - 50 <= retired <= STEPS,
          "stepi %d retired %d instructions" % (STEPS, retired))
    check_interrupts_counted("after stepi %d" % STEPS, before)
    finish()


test(body)
