"""Source-line reverse execution in caller() (tests/gdb/fw/reverse.c,
built -O0; lines found by their MARK: comments): from the breakpoint on
after_call_2 (depth 5), reverse-next goes back over leaf(2) to its line
(depth 3), then to after_call_1 (depth 1); reverse-step enters leaf(1)
from its end (leaf_end, then leaf_return); reverse-finish goes back out
to the call in caller (call_1 line, the pc on the call); then next runs
forward to the breakpoint again, depth 5."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gdbtest import *  # noqa: E402,F401,F403
from reverse_common import *  # noqa: E402,F401,F403


def line():
    return gdb.selected_frame().find_sal().line


def check_at(what, function, mark, out=None):
    check_eq(what + ": function", frame_name(), function)
    check_eq(what + ": line (MARK:%s)" % mark, line(), line_of(mark))
    if out is not None:
        check_match(what + ": gdb shows the line", r"^%d\t" % line_of(mark), out)


def body():
    number = break_at("reverse.c:%d" % line_of("after_call_2"))
    out = run("continue")
    check_in("stop report", "Breakpoint %d, caller () at " % number, out)
    check_at("at the breakpoint", "caller", "after_call_2")
    check_eq("depth", value("depth"), 5)

    out = run("reverse-next")
    check_at("reverse-next over leaf(2)", "caller", "call_2", out)
    check_eq("depth before leaf(2)", value("depth"), 3)
    out = run("reverse-next")
    check_at("reverse-next", "caller", "after_call_1", out)
    check_eq("depth before depth += a", value("depth"), 1)

    out = run("reverse-step")
    check_at("reverse-step into leaf(1) from its end", "leaf", "leaf_end")
    check_eq("x", value("x"), 1)
    ret = reg("ra")
    out = run("reverse-step")
    check_at("reverse-step", "leaf", "leaf_return", out)

    run("reverse-finish")
    check_at("reverse-finish out of leaf", "caller", "call_1")
    check(pc() < ret and ret - pc() in (2, 4),
          "reverse-finish: pc 0x%08x is not the call before the return address 0x%08x"
          % (pc(), ret))

    out = run("next")
    check_at("next over leaf(1)", "caller", "after_call_1", out)
    run("next")
    out = run("next")
    check_in("next to the breakpoint", "Breakpoint %d, caller () at " % number, out)
    check_at("forwards again", "caller", "after_call_2")
    check_eq("depth", value("depth"), 5)
    run("delete")
    cont_to_exit(EXIT_STATUS)


test(body)
