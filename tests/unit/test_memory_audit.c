/* Unit tests of memory_audit (soc/memory.h, rule R8): clean on a healthy
 * graph, each kind of corruption caught without following a dangling
 * pointer, and its work (like a render's) bounded by the size of the graph.
 * The one memory test that looks inside (soc/memory_internal.h): to corrupt
 * the graph and to count work. Helpers: memory_test_util.h. */
#include "tests/unit/memory_test_util.h"

#include "soc/memory_internal.h"

/* ---- R8: the audit ---- */

static void test_r8_audit_clean_on_empty_and_rootless_systems(void **state)
{
    (void)state;
    MemorySystem *ms = memory_system_new();
    AUDIT(ms);
    assert_int_equal(nranges(ms), 0);
    ASSERT_UNMAPPED(ms, 0);
    Probe p;
    Owner *o = probe_owner(ms, "solo", &p);
    AUDIT(ms);
    owner_ref(o);
    assert_int_equal(owner_refcount(o), 2);
    AUDIT(ms);
    owner_unref(o);
    AUDIT(ms);
    owner_unref(o);
    assert_int_equal(p.finalized, 1);
    AUDIT(ms);
    memory_system_free(ms);
}

/* ---- R8: the audit's work is linear in the size of the graph ---- */

/* A board with `n` devices on its bus, each a container with two MMIO
 * registers and an alias into a shared RAM of its own owner (built in one
 * transaction: one rebuild). Returns the board's bus owner; *shared_owner
 * gets the RAM's. The caller drops the devices through `devs`. */
static Owner *crowded_board(MemorySystem *ms, size_t n, Owner **devs,
                            Owner **shared_owner)
{
    static const MmioOps ops = {.read = regs_read, .write = regs_write, .peek = NULL};
    static Regs regs; /* never read: the test only audits */
    memory_begin(ms);
    Owner *board = owner_new(ms, "board", NULL, NULL);
    MemoryRegion *bus = memory_region_new_container(board, "bus", 1ULL << 32);
    memory_set_root(ms, bus);
    Owner *sram = owner_new(ms, "sram", NULL, NULL);
    MemoryRegion *shared = new_ram(sram, "shared", 0x1000);
    ADD(bus, 0x80000000, shared);
    for (size_t i = 0; i < n; i++) {
        char name[32];
        snprintf(name, sizeof name, "dev%zu", i);
        Owner *o = owner_new(ms, name, NULL, NULL);
        MemoryRegion *top = memory_region_new_container(o, "top", 0x1000);
        MemoryRegion *a = memory_region_new_mmio(o, "a", 0x100, &ops, &regs);
        MemoryRegion *b = memory_region_new_mmio(o, "b", 0x100, &ops, &regs);
        MemoryRegion *win = new_alias(o, "win", shared, (i % 16) * 0x100, 0x100);
        ADD(top, 0, a);
        ADD(top, 0x100, b);
        ADD(top, 0x800, win);
        ADD(bus, 0x10000000 + (uint64_t)i * 0x1000, top);
        devs[i] = o;
    }
    memory_commit(ms);
    AUDIT(ms);
    *shared_owner = sram;
    return board;
}

/* Nodes one audit looks at (every probe of its pointer sets counts), per
 * node of the graph, apart from the render it compares the view with: that
 * costs what the view's own render did (n log n, bounded by
 * test_r6_render_work_is_n_log_n), and is checked to be counted. */
