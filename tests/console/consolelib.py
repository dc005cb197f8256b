"""What the console tests share: the simulator as a child process whose
stdout and stderr are read as they come, and a monitor client speaking the
console protocol (sim/console.h: output lines, then `ok` or `error`).

Every wait has a generous limit (testlib.TIMEOUT) that only guards against
a hang; nothing is timed."""
import os
import re
import socket
import subprocess
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import testlib  # noqa: E402

SIM = os.environ.get("MCUSIM_SIM", testlib.SIM)
WAIT = testlib.TIMEOUT


class Stream:
    """A pipe read by a thread; `wait_for` blocks until a pattern shows."""

    def __init__(self, pipe):
        self.text = ""
        self.cond = threading.Condition()
        self.closed = False
        self.thread = threading.Thread(target=self._read, args=(pipe,), daemon=True)
        self.thread.start()

    def _read(self, pipe):
        while True:
            data = pipe.read1(65536) if hasattr(pipe, "read1") else pipe.read(1)
            with self.cond:
                if not data:
                    self.closed = True
                    self.cond.notify_all()
                    return
                self.text += data.decode(errors="replace")
                self.cond.notify_all()

    def wait_for(self, pattern, timeout=WAIT):
        """The first match of the regex `pattern`, or None when the stream
        ended (or the guard ran out) without it."""
        rx = re.compile(pattern)
        with self.cond:
            m = rx.search(self.text)
            while not m and not self.closed:
                if not self.cond.wait(timeout):
                    break
                m = rx.search(self.text)
            return m


class Sim:
    """mcusim-san with `args`; stdin is /dev/null unless `stdin` is a pipe."""

    def __init__(self, args, stdin=subprocess.DEVNULL):
        self.proc = subprocess.Popen([SIM] + args, cwd=testlib.TOP, env=testlib.ENV,
                                     stdin=stdin, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        self.out = Stream(self.proc.stdout)
        self.err = Stream(self.proc.stderr)

    def listening(self, kind="monitor"):
        """Where the console (or, kind "control", the control socket)
        listens, from its line on stderr: (host, port) for tcp, the path
        for unix; None when it never said."""
        m = self.err.wait_for(r"mcusim: %s listening on (?:unix:(\S+)|(\S+):(\d+))\n" % kind)
        if not m:
            return None
        return m.group(1) if m.group(1) else (m.group(2), int(m.group(3)))

    def finish(self, timeout=WAIT):
        """The exit status (None when it did not end), once both streams
        are read to their end."""
        try:
            status = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            status = None
        self.out.thread.join(timeout)
        self.err.thread.join(timeout)
        return status

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.finish()


class Client:
    """A console client on a tcp (host, port) or unix path."""

    def __init__(self, where):
        if isinstance(where, tuple):
            self.sock = socket.create_connection(where, timeout=WAIT)
        else:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.settimeout(WAIT)
            self.sock.connect(where)
        self.buf = b""

    def send_raw(self, data):
        self.sock.sendall(data)

    def line(self):
        """The next line without its newline; None at the end of the stream."""
        while b"\n" not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                return None
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode(errors="replace")

    def reply(self):
        """(output lines, "ok" or "error"); (lines, None) when the stream
        ended first."""
        lines = []
        while True:
            line = self.line()
            if line is None or line in ("ok", "error"):
                return lines, line
            lines.append(line)

    def cmd(self, text):
        self.send_raw(text.encode() + b"\n")
        return self.reply()

    def close(self):
        self.sock.close()
