"""Simulator's process handling against fake_mcusim.py (a stand-in that
misbehaves on purpose): start failures, death in the middle of a reply,
malformed replies, errors mapped to exceptions, and nothing left behind
(no process, no socket, no folder) whatever happened."""
import os

import pytest

import mcusim

FAKE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fake_mcusim.py")


def start(behaviour, **kwargs):
    return mcusim.Simulator(behaviour, binary=FAKE, **kwargs)


def socket_folder(sim):
    return sim._tmpdir


def assert_nothing_left(sim, folder):
    assert sim._process.popen.returncode is not None  # reaped
    assert folder is None or not os.path.exists(folder)


def test_a_normal_session_and_a_clean_close():
    sim = start("normal")
    folder = socket_folder(sim)
    assert os.path.exists(os.path.join(folder, "control.sock"))
    state = sim.run_for("1ms")
    assert (state.pc, state.instructions, state.cycle) == (0x80000010, 100, 120)
    assert sim.reg("a0") == 42
    assert sim.read_memory(0x80000000, 3) == b"\xab\xab\xab"
    assert sim.uart_output() == 'hi\n\0"ok"\\'
    assert sim.uart_output(raw=True) == b'hi\n\0"ok"\\'
    assert sim.command("echo") == ["ok", "error"]
    assert sim.close() == 0
    assert_nothing_left(sim, folder)
    assert sim.close() == 0  # twice is fine


def test_close_with_an_exit_status_out_of_range_closes_nothing():
    """quit 300 would be refused and the process would end with 122 (its
    client gone): the wrong status must not pass for the right one."""
    sim = start("normal")
    for bad in (256, -1, "3", True):
        with pytest.raises(ValueError):
            sim.close(bad)
    assert sim.reg("a0") == 42  # still open
    assert sim.close(5) == 5


def test_tcp_transport():
    with start("normal", transport="tcp") as sim:
        assert sim.reg("pc") == 42
    assert sim.exit_status == 0


def test_exit_status_and_firmware_exited():
    with start("normal") as sim:
        assert sim.run_to_exit("9ms") == 3
        assert sim.run_to_exit("9ms") == 3  # known: nothing sent
        with pytest.raises(mcusim.FirmwareExited) as info:
            sim.run_for("1ms")
        assert info.value.status == 3
    assert sim.exit_status == 3  # quit without a status: the firmware's


def test_run_to_exit_that_does_not_exit_is_a_timeout():
    with start("normal") as sim:
        with pytest.raises(mcusim.TimeoutError) as info:
            sim.run_to_exit("1ms")
        assert info.value.state.cycle == 120


def test_run_until_timeout_carries_the_state():
    with start("normal") as sim:
        with pytest.raises(mcusim.TimeoutError) as info:
            sim.run_until_uart("never", timeout="1ms")
        assert info.value.message == 'run-until: no "never" from uart0 within 1ms'
        assert info.value.state.pc == 0x80000020
        assert sim.state.cycle == 10000


def test_a_refused_command_raises_with_the_simulators_message():
    with start("normal") as sim:
        with pytest.raises(mcusim.SimulatorError) as info:
            sim.command("frobnicate")
        assert info.value.message == "unknown command 'frobnicate'"
        assert type(info.value) is mcusim.SimulatorError


def test_a_simulator_that_cannot_start_says_why():
    with pytest.raises(mcusim.SimulatorError) as info:
        start("no-listen")
    assert "exit status 125" in str(info.value)
    assert "no such board" in str(info.value)


def test_a_missing_binary():
    with pytest.raises(mcusim.SimulatorError, match="could not start"):
        mcusim.Simulator("x.elf", binary="/nonexistent/mcusim")


def test_death_in_the_middle_of_a_reply():
    sim = start("die-mid-reply")
    folder = socket_folder(sim)
    with pytest.raises(mcusim.ProtocolError) as info:
        sim.run_for("1ms")
    text = str(info.value)
    assert "in the middle of its reply" in text
    assert "mcusim exit status 7" in text
    assert "dying in the middle of a reply" in text  # its stderr
    assert info.value.exit_status == 7
    with pytest.raises(mcusim.ProtocolError):
        sim.reg("a0")
    assert sim.close() == 7
    assert_nothing_left(sim, folder)


def test_no_reply_within_the_guard_kills_it():
    sim = start("silent", guard=0.3)
    with pytest.raises(mcusim.ProtocolError, match="safety net"):
        sim.run_for("1ms")
    assert sim.exit_status is not None and sim.exit_status < 0  # killed
    sim.close()
    assert_nothing_left(sim, None)


@pytest.mark.parametrize("behaviour, call", [
    ("bad-hex", lambda sim: sim.read_memory(0x80000000, 4)),
    ("bad-quoted", lambda sim: sim.uart_output()),
    ("no-state", lambda sim: sim.run_for("1ms")),
])
def test_malformed_replies(behaviour, call):
    with start(behaviour) as sim:
        with pytest.raises(mcusim.ProtocolError):
            call(sim)


def test_an_unclosed_simulator_is_killed_when_collected():
    sim = start("normal")
    process, folder = sim._process, socket_folder(sim)
    del sim
    import gc
    gc.collect()
    assert process.popen.returncode is not None
    assert not os.path.exists(folder)


def test_virtual_time_arguments_are_checked_before_sending():
    with start("normal") as sim:
        for bad in ("10 ms", "ten", "", -1, 0, 1.5):
            with pytest.raises((ValueError, TypeError)):
                sim.run_for(bad)
        assert sim.run_for(1000).cycle == 120


def test_a_relative_binary_is_the_callers_whatever_the_cwd(tmp_path):
    """--mcusim ../build/mcusim with the simulator running elsewhere."""
    with mcusim.Simulator("normal", binary=os.path.relpath(FAKE), cwd=str(tmp_path)) as sim:
        assert sim.reg("a0") == 42
