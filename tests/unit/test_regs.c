/* Register tables (peripherals/regs.c): table checks, every access kind,
 * writable masks, access sizes under both bad-access policies, narrow
 * registers, arrays (interleaved, runtime counts, storage behind a
 * pointer), reset, side-effect-free peeks, once-only reports, trace
 * descriptions, and snapshot state round trips; then every model in the
 * registry: its table passes the checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "peripherals/registry.h"
#include "peripherals/regs.h"
#include "soc/clock.h"

/* ---- a toy device ---- */

typedef struct Toy {
    RegBank bank;
    uint32_t ctrl, status, flags, sets, clr_on_read, wo, byte, half, narrow, far;
    uint32_t prio[4];
    uint32_t *dyn; /* REG_STORE_PTR array of ndyn */
    unsigned ndyn;
    uint32_t keyed, key, tiers[3];
    uint32_t fifo_head; /* what `data` reads; a read pops (increments) */
    unsigned pops, writes_seen, after;
    uint32_t last_written;
    uint8_t extra[3];
    ClockEvent *tick;
    char log[2048];
} Toy;

static uint32_t data_read(void *dev, unsigned index, bool peek)
{
    Toy *t = dev;
    uint32_t v = t->fifo_head;
    if (!peek) {
        t->fifo_head++;
        t->pops++;
    }
    return v;
}

static void seen_write(void *dev, unsigned index, uint32_t value)
{
    Toy *t = dev;
    t->writes_seen++;
    t->last_written = value;
}

/* A write to `keyed` needs `key` set first and uses it up. */
static RegVerdict key_accept(void *dev, const RegDef *reg, unsigned index,
                             uint32_t value)
{
    Toy *t = dev;
    if (value == 0xdead)
        return REG_FAULT; /* a request this device cannot serve */
    bool ok = t->key != 0;
    t->key = 0;
    return ok ? REG_TAKE : REG_IGNORE;
}

static const uint32_t tier_resets[3] = {0x11, 0x22, 0x33};

static unsigned dyn_count(const void *dev)
{
    return ((const Toy *)dev)->ndyn;
}

static void toy_after(void *dev)
{
    ((Toy *)dev)->after++;
}

static const RegField ctrl_fields[] = {
    {"en", 0, 1}, {"mode", 4, 3}, {"busy", 8, 1}, {"div", 16, 16}, {NULL, 0, 0},
};

static const RegDef toy_regs[] = {
    {.name = "ctrl", .offset = 0x00, .width = 4, .access = REG_RW, .reset = 0x10,
     .mask = 0xffff0071, .store = offsetof(Toy, ctrl), .fields = ctrl_fields},
    {.name = "status", .offset = 0x04, .width = 4, .access = REG_RO,
     .reset = 0xabcd, .store = offsetof(Toy, status)},
    {.name = "flags", .offset = 0x08, .width = 4, .access = REG_W1C, .reset = 0xff,
     .mask = 0x0f, .store = offsetof(Toy, flags), .write = seen_write},
    {.name = "sets", .offset = 0x0c, .width = 4, .access = REG_W1S,
     .store = offsetof(Toy, sets)},
    {.name = "rc", .offset = 0x10, .width = 4, .access = REG_RC, .reset = 7,
     .store = offsetof(Toy, clr_on_read)},
    {.name = "wo", .offset = 0x14, .width = 4, .access = REG_WO, .reset = 5,
     .store = offsetof(Toy, wo)},
    {.name = "data", .offset = 0x18, .width = 4, .access = REG_RW,
     .store = REG_NO_STORE, .read = data_read, .write = seen_write},
    {.name = "lock", .offset = 0x1c, .width = 4, .access = REG_UNIMPL,
     .store = REG_NO_STORE},
    {.name = "byte", .offset = 0x20, .width = 1, .access = REG_RW, .reset = 0x5a,
     .store = offsetof(Toy, byte)},
    {.name = "half", .offset = 0x22, .width = 2, .access = REG_RW,
     .store = offsetof(Toy, half)},
    {.name = "narrow", .offset = 0x24, .width = 4, .access = REG_RW,
     .flags = REG_NARROW, .reset = 0x44332211, .store = offsetof(Toy, narrow)},
    {.name = "keyed", .offset = 0x28, .width = 4, .access = REG_RW, .reset = 3,
     .store = offsetof(Toy, keyed), .accept = key_accept},
    {.name = "key", .offset = 0x2c, .width = 4, .access = REG_WO,
     .store = offsetof(Toy, key)},
    {.name = "prio", .offset = 0x40, .width = 4, .access = REG_RW, .mask = 0x7,
     .count = 4, .stride = 8, .store = offsetof(Toy, prio)},
    {.name = "dyn", .offset = 0x44, .width = 4, .access = REG_RW, .reset = 1,
     .count = 4, .stride = 8, .count_of = dyn_count, .flags = REG_STORE_PTR,
     .store = offsetof(Toy, dyn)},
    {.name = "tiers", .offset = 0x800, .width = 4, .access = REG_RW, .count = 3,
     .stride = 4, .resets = tier_resets, .store = offsetof(Toy, tiers)},
    {.name = "far", .offset = 0x1000, .width = 4, .access = REG_RW, .reset = 9,
     .store = offsetof(Toy, far)},
};

