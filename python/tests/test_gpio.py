"""GPIO inputs set from Python, read by the firmware."""
import os

import pytest

from conftest import HIFIVE1_TEST, TOP, firmware, reconfig_board


@pytest.mark.parametrize("board", ["virt32", "hifive1"])
def test_a_pin_the_firmware_polls(mcusim, board):
    """gpio_gone polls GPIO0 pin 3 and prints each change; the second
    rising edge ends it."""
    sim = mcusim(firmware("reconfig", board, "gpio_gone.elf"), board=reconfig_board(board),
                 cwd=TOP)
    sim.run_until_uart("polling gpio0 pin 3\n", timeout="10ms")
    sim.gpio("gpio0", 3, 1)
    sim.run_until_uart("pin 3 = 1\n", timeout="2ms")
    sim.gpio("gpio0", 3, 0)
    sim.run_until_uart("pin 3 = 0\n", timeout="2ms")
    sim.gpio("gpio0", 3, 1)
    assert sim.run_to_exit(timeout="10ms") == 0
    assert sim.uart_output() == "pin 3 = 1\ndone\n"


def test_edge_interrupts_at_exact_virtual_times(mcusim):
    """hifive1/gpio_irq on hifive1-test, its pins driven from Python at the
    times tests/firmware/boards/hifive1-gpio.yaml injects them: the same
    output as that board gives (each interrupt on time)."""
    sim = mcusim(firmware("hifive1", "gpio_irq.elf"), board=HIFIVE1_TEST + ":hifive1-test")
    script = [("1ms", [(9, 1), (10, 1)]), ("1ms", [(10, 0)]), ("1ms", [(9, 0), (9, 1)]),
              ("1ms", [(11, 1)]), ("1ms", [(11, 0)])]
    for gap, levels in script:
        sim.run_for(gap)
        for pin, level in levels:
            sim.gpio("gpio0", pin, level)
    assert sim.run_to_exit(timeout="100ms") == 0
    with open(os.path.join(TOP, "tests", "firmware", "hifive1", "gpio_irq.expect")) as f:
        expected = "".join(f.readlines()[2:])
    assert sim.close() == 0
    assert sim.stdout == expected  # with the TX FIFO's tail (see test_firmware.py)
