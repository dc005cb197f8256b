"""mcusim.read_symbols (sim.symbol) against binutils' nm, and files that
are not ELFs."""
import shutil
import subprocess

import pytest

from conftest import firmware
from mcusim import read_symbols
from mcusim.elf import ElfError

NM = shutil.which("riscv64-unknown-elf-nm")


@pytest.mark.parametrize("elf", ["hello.elf", "hifive1/hello.elf"])
def test_every_symbol_nm_lists(elf):
    if NM is None:
        pytest.fail("riscv64-unknown-elf-nm is missing (bash tools/setup.sh)", pytrace=False)
    path = firmware(*elf.split("/"))
    ours = read_symbols(path)
    out = subprocess.run([NM, "--defined-only", path], stdout=subprocess.PIPE, check=True)
    seen = 0
    for line in out.stdout.decode().splitlines():
        value, kind, name = line.split(None, 2)
        if kind in "aA" or name.startswith("$"):
            continue  # file names, mapping symbols
        assert ours[name] == int(value, 16), name
        seen += 1
    assert seen > 50


@pytest.mark.parametrize("data", [b"", b"\x7fEL", b"not an elf at all", b"\x7fELF" + b"\x01" * 12,
                                  b"\x7fELF\x01\x01" + b"\0" * 30])
def test_not_an_elf(tmp_path, data):
    path = tmp_path / "bad.elf"
    path.write_bytes(data)
    with pytest.raises(ElfError):
        read_symbols(str(path))


def test_a_truncated_elf(tmp_path):
    with open(firmware("hello.elf"), "rb") as f:
        data = f.read()
    path = tmp_path / "cut.elf"
    path.write_bytes(data[:len(data) - 100])  # the section headers are at the end
    with pytest.raises(ElfError):
        read_symbols(str(path))