static const RegState toy_state[] = {
    REG_STATE(Toy, extra),
    REG_STATE_EVENT(Toy, tick),
};

static const RegTable toy_table = {
    .regs = toy_regs, .nregs = REG_TABLE_LEN(toy_regs),
    .state = toy_state, .nstate = REG_TABLE_LEN(toy_state),
    .after_access = toy_after,
};

static void log_guest(void *opaque, const char *device, const char *message)
{
    Toy *t = opaque;
    size_t used = strlen(t->log);
    snprintf(t->log + used, sizeof t->log - used, "%s: %s\n", device, message);
}

static void tick(void *opaque) { (void)opaque; }

typedef struct Fix {
    Toy toy;
    Clock *clock;
    DeviceHost host;
    BoardPeripheral desc;
    BoardProp prop;
} Fix;

static bool fix_init(Fix *f, const char *bad_access, Error **errp)
{
    memset(f, 0, sizeof *f);
    f->clock = clock_new(1000);
    f->toy.tick = clock_event_new(f->clock, tick, NULL);
    f->toy.ndyn = 3;
    f->toy.dyn = calloc(3, sizeof *f->toy.dyn);
    f->host = (DeviceHost){.opaque = &f->toy, .log_guest = log_guest, .clock = f->clock};
    f->prop = (BoardProp){.key = "bad-access", .value = (char *)bad_access,
                          .loc = {"board.yaml", 7, 20}};
    f->desc = (BoardPeripheral){.name = "toy", .type = "toy", .props = &f->prop,
                                .nprops = bad_access ? 1 : 0};
    DeviceConfig config = {.desc = &f->desc, .host = &f->host};
    return regs_bank_init(&f->toy.bank, &toy_table, &f->toy, "toy", &config, errp);
}

static int setup(void **state)
{
    Fix *f = malloc(sizeof *f);
    Error *err = NULL;
    if (!fix_init(f, NULL, &err))
        fail_msg("%s", error_message(err));
    *state = f;
    return 0;
}

static int setup_ignore(void **state)
{
    Fix *f = malloc(sizeof *f);
    Error *err = NULL;
    if (!fix_init(f, "ignore", &err))
        fail_msg("%s", error_message(err));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    Fix *f = *state;
    clock_event_free(f->toy.tick);
    clock_free(f->clock);
    free(f->toy.dyn);
    free(f);
    return 0;
}

static uint32_t rd(Fix *f, uint32_t off)
{
    uint32_t v = 0xdeadbeef;
    assert_true(regs_read(&f->toy.bank, off, 4, &v));
    return v;
}

static void wr(Fix *f, uint32_t off, uint32_t v)
{
    assert_true(regs_write(&f->toy.bank, off, 4, v));
}

static uint32_t pk(Fix *f, uint32_t off)
{
    uint32_t v = 0xdeadbeef;
    assert_true(regs_peek(&f->toy.bank, off, 4, &v));
    return v;
}

/* ---- table checks ---- */

static void expect_bad_table(const RegDef *regs, size_t n, const char *msg)
{
    RegTable t = {.regs = regs, .nregs = n};
    Error *err = NULL;
    assert_false(regs_check(&t, "t", &err));
    assert_non_null(strstr(error_message(err), msg));
    error_free(err);
}

static void test_check_accepts_the_toy_and_interleaved_arrays(void **state)
{
    Error *err = NULL;
    assert_true(regs_check(&toy_table, "toy", &err));
    static const RegDef pages[] = {
        {.name = "threshold", .offset = 0x0, .width = 4, .count = 8, .stride = 0x1000,
         .store = REG_NO_STORE},
        {.name = "claim", .offset = 0x4, .width = 4, .count = 8, .stride = 0x1000,
         .store = REG_NO_STORE},
    };
    RegTable t = {.regs = pages, .nregs = 2};
    assert_true(regs_check(&t, "pages", &err));
}

