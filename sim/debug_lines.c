/* An ELF's line table and subprograms for coverage (sim/debug_lines.h),
 * through libdw: it reads every DWARF version gcc writes (gcc 12 writes
 * DWARF 5: .debug_line_str, MD5 columns, the new forms). */
#include "sim/debug_lines.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <gelf.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "soc/alloc.h"
#include "soc/file.h"

/* ---- source paths, each kept once ---- */

typedef struct PathTable {
    char ***files; /* the DebugLines' array, grown here */
    size_t *nfiles;
    uint32_t *slots; /* index + 1; 0: empty */
    size_t capacity; /* a power of two, more than twice *nfiles */
} PathTable;

static uint32_t path_hash(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

static void paths_grow(PathTable *t)
{
    size_t capacity = t->capacity ? t->capacity * 2 : 64;
    uint32_t *slots = xcalloc(capacity, sizeof *slots);
    for (size_t i = 0; i < *t->nfiles; i++) {
        size_t at = path_hash((*t->files)[i]) & (capacity - 1);
        while (slots[at])
            at = (at + 1) & (capacity - 1);
        slots[at] = (uint32_t)i + 1;
    }
    free(t->slots);
    t->slots = slots;
    t->capacity = capacity;
}

/* The index of `path` (taken: freed when already known). */
static uint32_t paths_intern(PathTable *t, char *path)
{
    if ((*t->nfiles + 1) * 2 > t->capacity)
        paths_grow(t);
    size_t at = path_hash(path) & (t->capacity - 1);
    for (; t->slots[at]; at = (at + 1) & (t->capacity - 1)) {
        uint32_t index = t->slots[at] - 1;
        if (strcmp((*t->files)[index], path) == 0) {
            free(path);
            return index;
        }
    }
    *t->files = xreallocarray(*t->files, *t->nfiles + 1, sizeof **t->files);
    (*t->files)[*t->nfiles] = path;
    t->slots[at] = (uint32_t)++*t->nfiles;
    return (uint32_t)*t->nfiles - 1;
}

/* Folds "." and "dir/.." out of `path` in place ("/a/./b/../c" is "/a/c");
 * a ".." with nothing before it stays in a relative path. The output never overtakes the
 * input: each component moves down, behind its separator. */
static void path_fold(char *path)
{
    char *start = path + (path[0] == '/'), *out = start, *in = start;
    size_t kept = 0; /* components in out that a ".." may remove */
    while (*in) {
        const char *component = in;
        size_t len = strcspn(in, "/");
        bool dotdot = len == 2 && in[0] == '.' && in[1] == '.';
        in += len + (in[len] == '/');
        if (len == 0 || (len == 1 && component[0] == '.') ||
            (dotdot && kept == 0 && start > path))
            continue; /* "/.." is "/" */
        if (dotdot && kept > 0) {
            while (out > start && out[-1] != '/')
                out--;
            out -= out > start; /* and the separator before it */
            kept--;
            continue;
        }
        if (out > start)
            *out++ = '/';
        memmove(out, component, len);
        out += len;
        kept += !dotdot;
    }
    *out = '\0';
}

/* Control characters become '?': a name from the file cannot break a
 * line of the report into two records. */
static void text_sanitize(char *text)
{
    for (; *text; text++)
        if ((unsigned char)*text < 0x20 || *text == 0x7f)
            *text = '?';
}

/* comp_dir joined with a relative `name`, folded. */
static char *path_resolve(const char *comp_dir, const char *name)
{
    char *path = name[0] == '/' || !comp_dir || !*comp_dir
                     ? xstrdup(name)
                     : xasprintf("%s/%s", comp_dir, name);
    path_fold(path);
    text_sanitize(path);
    return path;
}

/* ---- the executable sections ---- */

static int code_compare(const void *a, const void *b)
{
    const DebugCode *x = a, *y = b;
    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static void add_code(DebugLines *dl, Elf_Scn *scn, const GElf_Shdr *sh)
{
    Elf_Data *data = elf_getdata(scn, NULL);
    if (!data || !data->d_buf || data->d_size < sh->sh_size)
        return; /* nothing to read the instructions from */
    dl->code = xreallocarray(dl->code, dl->ncode + 1, sizeof *dl->code);
    DebugCode *c = &dl->code[dl->ncode++];
    c->addr = (uint32_t)sh->sh_addr;
    c->size = (uint32_t)sh->sh_size;
    c->bytes = xmalloc(sh->sh_size);
    memcpy(c->bytes, data->d_buf, sh->sh_size);
}

/* The allocated executable sections with contents, sorted; overlapping
 * ones (a broken ELF) are dropped after the first. */
static void read_code(DebugLines *dl, Elf *elf)
{
    for (Elf_Scn *scn = elf_nextscn(elf, NULL); scn; scn = elf_nextscn(elf, scn)) {
        GElf_Shdr sh;
        if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS || sh.sh_size == 0 ||
            (sh.sh_flags & (SHF_ALLOC | SHF_EXECINSTR)) != (SHF_ALLOC | SHF_EXECINSTR) ||
            sh.sh_addr > UINT32_MAX || sh.sh_size > UINT32_MAX - sh.sh_addr + 1)
            continue;
        add_code(dl, scn, &sh);
    }
    if (dl->ncode) /* qsort may not take NULL, even for nothing */
        qsort(dl->code, dl->ncode, sizeof *dl->code, code_compare);
    size_t kept = 0;
    for (size_t i = 0; i < dl->ncode; i++) {
        DebugCode *c = &dl->code[i];
        if (kept && (uint64_t)dl->code[kept - 1].addr + dl->code[kept - 1].size > c->addr) {
            free(c->bytes);
            continue;
        }
        dl->code[kept++] = *c;
    }
    dl->ncode = kept;
}

const DebugCode *debug_code_at(const DebugLines *lines, uint32_t addr)
{
    size_t lo = 0, hi = lines->ncode;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const DebugCode *c = &lines->code[mid];
        if (addr < c->addr)
            hi = mid;
        else if (addr - c->addr >= c->size)
            lo = mid + 1;
        else
            return c;
    }
    return NULL;
}

