#include "sim/elf_load.h"
#include "soc/alloc.h"
#include "soc/file.h"
#include "soc/overlap.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef EM_RISCV
#define EM_RISCV 243
#endif

typedef struct Segment {
    size_t index;
    uint64_t paddr, filesz, memsz, offset;
} Segment;

/* The identification bytes, read raw so that each way of not being a
 * 32-bit little-endian ELF gets its own message (libelf lumps most of
 * them into "not an ELF"). */
static bool check_ident(const unsigned char *raw, size_t size, Error **errp)
{
    if (!raw || size < SELFMAG || memcmp(raw, ELFMAG, SELFMAG) != 0) {
        error_setf(errp, "not an ELF file");
        return false;
    }
    if (size < EI_NIDENT) {
        error_setf(errp, "truncated ELF header: the file has %zu bytes", size);
        return false;
    }
    if (raw[EI_CLASS] == ELFCLASS64) {
        error_setf(errp, "a 64-bit ELF: mcusim runs 32-bit RISC-V firmware");
        return false;
    }
    if (raw[EI_CLASS] != ELFCLASS32) {
        error_setf(errp, "unknown ELF class %u: mcusim runs 32-bit RISC-V firmware",
                   raw[EI_CLASS]);
        return false;
    }
    if (raw[EI_DATA] == ELFDATA2MSB) {
        error_setf(errp, "big-endian ELF: RISC-V firmware is little-endian");
        return false;
    }
    if (raw[EI_DATA] != ELFDATA2LSB) {
        error_setf(errp, "unknown ELF data encoding %u: RISC-V firmware is "
                   "little-endian", raw[EI_DATA]);
        return false;
    }
    if (raw[EI_VERSION] != EV_CURRENT) {
        error_setf(errp, "unknown ELF version %u", raw[EI_VERSION]);
        return false;
    }
    if (size < sizeof(Elf32_Ehdr)) {
        error_setf(errp, "truncated ELF header: the file has %zu bytes, the "
                   "header needs %zu", size, sizeof(Elf32_Ehdr));
        return false;
    }
    return true;
}

static bool check_header(Elf *elf, const char *raw, size_t size,
                         GElf_Ehdr *ehdr, Error **errp)
{
    if (!check_ident((const unsigned char *)raw, size, errp))
        return false;
    if (elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, ehdr)) {
        error_setf(errp, "corrupt ELF header: %s", elf_errmsg(-1));
        return false;
    }
    if (ehdr->e_machine != EM_RISCV) {
        error_setf(errp, "ELF machine %u is not RISC-V (%u)", ehdr->e_machine,
                   EM_RISCV);
        return false;
    }
    if (ehdr->e_type != ET_EXEC) {
        error_setf(errp, "ELF type %u is not an executable (ET_EXEC)",
                   ehdr->e_type);
        return false;
    }
    return true;
}

/* The program header table: its entry size and that it lies in the file
 * (libelf would only say "invalid data"). */
static bool check_phdr_table(Elf *elf, const GElf_Ehdr *ehdr, size_t file_size,
                             size_t *phnum, Error **errp)
{
    /* The count in the header, not libelf's, which clamps it to the file;
     * PN_XNUM says the real count is in section 0. */
    *phnum = ehdr->e_phnum;
    if (*phnum == PN_XNUM) {
        GElf_Shdr first;
        Elf_Scn *scn = elf_getscn(elf, 0);
        if (!scn || !gelf_getshdr(scn, &first)) {
            error_setf(errp, "e_phnum is PN_XNUM but section 0, which would hold "
                       "the count, is unreadable: %s", elf_errmsg(-1));
            return false;
        }
        *phnum = first.sh_info;
    }
    if (*phnum == 0)
        return true;
    if (ehdr->e_phentsize != sizeof(Elf32_Phdr)) {
        error_setf(errp, "program header entries are %u bytes, not %zu",
                   ehdr->e_phentsize, sizeof(Elf32_Phdr));
        return false;
    }
    uint64_t table = (uint64_t)*phnum * sizeof(Elf32_Phdr);
    if (ehdr->e_phoff > file_size || table > file_size - ehdr->e_phoff) {
        error_setf(errp, "program headers [0x%llx, +0x%llx) are beyond the end "
                   "of the file (0x%zx bytes)", (unsigned long long)ehdr->e_phoff,
                   (unsigned long long)table, file_size);
        return false;
    }
    return true;
}

/* The segment's whole span must be RAM or ROM of the board. */
static bool check_placement(MemorySystem *ms, const Segment *s, Error **errp)
{
    uint64_t end = s->paddr + s->memsz;
    for (uint64_t pos = s->paddr; pos < end;) {
        MemRange r;
        if (!memory_lookup(ms, (uint32_t)pos, &r)) {
            error_setf(errp, "segment %zu [0x%08llx-0x%08llx] is not inside the "
                       "board's memory: 0x%08llx is unmapped",
                       s->index, (unsigned long long)s->paddr,
                       (unsigned long long)(end - 1), (unsigned long long)pos);
            return false;
        }
        if (!r.host) {
            error_setf(errp, "segment %zu [0x%08llx-0x%08llx] is not inside the "
                       "board's memory: 0x%08llx is MMIO '%s'",
                       s->index, (unsigned long long)s->paddr,
                       (unsigned long long)(end - 1), (unsigned long long)pos,
                       memory_region_name(r.mr));
            return false;
        }
        pos = (uint64_t)r.last + 1;
    }
    return true;
}

