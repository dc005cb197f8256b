/* Register tables: how every device model declares its registers.
 *
 * A model writes one const RegTable: each register's name, offset, width,
 * reset value, access kind and writable bits, where its value lives in the
 * model's state (or a hook that computes it), and its fields. This file
 * does the rest, the same way for every model: decoding an offset to a
 * register (arrays included), the access-size and alignment checks, what
 * each access kind does to the stored value, reset, side-effect-free
 * peeks for the debugger, "unmodelled register" reports (once each), and
 * the names and field values --trace mmio prints. docs/DEVICES.md shows a
 * model built on it.
 *
 * Access rules (the same for every model):
 * - An access must be as wide as the register and aligned to its width,
 *   unless the register is REG_NARROW (then a 1- or 2-byte access inside
 *   it reads the bytes it covers, and writes only those bytes: the others
 *   keep their values). An access that breaks this, or that is wider than
 *   the register, is a bad access: a bus error when the bank's policy is
 *   `fault` (the default), otherwise reads 0, writes are ignored, and the
 *   guest diagnostic says so once per offset.
 * - An offset where no register is (or an array element past its runtime
 *   count) reads 0 and ignores writes, reported once per offset ("read at
 *   +0x40: no register there"). A REG_UNIMPL register does the same,
 *   reported with its name ("write of 0x1 to we (+0x10) ignored: not
 *   modelled").
 * - Access kinds, for a guest access (`old` the stored value, `v` the
 *   value written, `mask` the writable bits):
 *     REG_RW   read: stored; write: (old & ~mask) | (v & mask)
 *     REG_RO   read: stored; write: ignored (the hardware does so too),
 *              reported once per offset
 *     REG_WO   read: 0;      write: as REG_RW
 *     REG_W1C  read: stored; write: old & ~(v & mask)
 *     REG_W1S  read: stored; write: old | (v & mask)
 *     REG_RC   read: stored, then the stored value becomes 0; write: as
 *              REG_RW
 *   A `read` hook replaces "stored" (a derived value, a FIFO's head); an
 *   `accept` hook may refuse the write first (a register behind a key:
 *   ignored; a request the device cannot serve: a bus error); a
 *   `write` hook runs after the store (with the new stored value, or the
 *   masked value written when the register has no storage). After every
 *   guest access that may have changed something (a write that reached
 *   a register, a REG_RO one excepted; a read through a read hook or of a
 *   REG_RC register), the table's `after_access` runs (the one place a
 *   model updates its interrupt outputs and timers). A read of a plain
 *   stored value changes nothing and skips it.
 * - A peek (the debugger, `info`, tests) reads what a guest read would
 *   return and changes nothing: REG_RC keeps its value, read hooks get
 *   peek = true and must not change state, after_access does not run. A
 *   peek never faults: one that is not a single register's access (the
 *   debugger reads words, over byte registers too) gets each byte from
 *   the register holding it, 0 where none is.
 */
#ifndef PERIPHERALS_REGS_H
#define PERIPHERALS_REGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "peripherals/peripheral.h"

typedef enum RegAccess {
    REG_RW,
    REG_RO,
    REG_WO,
    REG_W1C,
    REG_W1S,
    REG_RC,
    REG_UNIMPL, /* named but not modelled: reads 0, ignores writes, says so */
} RegAccess;

/* Flags. */
#define REG_NARROW 0x1u   /* 1- and 2-byte accesses inside it are fine */
#define REG_STORE_PTR 0x2u /* `store` locates a uint32_t * to the array */

/* What an `accept` hook says of a write. */
typedef enum RegVerdict {
    REG_TAKE,
    REG_IGNORE,
    REG_FAULT,
} RegVerdict;

/* A field, for traces and descriptions: bits [lsb, lsb + width). */
typedef struct RegField {
    const char *name;
    uint8_t lsb, width;
} RegField;

/* No storage: the register is a hook's, or reads 0. */
#define REG_NO_STORE SIZE_MAX