/* ---- strings inside the entries ---- */

/* libdw hands out a DW_FORM_string attribute (a name, a compilation
 * directory) as a pointer into .debug_info (or .debug_types), trusting a
 * NUL to end it before the section does: a hostile last string without
 * one made us read past the section (string sections are checked whole,
 * check_debug_strings). These are the sections, as libdw reads them. */
typedef struct InlineStrings {
    const char *start[2], *end[2]; /* .debug_info, .debug_types; NULL: none */
} InlineStrings;

static void inline_strings_find(InlineStrings *in, Elf *elf)
{
    static const char *const names[2][2] = {{".debug_info", ".zdebug_info"},
                                            {".debug_types", ".zdebug_types"}};
    size_t strndx;
    *in = (InlineStrings){0};
    if (elf_getshdrstrndx(elf, &strndx) != 0)
        return;
    for (Elf_Scn *scn = elf_nextscn(elf, NULL); scn; scn = elf_nextscn(elf, scn)) {
        GElf_Shdr sh;
        const char *name = gelf_getshdr(scn, &sh) ? elf_strptr(elf, strndx, sh.sh_name) : NULL;
        for (int i = 0; name && i < 2; i++) {
            Elf_Data *data;
            if (in->start[i] || (strcmp(name, names[i][0]) && strcmp(name, names[i][1])) ||
                !(data = elf_getdata(scn, NULL)) || !data->d_buf)
                continue;
            in->start[i] = data->d_buf;
            in->end[i] = in->start[i] + data->d_size;
        }
    }
}

/* `text` (from libdw), or NULL when it lies in one of those sections
 * with no NUL before the section's end. */
static const char *inline_string_checked(const InlineStrings *in, const char *text)
{
    for (int i = 0; text && i < 2; i++)
        if (in->start[i] && text >= in->start[i] && text < in->end[i] &&
            !memchr(text, '\0', (size_t)(in->end[i] - text)))
            return NULL;
    return text;
}

/* ---- one compilation unit ---- */