static void test_check_refuses_broken_tables(void **state)
{
    static const RegDef unsorted[] = {
        {.name = "b", .offset = 8, .width = 4, .store = REG_NO_STORE},
        {.name = "a", .offset = 4, .width = 4, .store = REG_NO_STORE},
    };
    expect_bad_table(unsorted, 2, "a is not sorted by offset after b");
    static const RegDef overlapping[] = {
        {.name = "arr", .offset = 0, .width = 4, .count = 4, .stride = 8,
         .store = REG_NO_STORE},
        {.name = "x", .offset = 0x18, .width = 4, .store = REG_NO_STORE},
    };
    expect_bad_table(overlapping, 2, "x overlaps arr");
    static const RegDef wide[] = {
        {.name = "w", .offset = 0, .width = 3, .store = REG_NO_STORE},
    };
    expect_bad_table(wide, 1, "w: width 3 is not 1, 2 or 4");
    static const RegDef mask[] = {
        {.name = "m", .offset = 0, .width = 1, .mask = 0x100, .store = REG_NO_STORE},
    };
    expect_bad_table(mask, 1, "m: reset or mask wider than the register");
    static const RegDef misaligned[] = {
        {.name = "h", .offset = 1, .width = 2, .store = REG_NO_STORE},
    };
    expect_bad_table(misaligned, 1, "h: offset 0x1 is not aligned");
    static const RegDef stride[] = {
        {.name = "s", .offset = 0, .width = 4, .count = 2, .stride = 2,
         .store = REG_NO_STORE},
    };
    expect_bad_table(stride, 1, "s: stride 2 does not fit width 4");
}

static void test_every_registry_model_has_a_valid_table(void **state)
{
    size_t with_tables = 0;
    for (size_t i = 0; i < registry_count(); i++) {
        const PeripheralClass *cls = registry_at(i);
        if (!cls->registers)
            continue;
        with_tables++;
        Error *err = NULL;
        if (!regs_check(cls->registers, cls->type, &err))
            fail_msg("%s", error_message(err));
        bool has_prop = false;
        for (const DeviceProperty *p = cls->properties; p && p->name; p++)
            has_prop |= strcmp(p->name, "bad-access") == 0;
        if (!has_prop)
            fail_msg("%s has registers but no bad-access property", cls->type);
    }
    printf("%zu of %zu models declare register tables\n", with_tables,
           registry_count());
}

/* ---- access kinds ---- */

static void test_reset_values(void **state)
{
    Fix *f = *state;
    assert_int_equal(pk(f, 0x00), 0x10);
    assert_int_equal(pk(f, 0x04), 0xabcd);
    assert_int_equal(pk(f, 0x08), 0xff);
    assert_int_equal(pk(f, 0x10), 7);
    assert_int_equal(f->toy.wo, 5);
    assert_int_equal(f->toy.narrow, 0x44332211);
    for (unsigned i = 0; i < 3; i++)
        assert_int_equal(f->toy.dyn[i], 1);
    wr(f, 0x00, 0xffffffff);
    regs_reset(&f->toy.bank);
    assert_int_equal(pk(f, 0x00), 0x10);
}

static void test_rw_keeps_unwritable_bits(void **state)
{
    Fix *f = *state;
    wr(f, 0x00, 0xffffffff);
    assert_int_equal(rd(f, 0x00), 0xffff0071);
    wr(f, 0x00, 0);
    assert_int_equal(rd(f, 0x00), 0);
    f->toy.ctrl = 0x8; /* a bit the guest cannot write, set by the model */
    wr(f, 0x00, 0x1);
    assert_int_equal(rd(f, 0x00), 0x9);
}

static void test_ro_ignores_writes_without_hooks(void **state)
{
    Fix *f = *state;
    unsigned after = f->toy.after;
    wr(f, 0x04, 0);
    assert_int_equal(rd(f, 0x04), 0xabcd);
    /* neither the refused write nor a read of a stored value can change
     * anything: no after_access */
    assert_int_equal(f->toy.after, after);
    rd(f, 0x10); /* read-clears: it does */
    assert_int_equal(f->toy.after, after + 1);
}

static void test_w1c_clears_only_writable_ones(void **state)
{
    Fix *f = *state;
    wr(f, 0x08, 0xf5);
    /* mask 0x0f: 0xf5 & 0x0f = 0x05 cleared from 0xff */
    assert_int_equal(rd(f, 0x08), 0xfa);
    assert_int_equal(f->toy.writes_seen, 1);
    assert_int_equal(f->toy.last_written, 0xfa); /* the hook sees the new value */
}

static void test_w1s_sets(void **state)
{
    Fix *f = *state;
    wr(f, 0x0c, 0x3);
    wr(f, 0x0c, 0x10);
    assert_int_equal(rd(f, 0x0c), 0x13);
    wr(f, 0x0c, 0);
    assert_int_equal(rd(f, 0x0c), 0x13);
}

static void test_read_clears_but_peek_does_not(void **state)
{
    Fix *f = *state;
    assert_int_equal(pk(f, 0x10), 7);
    assert_int_equal(pk(f, 0x10), 7);
    assert_int_equal(rd(f, 0x10), 7);
    assert_int_equal(rd(f, 0x10), 0);
    wr(f, 0x10, 0x42);
    assert_int_equal(pk(f, 0x10), 0x42);
}

static void test_write_only_reads_zero(void **state)
{
    Fix *f = *state;
    wr(f, 0x14, 0x1234);
    assert_int_equal(f->toy.wo, 0x1234);
    assert_int_equal(rd(f, 0x14), 0);
}