typedef struct RegDef {
    const char *name;
    uint32_t offset;   /* of element 0 from the bank's base */
    uint8_t width;     /* bytes: 1, 2 or 4 */
    RegAccess access;
    uint32_t reset;
    /* Writable bits; 0 means every bit of the width. */
    uint32_t mask;
    unsigned flags;
    /* Arrays: `count` elements `stride` bytes apart (count 0 or 1: one
     * register). `count_of`, when set, gives the elements the instance
     * has (at most count; fixed for the instance's life): the others
     * behave as offsets with no register. */
    uint32_t count, stride;
    unsigned (*count_of)(const void *dev);
    /* Where the value lives: offsetof(State, member) of a uint32_t (an
     * array of `count`: uint32_t member[count]; with REG_STORE_PTR a
     * uint32_t *member pointing at them), or REG_NO_STORE. */
    size_t store;
    /* Optional behaviour (see the top of the file); `index` is the array
     * element, 0 for a single register. */
    uint32_t (*read)(void *dev, unsigned index, bool peek);
    void (*write)(void *dev, unsigned index, uint32_t value);
    /* Asked before a guest write changes anything, with the register
     * (the element's offset is reg->offset + index * reg->stride) and the
     * value written: REG_TAKE lets it through; REG_IGNORE drops it (a
     * register behind a key; the hook reports why), after_access still
     * running; REG_FAULT makes the access a bus error, changing nothing. */
    RegVerdict (*accept)(void *dev, const struct RegDef *reg, unsigned index,
                         uint32_t value);
    /* Per-element reset values of an array (count of them); NULL: every
     * element resets to `reset`. */
    const uint32_t *resets;
    const RegField *fields; /* ending with {NULL}; NULL: no fields */
    /* One offset, two registers (the OpenCores I2C's sr/cr): what a write
     * reaches is named and split so in traces; NULL: as a read. */
    const char *write_name;
    const RegField *write_fields;
} RegDef;

/* State a model holds outside its registers that a snapshot must keep
 * (FIFO contents, a shift register, what it latched, its clock events),
 * declared next to the table. Everything that changes while the device
 * runs is either a register with storage or declared here; what follows
 * from it (an output's level, a cached search) is re-derived by the
 * table's after_load. */
typedef enum RegStateKind {
    REG_STATE_BYTES, /* `size` bytes at `offset` of the state */
    REG_STATE_BOOL,  /* `size` bools at `offset`: each byte must be 0 or 1 */
    REG_STATE_EVENT, /* a ClockEvent * at `offset` (NULL: the instance has
                        none, and it may not be saved pending): whether it
                        is pending, its deadline and its place among
                        events of that deadline (clock_event_order) */
} RegStateKind;

typedef struct RegState {
    const char *name;
    RegStateKind kind;
    size_t offset, size;
} RegState;

