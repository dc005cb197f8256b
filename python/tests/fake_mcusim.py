#!/usr/bin/env python3
"""A stand-in for build/mcusim that speaks the control protocol badly on
purpose, so the client's handling of each failure can be tested without
the real simulator. Usage as mcusim's: fake_mcusim.py --control SPEC ...
BEHAVIOUR, where BEHAVIOUR (the "firmware") says how it misbehaves:

  normal        a well-behaved session (run-for, run-until, reg, memory
                read, uart read, quit)
  no-listen     says why on stderr and exits 125 before listening
  die-mid-reply run-for: half a line, then exits 7
  silent        never replies to anything but quit
  bad-hex       memory read: not hex
  bad-quoted    uart read: not a quoted string
  no-state      run-for: ok without a state line
"""
import os
import socket
import sys


def serve_line(conn, behaviour, line, state):
    words = line.split()
    if not words:
        return "error: empty\nerror\n"
    if words[0] == "quit":
        conn.sendall(b"ok\n")
        sys.exit(int(words[1]) if len(words) > 1 else state["status"])
    if behaviour == "silent":
        return ""
    if words[0] == "run-for":
        if behaviour == "die-mid-reply":
            conn.sendall(b"halted at pc 0x8000")
            sys.stderr.write("fake: dying in the middle of a reply\n")
            sys.stderr.flush()
            os._exit(7)
        if behaviour == "no-state":
            return "ok\n"
        if state["exited"]:
            return "error: the firmware has exited (status 3)\nerror\n"
        if words[1] == "9ms":
            state["exited"], state["status"] = True, 3
            return "exited with status 3 after 900 instructions, cycle 900\nok\n"
        return "halted at pc 0x80000010 after 100 instructions, cycle 120\nok\n"
    if words[0] == "run-until":
        return ('error: run-until: no "never" from uart0 within 1ms\n'
                "halted at pc 0x80000020 after 200 instructions, cycle 10000\nerror\n")
    if words[0] == "memory":
        return ("zz\nok\n" if behaviour == "bad-hex" else
                "%s\nok\n" % ("ab" * int(words[3])))
    if words[:3] == ["uart", "uart0", "read"]:
        return ("hello\nok\n" if behaviour == "bad-quoted" else
                '"hi\\n\\x00\\"ok\\"\\\\"\nok\n')
    if words[0] == "reg":
        return "%s 0x0000002a\nok\n" % words[1]
    if words[0] == "echo":  # lines that look like the end of a reply
        return " ok\n error\nok\n"
    return "error: unknown command '%s'\nerror\n" % words[0]


def main():
    spec, behaviour = sys.argv[2], sys.argv[-1]
    if behaviour == "no-listen":
        sys.stderr.write("mcusim: fake: no such board\n")
        sys.exit(125)
    if spec.startswith("unix:"):
        path = spec[len("unix:"):]
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(path)
        where = spec
    else:
        path = None
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.bind(("127.0.0.1", 0))
        where = "127.0.0.1:%d" % server.getsockname()[1]
    server.listen(1)
    sys.stderr.write("mcusim: control listening on %s\n" % where)
    sys.stderr.flush()
    conn, _ = server.accept()
    state = {"exited": False, "status": 0}
    buf = b""
    try:
        while True:
            data = conn.recv(4096)
            if not data:
                sys.exit(122)
            buf += data
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                conn.sendall(serve_line(conn, behaviour, line.decode(), state).encode())
    finally:
        if path:
            os.unlink(path)


if __name__ == "__main__":
    main()
