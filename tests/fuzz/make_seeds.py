#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz harnesses (tests/fuzz/corpus/elf and
tests/fuzz/corpus/board). The files it writes are committed; run it again
(after `ninja all`, which builds the firmware it takes ELFs from) only to
refresh them, and commit what changed.

corpus/elf: real firmware from the build made small (the ELF header, the
program headers, at most 256 bytes of each segment's contents, and a small
symbol table with the names the host services look up), the malformed ELFs
of tests/elf/make_bad_elfs.py made from the small hello.elf instead of the
full one, and its hand-assembled programs.

corpus/board: the shipped boards, the test boards and malformed variants,
in the harness's input format (tests/fuzz/fuzz_board.c: "#%file NAME",
"#%set A.B=C", "#%board NAME" lines).

corpus/snapshot: snapshot files of tests/fuzz/fuzz_snapshot.c's own machine
(at reset, running, reconfigured, of another board, another firmware) and
damaged ones; the harness writes them itself (FUZZ_WRITE_SEEDS=DIR).

corpus/record: --record files of tests/fuzz/fuzz_record.c's own machine and
malformed ones (FUZZ_WRITE_SEEDS=DIR, the harness writes them), and two that
`build/mcusim --record` makes of build/fw/uart_echo.elf (to its end, and cut
short by --max-insns).

    python3 tests/fuzz/make_seeds.py                  # every corpus
    python3 tests/fuzz/make_seeds.py snapshot record  # those only
