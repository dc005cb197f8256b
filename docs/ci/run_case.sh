#!/bin/sh
# Runs one test case (an id from docs/ci/cases.sh) as one stateless run
# and writes its JUnit XML to $JUNIT_DIR (default build/ci/junit), named
# after the id. Exit status 0 when it passed. Run from the repository top.
#   MCUSIM   the simulator (default build/mcusim)
#   PYTHON   a Python with pytest (default python3)
set -eu
id=$1
mcusim=${MCUSIM:-build/mcusim}
python=${PYTHON:-python3}
out=${JUNIT_DIR:-build/ci/junit}
mkdir -p "$out" build/reconfig build/ci/tmp   # build/reconfig: the scenarios' chardev files
safe=$(echo "$id" | tr -c 'A-Za-z0-9_.\n-' '_')
xml=$(cd "$out" && pwd)/$safe.xml
case "$id" in
scenario:*)
    name=${id#scenario:}          # TEST-BOARD
    test=${name%-*}
    board=${name##*-}
    exec "$mcusim" --board "tests/firmware/reconfig/boards/reconfig.yaml:rc-$board" \
        --scenario "tests/reconfig/$name.yaml" --junit "$xml" \
        "build/fw/reconfig/$board/$test.elf" >/dev/null
    ;;
pytest:*)
    file=${id#pytest:}
    tmp=$(pwd)/build/ci/tmp/$safe    # pytest's tmp_path: this run's own
    case "$mcusim" in */*) binary=$(readlink -f "$mcusim") ;; *) binary=$(command -v "$mcusim") ;; esac
    cd python
    PYTHONPATH=. PYTHONDONTWRITEBYTECODE=1 exec "$python" -m pytest -q -p no:cacheprovider \
        -p mcusim.pytest_plugin --mcusim "$binary" --basetemp "$tmp" --junitxml "$xml" "$file"
    ;;
*)
    echo "run_case.sh: unknown case id '$id'" >&2
    exit 2
    ;;
esac
