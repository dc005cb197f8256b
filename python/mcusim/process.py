"""The simulator as a child process: started, its stdout and stderr read as
they come (by two threads, so a chatty simulator never blocks on a full
pipe), waited for, killed. Host time appears only as safety nets."""
import re
import subprocess
import threading


class Stream:
    """A pipe read to its end by a thread; the text so far in `text`."""

    def __init__(self, pipe):
        self._chunks = []
        self._cond = threading.Condition()
        self.closed = False
        self._thread = threading.Thread(target=self._read, args=(pipe,), daemon=True)
        self._thread.start()

    def _read(self, pipe):
        try:
            while True:
                data = pipe.read1(65536)
                with self._cond:
                    if not data:
                        break
                    self._chunks.append(data)
                    self._cond.notify_all()
        except (OSError, ValueError):
            pass
        finally:
            with self._cond:
                self.closed = True
                self._cond.notify_all()
            try:
                pipe.close()
            except OSError:
                pass

    @property
    def data(self):
        with self._cond:
            return b"".join(self._chunks)

    @property
    def text(self):
        return self.data.decode("utf-8", errors="replace")

    def wait_for(self, pattern, guard):
        """The first match of the regex `pattern` in the text, or None when
        the stream ended (or `guard` seconds of host time passed) first."""
        rx = re.compile(pattern)
        with self._cond:
            while True:
                m = rx.search(b"".join(self._chunks).decode("utf-8", errors="replace"))
                if m or self.closed:
                    return m
                if not self._cond.wait(guard):
                    return None

    def join(self, guard):
        self._thread.join(guard)


class Process:
    """`argv` running with stdin from /dev/null; stdout and stderr as
    Streams. The caller ends it with finish() (or kill())."""

    def __init__(self, argv, cwd=None, env=None):
        self.argv = list(argv)
        self.popen = subprocess.Popen(self.argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.stdout = Stream(self.popen.stdout)
        self.stderr = Stream(self.popen.stderr)

    @property
    def pid(self):
        return self.popen.pid

    def running(self):
        return self.popen.poll() is None

    def wait(self, guard):
        """The exit status (negative: the signal that killed it), or None
        when it is still running after `guard` seconds."""
        try:
            return self.popen.wait(guard)
        except subprocess.TimeoutExpired:
            return None

    def kill(self):
        """SIGKILL if still running, then reaped; returns the status."""
        if self.popen.poll() is None:
            try:
                self.popen.kill()
            except OSError:
                pass
        return self.popen.wait()

    def finish(self, guard):
        """Waits up to `guard` seconds for the end (kills it after that),
        then for both streams to be read to their end. The exit status."""
        status = self.wait(guard)
        if status is None:
            status = self.kill()
        self.stdout.join(guard)
        self.stderr.join(guard)
        return status
