#!/usr/bin/env python3
"""Host-service tests (sim/host/*.c): newlib system calls, semihosting and
HTIF, each run of mcusim checked for its exact stdout and exit status.

The firmware is built into build/host/ (nothing here builds during a test
run; build_commands() gives the commands, build.sh runs them):
  newlib_*.c      unmodified newlib programs: default specs, libgloss crt0,
                  our newlib in build/newlib (linked at 0x10000) -> newlib-sim
  semihost_*.c    picolibc, --specs=picolibc.specs --crt0=semihost --oslib=semihost
                  (flash 0x10000000, RAM 0x20000000) -> picolibc-sim
  htif_*.S        riscv-tests style assembly at 0x80000000 (htif.ld) ->
                  virt32 with --host htif
A case with root=True runs in a fresh temporary folder laid out by
make_root(): the firmware gets `--semihosting-root ROOT`, a symlink from
the root to a folder beside it, a symlink to /etc/passwd and a file beside
the root that escaping paths would reach; after the run the root's files
are compared with `files` and nothing beside it may have changed.

From tests/run_tests.py:
    sys.path.insert(0, os.path.join(TOP, "tests", "firmware", "host"))
    import run_host
    run_host.run(res, only=only)     # res.ok(name) / res.fail(name, why)

Standalone: python3 tests/firmware/host/run_host.py [--build] [--sim PATH] [-k WORD]
"""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
import testlib  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
BUILD_DIR = os.path.join(TOP, "build", "host")
TIMEOUT = 120

CC = "riscv64-unknown-elf-gcc"
ARCH = ["-march=rv32imac", "-misa-spec=2.2", "-mabi=ilp32"]
NEWLIB = "build/newlib/riscv64-unknown-elf"



def sources():
    """(name, source path relative to TOP), sorted."""
    out = []
    for f in sorted(os.listdir(HERE)):
        stem, ext = os.path.splitext(f)
        if ext in (".c", ".S") and stem.split("_")[0] in ("newlib", "semihost", "htif"):
            out.append((stem, "tests/firmware/host/" + f))
    return out


def compile_command(name, src, out):
    """The compiler command (run from the repository top) for one test."""
    kind = name.split("_")[0]
    if kind == "newlib":
        # Plain gcc with the default specs: libgloss's crt0 and -lgloss.
        include = subprocess.run([CC, "-print-file-name=include"], capture_output=True,
                                 text=True).stdout.strip()
        return [CC] + ARCH + ["-O2", "-g", "-Wall", "-Wextra", "-Werror",
                              "-nostdinc", "-isystem", NEWLIB + "/include", "-isystem", include,
                              "-B", NEWLIB + "/lib", "-L", NEWLIB + "/lib", src, "-o", out]
    if kind == "semihost":
        return [CC, "--specs=picolibc.specs", "--crt0=semihost", "--oslib=semihost"] + ARCH + [
            "-O2", "-g", "-Wall", "-Wextra", "-Werror", src, "-o", out]
    return [CC] + ARCH + ["-nostdlib", "-nostartfiles", "-Wl,--no-warn-rwx-segments",
                          "-T", "tests/firmware/host/htif.ld", "-Itests/firmware/host",
                          src, "-o", out]


def build_commands():
    return [(name, compile_command(name, src, os.path.join("build", "host", name + ".elf")))
            for name, src in sources()]


ARGS_OUT = ("argc 4\nargv[0] newlib_args.elf\nargv[1] 'a'\nargv[2] 'b c'\n"
            "argv[3] ''\nargv[argc] NULL\n")

HEAP_OUT = """heap starts at _end: yes
7 MiB allocated, 0 bad
heap grew by at least 7 MiB: yes
200 MiB: refused, errno ENOMEM: yes
time advances: yes
clock_gettime64 0, clock_gettime 0, in order: yes
bad clock: -22
stdout is a tty: 1, fstat(7): -1 errno 9
"""

NEWLIB_FILES_OUT = """read: line 1
read: line 2
size 21, regular 1, end at 21
read 7: line 2
lseek -1: -1 errno 22
write to closed fd: -1 errno 9
create new.txt: ok
create it again (O_EXCL): -1 errno 17
unlink new.txt: 0
open new.txt: refused (errno 2)
open sub/inner.txt: opened (errno 0)
open ./sub/../data.txt: refused (errno 13)
open ../outside.txt: refused (errno 13)
open /etc/passwd: refused (errno 13)
open link-to-outside/secret.txt: refused (errno 92)
open passwd-link: refused (errno 92)
open sub: refused (errno 21)
"""

