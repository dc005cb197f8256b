/* A SPI NOR flash ("spi-flash", a bus device on a SPI chip select:
 * bus_device.h, spi_bus.h), like the HiFive1's ISSI IS25LP128 (Rev A)
 * and the 3-byte-address serial NOR flashes of its kind.
 *
 * Commands (opcode first, then 3 address bytes, most significant first,
 * where the command takes one; ISSI IS25LP128 datasheet, "Instruction
 * set"):
 *   0x9f RDID   the JEDEC ID, 3 bytes (`jedec-id`, default 0x9d6018:
 *               ISSI, 3.0 V, 128 Mbit), then 0x00
 *   0x03 READ   data from the address on, wrapping at the end
 *   0x0b FAST READ  the same after one dummy byte
 *   0x05 RDSR   the status register, repeated: bit 0 WIP (a program or
 *               erase in progress), bit 1 WEL (write enable latch); the
 *               other bits read 0 (block protection is not modelled)
 *   0x06 WREN / 0x04 WRDI   set / clear WEL
 *   0x02 PP     page program: the data bytes go to the address's 256-byte
 *               page, wrapping inside it (the last 256 sent count), and
 *               each only clears bits (flash & data), as NOR flash does
 *   0x20 SE     erase the 4 KiB sector holding the address (to 0xff)
 *   0xd8 BE     erase the 64 KiB block
 *   0xc7, 0x60 CE   erase the whole array
 *   0xb9 DP     deep power-down: every command but 0xab is ignored
 *   0xab RES    release from power-down; after 3 dummy bytes it answers
 *               the device ID, the JEDEC capacity byte minus 1 (0x17 for
 *               the IS25LP128)
 *   0x66 RSTEN, 0x99 RST   software reset (0x99 right after 0x66): WEL
 *               cleared
 * As on the datasheet, WREN, WRDI, PP, SE, BE, CE, DP, RES and RSTEN/RST
 * execute when the chip select rises, and only when the transaction had
 * the command's length (PP: at least one data byte); PP, SE, BE and CE
 * need WEL (otherwise they are ignored and a guest diagnostic says so)
 * and clear it. While WIP is set every command but RDSR is ignored.
 * Bytes the device does not drive read 0xff. Other opcodes are ignored
 * for the rest of the transaction (reported once per opcode).
 *
 * Timing: a program or erase changes the array when the chip select
 * rises, then keeps WIP set for `busy-us` microseconds of virtual time
 * (default 200, of the order of a page program on such parts; the same
 * for erases, whose typical times run to tens of seconds for a chip
 * erase and would make a firmware's polling loop dominate a run), so a
 * driver's WIP polling is exercised. Without a machine clock: no busy
 * time.
 *
 * Contents: `size` bytes (default 16M; 4 KiB to 16 MiB, a whole number of
 * sectors), erased (0xff), or `image` (a file loaded at create; a shorter
 * file leaves the rest 0xff; a relative path is taken from the board
 * file's folder). `writeback` (true/false, default false; needs `image`)
 * writes the whole array back to `image` when the device is destroyed:
 * the end of the run, or its replacement (a failure is reported as a
 * guest diagnostic, the run goes on).
 *
 * `memory` (a board memory's name, e.g. the HiFive1's `flash`) makes the
 * device serve the bytes of that memory instead of an array of its own:
 * the bytes the CPU executes and reads through the SPI controller's
 * direct-map window (sifive_spi.c), so SPI commands and memory-mapped
 * reads always agree. The device holds an alias onto the memory (an owner
 * of its own), which keeps the memory alive as long as the device
 * (docs/ARCHITECTURE.md, rule 4): the bytes are never a dangling pointer.
 * Every program or erase reports its bytes through
 * memory_region_code_written, so decoded or translated code from them is
 * dropped. `size`, when given, must equal the memory's; `image`, when
 * given, replaces the memory's contents at create (an ELF loaded later
 * still lands on top).
 *
 * Not modelled: dual/quad commands, status register writes and block
 * protection, suspend/resume, the security and parameter pages, SFDP,
 * 4-byte addresses, what a memory-mapped read returns while the flash
 * is busy or powered down (always the array).
 */
