#!/usr/bin/env python3
"""A replaced UART takes over its predecessor's backend (sim/uart_tap.h;
tests/reconfig/run_reconfig.py runs these): the new model asks for the
chardev spec the old one still holds open, and is handed that backend
instead of opening the spec a second time.

- file: UART0 on `file:PATH`, its model swapped at 5 ms by a scenario
  (`peripheral replace`) or by `board apply` of a board whose UART0 is the
  other model on the same file: the file holds every line the firmware
  printed (tests/firmware/reconfig/uart_swap.c), the ones before the swap
  included (opening the file again would truncate it). On both boards.
- tcp: UART0 on `tcp:127.0.0.1:0`, the run driven by the console
  (`--monitor-wait`): a client connects to the UART before the first byte,
  the firmware runs 3 ms, `peripheral replace` succeeds, and the same
  connection receives every line to the end of the run. The port is
  listened on once (a second listen on a fixed port is what refused the
  replace; on port 0 it moved the UART to another port and hung up on the
  client).

All on the sanitized simulator; nothing is timed (every wait has a limit
that only guards against a hang).
"""
import os
import re
import socket
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "console"))
from testlib import SIM, TIMEOUT, TOP, Results, sanitizer_report  # noqa: E402
from testlib import run as run_process  # noqa: E402
from consolelib import Client, Sim  # noqa: E402

BOARDS_FILE = "tests/firmware/reconfig/boards/reconfig.yaml"
# Board files by absolute path, the same string in --board and in the
# applied board's `extends:`: the flash's image path (relative to the file)
# then reads the same, and `board apply` leaves the flash alone.
BOARDS_PATH = os.path.join(TOP, BOARDS_FILE)
OUT = os.path.join(TOP, "build", "reconfig")
MODELS = {"virt32": ("ns16550a", "sifive,uart0"), "hifive1": ("sifive,uart0", "ns16550a")}
TICKS = 16  # uart_swap.c's lines


def whole_output_problems(text, old, new):
    """uart_swap.c's output with the model swapped once: `model=OLD`, the
    ticks before the swap, `model=NEW`, the ticks after, `done`. Each
    tick exactly once, in order, none lost at the swap."""
    ticks = ["tick %d" % i for i in range(TICKS)]
    lines = text.split("\n")
    if lines[-1:] == [""]:
        lines.pop()
    marker = "model=" + new
    if lines.count(marker) != 1:
        return ["%r appears %d times, expected once:\n%s" % (marker, lines.count(marker), text)]
    k = lines.index(marker) - 1  # ticks printed before the swap
    if k < 1:
        return ["nothing printed before the swap is left:\n" + text]
    want = ["model=" + old] + ticks[:k] + [marker] + ticks[k:] + ["done"]
    if lines != want:
        return ["expected every tick once, %s before the swap, %s after:\n--- expected\n%s\n"
                "--- got\n%s" % ("model=" + old, marker, "\n".join(want), text)]
    return []


def fresh(path):
    """`path` under the repository top, removed so a stale one cannot pass."""
    full = os.path.join(TOP, path)
    if os.path.exists(full):
        os.remove(full)
    return full


def write(path, text):
    with open(os.path.join(TOP, path), "w") as f:
        f.write(text)


def read(full):
    if not os.path.exists(full):
        return "(no file)\n"
    with open(full, "rb") as f:
        return f.read().decode(errors="replace")


def swap_by_replace(board, chardev):
    """A scenario replacing UART0 by the other model at 5 ms."""
    path = "build/reconfig/chardev_handover-replace-%s.yaml" % board
    write(path, "steps:\n"
                "  - name: swap the model\n"
                "    at: 5ms\n"
                "    do:\n"
                "      - peripheral replace uart0 %s\n"
                "      - audit\n"
                "  - name: the end\n"
                "    on-uart: {uart0: \"done\\n\"}\n"
                "    expect-exit: 0\n" % MODELS[board][1])
    return path


def swap_by_apply(board, chardev):
    """A board file whose UART0 is the other model on the same chardev,
    and a scenario applying it at 5 ms."""
    boards = "build/reconfig/chardev_handover-%s.boards.yaml" % board
    write(boards, "swapped:\n"
                  "  extends: %s:rc-%s\n"
                  "  peripherals:\n"
                  "    - name: uart0\n"
                  "      type: %s\n"
                  "      chardev: %s\n" % (BOARDS_PATH, board, MODELS[board][1], chardev))
    path = "build/reconfig/chardev_handover-apply-%s.yaml" % board
    write(path, "steps:\n"
                "  - name: swap the model\n"
                "    at: 5ms\n"
                "    do:\n"
                "      - board apply %s:swapped\n"
                "      - audit\n"
                "  - name: the end\n"
                "    on-uart: {uart0: \"done\\n\"}\n"
                "    expect-exit: 0\n" % boards)
    return path


