"""Connect to the firmware halted at reset, then `load` it again over
flash the session has corrupted: the code, the .data image and the pc come
back (compare-sections reads every section back), and the firmware runs
to its normal exit."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gdbtest import *  # noqa: E402,F401,F403


def body():
    # --gdb-wait: halted before the first instruction, at the reset pc.
    check_pc("pc at connection", RESET_PC)
    check_eq("reset pc is _start", addr("_start"), RESET_PC)
    check_eq("frame", frame_name(), "_start")
    check_eq("info registers pc", run("info registers pc"),
             "pc             0x%08x\t0x%08x <_start>\n" % (RESET_PC, RESET_PC))

    # Corrupt the first word of square_plus (flash) and knob's initial
    # value in .data's load image (flash, copied to the DTIM by crt0).
    code = addr("square_plus")
    original = value("*(unsigned int *)0x%x" % code)
    knob_image = addr("__data_load") + addr("knob") - addr("__data_start")
    check_eq("knob's image in flash", value("*(unsigned int *)0x%x" % knob_image), 1)
    run("set var *(unsigned int *)0x%x = 0" % code)
    run("set var *(unsigned int *)0x%x = 9" % knob_image)
    check_eq("flash written by gdb", value("*(unsigned int *)0x%x" % code), 0)
    check_eq("knob image written by gdb", value("*(unsigned int *)0x%x" % knob_image), 9)
    run("set var $pc = 0x%x" % addr("main"))

    out = run("load")
    sections = re.findall(r"^Loading section (\S+), size 0x([0-9a-f]+) lma 0x([0-9a-f]+)$",
                          out, re.M)
    names = [s[0] for s in sections]
    check(".text" in names and ".data" in names, "load did not load .text and .data:\n" + out)
    check_eq(".text's lma", int(dict((s[0], s[2]) for s in sections)[".text"], 16), RESET_PC)
    total = sum(int(s[1], 16) for s in sections)
    check_match("load summary",
                r"^Start address 0x%08x, load size %d$" % (RESET_PC, total), out)
    check_pc("pc after load (the ELF entry)", RESET_PC)
    check_eq("square_plus restored", value("*(unsigned int *)0x%x" % code), original)
    check_eq("knob image restored", value("*(unsigned int *)0x%x" % knob_image), 1)

    out = run("compare-sections")
    matched = re.findall(r"^Section (\S+), range 0x[0-9a-f]+ -- 0x[0-9a-f]+: matched\.$",
                         out, re.M)
    check_eq("sections compared", sorted(matched), sorted(names))
    check_not_in("compare-sections", "MIS-MATCHED", out)

    cont_to_exit(EXIT_DEFAULT)


test(body)