#include "peripherals/bus_device.h"
#include "peripherals/spi_bus.h"
#include "soc/alloc.h"
#include "soc/file.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SPI_FLASH_TYPE "spi-flash"
#define PAGE_SIZE 256u
#define SECTOR_SIZE 0x1000u
#define BLOCK_SIZE 0x10000u
#define MIN_SIZE SECTOR_SIZE
#define MAX_SIZE (16u << 20) /* 3-byte addresses */
#define DEFAULT_JEDEC 0x9d6018u
#define DEFAULT_BUSY_US 200u

#define SR_WIP 0x01u
#define SR_WEL 0x02u

enum {
    CMD_WRSR = 0x01, CMD_PP = 0x02, CMD_READ = 0x03, CMD_WRDI = 0x04,
    CMD_RDSR = 0x05, CMD_WREN = 0x06, CMD_FAST_READ = 0x0b, CMD_SE = 0x20,
    CMD_CE_60 = 0x60, CMD_RSTEN = 0x66, CMD_RST = 0x99, CMD_RDID = 0x9f,
    CMD_RES = 0xab, CMD_DP = 0xb9, CMD_CE = 0xc7, CMD_BE = 0xd8,
};

typedef struct SpiFlash {
    char *name;
    DeviceHost host;
    MemorySystem *ms;
    Clock *clock;          /* NULL: no busy time */
    uint64_t size;
    uint8_t *own;          /* the array, when not memory-backed */
    Owner *owner;          /* memory-backed: holds `alias` */
    MemoryRegion *alias;   /* onto the memory, keeping it alive */
    MemoryRegion *target;  /* the memory's region */
    uint32_t jedec;
    char *image;           /* resolved path; NULL when none */
    bool writeback;
    uint64_t busy_cycles;
    uint64_t busy_until;   /* WIP while clock_now is before it */
    bool wel, powered_down, reset_enabled;

    /* the transaction */
    bool selected;
    bool ignored;          /* this command does nothing more */
    uint8_t cmd;
    uint32_t count;        /* bytes so far, the opcode included */
    uint32_t addr;
    uint8_t page[PAGE_SIZE];
    uint8_t page_set[PAGE_SIZE / 8];
    uint8_t reported[256 / 8]; /* opcodes reported as not modelled */
} SpiFlash;

static uint8_t *flash_bytes(SpiFlash *f)
{
    return f->target ? memory_region_host_ptr(f->target) : f->own;
}

/* [off, off + len) changed: decoded code from the memory's bytes goes. */
static void flash_written(SpiFlash *f, uint64_t off, uint64_t len)
{
    if (f->target)
        memory_region_code_written(f->ms, f->target, off, len);
}

static bool flash_busy(const SpiFlash *f)
{
    return f->clock && clock_now(f->clock) < f->busy_until;
}

static void flash_start_busy(SpiFlash *f)
{
    if (f->clock)
        f->busy_until = clock_now(f->clock) + f->busy_cycles;
}

static uint8_t flash_status(const SpiFlash *f)
{
    return (flash_busy(f) ? SR_WIP : 0) | (f->wel ? SR_WEL : 0);
}

/* ---- executing on the rising chip select ---- */

/* PP, SE, BE, CE: only with WEL; said once per attempt. */
static bool flash_write_allowed(SpiFlash *f, const char *what)
{
    if (f->wel)
        return true;
    device_log_guest(&f->host, f->name, "%s (0x%02x) without write enable "
                     "(WREN): ignored", what, f->cmd);
    return false;
}

static void flash_program(SpiFlash *f)
{
    if (!flash_write_allowed(f, "page program"))
        return;
    uint8_t *bytes = flash_bytes(f);
    uint32_t page = (uint32_t)(f->addr % f->size) & ~(PAGE_SIZE - 1);
    for (unsigned i = 0; i < PAGE_SIZE; i++)
        if (f->page_set[i / 8] >> (i % 8) & 1)
            bytes[page + i] &= f->page[i]; /* NOR: bits only clear */
    flash_written(f, page, PAGE_SIZE);
    f->wel = false;
    flash_start_busy(f);
}

