"""Command-line cases for tests/run_tests.py: arguments to mcusim-san, the
exit status expected, and text its stdout/stderr must contain."""

FW = "build/fw/"

CASES = [
    dict(name="help", args=["--help"], status=0,
         stdout=["Usage: mcusim", "--board", "--max-insns", "Exit status"]),
    dict(name="version", args=["--version"], status=0, stdout=["mcusim "]),
    dict(name="no-firmware", args=[], status=125, stderr=["no firmware ELF given"]),
    dict(name="unknown-option", args=["--frobnicate", FW + "hello.elf"], status=125,
         stderr=["unrecognized option", "--help"]),
    dict(name="list-boards", args=["--list-boards"], status=0, stdout=["virt32"]),
    dict(name="unknown-board", args=["--board", "nosuch", FW + "hello.elf"], status=125,
         stderr=["no board 'nosuch'", "virt32"]),
    dict(name="missing-board-file", args=["--board", "/nonexistent/b.yaml", FW + "hello.elf"],
         status=125, stderr=["/nonexistent/b.yaml", "cannot open"]),
    dict(name="missing-elf", args=["/nonexistent.elf"], status=125,
         stderr=["/nonexistent.elf: cannot open"]),
    dict(name="not-an-elf", args=["boards.yaml"], status=125,
         stderr=["boards.yaml: not an ELF file"]),
    dict(name="bad-max-insns", args=["--max-insns", "lots", FW + "hello.elf"], status=125,
         stderr=["--max-insns: 'lots' is not a positive number"]),
    dict(name="insn-limit", args=["--max-insns", "100", FW + "hello.elf"], status=124,
         stderr=["stopped after 100 instructions"]),
    dict(name="board-file-with-name", args=["--board", "boards.yaml:virt32", FW + "exit_code.elf"],
         status=3, stdout=["exiting with status 3"]),
]