"""
import glob
import os
import shutil
import struct
import subprocess
import sys
import tempfile

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORPUS = os.path.join(TOP, "tests", "fuzz", "corpus")
sys.path.insert(0, os.path.join(TOP, "tests", "elf"))
import make_bad_elfs  # noqa: E402

SEGMENT_BYTES = 256
WANTED_SYMBOLS = ["tohost", "fromhost", "_end", "end", "__heap_start", "__heap_end",
                  "__stack", "main", "_start"]
MAX_SYMBOLS = 16
SHN_ABS = 0xfff1
MAX_SEED = 16 << 10  # bytes: big seeds only slow every mutation down

# ---- ELF seeds ----


class Elf32:
    def __init__(self, data):
        self.data = data
        (self.ident, self.type, self.machine, self.version, self.entry, self.phoff,
         self.shoff, self.flags, self.ehsize, self.phentsize, self.phnum,
         self.shentsize, self.shnum, self.shstrndx) = struct.unpack_from(
            "<16sHHIIIIIHHHHHH", data, 0)

    def phdrs(self):
        return [list(struct.unpack_from("<8I", self.data, self.phoff + 32 * i))
                for i in range(self.phnum)]

    def shdrs(self):
        return [struct.unpack_from("<10I", self.data, self.shoff + 40 * i)
                for i in range(self.shnum)]

    def symbols(self):
        """(name, value, size, info) of the symbols worth keeping."""
        shdrs = self.shdrs()
        tables = [s for s in shdrs if s[1] == 2]  # SHT_SYMTAB
        if not tables:
            return []
        sym = tables[0]
        strtab = shdrs[sym[6]]
        out = []
        for i in range(1, sym[5] // 16):
            name, value, size, info, _, shndx = struct.unpack_from(
                "<IIIBBH", self.data, sym[4] + 16 * i)
            end = self.data.index(b"\0", strtab[4] + name)
            text = self.data[strtab[4] + name:end].decode()
            if text and shndx and (info & 0xf) in (0, 1, 2):
                out.append((text, value, size, info))
        wanted = [s for s in out if s[0] in WANTED_SYMBOLS]
        others = [s for s in out if s[0] not in WANTED_SYMBOLS and (s[3] & 0xf) in (1, 2)]
        return (wanted + others)[:MAX_SYMBOLS]


def small_elf(data):
    """The ELF with each segment's contents cut to SEGMENT_BYTES, packed
    after the program headers, and a fresh small symbol table."""
    elf = Elf32(data)
    phdrs = elf.phdrs()
    out = bytearray(52 + 32 * len(phdrs))
    for ph in phdrs:
        blob = data[ph[1]:ph[1] + min(ph[4], SEGMENT_BYTES)]
        out += b"\0" * (-len(out) % 4)
        ph[1], ph[4] = len(out) if blob else 0, len(blob)
        out += blob
    strtab, symtab = bytearray(b"\0"), bytearray(16)
    for name, value, size, info in elf.symbols():
        symtab += struct.pack("<IIIBBH", len(strtab), value, size, info, 0, SHN_ABS)
        strtab += name.encode() + b"\0"
    shstrtab = b"\0.symtab\0.strtab\0.shstrtab\0"
    sections = []
    for blob in (symtab, strtab, shstrtab):
        out += b"\0" * (-len(out) % 4)
        sections.append((len(out), len(blob)))
        out += blob
    out += b"\0" * (-len(out) % 4)
    shoff = len(out)
    out += bytes(40)
    out += struct.pack("<10I", 1, 2, 0, 0, sections[0][0], sections[0][1], 2, 1, 4, 16)
    out += struct.pack("<10I", 9, 3, 0, 0, sections[1][0], sections[1][1], 0, 0, 1, 0)
    out += struct.pack("<10I", 17, 3, 0, 0, sections[2][0], sections[2][1], 0, 0, 1, 0)
    struct.pack_into("<16sHHIIIIIHHHHHH", out, 0, elf.ident, elf.type, elf.machine,
                     elf.version, elf.entry, 52, shoff, elf.flags, 52, 32, len(phdrs),
                     40, 4, 3)
    for i, ph in enumerate(phdrs):
        struct.pack_into("<8I", out, 52 + 32 * i, *ph)
    return bytes(out)


FIRMWARE = [
    ("hello.elf", "build/fw/hello.elf"),                  # virt32, RISCV_ATTRIBUTES + LOAD
    ("hifive1-hello.elf", "build/fw/hifive1/hello.elf"),  # flash, data LMA != VMA
    ("newlib-hello.elf", "build/host/newlib_hello.elf"),  # loaded from file offset 0
    ("semihost-files.elf", "build/host/semihost_files.elf"),  # a segment with no file bytes
    ("htif-pass.elf", "build/host/htif_pass.elf"),        # tohost/fromhost symbols
    ("isa-alu.elf", "build/isa/alu.elf"),                 # memsz > filesz
]


def many_segments(good, count, base, stride):
    """hello.elf with `count` more 4-byte segments from `base`, `stride`
    bytes apart (0: all at one place)."""
    g = make_bad_elfs.Elf(good)
    data = make_bad_elfs.many_segments(g, count, stride)
    elf = make_bad_elfs.Elf(data)
    for i in range(g.get16(make_bad_elfs.E_PHNUM), elf.get16(make_bad_elfs.E_PHNUM)):
        elf.ph(make_bad_elfs.P_PADDR, base + i * stride, i)
    return bytes(elf.b)


def board_edges(good):
    """hello.elf moved onto the edges of fuzz_elf.c's board: the MMIO block,
    across two adjacent memories, the end of the 4 GiB bus."""
    E = make_bad_elfs
    load = E.Elf(good).load_index()

    def moved(paddr, memsz=None):
        e = E.Elf(good).ph(E.P_PADDR, paddr)
        if memsz is not None:
            e.ph(E.P_MEMSZ, memsz)
        return bytes(e.b)
    return {
        "bad-paddr-mmio.elf": moved(0x2000000),
        "edge-two-memories.elf": moved(0x1f000, 0x2000),
        "edge-ends-at-4g.elf": moved(0xffff0000, 0x10000),
        "bad-past-4g.elf": moved(0xffff0000, 0x10001),
        "bad-past-ram.elf": moved(0x8000f000, 0x2000),
        "bad-many-overlapping.elf": many_segments(good, 64, 0x80008000, 0),
        "edge-many-segments.elf": many_segments(good, 64, 0x80008000, 4),
        "bad-paddr-end-of-ram.elf": bytes(E.Elf(good).ph(E.P_PADDR, 0x80010000 - 0x100).b),
        "bad-segment-%d-past-memory.elf" % load: moved(0x20000, 0x2000),
    }


def elf_seeds():
    seeds = {}
    for name, path in FIRMWARE:
        with open(os.path.join(TOP, path), "rb") as f:
            seeds[name] = small_elf(f.read())
    good = seeds["hello.elf"]
    for name, data, _ in make_bad_elfs.bad_elfs(good):
        seeds["bad-%s.elf" % name] = data
    for name, data in make_bad_elfs.sections_damaged(good):
        if len(data) <= MAX_SEED:  # (many-segments: 20000 headers; see board_edges)
            seeds["damaged-%s.elf" % name] = data
    seeds.update(board_edges(good))
    for name, (words, symbols) in make_bad_elfs.handmade_programs().items():
        seeds["%s.elf" % name.replace("_", "-")] = make_bad_elfs.build_elf(0x80000000, words, symbols)
    return seeds


# ---- board seeds ----

BOARD_FILES = ["boards.yaml", "tests/boards/extends.yaml", "tests/isa/boards.yaml",
               "tests/firmware/boards/hifive1-test.yaml", "tests/firmware/boards/plic.yaml"]

SMALL_RAM = "#%set ram.size=64K\n"
HIFIVE1_SMALL = "#%set flash.size=128K\n"

# Every model with its properties, every kind of memory and interrupt sink.
ALL_MODELS = """\
all:
  description: every model
  cpu: {isa: rv32imac_zicsr, frequency: 32K, reset_pc: 0x80000000, misaligned: emulate,
        mvendorid: 0x489, marchid: 0x8000_0007, mimpid: 0x20181004, pmp_entries: 8, triggers: 4}
  host: [newlib, semihosting, htif]
  memory:
    - {name: ram, type: ram, base: 0x80000000, size: 64K}
    - {name: rom, type: rom, base: 0x1000, size: 4K}
    - {name: flash, type: flash, base: 0x20000000, size: 0b1_0000_0000_0000_0000, image: board.yaml}
  peripherals:
    - {name: clint, type: "sifive,clint0", base: 0x2000000, timebase-frequency: 32768, irq: [cpu.msi, cpu.mti]}
    - {name: plic, type: "sifive,plic-1.0.0", base: 0xc000000, sources: 64, contexts: 1, priority-bits: 3, irq: cpu.mei}
    - {name: probe, type: "mcusim,irq-probe", base: 0x3000, inputs: 4}
    - {name: uart0, type: "sifive,uart0", base: 0x10013000, chardev: stdio, irq: plic.3}
    - {name: com1, type: ns16550a, base: 0x10000000, size: 0x100, chardev: "null", clock-frequency: 1843200, irq: probe.0}
    - {name: gpio0, type: "sifive,gpio0", base: 0x10012000, inject: "1@1ms=1 2@2us=0 3@5ns=1 4@1s=0", irq: [plic.8-38, probe.1]}
    - {name: aon, type: "sifive,aon", base: 0x10001000, lfclk-frequency: 32768, irq: [plic.1, probe.2]}
    - {name: prci, type: "sifive,fe310-prci", base: 0x10008000, hfrosc-ready-cycles: 10, hfxosc-ready-cycles: 0, pll-lock-cycles: 100}
    - {name: stub, type: memory-mapped-stub, base: 0x10014000, size: 0x1000, read-value: 0xdeadbeef}
    - {name: test, type: "sifive,test0", base: 0x100000}
