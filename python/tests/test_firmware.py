"""The shipped firmware through the Python API: each tests/firmware
NAME.expect (exit status and exact UART output) reproduced by a Simulator,
UART input, breakpoints by symbol with registers read and written, memory
read and patched, virtual-time limits, and the same run on both engines."""
import glob
import os
import platform
import shlex

import pytest

from mcusim import FirmwareExited, ProtocolError, SimulatorError
from mcusim import TimeoutError as VirtualTimeout
from conftest import TOP, firmware

# The translator (x86-64 hosts only) translating every block, and the interpreter.
ENGINES = ([["--jit", "on", "--jit-threshold", "1"]]
           if platform.machine() in ("x86_64", "AMD64") else []) + [["--jit", "off"]]


def expectations():
    """(id, exit status, args, output) of each tests/firmware/[BOARD/]NAME.expect."""
    paths = sorted(glob.glob(os.path.join(TOP, "tests", "firmware", "*.expect")) +
                   glob.glob(os.path.join(TOP, "tests", "firmware", "*", "*.expect")))
    out = []
    for path in paths:
        with open(path) as f:
            lines = f.read().split("\n")
        status, args = None, []
        while lines and lines[0].split(":")[0] in ("exit", "args"):
            key, value = lines.pop(0).split(":", 1)
            if key == "exit":
                status = int(value)
            else:
                args = shlex.split(value)
        name = os.path.splitext(os.path.relpath(path, os.path.join(TOP, "tests", "firmware")))[0]
        out.append(pytest.param(name, status, args, "\n".join(lines), id=name))
    return out


@pytest.mark.parametrize("name, status, args, expected", expectations())
def test_shipped_firmware_as_its_expect_file_says(mcusim, name, status, args, expected):
    """The run the firmware tests check from the command line, through
    the control socket: halted at start, run to its end, its UART read.
    A sifive,uart0 may still hold the last bytes in its TX FIFO when the
    firmware exits (time stops there): uart_output() has what left the
    UART, stdout all of it once the process has ended."""
    sim = mcusim(firmware(name + ".elf"), args=args, cwd=TOP)
    assert sim.state is None  # nothing ran yet
    assert sim.run_to_exit(timeout="10s") == status
    sent = sim.uart_output("uart0")
    assert expected.startswith(sent) and len(expected) - len(sent) <= 8
    assert sim.close() == status
    assert sim.stdout == expected


@pytest.mark.parametrize("transport", ["unix", "tcp"])
def test_a_firmware_that_cannot_load_says_why(mcusim, tmp_path, transport):
    """A run that cannot start (no such ELF: found after the control
    socket was opened) raises SimulatorError with the simulator's own
    message, never a ProtocolError about a socket it had announced and
    then removed, nor a Simulator connected to a dying process."""
    missing = str(tmp_path / "missing.elf")
    with pytest.raises(SimulatorError) as info:
        mcusim(missing, transport=transport)
    assert not isinstance(info.value, ProtocolError), info.value
    assert "exit status 125" in str(info.value)
    assert missing + ": cannot open" in str(info.value)


def test_hello_waits_for_its_greeting(mcusim):
    sim = mcusim(firmware("hello.elf"))
    state = sim.run_until_uart("Hello from a RISC-V", timeout="10ms")
    assert not state.exited and state.instructions > 0
    assert sim.run_to_exit(timeout="1s") == 0
    assert sim.uart_output() == (" firmware running on mcusim (board virt32)!\n"
                                 "newlib malloc works; 40 + 2 = 42, 0x00c0ffee\n")


def test_hello_on_the_hifive1_revb_as_shipped(mcusim):
    """The plain board ends a run only by deep sleep: status 0."""
    sim = mcusim(firmware("hifive1", "hello.elf"), board="hifive1-revb")
    sim.run_until_uart("\n", timeout="10ms")
    assert sim.run_to_exit(timeout="1s") == 0
    assert sim.close() == 0
    assert "deep sleep with nothing that can wake the chip" in sim.stderr


def test_uart_input_drives_the_firmware(mcusim):
    """scenario_ticks answers lines: `echo TEXT`, and `quit N` exits."""
    sim = mcusim(firmware("scenario_ticks.elf"))
    sim.run_until_uart("READY\n", timeout="10ms")
    sim.uart_send("echo hello, firmware\n")
    sim.run_until_uart("echo: hello, firmware\n", timeout="50ms")
    sim.uart_send("quit 4\n")
    assert sim.run_to_exit(timeout="100ms") == 4
    assert sim.close() == 4


