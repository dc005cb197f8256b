"""pytest plugin: the `mcusim` fixture (docs/PYTHON.md).

Load it with `pytest -p mcusim.pytest_plugin` (python/ on PYTHONPATH), or
`pytest_plugins = ["mcusim.pytest_plugin"]` in a conftest.py.

    def test_hello(mcusim):
        sim = mcusim("build/fw/hello.elf")
        sim.run_until_uart("Hello", timeout="10ms")
        assert sim.run_to_exit("1s") == 0

`mcusim(firmware, **kwargs)` starts a Simulator (kwargs as
mcusim.Simulator's) and returns it; every one a test started is closed
when the test ends, and the test fails if a simulator's stderr holds a
sanitizer report. Each simulator's stderr is attached to the report of a
test that failed.

Options:
  --mcusim PATH       the simulator (default: $MCUSIM_BINARY, else this
                      repository's build/mcusim-san, the sanitized build the
                      rest of the test suite runs, else build/mcusim, else
                      `mcusim` on PATH)
  --mcusim-arg ARG    an option added to every simulator's command line
                      (repeatable; e.g. --mcusim-arg=--jit=off... as
                      separate words: --mcusim-arg --jit --mcusim-arg off)
"""
import os
import re
import shutil

import pytest

from .simulator import Simulator

SANITIZER_REPORT = re.compile(r"(ERROR: (Address|Leak)Sanitizer|runtime error:)")
# A sanitizer report must make the process fail; leaks must be looked for.
SANITIZER_ENV = {
    "ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0:exitcode=99",
    "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1:exitcode=99",
}


def _repository_binary():
    top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    for name in ("mcusim-san", "mcusim"):
        path = os.path.join(top, "build", name)
        if os.access(path, os.X_OK):
            return path
    return None


def pytest_addoption(parser):
    group = parser.getgroup("mcusim", "the mcusim simulator")
    group.addoption("--mcusim", dest="mcusim_binary", metavar="PATH", default=None,
                    help="the mcusim executable (default: $MCUSIM_BINARY, else the "
                    "repository's build/mcusim-san, else build/mcusim, else mcusim on PATH)")
    group.addoption("--mcusim-arg", dest="mcusim_args", action="append", default=[],
                    metavar="ARG", help="an option added to every simulator's command line "
                    "(repeatable)")


@pytest.fixture(scope="session")
def mcusim_binary(pytestconfig):
    """The simulator executable the `mcusim` fixture runs."""
    return (pytestconfig.getoption("mcusim_binary") or os.environ.get("MCUSIM_BINARY") or
            _repository_binary() or shutil.which("mcusim") or "mcusim")


@pytest.fixture
def mcusim(request, mcusim_binary, pytestconfig):
    """A factory: mcusim(firmware, board=..., sets=..., args=..., ...)
    starts a Simulator; all are closed when the test ends."""
    started = []
    extra = list(pytestconfig.getoption("mcusim_args"))

    def start(firmware, **kwargs):
        kwargs.setdefault("binary", mcusim_binary)
        kwargs["args"] = extra + list(kwargs.get("args", ()))
        env = dict(kwargs.pop("env", None) or os.environ)
        for key, value in SANITIZER_ENV.items():
            env.setdefault(key, value)
        sim = Simulator(firmware, env=env, **kwargs)
        started.append(sim)
        return sim

    yield start
    problems = []
    for i, sim in enumerate(started):
        status = sim.close()
        err = sim.stderr
        label = "mcusim %d (pid %d, exit status %s)" % (i, sim.pid, status)
        request.node.add_report_section("teardown", label, err or "(nothing on stderr)")
        if SANITIZER_REPORT.search(err):
            problems.append("%s: sanitizer report on stderr" % label)
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)