static void test_accept_refuses_a_locked_write(void **state)
{
    Fix *f = *state;
    wr(f, 0x28, 9);
    assert_int_equal(rd(f, 0x28), 3);
    unsigned after = f->toy.after;
    wr(f, 0x2c, 1);
    wr(f, 0x28, 9);
    assert_int_equal(rd(f, 0x28), 9);
    assert_int_equal(f->toy.after, after + 2); /* the two writes (not the read) */
    wr(f, 0x28, 4); /* the key was used up: refused, after_access runs all the same */
    assert_int_equal(f->toy.after, after + 3);
    assert_int_equal(rd(f, 0x28), 9);
    /* a fault: a bus error, nothing written, no after_access, the key kept */
    wr(f, 0x2c, 1);
    assert_false(regs_write(&f->toy.bank, 0x28, 4, 0xdead));
    assert_int_equal(rd(f, 0x28), 9);
    assert_int_equal(f->toy.key, 1);
    assert_int_equal(f->toy.after, after + 4);
}

static void test_per_element_resets(void **state)
{
    Fix *f = *state;
    assert_int_equal(pk(f, 0x800), 0x11);
    assert_int_equal(pk(f, 0x804), 0x22);
    assert_int_equal(pk(f, 0x808), 0x33);
    wr(f, 0x804, 0);
    regs_reset(&f->toy.bank);
    assert_int_equal(pk(f, 0x804), 0x22);
    static const uint32_t wide[2] = {1, 0x100};
    static const RegDef bad[] = {{.name = "b", .offset = 0, .width = 1, .count = 2,
                                  .stride = 1, .resets = wide, .store = REG_NO_STORE}};
    expect_bad_table(bad, 1, "b: reset of element 1 wider than the register");
}

static void test_hooks_and_after_access(void **state)
{
    Fix *f = *state;
    f->toy.fifo_head = 100;
    assert_int_equal(pk(f, 0x18), 100);
    assert_int_equal(f->toy.pops, 0);
    assert_int_equal(f->toy.after, 0); /* peeks are not accesses */
    assert_int_equal(rd(f, 0x18), 100);
    assert_int_equal(rd(f, 0x18), 101);
    assert_int_equal(f->toy.pops, 2);
    assert_int_equal(f->toy.after, 2);
    wr(f, 0x18, 0x77);
    assert_int_equal(f->toy.last_written, 0x77); /* no storage: the value */
    assert_int_equal(f->toy.after, 3);
}

/* ---- sizes and policies ---- */

static void test_bad_sizes_fault_by_default(void **state)
{
    Fix *f = *state;
    uint32_t v;
    assert_false(regs_read(&f->toy.bank, 0x00, 2, &v));
    assert_false(regs_read(&f->toy.bank, 0x02, 2, &v));
    assert_false(regs_write(&f->toy.bank, 0x01, 1, 0));
    assert_false(regs_read(&f->toy.bank, 0x20, 4, &v)); /* wider than `byte` */
    /* a peek never faults: the debugger sees the bytes (below) */
    assert_true(regs_peek(&f->toy.bank, 0x00, 1, &v));
    assert_int_equal(f->toy.after, 0);
    assert_string_equal(f->toy.log, ""); /* the bus error says it */
    assert_int_equal(rd(f, 0x00), 0x10); /* nothing written */
}

static void test_bad_sizes_ignored_and_reported_once(void **state)
{
    Fix *f = *state;
    uint32_t v = 1;
    assert_true(regs_read(&f->toy.bank, 0x02, 2, &v));
    assert_int_equal(v, 0);
    assert_true(regs_read(&f->toy.bank, 0x02, 2, &v));
    assert_true(regs_write(&f->toy.bank, 0x01, 1, 0xff));
    assert_int_equal(pk(f, 0x00), 0x10);
    assert_string_equal(f->toy.log,
        "toy: 2-byte read at +0x2 ignored: ctrl is a 4-byte register\n"
        "toy: 1-byte write at +0x1 ignored: ctrl is a 4-byte register\n");
    assert_int_equal(f->toy.after, 0);
}

static void test_bad_policy_value_has_its_place(void **state)
{
    Fix f;
    Error *err = NULL;
    assert_false(fix_init(&f, "panic", &err));
    assert_string_equal(error_message(err),
                        "board.yaml:7:20: bad-access: 'panic' is not fault or ignore");
    error_free(err);
    clock_event_free(f.toy.tick);
    clock_free(f.clock);
    free(f.toy.dyn);
}

static void test_byte_and_half_registers(void **state)
{
    Fix *f = *state;
    uint32_t v;
    assert_true(regs_read(&f->toy.bank, 0x20, 1, &v));
    assert_int_equal(v, 0x5a);
    assert_true(regs_write(&f->toy.bank, 0x22, 2, 0x12345678));
    assert_true(regs_read(&f->toy.bank, 0x22, 2, &v));
    assert_int_equal(v, 0x5678);
    assert_false(regs_read(&f->toy.bank, 0x23, 1, &v));
}