#define REG_STATE(type, member) \
    {#member, REG_STATE_BYTES, offsetof(type, member), sizeof(((type *)0)->member)}
#define REG_STATE_BOOL(type, member) \
    {#member, REG_STATE_BOOL, offsetof(type, member), sizeof(((type *)0)->member)}
#define REG_STATE_EVENT(type, member) \
    {#member, REG_STATE_EVENT, offsetof(type, member), sizeof(void *)}

typedef struct RegTable {
    const RegDef *regs; /* sorted by offset, no overlaps (regs_check) */
    size_t nregs;
    const RegState *state; /* extra snapshot state; may be NULL */
    size_t nstate;
    /* After every guest access that may have changed something (see
     * the top of the file; not peeks). */
    void (*after_access)(void *dev);
    /* Snapshot loads (regs_state_load). check_load sees the device with
     * the saved registers and declared state in place (its clock events
     * not yet touched) and refuses what the model cannot run with (a
     * FIFO's count past its depth, a divisor of 0), with a message; it
     * must change nothing (regs_state_load then puts the old values
     * back). NULL: every value is fine. after_load then re-derives what
     * follows from the state (a window's target, a cached search) and
     * drives the outputs' levels, without rescheduling the events, which
     * regs_state_load restored. NULL: nothing to do. */
    bool (*check_load)(const void *dev, Error **errp);
    void (*after_load)(void *dev);
} RegTable;

#define REG_TABLE_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* One device instance's view of its table. Embedded in the model's state
 * (it lives and dies with it); regs_bank_init fills it. */
#define REGS_LOG_LIMIT 16
#define REGS_RECENT 16

/* One remembered decode (regs.c): an access of `size` (0: empty) at
 * `offset` reaches element `index` of register `reg`, at byte `lane`. */
typedef struct RegRecent {
    uint64_t offset;
    const struct RegDef *reg;
    uint32_t index;
    uint8_t lane, size;
} RegRecent;

typedef struct RegBank {
    const RegTable *table;
    void *dev;
    const char *name; /* the device's board name; the model owns it */
    DeviceHost host;  /* for guest diagnostics */
    bool ignore_bad_access;
    /* The last good decodes, by offset: a hit skips the table. */
    RegRecent recent[REGS_RECENT];
    /* Offsets reported so far ((offset << 1) | is_write). */
    uint64_t logged[REGS_LOG_LIMIT];
    unsigned nlogged;
    bool log_full;
} RegBank;

/* The property every register-table model takes: a bad access (wrong
 * size, misaligned) faults or is ignored and reported. For the model's
 * property table. */
#define REGS_BAD_ACCESS_PROPERTY                                                \
    {"bad-access", "what a wrongly sized or misaligned access does: fault "    \
     "(a bus error, the default) or ignore (reads 0, reported once)", false}

/* Validates a table (sorted, no two registers overlapping, widths 1/2/4,
 * arrays with a stride at least the width, masks and resets inside the
 * width). The registry's test runs it over every model. */
bool regs_check(const RegTable *table, const char *what, Error **errp);

/* Fills `bank` for `dev` (whose state holds the storage the table
 * names) and reads the `bad-access` property; errors carry its location.
 * `name` must outlive the bank. Sets every register to its reset value. */
bool regs_bank_init(RegBank *bank, const RegTable *table, void *dev,
                    const char *name, const DeviceConfig *config, Error **errp);

/* Every register back to its reset value (nothing else: FIFOs and other
 * state are the model's). */
void regs_reset(RegBank *bank);

/* The MMIO operations for a region whose opaque is a RegBank. */
extern const MmioOps regs_mmio_ops;

/* A new MMIO region of `size` bytes showing the bank (regs_mmio_ops). */
MemoryRegion *regs_region_new(Owner *owner, RegBank *bank, uint64_t size);

/* Guest accesses and peeks at an offset (what regs_mmio_ops does). False:
 * a bus error. */
bool regs_read(RegBank *bank, uint64_t offset, unsigned size, uint32_t *value);
bool regs_write(RegBank *bank, uint64_t offset, unsigned size, uint32_t value);
bool regs_peek(RegBank *bank, uint64_t offset, unsigned size, uint32_t *value);

/* The register at `offset` and its element; NULL when none (or past the
 * element count). */
const RegDef *regs_find(const RegBank *bank, uint64_t offset, unsigned *index);

/* Says something about the access at `offset` once per offset and
 * direction, as a guest diagnostic of the bank's device; after
 * REGS_LOG_LIMIT such reports, one saying further accesses are not
 * reported, then nothing (for models whose hooks report, like a stub). */
__attribute__((format(printf, 4, 5)))
void regs_note_once(RegBank *bank, uint64_t offset, bool is_write,
                    const char *fmt, ...);

/* The stored value of a register's element (for models' own use). */
uint32_t *regs_slot(const RegBank *bank, const RegDef *reg, unsigned index);

/* For traces: the register an access at `offset` reaches ("txdata",
 * "priority[3]"; "" when none) and the values its fields have in `value`
 * ("data=0x41"; "" without fields; a write shows only the fields it can
 * change). */
void regs_describe_access(const RegBank *bank, uint64_t offset, uint32_t value,
                          bool is_write, char *name, size_t name_len,
                          char *fields, size_t fields_len);

/* The table as text for `info types` and --describe-board: one line per
 * register (offset, name, width, access, reset, mask, fields). */
void regs_describe_table(const RegTable *table, FILE *out);

/* Snapshot support: the registers' stored values, the declared state and
 * the bank's report log (what was said once stays said), as a
 * self-describing byte string (names and sizes included, so a mismatch
 * is refused by name). regs_state_save returns a malloc'd buffer of *len
 * bytes. regs_state_check says whether regs_state_load would take it
 * (the records, the bools, the events, the table's check_load), changing
 * nothing. regs_state_load restores it into the bank's device, or fails
 * naming what does not match, changing nothing; clock events are
 * rescheduled at their saved deadlines, in their saved order among
 * events of one deadline (or cancelled), then the table's after_load
 * runs. */
uint8_t *regs_state_save(const RegBank *bank, size_t *len);
bool regs_state_check(RegBank *bank, const uint8_t *data, size_t len, Error **errp);
bool regs_state_load(RegBank *bank, const uint8_t *data, size_t len, Error **errp);

/* A table model's whole snapshot state (PeripheralClass.save_state and
 * load_state): the state_io.h envelope naming `type`, then the bank's
 * records. Errors start with "TYPE: ". */
uint8_t *regs_device_save(const RegBank *bank, const char *type, size_t *len);
bool regs_device_load(RegBank *bank, const char *type, const uint8_t *data,
                      size_t len, Error **errp);
/* The layout version of that envelope. */
#define REGS_DEVICE_STATE_VERSION 1u

/* The two hooks of a model whose state is its bank (registers and the
 * table's RegState list), as `static` functions PREFIX_save_state and
 * PREFIX_load_state for its class; `member` is the bank in its state
 * struct `Type`:
 *     REGS_STATE_HOOKS(otp, Otp, bank, "sifive,otp0")
 *     ... .save_state = otp_save_state, .load_state = otp_load_state, */
#define REGS_STATE_HOOKS(prefix, Type, member, type_name)                     \
    static uint8_t *prefix##_save_state(void *state, size_t *len)            \
    {                                                                         \
        return regs_device_save(&((Type *)state)->member, type_name, len);    \
    }                                                                         \
    static bool prefix##_load_state(void *state, const uint8_t *data,         \
                                    size_t len, Error **errp)                 \
    {                                                                         \
        return regs_device_load(&((Type *)state)->member, type_name, data,    \
                                len, errp);                                   \
    }

#endif
