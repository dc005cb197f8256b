#!/usr/bin/env python3
"""Runs the libFuzzer harnesses (tests/fuzz/fuzz_NAME.c, built by `ninja all`
into build/fuzz/fuzz_NAME). docs/FUZZING.md is the guide.

For each harness, in order:
1. every committed reproducer in tests/fuzz/crashes/NAME/ runs once (a
   regression input: it must no longer crash, leak or trip a sanitizer);
2. the harness fuzzes for a set time on a copy of tests/fuzz/corpus/NAME/
   (with tests/fuzz/NAME.dict when there is one). The committed corpus is
   never written to.

Any crash, leak, timeout (-timeout per input), out-of-memory or sanitizer
report fails the harness; the report's tail and the reproducer's path are
printed (libFuzzer writes it to build/fuzz/artifacts/NAME/).

    python3 tests/fuzz/run_fuzz.py [--seconds N] [--jobs N] [NAME...]

`ninja fuzz` runs it: FUZZ_SECONDS (default 300) per harness, FUZZ_JOBS
harnesses at a time (default: one per core), random seeds, on the corpus
kept in build/fuzz/corpus/NAME/ (it grows from run to run; the committed
seeds are copied in first). tests/run_tests.py calls run() instead: 20
seconds each, two at a time, a fixed seed, a fresh copy of the corpus
(in build/fuzz/runs/, removed when the harness passes).
"""
import concurrent.futures
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import testlib  # noqa: E402

TOP = testlib.TOP
FUZZ = os.path.join(TOP, "tests", "fuzz")
BUILD = os.path.join(TOP, "build", "fuzz")
CLANG = "clang-14"
MISSING = ("fuzzing needs %s and libclang-rt-14-dev (libFuzzer): run tools/setup.sh, "
           "then ninja all" % CLANG)
PER_INPUT_TIMEOUT = 10  # seconds for one input before libFuzzer calls it a hang
TEST_SECONDS = 20
TEST_SEED = 1
REPORT = re.compile(r"ERROR: (AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|"
                    r"libFuzzer)|runtime error:|SUMMARY: ")


def harnesses():
    """NAME of each tests/fuzz/fuzz_NAME.c, as tools/gen_build.py finds them."""
    return sorted(os.path.basename(p)[len("fuzz_"):-2]
                  for p in glob.glob(os.path.join(FUZZ, "fuzz_*.c")))


def scratch_folder(name):
    """A fresh folder for the harness's temporary files (its TMPDIR), in
    memory when the host has /dev/shm: fuzz_board writes its input's files
    there, ten times faster than on a disk's file system."""
    shm = "/dev/shm"
    parent = shm if os.path.isdir(shm) and os.access(shm, os.W_OK) else None
    if not parent:
        parent = os.path.join(BUILD, "tmp")
        os.makedirs(parent, exist_ok=True)
    return tempfile.mkdtemp(prefix="mcusim-fuzz-%s-" % name, dir=parent)


