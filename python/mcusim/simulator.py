"""Simulator: one mcusim process driven through its control socket.

    with mcusim.Simulator("build/fw/hello.elf") as sim:
        sim.run_until_uart("Hello", timeout="10ms")
        assert sim.run_to_exit(timeout="1s") == 0

The simulator starts halted at the firmware's first instruction; virtual
time passes only inside the run methods (step, run_for, run_until_uart,
run_until_pc, run_to_exit), so the same calls give the same run, instruction
for instruction. TIME arguments are virtual time in the monitor's syntax:
"10ms", "500us", "2s", "1000cycles" (or an int: cycles), "5000insns".
"""
import os
import re
import shutil
import socket
import tempfile
import weakref

from . import protocol
from .elf import read_symbols
from .errors import FirmwareExited, ProtocolError, SimulatorError, TimeoutError
from .process import Process
from .protocol import find_state, quote, word

START_GUARD = 120.0  # host seconds for the simulator to say where it listens
CLOSE_GUARD = 60.0   # host seconds for it to end after quit
STDERR_SHOWN = 20    # lines of stderr quoted in a ProtocolError

_LISTENING = (r"mcusim: control listening on "
              r"(?:unix:(?P<path>[^\n]+)|(?P<host>[^\s:]+):(?P<port>\d+))\n")
_EXITED_ERROR = re.compile(r"the firmware has exited \(status (-?\d+)\)")
# run-until's "... within TIME" (TIME as sent, last): a bound that passed
_MISSED_WITHIN = re.compile(r" within \d[\d_]*(ns|us|ms|s|cycles|insns)?$")
_MEMORY_CHUNK = 65536  # bytes per `memory read` (the protocol's limit)
_WRITE_CHUNK = 1024    # bytes per `memory write` line (well under 4096)
_SEND_CHUNK = 512      # bytes per `uart send` line, escapes included at worst 4x


def default_binary():
    """$MCUSIM_BINARY, else the build/mcusim of the repository this package
    sits in, else `mcusim` on PATH."""
    env = os.environ.get("MCUSIM_BINARY")
    if env:
        return env
    top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    built = os.path.join(top, "build", "mcusim")
    if os.access(built, os.X_OK):
        return built
    return shutil.which("mcusim") or "mcusim"


def time_word(time):
    """A TIME argument as the monitor reads it: an int is cycles."""
    if isinstance(time, bool) or not isinstance(time, (int, str)):
        raise TypeError("a virtual time is a string such as '10ms' or an int (cycles), "
                        "not %r" % (time,))
    if isinstance(time, int):
        if time <= 0:
            raise ValueError("a virtual time must be positive: %d" % time)
        return "%dcycles" % time
    if not re.match(r"^\d[\d_]*(ns|us|ms|s|cycles|insns)?$", time):
        raise ValueError("invalid virtual time %r (N followed by ns, us, ms, s, cycles "
                         "or insns)" % time)
    return time


def _address(value):
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise TypeError("an address is a non-negative int, not %r" % (value,))
    return "0x%x" % value


class Peripheral:
    """One row of `info peripherals`: name, type, start and end (inclusive)
    of its range, and the rest of the line (refs, chardev, irq...)."""

    __slots__ = ("name", "type", "start", "end", "details")

    def __init__(self, name, type, start, end, details):
        self.name, self.type, self.start, self.end, self.details = name, type, start, end, details

    def __repr__(self):
        return "Peripheral(%s, %s, 0x%08x-0x%08x, %r)" % (
            self.name, self.type, self.start, self.end, self.details)


def _cleanup(process, conn, tmpdir):
    """What a Simulator leaves behind when it is never closed (garbage
    collected, or the interpreter exits): no process, socket or folder."""
    if conn is not None:
        conn.close()
    if process is not None:
        process.kill()
    if tmpdir:
        shutil.rmtree(tmpdir, ignore_errors=True)