static void flash_erase(SpiFlash *f, const char *what, uint64_t unit)
{
    if (!flash_write_allowed(f, what))
        return;
    uint64_t start = unit >= f->size ? 0 : (f->addr % f->size) & ~(unit - 1);
    uint64_t len = unit < f->size - start ? unit : f->size - start;
    memset(flash_bytes(f) + start, 0xff, (size_t)len);
    flash_written(f, start, len);
    f->wel = false;
    flash_start_busy(f);
}

static void flash_reset(SpiFlash *f)
{
    f->wel = false;
}

/* The length a command executes with, 0: it executes with any length
 * from 5 on (PP). */
static uint32_t exec_length(uint8_t cmd)
{
    switch (cmd) {
    case CMD_SE: case CMD_BE:
        return 4;
    case CMD_PP:
        return 0;
    default:
        return 1;
    }
}

static void flash_execute(SpiFlash *f)
{
    uint32_t need = exec_length(f->cmd);
    bool complete = need ? f->count == need : f->count >= 5;
    bool was_rsten = f->reset_enabled;
    f->reset_enabled = false;
    if (!complete)
        return;
    switch (f->cmd) {
    case CMD_WREN: f->wel = true; break;
    case CMD_WRDI: f->wel = false; break;
    case CMD_PP: flash_program(f); break;
    case CMD_SE: flash_erase(f, "sector erase", SECTOR_SIZE); break;
    case CMD_BE: flash_erase(f, "block erase", BLOCK_SIZE); break;
    case CMD_CE: case CMD_CE_60: flash_erase(f, "chip erase", MAX_SIZE); break;
    case CMD_DP: f->powered_down = true; break;
    case CMD_RSTEN: f->reset_enabled = true; break;
    case CMD_RST:
        if (was_rsten)
            flash_reset(f);
        break;
    default:
        break;
    }
}

/* RES releases from power-down at the rising chip select whatever its
 * length (a plain release is 1 byte, the ID read 5). */
static void flash_end(SpiFlash *f)
{
    if (f->count == 0)
        return;
    if (!f->ignored && f->cmd == CMD_RES) {
        f->powered_down = false;
        f->reset_enabled = false;
        return;
    }
    if (f->ignored) {
        f->reset_enabled = false;
        return;
    }
    flash_execute(f);
}

/* ---- bytes of a transaction ---- */

static bool modelled(uint8_t cmd)
{
    switch (cmd) {
    case CMD_PP: case CMD_READ: case CMD_WRDI: case CMD_RDSR: case CMD_WREN:
    case CMD_FAST_READ: case CMD_SE: case CMD_CE_60: case CMD_RSTEN:
    case CMD_RST: case CMD_RDID: case CMD_RES: case CMD_DP: case CMD_CE:
    case CMD_BE:
        return true;
    default:
        return false;
    }
}

static void flash_begin(SpiFlash *f, uint8_t cmd)
{
    f->cmd = cmd;
    f->addr = 0;
    memset(f->page_set, 0, sizeof f->page_set);
    f->ignored = false;
    if (f->powered_down && cmd != CMD_RES) {
        f->ignored = true;
        return;
    }
    if (flash_busy(f) && cmd != CMD_RDSR) {
        f->ignored = true;
        device_log_guest(&f->host, f->name, "command 0x%02x while a program or "
                         "erase is in progress (WIP): ignored", cmd);
        return;
    }
    if (modelled(cmd))
        return;
    f->ignored = true;
    if (f->reported[cmd / 8] >> (cmd % 8) & 1)
        return;
    f->reported[cmd / 8] |= (uint8_t)(1u << (cmd % 8));
    device_log_guest(&f->host, f->name, "command 0x%02x not modelled: ignored",
                     cmd);
}

/* Byte n (1 = the first after the opcode) of a read: 3 address bytes,
 * `dummies` dummy bytes, then data. */
static uint8_t flash_read_byte(SpiFlash *f, uint32_t n, uint8_t mosi,
                               uint32_t dummies)
{
    if (n <= 3) {
        f->addr = f->addr << 8 | mosi;
        return SPI_MISO_IDLE;
    }
    if (n <= 3 + dummies)
        return SPI_MISO_IDLE;
    uint32_t at = (uint32_t)(f->addr % f->size);
    f->addr = (uint32_t)((at + 1) % f->size);
    return flash_bytes(f)[at];
}

