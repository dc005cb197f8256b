"""reverse-stepi (the `bs` packet) on tests/gdb/fw/reverse.c:
- at the start of the run there is no history to go back into;
- over compressed instructions: from rev_c2 back to rev_c (2 bytes) with
  a0 back to 100 and every register (and the instruction and cycle
  counters) as a forward run showed them there, then back over the
  32-bit instruction before it (4 bytes);
- out of the timer interrupt's handler: from timer_isr's first
  instruction back onto the interrupted instruction (the handler's mepc)
  with every general register as it was, mcause 0 and mstatus.MIE set
  (no interrupt taken yet) and the same instruction count; a hardware
  step (osabi none: vCont;s) from there takes the interrupt again and
  reaches the same handler entry, register for register."""
import os
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gdbtest import *  # noqa: E402,F401,F403
from reverse_common import *  # noqa: E402,F401,F403


def compressed():
    cont_to("*rev_c")
    at_rev_c = registers()
    check_eq("a0 at rev_c", reg("a0"), 100)
    check_eq("c.addi is 2 bytes", addr("rev_c2") - addr("rev_c"), 2)
    check_eq("addi is 4 bytes", addr("rev_c") - addr("rev_li"), 4)
    run("stepi")
    check_pc("stepi over c.addi a0, 5", "rev_c2")
    check_eq("a0 after c.addi a0, 5", reg("a0"), 105)
    run("reverse-stepi")
    check_pc("reverse-stepi over c.addi a0, 5 (back 2 bytes)", "rev_c")
    check_registers("back at rev_c", registers(), at_rev_c)

    run("stepi")
    run("stepi")
    check_pc("two stepi", "rev_c_done")
    check_eq("a0 after c.addi a0, 7", reg("a0"), 112)
    run("reverse-stepi")
    check_pc("reverse-stepi over c.addi a0, 7", "rev_c2")
    check_eq("a0 before c.addi a0, 7", reg("a0"), 105)
    run("reverse-stepi")
    check_registers("back at rev_c again", registers(), at_rev_c)
    run("reverse-stepi")
    check_pc("reverse-stepi over addi a0, zero, 100 (back 4 bytes)", "rev_li")
    check_eq("minstret before the addi", reg("minstret"), at_rev_c["minstret"] - 1)


def out_of_the_handler():
    number = break_at("*timer_isr")
    out = run("continue")
    check_in("stop report", "\nBreakpoint %d, timer_isr () at " % number, out)
    check_breakpoint_stop("break on timer_isr", number)
    at_handler = registers()
    check_eq("mcause in the handler (machine timer interrupt)", at_handler["mcause"],
             0x80000007)
    check_eq("mstatus.MIE in the handler", at_handler["mstatus"] & 0x8, 0)
    check_eq("mstatus.MPIE in the handler", at_handler["mstatus"] & 0x80, 0x80)
    interrupted = at_handler["mepc"]
    run("delete %d" % number)

    run("reverse-stepi")
    check_pc("reverse-stepi from the handler's first instruction (onto mepc)", interrupted)
    back = registers()
    check_registers("general registers at the interrupted instruction",
                    {r: back[r] for r in GPRS}, {r: at_handler[r] for r in GPRS})
    check_eq("mcause before the first interrupt", back["mcause"], 0)
    check_eq("mstatus.MIE before the interrupt", back["mstatus"] & 0x8, 0x8)
    check_eq("minstret (an interrupt entry retires nothing)", back["minstret"],
             at_handler["minstret"])

    # Forward again with a hardware step: the interrupt is taken at once.
    run("set osabi none")
    run("stepi")
    check_pc("stepi from the interrupted instruction (into the handler)", "timer_isr")
    check_registers("the handler's entry, reached again", registers(), at_handler)


def body():
    check_pc("at the start", RESET_PC)
    reverse_to_start("reverse-stepi")
    check_pc("reverse-stepi at the start stays", RESET_PC)
    compressed()
    out_of_the_handler()
    cont_to_exit(EXIT_STATUS)


test(body)
