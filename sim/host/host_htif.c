/* HTIF (the Berkeley host-target interface of Spike and riscv-tests):
 * two 64-bit words at the ELF symbols `tohost` and `fromhost`.
 *
 * An overlay (an owner of its own with two 8-byte MMIO regions) is
 * mapped over them in the root container, above RAM, so a guest store
 * reaches us. As in QEMU, the guest writes the low word, then the high
 * word, and the write of the high word (the last byte) acts on the
 * 64-bit value: device = bits 63..56, command = bits 55..48, payload =
 * bits 47..0.
 *   device 0, payload odd:   exit with status payload >> 1 (riscv-tests:
 *                            1 passes, (n << 1) | 1 fails test n)
 *   device 0, payload even:  a proxied system call: payload points at
 *                            eight 64-bit words (number, arguments);
 *                            write (64) to fd 1/2 and exit (93) are
 *                            served, others get -ENOSYS; word 0 gets the
 *                            result and fromhost 1
 *   device 1, command 1:     putchar(payload & 0xff) on stdout; fromhost
 *                            = device, command, 0x100 | the character
 * Anything else is dropped (console input is not served). tohost reads
 * as 0 once handled. Without `fromhost` in the ELF answers are dropped.
 */
#include "sim/host/host_internal.h"

#include <stdio.h>

#define HTIF_PRIORITY 100 /* above the board's memories and devices */

static void proxied_syscall(Host *h, uint32_t addr)
{
    uint64_t m[8];
    int64_t result = -NL_ENOSYS;
    if (!host_guest_read(h, addr, m, sizeof m))
        return;
    if (m[0] == 93) {
        fflush(stdout);
        host_exit(h, (int)(int64_t)m[1]);
        return;
    }
    if (m[0] == 64 && (m[1] == 1 || m[1] == 2) && m[3] <= UINT32_MAX) {
        HostFile out = {.kind = m[1] == 1 ? HOST_FILE_STDOUT : HOST_FILE_STDERR, .fd = -1};
        result = host_file_write(h, &out, (uint32_t)m[2], (uint32_t)m[3]);
    }
    host_guest_write(h, addr, &result, 8);
    h->htif.fromhost.value = 1;
}

static void handle(Host *h, uint64_t v)
{
    unsigned device = (unsigned)(v >> 56), command = (unsigned)(v >> 48 & 0xff);
    uint64_t payload = v & ((UINT64_C(1) << 48) - 1);
    h->htif.tohost.value = 0;
    trace_sys(h->trace, "htif tohost 0x%016llx", (unsigned long long)v);
    if (device == 0 && command == 0) {
        if (payload & 1) {
            fflush(stdout);
            host_exit(h, (int)(payload >> 1));
        } else if (payload <= UINT32_MAX) {
            proxied_syscall(h, (uint32_t)payload);
        }
    } else if (device == 1 && command == 1) {
        fputc((int)(payload & 0xff), stdout);
        fflush(stdout);
        h->htif.fromhost.value = v >> 48 << 48 | 0x100 | (payload & 0xff);
    }
}

static uint64_t mask_of(uint64_t offset, unsigned size)
{
    return (size >= 8 ? ~UINT64_C(0) : (UINT64_C(1) << (size * 8)) - 1) << (offset * 8);
}

static bool htif_read(void *opaque, uint64_t offset, unsigned size, uint32_t *value)
{
    HtifWord *w = opaque;
    if (offset + size > 8)
        return false;
    *value = (uint32_t)((w->value & mask_of(offset, size)) >> (offset * 8));
    return true;
}

static bool htif_write(void *opaque, uint64_t offset, unsigned size, uint32_t value)
{
    HtifWord *w = opaque;
    if (offset + size > 8)
        return false;
    uint64_t mask = mask_of(offset, size);
    w->value = (w->value & ~mask) | ((uint64_t)value << (offset * 8) & mask);
    if (w->is_tohost && offset + size == 8 && !w->host->exited)
        handle(w->host, w->value);
    return true;
}

static const MmioOps htif_ops = {.read = htif_read, .write = htif_write, .peek = htif_read};

static bool map(Host *h, MemoryRegion **slot, HtifWord *w, const char *name,
                uint32_t addr, Error **errp)
{
    *w = (HtifWord){.host = h, .is_tohost = w == &h->htif.tohost};
    *slot = memory_region_new_mmio(h->htif.owner, name, 8, &htif_ops, w);
    return memory_add_subregion_overlap(h->htif.container, addr, *slot, HTIF_PRIORITY, errp);
}

bool host_htif_setup(Host *h, const ElfSymbols *syms, Error **errp)
{
    HostHtif *htif = &h->htif;
    if (!elf_symbol_address(syms, "tohost", &htif->tohost_addr))
        return true; /* not an HTIF program: nothing to do */
    bool has_fromhost = elf_symbol_address(syms, "fromhost", &htif->fromhost_addr);
    if (has_fromhost && htif->fromhost_addr + 8u > htif->tohost_addr &&
        htif->tohost_addr + 8u > htif->fromhost_addr)
        has_fromhost = false; /* overlapping: tohost wins */
    htif->container = memory_root(h->ms);
    if (!htif->container) {
        error_setf(errp, "htif: the machine has no address space");
        return false;
    }
    if (htif->tohost_addr > UINT32_MAX - 7u ||
        (has_fromhost && htif->fromhost_addr > UINT32_MAX - 7u)) {
        error_setf(errp, "htif: tohost/fromhost at the end of the address space");
        return false;
    }
    htif->owner = owner_new(h->ms, "htif", NULL, NULL);
    memory_begin(h->ms);
    bool ok = map(h, &htif->tohost_mr, &htif->tohost, "tohost", htif->tohost_addr, errp) &&
              (!has_fromhost || map(h, &htif->fromhost_mr, &htif->fromhost, "fromhost",
                                    htif->fromhost_addr, errp));
    memory_commit(h->ms);
    if (!ok)
        error_prepend(errp, "htif: ");
    return ok;
}

void host_htif_free(Host *h)
{
    HostHtif *htif = &h->htif;
    if (!htif->owner)
        return;
    memory_begin(h->ms);
    if (htif->tohost_mr)
        memory_del_subregion(htif->container, htif->tohost_mr);
    if (htif->fromhost_mr)
        memory_del_subregion(htif->container, htif->fromhost_mr);
    memory_commit(h->ms);
    owner_unref(htif->owner);
    *htif = (HostHtif){0};
}