static double audit_visits_per_node(size_t n)
{
    MemorySystem *ms = memory_system_new();
    Owner **devs = calloc(n, sizeof *devs);
    assert_non_null(devs);
    Owner *sram;
    Owner *board = crowded_board(ms, n, devs, &sram);
    MemoryStats st = memory_stats(ms);
    /* links: 4 per device + the RAM's; aliases: one per device. */
    size_t nodes = st.owners + st.regions + (4 * n + 1) + n + st.flat_ranges;
    uint64_t before = ms->audit_visits;
    uint64_t render = ms->view->steps;
    AUDIT(ms);
    uint64_t visits = ms->audit_visits - before;
    assert_true(visits > render);
    visits -= render;
    memory_begin(ms);
    for (size_t i = 0; i < n; i++)
        owner_unref(devs[i]);
    memory_set_root(ms, NULL);
    owner_unref(board);
    owner_unref(sram);
    memory_commit(ms);
    AUDIT(ms);
    assert_int_equal(memory_stats(ms).owners, 0);
    memory_system_free(ms);
    free(devs);
    return (double)visits / (double)nodes;
}

static void test_r8_audit_work_is_linear(void **state)
{
    (void)state;
    double small = audit_visits_per_node(250);
    double large = audit_visits_per_node(1000);
    print_message("audit visits per node: %.2f at 250 devices, %.2f at 1000\n",
                  small, large);
    /* A constant number of looks per node, whatever the size (and each
     * node looked at: the count is kept). Every probe of the pointer sets
     * counts too (about two per node in a half-full set; the cap was 4.0
     * while they did not), so a hash that degrades to a list shows. */
    assert_true(small >= 1.0);
    assert_true(large <= 6.0);
    assert_true(large <= small * 1.1);
}

/* Rendering work per flat range, for a board of n devices (see
 * crowded_board: newest links render first, so each range lands in front
 * of the ones rendered before it). */
static double render_steps_per_range(size_t n)
{
    MemorySystem *ms = memory_system_new();
    Owner **devs = calloc(n, sizeof *devs);
    assert_non_null(devs);
    Owner *sram;
    Owner *board = crowded_board(ms, n, devs, &sram);
    double per_range = (double)ms->view->steps / (double)ms->view->nranges;
    memory_begin(ms);
    for (size_t i = 0; i < n; i++)
        owner_unref(devs[i]);
    memory_set_root(ms, NULL);
    owner_unref(board);
    owner_unref(sram);
    memory_commit(ms);
    memory_system_free(ms);
    free(devs);
    return per_range;
}

/* A rebuild (and the audit's fresh render) costs n log n in the ranges it
 * renders, not n^2: four times the devices, not four times the work per
 * range. */
static void test_r6_render_work_is_n_log_n(void **state)
{
    (void)state;
    double small = render_steps_per_range(250);
    double large = render_steps_per_range(1000);
    print_message("render steps per range: %.1f at 250 devices, %.1f at 1000\n",
                  small, large);
    assert_true(small >= 1.0);
    assert_true(large <= small * 1.5);
}

/* ---- R8: the audit catches each kind of corruption ---- */

/* The audit fails with an error mentioning `needle`. */
#define AUDIT_FAILS(ms, needle) audit_fails_at((ms), (needle), __FILE__, __LINE__)

static void audit_fails_at(MemorySystem *ms, const char *needle,
                           const char *file, int line)
{
    Error *err = NULL;
    bool ok = memory_audit(ms, &err);
    if (ok)
        print_error("%s:%d: memory_audit missed it (expected \"%s\")\n", file,
                    line, needle);
    _assert_true(!ok, "memory_audit fails", file, line);
    error_has_at(err, needle, file, line);
    error_free(err);
}

