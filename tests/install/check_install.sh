#!/bin/sh
# Installs narrate (built at NARRATE_LEVEL=INFO) into a scratch prefix, then builds a downstream
# program three ways: find_package(narrate CONFIG) with narrate_instrument from the installed
# generator, pkg-config narrate, add_subdirectory (traced at the default TRACE level).
# usage: check_install.sh SOURCE_DIR C_COMPILER
set -eu
src=$1 cc=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake -S "$src" -B "$work/build" -DNARRATE_LEVEL=INFO -DNARRATE_BUILD_TESTS=OFF -DNARRATE_BUILD_EXAMPLES=OFF \
  -DCMAKE_INSTALL_PREFIX="$work/prefix" >/dev/null
cmake --build "$work/build" -j 2 >/dev/null
cmake --install "$work/build" >/dev/null

expect() { # program-output-file
  grep -q 'INFO consumer hello target="world" "installed narrate works: 42"' "$1" || { echo "missing INFO line:"; cat "$1"; exit 1; }
}

cmake -S "$src/tests/install/consumer" -B "$work/cfg" -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/cfg" >/dev/null
"$work/cfg/consumer" 2> "$work/out1"
expect "$work/out1"
if grep -q detail "$work/out1"; then echo "TRACE event present in an INFO build"; exit 1; fi
echo "find_package(narrate CONFIG): ok"

pc="$(ls -d "$work"/prefix/lib*/pkgconfig | head -n 1)"
# shellcheck disable=SC2046
"$cc" -std=c11 -o "$work/pc" "$src/tests/install/consumer/main.c" "$src/tests/install/consumer/traced.c" $(PKG_CONFIG_PATH="$pc" pkg-config --cflags --libs narrate)
"$work/pc" 2> "$work/out2"
expect "$work/out2"
if grep -q detail "$work/out2"; then echo "pkg-config: TRACE event present in an INFO build"; exit 1; fi
echo "pkg-config narrate: ok"

cmake -S "$src/tests/install/consumer" -B "$work/sub" -DNARRATE_SOURCE_DIR="$src" >/dev/null
cmake --build "$work/sub" -j 2 >/dev/null
"$work/sub/consumer" 2> "$work/out3"
expect "$work/out3"
grep -q 'TRACE consumer detail' "$work/out3" || { echo "add_subdirectory: TRACE event missing at the default level"; exit 1; }
grep -q 'TRACE consumer scaled v="21" factor="2" "scaled started"' "$work/out3" ||
  { echo "add_subdirectory: narrate_instrument did not trace scaled():"; cat "$work/out3"; exit 1; }
test -f "$work/prefix/share/narrate/gen/narrate-gen" || { echo "the generator was not installed"; exit 1; }
ls "$work"/cfg/narrate/consumer/traced.traced.c >/dev/null || { echo "find_package: no traced twin generated"; exit 1; }
echo "add_subdirectory: ok"
