"""Reconfiguration driven through the Python API while the firmware runs,
and the firmware noticing (tests/firmware/reconfig/: uart_swap, gpio_gone,
power_cycle; the same steps as tests/reconfig/*.yaml, from Python)."""
import pytest

from mcusim import SimulatorError
from conftest import TOP, firmware, reconfig_board

OTHER_MODEL = {"virt32": ("sifive,uart0", "ns16550a"), "hifive1": ("ns16550a", "sifive,uart0")}


@pytest.mark.parametrize("board", ["virt32", "hifive1"])
def test_uart_chardev_and_model_swapped_under_the_firmware(mcusim, board, tmp_path):
    other, own = OTHER_MODEL[board]
    log = tmp_path / "uart0.txt"
    sim = mcusim(firmware("reconfig", board, "uart_swap.elf"), board=reconfig_board(board),
                 cwd=TOP)
    sim.run_until_uart("tick 2\n", timeout="10ms")
    sim.peripheral_set("uart0", "chardev", "file:%s" % log)
    sim.run_until_uart("tick 5\n", timeout="5ms")
    sim.peripheral_set("uart0", "chardev", "stdio")
    sim.run_until_uart("tick 8\n", timeout="5ms")
    assert sim.peripherals()["uart0"].type == own

    sim.peripheral_replace("uart0", other)
    sim.audit()
    assert sim.peripherals()["uart0"].type == other
    sim.run_until_uart("model=%s\ntick 9\n" % other, timeout="2ms")
    sim.run_until_uart("tick 12\n", timeout="5ms")

    sim.peripheral_replace("uart0", own)
    sim.audit()
    sim.run_until_uart("model=%s\ntick 13\n" % own, timeout="2ms")
    assert sim.run_to_exit(timeout="100ms") == 0
    assert sim.uart_output().endswith("done\n")
    assert log.read_text() == "tick 3\ntick 4\ntick 5\n"
    sim.close()
    assert "tick 4" not in sim.stdout and "model=%s\ntick 9\n" % other in sim.stdout


@pytest.mark.parametrize("board", ["virt32", "hifive1"])
def test_gpio_removed_and_added_again(mcusim, board):
    sim = mcusim(firmware("reconfig", board, "gpio_gone.elf"), board=reconfig_board(board),
                 cwd=TOP)
    sim.run_until_uart("polling gpio0 pin 3\n", timeout="10ms")
    sim.gpio("gpio0", 3, 1)
    sim.run_until_uart("pin 3 = 1\n", timeout="2ms")
    gpio = sim.peripherals()["gpio0"]
    sim.peripheral_remove("gpio0")
    sim.audit()
    assert "gpio0" not in sim.peripherals()
    sim.run_until_uart("gpio gone: load fault (mcause 5) at 0x%08x\n" % gpio.start,
                       timeout="2ms")
    irq = gpio.details.split("irq: ")[1].split()[0]
    sim.peripheral_add("gpio0", gpio.type, gpio.start, irq=irq)
    sim.audit()
    sim.run_until_uart("gpio back: input_en=0x0\npin 3 = 0\n", timeout="2ms")
    sim.gpio("gpio0", 3, 1)
    sim.run_until_uart("pin 3 = 1\ndone\n", timeout="2ms")
    assert sim.run_to_exit(timeout="10ms") == 0


def test_power_cycle_refused_then_granted(mcusim):
    """power_cycle.c powers UART1 off and on 1,000 times itself; with UART1
    off, another UART added and a chardev UART1 cannot open make its
    power-on fail; both undone, it succeeds."""
    sim = mcusim(firmware("reconfig", "virt32", "power_cycle.elf"),
                 board=reconfig_board("virt32"), cwd=TOP)
    sim.run_until_uart("uart1 off: status 2\n", timeout="1s")
    sim.peripheral_add("blocker", "ns16550a", 0x10003000)
    sim.peripheral_set("uart1", "chardev", "file:/nonexistent-dir/uart1.txt")
    sim.audit()
    sim.run_until_uart("power on refused: power 3 status 2 error 1, uart1 faults\n",
                       timeout="2ms")
    sim.peripheral_remove("blocker")
    sim.peripheral_set("uart1", "chardev", "stdio")
    sim.audit()
    sim.run_until_uart("power on again: status 3 error 0, uart1 answers, reg 0\n",
                       timeout="2ms")
    assert sim.run_to_exit(timeout="10ms") == 0


def test_a_refused_change_says_why_and_changes_nothing(mcusim):
    sim = mcusim(firmware("reconfig", "virt32", "uart_swap.elf"),
                 board=reconfig_board("virt32"), cwd=TOP)
    before = sim.command("info peripherals")
    with pytest.raises(SimulatorError) as info:
        sim.peripheral_remove("nosuch")
    assert info.value.message == "no peripheral named 'nosuch'"
    with pytest.raises(SimulatorError):
        sim.peripheral_add("clash", "ns16550a", sim.peripherals()["uart0"].start)
    assert sim.command("info peripherals") == before
    sim.run_until_uart("tick 1\n", timeout="10ms")