SEMIHOST_FILES_OUT = """argc 4
argv[0] 'program-name'
argv[1] 'semihost_files.elf'
argv[2] 'x'
argv[3] 'y'
read back: 0123456789abcdef
length 17
at 10: 6 bytes 'abcdef'
remove: 0
open semi.txt: refused (errno 2)
open sub/inner.txt: opened (errno 0)
open ../outside.txt: refused (errno 13)
open /etc/passwd: refused (errno 13)
open link-to-outside/secret.txt: refused (errno 92)
open passwd-link: refused (errno 92)
"""

# name, elf, mcusim options, firmware args (after --), status, stdout,
# and optionally: root (a fresh --semihosting-root), files (the root's
# files afterwards: path -> content, None for "must not exist"),
# stderr (texts stderr must contain), elfarg (False: no ELF).
CASES = [
    dict(name="newlib-hello", elf="newlib_hello", opts=["--board", "newlib-sim"], status=0,
         stdout="hello from newlib\n", stderr=["to stderr"]),
    dict(name="newlib-args", elf="newlib_args", opts=["--board", "newlib-sim"],
         args=["a", "b c", ""], status=4, stdout=ARGS_OUT),
    dict(name="newlib-no-args", elf="newlib_args", opts=["--board", "newlib-sim"], status=1,
         stdout="argc 1\nargv[0] newlib_args.elf\nargv[argc] NULL\n"),
    dict(name="newlib-exit", elf="newlib_exit", opts=["--board", "newlib-sim"], status=42,
         stdout="leaving with 42"),
    dict(name="newlib-heap-and-time", elf="newlib_heap", opts=["--board", "newlib-sim"],
         status=0, stdout=HEAP_OUT),
    dict(name="newlib-heap-small-ram", elf="newlib_heap",
         opts=["--board", "newlib-sim", "--set", "ram.size=4M"], status=1,
         stdout="heap starts at _end: yes\nmalloc 2 failed\n"),
    dict(name="newlib-files", elf="newlib_files", opts=["--board", "newlib-sim"], root=True,
         status=0, stdout=NEWLIB_FILES_OUT,
         files={"data.txt": "line 1\nline 2\nline 3\n", "new.txt": None}),
    # read() into a function already decoded: the new code runs.
    dict(name="newlib-code-loaded-by-read", elf="newlib_codeload",
         opts=["--board", "newlib-sim"], root=True, status=0,
         stdout="before: 100\nafter read(): 200\n", files={"code.bin": None}),
    dict(name="newlib-files-no-root", elf="newlib_files", opts=["--board", "newlib-sim"],
         status=1, stdout="fopen data.txt: errno 13\n", stderr=["host files are off"]),
    dict(name="newlib-services-off", elf="newlib_hello",
         opts=["--board", "newlib-sim", "--host", "none"], status=126,
         stdout="", stderr=["firmware fault"]),
    dict(name="semihost-files", elf="semihost_files", opts=["--board", "picolibc-sim"],
         args=["x", "y"], root=True, status=0, stdout=SEMIHOST_FILES_OUT,
         files={"semi.txt": None}),
    dict(name="semihost-no-root", elf="semihost_files", opts=["--board", "picolibc-sim"],
         status=2, stdout="argc 2\nargv[0] 'program-name'\nargv[1] 'semihost_files.elf'\n"
                          "fopen semi.txt: errno 13\n",
         stderr=["host files are off"]),
    # Without semihosting the first ebreak traps into picolibc's handler,
    # which reports through semihosting again, and so on.
    dict(name="semihost-services-off", elf="semihost_files",
         opts=["--board", "picolibc-sim", "--host", "newlib", "--max-insns", "1M"],
         status=124, stdout="", stderr=["stopped after 1048576 instructions"]),
    dict(name="htif-pass", elf="htif_pass", opts=["--host", "htif"], status=0,
         stdout="htif console\n"),
    dict(name="htif-fail", elf="htif_fail", opts=["--host", "htif", "--max-insns", "1M"],
         status=5, stdout="test 5 fails\n"),
    dict(name="htif-off-by-default", elf="htif_pass", opts=["--max-insns", "100000"],
         status=124, stdout="", stderr=["stopped after 100000 instructions"]),
    dict(name="bad-host-list", elf="htif_pass", opts=["--host", "newlib,pk"], status=125,
         stdout="", stderr=["--host: unknown service 'pk'"]),
    dict(name="root-without-services", elf="htif_pass",
         opts=["--semihosting-root", "."], status=125, stdout="",
         stderr=["--semihosting-root: board 'virt32' uses no host services"]),
    dict(name="root-missing", elf="newlib_hello",
         opts=["--board", "newlib-sim", "--semihosting-root", "/nonexistent/dir"],
         status=125, stdout="", stderr=["--semihosting-root /nonexistent/dir: No such file"]),
]