def file_case(res, how, board):
    name = "reconfig/chardev-handover-file-%s-%s" % (how, board)
    txt = "build/reconfig/chardev_handover-%s-%s.txt" % (how, board)
    full = fresh(txt)
    chardev = "file:" + txt
    scenario = (swap_by_replace if how == "replace" else swap_by_apply)(board, chardev)
    p = run_process([SIM, "--board", "%s:rc-%s" % (BOARDS_PATH, board),
                     "--set", "uart0.chardev=" + chardev, "--scenario", scenario,
                     "build/fw/reconfig/%s/uart_swap.elf" % board])
    problems = []
    if p.status != 0 or "checks passed" not in p.stderr:
        problems.append("exit status %d, expected 0 and the scenario passed" % p.status)
    if p.stdout:
        problems.append("stdout is not empty (UART0 writes to the file): %r" % p.stdout)
    old, new = MODELS[board]
    problems += ["%s: %s" % (txt, x) for x in whole_output_problems(read(full), old, new)]
    if sanitizer_report(p.stderr):
        problems.append("sanitizer report")
    if problems:
        problems.append("--- stderr\n" + p.stderr)
    res.report(name, problems)


def receive_all(sock):
    """Everything the UART sends until the simulator hangs up."""
    data = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return data.decode(errors="replace")
        data += chunk


def tcp_case(res):
    name = "reconfig/chardev-handover-tcp-virt32"
    sim = Sim(["--board", "%s:rc-virt32" % BOARDS_FILE,
               "--set", "uart0.chardev=tcp:127.0.0.1:0",
               "--monitor", "tcp:0", "--monitor-wait", "build/fw/reconfig/virt32/uart_swap.elf"])
    problems = []
    try:
        problems += tcp_session(sim)
    except OSError as e:  # a refused connection, a timeout
        problems.append("%s: %s" % (type(e).__name__, e))
    status = sim.finish()
    listens = len(re.findall(r"mcusim: char device listening on ", sim.err.text))
    if listens != 1:
        problems.append("the UART's port was listened on %d times, expected once" % listens)
    if status != 0:
        problems.append("exit status %s, expected 0" % status)
    if sanitizer_report(sim.err.text):
        problems.append("sanitizer report")
    if problems:
        problems.append("--- stderr\n" + sim.err.text)
    res.report(name, problems)


def tcp_session(sim):
    """Connects to the UART, then to the console; runs 3 ms, replaces
    UART0, runs to the end; the problems with what the UART sent."""
    m = sim.err.wait_for(r"mcusim: char device listening on 127\.0\.0\.1:(\d+)\n")
    where = sim.listening()
    if not m or not where:
        sim.kill()
        return ["the UART or the console never said where it listens"]
    problems = []
    uart = socket.create_connection(("127.0.0.1", int(m.group(1))), timeout=TIMEOUT)
    console = Client(where)  # the firmware starts after the UART's client is there
    try:
        for command, said in [("run-for 3ms", "halted at"),
                              ("peripheral replace uart0 sifive,uart0", "replaced uart0"),
                              ("audit", "ok")]:
            lines, status = console.cmd(command)
            if status != "ok" or not any(said in line for line in lines):
                problems.append("%r: %r %r, expected ok and %r" % (command, lines, status, said))
        console.send_raw(b"cont\n")
        problems += whole_output_problems(receive_all(uart), "ns16550a", "sifive,uart0")
    finally:
        uart.close()
        console.close()
    return problems


def run(res, only=None):
    """run_reconfig.py's entry point."""
    os.makedirs(OUT, exist_ok=True)
    for how in ("replace", "apply"):
        for board in MODELS:
            if not only or only in "reconfig/chardev-handover-file-%s-%s" % (how, board):
                file_case(res, how, board)
    if not only or only in "reconfig/chardev-handover-tcp-virt32":
        tcp_case(res)


def main():
    res = Results()
    run(res, only=sys.argv[2] if len(sys.argv) > 2 and sys.argv[1] == "-k" else None)
    return res.summary()


if __name__ == "__main__":
    sys.exit(main())
