"""Patching code from gdb takes effect, even code the simulator has
decoded and cached (build/fw/gdb/patchme.elf, tests/gdb/fw/patchme.c).

The firmware calls patch_site (in flash: li a0, 1; ret) in a loop and
records what it returns. gdb lets it run until patch_site has been called
many thousands of times (interrupting it, never with a breakpoint: adding
or removing one makes the CPU drop its decoded blocks, which would hide a
stale cache), then rewrites patch_site's first instruction while the
firmware is stopped: with `set var` (an X packet) to li a0, 2, and later
with `restore` of a binary file (X packets, as `load` writes) to li a0, 3.
After each, the firmware must see the new value; it exits with 3 once it
has seen 1, 2 and 3 in that order."""
import os
import sys
import tempfile
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gdbtest import *  # noqa: E402,F401,F403

RET = 0x00008067
WARM_CALLS = 20000   # calls before patching: its blocks are long decoded
MAX_ROUNDS = 50      # continue/interrupt rounds to wait for them


def li_a0(n):
    """addi a0, zero, n"""
    return 0x00000513 | (n << 20)


def word(address):
    return value("*(unsigned int *)0x%x" % address)


def run_until_calls(what, at_least):
    """Continues and interrupts until the firmware has made at_least
    calls (a count of work, whatever the host's speed)."""
    for _ in range(MAX_ROUNDS):
        continue_interrupted(what)
        if value("calls") >= at_least:
            return
    raise TestFailure("%s: only %d calls after %d rounds" % (what, value("calls"), MAX_ROUNDS))


def check_x_packet(what, log, site):
    sent = packets_sent(log)
    check(any(p.startswith("X%x," % site) for p in sent),
          "%s: no X packet to 0x%x among %r" % (what, site, sent))


def body():
    site = addr("patch_site")
    check(0x20010000 <= site < 0x21000000, "patch_site 0x%x is not in flash" % site)
    check_eq("patch_site's instructions", (word(site), word(site + 4)), (li_a0(1), RET))
    check_eq("no breakpoints", gdb.breakpoints(), ())

    run_until_calls("unpatched", WARM_CALLS)
    check_eq("last before the patch", value("last"), 1)
    check_eq("seen[2] before the patch", value("seen[2]"), 0)

    out, log = run("set var *(unsigned int *)0x%x = 0x%x" % (site, li_a0(2)), remote_log=True)
    check_x_packet("set var", log, site)
    check_eq("patch_site after set var", word(site), li_a0(2))
    run_until_calls("patched by set var", value("calls") + WARM_CALLS)
    check_eq("last after set var (the firmware must see the new code)", value("last"), 2)
    check(value("seen[2]") > 0, "the firmware never saw 2")
    check_eq("values other than 1..3", value("seen[0]"), 0)

    with tempfile.NamedTemporaryFile(suffix=".bin") as f:
        f.write(li_a0(3).to_bytes(4, "little") + RET.to_bytes(4, "little"))
        f.flush()
        out, log = run("restore %s binary 0x%x" % (f.name, site), remote_log=True)
    check_x_packet("restore", log, site)
    check_eq("patch_site after restore", (word(site), word(site + 4)), (li_a0(3), RET))
    cont_to_exit(3)


test(body)