def environment(scratch):
    """The test environment (the shipped boards of this tree), with the
    sanitizers' options libFuzzer works with: it turns every report into a
    failing exit status and a reproducer itself."""
    env = dict(testlib.ENV)
    env["ASAN_OPTIONS"] = "detect_leaks=1:allocator_may_return_null=0:symbolize=1"
    env["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1"
    env["TMPDIR"] = scratch
    return env


def tail(text, lines=60):
    return "\n".join(text.rstrip("\n").splitlines()[-lines:])


class Outcome:
    """What one harness did: ok, a one-line summary, and on failure the
    report and how to reproduce it."""

    def __init__(self, name):
        self.name = name
        self.ok = True
        self.summary = ""
        self.details = ""

    def fail(self, summary, details=""):
        self.ok = False
        self.summary = summary
        self.details = details
        return self


def run_regressions(name, binary, env, out):
    """Each committed reproducer of tests/fuzz/crashes/NAME/ once."""
    inputs = sorted(p for p in glob.glob(os.path.join(FUZZ, "crashes", name, "*"))
                    if os.path.isfile(p))
    if not inputs:
        return True, 0
    try:
        p = subprocess.run([binary, "-timeout=%d" % PER_INPUT_TIMEOUT] + inputs, cwd=TOP,
                           env=env, capture_output=True,
                           stdin=subprocess.DEVNULL, timeout=60 + 10 * len(inputs))
        status, stdout, stderr = p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as e:  # a failure of this harness, not of the run
        status, stdout, stderr = None, e.stdout, e.stderr
    log = (stdout or b"").decode(errors="replace") + (stderr or b"").decode(errors="replace")
    if status == 0 and not REPORT.search(log):
        return True, len(inputs)
    ran = re.findall(r"^Running: (\S+)", log, re.M)
    culprit = os.path.relpath(ran[-1], TOP) if ran else "?"
    why = "did not stop" if status is None else "exit %d" % status
    out.fail("regression input %s fails again (%s)" % (culprit, why),
             "%s\nreproduce: build/fuzz/fuzz_%s %s" % (tail(log), name, culprit))
    return False, len(inputs)


def copy_seeds(name, corpus):
    """The committed seeds into the working corpus `corpus` (in build/)."""
    os.makedirs(corpus, exist_ok=True)
    seeds = os.path.join(FUZZ, "corpus", name)
    if os.path.isdir(seeds):
        for f in os.listdir(seeds):
            src = os.path.join(seeds, f)
            if os.path.isfile(src):
                shutil.copyfile(src, os.path.join(corpus, f))


def final_stats(log):
    stats = dict(re.findall(r"^stat::(\w+):\s+(\d+)", log, re.M))
    cov = re.findall(r"cov: (\d+) ft: (\d+) corp: (\d+)", log)
    cov, ft, corp = cov[-1] if cov else ("?", "?", "?")
    return "%s runs, cov %s, ft %s, corpus %s inputs" % (
        stats.get("number_of_executed_units", "?"), cov, ft, corp)


def fuzz_one(name, seconds, fresh, seed):
    out = Outcome(name)
    binary = os.path.join(BUILD, "fuzz_" + name)
    if not shutil.which(CLANG):
        return out.fail("%s is not installed" % CLANG, MISSING)
    if not os.access(binary, os.X_OK):
        return out.fail("%s is missing" % os.path.relpath(binary, TOP),
                        "build it: ninja all (after python3 tools/gen_build.py for a "
                        "new harness)")
    scratch = scratch_folder(name)
    try:
        return fuzz_in(name, binary, seconds, fresh, seed, environment(scratch), out)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def fuzz_in(name, binary, seconds, fresh, seed, env, out):
    """Regressions, then fuzzing. Everything one run writes, but the
    corpus `ninja fuzz` keeps and libFuzzer's artifacts, goes to a folder
    of its own in build/fuzz/runs/ (several runs of the test suite in one
    tree must not share a corpus or a log); removed when the run passes."""
    ok, nregressions = run_regressions(name, binary, env, out)
    if not ok:
        return out
    runs = os.path.join(BUILD, "runs")
    os.makedirs(runs, exist_ok=True)
    run_dir = tempfile.mkdtemp(prefix=name + "-", dir=runs)
    corpus = os.path.join(run_dir, "corpus") if fresh else os.path.join(BUILD, "corpus", name)
    copy_seeds(name, corpus)
    artifacts = os.path.join(BUILD, "artifacts", name)
    os.makedirs(artifacts, exist_ok=True)
    log_path = os.path.join(run_dir, name + ".log")
    cmd = [binary, "-max_total_time=%d" % seconds, "-timeout=%d" % PER_INPUT_TIMEOUT,
           "-print_final_stats=1", "-artifact_prefix=%s/" % artifacts]
    if seed is not None:
        cmd.append("-seed=%d" % seed)
    dictionary = os.path.join(FUZZ, name + ".dict")
    if os.path.isfile(dictionary):
        cmd.append("-dict=%s" % dictionary)
    cmd.append(corpus)
    with open(log_path, "wb") as log_file:
        try:
            p = subprocess.run(cmd, cwd=TOP, env=env, stdout=log_file,
                               stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                               timeout=seconds + 10 * PER_INPUT_TIMEOUT + 120)
            status = p.returncode
        except subprocess.TimeoutExpired:
            status = None
    with open(log_path, errors="replace") as f:
        log = f.read()
    stats = final_stats(log)
    if status == 0 and not REPORT.search(log):
        out.summary = "%d s: %s%s" % (seconds, stats, ", %d regression inputs" % nregressions
                                      if nregressions else "")
        if not fresh:  # the last log of `ninja fuzz`, for a look at its progress
            os.makedirs(os.path.join(BUILD, "logs"), exist_ok=True)
            shutil.copyfile(log_path, os.path.join(BUILD, "logs", name + ".log"))
        shutil.rmtree(run_dir, ignore_errors=True)
        return out
    written = re.findall(r"Test unit written to (\S+)", log)
    reproducer = os.path.relpath(written[-1], TOP) if written else None
    why = "did not stop" if status is None else "exit %d" % status
    details = tail(log) + "\nlog: %s" % os.path.relpath(log_path, TOP)
    if reproducer:
        details += "\nreproducer: %s\nreproduce: build/fuzz/fuzz_%s %s" % (
            reproducer, name, reproducer)
    return out.fail("%s (%s)%s" % ("failed", why, ", reproducer " + reproducer
                                   if reproducer else ""), details)


def run_all(names, seconds, jobs, fresh, seed):
    """Outcomes in the order of `names`, `jobs` harnesses at a time."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = [pool.submit(fuzz_one, n, seconds, fresh, seed) for n in names]
        return [f.result() for f in futures]


def report(res, outcomes):
    for o in outcomes:
        if o.ok:
            res.ok("fuzz/" + o.name)
            print("    " + o.summary)
        else:
            res.fail("fuzz/" + o.name, "%s\n%s" % (o.summary, o.details))


def run(res, only=None):
    """The fuzz stage of tests/run_tests.py: one test `fuzz/NAME` per
    harness."""
    names = [n for n in harnesses() if not only or only in "fuzz/" + n]
    if not names:
        return
    seconds = int(os.environ.get("FUZZ_TEST_SECONDS", TEST_SECONDS))
    report(res, run_all(names, seconds, min(2, os.cpu_count() or 1), True, TEST_SEED))


def main(argv):
    seconds = int(os.environ.get("FUZZ_SECONDS", 300))
    jobs = int(os.environ.get("FUZZ_JOBS", os.cpu_count() or 1))
    names = []
    args = list(argv)
    while args:
        arg = args.pop(0)
        if arg == "--seconds":
            seconds = int(args.pop(0))
        elif arg == "--jobs":
            jobs = int(args.pop(0))
        elif arg in harnesses():
            names.append(arg)
        else:
            print("run_fuzz: unknown harness or option %r (harnesses: %s)"
                  % (arg, ", ".join(harnesses())), file=sys.stderr)
            return 2
    names = names or harnesses()
    print("fuzzing %s for %d s each, %d at a time" % (", ".join(names), seconds, jobs),
          flush=True)
    res = testlib.Results()
    report(res, run_all(names, seconds, jobs, False, None))
    return res.summary()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
