"""The control socket's line protocol (docs/CONTROL.md), without processes.

One command per line; the reply is the command's output lines, then a
last line that is exactly "ok" or "error". An output line that would read
"ok" or "error" comes with a space before it. `Connection` speaks this over
a connected socket; the rest are the pieces of text the commands use:
quoting a word, reading a quoted string back, and the lines that say where
a run ended.

Host time appears in one place only: a Connection waits at most `guard`
seconds for a reply, a safety net against a simulator that hangs, never a
measure of anything. Virtual time is the simulator's business.
"""
import re
import socket

from .errors import ProtocolError

LINE_MAX = 4096              # bytes of a command line the simulator takes
REPLY_MAX = 64 * 1024 * 1024  # bytes of one reply before we call it runaway
DEFAULT_GUARD = 300.0        # seconds of host time a reply may take

_ESCAPES = {0x22: '\\"', 0x5C: "\\\\", 0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t"}


def quote(text):
    """`text` (str, taken as UTF-8, or bytes) as one double-quoted word of
    the monitor language: \\" \\\\ \\n \\r \\t, and \\xHH for other bytes
    outside printable ASCII."""
    data = text.encode("utf-8") if isinstance(text, str) else bytes(text)
    out = ['"']
    for b in data:
        if b in _ESCAPES:
            out.append(_ESCAPES[b])
        elif 0x20 <= b < 0x7F:
            out.append(chr(b))
        else:
            out.append("\\x%02x" % b)
    out.append('"')
    return "".join(out)


_PLAIN_WORD = re.compile(r'^[\x21\x23-\x5b\x5d-\x7e]+$')  # printable, no '"' or '\'


def word(value):
    """A value as one word: bare when it can be (numbers, names, TIME, @BASE
    must be bare), quoted when it holds blanks, quotes, backslashes, other
    bytes, or is empty."""
    if isinstance(value, bool):
        value = "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    return text if _PLAIN_WORD.match(text) else quote(text)


def unquote(line):
    """The bytes of one double-quoted string (the whole of `line`), as
    `uart NAME read` prints them. ValueError when it is not one."""
    if len(line) < 2 or line[0] != '"' or line[-1] != '"':
        raise ValueError("not a double-quoted string: %r" % line[:80])
    out = bytearray()
    i, end = 1, len(line) - 1
    simple = {'"': 0x22, "\\": 0x5C, "n": 0x0A, "r": 0x0D, "t": 0x09}
    while i < end:
        ch = line[i]
        if ch == '"':
            raise ValueError("unescaped quote inside the string at %d" % i)
        if ch != "\\":
            out += ch.encode("utf-8")
            i += 1
            continue
        if i + 1 >= end:
            raise ValueError("the string ends in a backslash")
        e = line[i + 1]
        if e in simple:
            out.append(simple[e])
            i += 2
        elif e == "x" and i + 4 <= end and re.match(r"[0-9a-fA-F]{2}$", line[i + 2:i + 4]):
            out.append(int(line[i + 2:i + 4], 16))
            i += 4
        else:
            raise ValueError("unknown escape %r at %d" % (line[i:i + 4], i))
    return bytes(out)


class State:
    """Where a run command left the machine.

    exited: the firmware has ended (status is its exit status); else the
    machine is at pc, halted (running: False) or running after cont()
    (running: True, only from info_state()). instructions and cycle
    (virtual time in CPU cycles) count from reset."""

    __slots__ = ("exited", "status", "pc", "instructions", "cycle", "running")

    def __init__(self, exited, status, pc, instructions, cycle, running=False):
        self.exited = exited
        self.status = status
        self.pc = pc
        self.instructions = instructions
        self.cycle = cycle
        self.running = running

    def __eq__(self, other):
        return isinstance(other, State) and all(
            getattr(self, k) == getattr(other, k) for k in self.__slots__)

    def __repr__(self):
        if self.exited:
            return "State(exited with status %d after %d instructions, cycle %d)" % (
                self.status, self.instructions, self.cycle)
        return "State(%s at pc 0x%08x after %d instructions, cycle %d)" % (
            "running" if self.running else "halted", self.pc, self.instructions, self.cycle)


_HALTED = re.compile(r"^(halted|running) at pc 0x([0-9a-fA-F]+) "
                     r"after (\d+) instructions?, cycle (\d+)$")
_EXITED = re.compile(r"^exited with status (-?\d+) after (\d+) instructions?, cycle (\d+)$")


def parse_state(line):
    """The State a "halted at ...", "running at ..." or "exited with ..."
    line says, or None."""
    m = _HALTED.match(line)
    if m:
        return State(False, None, int(m.group(2), 16), int(m.group(3)), int(m.group(4)),
                     running=m.group(1) == "running")
    m = _EXITED.match(line)
    if m:
        return State(True, int(m.group(1)), None, int(m.group(2)), int(m.group(3)))
    return None


def find_state(lines):
    """The last State line among a reply's lines, or None."""
    for line in reversed(lines):
        state = parse_state(line)
        if state:
            return state
    return None


class Reply:
    """A reply: `ok` (its last line was "ok"), and its output `lines`
    (unescaped: " ok" reads "ok")."""

    __slots__ = ("ok", "lines")

    def __init__(self, ok, lines):
        self.ok = ok
        self.lines = lines

    def error_message(self):
        """The first "error: ..." line without its prefix, or a summary."""
        for line in self.lines:
            if line.startswith("error: "):
                return line[len("error: "):]
        return "; ".join(self.lines) if self.lines else "the command failed"

    def __repr__(self):
        return "Reply(%s, %r)" % ("ok" if self.ok else "error", self.lines)


class Connection:
    """One client of the control socket over a connected stream socket.

    `request(line)` sends one command and returns its Reply. Any failure of
    the conversation raises ProtocolError and leaves the connection
    broken (every later request raises at once): the replies could no
    longer be matched to the commands. `on_broken` (optional) is called
    before that error is raised, with True when the far end closed the
    connection (False: it is stuck, or sent nonsense), and returns text to
    add to the message (e.g. the end of the simulator's stderr)."""

    def __init__(self, sock, guard=DEFAULT_GUARD, on_broken=None):
        self.sock = sock
        self.guard = guard
        self.on_broken = on_broken
        self.broken = None  # the message of the failure that broke it
        self._buf = bytearray()
        sock.settimeout(guard)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def request(self, line):
        if self.broken:
            raise ProtocolError("the control connection is broken (%s)" % self.broken, line)
        data = line.encode("utf-8")
        if b"\n" in data or b"\r" in data or b"\0" in data:
            raise ValueError("a command is one line without CR, LF or NUL: %r" % line)
        if len(data) > LINE_MAX:
            raise ValueError("command longer than %d bytes: %r..." % (LINE_MAX, line[:60]))
        try:
            self.sock.sendall(data + b"\n")
        except OSError as e:
            self._break("could not send (%s)" % e, line, [], closed=True)
        try:
            return self._read_reply(line)
        except BaseException as e:  # KeyboardInterrupt mid-reply: the rest would misalign
            if not isinstance(e, ProtocolError):
                self.broken = "interrupted while waiting for the reply to %r" % line
            raise

    def _read_reply(self, command):
        lines, size = [], 0
        while True:
            raw = self._read_line(command, lines)
            size += len(raw) + 1
            if size > REPLY_MAX:
                self._break("a reply longer than %d bytes" % REPLY_MAX, command, lines)
            text = raw.decode("utf-8", errors="replace")
            if text == "ok" or text == "error":
                return Reply(text == "ok", lines)
            if text == " ok" or text == " error":
                text = text[1:]
            lines.append(text)

    def _read_line(self, command, lines):
        while True:
            nl = self._buf.find(b"\n")
            if nl >= 0:
                raw = bytes(self._buf[:nl])
                del self._buf[:nl + 1]
                return raw
            if len(self._buf) > REPLY_MAX:
                self._break("a line longer than %d bytes" % REPLY_MAX, command, lines)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                self._break("no complete reply within %g s of host time (a safety net: the "
                            "simulator seems stuck)" % self.guard, command, lines)
            except OSError as e:
                self._break("the connection failed (%s)" % e, command, lines, closed=True)
            if not chunk:
                where = "in the middle of its reply" if lines or self._buf else "before replying"
                self._break("the simulator closed the connection %s" % where, command, lines,
                            closed=True)
            self._buf += chunk

    def _break(self, why, command, lines, closed=False):
        partial = bytes(self._buf).decode("utf-8", errors="replace")
        self.broken = why
        extra = self.on_broken(closed) if self.on_broken else ""
        shown = list(lines) + ([partial] if partial else [])
        message = why
        if shown:
            message += "; the reply so far: %r" % shown[-5:]
        if extra:
            message += "\n" + extra
        raise ProtocolError(message, command, shown)