static void test_r8_audit_catches_alias_user_counts(void **state)
{
    (void)state;
    Board b;
    board_init(&b, true);
    Probe p, pm;
    Owner *dev = probe_owner(b.ms, "dma2", &p);
    Owner *mem = probe_owner(b.ms, "sram0", &pm);
    MemoryRegion *ram = new_ram(mem, "sram", 0x1000);
    MemoryRegion *win = new_alias(dev, "dma2.win", ram, 0, 0x100);
    MemoryRegion *own = new_ram(dev, "dma2.buf", 0x100);
    MemoryRegion *own_win = new_alias(dev, "dma2.buf_win", own, 0, 0x10);
    ADD(b.bus, 0x1000, win);
    AUDIT(b.ms);

    ram->alias_users++;
    AUDIT_FAILS(b.ms, "alias users");
    ram->alias_users -= 2;
    AUDIT_FAILS(b.ms, "sram");
    ram->alias_users++;
    own->alias_users = 0; /* a same-owner alias counts too */
    AUDIT_FAILS(b.ms, "dma2.buf");
    own->alias_users = 1;
    AUDIT(b.ms);

    /* An alias that holds a reference it should not, or misses one. */
    own_win->alias_holds_ref = true;
    AUDIT_FAILS(b.ms, "dma2.buf_win");
    own_win->alias_holds_ref = false;
    win->alias_holds_ref = false;
    AUDIT_FAILS(b.ms, "dma2.win");
    win->alias_holds_ref = true;
    /* A region that is no alias but has a target. */
    own->alias_target = ram;
    AUDIT_FAILS(b.ms, "dma2.buf");
    own->alias_target = NULL;
    /* A pin nobody holds. */
    dev->pins++;
    AUDIT_FAILS(b.ms, "refcount");
    dev->pins--;
    AUDIT(b.ms);

    owner_unref(dev);
    assert_true(memory_del_subregion(b.bus, win));
    assert_int_equal(p.finalized, 1);
    owner_unref(mem);
    assert_int_equal(pm.finalized, 1);
    AUDIT(b.ms);
    board_fini(&b);
}

static void test_r8_audit_catches_zombie_faults(void **state)
{
    (void)state;
    Board b;
    board_init(&b, true);
    Probe p;
    Owner *o = probe_owner(b.ms, "efuse", &p);
    MemoryRegion *top = memory_region_new_container(o, "efuse.top", 0x1000);
    MemoryRegion *bits = new_ram(o, "efuse.bits", 0x100);
    MemoryRegion *spare = new_ram(o, "efuse.spare", 0x100);
    MemoryRegion *win = new_alias(o, "efuse.win", spare, 0, 0x10);
    ADD(top, 0, bits);
    ADD(b.bus, 0x3000, top);
    AUDIT(b.ms);

    memory_begin(b.ms);
    assert_true(memory_region_destroy(bits, NULL));
    AUDIT(b.ms); /* a zombie inside a transaction: fine */
    assert_int_equal(b.ms->nzombies, 1);

    /* Outlives every view that could name it. */
    b.ms->txn_depth--;
    AUDIT_FAILS(b.ms, "efuse.bits");
    b.ms->txn_depth++;
    /* Still part of the graph: linked, holding subregions, aliased, or
     * without its mark. */
    bits->container = top;
    AUDIT_FAILS(b.ms, "still part of the graph");
    bits->container = NULL;
    bits->alias_users = 1;
    AUDIT_FAILS(b.ms, "still part of the graph");
    bits->alias_users = 0;
    bits->destroyed = false;
    AUDIT_FAILS(b.ms, "efuse.bits");
    bits->destroyed = true;
    /* Still listed by its owner (in place of another region). */
    size_t slot = 0;
    while (o->regions[slot] != spare)
        slot++;
    o->regions[slot] = bits;
    AUDIT_FAILS(b.ms, "destroyed region 'efuse.bits' still listed");
    o->regions[slot] = spare;
    /* Pointed at by an alias, or listed by a container. */
    win->alias_target = bits;
    spare->alias_users--;
    AUDIT_FAILS(b.ms, "efuse.win");
    win->alias_target = spare;
    spare->alias_users++;
    top->subs[top->nsubs] = bits; /* room left: top's list held bits */
    top->nsubs++;
    AUDIT_FAILS(b.ms, "efuse.top");
    top->nsubs--;
    /* Listed twice as a zombie. */
    b.ms->zombies = realloc(b.ms->zombies, 2 * sizeof *b.ms->zombies);
    assert_non_null(b.ms->zombies);
    b.ms->zombies[1] = bits;
    b.ms->nzombies = 2;
    b.ms->nregions++;
    AUDIT_FAILS(b.ms, "listed twice");
    b.ms->nzombies = 1;
    b.ms->nregions--;
    AUDIT(b.ms);
    memory_commit(b.ms);
    AUDIT(b.ms);
    assert_int_equal(b.ms->nzombies, 0);

    owner_unref(o);
    assert_true(memory_del_subregion(b.bus, top));
    assert_int_equal(p.finalized, 1);
    AUDIT(b.ms);
    board_fini(&b);
}