static uint8_t flash_program_byte(SpiFlash *f, uint32_t n, uint8_t mosi)
{
    if (n <= 3) {
        f->addr = f->addr << 8 | mosi;
        return SPI_MISO_IDLE;
    }
    unsigned i = (f->addr + (n - 4)) % PAGE_SIZE;
    f->page[i] = mosi;
    f->page_set[i / 8] |= (uint8_t)(1u << (i % 8));
    return SPI_MISO_IDLE;
}

static uint8_t flash_data_byte(SpiFlash *f, uint32_t n, uint8_t mosi)
{
    switch (f->cmd) {
    case CMD_RDID:
        return n <= 3 ? (uint8_t)(f->jedec >> (8 * (3 - n))) : 0x00;
    case CMD_RDSR:
        return flash_status(f);
    case CMD_READ:
        return flash_read_byte(f, n, mosi, 0);
    case CMD_FAST_READ:
        return flash_read_byte(f, n, mosi, 1);
    case CMD_PP:
        return flash_program_byte(f, n, mosi);
    case CMD_SE: case CMD_BE:
        if (n <= 3)
            f->addr = f->addr << 8 | mosi;
        return SPI_MISO_IDLE;
    case CMD_RES:
        return n <= 3 ? SPI_MISO_IDLE : (uint8_t)((f->jedec & 0xff) - 1);
    default:
        return SPI_MISO_IDLE;
    }
}

static uint8_t spi_flash_transfer(void *dev, uint8_t mosi)
{
    SpiFlash *f = dev;
    if (!f->selected)
        return SPI_MISO_IDLE;
    uint32_t n = f->count;
    if (f->count < UINT32_MAX)
        f->count++;
    if (n == 0) {
        flash_begin(f, mosi);
        return SPI_MISO_IDLE;
    }
    return f->ignored ? SPI_MISO_IDLE : flash_data_byte(f, n, mosi);
}

static void spi_flash_select(void *dev, bool asserted)
{
    SpiFlash *f = dev;
    if (asserted == f->selected)
        return;
    f->selected = asserted;
    if (!asserted)
        flash_end(f);
    f->count = 0;
}

static const SpiDeviceOps spi_flash_ops = {
    .select = spi_flash_select,
    .transfer = spi_flash_transfer,
};

/* ---- snapshots ----
 *
 * The status (WIP as the cycle it ends, WEL, power-down, a pending
 * reset), the transaction in progress, the opcodes reported, and, for an
 * array of its own, its sectors that are not erased (a memory-backed
 * flash's bytes are the memory's: the snapshot has them with the other
 * memories). The layout version is 1. */

#define FLASH_STATE_VERSION 1u

static bool sector_erased(const uint8_t *bytes)
{
    for (unsigned i = 0; i < SECTOR_SIZE; i++)
        if (bytes[i] != 0xff)
            return false;
    return true;
}

static void save_sectors(const SpiFlash *f, StateWriter *w)
{
    uint32_t sectors = f->own ? (uint32_t)(f->size / SECTOR_SIZE) : 0, kept = 0;
    for (uint32_t i = 0; i < sectors; i++)
        kept += !sector_erased(f->own + (size_t)i * SECTOR_SIZE);
    state_put_u32(w, kept);
    for (uint32_t i = 0; i < sectors; i++) {
        const uint8_t *bytes = f->own + (size_t)i * SECTOR_SIZE;
        if (sector_erased(bytes))
            continue;
        state_put_u32(w, i);
        state_put(w, bytes, SECTOR_SIZE);
    }
}

