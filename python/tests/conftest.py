"""What the example suite shares: where the repository's firmware and
board files are. The `mcusim` fixture comes from the plugin
(`-p mcusim.pytest_plugin`; tests/python/run_python.py loads it)."""
import os

import pytest

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RECONFIG_BOARDS = os.path.join(TOP, "tests", "firmware", "reconfig", "boards", "reconfig.yaml")
HIFIVE1_TEST = os.path.join(TOP, "tests", "firmware", "boards", "hifive1-test.yaml")


def firmware(*parts):
    """build/fw/PARTS...: an ELF `ninja all` builds (a missing one fails
    the test that wants it, with what to do)."""
    path = os.path.join(TOP, "build", "fw", *parts)
    if not os.path.exists(path):
        pytest.fail("%s is missing: build it with `ninja all`" % os.path.relpath(path, TOP),
                    pytrace=False)
    return path


def reconfig_board(board):
    """--board for the reconfiguration firmware: rc-virt32 or rc-hifive1."""
    return "%s:rc-%s" % (RECONFIG_BOARDS, board)