def make_root(tmp):
    """ROOT with sub/inner.txt and two links out; beside it what escaping
    paths would reach."""
    root = os.path.join(tmp, "root")
    os.makedirs(os.path.join(root, "sub"))
    os.makedirs(os.path.join(tmp, "outside"))
    with open(os.path.join(root, "sub", "inner.txt"), "w") as f:
        f.write("inside\n")
    with open(os.path.join(tmp, "outside", "secret.txt"), "w") as f:
        f.write("secret\n")
    with open(os.path.join(tmp, "outside.txt"), "w") as f:
        f.write("outside\n")
    os.symlink("../outside", os.path.join(root, "link-to-outside"))
    os.symlink("/etc/passwd", os.path.join(root, "passwd-link"))
    return root


def snapshot(folder):
    """path -> content of every file below folder (links not followed)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in filenames:
            path = os.path.join(dirpath, name)
            if os.path.islink(path):
                out[os.path.relpath(path, folder)] = "-> " + os.readlink(path)
            else:
                with open(path, errors="replace") as f:
                    out[os.path.relpath(path, folder)] = f.read()
    return out


def run_case(sim, case):
    """The problems with one case (empty: it passed)."""
    elf = os.path.join(BUILD_DIR, case["elf"] + ".elf")
    if not os.path.exists(elf):
        return ["%s is missing (build it: bash tests/firmware/host/build.sh)"
                % os.path.relpath(elf, TOP)]
    tmp = tempfile.mkdtemp(prefix="mcusim-host-")
    try:
        opts = list(case["opts"])
        before = None
        if case.get("root"):
            root = make_root(tmp)
            opts += ["--semihosting-root", root]
            before = {k: v for k, v in snapshot(tmp).items() if not k.startswith("root/")}
        cmd = [sim] + opts + [elf]
        if "args" in case:
            cmd += ["--"] + case["args"]
        r = testlib.run(cmd, timeout=TIMEOUT)
        status, out, err = r.status, r.stdout, r.stderr
        problems = []
        if status != case["status"]:
            problems.append("exit status %d, expected %d" % (status, case["status"]))
        if out != case["stdout"]:
            problems.append("stdout differs:\n--- expected\n%s\n--- got\n%s"
                            % (case["stdout"], out))
        for text in case.get("stderr", []):
            if text not in err:
                problems.append("stderr lacks %r" % text)
        if testlib.sanitizer_report(err):
            problems.append("sanitizer report")
        if case.get("root"):
            files = snapshot(os.path.join(tmp, "root"))
            for path, content in case.get("files", {}).items():
                if files.get(path) != content:
                    problems.append("root file %s is %r, expected %r"
                                    % (path, files.get(path), content))
            after = {k: v for k, v in snapshot(tmp).items() if not k.startswith("root/")}
            if after != before:
                problems.append("files outside the root changed: %r -> %r" % (before, after))
        if problems:
            problems.append("--- command\n%s\n--- stderr\n%s" % (" ".join(cmd), err))
        return problems
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run(results, sim=None, only=None):
    """Runs every case, reporting each through results.ok / results.fail
    as `host/NAME`."""
    sim = sim or testlib.SIM
    for case in CASES:
        label = "host/" + case["name"]
        if only and only not in label:
            continue
        results.report(label, run_case(sim, case))


def main(argv):
    sim, only = None, None
    args = list(argv)
    if "--build" in args:
        args.remove("--build")
        p = subprocess.run(["bash", os.path.join(HERE, "build.sh")])
        if p.returncode != 0:
            return 1
    while args:
        a = args.pop(0)
        if a == "--sim" and args:
            sim = os.path.abspath(args.pop(0))
        elif a == "-k" and args:
            only = args.pop(0)
        else:
            print(__doc__, file=sys.stderr)
            return 2
    res = testlib.Results()
    run(res, sim=sim, only=only)
    return res.summary()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
