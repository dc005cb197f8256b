"""Symbols of an ELF file (its .symtab), so tests can name addresses:
`sim.symbol("ticks")`. ELF32 and ELF64, either byte order; standard library
only."""
import struct

SHT_SYMTAB = 2


class ElfError(ValueError):
    pass


def _header(data):
    if len(data) < 16 or data[:4] != b"\x7fELF":
        raise ElfError("not an ELF file")
    cls, order = data[4], data[5]
    if cls not in (1, 2) or order not in (1, 2):
        raise ElfError("unknown ELF class or byte order")
    return cls == 2, "<" if order == 1 else ">"


def _sections(data, is64, bo):
    """(type, offset, size, link, entsize) of every section header."""
    if is64:
        shoff, = struct.unpack_from(bo + "Q", data, 0x28)
        shentsize, shnum = struct.unpack_from(bo + "HH", data, 0x3A)
        fmt, fields = bo + "IIQQQQIIQQ", (1, 4, 5, 6, 9)
    else:
        shoff, = struct.unpack_from(bo + "I", data, 0x20)
        shentsize, shnum = struct.unpack_from(bo + "HH", data, 0x2E)
        fmt, fields = bo + "IIIIIIIIII", (1, 4, 5, 6, 9)
    if shoff == 0 or shnum == 0:
        return []
    if shentsize < struct.calcsize(fmt) or shoff + shnum * shentsize > len(data):
        raise ElfError("section header table outside the file")
    out = []
    for i in range(shnum):
        row = struct.unpack_from(fmt, data, shoff + i * shentsize)
        out.append(tuple(row[f] for f in fields))
    return out


def read_symbols(path):
    """{name: value} of the named symbols in the ELF at `path` (the first
    of each name wins). ElfError on a file that is not a readable ELF."""
    with open(path, "rb") as f:
        data = f.read()
    try:
        return _symbols(data)
    except (struct.error, IndexError):
        raise ElfError("%s: truncated ELF" % path) from None


def _symbols(data):
    is64, bo = _header(data)
    sections = _sections(data, is64, bo)
    symbols = {}
    for kind, offset, size, link, entsize in sections:
        if kind != SHT_SYMTAB or link >= len(sections):
            continue
        _, str_off, str_size, _, _ = sections[link]
        strtab = data[str_off:str_off + str_size]
        fmt = bo + ("IBBHQQ" if is64 else "IIIBBH")
        entsize = entsize or struct.calcsize(fmt)
        if offset + size > len(data) or entsize < struct.calcsize(fmt):
            raise ElfError("symbol table outside the file")
        for pos in range(offset, offset + size - entsize + 1, entsize):
            row = struct.unpack_from(fmt, data, pos)
            name_off, value = (row[0], row[4]) if is64 else (row[0], row[1])
            end = strtab.find(b"\0", name_off)
            if name_off == 0 or end < 0:
                continue
            name = strtab[name_off:end].decode("utf-8", errors="replace")
            symbols.setdefault(name, value)
    return symbols
