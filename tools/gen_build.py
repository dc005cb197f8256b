#!/usr/bin/env python3
"""Writes build.ninja from the source tree.

Sources are found by folder, so a new file needs no edit here:
  sim/ sim/cpu/ sim/host/ soc/      the simulator (sim/main.c holds main;
                                    it and sim/app_*.c, the application's
                                    wiring, link into the simulator only)
  peripherals/ gdbstub/
  tests/unit/test_*.c               one cmocka binary each, linked with the
                                    simulator's objects built with ASan+UBSan;
                                    a test_*_soak.c is also built without
                                    sanitizers (build/tests/plain/) to run
                                    under valgrind
  tests/firmware/*.c                one firmware ELF each for virt32 (newlib,
                                    tests/firmware/lib: crt0, syscalls, virt32.ld)
  tests/firmware/BOARD/*.c          firmware for another board, built with
                                    tests/firmware/BOARD/lib/*.{c,S} and
                                    tests/firmware/BOARD/lib/link.ld into
                                    build/fw/BOARD/NAME.elf
  tests/gdb/fw/*.c                  firmware for the gdb tests (HiFive1 library)
                                    into build/fw/gdb/NAME.elf
  tests/firmware/reconfig/*.c       runtime-reconfiguration firmware, each
                                    built for virt32 and the HiFive1 (with
                                    reconfig/support/) into
                                    build/fw/reconfig/BOARD/NAME.elf
  tests/firmware/coverage/*.c       coverage test firmware for virt32, built
                                    -O0 into build/fw/coverage/NAME.elf
  tests/isa/*.S                     ISA tests (no libc) into build/isa/NAME.elf
  tests/firmware/host/KIND_*.{c,S}  host-service firmware into build/host/:
                                    newlib_* (unmodified newlib, libgloss crt0),
                                    semihost_* (picolibc, semihosting crt0),
                                    htif_* (riscv-tests style assembly)
  tests/bench/host/bench_*.c        host benchmarks, built -O2
  tests/bench/fw/*.c                benchmark firmware (`ninja bench`; with
                                    QEMU side by side: `ninja bench-compare`)
  tests/fuzz/fuzz_*.c               one libFuzzer harness each, compiled
                                    like the simulator's sources with
                                    clang-14 (-fsanitize=fuzzer-no-link,
                                    address,undefined; objects in
                                    build/fuzz/obj/) and linked with
                                    libFuzzer (-fsanitize=fuzzer) into
                                    build/fuzz/fuzz_NAME; `ninja fuzz` runs
                                    them (tests/fuzz/run_fuzz.py)

Run `python3 tools/gen_build.py` after adding or removing a file; the test
suite checks that the committed build.ninja is current.
"""
import os
import sys

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIB_DIRS = ["soc", "peripherals", "gdbstub", "sim/cpu", "sim/host", "sim"]


def sources(folder, prefix="", suffix=".c"):
    path = os.path.join(TOP, folder)
    if not os.path.isdir(path):
        return []
    return sorted(
        os.path.join(folder, f)
        for f in os.listdir(path)
        if f.startswith(prefix) and f.endswith(suffix)
    )


def obj(variant, src):
    return "build/%s/%s.o" % (variant, src[:-2])


def firmware_groups(virt32_sources):
    """Firmware sets that share a startup, system calls and linker script:
    virt32's in tests/firmware/lib, and one per board folder."""
    lib = "tests/firmware/lib"
    groups = [dict(sources=virt32_sources, lib=lib, ld=lib + "/virt32.ld", out="",
                   support=sources(lib, suffix=".c") + sources(lib, suffix=".S"))]
    top = os.path.join(TOP, "tests/firmware")
    for board in sorted(os.listdir(top)):
        folder = "tests/firmware/" + board
        blib = folder + "/lib"
        if board == "lib" or not os.path.isdir(os.path.join(TOP, blib)):
            continue
        groups.append(dict(sources=sources(folder), lib=blib, ld=blib + "/link.ld",
                           out=board + "/",
                           support=sources(blib, suffix=".c") + sources(blib, suffix=".S")))
    return groups


# clang's libFuzzer (Debian 12: clang-14 and libclang-rt-14-dev, which
# tools/setup.sh installs). A missing clang fails the build with this
# message instead of a bare "not found".
FUZZ_CHECK = ("command -v $fuzzcc >/dev/null || { echo 'fuzzing needs clang-14 and "
              "libclang-rt-14-dev (libFuzzer): run tools/setup.sh' >&2; exit 1; }")