static void test_r8_audit_never_follows_a_dangling_pointer(void **state)
{
    (void)state;
    Board b;
    board_init(&b, true);
    MemoryRegion *box = memory_region_new_container(b.owner, "box", 0x1000);
    MemoryRegion *ram = new_ram(b.owner, "ram", 0x100);
    MemoryRegion *win = new_alias(b.owner, "win", ram, 0, 0x10);
    ADD(box, 0, ram);
    ADD(b.bus, 0x1000, box);
    AUDIT(b.ms);
    /* A region destroyed and freed: the audit must say so, not read it
     * (under ASan, reading it would be the failure). */
    MemoryRegion *gone = new_ram(b.owner, "gone", 0x10);
    assert_true(memory_region_destroy(gone, NULL));
    AUDIT(b.ms);

    box->subs[0] = gone;
    AUDIT_FAILS(b.ms, "not a live region");
    box->subs[0] = ram;
    win->container = gone;
    AUDIT_FAILS(b.ms, "not live");
    win->container = NULL;
    win->alias_target = gone;
    AUDIT_FAILS(b.ms, "win");
    win->alias_target = ram;
    b.ms->view->ranges[0].mr = gone;
    AUDIT_FAILS(b.ms, "freed region");
    b.ms->view->ranges[0].mr = ram;
    MemoryRegion *root = b.ms->root;
    b.ms->root = gone;
    AUDIT_FAILS(b.ms, "root");
    b.ms->root = root;
    /* Listed twice by its container. */
    MemoryRegion *ram2 = new_ram(b.owner, "ram2", 0x100);
    ADD(box, 0x800, ram2);
    box->subs[0] = box->subs[1];
    AUDIT_FAILS(b.ms, "listed twice");
    box->subs[0] = ram2;
    box->subs[1] = ram;
    AUDIT(b.ms);
    /* A retired view with no access to keep it. */
    FlatView fake = {0};
    b.ms->retired = &fake;
    AUDIT_FAILS(b.ms, "retired view");
    b.ms->retired = NULL;
    AUDIT(b.ms);
    board_fini(&b);
}
/* Owners listing more regions than the system counts: the audit sizes its
 * set of regions by the count, so it must stop there (a full set would
 * never end a lookup) and say so. */
static void test_r8_audit_stops_at_the_region_count(void **state)
{
    (void)state;
    Board b;
    board_init(&b, true);
    for (int i = 0; i < 40; i++) {
        char name[16];
        snprintf(name, sizeof name, "cell%d", i);
        new_ram(b.owner, name, 0x10);
    }
    AUDIT(b.ms);
    size_t regions = b.ms->nregions;
    b.ms->nregions = 1;
    AUDIT_FAILS(b.ms, "lists more regions than the 1 that exist");
    b.ms->nregions = regions - 1;
    AUDIT_FAILS(b.ms, "mainboard");
    b.ms->nregions = regions;
    AUDIT(b.ms);
    board_fini(&b);
}

/* An optional argument runs only the tests matching it (a cmocka glob). */
int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_r8_audit_clean_on_empty_and_rootless_systems),
        cmocka_unit_test(test_r8_audit_work_is_linear),
        cmocka_unit_test(test_r6_render_work_is_n_log_n),
        cmocka_unit_test(test_r8_audit_catches_alias_user_counts),
        cmocka_unit_test(test_r8_audit_catches_zombie_faults),
        cmocka_unit_test(test_r8_audit_never_follows_a_dangling_pointer),
        cmocka_unit_test(test_r8_audit_stops_at_the_region_count),
    };
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
