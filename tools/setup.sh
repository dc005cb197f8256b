#!/usr/bin/env bash
# Installs every Debian package the project needs (if missing) and builds
# newlib for rv32imac/ilp32 into build/newlib once. Safe to run repeatedly:
# a second run with everything present does nothing.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
packages=(
  gcc libc6-dev ninja-build pkg-config python3
  libelf-dev libyaml-dev libcmocka-dev
  gcc-riscv64-unknown-elf binutils-riscv64-unknown-elf newlib-source
  picolibc-riscv64-unknown-elf
  gdb-multiarch valgrind xz-utils bzip2 make
  # fuzzing (tests/fuzz, docs/FUZZING.md): clang with its libFuzzer runtime,
  # and llvm-symbolizer for the stacks in sanitizer reports
  clang-14 libclang-rt-14-dev llvm-14
  # --coverage (docs/COVERAGE.md): libdw for DWARF line tables (linked
  # statically with zlib, which it brings), genhtml for its tests
  libdw-dev lcov
  # the Python package's tests and example suite (python/, docs/PYTHON.md)
  python3-pytest
  # --vcd's tests (tests/vcd): GTKWave's vcd2fst checks that it parses
  gtkwave
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing packages and not root; run as root or install: ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Optional: what tools/vcd_screenshot.sh needs to draw docs/images/vcd.png
# (docs/WAVEFORMS.md): a virtual X server and ImageMagick's `import`.
if [ "${1:-}" = "--with-pictures" ]; then
  pictures=()
  for p in xvfb xauth imagemagick; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || pictures+=("$p")
  done
  if [ ${#pictures[@]} -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${pictures[@]}"
  fi
fi

# Optional: QEMU for the side-by-side checks (`ninja isa-qemu`).
if [ "${1:-}" = "--with-qemu" ] &&
   ! dpkg-query -W -f='${Status}' qemu-system-misc 2>/dev/null | grep -q 'install ok installed'; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends qemu-system-misc
fi

"$top/tools/build-newlib.sh"