static uint8_t *spi_flash_save_state(const void *dev, size_t *len)
{
    const SpiFlash *f = dev;
    StateWriter w = {0};
    state_begin(&w, SPI_FLASH_TYPE, FLASH_STATE_VERSION);
    state_put_u64(&w, f->size);
    state_put_u8(&w, f->own != NULL);
    state_put_u64(&w, f->busy_until);
    uint8_t flags[6] = {f->wel, f->powered_down, f->reset_enabled, f->selected,
                        f->ignored, f->cmd};
    state_put(&w, flags, sizeof flags);
    state_put_u32(&w, f->count);
    state_put_u32(&w, f->addr);
    state_put(&w, f->page, sizeof f->page);
    state_put(&w, f->page_set, sizeof f->page_set);
    state_put(&w, f->reported, sizeof f->reported);
    save_sectors(f, &w);
    return state_take(&w, len);
}

/* The sectors of an array of its own: each index once, in order, inside
 * the array; put in place when `apply` (the rest erased). */
static bool load_sectors(SpiFlash *f, StateReader *r, bool apply, Error **errp)
{
    uint32_t kept = state_get_u32(r), sectors = f->own ? (uint32_t)(f->size / SECTOR_SIZE) : 0;
    if (kept > sectors) {
        error_setf(errp, SPI_FLASH_TYPE ": saved state has %u sectors, the flash %u",
                   kept, sectors);
        return false;
    }
    if (apply && f->own)
        memset(f->own, 0xff, (size_t)f->size);
    for (uint32_t k = 0, next = 0; k < kept; k++) {
        uint32_t i = state_get_u32(r);
        uint8_t bytes[SECTOR_SIZE];
        state_get(r, bytes, sizeof bytes);
        if (r->truncated || i < next || i >= sectors) {
            error_setf(errp, SPI_FLASH_TYPE ": saved sectors are truncated or out "
                       "of order");
            return false;
        }
        next = i + 1;
        if (apply)
            memcpy(f->own + (size_t)i * SECTOR_SIZE, bytes, SECTOR_SIZE);
    }
    return true;
}

static bool spi_flash_load_state(void *dev, const uint8_t *data, size_t len, bool apply,
                                 Error **errp)
{
    SpiFlash *f = dev;
    StateReader r;
    if (!state_open(&r, SPI_FLASH_TYPE, FLASH_STATE_VERSION, data, len, errp))
        return false;
    uint64_t size = state_get_u64(&r);
    uint8_t own = state_get_u8(&r);
    if (!r.truncated && (size != f->size || own != (f->own != NULL))) {
        error_setf(errp, SPI_FLASH_TYPE ": saved state is of a 0x%llx-byte %s flash, "
                   "this one 0x%llx bytes %s", (unsigned long long)size,
                   own ? "stand-alone" : "memory-backed", (unsigned long long)f->size,
                   f->own ? "stand-alone" : "memory-backed");
        return false;
    }
    uint64_t busy_until = state_get_u64(&r);
    uint8_t flags[6];
    state_get(&r, flags, sizeof flags);
    uint32_t count = state_get_u32(&r), addr = state_get_u32(&r);
    uint8_t page[PAGE_SIZE], page_set[PAGE_SIZE / 8], reported[256 / 8];
    state_get(&r, page, sizeof page);
    state_get(&r, page_set, sizeof page_set);
    state_get(&r, reported, sizeof reported);
    if (!state_bools_ok(flags, 5) && !r.truncated) {
        error_setf(errp, SPI_FLASH_TYPE ": saved status flags are not truth values");
        return false;
    }
    StateReader sectors = r;
    if (!load_sectors(f, &sectors, false, errp) || !state_end(&sectors, SPI_FLASH_TYPE, errp))
        return false;
    if (!apply)
        return true;
    load_sectors(f, &r, true, NULL);
    memcpy(f->page, page, sizeof f->page);
    memcpy(f->page_set, page_set, sizeof f->page_set);
    memcpy(f->reported, reported, sizeof f->reported);
    f->busy_until = busy_until;
    f->wel = flags[0], f->powered_down = flags[1], f->reset_enabled = flags[2];
    f->selected = flags[3], f->ignored = flags[4], f->cmd = flags[5];
    f->count = count;
    f->addr = addr;
    return true;
}

/* ---- create, destroy ---- */

/* Writes the array to the image file; a failure is the run's news, not
 * a reason to stop it. */
