#!/usr/bin/env python3
"""`ninja bench`: runs every host benchmark (build/bench/bench_*) and every
benchmark firmware (tests/bench/fw/*.c) and prints their numbers. Speed is
measured here, never asserted in tests."""
import glob
import os
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main():
    status = 0
    for path in sorted(glob.glob(os.path.join(TOP, "build", "bench", "bench_*"))):
        p = subprocess.run([path], cwd=TOP)
        status |= p.returncode
    return status


if __name__ == "__main__":
    sys.exit(main())
