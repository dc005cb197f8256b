#!/bin/sh
# Lists the firmware test cases, one id a line, for sharding (docs/CI.md):
#   scenario:TEST-BOARD   a scenario file of tests/reconfig run on its
#                         firmware (one mcusim process, --junit)
#   pytest:FILE           a file of the pytest example suite (python/tests;
#                         each test starts its own mcusim processes)
# Run from the repository top. docs/ci/run_case.sh runs one id.
set -eu
for f in tests/reconfig/*-virt32.yaml tests/reconfig/*-hifive1.yaml; do
    name=$(basename "$f" .yaml)
    case "$name" in expect_fail-*) continue ;; esac  # fails on purpose
    echo "scenario:$name"
done
for f in python/tests/test_*.py; do
    echo "pytest:${f#python/}"
done
