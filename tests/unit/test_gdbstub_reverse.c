/* The GDB stub's reverse execution packets (gdbstub/gdbstub.c,
 * gdbstub_packets.c): qSupported offers ReverseStep+;ReverseContinue+
 * exactly when the target has both hooks, `bs` and `bc` run them and
 * answer with the stop reply gdb expects (a step, a breakpoint, a
 * watchpoint, the start of the history, a failure), and without the
 * hooks they are unknown packets. The hooks here are fakes over the
 * fixture's program (tests/unit/gdb_wire.h); the timeline behind the real
 * ones is tested with gdb-multiarch (tests/gdb/reverse_*.py). */
#include "tests/unit/gdb_wire.h"

/* How the fake hooks behave: `steps_left` steps back are possible,
 * then the history begins. */
typedef struct Reverse {
    int steps_left;
    int calls;
    CpuStopReason continue_result; /* what reverse_continue does */
    bool fail;
} Reverse;

static Reverse reverse;

/* One step back: the pc goes back 4 (the fixture's program is 32-bit
 * instructions). */
static CpuStopReason fake_reverse_step(void *opaque, bool *history_begin, Error **errp)
{
    Fixture *f = opaque;
    reverse.calls++;
    if (reverse.fail) {
        error_setf(errp, "no snapshot before instruction %d", 7);
        return CPU_STOP_FAULT;
    }
    if (reverse.steps_left == 0) {
        *history_begin = true;
        return CPU_STOP_INSN_LIMIT;
    }
    reverse.steps_left--;
    cpu_set_pc(f->rig.cpu, cpu_get_pc(f->rig.cpu) - 4);
    return CPU_STOP_INSN_LIMIT;
}

/* A breakpoint stop at 0x80000004, or a watchpoint stop found by running
 * the program from its start into the store at 0x8000000c with the
 * session's watchpoint armed (what leaves cpu_watch_hit right), or the
 * start of the history. */
static CpuStopReason fake_reverse_continue(void *opaque, bool *history_begin, Error **errp)
{
    Fixture *f = opaque;
    reverse.calls++;
    cpu_reset(f->rig.cpu);
    switch (reverse.continue_result) {
    case CPU_STOP_BREAKPOINT:
        cpu_set_pc(f->rig.cpu, RAM_BASE + 4);
        return CPU_STOP_BREAKPOINT;
    case CPU_STOP_WATCHPOINT:
        return cpu_run(f->rig.cpu, 100, errp);
    default:
        *history_begin = true;
        return CPU_STOP_INSN_LIMIT;
    }
}

static void use_reverse(Fixture *f)
{
    reverse = (Reverse){.steps_left = 2, .continue_result = CPU_STOP_INSN_LIMIT};
    f->target.reverse_step = fake_reverse_step;
    f->target.reverse_continue = fake_reverse_continue;
    use_resume(f, NULL, NULL);
}

static void test_qsupported_offers_reverse_only_with_both_hooks(void **state)
{
    Fixture *f = *state;
    Tokens tk;
    CONVERSE(f, &tk, "qSupported:multiprocess+;swbreak+");
    assert_int_equal(tk.n, 1);
    assert_null(strstr(tk.t[0], "Reverse"));
    tokens_free(&tk);

    f->target.reverse_step = fake_reverse_step; /* one hook alone is not enough */
    use_resume(f, NULL, NULL);
    CONVERSE(f, &tk, "qSupported", "bs", "bc");
    assert_null(strstr(tk.t[0], "Reverse"));
    assert_string_equal(tk.t[1], "");
    assert_string_equal(tk.t[2], "");
    tokens_free(&tk);
    assert_int_equal(reverse.calls, 0);

    use_reverse(f);
    CONVERSE(f, &tk, "qSupported");
    assert_int_equal(tk.n, 1);
    assert_non_null(strstr(tk.t[0], ";ReverseStep+;ReverseContinue+"));
    tokens_free(&tk);
}

static void test_bs_steps_back_until_the_history_begins(void **state)
{
    Fixture *f = *state;
    Tokens tk;
    use_reverse(f);
    cpu_set_pc(f->rig.cpu, RAM_BASE + 8);
    CONVERSE(f, &tk, "bs", "p20", "bs", "p20", "bs", "p20", "?", "bs1", "bx");
    EXPECT(&tk, "T05", "04000080", "T05", "00000080", "T05replaylog:begin;", "00000080",
           "T05replaylog:begin;", "E01", "");
    assert_int_equal(reverse.calls, 3);
}

static void test_bc_reports_breakpoints_watchpoints_and_the_start(void **state)
{
    Fixture *f = *state;
    Tokens tk;
    use_reverse(f);
    reverse.continue_result = CPU_STOP_BREAKPOINT;
    CONVERSE(f, &tk, "Z0,80000004,4", "bc", "p20", "z0,80000004,4");
    EXPECT(&tk, "OK", "T05swbreak:;", "04000080", "OK");

    reverse.continue_result = CPU_STOP_WATCHPOINT;
    CONVERSE(f, &tk, "Z2,80002000,4", "bc", "z2,80002000,4", "?");
    EXPECT(&tk, "OK", "T05watch:80002000;", "OK", "T05watch:80002000;");

    reverse.continue_result = CPU_STOP_INSN_LIMIT;
    CONVERSE(f, &tk, "bc", "p20");
    EXPECT(&tk, "T05replaylog:begin;", "00000080");
}

/* A failure says why on gdb's console and answers E01; the last stop
 * reply stays what it was. */
static void test_a_failed_reverse_says_why(void **state)
{
    Fixture *f = *state;
    Tokens tk;
    use_reverse(f);
    reverse.fail = true;
    CONVERSE(f, &tk, "s", "bs", "?");
    assert_int_equal(tk.n, 4);
    assert_string_equal(tk.t[0], "T05");
    assert_true(tk.t[1][0] == 'O');
    char *text = unhex_str(tk.t[1] + 1);
    assert_string_equal(text, "simulator: cannot go back: no snapshot before instruction 7\n");
    free(text);
    assert_string_equal(tk.t[2], "E01");
    assert_string_equal(tk.t[3], "T05");
    tokens_free(&tk);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_qsupported_offers_reverse_only_with_both_hooks),
        T(test_bs_steps_back_until_the_history_begins),
        T(test_bc_reports_breakpoints_watchpoints_and_the_start),
        T(test_a_failed_reverse_says_why),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
