"""`monitor` commands (qRcmd): help, info mtree and info peripherals (the
same text as `mcusim --describe-board` for the board), stats (agrees
with minstret and mcycle), audit (memory_audit on the live machine), an
unknown command."""
import os
import subprocess
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gdbtest import *  # noqa: E402,F401,F403

HELP = ("audit                    check the memory system's rules (memory_audit)\n"
        "help                     list the monitor commands\n"
        "info mtree               the memory tree and flat view\n"
        "info peripherals         the board's peripherals\n"
        "reset                    reset the hart (and the board, where supported)\n"
        "stats                    simulation statistics\n")


def describe_board():
    """(peripheral lines, address-space tree) of `mcusim --describe-board`."""
    p = subprocess.run([os.path.join(TOP, "build", "mcusim"), "--describe-board", BOARD],
                       cwd=TOP, capture_output=True, text=True)
    check_eq("mcusim --describe-board status", p.returncode, 0)
    text = p.stdout
    check_in("describe-board", "\naddress-space: ", text)
    tree = text[text.index("\naddress-space: ") + 1:]
    head = text[:text.index("\naddress-space: ")]
    check_in("describe-board", "\nperipherals:\n", head)
    peripherals = head[head.index("\nperipherals:\n") + len("\nperipherals:\n"):]
    return peripherals.rstrip("\n") + "\n", tree


def body():
    peripherals, tree = describe_board()
    cont_to("main")

    check_eq("monitor help", run("monitor help"), HELP)
    check_eq("monitor (no command)", run("monitor"), HELP)

    out = run("monitor info mtree")
    check_eq("monitor info mtree", out, tree)
    for line in ["    0000000020000000-0000000020ffffff (prio 0, rom): flash [owner flash]\n",
                 "    0000000080000000-0000000080003fff (prio 0, ram): dtim [owner dtim]\n",
                 "    0000000004000000-0000000004000fff (prio 0, mmio): test [owner test]\n",
                 "  20000000-20ffffff rom flash+0 ro\n"]:
        check_in("monitor info mtree", line, out)

    out = run("monitor info peripherals")
    check_eq("monitor info peripherals", out, peripherals)
    check_match("uart0 in monitor info peripherals",
                r"^  uart0 +sifive,uart0 +0x10013000-0x10013fff ", out)

    out = run("monitor stats")
    insns, cycles = reg("minstret"), reg("mcycle")
    check(insns > 0, "minstret is 0 at main")
    check_eq("monitor stats", out, "instructions: %d\nvirtual time: %.6f s\n"
             % (insns, cycles / CPU_HZ))

    check_eq("monitor audit", run("monitor audit"), "audit: ok\n")
    check_eq("monitor bogus", run("monitor bogus"),
             "unknown monitor command 'bogus'; try 'monitor help'\n")
    cont_to_exit(EXIT_DEFAULT)


test(body)
