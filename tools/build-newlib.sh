#!/usr/bin/env bash
# Builds newlib (from Debian's newlib-source) for rv32imac/ilp32 into
# build/newlib. Skipped when build/newlib/.stamp exists.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
prefix="$top/build/newlib"
[ -f "$prefix/.stamp" ] && exit 0

tarball=$(ls /usr/src/newlib/newlib-*.tar.* 2>/dev/null | head -n 1 || true)
if [ -z "$tarball" ]; then
  echo "build-newlib: no newlib tarball under /usr/src/newlib (install newlib-source)" >&2
  exit 1
fi

work="$top/build/newlib-work"
rm -rf "$work" "$prefix"
mkdir -p "$work/src" "$work/obj"
echo "build-newlib: building newlib for rv32imac/ilp32 from $tarball (about a minute)"
tar -xf "$tarball" -C "$work/src"
src=$(find "$work/src" -mindepth 1 -maxdepth 1 -type d | head -n 1)

cd "$work/obj"
"$src/configure" --target=riscv64-unknown-elf --prefix="$prefix" --disable-multilib \
  --with-arch=rv32imac --with-abi=ilp32 \
  CFLAGS_FOR_TARGET="-march=rv32imac -misa-spec=2.2 -mabi=ilp32 -O2 -mcmodel=medlow" \
  --enable-newlib-nano-malloc --enable-newlib-reent-small \
  --enable-newlib-nano-formatted-io --enable-lite-exit >"$work/configure.log" 2>&1 \
  || { tail -n 30 "$work/configure.log" >&2; exit 1; }
make -j"$(nproc)" >"$work/make.log" 2>&1 || { tail -n 40 "$work/make.log" >&2; exit 1; }
make install >"$work/install.log" 2>&1 || { tail -n 40 "$work/install.log" >&2; exit 1; }
rm -rf "$work"
touch "$prefix/.stamp"
echo "build-newlib: installed into $prefix"
