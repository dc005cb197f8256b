"""The client's protocol handling against a fake server on a socket pair:
replies split anywhere, lines that look final, malformed replies, a server
that dies in the middle of a reply or never answers. Each failure must be a
clear ProtocolError, never a hang (the host-time guard is only a safety
net: the tests that reach it use a server that never answers)."""
import socket
import threading

import pytest

from mcusim import protocol
from mcusim.errors import ProtocolError
from mcusim.protocol import Connection, parse_state, quote, unquote, word


class FakeServer:
    """The far end of a socket pair: for each line received, `script(line)`
    gives a list of byte chunks to send, where None closes the connection
    (None alone: close without sending)."""

    def __init__(self, script):
        self.client, self.server = socket.socketpair()
        self.script = script
        self.received = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        buf = b""
        try:
            while True:
                data = self.server.recv(4096)
                if not data:
                    return
                buf += data
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    self.received.append(line.decode())
                    chunks = self.script(line.decode())
                    for chunk in [None] if chunks is None else chunks:
                        if chunk is None:
                            self.server.close()
                            return
                        self.server.sendall(chunk)
        except OSError:
            pass

    def connection(self, guard=10.0):
        return Connection(self.client, guard)

    def close(self):
        self.client.close()
        self.thread.join(10)


@pytest.fixture
def fake():
    servers = []

    def make(script):
        server = FakeServer(script)
        servers.append(server)
        return server.connection()
    yield make
    for server in servers:
        server.close()


def test_reply_is_output_lines_then_ok(fake):
    conn = fake(lambda line: [b"first line\nsecond\nok\n"])
    reply = conn.request("info peripherals")
    assert reply.ok and reply.lines == ["first line", "second"]


def test_error_reply_gives_the_simulators_message(fake):
    conn = fake(lambda line: [b"error: no peripheral named 'nosuch'\nerror\n"])
    reply = conn.request("peripheral remove nosuch")
    assert not reply.ok
    assert reply.error_message() == "no peripheral named 'nosuch'"


def test_reply_split_into_single_bytes(fake):
    text = b"halted at pc 0x80000000 after 1 instructions, cycle 1\nok\n"
    conn = fake(lambda line: [text[i:i + 1] for i in range(len(text))])
    reply = conn.request("step")
    assert reply.ok and parse_state(reply.lines[0]).pc == 0x80000000


def test_two_replies_in_one_packet_stay_apart(fake):
    answers = iter([[b"one\nok\ntwo\nerror\n"], []])
    conn = fake(lambda line: next(answers))
    first = conn.request("a")
    second = conn.request("b")
    assert (first.ok, first.lines) == (True, ["one"])
    assert (second.ok, second.lines) == (False, ["two"])


def test_output_lines_reading_ok_or_error_come_with_a_space(fake):
    conn = fake(lambda line: [b" ok\n error\nok\n"])
    assert conn.request("echo").lines == ["ok", "error"]


def test_server_death_in_the_middle_of_a_reply(fake):
    conn = fake(lambda line: [b"halted at pc 0x8", None])
    with pytest.raises(ProtocolError) as info:
        conn.request("run-for 1ms")
    assert "in the middle of its reply" in str(info.value)
    assert "halted at pc 0x8" in str(info.value)
    with pytest.raises(ProtocolError, match="broken"):  # at once, nothing sent
        conn.request("stats")


def test_server_closing_before_replying(fake):
    conn = fake(lambda line: None)
    with pytest.raises(ProtocolError, match="before replying"):
        conn.request("stats")


def test_a_server_that_never_answers_hits_the_guard():
    server = FakeServer(lambda line: [])
    conn = server.connection(guard=0.2)
    try:
        with pytest.raises(ProtocolError, match="safety net"):
            conn.request("run-for 1s")
        assert conn.broken
    finally:
        server.close()


def test_a_runaway_reply_is_cut(fake, monkeypatch):
    monkeypatch.setattr(protocol, "REPLY_MAX", 1000)
    conn = fake(lambda line: [b"x" * 100 + b"\n"] * 20)
    with pytest.raises(ProtocolError, match="longer than 1000 bytes"):
        conn.request("info mtree")


def test_a_runaway_line_is_cut(fake, monkeypatch):
    monkeypatch.setattr(protocol, "REPLY_MAX", 1000)
    conn = fake(lambda line: [b"y" * 3000])
    with pytest.raises(ProtocolError, match="line longer than 1000 bytes"):
        conn.request("info mtree")


def test_a_command_is_one_line(fake):
    conn = fake(lambda line: [b"ok\n"])
    for bad in ("step\nquit", "step\r", "a\0b", "x" * 5000):
        with pytest.raises(ValueError):
            conn.request(bad)
    assert conn.request("step").ok  # nothing of the refused ones was sent


def test_undecodable_bytes_do_not_break_a_reply(fake):
    conn = fake(lambda line: [b"\xff\xfe name\nok\n"])
    assert conn.request("info types").lines == ["\ufffd\ufffd name"]


def test_quote_and_unquote_every_byte():
    data = bytes(range(256))
    text = quote(data)
    assert "\n" not in text and "\0" not in text
    assert unquote(text) == data
    assert quote('a "b" \\ c\n') == '"a \\"b\\" \\\\ c\\n"'
    assert quote("é") == '"\\xc3\\xa9"'


@pytest.mark.parametrize("bad", ['', '"', 'abc', '"abc', '"a\\"', '"\\q"', '"\\x4"',
                                 '"a"b"', '"\\x"'])
def test_unquote_refuses_what_is_not_one_quoted_string(bad):
    with pytest.raises(ValueError):
        unquote(bad)


def test_word_is_bare_only_when_the_monitor_reads_it_so():
    assert word("uart0") == "uart0"
    assert word("10ms") == "10ms"
    assert word(4096) == "4096"
    assert word("file:a b") == '"file:a b"'
    assert word("") == '""'
    assert word('say "hi"') == '"say \\"hi\\""'


def test_state_lines():
    s = parse_state("halted at pc 0x2001002a after 12 instructions, cycle 40")
    assert (s.exited, s.pc, s.instructions, s.cycle) == (False, 0x2001002A, 12, 40)
    s = parse_state("exited with status 3 after 900 instructions, cycle 1000")
    assert (s.exited, s.status, s.instructions, s.cycle) == (True, 3, 900, 1000)
    s = parse_state("running at pc 0x80000000 after 0 instructions, cycle 0")
    assert s.running and not s.exited
    assert parse_state("halted at pc zz after 1 instructions, cycle 1") is None
    assert parse_state("uart0: queued 3 bytes") is None


def test_an_interrupted_wait_leaves_the_connection_broken(fake, monkeypatch):
    """Ctrl-C while a reply is awaited: what is left of that reply would be
    read as the next command's, so the connection refuses to go on."""
    conn = fake(lambda line: [b"halted at pc 0x8"])

    def interrupted(self, command, lines):
        raise KeyboardInterrupt
    monkeypatch.setattr(Connection, "_read_line", interrupted)
    with pytest.raises(KeyboardInterrupt):
        conn.request("run-for 1s")
    monkeypatch.undo()
    with pytest.raises(ProtocolError, match="interrupted"):
        conn.request("stats")
