#include "sim/elf_symbols.h"
#include "soc/alloc.h"
#include "soc/file.h"

#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NEAREST_LIMIT 0x10000u

typedef struct Symbol {
    uint32_t addr, size;
    char *name;
} Symbol;

struct ElfSymbols {
    Symbol *by_addr; /* sorted by address */
    size_t n;
    ElfCodeSymbol *code; /* sorted: elf_symbols_code */
    size_t ncode, code_cap;
};

static int by_address(const void *a, const void *b)
{
    const Symbol *x = a, *y = b;
    return (x->addr > y->addr) - (x->addr < y->addr);
}

static void add_symbol(ElfSymbols *syms, size_t *cap, uint32_t addr,
                       uint32_t size, const char *name)
{
    if (syms->n == *cap) {
        *cap = *cap ? *cap * 2 : 64;
        syms->by_addr = xrealloc(syms->by_addr, *cap * sizeof *syms->by_addr);
    }
    syms->by_addr[syms->n++] = (Symbol){addr, size, xstrdup(name)};
}

/* Functions, and labels without a type in executable sections (assembly
 * entry points such as _start or a local trap_entry); never the mapping
 * symbols ($x, $d) the assembler marks instruction sets with. */
static bool is_code_symbol(Elf *elf, const GElf_Sym *sym, const char *name)
{
    int type = GELF_ST_TYPE(sym->st_info);
    if (type == STT_FUNC)
        return true;
    if (type != STT_NOTYPE || name[0] == '$' || sym->st_shndx >= SHN_LORESERVE)
        return false;
    GElf_Shdr shdr;
    Elf_Scn *scn = elf_getscn(elf, sym->st_shndx);
    return scn && gelf_getshdr(scn, &shdr) && (shdr.sh_flags & SHF_EXECINSTR);
}

static void add_code_symbol(ElfSymbols *syms, const GElf_Sym *sym, const char *name)
{
    if (syms->ncode == syms->code_cap) {
        syms->code_cap = syms->code_cap ? syms->code_cap * 2 : 64;
        syms->code = xreallocarray(syms->code, syms->code_cap, sizeof *syms->code);
    }
    syms->code[syms->ncode++] = (ElfCodeSymbol){
        .addr = (uint32_t)sym->st_value, .size = (uint32_t)sym->st_size,
        .name = xstrdup(name), .function = GELF_ST_TYPE(sym->st_info) == STT_FUNC,
    };
}

/* Address, then functions before labels and larger before smaller, then
 * name: the first of several symbols at one address is the one to show. */
static int code_order(const void *a, const void *b)
{
    const ElfCodeSymbol *x = a, *y = b;
    if (x->addr != y->addr)
        return (x->addr > y->addr) - (x->addr < y->addr);
    if (x->function != y->function)
        return x->function ? -1 : 1;
    if (x->size != y->size)
        return (x->size < y->size) - (x->size > y->size);
    return strcmp(x->name, y->name);
}

static void read_table(Elf *elf, Elf_Scn *scn, const GElf_Shdr *shdr,
                       ElfSymbols *syms, size_t *cap)
{
    Elf_Data *data = elf_getdata(scn, NULL);
    if (!data || shdr->sh_entsize == 0)
        return;
    size_t count = shdr->sh_size / shdr->sh_entsize;
    for (size_t i = 0; i < count; i++) {
        GElf_Sym sym;
        if (!gelf_getsym(data, (int)i, &sym))
            break;
        int type = GELF_ST_TYPE(sym.st_info);
        bool wanted = type == STT_FUNC || type == STT_OBJECT ||
                      (type == STT_NOTYPE && GELF_ST_BIND(sym.st_info) != STB_LOCAL);
        const char *name = elf_strptr(elf, shdr->sh_link, sym.st_name);
        if (name && name[0] && sym.st_shndx != SHN_UNDEF && is_code_symbol(elf, &sym, name))
            add_code_symbol(syms, &sym, name);
        if (!wanted || !name || !name[0] || sym.st_shndx == SHN_UNDEF)
            continue;
        add_symbol(syms, cap, (uint32_t)sym.st_value, (uint32_t)sym.st_size, name);
    }
}

ElfSymbols *elf_symbols_load(const char *path, Error **errp)
{
    if (elf_version(EV_CURRENT) == EV_NONE) {
        error_setf(errp, "libelf is out of date");
        return NULL;
    }
    int fd = file_open_input(path, errp); /* a FIFO is refused, never waited on */
    if (fd < 0)
        return NULL;
    ElfSymbols *syms = xcalloc(1, sizeof *syms);
    size_t cap = 0;
    Elf *elf = elf_begin(fd, ELF_C_READ, NULL);
    for (Elf_Scn *scn = elf ? elf_nextscn(elf, NULL) : NULL; scn;
         scn = elf_nextscn(elf, scn)) {
        GElf_Shdr shdr;
        if (gelf_getshdr(scn, &shdr) && shdr.sh_type == SHT_SYMTAB)
            read_table(elf, scn, &shdr, syms, &cap);
    }
    elf_end(elf);
    close(fd);
    if (syms->n)
        qsort(syms->by_addr, syms->n, sizeof *syms->by_addr, by_address);
    if (syms->ncode)
        qsort(syms->code, syms->ncode, sizeof *syms->code, code_order);
    return syms;
}

void elf_symbols_free(ElfSymbols *syms)
{
    if (!syms)
        return;
    for (size_t i = 0; i < syms->n; i++)
        free(syms->by_addr[i].name);
    free(syms->by_addr);
    for (size_t i = 0; i < syms->ncode; i++)
        free((char *)syms->code[i].name);
    free(syms->code);
    free(syms);
}

bool elf_symbol_address(const ElfSymbols *syms, const char *name, uint32_t *addr)
{
    for (size_t i = 0; syms && i < syms->n; i++) {
        if (strcmp(syms->by_addr[i].name, name) == 0) {
            *addr = syms->by_addr[i].addr;
            return true;
        }
    }
    return false;
}

const char *elf_symbol_at(const ElfSymbols *syms, uint32_t addr, uint32_t *offset)
{
    if (!syms || !syms->n)
        return NULL;
    /* The last symbol at or below addr. */
    size_t lo = 0, hi = syms->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (syms->by_addr[mid].addr <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return NULL;
    const Symbol *s = &syms->by_addr[lo - 1];
    uint32_t off = addr - s->addr;
    if (s->size ? off >= s->size : off >= NEAREST_LIMIT)
        return NULL;
    *offset = off;
    return s->name;
}

const ElfCodeSymbol *elf_symbols_code(const ElfSymbols *syms, size_t *count)
{
    *count = syms ? syms->ncode : 0;
    return syms ? syms->code : NULL;
}