static void test_peeks_compose_bytes_of_any_registers(void **state)
{
    Fix *f = *state;
    regs_reset(&f->toy.bank);
    uint32_t v;
    /* byte (0x5a at 0x20), a hole at 0x21, half (0x1234 at 0x22) */
    f->toy.half = 0x1234;
    assert_true(regs_peek(&f->toy.bank, 0x20, 4, &v));
    assert_int_equal(v, 0x1234005a);
    assert_true(regs_peek(&f->toy.bank, 0x01, 1, &v)); /* ctrl's second byte */
    assert_int_equal(v, 0x00);
    assert_true(regs_peek(&f->toy.bank, 0x00, 2, &v));
    assert_int_equal(v, 0x0010);
    /* unmodelled and holes read 0; no read hook pops, nothing reported */
    f->toy.fifo_head = 7;
    assert_true(regs_peek(&f->toy.bank, 0x1a, 2, &v)); /* data's upper half */
    assert_int_equal(f->toy.pops, 0);
    assert_true(regs_peek(&f->toy.bank, 0x1c, 2, &v));
    assert_int_equal(v, 0);
    assert_string_equal(f->toy.log, "");
    assert_int_equal(f->toy.after, 0);
}

static void test_narrow_accesses_touch_their_bytes(void **state)
{
    Fix *f = *state;
    regs_reset(&f->toy.bank);
    uint32_t v;
    assert_true(regs_read(&f->toy.bank, 0x25, 1, &v));
    assert_int_equal(v, 0x22);
    assert_true(regs_read(&f->toy.bank, 0x26, 2, &v));
    assert_int_equal(v, 0x4433);
    assert_false(regs_read(&f->toy.bank, 0x25, 2, &v)); /* misaligned half */
    assert_true(regs_write(&f->toy.bank, 0x26, 1, 0xee));
    assert_int_equal(pk(f, 0x24), 0x44ee2211);
}

/* ---- arrays and holes ---- */

static void test_arrays_decode_by_stride(void **state)
{
    Fix *f = *state;
    wr(f, 0x40 + 8 * 2, 0xff);
    assert_int_equal(f->toy.prio[2], 0x7);
    unsigned index;
    const RegDef *r = regs_find(&f->toy.bank, 0x40 + 8 * 3, &index);
    assert_string_equal(r->name, "prio");
    assert_int_equal(index, 3);
    r = regs_find(&f->toy.bank, 0x44 + 8, &index);
    assert_string_equal(r->name, "dyn");
    assert_int_equal(index, 1);
    assert_null(regs_find(&f->toy.bank, 0x40 + 8 * 4, &index)); /* past count */
    assert_string_equal(regs_find(&f->toy.bank, 0x1000, NULL)->name, "far");
}

static void test_runtime_count_and_pointer_storage(void **state)
{
    Fix *f = *state;
    wr(f, 0x44 + 8 * 2, 0x99);
    assert_int_equal(f->toy.dyn[2], 0x99);
    /* element 3 exists in the table but not in this instance */
    assert_null(regs_find(&f->toy.bank, 0x44 + 8 * 3, NULL));
    assert_int_equal(rd(f, 0x44 + 8 * 3), 0);
    wr(f, 0x44 + 8 * 3, 0x1);
    assert_string_equal(f->toy.log, "toy: read at +0x5c: no register there\n"
                                    "toy: write of 0x1 at +0x5c ignored: no register there\n");
}

static void test_holes_and_unmodelled_report_once(void **state)
{
    Fix *f = *state;
    assert_int_equal(rd(f, 0x30), 0);
    assert_int_equal(rd(f, 0x30), 0);
    wr(f, 0x1c, 3);
    wr(f, 0x1c, 3);
    assert_int_equal(rd(f, 0x1c), 0);
    assert_int_equal(pk(f, 0x1c), 0);
    assert_string_equal(f->toy.log,
        "toy: read at +0x30: no register there\n"
        "toy: write of 0x3 to lock (+0x1c) ignored: not modelled\n"
        "toy: read of lock (+0x1c): not modelled, reads 0\n");
}

static void test_reports_stop_after_the_limit(void **state)
{
    Fix *f = *state;
    for (uint32_t i = 0; i < REGS_LOG_LIMIT + 5; i++)
        rd(f, 0x200 + 4 * i);
    size_t lines = 0;
    for (const char *p = f->toy.log; (p = strchr(p, '\n')); p++)
        lines++;
    assert_int_equal(lines, REGS_LOG_LIMIT + 1);
    assert_non_null(strstr(f->toy.log, "toy: further accesses not reported\n"));
}

/* ---- descriptions ---- */