typedef struct CuReader {
    DebugLines *dl;
    PathTable *paths;
    const InlineStrings *inline_strings;
    const char *comp_dir;
    uint32_t unit_file;  /* the unit's own source (its DW_AT_name); DEBUG_NO_FILE */
    Dwarf_Files *files;  /* the unit's file table */
    uint32_t *file_ids;  /* its index -> DebugLines.files index + 1; 0: unknown */
    size_t nfile_ids;
} CuReader;

/* The DebugLines index of file `index` of the unit's table. */
static bool cu_file(CuReader *r, size_t index, uint32_t *out)
{
    if (index >= r->nfile_ids)
        return false;
    if (!r->file_ids[index]) {
        const char *name = dwarf_filesrc(r->files, index, NULL, NULL);
        if (!name)
            return false;
        r->file_ids[index] = paths_intern(r->paths, path_resolve(r->comp_dir, name)) + 1;
    }
    *out = r->file_ids[index] - 1;
    return true;
}

static void add_row(DebugLines *dl, const DebugRow *row)
{
    if (dl->nrows % 1024 == 0)
        dl->rows = xreallocarray(dl->rows, dl->nrows + 1024, sizeof *dl->rows);
    dl->rows[dl->nrows++] = *row;
}

/* Row i of the unit's table, when it maps code to a line. Its range ends
 * where the next row starts (the last row of a sequence is its end), and
 * never past its section. */
static void cu_row(CuReader *r, Dwarf_Lines *lines, size_t i, size_t n)
{
    Dwarf_Line *line = dwarf_onesrcline(lines, i);
    Dwarf_Line *next = i + 1 < n ? dwarf_onesrcline(lines, i + 1) : NULL;
    bool end_sequence = true;
    Dwarf_Addr addr, next_addr;
    int lineno;
    Dwarf_Files *files;
    size_t file_index;
    if (!line || !next || dwarf_lineendsequence(line, &end_sequence) != 0 || end_sequence ||
        dwarf_lineaddr(line, &addr) != 0 || dwarf_lineaddr(next, &next_addr) != 0 ||
        dwarf_lineno(line, &lineno) != 0 || lineno <= 0 ||
        dwarf_line_file(line, &files, &file_index) != 0 || files != r->files)
        return;
    const DebugCode *code = addr <= UINT32_MAX ? debug_code_at(r->dl, (uint32_t)addr) : NULL;
    DebugRow row = {.line = (uint32_t)lineno};
    if (!code || !cu_file(r, file_index, &row.file))
        return;
    uint64_t code_end = (uint64_t)code->addr + code->size;
    row.addr = (uint32_t)addr;
    row.end = next_addr < addr ? row.addr /* another sequence: the one insn */
              : next_addr > code_end ? (uint32_t)code_end : (uint32_t)next_addr;
    add_row(r->dl, &row);
}

static void add_function(DebugLines *dl, const DebugFunction *f)
{
    if (dl->nfunctions % 256 == 0)
        dl->functions = xreallocarray(dl->functions, dl->nfunctions + 256,
                                      sizeof *dl->functions);
    dl->functions[dl->nfunctions++] = *f;
}

/* A subprogram with code: its name, declaration and entry. */
static void cu_function(CuReader *r, Dwarf_Die *die)
{
    Dwarf_Addr entry, high;
    int line = 0;
    const char *name = inline_string_checked(r->inline_strings, dwarf_diename(die));
    const char *file = dwarf_decl_file(die);
    if (!name || !file || dwarf_entrypc(die, &entry) != 0 || entry > UINT32_MAX ||
        !debug_code_at(r->dl, (uint32_t)entry) || dwarf_decl_line(die, &line) != 0 ||
        line <= 0)
        return;
    DebugFunction f = {
        .file = paths_intern(r->paths, path_resolve(r->comp_dir, file)),
        .line = (uint32_t)line, .entry = (uint32_t)entry, .unit_file = r->unit_file,
        .end = dwarf_highpc(die, &high) == 0 && high > entry && high <= UINT32_MAX
                   ? (uint32_t)high : (uint32_t)entry + 1,
    };
    f.name = xstrdup(name);
    text_sanitize(f.name);
    add_function(r->dl, &f);
}

/* Namespaces nest no deeper than this; a hostile file nesting deeper
 * cannot exhaust the stack. */