static bool check_segment(MemorySystem *ms, const Segment *s, size_t file_size,
                          Error **errp)
{
    if (s->filesz > s->memsz) {
        error_setf(errp, "segment %zu: file size 0x%llx exceeds memory size 0x%llx",
                   s->index, (unsigned long long)s->filesz,
                   (unsigned long long)s->memsz);
        return false;
    }
    /* (a segment with no file contents may have any offset) */
    if (s->filesz && (s->offset > file_size || s->filesz > file_size - s->offset)) {
        error_setf(errp, "segment %zu: contents [0x%llx, +0x%llx) extend past the "
                   "end of the file (0x%zx bytes): truncated ELF",
                   s->index, (unsigned long long)s->offset,
                   (unsigned long long)s->filesz, file_size);
        return false;
    }
    if (s->paddr + s->memsz > (1ULL << 32)) {
        error_setf(errp, "segment %zu at 0x%llx (0x%llx bytes) goes beyond 4 GiB",
                   s->index, (unsigned long long)s->paddr,
                   (unsigned long long)s->memsz);
        return false;
    }
    return check_placement(ms, s, errp);
}

/* No two segments share an address (soc/overlap.h: n log n however many
 * headers a file claims). */
static bool check_overlaps(const Segment *segs, size_t n, Error **errp)
{
    Span *spans = xcalloc(n ? n : 1, sizeof *spans);
    for (size_t i = 0; i < n; i++)
        spans[i] = (Span){ segs[i].paddr, segs[i].memsz };
    size_t earlier, later;
    bool overlap = overlap_find(spans, n, &earlier, &later);
    free(spans);
    if (!overlap)
        return true;
    const Segment *a = &segs[earlier], *b = &segs[later];
    error_setf(errp, "segments %zu and %zu overlap at 0x%08llx", a->index,
               b->index, (unsigned long long)(a->paddr > b->paddr ? a->paddr
                                                                 : b->paddr));
    return false;
}

static bool collect_segments(Elf *elf, MemorySystem *ms, size_t phnum,
                             size_t file_size, Segment **out, size_t *count,
                             Error **errp)
{
    Segment *segs = xcalloc(phnum ? phnum : 1, sizeof *segs);
    size_t n = 0;
    for (size_t i = 0; i < phnum; i++) {
        GElf_Phdr ph;
        if (!gelf_getphdr(elf, (int)i, &ph)) {
            error_setf(errp, "program header %zu unreadable: %s", i, elf_errmsg(-1));
            goto fail;
        }
        if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
            continue;
        segs[n] = (Segment){i, ph.p_paddr, ph.p_filesz, ph.p_memsz, ph.p_offset};
        if (!check_segment(ms, &segs[n], file_size, errp))
            goto fail;
        n++;
    }
    if (n == 0) {
        error_setf(errp, "no loadable segment");
        goto fail;
    }
    if (!check_overlaps(segs, n, errp))
        goto fail;
    *out = segs;
    *count = n;
    return true;
fail:
    free(segs);
    return false;
}

static bool write_segments(MemorySystem *ms, const char *raw,
                           const Segment *segs, size_t n, Error **errp)
{
    static const uint8_t zeros[4096];
    for (size_t i = 0; i < n; i++) {
        const Segment *s = &segs[i];
        if (!memory_debug_write(ms, (uint32_t)s->paddr, raw + s->offset,
                                (size_t)s->filesz, errp))
            return false;
        for (uint64_t done = s->filesz; done < s->memsz;) {
            uint64_t chunk = s->memsz - done;
            if (chunk > sizeof zeros)
                chunk = sizeof zeros;
            if (!memory_debug_write(ms, (uint32_t)(s->paddr + done), zeros,
                                    (size_t)chunk, errp))
                return false;
            done += chunk;
        }
    }
    return true;
}

bool elf_check_start(MemorySystem *ms, const char *what, uint32_t pc,
                     Error **errp)
{
    MemRange r;
    if (!memory_lookup(ms, pc, &r)) {
        error_setf(errp, "%s 0x%08x is not inside the board's memory "
                   "(unmapped)", what, pc);
        return false;
    }
    if (!r.host) {
        error_setf(errp, "%s 0x%08x is not inside the board's memory (MMIO "
                   "'%s')", what, pc, memory_region_name(r.mr));
        return false;
    }
    return true;
}

static bool load_from_fd(MemorySystem *ms, int fd, uint32_t *entry, Error **errp)
{
    Elf *elf = elf_begin(fd, ELF_C_READ, NULL);
    if (!elf) {
        error_setf(errp, "cannot read ELF: %s", elf_errmsg(-1));
        return false;
    }
    GElf_Ehdr ehdr;
    Segment *segs = NULL;
    size_t nsegs = 0, file_size = 0, phnum = 0;
    char *raw = elf_rawfile(elf, &file_size);
    bool ok = check_header(elf, raw, file_size, &ehdr, errp) &&
              check_phdr_table(elf, &ehdr, file_size, &phnum, errp) &&
              collect_segments(elf, ms, phnum, file_size, &segs, &nsegs, errp) &&
              write_segments(ms, raw, segs, nsegs, errp);
    if (ok)
        *entry = (uint32_t)ehdr.e_entry;
    free(segs);
    elf_end(elf);
    return ok;
}

bool elf_load(MemorySystem *ms, const char *path, uint32_t *entry, Error **errp)
{
    if (elf_version(EV_CURRENT) == EV_NONE) {
        error_setf(errp, "libelf is out of date");
        return false;
    }
    int fd = file_open_input(path, errp); /* a regular file, never a FIFO */
    if (fd < 0)
        return false;
    bool ok = load_from_fd(ms, fd, entry, errp);
    close(fd);
    if (!ok)
        error_prepend(errp, "%s: ", path);
    return ok;
}
