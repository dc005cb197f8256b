"""The exceptions the package raises.

    SimulatorError           the simulator refused a command (its "error: ..."
     |                       message), or could not start
     +-- TimeoutError        a virtual-time bound passed first (run_until_uart,
     |                       run_until_pc, run_to_exit); the machine is halted
     |                       where the bound ended and can be driven further
     +-- FirmwareExited      a run command found the firmware already ended,
     |                       or it ended before what was awaited
     +-- ProtocolError       the conversation broke: the simulator died or
                             closed the connection, or no reply came within
                             the host-time safety net (then the simulator is
                             killed and every later command raises this
                             too); or one reply did not have the form its
                             command gives (the connection stays usable).

mcusim.TimeoutError is not the builtin TimeoutError (an OSError about host
operations): it is about virtual time, and is deterministic.
"""


class SimulatorError(Exception):
    """A command failed. `message` is the simulator's own (the first
    "error: ..." line without the prefix), `command` the line sent,
    `output` every line of the reply before its final "error", `state` the
    State the machine was left in when the reply says (a run command that
    missed its goal), else None."""

    def __init__(self, message, command=None, output=(), state=None):
        super().__init__(message if command is None else "%s: %s" % (command, message))
        self.message = message
        self.command = command
        self.output = list(output)
        self.state = state


class TimeoutError(SimulatorError):  # noqa: A001 (virtual time, not the builtin)
    """A virtual-time limit passed before the awaited event. `state` is the
    State the machine halted in (mcusim.State)."""


class FirmwareExited(SimulatorError):
    """The firmware ended (exit status `status`, None when unknown) before
    what a run command waited for, or before the command was sent."""

    def __init__(self, message, command=None, output=(), status=None, state=None):
        super().__init__(message, command, output, state)
        self.status = status


class ProtocolError(SimulatorError):
    """The control connection failed: a reply that does not follow the
    protocol, the connection closed (the simulator died: `exit_status`
    when known, and the end of its stderr in the message), or no reply
    within the host-time safety net. Never a verdict on the firmware."""

    def __init__(self, message, command=None, output=(), exit_status=None):
        super().__init__(message, command, output)
        self.exit_status = exit_status
