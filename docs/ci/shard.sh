#!/bin/sh
# Runs shard INDEX of TOTAL (0 <= INDEX < TOTAL): every TOTAL-th case of
# docs/ci/cases.sh starting at INDEX, one after the other, each its own
# stateless run (docs/ci/run_case.sh). Exit status 1 when any failed.
# CI matrices call it with their job index: GitHub's matrix value,
# GitLab's CI_NODE_INDEX-1 and CI_NODE_TOTAL, Kubernetes'
# JOB_COMPLETION_INDEX.
set -u
index=$1 total=$2
here=$(dirname "$0")
status=0 n=0
for id in $("$here/cases.sh"); do
    if [ $((n % total)) -eq "$index" ]; then
        if "$here/run_case.sh" "$id"; then
            echo "PASS $id"
        else
            echo "FAIL $id"
            status=1
        fi
    fi
    n=$((n + 1))
done
exit $status