#define NAMESPACE_DEPTH_MAX 32

/* The subprograms among the children of `parent` (the unit, and the
 * namespaces in it). */
static void cu_functions(CuReader *r, Dwarf_Die *parent, unsigned depth)
{
    Dwarf_Die child;
    if (dwarf_child(parent, &child) != 0)
        return;
    do {
        int tag = dwarf_tag(&child);
        if (tag == DW_TAG_subprogram)
            cu_function(r, &child);
        else if (tag == DW_TAG_namespace && depth < NAMESPACE_DEPTH_MAX)
            cu_functions(r, &child, depth + 1);
    } while (dwarf_siblingof(&child, &child) == 0);
}

/* libdw's reason for its last failure (some failures leave none). */
static const char *dwarf_reason(void)
{
    int code = dwarf_errno();
    return code ? dwarf_errmsg(code) : "unreadable debug information";
}

/* The unit's rows and functions; a unit without a line table
 * (DW_AT_stmt_list) has no rows, one whose table is broken is an error
 * naming the unit. */
static bool read_unit(DebugLines *dl, PathTable *paths, const InlineStrings *strings,
                      Dwarf_Die *cu, Error **errp)
{
    Dwarf_Attribute attr;
    CuReader r = {.dl = dl, .paths = paths, .inline_strings = strings,
                  .comp_dir = dwarf_formstring(dwarf_attr(cu, DW_AT_comp_dir, &attr))};
    Dwarf_Lines *lines;
    size_t nlines;
    int tag = dwarf_tag(cu);
    if (tag != DW_TAG_compile_unit && tag != DW_TAG_partial_unit) {
        error_setf(errp, "DWARF: a unit's first entry is unreadable: %s", dwarf_reason());
        return false;
    }
    if (r.comp_dir && !inline_string_checked(strings, r.comp_dir)) {
        /* libdw's line table reader would read it past the section */
        error_setf(errp, "DWARF: .debug_info ends inside a unit's DW_AT_comp_dir");
        return false;
    }
    const char *unit_name = inline_string_checked(strings, dwarf_diename(cu));
    r.unit_file = unit_name ? paths_intern(paths, path_resolve(r.comp_dir, unit_name))
                            : DEBUG_NO_FILE;
    if (dwarf_hasattr(cu, DW_AT_stmt_list)) {
        if (dwarf_getsrcfiles(cu, &r.files, &r.nfile_ids) != 0 ||
            dwarf_getsrclines(cu, &lines, &nlines) != 0) {
            const char *name = inline_string_checked(strings, dwarf_diename(cu));
            error_setf(errp, "DWARF: the line table of %s: %s", name ? name : "a unit",
                       dwarf_reason());
            return false;
        }
        r.file_ids = xcalloc(r.nfile_ids ? r.nfile_ids : 1, sizeof *r.file_ids);
        for (size_t i = 0; i < nlines; i++)
            cu_row(&r, lines, i, nlines);
        free(r.file_ids);
    }
    cu_functions(&r, cu, 0);
    return true;
}

/* Every unit of the file; false with libdw's reason when one is broken. */
static bool read_units(DebugLines *dl, Dwarf *dwarf, Error **errp)
{
    PathTable paths = {.files = &dl->files, .nfiles = &dl->nfiles};
    InlineStrings strings;
    inline_strings_find(&strings, dwarf_getelf(dwarf));
    Dwarf_CU *unit = NULL;
    Dwarf_Die cu;
    uint8_t type;
    int more;
    bool ok = true;
    while (ok && (more = dwarf_get_units(dwarf, unit, &unit, NULL, &type, &cu, NULL)) == 0) {
        if (type == DW_UT_compile || type == DW_UT_partial)
            ok = read_unit(dl, &paths, &strings, &cu, errp);
    }
    free(paths.slots);
    if (ok && more < 0) {
        error_setf(errp, "DWARF: %s", dwarf_reason());
        return false;
    }
    return ok;
}

/* ---- functions declared in a header ---- */

static int row_compare(const void *a, const void *b)
{
    const DebugRow *x = a, *y = b;
    if (x->addr != y->addr)
        return x->addr < y->addr ? -1 : 1;
    return x->end < y->end ? -1 : x->end > y->end;
}