static void test_describe_access_names_and_fields(void **state)
{
    Fix *f = *state;
    char name[32], fields[96];
    regs_describe_access(&f->toy.bank, 0x00, 0x00030051, false, name, sizeof name,
                         fields, sizeof fields);
    assert_string_equal(name, "ctrl");
    assert_string_equal(fields, "en=1 mode=5 busy=0 div=3");
    /* a write shows only the fields it can change: busy is read-only */
    regs_describe_access(&f->toy.bank, 0x00, 0x00030051, true, name, sizeof name,
                         fields, sizeof fields);
    assert_string_equal(fields, "en=1 mode=5 div=3");
    regs_describe_access(&f->toy.bank, 0x50, 0, false, name, sizeof name, fields,
                         sizeof fields);
    assert_string_equal(name, "prio[2]");
    assert_string_equal(fields, "");
    regs_describe_access(&f->toy.bank, 0x30, 0, false, name, sizeof name, fields,
                         sizeof fields);
    assert_string_equal(name, "");
}

/* One offset, two registers: a write is named and split as written. */
static void test_write_name_and_fields(void **state)
{
    Fix *f = *state;
    static const RegField status[] = {{"busy", 0, 1}, {"err", 1, 1}, {NULL, 0, 0}};
    static const RegField command[] = {{"go", 0, 1}, {"stop", 4, 1}, {NULL, 0, 0}};
    static const RegDef pair[] = {{.name = "status", .write_name = "command",
                                   .offset = 0, .width = 4, .store = REG_NO_STORE,
                                   .fields = status, .write_fields = command}};
    static const RegTable t = {.regs = pair, .nregs = 1};
    Error *err = NULL;
    assert_true(regs_check(&t, "pair", &err));
    RegBank b;
    BoardPeripheral desc = {.name = "p", .type = "p"};
    DeviceConfig config = {.desc = &desc, .host = &f->host};
    assert_true(regs_bank_init(&b, &t, f, "p", &config, &err));
    char name[32], fields[64];
    regs_describe_access(&b, 0, 0x11, false, name, sizeof name, fields, sizeof fields);
    assert_string_equal(name, "status");
    assert_string_equal(fields, "busy=1 err=0");
    regs_describe_access(&b, 0, 0x11, true, name, sizeof name, fields, sizeof fields);
    assert_string_equal(name, "command");
    assert_string_equal(fields, "go=1 stop=1");
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    regs_describe_table(&t, out);
    fclose(out);
    assert_string_equal(text, "    0x0000 status/command   32-bit rw         reset 0x0  "
                              "busy[0] err[1]; written: go[0] stop[4]\n");
    free(text);
    static const RegDef empty[] = {{.name = "s", .write_name = "", .offset = 0,
                                    .width = 4, .store = REG_NO_STORE}};
    expect_bad_table(empty, 1, "s: an empty write_name");
}

static void test_describe_table_lists_every_register(void **state)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    regs_describe_table(&toy_table, out);
    fclose(out);
    assert_non_null(strstr(text, "    0x0000 ctrl             32-bit rw         reset 0x10 "
                                 "mask 0xffff0071  en[0] mode[6:4] busy[8] div[31:16]\n"));
    assert_non_null(strstr(text, "    0x0040 prio[4]          32-bit rw         reset 0x0 "
                                 "stride 0x8 mask 0x7\n"));
    assert_non_null(strstr(text, " lock             32-bit unmodelled"));
    assert_non_null(strstr(text, "    0x0800 tiers[3]         32-bit rw         resets "
                                 "0x11,0x22,0x33 stride 0x4\n"));
    size_t lines = 0;
    for (const char *p = text; (p = strchr(p, '\n')); p++)
        lines++;
    assert_int_equal(lines, REG_TABLE_LEN(toy_regs));
    free(text);
}

/* ---- snapshot state ---- */

static void test_state_round_trip(void **state)
{
    Fix *f = *state;
    wr(f, 0x00, 0x51);
    wr(f, 0x48 - 4, 0x33);
    f->toy.prio[1] = 5;
    memcpy(f->toy.extra, "abc", 3);
    clock_event_schedule(f->toy.tick, 1234);
    size_t len;
    uint8_t *saved = regs_state_save(&f->toy.bank, &len);

    regs_reset(&f->toy.bank);
    memset(f->toy.extra, 0, 3);
    memset(f->toy.prio, 0, sizeof f->toy.prio);
    clock_event_cancel(f->toy.tick);
    Error *err = NULL;
    assert_true(regs_state_load(&f->toy.bank, saved, len, &err));
    assert_int_equal(pk(f, 0x00), 0x51);
    assert_int_equal(f->toy.dyn[0], 0x33);
    assert_int_equal(f->toy.prio[1], 5);
    assert_memory_equal(f->toy.extra, "abc", 3);
    assert_true(clock_event_pending(f->toy.tick));
    assert_int_equal(clock_event_deadline(f->toy.tick), 1234);
    free(saved);
}