class Simulator:
    """One mcusim run of `firmware` (an ELF path) controlled from Python.

    board: a shipped board name or "FILE.yaml[:NAME]" (--board); None is
        the simulator's default (virt32).
    sets: {key: value} board overrides (--set key=value), in order.
    args: more mcusim options (e.g. ["--jit", "off"]).
    binary: the mcusim executable (default_binary() when None).
    transport: "unix" (a socket in a fresh temporary folder) or "tcp"
        (127.0.0.1, a free port).
    cwd, env: for the process. Relative paths of the firmware, board
        files and chardevs are the simulator's, relative to cwd; the
        binary's is the caller's.
    guard: host seconds any one reply may take before the run is
        declared stuck (ProtocolError); a safety net, not a timer.

    The process starts in the constructor; close() (or leaving the `with`
    block) ends it and removes its socket. A Simulator that is never
    closed is killed when collected or at interpreter exit."""

    def __init__(self, firmware, board=None, sets=None, args=(), binary=None,
                 transport="unix", cwd=None, env=None, guard=protocol.DEFAULT_GUARD):
        self.firmware = firmware
        binary = binary or default_binary()
        # a path is the caller's (Popen would take it from `cwd`); a bare name is looked up
        self.binary = os.path.abspath(binary) if os.sep in binary else binary
        self._elf_path = os.path.join(cwd or os.getcwd(), firmware)
        self.guard = guard
        self.exit_status = None  # the process's, once closed
        self.state = None        # the State the last run command reported
        self._symbols = None
        self._process = None
        self._conn = None
        self._tmpdir = None
        self._finalizer = None
        spec = self._control_spec(transport)
        argv = [self.binary, "--control", spec]
        if board:
            argv += ["--board", board]
        for key, value in (sets or {}).items():
            argv += ["--set", "%s=%s" % (key, value)]
        argv += list(args) + [firmware]
        self.argv = argv
        try:
            self._process = Process(argv, cwd=cwd, env=env)
        except OSError as e:
            self._remove_tmpdir()
            raise SimulatorError("could not start %s: %s" % (self.binary, e)) from None
        self._finalizer = weakref.finalize(self, _cleanup, self._process, None, self._tmpdir)
        try:
            self._connect()
        except BaseException:
            self._abandon()
            raise

    # ---- the process and the connection ----

    def _control_spec(self, transport):
        if transport == "tcp":
            return "tcp:0"
        if transport != "unix":
            raise ValueError("transport is 'unix' or 'tcp', not %r" % (transport,))
        self._tmpdir = tempfile.mkdtemp(prefix="mcusim-")
        path = os.path.join(self._tmpdir, "control.sock")
        if len(path.encode()) > 100:  # sun_path holds 108 bytes
            self._remove_tmpdir()
            return "tcp:0"
        return "unix:" + path

    def _connect(self):
        m = self._process.stderr.wait_for(_LISTENING, START_GUARD)
        if not m:
            if not self._process.stderr.closed:  # still running, and silent
                raise ProtocolError("mcusim did not say where it listens within %g s of host "
                                    "time\n%s" % (START_GUARD, self._stderr_tail()))
            status = self._process.finish(CLOSE_GUARD)  # stderr ended: it is ending
            raise SimulatorError("mcusim ended before listening (exit status %s): %s" % (
                status, self._process.stderr.text.strip() or "(no message)"))
        if m.group("path"):
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            address = m.group("path")
        else:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            address = (m.group("host"), int(m.group("port")))
        sock.settimeout(self.guard)
        try:
            sock.connect(address)
        except OSError as e:
            sock.close()
            raise ProtocolError("could not connect to %s: %s" % (address, e)) from None
        me = weakref.ref(self)  # the finalizer below holds the connection: no cycle back

        def on_broken(closed):
            return me()._on_broken(closed) if me() else ""
        self._conn = protocol.Connection(sock, self.guard, on_broken=on_broken)
        self._finalizer.detach()
        self._finalizer = weakref.finalize(self, _cleanup, self._process, self._conn,
                                           self._tmpdir)

    def _stderr_tail(self):
        lines = self._process.stderr.text.splitlines()[-STDERR_SHOWN:]
        return "--- mcusim stderr (end)\n" + "\n".join(lines)

    def _on_broken(self, closed):
        """The connection failed: the process is ended (its status kept:
        a few seconds to end by itself when it closed the connection,
        killed at once when it is stuck or talks nonsense) and the end of
        its stderr goes into the error."""
        status = self._process.wait(5.0) if closed else None
        if status is None:
            status = self._process.kill()
        self._process.finish(5.0)
        self.exit_status = status
        return "mcusim exit status %s\n%s" % (status, self._stderr_tail())

    def _remove_tmpdir(self):
        if self._tmpdir:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None

    def _abandon(self):
        if self._conn:
            self._conn.close()
        if self._process:
            self.exit_status = self._process.kill()
            self._process.finish(5.0)
        self._remove_tmpdir()
        if self._finalizer:
            self._finalizer.detach()

    def close(self, status=None):
        """Ends the run: `quit` (with `status` as the process's exit status
        when given; else the firmware's when it has exited, 0 when not),
        waits for the process, kills it if it does not end, removes its
        socket. Returns the process's exit status. Safe to call twice.
        ValueError, and nothing closed, for a `status` outside 0-255 (the
        simulator would refuse the quit and end with 122 as if its client
        had died)."""
        if status is not None and (isinstance(status, bool) or not isinstance(status, int) or
                                   not 0 <= status <= 255):
            raise ValueError("an exit status is an int from 0 to 255, not %r" % (status,))
        if self._finalizer is None or not self._finalizer.alive:
            return self.exit_status
        try:
            if self._conn and not self._conn.broken and self._process.running():
                try:
                    self._conn.request("quit" if status is None else "quit %d" % status)
                except (ProtocolError, ValueError):
                    pass  # it may close the connection as it ends
        finally:
            if self._conn:
                self._conn.close()
            if self.exit_status is None or self._process.running():
                self.exit_status = self._process.finish(CLOSE_GUARD)
            else:
                self._process.finish(5.0)
            self._remove_tmpdir()
            self._finalizer.detach()
        return self.exit_status

    def kill(self):
        """Ends the process at once (SIGKILL); returns its status."""
        self._abandon()
        return self.exit_status

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    @property
    def pid(self):
        return self._process.pid

    @property
    def stdout(self):
        """What the process wrote on stdout so far (UARTs whose chardev is
        stdio): complete once closed; while running, the reader may lag
        behind the replies, so use uart_output() for exact checks."""
        return self._process.stdout.text

    @property
    def stderr(self):
        """What the process wrote on stderr so far (its notes and
        diagnostics): complete once closed."""
        return self._process.stderr.text

    # ---- commands ----

    def command(self, line):
        """Sends one monitor command; returns its output lines. A refusal
        raises SimulatorError with the simulator's message (FirmwareExited
        when a run command found the firmware ended)."""
        if not self._conn or (self._finalizer and not self._finalizer.alive):
            raise SimulatorError("the simulator is closed", line)
        try:
            reply = self._conn.request(line)
        except ProtocolError as e:
            e.exit_status = self.exit_status
            raise
        state = find_state(reply.lines)
        if state:
            self.state = state
        if reply.ok:
            return reply.lines
        message = reply.error_message()
        m = _EXITED_ERROR.search(message)
        if m:
            raise FirmwareExited(message, line, reply.lines, int(m.group(1)))
        if state and _MISSED_WITHIN.search(message):
            raise TimeoutError(message, line, reply.lines, state)
        raise SimulatorError(message, line, reply.lines, state)

    def _run(self, line):
        lines = self.command(line)
        state = find_state(lines)
        if state is None:
            raise ProtocolError("a run command's reply names no state: %r" % lines[-5:], line,
                                lines)
        return state

    # ---- run control ----

    def step(self, count=1):
        """Runs `count` instructions, then halts. The State."""
        return self._run("step %d" % count)

    def run_for(self, time):
        """Runs for `time` of virtual time (or "Ninsns"), then halts. The
        State: exited when the firmware ended meanwhile."""
        return self._run("run-for " + time_word(time))

    def run_until_uart(self, text, uart="uart0", timeout=None):
        """Runs until `uart` has transmitted `text` (searched in what it
        sent after the previous match or uart_output(); a match already
        there returns at once). `timeout` bounds the virtual time:
        TimeoutError when it passes first; FirmwareExited when the firmware
        ends first. Returns the State (halted right after the match)."""
        line = "run-until %s %s" % (word(uart), quote(text))
        if timeout is not None:
            line += " " + time_word(timeout)
        state = self._run(line)
        if state.exited:
            raise FirmwareExited("the firmware exited with status %d before %s sent %s" % (
                state.status, uart, quote(text)), line, status=state.status, state=state)
        return state

    def run_until_pc(self, where, timeout=None):
        """Runs until the pc reaches `where` (an ELF symbol or an int
        address), halting before that instruction runs. Same `timeout`
        rule as run_until_uart. The State."""
        target = _address(where) if isinstance(where, int) else word(where)
        line = "run-until pc " + target
        if timeout is not None:
            line += " " + time_word(timeout)
        state = self._run(line)
        if state.exited:
            raise FirmwareExited("the firmware exited with status %d before reaching %s" % (
                state.status, where), line, status=state.status, state=state)
        return state

    def run_to_exit(self, timeout):
        """Runs until the firmware ends, for at most `timeout` of virtual
        time (TimeoutError if it is still running then). Returns its exit
        status (also when it had already ended)."""
        if self.state is not None and self.state.exited:
            return self.state.status
        line = "run-for " + time_word(timeout)
        try:
            state = self._run(line)
        except FirmwareExited as e:
            return e.status
        if not state.exited:
            raise TimeoutError("the firmware did not exit within %s (%r)" % (timeout, state),
                               line, state=state)
        return state.status

    def stop(self):
        """Halts a firmware running after cont(); the State."""
        return self._run("stop")

    def cont(self):
        """Lets the firmware run as fast as the host can until stop(), its
        end, or close(). Where stop() lands depends on host timing: a
        deterministic test uses run_for or run_until_* instead."""
        return self.command("cont")

    def reset(self):
        """Resets the devices and the hart."""
        return self.command("reset")

    def info_state(self):
        """The State now, asked of the simulator (`info state`)."""
        return self._run("info state")

    # ---- inputs ----

    def gpio(self, name, pin, level):
        """Drives input `pin` of GPIO peripheral `name` to `level` (0/1)."""
        return self.command("gpio %s %d %d" % (word(name), pin, 1 if level else 0))

    def uart_send(self, text, uart="uart0"):
        """Queues `text` (str as UTF-8, or bytes) on `uart`'s serial input;
        the firmware receives it as it runs."""
        data = text.encode("utf-8") if isinstance(text, str) else bytes(text)
        lines = []
        for i in range(0, len(data), _SEND_CHUNK):
            lines += self.command("uart %s send %s" % (word(uart), quote(data[i:i + _SEND_CHUNK])))
        return lines

    def uart_output(self, uart="uart0", raw=False):
        """What `uart` transmitted since the previous uart_output() or
        run_until_uart() match, which is then consumed: a str (UTF-8,
        undecodable bytes replaced), or bytes with raw=True."""
        line = "uart %s read" % word(uart)
        lines = self.command(line)
        if len(lines) != 1:
            raise ProtocolError("`uart read` replied %d lines, expected one" % len(lines), line,
                                lines)
        try:
            data = protocol.unquote(lines[0])
        except ValueError as e:
            raise ProtocolError("`uart read` replied no quoted string (%s)" % e, line,
                                lines) from None
        return data if raw else data.decode("utf-8", errors="replace")

    # ---- memory and registers ----

    def read_memory(self, address, length):
        """`length` bytes at `address`, as the debugger sees them (no side
        effects on devices; unmapped bytes raise SimulatorError)."""
        out = bytearray()
        while len(out) < length:
            n = min(_MEMORY_CHUNK, length - len(out))
            line = "memory read %s %d" % (_address(address + len(out)), n)
            lines = self.command(line)
            if len(lines) != 1 or not re.match(r"^[0-9a-f]*$", lines[0]) or \
                    len(lines[0]) != 2 * n:
                raise ProtocolError("`memory read` replied %r, expected %d hex digits" % (
                    lines[:2], 2 * n), line, lines)
            out += bytes.fromhex(lines[0])
        return bytes(out)

    def write_memory(self, address, data):
        """Writes bytes at `address` (debugger view: ROM and flash too)."""
        data = bytes(data)
        for i in range(0, len(data), _WRITE_CHUNK):
            self.command("memory write %s %s" % (_address(address + i),
                                                  data[i:i + _WRITE_CHUNK].hex()))

    def read_u32(self, address):
        """The little-endian 32-bit word at `address`."""
        return int.from_bytes(self.read_memory(address, 4), "little")

    def write_u32(self, address, value):
        self.write_memory(address, (value & 0xFFFFFFFF).to_bytes(4, "little"))

    def reg(self, name, value=None):
        """Register `name` (x0-x31, ABI names, pc, CSRs by name such as
        mcause): its value, after writing `value` when given."""
        line = "reg %s" % word(name) + ("" if value is None else " 0x%x" % (value & 0xFFFFFFFF))
        lines = self.command(line)
        m = re.match(r"^\S+ 0x([0-9a-fA-F]+)$", lines[-1]) if lines else None
        if not m:
            raise ProtocolError("`reg` replied %r, expected 'NAME 0xVALUE'" % lines[-2:], line,
                                lines)
        return int(m.group(1), 16)

    def registers(self):
        """{name: value} for pc and x0..x31 (by ABI name)."""
        line = "info registers"
        regs = {}
        for text in self.command(line):
            m = re.match(r"^(\S+) 0x([0-9a-fA-F]+)$", text)
            if not m:
                raise ProtocolError("`info registers` line %r is not 'NAME 0xVALUE'" % text,
                                    line)
            regs[m.group(1)] = int(m.group(2), 16)
        return regs

    def symbol(self, name):
        """The value of ELF symbol `name` in the firmware (KeyError if none)."""
        if self._symbols is None:
            self._symbols = read_symbols(self._elf_path)
        return self._symbols[name]

    # ---- reconfiguration ----

    @staticmethod
    def _options(size, irq, props, kwargs):
        words = []
        if size is not None:
            words.append("size=%s" % word(size))
        if irq is not None:
            words.append("irq=%s" % word(irq if isinstance(irq, str) else ",".join(irq)))
        for key, value in list((props or {}).items()) + list(kwargs.items()):
            words.append("%s=%s" % (key, word(value)))
        return words

    def peripheral_add(self, name, type, base, size=None, irq=None, props=None, **kwargs):
        """Builds a peripheral of model `type` and maps it at `base`. irq: a
        sink ("plic.11") or a list of them; props (or keyword arguments):
        the model's properties. The output lines."""
        words = ["peripheral add", word(name), word(type), "@" + _address(base)]
        return self.command(" ".join(words + self._options(size, irq, props, kwargs)))

    def peripheral_remove(self, name, force=False):
        return self.command("peripheral remove %s%s" % (word(name), " --force" if force else ""))

    def peripheral_replace(self, name, type, size=None, irq=None, props=None, **kwargs):
        """Rebuilds peripheral `name` at its base as model `type`, at reset."""
        words = ["peripheral replace", word(name), word(type)]
        return self.command(" ".join(words + self._options(size, irq, props, kwargs)))

    def peripheral_move(self, name, base):
        return self.command("peripheral move %s @%s" % (word(name), _address(base)))

    def peripheral_set(self, name, key, value):
        """Changes a live property (e.g. a UART's chardev)."""
        return self.command("peripheral set %s %s %s" % (word(name), word(key), word(value)))

    def peripheral_power(self, name, on):
        return self.command("peripheral power %s %s" % (word(name), "on" if on else "off"))

    def board_apply(self, board):
        """Changes the running board into `board` (a name or FILE[:NAME])."""
        return self.command("board apply %s" % word(board))

    def audit(self):
        return self.command("audit")

    def peripherals(self):
        """{name: Peripheral} from `info peripherals`."""
        out = {}
        for text in self.command("info peripherals"):
            m = re.match(r"^(\S+)\s+(\S+)\s+0x([0-9a-fA-F]+)-0x([0-9a-fA-F]+)\s*(.*)$", text)
            if m:
                out[m.group(1)] = Peripheral(m.group(1), m.group(2), int(m.group(3), 16),
                                             int(m.group(4), 16), m.group(5))
        return out

    def stats(self):
        """{"instructions": N, "cycles": N, ...} from `stats` (values as
        the simulator prints them; integers where they are)."""
        out = {}
        for text in self.command("stats"):
            key, sep, value = text.partition(":")
            if sep:
                value = value.strip()
                out[key.strip()] = int(value) if value.isdigit() else value
        return out
