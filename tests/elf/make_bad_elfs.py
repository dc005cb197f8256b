#!/usr/bin/env python3
"""Malformed firmware ELFs for the loader's tests, and a tiny hand-made good
one to trace.

Each bad ELF is a good firmware (build/fw/hello.elf: one PT_LOAD at
0x80000000 after a RISCV_ATTRIBUTES header) with header fields patched,
cut short, or replaced; BAD lists its name, what was done to it and the
exact message mcusim must print (after "mcusim: PATH: "). tests/cli_cases.py
writes them into build/tests/elf/ when the test runner imports it and runs
each on the sanitized simulator, so AddressSanitizer watches the loader on
every one.

handmade_programs() assembles a few tiny firmware by hand (no toolchain, no
libc: every byte is known, so a trace of one is exact): one to trace, one
that spins forever (--timeout), one that sleeps forever, and three that
fault in different ways (the register dump).

    python3 tests/elf/make_bad_elfs.py [OUTDIR]   writes them (default
                                                  build/tests/elf)
"""
import os
import struct
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GOOD = os.path.join(TOP, "build", "fw", "hello.elf")
OUTDIR = os.path.join(TOP, "build", "tests", "elf")

# ELF32 header field offsets
EI_CLASS, EI_DATA, EI_VERSION = 4, 5, 6
E_TYPE, E_MACHINE, E_VERSION, E_ENTRY = 16, 18, 20, 24
E_PHOFF, E_SHOFF = 28, 32
E_EHSIZE, E_PHENTSIZE, E_PHNUM, E_SHENTSIZE, E_SHNUM, E_SHSTRNDX = 40, 42, 44, 46, 48, 50
# program header fields (32 bytes each)
P_TYPE, P_OFFSET, P_VADDR, P_PADDR, P_FILESZ, P_MEMSZ = 0, 4, 8, 12, 16, 20
PT_LOAD = 1


class Elf:
    """A mutable copy of the good ELF with helpers to patch it."""

    def __init__(self, data):
        self.b = bytearray(data)

    def u16(self, off, value):
        struct.pack_into("<H", self.b, off, value)
        return self

    def u32(self, off, value):
        struct.pack_into("<I", self.b, off, value & 0xffffffff)
        return self

    def get32(self, off):
        return struct.unpack_from("<I", self.b, off)[0]

    def get16(self, off):
        return struct.unpack_from("<H", self.b, off)[0]

    def phdr(self, index):
        return self.get32(E_PHOFF) + index * self.get16(E_PHENTSIZE)

    def load_index(self):
        """Index of the (single) PT_LOAD header of the good ELF."""
        for i in range(self.get16(E_PHNUM)):
            if self.get32(self.phdr(i) + P_TYPE) == PT_LOAD:
                return i
        raise SystemExit("make_bad_elfs: %s has no PT_LOAD" % GOOD)

    def ph(self, field, value, index=None):
        index = self.load_index() if index is None else index
        return self.u32(self.phdr(index) + field, value)