static void test_state_mismatch_is_refused_changing_nothing(void **state)
{
    Fix *f = *state;
    size_t len;
    uint8_t *saved = regs_state_save(&f->toy.bank, &len);
    wr(f, 0x00, 0x1);
    Error *err = NULL;
    /* one element fewer in `dyn` than when saved */
    f->toy.ndyn = 2;
    assert_false(regs_state_load(&f->toy.bank, saved, len, &err));
    assert_non_null(strstr(error_message(err), "dyn has 12 bytes, expected 8"));
    error_free(err);
    err = NULL;
    assert_int_equal(pk(f, 0x00), 0x1);
    f->toy.ndyn = 3;
    assert_false(regs_state_load(&f->toy.bank, saved, len - 1, &err));
    error_free(err);
    err = NULL;
    saved[2] ^= 1; /* the first record's name */
    assert_false(regs_state_load(&f->toy.bank, saved, len, &err));
    assert_non_null(strstr(error_message(err), "expected ctrl"));
    error_free(err);
    assert_int_equal(pk(f, 0x00), 0x1);
    free(saved);
}

/* A report log the bank could not have saved (offsets past its count,
 * "full" before it is) is refused: a load takes only what a save gives
 * back. Found by tests/fuzz/fuzz_snapshot.c (FUZZ_STRICT: junk in the
 * unused slots loaded, then saved as zeros). */
static void test_state_load_refuses_a_report_log_no_bank_writes(void **state)
{
    Fix *f = *state;
    size_t len;
    uint8_t *saved = regs_state_save(&f->toy.bank, &len);
    uint8_t *log = memmem(saved, len, "\x08#reports", 9);
    assert_non_null(log);
    uint8_t *payload = log + 9 + 4; /* count, full, the offsets */
    assert_int_equal(payload[0], 0);
    Error *err = NULL;
    payload[2 + 8 * (REGS_LOG_LIMIT - 1)] = 0x40; /* the last, unused, slot */
    assert_false(regs_state_load(&f->toy.bank, saved, len, &err));
    assert_non_null(strstr(error_message(err), "the report log is not valid"));
    error_free(err);
    err = NULL;
    payload[2 + 8 * (REGS_LOG_LIMIT - 1)] = 0;
    payload[1] = 1; /* full, with nothing in it */
    assert_false(regs_state_load(&f->toy.bank, saved, len, &err));
    error_free(err);
    payload[1] = 0;
    assert_true(regs_state_load(&f->toy.bank, saved, len, NULL));
    free(saved);
}

/* An event's saved place among the events of its deadline is 1 or more
 * when it is pending and 0 when it is not (clock_event_order): anything
 * else is refused. Found by tests/fuzz/fuzz_snapshot.c (FUZZ_STRICT: a
 * pending event of place 0 loaded, then saved with place 1). */
static void test_state_load_refuses_an_event_place_no_clock_gives(void **state)
{
    Fix *f = *state;
    clock_event_schedule(f->toy.tick, 99);
    size_t len;
    uint8_t *saved = regs_state_save(&f->toy.bank, &len);
    uint8_t *tick = memmem(saved, len, "E\x04tick", 6);
    assert_non_null(tick);
    uint8_t *when = tick + 6 + 4, *order = when + 8;
    assert_int_equal(order[0], 1);
    Error *err = NULL;
    order[0] = 0; /* pending, with no place */
    assert_false(regs_state_load(&f->toy.bank, saved, len, &err));
    assert_non_null(strstr(error_message(err), "tick's order is 0"));
    error_free(err);
    err = NULL;
    order[0] = 3;
    memset(when, 0xff, 8); /* not pending, with a place */
    assert_false(regs_state_load(&f->toy.bank, saved, len, &err));
    error_free(err);
    assert_int_equal(clock_event_deadline(f->toy.tick), 99);
    free(saved);
}

/* ---- review: odd sizes, table holes, hostile snapshots ---- */

/* Sizes the bus never uses (0, 3, more than 4) are bad accesses, and a
 * peek of them changes nothing and reads at most a word: never a crash
 * (an empty decode slot once matched a size-0 access at offset 0). */
static void test_odd_access_sizes_are_bad_accesses(void **state)
{
    Fix *f = *state;
    uint32_t v = 1;
    assert_false(regs_read(&f->toy.bank, 0x00, 0, &v));
    assert_false(regs_write(&f->toy.bank, 0x00, 0, 1));
    assert_false(regs_read(&f->toy.bank, 0x24, 0, &v)); /* a narrow register */
    assert_false(regs_read(&f->toy.bank, 0x24, 3, &v));
    assert_false(regs_write(&f->toy.bank, 0x24, 3, 0xffffff));
    assert_false(regs_read(&f->toy.bank, 0x00, 8, &v));
    assert_int_equal(f->toy.narrow, 0x44332211);
    assert_true(regs_peek(&f->toy.bank, 0x00, 0, &v));
    assert_int_equal(v, 0);
    assert_true(regs_peek(&f->toy.bank, 0x24, 8, &v));
    assert_int_equal(v, 0x44332211);
    assert_int_equal(f->toy.after, 0);
}

