#!/usr/bin/env bash
# Builds the host-service test firmware into build/host/ (until the build
# generator does it; run_host.py documents the commands). Run from anywhere.
set -euo pipefail
top=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$top"
python3 - <<'PY'
import os, subprocess, sys
sys.path.insert(0, "tests/firmware/host")
import run_host
os.makedirs(run_host.BUILD_DIR, exist_ok=True)
failed = 0
for name, cmd in run_host.build_commands():
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        failed += 1
        print("BUILD FAILED %s\n%s%s" % (name, " ".join(cmd) + "\n", p.stderr))
sys.exit(1 if failed else 0)
PY