static void flash_write_back(SpiFlash *f)
{
    Error *err = NULL;
    FILE *out = file_fopen_output(f->image, &err);
    if (!out) {
        device_log_guest(&f->host, f->name, "writeback: %s", error_message(err));
        error_free(err);
        return;
    }
    size_t done = fwrite(flash_bytes(f), 1, (size_t)f->size, out);
    int werr = done == f->size ? 0 : errno;
    if (fclose(out) != 0 && !werr)
        werr = errno;
    if (done != f->size || werr)
        device_log_guest(&f->host, f->name, "writeback: %s: cannot write: %s",
                         f->image, strerror(werr ? werr : EIO));
}

static void spi_flash_free(SpiFlash *f)
{
    owner_unref(f->owner); /* the alias, and with it the memory's reference */
    free(f->own);
    free(f->image);
    free(f->name);
    free(f);
}

static void spi_flash_destroy(void *dev)
{
    SpiFlash *f = dev;
    if (f->writeback)
        flash_write_back(f);
    spi_flash_free(f);
}

static const DeviceProperty spi_flash_props[] = {
    {"size", "bytes, 4K to 16M, whole 4 KiB sectors; default 16M, or the "
     "memory's size", false},
    {"jedec-id", "what 0x9f answers, 3 bytes; default 0x9d6018 (ISSI "
     "IS25LP128)", false},
    {"image", "a file with the initial contents (a shorter file leaves the "
     "rest erased); default none (erased)", false},
    {"writeback", "true: write the contents back to image when the device "
     "goes (the end of the run); default false", false},
    {"memory", "a board memory whose bytes the flash serves (the HiFive1's "
     "flash, what its direct-map window shows); default none", false},
    {"busy-us", "virtual microseconds WIP stays set after a program or "
     "erase, 0 to 1000000; default 200", false},
    {0},
};