def test_breakpoint_by_symbol_counts_calls_and_reads_arguments(mcusim):
    """checkpoint(tick) is called every 10 ticks of 60: run-until pc stops
    before each call's first instruction, with the tick in a0."""
    sim = mcusim(firmware("scenario_ticks.elf"))
    ticks = []
    for _ in range(6):
        state = sim.run_until_pc("checkpoint", timeout="1s")
        assert state.pc == sim.symbol("checkpoint") == sim.reg("pc")
        ticks.append(sim.reg("a0"))
    assert ticks == [10, 20, 30, 40, 50, 60]
    assert sim.registers()["a0"] == 60
    with pytest.raises(FirmwareExited):
        sim.run_until_pc("checkpoint", timeout="1s")  # never called again
    assert sim.state.exited and sim.state.status == 0


def test_register_write_changes_what_the_firmware_does(mcusim):
    sim = mcusim(firmware("scenario_ticks.elf"))
    sim.run_until_pc("checkpoint", timeout="1s")
    assert sim.reg("a0", 99) == 99
    sim.run_until_uart("checkpoint at tick 99\n", timeout="1ms")


def test_memory_read_and_patch(mcusim):
    """The greeting found in RAM, patched before it is printed."""
    sim = mcusim(firmware("hello.elf"))
    main = sim.symbol("main")
    code = sim.read_memory(main, 8)
    with open(firmware("hello.elf"), "rb") as f:
        assert code in f.read()  # the ELF's bytes, loaded
    ram = sim.read_memory(0x80000000, 0x10000)
    at = 0x80000000 + ram.index(b"Hello from")
    sim.write_memory(at, b"Howdy")
    assert sim.read_memory(at, 10) == b"Howdy from"
    sim.write_u32(0x80000000 + len(ram) - 4, 0xC0FFEE)
    assert sim.read_u32(0x80000000 + len(ram) - 4) == 0xC0FFEE
    assert sim.run_to_exit(timeout="1s") == 0
    assert sim.uart_output().startswith("Howdy from a RISC-V firmware")


def test_unmapped_memory_is_an_error(mcusim):
    sim = mcusim(firmware("hello.elf"))
    with pytest.raises(SimulatorError) as info:
        sim.read_memory(0x70000000, 4)
    assert "memory read" in info.value.message


def test_a_virtual_time_limit_is_a_timeout_and_the_run_goes_on(mcusim):
    sim = mcusim(firmware("scenario_ticks.elf"))
    with pytest.raises(VirtualTimeout) as info:
        sim.run_until_uart("never printed", timeout="2ms")
    assert info.value.state.cycle >= 20000  # virt32: 10 MHz
    assert sim.state == info.value.state
    sim.run_until_uart("tick 1\n", timeout="100ms")  # what came meanwhile is still there
    assert sim.run_to_exit(timeout="1s") == 0


def test_after_the_exit_inspection_works_and_running_does_not(mcusim):
    sim = mcusim(firmware("exit_code.elf"))
    assert sim.run_to_exit(timeout="1s") == 3
    assert sim.uart_output() == "exiting with status 3\n"
    assert len(sim.read_memory(sim.symbol("main"), 4)) == 4
    with pytest.raises(FirmwareExited) as info:
        sim.step()
    assert info.value.status == 3
    assert sim.close() == 3


def run_script(mcusim, engine):
    sim = mcusim(firmware("scenario_ticks.elf"), args=engine)
    seen = [sim.run_until_uart("READY\n", timeout="10ms")]
    sim.uart_send("echo one\n")
    seen.append(sim.run_until_uart("echo: one\n", timeout="50ms"))
    seen.append(sim.step(1000))
    seen.append(sim.run_for("3ms"))
    seen.append(sim.run_until_pc("checkpoint", timeout="1s"))
    seen.append(sim.registers())
    seen.append(sim.uart_output())
    seen.append(sim.run_to_exit(timeout="1s"))
    return seen


def test_the_same_calls_give_the_same_run_on_both_engines(mcusim):
    """Every State (pc, instructions, cycle), the registers and the UART
    text are identical, run after run and engine against engine."""
    runs = [run_script(mcusim, engine) for engine in ENGINES + ENGINES[:1]]
    assert all(run == runs[0] for run in runs[1:])


def test_a_hart_asleep_for_good_is_not_a_timeout(mcusim):
    """uart_echo sleeps in wfi until a line comes: with no bound, waiting
    for text that never comes is an error at once (not a hang), and not a
    TimeoutError; input then wakes it."""
    sim = mcusim(firmware("uart_echo.elf"))
    with pytest.raises(SimulatorError) as info:
        sim.run_until_uart("never printed")
    assert type(info.value) is SimulatorError
    assert "the hart waits for an interrupt nothing will raise" in info.value.message
    assert not info.value.state.exited
    sim.uart_send("bye\n")
    assert sim.run_to_exit(timeout="100ms") == 0