"""

MALFORMED = {
    "empty.yaml": "",
    "not-a-map.yaml": "- just\n- a list\n",
    "no-boards.yaml": "{}\n",
    "tabs.yaml": "b:\n\tcpu:\n\t\tisa: rv32i\n",
    "unknown-key.yaml": "b:\n  cpus: {isa: rv32i}\n",
    "bad-number.yaml": "b:\n  memory:\n    - {name: ram, type: ram, base: 0x8000_0000, size: 12Q}\n",
    "number-overflow.yaml": "b:\n  memory:\n    - {name: ram, type: ram, base: 0, size: 99999999999999999999G}\n",
    "memory-past-4g.yaml": "b:\n  memory:\n    - {name: ram, type: ram, base: 0xfffff000, size: 8K}\n",
    "memory-overlap.yaml": ("b:\n  memory:\n    - {name: a, type: ram, base: 0x1000, size: 4K}\n"
                            "    - {name: b, type: rom, base: 0x1800, size: 4K}\n"),
    "duplicate-name.yaml": ("b:\n  memory:\n    - {name: a, type: ram, base: 0x1000, size: 4K}\n"
                            "  peripherals:\n    - {name: a, type: \"sifive,test0\", base: 0x100000}\n"),
    "duplicate-board.yaml": "b:\n  description: one\nb:\n  description: two\n#%board b\n",
    "irq-range.yaml": ("b:\n  memory:\n    - {name: ram, type: ram, base: 0x80000000, size: 4K}\n"
                       "  peripherals:\n"
                       "    - {name: plic, type: \"sifive,plic-1.0.0\", base: 0xc000000, sources: 8, irq: cpu.mei}\n"
                       "    - {name: gpio0, type: \"sifive,gpio0\", base: 0x10012000, irq: plic.0-1023}\n"),
    "irq-bad-sink.yaml": ("b:\n  peripherals:\n"
                          "    - {name: t, type: \"sifive,clint0\", base: 0x2000000, irq: [cpu.nmi, cpu., plic.x-]}\n"),
    "unknown-type.yaml": "b:\n  peripherals:\n    - {name: x, type: \"acme,widget\", base: 0x1000}\n",
    "bad-property.yaml": ("b:\n  peripherals:\n"
                          "    - {name: u, type: ns16550a, base: 0x10000000, chardev: stdio, reg-shift: 9}\n"
                          "    - {name: p, type: \"sifive,plic-1.0.0\", base: 0xc000000, sources: 0x7fffffff}\n"),
    "size-too-big.yaml": "b:\n  peripherals:\n    - {name: t, type: \"sifive,test0\", base: 0x1000, size: 4G}\n",
    "anchors.yaml": ("base: &base\n  cpu: {isa: rv32imac, frequency: 1K}\n"
                     "  memory: [{name: ram, type: ram, base: 0x80000000, size: 4K}]\n"
                     "b:\n  <<: *base\n  description: *base\n#%board b\n"),
    "tags.yaml": "!!map\nb: !!str\n  cpu: !custom {isa: rv32i}\n",
    "multi-doc.yaml": "b:\n  description: one\n---\nc:\n  description: two\n...\n",
    "flow.yaml": "{b: {cpu: {isa: rv32e, frequency: 0x10, reset_pc: 0x80000000, misaligned: emulate}, "
                 "memory: [{name: r, type: ram, base: 0x80000000, size: 1K, image: missing.bin}]}}\n",
    "bad-isa.yaml": "b:\n  cpu: {isa: rv64gcv_zicsr, frequency: 0}\n",
    "host.yaml": "b:\n  host: [newlib, semihosting, htif, dos]\n",
    "extends-cycle.yaml": "a:\n  extends: b\nb:\n  extends: a\n#%board a\n",
    "extends-self.yaml": "a:\n  extends: a\n",
    "extends-missing.yaml": "a:\n  extends: nowhere\n",
    "extends-deep.yaml": "".join("b%d:\n  extends: b%d\n" % (i, i + 1) for i in range(20)) +
                         "b20:\n  extends: virt32\n#%board b0\n" + SMALL_RAM,
    "extends-file.yaml": ("mine:\n  extends: other.yaml:base\n  peripherals:\n"
                          "    - name: uart0\n      remove: true\n"
                          "#%set ram.size=4K\n#%file other.yaml\n"
                          "base:\n  extends: virt32\n  cpu: {isa: rv32imc}\n"),
    "extends-file-cycle.yaml": ("a:\n  extends: other.yaml:b\n#%file other.yaml\n"
                                "b:\n  extends: board.yaml:a\n"),
    "extends-not-map.yaml": "a:\n  extends: b\nb: [1, 2]\n#%board a\n",
    "remove-missing.yaml": ("a:\n  extends: virt32\n  memory:\n    - {name: nope, remove: true}\n"
                            + SMALL_RAM),
    "set-everything.yaml": ("a:\n  extends: hifive1-revb\n"
                            "#%set cpu.isa=rv32ec\n#%set cpu.frequency=0x1_0000\n"
                            "#%set cpu.reset_pc=0xffffffff\n#%set cpu.misaligned=emulate\n"
                            "#%set flash.size=4097\n#%set uart0.chardev=null\n"
                            "#%set gpio0.inject=1@1ms=1\n#%set clint.base=0x0\n"),
    "set-bad.yaml": ("a:\n  extends: virt32\n#%set ram.size=4G\n#%set .=\n#%set cpu.x=1\n"
                     "#%set uart0.irq=plic.1\n#%set nowhere.size=1\n"),
}


def board_seeds():
    seeds = {}
    for path in BOARD_FILES:
        with open(os.path.join(TOP, path)) as f:
            text = f.read()
        stem = path.replace("/", "-").replace("tests-", "")
        names = [line.split(":")[0] for line in text.splitlines()
                 if line and line[0].isalnum() and line.rstrip().endswith(":")]
        for name in names:
            # the harness builds boards of at most 1 MiB of memory
            shrink = HIFIVE1_SMALL if "hifive1" in stem + name else SMALL_RAM
            if "picolibc" in name:
                shrink += "#%set flash.size=64K\n"
            seeds["%s-%s" % (stem[:-5], name)] = text + "#%%board %s\n%s" % (name, shrink)
    # a file extending another by path, as the test boards do
    with open(os.path.join(TOP, "tests/firmware/boards/hifive1-gpio.yaml")) as f:
        gpio = f.read()
    with open(os.path.join(TOP, "tests/firmware/boards/hifive1-test.yaml")) as f:
        test = f.read()
    seeds["hifive1-gpio"] = gpio + HIFIVE1_SMALL + "#%file hifive1-test.yaml\n" + test
    seeds["all-models"] = ALL_MODELS
    for name, text in MALFORMED.items():
        seeds["bad-" + name[:-5]] = text
    return seeds


def write(folder, seeds):
    if os.path.isdir(folder):
        shutil.rmtree(folder)
    os.makedirs(folder)
    for name, data in sorted(seeds.items()):
        mode = "wb" if isinstance(data, bytes) else "w"
        with open(os.path.join(folder, name), mode) as f:
            f.write(data)


# ---- snapshot and record seeds: written by the harnesses themselves ----


def harness_seeds(name):
    """The files build/fuzz/fuzz_NAME writes with FUZZ_WRITE_SEEDS=DIR."""
    binary = os.path.join(TOP, "build", "fuzz", "fuzz_" + name)
    with tempfile.TemporaryDirectory(prefix="mcusim-seeds-") as folder:
        env = dict(os.environ, FUZZ_WRITE_SEEDS=folder, TMPDIR=folder)
        subprocess.run([binary], cwd=TOP, env=env, check=True, stdin=subprocess.DEVNULL)
        seeds = {}
        for path in sorted(glob.glob(os.path.join(folder, "*"))):
            if os.path.isfile(path):
                with open(path, "rb") as f:
                    seeds[os.path.basename(path)] = f.read()
        return seeds


def snapshot_seeds():
    return harness_seeds("snapshot")


UART_ECHO = ["build/mcusim", "--board", "virt32",
             "--set", "uart0.chardev=stdio:in=tests/firmware/uart_echo.in"]


def mcusim_recording(extra):
    """What `build/mcusim --record` writes for uart_echo.elf (its input
    from a file: the same bytes at the same cycles every time)."""
    with tempfile.TemporaryDirectory(prefix="mcusim-seeds-") as folder:
        path = os.path.join(folder, "run.rec")
        subprocess.run(UART_ECHO + extra + ["--record", path, "build/fw/uart_echo.elf"],
                       cwd=TOP, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       check=False)
        with open(path, "rb") as f:
            return f.read()


def record_seeds():
    seeds = harness_seeds("record")
    seeds["mcusim-uart-echo"] = mcusim_recording([])
    seeds["mcusim-uart-echo-max-insns"] = mcusim_recording(["--max-insns", "5000"])
    return seeds


CORPORA = {"elf": elf_seeds, "board": board_seeds, "snapshot": snapshot_seeds,
           "record": record_seeds}


def main():
    names = sys.argv[1:] or list(CORPORA)
    unknown = [n for n in names if n not in CORPORA]
    if unknown:
        print("make_seeds.py: no corpus %s (there are %s)" % (", ".join(unknown),
                                                               ", ".join(CORPORA)))
        return 2
    for folder in names:
        seeds = CORPORA[folder]()
        too_big = [n for n, data in seeds.items() if len(data) > MAX_SEED]
        if too_big:
            print("make_seeds.py: %s: seeds over %d bytes: %s" % (folder, MAX_SEED,
                                                                  ", ".join(too_big)))
            return 1
        write(os.path.join(CORPUS, folder), seeds)
        files = glob.glob(os.path.join(CORPUS, folder, "*"))
        print("%s: %d seeds, %d bytes" % (folder, len(files),
                                          sum(os.path.getsize(f) for f in files)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