FUZZ_RUNTIME_CHECK = ("ls $$($fuzzcc -print-runtime-dir)/libclang_rt.fuzzer-*.a >/dev/null 2>&1 "
                      "|| { echo 'fuzzing needs libclang-rt-14-dev (the libFuzzer runtime): "
                      "run tools/setup.sh' >&2; exit 1; }")


def fuzz_rules(w, lib):
    """Rules for tests/fuzz/fuzz_*.c; returns the harness binaries. The
    simulator's sources are compiled again with clang and libFuzzer's
    coverage instrumentation into build/fuzz/obj/, then linked with each
    harness into build/fuzz/fuzz_NAME."""
    harnesses = sources("tests/fuzz", "fuzz_")
    if not harnesses:
        return []
    w("fuzzcc = clang-14")
    # The simulator's flags, plus clang's sanitizers and libFuzzer's
    # coverage instrumentation; only the link brings in libFuzzer's main.
    w("fuzzflags = $cflags -O1 -fno-omit-frame-pointer -fno-sanitize-recover=all "
      "-fsanitize=fuzzer-no-link,address,undefined")
    w("rule fuzzcc")
    w("  command = %s; $fuzzcc -MMD -MF $out.d $fuzzflags -c $in -o $out" % FUZZ_CHECK)
    w("  depfile = $out.d")
    w("  deps = gcc")
    w("  description = CC(fuzz) $out")
    w("rule fuzzlink")
    w("  command = %s; $fuzzcc -g -O1 -fsanitize=fuzzer,address,undefined -o $out $in $libs"
      % FUZZ_RUNTIME_CHECK)
    w("  description = LINK(fuzz) $out")
    lib_objs = []
    for s in lib:
        o = obj("fuzz/obj", s)
        lib_objs.append(o)
        w("build %s: fuzzcc %s" % (o, s))
    binaries = []
    for s in harnesses:
        o = obj("fuzz/obj", s)
        binary = "build/fuzz/%s" % os.path.basename(s)[:-2]
        binaries.append(binary)
        w("build %s: fuzzcc %s" % (o, s))
        w("build %s: fuzzlink %s %s" % (binary, o, " ".join(lib_objs)))
    w("build fuzz: run %s tests/fuzz/run_fuzz.py" % " ".join(binaries))
    w("  cmd = python3 tests/fuzz/run_fuzz.py")
    w("  desc = FUZZ every harness for FUZZ_SECONDS (default 300) each")
    w("")
    return binaries


def reconfig_firmware(w, fw_deps, hifive1_objs):
    """tests/firmware/reconfig/*.c, each built for virt32 and the HiFive1
    (its board's library, plus tests/firmware/reconfig/support/*.{c,S}
    compiled with -DRC_VIRT32 or -DRC_HIFIVE1) into
    build/fw/reconfig/BOARD/NAME.elf; returns the ELFs."""
    folder = "tests/firmware/reconfig"
    support = sources(folder + "/support", suffix=".c") + sources(folder + "/support", suffix=".S")
    virt32 = "tests/firmware/lib"
    virt32_objs = ["build/fw/%s.o" % os.path.splitext(s)[0]
                   for s in sources(virt32, suffix=".c") + sources(virt32, suffix=".S")]
    boards = [("virt32", virt32, virt32 + "/virt32.ld", virt32_objs, "RC_VIRT32"),
              ("hifive1", "tests/firmware/hifive1/lib", "tests/firmware/hifive1/lib/link.ld",
               hifive1_objs, "RC_HIFIVE1")]
    elfs = []
    for board, blib, ld, lib_objs, define in boards:
        out = "build/fw/reconfig/%s/" % board
        fwinc = "-I%s -I%s/support -D%s" % (blib, folder, define)
        objs = []
        for src in support:
            o = out + "support/%s.o" % os.path.splitext(os.path.basename(src))[0]
            objs.append(o)
            w("build %s: fwcc %s || %s" % (o, src, fw_deps))
            w("  fwinc = %s" % fwinc)
        for src in sources(folder):
            name = os.path.basename(src)[:-2]
            o, elf = out + name + ".o", out + name + ".elf"
            elfs.append(elf)
            w("build %s: fwcc %s || %s" % (o, src, fw_deps))
            w("  fwinc = %s" % fwinc)
            w("build %s: fwlink %s %s %s | %s" % (elf, o, " ".join(objs), " ".join(lib_objs), ld))
            w("  ldscript = %s" % ld)
    return elfs