/* The row whose instructions hold `addr`, NULL when none (rows sorted). */
static const DebugRow *row_at(const DebugLines *dl, uint32_t addr)
{
    size_t lo = 0, hi = dl->nrows; /* the first row starting after addr */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (dl->rows[mid].addr <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    const DebugRow *row = lo ? &dl->rows[lo - 1] : NULL;
    return row && (addr < row->end || addr == row->addr) ? row : NULL;
}

static int row_by_file(const void *a, const void *b)
{
    const DebugRow *x = a, *y = b;
    if (x->file != y->file)
        return x->file < y->file ? -1 : 1;
    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* The first row of `file` in the function's code [entry, end), NULL when
 * none: `by_file` holds the rows sorted by file, then address (one binary
 * search, however many functions a hostile file gives one range). */
static const DebugRow *first_row_in(const DebugRow *by_file, size_t n, const DebugFunction *f,
                                    uint32_t file)
{
    size_t lo = 0, hi = n; /* the first row of file at entry or after */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const DebugRow *r = &by_file[mid];
        if (r->file < file || (r->file == file && r->addr < f->entry))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && by_file[lo].file == file && by_file[lo].addr < f->end ? &by_file[lo]
                                                                           : NULL;
}

/* Where a function declared in another file than its entry row's goes.
 * gcc declares a function where its first declaration is: a prototype in
 * a header (`_exit` in newlib's unistd.h, defined in syscalls.c), and the
 * entry row of optimised code may be code inlined from a header (main
 * starting with a static inline's loop). So: one declared in its unit's
 * own source stays there; one whose entry row is in its unit's source
 * goes to that row; one whose entry is inlined from a third file goes to
 * its first row in its unit's source, if any, else to its declaration
 * when that file has rows in its code, else to its entry row. */
static const DebugRow *function_place(const DebugRow *by_file, size_t n,
                                      const DebugFunction *f, const DebugRow *entry)
{
    if (f->file == f->unit_file)
        return NULL;
    if (entry->file == f->unit_file)
        return entry;
    const DebugRow *own = f->unit_file == DEBUG_NO_FILE
                              ? NULL : first_row_in(by_file, n, f, f->unit_file);
    if (own)
        return own;
    return first_row_in(by_file, n, f, f->file) ? NULL : entry;
}

/* A function goes with the file its code is in (function_place). */
static void place_functions(DebugLines *dl)
{
    if (!dl->nrows)
        return; /* qsort may not take NULL; no row: nothing to place by */
    qsort(dl->rows, dl->nrows, sizeof *dl->rows, row_compare);
    DebugRow *by_file = xreallocarray(NULL, dl->nrows, sizeof *by_file);
    memcpy(by_file, dl->rows, dl->nrows * sizeof *by_file);
    qsort(by_file, dl->nrows, sizeof *by_file, row_by_file);
    for (size_t i = 0; i < dl->nfunctions; i++) {
        DebugFunction *f = &dl->functions[i];
        const DebugRow *entry = row_at(dl, f->entry);
        const DebugRow *to = entry && entry->file != f->file
                                 ? function_place(by_file, dl->nrows, f, entry) : NULL;
        if (to) {
            f->file = to->file;
            f->line = to->line;
        }
    }
    free(by_file);
}

/* ---- the whole file ---- */

void debug_lines_free(DebugLines *lines)
{
    if (!lines)
        return;
    for (size_t i = 0; i < lines->nfiles; i++)
        free(lines->files[i]);
    for (size_t i = 0; i < lines->ncode; i++)
        free(lines->code[i].bytes);
    for (size_t i = 0; i < lines->nfunctions; i++)
        free(lines->functions[i].name);
    free(lines->files);
    free(lines->code);
    free(lines->rows);
    free(lines->functions);
    free(lines);
}

/* Whether the ELF has a .debug_line or .debug_info section (or the
 * compressed .zdebug_ kind): libdw does not tell "none" from "broken". */
static bool has_debug_sections(Elf *elf)
{
    size_t strndx;
    if (elf_getshdrstrndx(elf, &strndx) != 0)
        return false;
    for (Elf_Scn *scn = elf_nextscn(elf, NULL); scn; scn = elf_nextscn(elf, scn)) {
        GElf_Shdr sh;
        const char *name = gelf_getshdr(scn, &sh) ? elf_strptr(elf, strndx, sh.sh_name) : NULL;
        if (name && (strcmp(name, ".debug_info") == 0 || strcmp(name, ".debug_line") == 0 ||
                     strcmp(name, ".zdebug_info") == 0 || strcmp(name, ".zdebug_line") == 0))
            return true;
    }
    return false;
}

/* libdw 0.188 reads the strings of .debug_line_str (and of some forms in
 * .debug_str) with strlen, trusting that the section ends with a NUL: a
 * hostile ELF whose section does not makes it read past its buffer
 * (found by tests/fuzz/fuzz_dwarf.c). So every debug string section must
 * end with one, compressed ones once decompressed (as libdw would). */
static bool check_debug_strings(Elf *elf, Error **errp)
{
    size_t strndx;
    if (elf_getshdrstrndx(elf, &strndx) != 0)
        return true; /* no names: libdw finds no sections either */
    for (Elf_Scn *scn = elf_nextscn(elf, NULL); scn; scn = elf_nextscn(elf, scn)) {
        GElf_Shdr sh;
        const char *name = gelf_getshdr(scn, &sh) ? elf_strptr(elf, strndx, sh.sh_name) : NULL;
        bool gnu_compressed = name && strncmp(name, ".zdebug_", 8) == 0;
        if (!name || (strncmp(name, ".debug_", 7) != 0 && !gnu_compressed) ||
            !strstr(name, "str") || strstr(name, "_offsets") || sh.sh_type == SHT_NOBITS)
            continue;
        if ((sh.sh_flags & SHF_COMPRESSED) && elf_compress(scn, 0, 0) < 0)
            continue; /* libdw cannot decompress it either: it will not read it */
        if (!(sh.sh_flags & SHF_COMPRESSED) && gnu_compressed &&
            elf_compress_gnu(scn, 0, 0) < 0)
            continue; /* the old GNU kind (.zdebug_str), which libdw reads too */
        Elf_Data *data = elf_getdata(scn, NULL);
        if (data && data->d_size > 0 &&
            (!data->d_buf || ((const char *)data->d_buf)[data->d_size - 1] != '\0')) {
            error_setf(errp, "DWARF: %s does not end with a NUL", name);
            return false;
        }
    }
    return true;
}

static bool read_elf(DebugLines *dl, Elf *elf, Error **errp)
{
    if (!has_debug_sections(elf)) {
        error_setf(errp, "no debug information (build it with -g)");
        return false;
    }
    if (!check_debug_strings(elf, errp))
        return false;
    read_code(dl, elf);
    Dwarf *dwarf = dwarf_begin_elf(elf, DWARF_C_READ, NULL);
    if (!dwarf) {
        error_setf(errp, "DWARF: %s", dwarf_reason());
        return false;
    }
    bool ok = read_units(dl, dwarf, errp);
    dwarf_end(dwarf);
    if (!ok)
        return false;
    if (dl->nrows == 0) {
        error_setf(errp, "no line of its line table maps to executable code "
                   "(build it with -g)");
        return false;
    }
    place_functions(dl);
    return true;
}

DebugLines *debug_lines_load(const char *path, Error **errp)
{
    if (elf_version(EV_CURRENT) == EV_NONE) {
        error_setf(errp, "%s: libelf: %s", path, elf_errmsg(-1));
        return NULL;
    }
    int fd = file_open_input(path, errp);
    if (fd < 0)
        return NULL;
    DebugLines *dl = xcalloc(1, sizeof *dl);
    Elf *elf = elf_begin(fd, ELF_C_READ, NULL);
    bool ok = elf != NULL;
    if (!elf)
        error_setf(errp, "libelf: %s", elf_errmsg(-1));
    else
        ok = read_elf(dl, elf, errp);
    elf_end(elf);
    close(fd);
    if (!ok) {
        error_prepend(errp, "%s: ", path);
        debug_lines_free(dl);
        return NULL;
    }
    return dl;
}
