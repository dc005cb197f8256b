"""Runtime reconfiguration from gdb (sim/monitor.c through qRcmd): stopped
at a breakpoint, `monitor peripheral remove uart0` takes the UART off the
bus (info mtree, info irq and the debugger's view lose it), an add that
overlaps a neighbour is refused and changes nothing, `monitor peripheral
add` puts a new sifive,uart0 at the same base and wiring, writing to a
file; the firmware (tests/gdb/fw/reconfig.c) continues, finds it at reset
state, sets it up and prints through it, and exits 0."""
import os
import re
import sys
import tempfile
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gdbtest import *  # noqa: E402,F401,F403

UART0 = 0x10013000


def body():
    folder = tempfile.mkdtemp(prefix="mcusim-gdb-reconfig-")
    path = os.path.join(folder, "uart0.txt")
    number = break_at("swapped")
    run("continue")
    check_breakpoint_stop("swapped", number)
    check_match("uart0 before", r"^uart0 +sifive,uart0 ", run("monitor info peripherals"))

    check_eq("remove", run("monitor peripheral remove uart0"), "removed uart0\n")
    check_not_in("info mtree after remove", "uart0", run("monitor info mtree"))
    check_not_in("info irq after remove", "uart0", run("monitor info irq"))
    check(not re.search(r"(?m)^uart0 ", run("monitor info peripherals")),
          "uart0 is still in monitor info peripherals")
    try:
        gdb.selected_inferior().read_memory(UART0, 4)
        raise TestFailure("the removed UART's registers are still readable")
    except gdb.MemoryError:
        pass

    tree = run("monitor info mtree")
    out = run("monitor peripheral add uart0 sifive,uart0 @0x10012800 size=0x1000")
    check_match("an overlapping add", r"^error: monitor:1:35: 'uart0' \[0x10012800-0x100137ff\] "
                r"overlaps 'gpio0' ", out)
    check_eq("info mtree after a refused add", run("monitor info mtree"), tree)

    out = run("monitor peripheral add uart0 sifive,uart0 @0x%x chardev=file:%s irq=plic.3"
              % (UART0, path))
    check_eq("add", out, "added uart0 (sifive,uart0) at 0x%08x\n" % UART0)
    check_in("info mtree after add", "(prio 0, mmio): uart0 [owner uart0]",
             run("monitor info mtree"))
    check_match("info irq after add", r"^uart0\.\S* -> plic\.3  level=0$",
                run("monitor info irq"))
    check_eq("audit", run("monitor audit"), "audit: ok\n")

    cont_to_exit(0)
    with open(path) as f:
        check_eq("what the new UART printed", f.read(), "after\n")
    os.unlink(path)
    os.rmdir(folder)


test(body)