def coverage_firmware(w, fw_deps):
    """tests/firmware/coverage/*.c: virt32 firmware for the coverage tests
    (tests/coverage/run_coverage.py), built -O0 so that every statement
    keeps its own instructions, into build/fw/coverage/NAME.elf; returns
    the ELFs."""
    lib = "tests/firmware/lib"
    lib_objs = ["build/fw/%s.o" % os.path.splitext(s)[0]
                for s in sources(lib, suffix=".c") + sources(lib, suffix=".S")]
    elfs = []
    for src in sources("tests/firmware/coverage"):
        name = os.path.basename(src)[:-2]
        o, elf = "build/fw/coverage/%s.o" % name, "build/fw/coverage/%s.elf" % name
        elfs.append(elf)
        w("build %s: fwcc %s || %s" % (o, src, fw_deps))
        w("  fwinc = -I%s" % lib)
        w("  fwflags = $fwflags -O0")
        w("build %s: fwlink %s %s | %s/virt32.ld" % (elf, o, " ".join(lib_objs), lib))
        w("  ldscript = %s/virt32.ld" % lib)
    return elfs


def generate():
    app = ["sim/main.c"] + sources("sim", "app_")
    lib = [s for d in LIB_DIRS for s in sources(d) if s not in app]
    unit_tests = sources("tests/unit", "test_")
    test_support = [s for s in sources("tests/unit") if not os.path.basename(s).startswith("test_")]
    firmware = sources("tests/firmware")
    bench = sources("tests/bench/fw")
    host_bench = sources("tests/bench/host", "bench_")

    out = []
    w = out.append
    w("# Generated by tools/gen_build.py; edit that, not this.")
    w("ninja_required_version = 1.10")
    w("")
    w("cc = gcc")
    w("warn = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter")
    w("cflags = -std=c11 -D_GNU_SOURCE -g $warn -I.")
    w("opt = -O2")
    w("san = -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all")
    # libdw (elfutils, the same release as libelf): the DWARF line tables
    # of --coverage (sim/debug_lines.c, docs/COVERAGE.md).
    w("libs = -ldw -lelf -lyaml")
    # The optimized binaries carry libdw, libelf, libyaml and zlib inside: a
    # run starts about 0.2 ms sooner without the dynamic linker loading them
    # (startup is a benchmark, docs/PERFORMANCE.md); libc stays shared. The
    # parts of libdw we call need nothing beyond zlib.
    w("libs_opt = -Wl,-Bstatic -ldw -lelf -lyaml -lz -Wl,-Bdynamic")
    w("")
    w("fwcc = riscv64-unknown-elf-gcc")
    w("newlib = build/newlib/riscv64-unknown-elf")
    w("fwarch = -march=rv32imac -misa-spec=2.2 -mabi=ilp32")
    w("fwflags = $fwarch -O2 -g -Wall -Wextra -Werror -ffunction-sections -fdata-sections "
      "-nostdinc -isystem $newlib/include -isystem $$($fwcc -print-file-name=include)")
    w("fwldflags = $fwarch -nostartfiles -B $newlib/lib -L $newlib/lib -Wl,--gc-sections -Wl,--no-warn-rwx-segments")
    w("")
    w("rule cc")
    w("  command = $cc -MMD -MF $out.d $cflags $opt -c $in -o $out")
    w("  depfile = $out.d")
    w("  deps = gcc")
    w("  description = CC $out")
    w("rule cc_san")
    w("  command = $cc -MMD -MF $out.d $cflags $san -c $in -o $out")
    w("  depfile = $out.d")
    w("  deps = gcc")
    w("  description = CC(san) $out")
    w("rule link")
    w("  command = $cc $opt -o $out $in $libs_opt")
    w("  description = LINK $out")
    w("rule link_san")
    w("  command = $cc $san -o $out $in $libs $extra")
    w("  description = LINK(san) $out")
    w("rule newlib")
    w("  command = tools/build-newlib.sh")
    w("  description = NEWLIB (rv32imac/ilp32, once)")
    w("  pool = console")
    w("rule fwcc")
    w("  command = $fwcc -MMD -MF $out.d $fwflags $fwinc -c $in -o $out")
    w("  depfile = $out.d")
    w("  deps = gcc")
    w("  description = FWCC $out")
    w("rule fwlink")
    w("  command = $fwcc $fwldflags -T $ldscript -o $out $in -lc -lm -lgcc")
    w("  description = FWLINK $out")
    w("rule isacc")
    w("  command = $fwcc -march=$isaarch -misa-spec=2.2 -mabi=ilp32 -nostdlib -nostartfiles "
      "-Wl,--no-warn-rwx-segments -T tests/isa/link.ld -Itests/isa -MMD -MF $out.d $in -o $out")
    w("  depfile = $out.d")
    w("  deps = gcc")
    w("  description = ISA $out")
    w("rule hostfw_newlib")
    w("  command = $fwcc $fwarch -O2 -g -Wall -Wextra -Werror -nostdinc -isystem $newlib/include "
      "-isystem $$($fwcc -print-file-name=include) -B $newlib/lib -L $newlib/lib "
      "-MMD -MF $out.d $in -o $out")
    w("  depfile = $out.d")
    w("  deps = gcc")
    w("  description = HOSTFW(newlib) $out")
    w("rule hostfw_semihost")
    w("  command = $fwcc --specs=picolibc.specs --crt0=semihost --oslib=semihost $fwarch "
      "-O2 -g -Wall -Wextra -Werror -MMD -MF $out.d $in -o $out")
    w("  depfile = $out.d")
    w("  deps = gcc")
    w("  description = HOSTFW(picolibc) $out")
    w("rule hostfw_htif")
    w("  command = $fwcc $fwarch -nostdlib -nostartfiles -Wl,--no-warn-rwx-segments "
      "-T tests/firmware/host/htif.ld -Itests/firmware/host -MMD -MF $out.d $in -o $out")
    w("  depfile = $out.d")
    w("  deps = gcc")
    w("  description = HOSTFW(htif) $out")
    w("rule gen")
    w("  command = python3 tools/gen_build.py")
    w("  description = GEN build.ninja")
    w("  generator = 1")
    w("rule run")
    w("  command = $cmd")
    w("  pool = console")
    w("  description = $desc")
    w("")
    w("build build.ninja: gen tools/gen_build.py")
    w("")

    opt_objs, san_objs = [], []
    for s in lib + app:
        w("build %s: cc %s" % (obj("opt", s), s))
        w("build %s: cc_san %s" % (obj("san", s), s))
        if s not in app:
            opt_objs.append(obj("opt", s))
            san_objs.append(obj("san", s))
    for s in unit_tests + test_support:
        w("build %s: cc_san %s" % (obj("san", s), s))
    for s in host_bench + [t for t in unit_tests if t.endswith("_soak.c")]:
        w("build %s: cc %s" % (obj("opt", s), s))
    w("")
    w("build build/mcusim: link %s %s" % (" ".join(obj("opt", s) for s in app), " ".join(opt_objs)))
    w("build build/mcusim-san: link_san %s %s" % (" ".join(obj("san", s) for s in app),
                                                  " ".join(san_objs)))
    support_objs = " ".join(obj("san", s) for s in test_support)
    unit_bins = []
    for t in unit_tests:
        name = os.path.basename(t)[:-2]
        binary = "build/tests/%s" % name
        unit_bins.append(binary)
        w("build %s: link_san %s %s %s" % (binary, obj("san", t), support_objs, " ".join(san_objs)))
        w("  extra = -lcmocka")
        if t.endswith("_soak.c"):
            plain = "build/tests/plain/%s" % name
            unit_bins.append(plain)
            w("build %s: link %s %s" % (plain, obj("opt", t), " ".join(opt_objs)))
            w("  libs_opt = $libs_opt -lcmocka")
    bench_bins = []
    for s in host_bench:
        binary = "build/bench/%s" % os.path.basename(s)[:-2]
        bench_bins.append(binary)
        w("build %s: link %s %s" % (binary, obj("opt", s), " ".join(opt_objs)))
    w("")

    w("build build/newlib/.stamp: newlib | tools/build-newlib.sh")
    fw_deps = "build/newlib/.stamp"
    fw_elfs = []
    for group in firmware_groups(firmware + bench):
        support_objs = []
        for src in group["support"]:
            o = "build/fw/%s.o" % os.path.splitext(src)[0]
            support_objs.append(o)
            w("build %s: fwcc %s || %s" % (o, src, fw_deps))
            w("  fwinc = -I%s" % group["lib"])
        for src in group["sources"]:
            o = "build/fw/%s.o" % src[:-2]
            elf = "build/fw/%s%s.elf" % (group["out"], os.path.basename(src)[:-2])
            fw_elfs.append(elf)
            w("build %s: fwcc %s || %s" % (o, src, fw_deps))
            w("  fwinc = -I%s" % group["lib"])
            w("build %s: fwlink %s %s | %s" % (elf, o, " ".join(support_objs), group["ld"]))
            w("  ldscript = %s" % group["ld"])
    # tests/gdb/fw/*.c: firmware for the gdb tests (tests/gdb/run_gdb.py),
    # linked with the HiFive1 library (built above) into build/fw/gdb/.
    hifive1 = "tests/firmware/hifive1/lib"
    hifive1_objs = ["build/fw/%s.o" % os.path.splitext(s)[0]
                    for s in sources(hifive1, suffix=".c") + sources(hifive1, suffix=".S")]
    for src in sources("tests/gdb/fw"):
        o = "build/fw/%s.o" % src[:-2]
        elf = "build/fw/gdb/%s.elf" % os.path.basename(src)[:-2]
        fw_elfs.append(elf)
        w("build %s: fwcc %s || %s" % (o, src, fw_deps))
        w("  fwinc = -I%s" % hifive1)
        w("build %s: fwlink %s %s | %s/link.ld" % (elf, o, " ".join(hifive1_objs), hifive1))
        w("  ldscript = %s/link.ld" % hifive1)
    fw_elfs += reconfig_firmware(w, fw_deps, hifive1_objs)
    fw_elfs += coverage_firmware(w, fw_deps)
    w("")
    isa_elfs = []
    for src in sources("tests/isa", suffix=".S"):
        name = os.path.basename(src)[:-2]
        elf = "build/isa/%s.elf" % name
        isa_elfs.append(elf)
        w("build %s: isacc %s | tests/isa/link.ld || %s" % (elf, src, fw_deps))
        w("  isaarch = %s" % ("rv32i" if name.startswith("rv32i_") else "rv32imac"))
    host_elfs = []
    for src in sources("tests/firmware/host", suffix=".c") + sources("tests/firmware/host", suffix=".S"):
        name = os.path.splitext(os.path.basename(src))[0]
        kind = name.split("_")[0]
        elf = "build/host/%s.elf" % name
        host_elfs.append(elf)
        extra = " | tests/firmware/host/htif.ld" if kind == "htif" else ""
        w("build %s: hostfw_%s %s%s || %s" % (elf, kind, src, extra, fw_deps))
    fuzz_bins = fuzz_rules(w, lib)
    w("build all: phony build/mcusim build/mcusim-san %s %s %s %s %s" % (
        " ".join(unit_bins), " ".join(fw_elfs), " ".join(isa_elfs), " ".join(host_elfs),
        " ".join(fuzz_bins)))
    w("build fw-qemu: run build/mcusim tools/fw_qemu_check.py %s" % " ".join(fw_elfs))
    w("  cmd = python3 tools/fw_qemu_check.py")
    w("  desc = virt32 firmware on mcusim and QEMU")
    w("build isa-qemu: run build/mcusim tools/isa_qemu_check.py %s" % " ".join(isa_elfs))
    w("  cmd = python3 tools/isa_qemu_check.py")
    w("  desc = ISA tests on mcusim and QEMU")
    w("build demo: run build/mcusim build/fw/hello.elf")
    w("  cmd = build/mcusim --board virt32 build/fw/hello.elf")
    w("  desc = DEMO hello.elf on virt32")
    w("build test: run all tests/run_tests.py")
    w("  cmd = python3 tests/run_tests.py")
    w("  desc = TEST")
    w("build bench: run build/mcusim tests/bench/run_bench.py %s %s" % (" ".join(bench_bins), " ".join(
        "build/fw/%s.elf" % os.path.basename(s)[:-2] for s in bench)))
    w("  cmd = python3 tests/bench/run_bench.py")
    w("  desc = BENCH")
    w("build bench-compare: run build/mcusim tests/bench/compare tests/bench/run_bench.py %s" % (
        " ".join("build/fw/%s.elf" % os.path.basename(s)[:-2] for s in bench)))
    w("  cmd = python3 tests/bench/compare")
    w("  desc = BENCH-COMPARE every benchmark on mcusim and QEMU")
    w("default build/mcusim")
    return "\n".join(out) + "\n"


def main():
    text = generate()
    target = os.path.join(TOP, "build.ninja")
    if "--check" in sys.argv:
        with open(target) as f:
            if f.read() != text:
                print("build.ninja is stale: run python3 tools/gen_build.py", file=sys.stderr)
                return 1
        return 0
    with open(target, "w") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
