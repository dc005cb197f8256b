"""What the three observe_*.py sessions share (see run_gdb.py's observe
test and tests/gdb/fw/observed.c): each observes the interrupt-heavy
firmware in its own way, then lets it run to its end; run_gdb.py then
compares the UART output (which ends with minstret and mcycle) and the
exit status with a run without gdb."""
import gdb

from gdbtest import check, check_eq, cont_to_some_exit, value


def check_interrupts_counted(what, before):
    """irq_count grew since `before`: the observation happened while
    interrupts were being taken. Returns the new count."""
    count = value("irq_count")
    check(count > before, "%s: irq_count %d, was %d" % (what, count, before))
    return count


def finish():
    """Runs to the firmware's end: no breakpoints left, then continue."""
    check_eq("breakpoints left", [b.number for b in gdb.breakpoints()], [])
    cont_to_some_exit()