static void test_check_refuses_fields_kinds_and_spans_it_cannot_decode(void **state)
{
    static const RegField past_width[] = {{"hi", 6, 4}, {NULL, 0, 0}};
    static const RegDef field_past[] = {
        {.name = "b", .offset = 0, .width = 1, .store = REG_NO_STORE,
         .fields = past_width},
    };
    expect_bad_table(field_past, 1, "b: field hi is not inside the register");
    static const RegField beyond[] = {{"top", 32, 1}, {NULL, 0, 0}};
    static const RegDef field_beyond[] = {
        {.name = "w", .offset = 0, .width = 4, .store = REG_NO_STORE,
         .fields = beyond},
    };
    expect_bad_table(field_beyond, 1, "w: field top is not inside the register");
    static const RegField empty[] = {{"none", 0, 0}, {NULL, 0, 0}};
    static const RegDef field_empty[] = {
        {.name = "e", .offset = 0, .width = 4, .store = REG_NO_STORE,
         .fields = empty},
    };
    expect_bad_table(field_empty, 1, "e: field none is not inside the register");
    static const RegDef kind[] = {
        {.name = "k", .offset = 0, .width = 4, .access = (RegAccess)42,
         .store = REG_NO_STORE},
    };
    expect_bad_table(kind, 1, "k: access kind 42 is unknown");
    /* elements past the 32-bit offsets a table has (and 4 * count bytes
     * of snapshot payload that no longer fit its 32-bit length) */
    static const RegDef huge[] = {
        {.name = "big", .offset = 0x10, .width = 4, .count = 0x40000000,
         .stride = 4, .store = REG_NO_STORE},
    };
    expect_bad_table(huge, 1, "big: elements run past offset 0xffffffff");
}

/* Every truncation of a saved state is refused, and no corruption of a
 * byte reads outside the buffer (the sanitizers watch) or half-loads. */
static void test_state_load_survives_every_truncation_and_corruption(void **state)
{
    Fix *f = *state;
    wr(f, 0x00, 0x51);
    clock_event_schedule(f->toy.tick, 99);
    size_t len;
    uint8_t *saved = regs_state_save(&f->toy.bank, &len);
    for (size_t n = 0; n < len; n++) {
        uint8_t *copy = malloc(n ? n : 1);
        memcpy(copy, saved, n);
        Error *err = NULL;
        assert_false(regs_state_load(&f->toy.bank, copy, n, &err));
        error_free(err);
        free(copy);
    }
    for (size_t i = 0; i < len; i++) {
        uint8_t *copy = malloc(len);
        memcpy(copy, saved, len);
        copy[i] ^= 0xa5;
        Error *err = NULL;
        if (!regs_state_load(&f->toy.bank, copy, len, &err))
            error_free(err);
        free(copy);
    }
    free(saved);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_accepts_the_toy_and_interleaved_arrays),
        cmocka_unit_test(test_check_refuses_broken_tables),
        cmocka_unit_test(test_every_registry_model_has_a_valid_table),
        cmocka_unit_test_setup_teardown(test_reset_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rw_keeps_unwritable_bits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ro_ignores_writes_without_hooks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_w1c_clears_only_writable_ones, setup, teardown),
        cmocka_unit_test_setup_teardown(test_w1s_sets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_clears_but_peek_does_not, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_only_reads_zero, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hooks_and_after_access, setup, teardown),
        cmocka_unit_test_setup_teardown(test_accept_refuses_a_locked_write, setup, teardown),
        cmocka_unit_test_setup_teardown(test_per_element_resets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_sizes_fault_by_default, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_sizes_ignored_and_reported_once,
                                        setup_ignore, teardown),
        cmocka_unit_test(test_bad_policy_value_has_its_place),
        cmocka_unit_test_setup_teardown(test_byte_and_half_registers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_narrow_accesses_touch_their_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_peeks_compose_bytes_of_any_registers, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_arrays_decode_by_stride, setup, teardown),
        cmocka_unit_test_setup_teardown(test_runtime_count_and_pointer_storage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_holes_and_unmodelled_report_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reports_stop_after_the_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_describe_access_names_and_fields, setup, teardown),
        cmocka_unit_test(test_describe_table_lists_every_register),
        cmocka_unit_test_setup_teardown(test_write_name_and_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_state_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_state_load_refuses_a_report_log_no_bank_writes,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_state_load_refuses_an_event_place_no_clock_gives,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_state_mismatch_is_refused_changing_nothing,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_odd_access_sizes_are_bad_accesses, setup,
                                        teardown),
        cmocka_unit_test(test_check_refuses_fields_kinds_and_spans_it_cannot_decode),
        cmocka_unit_test_setup_teardown(test_state_load_survives_every_truncation_and_corruption,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