/* An error at property `key` (the controller's property: bus_device.h). */
static bool flash_bad(const DeviceConfig *config, const char *key,
                      Error **errp, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static bool flash_bad(const DeviceConfig *config, const char *key,
                      Error **errp, const char *fmt, ...)
{
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    const BoardProp *prop = board_peripheral_prop(config->desc, key);
    const SourceLoc *loc = prop ? &prop->loc : &config->desc->loc;
    if (loc->file)
        error_setf(errp, "%s:%u:%u: %s", loc->file, loc->line, loc->col, what);
    else
        error_setf(errp, "%s", what);
    return false;
}

/* A relative path is the board file's sibling, as a memory's image is. */
static char *resolve_path(const DeviceConfig *config, const char *path)
{
    const BoardProp *prop = board_peripheral_prop(config->desc, "image");
    const char *file = prop ? prop->loc.file : NULL;
    const char *slash = file ? strrchr(file, '/') : NULL;
    if (path[0] == '/' || !slash)
        return xstrdup(path);
    return xasprintf("%.*s/%s", (int)(slash - file), file, path);
}

static bool parse_bool(const DeviceConfig *config, const char *key, bool *out,
                       Error **errp)
{
    const char *v = device_prop_str(config, key, "false");
    if (strcmp(v, "true") == 0 || strcmp(v, "false") == 0) {
        *out = v[0] == 't';
        return true;
    }
    return flash_bad(config, key, errp, "%s: '%s' is not true or false", key, v);
}

static bool size_ok(const DeviceConfig *config, const char *key, uint64_t size,
                    Error **errp)
{
    if (size >= MIN_SIZE && size <= MAX_SIZE && size % SECTOR_SIZE == 0)
        return true;
    return flash_bad(config, key, errp, "the flash must be 4 KiB to 16 MiB in "
                     "whole 4 KiB sectors, not 0x%llx bytes",
                     (unsigned long long)size);
}

/* `memory`: an alias of an owner of the device's own onto it. */
static bool flash_attach_memory(const DeviceConfig *config, SpiFlash *f,
                                const char *name, Error **errp)
{
    const DeviceHost *host = config->host;
    MemoryRegion *mem = host->find_region ? host->find_region(host->opaque, name)
                                          : NULL;
    RegionKind kind = mem ? memory_region_kind(mem) : REGION_CONTAINER;
    if (!mem || (kind != REGION_RAM && kind != REGION_ROM))
        return flash_bad(config, "memory", errp, "memory: no memory '%s'", name);
    uint64_t size = memory_region_size(mem);
    if (board_peripheral_prop(config->desc, "size") && size != f->size)
        return flash_bad(config, "size", errp, "size 0x%llx differs from "
                         "memory '%s' (0x%llx bytes)",
                         (unsigned long long)f->size, name,
                         (unsigned long long)size);
    if (!size_ok(config, "memory", size, errp))
        return false;
    f->size = size;
    char alias_name[192];
    snprintf(alias_name, sizeof alias_name, "%s.memory", f->name);
    f->owner = owner_new(config->ms, f->name, NULL, NULL);
    Error *err = NULL;
    f->alias = memory_region_new_alias(f->owner, alias_name, mem, 0, size, &err);
    if (!f->alias) {
        flash_bad(config, "memory", errp, "memory: %s", error_message(err));
        error_free(err);
        return false;
    }
    f->target = mem;
    return true;
}

/* The image into the array (the rest erased). */
static bool flash_load_image(const DeviceConfig *config, SpiFlash *f,
                             Error **errp)
{
    size_t len;
    Error *err = NULL;
    char *data = file_read_all(f->image, &len, &err);
    if (!data) {
        flash_bad(config, "image", errp, "%s", error_message(err));
        error_free(err);
        return false;
    }
    if (len > f->size) {
        free(data);
        return flash_bad(config, "image", errp, "image: %s is %zu bytes, more "
                         "than the 0x%llx-byte flash", f->image, len,
                         (unsigned long long)f->size);
    }
    uint8_t *bytes = flash_bytes(f);
    memcpy(bytes, data, len);
    memset(bytes + len, 0xff, (size_t)(f->size - len));
    free(data);
    flash_written(f, 0, f->size);
    return true;
}

static bool flash_config(const DeviceConfig *config, SpiFlash *f, Error **errp)
{
    uint64_t jedec, busy_us;
    if (!device_prop_u64(config, "size", MAX_SIZE, &f->size, errp) ||
        !device_prop_u64_range(config, "jedec-id", DEFAULT_JEDEC, 0, 0xffffff,
                               &jedec, errp) ||
        !device_prop_u64_range(config, "busy-us", DEFAULT_BUSY_US, 0, 1000000,
                               &busy_us, errp) ||
        !parse_bool(config, "writeback", &f->writeback, errp))
        return false;
    f->jedec = (uint32_t)jedec;
    if (f->clock)
        f->busy_cycles = clock_cycles_from(f->clock, busy_us, 1000000);
    const char *image = device_prop_str(config, "image", NULL);
    if (f->writeback && !image)
        return flash_bad(config, "writeback", errp, "writeback needs an image "
                         "to write to");
    if (image)
        f->image = resolve_path(config, image);
    const char *memory = device_prop_str(config, "memory", NULL);
    if (memory)
        return flash_attach_memory(config, f, memory, errp);
    if (!size_ok(config, "size", f->size, errp))
        return false;
    f->own = xmalloc((size_t)f->size);
    memset(f->own, 0xff, (size_t)f->size);
    return true;
}

static void *spi_flash_create(const DeviceConfig *config, Error **errp)
{
    SpiFlash *f = xcalloc(1, sizeof *f);
    f->name = xstrdup(config->desc->name);
    f->host = *config->host;
    f->ms = config->ms;
    f->clock = config->host->clock;
    if (!flash_config(config, f, errp) ||
        (f->image && !flash_load_image(config, f, errp))) {
        spi_flash_free(f);
        return NULL;
    }
    return f;
}

const BusDeviceClass spi_flash_class = {
    .type = SPI_FLASH_TYPE,
    .bus = "spi",
    .description = "SPI NOR flash (IS25LP128-like): JEDEC ID, read, fast "
                   "read, page program, sector/block/chip erase, status, "
                   "power-down, reset; an array of its own or a board memory",
    .properties = spi_flash_props,
    .create = spi_flash_create,
    .destroy = spi_flash_destroy,
    .ops = &spi_flash_ops,
    .save_state = spi_flash_save_state,
    .load_state = spi_flash_load_state,
};
