"""Drive mcusim from Python through its control socket (docs/PYTHON.md).

    import mcusim
    with mcusim.Simulator("build/fw/hello.elf") as sim:
        sim.run_until_uart("Hello", timeout="10ms")
        assert sim.run_to_exit(timeout="1s") == 0

Standard library only. The pytest plugin (fixture `mcusim`) is
mcusim.pytest_plugin: `pytest -p mcusim.pytest_plugin`.
"""
from .errors import FirmwareExited, ProtocolError, SimulatorError, TimeoutError
from .elf import read_symbols
from .protocol import State, quote
from .simulator import Peripheral, Simulator, default_binary

__all__ = ["Simulator", "State", "Peripheral", "SimulatorError", "TimeoutError",
           "FirmwareExited", "ProtocolError", "default_binary", "read_symbols", "quote"]
