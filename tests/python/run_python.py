#!/usr/bin/env python3
"""The Python package's tests (python/tests; tests/run_tests.py runs
these): pytest with the mcusim plugin on the sanitized simulator, each
pytest test reported as its own result, `python/tests/FILE.py::TEST`.

- pytest: the one of the Python running this, else Debian's
  (/usr/bin/python3 with python3-pytest, which tools/setup.sh installs);
- `PYTHONPATH=python`, `-p mcusim.pytest_plugin --mcusim build/mcusim-san`,
  `--junitxml` to a temporary file that gives the results, and no cache
  written into the tree;
- a test skipped counts as failed (a check that did not run proves
  nothing), and so does pytest ending badly with no test failed (a
  collection error, say);
- `-k WORD`: only tests whose name contains WORD (collected first).
"""
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from testlib import ENV, SIM, TIMEOUT, TOP, Results  # noqa: E402

PYTHON_DIR = os.path.join(TOP, "python")
PREFIX = "python/"
GUARD = TIMEOUT * 5  # host seconds for the whole suite: a hang guard only


def find_pytest():
    """A Python that can import pytest, or None."""
    for exe in (sys.executable, "/usr/bin/python3"):
        if exe and os.access(exe, os.X_OK) and subprocess.run(
                [exe, "-c", "import pytest"], stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL).returncode == 0:
            return exe
    return None


def pytest_command(python, extra):
    return [python, "-m", "pytest", "-p", "no:cacheprovider", "-p", "mcusim.pytest_plugin",
            "--mcusim", SIM, "-q", "-rfEs"] + list(extra)


def pytest_env():
    env = dict(ENV)
    env["PYTHONPATH"] = PYTHON_DIR + (os.pathsep + env["PYTHONPATH"]
                                      if env.get("PYTHONPATH") else "")
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def run_pytest(python, args):
    try:
        p = subprocess.run(pytest_command(python, args), cwd=PYTHON_DIR, env=pytest_env(),
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=GUARD)
        return p.returncode, p.stdout.decode(errors="replace")
    except subprocess.TimeoutExpired as e:
        return -1, (e.stdout or b"").decode(errors="replace") + "\n(pytest timed out)"


def collected(python, only):
    """The node ids (tests/FILE.py::TEST) whose name contains `only`."""
    status, out = run_pytest(python, ["--collect-only", "tests"])
    ids = [line for line in out.splitlines() if "::" in line and not line.startswith(" ")]
    return [i for i in ids if only in PREFIX + i], status, out


def node_id(case):
    """tests/FILE.py::[CLASS::]TEST from a JUnit testcase's classname
    (tests.FILE[.CLASS]) and name."""
    parts = (case.get("classname") or "").split(".")
    module = [p for p in parts if not p[:1].isupper()]
    classes = [p for p in parts if p[:1].isupper()]
    return "::".join(["/".join(module) + ".py"] + classes + [case.get("name") or "?"])


def report_cases(res, xml_path):
    """One result per testcase; returns how many there were, or None
    when the report cannot be read."""
    try:
        root = ET.parse(xml_path).getroot()
    except (OSError, ET.ParseError):
        return None
    cases = root.iter("testcase")
    count = 0
    for case in cases:
        count += 1
        name = PREFIX + node_id(case)
        bad = [child for child in case if child.tag in ("failure", "error", "skipped")]
        if not bad:
            res.ok(name)
            continue
        why = []
        for child in bad:
            why.append("%s: %s" % (child.tag, child.get("message") or ""))
            if child.text:
                why.append(child.text)
        res.fail(name, "\n".join(why))
    return count


def run(res, only=None):
    python = find_pytest()
    if python is None:
        if not only or only in PREFIX + "pytest":
            res.fail(PREFIX + "pytest", "no Python here can import pytest: install "
                     "python3-pytest (bash tools/setup.sh)")
        return
    failed_before = len(res.failed)
    selection = ["tests"]
    if only and only not in PREFIX:
        ids, status, out = collected(python, only)
        if not ids:
            if status not in (0, 5):  # 5: nothing collected
                res.fail(PREFIX + "pytest (collection)", out)
            return
        selection = ids
    with tempfile.TemporaryDirectory(prefix="mcusim-pytest-") as tmp:
        xml_path = os.path.join(tmp, "pytest.xml")
        status, out = run_pytest(python, ["--junitxml", xml_path] + selection)
        count = report_cases(res, xml_path)
    if count is None or count == 0:
        res.fail(PREFIX + "pytest", "no JUnit results (exit status %d)\n%s" % (status, out))
    elif status != 0 and len(res.failed) == failed_before:
        res.fail(PREFIX + "pytest (exit status %d)" % status, out)


if __name__ == "__main__":
    results = Results()
    run(results, only=sys.argv[2] if len(sys.argv) > 2 and sys.argv[1] == "-k" else None)
    sys.exit(results.summary())
