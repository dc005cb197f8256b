"""`monitor` commands (qRcmd), the simulator's monitor language
(sim/monitor.c) reached from gdb: help (every command but run control,
which gdb refuses in favour of its own), info mtree (the same tree as
`mcusim --describe-board`), info peripherals (the live table: every
peripheral of the board), stats (agrees with minstret and mcycle), audit
(memory_audit and the wiring audit on the live machine), an unknown
command and a refused one."""
import os
import re
import subprocess
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gdbtest import *  # noqa: E402,F401,F403

# What `monitor help` lists from gdb, in order: sim/monitor.c's table
# without stop, cont, step, run-for, run-until, info state and quit, then
# sim/monitor_snapshot.c's.
COMMANDS = ["help", "info mtree", "info peripherals", "info irq", "info types", "audit",
            "stats", "reset", "peripheral add", "peripheral remove", "peripheral replace",
            "peripheral move", "peripheral set", "peripheral power", "board apply", "uart",
            "gpio", "memory read", "memory write", "reg", "info registers",
            "snapshot save", "snapshot load", "snapshot list", "snapshot delete",
            "snapshot save-file", "snapshot load-file"]


def describe_board():
    """(peripheral lines, address-space tree) of `mcusim --describe-board`."""
    p = subprocess.run([os.path.join(TOP, "build", "mcusim"), "--describe-board", BOARD],
                       cwd=TOP, capture_output=True, text=True)
    check_eq("mcusim --describe-board status", p.returncode, 0)
    text = p.stdout
    check_in("describe-board", "\naddress-space: ", text)
    check_in("describe-board", "\nregisters:\n", text)
    tree = text[text.index("\naddress-space: ") + 1:text.index("\nregisters:\n")]
    head = text[:text.index("\naddress-space: ")]
    check_in("describe-board", "\nperipherals:\n", head)
    peripherals = head[head.index("\nperipherals:\n") + len("\nperipherals:\n"):]
    return peripherals.rstrip("\n") + "\n", tree


def body():
    peripherals, tree = describe_board()
    cont_to("main")

    help_text = run("monitor help")
    lines = help_text.splitlines()
    check_eq("monitor help: lines", len(lines), len(COMMANDS))
    for line, name in zip(lines, COMMANDS):
        check(line == name or line.startswith(name + " "),
              "monitor help lists %r where %r was expected" % (line, name))
    check_eq("monitor (no command)", run("monitor"), help_text)
    check_in("monitor help peripheral add",
             "usage: peripheral add NAME TYPE @BASE [size=N] [irq=SINK[,SINK...]] "
             "[key=value ...]\n", run("monitor help peripheral add"))

    out = run("monitor info mtree")
    check_eq("monitor info mtree", out, tree)
    for line in ["    0000000020000000-0000000020ffffff (prio 0, rom): flash [owner flash]\n",
                 "    0000000080000000-0000000080003fff (prio 0, ram): dtim [owner dtim]\n",
                 "    0000000004000000-0000000004000fff (prio 0, mmio): test [owner test]\n",
                 "  20000000-20ffffff rom flash+0 ro\n"]:
        check_in("monitor info mtree", line, out)

    out = run("monitor info peripherals")
    for line in peripherals.splitlines():
        name = line.split()[0]
        check_match("%s in monitor info peripherals" % name,
                    r"(?m)^%s +" % re.escape(name), out)
    check_match("uart0 in monitor info peripherals",
                r"(?m)^uart0 +sifive,uart0 +0x10013000-0x10013fff +refs=\d+ .*irq: plic\.3$",
                out)

    out = run("monitor stats")
    insns, cycles = reg("minstret"), reg("mcycle")
    check(insns > 0, "minstret is 0 at main")
    check_eq("monitor stats", out, "instructions: %d\ncycles: %d\nvirtual time: %.6f s\n"
             % (insns, cycles, cycles / CPU_HZ))

    check_eq("monitor audit", run("monitor audit"), "audit: ok\n")
    # the control socket's inspection commands agree with gdb's view
    check_eq("monitor reg pc", run("monitor reg pc"), "pc 0x%08x\n" % reg("pc"))
    check_eq("monitor reg sp", run("monitor reg sp"), "sp 0x%08x\n" % reg("sp"))
    check_match("monitor memory read", r"^[0-9a-f]{8}\n$",
                run("monitor memory read 0x80000000 4"))
    check_eq("monitor bogus", run("monitor bogus"),
             "error: unknown command 'bogus'; try 'help'\n")
    check_eq("monitor cont", run("monitor cont"),
             "error: 'cont' is not for gdb: use continue\n")
    cont_to_exit(EXIT_DEFAULT)


test(body)