def bad_elfs(good):
    """(name, bytes, expected message) for each malformed ELF."""
    g = Elf(good)
    load = g.load_index()
    other = 1 - load  # the RISCV_ATTRIBUTES header, index 0 in hello.elf
    lo = g.phdr(load)
    size = len(good)
    offset = g.get32(lo + P_OFFSET)
    filesz = g.get32(lo + P_FILESZ)
    memsz = g.get32(lo + P_MEMSZ)
    phoff = g.get32(E_PHOFF)

    def e():
        return Elf(good)

    def seg(paddr, memsz_=memsz):
        last = paddr + memsz_ - 1
        return "segment %d [0x%08x-0x%08x]" % (load, paddr, last)

    cases = [
        ("empty", b"", "not an ELF file"),
        ("text", b"board: virt32\n" * 8, "not an ELF file"),
        ("bad-magic", bytes(e().u32(0, 0x474c457f).b), "not an ELF file"),
        ("magic-only", good[:4], "truncated ELF header: the file has 4 bytes"),
        ("header-cut", good[:40],
         "truncated ELF header: the file has 40 bytes, the header needs 52"),
        ("class-64", bytes(e().u16(EI_CLASS, 0x0102).b),
         "a 64-bit ELF: mcusim runs 32-bit RISC-V firmware"),
        ("class-none", bytes(e().u16(EI_CLASS, 0x0100).b),
         "unknown ELF class 0: mcusim runs 32-bit RISC-V firmware"),
        ("big-endian", bytes(e().u16(EI_CLASS, 0x0201).b),
         "big-endian ELF: RISC-V firmware is little-endian"),
        ("data-none", bytes(e().u16(EI_CLASS, 0x0001).b),
         "unknown ELF data encoding 0: RISC-V firmware is little-endian"),
        ("machine-x86-64", bytes(e().u16(E_MACHINE, 62).b),
         "ELF machine 62 is not RISC-V (243)"),
        ("type-dyn", bytes(e().u16(E_TYPE, 3).b),
         "ELF type 3 is not an executable (ET_EXEC)"),
        ("type-rel", bytes(e().u16(E_TYPE, 1).b),
         "ELF type 1 is not an executable (ET_EXEC)"),
        ("phoff-past-eof", bytes(e().u32(E_PHOFF, size + 0x1000).b),
         "program headers [0x%x, +0x40) are beyond the end of the file (0x%x bytes)"
         % (size + 0x1000, size)),
        ("phoff-huge", bytes(e().u32(E_PHOFF, 0xfffffff0).b),
         "program headers [0xfffffff0, +0x40) are beyond the end of the file (0x%x bytes)"
         % size),
        ("phnum-huge", bytes(e().u16(E_PHNUM, 0x7fff).b),
         "program headers [0x34, +0xfffe0) are beyond the end of the file (0x%x bytes)"
         % size),
        ("phnum-xnum", bytes(e().u16(E_PHNUM, 0xffff).b), "no loadable segment"),
        ("phnum-xnum-no-sections", bytes(e().u16(E_PHNUM, 0xffff).u32(E_SHOFF, size + 0x100).b),
         "e_phnum is PN_XNUM but section 0, which would hold the count, is "
         "unreadable: invalid section index"),
        ("phnum-xnum-huge", bytes(e().u16(E_PHNUM, 0xffff).u32(g.get32(E_SHOFF) + 28, 0x100000).b),
         "program headers [0x34, +0x2000000) are beyond the end of the file (0x%x bytes)"
         % size),
        ("ident-version", bytes(e().u16(EI_VERSION, 0).b), "unknown ELF version 0"),
        ("phentsize-wrong", bytes(e().u16(E_PHENTSIZE, 16).b),
         "program header entries are 16 bytes, not 32"),
        ("phnum-zero", bytes(e().u16(E_PHNUM, 0).b), "no loadable segment"),
        ("no-load", bytes(e().ph(P_TYPE, 4).b), "no loadable segment"),
        ("load-memsz-zero", bytes(e().ph(P_MEMSZ, 0).ph(P_FILESZ, 0).b),
         "no loadable segment"),
        ("offset-past-eof", bytes(e().ph(P_OFFSET, size + 16).b),
         "segment %d: contents [0x%x, +0x%x) extend past the end of the file "
         "(0x%x bytes): truncated ELF" % (load, size + 16, filesz, size)),
        ("offset-huge", bytes(e().ph(P_OFFSET, 0xffffff00).b),
         "segment %d: contents [0xffffff00, +0x%x) extend past the end of the file "
         "(0x%x bytes): truncated ELF" % (load, filesz, size)),
        ("filesz-past-eof", bytes(e().ph(P_FILESZ, size).ph(P_MEMSZ, size).b),
         "segment %d: contents [0x%x, +0x%x) extend past the end of the file "
         "(0x%x bytes): truncated ELF" % (load, offset, size, size)),
        ("cut-in-segment", good[:offset + filesz // 2],
         "segment %d: contents [0x%x, +0x%x) extend past the end of the file "
         "(0x%x bytes): truncated ELF" % (load, offset, filesz, offset + filesz // 2)),
        ("cut-after-headers", good[:phoff + 64],
         "segment %d: contents [0x%x, +0x%x) extend past the end of the file "
         "(0x%x bytes): truncated ELF" % (load, offset, filesz, phoff + 64)),
        ("filesz-over-memsz", bytes(e().ph(P_MEMSZ, filesz - 4).b),
         "segment %d: file size 0x%x exceeds memory size 0x%x" % (load, filesz, filesz - 4)),
        ("memsz-4g", bytes(e().ph(P_MEMSZ, 0xffffffff).b),
         "segment %d at 0x80000000 (0xffffffff bytes) goes beyond 4 GiB" % load),
        ("paddr-wraps", bytes(e().ph(P_PADDR, 0xfffff000).b),
         "segment %d at 0xfffff000 (0x%x bytes) goes beyond 4 GiB" % (load, memsz)),
        ("memsz-past-ram", bytes(e().ph(P_MEMSZ, 0x10000000).b),
         "%s is not inside the board's memory: 0x88000000 is unmapped"
         % seg(0x80000000, 0x10000000)),
        ("paddr-unmapped", bytes(e().ph(P_PADDR, 0x1000).b),
         "%s is not inside the board's memory: 0x00001000 is unmapped" % seg(0x1000)),
        ("paddr-mmio", bytes(e().ph(P_PADDR, 0x10000000).b),
         "%s is not inside the board's memory: 0x10000000 is MMIO 'uart0'" % seg(0x10000000)),
        ("paddr-end-of-ram", bytes(e().ph(P_PADDR, 0x88000000 - 0x1000).b),
         "%s is not inside the board's memory: 0x88000000 is unmapped" % seg(0x87fff000)),
        ("overlap", bytes(e().ph(P_TYPE, PT_LOAD, other).ph(P_PADDR, 0x80000100, other)
                          .ph(P_MEMSZ, 0x100, other).b),
         "segments %d and %d overlap at 0x80000100" % (min(load, other), max(load, other))),
        ("many-overlapping", many_segments(g, 20000, stride=0),
         "segments %d and %d overlap at 0x81000000" % (load + 1, load + 2)),
        # on a board without reset_pc (virt32) the run starts at the entry
        # point: outside RAM/ROM/flash it would fault on the first fetch
        # (with a reset_pc the entry is not used, and the ELF runs)
        ("entry-unmapped", bytes(e().u32(E_ENTRY, 0x1234).b),
         "entry point 0x00001234 is not inside the board's memory (unmapped)"),
        ("entry-mmio", bytes(e().u32(E_ENTRY, 0x10000000).b),
         "entry point 0x10000000 is not inside the board's memory (MMIO 'uart0')"),
    ]
    return cases


def sections_damaged(good):
    """(name, bytes): ELFs whose section headers (symbols) are damaged but
    whose program headers are fine: they must load and run, without
    symbols where they are gone."""
    g = Elf(good)
    size = len(good)
    shoff = g.get32(E_SHOFF)
    shentsize = g.get16(E_SHENTSIZE)

    def shdr(index):
        return shoff + index * shentsize

    symtab = next(i for i in range(g.get16(E_SHNUM))
                  if g.get32(shdr(i) + 4) == 2)  # SHT_SYMTAB
    return [
        ("shoff-past-eof", bytes(Elf(good).u32(E_SHOFF, size + 0x100).b)),
        ("shnum-huge", bytes(Elf(good).u16(E_SHNUM, 0xfff0).b)),
        ("shstrndx-bad", bytes(Elf(good).u16(E_SHSTRNDX, 0x7777).b)),
        ("symtab-past-eof", bytes(Elf(good).u32(shdr(symtab) + 16, size + 0x1000).b)),
        ("symtab-size-huge", bytes(Elf(good).u32(shdr(symtab) + 20, 0xfffffff0).b)),
        ("symtab-entsize-0", bytes(Elf(good).u32(shdr(symtab) + 36, 0).b)),
        ("symtab-bad-strtab", bytes(Elf(good).u32(shdr(symtab) + 24, 0x4444).b)),
        ("many-segments", many_segments(g, 20000, stride=4)),
    ]


def many_segments(g, count, stride):
    """The good ELF with its program header table moved to the end of the
    file and grown by `count` 4-byte zero-filled segments from 0x81000000,
    `stride` bytes apart (0: all at the same place)."""
    b = bytearray(g.b)
    phoff = len(b)
    old = g.get16(E_PHNUM)
    for i in range(old):
        b += g.b[g.phdr(i):g.phdr(i) + 32]
    for i in range(count):
        b += struct.pack("<IIIIIIII", PT_LOAD, 0, 0x81000000 + i * stride,
                         0x81000000 + i * stride, 0, 4, 6, 4)
    out = Elf(bytes(b))
    out.u32(E_PHOFF, phoff).u16(E_PHNUM, old + count)
    return bytes(out.b)


# ---- a hand-assembled firmware ----

def _r(rd, rs1, rs2, f3, f7, op=0x33):
    return f7 << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op


def _i(rd, rs1, imm, f3, op=0x13):
    return (imm & 0xfff) << 20 | rs1 << 15 | f3 << 12 | rd << 7 | op


def _s(rs1, rs2, imm, f3=2):
    return ((imm >> 5) & 0x7f) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | (imm & 0x1f) << 7 | 0x23


def _u(rd, imm20, op=0x37):
    return (imm20 & 0xfffff) << 12 | rd << 7 | op


def _csr(rd, csr, rs1, f3):
    return csr << 20 | rs1 << 15 | f3 << 12 | rd << 7 | 0x73


A0, A1, A2, T0, SP, ZERO = 10, 11, 12, 5, 2, 0
EBREAK, MRET, WFI, ILLEGAL = 0x00100073, 0x30200073, 0x10500073, 0x00000000


def _jal(rd, offset):
    o = offset & 0x1fffff
    return ((o >> 20) & 1) << 31 | ((o >> 1) & 0x3ff) << 21 | ((o >> 11) & 1) << 20 | \
        ((o >> 12) & 0xff) << 12 | rd << 7 | 0x6f


def handmade_programs():
    """{name: (words at 0x80000000, [(symbol, address, size)])}: tiny
    firmware assembled here, so every byte (and every trace line) is known."""
    trace = [
        # _start: install the handler, compute, store, trap, print, exit
        _u(T0, 0x80000),               # lui t0,0x80000
        _i(T0, T0, 0x40, 0),           # addi t0,t0,64      (handler)
        _csr(ZERO, 0x305, T0, 1),      # csrrw zero,mtvec,t0
        _i(A0, ZERO, 5, 0),            # addi a0,zero,5
        _i(A1, ZERO, 37, 0),           # addi a1,zero,37
        _r(A2, A0, A1, 0, 0),          # add a2,a0,a1
        _u(SP, 0x80001),               # lui sp,0x80001
        _s(SP, A2, -4),                # sw a2,-4(sp)
        EBREAK,                        # ebreak             (handler skips it)
        _u(T0, 0x10000),               # lui t0,0x10000     (uart0)
        _i(A0, ZERO, 0x41, 0),         # addi a0,zero,65
        _s(T0, A0, 0, 0),              # sb a0,0(t0)        ('A')
        _u(T0, 0x100),                 # lui t0,0x100       (test device)
        _u(A0, 0x73),                  # lui a0,0x73
        _i(A0, A0, 0x333, 0),          # addi a0,a0,819     (7 << 16 | 0x3333)
        _s(T0, A0, 0),                 # sw a0,0(t0)        (exit 7)
        # handler at 0x80000040: skip the instruction, return
        _csr(T0, 0x341, ZERO, 2),      # csrrs t0,mepc,zero
        _i(T0, T0, 4, 0),              # addi t0,t0,4
        _csr(ZERO, 0x341, T0, 1),      # csrrw zero,mepc,t0
        MRET,                          # mret
    ]
    fault = [
        _i(A0, ZERO, 0x123, 0),        # addi a0,zero,291
        _u(A1, 0xabcde),               # lui a1,0xabcde
        ILLEGAL,                       # c.unimp; mtvec is 0: nothing there
    ]
    runaway = [
        _u(T0, 0x40000),               # lui t0,0x40000
        _i(ZERO, T0, 0, 0, 0x67),      # jalr zero,0(t0): into unmapped memory
    ]
    double_fault = [
        _u(T0, 0x80000),               # lui t0,0x80000
        _i(T0, T0, 0x10, 0),           # addi t0,t0,16      (handler)
        _csr(ZERO, 0x305, T0, 1),      # csrrw zero,mtvec,t0
        EBREAK,                        # ebreak
        ILLEGAL,                       # handler at 0x80000010: faults at once
    ]
    return {
        "handmade_trace": (trace, [("_start", 0x80000000, 0x40),
                                   ("handler", 0x80000040, 0x10)]),
        "handmade_spin": ([_jal(ZERO, 0)], [("spin", 0x80000000, 4)]),
        "handmade_wfi": ([WFI, _jal(ZERO, -4)], [("sleep", 0x80000000, 8)]),
        "handmade_fault": (fault, [("crash", 0x80000000, 12)]),
        "handmade_runaway": (runaway, [("jump_away", 0x80000000, 8)]),
        "handmade_double_fault": (double_fault, [("_start", 0x80000000, 0x10),
                                                 ("bad_handler", 0x80000010, 4)]),
    }


def build_elf(base, words, symbols):
    """A minimal ELF32 RISC-V executable: one PT_LOAD with the words at
    base, and .text, .symtab, .strtab, .shstrtab sections."""
    text = b"".join(struct.pack("<I", w) for w in words)
    strtab = b"\0"
    syms = [struct.pack("<IIIBBH", 0, 0, 0, 0, 0, 0)]
    for name, addr, size in symbols:
        syms.append(struct.pack("<IIIBBH", len(strtab), addr, size, 0x12, 0, 1))  # GLOBAL FUNC
        strtab += name.encode() + b"\0"
    symtab = b"".join(syms)
    shstrtab = b"\0.text\0.symtab\0.strtab\0.shstrtab\0"
    ehsize, phsize, shsize = 52, 32, 40
    text_off = 0x100
    symtab_off = text_off + len(text)
    strtab_off = symtab_off + len(symtab)
    shstr_off = strtab_off + len(strtab)
    shoff = (shstr_off + len(shstrtab) + 3) & ~3
    ehdr = b"\x7fELF\x01\x01\x01" + bytes(9) + struct.pack(
        "<HHIIIIIHHHHHH", 2, 243, 1, base, ehsize, shoff, 0, ehsize, phsize, 1,
        shsize, 5, 4)
    phdr = struct.pack("<IIIIIIII", PT_LOAD, text_off, base, base, len(text),
                       len(text), 7, 4)

    def sh(name, type_, flags, addr, off, size, link=0, info=0, align=1, entsize=0):
        return struct.pack("<IIIIIIIIII", name, type_, flags, addr, off, size, link,
                           info, align, entsize)
    shdrs = (sh(0, 0, 0, 0, 0, 0) +
             sh(1, 1, 6, base, text_off, len(text), align=4) +
             sh(7, 2, 0, 0, symtab_off, len(symtab), link=3, info=1, align=4, entsize=16) +
             sh(15, 3, 0, 0, strtab_off, len(strtab)) +
             sh(23, 3, 0, 0, shstr_off, len(shstrtab)))
    out = bytearray(shoff + len(shdrs))
    out[0:ehsize] = ehdr
    out[ehsize:ehsize + phsize] = phdr
    out[text_off:text_off + len(text)] = text
    out[symtab_off:symtab_off + len(symtab)] = symtab
    out[strtab_off:strtab_off + len(strtab)] = strtab
    out[shstr_off:shstr_off + len(shstrtab)] = shstrtab
    out[shoff:] = shdrs
    return bytes(out)


def write_all(outdir=OUTDIR):
    """Writes every file; returns {name: (path, expected message)} for the
    bad ones, {name: path} for the damaged ones that must still run, and
    {name: path} for the hand-made programs (and for hello.elf with its
    entry point moved inside _start, for a board with its own reset_pc)."""
    os.makedirs(outdir, exist_ok=True)
    with open(GOOD, "rb") as f:
        good = f.read()
    bad, runs = {}, {}
    for name, data, message in bad_elfs(good):
        path = os.path.join(outdir, name + ".elf")
        with open(path, "wb") as f:
            f.write(data)
        bad[name] = (os.path.relpath(path, TOP), message)
    for name, data in sections_damaged(good):
        path = os.path.join(outdir, name + ".elf")
        with open(path, "wb") as f:
            f.write(data)
        runs[name] = os.path.relpath(path, TOP)
    handmade = {}
    for name, (words, symbols) in handmade_programs().items():
        path = os.path.join(outdir, name + ".elf")
        with open(path, "wb") as f:
            f.write(build_elf(0x80000000, words, symbols))
        handmade[name] = os.path.relpath(path, TOP)
    # hello.elf with its entry point moved 16 bytes into _start: it loads,
    # and runs as usual on a board whose reset_pc is the real start
    path = os.path.join(outdir, "entry-moved.elf")
    with open(path, "wb") as f:
        f.write(bytes(Elf(good).u32(E_ENTRY, 0x80000010).b))
    handmade["entry-moved"] = os.path.relpath(path, TOP)
    return bad, runs, handmade


if __name__ == "__main__":
    bad, runs, handmade = write_all(sys.argv[1] if len(sys.argv) > 1 else OUTDIR)
    for name, (path, message) in sorted(bad.items()):
        print("%-20s %s" % (name, message))
    for name, path in sorted(runs.items()):
        print("%-20s (loads and runs)" % name)
    for name, path in sorted(handmade.items()):
        print("%-20s %s" % (name, path))
